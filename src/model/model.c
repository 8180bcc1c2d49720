/* model/model.c - assembling, running and measuring one simulation. */
#include "guest/lifecycle.h"
#include "model/model.h"

#include "vl_mem.h"

#include "hv/boost_truth.h"
#include "hv/fold.h"
#include "hv/fragment.h"
#include "hv/io.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The guest files no event for an endless op (guest/exec.c): it ends at
 * least VL_OP_ENDLESS minus the run's time after any point of the run. */
_Static_assert(VL_OP_ENDLESS > 2 * VL_RUN_MAX, "an endless op must outlast any run");

/* data/System.map-6.1.0-56-cloud-amd64.trimmed, built in (CMakeLists.txt) */
extern const unsigned char vl_system_map[];
extern const size_t vl_system_map_len;

static void settle_guests(vl_model *m)
{
    for (int d = 0; d < m->scn->nvms; d++)
        vl_guest_settle(m->guests[d], m->hv.sim.now);
}

static void on_end(void *ctx, vl_event *ev)
{
    (void)ev;
    vl_model *m = ctx;
    settle_guests(m);
    vl_sim_stop(&m->hv.sim);
}

/* guest.workload_done: a run with workloads of a fixed amount of work
 * (iterations) ends when the last of them is done, if that is before
 * run.duration (and not before the warm-up ends). */
static void on_workload_done(void *ctx, vl_wstats *s, vl_ns now)
{
    (void)s;
    vl_model *m = ctx;
    bool bounded = false;
    for (int w = 0; w < m->nworkloads; w++) {
        const vl_workload *wl = &m->workloads[w];
        if (wl->iterations && !wl->stats.done_ns)
            return;
        bounded |= wl->iterations > 0;
    }
    vl_ns end = now > m->warmup ? now : m->warmup;
    if (!bounded || end >= m->duration)
        return;
    vl_fold_settle_all(&m->hv); /* their cycles armed slices by the old end */
    m->duration = m->hv.end = end;
    vl_sim_schedule(&m->hv.sim, &m->end_ev, end);
}

/* Start of the measurement window: remember the accounting so far and
 * clear the workloads' measures. */
static void on_warmup(void *ctx, vl_event *ev)
{
    (void)ev;
    vl_model *m = ctx;
    vl_hv *hv = &m->hv;
    vl_ns now = hv->sim.now;
    m->window_start = now;
    settle_guests(m);
    for (int i = 0; i < hv->nvcpus; i++)
        for (int st = 0; st < VL_NR_RUNSTATES; st++)
            m->vcpu_base[i * VL_NR_RUNSTATES + st] = vl_hv_vcpu_time(&hv->vcpus[i], st, now);
    for (int i = 0; i < hv->npcpus; i++) {
        m->pcpu_base[3 * i] = vl_hv_pcpu_busy(&hv->pcpus[i], now);
        m->pcpu_base[3 * i + 1] = vl_hv_pcpu_idle(&hv->pcpus[i], now);
        m->pcpu_base[3 * i + 2] = hv->pcpus[i].overhead_ns;
        m->pcpu_switch_base[i] = hv->pcpus[i].switches;
    }
    for (int c = 0; c < hv->sched.ncounters; c++)
        m->counter_base[c] = hv->sched.counters[c];
    vl_hv_io_window(hv);
    vl_frag_window(hv, now);
    vl_boost_window(hv);
    for (int w = 0; w < m->nworkloads; w++) {
        vl_wstats *s = &m->workloads[w].stats;
        s->work_ns = 0;
        s->bursts = 0;
        s->deadline_jobs = s->deadline_misses = 0;
        double jitter = s->net.jitter; /* a running estimate: it carries on */
        s->net = (vl_netstats){.jitter = jitter};
        vl_hist_reset(&s->wake_latency);
        vl_hist_reset(&s->response);
        vl_hist_reset(&s->io_latency);
        vl_hist_reset(&s->completion);
    }
}

/* Building stops with a message, not the out-of-memory killer or a
 * failed allocation, when the model would not fit: after the host and
 * after every guest, the growth of resident memory is checked against 90%
 * of what the machine had available (or the caller's budget), and the
 * growth of the address space against 90% of the RLIMIT_AS headroom. */
typedef struct mem_guard {
    size_t rss0, vsz0;      /* at the start                         */
    size_t rss_budget;      /* 0: not checked                       */
    size_t vsz_budget;      /* SIZE_MAX: not checked                */
} mem_guard;

static void mem_guard_init(mem_guard *g, const vl_model_opts *opts)
{
    vl_mem_usage(&g->rss0, &g->vsz0);
    g->rss_budget = opts && opts->mem_budget ? opts->mem_budget : vl_mem_available() / 10 * 9;
    size_t as = vl_mem_as_headroom();
    g->vsz_budget = as == (size_t)-1 ? as : as / 10 * 9;
    if (!g->rss0 || !g->vsz0) /* no /proc: nothing to measure */
        g->rss_budget = 0, g->vsz_budget = (size_t)-1;
}

static int mem_guard_check(const mem_guard *g, const vl_scenario *scn, int built, vl_error *err)
{
    /* growth only: memory can shrink while a model is built (pages freed
     * by the previous model given back, valgrind's own accounting) */
    size_t rss_now, vsz_now;
    vl_mem_usage(&rss_now, &vsz_now);
    size_t rss = rss_now > g->rss0 ? rss_now - g->rss0 : 0;
    size_t vsz = vsz_now > g->vsz0 ? vsz_now - g->vsz0 : 0;
    bool over_rss = g->rss_budget && rss > g->rss_budget;
    if (!over_rss && !(g->vsz_budget != (size_t)-1 && vsz > g->vsz_budget))
        return 0;
    return vl_error_set(err,
                        "the model does not fit in memory: building %d of %d VMs (or their "
                        "tasks) took %zu MB, more than the %zu MB %s (host.pcpus, vms and "
                        "tasks: docs/scenario-format.md)",
                        built, scn->nvms, (over_rss ? rss : vsz) >> 20,
                        (over_rss ? g->rss_budget : g->vsz_budget) >> 20,
                        over_rss ? "available" : "the address-space limit leaves");
}

static int create_workloads(vl_model *m, const mem_guard *guard, vl_error *err)
{
    const vl_scenario *scn = m->scn;
    for (int d = 0; d < scn->nvms; d++)
        m->nworkloads += scn->vms[d].nworkloads;
    m->workloads = calloc((size_t)m->nworkloads + 1, sizeof *m->workloads);
    if (!m->workloads)
        return vl_error_set(err, "out of memory");
    int w = 0;
    for (int d = 0; d < scn->nvms; d++) {
        const vl_vm_spec *vm = &scn->vms[d];
        for (int i = 0; i < vm->nworkloads; i++, w++) {
            const vl_workload_spec *ws = &vm->workloads[i];
            vl_workload *wl = &m->workloads[w];
            wl->id = w;
            memcpy(wl->name, ws->name, sizeof wl->name);
            wl->type = ws->type;
            wl->vm = d;
            wl->io_bound = vl_workload_spec_io_bound(ws);
            wl->iterations = vl_workload_iterations(ws->type, ws->params);
            vl_hist_init(&wl->stats.wake_latency);
            vl_hist_init(&wl->stats.response);
            vl_hist_init(&wl->stats.io_latency);
            vl_hist_init(&wl->stats.completion);
            if (ws->type->create(m->guests[d], wl, ws->params) < 0)
                return vl_error_at(err, scn->path, ws->line, ws->col,
                                   "workload '%s' of VM '%s' could not be created", ws->name,
                                   vm->name);
        }
        if (mem_guard_check(guard, scn, d + 1, err) < 0)
            return -1;
    }
    return 0;
}

/* The policy's rules on its filled parameter blobs (vl_sched_ops.check):
 * the loader checked the scenario's, this catches any other filling. */
static int policy_check(const vl_model *m, const void *blob, vl_param_scope scope,
                        const char *owner, vl_error *err)
{
    vl_param_fault fault = {0};
    if (!m->ops->check || m->ops->check(blob, scope, &fault) == 0)
        return 0;
    return vl_error_set(err, "policy '%s', %s: %s%s%s", m->ops->name, owner,
                        fault.param ? fault.param : "", fault.param ? " " : "",
                        fault.msg[0] ? fault.msg : "refused by the policy");
}

/* Writes into `priv` the scenario's blob (size bytes) if it gave one, else
 * the table's defaults, and checks the result. */
static int fill_params(const vl_model *m, void *priv, const void *given, size_t size,
                       const vl_param *table, vl_param_scope scope, const char *owner,
                       vl_error *err)
{
    if (given && size)
        memcpy(priv, given, size);
    else if (table)
        vl_params_defaults(table, priv);
    return policy_check(m, priv, scope, owner, err);
}

/* The policy's parameters: the scenario's for the host, each VM and each
 * vCPU, else the table defaults (the host VM of the backends always gets
 * those). */
static int policy_params(vl_model *m, vl_error *err)
{
    const vl_sched_ops *ops = m->ops;
    vl_hv *hv = &m->hv;
    if (fill_params(m, hv->sched.priv, vl_scenario_sched_params(m->scn, ops), ops->priv_size,
                    ops->params, VL_PARAMS_HOST, "host parameters", err) < 0)
        return -1;
    for (int d = 0; d < hv->nvms; d++) {
        const vl_vm_spec *spec = d < m->scn->nvms ? &m->scn->vms[d] : NULL;
        vl_vm *vm = &hv->vms[d];
        char owner[VL_NAME_MAX + 32];
        snprintf(owner, sizeof owner, "VM %s", vm->name);
        if (fill_params(m, vm->priv, spec ? vl_vm_spec_params(spec, ops) : NULL, ops->vm_size,
                        ops->vm_params, VL_PARAMS_VM, owner, err) < 0)
            return -1;
        for (int i = 0; ops->vcpu_params && i < vm->nvcpus; i++) {
            snprintf(owner, sizeof owner, "VM %s vCPU %d", vm->name, i);
            if (fill_params(m, vm->vcpus[i].priv,
                            spec ? vl_vm_spec_vcpu_params(spec, ops, i) : NULL, ops->vcpu_size,
                            ops->vcpu_params, VL_PARAMS_VCPU, owner, err) < 0)
                return -1;
        }
    }
    return 0;
}

int vl_model_create(vl_model *m, const vl_scenario *scn, const vl_sched_ops *ops, uint64_t seed,
                    vl_ns duration, const vl_model_opts *opts, vl_error *err)
{
    mem_guard guard;
    mem_guard_init(&guard, opts);
    memset(m, 0, sizeof *m);
    m->scn = scn;
    m->ops = ops;
    m->seed = seed ? seed : scn->seed;
    m->duration = duration > 0 ? duration : scn->duration;
    m->warmup = scn->warmup < m->duration ? scn->warmup : 0;
    vl_fel_kind fel = opts ? opts->fel : VL_FEL_DEFAULT;
    if (vl_hv_create(&m->hv, scn, ops, opts ? opts->tag_audit : NULL, fel, err) < 0)
        return -1;
    if (policy_params(m, err) < 0)
        return -1;
    m->hv.seed = m->seed;
    m->hv.end = m->duration;
    if (opts) {
        m->hv.observer = opts->observer;
        m->max_events = opts->max_events;
        m->hv.fold.enabled = !opts->no_fold;
    }
    vl_hv *hv = &m->hv;
    m->guests = calloc((size_t)scn->nvms, sizeof *m->guests);
    m->vcpu_base = calloc((size_t)hv->nvcpus * VL_NR_RUNSTATES, sizeof *m->vcpu_base);
    m->pcpu_base = calloc((size_t)hv->npcpus * 3, sizeof *m->pcpu_base);
    m->pcpu_switch_base = calloc((size_t)hv->npcpus, sizeof *m->pcpu_switch_base);
    m->counter_base = calloc((size_t)hv->sched.ncounters + 1, sizeof *m->counter_base);
    if (!m->guests || !m->vcpu_base || !m->pcpu_base || !m->pcpu_switch_base || !m->counter_base)
        return vl_error_set(err, "out of memory");
    if (vl_ksyms_parse(&m->ksyms, "System.map", (const char *)vl_system_map, vl_system_map_len,
                       err) < 0)
        return -1;
    hv->system_map = &m->ksyms;
    if (vl_kernel_image_load(&m->kernel, &m->ksyms) < 0)
        return vl_error_set(err, "out of memory");
    if (mem_guard_check(&guard, scn, 0, err) < 0)
        return -1;
    for (int d = 0; d < scn->nvms; d++) {
        vl_guest *g = vl_guest_create(hv, &hv->sim, d, scn->vms[d].name, scn->vms[d].vcpus,
                                      m->seed, &m->kernel, &scn->vms[d].guest);
        if (!g)
            return vl_error_set(err, "out of memory");
        m->guests[d] = g;
        g->workload_done = on_workload_done;
        g->workload_done_ctx = m;
        vl_hv_attach_guest(hv, d, &g->port, g);
        if (mem_guard_check(&guard, scn, d + 1, err) < 0)
            return -1;
    }
    if (create_workloads(m, &guard, err) < 0 || mem_guard_check(&guard, scn, scn->nvms, err) < 0)
        return -1;
    vl_sim_event_init(&m->hv.sim, &m->end_ev, on_end, m, VL_EVC_END, VL_TAG_RUN);
    vl_sim_event_init(&m->hv.sim, &m->warmup_ev, on_warmup, m, VL_EVC_END, VL_TAG_RUN);
    if (m->hv.sim.tags_exhausted)
        return vl_error_set(err, "more than %u event sources of one kind (the limit of a run)",
                            VL_TAG_INDEX_MAX);
    return 0;
}

int vl_model_start(vl_model *m, vl_error *err)
{
    m->started = true;
    if (vl_hv_start(&m->hv, err) == 0)
        return 0;
    int d = m->hv.refused_vm;
    if (d >= 0 && d < m->scn->nvms && err) {
        const vl_vm_spec *vm = &m->scn->vms[d];
        m->refused = true;
        snprintf(err->file, sizeof err->file, "%s", m->scn->path);
        err->line = vm->line;
        err->col = vm->col;
    }
    return -1;
}

int vl_model_run(vl_model *m, vl_error *err)
{
    vl_hv *hv = &m->hv;
    if (!m->started && vl_model_start(m, err) < 0)
        return -1;
    vl_sim_schedule(&hv->sim, &m->warmup_ev, m->warmup);
    vl_sim_schedule(&hv->sim, &m->end_ev, m->duration);
    vl_stop_reason why = vl_sim_run(&hv->sim, m->max_events);
    if (hv->failed) {
        m->policy_state = vl_hv_policy_state(hv);
        return vl_error_set(err, "%s", hv->failure);
    }
    if (why == VL_STOP_BUDGET)
        return vl_error_set(err, "event budget of %llu events exhausted at t=%lld ns",
                            (unsigned long long)m->max_events, (long long)hv->sim.now);
    return 0;
}

void vl_model_destroy(vl_model *m)
{
    if (m->guests)
        for (int d = 0; d < m->scn->nvms; d++)
            vl_guest_destroy(m->guests[d]);
    free(m->guests);
    vl_kernel_image_free(&m->kernel);
    vl_ksyms_free(&m->ksyms);
    free(m->vcpu_base);
    free(m->pcpu_base);
    free(m->pcpu_switch_base);
    free(m->counter_base);
    free(m->policy_state);
    vl_hv_destroy(&m->hv); /* before the clients whose events it holds */
    for (int w = 0; m->workloads && w < m->nworkloads; w++)
        vl_workload_fini(&m->workloads[w]);
    free(m->workloads);
    memset(m, 0, sizeof *m);
}

const vl_guest *vl_model_guest(const vl_model *m, int d)
{
    return d < m->scn->nvms ? m->guests[d] : NULL;
}

vl_ns vl_model_window(const vl_model *m)
{
    return m->hv.sim.now - m->window_start;
}

vl_ns vl_model_vcpu_time(const vl_model *m, int vcpu, vl_runstate st)
{
    return vl_hv_vcpu_time(&m->hv.vcpus[vcpu], st, m->hv.sim.now) -
           m->vcpu_base[vcpu * VL_NR_RUNSTATES + st];
}

vl_ns vl_model_pcpu_busy(const vl_model *m, int p)
{
    return vl_hv_pcpu_busy(&m->hv.pcpus[p], m->hv.sim.now) - m->pcpu_base[3 * p];
}

vl_ns vl_model_pcpu_idle(const vl_model *m, int p)
{
    return vl_hv_pcpu_idle(&m->hv.pcpus[p], m->hv.sim.now) - m->pcpu_base[3 * p + 1];
}

vl_ns vl_model_pcpu_overhead(const vl_model *m, int p)
{
    return m->hv.pcpus[p].overhead_ns - m->pcpu_base[3 * p + 2];
}

uint64_t vl_model_pcpu_switches(const vl_model *m, int p)
{
    return m->hv.pcpus[p].switches - m->pcpu_switch_base[p];
}

int64_t vl_model_counter(const vl_model *m, int c)
{
    return m->hv.sched.counters[c] - m->counter_base[c];
}
