/* test_conformance.c - the policy-conformance suite, run against every
 * registered policy: CPU-time conservation, never one vCPU on two pCPUs,
 * no lost wake-up, no starvation, busy pCPUs under overcommit in every
 * uncapped scenario, weights and caps honoured (for policies that declare
 * VL_POLICY_WEIGHTS / VL_POLICY_CAPS); a naive policy that meets the
 * weights but leaves pCPUs idle fails; and deliberately broken policies are
 * stopped by the core with a report naming the policy, the hook and the
 * simulated time. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "testkit.h"
#include "vl_list.h"

/* Mixed load on an overcommitted host: hogs, half-busy tasks, interactive
 * tasks, an affinity-restricted VM.  quest runs with background execution:
 * its sporadic servers alone give each vCPU only its reservation (20% by
 * default), whatever the pCPUs could give (docs/policies/quest.md); the
 * floor then checks that its background mode uses the rest. */
#define QUEST_BACKGROUND "params: {quest: {background: true}}\n"
static const char mixed_yaml[] =
    "scheduler: fifo\n"
    "host: {pcpus: 4, sockets: 2}\n"
    QUEST_BACKGROUND
    "vms:\n"
    "  - name: hogs\n"
    "    vcpus: 4\n"
    "    workloads: [{type: cpu, tasks: 6}]\n"
    "  - name: half\n"
    "    vcpus: 3\n"
    "    weight: 512\n"
    "    workloads: [{type: cpu, tasks: 3, util: 0.5, period: 20ms}]\n"
    "  - name: inter\n"
    "    vcpus: 2\n"
    "    workloads:\n"
    "      - type: think\n"
    "        tasks: 5\n"
    "        burst: {dist: exponential, mean: 300us}\n"
    "        think: {dist: exponential, mean: 5ms}\n"
    "  - name: pinned\n"
    "    vcpus: 2\n"
    "    affinity: \"2-3\"\n"
    "    workloads: [{type: cpu, tasks: 2}]\n"
    "run: {duration: 3s, warmup: 200ms, seed: 11}\n";

/* The host kernel eras of the cfs family (cfs, balance, dcs: host
 * parameter `kernel`): each suite test below runs once per era, with the
 * era's parameters ahead of its scenario (*state; NULL: the defaults). */
static const char era_3_2[] = "cfs: {kernel: '3.2'}, balance: {kernel: '3.2'}, dcs: {kernel: '3.2'}";

/* Loads yaml with the era's policy parameters added to its `params:`
 * (a flow mapping on one line, as QUEST_BACKGROUND), or ahead of it. */
static void era_load(vl_scenario *scn, const char *yaml, void **state)
{
    const char *era = state && *state ? *state : NULL;
    if (!era) {
        tk_load(scn, yaml);
        return;
    }
    size_t n = strlen(era) + strlen(yaml) + 32;
    char *text = malloc(n);
    assert_non_null(text);
    const char *at = strstr(yaml, "params: {");
    if (at)
        snprintf(text, n, "%.*sparams: {%s, %s", (int)(at - yaml), yaml, era,
                 at + strlen("params: {"));
    else
        snprintf(text, n, "params: {%s}\n%s", era, yaml);
    tk_load(scn, text);
    free(text);
}

/* An observer that checks, at every switch, that the incoming vCPU is not
 * current anywhere else (independently of the core's own check). */
typedef struct double_run_check {
    const vl_hv *hv;
    int violations;
} double_run_check;

static void check_switch(void *ctx, const vl_pcpu *p, const vl_vcpu *prev, const vl_vcpu *next,
                         vl_ns now)
{
    (void)prev;
    (void)now;
    double_run_check *c = ctx;
    if (!next)
        return;
    for (int i = 0; i < c->hv->npcpus; i++)
        if (&c->hv->pcpus[i] != p && c->hv->pcpus[i].curr == next)
            c->violations++;
}

/* The utilisation floor of an overcommitted, uncapped scenario: a
 * work-conserving policy leaves no pCPU idle for long; one that idles
 * pCPUs on purpose (gangs) still keeps most of them busy.  Returns 0, or
 * -1 with the shortfall in msg. */
static int utilisation_floor(const vl_model *m, const vl_sched_ops *ops, char *msg, size_t len)
{
    vl_ns busy = 0;
    for (int p = 0; p < m->hv.npcpus; p++)
        busy += vl_model_pcpu_busy(m, p);
    double floor = ops->flags & VL_POLICY_NOT_WORK_CONSERVING ? 0.50 : 0.95;
    double used = (double)busy / ((double)vl_model_window(m) * m->hv.npcpus);
    if (used >= floor)
        return 0;
    snprintf(msg, len, "%s: host only %.1f%% busy under overcommit (floor %.0f%%)", ops->name,
             100.0 * used, 100.0 * floor);
    return -1;
}

static void test_conservation_and_no_double_run(void **state)
{
    vl_scenario scn;
    era_load(&scn, mixed_yaml, state);
    for (int k = 0; k < vl_policy_count(); k++) {
        const vl_sched_ops *ops = vl_policy_at(k);
        vl_model m;
        vl_error err;
        double_run_check chk = {0};
        vl_model_opts mo = {.fel = VL_FEL_DEFAULT};
        assert_int_equal(vl_model_create(&m, &scn, ops, 0, 0, &mo, &err), 0);
        chk.hv = &m.hv;
        m.hv.observer = (vl_hv_observer){.ctx = &chk, .on_switch = check_switch};
        if (vl_model_run(&m, &err) < 0)
            fail_msg("%s: run failed: %s", ops->name, err.msg);
        vl_ns window = vl_model_window(&m), busy = 0, ran = 0;
        for (int p = 0; p < m.hv.npcpus; p++) {
            busy += vl_model_pcpu_busy(&m, p);
            if (vl_model_pcpu_busy(&m, p) + vl_model_pcpu_idle(&m, p) != window)
                fail_msg("%s: pCPU %d busy+idle != window", ops->name, p);
        }
        for (int v = 0; v < m.hv.nvcpus; v++) {
            vl_ns total = 0;
            for (int st = 0; st < VL_NR_RUNSTATES; st++)
                total += vl_model_vcpu_time(&m, v, st);
            if (total != window)
                fail_msg("%s: vCPU %d runstate times sum to %lld, window %lld", ops->name, v,
                         (long long)total, (long long)window);
            ran += vl_model_vcpu_time(&m, v, VL_RUNNING);
        }
        if (busy != ran)
            fail_msg("%s: pCPU busy %lld != vCPU running %lld", ops->name, (long long)busy,
                     (long long)ran);
        if (chk.violations)
            fail_msg("%s: a vCPU was current on two pCPUs %d times", ops->name, chk.violations);
        char msg[200];
        if (utilisation_floor(&m, ops, msg, sizeof msg) < 0)
            fail_msg("mixed: %s", msg);
        vl_model_destroy(&m);
    }
    vl_scenario_free(&scn);
}

static void test_no_lost_wakeup_no_starvation(void **state)
{
    vl_scenario scn;
    era_load(&scn, mixed_yaml, state);
    for (int k = 0; k < vl_policy_count(); k++) {
        const vl_sched_ops *ops = vl_policy_at(k);
        vl_model m;
        vl_error err;
        if (tk_run(&m, &scn, ops, 0, &err) < 0)
            fail_msg("%s: run failed: %s", ops->name, err.msg);
        for (int v = 0; v < m.hv.nvcpus; v++) {
            const vl_vcpu *vc = &m.hv.vcpus[v];
            if (tk_vcpu_never_ran(&m, v))
                fail_msg("%s: %s.v%d never ran", ops->name, vc->vm->name, vc->index);
            if (vc->max_wait > VL_MS(500))
                fail_msg("%s: %s.v%d waited %lld ns while runnable", ops->name, vc->vm->name,
                         vc->index, (long long)vc->max_wait);
        }
        /* every interactive wake-up was served: bursts keep completing */
        for (int w = 0; w < m.nworkloads; w++)
            if (strcmp(m.workloads[w].type->name, "think") == 0 &&
                m.workloads[w].stats.bursts < 100)
                fail_msg("%s: interactive workload completed only %llu bursts", ops->name,
                         (unsigned long long)m.workloads[w].stats.bursts);
        vl_model_destroy(&m);
    }
    vl_scenario_free(&scn);
}

/* Two CPU-bound VMs of 4 vCPUs, weights 1:2, on 4 pCPUs: nothing blocks,
 * so where a policy first places the vCPUs is where they stay unless it
 * moves them. */
static const char weights_yaml[] =
    "scheduler: fifo\n"
    "host: {pcpus: 4}\n"
    QUEST_BACKGROUND
    "vms:\n"
    "  - {name: light, vcpus: 4, weight: 256, workloads: [{type: cpu, tasks: 4}]}\n"
    "  - {name: heavy, vcpus: 4, weight: 512, workloads: [{type: cpu, tasks: 4}]}\n"
    "run: {duration: 6s, warmup: 1s}\n";

/* The weights scenario under ops: the utilisation floor (every policy: it
 * is uncapped and overcommitted 2:1), then the 1:2 split for a policy that
 * declares VL_POLICY_WEIGHTS.  Returns 0, or -1 with what failed in msg. */
static int weights_checks(const vl_scenario *scn, const vl_sched_ops *ops, char *msg, size_t len)
{
    vl_model m;
    vl_error err;
    int rc = 0;
    if (tk_run(&m, scn, ops, 0, &err) < 0) {
        snprintf(msg, len, "%s: run failed: %s", ops->name, err.msg);
        rc = -1;
    } else if (utilisation_floor(&m, ops, msg, len) < 0) {
        rc = -1;
    } else if (ops->flags & VL_POLICY_WEIGHTS) {
        double ratio = (double)tk_vm_cpu(&m, 1) / (double)tk_vm_cpu(&m, 0);
        if (ratio < 2.0 * 0.97 || ratio > 2.0 * 1.03) {
            snprintf(msg, len, "%s: 1:2 weights gave 1:%.3f", ops->name, ratio);
            rc = -1;
        }
    }
    vl_model_destroy(&m);
    return rc;
}

static void test_weights_and_utilisation(void **state)
{
    vl_scenario scn;
    era_load(&scn, weights_yaml, state);
    for (int k = 0; k < vl_policy_count(); k++) {
        char msg[600];
        if (weights_checks(&scn, vl_policy_at(k), msg, sizeof msg) < 0)
            fail_msg("weights: %s", msg);
    }
    vl_scenario_free(&scn);
}

static void test_caps_honoured(void **state)
{
    vl_scenario scn;
    era_load(&scn, "scheduler: fifo\n"
    "host: {pcpus: 2}\n"
                  "vms:\n"
                  "  - {name: capped, vcpus: 2, cap: 50, workloads: [{type: cpu, tasks: 2}]}\n"
                  "  - {name: free, vcpus: 1, workloads: [{type: cpu, tasks: 1}]}\n"
                  "run: {duration: 5s, warmup: 1s}\n", state);
    for (int k = 0; k < vl_policy_count(); k++) {
        const vl_sched_ops *ops = vl_policy_at(k);
        if (!(ops->flags & VL_POLICY_CAPS))
            continue;
        vl_model m;
        vl_error err;
        if (tk_run(&m, &scn, ops, 0, &err) < 0)
            fail_msg("%s: run failed: %s", ops->name, err.msg);
        double pcpus_used = (double)tk_vm_cpu(&m, 0) / (double)vl_model_window(&m);
        if (pcpus_used > 0.50 + 0.03 || pcpus_used < 0.50 - 0.03)
            fail_msg("%s: cap 50%% gave %.1f%% of a pCPU", ops->name, 100 * pcpus_used);
        vl_model_destroy(&m);
    }
    vl_scenario_free(&scn);
}

/* ---------------------------------------------------------- a naive policy */

/* A proportional-share policy written the way a newcomer might, from the
 * template's old shape: a queue per pCPU ordered by stride scheduling (the
 * vCPU with the smallest pass runs and advances by 1/weight), an idle pCPU
 * steals, and its own placement - the last pCPU, else the first pCPU that
 * vl_pcpu_is_idle() reports - with a wake-up tickling the chosen pCPU if it
 * idles, else the first idle one (it steals).  vl_pcpu_is_idle() stays true
 * while a tickle is pending, so the eight vCPUs of the weights scenario,
 * which all start at one instant, land on pCPU 0 and, never blocking, stay
 * there: it splits that pCPU 1:2 and passes the mixed scenario, where
 * wake-ups reach the idle pCPUs, but leaves 3 of 4 pCPUs idle. */
#define NAIVE_STRIDE (1LL << 20) /* pass advance of weight 1 */

typedef struct naive_pcpu {
    vl_list queue;
} naive_pcpu;

typedef struct naive_vcpu {
    vl_list link;
    vl_vcpu *v;
    int64_t pass;
} naive_vcpu;

static naive_vcpu *nvc(vl_vcpu *v) { return vl_vcpu_priv(v); }
static vl_list *naive_queue(vl_pcpu *p) { return &((naive_pcpu *)vl_pcpu_priv(p))->queue; }

static int naive_init(vl_sched *s)
{
    for (int i = 0; i < vl_npcpus(s); i++)
        vl_list_init(naive_queue(vl_pcpu_get(s, i)));
    for (int i = 0; i < vl_nvcpus_total(s); i++)
        nvc(vl_vcpu_get(s, i))->v = vl_vcpu_get(s, i);
    return 0;
}

/* The first pCPU of v's affinity that vl_pcpu_is_idle reports, or NULL. */
static vl_pcpu *naive_first_idle(vl_sched *s, vl_vcpu *v)
{
    for (int i = 0; i < vl_npcpus(s); i++)
        if (vl_vcpu_affine(v, vl_pcpu_get(s, i)) && vl_pcpu_is_idle(vl_pcpu_get(s, i)))
            return vl_pcpu_get(s, i);
    return NULL;
}

static vl_pcpu *naive_pick_cpu(vl_sched *s, vl_vcpu *v, vl_pick_reason why)
{
    (void)why;
    vl_pcpu *last = vl_vcpu_pcpu(v), *idle = naive_first_idle(s, v);
    if (last && vl_vcpu_affine(v, last))
        return last;
    if (idle)
        return idle;
    for (int i = 0;; i++)
        if (vl_vcpu_affine(v, vl_pcpu_get(s, i)))
            return vl_pcpu_get(s, i);
}

static vl_pcpu *naive_pick_cpu_default(vl_sched *s, vl_vcpu *v, vl_pick_reason why)
{
    (void)why;
    return vl_pick_cpu_default(s, v);
}

static void naive_wake(vl_sched *s, vl_vcpu *v, vl_wake_reason why, int vector)
{
    (void)why;
    (void)vector;
    vl_pcpu *p = vl_vcpu_pcpu(v), *idle = naive_first_idle(s, v);
    vl_list_push_back(naive_queue(p), &nvc(v)->link);
    if (vl_pcpu_is_idle(p))
        vl_tickle(p);
    else if (idle)
        vl_tickle(idle);
}

/* The smallest pass of p's queue that may run on `self`, or NULL. */
static naive_vcpu *naive_min(vl_pcpu *p, vl_pcpu *self)
{
    naive_vcpu *best = NULL;
    vl_list *pos;
    vl_list_for_each(pos, naive_queue(p)) {
        naive_vcpu *c = vl_container_of(pos, naive_vcpu, link);
        if (vl_vcpu_affine(c->v, self) && (!best || c->pass < best->pass))
            best = c;
    }
    return best;
}

static vl_decision naive_schedule(vl_sched *s, vl_pcpu *p, vl_vcpu *prev, vl_ns now)
{
    (void)now;
    if (prev && vl_vcpu_runstate(prev) == VL_RUNNABLE)
        vl_list_push_back(naive_queue(p), &nvc(prev)->link);
    naive_vcpu *next = naive_min(p, p);
    for (int i = 0; !next && i < vl_npcpus(s); i++) /* steal */
        next = naive_min(vl_pcpu_get(s, i), p);
    if (!next)
        return (vl_decision){.next = NULL, .slice = VL_SLICE_NONE};
    vl_list_del(&next->link);
    next->pass += NAIVE_STRIDE / vl_vm_weight(vl_vcpu_vm(next->v));
    return (vl_decision){.next = next->v, .slice = VL_MS(10)};
}

static const vl_sched_ops naive_ops = {
    .name = "naive",
    .description = "stride scheduling per pCPU, placed with vl_pcpu_is_idle",
    .flags = VL_POLICY_WEIGHTS,
    .pcpu_size = sizeof(naive_pcpu),
    .vcpu_size = sizeof(naive_vcpu),
    .init = naive_init,
    .pick_cpu = naive_pick_cpu,
    .do_schedule = naive_schedule,
    .vcpu_wake = naive_wake,
};

/* The naive policy meets the weights and keeps the mixed scenario's host
 * busy, but the weights scenario's floor catches it; with the default
 * placement it passes that too. */
static void test_naive_policy_caught(void **state)
{
    (void)state;
    vl_scenario scn;
    vl_model m;
    vl_error err;
    char msg[600];
    tk_load(&scn, mixed_yaml);
    if (tk_run(&m, &scn, &naive_ops, 0, &err) < 0)
        fail_msg("mixed: run failed: %s", err.msg);
    if (utilisation_floor(&m, &naive_ops, msg, sizeof msg) < 0)
        fail_msg("mixed: %s", msg);
    vl_model_destroy(&m);
    vl_scenario_free(&scn);

    tk_load(&scn, weights_yaml);
    if (tk_run(&m, &scn, &naive_ops, 0, &err) < 0)
        fail_msg("weights: run failed: %s", err.msg);
    double ratio = (double)tk_vm_cpu(&m, 1) / (double)tk_vm_cpu(&m, 0);
    assert_true(ratio > 2.0 * 0.97 && ratio < 2.0 * 1.03);
    vl_model_destroy(&m);
    assert_int_equal(weights_checks(&scn, &naive_ops, msg, sizeof msg), -1);
    if (!strstr(msg, "naive: host only 25.0% busy under overcommit"))
        fail_msg("unexpected failure: %s", msg);
    vl_sched_ops placed = naive_ops;
    placed.pick_cpu = naive_pick_cpu_default;
    if (weights_checks(&scn, &placed, msg, sizeof msg) < 0)
        fail_msg("with the default placement: %s", msg);
    vl_scenario_free(&scn);
}

/* ------------------------------------------------------- broken policies */

/* A minimal global-FIFO policy whose do_schedule can be sabotaged. */
typedef enum {
    SAB_NONE, SAB_BLOCKED, SAB_DOUBLE, SAB_AFFINITY, SAB_LOSE, SAB_PICK_CPU,
    /* API misuse: each one bad call, then an ordinary decision */
    SAB_PCPU_INDEX, SAB_VM_INDEX, SAB_VCPU_INDEX, SAB_VM_VCPU_INDEX, SAB_COUNTER,
    SAB_TIMER_SLOT, SAB_TIMER_HANDLE, SAB_EXIT_KIND, SAB_REENTER, SAB_PLE_GROW,
    SAB_SERIES_NAME,  /* a series name the reports could not write as it is */
    SAB_MISALIGNED,   /* returns a handle 8 bytes into the vCPU array */
    SAB_TICKLE_SELF,  /* tickles the pCPU it decides for and stays idle */
    SAB_TIMER_LOOP,   /* re-arms a timer for the instant it fires at */
    SAB_HUGE_SLICE,   /* a slice of INT64_MAX: legal, it never expires */
} sabotage;

typedef struct brk_priv {
    sabotage how;
    int queue[64];
    int head, len;
} brk_priv;

static sabotage current_sabotage;

static int brk_init(vl_sched *s)
{
    ((brk_priv *)vl_sched_priv(s))->how = current_sabotage;
    return 0;
}

static void brk_push(brk_priv *b, vl_vcpu *v)
{
    b->queue[(b->head + b->len++) % 64] = vl_vcpu_id(v);
}

static vl_pcpu *brk_pick_cpu(vl_sched *s, vl_vcpu *v, vl_pick_reason why)
{
    (void)why;
    brk_priv *b = vl_sched_priv(s);
    for (int i = 0; i < vl_npcpus(s); i++)
        if (vl_vcpu_affine(v, vl_pcpu_get(s, i)) == (b->how != SAB_PICK_CPU))
            return vl_pcpu_get(s, i);
    return vl_pcpu_get(s, 0);
}

static void brk_wake(vl_sched *s, vl_vcpu *v, vl_wake_reason why, int vector)
{
    (void)why;
    (void)vector;
    brk_push(vl_sched_priv(s), v);
    for (int i = 0; i < vl_npcpus(s); i++)
        if (vl_pcpu_is_idle(vl_pcpu_get(s, i)))
            vl_tickle(vl_pcpu_get(s, i));
}

/* One misuse of the API (the run fails; the call returns harmlessly). */
static void brk_misuse(vl_sched *s, vl_pcpu *p, sabotage how, vl_ns now)
{
    switch (how) {
    case SAB_PCPU_INDEX:
        (void)vl_pcpu_id(vl_pcpu_get(s, vl_npcpus(s)));
        break;
    case SAB_VM_INDEX:
        (void)vl_vm_name(vl_vm_get(s, -1));
        break;
    case SAB_VCPU_INDEX:
        (void)vl_vcpu_runstate(vl_vcpu_get(s, vl_nvcpus_total(s)));
        break;
    case SAB_VM_VCPU_INDEX: {
        vl_vm *d = vl_vm_get(s, 0);
        (void)vl_vcpu_id(vl_vm_vcpu(d, vl_vm_nvcpus(d)));
        break;
    }
    case SAB_COUNTER: /* one past the last counter */
        vl_counter_add(s, 1, 1);
        break;
    case SAB_TIMER_SLOT:
        vl_timer_arm(s, p, VL_TIMER_SLOTS, now + 1);
        break;
    case SAB_TIMER_HANDLE:
        vl_timer_arm(s, (vl_pcpu *)((char *)p + 8), 0, now + 1);
        break;
    case SAB_EXIT_KIND:
        (void)vl_vcpu_exits(vl_vcpu_get(s, 0), VL_NR_EXIT_KINDS);
        break;
    case SAB_TIMER_LOOP:
        vl_timer_arm(s, NULL, 0, now);
        break;
    case SAB_REENTER: /* only vcpu_yield may ask for it */
        vl_yield_reenter(vl_vcpu_get(s, 0));
        break;
    case SAB_PLE_GROW:
        vl_sched_set_ple_grow_default(s, 0);
        break;
    case SAB_SERIES_NAME:
        vl_sched_series(s, vl_vm_get(s, 0), "a,b", 0, 1.0);
        break;
    default:
        break;
    }
}

static void brk_timer(vl_sched *s, vl_pcpu *p, int slot, vl_ns now)
{
    vl_timer_arm(s, p, slot, now);
}

static vl_decision brk_schedule(vl_sched *s, vl_pcpu *p, vl_vcpu *prev, vl_ns now)
{
    brk_priv *b = vl_sched_priv(s);
    vl_decision d = {.next = NULL, .slice = b->how == SAB_HUGE_SLICE ? INT64_MAX : VL_MS(5)};
    brk_misuse(s, p, b->how, now);
    switch (b->how) {
    case SAB_BLOCKED: /* runs vCPU 0 whatever its state */
        d.next = vl_vcpu_get(s, 0);
        if (prev && prev != d.next && vl_vcpu_runstate(prev) == VL_RUNNABLE)
            brk_push(b, prev);
        return d;
    case SAB_DOUBLE: /* every pCPU runs vCPU 0 */
        d.next = vl_vcpu_get(s, 0);
        return d;
    case SAB_MISALIGNED:
        d.next = (vl_vcpu *)((char *)vl_vcpu_get(s, 0) + 8);
        return d;
    case SAB_TICKLE_SELF:
        vl_tickle(p);
        d.slice = VL_SLICE_NONE;
        return d;
    default: /* a correct global FIFO, before or after one misuse */
    case SAB_AFFINITY: /* ignores affinity when taking from the queue */
    case SAB_LOSE:     /* forgets a preempted prev */
    case SAB_PICK_CPU:
        if (prev && vl_vcpu_runstate(prev) == VL_RUNNABLE && b->how != SAB_LOSE)
            brk_push(b, prev);
        for (int n = 0; n < b->len; n++) {
            vl_vcpu *v = vl_vcpu_get(s, b->queue[b->head]);
            b->head = (b->head + 1) % 64;
            b->len--;
            if (b->how == SAB_AFFINITY || vl_vcpu_affine(v, p)) {
                d.next = v;
                return d;
            }
            brk_push(b, v);
        }
        d.slice = VL_SLICE_NONE;
        return d;
    }
    return d;
}

static void brk_dump(vl_sched *s, FILE *out)
{
    brk_priv *b = vl_sched_priv(s);
    fprintf(out, "broken: %d queued\n", b->len);
}

static const char *const brk_counters[] = {"misuses", NULL};

static const vl_sched_ops broken_ops = {
    .name = "broken",
    .description = "sabotaged on purpose",
    .counters = brk_counters,
    .timer_fired = brk_timer,
    .priv_size = sizeof(brk_priv),
    .init = brk_init,
    .pick_cpu = brk_pick_cpu,
    .do_schedule = brk_schedule,
    .vcpu_wake = brk_wake,
    .dump = brk_dump,
};

/* The run stops with a report naming the policy, the hook, the time and
 * the fault; a failure after the start comes with the policy's dump. */
static void expect_caught(sabotage how, const char *yaml, const char *hook, const char *what)
{
    vl_scenario scn;
    vl_model m;
    vl_error err;
    tk_load(&scn, yaml);
    current_sabotage = how;
    assert_int_equal(tk_run(&m, &scn, &broken_ops, 0, &err), -1);
    if (!strstr(err.msg, "policy 'broken'") || !strstr(err.msg, hook) ||
        !strstr(err.msg, "at t=") || !strstr(err.msg, what))
        fail_msg("unexpected report: %s", err.msg);
    assert_true(m.hv.failed);
    if (how == SAB_PICK_CPU) /* at the start */
        assert_null(m.policy_state);
    else if (!m.policy_state || !strstr(m.policy_state, "broken: ") ||
             !strstr(m.policy_state, " queued\n"))
        fail_msg("no policy dump with the report: %s", m.policy_state ? m.policy_state : "NULL");
    vl_model_destroy(&m);
    vl_scenario_free(&scn);
}

static const char two_vms_yaml[] =
    "scheduler: fifo\n"
    "host: {pcpus: 2}\n"
    "vms:\n"
    "  - name: a\n"
    "    vcpus: 2\n"
    "    workloads: [{type: think, tasks: 2, burst: 1ms, think: 1ms}]\n"
    "  - name: b\n"
    "    vcpus: 2\n"
    "    affinity: \"1\"\n"
    "    workloads: [{type: cpu, tasks: 2}]\n"
    "run: {duration: 5s}\n";

static const char one_pcpu_yaml[] =
    "scheduler: fifo\n"
    "host: {pcpus: 1}\n"
    "vms:\n"
    "  - name: a\n"
    "    vcpus: 1\n"
    "    workloads: [{type: think, tasks: 1, burst: 1ms, think: 1ms}]\n"
    "run: {duration: 1s}\n";

static void test_broken_policies_caught(void **state)
{
    (void)state;
    expect_caught(SAB_BLOCKED, one_pcpu_yaml, "hook do_schedule", "which is blocked");
    expect_caught(SAB_DOUBLE, two_vms_yaml, "hook do_schedule", "which is running on pCPU");
    expect_caught(SAB_AFFINITY, two_vms_yaml, "hook do_schedule", "outside its affinity");
    expect_caught(SAB_PICK_CPU, two_vms_yaml, "hook pick_cpu", "outside its affinity");
    expect_caught(SAB_LOSE, two_vms_yaml, "hook watchdog", "without running");
}

/* Every argument check of the API fails the run the same way, in every
 * build, and the call returns something harmless: no crash, no abort. */
static void test_api_misuse_caught(void **state)
{
    (void)state;
    const char *ds = "hook do_schedule";
    expect_caught(SAB_PCPU_INDEX, two_vms_yaml, ds, "vl_pcpu_get: pCPU 2 out of range (0..1)");
    expect_caught(SAB_VM_INDEX, two_vms_yaml, ds, "vl_vm_get: VM -1 out of range (0..1)");
    expect_caught(SAB_VCPU_INDEX, two_vms_yaml, ds, "vl_vcpu_get: vCPU 4 out of range (0..3)");
    expect_caught(SAB_VM_VCPU_INDEX, two_vms_yaml, ds, "vl_vm_vcpu: vCPU index 2 out of range");
    expect_caught(SAB_COUNTER, two_vms_yaml, ds, "vl_counter_add: counter 1 out of range (0..0)");
    expect_caught(SAB_TIMER_SLOT, two_vms_yaml, ds, "vl_timer_arm: timer slot 4 out of range");
    expect_caught(SAB_TIMER_HANDLE, two_vms_yaml, ds, "vl_timer_arm: not a pCPU handle");
    expect_caught(SAB_EXIT_KIND, two_vms_yaml, ds, "vl_vcpu_exits: exit kind 6 out of range");
    expect_caught(SAB_MISALIGNED, two_vms_yaml, ds, "a vCPU handle the core does not own");
    expect_caught(SAB_REENTER, two_vms_yaml, ds,
                  "vl_yield_reenter: a.v0 is not the vCPU whose vcpu_yield runs");
    expect_caught(SAB_PLE_GROW, two_vms_yaml, ds,
                  "vl_sched_set_ple_grow_default: 0 is not in 1..64");
    expect_caught(SAB_SERIES_NAME, two_vms_yaml, ds,
                  "vl_sched_series: name \"a,b\" is not 1..64 letters");
}

/* Simulated time always advances: a policy that reschedules one pCPU, or
 * fires its timers, forever at one instant fails; a slice of INT64_MAX
 * never expires (no overflow of now + slice) and the run ends on time. */
static void test_livelock_and_slices(void **state)
{
    (void)state;
    expect_caught(SAB_TICKLE_SELF, two_vms_yaml, "hook do_schedule",
                  "pCPU 0 rescheduled 1001 times at one instant (limit 1000)");
    expect_caught(SAB_TIMER_LOOP, two_vms_yaml, "hook timer_fired",
                  "instance slot 0): simulated time cannot advance");

    vl_scenario scn;
    vl_model m;
    vl_error err;
    tk_load(&scn, one_pcpu_yaml); /* its one vCPU blocks: nobody starves */
    current_sabotage = SAB_HUGE_SLICE;
    assert_int_equal(tk_run(&m, &scn, &broken_ops, 0, &err), 0);
    assert_false(m.hv.failed);
    assert_int_equal(m.hv.sim.now, VL_S(1));
    vl_model_destroy(&m);
    vl_scenario_free(&scn);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_conservation_and_no_double_run),
        cmocka_unit_test_prestate(test_conservation_and_no_double_run, (void *)era_3_2),
        cmocka_unit_test(test_no_lost_wakeup_no_starvation),
        cmocka_unit_test_prestate(test_no_lost_wakeup_no_starvation, (void *)era_3_2),
        cmocka_unit_test(test_weights_and_utilisation),
        cmocka_unit_test_prestate(test_weights_and_utilisation, (void *)era_3_2),
        cmocka_unit_test(test_naive_policy_caught),
        cmocka_unit_test(test_caps_honoured),
        cmocka_unit_test_prestate(test_caps_honoured, (void *)era_3_2),
        cmocka_unit_test(test_broken_policies_caught),
        cmocka_unit_test(test_api_misuse_caught),
        cmocka_unit_test(test_livelock_and_slices),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
