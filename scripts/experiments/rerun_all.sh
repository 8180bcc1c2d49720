#!/usr/bin/env bash
# rerun_all.sh - reruns every experiment behind docs/experiments.md and the
# per-type table of docs/workloads.md, and leaves the raw outputs in OUT
# (default experiments-out/): Markdown tables from dcs_mixes.py and
# workload_table.py, sweep CSVs, the JSON reports of the co-runs, and
# tables.md (doc_tables.py: the consolidation and sender-delay tables).
# Takes a few minutes on 2 cores (it builds the release preset first):
#   scripts/experiments/rerun_all.sh [OUT]
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=${1:-experiments-out}
B=build-release/vcpulab
S=scenarios/experiments
M=scripts/experiments/dcs_mixes.py
mkdir -p "$OUT"
# the release build, made or brought up to date here
cmake --preset release >/dev/null && cmake --build build-release >/dev/null ||
  { echo "rerun_all.sh: the release build failed" >&2; exit 2; }

# Consolidation under Credit: (a) spinlocks, (b) shootdowns, (c) network.  The
# guests are Linux 4.9 PVHVM (PV queued spinlocks); (a) also without PV
# spinlocks (virt_spin_lock: unfair) and with the earlier ticket-lock guest.
$B run $S/corun-gmake-solo.yaml --json "$OUT/gmake-solo.json" >/dev/null
$B run $S/corun-gmake.yaml --json "$OUT/gmake-corun.json" >/dev/null
$B run $S/corun-gmake-solo.yaml --set vms.gmake.guest.virt=hvm --json "$OUT/gmake-solo-unfair.json" >/dev/null
$B run $S/corun-gmake.yaml --set vms.gmake.guest.virt=hvm --json "$OUT/gmake-corun-unfair.json" >/dev/null
$B run $S/corun-gmake-solo.yaml --set vms.gmake.guest.virt=hvm --set vms.gmake.guest.spinlock=ticket \
  --json "$OUT/gmake-solo-ticket.json" >/dev/null
$B run $S/corun-gmake-ticket.yaml --json "$OUT/gmake-corun-ticket.json" >/dev/null
for f in gmake-solo gmake; do # over seeds 1-3, with 95% intervals
  $B compare $S/corun-$f.yaml --sched credit --seeds 3 --csv "$OUT/$f-seeds.csv" >/dev/null
done
$B compare $S/corun-gmake.yaml --sched credit --seeds 3 --set vms.gmake.guest.virt=hvm \
  --csv "$OUT/gmake-unfair-seeds.csv" >/dev/null
$B compare $S/corun-gmake-ticket.yaml --sched credit --seeds 3 --csv "$OUT/gmake-ticket-seeds.csv" >/dev/null
$B run $S/corun-dedup-solo.yaml --json "$OUT/dedup-solo.json" >/dev/null
$B run $S/corun-vips-solo.yaml --json "$OUT/vips-solo.json" >/dev/null
$B run $S/corun-dedup.yaml --json "$OUT/dedup-vips-corun.json" >/dev/null
for f in dedup-solo vips-solo dedup; do
  $B compare $S/corun-$f.yaml --sched credit --seeds 3 --csv "$OUT/$f-seeds.csv" >/dev/null
done
for f in iperf-solo iperf iperf-udp-solo iperf-udp; do
  $B run $S/corun-$f.yaml --json "$OUT/$f.json" >/dev/null
  $B compare $S/corun-$f.yaml --sched credit --seeds 3 --csv "$OUT/$f-seeds.csv" >/dev/null
done
for seed in 1 2 3; do # UDP at iperf2's default rate, 1 Mbit/s
  for f in iperf-udp-solo iperf-udp; do
    $B run $S/corun-$f.yaml --set vms.net.workloads.0.rate=1 --seed $seed \
      --json "$OUT/$f-1mbit-s$seed.json" >/dev/null
  done
done

# DCS in the evaluation's setting: whole runs beside 1-vCPU x264 VMs (docs/data/dcs-eval.*)
scripts/experiments/dcs_eval.py --bin "$B" --csv "$OUT/dcs-eval.csv" --png "$OUT/dcs-eval.png" \
  > "$OUT/dcs-eval.md"
# DCS: the mixes (geometric means at the end of each table), ablation, sweeps
APPS="blackscholes bodytrack canneal dedup facesim fluidanimate freqmine streamcluster swaptions vips x264"
ALL=cfs,balance,cosched,relaxed,dcs
for co in x264 dedup freqmine; do
  mix=$(for a in $APPS; do printf "%s:%s," $co $a; done)
  $M --sched $ALL --mix "${mix%,}" > "$OUT/dcs-mixes-$co.md"
done
$M --sched $ALL --mix vips-facesim > "$OUT/dcs-mixes-vips-facesim.md"
for m in vips-facesim dedup:vips dedup:streamcluster; do
  $M --sched cfs --mix $m | tail -1
  $M --sched dcs --mix $m --set params.dcs.tlb_cosched=false --set params.dcs.balance=off | tail -1
  $M --sched dcs --mix $m --set params.dcs.resched_delay=0 --set params.dcs.balance=off | tail -1
  $M --sched dcs --mix $m --set params.dcs.tlb_cosched=false --set params.dcs.resched_delay=0 | tail -1
  $M --sched dcs --mix $m | tail -1
done > "$OUT/dcs-ablation.md"
for a in 0 6ms 12ms 18ms 24ms; do
  $M --sched dcs --mix vips-facesim --set params.dcs.urgent_allowance=$a | tail -1
done > "$OUT/dcs-allowance.md"
for u in 100us 500us 1ms 3ms 5ms; do
  $M --sched dcs --mix vips+vips+vips --set params.dcs.urgent_slice=$u | tail -1
done > "$OUT/dcs-urgent-slice.md"
$B sweep $S/dcs-vips-facesim.yaml --grid params.dcs.urgent_allowance=0,6ms,12ms,18ms,24ms --sched dcs \
  --seeds 5 -j 2 --csv "$OUT/dcs-allowance-seeds.csv" 2>/dev/null
NOLOCKS="--set vms.main.guest.futex_wake=queued --set vms.main.guest.runqueue_lock=false"
NOLOCKS="$NOLOCKS --set vms.co1.guest.futex_wake=queued --set vms.co1.guest.runqueue_lock=false"
for locks in 2.6.38 none; do
  for app in streamcluster facesim bodytrack; do
    extra=""
    [ $locks = none ] && extra=$NOLOCKS
    # shellcheck disable=SC2086
    $B sweep $S/dcs-dedup.yaml --sched dcs --grid params.dcs.resched_delay=0,100us,300us,500us,700us,1ms \
      --seeds 5 -j 2 --set vms.main.workloads.0.type=$app --set params.dcs.urgent_slice=5ms \
      --set params.dcs.tlb_cosched=false $extra --csv "$OUT/dcs-sender-delay-$locks-$app.csv" 2>/dev/null
  done
done

# Quest VCPUs: per-window shares (docs/data/quest-*.csv)
Q=scripts/experiments/quest_windows.py
for sc in a b; do
  for p in quest credit credit2 rtds; do
    $Q $S/quest-$sc.yaml --sched $p --bin $B > "$OUT/quest-$sc-$p.csv" 2>/dev/null
  done
done
$Q $S/quest-b.yaml --set params.quest.io_server=sporadic --bin $B > "$OUT/quest-b-quest-sporadic.csv"
gnuplot -e "dir='$OUT'" scripts/experiments/quest_plot.gp # $OUT/quest-b.png
scripts/experiments/quest_shared_io.py --bin "$B" > "$OUT/quest-shared-io.md" 2>/dev/null
for p in quest credit credit2 rtds; do
  $B run $S/quest-overhead.yaml --sched $p --json "$OUT/quest-overhead-$p.json" --quiet
done
$B run $S/quest-overhead.yaml --set params.quest.background=true \
  --json "$OUT/quest-overhead-quest-background.json" --quiet
# FlexCore (docs/experiments.md, "FlexCore")
scripts/experiments/flexcore_parsec.py --bin "$B" > "$OUT/flexcore.md"
scripts/experiments/flexcore_online.py --bin "$B" --csv "$OUT/flexcore-online.csv" \
  --png "$OUT/flexcore-online.png"

# TAVS (b) and (c): correlation scored against the ground truth (docs/experiments.md)
T=scripts/experiments/tavs_correlation.py
$T block $S/tavs-block.yaml --bin "$B" --seeds 5 > "$OUT/tavs-block.md"
$T block $S/tavs-block-short.yaml --bin "$B" --seeds 10 > "$OUT/tavs-block-short.md"
$T net $S/tavs-net.yaml --bin "$B" --seeds 5 > "$OUT/tavs-net.md"
$T net $S/tavs-net-shared.yaml --bin "$B" --seeds 5 > "$OUT/tavs-net-shared.md"
# TAVS (a)'s response CDF, (d)-(g) and the SMP result: tables, CSVs and PNGs
F=scripts/experiments/tavs_figures.py
$F a --seeds 5 --bin "$B" --out "$OUT" > "$OUT/tavs-a.md"
$F d --seeds 10 --bin "$B" --out "$OUT" > "$OUT/tavs-d.md"
$F e --seeds 10 --bin "$B" --out "$OUT" > "$OUT/tavs-e.md"
$F f --bin "$B" --out "$OUT" > "$OUT/tavs-f.md"
$F g --seeds 5 --bin "$B" --out "$OUT" > "$OUT/tavs-g.md"
$F smp --seeds 5 --bin "$B" --out "$OUT" > "$OUT/tavs-smp.md"

# Micro-sliced cores (docs/experiments.md): the tables and the dynamic pool's series
MS=scripts/experiments/microsliced_tables.py
$MS --bin "$B" --jobs 2 --apps dedup,vips,exim,gmake,overhead,iperf,iperf-udp > "$OUT/microsliced.md"
$MS --bin "$B" --jobs 2 --configs credit-1ms,dcs,balance,cfs --apps dedup,vips,exim,gmake \
  > "$OUT/microsliced-e.md"
scripts/experiments/microsliced_pool.py $S/microsliced-vips.yaml --window 90 --windows 25 \
  --bin "$B" > "$OUT/microsliced-pool-vips.csv"
gnuplot -e "dir='$OUT'" scripts/experiments/microsliced_plot.gp # $OUT/microsliced-pool-vips.png

# docs/workloads.md: every type alone
scripts/experiments/workload_table.py > "$OUT/workloads.md"
scripts/experiments/workload_table.py --type hackbench --set vms.a.workloads.0.groups=4 \
  --set vms.a.workloads.0.loops=0 | tail -1 >> "$OUT/workloads.md"
scripts/experiments/doc_tables.py "$OUT" > "$OUT/tables.md"
echo "rerun_all.sh: outputs in $OUT ($OUT/tables.md: the consolidation and sweep tables)"
