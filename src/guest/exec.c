/* guest/exec.c - executing tasks on vCPUs in planned segments, and the
 * interrupt entry and exit.
 *
 * vl_exec_run_plan() walks the current task's operations forward from now until
 * the first point that needs an event (docs/guest-model.md): a sleep, the
 * end of the program, a lock that is busy when it would be taken, the
 * scheduler's horizon (guest/gsched.h: a tick, a balance, the end of a
 * kernel call that holds off a preemption), or the plan's capacity.
 * Locks taken on the way are reserved for their planned holds; nothing
 * else is recorded: a cut (preemption, interrupt, another vCPU's earlier
 * claim on a reserved lock) recomputes the task's position from the time
 * it executed (settle), and a new plan starts from there.
 *
 * The engine names no mechanism: an op it cannot plan through goes to the
 * module that registered it (g->hooks->ops), an interrupt vector to its
 * handler (g->vectors), and the end of a vCPU's handler work, an idle
 * vCPU, a switch, an ended program to the modules' hooks, in the order of
 * the module list (guest/module.h). */
#include "guest/exec.h"

#include "guest/gsched.h"
#include "guest/ipi.h"
#include "guest/kernel.h"
#include "guest/module.h"
#include "guest/plan.h"
#include "guest/task.h"

#include <stdlib.h>
#include <string.h>

#include "hv/guest_port.h"
#include "vl_oom.h"

/* User-space text of task i: a typical x86-64 PIE load address. */
#define GUEST_USER_TEXT 0x0000555555554000ULL

static vl_opi *head_op(vl_guest *g, vl_task *t)
{
    return vl_task_op(g, t, 0);
}

static vl_glock *lock_of(vl_guest *g, const vl_opi *o)
{
    vl_glock *L = vl_guest_lock(g, g->classes[o->lock_class].first + o->lock_instance);
    if (!L)
        vl_out_of_memory("a guest lock");
    return L;
}

/* The lock v's task holds now, or NULL.  A spinning task holds none: a
 * lock waiter gets its lock only with the hand-off, and a shootdown sender
 * spins after its plan stopped with nothing reserved from now on. */
static vl_glock *holding(vl_guest *g, int v)
{
    vl_task *t = g->vcpus[v].curr;
    if (!t || vl_task_spinning(t))
        return NULL;
    vl_opi *o = head_op(g, t);
    if (!o || o->kind != VL_OP_KERNEL || o->lock_class < 0)
        return NULL;
    vl_glock *L = lock_of(g, o);
    return vl_lock_resv_at(L, v, g->sim->now) ? L : NULL;
}

/* Advances v's task by `d` of execution that started at `at`. */
static void advance(vl_guest *g, int v, vl_task *t, vl_ns at, vl_ns d)
{
    t->stats->work_ns += d;
    if (d > 0)
        t->worked = true;
    while (d > 0) {
        vl_opi *o = head_op(g, t);
        if (!o || (o->kind != VL_OP_COMPUTE && o->kind != VL_OP_KERNEL))
            return; /* plans stop before these */
        vl_ns left = vl_opi_len(o) - t->elapsed;
        vl_ns step = d < left ? d : left;
        if (o->kind == VL_OP_KERNEL && o->lock_class >= 0) {
            vl_ns acq = o->pre, rel = o->pre + o->hold;
            if (t->elapsed <= acq && t->elapsed + step > acq) {
                if (!t->lock_counted) { /* uncontended (a hand-off counted itself) */
                    g->classes[o->lock_class].stats.acquisitions++;
                    t->hold_start = at + (acq - t->elapsed);
                }
                t->lock_counted = false;
            }
            if (t->elapsed < rel && t->elapsed + step >= rel && g->observer.hold)
                g->observer.hold(g->observer.ctx, g, lock_of(g, o), v, t->hold_start,
                                 at + (rel - t->elapsed));
        }
        t->elapsed += step;
        at += step;
        d -= step;
        if (t->elapsed >= vl_opi_len(o))
            vl_task_op_done(t);
    }
}

void vl_exec_settle(vl_guest *g, int v, vl_ns now)
{
    vl_gvcpu *gv = &g->vcpus[v];
    vl_task *t = gv->curr;
    vl_ns at = gv->seg_start, d = now - at;
    gv->seg_start = now;
    if (!gv->in_guest || d <= 0)
        return;
    if (gv->irq_left > 0) { /* the interrupt handler runs first */
        vl_ns x = d < gv->irq_left ? d : gv->irq_left;
        gv->irq_left -= x;
        at += x;
        d -= x;
    }
    if (t && vl_task_spinning(t)) {
        if (t->waiting)
            gv->spun += d; /* PV spinlocks count the spin */
        if (d > 0 && g->observer.spin)
            g->observer.spin(g->observer.ctx, g, t->waiting, v, at, now);
    } else if (t && d > 0) {
        advance(g, v, t, at, d);
    }
}

/* The task reached a sleep: the request is done; the timer wakes it. */
static void task_sleep(vl_guest *g, vl_task *t, vl_ns now)
{
    if (t->worked) {
        t->stats->bursts++;
        vl_hist_record(&t->stats->response, now - t->woke_at);
    }
    vl_task_sleep(g, t, now);
}

typedef enum {
    STOP_END,
    STOP_SLEEP,
    STOP_OP, /* an op a module runs (guest/module.h) */
    STOP_LOCK,
    STOP_IRQ,
    STOP_HORIZON,
    STOP_FULL,
    STOP_ENDLESS /* an op that outlasts any run: nothing after it matters */
} stop_reason;

/* Walks t's operations from now; returns where the plan stops. */
static stop_reason walk(vl_guest *g, int v, vl_task *t, vl_ns now, vl_ns horizon, vl_ns *end,
                        vl_glock **busy)
{
    vl_gvcpu *gv = &g->vcpus[v];
    vl_ns T = now, e = t->elapsed;
    if (gv->irq_left > 0) { /* a handler to run first: stop after it */
        *end = now + gv->irq_left;
        return STOP_IRQ;
    }
    for (int i = 0;; i++, e = 0) {
        vl_opi *o = vl_task_op(g, t, i);
        if (!o) {
            *end = T;
            return STOP_END;
        }
        if (o->kind == VL_OP_SLEEP) {
            *end = T;
            return STOP_SLEEP;
        }
        if (g->hooks->ops[o->kind].run) {
            *end = T;
            return STOP_OP;
        }
        if (o->kind == VL_OP_KERNEL && o->lock_class >= 0 && e < o->pre + o->hold) {
            if (e < o->pre) {
                T += o->pre - e;
                e = o->pre;
            }
            if (e == o->pre && T >= horizon) {
                *end = horizon; /* take no lock beyond the plan's horizon */
                return STOP_HORIZON;
            }
            vl_glock *L = lock_of(g, o);
            vl_ns rem = o->pre + o->hold - e;
            if (gv->nplan_locks == VL_PLAN_MAX ||
                vl_lock_plan_acquire(L, v, T, rem) == VL_LOCK_BUSY) {
                *end = T;
                *busy = L;
                return gv->nplan_locks == VL_PLAN_MAX ? STOP_FULL : STOP_LOCK;
            }
            vl_plan_note_lock(gv, L->id);
            T += rem;
            e = o->pre + o->hold;
        }
        vl_ns len = vl_opi_len(o);
        T = len - e > VL_NS_MAX - T ? VL_NS_MAX : T + (len - e);
        if (T >= horizon) {
            *end = horizon;
            return STOP_HORIZON;
        }
        if (len >= VL_OP_ENDLESS) { /* looking further ahead would only fill the queue */
            *end = T;
            return STOP_ENDLESS;
        }
        if (i == VL_OPQ_LEN - 1) {
            *end = T;
            return STOP_FULL;
        }
    }
}

/* t's program ended: when it was the last live task measured into its
 * workload's stats, the workload is done (a fixed amount of work ran). */
static void note_workload_exit(vl_guest *g, vl_task *t, vl_ns now)
{
    if (!t->stats || t->stats->done_ns)
        return;
    for (int i = 0; i < g->ntasks; i++)
        if (g->tasks[i]->stats == t->stats && g->tasks[i]->state != VL_TASK_EXITED)
            return;
    t->stats->done_ns = now;
    if (g->workload_done)
        g->workload_done(g->workload_done_ctx, t->stats, now);
}

/* v has nothing to run: the first module with work for an idle vCPU
 * (the `idle` hooks) gives v that handler work. */
static void run_idle(vl_guest *g, int v, vl_ns now)
{
    vl_gvcpu *gv = &g->vcpus[v];
    for (int i = 0; i < g->hooks->nidle; i++) {
        uint64_t rip = 0;
        vl_ns work = g->hooks->idle[i]->idle(g, v, now, &rip);
        if (work > 0) {
            gv->irq_left = work;
            gv->irq_rip = rip;
            return;
        }
    }
}

/* The plan of v's task t stopped at an op a module runs: the module runs
 * it; the task goes on, blocks (it leaves the CPU) or spins.  Ops that may
 * wake tasks are bracketed by the op_begin / op_end hooks (the runqueue
 * locks of guest/rqlock.c). */
static vl_op_next run_op(vl_guest *g, int v, vl_task *t, vl_ns now)
{
    vl_gop op = g->hooks->ops[head_op(g, t)->kind];
    if (op.wakes) {
        VL_GUEST_CALL(g, op_begin, g, v);
    }
    vl_op_next next = op.run(g, v, t, now);
    if (next == VL_NEXT_BLOCK)
        vl_gsched_block(g, v, now);
    if (op.wakes) {
        vl_task *still = g->vcpus[v].curr == t ? t : NULL;
        VL_GUEST_CALL(g, op_end, g, v, still);
    }
    return next;
}

/* Plans a segment that only runs the pending interrupt handler work. */
static void run_handler(vl_guest *g, int v, vl_ns now)
{
    vl_gvcpu *gv = &g->vcpus[v];
    gv->plan_end = now + gv->irq_left;
    vl_sim_schedule(g->sim, &gv->seg_ev, gv->plan_end);
    gv->planning = false;
}

/* How a vCPU stops executing. */
typedef enum { BLOCK_HLT, BLOCK_PV_WAIT, BLOCK_OFFLINE } block_how;

/* HLT (idle), pv_wait (PV spinlock) or offline (hotplug): true if the vCPU
 * stopped; false if an interrupt was pending, which was delivered, and it
 * goes on. */
static bool block_vcpu(vl_guest *g, int v, block_how how)
{
    vl_gvcpu *gv = &g->vcpus[v];
    gv->in_guest = false;
    gv->planning = false;
    gv->pv_waiting = how == BLOCK_PV_WAIT;
    bool stopped = how == BLOCK_HLT       ? vl_hv_halt(g->hv, g->vm, v)
                   : how == BLOCK_PV_WAIT ? vl_hv_pv_wait(g->hv, g->vm, v)
                                          : vl_hv_offline(g->hv, g->vm, v);
    if (stopped)
        return true;
    gv->pv_waiting = false;
    gv->planning = true;
    gv->in_guest = true;
    return false;
}

/* v's task, spinning on L, got it at now: the contended acquisition's
 * ground truth; the task holds L from now. */
static void count_grant(vl_guest *g, int v, vl_glock *L, vl_ns now)
{
    vl_gvcpu *gv = &g->vcpus[v];
    vl_task *t = gv->curr;
    vl_lock_stats *st = &g->classes[L->cls].stats;
    st->acquisitions++;
    st->contended++;
    st->wait_ns += now - t->wait_since;
    vl_hist_record(&st->wait, now - t->wait_since);
    t->waiting = NULL;
    t->lock_counted = true;
    t->hold_start = now;
    gv->spun = 0;
}

/* The plan stopped now at an op a module runs, behind ops with nothing
 * left to run (`compute: 0us`): those are done (settling completes an op
 * only as time passes). */
static void skip_done_ops(vl_guest *g, vl_task *t)
{
    vl_opi *o;
    while ((o = head_op(g, t)) && !g->hooks->ops[o->kind].run && o->lock_class < 0 &&
           (o->kind == VL_OP_COMPUTE || o->kind == VL_OP_KERNEL) && t->elapsed >= vl_opi_len(o))
        vl_task_op_done(t);
}

/* Picks what the vCPU executes and plans its next segment; halts the
 * vCPU when nothing is runnable. */
void vl_exec_run_plan(vl_guest *g, int v, vl_ns now)
{
    vl_gvcpu *gv = &g->vcpus[v];
    gv->planning = true;
    vl_plan_drop(g, v, now);
    gv->nplan_locks = 0;
    gv->seg_start = now;
    for (;;) {
        vl_gsched_preempt_point(g, v, now);
        bool leaving = gv->hotplug == VL_HP_LEAVING;
        if (leaving && gv->irq_left == 0 && g->hooks->leave->leave(g, v, now))
            return; /* offline */
        if (!gv->curr && !leaving && (gv->curr = vl_gsched_pick(g, v, now))) {
            gv->io_starts += gv->curr->io_bound;
            VL_GUEST_CALL(g, switch_in, g, v, gv->curr);
        }
        vl_task *t = gv->curr;
        if (!t && gv->irq_left == 0)
            run_idle(g, v, now); /* e.g. ksoftirqd, rather than idling */
        if (!t && gv->irq_left > 0) { /* an idle vCPU still runs the handler */
            run_handler(g, v, now);
            return;
        }
        if (!t && leaving)
            continue; /* an interrupt was pending when it tried to stop */
        if (!t) {
            vl_sim_cancel(g->sim, &gv->seg_ev);
            if (block_vcpu(g, v, BLOCK_HLT))
                return;
            continue; /* an interrupt was pending: look again */
        }
        if (!t->started) {
            t->started = true;
            vl_hist_record(&t->stats->wake_latency, now - t->woke_at);
        }
        if (t->mm != gv->cur_mm) { /* switch_mm: load the task's page tables */
            gv->cur_mm = t->mm;
            gv->irq_left += vl_hv_cr3_load(g->hv, g->vm, v, vl_guest_cr3(t->mm));
        }
        if (t->waiting && gv->irq_left == 0 && (g->unfair_locks || g->pv_qspinlock) &&
            vl_lock_try_take(t->waiting, v)) { /* it was free: test-and-set / trylock */
            count_grant(g, v, t->waiting, now);
            continue;
        }
        if (vl_task_spinning(t) && gv->irq_left == 0) { /* back in guest mode while spinning */
            vl_sim_cancel(g->sim, &gv->seg_ev);
            if (t->waiting && g->pv_spinlocks) {
                if (gv->spun >= g->pv_spin) { /* pv_wait: halt until kicked */
                    gv->spun = 0;
                    if (block_vcpu(g, v, BLOCK_PV_WAIT))
                        return;
                    continue; /* an interrupt was pending: spin on */
                }
                gv->plan_end = now + (g->pv_spin - gv->spun);
                vl_sim_schedule(g->sim, &gv->seg_ev, gv->plan_end);
            }
            vl_hv_spin_begin(g->hv, g->vm, v, t->waiting ? g->rip_spin : g->rip_ipi_wait, true);
            gv->planning = false;
            return;
        }
        if (vl_task_spinning(t)) { /* a handler interrupted the spin: run it, spin after */
            run_handler(g, v, now);
            return;
        }
        vl_ns horizon = vl_gsched_horizon(g, v);
        vl_ns end = now;
        vl_glock *busy = NULL;
        stop_reason why = walk(g, v, t, now, horizon, &end, &busy);
        if (end > now || why == STOP_HORIZON || why == STOP_FULL || why == STOP_ENDLESS) {
            gv->plan_end = end;
            if (end == VL_NS_MAX || why == STOP_ENDLESS)
                /* an endless op ends past any run's end (model.c asserts
                 * it): no event, where one filed and cancelled at every
                 * preemption would only sit in the list */
                vl_sim_cancel(g->sim, &gv->seg_ev);
            else
                vl_sim_schedule(g->sim, &gv->seg_ev, end > now ? end : now);
            gv->planning = false;
            return;
        }
        switch (why) {
        case STOP_SLEEP:
            task_sleep(g, t, now);
            vl_gsched_block(g, v, now);
            break;
        case STOP_END:
            t->state = VL_TASK_EXITED;
            vl_gsched_block(g, v, now);
            VL_GUEST_CALL(g, task_exit, g, v, t, now);
            note_workload_exit(g, t, now);
            break;
        case STOP_OP:
            skip_done_ops(g, t);
            if (run_op(g, v, t, now) == VL_NEXT_SPIN) { /* waits for acknowledgements */
                vl_sim_cancel(g->sim, &gv->seg_ev);
                vl_hv_spin_begin(g->hv, g->vm, v, g->rip_ipi_wait, true);
                gv->planning = false;
                return;
            }
            break;
        default: /* STOP_LOCK at now: queue and spin (no hold was planned) */
            gv->nplan_locks = 0;
            t->waiting = busy;
            t->wait_since = now;
            vl_lock_wait(busy, v);
            vl_sim_cancel(g->sim, &gv->seg_ev);
            vl_hv_spin_begin(g->hv, g->vm, v, g->rip_spin, true);
            gv->planning = false;
            return;
        }
    }
}

/* v's interrupt-handler work is done: what the handlers did takes effect
 * (the modules' `handled`, in list order: e.g. call acknowledgements, a
 * NAPI round's packets, block completions), and they may find more to do;
 * when none does, the `irq_done` hooks run. */
static void handlers_done(vl_guest *g, int v, vl_ns now)
{
    vl_gvcpu *gv = &g->vcpus[v];
    if (gv->irq_left > 0)
        return;
    gv->irq_rip = 0;
    if (!gv->due)
        return; /* no module has anything to complete here */
    vl_ns more = 0;
    uint64_t rip = 0;
    for (int i = 0; i < g->hooks->nhandled; i++) {
        if (!(gv->due & g->hooks->handled_bit[i]))
            continue;
        uint64_t at = 0;
        vl_ns work = g->hooks->handled[i]->handled(g, v, now, &at);
        if (work > 0 && more == 0)
            rip = at; /* the first handler with work runs first */
        more += work;
    }
    if (more > 0) {
        gv->irq_left = more;
        gv->irq_rip = rip;
        return;
    }
    for (int i = 0; i < g->hooks->nirq_done; i++)
        if (gv->due & g->hooks->irq_done_bit[i])
            g->hooks->irq_done[i]->irq_done(g, v, now);
}

void vl_exec_segment_end(void *ctx, vl_event *ev)
{
    vl_guest *g = ctx;
    int v = (int)(vl_container_of(ev, vl_gvcpu, seg_ev) - g->vcpus);
    vl_ns now = g->sim->now;
    vl_gvcpu *gv = &g->vcpus[v];
    vl_exec_settle(g, v, now);
    handlers_done(g, v, now);
    if (now >= gv->next_tick)
        vl_gsched_tick(g, v, now);
    vl_exec_run_plan(g, v, now);
}

/* The FIFO hand-off gave L to waiting vCPU v (the lock's granted hook). */
static void granted(vl_guest *g, int v, vl_glock *L)
{
    vl_hv_guest_vcpu(g->hv, g->vm, v);
    vl_gvcpu *gv = &g->vcpus[v];
    vl_ns now = g->sim->now;
    count_grant(g, v, L, now);
    if (!gv->in_guest) {
        g->classes[L->cls].stats.offcpu_handoffs++;
        /* handed to a waiter off its pCPU: it holds the lock from now; a
         * PV waiter halted in pv_wait is kicked (pv_kick at unlock) */
        if (gv->pv_waiting)
            vl_hv_kick(g->hv, g->vm, v);
        return;
    }
    vl_hv_spin_end(g->hv, g->vm, v);
    vl_exec_run_plan(g, v, now);
}

/* ------------------------------------------------------------ guest port */

/* Away longer than an exit and re-entry: it was descheduled (preempted),
 * not merely exited (a round trip costs ~1.5 us, a switch away and back at
 * least two world switches and another vCPU's turn). */
#define GUEST_PREEMPTED_NS 10000

/* v's task spins on L, and L's holder is another vCPU preempted for
 * longer than an exit: the waiter got a pCPU before the holder did. */
static bool stacked(vl_guest *g, int v, vl_glock *L, vl_ns now)
{
    int h = vl_lock_holder(L, now);
    if (h >= 0 && h != v)
        vl_hv_guest_vcpu(g->hv, g->vm, h);
    return h >= 0 && h != v && !g->vcpus[h].in_guest &&
           now - g->vcpus[h].left_at > GUEST_PREEMPTED_NS;
}

void vl_exec_enter(vl_guest *g, int v, vl_ns now)
{
    vl_gvcpu *gv = &g->vcpus[v];
    gv->in_guest = true;
    gv->pv_waiting = false;
    if (now - gv->left_at > GUEST_PREEMPTED_NS) {
        if (gv->held_at_leave)
            g->classes[gv->held_at_leave->cls].stats.holder_preemptions++;
        if (gv->waited_at_leave)
            g->classes[gv->waited_at_leave->cls].stats.waiter_preemptions++;
    }
    if (gv->curr && gv->curr->waiting && stacked(g, v, gv->curr->waiting, now))
        g->classes[gv->curr->waiting->cls].stats.stacked++;
    gv->held_at_leave = gv->waited_at_leave = NULL;
    gv->next_tick = vl_gsched_tick_after(g, v, now);
    if (gv->curr)
        gv->io_starts += gv->curr->io_bound; /* resumed */
    vl_exec_run_plan(g, v, now);
}

void vl_exec_leave(vl_guest *g, int v, vl_ns now)
{
    vl_gvcpu *gv = &g->vcpus[v];
    vl_exec_settle(g, v, now);
    gv->in_guest = false;
    handlers_done(g, v, now);
    gv->in_guest = true;
    vl_task *t = gv->curr;
    gv->left_at = now;
    gv->waited_at_leave = t ? t->waiting : NULL;
    vl_glock *L = holding(g, v);
    gv->held_at_leave = L;
    if (L)
        vl_lock_open(L, v);
    vl_plan_drop(g, v, now);
    vl_sim_cancel(g->sim, &gv->seg_ev);
    gv->in_guest = false;
}

/* ------------------------------------------- interrupt entry and exit */

/* v executes guest code now (in guest mode, not inside run_plan). */
static bool executing(const vl_gvcpu *gv)
{
    return gv->in_guest && !gv->planning;
}

/* v, in guest mode and settled, takes an interrupt whose handler runs
 * `work`: a spin pauses for it, and the vCPU re-plans after it. */
static void take_interrupt(vl_guest *g, int v, vl_ns work, vl_ns now)
{
    vl_gvcpu *gv = &g->vcpus[v];
    gv->irq_left += work;
    if (gv->curr && vl_task_spinning(gv->curr))
        vl_hv_spin_end(g->hv, g->vm, v);
    vl_exec_run_plan(g, v, now);
}

bool vl_exec_offline(vl_guest *g, int v)
{
    return block_vcpu(g, v, BLOCK_OFFLINE);
}

void vl_exec_resume(vl_guest *g, int v, vl_ns now)
{
    vl_hv_guest_vcpu(g->hv, g->vm, v);
    if (!executing(&g->vcpus[v]))
        return; /* it sees the answer when it next executes */
    vl_hv_spin_end(g->hv, g->vm, v);
    vl_exec_settle(g, v, now);
    vl_exec_run_plan(g, v, now);
}

void vl_exec_irq_settle(vl_guest *g, int v, vl_ns now)
{
    vl_hv_guest_vcpu(g->hv, g->vm, v);
    if (executing(&g->vcpus[v]))
        vl_exec_settle(g, v, now);
}

void vl_exec_irq_work(vl_guest *g, int v, vl_ns work, uint64_t rip, vl_ns now)
{
    vl_gvcpu *gv = &g->vcpus[v];
    if (rip)
        gv->irq_rip = rip;
    if (executing(gv))
        take_interrupt(g, v, work, now);
    else
        gv->irq_left += work; /* runs when it next executes */
}

void vl_exec_irq_look(vl_guest *g, int v, vl_ns now)
{
    if (!executing(&g->vcpus[v]))
        return; /* it looks at its runqueue when it next executes */
    vl_exec_settle(g, v, now);
    take_interrupt(g, v, g->irq_entry_cost, now);
}

/* The local timer (0xec): expired sleeps wake, and v looks again. */
static void timer_interrupt(vl_guest *g, int v, int vector, vl_ns now)
{
    (void)vector;
    vl_gsched_expire(g, v, now);
    if (!executing(&g->vcpus[v]))
        return; /* run_plan's HLT delivered it: its loop looks again */
    vl_exec_settle(g, v, now);
    vl_exec_run_plan(g, v, now);
}

/* sysvec_reschedule_ipi (0xfd): v looks at its runqueue. */
static void resched_interrupt(vl_guest *g, int v, int vector, vl_ns now)
{
    (void)vector;
    vl_ipi_handled(g, v, VL_IPI_RESCHEDULE, now);
    vl_exec_irq_look(g, v, now);
}

void vl_exec_init(vl_guest *g)
{
    g->lock_client = (vl_lock_client){.cut = vl_plan_cut, .granted = granted};
    vl_guest_vector(g, VL_VEC_LOCAL_TIMER, timer_interrupt);
    vl_guest_vector(g, VL_VEC_RESCHEDULE, resched_interrupt);
}

void vl_exec_interrupt(vl_guest *g, int v, int vector, vl_ns now)
{
    vl_vector_fn handler = vl_guest_handler(g, vector);
    if (handler)
        handler(g, v, vector, now);
}

bool vl_exec_spin_folds(vl_guest *g, int v)
{
    const vl_gvcpu *gv = &g->vcpus[v];
    const vl_task *t = gv->curr;
    return t && !t->waiting && t->acks_pending > 0 && t->started && !t->io_bound &&
           t->mm == gv->cur_mm && gv->irq_left == 0 && gv->due == 0 &&
           gv->hotplug == VL_HP_ONLINE && !g->observer.spin && gv->nplan_locks == 0;
}

uint64_t vl_exec_rip(vl_guest *g, int v, bool *kernel)
{
    vl_task *t = g->vcpus[v].curr;
    *kernel = true;
    if (g->vcpus[v].irq_left > 0)
        return g->vcpus[v].irq_rip ? g->vcpus[v].irq_rip : g->rip_flush;
    if (!t)
        return 0;
    if (t->waiting)
        return g->rip_spin;
    if (t->acks_pending > 0)
        return g->rip_ipi_wait;
    vl_opi *o = head_op(g, t);
    if (o && o->kind == VL_OP_KERNEL) {
        const vl_activity *a = &g->activities[o->activity];
        uint64_t len = a->end - a->start;
        uint64_t at = t->elapsed < o->pre ? len / 4 : t->elapsed < o->pre + o->hold ? len / 2
                                                                                     : 3 * len / 4;
        return a->start + at;
    }
    *kernel = false;
    return GUEST_USER_TEXT + ((uint64_t)t->id << 12);
}
