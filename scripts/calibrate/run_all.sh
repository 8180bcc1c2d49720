#!/bin/bash
# run_all.sh - measure the calibration workload set (inputs from prepare.sh).
# Usage: scripts/calibrate/run_all.sh [FILTER_REGEX]
# Each workload runs twice: a plain /proc pass (numbers quoted as primary) and a
# MEASURE_PERF=1 pass for futex/syscall/lock-contention/TLB-send counts.
# Results: $CAL/results.log (human), $CAL/results.tsv, $CAL/results_perf.log/.tsv
set -u
CAL=${CAL:-/tmp/cal}; HERE=$(cd "$(dirname "$0")" && pwd); M="$HERE/measure.sh"
FILTER=${1:-.}
cd "$CAL"
cold() { sync; echo 3 > /proc/sys/vm/drop_caches; }
# wait (<= WAIT_IDLE s, default 60) until the box is >= 95 % idle over 1 s, so the
# system-wide /proc counters are not polluted by foreign load (see foreign_cpus column)
idle_pct() { local a b; read -r _ a1 a2 a3 a4 a5 a6 a7 a8 _ < /proc/stat; sleep 1
  read -r _ b1 b2 b3 b4 b5 b6 b7 b8 _ < /proc/stat
  echo $(( 100 * ((b4+b5)-(a4+a5)) / ((b1+b2+b3+b4+b5+b6+b7+b8)-(a1+a2+a3+a4+a5+a6+a7+a8)) )); }
wait_idle() { local t=0; while [ "$(idle_pct)" -lt 95 ] && [ $t -lt "${WAIT_IDLE:-60}" ]; do t=$((t+1)); done; }
m() { # m LABEL [cold] -- CMD...
  local label=$1; shift; local c=0; [ "$1" = cold ] && { c=1; shift; }; [ "$1" = -- ] && shift
  [[ $label =~ $FILTER ]] || return 0
  [ $c = 1 ] && cold; wait_idle; "$M" -l "$label" -o results.tsv "$@" >> results.log 2>&1
  [ $c = 1 ] && cold; wait_idle; MEASURE_PERF=1 "$M" -l "$label" -o results_perf.tsv "$@" >> results_perf.log 2>&1
  sleep 1
}
m idle_5s -- sleep 5
m gmake_j2 -- sh -c 'cd proj && make -s clean && make -s -j2'
m gmake_j4 -- sh -c 'cd proj && make -s clean && make -s -j4'
m hackbench_proc -- hackbench -g 4 -l 1000
m hackbench_thread -- hackbench -T -g 4 -l 1000
m hackbench_pipe -- hackbench -p -g 4 -l 1000
m pigz_p2 -- sh -c 'pigz -p 2 -c blob > /dev/null'
m xz_T2 -- sh -c 'head -c 40M blob | xz -T2 -3 -c > /dev/null'
m vips_sharpen -- env VIPS_CONCURRENCY=2 vips sharpen rgb.v out.v
m vips_resize -- env VIPS_CONCURRENCY=2 vips resize rgb.v out.v 0.7 --kernel lanczos3
m x264_t2 -- x264 --threads 2 --preset medium --input-res 640x360 --fps 30 -o /dev/null vid.yuv
m grep_r_cold cold -- sh -c 'grep -r qqzzqq /usr/share/doc /usr/include > /dev/null; true'
m grep_r_warm -- sh -c 'grep -r qqzzqq /usr/share/doc /usr/include > /dev/null; true'
m find_usr_cold cold -- sh -c 'find /usr > /dev/null'
m find_usr_warm -- sh -c 'find /usr > /dev/null'
m cp_1G_cold cold -- sh -c 'cp big big2 && sync && rm big2'
python3 -m http.server 8765 --bind 127.0.0.1 > /dev/null 2>&1 & HTTPD=$!; sleep 1
m wget_1G_loopback -- wget -q -O /dev/null http://127.0.0.1:8765/big
kill $HTTPD
iperf3 -s -p 5202 -D -I "$CAL/iperf3.pid" >/dev/null 2>&1; sleep 0.5
m iperf3_tcp -- iperf3 -c 127.0.0.1 -p 5202 -t 4
m iperf3_udp_1G -- iperf3 -c 127.0.0.1 -p 5202 -u -b 1G -t 4
m iperf3_udp_100M -- iperf3 -c 127.0.0.1 -p 5202 -u -b 100M -t 4
kill "$(cat "$CAL/iperf3.pid")"
m ping_flood -- ping -q -f -c 100000 127.0.0.1
m ping_i0.2 -- ping -q -i 0.2 -c 20 127.0.0.1
m rr_0us -- ./rr 30000 0
m rr_100us -- ./rr 10000 100
m omp_barrier_passive -- env OMP_WAIT_POLICY=passive ./barrier omp 2 20000 100
m omp_barrier_active -- env OMP_WAIT_POLICY=active ./barrier omp 2 20000 100
m pth_barrier_2t -- ./barrier pth 2 20000 100
m pth_barrier_4t -- ./barrier pth 4 10000 100
m pth_barrier_2t_1ms -- ./barrier pth 2 3000 1000
m lookbusy_50 -- stress-ng -q --cpu 1 --cpu-load 50 -t 5
m cpu_hog_2 -- stress-ng -q --cpu 2 -t 4
m sng_futex -- stress-ng -q --futex 2 -t 4
m sng_mmap -- stress-ng -q --mmap 2 -t 4
m sng_tlb_shoot -- stress-ng -q --tlb-shootdown 2 -t 4
m sng_fork -- stress-ng -q --fork 2 -t 4
m sng_switch -- stress-ng -q --switch 2 -t 4
m exim_proxy -- sh -c 'mkdir -p spool; for j in 1 2; do (for i in $(seq 800); do (echo msg$i > spool/$j.$i; mv spool/$j.$i spool/d$j.$i; cat spool/d$j.$i >> mbox$j; rm spool/d$j.$i); done) & done; wait; rm -f mbox*'
m cyclictest_1ms -- cyclictest -q -t 2 -i 1000 -l 4000 -m -p 80
m shoot_16p_spin1 -- ./shoot 3 16 1
m shoot_16p_spin0 -- ./shoot 3 16 0
m cyclictest_10ms -- cyclictest -q -t 1 -i 10000 -l 400 -m -p 80
