/* cli/cmd_run.c - `vcpulab run`: one scenario, one policy, one seed. */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/options.h"
#include "model/model.h"
#include "report/report.h"
#include "report/series.h"
#include "report/trace.h"

static const char run_usage[] =
    "usage: vcpulab run SCENARIO [options]\n"
    "\n"
    "Runs one scenario under one policy and prints a summary table.\n"
    "\n"
    "  --sched NAME        policy (default: the scenario's `scheduler`)\n"
    "  --set KEY=VALUE     override a scenario value (repeatable), e.g.\n"
    "                      --set run.duration=2s --set vms.web.weight=512\n"
    "                      --set params.credit.tslice=10ms\n"
    "  --seed N            scenario seed (default: the scenario's run.seed)\n"
    "  --duration T        simulated duration, e.g. 10s (default: run.duration)\n"
    "  --json FILE|-       write the JSON report (docs/output-format.md)\n"
    "  --csv FILE|-        write the metrics as long-format CSV\n"
    "  --trace FILE|-      write a Chrome Trace Event file (Perfetto, speedscope):\n"
    "                      process \"host\", a track per pCPU (the vCPUs it ran);\n"
    "                      a process per VM, per vCPU a runstate track (running,\n"
    "                      runnable = steal, blocked, offline) with IPI arrows from\n"
    "                      the send to the arrival, and a guest track (lock holds,\n"
    "                      spins, IPIs sent)\n"
    "  --ftrace FILE|-     write the pCPUs' sched_switch and sched_wakeup events as\n"
    "                      ftrace text (Perfetto, KernelShark); each vCPU is a task\n"
    "                      \"<vm>.v<index>\", pid 1 + its host-wide index\n"
    "  --series FILE|-     write the policy's own state over time as CSV\n"
    "                      (time_ns,vm,series,cr3,task,value; e.g. tavs's belief\n"
    "                      per task; also counter tracks in --trace)\n"
    "  --trace-window FROM,TO\n"
    "                      write only that part of the run to --trace, --ftrace\n"
    "                      and --series\n"
    "                      (simulated time, e.g. 2s,2.5s; intervals clipped at its\n"
    "                      edges; FROM < TO <= the duration)\n"
    "  --cdf FILE|-        write every latency distribution as CDF points (CSV)\n"
    "  --quiet             no summary table\n"
    "  --no-fold           run every pause-loop exit cycle as its own events (the\n"
    "                      results are the same; only the event count and the\n"
    "                      digest differ: docs/performance.md, \"Folded exit cycles\")\n"
    "  --help              this text\n"
    "\n"
    "Every CSV opens with '# key: value' lines: version, commit, --set overrides and\n"
    "the configuration in force (docs/output-format.md, \"Provenance\").\n"
    "\n"
    "Exit status: 0 ok, 1 the run failed (the core stopped the policy, or memory\n"
    "ran out), 2 bad usage or input (no output file is left behind).\n";

/* --trace-window FROM,TO: two durations, FROM < TO <= the run's end (a
 * window past the end would promise events the run cannot have). */
static int parse_window(const char *arg, bool traced, vl_ns duration, vl_ns *from, vl_ns *to)
{
    char first[64];
    const char *comma = strchr(arg, ',');
    size_t n = comma ? (size_t)(comma - arg) : 0;
    if (!traced) {
        vl_cli_fail("--trace-window needs --trace, --ftrace or --series");
        return -1;
    }
    if (!comma || n >= sizeof first) {
        vl_cli_fail("--trace-window %s: expected FROM,TO (durations, e.g. 2s,2.5s)", arg);
        return -1;
    }
    memcpy(first, arg, n);
    first[n] = '\0';
    if (vl_duration_parse(first, 0, from) < 0 || vl_duration_parse(comma + 1, 0, to) < 0) {
        vl_cli_fail("--trace-window %s: expected FROM,TO (durations, e.g. 2s,2.5s)", arg);
        return -1;
    }
    char end[32];
    vl_duration_format(duration, end, sizeof end);
    if (*from >= *to) {
        vl_cli_fail("--trace-window %s: FROM must be before TO", arg);
        return -1;
    }
    if (*to > duration) {
        vl_cli_fail("--trace-window %s: TO is past the run's end (%s)", arg, end);
        return -1;
    }
    return 0;
}

int vl_cmd_run(int argc, char **argv)
{
    static const struct option opts[] = {
        VL_COMMON_LONG_OPTS,
        {"sched", required_argument, 0, OPT_SCHED},
        {"json", required_argument, 0, OPT_JSON},
        {"csv", required_argument, 0, OPT_CSV},
        {"trace", required_argument, 0, OPT_TRACE},
        {"ftrace", required_argument, 0, OPT_FTRACE},
        {"trace-window", required_argument, 0, OPT_TRACE_WINDOW},
        {"cdf", required_argument, 0, OPT_CDF},
        {"series", required_argument, 0, OPT_SERIES},
        {"quiet", no_argument, 0, OPT_QUIET},
        {"no-fold", no_argument, 0, OPT_NO_FOLD},
        {0, 0, 0, 0},
    };
    vl_cli_common c = {0};
    const char *json = NULL, *csv = NULL, *trace = NULL, *cdf = NULL, *ftrace = NULL;
    const char *window = NULL, *series = NULL;
    int quiet = 0, no_fold = 0, opt;
    while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        int r = vl_cli_common_opt(&c, opt, optarg);
        if (r < 0)
            return VL_EXIT_USAGE;
        if (r > 0)
            continue;
        switch (opt) {
        case OPT_JSON: json = optarg; break;
        case OPT_CSV: csv = optarg; break;
        case OPT_TRACE: trace = optarg; break;
        case OPT_FTRACE: ftrace = optarg; break;
        case OPT_TRACE_WINDOW: window = optarg; break;
        case OPT_CDF: cdf = optarg; break;
        case OPT_SERIES: series = optarg; break;
        case OPT_QUIET: quiet = 1; break;
        case OPT_NO_FOLD: no_fold = 1; break;
        case OPT_HELP: fputs(run_usage, stdout); return VL_EXIT_OK;
        default: fputs(run_usage, stderr); return VL_EXIT_USAGE;
        }
    }
    if (optind != argc - 1) {
        vl_cli_fail("run: expected exactly one SCENARIO (see vcpulab run --help)");
        return VL_EXIT_USAGE;
    }
    vl_scenario scn;
    if (vl_cli_load(argv[optind], &c, &scn) < 0)
        return VL_EXIT_USAGE;
    const vl_sched_ops *ops = c.sched ? vl_cli_policy(c.sched) : scn.sched;
    if (ops)
        vl_cli_warn_unmet(&scn, ops);
    vl_ns from = 0, to = scn.duration;
    bool windowed = trace || ftrace || series;
    if (!ops || (window && parse_window(window, windowed, scn.duration, &from, &to) < 0)) {
        vl_scenario_free(&scn);
        return VL_EXIT_USAGE;
    }
    /* every output path is checked (and staged) before anything runs */
    vl_outputs outs;
    vl_outputs_init(&outs);
    vl_output *oj = NULL, *oc = NULL, *ot = NULL, *od = NULL, *of = NULL, *os = NULL;
    if ((json && !(oj = vl_cli_output(&outs, "--json", json))) ||
        (csv && !(oc = vl_cli_output(&outs, "--csv", csv))) ||
        (trace && !(ot = vl_cli_output(&outs, "--trace", trace))) ||
        (ftrace && !(of = vl_cli_output(&outs, "--ftrace", ftrace))) ||
        (cdf && !(od = vl_cli_output(&outs, "--cdf", cdf))) ||
        (series && !(os = vl_cli_output(&outs, "--series", series)))) {
        vl_outputs_abort(&outs);
        vl_scenario_free(&scn);
        return VL_EXIT_USAGE;
    }

    int status = VL_EXIT_OK;
    vl_error err;
    vl_model m;
    vl_trace tr = {0};
    FILE *rows = NULL; /* the series' rows, behind the header written after the run */
    vl_cli_head head = {0};
    vl_model_opts mo = {.fel = VL_FEL_DEFAULT, .no_fold = no_fold};
    if (vl_model_create(&m, &scn, ops, scn.seed, scn.duration, &mo, &err) < 0) {
        vl_cli_error(&err);
        status = VL_EXIT_USAGE;
        goto done;
    }
    if (os && !(rows = tmpfile())) {
        vl_cli_fail("--series: no temporary file: %s", strerror(errno));
        status = VL_EXIT_RUN;
        goto done;
    }
    if (ot || of || os) {
        if (vl_trace_begin(&tr, ot ? ot->f : NULL, of ? of->f : NULL, rows, from, to, &m) < 0) {
            vl_cli_fail("out of memory");
            status = VL_EXIT_RUN;
            goto done;
        }
        m.hv.observer = vl_trace_observer(&tr);
    }
    if (vl_model_run(&m, &err) < 0) {
        vl_cli_error(&err);
        vl_cli_policy_state(m.policy_state);
        status = m.refused ? VL_EXIT_USAGE : VL_EXIT_RUN; /* refused: an input error */
        goto done;
    }
    if ((ot || of || os) && vl_trace_end(&tr, m.hv.sim.now) < 0) {
        vl_cli_fail("out of memory");
        status = VL_EXIT_RUN;
        goto done;
    }
    bool csvs = oc || od || os;
    if (csvs && vl_cli_head_begin(&head, c.sets, c.nsets) == 0) /* the CSVs' provenance */
        vl_report_config_line(head.f, &m, NULL, NULL, 0, 1);
    if (csvs && vl_cli_head_end(&head) < 0) {
        status = VL_EXIT_RUN;
        goto done;
    }
    if (oj)
        vl_report_json(&m, oj->f);
    if (oc) {
        vl_cli_head_write(&head, oc->f);
        vl_report_csv(&m, oc->f);
    }
    if (od) {
        vl_cli_head_write(&head, od->f);
        fputs(VL_CDF_COLUMNS "\n", od->f);
        vl_report_cdf(&m, od->f, "");
    }
    if (os && ferror(rows)) {
        vl_cli_fail("--series: the temporary file failed");
        status = VL_EXIT_RUN;
        goto done;
    }
    if (os) {
        vl_cli_head_write(&head, os->f);
        fputs(VL_SERIES_COLUMNS "\n", os->f);
        rewind(rows);
        char buf[1 << 14];
        for (size_t n; (n = fread(buf, 1, sizeof buf, rows)) > 0;)
            fwrite(buf, 1, n, os->f);
    }
    bool to_stdout = (oj && oj->kind == VL_OUTPUT_STDOUT) || (oc && oc->kind == VL_OUTPUT_STDOUT) ||
                     (od && od->kind == VL_OUTPUT_STDOUT) || (ot && ot->kind == VL_OUTPUT_STDOUT) ||
                     (of && of->kind == VL_OUTPUT_STDOUT) || (os && os->kind == VL_OUTPUT_STDOUT);
    if (!quiet && !to_stdout)
        vl_report_text(&m, stdout);
    if (vl_cli_commit(&outs) < 0)
        status = VL_EXIT_RUN;
done:
    if (tr.since)
        vl_trace_end(&tr, m.hv.sim.now);
    if (rows)
        fclose(rows);
    vl_outputs_abort(&outs);
    vl_cli_head_free(&head);
    vl_model_destroy(&m);
    vl_scenario_free(&scn);
    return status;
}
