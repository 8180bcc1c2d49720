#!/usr/bin/env python3
"""quest_windows.py - per-window CPU share of every VM (and the network
throughput and ping answers of each workload that has them) for a scenario,
as CSV on standard output.  Window k is measured by a run of (k+1) x W with
a warm-up of k x W: runs are deterministic, so every run repeats the same
prefix and its measurement window is exactly window k.  Then the totals of
one full run: the policy's decisions per simulated second and the modelled
switch overhead (docs/experiments.md, "Quest VCPUs").

  scripts/experiments/quest_windows.py SCENARIO [--window 500ms] [--windows 20]
      [--sched NAME] [--set KEY=VALUE ...] [--bin build-release/vcpulab]
"""
import argparse
import sys

from vlrun import DEFAULT_BIN, run_json


def parse_ms(text):
    units = {"ms": 1, "s": 1000}
    for u in sorted(units, key=len, reverse=True):
        if text.endswith(u):
            return float(text[: -len(u)]) * units[u]
    raise SystemExit(f"quest_windows.py: a duration in ms or s, not {text}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("scenario")
    ap.add_argument("--window", default="500ms")
    ap.add_argument("--windows", type=int, default=20)
    ap.add_argument("--sched")
    ap.add_argument("--set", action="append", default=[])
    ap.add_argument("--bin", default=DEFAULT_BIN)
    a = ap.parse_args()
    w = parse_ms(a.window)
    args = ["--sched", a.sched] if a.sched else []
    out = sys.stdout
    out.write("window_start_s,vm,cpu_share,workload,mbit_s,packets\n")
    for k in range(a.windows):
        sets = a.set + [f"run.warmup={k * w:g}ms", f"run.duration={(k + 1) * w:g}ms"]
        rep = run_json(a.bin, a.scenario, args, sets)
        for vm in rep["vms"]:
            row = f"{k * w / 1000:g},{vm['name']},{vm['share']:.4f}"
            nets = [wl for wl in vm.get("workloads", []) if wl.get("net")]
            if not nets:
                out.write(row + ",,,\n")
            for wl in nets:
                out.write(f"{row},{wl['name']},{wl['net'].get('throughput_mbps', 0):.3f},{wl['net'].get('rx_packets', '')}\n")
    rep = run_json(a.bin, a.scenario, args, a.set)
    secs = (rep["duration_ns"] - rep["warmup_ns"]) / 1e9
    decisions = rep["policy"].get("counters", {}).get("decisions")
    overhead = sum(p["overhead_ns"] for p in rep["pcpus"]) / 1e3 / secs
    switches = sum(p["switches"] for p in rep["pcpus"]) / secs
    out.write(f"# totals: switches/s {switches:.0f}, overhead us/s {overhead:.1f}"
              + (f", decisions/s {decisions / secs:.0f}" if decisions is not None else "") + "\n")


if __name__ == "__main__":
    main()
