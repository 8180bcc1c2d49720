/* test_contract.c - what the core gives every policy beyond its hooks
 * (include/vcpulab/sched.h): the mask of idle, untickled pCPUs, which a
 * tickle leaves at once while vl_pcpu_is_idle() stays true; the default
 * placement's rules (previous pCPU if idle, then the closest idle pCPU,
 * then the previous one; at the start, spread by load); the policy's own
 * random stream; and the skipped wake-up of a vCPU that halted and woke
 * before its pCPU rescheduled; per-vCPU parameters written into each
 * vCPU's private struct, checked, and recorded in the report.  A probe
 * policy wraps fifo and records. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "testkit.h"
#include "vl_bitmap.h"
#include "vl_rng.h"

#define MAX_PICKS 64
#define PROBE_SLOT 3 /* instance timer slot of the offline / online requests */

/* The probe: fifo's hooks, and what they saw. */
static struct probe {
    const vl_sched_ops *fifo;
    /* pick_cpu: the chosen pCPU, the idle-mask population and whether
     * pCPU 0 still looked idle through vl_pcpu_is_idle, per call */
    int picks, pick_pcpu[MAX_PICKS], pick_idle_bits[MAX_PICKS];
    bool pick_p0_idle[MAX_PICKS];
    const char *start_vm; /* START of this VM's vCPUs goes to pCPU 0 */
    int wake_vm;          /* record only this VM's picks (-1: all)   */
    /* mask checks at every hook */
    int mask_lies;        /* a mask bit on a pCPU that is not idle   */
    int tickled_in_mask;  /* a pCPU still in the mask after a tickle */
    /* skipped wake-ups: vCPU `bounce` of VM 0 is taken offline at 50 ms
     * and asked back online in the same instant it blocks */
    int bounce;
    bool blocked[256];
    int skipped, wakes, bounce_picks, bounce_wakes;
    /* the policy stream */
    bool draw;
    uint64_t first_draws[3];
} P;

static int popcount_mask(vl_sched *s)
{
    return vl_bit_count(vl_idle_pcpus(s), 0, vl_npcpus(s));
}

static void check_mask(vl_sched *s)
{
    const uint64_t *idle = vl_idle_pcpus(s);
    for (int i = 0; i < vl_npcpus(s); i++)
        if (vl_bit_test(idle, i) && !vl_pcpu_is_idle(vl_pcpu_get(s, i)))
            P.mask_lies++;
    if (vl_bit_next(idle, vl_npcpus(s), VL_MAX_PCPUS) >= 0)
        P.mask_lies++;
}

static int probe_init(vl_sched *s)
{
    if (P.bounce >= 0)
        vl_timer_arm(s, NULL, PROBE_SLOT, VL_MS(50));
    for (int i = 0; i < 3; i++)
        P.first_draws[i] = vl_rng_u64(vl_sched_rng(s));
    check_mask(s);
    return P.fifo->init(s);
}

static vl_pcpu *probe_pick(vl_sched *s, vl_vcpu *v, vl_pick_reason why)
{
    check_mask(s);
    P.bounce_picks += vl_vcpu_id(v) == P.bounce;
    vl_pcpu *p = vl_pick_cpu_default(s, v);
    if (why == VL_PICK_START && P.start_vm && strcmp(vl_vm_name(vl_vcpu_vm(v)), P.start_vm) == 0)
        p = vl_pcpu_get(s, 0);
    if ((P.wake_vm < 0 || vl_vm_id(vl_vcpu_vm(v)) == P.wake_vm) && P.picks < MAX_PICKS) {
        P.pick_pcpu[P.picks] = vl_pcpu_id(p);
        P.pick_idle_bits[P.picks] = popcount_mask(s);
        P.pick_p0_idle[P.picks++] = vl_pcpu_is_idle(vl_pcpu_get(s, 0));
    }
    return p;
}

static void probe_wake(vl_sched *s, vl_vcpu *v, vl_wake_reason why, int vector)
{
    P.wakes++;
    P.bounce_wakes += vl_vcpu_id(v) == P.bounce;
    P.blocked[vl_vcpu_id(v)] = false;
    P.fifo->vcpu_wake(s, v, why, vector);
    vl_pcpu *p = vl_vcpu_pcpu(v);
    if (vl_pcpu_is_idle(p) && vl_bit_test(vl_idle_pcpus(s), vl_pcpu_id(p)))
        P.tickled_in_mask++; /* fifo tickled it: it must have left the mask */
}

static void probe_block(vl_sched *s, vl_vcpu *v, vl_block_reason why)
{
    P.blocked[vl_vcpu_id(v)] = true;
    if (why == VL_BLOCK_OFFLINE) /* back online at this instant, before the reschedule */
        vl_timer_arm(s, NULL, PROBE_SLOT, vl_now(s));
}

static void probe_timer(vl_sched *s, vl_pcpu *p, int slot, vl_ns now)
{
    if (slot != PROBE_SLOT) {
        if (P.fifo->timer_fired)
            P.fifo->timer_fired(s, p, slot, now);
        return;
    }
    vl_vcpu *v = vl_vcpu_get(s, P.bounce);
    if (vl_vcpu_runstate(v) == VL_OFFLINE) {
        P.bounce_picks = P.bounce_wakes = 0;
        assert_true(vl_vcpu_request_online(v));
    } else {
        assert_true(vl_vcpu_request_offline(v));
    }
}

static vl_decision probe_schedule(vl_sched *s, vl_pcpu *p, vl_vcpu *prev, vl_ns now)
{
    check_mask(s);
    if (prev && P.blocked[vl_vcpu_id(prev)] && vl_vcpu_runstate(prev) == VL_RUNNABLE) {
        P.skipped++; /* it halted, and woke with no vcpu_wake */
        P.blocked[vl_vcpu_id(prev)] = false;
    }
    if (P.draw)
        vl_rng_u64(vl_sched_rng(s));
    return P.fifo->do_schedule(s, p, prev, now);
}

static vl_sched_ops probe_ops;

static void probe_reset(void)
{
    P = (struct probe){.fifo = vl_policy_find("fifo"), .wake_vm = -1, .bounce = -1};
    probe_ops = *P.fifo;
    probe_ops.name = "probe";
    probe_ops.init = probe_init;
    probe_ops.pick_cpu = probe_pick;
    probe_ops.vcpu_wake = probe_wake;
    probe_ops.vcpu_block = probe_block;
    probe_ops.do_schedule = probe_schedule;
    probe_ops.timer_fired = probe_timer;
}

static uint64_t run_probe(const char *yaml, uint64_t seed)
{
    vl_scenario scn;
    vl_model m;
    vl_error err;
    tk_load(&scn, yaml);
    if (tk_run(&m, &scn, &probe_ops, seed, &err) < 0)
        fail_msg("run failed: %s", err.msg);
    uint64_t digest = m.hv.sim.digest;
    vl_model_destroy(&m);
    vl_scenario_free(&scn);
    return digest;
}

/* Six vCPUs start at one instant on four pCPUs: each placement sees one
 * idle pCPU fewer in the mask (the tickle took it out), while
 * vl_pcpu_is_idle(pCPU 0) stays true until pCPU 0 has rescheduled; the
 * two left over go to the least loaded pCPUs.  Through the run the mask
 * never holds a busy pCPU, and a tickled pCPU is never in it. */
static void test_idle_mask(void **state)
{
    (void)state;
    probe_reset();
    run_probe("scheduler: fifo\n"
              "host: {pcpus: 4}\n"
              "vms:\n"
              "  - {name: a, vcpus: 6, workloads: [{type: cpu, tasks: 6}]}\n"
              "  - name: t\n"
              "    vcpus: 2\n"
              "    workloads: [{type: think, tasks: 2, burst: 200us, think: 3ms}]\n"
              "run: {duration: 300ms}\n",
              0);
    static const int want_pcpu[] = {0, 1, 2, 3, 0, 1}, want_bits[] = {4, 3, 2, 1, 0, 0};
    for (int i = 0; i < 6; i++) {
        assert_int_equal(P.pick_pcpu[i], want_pcpu[i]);
        assert_int_equal(P.pick_idle_bits[i], want_bits[i]);
        assert_true(P.pick_p0_idle[i]);
    }
    assert_int_equal(P.pick_pcpu[6], 2); /* t's two vCPUs: the least loaded */
    assert_int_equal(P.pick_pcpu[7], 3);
    assert_true(P.picks > 20); /* t's wake-ups */
    assert_int_equal(P.mask_lies, 0);
    assert_int_equal(P.tickled_in_mask, 0);
}

/* A think vCPU of VM u starts queued behind a hog on pCPU 0 and, waking
 * while that hog runs, goes where the default placement says, given the
 * pCPUs that hogs keep busy.  8 pCPUs: 2 sockets x 2 cores x 2 threads,
 * ids 0-3 on socket 0 ({0,1} and {2,3} are cores). */
static void placement_after(const char *busy, int want_first, int want_second)
{
    char yaml[2048];
    int len = snprintf(yaml, sizeof yaml,
                       "scheduler: fifo\n"
                       "host: {pcpus: 8, sockets: 2, threads_per_core: 2}\n"
                       "run: {duration: 60ms}\n"
                       "vms:\n"
                       "  - name: u\n"
                       "    vcpus: 1\n"
                       "    workloads: [{type: think, burst: 100us, think: 5ms}]\n");
    for (const char *c = busy; *c; c++)
        len += snprintf(yaml + len, sizeof yaml - (size_t)len,
                        "  - {name: hog%c, vcpus: 1, affinity: \"%c\", "
                        "workloads: [{type: cpu}]}\n", *c, *c);
    probe_reset();
    P.start_vm = "u";
    P.wake_vm = 0;
    run_probe(yaml, 0);
    assert_true(P.picks >= 3);
    assert_int_equal(P.pick_pcpu[0], 0); /* the start, forced */
    if (P.pick_pcpu[1] != want_first || P.pick_pcpu[2] != want_second)
        fail_msg("busy %s: u woke on pCPU %d then %d, want %d then %d", busy, P.pick_pcpu[1],
                 P.pick_pcpu[2], want_first, want_second);
}

static void test_default_placement(void **state)
{
    (void)state;
    placement_after("0", 1, 1);        /* the SMT sibling; then it idles there: stays */
    placement_after("01", 2, 2);       /* the other core of the socket */
    placement_after("0123", 4, 4);     /* the other socket, lowest id */
    placement_after("02", 1, 1);       /* sibling before the rest of the socket */
    placement_after("01234567", 0, 0); /* nothing idle: the previous pCPU */
}

/* At the start, with affinity: the fewest vCPUs per pCPU, lowest id. */
static void test_default_placement_start_affinity(void **state)
{
    (void)state;
    probe_reset();
    run_probe("scheduler: fifo\n"
              "host: {pcpus: 4}\n"
              "vms: [{name: a, vcpus: 5, affinity: \"2-3\", workloads: [{type: cpu, tasks: 5}]}]\n"
              "run: {duration: 50ms}\n",
              0);
    static const int want[] = {2, 3, 2, 3, 2};
    for (int i = 0; i < 5; i++)
        assert_int_equal(P.pick_pcpu[i], want[i]);
}

/* The policy's stream: derived from the run's seed and "policy:<name>",
 * the same for the same seed, another for another seed; drawing from it
 * in every do_schedule leaves the run exactly as it was (the guests draw
 * from their own streams). */
static void test_policy_stream(void **state)
{
    (void)state;
    /* exponential bursts and thinks: the guests draw all the time */
    static const char yaml[] = "scheduler: fifo\nhost: {pcpus: 2}\nrun: {duration: 500ms}\n"
                               "vms: [{name: w, vcpus: 3, workloads: [{type: think, tasks: 4, "
                               "burst: {dist: exponential, mean: 1ms}, "
                               "think: {dist: exponential, mean: 2ms}}]}]\n";
    probe_reset();
    uint64_t quiet = run_probe(yaml, 7);
    uint64_t draws[3];
    memcpy(draws, P.first_draws, sizeof draws);
    vl_rng ref;
    vl_rng_init(&ref, 7, "policy:probe");
    for (int i = 0; i < 3; i++)
        assert_true(draws[i] == vl_rng_u64(&ref));

    probe_reset();
    P.draw = true;
    assert_true(run_probe(yaml, 7) == quiet); /* drawing changes nothing else */
    assert_memory_equal(P.first_draws, draws, sizeof draws);

    probe_reset();
    run_probe(yaml, 8);
    assert_memory_not_equal(P.first_draws, draws, sizeof draws);
}

/* A vCPU that blocks (here: goes offline) and is woken again in the same
 * instant (here: brought back online by a timer at that instant) reaches
 * do_schedule as a runnable prev after vcpu_block, with no pick_cpu and no
 * vcpu_wake; the core still counts the wake-up. */
static void test_skipped_wake(void **state)
{
    (void)state;
    vl_scenario scn;
    vl_model m;
    vl_error err;
    probe_reset();
    P.bounce = 1;
    tk_load(&scn, "scheduler: fifo\n"
                  "host: {pcpus: 2}\n"
                  "vms: [{name: k, vcpus: 2, workloads: [{type: cpu, tasks: 2}]}]\n"
                  "run: {duration: 200ms}\n");
    if (tk_run(&m, &scn, &probe_ops, 0, &err) < 0)
        fail_msg("run failed: %s", err.msg);
    assert_int_equal(P.skipped, 1);
    assert_int_equal(P.bounce_picks, 0);
    assert_int_equal(P.bounce_wakes, 0);
    assert_int_equal(m.hv.vcpus[1].wakeups, 2); /* the start, and the skipped one */
    assert_int_equal(m.hv.vcpus[1].state, VL_RUNNING); /* it runs again */
    vl_model_destroy(&m);
    vl_scenario_free(&scn);
}

/* ---- per-vCPU parameters ------------------------------------------------ */

/* A policy with a per-vCPU table after a field of its own; it runs
 * nothing (the test reads what the core wrote before init). */
typedef struct pv_vcpu {
    int mark;
    vl_ns budget;
    bool extra;
} pv_vcpu;

static const vl_param pv_vcpu_params[] = {
    {"budget", VL_PARAM_TIME, offsetof(pv_vcpu, budget), 3e6, 0, 1e9, "ns", "a budget", NULL},
    {"extra", VL_PARAM_BOOL, offsetof(pv_vcpu, extra), 0, 0, 0, NULL, "a flag", NULL},
    VL_PARAM_END,
};

static int pv_checks[VL_PARAMS_VCPU + 1]; /* check() calls per scope */

static int pv_check(const void *params, vl_param_scope scope, vl_param_fault *fault)
{
    (void)params, (void)fault;
    pv_checks[scope]++;
    return 0;
}

static int pv_init(vl_sched *s)
{
    (void)s;
    return 0;
}

static vl_pcpu *pv_pick(vl_sched *s, vl_vcpu *v, vl_pick_reason why)
{
    (void)why;
    return vl_pick_cpu_default(s, v);
}

static vl_decision pv_schedule(vl_sched *s, vl_pcpu *p, vl_vcpu *prev, vl_ns now)
{
    (void)s, (void)p, (void)prev, (void)now;
    return (vl_decision){NULL, VL_SLICE_NONE};
}

static const vl_sched_ops pvprobe = {
    .name = "pvprobe",
    .vcpu_params = pv_vcpu_params,
    .vcpu_size = sizeof(pv_vcpu),
    .check = pv_check,
    .init = pv_init,
    .pick_cpu = pv_pick,
    .do_schedule = pv_schedule,
};
VL_REGISTER_POLICY(pvprobe);

static int occurrences(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = hay; (p = strstr(p, needle)); p++)
        n++;
    return n;
}

/* The scenario's values (VM-wide, then the vCPU's entry) are in each
 * vCPU's private struct at the table's offsets, defaults where the
 * scenario gave none; the model checks each vCPU's blob; the report's
 * config lists them per vCPU. */
static void test_vcpu_params(void **state)
{
    (void)state;
    vl_scenario scn;
    vl_model m;
    vl_error err;
    tk_load(&scn, "scheduler: pvprobe\n"
                  "host: {pcpus: 2}\n"
                  "vms:\n"
                  "  - {name: a, vcpus: 3, params: {pvprobe: {budget: 2ms, vcpus: {1: {extra: "
                  "true}}}}}\n"
                  "  - {name: b, vcpus: 2}\n"
                  "run: {duration: 1ms}\n");
    memset(pv_checks, 0, sizeof pv_checks);
    if (tk_run(&m, &scn, &pvprobe, 0, &err) < 0)
        fail_msg("run failed: %s", err.msg);
    assert_int_equal(pv_checks[VL_PARAMS_HOST], 1);
    assert_int_equal(pv_checks[VL_PARAMS_VM], 2);
    assert_int_equal(pv_checks[VL_PARAMS_VCPU], 5);
    const vl_ns budget[5] = {VL_MS(2), VL_MS(2), VL_MS(2), VL_MS(3), VL_MS(3)};
    for (int i = 0; i < 5; i++) {
        const pv_vcpu *v = m.hv.vcpus[i].priv;
        assert_int_equal(v->mark, 0);
        assert_int_equal(v->budget, budget[i]);
        assert_int_equal(v->extra, i == 1);
    }
    size_t len;
    char *js = tk_json(&m, &len);
    assert_int_equal(occurrences(js, "\"vcpu_params\""), 2);
    assert_int_equal(occurrences(js, "\"budget\": 2000000"), 3);
    assert_int_equal(occurrences(js, "\"budget\": 3000000"), 2);
    assert_int_equal(occurrences(js, "\"extra\": true"), 1);
    free(js);
    vl_model_destroy(&m);
    vl_scenario_free(&scn);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_idle_mask),
        cmocka_unit_test(test_default_placement),
        cmocka_unit_test(test_default_placement_start_affinity),
        cmocka_unit_test(test_policy_stream),
        cmocka_unit_test(test_skipped_wake),
        cmocka_unit_test(test_vcpu_params),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
