/* cli/sweep_summary.c - `sweep --summary FILE`: per grid point, policy and
 * metric, the mean over the seeds, the half-width of its 95% confidence
 * interval (Student t, stats.c) and the number of seeds that produced it;
 * CSV (FILE.csv or "-") or JSON (FILE.json).  The grid's values are given
 * as text and as numbers in base units (durations in ns), for plotting.
 *
 * Written as the sweep goes: a group (grid point x policy) is summarised
 * once its runs have been written, in run order, so the file is the same
 * bytes whatever -j is.  Reads the runs' metrics; writes only its file. */
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/stats.h"
#include "cli/sweep.h"
#include "report/report.h"

int sweep_summary_check(const char *path, bool *json)
{
    const char *ext = vl_cli_extension(path);
    *json = strcmp(ext, "json") == 0;
    if (*json || strcmp(ext, "csv") == 0 || strcmp(path, "-") == 0)
        return 0;
    vl_cli_fail("--summary %s: must end in .csv or .json (or be -, for CSV)", path);
    return -1;
}

void sweep_summary_begin(sweep_summary *s, const sweep_grid *grid, const vl_cli_head *head,
                         const char *file, const char *const *sets, int nsets, long nseeds,
                         const char *shard)
{
    s->grid = grid;
    if (!s->json) {
        vl_cli_head_write(head, s->f);
        fputs("scenario,sched,metric,n,mean,ci95", s->f);
        for (int k = 0; k < grid->nkeys; k++) {
            fputc(',', s->f);
            sweep_csv_field(s->f, grid->keys[k].key);
            fputc(',', s->f);
            char col[1024];
            snprintf(col, sizeof col, "%s.value", grid->keys[k].key);
            sweep_csv_field(s->f, col);
        }
        fputc('\n', s->f);
        return;
    }
    vl_json *j = &s->j;
    vl_json_init(j, s->f, true);
    vl_json_obj_begin(j);
    vl_json_kstr(j, "vcpulab", VL_VERSION);
    vl_json_kstr(j, "commit", vl_build_commit());
    vl_json_kstr(j, "file", file);
    vl_json_key(j, "sets");
    vl_json_arr_begin(j);
    for (int i = 0; i < nsets; i++)
        vl_json_str(j, sets[i]);
    vl_json_arr_end(j);
    if (shard)
        vl_json_kstr(j, "shard", shard);
    vl_json_kint(j, "seeds", nseeds);
    vl_json_key(j, "groups");
    vl_json_arr_begin(j);
}

/* The grid point's values: text and number (empty / null when the text is
 * not a number or a duration). */
static void point_csv(const sweep_summary *s, long point)
{
    for (int k = 0; k < s->grid->nkeys; k++) {
        const char *text = s->grid->keys[k].values[sweep_grid_value(s->grid, point, k)];
        double v;
        fputc(',', s->f);
        sweep_csv_field(s->f, text);
        fputc(',', s->f);
        if (sweep_grid_number(text, &v)) {
            char num[32];
            vl_fmt_double(num, sizeof num, v);
            fputs(num, s->f);
        }
    }
}

static void point_json(sweep_summary *s, long point)
{
    vl_json *j = &s->j;
    vl_json_key(j, "grid");
    vl_json_obj_begin(j);
    for (int k = 0; k < s->grid->nkeys; k++)
        vl_json_kstr(j, s->grid->keys[k].key,
                     s->grid->keys[k].values[sweep_grid_value(s->grid, point, k)]);
    vl_json_obj_end(j);
    vl_json_key(j, "grid_values");
    vl_json_obj_begin(j);
    for (int k = 0; k < s->grid->nkeys; k++) {
        double v;
        vl_json_key(j, s->grid->keys[k].key);
        if (sweep_grid_number(s->grid->keys[k].values[sweep_grid_value(s->grid, point, k)], &v))
            vl_json_double(j, v);
        else
            vl_json_null(j);
    }
    vl_json_obj_end(j);
}

/* Whether a run before r in runs[] has the metric (it was summarised). */
static bool seen_before(const vl_metrics *runs, int r, const char *name)
{
    for (int q = 0; q < r; q++)
        if (vl_metrics_find(&runs[q], name))
            return true;
    return false;
}

int sweep_summary_group(sweep_summary *s, long point, const char *scenario, const char *sched,
                        uint64_t first_seed, const vl_metrics *runs, int nseeds)
{
    double *x = malloc((size_t)nseeds * sizeof *x);
    if (!x) {
        vl_cli_fail("out of memory");
        return -1;
    }
    vl_json *j = &s->j;
    if (s->json) {
        vl_json_obj_begin(j);
        vl_json_kstr(j, "scenario", scenario);
        point_json(s, point);
        vl_json_kstr(j, "sched", sched);
        vl_json_kuint(j, "first_seed", first_seed);
        vl_json_key(j, "metrics");
        vl_json_obj_begin(j);
    }
    /* every metric some seed produced, in the order they first appear */
    for (int r = 0; r < nseeds; r++)
        for (int k = 0; k < runs[r].n; k++) {
            const char *name = runs[r].v[k].name;
            if (seen_before(runs, r, name))
                continue;
            int n;
            double half, mean = vl_metrics_mean_ci95(runs, nseeds, name, x, &half, &n);
            char m[32], h[32];
            vl_fmt_double(m, sizeof m, mean);
            vl_fmt_double(h, sizeof h, half);
            if (s->json) {
                vl_json_key(j, name);
                vl_json_obj_begin(j);
                vl_json_kint(j, "n", n);
                vl_json_kdouble(j, "mean", mean);
                vl_json_kdouble(j, "ci95", half);
                vl_json_obj_end(j);
            } else {
                fprintf(s->f, "%s,%s,%s,%d,%s,%s", scenario, sched, name, n, m, h);
                point_csv(s, point);
                fputc('\n', s->f);
            }
        }
    if (s->json) {
        vl_json_obj_end(j);
        vl_json_obj_end(j);
    }
    free(x);
    return 0;
}

void sweep_summary_end(sweep_summary *s)
{
    if (!s->json)
        return;
    vl_json_arr_end(&s->j);
    vl_json_obj_end(&s->j);
    vl_json_finish(&s->j);
}
