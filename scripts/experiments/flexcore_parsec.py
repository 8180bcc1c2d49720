#!/usr/bin/env python3
"""flexcore_parsec.py - FlexCore against KVM's CFS (docs/experiments.md, "FlexCore").

For each PARSEC-like application, overcommit ratio and seed: runs
scenarios/experiments/flexcore-<ratio>.yaml (a 12-vCPU VM running the
application beside 12-vCPU co-runner VMs of CPU hogs on 12 pCPUs) under

  cfs          KVM on CFS, every vCPU online
  fc-freeze    flexcore, vScale-style freeze (the guest's default costs)
  fc-unplug    flexcore, full hot-unplug (offline_cost 20ms, online_cost 10ms)
  vcpubal      flexcore with balloon: static (VCPU-Bal: counts from the shares)

and prints Markdown tables: the application's work (CPU time spent on it,
spinning excluded) per configuration, mean over the seeds; its
improvement over cfs (work / cfs work - 1: the same work in less time,
execution time x 1 / (1 + improvement)) with the range over the seeds; and
per configuration four problem metrics of the application's VM: lock-holder
preemptions and vCPU stacking (a spinning waiter switched in while the
holder's vCPU is preempted; both summed over its lock classes), the mean reschedule-IPI
latency (a woken vCPU waiting for a pCPU) and CPU fragmentation (the time
it had a vCPU waiting while a pCPU idled, `fragmented_ns`).

  scripts/experiments/flexcore_parsec.py [--bin build-release/vcpulab]
      [--ratio 2to1,3to1] [--apps blackscholes,...] [--seeds 3] [--duration 4s]
"""
import argparse
import os
import statistics

from vlrun import DEFAULT_BIN, ROOT, run_json

APPS = ["blackscholes", "bodytrack", "canneal", "dedup", "facesim", "fluidanimate",
        "freqmine", "streamcluster", "swaptions", "vips", "x264"]
UNPLUG = ("offline_cost=20ms", "online_cost=10ms")
CONFIGS = ["cfs", "fc-freeze", "fc-unplug", "vcpubal"]


def config_args(config, vms):
    """`run` arguments and --set pairs of a configuration."""
    if config == "cfs":
        return ["--sched", "cfs"], []
    sets = []
    if config == "fc-unplug":
        sets = ["vms.%s.guest.%s" % (vm, kv) for vm in vms for kv in UNPLUG]
    if config == "vcpubal":
        sets = ["params.flexcore.balloon=static"]
    return ["--sched", "flexcore"], sets


def main_metrics(report):
    """The application VM's work, holder preemptions, IPI latency and
    fragmentation."""
    vm = report["vms"][0]
    guest = vm["guest"]
    return {
        "work": sum(w["work_ns"] for w in vm["workloads"]) / 1e9,
        "lhp": sum(lock["holder_preemptions"] for lock in guest["locks"]),
        "stacked": sum(lock["stacked"] for lock in guest["locks"]),
        "ipi_us": guest["ipi_latency"]["reschedule"]["mean_ns"] / 1e3,
        "frag_ms": vm["fragmented_ns"] / 1e6,
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bin", default=DEFAULT_BIN)
    ap.add_argument("--ratio", default="2to1,3to1")
    ap.add_argument("--apps", default=",".join(APPS))
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--duration", default="4s")
    args = ap.parse_args()
    for ratio in args.ratio.split(","):
        scenario = os.path.join(ROOT, "scenarios/experiments/flexcore-%s.yaml" % ratio)
        vms = ["main", "co1"] + (["co2"] if ratio == "3to1" else [])
        results = {}
        for app in args.apps.split(","):
            for config in CONFIGS:
                cargs, sets = config_args(config, vms)
                runs = []
                for seed in range(1, args.seeds + 1):
                    report = run_json(args.bin, scenario,
                                      cargs + ["--seed", str(seed)],
                                      sets + ["vms.main.workloads.0.type=" + app,
                                              "run.duration=" + args.duration])
                    runs.append(main_metrics(report))
                results[app, config] = runs
        print_tables(ratio, args, results)


def mean(runs, key):
    return statistics.mean(r[key] for r in runs)


def print_tables(ratio, args, results):
    apps = args.apps.split(",")
    print("\n### %s, %d seeds, %s\n" % (ratio.replace("to", ":"), args.seeds, args.duration))
    print("| application | cfs work (s) | " +
          " | ".join("%s vs cfs (range)" % c for c in CONFIGS[1:]) + " |")
    print("|---|---:|" + "---:|" * (len(CONFIGS) - 1))
    gains = {c: [] for c in CONFIGS[1:]}
    for app in apps:
        base = results[app, "cfs"]
        cells = []
        for config in CONFIGS[1:]:
            ratios = [r["work"] / b["work"] - 1 for r, b in zip(results[app, config], base)]
            gains[config].append(statistics.mean(ratios))
            cells.append("%+.0f%% (%+.0f..%+.0f)" % (100 * statistics.mean(ratios),
                                                  100 * min(ratios), 100 * max(ratios)))
        print("| %s | %.2f | %s |" % (app, mean(base, "work"), " | ".join(cells)))
    print("| **mean** | | " + " | ".join("%+.0f%% (%+.0f..%+.0f)" % (
        100 * statistics.mean(g), 100 * min(g), 100 * max(g)) for g in gains.values()) + " |")
    print("\nProblem metrics of the application's VM (mean over seeds): lock-holder preemptions "
          "/ vCPU stacking / mean reschedule-IPI latency (us) / CPU fragmentation (ms)\n")
    print("| application | " + " | ".join(CONFIGS) + " |")
    print("|---|" + "---:|" * len(CONFIGS))
    for app in apps:
        print("| %s | %s |" % (app, " | ".join(
            "%.0f / %.0f / %.0f / %.1f" % (
                mean(results[app, c], "lhp"), mean(results[app, c], "stacked"),
                mean(results[app, c], "ipi_us"), mean(results[app, c], "frag_ms"))
            for c in CONFIGS)))


if __name__ == "__main__":
    main()
