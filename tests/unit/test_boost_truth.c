/* test_boost_truth.c - scoring a policy's guessed boosts (hv/boost_truth.h):
 * a boost is a hit when a task its workload declares I/O-bound (the type's
 * default or `io_bound:`) started running on the vCPU during it.  The
 * marker policy is fifo that notes a boost from each wake-up of a vCPU to
 * its next halt, so which boosts hit is known from the workloads alone. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hv/boost_truth.h"
#include "testkit.h"

static const vl_sched_ops *fifo;
static vl_sched_ops marker_ops;

static void marker_wake(vl_sched *s, vl_vcpu *v, vl_wake_reason why, int vector)
{
    vl_vcpu_note_boost(v, true);
    vl_vcpu_note_boost(v, true); /* a repeated begin is ignored */
    fifo->vcpu_wake(s, v, why, vector);
}

static void marker_block(vl_sched *s, vl_vcpu *v, vl_block_reason why)
{
    vl_vcpu_note_boost(v, false);
    if (fifo->vcpu_block)
        fifo->vcpu_block(s, v, why);
}

/* Runs `yaml` (loaded with fifo) under `ops` with seed 1. */
static void run(vl_model *m, vl_scenario *scn, const vl_sched_ops *ops, const char *yaml)
{
    vl_error err;
    fifo = vl_policy_find("fifo");
    marker_ops = *fifo;
    marker_ops.name = "marker";
    marker_ops.vcpu_wake = marker_wake;
    marker_ops.vcpu_block = marker_block;
    tk_load(scn, yaml);
    assert_int_equal(vl_model_create(m, scn, ops ? ops : &marker_ops, 1, 0, NULL, &err), 0);
    tk_go(m);
}

static vl_boost_stats truth(const vl_model *m, int d)
{
    vl_boost_stats st = vl_boost_truth_vm(&m->hv.vms[d], m->hv.sim.now);
    print_message("%s: %llu boosts, %llu hits, %.3f ms boosted\n", m->hv.vms[d].name,
                  (unsigned long long)st.boosts, (unsigned long long)st.hits,
                  (double)st.boosted_ns / 1e6);
    return st;
}

#define GREP_ALONE(flag)                                                                  \
    "scheduler: fifo\n"                                                                   \
    "host: {pcpus: 1}\n"                                                                  \
    "run: {duration: 300ms, warmup: 50ms}\n"                                              \
    "vms: [{name: io, vcpus: 1, workloads: [{type: grep" flag "}]}]\n"

/* grep alone: the vCPU halts while grep waits for the disk and wakes for
 * the completion, after which grep runs: every boost hits - unless the
 * scenario says grep is not I/O-bound, and then none does. */
static void test_wake_boosts_of_grep_hit_unless_declared_cpu_bound(void **state)
{
    (void)state;
    vl_model m;
    vl_scenario scn;
    run(&m, &scn, NULL, GREP_ALONE(""));
    vl_boost_stats io = truth(&m, 0);
    assert_true(io.boosts > 50);
    assert_int_equal(io.hits, io.boosts);
    assert_true(io.boosted_ns > 0);
    size_t len;
    char *json = tk_json(&m, &len);
    assert_non_null(strstr(json, "\"boost_truth\""));
    assert_non_null(strstr(json, "\"pbhr\": 1"));
    free(json);
    vl_model_destroy(&m);
    vl_scenario_free(&scn);

    run(&m, &scn, NULL, GREP_ALONE(", io_bound: false"));
    vl_boost_stats cpu = truth(&m, 0);
    assert_int_equal(cpu.boosts, io.boosts); /* the same run */
    assert_int_equal(cpu.hits, 0);
    vl_model_destroy(&m);
    vl_scenario_free(&scn);
}

/* Two hogs on one pCPU never halt: each VM's one boost, from its start,
 * is still open at the end and scored then.  A hog resumed by its vCPU's
 * entry into guest mode counts as starting: `io_bound: true` makes it a
 * hit; cpu's default (not I/O-bound) a miss. */
static void test_open_boost_of_resumed_task_is_scored_at_the_end(void **state)
{
    (void)state;
    vl_model m;
    vl_scenario scn;
    run(&m, &scn, NULL,
        "scheduler: fifo\n"
        "host: {pcpus: 1}\n"
        "run: {duration: 200ms, warmup: 50ms}\n"
        "vms: [{name: a, vcpus: 1, workloads: [{type: cpu, io_bound: true}]},\n"
        "      {name: b, vcpus: 1, workloads: [{type: cpu}]}]\n");
    vl_boost_stats a = truth(&m, 0), b = truth(&m, 1);
    assert_int_equal(a.boosts, 1);
    assert_int_equal(a.hits, 1);
    assert_int_equal(b.boosts, 1);
    assert_int_equal(b.hits, 0);
    /* running time since the start: about half the run each */
    assert_true(a.boosted_ns > VL_MS(80) && a.boosted_ns < VL_MS(120));
    vl_model_destroy(&m);
    vl_scenario_free(&scn);
}

/* Noting boosts changes nothing in the run: the event digest is fifo's. */
static void test_noting_boosts_leaves_the_run_unchanged(void **state)
{
    (void)state;
    vl_model m;
    vl_scenario scn;
    run(&m, &scn, NULL, GREP_ALONE(""));
    uint64_t marked = m.hv.sim.digest, events = m.hv.sim.events;
    vl_model_destroy(&m);
    vl_scenario_free(&scn);
    run(&m, &scn, vl_policy_find("fifo"), GREP_ALONE(""));
    assert_int_equal(m.hv.sim.digest, marked);
    assert_int_equal(m.hv.sim.events, events);
    assert_false(vl_boost_noted(&m.hv)); /* and fifo's report has no boost_truth */
    size_t len;
    char *json = tk_json(&m, &len);
    assert_null(strstr(json, "\"boost_truth\""));
    free(json);
    vl_model_destroy(&m);
    vl_scenario_free(&scn);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_wake_boosts_of_grep_hit_unless_declared_cpu_bound),
        cmocka_unit_test(test_open_boost_of_resumed_task_is_scored_at_the_end),
        cmocka_unit_test(test_noting_boosts_leaves_the_run_unchanged),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
