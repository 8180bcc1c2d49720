/* report/entitlement.c - weighted max-min fair entitlement of each VM.
 *
 * Water-filling: every VM demands what it wanted during the window - the
 * time its vCPUs were running or runnable, in pCPUs - bounded by its cap;
 * the host's pCPUs are shared in proportion to weight; a VM whose
 * proportional part exceeds its demand gets its demand and the rest is
 * shared again among the others.  This is the share a work-conserving,
 * weight-proportional scheduler owes each VM (what Credit's accounting
 * and CFS's cgroup shares aim at); a VM that got less than its entitlement
 * was treated unfairly. */
#include <stdlib.h>

#include "report/report.h"

/* pCPUs' worth of time the VM's vCPUs wanted (running or runnable). */
static double vm_demand(const vl_model *m, int d)
{
    const vl_vm *vm = &m->hv.vms[d];
    vl_ns window = vl_model_window(m);
    vl_ns wanted = 0;
    for (int i = 0; i < vm->nvcpus; i++)
        wanted += vl_model_vcpu_time(m, vm->vcpus[i].id, VL_RUNNING) +
                  vl_model_vcpu_time(m, vm->vcpus[i].id, VL_RUNNABLE);
    double demand = window > 0 ? (double)wanted / (double)window : 0;
    if (vm->cap > 0 && vm->cap / 100.0 < demand)
        demand = vm->cap / 100.0;
    return demand;
}

double vl_entitled_share(const vl_model *m, int vm)
{
    const vl_hv *hv = &m->hv;
    int n = hv->nvms;
    double *alloc = calloc((size_t)n, sizeof *alloc);
    char *fixed = calloc((size_t)n, 1);
    double result = 0;
    if (!alloc || !fixed)
        goto out;
    double left = hv->npcpus;
    for (int round = 0; round < n; round++) {
        double wsum = 0;
        for (int d = 0; d < n; d++)
            if (!fixed[d])
                wsum += hv->vms[d].weight;
        if (wsum <= 0)
            break;
        int newly_fixed = 0;
        for (int d = 0; d < n; d++) {
            if (fixed[d])
                continue;
            double demand = vm_demand(m, d);
            if (left * hv->vms[d].weight / wsum >= demand) {
                alloc[d] = demand;
                fixed[d] = 1;
                newly_fixed++;
            }
        }
        if (newly_fixed == 0) {
            for (int d = 0; d < n; d++)
                if (!fixed[d])
                    alloc[d] = left * hv->vms[d].weight / wsum;
            break;
        }
        left = hv->npcpus;
        for (int d = 0; d < n; d++)
            if (fixed[d])
                left -= alloc[d];
    }
    result = alloc[vm] / hv->npcpus;
out:
    free(alloc);
    free(fixed);
    return result;
}
