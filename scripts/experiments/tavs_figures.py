#!/usr/bin/env python3
"""tavs_figures.py - TAVS experiments (a)'s response CDF, (d), (e), (f), (g) and
the SMP result (docs/experiments.md, "Task-aware VM scheduling").  Each
subcommand runs `vcpulab run` per policy and seed (two at a time), prints a
Markdown table (mean over the seeds [95% CI half-width], Student t) and,
where the experiment has a figure, writes its data as CSV and draws the PNG
with gnuplot, into --out (default docs/data):

  a     tavs-worstcase-solo.yaml under credit, tavs-worstcase.yaml under credit
        and tavs: the server's response CDF          -> tavs-a-cdf.{csv,png}
  d     tavs-mix.yaml: each tool's execution time under tavs normalised to
        credit (the inverse of its rate, per seed), PBHR, CPU shares
  e     tavs-stream.yaml: pb_ratio 0 .. 0.5 against iperf's throughput and
        the CPU shares of the VMs and the backend    -> tavs-e-pbratio.{csv,png}
  f     tavs-mix.yaml under tavs, seed 1: the belief of grep, find, the
        compile's jobs and the compression over time (run --series)
                                                     -> tavs-f-belief.{csv,png}
  g     tavs-edit.yaml: keystroke response CDF under credit, tavs and tavs
        with io_threshold 2 ms                       -> tavs-g-cdf.{csv,png}
  smp   tavs-worstcase-smp.yaml: a 2-vCPU server VM, credit against tavs

  scripts/experiments/tavs_figures.py a [--seeds 5] [--bin build/vcpulab] [--out docs/data]
"""
import argparse
import csv
import os
import statistics
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor

from vlrun import DEFAULT_BIN

S = "scenarios/experiments"
T95 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228]


def rows(path):
    with open(path) as f:
        return list(csv.DictReader(line for line in f if not line.startswith("#")))


def run(binary, scenario, sched, seed, sets=(), series=False):
    """One run: ({metric: value}, {distribution: [(value_ns, cdf)]}, series rows)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = {k: os.path.join(tmp, k + ".csv") for k in ("csv", "cdf", "series")}
        cmd = [binary, "run", scenario, "--sched", sched, "--seed", str(seed), "--quiet",
               "--csv", out["csv"], "--cdf", out["cdf"]]
        if series:
            cmd += ["--series", out["series"]]
        for kv in sets:
            cmd += ["--set", kv]
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        metrics = {r["metric"]: float(r["value"]) for r in rows(out["csv"])}
        cdf = {}
        for r in rows(out["cdf"]):
            cdf.setdefault(r["distribution"], []).append((float(r["value_ns"]), float(r["cdf"])))
        return metrics, cdf, rows(out["series"]) if series else []


def runs(binary, configs, seeds):
    """{label: [run(...) per seed]} for configs [(label, scenario, sched, sets)]."""
    jobs = [(c, s) for c in configs for s in range(1, seeds + 1)]
    with ThreadPoolExecutor(2) as pool:
        done = list(pool.map(lambda j: run(binary, j[0][1], j[0][2], j[1], j[0][3]), jobs))
    out = {}
    for (c, _), r in zip(jobs, done):
        out.setdefault(c[0], []).append(r)
    return out


def mean_ci(xs):
    if not xs:
        return None
    if len(xs) < 2:
        return xs[0], 0.0
    t = T95[min(len(xs) - 2, len(T95) - 1)]
    return statistics.mean(xs), t * statistics.stdev(xs) / len(xs) ** 0.5


def fmt(cell, scale=1.0, digits=2):
    if cell is None:
        return "-"
    return f"{cell[0] * scale:.{digits}f} [{cell[1] * scale:.{digits}f}]"


def metric(rs, name, default=None):
    xs = [m.get(name, default) for m, _, _ in rs]
    return mean_ci([x for x in xs if x is not None])


def pooled_cdf(rs, dist):
    """The seeds' CDFs of `dist` averaged (each seed weighs the same)."""
    curves = [c.get(dist, []) for _, c, _ in rs]
    xs = sorted({x for c in curves for x, _ in c})

    def at(c, x):
        f = 0.0
        for v, p in c:
            if v > x:
                break
            f = p
        return f
    return [(x, statistics.mean(at(c, x) for c in curves)) for x in xs]


def write_csv(path, head, table):
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(head)
        w.writerows(table)


def gnuplot(script):
    subprocess.run(["gnuplot"], input=script, text=True, check=True)


def cdf_figure(a, rs, dist, name, title):
    """The pooled CDFs of dist per configuration -> name.csv, name.png."""
    data = os.path.join(a.out, name + ".csv")
    table = [(label, f"{x / 1e6:.6g}", f"{p:.6g}") for label, r in rs.items()
             for x, p in pooled_cdf(r, dist)]
    write_csv(data, ("config", "response_ms", "cdf"), table)
    plots = ", ".join(f"\"< grep '^{label},' {data}\" using 2:3 with steps lw {4 if i == 0 else 3} "
                      f"dt {i + 1} title \"{label}\"" for i, label in enumerate(rs))
    gnuplot(f"""set datafile separator ","
set terminal pngcairo size 800,480 noenhanced
set output "{os.path.join(a.out, name + '.png')}"
set title "{title} (seeds 1-{a.seeds} pooled)"
set xlabel "response time (ms)"; set ylabel "fraction of responses"
set logscale x; set xrange [0.01:1000]; set yrange [0:1.02]
set key bottom right; set grid
plot {plots}
""")


def response_table(rs, wl):
    print("| configuration | response mean ms | response p99 ms | answers/s | PBHR |")
    print("|---|---|---|---|---|")
    for label, r in rs.items():
        vm = wl.split(".")[0]
        print(f"| {label} | {fmt(metric(r, f'wl.{wl}.response_mean_ns'), 1e-6)} | "
              f"{fmt(metric(r, f'wl.{wl}.response_p99_ns'), 1e-6)} | "
              f"{fmt(metric(r, f'wl.{wl}.bursts'), 1 / 18.0, 1)} | "
              f"{fmt(metric(r, f'vm.{vm}.pbhr'), 1, 3)} |")


def exp_a(a):
    rs = runs(a.bin, [("credit (server alone)", f"{S}/tavs-worstcase-solo.yaml", "credit", ()),
                      ("credit (server + CPU task)", f"{S}/tavs-worstcase.yaml", "credit", ()),
                      ("tavs (server + CPU task)", f"{S}/tavs-worstcase.yaml", "tavs", ())],
              a.seeds)
    response_table(rs, "srv.rr")
    cdf_figure(a, rs, "wl.srv.rr.response", "tavs-a-cdf", "(a) worst case: rr response")


TOOLS = [  # workload, its rate metric, what the rate counts, the table's scale
    ("grep", "wl.mix.grep.io_requests", "reads", 1),
    ("find", "wl.mix.find.io_requests", "reads", 1),
    ("wget", "wl.mix.wget.net.throughput_mbps", "Mbit/s", 1),
    ("copy", "wl.mix.copy.io_requests", "reads", 1),
    ("make", "wl.mix.make.work_ns", "CPU s", 1e-9),
    ("gzip", "wl.mix.gzip.work_ns", "CPU s", 1e-9),
]
CPU_VMS = [f"cpu{i}" for i in range(1, 12)]


def exp_d(a):
    rs = runs(a.bin, [(p, f"{S}/tavs-mix.yaml", p, ()) for p in ("credit", "tavs")], a.seeds)
    print("| workload | rate counted | credit rate | tavs rate | tavs execution time / credit's "
          "| median |")
    print("|---|---|---|---|---|---|")
    for name, m, what, scale in TOOLS:
        ratios = [c[0][m] / t[0][m] for c, t in zip(rs["credit"], rs["tavs"])]
        digits = 1 if scale == 1 else 2
        print(f"| {name} | {what} | {fmt(metric(rs['credit'], m), scale, digits)} | "
              f"{fmt(metric(rs['tavs'], m), scale, digits)} | {fmt(mean_ci(ratios), 1, 2)} | "
              f"{statistics.median(ratios):.2f} |")
    t = rs["tavs"]
    cpu = {p: mean_ci([statistics.mean(m[f"vm.{v}.share"] for v in CPU_VMS[:5])
                       for m, _, _ in rs[p]]) for p in rs}
    print()
    print("| policy | boosts | PBHR | false positives | mix CPU share % | "
          "pCPU 0's CPU VMs, share % each |")
    print("|---|---|---|---|---|---|")
    for p in rs:
        pb = p == "tavs"
        print(f"| {p} | {fmt(metric(t, 'vm.mix.pb_boosts'), 1, 0) if pb else '-'} | "
              f"{fmt(metric(t, 'vm.mix.pbhr'), 1, 3) if pb else '-'} | "
              f"{fmt(metric(t, 'vm.mix.pb_false_positives'), 1, 0) if pb else '-'} | "
              f"{fmt(metric(rs[p], 'vm.mix.share'), 100)} | {fmt(cpu[p], 100)} |")


PB_RATIOS = ["0", "0.01", "0.02", "0.05", "0.1", "0.2", "0.3", "0.4", "0.5"]


def exp_e(a):
    configs = [("credit", f"{S}/tavs-stream.yaml", "credit", ())] + [
        (r, f"{S}/tavs-stream.yaml", "tavs", (f"params.tavs.pb_ratio={r}",)) for r in PB_RATIOS]
    rs = runs(a.bin, configs, a.seeds)
    cols = [("iperf Mbit/s", "wl.mix.iperf.net.throughput_mbps", 1, 1),
            ("mix CPU %", "vm.mix.share", 100, 2),
            ("CPU VM on pCPU 0 %", "vm.cpu1.share", 100, 2),
            ("CPU VM on pCPU 1 %", "vm.cpu6.share", 100, 2),
            ("backend CPU %", "vm.host.share", 100, 2),
            ("boosted CPU ms", "vm.mix.pb_boosted_ns", 1e-6, 0),
            ("PBHR", "vm.mix.pbhr", 1, 3)]
    print("| policy | pb_ratio | " + " | ".join(c[0] for c in cols) + " |")
    print("|---|---|" + "---|" * len(cols))
    table = []
    for label, r in rs.items():
        cells = [metric(r, m) for _, m, _, _ in cols]
        print(f"| {'credit' if label == 'credit' else 'tavs'} | "
              f"{'-' if label == 'credit' else label} | " +
              " | ".join(fmt(c, s, d) for c, (_, _, s, d) in zip(cells, cols)) + " |")
        if label != "credit":
            table.append([label] + [f"{c[0] * s:.6g}" if c else "" for c, (_, _, s, _) in
                                    zip(cells, cols)])
    data = os.path.join(a.out, "tavs-e-pbratio.csv")
    write_csv(data, ["pb_ratio"] + [c[0] for c in cols], table)
    base = metric(rs["credit"], cols[0][1])[0]
    gnuplot(f"""set datafile separator ","
set terminal pngcairo size 800,480 noenhanced
set output "{os.path.join(a.out, 'tavs-e-pbratio.png')}"
set title "(e) tavs-stream: pb_ratio against throughput and CPU (means of seeds 1-{a.seeds})"
set xlabel "pb_ratio"; set ylabel "iperf Mbit/s"; set y2label "share of the host (%)"
set yrange [0:100]; set y2range [0:20]; set ytics nomirror; set y2tics
set key top right; set grid
plot "{data}" using 1:2 with linespoints lw 2 title "iperf throughput (tavs)", \\
     {base} with lines dt 2 title "iperf throughput (credit)", \\
     "{data}" using 1:3 axes x1y2 with linespoints title "mix VM CPU", \\
     "{data}" using 1:4 axes x1y2 with linespoints title "a CPU VM on pCPU 0", \\
     "{data}" using 1:6 axes x1y2 with linespoints title "backend CPU"
""")


def exp_f(a):
    _, _, series = run(a.bin, f"{S}/tavs-mix.yaml", "tavs", 1, series=True)
    keep = [r for r in series if r["task"] in ("grep", "find", "make", "gzip")]
    table = [(f"{int(r['time_ns']) / 1e9:.6f}", r["task"], r["cr3"], r["value"]) for r in keep]
    last = {(r["task"], r["cr3"]): r["value"] for r in keep}  # held to the run's end
    table += [("20.000000", task, cr3, v) for (task, cr3), v in last.items() if task != "make"]
    data = os.path.join(a.out, "tavs-f-belief.csv")
    write_csv(data, ("time_s", "task", "cr3", "belief"), table)
    jobs = len({r["cr3"] for r in keep if r["task"] == "make"})
    print(f"{len(keep)} belief values: grep {sum(r['task'] == 'grep' for r in keep)}, "
          f"find {sum(r['task'] == 'find' for r in keep)}, make {jobs} address spaces")
    gnuplot(f"""set datafile separator ","
set terminal pngcairo size 800,480 noenhanced
set output "{os.path.join(a.out, 'tavs-f-belief.png')}"
set title "(f) tavs-mix, seed 1: tavs's belief per task"
set xlabel "simulated time (s)"; set ylabel "belief"
set yrange [-110:400]; set key top center horizontal; set grid
plot "< grep ',make,' {data}" using 1:4 with points pt 7 ps 0.4 lc rgb "gray50" title "make's jobs ({jobs} processes)", \\
     "< grep ',grep,' {data}" using 1:4 with steps lw 2 title "grep", \\
     "< grep ',find,' {data}" using 1:4 with steps lw 2 title "find", \\
     "< grep ',gzip,' {data}" using 1:4 with steps lw 2 title "gzip (the compression)", \\
     30 with lines dt 2 lc rgb "black" title "bel_threshold"
""")


def exp_g(a):
    e = f"{S}/tavs-edit.yaml"
    rs = runs(a.bin, [("credit", e, "credit", ()), ("tavs", e, "tavs", ()),
                      ("tavs (io_threshold 2 ms)", e, "tavs", ("params.tavs.io_threshold=2ms",))],
              a.seeds)
    response_table(rs, "edit.editor")
    cdf_figure(a, rs, "wl.edit.editor.response", "tavs-g-cdf",
               "(g) tavs-edit: keystroke response beside make")


def exp_smp(a):
    w = f"{S}/tavs-worstcase-smp.yaml"
    rs = runs(a.bin, [("credit", w, "credit", ()), ("tavs", w, "tavs", ())], a.seeds)
    response_table(rs, "srv.rr")
    print()
    print("| policy | srv CPU share % | a CPU VM's share % | partial boosts |")
    print("|---|---|---|---|")
    for p, r in rs.items():
        print(f"| {p} | {fmt(metric(r, 'vm.srv.share'), 100)} | "
              f"{fmt(metric(r, 'vm.cpu1.share'), 100)} | "
              f"{fmt(metric(r, 'vm.srv.pb_boosts'), 1, 0) if p == 'tavs' else '-'} |")


def main():
    exps = {"a": exp_a, "d": exp_d, "e": exp_e, "f": exp_f, "g": exp_g, "smp": exp_smp}
    ap = argparse.ArgumentParser()
    ap.add_argument("experiment", choices=sorted(exps))
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--bin", default=DEFAULT_BIN)
    ap.add_argument("--out", default="docs/data")
    a = ap.parse_args()
    exps[a.experiment](a)


if __name__ == "__main__":
    main()
