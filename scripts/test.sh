#!/usr/bin/env bash
# test.sh - every test vcpulab has: the ctest suite in the default build
# (-Werror), the same suite under ASan+UBSan, valgrind on the core's tests,
# and time-boxed libFuzzer runs of the scenario loader and of the model
# (FUZZ_SECONDS each, default 60, the two at once).  Ends with "N passed,
# N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
FUZZ_SECONDS=${FUZZ_SECONDS:-60}
. scripts/lib/packages.sh
# the test tools (scripts/setup.sh installs what building and running need)
install_missing libcmocka-dev clang libclang-rt-14-dev valgrind python3 groff-base ||
  { echo "0 passed, 1 failed"; exit 1; }
passed=0
failed=0

# Runs ctest in a build dir, showing each test as it ends, and adds its
# counts.
run_ctest() {
  local dir=$1 label=$2 out log
  log=$(mktemp)
  ctest --test-dir "$dir" --output-on-failure -j2 2>&1 | tee "$log" |
    grep --line-buffered -E "Test +#|tests passed|Failed|\*\*\*" | sed -u "s/^/[$label] /"
  out=$(cat "$log")
  rm -f "$log"
  local total fails
  total=$(echo "$out" | sed -n 's/.*tests passed, \([0-9]*\) tests failed out of \([0-9]*\).*/\2/p')
  fails=$(echo "$out" | sed -n 's/.*tests passed, \([0-9]*\) tests failed out of \([0-9]*\).*/\1/p')
  if [ -z "$total" ]; then
    echo "[$label] ctest did not run" >&2
    failed=$((failed + 1))
    return
  fi
  passed=$((passed + total - fails))
  failed=$((failed + fails))
}

# One named check that passes or fails as a whole.
check() {
  local label=$1; shift
  if "$@"; then passed=$((passed + 1)); echo "[$label] passed"
  else failed=$((failed + 1)); echo "[$label] FAILED"; fi
}

# build PRESET DIR [CMAKE ARGS...]
build() {
  local preset=$1 dir=$2; shift 2
  echo "[$preset] building ($dir)"
  cmake --preset "$preset" "$@" >/dev/null && cmake --build "$dir" 2>&1 | grep -E "error:|warning:"
  return "${PIPESTATUS[0]}"
}

if build default build -DVL_TESTS=ON; then run_ctest build default; else failed=$((failed + 1)); echo "[default] build FAILED"; fi
if build asan build-asan; then
  ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 run_ctest build-asan asan
else failed=$((failed + 1)); echo "[asan] build FAILED"; fi

# Runs each argument (a command line) as a background job, two at a time
# (the machine this suite is timed on has two cores); fails if one does.
two_at_a_time() {
  local rc=0 running=0 cmd
  for cmd in "$@"; do
    if [ $running -eq 2 ]; then wait -n || rc=1; running=$((running - 1)); fi
    eval "$cmd" &
    running=$((running + 1))
  done
  while [ $running -gt 0 ]; do wait -n || rc=1; running=$((running - 1)); done
  return $rc
}

# vg CMD...: CMD under valgrind: no invalid access, no definite leak.
vg() {
  local log; log=$(mktemp)
  valgrind -q --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite "$@" \
    >/dev/null 2>"$log" || { echo "valgrind $*:"; cat "$log"; rm -f "$log"; return 1; }
  rm -f "$log"
}

# valgrind on the core's tests and one full CLI run, longest first;
# test_golden in two parts (its JSON test, and the rest) that run at once.
grind() {
  two_at_a_time "vg ./build/tests/test_golden '!test_json*'" "vg ./build/tests/test_golden 'test_json*'" \
    "vg ./build/tests/test_guest" "vg ./build/tests/test_engine" "vg ./build/tests/test_hv" \
    "vg ./build/vcpulab run scenarios/baseline.yaml --duration 2s --quiet"
}
echo "[valgrind] running"
check "valgrind" grind

# fuzz HARNESS DICT SEEDS...: a time-boxed libFuzzer run from the seeds.
fuzz() {
  local harness=$1 dict=$2; shift 2
  [ -x "build-fuzz/tests/fuzz/$harness" ] || return 1
  local corpus; corpus=$(mktemp -d)
  cp "$@" "$corpus"/
  "./build-fuzz/tests/fuzz/$harness" -max_total_time="$FUZZ_SECONDS" -timeout=20 \
      -dict="$dict" -print_final_stats=1 "$corpus" >"/tmp/vcpulab-$harness.log" 2>&1
  local rc=$?
  if [ $rc -ne 0 ]; then tail -30 "/tmp/vcpulab-$harness.log"
  else grep -E "stat::number_of_executed_units|DONE" "/tmp/vcpulab-$harness.log" | sed "s/^/[$harness] /"; fi
  rm -rf "$corpus"
  return $rc
}
# finished PID LOG: the status of background job PID, its output shown.
finished() {
  wait "$1"
  local rc=$?
  cat "$2"
  rm -f "$2"
  return $rc
}
build fuzz build-fuzz || echo "[fuzz] build FAILED"
# the two harnesses at once, one core each
echo "[fuzz] running both harnesses for ${FUZZ_SECONDS}s"
scn_log=$(mktemp) model_log=$(mktemp)
fuzz fuzz_scenario tests/fuzz/scenario.dict tests/fuzz/corpus/scenario/* >"$scn_log" 2>&1 &
scn_pid=$!
fuzz fuzz_model tests/fuzz/model.dict scenarios/*.yaml scenarios/experiments/*.yaml \
  >"$model_log" 2>&1 &
model_pid=$!
check "fuzz scenario loader ${FUZZ_SECONDS}s" finished $scn_pid "$scn_log"
check "fuzz model (load + simulate under every policy) ${FUZZ_SECONDS}s" finished $model_pid \
  "$model_log"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
