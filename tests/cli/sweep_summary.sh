#!/usr/bin/env bash
# sweep --summary: per grid point, policy and metric, n, the mean over the
# seeds and its 95% CI half-width (Student t: 4.303 at 2 degrees of
# freedom, 12.706 at 1 for a metric one seed lacks), each equal to what the
# runs' rows in --csv give; CSV or JSON by the extension, the same figures in both and the same bytes whatever -j
# is; grid values as given and in base units (durations in ns; none for a
# value that is not a number); the CSV opens with --csv's provenance lines.
set -u
bin=$1 src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
g="$src/scenarios/guest-mechanisms.yaml"
grid=(--grid params.credit.tslice=10ms,30ms --grid host.pcpus=2,4 --sched credit --seeds 3
      --duration 600ms)
"$bin" sweep "$g" "${grid[@]}" -j 1 --csv "$tmp/rows.csv" --summary "$tmp/s1.csv" || fail=1
"$bin" sweep "$g" "${grid[@]}" -j 3 --summary - --json "$tmp/runs.json" >"$tmp/s3.csv" || fail=1
"$bin" sweep "$g" "${grid[@]}" -j 2 --summary "$tmp/s.json" || fail=1
cmp -s "$tmp/s1.csv" "$tmp/s3.csv" || { echo "FAIL: --summary differs between -j 1 and -j 3"; fail=1; }
cmp -s <(grep '^#' "$tmp/s1.csv") <(grep '^#' "$tmp/rows.csv") ||
  { echo "FAIL: --summary and --csv have different provenance lines"; fail=1; }

python3 - "$tmp" <<'PY' || fail=1
import csv, json, math, statistics, sys
d = sys.argv[1]
read = lambda p: list(csv.DictReader(l for l in open(d + p) if not l.startswith("#")))
rows, summ = read("/rows.csv"), read("/s1.csv")
doc = json.load(open(d + "/s.json"))
bad = []
def check(ok, what):
    if not ok:
        bad.append(what)
keys = ["params.credit.tslice", "host.pcpus"]
check(list(summ[0].keys()) == ["scenario", "sched", "metric", "n", "mean", "ci95",
                               "params.credit.tslice", "params.credit.tslice.value",
                               "host.pcpus", "host.pcpus.value"], "columns %r" % list(summ[0]))
values = {}
for r in rows:
    values.setdefault((r["sched"],) + tuple(r[k] for k in keys) + (r["metric"],), []).append(float(r["value"]))
check(len(summ) == len(values), "%d summary rows for %d (point, policy, metric)" % (len(summ), len(values)))
T = {1: 12.706, 2: 4.303}  # two-sided 95%, by degrees of freedom (a metric some seeds lack has n < 3)
nums = {"10ms": 1e7, "30ms": 3e7, "2": 2, "4": 4}
groups = {(gr["sched"],) + tuple(gr["grid"][k] for k in keys): gr for gr in doc["groups"]}
check(len(groups) == 4 and doc["seeds"] == 3, "JSON groups %d" % len(groups))
for s in summ:
    key = (s["sched"],) + tuple(s[k] for k in keys) + (s["metric"],)
    xs = values.get(key, [])
    n, mean = len(xs), sum(xs) / max(len(xs), 1)
    half = T[n - 1] * statistics.stdev(xs) / math.sqrt(n) if n >= 2 else 0
    ok = int(s["n"]) == n and abs(float(s["mean"]) - mean) <= 1e-12 * max(1, abs(mean))
    ok = ok and abs(float(s["ci95"]) - half) <= 1e-9 * max(half, 1e-300) + 1e-12
    check(ok, "%r: %r vs n %d mean %r ci %r" % (key, s, n, mean, half))
    for k in keys:
        check(float(s[k + ".value"]) == nums[s[k]], "%s.value %r for %r" % (k, s[k + ".value"], s[k]))
    gr = groups[key[:-1]]
    j = gr["metrics"][s["metric"]]
    check(j["n"] == int(s["n"]) and j["mean"] == float(s["mean"]) and j["ci95"] == float(s["ci95"]),
          "JSON %r vs CSV %r" % (j, s))
    check(all(gr["grid_values"][k] == nums[gr["grid"][k]] for k in keys), "JSON grid_values %r" % gr)
print("%d summary rows checked" % len(summ))
for b in bad[:10]:
    print("FAIL:", b)
sys.exit(1 if bad else 0)
PY

# a value that is not a number has no numeric column
"$bin" sweep "$g" --grid scheduler=credit,cfs --duration 600ms --summary "$tmp/names.csv" || fail=1
grep -v '^#' "$tmp/names.csv" | sed -n 2p | grep -q ',credit,$' ||
  { echo "FAIL: a policy name as a grid value: $(grep -v '^#' "$tmp/names.csv" | sed -n 2p)"; fail=1; }

# an extension that names no format: an error before any run
"$bin" sweep "$g" "${grid[@]}" --summary "$tmp/s.txt" --csv "$tmp/no.csv" 2>"$tmp/err"
[ $? -eq 2 ] && grep -q "^vcpulab: --summary $tmp/s.txt: must end in .csv or .json" "$tmp/err" &&
  [ ! -e "$tmp/no.csv" ] || { echo "FAIL: --summary s.txt"; cat "$tmp/err"; fail=1; }
exit $fail
