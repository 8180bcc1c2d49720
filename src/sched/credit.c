/* sched/credit.c - Xen's Credit scheduler (credit1), as in
 * xen/common/sched/credit.c, in the Xen version params.credit.xen names
 * (3.2, 4.7, 4.13, HEAD: the table csched_xen).  Facts and sources: docs/sources/policy-facts.md
 * section 1; what is modelled and simplified: docs/policies/credit.md.
 *
 * Design
 *   Every vCPU holds credits.  Running costs 10 credits per ms; every
 *   accounting period (tslice, 30 ms) an instance timer hands out
 *   300 credits per pCPU among the VMs that are *active* (consumed CPU
 *   lately), in proportion to weight x active vCPUs, bounded per VM by
 *   active vCPUs x 300 and by the cap; what a VM cannot use goes to the
 *   VMs after it in the active list.  A vCPU's priority follows its credit at accounting:
 *   UNDER (>= 0) or OVER (< 0); OVER is clipped at -300; a vCPU with more
 *   than 300 leaves the active set with half its credit (it stops earning
 *   until a tick finds it running again).  A capped vCPU below
 *   -(its cap share) is parked (kept off every runqueue) until an
 *   accounting brings it back to >= 0.
 *   A waking UNDER vCPU is raised to BOOST, the highest priority; the
 *   first tick that finds it running drops it to UNDER.
 *   Each pCPU has a runqueue ordered by priority, FIFO within one.
 *   do_schedule: rate-limit (a runnable, non-yielding prev that has run
 *   less than `ratelimit` keeps the pCPU for the rest of it); else debit
 *   prev, queue it again, and take the head; if the head is OVER or the
 *   queue is empty, steal from a peer's runqueue a vCPU of strictly higher
 *   priority.  Slice: tslice.
 *   Ticks (tslice/3, aligned to the tick grid, only while busy) debit the
 *   running vCPU, end its boost, re-activate it, sort the runqueue after
 *   an accounting, and may move it to a better pCPU (cpu_pick).
 *   Pool: a policy built on Credit may take pCPUs out of Credit's own
 *   scheduling (csched_pool_leave, as a Xen cpupool); such a pCPU runs only
 *   what is queued on it (csched_queue_at), for ext->outside_slice, with no
 *   rate limit, balancing or tick moves, and the credit shared out is that
 *   of the pCPUs left in the pool.
 *   Walks over pCPUs go over bitmaps, as Xen's go over cpumasks, so a
 *   decision costs O(pCPUs / 64), not O(pCPUs) or worse: the idle pCPUs
 *   (Xen's idlers: the core's vl_idle_pcpus), the pCPUs with queued vCPUs
 *   and those whose head is UNDER or BOOST (load balancing), v's affinity;
 *   cores and sockets are id ranges (ids are socket-major, then core, then
 *   thread).
 *
 * Invariants (asserted in every build but the release one, which has NDEBUG)
 *   - a vCPU is on at most one runqueue: runq_link linked iff rq != NULL,
 *     and pcpu.nr_queued counts the linked vCPUs of that pCPU;
 *   - a RUNNING vCPU is never queued; a parked vCPU is never queued;
 *   - active_link linked iff the vCPU counts in its VM's active_count and
 *     its VM's weight in priv.weight; a VM is on priv.active_vms iff its
 *     active_count > 0;
 *   - priv.queued has p iff p is in the pool and its nr_queued > 0,
 *     priv.urgent has p iff p is in the pool and its runqueue head is UNDER
 *     or BOOST; no mask has a bit at or above the pCPU count (masks_ok, in
 *     load_balance);
 *   - a priority above BOOST (given by a policy built on Credit) is only
 *     ever queued on a pCPU outside the pool, and falls to UNDER when its
 *     turn there ends.
 *
 * TODO
 *   - soft affinity, cpupools (but the pool of csched_pool_leave) and the
 *     NUMA node walk (one node = one socket here);
 *   - the double-counted sub-credit remainder of Xen's burn_credits is
 *     not reproduced (docs/policies/credit.md);
 *   - a parked vCPU stays RUNNABLE for the core (vl_vcpu_set_parked tells
 *     the watchdog), where Xen moves a paused vCPU to the offline runstate.
 */
#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "credit_priv.h"

/* The `xen` parameter: the versions whose rules can be told apart and
 * sourced.  Each row lists the rules that version has. */
const char *const csched_versions[] = {"3.2", "4.7", "4.13", "HEAD", NULL};
static const csched_features csched_xen[] = {
    [CSCHED_XEN_3_2] = {
        /* tag 3.2.0-rc6: before accurate accounting, per-vCPU weight, the
         * halving reset, one-idler tickling, yield and the rate limit */
        .debit_sampled = true, .weight_per_domain = true, .credit_reset_zero = true,
        .tickle_all_idle = true, .default_ratelimit = 0,
        .placement = CSCHED_PLACE_LEAST_POPULATED,
    },
    [CSCHED_XEN_4_7] = {
        /* RELEASE-4.7.0: the rate limit holds yielders for a whole limit;
         * tickled idlers still count as idle; stealing starts at the first
         * pCPU of a socket; unparking boosts */
        .yield_flag = true, .unpark_boost = true, .default_ratelimit = VL_US(CSCHED_DEFAULT_RATELIMIT_US),
        .placement = CSCHED_PLACE_LEAST_POPULATED,
    },
    [CSCHED_XEN_4_13] = {
        /* RELEASE-4.13.0 to 4.17 */
        .yield_flag = true, .ratelimit_exempts_yield = true, .ratelimit_remainder = true,
        .idler_marking = true, .steal_bias = true, .default_ratelimit = VL_US(CSCHED_DEFAULT_RATELIMIT_US),
        .placement = CSCHED_PLACE_FIRST,
    },
    [CSCHED_XEN_HEAD] = {
        /* RELEASE-4.18.0 and later: 4.13 plus sticky yield and the
         * load-balance rate limit */
        .yield_flag = true, .ratelimit_exempts_yield = true, .ratelimit_remainder = true,
        .idler_marking = true, .steal_bias = true, .yield_sticky = true,
        .balance_ratelimit = true, .default_ratelimit = VL_US(CSCHED_DEFAULT_RATELIMIT_US),
        .placement = CSCHED_PLACE_FIRST,
    },
};

static const char *const csched_counters[] = {CSCHED_COUNTER_NAMES, NULL};

static const vl_param csched_params[] = {
    CSCHED_PARAM_ENTRIES(CSCHED_XEN_HEAD)
    VL_PARAM_END,
};

/* ------------------------------------------------------------------ helpers */

static csched_priv *cpriv(vl_sched *s) { return vl_sched_priv(s); }
static csched_pcpu *cpc(vl_pcpu *p) { return vl_pcpu_priv(p); }
static csched_vm *cvm(vl_vm *d) { return vl_vm_priv(d); }
static csched_vcpu *cvc(vl_vcpu *v) { return vl_vcpu_priv(v); }

static bool on_runq(const csched_vcpu *cv)
{
    assert(vl_list_linked(&cv->runq_link) == (cv->rq != NULL));
    return cv->rq != NULL;
}

static bool is_curr(vl_vcpu *v)
{
    vl_pcpu *p = vl_vcpu_pcpu(v);
    return p && vl_pcpu_curr(p) == v;
}

/* A core's or a socket's pCPUs: the ids lo .. hi - 1. */
typedef struct cpu_range {
    int lo, hi;
} cpu_range;

static cpu_range core_of(const csched_priv *prv, int cpu)
{
    int lo = cpu - cpu % prv->core_span;
    return (cpu_range){lo, lo + prv->core_span};
}

static cpu_range socket_of(const csched_priv *prv, int cpu)
{
    int lo = cpu - cpu % prv->socket_span;
    return (cpu_range){lo, lo + prv->socket_span};
}

/* Xen's cpumask_cycle over the bits of b inside r: the first one after
 * `from` in the order from+1 .. n-1, 0 .. from; -1 if none. */
static int cycle_in(const uint64_t *b, int from, cpu_range r)
{
    int i = vl_bit_next(b, from + 1 > r.lo ? from + 1 : r.lo, r.hi);
    return i >= 0 ? i : vl_bit_next(b, r.lo, from + 1 < r.hi ? from + 1 : r.hi);
}

static bool in_pool(const csched_priv *prv, int cpu)
{
    return !prv->nr_outside || !vl_bit_test(prv->outside, cpu);
}

/* Keep the queued and urgent bits of p in step with its runqueue (none for
 * a pCPU outside the pool: nobody steals from there). */
static void runq_changed(csched_priv *prv, vl_pcpu *p)
{
    csched_pcpu *pc = cpc(p);
    vl_list *h = vl_list_first(&pc->runq);
    int id = vl_pcpu_id(p);
    bool pool = in_pool(prv, id);
    if (pc->nr_queued > 0 && pool)
        vl_bit_set(prv->queued, id);
    else
        vl_bit_clear(prv->queued, id);
    if (pool && h && vl_container_of(h, csched_vcpu, runq_link)->pri > CSCHED_PRI_OVER)
        vl_bit_set(prv->urgent, id);
    else
        vl_bit_clear(prv->urgent, id);
}

/* Xen's idlers.  From 4.9 (idler marking) a tickled idle pCPU leaves the
 * set: the core's idle pCPUs with no reschedule pending.  Before, a pCPU
 * stays in it from the schedule that chose idle to the one that did not,
 * tickled or not, so two wake-ups at once may tickle the same one. */
static const uint64_t *idlers(vl_sched *s)
{
    csched_priv *prv = cpriv(s);
    const uint64_t *raw = prv->feat.idler_marking ? vl_idle_pcpus(s) : prv->chose_idle;
    if (!prv->nr_outside)
        return raw;
    for (int w = 0; w < VL_BITMAP_WORDS(vl_npcpus(s)); w++) /* the pool's only */
        prv->idlers_in_pool[w] = raw[w] & ~prv->outside[w];
    return prv->idlers_in_pool;
}

/* The pCPUs of the pool in v's affinity, in `buf` when some pCPU is outside
 * the pool; all of its affinity when none of them is in the pool. */
static const uint64_t *pool_affinity(vl_sched *s, vl_vcpu *v, uint64_t *buf)
{
    csched_priv *prv = cpriv(s);
    const uint64_t *aff = vl_vcpu_affinity_mask(v);
    if (!prv->nr_outside)
        return aff;
    uint64_t any = 0;
    for (int w = 0; w < VL_BITMAP_WORDS(vl_npcpus(s)); w++)
        any |= buf[w] = aff[w] & ~prv->outside[w];
    return any ? buf : aff;
}

static bool is_idler(vl_sched *s, const vl_pcpu *p)
{
    return vl_bit_test(idlers(s), vl_pcpu_id(p));
}

/* Xen's __runq_insert: before the first vCPU of lower priority (FIFO within
 * a priority); a yielder goes one further, behind one lower-priority vCPU. */
static void runq_insert(csched_priv *prv, vl_pcpu *p, csched_vcpu *cv)
{
    assert(!on_runq(cv));
    assert(vl_vcpu_runstate(cv->v) == VL_RUNNABLE);
    assert(!(cv->flags & CSCHED_FLAG_PARKED));
    /* its vCPU's folded yields saw nothing queued; others' saw no urgent work */
    vl_pcpu_will_change(p, cv->pri > CSCHED_PRI_OVER);
    vl_list *head = &cpc(p)->runq, *pos;
    vl_list_for_each(pos, head) {
        if (cv->pri > vl_container_of(pos, csched_vcpu, runq_link)->pri)
            break;
    }
    if ((cv->flags & CSCHED_FLAG_YIELD) && pos != head)
        pos = pos->next;
    vl_list_add_before(pos, &cv->runq_link);
    cv->rq = p;
    cpc(p)->nr_queued++;
    runq_changed(prv, p);
}

static void runq_remove(csched_priv *prv, csched_vcpu *cv)
{
    assert(on_runq(cv));
    vl_list *head = &cpc(cv->rq)->runq;
    if (vl_list_first(head) == &cv->runq_link && cv->pri <= CSCHED_PRI_OVER &&
        cv->runq_link.next != head &&
        vl_container_of(cv->runq_link.next, csched_vcpu, runq_link)->pri > CSCHED_PRI_OVER)
        vl_pcpu_will_change(cv->rq, true); /* an urgent one behind it (not sorted yet) */
    vl_list_del(&cv->runq_link);
    cpc(cv->rq)->nr_queued--;
    assert(cpc(cv->rq)->nr_queued >= 0);
    runq_changed(prv, cv->rq);
    cv->rq = NULL;
    if (prv->feat.yield_sticky) /* Xen >= 4.18: a yielder is one until dequeued */
        cv->flags &= ~CSCHED_FLAG_YIELD;
}

static csched_vcpu *runq_head(vl_pcpu *p)
{
    vl_list *h = vl_list_first(&cpc(p)->runq);
    return h ? vl_container_of(h, csched_vcpu, runq_link) : NULL;
}

#ifndef NDEBUG
/* The invariants of the pCPU masks, in O(pCPUs): for asserts only. */
static bool masks_ok(vl_sched *s)
{
    csched_priv *prv = cpriv(s);
    int n = vl_npcpus(s);
    for (int i = 0; i < n; i++) {
        vl_pcpu *p = vl_pcpu_get(s, i);
        csched_vcpu *head = runq_head(p);
        bool pool = in_pool(prv, i);
        if (vl_bit_test(prv->queued, i) != (pool && cpc(p)->nr_queued > 0) ||
            vl_bit_test(prv->urgent, i) != (pool && head && head->pri > CSCHED_PRI_OVER))
            return false;
    }
    return vl_bit_next(prv->queued, n, VL_MAX_PCPUS) < 0 &&
           vl_bit_next(prv->urgent, n, VL_MAX_PCPUS) < 0;
}
#endif

/* Xen's csched_runq_sort: after an accounting, move UNDER (and BOOST)
 * vCPUs ahead of OVER ones, keeping their order; once per epoch. */
static void runq_sort(csched_priv *prv, vl_pcpu *p)
{
    csched_pcpu *pc = cpc(p);
    if (pc->runq_sort_last == prv->runq_sort)
        return;
    pc->runq_sort_last = prv->runq_sort;
    vl_pcpu_will_change(p, true); /* its head may become urgent */
    vl_list *head = &pc->runq, *last_under = head, *pos, *tmp;
    vl_list_for_each_safe(pos, tmp, head) {
        if (vl_container_of(pos, csched_vcpu, runq_link)->pri >= CSCHED_PRI_UNDER) {
            if (pos->prev != last_under) {
                vl_list_del(pos);
                vl_list_add_after(last_under, pos);
            }
            last_under = pos;
        }
    }
    runq_changed(prv, p);
}

/* Debit the run time since acct_start: 10 credits per ms, the sub-credit
 * remainder carried in `residual` (Xen's burn_credits, exact). */
static void burn_credits(vl_sched *s, csched_vcpu *cv, vl_ns now)
{
    vl_ns delta = now - cv->acct_start;
    if (delta <= 0)
        return;
    int64_t val = delta * CSCHED_CREDITS_PER_MSEC + cv->residual;
    int64_t credits = val / VL_MS(1);
    cv->residual = val % VL_MS(1);
    cv->credit -= credits;
    cv->acct_start = now;
    if (credits)
        vl_counter_add(s, CSCHED_C_DEBITED, credits);
}

static void acct_start(csched_priv *prv, csched_vcpu *cv)
{
    csched_vm *dv = cvm(vl_vcpu_vm(cv->v));
    if (vl_list_linked(&cv->active_link))
        return;
    dv->active_count++;
    vl_list_push_front(&dv->active_vcpus, &cv->active_link);
    if (!prv->feat.weight_per_domain)
        prv->weight += dv->weight;
    if (!vl_list_linked(&dv->active_link)) {
        vl_list_push_front(&prv->active_vms, &dv->active_link);
        if (prv->feat.weight_per_domain) /* Xen 3.2: once per active VM */
            prv->weight += dv->weight;
    }
}

static void acct_stop(csched_priv *prv, csched_vcpu *cv)
{
    csched_vm *dv = cvm(vl_vcpu_vm(cv->v));
    assert(vl_list_linked(&cv->active_link));
    assert(prv->weight >= dv->weight);
    dv->active_count--;
    vl_list_del(&cv->active_link);
    if (!prv->feat.weight_per_domain)
        prv->weight -= dv->weight;
    if (vl_list_empty(&dv->active_vcpus)) {
        vl_list_del(&dv->active_link);
        if (prv->feat.weight_per_domain)
            prv->weight -= dv->weight;
    }
}

/* ---------------------------------------------------------------- cpu_pick */

/* How many pCPUs of r count as idle for cpu_pick: the idlers, and `self`
 * (v's own pCPU when it counts as idle, else -1). */
static int idle_in(const uint64_t *idle, cpu_range r, int self)
{
    int c = vl_bit_count(idle, r.lo, r.hi);
    if (self >= r.lo && self < r.hi && !vl_bit_test(idle, self))
        c++;
    return c;
}

/* Xen's _csched_cpu_pick (hard affinity only): start from v's pCPU
 * `master` (or the next affine one); prefer an idle pCPU, and among idle ones the one whose
 * core (same socket) or socket (twice as idle) has the most idle
 * neighbours, so that work spreads over cores and sockets first.  "Idle"
 * is the idler mark; v's own pCPU counts as idle when v runs there with
 * nothing queued behind it (the tick asks whether to move v). */
static vl_pcpu *cpu_pick(vl_sched *s, vl_vcpu *v, vl_pcpu *master, bool commit)
{
    csched_priv *prv = cpriv(s);
    int n = vl_npcpus(s);
    uint64_t usable[VL_BITMAP_WORDS(VL_MAX_PCPUS)];
    const uint64_t *aff = pool_affinity(s, v, usable), *idle = idlers(s);
    int cpu = vl_pcpu_id(master);
    if (!vl_bit_test(aff, cpu))
        cpu = vl_bit_cycle(aff, cpu, n);
    assert(cpu >= 0);
    bool self_idle = vl_pcpu_id(master) == cpu && vl_pcpu_curr(master) == v &&
                     cpc(master)->nr_queued == 0;
    int self = self_idle ? cpu : -1;

    /* the candidates: the idle pCPUs in v's affinity (Xen's cpus); only
     * the words below n are used */
    uint64_t cand[VL_BITMAP_WORDS(VL_MAX_PCPUS)], any = 0;
    for (int w = 0; w < VL_BITMAP_WORDS(n); w++)
        any |= cand[w] = idle[w] & aff[w];
    if (self >= 0) {
        assert(vl_bit_test(aff, self));
        vl_bit_set(cand, self);
        any = 1;
    }
    if (!any)
        return vl_pcpu_get(s, cpu);
    if (!vl_bit_test(cand, cpu))
        cpu = vl_bit_cycle(cand, cpu, n);
    vl_bit_clear(cand, cpu);

    int bias_owner = -1, nxt;
    while ((nxt = vl_bit_cycle(cand, cpu, n)) >= 0) {
        /* weigh the cores of cpu and nxt in one socket, else their sockets */
        bool same_socket = socket_of(prv, cpu).lo == socket_of(prv, nxt).lo;
        int factor = same_socket ? 1 : 2;
        cpu_range g_cpu = same_socket ? core_of(prv, cpu) : socket_of(prv, cpu);
        cpu_range g_nxt = same_socket ? core_of(prv, nxt) : socket_of(prv, nxt);
        if (idle_in(idle, g_cpu, self) * factor < idle_in(idle, g_nxt, self)) {
            /* move to the idler group of nxt */
            bias_owner = nxt;
            cpu = cycle_in(cand, cpc(vl_pcpu_get(s, nxt))->idle_bias, g_nxt);
            assert(cpu >= 0);
            cpu_range core = core_of(prv, cpu);
            vl_bit_clear_range(cand, core.lo, core.hi);
        } else {
            /* drop nxt's whole group of idlers */
            vl_bit_clear_range(cand, g_nxt.lo, g_nxt.hi);
        }
    }
    if (commit && bias_owner >= 0)
        cpc(vl_pcpu_get(s, bias_owner))->idle_bias = cpu;
    return vl_pcpu_get(s, cpu);
}

/* Xen 3.2's __runq_tickle: cv's pCPU if cv outranks what runs there, and,
 * if that pCPU is busy, every idler cv may run on (the first to schedule
 * steals cv, the others find nothing and idle again). */
static void runq_tickle_all(vl_sched *s, csched_vcpu *cv)
{
    vl_pcpu *p = cv->rq;
    vl_vcpu *cur = vl_pcpu_curr(p);
    if (cv->pri > (cur ? cvc(cur)->pri : CSCHED_PRI_IDLE))
        vl_tickle(p);
    if (!cur)
        return;
    int n = vl_npcpus(s);
    const uint64_t *idle = idlers(s), *aff = vl_vcpu_affinity_mask(cv->v);
    for (int i = vl_bit_next_and(idle, aff, 0, n); i >= 0; i = vl_bit_next_and(idle, aff, i + 1, n))
        vl_tickle(vl_pcpu_get(s, i));
}

/* Xen's __runq_tickle for cv, just queued on cv->rq (from 4.1, one idler):
 * preempt there if that pCPU idles, or if nobody idles and cv outranks what
 * runs there; else wake one idler cv may run on (it will steal cv), or
 * nobody. */
static void runq_tickle(vl_sched *s, csched_vcpu *cv)
{
    csched_priv *prv = cpriv(s);
    if (!in_pool(prv, vl_pcpu_id(cv->rq))) {
        /* outside the pool: preempt the one running there if cv outranks
         * it, else it runs when that one's turn ends */
        vl_vcpu *cur = vl_pcpu_curr(cv->rq);
        if (!cur || cv->pri > cvc(cur)->pri)
            vl_tickle(cv->rq);
        return;
    }
    if (prv->feat.tickle_all_idle) {
        runq_tickle_all(s, cv);
        return;
    }
    vl_pcpu *p = cv->rq;
    vl_vcpu *cur = vl_pcpu_curr(p);
    int cur_pri = cur ? cvc(cur)->pri : CSCHED_PRI_IDLE;
    int n = vl_npcpus(s);
    const uint64_t *idle = idlers(s);
    bool any_idler = vl_bit_next(idle, 0, n) >= 0;

    vl_pcpu *target = NULL;
    if (!cur || (!any_idler && cv->pri > cur_pri)) {
        target = p;
    } else if (any_idler) {
        int idler = vl_bit_cycle_and(idle, vl_vcpu_affinity_mask(cv->v), prv->last_tickle, n);
        if (idler >= 0) {
            prv->last_tickle = idler;
            target = vl_pcpu_get(s, idler);
        } else if (cv->pri > cur_pri) {
            target = p; /* no idler it may use: preempt */
        }
    }
    if (target)
        vl_tickle(target); /* from 4.9 it leaves the idlers */
}

/* ------------------------------------------------------------ load balance */

static bool cache_hot(const csched_priv *prv, const csched_vcpu *cv, vl_ns now)
{
    return prv->migration_delay && now - cv->last_sched < prv->migration_delay;
}

/* Xen's csched_runq_steal: the first vCPU queued on peer, of priority
 * strictly above `pri`, that may run on self and is not cache-hot. */
static csched_vcpu *runq_steal(vl_sched *s, vl_pcpu *peer, vl_pcpu *self, int pri, vl_ns now)
{
    if (!vl_pcpu_curr(peer))
        return NULL; /* an idle peer is about to take its own work */
    vl_list *pos;
    vl_list_for_each(pos, &cpc(peer)->runq) {
        csched_vcpu *cv = vl_container_of(pos, csched_vcpu, runq_link);
        if (cv->pri <= pri)
            break;
        /* Xen >= 4.18: a queued yielder waits for a reason; leave it */
        if (cpriv(s)->feat.yield_sticky && (cv->flags & CSCHED_FLAG_YIELD))
            continue;
        if (vl_vcpu_affine(cv->v, self) && !cache_hot(cpriv(s), cv, now)) {
            runq_remove(cpriv(s), cv);
            return cv;
        }
    }
    return NULL;
}

/* Steal from the peers of socket r that are set in `peers`, in Xen's
 * order: starting after the socket's balance_bias, wrapping within it. */
static csched_vcpu *steal_in_socket(vl_sched *s, vl_pcpu *self, const uint64_t *peers,
                                    cpu_range r, int pri, vl_ns now)
{
    csched_priv *prv = cpriv(s);
    int me = vl_pcpu_id(self);
    csched_pcpu *bias = cpc(vl_pcpu_get(s, r.lo / prv->socket_span));
    /* from 4.9 after the last pCPU stolen from, before at the first one */
    int first = cycle_in(peers, prv->feat.steal_bias ? bias->balance_bias : r.hi - 1, r);
    for (int peer = first; peer >= 0;) {
        vl_pcpu *pp = vl_pcpu_get(s, peer);
        if (peer != me && !is_idler(s, pp) && vl_pcpu_curr(pp)) {
            assert(cpc(pp)->nr_queued > 0);
            csched_vcpu *cv = runq_steal(s, pp, self, pri, now);
            if (cv) {
                bias->balance_bias = peer;
                vl_counter_add(s, CSCHED_C_STEALS, 1);
                return cv;
            }
        }
        peer = cycle_in(peers, peer, r);
        if (peer == first)
            break;
    }
    return NULL;
}

/* Xen's csched_load_balance: walk the non-idle peers socket by socket
 * (own socket first, then the next ones, wrapping), in each starting after
 * the last pCPU stolen from, skipping peers with nothing queued.  Only a
 * peer whose head outranks pri can give a vCPU (runq_steal stops at the
 * first vCPU that does not), so the walk goes over the urgent mask for an
 * OVER stealer and over the queued mask for an idle one, and skips the
 * sockets without such a peer: the same peers are tried in the same
 * order, in O(pCPUs / 64) instead of O(pCPUs). */
static csched_vcpu *load_balance(vl_sched *s, vl_pcpu *self, int pri, vl_ns now)
{
    csched_priv *prv = cpriv(s);
    assert(pri <= CSCHED_PRI_OVER && masks_ok(s));
    const uint64_t *peers = pri == CSCHED_PRI_OVER ? prv->urgent : prv->queued;
    int n = vl_npcpus(s), node_lo = socket_of(prv, vl_pcpu_id(self)).lo;
    /* the sockets from self's to the last, then from the first to self's */
    cpu_range parts[2] = {{node_lo, n}, {0, node_lo}};
    for (int i = 0; i < 2; i++) {
        int c = vl_bit_next(peers, parts[i].lo, parts[i].hi);
        while (c >= 0) {
            cpu_range r = socket_of(prv, c);
            csched_vcpu *cv = steal_in_socket(s, self, peers, r, pri, now);
            if (cv)
                return cv;
            c = vl_bit_next(peers, r.hi, parts[i].hi);
        }
    }
    return NULL;
}

/* ---------------------------------------------------------- park / unpark */

/* Keep a capped-out vCPU off every runqueue (Xen pauses it). */
static void park(vl_sched *s, csched_vcpu *cv)
{
    cv->flags |= CSCHED_FLAG_PARKED;
    vl_vcpu_set_parked(cv->v, true);
    vl_counter_add(s, CSCHED_C_PARKS, 1);
    if (on_runq(cv))
        runq_remove(cpriv(s), cv);
    else if (vl_vcpu_runstate(cv->v) == VL_RUNNING)
        vl_tickle(vl_vcpu_pcpu(cv->v)); /* do_schedule leaves it out */
}

/* Xen unpauses it: a wake on its pCPU, without boost, except from 4.3 to
 * 4.12 where the PARKED flag was cleared before the wake (unpark_boost). */
static void unpark(vl_sched *s, csched_vcpu *cv)
{
    cv->flags &= ~CSCHED_FLAG_PARKED;
    vl_vcpu_set_parked(cv->v, false);
    vl_counter_add(s, CSCHED_C_UNPARKS, 1);
    if (vl_vcpu_runstate(cv->v) == VL_RUNNABLE && !on_runq(cv) && !is_curr(cv->v)) {
        if (cpriv(s)->feat.unpark_boost && cv->pri == CSCHED_PRI_UNDER) {
            cv->pri = CSCHED_PRI_BOOST;
            vl_counter_add(s, CSCHED_C_BOOSTS, 1);
        }
        runq_insert(cpriv(s), vl_vcpu_pcpu(cv->v), cv);
        runq_tickle(s, cv);
    }
}

/* -------------------------------------------------------------- accounting */

/* Xen's csched_acct: share the period's credits among active VMs. */
static void csched_acct(vl_sched *s)
{
    csched_priv *prv = cpriv(s);
    int64_t weight_total = prv->weight;
    int64_t credit_total = prv->credit;
    const int64_t cpt = prv->credits_per_tslice;

    vl_counter_add(s, CSCHED_C_ACCOUNTS, 1);
    if (prv->credit_balance < 0) /* converge the balance towards 0 */
        credit_total -= prv->credit_balance;
    if (weight_total == 0) {
        prv->credit_balance = 0;
        return;
    }
    int64_t weight_left = weight_total, credit_balance = 0, credit_cap = 0;
    bool credit_xtra = false;
    vl_list *dpos, *dtmp;
    vl_list_for_each_safe(dpos, dtmp, &prv->active_vms) {
        csched_vm *dv = vl_container_of(dpos, csched_vm, active_link);
        int64_t active = dv->active_count;
        /* the VM's weight in the sum: per active vCPU, or once (3.2) */
        int64_t share = dv->weight * (prv->feat.weight_per_domain ? 1 : active);
        assert(active > 0 && share <= weight_left);
        weight_left -= share;

        /* at most every active vCPU busy for a whole period, more only
         * while the system-wide balance is negative */
        int64_t credit_peak = active * cpt;
        if (prv->credit_balance < 0)
            credit_peak += (-prv->credit_balance * share + weight_total - 1) / weight_total;
        if (dv->cap) {
            credit_cap = (dv->cap * cpt + 99) / 100;
            if (credit_cap < credit_peak)
                credit_peak = credit_cap;
            credit_cap = (credit_cap + active - 1) / active; /* per vCPU */
        }
        int64_t credit_fair = (credit_total * share + weight_total - 1) / weight_total;
        if (credit_fair < credit_peak) {
            credit_xtra = true;
        } else {
            if (weight_left) /* the VMs after it share what it cannot use */
                credit_total += ((credit_fair - credit_peak) * weight_total + weight_left - 1) /
                                weight_left;
            if (credit_xtra) { /* lazily keep VMs with extra credit in front */
                vl_list_del(&dv->active_link);
                vl_list_push_front(&prv->active_vms, &dv->active_link);
            }
            credit_fair = credit_peak;
        }
        credit_fair = (credit_fair + active - 1) / active; /* per vCPU */

        vl_list *vpos, *vtmp;
        vl_list_for_each_safe(vpos, vtmp, &dv->active_vcpus) {
            csched_vcpu *cv = vl_container_of(vpos, csched_vcpu, active_link);
            cv->credit += credit_fair;
            if (cv->credit < 0) {
                cv->pri = CSCHED_PRI_OVER;
                if (dv->cap && cv->credit < -credit_cap && !(cv->flags & CSCHED_FLAG_PARKED))
                    park(s, cv);
                if (cv->credit < -cpt)
                    cv->credit = -cpt;
            } else {
                cv->pri = CSCHED_PRI_UNDER;
                if (cv->flags & CSCHED_FLAG_PARKED)
                    unpark(s, cv);
                if (cv->credit > cpt) { /* stop earning */
                    acct_stop(prv, cv);
                    /* restart a bit ahead, or from nothing (3.2) */
                    cv->credit = prv->feat.credit_reset_zero ? 0 : cv->credit / 2;
                }
            }
            credit_balance += cv->credit;
            if (cv->rq) /* its priority may have changed */
                runq_changed(prv, cv->rq);
        }
    }
    prv->credit_balance = credit_balance;
    prv->runq_sort++;
}

/* The running vCPU at a tick (Xen's csched_unit_acct). */
static void unit_acct(vl_sched *s, vl_pcpu *p, csched_vcpu *cv, vl_ns now)
{
    csched_priv *prv = cpriv(s);
    if (cv->pri == CSCHED_PRI_BOOST) /* it consumes CPU: boost ends */
        cv->pri = prv->ext && prv->ext->boost_ends ? prv->ext->boost_ends(s, cv->v)
                                                   : CSCHED_PRI_UNDER;
    if (prv->feat.debit_sampled) { /* Xen 3.2: a whole tick, whatever ran */
        cv->credit -= prv->credits_per_tick;
        vl_counter_add(s, CSCHED_C_DEBITED, prv->credits_per_tick);
    } else {
        burn_credits(s, cv, now);
    }
    if (!vl_list_linked(&cv->active_link)) {
        acct_start(prv, cv);
    } else if (vl_vcpu_runstate(cv->v) == VL_RUNNING && in_pool(prv, vl_pcpu_id(p)) &&
               !(cv->flags & (CSCHED_FLAG_PARKED | CSCHED_FLAG_MOVE))) {
        /* active a while: would it be better off elsewhere? */
        if (cpu_pick(s, cv->v, p, false) != p) {
            cv->flags |= CSCHED_FLAG_MOVE;
            vl_counter_add(s, CSCHED_C_MOVES, 1);
            vl_tickle(p);
        }
    }
}

/* Restart the tick on the tick grid (Xen: now + period - now % period). */
static void tick_start(vl_sched *s, vl_pcpu *p, vl_ns now)
{
    vl_ns period = cpriv(s)->tick_period;
    if (!vl_timer_pending(s, p, CSCHED_TIMER_TICK))
        vl_timer_arm(s, p, CSCHED_TIMER_TICK, now + period - now % period);
}

/* -------------------------------------------------------------------- hooks */

/* The group sizes, and a check that pCPU ids are laid out socket-major,
 * then core, then thread (src/hw/topology.c): the masks rely on it. */
static int init_topology(vl_sched *s)
{
    csched_priv *prv = cpriv(s);
    int n = vl_npcpus(s);
    vl_pcpu *p0 = vl_pcpu_get(s, 0);
    prv->core_span = prv->socket_span = 0;
    for (int i = 0; i < n; i++) {
        vl_pcpu *p = vl_pcpu_get(s, i);
        prv->core_span += vl_pcpu_core(p) == vl_pcpu_core(p0);
        prv->socket_span += vl_pcpu_socket(p) == vl_pcpu_socket(p0);
    }
    if (prv->socket_span % prv->core_span || n % prv->socket_span)
        return vl_sched_error(s, "cores or sockets of unequal sizes");
    for (int i = 0; i < n; i++) {
        vl_pcpu *p = vl_pcpu_get(s, i);
        if (vl_pcpu_core(p) != i / prv->core_span || vl_pcpu_socket(p) != i / prv->socket_span)
            return vl_sched_error(s, "pCPU %d: ids not laid out socket-major", i);
    }
    return 0;
}

int csched_op_check(const void *params, vl_param_scope scope, vl_param_fault *fault)
{
    const csched_priv *prv = params;
    if (scope != VL_PARAMS_HOST)
        return 0;
    if (prv->ratelimit != CSCHED_RATELIMIT_UNSET && prv->ratelimit &&
        prv->ratelimit < CSCHED_MIN_TIMER) { /* Xen's sysctl refuses it too */
        fault->param = "ratelimit";
        snprintf(fault->msg, sizeof fault->msg, "must be 0 (off) or at least 100us");
        return -1;
    }
    return 0;
}

int csched_init_ext(vl_sched *s, const csched_ext *ext)
{
    csched_priv *prv = cpriv(s);
    prv->ext = ext;
    prv->feat = csched_xen[prv->xen];
    if (prv->ratelimit == CSCHED_RATELIMIT_UNSET)
        prv->ratelimit = prv->feat.default_ratelimit;
    if (prv->ratelimit > prv->tslice) /* Xen: "Setting ratelimit to tslice" */
        prv->ratelimit = prv->tslice;
    int ticks = CSCHED_TICKS_PER_TSLICE;
    if (prv->tslice < VL_MS(CSCHED_TICKS_PER_TSLICE))
        ticks = 1;
    prv->tick_period = prv->tslice / ticks;
    prv->credits_per_tslice = prv->tslice * CSCHED_CREDITS_PER_MSEC / VL_MS(1);
    prv->credits_per_tick = prv->tick_period * CSCHED_CREDITS_PER_MSEC / VL_MS(1);
    prv->credit = prv->credits_per_tslice * vl_npcpus(s);
    prv->credit_balance = 0;
    prv->weight = 0;
    prv->runq_sort = 0;
    prv->last_tickle = vl_npcpus(s) - 1;
    vl_list_init(&prv->active_vms);

    if (init_topology(s) < 0)
        return -1;
    memset(prv->queued, 0, sizeof prv->queued);
    memset(prv->urgent, 0, sizeof prv->urgent);
    memset(prv->chose_idle, 0, sizeof prv->chose_idle);
    memset(prv->outside, 0, sizeof prv->outside);
    prv->nr_outside = 0;
    prv->nsockets = 0;
    for (int i = 0; i < vl_npcpus(s); i++) {
        vl_pcpu *p = vl_pcpu_get(s, i);
        csched_pcpu *pc = cpc(p);
        vl_list_init(&pc->runq);
        pc->nr_queued = 0;
        pc->nr_placed = 0;
        pc->last_balance = vl_now(s);
        pc->idle_bias = vl_npcpus(s) - 1;
        vl_bit_set(prv->chose_idle, i); /* every pCPU starts idle */
        if (vl_pcpu_socket(p) >= prv->nsockets) {
            prv->nsockets = vl_pcpu_socket(p) + 1;
            /* stealing in a socket starts after its first pCPU */
            cpc(vl_pcpu_get(s, vl_pcpu_socket(p)))->balance_bias = i;
        }
    }
    for (int d = 0; d < vl_nvms(s); d++) {
        vl_vm *vm = vl_vm_get(s, d);
        csched_vm *dv = cvm(vm);
        vl_list_init(&dv->active_vcpus);
        vl_list_init(&dv->active_link);
        dv->active_count = 0;
        dv->weight = vl_vm_weight(vm) > 0 ? vl_vm_weight(vm) : CSCHED_DEFAULT_WEIGHT;
        dv->cap = vl_vm_cap(vm);
    }
    for (int i = 0; i < vl_nvcpus_total(s); i++) {
        vl_vcpu *v = vl_vcpu_get(s, i);
        csched_vcpu *cv = cvc(v);
        vl_list_init(&cv->runq_link);
        vl_list_init(&cv->active_link);
        cv->v = v;
        cv->rq = NULL;
        cv->pri = CSCHED_PRI_UNDER;
    }
    vl_timer_arm(s, NULL, CSCHED_TIMER_ACCT, vl_now(s) + prv->tslice);
    return 0;
}

/* The pCPU Xen gives a vCPU when its VM is created: each vCPU after the
 * first goes to the next pCPU after its predecessor's (cpumask_cycle).
 * vCPU 0 goes, in Xen <= 4.7 (XEN_DOMCTL_max_vcpus), to the
 * least-populated pCPU (default_vcpu0_location: one thread per core, the
 * second of a multi-threaded core, ties to the higher id), and from 4.13
 * to the first pCPU of the VM's nodes (sched_select_initial_cpu).  Xen's
 * candidates are every online pCPU, or the node's; here they are the VM's
 * affinity, which the core enforces (Xen dropped the old rule in 4.8 for
 * ignoring affinity).  Counts are the pCPUs the started vCPUs were placed
 * on: every START happens at one instant, before anything migrates. */
static vl_pcpu *creation_cpu(vl_sched *s, vl_vcpu *v)
{
    csched_priv *prv = cpriv(s);
    int n = vl_npcpus(s);
    uint64_t usable[VL_BITMAP_WORDS(VL_MAX_PCPUS)];
    const uint64_t *aff = pool_affinity(s, v, usable);
    int index = vl_vcpu_index(v);
    vl_pcpu *before = index > 0 ? vl_vcpu_pcpu(vl_vm_vcpu(vl_vcpu_vm(v), index - 1)) : NULL;
    if (before)
        return vl_pcpu_get(s, vl_bit_cycle(aff, vl_pcpu_id(before), n));
    if (prv->feat.placement == CSCHED_PLACE_FIRST)
        return vl_pcpu_get(s, vl_bit_next(aff, 0, n));
    int thread = prv->core_span > 1 ? 1 : 0, best = -1;
    for (int c = thread; c < n; c += prv->core_span) {
        if (vl_bit_test(aff, c) &&
            (best < 0 || cpc(vl_pcpu_get(s, c))->nr_placed <= cpc(vl_pcpu_get(s, best))->nr_placed))
            best = c;
    }
    if (best < 0) /* only primary threads are affine */
        best = vl_bit_cycle(aff, n - 1, n);
    return vl_pcpu_get(s, best);
}

/* Xen's csched_res_pick; a vCPU never placed (START) starts from its
 * creation pCPU, as in Xen's csched_unit_insert. */
vl_pcpu *csched_op_pick_cpu(vl_sched *s, vl_vcpu *v, vl_pick_reason why)
{
    vl_pcpu *master = vl_vcpu_pcpu(v);
    vl_pcpu *p = cpu_pick(s, v, master ? master : creation_cpu(s, v), true);
    if (why == VL_PICK_START)
        cpc(p)->nr_placed++;
    return p;
}

/* Queue cv on p as a wake-up: UNDER rises to BOOST if `boost`. */
static void wake_on(vl_sched *s, csched_vcpu *cv, vl_pcpu *p, bool boost)
{
    if (cv->pri == CSCHED_PRI_UNDER && boost) {
        cv->pri = CSCHED_PRI_BOOST;
        vl_counter_add(s, CSCHED_C_BOOSTS, 1);
    }
    runq_insert(cpriv(s), p, cv);
    runq_tickle(s, cv);
}

/* Xen's csched_unit_wake: an UNDER vCPU that is not parked wakes BOOSTed,
 * except on its first wake-up (Xen's insert goes through csched_res_pick,
 * which marks it MIGRATING, and a migrating wake-up is not boosted). */
void csched_op_vcpu_wake(vl_sched *s, vl_vcpu *v, vl_wake_reason why, int vector)
{
    (void)vector;
    csched_vcpu *cv = cvc(v);
    assert(!on_runq(cv));
    if (cv->flags & CSCHED_FLAG_PARKED)
        return; /* stays off the runqueues until an accounting unparks it */
    wake_on(s, cv, vl_vcpu_pcpu(v), why != VL_WAKE_START);
}

/* Xen's csched_unit_yield (from 4.1; before, a yield is a plain
 * reschedule). */
void csched_op_vcpu_yield(vl_sched *s, vl_vcpu *v, const vl_exit_info *info)
{
    (void)info;
    if (cpriv(s)->feat.yield_flag)
        cvc(v)->flags |= CSCHED_FLAG_YIELD;
    vl_counter_add(s, CSCHED_C_YIELDS, 1);
}

/* The rate limit keeps cv (runnable) on its pCPU at `now`: it has run less
 * than `ratelimit` since run_start, and is not a yielder the version
 * exempts (from 4.8). */
static bool ratelimit_holds(const csched_priv *prv, const csched_vcpu *cv, vl_ns now,
                            bool yielding)
{
    bool exempt = prv->feat.ratelimit_exempts_yield && yielding;
    return prv->ratelimit && !exempt && now - cv->run_start < prv->ratelimit;
}

/* A yield of v at `at` is held by the rate limit (the yield sets the
 * YIELD flag where the version has one). */
static bool yield_held(const csched_priv *prv, const csched_vcpu *cv, vl_ns at)
{
    return ratelimit_holds(prv, cv, at, prv->feat.yield_flag);
}

/* The core may fold v's yields (include/vcpulab/sched.h) in two regimes.
 * Held by the rate limit (before run_start + ratelimit): each yield sets
 * the YIELD flag, burns the credit since acct_start (the remainder
 * carried: n burns are one), sets acct_start and last_sched, counts a
 * yield and a rate-limited decision; the slice is the whole limit (Xen
 * 4.7: the remainder of later versions changes at every yield, and they
 * exempt yielders anyway).  Past the limit (it stays passed: run_start
 * does not move while v stays), pick_next's lone path: nothing queued on
 * the pCPU, v with credit left (an OVER prev looks for work elsewhere),
 * its tick armed (tick_start arms nothing) — or OVER when no pCPU has
 * urgent work (load_balance then finds none: *beyond) and balancing has
 * no rate limit (4.18's changes at every yield); each yield sets and
 * clears the flag, burns, counts a yield; the slice is tslice.  In both,
 * v in the pool and neither parked nor moving.  Every change to those
 * inputs comes at an event of v's pCPU (tick: boost end, moves), the
 * accounting timer (priorities, parking), a queueing on the pCPU, or
 * urgent work coming to a runqueue's head (runq_insert, runq_remove and
 * runq_sort call vl_pcpu_will_change first). */
static vl_ns csched_op_yield_folds(vl_sched *s, vl_vcpu *v, vl_ns *until, bool *beyond)
{
    csched_priv *prv = cpriv(s);
    csched_vcpu *cv = cvc(v);
    vl_pcpu *p = vl_vcpu_pcpu(v);
    if (!in_pool(prv, vl_pcpu_id(p)) ||
        (cv->flags & (CSCHED_FLAG_PARKED | CSCHED_FLAG_MOVE | CSCHED_FLAG_RETURN)))
        return VL_SLICE_NONE;
    if (yield_held(prv, cv, vl_now(s))) {
        if (prv->feat.ratelimit_remainder)
            return VL_SLICE_NONE;
        *until = cv->run_start + prv->ratelimit;
        return prv->ratelimit;
    }
    if (cpc(p)->nr_queued > 0 || cv->pri > CSCHED_PRI_BOOST ||
        !vl_timer_pending(s, p, CSCHED_TIMER_TICK))
        return VL_SLICE_NONE;
    if (cv->pri <= CSCHED_PRI_OVER) { /* it looks for urgent work elsewhere each time */
        if (prv->feat.balance_ratelimit || vl_bit_next(prv->urgent, 0, vl_npcpus(s)) >= 0)
            return VL_SLICE_NONE;
        *beyond = true;
    }
    *until = VL_NS_MAX;
    return prv->tslice;
}

static void csched_op_yields_folded(vl_sched *s, vl_vcpu *v, uint64_t n, vl_ns first)
{
    vl_counter_add(s, CSCHED_C_YIELDS, (int64_t)n);
    if (yield_held(cpriv(s), cvc(v), first))
        vl_counter_add(s, CSCHED_C_RATELIMITED, (int64_t)n);
}

/* Load balancing for p, whose best local work has priority pri (OVER or
 * IDLE); from 4.18 at most once per balance_ratelimit (Xen takes the local
 * head, even OVER, or idles, until then). */
static csched_vcpu *try_load_balance(vl_sched *s, vl_pcpu *p, int pri, vl_ns now)
{
    csched_priv *prv = cpriv(s);
    if (prv->feat.balance_ratelimit) {
        if (now - cpc(p)->last_balance <= prv->balance_ratelimit)
            return NULL;
        cpc(p)->last_balance = now;
    }
    return load_balance(s, p, pri, now);
}

/* Xen's choice of the next vCPU: queue prev if it is still runnable
 * (`queue`), take the runqueue's head if it has credit left, else look for
 * more urgent work elsewhere. */
static csched_vcpu *pick_next(vl_sched *s, vl_pcpu *p, csched_vcpu *queue, vl_ns now)
{
    csched_priv *prv = cpriv(s);
    if (queue && cpc(p)->nr_queued == 0) {
        /* Alone, prev would be queued as the head and taken straight
         * back, unless an OVER prev finds more urgent work elsewhere
         * (load_balance never looks at this runqueue), and then it stays
         * queued.  The same decision without the round trip through the
         * runqueue and its masks (the common case of a pause-loop exit). */
        csched_vcpu *stolen =
            queue->pri > CSCHED_PRI_OVER ? NULL : try_load_balance(s, p, queue->pri, now);
        if (!stolen) {
            if (prv->feat.yield_sticky) /* as if queued and dequeued */
                queue->flags &= ~CSCHED_FLAG_YIELD;
            return queue;
        }
        runq_insert(prv, p, queue);
        return stolen;
    }
    if (queue)
        runq_insert(prv, p, queue);
    csched_vcpu *snext = runq_head(p);
    int pri = snext ? snext->pri : CSCHED_PRI_IDLE;
    if (snext && pri > CSCHED_PRI_OVER) {
        runq_remove(prv, snext);
        return snext;
    }
    /* the best local work has no credit left (or there is none): look for
     * more urgent work elsewhere */
    csched_vcpu *stolen = try_load_balance(s, p, pri, now);
    if (stolen)
        return stolen;
    if (snext)
        runq_remove(prv, snext);
    return snext;
}

/* A pCPU outside the pool runs what is queued there, prev included if
 * runnable (queued as Credit queues it).  prev's priority above BOOST,
 * which only a policy built on Credit gives, falls to UNDER when its turn
 * there ends, runnable or not; a runnable prev that something queued there
 * replaces goes back to the pool in context_saved (RETURN).  No rate
 * limit, no load balancing. */
static csched_vcpu *pick_outside(csched_priv *prv, vl_pcpu *p, csched_vcpu *prev, bool runnable)
{
    if (prev && prev->pri > CSCHED_PRI_BOOST)
        prev->pri = CSCHED_PRI_UNDER;
    if (!runnable)
        prev = NULL;
    if (prev)
        runq_insert(prv, p, prev);
    csched_vcpu *snext = runq_head(p);
    if (snext)
        runq_remove(prv, snext);
    if (prev && snext != prev) {
        runq_remove(prv, prev);
        prev->flags |= CSCHED_FLAG_RETURN;
    }
    return snext;
}

vl_decision csched_op_do_schedule(vl_sched *s, vl_pcpu *p, vl_vcpu *prev, vl_ns now)
{
    csched_priv *prv = cpriv(s);
    csched_vcpu *sc = prev ? cvc(prev) : NULL;
    bool pool = in_pool(prv, vl_pcpu_id(p));

    if (sc) {
        assert(!on_runq(sc));
        if (!prv->feat.debit_sampled)
            burn_credits(s, sc, now);
        sc->last_sched = now;
    }
    bool runnable = sc && vl_vcpu_runstate(prev) == VL_RUNNABLE &&
                    !(sc->flags & (CSCHED_FLAG_PARKED | CSCHED_FLAG_MOVE));

    /* rate limit: a runnable prev keeps the pCPU until it has run
     * `ratelimit`, a yielder too before 4.8 (and its YIELD flag stays) */
    if (runnable && pool && ratelimit_holds(prv, sc, now, sc->flags & CSCHED_FLAG_YIELD)) {
        vl_ns runtime = now - sc->run_start;
        vl_ns slice = prv->ratelimit; /* before 4.8: a whole limit more */
        if (prv->feat.ratelimit_remainder) {
            /* Xen tests the run time, not the remainder, against the
             * minimum timer */
            slice = prv->ratelimit - runtime;
            if (runtime < CSCHED_MIN_TIMER)
                slice = CSCHED_MIN_TIMER;
        }
        vl_counter_add(s, CSCHED_C_RATELIMITED, 1);
        return (vl_decision){.next = prev, .slice = slice};
    }

    csched_vcpu *snext =
        pool ? pick_next(s, p, runnable ? sc : NULL, now) : pick_outside(prv, p, sc, runnable);
    if (sc && !prv->feat.yield_sticky) /* before 4.18 cleared when prev goes */
        sc->flags &= ~CSCHED_FLAG_YIELD;
    vl_vcpu *next = snext ? snext->v : NULL;
    if (!next) {
        vl_bit_set(prv->chose_idle, vl_pcpu_id(p));
        vl_timer_cancel(s, p, CSCHED_TIMER_TICK);
        return (vl_decision){.next = NULL, .slice = VL_SLICE_NONE};
    }
    vl_bit_clear(prv->chose_idle, vl_pcpu_id(p));
    assert(!on_runq(snext) && !(snext->flags & CSCHED_FLAG_PARKED));
    if (next != prev)
        snext->run_start = now;
    snext->acct_start = now;
    tick_start(s, p, now);
    return (vl_decision){.next = next, .slice = pool ? prv->tslice : prv->ext->outside_slice};
}

/* A vCPU the tick decided to move is off its pCPU now: queue it where
 * cpu_pick says (Xen's vcpu_migrate; no boost for a migration).  One
 * replaced on a pCPU outside the pool (RETURN) goes back to its home pCPU
 * in the pool as a wake-up there (UNDER rises to BOOST, as the micro-sliced
 * cores' vcpu_migrate_to_cpu wakes it). */
void csched_op_context_saved(vl_sched *s, vl_vcpu *prev)
{
    csched_priv *prv = cpriv(s);
    csched_vcpu *cv = cvc(prev);
    unsigned flags = cv->flags & (CSCHED_FLAG_MOVE | CSCHED_FLAG_RETURN);
    if (!flags)
        return;
    cv->flags &= ~flags;
    if (vl_vcpu_runstate(prev) != VL_RUNNABLE || (cv->flags & CSCHED_FLAG_PARKED) ||
        on_runq(cv))
        return;
    if (flags & CSCHED_FLAG_RETURN) {
        vl_pcpu *home = prv->ext->home ? prv->ext->home(s, prev) : NULL;
        if (!home || !in_pool(prv, vl_pcpu_id(home)) || !vl_vcpu_affine(prev, home))
            home = cpu_pick(s, prev, vl_vcpu_pcpu(prev), true);
        wake_on(s, cv, home, true);
        return;
    }
    runq_insert(prv, cpu_pick(s, prev, vl_vcpu_pcpu(prev), true), cv);
    runq_tickle(s, cv);
}

void csched_op_timer_fired(vl_sched *s, vl_pcpu *p, int slot, vl_ns now)
{
    csched_priv *prv = cpriv(s);
    (void)slot; /* one slot each: ACCT (instance), TICK (pCPU) */
    if (!p) {
        assert(slot == CSCHED_TIMER_ACCT);
        csched_acct(s);
        vl_timer_arm(s, NULL, CSCHED_TIMER_ACCT, now + prv->tslice);
        return;
    }
    assert(slot == CSCHED_TIMER_TICK);
    vl_vcpu *curr = vl_pcpu_curr(p);
    if (!curr)
        return; /* idle: the tick stays stopped until work arrives */
    vl_timer_arm(s, p, CSCHED_TIMER_TICK, now + prv->tick_period);
    unit_acct(s, p, cvc(curr), now);
    runq_sort(prv, p);
}

/* ------------------------------------------------ extension points */

int csched_raise(vl_sched *s, vl_vcpu *v)
{
    csched_vcpu *cv = cvc(v);
    if (!on_runq(cv) || cv->pri == CSCHED_PRI_BOOST)
        return CSCHED_PRI_IDLE;
    int was = cv->pri;
    vl_pcpu *p = cv->rq;
    runq_remove(cpriv(s), cv);
    cv->pri = CSCHED_PRI_BOOST;
    runq_insert(cpriv(s), p, cv);
    runq_tickle(s, cv);
    return was;
}

void csched_lower(vl_sched *s, vl_vcpu *v, int pri)
{
    csched_vcpu *cv = cvc(v);
    assert(pri == CSCHED_PRI_UNDER || pri == CSCHED_PRI_OVER);
    if (cv->pri != CSCHED_PRI_BOOST)
        return;
    cv->pri = pri;
    if (on_runq(cv)) {
        vl_pcpu *p = cv->rq;
        runq_remove(cpriv(s), cv);
        runq_insert(cpriv(s), p, cv);
    } else if (is_curr(v)) {
        csched_vcpu *head = runq_head(vl_vcpu_pcpu(v));
        if (head && head->pri > pri)
            vl_tickle(vl_vcpu_pcpu(v));
    }
}

int csched_pri(vl_vcpu *v) { return cvc(v)->pri; }

bool csched_in_pool(vl_sched *s, const vl_pcpu *p) { return in_pool(cpriv(s), vl_pcpu_id(p)); }

void csched_pool_leave(vl_sched *s, vl_pcpu *p)
{
    csched_priv *prv = cpriv(s);
    int id = vl_pcpu_id(p);
    assert(prv->ext && prv->ext->outside_slice > 0 && in_pool(prv, id));
    vl_bit_set(prv->outside, id);
    prv->nr_outside++;
    prv->credit -= prv->credits_per_tslice; /* the pool's pCPUs only (a cpupool's) */
    runq_changed(prv, p);
    vl_list *pos, *tmp;
    vl_list_for_each_safe(pos, tmp, &cpc(p)->runq) {
        csched_vcpu *cv = vl_container_of(pos, csched_vcpu, runq_link);
        vl_pcpu *to = cpu_pick(s, cv->v, p, true);
        if (to == p)
            continue; /* affine to no pCPU of the pool */
        runq_remove(prv, cv);
        runq_insert(prv, to, cv);
        runq_tickle(s, cv);
    }
    vl_vcpu *cur = vl_pcpu_curr(p);
    if (cur) {
        cvc(cur)->flags |= CSCHED_FLAG_MOVE;
        vl_tickle(p);
    }
}

void csched_pool_join(vl_sched *s, vl_pcpu *p)
{
    csched_priv *prv = cpriv(s);
    int id = vl_pcpu_id(p);
    assert(!in_pool(prv, id));
    vl_bit_clear(prv->outside, id);
    prv->nr_outside--;
    prv->credit += prv->credits_per_tslice;
    /* a priority above BOOST exists only outside the pool: it falls to
     * UNDER (the queued ones are queued again in order) */
    vl_vcpu *cur = vl_pcpu_curr(p);
    if (cur && cvc(cur)->pri > CSCHED_PRI_BOOST)
        cvc(cur)->pri = CSCHED_PRI_UNDER;
    vl_list *pos, *tmp;
    vl_list_for_each_safe(pos, tmp, &cpc(p)->runq) {
        csched_vcpu *cv = vl_container_of(pos, csched_vcpu, runq_link);
        if (cv->pri <= CSCHED_PRI_BOOST)
            continue;
        runq_remove(prv, cv);
        cv->pri = CSCHED_PRI_UNDER;
        runq_insert(prv, p, cv);
    }
    runq_changed(prv, p);
}

bool csched_queue_at(vl_sched *s, vl_vcpu *v, vl_pcpu *p, int pri)
{
    csched_priv *prv = cpriv(s);
    csched_vcpu *cv = cvc(v);
    if (!on_runq(cv))
        return false;
    runq_remove(prv, cv);
    cv->pri = pri;
    runq_insert(prv, p, cv);
    runq_tickle(s, cv);
    return true;
}

vl_pcpu *csched_queued_on(vl_vcpu *v) { return cvc(v)->rq; }

int csched_nr_queued(vl_pcpu *p) { return cpc(p)->nr_queued; }

static const char *pri_name(int pri)
{
    switch (pri) {
    case CSCHED_PRI_BOOST: return "BOOST";
    case CSCHED_PRI_UNDER: return "UNDER";
    case CSCHED_PRI_OVER: return "OVER";
    case CSCHED_PRI_IDLE: return "IDLE";
    default: return "ABOVE-BOOST"; /* given by a policy built on Credit */
    }
}

static void dump_vcpu(FILE *out, vl_vcpu *v)
{
    csched_vcpu *cv = cvc(v);
    fprintf(out, "%s.v%d pri=%s credit=%lld flags=%x%s", vl_vm_name(vl_vcpu_vm(v)),
            vl_vcpu_index(v), pri_name(cv->pri), (long long)cv->credit, cv->flags,
            vl_list_linked(&cv->active_link) ? " active" : "");
}

void csched_op_dump(vl_sched *s, FILE *out)
{
    csched_priv *prv = cpriv(s);
    fprintf(out, "credit: weight=%lld credit=%lld balance=%lld sort=%u\n",
            (long long)prv->weight, (long long)prv->credit, (long long)prv->credit_balance,
            prv->runq_sort);
    for (int i = 0; i < vl_npcpus(s); i++) {
        vl_pcpu *p = vl_pcpu_get(s, i);
        fprintf(out, "  pCPU %d%s run: ", i, is_idler(s, p) ? " (idler)" : "");
        if (vl_pcpu_curr(p))
            dump_vcpu(out, vl_pcpu_curr(p));
        else
            fprintf(out, "idle");
        fprintf(out, "\n");
        vl_list *pos;
        vl_list_for_each(pos, &cpc(p)->runq) {
            fprintf(out, "    q: ");
            dump_vcpu(out, vl_container_of(pos, csched_vcpu, runq_link)->v);
            fprintf(out, "\n");
        }
    }
}

static int csched_init(vl_sched *s) { return csched_init_ext(s, NULL); }

static const vl_sched_ops csched_ops = {
    .name = "credit",
    .description =
        "Xen's Credit scheduler (credit1): proportional share by weight with caps, credits "
        "debited at 10/ms and shared out every 30 ms slice, priorities BOOST > UNDER > OVER, "
        "wake-up boost, 1 ms rate limit, per-pCPU runqueues with stealing of strictly "
        "higher-priority work; the rules of Xen 3.2, 4.7, 4.13 or HEAD (param xen).",
    .params = csched_params,
    .counters = csched_counters,
    .flags = CSCHED_FAMILY_FLAGS,
    CSCHED_FAMILY_OPS(csched_priv, csched_pcpu, csched_vm, csched_vcpu),
    .init = csched_init,
    .check = csched_op_check,
    .vcpu_wake = csched_op_vcpu_wake,
    .yield_folds = csched_op_yield_folds,
    .yields_folded = csched_op_yields_folded,
};
VL_REGISTER_POLICY(csched_ops);
