/* scenario/vms.c - the `vms:` sequence: each VM's name, size, share,
 * affinity and per-VM policy parameters, and its workloads with their
 * type-specific parameters. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario/scn_internal.h"
#include "workload/workload.h"

static const char *const vm_keys[] = {
    "name",   "vcpus",     "weight",      "cap", "affinity",
    "guest",  "params",    "io_backends", "workloads", NULL,
};
const char *const vl_io_backends_names[] = {"shared", "per-device", NULL};
static const char *const workload_fixed[] = {"type", "name", "io_bound", NULL};

static int get_wtype(const yt_node *n, const char *what, const vl_workload_type **out,
                     vl_error *err)
{
    char got[80], list[320];
    size_t used = 0;
    if (n->kind == YT_SCALAR && n->str[0] && (*out = vl_workload_type_find(n->str)))
        return 0;
    list[0] = '\0';
    for (int i = 0; i < vl_workload_type_count(); i++) {
        int w = snprintf(list + used, sizeof list - used, "%s%s", i ? ", " : "",
                         vl_workload_type_at(i)->name);
        if (w < 0 || (size_t)w >= sizeof list - used)
            break;
        used += (size_t)w;
    }
    return scn_fail(err, n, what, "unknown workload type %s (registered types: %s)",
                    scn_got(n, got, sizeof got), used ? list : "none");
}

static int load_workload(const yt_node *seq, size_t idx, const char *vmwhat,
                         vl_workload_spec *ws, vl_error *err)
{
    const yt_node *m = seq->items[idx];
    char what[SCN_PATH_MAX], owner[96];
    yt_node *tn, *nn;
    scn_pathf(what, sizeof what, "%s.workloads[%zu]", vmwhat, idx);
    if (scn_expect(m, YT_MAP, what, err) < 0)
        return -1;
    ws->line = m->line;
    ws->col = m->col;
    if (scn_require(m, "type", what, &tn, err) < 0)
        return -1;
    scn_pathf(what, sizeof what, "%s.workloads[%zu].type", vmwhat, idx);
    if (get_wtype(tn, what, &ws->type, err) < 0)
        return -1;
    if ((nn = yt_map_get(m, "name"))) {
        scn_pathf(what, sizeof what, "%s.workloads[%zu].name", vmwhat, idx);
        if (scn_get_name(nn, what, ws->name, err) < 0)
            return -1;
    } else {
        scn_workload_name(seq, idx, ws->name, sizeof ws->name);
    }
    ws->io_bound = -1;
    if ((nn = yt_map_get(m, "io_bound"))) {
        bool b;
        scn_pathf(what, sizeof what, "%s.workloads[%s].io_bound", vmwhat, ws->name);
        if (scn_get_bool(nn, what, &b, err) < 0)
            return -1;
        ws->io_bound = b;
    }
    scn_pathf(what, sizeof what, "%s.workloads[%s]", vmwhat, ws->name);
    snprintf(owner, sizeof owner, "workload type '%s'", ws->type->name);
    if (scn_params_check_table(ws->type->params, ws->type->params_size, owner, m, err) < 0)
        return -1;
    ws->params = calloc(1, ws->type->params_size ? ws->type->params_size : 1);
    if (!ws->params)
        return vl_error_set(err, "out of memory");
    vl_params_defaults(ws->type->params, ws->params);
    return scn_params_apply(ws->type->params, m, workload_fixed, ws->params, what, owner, err);
}

static int load_workloads(const yt_node *seq, const char *vmwhat, vl_vm_spec *vm,
                          vl_error *err)
{
    char what[SCN_PATH_MAX];
    scn_pathf(what, sizeof what, "%s.workloads", vmwhat);
    if (scn_expect(seq, YT_SEQ, what, err) < 0)
        return -1;
    if (seq->n == 0)
        return 0;
    if (seq->n > VL_MAX_WORKLOADS)
        return scn_fail(err, seq->items[VL_MAX_WORKLOADS], what,
                        "more than %d workloads in one VM (the limit of a scenario)",
                        VL_MAX_WORKLOADS);
    vm->workloads = calloc(seq->n, sizeof *vm->workloads);
    if (!vm->workloads)
        return vl_error_set(err, "out of memory");
    vm->nworkloads = (int)seq->n;
    for (size_t i = 0; i < seq->n; i++) {
        vl_workload_spec *ws = &vm->workloads[i];
        if (load_workload(seq, i, vmwhat, ws, err) < 0)
            return -1;
        for (size_t j = 0; j < i; j++) {
            if (strcmp(vm->workloads[j].name, ws->name) != 0)
                continue;
            const yt_node *at = yt_map_get(seq->items[i], "name");
            return scn_fail(err, at ? at : seq->items[i], what,
                            "duplicate workload name '%s' (first at %d:%d)", ws->name,
                            vm->workloads[j].line, vm->workloads[j].col);
        }
    }
    return 0;
}

/* vms[].guest: the defaults, then the era settings of its kernel and
 * virtualization mode (read first), then every key given, which overrides
 * them. */
static int load_guest(const yt_node *vm, const char *path, vl_guest_spec *spec, vl_error *err)
{
    const yt_node *v = yt_map_get(vm, "guest");
    vl_params_defaults(vl_guest_params, spec);
    if (v && (scn_expect(v, YT_MAP, path, err) < 0 ||
              scn_params_apply(vl_guest_params, v, NULL, spec, path, "the guest", err) < 0))
        return -1;
    vl_guest_spec era = *spec; /* kernel and virt as given */
    vl_params_defaults(vl_guest_params, spec);
    spec->kernel = era.kernel;
    spec->virt = era.virt;
    const char *why;
    if (vl_guest_kernel_preset(spec, &why) < 0) {
        /* at the mode if given, else at the kernel (the default mode) */
        const char *key = v && yt_map_get(v, "virt") ? "virt" : "kernel";
        const yt_node *at = v && yt_map_get(v, key) ? yt_map_get(v, key) : v ? v : vm;
        char p[SCN_PATH_MAX];
        scn_pathf(p, sizeof p, "%s.%s", path, key);
        return scn_fail(err, at, p, "%s", why);
    }
    return v ? scn_params_apply(vl_guest_params, v, NULL, spec, path, "the guest", err) : 0;
}

static int load_vm(const yt_node *seq, size_t idx, vl_scenario *s, scn_name_set *names,
                   int *vcpus_total, vl_error *err)
{
    const yt_node *m = seq->items[idx];
    vl_vm_spec *vm = &s->vms[idx];
    char what[SCN_PATH_MAX], path[SCN_PATH_MAX];
    yt_node *v;

    scn_pathf(what, sizeof what, "vms[%zu]", idx);
    if (scn_expect(m, YT_MAP, what, err) < 0 || scn_check_keys(m, vm_keys, what, err) < 0)
        return -1;
    vm->line = m->line;
    vm->col = m->col;
    scn_pathf(path, sizeof path, "%s.name", what);
    if (scn_require(m, "name", what, &v, err) < 0 || scn_get_name(v, path, vm->name, err) < 0)
        return -1;
    if (strcmp(vm->name, VL_HOST_VM_NAME) == 0)
        return scn_fail(err, v, path, "the name '%s' is reserved for the host's I/O backends",
                        VL_HOST_VM_NAME);
    int j = scn_name_set_add(names, vm->name, (int)idx);
    if (j >= 0) {
        const yt_node *first = yt_map_get(seq->items[j], "name");
        return scn_fail(err, v, path, "duplicate VM name '%s' (first at %d:%d)", vm->name,
                        first->line, first->col);
    }
    scn_pathf(what, sizeof what, "vms[%s]", vm->name);

    scn_pathf(path, sizeof path, "%s.vcpus", what);
    if (scn_require(m, "vcpus", what, &v, err) < 0 ||
        scn_get_int32(v, path, 1, 1024, &vm->vcpus, err) < 0)
        return -1;
    *vcpus_total += vm->vcpus;
    if (*vcpus_total > VL_MAX_VCPUS_TOTAL)
        return scn_fail(err, v, path, "more than %d vCPUs in all VMs together (the limit of a "
                        "scenario)", VL_MAX_VCPUS_TOTAL);
    vm->weight = 256;
    scn_pathf(path, sizeof path, "%s.weight", what);
    if ((v = yt_map_get(m, "weight")) && scn_get_int32(v, path, 1, 65535, &vm->weight, err) < 0)
        return -1;
    vm->cap = 0;
    scn_pathf(path, sizeof path, "%s.cap", what);
    if ((v = yt_map_get(m, "cap")) &&
        scn_get_int32(v, path, 0, 100 * vm->vcpus, &vm->cap, err) < 0)
        return -1;
    scn_pathf(path, sizeof path, "%s.affinity", what);
    if ((v = yt_map_get(m, "affinity"))) {
        if (scn_get_cpuset(v, path, s->host.pcpus, &vm->affinity, err) < 0)
            return -1;
    } else {
        for (int c = 0; c < s->host.pcpus; c++)
            vl_cpuset_add(&vm->affinity, c);
    }
    scn_pathf(path, sizeof path, "%s.guest", what);
    if (load_guest(m, path, &vm->guest, err) < 0)
        return -1;
    if (vm->guest.spinlock == 1 && vm->guest.pv_spinlocks) {
        const yt_node *gn = yt_map_get(m, "guest"), *sn = gn ? yt_map_get(gn, "spinlock") : NULL;
        scn_pathf(path, sizeof path, "%s.guest.spinlock", what);
        return scn_fail(err, sn ? sn : m, path, "unfair locks and pv_spinlocks exclude each other "
                        "(a PV guest of Linux >= 4.2 uses `spinlock: queued`)");
    }
    if (vm->guest.rx_vcpu >= vm->vcpus) {
        const yt_node *gn = yt_map_get(m, "guest"), *rn = gn ? yt_map_get(gn, "rx_vcpu") : NULL;
        scn_pathf(path, sizeof path, "%s.guest.rx_vcpu", what);
        return scn_fail(err, rn ? rn : m, path, "must be one of the VM's vCPUs (0 to %d), got %lld",
                        vm->vcpus - 1, (long long)vm->guest.rx_vcpu);
    }
    scn_pathf(path, sizeof path, "%s.params", what);
    if ((v = yt_map_get(m, "params")) &&
        scn_load_policy_params(v, path, true, vm->vcpus, &vm->params, &vm->nparams, err) < 0)
        return -1;
    scn_pathf(path, sizeof path, "%s.io_backends", what);
    if ((v = yt_map_get(m, "io_backends")) &&
        scn_get_choice(v, path, vl_io_backends_names, &vm->io_backends, err) < 0)
        return -1;
    if ((v = yt_map_get(m, "workloads")) && load_workloads(v, what, vm, err) < 0)
        return -1;
    for (int i = 0; i < vm->nworkloads; i++)
        vm->io |= vl_workload_spec_io(&vm->workloads[i]);
    return 0;
}

void scn_free_workloads(vl_vm_spec *vm)
{
    for (int j = 0; j < vm->nworkloads; j++) {
        vl_workload_spec *ws = &vm->workloads[j];
        scn_params_free(ws->type ? ws->type->params : NULL, ws->params);
    }
    free(vm->workloads);
}

int scn_load_vms(const yt_node *seq, vl_scenario *s, vl_error *err)
{
    if (scn_expect(seq, YT_SEQ, "vms", err) < 0)
        return -1;
    if (seq->n == 0)
        return scn_fail(err, seq, "vms", "at least one VM is required");
    if (seq->n > VL_MAX_VMS)
        return scn_fail(err, seq->items[VL_MAX_VMS], "vms",
                        "more than %d VMs (the limit of a scenario)", VL_MAX_VMS);
    s->vms = calloc(seq->n, sizeof *s->vms);
    if (!s->vms)
        return vl_error_set(err, "out of memory");
    s->nvms = (int)seq->n; /* entries start zeroed: safe to free at any point */
    scn_name_set names;
    if (scn_name_set_init(&names, seq->n, err) < 0)
        return -1;
    int rc = 0, vcpus_total = 0;
    for (size_t i = 0; i < seq->n && rc == 0; i++)
        rc = load_vm(seq, i, s, &names, &vcpus_total, err);
    scn_name_set_free(&names);
    return rc;
}
