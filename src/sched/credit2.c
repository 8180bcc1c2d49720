/* sched/credit2.c - Xen's Credit2 scheduler, the default of Xen since
 * 4.12, as in xen/common/sched/credit2.c (RELEASE-4.22.0).  Facts and
 * sources: docs/sources/policy-facts.md section 2; what is modelled and
 * left out: docs/policies/credit2.md.  The runqueues, balancing and caps
 * are in credit2_runq.c, credit2_balance.c and credit2_budget.c
 * (credit2_priv.h lists them).
 *
 * Design
 *   Every vCPU holds credit, in ns.  Running burns it at max_weight /
 *   weight ns per ns (max_weight: the largest weight on its runqueue), so
 *   the heaviest vCPUs burn one for one and lighter ones faster.  pCPUs
 *   share runqueues (one per socket by default, at most max_cpus_runq
 *   pCPUs each); a runqueue's queue is ordered by credit.  do_schedule
 *   runs the vCPU with the most credit among prev and the queue (a vCPU
 *   last run on another pCPU must beat prev by migrate_resist), keeps
 *   prev for the rate limit, and lets a yielder lose to anyone.  When the
 *   best vCPU has no credit left (<= credit_reset) every vCPU of the
 *   runqueue gets credit_init more, capped at credit_init +
 *   carryover_max (an epoch ends), and the pCPU balances load between
 *   runqueues.  The slice lasts until the vCPU's credit would fall to the
 *   next waiter's (or to 0), in [min_timer or the rate limit, max_timer],
 *   and no longer than a capped vCPU's budget.  A waking vCPU tickles an
 *   idle pCPU of its runqueue (a whole idle core first), else the busy
 *   pCPU whose vCPU it beats by most credit (migrate_resist held against
 *   pCPUs other than its own).  No tick.
 *
 * Invariants (asserted in every build but the release one)
 *   - a queued vCPU is runnable, not parked, not SCHEDULED, on the queue
 *     of its own runqueue;
 *   - a SCHEDULED vCPU is the one its pCPU runs or is about to run;
 *   - tickled has p iff p was tickled and has not rescheduled since.
 *
 * TODO
 *   - soft affinity, cpupools, the SMT power-saving choice
 *     (sched_smt_power_savings) and NUMA nodes (a node is a socket here);
 *   - Xen's trylocks never fail here, so the fallback pCPU choices of
 *     csched2_res_pick (get_fallback_cpu) do not arise.
 */
#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "credit2_priv.h"

#define C2_RATELIMIT_MIN VL_US(100)  /* Xen XEN_SYSCTL_SCHED_RATELIMIT_MIN */
#define C2_RATELIMIT_MAX VL_MS(500)  /* Xen XEN_SYSCTL_SCHED_RATELIMIT_MAX */
#define C2_MAX_SHIFT 62              /* 1 << (precision + tolerance) must fit */

static const char *const c2_counter_names[] = {
    "resets", "tickles_idle", "tickles_busy", "tickles_none", "ratelimited", "migrate_resisted",
    "pcpu_changes", "balances", "migrations", "yields", "parks", "unparks", "replenishments",
    NULL,
};

static const char *const c2_runqueue_names[] = {"cpu", "core", "socket", "node", "all", NULL};

static const vl_param c2_params[] = {
    {"ratelimit", VL_PARAM_TIME, offsetof(c2_priv, ratelimit), VL_US(1000), 0, C2_RATELIMIT_MAX,
     "ns", "minimum run before preemption; 0 disables, else >= 100us (Xen sched_ratelimit_us, "
     "SCHED_DEFAULT_RATELIMIT_US)", NULL},
    {"runqueue", VL_PARAM_ENUM, offsetof(c2_priv, runqueue), C2_RQ_SOCKET, 0, 0, "",
     "pCPUs sharing a runqueue: cpu, core, socket, node (= socket here) or all (Xen "
     "credit2_runqueue, opt_runqueue)", c2_runqueue_names},
    {"max_cpus_runq", VL_PARAM_INT, offsetof(c2_priv, max_cpus_runq), 16, 1, VL_MAX_PCPUS,
     "pCPUs", "most pCPUs in one runqueue, evened out over the host (Xen "
     "sched_credit2_max_cpus_runqueue, MAX_CPUS_RUNQ)", NULL},
    {"credit_init", VL_PARAM_TIME, offsetof(c2_priv, credit_init), VL_MS(10), VL_MS(1),
     VL_S(1), "ns", "credit added at a reset; its negative is the floor (Xen "
     "CSCHED2_CREDIT_INIT, CSCHED2_CREDIT_MIN)", NULL},
    {"credit_reset", VL_PARAM_TIME, offsetof(c2_priv, credit_reset), 0, -VL_S(1), VL_S(1), "ns",
     "a reset happens when the best vCPU's credit is at most this (Xen CSCHED2_CREDIT_RESET)",
     NULL},
    {"carryover_max", VL_PARAM_TIME, offsetof(c2_priv, carryover_max), VL_US(500), 0, VL_S(1),
     "ns", "credit above credit_init kept across a reset (Xen CSCHED2_CARRYOVER_MAX)", NULL},
    {"min_timer", VL_PARAM_TIME, offsetof(c2_priv, min_timer), VL_US(500), VL_US(1), VL_S(1),
     "ns", "shortest slice; least budget quota of a capped vCPU (Xen CSCHED2_MIN_TIMER)", NULL},
    {"max_timer", VL_PARAM_TIME, offsetof(c2_priv, max_timer), VL_MS(10), VL_US(1), VL_S(10),
     "ns", "longest slice (Xen CSCHED2_MAX_TIMER = CSCHED2_CREDIT_INIT)", NULL},
    {"migrate_resist", VL_PARAM_TIME, offsetof(c2_priv, migrate_resist), VL_US(500), 0, VL_S(1),
     "ns", "credit a vCPU of another pCPU needs beyond the local choice to be taken, or to "
     "preempt from afar (Xen sched_credit2_migrate_resist, CSCHED2_MIGRATE_RESIST)", NULL},
    {"migrate_compensation", VL_PARAM_TIME, offsetof(c2_priv, migrate_compensation), VL_US(50),
     0, VL_S(1), "ns", "credit given to a vCPU that changes pCPU (Xen "
     "CSCHED2_MIGRATE_COMPENSATION)", NULL},
    {"tickle_tolerance", VL_PARAM_TIME, offsetof(c2_priv, tickle_tolerance), VL_US(50), 0,
     VL_S(1), "ns", "a running vCPU within this of its rate limit may be preempted by a tickle "
     "(Xen CSCHED2_RATELIMIT_TICKLE_TOLERANCE)", NULL},
    {"balance_under", VL_PARAM_INT, offsetof(c2_priv, balance_under), 0, -C2_MAX_SHIFT,
     C2_MAX_SHIFT, "shift", "below full load, balance only loads more than 2^(this) vCPUs apart "
     "(Xen credit2_balance_under, opt_underload_balance_tolerance)", NULL},
    {"balance_over", VL_PARAM_INT, offsetof(c2_priv, balance_over), -3, -C2_MAX_SHIFT,
     C2_MAX_SHIFT, "shift", "at full load, balance only loads more than 2^(this) vCPUs apart "
     "(Xen credit2_balance_over, opt_overload_balance_tolerance)", NULL},
    {"load_window_shift", VL_PARAM_INT, offsetof(c2_priv, load_window_shift), 30, 11, 36, "shift",
     "load averages decay over 2^(this) ns (Xen credit2_load_window_shift, "
     "LOADAVG_WINDOW_SHIFT)", NULL},
    {"load_precision_shift", VL_PARAM_INT, offsetof(c2_priv, load_precision_shift), 18, 4, 24,
     "bits", "fraction bits of the load averages (Xen credit2_load_precision_shift, "
     "LOADAVG_PRECISION_SHIFT)", NULL},
    {"cap_period", VL_PARAM_TIME, offsetof(c2_priv, cap_period), VL_MS(10), VL_MS(1), VL_S(1),
     "ns", "a capped VM's budget is refilled to cap% of this every this (Xen "
     "credit2_cap_period_ms, CSCHED2_BDGT_REPL_PERIOD)", NULL},
    VL_PARAM_END,
};

/* ------------------------------------------------------------- credits */

/* Xen's burn_credits (with t2c_update): charge sv the time since
 * start_time, at max_weight / weight, the remainder of the division
 * carried; never below the floor.  A capped vCPU spends budget too. */
void c2_burn_credits(vl_sched *s, c2_vcpu *sv, vl_ns now)
{
    c2_priv *prv = c2p(s);
    vl_ns delta = now - sv->start_time;
    if (delta <= 0)
        return;
    int64_t val = delta * c2rq(s, sv->rq)->max_weight + sv->residual;
    sv->residual = val % sv->weight;
    sv->credit -= val / sv->weight;
    if (sv->credit < prv->credit_min)
        sv->credit = prv->credit_min;
    if (c2_capped(sv))
        sv->budget -= delta;
    sv->start_time = now;
}

/* Xen's reset_credit: a new epoch on cpu's runqueue.  Every vCPU of it
 * (running ones charged first) gets credit_init more, twice that if
 * snext is at the floor, capped at credit_init + carryover_max; a
 * running capped vCPU out of budget has its pCPU tickled. */
static void reset_credit(vl_sched *s, int cpu, vl_ns now, c2_vcpu *snext)
{
    c2_priv *prv = c2p(s);
    vl_ns reset = prv->credit_init, top = prv->credit_init + prv->carryover_max;
    if (snext->credit == prv->credit_min)
        reset += prv->credit_init;
    vl_list *pos;
    vl_list_for_each(pos, &c2rq(s, c2pc(s, cpu)->rq)->assigned) {
        c2_vcpu *sv = vl_container_of(pos, c2_vcpu, assigned_link);
        if (vl_pcpu_curr(vl_pcpu_get(s, sv->cpu)) == sv->v) {
            c2_burn_credits(s, sv, now);
            if (c2_capped(sv) && sv->budget <= 0)
                c2_tickle_cpu(s, sv->cpu);
        }
        sv->credit += reset;
        if (sv->credit > top)
            sv->credit = top;
        sv->start_time = now;
    }
    assert(snext->credit > 0);
    vl_counter_add(s, C2_C_RESETS, 1);
}

/* Xen's csched2_runtime: how long snext runs on cpu.  Until its credit
 * would fall to the best waiter's (prev, about to be queued again,
 * counts with `inflight`), or to 0 if none waits with credit left; no
 * longer than a capped vCPU's budget; within [min_timer or what is left
 * of the rate limit, max_timer]. */
static vl_ns runtime(vl_sched *s, int cpu, c2_vcpu *snext, vl_ns now, vl_ns inflight)
{
    c2_priv *prv = c2p(s);
    c2_runq *rq = c2rq(s, c2pc(s, cpu)->rq);
    vl_ns min_time = prv->min_timer;
    if (prv->ratelimit) {
        vl_ns rl = prv->ratelimit;
        if (vl_pcpu_curr(vl_pcpu_get(s, cpu)) == snext->v) /* it goes on running */
            rl = snext->run_start + prv->ratelimit - now;
        if (rl > min_time)
            min_time = rl;
    }
    vl_ns swait = 0;
    c2_vcpu *head = c2_runq_head(rq);
    if (head && head->credit > 0)
        swait = head->credit;
    if (swait < inflight)
        swait = inflight;
    vl_ns rt_credit = swait > 0 ? snext->credit - swait : snext->credit;
    vl_ns time = rt_credit > 0 ? rt_credit * snext->weight / rq->max_weight : 0;
    if (c2_capped(snext) && snext->budget < time)
        time = snext->budget;
    if (time < min_time)
        time = min_time;
    else if (time > prv->max_timer)
        time = prv->max_timer;
    return time;
}

/* -------------------------------------------------------------- tickle */

void c2_tickle_cpu(vl_sched *s, int cpu)
{
    vl_bit_set(c2p(s)->tickled, cpu);
    vl_tickle(vl_pcpu_get(s, cpu));
}

/* All SMT siblings of cpu idle, none tickled (Xen's rqd->smt_idle). */
static bool core_idle(vl_sched *s, int cpu)
{
    c2_pcpu *pc = c2pc(s, cpu);
    return vl_bit_count(vl_idle_pcpus(s), pc->core_lo, pc->core_hi) == pc->core_hi - pc->core_lo;
}

/* The first idle, untickled pCPU of rq in sv's affinity, from `from` on,
 * wrapping (Xen's cpumask_test_or_cycle); only whole idle cores if
 * `whole_core`.  -1 if none. */
static int idle_pick(vl_sched *s, const c2_runq *rq, c2_vcpu *sv, int from, bool whole_core)
{
    const uint64_t *idle = vl_idle_pcpus(s), *aff = vl_vcpu_affinity_mask(sv->v);
    const int seg[2][2] = {{from, rq->hi}, {rq->lo, from}};
    for (int k = 0; k < 2; k++)
        for (int i = vl_bit_next_and(idle, aff, seg[k][0], seg[k][1]); i >= 0;
             i = vl_bit_next_and(idle, aff, i + 1, seg[k][1]))
            if (!whole_core || core_idle(s, i))
                return i;
    return -1;
}

/* Xen's tickle_score: how much better `new` would do on busy pCPU cpu
 * than its current vCPU; negative if it may not preempt (the rate limit
 * still holds the current one, or not enough credit). */
static vl_ns tickle_score(vl_sched *s, c2_vcpu *new, int cpu, vl_ns now)
{
    c2_priv *prv = c2p(s);
    vl_vcpu *cur = vl_pcpu_curr(vl_pcpu_get(s, cpu));
    if (!cur)
        return -1;
    c2_vcpu *sc = c2v(cur);
    if (prv->ratelimit > prv->tickle_tolerance &&
        now - sc->run_start <= prv->ratelimit - prv->tickle_tolerance)
        return -1;
    c2_burn_credits(s, sc, now);
    vl_ns score = new->credit - sc->credit;
    if (new->cpu != cpu)
        score -= prv->migrate_resist;
    return score;
}

/* The busy pCPU of rq where sv would preempt with the best positive
 * score: its own pCPU at once if positive (Xen takes it when it is in
 * sv's soft affinity, which is every pCPU here), else the best other one.
 * Tickled pCPUs are left alone.  -1 if none. */
static int busy_pick(vl_sched *s, const c2_runq *rq, c2_vcpu *sv, vl_ns now)
{
    const uint64_t *aff = vl_vcpu_affinity_mask(sv->v), *tickled = c2p(s)->tickled;
    if (vl_bit_test(aff, sv->cpu) && !vl_bit_test(tickled, sv->cpu) &&
        tickle_score(s, sv, sv->cpu, now) > 0)
        return sv->cpu;
    int best = -1;
    vl_ns max = 0;
    for (int i = rq->lo; i < rq->hi; i++) {
        if (i == sv->cpu || !vl_bit_test(aff, i) || vl_bit_test(tickled, i))
            continue;
        vl_ns score = tickle_score(s, sv, i, now);
        if (score > max) {
            max = score;
            best = i;
        }
    }
    return best;
}

/* Xen's runq_tickle for sv, just queued: an idle pCPU of its runqueue in
 * its affinity (a whole idle core first, its own pCPU first), else the
 * busy pCPU where it would preempt best, else nobody. */
void c2_runq_tickle(vl_sched *s, c2_vcpu *sv, vl_ns now)
{
    c2_runq *rq = c2rq(s, sv->rq);
    int ipid = idle_pick(s, rq, sv, sv->cpu, true);
    if (ipid < 0)
        ipid = idle_pick(s, rq, sv, sv->cpu, false);
    if (ipid >= 0) {
        vl_counter_add(s, C2_C_TICKLE_IDLE, 1);
    } else if ((ipid = busy_pick(s, rq, sv, now)) >= 0) {
        vl_counter_add(s, C2_C_TICKLE_BUSY, 1);
    } else {
        vl_counter_add(s, C2_C_TICKLE_NONE, 1);
        return;
    }
    c2_tickle_cpu(s, ipid);
    sv->tickled_cpu = ipid;
}

/* ----------------------------------------------------- choosing the next */

/* Xen's runq_candidate: prev if the rate limit holds it; else the queued
 * vCPU with more credit than prev (or than idle), that may run here, that
 * is not waiting for another tickled pCPU, that beats prev by
 * migrate_resist if it last ran elsewhere, and that gets budget if
 * capped; a yielding prev loses to any such vCPU.  NULL: idle. */
static c2_vcpu *runq_candidate(vl_sched *s, c2_runq *rq, c2_vcpu *prev, int cpu, vl_ns now)
{
    c2_priv *prv = c2p(s);
    bool yield = false;
    if (prev) {
        yield = prev->flags & C2_FLAG_YIELD;
        prev->flags &= ~C2_FLAG_YIELD;
        if (!yield && prv->ratelimit && c2_runnable(prev) &&
            now - prev->run_start < prv->ratelimit) {
            vl_counter_add(s, C2_C_RATELIMITED, 1);
            return prev;
        }
    }
    c2_vcpu *snext = prev && c2_runnable(prev) ? prev : NULL;
    vl_ns credit = snext ? snext->credit : prv->credit_min - 1; /* CSCHED2_IDLE_CREDIT */
    vl_list *pos, *tmp;
    vl_list_for_each_safe(pos, tmp, &rq->queue) {
        c2_vcpu *sv = vl_container_of(pos, c2_vcpu, queue_link);
        if (!yield && sv->credit <= credit)
            break;
        if (!vl_vcpu_affine(sv->v, vl_pcpu_get(s, cpu)))
            continue;
        if (sv->tickled_cpu >= 0 && sv->tickled_cpu != cpu &&
            vl_bit_test(prv->tickled, sv->tickled_cpu))
            continue;
        if (sv->cpu != cpu && credit + prv->migrate_resist > sv->credit) {
            vl_counter_add(s, C2_C_RESISTED, 1);
            continue;
        }
        if (c2_capped(sv) && !c2_grab_budget(s, sv))
            continue;
        return sv;
    }
    return snext;
}

/* --------------------------------------------------------------- hooks */

static int c2_check(const void *params, vl_param_scope scope, vl_param_fault *fault)
{
    const c2_priv *prv = params;
    if (scope != VL_PARAMS_HOST)
        return 0;
    const char *bad = NULL;
    if (prv->ratelimit && prv->ratelimit < C2_RATELIMIT_MIN) {
        bad = "ratelimit";
        snprintf(fault->msg, sizeof fault->msg, "must be 0 (off) or at least 100us");
    } else if (prv->min_timer > prv->max_timer) {
        bad = "min_timer";
        snprintf(fault->msg, sizeof fault->msg, "must not exceed max_timer");
    } else if (prv->cap_period < prv->min_timer) {
        bad = "cap_period"; /* Xen's csched2_global_init resets it */
        snprintf(fault->msg, sizeof fault->msg, "must be at least min_timer");
    } else if (prv->credit_reset <= -prv->credit_init || prv->credit_reset >= prv->credit_init) {
        bad = "credit_reset"; /* else no reset, or a reset at every decision */
        snprintf(fault->msg, sizeof fault->msg, "must lie strictly between -credit_init and "
                                                "credit_init");
    } else {
        const int64_t tol[2] = {prv->balance_under, prv->balance_over};
        for (int i = 0; i < 2 && !bad; i++) {
            int64_t shift = prv->load_precision_shift + tol[i];
            if (shift < 0 || shift > C2_MAX_SHIFT) {
                bad = i ? "balance_over" : "balance_under";
                snprintf(fault->msg, sizeof fault->msg,
                         "load_precision_shift + this must lie in 0..%d", C2_MAX_SHIFT);
            }
        }
    }
    if (!bad)
        return 0;
    fault->param = bad;
    return -1;
}

static int c2_init(vl_sched *s)
{
    c2_priv *prv = c2p(s);
    prv->credit_min = -prv->credit_init;
    prv->window = (int)prv->load_window_shift - 10; /* LOADAVG_GRANULARITY_SHIFT */
    memset(prv->tickled, 0, sizeof prv->tickled);
    if (c2_runq_arrange(s) < 0)
        return -1;
    vl_ns now = vl_now(s);
    for (int d = 0; d < vl_nvms(s); d++) {
        vl_vm *vm = vl_vm_get(s, d);
        c2_vm *dv = c2d(vm);
        dv->weight = vl_vm_weight(vm) > 0 ? vl_vm_weight(vm) : C2_DEFAULT_WEIGHT;
        dv->cap = vl_vm_cap(vm);
        for (int i = 0; i < vl_vm_nvcpus(vm); i++) {
            c2_vcpu *sv = c2v(vl_vm_vcpu(vm, i));
            *sv = (c2_vcpu){.v = vl_vm_vcpu(vm, i), .cpu = -1, .rq = -1, .tickled_cpu = -1,
                            .weight = dv->weight, .credit = prv->credit_init,
                            .start_time = now, /* Xen: half a vCPU of load to start */
                            .avgload = 1LL << (prv->load_precision_shift - 1),
                            .load_last_update = now >> 10};
            vl_list_init(&sv->queue_link);
            vl_list_init(&sv->assigned_link);
            vl_list_init(&sv->parked_link);
        }
    }
    c2_budget_init(s);
    return 0;
}

/* Xen's csched2_unit_insert: the runqueue with the least expected load
 * among those with a pCPU in v's affinity (the first on ties), and its
 * next pCPU after the runqueue's pick_bias (csched2_res_pick). */
static void c2_vcpu_insert(vl_sched *s, vl_vcpu *v)
{
    c2_vcpu *sv = c2v(v);
    int best = -1;
    for (int r = 0; r < c2p(s)->nrqs; r++) {
        c2_runq *rq = c2rq(s, r);
        if (vl_bit_next(vl_vcpu_affinity_mask(v), rq->lo, rq->hi) >= 0 &&
            (best < 0 || rq->b_avgload < c2rq(s, best)->b_avgload))
            best = r;
    }
    assert(best >= 0);
    sv->cpu = c2_runq_place(s, sv, best);
    c2_runq_assign(s, sv, best);
}

/* Xen calls csched2_res_pick only to place a vCPU and to finish a move:
 * a waking vCPU stays on its pCPU and runqueue, and runq_tickle finds it
 * a pCPU there. */
static vl_pcpu *c2_pick_cpu(vl_sched *s, vl_vcpu *v, vl_pick_reason why)
{
    (void)why;
    return vl_pcpu_get(s, c2v(v)->cpu);
}

/* Xen's csched2_unit_wake.  A parked vCPU stays off the queues until it
 * is unparked. */
static void c2_vcpu_wake(vl_sched *s, vl_vcpu *v, vl_wake_reason why, int vector)
{
    (void)why;
    (void)vector;
    c2_vcpu *sv = c2v(v);
    assert(!c2_queued(sv) && !c2_scheduled(sv));
    if (sv->flags & C2_FLAG_PARKED)
        return;
    vl_ns now = vl_now(s);
    c2_update_load(s, c2rq(s, sv->rq), sv, 1, now);
    c2_runq_insert(s, sv);
    c2_runq_tickle(s, sv, now);
}

/* Xen's csched2_unit_sleep for a running vCPU. */
static void c2_vcpu_block(vl_sched *s, vl_vcpu *v, vl_block_reason why)
{
    (void)why;
    c2_tickle_cpu(s, c2v(v)->cpu);
}

static void c2_vcpu_yield(vl_sched *s, vl_vcpu *v, const vl_exit_info *info)
{
    (void)info;
    c2v(v)->flags |= C2_FLAG_YIELD;
    vl_counter_add(s, C2_C_YIELDS, 1);
}

/* Xen's csched2_schedule. */
static vl_decision c2_do_schedule(vl_sched *s, vl_pcpu *p, vl_vcpu *prev, vl_ns now)
{
    c2_priv *prv = c2p(s);
    int cpu = vl_pcpu_id(p);
    c2_runq *rq = c2rq(s, c2pc(s, cpu)->rq);
    c2_vcpu *sc = prev ? c2v(prev) : NULL;
    vl_bit_clear(prv->tickled, cpu);

    if (sc) {
        assert(sc->rq == rq->id && !c2_queued(sc));
        c2_burn_credits(s, sc, now);
        if (c2_capped(sc) && sc->budget <= 0)
            c2_grab_budget(s, sc); /* may park it */
    }
    c2_vcpu *snext = runq_candidate(s, rq, sc, cpu, now);
    if (sc && snext != sc && c2_runnable(sc))
        sc->flags |= C2_FLAG_REQUEUE; /* context_saved queues it */

    if (!snext) {
        c2_update_load(s, rq, NULL, 0, now);
        return (vl_decision){.next = NULL, .slice = VL_SLICE_NONE};
    }
    if (snext != sc) {
        c2_runq_remove(s, snext);
        snext->flags |= C2_FLAG_SCHEDULED;
        snext->run_start = now;
    } else {
        c2_update_load(s, rq, snext, 0, now);
    }
    /* an epoch ends when the best of the runqueue has no credit left */
    c2_vcpu *head = c2_runq_head(rq);
    vl_ns top = head && head->credit > snext->credit ? head->credit : snext->credit;
    if (top <= prv->credit_reset) {
        reset_credit(s, cpu, now, snext);
        c2_balance_load(s, cpu, now);
    }
    vl_ns inflight = sc && (sc->flags & C2_FLAG_REQUEUE) ? sc->credit : 0;
    snext->start_time = now;
    snext->tickled_cpu = -1;
    if (snext->cpu != cpu) {
        snext->credit += prv->migrate_compensation;
        snext->cpu = cpu;
        vl_counter_add(s, C2_C_PCPU_CHANGES, 1);
    }
    return (vl_decision){.next = snext->v, .slice = runtime(s, cpu, snext, now, inflight)};
}

/* Xen's csched2_context_saved: prev gives back unused budget, is queued
 * again if it stayed runnable (else its load leaves the runqueue), and a
 * move balancing asked for ends here. */
static void c2_context_saved(vl_sched *s, vl_vcpu *prev)
{
    c2_vcpu *sv = c2v(prev);
    vl_ns now = vl_now(s);
    bool unpark = false, requeue = sv->flags & C2_FLAG_REQUEUE;
    sv->flags &= ~(C2_FLAG_SCHEDULED | C2_FLAG_REQUEUE);
    if (c2_capped(sv) && sv->budget > 0)
        unpark = c2_return_budget(s, sv);
    if (requeue && c2_runnable(sv)) {
        c2_runq_insert(s, sv);
        c2_runq_tickle(s, sv, now);
    } else {
        c2_update_load(s, c2rq(s, sv->rq), sv, -1, now);
    }
    if (sv->flags & C2_FLAG_MIGRATE)
        c2_migrate_finish(s, sv, now);
    if (unpark)
        c2_unpark_vm(s, c2d(vl_vcpu_vm(prev)));
}

static void c2_timer_fired(vl_sched *s, vl_pcpu *p, int slot, vl_ns now)
{
    (void)p;
    (void)slot; /* one timer: the instance's replenishment */
    assert(!p && slot == C2_TIMER_REPL);
    c2_replenish(s, now);
}

static void dump_vcpu(FILE *out, vl_vcpu *v)
{
    c2_vcpu *sv = c2v(v);
    fprintf(out, "%s.v%d cpu=%d credit=%lld w=%d flags=%x load=%lld", vl_vm_name(vl_vcpu_vm(v)),
            vl_vcpu_index(v), sv->cpu, (long long)sv->credit, sv->weight, sv->flags,
            (long long)sv->avgload);
    if (c2_capped(sv))
        fprintf(out, " budget=%lld", (long long)sv->budget);
}

static void c2_dump(vl_sched *s, FILE *out)
{
    c2_priv *prv = c2p(s);
    for (int r = 0; r < prv->nrqs; r++) {
        c2_runq *rq = c2rq(s, r);
        fprintf(out, "credit2: runqueue %d pCPUs %d-%d load=%d avgload=%lld b_avgload=%lld "
                     "max_weight=%d\n",
                r, rq->lo, rq->hi - 1, rq->load, (long long)rq->avgload,
                (long long)rq->b_avgload, rq->max_weight);
        for (int i = rq->lo; i < rq->hi; i++) {
            vl_vcpu *cur = vl_pcpu_curr(vl_pcpu_get(s, i));
            fprintf(out, "  pCPU %d%s run: ", i, vl_bit_test(prv->tickled, i) ? " (tickled)" : "");
            if (cur)
                dump_vcpu(out, cur);
            else
                fprintf(out, "idle");
            fprintf(out, "\n");
        }
        vl_list *pos;
        vl_list_for_each(pos, &rq->queue) {
            fprintf(out, "    q: ");
            dump_vcpu(out, vl_container_of(pos, c2_vcpu, queue_link)->v);
            fprintf(out, "\n");
        }
    }
}

static const vl_sched_ops c2_ops = {
    .name = "credit2",
    .hypervisor = VL_HV_XEN,
    .description =
        "Xen's Credit2 scheduler (the Xen default since 4.12): credit in ns burnt at "
        "max_weight/weight, runqueues per socket ordered by credit, a reset when the best "
        "vCPU has none left, slices from the credit gap to the next waiter (0.5-10 ms), "
        "wake-up tickling of idle then lowest-credit pCPUs, load balancing between "
        "runqueues, 1 ms rate limit, caps by a budget refilled every 10 ms.",
    .flags = VL_POLICY_WEIGHTS | VL_POLICY_CAPS,
    .params = c2_params,
    .counters = c2_counter_names,
    .priv_size = sizeof(c2_priv),
    .pcpu_size = sizeof(c2_pcpu),
    .vm_size = sizeof(c2_vm),
    .vcpu_size = sizeof(c2_vcpu),
    .check = c2_check,
    .init = c2_init,
    .vcpu_insert = c2_vcpu_insert,
    .pick_cpu = c2_pick_cpu,
    .do_schedule = c2_do_schedule,
    .vcpu_wake = c2_vcpu_wake,
    .vcpu_block = c2_vcpu_block,
    .vcpu_yield = c2_vcpu_yield,
    .context_saved = c2_context_saved,
    .timer_fired = c2_timer_fired,
    .dump = c2_dump,
};
VL_REGISTER_POLICY(c2_ops);
