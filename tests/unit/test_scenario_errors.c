/* test_scenario_errors.c - the scenario loader on bad input: one test per
 * error class, each asserting the reported file, line, column and part of
 * the message, that the message is one line and that the output scenario is
 * left empty.
 *
 * Registers its own policies and workload types (see test_scenario.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "vcpulab/scenario.h"
#include "vl_dist.h"
#include "workload/workload.h"

/* ---- test policies and workload types ----------------------------------- */

typedef struct tp_priv {
    int64_t count;
    vl_ns slice;
    bool boost;
    double ratio;
    int mode;
} tp_priv;

typedef struct tp_vm {
    int64_t prio;
    vl_ns budget;
} tp_vm;

static const char *const tp_modes[] = {"fast", "fair", "slow", NULL};

static const vl_param tp_params[] = {
    {"count", VL_PARAM_INT, offsetof(tp_priv, count), 5, 1, 100, "credits", "a count", NULL},
    {"slice", VL_PARAM_TIME, offsetof(tp_priv, slice), 30e6, 1e6, 1e9, "ns", "a slice", NULL},
    {"boost", VL_PARAM_BOOL, offsetof(tp_priv, boost), 1, 0, 0, NULL, "a flag", NULL},
    {"ratio", VL_PARAM_DOUBLE, offsetof(tp_priv, ratio), 0.5, 0, 1, NULL, "a ratio", NULL},
    {"mode", VL_PARAM_ENUM, offsetof(tp_priv, mode), 1, 0, 0, NULL, "a mode", tp_modes},
    VL_PARAM_END,
};

static const vl_param tp_vm_params[] = {
    {"prio", VL_PARAM_INT, offsetof(tp_vm, prio), 0, -10, 10, NULL, "a priority", NULL},
    {"budget", VL_PARAM_TIME, offsetof(tp_vm, budget), 1e6, 0, 1e9, "ns", "a budget", NULL},
    VL_PARAM_END,
};

/* A table that does not fit its declared struct size (a policy bug). */
static const vl_param bad_params[] = {
    {"big", VL_PARAM_INT, 64, 0, 0, 10, NULL, "out of bounds", NULL},
    VL_PARAM_END,
};

static int tp_init(vl_sched *s)
{
    (void)s;
    return 0;
}

static vl_pcpu *tp_pick_cpu(vl_sched *s, vl_vcpu *v, vl_pick_reason why)
{
    (void)s, (void)v, (void)why;
    return NULL;
}

static vl_decision tp_do_schedule(vl_sched *s, vl_pcpu *p, vl_vcpu *prev, vl_ns now)
{
    (void)s, (void)p, (void)prev, (void)now;
    return (vl_decision){NULL, VL_SLICE_NONE};
}

/* Rules beyond the ranges: ratio is 0 or at least 0.25; mode slow allows
 * a count of at most 3 (the default, 5, too much); a VM's budget is 0 or
 * at least 100us. */
static int tp_check(const void *params, vl_param_scope scope, vl_param_fault *fault)
{
    if (scope == VL_PARAMS_VM) {
        const tp_vm *t = params;
        if (t->budget == 0 || t->budget >= VL_US(100))
            return 0;
        fault->param = "budget";
        snprintf(fault->msg, sizeof fault->msg, "must be 0 or at least 100us");
        return -1;
    }
    const tp_priv *t = params;
    if (t->ratio != 0 && t->ratio < 0.25) {
        fault->param = "ratio";
        snprintf(fault->msg, sizeof fault->msg, "must be 0 or at least 0.25");
        return -1;
    }
    if (t->mode == 2 && t->count > 3) {
        fault->param = "count";
        snprintf(fault->msg, sizeof fault->msg, "must be at most 3 with mode slow");
        return -1;
    }
    return 0;
}

static const vl_sched_ops testpol = {
    .name = "testpol",
    .check = tp_check,
    .params = tp_params,
    .vm_params = tp_vm_params,
    .priv_size = sizeof(tp_priv),
    .vm_size = sizeof(tp_vm),
    .init = tp_init,
    .pick_cpu = tp_pick_cpu,
    .do_schedule = tp_do_schedule,
};
VL_REGISTER_POLICY(testpol);

static const vl_sched_ops testpol2 = {
    .name = "testpol2",
    .init = tp_init,
    .pick_cpu = tp_pick_cpu,
    .do_schedule = tp_do_schedule,
};
VL_REGISTER_POLICY(testpol2);

/* Per-VM and per-vCPU parameters; a vCPU's budget must not exceed its
 * period. */
typedef struct rt_vm {
    int64_t prio;
} rt_vm;

typedef struct rt_vcpu {
    vl_ns budget, period;
    bool extra;
} rt_vcpu;

static const vl_param rt_vm_params[] = {
    {"prio", VL_PARAM_INT, offsetof(rt_vm, prio), 1, 0, 9, NULL, "a priority", NULL},
    VL_PARAM_END,
};

static const vl_param rt_vcpu_params[] = {
    {"budget", VL_PARAM_TIME, offsetof(rt_vcpu, budget), 4e6, 1e4, 1e9, "ns", "a budget", NULL},
    {"period", VL_PARAM_TIME, offsetof(rt_vcpu, period), 10e6, 1e4, 1e9, "ns", "a period", NULL},
    {"extra", VL_PARAM_BOOL, offsetof(rt_vcpu, extra), 0, 0, 0, NULL, "a flag", NULL},
    VL_PARAM_END,
};

static int rt_check(const void *params, vl_param_scope scope, vl_param_fault *fault)
{
    const rt_vcpu *v = params;
    if (scope != VL_PARAMS_VCPU || v->budget <= v->period)
        return 0;
    fault->param = "budget";
    snprintf(fault->msg, sizeof fault->msg, "must not exceed the period");
    return -1;
}

static const vl_sched_ops testrt = {
    .name = "testrt",
    .check = rt_check,
    .vm_params = rt_vm_params,
    .vcpu_params = rt_vcpu_params,
    .vm_size = sizeof(rt_vm),
    .vcpu_size = sizeof(rt_vcpu),
    .init = tp_init,
    .pick_cpu = tp_pick_cpu,
    .do_schedule = tp_do_schedule,
};
VL_REGISTER_POLICY(testrt);

/* A per-vCPU table naming a per-VM parameter (a policy bug). */
static const vl_sched_ops testrtbad = {
    .name = "testrtbad",
    .vm_params = rt_vm_params,
    .vcpu_params = rt_vm_params,
    .vm_size = sizeof(rt_vm),
    .vcpu_size = sizeof(rt_vm),
    .init = tp_init,
    .pick_cpu = tp_pick_cpu,
    .do_schedule = tp_do_schedule,
};
VL_REGISTER_POLICY(testrtbad);

static const vl_sched_ops testbadpol = {
    .name = "testbadpol",
    .params = bad_params,
    .priv_size = 8,
    .init = tp_init,
    .pick_cpu = tp_pick_cpu,
    .do_schedule = tp_do_schedule,
};
VL_REGISTER_POLICY(testbadpol);

typedef struct tw_params {
    int64_t tasks;
    double util;
    vl_ns period;
    vl_dist burst;
} tw_params;

static const vl_param tw_table[] = {
    {"tasks", VL_PARAM_INT, offsetof(tw_params, tasks), 1, 1, 64, "tasks", "tasks", NULL},
    {"util", VL_PARAM_DOUBLE, offsetof(tw_params, util), 1, 0, 1, NULL, "utilisation", NULL},
    {"period", VL_PARAM_TIME, offsetof(tw_params, period), 10e6, 0, 1e9, "ns", "period", NULL},
    {"burst", VL_PARAM_DIST, offsetof(tw_params, burst), 1e6, 0, 1e9, "ns", "burst", NULL},
    VL_PARAM_END,
};

static int tw_create(struct vl_guest *g, struct vl_workload *w, const void *params)
{
    (void)g, (void)w, (void)params;
    return 0;
}

static const vl_workload_type testwork = {
    .name = "testwork",
    .params = tw_table,
    .params_size = sizeof(tw_params),
    .create = tw_create,
};
VL_REGISTER_WORKLOAD(testwork);

static const vl_workload_type testidle = {
    .name = "testidle",
    .create = tw_create,
};
VL_REGISTER_WORKLOAD(testidle);

/* ---- helpers ------------------------------------------------------------ */

static void check_empty(const vl_scenario *s)
{
    vl_scenario zero;
    memset(&zero, 0, sizeof zero);
    assert_memory_equal(s, &zero, sizeof zero);
}

static void expect_err_sets(const char *text, const char *const *sets, int nsets,
                            const char *file, int line, int col, const char *sub)
{
    vl_scenario s;
    vl_error err;
    char buf[1024];
    memset(&err, 0, sizeof err);
    memset(&s, 0x5a, sizeof s);
    int rc = vl_scenario_load_string("t.yaml", text, strlen(text), sets, nsets, &s, &err);
    vl_error_format(&err, buf, sizeof buf);
    if (rc != -1 || strcmp(err.file, file) != 0 || err.line != line || err.col != col ||
        !strstr(err.msg, sub))
        fail_msg("input:\n%s\nexpected %s:%d:%d: ...%s...\n     got [rc %d] %s", text, file, line,
                 col, sub, rc, rc ? buf : "(success)");
    assert_null(strchr(err.msg, '\n'));
    check_empty(&s);
}

static void expect_err(const char *text, int line, int col, const char *sub)
{
    expect_err_sets(text, NULL, 0, "t.yaml", line, col, sub);
}

static void expect_set_err(const char *text, const char *set, int n, int col, const char *sub)
{
    const char *sets[] = {"run.seed=3", set};
    if (n == 1)
        expect_err_sets(text, &set, 1, "--set", 1, col, sub);
    else
        expect_err_sets(text, sets, 2, "--set", 2, col, sub);
}

#define H "host: {pcpus: 4}\n"
#define S "scheduler: testpol\n"
#define V "vms: [{name: a, vcpus: 1}]\n"
#define R "run: {duration: 1s}\n"
#define GOOD H S V R
/* A VM block whose next line (line 6) is the line under test. */
#define VM_PRE H S "vms:\n  - name: a\n    vcpus: 1\n"
/* A workload whose next line (line 8, column 9) is the line under test. */
#define WL_PRE VM_PRE "    workloads:\n      - type: testwork\n"

/* ---- unknown keys ------------------------------------------------------- */

static void test_unknown_key_top(void **state)
{
    (void)state;
    expect_err(GOOD "extra: 1\n", 5, 1, "unknown key 'extra' at the top level (valid keys: "
                                        "name, host, scheduler, params, vms, run)");
    expect_err("Host: {pcpus: 4}\n" S V R, 1, 1, "unknown key 'Host'");
}

static void test_unknown_key_host(void **state)
{
    (void)state;
    expect_err("host:\n  pcpus: 4\n  cpus: 4\n" S V R, 3, 3,
               "unknown key 'cpus' in host (valid keys: pcpus, sockets");
    expect_err("host:\n  pcpus: 4\n  costs:\n    world_switch: 1us\n    ipi: 1us\n" S V R, 5, 5,
               "unknown key 'ipi' in host.costs (valid keys: world_switch, exit_entry, "
               "migration, host_ipi, ipi_delivery)");
    expect_err(H S V "run:\n  duration: 1s\n  sead: 1\n", 6, 3, "unknown key 'sead' in run");
}

static void test_unknown_key_vm(void **state)
{
    (void)state;
    expect_err(VM_PRE "    wieght: 3\n" R, 6, 5,
               "unknown key 'wieght' in vms[0] (valid keys: name, vcpus, weight, cap, affinity, "
               "guest, params, io_backends, workloads)");
    expect_err(VM_PRE "    guest: {hz: 99}\n" R, 6, 17, "vms[a].guest.hz");
}

static void test_unknown_key_workload(void **state)
{
    (void)state;
    expect_err(WL_PRE "        taks: 3\n" R, 8, 9,
               "unknown key 'taks' in vms[a].workloads[testwork] (valid keys: type, name, io_bound, "
               "tasks, util, period, burst)");
    /* a type without parameters accepts only type, name and io_bound */
    expect_err(VM_PRE "    workloads:\n      - type: testidle\n        x: 1\n" R, 8, 9,
               "unknown key 'x' in vms[a].workloads[testidle] (valid keys: type, name, "
               "io_bound)");
    expect_err(WL_PRE "        io_bound: maybe\n" R, 8, 19, "vms[a].workloads[testwork].io_bound");
}

static void test_unknown_key_params(void **state)
{
    (void)state;
    expect_err(H S "params:\n  testpol:\n    slices: 1ms\n" V R, 5, 5,
               "unknown key 'slices' in params.testpol (valid keys: count, slice, boost, ratio, "
               "mode)");
    /* a policy without a parameter table: every key is unknown */
    expect_err(H S "params:\n  testpol2:\n    x: 1\n" V R, 5, 5,
               "unknown key 'x' in params.testpol2 (policy 'testpol2' has no parameters here)");
    /* per-VM tables are separate from host tables */
    expect_err(VM_PRE "    params:\n      testpol: {count: 1}\n" R, 7, 17,
               "unknown key 'count' in vms[a].params.testpol (valid keys: prio, budget)");
    /* a table that does not fit its struct is reported, not written */
    expect_err(H S "params:\n  testbadpol: {big: 1}\n" V R, 4, 3,
               "internal error: parameter 'big' of policy 'testbadpol' does not fit");
}

/* ---- names that are not registered -------------------------------------- */

static void test_unknown_policy(void **state)
{
    (void)state;
    expect_err(H "scheduler: nosuch\n" V R, 2, 12, "scheduler: unknown policy 'nosuch'");
    expect_err(H "scheduler: nosuch\n" V R, 2, 12, "testpol, testpol2");
    expect_err(H S "params:\n  testpol: {}\n  nosuch: {}\n" V R, 5, 3,
               "params: unknown policy 'nosuch' (registered policies:");
    expect_err(VM_PRE "    params: {nosuch: {}}\n" R, 6, 14,
               "vms[a].params: unknown policy 'nosuch'");
    expect_err(H "scheduler: [a]\n" V R, 2, 12, "expected a policy name, got a sequence");
}

static void test_unknown_workload_type(void **state)
{
    (void)state;
    expect_err(VM_PRE "    workloads:\n      - type: nosuch\n" R, 7, 15,
               "vms[a].workloads[0].type: unknown workload type 'nosuch' (registered types:");
    expect_err(VM_PRE "    workloads:\n      - type: nosuch\n" R, 7, 15, "testidle, testwork");
}

/* ---- wrong types -------------------------------------------------------- */

static void test_wrong_type(void **state)
{
    (void)state;
    expect_err("host: [1, 2]\n" S V R, 1, 7, "host: expected a mapping, got a sequence");
    expect_err(VM_PRE "    weight: abc\n" R, 6, 13,
               "vms[a].weight: expected an integer, got 'abc'");
    expect_err(VM_PRE "    weight: 1.5\n" R, 6, 13, "expected an integer, got '1.5'");
    expect_err(VM_PRE "    weight:\n" R, 6, 12, "expected an integer, got an empty value");
    expect_err(H S "vms: {a: 1}\n" R, 3, 6, "vms: expected a sequence, got a mapping");
    expect_err(H S "vms: [7]\n" R, 3, 7, "vms[0]: expected a mapping, got '7'");
    expect_err(VM_PRE "    workloads: {type: testwork}\n" R, 6, 16,
               "vms[a].workloads: expected a sequence, got a mapping");
    expect_err(H S "params: {testpol: {boost: yes}}\n" V R, 3, 27,
               "params.testpol.boost: expected true or false, got 'yes'");
    expect_err(H S "params: {testpol: {ratio: half}}\n" V R, 3, 27,
               "params.testpol.ratio: expected a number, got 'half'");
    expect_err(H S "params: {testpol: {ratio: nan}}\n" V R, 3, 27, "expected a number, got 'nan'");
    expect_err(H S "params: {testpol: {mode: turbo}}\n" V R, 3, 26,
               "params.testpol.mode: expected one of fast, fair, slow, got 'turbo'");
    expect_err(H S "params: {testpol: [1]}\n" V R, 3, 19,
               "params.testpol: expected a mapping, got a sequence");
    expect_err(H S V "run: {duration: 1s, seed: -1}\n", 4, 27,
               "run.seed: expected an unsigned integer, got '-1'");
    expect_err("name: 'a b'\n" GOOD, 1, 7, "name: expected a name made of [A-Za-z0-9_.-]");
    expect_err("name: a1234567890123456789012345678901234567890123456789012345678901234\n" GOOD,
               1, 7, "name: a name must be shorter than 64 characters, got 65");
    expect_err("name: 'a b 4567890123456789012345678901234567890123456789012345678901234'\n" GOOD,
               1, 7, "got 'a b 456789012345678901234567890123456789...'");
    expect_err(H S "params: {testpol: {ratio: 1e}}\n" V R, 3, 27, "expected a number, got '1e'");
    expect_err(H S "vms: [{name: \"a\\tb\", vcpus: 1}]\n" R, 3, 14, "got 'a?b'");
    expect_err(WL_PRE "        burst: [1ms]\n" R, 8, 16,
               "burst: expected a duration or a mapping like {dist: exponential, mean: 1ms}");
    expect_err("- 1\n", 1, 1, "scenario: expected a mapping, got a sequence");
    expect_err("", 1, 1, "empty scenario");
    expect_err("# only a comment\n", 1, 1, "empty scenario");
}

/* ---- out of range ------------------------------------------------------- */

static void test_out_of_range(void **state)
{
    (void)state;
    expect_err("host: {pcpus: 0}\n" S V R, 1, 15, "host.pcpus: must be in 1..4096, got '0'");
    expect_err("host: {pcpus: 99999999999999999999}\n" S V R, 1, 15, "must be in 1..4096");
    expect_err(VM_PRE "    weight: 70000\n" R, 6, 13, "vms[a].weight: must be in 1..65535");
    expect_err(VM_PRE "    cap: 101\n" R, 6, 10, "vms[a].cap: must be in 0..100, got '101'");
    expect_err(H S "vms: [{name: a, vcpus: 1025}]\n" R, 3, 24, "vms[a].vcpus: must be in 1..1024");
    expect_err("host: {pcpus: 4, watchdog: 0}\n" S V R, 1, 28,
               "host.watchdog: must be in 1ms..3600s, got '0'");
    expect_err("host: {pcpus: 4, costs: {migration: 11ms}}\n" S V R, 1, 37,
               "host.costs.migration: must be in 0ns..10ms, got '11ms'");
    expect_err(H S V "run: {duration: 86401s}\n", 4, 17, "run.duration: must be in 1ns..86400s");
    expect_err(H S V "run: {duration: 0}\n", 4, 17, "run.duration: must be in 1ns..86400s");
    expect_err(H S V "run: {duration: 1s, seed: 18446744073709551616}\n", 4, 27,
               "run.seed: must be in 0..18446744073709551615");
    /* policy parameters: range with the table's unit */
    expect_err(H S "params: {testpol: {count: 500}}\n" V R, 3, 27,
               "params.testpol.count: must be in 1..100 credits, got '500'");
    expect_err(H S "params: {testpol: {slice: 5s}}\n" V R, 3, 27,
               "params.testpol.slice: must be in 1ms..1s, got '5s'");
    expect_err(H S "params: {testpol: {ratio: 1.5}}\n" V R, 3, 27,
               "params.testpol.ratio: must be in 0..1, got '1.5'");
    expect_err(VM_PRE "    params: {testpol: {prio: -11}}\n" R, 6, 30,
               "vms[a].params.testpol.prio: must be in -10..10, got '-11'");
    expect_err(WL_PRE "        tasks: 65\n" R, 8, 16,
               "vms[a].workloads[testwork].tasks: must be in 1..64 tasks, got '65'");
    expect_err(WL_PRE "        burst: 2s\n" R, 8, 16,
               "vms[a].workloads[testwork].burst: must be in 0ns..1s, got '2s'");
}

/* ---- distributions ------------------------------------------------------ */

static void test_bad_dist(void **state)
{
    (void)state;
    expect_err(WL_PRE "        burst: {dist: normal, mean: 1ms}\n" R, 8, 23,
               "burst.dist: expected one of constant, uniform, exponential, lognormal, pareto, "
               "empirical, got 'normal'");
    expect_err(WL_PRE "        burst: {mean: 1ms}\n" R, 8, 16,
               "missing required key 'dist' in vms[a].workloads[testwork].burst");
    expect_err(WL_PRE "        burst: {dist: exponential, mean: 1ms, sd: 1ms}\n" R, 8, 47,
               "unknown key 'sd' in vms[a].workloads[testwork].burst (valid keys: dist, mean)");
    expect_err(WL_PRE "        burst: {dist: lognormal, mean: 1ms}\n" R, 8, 16,
               "missing required key 'sd'");
    expect_err(WL_PRE "        burst: {dist: exponential, mean: 1000}\n" R, 8, 42,
               "burst.mean: expected a duration like 30ms");
    expect_err(WL_PRE "        burst: {dist: uniform, min: 3us, max: 1us}\n" R, 8, 16,
               "burst: uniform min (3000) must be <= max (1000)");
    expect_err(WL_PRE "        burst: {dist: exponential, mean: 0}\n" R, 8, 16,
               "exponential mean must be > 0");
    expect_err(WL_PRE "        burst: {dist: pareto, scale: 1us, shape: fast}\n" R, 8, 50,
               "burst.shape: expected a number, got 'fast'");
    expect_err(WL_PRE "        burst: {dist: empirical, values: [1us, 2us], cdf: [1]}\n" R, 8,
               59, "burst.cdf: must have as many points as values (2), got 1");
    expect_err(WL_PRE "        burst: {dist: empirical, values: [], cdf: []}\n" R, 8, 42,
               "burst.values: must have 1..64 points, got 0");
    expect_err(WL_PRE "        burst: {dist: empirical, values: [1us, 5s], cdf: [0.5, 1]}\n" R,
               8, 48, "burst.values[1]: must be in 0ns..1s, got '5s'");
    expect_err(WL_PRE "        burst: {dist: empirical, values: [1us, 2us], cdf: [0.7, 0.5]}\n" R,
               8, 16, "vms[a].workloads[testwork].burst: ");
}

/* ---- duplicates --------------------------------------------------------- */

static void test_duplicate_key(void **state)
{
    (void)state;
    expect_err("host:\n  pcpus: 4\n  pcpus: 8\n" S V R, 3, 3,
               "duplicate key 'pcpus' (first given at 2:3)");
    expect_err(GOOD "host: {pcpus: 2}\n", 5, 1, "duplicate key 'host' (first given at 1:1)");
}

static void test_duplicate_vm_name(void **state)
{
    (void)state;
    expect_err(H S "vms:\n  - {name: web, vcpus: 1}\n  - {name: web, vcpus: 2}\n" R, 5, 12,
               "vms[1].name: duplicate VM name 'web' (first at 4:12)");
}

/* The host VM's name is taken; the receive interrupt needs a vCPU of the
 * VM; host.io values are checked like any parameter table. */
static void test_io_settings(void **state)
{
    (void)state;
    expect_err(H S "vms:\n  - {name: host, vcpus: 1}\n" R, 4, 12,
               "vms[0].name: the name 'host' is reserved for the host's I/O backends");
    expect_err(H S "vms:\n  - {name: a, vcpus: 2, guest: {rx_vcpu: 2}}\n" R, 4, 42,
               "vms[a].guest.rx_vcpu: must be one of the VM's vCPUs (0 to 1), got 2");
    expect_err(H S "vms:\n  - {name: a, vcpus: 2, io_backends: per-vm}\n" R, 4, 38,
               "vms[a].io_backends: expected one of shared, per-device, got 'per-vm'");
    expect_err(H S "vms:\n  - {name: a, vcpus: 2, io_backends: [shared]}\n" R, 4, 38,
               "vms[a].io_backends: expected one of shared, per-device, got a sequence");
    expect_err("host: {pcpus: 2, io: {link_gbps: 0}}\n" S V R, 1, 34, "link_gbps");
    expect_err("host: {pcpus: 2, io: {disk: 1}}\n" S V R, 1, 23, "unknown key 'disk'");
    expect_err(H S "vms:\n  - {name: a, vcpus: 2, guest: {spinlock: unfair, pv_spinlocks: true}}\n"
                   R, 4, 43, "unfair locks and pv_spinlocks exclude each other");
    expect_err(H S "vms:\n  - {name: a, vcpus: 2, guest: {spinlock: unfair}}\n" R, 4, 43,
               "unfair locks and pv_spinlocks exclude each other"); /* the default is PV */
    expect_err(H S "vms:\n  - {name: a, vcpus: 2, guest: {kernel: \"2.6.38\", virt: pv}}\n" R, 4,
               57, "no paravirtual spinlocks for HVM guests");
    expect_err(H S "vms:\n  - {name: a, vcpus: 2, guest: {kernel: \"2.6.38\"}}\n" R, 4, 41,
               "no paravirtual spinlocks for HVM guests"); /* virt defaults to pv */
    expect_err(H S "vms:\n  - {name: a, vcpus: 2, guest: {kernel: \"5.0\"}}\n" R, 4, 41,
               "2.6.38");
}

static void test_duplicate_workload_name(void **state)
{
    (void)state;
    expect_err(VM_PRE "    workloads:\n      - {type: testwork, name: w}\n"
                      "      - {type: testidle, name: w}\n" R,
               8, 32, "vms[a].workloads: duplicate workload name 'w' (first at 7:9)");
    /* an explicit name may collide with a default one */
    expect_err(VM_PRE "    workloads:\n      - {type: testwork}\n"
                      "      - {type: testidle, name: testwork}\n" R,
               8, 32, "duplicate workload name 'testwork'");
}

/* ---- durations and affinity --------------------------------------------- */

static void test_bad_duration(void **state)
{
    (void)state;
    expect_err("host: {pcpus: 4, watchdog: 10}\n" S V R, 1, 28,
               "host.watchdog: expected a duration like 30ms, got '10' (digits, an optional "
               "fraction, a unit: ns, us, ms, s)");
    expect_err("host: {pcpus: 4, watchdog: 10 ms}\n" S V R, 1, 28, "got '10 ms'");
    expect_err("host: {pcpus: 4, watchdog: abc}\n" S V R, 1, 28, "got 'abc'");
    expect_err("host: {pcpus: 4, watchdog: 1.0000000001s}\n" S V R, 1, 28,
               "expected a duration like 30ms");
    expect_err(H S "params: {testpol: {slice: -1ms}}\n" V R, 3, 27,
               "params.testpol.slice: expected a duration like 30ms");
    expect_err(H S V "run: {duration: 1m}\n", 4, 17, "run.duration: expected a duration");
    /* too long for 64 bits: the range, not the syntax; an exponent: the syntax */
    expect_err(H S V "run: {duration: 31536000000s}\n", 4, 17,
               "run.duration: must be in 1ns..86400s, got '31536000000s'");
    expect_err(H S V "run: {duration: 1e3ms}\n", 4, 17, "run.duration: expected a duration");
}

static void test_bad_affinity(void **state)
{
    (void)state;
    expect_err(VM_PRE "    affinity: 0-4\n" R, 6, 15,
               "vms[a].affinity: pCPU 4 does not exist: the host has 4 pCPUs (0..3)");
    expect_err(VM_PRE "    affinity: 3-1\n" R, 6, 15, "reversed range 3-1 in cpu list");
    expect_err(VM_PRE "    affinity: \"1,,2\"\n" R, 6, 15,
               "expected a cpu list like \"0-3,8\" or a sequence of pCPU ids, got '1,,2'");
    expect_err(VM_PRE "    affinity: \"1-\"\n" R, 6, 15, "expected a cpu list");
    expect_err(VM_PRE "    affinity: [0, 9]\n" R, 6, 19,
               "vms[a].affinity[1]: pCPU 9 does not exist");
    expect_err(VM_PRE "    affinity: [0, x]\n" R, 6, 19,
               "vms[a].affinity[1]: expected an integer, got 'x'");
    expect_err(VM_PRE "    affinity: []\n" R, 6, 15, "an affinity must name at least one pCPU");
    expect_err(VM_PRE "    affinity: {a: 1}\n" R, 6, 15, "got a mapping");
}

/* ---- cross-field checks ------------------------------------------------- */

static void test_warmup(void **state)
{
    (void)state;
    expect_err(H S V "run:\n  duration: 1s\n  warmup: 1000ms\n", 6, 11,
               "run.warmup: must be shorter than run.duration (1s), got '1000ms'");
}

static void test_topology(void **state)
{
    (void)state;
    expect_err("host:\n  pcpus: 12\n  sockets: 5\n" S V R, 2, 3,
               "host: topology mismatch: 12 pCPUs cannot be split into 5 socket(s) with 1 "
               "thread(s) per core");
    expect_err("host:\n  pcpus: 12\n  sockets: 2\n  cores_per_socket: 4\n  threads_per_core: 2\n"
               S V R,
               2, 3,
               "topology mismatch: sockets (2) * cores_per_socket (4) * threads_per_core (2) = "
               "16, but pcpus is 12");
    expect_err("host: {pcpus: 4, sockets: 8}\n" S V R, 1, 27, "host.sockets: must be in 1..4");
}

/* ---- missing keys ------------------------------------------------------- */

static void test_missing_key(void **state)
{
    (void)state;
    expect_err(S V R, 1, 1, "missing required key 'host'");
    expect_err(H S R, 1, 1, "missing required key 'vms'");
    expect_err(H S V, 1, 1, "missing required key 'run'");
    expect_err("host:\n  sockets: 1\n" S V R, 2, 3, "missing required key 'pcpus' in host");
    expect_err(H S "vms:\n  - vcpus: 1\n" R, 4, 5, "missing required key 'name' in vms[0]");
    expect_err(H S "vms:\n  - name: a\n" R, 4, 5, "missing required key 'vcpus' in vms[a]");
    expect_err(H S "vms: []\n" R, 3, 6, "vms: at least one VM is required");
    expect_err(VM_PRE "    workloads:\n      - name: w\n" R, 7, 9,
               "missing required key 'type' in vms[a].workloads[0]");
    expect_err(H S V "run: {warmup: 0}\n", 4, 6, "missing required key 'duration' in run");
}

/* ---- YAML-level problems ------------------------------------------------ */

static void test_yaml_syntax(void **state)
{
    (void)state;
    expect_err("name: a: b\n" H S V R, 1, 8,
               "YAML syntax error: mapping values are not allowed in this context");
    expect_err("host: {pcpus: 4\n" S V R, 2, 10,
               "YAML syntax error: did not find expected ',' or '}'");
    expect_err("host:\n\tpcpus: 4\n", 2, 1, "YAML syntax error: found character that cannot start");
    expect_err("name: \"a\xff\"\n", 1, 9, "YAML syntax error: invalid");
}

static void test_yaml_unsupported(void **state)
{
    (void)state;
    /* aliases: only of an anchor defined before, not inside what it names,
     * and within YT_MAX_ALIAS_NODES (ten levels of tenfold aliases would
     * be ten billion nodes) */
    expect_err(H S "vms: [{name: a, vcpus: 1}]\nrun: {duration: 1s}\nx: *h\n", 5, 4,
               "alias *h names no anchor defined before it");
    expect_err(H S "vms: &v [{name: a, vcpus: 1}, *v]\n" R, 3, 31,
               "alias *v is inside the node it names");
    char laughs[2048];
    int len = snprintf(laughs, sizeof laughs, "l0: &l0 [x, x, x, x, x, x, x, x, x, x]\n");
    for (int i = 1; i < 10; i++)
        len += snprintf(laughs + len, sizeof laughs - (size_t)len,
                        "l%d: &l%d [*l%d, *l%d, *l%d, *l%d, *l%d, *l%d, *l%d, *l%d, *l%d, *l%d]\n",
                        i, i, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1);
    /* 12,330 nodes added by l1-l3, then 11,111 per alias of l3: the 8th on
     * line 5 passes the bound */
    expect_err(laughs, 5, 45, "aliases expand to more than 100000 nodes");
    expect_err("host: !!map {pcpus: 4}\n" S V R, 1, 7, "tags (tag:yaml.org,2002:map) are not");
    expect_err(GOOD "---\n" GOOD, 5, 1, "multiple documents are not supported");
    expect_err("? [a, b]\n: 1\n" GOOD, 1, 3, "mapping keys must be strings, got a sequence");
    expect_err("name: \"a\\0b\"\n" GOOD, 1, 7, "NUL characters are not allowed");
    char deep[200];
    memset(deep, '[', 100);
    memcpy(deep + 100, "\n", 2);
    expect_err(deep, 1, 65, "nesting deeper than 64 levels");
    /* an alias's copy keeps the limit: 60 levels named, copied 11 levels down */
    char nested[400];
    int n = snprintf(nested, sizeof nested, "a: &a ");
    n += snprintf(nested + n, sizeof nested - (size_t)n, "%.60s%.60s\nb: %.10s*a%.10s\n",
                  deep, "]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]", deep,
                  "]]]]]]]]]]");
    expect_err(nested, 2, 14, "nesting deeper than 64 levels");
}

static void test_missing_file(void **state)
{
    (void)state;
    vl_scenario s;
    vl_error err;
    char buf[600];
    memset(&s, 0x5a, sizeof s);
    assert_int_equal(vl_scenario_load("/nonexistent/dir/x.yaml", NULL, 0, &s, &err), -1);
    assert_string_equal(err.file, "/nonexistent/dir/x.yaml");
    assert_int_equal(err.line, 0);
    vl_error_format(&err, buf, sizeof buf);
    assert_string_equal(buf, "/nonexistent/dir/x.yaml: cannot open: No such file or directory");
    check_empty(&s);

    assert_int_equal(vl_scenario_load("/", NULL, 0, &s, &err), -1);
    assert_non_null(strstr(err.msg, "cannot read: Is a directory"));
    check_empty(&s);
}

/* ---- a policy's own rules (check hook) ---------------------------------- */

/* Refused where the value is written (file or --set), else at the
 * policy's entry naming the defaulted parameter; exit 2 in the CLI. */
static void test_policy_check(void **state)
{
    (void)state;
    expect_err(H S "params: {testpol: {ratio: 0.1}}\n" V R, 3, 27,
               "params.testpol.ratio: must be 0 or at least 0.25");
    expect_set_err(GOOD, "params.testpol.ratio=0.1", 1, 22,
                   "params.testpol.ratio: must be 0 or at least 0.25");
    expect_set_err(GOOD, "params.testpol.ratio=0.1", 2, 22, "must be 0 or at least 0.25");
    expect_err(H S "params: {testpol: {mode: slow}}\n" V R, 3, 10,
               "params.testpol: count (default) must be at most 3 with mode slow");
    expect_err(H S "params: {testpol: {mode: slow, count: 4}}\n" V R, 3, 39,
               "params.testpol.count: must be at most 3 with mode slow");
    expect_err(VM_PRE "    params:\n      testpol: {budget: 50us}\n" R, 7, 25,
               "testpol.budget: must be 0 or at least 100us");
    /* values the rules accept load */
    vl_scenario scn;
    vl_error err;
    const char ok[] = H S "params: {testpol: {ratio: 0, mode: slow, count: 3}}\n" V R;
    assert_int_equal(vl_scenario_load_string("t.yaml", ok, strlen(ok), NULL, 0, &scn, &err), 0);
    vl_scenario_free(&scn);
}

/* ---- per-vCPU parameters ------------------------------------------------ */

/* A VM of 4 vCPUs under testrt whose next line (line 8, column 9) is the
 * line under test. */
#define RT_PRE H "scheduler: testrt\nvms:\n  - name: a\n    vcpus: 4\n    params:\n      testrt:\n"

static void test_vcpu_params_errors(void **state)
{
    (void)state;
    expect_err(RT_PRE "        bogus: 1\n" R, 8, 9,
               "unknown key 'bogus' in vms[a].params.testrt (valid keys: budget, period, extra, "
               "vcpus, prio)");
    expect_err(RT_PRE "        vcpus: {1: {prio: 2}}\n" R, 8, 21,
               "unknown key 'prio' in vms[a].params.testrt.vcpus[1] (valid keys: budget, "
               "period, extra)");
    expect_err(RT_PRE "        vcpus: {\"2-4\": {}}\n" R, 8, 17,
               "vms[a].params.testrt.vcpus[2-4]: vCPU 4 does not exist: the VM has 4 vCPUs "
               "(0..3)");
    expect_err(RT_PRE "        vcpus: {\"1-2\": {}, \"2,3\": {}}\n" R, 8, 28,
               "vms[a].params.testrt.vcpus[2,3]: vCPU 2 is also in '1-2' (at 8:17): each vCPU "
               "may be listed once");
    expect_err(RT_PRE "        vcpus: {3-1: {}}\n" R, 8, 17, "reversed range 3-1 in vCPU list");
    expect_err(RT_PRE "        vcpus: {x: {}}\n" R, 8, 17,
               "expected a vCPU list like \"1\", \"2-3\" or \"0,2\", got 'x'");
    expect_err(RT_PRE "        vcpus: [1]\n" R, 8, 16, "vms[a].params.testrt.vcpus: expected a "
                                                       "mapping");
    expect_err(RT_PRE "        vcpus: {1: 2ms}\n" R, 8, 20, "vms[a].params.testrt.vcpus[1]: "
                                                            "expected a mapping");
    /* no per-vCPU table: `vcpus` is an unknown key */
    expect_err(VM_PRE "    params:\n      testpol: {vcpus: {1: {}}}\n" R, 7, 17,
               "unknown key 'vcpus' in vms[a].params.testpol (valid keys: prio, budget)");
    expect_err(H "scheduler: testrtbad\nvms: [{name: a, vcpus: 1, params: {testrtbad: {}}}]\n" R,
               3, 36, "internal error: parameter 'prio' of policy 'testrtbad' is both per-VM "
               "and per-vCPU");
}

/* The policy's check sees the values in force for each vCPU: refused at
 * the value at fault, in the vCPU's entry or at the VM level. */
static void test_vcpu_params_check(void **state)
{
    (void)state;
    expect_err(RT_PRE "        vcpus: {1: {budget: 20ms}}\n" R, 8, 29,
               "vms[a].params.testrt.vcpus[1].budget: must not exceed the period (vCPUs 1)");
    expect_err(RT_PRE "        budget: 8ms\n        vcpus: {\"1-2\": {period: 5ms}}\n" R, 8, 17,
               "vms[a].params.testrt.budget: must not exceed the period (vCPUs 1-2)");
    expect_err(RT_PRE "        budget: 20ms\n" R, 8, 17,
               "vms[a].params.testrt.budget: must not exceed the period");
    expect_err(RT_PRE "        vcpus: {1: {period: 1ms}}\n" R, 8, 17,
               "vms[a].params.testrt: budget (default) must not exceed the period (vCPUs 1)");
    /* the VM's values are in force for no vCPU: nothing to refuse */
    vl_scenario scn;
    vl_error err;
    const char ok[] = RT_PRE "        budget: 20ms\n        vcpus: {\"0-3\": {period: 30ms}}\n" R;
    assert_int_equal(vl_scenario_load_string("t.yaml", ok, strlen(ok), NULL, 0, &scn, &err), 0);
    vl_scenario_free(&scn);
}

/* --set addresses an entry by its key; errors at the key it created. */
static void test_vcpu_params_set_errors(void **state)
{
    (void)state;
    const char rt[] = RT_PRE "        vcpus: {\"2-3\": {}}\n" R;
    expect_set_err(rt, "vms.a.params.testrt.vcpus.7.budget=1ms", 1, 27,
                   "vms[a].params.testrt.vcpus[7]: vCPU 7 does not exist");
    expect_set_err(rt, "vms.a.params.testrt.vcpus.3.period=5ms", 1, 27,
                   "vCPU 3 is also in '2-3' (at 8:17)");
    expect_set_err(rt, "vms.a.params.testrt.vcpus.2-3.budget=20ms", 2, 38,
                   "vms[a].params.testrt.vcpus[2-3].budget: must not exceed the period");
}

/* ---- --set -------------------------------------------------------------- */

static void test_bad_set_path(void **state)
{
    (void)state;
    expect_set_err(GOOD, "vms.nosuchvm.weight=1", 1, 5,
                   "cannot apply: 'vms' has no element 'nosuchvm' (names: a)");
    expect_set_err(GOOD, "vms.nosuchvm.weight=1", 2, 5, "has no element 'nosuchvm'");
    expect_set_err(GOOD, "vms.1.weight=1", 1, 5, "has no element '1'");
    expect_set_err(GOOD, "host.pcpus.x=1", 1, 12,
                   "cannot apply: 'host.pcpus' is a scalar, there is no 'x' under it");
    expect_set_err(GOOD, "vms.a.workloads.w.tasks=1", 1, 7,
                   "cannot apply: there is no 'vms.a.workloads' list to select from");
    expect_set_err(H S R, "vms.a.weight=1", 1, 1, "there is no 'vms' list");
    expect_set_err(GOOD, "host..pcpus=1", 1, 6, "empty segment in the path");
    expect_set_err(GOOD, "host.pcpus", 1, 1, "expected PATH=VALUE, got 'host.pcpus'");
    expect_set_err(GOOD, "=4", 1, 1, "empty path before '='");
    expect_set_err(GOOD, "bogus=1", 1, 1, "unknown key 'bogus' at the top level");
    expect_set_err(GOOD, "host.cpus=1", 1, 6, "unknown key 'cpus' in host");
}

static void test_bad_set_value(void **state)
{
    (void)state;
    expect_set_err(GOOD, "host.pcpus=abc", 1, 12, "host.pcpus: expected an integer, got 'abc'");
    expect_set_err(GOOD, "host.pcpus=abc", 2, 12, "expected an integer");
    expect_set_err(GOOD, "run.duration=10", 1, 14, "run.duration: expected a duration like 30ms");
    expect_set_err(GOOD, "vms.a.weight=[1,", 1, 17, "YAML syntax error");
    expect_set_err(GOOD, "vms.a.weight=*x", 1, 14, "alias *x names no anchor defined before it");
    expect_set_err(GOOD, "params.testpol={cnt: 1}", 1, 17, "unknown key 'cnt' in params.testpol");
    expect_set_err(GOOD, "scheduler=nosuch", 1, 11, "scheduler: unknown policy 'nosuch'");
    expect_set_err(GOOD, "vms.a.affinity=0-9", 1, 16, "pCPU 9 does not exist");
    expect_set_err(GOOD, "vms.a.vcpus=", 1, 13, "expected an integer, got an empty value");
    expect_set_err(GOOD, "run.warmup=5s", 1, 12, "must be shorter than run.duration");
    expect_set_err(GOOD, "vms=[]", 1, 5, "vms: at least one VM is required");
    expect_set_err(GOOD, "name=a\nb", 1, 7, "line break in a --set argument");
    expect_set_err(GOOD, "na\tme=ab", 1, 3, "control character in a --set argument");
}

/* Counts beyond the scenario limits (VL_MAX_VMS, VL_MAX_VCPUS_TOTAL,
 * VL_MAX_WORKLOADS) are refused at the first element past the limit. */
static char *grow(char *buf, size_t *len, size_t *cap, const char *fmt, int i)
{
    if (*len + 128 > *cap) {
        *cap = *cap * 2 + 4096;
        buf = realloc(buf, *cap);
        assert_non_null(buf);
    }
    *len += (size_t)snprintf(buf + *len, *cap - *len, fmt, i);
    return buf;
}

static void test_limits(void **state)
{
    (void)state;
    size_t len = 0, cap = 0;
    char *t = NULL;
    t = grow(t, &len, &cap, S H "vms:\n", 0);
    for (int i = 0; i <= VL_MAX_VMS; i++)
        t = grow(t, &len, &cap, "  - {name: v%d, vcpus: 1}\n", i);
    t = grow(t, &len, &cap, "run: {duration: 1s}\n", 0);
    expect_err(t, 4 + VL_MAX_VMS, 5, "more than 16384 VMs");

    len = 0;
    t = grow(t, &len, &cap, S H "vms:\n", 0);
    for (int i = 0; i < VL_MAX_VCPUS_TOTAL / 1024; i++)
        t = grow(t, &len, &cap, "  - {name: v%d, vcpus: 1024}\n", i);
    t = grow(t, &len, &cap, "  - name: last\n    vcpus: 1\n", 0);
    t = grow(t, &len, &cap, "run: {duration: 1s}\n", 0);
    expect_err(t, 4 + VL_MAX_VCPUS_TOTAL / 1024 + 1, 12, "more than 65536 vCPUs");

    len = 0;
    t = grow(t, &len, &cap, S H "vms:\n  - name: a\n    vcpus: 1\n    workloads:\n", 0);
    for (int i = 0; i <= VL_MAX_WORKLOADS; i++)
        t = grow(t, &len, &cap, "      - {type: testidle, name: w%d}\n", i);
    t = grow(t, &len, &cap, "run: {duration: 1s}\n", 0);
    expect_err(t, 7 + VL_MAX_WORKLOADS, 9, "more than 256 workloads in one VM");
    free(t);
}

/* ---- program workloads (docs/programs.md) ------------------------------ */

/* A `program` workload with one task group `w` whose first step is on
 * line 11, its operation key at column 17. */
#define PG_PRE VM_PRE "    workloads:\n      - type: program\n        tasks:\n" \
                      "          - name: w\n            do:\n"

static void test_program_errors(void **state)
{
    (void)state;
    expect_err(VM_PRE "    workloads:\n      - type: program\n" R, 7, 9,
               "missing required key 'tasks' in vms[a].workloads[program]");
    expect_err(PG_PRE "              - compte: 1ms\n" R, 11, 17,
               "vms[a].workloads[program].tasks[w].do[0]: a step needs an operation: one of "
               "compute, kernel, sleep, timer, munmap, barrier, wait, wake, lock, unlock, read, "
               "write, recv, send, loop");
    expect_err(PG_PRE "              - {compute: 1ms, sleep: 1ms}\n" R, 11, 32,
               "one operation per step, got 'compute' and 'sleep'");
    expect_err(PG_PRE "              - {compute: 1ms, hold: 1us}\n" R, 11, 32,
               "unknown key 'hold' in vms[a].workloads[program].tasks[w].do[0] (valid keys: "
               "compute)");
    expect_err(PG_PRE "              - compute: {dist: exponential}\n" R, 11, 26,
               "missing required key 'mean' in vms[a].workloads[program].tasks[w].do[0].compute");
    expect_err(PG_PRE "              - {kernel: 1us, at: nosuch}\n" R, 11, 35,
               "do[0].at: expected one of syscall, page_alloc");
    expect_err(PG_PRE "              - {kernel: 1us, spinlock: none}\n" R, 11, 41,
               "do[0].spinlock: expected one of zone, lru, dentry");
    expect_err(PG_PRE "              - {kernel: 1us, hold: 1us}\n" R, 11, 31,
               "do[0]: 'hold' needs a 'spinlock' to hold");
    expect_err(PG_PRE "              - barrier: x\n              - wait: x\n" R, 12, 23,
               "do[1].wait: 'x' is a barrier (first at 11:26), not an event (wait/wake)");
    expect_err(PG_PRE "              - lock: m\n              - barrier: m\n" R, 12, 26,
               "'m' is a mutex (lock/unlock) (first at 11:23), not a barrier");
    expect_err(PG_PRE "              - wait: 'a b'\n" R, 11, 23, "do[0].wait:");
    expect_err(PG_PRE "              - loop: 3\n" R, 11, 17,
               "missing required key 'do' in vms[a].workloads[program].tasks[w].do[0]");
    expect_err(PG_PRE "              - {loop: 0, do: [{compute: 1ms}]}\n" R, 11, 24,
               "do[0].loop: must be in 1..1000000000");
    expect_err(PG_PRE "              - {loop: forever, do: []}\n" R, 11, 37,
               "do[0].do: needs at least one step");
    expect_err(PG_PRE "              - {loop: 2, do: [{sleep: 1ms}, {read: 100}]}\n" R, 11, 53,
               "do[0].do[1].read: must be in 512..67108864");
    expect_err(PG_PRE "              - {send: 100, packets: 0}\n" R, 11, 38, "do[0].packets:");
    expect_err(VM_PRE "    workloads:\n      - type: program\n        tasks: []\n" R, 8, 16,
               "tasks: needs at least one task group");
    expect_err(VM_PRE "    workloads:\n      - type: program\n        tasks:\n"
                      "          - {name: w, do: [{compute: 1ms}]}\n"
                      "          - {name: w, do: [{compute: 1ms}]}\n" R, 10, 20,
               "duplicate task group name 'w'");
    expect_err(VM_PRE "    workloads:\n      - type: program\n        tasks:\n"
                      "          - {count: 0, do: [{compute: 1ms}]}\n" R, 9, 21,
               "tasks[t0].count: must be in 1..4096");
    expect_err(VM_PRE "    workloads:\n      - type: program\n        tasks:\n"
                      "          - {name: w}\n" R, 9, 13,
               "missing required key 'do' in vms[a].workloads[program].tasks[w]");

    /* 16 munmaps are 32 operations (the unmap and the shootdown each): the
     * 17th step passes the limit; 12 barriers are 24 distributions (the
     * futex call's length and its bucket hold), the 13th passes that; and a
     * loop around 32 lock and unlock steps (an operation each) is one
     * operation too many */
    size_t len = 0, cap = 0;
    char *t = NULL;
    t = grow(t, &len, &cap, PG_PRE, 0);
    for (int i = 0; i < 17; i++)
        t = grow(t, &len, &cap, "              - munmap: %dus\n", i + 1);
    t = grow(t, &len, &cap, R, 0);
    expect_err(t, 27, 17, "do[16]: the program passes 32 operations here");
    len = 0;
    t = grow(t, &len, &cap, PG_PRE, 0);
    for (int i = 0; i < 13; i++)
        t = grow(t, &len, &cap, "              - barrier: b%d\n", i);
    t = grow(t, &len, &cap, R, 0);
    expect_err(t, 23, 17, "do[12]: the program passes 24 distributions here");
    len = 0;
    t = grow(t, &len, &cap, PG_PRE "              - loop: forever\n                do:\n", 0);
    for (int i = 0; i < 16; i++)
        t = grow(t, &len, &cap, "                  - lock: m\n                  - unlock: m\n", i);
    t = grow(t, &len, &cap, R, 0);
    expect_err(t, 11, 17, "do[0]: the program passes 32 operations here");
    free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unknown_key_top),
        cmocka_unit_test(test_unknown_key_host),
        cmocka_unit_test(test_unknown_key_vm),
        cmocka_unit_test(test_unknown_key_workload),
        cmocka_unit_test(test_unknown_key_params),
        cmocka_unit_test(test_unknown_policy),
        cmocka_unit_test(test_unknown_workload_type),
        cmocka_unit_test(test_wrong_type),
        cmocka_unit_test(test_out_of_range),
        cmocka_unit_test(test_bad_dist),
        cmocka_unit_test(test_duplicate_key),
        cmocka_unit_test(test_duplicate_vm_name),
        cmocka_unit_test(test_io_settings),
        cmocka_unit_test(test_duplicate_workload_name),
        cmocka_unit_test(test_bad_duration),
        cmocka_unit_test(test_bad_affinity),
        cmocka_unit_test(test_warmup),
        cmocka_unit_test(test_topology),
        cmocka_unit_test(test_missing_key),
        cmocka_unit_test(test_yaml_syntax),
        cmocka_unit_test(test_yaml_unsupported),
        cmocka_unit_test(test_missing_file),
        cmocka_unit_test(test_policy_check),
        cmocka_unit_test(test_vcpu_params_errors),
        cmocka_unit_test(test_vcpu_params_check),
        cmocka_unit_test(test_vcpu_params_set_errors),
        cmocka_unit_test(test_bad_set_path),
        cmocka_unit_test(test_bad_set_value),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_program_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
