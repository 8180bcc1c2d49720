/* hv/fold.c - folded pause-loop exit cycles (hv/fold.h): when a vCPU may
 * fold, settling it, and the engine's hooks that settle before an event
 * runs or is armed where it would meet a cycle's. */
#include "hv/fold.h"

#include <assert.h>
#include <stdlib.h>

int vl_fold_init(vl_hv *hv)
{
    hv->fold.enabled = true; /* the model may turn it off (vl_model_opts.no_fold) */
    size_t n = (size_t)(hv->nvcpus > 0 ? hv->nvcpus : 1);
    hv->fold.list = calloc(n, sizeof *hv->fold.list);
    hv->fold.refold = calloc(n, sizeof *hv->fold.refold);
    hv->fold.phase_cap = 16;
    while (hv->fold.phase_cap < 4 * (int)n)
        hv->fold.phase_cap *= 2;
    hv->fold.phases = calloc((size_t)hv->fold.phase_cap, sizeof *hv->fold.phases);
    return hv->fold.list && hv->fold.refold && hv->fold.phases ? 0 : -1;
}

void vl_fold_fini(vl_hv *hv)
{
    free(hv->fold.bits);
    hv->fold.bits = NULL;
    free(hv->fold.list);
    free(hv->fold.refold);
    free(hv->fold.phases);
    hv->fold.list = hv->fold.refold = NULL;
    hv->fold.phases = NULL;
}

/* ------------------------------------- the folds' periods and phases */

/* Where t falls in a cycle of `period`: [0, period). */
static vl_ns phase_of(vl_ns period, vl_ns t)
{
    vl_ns r = t % period;
    return r < 0 ? r + period : r;
}

static uint64_t phase_key(vl_ns period, vl_ns t)
{
    return (uint64_t)period << 32 | (uint64_t)phase_of(period, t);
}

static struct vl_fold_phase *phase_slot(vl_fold *f, uint64_t key, bool add)
{
    uint32_t mask = (uint32_t)f->phase_cap - 1;
    uint32_t i = (uint32_t)((key * 0x9e3779b97f4a7c15ULL) >> 40) & mask;
    struct vl_fold_phase *spare = NULL;
    for (;; i = (i + 1) & mask) {
        struct vl_fold_phase *s = &f->phases[i];
        if (s->key == key)
            return s;
        if (s->key == 0)
            break;
        if (s->n == 0 && !spare)
            spare = s;
    }
    if (!add)
        return NULL;
    struct vl_fold_phase *s = spare ? spare : &f->phases[i];
    if (!spare)
        f->phase_used++;
    s->key = key;
    s->n = 0;
    return s;
}

/* A table with more used slots than half its room is built again from
 * the folds it counts (slots of phases no fold has now are dropped). */
static void phases_rebuild(vl_hv *hv)
{
    vl_fold *f = &hv->fold;
    for (int i = 0; i < f->phase_cap; i++)
        f->phases[i] = (struct vl_fold_phase){0, 0};
    f->phase_used = 0;
    for (int i = 0; i < f->n; i++)
        phase_slot(f, phase_key(f->list[i]->fold_period, f->list[i]->fold_exit), true)->n++;
}

/* Adds delta to len's count in a set of four; false when it is full. */
static bool len_count(struct vl_fold_len *set, vl_ns len, int delta)
{
    struct vl_fold_len *free_slot = NULL;
    for (int i = 0; i < 4; i++) {
        if (set[i].n > 0 && set[i].len == len) {
            set[i].n += delta;
            return true;
        }
        if (set[i].n == 0 && !free_slot)
            free_slot = &set[i];
    }
    if (delta < 0 || !free_slot)
        return false;
    *free_slot = (struct vl_fold_len){len, delta};
    return true;
}

/* Periods longer than this keep no bits (a PLE window of ~100 K cycles). */
#define FOLD_BITS_MAX_NS ((vl_ns)1 << 16)

/* The bits start over for period p (no fold is listed); none when p is
 * too long or the memory is not there (may_meet then probes the table). */
static void bits_reset(vl_hv *hv, vl_ns p)
{
    vl_fold *f = &hv->fold;
    f->bits_p = 0;
    f->now_t = -1;
    if (p <= 0 || p > FOLD_BITS_MAX_NS)
        return;
    int words = (int)((p + 63) / 64);
    if (words > f->bits_words) {
        uint64_t *b = realloc(f->bits, (size_t)words * sizeof *b);
        if (!b)
            return;
        f->bits = b;
        f->bits_words = words;
    }
    for (int i = 0; i < words; i++)
        f->bits[i] = 0;
    f->bits_p = p;
    f->bits_ee = hv->costs.exit_entry % p;
}

static bool bit_at(const vl_fold *f, vl_ns r)
{
    return f->bits[r >> 6] >> (r & 63) & 1;
}

/* Counts fold v (its exit at phase r of its period) in or out. */
static void count_fold(vl_hv *hv, const vl_vcpu *v, vl_ns r, int delta)
{
    vl_fold *f = &hv->fold;
    /* the first fold listed (count_fold runs before): bits for its period
     * (those of the period before are all clear: each fold cleared its
     * own as it went) */
    if (delta > 0 && f->n == 0 && v->fold_period != f->bits_p)
        bits_reset(hv, v->fold_period);
    if (delta > 0 && 2 * (f->phase_used + 1) > f->phase_cap)
        phases_rebuild(hv);
    struct vl_fold_phase *s = phase_slot(f, (uint64_t)v->fold_period << 32 | (uint64_t)r, true);
    s->n += delta;
    if (v->fold_period == f->bits_p) {
        uint64_t bit = 1ULL << (r & 63);
        f->bits[r >> 6] = s->n > 0 ? f->bits[r >> 6] | bit : f->bits[r >> 6] & ~bit;
    }
    if (!len_count(f->periods, v->fold_period, delta))
        f->lost += delta;
    if (!len_count(f->slices, v->fold_slice, delta))
        f->lost += delta;
    int active = 0;
    bool bits_period = false;
    for (int i = 0; i < 4; i++) {
        active += f->periods[i].n > 0;
        bits_period |= f->periods[i].n > 0 && f->periods[i].len == f->bits_p;
    }
    f->one_period = f->lost == 0 && active == 1 && bits_period;
}

static bool phase_has(vl_fold *f, vl_ns period, vl_ns t)
{
    const struct vl_fold_phase *s = phase_slot(f, phase_key(period, t), false);
    return s && s->n > 0;
}

/* The phase (in bits_p) of now + d, 0 <= d < 3 bits_p, from the instant's
 * (computed once per instant). */
static vl_ns near_phase(vl_hv *hv, vl_ns d)
{
    vl_fold *f = &hv->fold;
    vl_ns p = f->bits_p;
    if (hv->sim.now != f->now_t) {
        f->now_t = hv->sim.now;
        f->now_r = phase_of(p, hv->sim.now);
    }
    vl_ns r = f->now_r + d;
    r -= r >= p ? p : 0;
    r -= r >= p ? p : 0;
    return r;
}

/* An event of class cls whose phase is k past a fold's exit phase (-p < k
 * < p, in the one period p) falls on that fold's cycle: k = 0 (an exit, a
 * reschedule), or one exit and entry later (an entry). */
static bool meets_at(const vl_fold *f, vl_ns k, vl_event_class cls)
{
    k += k < 0 ? f->bits_p : 0;
    return k == 0 || (cls == VL_EVC_GUEST && k == f->bits_ee);
}

/* Whether an event armed for (at, cls) may meet a fold's cycle event: its
 * time falls on a fold's exit phase (an exit, a reschedule), one exit and
 * entry cost later (an entry), or one of the folds' slices later (a
 * slice).  False for certain; true may be a false alarm.  While every fold
 * has one period (one PLE window) the exit phases are bits, and the phase
 * of `at` comes from the instant's by subtraction (`at` is at most one
 * period ahead, or it meets nothing); else the phase table is probed.
 * With more periods or slices than the sets hold (never on one host with
 * one PLE window and one policy), always true. */
static bool may_meet(vl_hv *hv, vl_ns at, vl_event_class cls)
{
    vl_fold *f = &hv->fold;
    vl_ns d = at - hv->sim.now;
    if (f->one_period && d >= 0) {
        /* a cycle's pending events are due no later than one period from
         * now (its next exit; its reschedule and entry come before it),
         * its slice one slice after a reschedule of the last two periods;
         * the phase of a time that near follows from the instant's */
        vl_ns p = f->bits_p;
        if (cls == VL_EVC_SLICE) {
            for (int j = 0; j < 4; j++) {
                vl_ns x = d - f->slices[j].len; /* the reschedule's time - now */
                if (f->slices[j].n > 0 && x <= 0 && x > -2 * p && bit_at(f, near_phase(hv, x + 2 * p)))
                    return true;
            }
            return false;
        }
        if (d > p)
            return false;
        vl_ns r = near_phase(hv, d);
        if (bit_at(f, r))
            return true;
        vl_ns q = r - f->bits_ee; /* an entry, one exit and entry after an exit */
        return cls == VL_EVC_GUEST && bit_at(f, q < 0 ? q + p : q);
    }
    if (f->lost > 0)
        return true; /* a period or slice the sets could not hold */
    for (int i = 0; i < 4; i++) {
        vl_ns p = f->periods[i].len;
        if (f->periods[i].n == 0)
            continue;
        if (cls != VL_EVC_SLICE && phase_has(f, p, at))
            return true;
        if (cls == VL_EVC_GUEST && phase_has(f, p, at - hv->costs.exit_entry))
            return true;
        for (int j = 0; j < 4 && cls == VL_EVC_SLICE; j++)
            if (f->slices[j].n > 0 && phase_has(f, p, at - f->slices[j].len))
                return true;
    }
    return false;
}

/* ------------------------------------------------- the engine's order */

/* A point in the engine's order: a time, and a class at that time. */
typedef struct instant {
    vl_ns t;
    vl_event_class cls;
} instant;

static instant now_of(const vl_hv *hv)
{
    return (instant){hv->sim.now, hv->sim.cls};
}

/* (t, cls) comes before e.  At one time and class, the event that runs
 * (or settles) comes first: had the cycle's event been armed before it,
 * arming it would have settled the fold (vl_fold's filing hook). */
static bool before(instant e, vl_ns t, vl_event_class cls)
{
    return t < e.t || (t == e.t && cls < e.cls);
}

/* ------------------------------------------------ a fold's cycles */

/* The cycle's events a folded vCPU has pending at e, as the unfolded run
 * would have them: what, due when, armed at which step. */
typedef struct pending {
    vl_event *ev;
    vl_ns at;
    instant armed;
} pending;

/* Armed in this order: a at step (t, cls) of fold ra, b at step bt of
 * fold rb.  Two folds' steps fall at one instant only when their cycles
 * do (same period and phase): they keep the order they had then, their
 * ranks. */
static bool armed_before(instant a, const vl_vcpu *ra, instant b, const vl_vcpu *rb)
{
    if (a.t != b.t || a.cls != b.cls)
        return a.t < b.t || (a.t == b.t && a.cls < b.cls);
    return ra->fold_rank < rb->fold_rank;
}

/* Its exits before e: how many, and the last (n = 0: none).  A first
 * exit that is the vCPU's event comes before e once that event came up
 * (it happened then, in the engine's order). */
static int64_t exits_before(const vl_vcpu *v, instant e, vl_ns *last)
{
    vl_ns first = v->fold_exit, period = v->fold_period;
    bool first_done = v->fold_first == VL_FOLD_FIRST_DONE;
    if (v->fold_first == VL_FOLD_FIRST_REAL || (!first_done && !before(e, first, VL_EVC_GUEST)))
        return 0;
    int64_t n = (e.t - first) / period + 1;
    *last = first + (n - 1) * period;
    if (!before(e, *last, VL_EVC_GUEST) && !(n == 1 && first_done)) {
        n--;
        *last -= period;
    }
    return n;
}

/* The slice the reschedule at x armed, unless it ends past the run's end
 * (not armed: core.c arm_slice). */
static int slice_of(const vl_hv *hv, vl_vcpu *v, vl_ns x, pending *out)
{
    if (v->fold_slice > hv->end - x)
        return 0;
    *out = (pending){&v->processor->slice_ev, x + v->fold_slice, {x, VL_EVC_SCHED}};
    return 1;
}

static int pending_at(const vl_hv *hv, vl_vcpu *v, instant e, pending out[3])
{
    vl_pcpu *p = v->processor;
    vl_ns last = 0;
    int64_t n = exits_before(v, e, &last);
    if (n == 0 && v->fold_first == VL_FOLD_FIRST_REAL)
        return 0; /* its first exit is its event, pending */
    if (n == 0) { /* the slice is where it was when the fold began */
        out[0] = (pending){&v->ple_ev, v->fold_exit, {v->fold_begun, v->fold_begun_cls}};
        return 1;
    }
    int k = 0;
    if (!before(e, last, VL_EVC_SCHED)) { /* exited; the reschedule is due */
        if (n > 1)
            k += slice_of(hv, v, last - v->fold_period, &out[k]);
        out[k++] = (pending){&p->sched_ev, last, {last, VL_EVC_GUEST}};
        return k;
    }
    vl_ns enter = last + hv->costs.exit_entry;
    if (!before(e, enter, VL_EVC_GUEST)) { /* rescheduled; the entry is due */
        out[k++] = (pending){&p->enter_ev, enter, {last, VL_EVC_SCHED}};
        k += slice_of(hv, v, last, &out[k]);
        return k;
    }
    k += slice_of(hv, v, last, &out[k]);
    out[k++] = (pending){&v->ple_ev, last + v->fold_period, {enter, VL_EVC_GUEST}};
    return k;
}

/* An event due at (at, cls) may be one of b's cycle events: see may_meet. */
static bool on_phase(const vl_hv *hv, const vl_vcpu *b, vl_ns at, vl_event_class cls)
{
    vl_ns p = b->fold_period;
    if (cls == VL_EVC_SLICE)
        return phase_of(p, at - b->fold_slice - b->fold_exit) == 0;
    vl_ns r = phase_of(p, at - b->fold_exit);
    return r == 0 || (cls == VL_EVC_GUEST && r == hv->costs.exit_entry % p);
}

/* settle_meeting's search, once may_meet said the event may meet a fold's
 * (out of line: the test alone saves no registers). */
static __attribute__((noinline)) void settle_met(vl_hv *hv, vl_ns at, vl_event_class cls,
                                                 const instant *armed, const vl_vcpu *self)
{
    instant e = now_of(hv);
    vl_fold *f = &hv->fold;
    vl_ns d = at - hv->sim.now, r = 0;
    bool near = false;
    for (int i = 0; i < f->n; i++) {
        if (i == 0) { /* (again after a settlement: the folds changed) with one period their
                       * exit phases are kept, compared without a division per fold */
            near = f->one_period && cls != VL_EVC_SLICE && d >= 0 && d <= f->bits_p;
            r = near ? near_phase(hv, d) : 0;
        }
        vl_vcpu *b = f->list[i];
        if (b == self || !(near ? meets_at(f, r - b->fold_exit_r, cls) : on_phase(hv, b, at, cls)))
            continue;
        pending pend[3];
        int k = pending_at(hv, b, e, pend);
        for (int j = 0; j < k; j++) {
            if (pend[j].at == at && vl_event_cls(pend[j].ev) == cls &&
                (!armed || armed_before(pend[j].armed, b, *armed, self))) {
                vl_fold_settle(b);
                i = -1; /* the list changed: look again */
                break;
            }
        }
    }
}

/* An event is about to be armed for (at, cls) at step `armed` (NULL: the
 * event running now): a folded vCPU (but `self`) whose cycle had an event
 * pending for the same time and class, armed before, is settled first, so
 * that the two fire in the order of the unfolded run (arming order).
 * may_meet tells at once that most meet none. */
static inline void settle_meeting(vl_hv *hv, vl_ns at, vl_event_class cls, const instant *armed,
                                  const vl_vcpu *self)
{
    if (may_meet(hv, at, cls))
        settle_met(hv, at, cls, armed, self);
}

static void on_filing(void *ctx, vl_ns when, vl_event_class cls)
{
    vl_hv *hv = ctx;
    if (hv->fold.filing || cls == VL_EVC_DEVICE || cls == VL_EVC_HV || cls == VL_EVC_END)
        return; /* a settlement's own (it looks itself), or no cycle's class */
    settle_meeting(hv, when, cls, NULL, NULL);
}

/* ------------------------------------------------ the engine's hook */

static void arm_fold_end(vl_hv *hv, vl_vcpu *v);

/* Which folded vCPUs an event may see: those of its pCPU for a pCPU's
 * events (reschedule, slice, tick, entry, policy timers); the vCPU's own
 * for its exit event (the first exit its policy may decide otherwise is
 * armed as an event; the exit event of a vCPU that folded again after a
 * settlement is its first exit, which happens then, folded); none for an
 * IPI arrival or the guest's own events (their code reaches a folded vCPU
 * only through the access points: an interrupt or a kick for it, a tickle
 * of its pCPU, the guest's vl_hv_guest_vcpu); every one for the rest
 * (backends, workloads, policy instance timers, the watchdog, the run's
 * end and warm-up), which may run any guest's code or global code. */
static bool before_event(void *ctx, vl_event *ev)
{
    vl_hv *hv = ctx;
    vl_vcpu *only = NULL;
    switch (vl_tag_kind_of(ev->tag)) {
    case VL_TAG_PCPU:
        only = ((vl_pcpu *)ev->ctx)->folded;
        if (!only)
            return true;
        break;
    case VL_TAG_VCPU_PLE:
        only = ev->ctx;
        if (!only->folded)
            return true;
        if (only->fold_first == VL_FOLD_FIRST_REAL) { /* its first exit happens now */
            only->fold_first = VL_FOLD_FIRST_DONE;
            arm_fold_end(hv, only);
            return false;
        }
        break;
    case VL_TAG_VCPU_IPI:
    case VL_TAG_GUEST_SEGMENT: /* the guest's own: vl_hv_guest_vcpu */
    case VL_TAG_TASK_TIMER:
    case VL_TAG_NET_SOFTIRQ:
    case VL_TAG_LOCK_HANDOFF:
        return true;
    default:
        break;
    }
    /* the cycles ran while the event was pending (a tick the reschedules
     * would not arm again, a slice they pushed back): so it is while they
     * run again */
    vl_sim_refile(&hv->sim, ev);
    if (only)
        vl_fold_settle(only);
    else
        vl_fold_settle_all(hv);
    return vl_sim_unfile(&hv->sim, ev);
}

void vl_hv_guest_vcpu(vl_hv *hv, int vm, int vcpu)
{
    vl_fold_settle_vcpu(&hv->vms[vm].vcpus[vcpu]);
}

static void link_fold(vl_hv *hv, vl_vcpu *v)
{
    v->folded = true;
    v->processor->folded = v;
    v->vm->nfolded++;
    hv->fold.nbeyond += v->fold_beyond;
    vl_ns r = phase_of(v->fold_period, v->fold_exit);
    v->fold_exit_r = (uint32_t)r; /* read while one_period: < 2^16 */
    count_fold(hv, v, r, 1); /* before it is listed: a rebuild counts the listed */
    hv->fold.list[hv->fold.n++] = v;
    hv->sim.before = before_event;
    hv->sim.filing = on_filing;
    hv->sim.before_ctx = hv;
}

static void unlink_fold(vl_hv *hv, vl_vcpu *v)
{
    v->folded = false;
    v->processor->folded = NULL;
    v->vm->nfolded--;
    hv->fold.nbeyond -= v->fold_beyond;
    count_fold(hv, v, phase_of(v->fold_period, v->fold_exit), -1);
    for (int i = 0; i < hv->fold.n; i++) {
        if (hv->fold.list[i] == v) {
            hv->fold.list[i] = hv->fold.list[--hv->fold.n];
            break;
        }
    }
    if (hv->fold.n == 0)
        hv->sim.before = NULL, hv->sim.filing = NULL;
}

/* ------------------------------------------------------- folding */

/* v's rank among the folds whose cycles fall at the same instants (same
 * period and phase): their steps arm events at the same instants, and
 * keep the order of the first instant they shared.  v armed its first
 * exit now; another armed its exit for that instant at its fold's
 * beginning, when that is its first exit (it went first: it is folded
 * already), else at its entry one window earlier: before now, it went
 * first; at now, v did (at one instant and class the running event
 * comes first: had that entry's event been armed before, arming it would
 * have settled the fold).  Ranks are spaced so that one can go between
 * two; false when there is no room. */
#define FOLD_RANK_GAP ((int64_t)1 << 32)
static bool rank_of(vl_hv *hv, vl_vcpu *v)
{
    bool any_first = false, any_later = false;
    int64_t first_max = 0, later_min = 0;
    vl_ns entry = v->fold_exit - (v->fold_period - hv->costs.exit_entry);
    v->fold_rank = 0;
    if (!phase_has(&hv->fold, v->fold_period, v->fold_exit))
        return true; /* no other fold on its instants (the common case) */
    for (int i = 0; i < hv->fold.n; i++) {
        const vl_vcpu *a = hv->fold.list[i];
        if (a->fold_period != v->fold_period ||
            phase_of(v->fold_period, v->fold_exit - a->fold_exit) != 0)
            continue;
        if (a->fold_exit == v->fold_exit || before(now_of(hv), entry, VL_EVC_GUEST)) {
            first_max = !any_first || a->fold_rank > first_max ? a->fold_rank : first_max;
            any_first = true;
        } else {
            later_min = !any_later || a->fold_rank < later_min ? a->fold_rank : later_min;
            any_later = true;
        }
    }
    if (any_first && any_later && later_min - first_max < 2)
        return false;
    v->fold_rank = any_first && any_later ? first_max + (later_min - first_max) / 2
                   : any_first            ? first_max + FOLD_RANK_GAP
                   : any_later            ? later_min - FOLD_RANK_GAP
                                          : 0;
    return true;
}

/* v, running and spinning in guest mode, may fold with its first exit at
 * exit_at: the slice each cycle arms and the bound its policy gives. */
static bool may_fold(vl_hv *hv, vl_vcpu *v, vl_ns exit_at, vl_ns period, vl_ns *slice,
                     vl_ns *until, bool *beyond)
{
    vl_pcpu *p = v->processor;
    const vl_guest_port *port = v->vm->port;
    if (!hv->fold.enabled || hv->fold.replaying || hv->observer.on_state || !port ||
        !port->spin_folds || !hv->sched.ops->yield_folds)
        return false;
    if (!port->spin_folds(v->vm->guest, v->index)) /* first: it refuses most (lock waiters) */
        return false;
    if (v->state != VL_RUNNING || !v->in_guest || !p || p->curr != v || v->parked ||
        v->going_offline || vl_vcpu_has_pending(v))
        return false;
    /* the window stays what it is: fixed (Xen), or grown to its ceiling */
    if (hv->ple.grow > 1 && v->ple_window < hv->ple.max)
        return false;
    /* nothing pending on its pCPU but what every cycle leaves so */
    if (vl_event_pending(&p->sched_ev) || vl_event_pending(&p->enter_ev) ||
        (hv->sched.tick > 0 && !vl_event_pending(&p->tick_ev)))
        return false;
    const char *hook = hv->hook;
    hv->hook = "yield_folds";
    *until = VL_NS_MAX;
    *beyond = false;
    *slice = hv->sched.ops->yield_folds(&hv->sched, v, until, beyond);
    hv->hook = hook;
    /* no cycle, or its slice would end inside one */
    return *slice != VL_SLICE_NONE && *slice > period && *until > exit_at;
}

/* The first exit its policy may decide otherwise is an event (the vCPU's
 * exit event, armed now; settling files it again where it belongs). */
static void arm_fold_end(vl_hv *hv, vl_vcpu *v)
{
    if (v->fold_until == VL_NS_MAX)
        return;
    vl_ns k = (v->fold_until - v->fold_exit + v->fold_period - 1) / v->fold_period;
    vl_sim_schedule(&hv->sim, &v->ple_ev, v->fold_exit + k * v->fold_period);
}

static void start_fold(vl_hv *hv, vl_vcpu *v, vl_ns exit_at, vl_ns period, vl_ns slice,
                       vl_ns until, bool beyond, uint8_t first)
{
    v->fold_beyond = beyond;
    v->fold_exit = exit_at;
    v->fold_period = period;
    v->fold_slice = slice;
    v->fold_until = until;
    v->fold_first = first;
    v->fold_begun = hv->sim.now;
    v->fold_begun_cls = (uint8_t)hv->sim.cls;
    hv->fold.begun++;
    link_fold(hv, v);
}

bool vl_fold_begin(vl_vcpu *v, vl_ns exit_at)
{
    vl_hv *hv = v->hv;
    vl_ns period = exit_at - hv->sim.now + hv->costs.exit_entry, slice, until;
    bool beyond;
    if (!may_fold(hv, v, exit_at, period, &slice, &until, &beyond))
        return false;
    v->fold_exit = exit_at;
    v->fold_period = period;
    if (!rank_of(hv, v))
        return false;
    start_fold(hv, v, exit_at, period, slice, until, beyond, VL_FOLD_FIRST_VIRTUAL);
    arm_fold_end(hv, v);
    return true;
}

/* After the event that settled it: v spins in guest mode, its next exit
 * an event; it folds again from that exit on, the event staying where it
 * is (not when another fold's steps fall at the same instants: its rank
 * among them would rest on that event's place). */
static void refold(vl_hv *hv, vl_vcpu *v)
{
    if (v->folded || !v->spinning || !vl_event_pending(&v->ple_ev))
        return;
    vl_ns exit_at = vl_event_due(&v->ple_ev);
    vl_ns period = vl_hv_ple_window_ns(v) + hv->costs.exit_entry, slice, until;
    bool beyond;
    if (!may_fold(hv, v, exit_at, period, &slice, &until, &beyond))
        return;
    if (phase_has(&hv->fold, period, exit_at))
        return;
    v->fold_rank = 0;
    start_fold(hv, v, exit_at, period, slice, until, beyond, VL_FOLD_FIRST_REAL);
}

static void after_event(void *ctx)
{
    vl_hv *hv = ctx;
    for (int i = 0; i < hv->fold.nrefold; i++)
        refold(hv, hv->fold.refold[i]);
    hv->fold.nrefold = 0;
    hv->sim.after = NULL;
}

/* ------------------------------------------------------- settling */

/* Where ev is among the held-back events, or -1. */
static int held_index(const vl_fold *f, const vl_event *ev)
{
    for (int i = 0; i < f->narmed; i++)
        if (f->armed[i].ev == ev)
            return i;
    return -1;
}

/* Takes the i-th held-back event out, keeping the others' order. */
static void unhold(vl_fold *f, int i)
{
    for (int j = i + 1; j < f->narmed; j++)
        f->armed[j - 1] = f->armed[j];
    f->narmed--;
}

void vl_fold_hold(vl_hv *hv, vl_event *ev, vl_ns when)
{
    vl_fold *f = &hv->fold;
    vl_fold_drop(hv, ev);
    assert(f->narmed < VL_FOLD_ARMED);
    f->armed[f->narmed++] =
        (struct vl_fold_armed){ev, when, hv->sim.now, (uint8_t)hv->sim.cls};
}

void vl_fold_drop(vl_hv *hv, vl_event *ev)
{
    int i = held_index(&hv->fold, ev);
    if (i >= 0)
        unhold(&hv->fold, i);
}

/* The held-back event ev, when it is due before e: taken from the held
 * ones (it runs now, in the replay). */
static bool take_if_before(vl_hv *hv, instant e, vl_event *ev, vl_ns *at)
{
    vl_fold *f = &hv->fold;
    int i = held_index(f, ev);
    if (i < 0 || !before(e, f->armed[i].at, vl_event_cls(ev)))
        return false;
    *at = f->armed[i].at;
    unhold(f, i);
    return true;
}

/* The core's per-run state a replayed cycle overwrites. */
typedef struct saved_ctx {
    instant e;
    vl_pcpu *local;
    const char *hook;
    vl_vcpu *yielding, *waker;
    bool yield_reenter;
} saved_ctx;

static void step_to(vl_hv *hv, vl_ns t, vl_event_class cls)
{
    hv->sim.now = t;
    hv->sim.cls = cls;
}

/* Runs v's last cycle that began before e: its exit at `exit_at`, then
 * its pCPU's reschedule and v's entry if they came before e too; then
 * files what they armed, in the order they armed it. */
static void replay_last_cycle(vl_hv *hv, instant e, vl_vcpu *v, vl_ns exit_at)
{
    vl_pcpu *p = v->processor;
    saved_ctx c = {e, hv->local, hv->hook, hv->yielding, hv->waker, hv->yield_reenter};
#ifndef NDEBUG
    uint64_t seq = hv->sim.seq;
#endif
    hv->fold.replaying = true;
    hv->fold.narmed = 0;
    step_to(hv, exit_at, VL_EVC_GUEST);
    vl_hv_ple_exit(v);
    vl_ns at;
    if (take_if_before(hv, e, &p->sched_ev, &at)) {
        step_to(hv, at, VL_EVC_SCHED);
        vl_hv_reschedule(p);
        assert(p->curr == v); /* the policy's yield_folds promised it */
        if (take_if_before(hv, e, &p->enter_ev, &at)) {
            step_to(hv, at, vl_event_cls(&p->enter_ev));
            vl_hv_enter_event(p, &p->enter_ev);
        }
    }
    hv->fold.replaying = false;
    assert(hv->sim.seq == seq); /* a replayed cycle arms nothing but its own */
    step_to(hv, c.e.t, c.e.cls);
    hv->local = c.local;
    hv->hook = c.hook;
    hv->yielding = c.yielding;
    hv->waker = c.waker;
    hv->yield_reenter = c.yield_reenter;

    struct vl_fold_armed armed[VL_FOLD_ARMED];
    int narmed = hv->fold.narmed;
    for (int i = 0; i < narmed; i++)
        armed[i] = hv->fold.armed[i];
    hv->fold.narmed = 0;
    for (int i = 0; i < narmed; i++) {
        instant when = {armed[i].armed, armed[i].armed_cls};
        settle_meeting(hv, armed[i].at, vl_event_cls(armed[i].ev), &when, v);
        hv->fold.filing++;
        vl_sim_schedule(&hv->sim, armed[i].ev, armed[i].at);
        hv->fold.filing--;
    }
}

void vl_fold_settle(vl_vcpu *v)
{
    vl_hv *hv = v->hv;
    instant e = now_of(hv);
    unlink_fold(hv, v);
    hv->fold.settled++;
    vl_ns last = 0;
    int64_t n = exits_before(v, e, &last);
    if (n == 0 && v->fold_first == VL_FOLD_FIRST_REAL)
        return; /* its first exit is its event, still pending */
    if (n == 0) { /* no exit yet: file the first */
        instant armed = {v->fold_begun, v->fold_begun_cls};
        settle_meeting(hv, v->fold_exit, VL_EVC_GUEST, &armed, v);
        hv->fold.filing++;
        vl_sim_schedule(&hv->sim, &v->ple_ev, v->fold_exit);
        hv->fold.filing--;
        return;
    }
    if (n > 1) { /* the cycles before the last: their counters */
        uint64_t skipped = (uint64_t)(n - 1);
        v->exits[VL_EXIT_PLE] += skipped;
        if (hv->sched.ops->yields_folded) {
            const char *hook = hv->hook;
            hv->hook = "yields_folded";
            hv->sched.ops->yields_folded(&hv->sched, v, skipped, v->fold_exit);
            hv->hook = hook;
        }
    }
    replay_last_cycle(hv, e, v, last);
    if (v->in_guest && hv->fold.enabled) { /* spinning again: fold after the event */
        for (int i = 0; i < hv->fold.nrefold; i++)
            if (hv->fold.refold[i] == v)
                return;
        hv->fold.refold[hv->fold.nrefold++] = v;
        hv->sim.after = after_event;
    }
}

void vl_fold_settle_vm_all(vl_vm *vm)
{
    for (int i = 0; i < vm->nvcpus && vm->nfolded > 0; i++)
        if (vm->vcpus[i].folded)
            vl_fold_settle(&vm->vcpus[i]);
}

void vl_fold_settle_beyond(vl_hv *hv)
{
    /* from the start each time: a settlement may settle others too (an
     * event armed where theirs were), which moves the list's last entries
     * into their places, behind or ahead of where a walk would be */
    while (hv->fold.nbeyond > 0 && !hv->fold.replaying) {
        int i = 0;
        while (!hv->fold.list[i]->fold_beyond)
            i++;
        vl_fold_settle(hv->fold.list[i]);
    }
}

void vl_fold_settle_all(vl_hv *hv)
{
    while (hv->fold.n > 0 && !hv->fold.replaying)
        vl_fold_settle(hv->fold.list[hv->fold.n - 1]);
}
