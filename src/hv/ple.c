/* hv/ple.c - pause-loop exiting.
 *
 * A vCPU that spins with PAUSE in guest kernel mode exits to the hypervisor
 * once the loop has run for `window` cycles (SDM 25.1.3: PLE_Window, with
 * consecutive PAUSEs less than PLE_Gap cycles apart; the spin loops the
 * guest model runs always pause more often than that).  The exit carries
 * the vCPU's RIP and reaches the policy as a yield (vcpu_yield with
 * VL_YIELD_PLE); the vCPU re-enters after the exit/entry cost and, if it
 * is still spinning, the window runs again.
 *
 * Window dynamics (KVM, arch/x86/kvm/vmx/vmx.c: grow_ple_window /
 * shrink_ple_window): each exit multiplies the window by `grow` up to `max`;
 * when the vCPU is scheduled in, `shrink` = 0 resets it to `window`, else
 * divides it.  Xen keeps the window fixed (grow 1).  `grow: 0` in a
 * scenario means "the hypervisor's default", decided by the policy's
 * hypervisor family (vl_sched_ops.hypervisor). */
#include "hv/fold.h"
#include "hv/hv.h"

#define PLE_DEFAULT_WINDOW 4096     /* KVM_VMX_DEFAULT_PLE_WINDOW; Xen ple_window */
#define PLE_DEFAULT_GAP 128         /* KVM_DEFAULT_PLE_GAP; Xen ple_gap */
#define PLE_DEFAULT_MAX 4294967295.0 /* KVM_VMX_DEFAULT_PLE_WINDOW_MAX (UINT_MAX) */
#define PLE_KVM_GROW 2              /* KVM_DEFAULT_PLE_WINDOW_GROW */

const vl_param vl_ple_params[] = {
    {"enabled", VL_PARAM_BOOL, offsetof(vl_ple_spec, enabled), 1, 0, 1, "",
     "pause-loop exiting on (VMX secondary control; KVM and Xen enable it by default)", NULL},
    {"window", VL_PARAM_INT, offsetof(vl_ple_spec, window), PLE_DEFAULT_WINDOW, 1, 1e9, "cycles",
     "spin length before an exit (KVM_VMX_DEFAULT_PLE_WINDOW, Xen ple_window: 4096)", NULL},
    {"gap", VL_PARAM_INT, offsetof(vl_ple_spec, gap), PLE_DEFAULT_GAP, 1, 1e6, "cycles",
     "max cycles between PAUSEs of one loop (KVM_DEFAULT_PLE_GAP, Xen ple_gap: 128)", NULL},
    {"grow", VL_PARAM_INT, offsetof(vl_ple_spec, grow), 0, 0, 64, "x",
     "window multiplier per exit; 0 = the hypervisor's (KVM 2, Xen 1 = fixed)", NULL},
    {"shrink", VL_PARAM_INT, offsetof(vl_ple_spec, shrink), 0, 0, 64, "/",
     "window divisor at schedule-in; 0 = reset to `window` (KVM ple_window_shrink 0)", NULL},
    {"max", VL_PARAM_INT, offsetof(vl_ple_spec, max), PLE_DEFAULT_MAX, 1, PLE_DEFAULT_MAX,
     "cycles", "largest window (KVM_VMX_DEFAULT_PLE_WINDOW_MAX = UINT_MAX)", NULL},
    VL_PARAM_END,
};

static vl_ns cycles_to_ns(const vl_hv *hv, int64_t cycles)
{
    return (vl_ns)((cycles * 1000 + hv->cpu_mhz - 1) / hv->cpu_mhz);
}

void vl_hv_ple_exit(vl_vcpu *v)
{
    vl_hv *hv = v->hv;
    const vl_ple_spec *ple = &hv->ple;
    int64_t grown = v->ple_window * ple->grow;
    v->ple_window = grown > ple->max || grown < v->ple_window ? ple->max : grown;
    v->spinning = false;
    vl_hv_yield(hv, v->vm->id, v->index, VL_YIELD_PLE, v->spin_rip, true);
}

vl_ns vl_hv_ple_window_ns(const vl_vcpu *v)
{
    return cycles_to_ns(v->hv, v->ple_window);
}

static void on_ple_exit(void *ctx, vl_event *ev)
{
    (void)ev;
    vl_hv_ple_exit(ctx);
}

void vl_hv_ple_init(vl_hv *hv, vl_vcpu *v)
{
    v->ple_window = hv->ple.window;
    vl_sim_event_init(&hv->sim, &v->ple_ev, on_ple_exit, v, VL_EVC_GUEST, VL_TAG_VCPU_PLE);
}

void vl_hv_ple_sched_in(vl_vcpu *v)
{
    const vl_ple_spec *ple = &v->hv->ple;
    if (ple->shrink == 0)
        v->ple_window = ple->window;
    else if (v->ple_window / ple->shrink > ple->window)
        v->ple_window /= ple->shrink;
    else
        v->ple_window = ple->window;
}

void vl_hv_ple_leave(vl_vcpu *v)
{
    vl_fold_disarm(v->hv, &v->ple_ev);
    v->spinning = false;
}

void vl_hv_spin_begin(vl_hv *hv, int vm, int vcpu, uint64_t rip, bool kernel)
{
    vl_vcpu *v = &hv->vms[vm].vcpus[vcpu];
    v->spinning = true;
    v->spin_rip = rip;
    /* PLE only fires at CPL 0 (SDM 25.1.3) */
    if (hv->ple.enabled && kernel) {
        vl_ns exit_at = hv->sim.now + cycles_to_ns(hv, v->ple_window);
        if (!vl_fold_begin(v, exit_at))
            vl_fold_arm(hv, &v->ple_ev, exit_at);
    }
}

void vl_hv_spin_end(vl_hv *hv, int vm, int vcpu)
{
    vl_hv_ple_leave(&hv->vms[vm].vcpus[vcpu]);
}
