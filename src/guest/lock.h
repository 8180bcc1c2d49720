/* guest/lock.h - guest kernel spinlocks: FIFO (ticket / queued) locks whose
 * holds are planned ahead as reservations (docs/guest-model.md).
 *
 * A lock instance keeps the reservations of its planned and actual holds,
 * sorted by start, and the FIFO of vCPUs spinning on it.  A reservation's
 * end is VL_NS_MAX while its holder is off its pCPU (lock-holder
 * preemption) or was handed the lock while preempted (lock-waiter
 * preemption).  The hand-off event grants the lock to the first waiter when
 * the current hold ends (ticket / queued locks); with unfair locks (a guest
 * on a hypervisor without PV spinlocks: virt_spin_lock, test-and-set) to
 * the first waiter that is running, and a preempted waiter takes a free
 * lock when it spins again. */
#ifndef VL_GUEST_LOCK_H
#define VL_GUEST_LOCK_H

#include <stdbool.h>
#include <stdint.h>

#include "sim/engine.h"
#include "vl_hist.h"

struct vl_guest;

#define VL_LOCK_MAX_RESV 64 /* planned holds per lock; beyond, a plan takes it for real */

typedef struct vl_resv {
    int vcpu;
    vl_ns start, end; /* end VL_NS_MAX: open (the holder is not running) */
} vl_resv;

typedef struct vl_glock {
    int id;              /* index in the guest's lock array            */
    int cls;
    vl_resv *resv;       /* sorted by start; grows as plans need      */
    int nresv, cap;
    int *waiters;        /* FIFO ring of vCPU indices (nvcpus slots)   */
    int whead, nwait;
    vl_event handoff_ev; /* the current hold ends with waiters queued   */
    struct vl_guest *g;
} vl_glock;

/* Ground truth of a lock class (for the report only). */
typedef struct vl_lock_stats {
    uint64_t acquisitions;
    uint64_t contended;          /* had to spin                             */
    vl_ns wait_ns;               /* total spin time of contended ones       */
    vl_hist wait;                /* spin time per contended acquisition    */
    uint64_t holder_preemptions; /* a holder was off its pCPU, holding it   */
    uint64_t waiter_preemptions; /* a spinning waiter was off its pCPU      */
    uint64_t offcpu_handoffs;    /* the lock was handed to an off-CPU waiter */
    uint64_t stacked;            /* a spinning waiter was switched in while the
                                  * holder's vCPU was preempted (vCPU stacking) */
} vl_lock_stats;

typedef struct vl_lock_class {
    const char *name;
    int ninstances;
    int first;                   /* first lock id of its instances          */
    vl_lock_stats stats;
} vl_lock_class;

/* What the locks tell the planner (guest/exec.c registers these in
 * g->lock_client at creation): v's plan relied on a lock being free from
 * t on and must stop there; the FIFO hand-off gave L to waiting v. */
typedef struct vl_lock_client {
    void (*cut)(struct vl_guest *g, int v, vl_ns t);
    void (*granted)(struct vl_guest *g, int v, struct vl_glock *L);
} vl_lock_client;

/* Outcome of planning an acquisition. */
typedef enum { VL_LOCK_RESERVED, VL_LOCK_BUSY } vl_lock_plan;
/* vl_lock_init fails (returns -1) only when out of memory. */

/* vCPU `v` plans to take L at `a` for `hold`: reserves it (cutting other
 * vCPUs' later plans that overlap), or says it is busy at `a`.  A lock
 * already granted to v (a reservation of v starting at or before a) is
 * used: its end becomes a + hold. */
vl_lock_plan vl_lock_plan_acquire(vl_glock *L, int v, vl_ns a, vl_ns hold);
/* v's reservation on L that holds at time t (start <= t < end), or NULL. */
vl_resv *vl_lock_resv_at(vl_glock *L, int v, vl_ns t);
/* The vCPU holding L at now, or -1. */
int vl_lock_holder(vl_glock *L, vl_ns now);
/* Removes v's reservations starting at or after t. */
void vl_lock_drop_from(vl_glock *L, int v, vl_ns t);
/* v, inside a hold at the current time, stops running: the hold becomes
 * open-ended, the hand-off waits, later plans of others are cut. */
void vl_lock_open(vl_glock *L, int v);
/* v joins the waiters (it spins). */
void vl_lock_wait(vl_glock *L, int v);
/* Unfair locks (the guest's virt_spin_lock): waiter v, spinning again
 * after being off its pCPU, takes L if nobody holds it now.  True if it
 * did (L is v's, open-ended, until its plan closes it). */
bool vl_lock_try_take(vl_glock *L, int v);
int vl_lock_init(vl_glock *L, struct vl_guest *g, int id, int cls, int nvcpus);
void vl_lock_fini(vl_glock *L);

#endif
