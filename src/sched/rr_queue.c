/* sched/rr_queue.c - round-robin runqueues per pCPU (see rr_queue.h): the
 * runqueues, the idle and queued masks, the next vCPU of a pCPU (head or
 * stolen), and relaxed's placement and queueing with a tickle.  Used by
 * fifo.c and relaxed.c. */
#include "rr_queue.h"

static rrq_sched *rqs(vl_sched *s) { return vl_sched_priv(s); }
static rrq_pcpu *rqp(vl_pcpu *p) { return vl_pcpu_priv(p); }
static rrq_vcpu *rqv(vl_vcpu *v) { return vl_vcpu_priv(v); }

void rrq_init(vl_sched *s)
{
    for (int i = 0; i < vl_npcpus(s); i++) {
        vl_list_init(&rqp(vl_pcpu_get(s, i))->runq);
        vl_bit_set(rqs(s)->idle, i);
    }
    for (int i = 0; i < vl_nvcpus_total(s); i++) {
        vl_vcpu *v = vl_vcpu_get(s, i);
        vl_list_init(&rqv(v)->link);
        rqv(v)->v = v;
    }
}

vl_pcpu *rrq_pick_cpu(vl_sched *s, vl_vcpu *v)
{
    vl_pcpu *last = vl_vcpu_pcpu(v);
    if (last && vl_vcpu_affine(v, last))
        return last;
    vl_pcpu *best = NULL;
    for (int i = 0; i < vl_npcpus(s); i++) {
        vl_pcpu *p = vl_pcpu_get(s, i);
        int load = rqp(p)->len + !vl_pcpu_is_idle(p);
        if (vl_vcpu_affine(v, p) && (!best || load < rqp(best)->len + !vl_pcpu_is_idle(best)))
            best = p;
    }
    return best;
}

void rrq_push(vl_sched *s, vl_pcpu *p, vl_vcpu *v)
{
    vl_list_push_back(&rqp(p)->runq, &rqv(v)->link);
    rqv(v)->on = p;
    rqp(p)->len++;
    vl_bit_set(rqs(s)->queued, vl_pcpu_id(p));
}

void rrq_push_and_tickle(vl_sched *s, vl_pcpu *p, vl_vcpu *v)
{
    rrq_push(s, p, v);
    if (vl_pcpu_is_idle(p)) {
        vl_tickle(p);
        return;
    }
    /* an idle pCPU will steal it */
    int idle = vl_bit_next_and(rqs(s)->idle, vl_vcpu_affinity_mask(v), 0, vl_npcpus(s));
    if (idle >= 0)
        vl_tickle(vl_pcpu_get(s, idle));
}

void rrq_remove(vl_sched *s, vl_vcpu *v)
{
    rrq_vcpu *rv = rqv(v);
    vl_pcpu *p = rv->on;
    vl_list_del(&rv->link);
    rv->on = NULL;
    if (--rqp(p)->len == 0)
        vl_bit_clear(rqs(s)->queued, vl_pcpu_id(p));
}

bool rrq_queued(vl_vcpu *v) { return rqv(v)->on != NULL; }

/* An idle pCPU takes the first vCPU it may run from the longest queue (the
 * first longest by pCPU id); none if that queue holds no such vCPU. */
static vl_vcpu *steal(vl_sched *s, vl_pcpu *self)
{
    vl_pcpu *victim = NULL;
    for (int i = vl_bit_next(rqs(s)->queued, 0, vl_npcpus(s)); i >= 0;
         i = vl_bit_next(rqs(s)->queued, i + 1, vl_npcpus(s))) {
        vl_pcpu *p = vl_pcpu_get(s, i);
        if (p != self && (!victim || rqp(p)->len > rqp(victim)->len))
            victim = p;
    }
    if (!victim)
        return NULL;
    vl_list *pos;
    vl_list_for_each(pos, &rqp(victim)->runq) {
        rrq_vcpu *rv = vl_container_of(pos, rrq_vcpu, link);
        if (vl_vcpu_affine(rv->v, self)) {
            rrq_remove(s, rv->v);
            return rv->v;
        }
    }
    return NULL;
}

vl_vcpu *rrq_next(vl_sched *s, vl_pcpu *p)
{
    vl_list *head = vl_list_first(&rqp(p)->runq);
    vl_vcpu *next = NULL;
    if (head) {
        next = vl_container_of(head, rrq_vcpu, link)->v;
        rrq_remove(s, next);
    } else {
        next = steal(s, p);
    }
    if (next)
        vl_bit_clear(rqs(s)->idle, vl_pcpu_id(p));
    else
        vl_bit_set(rqs(s)->idle, vl_pcpu_id(p));
    return next;
}
