/* hv/fragment.c - CPU fragmentation and the online-vCPU series (ground
 * truth for the reports; hv/fragment.h).  Touches only the accounting
 * fields of vl_hv and vl_vm it names. */
#include "hv/fragment.h"

#include "vl_array.h"
#include "vl_oom.h"

/* I(t): the time up to now during which at least one pCPU ran nothing. */
static vl_ns idle_any(const vl_hv *hv, vl_ns now)
{
    return hv->idle_any_ns + (hv->idle_pcpus > 0 ? now - hv->idle_any_since : 0);
}

void vl_frag_pcpu_idle(vl_hv *hv, bool idle, vl_ns now)
{
    if (idle) {
        if (hv->idle_pcpus++ == 0)
            hv->idle_any_since = now;
    } else {
        if (--hv->idle_pcpus == 0)
            hv->idle_any_ns += now - hv->idle_any_since;
    }
}

void vl_frag_vm_waiting(vl_vm *vm, int delta, vl_ns now)
{
    const vl_hv *hv = vm->vcpus[0].hv;
    if (delta > 0 && vm->waiting++ == 0)
        vm->frag_mark = idle_any(hv, now);
    else if (delta < 0 && --vm->waiting == 0)
        vm->frag_ns += idle_any(hv, now) - vm->frag_mark;
}

vl_ns vl_frag_vm_time(const vl_vm *vm, vl_ns now)
{
    const vl_hv *hv = vm->vcpus[0].hv;
    return vm->frag_ns + (vm->waiting > 0 ? idle_any(hv, now) - vm->frag_mark : 0);
}

void vl_frag_window(vl_hv *hv, vl_ns now)
{
    vl_ns mark = idle_any(hv, now);
    for (int d = 0; d < hv->nvms; d++) {
        hv->vms[d].frag_ns = 0;
        hv->vms[d].frag_mark = mark;
    }
}

static void push_point(vl_vm *vm, vl_ns at, int online)
{
    if (vl_array_room(&vm->online_series, &vm->online_cap, vm->online_n,
                      sizeof *vm->online_series, 16) < 0)
        vl_out_of_memory("a VM's online-vCPU series");
    vm->online_series[vm->online_n++] = (vl_online_point){at, online};
}

void vl_online_note(vl_vm *vm, vl_ns now)
{
    if (vm->online_n == 0 && now > 0) /* every VM starts with all online */
        push_point(vm, 0, vm->nvcpus);
    if (vm->online_n > 0 && vm->online_series[vm->online_n - 1].at == now) {
        vm->online_series[vm->online_n - 1].online = vm->online; /* same instant */
        return;
    }
    push_point(vm, now, vm->online);
}
