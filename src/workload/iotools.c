/* workload/iotools.c - I/O-bound tools (docs/workloads.md; figures from
 * docs/workloads-calibration.md 4.12, measured around the real tools):
 *
 *   grep   cold-cache grep -r: loop { kernel read 60 us; block read of
 *          `size` (16 KiB); user scan }.
 *   find   cold-cache find: loop { path walk (dentry lock); block read of
 *          a 4 KiB metadata block; user work }.
 *   copy   cp of a large file: loop { block read of `size` (128 KiB
 *          readahead); kernel copy; block write }.
 *   wget   a download: an external server sends `bytes` over TCP (Reno);
 *          the task reads the socket and writes to the page cache.  The
 *          transfer's completion time is its response.
 * Each read waits for the device through the VM's backend, so a tool's
 * progress depends on how soon its vCPU runs after each completion. */
#include <stdlib.h>

#include "guest/kernel.h"
#include "guest/net.h"
#include "hv/hv.h"
#include "workload/tcp_sender.h"
#include "workload/workload.h"

enum { TOOL_GREP = 0, TOOL_FIND, TOOL_COPY };

typedef struct tool_params {
    int64_t tasks, size;
    vl_dist kernel, user;
} tool_params;

#define TOOL_PARAMS(size_def, kernel_def, user_def, what)                                    \
    {                                                                                        \
        {"tasks", VL_PARAM_INT, offsetof(tool_params, tasks), 1, 1, 1024, "tasks",           \
         "concurrent instances", NULL},                                                      \
        {"size", VL_PARAM_INT, offsetof(tool_params, size), size_def, 512, 1 << 26, "bytes",  \
         "block request size", NULL},                                                        \
        {"kernel", VL_PARAM_DIST, offsetof(tool_params, kernel), kernel_def, 0, 0, "ns",      \
         "kernel work per request (" what ")", NULL},                                         \
        {"user", VL_PARAM_DIST, offsetof(tool_params, user), user_def, 0, 0, "ns",            \
         "user-mode work per request", NULL},                                                \
        VL_PARAM_END,                                                                        \
    }

static const vl_param grep_params[] = TOOL_PARAMS(16384, VL_US(60), VL_US(10), "vfs_read");
static const vl_param find_params[] = TOOL_PARAMS(4096, VL_US(20), VL_US(5), "path walk");
static const vl_param copy_params[] = TOOL_PARAMS(131072, VL_US(30), 0, "copy 128 KiB");

static int tool_create(vl_guest *g, vl_workload *w, const tool_params *p, int tool)
{
    vl_program *prog = vl_workload_programs(w, 1);
    if (!prog)
        return -1;
    vl_dist hold = vl_dist_const(200);
    int top = tool == TOOL_FIND
                  ? vl_prog_kernel(prog, vl_guest_activity(g, "dentry_lookup"), &p->kernel,
                                   vl_guest_lock_class(g, "dentry"), &hold)
                  : vl_prog_kernel(prog, vl_guest_activity(g, "read"), &p->kernel, -1, NULL);
    if (top < 0 || vl_prog_blkio(prog, (int)p->size, false) < 0)
        return -1;
    if (tool == TOOL_COPY) {
        if (vl_prog_kernel(prog, vl_guest_activity(g, "write"), &p->kernel, -1, NULL) < 0 ||
            vl_prog_blkio(prog, (int)p->size, true) < 0)
            return -1;
    } else if (vl_prog_compute(prog, &p->user) < 0) {
        return -1;
    }
    return vl_prog_loop(prog, top, 0) < 0 ? -1 : vl_workload_spawn(g, w, p->tasks);
}

static int grep_create(vl_guest *g, vl_workload *w, const void *p) { return tool_create(g, w, p, TOOL_GREP); }
static int find_create(vl_guest *g, vl_workload *w, const void *p) { return tool_create(g, w, p, TOOL_FIND); }
static int copy_create(vl_guest *g, vl_workload *w, const void *p) { return tool_create(g, w, p, TOOL_COPY); }

static const vl_workload_type grep_type = {
    .name = "grep", .description = "Cold-cache grep -r: small block reads, each with 60 us of "
                                   "kernel work, then a user-mode scan.",
    .params = grep_params, .params_size = sizeof(tool_params), .io = true, .io_bound = true,
    .create = grep_create,
};
static const vl_workload_type find_type = {
    .name = "find", .description = "Cold-cache find: path walks under the dentry lock and 4 KiB "
                                   "metadata reads.",
    .params = find_params, .params_size = sizeof(tool_params), .io = true, .io_bound = true,
    .create = find_create,
};
static const vl_workload_type copy_type = {
    .name = "copy", .description = "cp of a large file: 128 KiB reads and writes with kernel "
                                   "copies between them.",
    .params = copy_params, .params_size = sizeof(tool_params), .io = true, .io_bound = true,
    .create = copy_create,
};
VL_REGISTER_WORKLOAD(grep_type);
VL_REGISTER_WORKLOAD(find_type);
VL_REGISTER_WORKLOAD(copy_type);

/* ------------------------------------------------------------------ wget */

typedef struct wget_params {
    int64_t bytes, port;
    vl_dist write_cost;
    vl_ns start;
} wget_params;

static const vl_param wget_params_table[] = {
    {"bytes", VL_PARAM_INT, offsetof(wget_params, bytes), 100 << 20, 0, 1e15, "bytes",
     "size of the download (0: endless)", NULL},
    {"port", VL_PARAM_INT, offsetof(wget_params, port), 40000, 1, 65535, "",
     "the client's local port", NULL},
    {"write_cost", VL_PARAM_DIST, offsetof(wget_params, write_cost), VL_US(5), 0, 0, "ns",
     "kernel work per read to write what it got to the page cache (vfs_write)", NULL},
    {"start", VL_PARAM_TIME, offsetof(wget_params, start), VL_MS(1), 0, VL_S(3600), "ns",
     "when the download starts", NULL},
    VL_PARAM_END,
};

static int wget_create(vl_guest *g, vl_workload *w, const void *params)
{
    const wget_params *p = params;
    int sock = vl_guest_socket(g, VL_PROTO_TCP, (int)p->port, 3145728, &w->stats);
    vl_tcp_sender *s = malloc(sizeof *s);
    w->client = s;
    if (sock < 0 || !vl_workload_programs(w, 1) || !s)
        return -1;
    vl_dist base = vl_dist_const(VL_US(2));
    int body = vl_prog_recv(w->prog, sock, vl_guest_activity(g, "tcp_recv"), &base, 200, 0);
    if (body < 0 ||
        vl_prog_kernel(w->prog, vl_guest_activity(g, "write"), &p->write_cost, -1, NULL) < 0 ||
        vl_prog_loop(w->prog, body, 0) < 0 || vl_workload_spawn(g, w, 1) < 0)
        return -1;
    if (vl_tcp_sender_start(s, g->hv, g->vm, (int)p->port, (uint64_t)p->bytes, &w->stats.net,
                            p->start) < 0)
        return -1;
    s->done = &w->stats; /* the completion time is the response */
    return 0;
}

static const vl_workload_type wget_type = {
    .name = "wget", .description = "A download over TCP from an external server into the page "
                                   "cache; the completion time is the response.",
    .params = wget_params_table, .params_size = sizeof(wget_params), .io = true, .io_bound = true,
    .create = wget_create,
};
VL_REGISTER_WORKLOAD(wget_type);
