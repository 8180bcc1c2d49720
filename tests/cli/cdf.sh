#!/usr/bin/env bash
# --cdf writes each latency distribution as non-decreasing CDF points that
# end at 1, on rows that name the run, and leaves the run unchanged.
set -u
bin=$1 src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
g="$src/scenarios/guest-mechanisms.yaml"
"$bin" run "$g" --duration 600ms --quiet --json "$tmp/a.json" --cdf "$tmp/c.csv" || exit 1
"$bin" run "$g" --duration 600ms --quiet --json "$tmp/b.json" || exit 1
cmp -s "$tmp/a.json" "$tmp/b.json" || { echo "FAIL: --cdf changed the run"; exit 1; }
python3 - "$tmp/c.csv" <<'PY' || exit 1
import csv, sys
rows = list(csv.DictReader(l for l in open(sys.argv[1]) if not l.startswith("#")))
assert rows, "no CDF rows"
assert {(r["scenario"], r["sched"], r["seed"]) for r in rows} == {("guest-mechanisms", "credit", "1")}
by = {}
for r in rows:
    by.setdefault(r["distribution"], []).append((int(r["value_ns"]), float(r["cdf"])))
assert any(k.endswith(".lock.zone.wait") for k in by), by.keys()
for name, pts in by.items():
    vals = [v for v, _ in pts]
    cdfs = [c for _, c in pts]
    assert vals == sorted(vals), name
    assert cdfs == sorted(cdfs) and 0 < cdfs[0], name
    assert abs(cdfs[-1] - 1.0) < 1e-9, (name, cdfs[-1])
PY

# compare --cdf and sweep --cdf: the rows of each run are those of run --cdf
# for that configuration (scenario, sched, seed first; a sweep's grid values
# last), in run order, the same bytes whatever -j is; --cdf changes no other
# output.
fail=0
rows() { grep -v '^#' "$@" | tail -n +2; } # past the provenance lines and the header
args=(--duration 600ms)
"$bin" compare "$g" --sched credit,cfs --seeds 2 "${args[@]}" --cdf "$tmp/c.cdf" \
  --csv "$tmp/c1.csv" >"$tmp/c1.txt" || fail=1
"$bin" compare "$g" --sched credit,cfs --seeds 2 "${args[@]}" --csv "$tmp/c2.csv" >"$tmp/c2.txt" || fail=1
cmp -s "$tmp/c1.csv" "$tmp/c2.csv" && cmp -s "$tmp/c1.txt" "$tmp/c2.txt" ||
  { echo "FAIL: compare --cdf changed the CSV or the table"; fail=1; }
[ "$(grep -v '^#' "$tmp/c.cdf" | head -1)" = "scenario,sched,seed,distribution,value_ns,cdf" ] ||
  { echo "FAIL: compare --cdf header"; fail=1; }
: >"$tmp/want.cdf"
for s in credit cfs; do
  for seed in 1 2; do
    "$bin" run "$g" --sched $s --seed $seed "${args[@]}" --quiet --cdf - | rows >>"$tmp/want.cdf" || fail=1
  done
done
rows "$tmp/c.cdf" | cmp -s - "$tmp/want.cdf" || { echo "FAIL: compare --cdf rows are not run --cdf's"; fail=1; }
[ "$(cut -d, -f2,3 "$tmp/want.cdf" | sort -u | wc -l)" -eq 4 ] || { echo "FAIL: not 4 runs' rows"; fail=1; }

grid=(--grid params.credit.tslice=10ms,30ms --sched credit,cfs --seeds 2 "${args[@]}")
"$bin" sweep "$g" "${grid[@]}" -j 1 --cdf "$tmp/s1.cdf" 2>/dev/null || fail=1
"$bin" sweep "$g" "${grid[@]}" -j 3 --cdf - --csv "$tmp/s3.csv" >"$tmp/s3.cdf" 2>/dev/null || fail=1
cmp -s "$tmp/s1.cdf" "$tmp/s3.cdf" || { echo "FAIL: sweep --cdf differs between -j 1 and -j 3"; fail=1; }
[ "$(grep -v '^#' "$tmp/s1.cdf" | head -1)" = "scenario,sched,seed,distribution,value_ns,cdf,params.credit.tslice" ] ||
  { echo "FAIL: sweep --cdf header"; fail=1; }
cmp -s <(grep '^#' "$tmp/s1.cdf") <(grep '^#' "$tmp/s3.csv") ||
  { echo "FAIL: sweep --cdf and --csv have different provenance lines"; fail=1; }
: >"$tmp/want.cdf"
for ts in 10ms 30ms; do
  for s in credit cfs; do
    for seed in 1 2; do
      "$bin" run "$g" --set params.credit.tslice=$ts --sched $s --seed $seed "${args[@]}" --quiet \
        --cdf - | rows | sed "s/\$/,$ts/" >>"$tmp/want.cdf" || fail=1
    done
  done
done
rows "$tmp/s1.cdf" | cmp -s - "$tmp/want.cdf" || { echo "FAIL: sweep --cdf rows are not run --cdf's"; fail=1; }
exit $fail
