/* test_guest.c - the minimal guest and the two workload types: planned
 * segments (a lone hog costs no events), equal shares between tasks of one
 * vCPU, HLT when idle, guest time flowing while a vCPU is preempted (the
 * wake latency includes the hypervisor's delay), lookbusy-style duty
 * cycles, think-time workloads; the modules' registrations. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "guest/hotplug.h"
#include "guest/module.h"
#include "guest/program.h"
#include "testkit.h"

static void run_yaml(vl_model *m, vl_scenario *scn, const char *yaml)
{
    tk_load(scn, yaml);
    vl_error err;
    if (tk_run(m, scn, scn->sched, 0, &err) < 0)
        fail_msg("run failed: %s", err.msg);
}

static void done(vl_model *m, vl_scenario *scn)
{
    vl_model_destroy(m);
    vl_scenario_free(scn);
}

static void test_lone_hog_costs_no_events(void **state)
{
    (void)state;
    vl_model m;
    vl_scenario scn;
    run_yaml(&m, &scn,
             "scheduler: fifo\nhost: {pcpus: 1}\n"
             "vms: [{name: a, vcpus: 1, workloads: [{type: cpu, tasks: 1}]}]\n"
             "run: {duration: 100s}\n");
    /* fifo re-picks the only vCPU every 10 ms slice (10^4 events) and the
     * watchdog looks every 500 ms (200); nothing comes from the guest (no
     * segment ends, no timers) */
    assert_true(m.hv.sim.events < 10000 + 200 + 10);
    assert_int_equal(m.workloads[0].stats.work_ns,
                     VL_S(100) - m.hv.costs.host_ipi - m.hv.costs.world_switch);
    /* nor does it file one: its endless compute ends after any run (an
     * event filed there would be cancelled at every preemption and sit in
     * the list as a stale entry) */
    assert_false(vl_event_pending(&m.guests[0]->vcpus[0].seg_ev));
    done(&m, &scn);
}

static void test_equal_shares_between_tasks(void **state)
{
    (void)state;
    vl_model m;
    vl_scenario scn;
    run_yaml(&m, &scn,
             "scheduler: fifo\nhost: {pcpus: 1}\n"
             "vms: [{name: a, vcpus: 1, workloads: [{type: cpu, name: x},"
             " {type: cpu, name: y}]}]\n"
             "run: {duration: 10s}\n");
    double x = (double)m.workloads[0].stats.work_ns, y = (double)m.workloads[1].stats.work_ns;
    assert_true(x > 0.49 * 1e10 && y > 0.49 * 1e10);
    assert_true(x / y > 0.99 && x / y < 1.01);
    done(&m, &scn);
}

static void test_idle_vcpu_halts(void **state)
{
    (void)state;
    vl_model m;
    vl_scenario scn;
    run_yaml(&m, &scn,
             "scheduler: fifo\nhost: {pcpus: 2}\n"
             "vms: [{name: a, vcpus: 2, workloads: [{type: cpu, tasks: 1}]}]\n"
             "run: {duration: 1s}\n");
    /* one task, two vCPUs: the vCPU without a task halts for good */
    assert_int_equal(m.hv.vcpus[1].exits[VL_EXIT_HLT], 1);
    assert_true(vl_model_vcpu_time(&m, 1, VL_BLOCKED) > VL_MS(999));
    assert_int_equal(m.hv.vcpus[1].state, VL_BLOCKED);
    done(&m, &scn);
}

static void test_wake_latency_includes_preemption(void **state)
{
    (void)state;
    /* one pCPU, a hog VM and an interactive VM: the interactive task's timer
     * expires while its vCPU is halted or preempted; under fifo's 10 ms
     * slices it waits for the hog's slice to end */
    vl_model m;
    vl_scenario scn;
    run_yaml(&m, &scn,
             "scheduler: fifo\nhost: {pcpus: 1}\n"
             "vms:\n"
             "  - {name: hog, vcpus: 1, workloads: [{type: cpu}]}\n"
             "  - {name: web, vcpus: 1, workloads: [{type: think, burst: 100us, think: 3ms}]}\n"
             "run: {duration: 10s}\n");
    const vl_wstats *web = &m.workloads[1].stats;
    assert_true(web->bursts > 100);
    /* fifo does not preempt the hog: the web vCPU halts as the hog's 10 ms
     * slice starts, its 3 ms timer expires, and it waits the remaining 7 ms */
    assert_true(vl_hist_mean(&web->wake_latency) > VL_US(6900));
    assert_true(web->wake_latency.max <= VL_MS(7) + VL_US(50));
    /* response = wake latency + the 100 us burst (at least) */
    assert_true(vl_hist_mean(&web->response) >= vl_hist_mean(&web->wake_latency) + 1e5);
    done(&m, &scn);
}

static void test_wake_latency_small_when_uncontended(void **state)
{
    (void)state;
    vl_model m;
    vl_scenario scn;
    run_yaml(&m, &scn,
             "scheduler: fifo\nhost: {pcpus: 2}\n"
             "vms: [{name: web, vcpus: 1, workloads: [{type: think, burst: 100us, think: 3ms}]}]\n"
             "run: {duration: 2s}\n");
    const vl_wstats *web = &m.workloads[0].stats;
    /* only the wake-up path: host IPI + world switch */
    vl_ns path = m.hv.costs.host_ipi + m.hv.costs.world_switch;
    assert_true(web->wake_latency.max <= path);
    assert_true(web->wake_latency.min >= path);
    /* 2 s / (3.1 ms per cycle, plus the wake path) */
    assert_true(web->bursts >= 640 && web->bursts <= 646);
    done(&m, &scn);
}

static void test_duty_cycle(void **state)
{
    (void)state;
    vl_model m;
    vl_scenario scn;
    run_yaml(&m, &scn,
             "scheduler: fifo\nhost: {pcpus: 4}\n"
             "vms: [{name: a, vcpus: 4, workloads: [{type: cpu, tasks: 4, util: 0.3,"
             " period: 10ms}]}]\n"
             "run: {duration: 10s, warmup: 1s}\n");
    double used = (double)m.workloads[0].stats.work_ns / (4.0 * 9e9);
    assert_true(used > 0.295 && used < 0.305);
    done(&m, &scn);
}

static void test_think_distribution_mean(void **state)
{
    (void)state;
    vl_model m;
    vl_scenario scn;
    run_yaml(&m, &scn,
             "scheduler: fifo\nhost: {pcpus: 8}\n"
             "vms: [{name: a, vcpus: 8, workloads: [{type: think, tasks: 8,"
             " burst: {dist: exponential, mean: 1ms}, think: {dist: exponential, mean: 4ms}}]}]\n"
             "run: {duration: 20s}\n");
    /* no contention: each task cycles every ~5 ms => ~8 * 20 s / 5 ms bursts
     * doing ~1 ms of work each */
    const vl_wstats *s = &m.workloads[0].stats;
    double per_burst = (double)s->work_ns / (double)s->bursts;
    assert_true(s->bursts > 30000 && s->bursts < 34000);
    assert_true(per_burst > 0.95e6 && per_burst < 1.05e6);
    done(&m, &scn);
}

/* Idle balancing: two hogs homed on vCPU 0 and a sleeper on vCPU 1: when
 * the sleeper first sleeps, vCPU 1 pulls the queued hog instead of
 * halting, so both vCPUs stay busy (without it vCPU 1 would idle ~96% of
 * the time and the hogs would do ~2 s of work, not ~3.9 s). */
static void test_idle_pull_keeps_vcpus_busy(void **state)
{
    (void)state;
    vl_model m;
    vl_scenario scn;
    run_yaml(&m, &scn,
             "scheduler: fifo\nhost: {pcpus: 2}\n"
             "vms: [{name: a, vcpus: 2, workloads: [{type: cpu, tasks: 1, name: h0},"
             " {type: think, burst: 200us, think: 5ms}, {type: cpu, tasks: 1, name: h2}]}]\n"
             "run: {duration: 2s}\n");
    vl_ns hogs = m.workloads[0].stats.work_ns + m.workloads[2].stats.work_ns;
    vl_ns idle = vl_model_vcpu_time(&m, 0, VL_BLOCKED) + vl_model_vcpu_time(&m, 1, VL_BLOCKED);
    print_message("hog work %.3f s, vCPU idle %.1f ms, guest migrations %llu\n",
                  (double)hogs / 1e9, (double)idle / 1e6,
                  (unsigned long long)m.guests[0]->migrations);
    assert_true(m.guests[0]->migrations >= 1);
    assert_true(idle < VL_MS(1)); /* never idle while a hog waits */
    assert_true(hogs > VL_MS(3800));
    assert_true(m.workloads[1].stats.bursts > 300);
    done(&m, &scn);
}

/* The modules register what they serve (guest/module.h): every op kind a
 * plan stops at has its module, every vector the guest sends or takes its
 * handler (the call-function vectors by kernel version), in a guest built
 * from a scenario; the completions run in list order. */
static void test_modules_registered(void **state)
{
    (void)state;
    static const char *const yaml[2] = {
        "host: {pcpus: 1}\nvms: [{name: a, vcpus: 2}]\nrun: {duration: 1s}\n",
        "host: {pcpus: 1}\nvms: [{name: a, vcpus: 2, guest: {tlb_vectors: legacy}}]\n"
        "run: {duration: 1s}\n"};
    for (int legacy = 0; legacy < 2; legacy++) {
        tk_sim t;
        tk_open(&t, "fifo", yaml[legacy]);
        const vl_guest *g = t.m.guests[0];
        for (int k = 0; k < VL_OP_KINDS; k++) {
            bool planned = k == VL_OP_COMPUTE || k == VL_OP_KERNEL || k == VL_OP_SLEEP ||
                           k == VL_OP_LOOP; /* the planner's own; LOOP never reaches it */
            assert_true(planned == (g->hooks->ops[k].run == NULL));
        }
        int vectors[] = {VL_VEC_LOCAL_TIMER, VL_VEC_RESCHEDULE, 0xfb, VL_VEC_VIRTIO_NET,
                         VL_VEC_VIRTIO_BLK, VL_VEC_HOTPLUG};
        for (size_t i = 0; i < sizeof vectors / sizeof vectors[0]; i++)
            assert_non_null(vl_guest_handler(g, vectors[i]));
        for (int vec = 0xf0; vec <= 0xf7; vec++)
            assert_true((vl_guest_handler(g, vec) != NULL) == (legacy != 0));
        assert_true((vl_guest_handler(g, VL_VEC_CALL_FUNCTION) == NULL) == (legacy != 0));
        assert_int_equal(g->hooks->nhandled, 3); /* smp, net, blk: in this order */
        assert_string_equal(g->hooks->handled[0]->name, "smp");
        assert_string_equal(g->hooks->handled[1]->name, "net");
        assert_string_equal(g->hooks->handled[2]->name, "blk");
        assert_non_null(g->port.net_rx);
        assert_non_null(g->port.blk_done);
        assert_non_null(g->port.hotplug);
        tk_close(&t);
    }
}

/* A program of one 1-us compute in an endless loop, with an empty
 * look-ahead for it and a random stream. */
static void compute_loop(vl_program *p, vl_opq *q, vl_rng *rng)
{
    vl_prog_init(p);
    vl_dist us = vl_dist_const(1000);
    vl_prog_compute(p, &us);
    vl_prog_loop(p, 0, 0);
    *q = (vl_opq){0}; /* vl_opq_init keeps a ring it is given */
    vl_opq_init(q, p);
    vl_rng_init(rng, 1, "test");
}

/* A task that looks one or two operations ahead (a CPU hog) keeps them in
 * the queue itself; a third moves them, in order, to an allocated ring. */
static void test_lookahead_inline_then_allocated(void **state)
{
    (void)state;
    vl_program p;
    vl_opq q;
    vl_rng rng;
    compute_loop(&p, &q, &rng);
    vl_opi *o0 = vl_opq_at(&q, &p, &rng, 0, NULL, NULL);
    assert_ptr_equal(q.q, q.first);
    assert_ptr_equal(o0, &q.first[0]);
    vl_opq_pop(&q); /* the ring turns inside the queue */
    for (int i = 0; i < VL_OPQ_INLINE; i++)
        assert_int_equal(vl_opq_at(&q, &p, &rng, i, NULL, NULL)->seq, 1 + i);
    assert_ptr_equal(q.q, q.first);
    assert_int_equal(vl_opq_at(&q, &p, &rng, VL_OPQ_INLINE, NULL, NULL)->seq, 1 + VL_OPQ_INLINE);
    assert_true(q.q != q.first);
    for (int i = 0; i <= VL_OPQ_INLINE; i++)
        assert_int_equal(vl_opq_at(&q, &p, &rng, i, NULL, NULL)->seq, 1 + i);
    vl_opq_fini(&q);
    vl_opq_init(&q, &p); /* a queue started over holds its first entries inline again */
    vl_opq_at(&q, &p, &rng, 0, NULL, NULL);
    assert_ptr_equal(q.q, q.first);
    vl_opq_fini(&q);
    vl_prog_fini(&p);
}

/* A module's inserted hold is never refused: a look-ahead filled to the
 * walk's VL_OPQ_LEN grows by the entry, in front, and keeps the rest in
 * order (plans still see VL_OPQ_LEN entries). */
static void test_full_lookahead_takes_an_inserted_hold(void **state)
{
    (void)state;
    vl_program p;
    vl_opq q;
    vl_rng rng;
    compute_loop(&p, &q, &rng);
    assert_non_null(vl_opq_at(&q, &p, &rng, VL_OPQ_LEN - 1, NULL, NULL));
    assert_int_equal(q.n, VL_OPQ_LEN);
    vl_opi hold = {.kind = VL_OP_KERNEL, .lock_class = 0, .hold = 500, .seq = 999999};
    vl_opq_push_front(&q, &hold);
    assert_int_equal(q.n, VL_OPQ_LEN + 1);
    assert_int_equal(vl_opq_at(&q, &p, &rng, 0, NULL, NULL)->seq, 999999);
    for (int i = 1; i < VL_OPQ_LEN; i++)
        assert_int_equal(vl_opq_at(&q, &p, &rng, i, NULL, NULL)->seq, i - 1);
    assert_null(vl_opq_at(&q, &p, &rng, VL_OPQ_LEN, NULL, NULL)); /* the walk's bound */
    vl_opq_pop(&q);
    assert_int_equal(vl_opq_at(&q, &p, &rng, VL_OPQ_LEN - 1, NULL, NULL)->seq, VL_OPQ_LEN - 1);
    assert_int_equal(q.generated, VL_OPQ_LEN); /* the last was kept, not drawn again */
    vl_opq_fini(&q);
    vl_prog_fini(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lone_hog_costs_no_events),
        cmocka_unit_test(test_equal_shares_between_tasks),
        cmocka_unit_test(test_idle_vcpu_halts),
        cmocka_unit_test(test_wake_latency_includes_preemption),
        cmocka_unit_test(test_wake_latency_small_when_uncontended),
        cmocka_unit_test(test_duty_cycle),
        cmocka_unit_test(test_think_distribution_mean),
        cmocka_unit_test(test_idle_pull_keeps_vcpus_busy),
        cmocka_unit_test(test_modules_registered),
        cmocka_unit_test(test_lookahead_inline_then_allocated),
        cmocka_unit_test(test_full_lookahead_takes_an_inserted_hold),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
