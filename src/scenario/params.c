/* scenario/params.c - vl_param tables: writing defaults into a parameter
 * blob, checking a table against its struct size, and converting a YAML
 * mapping of parameter values into the blob (type and range checked).  A
 * blob owns what its DIST (empirical points) and PROGRAM values hold. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario/scn_internal.h"
#include "workload/program_spec.h"

static size_t param_size(vl_param_type t)
{
    switch (t) {
    case VL_PARAM_INT: return sizeof(int64_t);
    case VL_PARAM_TIME: return sizeof(vl_ns);
    case VL_PARAM_BOOL: return sizeof(bool);
    case VL_PARAM_DOUBLE: return sizeof(double);
    case VL_PARAM_ENUM: return sizeof(int);
    case VL_PARAM_DIST: return sizeof(vl_dist);
    case VL_PARAM_PROGRAM: return sizeof(vl_prog_spec *);
    }
    return 0;
}

/* A table double as int64, saturating (the bounds of an INT parameter). */
static int64_t to_i64(double v)
{
    if (!(v > -9.2e18))
        return INT64_MIN;
    if (!(v < 9.2e18))
        return INT64_MAX;
    return (int64_t)v;
}

static void put(void *blob, size_t offset, const void *v, size_t size)
{
    memcpy((char *)blob + offset, v, size);
}

void vl_params_defaults(const vl_param *table, void *blob)
{
    for (const vl_param *p = table; p && p->name; p++) {
        int64_t i64 = to_i64(p->def);
        bool b = p->def != 0;
        int e = (int)to_i64(p->def);
        vl_dist d = vl_dist_const(p->def);
        vl_prog_spec *none = NULL;
        switch (p->type) {
        case VL_PARAM_INT:
        case VL_PARAM_TIME: put(blob, p->offset, &i64, sizeof i64); break;
        case VL_PARAM_BOOL: put(blob, p->offset, &b, sizeof b); break;
        case VL_PARAM_DOUBLE: put(blob, p->offset, &p->def, sizeof p->def); break;
        case VL_PARAM_ENUM: put(blob, p->offset, &e, sizeof e); break;
        case VL_PARAM_DIST: put(blob, p->offset, &d, sizeof d); break;
        case VL_PARAM_PROGRAM: put(blob, p->offset, &none, sizeof none); break;
        }
    }
}

int scn_params_check_table(const vl_param *table, size_t size, const char *owner,
                           const yt_node *at, vl_error *err)
{
    for (const vl_param *p = table; p && p->name; p++) {
        size_t sz = param_size(p->type);
        if (sz == 0 || p->offset > size || size - p->offset < sz)
            return scn_fail(err, at, NULL,
                            "internal error: parameter '%s' of %s does not fit its %zu-byte "
                            "struct",
                            p->name, owner, size);
        if (p->type == VL_PARAM_ENUM && (!p->choices || !p->choices[0]))
            return scn_fail(err, at, NULL, "internal error: enum parameter '%s' of %s has no "
                            "choices", p->name, owner);
    }
    return 0;
}

static bool in_list(const char *const *list, const char *s)
{
    for (int i = 0; list && list[i]; i++)
        if (strcmp(list[i], s) == 0)
            return true;
    return false;
}

static int unknown_key(const vl_param *table, const yt_node *k, const char *const *skip,
                       const char *what, const char *owner, vl_error *err)
{
    char list[320], key[64];
    size_t used = 0;
    list[0] = '\0';
    for (int pass = 0; pass < 2; pass++) {
        for (int i = 0;; i++) {
            const char *name = pass == 0 ? (skip ? skip[i] : NULL) : (table ? table[i].name : NULL);
            if (!name)
                break;
            int w = snprintf(list + used, sizeof list - used, "%s%s", used ? ", " : "", name);
            if (w < 0 || (size_t)w >= sizeof list - used)
                break;
            used += (size_t)w;
        }
    }
    snprintf(key, sizeof key, "%.40s", k->str);
    for (char *c = key; *c; c++)
        if ((unsigned char)*c < 0x20)
            *c = '?';
    if (!used)
        return vl_error_at(err, k->src, k->line, k->col,
                           "unknown key '%s' in %s (%s has no parameters here)", key, what, owner);
    return vl_error_at(err, k->src, k->line, k->col, "unknown key '%s' in %s (valid keys: %s)",
                       key, what, list);
}

static const char *unit_of(const vl_param *p)
{
    return p->unit && p->unit[0] ? p->unit : NULL;
}

/* Converts one value and writes it at p->offset. */
static int convert(const vl_param *p, const yt_node *v, void *blob, const char *what,
                   vl_error *err)
{
    char got[80];
    const char *unit = unit_of(p);
    switch (p->type) {
    case VL_PARAM_INT: {
        int64_t x = 0, lo = to_i64(p->min), hi = to_i64(p->max);
        if (scn_get_int(v, what, INT64_MIN, INT64_MAX, &x, err) < 0)
            return -1;
        if (x < lo || x > hi)
            return scn_fail(err, v, what, "must be in %lld..%lld%s%s, got %s", (long long)lo,
                            (long long)hi, unit ? " " : "", unit ? unit : "",
                            scn_got(v, got, sizeof got));
        put(blob, p->offset, &x, sizeof x);
        return 0;
    }
    case VL_PARAM_TIME: {
        vl_ns x = 0;
        if (scn_get_duration(v, what, to_i64(p->min), to_i64(p->max), &x, err) < 0)
            return -1;
        put(blob, p->offset, &x, sizeof x);
        return 0;
    }
    case VL_PARAM_BOOL: {
        bool x = false;
        if (scn_get_bool(v, what, &x, err) < 0)
            return -1;
        put(blob, p->offset, &x, sizeof x);
        return 0;
    }
    case VL_PARAM_DOUBLE: {
        double x = 0;
        if (scn_get_double(v, what, -1e308, 1e308, &x, err) < 0)
            return -1;
        if (x < p->min || x > p->max)
            return scn_fail(err, v, what, "must be in %g..%g%s%s, got %s", p->min, p->max,
                            unit ? " " : "", unit ? unit : "", scn_got(v, got, sizeof got));
        put(blob, p->offset, &x, sizeof x);
        return 0;
    }
    case VL_PARAM_ENUM: {
        int x = 0;
        if (scn_get_choice(v, what, p->choices, &x, err) < 0)
            return -1;
        put(blob, p->offset, &x, sizeof x);
        return 0;
    }
    case VL_PARAM_DIST: {
        vl_dist d;
        if (scn_get_dist(v, what, p->min, p->max, &d, err) < 0)
            return -1;
        put(blob, p->offset, &d, sizeof d);
        return 0;
    }
    case VL_PARAM_PROGRAM: {
        vl_prog_spec *prog;
        if (scn_get_program(v, what, &prog, err) < 0)
            return -1;
        put(blob, p->offset, &prog, sizeof prog);
        return 0;
    }
    }
    return scn_fail(err, v, what, "internal error: parameter has an unknown type");
}

void scn_params_free(const vl_param *table, void *blob)
{
    for (const vl_param *p = table; blob && p && p->name; p++) {
        void *at = (char *)blob + p->offset;
        if (p->type == VL_PARAM_DIST)
            scn_dist_free(at);
        if (p->type == VL_PARAM_PROGRAM)
            scn_program_free(*(vl_prog_spec **)at);
    }
    free(blob);
}

int scn_params_apply(const vl_param *table, const yt_node *map, const char *const *skip,
                     void *blob, const char *what, const char *owner, vl_error *err)
{
    for (size_t i = 0; i < map->n; i++) {
        const yt_node *k = map->pairs[i].key;
        const vl_param *p = NULL;
        char path[SCN_PATH_MAX];
        if (in_list(skip, k->str))
            continue;
        for (const vl_param *q = table; q && q->name && !p; q++)
            if (strcmp(q->name, k->str) == 0)
                p = q;
        if (!p)
            return unknown_key(table, k, skip, what, owner, err);
        scn_pathf(path, sizeof path, "%s.%s", what, p->name);
        if (convert(p, map->pairs[i].value, blob, path, err) < 0)
            return -1;
    }
    for (const vl_param *q = table; q && q->name; q++) { /* programs have no default */
        yt_node *given;
        if (q->type == VL_PARAM_PROGRAM && scn_require(map, q->name, what, &given, err) < 0)
            return -1;
    }
    return 0;
}
