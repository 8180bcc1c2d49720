/* sched/tavs_track.h - the task inference of the `tavs` policy (tavs.c):
 * a VM's bounded table of guest tasks known by their CR3, and a vCPU's
 * runs between CR3 loads and halts, weighed as evidence of which tasks are
 * I/O-bound.  Pure bookkeeping over the structs below: it reads no clock
 * and no core object (the caller passes the vCPU's running time and the
 * time), so a test can feed it hand-made sequences.  Rules and sources:
 * tavs.c's header and docs/policies/tavs.md.
 */
#ifndef VL_SCHED_TAVS_TRACK_H
#define VL_SCHED_TAVS_TRACK_H

#include <stdbool.h>
#include <stdint.h>

#include "vl_time.h"

#define TAVS_MAX_TASKS 64 /* most task_slots                         */
#define TAVS_MAX_WINDOW 8 /* most block_window: CR3s a vCPU remembers */

/* The inference's parameters (written by the core into tavs_priv). */
typedef struct tavs_belief_params {
    vl_ns io_threshold;   /* shorter runs after an event: positive       */
    int64_t pos_weight, neg_weight;
    int64_t bel_threshold; /* believed I/O-bound above it                 */
    int64_t bel_min, bel_max;
    int64_t task_slots;   /* used slots of tavs_table.tasks              */
} tavs_belief_params;

/* One task of a VM, known by its CR3. */
typedef struct tavs_task {
    uint64_t cr3;         /* 0: a free slot                              */
    int64_t belief;
    vl_ns last_io;        /* last I/O kick or positive evidence: eviction */
} tavs_task;

typedef struct tavs_table {
    tavs_task tasks[TAVS_MAX_TASKS];
} tavs_table;

/* A vCPU's current run and its recent tasks. */
typedef struct tavs_track {
    uint64_t recent[TAVS_MAX_WINDOW]; /* CR3s of the last runs, [0] the
                                       * current one (0: none seen)     */
    vl_ns run_start;      /* the vCPU's running time when the run began  */
    bool run_after_event; /* the run is the first after an event         */
    bool run_from_wake;   /* it began with a wake-up, not a CR3 load      */
    bool event_pending;   /* an event reached the vCPU, no run took it   */
} tavs_track;

typedef enum tavs_evidence {
    TAVS_EV_NONE = 0,     /* no run to weigh (no CR3 seen yet)           */
    TAVS_EV_POSITIVE,     /* first after an event and short              */
    TAVS_EV_NEGATIVE,     /* io_threshold or longer                      */
    TAVS_EV_AMBIGUOUS,    /* short, not after an event; or a wake-up's
                           * run ended by a CR3 load (the event waits)   */
} tavs_evidence;

/* The task of cr3 in the table, or NULL. */
tavs_task *tavs_task_find(const tavs_belief_params *bp, tavs_table *tb, uint64_t cr3);
/* The task of cr3, given a slot if new (belief 0, last I/O now): a free
 * one, else the one whose last I/O is oldest (*evicted set). */
tavs_task *tavs_task_get(const tavs_belief_params *bp, tavs_table *tb, uint64_t cr3, vl_ns now,
                         bool *evicted);
bool tavs_believed(const tavs_belief_params *bp, const tavs_task *t);

/* An I/O event was delivered to the vCPU. */
void tavs_track_event(tavs_track *tr);
/* The vCPU loaded cr3 (after tavs_run_end of the run it ends). */
void tavs_track_cr3(tavs_track *tr, uint64_t cr3, vl_ns cpu);
/* The vCPU woke: the task of the last CR3 resumes (idle keeps it). */
void tavs_track_wake(tavs_track *tr, vl_ns cpu);
/* The current run ends, by a CR3 load or a halt (`halted`), with the
 * vCPU's running time `cpu`: its task's belief moves; *task (if not NULL)
 * is the task weighed, or NULL. */
tavs_evidence tavs_run_end(const tavs_belief_params *bp, tavs_table *tb, tavs_track *tr,
                           bool halted, vl_ns cpu, vl_ns now, tavs_task **task);

#endif
