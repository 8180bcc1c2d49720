/* workload/iperf.c - `iperf`: network throughput into a VM, as iperf
 * measures it.  The client is outside the VMs; the server is one task in
 * the guest that reads its socket (docs/workloads.md, docs/io-model.md).
 *
 *   tcp  an external bulk sender with Reno congestion control
 *        (workload/tcp_sender.c) into a TCP socket with a `window`-byte
 *        receive buffer; throughput is what the server task read.
 *   udp  datagrams of `length` bytes at `rate`, paced by the client;
 *        the server keeps the RFC 3550 jitter and counts lost datagrams
 *        by sequence number, as iperf's server does.
 * Server program: loop { recv(socket) } - each recv a kernel call in
 * tcp_recvmsg / udp_recvmsg costing read_cost + copy_cost per KiB read. */
#include <stdlib.h>

#include "guest/kernel.h"
#include "hv/hv.h"
#include "guest/net.h"
#include "workload/tcp_sender.h"
#include "workload/workload.h"

enum { IPERF_TCP = 0, IPERF_UDP };
static const char *const iperf_protocols[] = {"tcp", "udp", NULL};

typedef struct iperf_params {
    int protocol;
    int64_t port;
    double rate_mbps;     /* udp */
    int64_t length;       /* udp datagram payload */
    int64_t window;       /* receive buffer */
    vl_dist read_cost;
    int64_t copy_cost;
    vl_ns start;
} iperf_params;

static const vl_param iperf_param_table[] = {
    {"protocol", VL_PARAM_ENUM, offsetof(iperf_params, protocol), IPERF_TCP, 0, 0, "",
     "tcp (bulk, Reno sender) or udp (paced datagrams)", iperf_protocols},
    {"port", VL_PARAM_INT, offsetof(iperf_params, port), 5001, 1, 65535, "",
     "server port (iperf2 default 5001)", NULL},
    {"rate", VL_PARAM_DOUBLE, offsetof(iperf_params, rate_mbps), 500, 0.001, 400000, "Mbit/s",
     "udp: the client's sending rate (iperf -b)", NULL},
    {"length", VL_PARAM_INT, offsetof(iperf_params, length), 1470, 16, 65507, "bytes",
     "udp: datagram payload (iperf2 default 1470)", NULL},
    {"window", VL_PARAM_INT, offsetof(iperf_params, window), 3145728, 4096, 1 << 30, "bytes",
     "receive buffer: tcp window (tcp_rmem max 6 MiB, half of it advertised with "
     "tcp_adv_win_scale 1); udp: rmem_default is 212992", NULL},
    {"read_cost", VL_PARAM_DIST, offsetof(iperf_params, read_cost), VL_US(2), 0, 0, "ns",
     "kernel work per read call besides the copy (syscall, socket lock, wake-up)", NULL},
    {"copy_cost", VL_PARAM_INT, offsetof(iperf_params, copy_cost), 200, 0, 100000, "ns/KiB",
     "copying received data to user space (200 ns/KiB = 5 GB/s)", NULL},
    {"start", VL_PARAM_TIME, offsetof(iperf_params, start), VL_MS(1), 0, VL_S(3600), "ns",
     "when the client starts", NULL},
    VL_PARAM_END,
};

typedef struct udp_client {
    vl_hv *hv;
    int vm, port, endpoint;
    uint32_t length;
    vl_ns interval;
    uint64_t seq;
    vl_event ev;
    vl_netstats *st;
} udp_client;

#define UDP_HDR_BYTES 42

static void udp_send_next(void *ctx, vl_event *ev)
{
    udp_client *c = ctx;
    vl_ns now = c->hv->sim.now;
    vl_net_send(c->hv, &(vl_packet){.vm = c->vm, .endpoint = c->endpoint,
                                    .proto = VL_PROTO_UDP, .port = (uint16_t)c->port,
                                    .bytes = c->length + UDP_HDR_BYTES, .payload = c->length,
                                    .seq = c->seq++, .sent_at = now});
    c->st->sent++;
    vl_sim_schedule(&c->hv->sim, ev, now + c->interval);
}

static void ignore_reply(void *ctx, const vl_packet *p, vl_ns now)
{
    (void)ctx, (void)p, (void)now;
}

static int udp_client_start(vl_guest *g, vl_workload *w, const iperf_params *p)
{
    udp_client *c = calloc(1, sizeof *c);
    if (!c)
        return -1;
    w->client = c;
    *c = (udp_client){.hv = g->hv, .vm = g->vm, .port = (int)p->port,
                      .length = (uint32_t)p->length, .st = &w->stats.net};
    double bits = (double)(p->length + UDP_HDR_BYTES) * 8;
    c->interval = (vl_ns)(bits / (p->rate_mbps * 1e6) * 1e9 + 0.5);
    if (c->interval < 1)
        c->interval = 1;
    c->endpoint = vl_net_endpoint_add(g->hv, ignore_reply, c);
    if (c->endpoint < 0)
        return -1;
    vl_sim_event_init(&g->hv->sim, &c->ev, udp_send_next, c, VL_EVC_DEVICE, VL_TAG_UDP_SENDER);
    vl_sim_schedule(&g->hv->sim, &c->ev, p->start);
    return 0;
}

static int iperf_create(vl_guest *g, vl_workload *w, const void *params)
{
    const iperf_params *p = params;
    bool tcp = p->protocol == IPERF_TCP;
    int sock = vl_guest_socket(g, tcp ? VL_PROTO_TCP : VL_PROTO_UDP, (int)p->port,
                               (uint64_t)p->window, &w->stats);
    if (sock < 0 || !vl_workload_programs(w, 1))
        return -1;
    int body = vl_prog_recv(w->prog, sock, vl_guest_activity(g, tcp ? "tcp_recv" : "udp_recv"),
                            &p->read_cost, (int)p->copy_cost, 0);
    if (body < 0 || vl_prog_loop(w->prog, body, 0) < 0 || vl_workload_spawn(g, w, 1) < 0)
        return -1;
    if (!tcp)
        return udp_client_start(g, w, p);
    vl_tcp_sender *s = malloc(sizeof *s);
    if (!s)
        return -1;
    w->client = s;
    return vl_tcp_sender_start(s, g->hv, g->vm, (int)p->port, 0, &w->stats.net, p->start);
}

static const vl_workload_type iperf_type = {
    .name = "iperf",
    .description = "Network throughput into the VM: an external iperf client (TCP bulk with "
                   "Reno, or paced UDP) and a server task reading the socket.",
    .params = iperf_param_table,
    .params_size = sizeof(iperf_params),
    .io = true,
    .io_bound = true,
    .create = iperf_create,
};
VL_REGISTER_WORKLOAD(iperf_type);
