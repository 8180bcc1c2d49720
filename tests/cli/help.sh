#!/usr/bin/env bash
# Every command answers --help on stdout with exit 0; --version works; an
# unknown command is a usage error (exit 2); describe knows policies and the
# guest kernel's settings.
set -u
bin=$1
fail=0
for c in run compare sweep merge plot import-rtapp list describe validate; do
  out=$("$bin" $c --help) || { echo "FAIL: $c --help exit $?"; fail=1; }
  echo "$out" | grep -q "usage: vcpulab $c" || { echo "FAIL: $c --help has no usage line"; fail=1; }
done
"$bin" --help | grep -q "usage: vcpulab COMMAND" || { echo "FAIL: --help"; fail=1; }
"$bin" --version | grep -qE '^vcpulab [0-9]+\.[0-9]+' || { echo "FAIL: --version"; fail=1; }
"$bin" frobnicate 2>/dev/null; [ $? -eq 2 ] || { echo "FAIL: unknown command not exit 2"; fail=1; }
"$bin" list policies | grep -q fifo || { echo "FAIL: list policies lacks fifo"; fail=1; }
"$bin" describe fifo | grep -q "slice" || { echo "FAIL: describe fifo lacks its parameter"; fail=1; }
"$bin" describe grep | grep -q "^io_bound: true" || { echo "FAIL: describe grep lacks its io_bound default"; fail=1; }
"$bin" describe guest | grep -q "runqueue_lock" || { echo "FAIL: describe guest lacks the guest settings"; fail=1; }
"$bin" describe nosuch 2>/dev/null; [ $? -eq 2 ] || { echo "FAIL: describe of an unknown name not exit 2"; fail=1; }
exit $fail
