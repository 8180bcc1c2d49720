/* hv/lifecycle.c - building the host and VMs from a scenario, starting the
 * policy, the core's timers (slice, tick, policy timers, watchdog), and
 * teardown.  It reads the scenario's host and VM specs but calls nothing
 * of the scenario layer: the policy's parameters are the caller's to fill
 * (hv/hv.h vl_hv_create). */
#include <stdlib.h>
#include <string.h>

#include <stdio.h>

#include "hv/fold.h"
#include "hv/hv.h"
#include "hv/io.h"

static void on_sched(void *ctx, vl_event *ev)
{
    (void)ev;
    vl_hv_reschedule(ctx);
}

static void on_tick(void *ctx, vl_event *ev)
{
    (void)ev;
    vl_pcpu *p = ctx;
    vl_hv *hv = p->hv;
    if (!p->curr || hv->sched.tick <= 0)
        return;
    vl_sim_schedule(&hv->sim, &p->tick_ev, hv->sim.now + hv->sched.tick);
    if (hv->sched.ops->tick) {
        hv->local = p;
        hv->hook = "tick";
        hv->sched.ops->tick(&hv->sched, p, hv->sim.now);
        hv->hook = NULL;
        hv->local = NULL;
    }
}

/* Timers re-armed for the instant they fire at would stop simulated time:
 * bounded like a pCPU's reschedules (hv.h VL_HV_RESCHED_BOUND). */
static bool timers_livelocked(vl_hv *hv, vl_pcpu *p, int slot)
{
    int bound = VL_HV_RESCHED_BOUND * VL_TIMER_SLOTS * (hv->npcpus + 1);
    if (hv->timers_at != hv->sim.now) {
        hv->timers_at = hv->sim.now;
        hv->timers_n = 0;
    }
    if (++hv->timers_n <= bound)
        return false;
    hv->hook = "timer_fired";
    if (p)
        vl_hv_fail(hv, "policy timers fired more than %d times at one instant (the last: "
                       "pCPU %d, slot %d): simulated time cannot advance", bound, p->id, slot);
    else
        vl_hv_fail(hv, "policy timers fired more than %d times at one instant (the last: "
                       "instance slot %d): simulated time cannot advance", bound, slot);
    hv->hook = NULL;
    return true;
}

static void fire_policy_timer(vl_hv *hv, vl_pcpu *p, vl_event *ev, vl_event *base)
{
    int slot = (int)(ev - base);
    if (!hv->sched.ops->timer_fired || timers_livelocked(hv, p, slot))
        return;
    hv->local = p;
    hv->hook = "timer_fired";
    hv->sched.ops->timer_fired(&hv->sched, p, slot, hv->sim.now);
    hv->hook = NULL;
    hv->local = NULL;
}

static void on_pcpu_timer(void *ctx, vl_event *ev)
{
    vl_pcpu *p = ctx;
    fire_policy_timer(p->hv, p, ev, p->timer_ev);
}

static void on_sched_timer(void *ctx, vl_event *ev)
{
    vl_hv *hv = ctx;
    fire_policy_timer(hv, NULL, ev, hv->sched.timer_ev);
}

/* The starvation watchdog: a runnable vCPU that waited longer than the
 * limit means the policy lost it (or starves it). */
static void on_watchdog(void *ctx, vl_event *ev)
{
    vl_hv *hv = ctx;
    vl_ns now = hv->sim.now;
    for (int i = 0; i < hv->nvcpus; i++) {
        vl_vcpu *v = &hv->vcpus[i];
        /* a wait starts when it became runnable, or when it was unparked */
        vl_ns since = v->unparked_at > v->state_entry ? v->unparked_at : v->state_entry;
        if (v->state == VL_RUNNABLE && !v->parked && now - since > hv->watchdog) {
            char waited[32];
            vl_duration_format(now - since, waited, sizeof waited);
            hv->hook = "watchdog";
            vl_hv_fail(hv, "%s.v%d has been runnable for %s without running (limit: "
                           "host.watchdog)", v->vm->name, v->index, waited);
            return;
        }
    }
    vl_sim_schedule(&hv->sim, ev, now + hv->watchdog / 4);
}

static void *priv_alloc(size_t size)
{
    return size ? calloc(1, size) : NULL;
}

static int alloc_failed(vl_error *err)
{
    return vl_error_set(err, "out of memory");
}

static void guest_vm(vl_vm *vm, const vl_vm_spec *spec)
{
    memcpy(vm->name, spec->name, sizeof vm->name);
    vm->weight = spec->weight;
    vm->cap = spec->cap;
    vm->nvcpus = spec->vcpus;
    vm->affinity = spec->affinity;
}

/* Xen's dom0 and a VM without settings both get weight 256, no cap, every
 * pCPU (KVM's vhost workers are host threads of the default weight). */
static void host_vm(vl_vm *vm, int nbackends, int npcpus)
{
    snprintf(vm->name, sizeof vm->name, "%s", VL_HOST_VM_NAME);
    vm->host = true;
    vm->weight = 256;
    vm->cap = 0;
    vm->nvcpus = nbackends;
    for (int c = 0; c < npcpus; c++)
        vl_cpuset_add(&vm->affinity, c);
}

int vl_hv_create(vl_hv *hv, const vl_scenario *scn, const vl_sched_ops *ops, vl_tag_audit *audit,
                 vl_fel_kind fel, vl_error *err)
{
    memset(hv, 0, sizeof *hv);
    if (vl_sim_init(&hv->sim, fel))
        return alloc_failed(err);
    hv->sim.audit = audit;
    hv->costs = scn->host.costs;
    hv->ple = scn->host.ple;
    hv->ple_grow_default = hv->ple.grow == 0;
    if (hv->ple_grow_default) /* the hypervisor's own default */
        hv->ple.grow = ops->hypervisor == VL_HV_XEN ? 1 : 2;
    hv->cpu_mhz = scn->host.cpu_mhz > 0 ? scn->host.cpu_mhz : 2400;
    hv->ipi_virtualization = scn->host.ipi_virtualization;
    hv->cr3_exiting = scn->host.cr3_exiting;
    hv->cstates = scn->host.cstates;
    hv->watchdog = scn->host.watchdog;
    hv->end = VL_NS_MAX; /* the model sets the run's */
    hv->seed = scn->seed; /* the model sets the run's, when it differs */
    hv->npcpus = scn->host.pcpus;
    hv->nvms = scn->nvms;
    int nbackends = 0; /* per VM with devices, one or one per device, as
                        * vCPUs of the host VM */
    for (int i = 0; i < scn->nvms; i++) {
        hv->nvcpus += scn->vms[i].vcpus;
        nbackends += vl_vm_spec_backends(&scn->vms[i]);
    }
    if (nbackends > 0) {
        hv->nvms++;
        hv->nvcpus += nbackends;
    }
    hv->pcpus = calloc((size_t)hv->npcpus, sizeof *hv->pcpus);
    hv->vms = calloc((size_t)hv->nvms, sizeof *hv->vms);
    hv->vcpus = calloc((size_t)hv->nvcpus, sizeof *hv->vcpus);
    if (!hv->pcpus || !hv->vms || !hv->vcpus)
        return alloc_failed(err);

    vl_sched *s = &hv->sched;
    s->ops = ops;
    s->hv = hv;
    s->priv = priv_alloc(ops->priv_size);
    if (ops->priv_size && !s->priv)
        return alloc_failed(err);
    for (s->ncounters = 0; ops->counters && ops->counters[s->ncounters];)
        s->ncounters++;
    s->counters = calloc((size_t)s->ncounters + 1, sizeof *s->counters);
    if (!s->counters)
        return alloc_failed(err);
    for (int t = 0; t < VL_TIMER_SLOTS; t++)
        vl_sim_event_init(&hv->sim, &s->timer_ev[t], on_sched_timer, hv, VL_EVC_HV,
                          VL_TAG_SCHED_TIMER);

    for (int i = 0; i < hv->npcpus; i++) {
        vl_pcpu *p = &hv->pcpus[i];
        p->id = i;
        p->hv = hv;
        p->place = vl_topology_place(i, scn->host.cores_per_socket, scn->host.threads_per_core);
        p->cstate = -1; /* the host just booted: its pCPUs have not idled yet */
        vl_sim *sim = &hv->sim;
        vl_sim_event_init(sim, &p->sched_ev, on_sched, p, VL_EVC_SCHED, VL_TAG_PCPU);
        vl_sim_event_init(sim, &p->slice_ev, on_sched, p, VL_EVC_SLICE, VL_TAG_PCPU);
        vl_sim_event_init(sim, &p->tick_ev, on_tick, p, VL_EVC_HV, VL_TAG_PCPU);
        vl_sim_event_init(sim, &p->enter_ev, vl_hv_enter_event, p, VL_EVC_GUEST, VL_TAG_PCPU);
        for (int t = 0; t < VL_TIMER_SLOTS; t++)
            vl_sim_event_init(sim, &p->timer_ev[t], on_pcpu_timer, p, VL_EVC_HV, VL_TAG_PCPU);
        p->priv = priv_alloc(ops->pcpu_size);
        if (ops->pcpu_size && !p->priv)
            return alloc_failed(err);
    }
    hv->idle_pcpus = hv->npcpus; /* every pCPU starts idle (hv/fragment.h) */
    hv->refused_vm = -1;
    int next_vcpu = 0;
    for (int d = 0; d < hv->nvms; d++) {
        vl_vm *vm = &hv->vms[d];
        vm->id = d;
        if (d == scn->nvms) /* the host VM: weight and affinity of a default VM */
            host_vm(vm, nbackends, hv->npcpus);
        else
            guest_vm(vm, &scn->vms[d]);
        vm->vcpus = &hv->vcpus[next_vcpu];
        vm->online = vm->nvcpus;
        vm->priv = priv_alloc(ops->vm_size);
        if (ops->vm_size && !vm->priv)
            return alloc_failed(err);
        for (int i = 0; i < vm->nvcpus; i++) {
            vl_vcpu *v = &hv->vcpus[next_vcpu];
            v->id = next_vcpu++;
            v->index = i;
            v->vm = vm;
            v->hv = hv;
            v->state = VL_OFFLINE;
            vl_hv_ple_init(hv, v);
            vl_hv_ipi_init(v);
            v->priv = priv_alloc(ops->vcpu_size);
            if (ops->vcpu_size && !v->priv)
                return alloc_failed(err);
        }
    }
    vl_sim_event_init(&hv->sim, &hv->watchdog_ev, on_watchdog, hv, VL_EVC_HV, VL_TAG_WATCHDOG);
    if (vl_fold_init(hv) < 0)
        return alloc_failed(err);
    return vl_hv_io_create(hv, scn, err);
}

void vl_hv_attach_guest(vl_hv *hv, int vm, const vl_guest_port *port, void *guest)
{
    hv->vms[vm].port = port;
    hv->vms[vm].guest = guest;
}

int vl_hv_start(vl_hv *hv, vl_error *err)
{
    const vl_sched_ops *ops = hv->sched.ops;
    vl_hv_sched_begin(hv);
    vl_hv_io_begin(hv);
    hv->hook = "init";
    if (ops->init(&hv->sched) < 0) {
        hv->hook = NULL;
        if (hv->failed)
            return vl_error_set(err, "%s", hv->failure);
        return vl_error_set(err, "policy '%s' refused to start (init failed)", ops->name);
    }
    for (int i = 0; i < hv->nvcpus; i++) {
        if (ops->vcpu_insert) {
            hv->hook = "vcpu_insert";
            ops->vcpu_insert(&hv->sched, &hv->vcpus[i]);
        }
    }
    hv->hook = NULL;
    for (int i = 0; i < hv->npcpus; i++)
        hv->pcpus[i].since = hv->sim.now;
    for (int i = 0; i < hv->nvcpus && !hv->failed; i++)
        vl_hv_wake(&hv->vcpus[i], VL_WAKE_START, -1);
    if (hv->failed)
        return vl_error_set(err, "%s", hv->failure);
    vl_sim_schedule(&hv->sim, &hv->watchdog_ev, hv->sim.now + hv->watchdog / 4);
    return 0;
}

void vl_hv_destroy(vl_hv *hv)
{
    vl_hv_io_destroy(hv);
    vl_fold_fini(hv);
    if (hv->sched.ops && hv->sched.ops->fini && hv->sched.priv)
        hv->sched.ops->fini(&hv->sched);
    free(hv->sched.priv);
    free(hv->sched.counters);
    for (int i = 0; hv->pcpus && i < hv->npcpus; i++)
        free(hv->pcpus[i].priv);
    for (int i = 0; hv->vms && i < hv->nvms; i++) {
        free(hv->vms[i].priv);
        free(hv->vms[i].online_series);
    }
    for (int i = 0; hv->vcpus && i < hv->nvcpus; i++)
        free(hv->vcpus[i].priv);
    free(hv->pcpus);
    free(hv->vms);
    free(hv->vcpus);
    vl_sim_fini(&hv->sim);
    memset(hv, 0, sizeof *hv);
}
