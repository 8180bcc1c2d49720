/* test_io.c - virtual I/O mechanisms (docs/io-model.md): the receive
 * ring drops what the guest does not drain, backends consume pCPU time,
 * TCP fills the link alone and recovers from drops, the RFC 3550 jitter
 * grows when the receiving vCPU is descheduled, block requests take the
 * device's service time plus the path's costs and queue at the device,
 * a ping's round trip is the path's latency, and a VM's devices are
 * served by one backend or by one per device (vms[].io_backends). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "hv/io.h"
#include "report/report.h"
#include "testkit.h"

/* Runs `vms` (a YAML list of VMs) on `pcpus` under credit for `dur`. */
static void io_open(tk_sim *t, int pcpus, const char *host_io, const char *vms, const char *dur)
{
    char yaml[2048];
    snprintf(yaml, sizeof yaml, "host: {pcpus: %d%s}\nvms:\n%s\nrun: {duration: %s}\n", pcpus,
             host_io, vms, dur);
    tk_open(t, "credit", yaml);
    tk_go(&t->m);
}

static const vl_wstats *wl_stats(const tk_sim *t, int w)
{
    return &t->m.workloads[w].stats;
}

/* A 100 Mbit/s UDP stream (one 1512-byte frame every 121 us) into a guest
 * whose softirq takes 200 us per packet: it drains 5,000 of the 8,300
 * packets per second, the 8-entry ring stays full, and the backend drops
 * the rest; with a 2 us softirq nothing is lost.  Every packet that
 * reached the backend was either put in the ring or dropped. */
static void test_ring_drops_what_is_not_drained(void **state)
{
    (void)state;
    const char *fmt = "  - {name: n, vcpus: 1, guest: {rx_ring: 8, rx_softirq: %s},\n"
                      "     workloads: [{type: iperf, protocol: udp, rate: 100}]}\n";
    char vms[512];
    tk_sim t;
    snprintf(vms, sizeof vms, fmt, "2us");
    io_open(&t, 2, "", vms, "1s");
    const vl_io_stats *io = vl_hv_io_stats(&t.m.hv, 0);
    uint64_t sent = wl_stats(&t, 0)->net.sent;
    assert_int_equal(io->rx_drops, 0);
    assert_true(sent - io->rx_packets <= 2); /* at most the ones on the wire */
    tk_close(&t);

    snprintf(vms, sizeof vms, fmt, "200us");
    io_open(&t, 2, "", vms, "1s");
    io = vl_hv_io_stats(&t.m.hv, 0);
    sent = wl_stats(&t, 0)->net.sent;
    double lost = (double)io->rx_drops / (double)(io->rx_packets + io->rx_drops);
    print_message("slow softirq: sent %llu, ring %llu, dropped %llu (%.1f%%), app loss %.1f%%\n",
                  (unsigned long long)sent, (unsigned long long)io->rx_packets,
                  (unsigned long long)io->rx_drops, 100 * lost, 100 * vl_net_loss(wl_stats(&t, 0)));
    assert_true(lost > 0.35 && lost < 0.45); /* 1 - 5000/8264 = 0.395 */
    assert_true(sent - (io->rx_packets + io->rx_drops) <= 2);
    /* the server sees the gaps in the datagram numbers */
    assert_true(vl_net_loss(wl_stats(&t, 0)) > 0.3);
    tk_close(&t);
}

/* The backend is a vCPU of the host VM that pays rx_packet per packet. */
static void test_backend_consumes_pcpu_time(void **state)
{
    (void)state;
    const char *vms = "  - {name: n, vcpus: 1, workloads: [{type: iperf, protocol: udp, "
                      "rate: 200}]}\n";
    tk_sim t;
    vl_ns cpu[2];
    uint64_t pkts[2];
    const char *costs[2] = {", io: {rx_packet: 2us}", ", io: {rx_packet: 20us}"};
    for (int i = 0; i < 2; i++) {
        io_open(&t, 2, costs[i], vms, "500ms");
        assert_int_equal(t.m.hv.nvms, 2);
        assert_true(t.m.hv.vms[1].host);
        cpu[i] = tk_vm_cpu(&t.m, 1);
        pkts[i] = vl_hv_io_stats(&t.m.hv, 0)->rx_packets;
        tk_close(&t);
    }
    print_message("host VM cpu: %.1f ms at 2 us/packet, %.1f ms at 20 us/packet (%llu packets)\n",
                  (double)cpu[0] / 1e6, (double)cpu[1] / 1e6, (unsigned long long)pkts[1]);
    assert_true(pkts[0] > 8000 && pkts[0] == pkts[1]);
    assert_true((double)cpu[0] >= 2000.0 * (double)pkts[0]);
    assert_true((double)(cpu[1] - cpu[0]) >= 0.95 * 18000.0 * (double)pkts[0]);
}

/* Alone, TCP fills the 1 Gbit/s link: 1448 payload bytes per 1514-byte
 * frame = 956.4 Mbit/s, with no retransmission. */
static void test_tcp_fills_the_link_alone(void **state)
{
    (void)state;
    tk_sim t;
    io_open(&t, 4, "", "  - {name: n, vcpus: 2, workloads: [{type: iperf}]}\n", "500ms");
    const vl_wstats *s = wl_stats(&t, 0);
    double mbps = vl_net_throughput_mbps(&t.m, s);
    print_message("tcp alone: %.1f Mbit/s, retransmits %llu\n", mbps,
                  (unsigned long long)s->net.retransmits);
    assert_true(mbps > 0.9 * 956.4 && mbps <= 956.5);
    assert_int_equal(s->net.retransmits, 0);
    tk_close(&t);
}

/* The receiving vCPU shares its pCPU with a busy vCPU of another VM and
 * runs a hog itself (so it does not wake boosted): while it is off, the
 * small ring overflows; the sender sees duplicate ACKs, retransmits and
 * cuts its window, and the transfer goes on. */
static void test_tcp_recovers_from_ring_drops(void **state)
{
    (void)state;
    tk_sim t;
    io_open(&t, 1, "",
            "  - {name: n, vcpus: 1, guest: {rx_ring: 32},\n"
            "     workloads: [{type: iperf}, {type: cpu}]}\n"
            "  - {name: busy, vcpus: 1, workloads: [{type: cpu}]}\n",
            "2s");
    const vl_wstats *s = wl_stats(&t, 0);
    const vl_io_stats *io = vl_hv_io_stats(&t.m.hv, 0);
    double mbps = vl_net_throughput_mbps(&t.m, s);
    print_message("tcp, receiver time-shared: %.1f Mbit/s, ring drops %llu, retransmits %llu, "
                  "timeouts %llu\n", mbps, (unsigned long long)io->rx_drops,
                  (unsigned long long)s->net.retransmits, (unsigned long long)s->net.timeouts);
    assert_true(io->rx_drops > 0);
    assert_true(s->net.retransmits > 0);
    assert_true(mbps > 10 && mbps < 0.8 * 956.4);
    tk_close(&t);
}

/* RFC 3550 jitter at the reader: a paced stream read by a vCPU of its own
 * is smooth; time-shared with hogs (30 ms slices) it is not. */
static void test_jitter_grows_when_the_reader_is_descheduled(void **state)
{
    (void)state;
    tk_sim t;
    io_open(&t, 2, "",
            "  - {name: n, vcpus: 1, workloads: [{type: iperf, protocol: udp, rate: 50}]}\n",
            "1s");
    double alone = vl_net_jitter_mean(wl_stats(&t, 0));
    tk_close(&t);
    io_open(&t, 1, "",
            "  - {name: n, vcpus: 1, workloads: [{type: iperf, protocol: udp, rate: 50}, "
            "{type: cpu}]}\n"
            "  - {name: busy, vcpus: 1, workloads: [{type: cpu}]}\n",
            "1s");
    double shared = vl_net_jitter_mean(wl_stats(&t, 0));
    print_message("jitter (mean of the RFC 3550 estimate): alone %.2f us, time-shared %.1f us\n",
                  alone / 1e3, shared / 1e3);
    assert_true(alone < 2000);
    assert_true(shared > 50 * alone && shared > 100000);
    tk_close(&t);
}

/* iperf2's default UDP test (1 Mbit/s of 1470-byte datagrams, one every
 * 11.8 ms) into a vCPU of its own: with every receive-path cost a
 * constant each datagram's transit is the same and the RFC 3550 jitter is
 * exactly 0; with the backend's per-packet work spread by +-50% (the
 * default) it is about a third of the spread's width, E|X1 - X2| = 1.5 us
 * / 3, and it changes with the seed. */
static void test_rx_spread_makes_solo_jitter(void **state)
{
    (void)state;
    static const char *const runs[][2] = {{", io: {rx_spread: 0}", "2s"},
                                          {"", "2s"},
                                          {"", "2s, seed: 2"}};
    double jitter[3];
    for (int i = 0; i < 3; i++) {
        tk_sim t;
        io_open(&t, 2, runs[i][0],
                "  - {name: n, vcpus: 1, workloads: [{type: iperf, protocol: udp, rate: 1}]}\n",
                runs[i][1]);
        assert_true(wl_stats(&t, 0)->net.rx_packets > 150);
        jitter[i] = vl_net_jitter_mean(wl_stats(&t, 0));
        tk_close(&t);
    }
    print_message("1 Mbit/s UDP alone, jitter mean: %.0f ns constant costs, %.0f ns spread "
                  "(seed 1), %.0f ns (seed 2)\n", jitter[0], jitter[1], jitter[2]);
    assert_true(jitter[0] == 0);
    assert_true(jitter[1] > 250 && jitter[1] < 1000);
    assert_true(jitter[2] > 250 && jitter[2] < 1000 && jitter[2] != jitter[1]);
}

/* One grep alone: a 16 KiB read costs the backend's work at submission
 * and completion (5 us each), the device's 100 us + 16384 B / 500 MB/s
 * (32.8 us), the backend's wake-ups and the completion interrupt. Four
 * greps saturate the one device and queue at it. */
static void test_block_request_latency(void **state)
{
    (void)state;
    tk_sim t;
    io_open(&t, 4, "", "  - {name: b, vcpus: 2, workloads: [{type: grep}]}\n", "500ms");
    double one = vl_hist_mean(&wl_stats(&t, 0)->io_latency);
    uint64_t n1 = wl_stats(&t, 0)->io_latency.count;
    tk_close(&t);
    io_open(&t, 4, "", "  - {name: b, vcpus: 2, workloads: [{type: grep, tasks: 4}]}\n", "500ms");
    double four = vl_hist_mean(&wl_stats(&t, 0)->io_latency);
    uint64_t n4 = wl_stats(&t, 0)->io_latency.count;
    print_message("block latency: one grep %.1f us (%llu requests), four greps %.1f us (%llu)\n",
                  one / 1e3, (unsigned long long)n1, four / 1e3, (unsigned long long)n4);
    assert_true(one >= 142800 && one < 160000);
    /* four keep the device busy: 0.5 s / 132.8 us = 3,765 requests */
    assert_true(n4 > 0.97 * 3765 && n4 <= 3766);
    assert_true(four > 2.5 * one);
    tk_close(&t);
}

/* Ping alone: two link latencies (25 us each), two 98-byte frames on a
 * 1 Gbit/s link, the backends' work and the guest's softirq: ~60 us. */
static void test_ping_round_trip(void **state)
{
    (void)state;
    tk_sim t;
    io_open(&t, 2, "", "  - {name: p, vcpus: 1, workloads: [{type: ping, interval: 10ms}]}\n",
            "1s");
    const vl_wstats *s = wl_stats(&t, 0);
    double rtt = vl_hist_mean(&s->response);
    print_message("ping: %llu replies, rtt %.1f us\n", (unsigned long long)s->bursts, rtt / 1e3);
    assert_true(s->bursts >= 99);
    assert_true(rtt > 50000 + 2 * 784 && rtt < 80000);
    tk_close(&t);
}

/* A request/response server alone: response = request in (link + backend
 * + softirq), 100 us of work, 12 us to send, the answer out: ~190 us. */
static void test_rr_response(void **state)
{
    (void)state;
    tk_sim t;
    io_open(&t, 2, "", "  - {name: s, vcpus: 1, workloads: [{type: rr, clients: 2}]}\n", "500ms");
    const vl_wstats *s = wl_stats(&t, 0);
    double r = vl_hist_mean(&s->response);
    print_message("rr: %llu answers, response %.1f us\n", (unsigned long long)s->bursts, r / 1e3);
    assert_true(s->bursts > 2 * 400); /* two clients, ~1.2 ms per round */
    assert_true(r > 100000 + 12000 + 50000 && r < 250000);
    tk_close(&t);
}

/* find reads 4 KiB metadata blocks (100 us + 8.2 us at the device, 10 us
 * of backend work), copy alternates 128 KiB reads and writes (100 + 262.1
 * + 10 us), each plus the backends' wake-ups (six vCPUs share four pCPUs
 * here); a wget of 20 MB completes at the link's payload rate. */
static void test_block_tools_and_download(void **state)
{
    (void)state;
    tk_sim t;
    io_open(&t, 4, "",
            "  - {name: f, vcpus: 1, workloads: [{type: find}]}\n"
            "  - {name: c, vcpus: 1, workloads: [{type: copy}]}\n"
            "  - {name: w, vcpus: 1, workloads: [{type: wget, bytes: 20000000}]}\n",
            "500ms");
    double find = vl_hist_mean(&wl_stats(&t, 0)->io_latency);
    double copy = vl_hist_mean(&wl_stats(&t, 1)->io_latency);
    const vl_wstats *w = wl_stats(&t, 2);
    double done = vl_hist_mean(&w->response);
    print_message("find %.1f us, copy %.1f us per request; wget 20 MB in %.1f ms\n", find / 1e3,
                  copy / 1e3, done / 1e6);
    assert_true(find > 118200 && find < 145000);
    assert_true(copy > 372100 && copy < 410000);
    assert_int_equal(w->bursts, 1);
    /* 20e6 B at 956.4 Mbit/s of payload = 167 ms, plus slow start */
    assert_true(done > 167e6 && done < 200e6);
    assert_int_equal(w->net.rx_bytes, 20000000);
    tk_close(&t);
}

/* A UDP stream and four greps in one VM, on a host without switch costs
 * so that a backend's CPU time is exactly its work (20 us a packet, 50 us
 * a block request each way).  Per device, host vCPU 0 ("n/net") does the
 * receive work and nothing else, host vCPU 1 ("n/blk") the block work and
 * nothing else; shared, host vCPU 0 ("n/io") does both.  A scenario
 * without the key runs exactly as with `shared` (the same event digest). */
static const char split_host[] =
    ", costs: {world_switch: 0, exit_entry: 0, migration: 0, host_ipi: 0, ipi_delivery: 0}"
    ", io: {rx_packet: 20us, rx_spread: 0, blk_request: 50us}";
static const char split_vm[] =
    "  - {name: n, vcpus: 2%s, workloads: [{type: iperf, protocol: udp, rate: 50},\n"
    "                                      {type: grep, tasks: 4}]}\n";

static void split_open(tk_sim *t, const char *key)
{
    char vms[512];
    snprintf(vms, sizeof vms, split_vm, key);
    io_open(t, 4, split_host, vms, "500ms");
}

/* The run time of backend k (vCPU k of the host VM). */
static vl_ns backend_cpu(const tk_sim *t, int k)
{
    const vl_vm *host = &t->m.hv.vms[t->m.hv.nvms - 1];
    assert_true(host->host && k < host->nvcpus);
    return host->vcpus[k].state_ns[VL_RUNNING];
}

static void test_per_device_backends_split_the_work(void **state)
{
    (void)state;
    tk_sim t;
    split_open(&t, ", io_backends: per-device");
    vl_vm *host = &t.m.hv.vms[t.m.hv.nvms - 1];
    assert_int_equal(host->nvcpus, 2);
    assert_string_equal(vl_hv_backend_name(&t.m.hv, 0), "n/net");
    assert_string_equal(vl_hv_backend_name(&t.m.hv, 1), "n/blk");
    assert_true(vl_vcpu_backend_serves(&host->vcpus[0], VL_DEV_NET));
    assert_false(vl_vcpu_backend_serves(&host->vcpus[0], VL_DEV_BLK));
    assert_true(vl_vcpu_backend_serves(&host->vcpus[1], VL_DEV_BLK));
    assert_false(vl_vcpu_backend_serves(&host->vcpus[1], VL_DEV_NET));
    const vl_io_stats *io = vl_hv_io_stats(&t.m.hv, 0);
    vl_ns rx = (vl_ns)(io->rx_packets + io->rx_drops), blk = (vl_ns)io->blk_requests;
    vl_ns net_cpu = backend_cpu(&t, 0), blk_cpu = backend_cpu(&t, 1);
    print_message("per device: net %.2f ms for %lld packets, blk %.2f ms for %lld requests\n",
                  net_cpu / 1e6, (long long)rx, blk_cpu / 1e6, (long long)blk);
    assert_true(rx > 1000 && blk > 1000);
    /* each item whole, but the one executing at the end */
    assert_true(net_cpu >= VL_US(20) * rx && net_cpu <= VL_US(20) * (rx + 1));
    /* submission and completion of each request done, and of those
     * submitted or at the device at the end (four greps), one each */
    assert_true(blk_cpu >= VL_US(100) * blk && blk_cpu <= VL_US(50) * (2 * blk + 5));
    tk_close(&t);

    split_open(&t, ", io_backends: shared");
    host = &t.m.hv.vms[t.m.hv.nvms - 1];
    assert_int_equal(host->nvcpus, 1);
    assert_string_equal(vl_hv_backend_name(&t.m.hv, 0), "n/io");
    assert_true(vl_vcpu_backend_serves(&host->vcpus[0], VL_DEV_NET));
    assert_true(vl_vcpu_backend_serves(&host->vcpus[0], VL_DEV_BLK));
    assert_null(vl_hv_backend_name(&t.m.hv, 1));
    io = vl_hv_io_stats(&t.m.hv, 0);
    rx = (vl_ns)(io->rx_packets + io->rx_drops);
    blk = (vl_ns)io->blk_requests;
    vl_ns both = backend_cpu(&t, 0);
    assert_true(both >= VL_US(20) * rx + VL_US(100) * blk);
    assert_true(both <= VL_US(20) * rx + VL_US(50) * (2 * blk + 5) + VL_US(20));
    uint64_t shared = t.m.hv.sim.digest;
    tk_close(&t);

    split_open(&t, "");
    assert_int_equal(t.m.hv.sim.digest, shared);
    assert_int_equal(t.m.hv.vms[t.m.hv.nvms - 1].nvcpus, 1);
    tk_close(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ring_drops_what_is_not_drained),
        cmocka_unit_test(test_backend_consumes_pcpu_time),
        cmocka_unit_test(test_tcp_fills_the_link_alone),
        cmocka_unit_test(test_tcp_recovers_from_ring_drops),
        cmocka_unit_test(test_jitter_grows_when_the_reader_is_descheduled),
        cmocka_unit_test(test_rx_spread_makes_solo_jitter),
        cmocka_unit_test(test_block_request_latency),
        cmocka_unit_test(test_ping_round_trip),
        cmocka_unit_test(test_rr_response),
        cmocka_unit_test(test_block_tools_and_download),
        cmocka_unit_test(test_per_device_backends_split_the_work),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
