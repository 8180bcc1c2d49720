/* workload/parsec_barrier.c - PARSEC-like data-parallel applications that
 * synchronise every few hundred microseconds to milliseconds through
 * futex-based barriers and condition variables
 * (docs/workloads-calibration.md 3.1, 4.7; docs/workloads.md).  A phase
 * lasts as long as its slowest thread, so one preempted vCPU stalls them
 * all, and every phase ends in wake-ups of blocked threads, mostly on
 * idle vCPUs (wake IPIs).  Waiting is passive (futex), as with
 * pthread barriers; spinning OpenMP-style waiters are not modelled.
 *
 *   streamcluster  compute LN(200 us, 0.25), barrier: the barriers in pgain
 *   fluidanimate   compute LN(3 ms, 0.25), barrier: the per-frame phases
 *   facesim        a main thread posts two tasks per worker (cond signal)
 *                  and waits for their completions; a task is LN(3 ms, 1)
 *   bodytrack      worker pool: the main thread's serial step, then
 *                  poolReady barrier, LN(1 ms, 0.5) of particles per
 *                  worker, workDone barrier
 * Every blocking operation is preceded by its futex system call. */
#include "guest/lifecycle.h"
#include "guest/sync.h"
#include "workload/workload.h"

/* loop { compute work; futex barrier } on one barrier of all threads. */
typedef struct phases {
    vl_dist work;
    int barrier;
} phases;

static int phases_build(vl_program *p, int64_t i, int64_t n, const vl_guest *g, const void *ctx)
{
    (void)i, (void)n;
    const phases *ph = ctx;
    int top = vl_prog_compute(p, &ph->work);
    if (top < 0 || vl_wl_futex_barrier(p, g, ph->barrier) < 0)
        return -1;
    return vl_prog_loop(p, top, 0) < 0 ? -1 : 0;
}

static int phases_create(vl_guest *g, vl_workload *w, const void *params, vl_dist work)
{
    int64_t n = vl_workload_threads(g, ((const vl_app_params *)params)->tasks);
    phases ph = {.work = work, .barrier = vl_sync_new(g, (int)n, 0)};
    if (ph.barrier < 0)
        return -1;
    return vl_workload_spawn_each(g, w, n, phases_build, &ph, false);
}

/* Spread of the threads' shares of a phase: both programs partition their
 * data statically into equal parts, so the spread is cache and memory
 * noise (an estimate).  Section 4.7 proposes exponential phases; with 4
 * threads those leave the vCPUs idle half the time waiting for the
 * slowest, which these programs do not do. */
#define PHASE_CV 0.25

/* 4.7: 100-300 us between the barriers of pgain. */
static int streamcluster_create(vl_guest *g, vl_workload *w, const void *params)
{
    return phases_create(g, w, params, vl_dist_lognormal_cv(200e3, PHASE_CV));
}

/* 4.7: ~8 phases a frame of 2-5 ms each. */
static int fluidanimate_create(vl_guest *g, vl_workload *w, const void *params)
{
    return phases_create(g, w, params, vl_dist_lognormal_cv(3e6, PHASE_CV));
}

/* Task queue: thread 0 is the main thread, the others workers.  Main:
 * loop { serial; k x (futex wake of `tasks`); k x (futex wait on `done`) }
 * with k = FACESIM_TASKS_PER_WORKER x workers.  Worker: loop { futex wait
 * on `tasks`; work; futex wake of `done` }: a worker done early takes the
 * next task, as from a queue.  facesim's main thread waits while the pool
 * works; its serial part between phases is an estimate. */
#define FACESIM_TASKS_PER_WORKER 2
typedef struct task_queue {
    vl_dist serial, work;
    int tasks, done;
} task_queue;

static int facesim_build(vl_program *p, int64_t i, int64_t n, const vl_guest *g, const void *ctx)
{
    const task_queue *q = ctx;
    int tasks = FACESIM_TASKS_PER_WORKER * ((int)n - 1), top;
    if (i > 0) { /* a round of the main thread's is as many tasks per worker */
        top = vl_wl_futex_wait(p, g, q->tasks);
        if (top < 0 || vl_prog_compute(p, &q->work) < 0 || vl_wl_futex_wake(p, g, q->done) < 0 ||
            vl_prog_loop(p, top, FACESIM_TASKS_PER_WORKER) < 0)
            return -1;
        return vl_prog_loop(p, top, 0) < 0 ? -1 : 0;
    }
    top = vl_prog_compute(p, &q->serial);
    int post = vl_wl_futex_wake(p, g, q->tasks);
    if (top < 0 || post < 0 || vl_prog_loop(p, post, tasks) < 0)
        return -1;
    int collect = vl_wl_futex_wait(p, g, q->done);
    if (collect < 0 || vl_prog_loop(p, collect, tasks) < 0)
        return -1;
    return vl_prog_loop(p, top, 0) < 0 ? -1 : 0;
}

/* 4.7: LN(3 ms, 1) per task; main thread 300 us serial (estimate). */
static int facesim_create(vl_guest *g, vl_workload *w, const void *params)
{
    int64_t workers = vl_workload_threads(g, ((const vl_app_params *)params)->tasks);
    task_queue q = {.serial = vl_dist_lognormal_cv(300e3, 1.0),
                    .work = vl_dist_lognormal_cv(3e6, 1.0),
                    .tasks = vl_sync_new(g, 0, 0),
                    .done = vl_sync_new(g, 0, 0)};
    if (q.tasks < 0 || q.done < 0)
        return -1;
    return vl_workload_spawn_each(g, w, workers + 1, facesim_build, &q, false);
}

/* Worker pool (bodytrack's WorkerGroup): thread 0 is the main thread.
 * Main: loop { serial; barrier ready; barrier done }.  Worker: loop {
 * barrier ready; work; barrier done }; both barriers have every thread as
 * a party, as poolReadyBarrier and workDoneBarrier do. */
typedef struct pool {
    vl_dist serial, work;
    int ready, done;
} pool;

static int bodytrack_build(vl_program *p, int64_t i, int64_t n, const vl_guest *g,
                           const void *ctx)
{
    (void)n;
    const pool *b = ctx;
    int top = i == 0 ? vl_prog_compute(p, &b->serial) : vl_wl_futex_barrier(p, g, b->ready);
    if (top < 0)
        return -1;
    if (i == 0 ? vl_wl_futex_barrier(p, g, b->ready) < 0 : vl_prog_compute(p, &b->work) < 0)
        return -1;
    if (vl_wl_futex_barrier(p, g, b->done) < 0)
        return -1;
    return vl_prog_loop(p, top, 0) < 0 ? -1 : 0;
}

/* 4.7: LN(1 ms, 0.5) per worker per step (ticket-dispensed particles);
 * the main thread's serial part 100 us (estimate). */
static int bodytrack_create(vl_guest *g, vl_workload *w, const void *params)
{
    int64_t workers = vl_workload_threads(g, ((const vl_app_params *)params)->tasks);
    pool b = {.serial = vl_dist_lognormal_cv(100e3, 0.5),
              .work = vl_dist_lognormal_cv(1e6, 0.5),
              .ready = vl_sync_new(g, (int)workers + 1, 0),
              .done = vl_sync_new(g, (int)workers + 1, 0)};
    if (b.ready < 0 || b.done < 0)
        return -1;
    return vl_workload_spawn_each(g, w, workers + 1, bodytrack_build, &b, false);
}

#define PARSEC_BARRIER_TYPE(var, nm, desc, fn)                                          \
    static const vl_workload_type var = {.name = nm, .description = desc,              \
                                         .params = vl_app_param_table,                 \
                                         .params_size = sizeof(vl_app_params),         \
                                         .create = fn};                                \
    VL_REGISTER_WORKLOAD(var)

PARSEC_BARRIER_TYPE(streamcluster_type, "streamcluster",
                    "PARSEC streamcluster-like: a futex barrier every ~200 us of compute (4.7).",
                    streamcluster_create);
PARSEC_BARRIER_TYPE(fluidanimate_type, "fluidanimate",
                    "PARSEC fluidanimate-like: per-frame phases of ~3 ms between futex barriers "
                    "(4.7).",
                    fluidanimate_create);
PARSEC_BARRIER_TYPE(facesim_type, "facesim",
                    "PARSEC facesim-like: a main thread hands ~3 ms tasks to workers through "
                    "condition variables (4.7); tasks = workers.",
                    facesim_create);
PARSEC_BARRIER_TYPE(bodytrack_type, "bodytrack",
                    "PARSEC bodytrack-like: worker pool, two barriers per particle-filter step "
                    "(4.7); tasks = workers.",
                    bodytrack_create);
