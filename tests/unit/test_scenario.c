/* test_scenario.c - the scenario loader on valid input: every key of the
 * format, defaults, cpu lists, distributions, workload names, parameter
 * blobs and each form of --set override.
 *
 * Registers its own policies ("testpol" with one host parameter of each
 * type and per-VM parameters, "testpol2" without parameters, "testrt" with
 * per-VM and per-vCPU parameters) and workload
 * types ("testwork" with INT/DOUBLE/TIME/DIST parameters, "testidle"
 * without), so it depends on no real policy or workload. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

static const vl_sched_ops testpol = {
    .name = "testpol",
    .description = "test policy with one parameter of each type",
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
    .description = "test policy without parameters",
    .init = tp_init,
    .pick_cpu = tp_pick_cpu,
    .do_schedule = tp_do_schedule,
};
VL_REGISTER_POLICY(testpol2);

/* Per-vCPU parameters after a field of the policy's own (the offsets must
 * be honoured). */
typedef struct rt_vm {
    int64_t prio;
} rt_vm;

typedef struct rt_vcpu {
    int state;
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

static const vl_sched_ops testrt = {
    .name = "testrt",
    .description = "test policy with per-vCPU parameters",
    .vm_params = rt_vm_params,
    .vcpu_params = rt_vcpu_params,
    .vm_size = sizeof(rt_vm),
    .vcpu_size = sizeof(rt_vcpu),
    .init = tp_init,
    .pick_cpu = tp_pick_cpu,
    .do_schedule = tp_do_schedule,
};
VL_REGISTER_POLICY(testrt);

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
    .description = "test workload",
    .params = tw_table,
    .params_size = sizeof(tw_params),
    .create = tw_create,
};
VL_REGISTER_WORKLOAD(testwork);

static const vl_workload_type testidle = {
    .name = "testidle",
    .description = "test workload without parameters",
    .create = tw_create,
};
VL_REGISTER_WORKLOAD(testidle);

/* ---- helpers ------------------------------------------------------------ */

static void load_ok(const char *text, const char *const *sets, int nsets, vl_scenario *s)
{
    vl_error err = {0};
    int rc = vl_scenario_load_string("dir/t.yaml", text, strlen(text), sets, nsets, s, &err);
    if (rc != 0) {
        char buf[1024];
        vl_error_format(&err, buf, sizeof buf);
        fail_msg("unexpected error: %s", buf);
    }
}

static const tw_params *wparams(const vl_scenario *s, int vm, int w)
{
    return (const tw_params *)s->vms[vm].workloads[w].params;
}

#define MINIMAL_HOST "host: {pcpus: 4}\n"
#define MINIMAL_RUN "run: {duration: 1s}\n"
#define MINIMAL MINIMAL_HOST "scheduler: testpol\nvms: [{name: a, vcpus: 1}]\n" MINIMAL_RUN

/* ---- complete scenario -------------------------------------------------- */

static const char full_text[] =
    "name: corun\n"
    "host:\n"
    "  pcpus: 16\n"
    "  sockets: 2\n"
    "  threads_per_core: 2\n"
    "  cores_per_socket: 4\n"
    "  watchdog: 500ms\n"
    "  costs:\n"
    "    world_switch: 4us\n"
    "    exit_entry: 1200ns\n"
    "    migration: 30us\n"
    "    host_ipi: 2us\n"
    "scheduler: testpol\n"
    "params:\n"
    "  testpol: {count: 7, slice: 10ms, boost: false, ratio: 0.25, mode: slow}\n"
    "  testpol2: {}\n"
    "vms:\n"
    "  - name: web\n"
    "    vcpus: 4\n"
    "    weight: 512\n"
    "    cap: 150\n"
    "    affinity: \"0-3,8\"\n"
    "    params:\n"
    "      testpol: {prio: -3, budget: 2ms}\n"
    "    workloads:\n"
    "      - type: testwork\n"
    "        name: hog\n"
    "        tasks: 4\n"
    "        util: 0.75\n"
    "        period: 5ms\n"
    "        burst: {dist: exponential, mean: 1.5ms}\n"
    "      - type: testidle\n"
    "  - name: db.1\n"
    "    vcpus: 2\n"
    "    affinity: [1, 3]\n"
    "run:\n"
    "  duration: 10s\n"
    "  warmup: 1s\n"
    "  seed: 18446744073709551615\n";

static void test_full(void **state)
{
    (void)state;
    vl_scenario s;
    load_ok(full_text, NULL, 0, &s);

    assert_string_equal(s.path, "dir/t.yaml");
    assert_string_equal(s.name, "corun");
    assert_int_equal(s.host.pcpus, 16);
    assert_int_equal(s.host.sockets, 2);
    assert_int_equal(s.host.cores_per_socket, 4);
    assert_int_equal(s.host.threads_per_core, 2);
    assert_int_equal(s.host.watchdog, VL_MS(500));
    assert_int_equal(s.host.costs.world_switch, VL_US(4));
    assert_int_equal(s.host.costs.exit_entry, 1200);
    assert_int_equal(s.host.costs.migration, VL_US(30));
    assert_int_equal(s.host.costs.host_ipi, VL_US(2));
    assert_ptr_equal(s.sched, &testpol);

    assert_int_equal(s.nparams, 2);
    const tp_priv *hp = vl_scenario_sched_params(&s, &testpol);
    assert_non_null(hp);
    assert_int_equal(hp->count, 7);
    assert_int_equal(hp->slice, VL_MS(10));
    assert_false(hp->boost);
    assert_true(hp->ratio == 0.25);
    assert_int_equal(hp->mode, 2);
    assert_non_null(vl_scenario_sched_params(&s, &testpol2));

    assert_int_equal(s.nvms, 2);
    const vl_vm_spec *web = &s.vms[0];
    assert_string_equal(web->name, "web");
    assert_int_equal(web->vcpus, 4);
    assert_int_equal(web->weight, 512);
    assert_int_equal(web->cap, 150);
    for (int c = 0; c < 16; c++)
        assert_int_equal(vl_cpuset_has(&web->affinity, c), c <= 3 || c == 8);
    assert_int_equal(web->nparams, 1);
    const tp_vm *vp = vl_vm_spec_params(web, &testpol);
    assert_non_null(vp);
    assert_int_equal(vp->prio, -3);
    assert_int_equal(vp->budget, VL_MS(2));
    assert_null(vl_vm_spec_params(web, &testpol2));

    assert_int_equal(web->nworkloads, 2);
    assert_string_equal(web->workloads[0].name, "hog");
    assert_ptr_equal(web->workloads[0].type, &testwork);
    assert_int_equal(web->workloads[0].line, 26);
    assert_int_equal(web->workloads[0].col, 9);
    const tw_params *wp = wparams(&s, 0, 0);
    assert_int_equal(wp->tasks, 4);
    assert_true(wp->util == 0.75);
    assert_int_equal(wp->period, VL_MS(5));
    assert_int_equal(wp->burst.kind, VL_DIST_EXPONENTIAL);
    assert_true(wp->burst.a == 1.5e6);
    assert_string_equal(web->workloads[1].name, "testidle");
    assert_ptr_equal(web->workloads[1].type, &testidle);
    assert_non_null(web->workloads[1].params);
    assert_int_equal(web->workloads[1].line, 32);

    const vl_vm_spec *db = &s.vms[1];
    assert_string_equal(db->name, "db.1");
    assert_int_equal(db->vcpus, 2);
    assert_int_equal(db->weight, 256);
    assert_int_equal(db->cap, 0);
    for (int c = 0; c < 16; c++)
        assert_int_equal(vl_cpuset_has(&db->affinity, c), c == 1 || c == 3);
    assert_int_equal(db->nworkloads, 0);
    assert_null(db->workloads);
    assert_int_equal(db->nparams, 0);
    assert_null(vl_vm_spec_params(db, &testpol));

    assert_int_equal(s.duration, VL_S(10));
    assert_int_equal(s.warmup, VL_S(1));
    assert_true(s.seed == UINT64_MAX);
    vl_scenario_free(&s);
    assert_null(s.vms);
    assert_int_equal(s.nvms, 0);
}

/* ---- defaults ----------------------------------------------------------- */

static void test_defaults(void **state)
{
    (void)state;
    vl_scenario s;
    load_ok("host: {pcpus: 12}\n"
            "scheduler: testpol\n"
            "params: {testpol: {}}\n"
            "vms:\n"
            "  - {name: a, vcpus: 2, params: {testpol: {}},\n"
            "     workloads: [{type: testwork}]}\n"
            "run: {duration: 5s}\n",
            NULL, 0, &s);
    assert_string_equal(s.name, "t");
    assert_int_equal(s.host.pcpus, 12);
    assert_int_equal(s.host.sockets, 1);
    assert_int_equal(s.host.threads_per_core, 1);
    assert_int_equal(s.host.cores_per_socket, 12);
    assert_int_equal(s.host.watchdog, VL_S(2));
    assert_int_equal(s.host.costs.world_switch, VL_US(3));
    assert_int_equal(s.host.costs.exit_entry, 1500);
    assert_int_equal(s.host.costs.migration, VL_US(20));
    assert_int_equal(s.host.costs.host_ipi, VL_US(1));
    assert_int_equal(s.vms[0].weight, 256);
    assert_int_equal(s.vms[0].cap, 0);
    for (int c = 0; c < VL_MAX_PCPUS; c++)
        assert_int_equal(vl_cpuset_has(&s.vms[0].affinity, c), c < 12);
    assert_int_equal(s.warmup, 0);
    assert_int_equal(s.seed, 1);

    const tp_priv *hp = vl_scenario_sched_params(&s, &testpol);
    assert_non_null(hp);
    assert_int_equal(hp->count, 5);
    assert_int_equal(hp->slice, VL_MS(30));
    assert_true(hp->boost);
    assert_true(hp->ratio == 0.5);
    assert_int_equal(hp->mode, 1);
    const tp_vm *vp = vl_vm_spec_params(&s.vms[0], &testpol);
    assert_non_null(vp);
    assert_int_equal(vp->prio, 0);
    assert_int_equal(vp->budget, VL_MS(1));

    const tw_params *wp = wparams(&s, 0, 0);
    assert_string_equal(s.vms[0].workloads[0].name, "testwork");
    assert_int_equal(wp->tasks, 1);
    assert_true(wp->util == 1.0);
    assert_int_equal(wp->period, VL_MS(10));
    assert_int_equal(wp->burst.kind, VL_DIST_CONST);
    assert_true(wp->burst.a == 1e6);
    vl_scenario_free(&s);

    /* topology defaults divide pcpus among sockets and threads */
    load_ok("host: {pcpus: 16, sockets: 2, threads_per_core: 2}\n"
            "scheduler: testpol\nvms: [{name: a, vcpus: 1}]\n" MINIMAL_RUN,
            NULL, 0, &s);
    assert_int_equal(s.host.cores_per_socket, 4);
    assert_null(vl_scenario_sched_params(&s, &testpol));
    assert_null(vl_vm_spec_params(&s.vms[0], &testpol));
    vl_scenario_free(&s);
}

static void test_default_scheduler(void **state)
{
    (void)state;
    const char *text = MINIMAL_HOST "vms: [{name: a, vcpus: 1}]\n" MINIMAL_RUN;
    vl_scenario s;
    vl_error err = {0};
    int rc = vl_scenario_load_string("t.yaml", text, strlen(text), NULL, 0, &s, &err);
    if (vl_policy_find("credit")) {
        assert_int_equal(rc, 0);
        assert_string_equal(s.sched->name, "credit");
        vl_scenario_free(&s);
    } else {
        assert_int_equal(rc, -1);
        assert_non_null(strstr(err.msg, "default policy 'credit' is not registered"));
        assert_int_equal(err.line, 1);
        assert_int_equal(err.col, 1);
    }
}

static void test_params_defaults(void **state)
{
    (void)state;
    tp_priv p;
    memset(&p, 0xff, sizeof p);
    vl_params_defaults(tp_params, &p);
    assert_int_equal(p.count, 5);
    assert_int_equal(p.slice, VL_MS(30));
    assert_true(p.boost);
    assert_true(p.ratio == 0.5);
    assert_int_equal(p.mode, 1);
    vl_params_defaults(NULL, &p); /* no table: nothing to do */
}

/* ---- affinity ----------------------------------------------------------- */

static void check_affinity(const char *aff, const char *expect)
{
    char text[512];
    vl_scenario s;
    snprintf(text, sizeof text,
             "host: {pcpus: 12}\nscheduler: testpol\nvms: [{name: a, vcpus: 1, affinity: %s}]\n"
             MINIMAL_RUN,
             aff);
    load_ok(text, NULL, 0, &s);
    for (int c = 0; c < 12; c++)
        assert_int_equal(vl_cpuset_has(&s.vms[0].affinity, c), expect[c] == '1');
    for (int c = 12; c < VL_MAX_PCPUS; c++)
        assert_false(vl_cpuset_has(&s.vms[0].affinity, c));
    vl_scenario_free(&s);
}

static void test_cpulist(void **state)
{
    (void)state;
    check_affinity("\"0-3,8\"", "111100001000");
    check_affinity("0-3", "111100000000");
    check_affinity("5", "000001000000");
    check_affinity("'11'", "000000000001");
    check_affinity("\"0-1, 4-5,10\"", "110011000010");
    check_affinity("0-11", "111111111111");
    check_affinity("\"2,2,1-2\"", "011000000000");
    check_affinity("[1, 3, 11]", "010100000001");
    check_affinity("[0]", "100000000000");
}

/* ---- distributions and workload names ----------------------------------- */

static void test_dists(void **state)
{
    (void)state;
    vl_scenario s;
    load_ok(MINIMAL_HOST "scheduler: testpol\n"
            "vms:\n"
            "  - name: a\n"
            "    vcpus: 1\n"
            "    workloads:\n"
            "      - {type: testwork, burst: 2ms}\n"
            "      - {type: testwork, burst: 0}\n"
            "      - {type: testwork, burst: {dist: constant, value: 3us}}\n"
            "      - {type: testwork, burst: {dist: uniform, min: 1us, max: 2us}}\n"
            "      - {type: testwork, burst: {dist: lognormal, mean: 1ms, sd: 500us}}\n"
            "      - {type: testwork, burst: {dist: pareto, scale: 10us, shape: 1.5}}\n"
            "      - {type: testwork, burst: {dist: empirical, values: [1us, 2us, 4us],\n"
            "                                 cdf: [0.5, 0.75, 1]}}\n"
            "      - {type: testwork, burst: {dist: exponential, mean: 1s}}\n" MINIMAL_RUN,
            NULL, 0, &s);
    assert_int_equal(s.vms[0].nworkloads, 8);
    const vl_dist *d;
    d = &wparams(&s, 0, 0)->burst;
    assert_int_equal(d->kind, VL_DIST_CONST);
    assert_true(d->a == 2e6);
    d = &wparams(&s, 0, 1)->burst;
    assert_int_equal(d->kind, VL_DIST_CONST);
    assert_true(d->a == 0);
    d = &wparams(&s, 0, 2)->burst;
    assert_int_equal(d->kind, VL_DIST_CONST);
    assert_true(d->a == 3000);
    d = &wparams(&s, 0, 3)->burst;
    assert_int_equal(d->kind, VL_DIST_UNIFORM);
    assert_true(d->a == 1000 && d->b == 2000);
    d = &wparams(&s, 0, 4)->burst;
    assert_int_equal(d->kind, VL_DIST_LOGNORMAL);
    assert_true(d->a == 1e6 && d->b == 5e5);
    d = &wparams(&s, 0, 5)->burst;
    assert_int_equal(d->kind, VL_DIST_PARETO);
    assert_true(d->a == 1e4 && d->b == 1.5);
    d = &wparams(&s, 0, 6)->burst;
    assert_int_equal(d->kind, VL_DIST_EMPIRICAL);
    assert_non_null(d->points);
    assert_int_equal(d->points->n, 3);
    assert_true(d->points->values[0] == 1000 && d->points->values[1] == 2000 &&
                d->points->values[2] == 4000);
    assert_true(d->points->cdf[0] == 0.5 && d->points->cdf[1] == 0.75 && d->points->cdf[2] == 1);
    d = &wparams(&s, 0, 7)->burst;
    assert_int_equal(d->kind, VL_DIST_EXPONENTIAL);
    assert_true(d->a == 1e9);
    /* names of repeated unnamed types */
    assert_string_equal(s.vms[0].workloads[0].name, "testwork#0");
    assert_string_equal(s.vms[0].workloads[7].name, "testwork#7");
    vl_scenario_free(&s);
}

/* Anchors and aliases: an alias is a copy of what its anchor names, so a
 * value and a workload written once serve two VMs. */
static void test_anchors_and_aliases(void **state)
{
    (void)state;
    vl_scenario s;
    load_ok(MINIMAL_HOST "scheduler: testpol\n"
            "vms:\n"
            "  - {name: a, vcpus: &n 3, workloads: [&w {type: testwork, tasks: 7, util: 0.25}]}\n"
            "  - {name: b, vcpus: *n, workloads: [*w, *w]}\n" MINIMAL_RUN,
            NULL, 0, &s);
    assert_int_equal(s.nvms, 2);
    assert_int_equal(s.vms[1].vcpus, 3);
    assert_int_equal(s.vms[1].nworkloads, 2);
    for (int w = 0; w < 2; w++) {
        assert_int_equal(wparams(&s, 1, w)->tasks, 7);
        assert_true(wparams(&s, 1, w)->util == 0.25);
    }
    assert_int_equal(wparams(&s, 0, 0)->tasks, 7);
    vl_scenario_free(&s);
}

static void test_workload_names(void **state)
{
    (void)state;
    vl_scenario s;
    load_ok(MINIMAL_HOST "scheduler: testpol\n"
            "vms:\n"
            "  - name: a\n"
            "    vcpus: 1\n"
            "    workloads:\n"
            "      - {type: testwork}\n"
            "      - {type: testidle}\n"
            "      - {type: testwork, name: w.2}\n"
            "      - {type: testwork}\n"
            "  - name: b\n"
            "    vcpus: 1\n"
            "    workloads: [{type: testwork}, {type: testwork, name: other}]\n" MINIMAL_RUN,
            NULL, 0, &s);
    assert_string_equal(s.vms[0].workloads[0].name, "testwork#0");
    assert_string_equal(s.vms[0].workloads[1].name, "testidle");
    assert_string_equal(s.vms[0].workloads[2].name, "w.2");
    assert_string_equal(s.vms[0].workloads[3].name, "testwork#1");
    /* a single unnamed workload of its type gets the bare type name */
    assert_string_equal(s.vms[1].workloads[0].name, "testwork");
    assert_string_equal(s.vms[1].workloads[1].name, "other");
    vl_scenario_free(&s);
}

/* ---- per-vCPU parameters ------------------------------------------------ */

static const rt_vcpu *rtp(const vl_scenario *s, int vm, int vcpu)
{
    return vl_vm_spec_vcpu_params(&s->vms[vm], &testrt, vcpu);
}

static void assert_rt(const rt_vcpu *v, vl_ns budget, vl_ns period, bool extra)
{
    assert_non_null(v);
    assert_int_equal(v->state, 0);
    assert_int_equal(v->budget, budget);
    assert_int_equal(v->period, period);
    assert_int_equal(v->extra, extra);
}

static const char rt_text[] =
    MINIMAL_HOST "scheduler: testrt\n"
    "vms:\n"
    "  - name: a\n"
    "    vcpus: 6\n"
    "    params:\n"
    "      testrt:\n"
    "        prio: 3\n"
    "        budget: 2ms\n"
    "        vcpus: {1: {budget: 1ms}, \"2-3\": {period: 5ms, extra: true}, \"0,5\": {}}\n"
    "  - {name: b, vcpus: 2, params: {testrt: {period: 20ms}}}\n"
    "  - {name: c, vcpus: 2, params: {testpol: {prio: 1}}}\n" MINIMAL_RUN;

/* The VM's values apply to each of its vCPUs; an entry under `vcpus:`
 * replaces the keys it gives for the vCPUs it lists. */
static void test_vcpu_params(void **state)
{
    (void)state;
    vl_scenario s;
    load_ok(rt_text, NULL, 0, &s);
    const rt_vm *vm = vl_vm_spec_params(&s.vms[0], &testrt);
    assert_non_null(vm);
    assert_int_equal(vm->prio, 3);
    assert_rt(rtp(&s, 0, 0), VL_MS(2), VL_MS(10), false); /* "0,5": {} */
    assert_rt(rtp(&s, 0, 1), VL_MS(1), VL_MS(10), false);
    assert_rt(rtp(&s, 0, 2), VL_MS(2), VL_MS(5), true);
    assert_rt(rtp(&s, 0, 3), VL_MS(2), VL_MS(5), true);
    assert_rt(rtp(&s, 0, 4), VL_MS(2), VL_MS(10), false); /* listed nowhere */
    assert_rt(rtp(&s, 0, 5), VL_MS(2), VL_MS(10), false);
    assert_null(rtp(&s, 0, 6));
    assert_null(rtp(&s, 0, -1));
    /* VM-level values only; defaults for the others */
    assert_int_equal(((const rt_vm *)vl_vm_spec_params(&s.vms[1], &testrt))->prio, 1);
    assert_rt(rtp(&s, 1, 0), VL_MS(4), VL_MS(20), false);
    assert_rt(rtp(&s, 1, 1), VL_MS(4), VL_MS(20), false);
    /* no entry for the policy: NULL (the core writes the defaults) */
    assert_null(rtp(&s, 2, 0));
    /* a policy without a per-vCPU table has no per-vCPU blobs */
    assert_non_null(vl_vm_spec_params(&s.vms[2], &testpol));
    assert_null(vl_vm_spec_vcpu_params(&s.vms[2], &testpol, 0));
    vl_scenario_free(&s);
}

/* --set reaches an entry by its key as written ("2-3"), creates one
 * ("4"), or sets a value for the whole VM. */
static void test_vcpu_params_set(void **state)
{
    (void)state;
    vl_scenario s;
    const char *sets[] = {
        "vms.a.params.testrt.vcpus.2-3.budget=3ms",
        "vms.a.params.testrt.vcpus.4.extra=true",
        "vms.b.params.testrt.budget=500us",
        "vms.c.params.testrt.vcpus={1: {period: 1s}}",
    };
    load_ok(rt_text, sets, 4, &s);
    assert_rt(rtp(&s, 0, 1), VL_MS(1), VL_MS(10), false);
    assert_rt(rtp(&s, 0, 2), VL_MS(3), VL_MS(5), true);
    assert_rt(rtp(&s, 0, 3), VL_MS(3), VL_MS(5), true);
    assert_rt(rtp(&s, 0, 4), VL_MS(2), VL_MS(10), true);
    assert_rt(rtp(&s, 1, 1), VL_US(500), VL_MS(20), false);
    assert_rt(rtp(&s, 2, 0), VL_MS(4), VL_MS(10), false);
    assert_rt(rtp(&s, 2, 1), VL_MS(4), VL_S(1), false);
    vl_scenario_free(&s);
}

/* ---- overrides ---------------------------------------------------------- */

static const char ovr_text[] =
    "host: {pcpus: 8}\n"
    "scheduler: testpol\n"
    "vms:\n"
    "  - name: web\n"
    "    vcpus: 2\n"
    "    workloads:\n"
    "      - {type: testwork, name: hog, tasks: 2}\n"
    "      - {type: testwork}\n"
    "      - {type: testidle}\n"
    "  - name: db.1\n"
    "    vcpus: 1\n"
    "  - name: db\n"
    "    vcpus: 1\n"
    "run: {duration: 1s}\n";

static void test_override_scalars(void **state)
{
    (void)state;
    vl_scenario s;
    const char *sets[] = {
        "host.pcpus=16", "run.duration=2500ms", "run.seed=42", "name=renamed",
        "host.costs.migration=5us", /* creates host.costs */
        "host.watchdog=1s",
    };
    load_ok(ovr_text, sets, 6, &s);
    assert_int_equal(s.host.pcpus, 16);
    assert_int_equal(s.host.cores_per_socket, 16);
    assert_int_equal(s.duration, VL_MS(2500));
    assert_int_equal(s.seed, 42);
    assert_string_equal(s.name, "renamed");
    assert_int_equal(s.host.costs.migration, VL_US(5));
    assert_int_equal(s.host.costs.world_switch, VL_US(3));
    assert_int_equal(s.host.watchdog, VL_S(1));
    vl_scenario_free(&s);
}

static void test_override_params(void **state)
{
    (void)state;
    vl_scenario s;
    /* params and params.testpol do not exist: both are created */
    const char *sets[] = {"params.testpol.slice=10ms", "params.testpol.mode=fast",
                          "vms.web.params.testpol.prio=4"};
    load_ok(ovr_text, sets, 3, &s);
    const tp_priv *hp = vl_scenario_sched_params(&s, &testpol);
    assert_non_null(hp);
    assert_int_equal(hp->slice, VL_MS(10));
    assert_int_equal(hp->mode, 0);
    assert_int_equal(hp->count, 5);
    const tp_vm *vp = vl_vm_spec_params(&s.vms[0], &testpol);
    assert_non_null(vp);
    assert_int_equal(vp->prio, 4);
    vl_scenario_free(&s);

    /* a whole mapping as a flow value */
    const char *sets2[] = {"params.testpol={count: 9, boost: false}"};
    load_ok(ovr_text, sets2, 1, &s);
    hp = vl_scenario_sched_params(&s, &testpol);
    assert_int_equal(hp->count, 9);
    assert_false(hp->boost);
    vl_scenario_free(&s);
}

static void test_override_vms(void **state)
{
    (void)state;
    vl_scenario s;
    const char *sets[] = {
        "vms.web.weight=512",           /* by name */
        "vms.2.cap=50",                 /* by index (db) */
        "vms.db.1.weight=7",            /* a name with a dot: longest match */
        "vms.web.affinity=[1,2]",       /* a flow sequence */
        "vms.db.affinity=0-3,7",        /* a cpu-list plain scalar */
    };
    load_ok(ovr_text, sets, 5, &s);
    assert_int_equal(s.vms[0].weight, 512);
    assert_int_equal(s.vms[2].cap, 50);
    assert_int_equal(s.vms[1].weight, 7);
    assert_int_equal(s.vms[2].weight, 256);
    assert_true(vl_cpuset_has(&s.vms[0].affinity, 1));
    assert_true(vl_cpuset_has(&s.vms[0].affinity, 2));
    assert_false(vl_cpuset_has(&s.vms[0].affinity, 0));
    assert_true(vl_cpuset_has(&s.vms[2].affinity, 3));
    assert_false(vl_cpuset_has(&s.vms[2].affinity, 4));
    assert_true(vl_cpuset_has(&s.vms[2].affinity, 7));
    vl_scenario_free(&s);
}

static void test_override_workloads(void **state)
{
    (void)state;
    vl_scenario s;
    const char *sets[] = {
        "vms.web.workloads.hog.tasks=8",          /* by name */
        "vms.web.workloads.1.period=3ms",         /* by index */
        "vms.web.workloads.testwork.util=0.5",    /* by default name */
        "vms.web.workloads.hog.burst={dist: uniform, min: 1us, max: 3us}",
    };
    load_ok(ovr_text, sets, 4, &s);
    const tw_params *hog = wparams(&s, 0, 0), *second = wparams(&s, 0, 1);
    assert_int_equal(hog->tasks, 8);
    assert_int_equal(hog->burst.kind, VL_DIST_UNIFORM);
    assert_true(hog->burst.b == 3000);
    assert_int_equal(second->period, VL_MS(3));
    assert_true(second->util == 0.5);
    vl_scenario_free(&s);
}

static void test_override_scheduler(void **state)
{
    (void)state;
    vl_scenario s;
    const char *sets[] = {"scheduler=testpol2"};
    load_ok(ovr_text, sets, 1, &s);
    assert_ptr_equal(s.sched, &testpol2);
    vl_scenario_free(&s);

    /* later overrides win; an empty document is filled by overrides */
    const char *all[] = {"host.pcpus=2", "scheduler=testpol2", "scheduler=testpol",
                         "vms=[{name: x, vcpus: 2}]", "run.duration=1ms"};
    load_ok("", all, 5, &s);
    assert_ptr_equal(s.sched, &testpol);
    assert_int_equal(s.host.pcpus, 2);
    assert_int_equal(s.nvms, 1);
    assert_string_equal(s.vms[0].name, "x");
    assert_int_equal(s.duration, VL_MS(1));
    vl_scenario_free(&s);
}

static void test_override_elements(void **state)
{
    (void)state;
    vl_scenario s;
    const char *sets[] = {
        "vms.1={name: fresh, vcpus: 3, params: {testpol: {budget: 0}}}", /* a whole VM */
        "vms.web.workloads.2={type: testwork, name: new, burst: 7us}",    /* a whole workload */
        "params.testpol.boost=true",
    };
    load_ok(ovr_text, sets, 3, &s);
    assert_string_equal(s.vms[1].name, "fresh");
    assert_int_equal(s.vms[1].vcpus, 3);
    assert_int_equal(((const tp_vm *)vl_vm_spec_params(&s.vms[1], &testpol))->budget, 0);
    assert_string_equal(s.vms[0].workloads[2].name, "new");
    assert_true(wparams(&s, 0, 2)->burst.a == 7000);
    assert_true(((const tp_priv *)vl_scenario_sched_params(&s, &testpol))->boost);
    vl_scenario_free(&s);
}

static void test_empty_collections(void **state)
{
    (void)state;
    vl_scenario s;
    load_ok(MINIMAL_HOST "scheduler: testpol\nparams: {}\n"
            "vms: [{name: a, vcpus: 1, params: {}, workloads: []}]\n" MINIMAL_RUN,
            NULL, 0, &s);
    assert_int_equal(s.nparams, 0);
    assert_null(s.params);
    assert_int_equal(s.vms[0].nparams, 0);
    assert_int_equal(s.vms[0].nworkloads, 0);
    assert_null(s.vms[0].workloads);
    vl_scenario_free(&s);
}

/* ---- guest kernels -------------------------------------------------------- */

/* The guest of vms[0] after loading `guest` (a flow mapping's contents),
 * with `set` (or NULL) as an override. */
static vl_guest_spec guest_of(const char *guest, const char *set)
{
    char text[512];
    snprintf(text, sizeof text,
             "scheduler: testpol\nhost: {pcpus: 2}\nvms:\n  - {name: a, vcpus: 2, guest: {%s}}\n"
             "run: {duration: 1s}\n", guest);
    vl_scenario s;
    const char *sets[] = {set};
    load_ok(text, sets, set ? 1 : 0, &s);
    vl_guest_spec g = s.vms[0].guest;
    vl_scenario_free(&s);
    return g;
}

/* Each kernel and mode sets its era's settings (enum indices as in the
 * guest's table: spinlock ticket 0 / unfair 1 / queued 2; tlb_vectors
 * modern 0 / legacy 1; wakeup_ipi wakelist 0 / resched 1; futex_wake
 * queued 0 / locked 1). */
static void test_guest_kernel_presets(void **state)
{
    (void)state;
    vl_guest_spec g = guest_of("", NULL); /* 6.1 with PV spinlocks */
    assert_int_equal(g.spinlock, 2);
    assert_true(g.pv_spinlocks);
    assert_int_equal(g.tlb_vectors, 0);
    assert_int_equal(g.wakeup_ipi, 0);
    assert_int_equal(g.futex_wake, 0);
    assert_true(g.runqueue_lock);
    assert_false(g.lazy_tlb); /* 4.19 skips lazy-TLB CPUs */
    g = guest_of("kernel: \"6.1\", virt: hvm", NULL); /* virt_spin_lock */
    assert_int_equal(g.spinlock, 1);
    assert_false(g.pv_spinlocks);
    g = guest_of("kernel: \"4.9\"", NULL);
    assert_int_equal(g.spinlock, 2);
    assert_true(g.pv_spinlocks);
    assert_int_equal(g.wakeup_ipi, 1); /* the wake list's IPI came in 5.8 */
    assert_int_equal(g.futex_wake, 0);
    assert_true(g.lazy_tlb);
    g = guest_of("virt: hvm, kernel: \"2.6.38\"", NULL);
    assert_int_equal(g.spinlock, 0);
    assert_false(g.pv_spinlocks);
    assert_int_equal(g.tlb_vectors, 1);
    assert_int_equal(g.wakeup_ipi, 1);
    assert_int_equal(g.futex_wake, 1);
}

/* A key given beside the kernel overrides its preset, wherever it stands
 * in the mapping and also from --set. */
static void test_guest_keys_override_kernel(void **state)
{
    (void)state;
    vl_guest_spec g = guest_of("futex_wake: queued, kernel: \"2.6.38\", virt: hvm", NULL);
    assert_int_equal(g.futex_wake, 0);
    assert_int_equal(g.tlb_vectors, 1); /* the rest stays 2.6.38's */
    g = guest_of("kernel: \"2.6.38\", virt: hvm", "vms.a.guest.tlb_vectors=modern");
    assert_int_equal(g.tlb_vectors, 0);
    assert_int_equal(g.futex_wake, 1);
    g = guest_of("", "vms.a.guest.kernel=4.9");
    assert_int_equal(g.wakeup_ipi, 1);
    g = guest_of("virt: hvm, spinlock: ticket, pv_spinlocks: true", NULL); /* PV ticket locks */
    assert_int_equal(g.spinlock, 0);
    assert_true(g.pv_spinlocks);
}

/* ---- files -------------------------------------------------------------- */

static void test_load_file(void **state)
{
    (void)state;
    char path[] = "/tmp/vl_scn_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    assert_non_null(f);
    fputs(full_text, f);
    fclose(f);

    vl_scenario s;
    vl_error err = {0};
    const char *sets[] = {"vms.web.vcpus=8"};
    int rc = vl_scenario_load(path, sets, 1, &s, &err);
    unlink(path);
    assert_int_equal(rc, 0);
    assert_string_equal(s.path, path);
    assert_string_equal(s.name, "corun");
    assert_int_equal(s.vms[0].vcpus, 8);
    vl_scenario_free(&s);
}

static void test_name_from_path(void **state)
{
    (void)state;
    vl_scenario s;
    vl_error err;
    const char *text = MINIMAL;
    assert_int_equal(vl_scenario_load_string("a/b.c/my-exp.v2.yaml", text, strlen(text), NULL,
                                             0, &s, &err), 0);
    assert_string_equal(s.name, "my-exp.v2");
    vl_scenario_free(&s);
    assert_int_equal(vl_scenario_load_string("plain", text, strlen(text), NULL, 0, &s, &err), 0);
    assert_string_equal(s.name, "plain");
    vl_scenario_free(&s);
    /* a long base name is cut to VL_NAME_MAX - 1 characters */
    char longname[200];
    memset(longname, 'x', 150);
    strcpy(longname + 150, ".yaml");
    assert_int_equal(vl_scenario_load_string(longname, text, strlen(text), NULL, 0, &s, &err), 0);
    assert_int_equal(strlen(s.name), VL_NAME_MAX - 1);
    vl_scenario_free(&s);
    vl_scenario_free(&s); /* freeing twice is harmless (zeroed) */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_full),
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_default_scheduler),
        cmocka_unit_test(test_params_defaults),
        cmocka_unit_test(test_cpulist),
        cmocka_unit_test(test_dists),
        cmocka_unit_test(test_anchors_and_aliases),
        cmocka_unit_test(test_workload_names),
        cmocka_unit_test(test_override_scalars),
        cmocka_unit_test(test_override_params),
        cmocka_unit_test(test_override_vms),
        cmocka_unit_test(test_override_workloads),
        cmocka_unit_test(test_override_scheduler),
        cmocka_unit_test(test_override_elements),
        cmocka_unit_test(test_empty_collections),
        cmocka_unit_test(test_guest_kernel_presets),
        cmocka_unit_test(test_guest_keys_override_kernel),
        cmocka_unit_test(test_vcpu_params),
        cmocka_unit_test(test_vcpu_params_set),
        cmocka_unit_test(test_load_file),
        cmocka_unit_test(test_name_from_path),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
