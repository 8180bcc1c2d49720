#!/usr/bin/env bash
# SIGINT during a sweep keeps the runs that finished: complete rows only (in
# run order), a valid JSON array of those runs, no temporary file, exit 130
# and one line saying how many runs finished.  SIGTERM likewise (143).
# A worker killed under the sweep stops it with exit status 1.
set -u
bin=$1 src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. "$src/tests/support/sweep_kill.sh"
set -m # background jobs get SIGINT delivered, not ignored
fail=0
g="$src/scenarios/guest-mechanisms.yaml"
# 20 runs of a few tenths of a second each: the sweep is still busy when
# the first rows appear
args=(--grid params.credit.tslice=30ms --seeds 20 --duration 60s -j 2)

interrupt() { # signal, expected status
  local sig=$1 want=$2
  rm -f "$tmp"/out.*
  "$bin" sweep "$g" "${args[@]}" --csv - --json "$tmp/out.json" --summary "$tmp/out.sum.csv" \
    >"$tmp/out.csv" 2>"$tmp/out.err" &
  local pid=$! i
  # until the first run's rows are out: a few tenths of a second in a
  # release build, tens of seconds under a sanitizer on a loaded machine
  for i in $(seq 6000); do # (5 minutes at most)
    [ "$(grep -vc "^#" "$tmp/out.csv")" -ge 2 ] && break
    kill -0 $pid 2>/dev/null || break
    sleep 0.05
  done
  kill -"$sig" $pid
  wait $pid
  local rc=$?
  [ $rc -eq "$want" ] || { echo "FAIL $sig: exit $rc, want $want"; cat "$tmp/out.err"; fail=1; }
  grep -qE '^vcpulab: sweep interrupted: [0-9]+ of 20 runs finished' "$tmp/out.err" &&
    [ "$(wc -l <"$tmp/out.err")" -eq 1 ] ||
    { echo "FAIL $sig: message:"; cat "$tmp/out.err"; fail=1; }
  ls "$tmp" | grep -q tmp && { echo "FAIL $sig: temporary file left behind"; ls "$tmp"; fail=1; }
  local n
  n=$(sed -n 's/.*interrupted: \([0-9]*\) of.*/\1/p' "$tmp/out.err")
  python3 - "$tmp/out.csv" "$tmp/out.json" "${n:-0}" <<'PY' || { echo "FAIL $sig: rows"; fail=1; }
import csv, json, sys
text = open(sys.argv[1]).read()
n = int(sys.argv[3])
assert 1 <= n < 20, f"{n} runs finished"
assert text.endswith("\n"), "last row incomplete"
rows = list(csv.reader(l for l in text.splitlines() if not l.startswith("#")))
assert rows[0] == ["scenario", "sched", "seed", "metric", "value", "params.credit.tslice"]
assert all(len(r) == 6 for r in rows[1:]), "a row with missing fields"
seeds = [int(r[2]) for r in rows[1:]]
assert seeds == sorted(seeds), "rows not in run order"
assert len(set(seeds)) == n, (set(seeds), n)
per = {s: seeds.count(s) for s in set(seeds)}
assert len(set(per.values())) == 1, per  # every run complete, same metrics
runs = json.load(open(sys.argv[2]))
assert [r["seed"] for r in runs] == sorted(set(seeds)), "JSON runs differ from CSV runs"
# the summary: the one group, over the runs that finished
summ = list(csv.DictReader(l for l in open(sys.argv[1][:-4] + ".sum.csv") if not l.startswith("#")))
assert summ and all(int(s["n"]) <= n for s in summ), "summary n"
share = [s for s in summ if s["metric"].endswith(".share")]
assert share and all(int(s["n"]) == n for s in share), ("summary of the finished runs", share[:1], n)
PY
}
interrupt INT 130
interrupt TERM 143

# A worker that dies stops the sweep: the runs that finished are kept, the
# failed run is named, exit status 1.
rm -f "$tmp"/out.*
"$bin" sweep "$g" "${args[@]}" --csv "$tmp/out.csv" 2>"$tmp/out.err" &
kill_a_worker $!
rc=$?
[ $rc -eq 1 ] || { echo "FAIL kill: exit $rc, want 1"; fail=1; }
grep -qE '^vcpulab: sweep: run [0-9]+: its worker was killed by signal 9' "$tmp/out.err" &&
  grep -qE '^vcpulab: sweep stopped: run [0-9]+ \(params.credit.tslice=30ms sched=credit seed=[0-9]+\) failed; [0-9]+ of 20 runs finished' \
    "$tmp/out.err" || { echo "FAIL kill: message:"; cat "$tmp/out.err"; fail=1; }
[ -s "$tmp/out.csv" ] && [ "$(tail -c 1 "$tmp/out.csv")" = "" ] || { echo "FAIL kill: no complete CSV"; fail=1; }
exit $fail
