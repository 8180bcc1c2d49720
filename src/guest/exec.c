/* guest/exec.c - executing tasks on vCPUs in planned segments.
 *
 * vl_exec_run_plan() walks the current task's operations forward from now until
 * the first point that needs an event (docs/guest-model.md): a sleep, the
 * end of the program, a lock that is busy when it would be taken, the
 * scheduler's horizon (guest/gsched.h: a tick, a balance, the end of a
 * kernel call that holds off a preemption), or the plan's capacity.
 * Locks taken on the way are reserved for their planned holds; nothing
 * else is recorded: a cut (preemption, interrupt, another vCPU's earlier
 * claim on a reserved lock) recomputes the task's position from the time
 * it executed (settle), and a new plan starts from there. */
#include "guest/exec.h"

#include "guest/blk.h"
#include "guest/gsched.h"
#include "guest/hotplug.h"
#include "guest/net.h"
#include "guest/process.h"
#include "guest/rqlock.h"
#include "guest/smp.h"
#include "guest/sync.h"

#include <stdlib.h>
#include <string.h>

#include "hv/guest_port.h"
#include "vl_oom.h"

/* User-space text of task i: a typical x86-64 PIE load address. */
#define GUEST_USER_TEXT 0x0000555555554000ULL

static vl_opi *head_op(vl_guest *g, vl_task *t);


static int lock_instances(void *ctx, int cls)
{
    return ((vl_guest *)ctx)->classes[cls].ninstances;
}

vl_opi *vl_exec_op_at(vl_guest *g, vl_task *t, int i)
{
    vl_opi *o = vl_opq_at(&t->opq, t->prog, &t->rng, i, lock_instances, g);
    if (o && o->lock_class >= 0 && o->lock_class == g->mm_class) /* the task's own mm */
        o->lock_instance = t->mm % g->classes[g->mm_class].ninstances;
    return o;
}

static vl_opi *op_at(vl_guest *g, vl_task *t, int i)
{
    return vl_exec_op_at(g, t, i);
}

static vl_opi *head_op(vl_guest *g, vl_task *t)
{
    return op_at(g, t, 0);
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
    if (!t || vl_exec_spinning(t))
        return NULL;
    vl_opi *o = head_op(g, t);
    if (!o || o->kind != VL_OP_KERNEL || o->lock_class < 0)
        return NULL;
    vl_glock *L = lock_of(g, o);
    return vl_lock_resv_at(L, v, g->sim->now) ? L : NULL;
}

static void drop_plan(vl_guest *g, int v, vl_ns from)
{
    vl_gvcpu *gv = &g->vcpus[v];
    for (int i = 0; i < gv->nplan_locks; i++)
        vl_lock_drop_from(g->locks[gv->plan_locks[i]], v, from);
}

static void plan_note_lock(vl_gvcpu *gv, int id)
{
    for (int i = 0; i < gv->nplan_locks; i++)
        if (gv->plan_locks[i] == id)
            return;
    gv->plan_locks[gv->nplan_locks++] = id;
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
        if (t->elapsed >= vl_opi_len(o)) {
            vl_opq_pop(&t->opq);
            t->elapsed = 0;
        }
    }
}

bool vl_exec_spinning(const vl_task *t)
{
    return t->waiting || t->acks_pending > 0;
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
    if (t && vl_exec_spinning(t)) {
        if (t->waiting)
            gv->spun += d; /* PV spinlocks count the spin */
        if (d > 0 && g->observer.spin)
            g->observer.spin(g->observer.ctx, g, t->waiting, v, at, now);
    } else if (t && d > 0) {
        advance(g, v, t, at, d);
    }
}

vl_ns vl_exec_sleep_end(vl_task *t, const vl_opi *o, vl_ns now)
{
    vl_ns d = o->pre;
    if (!t->prog->ops[o->pc].periodic || d <= 0)
        return now + (d > 0 ? d : 1);
    vl_ns next = (t->release >= 0 ? t->release : t->woke_at) + d;
    if (next <= now) /* overran: releases not in the future are skipped */
        next += ((now - next) / d + 1) * d;
    t->release = next;
    return next;
}

/* The task reached a sleep: the request is done; the timer wakes it. */
static void task_sleep(vl_guest *g, vl_task *t, vl_ns now)
{
    vl_opi *o = head_op(g, t);
    if (t->worked) {
        t->stats->bursts++;
        vl_hist_record(&t->stats->response, now - t->woke_at);
    }
    vl_ns end = vl_exec_sleep_end(t, o, now);
    vl_opq_pop(&t->opq);
    t->elapsed = 0;
    t->state = VL_TASK_SLEEPING;
    vl_sim_schedule(g->sim, &t->timer, end);
}

static void task_exit(vl_task *t)
{
    t->state = VL_TASK_EXITED;
}

typedef enum {
    STOP_END,
    STOP_SLEEP,
    STOP_SYNC,
    STOP_IO,
    STOP_LOCK,
    STOP_SHOOTDOWN,
    STOP_IRQ,
    STOP_HORIZON,
    STOP_FULL
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
        vl_opi *o = op_at(g, t, i);
        if (!o) {
            *end = T;
            return STOP_END;
        }
        if (o->kind == VL_OP_SLEEP || o->kind == VL_OP_SHOOTDOWN) {
            *end = T;
            return o->kind == VL_OP_SLEEP ? STOP_SLEEP : STOP_SHOOTDOWN;
        }
        if (o->kind == VL_OP_BARRIER || o->kind == VL_OP_WAIT || o->kind == VL_OP_WAKE ||
            o->kind == VL_OP_SPAWN || o->kind == VL_OP_REAP) {
            *end = T;
            return STOP_SYNC;
        }
        if (o->kind == VL_OP_RECV || o->kind == VL_OP_SEND || o->kind == VL_OP_BLKIO) {
            *end = T;
            return STOP_IO;
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
            plan_note_lock(gv, L->id);
            T += rem;
            e = o->pre + o->hold;
        }
        vl_ns len = vl_opi_len(o);
        T = len - e > VL_NS_MAX - T ? VL_NS_MAX : T + (len - e);
        if (T >= horizon) {
            *end = horizon;
            return STOP_HORIZON;
        }
        if (i == VL_OPQ_LEN - 1) {
            *end = T;
            return STOP_FULL;
        }
    }
}

/* Plans a segment that only runs the pending interrupt handler work. */
static void run_handler(vl_guest *g, int v, vl_ns now)
{
    vl_gvcpu *gv = &g->vcpus[v];
    gv->plan_end = now + gv->irq_left;
    vl_sim_schedule(g->sim, &gv->seg_ev, gv->plan_end);
    gv->planning = false;
}

/* HLT (idle) or pv_wait (PV spinlock): true if the vCPU blocked; false if
 * an interrupt was pending, which was delivered, and it goes on. */
static bool block_vcpu(vl_guest *g, int v, bool pv)
{
    vl_gvcpu *gv = &g->vcpus[v];
    gv->in_guest = false;
    gv->planning = false;
    gv->pv_waiting = pv;
    if (pv ? vl_hv_pv_wait(g->hv, g->vm, v) : vl_hv_halt(g->hv, g->vm, v))
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

/* Picks what the vCPU executes and plans its next segment; halts the
 * vCPU when nothing is runnable. */
void vl_exec_run_plan(vl_guest *g, int v, vl_ns now)
{
    vl_gvcpu *gv = &g->vcpus[v];
    gv->planning = true;
    drop_plan(g, v, now);
    gv->nplan_locks = 0;
    gv->seg_start = now;
    for (;;) {
        vl_gsched_preempt_point(g, v, now);
        bool leaving = gv->hotplug == VL_HP_LEAVING;
        if (leaving && gv->irq_left == 0 && vl_hotplug_leave(g, v, now))
            return; /* offline */
        if (!gv->curr && !leaving && (gv->curr = vl_gsched_pick(g, v, now)))
            vl_rqlock_switch_in(g, v, gv->curr);
        vl_task *t = gv->curr;
        if (!t && gv->irq_left == 0 && (gv->irq_left = vl_gnet_idle(g, v, now)) > 0)
            gv->irq_rip = g->rip_net_rx; /* ksoftirqd, rather than idling */
        if (!t && gv->irq_left > 0) { /* an idle vCPU still runs the handler */
            run_handler(g, v, now);
            return;
        }
        if (!t && leaving)
            continue; /* an interrupt was pending when it tried to stop */
        if (!t) {
            vl_sim_cancel(g->sim, &gv->seg_ev);
            if (block_vcpu(g, v, false))
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
        if (vl_exec_spinning(t) && gv->irq_left == 0) { /* back in guest mode while spinning */
            vl_sim_cancel(g->sim, &gv->seg_ev);
            if (t->waiting && g->pv_spinlocks) {
                if (gv->spun >= g->pv_spin) { /* pv_wait: halt until kicked */
                    gv->spun = 0;
                    if (block_vcpu(g, v, true))
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
        if (vl_exec_spinning(t)) { /* a handler interrupted the spin: run it, spin after */
            run_handler(g, v, now);
            return;
        }
        vl_ns horizon = vl_gsched_horizon(g, v);
        vl_ns end = now;
        vl_glock *busy = NULL;
        stop_reason why = walk(g, v, t, now, horizon, &end, &busy);
        if (end > now || why == STOP_HORIZON || why == STOP_FULL) {
            gv->plan_end = end;
            if (end == VL_NS_MAX)
                vl_sim_cancel(g->sim, &gv->seg_ev); /* a lone endless op: no event */
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
            task_exit(t);
            vl_gsched_block(g, v, now);
            vl_process_exit(g, v, t, now);
            break;
        case STOP_IO: /* the ops that wake tasks hold runqueue locks (rqlock.h) */
            vl_rqlock_ops_begin(g, v);
            if (head_op(g, t)->kind == VL_OP_BLKIO) {
                vl_gblk_submit(g, v, t, now);
                vl_gsched_block(g, v, now);
            } else if (vl_socket_op(g, v, t, now)) {
                vl_gsched_block(g, v, now);
            }
            vl_rqlock_ops_end(g, v, gv->curr == t ? t : NULL);
            break;
        case STOP_SYNC: {
            vl_op_kind k = (vl_op_kind)head_op(g, t)->kind;
            bool proc = k == VL_OP_SPAWN || k == VL_OP_REAP;
            vl_rqlock_ops_begin(g, v);
            if (proc ? vl_process_op(g, v, t, now) : vl_sync_op(g, v, t, now))
                vl_gsched_block(g, v, now);
            vl_rqlock_ops_end(g, v, gv->curr == t ? t : NULL);
            break;
        }
        case STOP_SHOOTDOWN:
            if (vl_smp_shootdown(g, v, t, now)) {
                vl_sim_cancel(g->sim, &gv->seg_ev);
                vl_hv_spin_begin(g->hv, g->vm, v, g->rip_ipi_wait, true);
                gv->planning = false;
                return;
            }
            break; /* no other vCPU runs the mm: done at once */
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
 * (TLB-flush acknowledgements, a NAPI round's packets, block completions);
 * the network and block handlers may find more to do. */
static void handlers_done(vl_guest *g, int v, vl_ns now)
{
    vl_gvcpu *gv = &g->vcpus[v];
    if (gv->irq_left > 0)
        return;
    if (gv->nqueued > 0)
        vl_smp_deliver_acks(g, v, now);
    gv->irq_rip = 0;
    vl_ns net = vl_gnet_round_done(g, v, now), blk = vl_gblk_handled(g, v, now);
    if (net + blk > 0) {
        gv->irq_left = net + blk;
        gv->irq_rip = net > 0 ? g->rip_net_rx : g->rip_blk_done;
        return;
    }
    vl_hotplug_handled(g, v, now);
}

void vl_exec_segment_end(void *ctx, vl_event *ev)
{
    vl_guest *g = ctx;
    int v = (int)(ev->tag & 0xffff);
    vl_ns now = g->sim->now;
    vl_gvcpu *gv = &g->vcpus[v];
    vl_exec_settle(g, v, now);
    handlers_done(g, v, now);
    if (now >= gv->next_tick)
        vl_gsched_tick(g, v, now);
    vl_exec_run_plan(g, v, now);
}

void vl_exec_cut(vl_guest *g, int v, vl_ns t)
{
    vl_gvcpu *gv = &g->vcpus[v];
    if (!gv->in_guest || gv->planning || gv->plan_end <= t)
        return;
    gv->plan_end = t;
    vl_sim_schedule(g->sim, &gv->seg_ev, t);
    drop_plan(g, v, t);
}

void vl_exec_kick(vl_guest *g, int v)
{
    vl_hv_kick(g->hv, g->vm, v);
}

void vl_exec_granted(vl_guest *g, int v, vl_glock *L)
{
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

void vl_exec_task_timer(void *ctx, vl_event *ev)
{
    (void)ev;
    vl_task *t = ctx;
    vl_guest *g = t->g;
    t->state = VL_TASK_WOKEN;
    t->woke_at = g->sim->now;
    t->started = false;
    t->worked = false;
    vl_list_push_back(&g->vcpus[t->vcpu].expired, &t->link);
    vl_hv_raise_irq(g->hv, g->vm, t->vcpu, VL_VEC_LOCAL_TIMER);
}

/* ------------------------------------------------------------ guest port */

/* Away longer than an exit and re-entry: it was descheduled (preempted),
 * not merely exited (a round trip costs ~1.5 us, a switch away and back at
 * least two world switches and another vCPU's turn). */
#define GUEST_PREEMPTED_NS 10000

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
    gv->held_at_leave = gv->waited_at_leave = NULL;
    gv->next_tick = vl_gsched_tick_after(g, v, now);
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
    drop_plan(g, v, now);
    vl_sim_cancel(g->sim, &gv->seg_ev);
    gv->in_guest = false;
}

/* v, in guest mode and settled, takes an interrupt whose handler runs
 * `work`: a spin pauses for it, and the vCPU re-plans after it. */
static void take_interrupt(vl_guest *g, int v, vl_ns work, vl_ns now)
{
    vl_gvcpu *gv = &g->vcpus[v];
    gv->irq_left += work;
    if (gv->curr && vl_exec_spinning(gv->curr))
        vl_hv_spin_end(g->hv, g->vm, v);
    vl_exec_run_plan(g, v, now);
}

void vl_exec_interrupt(vl_guest *g, int v, int vector, vl_ns now)
{
    vl_gvcpu *gv = &g->vcpus[v];
    if (vector == 0xfb) /* also serves the wake list (an idle target's wake-up) */
        vl_smp_ipi_handled(g, v, VL_IPI_RESCHEDULE, now);
    if (vl_smp_is_tlb_vector(g, vector)) {
        vl_smp_ipi_handled(g, v, VL_IPI_TLB, now);
        if (gv->in_guest && !gv->planning)
            vl_exec_settle(g, v, now);
        int fresh = gv->nacks - gv->nqueued; /* requests this interrupt serves */
        if (fresh <= 0 && vector != 0xfb)
            return;
        if (fresh <= 0) { /* only the wake list: like a reschedule IPI */
            if (gv->in_guest && !gv->planning)
                take_interrupt(g, v, g->irq_entry_cost, now);
            return;
        }
        gv->nqueued = gv->nacks;
        vl_ns work = g->irq_entry_cost + (vl_ns)fresh * g->tlb_flush_cost;
        if (gv->planning || !gv->in_guest)
            gv->irq_left += work; /* runs when it next executes */
        else
            take_interrupt(g, v, work, now);
        return;
    }
    if (vector == VL_VEC_VIRTIO_NET || vector == VL_VEC_VIRTIO_BLK || vector == VL_VEC_HOTPLUG) {
        if (gv->in_guest && !gv->planning)
            vl_exec_settle(g, v, now);
        vl_ns work = vector == VL_VEC_VIRTIO_NET   ? vl_gnet_interrupt(g, v, now)
                     : vector == VL_VEC_VIRTIO_BLK ? vl_gblk_interrupt(g, v, now)
                                                   : vl_hotplug_interrupt(g, v, now);
        if (work == 0)
            return;
        gv->irq_rip = vector == VL_VEC_VIRTIO_NET   ? g->rip_net_rx
                      : vector == VL_VEC_VIRTIO_BLK ? g->rip_blk_done
                                                    : g->rip_cpu_down;
        if (gv->planning || !gv->in_guest)
            gv->irq_left += work; /* runs when it next executes */
        else
            take_interrupt(g, v, work, now);
        return;
    }
    if (vector == VL_VEC_RESCHEDULE) { /* sysvec_reschedule_ipi: look at the runqueue */
        vl_smp_ipi_handled(g, v, VL_IPI_RESCHEDULE, now);
        if (gv->in_guest && !gv->planning) {
            vl_exec_settle(g, v, now);
            take_interrupt(g, v, g->irq_entry_cost, now);
        }
        return;
    }
    if (vector != VL_VEC_LOCAL_TIMER)
        return;
    vl_gsched_expire(g, v, now);
    if (gv->planning || !gv->in_guest)
        return; /* run_plan's HLT delivered it: its loop looks again */
    vl_exec_settle(g, v, now);
    vl_exec_run_plan(g, v, now);
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
