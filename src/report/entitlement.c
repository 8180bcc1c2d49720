/* report/entitlement.c - weighted max-min fair entitlement of each VM.
 *
 * Water-filling: every VM demands min(vcpus, cap/100) pCPUs; the host's
 * pCPUs are shared in proportion to weight; a VM whose proportional part
 * exceeds its demand gets its demand and the rest is shared again among
 * the others.  This is what Credit's accounting and CFS's shares both aim
 * at for CPU-bound VMs. */
#include <stdlib.h>

#include "report/report.h"

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
            double demand = hv->vms[d].nvcpus;
            if (hv->vms[d].cap > 0 && hv->vms[d].cap / 100.0 < demand)
                demand = hv->vms[d].cap / 100.0;
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
