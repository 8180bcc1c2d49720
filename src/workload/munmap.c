/* workload/munmap.c - `munmap`: threads of one process that compute and
 * unmap memory, each unmap ending in a synchronous TLB shootdown of the
 * other vCPUs running the process (flush_tlb_mm_range ->
 * smp_call_function_many_cond): the sender spins until every target ran
 * the flush handler.  Program: loop { compute work; munmap call +
 * shootdown }. */
#include <stdlib.h>

#include "guest/kernel.h"
#include "workload/workload.h"

typedef struct munmap_params {
    int64_t tasks;
    vl_dist work;
    vl_dist call;
} munmap_params;

static const vl_param munmap_param_table[] = {
    {"tasks", VL_PARAM_INT, offsetof(munmap_params, tasks), 2, 1, 4096, "tasks",
     "threads of the process (one mm)", NULL},
    {"work", VL_PARAM_DIST, offsetof(munmap_params, work), VL_US(200), 0, 0, "ns",
     "user-mode work between unmaps", NULL},
    {"call", VL_PARAM_DIST, offsetof(munmap_params, call), VL_US(5), 0, 0, "ns",
     "kernel work of the unmap before the shootdown", NULL},
    VL_PARAM_END,
};

static int munmap_create(vl_guest *g, vl_workload *w, const void *params)
{
    const munmap_params *p = params;
    if (!vl_workload_programs(w, 1))
        return -1;
    int body = vl_prog_compute(w->prog, &p->work);
    if (body < 0 || vl_prog_shootdown(w->prog, vl_guest_activity(g, "munmap"), &p->call) < 0 ||
        vl_prog_loop(w->prog, body, 0) < 0)
        return -1;
    return vl_workload_spawn(g, w, p->tasks);
}

static const vl_workload_type munmap_type = {
    .name = "munmap",
    .description = "Threads unmapping memory: synchronous TLB shootdowns of the process's vCPUs.",
    .params = munmap_param_table,
    .params_size = sizeof(munmap_params),
    .create = munmap_create,
};
VL_REGISTER_WORKLOAD(munmap_type);
