#!/usr/bin/env bash
# sweep --plot: a PNG (and an SVG) rendered by gnuplot from a script left
# next to it, error bars cut at 0 for a metric that is never negative; an unknown metric is an error naming some that exist; no
# gnuplot on PATH is a clear error before any run.  And the progress line:
# on a terminal only.
set -u
bin=$1 src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
g="$src/scenarios/guest-mechanisms.yaml"
args=(--grid params.credit.tslice=3ms,10ms,30ms --sched credit,cfs --seeds 2 --duration 600ms -j 2)

if command -v gnuplot >/dev/null; then
  "$bin" sweep "$g" "${args[@]}" --plot vm.kern.share --plot-out "$tmp/share.png" || fail=1
  [ "$(head -c 8 "$tmp/share.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] ||
    { echo "FAIL: share.png is not a PNG"; fail=1; }
  gp="$tmp/share.gp"
  grep -q "set output 'share.png'$" "$gp" || { echo "FAIL: share.gp lacks its output"; fail=1; }
  grep -q "yerrorlines title 'credit'" "$gp" && grep -q "title 'cfs'" "$gp" ||
    { echo "FAIL: share.gp lacks a line per policy with error bars"; fail=1; }
  grep -q "set xtics ('3ms' 0, '10ms' 1, '30ms' 2)" "$gp" || { echo "FAIL: share.gp x axis"; fail=1; }
  # data rows: x, mean, error bar low and high; a share's bar never goes below 0
  awk '/<< EOD/ {d = 1; next} /^EOD/ {d = 0} d && (NF != 4 || $3 < 0 || $3 > $2 || $4 < $2) {bad = 1}
       END {exit bad}' "$gp" || { echo "FAIL: share.gp rows are not 'x mean low high', low >= 0"; fail=1; }
  # the script reruns on its own
  rm "$tmp/share.png"
  (cd "$tmp" && gnuplot share.gp) && [ -s "$tmp/share.png" ] || { echo "FAIL: share.gp does not rerun"; fail=1; }
  # numeric x values are a numeric axis; SVG
  "$bin" sweep "$g" --grid host.pcpus=2,4 --duration 600ms --plot vm.hog.share \
    --plot-out "$tmp/p.svg" || fail=1
  grep -q "<svg" "$tmp/p.svg" || { echo "FAIL: p.svg is not SVG"; fail=1; }
  grep -q "^4 " "$tmp/p.gp" && ! grep -q "xtics (" "$tmp/p.gp" || { echo "FAIL: numeric x axis"; fail=1; }
  # a metric no run produced: an error listing names, the CSV is still written
  "$bin" sweep "$g" "${args[@]}" --csv "$tmp/out.csv" --plot vm.kern.nosuch \
    --plot-out "$tmp/bad.png" 2>"$tmp/err"
  rc=$?
  [ $rc -eq 2 ] || { echo "FAIL: unknown metric: exit $rc, want 2"; fail=1; }
  grep -qE "^vcpulab: --plot vm.kern.nosuch: no run produced this metric; they produced: vm\.kern\." \
    "$tmp/err" || { echo "FAIL: unknown metric message:"; cat "$tmp/err"; fail=1; }
  [ -s "$tmp/out.csv" ] && [ ! -e "$tmp/bad.png" ] || { echo "FAIL: unknown metric outputs"; fail=1; }
else
  echo "SKIP: gnuplot is not installed (scripts/setup.sh installs gnuplot-nox)"
fi

# gnuplot missing: fails before any run (nothing on stdout)
PATH=/nonexistent "$bin" sweep "$g" "${args[@]}" --csv - --plot vm.kern.share \
  --plot-out "$tmp/x.png" >"$tmp/out" 2>"$tmp/err"
rc=$?
[ $rc -eq 2 ] && [ ! -s "$tmp/out" ] && grep -q "^vcpulab: --plot needs gnuplot, which is not on PATH" "$tmp/err" ||
  { echo "FAIL: missing gnuplot (exit $rc):"; cat "$tmp/err"; fail=1; }
"$bin" sweep "$g" "${args[@]}" --plot vm.kern.share --plot-out "$tmp/x.jpg" 2>"$tmp/err"
[ $? -eq 2 ] && grep -q "must end in .png or .svg" "$tmp/err" || { echo "FAIL: .jpg accepted"; fail=1; }

# progress: nothing when stderr is not a terminal; done/total on a terminal
"$bin" sweep "$g" "${args[@]}" --csv "$tmp/a.csv" 2>"$tmp/err" || fail=1
[ ! -s "$tmp/err" ] || { echo "FAIL: stderr not empty off a terminal:"; cat "$tmp/err"; fail=1; }
if command -v script >/dev/null; then
  env -u CI script -qec "'$bin' sweep '$g' ${args[*]} --csv '$tmp/b.csv'" /dev/null >"$tmp/tty" ||
    fail=1
  grep -qa $'\rsweep: 12/12 runs, .* elapsed, ETA' "$tmp/tty" ||
    { echo "FAIL: no progress line on a terminal:"; od -c "$tmp/tty" | head; fail=1; }
  cmp -s "$tmp/a.csv" "$tmp/b.csv" || { echo "FAIL: the progress line changed the CSV"; fail=1; }
else
  echo "SKIP: no script(1) to give the sweep a terminal"
fi
exit $fail
