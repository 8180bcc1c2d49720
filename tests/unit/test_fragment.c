/* test_fragment.c - the CPU-fragmentation ground truth (hv/fragment.h):
 * time a VM has a waiting, unparked vCPU while some pCPU of the host runs
 * nothing, over the measurement window. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "hv/fragment.h"
#include "testkit.h"

static vl_ns frag(const vl_model *m, int d) { return vl_frag_vm_time(&m->hv.vms[d], m->hv.sim.now); }

/* Two hogs pinned to pCPU 0 of two: pCPU 1 idles all along, so every
 * moment one of them waits counts (affinity is not consulted). */
static void test_pinned_pair_is_fragmented_while_waiting(void **state)
{
    (void)state;
    tk_sim t;
    tk_open(&t, "credit",
            "host: {pcpus: 2}\n"
            "run: {duration: 600ms, warmup: 100ms}\n"
            "vms: [{name: a, vcpus: 1, affinity: 0, workloads: [{type: cpu}]},\n"
            "      {name: b, vcpus: 1, affinity: 0, workloads: [{type: cpu}]}]\n");
    tk_go(&t.m);
    for (int d = 0; d < 2; d++) {
        vl_ns wait = vl_vm_time(&t.m, d, VL_RUNNABLE);
        print_message("%s: waited %.3f ms, fragmented %.3f ms\n", t.m.hv.vms[d].name,
                      (double)wait / 1e6, (double)frag(&t.m, d) / 1e6);
        assert_true(wait > VL_MS(200));
        assert_int_equal(frag(&t.m, d), wait);
    }
    tk_close(&t);
}

/* Two hogs on two pCPUs: after the start-up nobody waits while a pCPU
 * idles. */
static void test_spread_pair_is_not_fragmented(void **state)
{
    (void)state;
    tk_sim t;
    tk_open(&t, "credit",
            "host: {pcpus: 2}\n"
            "run: {duration: 300ms, warmup: 50ms}\n"
            "vms: [{name: a, vcpus: 1, workloads: [{type: cpu}]},\n"
            "      {name: b, vcpus: 1, workloads: [{type: cpu}]}]\n");
    tk_go(&t.m);
    assert_int_equal(frag(&t.m, 0), 0);
    assert_int_equal(frag(&t.m, 1), 0);
    tk_close(&t);
}

/* A capped VM alone on two pCPUs waits, parked by Credit, for about half
 * of the run while both pCPUs idle: a cap is not fragmentation. */
static void test_parked_waits_do_not_count(void **state)
{
    (void)state;
    tk_sim t;
    tk_open(&t, "credit",
            "host: {pcpus: 2}\n"
            "run: {duration: 1s, warmup: 100ms}\n"
            "vms: [{name: a, vcpus: 1, cap: 50, workloads: [{type: cpu}]}]\n");
    tk_go(&t.m);
    vl_ns wait = vl_vm_time(&t.m, 0, VL_RUNNABLE);
    print_message("capped: waited %.3f ms, fragmented %.3f ms\n", (double)wait / 1e6,
                  (double)frag(&t.m, 0) / 1e6);
    assert_true(wait > VL_MS(300));
    assert_true(frag(&t.m, 0) < wait / 20);
    tk_close(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pinned_pair_is_fragmented_while_waiting),
        cmocka_unit_test(test_spread_pair_is_not_fragmented),
        cmocka_unit_test(test_parked_waits_do_not_count),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
