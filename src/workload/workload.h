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
    vl_program *prog; /* what its tasks run; owned (freed with the model) */
    int nice;         /* of its tasks (set before vl_workload_spawn)       */
} vl_workload;

typedef struct vl_workload_type {
    const char *name;
    const char *description;
    const vl_param *params; /* over a struct of params_size bytes */
    size_t params_size;
    /* Creates the workload's tasks in guest g.  w is the workload record
     * (name, stats) the tasks report into. Returns 0 or -1. */
    int (*create)(vl_guest *g, vl_workload *w, const void *params);
} vl_workload_type;

#define VL_REGISTER_WORKLOAD(type)                                           \
    __attribute__((used, section("vl_workloads"), aligned(sizeof(void *))))  \
    static const vl_workload_type *const vl_workload_entry_##type = &(type)

/* Creates `n` tasks of w (one process: a shared mm) running w->prog at
 * nice w->nice, with streams "<workload>/<i>".  Returns 0 or -1. */
int vl_workload_spawn(vl_guest *g, vl_workload *w, int64_t n);

int vl_workload_type_count(void);
const vl_workload_type *vl_workload_type_at(int i); /* sorted by name */
const vl_workload_type *vl_workload_type_find(const char *name);

#endif
