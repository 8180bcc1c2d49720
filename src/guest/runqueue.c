/* guest/runqueue.c - the CFS runqueue of one vCPU: virtual runtime
 * accounting, the vruntime-ordered waiting list, min_vruntime and load. */
#include "guest/runqueue.h"

/* Linux's nice-to-weight table (kernel/sched/core.c sched_prio_to_weight):
 * each nice step is ~10% of CPU time against a task one step away. */
static const unsigned prio_to_weight[40] = {
    88761, 71755, 56483, 46273, 36291, /* -20 */
    29154, 23254, 18705, 14949, 11916, /* -15 */
    9548,  7620,  6100,  4904,  3906,  /* -10 */
    3121,  2501,  1991,  1586,  1277,  /*  -5 */
    1024,  820,   655,   526,   423,   /*   0 */
    335,   272,   215,   172,   137,   /*   5 */
    110,   87,    70,    56,    45,    /*  10 */
    36,    29,    23,    18,    15,    /*  15 */
};

unsigned vl_rq_nice_weight(int nice)
{
    if (nice < -20)
        nice = -20;
    if (nice > 19)
        nice = 19;
    return prio_to_weight[nice + 20];
}

vl_ns vl_rq_vdelta(vl_ns d, unsigned weight)
{
    return weight == VL_NICE_0_LOAD ? d : d * (vl_ns)VL_NICE_0_LOAD / (vl_ns)weight;
}

/* min_vruntime follows the smallest of curr and the leftmost waiter, and
 * never goes back (update_min_vruntime). */
static void update_min_vruntime(vl_gvcpu *gv)
{
    vl_task *first = vl_rq_first(gv);
    if (!gv->curr && !first)
        return;
    vl_ns v = gv->curr ? gv->curr->vruntime : first->vruntime;
    if (first && first->vruntime < v)
        v = first->vruntime;
    if (v > gv->min_vruntime)
        gv->min_vruntime = v;
}

void vl_rq_update_curr(vl_gvcpu *gv, vl_ns now)
{
    vl_task *t = gv->curr;
    if (!t || now <= t->exec_start)
        return;
    vl_ns d = now - t->exec_start;
    t->exec_start = now;
    t->sum_exec += d;
    t->vruntime += vl_rq_vdelta(d, t->weight);
    update_min_vruntime(gv);
}

vl_task *vl_rq_first(const vl_gvcpu *gv)
{
    vl_list *h = vl_list_first(&gv->runq);
    return h ? vl_container_of(h, vl_task, link) : NULL;
}

/* Inserts t after every waiter with a vruntime <= its own: equal keys
 * keep their arrival order, as the kernel's rbtree does. */
static void timeline_insert(vl_guest *g, vl_gvcpu *gv, vl_task *t)
{
    vl_list *pos = gv->runq.prev;
    while (pos != &gv->runq && vl_container_of(pos, vl_task, link)->vruntime > t->vruntime)
        pos = pos->prev;
    vl_list_add_after(pos, &t->link);
    gv->nr_waiting++;
    g->nr_waiting++;
}

static void timeline_remove(vl_guest *g, vl_gvcpu *gv, vl_task *t)
{
    vl_list_del(&t->link);
    gv->nr_waiting--;
    g->nr_waiting--;
}

void vl_rq_enqueue(vl_guest *g, vl_gvcpu *gv, vl_task *t)
{
    timeline_insert(g, gv, t);
    gv->load += t->weight;
    update_min_vruntime(gv);
}

void vl_rq_dequeue(vl_guest *g, vl_gvcpu *gv, vl_task *t)
{
    timeline_remove(g, gv, t);
    gv->load -= t->weight;
    update_min_vruntime(gv);
}

void vl_rq_set_curr(vl_guest *g, vl_gvcpu *gv, vl_task *t, vl_ns now)
{
    timeline_remove(g, gv, t);
    gv->curr = t;
    t->exec_start = now;
    t->prev_sum_exec = t->sum_exec;
    update_min_vruntime(gv);
}

void vl_rq_put_curr(vl_guest *g, vl_gvcpu *gv, vl_ns now)
{
    vl_task *t = gv->curr;
    vl_rq_update_curr(gv, now);
    timeline_insert(g, gv, t);
    gv->curr = NULL;
    update_min_vruntime(gv);
}

void vl_rq_drop_curr(vl_gvcpu *gv, vl_ns now)
{
    vl_task *t = gv->curr;
    vl_rq_update_curr(gv, now);
    gv->load -= t->weight;
    gv->curr = NULL;
    update_min_vruntime(gv);
}

void vl_rq_move(vl_guest *g, vl_task *t, int to, vl_ns now)
{
    vl_gvcpu *src = &g->vcpus[t->vcpu], *dst = &g->vcpus[to];
    vl_rq_update_curr(src, now);
    vl_rq_update_curr(dst, now);
    vl_rq_dequeue(g, src, t);
    t->vruntime += dst->min_vruntime - src->min_vruntime;
    t->vcpu = to;
    vl_rq_enqueue(g, dst, t);
}
