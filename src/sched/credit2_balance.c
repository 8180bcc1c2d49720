/* sched/credit2_balance.c - Credit2's load balancing between runqueues
 * (Xen's balance_load, consider, migrate, unit_is_migrateable) and the
 * end of a move asked of a running vCPU (what Xen does from
 * csched2_context_saved through sched_unit_migrate_finish,
 * csched2_res_pick and csched2_unit_wake).  Balancing runs on a pCPU
 * right after its runqueue's credit reset (credit2.c).  Touches runqueue
 * assignment, queues and loads through credit2_runq.c, and tickles.
 */
#include <assert.h>

#include "credit2_priv.h"

/* What the search keeps (Xen's balance_state_t). */
typedef struct balance_state {
    int64_t load_delta;
    c2_vcpu *push, *pull;
    c2_runq *lrq, *orq;
} balance_state;

/* v may go to rq: it is not being moved already and some pCPU of rq is
 * in its affinity. */
static bool migrateable(const c2_vcpu *sv, const c2_runq *rq)
{
    return !(sv->flags & C2_FLAG_MIGRATE) &&
           vl_bit_next(vl_vcpu_affinity_mask(sv->v), rq->lo, rq->hi) >= 0;
}

/* Keep the push / pull pair that leaves the two runqueues' expected loads
 * closest (either may be NULL). */
static void consider(balance_state *st, c2_vcpu *push, c2_vcpu *pull)
{
    int64_t l_load = st->lrq->b_avgload, o_load = st->orq->b_avgload;
    if (push) {
        l_load -= push->avgload;
        o_load += push->avgload;
    }
    if (pull) {
        l_load += pull->avgload;
        o_load -= pull->avgload;
    }
    int64_t delta = l_load > o_load ? l_load - o_load : o_load - l_load;
    if (delta < st->load_delta) {
        st->load_delta = delta;
        st->push = push;
        st->pull = pull;
    }
}

/* Move sv to runqueue trq.  A vCPU chosen to run (SCHEDULED) only gets a
 * request: its pCPU is tickled, do_schedule no longer counts it runnable,
 * and context_saved finishes the move.  Any other goes at once, to the
 * next pCPU of trq after its pick_bias, and is queued there if it was
 * queued. */
void c2_migrate(vl_sched *s, c2_vcpu *sv, int trq, vl_ns now)
{
    vl_counter_add(s, C2_C_MIGRATIONS, 1);
    if (c2_scheduled(sv)) {
        sv->migrate_rq = trq;
        sv->flags |= C2_FLAG_MIGRATE;
        c2_tickle_cpu(s, sv->cpu);
        return;
    }
    bool queued = c2_queued(sv);
    if (queued) {
        c2_runq_remove(s, sv);
        c2_update_load(s, c2rq(s, sv->rq), NULL, -1, now);
    }
    c2_runq_deassign(s, sv);
    sv->cpu = c2_runq_place(s, sv, trq);
    assert(sv->cpu >= 0);
    c2_runq_assign(s, sv, trq);
    if (queued) {
        c2_update_load(s, c2rq(s, trq), NULL, 1, now);
        c2_runq_insert(s, sv);
        c2_runq_tickle(s, sv, now);
    }
}

/* sv, asked to move while it ran, is off its pCPU (its load already left
 * the old runqueue): place it in the target runqueue and, if it is still
 * runnable, wake it up there. */
void c2_migrate_finish(vl_sched *s, c2_vcpu *sv, vl_ns now)
{
    assert((sv->flags & C2_FLAG_MIGRATE) && !c2_scheduled(sv) && !c2_queued(sv));
    sv->flags &= ~C2_FLAG_MIGRATE;
    int cpu = c2_runq_place(s, sv, sv->migrate_rq);
    assert(cpu >= 0);
    if (sv->migrate_rq != sv->rq) {
        c2_runq_deassign(s, sv);
        c2_runq_assign(s, sv, sv->migrate_rq);
    }
    sv->cpu = cpu;
    if (c2_runnable(sv) && vl_vcpu_runstate(sv->v) == VL_RUNNABLE) {
        c2_update_load(s, c2rq(s, sv->rq), sv, 1, now);
        c2_runq_insert(s, sv);
        c2_runq_tickle(s, sv, now);
    }
}

/* The runqueue whose expected load is furthest from lrq's; NULL if all are
 * level.  *last is the last runqueue looked at, which Xen's balance_load
 * then uses (as st.orqd) for the capacity test: kept as Xen has it. */
static c2_runq *furthest(vl_sched *s, c2_runq *lrq, vl_ns now, int64_t *delta, c2_runq **last)
{
    c2_priv *prv = c2p(s);
    c2_runq *max = NULL;
    *delta = 0;
    for (int r = 0; r < prv->nrqs; r++) {
        c2_runq *rq = c2rq(s, r);
        *last = rq;
        if (rq == lrq)
            continue;
        c2_update_runq_load(s, rq, 0, now);
        int64_t d = lrq->b_avgload - rq->b_avgload;
        if (d < 0)
            d = -d;
        if (d > *delta) {
            *delta = d;
            max = rq;
        }
    }
    return max;
}

/* Xen's balance_load from pCPU cpu: find the runqueue furthest in load
 * from cpu's; unless the difference is within the tolerance (more than
 * one vCPU's load, 1 << (P + balance_under), while the busier of the two
 * is under its pCPUs' capacity; 1 << (P + balance_over) otherwise), move
 * the vCPU, or swap the pair, that brings the two closest. */
void c2_balance_load(vl_sched *s, int cpu, vl_ns now)
{
    c2_priv *prv = c2p(s);
    int shift = (int)prv->load_precision_shift;
    balance_state st = {.lrq = c2rq(s, c2pc(s, cpu)->rq)};
    c2_update_runq_load(s, st.lrq, 0, now);

    c2_runq *last = NULL;
    c2_runq *orq = furthest(s, st.lrq, now, &st.load_delta, &last);
    if (!orq)
        return;
    int64_t load_max = st.lrq->b_avgload > last->b_avgload ? st.lrq->b_avgload : last->b_avgload;
    int lcpus = st.lrq->hi - st.lrq->lo, ocpus = last->hi - last->lo;
    int64_t cpus_max = lcpus > ocpus ? lcpus : ocpus;
    int64_t tolerance = load_max < (cpus_max << shift) ? prv->balance_under : prv->balance_over;
    if (st.load_delta < (int64_t)(1ULL << (shift + tolerance)))
        return;

    vl_counter_add(s, C2_C_BALANCES, 1);
    st.orq = orq;
    bool inner_updated = false;
    vl_list *i, *j;
    vl_list_for_each(i, &st.lrq->assigned) {
        c2_vcpu *push = vl_container_of(i, c2_vcpu, assigned_link);
        c2_update_svc_load(s, push, 0, now);
        if (!migrateable(push, st.orq))
            continue;
        vl_list_for_each(j, &st.orq->assigned) {
            c2_vcpu *pull = vl_container_of(j, c2_vcpu, assigned_link);
            if (!inner_updated)
                c2_update_svc_load(s, pull, 0, now);
            if (migrateable(pull, st.lrq))
                consider(&st, push, pull);
        }
        inner_updated = true;
        consider(&st, push, NULL);
    }
    vl_list_for_each(j, &st.orq->assigned) {
        c2_vcpu *pull = vl_container_of(j, c2_vcpu, assigned_link);
        if (migrateable(pull, st.lrq))
            consider(&st, NULL, pull);
    }
    if (st.push)
        c2_migrate(s, st.push, st.orq->id, now);
    if (st.pull)
        c2_migrate(s, st.pull, st.lrq->id, now);
}
