/* test_apps.c - the calibrated application models show the rates
 * docs/workloads-calibration.md section 4 gives for them, per CPU, when
 * they run alone (4 threads on 4 vCPUs on 4 pCPUs). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "guest/kernel.h"
#include "guest/tlb.h"
#include "testkit.h"

typedef struct rates {
    double util, tlb, wake_ipis, locks[8];
    int runqueue; /* index of the runqueue lock class in locks */
} rates;

static rates run_app(const char *app)
{
    char yaml[256];
    snprintf(yaml, sizeof yaml,
             "scheduler: cfs\nhost: {pcpus: 4}\n"
             "vms: [{name: a, vcpus: 4, workloads: [{type: %s}]}]\nrun: {duration: 2s}\n", app);
    vl_scenario scn;
    vl_model m;
    tk_load(&scn, yaml);
    assert_int_equal(tk_run(&m, &scn, scn.sched, 0, NULL), 0);
    const vl_guest *g = m.guests[0];
    double cpu_s = 4.0 * (double)vl_model_window(&m) / 1e9;
    rates r = {0};
    r.util = (double)m.workloads[0].stats.work_ns / 1e9 / cpu_s;
    r.tlb = (double)vl_tlb_of(g)->shootdowns / cpu_s;
    r.wake_ipis = (double)(vl_guest_ipis_sent(g, 0xfd) + vl_guest_ipis_sent(g, 0xfb)) / cpu_s;
    r.runqueue = vl_guest_lock_class(g, "runqueue");
    for (int c = 0; c < g->nclasses && c < 8; c++)
        r.locks[c] = (double)g->classes[c].stats.acquisitions / cpu_s;
    print_message("%s: util %.2f, shootdowns %.0f/s, wake IPIs %.0f/s, zone %.0f lru %.0f "
                  "mm %.0f per CPU-s\n",
                  app, r.util, r.tlb, r.wake_ipis, r.locks[vl_guest_lock_class(g, "zone")],
                  r.locks[vl_guest_lock_class(g, "lru")], r.locks[vl_guest_lock_class(g, "mm")]);
    vl_model_destroy(&m);
    vl_scenario_free(&scn);
    return r;
}

#define IN(x, lo, hi) assert_true((x) >= (lo) && (x) <= (hi))

/* 4.1: ~21 k page faults, ~500 zone refills, ~1 000 LRU batches per CPU-s;
 * almost no IPIs (separate processes). */
static void test_gmake(void **state)
{
    (void)state;
    rates r = run_app("gmake");
    IN(r.locks[5], 18000, 28000); /* mm: page faults */
    IN(r.locks[0], 400, 800);     /* zone */
    IN(r.locks[1], 800, 1600);    /* lru */
    IN(r.util, 0.95, 1.0);
    assert_true(r.tlb == 0 && r.wake_ipis == 0);
}

/* 4.4: 300-500 shootdowns per CPU-s, frequent blocking hand-offs. */
static void test_dedup(void **state)
{
    (void)state;
    rates r = run_app("dedup");
    IN(r.tlb, 300, 550);
    assert_true(r.wake_ipis > 200);
    IN(r.util, 0.7, 1.0);
}

/* 4.5: 40-300 window munmaps per CPU-s, hand-offs, page faults. */
static void test_vips(void **state)
{
    (void)state;
    rates r = run_app("vips");
    IN(r.tlb, 40, 300);
    assert_true(r.wake_ipis > 100);
    assert_true(r.locks[5] > 500);
    IN(r.util, 0.7, 1.0);
}

/* 4.8: compute only: no locks, no IPIs, every vCPU busy; the runqueue
 * lock only for each thread's first switch-in (4 in 8 CPU-s). */
static void test_swaptions(void **state)
{
    (void)state;
    rates r = run_app("swaptions");
    IN(r.util, 0.99, 1.0);
    assert_true(r.tlb == 0 && r.wake_ipis == 0);
    for (int c = 0; c < 8; c++)
        assert_true(r.locks[c] == 0 || (c == r.runqueue && r.locks[c] <= 0.5));
}

/* Regression: a shootdown target whose task blocked before the IPI
 * arrived (its vCPU idle) must still run the flush handler and
 * acknowledge; it once halted with the request pending and the sender
 * spun forever. dedup beside a CPU hog under Credit hits this often. */
static void test_dedup_corun_progresses(void **state)
{
    (void)state;
    vl_scenario scn;
    vl_model m;
    tk_load(&scn, "scheduler: credit\nhost: {pcpus: 4}\n"
                  "vms:\n  - {name: d, vcpus: 4, workloads: [{type: dedup}]}\n"
                  "  - {name: s, vcpus: 4, workloads: [{type: swaptions}]}\n"
                  "run: {duration: 2s, warmup: 500ms}\n");
    assert_int_equal(tk_run(&m, &scn, scn.sched, 0, NULL), 0);
    const vl_guest *g = m.guests[0];
    print_message("dedup beside swaptions: work %.2f s, %llu shootdowns, mean %.0f us\n",
                  (double)m.workloads[0].stats.work_ns / 1e9,
                  (unsigned long long)vl_tlb_of(g)->shootdowns, vl_hist_mean(&vl_tlb_of(g)->latency) / 1e3);
    assert_true(m.workloads[0].stats.work_ns > VL_MS(300));
    /* no vCPU sleeps in HLT with a flush request it has not acknowledged */
    for (int v = 0; v < g->nvcpus; v++)
        assert_true(vl_smp_cpu_of(g, v)->nqueue == 0 || m.hv.vcpus[v].state != VL_BLOCKED);
    vl_model_destroy(&m);
    vl_scenario_free(&scn);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gmake),
        cmocka_unit_test(test_dedup),
        cmocka_unit_test(test_vips),
        cmocka_unit_test(test_swaptions),
        cmocka_unit_test(test_dedup_corun_progresses),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
