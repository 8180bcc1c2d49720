/* guest/gsched.h - the guest's task scheduler: which task each vCPU runs.
 *
 * A CFS-like scheduler (Linux <= 6.5, before EEVDF): per-vCPU runqueues
 * ordered by virtual runtime, the scheduler tick (only while the vCPU
 * runs), wake-up placement and preemption, periodic and idle load
 * balancing (docs/guest-model.md).  The execution engine (guest/exec.c)
 * asks it what to run, how far a plan may go, and where a running task
 * must give way; everything else in the guest wakes tasks through it. */
#ifndef VL_GUEST_GSCHED_H
#define VL_GUEST_GSCHED_H

#include "guest/guest.h"

/* Scales the tunables to the guest's vCPU count (at guest creation). */
void vl_gsched_init(vl_guest *g);
/* v has no current task and nothing waiting. */
bool vl_gsched_idle(const vl_gvcpu *gv);
/* The next task v runs, made current; a vCPU with nothing waiting pulls
 * from another vCPU first.  NULL when there is none. */
vl_task *vl_gsched_pick(vl_guest *g, int v, vl_ns now);
/* A preemption point of v (return to user mode, interrupt exit): if the
 * current task must give way and is not inside the kernel, it goes back
 * to the runqueue (v->curr becomes NULL) unless it would be picked again. */
void vl_gsched_preempt_point(vl_guest *g, int v, vl_ns now);
/* v's current task leaves the CPU: it sleeps, blocks or exits. */
void vl_gsched_block(vl_guest *g, int v, vl_ns now);
/* How far v's current task may run before the scheduler must look again:
 * the next tick while tasks wait for v, its next balance while tasks wait
 * elsewhere, the end of the kernel call that holds off a preemption;
 * VL_NS_MAX otherwise.  v is settled at now. */
vl_ns vl_gsched_horizon(vl_guest *g, int v);
/* The first tick of v's tick grid (1/HZ, staggered across vCPUs) after t. */
vl_ns vl_gsched_tick_after(const vl_guest *g, int v, vl_ns t);
/* The scheduler tick of v at now (the tick time has been reached). */
void vl_gsched_tick(vl_guest *g, int v, vl_ns now);
/* A new task becomes runnable on its home vCPU. */
void vl_gsched_add_new(vl_guest *g, vl_task *t);
/* set_user_nice: t's weight follows nice (-20..19). */
void vl_gsched_set_nice(vl_guest *g, vl_task *t, int nice);
/* try_to_wake_up from vCPU `waker`: t becomes runnable where the
 * scheduler places it; a remote vCPU is told with an IPI when it was idle
 * or its current task must give way to t. */
void vl_gsched_wake(vl_guest *g, int waker, vl_task *t, vl_ns now);
/* wake_up_new_task from the parent's vCPU: placed as a wake-up, but never
 * through the target's wake list (the new task's runqueue is locked
 * directly, and an idle target gets a reschedule IPI). */
void vl_gsched_wake_new(vl_guest *g, int parent, vl_task *t, vl_ns now);
/* The local timer interrupt of v: wakes the tasks whose timers expired. */
void vl_gsched_expire(vl_guest *g, int v, vl_ns now);
/* Charges v's current task up to now (before reading measures). */
void vl_gsched_settle(vl_guest *g, int v, vl_ns now);
/* v is going offline: its current task (unless inside the kernel: then
 * -1, nothing moved) and its waiting tasks move to the least-loaded
 * online vCPUs, and tasks homed on v get new homes.  Returns how many
 * tasks moved (v is empty). */
int vl_gsched_evacuate(vl_guest *g, int v, vl_ns now);
/* A vCPU that can take work now, near `hint` (hint itself if it can). */
int vl_gsched_online_near(const vl_guest *g, int hint);
/* Moves waiting task t to vCPU `to` (vl_rq_move) and counts the
 * migration: what load balancing does (tests use it to build an
 * imbalance). */
void vl_gsched_migrate(vl_guest *g, vl_task *t, int to, vl_ns now);

#endif
