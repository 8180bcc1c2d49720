/* workload/mosbench.c - MOSBENCH-like kernel-intensive applications
 * (docs/workloads-calibration.md 3.3, 4.1).
 *
 *   gmake  build jobs (separate processes, one per vCPU as `make -jN`):
 *          user compute broken by page faults (the process's
 *          page_table_lock), LRU batches (lru lock), dentry lookups (d_lock)
 *          and page-allocator refills (zone lock), at the rates measured
 *          for make -j2 per busy CPU.  Process creation is not modelled.
 *   exim   (network/block I/O models: being built) */
#include "workload/workload.h"

/* 20 x (compute Exp(40 us) + page fault U(1.5, 3.5) us): 21-24 k faults/s
 * per busy CPU, as measured for make -j. */
static int faults20(vl_program *p, const vl_guest *g)
{
    vl_dist c = vl_dist_exponential(40e3), f = vl_dist_uniform(1.5e3, 3.5e3);
    int body = vl_prog_compute(p, &c);
    if (body < 0 || vl_wl_page_fault(p, g, &f) < 0)
        return -1;
    return vl_prog_loop(p, body, 20) < 0 ? -1 : body;
}

/* Per 40 faults: 2 LRU batches, a dentry lookup, 1 zone refill. */
static int gmake_build(vl_program *p, int64_t i, int64_t n, const vl_guest *g, const void *ctx)
{
    (void)i, (void)n, (void)ctx;
    vl_dist lru_d = vl_dist_const(5e3), lru_h = vl_dist_const(3e3);
    vl_dist zone_d = vl_dist_uniform(5e3, 12e3), zone_h = vl_dist_uniform(3e3, 10e3);
    vl_dist dent_d = vl_dist_const(1.5e3), dent_h = vl_dist_const(200);
    int lru = vl_guest_lock_class(g, "lru");
    int top = faults20(p, g);
    if (top < 0 ||
        vl_prog_kernel(p, vl_guest_activity(g, "lru_release"), &lru_d, lru, &lru_h) < 0 ||
        vl_prog_kernel(p, vl_guest_activity(g, "dentry_lookup"), &dent_d,
                       vl_guest_lock_class(g, "dentry"), &dent_h) < 0 ||
        faults20(p, g) < 0 ||
        vl_prog_kernel(p, vl_guest_activity(g, "lru_release"), &lru_d, lru, &lru_h) < 0 ||
        vl_prog_kernel(p, vl_guest_activity(g, "page_alloc"), &zone_d,
                       vl_guest_lock_class(g, "zone"), &zone_h) < 0)
        return -1;
    return vl_prog_loop(p, top, 0) < 0 ? -1 : 0;
}

static int gmake_create(vl_guest *g, vl_workload *w, const void *params)
{
    const vl_app_params *a = params;
    return vl_workload_spawn_each(g, w, vl_workload_threads(g, a->tasks), gmake_build, NULL, true);
}

static const vl_workload_type gmake_type = {
    .name = "gmake",
    .description = "MOSBENCH-like build jobs: page faults, LRU and zone locks "
                   "(docs/workloads-calibration.md 4.1).",
    .params = vl_app_param_table,
    .params_size = sizeof(vl_app_params),
    .create = gmake_create,
};
VL_REGISTER_WORKLOAD(gmake_type);
