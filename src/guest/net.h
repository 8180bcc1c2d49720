/* guest/net.h - the guest's network stack: the virtio-net receive ring
 * and NAPI polling (guest/net.c), and sockets with TCP / UDP / ICMP input
 * and the tasks' receive and send calls (guest/socket.c).
 * docs/io-model.md describes the model. */
#ifndef VL_GUEST_NET_H
#define VL_GUEST_NET_H

#include "guest/guest.h"
#include "hv/packet.h"
#include "vl_fifo.h"

typedef struct vl_socket {
    int proto, port;
    int endpoint;           /* the peer (the last packet's sender)         */
    vl_fifo q;              /* received, not yet read (vl_packet)          */
    uint64_t queued;        /* bytes charged to the receive buffer         */
    uint64_t rcvbuf;        /* receive buffer, bytes                       */
    vl_list waiters;        /* tasks blocked in recv                       */
    /* TCP receiver */
    uint64_t rcv_nxt;       /* next expected byte                          */
    int unacked;            /* in-order segments since the last ACK        */
    uint64_t adv_window;    /* window in the last ACK sent                 */
    vl_ns ts_echo;          /* timestamp of the last accepted segment      */
    /* the last datagram / request read (replies go to its sender and
     * echo its number and timestamp) */
    int reply_to;
    uint64_t last_seq;
    vl_ns last_sent_at;
    /* RFC 3550 jitter state at the reader */
    vl_ns last_transit;
    bool have_transit;
    uint64_t next_seq;      /* UDP: next datagram number expected          */
    vl_wstats *stats;
} vl_socket;

typedef struct vl_gnet {
    vl_packet *ring;        /* virtio-net receive ring (used entries), cap
                             * of them from the first packet on (most VMs
                             * receive none)                              */
    int head, n, cap;
    bool notified;          /* interrupt raised / NAPI scheduled           */
    int rx_vcpu, weight;
    vl_ns softirq;          /* per packet                                  */
    int batch;              /* packets the current poll round processes    */
    int run_packets;        /* packets polled since the softirq last let go */
    vl_ns run_start;        /* ... and since when                          */
    vl_event ksoftirqd;     /* deferred polling resumes                    */
    uint64_t deferrals;     /* polling handed to ksoftirqd                 */
    vl_packet *tx;          /* sent by the softirq, kicked at round end    */
    int ntx, cap_tx;
    uint64_t rx_packets;    /* processed by the softirq                    */
    uint64_t rounds;        /* NAPI poll rounds                            */
    uint64_t rip;           /* net_rx_action: where the softirq runs       */
    /* protocol input of one packet on v (the socket layer registers it) */
    void (*input)(struct vl_guest *g, int v, const vl_packet *p, vl_ns now);
} vl_gnet;

/* The socket layer's state (the module "socket"). */
typedef struct vl_gsock {
    vl_socket *socks;
    int nsocks, cap_socks;
    uint64_t no_socket;     /* packets for a port nobody listens on        */
    uint64_t rcvbuf_drops;  /* socket buffer full                          */
} vl_gsock;

static inline vl_gnet *vl_gnet_of(const vl_guest *g)
{
    return g->priv[VL_GMOD_gnet];
}

static inline vl_gsock *vl_socket_of(const vl_guest *g)
{
    return g->priv[VL_GMOD_socket];
}

/* net.c */
/* Its port entry and hooks (guest/module.h): the backend puts packets in
 * the ring (net_rx); a poll round's packets go up the stack when its
 * handler work is done, and the next round follows (handled); deferred
 * polling runs on an idle vCPU (idle, ksoftirqd); the receive interrupt
 * moves off a vCPU going offline (cpu_down). */
/* Queues a packet for transmission (flushed with one kick by
 * vl_gnet_flush); the kick's exit cost is returned by flush. */
void vl_gnet_xmit(vl_guest *g, const vl_packet *p);
vl_ns vl_gnet_flush(vl_guest *g, int v, int mm);

/* socket.c (the module "socket": ops RECV and SEND, net's protocol
 * input) */
/* A socket of `proto` bound to `port` (its reads feed `stats`); its id,
 * or -1 when out of memory / the port is taken. */
int vl_guest_socket(vl_guest *g, int proto, int port, uint64_t rcvbuf, vl_wstats *stats);

#endif
