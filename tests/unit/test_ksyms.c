/* test_ksyms.c - System.map loading and address lookup, on the shipped
 * trimmed map of a real kernel and on small hand-written maps. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "vl_ksyms.h"

#define MAP VL_SOURCE_DIR "/data/System.map-6.1.0-56-cloud-amd64.trimmed"

static void test_real_map_lookup(void **state)
{
    (void)state;
    vl_ksyms ks;
    vl_error err;
    assert_int_equal(vl_ksyms_load(&ks, MAP, &err), 0);
    uint64_t start, end, off;
    assert_int_equal(vl_ksyms_extent(&ks, "native_queued_spin_lock_slowpath", &start, &end), 0);
    assert_true(start >= 0xffffffff81000000ULL && end > start && end - start < 0x1000);
    const vl_ksym *s = vl_ksyms_lookup(&ks, start + 0x10, &off);
    assert_non_null(s);
    assert_string_equal(s->name, "native_queued_spin_lock_slowpath");
    assert_int_equal(off, 0x10);
    /* the last byte belongs to it, the end does not */
    assert_string_equal(vl_ksyms_lookup(&ks, end - 1, NULL)->name,
                        "native_queued_spin_lock_slowpath");
    assert_string_not_equal(vl_ksyms_lookup(&ks, end, NULL)->name,
                            "native_queued_spin_lock_slowpath");
    /* user-space addresses are below every kernel symbol */
    assert_null(vl_ksyms_lookup(&ks, 0x0000555555554000ULL, NULL));
    vl_ksyms_free(&ks);
}

static void test_classify(void **state)
{
    (void)state;
    vl_ksyms ks;
    assert_int_equal(vl_ksyms_load(&ks, MAP, NULL), 0);
    static const char *const ipi_senders[] = {"smp_call_function_many_cond",
                                              "smp_call_function_single", NULL};
    uint64_t start, end;
    assert_int_equal(vl_ksyms_extent(&ks, "smp_call_function_single", &start, &end), 0);
    assert_int_equal(vl_ksyms_classify(&ks, start + 3, ipi_senders), 1);
    assert_int_equal(vl_ksyms_extent(&ks, "flush_tlb_mm_range", &start, &end), 0);
    assert_int_equal(vl_ksyms_classify(&ks, start, ipi_senders), -1);
    assert_int_equal(vl_ksyms_classify(&ks, 0x1000, ipi_senders), -1);
    vl_ksyms_free(&ks);
}

static void test_small_map_edges(void **state)
{
    (void)state;
    /* unsorted input, a data symbol (ignored), aliases, a comment */
    static const char text[] = "ffffffff81000200 T beta\n"
                               "# a comment\n"
                               "ffffffff81000100 T alpha\n"
                               "ffffffff81000100 t alpha_alias\n"
                               "ffffffff81000150 D some_data\n"
                               "ffffffff81000300 W gamma\n"
                               "ffffffff81000250 t beta\n" /* a second static 'beta' */
                               "ffffffff81000180 t beta\n";
    vl_ksyms ks;
    assert_int_equal(vl_ksyms_parse(&ks, "small", text, sizeof text - 1, NULL), 0);
    assert_int_equal(ks.n, 6);
    assert_string_equal(vl_ksyms_lookup(&ks, 0xffffffff81000170ULL, NULL)->name, "alpha");
    assert_string_equal(vl_ksyms_lookup(&ks, 0xffffffff81000200ULL, NULL)->name, "beta");
    assert_null(vl_ksyms_lookup(&ks, 0xffffffff81000300ULL, NULL)); /* last: no end */
    assert_null(vl_ksyms_lookup(&ks, 0xffffffff81000000ULL, NULL));
    static const char *const names[] = {"alpha_alias", NULL};
    assert_int_equal(vl_ksyms_classify(&ks, 0xffffffff81000101ULL, names), 0);
    uint64_t s, e;
    assert_int_equal(vl_ksyms_extent(&ks, "beta", &s, &e), 0); /* the lowest of three */
    assert_true(s == 0xffffffff81000180ULL && e == 0xffffffff81000200ULL);
    assert_int_equal(vl_ksyms_extent(&ks, "alpha", &s, &e), 0);
    assert_true(s == 0xffffffff81000100ULL && e == 0xffffffff81000180ULL);
    assert_int_equal(vl_ksyms_extent(&ks, "gamma", &s, &e), -1);
    assert_int_equal(vl_ksyms_extent(&ks, "nosuch", &s, &e), -1);
    vl_ksyms_free(&ks);
}

static void test_errors(void **state)
{
    (void)state;
    vl_ksyms ks;
    vl_error err;
    static const char bad[] = "ffffffff81000100 T alpha\nnot-a-line\n";
    assert_int_equal(vl_ksyms_parse(&ks, "bad.map", bad, sizeof bad - 1, &err), -1);
    assert_string_equal(err.file, "bad.map");
    assert_int_equal(err.line, 2);
    assert_int_equal(err.col, 1);
    assert_int_equal(vl_ksyms_load(&ks, "/nonexistent/System.map", &err), -1);
    assert_non_null(strstr(err.msg, "cannot open"));
    static const char data_only[] = "ffffffff81000100 D x\n";
    assert_int_equal(vl_ksyms_parse(&ks, "d.map", data_only, sizeof data_only - 1, &err), -1);
    assert_non_null(strstr(err.msg, "no text symbols"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_real_map_lookup),
        cmocka_unit_test(test_classify),
        cmocka_unit_test(test_small_map_edges),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
