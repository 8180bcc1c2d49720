/* cli/cmd_sweep.c - `vcpulab sweep`: a scenario over a parameter grid.
 *
 * The runs are the cross product grid points x policies x seeds, numbered
 * with the first grid key varying slowest and the seed fastest.  Every grid
 * point is loaded (and a model created for each policy) before any run
 * starts, so a bad key or value fails at once with its --grid location.
 * The runs go to worker processes (cli/pool.h); results come back in
 * completion order and are written in run order: a run's rows go out as
 * soon as every run before it has been written, so the output is the same
 * bytes whatever -j is, and an interrupted sweep keeps what finished. */
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/options.h"
#include "cli/plot_data.h"
#include "cli/pool.h"
#include "cli/run_result.h"
#include "cli/stats.h"
#include "cli/sweep.h"
#include "model/model.h"
#include "report/report.h"
#include "vl_json.h"

#define MAX_POLICIES 16

static const char sweep_usage[] =
    "usage: vcpulab sweep SCENARIO --grid KEY=V1,V2,... [--grid ...] [options]\n"
    "\n"
    "Runs SCENARIO for every combination of the grid's values, each policy and\n"
    "each seed, in parallel worker processes, and writes every run's metrics.\n"
    "\n"
    "  --grid KEY=V1,V2,...  a --set path and the values it takes, e.g.\n"
    "                      --grid params.credit.tslice=10ms,30ms (repeatable; the\n"
    "                      first key varies slowest; commas inside [] {} or quotes\n"
    "                      do not split a value)\n"
    "  --sched A,B,...     policies (default: the scenario's `scheduler`)\n"
    "  --seeds N           seeds per configuration: run.seed, run.seed+1, ...\n"
    "                      (default 1)\n"
    "  -j, --jobs N        worker processes (default: the number of online CPUs)\n"
    "  --csv FILE|-        one row per (run, metric): scenario,sched,seed,metric,\n"
    "                      value and one column per grid key, after '# key: value'\n"
    "                      lines: version, commit, --set overrides and the\n"
    "                      configuration in force of each grid point and policy\n"
    "  --json FILE|-       an array with one object per run, each with its\n"
    "                      configuration (the object of its --csv config line)\n"
    "  --cdf FILE|-        every run's latency distributions as CDF points (CSV:\n"
    "                      scenario,sched,seed,distribution,value_ns,cdf and one\n"
    "                      column per grid key), after the same '#' lines as --csv\n"
    "  --summary FILE      per grid point, policy and metric: n, the mean over the\n"
    "                      seeds and its 95% CI half-width (Student t); FILE.csv\n"
    "                      (or -) is CSV, FILE.json JSON; grid values as given and\n"
    "                      as numbers in base units (durations in ns)\n"
    "  --plot METRIC       plot METRIC's mean over seeds against the first grid key,\n"
    "                      one line per policy (and per value of the other keys);\n"
    "                      a name no configuration can produce is an error before\n"
    "                      any run, listing those they can\n"
    "  --plot-out FILE     FILE.png, FILE.pdf or FILE.svg (gnuplot; the script goes\n"
    "                      to FILE.gp; vcpulab plot draws more figures from --csv)\n"
    "  --list              print the runs instead, one JSON object a line, in\n"
    "                      run order (with --shard: the shard's), each with its\n"
    "                      `vcpulab run` command; runs nothing, writes nothing\n"
    "  --shard K/N         run the K-th of N contiguous parts of the\n"
    "                      configurations (grid point x policy, all seeds each);\n"
    "                      its outputs are marked, written only when every run\n"
    "                      of the shard ended, and joined by `vcpulab merge`\n"
    "  --resume            with --shard: do nothing when every output is already\n"
    "                      this shard's, complete (else run the shard)\n"
    "  --set KEY=VALUE     override a scenario value in every run (repeatable)\n"
    "  --seed N            first seed (default: the scenario's run.seed)\n"
    "  --duration T        simulated duration per run\n"
    "  --help              this text\n"
    "\n"
    "Rows come in run order, the same bytes whatever -j is.  A progress line is\n"
    "shown when stderr is a terminal; a warning, when a grid key sets parameters\n"
    "of a policy that another swept policy ignores.  Interrupting (SIGINT) keeps\n"
    "the finished runs' rows and exits with status 130.  Output: docs/output-format.md;\n"
    "examples: docs/sweeps.md.\n";

/* What validation learnt about one grid point. */
typedef struct sweep_point {
    char name[VL_NAME_MAX];       /* the scenario's name          */
    uint64_t seed;                /* its first seed               */
    const vl_sched_ops *sched;    /* its `scheduler` (no --sched) */
} sweep_point;

typedef struct sweep_slot {
    bool done;
    char *cdf;      /* its --cdf rows (malloc'ed), until written */
    size_t cdf_len;
} sweep_slot;

typedef struct sweep_ctx {
    const char *path;
    vl_cli_common *c;
    sweep_grid grid;
    const vl_sched_ops *ops[MAX_POLICIES];
    int npol; /* 0: the scenario's own policy */
    int nsched;
    long nseeds, npoints, total;
    sweep_point *points;

    sweep_slot *slots;
    vl_metrics *results; /* each run's metrics, until written (and summarised) */
    long next; /* the next run to write */
    long written;
    vl_outputs outs;
    vl_output *csv, *json, *cdf, *sum; /* NULL when not asked for      */
    vl_output *plot_img, *plot_gp;  /* --plot-out FILE and its script  */
    bool want_csv, want_json, want_cdf;
    vl_json j;

    const char *plot_metric;
    double *plot_val;
    char *plot_have;
    long names_run;   /* the first run written: its metrics are kept (messages) */
    bool plot_known;  /* some configuration can produce --plot's metric */
    vl_metrics valid; /* until then: the names the configurations can produce */
    /* grid keys that name another policy's parameters, and that policy:
     * warned about once each, after validation */
    struct { int key; const vl_sched_ops *sched; } foreign[SWEEP_MAX_KEYS * MAX_POLICIES];
    int nforeign;
    bool want_summary;
    sweep_summary summary;
    long summarised;  /* groups (grid point x policy) summarised, in order */
    vl_cli_head head; /* the CSVs' provenance (->f open during validate) */
    char **configs;   /* --json: per grid point x policy, its config line's
                       * object (vl_report_config_json), from validate */
    sweep_shard shard; /* --shard K/N (n == 0: none): the runs first..end-1 */
    long first, end;
} sweep_ctx;

/* Run index -> (grid point, policy, seed offset). */
static void decompose(const sweep_ctx *x, long i, long *point, int *sched, long *seed)
{
    *seed = i % x->nseeds;
    i /= x->nseeds;
    *sched = (int)(i % x->nsched);
    *point = i / x->nsched;
}

static const vl_sched_ops *policy_of(const sweep_ctx *x, long point, int sched)
{
    return x->npol ? x->ops[sched] : x->points[point].sched;
}

static void free_sets(char **sets, int n)
{
    for (int k = 0; k < n; k++)
        free(sets[k]);
}

/* Loads grid point p: the user's --set overrides, then the grid's.  On a
 * loader error in a grid override, the location is moved to its --grid. */
static int load_point(const sweep_ctx *x, long p, vl_scenario *scn)
{
    const char *all[256 + SWEEP_MAX_KEYS];
    char *own[SWEEP_MAX_KEYS];
    int n = x->c->nsets, nk = x->grid.nkeys;
    memcpy(all, x->c->sets, (size_t)n * sizeof *all);
    for (int k = 0; k < nk; k++) {
        if (!(own[k] = sweep_grid_set(&x->grid, p, k))) {
            free_sets(own, k);
            vl_cli_fail("out of memory");
            return -1;
        }
        all[n + k] = own[k];
    }
    vl_error err;
    int rc = vl_scenario_load(x->path, all, n + nk, scn, &err);
    free_sets(own, nk);
    if (rc < 0) {
        if (strcmp(err.file, "--set") == 0 && err.line > n) {
            sweep_grid_locate(&x->grid, p, err.line - n - 1, &err);
        } else if (strcmp(err.file, "--set") != 0) { /* say which grid point */
            size_t used = strlen(err.msg);
            for (int k = 0; k < nk && used < sizeof err.msg; k++) {
                const sweep_key *key = &x->grid.keys[k];
                int w = snprintf(err.msg + used, sizeof err.msg - used, "%s%s=%s%s",
                                 k ? ", " : " (at --grid ", key->key,
                                 key->values[sweep_grid_value(&x->grid, p, k)],
                                 k == nk - 1 ? ")" : "");
                used += w > 0 ? (size_t)w : 0;
            }
        }
        vl_cli_error(&err);
        return -1;
    }
    return vl_cli_apply(x->c, scn);
}

/* "KEY=V KEY=V sched=S seed=N" of run i, for messages. */
static void describe_run(const sweep_ctx *x, long i, char *buf, size_t len)
{
    long p, s;
    int sc;
    decompose(x, i, &p, &sc, &s);
    size_t used = 0;
    buf[0] = '\0';
    for (int k = 0; k < x->grid.nkeys && used < len; k++) {
        const sweep_key *key = &x->grid.keys[k];
        int w = snprintf(buf + used, len - used, "%s=%s ", key->key,
                         key->values[sweep_grid_value(&x->grid, p, k)]);
        used += w > 0 ? (size_t)w : 0;
    }
    if (used < len)
        snprintf(buf + used, len - used, "sched=%s seed=%llu", policy_of(x, p, sc)->name,
                 (unsigned long long)(x->points[p].seed + (uint64_t)s));
}

/* Grid point p's keys and values, as the --set paths and text given. */
static void point_values(const sweep_ctx *x, long p, const char **keys, const char **values)
{
    for (int k = 0; k < x->grid.nkeys; k++) {
        keys[k] = x->grid.keys[k].key;
        values[k] = x->grid.keys[k].values[sweep_grid_value(&x->grid, p, k)];
    }
}

/* The policy whose parameters key sets ("params.credit.tslice",
 * "vms.web.params.credit.cap": credit), or NULL (not a policy's). */
static const vl_sched_ops *policy_of_key(const char *key)
{
    const char *at = strncmp(key, "params.", 7) == 0 ? key + 7 : NULL;
    if (!at && strncmp(key, "vms.", 4) == 0) {
        const char *dot = strchr(key + 4, '.');
        at = dot && strncmp(dot, ".params.", 8) == 0 ? dot + 8 : NULL;
    }
    if (!at)
        return NULL;
    char name[VL_NAME_MAX];
    size_t n = strcspn(at, ".");
    if (n >= sizeof name)
        return NULL;
    memcpy(name, at, n);
    name[n] = '\0';
    return vl_policy_find(name);
}

/* Notes the grid keys that set another policy's parameters than sched's
 * (once per key and policy). */
static void note_foreign_keys(sweep_ctx *x, const vl_sched_ops *sched)
{
    for (int k = 0; k < x->grid.nkeys; k++) {
        const vl_sched_ops *owner = policy_of_key(x->grid.keys[k].key);
        if (!owner || owner == sched)
            continue;
        bool seen = false;
        for (int i = 0; i < x->nforeign && !seen; i++)
            seen = x->foreign[i].key == k && x->foreign[i].sched == sched;
        if (!seen && x->nforeign < (int)(sizeof x->foreign / sizeof x->foreign[0])) {
            x->foreign[x->nforeign].key = k;
            x->foreign[x->nforeign++].sched = sched;
        }
    }
}

/* Whether configuration m can produce --plot's metric; if not, its names
 * join the list the error gives.  -1 when out of memory. */
static int check_plot_metric(sweep_ctx *x, const vl_model *m)
{
    vl_metrics names = {0};
    int rc = vl_metrics_names(m, &names);
    x->plot_known = vl_metrics_find(&names, x->plot_metric) != NULL;
    for (int k = 0; k < names.n && rc == 0 && !x->plot_known; k++)
        if (!vl_metrics_find(&x->valid, names.v[k].name))
            rc = vl_metrics_add(&x->valid, 0, "%s", names.v[k].name);
    vl_metrics_free(&names);
    if (x->plot_known)
        vl_metrics_free(&x->valid);
    if (rc < 0)
        vl_cli_fail("out of memory");
    return rc;
}

/* Every grid point loads, and a model can be created and its policy
 * started for each policy; the CSVs' config lines come from these models
 * (the values in force, before any run), and so do the check of --plot's
 * metric and the grid keys that do not apply to a policy. */
static int validate(sweep_ctx *x)
{
    for (long p = 0; p < x->npoints; p++) {
        vl_scenario scn;
        if (load_point(x, p, &scn) < 0)
            return -1;
        sweep_point *pt = &x->points[p];
        snprintf(pt->name, sizeof pt->name, "%s", scn.name);
        pt->seed = scn.seed;
        pt->sched = scn.sched;
        const char *keys[SWEEP_MAX_KEYS], *values[SWEEP_MAX_KEYS];
        point_values(x, p, keys, values);
        int rc = vl_cli_check_seeds(scn.seed, x->nseeds, "sweep");
        for (int s = 0; s < x->nsched && rc == 0; s++) {
            vl_model m;
            vl_error err;
            vl_cli_warn_unmet(&scn, policy_of(x, p, s));
            if ((rc = vl_model_create(&m, &scn, policy_of(x, p, s), scn.seed, scn.duration, NULL,
                                      &err)) < 0 ||
                (rc = vl_model_start(&m, &err)) < 0) {
                vl_cli_error(&err);
                vl_cli_policy_state(m.policy_state);
            } else {
                if (x->head.f)
                    vl_report_config_line(x->head.f, &m, keys, values, x->grid.nkeys, x->nseeds);
                if (x->configs &&
                    !(x->configs[p * x->nsched + s] = vl_report_config_json(
                          &m, keys, values, x->grid.nkeys, x->nseeds))) {
                    vl_cli_fail("out of memory");
                    rc = -1;
                }
                if (x->plot_metric && !x->plot_known)
                    rc = check_plot_metric(x, &m);
                note_foreign_keys(x, m.ops);
            }
            vl_model_destroy(&m);
        }
        vl_scenario_free(&scn);
        if (rc < 0)
            return -1;
    }
    return 0;
}

/* The grid columns of point p's rows: ",V1,V2,...". */
static void grid_columns(FILE *f, const sweep_ctx *x, long p)
{
    for (int g = 0; g < x->grid.nkeys; g++) {
        fputc(',', f);
        sweep_csv_field(f, x->grid.keys[g].values[sweep_grid_value(&x->grid, p, g)]);
    }
}

/* Run i's --cdf rows (malloc'ed, in *rows and *len); -1 out of memory. */
static int cdf_of(const sweep_ctx *x, long p, const vl_model *m, char **rows, size_t *len)
{
    char *tail = NULL;
    size_t tail_len = 0;
    FILE *t = open_memstream(&tail, &tail_len);
    if (!t)
        return -1;
    grid_columns(t, x, p);
    int rc = ferror(t) | fclose(t);
    FILE *f = rc ? NULL : open_memstream(rows, len);
    if (f) {
        vl_report_cdf(m, f, tail);
        rc = ferror(f) | fclose(f);
    }
    free(tail);
    return f && !rc ? 0 : -1;
}

/* In the worker: runs i and writes its metrics to fd. */
static int run_job(long job, int fd, void *ctx)
{
    const sweep_ctx *x = ctx;
    long i = x->first + job, p, s;
    int sc;
    decompose(x, i, &p, &sc, &s);
    vl_scenario scn;
    if (load_point(x, p, &scn) < 0)
        return VL_EXIT_USAGE;
    vl_model m;
    vl_error err;
    vl_metrics ms = {0};
    char *cdf = NULL;
    size_t cdf_len = 0;
    int status = VL_EXIT_OK;
    if (vl_model_create(&m, &scn, policy_of(x, p, sc), scn.seed + (uint64_t)s, scn.duration,
                        NULL, &err) < 0 ||
        vl_model_run(&m, &err) < 0) {
        char what[512], msg[1024];
        describe_run(x, i, what, sizeof what);
        vl_error_format(&err, msg, sizeof msg);
        vl_cli_fail("run %ld (%s): %s", i, what, msg);
        vl_cli_policy_state(m.policy_state);
        status = VL_EXIT_RUN;
    } else if (vl_metrics_collect(&m, &ms) < 0 ||
               (x->want_cdf && cdf_of(x, p, &m, &cdf, &cdf_len) < 0)) {
        vl_cli_fail("out of memory");
        status = VL_EXIT_RUN;
    } else if (run_result_send(fd, &ms, (const char *const[]){cdf}, &cdf_len, 1) < 0) {
        status = VL_EXIT_RUN;
    }
    free(cdf);
    vl_metrics_free(&ms);
    vl_model_destroy(&m);
    vl_scenario_free(&scn);
    return status;
}

/* The provenance lines, then the columns and the grid keys. */
static void write_csv_header(const sweep_ctx *x, FILE *f, const char *columns)
{
    vl_cli_head_write(&x->head, f);
    fputs(columns, f);
    for (int k = 0; k < x->grid.nkeys; k++) {
        fputc(',', f);
        sweep_csv_field(f, x->grid.keys[k].key);
    }
    fputc('\n', f);
}

static void write_headers(sweep_ctx *x)
{
    if (x->want_csv)
        write_csv_header(x, x->csv->f, VL_CSV_COLUMNS);
    if (x->want_cdf)
        write_csv_header(x, x->cdf->f, VL_CDF_COLUMNS);
    if (x->want_json) {
        vl_json_init(&x->j, x->json->f, true);
        vl_json_arr_begin(&x->j);
    }
    if (x->want_summary) {
        x->summary.f = x->sum->f;
        sweep_summary_begin(&x->summary, &x->grid, &x->head, x->path, x->c->sets, x->c->nsets,
                            x->nseeds, x->shard.n ? x->shard.text : NULL);
    }
}

/* Writes run i's rows and forgets its metrics. */
static void emit(sweep_ctx *x, long i)
{
    long p, s;
    int sc;
    decompose(x, i, &p, &sc, &s);
    const sweep_point *pt = &x->points[p];
    const char *sched = policy_of(x, p, sc)->name;
    unsigned long long seed = (unsigned long long)(pt->seed + (uint64_t)s);
    vl_metrics *ms = &x->results[i];
    if (x->want_csv)
        for (int k = 0; k < ms->n; k++) {
            char v[32];
            vl_fmt_double(v, sizeof v, ms->v[k].value);
            fprintf(x->csv->f, "%s,%s,%llu,%s,%s", pt->name, sched, seed, ms->v[k].name, v);
            grid_columns(x->csv->f, x, p);
            fputc('\n', x->csv->f);
        }
    if (x->want_cdf) {
        fwrite(x->slots[i].cdf, 1, x->slots[i].cdf_len, x->cdf->f);
        free(x->slots[i].cdf);
        x->slots[i].cdf = NULL;
    }
    if (x->want_json) {
        vl_json *j = &x->j;
        vl_json_obj_begin(j);
        vl_json_kint(j, "run", i);
        if (x->shard.n)
            vl_json_kstr(j, "shard", x->shard.text);
        vl_json_kstr(j, "vcpulab", VL_VERSION);
        vl_json_kstr(j, "commit", vl_build_commit());
        vl_json_kstr(j, "scenario", pt->name);
        vl_json_key(j, "grid");
        vl_json_obj_begin(j);
        for (int g = 0; g < x->grid.nkeys; g++)
            vl_json_kstr(j, x->grid.keys[g].key,
                         x->grid.keys[g].values[sweep_grid_value(&x->grid, p, g)]);
        vl_json_obj_end(j);
        vl_json_kstr(j, "sched", sched);
        vl_json_kuint(j, "seed", seed);
        vl_json_key(j, "config"); /* its configuration: as compare --json's configs */
        vl_json_raw(j, x->configs[p * x->nsched + sc]);
        vl_json_key(j, "metrics");
        vl_json_obj_begin(j);
        for (int k = 0; k < ms->n; k++)
            vl_json_kdouble(j, ms->v[k].name, ms->v[k].value);
        vl_json_obj_end(j);
        vl_json_obj_end(j);
    }
    if (x->plot_metric) {
        const vl_metric *m = vl_metrics_find(ms, x->plot_metric);
        x->plot_have[i] = m != NULL;
        x->plot_val[i] = m ? m->value : 0;
    }
    if (x->written++ == 0)
        x->names_run = i; /* kept for the plot's error message */
    else if (!x->want_summary)
        vl_metrics_free(ms);
}

/* Summarises the groups (grid point x policy: runs of consecutive seeds)
 * whose runs are all below `upto` (written or never to be), in order; a
 * group none of whose runs finished is left out. */
static int summarise_upto(sweep_ctx *x, long upto)
{
    for (; x->want_summary && (x->summarised + 1) * x->nseeds <= upto; x->summarised++) {
        long g = x->summarised, first = g * x->nseeds, p = g / x->nsched;
        int sc = (int)(g % x->nsched), done = 0;
        for (long i = first; i < first + x->nseeds; i++)
            done += x->slots[i].done;
        if (done && sweep_summary_group(&x->summary, p, x->points[p].name, policy_of(x, p, sc)->name,
                                        x->points[p].seed, &x->results[first], (int)x->nseeds) < 0)
            return -1;
        for (long i = first; i < first + x->nseeds; i++)
            if (i != x->names_run || !x->written)
                vl_metrics_free(&x->results[i]);
    }
    return 0;
}

static void flush_outputs(sweep_ctx *x)
{
    if (x->want_csv)
        fflush(x->csv->f);
    if (x->want_json)
        fflush(x->json->f);
    if (x->want_cdf)
        fflush(x->cdf->f);
    if (x->want_summary)
        fflush(x->sum->f);
}

/* In the parent: run i finished; write every run whose turn has come. */
static int on_done(long job, const void *data, size_t len, void *ctx)
{
    sweep_ctx *x = ctx;
    long i = x->first + job;
    sweep_slot *slot = &x->slots[i];
    int rc = run_result_read(data, len, &x->results[i], &slot->cdf, &slot->cdf_len, 1);
    if (rc == -2)
        vl_cli_fail("out of memory");
    else if (rc < 0)
        vl_cli_fail("sweep: run %ld: its worker sent a malformed result (%zu bytes)", i, len);
    if (rc < 0)
        return -1;
    slot->done = true;
    if (i != x->next)
        return 0;
    while (x->next < x->end && x->slots[x->next].done)
        emit(x, x->next++);
    rc = summarise_upto(x, x->next);
    flush_outputs(x);
    return rc;
}

/* After the pool: the runs that finished out of order (after an
 * interruption or a failure), then the summary's last groups. */
static void emit_rest(sweep_ctx *x)
{
    for (long i = x->next; i < x->end; i++)
        if (x->slots[i].done)
            emit(x, i);
    x->next = x->end;
    summarise_upto(x, x->end);
    if (x->want_summary)
        sweep_summary_end(&x->summary);
}

/* Up to 8 metric names, those sharing the longest prefix with want first. */
static void suggest(const vl_metrics *ms, const char *want, char *buf, size_t len)
{
    int *order = malloc((size_t)ms->n * sizeof *order + 1);
    int *cpl = malloc((size_t)ms->n * sizeof *cpl + 1);
    buf[0] = '\0';
    if (!order || !cpl)
        goto out;
    for (int i = 0; i < ms->n; i++) {
        const char *a = ms->v[i].name, *b = want;
        while (*a && *a == *b)
            a++, b++;
        cpl[i] = (int)(a - ms->v[i].name);
        order[i] = i;
    }
    for (int i = 1; i < ms->n; i++) /* stable insertion sort by prefix length */
        for (int k = i; k > 0 && cpl[order[k]] > cpl[order[k - 1]]; k--) {
            int t = order[k];
            order[k] = order[k - 1];
            order[k - 1] = t;
        }
    size_t used = 0;
    for (int i = 0; i < ms->n && i < 8 && used < len; i++) {
        int w = snprintf(buf + used, len - used, "%s%s", i ? ", " : "", ms->v[order[i]].name);
        used += w > 0 ? (size_t)w : 0;
    }
    if (ms->n > 8 && used < len)
        snprintf(buf + used, len - used, ", ... (%d in all)", ms->n);
out:
    free(order);
    free(cpl);
}

/* x = the first grid key; one series per policy and combination of the
 * other keys; y = the mean over seeds (with its 95% CI). */
static int plot(sweep_ctx *x, const char *out)
{
    long any = 0;
    for (long i = 0; i < x->total; i++)
        any += x->plot_have[i];
    if (!any) {
        char names[1024];
        suggest(&x->results[x->names_run], x->plot_metric, names, sizeof names);
        vl_cli_fail("--plot %s: no run produced this metric; they produced: %s", x->plot_metric,
                    names);
        return VL_EXIT_USAGE;
    }
    vl_plot_data d = {0};
    int rc = 0;
    for (long i = 0; i < x->total && rc == 0; i++) {
        long p, s;
        int sc;
        decompose(x, i, &p, &sc, &s);
        char title[256];
        size_t used = (size_t)snprintf(title, sizeof title, "%s", policy_of(x, p, sc)->name);
        for (int k = 1; k < x->grid.nkeys && used < sizeof title; k++) {
            const sweep_key *key = &x->grid.keys[k];
            int w = snprintf(title + used, sizeof title - used, ", %s=%s", key->key,
                             key->values[sweep_grid_value(&x->grid, p, k)]);
            used += w > 0 ? (size_t)w : 0;
        }
        if (x->plot_have[i])
            rc = vl_plot_sample(&d, title, x->grid.keys[0].values[sweep_grid_value(&x->grid, p, 0)],
                                x->plot_val[i]);
    }
    vl_plot_style st = {.kind = VL_FIG_LINES, .metric = x->plot_metric,
                        .xkey = x->grid.keys[0].key};
    vl_figure fig = {.out = out};
    snprintf(fig.what, sizeof fig.what, "sweep --plot %s: the mean over seeds against %s%s",
             x->plot_metric, x->grid.keys[0].key,
             x->nseeds > 1 ? ", error bars: its 95% confidence interval" : "");
    int status = VL_EXIT_OK;
    if (rc < 0) {
        vl_cli_fail("out of memory");
        status = VL_EXIT_RUN;
    } else if (vl_plot_figure(&d, &st, &fig) < 0 ||
               vl_figure_render(&fig, x->plot_img, x->plot_gp) < 0) {
        status = VL_EXIT_RUN;
    }
    vl_figure_free(&fig);
    vl_plot_free(&d);
    return status;
}

/* Every output is checked and staged before the first run: the rows
 * (--csv, --json) and the plot (--plot-out FILE and FILE's stem + .gp). */
static int open_outputs(sweep_ctx *x, const char *csv, const char *json, const char *cdf,
                        const char *summary, const char *plot_out)
{
    vl_outputs_init(&x->outs);
    if ((csv && !(x->csv = vl_cli_output(&x->outs, "--csv", csv))) ||
        (json && !(x->json = vl_cli_output(&x->outs, "--json", json))) ||
        (cdf && !(x->cdf = vl_cli_output(&x->outs, "--cdf", cdf))) ||
        (summary && !(x->sum = vl_cli_output(&x->outs, "--summary", summary))))
        return -1;
    return plot_out ? vl_figure_outputs(&x->outs, "--plot-out", plot_out, &x->plot_img,
                                        &x->plot_gp)
                    : 0;
}

/* Options that the grid would silently override, or be overridden by. */
static int check_conflicts(const sweep_ctx *x)
{
    for (int k = 0; k < x->grid.nkeys; k++) {
        const char *key = x->grid.keys[k].key;
        const char *opt = strcmp(key, "run.duration") == 0 && x->c->duration > 0 ? "--duration"
                          : strcmp(key, "run.seed") == 0 && x->c->seed_given       ? "--seed"
                          : strcmp(key, "scheduler") == 0 && x->npol               ? "--sched"
                                                                                   : NULL;
        if (opt) {
            vl_cli_fail("--grid %s: %s sets the same value; give one or the other", key, opt);
            return -1;
        }
    }
    return 0;
}

/* A word of a shell command: as is when it holds only safe characters,
 * otherwise in single quotes. */
static void shell_word(FILE *f, const char *w)
{
    if (*w && strspn(w, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
                        "_./=:,+-@%") == strlen(w)) {
        fputs(w, f);
        return;
    }
    fputc('\'', f);
    for (; *w; w++)
        if (*w == '\'')
            fputs("'\\''", f);
        else
            fputc(*w, f);
    fputc('\'', f);
}

/* Run i as one `vcpulab run` command (malloc'ed; NULL out of memory). */
static char *run_command(const sweep_ctx *x, long i)
{
    long p, s;
    int sc;
    decompose(x, i, &p, &sc, &s);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return NULL;
    fputs("vcpulab run ", f);
    shell_word(f, x->path);
    fprintf(f, " --sched %s --seed %llu", policy_of(x, p, sc)->name,
            (unsigned long long)(x->points[p].seed + (uint64_t)s));
    if (x->c->duration > 0) {
        char d[32];
        vl_duration_format(x->c->duration, d, sizeof d);
        fprintf(f, " --duration %s", d);
    }
    bool ok = true;
    for (int k = 0; k < x->c->nsets + x->grid.nkeys && ok; k++) {
        char *own = k < x->c->nsets ? NULL : sweep_grid_set(&x->grid, p, k - x->c->nsets);
        ok = k < x->c->nsets || own;
        fputs(" --set ", f);
        shell_word(f, own ? own : k < x->c->nsets ? x->c->sets[k] : "");
        free(own);
    }
    if ((ferror(f) | fclose(f)) || !ok) {
        free(buf);
        return NULL;
    }
    return buf;
}

/* --list: the shard's runs, one JSON object a line, in run order. */
static int list_runs(const sweep_ctx *x)
{
    for (long i = x->first; i < x->end; i++) {
        long p, s;
        int sc;
        decompose(x, i, &p, &sc, &s);
        char *cmd = run_command(x, i);
        if (!cmd) {
            vl_cli_fail("out of memory");
            return -1;
        }
        vl_json j;
        vl_json_init(&j, stdout, false);
        vl_json_obj_begin(&j);
        vl_json_kint(&j, "run", i);
        vl_json_kstr(&j, "scenario", x->points[p].name);
        vl_json_key(&j, "grid");
        vl_json_obj_begin(&j);
        for (int g = 0; g < x->grid.nkeys; g++)
            vl_json_kstr(&j, x->grid.keys[g].key,
                         x->grid.keys[g].values[sweep_grid_value(&x->grid, p, g)]);
        vl_json_obj_end(&j);
        vl_json_kstr(&j, "sched", policy_of(x, p, sc)->name);
        vl_json_kuint(&j, "seed", x->points[p].seed + (uint64_t)s);
        vl_json_kstr(&j, "command", cmd);
        vl_json_obj_end(&j);
        vl_json_finish(&j);
        free(cmd);
    }
    return 0;
}

/* What this sweep writes first into a CSV of the given columns, or into
 * its summary (columns NULL): malloc'ed, length in *len. */
static char *expected_head(sweep_ctx *x, const char *columns, size_t *len)
{
    char *buf = NULL;
    FILE *f = open_memstream(&buf, len);
    if (!f)
        return NULL;
    if (columns) {
        write_csv_header(x, f, columns);
    } else {
        sweep_summary s = {.f = f, .json = x->summary.json};
        sweep_summary_begin(&s, &x->grid, &x->head, x->path, x->c->sets, x->c->nsets,
                            x->nseeds, x->shard.text);
    }
    if (ferror(f) | fclose(f)) {
        free(buf);
        return NULL;
    }
    return buf;
}

static const char *config_of_run(long run, void *ctx)
{
    const sweep_ctx *x = ctx;
    return x->configs[run / x->nseeds];
}

/* --resume: every output the sweep writes is already this shard's,
 * complete (sweep_shard.c). */
static bool outputs_done(sweep_ctx *x, const char *csv, const char *json, const char *cdf,
                         const char *summary)
{
    const char *csvs[3] = {csv, cdf, summary};
    const char *columns[3] = {VL_CSV_COLUMNS, VL_CDF_COLUMNS, NULL};
    bool done = true;
    for (int k = 0; k < 3 && done; k++) {
        if (!csvs[k])
            continue;
        size_t len;
        char *head = expected_head(x, columns[k], &len);
        done = head && (k == 2 && x->summary.json
                            ? sweep_shard_summary_json_done(csvs[k], head, len)
                            : sweep_shard_csv_done(csvs[k], head, len, &x->shard));
        free(head);
    }
    return done && (!json || sweep_shard_runs_json_done(json, &x->shard, x->first, x->end,
                                                         config_of_run, x));
}

static void ctx_free(sweep_ctx *x)
{
    for (long i = 0; x->slots && i < x->total; i++)
        free(x->slots[i].cdf);
    for (long i = 0; x->results && i < x->total; i++)
        vl_metrics_free(&x->results[i]);
    for (long i = 0; x->configs && i < x->npoints * x->nsched; i++)
        free(x->configs[i]);
    free(x->configs);
    free(x->slots);
    free(x->results);
    free(x->points);
    free(x->plot_val);
    free(x->plot_have);
    vl_cli_head_free(&x->head);
    vl_metrics_free(&x->valid);
    sweep_grid_free(&x->grid);
}

int vl_cmd_sweep(int argc, char **argv)
{
    static const struct option opts[] = {
        VL_COMMON_LONG_OPTS,
        {"grid", required_argument, 0, OPT_GRID},
        {"sched", required_argument, 0, OPT_SCHED},
        {"seeds", required_argument, 0, OPT_SEEDS},
        {"jobs", required_argument, 0, OPT_JOBS},
        {"json", required_argument, 0, OPT_JSON},
        {"csv", required_argument, 0, OPT_CSV},
        {"cdf", required_argument, 0, OPT_CDF},
        {"summary", required_argument, 0, OPT_SUMMARY},
        {"plot", required_argument, 0, OPT_PLOT},
        {"plot-out", required_argument, 0, OPT_PLOT_OUT},
        {"list", no_argument, 0, OPT_LIST},
        {"shard", required_argument, 0, OPT_SHARD},
        {"resume", no_argument, 0, OPT_RESUME},
        {0, 0, 0, 0},
    };
    vl_cli_common c = {0};
    sweep_ctx x = {.c = &c, .nseeds = 1};
    const char *csv = NULL, *json = NULL, *cdf = NULL, *summary = NULL, *plot_out = NULL;
    char *sched_list = NULL;
    long jobs = vl_cli_default_jobs();
    int opt, status = VL_EXIT_USAGE;
    bool list = false, resume = false;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "j:", opts, NULL)) != -1) {
        int r = opt == OPT_SCHED ? 0 : vl_cli_common_opt(&c, opt, optarg);
        if (r < 0)
            goto out;
        if (r > 0)
            continue;
        switch (opt) {
        case OPT_SCHED: sched_list = optarg; break;
        case OPT_GRID:
            if (sweep_grid_add(&x.grid, optarg) < 0)
                goto out;
            break;
        case OPT_SEEDS:
            if (vl_cli_count("--seeds", optarg, 1000, &x.nseeds) < 0)
                goto out;
            break;
        case 'j':
        case OPT_JOBS:
            if (vl_cli_count(opt == 'j' ? "-j" : "--jobs", optarg, VL_CLI_MAX_JOBS, &jobs) < 0)
                goto out;
            break;
        case OPT_JSON: json = optarg; break;
        case OPT_CSV: csv = optarg; break;
        case OPT_CDF: cdf = optarg; break;
        case OPT_SUMMARY: summary = optarg; break;
        case OPT_PLOT: x.plot_metric = optarg; break;
        case OPT_PLOT_OUT: plot_out = optarg; break;
        case OPT_LIST: list = true; break;
        case OPT_RESUME: resume = true; break;
        case OPT_SHARD:
            if (sweep_shard_parse(optarg, &x.shard) < 0)
                goto out;
            break;
        case OPT_HELP: fputs(sweep_usage, stdout); status = VL_EXIT_OK; goto out;
        default: fputs(sweep_usage, stderr); goto out;
        }
    }
    if (optind != argc - 1 || x.grid.nkeys == 0) {
        vl_cli_fail("sweep: expected SCENARIO and at least one --grid KEY=V1,V2,... "
                    "(see vcpulab sweep --help)");
        goto out;
    }
    x.path = argv[optind];
    if (list) { /* the run list only: no output is written */
        csv = json = cdf = summary = plot_out = x.plot_metric = NULL;
        resume = false;
    } else if (!csv && !json && !cdf && !summary && !x.plot_metric) {
        vl_cli_fail("sweep: nothing to write: give --csv, --json, --cdf, --summary or --plot "
                    "(or --list)");
        goto out;
    }
    if (x.shard.n && x.plot_metric) {
        vl_cli_fail("sweep: --plot draws every run: plot the merged sweep, not a shard");
        goto out;
    }
    if (resume && !x.shard.n) {
        vl_cli_fail("sweep: --resume goes with --shard K/N (--shard 1/1 for the whole sweep)");
        goto out;
    }
    const char *given[4] = {csv, json, cdf, summary};
    for (int k = 0; k < 4 && resume; k++)
        if (given[k] && strcmp(given[k], "-") == 0) {
            vl_cli_fail("sweep: --resume reads its outputs back: not from standard output");
            goto out;
        }
    if (summary && sweep_summary_check(summary, &x.summary.json) < 0)
        goto out;
    bool need_head = csv || cdf || (summary && !x.summary.json); /* a CSV is written */
    if (csv && json && strcmp(csv, "-") == 0 && strcmp(json, "-") == 0) {
        vl_cli_fail("sweep: --csv and --json cannot both go to standard output");
        goto out;
    }
    if (!x.plot_metric != !plot_out) {
        vl_cli_fail("sweep: --plot METRIC and --plot-out FILE go together");
        goto out;
    }
    if (plot_out && vl_figure_check("--plot-out", plot_out) < 0)
        goto out;
    if (sched_list && vl_cli_policies(sched_list, x.ops, MAX_POLICIES, &x.npol, "sweep") < 0)
        goto out;
    x.nsched = x.npol ? x.npol : 1;
    if (check_conflicts(&x) < 0)
        goto out;
    x.npoints = sweep_grid_points(&x.grid);
    if (x.npoints < 0 || x.npoints * x.nsched * x.nseeds > SWEEP_MAX_RUNS) {
        vl_cli_fail("sweep: more than %ld runs", SWEEP_MAX_RUNS);
        goto out;
    }
    x.total = x.npoints * x.nsched * x.nseeds;
    x.first = 0;
    x.end = x.total;
    if (x.shard.n) {
        long groups = x.npoints * x.nsched;
        if (x.shard.k > groups) {
            vl_cli_fail("--shard %s: this sweep has %ld configurations (grid points x "
                        "policies), so at most %ld shards", x.shard.text, groups, groups);
            goto out;
        }
        sweep_shard_range(&x.shard, groups, &x.first, &x.end);
        x.summarised = x.first;
        x.first *= x.nseeds;
        x.end *= x.nseeds;
    }
    x.next = x.first;
    x.points = calloc((size_t)x.npoints, sizeof *x.points);
    x.slots = calloc((size_t)x.total, sizeof *x.slots);
    x.results = calloc((size_t)x.total, sizeof *x.results);
    x.plot_val = calloc((size_t)x.total, sizeof *x.plot_val);
    x.plot_have = calloc((size_t)x.total, 1);
    if (json)
        x.configs = calloc((size_t)(x.npoints * x.nsched), sizeof *x.configs);
    if (!x.points || !x.slots || !x.results || !x.plot_val || !x.plot_have ||
        (json && !x.configs)) {
        vl_cli_fail("out of memory");
        status = VL_EXIT_RUN;
        goto out;
    }
    if (need_head && (vl_cli_head_begin(&x.head, c.sets, c.nsets) < 0 ||
                      (x.shard.n && fprintf(x.head.f, "# shard: %s\n", x.shard.text) < 0))) {
        vl_cli_fail("out of memory");
        status = VL_EXIT_RUN;
        goto out;
    }
    if (validate(&x) < 0)
        goto out;
    if (x.plot_metric && !x.plot_known) {
        vl_cli_fail("--plot %s: no configuration of this sweep can produce this metric; "
                    "the metrics are:", x.plot_metric);
        for (int k = 0; k < x.valid.n; k++)
            fprintf(stderr, "  %s\n", x.valid.v[k].name);
        goto out;
    }
    for (int i = 0; i < x.nforeign; i++) {
        const char *key = x.grid.keys[x.foreign[i].key].key;
        fprintf(stderr, "vcpulab: warning: --grid %s: %s's runs ignore it (a parameter of %s)\n",
                key, x.foreign[i].sched->name, policy_of_key(key)->name);
    }
    if (need_head && vl_cli_head_end(&x.head) < 0) {
        status = VL_EXIT_RUN;
        goto out;
    }
    if (list) {
        status = list_runs(&x) < 0 ? VL_EXIT_RUN : VL_EXIT_OK;
        goto out;
    }
    if (resume && outputs_done(&x, csv, json, cdf, summary)) {
        fprintf(stderr, "vcpulab: sweep: shard %s: its outputs are complete; nothing to run\n",
                x.shard.text);
        status = VL_EXIT_OK;
        goto out;
    }

    x.want_csv = csv != NULL;
    x.want_json = json != NULL;
    x.want_cdf = cdf != NULL;
    x.want_summary = summary != NULL;
    if (open_outputs(&x, csv, json, cdf, summary, plot_out) < 0)
        goto out_files;
    write_headers(&x);
    flush_outputs(&x);

    vl_progress progress;
    long count = x.end - x.first;
    vl_progress_init(&progress, "sweep", count);
    vl_pool_result res;
    int rc = vl_pool_run(count, (int)(jobs < count ? jobs : count), run_job, on_done, &x,
                         &progress, &res);
    vl_progress_end(&progress);
    emit_rest(&x);
    if (x.want_json) {
        vl_json_arr_end(&x.j);
        vl_json_finish(&x.j);
    }
    status = rc == 0 ? VL_EXIT_OK : res.signo ? 128 + res.signo : VL_EXIT_RUN;
    /* the plot goes with the rows, or (runs missing, or no plot drawn)
     * the rows go alone: a sweep's finished runs are never thrown away */
    if (x.plot_img && (rc != 0 || (status = plot(&x, plot_out)) != VL_EXIT_OK)) {
        vl_outputs_drop(&x.outs, x.plot_img);
        vl_outputs_drop(&x.outs, x.plot_gp);
    }
    if (x.shard.n && rc == 0) { /* a shard's CSVs end with the line that says it ended */
        char footer[80];
        sweep_shard_footer(&x.shard, footer, sizeof footer);
        vl_output *csvs[3] = {x.csv, x.cdf, x.summary.json ? NULL : x.sum};
        for (int k = 0; k < 3; k++)
            if (csvs[k])
                fputs(footer, csvs[k]->f);
    }
    const char *kept = "; their rows were written", *kept_failed = " and were written";
    if (x.shard.n && rc != 0) { /* a shard is all or none */
        vl_outputs_abort(&x.outs);
        kept = kept_failed = "; a shard writes nothing unless it ends";
    } else if (vl_cli_commit(&x.outs) < 0) {
        status = VL_EXIT_RUN;
        goto out_files;
    }
    if (res.signo) {
        vl_cli_fail("sweep interrupted: %ld of %ld runs finished%s", res.finished, count, kept);
    } else if (rc < 0) {
        char what[512];
        describe_run(&x, x.first + res.failed, what, sizeof what);
        vl_cli_fail("sweep stopped: run %ld (%s) failed; %ld of %ld runs finished%s",
                    x.first + res.failed, what, res.finished, count, kept_failed);
    } else if (status != VL_EXIT_OK && (x.csv || x.json || x.cdf || x.sum)) {
        vl_cli_fail("sweep: the plot was not drawn; the runs' rows were written");
    }
out_files:
    vl_outputs_abort(&x.outs);
out:
    ctx_free(&x);
    return status;
}
