#!/usr/bin/env bash
# A run the core stops on a policy failure: exit status 1, the failure
# message (policy, hook, time), then the policy's state from its dump hook;
# no output file left behind.
set -u
bin=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
# two hogs on one pCPU: Credit's 30 ms slices trip a 5 ms watchdog
cat >"$tmp/starve.yaml" <<'Y'
scheduler: credit
host: {pcpus: 1, watchdog: 5ms}
vms:
  - {name: a, vcpus: 2, workloads: [{type: cpu, tasks: 2}]}
run: {duration: 1s}
Y
"$bin" run "$tmp/starve.yaml" --json "$tmp/out.json" >"$tmp/stdout" 2>"$tmp/stderr"
rc=$?
[ $rc -eq 1 ] || { echo "FAIL: exit $rc, want 1"; fail=1; }
grep -q "^vcpulab: policy 'credit', hook watchdog, at t=" "$tmp/stderr" ||
  { echo "FAIL: no failure message"; fail=1; }
grep -q "^vcpulab: the policy's state at the failure:" "$tmp/stderr" ||
  { echo "FAIL: no policy state"; fail=1; }
grep -q "^credit: weight=" "$tmp/stderr" && grep -q "^    q: a.v1 pri=" "$tmp/stderr" ||
  { echo "FAIL: the state is not Credit's dump (runqueue of pCPU 0)"; fail=1; }
[ -e "$tmp/out.json" ] && { echo "FAIL: output file left behind"; fail=1; }
[ $fail -eq 0 ] || cat "$tmp/stderr"
exit $fail
