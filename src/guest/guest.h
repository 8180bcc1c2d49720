/* guest/guest.h - the guest operating system of one VM (minimal for now).
 *
 * The guest runs tasks on its vCPUs, behind the guest port of
 * hv/guest_port.h: the core tells it when a vCPU enters and leaves guest
 * mode and delivers virtual interrupts; the guest halts idle vCPUs and
 * raises timer interrupts.  Guest time keeps flowing while a vCPU is
 * preempted: a sleeping task's timer expires on the wall clock, and the
 * task runs only once its vCPU runs again.
 *
 * Current model (the full kernel model - CFS-like runqueues, load balancing,
 * spinlocks, IPIs, I/O - grows here behind the same port):
 *   - each task is homed on one vCPU (round-robin at creation);
 *   - a vCPU round-robins its runnable tasks with a quantum of one guest
 *     tick (1/HZ);
 *   - a vCPU with no runnable task executes HLT;
 *   - a sleeping task's timer raises the local-timer interrupt on its vCPU.
 * Execution is planned in segments: a vCPU costs one event per burst end or
 * quantum end, none while a lone CPU-bound task runs. */
#ifndef VL_GUEST_H
#define VL_GUEST_H

#include <stdbool.h>
#include <stdint.h>

#include "sim/engine.h"
#include "vl_hist.h"
#include "vl_list.h"
#include "vl_rng.h"
#include "vl_time.h"

struct vl_hv;

/* Outcome measures of a workload, fed by its tasks. */
typedef struct vl_wstats {
    vl_ns work_ns;        /* CPU time its tasks executed                  */
    uint64_t bursts;      /* CPU bursts completed                         */
    vl_hist wake_latency; /* timer expiry -> the task runs                */
    vl_hist response;     /* timer expiry -> the burst is complete         */
} vl_wstats;

struct vl_task;

/* A task's program: called at creation and whenever a burst completes;
 * sets the CPU work of the next burst (VL_NS_MAX = runs forever) and the
 * sleep before it starts (0 = at once). */
typedef void (*vl_task_plan_fn)(struct vl_task *t, vl_ns *burst, vl_ns *sleep);

typedef enum vl_task_state { VL_TASK_RUNNABLE, VL_TASK_SLEEPING, VL_TASK_WOKEN } vl_task_state;

typedef struct vl_task {
    int id;                 /* within the guest                        */
    int vcpu;               /* home vCPU                               */
    struct vl_guest *g;
    vl_task_state state;
    vl_ns remaining;        /* CPU work left in this burst              */
    vl_ns woke_at;          /* when the current burst became wanted     */
    bool started;           /* ran since woke_at                        */
    vl_event timer;         /* sleep timer                              */
    vl_list link;           /* vCPU runqueue or expired list            */
    vl_rng rng;             /* the task's own random stream             */
    vl_task_plan_fn plan;
    void *ctx;              /* the workload's per-task data             */
    vl_wstats *stats;
} vl_task;

typedef struct vl_gvcpu {
    vl_list runq;           /* runnable tasks, round-robin              */
    vl_list expired;        /* timers fired, interrupt not yet handled  */
    vl_task *curr;
    bool in_guest;
    vl_ns seg_start;        /* start of the executing segment           */
    vl_ns quantum_left;     /* of curr, when others wait                */
    vl_event seg_ev;        /* end of the planned segment               */
} vl_gvcpu;

typedef struct vl_guest {
    struct vl_hv *hv;
    vl_sim *sim;
    int vm;                 /* index in the hypervisor                  */
    int nvcpus;
    vl_gvcpu *vcpus;
    vl_ns quantum;          /* 1/HZ                                     */
    int ntasks, cap_tasks;
    vl_task **tasks;
    uint64_t seed;
    char name[64];
} vl_guest;

#define VL_GUEST_DEFAULT_HZ 250 /* Debian/Ubuntu kernels: CONFIG_HZ_250 */

vl_guest *vl_guest_create(struct vl_hv *hv, int vm, const char *name, int nvcpus,
                          uint64_t seed);
void vl_guest_destroy(vl_guest *g);
/* Charges every executing segment up to `now` (before reading measures). */
void vl_guest_settle(vl_guest *g, vl_ns now);
/* Creates a task running `plan`; its RNG stream is named
 * "<vm>/<stream>".  The task owns ctx (malloc'd or NULL; freed with the
 * guest).  Returns NULL when out of memory. */
vl_task *vl_guest_task_create(vl_guest *g, const char *stream, vl_task_plan_fn plan,
                              void *ctx, vl_wstats *stats);

#endif
