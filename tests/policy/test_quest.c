/* test_quest.c - the `quest` policy (Quest's VCPU scheduler,
 * src/sched/quest*.c): each rule pinned by a scenario whose measured
 * outcome would change if the rule broke.  Hosts have zero switch and
 * exit costs, so that a vCPU's CPU time is exactly what the policy gave
 * it.  An observer records every vCPU's run intervals; the checks are
 * written over them:
 *   - a Main VCPU (C, T) that never blocks gets exactly C in every window
 *     [kT, (k+1)T) of its periods when its pCPU's set is under the
 *     rate-monotonic bound ("never misses a budget");
 *   - a sporadic server never runs more than C in any window of length T
 *     (the corrected POSIX sporadic server), splitting or not;
 *   - an I/O VCPU never runs more than U x W + T x U in a window W. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hv/io.h"
#include "testkit.h"
#include "vl_rng.h"

#define HOST(n) "host: {pcpus: " #n ", costs: {world_switch: 0, exit_entry: 0, migration: 0, " \
                "host_ipi: 0, ipi_delivery: 0}}\n"

/* ---------------------------------------------------- run intervals */

#define MAX_VCPUS 16
#define MAX_RUNS 200000

typedef struct run_log {
    vl_ns since[MAX_VCPUS]; /* switched in at, or -1 */
    struct run {
        int v;
        vl_ns a, b;
    } *runs;
    int n;
} run_log;

static void on_switch(void *ctx, const vl_pcpu *p, const vl_vcpu *prev, const vl_vcpu *next,
                      vl_ns now)
{
    (void)p;
    run_log *log = ctx;
    if (prev && log->since[prev->id] >= 0) {
        if (now > log->since[prev->id]) {
            assert_true(log->n < MAX_RUNS);
            log->runs[log->n++] = (struct run){prev->id, log->since[prev->id], now};
        }
        log->since[prev->id] = -1;
    }
    if (next)
        log->since[next->id] = now;
}

static void watch(tk_sim *t, run_log *log)
{
    log->runs = malloc(MAX_RUNS * sizeof *log->runs);
    assert_non_null(log->runs);
    log->n = 0;
    for (int i = 0; i < MAX_VCPUS; i++)
        log->since[i] = -1;
    t->m.hv.observer = (vl_hv_observer){.ctx = log, .on_switch = on_switch};
}

/* Closes the intervals still open at the end of the run. */
static void finish(tk_sim *t, run_log *log)
{
    for (int i = 0; i < t->m.hv.nvcpus; i++)
        if (log->since[i] >= 0 && t->m.hv.sim.now > log->since[i])
            log->runs[log->n++] = (struct run){i, log->since[i], t->m.hv.sim.now};
}

/* vCPU v's run time within [a, b). */
static vl_ns ran_in(const run_log *log, int v, vl_ns a, vl_ns b)
{
    vl_ns sum = 0;
    for (int i = 0; i < log->n; i++) {
        const struct run *r = &log->runs[i];
        if (r->v != v || r->b <= a || r->a >= b)
            continue;
        sum += (r->b < b ? r->b : b) - (r->a > a ? r->a : a);
    }
    return sum;
}

/* The most vCPU v ran in any window of length w (windows starting where
 * one of its runs starts: the maximum is reached at one). */
static vl_ns max_in_window(const run_log *log, int v, vl_ns w)
{
    vl_ns most = 0;
    for (int i = 0; i < log->n; i++) {
        if (log->runs[i].v != v)
            continue;
        vl_ns got = ran_in(log, v, log->runs[i].a, log->runs[i].a + w);
        if (got > most)
            most = got;
    }
    return most;
}

static void run(tk_sim *t, run_log *log, const char *yaml)
{
    tk_open(t, "quest", yaml);
    watch(t, log);
    tk_go(&t->m);
    finish(t, log);
}

static void done(tk_sim *t, run_log *log)
{
    free(log->runs);
    tk_close(t);
}

/* ------------------------------------------------ rate-monotonic sets */

/* Hundreds of random sets of 2..8 CPU-bound Main VCPUs on one pCPU, their
 * sum of C/T between 0.3 and the Liu-Layland bound (periods of 4..50 ms,
 * utilisations by UUniFast): every vCPU gets exactly C in each of its
 * periods. */
static void test_random_sets_under_the_bound_keep_their_budgets(void **state)
{
    (void)state;
    vl_rng rng;
    vl_rng_init(&rng, 2011, "test_quest");
    int sets = 0;
    for (int k = 0; k < 300; k++) {
        int n = 2 + (int)vl_rng_below(&rng, 7);
        double bound = n * (__builtin_pow(2.0, 1.0 / n) - 1.0);
        double total = 0.3 + (bound - 0.3) * vl_rng_double(&rng), left = total;
        char yaml[4096];
        int len = snprintf(yaml, sizeof yaml, HOST(1) "vms:\n");
        long C[8], T[8];
        for (int i = 0; i < n; i++) {
            double u = left;
            if (i < n - 1) { /* UUniFast */
                double next = left * __builtin_pow(vl_rng_double(&rng), 1.0 / (n - 1 - i));
                u = left - next;
                left = next;
            }
            T[i] = 4000 + 1000 * (long)vl_rng_below(&rng, 47); /* us */
            C[i] = (long)(u * (double)T[i]);
            if (C[i] < 10)
                C[i] = 10;
            len += snprintf(yaml + len, sizeof yaml - (size_t)len,
                            "  - {name: v%d, vcpus: 1, workloads: [{type: cpu}], "
                            "params: {quest: {budget: %ldus, period: %ldus}}}\n",
                            i, C[i], T[i]);
        }
        double sum = 0;
        for (int i = 0; i < n; i++)
            sum += (double)C[i] / (double)T[i];
        if (sum > bound) /* a 10 us floor pushed it over */
            continue;
        snprintf(yaml + len, sizeof yaml - (size_t)len, "run: {duration: 400ms}\n");
        tk_sim t;
        run_log log;
        run(&t, &log, yaml);
        for (int i = 0; i < n; i++) {
            vl_ns c = VL_US(C[i]), p = VL_US(T[i]);
            for (vl_ns a = 0; a + p <= VL_MS(400); a += p) {
                vl_ns got = ran_in(&log, i, a, a + p);
                if (got != c)
                    fail_msg("set %d (n %d, U %.3f): v%d (%ld us, %ld us) ran %lld us in "
                             "[%lld, %lld) us",
                             k, n, total, i, C[i], T[i], (long long)got / 1000,
                             (long long)a / 1000, (long long)(a + p) / 1000);
            }
        }
        done(&t, &log);
        sets++;
    }
    print_message("%d sets, every budget met in every period\n", sets);
}

/* Rate-monotonic priority: a (1 ms, 4 ms) vCPU always runs first when
 * released with a (3 ms, 8 ms) one, whichever VM comes first. */
static void test_shorter_period_runs_first(void **state)
{
    (void)state;
    for (int first = 0; first < 2; first++) {
        char yaml[1024];
        const char *a = "params: {quest: {budget: 1ms, period: 4ms}}";
        const char *b = "params: {quest: {budget: 3ms, period: 8ms}}";
        snprintf(yaml, sizeof yaml,
                 HOST(1) "vms:\n"
                         "  - {name: x, vcpus: 1, workloads: [{type: cpu}], %s}\n"
                         "  - {name: y, vcpus: 1, workloads: [{type: cpu}], %s}\n"
                         "run: {duration: 80ms}\n",
                 first ? b : a, first ? a : b);
        tk_sim t;
        run_log log;
        run(&t, &log, yaml);
        int fast = first ? 1 : 0;
        for (vl_ns k = 0; k < VL_MS(80); k += VL_MS(4))
            assert_int_equal(ran_in(&log, fast, k, k + VL_MS(1)), VL_MS(1));
        done(&t, &log);
    }
}

/* ------------------------------------------------ sporadic servers */

/* A vCPU that blocks in the middle of its budget splits its
 * replenishments, and a server never runs more than C in any window of
 * length T, with a free list and with the list full (bursts of 20 us
 * every 40 us fill Quest's 32 entries within a period). */
static void test_splitting_keeps_c_per_window(void **state)
{
    (void)state;
    static const char *const loads[] = {"burst: 700us, think: 1300us", "burst: 20us, think: 20us"};
    for (int i = 0; i < 2; i++) {
        char yaml[1024];
        snprintf(yaml, sizeof yaml,
                 HOST(1) "vms:\n"
                         "  - {name: s, vcpus: 1, params: {quest: {budget: 3ms, period: 10ms}},\n"
                         "     workloads: [{type: think, tasks: 1, %s}]}\n"
                         "  - {name: hog, vcpus: 1, workloads: [{type: cpu}],\n"
                         "     params: {quest: {budget: 5ms, period: 20ms}}}\n"
                         "run: {duration: 500ms}\n",
                 loads[i]);
        tk_sim t;
        run_log log;
        run(&t, &log, yaml);
        vl_ns most = max_in_window(&log, 0, VL_MS(10));
        int64_t splits = tk_counter(&t.m, "splits"), full = tk_counter(&t.m, "full_list_merges");
        print_message("%s: most in 10 ms %lld us, splits %lld, full-list merges %lld\n", loads[i],
                      (long long)most / 1000, (long long)splits, (long long)full);
        assert_true(most <= VL_MS(3));
        assert_true(splits > 0);
        if (i == 0) { /* it wants more than C: it gets C */
            assert_true(most >= VL_MS(3) - VL_US(100));
            assert_int_equal(full, 0);
        } else { /* fragments merge into later entries: it gets less */
            assert_true(full > 0);
        }
        done(&t, &log);
    }
}

/* ------------------------------------------------ I/O VCPUs */

/* The net VM (10 ms per 100 ms, a hog task and a ping flood of one echo
 * every 10 us from 100 ms) and a hog (2 ms per 10 ms): the backend never
 * runs more than U x W + T x U in a window W, uses its bandwidth, and
 * the Main VCPUs get C in every period.  With `io` = "pibs" or
 * "sporadic". */
static void flood(const char *io, double U)
{
    char yaml[1024];
    snprintf(yaml, sizeof yaml,
             HOST(1) "params: {quest: {io_server: %s, io_utilisation: %g}}\n"
                     "vms:\n"
                     "  - {name: net, vcpus: 1, params: {quest: {budget: 10ms, period: 100ms}},\n"
                     "     workloads: [{type: cpu}, {type: ping, interval: 10us, start: 100ms}]}\n"
                     "  - {name: hog, vcpus: 1, workloads: [{type: cpu}],\n"
                     "     params: {quest: {budget: 2ms, period: 10ms}}}\n"
                     "run: {duration: 1s}\n",
             io, U);
    tk_sim t;
    run_log log;
    run(&t, &log, yaml);
    int bk = 2; /* the host VM's vCPU */
    vl_ns T = VL_MS(io[0] == 'p' ? 100 : 10); /* inherited from net, or io_period */
    vl_ns cmax = (vl_ns)((double)T * U);
    for (vl_ns w = VL_MS(10); w <= VL_MS(500); w *= 5) {
        vl_ns most = max_in_window(&log, bk, w), bound = (vl_ns)(U * (double)w) + cmax;
        print_message("%s U %g: most in %lld ms: %lld us (bound %lld us)\n", io, U,
                      (long long)w / VL_MS(1), (long long)most / 1000, (long long)bound / 1000);
        assert_true(most <= bound);
    }
    vl_ns used = ran_in(&log, bk, VL_MS(100), VL_S(1));
    assert_true(used >= (vl_ns)(0.9 * U * (double)VL_MS(900)));
    static const vl_ns C[2] = {VL_MS(10), VL_MS(2)}, P[2] = {VL_MS(100), VL_MS(10)};
    for (int v = 0; v < 2; v++)
        for (vl_ns a = 0; a + P[v] <= VL_S(1); a += P[v])
            assert_int_equal(ran_in(&log, v, a, a + P[v]), C[v]);
    assert_true(t.m.hv.vcpus[bk].state_ns[VL_RUNNING] > 0);
    done(&t, &log);
}

static void test_io_vcpu_flood_stays_within_u(void **state)
{
    (void)state;
    flood("pibs", 0.01);
    flood("pibs", 0.05);
    flood("sporadic", 0.05);
}

/* One VM (20 ms per 100 ms) with four greps and, from 100 ms, a ping flood
 * (an echo every 10 us), its devices served by I/O VCPUs of U = 2%: block
 * requests completed after 200 ms, with and without the flood.  Per
 * device, the disk's I/O VCPU has a budget of its own: the flood, which
 * the NIC's I/O VCPU serves within its own U, leaves the block rate
 * nearly as it was (the guest's receive work for the echoes it lets
 * through takes a little of the VM's budget); shared, the flood spends
 * the one budget and the block rate collapses.
 * Each per-device I/O VCPU stays within U x W + T x U in any window W. */
static uint64_t blk_with(const char *backends, bool flood, vl_ns *most_net, vl_ns *most_blk)
{
    char yaml[1024];
    snprintf(yaml, sizeof yaml,
             "host: {pcpus: 1, costs: {world_switch: 0, exit_entry: 0, migration: 0, "
             "host_ipi: 0, ipi_delivery: 0}, io: {rx_spread: 0}}\n"
             "params: {quest: {io_utilisation: 0.02}}\n"
             "vms:\n"
             "  - {name: dev, vcpus: 1, io_backends: %s,\n"
             "     params: {quest: {budget: 20ms, period: 100ms}},\n"
             "     workloads: [{type: grep, tasks: 4}%s]}\n"
             "run: {duration: 1s, warmup: 200ms}\n",
             backends, flood ? ", {type: ping, interval: 10us, start: 100ms}" : "");
    tk_sim t;
    run_log log;
    run(&t, &log, yaml);
    uint64_t n = vl_hv_io_stats(&t.m.hv, 0)->blk_requests;
    if (most_net) { /* the host VM's vCPUs 0 (NIC) and 1 (disk): ids 1, 2 */
        *most_net = max_in_window(&log, 1, VL_MS(100));
        *most_blk = max_in_window(&log, 2, VL_MS(100));
    }
    print_message("%s, %s: %llu block requests in 800 ms\n", backends,
                  flood ? "flood" : "no flood", (unsigned long long)n);
    done(&t, &log);
    return n;
}

static void test_io_vcpu_budget_per_device(void **state)
{
    (void)state;
    vl_ns most_net, most_blk, bound = (vl_ns)(0.02 * VL_MS(100)) + (vl_ns)(0.02 * VL_MS(100));
    uint64_t sep = blk_with("per-device", false, NULL, NULL);
    uint64_t sep_flood = blk_with("per-device", true, &most_net, &most_blk);
    uint64_t shared = blk_with("shared", false, NULL, NULL);
    uint64_t shared_flood = blk_with("shared", true, NULL, NULL);
    assert_true(sep > 500 && shared > 500);
    assert_true(sep_flood >= 0.85 * (double)sep);
    assert_true(shared_flood < 0.1 * (double)shared);
    print_message("most in 100 ms: net %lld us, blk %lld us (bound %lld us)\n",
                  (long long)most_net / 1000, (long long)most_blk / 1000, (long long)bound / 1000);
    assert_true(most_net <= bound && most_blk <= bound);
    assert_true(most_net > bound / 2); /* the flood uses the NIC's bandwidth */
}

/* Two VMs, each flooded with pings (an echo every 10 us) and each its own
 * backend: the host's io_utilisation (1%) for the one that sets none, its
 * own 4% for the other.  Each I/O VCPU uses about its own U of the pCPU,
 * never more than U x W + T x U in a window W. */
static void test_io_utilisation_per_vm(void **state)
{
    (void)state;
    tk_sim t;
    run_log log;
    run(&t, &log,
        HOST(1) "params: {quest: {io_utilisation: 0.01}}\n"
                "vms:\n"
                "  - {name: a, vcpus: 1, params: {quest: {budget: 10ms, period: 100ms}},\n"
                "     workloads: [{type: ping, interval: 10us}]}\n"
                "  - {name: b, vcpus: 1,\n"
                "     params: {quest: {budget: 10ms, period: 100ms, io_utilisation: 0.04}},\n"
                "     workloads: [{type: ping, interval: 10us}]}\n"
                "run: {duration: 1s}\n");
    static const double U[2] = {0.01, 0.04};
    for (int k = 0; k < 2; k++) {
        int bk = 2 + k; /* the host VM's vCPUs serve a, then b */
        vl_ns used = ran_in(&log, bk, 0, VL_S(1));
        vl_ns most = max_in_window(&log, bk, VL_MS(100));
        vl_ns bound = (vl_ns)(U[k] * VL_MS(100)) * 2; /* U x W + T x U, T = 100 ms */
        print_message("I/O VCPU of %s: %lld us in 1 s (U %g), most in 100 ms %lld us (bound "
                      "%lld us)\n", k ? "b" : "a", (long long)used / 1000, U[k],
                      (long long)most / 1000, (long long)bound / 1000);
        assert_true(used >= (vl_ns)(0.9 * U[k] * VL_S(1)));
        assert_true(used <= (vl_ns)(U[k] * VL_S(1)) + bound / 2);
        assert_true(most <= bound);
    }
    done(&t, &log);
}

/* PIBS eligibility: whenever the backend starts running, what it used
 * before is at most U x (time since its first wake-up) + T x U (e <- e +
 * used / U: it runs again only once eligible); a sporadic server of the
 * same U may run its whole budget at once after idling, so its bound is
 * the same but reached differently.  The backend inherits the net VM's
 * period (the inheritances counter) and, with it, a budget of T x U. */
static void test_pibs_eligibility(void **state)
{
    (void)state;
    const double U = 0.02;
    tk_sim t;
    run_log log;
    run(&t, &log,
        HOST(1) "params: {quest: {io_utilisation: 0.02}}\n"
                "vms:\n"
                "  - {name: net, vcpus: 1, params: {quest: {budget: 4ms, period: 50ms}},\n"
                "     workloads: [{type: ping, interval: 20us}]}\n"
                "run: {duration: 500ms}\n");
    int bk = 1;
    vl_ns first = -1, used = 0, cmax = (vl_ns)(U * (double)VL_MS(50)), gaps = 0;
    for (int i = 0; i < log.n; i++) {
        const struct run *r = &log.runs[i];
        if (r->v != bk)
            continue;
        if (first < 0)
            first = r->a;
        assert_true(used <= (vl_ns)(U * (double)(r->a - first)) + cmax);
        used += r->b - r->a;
        gaps++;
    }
    print_message("backend: %lld runs, %lld us used in 500 ms (U x 500 ms = %lld us)\n",
                  (long long)gaps, (long long)used / 1000, (long long)(U * VL_MS(500)) / 1000);
    assert_true(used >= (vl_ns)(0.9 * U * (double)VL_MS(500)));
    assert_true(tk_counter(&t.m, "inheritances") >= 1);
    assert_true(tk_counter(&t.m, "pibs_replenishments") > 10);
    done(&t, &log);
}

/* ------------------------------------------------ admission */

static const char over_bound[] =
    "scheduler: quest\n"
    "host: {pcpus: %d, costs: {world_switch: 0, exit_entry: 0, migration: 0}}\n"
    "params: {quest: {admission: %s}}\n"
    "vms:\n"
    "  - {name: a, vcpus: 3, workloads: [{type: cpu, tasks: 3}],\n"
    "     params: {quest: {budget: 3ms, period: 10ms}}}\n"
    "run: {duration: 100ms}\n";

/* Three vCPUs of 0.3 on one pCPU (0.9 > 0.7798): refused under enforce
 * with the pCPU, the sum and the bound, as an input error at the VM's
 * entry in the scenario (line 5, column 5); run under warn and off (each then
 * gets its 30%); on two pCPUs first-fit binds them 2 + 1 and admits. */
static void test_admission(void **state)
{
    (void)state;
    char yaml[1024];
    vl_scenario scn;
    vl_model m;
    vl_error err;
    snprintf(yaml, sizeof yaml, over_bound, 1, "enforce");
    tk_load(&scn, yaml);
    assert_int_equal(tk_run(&m, &scn, vl_policy_find("quest"), 0, &err), -1);
    print_message("%s\n", err.msg);
    assert_non_null(strstr(err.msg, "hook init, at t=0ns"));
    assert_non_null(strstr(err.msg, "pCPU 0 have a utilisation of 0.9000"));
    assert_non_null(strstr(err.msg, "bound 0.7798 for 3"));
    assert_true(m.refused);
    assert_string_equal(err.file, scn.path);
    assert_int_equal(err.line, 5);
    assert_int_equal(err.col, 5);
    vl_model_destroy(&m);
    vl_scenario_free(&scn);
    for (int mode = 0; mode < 2; mode++) {
        snprintf(yaml, sizeof yaml, over_bound, 1, mode ? "off" : "warn");
        tk_load(&scn, yaml);
        if (tk_run(&m, &scn, vl_policy_find("quest"), 0, &err) < 0)
            fail_msg("%s", err.msg);
        double got = (double)tk_vm_cpu(&m, 0) / (double)vl_model_window(&m);
        assert_true(got > 0.895 && got < 0.905);
        vl_model_destroy(&m);
        vl_scenario_free(&scn);
    }
    snprintf(yaml, sizeof yaml, over_bound, 2, "enforce");
    tk_load(&scn, yaml);
    if (tk_run(&m, &scn, vl_policy_find("quest"), 0, &err) < 0)
        fail_msg("%s", err.msg);
    vl_model_destroy(&m);
    vl_scenario_free(&scn);
}

/* A budget above the period is refused at load, at the value. */
static void test_budget_above_period_refused(void **state)
{
    (void)state;
    static const char yaml[] = "scheduler: quest\n"
                               "host: {pcpus: 1}\n"
                               "vms:\n"
                               "  - {name: a, vcpus: 1, params: {quest: {budget: 11ms, "
                               "period: 10ms}}}\n";
    vl_scenario scn;
    vl_error err;
    assert_int_equal(vl_scenario_load_string("t.yaml", yaml, strlen(yaml), NULL, 0, &scn, &err),
                     -1);
    char msg[512];
    vl_error_format(&err, msg, sizeof msg);
    print_message("%s\n", msg);
    assert_non_null(strstr(msg, "t.yaml:4:"));
    assert_non_null(strstr(msg, "must not exceed the period"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_random_sets_under_the_bound_keep_their_budgets),
        cmocka_unit_test(test_shorter_period_runs_first),
        cmocka_unit_test(test_splitting_keeps_c_per_window),
        cmocka_unit_test(test_io_vcpu_flood_stays_within_u),
        cmocka_unit_test(test_io_vcpu_budget_per_device),
        cmocka_unit_test(test_io_utilisation_per_vm),
        cmocka_unit_test(test_pibs_eligibility),
        cmocka_unit_test(test_admission),
        cmocka_unit_test(test_budget_above_period_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
