#!/usr/bin/env python3
"""microsliced_pool.py - the dynamic micro-core pool's size over time
(docs/experiments.md, "Micro-sliced cores"), as CSV on standard output: per
window, the mean number of micro cores (the policy's pool_core_us counter
over the window), the IPI-sender and lock-spin yields and the offloads.
Window k is measured by a run of (k+1) x W with a warm-up of k x W: runs
are deterministic, so every run repeats the same prefix and its
measurement window is exactly window k (as quest_windows.py).

  scripts/experiments/microsliced_pool.py SCENARIO [--window 50ms]
      [--windows 40] [--set KEY=VALUE ...] [--bin build-release/vcpulab]
"""
import argparse
import sys
from concurrent.futures import ThreadPoolExecutor

from vlrun import DEFAULT_BIN, run_json


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("scenario")
    ap.add_argument("--window", type=float, default=50, help="ms")
    ap.add_argument("--windows", type=int, default=40)
    ap.add_argument("--set", action="append", default=[])
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--bin", default=DEFAULT_BIN)
    a = ap.parse_args()
    w = a.window
    sets = a.set + ["params.microsliced.pool=dynamic"]

    def window(k):
        kv = sets + [f"run.warmup={k * w:g}ms", f"run.duration={(k + 1) * w:g}ms"]
        return run_json(a.bin, a.scenario, ["--sched", "microsliced"], kv)["policy"]["counters"]

    with ThreadPoolExecutor(a.jobs) as ex:
        reps = list(ex.map(window, range(a.windows)))
    out = sys.stdout
    out.write("window_start_s,micro_cores,yields_ipi,yields_spin,offloads\n")
    for k, c in enumerate(reps):
        cores = c["pool_core_us"] / (w * 1000)
        out.write(f"{k * w / 1000:g},{cores:.3f},{c['yields_ipi']},{c['yields_spin']},"
                  f"{c['offloads']}\n")


if __name__ == "__main__":
    main()
