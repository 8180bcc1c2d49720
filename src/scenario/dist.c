/* scenario/dist.c - DIST parameter values: a bare duration (a constant) or
 * a mapping {dist: KIND, ...} whose duration fields carry units; the result
 * is a vl_dist in nanoseconds, checked with vl_dist_check().  An empirical
 * distribution's points are allocated here; the parameter blob holding it
 * owns them (scn_params_free). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario/scn_internal.h"

#define DIST_KINDS "constant, uniform, exponential, lognormal, pareto, empirical"

/* Keys allowed for each kind, in vl_dist_kind order. */
static const char *const kind_keys[][4] = {
    [VL_DIST_CONST] = {"dist", "value", NULL, NULL},
    [VL_DIST_UNIFORM] = {"dist", "min", "max", NULL},
    [VL_DIST_EXPONENTIAL] = {"dist", "mean", NULL, NULL},
    [VL_DIST_LOGNORMAL] = {"dist", "mean", "sd", NULL},
    [VL_DIST_PARETO] = {"dist", "scale", "shape", NULL},
    [VL_DIST_EMPIRICAL] = {"dist", "values", "cdf", NULL},
};

typedef struct bounds {
    double min, max; /* location fields must lie inside when min < max */
} bounds;

/* A duration field as ns; never negative; `located` fields are also
 * checked against the parameter's range. */
static int get_ns(const yt_node *n, const char *what, const bounds *b, bool located,
                  double *out, vl_error *err)
{
    char got[80];
    vl_ns v;
    if (scn_parse_duration(n, what, &v, err) < 0)
        return -1;
    if (v < 0)
        return scn_fail(err, n, what, "a duration here must not be negative, got %s",
                        scn_got(n, got, sizeof got));
    if (located && b->min < b->max && (v < b->min || v > b->max)) {
        char lo[32], hi[32];
        vl_duration_format((vl_ns)b->min, lo, sizeof lo);
        vl_duration_format((vl_ns)b->max, hi, sizeof hi);
        return scn_fail(err, n, what, "must be in %s..%s, got %s", lo, hi,
                        scn_got(n, got, sizeof got));
    }
    *out = (double)v;
    return 0;
}

/* The field `key` of map, required. */
static int field(const yt_node *map, const char *key, const char *what, const yt_node **out,
                 char *path, size_t len, vl_error *err)
{
    yt_node *v;
    if (scn_require(map, key, what, &v, err) < 0)
        return -1;
    scn_pathf(path, len, "%s.%s", what, key);
    *out = v;
    return 0;
}

static int duration_field(const yt_node *map, const char *key, const char *what,
                          const bounds *b, bool located, double *out, vl_error *err)
{
    char path[SCN_PATH_MAX];
    const yt_node *v;
    if (field(map, key, what, &v, path, sizeof path, err) < 0)
        return -1;
    return get_ns(v, path, b, located, out, err);
}

/* The points of an empirical distribution, into p. */
static int empirical_points(const yt_node *map, const char *what, const bounds *b,
                            vl_dist_points *p, vl_error *err)
{
    char path[SCN_PATH_MAX], item[SCN_PATH_MAX];
    const yt_node *values, *cdf;
    if (field(map, "values", what, &values, path, sizeof path, err) < 0 ||
        scn_expect(values, YT_SEQ, path, err) < 0)
        return -1;
    if (values->n < 1 || values->n > VL_DIST_MAX_POINTS)
        return scn_fail(err, values, path, "must have 1..%d points, got %zu", VL_DIST_MAX_POINTS,
                        values->n);
    for (size_t i = 0; i < values->n; i++) {
        scn_pathf(item, sizeof item, "%s[%zu]", path, i);
        if (get_ns(values->items[i], item, b, true, &p->values[i], err) < 0)
            return -1;
    }
    if (field(map, "cdf", what, &cdf, path, sizeof path, err) < 0 ||
        scn_expect(cdf, YT_SEQ, path, err) < 0)
        return -1;
    if (cdf->n != values->n)
        return scn_fail(err, cdf, path, "must have as many points as values (%zu), got %zu",
                        values->n, cdf->n);
    for (size_t i = 0; i < cdf->n; i++) {
        scn_pathf(item, sizeof item, "%s[%zu]", path, i);
        if (scn_get_double(cdf->items[i], item, 0, 1, &p->cdf[i], err) < 0)
            return -1;
    }
    p->n = values->n;
    return 0;
}

/* An empirical distribution: its points are allocated here and belong to
 * the caller once this succeeds (scn_dist_free). */
static int empirical(const yt_node *map, const char *what, const bounds *b, vl_dist *d,
                     vl_error *err)
{
    vl_dist_points *p = calloc(1, sizeof *p);
    if (!p)
        return vl_error_set(err, "out of memory");
    if (empirical_points(map, what, b, p, err) < 0) {
        free(p);
        return -1;
    }
    d->points = p;
    return 0;
}

static int from_map(const yt_node *map, const char *what, const bounds *b, vl_dist *d,
                    vl_error *err)
{
    char got[80], path[SCN_PATH_MAX];
    const yt_node *kn;
    vl_dist_kind kind;
    if (field(map, "dist", what, &kn, path, sizeof path, err) < 0)
        return -1;
    if (kn->kind != YT_SCALAR || vl_dist_kind_parse(kn->str, &kind) < 0 || (int)kind < 0 ||
        (int)kind > (int)VL_DIST_EMPIRICAL)
        return scn_fail(err, kn, path, "expected one of " DIST_KINDS ", got %s",
                        scn_got(kn, got, sizeof got));
    if (scn_check_keys(map, kind_keys[kind], what, err) < 0)
        return -1;
    d->kind = kind;
    switch (kind) {
    case VL_DIST_CONST:
        return duration_field(map, "value", what, b, true, &d->a, err);
    case VL_DIST_UNIFORM:
        if (duration_field(map, "min", what, b, true, &d->a, err) < 0)
            return -1;
        return duration_field(map, "max", what, b, true, &d->b, err);
    case VL_DIST_EXPONENTIAL:
        return duration_field(map, "mean", what, b, true, &d->a, err);
    case VL_DIST_LOGNORMAL:
        if (duration_field(map, "mean", what, b, true, &d->a, err) < 0)
            return -1;
        return duration_field(map, "sd", what, b, false, &d->b, err);
    case VL_DIST_PARETO: {
        const yt_node *shape;
        if (duration_field(map, "scale", what, b, true, &d->a, err) < 0 ||
            field(map, "shape", what, &shape, path, sizeof path, err) < 0)
            return -1;
        return scn_get_double(shape, path, -1e308, 1e308, &d->b, err);
    }
    case VL_DIST_EMPIRICAL:
        return empirical(map, what, b, d, err);
    }
    return -1;
}

int scn_get_dist(const yt_node *n, const char *what, double min, double max, vl_dist *out,
                 vl_error *err)
{
    char got[80], msg[200];
    bounds b = {min, max};
    vl_dist d;
    memset(&d, 0, sizeof d);
    if (n->kind == YT_SCALAR) {
        double v;
        if (get_ns(n, what, &b, true, &v, err) < 0)
            return -1;
        d = vl_dist_const(v);
    } else if (n->kind == YT_MAP) {
        if (from_map(n, what, &b, &d, err) < 0)
            return -1;
    } else {
        return scn_fail(err, n, what,
                        "expected a duration or a mapping like {dist: exponential, mean: 1ms}, "
                        "got %s",
                        scn_got(n, got, sizeof got));
    }
    msg[0] = '\0';
    if (vl_dist_check(&d, msg, sizeof msg) < 0) {
        scn_dist_free(&d);
        return scn_fail(err, n, what, "%s", msg[0] ? msg : "invalid distribution");
    }
    *out = d;
    return 0;
}

void scn_dist_free(vl_dist *d)
{
    free((void *)d->points); /* the loader's own allocation (empirical) */
    d->points = NULL;
}
