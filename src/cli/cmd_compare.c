/* cli/cmd_compare.c - `vcpulab compare`: several policies on one scenario
 * and the same seeds (common random numbers), side by side: the mean of
 * each metric over seeds with its 95% confidence interval, and the ratio
 * of each policy's mean to the first policy's. */
#include <getopt.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/options.h"
#include "cli/progress.h"
#include "cli/solo.h"
#include "cli/stats.h"
#include "model/model.h"
#include "report/report.h"
#include "vl_json.h"

#define MAX_POLICIES 16

static const char compare_usage[] =
    "usage: vcpulab compare SCENARIO --sched A,B,... [options]\n"
    "\n"
    "Runs SCENARIO under each policy for the same seeds and prints the metrics\n"
    "side by side: mean over seeds, 95% confidence interval, ratio to the first.\n"
    "\n"
    "  --sched A,B,...     policies to compare (the first is the baseline)\n"
    "  --seeds N           seeds per policy: run.seed, run.seed+1, ... (default 1)\n"
    "  --set KEY=VALUE     override a scenario value (repeatable)\n"
    "  --seed N            first seed (default: the scenario's run.seed)\n"
    "  --duration T        simulated duration per run\n"
    "  --json FILE|-       write all runs' metrics and the summary as JSON\n"
    "  --csv FILE|-        write one row per (policy, seed, metric), after '# key:\n"
    "                      value' lines: version, commit, --set overrides and each\n"
    "                      policy's configuration in force\n"
    "  --cdf FILE|-        write every run's latency distributions as CDF points\n"
    "                      (CSV: scenario,sched,seed,distribution,value_ns,cdf)\n"
    "  --solo              also run each VM alone (same host, policy, seed and\n"
    "                      duration) and add per VM solo_work_ns and slowdown\n"
    "                      (work alone / work in the mix) and weighted_speedup\n"
    "                      (sum of work in the mix / work alone): one more run\n"
    "                      per VM for every policy and seed\n"
    "  --help              this text\n"
    "\n"
    "On a terminal a progress line (runs done, elapsed, ETA) is shown on stderr\n"
    "while the runs go on.\n";


static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

/* "mean [ci]" in the metric's own unit: durations scaled to s/ms/us/ns,
 * shares as percentages. */
static void format_cell(const char *name, double mean, double half, char *buf, size_t len)
{
    if (ends_with(name, "_ns")) {
        static const struct { double div; const char *unit; } units[] = {
            {1e9, "s"}, {1e6, "ms"}, {1e3, "us"}, {1, "ns"}};
        size_t u = 0;
        while (u < 3 && (mean < 0 ? -mean : mean) < units[u].div)
            u++;
        snprintf(buf, len, "%.4g%s [%.2g]", mean / units[u].div, units[u].unit,
                 half / units[u].div);
    } else if (ends_with(name, "share")) {
        snprintf(buf, len, "%.2f%% [%.2g]", 100 * mean, 100 * half);
    } else {
        snprintf(buf, len, "%.4g [%.2g]", mean, half);
    }
}

/* The metric is 0 in every run that has it (a lock never contended...). */
static bool zero_everywhere(const vl_metrics *runs, int nruns, const char *name)
{
    for (int r = 0; r < nruns; r++) {
        const vl_metric *m = vl_metrics_find(&runs[r], name);
        if (m && m->value != 0)
            return false;
    }
    return true;
}

/* Mean, 95% CI half-width and n of `name` over policy p's seeds (x: room
 * for nseeds values); n = 0 when no run of p has it. */
static double summarise(const vl_metrics *runs, int p, int nseeds, const char *name, double *x,
                        double *half, int *n)
{
    return vl_metrics_mean_ci95(&runs[p * nseeds], nseeds, name, x, half, n);
}

static void print_table(const vl_scenario *scn, const vl_sched_ops **ops, int npol,
                        vl_metrics *runs, int nseeds)
{
    printf("%s: %d seed%s per policy (from %llu); mean [95%% CI half-width] and ratio to %s\n\n",
           scn->name, nseeds, nseeds == 1 ? "" : "s", (unsigned long long)scn->seed,
           ops[0]->name);
    printf("%-36s", "metric");
    for (int p = 0; p < npol; p++)
        printf(" %30s", ops[p]->name);
    printf("\n");
    const vl_metrics *names = &runs[0];
    double *x = malloc((size_t)nseeds * sizeof *x);
    if (!x)
        return;
    int zeros = 0;
    for (int k = 0; k < names->n; k++) {
        const char *name = names->v[k].name;
        if (zero_everywhere(runs, npol * nseeds, name)) {
            zeros++;
            continue;
        }
        printf("%-36s", name);
        double base = 0;
        for (int p = 0; p < npol; p++) {
            int n;
            double half, mean = summarise(runs, p, nseeds, name, x, &half, &n);
            char cell[96];
            if (n == 0) {
                snprintf(cell, sizeof cell, "-");
            } else {
                if (p == 0)
                    base = mean;
                char value[48], ratio[24] = "";
                format_cell(name, mean, half, value, sizeof value);
                if (p > 0 && base != 0)
                    snprintf(ratio, sizeof ratio, " x%.2f", mean / base);
                snprintf(cell, sizeof cell, "%s%s", value, ratio);
            }
            printf(" %30s", cell);
        }
        printf("\n");
    }
    if (zeros)
        printf("\n(%d metric%s zero in every run left out; --csv and --json have all)\n", zeros,
               zeros == 1 ? "" : "s");
    free(x);
}

static void write_csv(FILE *f, const vl_cli_head *head, const vl_scenario *scn,
                      const vl_sched_ops **ops, int npol, vl_metrics *runs, int nseeds)
{
    vl_cli_head_write(head, f);
    fputs(VL_CSV_COLUMNS "\n", f);
    for (int p = 0; p < npol; p++)
        for (int s = 0; s < nseeds; s++) {
            const vl_metrics *ms = &runs[p * nseeds + s];
            for (int k = 0; k < ms->n; k++) {
                char v[32];
                vl_fmt_double(v, sizeof v, ms->v[k].value);
                fprintf(f, "%s,%s,%llu,%s,%s\n", scn->name, ops[p]->name,
                        (unsigned long long)(scn->seed + (uint64_t)s), ms->v[k].name, v);
            }
        }
}

/* "summary": per metric, per policy: mean over seeds, the half-width of
 * its 95% CI (Student t), n, and the ratio of the mean to the first
 * policy's (null when that is 0 or missing) - what the table shows. */
static void write_summary(vl_json *j, const vl_sched_ops **ops, int npol, vl_metrics *runs,
                          int nseeds)
{
    const vl_metrics *names = &runs[0];
    double *x = malloc((size_t)nseeds * sizeof *x);
    if (!x)
        return;
    vl_json_key(j, "summary");
    vl_json_obj_begin(j);
    for (int k = 0; k < names->n; k++) {
        const char *name = names->v[k].name;
        vl_json_key(j, name);
        vl_json_obj_begin(j);
        double base = 0;
        int nbase = 0;
        for (int p = 0; p < npol; p++) {
            int n;
            double half, mean = summarise(runs, p, nseeds, name, x, &half, &n);
            if (p == 0)
                base = mean, nbase = n;
            vl_json_key(j, ops[p]->name);
            vl_json_obj_begin(j);
            vl_json_kint(j, "n", n);
            if (n > 0) {
                vl_json_kdouble(j, "mean", mean);
                vl_json_kdouble(j, "ci95", half);
            }
            vl_json_key(j, "ratio");
            if (n > 0 && nbase > 0 && base != 0)
                vl_json_double(j, mean / base);
            else
                vl_json_null(j);
            vl_json_obj_end(j);
        }
        vl_json_obj_end(j);
    }
    vl_json_obj_end(j);
    free(x);
}

static void write_json(FILE *f, const vl_scenario *scn, const vl_sched_ops **ops, int npol,
                       vl_metrics *runs, int nseeds, char *const *configs)
{
    vl_json j;
    vl_json_init(&j, f, true);
    vl_json_obj_begin(&j);
    vl_json_kstr(&j, "vcpulab", VL_VERSION);
    vl_json_kstr(&j, "commit", vl_build_commit());
    vl_json_kstr(&j, "scenario", scn->name);
    vl_json_kstr(&j, "file", scn->path);
    vl_json_key(&j, "sets");
    vl_json_arr_begin(&j);
    for (int i = 0; i < scn->nsets; i++)
        vl_json_str(&j, scn->sets[i]);
    vl_json_arr_end(&j);
    vl_json_kuint(&j, "first_seed", scn->seed);
    vl_json_kint(&j, "seeds", nseeds);
    vl_json_key(&j, "configs"); /* per policy: what its runs ran with */
    vl_json_arr_begin(&j);
    for (int p = 0; p < npol; p++)
        vl_json_raw(&j, configs[p]);
    vl_json_arr_end(&j);
    vl_json_key(&j, "runs");
    vl_json_arr_begin(&j);
    for (int p = 0; p < npol; p++)
        for (int s = 0; s < nseeds; s++) {
            const vl_metrics *ms = &runs[p * nseeds + s];
            vl_json_obj_begin(&j);
            vl_json_kstr(&j, "sched", ops[p]->name);
            vl_json_kuint(&j, "seed", scn->seed + (uint64_t)s);
            vl_json_key(&j, "metrics");
            vl_json_obj_begin(&j);
            for (int k = 0; k < ms->n; k++)
                vl_json_kdouble(&j, ms->v[k].name, ms->v[k].value);
            vl_json_obj_end(&j);
            vl_json_obj_end(&j);
        }
    vl_json_arr_end(&j);
    write_summary(&j, ops, npol, runs, nseeds);
    vl_json_obj_end(&j);
    vl_json_finish(&j);
}

int vl_cmd_compare(int argc, char **argv)
{
    static const struct option opts[] = {
        VL_COMMON_LONG_OPTS,
        {"sched", required_argument, 0, OPT_SCHED},
        {"seeds", required_argument, 0, OPT_SEEDS},
        {"json", required_argument, 0, OPT_JSON},
        {"csv", required_argument, 0, OPT_CSV},
        {"cdf", required_argument, 0, OPT_CDF},
        {"solo", no_argument, 0, OPT_SOLO},
        {0, 0, 0, 0},
    };
    vl_cli_common c = {0};
    const char *json = NULL, *csv = NULL, *cdf = NULL;
    char *sched_list = NULL;
    bool solo = false;
    long nseeds = 1;
    int opt;
    while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (opt == OPT_SCHED) {
            sched_list = optarg;
            continue;
        }
        int r = vl_cli_common_opt(&c, opt, optarg);
        if (r < 0)
            return VL_EXIT_USAGE;
        if (r > 0)
            continue;
        char *end;
        switch (opt) {
        case OPT_SEEDS:
            nseeds = strtol(optarg, &end, 10);
            if (*end || nseeds < 1 || nseeds > 1000) {
                vl_cli_fail("--seeds %s: expected an integer in 1..1000", optarg);
                return VL_EXIT_USAGE;
            }
            break;
        case OPT_JSON: json = optarg; break;
        case OPT_CSV: csv = optarg; break;
        case OPT_CDF: cdf = optarg; break;
        case OPT_SOLO: solo = true; break;
        case OPT_HELP: fputs(compare_usage, stdout); return VL_EXIT_OK;
        default: fputs(compare_usage, stderr); return VL_EXIT_USAGE;
        }
    }
    if (optind != argc - 1 || !sched_list) {
        vl_cli_fail("compare: expected SCENARIO and --sched A,B,... (see vcpulab compare --help)");
        return VL_EXIT_USAGE;
    }
    const vl_sched_ops *ops[MAX_POLICIES];
    int npol;
    if (vl_cli_policies(sched_list, ops, MAX_POLICIES, &npol, "compare") < 0)
        return VL_EXIT_USAGE;
    vl_scenario scn;
    if (vl_cli_load(argv[optind], &c, &scn) < 0)
        return VL_EXIT_USAGE;
    if (vl_cli_check_seeds(scn.seed, nseeds, "compare") < 0) {
        vl_scenario_free(&scn);
        return VL_EXIT_USAGE;
    }
    for (int p = 0; p < npol; p++)
        vl_cli_warn_unmet(&scn, ops[p]);
    vl_outputs outs;
    vl_outputs_init(&outs);
    vl_output *oj = NULL, *oc = NULL, *od = NULL;
    if ((json && !(oj = vl_cli_output(&outs, "--json", json))) ||
        (csv && !(oc = vl_cli_output(&outs, "--csv", csv))) ||
        (cdf && !(od = vl_cli_output(&outs, "--cdf", cdf)))) {
        vl_outputs_abort(&outs);
        vl_scenario_free(&scn);
        return VL_EXIT_USAGE;
    }
    vl_metrics *runs = calloc((size_t)npol * (size_t)nseeds, sizeof *runs);
    char *configs[MAX_POLICIES] = {0}; /* --json: each policy's configuration */
    int status = runs ? VL_EXIT_OK : VL_EXIT_RUN;
    vl_cli_head head = {0}; /* the CSVs' provenance: a config line per policy */
    if (oc || od)
        vl_cli_head_begin(&head, c.sets, c.nsets);
    /* the CDF rows, in run order, until the head is complete */
    char *cdf_rows = NULL;
    size_t cdf_len = 0;
    FILE *cdf_buf = od ? open_memstream(&cdf_rows, &cdf_len) : NULL;
    if (status != VL_EXIT_OK || (od && !cdf_buf)) {
        vl_cli_fail("out of memory");
        status = VL_EXIT_RUN;
    }
    vl_progress progress;
    vl_progress_init(&progress, "compare", npol * nseeds);
    for (int p = 0; p < npol && status == VL_EXIT_OK; p++) {
        for (long s = 0; s < nseeds && status == VL_EXIT_OK; s++) {
            vl_model m;
            vl_error err;
            uint64_t seed = scn.seed + (uint64_t)s;
            if (vl_model_create(&m, &scn, ops[p], seed, scn.duration, NULL, &err) < 0 ||
                vl_model_run(&m, &err) < 0 ||
                vl_metrics_collect(&m, &runs[p * nseeds + s]) < 0) {
                vl_progress_end(&progress);
                vl_cli_error(&err);
                vl_cli_policy_state(m.policy_state);
                status = m.refused ? VL_EXIT_USAGE : VL_EXIT_RUN;
            } else if (solo &&
                       vl_solo_metrics(&scn, &m, ops[p], seed, &runs[p * nseeds + s], &err) < 0) {
                vl_progress_end(&progress);
                if (err.msg[0])
                    vl_cli_error(&err);
                else
                    vl_cli_fail("out of memory");
                status = VL_EXIT_RUN;
            } else {
                if (s == 0 && head.f)
                    vl_report_config_line(head.f, &m, NULL, NULL, 0, nseeds);
                if (s == 0 && oj &&
                    !(configs[p] = vl_report_config_json(&m, NULL, NULL, 0, nseeds))) {
                    vl_cli_fail("out of memory");
                    status = VL_EXIT_RUN;
                }
                if (cdf_buf)
                    vl_report_cdf(&m, cdf_buf, "");
            }
            vl_model_destroy(&m);
            vl_progress_update(&progress, p * nseeds + s + 1);
        }
    }
    vl_progress_end(&progress);
    if (cdf_buf && (ferror(cdf_buf) | fclose(cdf_buf)))
        status = VL_EXIT_RUN;
    if (status == VL_EXIT_OK && (oc || od) && vl_cli_head_end(&head) < 0)
        status = VL_EXIT_RUN;
    if (status == VL_EXIT_OK) {
        if (!(oj && oj->kind == VL_OUTPUT_STDOUT) && !(oc && oc->kind == VL_OUTPUT_STDOUT) &&
            !(od && od->kind == VL_OUTPUT_STDOUT))
            print_table(&scn, ops, npol, runs, (int)nseeds);
        if (oj)
            write_json(oj->f, &scn, ops, npol, runs, (int)nseeds, configs);
        if (oc)
            write_csv(oc->f, &head, &scn, ops, npol, runs, (int)nseeds);
        if (od) {
            vl_cli_head_write(&head, od->f);
            fputs(VL_CDF_COLUMNS "\n", od->f);
            fwrite(cdf_rows, 1, cdf_len, od->f);
        }
        if (vl_cli_commit(&outs) < 0)
            status = VL_EXIT_RUN;
    }
    vl_outputs_abort(&outs);
    vl_cli_head_free(&head);
    free(cdf_rows);
    for (long i = 0; runs && i < npol * nseeds; i++)
        vl_metrics_free(&runs[i]);
    free(runs);
    for (int p = 0; p < npol; p++)
        free(configs[p]);
    vl_scenario_free(&scn);
    return status;
}
