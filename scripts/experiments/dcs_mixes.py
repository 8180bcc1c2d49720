#!/usr/bin/env python3
"""dcs_mixes.py - the DCS evaluation's mixes (docs/experiments.md).

For each mix and scheduler: runs the mix, and each of its applications
alone in one VM (same host, same scheduler), and prints a Markdown table: per VM the slowdown
against its solo run (solo work / mixed work: CPU time spent on the
application, spinning excluded), the weighted speedup of the mix (the sum
over VMs of mixed work / solo work), the main VM's contended spinlock acquisitions and their mean wait, its TLB
shootdown and reschedule-IPI latencies, the CPU shares against the
entitled ones, and Jain's fairness index of share / entitled share
(docs/output-format.md#fairness); with several mixes, the geometric means
of the weighted speedup and the main VM's slowdown per scheduler.

  scripts/experiments/dcs_mixes.py [--bin build-release/vcpulab]
      [--sched cfs,balance,dcs] [--mix vips-facesim,x264:streamcluster,...]
      [--duration 4s] [--seed 1] [--set params.dcs.urgent_slice=1ms ...]
      [--guest 'futex_wake: queued, runqueue_lock: false']
A mix is vips-facesim (1 vips + 2 facesim), CO:MAIN (1 MAIN + the
evaluation's co-runners: 2 x264, 1 dedup or 1 freqmine), or A+B+... (one
VM per application, the first the main one).
"""
import argparse
import math
import sys

from vlrun import DEFAULT_BIN, run_text_json

MIXES = ["vips-facesim", "x264:streamcluster", "dedup:streamcluster", "freqmine:streamcluster"]
# As scenarios/experiments/dcs-*.yaml: an 8-pCPU host without PLE, 8-vCPU
# guests of the Ubuntu 11.04 era (Linux 2.6.38 without PV spinlocks: ticket
# locks, legacy TLB vectors, reschedule IPIs sent under the futex bucket and
# target runqueue locks).
# The host ran Linux 3.2 (the DCS kernel) and every VM's cgroup had
# cpu.shares = NR_CPUS x 1024 (vditools prolog_template): shares are
# absolute in CFS, not a ratio (docs/policies/cfs.md, "Shares").
HOST = ("host: {pcpus: 8, ple: {enabled: false}}\n"
        "params: {cfs: {kernel: '3.2'}, balance: {kernel: '3.2'}, dcs: {kernel: '3.2'}}\n")
SHARES = "cfs: {shares: 8192}, balance: {shares: 8192}, dcs: {shares: 8192}"
# lazy_tlb: false as every DCS figure of docs/experiments.md was measured;
# a 2.6.38 guest also flushes idle vCPUs in lazy TLB mode (its preset).
GUEST = {"kernel": '"2.6.38"', "virt": "hvm", "lazy_tlb": "false"}
VM = ("  - {name: %s, vcpus: 8, guest: {%s},\n"
      "     params: {" + SHARES + "},\n"
      "     workloads: [{type: %s}]}\n")
RUN = "run: {duration: %s, warmup: 500ms, seed: %d}\n"


def apps_of(mix):
    """The applications of a mix, the main VM's first."""
    if mix == "vips-facesim":
        return ["vips", "facesim", "facesim"]
    if "+" in mix:
        return mix.split("+")
    co, main = mix.split(":")
    return [main] + [co] * (2 if co == "x264" else 1)


def guest_settings(more):
    """GUEST with the KEY: VALUE pairs of `more` ("a: b, c: d") put over it."""
    settings = dict(GUEST)
    for item in filter(None, (i.strip() for i in more.split(","))):
        key, _, value = item.partition(":")
        settings[key.strip()] = value.strip()
    return ", ".join("%s: %s" % kv for kv in settings.items())


def scenario(apps, duration, seed, guest=""):
    g = guest_settings(guest)
    vms = "".join(VM % ("main" if i == 0 else "co%d" % i, g, a) for i, a in enumerate(apps))
    return "name: dcs\n" + HOST + "vms:\n" + vms + RUN % (duration, seed)


def run(binary, text, sched, sets=()):
    return run_text_json(binary, text, ["--sched", sched], sets)


def work(vm):
    return sum(w["work_ns"] for w in vm["workloads"])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=DEFAULT_BIN)
    ap.add_argument("--sched", default="cfs,balance,dcs")
    ap.add_argument("--mix", default=",".join(MIXES))
    ap.add_argument("--duration", default="4s")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--guest", default="",
                    help="guest settings for every VM over the 2.6.38-era ones, e.g. "
                         "'futex_wake: queued, runqueue_lock: false' (no lock held around "
                         "the reschedule IPIs)")
    ap.add_argument("--set", action="append", default=[],
                    help="a scenario override for every run, e.g. params.dcs.urgent_allowance=6ms")
    a = ap.parse_args()
    print("| mix | scheduler | slowdown per VM (main first) | weighted speedup | main: contended lock waits × mean | TLB shootdown | resched IPI | shares (entitled) | Jain |")
    print("|---|---|---|---|---|---|---|---|---|")
    solo, summary = {}, {}
    for mix in a.mix.split(","):
        apps = apps_of(mix)
        for sched in a.sched.split(","):
            doc = run(a.bin, scenario(apps, a.duration, a.seed, a.guest), sched, a.set)
            vms = [v for v in doc["vms"] if not v.get("host")]
            slow, ws = [], 0.0
            for app, vm in zip(apps, vms):
                if (app, sched) not in solo:
                    one = run(a.bin, scenario([app], a.duration, a.seed, a.guest), sched, a.set)
                    solo[(app, sched)] = work(one["vms"][0])
                alone, mixed = solo[(app, sched)], work(vm)
                slow.append(alone / mixed if mixed else float("inf"))
                ws += mixed / alone if alone else 0
            g = vms[0]["guest"]
            contended = sum(l["contended"] for l in g["locks"])
            waited = sum(l["wait_total_ns"] for l in g["locks"])
            lock = "%d × %.1f µs" % (contended, waited / contended / 1e3) if contended else "0"
            tlb = g["tlb_shootdowns"]["latency"]["mean_ns"]
            res = g["ipi_latency"]["reschedule"]["mean_ns"]
            shares = ", ".join("%.0f%% (%.0f%%)" % (100 * v["share"], 100 * v["entitled_share"])
                               for v in vms)
            fair = doc["fairness"]
            jain = "%.3f" % fair["jain"] if fair else "-"
            print("| %s | %s | %s | %.2f | %s | %.0f µs | %.0f µs | %s | %s |" % (
                mix, sched, " / ".join("%.2f" % s for s in slow), ws, lock, tlb / 1e3,
                res / 1e3, shares, jain))
            sys.stdout.flush()
            summary.setdefault(sched, []).append((ws, slow[0]))
    if len(a.mix.split(",")) > 1:
        print("\n| scheduler | geometric mean over %d mixes: weighted speedup | main VM's slowdown |"
              % len(a.mix.split(",")))
        print("|---|---|---|")
        for sched, rows in summary.items():
            print("| %s | %.3f | %.3f |" % (sched, geomean(r[0] for r in rows),
                                            geomean(r[1] for r in rows)))


def geomean(values):
    values = list(values)
    return math.exp(sum(math.log(v) for v in values) / len(values))


if __name__ == "__main__":
    main()
