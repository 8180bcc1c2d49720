#!/usr/bin/env bash
# Reports describe themselves: run --json carries the commit (as --version
# prints it) and a `config` with the overrides as given and every value in
# force (the policy's after its start-up: Credit lowers a rate limit above
# the slice to the slice), every guest setting and every workload parameter;
# compare --json and sweep --json carry the version, the commit and the
# overrides.
set -u
bin=$1 src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
s="$src/scenarios/baseline.yaml"
sets=(--set params.credit.tslice=10ms --set params.credit.ratelimit=50ms --set vms.web.weight=300)
"$bin" run "$s" --sched credit "${sets[@]}" --duration 2s --quiet --json "$tmp/r.json" || exit 1
"$bin" compare "$s" --sched credit,cfs "${sets[@]}" --duration 2s --json "$tmp/c.json" >/dev/null || exit 1
"$bin" sweep "$s" --grid run.seed=1,2 "${sets[@]}" --duration 2s --json "$tmp/s.json" || exit 1
"$bin" describe guest | awk '/^  [a-z_]+ +(int|enum|bool|time)/ {print $1}' >"$tmp/guest-keys"
"$bin" --version >"$tmp/version"
python3 - "$tmp" <<'PY'
import json, sys
d = sys.argv[1]
r = json.load(open(d + "/r.json"))
version = open(d + "/version").read()
guest_keys = open(d + "/guest-keys").read().split()
bad = []
def check(ok, what):
    if not ok:
        bad.append(what)
check(r["commit"] and r["commit"] in version, "commit %r not in --version %r" % (r["commit"], version))
c = r["config"]
check(c["sets"] == ["params.credit.tslice=10ms", "params.credit.ratelimit=50ms",
                    "vms.web.weight=300"], "sets: %r" % c["sets"])
p = c["policy"]["params"]
check(c["policy"]["name"] == "credit", "policy name")
check(p["tslice"] == 10000000, "tslice in force: %r" % p["tslice"])
check(p["ratelimit"] == 10000000, "ratelimit in force (lowered to the slice): %r" % p["ratelimit"])
check(set(p) == {"tslice", "ratelimit", "migration_delay", "balance_ratelimit", "xen"}, "policy params %r" % p)
vms = {v["name"]: v for v in c["vms"]}
check(vms["web"]["weight"] == 300 and vms["batch2"]["weight"] == 512, "weights")
check(vms["web"]["affinity"] == "0-3", "affinity %r" % vms["web"]["affinity"])
for v in c["vms"]:
    check(sorted(v["guest"]) == sorted(guest_keys), "guest settings of %s" % v["name"])
    for w in v["workloads"]:
        check(w["params"], "workload params of %s.%s" % (v["name"], w["name"]))
think = vms["web"]["workloads"][0]["params"]
check(think["burst"]["dist"] == "exponential" and think["burst"]["mean_ns"] == 500000,
      "think burst %r" % think.get("burst"))
check(c["host"]["pcpus"] == 4 and c["seed"] == 1 and c["duration_ns"] == 2000000000, "host/seed")
cmp = json.load(open(d + "/c.json"))
check(cmp["commit"] == r["commit"] and cmp["vcpulab"] == r["vcpulab"], "compare commit")
check(cmp["sets"] == c["sets"], "compare sets")
for run in json.load(open(d + "/s.json")):
    check(run["commit"] == r["commit"], "sweep commit")
for b in bad:
    print("FAIL:", b)
sys.exit(1 if bad else 0)
PY
