/* test_fifo.c - vl_fifo keeps FIFO order across wrap-around and growth. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "vl_fifo.h"

typedef struct item {
    int64_t id;
    char pad[20];
} item;

/* Interleaved pushes and pops: the head wraps many times and the buffer
 * grows while it is wrapped; every element comes out in push order and
 * vl_fifo_at sees the same sequence. */
static void test_order_across_wrap_and_growth(void **state)
{
    (void)state;
    vl_fifo f;
    vl_fifo_init(&f, sizeof(item));
    int64_t pushed = 0, popped = 0;
    for (int round = 0; round < 200; round++) {
        int npush = 3 + round % 7, npop = round < 150 ? 2 + round % 5 : 9;
        for (int i = 0; i < npush; i++) {
            item *it = vl_fifo_push(&f);
            assert_non_null(it);
            it->id = pushed++;
        }
        for (int i = 0; i < f.n; i++)
            assert_int_equal(((item *)vl_fifo_at(&f, i))->id, popped + i);
        for (int i = 0; i < npop && f.n > 0; i++) {
            assert_int_equal(((item *)vl_fifo_at(&f, 0))->id, popped++);
            vl_fifo_pop(&f);
        }
    }
    assert_int_equal(f.n, pushed - popped);
    assert_true(f.cap >= 64 && (f.cap & (f.cap - 1)) == 0);
    vl_fifo_free(&f);
    assert_null(f.buf);
    assert_int_equal(f.n, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_order_across_wrap_and_growth),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
