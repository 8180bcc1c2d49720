/* test_rqlock.c - the guest's runqueue locks (guest.runqueue_lock, on by
 * default): a remote wake-up holds the target vCPU's lock around its
 * reschedule IPI, a switch holds the vCPU's own, nothing takes them when
 * the knob is off, and a waker preempted at its IPI's exit for the vCPU it
 * woke makes that vCPU's switch spin until the waker runs again.  The tick
 * of every busy vCPU holds its own lock, and waits for it only when
 * another vCPU takes it; load balancing holds the busiest vCPU's lock,
 * then its own, at a periodic balance (after the tick) and when a vCPU
 * about to idle pulls a task (after the switch). */
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
#include "guest/task.h"
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

/* Runqueue-lock holds and spins by the activity of the op that holds or
 * waits (the head op of the vCPU's current task when the observer is
 * called), and the sequences that tell a balance's origin. */
typedef struct act_log {
    int cls, tick, balance, schedule, wakeup; /* class, activities */
    int holds[64], own[64];                 /* by activity; on the vCPU's own lock */
    int spins[64];                          /* spin intervals, by the waiter's activity */
    int last[64];                           /* per vCPU: the previous hold's activity */
    int tick_then_detach, switch_then_detach; /* a balance's detach right after... */
    /* per lock instance: recent ends of remote wake-up holds and starts of
     * tick holds; a tick hold starting as a remote waker's hold ends was
     * handed the lock: it waited for that waker */
    vl_ns wake_end[8][32], tick_start[8][32];
    int nwake[8], ntick[8];
    int tick_waited;
} act_log;

static bool recent(const vl_ns *ring, int n, vl_ns at)
{
    for (int i = 0; i < (n < 32 ? n : 32); i++)
        if (ring[i] == at)
            return true;
    return false;
}

static int head_activity(const vl_guest *g, int v)
{
    vl_task *t = g->vcpus[v].curr;
    vl_opi *o = t ? vl_task_op((vl_guest *)g, t, 0) : NULL;
    return o ? o->activity : -1;
}

static void log_hold(void *ctx, const vl_guest *g, const vl_glock *L, int v, vl_ns start,
                     vl_ns end)
{
    (void)start, (void)end;
    act_log *a = ctx;
    int act = head_activity(g, v);
    if (L->cls != a->cls || act < 0)
        return;
    int inst = L->id - g->classes[L->cls].first;
    bool own = inst == v;
    if (inst < 8 && act == a->wakeup && !own) {
        a->tick_waited += recent(a->tick_start[inst], a->ntick[inst], end);
        a->wake_end[inst][a->nwake[inst]++ % 32] = end;
    }
    if (inst < 8 && act == a->tick) {
        a->tick_waited += recent(a->wake_end[inst], a->nwake[inst], start);
        a->tick_start[inst][a->ntick[inst]++ % 32] = start;
    }
    a->holds[act]++;
    a->own[act] += own;
    if (act == a->balance && !own) { /* a detach: what came just before it */
        a->tick_then_detach += a->last[v] == a->tick;
        a->switch_then_detach += a->last[v] == a->schedule;
    }
    a->last[v] = act;
}

static void log_spin(void *ctx, const vl_guest *g, const vl_glock *L, int v, vl_ns start,
                     vl_ns end)
{
    (void)start, (void)end;
    act_log *a = ctx;
    int act = head_activity(g, v);
    if (L && L->cls == a->cls && act >= 0)
        a->spins[act]++;
}

/* Tasks a test adds to VM 0 (besides its workloads). */
typedef struct act_tasks {
    vl_program prog[2];
    int nprogs, copies; /* `copies` tasks of each program */
    bool pair;          /* prog[0] wakes prog[1] through one sync object */
    bool blocked;       /* and a task blocked for good (a wait nobody answers) */
} act_tasks;

/* Runs `yaml` with the tasks of *x (NULL: none) in VM 0, logging VM 0's
 * runqueue-lock holds and spins into *a. */
static void act_run(const char *yaml, act_tasks *x, act_log *a, vl_lock_stats *st,
                    uint64_t *migrations)
{
    vl_scenario scn;
    vl_model m;
    vl_wstats stats;
    tk_load(&scn, yaml);
    vl_error err;
    assert_int_equal(vl_model_create(&m, &scn, scn.sched, 0, 0, NULL, &err), 0);
    vl_guest *g = m.guests[0];
    memset(&stats, 0, sizeof stats);
    vl_hist_init(&stats.wake_latency);
    vl_hist_init(&stats.response);
    if (x && x->pair) { /* producer {compute 20 us; wake}, consumer {wait; compute 10 us} */
        int item = vl_sync_new(g, 0, 0);
        vl_dist produce = vl_dist_const(20e3), consume = vl_dist_const(10e3);
        int p = vl_prog_compute(&x->prog[0], &produce);
        vl_prog_wake(&x->prog[0], item);
        vl_prog_loop(&x->prog[0], p, 0);
        int c = vl_prog_wait(&x->prog[1], item);
        vl_prog_compute(&x->prog[1], &consume);
        vl_prog_loop(&x->prog[1], c, 0);
    }
    vl_program stuck;
    vl_prog_init(&stuck);
    if (x && x->blocked) {
        vl_prog_wait(&stuck, vl_sync_new(g, 0, 0));
        assert_non_null(vl_guest_task_create(g, "blocked", &stuck, &stats));
    }
    for (int k = 0; x && k < x->nprogs; k++)
        for (int i = 0; i < x->copies; i++)
            assert_non_null(vl_guest_task_create(g, "t", &x->prog[k], &stats));
    memset(a, 0, sizeof *a);
    for (int v = 0; v < 64; v++)
        a->last[v] = -1;
    a->cls = vl_guest_lock_class(g, "runqueue");
    a->tick = vl_guest_activity(g, "tick");
    a->balance = vl_guest_activity(g, "balance");
    a->schedule = vl_guest_activity(g, "schedule");
    a->wakeup = vl_guest_activity(g, "wakeup");
    g->observer = (vl_guest_observer){.ctx = a, .hold = log_hold, .spin = log_spin};
    tk_go(&m);
    *st = g->classes[a->cls].stats;
    *migrations = g->migrations;
    vl_model_destroy(&m);
    vl_prog_fini(&stuck);
    vl_wstats_free(&stats);
    vl_scenario_free(&scn);
}

/* VM k: two vCPUs on two pCPUs of their own (fifo), `hogs` CPU hogs, the
 * guest settings `guest`; 1 s. */
static const char *two_vcpus(char *buf, size_t size, int hogs, const char *guest)
{
    snprintf(buf, size,
             "scheduler: fifo\nhost: {pcpus: 2}\n"
             "vms:\n  - {name: k, vcpus: 2, guest: {%s}, workloads: [{type: cpu, tasks: %d}]}\n"
             "run: {duration: 1s}\n",
             guest, hogs);
    return buf;
}

/* Two hogs on two vCPUs with a pCPU each, HZ 1000, 1 s, and a task
 * blocked for good (a wait nobody answers): every tick of both vCPUs
 * holds that vCPU's own lock (scheduler_tick), and no tick waits: no
 * other vCPU takes those locks.  Without a blocked task no other vCPU
 * could take them, and the ticks are not modelled: the hogs run without
 * an event.  Off: no tick holds. */
static void test_tick_holds_its_own_runqueue_lock(void **state)
{
    (void)state;
    act_tasks x = {.blocked = true};
    act_log a;
    vl_lock_stats st;
    uint64_t mig;
    char buf[512];
    act_run(two_vcpus(buf, sizeof buf, 2, "hz: 1000"), &x, &a, &st, &mig);
    print_message("tick holds %d (own %d), contended %llu of %llu\n", a.holds[a.tick],
                  a.own[a.tick], (unsigned long long)st.contended,
                  (unsigned long long)st.acquisitions);
    assert_in_range(a.holds[a.tick], 2 * 1000 - 10, 2 * 1000 + 2);
    assert_int_equal(a.own[a.tick], a.holds[a.tick]);
    assert_int_equal(a.tick_waited, 0);
    assert_int_equal(st.contended, 0);
    act_run(buf, NULL, &a, &st, &mig);
    assert_int_equal(a.holds[a.tick], 0);
    act_run(two_vcpus(buf, sizeof buf, 2, "hz: 1000, runqueue_lock: false"), &x, &a, &st, &mig);
    assert_int_equal(a.holds[a.tick], 0);
    assert_int_equal(st.acquisitions, 0);
}

/* Three producers waking three consumers beside two hogs, 8 tasks on 3
 * vCPUs (HZ 1000): a wake-up of a task whose vCPU is busy holds that
 * vCPU's lock (older kernels' ttwu), and a tick that falls inside such a
 * hold waits for it: it is handed the lock as the waker's hold ends. */
static void test_tick_waits_for_a_remote_waker(void **state)
{
    (void)state;
    act_tasks x = {.nprogs = 2, .copies = 3, .pair = true};
    vl_prog_init(&x.prog[0]);
    vl_prog_init(&x.prog[1]);
    act_log a;
    vl_lock_stats st;
    uint64_t mig;
    act_run("scheduler: fifo\nhost: {pcpus: 2}\n"
            "vms:\n  - {name: k, vcpus: 3, guest: {hz: 1000, wakeup_ipi: resched}, "
            "workloads: [{type: cpu, tasks: 2}]}\n"
            "run: {duration: 1s}\n",
            &x, &a, &st, &mig);
    print_message("tick holds %d, %d waited for a waker; remote wake-up holds %d; contended "
                  "%llu of %llu\n", a.holds[a.tick], a.tick_waited,
                  a.holds[a.wakeup] - a.own[a.wakeup],
                  (unsigned long long)st.contended, (unsigned long long)st.acquisitions);
    assert_true(a.holds[a.tick] > 1000);
    assert_true(a.holds[a.wakeup] - a.own[a.wakeup] > 1000);
    assert_true(a.tick_waited > 0);
    vl_prog_fini(&x.prog[0]);
    vl_prog_fini(&x.prog[1]);
}

/* Three hogs on two vCPUs: the periodic balance moves the odd task back
 * and forth, every other attempt (nr_balance_failed); each attempt holds
 * the busiest (other) vCPU's lock, and a pull then the puller's own to
 * attach (one per migration: nothing else migrates here).  The puller's
 * own ticks hold nothing here (no task waits on it and none is blocked);
 * the busiest's do.  Off: no balance holds. */
static void test_periodic_balance_holds_both_locks(void **state)
{
    (void)state;
    act_log a;
    vl_lock_stats st;
    uint64_t mig;
    char buf[512];
    act_run(two_vcpus(buf, sizeof buf, 3, ""), NULL, &a, &st, &mig);
    int detach = a.holds[a.balance] - a.own[a.balance], attach = a.own[a.balance];
    print_message("balance holds: detach %d (after a tick %d), attach %d; migrations %llu\n",
                  detach, a.tick_then_detach, attach, (unsigned long long)mig);
    assert_true(attach > 10);
    assert_in_range((uint64_t)attach, mig - 1, mig); /* the last hold may not have ended */
    assert_in_range(detach, 2 * attach - 1, 2 * attach + 1);
    assert_true(a.holds[a.tick] > 0);
    act_run(two_vcpus(buf, sizeof buf, 3, "runqueue_lock: false"), NULL, &a, &st, &mig);
    assert_int_equal(a.holds[a.balance], 0);
}

/* Three tasks {compute 3 ms; sleep 1 ms} on two vCPUs: a vCPU whose task
 * sleeps while the other has one waiting pulls it (newidle balance): the
 * pulled task holds the other vCPU's lock right after its switch, then
 * its own. */
static void test_idle_pull_holds_both_locks(void **state)
{
    (void)state;
    act_tasks x = {.nprogs = 1, .copies = 3};
    vl_prog_init(&x.prog[0]);
    vl_dist c = vl_dist_const(3e6), z = vl_dist_const(1e6);
    int body = vl_prog_compute(&x.prog[0], &c);
    vl_prog_sleep(&x.prog[0], &z);
    vl_prog_loop(&x.prog[0], body, 0);
    act_log a;
    vl_lock_stats st;
    uint64_t mig;
    act_run("scheduler: fifo\nhost: {pcpus: 2}\nvms:\n  - {name: k, vcpus: 2}\n"
            "run: {duration: 1s}\n",
            &x, &a, &st, &mig);
    print_message("balance holds %d (own %d), detach after a switch %d, after a tick %d\n",
                  a.holds[a.balance], a.own[a.balance], a.switch_then_detach,
                  a.tick_then_detach);
    assert_true(a.switch_then_detach > 10);
    assert_true(a.own[a.balance] >= a.switch_then_detach - 1); /* the last may not have ended */
    vl_prog_fini(&x.prog[0]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_off_takes_no_runqueue_lock),
        cmocka_unit_test(test_wake_and_switch_holds),
        cmocka_unit_test(test_waker_preempted_at_its_exit),
        cmocka_unit_test(test_tick_holds_its_own_runqueue_lock),
        cmocka_unit_test(test_tick_waits_for_a_remote_waker),
        cmocka_unit_test(test_periodic_balance_holds_both_locks),
        cmocka_unit_test(test_idle_pull_holds_both_locks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
