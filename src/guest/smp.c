/* guest/smp.c - cross-vCPU calls inside the guest: reschedule IPIs, and
 * TLB shootdowns through synchronous call-function IPIs
 * (flush_tlb_mm_range -> smp_call_function_many_cond); the IPI latency and
 * shootdown latency measures. */
#include "guest/smp.h"

#include <string.h>

#include "guest/exec.h"
#include "guest/module.h"
#include "guest/task.h"
#include "hv/guest_port.h"

/* Latency of IPIs: from the send to the moment the target runs the
 * handler (the oldest unhandled send of each kind per target). */
static void ipi_sent(vl_guest *g, int target, int kind, vl_ns now)
{
    if (g->vcpus[target].ipi_sent_at[kind] < 0)
        g->vcpus[target].ipi_sent_at[kind] = now;
}

void vl_smp_ipi_handled(vl_guest *g, int v, int kind, vl_ns now)
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

/* flush_tlb_mm_range -> smp_call_function_many_cond: queue a flush request
 * on every other vCPU running t's mm, send the IPIs, and wait.  Returns
 * false when there is nobody to wait for. */
bool vl_smp_shootdown(vl_guest *g, int v, vl_task *t, vl_ns now)
{
    int targets[VL_MAX_GUEST_VCPUS], n = 0;
    vl_task_op_done(t); /* the shootdown op itself */
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

void vl_smp_deliver_acks(vl_guest *g, int v, vl_ns now)
{
    vl_gvcpu *gv = &g->vcpus[v];
    int n = gv->nqueued, senders[VL_MAX_GUEST_VCPUS];
    /* take the answered requests off first: a sender released below may
     * shoot down again at once and queue a new request here */
    memcpy(senders, gv->acks, (size_t)n * sizeof senders[0]);
    memmove(gv->acks, gv->acks + n, (size_t)(gv->nacks - n) * sizeof gv->acks[0]);
    gv->nacks -= n;
    gv->nqueued = 0;
    for (int i = 0; i < n; i++) {
        int s = senders[i];
        vl_task *t = g->vcpus[s].curr;
        if (!t || t->acks_pending <= 0 || --t->acks_pending > 0)
            continue;
        vl_hist_record(&g->shootdown_latency, now - t->shootdown_at);
        if (g->vcpus[s].in_guest && !g->vcpus[s].planning) {
            vl_hv_spin_end(g->hv, g->vm, s);
            vl_exec_settle(g, s, now);
            vl_exec_run_plan(g, s, now);
        }
    }
}

/* The IPI of a remote wake-up from `from` to `to` (idle: `to` had nothing
 * to run).  Linux >= 5.8 queues the wakee on the target's wake list and,
 * for an idle target, sends a call-function-single IPI (0xfb);
 * otherwise, and on older kernels, smp_send_reschedule (0xfd). */
void vl_smp_resched(vl_guest *g, int from, int to, bool idle, vl_ns now)
{
    int vector = g->wakelist_ipi && idle ? 0xfb : VL_VEC_RESCHEDULE;
    g->ipis_by_vector[vector]++;
    ipi_sent(g, to, VL_IPI_RESCHEDULE, now);
    if (g->observer.ipi)
        g->observer.ipi(g->observer.ctx, g, from, to, vector, now);
    g->vcpus[from].irq_left += vl_hv_ipi_exit_cost(g->hv);
    vl_hv_send_ipi(g->hv, g->vm, from, &to, 1, vector);
}

/* sysvec_reschedule_ipi: v looks at its runqueue. */
static void resched_interrupt(vl_guest *g, int v, int vector, vl_ns now)
{
    (void)vector;
    vl_smp_ipi_handled(g, v, VL_IPI_RESCHEDULE, now);
    vl_exec_irq_look(g, v, now);
}

/* 0xfb with legacy TLB vectors: only the wake list (an idle target's
 * wake-up; the vCPU woke for it). */
static void wakelist_interrupt(vl_guest *g, int v, int vector, vl_ns now)
{
    (void)vector;
    vl_smp_ipi_handled(g, v, VL_IPI_RESCHEDULE, now);
}

/* A call-function vector (0xfb single, 0xfc many; 0xf0-0xf7 with legacy
 * TLB vectors): the handler runs the flush requests queued since the
 * last run; 0xfb also serves the wake list. */
static void call_interrupt(vl_guest *g, int v, int vector, vl_ns now)
{
    vl_gvcpu *gv = &g->vcpus[v];
    if (vector == 0xfb)
        vl_smp_ipi_handled(g, v, VL_IPI_RESCHEDULE, now);
    vl_smp_ipi_handled(g, v, VL_IPI_TLB, now);
    vl_exec_irq_settle(g, v, now);
    int fresh = gv->nacks - gv->nqueued; /* requests this interrupt serves */
    if (fresh <= 0) { /* only the wake list: like a reschedule IPI */
        if (vector == 0xfb)
            vl_exec_irq_look(g, v, now);
        return;
    }
    gv->nqueued = gv->nacks;
    vl_exec_irq_work(g, v, g->irq_entry_cost + (vl_ns)fresh * g->tlb_flush_cost, 0, now);
}

static int smp_init(vl_guest *g, const vl_guest_spec *spec)
{
    (void)spec;
    vl_guest_vector(g, VL_VEC_RESCHEDULE, resched_interrupt);
    if (g->legacy_tlb_vectors) {
        for (int vec = 0xf0; vec <= 0xf7; vec++)
            vl_guest_vector(g, vec, call_interrupt);
        vl_guest_vector(g, 0xfb, wakelist_interrupt);
    } else {
        vl_guest_vector(g, 0xfb, call_interrupt);
        vl_guest_vector(g, VL_VEC_CALL_FUNCTION, call_interrupt);
    }
    return 0;
}

const vl_gmod vl_gmod_smp = {.name = "smp", .init = smp_init};
