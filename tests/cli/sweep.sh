#!/usr/bin/env bash
# `vcpulab sweep`: the same bytes whatever -j is; each run's rows are the
# rows `run --set KEY=VALUE` gives for that configuration (so the grid is
# applied and nothing is lost or duplicated); the JSON matches the CSV;
# bad --grid input fails before any run; -j must be positive.
set -u
bin=$1 src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
g="$src/scenarios/guest-mechanisms.yaml"
grid=(--grid params.credit.tslice=10ms,30ms --grid host.pcpus=2,4 --sched credit,cfs --seeds 2
      --duration 600ms)

"$bin" sweep "$g" "${grid[@]}" -j 1 --csv "$tmp/j1.csv" --json "$tmp/j1.json" || fail=1
"$bin" sweep "$g" "${grid[@]}" -j 2 --csv "$tmp/j2.csv" --json "$tmp/j2.json" || fail=1
"$bin" sweep "$g" "${grid[@]}" -j 3 --csv - >"$tmp/j3.csv" || fail=1
cmp -s "$tmp/j1.csv" "$tmp/j2.csv" || { echo "FAIL: -j 1 and -j 2 give different CSV"; fail=1; }
cmp -s "$tmp/j1.csv" "$tmp/j3.csv" || { echo "FAIL: -j 1 and -j 3 (stdout) give different CSV"; fail=1; }
cmp -s "$tmp/j1.json" "$tmp/j2.json" || { echo "FAIL: -j 1 and -j 2 give different JSON"; fail=1; }
rows() { grep -v "^#" "$@"; } # the CSV without its provenance lines
[ "$(rows "$tmp/j1.csv" | head -1)" = "scenario,sched,seed,metric,value,params.credit.tslice,host.pcpus" ] ||
  { echo "FAIL: CSV header: $(rows "$tmp/j1.csv" | head -1)"; fail=1; }

# The cross product in run order (first key slowest, seed fastest); each
# run's rows are exactly `run`'s rows for that configuration.
: >"$tmp/want.csv"
for ts in 10ms 30ms; do
  for p in 2 4; do
    for s in credit cfs; do
      for seed in 1 2; do
        "$bin" run "$g" --set params.credit.tslice=$ts --set host.pcpus=$p --sched $s \
          --seed $seed --duration 600ms --quiet --csv - | rows | tail -n +2 | sed "s/\$/,$ts,$p/" \
          >>"$tmp/want.csv" || fail=1
      done
    done
  done
done
rows "$tmp/j1.csv" | tail -n +2 | cmp -s - "$tmp/want.csv" ||
  { echo "FAIL: sweep rows differ from the runs' rows"; diff <(rows "$tmp/j1.csv" | tail -n +2) "$tmp/want.csv" | head -5; fail=1; }
# the grid value matters: credit's 10ms and 30ms runs differ
a=$(grep '^guest-mechanisms,credit,1,.*,10ms,4$' "$tmp/j1.csv" | cut -d, -f4,5)
b=$(grep '^guest-mechanisms,credit,1,.*,30ms,4$' "$tmp/j1.csv" | cut -d, -f4,5)
[ -n "$a" ] && [ "$a" != "$b" ] || { echo "FAIL: tslice 10ms and 30ms gave the same rows"; fail=1; }

python3 - "$tmp/j1.json" "$tmp/j1.csv" <<'PY' || { echo "FAIL: JSON does not match the CSV"; fail=1; }
import csv, json, sys
runs = json.load(open(sys.argv[1]))
rows = list(csv.DictReader(l for l in open(sys.argv[2]) if not l.startswith("#")))
assert len(runs) == 16, len(runs)
assert [r["run"] for r in runs] == list(range(16))
flat = []
for r in runs:
    assert set(r) == {"run", "vcpulab", "commit", "scenario", "grid", "sched", "seed", "config",
                      "metrics"}, r.keys()
    assert list(r["grid"]) == ["params.credit.tslice", "host.pcpus"]
    for name, value in r["metrics"].items():
        flat.append((r["sched"], str(r["seed"]), r["grid"]["params.credit.tslice"],
                     r["grid"]["host.pcpus"], name, float(value)))
want = [(x["sched"], x["seed"], x["params.credit.tslice"], x["host.pcpus"], x["metric"],
         float(x["value"])) for x in rows]
assert flat == want, (flat[:3], want[:3])
assert runs[0]["grid"] == {"params.credit.tslice": "10ms", "host.pcpus": "2"}
assert runs[-1]["grid"] == {"params.credit.tslice": "30ms", "host.pcpus": "4"}
assert [r["sched"] for r in runs[:4]] == ["credit", "credit", "cfs", "cfs"]
assert [r["seed"] for r in runs[:4]] == [1, 2, 1, 2]
PY

# A value holding commas inside braces is one value, and is quoted in the CSV.
"$bin" sweep "$g" --duration 600ms -j 2 --csv "$tmp/flow.csv" \
  --grid 'vms.kern.workloads.barrier.work={dist: exponential, mean: 100us},{dist: exponential, mean: 1ms}' ||
  fail=1
# (metrics with no samples are left out, so compare one every run has)
n=$(grep -c ',vm\.kern\.share,.*,"{dist: exponential, mean: 100us}"$' "$tmp/flow.csv")
m=$(grep -c ',vm\.kern\.share,.*,"{dist: exponential, mean: 1ms}"$' "$tmp/flow.csv")
[ "$n" -gt 0 ] && [ "$n" = "$m" ] || { echo "FAIL: flow values: $n and $m rows"; fail=1; }

expect_bad() { # name, expected stderr pattern, args...
  local name=$1 pattern=$2; shift 2
  "$bin" sweep "$@" >"$tmp/stdout" 2>"$tmp/stderr"
  local rc=$?
  [ $rc -eq 2 ] || { echo "FAIL $name: exit $rc, want 2"; fail=1; }
  grep -qE -e "$pattern" "$tmp/stderr" ||
    { echo "FAIL $name: stderr does not match '$pattern':"; cat "$tmp/stderr"; fail=1; }
  [ "$(wc -l <"$tmp/stderr")" -eq 1 ] || { echo "FAIL $name: not one line"; cat "$tmp/stderr"; fail=1; }
  # nothing ran: no row reached standard output, no file was left
  [ ! -s "$tmp/stdout" ] || { echo "FAIL $name: output before the error"; fail=1; }
  ! ls "$tmp" | grep -q "^bad" || { echo "FAIL $name: output file left behind"; fail=1; }
}
# the bad value is the second one: validation comes before the first run
expect_bad bad_key "^vcpulab: --grid:2:15: unknown key 'nosuch' in params.credit" \
  "$g" --grid host.pcpus=2,4 --grid params.credit.nosuch=1 --csv - --json "$tmp/bad.json"
expect_bad bad_value "^vcpulab: --grid:1:27: params.credit.tslice: must be in 1ms..1s, got '2s'" \
  "$g" --grid params.credit.tslice=10ms,2s --csv - --json "$tmp/bad.json"
expect_bad bad_element "^vcpulab: --grid:1:5: cannot apply: 'vms' has no element 'nosuch'" \
  "$g" --grid vms.nosuch.weight=256 --csv -
expect_bad warmup "guest-mechanisms.yaml:[0-9]+:[0-9]+: run.warmup: .* \(at --grid run.duration=400ms\)" \
  "$g" --grid run.duration=1s,400ms --csv -
expect_bad empty_value "--grid host.pcpus=2,,4: empty value at column 14" "$g" --grid host.pcpus=2,,4 --csv -
expect_bad no_value "--grid host.pcpus: expected KEY=V1,V2" "$g" --grid host.pcpus --csv -
expect_bad jobs_zero "-j 0: expected an integer in 1\.\." "$g" --grid host.pcpus=2 -j 0 --csv -
expect_bad jobs_negative "-j -2: expected an integer in 1\.\." "$g" --grid host.pcpus=2 -j -2 --csv -
expect_bad jobs_long "--jobs 0: expected an integer" "$g" --grid host.pcpus=2 --jobs 0 --csv -
expect_bad no_grid "at least one --grid" "$g" --csv -
expect_bad no_output "nothing to write" "$g" --grid host.pcpus=2
expect_bad conflict "--grid run.duration: --duration sets the same value" \
  "$g" --grid run.duration=1s,2s --duration 3s --csv -
expect_bad sched "unknown policy 'nosuch'" "$g" --grid host.pcpus=2 --sched credit,nosuch --csv -

# A grid key setting one policy's parameters: a warning, once per key and
# other policy swept (a VM's parameters too), none for the policy it belongs to.
"$bin" sweep "$src/scenarios/baseline.yaml" --grid vms.web.params.cfs.shares=512,2048 \
  --grid params.credit.tslice=10ms,30ms --sched credit,cfs,fifo --seeds 2 --duration 1200ms -j 2 \
  --csv "$tmp/foreign.csv" 2>"$tmp/stderr" || fail=1
cat >"$tmp/want.err" <<'EOF'
vcpulab: warning: --grid vms.web.params.cfs.shares: credit's runs ignore it (a parameter of cfs)
vcpulab: warning: --grid params.credit.tslice: cfs's runs ignore it (a parameter of credit)
vcpulab: warning: --grid vms.web.params.cfs.shares: fifo's runs ignore it (a parameter of cfs)
vcpulab: warning: --grid params.credit.tslice: fifo's runs ignore it (a parameter of credit)
EOF
cmp -s "$tmp/stderr" "$tmp/want.err" || { echo "FAIL: foreign-key warnings:"; cat "$tmp/stderr"; fail=1; }
"$bin" sweep "$src/scenarios/baseline.yaml" --grid params.credit.tslice=10ms,30ms --sched credit \
  --duration 1200ms --csv "$tmp/own.csv" 2>"$tmp/stderr" || fail=1
[ ! -s "$tmp/stderr" ] || { echo "FAIL: a warning for the key's own policy:"; cat "$tmp/stderr"; fail=1; }

# Output files get the mode the umask gives (not mkstemp's 0600).
(umask 022 && "$bin" sweep "$g" --grid host.pcpus=2 --duration 600ms --csv "$tmp/mode.csv" &&
  "$bin" run "$g" --duration 600ms --quiet --json "$tmp/mode.json") || fail=1
[ "$(stat -c %a "$tmp/mode.csv") $(stat -c %a "$tmp/mode.json")" = "644 644" ] ||
  { echo "FAIL: output file modes: $(stat -c %a "$tmp/mode.csv" "$tmp/mode.json")"; fail=1; }

"$bin" sweep --help | grep -q "usage: vcpulab sweep" || { echo "FAIL: sweep --help"; fail=1; }
exit $fail
