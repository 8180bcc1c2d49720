/* test_shootdown.c - synchronous TLB shootdowns: the sender waits until
 * every vCPU running the mm ran the flush handler; the wait is microseconds
 * when the targets run and a whole hypervisor slice when one is preempted;
 * the vector follows the guest kernel version; vCPUs of other mms are not
 * disturbed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "guest/kernel.h"
#include "guest/lifecycle.h"
#include "guest/tlb.h"
#include "testkit.h"

typedef struct sd_run {
    vl_scenario scn;
    vl_model m;
    vl_program sender, busy;
    vl_wstats stats, sender_stats; /* the busy tasks', the sender's */
} sd_run;

/* VM "k" with `vcpus` vCPUs on `pcpus` pCPUs (+ a hog VM on pCPU 1 when
 * `hog`): task 0 loops {compute 50 us; munmap 5 us + shootdown}; the other
 * tasks compute forever in the same mm (one task per vCPU), or in another
 * mm when other_mm is set. */
static void sd_setup(sd_run *r, int pcpus, int vcpus, int hog, bool legacy, bool other_mm)
{
    char yaml[512];
    snprintf(yaml, sizeof yaml,
             "scheduler: fifo\nhost: {pcpus: %d}\nvms:\n  - {name: k, vcpus: %d, guest: "
             "{tlb_vectors: %s}}\n%s"
             "run: {duration: 1s}\n",
             pcpus, vcpus, legacy ? "legacy" : "modern",
             hog ? "  - {name: hog, vcpus: 1, affinity: \"1\", workloads: [{type: cpu}]}\n" : "");
    tk_load(&r->scn, yaml);
    vl_error err;
    assert_int_equal(vl_model_create(&r->m, &r->scn, r->scn.sched, 0, 0, NULL, &err), 0);
    vl_guest *g = r->m.guests[0];
    vl_dist c = vl_dist_const(50e3), k = vl_dist_const(5e3), forever = vl_dist_const(1e15);
    vl_prog_init(&r->sender);
    int body = vl_prog_compute(&r->sender, &c);
    vl_prog_shootdown(&r->sender, vl_guest_activity(g, "munmap"), &k);
    vl_prog_loop(&r->sender, body, 0);
    vl_prog_init(&r->busy);
    vl_prog_loop(&r->busy, vl_prog_compute(&r->busy, &forever), 0);
    memset(&r->stats, 0, sizeof r->stats);
    vl_hist_init(&r->stats.wake_latency);
    vl_hist_init(&r->stats.response);
    memset(&r->sender_stats, 0, sizeof r->sender_stats);
    vl_hist_init(&r->sender_stats.wake_latency);
    vl_hist_init(&r->sender_stats.response);
    for (int i = 0; i < vcpus; i++) {
        vl_task *t = vl_guest_task_create(g, i ? "busy" : "sender", i ? &r->busy : &r->sender,
                                          i ? &r->stats : &r->sender_stats);
        assert_non_null(t);
        t->mm = other_mm && i ? 2 : 1;
    }
    if (vl_model_run(&r->m, &err) < 0)
        fail_msg("run failed: %s", err.msg);
}

static void sd_teardown(sd_run *r)
{
    vl_model_destroy(&r->m);
    vl_prog_fini(&r->sender);
    vl_prog_fini(&r->busy);
    vl_wstats_free(&r->stats);
    vl_wstats_free(&r->sender_stats);
    vl_scenario_free(&r->scn);
}

static void test_running_targets_microseconds(void **state)
{
    (void)state;
    sd_run r;
    sd_setup(&r, 4, 4, 0, false, false);
    vl_guest *g = r.m.guests[0];
    const vl_hist *h = &vl_tlb_of(g)->latency;
    vl_ns expect = r.m.hv.costs.exit_entry + r.m.hv.costs.ipi_delivery + g->irq_entry_cost +
                   vl_tlb_of(g)->flush.cost;
    print_message("%llu shootdowns, latency min %lld mean %.0f max %lld ns (expect %lld)\n",
                  (unsigned long long)vl_tlb_of(g)->shootdowns, (long long)h->min, vl_hist_mean(h),
                  (long long)h->max, (long long)expect);
    assert_true(vl_tlb_of(g)->shootdowns > 15000); /* one per ~55 us for 1 s */
    assert_int_equal(h->min, expect);
    assert_int_equal(h->max, expect);
    /* running targets take the IPI as it arrives: exit + delivery */
    const vl_hist *ipi = &g->ipi_latency[VL_IPI_TLB];
    assert_int_equal(ipi->count, 3 * vl_tlb_of(g)->shootdowns);
    assert_int_equal(ipi->max, r.m.hv.costs.exit_entry + r.m.hv.costs.ipi_delivery);
    assert_int_equal(vl_guest_ipis_sent(g, 0xfc), 3 * vl_tlb_of(g)->shootdowns);
    assert_int_equal(r.m.hv.vcpus[0].exits[VL_EXIT_IPI], vl_tlb_of(g)->shootdowns);
    sd_teardown(&r);
}

/* Target vCPU 1 shares pCPU 1 with a hog VM (fifo, 10 ms slices): while it
 * is preempted the sender spins, taking pause-loop exits. */
static void test_preempted_target_slice(void **state)
{
    (void)state;
    sd_run r;
    sd_setup(&r, 2, 2, 1, false, false);
    vl_guest *g = r.m.guests[0];
    const vl_hist *h = &vl_tlb_of(g)->latency;
    print_message("%llu shootdowns, latency mean %.0f us max %.2f ms, PLE exits %llu\n",
                  (unsigned long long)vl_tlb_of(g)->shootdowns, vl_hist_mean(h) / 1e3, (double)h->max / 1e6,
                  (unsigned long long)r.m.hv.vcpus[0].exits[VL_EXIT_PLE]);
    assert_true(h->max > VL_MS(9) && h->max < VL_MS(11));
    /* the preempted target runs the handler only when it is back */
    assert_true(g->ipi_latency[VL_IPI_TLB].max > VL_MS(9));
    assert_true(r.m.hv.vcpus[0].exits[VL_EXIT_PLE] > 10);
    assert_int_equal(vl_guest_ipis_sent(g, 0xfb), vl_tlb_of(g)->shootdowns); /* one target: 0xfb */
    /* the wait is not work: each loop is 50 us of compute and a 5 us call */
    uint64_t n = vl_tlb_of(g)->shootdowns;
    print_message("sender work %.3f ms for %llu loops\n", r.sender_stats.work_ns / 1e6,
                  (unsigned long long)n);
    assert_true(r.sender_stats.work_ns >= (vl_ns)n * VL_US(55));
    assert_true(r.sender_stats.work_ns <= (vl_ns)(n + 1) * VL_US(55));
    sd_teardown(&r);
}

static void test_legacy_vectors(void **state)
{
    (void)state;
    sd_run r;
    sd_setup(&r, 4, 4, 0, true, false);
    vl_guest *g = r.m.guests[0];
    assert_true(vl_tlb_of(g)->shootdowns > 15000); /* the 0xf0 handler answers them */
    assert_int_equal(vl_tlb_of(g)->latency.max, r.m.hv.costs.exit_entry +
                                                 r.m.hv.costs.ipi_delivery + g->irq_entry_cost +
                                                 vl_tlb_of(g)->flush.cost);
    assert_int_equal(vl_guest_ipis_sent(g, 0xf0), 3 * vl_tlb_of(g)->shootdowns); /* sender vCPU 0 */
    assert_int_equal(vl_guest_ipis_sent(g, 0xfc), 0);
    sd_teardown(&r);
}

static void test_other_mm_untouched(void **state)
{
    (void)state;
    sd_run r;
    sd_setup(&r, 4, 4, 0, false, true);
    vl_guest *g = r.m.guests[0];
    assert_true(vl_tlb_of(g)->shootdowns > 15000);
    assert_int_equal(vl_tlb_of(g)->latency.max, 0); /* nobody to wait for */
    assert_int_equal(r.m.hv.vcpus[0].exits[VL_EXIT_IPI], 0);
    sd_teardown(&r);
}

/* Lazy TLB mode (guest.lazy_tlb, Linux < 4.19): task 1 of the sender's mm
 * runs 100 us on vCPU 1 and sleeps; its vCPU idles with the mm's page
 * tables loaded.  With lazy_tlb the next shootdown also flushes it (a
 * halted vCPU: woken for it), and it leaves the mm, so no later shootdown
 * does; without, idle vCPU 1 is never a target. */
static void lazy_run(bool lazy, uint64_t *ipis, int *cur_mm, vl_ns *max)
{
    char yaml[256];
    snprintf(yaml, sizeof yaml,
             "scheduler: fifo\nhost: {pcpus: 2}\n"
             "vms: [{name: k, vcpus: 2, guest: {lazy_tlb: %s}}]\nrun: {duration: 1s}\n",
             lazy ? "true" : "false");
    sd_run r;
    tk_load(&r.scn, yaml);
    vl_error err;
    assert_int_equal(vl_model_create(&r.m, &r.scn, r.scn.sched, 0, 0, NULL, &err), 0);
    vl_guest *g = r.m.guests[0];
    vl_dist c = vl_dist_const(50e3), k = vl_dist_const(5e3), once = vl_dist_const(100e3),
            long_sleep = vl_dist_const(1e10);
    vl_prog_init(&r.sender);
    int body = vl_prog_compute(&r.sender, &c);
    vl_prog_shootdown(&r.sender, vl_guest_activity(g, "munmap"), &k);
    vl_prog_loop(&r.sender, body, 0);
    vl_prog_init(&r.busy);
    vl_prog_compute(&r.busy, &once);
    vl_prog_sleep(&r.busy, &long_sleep);
    memset(&r.stats, 0, sizeof r.stats);
    memset(&r.sender_stats, 0, sizeof r.sender_stats);
    for (int i = 0; i < 2; i++) {
        vl_task *t = vl_guest_task_create(g, i ? "sleeper" : "sender", i ? &r.busy : &r.sender,
                                          &r.stats);
        assert_non_null(t);
        t->mm = 1;
    }
    if (vl_model_run(&r.m, &err) < 0)
        fail_msg("run failed: %s", err.msg);
    *ipis = vl_guest_ipis_sent(g, 0xfb);
    *cur_mm = g->vcpus[1].cur_mm;
    *max = vl_tlb_of(g)->latency.max;
    sd_teardown(&r);
}

static void test_lazy_tlb_flushes_idle_vcpu_once(void **state)
{
    (void)state;
    uint64_t ipis[2];
    int mm[2];
    vl_ns max[2];
    for (int lazy = 0; lazy < 2; lazy++)
        lazy_run(lazy, &ipis[lazy], &mm[lazy], &max[lazy]);
    print_message("flush IPIs %llu -> %llu, vCPU 1's mm %d -> %d, longest shootdown %lld -> "
                  "%lld ns\n", (unsigned long long)ipis[0], (unsigned long long)ipis[1], mm[0],
                  mm[1], (long long)max[0], (long long)max[1]);
    assert_true(ipis[0] >= 1);           /* while task 1 ran */
    assert_int_equal(ipis[1], ipis[0] + 1); /* the one flush of the lazy vCPU */
    assert_int_equal(mm[0], 1);          /* idle, the mm still loaded */
    assert_int_equal(mm[1], 0);          /* it left the mm */
    assert_true(max[1] > max[0]);        /* the halted target had to wake */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_running_targets_microseconds),
        cmocka_unit_test(test_preempted_target_slice),
        cmocka_unit_test(test_legacy_vectors),
        cmocka_unit_test(test_other_mm_untouched),
        cmocka_unit_test(test_lazy_tlb_flushes_idle_vcpu_once),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
