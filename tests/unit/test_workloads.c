/* test_workloads.c - each workload model of docs/workloads.md shows the
 * behaviour documented for it there, run alone (at most 4 vCPUs on their
 * own pCPUs, at most 2 simulated seconds): utilisation, message and
 * release counts, blocking wake-ups, IPIs and shootdowns per CPU-second.
 * gmake, dedup, vips, swaptions and blackscholes are pinned in test_apps.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "guest/kernel.h"
#include "guest/tlb.h"
#include "testkit.h"

#define IN(x, lo, hi) assert_true((x) >= (lo) && (x) <= (hi))

/* Runs `workload` (a flow mapping's inside) alone on `vcpus` vCPUs and
 * pCPUs for `duration` under CFS. */
static void run_alone(tk_sim *t, int vcpus, const char *workload, const char *duration)
{
    char yaml[512];
    snprintf(yaml, sizeof yaml,
             "host: {pcpus: %d}\nvms: [{name: a, vcpus: %d, workloads: [{%s}]}]\n"
             "run: {duration: %s}\n",
             vcpus, vcpus, workload, duration);
    tk_open(t, "cfs", yaml);
    tk_go(&t->m);
}

/* CPU-seconds of the VM's vCPUs over the measured window. */
static double cpu_seconds(const tk_sim *t)
{
    return (double)t->m.guests[0]->nvcpus * (double)vl_model_window(&t->m) / 1e9;
}

static double utilisation(const tk_sim *t)
{
    return (double)t->m.workloads[0].stats.work_ns / 1e9 / cpu_seconds(t);
}

/* Wake-up IPIs (reschedule, and call-function-single to idle vCPUs) per
 * CPU-second. */
static double wake_ipis(const tk_sim *t)
{
    const vl_guest *g = t->m.guests[0];
    return (double)(vl_guest_ipis_sent(g, VL_VEC_RESCHEDULE) + vl_guest_ipis_sent(g, 0xfb)) /
           cpu_seconds(t);
}

/* Tasks that ran after a wake-up (timer or futex) per CPU-second. */
static double wakeups(const tk_sim *t)
{
    return (double)t->m.workloads[0].stats.wake_latency.count / cpu_seconds(t);
}

static uint64_t acquisitions(const tk_sim *t, const char *cls)
{
    const vl_guest *g = t->m.guests[0];
    return g->classes[vl_guest_lock_class(g, cls)].stats.acquisitions;
}

static int exited_tasks(const tk_sim *t)
{
    const vl_guest *g = t->m.guests[0];
    int n = 0;
    for (int i = 0; i < g->ntasks; i++)
        n += g->tasks[i]->state == VL_TASK_EXITED;
    return n;
}

/* hackbench with finite loops: every message is written and read once
 * (each side takes the receiving socket's lock once), and every sender and
 * receiver exits. */
static void test_hackbench_finite_ends(void **state)
{
    (void)state;
    tk_sim t;
    run_alone(&t, 4, "type: hackbench, groups: 2, fds: 5, loops: 1000", "1s");
    uint64_t messages = 2 * 5 * 1000;
    print_message("hackbench 2x5x1000: unix lock %llu, exited %d of %d\n",
                  (unsigned long long)acquisitions(&t, "unix"), exited_tasks(&t),
                  t.m.guests[0]->ntasks);
    assert_int_equal(acquisitions(&t, "unix"), 2 * messages);
    assert_int_equal(t.m.guests[0]->ntasks, 2 * 2 * 5);
    assert_int_equal(exited_tasks(&t), 2 * 2 * 5);
    assert_true(utilisation(&t) < 0.5); /* done long before the second ends */
    tk_close(&t);
}

/* A fixed amount of work (`iterations`): every application model's
 * threads run their outer loop that many times and exit, none left
 * waiting on a partner (facesim's workers take two tasks a round, dedup's
 * producers and consumers pass as many items); the workload is done when
 * its last thread exits, and the run ends then. */
static void test_iterations_end_the_run(void **state)
{
    (void)state;
    static const char *const apps[] = {"blackscholes", "bodytrack", "canneal", "dedup",
                                       "facesim", "fluidanimate", "freqmine", "gmake",
                                       "streamcluster", "swaptions", "vips", "x264"};
    for (size_t i = 0; i < sizeof apps / sizeof apps[0]; i++) {
        char wl[96];
        tk_sim t;
        snprintf(wl, sizeof wl, "type: %s, iterations: 3", apps[i]);
        run_alone(&t, 4, wl, "100s");
        const vl_wstats *s = &t.m.workloads[0].stats;
        print_message("%s x 3: done at %.3f ms, run ended at %.3f ms\n", apps[i],
                      (double)s->done_ns / 1e6, (double)t.m.hv.sim.now / 1e6);
        assert_true(s->done_ns > 0);
        assert_int_equal(t.m.hv.sim.now, s->done_ns);
        assert_int_equal(t.m.duration, s->done_ns);
        for (int k = 0; k < t.m.guests[0]->ntasks; k++) /* gmake's jobs are reaped */
            assert_int_equal(t.m.guests[0]->tasks[k]->state, VL_TASK_EXITED);
        tk_close(&t);
    }
}

/* Beside a workload with a fixed amount of work an endless one runs on
 * until the first is done; the work grows with the iterations. */
static void test_iterations_endless_beside(void **state)
{
    (void)state;
    tk_sim t;
    vl_ns done[2];
    for (int i = 0; i < 2; i++) {
        char yaml[320];
        snprintf(yaml, sizeof yaml,
                 "host: {pcpus: 2}\nvms:\n"
                 "  - {name: a, vcpus: 2, workloads: [{type: swaptions, iterations: %d}]}\n"
                 "  - {name: b, vcpus: 1, workloads: [{type: x264}]}\n"
                 "run: {duration: 100s}\n", 20 * (i + 1));
        tk_open(&t, "cfs", yaml);
        tk_go(&t.m);
        done[i] = t.m.workloads[0].stats.done_ns;
        assert_true(done[i] > 0);
        assert_int_equal(t.m.hv.sim.now, done[i]);
        assert_int_equal(t.m.workloads[1].stats.done_ns, 0); /* endless */
        assert_true(t.m.workloads[1].stats.work_ns > done[i] / 4); /* it ran meanwhile */
        tk_close(&t);
    }
    print_message("swaptions x 20: %.1f ms, x 40: %.1f ms\n", done[0] / 1e6, done[1] / 1e6);
    IN((double)done[1] / (double)done[0], 1.6, 2.4);
}

/* hackbench -g 4 running on: ~250 k messages per CPU-second (measured
 * 1.6 M messages in 3.19 s on 2 vCPUs, 4.3), every vCPU busy, receivers
 * running dry now and then (blocking wake-ups with IPIs). */
static void test_hackbench_rates(void **state)
{
    (void)state;
    tk_sim t;
    run_alone(&t, 4, "type: hackbench, groups: 4, loops: 0", "500ms");
    double msgs = (double)acquisitions(&t, "unix") / 2 / cpu_seconds(&t);
    print_message("hackbench -g 4: %.0f messages, %.0f wake-ups, %.0f wake IPIs per CPU-s, "
                  "util %.3f\n", msgs, wakeups(&t), wake_ipis(&t), utilisation(&t));
    IN(msgs, 200e3, 300e3);
    assert_true(utilisation(&t) > 0.99);
    assert_true(wakeups(&t) > 0 && wake_ipis(&t) > 0);
    assert_int_equal(exited_tasks(&t), 0);
    tk_close(&t);
}

/* lookbusy at 25/50/75 %: one thread per vCPU, each within 3 % of its
 * utilisation, cycling busy/asleep ~28 times a second (36 ms cycle, 4.13);
 * at 100 % it never sleeps. */
static void test_lookbusy_utilisation(void **state)
{
    (void)state;
    static const int pct[] = {25, 50, 75, 100};
    for (size_t k = 0; k < sizeof pct / sizeof pct[0]; k++) {
        tk_sim t;
        char wl[64];
        snprintf(wl, sizeof wl, "type: lookbusy, util: %d", pct[k]);
        run_alone(&t, 4, wl, "2s");
        double u = utilisation(&t), cycles = wakeups(&t);
        print_message("lookbusy %d%%: util %.4f, %.1f wake-ups per CPU-s\n", pct[k], u, cycles);
        assert_int_equal(t.m.guests[0]->ntasks, 4);
        assert_true(u >= pct[k] / 100.0 * 0.97 && u <= pct[k] / 100.0 * 1.03);
        if (pct[k] < 100)
            IN(cycles, 25, 29);
        else
            assert_true(cycles < 1);
        tk_close(&t);
    }
}

/* Recorded values above `limit` (bucket resolution: 1.6 %). */
static uint64_t count_above(const vl_hist *h, int64_t limit)
{
    int cursor = 0;
    int64_t v;
    uint64_t cum, upto = 0;
    while (vl_hist_next(h, &cursor, &v, &cum))
        if (v <= limit)
            upto = cum;
    return h->count - upto;
}

typedef struct rt_outcome {
    double releases;    /* per task per second                  */
    double wake_mean;   /* ns, release -> running                */
    uint64_t misses;    /* jobs that ended after their deadline  */
    uint64_t jobs;      /* jobs that ended (each with a deadline) */
    double ipis;        /* wake-up IPIs per CPU-second           */
} rt_outcome;

static rt_outcome rt_run(const char *yaml, const char *policy, int tasks, vl_ns period)
{
    tk_sim t;
    tk_open(&t, policy, yaml);
    tk_go(&t.m);
    const vl_wstats *s = &t.m.workloads[0].stats;
    double secs = (double)vl_model_window(&t.m) / 1e9;
    rt_outcome o = {(double)s->bursts / tasks / secs, vl_hist_mean(&s->wake_latency),
                    s->deadline_misses, s->deadline_jobs, wake_ipis(&t)};
    print_message("rt-periodic (%s): %.1f releases/s per task, wake %.1f us, %llu of %llu "
                  "jobs missed\n", policy, o.releases, o.wake_mean / 1e3,
                  (unsigned long long)o.misses, (unsigned long long)o.jobs);
    /* a job is a response, its end the next sleep, but for each task's
     * first response (from the wake-up after its random phase to its first
     * release: no deadline); these runs have no warm-up */
    assert_int_equal(o.jobs, s->bursts - (uint64_t)tasks);
    /* a miss is a response longer than the period (the histogram's
     * buckets round the count: it agrees within 1%) */
    uint64_t above = count_above(&s->response, period);
    assert_true(above <= o.misses + o.misses / 100 + 1 && o.misses <= above + above / 100 + 1);
    tk_close(&t);
    return o;
}

/* Alone: one release per period per task (1 ms and 10 ms), woken by its
 * own vCPU's timer within microseconds, never late, no IPIs. */
static void test_rt_periodic_alone(void **state)
{
    (void)state;
    rt_outcome a = rt_run("host: {pcpus: 4}\nvms: [{name: a, vcpus: 4, workloads: "
                          "[{type: rt-periodic, tasks: 2}]}]\nrun: {duration: 1s}\n",
                          "cfs", 2, VL_MS(1));
    IN(a.releases, 998, 1000);
    assert_true(a.wake_mean < 10e3);
    assert_true(a.misses == 0 && a.ipis == 0);
    rt_outcome b = rt_run("host: {pcpus: 4}\nvms: [{name: a, vcpus: 4, workloads: "
                          "[{type: rt-periodic, tasks: 4, period: 10ms}]}]\n"
                          "run: {duration: 2s}\n",
                          "cfs", 4, VL_MS(10));
    IN(b.releases, 99, 100);
    assert_true(b.misses == 0);
}

/* Releases are absolute: work of 100-900 us per 1 ms period still gives
 * 1 000 releases a second (sleeping a period after the work would give
 * ~670); work longer than the period skips the releases it overran. */
static void test_rt_periodic_absolute_releases(void **state)
{
    (void)state;
    rt_outcome o = rt_run("host: {pcpus: 2}\nvms: [{name: a, vcpus: 2, workloads: "
                          "[{type: rt-periodic, work: {dist: uniform, min: 100us, "
                          "max: 900us}}]}]\nrun: {duration: 1s}\n",
                          "cfs", 1, VL_MS(1));
    IN(o.releases, 998, 1000);
    assert_true(o.misses == 0);
    /* work of 2.5 ms overruns two releases each time: the next release is
     * the first boundary after the work, every 3 ms, each one missed */
    rt_outcome over = rt_run("host: {pcpus: 2}\nvms: [{name: a, vcpus: 2, workloads: "
                             "[{type: rt-periodic, work: 2500us}]}]\nrun: {duration: 1s}\n",
                             "cfs", 1, VL_MS(1));
    IN(over.releases, 332, 334);
    assert_true(over.misses == over.jobs); /* every job overran */
}

/* Sharing its pCPU with a CPU hog under Credit (1 ms rate limit, 30 ms
 * slices), the task wakes late: some responses exceed the period and the
 * releases already past are skipped. */
static void test_rt_periodic_misses_when_delayed(void **state)
{
    (void)state;
    rt_outcome o = rt_run("host: {pcpus: 1}\nvms:\n"
                          "  - {name: rt, vcpus: 1, workloads: [{type: rt-periodic}]}\n"
                          "  - {name: hog, vcpus: 1, workloads: [{type: cpu}]}\n"
                          "run: {duration: 1s}\n",
                          "credit", 1, VL_MS(1));
    assert_true(o.misses > 0);
    assert_true(o.releases < 995);
    assert_true(o.wake_mean > 100e3);
}

/* An interactive session alone: every event is woken within microseconds
 * and answered after its read, burst and write (LN(1 ms, 1.5) + 2 x
 * U(10, 30) us); ~4.7 events a second per user with the default think
 * time, sessions and (shortened) idle gaps. */
static void test_interactive_alone(void **state)
{
    (void)state;
    tk_sim t;
    run_alone(&t, 2, "type: interactive, tasks: 32, idle_min: 100ms, idle_max: 300ms", "2s");
    const vl_wstats *s = &t.m.workloads[0].stats;
    double per_user = (double)s->bursts / 32 / 2.0;
    print_message("interactive: %.2f events/s per user, response %.0f us, wake %.1f us\n",
                  per_user, vl_hist_mean(&s->response) / 1e3, vl_hist_mean(&s->wake_latency) / 1e3);
    IN(per_user, 3.5, 5.5);
    IN(vl_hist_mean(&s->response), 0.8e6, 1.35e6);
    assert_true(vl_hist_mean(&s->wake_latency) < 10e3);
    tk_close(&t);
}

/* Sessions: 5 events 10 ms apart, then 1 s idle: exactly 10 events per
 * user in 2 s, where back-to-back think times would give ~180. */
static void test_interactive_sessions(void **state)
{
    (void)state;
    tk_sim t;
    run_alone(&t, 2,
              "type: interactive, tasks: 4, think: 10ms, events: 5, idle_min: 1s, idle_max: 1s",
              "2s");
    print_message("interactive sessions: %llu events\n",
                  (unsigned long long)t.m.workloads[0].stats.bursts);
    assert_int_equal(t.m.workloads[0].stats.bursts, 4 * 10);
    tk_close(&t);
}

typedef struct app_expect {
    const char *type;
    double util_lo, util_hi;   /* of the vCPUs                          */
    double futex_lo, futex_hi; /* futex system calls per CPU-second      */
    double wake_ipis_lo;       /* wake-up IPIs per CPU-second, at least  */
    int tasks;                 /* on 4 vCPUs                             */
} app_expect;

static void check_app(const app_expect *e)
{
    tk_sim t;
    char wl[64];
    snprintf(wl, sizeof wl, "type: %s", e->type);
    run_alone(&t, 4, wl, "1s");
    double futex = (double)acquisitions(&t, "futex_hash") / cpu_seconds(&t);
    print_message("%s: util %.3f, futex %.0f, wake-ups %.0f, wake IPIs %.0f per CPU-s\n", e->type,
                  utilisation(&t), futex, wakeups(&t), wake_ipis(&t));
    assert_int_equal(t.m.guests[0]->ntasks, e->tasks);
    IN(utilisation(&t), e->util_lo, e->util_hi);
    IN(futex, e->futex_lo, e->futex_hi);
    assert_true(wake_ipis(&t) >= e->wake_ipis_lo);
    tk_close(&t);
}

/* 4.7 barrier-heavy apps on 4 vCPUs: streamcluster 3-8 k futex calls per
 * CPU-second (a barrier every ~200 us), fluidanimate ~40 times fewer
 * (3 ms phases), facesim's cond-var task queue and bodytrack's two
 * barriers a step in between, freqmine's OpenMP loops (4.8) the fewest;
 * each phase ends in wake-ups of blocked threads on idle vCPUs, and the
 * wait for the slowest leaves vCPUs idle. */
static void test_parsec_barrier_apps(void **state)
{
    (void)state;
    static const app_expect apps[] = {
        {"streamcluster", 0.65, 0.9, 3000, 8000, 1500, 4},
        {"fluidanimate", 0.65, 0.9, 150, 400, 100, 4},
        {"facesim", 0.5, 0.8, 500, 1500, 100, 5},
        {"bodytrack", 0.5, 0.8, 1000, 2000, 500, 5},
        {"freqmine", 0.7, 0.9, 50, 120, 30, 4},
    };
    for (size_t i = 0; i < sizeof apps / sizeof apps[0]; i++)
        check_app(&apps[i]);
}

/* x264 (4.6) on 4 vCPUs: frame threads block on each other's row progress
 * (hundreds of wake-ups per CPU-second, mostly IPIs to idle vCPUs), a
 * frame buffer unmapped every two frames (~40 shootdowns per CPU-second);
 * a single frame thread never waits. */
static void test_x264(void **state)
{
    (void)state;
    tk_sim t;
    run_alone(&t, 4, "type: x264", "1s");
    double tlb = (double)vl_tlb_of(t.m.guests[0])->shootdowns / cpu_seconds(&t);
    print_message("x264: util %.3f, wake-ups %.0f, wake IPIs %.0f, shootdowns %.0f per CPU-s\n",
                  utilisation(&t), wakeups(&t), wake_ipis(&t), tlb);
    IN(utilisation(&t), 0.6, 0.85);
    IN(wakeups(&t), 300, 800);
    assert_true(wake_ipis(&t) >= wakeups(&t) * 0.8);
    IN(tlb, 25, 60);
    tk_close(&t);

    run_alone(&t, 1, "type: x264", "1s");
    print_message("x264, one thread: util %.3f, wake-ups %.0f\n", utilisation(&t), wakeups(&t));
    assert_true(utilisation(&t) > 0.99);
    assert_int_equal(t.m.workloads[0].stats.wake_latency.count, 1); /* its start only */
    tk_close(&t);
}

/* canneal (4.8): while the main thread loads the netlist (one page fault
 * per page of the 256 MB working set) the other threads wait, so 4 vCPUs
 * are a quarter busy; then all anneal between barriers, a step of
 * 15 000 x 1.5 us / 4 threads, with no kernel entry but the barrier's. */
static void test_canneal(void **state)
{
    (void)state;
    tk_sim t;
    run_alone(&t, 4, "type: canneal", "300ms");
    print_message("canneal, 300 ms: %llu faults, util %.3f\n",
                  (unsigned long long)acquisitions(&t, "mm"), utilisation(&t));
    assert_true(acquisitions(&t, "mm") > 20000 && acquisitions(&t, "mm") < 65536);
    IN(utilisation(&t), 0.24, 0.26);
    assert_int_equal(acquisitions(&t, "futex_hash"), 3); /* the waiting threads */
    tk_close(&t);

    run_alone(&t, 4, "type: canneal", "2s");
    double futex = (double)acquisitions(&t, "futex_hash") / cpu_seconds(&t);
    print_message("canneal, 2 s: %llu faults, util %.3f, %.0f futex calls per CPU-s\n",
                  (unsigned long long)acquisitions(&t, "mm"), utilisation(&t), futex);
    assert_int_equal(acquisitions(&t, "mm"), 65536);
    IN(utilisation(&t), 0.6, 0.85);
    IN(futex, 80, 200); /* a step of ~5.6 ms per thread */
    tk_close(&t);
}

static uint64_t digest_of(const vl_scenario *scn, vl_fel_kind fel)
{
    vl_model m;
    vl_error err;
    vl_model_opts mo = {.fel = fel};
    assert_int_equal(vl_model_create(&m, scn, scn->sched, 0, 0, &mo, &err), 0);
    if (vl_model_run(&m, &err) < 0)
        fail_msg("run failed: %s", err.msg);
    uint64_t d = m.hv.sim.digest;
    vl_model_destroy(&m);
    return d;
}

/* Every workload type added here is deterministic: the same scenario and
 * seed give the same event stream twice, and with either event list,
 * beside a CPU hog that makes Credit preempt it. */
static void test_workloads_deterministic(void **state)
{
    (void)state;
    static const char *const types[] = {
        "hackbench, groups: 1, fds: 4", "lookbusy", "rt-periodic, tasks: 2",
        "interactive, think: 5ms", "streamcluster", "fluidanimate", "facesim", "bodytrack",
        "x264", "canneal", "freqmine",
    };
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        char yaml[512];
        snprintf(yaml, sizeof yaml,
                 "scheduler: credit\nhost: {pcpus: 2}\nvms:\n"
                 "  - {name: a, vcpus: 2, workloads: [{type: %s}]}\n"
                 "  - {name: hog, vcpus: 1, workloads: [{type: cpu}]}\n"
                 "run: {duration: 300ms, seed: 3}\n",
                 types[i]);
        vl_scenario scn;
        tk_load(&scn, yaml);
        uint64_t a = digest_of(&scn, VL_FEL_DEFAULT), b = digest_of(&scn, VL_FEL_DEFAULT);
        uint64_t h = digest_of(&scn, VL_FEL_HEAP);
        print_message("%-30s %016llx\n", types[i], (unsigned long long)a);
        assert_true(a == b && a == h);
        vl_scenario_free(&scn);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hackbench_finite_ends),
        cmocka_unit_test(test_iterations_end_the_run),
        cmocka_unit_test(test_iterations_endless_beside),
        cmocka_unit_test(test_hackbench_rates),
        cmocka_unit_test(test_lookbusy_utilisation),
        cmocka_unit_test(test_rt_periodic_alone),
        cmocka_unit_test(test_rt_periodic_absolute_releases),
        cmocka_unit_test(test_rt_periodic_misses_when_delayed),
        cmocka_unit_test(test_interactive_alone),
        cmocka_unit_test(test_interactive_sessions),
        cmocka_unit_test(test_parsec_barrier_apps),
        cmocka_unit_test(test_x264),
        cmocka_unit_test(test_canneal),
        cmocka_unit_test(test_workloads_deterministic),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
