/* workload/program_spec.h - a task program written in a scenario: what the
 * `program` workload type runs (docs/programs.md).
 *
 * The scenario loader (scenario/program.c) reads the `tasks:` value of a
 * `program` workload into a vl_prog_spec: groups of identical tasks, each
 * with its steps in program order (a loop's body comes before the LOOP
 * step that repeats it), and the named synchronisation objects the steps
 * meet on.  Every name is resolved and every limit checked there, with the
 * file's positions; workload/program.c then builds each group's vl_program
 * (guest/program.h) in the guest, where building can only run out of
 * memory.  The spec is read-only after loading and owned by the scenario. */
#ifndef VL_WORKLOAD_PROGRAM_SPEC_H
#define VL_WORKLOAD_PROGRAM_SPEC_H

#include <stdbool.h>
#include <stdint.h>

#include "vcpulab/scenario.h"
#include "vl_dist.h"

#define VL_PROG_SPEC_MAX_GROUPS 64 /* task groups of one workload         */
#define VL_PROG_SPEC_MAX_SYNCS 64  /* barriers, events and mutexes of one  */

/* Kinds up to VL_STEP_MUNMAP have a duration `dur`. */
typedef enum vl_step_kind {
    VL_STEP_COMPUTE = 0, /* user-mode work for `dur`                         */
    VL_STEP_KERNEL,      /* a kernel call of `dur` at `activity`, holding
                          * spinlock class `spinlock` (-1: none) for `hold` */
    VL_STEP_SLEEP,       /* block for `dur`                                  */
    VL_STEP_TIMER,       /* sleep until the next release, `dur` after the
                          * previous one (absolute, periodic)                */
    VL_STEP_MUNMAP,      /* unmap: kernel work `dur`, then a TLB shootdown   */
    VL_STEP_BARRIER,     /* futex barrier `sync`                            */
    VL_STEP_WAIT,        /* futex wait on event `sync`                      */
    VL_STEP_WAKE,        /* futex wake of event `sync`                      */
    VL_STEP_LOCK,        /* take mutex `sync` (block while another holds it) */
    VL_STEP_UNLOCK,      /* release it to its first waiter                  */
    VL_STEP_READ,        /* block read of `bytes`                           */
    VL_STEP_WRITE,       /* block write of `bytes`                          */
    VL_STEP_RECV,        /* read the socket: at most `count` requests (0 all) */
    VL_STEP_SEND,        /* send `count` packets of `bytes` to the last client */
    VL_STEP_LOOP,        /* repeat steps [body, here) `count` times (0: forever) */
    VL_STEP_KINDS
} vl_step_kind;

/* Their names in scenarios, by kind (NULL-terminated). */
extern const char *const vl_step_names[];

typedef struct vl_step {
    vl_step_kind kind;
    vl_dist dur;      /* COMPUTE, KERNEL, SLEEP, TIMER, MUNMAP            */
    vl_dist hold;     /* KERNEL with a spinlock                           */
    int activity;     /* KERNEL: guest kernel activity id (guest/kernel.h) */
    int spinlock;     /* KERNEL: lock class id, or -1                     */
    bool shared;      /* KERNEL: always the class's instance 0            */
    int sync;         /* BARRIER .. UNLOCK: index in vl_prog_spec.syncs   */
    int64_t bytes;    /* READ, WRITE: request; SEND: payload per packet   */
    int64_t count;    /* RECV, SEND, LOOP (see above)                     */
    int body;         /* LOOP: index of the body's first step             */
} vl_step;

/* A group of tasks running one program. */
typedef struct vl_task_spec {
    char name[VL_NAME_MAX];
    int64_t count;    /* tasks                                           */
    bool process;     /* each a process of its own (else threads of the
                       * workload's process: one address space)          */
    int nice;
    vl_step *steps;
    int nsteps;
} vl_task_spec;

typedef enum vl_sync_kind {
    VL_SYNC_BARRIER = 0, /* its parties: every task whose program meets it */
    VL_SYNC_EVENT,       /* wait / wake: wake-ups nobody waited for are kept */
    VL_SYNC_MUTEX,       /* lock / unlock: one holder                      */
} vl_sync_kind;

typedef struct vl_sync_spec {
    char name[VL_NAME_MAX];
    vl_sync_kind kind;
    int64_t parties;  /* BARRIER: tasks that meet it                     */
} vl_sync_spec;

typedef struct vl_prog_spec {
    vl_task_spec *tasks;
    int ntasks;
    vl_sync_spec *syncs;
    int nsyncs;
    bool socket;      /* a step receives or sends: the workload's socket  */
    bool disk;        /* a step reads or writes the block device          */
} vl_prog_spec;

/* Operations and distributions step s adds to a vl_program (the loader
 * checks a program's totals against VL_PROG_MAX_OPS and
 * VL_PROG_MAX_DISTS with them; workload/program.c). */
int vl_step_ops(const vl_step *s);
int vl_step_dists(const vl_step *s);

#endif
