/* cli/plot_data.h - what a figure is made of, before it is one: a
 * metric's values per series and x (one per run, or a summary row's mean
 * and CI), or CDF points per series and run; and the figure they make
 * (plot_data.c): the mean over runs with its 95% CI, in units and with
 * labels (figure_label.c).  `vcpulab plot` fills it from files, `sweep
 * --plot` from its runs. */
#ifndef VL_CLI_PLOT_DATA_H
#define VL_CLI_PLOT_DATA_H

#include <stdbool.h>

#include "cli/figure.h"

typedef struct plot_cell plot_cell;
typedef struct plot_run plot_run;

typedef struct plot_series {
    char *title;
    plot_cell *cells; /* per x value (index into xs), ncells of them */
    int ncells;
    plot_run *runs;   /* CDF: per run, its points                     */
    int nruns;
} plot_series;

typedef struct vl_plot_data {
    char **xs;  /* the x values as given ("10ms", "credit"), first seen first */
    int nx;
    plot_series *series; /* first seen first */
    int nseries;
} vl_plot_data;

/* A run's value of the metric at x in series (titles and x as given:
 * each distinct text is one series or x value).  -1 when out of memory. */
int vl_plot_sample(vl_plot_data *d, const char *series, const char *x, double value);
/* A summary row: the mean over n runs and the half-width of its 95% CI. */
int vl_plot_summary(vl_plot_data *d, const char *series, const char *x, int n, double mean,
                    double ci95);
/* A CDF point of run `run` (a run's points come in increasing value,
 * together; a new run text starts a new run in the series). */
int vl_plot_cdf_point(vl_plot_data *d, const char *series, const char *run, double value,
                      double cdf);
void vl_plot_free(vl_plot_data *d);

/* How to draw the data. */
typedef struct vl_plot_style {
    vl_fig_kind kind;  /* LINES: x numeric when every x value is a number
                        * or a duration, else categories; BARS: x values
                        * are categories; CDF: the runs' curves        */
    const char *metric; /* the metric or distribution, for labels/units */
    const char *xkey;   /* LINES and BARS: what x is (a grid key, "sched") */
    bool logx, logy;
    const char *title, *xlabel, *ylabel; /* given, or NULL: made up */
} vl_plot_style;

/* Makes the figure (fig->out left to the caller).  Per series and x: the
 * mean of the runs' values and its 95% CI (Student t) as error bars, their
 * low end cut at 0 when no run was negative (summary rows: when the mean is
 * not negative); no error bars when no point has two runs.  CDF: per
 * series, the mean of its runs' CDFs (each run weighs the same).  Prints
 * the error and returns -1 (out of memory, a value of 0 or less on a log
 * axis). */
int vl_plot_figure(const vl_plot_data *d, const vl_plot_style *st, vl_figure *fig);

#endif
