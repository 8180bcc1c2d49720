/* cli/cmd_plot.c - `vcpulab plot`: a figure from what run, compare or
 * sweep wrote (their --csv, --json, --summary or --cdf): a metric against
 * a grid key (lines, one per policy and value of the other keys that
 * vary, mean over seeds with 95% CI error bars), per policy (bars), or a
 * distribution's CDF per policy.  Reads with plot_input.c, groups here,
 * draws with plot_data.c and figure.c.  Nothing is written unless the
 * figure is drawn; a metric the file does not hold is an error before
 * anything runs. */
#include <getopt.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/figure.h"
#include "cli/options.h"
#include "cli/plot_data.h"
#include "cli/plot_input.h"

#define MAX_WHERE 32

static const char plot_usage[] =
    "usage: vcpulab plot FILE --metric NAME -o OUT.png|OUT.pdf|OUT.svg [options]\n"
    "\n"
    "Draws a figure from what run, compare or sweep wrote: their --csv, --json or\n"
    "--summary (a metric), or their --cdf (a distribution's CDF).  Labels say what\n"
    "the metric is, in units (s, ms, us, %, Mbit/s); durations on an axis are\n"
    "numbers.  gnuplot draws it; its script is written next to OUT (OUT's stem +\n"
    ".gp, data inline): edit it and rerun `gnuplot OUT.gp` in that directory.\n"
    "\n"
    "  --metric NAME       the metric (`vm.web.share`), or with a --cdf file the\n"
    "                      distribution (`wl.web.think.wake_latency`); a name the\n"
    "                      file lacks is an error listing those it has\n"
    "  -o, --out FILE      the image: FILE.png, FILE.pdf or FILE.svg\n"
    "  --x KEY             the x axis: a grid key of a sweep (default: the first),\n"
    "                      or `sched` (default without grid keys): one bar per\n"
    "                      policy; numbers and durations make a numeric axis\n"
    "  --where COL=VALUE   keep the rows whose column COL (sched, seed, scenario\n"
    "                      or a grid key) is VALUE (repeatable; all must hold)\n"
    "  --logx, --logy      logarithmic x or y axis\n"
    "  --title TEXT        a title (default: none; a paper's caption says it)\n"
    "  --xlabel TEXT, --ylabel TEXT\n"
    "                      axis labels instead of those made from the names\n"
    "  --help              this text\n"
    "\n"
    "One line (or bar, or curve) per policy and per value of the grid keys other\n"
    "than x that vary; y is the mean over seeds with its 95% confidence interval\n"
    "(Student t) as error bars, moved apart sideways so that they do not hide each\n"
    "other.  A CDF per policy mixes its seeds' runs, each weighing the same.\n"
    "Figures: docs/plots.md.\n";

typedef struct plot_opts {
    const char *in, *metric, *out, *x;
    const char *where[MAX_WHERE];
    int nwhere;
    vl_plot_style style;
} plot_opts;

/* --where COL=VALUE: the column's index and the value; -1 (printed) when
 * the file has no such column. */
static int where_column(const plot_table *t, const char *arg, const char **value)
{
    const char *eq = strchr(arg, '=');
    char col[256];
    snprintf(col, sizeof col, "%.*s", eq ? (int)(eq - arg) : 0, arg);
    int c = eq ? plot_table_column(t, col) : -1;
    if (c < 0) {
        vl_cli_fail("plot: --where %s: expected COL=VALUE with COL one of the file's columns:",
                    arg);
        for (int i = 0; i < t->ncols; i++)
            if (i != t->c_name && i != t->c_value && i != t->c_cdf && i != t->c_n &&
                i != t->c_ci95)
                fprintf(stderr, "  %s\n", t->cols[i]);
        return -1;
    }
    *value = eq + 1;
    return c;
}

/* Drops the rows that fail a --where. */
static int filter_rows(plot_table *t, const plot_opts *o)
{
    for (int w = 0; w < o->nwhere; w++) {
        const char *value;
        int c = where_column(t, o->where[w], &value);
        if (c < 0)
            return -1;
        int kept = 0;
        for (int r = 0; r < t->nrows; r++) {
            if (strcmp(t->rows[r][c], value) == 0) {
                t->rows[kept++] = t->rows[r];
                continue;
            }
            for (int i = 0; i < t->ncols; i++)
                free(t->rows[r][i]);
            free(t->rows[r]);
        }
        t->nrows = kept;
    }
    return 0;
}

/* Whether column c takes more than one value among the rows of one x
 * (first[r]: the first row with row r's x value). */
static bool varies(const plot_table *t, int c, const int *first)
{
    for (int r = 1; r < t->nrows; r++)
        if (strcmp(t->rows[r][c], t->rows[first[r]][c]) != 0)
            return true;
    return false;
}

/* first[r]: the first row whose x value is row r's (xcol -1: row 0). */
static int *first_of_x(const plot_table *t, int xcol)
{
    int *first = calloc((size_t)t->nrows + 1, sizeof *first);
    int *starts = calloc((size_t)t->nrows + 1, sizeof *starts), nstarts = 0;
    for (int r = 0; first && starts && r < t->nrows; r++) {
        int k = 0;
        while (xcol >= 0 && k < nstarts && strcmp(t->rows[starts[k]][xcol], t->rows[r][xcol]))
            k++;
        if (k == nstarts && (xcol >= 0 || nstarts == 0))
            starts[nstarts++] = r;
        first[r] = starts[k < nstarts ? k : 0];
    }
    if (!starts) {
        free(first);
        first = NULL;
    }
    free(starts);
    return first;
}

/* "credit, params.x=1": the row's values of the columns in cols. */
static void join_values(const plot_table *t, char **row, const int *cols, int n, char *buf,
                        size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int k = 0; k < n && used < len; k++) {
        int c = cols[k];
        bool named = c != t->c_sched && c != t->c_scenario;
        int w = snprintf(buf + used, len - used, "%s%s%s%s", k ? ", " : "",
                         named ? t->cols[c] : "", named ? "=" : "", row[c]);
        used += w > 0 ? (size_t)w : 0;
    }
}

static int number(const plot_table *t, const char *path, const char *text, double *v)
{
    char *end;
    *v = strtod(text, &end);
    if (end == text || *end) {
        vl_cli_fail("plot: %s: a value of %s is not a number: '%s'", path, t->rows[0][t->c_name],
                    text);
        return -1;
    }
    return 0;
}

/* The rows as the figure's data: series by the columns that vary at one
 * x (a column x determines, as the policy with `--x scheduler`, does not
 * make series), x from the x column (CDF: runs by seed and grid values). */
static int fill(const plot_table *t, const plot_opts *o, int xcol, vl_plot_data *d)
{
    int scols[2 + 64], ns = 0, rcols[3 + 64], nr = 0;
    int cand[2 + 64], nc = 0;
    int *first = first_of_x(t, xcol);
    if (!first) {
        vl_cli_fail("out of memory");
        return -1;
    }
    cand[nc++] = t->c_scenario;
    cand[nc++] = t->c_sched;
    for (int k = 0; k < t->ngrid && nc < 66; k++)
        cand[nc++] = t->grid[k];
    for (int k = 0; k < nc; k++) {
        if (cand[k] != xcol && varies(t, cand[k], first))
            scols[ns++] = cand[k];
        rcols[nr++] = cand[k];
    }
    free(first);
    if (t->c_seed >= 0)
        rcols[nr++] = t->c_seed;
    for (int r = 0; r < t->nrows; r++) {
        char **row = t->rows[r];
        char title[512];
        join_values(t, row, scols, ns, title, sizeof title);
        double v, a, b;
        int rc;
        if (number(t, o->in, row[t->c_value], &v) < 0)
            return -1;
        if (t->kind == PLOT_CDF) {
            char run[1024];
            join_values(t, row, rcols, nr, run, sizeof run);
            if (number(t, o->in, row[t->c_cdf], &a) < 0)
                return -1;
            rc = vl_plot_cdf_point(d, title, run, v, a);
        } else if (t->kind == PLOT_SUMMARY) {
            if (number(t, o->in, row[t->c_n], &a) < 0 ||
                (row[t->c_ci95][0] && number(t, o->in, row[t->c_ci95], &b) < 0))
                return -1;
            rc = vl_plot_summary(d, title, row[xcol], (int)a, v, row[t->c_ci95][0] ? b : 0);
        } else {
            rc = vl_plot_sample(d, title, row[xcol], v);
        }
        if (rc < 0) {
            vl_cli_fail("out of memory");
            return -1;
        }
    }
    return 0;
}

/* The x column: --x, else the first grid key, else sched (bars). */
static int x_column(const plot_table *t, const plot_opts *o)
{
    if (!o->x)
        return t->ngrid ? t->grid[0] : t->c_sched;
    for (int k = 0; k < t->ngrid; k++)
        if (strcmp(t->cols[t->grid[k]], o->x) == 0)
            return t->grid[k];
    if (strcmp(o->x, "sched") == 0)
        return t->c_sched;
    vl_cli_fail("plot: --x %s: not a grid key of %s; x is `sched` or one of:%s", o->x, o->in,
                t->ngrid ? "" : " (none: the file has no grid keys)");
    for (int k = 0; k < t->ngrid; k++)
        fprintf(stderr, "  %s\n", t->cols[t->grid[k]]);
    return -1;
}

static int draw(plot_opts *o)
{
    vl_outputs outs;
    vl_output *image, *script;
    vl_outputs_init(&outs);
    if (vl_figure_outputs(&outs, "--out", o->out, &image, &script) < 0) {
        vl_outputs_abort(&outs);
        return VL_EXIT_USAGE;
    }
    plot_table t;
    vl_plot_data d = {0};
    vl_figure fig = {.out = o->out};
    int status = VL_EXIT_USAGE;
    int rc = plot_table_read(o->in, o->metric, &t);
    if (rc < 0) {
        status = rc == -2 ? VL_EXIT_RUN : VL_EXIT_USAGE;
        goto out;
    }
    const char *what = t.kind == PLOT_CDF ? "distribution" : "metric";
    if (t.nrows == 0) {
        vl_cli_fail("plot: --metric %s: %s has no such %s; it has:", o->metric, o->in, what);
        for (int i = 0; i < t.nnames; i++)
            fprintf(stderr, "  %s\n", t.names[i]);
        goto out;
    }
    if (t.kind == PLOT_CDF && o->x) {
        vl_cli_fail("plot: --x %s: a CDF's x axis is the distribution's values", o->x);
        goto out;
    }
    int xcol = t.kind == PLOT_CDF ? -1 : x_column(&t, o);
    if ((t.kind != PLOT_CDF && xcol < 0) || filter_rows(&t, o) < 0)
        goto out;
    if (t.nrows == 0) {
        vl_cli_fail("plot: no row of %s %s passes every --where", what, o->metric);
        goto out;
    }
    status = VL_EXIT_RUN;
    if (fill(&t, o, xcol, &d) < 0)
        goto out;
    o->style.kind = t.kind == PLOT_CDF ? VL_FIG_CDF
                    : xcol == t.c_sched ? VL_FIG_BARS
                                        : VL_FIG_LINES;
    o->style.metric = o->metric;
    o->style.xkey = xcol >= 0 ? (xcol == t.c_sched ? "policy" : t.cols[xcol]) : NULL;
    snprintf(fig.what, sizeof fig.what, "plot %s from %s%s", o->metric, o->in,
             t.kind == PLOT_CDF   ? ": per series, the mean of its runs' CDFs"
             : t.c_seed < 0       ? ": the summary's means and 95% confidence intervals"
                                  : ": the mean over runs and its 95% confidence interval");
    if (vl_plot_figure(&d, &o->style, &fig) < 0) {
        status = VL_EXIT_USAGE; /* a value a log axis cannot show */
        goto out;
    }
    if (vl_figure_render(&fig, image, script) == 0 && vl_cli_commit(&outs) == 0)
        status = VL_EXIT_OK;
out:
    vl_outputs_abort(&outs);
    vl_figure_free(&fig);
    vl_plot_free(&d);
    plot_table_free(&t);
    return status;
}

int vl_cmd_plot(int argc, char **argv)
{
    static const struct option opts[] = {
        {"metric", required_argument, 0, OPT_METRIC},
        {"out", required_argument, 0, 'o'},
        {"x", required_argument, 0, OPT_X},
        {"where", required_argument, 0, OPT_WHERE},
        {"logx", no_argument, 0, OPT_LOGX},
        {"logy", no_argument, 0, OPT_LOGY},
        {"title", required_argument, 0, OPT_TITLE},
        {"xlabel", required_argument, 0, OPT_XLABEL},
        {"ylabel", required_argument, 0, OPT_YLABEL},
        {"help", no_argument, 0, OPT_HELP},
        {0, 0, 0, 0},
    };
    plot_opts o = {0};
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
        switch (opt) {
        case OPT_METRIC: o.metric = optarg; break;
        case 'o': o.out = optarg; break;
        case OPT_X: o.x = optarg; break;
        case OPT_WHERE:
            if (o.nwhere == MAX_WHERE) {
                vl_cli_fail("plot: at most %d --where", MAX_WHERE);
                return VL_EXIT_USAGE;
            }
            o.where[o.nwhere++] = optarg;
            break;
        case OPT_LOGX: o.style.logx = true; break;
        case OPT_LOGY: o.style.logy = true; break;
        case OPT_TITLE: o.style.title = optarg; break;
        case OPT_XLABEL: o.style.xlabel = optarg; break;
        case OPT_YLABEL: o.style.ylabel = optarg; break;
        case OPT_HELP: fputs(plot_usage, stdout); return VL_EXIT_OK;
        default: fputs(plot_usage, stderr); return VL_EXIT_USAGE;
        }
    }
    if (optind != argc - 1 || !o.metric || !o.out) {
        vl_cli_fail("plot: expected FILE, --metric NAME and -o OUT (see vcpulab plot --help)");
        return VL_EXIT_USAGE;
    }
    o.in = argv[optind];
    if (vl_figure_check("--out", o.out) < 0)
        return VL_EXIT_USAGE;
    return draw(&o);
}
