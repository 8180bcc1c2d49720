/* report/trace.h - what a run did, for a viewer: Chrome Trace Event JSON
 * (Perfetto UI, speedscope) and ftrace text (report/ftrace.h), either or
 * both, limited to a window of simulated time.
 *
 * The JSON has process 0 "host" with one track per pCPU (the vCPU run
 * intervals) and per VM a process with two tracks per vCPU: its runstates
 * (running, runnable, blocked, offline) and its guest's lock holds, spins
 * and IPIs, and a third for the boosts the policy marked on a guess, once
 * it marks one; a counter track per series of the policy's state
 * (vl_sched_series) it set; flow arrows join each IPI's send to its
 * arrival (docs/output-format.md, "run --trace").  The same series can go
 * to a CSV (report/series.h).  The writer observes the hypervisor and the
 * guests; it never changes the run. */
#ifndef VL_REPORT_TRACE_H
#define VL_REPORT_TRACE_H

#include <stdio.h>

#include "guest/guest.h"
#include "hv/hv.h"
#include "model/model.h"

/* An IPI sent and not arrived yet (its arrow is drawn at the arrival). */
typedef struct vl_trace_ipi {
    int src, vector;   /* the sender's index in its VM */
    vl_ns sent;
} vl_trace_ipi;

/* A vCPU's runstate stints are written one change late: a stint that
 * lasts no time (runnable for the instant of a reschedule that keeps the
 * vCPU running) is dropped and the stints either side of it are one. */
typedef struct vl_trace_vcpu {
    vl_runstate state;      /* the open stint ...                        */
    vl_ns since;            /* ... and its start                         */
    vl_runstate held_state; /* the closed stint not yet written, ...     */
    vl_ns held_since;       /* ... its start (held_since == since: none) */
    vl_trace_ipi *ipis;
    int nipis, cap_ipis;
    bool boost_named;       /* its boost track's name is written         */
} vl_trace_vcpu;

typedef struct vl_trace {
    FILE *json;        /* NULL: no JSON trace  */
    FILE *ftrace;      /* NULL: no ftrace text */
    vl_ns from, to;    /* the window written   */
    int npcpus;
    vl_ns *since;      /* per pCPU: when its current vCPU started */
    int *curr;         /* per pCPU: host-wide vCPU id, -1 idle    */
    vl_trace_vcpu *vcpus; /* per host-wide vCPU id               */
    const vl_hv *hv;
    FILE *series;      /* NULL: no rows of the policy's series    */
    const vl_model *model; /* names the series' address spaces   */
    long nevents;      /* JSON events written                     */
    long flows;        /* IPI arrows written (their ids)           */
    bool failed;       /* out of memory: arrows were lost          */
} vl_trace;

/* Starts the outputs (json, ftrace, series: any may be NULL) of the
 * window [from, to] of model m's run; -1 when out of memory.  series gets
 * the rows (report/series.h) of the policy's series set in the window, no
 * header; the JSON has them as counter tracks. */
int vl_trace_begin(vl_trace *t, FILE *json, FILE *ftrace, FILE *series, vl_ns from, vl_ns to,
                   const vl_model *m);
/* The observer to set as m->hv.observer; it observes m's guests too
 * (their vCPU tracks and IPIs). */
vl_hv_observer vl_trace_observer(vl_trace *t);
/* Closes the open intervals at `now`, ends the documents and frees the
 * writer's memory; -1 if memory ran out during the run. */
int vl_trace_end(vl_trace *t, vl_ns now);

#endif
