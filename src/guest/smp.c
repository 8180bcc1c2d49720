/* guest/smp.c - cross-vCPU calls (guest/smp.h): the call queue and its
 * call-function IPIs.
 *
 * A call from v queues v on each target's queue and sends the IPIs; the
 * caller's task spins.  A target's call-function interrupt makes its
 * handler serve every call queued since its last run (the work: entry +
 * each call's cost); when that handler work is done (`handled`) the calls
 * are answered, and a caller whose last target answered goes on.  Which
 * vectors signal the queue follows the guest kernel (guest.tlb_vectors):
 * call-function-single 0xfb to one target and call-function 0xfc to
 * several (Linux >= 3.6); before, TLB flushes - the model's only client -
 * used the dedicated vectors 0xf0-0xf7 chosen by the sender's CPU, and
 * 0xfb served only the wake list. */
#include "guest/smp.h"

#include <stdlib.h>
#include <string.h>

#include "guest/exec.h"
#include "guest/ipi.h"
#include "guest/module.h"
#include "hv/guest_port.h"

/* The vector of a call from `sender` to ntargets vCPUs. */
static int call_vector(const vl_guest *g, int sender, int ntargets)
{
    if (((const vl_gsmp *)g->priv[VL_GMOD_smp])->legacy_vectors)
        return 0xf0 + sender % 8;
    return ntargets == 1 ? 0xfb : VL_VEC_CALL_FUNCTION;
}

void vl_smp_call(vl_guest *g, int v, vl_task *t, const int *targets, int n,
                 const vl_smp_func *func, vl_ns now)
{
    for (int i = 0; i < n; i++) {
        vl_smp_cpu *c = vl_smp_cpu_of(g, targets[i]);
        c->queue[c->nqueue++] = v;
    }
    t->acks_pending = n;
    vl_smp_cpu_of(g, v)->func = func;
    vl_smp_cpu_of(g, v)->since = now;
    vl_ipi_send(g, v, targets, n, call_vector(g, v, n), VL_IPI_TLB, now);
}

/* v's handler ran the calls it was serving: each caller learns, and one
 * whose last target this was goes on. */
static void answer(vl_guest *g, int v, vl_ns now)
{
    vl_smp_cpu *c = vl_smp_cpu_of(g, v);
    int n = c->nrunning, callers[VL_MAX_GUEST_VCPUS];
    /* take the answered calls off first: a caller released below may
     * call again at once and queue a new one here */
    memcpy(callers, c->queue, (size_t)n * sizeof callers[0]);
    memmove(c->queue, c->queue + n, (size_t)(c->nqueue - n) * sizeof c->queue[0]);
    c->nqueue -= n;
    c->nrunning = 0;
    vl_gmod_due(g, v, VL_GMOD_smp, false);
    for (int i = 0; i < n; i++) {
        int w = callers[i];
        const vl_smp_func *f = vl_smp_cpu_of(g, w)->func;
        if (f && f->ran)
            f->ran(g, v, now);
        vl_task *t = g->vcpus[w].curr;
        if (!t || t->acks_pending <= 0)
            continue;
        if (t->acks_pending == 1) /* the spin up to now is the caller's wait, not its work */
            vl_exec_irq_settle(g, w, now);
        if (--t->acks_pending > 0)
            continue;
        const vl_smp_cpu *caller = vl_smp_cpu_of(g, w);
        caller->func->done(g, t, caller->since, now);
        vl_exec_resume(g, w, now);
    }
}

static vl_ns smp_handled(vl_guest *g, int v, vl_ns now, uint64_t *rip)
{
    (void)rip;
    if (vl_smp_cpu_of(g, v)->nrunning > 0)
        answer(g, v, now);
    return 0;
}

/* smpcfd_dying_cpu: a vCPU going offline runs what is queued for it. */
static void smp_cpu_dying(vl_guest *g, int v, vl_ns now)
{
    vl_smp_cpu *c = vl_smp_cpu_of(g, v);
    if (c->nqueue > 0) {
        c->nrunning = c->nqueue;
        answer(g, v, now);
    }
}

/* 0xfb with legacy TLB vectors: only the wake list (an idle target's
 * wake-up; the vCPU woke for it). */
static void wakelist_interrupt(vl_guest *g, int v, int vector, vl_ns now)
{
    (void)vector;
    vl_ipi_handled(g, v, VL_IPI_RESCHEDULE, now);
}

/* A vector that signals the call queue: the handler serves the calls
 * queued since its last run; 0xfb also serves the wake list. */
static void call_interrupt(vl_guest *g, int v, int vector, vl_ns now)
{
    vl_smp_cpu *c = vl_smp_cpu_of(g, v);
    if (vector == 0xfb)
        vl_ipi_handled(g, v, VL_IPI_RESCHEDULE, now);
    vl_ipi_handled(g, v, VL_IPI_TLB, now);
    vl_exec_irq_settle(g, v, now);
    if (c->nrunning >= c->nqueue) { /* no new call: only the wake list */
        if (vector == 0xfb)
            vl_exec_irq_look(g, v, now);
        return;
    }
    vl_ns work = g->irq_entry_cost;
    for (; c->nrunning < c->nqueue; c->nrunning++)
        work += vl_smp_cpu_of(g, c->queue[c->nrunning])->func->cost;
    vl_gmod_due(g, v, VL_GMOD_smp, true);
    vl_exec_irq_work(g, v, work, 0, now);
}

static void smp_fini(vl_guest *g)
{
    for (int v = 0; v < g->nvcpus; v++)
        free(vl_smp_cpu_of(g, v)->queue);
}

static int smp_init(vl_guest *g, const vl_guest_spec *spec)
{
    for (int v = 0; v < g->nvcpus; v++) {
        vl_smp_cpu *c = vl_smp_cpu_of(g, v);
        if (!(c->queue = calloc((size_t)g->nvcpus, sizeof *c->queue)))
            return -1;
    }
    vl_gsmp *s = g->priv[VL_GMOD_smp];
    s->legacy_vectors = spec->tlb_vectors == 1;
    if (s->legacy_vectors) {
        for (int vec = 0xf0; vec <= 0xf7; vec++)
            vl_guest_vector(g, vec, call_interrupt);
        vl_guest_vector(g, 0xfb, wakelist_interrupt);
    } else {
        vl_guest_vector(g, 0xfb, call_interrupt);
        vl_guest_vector(g, VL_VEC_CALL_FUNCTION, call_interrupt);
    }
    return 0;
}

const vl_gmod vl_gmod_smp = {
    .name = "smp",
    .priv_size = sizeof(vl_gsmp),
    .vcpu_size = sizeof(vl_smp_cpu),
    .init = smp_init,
    .fini = smp_fini,
    .handled = smp_handled,
    .cpu_dying = smp_cpu_dying,
};
