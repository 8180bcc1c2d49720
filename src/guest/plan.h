/* guest/plan.h - a vCPU's plan (docs/guest-model.md, "Execution in planned
 * segments"): the segment it executes, where it ends (plan_end, the event
 * seg_ev) and the lock holds it reserved on the way (plan_locks).  The
 * planner (guest/exec.c) makes plans; the scheduler and the locks cut
 * them when what a plan assumed no longer holds. */
#ifndef VL_GUEST_PLAN_H
#define VL_GUEST_PLAN_H

#include "guest/guest.h"

/* The plan of vCPU v must stop at t (>= now): another vCPU's request now
 * conflicts with what it planned from t on, or the scheduler must look
 * at t.  Nothing if v runs no plan or it ends by t. */
void vl_plan_cut(vl_guest *g, int v, vl_ns t);
/* v's plan reserved a hold of lock `id`. */
void vl_plan_note_lock(vl_gvcpu *gv, int id);
/* v's plan's reservations from `from` on are dropped. */
void vl_plan_drop(vl_guest *g, int v, vl_ns from);

#endif
