/* workload/cpu.c - `cpu`: CPU-bound tasks, optionally at a utilisation.
 *
 * With util = 1 each task computes forever.  With util < 1 a task behaves
 * like lookbusy's CPU mode: in each period it computes util * period of CPU
 * time, then sleeps (1 - util) * period (so under contention it runs at
 * less than `util`: the sleep is wall time).  The first period starts at a
 * uniformly random phase from the task's own stream, so that tasks do not
 * march in lock-step. */
#include <stdio.h>
#include <stdlib.h>

#include "workload/workload.h"

typedef struct cpu_params {
    int64_t tasks;
    double util;
    vl_ns period;
} cpu_params;

typedef struct cpu_task {
    vl_ns busy, idle;
    bool first;
} cpu_task;

static const vl_param cpu_param_table[] = {
    {"tasks", VL_PARAM_INT, offsetof(cpu_params, tasks), 1, 1, 4096, "tasks",
     "number of CPU-bound tasks", NULL},
    {"util", VL_PARAM_DOUBLE, offsetof(cpu_params, util), 1.0, 0.01, 1.0, "fraction",
     "CPU utilisation each task aims at (1 = never sleeps)", NULL},
    {"period", VL_PARAM_TIME, offsetof(cpu_params, period), VL_MS(100), VL_MS(1), VL_S(10), "ns",
     "busy+sleep cycle when util < 1 (lookbusy-style duty cycle)", NULL},
    VL_PARAM_END,
};

static void cpu_plan(vl_task *t, vl_ns *burst, vl_ns *sleep)
{
    cpu_task *c = t->ctx;
    if (c->idle == 0) {
        *burst = VL_NS_MAX;
        *sleep = 0;
        return;
    }
    *burst = c->busy;
    if (c->first) { /* random phase for the first cycle */
        c->first = false;
        *sleep = (vl_ns)(vl_rng_double(&t->rng) * (double)(c->busy + c->idle));
    } else {
        *sleep = c->idle;
    }
}

static int cpu_create(vl_guest *g, vl_workload *w, const void *params)
{
    const cpu_params *p = params;
    for (int64_t i = 0; i < p->tasks; i++) {
        cpu_task *c = calloc(1, sizeof *c);
        if (!c)
            return -1;
        c->busy = (vl_ns)(p->util * (double)p->period);
        c->idle = p->util >= 1.0 ? 0 : p->period - c->busy;
        c->first = true;
        char stream[96];
        snprintf(stream, sizeof stream, "%s/%lld", w->name, (long long)i);
        if (!vl_guest_task_create(g, stream, cpu_plan, c, &w->stats)) {
            free(c);
            return -1;
        }
    }
    return 0;
}

static const vl_workload_type cpu_type = {
    .name = "cpu",
    .description = "CPU-bound tasks, optionally at a utilisation (lookbusy-style duty cycle).",
    .params = cpu_param_table,
    .params_size = sizeof(cpu_params),
    .create = cpu_create,
};
VL_REGISTER_WORKLOAD(cpu_type);
