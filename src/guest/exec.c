/* guest/exec.c - executing tasks on vCPUs in planned segments.
 *
 * run_plan() walks the current task's operations forward from now until
 * the first point that needs an event (docs/guest-model.md): a sleep, the
 * end of the program, a lock that is busy when it would be taken, the next
 * guest tick when other tasks wait for this vCPU, or the plan's capacity.
 * Locks taken on the way are reserved for their planned holds; nothing
 * else is recorded: a cut (preemption, interrupt, another vCPU's earlier
 * claim on a reserved lock) recomputes the task's position from the time
 * it executed (settle), and a new plan starts from there. */
#include "guest/exec.h"

#include <stdlib.h>
#include <string.h>

#include "hv/guest_port.h"

/* User-space text of task i: a typical x86-64 PIE load address. */
#define GUEST_USER_TEXT 0x0000555555554000ULL

static vl_opi *head_op(vl_guest *g, vl_task *t);

/* The page-table root of address space mm: page-aligned, in the guest's
 * physical memory above 4 GiB (a value a hypervisor sees in CR3). */
static uint64_t cr3_of(int mm)
{
    return 0x100000000ULL + ((uint64_t)mm << 12);
}


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
        abort(); /* out of memory in the middle of a run: nothing sane to do */
    return L;
}

/* The lock v's task holds now, or NULL. */
static vl_glock *holding(vl_guest *g, int v)
{
    vl_task *t = g->vcpus[v].curr;
    if (!t || t->waiting)
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

static bool spinning(const vl_task *t)
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
    if (t && spinning(t)) {
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
    vl_opi *o = head_op(g, t);
    if (t->worked) {
        t->stats->bursts++;
        vl_hist_record(&t->stats->response, now - t->woke_at);
    }
    vl_ns dur = o->pre;
    vl_opq_pop(&t->opq);
    t->elapsed = 0;
    t->state = VL_TASK_SLEEPING;
    vl_sim_schedule(g->sim, &t->timer, now + (dur > 0 ? dur : 1));
}

static void task_exit(vl_task *t)
{
    t->state = VL_TASK_EXITED;
}

typedef enum {
    STOP_END,
    STOP_SLEEP,
    STOP_SYNC,
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
        if (o->kind == VL_OP_BARRIER || o->kind == VL_OP_WAIT || o->kind == VL_OP_WAKE) {
            *end = T;
            return STOP_SYNC;
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

/* Latency of IPIs: from the send to the moment the target runs the
 * handler (the oldest unhandled send of each kind per target). */
static void ipi_sent(vl_guest *g, int target, int kind, vl_ns now)
{
    if (g->vcpus[target].ipi_sent_at[kind] < 0)
        g->vcpus[target].ipi_sent_at[kind] = now;
}

static void ipi_handled(vl_guest *g, int v, int kind, vl_ns now)
{
    vl_ns *at = &g->vcpus[v].ipi_sent_at[kind];
    if (*at >= 0) {
        vl_hist_record(&g->ipi_latency[kind], now - *at);
        *at = -1;
    }
}

/* The IPI vector of a TLB shootdown: old kernels (<= 3.5) used dedicated
 * vectors 0xf0-0xf7 chosen by the sender's CPU; newer ones send
 * call-function IPIs (0xfb to a single CPU, 0xfc to several). */
static int tlb_vector(const vl_guest *g, int sender, int ntargets)
{
    if (g->legacy_tlb_vectors)
        return 0xf0 + sender % 8;
    return ntargets == 1 ? 0xfb : VL_VEC_CALL_FUNCTION;
}

static bool is_tlb_vector(const vl_guest *g, int vector)
{
    return g->legacy_tlb_vectors ? vector >= 0xf0 && vector <= 0xf7
                                 : vector == 0xfb || vector == VL_VEC_CALL_FUNCTION;
}

/* flush_tlb_mm_range -> smp_call_function_many_cond: queue a flush request
 * on every other vCPU running t's mm, send the IPIs, and wait.  Returns
 * false when there is nobody to wait for. */
static bool shootdown(vl_guest *g, int v, vl_task *t, vl_ns now)
{
    int targets[VL_MAX_GUEST_VCPUS], n = 0;
    vl_opq_pop(&t->opq); /* the shootdown op itself */
    t->elapsed = 0;
    for (int w = 0; w < g->nvcpus && n < VL_MAX_GUEST_VCPUS; w++) {
        vl_task *c = g->vcpus[w].curr;
        if (w != v && c && c->mm == t->mm && c->state != VL_TASK_EXITED) {
            vl_gvcpu *gw = &g->vcpus[w];
            gw->acks[gw->nacks++] = v;
            targets[n++] = w;
        }
    }
    g->shootdowns++;
    if (n == 0) {
        vl_hist_record(&g->shootdown_latency, 0);
        return false;
    }
    t->acks_pending = n;
    t->shootdown_at = now;
    int vector = tlb_vector(g, v, n);
    g->ipis_by_vector[vector] += (uint64_t)n;
    for (int i = 0; i < n; i++)
        ipi_sent(g, targets[i], VL_IPI_TLB, now);
    for (int i = 0; g->observer.ipi && i < n; i++)
        g->observer.ipi(g->observer.ctx, g, v, targets[i], vector, now);
    vl_hv_send_ipi(g->hv, g->vm, v, targets, n, vector);
    return true;
}

/* The handler ran on v: acknowledge every queued request; a sender whose
 * last target this was stops waiting. */
static void run_plan(vl_guest *g, int v, vl_ns now);

static void deliver_acks(vl_guest *g, int v, vl_ns now)
{
    vl_gvcpu *gv = &g->vcpus[v];
    int n = gv->nqueued;
    for (int i = 0; i < n; i++) {
        int s = gv->acks[i];
        vl_task *t = g->vcpus[s].curr;
        if (!t || t->acks_pending <= 0 || --t->acks_pending > 0)
            continue;
        vl_hist_record(&g->shootdown_latency, now - t->shootdown_at);
        if (g->vcpus[s].in_guest && !g->vcpus[s].planning) {
            vl_hv_spin_end(g->hv, g->vm, s);
            vl_exec_settle(g, s, now);
            run_plan(g, s, now);
        }
    }
    memmove(gv->acks, gv->acks + n, (size_t)(gv->nacks - n) * sizeof gv->acks[0]);
    gv->nacks -= n;
    gv->nqueued = 0;
}

static bool vcpu_idle(const vl_gvcpu *gv)
{
    return !gv->curr && vl_list_empty(&gv->runq);
}

/* select_idle_sibling: a waking task goes to its previous vCPU if that is
 * idle, else to the first idle vCPU after it (one LLC: every vCPU is a
 * sibling), else stays on its previous vCPU. */
static void place_wakee(vl_guest *g, vl_task *t)
{
    if (vcpu_idle(&g->vcpus[t->vcpu]))
        return;
    for (int k = 1; k < g->nvcpus; k++) {
        int w = (t->vcpu + k) % g->nvcpus;
        if (vcpu_idle(&g->vcpus[w])) {
            t->vcpu = w;
            g->migrations++;
            return;
        }
    }
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

static void send_resched(vl_guest *g, int from, int to, bool idle, vl_ns now);

/* try_to_wake_up: t becomes runnable on the vCPU place_wakee chooses; a
 * remote vCPU is told with a reschedule IPI (the waker pays the ICR
 * write's exit). */
static void wake_task(vl_guest *g, int waker, vl_task *t, vl_ns now)
{
    t->state = VL_TASK_RUNNABLE;
    t->woke_at = now;
    t->started = false;
    t->worked = false;
    place_wakee(g, t);
    bool idle = vcpu_idle(&g->vcpus[t->vcpu]);
    vl_list_push_back(&g->vcpus[t->vcpu].runq, &t->link);
    if (t->vcpu != waker)
        send_resched(g, waker, t->vcpu, idle, now);
}

/* The IPI of a remote wake-up from `from` to `to` (idle: `to` had nothing
 * to run).  Linux >= 5.8 queues the wakee on the target's wake list and,
 * for an idle target, sends a call-function-single IPI (0xfb);
 * otherwise, and on older kernels, smp_send_reschedule (0xfd). */
static void send_resched(vl_guest *g, int from, int to, bool idle, vl_ns now)
{
    int vector = g->wakelist_ipi && idle ? 0xfb : VL_VEC_RESCHEDULE;
    g->ipis_by_vector[vector]++;
    ipi_sent(g, to, VL_IPI_RESCHEDULE, now);
    if (g->observer.ipi)
        g->observer.ipi(g->observer.ctx, g, from, to, vector, now);
    g->vcpus[from].irq_left += vl_hv_ipi_exit_cost(g->hv);
    vl_hv_send_ipi(g->hv, g->vm, from, &to, 1, vector);
}

static void block_on(vl_sync *s, vl_task *t)
{
    t->state = VL_TASK_BLOCKED;
    vl_list_push_back(&s->waiters, &t->link);
}

/* Runs a sync op at now; returns true if the task blocked. */
static bool sync_op(vl_guest *g, int v, vl_task *t, vl_ns now)
{
    vl_opi *o = head_op(g, t);
    vl_op_kind kind = (vl_op_kind)o->kind;
    vl_sync *s = &g->syncs[o->sync];
    vl_opq_pop(&t->opq);
    t->elapsed = 0;
    vl_list *w;
    switch (kind) {
    case VL_OP_BARRIER:
        if (++s->arrived < s->parties) {
            block_on(s, t);
            return true;
        }
        s->arrived = 0;
        while ((w = vl_list_first(&s->waiters))) {
            vl_list_del(w);
            wake_task(g, v, vl_container_of(w, vl_task, link), now);
        }
        return false;
    case VL_OP_WAIT:
        if (s->tokens > 0) {
            s->tokens--;
            return false;
        }
        block_on(s, t);
        return true;
    default: /* VL_OP_WAKE */
        if ((w = vl_list_first(&s->waiters))) {
            vl_list_del(w);
            wake_task(g, v, vl_container_of(w, vl_task, link), now);
        } else {
            s->tokens++;
        }
        return false;
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

/* Picks what the vCPU executes and plans its next segment; halts the
 * vCPU when nothing is runnable. */
static void run_plan(vl_guest *g, int v, vl_ns now)
{
    vl_gvcpu *gv = &g->vcpus[v];
    gv->planning = true;
    drop_plan(g, v, now);
    gv->nplan_locks = 0;
    gv->seg_start = now;
    for (;;) {
        if (!gv->curr) {
            vl_list *head = vl_list_first(&gv->runq);
            if (head) {
                vl_list_del(head);
                gv->curr = vl_container_of(head, vl_task, link);
            }
        }
        if (!gv->curr)
            gv->curr = idle_pull(g, v);
        vl_task *t = gv->curr;
        if (!t && gv->irq_left > 0) { /* an idle vCPU still runs the handler */
            run_handler(g, v, now);
            return;
        }
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
            gv->irq_left += vl_hv_cr3_load(g->hv, g->vm, v, cr3_of(t->mm));
        }
        if (spinning(t) && gv->irq_left == 0) { /* back in guest mode while spinning */
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
        if (spinning(t)) { /* a handler interrupted the spin: run it, spin after */
            run_handler(g, v, now);
            return;
        }
        vl_ns horizon = vl_list_empty(&gv->runq) ? VL_NS_MAX : gv->next_tick;
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
            gv->curr = NULL;
            break;
        case STOP_END:
            task_exit(t);
            gv->curr = NULL;
            break;
        case STOP_SYNC:
            if (sync_op(g, v, t, now))
                gv->curr = NULL;
            break;
        case STOP_SHOOTDOWN:
            if (shootdown(g, v, t, now)) {
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

/* Round-robin at the guest tick, never inside the kernel (a voluntary-
 * preemption kernel, as Debian's cloud kernels are built). */
static void guest_tick(vl_guest *g, int v, vl_ns now)
{
    vl_gvcpu *gv = &g->vcpus[v];
    while (gv->next_tick <= now)
        gv->next_tick += g->quantum;
    vl_task *t = gv->curr;
    if (!t || spinning(t) || vl_list_empty(&gv->runq))
        return; /* spinning: in the kernel with preemption off */
    vl_opi *o = head_op(g, t);
    if (o && o->kind == VL_OP_KERNEL && t->elapsed > 0)
        return;
    vl_list_push_back(&gv->runq, &t->link);
    gv->curr = NULL;
}

void vl_exec_segment_end(void *ctx, vl_event *ev)
{
    vl_guest *g = ctx;
    int v = (int)(ev->tag & 0xffff);
    vl_ns now = g->sim->now;
    vl_gvcpu *gv = &g->vcpus[v];
    vl_exec_settle(g, v, now);
    if (gv->nqueued > 0 && gv->irq_left == 0)
        deliver_acks(g, v, now);
    if (now >= gv->next_tick)
        guest_tick(g, v, now);
    run_plan(g, v, now);
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

void vl_exec_granted(vl_guest *g, int v, vl_glock *L)
{
    vl_gvcpu *gv = &g->vcpus[v];
    vl_task *t = gv->curr;
    vl_ns now = g->sim->now;
    vl_lock_stats *st = &g->classes[L->cls].stats;
    st->acquisitions++;
    st->contended++;
    st->wait_ns += now - t->wait_since;
    vl_hist_record(&st->wait, now - t->wait_since);
    t->waiting = NULL;
    t->lock_counted = true;
    t->hold_start = now;
    gv->spun = 0;
    if (!gv->in_guest) {
        st->offcpu_handoffs++;
        /* handed to a waiter off its pCPU: it holds the lock from now; a
         * PV waiter halted in pv_wait is kicked (pv_kick at unlock) */
        if (gv->pv_waiting)
            vl_hv_kick(g->hv, g->vm, v);
        return;
    }
    vl_hv_spin_end(g->hv, g->vm, v);
    run_plan(g, v, now);
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
    /* the tick grid of this vCPU, staggered across vCPUs */
    vl_ns phase = g->quantum * v / g->nvcpus;
    gv->next_tick = ((now - phase) / g->quantum + 1) * g->quantum + phase;
    run_plan(g, v, now);
}

void vl_exec_leave(vl_guest *g, int v, vl_ns now)
{
    vl_gvcpu *gv = &g->vcpus[v];
    vl_exec_settle(g, v, now);
    gv->in_guest = false;
    if (gv->nqueued > 0 && gv->irq_left == 0)
        deliver_acks(g, v, now);
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
    if (gv->curr && spinning(gv->curr))
        vl_hv_spin_end(g->hv, g->vm, v);
    run_plan(g, v, now);
}

void vl_exec_interrupt(vl_guest *g, int v, int vector, vl_ns now)
{
    vl_gvcpu *gv = &g->vcpus[v];
    if (vector == 0xfb) /* also serves the wake list (an idle target's wake-up) */
        ipi_handled(g, v, VL_IPI_RESCHEDULE, now);
    if (is_tlb_vector(g, vector)) {
        ipi_handled(g, v, VL_IPI_TLB, now);
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
    if (vector == VL_VEC_RESCHEDULE) { /* sysvec_reschedule_ipi: look at the runqueue */
        ipi_handled(g, v, VL_IPI_RESCHEDULE, now);
        if (gv->in_guest && !gv->planning) {
            vl_exec_settle(g, v, now);
            take_interrupt(g, v, g->irq_entry_cost, now);
        }
        return;
    }
    if (vector != VL_VEC_LOCAL_TIMER)
        return;
    vl_list *pos, *tmp;
    vl_list_for_each_safe(pos, tmp, &gv->expired) {
        vl_task *t = vl_container_of(pos, vl_task, link);
        vl_list_del(pos);
        t->state = VL_TASK_RUNNABLE;
        place_wakee(g, t); /* the timer's vCPU runs the wake-up */
        bool idle = vcpu_idle(&g->vcpus[t->vcpu]);
        vl_list_push_back(&g->vcpus[t->vcpu].runq, pos);
        if (t->vcpu != v)
            send_resched(g, v, t->vcpu, idle, now);
    }
    if (gv->planning || !gv->in_guest)
        return; /* run_plan's HLT delivered it: its loop looks again */
    vl_exec_settle(g, v, now);
    run_plan(g, v, now);
}

uint64_t vl_exec_rip(vl_guest *g, int v, bool *kernel)
{
    vl_task *t = g->vcpus[v].curr;
    *kernel = true;
    if (g->vcpus[v].irq_left > 0)
        return g->rip_flush;
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
