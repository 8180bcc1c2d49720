#!/usr/bin/env python3
"""doc_tables.py - the tables of docs/experiments.md, from the outputs of
rerun_all.sh: consolidation (a) spinlocks (PV queued, unfair, ticket) and
the co-runs' figures over seeds, (b) TLB shootdowns, (c) network; the DCS
sender-delay sweep and the allowance sweep over seeds.  Prints Markdown in
the docs' layout.

  scripts/experiments/doc_tables.py [OUT]     (default experiments-out)
"""
import collections
import csv
import json
import os
import statistics
import sys


def load(out, name):
    with open(os.path.join(out, name)) as f:
        return json.load(f)


def vm(doc, name):
    return next(v for v in doc["vms"] if v["name"] == name)


def work_s(v):
    return sum(w["work_ns"] for w in v["workloads"]) / 1e9


def num(x):
    return "{:,.0f}".format(x)


def dur(ns):
    """µs below a millisecond, ms above, one decimal."""
    return "%.1f µs" % (ns / 1e3) if ns < 1e6 else "%.1f ms" % (ns / 1e6)


def pct(x):
    return "%.1f%%" % (100 * x)


def lock(v, cls):
    return next(l for l in v["guest"]["locks"] if l["class"] == cls)


def ple(v):
    return sum(c["exits"]["ple"] for c in v["vcpu"])


def spinlock_table(out, solo, corun, header, last):
    """Rows of (a): the zone, LRU, dentry and runqueue locks per setting;
    `last` picks the last column."""
    print(header)
    print("|---|---|---|---|---|---|---|---|---|---|")
    for label, f in (("alone", solo), ("beside swaptions", corun)):
        v = vm(load(out, f), "gmake")
        for i, cls in enumerate(("zone", "lru", "dentry", "runqueue")):
            l = lock(v, cls)
            w = l["wait"]
            first = (label, pct(v["share"]), "%.2f" % work_s(v)) if i == 0 else (label, "", "")
            print("| %s | %s | %s | %s | %s / %s | %s | %s | %s | %s | %s |" % (
                *first, cls, num(l["acquisitions"]), num(l["contended"]), dur(w["mean_ns"]),
                dur(w["p99_ns"]), dur(w["max_ns"]), num(l["offcpu_handoffs"]), last(v, l, i)))
    print()


def seeds_table(out):
    """(a)-(c) over seeds 1-3: mean and 95% interval of each figure."""
    rows = (("corun-gmake-solo", "gmake alone", "vm.gmake.share", "wl.gmake.gmake.work_ns",
             "vm.gmake.lock.lru.wait_p99_ns", "vm.gmake.lock.runqueue.wait_p99_ns"),
            ("corun-gmake", "gmake beside swaptions", "vm.gmake.share", "wl.gmake.gmake.work_ns",
             "vm.gmake.lock.lru.wait_p99_ns", "vm.gmake.lock.runqueue.wait_p99_ns"),
            ("corun-gmake-unfair", "beside swaptions, no PV spinlocks (unfair)", "vm.gmake.share",
             "wl.gmake.gmake.work_ns", "vm.gmake.lock.lru.wait_p99_ns",
             "vm.gmake.lock.runqueue.wait_p99_ns"),
            ("corun-gmake-ticket", "beside swaptions, ticket locks", "vm.gmake.share",
             "wl.gmake.gmake.work_ns", "vm.gmake.lock.lru.wait_p99_ns",
             "vm.gmake.lock.runqueue.wait_p99_ns"))
    print("| gmake VM, seeds 1-3 | share | work (CPU-s) | LRU wait p99 | runqueue wait p99 |")
    print("|---|---|---|---|---|")
    for f, label, *metrics in rows:
        d = seed_values(out, f.replace("corun-", "") + "-seeds.csv")
        cells = []
        for k in metrics:
            m, ci = mean_t95(d.get(k, [0, 0, 0]))
            scale, fmt = ((100, "%.1f ±%.1f%%") if k.endswith("share") else
                          (1e-9, "%.2f ±%.2f") if k.endswith("work_ns") else (None, None))
            cells.append(fmt % (m * scale, ci * scale) if fmt else
                         "none contended" if m == 0 and ci == 0 else
                         "%s ±%s" % (dur(m), dur(ci)))
        print("| %s | %s |" % (label, " | ".join(cells)))
    print()
    print("| VM, seeds 1-3 | setting | work (CPU-s) | shootdown latency mean | latency max |")
    print("|---|---|---|---|---|")
    for name, f, label in (("dedup", "dedup-solo", "alone"), ("dedup", "dedup", "together"),
                           ("vips", "vips-solo", "alone"), ("vips", "dedup", "together")):
        d = seed_values(out, f + "-seeds.csv")
        wl = next(k for k in d if k.startswith("wl.%s." % name) and k.endswith(".work_ns"))
        cells = ["%.2f ±%.2f" % tuple(x / 1e9 for x in mean_t95(d[wl]))]
        for k in ("vm.%s.tlb.latency_mean_ns" % name, "vm.%s.tlb.latency_max_ns" % name):
            m, ci = mean_t95(d[k])
            cells.append("%s ±%s" % (dur(m), dur(ci)))
        print("| %s | %s | %s |" % (name, label, " | ".join(cells)))
    print()
    print("| iperf VM, seeds 1-3 | protocol | throughput (Mbit/s) | jitter mean |")
    print("|---|---|---|---|")
    for f, label, proto in (("iperf-solo", "alone", "TCP"), ("iperf", "beside lookbusy", "TCP"),
                            ("iperf-udp-solo", "alone", "UDP 300 Mbit/s"),
                            ("iperf-udp", "beside lookbusy", "UDP 300 Mbit/s")):
        d = seed_values(out, f + "-seeds.csv")
        tp = next(k for k in d if k.endswith("net.throughput_mbps"))
        jm = next(k for k in d if k.endswith("net.jitter_mean_ns"))
        m, ci = mean_t95(d[tp])
        jit = "—" if proto == "TCP" else "%s ±%s" % tuple(dur(x) for x in mean_t95(d[jm]))
        print("| %s | %s | %.1f ±%.1f | %s |" % (label, proto, m, ci, jit))
    print()


def mean_t95(xs):
    """Mean and 95% interval half-width (Student t), as `vcpulab compare` prints them."""
    t = {2: 12.706, 3: 4.303, 4: 3.182, 5: 2.776}
    n = len(xs)
    return statistics.mean(xs), (t[n] * statistics.stdev(xs) / n ** 0.5 if n > 1 else 0.0)


def seed_values(out, name):
    d = collections.defaultdict(list)
    with open(os.path.join(out, name)) as f:
        for r in csv_rows(f):
            d[r["metric"]].append(float(r["value"]))
    return d


def shootdown_table(out):
    print("| VM | setting | share | work (CPU-s) | shootdowns | latency mean | min | max |")
    print("|---|---|---|---|---|---|---|---|")
    for name, f, label in (("dedup", "dedup-solo.json", "alone"),
                           ("dedup", "dedup-vips-corun.json", "together"),
                           ("vips", "vips-solo.json", "alone"),
                           ("vips", "dedup-vips-corun.json", "together")):
        v = vm(load(out, f), name)
        t = v["guest"]["tlb_shootdowns"]
        lat = t["latency"]
        mean = ("%.1f µs" % (lat["mean_ns"] / 1e3) if lat["mean_ns"] < 1e5
                else "{:,.0f} µs".format(lat["mean_ns"] / 1e3))
        print("| %s | %s | %s | %.2f | %s | %s | %s | %s |" % (
            name, label, pct(v["share"]), work_s(v), num(t["count"]), mean,
            dur(lat["min_ns"]), dur(lat["max_ns"])))
    print()


def network_table(out):
    print("| iperf VM | protocol | share | throughput | loss | jitter, mean (last) | ring drops "
          "| TCP retransmits | rx vCPU waiting |")
    print("|---|---|---|---|---|---|---|---|---|")
    for f, label, proto in (("iperf-solo.json", "alone", "TCP"),
                            ("iperf.json", "beside lookbusy", "TCP"),
                            ("iperf-udp-solo.json", "alone", "UDP 300 Mbit/s"),
                            ("iperf-udp.json", "beside lookbusy", "UDP 300 Mbit/s")):
        v = vm(load(out, f), "net")
        n = next(w for w in v["workloads"] if w["type"] == "iperf")["net"]
        udp = proto != "TCP"
        print("| %s | %s | %s | %.1f Mbit/s | %s | %s | %s | %s | %s ms |" % (
            label, proto, pct(v["share"]), n["throughput_mbps"],
            pct(n["loss"]) if udp else "—",
            "%.1f µs (%.1f µs)" % (n["jitter_mean_ns"] / 1e3, n["jitter_ns"] / 1e3) if udp else "—",
            num(v["io"]["rx_drops"]), "—" if udp else num(n["retransmits"]),
            num(v["vcpu"][0]["wait_ns"] / 1e6)))
    print()


def udp_default_rate_table(out):
    """iperf2's default UDP test (1 Mbit/s) over seeds 1-3: the jitter iperf
    prints (the estimate's last value) and its mean over the datagrams."""
    print("| iperf VM, UDP 1 Mbit/s | seeds | throughput | loss | jitter iperf prints (last) "
          "| jitter, mean over datagrams |")
    print("|---|---|---|---|---|---|")
    for f, label in (("iperf-udp-solo", "alone"), ("iperf-udp", "beside lookbusy")):
        nets = []
        for seed in (1, 2, 3):
            v = vm(load(out, "%s-1mbit-s%d.json" % (f, seed)), "net")
            nets.append(next(w for w in v["workloads"] if w["type"] == "iperf")["net"])
        last = mean_ci([n["jitter_ns"] / 1e3 for n in nets])
        mean = mean_ci([n["jitter_mean_ns"] / 1e3 for n in nets])
        fig = lambda x: "%.2f" % x if x < 10 else num(x)
        print("| %s | 1–3 | %.2f Mbit/s | %s | %s ± %s µs | %s ± %s µs |" % (
            label, statistics.mean(n["throughput_mbps"] for n in nets),
            pct(statistics.mean(n["loss"] for n in nets)),
            fig(last[0]), fig(last[1]), fig(mean[0]), fig(mean[1])))
    print()


def csv_rows(f):
    """The rows of a vcpulab CSV, past its '# key: value' provenance lines."""
    return csv.DictReader(line for line in f if not line.startswith("#"))


def mean_ci(xs):
    m = statistics.mean(xs)
    return m, (1.96 * statistics.stdev(xs) / len(xs) ** 0.5 if len(xs) > 1 else 0.0)


def sender_delay_table(out):
    delays = ["0", "100us", "300us", "500us", "700us", "1ms"]
    print("| main VM | locks around the IPI | delay 0 | 0.1 ms | 0.3 ms | 0.5 ms | 0.7 ms | 1 ms |")
    print("|---|---|---|---|---|---|---|---|")
    for locks in ("2.6.38", "none"):
        for app in ("streamcluster", "facesim", "bodytrack"):
            d = collections.defaultdict(list)
            with open(os.path.join(out, "dcs-sender-delay-%s-%s.csv" % (locks, app))) as f:
                for r in csv_rows(f):
                    d[(r["params.dcs.resched_delay"], r["metric"])].append(float(r["value"]))
            cells = []
            for dl in delays:
                m, ci = mean_ci(d[(dl, "wl.main.%s.work_ns" % app)])
                hp = sum(statistics.mean(d[(dl, k)]) for k in
                         ("vm.main.lock.futex_hash.holder_preemptions",
                          "vm.main.lock.runqueue.holder_preemptions") if d[(dl, k)])
                extra = ""
                if locks == "2.6.38":
                    wmax = max(d[(dl, "vm.main.lock.runqueue.wait_max_ns")] or [0])
                    extra = "; %.1f ms" % (wmax / 1e6)
                cells.append("%.2f ±%.2f (%.1f%s)" % (m / 1e9, ci / 1e9, hp, extra))
            print("| %s | %s | %s |" % (app, locks, " | ".join(cells)))
    print()


def allowance_line(out):
    d = collections.OrderedDict()
    with open(os.path.join(out, "dcs-allowance-seeds.csv")) as f:
        for r in csv_rows(f):
            if r["metric"] == "vm.main.tlb.latency_mean_ns":
                d.setdefault(r["params.dcs.urgent_allowance"], []).append(float(r["value"]))
    stats = [mean_ci(v) for v in d.values()]
    print("allowance sweep, mean shootdown latency over seeds: %s ms (95%% intervals ±%s ms)\n" % (
        " / ".join("%.2f" % (m / 1e6) for m, _ in stats),
        " to ±".join("%.2f" % (c / 1e6) for c in (min(s[1] for s in stats),
                                                  max(s[1] for s in stats)))))


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "experiments-out"
    spinlock_table(out, "gmake-solo.json", "gmake-corun.json",
                   "| gmake VM | share of host | work done (CPU-s) | lock | acquisitions / contended "
                   "| wait mean | wait p99 | wait max | hand-offs to off-CPU waiters | PLE exits |",
                   lambda v, l, i: num(ple(v)) if i == 0 else "")
    spinlock_table(out, "gmake-solo-unfair.json", "gmake-corun-unfair.json",
                   "| gmake VM, unfair locks | share | work (CPU-s) | lock | acquisitions / "
                   "contended | wait mean (contended) | wait p99 | wait max | off-CPU hand-offs "
                   "| waiter preemptions |",
                   lambda v, l, i: num(l["waiter_preemptions"]))
    spinlock_table(out, "gmake-solo-ticket.json", "gmake-corun-ticket.json",
                   "| gmake VM, ticket locks | share | work (CPU-s) | lock | acquisitions / "
                   "contended | wait mean | wait p99 | wait max | hand-offs to off-CPU waiters "
                   "| PLE exits |",
                   lambda v, l, i: num(ple(v)) if i == 0 else "")
    seeds_table(out)
    shootdown_table(out)
    network_table(out)
    udp_default_rate_table(out)
    sender_delay_table(out)
    allowance_line(out)


if __name__ == "__main__":
    main()
