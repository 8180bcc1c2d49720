/* bench/bench.c - vcpulab's benchmark: prints figures, asserts nothing.
 *
 *   1. Engine hold model (Jones 1986): 10^5 pending events; each step takes
 *      the earliest event and re-arms it at now + Exp(mean).  Events/s of
 *      the calendar queue next to a plain binary heap in the same binary.
 *   2. Full simulation: events/s and simulated seconds per wall-clock
 *      second for a 12-pCPU host, then the same per-pCPU load on 24 ... 1024
 *      pCPUs (scaling).
 *   3. Co-run: the shipped consolidation experiments
 *      (scenarios/experiments/corun-*.yaml, read from the source tree) as
 *      they are, each run several times: simulated seconds per wall-clock
 *      second (best, median, worst), events and guest operations per
 *      simulated second, and operations per event (what planned segments
 *      save).
 *
 * usage: bench [--policy NAME] [--quick] [--pcpus N] [--corun]
 * Build with the release preset for figures worth quoting. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "model/model.h"
#include "sim/engine.h"
#include "vl_rng.h"

static double wall_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* ------------------------------------------------------------ hold model */

typedef struct hold_ctx {
    vl_sim *sim;
    vl_rng rng;
    double mean;
} hold_ctx;

static hold_ctx hold;

static void on_hold(void *ctx, vl_event *ev)
{
    (void)ctx;
    double u = vl_rng_double(&hold.rng);
    vl_sim_schedule(hold.sim, ev, hold.sim->now + 1 + (vl_ns)(-hold.mean * log(1.0 - u)));
}

static double hold_rate(vl_fel_kind kind, int pending, uint64_t steps)
{
    vl_sim s;
    vl_sim_init(&s, kind);
    vl_event *evs = calloc((size_t)pending, sizeof *evs);
    hold.sim = &s;
    hold.mean = 1e6; /* 1 ms mean hold time */
    vl_rng_init(&hold.rng, 42, "hold");
    for (int i = 0; i < pending; i++) {
        vl_event_init(&evs[i], on_hold, NULL, VL_EVC_DEVICE, (uint32_t)i);
        vl_sim_schedule(&s, &evs[i], (vl_ns)(vl_rng_double(&hold.rng) * 1e6 * 10));
    }
    vl_sim_run(&s, steps / 10); /* warm up: reach the steady state */
    double t0 = wall_now();
    vl_sim_run(&s, s.events + steps);
    double dt = wall_now() - t0;
    vl_sim_fini(&s);
    free(evs);
    return (double)steps / dt;
}

/* ------------------------------------------------------- full simulation */

/* Two VMs per 12 pCPUs, 12 vCPUs each (2:1 overcommit, as in the
 * micro-sliced cores evaluation): one CPU-bound, one mixed interactive. */
static char *host_yaml(int pcpus, const char *policy, const char *duration)
{
    size_t cap = 4096 + (size_t)pcpus * 200;
    char *y = malloc(cap);
    int groups = pcpus / 12;
    int n = snprintf(y, cap,
                     "name: bench%d\nscheduler: %s\nhost: {pcpus: %d, sockets: %d}\n"
                     "run: {duration: %s, seed: 1}\nvms:\n",
                     pcpus, policy, pcpus, pcpus % 12 == 0 ? pcpus / 12 : pcpus / 16, duration);
    for (int g = 0; g < groups; g++)
        n += snprintf(y + n, cap - (size_t)n,
                      "  - {name: hog%d, vcpus: 12, workloads: [{type: cpu, tasks: 12}]}\n"
                      "  - name: mix%d\n    vcpus: 12\n    workloads:\n"
                      "      - {type: cpu, tasks: 6, util: 0.5, period: 20ms}\n"
                      "      - {type: think, tasks: 12, burst: {dist: exponential, mean: 200us},"
                      " think: {dist: exponential, mean: 2ms}}\n",
                      g, g);
    return y;
}

typedef struct sim_figures {
    double events_per_s, sim_s_per_s, events_per_sim_s;
    uint64_t digest;
} sim_figures;

static int run_sim(int pcpus, const char *policy, const char *duration, sim_figures *out)
{
    char *yaml = host_yaml(pcpus, policy, duration);
    vl_scenario scn;
    vl_error err;
    if (vl_scenario_load_string("bench.yaml", yaml, strlen(yaml), NULL, 0, &scn, &err) < 0) {
        fprintf(stderr, "bench: %s:%d:%d: %s\n", err.file, err.line, err.col, err.msg);
        free(yaml);
        return -1;
    }
    free(yaml);
    vl_model m;
    double t0 = 0;
    /* the clock covers the run, not building the model */
    if (vl_model_create(&m, &scn, scn.sched, 0, 0, NULL, &err) < 0 ||
        (t0 = wall_now(), vl_model_run(&m, &err) < 0)) {
        fprintf(stderr, "bench: %s\n", err.msg);
        vl_model_destroy(&m);
        vl_scenario_free(&scn);
        return -1;
    }
    double dt = wall_now() - t0;
    double sim_s = (double)m.hv.sim.now / 1e9;
    out->events_per_s = (double)m.hv.sim.events / dt;
    out->sim_s_per_s = sim_s / dt;
    out->events_per_sim_s = (double)m.hv.sim.events / sim_s;
    out->digest = m.hv.sim.digest;
    vl_model_destroy(&m);
    vl_scenario_free(&scn);
    return 0;
}

/* ------------------------------------------------------------------ co-run */

#ifndef VL_SOURCE_DIR
#define VL_SOURCE_DIR "."
#endif

/* Operation instances the tasks of all guests finished (generated minus
 * still queued: the lookahead is not counted). */
static uint64_t guest_ops(const vl_model *m)
{
    uint64_t n = 0;
    for (int d = 0; d < m->scn->nvms; d++) {
        const vl_guest *g = m->guests[d];
        for (int i = 0; i < g->ntasks; i++)
            n += g->tasks[i]->opq.generated - (uint64_t)g->tasks[i]->opq.n;
    }
    return n;
}

typedef struct corun_figures {
    double sim_s_per_s, events_per_sim_s, ops_per_sim_s;
    uint64_t digest;
} corun_figures;

static int run_corun(const vl_scenario *scn, corun_figures *out)
{
    vl_model m;
    vl_error err;
    double t0 = 0;
    if (vl_model_create(&m, scn, scn->sched, 0, 0, NULL, &err) < 0 ||
        (t0 = wall_now(), vl_model_run(&m, &err) < 0)) {
        fprintf(stderr, "bench: %s\n", err.msg);
        vl_model_destroy(&m);
        return -1;
    }
    double dt = wall_now() - t0;
    double sim_s = (double)m.hv.sim.now / 1e9;
    out->sim_s_per_s = sim_s / dt;
    out->events_per_sim_s = (double)m.hv.sim.events / sim_s;
    out->ops_per_sim_s = (double)guest_ops(&m) / sim_s;
    out->digest = m.hv.sim.digest;
    vl_model_destroy(&m);
    return 0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static int corun_section(int quick)
{
    static const char *const names[] = {"corun-gmake", "corun-dedup"};
    enum { REPEATS = 5 };
    int repeats = quick ? 1 : REPEATS;
    printf("co-run experiments (scenarios/experiments, as shipped; %d run%s each)\n", repeats,
           repeats > 1 ? "s" : "");
    printf("  %-12s %s\n", "", "-- sim s / wall s --");
    printf("  %-12s %7s %7s %7s %14s %17s %10s\n", "scenario", "best", "median", "worst",
           "events / sim s", "guest ops / sim s", "ops/event");
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/scenarios/experiments/%s.yaml", VL_SOURCE_DIR, names[k]);
        vl_scenario scn;
        vl_error err;
        if (vl_scenario_load(path, NULL, 0, &scn, &err) < 0) {
            fprintf(stderr, "bench: %s:%d:%d: %s\n", err.file, err.line, err.col, err.msg);
            return -1;
        }
        double speed[REPEATS];
        corun_figures f = {0};
        for (int r = 0; r < repeats; r++) {
            if (run_corun(&scn, &f) < 0) {
                vl_scenario_free(&scn);
                return -1;
            }
            speed[r] = f.sim_s_per_s;
        }
        vl_scenario_free(&scn);
        qsort(speed, (size_t)repeats, sizeof speed[0], cmp_double);
        printf("  %-12s %7.1f %7.1f %7.1f %14.0f %17.0f %10.3f\n", names[k], speed[repeats - 1],
               speed[repeats / 2], speed[0], f.events_per_sim_s, f.ops_per_sim_s,
               f.ops_per_sim_s / f.events_per_sim_s);
    }
    return 0;
}

int main(int argc, char **argv)
{
    const char *policy = vl_policy_find("credit") ? "credit" : "fifo";
    int quick = 0, only = 0, corun_only = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--policy") == 0 && i + 1 < argc)
            policy = argv[++i];
        else if (strcmp(argv[i], "--pcpus") == 0 && i + 1 < argc)
            only = atoi(argv[++i]);
        else if (strcmp(argv[i], "--quick") == 0)
            quick = 1;
        else if (strcmp(argv[i], "--corun") == 0)
            corun_only = 1;
        else {
            fprintf(stderr, "usage: bench [--policy NAME] [--quick] [--pcpus N] [--corun]\n");
            return 2;
        }
    }
    if (!vl_policy_find(policy)) {
        fprintf(stderr, "bench: unknown policy '%s'\n", policy);
        return 2;
    }
    if (only > 0) { /* one simulation only (for profiling) */
        sim_figures f;
        if (run_sim(only, policy, quick ? "1s" : "5s", &f) < 0)
            return 1;
        printf("%d pCPUs: %.0f events/s, %.2f sim s / wall s, %.0f events / sim s, digest "
               "%016llx\n",
               only, f.events_per_s, f.sim_s_per_s, f.events_per_sim_s,
               (unsigned long long)f.digest);
        return 0;
    }
    if (corun_only)
        return corun_section(quick) < 0;
    uint64_t steps = quick ? 1000000 : 10000000;
    printf("engine hold model: 100000 pending events, %llu holds, Exp(1ms) increments\n",
           (unsigned long long)steps);
    double cq = hold_rate(VL_FEL_CALENDAR, 100000, steps);
    double bh = hold_rate(VL_FEL_HEAP, 100000, steps);
    printf("  calendar queue  %12.0f events/s\n", cq);
    printf("  binary heap     %12.0f events/s\n", bh);
    printf("  ratio           %12.2fx\n\n", cq / bh);

    printf("full simulation, policy %s (2 VMs x 12 vCPUs per 12 pCPUs: hogs + interactive)\n",
           policy);
    printf("  %6s %14s %14s %16s %10s\n", "pcpus", "events/s", "sim s / wall s", "events / sim s",
           "vs 12");
    static const int sizes[] = {12, 48, 192, 1024};
    double base = 0;
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        sim_figures f;
        /* keep each run around a few seconds of wall time */
        const char *dur = sizes[i] <= 12 ? (quick ? "60s" : "600s")
                                         : sizes[i] <= 192 ? (quick ? "5s" : "30s")
                                                           : (quick ? "1s" : "5s");
        if (run_sim(sizes[i], policy, dur, &f) < 0)
            return 1;
        if (i == 0)
            base = f.events_per_s;
        printf("  %6d %14.0f %14.2f %16.0f %9.2fx\n", sizes[i], f.events_per_s, f.sim_s_per_s,
               f.events_per_sim_s, f.events_per_s / base);
    }
    printf("\n");
    return corun_section(quick) < 0;
}
