/* hv/backend.c - host I/O backends as vCPUs of the host VM.
 *
 * A backend is a host worker thread (vhost-net / vhost-blk worker, Xen
 * netback / blkback kthread in dom0), serving one VM's NIC, its disk or
 * both (hv/io.c), that the core presents as a vCPU of the host VM: it is
 * runnable while it has work, the policy schedules it
 * like any vCPU, and each item of work (a received packet, a transmitted
 * packet, a block request each way) costs it CPU time.  With nothing left
 * it blocks; new work wakes it with a kick (the eventfd a guest kick or the
 * host NIC signals).  Work is done in FIFO order; a backend preempted in
 * the middle of an item finishes the rest when it runs again. */
#include <stdlib.h>

#include "hv/io_priv.h"
#include "vl_oom.h"

static vl_ns item_cost(const vl_io *io, const vl_bk_item *it)
{
    switch (it->kind) {
    case BK_RX:
        return it->cost;
    case BK_TX:
        return io->spec.tx_packet;
    default:
        return io->spec.blk_request;
    }
}

static void halt(vl_backend *b)
{
    vl_hv *hv = b->io->hv;
    b->executing = false;
    vl_hv_halt(hv, b->io->host_vm, b->vcpu->index); /* no interrupts: it blocks */
}

/* Runs the head item from now, or blocks with nothing to do. */
static void start_head(vl_backend *b, vl_ns now)
{
    if (b->q.n == 0) {
        halt(b);
        return;
    }
    b->since = now;
    vl_sim_schedule(&b->io->hv->sim, &b->done_ev, now + b->left);
}

void vl_backend_done_event(void *ctx, vl_event *ev)
{
    (void)ev;
    vl_backend *b = ctx;
    vl_ns now = b->io->hv->sim.now;
    vl_bk_item it = *(vl_bk_item *)vl_fifo_at(&b->q, 0);
    vl_fifo_pop(&b->q);
    if (b->q.n > 0)
        b->left = item_cost(b->io, vl_fifo_at(&b->q, 0));
    vl_io_item_done(b, &it, now); /* may queue more work on b */
    if (b->executing)
        start_head(b, now);
}

void vl_backend_push(vl_backend *b, const vl_bk_item *it)
{
    vl_bk_item *slot = vl_fifo_push(&b->q);
    if (!slot)
        vl_out_of_memory("a host backend's work queue");
    *slot = *it;
    if (b->q.n == 1)
        b->left = item_cost(b->io, it);
    vl_hv *hv = b->io->hv;
    if (b->vcpu->state == VL_BLOCKED)
        vl_hv_kick(hv, b->io->host_vm, b->vcpu->index);
    /* an executing backend is busy with earlier items or about to take
     * this one after the item that queued it */
}

/* ------------------------------------------------------ the host VM's port */

static void port_enter(void *ctx, int vcpu, vl_ns now)
{
    vl_backend *b = &((vl_io *)ctx)->bk[vcpu];
    b->executing = true;
    start_head(b, now);
}

static void port_leave(void *ctx, int vcpu, vl_ns now)
{
    vl_backend *b = &((vl_io *)ctx)->bk[vcpu];
    if (b->executing && vl_event_pending(&b->done_ev)) {
        b->left -= now - b->since;
        vl_sim_cancel(&b->io->hv->sim, &b->done_ev);
    }
    b->executing = false;
}

static void port_interrupt(void *ctx, int vcpu, int vector, vl_ns now)
{
    (void)ctx, (void)vcpu, (void)vector, (void)now; /* backends take none */
}

static uint64_t port_rip(void *ctx, int vcpu, bool *kernel)
{
    (void)ctx, (void)vcpu;
    *kernel = true; /* host kernel threads: not a guest address */
    return 0;
}

const vl_guest_port vl_backend_port = {
    .enter = port_enter,
    .leave = port_leave,
    .interrupt = port_interrupt,
    .rip = port_rip,
};
