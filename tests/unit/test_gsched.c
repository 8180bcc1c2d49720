/* test_gsched.c - the guest's CFS-like scheduler: CPU shares follow nice
 * weights, a waking task preempts a hog within the wake-up granularity, a
 * task is preempted at the end of its kernel call (never inside it),
 * periodic balancing spreads tasks piled on one vCPU and rotates the odd
 * one, idle vCPUs pull, time a vCPU spends preempted by the hypervisor is
 * charged to its current task, and a vCPU with one task costs no tick
 * events. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "guest/gsched.h"
#include "guest/kernel.h"
#include "guest/lifecycle.h"
#include "guest/sync.h"
#include "testkit.h"

/* Tasks (curr + waiting) on vCPU v of guest g. */
static int tasks_on(const vl_guest *g, int v)
{
    return g->vcpus[v].nr_waiting + (g->vcpus[v].curr != NULL);
}

static double work_s(const tk_sim *t, int w)
{
    return (double)t->m.workloads[w].stats.work_ns / 1e9;
}

/* Two hogs at nice 0 and nice 5 on one vCPU share it 1024:335. */
static void test_nice_shares_follow_weights(void **state)
{
    (void)state;
    tk_sim t;
    tk_open(&t, "fifo",
            "host: {pcpus: 1}\n"
            "vms: [{name: a, vcpus: 1, workloads: [{type: cpu, name: n0},"
            " {type: cpu, name: n5, nice: 5}]}]\n"
            "run: {duration: 10s}\n");
    tk_go(&t.m);
    double ratio = work_s(&t, 0) / work_s(&t, 1), want = 1024.0 / 335.0;
    print_message("nice 0: %.3f s, nice 5: %.3f s, ratio %.4f (weights %.4f)\n", work_s(&t, 0),
                  work_s(&t, 1), ratio, want);
    assert_true(ratio > want * 0.98 && ratio < want * 1.02);
    assert_true(work_s(&t, 0) + work_s(&t, 1) > 9.99);
    tk_close(&t);
}

/* A task waking every 5 ms for 0.2 ms beside a hog: its sleeper credit
 * puts it half a latency (3 ms) behind the hog, more than the wake-up
 * granularity (1 ms on one vCPU), so it preempts the hog at once instead
 * of waiting for the next tick (up to 4 ms at HZ 250). */
static void test_wakeup_preempts_hog(void **state)
{
    (void)state;
    tk_sim t;
    tk_open(&t, "fifo",
            "host: {pcpus: 1}\n"
            "vms: [{name: a, vcpus: 1, workloads: [{type: cpu},"
            " {type: think, burst: 200us, think: 5ms}]}]\n"
            "run: {duration: 2s}\n");
    tk_go(&t.m);
    const vl_wstats *w = &t.m.workloads[1].stats;
    print_message("%llu wake-ups: latency mean %.0f ns, max %lld ns\n",
                  (unsigned long long)w->wake_latency.count, vl_hist_mean(&w->wake_latency),
                  (long long)w->wake_latency.max);
    assert_true(w->bursts > 370); /* 2 s / 5.2 ms */
    assert_true(w->wake_latency.max < t.m.guests[0]->wakeup_granularity);
    assert_true(w->wake_latency.max < VL_US(10)); /* nothing to wait for */
    tk_close(&t);
}

/* Records every hold of the lock under test. */
typedef struct holds {
    vl_ns shortest, longest;
    int n;
} holds;

static void on_hold(void *ctx, const vl_guest *g, const vl_glock *L, int v, vl_ns start, vl_ns end)
{
    (void)v;
    holds *h = ctx;
    if (L->cls != vl_guest_lock_class(g, "dentry"))
        return; /* not the lock under test (e.g. runqueue locks) */
    if (h->n == 0 || end - start < h->shortest)
        h->shortest = end - start;
    if (h->n == 0 || end - start > h->longest)
        h->longest = end - start;
    h->n++;
}

/* A task that spends nearly all its time in 3 ms kernel calls (holding a
 * lock for the whole call) beside a hog on one vCPU: a voluntary-preemption
 * kernel preempts it only when a call returns, so every hold lasts exactly
 * 3 ms; and it is preempted then, so the hog gets its share. */
static void test_preempted_at_end_of_kernel_call(void **state)
{
    (void)state;
    tk_sim t;
    tk_open(&t, "fifo",
            "host: {pcpus: 1}\n"
            "vms: [{name: a, vcpus: 1, workloads: [{type: syscalls, user: 10us, call: 3ms,"
            " lock: dentry, hold: 3ms}, {type: cpu}]}]\n"
            "run: {duration: 4s}\n");
    holds h = {0};
    t.m.guests[0]->observer = (vl_guest_observer){.ctx = &h, .hold = on_hold};
    tk_go(&t.m);
    print_message("calls %.3f s, hog %.3f s; %d holds of %lld..%lld ns\n", work_s(&t, 0),
                  work_s(&t, 1), h.n, (long long)h.shortest, (long long)h.longest);
    assert_true(h.n > 500);
    assert_int_equal(h.shortest, VL_MS(3));
    assert_int_equal(h.longest, VL_MS(3));
    assert_true(work_s(&t, 1) > 1.6 && work_s(&t, 0) > 1.6);
    tk_close(&t);
}

/* Eight hogs on a 4-vCPU guest, one per vCPU plus four more piled on vCPU
 * 0: every vCPU is busy, so no idle pull happens; periodic balancing
 * spreads them two per vCPU and each gets about half a vCPU. */
static void test_periodic_balance_spreads_pile(void **state)
{
    (void)state;
    tk_sim t;
    char yaml[1024] = "host: {pcpus: 4}\nvms: [{name: a, vcpus: 4, workloads: [";
    for (int i = 0; i < 8; i++)
        snprintf(yaml + strlen(yaml), sizeof yaml - strlen(yaml), "%s{type: cpu, name: h%d}",
                 i ? ", " : "", i);
    strcat(yaml, "]}]\nrun: {duration: 10s}\n");
    tk_open(&t, "fifo", yaml);
    vl_guest *g = t.m.guests[0];
    for (int i = 5; i < 8; i++) /* tasks 0..7 start on vCPU i % 4 */
        vl_gsched_migrate(g, g->tasks[i], 0, g->sim->now);
    assert_int_equal(tasks_on(g, 0), 5);
    tk_go(&t.m);
    for (int v = 0; v < 4; v++)
        assert_int_equal(tasks_on(g, v), 2);
    for (int w = 0; w < 8; w++) {
        print_message("h%d: %.3f s\n", w, work_s(&t, w));
        assert_true(work_s(&t, w) > 4.7 && work_s(&t, w) < 5.3);
    }
    assert_true(g->migrations >= 3 + 3);
    tk_close(&t);
}

/* Five hogs on four vCPUs: an imbalance of one task, which Linux fixes on
 * every other attempt (nr_balance_failed halves the task's weight), so the
 * odd task moves around and every hog gets about 4/5 of a vCPU - not two
 * at 1/2 and three at 1. */
static void test_odd_task_rotates(void **state)
{
    (void)state;
    tk_sim t;
    char yaml[1024] = "host: {pcpus: 4}\nvms: [{name: a, vcpus: 4, workloads: [";
    for (int i = 0; i < 5; i++)
        snprintf(yaml + strlen(yaml), sizeof yaml - strlen(yaml), "%s{type: cpu, name: h%d}",
                 i ? ", " : "", i);
    strcat(yaml, "]}]\nrun: {duration: 20s}\n");
    tk_open(&t, "fifo", yaml);
    tk_go(&t.m);
    for (int w = 0; w < 5; w++) {
        print_message("h%d: %.3f s\n", w, work_s(&t, w));
        assert_true(work_s(&t, w) > 0.7 * 20 && work_s(&t, w) < 0.9 * 20);
    }
    tk_close(&t);
}

/* Four hogs all created on vCPU 0 of an idle 4-vCPU guest: the other vCPUs
 * pull one each before going idle (newidle_balance), one hog per vCPU. */
static void test_idle_vcpus_pull(void **state)
{
    (void)state;
    tk_sim t;
    tk_open(&t, "fifo",
            "host: {pcpus: 4}\n"
            "vms: [{name: a, vcpus: 4, workloads: [{type: cpu, name: h0}, {type: cpu, name: h1},"
            " {type: cpu, name: h2}, {type: cpu, name: h3}]}]\n"
            "run: {duration: 2s}\n");
    vl_guest *g = t.m.guests[0];
    for (int i = 1; i < 4; i++)
        vl_gsched_migrate(g, g->tasks[i], 0, g->sim->now);
    tk_go(&t.m);
    for (int v = 0; v < 4; v++)
        assert_int_equal(tasks_on(g, v), 1);
    for (int w = 0; w < 4; w++)
        assert_true(work_s(&t, w) > 1.99);
    tk_close(&t);
}

/* Guest time flows while a vCPU is preempted, and the Debian guest kernel
 * does not subtract steal time (CONFIG_PARAVIRT_TIME_ACCOUNTING unset):
 * a hog whose vCPU gets half a pCPU is charged the whole run as its
 * runtime, twice what it executed. */
static void test_preempted_time_is_charged(void **state)
{
    (void)state;
    tk_sim t;
    tk_open(&t, "fifo",
            "host: {pcpus: 1}\n"
            "vms:\n  - {name: a, vcpus: 1, workloads: [{type: cpu}]}\n"
            "  - {name: b, vcpus: 1, workloads: [{type: cpu}]}\n"
            "run: {duration: 4s}\n");
    tk_go(&t.m);
    const vl_task *hog = t.m.guests[0]->tasks[0];
    print_message("executed %.3f s, charged %.3f s, vruntime %.3f s\n", work_s(&t, 0),
                  (double)hog->sum_exec / 1e9, (double)hog->vruntime / 1e9);
    assert_true(work_s(&t, 0) < 2.05);
    assert_true(hog->sum_exec > VL_MS(3990));
    assert_int_equal(hog->vruntime, hog->sum_exec); /* nice 0: virtual = real */
    tk_close(&t);
}

/* Task W on vCPU 0 computes 1 ms and wakes task S, which waits on vCPU 1
 * beside a hog; S runs 10 us per wake-up at `nice`.  Returns the
 * reschedule IPIs sent (0xfd: to a busy vCPU). */
static uint64_t resched_ipis(int nice, uint64_t *wakeups)
{
    tk_sim t;
    tk_open(&t, "fifo",
            "host: {pcpus: 2}\nvms: [{name: a, vcpus: 2}]\nrun: {duration: 1s}\n");
    vl_guest *g = t.m.guests[0];
    static vl_program waker, sleeper, hog;
    static vl_wstats stats;
    memset(&stats, 0, sizeof stats);
    vl_hist_init(&stats.wake_latency);
    vl_hist_init(&stats.response);
    int s = vl_sync_new(g, 0, 0);
    vl_dist ms = vl_dist_const(1e6), us = vl_dist_const(1e4), forever = vl_dist_const(1e15);
    vl_prog_init(&waker);
    int body = vl_prog_compute(&waker, &ms);
    vl_prog_wake(&waker, s);
    vl_prog_loop(&waker, body, 0);
    vl_prog_init(&sleeper);
    body = vl_prog_wait(&sleeper, s);
    vl_prog_compute(&sleeper, &us);
    vl_prog_loop(&sleeper, body, 0);
    vl_prog_init(&hog);
    vl_prog_loop(&hog, vl_prog_compute(&hog, &forever), 0);
    assert_non_null(vl_guest_task_create(g, "w", &waker, &stats)); /* on vCPU 0 */
    vl_task *S = vl_guest_task_create(g, "s", &sleeper, &stats);  /* on vCPU 1 */
    assert_non_null(vl_guest_task_create(g, "h", &hog, &stats));   /* moved to 1 */
    vl_gsched_migrate(g, g->tasks[2], 1, g->sim->now);
    vl_gsched_set_nice(g, S, nice);
    tk_go(&t.m);
    *wakeups = stats.wake_latency.count;
    uint64_t n = vl_guest_ipis_sent(g, VL_VEC_RESCHEDULE);
    print_message("nice %d: %llu wake-ups, %llu reschedule IPIs, S on vCPU %d\n", nice,
                  (unsigned long long)*wakeups, (unsigned long long)n, S->vcpu);
    tk_close(&t);
    vl_wstats_free(&stats);
    vl_prog_fini(&waker);
    vl_prog_fini(&sleeper);
    vl_prog_fini(&hog);
    return n;
}

/* A wake-up queued on a busy vCPU sends it a reschedule IPI only when the
 * wakee preempts its current task (resched_curr): a nice-19 wakee never
 * leads a nice-0 hog by the wake-up granularity, a nice-0 one does. */
static void test_resched_ipi_only_when_preempting(void **state)
{
    (void)state;
    uint64_t w0, w19;
    uint64_t ipis0 = resched_ipis(0, &w0), ipis19 = resched_ipis(19, &w19);
    assert_true(w0 > 900 && w19 > 100);
    assert_true(ipis0 > w0 / 2);
    assert_int_equal(ipis19, 0);
}

static uint64_t events_with_hogs(int hogs)
{
    char yaml[256];
    snprintf(yaml, sizeof yaml,
             "host: {pcpus: 4}\nvms: [{name: a, vcpus: 4, workloads: [{type: cpu, tasks: %d}]}]\n"
             "run: {duration: 10s}\n",
             hogs);
    tk_sim t;
    tk_open(&t, "fifo", yaml);
    tk_go(&t.m);
    uint64_t events = t.m.hv.sim.events;
    tk_close(&t);
    return events;
}

/* One hog per vCPU: no tick, no balance, no guest event at all - only
 * fifo's 10 ms slices (4 x 1000) and the watchdog (20).  A fifth hog makes
 * one vCPU tick at 250 Hz and the others look at their balance points. */
static void test_lone_tasks_cost_no_tick_events(void **state)
{
    (void)state;
    uint64_t four = events_with_hogs(4), five = events_with_hogs(5);
    print_message("events: %llu with 4 hogs, %llu with 5\n", (unsigned long long)four,
                  (unsigned long long)five);
    assert_true(four < 4000 + 20 + 50);
    assert_true(five > four + 2500);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nice_shares_follow_weights),
        cmocka_unit_test(test_wakeup_preempts_hog),
        cmocka_unit_test(test_preempted_at_end_of_kernel_call),
        cmocka_unit_test(test_periodic_balance_spreads_pile),
        cmocka_unit_test(test_odd_task_rotates),
        cmocka_unit_test(test_idle_vcpus_pull),
        cmocka_unit_test(test_preempted_time_is_charged),
        cmocka_unit_test(test_resched_ipi_only_when_preempting),
        cmocka_unit_test(test_lone_tasks_cost_no_tick_events),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
