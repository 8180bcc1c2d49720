/* test_time.c - unit tests for vl_duration_parse / vl_duration_format. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "vl_time.h"

#define SENTINEL ((vl_ns)-777)

static vl_ns parse_ok(const char *text, int allow_bare)
{
    vl_ns v = SENTINEL;
    int rc = vl_duration_parse(text, allow_bare, &v);
    if (rc != 0)
        fail_msg("expected \"%s\" (bare=%d) to parse", text, allow_bare);
    return v;
}

static void expect_rc(const char *text, int allow_bare, int want)
{
    vl_ns v = SENTINEL;
    int rc = vl_duration_parse(text, allow_bare, &v);
    if (rc != want)
        fail_msg("expected \"%s\" (bare=%d) to be rejected, got %lld", text ? text : "(null)",
                 allow_bare, (long long)v);
    assert_int_equal(v, SENTINEL); /* *out untouched on error */
}

/* A syntax error. */
static void expect_error(const char *text, int allow_bare)
{
    expect_rc(text, allow_bare, -1);
}

/* Well formed but beyond int64 ns. */
static void expect_too_long(const char *text, int allow_bare)
{
    expect_rc(text, allow_bare, VL_DURATION_TOO_LONG);
}

static void test_parse_exact(void **state)
{
    (void)state;
    assert_int_equal(parse_ok("30ms", 0), 30000000);
    assert_int_equal(parse_ok("100us", 0), 100000);
    assert_int_equal(parse_ok("2s", 0), 2000000000);
    assert_int_equal(parse_ok("1.5ms", 0), 1500000);
    assert_int_equal(parse_ok("0.1ms", 0), 100000);
    assert_int_equal(parse_ok("250ns", 0), 250);
    assert_int_equal(parse_ok("0ns", 0), 0);
    assert_int_equal(parse_ok("0s", 0), 0);
    assert_int_equal(parse_ok("0.000000001s", 0), 1);
    assert_int_equal(parse_ok("1.000000001s", 0), 1000000001);
    assert_int_equal(parse_ok("0.3s", 0), 300000000);
    assert_int_equal(parse_ok("2.5us", 0), 2500);
    assert_int_equal(parse_ok("007ms", 0), 7000000);
    assert_int_equal(parse_ok("1.50000000000000ms", 0), 1500000); /* trailing zeros */
    assert_int_equal(parse_ok("5.0ns", 0), 5);
    /* the same text with allow_bare set parses identically */
    assert_int_equal(parse_ok("30ms", 1), 30000000);
}

static void test_parse_bare(void **state)
{
    (void)state;
    assert_int_equal(parse_ok("250", 1), 250);
    assert_int_equal(parse_ok("0", 1), 0);
    assert_int_equal(parse_ok("5.000", 1), 5);
    assert_int_equal(parse_ok("9223372036854775807", 1), INT64_MAX);
    expect_error("250", 0);
    expect_error("1.5", 1); /* half a nanosecond */
    expect_too_long("9223372036854775808", 1);
}

static void test_parse_limits(void **state)
{
    (void)state;
    assert_int_equal(parse_ok("9223372036854775807ns", 0), INT64_MAX);
    assert_int_equal(parse_ok("9223372036.854775807s", 0), INT64_MAX);
    assert_int_equal(parse_ok("9223372036854.775807ms", 0), INT64_MAX);
    assert_int_equal(parse_ok("9223372036s", 0), 9223372036000000000LL);
    assert_int_equal(parse_ok("0000000000000000000000000001s", 0), 1000000000);
}

static void test_parse_errors(void **state)
{
    (void)state;
    /* empty / missing number */
    expect_error(NULL, 0);
    expect_error("", 0);
    expect_error("", 1);
    expect_error("ms", 0);
    expect_error(".5ms", 0);
    expect_error("1.ms", 0);
    expect_error(".ms", 0);
    /* signs: negative durations are errors, no explicit plus either */
    expect_error("-5ms", 0);
    expect_error("-0ns", 0);
    expect_error("-5", 1);
    expect_error("+5ms", 0);
    /* whitespace anywhere */
    expect_error("5 ms", 0);
    expect_error(" 5ms", 0);
    expect_error("5ms ", 0);
    expect_error("5\tms", 0);
    expect_error("5ms\n", 0);
    /* unknown units (and unit case matters) */
    expect_error("5m", 0);
    expect_error("5sec", 0);
    expect_error("5MS", 0);
    expect_error("5min", 0);
    expect_error("5h", 0);
    expect_error("5", 0);
    /* trailing garbage / malformed numbers */
    expect_error("5msx", 0);
    expect_error("5ms5", 0);
    expect_error("5mss", 0);
    expect_error("1..5ms", 0);
    expect_error("1.5.0ms", 0);
    expect_error("1e3ns", 0);
    expect_error("0x10ns", 0);
    expect_error("1,5ms", 0);
    /* not an exact number of ns */
    expect_error("1.5ns", 0);
    expect_error("0.0001us", 0);
    expect_error("0.0000000001s", 0);
    expect_error("1.0000000001s", 0);
    /* overflow */
    expect_too_long("9223372036854775808ns", 0);
    expect_too_long("9223372036.854775808s", 0);
    expect_too_long("9223372037s", 0);
    expect_too_long("9223372036855ms", 0);
    expect_too_long("99999999999999999999999999s", 0);
    expect_too_long("18446744073709551616ns", 0);
}

static void expect_format(vl_ns t, const char *want)
{
    char buf[64];
    int n = vl_duration_format(t, buf, sizeof buf);
    assert_string_equal(buf, want);
    assert_int_equal(n, (int)strlen(want));
}

static void test_format_largest_exact_unit(void **state)
{
    (void)state;
    expect_format(30000000, "30ms");
    expect_format(1500000, "1500us");
    expect_format(0, "0ns");
    expect_format(1, "1ns");
    expect_format(999, "999ns");
    expect_format(1000, "1us");
    expect_format(1001, "1001ns");
    expect_format(2000000000, "2s");
    expect_format(2500000000LL, "2500ms");
    expect_format(100000, "100us");
    expect_format(VL_S(3600), "3600s");
    expect_format(INT64_MAX, "9223372036854775807ns");
    expect_format(9223372036000000000LL, "9223372036s");
    expect_format(-VL_MS(5), "-5ms");
}

static void test_format_truncates_like_snprintf(void **state)
{
    (void)state;
    char buf[4];
    int n = vl_duration_format(VL_MS(12345), buf, sizeof buf);
    assert_int_equal(n, 7); /* "12345ms" */
    assert_string_equal(buf, "123");
}

/* Test-local generator (independent of vl_rng). */
static uint64_t xorshift64(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *s = x;
}

static void test_format_roundtrip(void **state)
{
    (void)state;
    static const int64_t pow10[] = {1, 10, 100, 1000, 10000, 100000, 1000000, 10000000,
                                    100000000, 1000000000, 10000000000LL};
    uint64_t s = 0x9e3779b97f4a7c15ULL;
    for (int i = 0; i < 200000; i++) {
        vl_ns x;
        if (i % 4 == 0) {
            x = (vl_ns)(xorshift64(&s) >> 1); /* anywhere in int64 */
        } else {
            /* a few significant digits times a power of ten: hits every unit */
            int64_t mant = (int64_t)(xorshift64(&s) % 100000);
            int64_t scale = pow10[xorshift64(&s) % 11];
            x = mant * scale;
        }
        char buf[64];
        vl_duration_format(x, buf, sizeof buf);
        vl_ns back = SENTINEL;
        if (vl_duration_parse(buf, 0, &back) != 0 || back != x)
            fail_msg("round trip failed for %lld -> \"%s\"", (long long)x, buf);
    }
}

/* parse(text) then format gives the canonical spelling. */
static void test_parse_then_format(void **state)
{
    (void)state;
    static const struct { const char *in, *out; } cases[] = {
        {"1.5ms", "1500us"}, {"0.1ms", "100us"}, {"1000ms", "1s"},
        {"0.5s", "500ms"},   {"1000000ns", "1ms"}, {"60s", "60s"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char buf[64];
        vl_duration_format(parse_ok(cases[i].in, 0), buf, sizeof buf);
        assert_string_equal(buf, cases[i].out);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_exact),
        cmocka_unit_test(test_parse_bare),
        cmocka_unit_test(test_parse_limits),
        cmocka_unit_test(test_parse_errors),
        cmocka_unit_test(test_format_largest_exact_unit),
        cmocka_unit_test(test_format_truncates_like_snprintf),
        cmocka_unit_test(test_format_roundtrip),
        cmocka_unit_test(test_parse_then_format),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
