#!/usr/bin/env bash
# sweep --plot: a PNG (and an SVG) rendered by gnuplot from a script left
# next to it, labelled in words and units, durations on a numeric axis,
# error bars cut at 0 for a metric that is never negative; a
# metric no configuration can produce is an error before any run listing
# those they can (all that runs give); one that no run produced is an
# error after the rows are written; no
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
  grep -q "yerrorlines linecolor 1 linewidth 1.5 title 'credit'" "$gp" && grep -q "title 'cfs'" "$gp" ||
    { echo "FAIL: share.gp lacks a line per policy with error bars"; fail=1; }
  # the durations are numbers in ms; the share in %
  grep -q "^set xlabel 'credit tslice (ms)'$" "$gp" && ! grep -q "xtics (" "$gp" &&
    [ "$(awk '/<< EOD/ {d = 1; next} /^EOD/ {exit} d {printf "%s ", $1}' "$gp")" = "3 10 30 " ] ||
    { echo "FAIL: share.gp x axis"; fail=1; }
  grep -q "^set ylabel 'kern CPU share (%)'$" "$gp" || { echo "FAIL: share.gp y label"; fail=1; }
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
  # a metric no configuration can produce: an error before any run (exit 2,
  # nothing written) listing the metrics the configurations can produce,
  # which hold every metric the runs give
  "$bin" sweep "$g" "${args[@]}" --csv "$tmp/out.csv" --plot vm.kern.nosuch \
    --plot-out "$tmp/bad.png" 2>"$tmp/err"
  rc=$?
  [ $rc -eq 2 ] || { echo "FAIL: unknown metric: exit $rc, want 2"; fail=1; }
  head -1 "$tmp/err" | grep -qE "^vcpulab: --plot vm.kern.nosuch: no configuration of this sweep can produce this metric; the metrics are:$" ||
    { echo "FAIL: unknown metric message:"; head -3 "$tmp/err"; fail=1; }
  [ ! -e "$tmp/out.csv" ] && [ ! -e "$tmp/bad.png" ] || { echo "FAIL: unknown metric: outputs written"; fail=1; }
  "$bin" sweep "$g" "${args[@]}" --csv "$tmp/all.csv" || fail=1
  missing=$(grep -v '^#' "$tmp/all.csv" | tail -n +2 | cut -d, -f4 | sort -u |
    comm -23 - <(tail -n +2 "$tmp/err" | sed 's/^  //' | sort -u))
  [ -z "$missing" ] && grep -q '^  policy\.' "$tmp/err" ||
    { echo "FAIL: metrics the runs gave but the list lacks: $missing"; fail=1; }
  for scn in baseline experiments/corun-iperf-udp experiments/dcs-dedup; do # requests, network, processes
    "$bin" sweep "$src/scenarios/$scn.yaml" --grid run.seed=1 --sched credit,cfs --duration 1200ms \
      --csv "$tmp/all.csv" --plot nosuch --plot-out "$tmp/bad.png" 2>"$tmp/err"
    "$bin" sweep "$src/scenarios/$scn.yaml" --grid run.seed=1 --sched credit,cfs --duration 1200ms \
      --csv "$tmp/all.csv" 2>/dev/null || fail=1
    missing=$(grep -v '^#' "$tmp/all.csv" | tail -n +2 | cut -d, -f4 | sort -u |
      comm -23 - <(tail -n +2 "$tmp/err" | sed 's/^  //' | sort -u))
    [ -z "$missing" ] || { echo "FAIL: $scn: metrics the runs gave but the list lacks: $missing"; fail=1; }
  done
  # a metric a configuration can produce but no run did (no process of the
  # barrier workload ended): the rows are written, the plot is not
  "$bin" sweep "$g" "${args[@]}" --csv "$tmp/out.csv" --plot wl.kern.barrier.jobs \
    --plot-out "$tmp/bad.png" 2>"$tmp/err"
  rc=$?
  [ $rc -eq 2 ] && grep -qE "^vcpulab: --plot wl.kern.barrier.jobs: no run produced this metric; they produced: wl\.kern\.barrier\." \
    "$tmp/err" || { echo "FAIL: unproduced metric (exit $rc):"; cat "$tmp/err"; fail=1; }
  [ -s "$tmp/out.csv" ] && [ ! -e "$tmp/bad.png" ] || { echo "FAIL: unproduced metric outputs"; fail=1; }
else
  echo "SKIP: gnuplot is not installed (scripts/setup.sh installs gnuplot-nox)"
fi

# gnuplot missing: fails before any run (nothing on stdout)
PATH=/nonexistent "$bin" sweep "$g" "${args[@]}" --csv - --plot vm.kern.share \
  --plot-out "$tmp/x.png" >"$tmp/out" 2>"$tmp/err"
rc=$?
[ $rc -eq 2 ] && [ ! -s "$tmp/out" ] && grep -q "^vcpulab: --plot-out needs gnuplot, which is not on PATH" "$tmp/err" ||
  { echo "FAIL: missing gnuplot (exit $rc):"; cat "$tmp/err"; fail=1; }
"$bin" sweep "$g" "${args[@]}" --plot vm.kern.share --plot-out "$tmp/x.jpg" 2>"$tmp/err"
[ $? -eq 2 ] && grep -q "must end in .png, .pdf or .svg" "$tmp/err" || { echo "FAIL: .jpg accepted"; fail=1; }

# progress: nothing when stderr is not a terminal (but the warning that
# cfs ignores credit's parameter, once); done/total on a terminal
"$bin" sweep "$g" "${args[@]}" --csv "$tmp/a.csv" 2>"$tmp/err" || fail=1
[ "$(cat "$tmp/err")" = "vcpulab: warning: --grid params.credit.tslice: cfs's runs ignore it (a parameter of credit)" ] ||
  { echo "FAIL: stderr off a terminal:"; cat "$tmp/err"; fail=1; }
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
