#!/usr/bin/env bash
# Numbers are exact and the same in every output: each metric of
# `compare --csv` reads back as the same double as in `compare --json`, and
# `run --csv` holds the same values as `compare --csv` for that run and as
# `run --json` (cpu_ns 11917500000 there was 1.19175e+10 in the CSV).
set -u
bin=$1 src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
s="$src/scenarios/baseline.yaml"
"$bin" compare "$s" --sched credit,cfs --seeds 2 --duration 2s --csv "$tmp/c.csv" \
  --json "$tmp/c.json" >/dev/null || exit 1
"$bin" run "$s" --sched cfs --seed 2 --duration 2s --csv "$tmp/r.csv" --json "$tmp/r.json" \
  --quiet || exit 1
python3 - "$tmp" <<'PY'
import csv, json, sys
d = sys.argv[1]
doc = json.load(open(d + "/c.json"))
runs = doc["runs"]
json_vals = {}
for r in runs:
    sched = r.get("sched")
    for k, v in r["metrics"].items():
        json_vals[(sched, str(r["seed"]), k)] = v
def read(path):  # the CSV without its provenance lines
    return csv.DictReader(l for l in open(path) if not l.startswith("#"))
rows = list(read(d + "/c.csv"))
assert rows, "empty CSV"
bad = 0
for row in rows:
    key = (row["sched"], row["seed"], row["metric"])
    if key not in json_vals:
        print("FAIL: %s not in the JSON" % (key,)); bad += 1; continue
    if float(row["value"]) != float(json_vals[key]):
        print("FAIL: %s: CSV %s, JSON %r" % (key, row["value"], json_vals[key])); bad += 1
single = {(r["metric"]): r["value"] for r in read(d + "/r.csv")}
for row in rows:
    if row["sched"] == "cfs" and row["seed"] == "2" and single.get(row["metric"]) != row["value"]:
        print("FAIL: run --csv %s: %s, compare --csv %s" % (row["metric"], single.get(row["metric"]), row["value"])); bad += 1
# run --json's per-VM figures (integers in ns, shares) equal run --csv's
rj = json.load(open(d + "/r.json"))
n = 0
for vm in rj["vms"]:
    for k in ("cpu_ns", "wait_ns", "share", "entitled_share"):
        got = single.get("vm.%s.%s" % (vm["name"], k))
        n += 1
        if got is None or float(got) != float(vm[k]):
            print("FAIL: vm.%s.%s: CSV %s, JSON %r" % (vm["name"], k, got, vm[k])); bad += 1
print("%d CSV values checked against compare --json, %d against run --json" % (len(rows), n))
sys.exit(1 if bad else 0)
PY
