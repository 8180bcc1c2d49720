#!/usr/bin/env bash
# release.sh - builds build-release/ (the `release` preset: -O3, link-time
# optimisation) with profile-guided optimisation: a first build writes
# execution profiles while it runs a training set of shipped scenarios and
# benchmark hosts, a second build is optimised from them.  The binaries
# compute the same as the plain release build (the same code, laid out and
# inlined by measured frequencies); docs/performance.md gives what it buys.
#
#   scripts/release.sh            # PGO build (about two builds and 30 s of training)
#   scripts/release.sh --plain    # the plain release build (cmake --preset release)
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${1:-}" = "--plain" ]; then
  cmake --preset release >/dev/null
  cmake --build build-release >/dev/null
  echo "release: built build-release/ (no profile)" >&2
  exit 0
elif [ $# -gt 0 ]; then
  echo "usage: scripts/release.sh [--plain]" >&2
  exit 2
fi

cmake --preset release -DVL_PGO=generate >/dev/null
cmake --build build-release >/dev/null
find build-release -name '*.gcda' -delete

# The training set: what the benchmarks and users run most - the co-runs
# under Credit (folded exit cycles), a research policy on them, the DCS
# experiments, the guest mechanisms, the default comparison, and the
# scaling families at 12 and 1,024 pCPUs under each policy bench measures.
run() { "$@" >/dev/null; }
for s in corun-dedup corun-gmake; do
  run build-release/vcpulab run "scenarios/experiments/$s.yaml" --quiet
  run build-release/vcpulab run "scenarios/experiments/$s.yaml" --quiet --sched microsliced --duration 1s
done
for s in dcs-dedup dcs-x264 dcs-freqmine; do
  run build-release/vcpulab run "scenarios/experiments/$s.yaml" --quiet --sched dcs
done
run build-release/vcpulab run scenarios/guest-mechanisms.yaml --quiet
run build-release/vcpulab compare scenarios/baseline.yaml --sched credit,cfs,fifo --seeds 3
for f in hogs mix interactive; do
  for p in credit cfs dcs; do
    for n in 12 1024; do
      build-release/bench/bench --emit "$f" --pcpus "$n" --policy "$p" --quick > build-release/train.yaml
      run build-release/vcpulab run build-release/train.yaml --quiet
    done
  done
done
rm -f build-release/train.yaml
run build-release/bench/bench --engine --quick --reps 1 --pending 100,10000,1000000

cmake --preset release -DVL_PGO=use >/dev/null
cmake --build build-release >/dev/null
echo "release: built build-release/ (profile-guided)" >&2
