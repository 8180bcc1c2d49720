#!/usr/bin/env python3
"""summarize.py - tabulate measure.sh logs (results.log / results_perf.log).

Usage: summarize.py results.log                      (plain pass)
       summarize.py results_perf.log --perf [results.log]
Prints one markdown row per workload.  Plain mode: wall, tree CPU, util,
kernel share, system-wide RES/CAL/TLB/ctxt per second, the command's own
voluntary / involuntary context switches per second, foreign load.
--perf mode: per-task tracepoint counts (sender side) as events per second of
second of the plain pass's wall time when results.log is given (perf start-up
inflates the perf pass's own wall time), else per second of the command's CPU
time.  Per-task counts do not depend on foreign load.
"""
import re, sys

def blocks(path):
    cur = None
    for line in open(path, errors="replace"):
        m = re.match(r"== (\S+)\s+\(exit (\d+)\)", line)
        if m:
            if cur: yield cur
            cur = {"label": m.group(1), "rc": int(m.group(2)), "ev": {}}
            continue
        if cur is None: continue
        m = re.match(r"wall ([\d.]+) s .*tree cpu ([\d.]+) s \(user ([\d.]+) sys ([\d.]+)\)\s+util ([\d.]+) CPUs\s+kernel share ([\d.]+)", line)
        if m:
            cur.update(wall=float(m.group(1)), cpu=float(m.group(2)), user=float(m.group(3)),
                       sys=float(m.group(4)), util=float(m.group(5)), ks=float(m.group(6)))
        m = re.match(r"system busy .* = (-?[\d.]+) CPUs", line)
        if m: cur["foreign"] = float(m.group(1))
        m = re.match(r"(\w+)\s+(-?\d+)\s+(-?[\d.]+)\s+(-?[\d.]+)\s+(-?[\d.inf]+)", line)
        if m and m.group(1) not in ("counter",):
            cur["ev"][m.group(1)] = int(m.group(2))
        m = re.match(r"threads seen (\d+) \(max concurrent (\d+)\); schedstat: oncpu ([\d.]+) s, runq-wait ([\d.]+) s", line)
        if m: cur.update(threads=int(m.group(1)), runq=float(m.group(4)))
    if cur: yield cur

def latest(path):
    """Last block per label (later re-runs override earlier ones), first-seen order."""
    d = {}
    for b in blocks(path):
        d[b["label"]] = b
    return list(d.values())

def main():
    path = sys.argv[1]; perf = "--perf" in sys.argv
    if not perf:
        print("| workload | wall s | CPU s | util | kernel | RES/s | CAL/s | TLB/s | ctxt/s | vol cs/s | invol cs/s | minflt/s | foreign CPUs |")
        print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
        for b in latest(path):
            w = b.get("wall", 1) or 1; e = b["ev"]
            r = lambda k: "%.0f" % (e.get(k, 0) / w)
            print("| %s | %.2f | %.2f | %.2f | %.2f | %s | %s | %s | %s | %s | %s | %s | %.2f |" % (
                b["label"], w, b.get("cpu", 0), b.get("util", 0), b.get("ks", 0), r("RES"), r("CAL"),
                r("TLB"), r("ctxt"), r("vol_cs"), r("invol_cs"), r("minflt"), b.get("foreign", 0)))
    else:
        plain = {b["label"]: b for b in latest(sys.argv[3])} if len(sys.argv) > 3 else {}
        keys = ["sched_switch", "sched_wakeup", "ipi_send_cpu", "csd_queue_cpu", "tlb_remote_send",
                "sys_enter_futex", "sys_enter", "sys_enter_munmap", "contention_begin", "block_rq_issue", "net_dev_xmit"]
        unit = "per wall-second of the plain pass" if plain else "per CPU-second of the command"
        print("Rates are " + unit + ".\n")
        print("| workload | CPU s | kernel | " + " | ".join(k.replace("sys_enter_", "").replace("sys_enter", "syscalls") for k in keys) + " | us/syscall |")
        print("|---|---|---|" + "---|" * (len(keys) + 1))
        for b in latest(path):
            c = (plain[b["label"]].get("wall") if b["label"] in plain else b.get("cpu", 0)) or 1e-9; e = b["ev"]
            us = 1e6 * b.get("sys", 0) / e["sys_enter"] if e.get("sys_enter") else 0
            print("| %s | %.2f | %.2f | " % (b["label"], b.get("cpu", 0), b.get("ks", 0)) +
                  " | ".join("%.0f" % (e.get(k, 0) / c) for k in keys) + " | %.2f |" % us)

main()
