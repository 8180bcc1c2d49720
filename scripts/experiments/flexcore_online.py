#!/usr/bin/env python3
"""flexcore_online.py - each VM's online vCPU count over time under flexcore
(docs/experiments.md, "FlexCore"), from the report's `online_series`, as CSV
(`time_s,vm,online`, one row per change, a last row at the run's end) on
standard output or in --csv FILE; with --png FILE also the step plot
(gnuplot).  Files are replaced as vcpulab replaces its outputs: written
next to the path, then renamed over it (docs/output-format.md).

  scripts/experiments/flexcore_online.py [SCENARIO] [--seed 1] [--sched flexcore]
      [--set KEY=VALUE ...] [--csv FILE] [--png FILE] [--bin build-release/vcpulab]
"""
import argparse
import os
import subprocess
import sys

from vlrun import DEFAULT_BIN, ROOT, run_json


def series(report):
    """(vm, [(time_s, online), ...]) per VM, closed at the run's end."""
    end = report["duration_ns"] / 1e9
    out = []
    for vm in report["vms"]:
        if vm.get("host"):
            continue
        points = [(t / 1e9, n) for t, n in vm.get("online_series", [[0, vm["vcpus"]]])]
        points.append((end, points[-1][1]))
        out.append((vm["name"], points))
    return out


def write_csv(f, data):
    f.write("time_s,vm,online\n")
    for name, points in data:
        for t, n in points:
            f.write("%.6f,%s,%d\n" % (t, name, n))


def plot(csv, png, data, title):
    lines = ", ".join(
        "\"< grep ',%s,' %s\" using 1:3 with steps lw 2 title \"%s\"" % (name, csv, name)
        for name, _ in data)
    script = "\n".join([
        'set datafile separator ","',
        "set terminal pngcairo size 900,380",
        'set output "%s"' % png,
        'set title "%s"' % title,
        'set xlabel "time (s)"', 'set ylabel "online vCPUs"',
        "set yrange [0:*]", "set key outside right",
        "plot " + lines, ""])
    subprocess.run(["gnuplot"], input=script, text=True, check=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("scenario", nargs="?",
                    default=os.path.join(ROOT, "scenarios/experiments/flexcore-dynamic.yaml"))
    ap.add_argument("--seed", default="1")
    ap.add_argument("--sched", default="flexcore")
    ap.add_argument("--set", action="append", default=[])
    ap.add_argument("--csv")
    ap.add_argument("--png")
    ap.add_argument("--bin", default=DEFAULT_BIN)
    a = ap.parse_args()
    if a.png and not a.csv:
        ap.error("--png needs --csv (the plot reads it)")
    report = run_json(a.bin, a.scenario, ["--sched", a.sched, "--seed", a.seed], a.set)
    data = series(report)
    if a.csv:
        with open(a.csv + ".tmp", "w") as f:
            write_csv(f, data)
        os.replace(a.csv + ".tmp", a.csv)
    else:
        write_csv(sys.stdout, data)
    if a.png:
        plot(a.csv, a.png + ".tmp", data, "%s, %s, seed %s: online vCPUs per VM" % (
            os.path.basename(a.scenario), a.sched, a.seed))
        os.replace(a.png + ".tmp", a.png)


if __name__ == "__main__":
    main()
