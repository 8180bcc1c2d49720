/* workload/parsec_compute.c - PARSEC-like embarrassingly parallel
 * applications (docs/workloads-calibration.md 4.8): threads that compute
 * with (almost) no kernel entries and no blocking.
 *
 *   swaptions, blackscholes  compute only; Exp(10 ms) chunks give the model
 *                            preemption points, nothing else. */
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
