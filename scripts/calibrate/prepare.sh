#!/bin/bash
# prepare.sh - install tools and generate inputs for run_all.sh into $CAL (default /tmp/cal).
set -eu
CAL=${CAL:-/tmp/cal}; HERE=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$CAL"; cd "$CAL"
apt-get install -y -q rt-tests pigz xz-utils libvips-tools x264 iperf3 iputils-ping \
  stress-ng gcc make time linux-perf wget python3 >/dev/null
gcc -O2 -fopenmp -pthread "$HERE/barrier.c" -o barrier
gcc -O2 -pthread "$HERE/rr.c" -o rr
gcc -O2 -pthread "$HERE/shoot.c" -o shoot
gcc -O2 "$HERE/ctxsw.c" -o ctxsw
# gmake-like: 200 C files of moderate size, one link step
mkdir -p proj && ( cd proj
  for i in $(seq 1 120); do
    { echo "#include <stdio.h>"; echo "#include <stdlib.h>"; echo "#include <string.h>"
      for f in $(seq 1 20); do
        echo "int f${i}_$f(int *a, int n){int s=0; for(int k=0;k<n;k++){s+=a[k]*$f; if(s>$i) s^=k;} return s;}"
      done
      echo "int entry$i(void){int a[16]={0}; return f${i}_1(a,16);}"; } > f$i.c
  done
  { echo "int main(void){return 0;}"; } > main.c
  printf 'SRCS=$(wildcard *.c)\nOBJS=$(SRCS:.c=.o)\nCFLAGS=-O2\nprog: $(OBJS)\n\t$(CC) -o $@ $^\nclean:\n\trm -f *.o prog\n' > Makefile )
# dedup-like compression input: ~300 MB mix of binaries and text (semi-compressible)
[ -f blob ] || { for i in 1 2 3; do cat /usr/bin/* /usr/share/doc/*/copyright 2>/dev/null; done | head -c 300M > blob; }
# vips input: 6000x6000 RGB image
[ -f img8.v ] || { vips gaussnoise noise.v 6000 6000 && vips bandjoin "noise.v noise.v noise.v" img.v && vips cast img.v img8.v uchar; }
[ -f rgb.v ] || vips copy img8.v rgb.v --interpretation srgb
# x264 input: 640x360 yuv420p, 150 frames of moving gradient
[ -f vid.yuv ] || python3 - <<'PY'
W,H,N=640,360,150
with open("vid.yuv","wb") as f:
    for n in range(N):
        y=bytes(((x+n*3)^(r+n))&255 for r in range(H) for x in range(W))
        c=bytes(((x+r+n)&255) for r in range(H//2) for x in range(W//2))
        f.write(y); f.write(c); f.write(c)
PY
# large file for cp / wget
[ -f big ] || head -c 1G /dev/urandom > big
