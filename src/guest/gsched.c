/* guest/gsched.c - the guest's task scheduler (for now): each vCPU
 * round-robins its runqueue at the guest tick; a waking task goes to an
 * idle vCPU when its own is busy; a vCPU about to go idle pulls a task
 * from the busiest runqueue. */
#include "guest/gsched.h"

#include "guest/exec.h"
#include "guest/smp.h"
#include "hv/guest_port.h"

bool vl_gsched_idle(const vl_gvcpu *gv)
{
    return !gv->curr && vl_list_empty(&gv->runq);
}

/* select_idle_sibling: a waking task goes to its previous vCPU if that is
 * idle, else to the first idle vCPU after it (one LLC: every vCPU is a
 * sibling), else stays on its previous vCPU. */
static void place_wakee(vl_guest *g, vl_task *t)
{
    if (vl_gsched_idle(&g->vcpus[t->vcpu]))
        return;
    for (int k = 1; k < g->nvcpus; k++) {
        int w = (t->vcpu + k) % g->nvcpus;
        if (vl_gsched_idle(&g->vcpus[w])) {
            t->vcpu = w;
            g->migrations++;
            return;
        }
    }
}

/* Queues t on its vCPU; a remote vCPU learns of it by IPI from `from`. */
static void enqueue_woken(vl_guest *g, int from, vl_task *t, vl_ns now)
{
    place_wakee(g, t);
    bool idle = vl_gsched_idle(&g->vcpus[t->vcpu]);
    vl_list_push_back(&g->vcpus[t->vcpu].runq, &t->link);
    if (t->vcpu != from)
        vl_smp_resched(g, from, t->vcpu, idle, now);
}

/* newidle_balance: a vCPU about to go idle pulls the first queued task of
 * the vCPU with the most queued tasks (lowest index on ties). */
static vl_task *idle_pull(vl_guest *g, int v)
{
    int busiest = -1;
    size_t most = 0;
    for (int w = 0; w < g->nvcpus; w++) {
        size_t n = 0;
        vl_list *pos;
        if (w == v)
            continue;
        vl_list_for_each(pos, &g->vcpus[w].runq)
            n++;
        if (n > most) {
            most = n;
            busiest = w;
        }
    }
    if (busiest < 0)
        return NULL;
    vl_list *head = vl_list_first(&g->vcpus[busiest].runq);
    vl_list_del(head);
    vl_task *t = vl_container_of(head, vl_task, link);
    t->vcpu = v;
    g->migrations++;
    return t;
}

vl_task *vl_gsched_pick(vl_guest *g, int v)
{
    vl_list *head = vl_list_first(&g->vcpus[v].runq);
    if (!head)
        return idle_pull(g, v);
    vl_list_del(head);
    return vl_container_of(head, vl_task, link);
}

vl_ns vl_gsched_horizon(const vl_guest *g, int v)
{
    const vl_gvcpu *gv = &g->vcpus[v];
    return vl_list_empty(&gv->runq) ? VL_NS_MAX : gv->next_tick;
}

void vl_gsched_add_new(vl_guest *g, vl_task *t)
{
    t->state = VL_TASK_RUNNABLE;
    vl_list_push_back(&g->vcpus[t->vcpu].runq, &t->link);
}

/* try_to_wake_up: the waker pays the ICR write's exit of a remote wake-up
 * (vl_smp_resched). */
void vl_gsched_wake(vl_guest *g, int waker, vl_task *t, vl_ns now)
{
    t->state = VL_TASK_RUNNABLE;
    t->woke_at = now;
    t->started = false;
    t->worked = false;
    enqueue_woken(g, waker, t, now);
}

void vl_gsched_expire(vl_guest *g, int v, vl_ns now)
{
    vl_list *pos, *tmp;
    vl_list_for_each_safe(pos, tmp, &g->vcpus[v].expired) {
        vl_task *t = vl_container_of(pos, vl_task, link);
        vl_list_del(pos);
        t->state = VL_TASK_RUNNABLE;
        enqueue_woken(g, v, t, now); /* the timer's vCPU runs the wake-up */
    }
}

/* Round-robin at the guest tick, never inside the kernel (a voluntary-
 * preemption kernel, as Debian's cloud kernels are built). */
void vl_gsched_tick(vl_guest *g, int v, vl_ns now)
{
    vl_gvcpu *gv = &g->vcpus[v];
    while (gv->next_tick <= now)
        gv->next_tick += g->quantum;
    vl_task *t = gv->curr;
    if (!t || vl_exec_spinning(t) || vl_list_empty(&gv->runq))
        return; /* spinning: in the kernel with preemption off */
    vl_opi *o = vl_exec_op_at(g, t, 0);
    if (o && o->kind == VL_OP_KERNEL && t->elapsed > 0)
        return;
    vl_list_push_back(&gv->runq, &t->link);
    gv->curr = NULL;
}
