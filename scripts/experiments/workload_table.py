#!/usr/bin/env python3
"""workload_table.py - the per-type table of docs/workloads.md.

Runs each workload type alone (scenarios/workload-alone.yaml: 4 vCPUs on
4 pCPUs under cfs, 2 s, seed 1) and prints a Markdown row per type: task
utilisation (work / 4 CPU-s), wake-ups, wake-up IPIs (0xfd + 0xfb) and TLB
shootdowns per CPU-second, and the lock acquisitions per CPU-second of
every lock class the type takes at least once per CPU-s.

  scripts/experiments/workload_table.py [--bin build-release/vcpulab]
      [--type dedup,vips,...] [--set KEY=VALUE ...]
"""
import argparse
import os

from vlrun import DEFAULT_BIN, ROOT, run_json
TYPES = ["cpu", "lookbusy", "think", "interactive", "rt-periodic", "syscalls", "barrier",
         "munmap", "gmake", "hackbench", "dedup", "vips", "x264", "streamcluster",
         "fluidanimate", "facesim", "bodytrack", "swaptions", "blackscholes", "canneal",
         "freqmine", "exim"]


def run(binary, wtype, sets):
    return run_json(binary, os.path.join(ROOT, "scenarios/workload-alone.yaml"),
                    sets=["vms.a.workloads.0.type=" + wtype, *sets])


def thousands(x):
    return "{:,.0f}".format(x).replace(",", " ")


def row(wtype, doc):
    vm = doc["vms"][0]
    cpu_s = vm["vcpus"] * (doc["duration_ns"] - doc["warmup_ns"]) / 1e9
    work = sum(w["work_ns"] for w in vm["workloads"]) / 1e9
    wakes = sum(w["wake_latency"]["count"] for w in vm["workloads"])
    g = vm["guest"]
    ipis = g["ipis_sent"].get("0xfd", 0) + g["ipis_sent"].get("0xfb", 0)
    tlb = g["tlb_shootdowns"]["count"]
    locks = sorted(((l["acquisitions"], l["class"]) for l in g["locks"]
                    if l["acquisitions"] / cpu_s >= 1), reverse=True)
    lock_text = ", ".join("%s %s" % (c, thousands(a / cpu_s)) for a, c in locks) or "–"
    return "| `%s` | %.3f | %s | %s | %s | %s |" % (
        wtype, work / cpu_s, thousands(wakes / cpu_s), thousands(ipis / cpu_s),
        thousands(tlb / cpu_s), lock_text)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=DEFAULT_BIN)
    ap.add_argument("--type", default=",".join(TYPES))
    ap.add_argument("--set", action="append", default=[])
    a = ap.parse_args()
    print("| type | util | wake-ups /CPU-s | wake IPIs /CPU-s | shootdowns /CPU-s | locks /CPU-s |")
    print("|---|---|---|---|---|---|")
    for wtype in a.type.split(","):
        print(row(wtype, run(a.bin, wtype, a.set)), flush=True)


if __name__ == "__main__":
    main()
