#!/usr/bin/env bash
# The trace: valid JSON whose first key is traceEvents (readers that stream
# the file meet the events first), complete events of positive duration that
# never overlap on one pCPU track, and `--trace -` on standard output (then
# without the summary table), byte-identical to the file.
set -u
bin=$1 src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
s="$src/scenarios/baseline.yaml"
"$bin" run "$s" --duration 1500ms --quiet --trace "$tmp/t.json" || exit 1
"$bin" run "$s" --duration 1500ms --trace - >"$tmp/stdout.json" || exit 1
fail=0
head -c 16 "$tmp/t.json" | grep -q '^{"traceEvents":\[' || { echo "FAIL: traceEvents is not the first key"; fail=1; }
cmp -s "$tmp/t.json" "$tmp/stdout.json" || { echo "FAIL: --trace - differs from the file (or the table went to stdout)"; fail=1; }
python3 - "$tmp/t.json" <<'PY' || fail=1
import json, sys
doc = json.load(open(sys.argv[1]))
assert doc["displayTimeUnit"] == "ns", doc.keys()
runs = {}
for e in doc["traceEvents"]:
    if e["ph"] == "X" and e["pid"] == 0:
        assert e["dur"] > 0, e
        runs.setdefault(e["tid"], []).append((e["ts"], e["ts"] + e["dur"]))
assert runs, "no vCPU runs on the pCPU tracks"
for tid, iv in runs.items():
    iv.sort()
    for (a0, a1), (b0, b1) in zip(iv, iv[1:]):
        assert b0 >= a1 - 1e-6, "pCPU %d: %r overlaps %r" % (tid, (a0, a1), (b0, b1))
print("%d pCPU tracks, %d runs" % (len(runs), sum(len(v) for v in runs.values())))
PY
exit $fail
