/* workload/tcp_sender.h - an external TCP bulk sender (an iperf / wget
 * server outside the VMs) sending to a port of a VM. */
#ifndef VL_WORKLOAD_TCP_SENDER_H
#define VL_WORKLOAD_TCP_SENDER_H

#include "hv/io.h"
#include "guest/guest.h"

typedef struct vl_tcp_sender {
    struct vl_hv *hv;
    int vm, port, endpoint;
    uint32_t mss;
    uint64_t snd_una, snd_nxt, max_sent;
    uint64_t limit;          /* bytes to send (UINT64_MAX: forever)        */
    double cwnd, ssthresh;   /* bytes                                      */
    uint32_t rwnd, last_window;
    int dupacks;
    uint64_t recover;        /* no second window cut before this is acked  */
    vl_ns srtt, rttvar, rto;
    bool have_rtt;
    vl_event rto_ev;
    vl_netstats *st;
    vl_wstats *done;         /* if set: a finite transfer's completion time
                              * (start -> all acked) is recorded here      */
    vl_ns started;
} vl_tcp_sender;

/* Sets up s (endpoint registered) and starts sending at `start`.  Returns
 * 0, or -1 when the VM has no network. */
int vl_tcp_sender_start(vl_tcp_sender *s, struct vl_hv *hv, int vm, int port, uint64_t bytes,
                        vl_netstats *st, vl_ns start);

#endif
