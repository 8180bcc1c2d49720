#!/usr/bin/env bash
# Same scenario and seed => byte-identical JSON; tracing does not change the
# run (same digest); another seed changes it.
set -u
bin=$1 src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
scn="$src/scenarios/baseline.yaml"
args=(--set scheduler=fifo --duration 2s --quiet)
"$bin" run "$scn" "${args[@]}" --json "$tmp/a.json" || fail=1
"$bin" run "$scn" "${args[@]}" --json "$tmp/b.json" --trace "$tmp/t.json" || fail=1
"$bin" run "$scn" "${args[@]}" --json "$tmp/c.json" --seed 99 || fail=1
cmp -s "$tmp/a.json" "$tmp/b.json" || { echo "FAIL: same seed, different JSON (or trace changed the run)"; fail=1; }
cmp -s "$tmp/a.json" "$tmp/c.json" && { echo "FAIL: another seed gave identical JSON"; fail=1; }
grep -q '"traceEvents"' "$tmp/t.json" || { echo "FAIL: trace has no traceEvents"; fail=1; }
python3 -c "import json,sys; json.load(open(sys.argv[1])); json.load(open(sys.argv[2]))" \
  "$tmp/a.json" "$tmp/t.json" || { echo "FAIL: output is not valid JSON"; fail=1; }
exit $fail
