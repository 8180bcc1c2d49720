/* workload/clients.c - closed-loop request clients (workload/clients.h).
 * Requests are UDP datagrams; the answer echoes the request's timestamp,
 * so a response time is the answer's arrival minus the request's send.
 * Each client draws its think times from its own stream. */
#include "workload/clients.h"

#include <stdio.h>
#include <stdlib.h>

#include "hv/hv.h"
#include "hv/io.h"

#define UDP_HDR_BYTES 42

typedef struct client {
    struct clients *all;
    int endpoint;
    vl_rng rng;
    vl_event ev;
} client;

typedef struct clients {
    vl_hv *hv;
    int vm;
    vl_client_spec spec;
    vl_wstats *st;
    client c[];
} clients;

static void send_request(void *ctx, vl_event *ev)
{
    (void)ev;
    client *c = ctx;
    clients *a = c->all;
    uint32_t len = a->spec.request;
    vl_net_send(a->hv, &(vl_packet){.vm = a->vm, .endpoint = c->endpoint, .proto = VL_PROTO_UDP,
                                    .port = (uint16_t)a->spec.port, .bytes = len + UDP_HDR_BYTES,
                                    .payload = len, .sent_at = a->hv->sim.now});
    a->st->net.sent++;
}

static void on_answer(void *ctx, const vl_packet *p, vl_ns now)
{
    client *c = ctx;
    clients *a = c->all;
    a->st->bursts++;
    vl_hist_record(&a->st->response, now - p->sent_at);
    double think = vl_dist_sample(&a->spec.think, &c->rng);
    vl_sim_schedule(&a->hv->sim, &c->ev, now + (think > 0 ? (vl_ns)think : 0));
}

int vl_clients_start(vl_guest *g, vl_workload *w, const vl_client_spec *spec)
{
    clients *a = calloc(1, sizeof *a + (size_t)spec->nclients * sizeof a->c[0]);
    w->client = a;
    if (!a)
        return -1;
    *a = (clients){.hv = g->hv, .vm = g->vm, .spec = *spec, .st = &w->stats};
    for (int i = 0; i < spec->nclients; i++) {
        client *c = &a->c[i];
        char stream[160];
        snprintf(stream, sizeof stream, "%s/%s/client%d", g->name, w->name, i);
        vl_rng_init(&c->rng, g->seed, stream);
        c->all = a;
        c->endpoint = vl_net_endpoint_add(g->hv, on_answer, c);
        if (c->endpoint < 0)
            return -1;
        vl_sim_event_init(&g->hv->sim, &c->ev, send_request, c, VL_EVC_DEVICE, VL_TAG_CLIENT);
        double first = vl_dist_sample(&spec->think, &c->rng);
        vl_sim_schedule(&g->hv->sim, &c->ev, spec->start + (first > 0 ? (vl_ns)first : 0));
    }
    return 0;
}
