/* workload/parsec_pipeline.c - PARSEC-like pipeline-parallel applications
 * (docs/workloads-calibration.md 3.1, 4.4-4.6): threads hand work to each
 * other through futex-based queues, so they block whenever a neighbour
 * falls behind and their wake-ups often cross vCPUs; buffers are freed
 * with munmap (synchronous TLB shootdowns).
 *
 *   dedup  chunks pass between producer and consumer stages through a
 *          bounded queue; a buffer freed every 5 chunks.
 *   vips   tiles through a bounded queue between producer and worker
 *          threads, a page fault per tile, a window unmapped every 8. */
#include "workload/workload.h"

/* Pipeline stages over a bounded queue (like dedup's and vips's queues of
 * mutex + conds): a producer computes an item, waits for a free slot and
 * puts it (waking a consumer); a consumer waits for an item, frees its
 * slot (waking a producer) and computes.  Every `per_munmap` items a
 * thread frees a buffer with munmap. */
typedef struct stage_shape {
    vl_dist work;    /* compute per item                      */
    int per_munmap;  /* items between two buffer frees        */
    bool fault;      /* a page fault per item                 */
    int items, slots; /* the queue: filled and free slots      */
} stage_shape;

static int stage_build(vl_program *p, int64_t i, int64_t n, const vl_guest *g, const void *ctx)
{
    (void)n;
    const stage_shape *s = ctx;
    bool producer = i % 2 == 0;
    vl_dist f = vl_dist_const(2e3);
    int top = producer ? vl_prog_compute(p, &s->work) : vl_prog_wait(p, s->items);
    if (top < 0)
        return -1;
    if (producer ? (vl_prog_wait(p, s->slots) < 0 || vl_prog_wake(p, s->items) < 0)
                 : (vl_prog_wake(p, s->slots) < 0 || vl_prog_compute(p, &s->work) < 0))
        return -1;
    if (s->fault && vl_wl_page_fault(p, g, &f) < 0)
        return -1;
    if (vl_prog_loop(p, top, s->per_munmap) < 0 || vl_wl_munmap(p, g) < 0)
        return -1;
    return vl_prog_loop(p, top, 0) < 0 ? -1 : 0;
}

static int stage_create(vl_guest *g, vl_workload *w, int64_t tasks, stage_shape *s)
{
    int64_t n = vl_workload_threads(g, tasks);
    s->items = vl_guest_sync_new(g, 0);
    s->slots = vl_guest_sync_new(g, 0);
    if (s->items < 0 || s->slots < 0)
        return -1;
    g->syncs[s->slots].tokens = (int)(n + 1) / 2; /* one slot per producer */
    return vl_workload_spawn_each(g, w, n, stage_build, s, false);
}

/* dedup: ~0.45 ms per chunk, a buffer freed every 5 chunks: ~450
 * shootdowns/s per thread, ~2.2 k futex hand-offs/s (4.4). */
static int dedup_create(vl_guest *g, vl_workload *w, const void *params)
{
    stage_shape s = {.work = vl_dist_lognormal_cv(400e3, 0.8), .per_munmap = 5};
    return stage_create(g, w, ((const vl_app_params *)params)->tasks, &s);
}

/* vips: ~1 ms per tile with a page fault, a window unmapped every 8
 * tiles: ~120 shootdowns/s, ~1 k hand-offs/s per thread (4.5). */
static int vips_create(vl_guest *g, vl_workload *w, const void *params)
{
    stage_shape s = {.work = vl_dist_lognormal_cv(1e6, 0.7), .per_munmap = 8, .fault = true};
    return stage_create(g, w, ((const vl_app_params *)params)->tasks, &s);
}

static const vl_workload_type dedup_type = {
    .name = "dedup",
    .description = "PARSEC dedup-like pipeline: futex hand-offs and munmap TLB shootdowns (4.4).",
    .params = vl_app_param_table,
    .params_size = sizeof(vl_app_params),
    .create = dedup_create,
};
VL_REGISTER_WORKLOAD(dedup_type);

static const vl_workload_type vips_type = {
    .name = "vips",
    .description = "PARSEC vips-like tile workers: futex hand-offs, page faults, window "
                   "munmaps (4.5).",
    .params = vl_app_param_table,
    .params_size = sizeof(vl_app_params),
    .create = vips_create,
};
VL_REGISTER_WORKLOAD(vips_type);
