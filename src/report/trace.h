/* report/trace.h - Chrome Trace Event JSON (opens in Perfetto UI and
 * speedscope): one track per pCPU with the vCPU run intervals.  The
 * writer is a vl_hv_observer: it never changes the run. */
#ifndef VL_REPORT_TRACE_H
#define VL_REPORT_TRACE_H

#include <stdio.h>

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
/* Closes the open intervals at `now` and ends the document. */
void vl_trace_end(vl_trace *t, vl_ns now);

#endif
