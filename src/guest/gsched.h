/* guest/gsched.h - the guest's task scheduler: which task each vCPU runs.
 *
 * Per-vCPU runqueues, the scheduler tick, wake-up placement and the load
 * balancing that moves tasks between vCPUs (docs/guest-model.md).  The
 * execution engine (guest/exec.c) asks it what to run and when a running
 * task must give way; everything else in the guest wakes tasks through it. */
#ifndef VL_GUEST_GSCHED_H
#define VL_GUEST_GSCHED_H

#include "guest/guest.h"

/* v has no current task and nothing queued. */
bool vl_gsched_idle(const vl_gvcpu *gv);
/* The next task v runs (removed from its queue), pulling one from another
 * vCPU when v's own queue is empty; NULL when there is none. */
vl_task *vl_gsched_pick(vl_guest *g, int v);
/* How far v's current task may run before the scheduler must look again
 * (VL_NS_MAX: until it blocks). */
vl_ns vl_gsched_horizon(const vl_guest *g, int v);
/* The scheduler tick of v at now (the tick time has been reached). */
void vl_gsched_tick(vl_guest *g, int v, vl_ns now);
/* A new task becomes runnable on its home vCPU. */
void vl_gsched_add_new(vl_guest *g, vl_task *t);
/* try_to_wake_up from vCPU `waker`: t becomes runnable where the
 * scheduler places it; a remote vCPU is told with an IPI. */
void vl_gsched_wake(vl_guest *g, int waker, vl_task *t, vl_ns now);
/* The local timer interrupt of v: wakes the tasks whose timers expired. */
void vl_gsched_expire(vl_guest *g, int v, vl_ns now);

#endif
