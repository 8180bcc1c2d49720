#!/usr/bin/env python3
"""microsliced_tables.py - the micro-sliced cores evaluation (docs/experiments.md,
"Micro-sliced cores").

For each scenario scenarios/experiments/microsliced-<app>.yaml (an application
VM of 12 vCPUs beside a 12-vCPU co-runner on 12 pCPUs, guests of the
evaluation's era) and each configuration

  credit       Xen 4.7's Credit (the scenario's own setting)
  ms-1, ms-2, ms-4   microsliced, a static pool of 1, 2 or 4 micro cores
  ms-dyn       microsliced, the dynamic pool
  credit-1ms   Credit with a 1 ms slice (params.credit.tslice=1ms)
  dcs, balance, cfs   the other policies that attack the problem

runs every seed and prints Markdown tables: mean over the seeds with the 95%
confidence interval's half-width (Student's t), the application VM's share
of the host (mean), per VM its work (CPU time
spent on its workloads' own code: spinning excluded), the per-class spinlock
waits of the application VM (mean of contended acquisitions), its TLB
shootdowns (count, mean, min, max latency), its reschedule-IPI latency
(mean, p99), the micro-core offloads and the mean pool size; for the iperf
scenarios (iperf, iperf-udp) the network throughput, mean jitter, loss and
TCP retransmissions instead.

  scripts/experiments/microsliced_tables.py [--bin build-release/vcpulab]
      [--apps dedup,vips,exim,gmake,overhead,iperf,iperf-udp] [--configs credit,ms-1,...]
      [--seeds 3] [--duration 5s] [--jobs 2]
"""
import argparse
import math
import os
import statistics
from concurrent.futures import ThreadPoolExecutor

from vlrun import DEFAULT_BIN, ROOT, run_json

CONFIGS = {
    "credit": ("credit", []),
    "ms-1": ("microsliced", ["params.microsliced.cores=1"]),
    "ms-2": ("microsliced", ["params.microsliced.cores=2"]),
    "ms-4": ("microsliced", ["params.microsliced.cores=4"]),
    "ms-dyn": ("microsliced", ["params.microsliced.pool=dynamic"]),
    "credit-1ms": ("credit", ["params.credit.tslice=1ms"]),
    "dcs": ("dcs", []),
    "balance": ("balance", []),
    "cfs": ("cfs", []),
}
T95 = {1: float("nan"), 2: 12.706, 3: 4.303, 4: 3.182, 5: 2.776, 6: 2.571, 7: 2.447, 8: 2.365}


def mean_ci(values):
    values = [v for v in values if v == v]  # a lock class not contended in a run: left out
    if not values:
        return float("nan"), float("nan")
    m = statistics.mean(values)
    if len(values) < 2:
        return m, float("nan")
    return m, T95.get(len(values), 2.0) * statistics.stdev(values) / math.sqrt(len(values))


def fmt_time(ns):
    if ns != ns:
        return "–"
    if ns >= 1e6:
        return "%.2f ms" % (ns / 1e6)
    if ns >= 1e3:
        return "%.1f µs" % (ns / 1e3)
    return "%.0f ns" % ns


def fmt(values, kind):
    m, ci = mean_ci(values)
    if m != m:
        return "–"
    if kind == "time":
        return "%s [%s]" % (fmt_time(m), fmt_time(ci) if ci == ci else "–")
    if kind == "s":
        return "%.2f [%s]" % (m / 1e9, "%.2f" % (ci / 1e9) if ci == ci else "–")
    return "%.0f [%s]" % (m, "%.0f" % ci if ci == ci else "–")


def metrics(report):
    """What the tables show, from one run's JSON report."""
    out = {}
    guests = [vm for vm in report["vms"] if not vm.get("host")]
    for i, vm in enumerate(guests):
        tag = "app" if i == 0 else "co"
        out[tag + ".name"] = vm["name"]
        out[tag + ".work"] = sum(w["work_ns"] for w in vm["workloads"])
        out[tag + ".share"] = vm["share"]
        if i:
            continue
        g = vm["guest"]
        for lk in g["locks"]:
            if lk["contended"]:
                out["lock." + lk["class"]] = lk["wait"]["mean_ns"]
                out["lockmax." + lk["class"]] = lk["wait"]["max_ns"]
        tlb = g["tlb_shootdowns"]
        out["tlb.count"] = tlb["count"]
        for k in ("mean", "min", "max"):
            out["tlb." + k] = tlb["latency"][k + "_ns"]
        rs = g["ipi_latency"]["reschedule"]
        out["resched.mean"] = rs["mean_ns"]
        out["resched.p99"] = rs["p99_ns"]
        for w in vm["workloads"]:
            if "net" in w:
                out["net.mbps"] = w["net"]["throughput_mbps"]
                out["net.jitter"] = w["net"]["jitter_mean_ns"]
                out["net.loss"] = w["net"]["loss"]
                out["net.retransmits"] = w["net"]["retransmits"]
    counters = report["policy"].get("counters", {})
    out["offloads"] = counters.get("offloads", 0)
    out["pool_core_us"] = counters.get("pool_core_us", 0)
    out["window_ns"] = report["duration_ns"] - report["warmup_ns"]
    return out


def run_one(args, app, config, seed):
    sched, sets = CONFIGS[config]
    scn = os.path.join(ROOT, "scenarios/experiments/microsliced-%s.yaml" % app)
    rep = run_json(args.bin, scn, ["--sched", sched, "--seed", str(seed), "--duration",
                                   args.duration], sets)
    return metrics(rep)


def net_table(configs, runs):
    print("| config | throughput (Mbit/s) | jitter mean | loss | TCP retransmits | offloads | "
          "micro cores (mean) |")
    print("|---|---|---|---|---|---|---|")
    for c in configs:
        rs = runs[c]
        mbps, ci = mean_ci([r["net.mbps"] for r in rs])
        loss = statistics.mean(r["net.loss"] for r in rs)
        row = [c, "%.1f [%.1f]" % (mbps, ci), fmt([r["net.jitter"] for r in rs], "time"),
               "%.2f%%" % (100 * loss), fmt([r["net.retransmits"] for r in rs], "n"),
               fmt([r["offloads"] for r in rs], "n")]
        row += ["%.2f" % statistics.mean(r["pool_core_us"] * 1e3 / r["window_ns"] for r in rs)]
        print("| " + " | ".join(row) + " |")
    print()


def table(app, configs, runs):
    first = runs[configs[0]][0]
    if app.startswith("iperf"):
        net_table(configs, runs)
        return
    app_vm, co_vm = first["app.name"], first["co.name"]
    classes = sorted({k[5:] for c in configs for r in runs[c] for k in r if k.startswith("lock.")})
    head = ["config", app_vm + " share", app_vm + " work (CPU-s)", co_vm + " work (CPU-s)"]
    head += ["%s wait (%s)" % (c, app_vm) for c in classes]
    head += ["shootdowns", "shootdown mean", "min", "max", "resched IPI mean", "p99", "offloads",
             "micro cores (mean)"]
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for c in configs:
        rs = runs[c]
        share = statistics.mean(r["app.share"] for r in rs)
        row = [c, "%.1f%%" % (100 * share), fmt([r["app.work"] for r in rs], "s"),
               fmt([r["co.work"] for r in rs], "s")]
        row += [fmt([r.get("lock." + k, float("nan")) for r in rs], "time") for k in classes]
        row += [fmt([r["tlb.count"] for r in rs], "n")]
        row += [fmt([r["tlb." + k] for r in rs], "time") for k in ("mean", "min", "max")]
        row += [fmt([r["resched.mean"] for r in rs], "time"), fmt([r["resched.p99"] for r in rs], "time")]
        row += [fmt([r["offloads"] for r in rs], "n")]
        pool = [r["pool_core_us"] * 1e3 / r["window_ns"] for r in rs]
        row += ["%.2f" % statistics.mean(pool)]
        print("| " + " | ".join(row) + " |")
    print()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=DEFAULT_BIN)
    ap.add_argument("--apps", default="dedup,vips,exim,gmake,overhead")
    ap.add_argument("--configs", default="credit,ms-1,ms-2,ms-4,ms-dyn")
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--duration", default="5s")
    ap.add_argument("--jobs", type=int, default=2)
    args = ap.parse_args()
    configs = args.configs.split(",")
    for app in args.apps.split(","):
        jobs = [(c, s) for c in configs for s in range(1, args.seeds + 1)]
        with ThreadPoolExecutor(args.jobs) as ex:
            res = list(ex.map(lambda cs: run_one(args, app, cs[0], cs[1]), jobs))
        runs = {c: [] for c in configs}
        for (c, _), r in zip(jobs, res):
            runs[c].append(r)
        print("### %s (%d seeds, %s)\n" % (app, args.seeds, args.duration))
        table(app, configs, runs)


if __name__ == "__main__":
    main()
