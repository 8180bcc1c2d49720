/* test_relaxed.c - the `relaxed` policy (VMware-style relaxed
 * co-scheduling, src/sched/relaxed.c): each rule pinned by a scenario whose
 * measured outcome would change if the rule broke.  Figures are printed so
 * that a failure shows how far off it was. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "testkit.h"

/* ----------------------------------------------------------------- helpers */

/* Watches the skew between the two vCPUs of each 2-vCPU VM: their
 * running-time difference, at every switch (between switches of CPU-bound
 * vCPUs the difference is linear, so its extremes fall on switches). */
typedef struct skew_watch {
    const vl_hv *hv;
    vl_ns max_skew;
} skew_watch;

static void skew_sample(skew_watch *w, vl_ns now)
{
    for (int k = 0; k < w->hv->nvms; k++) {
        const vl_vm *d = &w->hv->vms[k];
        if (d->nvcpus != 2)
            continue;
        vl_ns a = vl_hv_vcpu_time(&d->vcpus[0], VL_RUNNING, now);
        vl_ns b = vl_hv_vcpu_time(&d->vcpus[1], VL_RUNNING, now);
        vl_ns skew = a > b ? a - b : b - a;
        if (skew > w->max_skew)
            w->max_skew = skew;
    }
}

static void skew_switch(void *ctx, const vl_pcpu *p, const vl_vcpu *prev, const vl_vcpu *next,
                        vl_ns now)
{
    (void)p;
    (void)prev;
    (void)next;
    skew_sample(ctx, now);
}

static const char pair_yaml[] =
    "host: {pcpus: 3}\n"
    "vms:\n"
    "  - {name: pair, vcpus: 2, workloads: [{type: cpu, tasks: 2}]}\n"
    "  - {name: hog, vcpus: 2, workloads: [{type: cpu, tasks: 2}]}\n"
    "run: {duration: 3s, warmup: 300ms}\n";

/* Runs pair_yaml with `params` (may be ""); returns the largest skew seen
 * and the VMs' blocked time in *blocked. */
static vl_ns run_pair(const char *params, int64_t *costops, int64_t *costarts, vl_ns *blocked)
{
    char yaml[1024];
    snprintf(yaml, sizeof yaml, "%s%s", params, pair_yaml);
    tk_sim t;
    tk_open(&t, "relaxed", yaml);
    skew_watch w = {.hv = &t.m.hv};
    t.m.hv.observer = (vl_hv_observer){.ctx = &w, .on_switch = skew_switch};
    tk_go(&t.m);
    skew_sample(&w, t.m.hv.sim.now);
    *costops = tk_counter(&t.m, "costops");
    *costarts = tk_counter(&t.m, "costarts");
    *blocked = 0;
    for (int v = 0; v < t.m.hv.nvcpus; v++)
        *blocked += vl_hv_vcpu_time(&t.m.hv.vcpus[v], VL_BLOCKED, t.m.hv.sim.now);
    tk_close(&t);
    return w.max_skew;
}

/* ------------------------------------------------------------------ tests */

/* Two 2-vCPU CPU-bound VMs on 3 pCPUs: the pCPU that two vCPUs share
 * makes one sibling of a VM fall behind; co-stopping the leader
 * keeps the skew within threshold + one check period (+ the host IPI that
 * deschedules it).  Without co-stops (a threshold of 1 s) it grows
 * without bound until the threshold. */
static void test_skew_bounded(void **state)
{
    (void)state;
    int64_t costops, costarts;
    vl_ns blocked;
    vl_ns skew = run_pair("", &costops, &costarts, &blocked);
    print_message("default: max skew %.3f ms, costops %lld, costarts %lld, blocked %.3f ms\n",
                  (double)skew / 1e6, (long long)costops, (long long)costarts,
                  (double)blocked / 1e6);
    assert_true(costops > 10);
    assert_true(costarts > 10);
    assert_true(blocked < VL_US(100));
    assert_true(skew <= VL_MS(3) + VL_MS(1) + VL_US(50) + blocked);

    skew = run_pair("params: {relaxed: {threshold: 1ms, period: 200us}}\n", &costops, &costarts,
                    &blocked);
    print_message("threshold 1 ms, period 0.2 ms: max skew %.3f ms, costops %lld\n",
                  (double)skew / 1e6, (long long)costops);
    assert_true(skew <= VL_MS(1) + VL_US(200) + VL_US(50) + blocked);

    skew = run_pair("params: {relaxed: {threshold: 1s}}\n", &costops, &costarts, &blocked);
    print_message("threshold 1 s: max skew %.3f ms, costops %lld\n", (double)skew / 1e6,
                  (long long)costops);
    assert_true(costops < 5);
    assert_true(skew > VL_MS(500));
}

/* A VM with one CPU-bound vCPU and one idle (halted) vCPU, beside a 1-vCPU
 * hog VM on one pCPU, so that the busy vCPU waits half of the time: the
 * idle vCPU counts as keeping up with its sibling, so the busy one never
 * leads it by anything and nobody is co-stopped. */
static void test_idle_sibling_no_costop(void **state)
{
    (void)state;
    tk_sim t;
    tk_open(&t, "relaxed",
            "host: {pcpus: 1}\n"
            "vms:\n"
            "  - {name: half, vcpus: 2, workloads: [{type: cpu, tasks: 1}]}\n"
            "  - {name: hog, vcpus: 1, workloads: [{type: cpu, tasks: 1}]}\n"
            "run: {duration: 3s, warmup: 300ms}\n");
    tk_go(&t.m);
    const vl_vm *d = &t.m.hv.vms[0];
    vl_ns now = t.m.hv.sim.now;
    vl_ns run0 = vl_hv_vcpu_time(&d->vcpus[0], VL_RUNNING, now);
    vl_ns run1 = vl_hv_vcpu_time(&d->vcpus[1], VL_RUNNING, now);
    vl_ns wait0 = vl_hv_vcpu_time(&d->vcpus[0], VL_RUNNABLE, now) +
                  vl_hv_vcpu_time(&d->vcpus[1], VL_RUNNABLE, now);
    print_message("half: running %.1f / %.1f ms, waited %.1f ms; costops %lld, checks %lld\n",
                  (double)run0 / 1e6, (double)run1 / 1e6, (double)wait0 / 1e6,
                  (long long)tk_counter(&t.m, "costops"),
                  (long long)tk_counter(&t.m, "skew_checks"));
    /* the busy vCPU did wait behind the hogs, the running times differ by
     * far more than the threshold: still no co-stop */
    assert_true(wait0 > VL_MS(100));
    assert_true(run0 > run1 + VL_MS(100) || run1 > run0 + VL_MS(100));
    assert_int_equal(tk_counter(&t.m, "costops"), 0);
    /* in the warm-up, only at start: the second vCPU waits (runnable, a
     * real laggard) for its first turn before it halts, 1 ms of co-stop */
    for (int v = 0; v < 2; v++) {
        assert_false(d->vcpus[v].parked);
        assert_true(d->vcpus[v].parked_ns <= VL_MS(2));
    }
    assert_true(tk_counter(&t.m, "skew_checks") > 2000);
    tk_close(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_skew_bounded),
        cmocka_unit_test(test_idle_sibling_no_costop),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
