/* guest/rqlock.h - the guest's runqueue locks (guest.runqueue_lock): who
 * holds a vCPU's rq->lock, when.
 *
 * These holders are modelled, as kernel ops of the task that runs them:
 *   - try_to_wake_up on a remote vCPU that does not go through the wake
 *     list takes the target's runqueue lock, activates the wakee and sends
 *     the reschedule IPI inside it (ttwu_queue -> ttwu_do_activate ->
 *     check_preempt_curr -> resched_curr): the waker holds the target's
 *     lock for the activation plus the IPI's exit; so does a parent whose
 *     fork places the child on another vCPU (wake_up_new_task), with or
 *     without the wake list;
 *   - __schedule takes the vCPU's own runqueue lock for the switch; the
 *     incoming task releases it (finish_task_switch);
 *   - scheduler_tick takes the vCPU's own lock at every tick of a busy
 *     vCPU (idle vCPUs stop their tick: NO_HZ_IDLE);
 *   - load balancing (the periodic load_balance and the newly idle one)
 *     takes the busiest vCPU's lock to detach tasks (also when none of
 *     them may move), then its own to attach the ones it took.
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
 * by finishing the switch under its vCPU's lock; at a tick (tick) the
 * current task runs the tick's hold of its vCPU's lock next. */

/* v's balancer looked at `busiest`'s waiting tasks and moved `moved` of
 * them to v (0: none could move): t, the task v runs next (its current
 * one at a periodic balance, the pulled one when v was about to idle),
 * first holds busiest's lock to detach them, then, if any moved, v's own
 * to attach them (load_balance: detach_tasks, attach_tasks). */
void vl_rqlock_balanced(vl_guest *g, int v, vl_task *t, int busiest, int moved);

/* The exit time the holds remembered since op_begin will take over
 * (guest/sync.c splits the rest off for the futex bucket lock). */
vl_ns vl_rqlock_pending_exits(const vl_guest *g, int v);
/* The op's end (the op_end hook), for a module that must place its own
 * work after the holds (guest/sync.c); op_end then finds nothing left. */
void vl_rqlock_ops_end(vl_guest *g, int v, vl_task *t);

#endif
