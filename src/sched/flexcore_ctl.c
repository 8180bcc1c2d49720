/* sched/flexcore_ctl.c - the balloon controller of `flexcore`
 * (flexcore.h has the rule).  Touches nothing but its arguments. */
#include <math.h>
#include <stdbool.h>

#include "flexcore.h"

/* A share this close above an integer counts as that integer (floating
 * error of the divisions, not a fraction of a pCPU worth a vCPU). */
#define FC_SHARE_SLACK 1e-9

/* Step 1: the pCPUs the VM could use (need) and the vCPUs it wants. */
static void want_of(fc_vm_obs *o, const fc_ctl_params *cp)
{
    double util = o->demand / o->online;
    if (util >= cp->grow_util) {
        o->need = o->want = o->nvcpus;
        return;
    }
    o->need = o->demand / cp->grow_util;
    if (o->demand > cp->shrink_util * (o->online - 1)) {
        o->want = o->online;
        return;
    }
    int w = (int)ceil(o->need - FC_SHARE_SLACK);
    o->want = w < 1 ? 1 : w;
}

/* Step 2, water-filling: pCPUs by weight, none above its need, the rest to
 * the others.  Each pass fixes every VM whose weighted part of what is
 * left covers its need; a pass that fixes none gives the others their
 * parts.
 * A VM's share is negative until fixed. */
static void water_fill(fc_vm_obs *vms, int npcpus)
{
    double left = npcpus;
    for (fc_vm_obs *o = vms; o; o = o->next)
        o->share = -1;
    for (;;) {
        double weight = 0;
        for (fc_vm_obs *o = vms; o; o = o->next)
            if (o->share < 0)
                weight += (double)o->weight;
        if (weight <= 0)
            return;
        double pass_left = left;
        bool any = false;
        for (fc_vm_obs *o = vms; o; o = o->next) {
            if (o->share >= 0 || pass_left * (double)o->weight / weight < o->need)
                continue;
            any = true;
            o->share = o->need;
            left -= o->need;
        }
        if (any)
            continue;
        for (fc_vm_obs *o = vms; o; o = o->next)
            if (o->share < 0)
                o->share = left * (double)o->weight / weight;
        return;
    }
}

void fc_ctl_targets(fc_vm_obs *vms, int npcpus, const fc_ctl_params *cp)
{
    for (fc_vm_obs *o = vms; o; o = o->next)
        want_of(o, cp);
    water_fill(vms, npcpus);
    for (fc_vm_obs *o = vms; o; o = o->next) {
        /* step 3: a VM that got all it needs has what it wants */
        int t = o->share >= o->need ? o->want : (int)ceil(o->share - FC_SHARE_SLACK);
        o->target = t < 1 ? 1 : t > o->want ? o->want : t;
    }
}
