/* report/entitlement.c - weighted max-min fair entitlement of each VM, and
 * how fairly the VMs got it (Jain's index of share / entitlement).
 *
 * Water-filling: every VM demands what it wanted during the window - the
 * time its vCPUs were running or runnable, in pCPUs - bounded by its cap;
 * the host's pCPUs are shared in proportion to weight; a VM whose
 * proportional part exceeds its demand gets its demand and the rest is
 * shared again among the others.  This is the share a work-conserving,
 * weight-proportional scheduler owes each VM (what Credit's accounting
 * and CFS's cgroup shares aim at); a VM that got less than its entitlement
 * was treated unfairly.
 *
 * Fairness: x_i = share_i / entitled_share_i per guest VM entitled to
 * something; Jain's index (sum x)^2 / (n sum x^2) is 1 when every VM got
 * the same fraction of what it was owed (all 1 for a fair scheduler), 1/n
 * when one VM got everything.  The host VM of I/O backends is left out:
 * it is not a tenant, and its backends run on demand. */
#include <stdlib.h>

#include "report/report.h"
#include "vl_oom.h"

/* pCPUs' worth of time the VM's vCPUs wanted (running or runnable). */
static double vm_demand(const vl_model *m, int d)
{
    const vl_vm *vm = &m->hv.vms[d];
    vl_ns window = vl_model_window(m);
    vl_ns wanted = vl_vm_time(m, d, VL_RUNNING) + vl_vm_time(m, d, VL_RUNNABLE);
    double demand = window > 0 ? (double)wanted / (double)window : 0;
    if (vm->cap > 0 && vm->cap / 100.0 < demand)
        demand = vm->cap / 100.0;
    return demand;
}

int vl_entitled_shares(const vl_model *m, double *alloc)
{
    const vl_hv *hv = &m->hv;
    int n = hv->nvms;
    double *demand = malloc((size_t)n * sizeof *demand);
    char *fixed = calloc((size_t)n, 1);
    int rc = -1;
    if (!demand || !fixed)
        goto out;
    for (int d = 0; d < n; d++) {
        alloc[d] = 0;
        demand[d] = vm_demand(m, d);
    }
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
            if (left * hv->vms[d].weight / wsum >= demand[d]) {
                alloc[d] = demand[d];
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
    for (int d = 0; d < n; d++)
        alloc[d] /= hv->npcpus;
    rc = 0;
out:
    free(demand);
    free(fixed);
    return rc;
}

double vl_jain_index(const double *x, int n)
{
    double sum = 0, sq = 0;
    for (int i = 0; i < n; i++) {
        sum += x[i];
        sq += x[i] * x[i];
    }
    return sq > 0 ? sum * sum / ((double)n * sq) : 1;
}

double *vl_entitled_shares_or_exit(const vl_model *m)
{
    double *share = malloc((size_t)(m->hv.nvms ? m->hv.nvms : 1) * sizeof *share);
    if (!share || vl_entitled_shares(m, share) < 0)
        vl_out_of_memory("the VMs' entitled shares");
    return share;
}

int vl_fairness(const vl_model *m, double *jain, double *min_fraction, int *worst_vm)
{
    const vl_hv *hv = &m->hv;
    double capacity = (double)hv->npcpus * (double)vl_model_window(m);
    if (hv->nvms == 0)
        return 0;
    double *x = malloc((size_t)hv->nvms * sizeof *x);
    double *owed_share = malloc((size_t)hv->nvms * sizeof *owed_share);
    if (!x || !owed_share || vl_entitled_shares(m, owed_share) < 0) {
        free(x);
        free(owed_share);
        return -1;
    }
    int n = 0, worst = -1;
    double min = 0;
    for (int d = 0; d < hv->nvms && capacity > 0; d++) {
        const vl_vm *vm = &hv->vms[d];
        double owed = vm->host ? 0 : owed_share[d];
        if (owed <= 0)
            continue;
        x[n] = (double)vl_vm_time(m, d, VL_RUNNING) / capacity / owed;
        if (worst < 0 || x[n] < min) {
            min = x[n];
            worst = d;
        }
        n++;
    }
    if (n >= 2) {
        *jain = vl_jain_index(x, n);
        *min_fraction = min;
        if (worst_vm)
            *worst_vm = worst;
    }
    free(x);
    free(owed_share);
    return n;
}
