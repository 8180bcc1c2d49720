/* workload/parsec_compute.c - PARSEC-like embarrassingly parallel
 * applications (docs/workloads-calibration.md 4.8): threads that compute
 * with (almost) no kernel entries and rare blocking.
 *
 *   swaptions, blackscholes  compute only; Exp(10 ms) chunks give the model
 *                            preemption points, nothing else.
 *   canneal    the main thread loads the netlist (a page fault per page of
 *              the 256 MB working set) while the workers wait; then every
 *              thread anneals: lock-free swaps (atomics, no kernel) for a
 *              temperature step, then a barrier.
 *   freqmine   OpenMP parallel loops of ~10 ms, each ending in the implicit
 *              barrier, waited for passively (futex). */
#include "guest/lifecycle.h"
#include "guest/sync.h"
#include "workload/workload.h"

/* Mean compute chunk: long enough to cost nothing, short enough that a
 * chunk boundary is never far (4.8). */
#define COMPUTE_CHUNK_NS 10e6

static int compute_build(vl_program *p, int64_t i, int64_t n, const vl_guest *g, const void *ctx)
{
    (void)i, (void)n, (void)g, (void)ctx;
    vl_dist hog = vl_dist_exponential(COMPUTE_CHUNK_NS);
    int b = vl_prog_compute(p, &hog);
    return b < 0 || vl_prog_loop(p, b, 0) < 0 ? -1 : 0;
}

static int compute_create(vl_guest *g, vl_workload *w, const void *params)
{
    const vl_app_params *a = params;
    return vl_workload_spawn_each(g, w, vl_workload_threads(g, a->tasks), compute_build, NULL,
                                  false);
}

/* canneal (annealer_thread::Run): a temperature step is swaps_per_temp /
 * nthreads moves per thread, then pthread_barrier_wait.  The inputs use
 * 15 000 swaps per temperature; a move reads two random elements and their
 * fan-in/fan-out locations in a 256 MB netlist, a dozen cache misses:
 * ~1.5 us (estimate).  Loading the netlist touches every page once:
 * 256 MB / 4 KB faults with a little parsing between them (estimate). */
#define CANNEAL_SWAPS_PER_TEMP 15000
#define CANNEAL_MOVE_NS 1500
#define CANNEAL_STEP_CV 0.1       /* equal moves per thread; miss-time noise */
#define CANNEAL_LOAD_PAGES 65536  /* 256 MB working set (PACT'08) / 4 KB */
#define CANNEAL_PARSE_NS 5000     /* netlist parsing per page */

typedef struct anneal {
    vl_dist step;
    int barrier;
} anneal;

static int canneal_build(vl_program *p, int64_t i, int64_t n, const vl_guest *g, const void *ctx)
{
    (void)n;
    const anneal *a = ctx;
    if (i == 0) { /* the main thread loads the netlist first */
        vl_dist parse = vl_dist_exponential(CANNEAL_PARSE_NS);
        vl_dist fault = vl_dist_uniform(1.5e3, 3.5e3);
        int load = vl_prog_compute(p, &parse);
        if (load < 0 || vl_wl_page_fault(p, g, &fault) < 0 ||
            vl_prog_loop(p, load, CANNEAL_LOAD_PAGES) < 0)
            return -1;
    }
    int top = vl_wl_futex_barrier(p, g, a->barrier);
    if (top < 0 || vl_prog_compute(p, &a->step) < 0)
        return -1;
    return vl_prog_loop(p, top, 0) < 0 ? -1 : 0;
}

static int canneal_create(vl_guest *g, vl_workload *w, const void *params)
{
    int64_t n = vl_workload_threads(g, ((const vl_app_params *)params)->tasks);
    double step = (double)CANNEAL_SWAPS_PER_TEMP * CANNEAL_MOVE_NS / (double)n;
    anneal a = {.step = vl_dist_lognormal_cv(step, CANNEAL_STEP_CV),
                .barrier = vl_sync_new(g, (int)n, 0)};
    if (a.barrier < 0)
        return -1;
    return vl_workload_spawn_each(g, w, n, canneal_build, &a, false);
}

/* freqmine: OpenMP only (no pthread calls); the parallel loops' lengths
 * are 4.8's 10 ms chunks, their spread between threads an estimate (the
 * loops hand out iterations dynamically, so the threads end close
 * together). */
#define FREQMINE_LOOP_CV 0.25
typedef struct omp_loops {
    vl_dist loop;
    int barrier;
} omp_loops;

static int freqmine_build(vl_program *p, int64_t i, int64_t n, const vl_guest *g, const void *ctx)
{
    (void)i, (void)n;
    const omp_loops *o = ctx;
    int top = vl_prog_compute(p, &o->loop);
    if (top < 0 || vl_wl_futex_barrier(p, g, o->barrier) < 0)
        return -1;
    return vl_prog_loop(p, top, 0) < 0 ? -1 : 0;
}

static int freqmine_create(vl_guest *g, vl_workload *w, const void *params)
{
    int64_t n = vl_workload_threads(g, ((const vl_app_params *)params)->tasks);
    omp_loops o = {.loop = vl_dist_lognormal_cv(COMPUTE_CHUNK_NS, FREQMINE_LOOP_CV),
                   .barrier = vl_sync_new(g, (int)n, 0)};
    if (o.barrier < 0)
        return -1;
    return vl_workload_spawn_each(g, w, n, freqmine_build, &o, false);
}

static const vl_workload_type swaptions_type = {
    .name = "swaptions",
    .description = "PARSEC swaptions-like: embarrassingly parallel compute (4.8).",
    .params = vl_app_param_table,
    .params_size = sizeof(vl_app_params),
    .create = compute_create,
};
VL_REGISTER_WORKLOAD(swaptions_type);

static const vl_workload_type blackscholes_type = {
    .name = "blackscholes",
    .description = "PARSEC blackscholes-like: embarrassingly parallel compute (4.8).",
    .params = vl_app_param_table,
    .params_size = sizeof(vl_app_params),
    .create = compute_create,
};
VL_REGISTER_WORKLOAD(blackscholes_type);

static const vl_workload_type canneal_type = {
    .name = "canneal",
    .description = "PARSEC canneal-like: netlist load (page-fault burst), then lock-free "
                   "annealing steps between barriers (4.8).",
    .params = vl_app_param_table,
    .params_size = sizeof(vl_app_params),
    .create = canneal_create,
};
VL_REGISTER_WORKLOAD(canneal_type);

static const vl_workload_type freqmine_type = {
    .name = "freqmine",
    .description = "PARSEC freqmine-like: OpenMP parallel loops of ~10 ms with passive "
                   "(futex) barriers (4.8).",
    .params = vl_app_param_table,
    .params_size = sizeof(vl_app_params),
    .create = freqmine_create,
};
VL_REGISTER_WORKLOAD(freqmine_type);
