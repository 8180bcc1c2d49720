/* scenario/scalars.c - typed reading of YAML nodes with positioned errors:
 * integers, unsigned 64-bit integers, doubles, booleans and durations, plus
 * the mapping checks (unknown keys, required keys) every level uses. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario/scn_internal.h"

void scn_pathf(char *buf, size_t len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, len, fmt, ap);
    va_end(ap);
}

int scn_fail(vl_error *err, const yt_node *n, const char *what, const char *fmt, ...)
{
    char msg[sizeof err->msg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (what && what[0])
        return vl_error_at(err, n->src, n->line, n->col, "%s: %s", what, msg);
    return vl_error_at(err, n->src, n->line, n->col, "%s", msg);
}

/* Copies s into buf for a one-line message: control characters become '?',
 * long text is cut with "...". */
static void sanitize(const char *s, char *buf, size_t len)
{
    size_t i = 0, max = len > 48 ? 40 : len - 1;
    for (; s[i] && i < max; i++)
        buf[i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i];
    buf[i] = '\0';
    if (s[i] && len > 48)
        memcpy(buf + i, "...", 4);
}

const char *scn_got(const yt_node *n, char *buf, size_t len)
{
    if (n->kind != YT_SCALAR)
        return yt_kind_name(n->kind);
    if (!n->str[0])
        return n->plain ? "an empty value" : "an empty string";
    char text[64];
    sanitize(n->str, text, sizeof text);
    snprintf(buf, len, "'%s'", text);
    return buf;
}

int scn_expect(const yt_node *n, yt_kind kind, const char *what, vl_error *err)
{
    char got[80];
    if (n->kind == kind)
        return 0;
    return scn_fail(err, n, what, "expected %s, got %s", yt_kind_name(kind),
                    scn_got(n, got, sizeof got));
}

void scn_join(const char *const *names, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; names && names[i]; i++) {
        int w = snprintf(buf + used, len - used, "%s%s", i ? ", " : "", names[i]);
        if (w < 0 || (size_t)w >= len - used)
            break;
        used += (size_t)w;
    }
}

int scn_get_choice(const yt_node *n, const char *what, const char *const *choices, int *out,
                   vl_error *err)
{
    char got[80], list[256];
    for (int i = 0; n->kind == YT_SCALAR && choices[i]; i++)
        if (strcmp(choices[i], n->str) == 0) {
            *out = i;
            return 0;
        }
    scn_join(choices, list, sizeof list);
    return scn_fail(err, n, what, "expected one of %s, got %s", list, scn_got(n, got, sizeof got));
}

int scn_check_keys(const yt_node *map, const char *const *valid, const char *what,
                   vl_error *err)
{
    for (size_t i = 0; i < map->n; i++) {
        const yt_node *k = map->pairs[i].key;
        bool ok = false;
        for (int j = 0; valid[j] && !ok; j++)
            ok = strcmp(valid[j], k->str) == 0;
        if (!ok) {
            char name[64], list[256];
            sanitize(k->str, name, sizeof name);
            scn_join(valid, list, sizeof list);
            return vl_error_at(err, k->src, k->line, k->col,
                               "unknown key '%s' %s%s (valid keys: %s)", name,
                               what[0] ? "in " : "at the top level", what, list);
        }
    }
    return 0;
}

int scn_require(const yt_node *map, const char *key, const char *what, yt_node **out,
                vl_error *err)
{
    *out = yt_map_get(map, key);
    if (*out)
        return 0;
    if (what[0])
        return vl_error_at(err, map->src, map->line, map->col,
                           "missing required key '%s' in %s", key, what);
    return vl_error_at(err, map->src, map->line, map->col, "missing required key '%s'", key);
}

/* n must be a non-empty scalar; otherwise "expected <desc>, got ...". */
static int want_scalar(const yt_node *n, const char *what, const char *desc, vl_error *err)
{
    char got[80];
    if (n->kind == YT_SCALAR && n->str[0])
        return 0;
    return scn_fail(err, n, what, "expected %s, got %s", desc, scn_got(n, got, sizeof got));
}

int scn_get_int(const yt_node *n, const char *what, int64_t min, int64_t max,
                int64_t *out, vl_error *err)
{
    char got[80];
    if (want_scalar(n, what, "an integer", err) < 0)
        return -1;
    const char *s = n->str;
    const char *d = (*s == '+' || *s == '-') ? s + 1 : s;
    char *end;
    if (*d < '0' || *d > '9')
        return scn_fail(err, n, what, "expected an integer, got %s", scn_got(n, got, sizeof got));
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (*end)
        return scn_fail(err, n, what, "expected an integer, got %s", scn_got(n, got, sizeof got));
    if (errno == ERANGE || v < min || v > max)
        return scn_fail(err, n, what, "must be in %" PRId64 "..%" PRId64 ", got %s", min, max,
                        scn_got(n, got, sizeof got));
    *out = v;
    return 0;
}

int scn_get_int32(const yt_node *n, const char *what, int min, int max, int *out,
                  vl_error *err)
{
    int64_t v = 0;
    if (scn_get_int(n, what, min, max, &v, err) < 0)
        return -1;
    *out = (int)v;
    return 0;
}

int scn_get_u64(const yt_node *n, const char *what, uint64_t *out, vl_error *err)
{
    char got[80];
    char *end;
    if (want_scalar(n, what, "an unsigned integer", err) < 0)
        return -1;
    const char *s = n->str;
    for (const char *p = s; *p; p++)
        if (*p < '0' || *p > '9')
            return scn_fail(err, n, what, "expected an unsigned integer, got %s",
                            scn_got(n, got, sizeof got));
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno == ERANGE)
        return scn_fail(err, n, what, "must be in 0..%" PRIu64 ", got %s", UINT64_MAX,
                        scn_got(n, got, sizeof got));
    *out = v;
    return 0;
}

int scn_get_double(const yt_node *n, const char *what, double min, double max,
                   double *out, vl_error *err)
{
    char got[80];
    char *end;
    if (want_scalar(n, what, "a number", err) < 0)
        return -1;
    const char *s = n->str;
    /* Decimal notation only: no hex floats, inf or nan. */
    for (const char *p = s; *p; p++)
        if (!strchr("0123456789.eE+-", *p))
            return scn_fail(err, n, what, "expected a number, got %s", scn_got(n, got, sizeof got));
    errno = 0;
    double v = strtod(s, &end);
    if (*end || end == s)
        return scn_fail(err, n, what, "expected a number, got %s", scn_got(n, got, sizeof got));
    if (!isfinite(v) || v < min || v > max)
        return scn_fail(err, n, what, "must be in %g..%g, got %s", min, max,
                        scn_got(n, got, sizeof got));
    *out = v;
    return 0;
}

int scn_get_bool(const yt_node *n, const char *what, bool *out, vl_error *err)
{
    char got[80];
    if (n->kind == YT_SCALAR && strcmp(n->str, "true") == 0) {
        *out = true;
        return 0;
    }
    if (n->kind == YT_SCALAR && strcmp(n->str, "false") == 0) {
        *out = false;
        return 0;
    }
    return scn_fail(err, n, what, "expected true or false, got %s", scn_got(n, got, sizeof got));
}

/* scn_parse_duration; a duration too long for int64 is *too_long (and
 * INT64_MAX) when too_long is given, an error otherwise. */
static int parse_duration(const yt_node *n, const char *what, vl_ns *out, bool *too_long,
                          vl_error *err)
{
    char got[80];
    if (want_scalar(n, what, "a duration like 30ms", err) < 0)
        return -1;
    if (strcmp(n->str, "0") == 0) {
        *out = 0;
        return 0;
    }
    int rc = vl_duration_parse(n->str, 0, out);
    if (rc == VL_DURATION_TOO_LONG && too_long) {
        *too_long = true;
        *out = INT64_MAX;
        return 0;
    }
    if (rc == VL_DURATION_TOO_LONG)
        return scn_fail(err, n, what, "must be at most %lldns (about 292 years), got %s",
                        (long long)INT64_MAX, scn_got(n, got, sizeof got));
    if (rc < 0)
        return scn_fail(err, n, what,
                        "expected a duration like 30ms, got %s (digits, an optional "
                        "fraction, a unit: ns, us, ms, s)",
                        scn_got(n, got, sizeof got));
    return 0;
}

int scn_parse_duration(const yt_node *n, const char *what, vl_ns *out, vl_error *err)
{
    return parse_duration(n, what, out, NULL, err);
}

int scn_get_duration(const yt_node *n, const char *what, vl_ns min, vl_ns max,
                     vl_ns *out, vl_error *err)
{
    char got[80], lo[32], hi[32];
    vl_ns v;
    bool too_long = false;
    if (parse_duration(n, what, &v, &too_long, err) < 0)
        return -1;
    if (too_long || v < min || v > max) {
        vl_duration_format(min, lo, sizeof lo);
        vl_duration_format(max, hi, sizeof hi);
        return scn_fail(err, n, what, "must be in %s..%s, got %s", lo, hi,
                        scn_got(n, got, sizeof got));
    }
    *out = v;
    return 0;
}
