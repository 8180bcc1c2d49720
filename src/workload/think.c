/* workload/think.c - `think` and `interactive`: tasks that alternate think
 * times (sleeps) and CPU bursts, e.g. an interactive session or a request
 * handler.  Each task draws every think time and burst from its own random
 * stream, so two schedulers see the same sequence of demands.  The wake
 * latency (timer expiry -> running) and response (timer expiry -> burst
 * done) are what schedulers change.
 *
 * Program: loop { sleep think; compute burst }.  Options: a kernel read
 * before and a write after each burst (`call`: the terminal or X socket
 * read that delivers the event and the write that echoes it), and
 * sessions of `events` events separated by `idle` gaps instead of a think
 * time:  sleep think; loop { loop events-1 { event; sleep think }; event;
 * sleep idle }, where event = read; compute burst; write.
 *
 * `interactive` is `think` with the interactive-session parameters of
 * docs/workloads-calibration.md 4.11. */
#include <stdio.h>
#include <stdlib.h>

#include "guest/kernel.h"
#include "vl_dist.h"
#include "workload/workload.h"

typedef struct think_params {
    int64_t tasks;
    vl_dist burst;
    vl_dist think;
    vl_dist call;
    int64_t events;
    vl_dist idle;
    int64_t nice;
} think_params;

static const vl_param think_param_table[] = {
    {"tasks", VL_PARAM_INT, offsetof(think_params, tasks), 1, 1, 4096, "tasks",
     "number of tasks", NULL},
    {"burst", VL_PARAM_DIST, offsetof(think_params, burst), VL_MS(1), 0, 0, "ns",
     "CPU work per wake-up", NULL},
    {"think", VL_PARAM_DIST, offsetof(think_params, think), VL_MS(10), 0, 0, "ns",
     "sleep between bursts", NULL},
    {"call", VL_PARAM_DIST, offsetof(think_params, call), 0, 0, 0, "ns",
     "kernel read before and write after each burst; 0 = none", NULL},
    {"events", VL_PARAM_INT, offsetof(think_params, events), 0, 0, 1000000, "events",
     "bursts per session, sessions separated by `idle`; 0 = no sessions", NULL},
    {"idle", VL_PARAM_DIST, offsetof(think_params, idle), VL_S(1), 0, 0, "ns",
     "idle gap between sessions (with events > 0)", NULL},
    {"nice", VL_PARAM_INT, offsetof(think_params, nice), 0, -20, 19, "",
     "nice value of the tasks: CFS weight from sched_prio_to_weight (0 = 1024)", NULL},
    VL_PARAM_END,
};

static bool has_calls(const think_params *p)
{
    return !(p->call.kind == VL_DIST_CONST && p->call.a <= 0);
}

/* [read;] compute burst [; write] */
static int add_event(vl_program *prog, const vl_guest *g, const think_params *p)
{
    if (!has_calls(p))
        return vl_prog_compute(prog, &p->burst);
    int first = vl_prog_kernel(prog, vl_guest_activity(g, "read"), &p->call, -1, NULL);
    if (first < 0 || vl_prog_compute(prog, &p->burst) < 0 ||
        vl_prog_kernel(prog, vl_guest_activity(g, "write"), &p->call, -1, NULL) < 0)
        return -1;
    return first;
}

static int build(vl_program *prog, const vl_guest *g, const think_params *p)
{
    vl_prog_init(prog);
    int first = vl_prog_sleep(prog, &p->think);
    if (first < 0)
        return -1;
    if (p->events == 0) {
        int body = add_event(prog, g, p);
        return body < 0 || vl_prog_loop(prog, first, 0) < 0 ? -1 : 0;
    }
    int session = add_event(prog, g, p);
    if (session < 0)
        return -1;
    if (p->events > 1 && (vl_prog_sleep(prog, &p->think) < 0 ||
                          vl_prog_loop(prog, session, (int)p->events - 1) < 0 ||
                          add_event(prog, g, p) < 0))
        return -1;
    if (vl_prog_sleep(prog, &p->idle) < 0 || vl_prog_loop(prog, session, 0) < 0)
        return -1;
    return 0;
}

static int think_create(vl_guest *g, vl_workload *w, const void *params)
{
    const think_params *p = params;
    if (!vl_workload_programs(w, 1) || build(w->prog, g, p) < 0)
        return -1;
    w->nice = (int)p->nice;
    return vl_workload_spawn(g, w, p->tasks);
}

static const vl_workload_type think_type = {
    .name = "think",
    .description = "Tasks alternating CPU bursts and think times drawn from distributions.",
    .params = think_param_table,
    .params_size = sizeof(think_params),
    .create = think_create,
};
VL_REGISTER_WORKLOAD(think_type);

/* An interactive session (docs/workloads-calibration.md 4.11, estimates:
 * no human input could be measured): keystroke-like events Exp(200 ms)
 * apart, each a tty/X-socket read, LN(1 ms, 1.5) of work and a write of
 * 10-30 us each, in sessions of 20 events separated by idle periods of
 * U(1, 10) s.  Written as scalars, turned into think's distributions. */
typedef struct interactive_params {
    int64_t tasks;
    vl_ns think;
    vl_ns burst;
    double burst_cv;
    vl_ns call;
    int64_t events;
    vl_ns idle_min, idle_max;
} interactive_params;

static const vl_param interactive_param_table[] = {
    {"tasks", VL_PARAM_INT, offsetof(interactive_params, tasks), 1, 1, 4096, "sessions",
     "independent users (one task each)", NULL},
    {"think", VL_PARAM_TIME, offsetof(interactive_params, think), VL_MS(200), VL_US(1), VL_S(3600),
     "ns", "mean of the exponential think time between events (keystrokes, 4.11)", NULL},
    {"burst", VL_PARAM_TIME, offsetof(interactive_params, burst), VL_MS(1), VL_US(1), VL_S(10),
     "ns", "mean CPU work per event (log-normal, 4.11)", NULL},
    {"burst_cv", VL_PARAM_DOUBLE, offsetof(interactive_params, burst_cv), 1.5, 0, 100, "",
     "coefficient of variation of the work per event (4.11: 1.5; its tail gives the "
     "occasional 20-100 ms redraw)", NULL},
    {"call", VL_PARAM_TIME, offsetof(interactive_params, call), VL_US(20), 0, VL_MS(100), "ns",
     "mean of the read and of the write per event, each U(call/2, 3call/2) (4.11: 10-30 us); "
     "0 = none",
     NULL},
    {"events", VL_PARAM_INT, offsetof(interactive_params, events), 20, 0, 1000000, "events",
     "events per session (a typed line); 0 = no idle periods", NULL},
    {"idle_min", VL_PARAM_TIME, offsetof(interactive_params, idle_min), VL_S(1), 0, VL_S(3600),
     "ns", "shortest idle period between sessions (4.11: 1 s)", NULL},
    {"idle_max", VL_PARAM_TIME, offsetof(interactive_params, idle_max), VL_S(10), 0, VL_S(3600),
     "ns", "longest idle period (4.11: 10 s); uniform between the two", NULL},
    VL_PARAM_END,
};

static int interactive_create(vl_guest *g, vl_workload *w, const void *params)
{
    const interactive_params *i = params;
    double lo = (double)(i->idle_min < i->idle_max ? i->idle_min : i->idle_max);
    double hi = (double)(i->idle_min < i->idle_max ? i->idle_max : i->idle_min);
    think_params t = {
        .tasks = i->tasks,
        .burst = vl_dist_lognormal_cv((double)i->burst, i->burst_cv),
        .think = vl_dist_exponential((double)i->think),
        .call = i->call > 0 ? vl_dist_uniform((double)i->call / 2, 1.5 * (double)i->call)
                            : vl_dist_const(0),
        .events = i->events,
        .idle = vl_dist_uniform(lo, hi),
    };
    return think_create(g, w, &t);
}

static const vl_workload_type interactive_type = {
    .name = "interactive",
    .description = "Interactive session: events Exp(200 ms) apart, each a read, a burst and a "
                   "write, in sessions with idle gaps (think with 4.11's parameters).",
    .params = interactive_param_table,
    .params_size = sizeof(interactive_params),
    .io_bound = true, /* waits for the user's input: the paper's I/O-bound class */
    .create = interactive_create,
};
VL_REGISTER_WORKLOAD(interactive_type);
