/* hv/cstate.h - idle states of the host's pCPUs (internal to src/hv).
 *
 * With host.cstates set, a pCPU that goes idle enters a processor idle
 * state chosen the way Linux's and Xen's menu governors choose it
 * (simplified): the deepest state whose target residency fits the idle
 * time it predicts, the mean of its last VL_CSTATE_HISTORY idle intervals
 * (menu's "typical interval") bounded by its next pending timer; with no
 * history, the deepest.  A remote wake-up of an idle pCPU (a tickle: its
 * host IPI) pays that state's exit latency before the pCPU reschedules.
 * The state tables: docs/model.md, "Idle states". */
#ifndef VL_HV_CSTATE_H
#define VL_HV_CSTATE_H

#include "hv/hv.h"

/* p, busy until now, goes idle: chooses the idle state it enters. */
void vl_cstate_enter(vl_pcpu *p, vl_ns now);
/* p, idle since p->since, runs a vCPU again at now: records the interval. */
void vl_cstate_leave(vl_pcpu *p, vl_ns now);
/* Wakes idle p: the exit latency it pays now (0 if it is busy, polls or
 * was woken already), counted in p's cstate_wakeups / cstate_exit_ns. */
vl_ns vl_cstate_wake(vl_pcpu *p);

#endif
