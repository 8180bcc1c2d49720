/* cli/figure.c - figures rendered by gnuplot (cli/figure.h).
 *
 * The gnuplot script is written next to the image (FILE.gp, data inline)
 * so that users can edit and rerun it (`gnuplot FILE.gp` in that
 * directory); gnuplot runs on it in the image's directory.  gnuplot is
 * looked up on PATH, like a shell would, before any work starts.
 *
 * Error bars of several series at one x would hide each other: each
 * series is moved sideways by its own offset (dx<s> in the script), a
 * quarter of the smallest gap between x values across all the series
 * (bars: the width of a bar), added on a linear axis and multiplied on a
 * logarithmic one; the data keep the true x. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/figure.h"

#define GNUPLOT "gnuplot"

/* The full name of gnuplot found on PATH, or "" (buf). */
static void find_gnuplot(char *buf, size_t len)
{
    const char *path = getenv("PATH");
    buf[0] = '\0';
    if (!path)
        return;
    while (*path) {
        const char *end = strchr(path, ':');
        size_t n = end ? (size_t)(end - path) : strlen(path);
        snprintf(buf, len, "%.*s/%s", (int)(n ? n : 1), n ? path : ".", GNUPLOT);
        if (access(buf, X_OK) == 0)
            return;
        path += n + (end != NULL);
    }
    buf[0] = '\0';
}

/* The gnuplot terminal for the image's extension, or NULL. */
static const char *terminal_of(const char *out)
{
    static const struct { const char *ext, *terminal; } terms[] = {
        {"png", "pngcairo size 900,600 noenhanced font 'sans,12' linewidth 1.4"},
        {"pdf", "pdfcairo size 5in,3.4in noenhanced font 'sans,9' pointscale 0.7"},
        {"svg", "svg size 900,600 dynamic noenhanced font 'sans,12' linewidth 1.4"},
    };
    const char *ext = vl_cli_extension(out);
    for (size_t i = 0; i < sizeof terms / sizeof terms[0]; i++)
        if (strcmp(ext, terms[i].ext) == 0)
            return terms[i].terminal;
    return NULL;
}

int vl_figure_check(const char *option, const char *out)
{
    if (!terminal_of(out)) {
        vl_cli_fail("%s %s: the name must end in " VL_FIG_FORMATS, option, out);
        return -1;
    }
    char gp[1024];
    find_gnuplot(gp, sizeof gp);
    if (!gp[0]) {
        vl_cli_fail("%s needs gnuplot, which is not on PATH (scripts/setup.sh installs "
                    "gnuplot-nox)", option);
        return -1;
    }
    return 0;
}

int vl_figure_outputs(vl_outputs *set, const char *option, const char *out,
                      vl_output **image, vl_output **script)
{
    char gp[VL_OUTPUT_PATH_MAX + 8], what[48];
    const char *dot = strrchr(out, '.');
    snprintf(gp, sizeof gp, "%.*s.gp", (int)(dot - out), out);
    snprintf(what, sizeof what, "%s's script", option);
    return (*image = vl_cli_output(set, option, out)) && (*script = vl_cli_output(set, what, gp))
               ? 0
               : -1;
}

/* A gnuplot single-quoted string: quotes doubled. */
static void put_quoted(FILE *f, const char *s)
{
    vl_cli_put_quoted(f, s, '\'');
}

static void put_setting(FILE *f, const char *what, const char *text)
{
    fprintf(f, "set %s ", what);
    put_quoted(f, text);
    fputc('\n', f);
}

/* The smallest gap between two distinct x values of the figure (log10 on
 * a log axis), or 1 when there is none. */
static double smallest_gap(const vl_figure *fig)
{
    double gap = INFINITY;
    for (int s = 0; s < fig->nseries; s++)
        for (int a = 0; a < fig->series[s].n; a++)
            for (int t = s; t < fig->nseries; t++)
                for (int b = 0; b < fig->series[t].n; b++) {
                    double xa = fig->series[s].x[a], xb = fig->series[t].x[b];
                    double d = fig->logx ? fabs(log10(xa) - log10(xb)) : fabs(xa - xb);
                    if (d > 0 && d < gap)
                        gap = d;
                }
    return isfinite(gap) ? gap : 1;
}

static bool has_bars(const vl_figure *fig)
{
    for (int s = 0; s < fig->nseries; s++)
        if (fig->series[s].lo)
            return true;
    return false;
}

static void write_data(FILE *f, const vl_figure *fig)
{
    for (int s = 0; s < fig->nseries; s++) {
        const vl_fig_series *se = &fig->series[s];
        fprintf(f, "$s%d << EOD\n", s);
        for (int i = 0; i < se->n; i++) {
            fprintf(f, "%.10g %.10g", se->x[i], se->y[i]);
            if (se->lo)
                fprintf(f, " %.10g %.10g", se->lo[i], se->hi[i]);
            fputc('\n', f);
        }
        fputs("EOD\n", f);
    }
}

/* The axes: labels, log scales, a categorical x axis's ticks. */
static void write_axes(FILE *f, const vl_figure *fig)
{
    if (fig->title[0])
        put_setting(f, "title", fig->title);
    put_setting(f, "xlabel", fig->xlabel);
    put_setting(f, "ylabel", fig->ylabel);
    fputs("set grid linetype 1 linewidth 0.5 linecolor rgb '#d0d0d0'\n", f);
    bool titled = fig->nseries > 1 || (fig->nseries == 1 && fig->series[0].title[0]);
    fputs(titled ? "set key above\n" : "unset key\n", f);
    if (fig->logx)
        fputs("set logscale x\n", f);
    if (fig->logy)
        fputs("set logscale y\n", f);
    if (fig->xticks) {
        fputs("set xtics (", f);
        for (int i = 0; i < fig->nxticks; i++) {
            fputs(i ? ", " : "", f);
            put_quoted(f, fig->xticks[i]);
            fprintf(f, " %d", i);
        }
        fprintf(f, ")\nset xrange [-0.5:%g]\n", fig->nxticks - 0.5);
    }
    if (fig->kind == VL_FIG_CDF)
        fputs("set yrange [0:1]\n", f);
    if (fig->kind == VL_FIG_LINES && !fig->xticks) {
        /* half a gap of room either side (gnuplot would go to the next
         * round number, a whole decade on a log axis) */
        double lo = INFINITY, hi = -INFINITY, room = smallest_gap(fig) / 2;
        for (int s = 0; s < fig->nseries; s++)
            for (int i = 0; i < fig->series[s].n; i++) {
                lo = fmin(lo, fig->series[s].x[i]);
                hi = fmax(hi, fig->series[s].x[i]);
            }
        if (isfinite(lo) && fig->logx)
            fprintf(f, "set xrange [%.10g:%.10g]\n", lo / pow(10, room), hi * pow(10, room));
        else if (isfinite(lo))
            fprintf(f, "set xrange [%.10g:%.10g]\n", lo - room, hi + room);
    }
}

static void write_plot(FILE *f, const vl_figure *fig)
{
    int n = fig->nseries;
    bool bars = has_bars(fig);
    double width = 0;
    if (fig->kind == VL_FIG_BARS) {
        width = 0.8 / n;
        fprintf(f, "set boxwidth %.10g absolute\nset style fill solid 0.6 border -1\n", width);
        if (!fig->logy)
            fputs("set yrange [0:*]\n", f);
    }
    /* sideways offsets, so that error bars at one x stay apart */
    double step = fig->kind == VL_FIG_BARS ? width
                  : bars && n > 1      ? smallest_gap(fig) / 4 / (n - 1)
                                       : 0;
    for (int s = 0; s < n; s++) {
        double off = step * (s - (n - 1) / 2.0);
        if (fig->logx)
            fprintf(f, "dx%d = %.10g\n", s, pow(10, off));
        else
            fprintf(f, "dx%d = %.10g\n", s, off);
    }
    const char *shift = fig->logx ? "*" : "+";
    fputs("plot ", f);
    for (int s = 0; s < n; s++) {
        const vl_fig_series *se = &fig->series[s];
        fprintf(f, "%s$s%d using ($1%sdx%d):2", s ? ", \\\n     " : "", s, shift, s);
        if (fig->kind == VL_FIG_CDF) {
            fputs(" with steps", f);
        } else if (fig->kind == VL_FIG_BARS) {
            fprintf(f, " with boxes linecolor %d title ", s + 1);
            put_quoted(f, se->title);
            if (se->lo)
                fprintf(f, ", \\\n     $s%d using ($1%sdx%d):2:3:4 with yerrorbars "
                           "linecolor 'black' pointtype 7 pointsize 0.4 notitle", s, shift, s);
            continue;
        } else {
            fputs(se->lo ? ":3:4 with yerrorlines" : " with linespoints", f);
        }
        fprintf(f, " linecolor %d linewidth 1.5 title ", s + 1);
        put_quoted(f, se->title);
    }
    fputs("\n", f);
}

static void write_script(FILE *f, const vl_figure *fig, const char *image, const char *script)
{
    fprintf(f, "# vcpulab: %s\n", fig->what);
    fprintf(f, "# Edit and rerun with: gnuplot %s (in this directory)\n", script);
    fprintf(f, "set terminal %s\nset encoding utf8\n", terminal_of(image));
    fputs("if (!exists(\"vl_to_stdout\")) set output ", f);
    put_quoted(f, image);
    fputc('\n', f);
    write_axes(f, fig);
    write_data(f, fig);
    write_plot(f, fig);
}

/* Runs gnuplot with the script on its standard input and the image on
 * its standard output (`vl_to_stdout` keeps the script's own `set output`
 * from applying); returns its exit status or -1. */
static int run_gnuplot(int script_fd, int image_fd)
{
    char gp[1024];
    find_gnuplot(gp, sizeof gp);
    if (!gp[0]) {
        vl_cli_fail("gnuplot is no longer on PATH");
        return -1;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        vl_cli_fail("fork: %s", strerror(errno));
        return -1;
    }
    if (pid == 0) {
        if (lseek(script_fd, 0, SEEK_SET) != 0 || dup2(script_fd, 0) < 0 || dup2(image_fd, 1) < 0)
            _exit(127);
        execl(gp, GNUPLOT, "-e", "vl_to_stdout=1", "-", (char *)NULL);
        _exit(127);
    }
    int st;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR)
            return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

int vl_figure_render(const vl_figure *fig, vl_output *image, vl_output *script)
{
    /* the script names the image and itself by their base names: it is
     * meant to be rerun in their directory */
    const char *slash = strrchr(fig->out, '/');
    const char *base = slash ? slash + 1 : fig->out;
    const char *sslash = strrchr(script->path, '/');
    write_script(script->f, fig, base, sslash ? sslash + 1 : script->path);
    if (fflush(script->f) != 0 || ferror(script->f)) {
        vl_cli_fail("%s: cannot write: %s", script->path, strerror(errno));
        return -1;
    }
    fflush(image->f);
    int rc = run_gnuplot(fileno(script->f), fileno(image->f));
    if (rc != 0) {
        vl_cli_fail("gnuplot failed (exit status %d) on the script for %s", rc, fig->out);
        return -1;
    }
    struct stat st;
    if (fstat(fileno(image->f), &st) < 0 || st.st_size == 0) {
        vl_cli_fail("gnuplot wrote no image for %s", fig->out);
        return -1;
    }
    return 0;
}

void vl_figure_free(vl_figure *fig)
{
    for (int s = 0; fig->series && s < fig->nseries; s++) {
        vl_fig_series *se = &fig->series[s];
        free(se->x);
        free(se->y);
        free(se->lo);
        free(se->hi);
    }
    free(fig->series);
    fig->series = NULL;
    fig->nseries = 0;
}
