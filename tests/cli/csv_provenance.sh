#!/usr/bin/env bash
# Every CSV says what made it (docs/output-format.md, "Provenance"): run
# --csv and --cdf, compare --csv and sweep --csv open with `# key: value`
# lines - the version and commit (as --version prints them), the --set
# overrides as given, and one `# config:` line per configuration whose
# `config` is run --json's, value for value (the policy's values in force:
# Credit lowers a rate limit above the slice to the slice, in a sweep too,
# before any run).  Readers that skip `#` lines (Python's csv after a
# filter, gnuplot) read the rows back exactly: an integer metric and a
# floating one equal run --json's.  compare --json's configs and each sweep
# --json run's config are the objects of the CSV's config lines.
set -u
bin=$1 src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
s="$src/scenarios/baseline.yaml"
sets=(--set params.credit.ratelimit=50ms --set vms.web.weight=300)
short=(--duration 2s)
"$bin" run "$s" --sched credit "${sets[@]}" --set params.credit.tslice=10ms "${short[@]}" --quiet \
  --json "$tmp/r.json" --csv "$tmp/r.csv" --cdf "$tmp/r.cdf.csv" || fail=1
"$bin" run "$s" --sched cfs "${sets[@]}" "${short[@]}" --seed 2 --quiet --json "$tmp/cfs.json" || fail=1
"$bin" compare "$s" --sched credit,cfs "${sets[@]}" --set params.credit.tslice=10ms --seeds 2 \
  "${short[@]}" --csv "$tmp/c.csv" >/dev/null || fail=1
"$bin" sweep "$s" --grid params.credit.tslice=10ms,30ms --sched credit,cfs "${sets[@]}" \
  "${short[@]}" --seeds 2 -j 2 --csv "$tmp/s.csv" --json "$tmp/s.json" 2>/dev/null || fail=1
"$bin" --version >"$tmp/version"

python3 - "$tmp" <<'PY' || fail=1
import csv, json, sys
d = sys.argv[1]
version = open(d + "/version").read().split()
bad = []
def check(ok, what):
    if not ok:
        bad.append(what)

def head(path):
    """The leading '# key: value' lines: (key, value) pairs, in order."""
    out = []
    for line in open(path):
        if not line.startswith("# "):
            break
        key, value = line[2:].rstrip("\n").split(": ", 1)
        out.append((key, value))
    return out

def configs(h):
    return [json.loads(v) for k, v in h if k == "config"]

def check_head(path, sets, nconfigs):
    h = head(path)
    check([k for k, _ in h[:3]] == ["vcpulab", "commit", "sets"], "%s: head keys %r" % (path, h[:3]))
    check(h[0][1] == version[1] and h[1][1] == version[3].rstrip(")"),
          "%s: version/commit %r, --version %r" % (path, h[:2], version))
    check(json.loads(h[2][1]) == sets, "%s: sets %r" % (path, h[2][1]))
    check(len(configs(h)) == nconfigs and len(h) == 3 + nconfigs, "%s: %d head lines" % (path, len(h)))
    return configs(h)

user = ["params.credit.ratelimit=50ms", "vms.web.weight=300"]
run = json.load(open(d + "/r.json"))
for path in ("/r.csv", "/r.cdf.csv"):
    (c,) = check_head(d + path, user + ["params.credit.tslice=10ms"], 1)
    check(c["config"] == run["config"], "%s: config differs from run --json's" % path)
    check(c["sched"] == "credit" and c["first_seed"] == 1 and c["seeds"] == 1 and "grid" not in c,
          "%s: %r" % (path, {k: c[k] for k in c if k != "config"}))

cc = check_head(d + "/c.csv", user + ["params.credit.tslice=10ms"], 2)
check([c["sched"] for c in cc] == ["credit", "cfs"], "compare configs' policies")
check(cc[0]["config"] == run["config"], "compare's credit config differs from run --json's")
check(all(c["seeds"] == 2 and c["first_seed"] == 1 for c in cc), "compare seeds")

sc = check_head(d + "/s.csv", user, 4)
check([(c["grid"]["params.credit.tslice"], c["sched"]) for c in sc] ==
      [("10ms", "credit"), ("10ms", "cfs"), ("30ms", "credit"), ("30ms", "cfs")], "sweep configs' order")
check(sc[0]["config"] == run["config"], "sweep's credit 10ms config differs from run --json's")
for c in sc:
    p = c["config"]["policy"]
    if p["name"] == "credit":  # in force before any run: the rate limit lowered to the slice
        ts = {"10ms": 10000000, "30ms": 30000000}[c["grid"]["params.credit.tslice"]]
        check(p["params"]["tslice"] == ts and p["params"]["ratelimit"] == ts,
              "sweep credit params in force %r" % p["params"])
# sweep --json: each run carries its configuration's config line, as compare --json does
sj = json.load(open(d + "/s.json"))
check([r["config"] for r in sj] == [c for c in sc for _ in range(2)],
      "sweep --json configs differ from the CSV's config lines (two seeds each)")
check(all(r["config"]["sched"] == r["sched"] and r["config"]["grid"] == r["grid"] for r in sj),
      "sweep --json: a run's config is another configuration's")
cfs = json.load(open(d + "/cfs.json"))["config"]
cfs["sets"] = user + ["params.credit.tslice=30ms"]  # the sweep's point; cfs ignores it
cfs["seed"] = 1
check(sc[3]["config"] == cfs, "sweep's cfs config differs from run --json's")

# the rows read back exactly past the head: an integer metric and a floating one
rows = {r["metric"]: r["value"] for r in
        csv.DictReader(l for l in open(d + "/r.csv") if not l.startswith("#"))}
web = [v for v in run["vms"] if v["name"] == "web"][0]
check(rows["vm.web.cpu_ns"] == str(web["cpu_ns"]), "cpu_ns %r vs %r" % (rows["vm.web.cpu_ns"], web["cpu_ns"]))
check(float(rows["vm.web.share"]) == web["share"] and "e" not in rows["vm.web.share"],
      "share %r vs %r" % (rows["vm.web.share"], web["share"]))
for b in bad:
    print("FAIL:", b)
sys.exit(1 if bad else 0)
PY

# gnuplot skips the head and reads the same doubles
# compare --json carries the same configurations as compare --csv's config lines
"$bin" compare "$s" --sched credit,cfs --seeds 2 --duration 1500ms --set params.credit.tslice=10ms \
  --json "$tmp/cmp.json" --csv "$tmp/cmp.csv" >/dev/null || fail=1
python3 - "$tmp/cmp.json" "$tmp/cmp.csv" <<'PY' || { echo "FAIL: compare --json configs"; fail=1; }
import json, sys
doc = json.load(open(sys.argv[1]))
lines = [json.loads(l[len("# config: "):]) for l in open(sys.argv[2]) if l.startswith("# config: ")]
assert [c["sched"] for c in doc["configs"]] == ["credit", "cfs"], doc["configs"]
assert doc["configs"] == lines, "JSON configs differ from the CSV's config lines"
assert doc["configs"][0]["config"]["policy"]["params"]["tslice"] == 10000000
PY
if command -v gnuplot >/dev/null; then
  cat >"$tmp/read.gp" <<EOF
set datafile separator ","
do for [m in "vm.web.cpu_ns vm.web.share"] {
  stats '$tmp/r.csv' using (strcol(4) eq m ? \$5 : NaN) nooutput
  print sprintf("%s %.17g %d", m, STATS_max, STATS_records)
}
EOF
  got=$(gnuplot "$tmp/read.gp" 2>&1)
  want=$(python3 - "$tmp/r.json" <<'PY'
import json, sys
web = [v for v in json.load(open(sys.argv[1]))["vms"] if v["name"] == "web"][0]
print("vm.web.cpu_ns %.17g 1\nvm.web.share %.17g 1" % (web["cpu_ns"], web["share"]))
PY
)
  [ "$got" = "$want" ] || { echo "FAIL: gnuplot read '$got', run --json has '$want'"; fail=1; }
else
  echo "SKIP: gnuplot is not installed"
fi
exit $fail
