/* test_conformance.c - the policy-conformance suite, run against every
 * registered policy: CPU-time conservation, never one vCPU on two pCPUs,
 * no lost wake-up, no starvation, weights and caps honoured (for policies
 * that declare VL_POLICY_WEIGHTS / VL_POLICY_CAPS); and deliberately
 * broken policies are stopped by the core with a report naming the policy,
 * the hook and the simulated time. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "testkit.h"

/* Mixed load on an overcommitted host: hogs, half-busy tasks, interactive
 * tasks, an affinity-restricted VM. */
static const char mixed_yaml[] =
    "scheduler: fifo\n"
    "host: {pcpus: 4, sockets: 2}\n"
    "vms:\n"
    "  - name: hogs\n"
    "    vcpus: 4\n"
    "    workloads: [{type: cpu, tasks: 6}]\n"
    "  - name: half\n"
    "    vcpus: 3\n"
    "    weight: 512\n"
    "    workloads: [{type: cpu, tasks: 3, util: 0.5, period: 20ms}]\n"
    "  - name: inter\n"
    "    vcpus: 2\n"
    "    workloads:\n"
    "      - type: think\n"
    "        tasks: 5\n"
    "        burst: {dist: exponential, mean: 300us}\n"
    "        think: {dist: exponential, mean: 5ms}\n"
    "  - name: pinned\n"
    "    vcpus: 2\n"
    "    affinity: \"2-3\"\n"
    "    workloads: [{type: cpu, tasks: 2}]\n"
    "run: {duration: 3s, warmup: 200ms, seed: 11}\n";

/* An observer that checks, at every switch, that the incoming vCPU is not
 * current anywhere else (independently of the core's own check). */
typedef struct double_run_check {
    const vl_hv *hv;
    int violations;
} double_run_check;

static void check_switch(void *ctx, const vl_pcpu *p, const vl_vcpu *prev, const vl_vcpu *next,
                         vl_ns now)
{
    (void)prev;
    (void)now;
    double_run_check *c = ctx;
    if (!next)
        return;
    for (int i = 0; i < c->hv->npcpus; i++)
        if (&c->hv->pcpus[i] != p && c->hv->pcpus[i].curr == next)
            c->violations++;
}

static void test_conservation_and_no_double_run(void **state)
{
    (void)state;
    vl_scenario scn;
    tk_load(&scn, mixed_yaml);
    for (int k = 0; k < vl_policy_count(); k++) {
        const vl_sched_ops *ops = vl_policy_at(k);
        vl_model m;
        vl_error err;
        double_run_check chk = {0};
        vl_model_opts mo = {.fel = VL_FEL_DEFAULT};
        assert_int_equal(vl_model_create(&m, &scn, ops, 0, 0, &mo, &err), 0);
        chk.hv = &m.hv;
        m.hv.observer = (vl_hv_observer){.ctx = &chk, .on_switch = check_switch};
        if (vl_model_run(&m, &err) < 0)
            fail_msg("%s: run failed: %s", ops->name, err.msg);
        vl_ns window = vl_model_window(&m), busy = 0, ran = 0;
        for (int p = 0; p < m.hv.npcpus; p++) {
            busy += vl_model_pcpu_busy(&m, p);
            if (vl_model_pcpu_busy(&m, p) + vl_model_pcpu_idle(&m, p) != window)
                fail_msg("%s: pCPU %d busy+idle != window", ops->name, p);
        }
        for (int v = 0; v < m.hv.nvcpus; v++) {
            vl_ns total = 0;
            for (int st = 0; st < VL_NR_RUNSTATES; st++)
                total += vl_model_vcpu_time(&m, v, st);
            if (total != window)
                fail_msg("%s: vCPU %d runstate times sum to %lld, window %lld", ops->name, v,
                         (long long)total, (long long)window);
            ran += vl_model_vcpu_time(&m, v, VL_RUNNING);
        }
        if (busy != ran)
            fail_msg("%s: pCPU busy %lld != vCPU running %lld", ops->name, (long long)busy,
                     (long long)ran);
        if (chk.violations)
            fail_msg("%s: a vCPU was current on two pCPUs %d times", ops->name, chk.violations);
        /* the host is overcommitted: a work-conserving policy leaves no
         * pCPU idle for long; one that idles pCPUs on purpose (gangs) still
         * keeps most of them busy */
        double floor = ops->flags & VL_POLICY_NOT_WORK_CONSERVING ? 0.50 : 0.95;
        if ((double)busy < floor * (double)window * m.hv.npcpus)
            fail_msg("%s: host only %.1f%% busy under overcommit", ops->name,
                     100.0 * (double)busy / ((double)window * m.hv.npcpus));
        vl_model_destroy(&m);
    }
    vl_scenario_free(&scn);
}

static void test_no_lost_wakeup_no_starvation(void **state)
{
    (void)state;
    vl_scenario scn;
    tk_load(&scn, mixed_yaml);
    for (int k = 0; k < vl_policy_count(); k++) {
        const vl_sched_ops *ops = vl_policy_at(k);
        vl_model m;
        vl_error err;
        if (tk_run(&m, &scn, ops, 0, &err) < 0)
            fail_msg("%s: run failed: %s", ops->name, err.msg);
        for (int v = 0; v < m.hv.nvcpus; v++) {
            const vl_vcpu *vc = &m.hv.vcpus[v];
            if (vl_model_vcpu_time(&m, v, VL_RUNNING) <= 0)
                fail_msg("%s: %s.v%d never ran", ops->name, vc->vm->name, vc->index);
            if (vc->max_wait > VL_MS(500))
                fail_msg("%s: %s.v%d waited %lld ns while runnable", ops->name, vc->vm->name,
                         vc->index, (long long)vc->max_wait);
        }
        /* every interactive wake-up was served: bursts keep completing */
        for (int w = 0; w < m.nworkloads; w++)
            if (strcmp(m.workloads[w].type->name, "think") == 0 &&
                m.workloads[w].stats.bursts < 100)
                fail_msg("%s: interactive workload completed only %llu bursts", ops->name,
                         (unsigned long long)m.workloads[w].stats.bursts);
        vl_model_destroy(&m);
    }
    vl_scenario_free(&scn);
}

static void test_weights_honoured(void **state)
{
    (void)state;
    vl_scenario scn;
    tk_load(&scn, "scheduler: fifo\n"
    "host: {pcpus: 4}\n"
                  "vms:\n"
                  "  - {name: light, vcpus: 4, weight: 256, workloads: [{type: cpu, tasks: 4}]}\n"
                  "  - {name: heavy, vcpus: 4, weight: 512, workloads: [{type: cpu, tasks: 4}]}\n"
                  "run: {duration: 6s, warmup: 1s}\n");
    int checked = 0;
    for (int k = 0; k < vl_policy_count(); k++) {
        const vl_sched_ops *ops = vl_policy_at(k);
        if (!(ops->flags & VL_POLICY_WEIGHTS))
            continue;
        vl_model m;
        vl_error err;
        if (tk_run(&m, &scn, ops, 0, &err) < 0)
            fail_msg("%s: run failed: %s", ops->name, err.msg);
        double light = (double)tk_vm_cpu(&m, 0), heavy = (double)tk_vm_cpu(&m, 1);
        double ratio = heavy / light;
        if (ratio < 2.0 * 0.97 || ratio > 2.0 * 1.03)
            fail_msg("%s: 1:2 weights gave 1:%.3f", ops->name, ratio);
        vl_model_destroy(&m);
        checked++;
    }
    print_message("weights checked on %d policies\n", checked);
    vl_scenario_free(&scn);
}

static void test_caps_honoured(void **state)
{
    (void)state;
    vl_scenario scn;
    tk_load(&scn, "scheduler: fifo\n"
    "host: {pcpus: 2}\n"
                  "vms:\n"
                  "  - {name: capped, vcpus: 2, cap: 50, workloads: [{type: cpu, tasks: 2}]}\n"
                  "  - {name: free, vcpus: 1, workloads: [{type: cpu, tasks: 1}]}\n"
                  "run: {duration: 5s, warmup: 1s}\n");
    for (int k = 0; k < vl_policy_count(); k++) {
        const vl_sched_ops *ops = vl_policy_at(k);
        if (!(ops->flags & VL_POLICY_CAPS))
            continue;
        vl_model m;
        vl_error err;
        if (tk_run(&m, &scn, ops, 0, &err) < 0)
            fail_msg("%s: run failed: %s", ops->name, err.msg);
        double pcpus_used = (double)tk_vm_cpu(&m, 0) / (double)vl_model_window(&m);
        if (pcpus_used > 0.50 + 0.03 || pcpus_used < 0.50 - 0.03)
            fail_msg("%s: cap 50%% gave %.1f%% of a pCPU", ops->name, 100 * pcpus_used);
        vl_model_destroy(&m);
    }
    vl_scenario_free(&scn);
}

/* ------------------------------------------------------- broken policies */

/* A minimal global-FIFO policy whose do_schedule can be sabotaged. */
typedef enum { SAB_BLOCKED, SAB_DOUBLE, SAB_AFFINITY, SAB_LOSE, SAB_PICK_CPU } sabotage;

typedef struct brk_priv {
    sabotage how;
    int queue[64];
    int head, len;
} brk_priv;

static sabotage current_sabotage;

static int brk_init(vl_sched *s)
{
    ((brk_priv *)vl_sched_priv(s))->how = current_sabotage;
    return 0;
}

static void brk_push(brk_priv *b, vl_vcpu *v)
{
    b->queue[(b->head + b->len++) % 64] = vl_vcpu_id(v);
}

static vl_pcpu *brk_pick_cpu(vl_sched *s, vl_vcpu *v, vl_pick_reason why)
{
    (void)why;
    brk_priv *b = vl_sched_priv(s);
    for (int i = 0; i < vl_npcpus(s); i++)
        if (vl_vcpu_affine(v, vl_pcpu_get(s, i)) == (b->how != SAB_PICK_CPU))
            return vl_pcpu_get(s, i);
    return vl_pcpu_get(s, 0);
}

static void brk_wake(vl_sched *s, vl_vcpu *v, vl_wake_reason why, int vector)
{
    (void)why;
    (void)vector;
    brk_push(vl_sched_priv(s), v);
    for (int i = 0; i < vl_npcpus(s); i++)
        if (vl_pcpu_is_idle(vl_pcpu_get(s, i)))
            vl_tickle(vl_pcpu_get(s, i));
}

static vl_decision brk_schedule(vl_sched *s, vl_pcpu *p, vl_vcpu *prev, vl_ns now)
{
    (void)now;
    brk_priv *b = vl_sched_priv(s);
    vl_decision d = {.next = NULL, .slice = VL_MS(5)};
    switch (b->how) {
    case SAB_BLOCKED: /* runs vCPU 0 whatever its state */
        d.next = vl_vcpu_get(s, 0);
        if (prev && prev != d.next && vl_vcpu_runstate(prev) == VL_RUNNABLE)
            brk_push(b, prev);
        return d;
    case SAB_DOUBLE: /* every pCPU runs vCPU 0 */
        d.next = vl_vcpu_get(s, 0);
        return d;
    case SAB_AFFINITY: /* ignores affinity when taking from the queue */
    case SAB_LOSE:     /* forgets a preempted prev */
    case SAB_PICK_CPU:
        if (prev && vl_vcpu_runstate(prev) == VL_RUNNABLE && b->how != SAB_LOSE)
            brk_push(b, prev);
        for (int n = 0; n < b->len; n++) {
            vl_vcpu *v = vl_vcpu_get(s, b->queue[b->head]);
            b->head = (b->head + 1) % 64;
            b->len--;
            if (b->how == SAB_AFFINITY || vl_vcpu_affine(v, p)) {
                d.next = v;
                return d;
            }
            brk_push(b, v);
        }
        d.slice = VL_SLICE_NONE;
        return d;
    }
    return d;
}

static const vl_sched_ops broken_ops = {
    .name = "broken",
    .description = "sabotaged on purpose",
    .priv_size = sizeof(brk_priv),
    .init = brk_init,
    .pick_cpu = brk_pick_cpu,
    .do_schedule = brk_schedule,
    .vcpu_wake = brk_wake,
};

static void expect_caught(sabotage how, const char *yaml, const char *hook, const char *what)
{
    vl_scenario scn;
    vl_model m;
    vl_error err;
    tk_load(&scn, yaml);
    current_sabotage = how;
    assert_int_equal(tk_run(&m, &scn, &broken_ops, 0, &err), -1);
    if (!strstr(err.msg, "policy 'broken'") || !strstr(err.msg, hook) ||
        !strstr(err.msg, "at t=") || !strstr(err.msg, what))
        fail_msg("unexpected report: %s", err.msg);
    assert_true(m.hv.failed);
    vl_model_destroy(&m);
    vl_scenario_free(&scn);
}

static const char two_vms_yaml[] =
    "scheduler: fifo\n"
    "host: {pcpus: 2}\n"
    "vms:\n"
    "  - name: a\n"
    "    vcpus: 2\n"
    "    workloads: [{type: think, tasks: 2, burst: 1ms, think: 1ms}]\n"
    "  - name: b\n"
    "    vcpus: 2\n"
    "    affinity: \"1\"\n"
    "    workloads: [{type: cpu, tasks: 2}]\n"
    "run: {duration: 5s}\n";

static const char one_pcpu_yaml[] =
    "scheduler: fifo\n"
    "host: {pcpus: 1}\n"
    "vms:\n"
    "  - name: a\n"
    "    vcpus: 1\n"
    "    workloads: [{type: think, tasks: 1, burst: 1ms, think: 1ms}]\n"
    "run: {duration: 1s}\n";

static void test_broken_policies_caught(void **state)
{
    (void)state;
    expect_caught(SAB_BLOCKED, one_pcpu_yaml, "hook do_schedule", "which is blocked");
    expect_caught(SAB_DOUBLE, two_vms_yaml, "hook do_schedule", "which is running on pCPU");
    expect_caught(SAB_AFFINITY, two_vms_yaml, "hook do_schedule", "outside its affinity");
    expect_caught(SAB_PICK_CPU, two_vms_yaml, "hook pick_cpu", "outside its affinity");
    expect_caught(SAB_LOSE, two_vms_yaml, "hook watchdog", "without running");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_conservation_and_no_double_run),
        cmocka_unit_test(test_no_lost_wakeup_no_starvation),
        cmocka_unit_test(test_weights_honoured),
        cmocka_unit_test(test_caps_honoured),
        cmocka_unit_test(test_broken_policies_caught),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
