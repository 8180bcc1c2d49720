#!/usr/bin/env python3
"""cpu-pairs.py - CPU time (user + system) of whole runs of a command, or of
two commands run in turn (A B A B ...), the ratio A/B taken pair by pair so
that a machine whose speed drifts does not bias it.  Prints each figure's
median and range (min-max).

    scripts/cpu-pairs.py N 'COMMAND A' ['COMMAND B']

The commands are run by the shell, their output thrown away; one run of
each comes first and is not counted (caches, page faults).  Times are the
kernel's accounting of the finished child (getrusage), in microseconds."""
import resource
import statistics
import subprocess
import sys


def cpu(cmd):
    """CPU seconds of one run of cmd; exits if it fails."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    rc = subprocess.call(cmd, shell=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if rc != 0:
        sys.exit(f"cpu-pairs: exit status {rc}: {cmd}")
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def line(label, values, unit):
    print(f"{label} median {statistics.median(values):.4f}{unit} "
          f"({min(values):.4f}-{max(values):.4f}), {len(values)} runs")


def main(argv):
    if len(argv) not in (3, 4) or not argv[1].isdigit() or int(argv[1]) < 1:
        sys.stderr.write("usage: scripts/cpu-pairs.py N 'COMMAND A' ['COMMAND B']\n")
        return 2
    n, a, b = int(argv[1]), argv[2], argv[3] if len(argv) == 4 else None
    cpu(a)
    if b:
        cpu(b)
    ta, tb, ratio = [], [], []
    for _ in range(n):
        ta.append(cpu(a))
        if b:
            tb.append(cpu(b))
            ratio.append(ta[-1] / tb[-1] if tb[-1] > 0 else float("inf"))
    line("A cpu", ta, " s")
    if b:
        line("B cpu", tb, " s")
        line("A/B  ", ratio, "")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
