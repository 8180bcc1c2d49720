#!/usr/bin/env bash
# vcpulab plot: figures from compare's and sweep's CSV and JSON, a sweep's
# summary and --cdf files.  The gnuplot script says what was asked (labels
# in words and units, numeric duration axes, log axes, error bars moved
# apart per policy, bars per policy, CDF curves per policy); the images
# are PNG, PDF and SVG by the name; the same data read from CSV and JSON
# make the same figure; a metric the file lacks, a bad --x or --where, a
# value a log axis cannot show, and a bad output path are errors before
# anything is drawn, and nothing is written; an output that is not a
# regular file is never replaced (docs/output-format.md).
set -u
bin=$1 src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
no() { echo "FAIL: $*"; fail=1; }
magic() { head -c "$2" "$1" | od -An -c | tr -d ' \n'; }
# a script without the lines that name its files and its format
body() { grep -v -e '^#' -e 'set output' -e '^set terminal' "$1"; }
if ! command -v gnuplot >/dev/null; then
  echo "SKIP: gnuplot is not installed (scripts/setup.sh installs gnuplot-nox)"
  exit 0
fi
g="$src/scenarios/guest-mechanisms.yaml"
"$bin" compare "$src/scenarios/baseline.yaml" --sched credit,cfs,fifo --seeds 3 --duration 1500ms \
  --csv "$tmp/c.csv" --json "$tmp/c.json" --cdf "$tmp/c.cdf" >/dev/null || no "compare"
"$bin" sweep "$g" --grid params.credit.tslice=1ms,10ms,100ms --grid host.pcpus=2,4 \
  --sched credit,cfs --seeds 2 --duration 600ms -j 2 --csv "$tmp/s.csv" --json "$tmp/s.json" \
  --summary "$tmp/sum.csv" 2>/dev/null || no "sweep"
"$bin" sweep "$g" --grid params.credit.tslice=1ms,10ms,100ms --grid host.pcpus=2,4 \
  --sched credit,cfs --seeds 2 --duration 600ms -j 2 --summary "$tmp/sum.json" 2>/dev/null ||
  no "sweep --summary JSON"

# bars per policy from compare's CSV: a PDF, the p99 wake-up latency in ms
"$bin" plot "$tmp/c.csv" --metric wl.web.think.wake_p99_ns -o "$tmp/bars.pdf" || no "bars"
[ "$(magic "$tmp/bars.pdf" 4)" = "%PDF" ] || no "bars.pdf is not a PDF"
b=$tmp/bars.gp
grep -q "^set terminal pdfcairo" "$b" || no "bars.gp: not the PDF terminal"
grep -q "^set ylabel 'web/think wake-up latency, p99 (ms)'$" "$b" || no "bars.gp: y label"
grep -q "^set xtics ('credit' 0, 'cfs' 1, 'fifo' 2)$" "$b" || no "bars.gp: a bar per policy"
grep -q "with boxes" "$b" && grep -q "with yerrorbars" "$b" || no "bars.gp: bars with error bars"
# the same from compare's JSON
"$bin" plot "$tmp/c.json" --metric wl.web.think.wake_p99_ns -o "$tmp/bars2.pdf" || no "bars from JSON"
diff <(body "$b") <(body "$tmp/bars2.gp") >/dev/null || no "JSON and CSV bars differ"

# lines against a duration from the sweep's CSV: a log x axis in ms, one
# line per policy and host.pcpus (the key that varies), error bars apart
"$bin" plot "$tmp/s.csv" --metric vm.kern.share -o "$tmp/lines.png" --logx --title 'kern share' ||
  no "lines"
[ "$(magic "$tmp/lines.png" 4)" = "211PNG" ] || no "lines.png is not a PNG"
l=$tmp/lines.gp
grep -q "^set xlabel 'credit tslice (ms)'$" "$l" || no "lines.gp: x label"
grep -q "^set ylabel 'kern CPU share (%)'$" "$l" || no "lines.gp: y label"
grep -q "^set logscale x$" "$l" && ! grep -q "logscale y" "$l" || no "lines.gp: log axes"
grep -q "^set title 'kern share'$" "$l" || no "lines.gp: title"
[ "$(grep -c 'with yerrorlines' "$l")" = 4 ] || no "lines.gp: not 4 lines"
grep -q "title 'credit, host.pcpus=2'" "$l" && grep -q "title 'cfs, host.pcpus=4'" "$l" ||
  no "lines.gp: series titles"
[ "$(grep '^dx' "$l" | cut -d' ' -f3 | sort -u | wc -l)" = 4 ] || no "lines.gp: offsets not distinct"
[ "$(awk '/<< EOD/ {d = 1; next} /^EOD/ {exit} d {printf "%s ", $1}' "$l")" = "1 10 100 " ] ||
  no "lines.gp: x values are not the durations in ms"
(cd "$tmp" && rm lines.png && gnuplot lines.gp) && [ -s "$tmp/lines.png" ] || no "lines.gp does not rerun"
# the same data from the sweep's JSON, its CSV summary and its JSON summary
for f in s.json sum.csv sum.json; do
  "$bin" plot "$tmp/$f" --metric vm.kern.share -o "$tmp/l2.svg" --logx --title 'kern share' ||
    no "lines from $f"
  diff <(body "$l") <(body "$tmp/l2.gp") >/dev/null || no "lines from $f differ"
done
grep -q "<svg" "$tmp/l2.svg" || no "l2.svg is not SVG"
# --x and --where: against host.pcpus for credit only, log y
"$bin" plot "$tmp/s.csv" --metric vm.kern.share --x host.pcpus --where sched=credit --logy \
  -o "$tmp/w.png" || no "--x --where"
grep -q "^set xlabel 'host.pcpus'$" "$tmp/w.gp" && grep -q "^set logscale y$" "$tmp/w.gp" &&
  [ "$(grep -c 'with yerrorlines' "$tmp/w.gp")" = 3 ] &&
  grep -q "title 'params.credit.tslice=100ms'" "$tmp/w.gp" || no "--x host.pcpus --where sched=credit"

# a grid key that decides the policy: the policy makes no series of its own
"$bin" sweep "$g" --grid scheduler=credit,cfs --grid host.pcpus=2,4 --seeds 2 --duration 600ms \
  -j 2 --csv "$tmp/sch.csv" || no "sweep over scheduler"
"$bin" plot "$tmp/sch.csv" --metric vm.kern.share -o "$tmp/sch.png" || no "plot against scheduler"
grep -q "^set xtics ('credit' 0, 'cfs' 1)$" "$tmp/sch.gp" &&
  [ "$(grep -o "title '[^']*'" "$tmp/sch.gp" | tr '\n' ' ')" = "title 'host.pcpus=2' title 'host.pcpus=4' " ] ||
  no "sch.gp: a line per host.pcpus against the policy"

# CDF curves per policy, the seeds mixed: nondecreasing, ending at 1
"$bin" plot "$tmp/c.cdf" --metric wl.web.think.wake_latency --logx -o "$tmp/cdf.png" || no "cdf"
c=$tmp/cdf.gp
[ "$(grep -c 'with steps' "$c")" = 3 ] || no "cdf.gp: not a curve per policy"
grep -q "^set xlabel 'web/think wake-up latency (ms)'$" "$c" || no "cdf.gp: x label"
awk '/<< EOD/ {d = 1; prev = -1; next} /^EOD/ {d = 0; if (last < 0.999999 || last > 1.000001) bad = 1; next}
     d {if ($2 < prev - 1e-12 || $1 <= 0) bad = 1; prev = $2; last = $2}
     END {exit bad}' "$c" || no "cdf.gp: a curve is not a CDF from above 0 to 1"

# errors: nothing drawn, nothing written
expect_bad() { # what, message regex, args...
  local what=$1 re=$2
  shift 2
  rm -f "$tmp/bad.png" "$tmp/bad.gp"
  "$bin" plot "$@" 2>"$tmp/err"
  local rc=$?
  [ $rc -eq 2 ] || no "$what: exit $rc, want 2"
  grep -qE -- "$re" "$tmp/err" || { no "$what: message"; cat "$tmp/err"; }
  [ ! -e "$tmp/bad.png" ] && [ ! -e "$tmp/bad.gp" ] || no "$what: wrote something"
}
expect_bad unknown_metric "^vcpulab: plot: --metric vm.kern.nosuch: .*s.csv has no such metric; it has:$" \
  "$tmp/s.csv" --metric vm.kern.nosuch -o "$tmp/bad.png"
grep -q "^  vm.kern.share$" "$tmp/err" || no "unknown metric: the list lacks vm.kern.share"
expect_bad unknown_distribution "has no such distribution" "$tmp/c.cdf" --metric nosuch -o "$tmp/bad.png"
expect_bad bad_x "^vcpulab: plot: --x seed: not a grid key" "$tmp/s.csv" --metric vm.kern.share \
  --x seed -o "$tmp/bad.png"
expect_bad cdf_x "^vcpulab: plot: --x sched: a CDF's x axis is the distribution's values" \
  "$tmp/c.cdf" --metric wl.web.think.wake_latency --x sched -o "$tmp/bad.png"
expect_bad bad_where "^vcpulab: plot: --where nosuch=1: expected COL=VALUE" "$tmp/s.csv" \
  --metric vm.kern.share --where nosuch=1 -o "$tmp/bad.png"
expect_bad empty_where "passes every --where" "$tmp/s.csv" --metric vm.kern.share \
  --where sched=fifo -o "$tmp/bad.png"
printf 'scenario,x\n' >"$tmp/other.csv"
expect_bad not_vcpulab "not a CSV that vcpulab writes" "$tmp/other.csv" --metric a -o "$tmp/bad.png"
printf '{"a": [1,\n 2}\n' >"$tmp/broken.json"
expect_bad broken_json "broken.json: line 2: expected ',' or '\]'" "$tmp/broken.json" --metric a \
  -o "$tmp/bad.png"
expect_bad bad_extension "must end in .png, .pdf or .svg" "$tmp/s.csv" --metric vm.kern.share \
  -o "$tmp/bad.jpg"
expect_bad missing_dir "no/such/dir" "$tmp/s.csv" --metric vm.kern.share -o "$tmp/no/such/dir/x.png"
"$bin" sweep "$g" --grid params.credit.ratelimit=0,1ms --sched credit --duration 600ms \
  --csv "$tmp/rl.csv" || no "ratelimit sweep"
expect_bad log_zero "--logx: params.credit.ratelimit = 0 cannot be on a logarithmic axis" \
  "$tmp/rl.csv" --metric vm.kern.share --logx -o "$tmp/bad.png"
PATH=/nonexistent "$bin" plot "$tmp/s.csv" --metric vm.kern.share -o "$tmp/bad.png" 2>"$tmp/err"
[ $? -eq 2 ] && grep -q "needs gnuplot, which is not on PATH" "$tmp/err" || no "no gnuplot"

# outputs: an existing image is replaced; a link stays a link; a FIFO is
# written in place, never replaced; a directory is refused
echo old >"$tmp/keep.png"
ln -s keep.png "$tmp/link.png"
"$bin" plot "$tmp/c.csv" --metric vm.web.share -o "$tmp/link.png" || no "plot through a link"
[ -L "$tmp/link.png" ] && [ "$(magic "$tmp/keep.png" 4)" = "211PNG" ] || no "the link's target"
mkfifo "$tmp/fifo.png"
cat "$tmp/fifo.png" >"$tmp/from_fifo" &
reader=$!
"$bin" plot "$tmp/c.csv" --metric vm.web.share -o "$tmp/fifo.png" || no "plot into a FIFO"
wait $reader
[ -p "$tmp/fifo.png" ] && [ "$(magic "$tmp/from_fifo" 4)" = "211PNG" ] || no "the FIFO"
mkdir "$tmp/dir.png"
"$bin" plot "$tmp/c.csv" --metric vm.web.share -o "$tmp/dir.png" 2>"$tmp/err"
[ $? -eq 2 ] && [ -d "$tmp/dir.png" ] && [ ! -e "$tmp/dir.gp" ] || no "a directory as the image"
exit $fail
