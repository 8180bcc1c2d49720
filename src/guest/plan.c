/* guest/plan.c - a vCPU's plan: its reserved lock holds, and cutting it
 * (guest/plan.h). */
#include "guest/plan.h"

#include "guest/kernel.h"

void vl_plan_note_lock(vl_gvcpu *gv, int id)
{
    for (int i = 0; i < gv->nplan_locks; i++)
        if (gv->plan_locks[i] == id)
            return;
    gv->plan_locks[gv->nplan_locks++] = id;
}

void vl_plan_drop(vl_guest *g, int v, vl_ns from)
{
    vl_gvcpu *gv = &g->vcpus[v];
    for (int i = 0; i < gv->nplan_locks; i++)
        vl_lock_drop_from(vl_guest_lock(g, gv->plan_locks[i]), v, from); /* noted: exists */
}

void vl_plan_cut(vl_guest *g, int v, vl_ns t)
{
    vl_gvcpu *gv = &g->vcpus[v];
    if (gv->plan_end <= t)
        return; /* told before v's exit state is looked at: an exit cycle
                 * the core folds does not move a plan's end */
    vl_hv_guest_vcpu(g->hv, g->vm, v);
    if (!gv->in_guest || gv->planning)
        return;
    gv->plan_end = t;
    vl_sim_schedule(g->sim, &gv->seg_ev, t);
    vl_plan_drop(g, v, t);
}
