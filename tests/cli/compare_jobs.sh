#!/usr/bin/env bash
# compare -j N: the runs go to N worker processes, and every output (the
# table, --csv, --json, --cdf, with --solo's extra runs) is the same bytes
# as with -j 1; the progress line counts every run; a run that fails stops
# compare with exit status 1 and nothing written, a policy refusing the
# scenario with exit status 2; -j 0 is refused.
set -u
bin=$1 src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
args=("$src/scenarios/guest-mechanisms.yaml" --sched credit,cfs,fifo --seeds 2 --duration 800ms)
for j in 1 3; do
  "$bin" compare "${args[@]}" -j $j --csv "$tmp/j$j.csv" --json "$tmp/j$j.json" \
    --cdf "$tmp/j$j.cdf" >"$tmp/j$j.txt" || fail=1
  "$bin" compare "${args[@]}" --jobs $j --solo --csv "$tmp/s$j.csv" >/dev/null || fail=1
done
for f in j1.csv j1.json j1.cdf j1.txt s1.csv; do
  [ -s "$tmp/$f" ] || { echo "FAIL: $f is empty"; fail=1; }
  cmp -s "$tmp/$f" "$tmp/${f/1/3}" || { echo "FAIL: $f differs between -j 1 and -j 3"; fail=1; }
done
grep -q ',fifo,2,weighted_speedup,' "$tmp/s3.csv" || { echo "FAIL: --solo rows missing"; fail=1; }
[ "$(grep -c '^# config: ' "$tmp/j3.csv")" = 3 ] || { echo "FAIL: not one config line per policy"; fail=1; }

if command -v script >/dev/null; then
  env -u CI script -qec "'$bin' compare ${args[*]} -j 2 >'$tmp/table'" /dev/null >"$tmp/tty" || fail=1
  grep -qa $'\rcompare: 6/6 runs, .* elapsed, ETA' "$tmp/tty" ||
    { echo "FAIL: no progress line with -j 2:"; od -c "$tmp/tty" | head; fail=1; }
  cmp -s "$tmp/j1.txt" "$tmp/table" || { echo "FAIL: the progress line changed the table"; fail=1; }
else
  echo "SKIP: no script(1) to give compare a terminal"
fi

# a run that fails (two hogs on one pCPU trip a 5 ms watchdog under credit)
cat >"$tmp/starve.yaml" <<'Y'
host: {pcpus: 1, watchdog: 5ms}
vms:
  - {name: a, vcpus: 2, workloads: [{type: cpu, tasks: 2}]}
run: {duration: 1s}
Y
"$bin" compare "$tmp/starve.yaml" --sched cfs,credit --seeds 2 -j 2 --csv "$tmp/f.csv" \
  >"$tmp/out" 2>"$tmp/err"
rc=$?
[ $rc -eq 1 ] && grep -q "^vcpulab: policy 'credit', hook watchdog, at t=" "$tmp/err" &&
  [ ! -e "$tmp/f.csv" ] && [ ! -s "$tmp/out" ] ||
  { echo "FAIL: a failed run (exit $rc):"; cat "$tmp/err"; fail=1; }
# a policy refusing the scenario (quest's admission test)
printf 'host: {pcpus: 1}\nvms:\n' >"$tmp/admission.yaml"
for v in a b c d; do echo "  - {name: $v, vcpus: 1, workloads: [{type: cpu}]}" >>"$tmp/admission.yaml"; done
echo "run: {duration: 1s}" >>"$tmp/admission.yaml"
"$bin" compare "$tmp/admission.yaml" --sched credit,quest -j 2 >/dev/null 2>"$tmp/err"
rc=$?
[ $rc -eq 2 ] && grep -q "rate-monotonic bound" "$tmp/err" ||
  { echo "FAIL: a refused scenario (exit $rc):"; cat "$tmp/err"; fail=1; }
"$bin" compare "${args[@]}" -j 0 2>"$tmp/err"
[ $? -eq 2 ] && grep -q "^vcpulab: -j 0: expected an integer in 1..1024" "$tmp/err" ||
  { echo "FAIL: -j 0 accepted"; fail=1; }
exit $fail
