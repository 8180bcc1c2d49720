/* test_microsliced.c - flexible micro-sliced cores (docs/policies/microsliced.md).
 * Yields are injected into a running vCPU with a chosen RIP, after the
 * saved RIPs of its preempted siblings are set to chosen kernel (or user)
 * addresses; the switches show which vCPUs ran on the micro core (pCPU 1,
 * the pool of one core) and that each went back to a normal pCPU when
 * another replaced it there:
 *   - a lock-spin yield moves the first sibling preempted in a critical
 *     symbol (spinlock release), and no other, and the yielder does not
 *     yield (Credit's yields counter stays); alone there, it stays;
 *   - a lock-spin yield whose siblings are all outside the groups moves
 *     nobody and is Credit's yield;
 *   - a yield in kernel code outside every group moves nobody and is no
 *     yield at all;
 *   - an IPI-sender yield (smp_call_function_many_cond) moves every
 *     preempted sibling, wherever it was preempted, and no vCPU of the
 *     other VM; stacked on the core, all but the last go back;
 *   - a user-mode yield is Credit's yield and moves nobody;
 * and the dynamic pool grows from nothing under IPI yields. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "hv/hv.h"
#include "testkit.h"

#define CORE 1           /* the micro core: the first odd pCPU id */
#define NV 4             /* vCPUs per VM                          */
#define USER_RIP 0x401000u

static const char yaml[] = "host: {pcpus: 4}\n"
                           "params: {microsliced: {cores: 1}}\n"
                           "vms:\n"
                           "  - {name: a, vcpus: 4, workloads: [{type: cpu, tasks: 4}]}\n"
                           "  - {name: b, vcpus: 4, workloads: [{type: cpu, tasks: 4}]}\n"
                           "run: {duration: 1500ms, warmup: 0ms}\n";

typedef struct probe {
    vl_model *m;
    vl_event ev;
    const char *yield_sym;   /* the yielder's RIP (NULL: user mode)       */
    const char *first_sym;   /* the first preempted sibling's saved RIP   */
    const char *other_sym;   /* the other siblings' (NULL: user mode)     */
    int yielder, first;      /* vCPU ids (VM a: 0..3)                     */
    bool preempted[2 * NV];  /* runnable, not running, at the yield       */
    bool on_core[2 * NV];    /* ran on the micro core after the yield     */
    bool back[2 * NV];       /* then ran on a normal pCPU                 */
    int64_t yields_before;
    vl_ns at;
} probe;

static uint64_t sym_rip(vl_model *m, const char *name)
{
    uint64_t s, e;
    assert_int_equal(vl_ksyms_extent(&m->ksyms, name, &s, &e), 0);
    return s + (e - s) / 2;
}

/* v, preempted, left its pCPU at sym (user mode if NULL): the RIP is
 * saved and the policy told, as when a vCPU is switched out. */
static void set_saved(vl_model *m, vl_vcpu *v, const char *sym)
{
    v->saved_rip = sym ? sym_rip(m, sym) : USER_RIP;
    v->saved_kernel = sym != NULL;
    m->hv.sched.ops->context_saved(&m->hv.sched, v);
}

static void fire(void *ctx, vl_event *ev)
{
    (void)ev;
    probe *p = ctx;
    vl_hv *hv = &p->m->hv;
    vl_vcpu *y = NULL;
    for (int i = 0; i < NV && !y; i++) {
        vl_vcpu *v = &hv->vcpus[i];
        if (v->state == VL_RUNNING && v->in_guest && v->processor->id != CORE)
            y = v;
    }
    p->first = -1;
    for (int i = 0; i < NV && y; i++) {
        vl_vcpu *v = &hv->vcpus[i];
        if (v == y || v->state != VL_RUNNABLE)
            continue;
        p->preempted[i] = true;
        set_saved(p->m, v, p->first < 0 ? p->first_sym : p->other_sym);
        if (p->first < 0)
            p->first = i;
    }
    if (!y || p->first < 0) { /* try again a little later */
        vl_sim_schedule(&hv->sim, &p->ev, hv->sim.now + VL_US(50));
        return;
    }
    p->yielder = y->id;
    p->at = hv->sim.now;
    p->yields_before = tk_counter(p->m, "yields");
    uint64_t rip = p->yield_sym ? sym_rip(p->m, p->yield_sym) : USER_RIP;
    vl_hv_yield(hv, 0, y->index, VL_YIELD_PLE, rip, p->yield_sym != NULL);
}

static void on_switch(void *ctx, const vl_pcpu *pc, const vl_vcpu *prev, const vl_vcpu *next,
                      vl_ns now)
{
    (void)prev;
    probe *p = ctx;
    if (!p->at || !next || now < p->at)
        return;
    if (pc->id == CORE)
        p->on_core[next->id] = true;
    else if (p->on_core[next->id])
        p->back[next->id] = true;
}

/* Runs the scenario with one injected yield at 1 s; fills *p. */
static void inject(tk_sim *t, probe *p, const char *policy_yaml)
{
    tk_open(t, "microsliced", policy_yaml);
    p->m = &t->m;
    vl_event_init(&p->ev, fire, p, VL_EVC_DEVICE, 0x7ff00000u);
    vl_sim_schedule(&t->m.hv.sim, &p->ev, VL_S(1));
    t->m.hv.observer = (vl_hv_observer){.ctx = p, .on_switch = on_switch};
    tk_go(&t->m);
    assert_true(p->at > 0);
    print_message("yield at %lld ns by vCPU %d: on core", (long long)p->at, p->yielder);
    for (int i = 0; i < 2 * NV; i++)
        if (p->on_core[i])
            print_message(" %d%s", i, p->back[i] ? "(back)" : "");
    print_message("; offloads %lld returns %lld\n", (long long)tk_counter(&t->m, "offloads"),
                  (long long)tk_counter(&t->m, "returns"));
}

static int nr_on_core(const probe *p)
{
    int n = 0;
    for (int i = 0; i < 2 * NV; i++)
        n += p->on_core[i];
    return n;
}

static void test_spin_moves_critical_sibling(void **state)
{
    (void)state;
    tk_sim t;
    probe p = {.yield_sym = "native_queued_spin_lock_slowpath", .first_sym = "_raw_spin_unlock",
               .other_sym = NULL};
    inject(&t, &p, yaml);
    assert_true(p.on_core[p.first]);
    assert_int_equal(nr_on_core(&p), 1);
    assert_int_equal(tk_counter(&t.m, "offloads"), 1);
    /* alone there, it keeps the core: nothing replaces it */
    assert_false(p.back[p.first]);
    assert_int_equal(tk_counter(&t.m, "returns"), 0);
    assert_int_equal(tk_counter(&t.m, "critical_unlock"), 1);
    assert_int_equal(tk_counter(&t.m, "yields"), p.yields_before); /* no Credit yield */
    tk_close(&t);
}

static void test_spin_without_critical_sibling_yields(void **state)
{
    (void)state;
    tk_sim t;
    probe p = {.yield_sym = "native_queued_spin_lock_slowpath", .first_sym = "do_mmap",
               .other_sym = NULL};
    inject(&t, &p, yaml);
    assert_int_equal(nr_on_core(&p), 0);
    assert_int_equal(tk_counter(&t.m, "offloads"), 0);
    assert_int_equal(tk_counter(&t.m, "yields_spin"), 1);
    assert_int_equal(tk_counter(&t.m, "yields"), p.yields_before + 1);
    tk_close(&t);
}

static void test_other_kernel_code_is_no_yield(void **state)
{
    (void)state;
    tk_sim t;
    probe p = {.yield_sym = "do_mmap", .first_sym = "flush_tlb_func", .other_sym = NULL};
    inject(&t, &p, yaml);
    assert_int_equal(nr_on_core(&p), 0);
    assert_int_equal(tk_counter(&t.m, "yields_other"), 1);
    assert_int_equal(tk_counter(&t.m, "yields"), p.yields_before);
    tk_close(&t);
}

static void test_ipi_moves_every_preempted_sibling(void **state)
{
    (void)state;
    tk_sim t;
    probe p = {.yield_sym = "smp_call_function_many_cond", .first_sym = "do_mmap",
               .other_sym = NULL};
    inject(&t, &p, yaml);
    int preempted = 0, back = 0;
    for (int i = 0; i < NV; i++) {
        if (!p.preempted[i])
            continue;
        preempted++;
        assert_true(p.on_core[i]);
        back += p.back[i];
    }
    /* stacked on the one core, each goes back when the next replaces it;
     * the last keeps the core */
    assert_true(preempted >= 2);
    assert_int_equal(back, preempted - 1);
    assert_int_equal(tk_counter(&t.m, "returns"), preempted - 1);
    for (int i = NV; i < 2 * NV; i++)
        assert_false(p.on_core[i]);
    assert_false(p.on_core[p.yielder]);
    assert_int_equal(nr_on_core(&p), preempted);
    assert_int_equal(tk_counter(&t.m, "offloads"), preempted);
    assert_int_equal(tk_counter(&t.m, "yields"), p.yields_before); /* the sender spins on */
    tk_close(&t);
}

static void test_user_yield_is_credits(void **state)
{
    (void)state;
    tk_sim t;
    probe p = {.yield_sym = NULL, .first_sym = "_raw_spin_unlock", .other_sym = NULL};
    inject(&t, &p, yaml);
    assert_int_equal(nr_on_core(&p), 0);
    assert_int_equal(tk_counter(&t.m, "yields"), p.yields_before + 1);
    tk_close(&t);
}

/* The dynamic pool starts empty and grows while IPI yields come: a
 * shootdown-heavy VM beside a hog, 4 pCPUs (at most 3 micro cores). */
static void test_dynamic_pool_grows(void **state)
{
    (void)state;
    tk_sim t;
    tk_open(&t, "microsliced",
            "host: {pcpus: 4}\n"
            "params: {microsliced: {pool: dynamic, max_cores: 2}}\n"
            "vms:\n"
            "  - {name: dedup, vcpus: 4, workloads: [{type: dedup}]}\n"
            "  - {name: hog, vcpus: 4, workloads: [{type: cpu, tasks: 4}]}\n"
            "run: {duration: 300ms, warmup: 0ms}\n");
    tk_go(&t.m);
    int64_t ipi = tk_counter(&t.m, "yields_ipi"), resizes = tk_counter(&t.m, "pool_resizes");
    int64_t core_us = tk_counter(&t.m, "pool_core_us");
    print_message("ipi yields %lld, resizes %lld, core-us %lld, offloads %lld\n", (long long)ipi,
                  (long long)resizes, (long long)core_us, (long long)tk_counter(&t.m, "offloads"));
    assert_true(ipi > 0);
    assert_true(resizes >= 2); /* 0 -> 1 -> 2, then the choice */
    assert_true(core_us > 0 && core_us <= 2 * 300000);
    assert_true(tk_counter(&t.m, "offloads") > 0);
    tk_close(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spin_moves_critical_sibling),
        cmocka_unit_test(test_spin_without_critical_sibling_yields),
        cmocka_unit_test(test_other_kernel_code_is_no_yield),
        cmocka_unit_test(test_ipi_moves_every_preempted_sibling),
        cmocka_unit_test(test_user_yield_is_credits),
        cmocka_unit_test(test_dynamic_pool_grows),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
