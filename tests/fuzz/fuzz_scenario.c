/* fuzz_scenario.c - libFuzzer harness for the scenario loader.
 *
 * Input: YAML text, optionally followed by a NUL byte and up to four
 * NUL-separated `--set` arguments.  Every input must either load (and then
 * satisfy the basic invariants below) or fail with a one-line message and an
 * empty scenario; sanitizers catch memory errors and leaks.
 *
 * Registers "fuzzpol" (host and per-VM parameters of every type) and
 * "fuzzwork" (INT/DOUBLE/TIME/DIST parameters) so parameter conversion is
 * reachable whatever real policies and workloads are linked. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vcpulab/scenario.h"
#include "vl_dist.h"
#include "workload/workload.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct fz_priv {
    int64_t count;
    vl_ns slice;
    bool flag;
    double ratio;
    int mode;
    vl_dist dist;
} fz_priv;

static const char *const fz_modes[] = {"a", "b", "c", NULL};

static const vl_param fz_params[] = {
    {"count", VL_PARAM_INT, offsetof(fz_priv, count), 5, 1, 100, "credits", "count", NULL},
    {"slice", VL_PARAM_TIME, offsetof(fz_priv, slice), 30e6, 1e6, 1e9, "ns", "slice", NULL},
    {"flag", VL_PARAM_BOOL, offsetof(fz_priv, flag), 1, 0, 0, NULL, "flag", NULL},
    {"ratio", VL_PARAM_DOUBLE, offsetof(fz_priv, ratio), 0.5, 0, 1, NULL, "ratio", NULL},
    {"mode", VL_PARAM_ENUM, offsetof(fz_priv, mode), 1, 0, 0, NULL, "mode", fz_modes},
    {"dist", VL_PARAM_DIST, offsetof(fz_priv, dist), 1e6, 0, 0, "ns", "dist", NULL},
    VL_PARAM_END,
};

static int fz_init(vl_sched *s)
{
    (void)s;
    return 0;
}

static vl_pcpu *fz_pick_cpu(vl_sched *s, vl_vcpu *v, vl_pick_reason why)
{
    (void)s, (void)v, (void)why;
    return NULL;
}

static vl_decision fz_do_schedule(vl_sched *s, vl_pcpu *p, vl_vcpu *prev, vl_ns now)
{
    (void)s, (void)p, (void)prev, (void)now;
    return (vl_decision){NULL, VL_SLICE_NONE};
}

static const vl_sched_ops fuzzpol = {
    .name = "fuzzpol",
    .params = fz_params,
    .vm_params = fz_params,
    .priv_size = sizeof(fz_priv),
    .vm_size = sizeof(fz_priv),
    .init = fz_init,
    .pick_cpu = fz_pick_cpu,
    .do_schedule = fz_do_schedule,
};
VL_REGISTER_POLICY(fuzzpol);

typedef struct fw_params {
    int64_t tasks;
    double util;
    vl_ns period;
    vl_dist burst;
} fw_params;

static const vl_param fw_table[] = {
    {"tasks", VL_PARAM_INT, offsetof(fw_params, tasks), 1, 1, 64, "tasks", "tasks", NULL},
    {"util", VL_PARAM_DOUBLE, offsetof(fw_params, util), 1, 0, 1, NULL, "util", NULL},
    {"period", VL_PARAM_TIME, offsetof(fw_params, period), 10e6, 0, 1e9, "ns", "period", NULL},
    {"burst", VL_PARAM_DIST, offsetof(fw_params, burst), 1e6, 0, 1e9, "ns", "burst", NULL},
    VL_PARAM_END,
};

static int fw_create(struct vl_guest *g, struct vl_workload *w, const void *params)
{
    (void)g, (void)w, (void)params;
    return 0;
}

static const vl_workload_type fuzzwork = {
    .name = "fuzzwork",
    .params = fw_table,
    .params_size = sizeof(fw_params),
    .create = fw_create,
};
VL_REGISTER_WORKLOAD(fuzzwork);

#define MAX_SETS 4

static void check(bool ok)
{
    if (!ok)
        abort();
}

static void check_loaded(const vl_scenario *s)
{
    const vl_host_spec *h = &s->host;
    check(h->pcpus >= 1 && h->pcpus <= VL_MAX_PCPUS);
    check(h->sockets * h->cores_per_socket * h->threads_per_core == h->pcpus);
    check(s->sched != NULL);
    check(s->nvms >= 1 && s->vms != NULL);
    check(s->duration > 0 && s->warmup >= 0 && s->warmup < s->duration);
    for (int i = 0; i < s->nvms; i++) {
        const vl_vm_spec *vm = &s->vms[i];
        bool any = false;
        check(vm->name[0] != '\0' && vm->vcpus >= 1 && vm->vcpus <= 1024);
        check(vm->weight >= 1 && vm->cap >= 0 && vm->cap <= 100 * vm->vcpus);
        for (int c = 0; c < VL_MAX_PCPUS; c++) {
            if (vl_cpuset_has(&vm->affinity, c)) {
                check(c < h->pcpus);
                any = true;
            }
        }
        check(any);
        for (int j = 0; j < vm->nworkloads; j++)
            check(vm->workloads[j].type != NULL && vm->workloads[j].params != NULL);
        for (int j = 0; j < vm->nparams; j++)
            check(vl_vm_spec_params(vm, vm->params[j].ops) != NULL);
    }
    for (int j = 0; j < s->nparams; j++)
        check(vl_scenario_sched_params(s, s->params[j].ops) != NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* Copy so that the sets are NUL-terminated strings. */
    char *buf = malloc(size + 1);
    const char *sets[MAX_SETS];
    int nsets = 0;
    if (!buf)
        return 0;
    memcpy(buf, data, size);
    buf[size] = '\0';
    size_t yaml_len = strlen(buf);
    for (size_t off = yaml_len + 1; off <= size && nsets < MAX_SETS;) {
        sets[nsets++] = buf + off;
        off += strlen(buf + off) + 1;
    }

    vl_scenario s;
    vl_error err;
    memset(&err, 0, sizeof err);
    if (vl_scenario_load_string("fuzz.yaml", buf, yaml_len, sets, nsets, &s, &err) == 0) {
        check_loaded(&s);
        vl_scenario_free(&s);
    } else {
        vl_scenario zero;
        memset(&zero, 0, sizeof zero);
        check(err.msg[0] != '\0' && strchr(err.msg, '\n') == NULL);
        check(memcmp(&s, &zero, sizeof s) == 0);
    }
    free(buf);
    return 0;
}
