/* test_locks.c - guest spinlocks: uncontended locks cost no events, holds
 * never overlap, FIFO hand-off, spinning waiters take pause-loop exits,
 * lock-holder preemption makes waiters spin for the holder's absence, and
 * an earlier request wins over a later plan. */
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
#include "testkit.h"

/* Records completed holds of the zone lock (ground truth) to check mutual
 * exclusion. */
typedef struct hold_log {
    int lock[20000], vcpu[20000];
    vl_ns start[20000], end[20000];
    int n;
} hold_log;

static void on_hold(void *ctx, const vl_guest *g, const vl_glock *L, int vcpu, vl_ns start,
                    vl_ns end)
{
    hold_log *h = ctx;
    if (h->n == 20000 || L->cls != vl_guest_lock_class(g, "zone"))
        return; /* full, or not the lock under test (runqueue locks) */
    h->lock[h->n] = L->id;
    h->vcpu[h->n] = vcpu;
    h->start[h->n] = start;
    h->end[h->n++] = end;
}

/* Holds of one lock never overlap. */
static void assert_exclusive(const hold_log *h)
{
    for (int i = 0; i < h->n; i++)
        for (int j = i + 1; j < h->n && j < i + 64; j++)
            if (h->lock[i] == h->lock[j] && h->start[i] < h->end[j] && h->start[j] < h->end[i])
                fail_msg("holds overlap: vCPU %d [%lld, %lld) and vCPU %d [%lld, %lld)",
                         h->vcpu[i], (long long)h->start[i], (long long)h->end[i], h->vcpu[j],
                         (long long)h->start[j], (long long)h->end[j]);
}

typedef struct lock_run {
    vl_scenario scn;
    vl_model m;
    vl_program prog;
    vl_wstats stats;
    hold_log *holds;
} lock_run;

/* One VM "k" of `vcpus` vCPUs on `pcpus`, plus an optional hog VM sharing
 * pCPU 0; each of `tasks` tasks loops: compute `user`, kernel call of
 * `call` at page_alloc holding the zone lock for `hold`. */
static void lock_setup_guest(lock_run *r, const char *policy, int pcpus, int vcpus, int tasks,
                             vl_ns user, vl_ns call, vl_ns hold, int hog, const char *dur,
                             const char *guest, const char *host)
{
    char yaml[1024];
    snprintf(yaml, sizeof yaml,
             "scheduler: %s\nhost: {pcpus: %d%s}\n"
             "vms:\n  - {name: k, vcpus: %d, guest: {%s}}\n%s"
             "run: {duration: %s}\n",
             policy, pcpus, host, vcpus, guest,
             hog ? "  - {name: hog, vcpus: 1, affinity: \"0\", workloads: [{type: cpu}]}\n" : "",
             dur);
    tk_load(&r->scn, yaml);
    vl_error err;
    assert_int_equal(vl_model_create(&r->m, &r->scn, r->scn.sched, 0, 0, NULL, &err), 0);
    vl_guest *g = r->m.guests[0];
    vl_prog_init(&r->prog);
    vl_dist u = vl_dist_const((double)user), c = vl_dist_const((double)call),
            h = vl_dist_const((double)hold);
    int body = vl_prog_compute(&r->prog, &u);
    vl_prog_kernel(&r->prog, vl_guest_activity(g, "page_alloc"), &c,
                   vl_guest_lock_class(g, "zone"), &h);
    vl_prog_loop(&r->prog, body, 0);
    memset(&r->stats, 0, sizeof r->stats);
    vl_hist_init(&r->stats.wake_latency);
    vl_hist_init(&r->stats.response);
    for (int i = 0; i < tasks; i++) {
        char name[32];
        snprintf(name, sizeof name, "t%d", i);
        assert_non_null(vl_guest_task_create(g, name, &r->prog, &r->stats));
    }
    r->holds = calloc(1, sizeof *r->holds);
    g->observer = (vl_guest_observer){.ctx = r->holds, .hold = on_hold};
}

static void lock_setup(lock_run *r, const char *policy, int pcpus, int vcpus, int tasks,
                       vl_ns user, vl_ns call, vl_ns hold, int hog, const char *dur)
{
    /* ticket locks without PV (a Linux <= 4.1 HVM guest): the plain FIFO
     * hand-off these tests are about */
    lock_setup_guest(r, policy, pcpus, vcpus, tasks, user, call, hold, hog, dur,
                     "virt: hvm, spinlock: ticket", "");
}

static const vl_lock_stats *zone_stats(lock_run *r)
{
    vl_guest *g = r->m.guests[0];
    return &g->classes[vl_guest_lock_class(g, "zone")].stats;
}

static void lock_run_go(lock_run *r)
{
    tk_go(&r->m);
}

static void lock_teardown(lock_run *r)
{
    vl_model_destroy(&r->m);
    vl_prog_fini(&r->prog);
    vl_wstats_free(&r->stats);
    vl_scenario_free(&r->scn);
    free(r->holds);
}

/* One task alone: 100k acquisitions, no contention, and the guest costs
 * no event for them (only the policy's slices and the watchdog). */
static void test_uncontended_costs_no_events(void **state)
{
    (void)state;
    lock_run r;
    lock_setup(&r, "fifo", 1, 1, 1, VL_US(8), VL_US(2), VL_US(1), 0, "1s");
    lock_run_go(&r);
    const vl_lock_stats *st = zone_stats(&r);
    print_message("acquisitions %llu, events %llu\n", (unsigned long long)st->acquisitions,
                  (unsigned long long)r.m.hv.sim.events);
    assert_true(st->acquisitions >= 99990 && st->acquisitions <= 100000);
    assert_int_equal(st->contended, 0);
    /* one plan covers 64 reservations (64 iterations): ~1600 plans, plus
     * 100 slices of 10 ms and the watchdog - one event per ~60 locks */
    assert_true(r.m.hv.sim.events < 2000);
    lock_teardown(&r);
}

/* Four vCPUs on four pCPUs want one lock for more than all of the time
 * (4 x 8 us per 28 us): holds never overlap, the lock saturates, waiters
 * spin (and take pause-loop exits) and wait at most three holds (FIFO). */
static void test_contended_mutual_exclusion(void **state)
{
    (void)state;
    lock_run r;
    lock_setup(&r, "fifo", 4, 4, 4, VL_US(18), VL_US(10), VL_US(8), 0, "100ms");
    lock_run_go(&r);
    const vl_lock_stats *st = zone_stats(&r);
    assert_exclusive(r.holds);
    vl_ns held = 0;
    for (int i = 0; i < r.holds->n; i++)
        held += r.holds->end[i] - r.holds->start[i];
    print_message("acq %llu contended %llu, mean wait %.1f us, lock busy %.0f%%\n",
                  (unsigned long long)st->acquisitions, (unsigned long long)st->contended,
                  st->contended ? (double)st->wait_ns / (double)st->contended / 1e3 : 0.0,
                  100.0 * (double)held / 1e8);
    assert_true(st->contended > st->acquisitions / 4);
    assert_true(r.holds->n < 20000);
    assert_true((double)held > 0.97 * 1e8); /* saturated */
    /* waits are bounded by three holds ahead (FIFO) */
    assert_true(st->wait.max <= VL_US(3 * 8) + VL_US(1));
    assert_int_equal(st->stacked, 0); /* a pCPU each: no holder is ever preempted */
    uint64_t ple = 0;
    for (int v = 0; v < 4; v++)
        ple += r.m.hv.vcpus[v].exits[VL_EXIT_PLE];
    assert_true(ple > 0);
    lock_teardown(&r);
}

/* FIFO: with three waiters queued, grants follow the order of arrival. */
static void test_fifo_handoff_order(void **state)
{
    (void)state;
    lock_run r;
    /* all four start at once: vCPU 0..3 reach the lock at the same instant;
     * the first to plan takes it; the others queue in planning order */
    lock_setup(&r, "fifo", 4, 4, 4, 0, VL_US(50), VL_US(40), 0, "1ms");
    lock_run_go(&r);
    assert_exclusive(r.holds);
    assert_true(r.holds->n >= 8);
    /* the grant order repeats: each vCPU gets its turn before any gets two */
    for (int i = 4; i < 8; i++)
        assert_int_equal(r.holds->vcpu[i], r.holds->vcpu[i - 4]);
    lock_teardown(&r);
}

/* Lock-holder preemption: the holder's vCPU shares pCPU 0 with a hog VM
 * (fifo 10 ms slices); when it is preempted inside a hold, the waiter on
 * pCPU 1 spins until the holder runs again. */
static void test_holder_preemption_stretches_waits(void **state)
{
    (void)state;
    lock_run r;
    lock_setup(&r, "fifo", 2, 2, 2, VL_US(20), VL_US(30), VL_US(25), 1, "2s");
    lock_run_go(&r);
    const vl_lock_stats *st = zone_stats(&r);
    assert_exclusive(r.holds);
    print_message("holder preemptions %llu, waiter preemptions %llu, stacked %llu, max wait "
                  "%.2f ms\n", (unsigned long long)st->holder_preemptions,
                  (unsigned long long)st->waiter_preemptions, (unsigned long long)st->stacked,
                  (double)st->wait.max / 1e6);
    assert_true(st->holder_preemptions + st->waiter_preemptions > 0);
    /* a holder preempted by the hog while the waiter gets a pCPU: stacking */
    assert_true(st->stacked > 0);
    /* a wait spans the hog's 10 ms slice: three orders of magnitude above
     * an uncontended hand-off */
    assert_true(st->wait.max > VL_MS(5));
    assert_true(r.m.hv.vcpus[1].exits[VL_EXIT_PLE] > 0);
    lock_teardown(&r);
}

/* Unfair (test-and-set) locks: four kernel-intensive vCPUs share two pCPUs
 * with a hog (fifo, 10 ms slices), so waiters are preempted.  With ticket
 * locks the lock goes to the next waiter even off its pCPU; unfair locks
 * never hand it to a vCPU that does not run (a running spinner takes it,
 * or a preempted one when it spins again), and exclusion still holds. */
static void test_unfair_locks_skip_preempted_waiters(void **state)
{
    (void)state;
    uint64_t offcpu[2], contended[2];
    for (int unfair = 0; unfair < 2; unfair++) {
        lock_run r;
        lock_setup_guest(&r, "fifo", 2, 4, 4, VL_US(20), VL_US(30), VL_US(25), 1, "1s",
                         unfair ? "virt: hvm, spinlock: unfair" : "virt: hvm, spinlock: ticket",
                         "");
        lock_run_go(&r);
        assert_exclusive(r.holds);
        offcpu[unfair] = zone_stats(&r)->offcpu_handoffs;
        contended[unfair] = zone_stats(&r)->contended;
        lock_teardown(&r);
    }
    print_message("hand-offs to off-CPU waiters: ticket %llu of %llu contended, unfair %llu of "
                  "%llu\n", (unsigned long long)offcpu[0], (unsigned long long)contended[0],
                  (unsigned long long)offcpu[1], (unsigned long long)contended[1]);
    assert_true(offcpu[0] > 10);
    assert_int_equal(offcpu[1], 0);
    assert_true(contended[1] > 50);
}

/* PV spinlocks: two kernel-intensive vCPUs share two pCPUs with three hog
 * vCPUs (fifo, 10 ms slices, turns out of step), so lock holders and
 * waiters are preempted; PLE is off, so a waiter spins until the hand-off.
 * A waiter spins at most pv_spin, then halts until the hand-off kicks it:
 * its vCPU blocks instead of burning its pCPU, and exclusion still holds. */
static vl_ns spin_cpu(const char *guest, uint64_t *halts, vl_ns *blocked)
{
    char yaml[1024];
    snprintf(yaml, sizeof yaml,
             "scheduler: fifo\nhost: {pcpus: 2, ple: {enabled: false}}\nvms:\n"
             "  - name: k\n    vcpus: 2\n    guest: {%s}\n"
             "    workloads: [{type: syscalls, tasks: 2, user: 20us, call: 30us, lock: zone,"
             " hold: 25us}]\n"
             "  - {name: hog, vcpus: 3, workloads: [{type: cpu, tasks: 3}]}\n"
             "run: {duration: 2s}\n",
             guest);
    vl_scenario scn;
    vl_model m;
    tk_load(&scn, yaml);
    assert_int_equal(tk_run(&m, &scn, scn.sched, 0, NULL), 0);
    vl_ns ran = 0;
    *halts = 0;
    *blocked = 0;
    for (int v = 0; v < 2; v++) {
        *halts += m.hv.vcpus[v].exits[VL_EXIT_HLT];
        *blocked += vl_model_vcpu_time(&m, v, VL_BLOCKED);
        ran += vl_model_vcpu_time(&m, v, VL_RUNNING);
    }
    vl_ns spin = ran - m.workloads[0].stats.work_ns;
    vl_model_destroy(&m);
    vl_scenario_free(&scn);
    return spin;
}

static void test_pv_spinlocks_halt_and_kick(void **state)
{
    (void)state;
    uint64_t halts_plain, halts_pv;
    vl_ns blocked_plain, blocked_pv;
    vl_ns spin_plain = spin_cpu("virt: hvm, spinlock: ticket", &halts_plain, &blocked_plain);
    vl_ns spin_pv = spin_cpu("spinlock: ticket, pv_spinlocks: true, pv_spin: 50us", &halts_pv,
                             &blocked_pv); /* PV ticket locks (Linux 3.12-4.1) */
    print_message("halts %llu -> %llu, blocked %.1f -> %.1f ms, CPU spent spinning %.1f -> "
                  "%.1f ms\n",
                  (unsigned long long)halts_plain, (unsigned long long)halts_pv,
                  (double)blocked_plain / 1e6, (double)blocked_pv / 1e6, (double)spin_plain / 1e6,
                  (double)spin_pv / 1e6);
    assert_int_equal(halts_plain, 0);
    assert_int_equal(blocked_plain, 0);
    assert_true(halts_pv >= 5);
    assert_true(blocked_pv > 0);
    /* once kicked, the waiter queues behind the hogs (fifo has no boost):
     * the spinning it no longer does is the gain */
    assert_true(spin_pv < spin_plain * 6 / 10);
}

/* PV queued spinlocks (Linux >= 4.2): a release whose queue head is halted
 * in pv_wait leaves the lock free and kicks the head; a running vCPU may
 * take it meanwhile.  PV ticket locks hand it to the halted head, which
 * holds it off its pCPU until the kick brings it back.  Same contention as
 * above, waiters halting after 20 us of spinning, no PLE (so a vCPU out of
 * guest mode is preempted or halted, not in a pause-loop exit). */
static void test_pv_queued_locks_let_running_vcpus_steal(void **state)
{
    (void)state;
    uint64_t offcpu[2], contended[2];
    vl_ns work[2];
    for (int queued = 0; queued < 2; queued++) {
        lock_run r;
        lock_setup_guest(&r, "fifo", 2, 4, 4, VL_US(20), VL_US(30), VL_US(25), 1, "1s",
                         queued ? "pv_spinlocks: true, pv_spin: 20us, spinlock: queued"
                                : "pv_spinlocks: true, pv_spin: 20us, spinlock: ticket",
                         ", ple: {enabled: false}");
        lock_run_go(&r);
        assert_exclusive(r.holds);
        offcpu[queued] = zone_stats(&r)->offcpu_handoffs;
        contended[queued] = zone_stats(&r)->contended;
        work[queued] = r.stats.work_ns;
        lock_teardown(&r);
    }
    print_message("PV ticket: %llu of %llu contended handed off-CPU, work %.3f s; PV queued: "
                  "%llu of %llu, work %.3f s\n", (unsigned long long)offcpu[0],
                  (unsigned long long)contended[0], (double)work[0] / 1e9,
                  (unsigned long long)offcpu[1], (unsigned long long)contended[1],
                  (double)work[1] / 1e9);
    /* ticket: each hand-off waits for a halted head's kick and its pCPU
     * (a convoy); queued: running vCPUs go on taking the free lock */
    assert_true(offcpu[0] > 0.9 * (double)contended[0]);
    assert_true(work[1] > 2 * work[0]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_uncontended_costs_no_events),
        cmocka_unit_test(test_contended_mutual_exclusion),
        cmocka_unit_test(test_fifo_handoff_order),
        cmocka_unit_test(test_holder_preemption_stretches_waits),
        cmocka_unit_test(test_pv_spinlocks_halt_and_kick),
        cmocka_unit_test(test_unfair_locks_skip_preempted_waiters),
        cmocka_unit_test(test_pv_queued_locks_let_running_vcpus_steal),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
