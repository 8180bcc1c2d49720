#!/usr/bin/env bash
# Per-vCPU policy parameters from the command line: --set reaches a VM's
# values and a vCPU list's entry; the run's JSON config records the values
# in force per vCPU; describe lists the per-vCPU table; a vCPU outside the
# VM and overlapping lists are refused at the --set position, exit 2.
set -u
bin=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
cat >"$tmp/s.yaml" <<'Y'
scheduler: rtds
host: {pcpus: 2}
vms:
  - name: a
    vcpus: 4
    workloads: [{type: cpu, tasks: 4}]
    params: {rtds: {budget: 3ms, vcpus: {"2-3": {period: 5ms}}}}
run: {duration: 50ms}
Y
"$bin" run "$tmp/s.yaml" --quiet --json "$tmp/r.json" \
  --set vms.a.params.rtds.vcpus.1.budget=2ms \
  --set vms.a.params.rtds.vcpus.2-3.extratime=false \
  --set vms.a.params.rtds.period=20ms || { echo "FAIL run"; exit 1; }
python3 - "$tmp/r.json" <<'PY' || fail=1
import json, sys
vm = json.load(open(sys.argv[1]))["config"]["vms"][0]
got = [(v["budget"], v["period"], v["extratime"]) for v in vm["vcpu_params"]]
want = [(3000000, 20000000, True), (2000000, 20000000, True),
        (3000000, 5000000, False), (3000000, 5000000, False)]
if got != want:
    print("FAIL vcpu_params %r, want %r" % (got, want))
    sys.exit(1)
PY
"$bin" describe rtds | grep -q "^per-vCPU parameters (scenario: vms\[\]\.params\.<policy>\.<name>" ||
  { echo "FAIL describe rtds lists no per-vCPU table"; fail=1; }
"$bin" describe rtds | grep -qE "^  budget +time +4ms" ||
  { echo "FAIL describe rtds: no budget row"; "$bin" describe rtds; fail=1; }
expect_bad() { # name, expected stderr pattern, args...
  local name=$1 pattern=$2; shift 2
  "$bin" "$@" >/dev/null 2>"$tmp/stderr"
  local rc=$?
  [ $rc -eq 2 ] || { echo "FAIL $name: exit $rc, want 2"; fail=1; }
  grep -qE -e "$pattern" "$tmp/stderr" || { echo "FAIL $name:"; cat "$tmp/stderr"; fail=1; }
}
expect_bad outside '^vcpulab: --set:1:25: vms\[a\]\.params\.rtds\.vcpus\[4\]: vCPU 4 does not exist: the VM has 4 vCPUs' \
  run "$tmp/s.yaml" --set vms.a.params.rtds.vcpus.4.budget=1ms
expect_bad overlap "^vcpulab: --set:1:25: .*vCPU 3 is also in '2-3'" \
  validate "$tmp/s.yaml" --set vms.a.params.rtds.vcpus.3.budget=1ms
expect_bad check '^vcpulab: --set:1:36: vms\[a\]\.params\.rtds\.vcpus\[2-3\]\.budget: must not exceed the period \(vCPUs 2-3\)' \
  run "$tmp/s.yaml" --set vms.a.params.rtds.vcpus.2-3.budget=6ms
exit $fail
