/* cli/sweep_plot.c - the plot of a sweep, rendered by gnuplot.
 *
 * The gnuplot script is written next to the image (FILE.gp, data inline)
 * so that users can edit and rerun it (`gnuplot FILE.gp` in that
 * directory); gnuplot runs on it in the image's directory.  gnuplot is
 * looked up on PATH, like a shell would, before any run starts. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/sweep.h"

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

int sweep_plot_check(const char *out)
{
    const char *ext = vl_cli_extension(out);
    if (strcmp(ext, "png") != 0 && strcmp(ext, "svg") != 0) {
        vl_cli_fail("--plot-out %s: the name must end in .png or .svg", out);
        return -1;
    }
    char gp[1024];
    find_gnuplot(gp, sizeof gp);
    if (!gp[0]) {
        vl_cli_fail("--plot needs gnuplot, which is not on PATH (scripts/setup.sh installs "
                    "gnuplot-nox)");
        return -1;
    }
    return 0;
}

/* A gnuplot single-quoted string: quotes doubled. */
static void put_quoted(FILE *f, const char *s)
{
    fputc('\'', f);
    for (; *s; s++) {
        if (*s == '\'')
            fputc('\'', f);
        fputc(*s, f);
    }
    fputc('\'', f);
}

static int all_numbers(char **v, int n)
{
    for (int i = 0; i < n; i++) {
        char *end;
        strtod(v[i], &end);
        if (end == v[i] || *end)
            return 0;
    }
    return 1;
}

static void write_script(FILE *f, const sweep_plot *p, const char *image, const char *script)
{
    int numeric = all_numbers(p->xvalues, p->nx);
    fprintf(f, "# vcpulab sweep: %s against %s (mean over seeds", p->metric, p->xlabel);
    fprintf(f, p->errorbars ? ", error bars: 95%% confidence interval).\n" : ").\n");
    fprintf(f, "# Edit and rerun with: gnuplot %s (in this directory)\n", script);
    fprintf(f, "set terminal %s size 900,600 noenhanced\n",
            strcmp(vl_cli_extension(image), "svg") == 0 ? "svg" : "pngcairo");
    fputs("if (!exists(\"vl_to_stdout\")) set output ", f);
    put_quoted(f, image);
    fputs("\nset title ", f);
    put_quoted(f, p->metric);
    fputs("\nset xlabel ", f);
    put_quoted(f, p->xlabel);
    fputs("\nset ylabel ", f);
    put_quoted(f, p->metric);
    fputs("\nset grid\nset key outside right top\n", f);
    if (!numeric) {
        fputs("set xtics (", f);
        for (int i = 0; i < p->nx; i++) {
            fputs(i ? ", " : "", f);
            put_quoted(f, p->xvalues[i]);
            fprintf(f, " %d", i);
        }
        fprintf(f, ")\nset xrange [-0.5:%g]\n", p->nx - 0.5);
    }
    for (int s = 0; s < p->nseries; s++) {
        const sweep_series *se = &p->series[s];
        fprintf(f, "$s%d << EOD\n", s);
        for (int i = 0; i < p->nx; i++) {
            if (!se->have[i])
                continue;
            if (numeric)
                fprintf(f, "%s", p->xvalues[i]);
            else
                fprintf(f, "%d", i);
            fprintf(f, " %.10g %.10g %.10g\n", se->mean[i], se->low[i],
                    se->mean[i] + se->half[i]);
        }
        fputs("EOD\n", f);
    }
    fputs("plot ", f);
    for (int s = 0; s < p->nseries; s++) {
        fprintf(f, "%s$s%d using 1:2%s with %s title ", s ? ", \\\n     " : "", s,
                p->errorbars ? ":3:4" : "", p->errorbars ? "yerrorlines" : "linespoints");
        put_quoted(f, p->series[s].title);
    }
    fputs("\n", f);
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

int sweep_plot_render(const sweep_plot *p, vl_output *image, vl_output *script)
{
    /* the script names the image and itself by their base names: it is
     * meant to be rerun in their directory */
    const char *slash = strrchr(p->out, '/');
    const char *base = slash ? slash + 1 : p->out;
    const char *sslash = strrchr(script->path, '/');
    write_script(script->f, p, base, sslash ? sslash + 1 : script->path);
    if (fflush(script->f) != 0 || ferror(script->f)) {
        vl_cli_fail("%s: cannot write: %s", script->path, strerror(errno));
        return -1;
    }
    fflush(image->f);
    int rc = run_gnuplot(fileno(script->f), fileno(image->f));
    if (rc != 0) {
        vl_cli_fail("gnuplot failed (exit status %d) on the script for %s", rc, p->out);
        return -1;
    }
    struct stat st;
    if (fstat(fileno(image->f), &st) < 0 || st.st_size == 0) {
        vl_cli_fail("gnuplot wrote no image for %s", p->out);
        return -1;
    }
    return 0;
}
