/* test_json.c - unit tests for the streaming JSON writer: exact output in
 * compact and indented modes, number formatting, string escaping. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vl_json.h"

typedef void (*writer_fn)(vl_json *j);

/* Runs fn on a writer over a memory stream; returns the text (free it). */
static char *render(writer_fn fn, bool indent)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    vl_json j;
    vl_json_init(&j, f, indent);
    fn(&j);
    assert_int_equal(fclose(f), 0);
    assert_int_equal(strlen(buf), len); /* no NUL bytes written */
    return buf;
}

static void expect_output(writer_fn fn, bool indent, const char *want)
{
    char *got = render(fn, indent);
    if (strcmp(got, want) != 0) {
        print_error("want:\n%s\ngot:\n%s\n", want, got);
        free(got);
        fail();
    }
    free(got);
}

/* ---- documents ------------------------------------------------------------ */

static void doc_nested(vl_json *j)
{
    vl_json_obj_begin(j);
    vl_json_kstr(j, "name", "vm0");
    vl_json_kint(j, "n", -3);
    vl_json_kuint(j, "u", UINT64_MAX);
    vl_json_kdouble(j, "d", 1.5);
    vl_json_kbool(j, "b", true);
    vl_json_key(j, "z");
    vl_json_null(j);
    vl_json_key(j, "arr");
    vl_json_arr_begin(j);
    vl_json_int(j, 1);
    vl_json_int(j, 2);
    vl_json_arr_begin(j);
    vl_json_arr_end(j);
    vl_json_obj_begin(j);
    vl_json_obj_end(j);
    vl_json_arr_begin(j);
    vl_json_bool(j, false);
    vl_json_arr_end(j);
    vl_json_arr_end(j);
    vl_json_key(j, "obj");
    vl_json_obj_begin(j);
    vl_json_kint(j, "k", INT64_MIN);
    vl_json_key(j, "inner");
    vl_json_obj_begin(j);
    vl_json_kdouble(j, "x", 0.25);
    vl_json_obj_end(j);
    vl_json_obj_end(j);
    vl_json_obj_end(j);
    vl_json_finish(j);
}

static void test_nested_compact(void **state)
{
    (void)state;
    expect_output(doc_nested, false,
                  "{\"name\":\"vm0\",\"n\":-3,\"u\":18446744073709551615,\"d\":1.5,"
                  "\"b\":true,\"z\":null,\"arr\":[1,2,[],{},[false]],"
                  "\"obj\":{\"k\":-9223372036854775808,\"inner\":{\"x\":0.25}}}\n");
}

static void test_nested_indented(void **state)
{
    (void)state;
    expect_output(doc_nested, true,
                  "{\n"
                  "  \"name\": \"vm0\",\n"
                  "  \"n\": -3,\n"
                  "  \"u\": 18446744073709551615,\n"
                  "  \"d\": 1.5,\n"
                  "  \"b\": true,\n"
                  "  \"z\": null,\n"
                  "  \"arr\": [\n"
                  "    1,\n"
                  "    2,\n"
                  "    [],\n"
                  "    {},\n"
                  "    [\n"
                  "      false\n"
                  "    ]\n"
                  "  ],\n"
                  "  \"obj\": {\n"
                  "    \"k\": -9223372036854775808,\n"
                  "    \"inner\": {\n"
                  "      \"x\": 0.25\n"
                  "    }\n"
                  "  }\n"
                  "}\n");
}

static void doc_array_of_objects(vl_json *j)
{
    vl_json_arr_begin(j);
    for (int i = 0; i < 2; i++) {
        vl_json_obj_begin(j);
        vl_json_kint(j, "id", i);
        vl_json_obj_end(j);
    }
    vl_json_arr_end(j);
    vl_json_finish(j);
}

static void test_array_of_objects(void **state)
{
    (void)state;
    expect_output(doc_array_of_objects, false, "[{\"id\":0},{\"id\":1}]\n");
    expect_output(doc_array_of_objects, true,
                  "[\n  {\n    \"id\": 0\n  },\n  {\n    \"id\": 1\n  }\n]\n");
}

static void doc_empty_obj(vl_json *j)
{
    vl_json_obj_begin(j);
    vl_json_obj_end(j);
    vl_json_finish(j);
}

static void doc_scalar(vl_json *j)
{
    vl_json_int(j, 5);
    vl_json_finish(j);
}

static void test_empty_and_scalar(void **state)
{
    (void)state;
    expect_output(doc_empty_obj, false, "{}\n");
    expect_output(doc_empty_obj, true, "{}\n");
    expect_output(doc_scalar, false, "5\n");
    expect_output(doc_scalar, true, "5\n");
}

/* ---- numbers ---------------------------------------------------------------- */

/* Integral values below 2^53 as integers; others with the fewest digits
 * that read back exactly (0.1 is "0.1", not 0.10000000000000001). */
static const double k_doubles[] = {
    0.0, -0.0, 1.0, -2.0, 0.1, 1.5, 100.0, 123456.0, 1234567.0, 1e6,
    1e-5, 3.14159265358979, -1e300, 2.5e-300, NAN, INFINITY, -INFINITY,
    11917500000.0, 9007199254740993.0, 0.3333333333333333, 1.0 / 3.0 * 1e-10,
};
static const char *const k_double_text =
    "[0,-0,1,-2,0.1,1.5,100,123456,1234567,1000000,1e-05,3.14159265358979,-1e+300,"
    "2.5e-300,null,null,null,11917500000,9007199254740992,0.3333333333333333,"
    "3.3333333333333335e-11]\n";

/* Every finite double read back from its text is the same double. */
static void test_doubles_round_trip(void **state)
{
    (void)state;
    uint64_t x = 0x9e3779b97f4a7c15ULL;
    for (int i = 0; i < 100000; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        double v;
        memcpy(&v, &x, sizeof v);
        if (!isfinite(v))
            continue;
        char buf[32];
        vl_fmt_double(buf, sizeof buf, v);
        if (strtod(buf, NULL) != v)
            fail_msg("%.17g printed as %s", v, buf);
    }
}

static void doc_doubles(vl_json *j)
{
    vl_json_arr_begin(j);
    for (size_t i = 0; i < sizeof k_doubles / sizeof k_doubles[0]; i++)
        vl_json_double(j, k_doubles[i]);
    vl_json_arr_end(j);
    vl_json_finish(j);
}

static void test_doubles(void **state)
{
    (void)state;
    expect_output(doc_doubles, false, k_double_text);
}

static void doc_kdouble_nan(vl_json *j)
{
    vl_json_obj_begin(j);
    vl_json_kdouble(j, "nan", NAN);
    vl_json_kdouble(j, "inf", -INFINITY);
    vl_json_obj_end(j);
    vl_json_finish(j);
}

static void test_nan_in_object(void **state)
{
    (void)state;
    expect_output(doc_kdouble_nan, false, "{\"nan\":null,\"inf\":null}\n");
    expect_output(doc_kdouble_nan, true, "{\n  \"nan\": null,\n  \"inf\": null\n}\n");
}

static void doc_ints(vl_json *j)
{
    vl_json_arr_begin(j);
    vl_json_int(j, 0);
    vl_json_int(j, INT64_MAX);
    vl_json_int(j, INT64_MIN);
    vl_json_uint(j, 0);
    vl_json_uint(j, UINT64_MAX);
    vl_json_arr_end(j);
    vl_json_finish(j);
}

static void test_ints(void **state)
{
    (void)state;
    expect_output(doc_ints, false,
                  "[0,9223372036854775807,-9223372036854775808,0,18446744073709551615]\n");
}

/* ---- strings ---------------------------------------------------------------- */

static void doc_escapes(vl_json *j)
{
    vl_json_obj_begin(j);
    vl_json_kstr(j, "q\"k", "say \"hi\"");
    vl_json_kstr(j, "bs", "C:\\dir\\");
    vl_json_kstr(j, "ctl", "a\nb\tc\r\b\f\x01\x1f");
    vl_json_kstr(j, "utf8", "caf\xc3\xa9 \xe2\x82\xac");
    vl_json_kstr(j, "slash", "a/b\x7f");
    vl_json_kstr(j, "empty", "");
    vl_json_kstr(j, "nullstr", NULL);
    vl_json_obj_end(j);
    vl_json_finish(j);
}

static void test_escapes(void **state)
{
    (void)state;
    expect_output(doc_escapes, false,
                  "{\"q\\\"k\":\"say \\\"hi\\\"\","
                  "\"bs\":\"C:\\\\dir\\\\\","
                  "\"ctl\":\"a\\u000ab\\u0009c\\u000d\\u0008\\u000c\\u0001\\u001f\","
                  "\"utf8\":\"caf\xc3\xa9 \xe2\x82\xac\","
                  "\"slash\":\"a/b\x7f\","
                  "\"empty\":\"\","
                  "\"nullstr\":null}\n");
}

static void doc_all_controls(vl_json *j)
{
    char s[32];
    for (int i = 1; i < 32; i++)
        s[i - 1] = (char)i;
    s[31] = '\0';
    vl_json_str(j, s);
}

static void test_all_control_chars(void **state)
{
    (void)state;
    char *got = render(doc_all_controls, false);
    char want[256] = "\"";
    for (int i = 1; i < 32; i++) {
        char esc[8];
        snprintf(esc, sizeof esc, "\\u%04x", i);
        strcat(want, esc);
    }
    strcat(want, "\"");
    assert_string_equal(got, want);
    free(got);
}

/* ---- depth ------------------------------------------------------------------ */

static void doc_deep(vl_json *j)
{
    for (int i = 0; i < VL_JSON_MAX_DEPTH; i++)
        vl_json_arr_begin(j);
    vl_json_int(j, 1);
    vl_json_int(j, 2);
    for (int i = 0; i < VL_JSON_MAX_DEPTH; i++)
        vl_json_arr_end(j);
}

static void test_max_depth(void **state)
{
    (void)state;
    char *got = render(doc_deep, false);
    char want[256] = "";
    for (int i = 0; i < VL_JSON_MAX_DEPTH; i++)
        strcat(want, "[");
    strcat(want, "1,2");
    for (int i = 0; i < VL_JSON_MAX_DEPTH; i++)
        strcat(want, "]");
    assert_string_equal(got, want);
    free(got);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nested_compact),
        cmocka_unit_test(test_nested_indented),
        cmocka_unit_test(test_array_of_objects),
        cmocka_unit_test(test_empty_and_scalar),
        cmocka_unit_test(test_doubles),
        cmocka_unit_test(test_doubles_round_trip),
        cmocka_unit_test(test_nan_in_object),
        cmocka_unit_test(test_ints),
        cmocka_unit_test(test_escapes),
        cmocka_unit_test(test_all_control_chars),
        cmocka_unit_test(test_max_depth),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
