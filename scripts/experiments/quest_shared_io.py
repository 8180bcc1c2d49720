#!/usr/bin/env python3
"""quest_shared_io.py - Quest's I/O VCPU sharing experiment (docs/experiments.md,
"Quest VCPUs" (c)): the USB-like device's and the network's throughput and
every Main VCPU's CPU share, with the VM's devices served by one shared I/O
VCPU and by one per device, per policy, as the mean over seeds (the range
in parentheses when the seeds differ), one Markdown table row each.

  scripts/experiments/quest_shared_io.py [--scenario FILE] [--sched quest,credit,...]
      [--seeds 3] [--bin build-release/vcpulab]
"""
import argparse
import os
import sys

from vlrun import DEFAULT_BIN, ROOT, run_json

MAIN = [("VCPU0", "devices", 0), ("VCPU1", "vcpu1", 0), ("VCPU2", "devices", 1),
        ("VCPU3", "vcpu3", 0)]


def measure(rep):
    """usb KB/s, net Mbit/s, Main VCPU shares (%), I/O VCPU shares by name (%)."""
    secs = rep["sim_ns"] / 1e9
    cap = len(rep["pcpus"]) * rep["sim_ns"] / 100
    vms = {vm["name"]: vm for vm in rep["vms"]}
    dev = vms["devices"]
    size = next(w["params"]["size"] for c in rep["config"]["vms"] if c["name"] == "devices"
                for w in c["workloads"] if w["type"] == "grep")
    usb = dev["io"]["blk_requests"] * size / 1024 / secs
    net = next(w["net"]["throughput_mbps"] for w in dev["workloads"] if w.get("net"))
    main = [vms[vm]["vcpu"][i]["run_ns"] / cap for _, vm, i in MAIN]
    io = {v["backend"]: v["run_ns"] / cap for v in vms["host"]["vcpu"]}
    return [usb, net] + main, io


def cell(values, fmt):
    lo, hi, mean = min(values), max(values), sum(values) / len(values)
    text = fmt.format(mean)
    if fmt.format(lo) != fmt.format(hi):
        text += f" ({fmt.format(lo)}–{fmt.format(hi)})"
    return text


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--scenario",
                    default=os.path.join(ROOT, "scenarios/experiments/quest-shared-io.yaml"))
    ap.add_argument("--sched", default="quest,credit,credit2,rtds")
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--bin", default=DEFAULT_BIN)
    a = ap.parse_args()
    out = sys.stdout
    out.write("| policy | I/O VCPUs | USB KB/s | network Mbit/s | VCPU0 | VCPU1 | VCPU2 | VCPU3 "
              "| I/O VCPUs |\n|---|---|---|---|---|---|---|---|---|\n")
    for sched in a.sched.split(","):
        for backends in ("shared", "per-device"):
            rows, ios = [], {}
            for seed in range(1, a.seeds + 1):
                rep = run_json(a.bin, a.scenario, ["--sched", sched],
                               [f"run.seed={seed}", f"vms.devices.io_backends={backends}"])
                row, io = measure(rep)
                rows.append(row)
                for name, share in io.items():
                    ios.setdefault(name, []).append(share)
            cols = list(zip(*rows))
            cells = [cell(cols[0], "{:.0f}"), cell(cols[1], "{:.1f}")]
            cells += [cell(c, "{:.1f}%") for c in cols[2:]]
            cells.append(", ".join(f"{name} {cell(v, '{:.2f}%')}" for name, v in ios.items()))
            label = "one shared" if backends == "shared" else "one per device"
            out.write(f"| {sched} | {label} | " + " | ".join(cells) + " |\n")


if __name__ == "__main__":
    main()
