/* hv/fold.h - folding a spinning vCPU's pause-loop exit cycles.
 *
 * A vCPU that spins in guest kernel mode exits every PLE window, the policy
 * gives it its pCPU straight back, and it re-enters after the exit's cost:
 * three events (exit, reschedule, entry) that change nothing but time and
 * counters, a million times per simulated second in a co-run.  When the
 * core can show that the cycle repeats unchanged - the policy says the
 * yield comes back to the vCPU with a slice longer than the cycle
 * (vl_sched_ops.yield_folds), the guest says its exits and entries change
 * nothing but time (an IPI-wait spin: vl_guest_port.spin_folds), no
 * interrupt is pending, the PLE window does not grow, nothing traces the
 * run - the vCPU is folded: no exit event is filed.
 *
 * A folded vCPU is settled before anything could see or change what its
 * cycles touch: an event of its pCPU; an event that may run global code
 * (policy instance timers, backends, workloads, the watchdog, the run's
 * end); an interrupt or a kick for it, a tickle of its pCPU, the guest's
 * code on another vCPU reaching its state (vl_hv_guest_vcpu), the policy
 * queueing work on its pCPU or beyond it (vl_pcpu_will_change); and an
 * event armed for the time and class of one of its cycle's pending events
 * (the engine's filing hook), so the two keep their order.  Settling
 * counts the cycles that ended before the event that settles (in the
 * engine's order: time, then class) and runs the last one's code - exit,
 * reschedule, entry, whichever of them came before - at the instants they
 * happened, with the events they arm held back and filed at the end; the
 * earlier cycles add only their counters (the exit count; the policy's
 * yields_folded), because every other state they write is overwritten by
 * the last cycle or accumulates by differences of times that telescope
 * (runstate times, credit burnt).  A vCPU left spinning by its settlement
 * folds again after the event, its next exit event staying where it is.
 * docs/performance.md "Folded exit cycles" gives the argument in full. */
#ifndef VL_HV_FOLD_H
#define VL_HV_FOLD_H

#include "hv/hv.h"

int vl_fold_init(vl_hv *hv);
void vl_fold_fini(vl_hv *hv);

/* v began to spin at the instant now and would exit at `exit_at`: folds
 * its cycles if it may (then no exit event is filed); false otherwise. */
bool vl_fold_begin(vl_vcpu *v, vl_ns exit_at);

/* Settle a folded vCPU (see above). */
void vl_fold_settle(vl_vcpu *v);
void vl_fold_settle_vm_all(vl_vm *vm);
void vl_fold_settle_all(vl_hv *hv);
/* Those whose policy's decisions read beyond their pCPU (yield_folds). */
void vl_fold_settle_beyond(vl_hv *hv);

/* The access points. */
static inline void vl_fold_settle_vcpu(vl_vcpu *v)
{
    if (__builtin_expect(v->folded, 0))
        vl_fold_settle(v);
}
static inline void vl_fold_settle_pcpu(vl_pcpu *p)
{
    if (__builtin_expect(p->folded != NULL, 0))
        vl_fold_settle(p->folded);
}
/* Before guest code of vm runs (not while a settlement replays a cycle:
 * an IPI-wait spin's exit and entry read no other vCPU's state). */
static inline void vl_fold_settle_vm(vl_vm *vm)
{
    if (__builtin_expect(vm->nfolded > 0, 0) && !vm->vcpus[0].hv->fold.replaying)
        vl_fold_settle_vm_all(vm);
}

/* Arming and disarming the cycle's events (reschedule, slice, entry,
 * exit): while a settlement replays a cycle, held back until it ends. */
void vl_fold_hold(vl_hv *hv, vl_event *ev, vl_ns when);
void vl_fold_drop(vl_hv *hv, vl_event *ev);
static inline void vl_fold_arm(vl_hv *hv, vl_event *ev, vl_ns when)
{
    if (__builtin_expect(hv->fold.replaying, 0))
        vl_fold_hold(hv, ev, when);
    else
        vl_sim_schedule(&hv->sim, ev, when);
}
static inline void vl_fold_disarm(vl_hv *hv, vl_event *ev)
{
    if (__builtin_expect(hv->fold.replaying, 0))
        vl_fold_drop(hv, ev);
    vl_sim_cancel(&hv->sim, ev);
}

#endif
