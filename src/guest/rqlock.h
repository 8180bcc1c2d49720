/* guest/rqlock.h - the guest's runqueue locks (guest.runqueue_lock): who
 * holds a vCPU's rq->lock, when.
 *
 * Two holders are modelled, as kernel ops of the task that runs them:
 *   - try_to_wake_up on a remote vCPU that does not go through the wake
 *     list takes the target's runqueue lock, activates the wakee and sends
 *     the reschedule IPI inside it (ttwu_queue -> ttwu_do_activate ->
 *     check_preempt_curr -> resched_curr): the waker holds the target's
 *     lock for the activation plus the IPI's exit;
 *   - __schedule takes the vCPU's own runqueue lock for the switch; the
 *     incoming task releases it (finish_task_switch).
 * A waker preempted at its IPI's exit therefore holds the lock the woken
 * vCPU's scheduler needs next: the lock-holder preemption DCS's
 * reschedule-IPI sender delay is for (docs/guest-model.md). */
#ifndef VL_GUEST_RQLOCK_H
#define VL_GUEST_RQLOCK_H

#include "guest/guest.h"

/* Task-context wake-ups on v start: until vl_rqlock_ops_end, remote
 * wake-ups v makes are remembered as runqueue-lock holds. */
void vl_rqlock_ops_begin(vl_guest *g, int v);
/* A wake-up from `from` queued a task on `to` (idle: `to` had nothing to
 * run); kicked: it sent the IPI, whose exit cost the waker was charged. */
void vl_rqlock_note_wake(vl_guest *g, int from, int to, bool idle, bool kicked);
/* The exit time the remembered holds will take over (sync.c splits the
 * rest off for the futex bucket lock). */
vl_ns vl_rqlock_pending_exits(const vl_guest *g, int v);
/* The op that woke tasks is done: t, still running it (NULL if it blocked
 * or ended), executes the holds next, in wake-up order. */
void vl_rqlock_ops_end(vl_guest *g, int v, vl_task *t);
/* v switches to t (__schedule): t starts by finishing the switch under
 * v's runqueue lock. */
void vl_rqlock_switch_in(vl_guest *g, int v, vl_task *t);

#endif
