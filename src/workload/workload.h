/* workload/workload.h - the workload library's interface.
 *
 * A workload type is a named, parameterised generator of guest tasks (and,
 * later, of external clients).  Like policies, a type declares its
 * parameters as a vl_param table over its own params struct; the scenario
 * loader validates them and hands the filled struct to create().
 * Types register with VL_REGISTER_WORKLOAD() at the bottom of their file. */
#ifndef VL_WORKLOAD_H
#define VL_WORKLOAD_H

#include "vcpulab/sched.h"

#include "guest/guest.h"
#include "vcpulab/scenario.h"

/* One workload instance in a VM: its identity and outcome measures. */
typedef struct vl_workload {
    int id;           /* host-wide index: its tasks' address space */
    char name[VL_NAME_MAX];
    const struct vl_workload_type *type;
    int vm;
    vl_wstats stats;
    vl_program *prog; /* what its tasks run: nprogs programs from
                       * vl_workload_programs (freed with the model) */
    int nprogs;
    void *client;     /* its external side (load generator), if any; one
                       * block, freed with the model                  */
    int nice;         /* of its tasks (set before vl_workload_spawn)       */
    bool io_bound;    /* its tasks are I/O-bound (the type's default or the
                       * scenario's io_bound), set before create()        */
    int64_t iterations; /* rounds of each task's outer loop before it exits
                         * (vl_app_params.iterations); 0: endless        */
} vl_workload;

typedef struct vl_workload_type {
    const char *name;
    const char *description;
    const vl_param *params; /* over a struct of params_size bytes */
    size_t params_size;
    bool io;                /* uses the VM's network or block device */
    bool (*uses_io)(const void *params); /* or NULL: whether it does with
                                          * these parameters (`program`) */
    bool io_bound;          /* its tasks are really I/O-bound unless the
                             * scenario says otherwise (`io_bound:`): the
                             * ground truth that I/O predictions are scored
                             * against (hv/boost_truth.h), never a policy's */
    /* Creates the workload's tasks in guest g.  w is the workload record
     * (name, stats) the tasks report into. Returns 0 or -1. */
    int (*create)(vl_guest *g, vl_workload *w, const void *params);
} vl_workload_type;

#define VL_REGISTER_WORKLOAD(type)                                           \
    __attribute__((used, section("vl_workloads"), aligned(sizeof(void *))))  \
    static const vl_workload_type *const vl_workload_entry_##type = &(type)

/* n empty programs for w's tasks (w->prog, w->nprogs), freed by
 * vl_workload_fini.  NULL when out of memory. */
vl_program *vl_workload_programs(vl_workload *w, int64_t n);
/* Frees what w holds: its statistics, programs and client. */
void vl_workload_fini(vl_workload *w);
/* Creates `n` tasks of w (one process: a shared mm) running w->prog at
 * nice w->nice (I/O-bound as w->io_bound), with streams "<workload>/<i>".  Returns 0 or -1. */
int vl_workload_spawn(vl_guest *g, vl_workload *w, int64_t n);
/* Creates task i of w running p (stream "<workload>/<i>"): a thread of the
 * workload's process, or with `process` a process of its own (its own
 * address space).  NULL when out of memory. */
vl_task *vl_workload_task(vl_guest *g, vl_workload *w, int64_t i, const vl_program *p,
                          bool process);

/* Application models are run the way the benchmarks are: `tasks` threads,
 * 0 meaning one per vCPU, and either endlessly or for a fixed amount of
 * work: `iterations` rounds of each thread's outer loop, after which the
 * thread exits (the workload is done when its last thread has: its
 * whole-run time, vl_wstats.done_ns).  The parameter table of models with
 * no other parameter. */
typedef struct vl_app_params {
    int64_t tasks;
    int64_t iterations;
} vl_app_params;
extern const vl_param vl_app_param_table[];
int64_t vl_workload_threads(const vl_guest *g, int64_t tasks);
/* The iterations a scenario's workload of type t with these parameters
 * runs (0: endless; only the application table has the key). */
int64_t vl_workload_iterations(const vl_workload_type *t, const void *params);
/* Bounds program p to w->iterations rounds of its outer loop (its last op,
 * an endless loop), if w has a bound.  Returns 0, or -1 when p does not
 * end in an endless loop. */
int vl_workload_bound(const vl_workload *w, vl_program *p);

/* Fills program i of n (tasks of one workload that run different
 * programs); ctx is the caller's.  Returns 0 or -1 (program full). */
typedef int (*vl_program_builder)(vl_program *p, int64_t i, int64_t n, const vl_guest *g,
                                  const void *ctx);
/* Creates n tasks of w, task i running its own program built by
 * build(i); threads of one process, or with `processes` one process each
 * (separate address spaces).  Streams "<workload>/<i>".  Returns 0 or -1. */
int vl_workload_spawn_each(vl_guest *g, vl_workload *w, int64_t n, vl_program_builder build,
                           const void *ctx, bool processes);

/* Calibrated kernel paths (docs/workloads-calibration.md section 4),
 * appended to a program; each returns the first op's index or -1. */
/* A page fault (__handle_mm_fault) of `dur`, holding the process's
 * page_table_lock 0.3 us. */
int vl_wl_page_fault(vl_program *p, const vl_guest *g, const vl_dist *dur);
/* munmap of a buffer: 20 us of unmap_page_range, then a synchronous TLB
 * shootdown of the other vCPUs running the process. */
int vl_wl_munmap(vl_program *p, const vl_guest *g);
/* A futex system call (futex_wait / futex_wake, 1.4 us holding the hash
 * bucket 1 us), then the barrier, wait or wake it implements: glibc's
 * barriers, mutexes and condition variables enter the kernel this way. */
int vl_wl_futex_barrier(vl_program *p, const vl_guest *g, int sync);
int vl_wl_futex_wait(vl_program *p, const vl_guest *g, int sync);
int vl_wl_futex_wake(vl_program *p, const vl_guest *g, int sync);

int vl_workload_type_count(void);
const vl_workload_type *vl_workload_type_at(int i); /* sorted by name */
const vl_workload_type *vl_workload_type_find(const char *name);
/* Whether a scenario's workload is really I/O-bound: its `io_bound:` key,
 * else its type's default. */
bool vl_workload_spec_io_bound(const vl_workload_spec *ws);
/* Whether a scenario's workload uses the VM's network or block device. */
bool vl_workload_spec_io(const vl_workload_spec *ws);

#endif
