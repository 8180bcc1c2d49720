#!/usr/bin/env bash
# Bad input of any kind: one clear message with file:line:col, exit status 2,
# and no output file left behind.
set -u
bin=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0

expect_bad() { # name, expected stderr pattern, args...
  local name=$1 pattern=$2; shift 2
  "$bin" "$@" --json "$tmp/out.json" >"$tmp/stdout" 2>"$tmp/stderr"
  local rc=$?
  if [ $rc -ne 2 ]; then echo "FAIL $name: exit $rc, want 2"; fail=1; fi
  if ! grep -qE -e "$pattern" "$tmp/stderr"; then
    echo "FAIL $name: stderr does not match '$pattern':"; cat "$tmp/stderr"; fail=1
  fi
  if [ "$(wc -l <"$tmp/stderr")" -ne 1 ]; then echo "FAIL $name: not one line"; cat "$tmp/stderr"; fail=1; fi
  if ls "$tmp" | grep -q "out.json"; then echo "FAIL $name: output file left behind"; fail=1; fi
}

good="$tmp/good.yaml"
cat >"$good" <<'Y'
scheduler: fifo
host: {pcpus: 2}
vms:
  - {name: a, vcpus: 2, workloads: [{type: cpu, tasks: 2}]}
run: {duration: 100ms}
Y
printf 'scheduler: fifo\nhost: {pcpus: 2, colour: red}\nvms: [{name: a, vcpus: 1}]\nrun: {duration: 1s}\n' >"$tmp/unknown_key.yaml"
printf 'scheduler: fifo\nhost: {pcpus: two}\nvms: [{name: a, vcpus: 1}]\nrun: {duration: 1s}\n' >"$tmp/wrong_type.yaml"
printf 'scheduler: fifo\nhost: {pcpus: 2}\nvms: [{name: a, vcpus: 1, weight: 0}]\nrun: {duration: 1s}\n' >"$tmp/range.yaml"
printf 'scheduler: nosuch\nhost: {pcpus: 2}\nvms: [{name: a, vcpus: 1}]\nrun: {duration: 1s}\n' >"$tmp/policy.yaml"
printf 'scheduler: fifo\nhost: {pcpus: 2}\nvms: [{name: a, vcpus: 1, workloads: [{type: nosuch}]}]\nrun: {duration: 1s}\n' >"$tmp/workload.yaml"

expect_bad unknown_key 'unknown_key.yaml:2:[0-9]+: .*colour' run "$tmp/unknown_key.yaml"
expect_bad wrong_type 'wrong_type.yaml:2:[0-9]+: .*two' run "$tmp/wrong_type.yaml"
expect_bad out_of_range 'range.yaml:3:[0-9]+: .*weight' run "$tmp/range.yaml"
expect_bad unknown_policy 'policy.yaml:1:[0-9]+: .*nosuch' run "$tmp/policy.yaml"
expect_bad unknown_workload 'workload.yaml:3:[0-9]+: .*nosuch' run "$tmp/workload.yaml"
# a policy refusing a VM's configuration when the run starts (quest's
# admission: four default Main VCPUs of 0.2 on one pCPU exceed the bound)
printf 'scheduler: quest\nhost: {pcpus: 1}\nvms:\n' >"$tmp/admission.yaml"
for v in a b c d; do echo "  - {name: $v, vcpus: 1, workloads: [{type: cpu}]}" >>"$tmp/admission.yaml"; done
echo 'run: {duration: 1s}' >>"$tmp/admission.yaml"
expect_bad admission_run 'admission.yaml:7:5: .*rate-monotonic bound' run "$tmp/admission.yaml"
expect_bad admission_compare 'admission.yaml:7:5: .*rate-monotonic bound' compare "$tmp/admission.yaml" --sched credit,quest
"$bin" validate "$tmp/admission.yaml" >/dev/null 2>"$tmp/stderr"
rc=$?
[ $rc -eq 2 ] && grep -qE "admission.yaml:7:5: .*rate-monotonic bound" "$tmp/stderr" ||
  { echo "FAIL validate of a scenario its policy refuses: exit $rc"; cat "$tmp/stderr"; fail=1; }
expect_bad missing_file 'nofile.yaml: cannot open' run "$tmp/nofile.yaml"
expect_bad bad_set '--set:1:[0-9]+: ' run "$good" --set host.pcpus=zero
expect_bad bad_sched 'unknown policy .nosuch.' run "$good" --sched nosuch
expect_bad bad_duration 'duration' run "$good" --duration 5parsecs
# --duration obeys run.duration's range; a duration too long for 64 bits is a
# range error, not a syntax error; an exponent is a syntax error
expect_bad duration_range '^vcpulab: --duration 9223372036854775807ns: must be in 1ns\.\.86400s' \
  run "$good" --duration 9223372036854775807ns
expect_bad duration_overflow '^vcpulab: --duration 31536000000s: must be in 1ns\.\.86400s' \
  run "$good" --duration 31536000000s
expect_bad duration_set_overflow 'run.duration: must be in 1ns\.\.86400s, got .31536000000s.' \
  run "$good" --set run.duration=31536000000s
expect_bad duration_exponent 'digits, an optional fraction, a unit' run "$good" --duration 1e3ms
# a policy's own rule on a parameter (its check hook), before any run
expect_bad param_check '^vcpulab: --set:1:25: params.credit.ratelimit: must be 0 \(off\) or at least 100us' \
  run "$good" --sched credit --set params.credit.ratelimit=50us
"$bin" validate "$good" --set params.credit.ratelimit=50us >/dev/null 2>"$tmp/stderr"
rc=$?
[ $rc -eq 2 ] && grep -q "^vcpulab: --set:1:25: params.credit.ratelimit" "$tmp/stderr" ||
  { echo "FAIL validate with a parameter its policy refuses: exit $rc"; cat "$tmp/stderr"; fail=1; }
# seeds never wrap to 0 (which would repeat a sample)
expect_bad seeds_wrap 'compare: 2 seeds from 18446744073709551615 pass the largest seed' \
  compare "$good" --sched fifo --seed 18446744073709551615 --seeds 2
exit $fail
