#!/usr/bin/env bash
# The trace (docs/output-format.md, "run --trace"): valid JSON whose first
# key is traceEvents; pCPU and runstate tracks whose slices never overlap,
# runstates covering every vCPU's whole run; guest slices that nest; IPI
# flows that pair up and sit on the runstate slices; a window that clips
# exactly the full trace's intervals; `--trace -` on standard output (then
# without the summary table), byte-identical to the file; under tavs, a
# boost track per boosted vCPU whose slices never overlap and add up to
# the report's boost_truth.
set -u
bin=$1 src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
s="$src/scenarios/baseline.yaml"
g="$src/scenarios/guest-mechanisms.yaml"
"$bin" run "$s" --duration 1500ms --quiet --trace "$tmp/t.json" || exit 1
"$bin" run "$s" --duration 1500ms --trace - >"$tmp/stdout.json" || exit 1
"$bin" run "$g" --duration 600ms --quiet --trace "$tmp/g.json" || exit 1
"$bin" run "$g" --duration 600ms --quiet --trace "$tmp/gw.json" --trace-window 200ms,350ms || exit 1
head -c 16 "$tmp/t.json" | grep -q '^{"traceEvents":\[' || { echo "FAIL: traceEvents is not the first key"; fail=1; }
cmp -s "$tmp/t.json" "$tmp/stdout.json" || { echo "FAIL: --trace - differs from the file (or the table went to stdout)"; fail=1; }
python3 - "$tmp/t.json" 1500000 "$tmp/g.json" 600000 "$tmp/gw.json" 200000 350000 <<'PY' || fail=1
import json, sys
EPS = 1e-6

def load(path):
    doc = json.load(open(path))
    assert doc["displayTimeUnit"] == "ns", doc.keys()
    return doc["traceEvents"]

def tracks(events, cat=None):
    out = {}
    for e in events:
        if e["ph"] == "X" and (cat is None or e["cat"] == cat):
            assert e["dur"] > 0, e
            out.setdefault((e["pid"], e["tid"]), []).append((e["ts"], e["ts"] + e["dur"], e["name"]))
    for iv in out.values():
        iv.sort()
    return out

def sequential(name, tr):
    for key, iv in tr.items():
        for a, b in zip(iv, iv[1:]):
            assert b[0] >= a[1] - EPS, "%s %r: %r overlaps %r" % (name, key, a, b)

def nested(name, tr):
    for key, iv in tr.items():
        stack = []
        for s, e, n in iv:
            while stack and stack[-1] <= s + EPS:
                stack.pop()
            assert not stack or e <= stack[-1] + EPS, "%s %r: %s [%f, %f) crosses an enclosing slice's end %f" % (name, key, n, s, e, stack[-1])
            stack.append(e)

def check(path, end):
    ev = load(path)
    runs, states, guest = tracks(ev, "vcpu"), tracks(ev, "runstate"), {}
    for k, v in tracks(ev).items():
        v = [x for x in v if x not in runs.get(k, []) and x not in states.get(k, [])]
        if v:
            guest[k] = v
    assert runs and all(k[0] == 0 for k in runs), "no vCPU runs on the pCPU tracks"
    sequential("pCPU", runs)
    sequential("runstate", states)
    nested("guest", guest)
    for k, iv in states.items():   # every instant of a vCPU has one runstate
        assert abs(iv[0][0]) < EPS and abs(iv[-1][1] - end) < EPS, (k, iv[0], iv[-1])
        for a, b in zip(iv, iv[1:]):
            assert abs(b[0] - a[1]) < EPS and b[2] != a[2], (k, a, b)
    names = {n for iv in states.values() for _, _, n in iv}
    assert {"running", "runnable"} <= names <= {"running", "runnable", "blocked", "offline"}, names
    flows = {}
    for e in ev:
        if e["ph"] in "sf" and e.get("cat") == "ipi":
            flows.setdefault(e["id"], {}).setdefault(e["ph"], []).append(e)
    for i, f in flows.items():
        assert len(f.get("s", [])) == 1 and len(f.get("f", [])) == 1, (i, f)
        s, d = f["s"][0], f["f"][0]
        assert d["ts"] >= s["ts"] and d["bp"] == "e" and s["pid"] == d["pid"], (s, d)
        assert s["args"]["vector"] == d["args"]["vector"], (s, d)
        for e, want in ((s, {"running"}), (d, {"running", "runnable", "blocked"})):
            on = [n for a, b, n in states[(e["pid"], e["tid"])] if a - EPS <= e["ts"] <= b + EPS]
            assert set(on) & want, ("flow end not on a %s slice" % want, e, on)
    return ev, runs, states, flows

ev, runs, _, _ = check(sys.argv[1], float(sys.argv[2]))
gev, gruns, gstates, gflows = check(sys.argv[3], float(sys.argv[4]))
assert gflows, "no IPI flows in the guest scenario"
# the window: exactly the full trace's slices clipped to [lo, hi]
lo, hi = float(sys.argv[6]), float(sys.argv[7])
wev = load(sys.argv[5])
def clip(tr):
    out = {}
    for k, iv in tr.items():
        c = [(max(a, lo), min(b, hi), n) for a, b, n in iv if min(b, hi) - max(a, lo) > EPS]
        if c:
            out[k] = c
    return out
def rounded(tr):
    return {k: [(round(a, 3), round(b, 3), n) for a, b, n in v] for k, v in tr.items()}
for cat, full in (("vcpu", gruns), ("runstate", gstates)):
    assert rounded(tracks(wev, cat)) == rounded(clip(full)), "window %s slices are not the clipped full trace" % cat
wx = [e for e in wev if e["ph"] in "Xisf"]
assert all(lo - EPS <= e["ts"] and e["ts"] + e.get("dur", 0) <= hi + EPS for e in wx), "an event outside the window"
assert any(abs(e["ts"] - lo) < EPS for e in wx) and any(abs(e["ts"] + e.get("dur", 0) - hi) < EPS for e in wx), "nothing clipped at the edges"
inside = {i for i, f in gflows.items() if f["s"][0]["ts"] >= lo and f["f"][0]["ts"] <= hi}
wflows = [e for e in wev if e["ph"] in "sf"]
assert len(wflows) == 2 * len(inside) > 0, (len(wflows), len(inside))
print("%d pCPU tracks, %d runs; %d runstate tracks; %d IPI flows (%d in the window)"
      % (len(gruns), sum(len(v) for v in gruns.values()), len(gstates), len(gflows), len(inside)))
PY
# boost tracks: tavs's partial boosts, each a hit or a miss, as the report counts them
w="$src/scenarios/experiments/tavs-worstcase.yaml"
"$bin" run "$w" --duration 6s --quiet --trace "$tmp/b.json" --json "$tmp/b-report.json" || exit 1
python3 - "$tmp/b.json" "$tmp/b-report.json" <<'PY' || fail=1
import json, sys
ev = json.load(open(sys.argv[1]))["traceEvents"]
rep = json.load(open(sys.argv[2]))
boosts = sorted((e["ts"], e["ts"] + e["dur"], e["name"]) for e in ev if e.get("cat") == "boost")
assert boosts and all(e["tid"] == 20000 and e["pid"] == 1 for e in ev if e.get("cat") == "boost"), boosts[:3]
assert {n for _, _, n in boosts} <= {"boost hit", "boost miss"}, boosts[:3]
for a, b in zip(boosts, boosts[1:]):
    assert b[0] >= a[1] - 1e-6, (a, b)
names = [e for e in ev if e["ph"] == "M" and e.get("tid") == 20000 and e["name"] == "thread_name"]
assert len(names) == 1 and names[0]["args"]["name"] == "vCPU 0 boosts", names
# the report counts the boosts that end in the window (after the warm-up); the trace has all
warm = rep["warmup_ns"] / 1000.0
truth = rep["vms"][0]["boost_truth"]
late = [b for b in boosts if b[1] > warm]
assert len(late) == truth["boosts"], (len(late), truth)
assert sum(n == "boost hit" for _, _, n in late) == truth["hits"], truth
print("%d boosts traced, %d in the window (%d hits)" % (len(boosts), len(late), truth["hits"]))
PY
# the policy's series (vl_sched_series): tavs's belief per task as CSV rows and as counter
# tracks, the same samples; the server ends believed, the CPU task at the floor
"$bin" run "$w" --duration 6s --quiet --trace "$tmp/s.json" --series "$tmp/s.csv" || exit 1
"$bin" run "$w" --duration 6s --quiet --series "$tmp/sw.csv" --trace-window 2s,4s || exit 1
python3 - "$tmp/s.json" "$tmp/s.csv" "$tmp/sw.csv" <<'PY' || fail=1
import csv, json, sys
ev = [e for e in json.load(open(sys.argv[1]))["traceEvents"] if e.get("cat") == "series"]
def rows(path):
    lines = [l for l in open(path) if not l.startswith("#")]
    assert lines[0].strip() == "time_ns,vm,series,cr3,task,value", lines[0]
    return list(csv.DictReader(lines))
r = rows(sys.argv[2])
assert r and len(r) == len(ev), (len(r), len(ev))
for row, e in zip(r, ev):
    assert e["ph"] == "C" and e["pid"] == 1, e
    assert e["name"] == "belief %s (cr3 %s)" % (row["task"], row["cr3"]), (e, row)
    assert abs(e["ts"] * 1000 - int(row["time_ns"])) < 1 and e["args"]["value"] == float(row["value"])
times = [int(x["time_ns"]) for x in r]
assert times == sorted(times), "rows out of time order"
assert {x["vm"] for x in r} == {"srv"} and {x["task"] for x in r} == {"rr", "cpu"}, r[:3]
last = {x["task"]: float(x["value"]) for x in r}
assert last["rr"] > 30 and last["cpu"] == -100, last
w = rows(sys.argv[3])
assert w == [x for x in r if 2e9 <= int(x["time_ns"]) <= 4e9], "the window's rows are not the run's"
print("%d belief samples (%d in the window); last: %s" % (len(r), len(w), last))
PY
exit $fail
