/* workload/mosbench.c - MOSBENCH-like kernel-intensive applications
 * (docs/workloads.md; calibration: docs/workloads-calibration.md 3.3, 4.1,
 * 4.2).  Both create a process per unit of work and wait for it.
 *
 *   gmake  `make -jN`: N make workers (one per vCPU), each forking a
 *          compile job and waiting for it (wait4), again and again.  A job
 *          is a process of ~40 ms of CPU: user compute broken by page
 *          faults (its own page_table_lock) at the rate measured for make
 *          -j2, the LRU and zone locks once per per-CPU batch of pages,
 *          header lookups (d_lock), files created and removed in shared
 *          directories (the parent's d_lock) and short waits; then exit,
 *          returning its pages in batches.
 *   exim   a mail server: N listener processes each take a message from
 *          the network (external SMTP clients, closed loop), fork a
 *          delivery process and wait for it, then answer.  A delivery is
 *          ~1 ms of CPU, 70% of it in the kernel: page faults, writes,
 *          spool-file dentry operations, exit. */
#include <stdlib.h>

#include "guest/kernel.h"
#include "guest/net.h"
#include "workload/clients.h"
#include "workload/workload.h"

/* fork and exit of a compile job (4.1: 150 us / 200 us, [E] durations);
 * fork copies the parent's page tables under its page_table_lock. */
#define GMAKE_FORK_NS 150000
#define GMAKE_FORK_HOLD_NS 5000
#define LRU_HOLD_NS 3000

/* Per-CPU batching of the page allocator and the LRU (Linux 4.9,
 * docs/workloads.md "gmake"): a page fault takes a page from the CPU's
 * pcp list, refilled from the zone under zone->lock pcp->batch pages at a
 * time (rmqueue_bulk; zone_batchsize gives 31 for a zone above 512 MB); a
 * new page goes to the LRU through a per-CPU pagevec, drained under the
 * LRU lock every PAGEVEC_SIZE (14) pages (__lru_cache_add).  At exit the
 * pages go back: release_pages takes the LRU lock per SWAP_CLUSTER_MAX (32)
 * pages, free_pcppages_bulk the zone lock per pcp->batch.  A hold is the
 * batch's pages at 0.1-0.3 us each (2.5 of the calibration: contended
 * waits of ~3 us behind a 15-page LRU batch), the call 1 us more than the
 * longest hold. */
#define PCP_BATCH 31
#define PAGEVEC_SIZE 14
#define RELEASE_BATCH 32
#define PAGE_LOCKED_MIN_NS 100.0
#define PAGE_LOCKED_MAX_NS 300.0
#define GMAKE_ROUNDS 30       /* x 31 faults x ~43 us: a ~40 ms job (4.1) */
#define GMAKE_EXIT_BATCHES 30 /* its ~930 pages back in batches of 31-32 */

/* Blocking (4.1: ~100 voluntary switches per CPU-s, utilisation 0.93):
 * besides the make worker's wait4, a job waits GMAKE_WAITS times on
 * files and pipes (the compiler driver's stages, the jobserver), each
 * Exp(1 ms): 3 x 1 ms per ~40 ms job leaves a vCPU idle ~7%. */
#define GMAKE_WAITS 3
#define GMAKE_WAIT_NS 1e6

/* n x (compute Exp(40 us) + page fault U(1.5, 3.5) us): 21-24 k faults/s
 * per busy CPU, as measured for make -j. */
static int faults(vl_program *p, const vl_guest *g, int n)
{
    vl_dist c = vl_dist_exponential(40e3), f = vl_dist_uniform(1.5e3, 3.5e3);
    int body = vl_prog_compute(p, &c);
    if (body < 0 || vl_wl_page_fault(p, g, &f) < 0)
        return -1;
    return vl_prog_loop(p, body, n) < 0 ? -1 : body;
}

/* A kernel call at `activity` holding `cls` while `pages` pages pass. */
static int batch(vl_program *p, const vl_guest *g, const char *activity, const char *cls,
                 int pages)
{
    vl_dist d = vl_dist_const(pages * PAGE_LOCKED_MAX_NS + 1e3),
            h = vl_dist_uniform(pages * PAGE_LOCKED_MIN_NS, pages * PAGE_LOCKED_MAX_NS);
    return vl_prog_kernel(p, vl_guest_activity(g, activity), &d, vl_guest_lock_class(g, cls), &h);
}

/* A file created or removed in a directory every job shares (/tmp for
 * the compiler's temporaries, the build directory for the objects):
 * d_alloc and __dentry_kill take the parent's d_lock (fs/dcache.c). */
static int shared_dir(vl_program *p, const vl_guest *g, const char *activity)
{
    vl_dist d = vl_dist_const(1.5e3), h = vl_dist_const(200);
    return vl_prog_kernel_shared(p, vl_guest_activity(g, activity), &d,
                                 vl_guest_lock_class(g, "dentry"), &h);
}

/* A compile job: create the assembler temporary; rounds of 31 faults (two
 * pagevec drains, one pcp refill) and a header lookup, a file wait every
 * GMAKE_ROUNDS / GMAKE_WAITS rounds; create the object, unlink the
 * temporary; exit, returning the pages in batches. */
static int gmake_job(vl_program *p, const vl_guest *g)
{
    vl_dist dent_d = vl_dist_const(1.5e3), dent_h = vl_dist_const(200),
            wait = vl_dist_exponential(GMAKE_WAIT_NS);
    if (shared_dir(p, g, "dentry_alloc") < 0)
        return -1;
    int top = faults(p, g, PAGEVEC_SIZE);
    if (top < 0 || batch(p, g, "lru_add", "lru", PAGEVEC_SIZE) < 0 ||
        vl_prog_loop(p, top, 2) < 0 || faults(p, g, PCP_BATCH - 2 * PAGEVEC_SIZE) < 0 ||
        batch(p, g, "page_alloc", "zone", PCP_BATCH) < 0 ||
        vl_prog_kernel(p, vl_guest_activity(g, "dentry_lookup"), &dent_d,
                       vl_guest_lock_class(g, "dentry"), &dent_h) < 0 ||
        vl_prog_loop(p, top, GMAKE_ROUNDS / GMAKE_WAITS) < 0 || vl_prog_sleep(p, &wait) < 0 ||
        vl_prog_loop(p, top, GMAKE_WAITS) < 0 || shared_dir(p, g, "dentry_alloc") < 0 ||
        shared_dir(p, g, "dput") < 0)
        return -1;
    int exit = batch(p, g, "lru_release", "lru", RELEASE_BATCH);
    if (exit < 0 || batch(p, g, "page_free", "zone", PCP_BATCH) < 0)
        return -1;
    return vl_prog_loop(p, exit, GMAKE_EXIT_BATCHES) < 0 ? -1 : 0;
}

/* A make worker: loop { fork a job; wait for it }. */
static int gmake_worker(vl_program *p, const vl_program *job, const vl_guest *g)
{
    vl_dist fork_d = vl_dist_const(GMAKE_FORK_NS), fork_h = vl_dist_const(GMAKE_FORK_HOLD_NS);
    int top = vl_prog_fork(p, job, vl_guest_activity(g, "fork"), &fork_d,
                           vl_guest_lock_class(g, "mm"), &fork_h);
    if (top < 0 || vl_prog_reap(p) < 0)
        return -1;
    return vl_prog_loop(p, top, 0) < 0 ? -1 : 0;
}

/* n programs for the parents and one for the child they all fork. */
static vl_program *programs(vl_workload *w, int64_t n)
{
    return vl_workload_programs(w, n + 1) ? &w->prog[n] : NULL;
}

static int gmake_create(vl_guest *g, vl_workload *w, const void *params)
{
    int64_t n = vl_workload_threads(g, ((const vl_app_params *)params)->tasks);
    vl_program *job = programs(w, n);
    if (!job || gmake_job(job, g) < 0)
        return -1;
    for (int64_t i = 0; i < n; i++)
        if (gmake_worker(&w->prog[i], job, g) < 0 || vl_workload_bound(w, &w->prog[i]) < 0 ||
            !vl_workload_task(g, w, i, &w->prog[i], true))
            return -1;
    return 0;
}

static const vl_workload_type gmake_type = {
    .name = "gmake",
    .description = "MOSBENCH-like make -jN: workers forking compile jobs (page faults, LRU, "
                   "dentry and zone locks) and waiting for them (docs/workloads.md).",
    .params = vl_app_param_table,
    .params_size = sizeof(vl_app_params),
    .create = gmake_create,
};
VL_REGISTER_WORKLOAD(gmake_type);

/* ------------------------------------------------------------------ exim */

typedef struct exim_params {
    int64_t tasks, clients, port, message;
    vl_dist think;
} exim_params;

static const vl_param exim_param_table[] = {
    {"tasks", VL_PARAM_INT, offsetof(exim_params, tasks), 0, 0, 4096, "processes",
     "listener processes; 0 = one per vCPU", NULL},
    {"clients", VL_PARAM_INT, offsetof(exim_params, clients), 0, 0, 4096, "",
     "closed-loop SMTP clients outside; 0 = two per vCPU (4.2: N concurrent = vCPUs x 1-2)",
     NULL},
    {"port", VL_PARAM_INT, offsetof(exim_params, port), 25, 1, 65535, "", "SMTP port", NULL},
    {"message", VL_PARAM_INT, offsetof(exim_params, message), 1024, 1, 65000, "bytes",
     "message size", NULL},
    {"think", VL_PARAM_DIST, offsetof(exim_params, think), 0, 0, 0, "ns",
     "a client's pause between messages (MOSBENCH's clients send back to back)", NULL},
    VL_PARAM_END,
};

/* Section 4.2: fork 60 us (wake_up_new_task: runqueue lock 2 us), exit +
 * wait 80 us (LRU 3 us), 75 faults per message (75 k/s per CPU at 1 k
 * messages/s), 4 spool-file dentry operations of 3 us (d_lock 0.5 us),
 * user work Exp(100 us) between system calls, ~0.3 of the CPU. */
#define EXIM_FORK_NS 60000
#define EXIM_FORK_HOLD_NS 2000
#define EXIM_EXIT_NS 80000
#define EXIM_WRITE_NS 130000 /* the rest of the 0.71 kernel share */

static int exim_delivery(vl_program *p, const vl_guest *g)
{
    vl_dist user = vl_dist_exponential(100e3), fault = vl_dist_const(2e3);
    vl_dist write = vl_dist_const(EXIM_WRITE_NS), dent = vl_dist_const(3e3),
            dent_h = vl_dist_const(500), exit_d = vl_dist_const(EXIM_EXIT_NS),
            lru_h = vl_dist_const(LRU_HOLD_NS);
    int top = vl_prog_compute(p, &user);
    int faults = vl_wl_page_fault(p, g, &fault);
    if (top < 0 || faults < 0 || vl_prog_loop(p, faults, 25) < 0 ||
        vl_prog_kernel(p, vl_guest_activity(g, "write"), &write, -1, NULL) < 0 ||
        vl_prog_loop(p, top, 3) < 0)
        return -1;
    int d = vl_prog_kernel(p, vl_guest_activity(g, "dentry_lookup"), &dent,
                           vl_guest_lock_class(g, "dentry"), &dent_h);
    if (d < 0 || vl_prog_loop(p, d, 4) < 0)
        return -1;
    return vl_prog_kernel(p, vl_guest_activity(g, "exit"), &exit_d, vl_guest_lock_class(g, "lru"),
                          &lru_h) < 0 ? -1 : 0;
}

/* A listener: loop { take a message; fork a delivery; wait; answer }. */
static int exim_listener(vl_program *p, const vl_program *delivery, const vl_guest *g, int sock)
{
    vl_dist recv = vl_dist_const(VL_US(2)), send = vl_dist_const(VL_US(12));
    vl_dist fork_d = vl_dist_const(EXIM_FORK_NS), fork_h = vl_dist_const(EXIM_FORK_HOLD_NS);
    int top = vl_prog_recv(p, sock, vl_guest_activity(g, "udp_recv"), &recv, 200, 1);
    if (top < 0 ||
        vl_prog_fork(p, delivery, vl_guest_activity(g, "fork"), &fork_d,
                     vl_guest_lock_class(g, "runqueue"), &fork_h) < 0 ||
        vl_prog_reap(p) < 0 ||
        vl_prog_kernel(p, vl_guest_activity(g, "udp_send"), &send, -1, NULL) < 0 ||
        vl_prog_send(p, sock, 1, 64) < 0)
        return -1;
    return vl_prog_loop(p, top, 0) < 0 ? -1 : 0;
}

static int exim_create(vl_guest *g, vl_workload *w, const void *params)
{
    const exim_params *e = params;
    int64_t n = vl_workload_threads(g, e->tasks);
    int sock = vl_guest_socket(g, VL_PROTO_UDP, (int)e->port, 212992, &w->stats);
    vl_program *delivery = programs(w, n);
    if (sock < 0 || !delivery || exim_delivery(delivery, g) < 0)
        return -1;
    for (int64_t i = 0; i < n; i++)
        if (exim_listener(&w->prog[i], delivery, g, sock) < 0 ||
            !vl_workload_task(g, w, i, &w->prog[i], true))
            return -1;
    vl_client_spec c = {.port = (int)e->port,
                        .nclients = (int)(e->clients ? e->clients : 2 * g->nvcpus),
                        .request = (uint32_t)e->message, .think = e->think, .start = VL_MS(1)};
    return vl_clients_start(g, w, &c);
}

static const vl_workload_type exim_type = {
    .name = "exim",
    .description = "MOSBENCH-like mail server: listeners fork a delivery process per message "
                   "from external SMTP clients and wait for it (docs/workloads.md).",
    .params = exim_param_table,
    .params_size = sizeof(exim_params),
    .io = true,
    .create = exim_create,
};
VL_REGISTER_WORKLOAD(exim_type);
