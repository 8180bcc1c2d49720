/* test_fairness.c - Jain's fairness index of the VMs' CPU allocation
 * (report/entitlement.c): the formula on known inputs; the baseline
 * scenario near 1 under a weight-proportional policy (cfs) and clearly
 * lower under fifo, which ignores weights and starves the interactive VM;
 * the host VM and VMs entitled to nothing left out; the JSON field and the
 * metrics, and nothing with fewer than two VMs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "testkit.h"
#include "vl_json.h"

static void test_jain_formula(void **state)
{
    (void)state;
    const double equal[] = {0.7, 0.7, 0.7, 0.7};
    assert_float_equal(vl_jain_index(equal, 4), 1.0, 1e-12);
    const double one[] = {1, 0, 0, 0};
    assert_float_equal(vl_jain_index(one, 4), 0.25, 1e-12);
    /* (1 + 3)^2 / (2 (1 + 9)) = 0.8, whatever the scale */
    const double two[] = {1, 3}, two_scaled[] = {0.25, 0.75};
    assert_float_equal(vl_jain_index(two, 2), 0.8, 1e-12);
    assert_float_equal(vl_jain_index(two_scaled, 2), 0.8, 1e-12);
    /* (2 + 1 + 1)^2 / (3 (4 + 1 + 1)) = 16/18 */
    const double three[] = {2, 1, 1};
    assert_float_equal(vl_jain_index(three, 3), 16.0 / 18.0, 1e-12);
    const double zero[] = {0, 0};
    assert_float_equal(vl_jain_index(zero, 2), 1.0, 1e-12);
}

/* scenarios/baseline.yaml, shorter. */
static const char baseline_yaml[] =
    "host: {pcpus: 4}\n"
    "vms:\n"
    "  - {name: batch1, vcpus: 4, weight: 256, workloads: [{type: cpu, tasks: 4}]}\n"
    "  - {name: batch2, vcpus: 4, weight: 512, workloads: [{type: cpu, tasks: 4}]}\n"
    "  - name: web\n"
    "    vcpus: 2\n"
    "    weight: 256\n"
    "    workloads:\n"
    "      - {type: think, tasks: 4, burst: {dist: exponential, mean: 500us},\n"
    "         think: {dist: exponential, mean: 20ms}}\n"
    "run: {duration: 2s, warmup: 500ms, seed: 1}\n";

static void fairness_of(const char *policy, const char *yaml, int *n, double *jain, double *min,
                        int *worst)
{
    tk_sim t;
    tk_open(&t, policy, yaml);
    tk_go(&t.m);
    *n = vl_fairness(&t.m, jain, min, worst);
    tk_close(&t);
}

static void test_baseline_fair_and_unfair(void **state)
{
    (void)state;
    int n, worst;
    double jain, min;
    fairness_of("cfs", baseline_yaml, &n, &jain, &min, &worst);
    print_message("cfs: %d VMs, J %.4f, min %.4f (vm %d)\n", n, jain, min, worst);
    assert_int_equal(n, 3);
    assert_true(jain > 0.99 && jain <= 1.0);
    assert_true(min > 0.95);
    /* fifo: batch1 and batch2 split the host 1:1 against weights 1:2 and
     * web waits behind them, far below its entitlement. */
    fairness_of("fifo", baseline_yaml, &n, &jain, &min, &worst);
    print_message("fifo: %d VMs, J %.4f, min %.4f (vm %d)\n", n, jain, min, worst);
    assert_int_equal(n, 3);
    assert_true(jain < 0.8 && jain >= 1.0 / 3);
    assert_true(min < 0.2);
    assert_int_equal(worst, 2);
}

/* A VM whose vCPUs never want a CPU (no workload) is entitled to nothing
 * and left out; so is the host VM of the I/O backends. */
static void test_left_out(void **state)
{
    (void)state;
    int n, worst = -1;
    double jain = -1, min = -1;
    fairness_of("cfs",
                "host: {pcpus: 2}\n"
                "vms:\n"
                "  - {name: a, vcpus: 2, workloads: [{type: cpu, tasks: 2}]}\n"
                "  - {name: idle, vcpus: 2}\n"
                "  - {name: b, vcpus: 2, workloads: [{type: cpu, tasks: 2}]}\n"
                "run: {duration: 500ms, warmup: 100ms}\n",
                &n, &jain, &min, &worst);
    assert_int_equal(n, 2);
    assert_true(jain > 0.99);
    assert_true(worst == 0 || worst == 2);
    tk_sim t;
    tk_open(&t, "credit",
            "host: {pcpus: 2}\n"
            "vms:\n"
            "  - {name: n, vcpus: 2, workloads: [{type: iperf}, {type: cpu}]}\n"
            "  - {name: b, vcpus: 2, workloads: [{type: cpu, tasks: 2}]}\n"
            "run: {duration: 500ms, warmup: 100ms}\n");
    tk_go(&t.m);
    assert_int_equal(t.m.hv.nvms, 3);
    assert_true(t.m.hv.vms[2].host);
    double owed[3];
    assert_int_equal(vl_entitled_shares(&t.m, owed), 0);
    assert_true(owed[2] > 0);
    assert_int_equal(vl_fairness(&t.m, &jain, &min, &worst), 2);
    assert_true(worst == 0 || worst == 1);
    tk_close(&t);
}

/* One VM: nothing to compare; the outputs are left as they were, the JSON
 * has "fairness": null and the metrics no fairness.* entry.  Two: the JSON
 * object and the metrics agree with vl_fairness. */
static void test_reports(void **state)
{
    (void)state;
    tk_sim t;
    tk_open(&t, "cfs",
            "host: {pcpus: 2}\n"
            "vms:\n"
            "  - {name: n, vcpus: 2, workloads: [{type: iperf}, {type: cpu}]}\n"
            "run: {duration: 300ms, warmup: 100ms}\n");
    tk_go(&t.m);
    double jain = -1, min = -1;
    int worst = -1;
    assert_int_equal(vl_fairness(&t.m, &jain, &min, &worst), 1);
    assert_true(jain == -1 && min == -1 && worst == -1);
    size_t len;
    char *js = tk_json(&t.m, &len);
    assert_non_null(strstr(js, "\"fairness\": null"));
    free(js);
    vl_metrics ms = {0};
    assert_int_equal(vl_metrics_collect(&t.m, &ms), 0);
    assert_null(vl_metrics_find(&ms, "fairness.jain"));
    assert_null(vl_metrics_find(&ms, "fairness.min_entitled_fraction"));
    vl_metrics_free(&ms);
    tk_close(&t);

    tk_open(&t, "fifo", baseline_yaml);
    tk_go(&t.m);
    assert_int_equal(vl_fairness(&t.m, &jain, &min, &worst), 3);
    assert_int_equal(vl_metrics_collect(&t.m, &ms), 0);
    const vl_metric *mj = vl_metrics_find(&ms, "fairness.jain");
    const vl_metric *mm = vl_metrics_find(&ms, "fairness.min_entitled_fraction");
    assert_non_null(mj);
    assert_non_null(mm);
    assert_float_equal(mj->value, jain, 1e-12);
    assert_float_equal(mm->value, min, 1e-12);
    vl_metrics_free(&ms);
    js = tk_json(&t.m, &len);
    char want[200], fj[32], fm[32];
    vl_fmt_double(fj, sizeof fj, jain);
    vl_fmt_double(fm, sizeof fm, min);
    snprintf(want, sizeof want,
             "\"fairness\": {\n    \"vms\": 3,\n    \"jain\": %s,\n"
             "    \"min_entitled_fraction\": %s,\n    \"min_vm\": \"web\"\n  }",
             fj, fm);
    if (!strstr(js, want))
        fail_msg("JSON lacks\n%s", want);
    free(js);
    tk_close(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_jain_formula),
        cmocka_unit_test(test_baseline_fair_and_unfair),
        cmocka_unit_test(test_left_out),
        cmocka_unit_test(test_reports),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
