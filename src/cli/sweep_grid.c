/* cli/sweep_grid.c - the parameter grid of `vcpulab sweep`: each
 * `--grid KEY=V1,V2,...` is a --set path and its values; the grid's points
 * are the cross product, numbered with the first key varying slowest. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/sweep.h"

#define MAX_VALUES 4096

static int add_value(sweep_key *k, const char *text, size_t len, int col)
{
    char *v = malloc(len + 1);
    if (!v)
        return -1;
    memcpy(v, text, len);
    v[len] = '\0';
    k->values[k->nvalues] = v;
    k->cols[k->nvalues++] = col;
    return 0;
}

int sweep_grid_add(sweep_grid *g, const char *arg)
{
    const char *eq = strchr(arg, '=');
    if (!eq || eq == arg) {
        vl_cli_fail("--grid %s: expected KEY=V1,V2,...", arg);
        return -1;
    }
    if (g->nkeys == SWEEP_MAX_KEYS) {
        vl_cli_fail("--grid %s: at most %d grid keys", arg, SWEEP_MAX_KEYS);
        return -1;
    }
    size_t klen = (size_t)(eq - arg);
    for (int i = 0; i < g->nkeys; i++)
        if (strlen(g->keys[i].key) == klen && memcmp(g->keys[i].key, arg, klen) == 0) {
            vl_cli_fail("--grid %s: key '%s' is already swept by an earlier --grid", arg,
                        g->keys[i].key);
            return -1;
        }
    sweep_key *k = &g->keys[g->nkeys];
    memset(k, 0, sizeof *k);
    k->arg = arg;
    k->key = malloc(klen + 1);
    size_t nmax = 1;
    for (const char *c = eq + 1; *c; c++)
        nmax += *c == ',';
    if (nmax > MAX_VALUES)
        nmax = MAX_VALUES + 1;
    k->values = calloc(nmax, sizeof *k->values);
    k->cols = calloc(nmax, sizeof *k->cols);
    g->nkeys++; /* freed by sweep_grid_free from here on */
    if (!k->key || !k->values || !k->cols) {
        vl_cli_fail("out of memory");
        return -1;
    }
    memcpy(k->key, arg, klen);
    k->key[klen] = '\0';

    /* split at commas outside [], {} and quotes */
    const char *start = eq + 1;
    int depth = 0;
    char quote = 0;
    for (const char *c = start;; c++) {
        if (*c && quote) {
            if (*c == quote)
                quote = 0;
            continue;
        }
        if (*c == '"' || *c == '\'') {
            quote = *c;
        } else if (*c == '[' || *c == '{') {
            depth++;
        } else if ((*c == ']' || *c == '}') && depth > 0) {
            depth--;
        } else if (!*c || (*c == ',' && depth == 0)) {
            int col = (int)(start - arg) + 1;
            if (c == start) {
                vl_cli_fail("--grid %s: empty value at column %d", arg, col);
                return -1;
            }
            if (k->nvalues == MAX_VALUES) {
                vl_cli_fail("--grid %s: more than %d values", arg, MAX_VALUES);
                return -1;
            }
            if (add_value(k, start, (size_t)(c - start), col) < 0) {
                vl_cli_fail("out of memory");
                return -1;
            }
            if (!*c)
                break;
            start = c + 1;
        }
    }
    return 0;
}

void sweep_grid_free(sweep_grid *g)
{
    for (int i = 0; i < g->nkeys; i++) {
        sweep_key *k = &g->keys[i];
        for (int v = 0; v < k->nvalues; v++)
            free(k->values[v]);
        free(k->values);
        free(k->cols);
        free(k->key);
    }
    g->nkeys = 0;
}

long sweep_grid_points(const sweep_grid *g)
{
    long n = 1;
    for (int i = 0; i < g->nkeys; i++) {
        n *= g->keys[i].nvalues;
        if (n > SWEEP_MAX_RUNS)
            return -1;
    }
    return n;
}

int sweep_grid_value(const sweep_grid *g, long p, int k)
{
    for (int i = g->nkeys - 1; i > k; i--)
        p /= g->keys[i].nvalues;
    return (int)(p % g->keys[k].nvalues);
}

char *sweep_grid_set(const sweep_grid *g, long p, int k)
{
    const sweep_key *key = &g->keys[k];
    const char *v = key->values[sweep_grid_value(g, p, k)];
    size_t len = strlen(key->key) + 1 + strlen(v) + 1;
    char *s = malloc(len);
    if (s)
        snprintf(s, len, "%s=%s", key->key, v);
    return s;
}

void sweep_grid_locate(const sweep_grid *g, long p, int k, vl_error *err)
{
    const sweep_key *key = &g->keys[k];
    int keycols = (int)strlen(key->key) + 1; /* "KEY=" */
    int col = err->col;
    if (col > keycols)
        col = key->cols[sweep_grid_value(g, p, k)] + (col - keycols - 1);
    snprintf(err->file, sizeof err->file, "--grid");
    err->line = k + 1;
    err->col = col;
}

void sweep_csv_field(FILE *f, const char *s)
{
    if (strpbrk(s, ",\"#"))
        vl_cli_put_quoted(f, s, '"');
    else
        fputs(s, f);
}

bool sweep_grid_number(const char *text, double *out)
{
    vl_ns ns;
    if (vl_duration_parse(text, 0, &ns) == 0) {
        *out = (double)ns;
        return true;
    }
    /* a plain decimal number: no hex, inf or nan, which strtod also reads */
    if (!*text || strspn(text, "+-0123456789.eE") != strlen(text))
        return false;
    char *end;
    *out = strtod(text, &end);
    return *end == '\0';
}
