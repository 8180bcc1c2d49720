/* guest/lifecycle.c - a guest kernel instance: creation (the core, then every
 * module of guest/modules.h: its private state, init and registrations, in
 * list order), tasks, teardown; the guest port (the core's entries and the
 * modules'; the execution engine is guest/exec.c). */
#include "guest/lifecycle.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>

#include "guest/exec.h"
#include "guest/gsched.h"
#include "guest/kernel.h"
#include "guest/module.h"
#include "guest/task.h"
#include "hv/guest_port.h"
#include "vcpulab/scenario.h"

static void port_enter(void *guest, int v, vl_ns now) { vl_exec_enter(guest, v, now); }
static void port_leave(void *guest, int v, vl_ns now) { vl_exec_leave(guest, v, now); }
static void port_interrupt(void *guest, int v, int vector, vl_ns now)
{
    vl_exec_interrupt(guest, v, vector, now);
}
static uint64_t port_rip(void *guest, int v, bool *kernel) { return vl_exec_rip(guest, v, kernel); }
static bool port_spin_folds(void *guest, int v) { return vl_exec_spin_folds(guest, v); }
static uint64_t port_io_task_starts(void *guest, int v)
{
    return ((vl_guest *)guest)->vcpus[v].io_starts;
}

/* The core's entries of the guest port; the modules add theirs. */
static const vl_guest_port core_port = {
    .enter = port_enter,
    .leave = port_leave,
    .interrupt = port_interrupt,
    .rip = port_rip,
    .io_task_starts = port_io_task_starts,
    .spin_folds = port_spin_folds,
};

#define VL_GMOD_REF(name) &vl_gmod_##name,
static const vl_gmod *const modules[VL_GMODS] = {VL_GUEST_MODULES(VL_GMOD_REF)};
#undef VL_GMOD_REF

/* Module m's private state, then its init. */
static int module_init(vl_guest *g, int m, const vl_guest_spec *spec)
{
    const vl_gmod *mod = modules[m];
    if (mod->priv_size && !(g->priv[m] = calloc(1, mod->priv_size)))
        return -1;
    if (mod->vcpu_size && !(g->vcpu_priv[m] = calloc((size_t)g->nvcpus, mod->vcpu_size)))
        return -1;
    g->nstarted = m + 1; /* its fini runs from now on, even if init fails */
    return mod->init ? mod->init(g, spec) : 0;
}

/* The modules' ops and hooks, in list order: a function of the module list
 * alone, so one table serves every guest.  Filled by the first guest's
 * creation, read-only afterwards. */
static vl_ghooks module_hooks;
static bool module_hooks_ready;

static void collect_hooks(vl_ghooks *h, int id)
{
    const vl_gmod *m = modules[id];
    for (int k = 0; k < VL_OP_KINDS; k++) {
        if (m->ops[k].run) {
            assert(!h->ops[k].run); /* one module per op kind */
            h->ops[k] = m->ops[k];
        }
    }
#define VL_HOOK_ADD(hook)                         \
    if (m->hook) {                                \
        h->hook##_bit[h->n##hook] = 1u << id;     \
        h->hook[h->n##hook++] = m;                \
    }
    VL_GUEST_HOOKS(VL_HOOK_ADD)
#undef VL_HOOK_ADD
    if (m->leave)
        h->leave = m;
    if (m->idle_pull)
        h->balancer = m;
}

static const vl_ghooks *hooks_of_modules(void)
{
    for (int m = 0; !module_hooks_ready && m < VL_GMODS; m++)
        collect_hooks(&module_hooks, m);
    module_hooks_ready = true;
    return &module_hooks;
}

/* Collects module `id`'s port entries into g. */
static void collect(vl_guest *g, int id)
{
    const vl_gmod *m = modules[id];
    if (m->port.net_rx)
        g->port.net_rx = m->port.net_rx;
    if (m->port.blk_done)
        g->port.blk_done = m->port.blk_done;
    if (m->port.hotplug)
        g->port.hotplug = m->port.hotplug;
}

vl_guest *vl_guest_create(struct vl_hv *hv, vl_sim *sim, int vm, const char *name, int nvcpus,
                          uint64_t seed, const vl_kernel_image *kernel, const vl_guest_spec *spec)
{
    vl_guest *g = calloc(1, sizeof *g);
    if (!g)
        return NULL;
    g->vcpus = calloc((size_t)nvcpus, sizeof *g->vcpus);
    g->hv = hv;
    g->sim = sim;
    g->vm = vm;
    g->nvcpus = nvcpus;
    g->quantum = VL_S(1) / spec->hz;
    g->seed = seed;
    snprintf(g->name, sizeof g->name, "%s", name);
    if (!g->vcpus || vl_guest_kernel_init(g, kernel) < 0) {
        vl_guest_destroy(g);
        return NULL;
    }
    g->pv_spinlocks = spec->pv_spinlocks;
    g->unfair_locks = spec->spinlock == 1;
    g->pv_qspinlock = spec->spinlock == 2 && spec->pv_spinlocks;
    g->wakelist_ipi = spec->wakeup_ipi == 0;
    g->pv_spin = spec->pv_spin;
    g->nonline = nvcpus;
    vl_list_init(&g->free_tasks);
    vl_gsched_init(g);
    for (int i = 0; i < nvcpus; i++) {
        vl_gvcpu *gv = &g->vcpus[i];
        vl_list_init(&gv->runq);
        vl_list_init(&gv->expired);
        vl_sim_event_init(g->sim, &gv->seg_ev, vl_exec_segment_end, g, VL_EVC_GUEST,
                          VL_TAG_GUEST_SEGMENT);
        for (int k = 0; k < VL_IPI_KINDS; k++)
            gv->ipi_sent_at[k] = -1;
    }
    vl_exec_init(g);
    g->port = core_port;
    for (int m = 0; m < VL_GMODS; m++) { /* every task carries each module's part */
        size_t align = _Alignof(max_align_t);
        g->task_priv_off[m] = g->task_priv_size;
        g->task_priv_size += (modules[m]->task_size + align - 1) / align * align;
    }
    for (int m = 0; m < VL_GMODS; m++) {
        if (module_init(g, m, spec) < 0) {
            vl_guest_destroy(g);
            return NULL;
        }
        collect(g, m);
    }
    g->hooks = hooks_of_modules();
    return g;
}

vl_task *vl_guest_task_create(vl_guest *g, const char *stream, const vl_program *prog,
                              vl_wstats *stats)
{
    vl_task *t = vl_task_new(g, stream, prog, stats);
    if (!t)
        return NULL;
    /* a program that starts with a sleep (a phase, a think time) sleeps
     * from the start; otherwise the task is runnable on its vCPU */
    vl_opi *first = vl_task_op(g, t, 0);
    if (first && first->kind == VL_OP_SLEEP)
        vl_task_sleep(g, t, g->sim->now);
    else
        vl_gsched_add_new(g, t);
    return t;
}

void vl_guest_settle(vl_guest *g, vl_ns now)
{
    for (int i = 0; i < g->nvcpus; i++) {
        vl_exec_settle(g, i, now);
        vl_gsched_settle(g, i, now);
    }
}

void vl_wstats_free(vl_wstats *s)
{
    vl_hist_free(&s->wake_latency);
    vl_hist_free(&s->response);
    vl_hist_free(&s->io_latency);
    vl_hist_free(&s->completion);
}

void vl_guest_destroy(vl_guest *g)
{
    if (!g)
        return;
    for (int i = 0; i < g->ntasks; i++) {
        vl_opq_fini(&g->tasks[i]->opq);
        free(g->tasks[i]);
    }
    free(g->tasks);
    vl_guest_locks_free(g);
    for (int m = VL_GMODS - 1; m >= 0; m--) {
        if (m < g->nstarted && modules[m]->fini)
            modules[m]->fini(g);
        free(g->priv[m]);
        free(g->vcpu_priv[m]);
    }
    for (int k = 0; k < VL_IPI_KINDS; k++)
        vl_hist_free(&g->ipi_latency[k]);
    for (int c = 0; g->classes && c < g->nclasses; c++)
        vl_hist_free(&g->classes[c].stats.wait);
    free(g->classes);
    free(g->vcpus);
    free(g);
}
