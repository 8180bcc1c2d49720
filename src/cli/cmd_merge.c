/* cli/cmd_merge.c - `vcpulab merge`: the outputs of a sweep's shards
 * (sweep --shard K/N, sweep_shard.c) joined into what the unsharded sweep
 * writes.
 *
 * A shard's file is a head, a body and a tail: a CSV's head is its
 * provenance lines and column header, its body the rows; a --json is an
 * array of runs ("[", the runs, "\n]\n"); a --summary JSON an object whose
 * last key is the array "groups".  Each carries its shard's marker ("#
 * shard: K/N", "shard" keys).  The shards hold contiguous ranges of the
 * runs, in shard order, so the merge is the head without the marker, the
 * bodies in shard order and the tail: byte for byte the unsharded output.
 * Every shard 1..N must be given once, and the heads must be the same
 * sweep's (version, commit, overrides, every configuration); a shard file
 * exists only whole (a shard writes nothing unless it ends). */
#include <getopt.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/options.h"
#include "cli/sweep.h"

static const char merge_usage[] =
    "usage: vcpulab merge [-o FILE|-] SHARD-FILE...\n"
    "\n"
    "Joins the outputs of the N shards of one sweep (vcpulab sweep --shard K/N,\n"
    "every K from 1 to N once, in any order) into what the sweep writes unsharded:\n"
    "the same bytes, without the shard markers.  The files are all --csv, all\n"
    "--cdf, all --summary FILE.csv, all --json or all --summary FILE.json outputs.\n"
    "\n"
    "  -o, --out FILE|-    where the merged output goes (default: standard output)\n"
    "  --help              this text\n"
    "\n"
    "Example, and a Slurm job array and GNU parallel line: docs/sweeps.md.\n";

typedef enum { KIND_CSV, KIND_RUNS, KIND_SUMMARY } merge_kind;

typedef struct shard_file {
    const char *path;
    char *text;
    size_t len;
    merge_kind kind;
    long k, n;
    char *head;      /* the head without the marker (malloc'ed)          */
    size_t head_len;
    size_t body, body_end; /* the body: text[body .. body_end)           */
    long first_run, last_run; /* --json: the run indices it holds        */
} shard_file;

static const char *const kind_names[] = {"a CSV", "a --json", "a --summary JSON"};
static const char *const json_tails[] = {"", SWEEP_RUNS_JSON_TAIL, SWEEP_SUMMARY_JSON_TAIL};

/* The marker "<before>K/N<after>" at or after `from`: its offset and
 * length, K and N; -1 when there is none. */
static long find_marker(const char *text, size_t from, const char *before, const char *after,
                        long *k, long *n, size_t *mlen)
{
    const char *m = strstr(text + from, before);
    if (!m)
        return -1;
    const char *p = m + strlen(before);
    char *e;
    *k = strtol(p, &e, 10);
    if (*e != '/')
        return -1;
    *n = strtol(e + 1, &e, 10);
    if (strncmp(e, after, strlen(after)) != 0)
        return -1;
    *mlen = (size_t)(e + strlen(after) - m);
    return m - text;
}

/* Copies text[0..len) without its `len` bytes at `at` into *out. */
static char *cut(const char *text, size_t len, size_t at, size_t n, size_t *out_len)
{
    char *h = malloc(len - n + 1);
    if (!h)
        return NULL;
    memcpy(h, text, at);
    memcpy(h + at, text + at + n, len - at - n);
    *out_len = len - n;
    h[*out_len] = '\0';
    return h;
}

static int fail(const shard_file *f, const char *what)
{
    vl_cli_fail("merge: %s: %s", f->path, what);
    return -1;
}

/* --json: removes every run's marker line from the body in place and
 * notes the first and last run index; every run must carry the marker. */
static int strip_run_markers(shard_file *f, const char *marker)
{
    size_t ml = strlen(marker), w = f->body;
    long runs = 0, marked = 0;
    for (size_t r = f->body; r < f->body_end;) {
        if (strncmp(f->text + r, "\n    \"run\": ", 12) == 0) {
            long i = strtol(f->text + r + 12, NULL, 10);
            if (runs++ == 0)
                f->first_run = i;
            else if (i != f->last_run + 1)
                return fail(f, "its runs are not consecutive");
            f->last_run = i;
        }
        if (strncmp(f->text + r, marker, ml) == 0) {
            marked++;
            r += ml;
            continue;
        }
        f->text[w++] = f->text[r++];
    }
    memmove(f->text + w, f->text + f->body_end, f->len - f->body_end + 1);
    f->len -= f->body_end - w;
    f->body_end = w;
    if (runs == 0 || marked != runs)
        return fail(f, "not every run carries the shard's marker");
    return 0;
}

/* Reads a shard's file and splits it into head, body and tail. */
static int load(shard_file *f)
{
    if (!(f->text = sweep_read_file(f->path, &f->len))) {
        vl_cli_fail("merge: %s: cannot be read", f->path);
        return -1;
    }
    size_t ml;
    long at;
    if (f->text[0] == '#') {
        f->kind = KIND_CSV;
        /* the head: the '#' lines and the column header */
        size_t end = 0;
        while (f->text[end] == '#' && strchr(f->text + end, '\n'))
            end = (size_t)(strchr(f->text + end, '\n') - f->text) + 1;
        const char *nl = strchr(f->text + end, '\n');
        if (!nl)
            return fail(f, "a CSV without a column header");
        end = (size_t)(nl - f->text) + 1;
        at = find_marker(f->text, 0, "\n# shard: ", "\n", &f->k, &f->n, &ml);
        if (at < 0 || (size_t)at >= end)
            return fail(f, "no '# shard: K/N' line: not the output of sweep --shard");
        at++, ml--; /* the line, without the newline before it */
        if (!(f->head = cut(f->text, end, (size_t)at, ml, &f->head_len)))
            return -1;
        f->body = end;
        sweep_shard footer_of = {.k = f->k, .n = f->n};
        char footer[80];
        snprintf(footer_of.text, sizeof footer_of.text, "%ld/%ld", f->k, f->n);
        sweep_shard_footer(&footer_of, footer, sizeof footer);
        size_t fl = strlen(footer);
        if (f->len < end + fl || strcmp(f->text + f->len - fl, footer) != 0)
            return fail(f, "it does not end with its '# end: shard K/N' line: cut short");
        f->body_end = f->len - fl;
        return 0;
    }
    f->kind = f->text[0] == '[' ? KIND_RUNS : KIND_SUMMARY;
    const char *tail = json_tails[f->kind];
    size_t tl = strlen(tail);
    if (f->len < tl || strcmp(f->text + f->len - tl, tail) != 0)
        return fail(f, "not a whole --json or --summary JSON of sweep --shard");
    f->body_end = f->len - tl;
    if (f->kind == KIND_RUNS) {
        at = find_marker(f->text, 0, "\n    \"shard\": \"", "\",", &f->k, &f->n, &ml);
        if (at < 0)
            return fail(f, "no \"shard\" key: not the output of sweep --shard");
        f->body = 1;
        char marker[80];
        snprintf(marker, sizeof marker, "%.*s", (int)ml, f->text + at);
        if (strip_run_markers(f, marker) < 0)
            return -1;
        return (f->head = cut(f->text, 1, 0, 0, &f->head_len)) ? 0 : -1;
    }
    const char *groups = strstr(f->text, "\n  \"groups\": [");
    at = find_marker(f->text, 0, "\n  \"shard\": \"", "\",", &f->k, &f->n, &ml);
    if (!groups || at < 0 || at > groups - f->text)
        return fail(f, "no \"shard\" key: not the output of sweep --shard");
    f->body = (size_t)(groups - f->text) + strlen("\n  \"groups\": [");
    return (f->head = cut(f->text, f->body, (size_t)at, ml, &f->head_len)) ? 0 : -1;
}

/* The shards are one sweep's, every one of them once; files[] is put in
 * shard order. */
static int check_set(shard_file *files, int nfiles)
{
    for (int i = 0; i < nfiles; i++) {
        shard_file *f = &files[i];
        if (f->kind != files[0].kind || f->n != files[0].n) {
            vl_cli_fail("merge: %s is %s of shard %ld/%ld, %s %s of shard %ld/%ld: not the "
                        "same output of one sweep", f->path, kind_names[f->kind], f->k, f->n,
                        files[0].path, kind_names[files[0].kind], files[0].k, files[0].n);
            return -1;
        }
        if (f->head_len != files[0].head_len || memcmp(f->head, files[0].head, f->head_len))
            return fail(f, "its head differs from the first file's: another sweep's (or build's)");
    }
    if (nfiles != files[0].n) {
        vl_cli_fail("merge: %d files for %ld shards: every shard K/%ld goes in once", nfiles,
                    files[0].n, files[0].n);
        return -1;
    }
    for (int i = 0; i < nfiles; i++) /* put shard K at K-1 */
        while (files[i].k != i + 1) {
            shard_file t = files[files[i].k - 1];
            if (t.k == files[i].k) {
                vl_cli_fail("merge: %s and %s are both shard %ld/%ld", t.path, files[i].path,
                            t.k, t.n);
                return -1;
            }
            files[files[i].k - 1] = files[i];
            files[i] = t;
        }
    for (int i = 0; files[0].kind == KIND_RUNS && i < nfiles; i++)
        if (files[i].first_run != (i ? files[i - 1].last_run + 1 : 0))
            return fail(&files[i], "its runs do not follow the previous shard's: shards of "
                                   "different sweeps");
    return 0;
}

int vl_cmd_merge(int argc, char **argv)
{
    static const struct option opts[] = {
        {"out", required_argument, 0, OPT_OUT},
        {"help", no_argument, 0, OPT_HELP},
        {0, 0, 0, 0},
    };
    const char *out = "-";
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
        switch (opt) {
        case 'o':
        case OPT_OUT: out = optarg; break;
        case OPT_HELP: fputs(merge_usage, stdout); return VL_EXIT_OK;
        default: fputs(merge_usage, stderr); return VL_EXIT_USAGE;
        }
    }
    int nfiles = argc - optind;
    if (nfiles < 1) {
        vl_cli_fail("merge: expected the shards' files (see vcpulab merge --help)");
        return VL_EXIT_USAGE;
    }
    shard_file *files = calloc((size_t)nfiles, sizeof *files);
    int status = files ? VL_EXIT_OK : VL_EXIT_RUN;
    for (int i = 0; i < nfiles && status == VL_EXIT_OK; i++) {
        files[i].path = argv[optind + i];
        if (load(&files[i]) < 0)
            status = VL_EXIT_USAGE;
    }
    if (status == VL_EXIT_OK && check_set(files, nfiles) < 0)
        status = VL_EXIT_USAGE;
    vl_outputs outs;
    vl_output *o = vl_cli_sole_output(&outs, "--out", out, &status);
    if (o) {
        fwrite(files[0].head, 1, files[0].head_len, o->f);
        for (int i = 0; i < nfiles; i++) {
            if (i && files[i].kind != KIND_CSV)
                fputc(',', o->f);
            fwrite(files[i].text + files[i].body, 1, files[i].body_end - files[i].body, o->f);
        }
        fputs(json_tails[files[0].kind], o->f);
        if (vl_cli_commit(&outs) < 0)
            status = VL_EXIT_RUN;
    }
    vl_outputs_abort(&outs);
    for (int i = 0; files && i < nfiles; i++) {
        free(files[i].text);
        free(files[i].head);
    }
    free(files);
    return status;
}
