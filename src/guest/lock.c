/* guest/lock.c - spinlock reservations, FIFO waiters and hand-off. */
#include "guest/lock.h"

#include <stdlib.h>
#include <string.h>

#include "guest/guest.h"
#include "hv/guest_port.h"
#include "vl_array.h"
#include "vl_oom.h"

/* Removes the k reservations from i on. */
static void resv_remove(vl_glock *L, int i, int k)
{
    if (i + k < L->nresv) /* a move of nothing is still a call */
        memmove(&L->resv[i], &L->resv[i + k], (size_t)(L->nresv - i - k) * sizeof L->resv[0]);
    L->nresv -= k;
}

/* The hold's fields are written one by one: a reservation passed by value
 * was stored to the stack in halves and loaded whole (a stalled store
 * forward on every planned lock). */
static int resv_insert(vl_glock *L, int vcpu, vl_ns start, vl_ns end)
{
    if (vl_array_room(&L->resv, &L->cap, L->nresv, sizeof *L->resv, 8) < 0)
        vl_out_of_memory("a guest lock's planned holds");
    int i = L->nresv;
    while (i > 0 && L->resv[i - 1].start > start)
        i--;
    if (i < L->nresv) /* most plans take a lock after every other hold */
        memmove(&L->resv[i + 1], &L->resv[i], (size_t)(L->nresv - i) * sizeof L->resv[0]);
    vl_resv *r = &L->resv[i];
    r->vcpu = vcpu;
    r->start = start;
    r->end = end;
    L->nresv++;
    return i;
}

/* The first reservation that starts after t (strictly: after_t) or at or
 * after t: a binary search, the reservations being sorted by start. */
static int first_from(const vl_glock *L, vl_ns t, bool after_t)
{
    int lo = 0, hi = L->nresv;
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        vl_ns s = L->resv[mid].start;
        if (s < t || (after_t && s == t))
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* The hold in force at t, or NULL.  Holds never overlap (a plan takes a
 * lock only where no other hold is, a grant cuts the later plans, a
 * longer hold cuts those after its old end), so the last to start by t is
 * the only one that can hold it then. */
static vl_resv *hold_at(vl_glock *L, vl_ns t)
{
    int i = first_from(L, t, true) - 1;
    vl_resv *r = i >= 0 && t < L->resv[i].end ? &L->resv[i] : NULL;
#ifdef VL_LOCK_CHECK
    vl_resv *scan = NULL;
    for (int k = 0; k < L->nresv && !scan; k++)
        if (L->resv[k].start <= t && t < L->resv[k].end)
            scan = &L->resv[k];
    if (scan != r)
        abort();
#endif
    return r;
}

vl_resv *vl_lock_resv_at(vl_glock *L, int v, vl_ns t)
{
    vl_resv *r = hold_at(L, t);
    return r && r->vcpu == v ? r : NULL;
}

/* The hold in force now (the earliest reservation started by now). */
static vl_resv *current_hold(vl_glock *L, vl_ns now)
{
    return L->nresv > 0 && L->resv[0].start <= now ? &L->resv[0] : NULL;
}

int vl_lock_holder(vl_glock *L, vl_ns now)
{
    const vl_resv *h = current_hold(L, now);
    return h ? h->vcpu : -1;
}

/* Other vCPUs' reservations starting at or after t are plans made on the
 * assumption that the lock is free then: cut those plans. */
static void cut_others_from(vl_glock *L, int v, vl_ns t)
{
    for (int i = first_from(L, t, false); i < L->nresv;) {
        vl_resv r = L->resv[i];
        if (r.vcpu != v) {
            resv_remove(L, i, 1);
            L->g->lock_client.cut(L->g, r.vcpu, r.start);
            i = first_from(L, t, false); /* the cut may have removed more */
            continue;
        }
        i++;
    }
}

/* With waiters queued, the hand-off happens when the current hold ends
 * (never while its end is open), or at once if nobody holds the lock. */
static void arm_handoff(vl_glock *L)
{
    vl_sim *sim = L->g->sim;
    vl_resv *h = current_hold(L, sim->now);
    if (L->nwait == 0 || (h && h->end == VL_NS_MAX))
        vl_sim_cancel(sim, &L->handoff_ev);
    else
        vl_sim_schedule(sim, &L->handoff_ev, h && h->end > sim->now ? h->end : sim->now);
}

/* Forgets holds that ended before now (the first ones: holds never
 * overlap), in one move. */
static void prune(vl_glock *L, vl_ns now)
{
    int k = 0;
    while (k < L->nresv && L->resv[k].end <= now)
        k++;
    if (k > 0)
        resv_remove(L, 0, k);
}

/* Position in the waiter ring of the first waiter that runs (in guest
 * mode), or -1. */
static int running_waiter(const vl_glock *L)
{
    int nv = L->g->nvcpus;
    for (int i = 0; i < L->nwait; i++)
        if (L->g->vcpus[L->waiters[(L->whead + i) % nv]].in_guest)
            return i;
    return -1;
}

/* The waiter at the head of the queue. */
static int head_waiter(const vl_glock *L)
{
    return L->waiters[L->whead];
}

/* A free lock with waiters queued may go to a vCPU that is not next in
 * line: with unfair locks while no waiter runs; with PV queued spinlocks
 * while the queue head is halted in pv_wait (it cleared its pending bit
 * before halting: pv_hybrid_queued_unfair_trylock may take the lock). */
static bool stealable(const vl_glock *L)
{
    if (L->nwait == 0)
        return true;
    if (L->g->unfair_locks)
        return running_waiter(L) < 0;
    return L->g->pv_qspinlock && L->g->vcpus[head_waiter(L)].pv_waiting;
}

/* Takes the i-th waiter out of the ring, keeping the others' order. */
static int take_waiter(vl_glock *L, int i)
{
    int nv = L->g->nvcpus, w = L->waiters[(L->whead + i) % nv];
    for (int k = i; k > 0; k--)
        L->waiters[(L->whead + k) % nv] = L->waiters[(L->whead + k - 1) % nv];
    L->whead = (L->whead + 1) % nv;
    L->nwait--;
    return w;
}

vl_lock_plan vl_lock_plan_acquire(vl_glock *L, int v, vl_ns a, vl_ns hold)
{
    prune(L, L->g->sim->now);
    vl_resv *r = hold_at(L, a);
    if (r && r->vcpu == v) { /* granted already (hand-off, or a resumed holder): close it */
        vl_ns old = r->end;
        r->end = a + hold;
        if (old != VL_NS_MAX && r->end > old)
            cut_others_from(L, v, old); /* plans relying on the old end */
        arm_handoff(L);
        return VL_LOCK_RESERVED;
    }
    if (!stealable(L))
        return VL_LOCK_BUSY; /* queue behind the waiters */
    if (r)
        return VL_LOCK_BUSY;
    /* an earlier request wins over later plans that overlap it */
    for (int i = first_from(L, a, true); i < L->nresv && L->resv[i].start < a + hold;) {
        vl_resv o = L->resv[i];
        if (o.vcpu != v) {
            resv_remove(L, i, 1);
            L->g->lock_client.cut(L->g, o.vcpu, o.start);
            i = first_from(L, a, true);
            continue;
        }
        i++;
    }
    resv_insert(L, v, a, a + hold);
    if (L->nwait > 0 && (!vl_event_pending(&L->handoff_ev) ||
                         vl_event_due(&L->handoff_ev) > a + hold))
        vl_sim_schedule(L->g->sim, &L->handoff_ev, a + hold); /* stolen: the waiters' turn after */
    return VL_LOCK_RESERVED;
}

void vl_lock_drop_from(vl_glock *L, int v, vl_ns t)
{
    for (int i = first_from(L, t, false); i < L->nresv;) {
        if (L->resv[i].vcpu == v)
            resv_remove(L, i, 1);
        else
            i++;
    }
}

void vl_lock_open(vl_glock *L, int v)
{
    vl_ns now = L->g->sim->now;
    prune(L, now);
    vl_resv *r = vl_lock_resv_at(L, v, now);
    if (!r)
        return;
    r->end = VL_NS_MAX;
    vl_sim_cancel(L->g->sim, &L->handoff_ev);
    cut_others_from(L, v, now);
}

void vl_lock_wait(vl_glock *L, int v)
{
    int nv = L->g->nvcpus;
    vl_ns now = L->g->sim->now;
    L->waiters[(L->whead + L->nwait) % nv] = v;
    L->nwait++;
    prune(L, now);
    /* FIFO: the waiters come before any later planned hold */
    cut_others_from(L, -1, now + 1);
    arm_handoff(L);
}

/* The current hold ends: the first waiter gets the lock (FIFO hand-off),
 * even if it is not running (then it holds the lock while preempted).
 * Unfair locks go to a running waiter, or stay free; a PV queued
 * spinlock whose head halted stays free and the head is kicked. */
static void on_handoff(void *ctx, vl_event *ev)
{
    (void)ev;
    vl_glock *L = ctx;
    vl_ns now = L->g->sim->now;
    prune(L, now);
    if (L->nwait == 0 || current_hold(L, now))
        return;
    int i = L->g->unfair_locks ? running_waiter(L) : 0;
    if (i < 0)
        return; /* unfair: free until a waiter spins again (vl_lock_try_take) */
    if (L->g->pv_qspinlock && L->g->vcpus[head_waiter(L)].pv_waiting) {
        vl_hv_kick(L->g->hv, L->g->vm, head_waiter(L)); /* free: the head or a thief takes it */
        return;
    }
    int w = take_waiter(L, i);
    cut_others_from(L, w, now); /* thieves' later plans (unfair, PV queued) */
    /* the grant: open until the waiter's plan closes it */
    resv_insert(L, w, now, VL_NS_MAX);
    L->g->lock_client.granted(L->g, w, L);
}

bool vl_lock_try_take(vl_glock *L, int v)
{
    vl_ns now = L->g->sim->now;
    prune(L, now);
    if (current_hold(L, now))
        return false;
    int n = L->g->pv_qspinlock ? 1 : L->nwait; /* PV queued: only the head tries */
    for (int i = 0; i < n && i < L->nwait; i++) {
        if (L->waiters[(L->whead + i) % L->g->nvcpus] != v)
            continue;
        take_waiter(L, i);
        cut_others_from(L, v, now); /* plans that assumed it free */
        resv_insert(L, v, now, VL_NS_MAX);
        arm_handoff(L);
        return true;
    }
    return false;
}

int vl_lock_init(vl_glock *L, struct vl_guest *g, int id, int cls, int nvcpus)
{
    memset(L, 0, sizeof *L);
    L->g = g;
    L->id = id;
    L->cls = cls;
    L->waiters = calloc((size_t)nvcpus, sizeof *L->waiters);
    vl_sim_event_init(g->sim, &L->handoff_ev, on_handoff, L, VL_EVC_GUEST, VL_TAG_LOCK_HANDOFF);
    return L->waiters ? 0 : -1;
}

void vl_lock_fini(vl_glock *L)
{
    free(L->waiters);
    free(L->resv);
    L->waiters = NULL;
    L->resv = NULL;
}
