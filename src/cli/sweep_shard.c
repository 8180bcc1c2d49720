/* cli/sweep_shard.c - a sweep split over machines: `--shard K/N` and what
 * it leaves on disk, for `--resume` and `vcpulab merge`.
 *
 * The configurations (grid point x policy, each with all its seeds) are cut
 * into N contiguous ranges of nearly equal size; shard K runs the K-th.  So
 * the shards' rows, concatenated in shard order, are the unsharded sweep's
 * rows, and every configuration's summary is complete in one shard.
 *
 * A shard's outputs are all or none: written only when every run of the
 * shard finished (an interrupted shard writes nothing), and marked with
 * the shard: a "# shard: K/N" provenance line in each CSV (and a last line
 * "# end: shard K/N"), a "shard" key in each run of --json and in a
 * --summary JSON.  A file that carries the marker was therefore written
 * whole; the checks below also require that it still ends as written (a
 * CSV with its last line, a JSON with its closing brackets) and that it
 * was written by the same sweep (the same head: version, commit,
 * overrides, every configuration in force), or it is not trusted.
 *
 * Reads files; writes nothing. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/sweep.h"

int sweep_shard_parse(const char *arg, sweep_shard *s)
{
    char *slash, *end;
    errno = 0;
    long k = strtol(arg, &slash, 10);
    long n = *slash == '/' ? strtol(slash + 1, &end, 10) : 0;
    if (errno || *slash != '/' || slash == arg || *end || end == slash + 1 || n < 1 ||
        n > SWEEP_MAX_RUNS || k < 1 || k > n) {
        vl_cli_fail("--shard %s: expected K/N with 1 <= K <= N (shard K of N)", arg);
        return -1;
    }
    s->k = k;
    s->n = n;
    snprintf(s->text, sizeof s->text, "%ld/%ld", k, n);
    return 0;
}

void sweep_shard_range(const sweep_shard *s, long ngroups, long *first, long *end)
{
    *first = (s->k - 1) * ngroups / s->n; /* no overflow: both <= SWEEP_MAX_RUNS */
    *end = s->k * ngroups / s->n;
}

char *sweep_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = NULL;
    size_t cap = 0;
    *len = 0;
    for (;;) {
        if (cap - *len < 65536) {
            char *nb = realloc(buf, cap * 2 + 65536 + 1);
            if (!nb) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = nb;
            cap = cap * 2 + 65536;
        }
        size_t got = fread(buf + *len, 1, cap - *len, f);
        *len += got;
        if (got == 0)
            break;
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        free(buf);
        return NULL;
    }
    buf[*len] = '\0';
    return buf;
}

/* The file at path begins with `head` and ends with `tail`. */
static bool has_ends(const char *path, const char *head, size_t head_len, const char *tail)
{
    size_t len, tl = strlen(tail);
    char *text = sweep_read_file(path, &len);
    bool ok = text && len >= head_len + tl && memcmp(text, head, head_len) == 0 &&
              memcmp(text + len - tl, tail, tl) == 0;
    free(text);
    return ok;
}

void sweep_shard_footer(const sweep_shard *s, char *buf, size_t len)
{
    snprintf(buf, len, "# end: shard %s\n", s->text);
}

bool sweep_shard_csv_done(const char *path, const char *head, size_t len, const sweep_shard *s)
{
    char footer[80];
    sweep_shard_footer(s, footer, sizeof footer);
    return has_ends(path, head, len, footer);
}

bool sweep_shard_summary_json_done(const char *path, const char *head, size_t len)
{
    return has_ends(path, head, len, SWEEP_SUMMARY_JSON_TAIL);
}

bool sweep_shard_runs_json_done(const char *path, const sweep_shard *s, long first, long end,
                                const char *(*config_of)(long run, void *ctx), void *ctx)
{
    size_t len;
    char *text = sweep_read_file(path, &len);
    if (!text)
        return false;
    char want[64], shard[80];
    snprintf(shard, sizeof shard, "    \"shard\": \"%s\",", s->text);
    long run = first;
    size_t tl = strlen(SWEEP_RUNS_JSON_TAIL);
    bool ok = len >= tl && strcmp(text + len - tl, SWEEP_RUNS_JSON_TAIL) == 0, marker_next = false;
    /* per run object, in order: "run": i, the marker on the next line, and
     * further on its configuration's config */
    for (char *line = text, *nl; ok && (nl = strchr(line, '\n')); line = nl + 1) {
        *nl = '\0';
        if (marker_next) {
            ok = strcmp(line, shard) == 0;
            marker_next = false;
        } else if (strncmp(line, "    \"run\": ", 11) == 0) {
            snprintf(want, sizeof want, "    \"run\": %ld,", run);
            ok = run < end && strcmp(line, want) == 0;
            marker_next = true;
            run++;
        } else if (strncmp(line, "    \"config\": ", 14) == 0) {
            const char *c = run > first ? config_of(run - 1, ctx) : "";
            size_t cl = strlen(c);
            ok = cl && strncmp(line + 14, c, cl) == 0 && strcmp(line + 14 + cl, ",") == 0;
        }
    }
    free(text);
    return ok && run == end;
}
