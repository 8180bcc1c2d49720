/* guest/net.c - the guest's virtio-net driver and NAPI.
 *
 * The backend writes received packets into the ring (one entry each); a
 * full ring drops them.  The first packet after the guest re-enabled
 * notifications raises the receive interrupt on the rx vCPU; the handler
 * schedules NAPI, which polls in rounds of at most `weight` packets, each
 * costing `softirq` of work on that vCPU, with notifications off.  A round's
 * packets go up the stack when its work is done; while packets remain the
 * next round follows; an empty ring re-enables notifications (napi_complete
 * + virtqueue_enable_cb).  A vCPU that is not running drains nothing, so
 * the ring fills and the backend drops: the mechanism by which a preempted
 * vCPU loses packets.  Packets the stack sends from the softirq (ACKs,
 * echo replies) leave with one kick at the end of the round.
 *
 * Receive livelock guard (net_rx_action / __do_softirq): once the softirq
 * has polled netdev_budget packets or for netdev_budget_usecs without
 * letting go, and a task wants the vCPU, the rest goes to ksoftirqd, a
 * thread the guest scheduler shares the vCPU with: polling resumes after
 * the task had as long as the softirq took (an even split, as CFS gives two
 * busy threads). */
#include "guest/kernel.h"
#include "guest/net.h"

#include <stdlib.h>

#include "guest/exec.h"
#include "guest/gsched.h"
#include "guest/module.h"
#include "hv/guest_port.h"
#include "vcpulab/scenario.h"
#include "vl_array.h"
#include "vl_oom.h"

#define NETDEV_BUDGET 300            /* net.core.netdev_budget default     */
#define NETDEV_BUDGET_NS VL_US(2000) /* net.core.netdev_budget_usecs       */

/* ksoftirqd's turn: the polling resumes on the rx vCPU (its interrupt
 * path starts the next round). */
static void ksoftirqd_runs(void *ctx, vl_event *ev)
{
    (void)ev;
    vl_guest *g = ctx;
    vl_hv_raise_irq(g->hv, g->vm, vl_gnet_of(g)->rx_vcpu, VL_VEC_VIRTIO_NET);
}

static void net_interrupt(vl_guest *g, int v, int vector, vl_ns now);

static int gnet_init(vl_guest *g, const vl_guest_spec *spec)
{
    vl_gnet *n = vl_gnet_of(g);
    n->rip = vl_guest_rip(g, "net_rx_action");
    n->cap = (int)spec->rx_ring;
    n->rx_vcpu = (int)spec->rx_vcpu;
    n->weight = (int)spec->napi_weight;
    n->softirq = spec->rx_softirq;
    vl_sim_event_init(g->sim, &n->ksoftirqd, ksoftirqd_runs, g, VL_EVC_DEVICE, VL_TAG_NET_SOFTIRQ);
    vl_guest_vector(g, VL_VEC_VIRTIO_NET, net_interrupt);
    return n->rip ? 0 : -1;
}

static void gnet_fini(vl_guest *g)
{
    vl_gnet *n = vl_gnet_of(g);
    vl_sim_cancel(g->sim, &n->ksoftirqd);
    free(n->ring);
    free(n->tx);
}

/* The guest port's net_rx. */
static int gnet_rx(void *guest, const vl_packet *p, vl_ns now)
{
    (void)now;
    vl_guest *g = guest;
    vl_gnet *n = vl_gnet_of(g);
    if (n->n == n->cap)
        return VL_RX_DROPPED;
    if (!n->ring && !(n->ring = malloc((size_t)n->cap * sizeof *n->ring)))
        vl_out_of_memory("a receive ring");
    n->ring[(n->head + n->n++) % n->cap] = *p;
    if (n->notified)
        return VL_RX_QUEUED;
    n->notified = true;
    return n->rx_vcpu;
}

/* The packets the running poll round processes (0: none runs); the rx
 * vCPU has a completion due while one runs. */
static void set_batch(vl_guest *g, vl_gnet *n, int batch)
{
    n->batch = batch;
    vl_gmod_due(g, n->rx_vcpu, VL_GMOD_gnet, batch > 0);
}

static vl_ns start_round(vl_guest *g, vl_gnet *n)
{
    set_batch(g, n, n->n < n->weight ? n->n : n->weight);
    n->rounds++;
    return (vl_ns)n->batch * n->softirq;
}

/* The receive interrupt on v: NAPI polls a round, unless a round is
 * running (it will see the new packets) or ksoftirqd has them. */
static void net_interrupt(vl_guest *g, int v, int vector, vl_ns now)
{
    (void)vector;
    vl_exec_irq_settle(g, v, now);
    vl_gnet *n = vl_gnet_of(g);
    if (v != n->rx_vcpu || n->batch > 0 || n->n == 0 || vl_event_pending(&n->ksoftirqd))
        return;
    if (n->run_packets == 0)
        n->run_start = now;
    vl_exec_irq_work(g, v, g->irq_entry_cost + start_round(g, n), n->rip, now);
}

/* v finished its handler work: the poll round's packets go up the stack;
 * returns more handler work (the next round, a transmit kick), or 0. */
static vl_ns gnet_round_done(vl_guest *g, int v, vl_ns now, uint64_t *rip)
{
    vl_gnet *n = vl_gnet_of(g);
    *rip = n->rip;
    if (v != n->rx_vcpu || n->batch == 0)
        return 0;
    int batch = n->batch;
    set_batch(g, n, 0);
    n->run_packets += batch;
    for (int i = 0; i < batch; i++) {
        vl_packet p = n->ring[n->head];
        n->head = (n->head + 1) % n->cap;
        n->n--;
        n->rx_packets++;
        n->input(g, v, &p, now);
    }
    vl_ns work = vl_gnet_flush(g, v, g->vcpus[v].cur_mm);
    vl_ns ran = now - n->run_start;
    if (n->n == 0) {
        n->run_packets = 0;
        n->notified = false; /* napi_complete: notify again */
        return work;
    }
    if ((n->run_packets >= NETDEV_BUDGET || ran >= NETDEV_BUDGET_NS) &&
        !vl_gsched_idle(&g->vcpus[v])) {
        n->run_packets = 0;
        n->deferrals++;
        vl_sim_schedule(g->sim, &n->ksoftirqd, now + ran);
        return work;
    }
    return work + start_round(g, n); /* still polling: no interrupt */
}

/* v has nothing else to run: deferred polling (ksoftirqd) runs now;
 * returns its work (0: none). */
static vl_ns gnet_idle(vl_guest *g, int v, vl_ns now, uint64_t *rip)
{
    vl_gnet *n = vl_gnet_of(g);
    *rip = n->rip;
    if (v != n->rx_vcpu || !vl_event_pending(&n->ksoftirqd))
        return 0;
    vl_sim_cancel(g->sim, &n->ksoftirqd);
    n->run_start = now;
    return n->n > 0 ? start_round(g, n) : 0;
}

/* The receive interrupt moves off vCPU `from` (going offline) to the
 * nearest online vCPU; the hypervisor is told (MSI routing), and polling
 * left pending resumes there. */
static void gnet_cpu_down(vl_guest *g, int from, vl_ns now)
{
    (void)now;
    int to = vl_gsched_online_near(g, from);
    vl_gnet *n = vl_gnet_of(g);
    if (n->rx_vcpu != from || from == to)
        return;
    int batch = n->batch;
    set_batch(g, n, 0);
    n->rx_vcpu = to;
    set_batch(g, n, batch); /* a round left running completes there */
    vl_hv_route_net_irq(g->hv, g->vm, to);
    if (vl_event_pending(&n->ksoftirqd) || (n->notified && n->n > 0)) {
        vl_sim_cancel(g->sim, &n->ksoftirqd);
        n->run_packets = 0;
        vl_hv_raise_irq(g->hv, g->vm, to, VL_VEC_VIRTIO_NET);
    }
}

void vl_gnet_xmit(vl_guest *g, const vl_packet *p)
{
    vl_gnet *n = vl_gnet_of(g);
    if (vl_array_room(&n->tx, &n->cap_tx, n->ntx, sizeof *n->tx, 16) < 0)
        vl_out_of_memory("a guest's transmit queue");
    vl_packet *q = &n->tx[n->ntx++];
    *q = *p;
    q->vm = g->vm;
}

vl_ns vl_gnet_flush(vl_guest *g, int v, int mm)
{
    vl_gnet *n = vl_gnet_of(g);
    if (n->ntx == 0)
        return 0;
    vl_ns cost = vl_hv_net_kick(g->hv, g->vm, v, n->tx, n->ntx, vl_guest_cr3(mm));
    n->ntx = 0;
    return cost;
}

const vl_gmod vl_gmod_gnet = {
    .name = "net",
    .priv_size = sizeof(vl_gnet),
    .init = gnet_init,
    .fini = gnet_fini,
    .handled = gnet_round_done,
    .idle = gnet_idle,
    .cpu_down = gnet_cpu_down,
    .port = {.net_rx = gnet_rx},
};
