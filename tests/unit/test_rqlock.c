/* test_rqlock.c - the guest's runqueue locks (guest.runqueue_lock, on by
 * default): a remote wake-up holds the target vCPU's lock around its
 * reschedule IPI, a switch holds the vCPU's own, nothing takes them when
 * the knob is off, and a waker preempted at its IPI's exit for the vCPU it
 * woke makes that vCPU's switch spin until the waker runs again. */
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

/* Runqueue-lock holds seen by the observer. */
typedef struct rq_holds {
    int cls;
    int n, switches; /* all holds; those of exactly a switch's 1 us */
    vl_ns longest;
} rq_holds;

static void on_hold(void *ctx, const vl_guest *g, const vl_glock *L, int v, vl_ns start,
                    vl_ns end)
{
    (void)g, (void)v;
    rq_holds *h = ctx;
    if (L->cls != h->cls)
        return;
    h->n++;
    if (end - start == 1000)
        h->switches++;
    if (end - start > h->longest)
        h->longest = end - start;
}

typedef struct rq_run {
    vl_scenario scn;
    vl_model m;
    vl_program prog;
    vl_wstats stats;
    rq_holds holds;
} rq_run;

/* 4 parties of VM k loop {compute 100 us; barrier} on 4 pCPUs, a hog VM
 * on pCPU 3 (fifo: 10 ms slices); the last arrival wakes the others. */
static const vl_lock_stats *barrier_run(rq_run *r, const char *guest, const char *host)
{
    char yaml[768];
    snprintf(yaml, sizeof yaml,
             "scheduler: fifo\nhost: {pcpus: 4%s}\n"
             "vms:\n  - {name: k, vcpus: 4, guest: {%s}}\n"
             "  - {name: hog, vcpus: 1, affinity: \"3\", workloads: [{type: cpu}]}\n"
             "run: {duration: 2s}\n",
             host, guest);
    tk_load(&r->scn, yaml);
    vl_error err;
    assert_int_equal(vl_model_create(&r->m, &r->scn, r->scn.sched, 0, 0, NULL, &err), 0);
    vl_guest *g = r->m.guests[0];
    memset(&r->stats, 0, sizeof r->stats);
    vl_hist_init(&r->stats.wake_latency);
    vl_hist_init(&r->stats.response);
    int b = vl_sync_new(g, 4, 0);
    vl_dist c = vl_dist_const(100e3);
    vl_prog_init(&r->prog);
    int body = vl_prog_compute(&r->prog, &c);
    vl_prog_barrier(&r->prog, b);
    vl_prog_loop(&r->prog, body, 0);
    for (int i = 0; i < 4; i++)
        assert_non_null(vl_guest_task_create(g, "p", &r->prog, &r->stats));
    r->holds = (rq_holds){.cls = vl_guest_lock_class(g, "runqueue")};
    g->observer = (vl_guest_observer){.ctx = &r->holds, .hold = on_hold};
    tk_go(&r->m);
    return &g->classes[r->holds.cls].stats;
}

static void barrier_done(rq_run *r)
{
    vl_model_destroy(&r->m);
    vl_prog_fini(&r->prog);
    vl_wstats_free(&r->stats);
    vl_scenario_free(&r->scn);
}

/* Off: no runqueue lock is taken. */
static void test_off_takes_no_runqueue_lock(void **state)
{
    (void)state;
    rq_run r;
    const vl_lock_stats *st = barrier_run(&r, "wakeup_ipi: resched, runqueue_lock: false", "");
    assert_int_equal(st->acquisitions, 0);
    assert_int_equal(r.holds.n, 0);
    barrier_done(&r);
}

/* Older kernels (every remote wake-up locks the target's runqueue): a
 * wake hold lasts the activation plus the IPI's 1.5 us exit; switches
 * hold 1 us.  With the wake list, waking an idle vCPU takes no remote
 * lock: the parties wait halted, so only switches hold one. */
static void test_wake_and_switch_holds(void **state)
{
    (void)state;
    rq_run r;
    const vl_lock_stats *st = barrier_run(&r, "wakeup_ipi: resched, runqueue_lock: true", "");
    print_message("resched: %d holds, %d of a switch, longest %lld ns, %llu acquisitions\n",
                  r.holds.n, r.holds.switches, (long long)r.holds.longest,
                  (unsigned long long)st->acquisitions);
    vl_ns exit = r.m.hv.costs.exit_entry;
    assert_true(r.holds.switches > 1000);
    assert_true(r.holds.longest >= 500 + exit);
    assert_true(st->acquisitions >= (uint64_t)r.holds.n);
    int resched_holds = r.holds.n;
    barrier_done(&r);

    st = barrier_run(&r, "wakeup_ipi: wakelist, runqueue_lock: true", "");
    print_message("wakelist: %d holds, %d of a switch, longest %lld ns\n", r.holds.n,
                  r.holds.switches, (long long)r.holds.longest);
    assert_true(r.holds.switches > 1000);
    assert_true(r.holds.longest < 500 + exit); /* no wake hold with an exit in it */
    assert_true(r.holds.n < resched_holds);
    barrier_done(&r);
}

/* A producer that never blocks wakes a consumer that waits for each item
 * (wake / wait on one sync object); VM k's two vCPUs share one pCPU under
 * cfs.  The hypervisor wakes the consumer's halted vCPU from inside the
 * producer's IPI exit, and CFS's wake-up preemption puts it on the pCPU
 * at once: the producer leaves at its exit, holding the consumer's
 * runqueue lock, and the consumer's switch spins on that lock until a
 * pause-loop exit's directed yield runs the producer again. */
static void test_waker_preempted_at_its_exit(void **state)
{
    (void)state;
    rq_run r;
    vl_prog_init(&r.prog); /* unused here; barrier_done frees it */
    tk_load(&r.scn, "scheduler: cfs\nhost: {pcpus: 1}\n"
                    "vms:\n  - {name: k, vcpus: 2, guest: {wakeup_ipi: resched}}\n"
                    "run: {duration: 1s}\n");
    vl_error err;
    assert_int_equal(vl_model_create(&r.m, &r.scn, r.scn.sched, 0, 0, NULL, &err), 0);
    vl_guest *g = r.m.guests[0];
    memset(&r.stats, 0, sizeof r.stats);
    vl_hist_init(&r.stats.wake_latency);
    vl_hist_init(&r.stats.response);
    int item = vl_sync_new(g, 0, 0);
    vl_dist produce = vl_dist_const(100e3), consume = vl_dist_const(20e3);
    vl_program prod, cons;
    vl_prog_init(&prod);
    int p = vl_prog_compute(&prod, &produce);
    vl_prog_wake(&prod, item);
    vl_prog_loop(&prod, p, 0);
    vl_prog_init(&cons);
    int c = vl_prog_wait(&cons, item);
    vl_prog_compute(&cons, &consume);
    vl_prog_loop(&cons, c, 0);
    assert_non_null(vl_guest_task_create(g, "producer", &prod, &r.stats));
    assert_non_null(vl_guest_task_create(g, "consumer", &cons, &r.stats));
    tk_go(&r.m);
    const vl_lock_stats *st = &g->classes[vl_guest_lock_class(g, "runqueue")].stats;
    print_message("holder preemptions %llu, contended %llu of %llu, wait mean %.1f us, max "
                  "%.1f us; PLE exits %llu\n", (unsigned long long)st->holder_preemptions,
                  (unsigned long long)st->contended, (unsigned long long)st->acquisitions,
                  vl_hist_mean(&st->wait) / 1e3, (double)st->wait.max / 1e3,
                  (unsigned long long)(r.m.hv.vcpus[0].exits[VL_EXIT_PLE] +
                                       r.m.hv.vcpus[1].exits[VL_EXIT_PLE]));
    assert_true(st->holder_preemptions > 100);
    assert_true(st->contended > 100);
    assert_true(vl_hist_mean(&st->wait) > VL_US(100)); /* not an uncontended 2 us hold */
    barrier_done(&r);
    vl_prog_fini(&prod);
    vl_prog_fini(&cons);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_off_takes_no_runqueue_lock),
        cmocka_unit_test(test_wake_and_switch_holds),
        cmocka_unit_test(test_waker_preempted_at_its_exit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
