/* hv/fragment.h - ground truth for two of FlexCore's problems, kept by
 * the core for the reports (policies never read it):
 *
 *   CPU fragmentation  the time a VM has a runnable vCPU waiting (not
 *                      parked by its policy) while at least one pCPU of
 *                      the host runs nothing;
 *   online vCPUs       each change of a VM's online vCPU count (ballooning),
 *                      as a time series from the start of the run.
 *
 * Fragmentation is exact and O(1) per transition: the host keeps the
 * running total of time with an idle pCPU (I(t)); a VM notes I(t) when its
 * first vCPU starts waiting and adds I(t) - note when its last one stops.
 * "Any pCPU of the host" ignores affinity: a VM pinned away from the idle
 * pCPU still counts (docs/metrics.md says so). */
#ifndef VL_HV_FRAGMENT_H
#define VL_HV_FRAGMENT_H

#include "hv/hv.h"

/* A pCPU starts (idle) or stops running nothing. */
void vl_frag_pcpu_idle(vl_hv *hv, bool idle, vl_ns now);
/* One more (+1) or one fewer (-1) waiting vCPU in vm. */
void vl_frag_vm_waiting(vl_vm *vm, int delta, vl_ns now);
/* vm's fragmentation time since the window started. */
vl_ns vl_frag_vm_time(const vl_vm *vm, vl_ns now);
/* The measurement window starts now. */
void vl_frag_window(vl_hv *hv, vl_ns now);
/* vm's online count changed (the core's vm->online): append a point. */
void vl_online_note(vl_vm *vm, vl_ns now);

#endif
