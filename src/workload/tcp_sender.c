/* workload/tcp_sender.c - Reno congestion control (RFC 5681) with the
 * retransmission timer of RFC 6298, as the external sender of a bulk TCP
 * transfer into a VM (docs/io-model.md).
 *
 * Slow start (cwnd += bytes acked) up to ssthresh, then congestion
 * avoidance (cwnd += MSS^2 / cwnd per ACK); the window is min(cwnd, the
 * receiver's advertised window).  Three duplicate ACKs: ssthresh = half
 * the flight, cwnd = ssthresh, and the sender goes back to the gap (the
 * guest keeps no out-of-order queue, so everything after a drop is sent
 * again).  A timeout: cwnd = 1 MSS, back to the gap, the timer doubles.
 * RTT samples come from the timestamp the guest echoes (RFC 7323);
 * RTO = SRTT + 4 RTTVAR, at least 200 ms (Linux TCP_RTO_MIN), initially 1 s.
 * The initial window is 10 MSS (RFC 6928, Linux TCP_INIT_CWND). */
#include "workload/tcp_sender.h"

#include <stdint.h>

#include "hv/hv.h"

#define TCP_MSS 1448            /* 1500-byte MTU, IPv4, timestamps        */
#define TCP_HDR_BYTES 66        /* Ethernet + IPv4 + TCP with timestamps  */
#define TCP_INIT_CWND 10        /* segments (RFC 6928)                    */
#define TCP_RTO_MIN VL_MS(200)  /* include/net/tcp.h                      */
#define TCP_RTO_INIT VL_S(1)    /* RFC 6298 2.1                           */
#define TCP_RTO_MAX VL_S(120)

static uint64_t flight(const vl_tcp_sender *s)
{
    return s->snd_nxt - s->snd_una;
}

static void arm_rto(vl_tcp_sender *s)
{
    vl_sim_schedule(&s->hv->sim, &s->rto_ev, s->hv->sim.now + s->rto);
}

static void send_segment(vl_tcp_sender *s)
{
    uint64_t left = s->limit - s->snd_nxt;
    uint32_t len = left < s->mss ? (uint32_t)left : s->mss;
    if (s->snd_nxt < s->max_sent)
        s->st->retransmits++;
    vl_net_send(s->hv, &(vl_packet){.vm = s->vm, .endpoint = s->endpoint,
                                    .proto = VL_PROTO_TCP, .port = (uint16_t)s->port,
                                    .bytes = len + TCP_HDR_BYTES, .seq = s->snd_nxt,
                                    .payload = len, .sent_at = s->hv->sim.now});
    s->st->sent++;
    s->snd_nxt += len;
    if (s->snd_nxt > s->max_sent)
        s->max_sent = s->snd_nxt;
    if (!vl_event_pending(&s->rto_ev))
        arm_rto(s);
}

static void send_more(vl_tcp_sender *s)
{
    double wnd = s->cwnd < s->rwnd ? s->cwnd : (double)s->rwnd;
    while (s->snd_nxt < s->limit && (double)(flight(s) + s->mss) <= wnd)
        send_segment(s);
}

static void rtt_sample(vl_tcp_sender *s, vl_ns r)
{
    if (!s->have_rtt) {
        s->srtt = r;
        s->rttvar = r / 2;
        s->have_rtt = true;
    } else {
        vl_ns d = s->srtt - r;
        s->rttvar = (3 * s->rttvar + (d < 0 ? -d : d)) / 4;
        s->srtt = (7 * s->srtt + r) / 8;
    }
    s->rto = s->srtt + 4 * s->rttvar;
    if (s->rto < TCP_RTO_MIN)
        s->rto = TCP_RTO_MIN;
}

static void cut_window(vl_tcp_sender *s)
{
    double half = (double)flight(s) / 2;
    s->ssthresh = half > 2.0 * s->mss ? half : 2.0 * s->mss;
    s->recover = s->snd_nxt;
    s->snd_nxt = s->snd_una; /* go back to the gap */
}

static void on_ack(vl_tcp_sender *s, const vl_packet *p, vl_ns now)
{
    bool same_window = p->window == s->last_window;
    s->rwnd = p->window;
    s->last_window = p->window;
    if (p->ack > s->snd_una) {
        uint64_t acked = p->ack - s->snd_una;
        s->snd_una = p->ack;
        if (s->snd_nxt < s->snd_una)
            s->snd_nxt = s->snd_una;
        s->dupacks = 0;
        rtt_sample(s, now - p->sent_at);
        if (s->cwnd < s->ssthresh)
            s->cwnd += (double)acked;
        else
            s->cwnd += (double)s->mss * s->mss / s->cwnd;
        if (s->snd_una >= s->limit && s->done) { /* the transfer is complete */
            s->done->bursts++;
            vl_hist_record(&s->done->response, now - s->started);
            s->done = NULL;
        }
        if (flight(s) == 0)
            vl_sim_cancel(&s->hv->sim, &s->rto_ev);
        else
            arm_rto(s);
    } else if (p->ack == s->snd_una && flight(s) > 0 && same_window) {
        if (++s->dupacks == 3 && s->snd_una >= s->recover) {
            cut_window(s);
            s->cwnd = s->ssthresh;
        }
    }
    send_more(s);
}

static void deliver(void *ctx, const vl_packet *p, vl_ns now)
{
    if (p->flags & VL_PKT_ACK)
        on_ack(ctx, p, now);
}

static void on_rto(void *ctx, vl_event *ev)
{
    (void)ev;
    vl_tcp_sender *s = ctx;
    if (flight(s) > 0) {
        s->st->timeouts++;
        cut_window(s);
        s->cwnd = s->mss;
        s->rto = 2 * s->rto < TCP_RTO_MAX ? 2 * s->rto : TCP_RTO_MAX;
    }
    if (s->snd_nxt < s->limit)
        send_segment(s); /* the retransmission, or a zero-window probe */
    send_more(s);
}

static void on_start(void *ctx, vl_event *ev)
{
    vl_tcp_sender *s = ctx;
    s->started = s->hv->sim.now;
    vl_event_retarget(ev, on_rto, s);
    send_more(s);
}

int vl_tcp_sender_start(vl_tcp_sender *s, vl_hv *hv, int vm, int port, uint64_t bytes,
                        vl_netstats *st, vl_ns start)
{
    *s = (vl_tcp_sender){.hv = hv, .vm = vm, .port = port, .mss = TCP_MSS,
                         .limit = bytes ? bytes : UINT64_MAX, .cwnd = TCP_INIT_CWND * TCP_MSS,
                         .ssthresh = 1e18, .rwnd = 65535, .last_window = 65535,
                         .rto = TCP_RTO_INIT, .st = st};
    s->endpoint = vl_net_endpoint_add(hv, deliver, s);
    if (s->endpoint < 0)
        return -1;
    /* the rto event starts the transfer first (then serves as the timer) */
    vl_sim_event_init(&hv->sim, &s->rto_ev, on_start, s, VL_EVC_DEVICE, VL_TAG_TCP_SENDER);
    vl_sim_schedule(&hv->sim, &s->rto_ev, start);
    return 0;
}
