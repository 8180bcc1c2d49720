/* workload/apps.c - application models calibrated in
 * docs/workloads-calibration.md (section 4): programs of guest ops whose
 * rates of page faults, kernel locks, TLB shootdowns and futex hand-offs
 * follow what the real programs do, per thread while it runs.
 *
 *   gmake      MOSBENCH-like build job (4.1): user compute broken by page
 *              faults (mm page_table_lock), LRU batches (lru lock) and page
 *              allocator refills (zone lock); process creation not yet
 *              modelled.
 *   dedup      PARSEC pipeline (4.4): chunks pass between producer and
 *              consumer stages through a bounded futex queue; buffers are
 *              freed with munmap => synchronous TLB shootdowns.
 *   vips       PARSEC vips = libvips (4.5): tiles through a bounded queue
 *              between producer and worker threads, page faults, window
 *              munmaps.
 *   swaptions, blackscholes  embarrassingly parallel (4.8): compute only.
 * `tasks: 0` means one thread per vCPU, as the benchmarks are run. */
#include <stdio.h>
#include <stdlib.h>

#include "workload/workload.h"

typedef struct app_params {
    int64_t tasks;
} app_params;

static const vl_param app_param_table[] = {
    {"tasks", VL_PARAM_INT, offsetof(app_params, tasks), 0, 0, 4096, "threads",
     "threads of the process; 0 = one per vCPU", NULL},
    VL_PARAM_END,
};

static vl_dist expo(double mean) { return (vl_dist){.kind = VL_DIST_EXPONENTIAL, .a = mean}; }
static vl_dist logn(double mean, double cv) { return (vl_dist){.kind = VL_DIST_LOGNORMAL, .a = mean, .b = mean * cv}; }
static vl_dist unif(double lo, double hi) { return (vl_dist){.kind = VL_DIST_UNIFORM, .a = lo, .b = hi}; }

static int64_t nthreads(const vl_guest *g, const app_params *p)
{
    return p->tasks > 0 ? p->tasks : g->nvcpus;
}

/* 20 x (compute Exp(40 us) + page fault U(1.5, 3.5) us holding the mm lock
 * 0.3 us): 21-24 k faults/s per busy CPU, as measured for make -j. */
static int faults20(vl_program *p, const vl_guest *g)
{
    vl_dist c = expo(40e3), f = unif(1.5e3, 3.5e3), h = vl_dist_const(300);
    int body = vl_prog_compute(p, &c);
    if (body < 0 || vl_prog_kernel(p, vl_guest_activity(g, "page_fault"), &f,
                                   vl_guest_lock_class(g, "mm"), &h) < 0)
        return -1;
    return vl_prog_loop(p, body, 20) < 0 ? -1 : body;
}

static int gmake_build(vl_program *p, const vl_guest *g)
{
    vl_dist lru_d = vl_dist_const(5e3), lru_h = vl_dist_const(3e3);
    vl_dist zone_d = unif(5e3, 12e3), zone_h = unif(3e3, 10e3);
    vl_dist dent_d = vl_dist_const(1.5e3), dent_h = vl_dist_const(200);
    int lru = vl_guest_lock_class(g, "lru");
    int top = faults20(p, g); /* per 40 faults: 2 LRU batches, 1 zone refill */
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

/* Pipeline stages over a bounded queue (futex-based, like dedup's and
 * vips's queues): a producer computes an item, waits for a free slot and
 * puts it (waking a consumer); a consumer waits for an item, frees its
 * slot (waking a producer) and computes.  Both sides block whenever the
 * other falls behind, and the wake-ups often cross vCPUs.  Every
 * `per_munmap` items a thread frees a buffer with munmap (a TLB
 * shootdown). */
static int stage_build(vl_program *p, const vl_guest *g, bool producer, int items, int slots,
                       const vl_dist *work, int per_munmap, int faults)
{
    vl_dist unmap = vl_dist_const(20e3), f = vl_dist_const(2e3), h = vl_dist_const(300);
    int top = producer ? vl_prog_compute(p, work) : vl_prog_wait(p, items);
    if (top < 0)
        return -1;
    if (producer ? (vl_prog_wait(p, slots) < 0 || vl_prog_wake(p, items) < 0)
                 : (vl_prog_wake(p, slots) < 0 || vl_prog_compute(p, work) < 0))
        return -1;
    if (faults && vl_prog_kernel(p, vl_guest_activity(g, "page_fault"), &f,
                                 vl_guest_lock_class(g, "mm"), &h) < 0)
        return -1;
    if (vl_prog_loop(p, top, per_munmap) < 0 ||
        vl_prog_shootdown(p, vl_guest_activity(g, "munmap"), &unmap) < 0)
        return -1;
    return vl_prog_loop(p, top, 0) < 0 ? -1 : 0;
}

typedef enum { APP_GMAKE, APP_DEDUP, APP_VIPS, APP_COMPUTE } app_kind;

static int app_create(vl_guest *g, vl_workload *w, const void *params, app_kind kind)
{
    int64_t n = nthreads(g, params);
    w->prog = calloc((size_t)n, sizeof *w->prog);
    if (!w->prog)
        return -1;
    int items = 0, slots = 0;
    if (kind == APP_DEDUP || kind == APP_VIPS) {
        items = vl_guest_sync_new(g, 0);
        slots = vl_guest_sync_new(g, 0);
        if (items < 0 || slots < 0)
            return -1;
        g->syncs[slots].tokens = (int)(n + 1) / 2; /* one slot per producer */
    }
    for (int64_t i = 0; i < n; i++) {
        vl_program *p = &w->prog[i];
        vl_prog_init(p);
        vl_dist chunk = logn(400e3, 0.8), tile = logn(1e6, 0.7), hog = expo(10e6);
        int rc;
        switch (kind) {
        case APP_GMAKE: rc = gmake_build(p, g); break;
        /* dedup: ~0.45 ms per chunk, a buffer freed every 5 chunks: ~450
         * shootdowns/s per thread, ~2.2 k futex hand-offs/s */
        case APP_DEDUP: rc = stage_build(p, g, i % 2 == 0, items, slots, &chunk, 5, 0); break;
        /* vips: ~1 ms per tile with a page fault, a window unmapped every 8
         * tiles: ~120 shootdowns/s, ~1 k hand-offs/s per thread */
        case APP_VIPS: rc = stage_build(p, g, i % 2 == 0, items, slots, &tile, 8, 1); break;
        default: {
            int b = vl_prog_compute(p, &hog);
            rc = b < 0 || vl_prog_loop(p, b, 0) < 0 ? -1 : 0;
        }
        }
        if (rc < 0)
            return -1;
        char stream[96];
        snprintf(stream, sizeof stream, "%s/%lld", w->name, (long long)i);
        vl_task *t = vl_guest_task_create(g, stream, p, &w->stats);
        if (!t)
            return -1;
        /* build jobs are separate processes; the others are threads */
        t->mm = kind == APP_GMAKE ? (w->id + 1) * 4096 + (int)i : w->id + 1;
    }
    return 0;
}

#define APP(fn, kind)                                                                  \
    static int fn(vl_guest *g, vl_workload *w, const void *params)                     \
    {                                                                                  \
        return app_create(g, w, params, kind);                                         \
    }
APP(gmake_create, APP_GMAKE)
APP(dedup_create, APP_DEDUP)
APP(vips_create, APP_VIPS)
APP(compute_create, APP_COMPUTE)

#define APP_TYPE(var, nm, desc, fn)                                                    \
    static const vl_workload_type var = {.name = nm, .description = desc,              \
                                         .params = app_param_table,                    \
                                         .params_size = sizeof(app_params), .create = fn}; \
    VL_REGISTER_WORKLOAD(var)

APP_TYPE(gmake_type, "gmake", "MOSBENCH-like build jobs: page faults, LRU and zone locks "
         "(docs/workloads-calibration.md 4.1).", gmake_create);
APP_TYPE(dedup_type, "dedup", "PARSEC dedup-like pipeline: futex hand-offs and munmap TLB "
         "shootdowns (4.4).", dedup_create);
APP_TYPE(vips_type, "vips", "PARSEC vips-like tile workers: futex hand-offs, page faults, "
         "window munmaps (4.5).", vips_create);
APP_TYPE(swaptions_type, "swaptions", "PARSEC swaptions-like: embarrassingly parallel compute "
         "(4.8).", compute_create);
APP_TYPE(blackscholes_type, "blackscholes", "PARSEC blackscholes-like: embarrassingly parallel "
         "compute (4.8).", compute_create);
