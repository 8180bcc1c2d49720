/* test_hv.c - the hypervisor core, driven through a scripted guest and a
 * spy policy: interrupt delivery (inject / pend / wake), HLT with a pending
 * interrupt, yields and pause-loop exits reaching the policy with the RIP,
 * the saved RIP of preempted vCPUs only, costs charged as modelled time
 * (world switch, exit/entry, migration by topology distance), ticks only on
 * busy pCPUs, and policy timers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hv/hv.h"
#include "testkit.h"

/* ------------------------------------------------------------ spy policy:
 * per-pCPU FIFO like fifo.c, recording every hook call. */
enum { LOG_MAX = 256 };
typedef struct spy_log {
    char what[LOG_MAX][16];
    int vcpu[LOG_MAX];
    int arg[LOG_MAX];
    vl_ns at[LOG_MAX];
    int n;
} spy_log;

typedef struct spy_priv {
    spy_log log;
    int queue[64];
    int len;
    vl_ns slice;
    vl_ns tick;
    int ticks;
    int timer_fired;
    uint64_t last_rip;
    bool last_kernel;
} spy_priv;

static void spy_note(vl_sched *s, const char *what, vl_vcpu *v, int arg)
{
    spy_log *l = &((spy_priv *)vl_sched_priv(s))->log;
    if (l->n == LOG_MAX)
        return;
    snprintf(l->what[l->n], sizeof l->what[0], "%s", what);
    l->vcpu[l->n] = v ? vl_vcpu_id(v) : -1;
    l->arg[l->n] = arg;
    l->at[l->n++] = vl_now(s);
}

static int spy_find(const spy_log *l, const char *what, int vcpu, int from)
{
    for (int i = from; i < l->n; i++)
        if (strcmp(l->what[i], what) == 0 && (vcpu < 0 || l->vcpu[i] == vcpu))
            return i;
    return -1;
}

static int spy_init(vl_sched *s)
{
    spy_priv *sp = vl_sched_priv(s);
    sp->slice = VL_MS(10);
    vl_sched_set_tick(s, sp->tick);
    return 0;
}

static vl_pcpu *spy_pick(vl_sched *s, vl_vcpu *v, vl_pick_reason why)
{
    (void)why;
    /* vCPU i lives on pCPU i % n unless it already has a pCPU */
    vl_pcpu *p = vl_vcpu_pcpu(v);
    return p ? p : vl_pcpu_get(s, vl_vcpu_id(v) % vl_npcpus(s));
}

static void spy_wake(vl_sched *s, vl_vcpu *v, vl_wake_reason why, int vector)
{
    spy_priv *sp = vl_sched_priv(s);
    spy_note(s, "wake", v, why == VL_WAKE_INTERRUPT ? vector : -(int)why - 1);
    sp->queue[sp->len++] = vl_vcpu_id(v);
    vl_tickle(vl_vcpu_pcpu(v));
}

static void spy_block(vl_sched *s, vl_vcpu *v, vl_block_reason why)
{
    spy_note(s, "block", v, (int)why);
}

static void spy_yield(vl_sched *s, vl_vcpu *v, const vl_exit_info *info)
{
    spy_priv *sp = vl_sched_priv(s);
    sp->last_rip = info->rip;
    sp->last_kernel = info->kernel;
    spy_note(s, info->kind == VL_YIELD_PLE ? "ple" : "yield", v, 0);
}

static vl_decision spy_schedule(vl_sched *s, vl_pcpu *p, vl_vcpu *prev, vl_ns now)
{
    (void)now;
    spy_priv *sp = vl_sched_priv(s);
    if (prev && vl_vcpu_runstate(prev) == VL_RUNNABLE)
        sp->queue[sp->len++] = vl_vcpu_id(prev);
    for (int i = 0; i < sp->len; i++) {
        vl_vcpu *v = vl_vcpu_get(s, sp->queue[i]);
        if (vl_vcpu_pcpu(v) == p || prev == v) {
            memmove(&sp->queue[i], &sp->queue[i + 1], (size_t)(sp->len - i - 1) * sizeof(int));
            sp->len--;
            return (vl_decision){v, sp->slice};
        }
    }
    return (vl_decision){NULL, VL_SLICE_NONE};
}

static void spy_ipi(vl_sched *s, vl_vcpu *src, vl_vcpu *dst, int vector)
{
    spy_note(s, "ipi", src, vl_vcpu_id(dst) * 1000 + vector);
}

static void spy_tick(vl_sched *s, vl_pcpu *p, vl_ns now)
{
    (void)p;
    (void)now;
    ((spy_priv *)vl_sched_priv(s))->ticks++;
}

static void spy_timer(vl_sched *s, vl_pcpu *p, int slot, vl_ns now)
{
    (void)p;
    (void)now;
    ((spy_priv *)vl_sched_priv(s))->timer_fired = slot + 1;
    spy_note(s, "timer", NULL, slot);
}

static const vl_sched_ops spy_ops = {
    .name = "spy",
    .description = "records hook calls",
    .priv_size = sizeof(spy_priv),
    .init = spy_init,
    .pick_cpu = spy_pick,
    .do_schedule = spy_schedule,
    .vcpu_wake = spy_wake,
    .vcpu_block = spy_block,
    .vcpu_yield = spy_yield,
    .tick = spy_tick,
    .timer_fired = spy_timer,
    .ipi_sent = spy_ipi,
};

/* The same spy in the Xen family (fixed PLE window by default). */
static vl_sched_ops spy_xen_ops;

/* ------------------------------------------------------- scripted guest */
typedef struct script_guest {
    vl_hv *hv;
    int enters[8], leaves[8], irqs[8], last_vec[8];
    vl_ns entered_at[8];
    bool halt_on_enter; /* every vCPU halts as soon as it enters */
    bool spin_on_enter[8]; /* spin (kernel mode) whenever it enters */
    bool spin_user;        /* ... in user mode instead */
    uint64_t rip;
} script_guest;

static script_guest G;

static void g_enter(void *g, int v, vl_ns now)
{
    script_guest *sg = g;
    sg->enters[v]++;
    sg->entered_at[v] = now;
    if (sg->halt_on_enter)
        vl_hv_halt(sg->hv, 0, v);
    else if (sg->spin_on_enter[v])
        vl_hv_spin_begin(sg->hv, 0, v, sg->rip + 0x40, !sg->spin_user);
}

static void g_leave(void *g, int v, vl_ns now)
{
    (void)now;
    ((script_guest *)g)->leaves[v]++;
}

static void g_interrupt(void *g, int v, int vector, vl_ns now)
{
    (void)now;
    ((script_guest *)g)->irqs[v]++;
    ((script_guest *)g)->last_vec[v] = vector;
}

static uint64_t g_rip(void *g, int v, bool *kernel)
{
    *kernel = true;
    return ((script_guest *)g)->rip + (uint64_t)v;
}

static const vl_guest_port script_port = {
    .enter = g_enter, .leave = g_leave, .interrupt = g_interrupt, .rip = g_rip};

/* A host with one VM of `vcpus` vCPUs, no workloads, the spy policy. */
static void make_hv_ops(vl_hv *hv, vl_scenario *scn, const char *host, int vcpus, vl_ns tick,
                        const vl_sched_ops *ops);

static void make_hv(vl_hv *hv, vl_scenario *scn, const char *host, int vcpus, vl_ns tick)
{
    make_hv_ops(hv, scn, host, vcpus, tick, &spy_ops);
}

static void make_hv_ops(vl_hv *hv, vl_scenario *scn, const char *host, int vcpus, vl_ns tick,
                        const vl_sched_ops *ops)
{
    char yaml[512];
    snprintf(yaml, sizeof yaml,
             "scheduler: fifo\nhost: %s\nvms: [{name: vm, vcpus: %d}]\nrun: {duration: 1s}\n",
             host, vcpus);
    tk_load(scn, yaml);
    vl_error err;
    assert_int_equal(vl_hv_create(hv, scn, ops, NULL, VL_FEL_DEFAULT, &err), 0);
    memset(&G, 0, sizeof G);
    G.hv = hv;
    G.rip = 0xffffffff81000000ULL;
    ((spy_priv *)hv->sched.priv)->tick = tick;
    vl_hv_attach_guest(hv, 0, &script_port, &G);
}

static void run_until(vl_hv *hv, vl_ns t)
{
    vl_event end;
    vl_event_init(&end, (vl_event_fn)(void (*)(void))vl_sim_stop, &hv->sim, VL_EVC_END, 1);
    vl_sim_schedule(&hv->sim, &end, t);
    vl_sim_run(&hv->sim, 0);
    vl_sim_cancel(&hv->sim, &end);
}

static void destroy(vl_hv *hv, vl_scenario *scn)
{
    vl_hv_destroy(hv);
    vl_scenario_free(scn);
}

/* A scheduled call from inside the simulation. */
typedef struct later {
    vl_event ev;
    void (*fn)(struct later *);
    int vcpu, vector;
} later;

static void on_later(void *ctx, vl_event *ev)
{
    (void)ev;
    later *l = ctx;
    l->fn(l);
}

static void at(vl_hv *hv, later *l, vl_ns t)
{
    vl_event_init(&l->ev, on_later, l, VL_EVC_DEVICE, 77);
    vl_sim_schedule(&hv->sim, &l->ev, t);
}

static void do_irq(later *l) { vl_hv_raise_irq(G.hv, 0, l->vcpu, l->vector); }
static void do_ple(later *l) { vl_hv_yield(G.hv, 0, l->vcpu, VL_YIELD_PLE, G.rip + 0x10, true); }

/* --------------------------------------------------------------- tests */

static void test_interrupt_wakes_halted_vcpu(void **state)
{
    (void)state;
    vl_hv hv;
    vl_scenario scn;
    make_hv(&hv, &scn, "{pcpus: 1}", 1, 0);
    G.halt_on_enter = true;
    assert_int_equal(vl_hv_start(&hv, NULL), 0);
    later l = {.fn = do_irq, .vcpu = 0, .vector = 0xec};
    at(&hv, &l, VL_MS(5));
    run_until(&hv, VL_MS(10));
    spy_log *log = &((spy_priv *)hv.sched.priv)->log;
    int w = spy_find(log, "wake", 0, 1); /* after the start wake-up */
    assert_true(w > 0);
    assert_int_equal(log->arg[w], 0xec);
    assert_int_equal(log->at[w], VL_MS(5));
    assert_true(spy_find(log, "block", 0, 0) >= 0);
    /* the interrupt was delivered on entry: after the tickle's host IPI
     * and the world switch */
    assert_int_equal(G.irqs[0], 1);
    assert_int_equal(G.last_vec[0], 0xec);
    assert_int_equal(G.entered_at[0], VL_MS(5) + hv.costs.host_ipi + hv.costs.world_switch);
    destroy(&hv, &scn);
}

static void test_interrupt_pended_while_preempted(void **state)
{
    (void)state;
    vl_hv hv;
    vl_scenario scn;
    /* two vCPUs on one pCPU: v1 waits while v0 runs its 10 ms slice */
    make_hv(&hv, &scn, "{pcpus: 1}", 2, 0);
    assert_int_equal(vl_hv_start(&hv, NULL), 0);
    later l = {.fn = do_irq, .vcpu = 1, .vector = 0xfd};
    at(&hv, &l, VL_MS(2));
    run_until(&hv, VL_MS(9));
    assert_int_equal(G.irqs[1], 0); /* still pending: v1 has not run */
    assert_int_equal(hv.vcpus[1].state, VL_RUNNABLE);
    run_until(&hv, VL_MS(12));
    assert_int_equal(G.irqs[1], 1); /* delivered when v1 entered */
    assert_int_equal(G.last_vec[1], 0xfd);
    destroy(&hv, &scn);
}

static void test_halt_with_pending_interrupt_does_not_block(void **state)
{
    (void)state;
    vl_hv hv;
    vl_scenario scn;
    make_hv(&hv, &scn, "{pcpus: 1}", 1, 0);
    assert_int_equal(vl_hv_start(&hv, NULL), 0);
    run_until(&hv, VL_MS(1));
    hv.vcpus[0].pending[0xec / 64] |= 1ULL << (0xec % 64);
    assert_false(vl_hv_halt(&hv, 0, 0));
    assert_int_equal(hv.vcpus[0].state, VL_RUNNING);
    assert_int_equal(G.irqs[0], 1);
    assert_true(vl_hv_halt(&hv, 0, 0));
    assert_int_equal(hv.vcpus[0].state, VL_BLOCKED);
    destroy(&hv, &scn);
}

static void test_ple_reaches_policy_and_costs_exit(void **state)
{
    (void)state;
    vl_hv hv;
    vl_scenario scn;
    make_hv(&hv, &scn, "{pcpus: 1}", 1, 0);
    assert_int_equal(vl_hv_start(&hv, NULL), 0);
    later l = {.fn = do_ple, .vcpu = 0};
    at(&hv, &l, VL_MS(3));
    run_until(&hv, VL_MS(4));
    spy_priv *sp = hv.sched.priv;
    assert_true(spy_find(&sp->log, "ple", 0, 0) >= 0);
    assert_true(sp->last_rip == G.rip + 0x10);
    assert_true(sp->last_kernel);
    assert_int_equal(hv.vcpus[0].exits[VL_EXIT_PLE], 1);
    /* it left the guest and re-entered after the exit/entry cost */
    assert_int_equal(G.leaves[0], 1);
    assert_int_equal(G.entered_at[0], VL_MS(3) + hv.costs.exit_entry);
    destroy(&hv, &scn);
}

static void test_saved_rip_only_when_preempted(void **state)
{
    (void)state;
    vl_hv hv;
    vl_scenario scn;
    make_hv(&hv, &scn, "{pcpus: 1}", 2, 0);
    assert_int_equal(vl_hv_start(&hv, NULL), 0);
    run_until(&hv, VL_MS(15)); /* v0 ran 0-10ms, v1 runs now, v0 preempted */
    uint64_t rip = 0;
    bool kernel = false;
    assert_int_equal(hv.vcpus[1].state, VL_RUNNING);
    assert_false(vl_vcpu_saved_rip(&hv.vcpus[1], &rip, &kernel));
    assert_true(vl_vcpu_saved_rip(&hv.vcpus[0], &rip, &kernel));
    assert_true(rip == G.rip + 0);
    assert_true(kernel);
    destroy(&hv, &scn);
}

static void test_switch_and_migration_costs(void **state)
{
    (void)state;
    vl_hv hv;
    vl_scenario scn;
    make_hv(&hv, &scn, "{pcpus: 4, sockets: 2}", 1, 0);
    assert_int_equal(vl_hv_start(&hv, NULL), 0);
    run_until(&hv, VL_MS(1));
    vl_ns ws = hv.costs.world_switch, mig = hv.costs.migration;
    assert_int_equal(hv.pcpus[0].overhead_ns, ws);
    /* move the vCPU by hand: same socket (pCPU 1), then the other socket (pCPU 2) */
    int targets[2] = {1, 2};
    vl_ns expect[2] = {ws + mig, ws + 2 * mig};
    for (int k = 0; k < 2; k++) {
        vl_vcpu *v = &hv.vcpus[0];
        vl_pcpu *from = v->processor;
        vl_hv_halt(&hv, 0, 0);
        run_until(&hv, hv.sim.now + VL_US(10));
        v->processor = NULL; /* forget the placement: spy_pick uses id % n otherwise */
        v->last_pcpu = from;
        v->processor = &hv.pcpus[targets[k]];
        vl_hv_set_state(v, VL_RUNNABLE, hv.sim.now);
        spy_priv *sp = hv.sched.priv;
        sp->queue[sp->len++] = 0;
        vl_tickle(&hv.pcpus[targets[k]]);
        vl_ns t0 = hv.sim.now;
        run_until(&hv, t0 + VL_MS(1));
        assert_int_equal(hv.pcpus[targets[k]].overhead_ns, expect[k]);
        assert_int_equal(G.entered_at[0], t0 + hv.costs.host_ipi + expect[k]);
    }
    destroy(&hv, &scn);
}

static void test_ticks_only_on_busy_pcpus(void **state)
{
    (void)state;
    vl_hv hv;
    vl_scenario scn;
    make_hv(&hv, &scn, "{pcpus: 2}", 1, VL_MS(4));
    assert_int_equal(vl_hv_start(&hv, NULL), 0);
    /* the start wake-up is a remote tickle: the vCPU runs from 1 us on */
    run_until(&hv, VL_MS(40) + hv.costs.host_ipi);
    spy_priv *sp = hv.sched.priv;
    assert_int_equal(sp->ticks, 10); /* one busy pCPU: 4, 8, ..., 40 ms (+1 us) */
    G.halt_on_enter = true;
    vl_hv_halt(&hv, 0, 0);
    run_until(&hv, VL_MS(100));
    assert_int_equal(sp->ticks, 10); /* nothing runs: no ticks */
    destroy(&hv, &scn);
}

static void test_policy_timer(void **state)
{
    (void)state;
    vl_hv hv;
    vl_scenario scn;
    make_hv(&hv, &scn, "{pcpus: 1}", 1, 0);
    assert_int_equal(vl_hv_start(&hv, NULL), 0);
    vl_timer_arm(&hv.sched, &hv.pcpus[0], 2, VL_MS(7));
    vl_timer_arm(&hv.sched, NULL, 1, VL_MS(3));
    vl_timer_cancel(&hv.sched, NULL, 1);
    assert_true(vl_timer_pending(&hv.sched, &hv.pcpus[0], 2));
    run_until(&hv, VL_MS(10));
    spy_priv *sp = hv.sched.priv;
    int t = spy_find(&sp->log, "timer", -1, 0);
    assert_true(t >= 0);
    assert_int_equal(sp->log.arg[t], 2);
    assert_int_equal(sp->log.at[t], VL_MS(7));
    assert_int_equal(spy_find(&sp->log, "timer", -1, t + 1), -1); /* the cancelled one */
    destroy(&hv, &scn);
}

/* Count the spy's log entries of one kind. */
static int spy_count(const spy_log *l, const char *what)
{
    int n = 0;
    for (int i = 0; i < l->n; i++)
        n += strcmp(l->what[i], what) == 0;
    return n;
}

/* A vCPU spinning in kernel mode exits after the PLE window (4096 cycles at
 * 2.4 GHz = 1707 ns); KVM doubles the window per exit, and the window is
 * back to 4096 after the vCPU is scheduled in again. */
static void test_ple_window_grows_and_resets(void **state)
{
    (void)state;
    vl_hv hv;
    vl_scenario scn;
    make_hv(&hv, &scn, "{pcpus: 1}", 1, 0);
    assert_int_equal(hv.ple.grow, 2); /* KVM family */
    assert_int_equal(vl_hv_start(&hv, NULL), 0);
    run_until(&hv, VL_MS(1));
    vl_ns t0 = hv.sim.now;
    G.spin_on_enter[0] = true;
    vl_hv_spin_begin(&hv, 0, 0, G.rip + 0x40, true);
    /* exits at t0 + 1707, then (after 1.5 us re-entry) + 3414, + 6827 ... */
    vl_ns x = hv.costs.exit_entry;
    vl_ns t1 = t0 + 1707, t2 = t1 + x + 3414, t3 = t2 + x + 6827;
    run_until(&hv, t3);
    spy_priv *sp = hv.sched.priv;
    assert_int_equal(spy_count(&sp->log, "ple"), 3);
    int i = spy_find(&sp->log, "ple", 0, 0);
    assert_int_equal(sp->log.at[i], t1);
    i = spy_find(&sp->log, "ple", 0, i + 1);
    assert_int_equal(sp->log.at[i], t2);
    assert_true(sp->last_rip == G.rip + 0x40 && sp->last_kernel);
    assert_int_equal(hv.vcpus[0].ple_window, 4096 * 8);
    assert_int_equal(hv.vcpus[0].exits[VL_EXIT_PLE], 3);
    /* schedule it out and in: the window resets */
    vl_hv_ple_sched_in(&hv.vcpus[0]);
    assert_int_equal(hv.vcpus[0].ple_window, 4096);
    destroy(&hv, &scn);
}

/* Xen keeps the window fixed; spinning in user mode never exits. */
static void test_ple_xen_fixed_and_user_mode(void **state)
{
    (void)state;
    vl_hv hv;
    vl_scenario scn;
    spy_xen_ops = spy_ops;
    spy_xen_ops.hypervisor = VL_HV_XEN;
    make_hv_ops(&hv, &scn, "{pcpus: 1}", 1, 0, &spy_xen_ops);
    assert_int_equal(hv.ple.grow, 1);
    assert_int_equal(vl_hv_start(&hv, NULL), 0);
    run_until(&hv, VL_MS(1));
    G.spin_on_enter[0] = true;
    vl_hv_spin_begin(&hv, 0, 0, G.rip, true);
    run_until(&hv, VL_MS(1) + 10 * (1707 + hv.costs.exit_entry));
    assert_int_equal(hv.vcpus[0].exits[VL_EXIT_PLE], 10);
    assert_int_equal(hv.vcpus[0].ple_window, 4096);
    vl_hv_spin_end(&hv, 0, 0);
    G.spin_on_enter[0] = false;
    G.spin_user = true;
    vl_hv_spin_begin(&hv, 0, 0, 0x400000, false);
    run_until(&hv, VL_MS(5));
    assert_int_equal(hv.vcpus[0].exits[VL_EXIT_PLE], 10);
    destroy(&hv, &scn);
}

/* An IPI traps (exit counted, the policy sees it), reaches a running
 * destination the exit cost + ipi_delivery later, and a vector already in flight coalesces; with IPI
 * virtualization nothing traps and the policy sees nothing. */
static void test_ipi_delivery(void **state)
{
    (void)state;
    for (int virt = 0; virt < 2; virt++) {
        vl_hv hv;
        vl_scenario scn;
        make_hv(&hv, &scn, virt ? "{pcpus: 2, ipi_virtualization: true}" : "{pcpus: 2}", 2, 0);
        assert_int_equal(vl_hv_start(&hv, NULL), 0);
        run_until(&hv, VL_MS(1));
        int dst = 1;
        vl_hv_send_ipi(&hv, 0, 0, &dst, 1, 0xfd);
        vl_hv_send_ipi(&hv, 0, 0, &dst, 1, 0xfd); /* coalesces */
        vl_hv_send_ipi(&hv, 0, 0, &dst, 1, 0xfc);
        spy_priv *sp = hv.sched.priv;
        assert_int_equal(spy_count(&sp->log, "ipi"), virt ? 0 : 3);
        assert_int_equal(hv.vcpus[0].exits[VL_EXIT_IPI], virt ? 0 : 3);
        assert_int_equal(vl_hv_ipi_exit_cost(&hv), virt ? 0 : hv.costs.exit_entry);
        vl_ns arrive = VL_MS(1) + vl_hv_ipi_exit_cost(&hv) + hv.costs.ipi_delivery;
        run_until(&hv, arrive - 1);
        assert_int_equal(G.irqs[1], 0);
        run_until(&hv, arrive);
        assert_int_equal(G.irqs[1], 2); /* 0xfd once, 0xfc once */
        if (!virt) {
            int i = spy_find(&sp->log, "ipi", 0, 0);
            assert_int_equal(sp->log.arg[i], 1 * 1000 + 0xfd);
        }
        destroy(&hv, &scn);
    }
}

/* A halted destination is woken from inside the sender's exit, half-way
 * through it (the hypervisor kicks it while handling the ICR write), not
 * after the exit and the delivery latency. */
static void test_ipi_kicks_halted_vcpu_inside_the_exit(void **state)
{
    (void)state;
    vl_hv hv;
    vl_scenario scn;
    make_hv(&hv, &scn, "{pcpus: 2}", 2, 0);
    G.halt_on_enter = true;
    assert_int_equal(vl_hv_start(&hv, NULL), 0);
    run_until(&hv, VL_MS(1));
    assert_int_equal(hv.vcpus[1].state, VL_BLOCKED);
    int dst = 1;
    vl_hv_send_ipi(&hv, 0, 0, &dst, 1, 0xfd);
    run_until(&hv, VL_MS(2));
    spy_log *log = &((spy_priv *)hv.sched.priv)->log;
    int w = spy_find(log, "wake", 1, 0);
    while (w >= 0 && log->at[w] < VL_MS(1)) /* skip the start wake-up */
        w = spy_find(log, "wake", 1, w + 1);
    assert_true(w >= 0);
    assert_int_equal(log->at[w], VL_MS(1) + hv.costs.exit_entry / 2);
    assert_true(log->at[w] < VL_MS(1) + hv.costs.exit_entry); /* before the sender re-enters */
    destroy(&hv, &scn);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_interrupt_wakes_halted_vcpu),
        cmocka_unit_test(test_interrupt_pended_while_preempted),
        cmocka_unit_test(test_halt_with_pending_interrupt_does_not_block),
        cmocka_unit_test(test_ple_reaches_policy_and_costs_exit),
        cmocka_unit_test(test_saved_rip_only_when_preempted),
        cmocka_unit_test(test_switch_and_migration_costs),
        cmocka_unit_test(test_ticks_only_on_busy_pcpus),
        cmocka_unit_test(test_policy_timer),
        cmocka_unit_test(test_ple_window_grows_and_resets),
        cmocka_unit_test(test_ple_xen_fixed_and_user_mode),
        cmocka_unit_test(test_ipi_delivery),
        cmocka_unit_test(test_ipi_kicks_halted_vcpu_inside_the_exit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
