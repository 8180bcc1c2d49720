/* report/network.c - network measures derived from a workload's counters
 * (iperf's: throughput of what the application read, datagram loss). */
#include "report/report.h"

double vl_net_throughput_mbps(const vl_model *m, const vl_wstats *s)
{
    double secs = (double)vl_model_window(m) / 1e9;
    return secs > 0 ? (double)s->net.rx_bytes * 8 / secs / 1e6 : 0;
}

double vl_net_loss(const vl_wstats *s)
{
    double expected = (double)(s->net.rx_packets + s->net.lost);
    return expected > 0 ? (double)s->net.lost / expected : 0;
}

double vl_net_jitter_mean(const vl_wstats *s)
{
    return s->net.rx_packets ? s->net.jitter_sum / (double)s->net.rx_packets : 0;
}
