/* report/trace.h - Chrome Trace Event JSON (opens in Perfetto UI and
 * speedscope): one track per pCPU with the vCPU run intervals (process
 * "host"), and per VM one track per vCPU with the guest's lock holds,
 * spins and IPIs (process "<vm> (guest)").  The writer observes the
 * hypervisor and the guests; it never changes the run. */
#ifndef VL_REPORT_TRACE_H
#define VL_REPORT_TRACE_H

#include <stdio.h>

#include "guest/guest.h"
#include "hv/hv.h"

typedef struct vl_trace {
    FILE *f;
    int npcpus;
    vl_ns *since;      /* per pCPU: when its current vCPU started */
    int *curr;         /* per pCPU: host-wide vCPU id, -1 idle    */
    const vl_hv *hv;
    int nevents;
} vl_trace;

int vl_trace_begin(vl_trace *t, FILE *f, const vl_hv *hv);
vl_hv_observer vl_trace_observer(vl_trace *t);
/* Observes the guests too (their vCPU tracks). */
void vl_trace_guests(vl_trace *t, vl_guest *const *guests, int n);
/* Closes the open intervals at `now` and ends the document. */
void vl_trace_end(vl_trace *t, vl_ns now);

#endif
