#!/usr/bin/env bash
# compare's table leaves out metrics that are zero in every run (a lock
# nobody contended...) and says how many; the CSV keeps them all.
set -u
bin=$1 src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
"$bin" compare "$src/scenarios/baseline.yaml" --duration 2s --set run.warmup=500ms \
  --sched cfs,fifo --seeds 2 --csv "$tmp/c.csv" >"$tmp/c.txt" || fail=1
grep -q '^vm.web.lock.runqueue.wait_max_ns ' "$tmp/c.txt" &&
  { echo "FAIL: an all-zero metric is in the table"; fail=1; }
grep -Eq '^\([0-9]+ metrics? zero in every run left out; --csv and --json have all\)$' "$tmp/c.txt" ||
  { echo "FAIL: no note on the metrics left out"; cat "$tmp/c.txt"; fail=1; }
grep -q ',vm.web.lock.runqueue.wait_max_ns,0' "$tmp/c.csv" ||
  { echo "FAIL: the CSV lost an all-zero metric"; fail=1; }
grep -q '^vm.web.share ' "$tmp/c.txt" || { echo "FAIL: a non-zero metric is missing"; fail=1; }
exit $fail
