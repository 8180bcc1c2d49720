/* guest/socket.c - sockets: protocol input in the receive softirq and the
 * tasks' recv / send calls (docs/io-model.md).
 *
 * TCP receiver: segments are accepted in order while the receive buffer
 * has room; in-order segments are acknowledged every second segment
 * (delayed ACK, RFC 1122 4.2.3.2), and a pending ACK goes out when the
 * application has read (tcp_cleanup_rbuf); an
 * out-of-order segment (a gap after a drop) or one that does not fit is
 * discarded and answered with an immediate duplicate ACK.  The model keeps
 * no out-of-order queue (Linux does, with SACK): the sender goes back to
 * the gap.  ACKs advertise the free buffer and echo the timestamp of the
 * segment they acknowledge (RFC 7323), which the sender uses for its RTT.
 * A read that reopens a window that had shrunk below half the buffer sends
 * a window update (tcp_cleanup_rbuf).
 * UDP: datagrams queue while the buffer has room (each charged a 2 KiB
 * skb), else they are dropped (UDP RcvbufErrors).  The reader keeps the
 * RFC 3550 interarrival jitter and counts sequence gaps, as iperf's server
 * does.  ICMP echo requests are answered from the softirq. */
#include <stdlib.h>

#include "guest/gsched.h"
#include "guest/module.h"
#include "guest/net.h"
#include "guest/task.h"
#include "vl_array.h"
#include "vl_oom.h"

#define TCP_ACK_BYTES 66  /* Ethernet 14 + IPv4 20 + TCP 20 + timestamps 12  */
#define TCP_HDR_BYTES 66  /* headers of a data segment                       */
#define UDP_HDR_BYTES 42  /* Ethernet 14 + IPv4 20 + UDP 8                    */
#define UDP_TRUESIZE 2048 /* buffer charge of an MTU-sized datagram's skb    */

int vl_guest_socket(vl_guest *g, int proto, int port, uint64_t rcvbuf, vl_wstats *stats)
{
    vl_gsock *n = vl_socket_of(g);
    for (int i = 0; i < n->nsocks; i++)
        if (n->socks[i].port == port && n->socks[i].proto == proto)
            return -1;
    bool grows = n->nsocks == n->cap_socks;
    if (vl_array_room(&n->socks, &n->cap_socks, n->nsocks, sizeof *n->socks, 4) < 0)
        return -1;
    for (int i = 0; grows && i < n->nsocks; i++) /* the list heads may have moved; */
        vl_list_init(&n->socks[i].waiters);     /* sockets are made before any task waits */
    vl_socket *s = &n->socks[n->nsocks];
    *s = (vl_socket){.proto = proto, .port = port, .endpoint = -1, .reply_to = -1, .rcvbuf = rcvbuf,
                     .adv_window = rcvbuf, .stats = stats};
    vl_list_init(&s->waiters);
    vl_fifo_init(&s->q, sizeof(vl_packet));
    return n->nsocks++;
}

static vl_socket *lookup(vl_gsock *n, int proto, int port)
{
    for (int i = 0; i < n->nsocks; i++)
        if (n->socks[i].port == port && n->socks[i].proto == proto)
            return &n->socks[i];
    return NULL;
}

static uint64_t charge(const vl_socket *s, const vl_packet *p)
{
    return s->proto == VL_PROTO_TCP ? p->payload : UDP_TRUESIZE;
}

static void enqueue(vl_guest *g, int v, vl_socket *s, const vl_packet *p, vl_ns now)
{
    vl_packet *slot = vl_fifo_push(&s->q);
    if (!slot)
        vl_out_of_memory("a guest socket's receive queue");
    *slot = *p;
    s->queued += charge(s, p);
    vl_list *w = vl_list_first(&s->waiters); /* sk_data_ready: wake a reader */
    if (w) {
        vl_list_del(w);
        vl_gsched_wake(g, v, vl_container_of(w, vl_task, link), now);
    }
}

static void send_ack(vl_guest *g, vl_socket *s)
{
    s->adv_window = s->rcvbuf - s->queued;
    s->unacked = 0;
    vl_gnet_xmit(g, &(vl_packet){.endpoint = s->endpoint, .proto = VL_PROTO_TCP,
                                 .flags = VL_PKT_ACK, .port = (uint16_t)s->port,
                                 .bytes = TCP_ACK_BYTES, .ack = s->rcv_nxt,
                                 .window = (uint32_t)s->adv_window, .sent_at = s->ts_echo});
}

static void tcp_input(vl_guest *g, int v, vl_socket *s, const vl_packet *p, vl_ns now)
{
    if (p->seq == s->rcv_nxt && s->queued + p->payload <= s->rcvbuf) {
        s->rcv_nxt += p->payload;
        s->ts_echo = p->sent_at;
        enqueue(g, v, s, p, now);
        if (++s->unacked >= 2)
            send_ack(g, s);
        return;
    }
    if (p->seq == s->rcv_nxt)
        vl_socket_of(g)->rcvbuf_drops++;
    send_ack(g, s); /* duplicate ACK: the gap, or no room */
}

/* Protocol input of one packet (net's softirq on v). */
static void socket_input(vl_guest *g, int v, const vl_packet *p, vl_ns now)
{
    vl_gsock *n = vl_socket_of(g);
    if (p->proto == VL_PROTO_ICMP) { /* icmp_echo: reply from the softirq */
        vl_packet r = *p;
        r.flags = VL_PKT_REPLY;
        vl_gnet_xmit(g, &r);
        return;
    }
    vl_socket *s = lookup(n, p->proto, p->port);
    if (!s) {
        n->no_socket++;
        return;
    }
    s->endpoint = p->endpoint;
    if (p->proto == VL_PROTO_TCP) {
        tcp_input(g, v, s, p, now);
    } else if (s->queued + UDP_TRUESIZE > s->rcvbuf) {
        n->rcvbuf_drops++;
    } else {
        enqueue(g, v, s, p, now);
    }
}

/* The application reads p at now: throughput, RFC 3550 jitter, gaps. */
static void account_read(vl_socket *s, const vl_packet *p, vl_ns now)
{
    vl_netstats *st = &s->stats->net;
    st->rx_bytes += p->payload;
    st->rx_packets++;
    s->last_seq = p->seq;
    s->last_sent_at = p->sent_at;
    s->reply_to = p->endpoint;
    if (s->proto != VL_PROTO_UDP)
        return;
    vl_ns transit = now - p->sent_at;
    if (s->have_transit) {
        vl_ns d = transit - s->last_transit;
        st->jitter += ((double)(d < 0 ? -d : d) - st->jitter) / 16.0;
    }
    st->jitter_sum += st->jitter;
    s->last_transit = transit;
    s->have_transit = true;
    if (p->seq < s->next_seq) {
        st->out_of_order++;
        return;
    }
    st->lost += p->seq - s->next_seq;
    s->next_seq = p->seq + 1;
}

/* recv: takes everything queued and turns the op into the kernel call
 * that copies it; false (blocks) when nothing is queued. */
static bool sock_recv(vl_guest *g, int v, vl_task *t, vl_socket *s, vl_opi *o, const vl_op *op,
                      vl_ns now)
{
    if (s->q.n == 0) {
        t->state = VL_TASK_BLOCKED;
        vl_list_push_back(&s->waiters, &t->link);
        return false;
    }
    uint64_t bytes = 0;
    for (int taken = 0; s->q.n > 0 && (op->count == 0 || taken < op->count); taken++) {
        vl_packet *p = vl_fifo_at(&s->q, 0);
        bytes += p->payload;
        account_read(s, p, now);
        s->queued -= charge(s, p);
        vl_fifo_pop(&s->q);
    }
    uint64_t win = s->rcvbuf - s->queued;
    bool reopened = s->adv_window * 2 <= s->rcvbuf && win >= 2 * s->adv_window;
    if (s->proto == VL_PROTO_TCP && (s->unacked > 0 || reopened)) {
        send_ack(g, s); /* the pending delayed ACK, or a window update */
        vl_guest_charge(g, v, vl_gnet_flush(g, v, t->mm));
    }
    o->kind = VL_OP_KERNEL; /* o->pre holds the call's drawn base cost */
    o->pre += (vl_ns)(bytes * (uint64_t)op->size / 1024);
    return true;
}

static void sock_send(vl_guest *g, int v, vl_task *t, vl_socket *s, const vl_op *op)
{
    int hdr = s->proto == VL_PROTO_TCP ? TCP_HDR_BYTES : UDP_HDR_BYTES;
    for (int i = 0; i < op->count; i++)
        vl_gnet_xmit(g, &(vl_packet){.endpoint = s->reply_to, .proto = (uint8_t)s->proto,
                                     .flags = VL_PKT_REPLY, .port = (uint16_t)s->port,
                                     .bytes = (uint32_t)(op->size + hdr),
                                     .payload = (uint32_t)op->size, .seq = s->last_seq,
                                     .sent_at = s->last_sent_at});
    vl_guest_charge(g, v, vl_gnet_flush(g, v, t->mm));
}

/* RECV / SEND at the head of t's program on v. */
static vl_op_next socket_op(vl_guest *g, int v, vl_task *t, vl_ns now)
{
    vl_opi *o = vl_task_op(g, t, 0);
    const vl_op *op = &t->prog->ops[o->pc];
    vl_socket *s = &vl_socket_of(g)->socks[o->sync];
    if (o->kind == VL_OP_RECV) /* blocks, or becomes the copying kernel call */
        return sock_recv(g, v, t, s, o, op, now) ? VL_NEXT_RUN : VL_NEXT_BLOCK;
    sock_send(g, v, t, s, op);
    vl_task_op_done(t);
    return VL_NEXT_RUN;
}

static int socket_init(vl_guest *g, const vl_guest_spec *spec)
{
    (void)spec;
    vl_gnet_of(g)->input = socket_input;
    return 0;
}

static void socket_fini(vl_guest *g)
{
    vl_gsock *n = vl_socket_of(g);
    for (int i = 0; i < n->nsocks; i++)
        vl_fifo_free(&n->socks[i].q);
    free(n->socks);
}

const vl_gmod vl_gmod_socket = {
    .name = "socket",
    .priv_size = sizeof(vl_gsock),
    .init = socket_init,
    .fini = socket_fini,
    .ops = {[VL_OP_RECV] = {socket_op, true}, [VL_OP_SEND] = {socket_op, true}},
};
