#!/usr/bin/env bash
# compare --solo: each VM alone on the same host, policy and seed.  Two VMs
# of two CPU hogs on two pCPUs: alone a VM does the work of the whole host,
# in the mix half of it, so its slowdown is about 2 and the weighted
# speedup about 1; solo_work_ns equals the work of a run of a scenario
# holding that VM only; slowdown and weighted_speedup are computed from the
# run's own work figures.
set -u
bin=$1 src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
vm() { echo "  - {name: $1, vcpus: 2, workloads: [{type: cpu, name: hog, tasks: 2}]}"; }
head='host: {pcpus: 2}
run: {duration: 600ms, warmup: 100ms, seed: 5}
vms:'
printf '%s\n%s\n%s\n' "$head" "$(vm a)" "$(vm b)" > "$tmp/mix.yaml"
printf '%s\n%s\n' "$head" "$(vm b)" > "$tmp/b.yaml"
"$bin" compare "$tmp/mix.yaml" --sched credit,cfs --seeds 2 --solo --json "$tmp/c.json" \
  >"$tmp/table" || { echo "FAIL: compare --solo"; exit 1; }
grep -q '^weighted_speedup' "$tmp/table" || { echo "FAIL: no weighted_speedup row"; exit 1; }
"$bin" run "$tmp/b.yaml" --sched cfs --seed 6 --json "$tmp/b.json" --quiet || exit 1
python3 - "$tmp/c.json" "$tmp/b.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
b = json.load(open(sys.argv[2]))
bad = 0
def check(ok, what):
    global bad
    if not ok:
        print("FAIL:", what); bad += 1
for r in c["runs"]:
    m = r["metrics"]
    ws = 0
    for vm in ("a", "b"):
        mix = m["wl.%s.hog.work_ns" % vm]
        alone = m["vm.%s.solo_work_ns" % vm]
        check(abs(m["vm.%s.slowdown" % vm] - alone / mix) <= 1e-12 * alone / mix,
              "%s seed %d: slowdown of %s is not solo / mix" % (r["sched"], r["seed"], vm))
        check(1.9 < alone / mix < 2.1, "%s seed %d: slowdown of %s %.3f, not about 2"
              % (r["sched"], r["seed"], vm, alone / mix))
        ws += mix / alone
    check(abs(m["weighted_speedup"] - ws) <= 1e-12 * ws, "weighted_speedup is not the sum")
    check(0.95 < ws < 1.05, "weighted speedup %.3f, not about 1" % ws)
    if r["sched"] == "cfs" and r["seed"] == 6:
        own = b["vms"][0]["workloads"][0]["work_ns"]
        check(m["vm.b.solo_work_ns"] == own,
              "solo work of b %r differs from its own run's %r" % (m["vm.b.solo_work_ns"], own))
print("%d runs checked" % len(c["runs"]))
sys.exit(1 if bad else 0)
PY
