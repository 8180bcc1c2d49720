/* cli/figure.h - figures drawn by gnuplot (figure.c): lines of a metric
 * against a numeric or categorical axis with error bars, bars per
 * category, CDF curves; the labels and units of the model's metrics and
 * of grid keys (figure_label.c).  `vcpulab plot` and `sweep --plot` draw
 * with these; their data come from cli/plot_data.h. */
#ifndef VL_CLI_FIGURE_H
#define VL_CLI_FIGURE_H

#include <stdbool.h>
#include <stddef.h>

#include "vl_output.h"

typedef enum vl_fig_kind {
    VL_FIG_LINES, /* points joined by lines, error bars when lo/hi      */
    VL_FIG_BARS,  /* a bar per point (clustered per x), error bars      */
    VL_FIG_CDF,   /* a step curve per series, y in [0, 1]               */
} vl_fig_kind;

/* One line, set of bars or curve: its points, in the axes' units (x is
 * an index into xticks on a categorical axis). */
typedef struct vl_fig_series {
    char title[256];
    int n;
    double *x, *y;
    double *lo, *hi; /* error bar ends, or NULL (no bars) */
} vl_fig_series;

typedef struct vl_figure {
    vl_fig_kind kind;
    const char *out;      /* FILE.png, FILE.pdf or FILE.svg              */
    char what[512];       /* what it shows, for the script's first line */
    char title[256];      /* "" for none (a paper's caption says it)     */
    char xlabel[256], ylabel[256];
    char **xticks;        /* a categorical x axis: its labels, else NULL */
    int nxticks;
    bool logx, logy;
    vl_fig_series *series;
    int nseries;
} vl_figure;

/* The image formats, by the name's extension. */
#define VL_FIG_FORMATS ".png, .pdf or .svg"

/* Checks the image's extension and that gnuplot is on PATH; `option` names
 * the path in messages ("--plot-out").  Prints the error, returns -1. */
int vl_figure_check(const char *option, const char *out);
/* Adds the image and its gnuplot script (OUT's stem + ".gp") to set (both
 * staged, put in place when the command commits).  Prints the error and
 * returns -1 when a path is refused (vl_output.h). */
int vl_figure_outputs(vl_outputs *set, const char *option, const char *out,
                      vl_output **image, vl_output **script);
/* Writes the script (data inline) into `script` and has gnuplot draw the
 * image into `image`.  Prints the error and returns -1. */
int vl_figure_render(const vl_figure *fig, vl_output *image, vl_output *script);
/* Frees the series' points and the series (not the ticks). */
void vl_figure_free(vl_figure *fig);

/* ---- labels and units (figure_label.c) ------------------------------------ */

/* A unit an axis shows its values in: value / scale, named `name` ("ms",
 * "%", "Mbit/s"; "" for a count or a plain number). */
typedef struct vl_unit {
    double scale;
    const char *name;
} vl_unit;

/* What metric or distribution `name` measures, in words
 * ("wl.web.think.wake_p99_ns": "web/think wake-up latency, p99"); the name
 * itself when it is not one the model writes. */
void vl_metric_label(const char *name, char *buf, size_t len);
/* The unit to show metric `name` in, its values reaching `maxabs` in
 * absolute value: time (names ending in _ns, and the distributions of
 * --cdf when `ns` is set) in s, ms, us or ns; fractions of a whole
 * (shares, loss, hit ratios) in %; _mbps in Mbit/s. */
vl_unit vl_metric_unit(const char *name, double maxabs, bool ns);
/* The unit for durations in ns reaching maxabs: s, ms, us or ns. */
vl_unit vl_time_unit(double maxabs);
/* A grid key in words: "params.credit.tslice": "credit tslice"; other keys
 * as given. */
void vl_key_label(const char *key, char *buf, size_t len);
/* "LABEL (UNIT)", or LABEL when the unit has no name. */
void vl_axis_label(char *buf, size_t len, const char *label, vl_unit u);

#endif
