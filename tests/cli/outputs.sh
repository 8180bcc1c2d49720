#!/usr/bin/env bash
# Outputs (docs/output-format.md, "Where outputs go"): a FIFO and a device
# are written in place and stay what they were, a link stays a link, bad
# paths are refused before any simulation (exit 2, nothing written), one
# failing output means none is written, every write to standard output is
# checked (exit 1), and a run stopped by a signal leaves nothing behind.
set -u
bin=$1 src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
s="$src/scenarios/baseline.yaml"
short=(--duration 1500ms --quiet)
no() { echo "FAIL: $*"; fail=1; }

# a FIFO: written in place, still a FIFO, its reader gets the JSON
mkfifo "$tmp/fifo"
cat "$tmp/fifo" >"$tmp/from-fifo" &
reader=$!
"$bin" run "$s" "${short[@]}" --json "$tmp/fifo" || no "run --json FIFO"
wait $reader
[ -p "$tmp/fifo" ] || no "the FIFO was replaced"
grep -q '"vcpulab"' "$tmp/from-fifo" || no "the FIFO's reader got no JSON"

# a character device: written in place (a scratch copy of /dev/null where
# mknod is allowed; /dev/null itself otherwise, checked to stay a device)
if mknod "$tmp/null" c 1 3 2>/dev/null; then dev="$tmp/null"; else dev=/dev/null; fi
"$bin" run "$s" "${short[@]}" --json "$dev" --csv "$dev.csv" || no "run --json $dev"
[ -c "$dev" ] || no "$dev is no longer a character device"
[ -s "$dev.csv" ] || no "the CSV beside the device output was not written"

# a link to a file: the link stays, its target gets the output
echo old >"$tmp/real.json"
ln -s real.json "$tmp/link.json"
"$bin" run "$s" "${short[@]}" --json "$tmp/link.json" || no "run --json LINK"
[ -L "$tmp/link.json" ] || no "the link was replaced"
grep -q '"vcpulab"' "$tmp/real.json" || no "the link's target did not get the JSON"

# refused before any run: exit 2, a message naming the option, nothing made
ln -s nowhere "$tmp/dangling"
for bad in "$tmp" "$tmp/nodir/x.json" "$tmp/dangling"; do
  "$bin" run "$s" --duration 1000s --quiet --json "$bad" 2>"$tmp/err"
  rc=$?
  [ $rc -eq 2 ] && grep -q "^vcpulab: --json $bad: " "$tmp/err" ||
    { no "--json $bad: exit $rc"; cat "$tmp/err"; }
done
[ ! -e "$tmp/nowhere" ] || no "the dangling link's target was created"
"$bin" run "$s" --duration 1000s --quiet --json "$tmp/same" --csv "$tmp/./same" 2>"$tmp/err"
[ $? -eq 2 ] && grep -q "the same file as --json" "$tmp/err" || no "the same file twice"
"$bin" sweep "$s" --grid run.seed=1,2 --duration 1000s --csv "$tmp/s.csv" \
  --plot vm.web.share --plot-out "$tmp/nodir/p.png" 2>"$tmp/err"
[ $? -eq 2 ] && grep -q "^vcpulab: --plot-out $tmp/nodir/p.png: no such directory" "$tmp/err" ||
  { no "sweep --plot-out into a missing directory"; cat "$tmp/err"; }
[ ! -e "$tmp/s.csv" ] || no "the refused sweep wrote its CSV"

# compare --cdf and sweep --cdf: a FIFO written in place; paths refused
# before any run (exit 2, nothing written); one output per path
cat "$tmp/fifo" >"$tmp/from-fifo" &
reader=$!
"$bin" compare "$s" --sched credit,cfs --duration 1500ms --cdf "$tmp/fifo" >/dev/null ||
  no "compare --cdf FIFO"
wait $reader
[ -p "$tmp/fifo" ] && grep -q '^scenario,sched,seed,distribution' "$tmp/from-fifo" ||
  no "compare --cdf into a FIFO"
"$bin" compare "$s" --sched credit,cfs --duration 1000s --csv "$tmp/c.csv" \
  --cdf "$tmp/nodir/c.cdf" 2>"$tmp/err"
[ $? -eq 2 ] && grep -q "^vcpulab: --cdf $tmp/nodir/c.cdf: no such directory" "$tmp/err" ||
  { no "compare --cdf into a missing directory"; cat "$tmp/err"; }
[ ! -e "$tmp/c.csv" ] || no "the refused compare wrote its CSV"
"$bin" sweep "$s" --grid run.seed=1,2 --duration 1000s --csv "$tmp/s.csv" --cdf "$tmp/./s.csv" \
  2>"$tmp/err"
[ $? -eq 2 ] && grep -q "the same file as --csv" "$tmp/err" || { no "sweep --cdf, --csv: one file"; cat "$tmp/err"; }
"$bin" sweep "$s" --grid run.seed=1,2 --duration 1000s --csv - --cdf - 2>"$tmp/err" >"$tmp/out"
[ $? -eq 2 ] && [ ! -s "$tmp/out" ] || { no "sweep --csv - --cdf -"; cat "$tmp/err"; }

# sweep --summary: the same rules
cat "$tmp/fifo" >"$tmp/from-fifo" &
reader=$!
ln -s fifo "$tmp/fifo.json"
"$bin" sweep "$s" --grid run.seed=1,2 --duration 1500ms --summary "$tmp/fifo.json" || no "--summary FIFO"
wait $reader
[ -p "$tmp/fifo" ] && grep -q '"groups"' "$tmp/from-fifo" || no "sweep --summary into a FIFO"
"$bin" sweep "$s" --grid run.seed=1,2 --duration 1000s --csv "$tmp/s.csv" \
  --summary "$tmp/nodir/s.csv" 2>"$tmp/err"
[ $? -eq 2 ] && grep -q "^vcpulab: --summary $tmp/nodir/s.csv: no such directory" "$tmp/err" &&
  [ ! -e "$tmp/s.csv" ] || { no "sweep --summary into a missing directory"; cat "$tmp/err"; }

# all or none: the JSON is not written when the CSV cannot be
if [ -w /dev/full ]; then
  echo old >"$tmp/keep.json"
  "$bin" run "$s" "${short[@]}" --json "$tmp/keep.json" --csv /dev/full 2>"$tmp/err"
  rc=$?
  [ $rc -eq 1 ] && grep -q "^vcpulab: --csv /dev/full: cannot write" "$tmp/err" || no "--csv /dev/full: exit $rc"
  [ "$(cat "$tmp/keep.json")" = old ] || no "keep.json was replaced although --csv failed"
  echo old >"$tmp/keep.csv"
  "$bin" sweep "$s" --grid run.seed=1,2 --duration 1500ms --csv "$tmp/keep.csv" --cdf /dev/full \
    2>"$tmp/err"
  rc=$?
  [ $rc -eq 1 ] && grep -q "^vcpulab: --cdf /dev/full: cannot write" "$tmp/err" || no "sweep --cdf /dev/full: exit $rc"
  [ "$(cat "$tmp/keep.csv")" = old ] || no "keep.csv was replaced although sweep --cdf failed"
  "$bin" sweep "$s" --grid run.seed=1,2 --duration 1500ms --csv "$tmp/keep.csv" --summary - \
    >/dev/full 2>"$tmp/err"
  rc=$?
  [ $rc -eq 1 ] && grep -q "standard output: write error" "$tmp/err" || no "sweep --summary - >/dev/full: exit $rc"
  [ "$(cat "$tmp/keep.csv")" = old ] || no "keep.csv was replaced although --summary failed"

  # standard output: every command's writes are checked
  while read -r cmd; do
    eval "\"\$bin\" $cmd" >/dev/full 2>"$tmp/err"
    rc=$?
    [ $rc -eq 1 ] && grep -q "standard output: write error" "$tmp/err" ||
      { no "'$cmd' > /dev/full: exit $rc"; cat "$tmp/err"; }
  done <<EOF
run "$s" --duration 1500ms
run "$s" --duration 1500ms --json -
run "$s" --duration 1500ms --csv -
compare "$s" --sched credit,cfs --duration 1500ms
compare "$s" --sched credit,cfs --duration 1500ms --json -
compare "$s" --sched credit,cfs --duration 1500ms --cdf -
sweep "$s" --grid run.seed=1,2 --duration 1500ms --cdf -
sweep "$s" --grid run.seed=1,2 --duration 1500ms --csv -
validate "$s"
list policies
describe credit
--help
EOF
fi

# a run stopped by a signal leaves no file at all (env gives the background
# job back the default SIGINT, which a script's `&` ignores)
for sig in INT TERM; do
  env --default-signal=INT "$bin" run "$s" --duration 1000s --quiet --json "$tmp/sig.json" \
    --trace "$tmp/sig.trace" &
  pid=$!
  sleep 0.5
  kill -s $sig $pid
  wait $pid
  rc=$?
  [ $rc -gt 128 ] || no "SIG$sig did not stop the run (exit $rc)"
  left=$(ls "$tmp" | grep -c '^sig\.')
  [ "$left" -eq 0 ] || { no "SIG$sig left $left file(s)"; ls "$tmp"; }
done
exit $fail
