#!/usr/bin/env bash
# compare --json's summary is the table's figures: per metric and policy the
# mean over seeds, the 95% CI half-width with Student's t (checked at 40
# degrees of freedom, t = 2.0211 from the tables, where 1.96 would be 3%
# short), n, and the ratio to the first policy, all from the runs' values.
set -u
bin=$1 src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$bin" compare "$src/scenarios/baseline.yaml" --sched credit,cfs --seeds 41 --duration 1100ms \
  --json "$tmp/c.json" >/dev/null || exit 1
python3 - "$tmp/c.json" <<'PY'
import json, math, sys
d = json.load(open(sys.argv[1]))
T40 = 2.0211  # two-sided 95%, 40 degrees of freedom (NIST e-Handbook 1.3.6.7.2)
bad = 0
checked = set()
for name, per in d["summary"].items():
    base = None
    for p, sm in per.items():
        xs = [r["metrics"][name] for r in d["runs"] if r["sched"] == p and name in r["metrics"]]
        n = len(xs)
        if n == 0:
            if sm["n"] != 0 or sm["ratio"] is not None:
                print("FAIL: %s %s: %r for no values" % (name, p, sm)); bad += 1
            continue
        mean = sum(xs) / n
        ok = sm["n"] == n and abs(sm["mean"] - mean) <= 1e-9 * max(1, abs(mean))
        if n == 41:  # a metric every seed produced: the CI at 40 degrees of freedom
            sd = math.sqrt(sum((x - mean) ** 2 for x in xs) / (n - 1))
            half = T40 * sd / math.sqrt(n)
            ok = ok and abs(sm["ci95"] - half) <= 1e-4 * max(half, 1e-300) + 1e-12
            checked.add(name)
        if base is None:
            base = mean
            ok = ok and (sm["ratio"] == 1 or (base == 0 and sm["ratio"] is None))
        elif base != 0:
            ok = ok and abs(sm["ratio"] - mean / base) <= 1e-12 * abs(mean / base)
        if not ok:
            print("FAIL: %s %s: %r vs mean %r ci %r" % (name, p, sm, mean, half)); bad += 1
print("%d metrics summarised, %d with the t-based CI checked" % (len(d["summary"]), len(checked)))
if len(checked) < 10:
    print("FAIL: too few metrics in every run"); bad += 1
sys.exit(1 if bad else 0)
PY
