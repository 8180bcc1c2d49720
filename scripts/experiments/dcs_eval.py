#!/usr/bin/env python3
"""dcs_eval.py - the DCS evaluation's x264 mixes in the evaluation's own
setting (docs/experiments.md, "DCS in the evaluation's setting").

scenarios/experiments/dcs-eval-{2,4}x264.yaml: an 8-vCPU main VM running a
PARSEC-like application for a fixed amount of work beside 2 or 4 1-vCPU x264
VMs, Linux 3.2 host and guests, cpu.shares 8192.  For each main application,
co-runner count, scheduler and seed one run, which ends when the main
application is done; and one solo time per application: the main
application alone in its 8-vCPU VM, x264 alone in its 1-vCPU VM, under
--solo-sched (cfs), averaged over the seeds.

The measures are those of the authors' plot scripts (hwanju/vditools
evaluation/mcsched/results/make_slowdown_plot.plx and
make_weighted_speedup_plot.plx): a VM's time is the mean of its whole-run
times, its slowdown that time / its application's solo time, and the
weighted speedup of a mix the sum over its VMs of solo time / time.  The
main VM's time is its application's done_ns.  The x264 VMs loop endlessly
(the authors' co-runners restart x264 until the main VM is done and count
their complete runs); here a co-runner's time is the time its solo run
takes for the same work at the rate it ran in the mix:
solo work / (work in the mix / the run's length).

Prints a Markdown table per co-runner count (the means over the seeds) and
the geometric means; --csv writes every run, --png plots the weighted
speedups (gnuplot).  Both are written beside their path and renamed over
it, as vcpulab replaces its outputs.

  scripts/experiments/dcs_eval.py [--bin build-release/vcpulab]
      [--sched cfs,balance,dcs] [--apps blackscholes,...] [--corunners 2,4]
      [--seeds 3] [--csv FILE] [--png FILE] [--set KEY=VALUE ...]
"""
import argparse
import math
import os
import subprocess
import sys

from vlrun import DEFAULT_BIN, ROOT, run_json

SCENARIO = os.path.join(ROOT, "scenarios/experiments/dcs-eval-%dx264.yaml")
SOLO = os.path.join(ROOT, "scenarios/experiments/dcs-eval-solo.yaml")
# Rounds of each application's outer loop for about 3 s alone on the
# 8-vCPU VM under cfs (canneal: 1.7 s, most of it its netlist load).
ITERATIONS = {
    "blackscholes": 250, "bodytrack": 1500, "canneal": 370, "dedup": 1300, "facesim": 240,
    "fluidanimate": 730, "freqmine": 210, "streamcluster": 10500, "swaptions": 250,
    "vips": 340, "x264": 20,
}
CO_ITERATIONS = 150  # the 1-vCPU x264 alone: about 3 s (150 x 2 frames)


def run(binary, scenario, seed, sched, sets):
    return run_json(binary, scenario, ["--sched", sched, "--seed", str(seed)], sets)


def app_sets(app, iterations):
    return ["vms.main.workloads.0.type=%s" % app,
            "vms.main.workloads.0.iterations=%d" % iterations]


def workload(doc, vm):
    for v in doc["vms"]:
        if v["name"] == vm:
            return v["workloads"][0]
    raise KeyError(vm)


def seconds(ns):
    return ns / 1e9


def geomean(values):
    values = list(values)
    return math.exp(sum(math.log(v) for v in values) / len(values))


def measures(runs, solo, co_solo):
    """The authors' measures of one mix under one scheduler from its runs
    (each [main time, x264 times...]): weighted speedup, the main VM's
    slowdown, the x264 VMs' slowdown (their times pooled)."""
    mean = [sum(r[i] for r in runs) / len(runs) for i in range(len(runs[0]))]
    co = mean[1:]
    return (solo / mean[0] + sum(co_solo / t for t in co), mean[0] / solo,
            sum(co) / len(co) / co_solo)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=DEFAULT_BIN)
    ap.add_argument("--sched", default="cfs,balance,dcs")
    ap.add_argument("--solo-sched", default="cfs")
    ap.add_argument("--apps", default=",".join(ITERATIONS))
    ap.add_argument("--corunners", default="2,4")
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--csv")
    ap.add_argument("--png")
    ap.add_argument("--set", action="append", default=[],
                    help="a scenario override for every run, e.g. params.dcs.urgent_allowance=6ms")
    a = ap.parse_args()
    scheds, apps = a.sched.split(","), a.apps.split(",")
    counts = [int(k) for k in a.corunners.split(",")]
    seeds = range(1, a.seeds + 1)
    # one solo time per application, and the x264 co-runner's solo work
    solo = {}
    for app in apps:
        times = [seconds(workload(run(a.bin, SOLO, s, a.solo_sched,
                                      a.set + app_sets(app, ITERATIONS[app])), "main")["done_ns"])
                 for s in seeds]
        solo[app] = sum(times) / len(times)
    co = [workload(run(a.bin, SOLO, s, a.solo_sched,
                       a.set + ["vms.main.vcpus=1"] + app_sets("x264", CO_ITERATIONS)), "main")
          for s in seeds]
    co_time = sum(seconds(w["done_ns"]) for w in co) / len(co)
    co_work = sum(seconds(w["work_ns"]) for w in co) / len(co)
    print("Solo times (%s, mean of %d seeds): %s; x264 on 1 vCPU %.2f s\n" % (
        a.solo_sched, len(seeds), ", ".join("%s %.2f s" % (p, solo[p]) for p in apps), co_time))
    rows, ws = [], {}
    for k in counts:
        print("| 1 <app> + %d x264 (1 vCPU) | weighted speedup: %s | main VM's slowdown: %s | "
              "x264 slowdown: %s |" % ((k,) + (" / ".join(scheds),) * 3))
        print("|---|---|---|---|")
        summary = {p: [] for p in scheds}
        for app in apps:
            cells = {}
            for sched in scheds:
                runs = []
                for seed in seeds:
                    doc = run(a.bin, SCENARIO % k, seed, sched,
                              a.set + app_sets(app, ITERATIONS[app]))
                    done = workload(doc, "main")["done_ns"]
                    if done < 0:
                        sys.exit("dcs_eval.py: %s beside %d x264 under %s, seed %d: not done "
                                 "by the end of the run" % (app, k, sched, seed))
                    length = seconds(doc["duration_ns"])
                    runs.append([seconds(done)] + [
                        co_work * length / seconds(workload(doc, "co%d" % i)["work_ns"])
                        for i in range(1, k + 1)])
                    rows.append([k, app, sched, seed] + runs[-1])
                cells[sched] = measures(runs, solo[app], co_time)
                summary[sched].append(cells[sched])
                ws[(k, app, sched)] = cells[sched][0]
            print("| %s | %s | %s | %s |" % (app, *(" / ".join(
                "%.2f" % cells[p][i] for p in scheds) for i in range(3))))
            sys.stdout.flush()
        print("| geometric mean | %s | %s | %s |\n" % tuple(" / ".join(
            "%.3f" % geomean(c[i] for c in summary[p]) for p in scheds) for i in range(3)))
    if a.csv:
        write_csv(a.csv, rows, a.sched)
    if a.png:
        plot(a.png, ws, scheds, apps, counts)


def write_csv(path, rows, scheds):
    with open(path + ".tmp", "w") as f:
        f.write("# dcs_eval.py --sched %s: one row per run; times in s (x264: the solo run's "
                "time at the rate of the mix)\n" % scheds)
        f.write("corunners,app,sched,seed,main_s,%s\n" % ",".join("x264_%d_s" % i
                                                                 for i in range(1, 5)))
        for r in rows:
            f.write(",".join(str(x) for x in r) + "," * (9 - len(r)) + "\n")
    os.replace(path + ".tmp", path)


def plot(png, ws, scheds, apps, counts):
    """The weighted speedups, a panel per co-runner count, a bar per
    scheduler (gnuplot)."""
    panels = []
    for k in counts:
        data = "".join("%s %s\n" % (app, " ".join("%.4f" % ws[(k, app, p)] for p in scheds))
                       for app in apps) + "e\n"
        panels.append("set yrange [0:%g]\n" % ((k + 1) * 1.1) +
                      "set title '1 <app> + %d x264 (1 vCPU), mean of seeds'\n" % k +
                      "plot " + ", ".join("'-' using %d:xtic(1) title '%s'" % (i + 2, p)
                                          for i, p in enumerate(scheds)) + "\n" +
                      data * len(scheds))
    script = "\n".join([
        "set terminal pngcairo size 1000,%d" % (300 * len(counts)),
        'set output "%s"' % (png + ".tmp"),
        "set multiplot layout %d,1" % len(counts),
        "set style data histograms", "set style histogram clustered gap 1",
        "set style fill solid 0.6 border -1", "set boxwidth 0.9", "set grid y",
        "set ylabel 'weighted speedup'", "set xtics rotate by -30", "set key outside right top",
    ] + panels + ["unset multiplot"]) + "\n"
    subprocess.run(["gnuplot"], input=script, text=True, check=True)
    os.replace(png + ".tmp", png)


if __name__ == "__main__":
    main()
