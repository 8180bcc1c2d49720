/* guest/blk.c - the guest's virtio-blk driver (docs/io-model.md): a task
 * submits a request (op BLKIO: a virtqueue kick) and blocks; the
 * backend's completion (the guest port's blk_done) is queued for the
 * vCPU it was submitted from (blk-mq completes on the submitting CPU;
 * another one if that one is going offline), whose completion interrupt's
 * handler, once its work is done (`handled`), wakes the tasks. */
#include "guest/exec.h"
#include "guest/gsched.h"
#include "guest/kernel.h"
#include "guest/module.h"
#include "guest/task.h"
#include "hv/guest_port.h"

typedef struct blk_state {
    vl_ns complete;         /* handler work per request                    */
    uint64_t rip;           /* blk_mq_complete_request: where it runs      */
} blk_state;

/* One vCPU's completions. */
typedef struct blk_cpu {
    vl_list done;           /* tasks whose request completed, in order     */
    int taken;              /* the first `taken`: its running handler's    */
} blk_cpu;

static blk_state *blk_of(const vl_guest *g)
{
    return g->priv[VL_GMOD_gblk];
}

/* When a task's block request was submitted (its per-task state). */
static vl_ns *io_at(const vl_guest *g, const vl_task *t)
{
    return vl_gmod_task(g, VL_GMOD_gblk, t);
}

static blk_cpu *cpu_of(const vl_guest *g, int v)
{
    return vl_gmod_vcpu(g, VL_GMOD_gblk, sizeof(blk_cpu), v);
}

/* BLKIO at the head of t's program on v: submit and block. */
static vl_op_next gblk_submit(vl_guest *g, int v, vl_task *t, vl_ns now)
{
    vl_opi o = vl_task_take(g, t);
    const vl_op *op = &t->prog->ops[o.pc];
    t->state = VL_TASK_BLOCKED;
    *io_at(g, t) = now;
    vl_blk_req r = {.vm = g->vm, .vcpu = v, .tag = t->id, .bytes = (uint32_t)op->size,
                    .write = op->count != 0};
    vl_guest_charge(g, v, vl_hv_blk_kick(g->hv, g->vm, v, &r, vl_guest_cr3(t->mm)));
    return VL_NEXT_BLOCK;
}

/* The backend completed r (the guest port's blk_done): the vCPU whose
 * handler completes it (the submitter, unless that one is going offline). */
static int gblk_done(void *guest, const vl_blk_req *r, vl_ns now)
{
    (void)now;
    vl_guest *g = guest;
    vl_task *t = g->tasks[r->tag];
    int v = vl_gsched_online_near(g, r->vcpu);
    vl_list_push_back(&cpu_of(g, v)->done, &t->link);
    return v;
}

/* v's handler takes every completion queued for it now. */
static int take(vl_guest *g, int v)
{
    blk_cpu *c = cpu_of(g, v);
    int k = 0;
    vl_list *pos;
    vl_list_for_each(pos, &c->done)
        k++;
    c->taken = k;
    vl_gmod_due(g, v, VL_GMOD_gblk, k > 0);
    return k;
}

/* The completion interrupt on v: its handler takes the completions
 * queued for v, unless a running one will see them. */
static void blk_interrupt(vl_guest *g, int v, int vector, vl_ns now)
{
    (void)vector;
    vl_exec_irq_settle(g, v, now);
    blk_cpu *c = cpu_of(g, v);
    if (c->taken > 0)
        return;
    int k = take(g, v);
    if (k)
        vl_exec_irq_work(g, v, g->irq_entry_cost + (vl_ns)k * blk_of(g)->complete,
                         blk_of(g)->rip, now);
}

/* v finished its handler work: wake the tasks it completed; returns more
 * handler work for completions that arrived meanwhile (0: none). */
static vl_ns gblk_handled(vl_guest *g, int v, vl_ns now, uint64_t *rip)
{
    blk_cpu *c = cpu_of(g, v);
    *rip = blk_of(g)->rip;
    if (c->taken == 0)
        return 0;
    for (; c->taken > 0; c->taken--) {
        vl_list *w = vl_list_first(&c->done);
        vl_list_del(w);
        vl_task *t = vl_container_of(w, vl_task, link);
        vl_hist_record(&t->stats->io_latency, now - *io_at(g, t));
        vl_gsched_wake(g, v, t, now);
    }
    return (vl_ns)take(g, v) * blk_of(g)->complete; /* completions that came meanwhile */
}

static int gblk_init(vl_guest *g, const vl_guest_spec *spec)
{
    blk_state *b = blk_of(g);
    b->complete = spec->blk_complete;
    b->rip = vl_guest_rip(g, "blk_mq_complete_request");
    for (int v = 0; v < g->nvcpus; v++)
        vl_list_init(&cpu_of(g, v)->done);
    vl_guest_vector(g, VL_VEC_VIRTIO_BLK, blk_interrupt);
    return b->rip ? 0 : -1;
}

const vl_gmod vl_gmod_gblk = {
    .name = "blk",
    .priv_size = sizeof(blk_state),
    .vcpu_size = sizeof(blk_cpu),
    .task_size = sizeof(vl_ns),
    .init = gblk_init,
    .ops = {[VL_OP_BLKIO] = {gblk_submit, true}},
    .handled = gblk_handled,
    .port = {.blk_done = gblk_done},
};
