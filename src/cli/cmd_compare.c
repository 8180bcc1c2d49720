/* cli/cmd_compare.c - `vcpulab compare`: several policies on one scenario
 * and the same seeds (common random numbers), side by side: the mean of
 * each metric over seeds with its 95% confidence interval, and the ratio
 * of each policy's mean to the first policy's.
 *
 * The runs (policy x seed, the seed fastest) go to worker processes
 * (cli/pool.h, -j); each sends back its metrics and what the outputs want
 * from it (cli/run_result.h).  Nothing is written until every run has
 * ended, and then in run order, so the outputs are the same bytes
 * whatever -j is. */
#include <getopt.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/options.h"
#include "cli/pool.h"
#include "cli/run_result.h"
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
    "  -j, --jobs N        worker processes (default: the number of online CPUs);\n"
    "                      the output is the same whatever N is\n"
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

/* What a run sends back besides its metrics (cli/run_result.h). */
enum { TEXT_CONFIG_LINE, TEXT_CONFIG_JSON, TEXT_CDF, RUN_TEXTS };

typedef struct compare_ctx {
    const vl_scenario *scn;
    const vl_sched_ops **ops;
    long nseeds;
    bool solo;
    bool want_head, want_json, want_cdf; /* the texts the outputs need */
    vl_metrics *runs;                    /* per run (policy x seed)    */
    char **texts;                        /* per run, RUN_TEXTS of them */
    size_t *lens;
} compare_ctx;

/* The texts of run (policy p, seed offset s) of model m: its
 * configuration's --csv line and --json object (first seed only) and its
 * --cdf rows.  -1 when out of memory. */
static int run_texts(const compare_ctx *x, const vl_model *m, long s, char **text, size_t *len)
{
    FILE *f;
    if (s == 0 && x->want_head) {
        if (!(f = open_memstream(&text[TEXT_CONFIG_LINE], &len[TEXT_CONFIG_LINE])))
            return -1;
        vl_report_config_line(f, m, NULL, NULL, 0, x->nseeds);
        if (ferror(f) | fclose(f))
            return -1;
    }
    if (s == 0 && x->want_json) {
        if (!(text[TEXT_CONFIG_JSON] = vl_report_config_json(m, NULL, NULL, 0, x->nseeds)))
            return -1;
        len[TEXT_CONFIG_JSON] = strlen(text[TEXT_CONFIG_JSON]);
    }
    if (x->want_cdf) {
        if (!(f = open_memstream(&text[TEXT_CDF], &len[TEXT_CDF])))
            return -1;
        vl_report_cdf(m, f, "");
        if (ferror(f) | fclose(f))
            return -1;
    }
    return 0;
}

/* In the worker: runs run i (policy i / nseeds, seed i % nseeds) and
 * sends its result to fd.  Exit status 2 when the policy refused the
 * scenario, 1 when the run failed. */
static int run_job(long i, int fd, void *ctx)
{
    const compare_ctx *x = ctx;
    const vl_sched_ops *ops = x->ops[i / x->nseeds];
    long s = i % x->nseeds;
    uint64_t seed = x->scn->seed + (uint64_t)s;
    vl_model m;
    vl_error err;
    vl_metrics ms = {0};
    char *text[RUN_TEXTS] = {0};
    size_t len[RUN_TEXTS] = {0};
    int status = VL_EXIT_RUN;
    if (vl_model_create(&m, x->scn, ops, seed, x->scn->duration, NULL, &err) < 0 ||
        vl_model_run(&m, &err) < 0) {
        vl_cli_error(&err);
        vl_cli_policy_state(m.policy_state);
        if (m.refused)
            status = VL_EXIT_USAGE;
    } else if (vl_metrics_collect(&m, &ms) < 0) {
        vl_cli_fail("out of memory");
    } else if (x->solo && vl_solo_metrics(x->scn, &m, ops, seed, &ms, &err) < 0) {
        if (err.msg[0])
            vl_cli_error(&err);
        else
            vl_cli_fail("out of memory");
    } else if (run_texts(x, &m, s, text, len) < 0) {
        vl_cli_fail("out of memory");
    } else if (run_result_send(fd, &ms, (const char *const *)text, len, RUN_TEXTS) == 0) {
        status = VL_EXIT_OK;
    }
    for (int t = 0; t < RUN_TEXTS; t++)
        free(text[t]);
    vl_metrics_free(&ms);
    vl_model_destroy(&m);
    return status;
}

/* In the parent: run i's result, kept until every run has ended. */
static int on_done(long i, const void *data, size_t len, void *ctx)
{
    compare_ctx *x = ctx;
    int rc = run_result_read(data, len, &x->runs[i], &x->texts[i * RUN_TEXTS],
                             &x->lens[i * RUN_TEXTS], RUN_TEXTS);
    if (rc == -2)
        vl_cli_fail("out of memory");
    else if (rc < 0)
        vl_cli_fail("compare: run %ld: its worker sent a malformed result (%zu bytes)", i, len);
    return rc < 0 ? -1 : 0;
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
        {"jobs", required_argument, 0, OPT_JOBS},
        {0, 0, 0, 0},
    };
    vl_cli_common c = {0};
    const char *json = NULL, *csv = NULL, *cdf = NULL;
    char *sched_list = NULL;
    compare_ctx x = {.nseeds = 1};
    long jobs = vl_cli_default_jobs();
    int opt;
    while ((opt = getopt_long(argc, argv, "j:", opts, NULL)) != -1) {
        if (opt == OPT_SCHED) {
            sched_list = optarg;
            continue;
        }
        int r = vl_cli_common_opt(&c, opt, optarg);
        if (r < 0)
            return VL_EXIT_USAGE;
        if (r > 0)
            continue;
        switch (opt) {
        case OPT_SEEDS:
            if (vl_cli_count("--seeds", optarg, 1000, &x.nseeds) < 0)
                return VL_EXIT_USAGE;
            break;
        case 'j':
        case OPT_JOBS:
            if (vl_cli_count(opt == 'j' ? "-j" : "--jobs", optarg, VL_CLI_MAX_JOBS, &jobs) < 0)
                return VL_EXIT_USAGE;
            break;
        case OPT_JSON: json = optarg; break;
        case OPT_CSV: csv = optarg; break;
        case OPT_CDF: cdf = optarg; break;
        case OPT_SOLO: x.solo = true; break;
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
    long nseeds = x.nseeds, nruns = npol * nseeds;
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
    x.scn = &scn;
    x.ops = ops;
    x.want_head = oc || od;
    x.want_json = oj != NULL;
    x.want_cdf = od != NULL;
    x.runs = calloc((size_t)nruns, sizeof *x.runs);
    x.texts = calloc((size_t)nruns * RUN_TEXTS, sizeof *x.texts);
    x.lens = calloc((size_t)nruns * RUN_TEXTS, sizeof *x.lens);
    char *configs[MAX_POLICIES] = {0}; /* --json: each policy's configuration */
    int status = VL_EXIT_OK;
    vl_cli_head head = {0}; /* the CSVs' provenance: a config line per policy */
    if (!x.runs || !x.texts || !x.lens ||
        (x.want_head && vl_cli_head_begin(&head, c.sets, c.nsets) < 0)) {
        vl_cli_fail("out of memory");
        status = VL_EXIT_RUN;
    }
    if (status == VL_EXIT_OK) {
        vl_progress progress;
        vl_progress_init(&progress, "compare", nruns);
        vl_pool_result res;
        int rc = vl_pool_run(nruns, (int)(jobs < nruns ? jobs : nruns), run_job, on_done, &x,
                             &progress, &res);
        vl_progress_end(&progress);
        if (res.signo) {
            vl_cli_fail("compare interrupted: %ld of %ld runs finished; nothing was written",
                        res.finished, nruns);
            status = 128 + res.signo;
        } else if (rc < 0) {
            status = res.status == VL_EXIT_USAGE ? VL_EXIT_USAGE : VL_EXIT_RUN;
        }
    }
    for (int p = 0; p < npol && status == VL_EXIT_OK; p++) {
        char **first = &x.texts[(size_t)p * (size_t)nseeds * RUN_TEXTS];
        if (head.f)
            fputs(first[TEXT_CONFIG_LINE] ? first[TEXT_CONFIG_LINE] : "", head.f);
        configs[p] = first[TEXT_CONFIG_JSON];
    }
    if (status == VL_EXIT_OK && x.want_head && vl_cli_head_end(&head) < 0)
        status = VL_EXIT_RUN;
    if (status == VL_EXIT_OK) {
        if (!(oj && oj->kind == VL_OUTPUT_STDOUT) && !(oc && oc->kind == VL_OUTPUT_STDOUT) &&
            !(od && od->kind == VL_OUTPUT_STDOUT))
            print_table(&scn, ops, npol, x.runs, (int)nseeds);
        if (oj)
            write_json(oj->f, &scn, ops, npol, x.runs, (int)nseeds, configs);
        if (oc)
            write_csv(oc->f, &head, &scn, ops, npol, x.runs, (int)nseeds);
        if (od) {
            vl_cli_head_write(&head, od->f);
            fputs(VL_CDF_COLUMNS "\n", od->f);
            for (long i = 0; i < nruns; i++)
                fwrite(x.texts[i * RUN_TEXTS + TEXT_CDF] ? x.texts[i * RUN_TEXTS + TEXT_CDF] : "",
                       1, x.lens[i * RUN_TEXTS + TEXT_CDF], od->f);
        }
        if (vl_cli_commit(&outs) < 0)
            status = VL_EXIT_RUN;
    }
    vl_outputs_abort(&outs);
    vl_cli_head_free(&head);
    for (long i = 0; x.runs && i < nruns; i++)
        vl_metrics_free(&x.runs[i]);
    for (long i = 0; x.texts && i < nruns * RUN_TEXTS; i++)
        free(x.texts[i]);
    free(x.runs);
    free(x.texts);
    free(x.lens);
    vl_scenario_free(&scn);
    return status;
}
