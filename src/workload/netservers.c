/* workload/netservers.c - latency-sensitive network workloads with their
 * external clients (docs/workloads.md, docs/workloads-calibration.md
 * 4.10):
 *
 *   ping   an external host pings the VM every `interval`; the guest
 *          kernel answers from the receive softirq (icmp_echo), no task
 *          runs.  Response = round-trip time.
 *   rr     a request/response server (netperf UDP_RR-like): `threads`
 *          server tasks each loop { recv one request; compute `work`;
 *          kernel send; send the response }; `clients` closed-loop
 *          clients outside send a request, wait for the response, think
 *          for `think`, and send the next.  Response = request sent ->
 *          response received. */
#include <stdio.h>
#include <stdlib.h>

#include "guest/kernel.h"
#include "guest/net.h"
#include "hv/hv.h"
#include "hv/io.h"
#include "workload/clients.h"
#include "workload/workload.h"

#define ICMP_ECHO_BYTES 98 /* ping's default 56-byte payload + ICMP, IPv4, Ethernet */

/* ------------------------------------------------------------------ ping */

typedef struct ping_params {
    vl_ns interval;
    vl_ns start;
} ping_params;

static const vl_param ping_param_table[] = {
    {"interval", VL_PARAM_TIME, offsetof(ping_params, interval), VL_MS(200), VL_US(10), VL_S(10),
     "ns", "time between echo requests (ping -i; calibration used 0.2 s)", NULL},
    {"start", VL_PARAM_TIME, offsetof(ping_params, start), VL_MS(1), 0, VL_S(3600), "ns",
     "first echo request", NULL},
    VL_PARAM_END,
};

typedef struct pinger {
    vl_hv *hv;
    int vm, endpoint;
    vl_ns interval;
    uint64_t seq;
    vl_event ev;
    vl_wstats *st;
} pinger;

static void ping_reply(void *ctx, const vl_packet *p, vl_ns now)
{
    pinger *c = ctx;
    if (!(p->flags & VL_PKT_REPLY))
        return;
    c->st->bursts++;
    c->st->net.rx_packets++;
    vl_hist_record(&c->st->response, now - p->sent_at);
}

static void ping_send(void *ctx, vl_event *ev)
{
    pinger *c = ctx;
    vl_ns now = c->hv->sim.now;
    vl_net_send(c->hv, &(vl_packet){.vm = c->vm, .endpoint = c->endpoint,
                                    .proto = VL_PROTO_ICMP, .bytes = ICMP_ECHO_BYTES,
                                    .seq = c->seq++, .sent_at = now});
    c->st->net.sent++;
    vl_sim_schedule(&c->hv->sim, ev, now + c->interval);
}

static int ping_create(vl_guest *g, vl_workload *w, const void *params)
{
    const ping_params *p = params;
    pinger *c = calloc(1, sizeof *c);
    if (!c)
        return -1;
    w->client = c;
    *c = (pinger){.hv = g->hv, .vm = g->vm, .interval = p->interval, .st = &w->stats};
    c->endpoint = vl_net_endpoint_add(g->hv, ping_reply, c);
    if (c->endpoint < 0)
        return -1;
    vl_sim_event_init(&g->hv->sim, &c->ev, ping_send, c, VL_EVC_DEVICE, VL_TAG_PING);
    vl_sim_schedule(&g->hv->sim, &c->ev, p->start);
    return 0;
}

static const vl_workload_type ping_type = {
    .name = "ping",
    .description = "An external host pings the VM; the guest kernel answers from the receive "
                   "softirq. Response = round-trip time.",
    .params = ping_param_table,
    .params_size = sizeof(ping_params),
    .io = true,
    .create = ping_create,
};
VL_REGISTER_WORKLOAD(ping_type);

/* -------------------------------------------------------------------- rr */

typedef struct rr_params {
    int64_t threads, clients, port, request, response;
    vl_dist work, think, kernel;
    vl_ns start;
} rr_params;

static const vl_param rr_param_table[] = {
    {"threads", VL_PARAM_INT, offsetof(rr_params, threads), 1, 1, 1024, "tasks",
     "server tasks reading the socket", NULL},
    {"clients", VL_PARAM_INT, offsetof(rr_params, clients), 1, 1, 4096, "",
     "closed-loop clients outside the VM", NULL},
    {"port", VL_PARAM_INT, offsetof(rr_params, port), 8080, 1, 65535, "", "server port", NULL},
    {"request", VL_PARAM_INT, offsetof(rr_params, request), 100, 1, 65000, "bytes",
     "request payload", NULL},
    {"response", VL_PARAM_INT, offsetof(rr_params, response), 1000, 1, 65000, "bytes",
     "response payload", NULL},
    {"work", VL_PARAM_DIST, offsetof(rr_params, work), VL_US(100), 0, 0, "ns",
     "user-mode work per request (calibration rr_100us)", NULL},
    {"kernel", VL_PARAM_DIST, offsetof(rr_params, kernel), VL_US(12), 0, 0, "ns",
     "kernel work to send the response (calibration: write 12 us)", NULL},
    {"think", VL_PARAM_DIST, offsetof(rr_params, think), VL_MS(1), 0, 0, "ns",
     "a client's pause between a response and its next request", NULL},
    {"start", VL_PARAM_TIME, offsetof(rr_params, start), VL_MS(1), 0, VL_S(3600), "ns",
     "first requests", NULL},
    VL_PARAM_END,
};

static int rr_create(vl_guest *g, vl_workload *w, const void *params)
{
    const rr_params *p = params;
    int sock = vl_guest_socket(g, VL_PROTO_UDP, (int)p->port, 212992, &w->stats);
    if (sock < 0 || !vl_workload_programs(w, 1))
        return -1;
    vl_dist recv_base = vl_dist_const(VL_US(2));
    int body = vl_prog_recv(w->prog, sock, vl_guest_activity(g, "udp_recv"), &recv_base, 200, 1);
    if (body < 0 || vl_prog_compute(w->prog, &p->work) < 0 ||
        vl_prog_kernel(w->prog, vl_guest_activity(g, "udp_send"), &p->kernel, -1, NULL) < 0 ||
        vl_prog_send(w->prog, sock, 1, (int)p->response) < 0 ||
        vl_prog_loop(w->prog, body, 0) < 0 || vl_workload_spawn(g, w, p->threads) < 0)
        return -1;
    vl_client_spec c = {.port = (int)p->port, .nclients = (int)p->clients,
                        .request = (uint32_t)p->request, .think = p->think, .start = p->start};
    return vl_clients_start(g, w, &c);
}

static const vl_workload_type rr_type = {
    .name = "rr",
    .description = "A request/response server (netperf UDP_RR-like) with closed-loop external "
                   "clients and think times. Response = request sent -> response received.",
    .params = rr_param_table,
    .params_size = sizeof(rr_params),
    .io = true,
    .io_bound = true,
    .create = rr_create,
};
VL_REGISTER_WORKLOAD(rr_type);
