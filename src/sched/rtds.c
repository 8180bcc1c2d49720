/* sched/rtds.c - Xen's RTDS scheduler (global EDF over deferrable
 * servers), as in xen/common/sched/rt.c (Xen 4.7 and later, the event-
 * driven version).  Facts and sources: docs/policies/rtds.md.
 *
 * Design
 *   Every vCPU is a deferrable server with a budget and a period (per-vCPU
 *   parameters, Xen's `xl sched-rtds -v`).  Its deadline is the end of
 *   its current period; at each deadline its budget is refilled and the
 *   deadline moves forward by whole periods (rt_update_deadline).  While
 *   it runs it burns budget; while it is blocked its budget is kept.
 *   One global runqueue holds the runnable vCPUs with budget, ordered by
 *   priority level, then deadline (earliest first), FIFO among equals;
 *   the depleted queue holds the runnable vCPUs without budget (parked
 *   for the core: held back on purpose until their replenishment).  A
 *   vCPU with `extratime` never depletes: when its budget runs out it
 *   drops one priority level and gets a fresh budget, so it runs only
 *   when no vCPU of a better level wants the pCPU (Xen's priority_level).
 *   One instance timer follows the replenishment queue (the runnable
 *   vCPUs, ordered as the runqueue) and refills those at its head whose
 *   deadline came (repl_timer_handler).
 *   do_schedule burns prev's budget, takes the first vCPU of the runqueue
 *   that may run on the pCPU, keeps prev instead if it still has budget
 *   and a strictly better priority, and gives the chosen vCPU its
 *   remaining budget as the slice (rt_schedule).  A vCPU put back on the
 *   runqueue (woken, preempted, replenished) tickles the pCPU to run it
 *   on: an idle one in its affinity (its own first), else the one running
 *   the vCPU of lowest priority if that is below its own (runq_tickle).
 *
 * Invariants
 *   - a vCPU is on at most one of the runqueue and the depleted queue;
 *     on one of them iff it is RUNNABLE and not current on a pCPU;
 *   - on the depleted queue iff parked; there cur_budget is 0 and the
 *     vCPU has no extratime;
 *   - on the replenishment queue iff RUNNABLE or RUNNING (blocked vCPUs
 *     leave it when they are off their pCPU, as in rt_context_saved);
 *   - the replenishment timer is armed at the head's deadline iff the
 *     replenishment queue is not empty.
 *
 * TODO
 *   - changing parameters during a run (rt_dom_cntl's putvcpuinfo, with
 *     its extratime refill) and cpupools are not modelled;
 *   - the tasklet path of rt_schedule (idle forced for hypervisor work).
 */
#include <stdio.h>

#include "vcpulab/sched.h"
#include "vl_bitmap.h"
#include "vl_list.h"

#define RTDS_DEFAULT_PERIOD VL_MS(10) /* Xen RTDS_DEFAULT_PERIOD */
#define RTDS_DEFAULT_BUDGET VL_MS(4)  /* Xen RTDS_DEFAULT_BUDGET */
#define RTDS_MIN_PERIOD VL_US(10)     /* Xen RTDS_MIN_PERIOD: scheduling overhead */
#define RTDS_MIN_BUDGET VL_US(10)     /* Xen RTDS_MIN_BUDGET: scheduling overhead */
#define RTDS_MAX_PERIOD VL_S(86400)   /* Xen: STIME_DELTA_MAX; here the longest run */
#define RTDS_MAX_LEVEL 0xffffffffu    /* Xen RTDS_MAX_PRIORITY_LEVEL: saturates */
#define RTDS_REPL_SLOT 0              /* instance timer of the replenishments */
#define RTDS_RUNQ_LEVELS 64           /* runqueue lists: levels 0..62, then the rest */

enum { C_REPLENISH, C_MISS, C_TICKLE, C_NR };
static const char *const rtds_counters[] = {"replenishments", "deadline_misses", "tickles",
                                            NULL};

/* The runqueue: runnable vCPUs with budget in the order of
 * compare_priority, FIFO among equals, as one list per priority level
 * (levels >= RTDS_RUNQ_LEVELS - 1 share the last, ordered by level too),
 * so that queueing at the end of a level does not walk the levels after
 * it.  A queued vCPU's level and deadline change only by leaving and
 * re-entering the queue. */
typedef struct rtds_runq {
    vl_list level[RTDS_RUNQ_LEVELS];
    uint64_t nonempty; /* bit i: level[i] holds a vCPU */
} rtds_runq;

typedef struct rtds_priv {
    rtds_runq runq;   /* runnable with budget                           */
    vl_list depleted; /* runnable, no budget, no extratime (parked)     */
    vl_list replq;    /* runnable or running: by level, deadline        */
    uint64_t tickled[VL_BITMAP_WORDS(VL_MAX_PCPUS)]; /* until they reschedule */
    struct rtds_vcpu *running[VL_MAX_PCPUS]; /* each pCPU's last choice (NULL:
                                              * idle), for runq_tickle's scan */
    /* A tournament over running[]: worst[1] is the pCPU running the vCPU of
     * lowest priority (leaves at VL_MAX_PCPUS + id), so that a tickle that
     * would preempt nobody costs no scan of the pCPUs.  Updated whenever a
     * running vCPU or its priority changes. */
    int worst[2 * VL_MAX_PCPUS];
} rtds_priv;

typedef struct rtds_pcpu {
    int unused;
} rtds_pcpu;

typedef struct rtds_vm {
    int unused;
} rtds_vm;

typedef struct rtds_vcpu {
    /* parameters (per vCPU) */
    vl_ns budget, period;
    bool extratime;
    /* state */
    vl_vcpu *v;
    vl_list q_link;      /* on runq or depleted                   */
    vl_list replq_link;  /* on replq                              */
    vl_ns cur_budget;    /* left in this period (or this level)   */
    vl_ns cur_deadline;  /* end of the current period             */
    vl_ns last_start;    /* burned up to here                     */
    unsigned level;      /* 0, +1 per extratime refill            */
    bool depleted;       /* ran out without extratime             */
    bool on_runq;        /* q_link is on the runqueue (else on the
                          * depleted queue, or on none)            */
    int runq_list;       /* on the runqueue: the list it is on     */
    vl_ns queued_at;     /* when it last entered the runqueue      */
    bool waited;         /* waited on the runqueue at level 0 in
                          * this period (for the miss counter)     */
} rtds_vcpu;

static const vl_param rtds_vcpu_params[] = {
    {"budget", VL_PARAM_TIME, offsetof(rtds_vcpu, budget), RTDS_DEFAULT_BUDGET,
     RTDS_MIN_BUDGET, RTDS_MAX_PERIOD, "ns",
     "CPU time per period (Xen RTDS_DEFAULT_BUDGET 4 ms, minimum RTDS_MIN_BUDGET 10 us; at "
     "most the period)", NULL},
    {"period", VL_PARAM_TIME, offsetof(rtds_vcpu, period), RTDS_DEFAULT_PERIOD,
     RTDS_MIN_PERIOD, RTDS_MAX_PERIOD, "ns",
     "replenishment period and relative deadline (Xen RTDS_DEFAULT_PERIOD 10 ms, minimum "
     "RTDS_MIN_PERIOD 10 us)", NULL},
    {"extratime", VL_PARAM_BOOL, offsetof(rtds_vcpu, extratime), 1, 0, 0, NULL,
     "once the budget is spent, run on at a lower priority level in time no reservation "
     "wants (Xen: on for a new vCPU, rt_alloc_udata)", NULL},
    VL_PARAM_END,
};

static rtds_priv *rpriv(vl_sched *s) { return vl_sched_priv(s); }
static rtds_vcpu *rv(vl_vcpu *v) { return vl_vcpu_priv(v); }
static rtds_vcpu *q_elem(vl_list *l) { return vl_container_of(l, rtds_vcpu, q_link); }
static rtds_vcpu *replq_elem(vl_list *l) { return vl_container_of(l, rtds_vcpu, replq_link); }

/* > 0 if a goes before b: lower level, then earlier deadline
 * (compare_unit_priority). */
static vl_ns compare_priority(const rtds_vcpu *a, const rtds_vcpu *b)
{
    if (a->level != b->level)
        return a->level < b->level ? 1 : -1;
    return b->cur_deadline - a->cur_deadline;
}

/* Inserts e into the ordered queue q after every element that goes before
 * it or ties with it (deadline_queue_insert's order, walked from the tail
 * so that re-queueing among equals costs O(1)).  Both queues are ordered
 * by compare_priority, the replenishment queue too, as in Xen: a vCPU
 * queued at a lower level waits behind level-0 vCPUs with later deadlines.
 * Returns true if e is now the head. */
static bool ordered_insert(vl_list *q, vl_list *e, rtds_vcpu *(*elem)(vl_list *))
{
    vl_list *pos = q->prev;
    while (pos != q && compare_priority(elem(e), elem(pos)) > 0)
        pos = pos->prev;
    vl_list_add_after(pos, e);
    return pos == q;
}

/* The next period: full budget, level 0, the deadline moved forward by
 * whole periods past now (rt_update_deadline). */
static void update_deadline(vl_sched *s, rtds_vcpu *rt, vl_ns now)
{
    int64_t periods = (now - rt->cur_deadline) / rt->period + 1;
    rt->cur_deadline += periods * rt->period;
    rt->last_start = now;
    rt->cur_budget = rt->budget;
    rt->level = 0;
    rt->waited = false;
    vl_counter_add(s, C_REPLENISH, 1);
}

static void arm_repl_timer(vl_sched *s)
{
    vl_list *head = vl_list_first(&rpriv(s)->replq);
    if (head)
        vl_timer_arm(s, NULL, RTDS_REPL_SLOT, replq_elem(head)->cur_deadline);
    else
        vl_timer_cancel(s, NULL, RTDS_REPL_SLOT);
}

static void replq_insert(vl_sched *s, rtds_vcpu *rt)
{
    if (ordered_insert(&rpriv(s)->replq, &rt->replq_link, replq_elem))
        arm_repl_timer(s);
}

static void replq_remove(vl_sched *s, rtds_vcpu *rt)
{
    bool was_head = rpriv(s)->replq.next == &rt->replq_link;
    vl_list_del(&rt->replq_link);
    if (was_head)
        arm_repl_timer(s);
}

static int runq_list(const rtds_vcpu *rt)
{
    return rt->level < RTDS_RUNQ_LEVELS - 1 ? (int)rt->level : RTDS_RUNQ_LEVELS - 1;
}

/* The head of the runqueue, or NULL. */
static rtds_vcpu *runq_first(rtds_runq *rq)
{
    return rq->nonempty ? q_elem(rq->level[__builtin_ctzll(rq->nonempty)].next) : NULL;
}

/* The vCPU after rt in the runqueue, or NULL. */
static rtds_vcpu *runq_next(rtds_runq *rq, rtds_vcpu *rt)
{
    int l = rt->runq_list;
    if (rt->q_link.next != &rq->level[l])
        return q_elem(rt->q_link.next);
    uint64_t later = l + 1 < RTDS_RUNQ_LEVELS ? rq->nonempty >> (l + 1) << (l + 1) : 0;
    return later ? q_elem(rq->level[__builtin_ctzll(later)].next) : NULL;
}

/* To the runqueue if it has budget or extratime, else parked on the
 * depleted queue (runq_insert). */
static void runq_insert(vl_sched *s, rtds_vcpu *rt)
{
    rtds_priv *prv = rpriv(s);
    if (rt->cur_budget > 0 || rt->extratime) {
        int l = runq_list(rt);
        ordered_insert(&prv->runq.level[l], &rt->q_link, q_elem);
        rt->on_runq = true;
        rt->runq_list = l;
        rt->queued_at = vl_now(s);
        prv->runq.nonempty |= 1ULL << l;
        return;
    }
    vl_list_push_front(&prv->depleted, &rt->q_link);
    vl_vcpu_set_parked(rt->v, true);
}

/* rt is on the runqueue at level 0 and has been for some time. */
static bool waiting(vl_sched *s, const rtds_vcpu *rt)
{
    return rt->on_runq && rt->level == 0 && vl_now(s) > rt->queued_at;
}

static void q_remove(vl_sched *s, rtds_vcpu *rt)
{
    rtds_runq *rq = &rpriv(s)->runq;
    vl_list_del(&rt->q_link);
    rt->waited |= waiting(s, rt);
    if (rt->on_runq) {
        int l = rt->runq_list;
        if (vl_list_empty(&rq->level[l]))
            rq->nonempty &= ~(1ULL << l);
        rt->on_runq = false;
    }
    vl_vcpu_set_parked(rt->v, false);
}

/* The one of pCPUs a and b whose running vCPU goes after the other's
 * (an idle pCPU never: it is not preempted). */
static int worse(const rtds_priv *prv, int a, int b)
{
    const rtds_vcpu *x = prv->running[a], *y = prv->running[b];
    if (!x || !y)
        return x ? a : b;
    return compare_priority(x, y) < 0 ? a : b;
}

/* pCPU c now runs rt (NULL: idle), or its vCPU's priority changed. */
static void set_running(rtds_priv *prv, int c, rtds_vcpu *rt)
{
    prv->running[c] = rt;
    for (int i = (VL_MAX_PCPUS + c) / 2; i >= 1; i /= 2)
        prv->worst[i] = worse(prv, prv->worst[2 * i], prv->worst[2 * i + 1]);
}

static void tickle(vl_sched *s, vl_pcpu *p)
{
    vl_bit_set(rpriv(s)->tickled, vl_pcpu_id(p));
    vl_counter_add(s, C_TICKLE, 1);
    vl_tickle(p);
}

/* Finds a pCPU for rt, which was just queued: an idle, untickled one in
 * its affinity (its own pCPU first, then cycling), else the untickled one
 * running the vCPU of lowest priority (the first met in the same order),
 * if rt goes before that vCPU (runq_tickle). */
static void runq_tickle(vl_sched *s, rtds_vcpu *rt)
{
    rtds_priv *prv = rpriv(s);
    const uint64_t *aff = vl_vcpu_affinity_mask(rt->v);
    int n = vl_npcpus(s), home = vl_pcpu_id(vl_vcpu_pcpu(rt->v));
    uint64_t cand[VL_BITMAP_WORDS(VL_MAX_PCPUS)];
    for (int w = 0; w < VL_BITMAP_WORDS(n); w++)
        cand[w] = aff[w] & ~prv->tickled[w];
    int idle = vl_bit_test(cand, home) && vl_bit_test(vl_idle_pcpus(s), home)
                   ? home
                   : vl_bit_cycle_and(cand, vl_idle_pcpus(s), home, n);
    if (idle >= 0) {
        tickle(s, vl_pcpu_get(s, idle));
        return;
    }
    const rtds_vcpu *worst = prv->running[prv->worst[1]];
    if (!worst || compare_priority(worst, rt) >= 0)
        return; /* rt would preempt no running vCPU, in its affinity or not */
    int victim = -1;
    const rtds_vcpu *latest = NULL;
    for (int c = vl_bit_test(cand, home) ? home : vl_bit_cycle(cand, home, n), first = c; c >= 0;) {
        const rtds_vcpu *curr = prv->running[c];
        if (curr && (!latest || compare_priority(curr, latest) < 0)) {
            latest = curr;
            victim = c;
        }
        c = vl_bit_cycle(cand, c, n);
        if (c == first)
            break;
    }
    if (latest && compare_priority(latest, rt) < 0)
        tickle(s, vl_pcpu_get(s, victim));
}

/* Charges the time since last_start; at zero, an extratime vCPU drops a
 * level with a fresh budget, another is depleted (burn_budget). */
static void burn_budget(rtds_vcpu *rt, vl_ns now)
{
    rt->cur_budget -= now - rt->last_start;
    rt->last_start = now;
    if (rt->cur_budget > 0)
        return;
    if (rt->extratime) {
        if (rt->level < RTDS_MAX_LEVEL)
            rt->level++;
        rt->cur_budget = rt->budget;
    } else {
        rt->cur_budget = 0;
        rt->depleted = true;
    }
}

/* The first vCPU of the runqueue that may run on p (runq_pick). */
static rtds_vcpu *runq_pick(vl_sched *s, vl_pcpu *p)
{
    rtds_runq *rq = &rpriv(s)->runq;
    rtds_vcpu *rt = runq_first(rq);
    while (rt && !vl_vcpu_affine(rt->v, p))
        rt = runq_next(rq, rt);
    return rt;
}

/* ------------------------------------------------------------------ hooks */

static int rtds_check(const void *params, vl_param_scope scope, vl_param_fault *fault)
{
    const rtds_vcpu *rt = params;
    if (scope != VL_PARAMS_VCPU || rt->budget <= rt->period) /* rt_validate_params */
        return 0;
    fault->param = "budget";
    snprintf(fault->msg, sizeof fault->msg, "must not exceed the period");
    return -1;
}

static int rtds_init(vl_sched *s)
{
    rtds_priv *prv = rpriv(s);
    for (int l = 0; l < RTDS_RUNQ_LEVELS; l++)
        vl_list_init(&prv->runq.level[l]);
    for (int i = 0; i < VL_MAX_PCPUS; i++)
        prv->worst[VL_MAX_PCPUS + i] = i;
    for (int i = VL_MAX_PCPUS - 1; i >= 1; i--)
        prv->worst[i] = worse(prv, prv->worst[2 * i], prv->worst[2 * i + 1]);
    vl_list_init(&prv->depleted);
    vl_list_init(&prv->replq);
    return 0;
}

/* Its first period starts now (rt_unit_insert); it is OFFLINE, so it is
 * queued by its first wake-up. */
static void rtds_vcpu_insert(vl_sched *s, vl_vcpu *v)
{
    rtds_vcpu *rt = rv(v);
    rt->v = v;
    vl_list_init(&rt->q_link);
    vl_list_init(&rt->replq_link);
    update_deadline(s, rt, vl_now(s));
}

/* Its pCPU if it may still run there, else the next one of its affinity
 * (rt_res_pick); never placed: the core's default. */
static vl_pcpu *rtds_pick_cpu(vl_sched *s, vl_vcpu *v, vl_pick_reason why)
{
    (void)why;
    vl_pcpu *p = vl_vcpu_pcpu(v);
    if (!p)
        return vl_pick_cpu_default(s, v);
    if (vl_vcpu_affine(v, p))
        return p;
    return vl_pcpu_get(s, vl_bit_cycle(vl_vcpu_affinity_mask(v), vl_pcpu_id(p), vl_npcpus(s)));
}

/* A deadline that passed while it was blocked gives a new period; the
 * budget left otherwise stays (deferrable server: rt_unit_wake). */
static void rtds_vcpu_wake(vl_sched *s, vl_vcpu *v, vl_wake_reason why, int vector)
{
    (void)why, (void)vector;
    rtds_vcpu *rt = rv(v);
    vl_ns now = vl_now(s);
    if (now >= rt->cur_deadline)
        update_deadline(s, rt, now);
    replq_insert(s, rt);
    runq_insert(s, rt);
    runq_tickle(s, rt);
}

static vl_decision rtds_do_schedule(vl_sched *s, vl_pcpu *p, vl_vcpu *prev, vl_ns now)
{
    vl_bit_clear(rpriv(s)->tickled, vl_pcpu_id(p));
    rtds_vcpu *curr = prev ? rv(prev) : NULL;
    if (curr)
        burn_budget(curr, now);
    rtds_vcpu *next = runq_pick(s, p);
    if (curr && vl_vcpu_runstate(prev) == VL_RUNNABLE && curr->cur_budget > 0 &&
        (!next || compare_priority(curr, next) > 0))
        next = curr; /* still the better one, with budget */
    set_running(rpriv(s), vl_pcpu_id(p), next);
    if (!next)
        return (vl_decision){NULL, VL_SLICE_NONE};
    if (next != curr)
        q_remove(s, next);
    next->last_start = now;
    return (vl_decision){next->v, next->cur_budget};
}

/* prev is off its pCPU: back to a queue if it is still runnable, else out
 * of the replenishment queue until it wakes (rt_context_saved). */
static void rtds_context_saved(vl_sched *s, vl_vcpu *prev)
{
    rtds_vcpu *rt = rv(prev);
    if (vl_vcpu_runstate(prev) == VL_RUNNABLE) {
        runq_insert(s, rt);
        runq_tickle(s, rt);
    } else {
        replq_remove(s, rt);
    }
}

/* Refills every vCPU whose deadline came and re-sorts it; then, for each,
 * tickles for the runqueue's head if the refilled vCPU runs and the head
 * now goes before it, or for the vCPU itself if it left the depleted
 * queue (repl_timer_handler).  A deadline that passes while the vCPU is
 * runnable at level 0 with budget left, after it waited on the runqueue
 * in that period, is a miss (one that just woke, as for a guest tick at
 * the deadline's instant, has not been denied anything yet). */
static void rtds_timer_fired(vl_sched *s, vl_pcpu *p, int slot, vl_ns now)
{
    (void)p, (void)slot;
    rtds_priv *prv = rpriv(s);
    vl_list done, *pos, *tmp;
    vl_list_init(&done);
    vl_list_for_each_safe(pos, tmp, &prv->replq) {
        rtds_vcpu *rt = replq_elem(pos);
        if (now < rt->cur_deadline)
            break;
        vl_pcpu *on = vl_vcpu_pcpu(rt->v);
        bool running = vl_pcpu_curr(on) == rt->v;
        vl_ns left = rt->cur_budget - (running ? now - rt->last_start : 0);
        if (rt->level == 0 && left > 0 && (rt->waited || waiting(s, rt)))
            vl_counter_add(s, C_MISS, 1);
        vl_list_del(pos);
        bool queued = vl_list_linked(&rt->q_link);
        if (queued) /* out before its level and deadline change */
            q_remove(s, rt);
        update_deadline(s, rt, now);
        if (running)
            set_running(prv, vl_pcpu_id(on), rt);
        vl_list_push_front(&done, pos);
        if (queued)
            runq_insert(s, rt);
    }
    vl_list_for_each_safe(pos, tmp, &done) {
        rtds_vcpu *rt = replq_elem(pos), *head = runq_first(&prv->runq);
        if (vl_pcpu_curr(vl_vcpu_pcpu(rt->v)) == rt->v) {
            if (head && compare_priority(rt, head) < 0)
                runq_tickle(s, head);
        } else if (rt->depleted && vl_list_linked(&rt->q_link)) {
            runq_tickle(s, rt);
        }
        rt->depleted = false;
        vl_list_del(pos);
        ordered_insert(&prv->replq, pos, replq_elem);
    }
    arm_repl_timer(s);
}

static void dump_vcpu(FILE *out, const char *what, const rtds_vcpu *rt)
{
    fprintf(out, "  %s %s.v%d: budget %lld/%lld per %lld, deadline %lld, level %u%s\n", what,
            vl_vm_name(vl_vcpu_vm(rt->v)), vl_vcpu_index(rt->v), (long long)rt->cur_budget,
            (long long)rt->budget, (long long)rt->period, (long long)rt->cur_deadline, rt->level,
            rt->extratime ? ", extratime" : "");
}

static void rtds_dump(vl_sched *s, FILE *out)
{
    rtds_priv *prv = rpriv(s);
    vl_list *pos;
    for (int i = 0; i < vl_npcpus(s); i++) {
        vl_vcpu *curr = vl_pcpu_curr(vl_pcpu_get(s, i));
        if (curr) {
            char what[32];
            snprintf(what, sizeof what, "pCPU %d runs", i);
            dump_vcpu(out, what, rv(curr));
        }
    }
    for (rtds_vcpu *rt = runq_first(&prv->runq); rt; rt = runq_next(&prv->runq, rt))
        dump_vcpu(out, "runq", rt);
    vl_list_for_each(pos, &prv->depleted) dump_vcpu(out, "depleted", q_elem(pos));
}

static const vl_sched_ops rtds_ops = {
    .name = "rtds",
    .hypervisor = VL_HV_XEN,
    .description =
        "Xen's RTDS scheduler: global preemptive EDF over per-vCPU deferrable servers "
        "(budget per period, kept while blocked, refilled at each deadline by one "
        "replenishment timer), a depleted queue for vCPUs without budget, extratime as "
        "lower priority levels, tickles of idle or latest-deadline pCPUs; the slice is the "
        "budget left. Shares follow budget/period: weights and caps do not apply.",
    .vcpu_params = rtds_vcpu_params,
    .counters = rtds_counters,
    .priv_size = sizeof(rtds_priv),
    .pcpu_size = sizeof(rtds_pcpu),
    .vm_size = sizeof(rtds_vm),
    .vcpu_size = sizeof(rtds_vcpu),
    .check = rtds_check,
    .init = rtds_init,
    .vcpu_insert = rtds_vcpu_insert,
    .pick_cpu = rtds_pick_cpu,
    .vcpu_wake = rtds_vcpu_wake,
    .do_schedule = rtds_do_schedule,
    .context_saved = rtds_context_saved,
    .timer_fired = rtds_timer_fired,
    .dump = rtds_dump,
};
VL_REGISTER_POLICY(rtds_ops);
