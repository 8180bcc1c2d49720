/* workload/syscalls.c - `syscalls`: tasks of one process that alternate
 * user-mode work and a kernel call at a named kernel activity, optionally
 * holding one of the guest kernel's spinlocks for part of the call.  The
 * building block for kernel-intensive models: contention, lock-holder
 * preemption and pause-loop exits come out of the lock mechanism.
 * Program: loop { compute user; kernel call at `activity` [lock held for
 * `hold`] }. */
#include <stdio.h>
#include <stdlib.h>

#include "guest/kernel.h"
#include "workload/workload.h"

typedef struct syscalls_params {
    int64_t tasks;
    vl_dist user;
    vl_dist call;
    int activity;
    int lock;
    vl_dist hold;
} syscalls_params;

static const vl_param syscalls_param_table[] = {
    {"tasks", VL_PARAM_INT, offsetof(syscalls_params, tasks), 1, 1, 4096, "tasks",
     "threads of the process (one mm)", NULL},
    {"user", VL_PARAM_DIST, offsetof(syscalls_params, user), VL_US(50), 0, 0, "ns",
     "user-mode work between calls", NULL},
    {"call", VL_PARAM_DIST, offsetof(syscalls_params, call), VL_US(5), 0, 0, "ns",
     "length of a kernel call", NULL},
    {"activity", VL_PARAM_ENUM, offsetof(syscalls_params, activity), 1, 0, 0, "",
     "kernel activity (its function in the guest System.map)", vl_guest_activity_names},
    {"lock", VL_PARAM_ENUM, offsetof(syscalls_params, lock), 0, 0, 0, "",
     "spinlock class held inside the call", vl_guest_lock_class_names},
    {"hold", VL_PARAM_DIST, offsetof(syscalls_params, hold), VL_US(1), 0, 0, "ns",
     "time the lock is held (at most the call)", NULL},
    VL_PARAM_END,
};

static int syscalls_create(vl_guest *g, vl_workload *w, const void *params)
{
    const syscalls_params *p = params;
    if (!vl_workload_programs(w, 1))
        return -1;
    int body = vl_prog_compute(w->prog, &p->user);
    if (body < 0 || vl_prog_kernel(w->prog, p->activity, &p->call, p->lock - 1, &p->hold) < 0 ||
        vl_prog_loop(w->prog, body, 0) < 0)
        return -1;
    return vl_workload_spawn(g, w, p->tasks);
}

static const vl_workload_type syscalls_type = {
    .name = "syscalls",
    .description = "Threads alternating user work and a kernel call at a named kernel "
                   "function, optionally under a guest spinlock.",
    .params = syscalls_param_table,
    .params_size = sizeof(syscalls_params),
    .create = syscalls_create,
};
VL_REGISTER_WORKLOAD(syscalls_type);
