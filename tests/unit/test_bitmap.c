/* test_bitmap.c - vl_bitmap.h against plain loops over random bit sets. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "vl_bitmap.h"
#include "vl_rng.h"

#define N 300
#define W VL_BITMAP_WORDS(N)

static void random_set(uint64_t *b, vl_rng *r, int density)
{
    memset(b, 0, W * sizeof *b);
    for (int i = 0; i < N; i++)
        if ((int)vl_rng_below(r, 100) < density)
            vl_bit_set(b, i);
}

static int ref_next(const uint64_t *a, const uint64_t *b, int from, int n)
{
    for (int i = from; i < n; i++)
        if (vl_bit_test(a, i) && (!b || vl_bit_test(b, i)))
            return i;
    return -1;
}

static void test_next_and_count(void **state)
{
    (void)state;
    vl_rng r;
    vl_rng_init(&r, 1, "bitmap");
    uint64_t a[W], b[W];
    for (int round = 0; round < 2000; round++) {
        random_set(a, &r, (int)vl_rng_below(&r, 30));
        random_set(b, &r, 50);
        int n = 1 + (int)vl_rng_below(&r, N);
        int from = (int)vl_rng_below(&r, (uint64_t)n + 1);
        assert_int_equal(vl_bit_next(a, from, n), ref_next(a, NULL, from, n));
        assert_int_equal(vl_bit_next_and(a, b, from, n), ref_next(a, b, from, n));
        int lo = (int)vl_rng_below(&r, (uint64_t)n), hi = lo + (int)vl_rng_below(&r, (uint64_t)(n - lo) + 1);
        int count = 0;
        for (int i = lo; i < hi; i++)
            count += vl_bit_test(a, i);
        assert_int_equal(vl_bit_count(a, lo, hi), count);
        vl_bit_clear_range(a, lo, hi);
        for (int i = lo; i < hi; i++)
            assert_false(vl_bit_test(a, i));
    }
}

/* cycle: the first set bit after `from`, wrapping, `from` itself last. */
static int ref_cycle(const uint64_t *a, const uint64_t *b, int from, int n)
{
    for (int k = 1; k <= n; k++) {
        int i = (from + k) % n;
        if (vl_bit_test(a, i) && (!b || vl_bit_test(b, i)))
            return i;
    }
    return -1;
}

static void test_cycle(void **state)
{
    (void)state;
    vl_rng r;
    vl_rng_init(&r, 2, "bitmap");
    uint64_t a[W], b[W];
    for (int round = 0; round < 2000; round++) {
        random_set(a, &r, (int)vl_rng_below(&r, 20));
        random_set(b, &r, 50);
        int n = 1 + (int)vl_rng_below(&r, N);
        int from = (int)vl_rng_below(&r, (uint64_t)n);
        assert_int_equal(vl_bit_cycle(a, from, n), ref_cycle(a, NULL, from, n));
        assert_int_equal(vl_bit_cycle_and(a, b, from, n), ref_cycle(a, b, from, n));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_next_and_count),
        cmocka_unit_test(test_cycle),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
