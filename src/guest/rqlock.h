/* guest/rqlock.h - the guest's runqueue locks (guest.runqueue_lock): who
 * holds a vCPU's rq->lock, when.
 *
 * Two holders are modelled, as kernel ops of the task that runs them:
 *   - try_to_wake_up on a remote vCPU that does not go through the wake
 *     list takes the target's runqueue lock, activates the wakee and sends
 *     the reschedule IPI inside it (ttwu_queue -> ttwu_do_activate ->
 *     check_preempt_curr -> resched_curr): the waker holds the target's
 *     lock for the activation plus the IPI's exit; so does a parent whose
 *     fork places the child on another vCPU (wake_up_new_task), with or
 *     without the wake list;
 *   - __schedule takes the vCPU's own runqueue lock for the switch; the
 *     incoming task releases it (finish_task_switch).
 * A waker preempted at its IPI's exit therefore holds the lock the woken
 * vCPU's scheduler needs next: the lock-holder preemption DCS's
 * reschedule-IPI sender delay is for (docs/guest-model.md). */
#ifndef VL_GUEST_RQLOCK_H
#define VL_GUEST_RQLOCK_H

#include "guest/guest.h"

/* Its hooks (guest/module.h): ops that may wake tasks are bracketed
 * (op_begin / op_end): remote wake-ups made in between (woke) become
 * holds of the targets' locks that the task, if still running the op,
 * executes next, in wake-up order; a task switched in (switch_in) starts
 * by finishing the switch under its vCPU's lock. */

/* The exit time the holds remembered since op_begin will take over
 * (guest/sync.c splits the rest off for the futex bucket lock). */
vl_ns vl_rqlock_pending_exits(const vl_guest *g, int v);
/* The op's end (the op_end hook), for a module that must place its own
 * work after the holds (guest/sync.c); op_end then finds nothing left. */
void vl_rqlock_ops_end(vl_guest *g, int v, vl_task *t);

#endif
