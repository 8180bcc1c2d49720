/* workload/cpu.c - CPU-bound tasks, optionally at a utilisation: `cpu`
 * and `lookbusy` (the same program, lookbusy's conventions).
 *
 * With util = 1 each task computes forever.  With util < 1 a task behaves
 * like lookbusy's CPU mode: in each period it computes util * period of CPU
 * time, then sleeps (1 - util) * period (so under contention it runs at
 * less than `util`: the sleep is wall time).  The first period starts at a
 * uniformly random phase from the task's own stream, so that tasks do not
 * march in lock-step.  Program: [sleep U(0, period)], loop { compute busy;
 * sleep idle }; util = 0: one endless sleep.  `nice` sets the tasks' CFS
 * weight in the guest. */
#include <stdio.h>
#include <stdlib.h>

#include "workload/workload.h"

typedef struct cpu_params {
    int64_t tasks;
    double util;
    vl_ns period;
    int64_t nice;
} cpu_params;

static const vl_param cpu_param_table[] = {
    {"tasks", VL_PARAM_INT, offsetof(cpu_params, tasks), 1, 1, 4096, "tasks",
     "number of CPU-bound tasks", NULL},
    {"util", VL_PARAM_DOUBLE, offsetof(cpu_params, util), 1.0, 0.01, 1.0, "fraction",
     "CPU utilisation each task aims at (1 = never sleeps)", NULL},
    {"period", VL_PARAM_TIME, offsetof(cpu_params, period), VL_MS(100), VL_MS(1), VL_S(10), "ns",
     "busy+sleep cycle when util < 1 (lookbusy-style duty cycle)", NULL},
    {"nice", VL_PARAM_INT, offsetof(cpu_params, nice), 0, -20, 19, "",
     "nice value of the tasks: CFS weight from sched_prio_to_weight (0 = 1024)", NULL},
    VL_PARAM_END,
};

/* Longer than any run: the op never ends. */
#define CPU_FOREVER ((double)VL_OP_ENDLESS)

static int build(vl_program *p, double util, vl_ns period)
{
    vl_prog_init(p);
    if (util <= 0.0) {
        vl_dist forever = vl_dist_const(CPU_FOREVER);
        return vl_prog_sleep(p, &forever) < 0 ? -1 : 0;
    }
    if (util >= 1.0) {
        vl_dist forever = vl_dist_const(CPU_FOREVER);
        int body = vl_prog_compute(p, &forever);
        return body < 0 || vl_prog_loop(p, body, 0) < 0 ? -1 : 0;
    }
    vl_ns busy = (vl_ns)(util * (double)period);
    vl_dist phase = vl_dist_uniform(0, (double)period);
    vl_dist b = vl_dist_const((double)busy), i = vl_dist_const((double)(period - busy));
    int body;
    if (vl_prog_sleep(p, &phase) < 0 || (body = vl_prog_compute(p, &b)) < 0 ||
        vl_prog_sleep(p, &i) < 0 || vl_prog_loop(p, body, 0) < 0)
        return -1;
    return 0;
}

static int cpu_create(vl_guest *g, vl_workload *w, const void *params)
{
    const cpu_params *c = params;
    if (!vl_workload_programs(w, 1) || build(w->prog, c->util, c->period) < 0)
        return -1;
    w->nice = (int)c->nice;
    return vl_workload_spawn(g, w, c->tasks);
}

static const vl_workload_type cpu_type = {
    .name = "cpu",
    .description = "CPU-bound tasks, optionally at a utilisation (lookbusy-style duty cycle).",
    .params = cpu_param_table,
    .params_size = sizeof(cpu_params),
    .create = cpu_create,
};
VL_REGISTER_WORKLOAD(cpu_type);

/* lookbusy -c PCT [-n N]: "simple arithmetic looping ... alternating with
 * periods of sleeping" (lookbusy(1)); utilisation in percent, default 50,
 * one process per CPU unless -n says otherwise.  The cycle length is the
 * one measured for stress-ng --cpu-load 50 (docs/workloads-calibration.md
 * 4.13: 18 ms busy / 18 ms asleep, ~28 cycles/s). */
typedef struct lookbusy_params {
    double util;
    vl_ns period;
    int64_t threads;
} lookbusy_params;

static const vl_param lookbusy_param_table[] = {
    {"util", VL_PARAM_DOUBLE, offsetof(lookbusy_params, util), 50, 0, 100, "%",
     "CPU utilisation each thread aims at (lookbusy -c; default 50); 100 = never sleeps", NULL},
    {"period", VL_PARAM_TIME, offsetof(lookbusy_params, period), VL_MS(36), VL_MS(1), VL_S(10),
     "ns", "busy+sleep cycle (stress-ng --cpu-load 50 measured: 18 ms + 18 ms)", NULL},
    {"threads", VL_PARAM_INT, offsetof(lookbusy_params, threads), 0, 0, 4096, "threads",
     "busy threads; 0 = one per vCPU (lookbusy -n: default all CPUs)", NULL},
    VL_PARAM_END,
};

static int lookbusy_create(vl_guest *g, vl_workload *w, const void *params)
{
    const lookbusy_params *l = params;
    if (!vl_workload_programs(w, 1) || build(w->prog, l->util / 100.0, l->period) < 0)
        return -1;
    return vl_workload_spawn(g, w, vl_workload_threads(g, l->threads));
}

static const vl_workload_type lookbusy_type = {
    .name = "lookbusy",
    .description = "CPU hog at a utilisation in percent, one thread per vCPU (lookbusy; "
                   "docs/workloads-calibration.md 4.13).",
    .params = lookbusy_param_table,
    .params_size = sizeof(lookbusy_params),
    .create = lookbusy_create,
};
VL_REGISTER_WORKLOAD(lookbusy_type);
