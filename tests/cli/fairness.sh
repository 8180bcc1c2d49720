#!/usr/bin/env bash
# Jain's fairness index in every output: the text report's line under the
# VM table, the JSON's "fairness" object, compare's CSV and table; near 1
# under cfs on the baseline, clearly lower under fifo; absent (null in the
# JSON) with a single VM.
set -u
bin=$1 src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
scn="$src/scenarios/baseline.yaml"
args=(--duration 2s --set run.warmup=500ms)
"$bin" run "$scn" "${args[@]}" --sched cfs >"$tmp/cfs.txt" || fail=1
grep -Eq '^fairness \(share / entitled\): Jain (0\.99[0-9]|1\.000) over 3 VMs; worst [a-z0-9]+ at' \
  "$tmp/cfs.txt" || { echo "FAIL: no fairness line near 1 under cfs:"; cat "$tmp/cfs.txt"; fail=1; }
"$bin" run "$scn" "${args[@]}" --sched fifo --quiet --json "$tmp/fifo.json" || fail=1
"$bin" compare "$scn" "${args[@]}" --sched cfs,fifo --seeds 2 --csv "$tmp/c.csv" \
  --json "$tmp/c.json" >"$tmp/c.txt" || fail=1
grep -q '^fairness.jain ' "$tmp/c.txt" ||
  { echo "FAIL: compare's table has no fairness.jain"; fail=1; }
python3 - "$tmp/fifo.json" "$tmp/c.csv" "$tmp/c.json" <<'PY' || fail=1
import csv, json, sys
f = json.load(open(sys.argv[1]))["fairness"]
assert f["vms"] == 3 and f["min_vm"] == "web", f
assert 1 / 3 <= f["jain"] < 0.8 and f["min_entitled_fraction"] < 0.2, f
rows = [r for r in csv.DictReader(l for l in open(sys.argv[2]) if not l.startswith("#")) if r["metric"].startswith("fairness.")]
got = {(r["sched"], r["seed"], r["metric"]): float(r["value"]) for r in rows}
assert len(got) == 8, got
for seed in ("1", "2"):
    assert got[("cfs", seed, "fairness.jain")] > 0.99, got
    assert got[("fifo", seed, "fairness.jain")] < 0.8, got
for run in json.load(open(sys.argv[3]))["runs"]:
    assert "fairness.min_entitled_fraction" in run["metrics"], run["sched"]
PY
"$bin" run "$src/scenarios/workload-alone.yaml" --duration 500ms --json "$tmp/one.json" \
  >"$tmp/one.txt" || fail=1
grep -q '^fairness' "$tmp/one.txt" && { echo "FAIL: a fairness line with one VM"; fail=1; }
python3 -c 'import json,sys; assert json.load(open(sys.argv[1]))["fairness"] is None' \
  "$tmp/one.json" || { echo "FAIL: fairness is not null with one VM"; fail=1; }
exit $fail
