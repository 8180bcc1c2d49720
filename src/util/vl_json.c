/* vl_json.c - streaming JSON writer with deterministic formatting.
 *
 * State: depth = number of open containers; need_comma[depth-1] says
 * whether the innermost container already holds an element; after_key says
 * a key was just written and the next value follows it directly.
 *
 * Compact:  {"a":1,"b":[1,2],"c":{}}
 * Indented: {
 *             "a": 1,
 *             "b": [
 *               1,
 *               2
 *             ],
 *             "c": {}
 *           }
 * Nesting deeper than VL_JSON_MAX_DEPTH is a programming error (abort). */
#include "vl_json.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>

void vl_json_init(vl_json *j, FILE *f, bool indent)
{
    j->f = f;
    j->indent = indent;
    j->depth = 0;
    j->after_key = false;
    for (int i = 0; i < VL_JSON_MAX_DEPTH; i++)
        j->need_comma[i] = false;
}

static void newline_indent(vl_json *j, int level)
{
    fputc('\n', j->f);
    for (int i = 0; i < level; i++)
        fputs("  ", j->f);
}

/* Separator and indentation before a key or a value. */
static void before_item(vl_json *j)
{
    if (j->after_key) {
        j->after_key = false;
        return;
    }
    if (j->depth == 0)
        return;
    bool *nc = &j->need_comma[j->depth - 1];
    if (*nc)
        fputc(',', j->f);
    if (j->indent)
        newline_indent(j, j->depth);
    *nc = true;
}

static void open_container(vl_json *j, char c)
{
    if (j->depth >= VL_JSON_MAX_DEPTH) {
        fputs("vl_json: nesting deeper than VL_JSON_MAX_DEPTH\n", stderr);
        abort();
    }
    before_item(j);
    fputc(c, j->f);
    j->need_comma[j->depth++] = false;
}

static void close_container(vl_json *j, char c)
{
    if (j->depth <= 0) {
        fputs("vl_json: close without open\n", stderr);
        abort();
    }
    const bool had_items = j->need_comma[--j->depth];
    if (j->indent && had_items)
        newline_indent(j, j->depth);
    fputc(c, j->f);
}

void vl_json_obj_begin(vl_json *j) { open_container(j, '{'); }
void vl_json_obj_end(vl_json *j) { close_container(j, '}'); }
void vl_json_arr_begin(vl_json *j) { open_container(j, '['); }
void vl_json_arr_end(vl_json *j) { close_container(j, ']'); }

static void write_escaped(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\') {
            fputc('\\', f);
            fputc(*p, f);
        } else if (*p < 0x20) {
            fprintf(f, "\\u%04x", (unsigned)*p);
        } else {
            fputc(*p, f); /* UTF-8 passes through unchanged */
        }
    }
    fputc('"', f);
}

void vl_json_key(vl_json *j, const char *key)
{
    before_item(j);
    write_escaped(j->f, key ? key : "");
    fputs(j->indent ? ": " : ":", j->f);
    j->after_key = true;
}

void vl_json_str(vl_json *j, const char *s)
{
    if (!s) {
        vl_json_null(j);
        return;
    }
    before_item(j);
    write_escaped(j->f, s);
}

void vl_json_int(vl_json *j, int64_t v)
{
    before_item(j);
    fprintf(j->f, "%" PRId64, v);
}

void vl_json_uint(vl_json *j, uint64_t v)
{
    before_item(j);
    fprintf(j->f, "%" PRIu64, v);
}

void vl_fmt_double(char *buf, size_t len, double v)
{
    /* integral values (counts, ns) as plain integers while exact */
    if (v == floor(v) && fabs(v) < 9007199254740992.0) { /* 2^53 */
        snprintf(buf, len, "%.0f", v); /* -0 stays "-0" */
        return;
    }
    /* else the fewest significant digits that read back as v */
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, len, "%.*g", prec, v);
        for (char *p = buf; *p; p++)
            if (*p == ',') /* a locale with a decimal comma */
                *p = '.';
        if (strtod(buf, NULL) == v)
            break;
    }
}

void vl_json_double(vl_json *j, double v)
{
    if (!isfinite(v)) {
        vl_json_null(j);
        return;
    }
    char buf[64];
    vl_fmt_double(buf, sizeof buf, v);
    before_item(j);
    fputs(buf, j->f);
}

void vl_json_bool(vl_json *j, bool v)
{
    before_item(j);
    fputs(v ? "true" : "false", j->f);
}

void vl_json_null(vl_json *j)
{
    before_item(j);
    fputs("null", j->f);
}

void vl_json_raw(vl_json *j, const char *json)
{
    before_item(j);
    fputs(json, j->f);
}

void vl_json_finish(vl_json *j)
{
    fputc('\n', j->f);
}

void vl_json_kstr(vl_json *j, const char *k, const char *s)
{
    vl_json_key(j, k);
    vl_json_str(j, s);
}

void vl_json_kint(vl_json *j, const char *k, int64_t v)
{
    vl_json_key(j, k);
    vl_json_int(j, v);
}

void vl_json_kuint(vl_json *j, const char *k, uint64_t v)
{
    vl_json_key(j, k);
    vl_json_uint(j, v);
}

void vl_json_kdouble(vl_json *j, const char *k, double v)
{
    vl_json_key(j, k);
    vl_json_double(j, v);
}

void vl_json_kbool(vl_json *j, const char *k, bool v)
{
    vl_json_key(j, k);
    vl_json_bool(j, v);
}
