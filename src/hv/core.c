/* hv/core.c - the scheduling cycle: reschedule a pCPU, validate the policy's
 * decision, switch, charge costs, arm the slice and tick, and hand the vCPU
 * to its guest.
 *
 * Invariants (checked by the decision validator and the conformance suite):
 *   - a vCPU is RUNNING iff it is `curr` of exactly one pCPU;
 *   - a pCPU's busy time equals the running time of the vCPUs it ran;
 *   - a runnable vCPU never waits longer than the watchdog limit. */
#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "hv/cstate.h"
#include "hv/fold.h"
#include "hv/fragment.h"
#include "hv/hv.h"

/* Optional-hook wrappers: each supplies the documented default. */
static void hook_context_saved(vl_hv *hv, vl_vcpu *prev)
{
    if (hv->sched.ops->context_saved) {
        hv->hook = "context_saved";
        hv->sched.ops->context_saved(&hv->sched, prev);
    }
}

void vl_hv_fail(vl_hv *hv, const char *fmt, ...)
{
    if (hv->failed)
        return;
    char what[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    char when[32];
    vl_duration_format(hv->sim.now, when, sizeof when);
    snprintf(hv->failure, sizeof hv->failure, "policy '%s', hook %s, at t=%s: %s",
             hv->sched.ops->name, hv->hook ? hv->hook : "(core)", when, what);
    hv->failed = true;
    vl_sim_stop(&hv->sim);
}

char *vl_hv_policy_state(vl_hv *hv)
{
    if (!hv->sched.ops->dump)
        return NULL;
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    if (!out)
        return NULL;
    const char *hook = hv->hook;
    hv->hook = "dump";
    hv->sched.ops->dump(&hv->sched, out);
    hv->hook = hook;
    if (fclose(out) != 0) {
        free(text);
        return NULL;
    }
    return text;
}

void vl_hv_set_state(vl_vcpu *v, vl_runstate st, vl_ns now)
{
    if (v->state == st)
        return;
    vl_ns stint = now - v->state_entry;
    v->state_ns[v->state] += stint;
    if (v->state == VL_RUNNABLE && stint > v->max_wait)
        v->max_wait = stint;
    vl_runstate old = v->state;
    if (!v->parked && (old == VL_RUNNABLE || st == VL_RUNNABLE))
        vl_frag_vm_waiting(v->vm, st == VL_RUNNABLE ? 1 : -1, now);
    v->state = st;
    v->state_entry = now;
    const vl_hv_observer *o = &v->hv->observer;
    if (o->on_state)
        o->on_state(o->ctx, v, old, now);
}

static void pcpu_set_curr(vl_pcpu *p, vl_vcpu *next, vl_ns now)
{
    bool was_busy = p->curr != NULL;
    if (was_busy != (next != NULL)) {
        vl_frag_pcpu_idle(p->hv, was_busy, now);
        if (was_busy) {
            p->busy_ns += now - p->since;
            vl_cstate_enter(p, now);
        } else {
            p->idle_ns += now - p->since;
            vl_cstate_leave(p, now);
        }
        p->since = now;
    }
    p->curr = next;
}

void vl_hv_raise_sched(vl_pcpu *p, vl_ns delay)
{
    vl_hv *hv = p->hv;
    vl_fold_settle_pcpu(p);
    vl_ns when = hv->sim.now + delay;
    vl_bit_clear(hv->sched.idle, p->id); /* tickled: no longer free to take work */
    if (vl_event_pending(&p->sched_ev) && vl_event_due(&p->sched_ev) <= when)
        return;
    vl_fold_arm(hv, &p->sched_ev, when);
}

/* Guest side of a switch or an exit.  The saved RIP is read from the
 * guest, unless the exit reports it (exit_rip): a pause-loop exit's. */
static void guest_leave(vl_vcpu *v, vl_ns now, const uint64_t *exit_rip, bool exit_kernel)
{
    vl_pcpu *p = v->processor;
    if (p && vl_event_pending(&p->enter_ev) && p->curr == v)
        vl_sim_cancel(&v->hv->sim, &p->enter_ev);
    if (!v->in_guest)
        return;
    vl_hv_ple_leave(v);
    v->in_guest = false;
    if (exit_rip) {
        v->saved_rip = *exit_rip;
        v->saved_kernel = exit_kernel;
    } else {
        v->saved_rip =
            v->vm->port ? v->vm->port->rip(v->vm->guest, v->index, &v->saved_kernel) : 0;
    }
    if (v->vm->port)
        v->vm->port->leave(v->vm->guest, v->index, now);
}

static void deliver_pending(vl_vcpu *v, vl_ns now)
{
    if (!vl_vcpu_has_pending(v)) /* the common case: one test, not four */
        return;
    for (int w = 0; w < 4 && v->in_guest; w++) {
        while (v->pending[w] && v->in_guest) {
            int bit = __builtin_ctzll(v->pending[w]);
            v->pending[w] &= ~(1ULL << bit);
            if (v->vm->port)
                v->vm->port->interrupt(v->vm->guest, v->index, w * 64 + bit, now);
        }
    }
}

void vl_hv_enter_event(void *ctx, vl_event *ev)
{
    (void)ev;
    vl_pcpu *p = ctx;
    vl_vcpu *v = p->curr;
    vl_ns now = p->hv->sim.now;
    assert(v && v->state == VL_RUNNING && !v->in_guest);
    v->in_guest = true;
    if (v->vm->port)
        v->vm->port->enter(v->vm->guest, v->index, now);
    deliver_pending(v, now);
}

/* Which costs a vCPU pays to start running on p. */
static vl_ns switch_cost(const vl_hv *hv, const vl_vcpu *next, const vl_pcpu *p)
{
    vl_ns cost = hv->costs.world_switch;
    if (next->last_pcpu && next->last_pcpu != p) {
        vl_cpu_distance d = vl_topology_distance(next->last_pcpu->place, p->place);
        /* SMT siblings share the caches; another socket refills the LLC too */
        if (d == VL_DIST_SOCKET)
            cost += hv->costs.migration;
        else if (d == VL_DIST_REMOTE)
            cost += 2 * hv->costs.migration;
    }
    return cost;
}

static bool decision_valid(vl_hv *hv, vl_pcpu *p, vl_vcpu *prev, vl_decision d)
{
    vl_vcpu *n = d.next;
    if (d.slice != VL_SLICE_NONE && d.slice <= 0) {
        vl_hv_fail(hv, "pCPU %d: slice %lld ns is neither positive nor VL_SLICE_NONE", p->id,
                   (long long)d.slice);
        return false;
    }
    if (!n)
        return true;
    if (!vl_hv_owns_vcpu(hv, n)) {
        vl_hv_fail(hv, "pCPU %d: returned a vCPU handle the core does not own", p->id);
        return false;
    }
    if (n->state == VL_RUNNING && n != prev) {
        vl_hv_fail(hv, "pCPU %d: picked %s.v%d, which is running on pCPU %d", p->id,
                   n->vm->name, n->index, n->processor->id);
        return false;
    }
    if (n->state == VL_BLOCKED || n->state == VL_OFFLINE) {
        vl_hv_fail(hv, "pCPU %d: picked %s.v%d, which is %s", p->id, n->vm->name, n->index,
                   n->state == VL_BLOCKED ? "blocked" : "offline");
        return false;
    }
    if (!vl_cpuset_has(&n->vm->affinity, p->id)) {
        vl_hv_fail(hv, "pCPU %d: picked %s.v%d, outside its affinity", p->id, n->vm->name,
                   n->index);
        return false;
    }
    if (n->parked) {
        vl_hv_fail(hv, "pCPU %d: picked %s.v%d, which it parked", p->id, n->vm->name, n->index);
        return false;
    }
    return true;
}

/* A busy pCPU's next tick: one period from now, or with a tick grid the
 * next multiple of the period (a pCPU back from idle rejoins the grid). */
static vl_ns next_tick(const vl_hv *hv)
{
    vl_ns period = hv->sched.tick, now = hv->sim.now;
    return hv->sched.tick_grid ? (now / period + 1) * period : now + period;
}

static void arm_tick(vl_hv *hv, vl_pcpu *p)
{
    if (p->curr && hv->sched.tick > 0) {
        if (!vl_event_pending(&p->tick_ev))
            vl_fold_arm(hv, &p->tick_ev, next_tick(hv));
    } else {
        vl_fold_disarm(hv, &p->tick_ev);
    }
}

/* A pCPU rescheduled again and again at one instant (a policy tickling the
 * pCPU it decides for, and choosing idle) stops simulated time: fail the
 * run past VL_HV_RESCHED_BOUND reschedules at one instant. */
static bool resched_livelocked(vl_hv *hv, vl_pcpu *p)
{
    if (p->resched_at != hv->sim.now) {
        p->resched_at = hv->sim.now;
        p->resched_n = 0;
    }
    if (++p->resched_n <= VL_HV_RESCHED_BOUND)
        return false;
    hv->hook = "do_schedule";
    vl_hv_fail(hv, "pCPU %d rescheduled %d times at one instant (limit %d): simulated time "
                   "cannot advance", p->id, p->resched_n, VL_HV_RESCHED_BOUND);
    hv->hook = NULL;
    return true;
}

/* Where p's slice timer goes: a slice that ends after the run's end cannot
 * expire within it and is not armed (nor does now + slice overflow). */
static void arm_slice(vl_hv *hv, vl_pcpu *p, vl_ns slice)
{
    vl_ns now = hv->sim.now;
    if (slice != VL_SLICE_NONE && !hv->failed && slice <= hv->end - now)
        vl_fold_arm(hv, &p->slice_ev, now + slice);
    else
        vl_fold_disarm(hv, &p->slice_ev);
}

void vl_hv_reschedule(vl_pcpu *p)
{
    vl_hv *hv = p->hv;
    vl_ns now = hv->sim.now;
    vl_vcpu *prev = p->curr;

    vl_sim_cancel(&hv->sim, &p->sched_ev);
    if (resched_livelocked(hv, p))
        return;
    /* the slice timer stays armed until the decision: re-arming it later
     * then costs no event-list work (engine.h) */
    if (prev && prev->state == VL_RUNNING)
        vl_hv_set_state(prev, VL_RUNNABLE, now);

    hv->local = p;
    hv->hook = "do_schedule";
    vl_decision d = hv->sched.ops->do_schedule(&hv->sched, p, prev, now);
    /* an API call of the hook may have failed the run already */
    bool valid = !hv->failed && decision_valid(hv, p, prev, d);
    hv->hook = NULL;
    if (!valid) {
        vl_sim_cancel(&hv->sim, &p->slice_ev);
        hv->local = NULL;
        return;
    }
    vl_vcpu *next = d.next;
    /* idle with nothing pending (the policy may have tickled p itself);
     * set before context_saved, whose tickles may take it out again */
    if (!next && !vl_event_pending(&p->sched_ev))
        vl_bit_set(hv->sched.idle, p->id);
    else
        vl_bit_clear(hv->sched.idle, p->id);

    if (next == prev && next) {
        vl_hv_set_state(next, VL_RUNNING, now);
        if (!next->in_guest && !vl_event_pending(&p->enter_ev))
            vl_fold_arm(hv, &p->enter_ev, now + hv->costs.exit_entry);
    } else {
        if (prev) {
            guest_leave(prev, now, NULL, false);
            if (prev->state == VL_RUNNABLE)
                prev->preemptions++;
        }
        pcpu_set_curr(p, next, now);
        if (hv->observer.on_switch)
            hv->observer.on_switch(hv->observer.ctx, p, prev, next, now);
        if (next) {
            vl_ns cost = switch_cost(hv, next, p);
            if (next->last_pcpu && next->last_pcpu != p)
                next->migrations++;
            vl_hv_set_state(next, VL_RUNNING, now);
            next->processor = p;
            next->last_pcpu = p;
            vl_hv_ple_sched_in(next);
            p->overhead_ns += cost;
            p->switches++;
            vl_sim_schedule(&hv->sim, &p->enter_ev, now + cost);
        }
        if (prev)
            hook_context_saved(hv, prev);
    }
    arm_slice(hv, p, d.slice);
    arm_tick(hv, p);
    hv->local = NULL;
}

static void observe_wake(const vl_vcpu *v, vl_ns now)
{
    const vl_hv_observer *o = &v->hv->observer;
    if (o->on_wake)
        o->on_wake(o->ctx, v, now);
}

/* A vCPU leaves BLOCKED: choose its pCPU and tell the policy. */
void vl_hv_wake(vl_vcpu *v, vl_wake_reason why, int vector)
{
    vl_hv *hv = v->hv;
    vl_ns now = hv->sim.now;
    bool still_curr = v->processor && v->processor->curr == v;
    vl_hv_set_state(v, VL_RUNNABLE, now);
    v->wakeups++;
    if (still_curr) { /* halted and woke before its pCPU rescheduled: the
                       * pending do_schedule sees it runnable (Xen does too) */
        observe_wake(v, now);
        return;
    }
    hv->hook = "pick_cpu";
    vl_pcpu *p = hv->sched.ops->pick_cpu(&hv->sched, v,
                                          why == VL_WAKE_START ? VL_PICK_START : VL_PICK_WAKE);
    hv->hook = NULL;
    if (hv->failed)
        return;
    if (!vl_hv_owns_pcpu(hv, p)) {
        hv->hook = "pick_cpu";
        vl_hv_fail(hv, "%s.v%d: returned no valid pCPU", v->vm->name, v->index);
        return;
    }
    if (!vl_cpuset_has(&v->vm->affinity, p->id)) {
        hv->hook = "pick_cpu";
        vl_hv_fail(hv, "%s.v%d: chose pCPU %d, outside its affinity", v->vm->name, v->index,
                   p->id);
        return;
    }
    v->processor = p;
    observe_wake(v, now);
    if (hv->sched.ops->vcpu_wake) {
        hv->hook = "vcpu_wake";
        hv->sched.ops->vcpu_wake(&hv->sched, v, why, vector);
        hv->hook = NULL;
    } else if (!p->curr) {
        vl_tickle(p);
    }
}

/* --------------------------------------------------------- guest -> hv */

static vl_vcpu *vcpu_of(vl_hv *hv, int vm, int vcpu)
{
    assert(vm >= 0 && vm < hv->nvms && vcpu >= 0 && vcpu < hv->vms[vm].nvcpus);
    return &hv->vms[vm].vcpus[vcpu];
}

static bool block(vl_hv *hv, int vm, int vcpu, vl_block_reason why)
{
    vl_vcpu *v = vcpu_of(hv, vm, vcpu);
    assert(v->state == VL_RUNNING && v->in_guest);
    if (vl_vcpu_has_pending(v)) {
        deliver_pending(v, hv->sim.now);
        return false;
    }
    v->exits[VL_EXIT_HLT]++;
    vl_hv_ple_leave(v);
    v->in_guest = false;
    vl_hv_set_state(v, why == VL_BLOCK_OFFLINE ? VL_OFFLINE : VL_BLOCKED, hv->sim.now);
    if (hv->sched.ops->vcpu_block) {
        hv->hook = "vcpu_block";
        hv->sched.ops->vcpu_block(&hv->sched, v, why);
        hv->hook = NULL;
    }
    vl_hv_raise_sched(v->processor, 0);
    return true;
}

bool vl_hv_halt(vl_hv *hv, int vm, int vcpu)
{
    return block(hv, vm, vcpu, VL_BLOCK_HLT);
}

bool vl_hv_pv_wait(vl_hv *hv, int vm, int vcpu)
{
    return block(hv, vm, vcpu, VL_BLOCK_PV_WAIT);
}

bool vl_hv_offline(vl_hv *hv, int vm, int vcpu)
{
    bool off = block(hv, vm, vcpu, VL_BLOCK_OFFLINE);
    if (off)
        vcpu_of(hv, vm, vcpu)->going_offline = false;
    return off;
}

void vl_hv_kick(vl_hv *hv, int vm, int vcpu)
{
    vl_vcpu *v = vcpu_of(hv, vm, vcpu);
    vl_fold_settle_vcpu(v);
    if (v->state == VL_BLOCKED)
        vl_hv_wake(v, VL_WAKE_KICK, -1);
}

void vl_hv_raise_irq(vl_hv *hv, int vm, int vcpu, int vector)
{
    vl_vcpu *v = vcpu_of(hv, vm, vcpu);
    assert(vector >= 0 && vector < 256);
    vl_fold_settle_vcpu(v);
    if (v->state == VL_OFFLINE)
        return; /* an offline vCPU takes no interrupts (the guest rerouted them) */
    v->pending[vector / 64] |= 1ULL << (vector % 64);
    if (v->in_guest) {
        deliver_pending(v, hv->sim.now);
    } else if (v->state == VL_BLOCKED) {
        vl_hv_wake(v, VL_WAKE_INTERRUPT, vector);
    }
}

vl_ns vl_hv_cr3_load(vl_hv *hv, int vm, int vcpu, uint64_t cr3)
{
    if (!hv->cr3_exiting)
        return 0;
    vl_vcpu *v = vcpu_of(hv, vm, vcpu);
    v->exits[VL_EXIT_CR3]++;
    if (hv->sched.ops->cr3_switch) {
        const char *saved = hv->hook;
        hv->hook = "cr3_switch";
        hv->sched.ops->cr3_switch(&hv->sched, v, cr3);
        hv->hook = saved;
    }
    return hv->costs.exit_entry;
}

void vl_hv_yield(vl_hv *hv, int vm, int vcpu, vl_yield_kind kind, uint64_t rip, bool kernel)
{
    vl_vcpu *v = vcpu_of(hv, vm, vcpu);
    assert(v->state == VL_RUNNING && v->in_guest);
    v->exits[kind == VL_YIELD_PLE ? VL_EXIT_PLE : VL_EXIT_YIELD]++;
    guest_leave(v, hv->sim.now, &rip, kernel);
    if (hv->sched.ops->vcpu_yield) {
        vl_exit_info info = {.kind = kind, .rip = rip, .kernel = kernel, .target = NULL};
        hv->hook = "vcpu_yield";
        hv->local = v->processor;
        hv->yielding = v;
        hv->sched.ops->vcpu_yield(&hv->sched, v, &info);
        hv->yielding = NULL;
        hv->local = NULL;
        hv->hook = NULL;
    }
    if (hv->yield_reenter) { /* no reschedule: straight back into the guest */
        hv->yield_reenter = false;
        vl_sim_schedule(&hv->sim, &v->processor->enter_ev, hv->sim.now + hv->costs.exit_entry);
        return;
    }
    vl_hv_raise_sched(v->processor, 0);
}
