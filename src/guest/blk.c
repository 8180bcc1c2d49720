/* guest/blk.c - virtio-blk requests (guest/blk.h, docs/io-model.md). */
#include "guest/blk.h"

#include <stdlib.h>

#include "guest/exec.h"
#include "guest/gsched.h"
#include "guest/module.h"
#include "guest/task.h"
#include "hv/guest_port.h"

static void blk_interrupt(vl_guest *g, int v, int vector, vl_ns now);

static int gblk_init(vl_guest *g, const vl_guest_spec *spec)
{
    vl_gblk *b = calloc(1, sizeof *b);
    if (!b)
        return -1;
    g->blk = b;
    b->complete = spec->blk_complete;
    vl_guest_vector(g, VL_VEC_VIRTIO_BLK, blk_interrupt);
    b->done = malloc((size_t)g->nvcpus * sizeof *b->done);
    b->taken = calloc((size_t)g->nvcpus, sizeof *b->taken);
    if (!b->done || !b->taken)
        return -1;
    for (int i = 0; i < g->nvcpus; i++)
        vl_list_init(&b->done[i]);
    return 0;
}

static void gblk_fini(vl_guest *g)
{
    if (!g->blk)
        return;
    free(g->blk->done);
    free(g->blk->taken);
    free(g->blk);
    g->blk = NULL;
}

/* BLKIO at the head of t's program on v: submit and block. */
static vl_op_next gblk_submit(vl_guest *g, int v, vl_task *t, vl_ns now)
{
    vl_opi o = vl_task_take(g, t);
    const vl_op *op = &t->prog->ops[o.pc];
    t->state = VL_TASK_BLOCKED;
    t->io_at = now;
    vl_blk_req r = {.vm = g->vm, .vcpu = v, .tag = t->id, .bytes = (uint32_t)op->size,
                    .write = op->count != 0};
    g->vcpus[v].irq_left += vl_hv_blk_kick(g->hv, g->vm, v, &r, vl_guest_cr3(t->mm));
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
    vl_list_push_back(&g->blk->done[v], &t->link);
    g->blk->requests++;
    return v;
}

static int take(vl_gblk *b, int v)
{
    int k = 0;
    vl_list *pos;
    vl_list_for_each(pos, &b->done[v])
        k++;
    b->taken[v] = k;
    return k;
}

/* The completion interrupt on v: its handler takes the completions
 * queued for v, unless a running one will see them. */
static void blk_interrupt(vl_guest *g, int v, int vector, vl_ns now)
{
    (void)vector;
    vl_exec_irq_settle(g, v, now);
    vl_gblk *b = g->blk;
    if (!b || b->taken[v] > 0)
        return;
    int k = take(b, v);
    if (k)
        vl_exec_irq_work(g, v, g->irq_entry_cost + (vl_ns)k * b->complete, g->rip_blk_done, now);
}

/* v finished its handler work: wake the tasks it completed; returns more
 * handler work for completions that arrived meanwhile (0: none). */
static vl_ns gblk_handled(vl_guest *g, int v, vl_ns now, uint64_t *rip)
{
    vl_gblk *b = g->blk;
    *rip = g->rip_blk_done;
    if (!b || b->taken[v] == 0)
        return 0;
    for (; b->taken[v] > 0; b->taken[v]--) {
        vl_list *w = vl_list_first(&b->done[v]);
        vl_list_del(w);
        vl_task *t = vl_container_of(w, vl_task, link);
        vl_hist_record(&t->stats->io_latency, now - t->io_at);
        vl_gsched_wake(g, v, t, now);
    }
    return (vl_ns)take(b, v) * b->complete; /* completions that came meanwhile */
}

const vl_gmod vl_gmod_gblk = {
    .name = "blk",
    .init = gblk_init,
    .fini = gblk_fini,
    .ops = {[VL_OP_BLKIO] = {gblk_submit, true}},
    .handled = gblk_handled,
    .port = {.blk_done = gblk_done},
};
