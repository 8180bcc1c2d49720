#!/usr/bin/env bash
# A sweep spread over machines (docs/sweeps.md, "Large studies"): `sweep
# --list` gives the runs in run order, one JSON object a line; `--shard K/N`
# runs shard K's configurations; `vcpulab merge` of every shard's --csv,
# --cdf, --summary (CSV and JSON) and --json gives the unsharded sweep's
# file byte for byte; `--resume` skips a shard whose outputs are complete
# and reruns one whose file was cut or belongs to another shard; a shard
# that does not end writes nothing; merge refuses a missing, repeated or
# foreign shard.
set -u
bin=$1 src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. "$src/tests/support/sweep_kill.sh"
fail=0
s="$src/scenarios/baseline.yaml"
# 3 grid points x 2 policies x 2 seeds: 6 configurations in 4 shards (1, 2, 1, 2)
args=(--grid params.credit.tslice=10ms,30ms,50ms --sched credit,cfs --seeds 2 --duration 1500ms -j 2)
outs() { echo --csv "$1.csv" --cdf "$1.cdf.csv" --summary "$1.sum.csv" --json "$1.json"; }
"$bin" sweep "$s" "${args[@]}" $(outs "$tmp/all") 2>/dev/null || fail=1
"$bin" sweep "$s" "${args[@]}" --summary "$tmp/all.sum.json" 2>/dev/null || fail=1
for k in 1 2 3 4; do
  "$bin" sweep "$s" "${args[@]}" --shard $k/4 $(outs "$tmp/s$k") 2>/dev/null || fail=1
  "$bin" sweep "$s" "${args[@]}" --shard $k/4 --summary "$tmp/s$k.sum.json" 2>/dev/null || fail=1
done
grep -qx '# shard: 2/4' "$tmp/s2.csv" || { echo "FAIL: no shard line in shard 2's CSV"; fail=1; }
for ext in csv cdf.csv sum.csv sum.json json; do
  "$bin" merge -o "$tmp/m.$ext" "$tmp/s3.$ext" "$tmp/s1.$ext" "$tmp/s4.$ext" "$tmp/s2.$ext" ||
    { echo "FAIL: merge of the .$ext shards"; fail=1; }
  cmp -s "$tmp/m.$ext" "$tmp/all.$ext" || { echo "FAIL: merged .$ext differs from the sweep's"; fail=1; }
done

# the run list: every run once, in run order; the shards' lists make it up;
# a listed command is the run (its rows are the sweep's)
"$bin" sweep "$s" "${args[@]}" --list >"$tmp/list" 2>/dev/null || fail=1
for k in 1 2 3 4; do "$bin" sweep "$s" "${args[@]}" --shard $k/4 --list 2>/dev/null; done >"$tmp/shards.list"
cmp -s "$tmp/list" "$tmp/shards.list" || { echo "FAIL: the shards' lists are not the run list"; fail=1; }
python3 - "$tmp/list" "$tmp/all.json" <<'PY' || { echo "FAIL: --list"; fail=1; }
import json, sys
runs = [json.loads(l) for l in open(sys.argv[1])]
swept = json.load(open(sys.argv[2]))
assert [r["run"] for r in runs] == list(range(12)), runs
for r, w in zip(runs, swept):
    assert (r["sched"], r["seed"], r["grid"], r["scenario"]) == (w["sched"], w["seed"], w["grid"], w["scenario"]), (r, w)
assert runs[7]["command"].endswith("--sched cfs --seed 2 --duration 1500ms --set params.credit.tslice=30ms"), runs[5]
PY
cmd=$(python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).readlines()[7])["command"])' "$tmp/list")
cmd=${cmd#vcpulab }
eval "\"$bin\" $cmd --quiet --csv \"$tmp/one.csv\"" || fail=1
diff <(grep -v '^#' "$tmp/one.csv" | tail -n +2) \
     <(grep '^baseline,cfs,2,.*,30ms$' "$tmp/all.csv" | sed 's/,30ms$//') >/dev/null ||
  { echo "FAIL: the listed command's rows differ from the sweep's run 7"; fail=1; }

# --resume: a complete shard is not run again ...
cp "$tmp/s2.csv" "$tmp/keep.csv"
touch -d '2000-01-01' "$tmp/s2.csv"
"$bin" sweep "$s" "${args[@]}" --shard 2/4 $(outs "$tmp/s2") --resume 2>"$tmp/err" || fail=1
grep -q 'shard 2/4: its outputs are complete; nothing to run' "$tmp/err" &&
  [ "$(stat -c %Y "$tmp/s2.csv")" = "$(date -d 2000-01-01 +%s)" ] ||
  { echo "FAIL: --resume ran a complete shard"; cat "$tmp/err"; fail=1; }
# ... one whose CSV lost its last line, or whose --json is another shard's, is
for damage in "head -n -1 $tmp/keep.csv >$tmp/s2.csv" "cp $tmp/s4.json $tmp/s2.json"; do
  eval "$damage"
  "$bin" sweep "$s" "${args[@]}" --shard 2/4 $(outs "$tmp/s2") --resume 2>"$tmp/err" || fail=1
  ! grep -q 'nothing to run' "$tmp/err" && cmp -s "$tmp/s2.csv" "$tmp/keep.csv" ||
    { echo "FAIL: --resume trusted a damaged shard ($damage)"; fail=1; }
done
"$bin" merge "$tmp"/s[1-4].json | cmp -s - "$tmp/all.json" || { echo "FAIL: merge after resume"; fail=1; }

# a shard whose run fails (its worker killed; -j 1: no other run to wait
# for) writes nothing, exit 1
"$bin" sweep "$src/scenarios/guest-mechanisms.yaml" --grid params.credit.tslice=10ms,30ms --seeds 2 \
  --duration 150s -j 1 --shard 2/2 --csv "$tmp/killed.csv" 2>"$tmp/err" &
kill_a_worker $!
rc=$?
[ $rc -eq 1 ] && [ ! -e "$tmp/killed.csv" ] &&
  grep -q 'a shard writes nothing unless it ends' "$tmp/err" ||
  { echo "FAIL: a failed shard: exit $rc, file $(ls "$tmp/killed.csv" 2>&1)"; cat "$tmp/err"; fail=1; }

# refusals (exit 2, nothing written): a missing shard, a repeated one, an
# unsharded file, a shard past the configurations, --plot or --resume alone
expect2() {
  local what=$1; shift
  "$@" >/dev/null 2>"$tmp/err"
  local rc=$?
  [ $rc -eq 2 ] || { echo "FAIL: $what: exit $rc, expected 2"; cat "$tmp/err"; fail=1; }
}
expect2 "a missing shard" "$bin" merge -o "$tmp/bad.csv" "$tmp/s1.csv" "$tmp/s2.csv" "$tmp/s3.csv"
expect2 "a repeated shard" "$bin" merge -o "$tmp/bad.csv" "$tmp/s1.csv" "$tmp/s2.csv" "$tmp/s2.csv" "$tmp/s4.csv"
expect2 "an unsharded file" "$bin" merge -o "$tmp/bad.csv" "$tmp/all.csv"
expect2 "CSV and JSON shards" "$bin" merge -o "$tmp/bad.csv" "$tmp/s1.csv" "$tmp/s2.json" "$tmp/s3.csv" "$tmp/s4.csv"
expect2 "shard 7 of 7 configurations" "$bin" sweep "$s" "${args[@]}" --shard 7/7 --csv "$tmp/bad.csv"
expect2 "--shard 0/4" "$bin" sweep "$s" "${args[@]}" --shard 0/4 --csv "$tmp/bad.csv"
expect2 "--resume without --shard" "$bin" sweep "$s" "${args[@]}" --resume --csv "$tmp/bad.csv"
[ ! -e "$tmp/bad.csv" ] || { echo "FAIL: a refused command wrote its output"; fail=1; }
exit $fail
