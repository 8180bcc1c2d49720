#!/usr/bin/env bash
# setup.sh - install what a fresh Debian 12 machine lacks, then build vcpulab
# (build/vcpulab).  Safe to run again: installs only missing packages.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(build-essential cmake ninja-build pkg-config libyaml-dev libcmocka-dev
          clang libclang-rt-14-dev gnuplot-nox valgrind python3)
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}" >&2
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

cmake --preset default >/dev/null
cmake --build build >/dev/null
echo "setup: built build/vcpulab" >&2
