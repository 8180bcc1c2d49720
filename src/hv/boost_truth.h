/* hv/boost_truth.h - ground truth for boosts a policy gives on a guess
 * (task-aware scheduling's partial boosts), kept by the core for the
 * reports; policies never read it.
 *
 * A policy marks when it raises a vCPU for a predicted guest event and
 * when that ends (vl_vcpu_note_boost, vcpulab/sched.h).  The core then
 * reads the guest's count of starts of tasks its workloads declare
 * I/O-bound on that vCPU (the port's io_task_starts) at both ends: the
 * boost is a *hit* when such a task started running on the vCPU during it
 * (switched in by the guest's scheduler, or current when the vCPU entered
 * guest mode).  Per VM: boosts, hits, and the vCPU's running time during
 * them.  A boost counts in the measurement window in which it ends; one
 * still open at the end of the run is scored then (vl_boost_truth_vm).
 * Each boost's end reaches the observer (on_boost: the trace's boost
 * tracks).  Nothing here changes the run. */
#ifndef VL_HV_BOOST_TRUTH_H
#define VL_HV_BOOST_TRUTH_H

#include "hv/hv.h"

/* v's boost begins (on) or ends; a repeated begin or an end without a
 * begin is ignored.  A vCPU of the host VM (no guest) is ignored. */
void vl_boost_note(vl_vcpu *v, bool on, vl_ns now);
/* v's open boost (v->boosted) is a hit so far. */
bool vl_boost_hit(const vl_vcpu *v);
/* The policy noted a boost at some time in the run (the reports then
 * show every guest VM's figures, zeros included). */
bool vl_boost_noted(const vl_hv *hv);
/* vm's boosts in the window, the open ones scored as if they ended now. */
vl_boost_stats vl_boost_truth_vm(const vl_vm *vm, vl_ns now);
/* The measurement window starts now: the VMs' totals restart at 0. */
void vl_boost_window(vl_hv *hv);

#endif
