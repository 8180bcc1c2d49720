/* workload/spawn.c - creating a workload's tasks: all on one program, or
 * each on its own (application models whose threads play roles). */
#include <stdio.h>
#include <stdlib.h>

#include "guest/gsched.h"
#include "guest/lifecycle.h"
#include "workload/workload.h"

const vl_param vl_app_param_table[] = {
    {"tasks", VL_PARAM_INT, offsetof(vl_app_params, tasks), 0, 0, 4096, "threads",
     "threads of the process; 0 = one per vCPU", NULL},
    {"iterations", VL_PARAM_INT, offsetof(vl_app_params, iterations), 0, 0, 1000000000, "rounds",
     "a fixed amount of work: each thread runs its outer loop (a phase, a queue item, a group "
     "of rows: docs/workloads.md) this many times, then exits; the workload is done when its "
     "last thread exits (done_ns) and a run ends when every such workload is done; 0 = endless",
     NULL},
    VL_PARAM_END,
};

int64_t vl_workload_iterations(const vl_workload_type *t, const void *params)
{
    return t->params == vl_app_param_table ? ((const vl_app_params *)params)->iterations : 0;
}

int vl_workload_bound(const vl_workload *w, vl_program *p)
{
    if (!w->iterations)
        return 0;
    vl_op *last = p->nops ? &p->ops[p->nops - 1] : NULL;
    if (!last || last->kind != VL_OP_LOOP || last->count != 0)
        return -1;
    last->count = (int)w->iterations;
    return 0;
}

int64_t vl_workload_threads(const vl_guest *g, int64_t tasks)
{
    return tasks > 0 ? tasks : g->nvcpus;
}

/* Address spaces: a workload's threads share mm w->id + 1; separate
 * processes get ids above every workload's shared one. */
#define SPAWN_PROCESS_MM_BASE 4096

vl_task *vl_workload_task(vl_guest *g, vl_workload *w, int64_t i, const vl_program *p,
                          bool process)
{
    char stream[96];
    snprintf(stream, sizeof stream, "%s/%lld", w->name, (long long)i);
    vl_task *t = vl_guest_task_create(g, stream, p, &w->stats);
    if (t) {
        t->mm = process ? (w->id + 1) * SPAWN_PROCESS_MM_BASE + (int)i : w->id + 1;
        vl_gsched_set_nice(g, t, w->nice);
        t->io_bound = w->io_bound;
    }
    return t;
}

vl_program *vl_workload_programs(vl_workload *w, int64_t n)
{
    w->prog = calloc((size_t)n, sizeof *w->prog); /* all-zero programs are empty */
    w->nprogs = w->prog ? (int)n : 0;
    return w->prog;
}

void vl_workload_fini(vl_workload *w)
{
    vl_wstats_free(&w->stats);
    for (int i = 0; i < w->nprogs; i++)
        vl_prog_fini(&w->prog[i]);
    free(w->prog);
    free(w->client);
}

int vl_workload_spawn(vl_guest *g, vl_workload *w, int64_t n)
{
    for (int64_t i = 0; i < n; i++)
        if (!vl_workload_task(g, w, i, w->prog, false))
            return -1;
    return 0;
}

int vl_workload_spawn_each(vl_guest *g, vl_workload *w, int64_t n, vl_program_builder build,
                           const void *ctx, bool processes)
{
    if (n <= 0) /* parameter tables keep counts positive */
        return -1;
    if (!vl_workload_programs(w, n))
        return -1;
    for (int64_t i = 0; i < n; i++) {
        vl_program *p = &w->prog[i];
        if (build(p, i, n, g, ctx) < 0 || vl_workload_bound(w, p) < 0)
            return -1;
        if (!vl_workload_task(g, w, i, p, processes))
            return -1;
    }
    return 0;
}
