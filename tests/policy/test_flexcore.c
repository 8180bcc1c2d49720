/* test_flexcore.c - the `flexcore` policy (src/sched/flexcore*.c): its
 * balloon controller on its own (given demands, weights and online
 * counts, the targets; the hysteresis band), and whole runs: consolidated
 * VMs balloon down to their share of the pCPUs and back when a co-runner
 * idles, vCPU 0 stays online, the static VCPU-Bal mode sets its counts at
 * start and keeps them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "guest/tlb.h"
#include "sched/flexcore.h"
#include "testkit.h"

static const fc_ctl_params ctl = {.grow_util = 0.9, .shrink_util = 0.7};

/* Links vms[0 .. n-1] into the controller's list and runs it. */
static void targets(fc_vm_obs *vms, int n, int npcpus)
{
    for (int i = 0; i < n; i++)
        vms[i].next = i + 1 < n ? &vms[i + 1] : NULL;
    fc_ctl_targets(vms, npcpus, &ctl);
}

static fc_vm_obs vm(int64_t weight, int nvcpus, int online, double demand)
{
    return (fc_vm_obs){.weight = weight, .nvcpus = nvcpus, .online = online, .demand = demand};
}

/* Saturated VMs divide the pCPUs by weight: two 12-vCPU VMs on 12 pCPUs
 * get 6 each, three get 4 each (every online vCPU backed by a pCPU). */
static void test_saturated_vms_split_the_pcpus(void **state)
{
    (void)state;
    fc_vm_obs two[2] = {vm(1024, 12, 12, 12), vm(1024, 12, 12, 12)};
    targets(two, 2, 12);
    assert_int_equal(two[0].target, 6);
    assert_int_equal(two[1].target, 6);
    fc_vm_obs three[3] = {vm(1024, 12, 12, 12), vm(1024, 12, 12, 12), vm(1024, 12, 12, 12)};
    targets(three, 3, 12);
    for (int i = 0; i < 3; i++)
        assert_int_equal(three[i].target, 4);
    /* a saturated VM at its share wants back every vCPU it has */
    fc_vm_obs again[2] = {vm(1024, 12, 6, 6), vm(1024, 12, 6, 6)};
    targets(again, 2, 12);
    assert_int_equal(again[0].want, 12);
    assert_int_equal(again[0].target, 6);
}

/* Weights 1:2 on 4 pCPUs: shares 4/3 and 8/3, rounded up to 2 and 3 (CFS's
 * group weights hold the fractions). */
static void test_weights_and_rounding(void **state)
{
    (void)state;
    fc_vm_obs v[2] = {vm(1024, 4, 4, 4), vm(2048, 4, 4, 4)};
    targets(v, 2, 4);
    assert_true(v[0].share > 1.33 && v[0].share < 1.34);
    assert_int_equal(v[0].target, 2);
    assert_int_equal(v[1].target, 3);
}

/* What an idle VM does not need goes to the others: beside a co-runner
 * busy one vCPU's worth, a saturated VM grows to 11 of 12 pCPUs; the
 * co-runner keeps two vCPUs (1 / 0.9 rounded up). */
static void test_idle_share_goes_to_the_busy(void **state)
{
    (void)state;
    fc_vm_obs v[2] = {vm(1024, 12, 6, 6), vm(1024, 12, 6, 1.0)};
    targets(v, 2, 12);
    assert_int_equal(v[1].want, 2);
    assert_int_equal(v[1].target, 2);
    assert_int_equal(v[0].target, 11);
    /* a VM that is idle altogether keeps one (halted) vCPU, never none,
     * and needs no pCPU: the busy one may have all twelve */
    fc_vm_obs w[2] = {vm(1024, 12, 6, 6), vm(1024, 12, 6, 0)};
    targets(w, 2, 12);
    assert_int_equal(w[1].target, 1);
    assert_int_equal(w[0].target, 12);
}

/* The hysteresis band: with 4 online, demand above 0.7 x 3 and below
 * 0.9 x 4 keeps 4; below it shrinks to ceil(demand / 0.9); at 0.9 x 4 it
 * is saturated and wants all 8. */
static void test_hysteresis_band(void **state)
{
    (void)state;
    static const struct {
        double demand;
        int want;
    } cases[] = {{3.5, 4}, {2.2, 4}, {2.0, 3}, {1.0, 2}, {0.05, 1}, {3.6, 8}, {4.0, 8}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        fc_vm_obs v[1] = {vm(1024, 8, 4, cases[i].demand)};
        targets(v, 1, 16); /* no contention: the target is the want */
        if (v[0].want != cases[i].want || v[0].target != cases[i].want)
            fail_msg("demand %.2f on 4 online: want %d target %d, expected %d", cases[i].demand,
                     v[0].want, v[0].target, cases[i].want);
    }
    /* after shrinking to ceil(demand / grow_util), the band holds it there */
    fc_vm_obs v[1] = {vm(1024, 8, 3, 2.0)};
    targets(v, 1, 16);
    assert_int_equal(v[0].target, 3);
}

/* ------------------------------------------------------------ whole runs */

static int online(const tk_sim *t, int d)
{
    return t->m.hv.vms[d].online;
}

/* Two 12-vCPU VMs of 12 hogs on 12 pCPUs (2:1): each ends with 6 online,
 * vCPU 0 of each among them; the ballooned vCPUs are OFFLINE. */
static void test_consolidated_vms_balloon_to_their_share(void **state)
{
    (void)state;
    tk_sim t;
    tk_open(&t, "flexcore",
            "host: {pcpus: 12}\n"
            "vms:\n"
            "  - {name: a, vcpus: 12, workloads: [{type: cpu, tasks: 12}]}\n"
            "  - {name: b, vcpus: 12, workloads: [{type: cpu, tasks: 12}]}\n"
            "run: {duration: 2s, warmup: 1s}\n");
    tk_go(&t.m);
    for (int d = 0; d < 2; d++) {
        assert_int_equal(online(&t, d), 6);
        const vl_vm *vm = &t.m.hv.vms[d];
        assert_int_not_equal(vm->vcpus[0].state, VL_OFFLINE);
        int offline = 0;
        for (int j = 0; j < vm->nvcpus; j++)
            offline += vm->vcpus[j].state == VL_OFFLINE;
        assert_int_equal(offline, 6);
    }
    /* each VM still gets half the host */
    vl_ns window = vl_model_window(&t.m);
    for (int d = 0; d < 2; d++)
        assert_true(tk_vm_cpu(&t.m, d) > window * 12 / 2 * 95 / 100);
    tk_close(&t);
}

/* Beside a co-runner that mostly sleeps, a busy VM keeps (nearly) all its
 * vCPUs and the co-runner shrinks. */
static void test_idle_corunner_gives_back(void **state)
{
    (void)state;
    tk_sim t;
    tk_open(&t, "flexcore",
            "host: {pcpus: 12}\n"
            "vms:\n"
            "  - {name: app, vcpus: 12, workloads: [{type: cpu, tasks: 12}]}\n"
            "  - name: idle\n"
            "    vcpus: 12\n"
            "    workloads:\n"
            "      - {type: think, tasks: 2, burst: 200us, think: 20ms}\n"
            "run: {duration: 2s, warmup: 1s}\n");
    tk_go(&t.m);
    assert_true(online(&t, 0) >= 11);
    assert_true(online(&t, 1) <= 2);
    tk_close(&t);
}

/* balloon: static (VCPU-Bal): counts from the shares (1:2 on 12 pCPUs: 4
 * and 8) or from online_vcpus, set at start and never changed, even when
 * the VMs' demand would move them. */
static void test_static_counts(void **state)
{
    (void)state;
    tk_sim t;
    tk_open(&t, "flexcore",
            "host: {pcpus: 12}\n"
            "params: {flexcore: {balloon: static}}\n"
            "vms:\n"
            "  - {name: a, vcpus: 12, workloads: [{type: cpu, tasks: 12}]}\n"
            "  - {name: b, vcpus: 12, weight: 512, workloads: [{type: cpu, tasks: 1}]}\n"
            "  - {name: c, vcpus: 8, params: {flexcore: {online_vcpus: 3}},\n"
            "     workloads: [{type: cpu, tasks: 8}]}\n"
            "run: {duration: 1s, warmup: 100ms}\n");
    tk_go(&t.m);
    /* shares 1024 : 2048 : 1024 of 12 pCPUs: 3, 6, 3 */
    assert_int_equal(online(&t, 0), 3);
    assert_int_equal(online(&t, 1), 6);
    assert_int_equal(online(&t, 2), 3);
    assert_int_equal(tk_counter(&t.m, "balloon_offline"), 0); /* all at start */
    tk_close(&t);
}

/* Nothing is lost while vCPUs come and go: a VM whose tasks shoot down
 * TLB entries, beside a co-runner whose load comes and goes, is ballooned
 * down and up many times; every shootdown is answered (call-function
 * requests queued on a vCPU on its way out are served by it before it
 * stops, smpcfd_dying_cpu) and every task keeps working. */
static void test_shootdowns_survive_ballooning(void **state)
{
    (void)state;
    tk_sim t;
    tk_open(&t, "flexcore",
            "host: {pcpus: 4}\n"
            "params: {flexcore: {period: 5ms, min_interval: 0}}\n"
            "vms:\n"
            "  - {name: shoot, vcpus: 4, workloads: [{type: munmap, tasks: 4, work: 300us}]}\n"
            "  - name: waves\n"
            "    vcpus: 4\n"
            "    workloads:\n"
            "      - {type: cpu, tasks: 4, util: 0.5, period: 40ms}\n"
            "run: {duration: 2s, warmup: 100ms}\n");
    tk_go(&t.m);
    assert_true(tk_counter(&t.m, "balloon_offline") > 20);
    assert_true(tk_counter(&t.m, "balloon_online") > 20);
    const vl_gtlb *tlb = vl_tlb_of(t.m.guests[0]);
    assert_true(tlb->shootdowns > 1000);
    /* answered (latency recorded) = started, but for those in flight at the end */
    assert_true(tlb->shootdowns - tlb->latency.count <= 4);
    for (int w = 0; w < t.m.nworkloads; w++)
        assert_true(t.m.workloads[w].stats.work_ns > 0);
    tk_close(&t);
}

/* shrink_util must lie below grow_util: the loader refuses the scenario. */
static void test_band_is_checked(void **state)
{
    (void)state;
    vl_scenario scn;
    vl_error err;
    static const char text[] = "scheduler: flexcore\n"
                               "host: {pcpus: 2}\n"
                               "params: {flexcore: {grow_util: 0.5, shrink_util: 0.6}}\n"
                               "vms: [{name: a, vcpus: 2}]\n"
                               "run: {duration: 1s}\n";
    assert_true(vl_scenario_load_string("band.yaml", text, strlen(text), NULL, 0, &scn, &err) < 0);
    assert_non_null(strstr(err.msg, "shrink_util"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_saturated_vms_split_the_pcpus),
        cmocka_unit_test(test_weights_and_rounding),
        cmocka_unit_test(test_idle_share_goes_to_the_busy),
        cmocka_unit_test(test_hysteresis_band),
        cmocka_unit_test(test_consolidated_vms_balloon_to_their_share),
        cmocka_unit_test(test_idle_corunner_gives_back),
        cmocka_unit_test(test_static_counts),
        cmocka_unit_test(test_shootdowns_survive_ballooning),
        cmocka_unit_test(test_band_is_checked),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
