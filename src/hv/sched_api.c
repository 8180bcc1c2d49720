/* hv/sched_api.c - what a policy may read and do (include/vcpulab/sched.h),
 * implemented over the core's objects.  Nothing here exposes guest state:
 * the one guest-derived value, the saved RIP, is only given for a preempted
 * vCPU, as a real hypervisor reads it from the saved register file.
 *
 * Arguments are checked in every build: an index out of range or a pCPU
 * handle the core does not own fails the run (vl_hv_fail: policy, hook,
 * time, message) and the call returns a harmless value (element 0, nothing
 * done, 0), so the hook can return and the run stops cleanly.  Handles
 * passed alone (vl_vcpu_id(v), ...) are those the core gave out. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "hv/fold.h"
#include "hv/boost_truth.h"
#include "hv/cstate.h"
#include "hv/fragment.h"
#include "hv/hv.h"
#include "hv/io_priv.h"

/* An index argument in [0, n), else the run fails (in every build) and
 * the caller returns a harmless value: element 0, nothing done, 0. */
static bool index_ok(vl_hv *hv, const char *what, int i, int n)
{
    if (i >= 0 && i < n)
        return true;
    vl_hv_fail(hv, "%s %d out of range (0..%d)", what, i, n - 1);
    return false;
}

/* instance */
void *vl_sched_priv(vl_sched *s) { return s->priv; }
const char *vl_sched_name(const vl_sched *s) { return s->ops->name; }
vl_ns vl_now(const vl_sched *s) { return s->hv->sim.now; }
int vl_npcpus(const vl_sched *s) { return s->hv->npcpus; }
vl_pcpu *vl_pcpu_get(vl_sched *s, int id)
{
    if (!index_ok(s->hv, "vl_pcpu_get: pCPU", id, s->hv->npcpus))
        return &s->hv->pcpus[0];
    return &s->hv->pcpus[id];
}
int vl_nvms(const vl_sched *s) { return s->hv->nvms; }
vl_vm *vl_vm_get(vl_sched *s, int id)
{
    if (!index_ok(s->hv, "vl_vm_get: VM", id, s->hv->nvms))
        return &s->hv->vms[0];
    return &s->hv->vms[id];
}
int vl_nvcpus_total(const vl_sched *s) { return s->hv->nvcpus; }
vl_vcpu *vl_vcpu_get(vl_sched *s, int id)
{
    if (!index_ok(s->hv, "vl_vcpu_get: vCPU", id, s->hv->nvcpus))
        return &s->hv->vcpus[0];
    return &s->hv->vcpus[id];
}

vl_rng *vl_sched_rng(vl_sched *s) { return &s->rng; }

void vl_hv_sched_begin(vl_hv *hv)
{
    char stream[160];
    snprintf(stream, sizeof stream, "policy:%s", hv->sched.ops->name);
    vl_rng_init(&hv->sched.rng, hv->seed, stream);
    memset(hv->sched.idle, 0, sizeof hv->sched.idle);
    for (int i = 0; i < hv->npcpus; i++)
        vl_bit_set(hv->sched.idle, i);
}

const struct vl_ksyms *vl_sched_system_map(const vl_sched *s)
{
    return s->hv->system_map;
}

void vl_sched_set_tick(vl_sched *s, vl_ns period)
{
    s->tick = period > 0 ? period : 0;
}

void vl_sched_set_tick_grid(vl_sched *s, bool grid) { s->tick_grid = grid; }

void vl_sched_set_ple_grow_default(vl_sched *s, int grow)
{
    if (grow < 1 || grow > 64) {
        vl_hv_fail(s->hv, "vl_sched_set_ple_grow_default: %d is not in 1..64", grow);
        return;
    }
    if (s->hv->ple_grow_default)
        s->hv->ple.grow = grow;
}

void vl_counter_add(vl_sched *s, int counter, int64_t n)
{
    if (index_ok(s->hv, "vl_counter_add: counter", counter, s->ncounters))
        s->counters[counter] += n;
}

/* A series name the reports write as it is, in CSV and JSON: 1..64
 * letters, digits, '_', '.', '-'. */
static bool series_name_ok(const char *name)
{
    size_t n = 0;
    for (; name && name[n]; n++)
        if (!isalnum((unsigned char)name[n]) && !strchr("_.-", name[n]))
            return false;
    return n > 0 && n <= 64;
}

void vl_sched_series(vl_sched *s, vl_vm *d, const char *name, uint64_t cr3, double value)
{
    if (!series_name_ok(name)) {
        vl_hv_fail(s->hv, "vl_sched_series: name \"%s\" is not 1..64 letters, digits, '_', "
                   "'.', '-'", name ? name : "(null)");
        return;
    }
    const vl_hv_observer *o = &s->hv->observer;
    if (o->on_series)
        o->on_series(o->ctx, d, name, cr3, value, s->hv->sim.now);
}

int vl_sched_error(vl_sched *s, const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    vl_hv_fail(s->hv, "%s", msg);
    return -1;
}

int vl_sched_refuse(vl_sched *s, vl_vm *vm, const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (!vl_hv_handle_in(s->hv->vms, s->hv->nvms, sizeof *s->hv->vms, vm)) {
        vl_hv_fail(s->hv, "vl_sched_refuse: not a VM handle (%s)", msg);
        return -1;
    }
    if (!s->hv->failed)
        s->hv->refused_vm = vm->id;
    vl_hv_fail(s->hv, "%s", msg);
    return -1;
}

/* The timer (p, slot) names, or NULL (the run has failed) for a slot out
 * of range or a p that is neither NULL nor a pCPU handle. */
static vl_event *timer_of(vl_sched *s, vl_pcpu *p, int slot, const char *call)
{
    if (slot < 0 || slot >= VL_TIMER_SLOTS) { /* the message is made only on failure */
        char what[48];
        snprintf(what, sizeof what, "%s: timer slot", call);
        index_ok(s->hv, what, slot, VL_TIMER_SLOTS);
        return NULL;
    }
    if (!p)
        return &s->timer_ev[slot];
    if (!vl_hv_owns_pcpu(s->hv, p)) {
        vl_hv_fail(s->hv, "%s: not a pCPU handle", call);
        return NULL;
    }
    return &p->timer_ev[slot];
}

void vl_timer_arm(vl_sched *s, vl_pcpu *p, int slot, vl_ns when)
{
    vl_event *ev = timer_of(s, p, slot, "vl_timer_arm");
    if (!ev)
        return;
    if (when < s->hv->sim.now) {
        vl_hv_fail(s->hv, "armed timer slot %d in the past", slot);
        return;
    }
    vl_sim_schedule(&s->hv->sim, ev, when);
}

void vl_timer_cancel(vl_sched *s, vl_pcpu *p, int slot)
{
    vl_event *ev = timer_of(s, p, slot, "vl_timer_cancel");
    if (ev)
        vl_sim_cancel(&s->hv->sim, ev);
}

bool vl_timer_pending(vl_sched *s, vl_pcpu *p, int slot)
{
    vl_event *ev = timer_of(s, p, slot, "vl_timer_pending");
    return ev && vl_event_pending(ev);
}

/* pCPUs */
int vl_pcpu_id(const vl_pcpu *p) { return p->id; }
void *vl_pcpu_priv(vl_pcpu *p) { return p->priv; }
vl_vcpu *vl_pcpu_curr(const vl_pcpu *p) { return p->curr; }
bool vl_pcpu_is_idle(const vl_pcpu *p) { return p->curr == NULL; }
const uint64_t *vl_idle_pcpus(const vl_sched *s) { return s->idle; }
int vl_pcpu_socket(const vl_pcpu *p) { return p->place.socket; }
int vl_pcpu_core(const vl_pcpu *p) { return p->place.core; }
int vl_pcpu_thread(const vl_pcpu *p) { return p->place.thread; }

void vl_pcpu_will_change(vl_pcpu *p, bool beyond)
{
    vl_fold_settle_pcpu(p);
    if (beyond)
        vl_fold_settle_beyond(p->hv);
}

void vl_tickle(vl_pcpu *p)
{
    /* a remote pCPU learns of it through a host IPI, and an idle one wakes
     * from its idle state first (hv/cstate.h) */
    if (p == p->hv->local)
        vl_hv_raise_sched(p, 0);
    else
        vl_hv_raise_sched(p, p->hv->costs.host_ipi + vl_cstate_wake(p));
}

/* VMs */
int vl_vm_id(const vl_vm *d) { return d->id; }
const char *vl_vm_name(const vl_vm *d) { return d->name; }
void *vl_vm_priv(vl_vm *d) { return d->priv; }
int vl_vm_weight(const vl_vm *d) { return d->weight; }
int vl_vm_cap(const vl_vm *d) { return d->cap; }
int vl_vm_nvcpus(const vl_vm *d) { return d->nvcpus; }
bool vl_vm_is_host(const vl_vm *d) { return d->host; }
vl_vm *vl_vcpu_backend_of(vl_vcpu *v)
{
    const vl_io *io = v->hv->io;
    return v->vm->host && io ? &v->hv->vms[io->bk[v->index].d->vm] : NULL;
}
bool vl_vcpu_backend_serves(vl_vcpu *v, vl_io_device dev)
{
    const vl_io *io = v->hv->io;
    if (!v->vm->host || !io)
        return false;
    const vl_backend *b = &io->bk[v->index];
    return (dev == VL_DEV_NET ? b->d->net : b->d->blk) == b;
}
vl_vcpu *vl_vm_vcpu(vl_vm *d, int index)
{
    if (!index_ok(d->vcpus[0].hv, "vl_vm_vcpu: vCPU index", index, d->nvcpus))
        return &d->vcpus[0];
    return &d->vcpus[index];
}

/* vCPUs */
int vl_vcpu_id(const vl_vcpu *v) { return v->id; }
int vl_vcpu_index(const vl_vcpu *v) { return v->index; }
vl_vm *vl_vcpu_vm(vl_vcpu *v) { return v->vm; }
void *vl_vcpu_priv(vl_vcpu *v) { return v->priv; }
vl_runstate vl_vcpu_runstate(const vl_vcpu *v) { return v->state; }
vl_pcpu *vl_vcpu_pcpu(vl_vcpu *v) { return v->processor; }
bool vl_vcpu_affine(const vl_vcpu *v, const vl_pcpu *p) { return vl_cpuset_has(&v->vm->affinity, p->id); }
const uint64_t *vl_vcpu_affinity_mask(const vl_vcpu *v) { return v->vm->affinity.bits; }
vl_ns vl_vcpu_runstate_time(const vl_vcpu *v, vl_runstate st) { return vl_hv_vcpu_time(v, st, v->hv->sim.now); }
vl_ns vl_vcpu_state_entry(const vl_vcpu *v) { return v->state_entry; }
uint64_t vl_vcpu_exits(const vl_vcpu *v, vl_exit_kind k)
{
    if (!index_ok(v->hv, "vl_vcpu_exits: exit kind", (int)k, VL_NR_EXIT_KINDS))
        return 0;
    return v->exits[k];
}

void vl_vcpu_set_parked(vl_vcpu *v, bool parked)
{
    vl_ns now = v->hv->sim.now;
    if (v->parked == parked)
        return;
    if (parked) {
        v->parked_since = now;
    } else {
        v->parked_ns += now - v->parked_since;
        v->unparked_at = now;
    }
    if (v->state == VL_RUNNABLE)
        vl_frag_vm_waiting(v->vm, parked ? -1 : 1, now);
    v->parked = parked;
}

bool vl_vcpu_parked(const vl_vcpu *v) { return v->parked; }

void vl_vcpu_note_boost(vl_vcpu *v, bool on) { vl_boost_note(v, on, v->hv->sim.now); }

vl_vcpu *vl_wake_source(vl_sched *s) { return s->hv->waker; }

void vl_yield_reenter(vl_vcpu *v)
{
    vl_hv *hv = v->hv;
    if (hv->yielding != v) {
        vl_hv_fail(hv, "vl_yield_reenter: %s.v%d is not the vCPU whose vcpu_yield runs",
                   v->vm->name, v->index);
        return;
    }
    hv->yield_reenter = true;
}

bool vl_vcpu_saved_rip(const vl_vcpu *v, uint64_t *rip, bool *kernel)
{
    if (v->state != VL_RUNNABLE || v->in_guest)
        return false;
    *rip = v->saved_rip;
    *kernel = v->saved_kernel;
    return true;
}

/* accounting helpers for reports */
vl_ns vl_hv_vcpu_time(const vl_vcpu *v, vl_runstate st, vl_ns now)
{
    return v->state_ns[st] + (v->state == st ? now - v->state_entry : 0);
}

vl_ns vl_hv_pcpu_busy(const vl_pcpu *p, vl_ns now)
{
    return p->busy_ns + (p->curr ? now - p->since : 0);
}

vl_ns vl_hv_pcpu_idle(const vl_pcpu *p, vl_ns now)
{
    return p->idle_ns + (p->curr ? 0 : now - p->since);
}
