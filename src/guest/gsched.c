/* guest/gsched.c - the guest's task scheduler, after Linux's CFS as a
 * Debian 12 guest kernel (6.1) runs it.
 *
 * Design
 *   Each vCPU has a CFS runqueue (guest/runqueue.c): waiting tasks ordered
 *   by virtual runtime, which grows by the time a task is current times
 *   NICE_0_LOAD / its weight.  The tick of a running vCPU asks the current
 *   task to give way when it ran longer than its ideal slice (the period -
 *   sched_latency, or nr x min_granularity beyond sched_nr_latency tasks -
 *   times its share of the runqueue's weight, at least min_granularity),
 *   or ran min_granularity and is more than a slice ahead of the leftmost
 *   (check_preempt_tick).  A waking task goes to its previous vCPU if idle,
 *   else to an idle one, else to its previous vCPU (select_idle_sibling);
 *   it gets at most half a latency of sleeper credit below min_vruntime
 *   (place_entity, GENTLE_FAIR_SLEEPERS) and preempts the current task when
 *   that one is more than wakeup_granularity (in the wakee's virtual time)
 *   ahead (check_preempt_wakeup).  A remote vCPU learns of a wake-up by IPI
 *   only when it was idle or must reschedule, as resched_curr and the wake
 *   list do.  Asking a task to give way sets need_resched; the guest is a
 *   voluntary-preemption kernel (CONFIG_PREEMPT_VOLUNTARY), so the task
 *   gives way at the next return to user mode: at once when it computes in
 *   user mode, at the end of its kernel call otherwise, after the spin when
 *   it spins.  Load balancing is guest/balance.c, the balancer it calls through
 *   g->hooks->balancer.
 *
 *   Speed: the tick's scheduling matters only when tasks wait.  A vCPU's
 *   plan stops at its next tick only while its own runqueue has waiting
 *   tasks, and at its next periodic balance only while some vCPU of the
 *   guest has; otherwise a lone task runs without an event.  When a task
 *   starts waiting, the plans of the vCPUs concerned are cut back to those
 *   points.  A module whose tick hook does work at every tick (the tick's
 *   runqueue-lock hold, guest/rqlock.c) sets g->busy_tick_work: then every
 *   busy vCPU's plan also stops at each tick while a task of the guest is
 *   blocked.  That work matters only then: another vCPU takes a busy
 *   vCPU's runqueue lock to wake a blocked task onto it (a task's op; a
 *   timer's or a device's wake-up takes none in the model, and a fork's
 *   child goes to an idle vCPU or stays on its parent's) or to pull a
 *   waiting task from it (its ticks stop the plan then anyway); with no
 *   task blocked, the tick's hold could neither wait nor make anyone
 *   wait.
 *
 * Invariants
 *   - a runnable task is current on one vCPU or waits on the runqueue of
 *     t->vcpu; vcpus[].nr_waiting and nr_waiting count the waiting ones;
 *   - a vCPU's load is the weight of its current and waiting tasks;
 *   - nr_blocked counts the tasks in VL_TASK_BLOCKED (they left the CPU
 *     through vl_gsched_block and come back through vl_gsched_wake);
 *   - need_resched is only set on a vCPU with a current task, and cleared
 *     whenever it changes.
 *
 * TODO
 *   - buddies (next/last/skip), START_DEBIT for tasks forked at run time,
 *     wake_affine; PELT load averages (balancing uses weights). */
#include "guest/gsched.h"

#include <assert.h>

#include "guest/plan.h"
#include "guest/module.h"
#include "guest/runqueue.h"
#include "guest/ipi.h"
#include "guest/task.h"
#include "vl_linux_cfs.h"

void vl_gsched_init(vl_guest *g)
{
    int f = vl_cfs_tunable_factor(g->nvcpus);
    g->sched_latency = f * VL_CFS_LATENCY;
    g->min_granularity = f * VL_CFS_MIN_GRANULARITY;
    g->wakeup_granularity = f * VL_CFS_WAKEUP_GRANULARITY;
}

bool vl_gsched_idle(const vl_gvcpu *gv)
{
    return !gv->curr && gv->nr_waiting == 0;
}

vl_ns vl_gsched_tick_after(const vl_guest *g, int v, vl_ns t)
{
    vl_ns phase = g->quantum * v / g->nvcpus;
    if (t < phase)
        return phase;
    return ((t - phase) / g->quantum + 1) * g->quantum + phase;
}

/* The tick due at or after now. */
static vl_ns upcoming_tick(const vl_guest *g, int v, vl_ns now)
{
    vl_ns next = g->vcpus[v].next_tick;
    return next >= now ? next : vl_gsched_tick_after(g, v, now - 1);
}

/* t runs kernel code, where a voluntary-preemption kernel does not
 * preempt it: it spins, or it is inside a kernel call (a lock granted at
 * the call's very start counts). */
static bool in_kernel(vl_guest *g, vl_task *t)
{
    if (vl_task_spinning(t))
        return true;
    vl_opi *o = vl_task_op(g, t, 0);
    return o && o->kind == VL_OP_KERNEL && (t->elapsed > 0 || t->lock_counted);
}

/* ------------------------------------------------------------- preemption */

/* sched_slice: t's share of the period, at least min_granularity. */
static vl_ns ideal_slice(const vl_guest *g, const vl_gvcpu *gv, const vl_task *t)
{
    int nr = gv->nr_waiting + 1;
    vl_ns period = nr > VL_CFS_NR_LATENCY ? nr * g->min_granularity : g->sched_latency;
    vl_ns slice = period * (vl_ns)t->weight / (vl_ns)gv->load;
    return slice > g->min_granularity ? slice : g->min_granularity;
}

/* check_preempt_tick (v's current task charged up to now). */
static void check_preempt_tick(vl_guest *g, vl_gvcpu *gv)
{
    vl_task *t = gv->curr, *first = vl_rq_first(gv);
    vl_ns ideal = ideal_slice(g, gv, t), ran = t->sum_exec - t->prev_sum_exec;
    if (ran > ideal)
        gv->need_resched = true;
    else if (ran >= g->min_granularity && first && t->vruntime - first->vruntime > ideal)
        gv->need_resched = true;
}

/* check_preempt_wakeup: waiting task t preempts v's current task when that
 * one is more than wakeup_granularity (in t's virtual time) ahead.  True if
 * v must reschedule now (it was not asked already). */
static bool wakeup_preempts(vl_guest *g, int v, const vl_task *t, vl_ns now)
{
    vl_gvcpu *gv = &g->vcpus[v];
    if (!gv->curr || gv->need_resched)
        return false;
    vl_rq_update_curr(gv, now);
    if (gv->curr->vruntime - t->vruntime <= vl_rq_vdelta(g->wakeup_granularity, t->weight))
        return false;
    gv->need_resched = true;
    return true;
}

void vl_gsched_preempt_point(vl_guest *g, int v, vl_ns now)
{
    vl_gvcpu *gv = &g->vcpus[v];
    vl_task *t = gv->curr;
    if (!gv->need_resched || !t || vl_guest_pending(g, v) > 0 || in_kernel(g, t))
        return;
    gv->need_resched = false;
    vl_rq_update_curr(gv, now);
    vl_task *first = vl_rq_first(gv);
    if (first && first->vruntime <= t->vruntime) /* else pick would choose t again */
        vl_rq_put_curr(g, gv, now);
}

/* ------------------------------------------------------ planning horizon */

/* v's plans stop at every tick: its tick has work that matters. */
static bool ticking(const vl_guest *g, int v)
{
    return g->vcpus[v].nr_waiting > 0 || (g->busy_tick_work && g->nr_blocked > 0);
}

/* Where v's plan must stop for the tick or the balancer to look. */
static vl_ns timer_horizon(vl_guest *g, int v, vl_ns now)
{
    const vl_gvcpu *gv = &g->vcpus[v];
    if (ticking(g, v))
        return upcoming_tick(g, v, now);
    const vl_gmod *balancer = g->hooks->balancer;
    if (g->nr_waiting == 0 || g->nvcpus == 1 || !balancer)
        return VL_NS_MAX;
    if (gv->next_balance < g->waiting_since)
        balancer->balance_catch_up(g, v);
    vl_ns tick = upcoming_tick(g, v, now);
    return gv->next_balance > tick ? gv->next_balance : tick;
}

vl_ns vl_gsched_horizon(vl_guest *g, int v)
{
    vl_gvcpu *gv = &g->vcpus[v];
    vl_ns now = g->sim->now, h = timer_horizon(g, v, now);
    vl_task *t = gv->curr;
    if (gv->need_resched && t && !vl_task_spinning(t) && in_kernel(g, t)) {
        vl_ns end = now + vl_opi_len(vl_task_op(g, t, 0)) - t->elapsed; /* the call returns */
        if (end < h)
            h = end;
    }
    return h;
}

/* A task started waiting: if w runs a plan that ignores the tick or the
 * balancer, it stops at the point that now matters. */
static void retime(vl_guest *g, int w, vl_ns now)
{
    const vl_gvcpu *gv = &g->vcpus[w];
    /* no plan, or one that ends before any tick: told before w's exit
     * state is looked at (neither changes in an exit cycle the core folds:
     * the upcoming tick is the same from any entry before now) */
    if (!gv->curr || gv->plan_end <= upcoming_tick(g, w, now))
        return;
    vl_hv_guest_vcpu(g->hv, g->vm, w);
    if (!gv->in_guest || gv->planning)
        return;
    vl_plan_cut(g, w, timer_horizon(g, w, now));
}

/* Every vCPU's plan stops where the tick or the balancer now looks. */
static void retime_all(vl_guest *g, vl_ns now)
{
    for (int w = 0; w < g->nvcpus; w++)
        retime(g, w, now);
}

/* A task started waiting on v's runqueue: v now needs its ticks, and when
 * it is the guest's only waiting task, every vCPU its balance points. */
static void started_waiting(vl_guest *g, int v, vl_ns now)
{
    if (g->nr_waiting == 1 && g->nvcpus > 1) {
        g->waiting_since = now;
        retime_all(g, now);
    } else {
        retime(g, v, now);
    }
}

/* t starts waiting on v's runqueue. */
static void enqueue(vl_guest *g, int v, vl_task *t, vl_ns now)
{
    vl_rq_enqueue(g, &g->vcpus[v], t);
    started_waiting(g, v, now);
}

/* ------------------------------------------------------------ wake-ups */

/* select_idle_sibling: a waking task goes to its previous vCPU if that is
 * idle, else to the first idle vCPU after it (one LLC: every vCPU is a
 * sibling), else stays on its previous vCPU. */
static bool idle_online(const vl_gvcpu *gv)
{
    return gv->hotplug == VL_HP_ONLINE && vl_gsched_idle(gv);
}

static void place_wakee(vl_guest *g, vl_task *t)
{
    if (idle_online(&g->vcpus[t->vcpu]))
        return;
    for (int k = 1; k < g->nvcpus; k++) {
        int w = (t->vcpu + k) % g->nvcpus;
        if (idle_online(&g->vcpus[w])) {
            t->vcpu = w;
            g->migrations++;
            return;
        }
    }
    if (g->vcpus[t->vcpu].hotplug != VL_HP_ONLINE) { /* its vCPU is going away */
        t->vcpu = vl_gsched_online_near(g, t->vcpu);
        g->migrations++;
    }
}

/* place_entity for a wake-up on v: keeps the vruntime it had relative to
 * its previous vCPU's min_vruntime, with at most half a latency of credit
 * for the sleep (GENTLE_FAIR_SLEEPERS). */
static void place_woken(vl_guest *g, vl_task *t, int prev)
{
    vl_gvcpu *gv = &g->vcpus[t->vcpu];
    t->vruntime += gv->min_vruntime - g->vcpus[prev].min_vruntime;
    vl_ns floor = gv->min_vruntime - g->sched_latency / 2;
    if (t->vruntime < floor)
        t->vruntime = floor;
}

/* The IPI of a remote wake-up from `from` to `to`, whose exit the waker's
 * code path pays: through the target's wake list a call-function-single
 * IPI (0xfb), otherwise smp_send_reschedule (0xfd). */
static void resched_ipi(vl_guest *g, int from, int to, bool wakelist, vl_ns now)
{
    vl_guest_charge(g, from, vl_hv_ipi_exit_cost(g->hv));
    vl_ipi_send(g, from, &to, 1, wakelist ? 0xfb : VL_VEC_RESCHEDULE, VL_IPI_RESCHEDULE, now);
}

/* Queues t where it is placed; a remote vCPU learns of it by IPI from
 * `from` when it was idle or must reschedule for t.  Linux >= 5.8 queues
 * a wake-up of an idle target on its wake list (ttwu_queue_wakelist); a
 * new task never goes that way: wake_up_new_task locks the target's
 * runqueue itself (fork). */
static void enqueue_woken(vl_guest *g, int from, vl_task *t, vl_ns now, bool fork)
{
    int prev = t->vcpu;
    place_wakee(g, t);
    int w = t->vcpu;
    bool idle = vl_gsched_idle(&g->vcpus[w]);
    vl_rq_update_curr(&g->vcpus[w], now);
    place_woken(g, t, prev);
    enqueue(g, w, t, now);
    bool kick = idle || wakeup_preempts(g, w, t, now);
    bool wakelist = g->wakelist_ipi && idle && !fork;
    if (kick && w != from)
        resched_ipi(g, from, w, wakelist, now);
    VL_GUEST_CALL(g, woke, g, from, w, wakelist, kick);
}

static void wake(vl_guest *g, int waker, vl_task *t, vl_ns now, bool fork)
{
    g->nr_blocked -= t->state == VL_TASK_BLOCKED;
    t->state = VL_TASK_RUNNABLE;
    t->woke_at = now;
    t->started = false;
    t->worked = false;
    enqueue_woken(g, waker, t, now, fork);
}

void vl_gsched_wake(vl_guest *g, int waker, vl_task *t, vl_ns now)
{
    wake(g, waker, t, now, false);
}

void vl_gsched_wake_new(vl_guest *g, int parent, vl_task *t, vl_ns now)
{
    wake(g, parent, t, now, true);
}

void vl_gsched_expire(vl_guest *g, int v, vl_ns now)
{
    vl_list *pos, *tmp;
    vl_list_for_each_safe(pos, tmp, &g->vcpus[v].expired) {
        vl_task *t = vl_container_of(pos, vl_task, link);
        vl_list_del(pos);
        t->state = VL_TASK_RUNNABLE;
        enqueue_woken(g, v, t, now, false); /* the timer's vCPU runs the wake-up */
    }
}

/* ----------------------------------------------------- picking and tick */

vl_task *vl_gsched_pick(vl_guest *g, int v, vl_ns now)
{
    vl_gvcpu *gv = &g->vcpus[v];
    /* a task that left the CPU without vl_gsched_block would still weigh */
    assert(gv->nr_waiting > 0 || gv->load == 0);
    const vl_gmod *balancer = g->hooks->balancer;
    if (gv->nr_waiting == 0 && (!balancer || !balancer->idle_pull(g, v, now)))
        return NULL;
    vl_task *t = vl_rq_first(gv);
    vl_rq_set_curr(g, gv, t, now);
    gv->need_resched = false;
    return t;
}

void vl_gsched_block(vl_guest *g, int v, vl_ns now)
{
    vl_gvcpu *gv = &g->vcpus[v];
    bool blocked = gv->curr->state == VL_TASK_BLOCKED;
    vl_rq_drop_curr(gv, now);
    gv->need_resched = false;
    if (blocked && ++g->nr_blocked == 1 && g->busy_tick_work)
        retime_all(g, now); /* busy vCPUs' ticks now hold their locks */
}

void vl_gsched_tick(vl_guest *g, int v, vl_ns now)
{
    vl_gvcpu *gv = &g->vcpus[v];
    gv->next_tick = vl_gsched_tick_after(g, v, now);
    if (!gv->curr)
        return;
    bool modelled = ticking(g, v); /* not a tick a plan passed over */
    vl_rq_update_curr(gv, now);
    if (gv->nr_waiting > 0)
        check_preempt_tick(g, gv);
    const vl_gmod *balancer = g->hooks->balancer;
    if (balancer && balancer->balance_tick(g, v, gv->next_tick - g->quantum) > 0)
        wakeup_preempts(g, v, vl_rq_first(gv), now); /* attach_task checks too */
    if (modelled) {
        VL_GUEST_CALL(g, tick, g, v, gv->curr);
    }
}

/* ---------------------------------------------------------------- tasks */

void vl_gsched_add_new(vl_guest *g, vl_task *t)
{
    vl_gvcpu *gv = &g->vcpus[t->vcpu];
    t->state = VL_TASK_RUNNABLE;
    t->vruntime = gv->min_vruntime;
    enqueue(g, t->vcpu, t, g->sim->now);
}

void vl_gsched_set_nice(vl_guest *g, vl_task *t, int nice)
{
    vl_gvcpu *gv = &g->vcpus[t->vcpu];
    bool waiting = t->state == VL_TASK_RUNNABLE && gv->curr != t;
    if (waiting) {
        vl_rq_dequeue(g, gv, t);
    } else if (gv->curr == t) { /* reweight_entity: charge at the old weight first */
        vl_rq_update_curr(gv, g->sim->now);
        gv->load -= t->weight;
    }
    t->nice = nice < -20 ? -20 : nice > 19 ? 19 : nice;
    t->weight = vl_rq_nice_weight(t->nice);
    if (waiting)
        vl_rq_enqueue(g, gv, t);
    else if (gv->curr == t)
        gv->load += t->weight;
}

void vl_gsched_settle(vl_guest *g, int v, vl_ns now)
{
    vl_rq_update_curr(&g->vcpus[v], now);
}

void vl_gsched_migrate(vl_guest *g, vl_task *t, int to, vl_ns now)
{
    vl_rq_move(g, t, to, now);
    g->migrations++;
}

int vl_gsched_online_near(const vl_guest *g, int hint)
{
    for (int k = 0; k < g->nvcpus; k++) {
        int w = (hint + k) % g->nvcpus;
        if (g->vcpus[w].hotplug == VL_HP_ONLINE)
            return w;
    }
    return hint; /* the core keeps one online vCPU per VM */
}

/* The online vCPU with the least load (lowest index on ties). */
static int least_loaded_online(const vl_guest *g)
{
    int best = -1;
    for (int w = 0; w < g->nvcpus; w++)
        if (g->vcpus[w].hotplug == VL_HP_ONLINE &&
            (best < 0 || g->vcpus[w].load < g->vcpus[best].load))
            best = w;
    return best;
}

int vl_gsched_evacuate(vl_guest *g, int v, vl_ns now)
{
    vl_gvcpu *gv = &g->vcpus[v];
    vl_task *t = gv->curr;
    int moved = 0;
    if (t && in_kernel(g, t))
        return -1;
    if (t) {
        vl_rq_update_curr(gv, now);
        vl_rq_put_curr(g, gv, now);
        gv->need_resched = false;
    }
    vl_gsched_expire(g, v, now); /* its expired timers wake tasks elsewhere */
    while ((t = vl_rq_first(gv))) {
        int to = least_loaded_online(g);
        bool idle = vl_gsched_idle(&g->vcpus[to]);
        vl_rq_move(g, t, to, now);
        started_waiting(g, to, now);
        moved++;
        if (idle || wakeup_preempts(g, to, t, now))
            resched_ipi(g, v, to, idle, now);
    }
    for (int i = 0; i < g->ntasks; i++) /* sleeping and blocked ones: new homes */
        if (g->tasks[i]->vcpu == v)
            g->tasks[i]->vcpu = vl_gsched_online_near(g, v);
    return moved;
}
