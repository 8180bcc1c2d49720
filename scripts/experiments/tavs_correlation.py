#!/usr/bin/env python3
"""tavs_correlation.py - TAVS experiments (b) and (c) (docs/experiments.md,
"Task-aware VM scheduling"): for a scenario whose VM `mix` runs one really
I/O-bound workload `io` beside tasks declared not I/O-bound, runs credit and
tavs with each value of a correlation parameter over N seeds (`vcpulab
sweep ... --summary`) and prints a Markdown table: the partial-boosting hit
ratio (PBHR) and false positives from the reports' ground truth
(vms[].boost_truth), the I/O-bound workload's throughput (block: KB/s read;
network: requests answered per second and their mean response), and the VM's
CPU share, each as the mean over the seeds [95% CI half-width].

  scripts/experiments/tavs_correlation.py block scenarios/experiments/tavs-block.yaml
  scripts/experiments/tavs_correlation.py net scenarios/experiments/tavs-net.yaml
      [--seeds 5] [--bin build-release/vcpulab]
"""
import argparse
import csv
import os
import subprocess
import tempfile

from vlrun import DEFAULT_BIN

GRIDS = {  # kind -> (grid key, values, the I/O-bound workload's measures)
    "block": ("params.tavs.block_window", ["none", "1", "2", "3", "4", "5", "6", "7", "8"]),
    "net": ("params.tavs.portmap", ["none", "1", "2", "4"]),
}

NONE_IS_ZERO = ("vm.mix.pb_boosts", "vm.mix.pb_false_positives")


def summary(binary, scenario, sched, key, values, seeds):
    """{(value, metric): (mean, ci)} from `vcpulab sweep --summary`."""
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "sum.csv")
        subprocess.run([binary, "sweep", scenario, "--sched", sched, "--grid",
                        f"{key}={','.join(values)}", "--seeds", str(seeds), "-j", "2",
                        "--summary", out], check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        with open(out) as f:
            rows = csv.reader(line for line in f if not line.startswith("#"))
            head = next(rows)
            col = {name: i for i, name in enumerate(head)}
            return {(r[col[key]], r[col["metric"]]): (float(r[col["mean"]]), float(r[col["ci95"]]))
                    for r in rows}


def fmt(cell, scale=1.0, digits=0):
    if cell is None:
        return "-"
    mean, ci = cell
    return f"{mean * scale:.{digits}f} [{ci * scale:.{digits}f}]"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("kind", choices=sorted(GRIDS))
    ap.add_argument("scenario")
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--bin", default=DEFAULT_BIN)
    a = ap.parse_args()
    key, values = GRIDS[a.kind]
    tavs = summary(a.bin, a.scenario, "tavs", key, values, a.seeds)
    # credit ignores the tavs key: one grid point, the scenario's value
    credit = summary(a.bin, a.scenario, "credit", "params.credit.xen", ["3.2"], a.seeds)
    window_s = 18.0  # every scenario here: 20 s with a 2 s warm-up
    if a.kind == "block":
        io = [("io KB/s", "wl.mix.io.io_requests", 16.0 / window_s, 0)]
    else:
        io = [("io requests/s", "wl.mix.io.bursts", 1 / window_s, 1),
              ("io response ms", "wl.mix.io.response_mean_ns", 1e-6, 2)]
    cols = [("boosts", "vm.mix.pb_boosts", 1, 0), ("PBHR", "vm.mix.pbhr", 1, 3),
            ("false positives", "vm.mix.pb_false_positives", 1, 0)] + io + \
           [("mix CPU share %", "vm.mix.share", 100, 2)]
    print(f"| policy | {key.split('.')[-1]} | " + " | ".join(c[0] for c in cols) + " |")
    print("|---|---|" + "---|" * len(cols))
    print("| credit | - | " + " | ".join(
        "-" if m.startswith("vm.mix.pb") else fmt(credit.get(("3.2", m)), s, d)
        for _, m, s, d in cols) + " |")
    for v in values:  # no boost_truth: the policy noted no boost in any run
        print(f"| tavs | {v} | " + " | ".join(
            fmt(tavs.get((v, m), (0, 0) if m in NONE_IS_ZERO else None), s, d)
            for _, m, s, d in cols) + " |")


if __name__ == "__main__":
    main()
