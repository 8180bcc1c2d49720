/* workload/mosbench.c - MOSBENCH-like kernel-intensive applications
 * (docs/workloads.md; calibration: docs/workloads-calibration.md 3.3, 4.1,
 * 4.2).  Both create a process per unit of work and wait for it.
 *
 *   gmake  `make -jN`: N make workers (one per vCPU), each forking a
 *          compile job and waiting for it (wait4), again and again.  A job
 *          is a process of ~40 ms of CPU: user compute broken by page
 *          faults (its own page_table_lock), LRU batches (lru lock), dentry
 *          lookups (d_lock) and page-allocator refills (zone lock) at the
 *          rates measured for make -j2 per busy CPU; then exit.
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
 * fork copies the parent's page tables under its page_table_lock, exit
 * frees the pages through the LRU (lru lock, 3 us). */
#define GMAKE_FORK_NS 150000
#define GMAKE_FORK_HOLD_NS 5000
#define GMAKE_EXIT_NS 200000
#define GMAKE_JOB_ROUNDS 23 /* x ~1.72 ms: a ~40 ms job, 25 per CPU-s (4.1) */
#define LRU_HOLD_NS 3000

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

/* A compile job: rounds of (40 faults, 2 LRU batches, a dentry lookup, a
 * zone refill), then exit. */
static int gmake_job(vl_program *p, const vl_guest *g)
{
    vl_dist lru_d = vl_dist_const(5e3), lru_h = vl_dist_const(LRU_HOLD_NS);
    vl_dist zone_d = vl_dist_uniform(5e3, 12e3), zone_h = vl_dist_uniform(3e3, 10e3);
    vl_dist dent_d = vl_dist_const(1.5e3), dent_h = vl_dist_const(200);
    vl_dist exit_d = vl_dist_const(GMAKE_EXIT_NS);
    int lru = vl_guest_lock_class(g, "lru");
    int top = faults20(p, g);
    if (top < 0 ||
        vl_prog_kernel(p, vl_guest_activity(g, "lru_release"), &lru_d, lru, &lru_h) < 0 ||
        vl_prog_kernel(p, vl_guest_activity(g, "dentry_lookup"), &dent_d,
                       vl_guest_lock_class(g, "dentry"), &dent_h) < 0 ||
        faults20(p, g) < 0 ||
        vl_prog_kernel(p, vl_guest_activity(g, "lru_release"), &lru_d, lru, &lru_h) < 0 ||
        vl_prog_kernel(p, vl_guest_activity(g, "page_alloc"), &zone_d,
                       vl_guest_lock_class(g, "zone"), &zone_h) < 0 ||
        vl_prog_loop(p, top, GMAKE_JOB_ROUNDS) < 0)
        return -1;
    return vl_prog_kernel(p, vl_guest_activity(g, "exit"), &exit_d, lru, &lru_h) < 0 ? -1 : 0;
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
        if (gmake_worker(&w->prog[i], job, g) < 0 || !vl_workload_task(g, w, i, &w->prog[i], true))
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
