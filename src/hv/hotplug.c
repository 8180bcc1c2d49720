/* hv/hotplug.c - vCPU ballooning requests (vl_vcpu_request_offline /
 * _online, include/vcpulab/sched.h): the policy asks, the guest does the
 * work through the guest port, and the core keeps count of the online
 * vCPUs of each VM so that a VM always keeps one. */
#include "hv/fold.h"
#include "hv/fragment.h"

bool vl_vcpu_request_offline(vl_vcpu *v)
{
    vl_vm *vm = v->vm;
    if (vm->host || !vm->port || !vm->port->hotplug || v->going_offline ||
        v->state == VL_OFFLINE || vm->online <= 1)
        return false;
    vl_fold_settle_vm(vm);
    v->going_offline = true;
    vm->online--;
    vl_online_note(vm, v->hv->sim.now);
    vm->port->hotplug(vm->guest, v->index, false, v->hv->sim.now);
    return true;
}

bool vl_vcpu_request_online(vl_vcpu *v)
{
    vl_vm *vm = v->vm;
    if (vm->host || !vm->port || !vm->port->hotplug || v->going_offline ||
        v->state != VL_OFFLINE)
        return false;
    vl_fold_settle_vm(vm);
    vm->online++;
    vl_online_note(vm, v->hv->sim.now);
    vm->port->hotplug(vm->guest, v->index, true, v->hv->sim.now);
    vl_hv_wake(v, VL_WAKE_ONLINE, -1);
    return true;
}
