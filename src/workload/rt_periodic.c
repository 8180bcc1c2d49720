/* workload/rt_periodic.c - `rt-periodic`: periodic real-time-like tasks,
 * as cyclictest's measuring threads are (docs/workloads-calibration.md
 * 4.14): each sleeps until its next release on an absolute timer (the
 * next release is one period after the previous one, however long the
 * work took), then does a few microseconds of work.  Releases already past
 * when the work ends are skipped, as cyclictest's loop skips them.
 *
 * The wake latency (release -> running) is cyclictest's measure; the
 * response (release -> work done) above one period is a deadline miss:
 * both are in the workload's histograms (`vcpulab run --cdf`).
 * Program: sleep U(0, period); loop { sleep until the next release;
 * compute work }. */
#include <stdlib.h>

#include "workload/workload.h"

typedef struct rt_params {
    int64_t tasks;
    vl_ns period;
    vl_dist work;
} rt_params;

static const vl_param rt_param_table[] = {
    {"tasks", VL_PARAM_INT, offsetof(rt_params, tasks), 1, 0, 4096, "tasks",
     "periodic tasks (cyclictest -t); 0 = one per vCPU", NULL},
    {"period", VL_PARAM_TIME, offsetof(rt_params, period), VL_MS(1), VL_US(10), VL_S(10), "ns",
     "release period (cyclictest -i; measured with -i 1000 and -i 10000, 4.14)", NULL},
    {"work", VL_PARAM_DIST, offsetof(rt_params, work), VL_US(10), 0, 0, "ns",
     "CPU work per release (measured 5-15 us per cyclictest cycle, 4.14)", NULL},
    VL_PARAM_END,
};

static int rt_create(vl_guest *g, vl_workload *w, const void *params)
{
    const rt_params *r = params;
    vl_dist phase = vl_dist_uniform(0, (double)r->period);
    vl_dist period = vl_dist_const((double)r->period);
    if (!vl_workload_programs(w, 1))
        return -1;
    int body;
    if (vl_prog_sleep(w->prog, &phase) < 0 ||
        (body = vl_prog_sleep_periodic(w->prog, &period)) < 0 ||
        vl_prog_compute(w->prog, &r->work) < 0 || vl_prog_loop(w->prog, body, 0) < 0)
        return -1;
    return vl_workload_spawn(g, w, vl_workload_threads(g, r->tasks));
}

static const vl_workload_type rt_type = {
    .name = "rt-periodic",
    .description = "Periodic real-time-like tasks: absolute releases, microseconds of work "
                   "(cyclictest; docs/workloads-calibration.md 4.14).",
    .params = rt_param_table,
    .params_size = sizeof(rt_params),
    .create = rt_create,
};
VL_REGISTER_WORKLOAD(rt_type);
