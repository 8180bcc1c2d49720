/* cli/plot_data.c - from a metric's values to a figure (cli/plot_data.h).
 *
 * Series and x values are kept in the order they are first seen; a
 * numeric x axis is sorted by value.  Values stay in the metric's base
 * units until the figure is made, then are divided by the unit chosen
 * for the largest value shown (vl_metric_unit). */
#define _GNU_SOURCE /* qsort_r */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/plot_data.h"
#include "cli/stats.h"
#include "cli/sweep.h"
#include "vl_array.h"

struct plot_cell {
    double *v; /* the runs' values             */
    int n, cap;
    bool summary; /* from a summary row instead  */
    int count;
    double mean, half;
};

struct plot_run {
    char *key;
    double *x, *cdf;
    int n, capx, capc;
};

/* Index of text in the list, added at its end when missing; -1 when out
 * of memory. */
static int intern(char ***list, int *n, const char *text)
{
    for (int i = 0; i < *n; i++)
        if (strcmp((*list)[i], text) == 0)
            return i;
    char **l = realloc(*list, (size_t)(*n + 1) * sizeof *l);
    if (!l)
        return -1;
    *list = l;
    if (!(l[*n] = strdup(text)))
        return -1;
    return (*n)++;
}

static plot_series *series_of(vl_plot_data *d, const char *title)
{
    for (int s = 0; s < d->nseries; s++)
        if (strcmp(d->series[s].title, title) == 0)
            return &d->series[s];
    plot_series *all = realloc(d->series, (size_t)(d->nseries + 1) * sizeof *all);
    if (!all)
        return NULL;
    d->series = all;
    plot_series *se = &all[d->nseries];
    *se = (plot_series){.title = strdup(title)};
    if (!se->title)
        return NULL;
    d->nseries++;
    return se;
}

/* The cell of series and x, made when missing. */
static plot_cell *cell_of(vl_plot_data *d, const char *series, const char *x)
{
    plot_series *se = series_of(d, series);
    int xi = se ? intern(&d->xs, &d->nx, x) : -1;
    if (xi < 0)
        return NULL;
    if (xi >= se->ncells) {
        plot_cell *c = realloc(se->cells, (size_t)d->nx * sizeof *c);
        if (!c)
            return NULL;
        memset(c + se->ncells, 0, (size_t)(d->nx - se->ncells) * sizeof *c);
        se->cells = c;
        se->ncells = d->nx;
    }
    return &se->cells[xi];
}

int vl_plot_sample(vl_plot_data *d, const char *series, const char *x, double value)
{
    plot_cell *c = cell_of(d, series, x);
    if (!c || vl_array_room(&c->v, &c->cap, c->n, sizeof *c->v, 8) < 0)
        return -1;
    c->v[c->n++] = value;
    return 0;
}

int vl_plot_summary(vl_plot_data *d, const char *series, const char *x, int n, double mean,
                    double ci95)
{
    plot_cell *c = cell_of(d, series, x);
    if (!c)
        return -1;
    *c = (plot_cell){.summary = true, .count = n, .mean = mean, .half = ci95};
    return 0;
}

int vl_plot_cdf_point(vl_plot_data *d, const char *series, const char *run, double value,
                      double cdf)
{
    plot_series *se = series_of(d, series);
    if (!se)
        return -1;
    plot_run *r = se->nruns ? &se->runs[se->nruns - 1] : NULL;
    if (!r || strcmp(r->key, run) != 0) {
        plot_run *all = realloc(se->runs, (size_t)(se->nruns + 1) * sizeof *all);
        if (!all)
            return -1;
        se->runs = all;
        r = &all[se->nruns];
        *r = (plot_run){.key = strdup(run)};
        if (!r->key)
            return -1;
        se->nruns++;
    }
    if (vl_array_room(&r->x, &r->capx, r->n, sizeof *r->x, 64) < 0 ||
        vl_array_room(&r->cdf, &r->capc, r->n, sizeof *r->cdf, 64) < 0)
        return -1;
    r->x[r->n] = value;
    r->cdf[r->n++] = cdf;
    return 0;
}

void vl_plot_free(vl_plot_data *d)
{
    for (int s = 0; s < d->nseries; s++) {
        plot_series *se = &d->series[s];
        for (int i = 0; i < se->ncells; i++)
            free(se->cells[i].v);
        for (int r = 0; r < se->nruns; r++) {
            free(se->runs[r].key);
            free(se->runs[r].x);
            free(se->runs[r].cdf);
        }
        free(se->cells);
        free(se->runs);
        free(se->title);
    }
    for (int i = 0; i < d->nx; i++)
        free(d->xs[i]);
    free(d->series);
    free(d->xs);
    *d = (vl_plot_data){0};
}

/* ---- the figure ------------------------------------------------------------ */

/* A cell's mean and error bar ends (base units); false when empty. */
static bool cell_point(const plot_cell *c, double *mean, double *lo, double *hi, int *n)
{
    double half;
    bool negative = false;
    if (c->summary) {
        *mean = c->mean, half = c->half, *n = c->count;
        negative = c->mean < 0;
    } else {
        if (c->n == 0)
            return false;
        *mean = vl_mean_ci95(c->v, c->n, &half);
        *n = c->n;
        for (int i = 0; i < c->n; i++)
            negative |= c->v[i] < 0;
    }
    *lo = *mean - half;
    *hi = *mean + half;
    if (!negative && *lo < 0)
        *lo = 0; /* a never-negative metric's interval stops at 0 */
    return true;
}

/* Whether every x value is a number, and whether some is a duration
 * ("10ms": a number with a unit); the values in base units into v. */
static bool numeric_xs(const vl_plot_data *d, double *v, bool *durations)
{
    *durations = false;
    for (int i = 0; i < d->nx; i++) {
        size_t n = strlen(d->xs[i]);
        if (!sweep_grid_number(d->xs[i], &v[i]))
            return false;
        *durations |= n > 0 && ((d->xs[i][n - 1] | 0x20) >= 'a' && (d->xs[i][n - 1] | 0x20) <= 'z');
    }
    return true;
}

static int by_value_cmp(const void *a, const void *b, void *v)
{
    double x = ((const double *)v)[*(const int *)a], y = ((const double *)v)[*(const int *)b];
    return (x > y) - (x < y);
}

/* A series of n points, with error bars or not. */
static int series_alloc(vl_fig_series *fs, const char *title, int n, bool bars)
{
    snprintf(fs->title, sizeof fs->title, "%s", title);
    fs->x = calloc((size_t)n + 1, sizeof *fs->x);
    fs->y = calloc((size_t)n + 1, sizeof *fs->y);
    if (bars) {
        fs->lo = calloc((size_t)n + 1, sizeof *fs->lo);
        fs->hi = calloc((size_t)n + 1, sizeof *fs->hi);
    }
    return fs->x && fs->y && (!bars || (fs->lo && fs->hi)) ? 0 : -1;
}

/* LINES and BARS: per series, the points of its cells. */
static int value_figure(const vl_plot_data *d, const vl_plot_style *st, vl_figure *fig)
{
    double *xv = calloc((size_t)d->nx + 1, sizeof *xv);
    int *order = calloc((size_t)d->nx + 1, sizeof *order);
    if (!xv || !order) {
        free(xv);
        free(order);
        return -1;
    }
    bool durations = false;
    bool numeric = st->kind == VL_FIG_LINES && numeric_xs(d, xv, &durations);
    /* error bars when some point has two runs; the y unit by the largest */
    bool bars = false;
    double ymax = 0, xmax = 0;
    for (int s = 0; s < d->nseries; s++)
        for (int i = 0; i < d->series[s].ncells; i++) {
            double m, lo, hi;
            int n;
            if (cell_point(&d->series[s].cells[i], &m, &lo, &hi, &n)) {
                bars |= n > 1;
                ymax = fmax(ymax, fmax(fabs(m), fmax(fabs(lo), fabs(hi))));
            }
        }
    for (int i = 0; i < d->nx; i++) {
        order[i] = i;
        xmax = numeric ? fmax(xmax, fabs(xv[i])) : xmax;
    }
    if (numeric)
        qsort_r(order, (size_t)d->nx, sizeof *order, by_value_cmp, xv);
    vl_unit yu = vl_metric_unit(st->metric, ymax, false);
    vl_unit xu = durations ? vl_time_unit(xmax) : (vl_unit){1, ""};
    char label[256];
    vl_metric_label(st->metric, label, sizeof label);
    vl_axis_label(fig->ylabel, sizeof fig->ylabel, label, yu);
    vl_key_label(st->xkey, label, sizeof label);
    vl_axis_label(fig->xlabel, sizeof fig->xlabel, label, xu);
    if (!numeric) {
        fig->xticks = d->xs;
        fig->nxticks = d->nx;
    }
    int rc = 0;
    fig->series = calloc((size_t)d->nseries, sizeof *fig->series);
    if (!fig->series)
        rc = -1;
    for (int s = 0; s < d->nseries && rc == 0; s++) {
        const plot_series *se = &d->series[s];
        vl_fig_series *fs = &fig->series[fig->nseries++];
        rc = series_alloc(fs, se->title, d->nx, bars);
        for (int k = 0; k < d->nx && rc == 0; k++) {
            int i = order[k];
            double m, lo, hi;
            int n;
            if (i >= se->ncells || !cell_point(&se->cells[i], &m, &lo, &hi, &n))
                continue;
            double x = numeric ? xv[i] / xu.scale : i;
            if (numeric && st->logx && x <= 0) {
                vl_cli_fail("plot: --logx: %s = %s cannot be on a logarithmic axis", st->xkey,
                            d->xs[i]);
                rc = -2;
                break;
            }
            fs->x[fs->n] = x;
            fs->y[fs->n] = m / yu.scale;
            if (bars) {
                fs->lo[fs->n] = lo / yu.scale;
                fs->hi[fs->n] = hi / yu.scale;
            }
            fs->n++;
        }
    }
    free(xv);
    free(order);
    return rc;
}

/* The mean of a series' runs' CDFs at every value any of them has (a
 * run's CDF is 0 before its first point and stays at a point's value up
 * to the next); on a log axis (logx) from the first value above 0. */
static int mix_runs(const plot_series *se, vl_fig_series *fs, double xscale, bool logx)
{
    int total = 0;
    for (int r = 0; r < se->nruns; r++)
        total += se->runs[r].n;
    double *xs = malloc(((size_t)total + 1) * sizeof *xs);
    int *at = calloc((size_t)se->nruns + 1, sizeof *at);
    if (!xs || !at || series_alloc(fs, se->title, total + 1, false) < 0) {
        free(xs);
        free(at);
        return -1;
    }
    int n = 0;
    for (int r = 0; r < se->nruns; r++)
        for (int i = 0; i < se->runs[r].n; i++)
            xs[n++] = se->runs[r].x[i];
    double *v = xs;
    int *idx = malloc(((size_t)n + 1) * sizeof *idx);
    if (!idx) {
        free(xs);
        free(at);
        return -1;
    }
    for (int i = 0; i < n; i++)
        idx[i] = i;
    qsort_r(idx, (size_t)n, sizeof *idx, by_value_cmp, v);
    for (int k = 0; k < n; k++) {
        double x = xs[idx[k]];
        if ((k > 0 && x == xs[idx[k - 1]]) || (logx && x <= 0))
            continue;
        double sum = 0;
        for (int r = 0; r < se->nruns; r++) {
            const plot_run *run = &se->runs[r];
            while (at[r] < run->n && run->x[at[r]] <= x)
                at[r]++;
            sum += at[r] ? run->cdf[at[r] - 1] : 0;
        }
        if (fs->n == 0) { /* the curve rises from 0 at its first value */
            fs->x[fs->n] = x / xscale;
            fs->y[fs->n++] = 0;
        }
        fs->x[fs->n] = x / xscale;
        fs->y[fs->n++] = sum / se->nruns;
    }
    free(idx);
    free(xs);
    free(at);
    return 0;
}

static int cdf_figure(const vl_plot_data *d, const vl_plot_style *st, vl_figure *fig)
{
    double xmax = 0;
    for (int s = 0; s < d->nseries; s++)
        for (int r = 0; r < d->series[s].nruns; r++)
            for (int i = 0; i < d->series[s].runs[r].n; i++)
                xmax = fmax(xmax, fabs(d->series[s].runs[r].x[i]));
    vl_unit xu = vl_metric_unit(st->metric, xmax, true);
    char label[256];
    vl_metric_label(st->metric, label, sizeof label);
    vl_axis_label(fig->xlabel, sizeof fig->xlabel, label, xu);
    snprintf(fig->ylabel, sizeof fig->ylabel, "fraction of samples at or below");
    fig->series = calloc((size_t)d->nseries, sizeof *fig->series);
    if (!fig->series)
        return -1;
    for (int s = 0; s < d->nseries; s++)
        if (mix_runs(&d->series[s], &fig->series[fig->nseries++], xu.scale, st->logx) < 0)
            return -1;
    return 0;
}

int vl_plot_figure(const vl_plot_data *d, const vl_plot_style *st, vl_figure *fig)
{
    fig->kind = st->kind;
    fig->logx = st->logx;
    fig->logy = st->logy;
    int rc = st->kind == VL_FIG_CDF ? cdf_figure(d, st, fig) : value_figure(d, st, fig);
    if (rc == -1)
        vl_cli_fail("out of memory");
    if (rc < 0) {
        vl_figure_free(fig);
        return -1;
    }
    if (st->title)
        snprintf(fig->title, sizeof fig->title, "%s", st->title);
    if (st->xlabel)
        snprintf(fig->xlabel, sizeof fig->xlabel, "%s", st->xlabel);
    if (st->ylabel)
        snprintf(fig->ylabel, sizeof fig->ylabel, "%s", st->ylabel);
    return 0;
}
