/* test_sync.c - blocking synchronisation: barriers and wait/wake through
 * futex-like sync objects; a wake-up on another vCPU costs a reschedule
 * IPI, and a barrier waits for its slowest party - a whole hypervisor slice
 * when one party's vCPU is preempted. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "guest/exec.h"
#include "guest/kernel.h"
#include "guest/lifecycle.h"
#include "guest/sync.h"
#include "testkit.h"

typedef struct sync_run {
    vl_scenario scn;
    vl_model m;
    vl_program prog[2];
    vl_wstats stats;
} sync_run;

static void stats_init(vl_wstats *s)
{
    memset(s, 0, sizeof *s);
    vl_hist_init(&s->wake_latency);
    vl_hist_init(&s->response);
}

static void start(sync_run *r, const char *yaml)
{
    tk_load(&r->scn, yaml);
    vl_error err;
    assert_int_equal(vl_model_create(&r->m, &r->scn, r->scn.sched, 0, 0, NULL, &err), 0);
    stats_init(&r->stats);
    vl_prog_init(&r->prog[0]);
    vl_prog_init(&r->prog[1]);
}

static void go(sync_run *r)
{
    tk_go(&r->m);
}

static void stop(sync_run *r)
{
    vl_model_destroy(&r->m);
    vl_prog_fini(&r->prog[0]);
    vl_prog_fini(&r->prog[1]);
    vl_wstats_free(&r->stats);
    vl_scenario_free(&r->scn);
}

/* 4 parties loop {compute 100 us; barrier}: ~10^4 rounds in 1 s when
 * every vCPU runs; each round's last arrival wakes the 3 others remotely.
 * Runqueue locks off: the switches' time would count as work, and rounds
 * are counted from the work. */
static int barrier_rounds(bool hog, uint64_t *resched)
{
    sync_run r;
    char yaml[512];
    snprintf(yaml, sizeof yaml,
             "scheduler: fifo\nhost: {pcpus: 4}\n"
             "vms:\n  - {name: k, vcpus: 4, guest: {runqueue_lock: false}}\n%s"
             "run: {duration: 1s}\n",
             hog ? "  - {name: hog, vcpus: 1, affinity: \"3\", workloads: [{type: cpu}]}\n" : "");
    start(&r, yaml);
    vl_guest *g = r.m.guests[0];
    int b = vl_sync_new(g, 4, 0);
    vl_dist c = vl_dist_const(100e3);
    vl_prog_init(&r.prog[0]);
    int body = vl_prog_compute(&r.prog[0], &c);
    vl_prog_barrier(&r.prog[0], b);
    vl_prog_loop(&r.prog[0], body, 0);
    for (int i = 0; i < 4; i++)
        assert_non_null(vl_guest_task_create(g, "p", &r.prog[0], &r.stats));
    go(&r);
    /* every party computed the same number of rounds (+-1 in flight) */
    int rounds = (int)(r.stats.work_ns / VL_US(100) / 4);
    /* remote wake-ups: 0xfb to idle vCPUs (wake list), 0xfd to busy ones */
    *resched = vl_guest_ipis_sent(g, VL_VEC_RESCHEDULE) + vl_guest_ipis_sent(g, 0xfb);
    stop(&r);
    return rounds;
}

static void test_barrier_rounds(void **state)
{
    (void)state;
    uint64_t ipis, ipis_hog;
    int free_rounds = barrier_rounds(false, &ipis);
    int hog_rounds = barrier_rounds(true, &ipis_hog);
    print_message("rounds: %d alone, %d with a preempted party; resched IPIs %llu\n", free_rounds,
                  hog_rounds, (unsigned long long)ipis);
    /* a round: 100 us + the wake-up path of the halted parties (the kick
     * half-way through the sender's exit, host IPI, world switch: ~4.75
     * us) */
    assert_true(free_rounds > 9200 && free_rounds < 9600);
    assert_true(ipis >= 3 * (uint64_t)(free_rounds - 1) && ipis <= 3 * (uint64_t)free_rounds + 3);
    /* the party on the shared pCPU runs half the time in 10 ms slices */
    assert_true(hog_rounds < free_rounds * 6 / 10);
}

/* Ping-pong: two tasks on two vCPUs alternate through wait/wake; every
 * hand-over is a remote wake-up with a reschedule IPI. */
static void test_wait_wake_pingpong(void **state)
{
    (void)state;
    sync_run r;
    start(&r, "scheduler: fifo\nhost: {pcpus: 2}\nvms:\n  - {name: k, vcpus: 2}\n"
              "run: {duration: 100ms}\n");
    vl_guest *g = r.m.guests[0];
    int ping = vl_sync_new(g, 0, 0), pong = vl_sync_new(g, 0, 0);
    vl_dist c = vl_dist_const(10e3);
    /* A: compute; wake(pong); wait(ping)   B: wait(pong); compute; wake(ping) */
    vl_prog_init(&r.prog[0]);
    int a = vl_prog_compute(&r.prog[0], &c);
    vl_prog_wake(&r.prog[0], pong);
    vl_prog_wait(&r.prog[0], ping);
    vl_prog_loop(&r.prog[0], a, 0);
    vl_prog_init(&r.prog[1]);
    int b = vl_prog_wait(&r.prog[1], pong);
    vl_prog_compute(&r.prog[1], &c);
    vl_prog_wake(&r.prog[1], ping);
    vl_prog_loop(&r.prog[1], b, 0);
    assert_non_null(vl_guest_task_create(g, "a", &r.prog[0], &r.stats));
    assert_non_null(vl_guest_task_create(g, "b", &r.prog[1], &r.stats));
    go(&r);
    uint64_t ipis = vl_guest_ipis_sent(g, VL_VEC_RESCHEDULE) + vl_guest_ipis_sent(g, 0xfb);
    vl_ns per_round = r.m.hv.sim.now / (vl_ns)(ipis / 2);
    print_message("%llu reschedule IPIs, %lld ns per round trip, wake latency mean %.0f ns\n",
                  (unsigned long long)ipis, (long long)per_round,
                  vl_hist_mean(&r.stats.wake_latency));
    /* A remote wake-up of a halted vCPU goes through the hypervisor: the
     * kick half-way through the sender's exit + host IPI + world switch =
     * 4.75 us.  But the waker blocks right after and
     * its idle vCPU pulls the wakee before the IPI lands (newidle
     * balancing), so the pair settles on one vCPU: a round is 2 x (10 us +
     * the 1.5 us exit of the IPI that is still sent). */
    vl_ns path = r.m.hv.costs.exit_entry / 2 + r.m.hv.costs.host_ipi + r.m.hv.costs.world_switch;
    assert_true(ipis > 2 * 3000);
    assert_true(per_round >= 2 * (VL_US(10) + r.m.hv.costs.exit_entry) && per_round < 2 * (VL_US(10) + path));
    assert_true(r.stats.wake_latency.max <= path);
    assert_true(vl_hist_mean(&r.stats.wake_latency) < (double)path);
    assert_true(g->migrations > 1000);
    /* the reschedule IPI is handled when the woken vCPU enters: same path */
    assert_true(g->ipi_latency[VL_IPI_RESCHEDULE].count + 1 >= ipis); /* one may be in flight */
    assert_int_equal(g->ipi_latency[VL_IPI_RESCHEDULE].max, path);
    stop(&r);
}

/* Where futex wake-up IPIs leave (runqueue locks off, which would hold the
 * exits themselves): with `locked` (kernels before wake_q)
 * the waker still holds a futex_hash lock through the IPI's exit, so some
 * holds last an exit (1.5 us) plus the unlock path (0.2 us); with
 * `queued` a futex_hash hold is the call's own 1 us (plus an interrupt
 * taken meanwhile). */
typedef struct hold_max {
    int cls;
    vl_ns longest;
    int n;
} hold_max;

static void on_hold(void *ctx, const vl_guest *g, const vl_glock *L, int v, vl_ns start,
                    vl_ns end)
{
    (void)g, (void)v;
    hold_max *h = ctx;
    if (L->cls != h->cls)
        return;
    h->n++;
    if (end - start > h->longest)
        h->longest = end - start;
}

static vl_ns longest_futex_hold(const char *mode)
{
    char yaml[512];
    snprintf(yaml, sizeof yaml,
             "scheduler: fifo\nhost: {pcpus: 2}\n"
             "vms: [{name: a, vcpus: 2, guest: {futex_wake: %s, wakeup_ipi: resched,\n"
             "                                  runqueue_lock: false},\n"
             "       workloads: [{type: facesim, tasks: 2}]}]\nrun: {duration: 200ms}\n",
             mode);
    tk_sim t;
    tk_open(&t, "fifo", yaml + strlen("scheduler: fifo\n"));
    vl_guest *g = t.m.guests[0];
    hold_max h = {.cls = vl_guest_lock_class(g, "futex_hash")};
    g->observer = (vl_guest_observer){.ctx = &h, .hold = on_hold};
    tk_go(&t.m);
    print_message("futex_wake %s: %d futex_hash holds, longest %lld ns\n", mode, h.n,
                  (long long)h.longest);
    assert_true(h.n > 100);
    tk_close(&t);
    return h.longest;
}

static void test_locked_futex_wakes(void **state)
{
    (void)state;
    /* queued: the call's 1 us, plus at most an interrupt's 0.5 us of entry */
    assert_true(longest_futex_hold("queued") < 1500 + 200);
    assert_true(longest_futex_hold("locked") >= 1500 + 200);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_barrier_rounds),
        cmocka_unit_test(test_wait_wake_pingpong),
        cmocka_unit_test(test_locked_futex_wakes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
