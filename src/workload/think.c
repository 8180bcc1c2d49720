/* workload/think.c - `think`: tasks that alternate think times (sleeps) and
 * CPU bursts, e.g. an interactive session or a request handler.  Each task
 * draws every think time and burst from its own random stream, so two
 * schedulers see the same sequence of demands.  The wake latency (timer
 * expiry -> running) and response (timer expiry -> burst done) are what
 * schedulers change.  Program: loop { sleep think; compute burst }. */
#include <stdio.h>
#include <stdlib.h>

#include "vl_dist.h"
#include "workload/workload.h"

typedef struct think_params {
    int64_t tasks;
    vl_dist burst;
    vl_dist think;
    int64_t nice;
} think_params;

static const vl_param think_param_table[] = {
    {"tasks", VL_PARAM_INT, offsetof(think_params, tasks), 1, 1, 4096, "tasks",
     "number of tasks", NULL},
    {"burst", VL_PARAM_DIST, offsetof(think_params, burst), VL_MS(1), 0, 0, "ns",
     "CPU work per wake-up", NULL},
    {"think", VL_PARAM_DIST, offsetof(think_params, think), VL_MS(10), 0, 0, "ns",
     "sleep between bursts", NULL},
    {"nice", VL_PARAM_INT, offsetof(think_params, nice), 0, -20, 19, "",
     "nice value of the tasks: CFS weight from sched_prio_to_weight (0 = 1024)", NULL},
    VL_PARAM_END,
};

static int think_create(vl_guest *g, vl_workload *w, const void *params)
{
    const think_params *p = params;
    w->prog = malloc(sizeof *w->prog);
    if (!w->prog)
        return -1;
    vl_prog_init(w->prog);
    int body = vl_prog_sleep(w->prog, &p->think);
    if (body < 0 || vl_prog_compute(w->prog, &p->burst) < 0 || vl_prog_loop(w->prog, body, 0) < 0)
        return -1;
    w->nice = (int)p->nice;
    return vl_workload_spawn(g, w, p->tasks);
}

static const vl_workload_type think_type = {
    .name = "think",
    .description = "Tasks alternating CPU bursts and think times drawn from distributions.",
    .params = think_param_table,
    .params_size = sizeof(think_params),
    .create = think_create,
};
VL_REGISTER_WORKLOAD(think_type);
