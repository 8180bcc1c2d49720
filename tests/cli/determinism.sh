#!/usr/bin/env bash
# Same scenario and seed => byte-identical JSON; tracing (--trace, --ftrace,
# a window) does not change the run (same digest); another seed changes it.
set -u
bin=$1 src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
scn="$src/scenarios/baseline.yaml"
args=(--set scheduler=fifo --duration 2s --quiet)
"$bin" run "$scn" "${args[@]}" --json "$tmp/a.json" || fail=1
"$bin" run "$scn" "${args[@]}" --json "$tmp/b.json" --trace "$tmp/t.json" \
  --ftrace "$tmp/f.txt" || fail=1
"$bin" run "$scn" "${args[@]}" --json "$tmp/w.json" --trace "$tmp/tw.json" \
  --trace-window 1s,1500ms || fail=1
"$bin" run "$scn" "${args[@]}" --json "$tmp/c.json" --seed 99 || fail=1
cmp -s "$tmp/a.json" "$tmp/b.json" || { echo "FAIL: same seed, different JSON (or trace changed the run)"; fail=1; }
cmp -s "$tmp/a.json" "$tmp/w.json" || { echo "FAIL: a trace window changed the run"; fail=1; }
cmp -s "$tmp/a.json" "$tmp/c.json" && { echo "FAIL: another seed gave identical JSON"; fail=1; }
grep -q '"traceEvents"' "$tmp/t.json" || { echo "FAIL: trace has no traceEvents"; fail=1; }
python3 -c "import json,sys; json.load(open(sys.argv[1])); json.load(open(sys.argv[2]))" \
  "$tmp/a.json" "$tmp/t.json" || { echo "FAIL: output is not valid JSON"; fail=1; }

# The same with guest activity (locks, shootdowns, IPIs) traced on vCPU tracks.
g="$src/scenarios/guest-mechanisms.yaml"
"$bin" run "$g" --duration 600ms --quiet --json "$tmp/g1.json" || fail=1
"$bin" run "$g" --duration 600ms --quiet --json "$tmp/g2.json" --trace "$tmp/gt.json" \
  --ftrace "$tmp/gf.txt" || fail=1
cmp -s "$tmp/g1.json" "$tmp/g2.json" || { echo "FAIL: tracing the guest changed the run"; fail=1; }
python3 - "$tmp/gt.json" <<'PY' || { echo "FAIL: guest trace lacks lock/spin/ipi events"; fail=1; }
import json, sys
cats = {e.get("cat") for e in json.load(open(sys.argv[1]))["traceEvents"]}
sys.exit(0 if {"vcpu", "runstate", "lock", "spin", "ipi"} <= cats else 1)
PY
exit $fail
