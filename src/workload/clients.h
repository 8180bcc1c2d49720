/* workload/clients.h - closed-loop request clients outside the VMs: each
 * sends a request to a port of a VM, waits for the answer, thinks, and
 * sends the next (rr, exim). */
#ifndef VL_WORKLOAD_CLIENTS_H
#define VL_WORKLOAD_CLIENTS_H

#include "workload/workload.h"

typedef struct vl_client_spec {
    int port, nclients;
    uint32_t request;     /* payload bytes of a request                 */
    vl_dist think;        /* between an answer and the next request     */
    vl_ns start;          /* clients start spread over one think after it */
} vl_client_spec;

/* Starts the clients of workload w (responses and their times go to
 * w->stats: bursts, response); their state becomes w->client.  0 or -1. */
int vl_clients_start(vl_guest *g, vl_workload *w, const vl_client_spec *spec);

#endif
