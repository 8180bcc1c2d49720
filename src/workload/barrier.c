/* workload/barrier.c - `barrier`: threads of one process that compute and
 * meet at a barrier each round (futex-based, as pthread barriers are): the
 * last to arrive wakes the others, with reschedule IPIs to their vCPUs.
 * A round lasts as long as its slowest party, so one preempted vCPU stalls
 * them all.  Program: loop { compute work; barrier }. */
#include <stdlib.h>

#include "guest/lifecycle.h"
#include "guest/sync.h"
#include "workload/workload.h"

typedef struct barrier_params {
    int64_t tasks;
    vl_dist work;
} barrier_params;

static const vl_param barrier_param_table[] = {
    {"tasks", VL_PARAM_INT, offsetof(barrier_params, tasks), 2, 2, 4096, "tasks",
     "threads (barrier parties)", NULL},
    {"work", VL_PARAM_DIST, offsetof(barrier_params, work), VL_US(500), 0, 0, "ns",
     "computation per thread per round", NULL},
    VL_PARAM_END,
};

static int barrier_create(vl_guest *g, vl_workload *w, const void *params)
{
    const barrier_params *p = params;
    int b = vl_sync_new(g, (int)p->tasks, 0);
    if (b < 0 || !vl_workload_programs(w, 1))
        return -1;
    int body = vl_prog_compute(w->prog, &p->work);
    if (body < 0 || vl_prog_barrier(w->prog, b) < 0 || vl_prog_loop(w->prog, body, 0) < 0)
        return -1;
    return vl_workload_spawn(g, w, p->tasks);
}

static const vl_workload_type barrier_type = {
    .name = "barrier",
    .description = "Threads computing in rounds separated by a futex barrier (reschedule IPIs).",
    .params = barrier_param_table,
    .params_size = sizeof(barrier_params),
    .create = barrier_create,
};
VL_REGISTER_WORKLOAD(barrier_type);
