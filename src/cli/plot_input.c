/* cli/plot_input.c - reads what `vcpulab plot` draws from (cli/plot_input.h).
 *
 * A CSV is told by its header row; a JSON file by its shape (an array of
 * runs: sweep --json; an object with "runs": compare --json; with
 * "groups": a sweep summary).  A JSON file is turned into the rows the
 * CSV of the same command holds, with the numbers as they are written, so
 * that everything after reading sees one kind of table. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/plot_input.h"
#include "cli/sweep.h"
#include "vl_array.h"
#include "vl_json_parse.h"

/* The headers' first columns, per kind. */
static const char *const headers[] = {
    [PLOT_RUNS] = "scenario,sched,seed,metric,value",
    [PLOT_SUMMARY] = "scenario,sched,metric,n,mean,ci95",
    [PLOT_CDF] = "scenario,sched,seed,distribution,value_ns,cdf",
};

int plot_table_column(const plot_table *t, const char *col)
{
    for (int i = 0; i < t->ncols; i++)
        if (strcmp(t->cols[i], col) == 0)
            return i;
    return -1;
}

/* The columns: the kind's, then the grid keys (keys[0..nkeys)); a
 * summary's keys each have a ".value" column after them in its CSV, which
 * a summary JSON does not (grid_values: not read). */
static int set_columns(plot_table *t, plot_input_kind kind, char *const *keys, int nkeys,
                       bool value_cols)
{
    char *copy = strdup(headers[kind]);
    bool bad = false;
    t->kind = kind;
    t->cols = calloc((size_t)(8 + 2 * nkeys), sizeof *t->cols);
    t->grid = calloc((size_t)nkeys + 1, sizeof *t->grid);
    if (!copy || !t->cols || !t->grid) {
        free(copy);
        return -2;
    }
    for (char *c = strtok(copy, ","); c; c = strtok(NULL, ","))
        bad |= !(t->cols[t->ncols++] = strdup(c));
    free(copy);
    for (int k = 0; k < nkeys && !bad; k++) {
        t->grid[t->ngrid++] = t->ncols;
        if (!(t->cols[t->ncols++] = strdup(keys[k])))
            return -2;
        if (value_cols && kind == PLOT_SUMMARY) {
            char *v = malloc(strlen(keys[k]) + 7);
            if (!v)
                return -2;
            sprintf(v, "%s.value", keys[k]);
            t->cols[t->ncols++] = v;
        }
    }
    if (bad)
        return -2;
    t->c_scenario = 0;
    t->c_sched = 1;
    t->c_seed = kind == PLOT_SUMMARY ? -1 : 2;
    t->c_name = kind == PLOT_SUMMARY ? 2 : 3;
    t->c_value = 4;
    t->c_n = kind == PLOT_SUMMARY ? 3 : -1;
    t->c_ci95 = kind == PLOT_SUMMARY ? 5 : -1;
    t->c_cdf = kind == PLOT_CDF ? 5 : -1;
    return 0;
}

/* A row (ncols fields): its name joins the names; kept when it is the
 * metric asked for.  -2 when out of memory. */
static int add_row(plot_table *t, const char *name, char *const *fields)
{
    const char *rname = fields[t->c_name];
    bool known = t->nnames > 0 && strcmp(t->names[t->nnames - 1], rname) == 0;
    for (int i = 0; i < t->nnames && !known; i++)
        known = strcmp(t->names[i], rname) == 0;
    if (!known) {
        char **names = realloc(t->names, (size_t)(t->nnames + 1) * sizeof *names);
        if (!names)
            return -2;
        t->names = names;
        if (!(names[t->nnames] = strdup(rname)))
            return -2;
        t->nnames++;
    }
    if (strcmp(rname, name) != 0)
        return 0;
    if (vl_array_room(&t->rows, &t->cap, t->nrows, sizeof *t->rows, 64) < 0)
        return -2;
    char **row = calloc((size_t)t->ncols, sizeof *row);
    if (!row)
        return -2;
    t->rows[t->nrows++] = row;
    for (int i = 0; i < t->ncols; i++)
        if (!(row[i] = strdup(fields[i])))
            return -2;
    return 0;
}

/* ---- CSV ------------------------------------------------------------------- */

/* Splits a CSV line in place into at most max fields (RFC 4180 quotes
 * undone); returns the count, or -1 on a quote that is not closed. */
static int split_csv(char *line, char **fields, int max)
{
    int n = 0;
    char *p = line;
    for (;;) {
        char *out = p, *start = p;
        if (*p == '"') {
            p++;
            for (;;) {
                if (!*p)
                    return -1;
                if (*p == '"' && p[1] == '"')
                    *out++ = '"', p += 2;
                else if (*p == '"')
                    break;
                else
                    *out++ = *p++;
            }
            p++;
        } else {
            while (*p && *p != ',')
                p++;
            out = p;
        }
        char sep = *p;
        *out = '\0';
        if (n < max)
            fields[n] = start;
        n++;
        if (sep != ',')
            return sep ? -1 : n;
        p++;
    }
}

static int read_csv(const char *path, char *text, const char *name, plot_table *t)
{
    char **fields = NULL;
    int lineno = 0, rc = 0;
    for (char *line = text; line && *line && rc == 0;) {
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = '\0';
        if (nl > line && nl[-1] == '\r')
            nl[-1] = '\0';
        lineno++;
        char *next = nl ? nl + 1 : NULL;
        if (line[0] == '#' || line[0] == '\0') {
            line = next;
            continue;
        }
        if (!t->cols) { /* the header */
            plot_input_kind kind = PLOT_RUNS;
            while (kind <= PLOT_CDF && strncmp(line, headers[kind], strlen(headers[kind])) != 0)
                kind++;
            if (kind > PLOT_CDF || (line[strlen(headers[kind])] != ',' &&
                                    line[strlen(headers[kind])] != '\0')) {
                vl_cli_fail("plot: %s:%d: not a CSV that vcpulab writes (the header starts "
                            "\"%.60s\"; expected \"%s\", \"%s\" or \"%s\")", path, lineno, line,
                            headers[PLOT_RUNS], headers[PLOT_SUMMARY], headers[PLOT_CDF]);
                rc = -1;
                break;
            }
            int max = 1;
            for (char *c = line; *c; c++)
                max += *c == ',';
            char **all = calloc((size_t)max, sizeof *all);
            fields = calloc((size_t)max, sizeof *fields);
            if (!all || !fields || split_csv(line, all, max) < 0) {
                free(all);
                rc = all && fields ? -1 : -2;
                if (rc == -1)
                    vl_cli_fail("plot: %s:%d: a quote is not closed", path, lineno);
                break;
            }
            int nbase = 1;
            for (const char *c = headers[kind]; *c; c++)
                nbase += *c == ',';
            /* the grid keys: a summary's come with their .value columns */
            int step = kind == PLOT_SUMMARY ? 2 : 1, nkeys = 0;
            for (int i = nbase; i < max; i += step)
                all[nkeys++] = all[i];
            rc = set_columns(t, kind, all, nkeys, true);
            free(all);
            if (rc == 0 && t->ncols != max) {
                vl_cli_fail("plot: %s:%d: a summary's grid key lacks its .value column", path,
                            lineno);
                rc = -1;
            }
        } else {
            int n = split_csv(line, fields, t->ncols);
            if (n != t->ncols) {
                vl_cli_fail("plot: %s:%d: %s", path, lineno,
                            n < 0 ? "a quote is not closed"
                                  : "not as many fields as the header has columns");
                rc = -1;
            } else {
                rc = add_row(t, name, fields);
            }
        }
        line = next;
    }
    free(fields);
    if (rc == 0 && !t->cols) {
        vl_cli_fail("plot: %s: no header row (an empty file?)", path);
        rc = -1;
    }
    return rc;
}

/* ---- JSON ------------------------------------------------------------------ */

static const char *jtext(const vl_jnode *n)
{
    return n && (n->type == VL_JSTR || n->type == VL_JNUM) ? n->text : NULL;
}

/* The keys of the first element's "grid" object (none when absent). */
static int grid_keys(const vl_jnode *first, char ***keys)
{
    const vl_jnode *g = vl_jnode_get(first, "grid");
    *keys = g && g->type == VL_JOBJ ? g->keys : NULL;
    return *keys ? g->n : 0;
}

/* One element (a run or a summary group): a row per metric.  -1 when its
 * shape is not the expected one. */
static int add_element(plot_table *t, const char *name, const vl_jnode *e, const char *scenario,
                       char **fields)
{
    const vl_jnode *metrics = vl_jnode_get(e, "metrics");
    const vl_jnode *grid = vl_jnode_get(e, "grid");
    fields[t->c_scenario] = (char *)(scenario ? scenario : jtext(vl_jnode_get(e, "scenario")));
    fields[t->c_sched] = (char *)jtext(vl_jnode_get(e, "sched"));
    if (t->c_seed >= 0)
        fields[t->c_seed] = (char *)jtext(vl_jnode_get(e, "seed"));
    if (!fields[t->c_scenario] || !fields[t->c_sched] || (t->c_seed >= 0 && !fields[t->c_seed]) ||
        !metrics || metrics->type != VL_JOBJ)
        return -1;
    for (int k = 0; k < t->ngrid; k++)
        if (!(fields[t->grid[k]] = (char *)jtext(vl_jnode_get(grid, t->cols[t->grid[k]]))))
            return -1;
    for (int m = 0; m < metrics->n; m++) {
        const vl_jnode *v = &metrics->items[m];
        fields[t->c_name] = metrics->keys[m];
        if (t->kind == PLOT_SUMMARY) {
            fields[t->c_n] = (char *)jtext(vl_jnode_get(v, "n"));
            fields[t->c_value] = (char *)jtext(vl_jnode_get(v, "mean"));
            fields[t->c_ci95] = (char *)jtext(vl_jnode_get(v, "ci95"));
            if (!fields[t->c_n])
                return -1;
            if (!fields[t->c_value]) /* n = 0: no mean */
                continue;
        } else if (!(fields[t->c_value] = (char *)jtext(v))) {
            continue; /* a null (not a number) */
        }
        int rc = add_row(t, name, fields);
        if (rc < 0)
            return rc;
    }
    return 0;
}

static int read_json(const char *path, const char *text, size_t len, const char *name,
                     plot_table *t)
{
    vl_jnode root;
    char msg[256];
    int rc = vl_json_parse(text, len, &root, msg, sizeof msg);
    if (rc < 0) {
        if (rc == -1)
            vl_cli_fail("plot: %s: %s", path, msg);
        return rc;
    }
    const vl_jnode *list = root.type == VL_JARR ? &root : vl_jnode_get(&root, "runs");
    const vl_jnode *groups = vl_jnode_get(&root, "groups");
    const char *scenario = root.type == VL_JOBJ && list ? jtext(vl_jnode_get(&root, "scenario"))
                                                        : NULL;
    plot_input_kind kind = list ? PLOT_RUNS : PLOT_SUMMARY;
    if (!list)
        list = groups;
    rc = -1;
    if (list && list->type == VL_JARR) {
        char **keys = NULL;
        int nkeys = list->n ? grid_keys(&list->items[0], &keys) : 0;
        rc = set_columns(t, kind, keys, nkeys, false);
        char **fields = rc == 0 ? calloc((size_t)t->ncols, sizeof *fields) : NULL;
        if (rc == 0 && !fields)
            rc = -2;
        for (int i = 0; i < list->n && rc == 0; i++)
            if ((rc = add_element(t, name, &list->items[i], scenario, fields)) == -1)
                vl_cli_fail("plot: %s: %s %d is not as vcpulab writes it", path,
                            kind == PLOT_RUNS ? "run" : "group", i);
        free(fields);
    } else {
        vl_cli_fail("plot: %s: not a JSON file that vcpulab plot reads (compare --json, sweep "
                    "--json or sweep --summary FILE.json)", path);
    }
    vl_jnode_free(&root);
    return rc;
}

/* ---- the file -------------------------------------------------------------- */

static char *read_stdin(size_t *len)
{
    size_t cap = 1 << 16;
    char *buf = malloc(cap);
    *len = 0;
    while (buf) {
        size_t r = fread(buf + *len, 1, cap - *len - 1, stdin);
        *len += r;
        if (r == 0)
            break;
        if (cap - *len - 1 == 0) {
            char *b = realloc(buf, cap *= 2);
            if (!b)
                free(buf);
            buf = b;
        }
    }
    if (buf && ferror(stdin)) {
        free(buf);
        return NULL;
    }
    if (buf)
        buf[*len] = '\0';
    return buf;
}

int plot_table_read(const char *path, const char *name, plot_table *t)
{
    *t = (plot_table){0};
    size_t len;
    errno = 0;
    char *text = strcmp(path, "-") == 0 ? read_stdin(&len) : sweep_read_file(path, &len);
    if (!text) {
        vl_cli_fail("plot: %s: cannot read: %s", path, errno ? strerror(errno) : "out of memory");
        return -1;
    }
    size_t lead = strspn(text, " \t\r\n");
    int rc = text[lead] == '{' || text[lead] == '['
                 ? read_json(path, text, len, name, t)
                 : read_csv(path, text, name, t);
    free(text);
    if (rc == -2)
        vl_cli_fail("out of memory");
    if (rc < 0)
        plot_table_free(t);
    return rc;
}

void plot_table_free(plot_table *t)
{
    for (int r = 0; r < t->nrows; r++) {
        for (int i = 0; i < t->ncols; i++)
            free(t->rows[r][i]);
        free(t->rows[r]);
    }
    for (int i = 0; i < t->ncols; i++)
        free(t->cols[i]);
    for (int i = 0; i < t->nnames; i++)
        free(t->names[i]);
    free(t->rows);
    free(t->cols);
    free(t->grid);
    free(t->names);
    *t = (plot_table){0};
}
