#!/usr/bin/env bash
# --cdf writes each latency distribution as non-decreasing CDF points that
# end at 1, and leaves the run unchanged.
set -u
bin=$1 src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
g="$src/scenarios/guest-mechanisms.yaml"
"$bin" run "$g" --duration 600ms --quiet --json "$tmp/a.json" --cdf "$tmp/c.csv" || exit 1
"$bin" run "$g" --duration 600ms --quiet --json "$tmp/b.json" || exit 1
cmp -s "$tmp/a.json" "$tmp/b.json" || { echo "FAIL: --cdf changed the run"; exit 1; }
python3 - "$tmp/c.csv" <<'PY'
import csv, sys
rows = list(csv.DictReader(l for l in open(sys.argv[1]) if not l.startswith("#")))
assert rows, "no CDF rows"
by = {}
for r in rows:
    by.setdefault(r["distribution"], []).append((int(r["value_ns"]), float(r["cdf"])))
assert any(k.endswith(".lock.zone.wait") for k in by), by.keys()
for name, pts in by.items():
    vals = [v for v, _ in pts]
    cdfs = [c for _, c in pts]
    assert vals == sorted(vals), name
    assert cdfs == sorted(cdfs) and 0 < cdfs[0], name
    assert abs(cdfs[-1] - 1.0) < 1e-9, (name, cdfs[-1])
PY
