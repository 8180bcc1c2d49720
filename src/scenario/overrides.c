/* scenario/overrides.c - applies `--set PATH=VALUE` overrides to the YAML
 * tree before it is converted.
 *
 * PATH is a dotted list of mapping keys; below a sequence (vms, workloads)
 * the next segment names an element (its `name:`, or a workload's default
 * name; names may contain dots, the longest match wins) or gives its 0-based
 * index.  Missing intermediate mappings are created.  VALUE is parsed as
 * YAML flow text (a scalar, [a, b] or {k: v}); its nodes are positioned at
 * "--set:N:COL" (N: 1-based index of the override, COL: column in the
 * argument), and so are the errors about the path. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario/scn_internal.h"

#define SET_SRC "--set"

typedef struct override {
    const char *arg;  /* the whole argument */
    const char *path; /* == arg */
    size_t plen;      /* length of the path (up to '=') */
    int idx;          /* 1-based */
    vl_error *err;
} override;

static int col_of(const override *o, const char *p)
{
    return (int)(p - o->arg) + 1;
}

static int path_fail(const override *o, const char *at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int path_fail(const override *o, const char *at, const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return vl_error_at(o->err, SET_SRC, o->idx, col_of(o, at), "%s", msg);
}

/* The name of seq element i for path matching ("" when it has none). */
static void element_name(const yt_node *seq, size_t i, bool workloads, char *buf, size_t len)
{
    const yt_node *nm = yt_map_get(seq->items[i], "name");
    buf[0] = '\0';
    if (workloads)
        scn_workload_name(seq, i, buf, len);
    else if (nm && nm->kind == YT_SCALAR)
        snprintf(buf, len, "%s", nm->str);
}

/* Finds the element of seq that the path at p selects; *next gets the end
 * of the consumed text (the '.' or the path end). */
static int select_element(const override *o, const yt_node *seq, bool workloads,
                          const char *p, const char *seg_end, size_t *out, const char **next)
{
    const char *end = o->path + o->plen;
    size_t best = 0, best_len = 0;
    char name[256], names[200], prefix[256];
    size_t used = 0;

    names[0] = '\0';
    for (size_t i = 0; i < seq->n; i++) {
        element_name(seq, i, workloads, name, sizeof name);
        size_t len = strlen(name);
        if (len && used < sizeof names) {
            int w = snprintf(names + used, sizeof names - used, "%s%s", used ? ", " : "", name);
            used += w > 0 ? (size_t)w : 0;
        }
        if (len > best_len && len <= (size_t)(end - p) && memcmp(p, name, len) == 0 &&
            (p + len == end || p[len] == '.')) {
            best = i;
            best_len = len;
        }
    }
    if (best_len) {
        *out = best;
        *next = p + best_len;
        return 0;
    }
    /* a 0-based index */
    size_t idx = 0;
    const char *q = p;
    for (; q < seg_end && *q >= '0' && *q <= '9' && idx < 1000000; q++)
        idx = idx * 10 + (size_t)(*q - '0');
    if (q == seg_end && q > p && idx < seq->n) {
        *out = idx;
        *next = seg_end;
        return 0;
    }
    snprintf(prefix, sizeof prefix, "%.*s", (int)(p - o->path - 1), o->path);
    return path_fail(o, p, "cannot apply: '%.60s' has no element '%.*s' (names: %s)", prefix,
                     (int)(seg_end - p > 60 ? 60 : seg_end - p), p,
                     used ? names : "none; use a 0-based index");
}

/* Applies one override to *root; takes ownership of value. */
static int apply_path(const override *o, yt_node **root, yt_node *value)
{
    const char *p = o->path, *end = o->path + o->plen;
    yt_node *cur;
    bool workloads = false;
    char seg[256], prefix[256];

    if (!*root && !(*root = yt_map_new(SET_SRC, o->idx, 1)))
        goto oom;
    cur = *root;
    for (;;) {
        const char *seg_end = memchr(p, '.', (size_t)(end - p));
        if (!seg_end)
            seg_end = end;
        snprintf(prefix, sizeof prefix, "%.*s", (int)(p > o->path ? p - o->path - 1 : 0), o->path);
        if (seg_end == p) {
            yt_free(value);
            return path_fail(o, p, "empty segment in the path");
        }
        if (seg_end - p >= (long)sizeof seg) {
            yt_free(value);
            return path_fail(o, p, "path segment too long");
        }
        snprintf(seg, sizeof seg, "%.*s", (int)(seg_end - p), p);

        if (cur->kind == YT_SEQ) {
            size_t i = 0;
            const char *next = NULL;
            if (select_element(o, cur, workloads, p, seg_end, &i, &next) < 0) {
                yt_free(value);
                return -1;
            }
            if (next == end) {
                yt_free(cur->items[i]);
                cur->items[i] = value;
                return 0;
            }
            cur = cur->items[i];
            workloads = false;
            p = next + 1;
            continue;
        }
        if (cur->kind != YT_MAP) {
            yt_free(value);
            return path_fail(o, p, "cannot apply: '%.60s' is %s, there is no '%.60s' under it",
                             prefix, yt_kind_name(cur->kind), seg);
        }
        yt_pair *pair = yt_map_find(cur, seg);
        if (seg_end == end) {
            if (pair) {
                yt_free(pair->value);
                pair->value = value;
                return 0;
            }
            yt_node *key = yt_scalar_new(SET_SRC, o->idx, col_of(o, p), seg);
            if (!key) {
                yt_free(value);
                goto oom;
            }
            return yt_map_add(cur, key, value) < 0 ? vl_error_set(o->err, "out of memory") : 0;
        }
        if (!pair) {
            if (strcmp(seg, "vms") == 0 || strcmp(seg, "workloads") == 0) {
                yt_free(value);
                return path_fail(o, p, "cannot apply: there is no '%.*s' list to select from",
                                 (int)(seg_end - o->path), o->path);
            }
            yt_node *key = yt_scalar_new(SET_SRC, o->idx, col_of(o, p), seg);
            yt_node *map = yt_map_new(SET_SRC, o->idx, col_of(o, p));
            if (!key || !map) {
                yt_free(key);
                yt_free(map);
                yt_free(value);
                goto oom;
            }
            if (yt_map_add(cur, key, map) < 0) {
                yt_free(value);
                goto oom;
            }
            pair = &cur->pairs[cur->n - 1];
        }
        workloads = strcmp(seg, "workloads") == 0;
        cur = pair->value;
        p = seg_end + 1;
    }
oom:
    return vl_error_set(o->err, "out of memory");
}

static int apply_one(const char *arg, int idx, yt_node **root, vl_error *err)
{
    override o = {.arg = arg, .path = arg, .idx = idx, .err = err};
    const char *eq = strchr(arg, '=');
    yt_node *value;
    for (const char *c = arg; *c; c++)
        if ((unsigned char)*c < 0x20 || *c == 0x7f)
            return vl_error_at(err, SET_SRC, idx, col_of(&o, c),
                               *c == '\n' || *c == '\r' ? "line break in a --set argument"
                                                        : "control character in a --set argument");
    if (!eq)
        return vl_error_at(err, SET_SRC, idx, 1, "expected PATH=VALUE, got '%.60s'", arg);
    o.plen = (size_t)(eq - arg);
    if (o.plen == 0)
        return vl_error_at(err, SET_SRC, idx, 1, "empty path before '='");
    const char *val = eq + 1;
    int valcol = col_of(&o, val);
    if (yt_parse(SET_SRC, val, strlen(val), idx, valcol, YT_ONE_LINE, &value, err) < 0)
        return -1;
    if (!value && !(value = yt_scalar_new(SET_SRC, idx, valcol, "")))
        return vl_error_set(err, "out of memory");
    return apply_path(&o, root, value);
}

int scn_overrides_apply(yt_node **root, const char *const *sets, int nsets, vl_error *err)
{
    for (int i = 0; i < nsets; i++)
        if (apply_one(sets[i] ? sets[i] : "", i + 1, root, err) < 0)
            return -1;
    return 0;
}
