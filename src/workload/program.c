/* workload/program.c - `program`: tasks whose programs are written in the
 * scenario (docs/programs.md).  The loader has read them into a
 * vl_prog_spec (workload/program_spec.h); this file makes the guest's
 * sync objects and socket for it, builds each task group's vl_program
 * step by step with the same calls the built-in workloads use, and
 * creates the tasks.  With a step that receives or sends, closed-loop
 * clients outside the VM send requests to the workload's UDP socket (as
 * `rr`'s do). */
#include <stdlib.h>

#include "guest/kernel.h"
#include "guest/net.h"
#include "guest/sync.h"
#include "hv/packet.h"
#include "workload/clients.h"
#include "workload/program_spec.h"
#include "workload/workload.h"

const char *const vl_step_names[] = {
    [VL_STEP_COMPUTE] = "compute", [VL_STEP_KERNEL] = "kernel", [VL_STEP_SLEEP] = "sleep",
    [VL_STEP_TIMER] = "timer",     [VL_STEP_MUNMAP] = "munmap", [VL_STEP_BARRIER] = "barrier",
    [VL_STEP_WAIT] = "wait",       [VL_STEP_WAKE] = "wake",     [VL_STEP_LOCK] = "lock",
    [VL_STEP_UNLOCK] = "unlock",   [VL_STEP_READ] = "read",     [VL_STEP_WRITE] = "write",
    [VL_STEP_RECV] = "recv",       [VL_STEP_SEND] = "send",     [VL_STEP_LOOP] = "loop",
    [VL_STEP_KINDS] = NULL,
};

/* A receive is a kernel call at udp_recv of 2 us plus 200 ns per KiB
 * copied, as rr's (docs/workloads-calibration.md 4.10). */
#define PROG_RECV_BASE_NS 2000
#define PROG_RECV_NS_PER_KIB 200
#define PROG_RCVBUF 212992 /* net.core.rmem_default */

int vl_step_ops(const vl_step *s)
{
    switch (s->kind) {
    case VL_STEP_MUNMAP:  /* the unmap's kernel work, the shootdown */
    case VL_STEP_BARRIER: /* the futex call, the wait               */
    case VL_STEP_WAIT:
    case VL_STEP_WAKE: return 2;
    default: return 1;
    }
}

int vl_step_dists(const vl_step *s)
{
    switch (s->kind) {
    case VL_STEP_COMPUTE:
    case VL_STEP_SLEEP:
    case VL_STEP_TIMER:
    case VL_STEP_MUNMAP:
    case VL_STEP_RECV: return 1;
    case VL_STEP_KERNEL: return s->spinlock >= 0 ? 2 : 1;
    case VL_STEP_BARRIER: /* the futex call and its hash-bucket hold */
    case VL_STEP_WAIT:
    case VL_STEP_WAKE: return 2;
    default: return 0;
    }
}

/* Appends step s; `first` maps step indices to their first op (loops). */
static int build_step(vl_program *p, const vl_step *s, const int *first, const vl_guest *g,
                      const int *sync, int socket)
{
    int id = s->sync >= 0 ? sync[s->sync] : -1;
    switch (s->kind) {
    case VL_STEP_COMPUTE: return vl_prog_compute(p, &s->dur);
    case VL_STEP_KERNEL:
        return s->shared ? vl_prog_kernel_shared(p, s->activity, &s->dur, s->spinlock, &s->hold)
                         : vl_prog_kernel(p, s->activity, &s->dur, s->spinlock, &s->hold);
    case VL_STEP_SLEEP: return vl_prog_sleep(p, &s->dur);
    case VL_STEP_TIMER: return vl_prog_sleep_periodic(p, &s->dur);
    case VL_STEP_MUNMAP: return vl_prog_shootdown(p, vl_guest_activity(g, "munmap"), &s->dur);
    case VL_STEP_BARRIER: return vl_wl_futex_barrier(p, g, id);
    case VL_STEP_WAIT: return vl_wl_futex_wait(p, g, id);
    case VL_STEP_WAKE: return vl_wl_futex_wake(p, g, id);
    case VL_STEP_LOCK: return vl_prog_wait(p, id);
    case VL_STEP_UNLOCK: return vl_prog_wake(p, id);
    case VL_STEP_READ:
    case VL_STEP_WRITE: return vl_prog_blkio(p, (int)s->bytes, s->kind == VL_STEP_WRITE);
    case VL_STEP_RECV: {
        vl_dist base = vl_dist_const(PROG_RECV_BASE_NS);
        return vl_prog_recv(p, socket, vl_guest_activity(g, "udp_recv"), &base,
                            PROG_RECV_NS_PER_KIB, (int)s->count);
    }
    case VL_STEP_SEND: return vl_prog_send(p, socket, (int)s->count, (int)s->bytes);
    case VL_STEP_LOOP: return vl_prog_loop(p, first[s->body], (int)s->count);
    case VL_STEP_KINDS: break;
    }
    return -1;
}

/* The program of task group t; -1 when out of memory (or when a step
 * built other than vl_step_ops and vl_step_dists say: a bug). */
static int build(vl_program *p, const vl_task_spec *t, const vl_guest *g, const int *sync,
                 int socket)
{
    int first[VL_PROG_MAX_OPS];
    for (int i = 0; i < t->nsteps; i++) {
        const vl_step *s = &t->steps[i];
        int ops = p->nops, dists = p->ndists;
        first[i] = ops;
        if (build_step(p, s, first, g, sync, socket) < 0 || p->nops - ops != vl_step_ops(s) ||
            p->ndists - dists != vl_step_dists(s))
            return -1;
    }
    return 0;
}

typedef struct program_params {
    const vl_prog_spec *tasks;
    int64_t clients, port, request;
    vl_dist think;
    vl_ns start;
} program_params;

static const vl_param program_param_table[] = {
    {"tasks", VL_PARAM_PROGRAM, offsetof(program_params, tasks), 0, 0, 0, "",
     "task groups: name, count, process, nice and the steps they run (`do:`; docs/programs.md)",
     NULL},
    {"clients", VL_PARAM_INT, offsetof(program_params, clients), 1, 1, 4096, "",
     "closed-loop clients outside the VM sending requests (with recv/send steps)", NULL},
    {"port", VL_PARAM_INT, offsetof(program_params, port), 8080, 1, 65535, "",
     "the workload's UDP port (with recv/send steps)", NULL},
    {"request", VL_PARAM_INT, offsetof(program_params, request), 100, 1, 65000, "bytes",
     "request payload a client sends", NULL},
    {"think", VL_PARAM_DIST, offsetof(program_params, think), VL_MS(1), 0, 0, "ns",
     "a client's pause between an answer and its next request", NULL},
    {"start", VL_PARAM_TIME, offsetof(program_params, start), VL_MS(1), 0, VL_S(3600), "ns",
     "first requests", NULL},
    VL_PARAM_END,
};

static int program_create(vl_guest *g, vl_workload *w, const void *params)
{
    const program_params *pp = params;
    const vl_prog_spec *s = pp->tasks;
    int sync[VL_PROG_SPEC_MAX_SYNCS];
    for (int i = 0; i < s->nsyncs; i++) {
        const vl_sync_spec *y = &s->syncs[i];
        sync[i] = vl_sync_new(g, y->kind == VL_SYNC_BARRIER ? (int)y->parties : 0,
                              y->kind == VL_SYNC_MUTEX);
        if (sync[i] < 0)
            return -1;
    }
    int socket = -1;
    if (s->socket &&
        (socket = vl_guest_socket(g, VL_PROTO_UDP, (int)pp->port, PROG_RCVBUF, &w->stats)) < 0)
        return -1;
    if (!vl_workload_programs(w, s->ntasks))
        return -1;
    int64_t next = 0;
    for (int k = 0; k < s->ntasks; k++) {
        const vl_task_spec *t = &s->tasks[k];
        if (build(&w->prog[k], t, g, sync, socket) < 0)
            return -1;
        w->nice = t->nice;
        for (int64_t i = 0; i < t->count; i++)
            if (!vl_workload_task(g, w, next++, &w->prog[k], t->process))
                return -1;
    }
    if (!s->socket)
        return 0;
    vl_client_spec c = {.port = (int)pp->port, .nclients = (int)pp->clients,
                        .request = (uint32_t)pp->request, .think = pp->think, .start = pp->start};
    return vl_clients_start(g, w, &c);
}

static bool program_uses_io(const void *params)
{
    const vl_prog_spec *s = ((const program_params *)params)->tasks;
    return s && (s->socket || s->disk);
}

static const vl_workload_type program_type = {
    .name = "program",
    .description = "Tasks running programs written in the scenario: compute, kernel calls under "
                   "spinlocks, sleeps, timers, barriers, futexes, mutexes, munmap, block and "
                   "socket I/O, loops (docs/programs.md).",
    .params = program_param_table,
    .params_size = sizeof(program_params),
    .uses_io = program_uses_io,
    .create = program_create,
};
VL_REGISTER_WORKLOAD(program_type);
