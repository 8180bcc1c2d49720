/* workload/think.c - `think`: tasks that alternate CPU bursts and sleeps
 * (think times), e.g. an interactive session or a request handler.  Each
 * task draws every burst and every think time from its own random stream,
 * so two schedulers see the same sequence of demands.  The wake latency
 * (timer expiry -> running) and response (timer expiry -> burst done) are
 * what schedulers change. */
#include <stdio.h>
#include <stdlib.h>

#include "vl_dist.h"
#include "workload/workload.h"

typedef struct think_params {
    int64_t tasks;
    vl_dist burst;
    vl_dist think;
} think_params;

static const vl_param think_param_table[] = {
    {"tasks", VL_PARAM_INT, offsetof(think_params, tasks), 1, 1, 4096, "tasks",
     "number of tasks", NULL},
    {"burst", VL_PARAM_DIST, offsetof(think_params, burst), VL_MS(1), 0, 0, "ns",
     "CPU work per wake-up", NULL},
    {"think", VL_PARAM_DIST, offsetof(think_params, think), VL_MS(10), 0, 0, "ns",
     "sleep between bursts", NULL},
    VL_PARAM_END,
};

static vl_ns draw(const vl_dist *d, vl_rng *r, vl_ns floor)
{
    double x = vl_dist_sample(d, r);
    if (x > 1e15)
        x = 1e15; /* about 11.6 days: beyond any run */
    vl_ns v = (vl_ns)x;
    return v < floor ? floor : v;
}

static void think_plan(vl_task *t, vl_ns *burst, vl_ns *sleep)
{
    const think_params *p = t->ctx;
    *sleep = draw(&p->think, &t->rng, 1);
    *burst = draw(&p->burst, &t->rng, 1);
}

static int think_create(vl_guest *g, vl_workload *w, const void *params)
{
    for (int64_t i = 0; i < ((const think_params *)params)->tasks; i++) {
        think_params *copy = malloc(sizeof *copy);
        if (!copy)
            return -1;
        *copy = *(const think_params *)params;
        char stream[96];
        snprintf(stream, sizeof stream, "%s/%lld", w->name, (long long)i);
        if (!vl_guest_task_create(g, stream, think_plan, copy, &w->stats)) {
            free(copy);
            return -1;
        }
    }
    return 0;
}

static const vl_workload_type think_type = {
    .name = "think",
    .description = "Tasks alternating CPU bursts and think times drawn from distributions.",
    .params = think_param_table,
    .params_size = sizeof(think_params),
    .create = think_create,
};
VL_REGISTER_WORKLOAD(think_type);
