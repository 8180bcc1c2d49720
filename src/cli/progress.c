/* cli/progress.c - the progress line (cli/progress.h). */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "cli/progress.h"

static double seconds_since(const struct timespec *t0)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - t0->tv_sec) + 1e-9 * (double)(now.tv_nsec - t0->tv_nsec);
}

/* "1h02m", "3m05s", "12.3s" */
static void format_secs(double s, char *buf, size_t len)
{
    if (s >= 3600)
        snprintf(buf, len, "%dh%02dm", (int)(s / 3600), (int)(s / 60) % 60);
    else if (s >= 60)
        snprintf(buf, len, "%dm%02ds", (int)(s / 60), (int)s % 60);
    else
        snprintf(buf, len, "%.1fs", s);
}

void vl_progress_init(vl_progress *p, const char *what, long total)
{
    p->enabled = isatty(STDERR_FILENO) && !getenv("CI");
    p->what = what;
    p->total = total;
    p->done = 0;
    p->width = 0;
    clock_gettime(CLOCK_MONOTONIC, &p->start);
    if (p->enabled)
        vl_progress_update(p, 0);
}

void vl_progress_update(vl_progress *p, long done)
{
    if (!p->enabled)
        return;
    p->done = done;
    double el = seconds_since(&p->start);
    char elapsed[32], eta[32] = "?";
    format_secs(el, elapsed, sizeof elapsed);
    if (done > 0)
        format_secs(el / (double)done * (double)(p->total - done), eta, sizeof eta);
    int w = fprintf(stderr, "\r%s: %ld/%ld runs, %s elapsed, ETA %s", p->what, done, p->total,
                    elapsed, eta);
    for (int i = w; i < p->width; i++)
        fputc(' ', stderr);
    p->width = w;
    fflush(stderr);
}

void vl_progress_end(vl_progress *p)
{
    if (!p->enabled || p->width == 0)
        return;
    fprintf(stderr, "\r%*s\r", p->width, "");
    fflush(stderr);
    p->width = 0;
}
