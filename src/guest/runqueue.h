/* guest/runqueue.h - the CFS runqueue of one vCPU (internal to the guest
 * scheduler: guest/gsched.c, guest/balance.c).
 *
 * Waiting tasks are kept in order of virtual runtime (a sorted list: a
 * vCPU has few tasks); the current task is not on the list but counts in
 * the load.  Virtual runtime grows by the time a task is current times
 * NICE_0_LOAD / its weight, on the guest clock: time the vCPU spends
 * preempted by the hypervisor is charged too (docs/guest-model.md,
 * "Guest time and steal"). */
#ifndef VL_GUEST_RUNQUEUE_H
#define VL_GUEST_RUNQUEUE_H

#include "guest/guest.h"

#define VL_NICE_0_LOAD 1024u /* the weight of a nice-0 task */

/* sched_prio_to_weight[nice + 20] (kernel/sched/core.c); nice is clamped
 * to -20..19. */
unsigned vl_rq_nice_weight(int nice);
/* d of real time in the virtual time of a task of `weight`
 * (calc_delta_fair). */
vl_ns vl_rq_vdelta(vl_ns d, unsigned weight);

/* update_curr: charges the current task up to now. */
void vl_rq_update_curr(vl_gvcpu *gv, vl_ns now);
/* The leftmost waiting task (smallest vruntime), or NULL. */
vl_task *vl_rq_first(const vl_gvcpu *gv);
/* A task joins / leaves the waiting list and the load. */
void vl_rq_enqueue(vl_guest *g, vl_gvcpu *gv, vl_task *t);
void vl_rq_dequeue(vl_guest *g, vl_gvcpu *gv, vl_task *t);
/* set_next_entity: waiting t becomes current (it stays in the load). */
void vl_rq_set_curr(vl_guest *g, vl_gvcpu *gv, vl_task *t, vl_ns now);
/* put_prev_entity: the current task goes back to the waiting list. */
void vl_rq_put_curr(vl_guest *g, vl_gvcpu *gv, vl_ns now);
/* The current task leaves the runqueue (sleeps, blocks, exits). */
void vl_rq_drop_curr(vl_gvcpu *gv, vl_ns now);
/* Moves waiting task t to vCPU `to`'s runqueue, keeping its distance to
 * min_vruntime (detach_task + attach_task, migrate_task_rq_fair). */
void vl_rq_move(vl_guest *g, vl_task *t, int to, vl_ns now);

#endif
