/* workload/parsec_pipeline.c - PARSEC-like pipeline-parallel applications
 * (docs/workloads-calibration.md 3.1, 4.4-4.6): threads hand work to each
 * other through futex-based queues, so they block whenever a neighbour
 * falls behind and their wake-ups often cross vCPUs; buffers are freed
 * with munmap (synchronous TLB shootdowns).
 *
 *   dedup  chunks pass between producer and consumer stages through a
 *          bounded queue; a buffer freed every 5 chunks.
 *   vips   tiles through a bounded queue between producer and worker
 *          threads, a page fault per tile, a window unmapped every 8.
 *   x264   frame threads in a ring: each encodes its frame a row group at
 *          a time, waiting for the reference rows of the previous frame's
 *          thread; a frame buffer unmapped every two frames. */
#include "guest/lifecycle.h"
#include "guest/sync.h"
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
    s->items = vl_sync_new(g, 0, 0);
    s->slots = vl_sync_new(g, 0, (int)(n + 1) / 2); /* one slot per producer */
    if (s->items < 0 || s->slots < 0)
        return -1;
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

/* x264's frame threads (4.6): thread i encodes frames i, i+n, ...; before
 * each macroblock row it waits until the previous frame's thread has
 * finished the rows its motion search may reference (a per-frame progress
 * condition variable), and after each row it signals its own progress.
 * A counting sync object per thread holds the rows it may encode; the
 * thread before it in the ring adds one per row done.  The wait and the
 * signal enter the kernel only when someone must sleep or be woken, which
 * the wake-ups already stand for, so they carry no futex call here.
 *
 * How far behind the reference a thread must stay: x264 (encoder.c,
 * validate_parameters) reserves half of the frame height divided by the
 * number of frame threads as the vertical motion range between threads,
 * plus X264_THREAD_HEIGHT (24 pixels) for deblocking and subpel
 * interpolation.  Around the ring of n threads that leaves one frame of
 * rows minus n such lags as slack (at least one row), all of it given to
 * thread 0 at the start: its first frame references a finished one, and
 * every other thread starts waiting. */
#define X264_ROWS 23            /* macroblock rows of a 640x360 frame (4.6's input) */
#define X264_THREAD_ROWS 2      /* X264_THREAD_HEIGHT 24 px, in 16-px rows, rounded up */
#define X264_FRAMES_PER_MUNMAP 2 /* ~40 shootdowns per CPU-s (4.6) */

typedef struct frame_ring {
    vl_dist row;  /* compute per macroblock row */
    int first;    /* sync of thread i: first + i */
} frame_ring;

static int x264_build(vl_program *p, int64_t i, int64_t n, const vl_guest *g, const void *ctx)
{
    const frame_ring *r = ctx;
    int top = vl_prog_wait(p, r->first + (int)i);
    if (top < 0 || vl_prog_compute(p, &r->row) < 0 ||
        vl_prog_wake(p, r->first + (int)((i + 1) % n)) < 0 ||
        vl_prog_loop(p, top, X264_ROWS * X264_FRAMES_PER_MUNMAP) < 0 || vl_wl_munmap(p, g) < 0)
        return -1;
    return vl_prog_loop(p, top, 0) < 0 ? -1 : 0;
}

/* 4.6: 9.6 ms of CPU per frame (1.44 CPU-s for 150 frames) over 23 rows:
 * LN(420 us, 1.0) per row (the coefficient of variation of 4.6's figure
 * between waits). */
static int x264_create(vl_guest *g, vl_workload *w, const void *params)
{
    int64_t n = vl_workload_threads(g, ((const vl_app_params *)params)->tasks);
    frame_ring r = {.row = vl_dist_lognormal_cv(420e3, 1.0), .first = -1};
    int64_t lag = X264_ROWS / (2 * n) + X264_THREAD_ROWS;
    int64_t slack = X264_ROWS - n * lag;
    for (int64_t i = 0; i < n; i++) {
        int s = vl_sync_new(g, 0, i > 0 ? 0 : slack > 1 ? (int)slack : 1);
        if (s < 0 || (r.first >= 0 && s != r.first + (int)i))
            return -1; /* the ring's objects are consecutive */
        if (i == 0)
            r.first = s;
    }
    return vl_workload_spawn_each(g, w, n, x264_build, &r, false);
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

static const vl_workload_type x264_type = {
    .name = "x264",
    .description = "PARSEC x264-like frame threads waiting on reference rows, frame buffers "
                   "unmapped (4.6).",
    .params = vl_app_param_table,
    .params_size = sizeof(vl_app_params),
    .create = x264_create,
};
VL_REGISTER_WORKLOAD(x264_type);
