/* sched/credit2_runq.c - Credit2's runqueues: which pCPUs share one (the
 * arrangement, once at init), which vCPUs belong to one (assignment, and
 * the runqueue's largest weight that sets every credit burn rate), the
 * queue ordered by credit, and the load averages balancing compares.
 * Touches the runqueue structs and the vCPUs' runqueue links and loads;
 * never tickles nor decides what runs (credit2.c does).
 *
 * Invariants
 *   - a vCPU is assigned to exactly one runqueue (sv->rq, on its
 *     `assigned` list) from vcpu_insert on, and its pCPU sv->cpu lies in
 *     that runqueue's range, except while a MIGRATE request is pending
 *     (it still runs where it was);
 *   - a queued vCPU is on its own runqueue's queue, which is ordered by
 *     credit, highest first, FIFO among equals;
 *   - rq->max_weight is the largest weight among the assigned vCPUs (1
 *     if none).
 */
#include <assert.h>

#include "credit2_priv.h"

#define LOADAVG_GRANULARITY_SHIFT 10 /* Xen: time in 2^10 ns units for load tracking */

/* ---------------------------------------------------------- arrangement */

/* Whether pCPU `cpu` belongs with runqueue rq by topology (Xen's
 * cpu_runqueue_match; a node is a socket in the model). */
static bool topology_match(vl_sched *s, const c2_runq *rq, int cpu)
{
    vl_pcpu *peer = vl_pcpu_get(s, rq->pick_bias), *p = vl_pcpu_get(s, cpu);
    switch (c2p(s)->runqueue) {
    case C2_RQ_ALL: return true;
    case C2_RQ_CORE: return vl_pcpu_core(peer) == vl_pcpu_core(p);
    case C2_RQ_SOCKET:
    case C2_RQ_NODE: return vl_pcpu_socket(peer) == vl_pcpu_socket(p);
    default: return false; /* one runqueue per pCPU */
    }
}

/* A sibling of cpu (same core, lower id: placed already) is in rq. */
static bool sibling_in(vl_sched *s, int rq, int cpu)
{
    for (int i = c2pc(s, cpu)->core_lo; i < cpu; i++)
        if (c2pc(s, i)->rq == rq)
            return true;
    return false;
}

/* The cores of the pCPUs: ids of one core are contiguous (socket-major
 * layout, src/hw/topology.c); refused otherwise. */
static int arrange_cores(vl_sched *s)
{
    int n = vl_npcpus(s), lo = 0;
    for (int i = 1; i <= n; i++) {
        if (i < n && vl_pcpu_core(vl_pcpu_get(s, i)) == vl_pcpu_core(vl_pcpu_get(s, lo)))
            continue;
        if (i < n && vl_pcpu_core(vl_pcpu_get(s, i)) < vl_pcpu_core(vl_pcpu_get(s, lo)))
            return vl_sched_error(s, "pCPU %d: core ids not laid out in order", i);
        for (int j = lo; j < i; j++) {
            c2pc(s, j)->core_lo = lo;
            c2pc(s, j)->core_hi = i;
        }
        lo = i;
    }
    return 0;
}

/* Xen's cpu_add_to_runqueue for every pCPU in id order: a pCPU joins the
 * runqueue of a sibling; else the least full runqueue it matches by
 * topology that has room for it and its siblings (at most
 * max_cpus_runq pCPUs, lowered so that runqueues come out even: n /
 * ceil(n / max_cpus_runq)); else a new runqueue.  `sibls` counts the
 * pCPUs of the cores a runqueue holds, as cpu_runqueue_siblings_match
 * does.  Each runqueue must come out as one id range. */
int c2_runq_arrange(vl_sched *s)
{
    c2_priv *prv = c2p(s);
    int n = vl_npcpus(s);
    if (arrange_cores(s) < 0)
        return -1;
    int min_rqs = (int)((n - 1) / prv->max_cpus_runq) + 1;
    int max_cpus = n / min_rqs;
    int sibls[VL_MAX_PCPUS];
    prv->nrqs = 0;
    for (int cpu = 0; cpu < n; cpu++) {
        c2_pcpu *pc = c2pc(s, cpu);
        int core = pc->core_hi - pc->core_lo, valid = -1;
        pc->rq = -1;
        for (int r = 0; r < prv->nrqs; r++) {
            c2_runq *rq = c2rq(s, r);
            if (!topology_match(s, rq, cpu))
                continue;
            if (sibling_in(s, r, cpu)) {
                valid = r;
                break;
            }
            if (rq->refcnt < max_cpus &&
                (sibls[r] + core <= max_cpus || prv->runqueue == C2_RQ_ALL) &&
                (valid < 0 || rq->refcnt < c2rq(s, valid)->refcnt))
                valid = r;
        }
        if (valid < 0) {
            valid = prv->nrqs++;
            c2_runq *rq = c2rq(s, valid);
            *rq = (c2_runq){.id = valid, .lo = cpu, .pick_bias = cpu, .max_weight = 1};
            vl_list_init(&rq->queue);
            vl_list_init(&rq->assigned);
            sibls[valid] = 0;
        }
        if (!sibling_in(s, valid, cpu))
            sibls[valid] += core;
        pc->rq = valid;
        c2_runq *rq = c2rq(s, valid);
        rq->refcnt++;
        if (rq->lo + rq->refcnt - 1 != cpu)
            return vl_sched_error(s, "runqueue %d: pCPUs not one id range (pCPU %d)", valid, cpu);
        rq->hi = cpu + 1;
    }
    return 0;
}

/* ----------------------------------------------------------- assignment */

/* Xen's update_max_weight. */
static void update_max_weight(c2_runq *rq, int new_weight, int old_weight)
{
    if (new_weight > rq->max_weight) {
        rq->max_weight = new_weight;
    } else if (old_weight == rq->max_weight) {
        int max = 1;
        vl_list *pos;
        vl_list_for_each(pos, &rq->assigned) {
            c2_vcpu *sv = vl_container_of(pos, c2_vcpu, assigned_link);
            if (sv->weight > max)
                max = sv->weight;
        }
        rq->max_weight = max;
    }
}

/* Xen's _runq_assign: the runqueue expects the vCPU's load. */
void c2_runq_assign(vl_sched *s, c2_vcpu *sv, int r)
{
    c2_runq *rq = c2rq(s, r);
    assert(!vl_list_linked(&sv->assigned_link));
    sv->rq = r;
    vl_list_push_back(&rq->assigned, &sv->assigned_link);
    rq->nr_assigned++;
    update_max_weight(rq, sv->weight, 0);
    rq->b_avgload += sv->avgload;
}

/* Xen's _runq_deassign. */
void c2_runq_deassign(vl_sched *s, c2_vcpu *sv)
{
    c2_runq *rq = c2rq(s, sv->rq);
    assert(!c2_queued(sv) && vl_list_linked(&sv->assigned_link));
    vl_list_del(&sv->assigned_link);
    rq->nr_assigned--;
    update_max_weight(rq, 0, sv->weight);
    rq->b_avgload = rq->b_avgload > sv->avgload ? rq->b_avgload - sv->avgload : 0;
    sv->rq = -1;
}

/* The pCPU of runqueue r a vCPU goes to when placed there: the next one in
 * its affinity after the runqueue's pick_bias, which follows (Xen's
 * cpumask_cycle(rqd->pick_bias, ...) in csched2_res_pick and migrate).
 * -1 if none is in the affinity. */
int c2_runq_place(vl_sched *s, c2_vcpu *sv, int r)
{
    c2_runq *rq = c2rq(s, r);
    const uint64_t *aff = vl_vcpu_affinity_mask(sv->v);
    int cpu = vl_bit_next(aff, rq->pick_bias + 1, rq->hi);
    if (cpu < 0)
        cpu = vl_bit_next(aff, rq->lo, rq->pick_bias + 1);
    if (cpu >= 0)
        rq->pick_bias = cpu;
    return cpu;
}

/* ---------------------------------------------------------------- queue */

/* Xen's runq_insert: before the first vCPU with less credit. */
void c2_runq_insert(vl_sched *s, c2_vcpu *sv)
{
    assert(!c2_queued(sv) && c2_runnable(sv) && !c2_scheduled(sv));
    vl_list *head = &c2rq(s, sv->rq)->queue, *pos;
    vl_list_for_each(pos, head) {
        if (sv->credit > vl_container_of(pos, c2_vcpu, queue_link)->credit)
            break;
    }
    vl_list_add_before(pos, &sv->queue_link);
}

void c2_runq_remove(vl_sched *s, c2_vcpu *sv)
{
    (void)s;
    assert(c2_queued(sv));
    vl_list_del(&sv->queue_link);
}

c2_vcpu *c2_runq_head(c2_runq *rq)
{
    vl_list *h = vl_list_first(&rq->queue);
    return h ? vl_container_of(h, c2_vcpu, queue_link) : NULL;
}

/* --------------------------------------------------------- load tracking */

/* One step of the decaying average: over the window W = 2^window (in
 * 2^10 ns units), the old average counts (W - delta) / W and the load of
 * the last delta delta / W; after a whole window without update, the load
 * alone.  Fixed point with `shift` bits of fraction (Xen's
 * update_runq_load and update_svc_load). */
static int64_t decay(int64_t avg, int64_t load, int64_t delta, int window, int shift)
{
    if (delta < 0)
        delta = 0;
    return avg + ((delta * (load << shift)) >> window) - ((delta * avg) >> window);
}

void c2_update_runq_load(vl_sched *s, c2_runq *rq, int change, vl_ns now)
{
    c2_priv *prv = c2p(s);
    int shift = (int)prv->load_precision_shift;
    int64_t t = now >> LOADAVG_GRANULARITY_SHIFT, load = rq->load;
    if (rq->load_last_update + (1LL << prv->window) < t) {
        rq->avgload = rq->b_avgload = load << shift;
    } else {
        int64_t delta = t - rq->load_last_update;
        rq->avgload = decay(rq->avgload, load, delta, prv->window, shift);
        rq->b_avgload = decay(rq->b_avgload, load, delta, prv->window, shift);
    }
    rq->load += change;
    rq->load_last_update = t;
    assert(rq->load >= 0 && rq->avgload >= 0 && rq->b_avgload >= 0);
}

/* A vCPU's own load: 1 while runnable or running, sampled just before the
 * change (`change` +1: it was not, -1: it was). */
void c2_update_svc_load(vl_sched *s, c2_vcpu *sv, int change, vl_ns now)
{
    c2_priv *prv = c2p(s);
    int shift = (int)prv->load_precision_shift;
    int64_t t = now >> LOADAVG_GRANULARITY_SHIFT;
    int64_t load = change == -1 ? 1 : change == 1 ? 0 : c2_runnable(sv);
    if (sv->load_last_update + (1LL << prv->window) < t)
        sv->avgload = load << shift;
    else
        sv->avgload = decay(sv->avgload, load, t - sv->load_last_update, prv->window, shift);
    sv->load_last_update = t;
    assert(sv->avgload >= 0);
}

void c2_update_load(vl_sched *s, c2_runq *rq, c2_vcpu *sv, int change, vl_ns now)
{
    c2_update_runq_load(s, rq, change, now);
    if (sv)
        c2_update_svc_load(s, sv, change, now);
}
