/* hv/boost_truth.c - scoring a policy's guessed boosts against the
 * workloads' declared I/O-bound tasks (hv/boost_truth.h).  Touches only
 * the boost fields of vl_vcpu and vl_vm; reads the guest through the
 * port's report-only io_task_starts. */
#include "hv/boost_truth.h"

static uint64_t io_starts(const vl_vcpu *v)
{
    const vl_vm *vm = v->vm;
    return vm->port && vm->port->io_task_starts ? vm->port->io_task_starts(vm->guest, v->index)
                                                : 0;
}

bool vl_boost_hit(const vl_vcpu *v) { return io_starts(v) > v->boost_mark; }

/* Adds v's open boost, as if it ended now, to *st; whether it hit. */
static bool score(const vl_vcpu *v, vl_ns now, vl_boost_stats *st)
{
    bool hit = vl_boost_hit(v);
    st->boosts++;
    st->hits += hit;
    st->boosted_ns += vl_hv_vcpu_time(v, VL_RUNNING, now) - v->boost_run_mark;
    return hit;
}

void vl_boost_note(vl_vcpu *v, bool on, vl_ns now)
{
    if (v->vm->host || v->boosted == on)
        return;
    v->boosted = on;
    v->hv->boost_noted = true;
    if (on) {
        v->boost_mark = io_starts(v);
        v->boost_run_mark = vl_hv_vcpu_time(v, VL_RUNNING, now);
        v->boost_since = now;
        return;
    }
    bool hit = score(v, now, &v->vm->boost);
    const vl_hv_observer *o = &v->hv->observer;
    if (o->on_boost)
        o->on_boost(o->ctx, v, v->boost_since, hit, now);
}

bool vl_boost_noted(const vl_hv *hv) { return hv->boost_noted; }

vl_boost_stats vl_boost_truth_vm(const vl_vm *vm, vl_ns now)
{
    vl_boost_stats st = vm->boost;
    for (int i = 0; i < vm->nvcpus; i++)
        if (vm->vcpus[i].boosted)
            score(&vm->vcpus[i], now, &st);
    return st;
}

void vl_boost_window(vl_hv *hv)
{
    for (int d = 0; d < hv->nvms; d++)
        hv->vms[d].boost = (vl_boost_stats){0};
}
