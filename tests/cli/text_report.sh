#!/usr/bin/env bash
# run's summary table shows the guest's contended spinlocks, IPI and
# shootdown latencies and pause-loop exits when there are some, and no
# spinlock table when nothing was contended.
set -u
bin=$1 src=$2
fail=0
out=$("$bin" run "$src/scenarios/experiments/corun-gmake.yaml" --duration 1500ms) || fail=1
echo "$out" | grep -Eq '^spinlocks +contended/acq' || { echo "FAIL: no spinlock table"; fail=1; }
echo "$out" | grep -Eq '^gmake/lru +[0-9]+/[0-9]+ ' || { echo "FAIL: the LRU lock is missing"; fail=1; }
echo "$out" | grep -Eq '^pause-loop exits: gmake [0-9]+' || { echo "FAIL: no PLE exits line"; fail=1; }
out=$("$bin" run "$src/scenarios/experiments/dcs-dedup.yaml" --duration 1500ms) || fail=1
echo "$out" | grep -Eq '^co1 shootdown +[0-9]+ ' || { echo "FAIL: no shootdown row"; fail=1; }
echo "$out" | grep -Eq '^main resched IPI +[0-9]+ ' || { echo "FAIL: no resched IPI row"; fail=1; }
out=$("$bin" run "$src/scenarios/workload-alone.yaml" --duration 500ms) || fail=1
echo "$out" | grep -q '^spinlocks' && { echo "FAIL: a spinlock table for swaptions alone"; fail=1; }
exit $fail
