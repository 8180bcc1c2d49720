/* test_cfs.c - the `cfs` policy (KVM on Linux CFS, src/sched/cfs*.c): each
 * mechanism pinned by a scenario whose measured outcome changes if the
 * mechanism breaks; where it helps, the same scenario with the mechanism
 * switched off shows the test can fail.  Directed-yield tests inject
 * pause-loop exits from test events through the core's guest port
 * (vl_hv_yield), as a guest spinning on a lock would. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sched/cfs_params.h"
#include "sched/cfs_priv.h"
#include "testkit.h"
#include "vl_rng.h"

/* ----------------------------------------------------------------- helpers */

static const vl_sched_ops *cfs_ops(void)
{
    const vl_sched_ops *ops = vl_policy_find("cfs");
    assert_non_null(ops);
    return ops;
}

typedef tk_sim run;

static void run_create(run *r, const char *yaml)
{
    tk_open(r, "cfs", yaml);
}

static void run_go(run *r)
{
    tk_go(&r->m);
}

static void run_yaml(run *r, const char *yaml)
{
    run_create(r, yaml);
    run_go(r);
}

static void run_free(run *r)
{
    tk_close(r);
}

/* Over the measurement window. */
static int64_t counter(const run *r, const char *name)
{
    return tk_counter(&r->m, name);
}

/* Since the start of the run (for events before the warm-up ends). */
static int64_t counter_total(const run *r, const char *name)
{
    return r->m.hv.sched.counters[tk_counter_index(&r->m, name)];
}

/* CPU of VM d over the window, in pCPUs (1.0 = one pCPU all the time). */
static double vm_pcpus(const run *r, int d)
{
    return (double)tk_vm_cpu(&r->m, d) / (double)vl_model_window(&r->m);
}

static vl_vcpu *vcpu_of(run *r, int vm, int idx) { return &r->m.hv.vms[vm].vcpus[idx]; }

/* A test event: calls fn(ctx) at `when`. */
typedef struct probe {
    vl_event ev;
    void (*fn)(struct probe *pr, vl_ns now);
    run *r;
    int step;
    vl_ns t0;
    int64_t base[2];
    bool expect; /* the test's switch (e.g. directed yield on) */
    bool done;
} probe;

static void probe_fire(void *ctx, vl_event *ev)
{
    (void)ev;
    probe *pr = ctx;
    pr->fn(pr, pr->r->m.hv.sim.now);
}

static void probe_init(probe *pr, run *r, void (*fn)(probe *, vl_ns), vl_ns when)
{
    memset(pr, 0, sizeof *pr);
    pr->r = r;
    pr->fn = fn;
    vl_event_init(&pr->ev, probe_fire, pr, VL_EVC_DEVICE, 0x7e000000u);
    vl_sim_schedule(&r->m.hv.sim, &pr->ev, when);
}

static void probe_again(probe *pr, vl_ns when) { vl_sim_schedule(&pr->r->m.hv.sim, &pr->ev, when); }

/* Runs `yaml` to its end with probe pr (the probe part of a zeroed
 * struct) calling fn from `start`; what fn gathered stays in the struct. */
static void run_probed(const char *yaml, probe *pr, void (*fn)(probe *, vl_ns), vl_ns start)
{
    run r;
    run_create(&r, yaml);
    probe_init(pr, &r, fn, start);
    run_go(&r);
    run_free(&r);
}

/* A pause-loop exit of a vCPU that executes guest code now. */
static void ple(run *r, int vm, int idx, bool kernel)
{
    assert_true(vcpu_of(r, vm, idx)->in_guest);
    vl_hv_yield(&r->m.hv, vm, idx, VL_YIELD_PLE, 0xffffffff81000000ULL + (uint64_t)idx, kernel);
}

/* ------------------------------------------------------ fairness and shares */

/* 1:2 weights -> 1:2 CPU (shares = weight x 4), on one pCPU and on four. */
static void test_weights_1_to_2(void **state)
{
    (void)state;
    static const char *const hosts[] = {"{pcpus: 1}", "{pcpus: 4, sockets: 2}"};
    static const int vcpus[] = {1, 4};
    for (int k = 0; k < 2; k++) {
        char yaml[1024];
        snprintf(yaml, sizeof yaml,
                 "host: %s\n"
                 "vms:\n"
                 "  - {name: light, vcpus: %d, weight: 256, workloads: [{type: cpu, tasks: %d}]}\n"
                 "  - {name: heavy, vcpus: %d, weight: 512, workloads: [{type: cpu, tasks: %d}]}\n"
                 "run: {duration: 6s, warmup: 1s}\n",
                 hosts[k], vcpus[k], vcpus[k], vcpus[k], vcpus[k]);
        run r;
        run_yaml(&r, yaml);
        double light = vm_pcpus(&r, 0), heavy = vm_pcpus(&r, 1);
        print_message("%d pCPU(s): light %.4f heavy %.4f pCPUs, ratio %.4f\n", vcpus[k], light,
                      heavy, heavy / light);
        assert_true(heavy / light > 2.0 * 0.97 && heavy / light < 2.0 * 1.03);
        assert_true(light + heavy > 0.99 * vcpus[k]); /* work-conserving */
        run_free(&r);
    }
}

/* The per-VM `shares` parameter overrides the weight. */
static void test_shares_parameter(void **state)
{
    (void)state;
    run r;
    run_yaml(&r, "host: {pcpus: 1}\n"
                 "vms:\n"
                 "  - {name: a, vcpus: 1, params: {cfs: {shares: 1000}},\n"
                 "     workloads: [{type: cpu}]}\n"
                 "  - {name: b, vcpus: 1, params: {cfs: {shares: 3000}},\n"
                 "     workloads: [{type: cpu}]}\n"
                 "run: {duration: 6s, warmup: 1s}\n");
    double a = vm_pcpus(&r, 0), b = vm_pcpus(&r, 1);
    print_message("shares 1000:3000 -> %.4f : %.4f (ratio %.3f)\n", a, b, b / a);
    assert_true(b / a > 3.0 * 0.97 && b / a < 3.0 * 1.03);
    run_free(&r);
}

/* Group scheduling: equal shares give two VMs equal CPU however many vCPUs
 * each has (per-vCPU fairness would give the 2-vCPU VM two thirds). */
static void test_equal_shares_group_fairness(void **state)
{
    (void)state;
    run r;
    run_yaml(&r, "host: {pcpus: 1}\n"
                 "vms:\n"
                 "  - {name: one, vcpus: 1, workloads: [{type: cpu, tasks: 1}]}\n"
                 "  - {name: two, vcpus: 2, workloads: [{type: cpu, tasks: 2}]}\n"
                 "run: {duration: 6s, warmup: 1s}\n");
    double one = vm_pcpus(&r, 0), two = vm_pcpus(&r, 1);
    double two_a = (double)vl_model_vcpu_time(&r.m, 1, VL_RUNNING) / (double)vl_model_window(&r.m);
    double two_b = (double)vl_model_vcpu_time(&r.m, 2, VL_RUNNING) / (double)vl_model_window(&r.m);
    print_message("one %.4f two %.4f (its vCPUs %.4f %.4f)\n", one, two, two_a, two_b);
    assert_true(one > 0.5 - 0.015 && one < 0.5 + 0.015);
    assert_true(two > 0.5 - 0.015 && two < 0.5 + 0.015);
    assert_true(two_a > 0.25 - 0.015 && two_b > 0.25 - 0.015);
    run_free(&r);
}

/* Shares are absolute: CFS's sleeper credit (and the wake-up granularity
 * it is weighed against) is a constant of virtual time, so its real-time
 * size scales with a group entity's weight.  The same 1:1 shares at 1,024
 * and at 8,192 each: a hog VM and an interactive VM of four vCPUs on four
 * pCPUs.  At 8,192 the interactive VM's waking groups carry eight times
 * the real-time credit and preempt the hog at once; at 1,024 they often
 * wait for the hog's tick. */
static double interactive_wait_ms(int shares)
{
    char yaml[1024];
    snprintf(yaml, sizeof yaml,
             "host: {pcpus: 4}\n"
             "vms:\n"
             "  - {name: hog, vcpus: 4, params: {cfs: {shares: %d}},\n"
             "     workloads: [{type: cpu, tasks: 4}]}\n"
             "  - {name: inter, vcpus: 4, params: {cfs: {shares: %d}},\n"
             "     workloads: [{type: think, tasks: 4, burst: {dist: exponential, mean: 300us},\n"
             "                  think: {dist: exponential, mean: 5ms}}]}\n"
             "run: {duration: 2s, warmup: 200ms}\n",
             shares, shares);
    run r;
    run_yaml(&r, yaml);
    vl_ns wait = 0;
    for (int v = 4; v < 8; v++)
        wait += vl_model_vcpu_time(&r.m, v, VL_RUNNABLE);
    run_free(&r);
    return (double)wait / 1e6;
}

static void test_shares_absolute(void **state)
{
    (void)state;
    double at1024 = interactive_wait_ms(1024), at8192 = interactive_wait_ms(8192);
    print_message("interactive VM waiting: %.2f ms at shares 1024, %.2f ms at 8192\n", at1024,
                  at8192);
    assert_true(at1024 > 5.0);
    assert_true(at8192 < 0.3 * at1024);
}

/* Group weights by era: VM "flip" has two vCPUs on two pCPUs, one running
 * a hog, the other a task busy 1 ms of every 2, so the VM's runnable count
 * flips between 1 and 2 each millisecond.  From runnable counts (6.1 here)
 * the hog's group weighs 1,024 and 512 in turn; from 3.2's 10 ms load
 * windows its weight moves only at its ticks and stays in between. */
typedef struct weight_probe {
    probe pr;
    int64_t last[2];    /* per pCPU: the flip group's weight at the last sample */
    int64_t change_sum; /* |weight change| summed over consecutive samples */
    int samples;
} weight_probe;

static void weight_steps(probe *pr, vl_ns now)
{
    weight_probe *wp = (weight_probe *)pr;
    for (int p = 0; p < 2; p++) {
        cfs_se *gse = cfs_root(&pr->r->m.hv.pcpus[p])->curr;
        int64_t w = gse ? gse->weight : 0;
        if (w && wp->last[p]) {
            wp->change_sum += w > wp->last[p] ? w - wp->last[p] : wp->last[p] - w;
            wp->samples++;
        }
        wp->last[p] = w;
    }
    if (now < VL_MS(900))
        probe_again(pr, now + VL_US(100));
}

static double weight_churn(const char *kernel)
{
    char yaml[1024];
    snprintf(yaml, sizeof yaml,
             "host: {pcpus: 2}\n"
             "params: {cfs: {kernel: '%s', load_balance: false}}\n"
             "vms:\n"
             "  - {name: flip, vcpus: 2, workloads: [{type: cpu, tasks: 1},\n"
             "     {type: cpu, tasks: 1, util: 0.5, period: 2ms}]}\n"
             "run: {duration: 1s, warmup: 0s}\n",
             kernel);
    weight_probe wp = {0};
    run_probed(yaml, &wp.pr, weight_steps, VL_MS(200));
    assert_true(wp.samples > 1000);
    return (double)wp.change_sum / wp.samples;
}

static void test_era_group_weights_smoothed(void **state)
{
    (void)state;
    double counts = weight_churn("6.1"), window = weight_churn("3.2");
    print_message("mean group-weight change per 100 us: runnable counts %.1f, 3.2 load "
                  "windows %.1f\n", counts, window);
    assert_true(counts > 20);
    assert_true(window < 0.3 * counts);
}

/* 3.2's group loads are kept per pCPU (update_cfs_load): VM "x" has a hog
 * on pCPU 0 and a task that sleeps on pCPU 1, which a pinned hog VM keeps
 * busy.  A group's contribution to the VM's load is recounted by its own
 * updates only when its window folds and it moved by more than an eighth;
 * in full (any change) only where its pCPU balances (update_shares), which
 * also brings an empty group's load down while its vCPU sleeps; a running
 * group's tick updates its load once it has run a window since the last
 * update (update_entity_shares_tick).  Refreshing every group at every
 * enqueue and tick, as the model once did, changes contributions by small
 * steps at other instants. */
typedef struct contrib_probe {
    probe pr;
    int64_t contrib[2];   /* per pCPU: x's group contribution at the last sample */
    vl_ns balance[2];     /* per pCPU: next_balance at the last sample */
    int small_at_balance; /* changes of an eighth or less where the pCPU balanced */
    int small_elsewhere;  /* ... anywhere else */
    int empty_decays;     /* falls of the sleeping group's contribution while empty */
    vl_ns stamp;          /* the hog's group (pCPU 0): its last load update */
    int hog_updates;      /* its load updates but at a balance ... */
    int hog_early;        /* ... of which less than a window after the last */
} contrib_probe;

static cfs_group *x_group_on(run *r, int p)
{
    for (int i = 0; i < 2; i++) {
        cfs_group *g = &cfs_vc(vcpu_of(r, 0, i))->slot;
        if (g->pcpu && g->pcpu->id == p)
            return g;
    }
    return NULL;
}

static void contrib_steps(probe *pr, vl_ns now)
{
    contrib_probe *cp = (contrib_probe *)pr;
    for (int p = 0; p < 2; p++) {
        cfs_group *g = x_group_on(pr->r, p);
        vl_ns balance = cfs_pc(&pr->r->m.hv.pcpus[p])->next_balance;
        if (g && pr->step) {
            int64_t was = cp->contrib[p], d = g->load_contrib - was;
            bool balanced = balance != cp->balance[p];
            if (d != 0 && (d < 0 ? -d : d) <= was / 8)
                *(balanced ? &cp->small_at_balance : &cp->small_elsewhere) += 1;
            if (d < 0 && g->q.nr_running == 0 && balanced)
                cp->empty_decays++;
        }
        if (g && p == 0 && pr->step && g->load_stamp != cp->stamp && balance == cp->balance[0]) {
            cp->hog_updates++;
            cp->hog_early += g->load_stamp - cp->stamp < VL_MS(10);
        }
        if (g && p == 0)
            cp->stamp = g->load_stamp;
        cp->contrib[p] = g ? g->load_contrib : 0;
        cp->balance[p] = balance;
    }
    pr->step = 1;
    if (now < VL_MS(1900))
        probe_again(pr, now + VL_US(50));
}

/* Runs the host with `task` as x's second workload; the probe's counts. */
static contrib_probe contrib_run(const char *task)
{
    char yaml[1024];
    snprintf(yaml, sizeof yaml,
             "host: {pcpus: 2}\n"
             "params: {cfs: {kernel: '3.2', load_balance: false, busy_factor: 4}}\n"
             "vms:\n"
             "  - {name: x, vcpus: 2, workloads: [{type: cpu, tasks: 1}, %s]}\n"
             "  - {name: pin, vcpus: 1, affinity: \"1\", workloads: [{type: cpu}]}\n"
             "run: {duration: 2s, warmup: 0s}\n",
             task);
    contrib_probe cp = {0};
    run_probed(yaml, &cp.pr, contrib_steps, VL_MS(100));
    print_message("%s: contribution changes of an eighth or less: %d where the pCPU balanced, "
                  "%d elsewhere; falls of an empty group's at a balance: %d; the hog group's "
                  "load updates at ticks: %d, %d of them within a window\n",
                  task, cp.small_at_balance, cp.small_elsewhere, cp.empty_decays,
                  cp.hog_updates, cp.hog_early);
    return cp;
}

static void test_era_shares_updated_locally(void **state)
{
    (void)state;
    /* busy 2 ms of every 6: the window folds often, small moves wait */
    contrib_probe flip = contrib_run("{type: cpu, tasks: 1, util: 0.33, period: 6ms}");
    assert_int_equal(flip.small_elsewhere, 0);
    assert_true(flip.small_at_balance > 10);
    /* the hog's group runs alone: its ticks update its load once it ran a window */
    assert_true(flip.hog_updates > 50);
    assert_int_equal(flip.hog_early, 0);
    /* busy 20 ms of every 200: asleep across balances */
    contrib_probe sleeper = contrib_run("{type: cpu, tasks: 1, util: 0.1, period: 200ms}");
    assert_int_equal(sleeper.small_elsewhere, 0);
    assert_true(sleeper.empty_decays > 10);
}

/* ------------------------------------------------------------------ caps */

/* cap 50 = quota 50 ms per 100 ms period: half a pCPU, the rest idle. */
static void test_cap_50(void **state)
{
    (void)state;
    run r;
    run_yaml(&r, "host: {pcpus: 1}\n"
                 "vms:\n"
                 "  - {name: capped, vcpus: 1, cap: 50, workloads: [{type: cpu}]}\n"
                 "run: {duration: 5s, warmup: 1s}\n");
    double used = vm_pcpus(&r, 0);
    double idle = (double)vl_model_pcpu_idle(&r.m, 0) / (double)vl_model_window(&r.m);
    print_message("cap 50: %.4f of a pCPU, pCPU idle %.4f, throttles %lld\n", used, idle,
                  (long long)counter(&r, "throttles"));
    assert_true(used > 0.47 && used < 0.53);
    assert_true(idle > 0.45);
    assert_true(counter(&r, "throttles") >= 38); /* once per 100 ms period */
    run_free(&r);
}

/* A capped VM next to an uncapped one: the cap binds, the other takes the rest. */
static void test_cap_with_competitor(void **state)
{
    (void)state;
    run r;
    run_yaml(&r, "host: {pcpus: 2}\n"
                 "vms:\n"
                 "  - {name: capped, vcpus: 2, cap: 30, workloads: [{type: cpu, tasks: 2}]}\n"
                 "  - {name: free, vcpus: 2, workloads: [{type: cpu, tasks: 2}]}\n"
                 "run: {duration: 5s, warmup: 1s}\n");
    double capped = vm_pcpus(&r, 0), freevm = vm_pcpus(&r, 1);
    print_message("cap 30: capped %.4f free %.4f pCPUs\n", capped, freevm);
    assert_true(capped > 0.27 && capped < 0.33);
    assert_true(freevm > 2.0 - 0.33 - 0.02);
    run_free(&r);
}

/* ---------------------------------------------------- wake-up preemption */

static const char wake_yaml[] =
    "host: {pcpus: 1}\n"
    "%s"
    "vms:\n"
    "  - {name: hog, vcpus: 1, workloads: [{type: cpu}]}\n"
    "  - name: web\n"
    "    vcpus: 1\n"
    "    workloads:\n"
    "      - type: think\n"
    "        burst: {dist: exponential, mean: 500us}\n"
    "        think: {dist: exponential, mean: 20ms}\n"
    "run: {duration: 6s, warmup: 1s}\n";

static int64_t web_wake_p99(run *r)
{
    for (int w = 0; w < r->m.nworkloads; w++)
        if (r->m.workloads[w].vm == 1)
            return vl_hist_percentile(&r->m.workloads[w].stats.wake_latency, 99);
    fail_msg("no web workload");
    return 0;
}

/* A waking interactive vCPU gets sleeper credit and preempts the hog at
 * once; the hog still gets everything the interactive VM leaves. */
static void test_wakeup_preemption(void **state)
{
    (void)state;
    char yaml[2048];
    run r;
    snprintf(yaml, sizeof yaml, wake_yaml, "");
    run_yaml(&r, yaml);
    int64_t p99 = web_wake_p99(&r);
    double hog = vm_pcpus(&r, 0), web = vm_pcpus(&r, 1);
    print_message("wake p99 %lld ns (latency 6 ms), hog %.4f web %.4f, preemptions %lld\n",
                  (long long)p99, hog, web, (long long)counter(&r, "wakeup_preemptions"));
    assert_true(p99 < VL_US(100));
    assert_true(hog > 0.95 && hog + web > 0.99);
    assert_true(counter(&r, "wakeup_preemptions") > 100);
    run_free(&r);

    /* control: without wake-up preemption the waker waits for the tick */
    snprintf(yaml, sizeof yaml, wake_yaml, "params: {cfs: {wakeup_granularity: 1s}}\n");
    run_yaml(&r, yaml);
    print_message("no wake-up preemption: wake p99 %lld ns\n", (long long)web_wake_p99(&r));
    assert_true(web_wake_p99(&r) > VL_MS(1));
    assert_int_equal(counter(&r, "wakeup_preemptions"), 0);
    run_free(&r);
}

/* -------------------------------------------------------- load balancing */

static void widen_affinity(probe *pr, vl_ns now)
{
    (void)now;
    vl_hv *hv = &pr->r->m.hv;
    for (int p = 0; p < hv->npcpus; p++)
        vl_cpuset_add(&hv->vms[0].affinity, p);
    pr->done = true;
}

/* Four hogs of one VM start stacked on pCPU 0 (affinity "0"); when the
 * affinity widens to the whole host (two sockets), balancing spreads them. */
static void test_load_balance_spreads(void **state)
{
    (void)state;
    for (int lb = 1; lb >= 0; lb--) {
        char yaml[1024];
        snprintf(yaml, sizeof yaml,
                 "host: {pcpus: 4, sockets: 2}\n"
                 "params: {cfs: {load_balance: %s}}\n"
                 "vms:\n"
                 "  - {name: hogs, vcpus: 4, affinity: \"0\", workloads: [{type: cpu, tasks: 4}]}\n"
                 "run: {duration: 3s, warmup: 1s}\n",
                 lb ? "true" : "false");
        run r;
        probe pr;
        run_create(&r, yaml);
        probe_init(&pr, &r, widen_affinity, VL_MS(100));
        run_go(&r);
        assert_true(pr.done);
        vl_ns window = vl_model_window(&r.m);
        double min_busy = 1, min_vcpu = 1;
        for (int p = 0; p < 4; p++) {
            double b = (double)vl_model_pcpu_busy(&r.m, p) / (double)window;
            min_busy = b < min_busy ? b : min_busy;
        }
        for (int v = 0; v < 4; v++) {
            double x = (double)vl_model_vcpu_time(&r.m, v, VL_RUNNING) / (double)window;
            min_vcpu = x < min_vcpu ? x : min_vcpu;
        }
        print_message("load_balance %d: least busy pCPU %.4f, least served vCPU %.4f, "
                      "migrations %lld\n",
                      lb, min_busy, min_vcpu, (long long)counter_total(&r, "migrations"));
        if (lb) {
            assert_true(min_busy > 0.99 && min_vcpu > 0.99);
            assert_true(counter_total(&r, "migrations") >= 3);
        } else {
            assert_true(min_busy < 0.01 && min_vcpu < 0.3);
        }
        run_free(&r);
    }
}

/* An idle pCPU pulls queued vCPUs (newly-idle balancing and kicks from
 * busy pCPUs).  Wake-up placement never leaves the socket, so with one
 * pCPU per socket only balancing moves a vCPU: without it a pCPU idles
 * while the other has a backlog. */
static void test_idle_balance_cuts_waiting(void **state)
{
    (void)state;
    double busy[2], wait[2];
    for (int lb = 1; lb >= 0; lb--) {
        char yaml[1024];
        snprintf(yaml, sizeof yaml,
                 "host: {pcpus: 2, sockets: 2}\n"
                 "params: {cfs: {load_balance: %s}}\n"
                 "vms:\n"
                 "  - name: bursty\n"
                 "    vcpus: 4\n"
                 "    workloads:\n"
                 "      - {type: think, tasks: 4, burst: {dist: exponential, mean: 5ms},\n"
                 "         think: {dist: exponential, mean: 10ms}}\n"
                 "run: {duration: 5s, warmup: 1s}\n",
                 lb ? "true" : "false");
        run r;
        run_yaml(&r, yaml);
        vl_ns b = 0, w = 0;
        for (int p = 0; p < 2; p++)
            b += vl_model_pcpu_busy(&r.m, p);
        for (int v = 0; v < 4; v++)
            w += vl_model_vcpu_time(&r.m, v, VL_RUNNABLE);
        busy[lb] = (double)b / (2.0 * (double)vl_model_window(&r.m));
        wait[lb] = (double)w / (double)vl_model_window(&r.m);
        print_message("load_balance %d: host busy %.4f, vCPU wait %.4f s/s, migrations %lld\n",
                      lb, busy[lb], wait[lb], (long long)counter(&r, "migrations"));
        if (!lb)
            assert_int_equal(counter(&r, "migrations"), 0);
        run_free(&r);
    }
    assert_true(busy[1] > busy[0]);
    assert_true(wait[1] < 0.8 * wait[0]);
}

/* Newly-idle balancing by era: pCPU 0 runs three pinned hogs (an overloaded
 * pCPU with nothing that may leave it), pCPU 1 a pinned task that runs 1 ms
 * and sleeps 0.2 ms (or 2 ms).  Each balance attempt of pCPU 1 finds the
 * overload and nothing to pull, and counts a failure.  Linux 3.2 tries only
 * while pCPU 1's idle periods average 500 us (migration_cost) or more:
 * rarely for 0.2 ms sleeps, at each idle for 2 ms ones; 6.1 (no such test
 * since 5.16) at each idle.  The probe counts pCPU 1's idle periods and
 * its failed attempts. */
typedef struct newidle_probe {
    probe pr;
    bool idle;     /* pCPU 1 idle at the last sample */
    int idles;     /* its idle periods seen */
    int attempts;  /* increments of its balance_failed */
    int failed;    /* balance_failed at the last sample */
    vl_ns avg_idle;
} newidle_probe;

static void newidle_steps(probe *pr, vl_ns now)
{
    newidle_probe *np = (newidle_probe *)pr;
    vl_pcpu *p = &pr->r->m.hv.pcpus[1];
    bool idle = cfs_root(p)->nr_running == 0;
    np->idles += idle && !np->idle;
    np->idle = idle;
    np->attempts += cfs_pc(p)->balance_failed > np->failed;
    np->failed = cfs_pc(p)->balance_failed;
    np->avg_idle = cfs_pc(p)->avg_idle;
    if (now < VL_MS(1900))
        probe_again(pr, now + VL_US(20));
}

/* Attempts per idle period of pCPU 1 from 0.1 s to 1.9 s; *avg_idle at the end. */
static double newidle_rate(const char *kernel, const char *sleeper, vl_ns *avg_idle)
{
    char yaml[1024];
    snprintf(yaml, sizeof yaml,
             "host: {pcpus: 2}\n"
             "params: {cfs: {kernel: '%s'}}\n"
             "vms:\n"
             "  - {name: h, vcpus: 3, affinity: \"0\", workloads: [{type: cpu, tasks: 3}]}\n"
             "  - {name: s, vcpus: 1, affinity: \"1\", workloads: [%s]}\n"
             "run: {duration: 2s, warmup: 0s}\n",
             kernel, sleeper);
    newidle_probe np = {0};
    run_probed(yaml, &np.pr, newidle_steps, VL_MS(100));
    assert_true(np.idles > 300);
    *avg_idle = np.avg_idle;
    print_message("%s, %s: %d idle periods, %d balance attempts, avg_idle %lld us\n", kernel,
                  sleeper, np.idles, np.attempts, (long long)(np.avg_idle / 1000));
    return (double)np.attempts / np.idles;
}

static void test_era_newidle_waits_for_long_idles(void **state)
{
    (void)state;
    const char *shortly = "{type: cpu, tasks: 1, util: 0.8333, period: 1200us}";
    const char *longer = "{type: cpu, tasks: 1, util: 0.3333, period: 3ms}";
    vl_ns avg;
    assert_true(newidle_rate("3.2", shortly, &avg) < 0.2);
    assert_true(avg < VL_US(500));
    assert_true(newidle_rate("3.2", longer, &avg) > 0.8);
    assert_true(avg >= VL_US(500));
    assert_true(newidle_rate("6.1", shortly, &avg) > 0.8);
}

/* Affine wake-up: VM "a" runs one task on vCPU 0 (pCPU 0); its vCPU 1 is
 * halted, last on pCPU 1, where a heavy pinned VM runs.  A reschedule IPI
 * from vCPU 0 wakes it from vCPU 0's exit, i.e. from pCPU 0: wake_affine
 * finds pCPU 0 the lighter and the sibling is stacked there (both eras).
 * The same interrupt raised by a device (no waker) sends it back to its
 * previous pCPU. */
static void affine_steps(probe *pr, vl_ns now)
{
    run *r = pr->r;
    vl_hv *hv = &r->m.hv;
    vl_vcpu *sender = vcpu_of(r, 0, 0), *sleeper = vcpu_of(r, 0, 1);
    switch (pr->step) {
    case 0:
        if (!(sender->in_guest && sleeper->state == VL_BLOCKED)) {
            if (now > VL_MS(900))
                fail_msg("never saw vCPU 0 running with vCPU 1 halted");
            probe_again(pr, now + VL_US(20));
            return;
        }
        assert_int_equal(sender->processor->id, 0);
        assert_int_equal(sleeper->processor->id, 1);
        if (pr->expect) {
            int dst = 1;
            vl_hv_send_ipi(hv, 0, 0, &dst, 1, 0xfd);
        } else {
            vl_hv_raise_irq(hv, 0, 1, 0xfd);
        }
        pr->step = 1;
        probe_again(pr, now + hv->costs.exit_entry + hv->costs.ipi_delivery + 1);
        return;
    case 1:
        assert_int_not_equal(sleeper->state, VL_BLOCKED);
        assert_int_equal(sleeper->processor->id, pr->expect ? 0 : 1);
        pr->done = true;
        return;
    }
}

static void test_affine_wakeup(void **state)
{
    (void)state;
    for (int k = 0; k < 4; k++) {
        bool from_ipi = k % 2 == 0;
        char yaml[1024];
        snprintf(yaml, sizeof yaml,
                 "host: {pcpus: 2}\n"
                 "params: {cfs: {load_balance: false, kernel: '%s'}}\n"
                 "vms:\n"
                 "  - {name: a, vcpus: 2, workloads: [{type: cpu, tasks: 1}]}\n"
                 "  - {name: heavy, vcpus: 1, weight: 1024, affinity: \"1\",\n"
                 "     workloads: [{type: cpu}]}\n"
                 "run: {duration: 1s, warmup: 0s}\n",
                 k < 2 ? "6.1" : "3.2");
        run r;
        probe pr;
        run_create(&r, yaml);
        probe_init(&pr, &r, affine_steps, VL_MS(100));
        pr.expect = from_ipi;
        run_go(&r);
        assert_true(pr.done);
        run_free(&r);
    }
}

/* Tick grid: Linux restarts a CPU's tick on the jiffies grid when it
 * turns busy after idle, so every pCPU ticks at multiples of the period.
 * Interactive vCPUs make pCPUs idle and busy again at arbitrary instants;
 * every pending tick is on the 4 ms grid all the same. */
typedef struct grid_probe {
    probe pr;
    int checked, off_grid;
} grid_probe;

static void grid_steps(probe *pr, vl_ns now)
{
    grid_probe *gp = (grid_probe *)pr;
    vl_hv *hv = &pr->r->m.hv;
    for (int p = 0; p < hv->npcpus; p++) {
        if (!vl_event_pending(&hv->pcpus[p].tick_ev))
            continue;
        gp->checked++;
        if (vl_event_due(&hv->pcpus[p].tick_ev) % VL_MS(4) != 0)
            gp->off_grid++;
    }
    if (now < VL_MS(900))
        probe_again(pr, now + VL_US(37));
}

static void test_tick_grid(void **state)
{
    (void)state;
    run r;
    grid_probe gp = {0};
    run_create(&r, "host: {pcpus: 4}\n"
                   "vms:\n"
                   "  - {name: inter, vcpus: 4, workloads: [{type: think, tasks: 4,\n"
                   "     burst: {dist: exponential, mean: 6ms},\n"
                   "     think: {dist: exponential, mean: 3ms}}]}\n"
                   "run: {duration: 1s, warmup: 0s}\n");
    probe_init(&gp.pr, &r, grid_steps, VL_US(101));
    run_go(&r);
    print_message("%d pending ticks seen, %d off the 4 ms grid\n", gp.checked, gp.off_grid);
    assert_true(gp.checked > 10000);
    assert_int_equal(gp.off_grid, 0);
    run_free(&r);
}

/* -------------------------------------------------------- directed yield */

/* Host for the directed-yield tests: VM 0 "smp" has vCPUs 0..2 on pCPUs
 * 0..2 (placed in that order at start, load balancing off so they stay);
 * vCPU 0 is alone on pCPU 0, vCPUs 1 and 2 share their pCPUs with heavy
 * pinned hogs, so they are preempted most of the time.  A huge wake-up
 * granularity makes CFS always honour the next buddy: these tests check
 * which sibling KVM boosts, not CFS's fairness check of the boost. */
static const char dy_yaml[] =
    "host: {pcpus: 3}\n"
    "params: {cfs: {load_balance: false, wakeup_granularity: 1s, directed_yield: %s}}\n"
    "vms:\n"
    "  - {name: smp, vcpus: 3, workloads: [{type: cpu, tasks: 3}]}\n"
    "  - {name: hog1, vcpus: 1, weight: 2560, affinity: \"1\", workloads: [{type: cpu}]}\n"
    "  - {name: hog2, vcpus: 1, weight: 2560, affinity: \"2\", workloads: [{type: cpu}]}\n"
    "run: {duration: 1s, warmup: 0s}\n";

static bool in_guest(run *r, int idx) { return vcpu_of(r, 0, idx)->in_guest; }
static vl_runstate state_of(run *r, int idx) { return vcpu_of(r, 0, idx)->state; }

/* smp vCPU i is on pCPU i (the layout the scenario sets up). */
static void check_dy_layout(run *r)
{
    for (int i = 0; i < 3; i++)
        assert_int_equal(vcpu_of(r, 0, i)->processor->id, i);
}

/* Whether vCPU 0 runs in the guest with 1 and 2 preempted; if not, the
 * probe looks again in 20 us (and fails after 900 ms). */
static bool siblings_preempted(probe *pr, vl_ns now)
{
    run *r = pr->r;
    if (in_guest(r, 0) && state_of(r, 1) == VL_RUNNABLE && state_of(r, 2) == VL_RUNNABLE)
        return true;
    if (now > VL_MS(900))
        fail_msg("never saw vCPU 0 running with 1 and 2 preempted");
    probe_again(pr, now + VL_US(20));
    return false;
}

/* The same VM with a pCPU per vCPU and nothing else: its vCPUs all run. */
static const char dy_alone_yaml[] =
    "host: {pcpus: 3}\n"
    "params: {cfs: {load_balance: false, wakeup_granularity: 1s, directed_yield: %s}}\n"
    "vms:\n"
    "  - {name: smp, vcpus: 3, workloads: [{type: cpu, tasks: 3}]}\n"
    "run: {duration: 1s, warmup: 0s}\n";

/* Runs host `fmt` (dy_yaml or dy_alone_yaml) with `switches` (the cfs
 * parameters after wakeup_granularity) and a probe walking `steps` from
 * 200 ms; the probe must finish. */
static void dy_run_on(const char *fmt, const char *switches, void (*steps)(probe *, vl_ns),
                      bool expect)
{
    char yaml[1024];
    run r;
    probe pr;
    snprintf(yaml, sizeof yaml, fmt, switches);
    run_create(&r, yaml);
    probe_init(&pr, &r, steps, VL_MS(200));
    pr.expect = expect;
    run_go(&r);
    assert_true(pr.done);
    print_message("%s: directed_yields %lld yield_no_target %lld\n", switches,
                  (long long)counter_total(&r, "directed_yields"),
                  (long long)counter_total(&r, "yield_no_target"));
    run_free(&r);
}

static void dy_run(const char *switches, void (*steps)(probe *, vl_ns), bool expect)
{
    dy_run_on(dy_yaml, switches, steps, expect);
}

/* Kernel-mode PLE of vCPU 0 while 1 and 2 are preempted, 1 in user mode
 * and 2 in kernel mode: KVM boosts 2.  The next PLE wraps around past the
 * last boosted vCPU and boosts 1 (now preempted in kernel mode). */
static void dy_kernel_steps(probe *pr, vl_ns now)
{
    run *r = pr->r;
    bool boost = pr->expect;
    check_dy_layout(r);
    switch (pr->step) {
    case 0: /* wait for: 0 in guest, 1 and 2 preempted */
        if (!siblings_preempted(pr, now))
            return;
        vcpu_of(r, 0, 1)->saved_kernel = false;
        vcpu_of(r, 0, 2)->saved_kernel = true;
        pr->base[0] = counter_total(r, "directed_yields");
        ple(r, 0, 0, true);
        pr->step = 1;
        probe_again(pr, now + VL_US(50));
        return;
    case 1:
        if (!boost) { /* control: nobody boosted */
            assert_int_equal(state_of(r, 2), VL_RUNNABLE);
            assert_int_equal(counter_total(r, "directed_yields"), pr->base[0]);
            pr->done = true;
            return;
        }
        assert_int_equal(state_of(r, 2), VL_RUNNING); /* the kernel-mode sibling */
        assert_int_equal(state_of(r, 1), VL_RUNNABLE); /* the user-mode one was skipped */
        assert_int_equal(counter_total(r, "directed_yields"), pr->base[0] + 1);
        pr->step = 2;
        /* fall through */
    case 2: /* wait for: 0 in guest, 1 preempted */
        if (!(in_guest(r, 0) && state_of(r, 1) == VL_RUNNABLE)) {
            if (now > VL_MS(900))
                fail_msg("never saw vCPU 0 running with 1 preempted");
            probe_again(pr, now + VL_US(20));
            return;
        }
        vcpu_of(r, 0, 1)->saved_kernel = true;
        ple(r, 0, 0, true);
        pr->step = 3;
        probe_again(pr, now + VL_US(50));
        return;
    case 3:
        assert_int_equal(state_of(r, 1), VL_RUNNING);
        assert_int_equal(counter_total(r, "directed_yields"), pr->base[0] + 2);
        pr->done = true;
        return;
    }
}

static void test_directed_yield_kernel_mode(void **state)
{
    (void)state;
    dy_run("true", dy_kernel_steps, true);
    dy_run("false", dy_kernel_steps, false);
}

/* dy_eligible: a PLE of vCPU 0 boosts 1 (preempted, kernel mode); 1 then
 * PLE-exits while 2 is preempted in kernel mode, boosts 2 and gives way to
 * its hog: it waits, still inside its spin loop (KVM's yielder sleeps in
 * yield_to).  A PLE of vCPU 0 passes it over once (toggle; 2 runs, so
 * nobody is boosted and 0 re-enters the guest), and boosts it the time
 * after. */
static void dy_eligible_steps(probe *pr, vl_ns now)
{
    run *r = pr->r;
    check_dy_layout(r);
    switch (pr->step) {
    case 0: /* wait for: 0 in guest, 1 and 2 preempted */
        if (!siblings_preempted(pr, now))
            return;
        vcpu_of(r, 0, 1)->saved_kernel = true;
        vcpu_of(r, 0, 2)->saved_kernel = true;
        pr->base[0] = counter_total(r, "directed_yields");
        pr->base[1] = counter_total(r, "yield_no_target");
        ple(r, 0, 0, true);
        pr->step = 1;
        probe_again(pr, now + VL_US(50));
        return;
    case 1: /* 0 boosted 1; now 1 spins while 2 is preempted */
        assert_int_equal(counter_total(r, "directed_yields"), pr->base[0] + 1);
        assert_int_equal(state_of(r, 2), VL_RUNNABLE);
        ple(r, 0, 1, true);
        pr->step = 2;
        probe_again(pr, now + VL_US(50));
        return;
    case 2: /* 1 boosted 2 and gave way to its hog; 0 spins */
        assert_int_equal(counter_total(r, "directed_yields"), pr->base[0] + 2);
        assert_int_equal(state_of(r, 1), VL_RUNNABLE);
        assert_int_equal(state_of(r, 2), VL_RUNNING);
        ple(r, 0, 0, true);
        pr->step = 3;
        probe_again(pr, now + VL_US(50));
        return;
    case 3: /* 1 was in its spin loop: not eligible this time (3.2: no toggle) */
        if (!pr->expect) {
            assert_int_equal(state_of(r, 1), VL_RUNNING);
            assert_int_equal(counter_total(r, "directed_yields"), pr->base[0] + 3);
            pr->done = true;
            return;
        }
        assert_int_equal(state_of(r, 1), VL_RUNNABLE);
        assert_int_equal(counter_total(r, "directed_yields"), pr->base[0] + 2);
        assert_int_equal(counter_total(r, "yield_no_target"), pr->base[1] + 1);
        assert_true(in_guest(r, 0)); /* re-entered, no reschedule */
        ple(r, 0, 0, true);
        pr->step = 4;
        probe_again(pr, now + VL_US(50));
        return;
    case 4: /* ... and eligible the next time */
        assert_int_equal(state_of(r, 1), VL_RUNNING);
        assert_int_equal(counter_total(r, "directed_yields"), pr->base[0] + 3);
        pr->done = true;
        return;
    }
}

/* A PLE that finds no preempted sibling (1 and 2 run: each has its own
 * pCPU) is no yield: the core gets no reschedule request, vCPU 0 goes
 * straight back into the guest after the exit's cost, and nothing else
 * ran on its pCPU. */
static void no_candidate_steps(probe *pr, vl_ns now)
{
    run *r = pr->r;
    vl_vcpu *v = vcpu_of(r, 0, 0);
    switch (pr->step) {
    case 0:
        if (!(in_guest(r, 0) && in_guest(r, 1) && in_guest(r, 2))) {
            if (now > VL_MS(900))
                fail_msg("never saw the three vCPUs running together");
            probe_again(pr, now + VL_US(20));
            return;
        }
        pr->base[0] = counter_total(r, "yield_no_target");
        pr->base[1] = (int64_t)v->processor->switches;
        ple(r, 0, 0, true);
        assert_int_equal(counter_total(r, "yield_no_target"), pr->base[0] + 1);
        assert_false(vl_event_pending(&v->processor->sched_ev)); /* no reschedule */
        assert_true(vl_event_pending(&v->processor->enter_ev));
        assert_false(cfs_vc(v)->in_spin_loop); /* out of kvm_vcpu_on_spin */
        pr->step = 1;
        probe_again(pr, now + r->m.hv.costs.exit_entry + 1);
        return;
    case 1:
        assert_true(in_guest(r, 0));
        assert_int_equal((int64_t)v->processor->switches, pr->base[1]);
        pr->done = true;
        return;
    }
}

static void test_ple_without_candidate_reenters(void **state)
{
    (void)state;
    dy_run_on(dy_alone_yaml, "true", no_candidate_steps, true);
    dy_run_on(dy_alone_yaml, "true, kernel: '3.2'", no_candidate_steps, true);
}

static void test_directed_yield_dy_eligible(void **state)
{
    (void)state;
    dy_run("true", dy_eligible_steps, true);
    dy_run("true, kernel: '3.2'", dy_eligible_steps, false);
}

/* Linux 3.2's kvm_vcpu_on_spin has no kernel-mode filter: a kernel-mode
 * PLE of vCPU 0 boosts 1, preempted in user mode, where 6.1 boosts 2. */
static void era_candidate_steps(probe *pr, vl_ns now)
{
    run *r = pr->r;
    switch (pr->step) {
    case 0:
        if (!siblings_preempted(pr, now))
            return;
        vcpu_of(r, 0, 1)->saved_kernel = false;
        vcpu_of(r, 0, 2)->saved_kernel = true;
        ple(r, 0, 0, true);
        pr->step = 1;
        probe_again(pr, now + VL_US(50));
        return;
    case 1:
        assert_int_equal(state_of(r, 1), pr->expect ? VL_RUNNABLE : VL_RUNNING);
        assert_int_equal(state_of(r, 2), pr->expect ? VL_RUNNING : VL_RUNNABLE);
        pr->done = true;
        return;
    }
}

static void test_era_directed_yield_candidates(void **state)
{
    (void)state;
    dy_run("true, kernel: '6.1'", era_candidate_steps, true);
    dy_run("true, kernel: '3.2'", era_candidate_steps, false);
}

/* The PLE window grows per exit from KVM 3.18 on (6.1: x2) and is fixed
 * at 4,096 cycles under 3.2; an explicit host.ple.grow wins over both. */
static void test_era_ple_window(void **state)
{
    (void)state;
    static const struct {
        const char *kernel, *ple;
        int grow;
    } cases[] = {
        {"6.1", "{}", 2}, {"3.2", "{}", 1}, {"3.2", "{grow: 4}", 4}, {"6.1", "{grow: 1}", 1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char yaml[1024];
        snprintf(yaml, sizeof yaml,
                 "host: {pcpus: 2, ple: %s}\n"
                 "params: {cfs: {kernel: '%s'}}\n"
                 "vms:\n"
                 "  - {name: a, vcpus: 2, workloads: [{type: cpu, tasks: 2}]}\n"
                 "run: {duration: 10ms, warmup: 0s}\n",
                 cases[i].ple, cases[i].kernel);
        run r;
        run_yaml(&r, yaml);
        assert_int_equal(r.m.hv.ple.grow, cases[i].grow);
        assert_int_equal(r.m.hv.vcpus[0].ple_window, 4096);
        run_free(&r);
    }
}

/* A yield hypercall naming a preempted sibling boosts it; naming a running
 * one is a plain yield. */
static void hypercall_steps(probe *pr, vl_ns now)
{
    run *r = pr->r;
    vl_hv *hv = &r->m.hv;
    switch (pr->step) {
    case 0:
        if (!(in_guest(r, 0) && state_of(r, 1) == VL_RUNNABLE)) {
            if (now > VL_MS(900))
                fail_msg("never saw vCPU 0 running with 1 preempted");
            probe_again(pr, now + VL_US(20));
            return;
        }
        pr->base[0] = counter_total(r, "directed_yields");
        vl_hv_yield(hv, 0, 0, VL_YIELD_HYPERCALL, 0xffffffff81000000ULL, true);
        pr->step = 1;
        probe_again(pr, now + VL_US(50));
        return;
    case 1: /* the core passes no target hint: a plain yield, nobody boosted */
        assert_int_equal(counter_total(r, "directed_yields"), pr->base[0]);
        assert_int_equal(state_of(r, 1), VL_RUNNABLE);
        pr->done = true;
        return;
    }
}

static void test_yield_hypercall_without_target(void **state)
{
    (void)state;
    dy_run("true", hypercall_steps, true);
}

/* --------------------------------------------------------------- sanity */

/* Pause-loop exits and yield hypercalls at random moments from random
 * vCPUs of an overcommitted, capped, SMT host: the core's checks (decision
 * validation, watchdog) never fire and CPU time is conserved. */
typedef struct storm {
    probe pr;
    vl_rng rng;
    int injected;
} storm;

static void storm_step(probe *pr, vl_ns now)
{
    storm *st = (storm *)pr;
    vl_hv *hv = &pr->r->m.hv;
    for (int k = 0; k < 3; k++) {
        vl_vcpu *v = &hv->vcpus[vl_rng_below(&st->rng, (uint64_t)hv->nvcpus)];
        if (!v->in_guest)
            continue;
        bool kernel = vl_rng_below(&st->rng, 4) != 0;
        vl_yield_kind kind = vl_rng_below(&st->rng, 5) ? VL_YIELD_PLE : VL_YIELD_HYPERCALL;
        vl_hv_yield(hv, v->vm->id, v->index, kind, 0xffffffff81000000ULL, kernel);
        st->injected++;
    }
    probe_again(pr, now + VL_US(50 + vl_rng_below(&st->rng, 400)));
}

static void test_yield_storm(void **state)
{
    (void)state;
    run r;
    storm st;
    run_create(&r, "host: {pcpus: 8, sockets: 2, threads_per_core: 2}\n"
                   "vms:\n"
                   "  - {name: smp1, vcpus: 8, workloads: [{type: cpu, tasks: 8}]}\n"
                   "  - {name: smp2, vcpus: 6, weight: 512,\n"
                   "     workloads: [{type: cpu, tasks: 6, util: 0.5, period: 20ms}]}\n"
                   "  - {name: capped, vcpus: 4, cap: 150, workloads: [{type: cpu, tasks: 4}]}\n"
                   "  - name: inter\n"
                   "    vcpus: 2\n"
                   "    affinity: \"4-7\"\n"
                   "    workloads:\n"
                   "      - {type: think, tasks: 3, burst: {dist: exponential, mean: 300us},\n"
                   "         think: {dist: exponential, mean: 5ms}}\n"
                   "run: {duration: 3s, warmup: 500ms}\n");
    probe_init(&st.pr, &r, storm_step, VL_MS(1));
    vl_rng_init(&st.rng, 7, "storm");
    st.injected = 0;
    run_go(&r);
    vl_ns busy = 0, ran = 0;
    for (int p = 0; p < r.m.hv.npcpus; p++)
        busy += vl_model_pcpu_busy(&r.m, p);
    for (int v = 0; v < r.m.hv.nvcpus; v++)
        ran += vl_model_vcpu_time(&r.m, v, VL_RUNNING);
    print_message("injected %d yields: directed %lld failures %lld no target %lld; capped "
                  "%.3f pCPUs; host busy %.4f\n",
                  st.injected, (long long)counter(&r, "directed_yields"),
                  (long long)counter(&r, "yield_failures"),
                  (long long)counter(&r, "yield_no_target"), vm_pcpus(&r, 2),
                  (double)busy / (8.0 * (double)vl_model_window(&r.m)));
    assert_int_equal(busy, ran);
    assert_true(st.injected > 1000);
    assert_true(counter(&r, "directed_yields") > 100);
    assert_true(vm_pcpus(&r, 2) < 1.5 + 0.05);
    run_free(&r);
}


/* The defaults scale with the host like Linux's: visible in a run's
 * preemption rate (more pCPUs = longer slices), and stable under asan. */
static void test_baseline_runs(void **state)
{
    (void)state;
    vl_scenario scn;
    vl_error err;
    if (vl_scenario_load(VL_SOURCE_DIR "/scenarios/baseline.yaml", NULL, 0, &scn, &err) < 0)
        fail_msg("baseline: %s", err.msg);
    vl_model m;
    if (tk_run(&m, &scn, cfs_ops(), 0, &err) < 0)
        fail_msg("baseline under cfs: %s", err.msg);
    double b1 = (double)tk_vm_cpu(&m, 0), b2 = (double)tk_vm_cpu(&m, 1);
    print_message("baseline: batch2/batch1 = %.3f\n", b2 / b1);
    assert_true(b2 / b1 > 1.9 && b2 / b1 < 2.1);
    vl_model_destroy(&m);
    vl_scenario_free(&scn);
}

/* ------------------------------------------------- a rule on top of CFS */

/* CFS plus one rule, written here without touching cfs*.c: pCPU 0 is kept
 * spare - no placement on it (CFS's choice moves to pCPU 1) and no load
 * balancing onto it.  Same hooks unset: exactly cfs. */
static vl_pcpu *spare_select(vl_sched *s, vl_vcpu *v, vl_pcpu *choice)
{
    (void)v;
    return vl_pcpu_id(choice) == 0 ? vl_pcpu_get(s, 1) : choice;
}

static bool spare_may_migrate(vl_sched *s, vl_vcpu *v, vl_pcpu *dst)
{
    (void)s;
    (void)v;
    return vl_pcpu_id(dst) != 0;
}

static const cfs_ext spare_rules = {.select = spare_select, .may_migrate = spare_may_migrate};
static const cfs_ext no_rules;

static int spare_init(vl_sched *s) { return cfs_init(s, &spare_rules); }
static int plain_init(vl_sched *s) { return cfs_init(s, &no_rules); }

static uint64_t run_rule(int (*init)(vl_sched *), vl_ns *busy0)
{
    vl_sched_ops ops = {
        .name = "cfs-rule",
        .description = "cfs with a test rule",
        .params = cfs_ops()->params,
        .vm_params = cfs_ops()->vm_params,
        .counters = cfs_ops()->counters,
        .flags = CFS_FAMILY_FLAGS,
        CFS_FAMILY_OPS(cfs_priv, cfs_pcpu, cfs_vm, cfs_vcpu),
        .init = init,
        .timer_fired = cfs_op_timer_fired,
    };
    vl_scenario scn;
    vl_model m;
    vl_error err;
    tk_load(&scn, "scheduler: cfs\nhost: {pcpus: 4}\nrun: {duration: 1s}\nvms:\n"
                  "  - {name: hog, vcpus: 2, workloads: [{type: cpu, tasks: 2}]}\n"
                  "  - {name: web, vcpus: 2, workloads: [{type: think, tasks: 4, burst: 1ms, "
                  "think: 2ms}]}\n");
    if (tk_run(&m, &scn, &ops, 0, &err) < 0)
        fail_msg("run failed: %s", err.msg);
    uint64_t digest = m.hv.sim.digest;
    *busy0 = vl_model_pcpu_busy(&m, 0);
    vl_model_destroy(&m);
    vl_scenario_free(&scn);
    return digest;
}

static void test_rule_on_cfs(void **state)
{
    (void)state;
    vl_ns busy_plain, busy_spare, busy_cfs;
    uint64_t plain = run_rule(plain_init, &busy_plain);
    uint64_t cfs = run_rule(cfs_ops()->init, &busy_cfs);
    assert_true(plain == cfs);
    run_rule(spare_init, &busy_spare);
    print_message("pCPU 0 busy: cfs %lld ns, with the rule %lld ns\n", (long long)busy_plain,
                  (long long)busy_spare);
    assert_true(busy_plain > 0);
    assert_int_equal(busy_spare, 0);
}

/* Fork balancing's choice from the place tree is the scan's: 16-pCPU
 * hosts (scanned by default) whose first placements go past the idle
 * pCPUs - 4:1 hogs and interactive VMs, 2:1 hogs beside interactive
 * tasks, VMs of unequal shares - give the same runs with the tree forced
 * on (a tree that broke ties towards higher ids would not). */
static char *placement_run(const char *yaml, int scan_pcpus)
{
    int saved = cfs_index_scan_pcpus;
    cfs_index_scan_pcpus = scan_pcpus;
    char *json = tk_run_json("cfs", yaml, NULL, NULL);
    cfs_index_scan_pcpus = saved;
    return json;
}

static void test_place_tree_matches_scan(void **state)
{
    (void)state;
    static const char *const hosts[] = {
        "host: {pcpus: 16, sockets: 2}\n"
        "vms:\n"
        "  - {name: a, vcpus: 24, workloads: [{type: cpu, tasks: 24}]}\n"
        "  - {name: b, vcpus: 24, workloads: [{type: cpu, tasks: 12}]}\n"
        "  - name: c\n"
        "    vcpus: 16\n"
        "    workloads:\n"
        "      - {type: think, tasks: 16, burst: {dist: exponential, mean: 200us},\n"
        "         think: {dist: exponential, mean: 2ms}}\n"
        "run: {duration: 500ms, warmup: 50ms}\n",
        "host: {pcpus: 16}\n"
        "vms:\n"
        "  - {name: hog, vcpus: 16, workloads: [{type: cpu, tasks: 16}]}\n"
        "  - name: mix\n"
        "    vcpus: 16\n"
        "    workloads:\n"
        "      - {type: cpu, tasks: 8, util: 0.5, period: 20ms}\n"
        "      - {type: think, tasks: 16, burst: {dist: exponential, mean: 200us},\n"
        "         think: {dist: exponential, mean: 2ms}}\n"
        "run: {duration: 500ms, warmup: 50ms}\n",
        /* groups of unequal weight */
        "host: {pcpus: 16}\n"
        "vms:\n"
        "  - {name: a, vcpus: 16, params: {cfs: {shares: 2048}}, workloads: [{type: cpu, tasks: 16}]}\n"
        "  - {name: b, vcpus: 8, params: {cfs: {shares: 512}}, workloads: [{type: cpu, tasks: 8}]}\n"
        "  - {name: c, vcpus: 4, params: {cfs: {shares: 256}}, workloads: [{type: cpu, tasks: 4}]}\n"
        "  - {name: d, vcpus: 12, workloads: [{type: cpu, tasks: 12}]}\n"
        "run: {duration: 200ms, warmup: 50ms}\n",
    };
    for (int h = 0; h < 3; h++) {
        char *scan = placement_run(hosts[h], 64);
        char *tree = placement_run(hosts[h], 0);
        assert_string_equal(tree, scan);
        free(scan);
        free(tree);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_weights_1_to_2),
        cmocka_unit_test(test_shares_parameter),
        cmocka_unit_test(test_shares_absolute),
        cmocka_unit_test(test_era_group_weights_smoothed),
        cmocka_unit_test(test_era_shares_updated_locally),
        cmocka_unit_test(test_equal_shares_group_fairness),
        cmocka_unit_test(test_cap_50),
        cmocka_unit_test(test_cap_with_competitor),
        cmocka_unit_test(test_wakeup_preemption),
        cmocka_unit_test(test_load_balance_spreads),
        cmocka_unit_test(test_idle_balance_cuts_waiting),
        cmocka_unit_test(test_era_newidle_waits_for_long_idles),
        cmocka_unit_test(test_affine_wakeup),
        cmocka_unit_test(test_tick_grid),
        cmocka_unit_test(test_directed_yield_kernel_mode),
        cmocka_unit_test(test_ple_without_candidate_reenters),
        cmocka_unit_test(test_era_directed_yield_candidates),
        cmocka_unit_test(test_era_ple_window),
        cmocka_unit_test(test_directed_yield_dy_eligible),
        cmocka_unit_test(test_yield_hypercall_without_target),
        cmocka_unit_test(test_yield_storm),
        cmocka_unit_test(test_baseline_runs),
        cmocka_unit_test(test_rule_on_cfs),
        cmocka_unit_test(test_place_tree_matches_scan),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
