/* vl_json.h - streaming JSON writer with stable formatting.
 *
 * Output is deterministic: keys in call order, integers printed exactly,
 * doubles with the fewest significant digits that read back as the same
 * double (vl_fmt_double; integral values as plain integers; NaN/Inf
 * written as null).  Pretty-printed with two
 * spaces when indent is set, compact otherwise. Strings are escaped per RFC
 * 8259 (control chars as \u00XX). */
#ifndef VL_JSON_H
#define VL_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define VL_JSON_MAX_DEPTH 32

typedef struct vl_json {
    FILE *f;
    bool indent;
    int depth;
    bool need_comma[VL_JSON_MAX_DEPTH];
    bool after_key;
} vl_json;

void vl_json_init(vl_json *j, FILE *f, bool indent);
void vl_json_obj_begin(vl_json *j);
void vl_json_obj_end(vl_json *j);
void vl_json_arr_begin(vl_json *j);
void vl_json_arr_end(vl_json *j);
void vl_json_key(vl_json *j, const char *key);
void vl_json_str(vl_json *j, const char *s);
void vl_json_int(vl_json *j, int64_t v);
void vl_json_uint(vl_json *j, uint64_t v);
void vl_json_double(vl_json *j, double v);
/* v with the fewest significant digits (1..17, "%g" style) that strtod
 * reads back as v: "0.1", "11917500000", "1e-07"; the CSV outputs use it
 * too, so a value is the same in every output.  buf: at least 32 bytes. */
void vl_fmt_double(char *buf, size_t len, double v);
void vl_json_bool(vl_json *j, bool v);
void vl_json_null(vl_json *j);
/* A value already written as JSON by another vl_json (one line, compact),
 * inserted as it is. */
void vl_json_raw(vl_json *j, const char *json);
/* Ends the document with a newline. */
void vl_json_finish(vl_json *j);

/* key + value shorthands */
void vl_json_kstr(vl_json *j, const char *k, const char *s);
void vl_json_kint(vl_json *j, const char *k, int64_t v);
void vl_json_kuint(vl_json *j, const char *k, uint64_t v);
void vl_json_kdouble(vl_json *j, const char *k, double v);
void vl_json_kbool(vl_json *j, const char *k, bool v);

#endif
