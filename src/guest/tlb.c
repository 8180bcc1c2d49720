/* guest/tlb.c - TLB shootdowns (guest/tlb.h): flush_tlb_mm_range ->
 * native_flush_tlb_multi -> on_each_cpu_cond_mask(flush_tlb_func) with
 * wait (arch/x86/mm/tlb.c), a client of the call queue of guest/smp.c. */
#include "guest/tlb.h"

#include "guest/module.h"
#include "guest/task.h"

/* One TLB-flush request run by the call-function handler (flush_tlb_func):
 * "each single flush ~100 ns" up to tlb_single_page_flush_ceiling (33
 * pages), a full flush beyond (policy-facts 10.2); a few pages: 500 ns. */
#define TLB_FLUSH_NS 500

static void flushed(vl_guest *g, vl_task *t, vl_ns since, vl_ns now)
{
    (void)t;
    vl_hist_record(&vl_tlb_of(g)->latency, now - since);
}

/* The flush ran on v: a vCPU in lazy TLB mode (idle, the last task's page
 * tables still loaded) leaves the mm instead (leave_mm: switches to
 * init_mm), so the next shootdown of that mm skips it. */
static void flush_ran(vl_guest *g, int v, vl_ns now)
{
    (void)now;
    if (!g->vcpus[v].curr)
        g->vcpus[v].cur_mm = 0;
}

/* Task t on v shoots down its mm's TLB entries on the other vCPUs that
 * run it, and, with lazy_tlb (Linux < 4.19), on the idle ones that still
 * have its page tables loaded (lazy TLB mode: mm_cpumask keeps them until
 * a flush makes them leave; 4.19 skips them, `tlb_is_not_lazy`): it spins
 * until they flushed, or goes on if none does. */
static vl_op_next shootdown(vl_guest *g, int v, vl_task *t, vl_ns now)
{
    vl_gtlb *tlb = vl_tlb_of(g);
    int targets[VL_MAX_GUEST_VCPUS], n = 0;
    vl_task_op_done(t); /* the shootdown op itself */
    for (int w = 0; w < g->nvcpus && n < VL_MAX_GUEST_VCPUS; w++) {
        const vl_gvcpu *gv = &g->vcpus[w];
        vl_task *c = gv->curr;
        if (w != v && c && c->mm == t->mm && c->state != VL_TASK_EXITED)
            targets[n++] = w;
        else if (w != v && !c && tlb->lazy && gv->cur_mm == t->mm && gv->hotplug == VL_HP_ONLINE)
            targets[n++] = w;
    }
    tlb->shootdowns++;
    if (n == 0) {
        vl_hist_record(&tlb->latency, 0);
        return VL_NEXT_RUN;
    }
    vl_smp_call(g, v, t, targets, n, &tlb->flush, now);
    return VL_NEXT_SPIN;
}

static int tlb_init(vl_guest *g, const vl_guest_spec *spec)
{
    vl_gtlb *tlb = vl_tlb_of(g);
    tlb->lazy = spec->lazy_tlb;
    tlb->flush = (vl_smp_func){.cost = TLB_FLUSH_NS, .done = flushed, .ran = flush_ran};
    vl_hist_init(&tlb->latency);
    return 0;
}

static void tlb_fini(vl_guest *g)
{
    vl_hist_free(&vl_tlb_of(g)->latency);
}

const vl_gmod vl_gmod_tlb = {
    .name = "tlb",
    .priv_size = sizeof(vl_gtlb),
    .init = tlb_init,
    .fini = tlb_fini,
    .ops = {[VL_OP_SHOOTDOWN] = {shootdown, false}},
};
