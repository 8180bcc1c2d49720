/* hv/io.c - virtual devices, links and external endpoints (hv/io.h,
 * docs/io-model.md): where packets and block requests go between the
 * outside, the backends and the guests, and what the policy sees of it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hv/fold.h"
#include "hv/io_priv.h"
#include "vl_array.h"
#include "vl_oom.h"

/* Defaults: docs/io-model.md gives the reasoning and sources. */
const vl_param vl_io_params[] = {
    {"link_gbps", VL_PARAM_DOUBLE, offsetof(vl_io_spec, link_gbps), 1.0, 0.001, 400, "Gbit/s",
     "each VM's link to the outside, per direction (Gigabit Ethernet, as in the testbeds of "
     "the published iperf measurements)", NULL},
    {"wire_latency", VL_PARAM_TIME, offsetof(vl_io_spec, wire_latency), VL_US(25), 0, VL_S(1),
     "ns", "one-way latency endpoint <-> host NIC (a LAN hop; ~50 us round trip)", NULL},
    {"rx_packet", VL_PARAM_TIME, offsetof(vl_io_spec, rx_packet), 1500, 0, VL_MS(1), "ns",
     "backend work per received packet (vhost-net handle_rx, tap read, copy to the ring), "
     "on average", NULL},
    {"rx_spread", VL_PARAM_DOUBLE, offsetof(vl_io_spec, rx_spread), 0.5, 0, 1, "",
     "each packet's backend work is drawn uniformly within rx_packet x (1 -+ rx_spread), "
     "from the run's seed (docs/io-model.md); 0: every packet costs rx_packet", NULL},
    {"tx_packet", VL_PARAM_TIME, offsetof(vl_io_spec, tx_packet), 1000, 0, VL_MS(1), "ns",
     "backend work per transmitted packet (vhost-net handle_tx)", NULL},
    {"blk_request", VL_PARAM_TIME, offsetof(vl_io_spec, blk_request), VL_US(5), 0, VL_MS(1), "ns",
     "backend work per block request, at submission and again at completion", NULL},
    {"disk_latency", VL_PARAM_TIME, offsetof(vl_io_spec, disk_latency), VL_US(100), 0, VL_S(1),
     "ns", "device service time per request (a SATA SSD's 4 KiB read)", NULL},
    {"disk_mbps", VL_PARAM_DOUBLE, offsetof(vl_io_spec, disk_mbps), 500, 1, 100000, "MB/s",
     "device transfer rate (SATA SSD)", NULL},
    VL_PARAM_END,
};

static void io_hook(vl_hv *hv, vl_vcpu *v, const vl_io_info *info)
{
    if (!hv->sched.ops->io_event)
        return;
    const char *saved = hv->hook;
    hv->hook = "io_event";
    hv->sched.ops->io_event(&hv->sched, v, info);
    hv->hook = saved;
}

static vl_vmio *devices_of(const vl_hv *hv, int vm)
{
    int i = hv->io && vm >= 0 && vm < hv->nvms ? hv->io->dev_of_vm[vm] : -1;
    return i >= 0 ? &hv->io->dev[i] : NULL;
}

/* --------------------------------------------------------------- links */

/* x units at `rate` units per second, in ns rounded to the nearest (half
 * up): integer arithmetic, as every time in the engine's state. */
static vl_ns transfer_ns(uint64_t x, uint64_t rate)
{
    return (vl_ns)(((unsigned __int128)x * 1000000000u + rate / 2) / rate);
}

/* The link's time to put `bytes` on the wire. */
static vl_ns wire_time(const vl_io *io, uint32_t bytes)
{
    return transfer_ns(8 * (uint64_t)bytes, io->link_bps);
}

static void wire_send(vl_wire *w, const vl_packet *p, vl_ns now)
{
    vl_io *io = w->d->io;
    vl_ns start = w->free_at > now ? w->free_at : now;
    w->free_at = start + wire_time(io, p->bytes);
    vl_flight *f = vl_fifo_push(&w->q);
    if (!f)
        vl_out_of_memory("a network link's packets in flight");
    *f = (vl_flight){*p, w->free_at + io->spec.wire_latency};
    if (w->q.n == 1)
        vl_sim_schedule(&io->hv->sim, &w->ev, f->at);
}

/* The backend's work for the next received packet: rx_packet, spread
 * uniformly by rx_spread, drawn from the NIC's stream in arrival order. */
static vl_ns rx_cost(vl_vmio *d)
{
    const vl_io_spec *s = &d->io->spec;
    if (s->rx_spread <= 0)
        return s->rx_packet;
    double f = 1 + s->rx_spread * (2 * vl_rng_double(&d->rx_rng) - 1);
    return (vl_ns)((double)s->rx_packet * f + 0.5);
}

static void wire_arrival(void *ctx, vl_event *ev)
{
    (void)ev;
    vl_wire *w = ctx;
    vl_vmio *d = w->d;
    vl_hv *hv = d->io->hv;
    vl_ns now = hv->sim.now;
    vl_packet p = ((vl_flight *)vl_fifo_at(&w->q, 0))->pkt;
    vl_fifo_pop(&w->q);
    if (w->q.n > 0)
        vl_sim_schedule(&hv->sim, &w->ev, ((vl_flight *)vl_fifo_at(&w->q, 0))->at);
    if (w->inbound) { /* the host NIC hands it to the backend of the VM's NIC */
        vl_vm *vm = &hv->vms[d->vm];
        vl_io_info info = {.kind = VL_IO_PACKET, .device = VL_DEV_NET, .proto = p.proto,
                           .port = p.port};
        io_hook(hv, &vm->vcpus[d->rx_vcpu], &info);
        vl_backend_push(d->net, &(vl_bk_item){.kind = BK_RX, .pkt = p, .cost = rx_cost(d)});
    } else if (p.endpoint >= 0 && p.endpoint < d->io->neps) {
        const vl_endpoint *e = &d->io->eps[p.endpoint];
        e->fn(e->ctx, &p, now);
    }
}

/* ---------------------------------------------------------------- disk */

static vl_ns disk_service(const vl_io *io, const vl_blk_req *r)
{
    return io->spec.disk_latency + transfer_ns(r->bytes, io->disk_bps);
}

static void disk_push(vl_vmio *d, const vl_blk_req *r, vl_ns now)
{
    vl_blk_req *slot = vl_fifo_push(&d->disk);
    if (!slot)
        vl_out_of_memory("a VM's disk queue");
    *slot = *r;
    if (d->disk.n == 1) /* the device was idle: it starts on this one */
        vl_sim_schedule(&d->io->hv->sim, &d->disk_ev, now + disk_service(d->io, r));
}

/* One request at a time, in order (a single-queue device). */
static void disk_done(void *ctx, vl_event *ev)
{
    (void)ev;
    vl_vmio *d = ctx;
    vl_ns now = d->io->hv->sim.now;
    vl_blk_req r = *(vl_blk_req *)vl_fifo_at(&d->disk, 0);
    vl_fifo_pop(&d->disk);
    if (d->disk.n > 0)
        vl_sim_schedule(&d->io->hv->sim, &d->disk_ev,
                        now + disk_service(d->io, vl_fifo_at(&d->disk, 0)));
    vl_backend_push(d->blk, &(vl_bk_item){.kind = BK_BLK_DONE, .req = r});
}

/* ------------------------------------------------------- finished work */

void vl_io_item_done(vl_backend *b, const vl_bk_item *it, vl_ns now)
{
    vl_hv *hv = b->io->hv;
    vl_vmio *d = b->d;
    vl_vm *vm = &hv->vms[d->vm];
    vl_fold_settle_vm(vm); /* the guest's code may run */
    switch (it->kind) {
    case BK_RX: {
        int r = vm->port && vm->port->net_rx ? vm->port->net_rx(vm->guest, &it->pkt, now)
                                             : VL_RX_DROPPED;
        if (r == VL_RX_DROPPED) {
            d->st.rx_drops++;
            return;
        }
        d->st.rx_packets++;
        if (r >= 0) {
            vl_io_info info = {.kind = VL_IO_RX_IRQ, .device = VL_DEV_NET,
                               .proto = it->pkt.proto, .port = it->pkt.port};
            io_hook(hv, &vm->vcpus[r], &info);
            vl_hv_raise_irq(hv, d->vm, r, VL_VEC_VIRTIO_NET);
        }
        return;
    }
    case BK_TX:
        d->st.tx_packets++;
        wire_send(&d->out, &it->pkt, now);
        return;
    case BK_BLK_SUBMIT:
        disk_push(d, &it->req, now);
        return;
    case BK_BLK_DONE: {
        d->st.blk_requests++;
        int to = vm->port && vm->port->blk_done ? vm->port->blk_done(vm->guest, &it->req, now)
                                                : it->req.vcpu;
        vl_io_info info = {.kind = VL_IO_COMPLETION, .device = VL_DEV_BLK};
        io_hook(hv, &vm->vcpus[to], &info);
        vl_hv_raise_irq(hv, d->vm, to, VL_VEC_VIRTIO_BLK);
        return;
    }
    }
}

/* ------------------------------------------------------ guest kicks */

static vl_ns kick(vl_hv *hv, vl_vmio *d, int vcpu, vl_io_device dev, uint64_t cr3)
{
    vl_vcpu *v = &hv->vms[d->vm].vcpus[vcpu];
    v->exits[VL_EXIT_IO]++;
    d->st.kicks++;
    vl_io_info info = {.kind = VL_IO_KICK, .device = dev, .cr3 = cr3};
    io_hook(hv, v, &info);
    return hv->costs.exit_entry;
}

vl_ns vl_hv_net_kick(vl_hv *hv, int vm, int vcpu, const vl_packet *pkts, int n, uint64_t cr3)
{
    vl_vmio *d = devices_of(hv, vm);
    if (!d || n <= 0)
        return 0;
    vl_ns cost = kick(hv, d, vcpu, VL_DEV_NET, cr3);
    for (int i = 0; i < n; i++)
        vl_backend_push(d->net, &(vl_bk_item){.kind = BK_TX, .pkt = pkts[i]});
    return cost;
}

vl_ns vl_hv_blk_kick(vl_hv *hv, int vm, int vcpu, const vl_blk_req *r, uint64_t cr3)
{
    vl_vmio *d = devices_of(hv, vm);
    if (!d)
        return 0;
    vl_ns cost = kick(hv, d, vcpu, VL_DEV_BLK, cr3);
    vl_backend_push(d->blk, &(vl_bk_item){.kind = BK_BLK_SUBMIT, .req = *r});
    return cost;
}

void vl_hv_route_net_irq(vl_hv *hv, int vm, int vcpu)
{
    vl_vmio *d = devices_of(hv, vm);
    if (d)
        d->rx_vcpu = vcpu;
}

/* ---------------------------------------------------- the outside world */

int vl_net_endpoint_add(vl_hv *hv, vl_net_deliver_fn fn, void *ctx)
{
    vl_io *io = hv->io;
    if (!io)
        return -1;
    if (vl_array_room(&io->eps, &io->cap_eps, io->neps, sizeof *io->eps, 8) < 0)
        return -1;
    io->eps[io->neps] = (vl_endpoint){fn, ctx};
    return io->neps++;
}

void vl_net_send(vl_hv *hv, const vl_packet *p)
{
    vl_vmio *d = devices_of(hv, p->vm);
    if (d)
        wire_send(&d->in, p, hv->sim.now);
}

void vl_hv_io_window(vl_hv *hv)
{
    for (int i = 0; hv->io && i < hv->io->ndev; i++)
        hv->io->dev[i].st = (vl_io_stats){0};
}

const vl_io_stats *vl_hv_io_stats(const vl_hv *hv, int vm)
{
    const vl_vmio *d = devices_of(hv, vm);
    return d ? &d->st : NULL;
}

const char *vl_hv_backend_name(const vl_hv *hv, int vcpu)
{
    const vl_io *io = hv->io;
    return io && vcpu >= 0 && vcpu < io->nbk ? io->bk[vcpu].name : NULL;
}

/* --------------------------------------------------------- lifecycle */

static void wire_init(vl_wire *w, vl_vmio *d, bool inbound)
{
    vl_fifo_init(&w->q, sizeof(vl_flight));
    w->d = d;
    w->inbound = inbound;
    vl_sim_event_init(&d->io->hv->sim, &w->ev, wire_arrival, w, VL_EVC_DEVICE, VL_TAG_BACKEND);
}

/* Backend k (vCPU k of the host VM) for the devices d, named after the
 * VM and what it serves. */
static vl_backend *backend_init(vl_io *io, int k, vl_vmio *d, const char *serves)
{
    vl_hv *hv = io->hv;
    vl_backend *b = &io->bk[k];
    b->io = io;
    b->d = d;
    snprintf(b->name, sizeof b->name, "%s/%s", hv->vms[d->vm].name, serves);
    b->vcpu = &hv->vms[io->host_vm].vcpus[k];
    vl_fifo_init(&b->q, sizeof(vl_bk_item));
    vl_sim_event_init(&hv->sim, &b->done_ev, vl_backend_done_event, b, VL_EVC_DEVICE,
                      VL_TAG_BACKEND);
    return b;
}

/* The devices of VM vm and their backends from k on; returns the next k.
 * The events are made in the order a shared backend always made them (its
 * own, the disk's, the links'): their tags enter the run's digest. */
static int devices_init(vl_io *io, vl_vmio *d, int vm, const vl_vm_spec *spec, int k)
{
    bool per_device = vl_vm_spec_backends(spec) == 2;
    d->io = io;
    d->vm = vm;
    d->rx_vcpu = (int)spec->guest.rx_vcpu;
    d->net = backend_init(io, k++, d, per_device ? "net" : "io");
    vl_fifo_init(&d->disk, sizeof(vl_blk_req));
    vl_sim_event_init(&io->hv->sim, &d->disk_ev, disk_done, d, VL_EVC_DEVICE, VL_TAG_BACKEND);
    wire_init(&d->in, d, true);
    wire_init(&d->out, d, false);
    d->blk = per_device ? backend_init(io, k++, d, "blk") : d->net;
    return k;
}

int vl_hv_io_create(vl_hv *hv, const vl_scenario *scn, vl_error *err)
{
    int nbk = 0, ndev = 0;
    for (int d = 0; d < scn->nvms; d++) {
        nbk += vl_vm_spec_backends(&scn->vms[d]);
        ndev += scn->vms[d].io;
    }
    if (nbk == 0)
        return 0;
    vl_io *io = calloc(1, sizeof *io);
    if (!io)
        return vl_error_set(err, "out of memory");
    hv->io = io;
    io->hv = hv;
    io->spec = scn->host.io;
    io->link_bps = (uint64_t)(io->spec.link_gbps * 1e9 + 0.5);   /* >= 10^6: the range */
    io->disk_bps = (uint64_t)(io->spec.disk_mbps * 1e6 + 0.5);   /* >= 10^6 */
    io->host_vm = hv->nvms - 1;
    io->nbk = nbk;
    io->ndev = ndev;
    io->bk = calloc((size_t)nbk, sizeof *io->bk);
    io->dev = calloc((size_t)ndev, sizeof *io->dev);
    io->dev_of_vm = malloc((size_t)hv->nvms * sizeof *io->dev_of_vm);
    if (!io->bk || !io->dev || !io->dev_of_vm)
        return vl_error_set(err, "out of memory");
    vl_vm *host = &hv->vms[io->host_vm];
    host->port = &vl_backend_port;
    host->guest = io;
    for (int d = 0, i = 0, k = 0; d < hv->nvms; d++) {
        io->dev_of_vm[d] = d < scn->nvms && scn->vms[d].io ? i : -1;
        if (io->dev_of_vm[d] >= 0)
            k = devices_init(io, &io->dev[i++], d, &scn->vms[d], k);
    }
    return 0;
}

void vl_hv_io_begin(vl_hv *hv)
{
    for (int i = 0; hv->io && i < hv->io->ndev; i++) {
        char stream[64];
        snprintf(stream, sizeof stream, "io:rx:vm%d", hv->io->dev[i].vm);
        vl_rng_init(&hv->io->dev[i].rx_rng, hv->seed, stream);
    }
}

void vl_hv_io_destroy(vl_hv *hv)
{
    vl_io *io = hv->io;
    if (!io)
        return;
    for (int i = 0; io->bk && i < io->nbk; i++)
        vl_fifo_free(&io->bk[i].q);
    for (int i = 0; io->dev && i < io->ndev; i++) {
        vl_vmio *d = &io->dev[i];
        vl_fifo_free(&d->disk);
        vl_fifo_free(&d->in.q);
        vl_fifo_free(&d->out.q);
    }
    free(io->bk);
    free(io->dev);
    free(io->dev_of_vm);
    free(io->eps);
    free(io);
    hv->io = NULL;
}
