#!/usr/bin/env bash
# --ftrace (docs/output-format.md, "run --ftrace"): the "# tracer: nop"
# header, then only sched_switch and sched_wakeup lines in the grammar of
# Linux's trace output, which Perfetto's ftrace-text tokenizer accepts; on
# every pCPU each switch starts from the task the previous one switched
# to, and the line's task is the one running; every vCPU keeps one pid;
# a window keeps exactly the lines inside it.  Bad windows exit 2 with
# nothing written; outputs are staged with the others.
set -u
bin=$1 src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
no() { echo "FAIL: $*"; fail=1; }
s="$src/scenarios/baseline.yaml"
"$bin" run "$s" --duration 1500ms --quiet --ftrace "$tmp/f.txt" || exit 1
"$bin" run "$s" --duration 1500ms --ftrace - >"$tmp/stdout.txt" || exit 1
"$bin" run "$s" --duration 1500ms --quiet --ftrace "$tmp/w.txt" --trace-window 500ms,1s || exit 1
cmp -s "$tmp/f.txt" "$tmp/stdout.txt" || no "--ftrace - differs from the file (or the table went to stdout)"
python3 - "$tmp/f.txt" "$tmp/w.txt" 0.5 1.0 <<'PY' || fail=1
import re, sys
# the line: task-pid [cpu] flags secs.usecs: event: body (Linux
# kernel/trace/trace_output.c; bodies: include/trace/events/sched.h)
LINE = re.compile(r"^ *(\S+)-(\d+) +\[(\d{3})\] d\.\.2 +(\d+\.\d{6}): (sched_switch|sched_wakeup): (.*)$")
# Perfetto's tokenizer (src/trace_processor/importers/systrace/systrace_line_tokenizer.cc)
PERFETTO = re.compile(r"-(\d+)\s+\(?\s*(\d+|-+)?\)?\s?\[(\d+)\]\s*[a-zA-Z0-9.]{0,4}\s+(\d+\.\d+):\s+(\S+):")
def task(p):
    return r"{0}comm=(\S+) {0}pid=(\d+) {0}prio=120".format(p)
SWITCH = re.compile(r"^%s prev_state=(R|R\+|S|T) ==> %s$" % (task("prev_"), task("next_")))
WAKEUP = re.compile(r"^%s target_cpu=(\d{3})$" % task(""))

def parse(path):
    lines = open(path).read().split("\n")
    assert lines[0] == "# tracer: nop" and lines[-1] == "", lines[0]
    out = []
    for l in lines[1:-1]:
        if l.startswith("#"):
            assert not out, "a comment after the events: %r" % l
            continue
        m = LINE.match(l)
        assert m and PERFETTO.search(l), "bad line %r" % l
        task, pid, cpu, ts, ev, body = m.groups()
        out.append((float(ts), int(cpu), task, int(pid), ev, body, l))
    return out

full = parse(sys.argv[1])
assert full, "no events"
assert [e[0] for e in full] == sorted(e[0] for e in full), "time goes back"
curr, pids = {}, {}
nsw = 0
for ts, cpu, task, pid, ev, body, l in full:
    if ev == "sched_switch":
        m = SWITCH.match(body)
        assert m, "bad sched_switch %r" % l
        pc, pp, _, nc, np = m.groups()
        pp, np = int(pp), int(np)
        assert (task, pid) == (("<idle>" if pp == 0 else pc), pp), "line task is not prev: %r" % l
        assert curr.get(cpu, ("swapper/%d" % cpu, 0)) == (pc, pp), "cpu %d: switch from %r, %r was running" % (cpu, (pc, pp), curr.get(cpu))
        assert pp != np, l
        curr[cpu] = (nc, np)
        nsw += 1
        named = [(pc, pp), (nc, np)]
    else:
        m = WAKEUP.match(body)
        assert m, "bad sched_wakeup %r" % l
        wc, wp, tc = m.groups()
        assert int(tc) == cpu, l
        assert (task, pid) == (("<idle>", 0) if cpu not in curr or curr[cpu][1] == 0 else curr[cpu]), "line task is not the current one: %r" % l
        named = [(wc, int(wp))]
    for c, p in named:
        if p:
            assert re.match(r"^\S+\.v\d+$", c), c
            assert pids.setdefault(c, p) == p, "%s has two pids" % c
assert len(set(pids.values())) == len(pids), "two vCPUs share a pid"
lo, hi = float(sys.argv[3]), float(sys.argv[4])
win = parse(sys.argv[2])
want = [e[6] for e in full if lo <= e[0] <= hi]
assert [e[6] for e in win] == want and want, "the window is not the full trace's lines in [%g, %g]" % (lo, hi)
print("%d lines (%d switches), %d tasks; %d in the window" % (len(full), nsw, len(pids), len(win)))
PY

# bad windows: exit 2, a message, nothing written
for w in 2s x,1s 1s,x ,1s 1s,1s 1200ms,1s 1s,2s; do
  "$bin" run "$s" --duration 1500ms --quiet --ftrace "$tmp/bad.txt" --trace-window "$w" 2>"$tmp/err"
  rc=$?
  [ $rc -eq 2 ] && grep -q "^vcpulab: --trace-window $w: " "$tmp/err" || { no "--trace-window $w: exit $rc"; cat "$tmp/err"; }
  [ ! -e "$tmp/bad.txt" ] || no "--trace-window $w left its output"
done
grep -q "past the run's end (1500ms)" "$tmp/err" || no "TO past the end: $(cat "$tmp/err")"
"$bin" run "$s" --duration 1500ms --quiet --trace-window 1s,1500ms 2>"$tmp/err"
[ $? -eq 2 ] && grep -q "needs --trace, --ftrace or --series" "$tmp/err" || no "a window with no trace"

# staged with the other outputs: a refused --json leaves no ftrace; one "-"
"$bin" run "$s" --duration 1500ms --quiet --ftrace "$tmp/x.txt" --json "$tmp/nodir/x.json" 2>/dev/null
[ $? -eq 2 ] && [ ! -e "$tmp/x.txt" ] || no "a refused --json still wrote the ftrace"
"$bin" run "$s" --duration 1500ms --quiet --ftrace - --trace - >/dev/null 2>"$tmp/err"
[ $? -eq 2 ] || no "--ftrace - with --trace - accepted"
mkfifo "$tmp/fifo"
cat "$tmp/fifo" >"$tmp/from-fifo" &
reader=$!
"$bin" run "$s" --duration 1500ms --quiet --ftrace "$tmp/fifo" --trace "$tmp/t.json" || no "run --ftrace FIFO"
wait $reader
[ -p "$tmp/fifo" ] || no "the FIFO was replaced"
cmp -s "$tmp/from-fifo" "$tmp/f.txt" || no "the FIFO's reader did not get the ftrace"
exit $fail
