#!/usr/bin/env bash
# compare's progress line: on a terminal (script(1) gives it one) stderr
# gets "compare: N/N runs, ... elapsed, ETA ..." lines and the table is the
# same; off a terminal, or with CI set, stderr stays empty.
set -u
bin=$1 src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
args="$src/scenarios/baseline.yaml --sched credit,cfs --seeds 2 --duration 1200ms"
"$bin" compare $args >"$tmp/plain" 2>"$tmp/err" || fail=1
[ -s "$tmp/err" ] && { echo "FAIL: stderr off a terminal:"; cat "$tmp/err"; fail=1; }
if command -v script >/dev/null; then
  env -u CI script -qec "'$bin' compare $args >'$tmp/table'" /dev/null >"$tmp/tty" || fail=1
  grep -qa $'\rcompare: 4/4 runs, .* elapsed, ETA' "$tmp/tty" ||
    { echo "FAIL: no progress line on a terminal:"; od -c "$tmp/tty" | head; fail=1; }
  cmp -s "$tmp/plain" "$tmp/table" || { echo "FAIL: the progress line changed the table"; fail=1; }
  CI=1 script -qec "'$bin' compare $args >/dev/null" /dev/null >"$tmp/ci_tty" || fail=1
  grep -qa 'runs, ' "$tmp/ci_tty" && { echo "FAIL: a progress line with CI set"; fail=1; }
else
  echo "SKIP: no script(1) to give compare a terminal"
fi
exit $fail
