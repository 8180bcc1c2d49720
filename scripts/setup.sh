#!/usr/bin/env bash
# setup.sh - install what a fresh Debian 12 machine lacks to build and run
# vcpulab, then build it (build/vcpulab).  Safe to run again: installs only
# missing packages.  The test tools (cmocka, clang's fuzzer runtime,
# valgrind) are installed by scripts/test.sh, which needs them.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/packages.sh

# the build, the YAML loader, sweep plots, the experiment scripts
install_missing build-essential cmake ninja-build pkg-config libyaml-dev gnuplot-nox python3

# the default preset builds the tests too: without cmocka, build the
# command and the benchmarks only
if dpkg -s libcmocka-dev >/dev/null 2>&1; then
  cmake --preset default -DVL_TESTS=ON >/dev/null
else
  cmake --preset default -DVL_TESTS=OFF >/dev/null
fi
cmake --build build >/dev/null
echo "setup: built build/vcpulab" >&2
