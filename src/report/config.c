/* report/config.c - what a run was: the scenario as it ran (after --set,
 * every default filled in), the policy's parameters in force (host, per VM
 * and per vCPU), and the build that ran it, as the "config" object of the
 * JSON reports and as the comment lines that open every CSV
 * (docs/output-format.md, "Provenance").  Reads the scenario and the
 * model; writes nothing else.  The commit is the report's top-level
 * "commit". */
#include "report/report.h"

#include <stdio.h>
#include <stdlib.h>

#include "guest/kernel.h"
#include "vl_json.h"
#include "workload/program_spec.h"

#ifndef VL_COMMIT
#define VL_COMMIT "unknown"
#endif

const char *vl_build_commit(void)
{
    return VL_COMMIT;
}

static void write_dist(vl_json *j, const vl_dist *d)
{
    vl_json_obj_begin(j);
    vl_json_kstr(j, "dist", vl_dist_kind_name(d->kind));
    vl_json_kdouble(j, "mean_ns", vl_dist_mean(d));
    if (d->kind == VL_DIST_EMPIRICAL) {
        vl_json_key(j, "values_ns");
        vl_json_arr_begin(j);
        for (size_t i = 0; d->points && i < d->points->n; i++)
            vl_json_double(j, d->points->values[i]);
        vl_json_arr_end(j);
    } else {
        vl_json_kdouble(j, "a", d->a);
        vl_json_kdouble(j, "b", d->b);
    }
    vl_json_obj_end(j);
}

static const char *const sync_kinds[] = {"barrier", "event", "mutex"};

/* A `program` workload's task groups and sync objects, steps in program
 * order (a loop's "body" is the index of its first step). */
static void write_program(vl_json *j, const vl_prog_spec *s)
{
    vl_json_obj_begin(j);
    vl_json_key(j, "groups");
    vl_json_arr_begin(j);
    for (int k = 0; k < s->ntasks; k++) {
        const vl_task_spec *t = &s->tasks[k];
        vl_json_obj_begin(j);
        vl_json_kstr(j, "name", t->name);
        vl_json_kint(j, "count", t->count);
        vl_json_kbool(j, "process", t->process);
        vl_json_kint(j, "nice", t->nice);
        vl_json_key(j, "do");
        vl_json_arr_begin(j);
        for (int i = 0; i < t->nsteps; i++) {
            const vl_step *st = &t->steps[i];
            vl_json_obj_begin(j);
            vl_json_kstr(j, "op", vl_step_names[st->kind]);
            if (st->kind <= VL_STEP_MUNMAP) { /* the kinds with a duration */
                vl_json_key(j, "dur");
                write_dist(j, &st->dur);
            }
            if (st->kind == VL_STEP_KERNEL) {
                vl_json_kstr(j, "at", vl_guest_activity_names[st->activity]);
                if (st->spinlock >= 0) {
                    vl_json_kstr(j, "spinlock", vl_guest_lock_class_names[st->spinlock + 1]);
                    vl_json_key(j, "hold");
                    write_dist(j, &st->hold);
                    vl_json_kbool(j, "shared", st->shared);
                }
            }
            if (st->sync >= 0)
                vl_json_kstr(j, "sync", s->syncs[st->sync].name);
            if (st->kind == VL_STEP_READ || st->kind == VL_STEP_WRITE ||
                st->kind == VL_STEP_SEND)
                vl_json_kint(j, "bytes", st->bytes);
            if (st->kind == VL_STEP_RECV || st->kind == VL_STEP_SEND ||
                st->kind == VL_STEP_LOOP)
                vl_json_kint(j, "count", st->count);
            if (st->kind == VL_STEP_LOOP)
                vl_json_kint(j, "body", st->body);
            vl_json_obj_end(j);
        }
        vl_json_arr_end(j);
        vl_json_obj_end(j);
    }
    vl_json_arr_end(j);
    vl_json_key(j, "syncs");
    vl_json_arr_begin(j);
    for (int i = 0; i < s->nsyncs; i++) {
        vl_json_obj_begin(j);
        vl_json_kstr(j, "name", s->syncs[i].name);
        vl_json_kstr(j, "kind", sync_kinds[s->syncs[i].kind]);
        if (s->syncs[i].kind == VL_SYNC_BARRIER)
            vl_json_kint(j, "parties", s->syncs[i].parties);
        vl_json_obj_end(j);
    }
    vl_json_arr_end(j);
    vl_json_obj_end(j);
}

void vl_report_params(vl_json *j, const vl_param *table, const void *blob)
{
    vl_json_obj_begin(j);
    for (const vl_param *p = table; p && p->name; p++) {
        const char *at = (const char *)blob + p->offset;
        vl_json_key(j, p->name);
        switch (p->type) {
        case VL_PARAM_INT: vl_json_int(j, *(const int64_t *)at); break;
        case VL_PARAM_TIME: vl_json_int(j, *(const vl_ns *)at); break;
        case VL_PARAM_BOOL: vl_json_bool(j, *(const bool *)at); break;
        case VL_PARAM_DOUBLE: vl_json_double(j, *(const double *)at); break;
        case VL_PARAM_ENUM: vl_json_str(j, p->choices[*(const int *)at]); break;
        case VL_PARAM_DIST: write_dist(j, (const vl_dist *)at); break;
        case VL_PARAM_PROGRAM: write_program(j, *(const vl_prog_spec *const *)at); break;
        }
    }
    vl_json_obj_end(j);
}

static void write_host(vl_json *j, const vl_host_spec *h)
{
    vl_json_key(j, "host");
    vl_json_obj_begin(j);
    vl_json_kint(j, "pcpus", h->pcpus);
    vl_json_kint(j, "sockets", h->sockets);
    vl_json_kint(j, "cores_per_socket", h->cores_per_socket);
    vl_json_kint(j, "threads_per_core", h->threads_per_core);
    vl_json_kint(j, "cpu_mhz", h->cpu_mhz);
    vl_json_kint(j, "watchdog_ns", h->watchdog);
    vl_json_kbool(j, "ipi_virtualization", h->ipi_virtualization);
    vl_json_kbool(j, "cr3_exiting", h->cr3_exiting);
    vl_json_kstr(j, "cstates", vl_cstates_names[h->cstates]);
    vl_json_key(j, "costs_ns");
    vl_json_obj_begin(j);
    vl_json_kint(j, "world_switch", h->costs.world_switch);
    vl_json_kint(j, "exit_entry", h->costs.exit_entry);
    vl_json_kint(j, "migration", h->costs.migration);
    vl_json_kint(j, "host_ipi", h->costs.host_ipi);
    vl_json_kint(j, "ipi_delivery", h->costs.ipi_delivery);
    vl_json_obj_end(j);
    vl_json_key(j, "ple");
    vl_report_params(j, vl_ple_params, &h->ple);
    vl_json_key(j, "io");
    vl_report_params(j, vl_io_params, &h->io);
    vl_json_obj_end(j);
}

/* "0-3,8": the affinity as a cpu list. */
static void write_cpulist(vl_json *j, const vl_cpuset *s, int n)
{
    char buf[4 * 1024 * 6];
    size_t used = 0;
    for (int c = 0; c < n && used < sizeof buf - 16;) {
        if (!vl_cpuset_has(s, c)) {
            c++;
            continue;
        }
        int e = c;
        while (e + 1 < n && vl_cpuset_has(s, e + 1))
            e++;
        used += (size_t)snprintf(buf + used, sizeof buf - used, e > c ? "%s%d-%d" : "%s%d",
                                 used ? "," : "", c, e);
        c = e + 1;
    }
    buf[used] = '\0';
    vl_json_str(j, buf);
}

static void write_vm(vl_json *j, const vl_model *m, int d)
{
    const vl_vm_spec *vm = &m->scn->vms[d];
    const vl_vm *hv_vm = &m->hv.vms[d];
    vl_json_obj_begin(j);
    vl_json_kstr(j, "name", vm->name);
    vl_json_kint(j, "vcpus", vm->vcpus);
    vl_json_kint(j, "weight", vm->weight);
    vl_json_kint(j, "cap", vm->cap);
    vl_json_key(j, "affinity");
    write_cpulist(j, &vm->affinity, m->scn->host.pcpus);
    vl_json_key(j, "guest");
    vl_report_params(j, vl_guest_params, &vm->guest);
    vl_json_kstr(j, "io_backends", vl_io_backends_names[vm->io_backends]);
    if (m->ops->vm_params && hv_vm->priv) {
        vl_json_key(j, "params");
        vl_report_params(j, m->ops->vm_params, hv_vm->priv);
    }
    if (m->ops->vcpu_params) { /* the values in force, one object per vCPU */
        vl_json_key(j, "vcpu_params");
        vl_json_arr_begin(j);
        for (int i = 0; i < hv_vm->nvcpus; i++)
            vl_report_params(j, m->ops->vcpu_params, hv_vm->vcpus[i].priv);
        vl_json_arr_end(j);
    }
    vl_json_key(j, "workloads");
    vl_json_arr_begin(j);
    for (int w = 0; w < vm->nworkloads; w++) {
        const vl_workload_spec *ws = &vm->workloads[w];
        vl_json_obj_begin(j);
        vl_json_kstr(j, "name", ws->name);
        vl_json_kstr(j, "type", ws->type->name);
        vl_json_kbool(j, "io_bound", vl_workload_spec_io_bound(ws));
        vl_json_key(j, "params");
        vl_report_params(j, ws->type->params, ws->params);
        vl_json_obj_end(j);
    }
    vl_json_arr_end(j);
    vl_json_obj_end(j);
}

void vl_report_config(vl_json *j, const vl_model *m)
{
    const vl_scenario *s = m->scn;
    vl_json_key(j, "config");
    vl_json_obj_begin(j);
    vl_json_kstr(j, "file", s->path);
    vl_json_key(j, "sets");
    vl_json_arr_begin(j);
    for (int i = 0; i < s->nsets; i++)
        vl_json_str(j, s->sets[i]);
    vl_json_arr_end(j);
    vl_json_kuint(j, "seed", m->seed);
    vl_json_kint(j, "duration_ns", m->duration);
    vl_json_kint(j, "warmup_ns", m->warmup);
    write_host(j, &s->host);
    vl_json_key(j, "policy");
    vl_json_obj_begin(j);
    vl_json_kstr(j, "name", m->ops->name);
    vl_json_key(j, "params");
    vl_report_params(j, m->ops->params, m->hv.sched.priv);
    vl_json_obj_end(j);
    vl_json_key(j, "vms");
    vl_json_arr_begin(j);
    for (int d = 0; d < s->nvms; d++)
        write_vm(j, m, d);
    vl_json_arr_end(j);
    vl_json_obj_end(j);
}

void vl_report_csv_head(FILE *f, const char *const *sets, int nsets)
{
    fprintf(f, "# vcpulab: %s\n# commit: %s\n# sets: ", VL_VERSION, vl_build_commit());
    vl_json j;
    vl_json_init(&j, f, false);
    vl_json_arr_begin(&j);
    for (int i = 0; i < nsets; i++)
        vl_json_str(&j, sets[i]);
    vl_json_arr_end(&j);
    vl_json_finish(&j);
}

/* The object of a "# config:" line, compact, without a newline. */
static void write_config_object(FILE *f, const vl_model *m, const char *const *keys,
                                const char *const *values, int ngrid, long nseeds)
{
    vl_json j;
    vl_json_init(&j, f, false);
    vl_json_obj_begin(&j);
    vl_json_kstr(&j, "sched", m->ops->name);
    if (ngrid > 0) {
        vl_json_key(&j, "grid");
        vl_json_obj_begin(&j);
        for (int k = 0; k < ngrid; k++)
            vl_json_kstr(&j, keys[k], values[k]);
        vl_json_obj_end(&j);
    }
    vl_json_kuint(&j, "first_seed", m->seed);
    vl_json_kint(&j, "seeds", nseeds);
    vl_report_config(&j, m);
    vl_json_obj_end(&j);
}

void vl_report_config_line(FILE *f, const vl_model *m, const char *const *keys,
                           const char *const *values, int ngrid, long nseeds)
{
    fputs("# config: ", f);
    write_config_object(f, m, keys, values, ngrid, nseeds);
    fputc('\n', f);
}

char *vl_report_config_json(const vl_model *m, const char *const *keys,
                            const char *const *values, int ngrid, long nseeds)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return NULL;
    write_config_object(f, m, keys, values, ngrid, nseeds);
    if (ferror(f) | fclose(f)) {
        free(buf);
        return NULL;
    }
    return buf;
}
