/* test_credit2.c - the `credit2` policy (Xen Credit2, src/sched/credit2*.c):
 * each rule pinned by a scenario whose measured outcome would change if the
 * rule broke.  Figures are printed so that a failure shows how far off it
 * was. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "testkit.h"

/* Runs `yaml` under credit2 to its end (the caller closes it). */
static void run_yaml(tk_sim *r, const char *yaml)
{
    tk_open(r, "credit2", yaml);
    tk_go(&r->m);
}

/* CPU of VM d over the window, in pCPUs (1.0 = one pCPU all the time). */
static double vm_pcpus(const tk_sim *r, int d)
{
    return (double)tk_vm_cpu(&r->m, d) / (double)vl_model_window(&r->m);
}

/* ------------------------------------------------------------- weights */

/* Two CPU-bound VMs with weights 1:2 on one runqueue get 1:2 of the CPU.
 * Each epoch the light vCPUs burn their 10 ms of credit in 5 ms and the
 * heavy ones in 10 ms; what blurs the ratio is a slice's overrun past the
 * reset (at most the 0.5 ms carry-over and the 1 ms rate limit per 10 ms
 * epoch, either way), so 3% (the conformance suite's bound) holds.  With
 * burning at the same rate for everyone the split would be 1:1. */
static void test_weights_one_to_two(void **state)
{
    (void)state;
    static const struct {
        int pcpus, vcpus;
    } hosts[] = {{1, 1}, {2, 2}, {4, 4}};
    for (size_t i = 0; i < sizeof hosts / sizeof hosts[0]; i++) {
        char yaml[1024];
        snprintf(yaml, sizeof yaml,
                 "host: {pcpus: %d}\n"
                 "vms:\n"
                 "  - {name: light, vcpus: %d, weight: 256, workloads: [{type: cpu, tasks: %d}]}\n"
                 "  - {name: heavy, vcpus: %d, weight: 512, workloads: [{type: cpu, tasks: %d}]}\n"
                 "run: {duration: 10s, warmup: 1s}\n",
                 hosts[i].pcpus, hosts[i].vcpus, hosts[i].vcpus, hosts[i].vcpus, hosts[i].vcpus);
        tk_sim r;
        run_yaml(&r, yaml);
        double light = vm_pcpus(&r, 0), heavy = vm_pcpus(&r, 1);
        print_message("%d pCPUs: light %.3f heavy %.3f pCPUs (1:%.3f), %lld resets\n",
                      hosts[i].pcpus, light, heavy, heavy / light,
                      (long long)tk_counter(&r.m, "resets"));
        assert_true(light + heavy > 0.99 * hosts[i].pcpus);
        assert_true(heavy / light > 2.0 * 0.97 && heavy / light < 2.0 * 1.03);
        tk_close(&r);
    }
}

/* --------------------------------------------------------------- resets */

/* Two equal hogs on one pCPU: an epoch ends when both have burnt their
 * credit_init, so resets come every 2 x credit_init (50 per second at
 * 10 ms, 100 at 5 ms), and the hogs stay even.  Without resets the
 * credits would sit at the floor and the count would stay 0. */
static void test_reset_every_epoch(void **state)
{
    (void)state;
    static const int init_ms[] = {10, 5};
    for (int i = 0; i < 2; i++) {
        char yaml[1024];
        snprintf(yaml, sizeof yaml,
                 "host: {pcpus: 1}\n"
                 "params: {credit2: {credit_init: %dms, max_timer: %dms}}\n"
                 "vms:\n"
                 "  - {name: a, vcpus: 1, workloads: [{type: cpu}]}\n"
                 "  - {name: b, vcpus: 1, workloads: [{type: cpu}]}\n"
                 "run: {duration: 10s, warmup: 1s}\n",
                 init_ms[i], init_ms[i]);
        tk_sim r;
        run_yaml(&r, yaml);
        double window_ms = (double)vl_model_window(&r.m) / 1e6;
        double expected = window_ms / (2.0 * init_ms[i]);
        double resets = (double)tk_counter(&r.m, "resets");
        print_message("credit_init %d ms: %.0f resets (expected %.0f), a %.3f b %.3f\n",
                      init_ms[i], resets, expected, vm_pcpus(&r, 0), vm_pcpus(&r, 1));
        assert_true(resets > 0.9 * expected && resets < 1.1 * expected);
        assert_true(vm_pcpus(&r, 0) > 0.48 && vm_pcpus(&r, 0) < 0.52);
        tk_close(&r);
    }
}

/* ----------------------------------------------------------------- caps */

/* The CPU a vCPU gets in consecutive windows of `bucket`, from the
 * switches: what ran of vCPU `id` in each window. */
#define NBUCKETS 256
typedef struct cap_probe {
    int id;
    vl_ns bucket, in;
    vl_ns ran[NBUCKETS];
} cap_probe;

static void cap_account(cap_probe *c, vl_ns from, vl_ns to)
{
    while (from < to) {
        int64_t b = from / c->bucket;
        vl_ns end = (b + 1) * c->bucket < to ? (b + 1) * c->bucket : to;
        if (b < NBUCKETS)
            c->ran[b] += end - from;
        from = end;
    }
}

static void cap_switch(void *ctx, const vl_pcpu *p, const vl_vcpu *prev, const vl_vcpu *next,
                       vl_ns now)
{
    (void)p;
    cap_probe *c = ctx;
    if (prev && prev->id == c->id)
        cap_account(c, c->in, now);
    if (next && next->id == c->id)
        c->in = now;
}

/* A 1-vCPU VM capped at 30% beside an uncapped hog on two pCPUs (so an
 * idle pCPU is always there for it) gets 30% of a pCPU in every window of
 * five cap periods (50 ms), not just on average: the budget is refilled
 * every 10 ms and the vCPU is parked when it runs out.  Slack: one
 * switch's costs per period. */
static void test_cap_every_window(void **state)
{
    (void)state;
    tk_sim r;
    tk_open(&r, "credit2",
            "host: {pcpus: 2}\n"
            "vms:\n"
            "  - {name: capped, vcpus: 1, cap: 30, workloads: [{type: cpu}]}\n"
            "  - {name: free, vcpus: 1, workloads: [{type: cpu}]}\n"
            "run: {duration: 10s, warmup: 1s}\n");
    cap_probe c = {.id = 0, .bucket = VL_MS(50)};
    r.m.hv.observer = (vl_hv_observer){.ctx = &c, .on_switch = cap_switch};
    tk_go(&r.m);
    double lo = 1, hi = 0;
    for (int b = 2; b < NBUCKETS && (b + 1) * c.bucket <= VL_S(10); b++) {
        double share = (double)c.ran[b] / (double)c.bucket;
        lo = share < lo ? share : lo;
        hi = share > hi ? share : hi;
    }
    double capped = vm_pcpus(&r, 0), free_ = vm_pcpus(&r, 1);
    print_message("capped %.3f free %.3f pCPUs; per 50 ms window %.3f..%.3f; parks %lld "
                  "replenishments %lld\n",
                  capped, free_, lo, hi, (long long)tk_counter(&r.m, "parks"),
                  (long long)tk_counter(&r.m, "replenishments"));
    assert_true(capped > 0.29 && capped < 0.31);
    assert_true(hi < 0.31 && lo > 0.27);
    assert_true(free_ > 0.97);
    assert_true(tk_counter(&r.m, "parks") > 100);
    tk_close(&r);
}

/* ------------------------------------------------------------ ratelimit */

/* A hog and two interactive VMs on one pCPU: a waker with more credit
 * than the hog tickles its pCPU, but the hog keeps it until it has run
 * `ratelimit`; with the rate limit off it is preempted at once. */
static void ratelimit_run(const char *rl, tk_preempt_probe *pr, int64_t *limited)
{
    char yaml[1024];
    snprintf(yaml, sizeof yaml,
             "host: {pcpus: 1}\n"
             "params: {credit2: {ratelimit: %s}}\n"
             "vms:\n"
             "  - {name: hog, vcpus: 1, workloads: [{type: cpu}]}\n"
             "  - {name: a, vcpus: 1, workloads: [{type: think, burst: {dist: exponential, mean: "
             "300us}, think: {dist: exponential, mean: 3ms}}]}\n"
             "  - {name: b, vcpus: 1, workloads: [{type: think, burst: {dist: exponential, mean: "
             "300us}, think: {dist: exponential, mean: 3ms}}]}\n"
             "run: {duration: 5s, warmup: 500ms}\n",
             rl);
    tk_sim r;
    tk_open(&r, "credit2", yaml);
    tk_watch_preemptions(&r.m, pr);
    tk_go(&r.m);
    *limited = tk_counter(&r.m, "ratelimited");
    print_message("ratelimit %s: %ld preemptions, shortest preempted run %.1f us, ratelimited "
                  "%lld, busy tickles %lld\n",
                  rl, pr->preemptions, pr->min_preempted_run / 1e3, (long long)*limited,
                  (long long)tk_counter(&r.m, "tickles_busy"));
    tk_close(&r);
}

static void test_ratelimit(void **state)
{
    (void)state;
    tk_preempt_probe pr;
    int64_t limited;
    ratelimit_run("1ms", &pr, &limited);
    assert_true(pr.preemptions > 100);
    assert_true(pr.min_preempted_run >= VL_MS(1));
    assert_true(limited > 0);

    ratelimit_run("3ms", &pr, &limited);
    assert_true(pr.min_preempted_run >= VL_MS(3));

    ratelimit_run("0ns", &pr, &limited);
    assert_true(pr.preemptions > 100);
    assert_true(pr.min_preempted_run < VL_US(100));
    assert_int_equal(limited, 0);
}

/* A rate limit of 1-99 us is refused when the scenario loads (the check
 * hook, as Xen's sysctl refuses it), at the value's position; so is a
 * min_timer above max_timer. */
static void test_bad_parameters_refused(void **state)
{
    (void)state;
    static const struct {
        const char *params, *param, *msg;
    } cases[] = {
        {"{ratelimit: 50us}", "params.credit2.ratelimit", "at least 100us"},
        {"{min_timer: 20ms}", "params.credit2.min_timer", "max_timer"},
        {"{balance_over: -30}", "params.credit2.balance_over", "load_precision_shift"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char yaml[512];
        snprintf(yaml, sizeof yaml,
                 "scheduler: credit2\n"
                 "host: {pcpus: 1}\n"
                 "params: {credit2: %s}\n"
                 "vms: [{name: a, vcpus: 1, workloads: [{type: cpu}]}]\n"
                 "run: {duration: 1s}\n",
                 cases[i].params);
        vl_scenario scn;
        vl_error err;
        assert_int_equal(
            vl_scenario_load_string("t.yaml", yaml, strlen(yaml), NULL, 0, &scn, &err), -1);
        print_message("%s:%d:%d: %s\n", err.file, err.line, err.col, err.msg);
        assert_int_equal(err.line, 3);
        assert_non_null(strstr(err.msg, cases[i].param));
        assert_non_null(strstr(err.msg, cases[i].msg));
    }
}

/* ---------------------------------------------------- runqueues, balance */

/* One runqueue per socket, and balancing between them.  Placement at
 * creation alternates between the runqueues by expected load, so with
 * hogs and idle VMs listed in turn the four hogs all start on socket 0's
 * runqueue (2 pCPUs) and the idle vCPUs on socket 1's.  No pCPU of socket
 * 1 ever takes work from socket 0's runqueue; only balance_load, after a
 * credit reset, moves hogs over: the hogs end up with the whole host (4
 * pCPUs, not the 2 of socket 0).  With one runqueue for all pCPUs nothing
 * needs to move.  Measured from the start (no warm-up): the moves happen
 * in the first hundred milliseconds. */
static void test_runqueue_per_socket_balanced(void **state)
{
    (void)state;
    static const char *const arrangement[] = {"socket", "all"};
    for (int i = 0; i < 2; i++) {
        char yaml[1024];
        snprintf(yaml, sizeof yaml,
                 "host: {pcpus: 4, sockets: 2}\n"
                 "params: {credit2: {runqueue: %s}}\n"
                 "vms:\n"
                 "  - {name: h0, vcpus: 1, workloads: [{type: cpu}]}\n"
                 "  - {name: i0, vcpus: 1, workloads: []}\n"
                 "  - {name: h1, vcpus: 1, workloads: [{type: cpu}]}\n"
                 "  - {name: i1, vcpus: 1, workloads: []}\n"
                 "  - {name: h2, vcpus: 1, workloads: [{type: cpu}]}\n"
                 "  - {name: i2, vcpus: 1, workloads: []}\n"
                 "  - {name: h3, vcpus: 1, workloads: [{type: cpu}]}\n"
                 "  - {name: i3, vcpus: 1, workloads: []}\n"
                 "run: {duration: 5s, warmup: 0s}\n",
                 arrangement[i]);
        tk_sim r;
        tk_open(&r, "credit2", yaml);
        vl_error err;
        assert_int_equal(vl_hv_start(&r.m.hv, &err), 0);
        int on_socket0 = 0;
        for (int d = 0; d < 8; d += 2)
            on_socket0 += r.m.hv.vms[d].vcpus[0].processor->place.socket == 0;
        tk_go(&r.m);
        double hogs = 0;
        for (int d = 0; d < 8; d += 2)
            hogs += vm_pcpus(&r, d);
        print_message("runqueue %s: %d hogs start on socket 0; hogs %.3f pCPUs; balances %lld "
                      "migrations %lld\n",
                      arrangement[i], on_socket0, hogs, (long long)tk_counter(&r.m, "balances"),
                      (long long)tk_counter(&r.m, "migrations"));
        assert_true(hogs > 3.95);
        if (i == 0) {
            assert_int_equal(on_socket0, 4);
            assert_true(tk_counter(&r.m, "migrations") > 0);
            assert_true(tk_counter(&r.m, "balances") > 0);
        } else {
            assert_int_equal(tk_counter(&r.m, "migrations"), 0);
        }
        tk_close(&r);
    }
}

/* ---------------------------------------------------------------- tickle */

/* An interactive vCPU waking while a hog holds one of two pCPUs tickles
 * the idle pCPU, never the hog's: the hog is never preempted and the
 * wake-ups are served within microseconds.  On one pCPU the same waker
 * has to preempt the hog (it has more credit): busy tickles, and the hog
 * is preempted. */
static void test_tickle_idle_first(void **state)
{
    (void)state;
    for (int pcpus = 2; pcpus >= 1; pcpus--) {
        char yaml[1024];
        snprintf(yaml, sizeof yaml,
                 "host: {pcpus: %d}\n"
                 "vms:\n"
                 "  - {name: hog, vcpus: 1, workloads: [{type: cpu}]}\n"
                 "  - {name: web, vcpus: 1, workloads: [{type: think, name: t, burst: 200us, "
                 "think: {dist: exponential, mean: 5ms}}]}\n"
                 "run: {duration: 5s, warmup: 500ms}\n",
                 pcpus);
        tk_sim r;
        run_yaml(&r, yaml);
        const vl_wstats *t = &r.m.workloads[1].stats;
        int64_t p99 = vl_hist_percentile(&t->wake_latency, 99);
        long hog_preempted = (long)r.m.hv.vcpus[0].preemptions;
        print_message("%d pCPUs: idle tickles %lld, busy tickles %lld, hog preempted %ld times, "
                      "wake p99 %.1f us over %llu bursts\n",
                      pcpus, (long long)tk_counter(&r.m, "tickles_idle"),
                      (long long)tk_counter(&r.m, "tickles_busy"), hog_preempted, p99 / 1e3,
                      (unsigned long long)t->bursts);
        assert_true(t->bursts > 500);
        if (pcpus == 2) {
            assert_true(tk_counter(&r.m, "tickles_idle") > 500);
            assert_int_equal(tk_counter(&r.m, "tickles_busy"), 0);
            assert_true(hog_preempted <= 1); /* the start, before the waker first ran */
            assert_true(p99 < VL_US(50));
        } else {
            assert_true(tk_counter(&r.m, "tickles_busy") > 500);
            assert_true(hog_preempted > 500);
        }
        tk_close(&r);
    }
}

/* Switch-ins of vCPU `id`, per core. */
typedef struct core_probe {
    int id;
    long on_core[4];
} core_probe;

static void core_switch(void *ctx, const vl_pcpu *p, const vl_vcpu *prev, const vl_vcpu *next,
                        vl_ns now)
{
    (void)prev;
    (void)now;
    core_probe *c = ctx;
    if (next && next->id == c->id && p->place.core < 4)
        c->on_core[p->place.core]++;
}

/* With SMT, a whole idle core comes before an idle thread beside a busy
 * one.  Two cores of two threads: placement puts `hog` on pCPU 2 (core
 * 1) and `web` on pCPU 3, its sibling; `idle` takes pCPU 1 and halts.
 * After its first burst `web` wakes with its own pCPU idle but its core
 * half busy, and tickles core 0 instead: it runs on core 1 once, at the
 * start, and on core 0 ever after.  Taking any idle pCPU first, it would
 * stay on pCPU 3, sharing the hog's core. */
static void test_tickle_whole_idle_core_first(void **state)
{
    (void)state;
    tk_sim r;
    tk_open(&r, "credit2",
            "host: {pcpus: 4, threads_per_core: 2}\n"
            "vms:\n"
            "  - {name: idle, vcpus: 1, workloads: []}\n"
            "  - {name: hog, vcpus: 1, workloads: [{type: cpu}]}\n"
            "  - {name: web, vcpus: 1, workloads: [{type: think, burst: 200us, think: {dist: "
            "exponential, mean: 5ms}}]}\n"
            "run: {duration: 3s}\n");
    core_probe c = {.id = 2};
    r.m.hv.observer = (vl_hv_observer){.ctx = &c, .on_switch = core_switch};
    tk_go(&r.m);
    print_message("web switched in %ld times on core 0, %ld on core 1 (the hog's)\n",
                  c.on_core[0], c.on_core[1]);
    assert_true(c.on_core[0] > 300);
    assert_true(c.on_core[1] <= 1);
    tk_close(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_weights_one_to_two),
        cmocka_unit_test(test_reset_every_epoch),
        cmocka_unit_test(test_cap_every_window),
        cmocka_unit_test(test_ratelimit),
        cmocka_unit_test(test_bad_parameters_refused),
        cmocka_unit_test(test_runqueue_per_socket_balanced),
        cmocka_unit_test(test_tickle_idle_first),
        cmocka_unit_test(test_tickle_whole_idle_core_first),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
