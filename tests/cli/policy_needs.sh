#!/usr/bin/env bash
# A policy that relies on an exit the host does not deliver (tavs without
# host.cr3_exiting) runs, with one warning on stderr naming the setting, from
# run, compare (once per policy) and sweep; with the setting, or for a policy
# that does not rely on it, no warning.
set -u
bin=$1 src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
s="$src/scenarios/baseline.yaml"
w='warning: policy .tavs. infers guest tasks from CR3 loads.*host.cr3_exiting'
"$bin" run "$s" --sched tavs --duration 1500ms --quiet 2>"$tmp/e1" || fail=1
[ "$(grep -c "$w" "$tmp/e1")" -eq 1 ] || { echo "FAIL run: no single warning"; cat "$tmp/e1"; fail=1; }
"$bin" run "$s" --sched tavs --duration 1500ms --quiet --set host.cr3_exiting=true 2>"$tmp/e2" || fail=1
[ -s "$tmp/e2" ] && { echo "FAIL run with CR3 exits warns:"; cat "$tmp/e2"; fail=1; }
"$bin" run "$s" --sched credit --duration 1500ms --quiet 2>"$tmp/e3" || fail=1
[ -s "$tmp/e3" ] && { echo "FAIL credit warns:"; cat "$tmp/e3"; fail=1; }
"$bin" compare "$s" --sched credit,tavs --seeds 2 --duration 1500ms >/dev/null 2>"$tmp/e4" || fail=1
[ "$(grep -c "$w" "$tmp/e4")" -eq 1 ] || { echo "FAIL compare: not one warning"; cat "$tmp/e4"; fail=1; }
"$bin" sweep "$s" --grid run.seed=1,2 --sched tavs --duration 1500ms -j 1 --csv "$tmp/o.csv" \
  2>"$tmp/e5" || fail=1
[ "$(grep -c "$w" "$tmp/e5")" -eq 1 ] || { echo "FAIL sweep: not one warning"; cat "$tmp/e5"; fail=1; }
exit $fail
