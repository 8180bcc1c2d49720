#!/usr/bin/env bash
# The model's layers call each other one way (sim, hw <- hv <- guest <- workload
# <- scenario <- model <- report <- cli; the guest not hv/lifecycle.c, the
# workload registry in src/workload/; events initialised through the engine's
# tag allocator, sim/tag.h), and the files of src/guest/ call each
# other without a cycle (docs/guest-model.md, "Architecture").  Read from the
# object files' defined and undefined symbols (nm): calls through the
# registration tables, which are data, do not count.
set -u
bin=$1 src=$2
python3 - "$(dirname "$bin")/CMakeFiles" "$src" <<'PY'
import collections, glob, os, subprocess, sys
objdir, src = sys.argv[1], sys.argv[2]
rank = {"sim": 0, "hw": 0, "hv": 1, "guest": 2, "workload": 3, "scenario": 4, "model": 5,
        "report": 6, "cli": 7}
defs, undef = {}, {}
for lib in ("vl_core.dir", "vl_workloads.dir"):
    for o in glob.glob(os.path.join(objdir, lib, "src", "**", "*.c.o"), recursive=True):
        rel = o.split(os.sep + "src" + os.sep, 1)[1][:-len(".c.o")]
        if not os.path.exists(os.path.join(src, "src", rel + ".c")):
            continue  # left over from a removed file
        out = subprocess.run(["nm", o], capture_output=True, text=True, check=True).stdout
        undef[rel] = set()
        for line in out.splitlines():
            f = line.split()
            if len(f) == 3 and f[1] in "TDRBC":
                defs[f[2]] = rel
            elif len(f) == 2 and f[0] == "U":
                undef[rel].add(f[1])
if not any(f.startswith("guest/") for f in undef):
    sys.exit("FAIL: no object files of src/guest/ under " + objdir)
calls = collections.defaultdict(dict)
for f, syms in undef.items():
    for s in syms:
        d = defs.get(s)
        if d and d != f:
            calls[f].setdefault(d, s)
bad = 0
for f in sorted(calls):
    for d, s in sorted(calls[f].items()):
        a, b = f.split("/")[0], d.split("/")[0]
        if a != b and a in rank and b in rank and rank[a] <= rank[b]:
            print(f"FAIL: {f} calls {d} ({s}): {a} is below {b}")
            bad = 1
        if a == "guest" and d == "hv/lifecycle":  # the guest sees the hypervisor's port only
            print(f"FAIL: {f} calls {d} ({s})")
            bad = 1
for f in sorted(undef):  # the model's events get their tags from the engine (sim/tag.h)
    if "vl_event_init" in undef[f] and not f.startswith("sim/"):
        print(f"FAIL: {f} initialises an event with a hand-picked tag (vl_event_init)")
        bad = 1
if not defs.get("vl_workload_type_find", "").startswith("workload/"):
    print("FAIL: the workload registry is not in src/workload/")
    bad = 1
# a cycle among the guest's files: depth-first search for a back edge
state = {}
def visit(f, path):
    state[f] = 1
    for d in sorted(calls[f]):
        if not d.startswith("guest/"):
            continue
        if state.get(d) == 1:
            cyc = path[path.index(d):] + [d]
            print("FAIL: a cycle in src/guest/: " + " -> ".join(cyc))
            return True
        if d not in state and visit(d, path + [d]):
            return True
    state[f] = 2
    return False
for f in sorted(x for x in undef if x.startswith("guest/")):
    if f not in state and visit(f, [f]):
        bad = 1
        break
sys.exit(bad)
PY
