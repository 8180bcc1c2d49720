#!/bin/bash
# run_locks.sh - kernel lock-contention profile of the kernel-intensive workloads
# (inputs from prepare.sh).  Output: $CAL/locks.log
set -u
CAL=${CAL:-/tmp/cal}; HERE=$(cd "$(dirname "$0")" && pwd); L="$HERE/lockprof.sh"
cd "$CAL"
run() { echo "== $1"; shift; "$L" "$@"; echo; } >> locks.log 2>&1
: > locks.log
run gmake_j2      sh -c 'cd proj && make -s clean && make -s -j2'
run exim_proxy    sh -c 'mkdir -p spool; for j in 1 2; do (for i in $(seq 800); do (echo m > spool/$j.$i; mv spool/$j.$i spool/d$j.$i; cat spool/d$j.$i >> mbox$j; rm spool/d$j.$i); done) & done; wait; rm -f mbox*'
run hackbench     hackbench -g 4 -l 1000
run find_usr_cold sh -c 'sync; echo 3 > /proc/sys/vm/drop_caches; find /usr > /dev/null'
run pigz_p2       sh -c 'pigz -p 2 -c blob > /dev/null'
run vips_sharpen  env VIPS_CONCURRENCY=2 vips sharpen rgb.v out.v
run sng_mmap      stress-ng -q --mmap 2 -t 3
run sng_tlb_shoot stress-ng -q --tlb-shootdown 2 -t 3
run sng_futex     stress-ng -q --futex 2 -t 3
run sng_fork      stress-ng -q --fork 2 -t 3
run pth_barrier_4t ./barrier pth 4 10000 100
run iperf3_tcp    sh -c 'iperf3 -s -1 -p 5203 >/dev/null & sleep 0.5; iperf3 -c 127.0.0.1 -p 5203 -t 3 >/dev/null; wait'
run xz_T2         sh -c 'head -c 40M blob | xz -T2 -3 -c > /dev/null'
