/* test_cosched.c - the `cosched` policy (strict gang scheduling,
 * src/sched/cosched.c): each rule pinned by a scenario whose measured
 * outcome would change if the rule broke.  Figures are printed so that a
 * failure shows how far off it was. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "testkit.h"

/* ----------------------------------------------------------------- helpers */

/* Watches the switches: per VM, how many of its vCPUs run.  The state at
 * the end of an instant (all switches of that instant applied) is checked
 * when the first switch of a later instant arrives, and at the end. */
#define GW_MAX_VMS 8
typedef struct gang_watch {
    const vl_hv *hv;
    int running[GW_MAX_VMS];
    vl_ns at;
    int instants;
    int partial;  /* instants with a VM neither all-running nor stopped */
    int together; /* instants with two VMs running at once */
} gang_watch;

static void gw_check(gang_watch *g)
{
    int vms_running = 0;
    for (int d = 0; d < g->hv->nvms && d < GW_MAX_VMS; d++) {
        if (g->running[d] != 0 && g->running[d] != g->hv->vms[d].nvcpus)
            g->partial++;
        vms_running += g->running[d] > 0;
    }
    g->together += vms_running > 1;
    g->instants++;
}

static void gw_switch(void *ctx, const vl_pcpu *p, const vl_vcpu *prev, const vl_vcpu *next,
                      vl_ns now)
{
    (void)p;
    gang_watch *g = ctx;
    if (now != g->at) {
        gw_check(g);
        g->at = now;
    }
    if (prev && prev->vm->id < GW_MAX_VMS)
        g->running[prev->vm->id]--;
    if (next && next->vm->id < GW_MAX_VMS)
        g->running[next->vm->id]++;
}

static double host_idle(const tk_sim *t)
{
    vl_ns idle = 0;
    for (int p = 0; p < t->m.hv.npcpus; p++)
        idle += vl_model_pcpu_idle(&t->m, p);
    return (double)idle / ((double)vl_model_window(&t->m) * t->m.hv.npcpus);
}

static double vm_pcpus(const tk_sim *t, int d)
{
    return (double)tk_vm_cpu(&t->m, d) / (double)vl_model_window(&t->m);
}

static vl_ns vm_max_wait(const tk_sim *t, int d)
{
    vl_ns w = 0;
    for (int v = 0; v < t->m.hv.vms[d].nvcpus; v++)
        if (t->m.hv.vms[d].vcpus[v].max_wait > w)
            w = t->m.hv.vms[d].vcpus[v].max_wait;
    return w;
}

/* ------------------------------------------------------------------ tests */

/* Two 4-vCPU CPU-bound VMs on 4 pCPUs: at every instant a VM runs all
 * four vCPUs or none, the VMs alternate round by round and share evenly.
 * With a 2-vCPU CPU-bound VM added, a 4-vCPU VM never runs on the two
 * pCPUs it leaves. */
static void test_gang_all_or_none(void **state)
{
    (void)state;
    tk_sim t;
    tk_open(&t, "cosched",
            "host: {pcpus: 4}\n"
            "vms:\n"
            "  - {name: a, vcpus: 4, workloads: [{type: cpu, tasks: 4}]}\n"
            "  - {name: b, vcpus: 4, workloads: [{type: cpu, tasks: 4}]}\n"
            "run: {duration: 2s, warmup: 200ms}\n");
    gang_watch g = {.hv = &t.m.hv};
    t.m.hv.observer = (vl_hv_observer){.ctx = &g, .on_switch = gw_switch};
    tk_go(&t.m);
    gw_check(&g);
    double a = vm_pcpus(&t, 0), b = vm_pcpus(&t, 1);
    int64_t rounds = tk_counter(&t.m, "rounds");
    print_message("instants %d, partial %d, together %d; a %.3f b %.3f pCPUs; rounds %lld\n",
                  g.instants, g.partial, g.together, a, b, (long long)rounds);
    assert_true(g.instants > 50);
    assert_int_equal(g.partial, 0);
    assert_int_equal(g.together, 0);
    assert_true(a > 1.9 && a < 2.1 && b > 1.9 && b < 2.1);
    /* 1.8 s of 30 ms rounds */
    assert_true(rounds >= 58 && rounds <= 62);
    tk_close(&t);

    tk_open(&t, "cosched",
            "host: {pcpus: 4}\n"
            "vms:\n"
            "  - {name: a, vcpus: 4, workloads: [{type: cpu, tasks: 4}]}\n"
            "  - {name: b, vcpus: 4, workloads: [{type: cpu, tasks: 4}]}\n"
            "  - {name: c, vcpus: 2, workloads: [{type: cpu, tasks: 2}]}\n"
            "run: {duration: 2s, warmup: 200ms}\n");
    gang_watch g3 = {.hv = &t.m.hv};
    t.m.hv.observer = (vl_hv_observer){.ctx = &g3, .on_switch = gw_switch};
    tk_go(&t.m);
    gw_check(&g3);
    print_message("with c: instants %d, partial %d, together %d; a %.3f b %.3f c %.3f, idle %.3f\n",
                  g3.instants, g3.partial, g3.together, vm_pcpus(&t, 0), vm_pcpus(&t, 1),
                  vm_pcpus(&t, 2), host_idle(&t));
    assert_int_equal(g3.partial, 0);
    assert_int_equal(g3.together, 0);
    assert_true(host_idle(&t) > 0.1);
    tk_close(&t);
}

/* A 2-vCPU VM with one hog and one idle vCPU beside a 2-vCPU hog VM on 2
 * pCPUs: while the first runs, the second does not fit in the one free
 * pCPU, which stays idle (fragmentation).  Holding one pCPU costs half as
 * much as holding two, so the first runs two rounds for each of the
 * second's: a third of the host idles, all of it counted as frag_us. */
static void test_fragmentation(void **state)
{
    (void)state;
    tk_sim t;
    tk_open(&t, "cosched",
            "host: {pcpus: 2}\n"
            "vms:\n"
            "  - {name: one, vcpus: 2, workloads: [{type: cpu, tasks: 1}]}\n"
            "  - {name: two, vcpus: 2, workloads: [{type: cpu, tasks: 2}]}\n"
            "run: {duration: 3s, warmup: 300ms}\n");
    tk_go(&t.m);
    double idle = host_idle(&t);
    double frag = (double)tk_counter(&t.m, "frag_us") * 1000.0 /
                  ((double)vl_model_window(&t.m) * 2);
    print_message("host idle %.3f, frag %.3f; one %.3f two %.3f pCPUs\n", idle, frag,
                  vm_pcpus(&t, 0), vm_pcpus(&t, 1));
    assert_true(idle > 0.30 && idle < 0.37);
    assert_true(frag > idle - 0.01 && frag < idle + 0.01);
    assert_true(vm_pcpus(&t, 0) > 0.62 && vm_pcpus(&t, 0) < 0.71);
    assert_true(vm_pcpus(&t, 1) > 0.62 && vm_pcpus(&t, 1) < 0.71);
    tk_close(&t);

    /* the same VMs under fifo: work-conserving, nothing idles */
    tk_open(&t, "fifo",
            "host: {pcpus: 2}\n"
            "vms:\n"
            "  - {name: one, vcpus: 2, workloads: [{type: cpu, tasks: 1}]}\n"
            "  - {name: two, vcpus: 2, workloads: [{type: cpu, tasks: 2}]}\n"
            "run: {duration: 3s, warmup: 300ms}\n");
    tk_go(&t.m);
    print_message("fifo: host idle %.3f\n", host_idle(&t));
    assert_true(host_idle(&t) < 0.01);
    tk_close(&t);
}

/* A vCPU that halts keeps its pCPU for its gang until the round ends: a
 * VM whose vCPUs burst and think never shares the host with a 2-vCPU hog
 * VM that needs both pCPUs, and the pCPUs it leaves idle are fragmentation
 * (the hog VM waits meanwhile). */
static void test_halted_vcpu_keeps_its_pcpu(void **state)
{
    (void)state;
    tk_sim t;
    tk_open(&t, "cosched",
            "host: {pcpus: 2}\n"
            "vms:\n"
            "  - name: bursty\n"
            "    vcpus: 2\n"
            "    workloads:\n"
            "      - type: think\n"
            "        tasks: 2\n"
            "        burst: {dist: exponential, mean: 2ms}\n"
            "        think: {dist: exponential, mean: 1ms}\n"
            "  - {name: hogs, vcpus: 2, workloads: [{type: cpu, tasks: 2}]}\n"
            "run: {duration: 2s, warmup: 200ms}\n");
    gang_watch g = {.hv = &t.m.hv};
    t.m.hv.observer = (vl_hv_observer){.ctx = &g, .on_switch = gw_switch};
    tk_go(&t.m);
    gw_check(&g);
    double idle = host_idle(&t);
    int64_t frag = tk_counter(&t.m, "frag_us");
    print_message("instants %d, together %d; host idle %.3f, frag %.3f s, joins %lld\n",
                  g.instants, g.together, idle, (double)frag / 1e6,
                  (long long)tk_counter(&t.m, "joins"));
    assert_int_equal(g.together, 0);
    assert_true(idle > 0.02);
    assert_true(frag > 50000); /* > 50 ms of pCPU time */
    tk_close(&t);
}

/* A 4-vCPU VM fits only when the host is empty.  Beside a small VM that is
 * runnable at nearly every round start and comes first by its low CPU use,
 * it would never fit; a gang that another overtook goes first at the next
 * round, so it waits a few rounds at most. */
static void test_big_gang_not_starved(void **state)
{
    (void)state;
    tk_sim t;
    tk_open(&t, "cosched",
            "host: {pcpus: 4}\n"
            "vms:\n"
            "  - {name: big, vcpus: 4, workloads: [{type: cpu, tasks: 4}]}\n"
            "  - name: small\n"
            "    vcpus: 2\n"
            "    workloads:\n"
            "      - type: think\n"
            "        tasks: 5\n"
            "        burst: {dist: exponential, mean: 300us}\n"
            "        think: {dist: exponential, mean: 5ms}\n"
            "  - {name: pair, vcpus: 2, workloads: [{type: cpu, tasks: 2}]}\n"
            "run: {duration: 3s, warmup: 200ms}\n");
    tk_go(&t.m);
    vl_ns w = vm_max_wait(&t, 0);
    print_message("big: max wait %.1f ms, %.3f pCPUs; small %.3f, pair %.3f\n", (double)w / 1e6,
                  vm_pcpus(&t, 0), vm_pcpus(&t, 1), vm_pcpus(&t, 2));
    assert_true(w < VL_MS(150));
    assert_true(vm_pcpus(&t, 0) > 0.5);
    tk_close(&t);
}

/* A VM with more runnable vCPUs than pCPUs in its affinity can never be
 * started whole: it runs as many as its pCPUs allow, on those only. */
static void test_oversized_gang_runs_within_affinity(void **state)
{
    (void)state;
    tk_sim t;
    tk_open(&t, "cosched",
            "host: {pcpus: 4}\n"
            "vms:\n"
            "  - {name: wide, vcpus: 4, affinity: \"0-1\", workloads: [{type: cpu, tasks: 4}]}\n"
            "  - {name: other, vcpus: 2, workloads: [{type: cpu, tasks: 2}]}\n"
            "run: {duration: 2s, warmup: 200ms}\n");
    tk_go(&t.m);
    print_message("wide %.3f pCPUs, other %.3f pCPUs, idle %.3f\n", vm_pcpus(&t, 0),
                  vm_pcpus(&t, 1), host_idle(&t));
    assert_true(vm_pcpus(&t, 0) > 0.9);
    assert_true(vm_pcpus(&t, 1) > 0.9);
    assert_true(vl_model_pcpu_busy(&t.m, 0) > 0);
    tk_close(&t);
}

/* The host's I/O backend is no gang member: with both 4-vCPU gangs filling
 * the 4 pCPUs it borrows a pCPU at once, over a gang's vCPU, and gives it
 * back when it halts (without borrowing it would wait for a round in which
 * some pCPU is free: never, here). */
static void test_backend_borrows_a_pcpu(void **state)
{
    (void)state;
    tk_sim t;
    tk_open(&t, "cosched",
            "host: {pcpus: 4}\n"
            "vms:\n"
            "  - name: net\n"
            "    vcpus: 4\n"
            "    workloads: [{type: iperf}, {type: lookbusy, util: 100}]\n"
            "  - {name: busy, vcpus: 4, workloads: [{type: lookbusy, util: 100}]}\n"
            "run: {duration: 1s, warmup: 100ms}\n");
    tk_go(&t.m);
    const vl_vm *host = &t.m.hv.vms[t.m.hv.nvms - 1];
    assert_true(host->host);
    int64_t borrows = tk_counter(&t.m, "borrows");
    print_message("backend: max wait %.1f us, borrows %lld, ran %.1f ms\n",
                  (double)host->vcpus[0].max_wait / 1e3, (long long)borrows,
                  (double)vl_model_vcpu_time(&t.m, host->vcpus[0].id, VL_RUNNING) / 1e6);
    assert_true(host->vcpus[0].max_wait < VL_US(100));
    assert_true(borrows > 1000);
    tk_close(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gang_all_or_none),
        cmocka_unit_test(test_fragmentation),
        cmocka_unit_test(test_halted_vcpu_keeps_its_pcpu),
        cmocka_unit_test(test_big_gang_not_starved),
        cmocka_unit_test(test_oversized_gang_runs_within_affinity),
        cmocka_unit_test(test_backend_borrows_a_pcpu),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
