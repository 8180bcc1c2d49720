/* test_tavs.c - task-aware VM scheduling (docs/policies/tavs.md):
 *   - the belief path: hand-made CR3 / event / halt sequences fed to the
 *     task inference (sched/tavs_track.c) move each task's belief as the
 *     rules say: short runs right after an event up, long runs down (more),
 *     other runs not at all, clamped; a wake-up's run ended by a CR3 load
 *     leaves the event to the next run; a full table evicts the task with
 *     the oldest I/O;
 *   - the worst case: a request/response server beside a CPU task in one
 *     of six 1-vCPU VMs on one pCPU answers far sooner under tavs than
 *     under credit (its vCPU is never halted, so Credit never boosts it),
 *     every boost is revoked when the guest goes back to the CPU task, every
 *     one ran the server (the ground truth, hv/boost_truth.h), and the VMs'
 *     CPU shares stay fair;
 *   - correlation: with the portmap off (none) every receive interrupt
 *     boosts; with it on the CPU task's port-less events do not;
 *   - the belief series (vl_sched_series): in the worst case every value
 *     the policy reports is a step of pos_weight up or neg_weight down
 *     (or a clamp), the server's ends above the threshold and the CPU
 *     task's at the floor; observing them leaves the run's events
 *     unchanged (the same digest). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "hv/boost_truth.h"
#include "report/series.h"
#include "sched/tavs_track.h"
#include "testkit.h"

static const tavs_belief_params bp = {
    .io_threshold = VL_US(500), .pos_weight = 10, .neg_weight = 20, .bel_threshold = 30,
    .bel_min = -100, .bel_max = 300, .task_slots = 32,
};

enum { A = 0x100001000, B = 0x100002000, C = 0x100003000 };

/* The CR3 switch to `to` at the vCPU's running time cpu, ending the run
 * before it; returns that run's evidence. */
static tavs_evidence load(tavs_table *tb, tavs_track *tr, uint64_t to, vl_ns cpu)
{
    tavs_evidence ev = tavs_run_end(&bp, tb, tr, false, cpu, cpu, NULL);
    bool evicted;
    tavs_task_get(&bp, tb, to, cpu, &evicted);
    tavs_track_cr3(tr, to, cpu);
    return ev;
}

static int64_t belief(tavs_table *tb, uint64_t cr3) { return tavs_task_find(&bp, tb, cr3)->belief; }

static void test_belief_path(void **state)
{
    (void)state;
    tavs_table tb = {0};
    tavs_track tr = {0};
    vl_ns cpu = 0;
    assert_int_equal(load(&tb, &tr, B, cpu), TAVS_EV_NONE);
    /* the server A answers 4 events in 100 us each, B computes 5 ms between */
    const int64_t a_path[] = {10, 20, 30, 40};
    const int64_t b_path[] = {-20, -40, -60, -80};
    for (int i = 0; i < 4; i++) {
        cpu += VL_MS(5);
        tavs_track_event(&tr);
        assert_int_equal(load(&tb, &tr, A, cpu), TAVS_EV_NEGATIVE); /* B ran 5 ms */
        cpu += VL_US(100);
        assert_int_equal(load(&tb, &tr, B, cpu), TAVS_EV_POSITIVE); /* A: first, short */
        assert_int_equal(belief(&tb, A), a_path[i]);
        assert_int_equal(belief(&tb, B), b_path[i]);
        /* believed I/O-bound only above the threshold (30) */
        assert_int_equal(tavs_believed(&bp, tavs_task_find(&bp, &tb, A)), a_path[i] > 30);
    }
    /* B keeps computing: clamped at bel_min */
    for (int i = 0; i < 3; i++) {
        cpu += VL_MS(5);
        load(&tb, &tr, B, cpu);
    }
    assert_int_equal(belief(&tb, B), -100);
    /* A runs short but not after an event: ambiguous, no change */
    load(&tb, &tr, A, cpu);
    cpu += VL_US(50);
    assert_int_equal(load(&tb, &tr, B, cpu), TAVS_EV_AMBIGUOUS);
    assert_int_equal(belief(&tb, A), 40);
    /* A scheduled after an event but running 600 us: negative */
    tavs_track_event(&tr);
    load(&tb, &tr, A, cpu);
    cpu += VL_US(600);
    assert_int_equal(load(&tb, &tr, B, cpu), TAVS_EV_NEGATIVE);
    assert_int_equal(belief(&tb, A), 20);
    /* halt and wake in A's address space (the idle loop keeps it): the
     * resumed A takes the event if it halts again soon */
    load(&tb, &tr, A, cpu);
    cpu += VL_US(30);
    assert_int_equal(tavs_run_end(&bp, &tb, &tr, true, cpu, cpu, NULL), TAVS_EV_AMBIGUOUS);
    tavs_track_event(&tr);
    tavs_track_wake(&tr, cpu);
    cpu += VL_US(80);
    assert_int_equal(tavs_run_end(&bp, &tb, &tr, true, cpu, cpu, NULL), TAVS_EV_POSITIVE);
    assert_int_equal(belief(&tb, A), 30);
    /* a wake-up's run ended by a CR3 load (the handler, then the woken
     * task): no evidence, and the event goes to the next run, C's */
    tavs_track_event(&tr);
    tavs_track_wake(&tr, cpu);
    cpu += VL_US(5);
    assert_int_equal(load(&tb, &tr, C, cpu), TAVS_EV_AMBIGUOUS);
    assert_int_equal(belief(&tb, A), 30);
    cpu += VL_US(100);
    assert_int_equal(load(&tb, &tr, B, cpu), TAVS_EV_POSITIVE);
    assert_int_equal(belief(&tb, C), 10);
    /* the recent CR3s, newest first */
    assert_true(tr.recent[0] == B && tr.recent[1] == C && tr.recent[2] == A);
    /* clamped at bel_max */
    for (int i = 0; i < 40; i++) {
        tavs_track_event(&tr);
        load(&tb, &tr, A, cpu);
        cpu += VL_US(10);
        load(&tb, &tr, B, cpu);
    }
    assert_int_equal(belief(&tb, A), 300);
}

static void test_eviction(void **state)
{
    (void)state;
    tavs_belief_params small = bp;
    small.task_slots = 2;
    tavs_table tb = {0};
    bool evicted;
    tavs_task_get(&small, &tb, A, 10, &evicted)->last_io = 500;
    tavs_task_get(&small, &tb, B, 20, &evicted);
    assert_false(evicted);
    tavs_task_get(&small, &tb, C, 30, &evicted); /* B's last I/O (20) is the oldest */
    assert_true(evicted);
    assert_non_null(tavs_task_find(&small, &tb, A));
    assert_null(tavs_task_find(&small, &tb, B));
    assert_int_equal(tavs_task_find(&small, &tb, C)->belief, 0);
}

/* Experiment (a) of docs/experiments.md, shorter. */
static const char worst_yaml[] =
    "host: {pcpus: 1, cr3_exiting: true}\n"
    "params: {credit: {xen: \"3.2\"}, tavs: {portmap: %s}}\n"
    "vms:\n"
    "  - name: srv\n"
    "    vcpus: 1\n"
    "    workloads:\n"
    "      - {type: rr, clients: 4, work: 50us, think: {dist: uniform, min: 100ms, max: 1000ms}}\n"
    "      - {type: cpu}\n"
    "  - {name: c1, vcpus: 1, workloads: [{type: cpu}]}\n"
    "  - {name: c2, vcpus: 1, workloads: [{type: cpu}]}\n"
    "  - {name: c3, vcpus: 1, workloads: [{type: cpu}]}\n"
    "  - {name: c4, vcpus: 1, workloads: [{type: cpu}]}\n"
    "  - {name: c5, vcpus: 1, workloads: [{type: cpu}]}\n"
    "run: {duration: 6s, warmup: 1s}\n";

static double worst_response_ms(const char *policy, const char *portmap, tk_sim *t)
{
    char yaml[1024];
    snprintf(yaml, sizeof yaml, worst_yaml, portmap);
    tk_open(t, policy, yaml);
    tk_go(&t->m);
    return vl_hist_mean(&t->m.workloads[0].stats.response) / 1e6;
}

static void test_worst_case(void **state)
{
    (void)state;
    tk_sim t;
    double credit = worst_response_ms("credit", "2", &t);
    tk_close(&t);
    double tavs = worst_response_ms("tavs", "2", &t);
    int64_t boosts = tk_counter(&t.m, "partial_boosts");
    int64_t revoked = tk_counter(&t.m, "revocations") + tk_counter(&t.m, "boost_ends");
    vl_ns srv = tk_vm_cpu(&t.m, 0), other = tk_vm_cpu(&t.m, 1);
    print_message("response: credit %.2f ms, tavs %.3f ms; partial boosts %lld, ended %lld; "
                  "CPU srv %.0f ms, c1 %.0f ms\n",
                  credit, tavs, (long long)boosts, (long long)revoked, srv / 1e6, other / 1e6);
    assert_true(credit > 10.0);   /* behind five 30 ms slices' worth of CPU VMs */
    assert_true(tavs < credit / 5); /* the first answers come before the belief */
    assert_true(boosts > 10);
    assert_true(revoked >= boosts - 1); /* at most the last one still running */
    assert_true(srv > other * 9 / 10 && srv < other * 11 / 10);
    /* the ground truth: each boost ran the server (rr: I/O-bound) */
    vl_boost_stats truth = vl_boost_truth_vm(&t.m.hv.vms[0], t.m.hv.sim.now);
    print_message("truth: %llu boosts, %llu hits\n", (unsigned long long)truth.boosts,
                  (unsigned long long)truth.hits);
    assert_true(truth.boosts + 1 >= (uint64_t)boosts && truth.boosts <= (uint64_t)boosts + 1);
    assert_int_equal(truth.hits, truth.boosts);
    assert_int_equal(vl_boost_truth_vm(&t.m.hv.vms[1], t.m.hv.sim.now).boosts, 0);
    tk_close(&t);
}

static void test_no_portmap_boosts_every_interrupt(void **state)
{
    (void)state;
    tk_sim t;
    worst_response_ms("tavs", "none", &t);
    assert_int_equal(tk_counter(&t.m, "rx_predicted"), tk_counter(&t.m, "rx_irqs"));
    tk_close(&t);
}

/* The belief series of VM srv, per address space. */
#define SERIES_CR3S 8
typedef struct belief_log {
    const vl_model *m;
    uint64_t cr3[SERIES_CR3S];
    int64_t last[SERIES_CR3S];
    int ncr3, values, bad_steps;
    vl_ns last_at;
    bool other; /* a series not named "belief", or of another VM, or out of order */
} belief_log;

static void log_series(void *ctx, const vl_vm *vm, const char *name, uint64_t cr3, double value,
                       vl_ns now)
{
    belief_log *lg = ctx;
    int i = 0;
    lg->other |= vm->id != 0 || strcmp(name, "belief") != 0 || now < lg->last_at || !cr3;
    lg->last_at = now;
    while (i < lg->ncr3 && lg->cr3[i] != cr3)
        i++;
    if (i == SERIES_CR3S)
        return;
    int64_t was = i < lg->ncr3 ? lg->last[i] : 0, v = (int64_t)value;
    if (i == lg->ncr3)
        lg->cr3[lg->ncr3++] = cr3;
    /* one run's evidence: +pos_weight, -neg_weight, or up to a bound */
    bool step = v == was + 10 || v == was - 20 || (v == 300 && v > was) || (v == -100 && v < was);
    lg->bad_steps += !step;
    lg->last[i] = v;
    lg->values++;
}

static int64_t belief_of(const belief_log *lg, const char *workload)
{
    for (int i = 0; i < lg->ncr3; i++) {
        char task[64];
        vl_series_subject(lg->m, 0, lg->cr3[i], task, sizeof task);
        if (!strcmp(task, workload))
            return lg->last[i];
    }
    fail_msg("no belief series for %s", workload);
    return 0;
}

static void test_belief_series(void **state)
{
    (void)state;
    tk_sim t;
    worst_response_ms("tavs", "2", &t);
    uint64_t unobserved = t.m.hv.sim.digest;
    tk_close(&t);
    char yaml[1024];
    snprintf(yaml, sizeof yaml, worst_yaml, "2");
    tk_open(&t, "tavs", yaml);
    belief_log lg = {.m = &t.m};
    t.m.hv.observer = (vl_hv_observer){.ctx = &lg, .on_series = log_series};
    tk_go(&t.m);
    print_message("%d belief values over %d tasks; rr %lld, cpu %lld\n", lg.values, lg.ncr3,
                  (long long)belief_of(&lg, "rr"), (long long)belief_of(&lg, "cpu"));
    assert_false(lg.other);
    assert_int_equal(lg.ncr3, 2); /* the server and the CPU task: srv's two processes */
    assert_int_equal(lg.bad_steps, 0);
    assert_true(lg.values > 10);
    assert_true(belief_of(&lg, "rr") > 30); /* believed I/O-bound */
    assert_int_equal(belief_of(&lg, "cpu"), -100);
    assert_int_equal(t.m.hv.sim.digest, unobserved);
    tk_close(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_belief_path),
        cmocka_unit_test(test_eviction),
        cmocka_unit_test(test_worst_case),
        cmocka_unit_test(test_no_portmap_boosts_every_interrupt),
        cmocka_unit_test(test_belief_series),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
