/* scenario/loader.c - the public scenario API: reads the file, builds the
 * YAML tree, applies --set overrides, converts the top level, `host:` and
 * `run:` (VMs in vms.c, policy parameters in policies.c / params.c), frees a
 * scenario and looks up its parameter blobs. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario/scn_internal.h"

#define DEFAULT_POLICY "credit"
#define MAX_FILE_SIZE (64u << 20)

static const char *const top_keys[] = {"name", "host", "scheduler", "params", "vms", "run", NULL};
static const char *const host_keys[] = {
    "pcpus", "sockets", "threads_per_core", "cores_per_socket", "cpu_mhz", "watchdog", "costs",
    "ple", "io", "ipi_virtualization", "cr3_exiting", "cstates", NULL,
};
static const char *const cost_keys[] = {
    "world_switch", "exit_entry", "migration", "host_ipi", "ipi_delivery", NULL,
};
static const char *const run_keys[] = {"duration", "warmup", "seed", NULL};

/* An optional int field: keeps *out (the default) when the key is absent. */
static int opt_int(const yt_node *map, const char *key, const char *what, int min, int max,
                   int *out, vl_error *err)
{
    char path[SCN_PATH_MAX];
    const yt_node *v = yt_map_get(map, key);
    scn_pathf(path, sizeof path, "%s.%s", what, key);
    return v ? scn_get_int32(v, path, min, max, out, err) : 0;
}

static int opt_duration(const yt_node *map, const char *key, const char *what, vl_ns min,
                        vl_ns max, vl_ns *out, vl_error *err)
{
    char path[SCN_PATH_MAX];
    const yt_node *v = yt_map_get(map, key);
    scn_pathf(path, sizeof path, "%s.%s", what, key);
    return v ? scn_get_duration(v, path, min, max, out, err) : 0;
}

static int load_costs(const yt_node *m, vl_costs *c, vl_error *err)
{
    const char *what = "host.costs";
    if (scn_expect(m, YT_MAP, what, err) < 0 || scn_check_keys(m, cost_keys, what, err) < 0)
        return -1;
    if (opt_duration(m, "world_switch", what, 0, VL_MS(10), &c->world_switch, err) < 0 ||
        opt_duration(m, "exit_entry", what, 0, VL_MS(10), &c->exit_entry, err) < 0 ||
        opt_duration(m, "migration", what, 0, VL_MS(10), &c->migration, err) < 0 ||
        opt_duration(m, "host_ipi", what, 0, VL_MS(10), &c->host_ipi, err) < 0 ||
        opt_duration(m, "ipi_delivery", what, 0, VL_MS(10), &c->ipi_delivery, err) < 0)
        return -1;
    return 0;
}

static int load_topology(const yt_node *m, vl_host_spec *h, vl_error *err)
{
    const char *what = "host";
    yt_node *v;
    if (scn_require(m, "pcpus", what, &v, err) < 0 ||
        scn_get_int32(v, "host.pcpus", 1, VL_MAX_PCPUS, &h->pcpus, err) < 0)
        return -1;
    h->sockets = h->threads_per_core = 1;
    if (opt_int(m, "sockets", what, 1, h->pcpus, &h->sockets, err) < 0 ||
        opt_int(m, "threads_per_core", what, 1, h->pcpus, &h->threads_per_core, err) < 0)
        return -1;
    int per_core_set = h->sockets * h->threads_per_core; /* <= 4096 * 4096 */
    if (!yt_map_get(m, "cores_per_socket")) {
        if (h->pcpus % per_core_set)
            return scn_fail(err, m, what,
                            "topology mismatch: %d pCPUs cannot be split into %d socket(s) "
                            "with %d thread(s) per core; set cores_per_socket",
                            h->pcpus, h->sockets, h->threads_per_core);
        h->cores_per_socket = h->pcpus / per_core_set;
        return 0;
    }
    if (opt_int(m, "cores_per_socket", what, 1, h->pcpus, &h->cores_per_socket, err) < 0)
        return -1;
    long long total = (long long)h->sockets * h->cores_per_socket * h->threads_per_core;
    if (total != h->pcpus)
        return scn_fail(err, m, what,
                        "topology mismatch: sockets (%d) * cores_per_socket (%d) * "
                        "threads_per_core (%d) = %lld, but pcpus is %d",
                        h->sockets, h->cores_per_socket, h->threads_per_core, total, h->pcpus);
    return 0;
}

static int load_host(const yt_node *m, vl_host_spec *h, vl_error *err)
{
    const yt_node *v;
    if (scn_expect(m, YT_MAP, "host", err) < 0 || scn_check_keys(m, host_keys, "host", err) < 0)
        return -1;
    if (load_topology(m, h, err) < 0)
        return -1;
    h->watchdog = VL_S(2);
    if (opt_duration(m, "watchdog", "host", VL_MS(1), VL_S(3600), &h->watchdog, err) < 0)
        return -1;
    h->costs.world_switch = VL_US(3);
    h->costs.exit_entry = VL_NS(1500);
    h->costs.migration = VL_US(20);
    h->costs.host_ipi = VL_US(1);
    h->costs.ipi_delivery = VL_US(1);
    if ((v = yt_map_get(m, "costs")) && load_costs(v, &h->costs, err) < 0)
        return -1;
    h->cpu_mhz = 2400; /* Xeon E5645, the micro-sliced cores testbed */
    if (opt_int(m, "cpu_mhz", "host", 100, 10000, &h->cpu_mhz, err) < 0)
        return -1;
    if ((v = yt_map_get(m, "ipi_virtualization")) &&
        scn_get_bool(v, "host.ipi_virtualization", &h->ipi_virtualization, err) < 0)
        return -1;
    if ((v = yt_map_get(m, "cr3_exiting")) &&
        scn_get_bool(v, "host.cr3_exiting", &h->cr3_exiting, err) < 0)
        return -1;
    if ((v = yt_map_get(m, "cstates"))) { /* hv/cstate.c has the tables */
        if (scn_expect(v, YT_SCALAR, "host.cstates", err) < 0)
            return -1;
        for (h->cstates = 0; vl_cstates_names[h->cstates] &&
                             strcmp(vl_cstates_names[h->cstates], v->str) != 0;)
            h->cstates++;
        if (!vl_cstates_names[h->cstates])
            return scn_fail(err, v, "host.cstates", "expected %s or %s, got '%s'",
                            vl_cstates_names[VL_CSTATES_NONE], vl_cstates_names[VL_CSTATES_NEHALEM],
                            v->str);
    }
    vl_params_defaults(vl_ple_params, &h->ple);
    if ((v = yt_map_get(m, "ple")) &&
        (scn_expect(v, YT_MAP, "host.ple", err) < 0 ||
         scn_params_apply(vl_ple_params, v, NULL, &h->ple, "host.ple", "host.ple", err) < 0))
        return -1;
    vl_params_defaults(vl_io_params, &h->io);
    if ((v = yt_map_get(m, "io")) &&
        (scn_expect(v, YT_MAP, "host.io", err) < 0 ||
         scn_params_apply(vl_io_params, v, NULL, &h->io, "host.io", "host.io", err) < 0))
        return -1;
    return 0;
}

static int load_run(const yt_node *m, vl_scenario *s, vl_error *err)
{
    const yt_node *v;
    yt_node *d;
    if (scn_expect(m, YT_MAP, "run", err) < 0 || scn_check_keys(m, run_keys, "run", err) < 0)
        return -1;
    if (scn_require(m, "duration", "run", &d, err) < 0 ||
        scn_get_duration(d, "run.duration", 1, VL_RUN_MAX, &s->duration, err) < 0)
        return -1;
    s->warmup = 0;
    if ((v = yt_map_get(m, "warmup"))) {
        char dur[32], got[80];
        if (scn_get_duration(v, "run.warmup", 0, VL_RUN_MAX, &s->warmup, err) < 0)
            return -1;
        if (s->warmup >= s->duration) {
            vl_duration_format(s->duration, dur, sizeof dur);
            return scn_fail(err, v, "run.warmup", "must be shorter than run.duration (%s), got %s",
                            dur, scn_got(v, got, sizeof got));
        }
    }
    s->seed = 1;
    if ((v = yt_map_get(m, "seed")) && scn_get_u64(v, "run.seed", &s->seed, err) < 0)
        return -1;
    return 0;
}

/* The base name of path without its extension. */
static void base_name(const char *path, char out[VL_NAME_MAX])
{
    const char *b = strrchr(path, '/');
    b = b ? b + 1 : path;
    const char *dot = strrchr(b, '.');
    size_t n = dot && dot != b ? (size_t)(dot - b) : strlen(b);
    if (n >= VL_NAME_MAX)
        n = VL_NAME_MAX - 1;
    memcpy(out, b, n);
    out[n] = '\0';
}

static int load_scheduler(const yt_node *root, vl_scenario *s, vl_error *err)
{
    const yt_node *v = yt_map_get(root, "scheduler");
    if (v)
        return scn_get_policy(v, "scheduler", &s->sched, err);
    s->sched = vl_policy_find(DEFAULT_POLICY);
    if (!s->sched)
        return scn_fail(err, root, "scheduler",
                        "not given, and the default policy '" DEFAULT_POLICY
                        "' is not registered; name one with scheduler:");
    return 0;
}

static int convert(const yt_node *root, const char *src, vl_scenario *s, vl_error *err)
{
    yt_node *v;
    if (!root)
        return vl_error_at(err, src, 1, 1,
                           "empty scenario: expected a mapping with host, vms and run");
    if (scn_expect(root, YT_MAP, "scenario", err) < 0 ||
        scn_check_keys(root, top_keys, "", err) < 0)
        return -1;
    if ((v = yt_map_get(root, "name"))) {
        if (scn_get_name(v, "name", s->name, err) < 0)
            return -1;
    } else {
        base_name(src, s->name);
    }
    if (scn_require(root, "host", "", &v, err) < 0 || load_host(v, &s->host, err) < 0)
        return -1;
    if (load_scheduler(root, s, err) < 0)
        return -1;
    if ((v = yt_map_get(root, "params")) &&
        scn_load_policy_params(v, "params", false, 0, &s->params, &s->nparams, err) < 0)
        return -1;
    if (scn_require(root, "vms", "", &v, err) < 0 || scn_load_vms(v, s, err) < 0)
        return -1;
    if (scn_require(root, "run", "", &v, err) < 0 || load_run(v, s, err) < 0)
        return -1;
    return 0;
}

/* Messages are single lines: input text quoted in them may hold control
 * characters (a last guard; most quotes are cleaned where they are made). */
static void one_line(vl_error *err)
{
    if (!err)
        return;
    for (char *c = err->msg; *c; c++)
        if ((unsigned char)*c < 0x20 || *c == 0x7f)
            *c = '?';
}

/* A copy of the overrides, for the reports' provenance. */
static int keep_sets(vl_scenario *s, const char *const *sets, int nsets)
{
    s->sets = calloc((size_t)nsets, sizeof *s->sets);
    if (!s->sets)
        return -1;
    for (; s->nsets < nsets; s->nsets++)
        if (!(s->sets[s->nsets] = strdup(sets[s->nsets])))
            return -1;
    return 0;
}

int vl_scenario_load_string(const char *name, const char *text, size_t len,
                            const char *const *sets, int nsets, vl_scenario *out,
                            vl_error *err)
{
    const char *src = name && name[0] ? name : "<string>";
    yt_node *root = NULL;
    int rc;

    memset(out, 0, sizeof *out);
    snprintf(out->path, sizeof out->path, "%s", src);
    rc = yt_parse(src, text ? text : "", text ? len : 0, 1, 1, 0, &root, err);
    if (rc == 0 && nsets > 0)
        rc = scn_overrides_apply(&root, sets, nsets, err);
    if (rc == 0)
        rc = convert(root, src, out, err);
    if (rc == 0 && nsets > 0 && keep_sets(out, sets, nsets) < 0)
        rc = vl_error_set(err, "out of memory");
    yt_free(root);
    if (rc < 0) {
        vl_scenario_free(out);
        one_line(err);
    }
    return rc;
}

/* Reads the whole file; *buf is malloc'ed (NUL-terminated). */
static int read_file(const char *path, char **buf, size_t *len, vl_error *err)
{
    FILE *f = fopen(path, "rb");
    size_t cap = 0, n = 0;
    char *b = NULL;
    if (!f)
        return vl_error_at(err, path, 0, 0, "cannot open: %s", strerror(errno));
    for (;;) {
        if (cap - n < 4096) {
            if (cap >= MAX_FILE_SIZE) {
                free(b);
                fclose(f);
                return vl_error_at(err, path, 0, 0, "file too large (over %u MiB)",
                                   MAX_FILE_SIZE >> 20);
            }
            char *nb = realloc(b, cap ? cap * 2 : 8192);
            if (!nb) {
                free(b);
                fclose(f);
                return vl_error_set(err, "out of memory");
            }
            b = nb;
            cap = cap ? cap * 2 : 8192;
        }
        size_t r = fread(b + n, 1, cap - n - 1, f);
        n += r;
        if (r == 0)
            break;
    }
    if (ferror(f)) {
        int e = errno;
        free(b);
        fclose(f);
        return vl_error_at(err, path, 0, 0, "cannot read: %s", strerror(e));
    }
    fclose(f);
    b[n] = '\0';
    *buf = b;
    *len = n;
    return 0;
}

int vl_scenario_load(const char *path, const char *const *sets, int nsets,
                     vl_scenario *out, vl_error *err)
{
    char *text = NULL;
    size_t len = 0;
    memset(out, 0, sizeof *out);
    if (read_file(path, &text, &len, err) < 0)
        return -1;
    int rc = vl_scenario_load_string(path, text, len, sets, nsets, out, err);
    free(text);
    return rc;
}

static void free_params(vl_policy_params *p, int n)
{
    for (int i = 0; i < n; i++) {
        free(p[i].blob);
        free(p[i].vcpu_blobs);
    }
    free(p);
}

void vl_scenario_free(vl_scenario *s)
{
    if (!s)
        return;
    for (int i = 0; i < s->nvms; i++) {
        vl_vm_spec *vm = &s->vms[i];
        scn_free_workloads(vm);
        free_params(vm->params, vm->nparams);
    }
    free(s->vms);
    free_params(s->params, s->nparams);
    for (int i = 0; i < s->nsets; i++)
        free(s->sets[i]);
    free(s->sets);
    memset(s, 0, sizeof *s);
}

static const vl_policy_params *find_entry(const vl_policy_params *p, int n,
                                          const vl_sched_ops *ops)
{
    for (int i = 0; i < n; i++)
        if (p[i].ops == ops)
            return &p[i];
    return NULL;
}

const void *vl_scenario_sched_params(const vl_scenario *s, const vl_sched_ops *ops)
{
    const vl_policy_params *pp = find_entry(s->params, s->nparams, ops);
    return pp ? pp->blob : NULL;
}

const void *vl_vm_spec_params(const vl_vm_spec *vm, const vl_sched_ops *ops)
{
    const vl_policy_params *pp = find_entry(vm->params, vm->nparams, ops);
    return pp ? pp->blob : NULL;
}

const void *vl_vm_spec_vcpu_params(const vl_vm_spec *vm, const vl_sched_ops *ops, int index)
{
    const vl_policy_params *pp = find_entry(vm->params, vm->nparams, ops);
    if (!pp || !pp->vcpu_blobs || index < 0 || index >= vm->vcpus)
        return NULL;
    return (const char *)pp->vcpu_blobs + (size_t)index * ops->vcpu_size;
}
