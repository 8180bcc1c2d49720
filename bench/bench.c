/* bench/bench.c - vcpulab's benchmark: prints figures, asserts nothing.
 *
 *   1. Event-list hold model (Jones 1986): N pending events (10^2 ...
 *      10^6); each step takes the earliest event and re-arms it at now + an
 *      increment (three distributions: Exp(1 ms), a bimodal one, and a mix
 *      shaped like the model's).  The engine's event lists (sim/fel.h) and
 *      plain heaps (plain_heap.h, the baseline) run the same stream through
 *      the same loop in the same process, in interleaved rounds (their
 *      streams' digests must agree); the ratios of the last list to the
 *      others are taken per round (median and range).
 *   2. Scaling: the CPU time per event on 1,024 pCPUs over that on 12, for
 *      three families of hosts (CPU hogs at 4:1, a guest mix with locks,
 *      shootdowns and IPIs at 4:1, hogs beside interactive tasks at 2:1)
 *      under credit, cfs and dcs, the two sizes alternating in each round.
 *   3. Event lists in full simulations: the co-runs below and the
 *      1,024-pCPU host with each event list, in interleaved rounds (the
 *      event digests must agree).
 *   4. Memory and build time: 1,024 pCPUs x 4,096 vCPUs of CPU hogs (4:1,
 *      1,024 VMs of 4 vCPUs, one `cpu` task per vCPU): how long building
 *      the model takes (median of several builds) and the heap it holds
 *      per vCPU after the build and after a run (glibc's mallinfo2: bytes
 *      allocated, not resident pages).
 *   5. Co-run: the shipped consolidation experiments
 *      (scenarios/experiments/corun-*.yaml, read from the source tree) as
 *      they are, each run several times: simulated seconds per wall-clock
 *      second (best, median, worst), events and guest operations per
 *      simulated second, and operations per event (what planned segments
 *      save); each run alternates with one under microsliced, whose speed
 *      is given as a ratio to the scenario's policy (CPU time, per round).
 *
 * Comparisons between event lists count the CPU time of the benchmark's
 * thread, not wall time, so that other work on the machine counts less.
 * Run `bench --help` for the options; build with the release preset for
 * figures worth quoting. */
#include <malloc.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sys/resource.h>

#include "model/model.h"
#include "plain_heap.h"
#include "sim/engine.h"
#include "vl_rng.h"

static double clock_now(clockid_t clk)
{
    struct timespec ts;
    clock_gettime(clk, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double wall_now(void)
{
    return clock_now(CLOCK_MONOTONIC);
}

/* CPU time of this thread: what comparisons between event lists use, so
 * that time the machine gives to other work does not count. */
static double cpu_now(void)
{
    return clock_now(CLOCK_THREAD_CPUTIME_ID);
}

/* ------------------------------------------------------------ hold model */

/* Increment distributions of the hold model.  Increments come from a table
 * drawn once, so that every event list sees the same stream and the
 * drawing costs one load; GRID stands for "to the next whole millisecond"
 * (a tick). */
enum { DIST_EXP, DIST_BIMODAL, DIST_MIX, NDISTS };
static const char *const dist_names[NDISTS] = {"exp", "bimodal", "mix"};
static const char *const dist_text[NDISTS] = {
    "Exp(1 ms)",
    "bimodal: 90% Exp(2 us), 10% Exp(10 ms)",
    ("model mix: 20% 0, 40% Exp(2 us), 20% Exp(200 us), 10% next 1-ms tick, 8% 30 ms, "
     "2% 1 s"),
};
#define INC_TABLE (1 << 16)
#define GRID (-1)
#define GRID_NS VL_MS(1)

static vl_ns inc_table[NDISTS][INC_TABLE];

static vl_ns draw_exp(vl_rng *r, double mean)
{
    return (vl_ns)(-mean * log(1.0 - vl_rng_double(r)));
}

static void fill_increments(void)
{
    for (int d = 0; d < NDISTS; d++) {
        vl_rng r;
        vl_rng_init(&r, 42, dist_names[d]);
        for (int i = 0; i < INC_TABLE; i++) {
            double u = vl_rng_double(&r);
            vl_ns x;
            if (d == DIST_EXP)
                x = draw_exp(&r, 1e6);
            else if (d == DIST_BIMODAL)
                x = draw_exp(&r, u < 0.9 ? 2e3 : 1e7);
            else
                x = u < 0.2   ? 0
                    : u < 0.6 ? draw_exp(&r, 2e3)
                    : u < 0.8 ? draw_exp(&r, 2e5)
                    : u < 0.9 ? GRID
                    : u < 0.98 ? VL_MS(30)
                               : VL_S(1);
            inc_table[d][i] = x;
        }
    }
}

static vl_ns next_time(vl_ns now, vl_ns inc)
{
    return inc >= 0 ? now + inc : (now / GRID_NS + 1) * GRID_NS;
}

/* An increment's length (a tick's at most GRID_NS). */
static vl_ns inc_length(vl_ns inc)
{
    return inc == GRID ? GRID_NS : inc;
}

/* A start near the steady state: each event's first time is a uniform
 * point of an increment drawn with probability proportional to its length
 * (the residual time of a renewal process), so that slow events are
 * pending in their long-run share from the start. */
static vl_ns initial_time(vl_rng *r, const vl_ns *inc, vl_ns longest)
{
    for (;;) {
        vl_ns d = inc_length(inc[vl_rng_below(r, INC_TABLE)]);
        if (d > 0 && vl_rng_below(r, (uint64_t)longest) < (uint64_t)d)
            return (vl_ns)vl_rng_below(r, (uint64_t)d);
    }
}

/* The lists the hold model compares: the engine's (plain_la 0) and the
 * plain heaps of plain_heap.h (2^plain_la children per node). */
typedef struct bench_list {
    const char *name;
    vl_fel_kind kind;
    int plain_la;
} bench_list;

static const bench_list bench_lists[] = {
    {"radix", VL_FEL_RADIX, 0}, {"heap", VL_FEL_HEAP, 0},  {"heap4", VL_FEL_HEAP4, 0},
    {"plain", VL_FEL_HEAP, 1},  {"plain4", VL_FEL_HEAP, 2},
};

/* What every hold does besides the list's own work, whichever the list:
 * deliver the event (read its record: a digest of the stream, which must
 * be the same for every list) and draw its next time. */
typedef struct hold_state {
    const vl_ns *inc;
    uint32_t next;
    uint64_t seq; /* the next order (class 0: the sequence number) */
    uint64_t digest;
} hold_state;

static inline uint64_t digest_step(uint64_t d, uint64_t x)
{
    return (d ^ x) * 0x100000001b3ULL; /* FNV-1a, as the engine's */
}

static inline vl_ns hold_deliver(hold_state *h, const vl_event *ev, vl_ns t)
{
    h->digest = digest_step(digest_step(h->digest, (uint64_t)t), ev->tag);
    return next_time(t, h->inc[h->next++ & (INC_TABLE - 1)]);
}

static void holds_fel(vl_fel *q, hold_state *h, uint64_t steps)
{
    for (uint64_t i = 0; i < steps; i++) {
        vl_event *ev = vl_fel_pop(q);
        ev->time = hold_deliver(h, ev, ev->time);
        ev->order = h->seq++;
        vl_fel_insert(q, ev);
    }
}

static inline __attribute__((always_inline)) void holds_plain(plain_heap *q, const vl_event *evs,
                                                              hold_state *h, uint64_t steps,
                                                              int la)
{
    for (uint64_t i = 0; i < steps; i++) {
        plain_node x = plain_pop(q, la);
        /* the next to fire and the one after it (at the root or among its
         * children), as the engine's lists do */
        for (uint32_t k = 0; k <= 1u << la && k < q->n; k++)
            __builtin_prefetch(&evs[q->h[k].id]);
        vl_ns t = hold_deliver(h, &evs[x.id], x.time);
        plain_push(q, (plain_node){t, h->seq++, x.id}, la);
    }
}

typedef struct hold_figures {
    double events_per_s;
    size_t list_bytes;
    uint64_t digest;
} hold_figures;

/* `pending` events, `steps` timed holds after pending / 2 untimed ones;
 * with `uniform`, the first times are uniform over 10 ms instead (a start
 * far from the steady state, the earlier benchmark's).  The loop is the
 * engine's minus its call-backs and postponements: pop, deliver, file. */
static hold_figures hold_run(const bench_list *l, int dist, int pending, uint64_t steps,
                             bool uniform)
{
    const vl_ns *inc = inc_table[dist];
    vl_ns longest = 1;
    for (int i = 0; i < INC_TABLE; i++)
        longest = inc_length(inc[i]) > longest ? inc_length(inc[i]) : longest;
    vl_event *evs = calloc((size_t)pending, sizeof *evs);
    vl_rng r;
    vl_rng_init(&r, 7, "hold start");
    hold_state h = {.inc = inc};
    vl_fel q = {0};
    plain_heap ph = {0};
    if (!l->plain_la)
        vl_fel_init(&q, l->kind);
    for (int i = 0; i < pending; i++) {
        vl_event_init(&evs[i], NULL, NULL, VL_EVC_DEVICE, (uint32_t)i);
        evs[i].time = uniform ? (vl_ns)vl_rng_below(&r, VL_MS(10)) : initial_time(&r, inc, longest);
        evs[i].order = h.seq++;
        plain_node x = {evs[i].time, evs[i].order, (uint32_t)i};
        if (l->plain_la == 1)
            plain_push(&ph, x, 1);
        else if (l->plain_la == 2)
            plain_push(&ph, x, 2);
        else
            vl_fel_insert(&q, &evs[i]);
    }
    uint64_t warm = (uint64_t)pending / 2 + 1;
    double t0 = 0;
    for (int timed = 0; timed < 2; timed++) {
        uint64_t n = timed ? steps : warm;
        t0 = timed ? cpu_now() : t0;
        if (l->plain_la == 1)
            holds_plain(&ph, evs, &h, n, 1);
        else if (l->plain_la == 2)
            holds_plain(&ph, evs, &h, n, 2);
        else
            holds_fel(&q, &h, n);
    }
    double dt = cpu_now() - t0;
    hold_figures f = {(double)steps / dt,
                      l->plain_la ? ph.cap * sizeof *ph.h : vl_fel_bytes(&q), h.digest};
    vl_fel_fini(&q);
    free(ph.h);
    free(evs);
    return f;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof v[0], cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

#define MAX_KINDS 5
#define NLISTS (int)(sizeof bench_lists / sizeof bench_lists[0])

/* Parses "heap,radix" into lists; returns the count or -1. */
static int parse_lists(const char *names, const bench_list **lists)
{
    int n = 0;
    char buf[256];
    snprintf(buf, sizeof buf, "%s", names);
    for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) {
        int i = 0;
        while (i < NLISTS && strcmp(bench_lists[i].name, tok) != 0)
            i++;
        if (i == NLISTS || n == MAX_KINDS)
            return -1;
        lists[n++] = &bench_lists[i];
    }
    return n >= 1 ? n : -1;
}

/* Prints "1.23x (1.10-1.31)": median and range of per-round ratios
 * (sorts them). */
static void print_ratio(double *ratio, int reps)
{
    double m = median(ratio, reps);
    printf("  %5.2fx (%.2f-%.2f)", m, ratio[0], ratio[reps - 1]);
}

#define MAX_REPS 15

/* Column heads: each list, then the last list over each other, and with
 * more than two lists over the fastest other of each round. */
static void print_list_heads(const bench_list *const *lists, int nk)
{
    for (int k = 0; k < nk; k++)
        printf(" %8s", lists[k]->name);
    for (int k = 0; k + 1 < nk; k++) {
        char head[64];
        snprintf(head, sizeof head, "%s/%s", lists[nk - 1]->name, lists[k]->name);
        printf("  %-18s", head);
    }
    if (nk > 2)
        printf("  %-18s", "/fastest other");
}

/* A row under print_list_heads: each list's median figure (scaled), then
 * the per-round ratios of the last list to each other one, and to the
 * fastest other list of the round. */
static void print_list_row(double x[][MAX_REPS], int nk, int reps, double scale,
                           const char *unit)
{
    for (int k = 0; k < nk; k++) {
        double sorted[MAX_REPS];
        memcpy(sorted, x[k], sizeof sorted);
        printf(" %7.2f%s", median(sorted, reps) / scale, unit);
    }
    double ratio[MAX_REPS], fastest[MAX_REPS] = {0};
    for (int k = 0; k + 1 < nk; k++) {
        for (int r = 0; r < reps; r++) {
            ratio[r] = x[nk - 1][r] / x[k][r];
            fastest[r] = x[k][r] > fastest[r] ? x[k][r] : fastest[r];
        }
        print_ratio(ratio, reps);
    }
    if (nk > 2) {
        for (int r = 0; r < reps; r++)
            ratio[r] = x[nk - 1][r] / fastest[r];
        print_ratio(ratio, reps);
    }
}

/* Whether the lists' event streams (digests) are the same; says which
 * differ if not. */
static bool lists_agree(const bench_list *const *lists, const uint64_t *digest, int nk,
                        const char *what)
{
    for (int k = 1; k < nk; k++)
        if (digest[k] != digest[0]) {
            fprintf(stderr, "bench: %s: event lists %s and %s disagree\n", what, lists[0]->name,
                    lists[k]->name);
            return false;
        }
    return true;
}

/* What the engine section measures. */
typedef struct engine_plan {
    int sizes[8], nsizes;  /* pending events                             */
    bool dist[NDISTS];     /* increment distributions                    */
    int reps;
    uint64_t steps;        /* timed holds per run (at least `pending`)   */
    bool uniform;          /* hold_run's uniform start                   */
} engine_plan;

/* Each round runs every list once, the order rotating between rounds;
 * the ratios of the last list (the one under test) to each other list are
 * taken within a round (the same state of the machine), then summarised. */
static int engine_section(const bench_list *const *lists, int nk, const engine_plan *p)
{
    fill_increments();
    printf("event-list hold model: the earliest event is delivered and re-armed at now + an "
           "increment;\n%d round%s per size, the lists in rotating order; holds per CPU second "
           "of the benchmark's\nthread (median); ratios: median of the per-round ratios "
           "(min-max); list bytes: what the\nlist allocated at the end, per pending event%s\n",
           p->reps, p->reps > 1 ? "s" : "",
           p->uniform ? "\nstart: times uniform over 10 ms (far from the steady state)" : "");
    for (int d = 0; d < NDISTS; d++) {
        if (!p->dist[d])
            continue;
        printf("\n  increments %s\n  %8s", dist_text[d], "pending");
        print_list_heads(lists, nk);
        printf("  list bytes:");
        for (int k = 0; k < nk; k++)
            printf(" %s", lists[k]->name);
        printf("\n");
        for (int i = 0; i < p->nsizes; i++) {
            int n = p->sizes[i];
            uint64_t steps = p->steps > (uint64_t)n ? p->steps : (uint64_t)n;
            double rate[MAX_KINDS][MAX_REPS];
            size_t bytes[MAX_KINDS] = {0};
            uint64_t digest[MAX_KINDS];
            for (int r = 0; r < p->reps; r++)
                for (int j = 0; j < nk; j++) {
                    int k = (j + r) % nk;
                    hold_figures f = hold_run(lists[k], d, n, steps, p->uniform);
                    rate[k][r] = f.events_per_s;
                    bytes[k] = f.list_bytes;
                    digest[k] = f.digest;
                }
            char what[64];
            snprintf(what, sizeof what, "%s, %d pending", dist_names[d], n);
            if (!lists_agree(lists, digest, nk, what))
                return -1;
            printf("  %8d", n);
            print_list_row(rate, nk, p->reps, 1e6, "M");
            printf(" ");
            for (int k = 0; k < nk; k++)
                printf(" %.1f", (double)bytes[k] / n);
            printf("\n");
            fflush(stdout);
        }
    }
    printf("\n");
    return 0;
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

/* ------------------------------------------------------------------ runs */

#ifndef VL_SOURCE_DIR
#define VL_SOURCE_DIR "."
#endif

typedef struct sim_figures {
    double events_per_s, sim_s_per_s, sim_s_per_cpu_s, events_per_sim_s, ops_per_sim_s;
    double mean_pending; /* events in the list, sampled at every switch */
    /* per sim s: pause-loop exits, and every reschedule and guest entry
     * (those of exit cycles and the others alike) */
    double ple_exits, resched, entries;
    double segments, ipis; /* per sim s: guest plan points, IPI arrivals */
    double folds, settled;  /* per sim s: exit-cycle folds begun, settled */
    uint64_t digest;
} sim_figures;

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

typedef struct pending_probe {
    const vl_model *m;
    double sum;
    uint64_t n;
} pending_probe;

static void probe_switch(void *ctx, const vl_pcpu *p, const vl_vcpu *prev, const vl_vcpu *next,
                         vl_ns now)
{
    (void)p, (void)prev, (void)next, (void)now;
    pending_probe *pp = ctx;
    pp->sum += (double)pp->m->hv.sim.fel.size;
    pp->n++;
}

/* One run of scn to its end under ops (NULL: the scenario's policy) with
 * event list `fel`, every exit cycle run if no_fold; the clocks cover the
 * run, not building the model. */
static int run_model_opts(const vl_scenario *scn, const vl_sched_ops *ops, vl_fel_kind fel,
                          bool no_fold, sim_figures *out)
{
    vl_model m;
    pending_probe probe = {.m = &m};
    vl_model_opts mo = {.fel = fel,
                        .no_fold = no_fold,
                        .observer = {.ctx = &probe, .on_switch = probe_switch}};
    vl_error err;
    double t0 = 0, c0 = 0;
    if (vl_model_create(&m, scn, ops ? ops : scn->sched, 0, 0, &mo, &err) < 0 ||
        (t0 = wall_now(), c0 = cpu_now(), vl_model_run(&m, &err) < 0)) {
        fprintf(stderr, "bench: %s\n", err.msg);
        vl_model_destroy(&m);
        return -1;
    }
    double dt = wall_now() - t0, dc = cpu_now() - c0;
    double sim_s = (double)m.hv.sim.now / 1e9;
    out->events_per_s = (double)m.hv.sim.events / dt;
    out->sim_s_per_s = sim_s / dt;
    out->sim_s_per_cpu_s = sim_s / dc;
    out->events_per_sim_s = (double)m.hv.sim.events / sim_s;
    out->ops_per_sim_s = (double)guest_ops(&m) / sim_s;
    out->mean_pending = probe.n ? probe.sum / (double)probe.n : 0;
    out->digest = m.hv.sim.digest;
    const uint64_t(*src)[VL_EVC_CLASSES] = m.hv.sim.by_source;
    out->ple_exits = (double)src[VL_TAG_VCPU_PLE][VL_EVC_GUEST] / sim_s;
    out->resched = (double)src[VL_TAG_PCPU][VL_EVC_SCHED] / sim_s;
    out->entries = (double)src[VL_TAG_PCPU][VL_EVC_GUEST] / sim_s;
    out->folds = (double)m.hv.fold.begun / sim_s;
    out->settled = (double)m.hv.fold.settled / sim_s;
    out->segments = out->ipis = 0;
    for (int c = 0; c < VL_EVC_CLASSES; c++) {
        out->segments += (double)src[VL_TAG_GUEST_SEGMENT][c] / sim_s;
        out->ipis += (double)src[VL_TAG_VCPU_IPI][c] / sim_s;
    }
    vl_model_destroy(&m);
    return 0;
}

static int run_model(const vl_scenario *scn, const vl_sched_ops *ops, vl_fel_kind fel,
                     sim_figures *out)
{
    return run_model_opts(scn, ops, fel, false, out);
}

/* Loads the scenario text `yaml` (and frees it).  Returns 0 or -1. */
static int load_yaml(char *yaml, vl_scenario *scn)
{
    vl_error err;
    int rc = vl_scenario_load_string("bench.yaml", yaml, strlen(yaml), NULL, 0, scn, &err);
    free(yaml);
    if (rc < 0)
        fprintf(stderr, "bench: %s:%d:%d: %s\n", err.file, err.line, err.col, err.msg);
    return rc;
}

/* The host of host_yaml(). */
static int run_sim(int pcpus, const char *policy, const char *duration, vl_fel_kind fel,
                   sim_figures *out)
{
    vl_scenario scn;
    if (load_yaml(host_yaml(pcpus, policy, duration), &scn) < 0)
        return -1;
    int rc = run_model(&scn, NULL, fel, out);
    vl_scenario_free(&scn);
    return rc;
}

/* ------------------------------------------------- memory and build time */

/* The scenario's lines before its VMs: a host of `pcpus` pCPUs in sockets
 * of 16 (one below 16), seed 1. */
static int host_header(char *y, size_t cap, const char *name, int pcpus, const char *policy,
                       const char *duration)
{
    return snprintf(y, cap,
                    "name: %s%d\nscheduler: %s\nhost: {pcpus: %d, sockets: %d}\n"
                    "run: {duration: %s, seed: 1}\nvms:\n",
                    name, pcpus, policy, pcpus, pcpus >= 16 ? pcpus / 16 : 1, duration);
}

/* 4:1 CPU hogs: VMs of 4 vCPUs with 4 `cpu` tasks each, vcpus / 4 VMs on
 * `pcpus` pCPUs. */
static char *hogs_yaml(int pcpus, int vcpus, const char *policy, const char *duration)
{
    size_t cap = 4096 + (size_t)vcpus * 32;
    char *y = malloc(cap);
    int n = host_header(y, cap, "hogs", pcpus, policy, duration);
    for (int d = 0; d < vcpus / 4; d++)
        n += snprintf(y + n, cap - (size_t)n,
                      "  - {name: h%d, vcpus: 4, workloads: [{type: cpu, tasks: 4}]}\n", d);
    return y;
}

/* Bytes the allocator has handed out and not taken back. */
static size_t heap_in_use(void)
{
    struct mallinfo2 mi = mallinfo2();
    return mi.uordblks + mi.hblkhd;
}

/* Builds (vl_model_create and vl_model_start) the hog model `builds`
 * times: the median build time and the heap one model holds once built;
 * then runs one for its scenario's duration: the heap it holds at the end
 * (its tasks' look-ahead and the histograms' chunks taken as values
 * arrive, the pending events) and the events. */
static int memory_section(const char *policy, int quick)
{
    enum { PCPUS = 1024, VCPUS = 4096, BUILDS = 5 };
    const int builds = quick ? 3 : BUILDS;
    const char *duration = quick ? "100ms" : "1s";
    vl_scenario scn;
    if (load_yaml(hogs_yaml(PCPUS, VCPUS, policy, duration), &scn) < 0)
        return -1;
    vl_error err;
    int rc = 0;
    double secs[BUILDS];
    size_t built = 0, after_run = 0;
    uint64_t events = 0;
    for (int b = 0; b < builds && rc == 0; b++) {
        vl_model m;
        const size_t heap0 = heap_in_use();
        const double t0 = wall_now();
        rc = vl_model_create(&m, &scn, scn.sched, 0, 0, NULL, &err) < 0 ||
                     vl_model_start(&m, &err) < 0
                 ? -1
                 : 0;
        secs[b] = wall_now() - t0;
        built = heap_in_use() - heap0;
        if (rc == 0 && b == builds - 1) {
            rc = vl_model_run(&m, &err);
            after_run = heap_in_use() - heap0;
            events = m.hv.sim.events;
        }
        vl_model_destroy(&m);
    }
    vl_scenario_free(&scn);
    if (rc < 0) {
        fprintf(stderr, "bench: %s\n", err.msg);
        return -1;
    }
    printf("memory and build time, policy %s: %d pCPUs x %d vCPUs of CPU hogs (%d VMs of 4 "
           "vCPUs, one cpu task per vCPU)\n",
           policy, PCPUS, VCPUS, VCPUS / 4);
    const double mid = median(secs, builds); /* sorts secs */
    printf("  build (create + start): %.3f s median of %d (%.3f-%.3f)\n", mid, builds, secs[0],
           secs[builds - 1]);
    printf("  heap per vCPU (and its task): %6.0f bytes built, %6.0f bytes after %s "
           "(%llu events)\n\n",
           (double)built / VCPUS, (double)after_run / VCPUS, duration,
           (unsigned long long)events);
    return 0;
}

static const char *const corun_names[] = {"corun-gmake", "corun-dedup"};

static int load_experiment(const char *name, vl_scenario *scn)
{
    char path[1024];
    vl_error err;
    snprintf(path, sizeof path, "%s/scenarios/experiments/%s.yaml", VL_SOURCE_DIR, name);
    if (vl_scenario_load(path, NULL, 0, scn, &err) < 0) {
        fprintf(stderr, "bench: %s:%d:%d: %s\n", err.file, err.line, err.col, err.msg);
        return -1;
    }
    return 0;
}

/* The co-run policy measured beside the scenarios' own (Credit): the
 * micro-sliced cores are evaluated on these co-runs. */
#define CORUN_OTHER "microsliced"

static int corun_section(int quick)
{
    enum { REPEATS = 5 };
    int repeats = quick ? 1 : REPEATS;
    const vl_sched_ops *other = vl_policy_find(CORUN_OTHER);
    printf("co-run experiments (scenarios/experiments, as shipped; %d run%s each, alternating "
           "with %s)\n",
           repeats, repeats > 1 ? "s" : "", CORUN_OTHER);
    printf("  %-12s %s\n", "", "-- sim s / wall s --");
    printf("  %-12s %7s %7s %7s %14s %17s %10s  %s\n", "scenario", "best", "median", "worst",
           "events / sim s", "guest ops / sim s", "ops/event",
           CORUN_OTHER ": sim s / CPU s, then CPU per event; its policy's = 1; then its "
           "policy with every exit cycle run (--no-fold): sim s / CPU s, = 1 (median of "
           "rounds, range)");
    for (size_t k = 0; k < sizeof corun_names / sizeof corun_names[0]; k++) {
        vl_scenario scn;
        if (load_experiment(corun_names[k], &scn) < 0)
            return -1;
        double speed[REPEATS], ratio[REPEATS], per_event[REPEATS], unfolded[REPEATS];
        sim_figures f = {0}, g = {0}, u = {0};
        for (int r = 0; r < repeats; r++) {
            if (run_model(&scn, NULL, VL_FEL_DEFAULT, &f) < 0 ||
                run_model(&scn, other, VL_FEL_DEFAULT, &g) < 0 ||
                run_model_opts(&scn, NULL, VL_FEL_DEFAULT, true, &u) < 0) {
                vl_scenario_free(&scn);
                return -1;
            }
            speed[r] = f.sim_s_per_s;
            ratio[r] = g.sim_s_per_cpu_s / f.sim_s_per_cpu_s;
            per_event[r] = (f.events_per_sim_s * f.sim_s_per_cpu_s) /
                           (g.events_per_sim_s * g.sim_s_per_cpu_s);
            unfolded[r] = u.sim_s_per_cpu_s / f.sim_s_per_cpu_s;
        }
        vl_scenario_free(&scn);
        qsort(speed, (size_t)repeats, sizeof speed[0], cmp_double);
        printf("  %-12s %7.1f %7.1f %7.1f %14.0f %17.0f %10.3f", corun_names[k], speed[repeats - 1],
               speed[repeats / 2], speed[0], f.events_per_sim_s, f.ops_per_sim_s,
               f.ops_per_sim_s / f.events_per_sim_s);
        print_ratio(ratio, repeats);
        print_ratio(per_event, repeats);
        print_ratio(unfolded, repeats);
        double rest = f.events_per_sim_s - f.ple_exits - f.resched - f.entries;
        printf("\n  %-12s per sim s: %.0f pause-loop exits, %.0f reschedules, %.0f guest "
               "entries, %.0f other events: %.0f guest segment ends, %.0f IPI arrivals, %.0f "
               "else (every cycle run: %.0f events); %.0f folds begun, %.0f settled\n",
               "", f.ple_exits, f.resched, f.entries, rest, f.segments, f.ipis,
               rest - f.segments - f.ipis, u.events_per_sim_s, f.folds, f.settled);
        fflush(stdout);
    }
    return 0;
}

/* ------------------------------- a research policy against its base policy */

/* A shipped experiment (scenarios/experiments/<name>.yaml) under `policy`
 * and under `base`, alternating: the simulator's events per CPU second of
 * the benchmark's thread for each (median) and the per-round ratio of the
 * policy's CPU time per event to the base's. */
static int pair_section(const char *name, const char *what, const char *policy, const char *base,
                        int quick)
{
    enum { REPEATS = 5 };
    int repeats = quick ? 1 : REPEATS;
    const vl_sched_ops *ops[2] = {vl_policy_find(policy), vl_policy_find(base)};
    vl_scenario scn;
    if (!ops[0] || !ops[1] || load_experiment(name, &scn) < 0)
        return -1;
    double eps[2][REPEATS], ratio[REPEATS];
    sim_figures f[2] = {{0}};
    for (int r = 0; r < repeats; r++) {
        for (int k = 0; k < 2; k++) {
            if (run_model(&scn, ops[k], VL_FEL_DEFAULT, &f[k]) < 0) {
                vl_scenario_free(&scn);
                return -1;
            }
            eps[k][r] = f[k].events_per_sim_s * f[k].sim_s_per_cpu_s;
        }
        ratio[r] = eps[1][r] / eps[0][r]; /* CPU per event, policy over base */
    }
    vl_scenario_free(&scn);
    qsort(ratio, (size_t)repeats, sizeof ratio[0], cmp_double);
    printf("%s (%s; %d run%s each, alternating with %s): events per CPU s of the benchmark's "
           "thread (median), events per sim s;\n  %s %.0f (%.0f per sim s), %s %.0f (%.0f per "
           "sim s); %s's CPU per event over %s's:",
           name, what, repeats, repeats > 1 ? "s" : "", base, policy, median(eps[0], repeats),
           f[0].events_per_sim_s, base, median(eps[1], repeats), f[1].events_per_sim_s, policy,
           base);
    print_ratio(ratio, repeats);
    printf("\n");
    return 0;
}

/* -------------------------------------- event lists in full simulations */

/* The co-runs as shipped and the 1,024-pCPU host, each event list once per
 * round in rotating order: simulated seconds per CPU second, and the
 * per-round ratios of the last list to the others.  The digests must
 * agree. */
static int fel_sim_section(const char *policy, const bench_list *const *lists, int nk, int reps,
                           int quick)
{
    printf("event lists in full simulations: %d round%s, the lists in rotating order; simulated s "
           "per CPU s of the benchmark's thread (median); ratios: median of the per-round ratios "
           "(min-max);\npending: events in the list, mean over the switches of a run\n  %-12s %8s",
           reps, reps > 1 ? "s" : "", "run", "pending");
    print_list_heads(lists, nk);
    printf("\n");
    for (int w = 0; w < 3; w++) {
        vl_scenario scn;
        const char *name = w < 2 ? corun_names[w] : "1024 pCPUs";
        if (w < 2 && load_experiment(name, &scn) < 0)
            return -1;
        double speed[MAX_KINDS][MAX_REPS];
        uint64_t digest[MAX_KINDS];
        sim_figures f;
        for (int r = 0; r < reps; r++)
            for (int j = 0; j < nk; j++) {
                int k = (j + r) % nk;
                int rc = w < 2 ? run_model(&scn, NULL, lists[k]->kind, &f)
                               : run_sim(1024, policy, quick ? "200ms" : "1s", lists[k]->kind, &f);
                if (rc < 0)
                    return -1;
                speed[k][r] = f.sim_s_per_cpu_s;
                digest[k] = f.digest;
            }
        if (w < 2)
            vl_scenario_free(&scn);
        if (!lists_agree(lists, digest, nk, name))
            return -1;
        printf("  %-12s %8.0f", name, f.mean_pending);
        print_list_row(speed, nk, reps, 1, " ");
        printf("\n");
        fflush(stdout);
    }
    printf("\n");
    return 0;
}

/* 4:1 guest mix: per 12 pCPUs, six VMs of 4 vCPUs whose tasks take the
 * page allocator's zone lock, unmap memory (TLB shootdowns) and meet at a
 * barrier (reschedule IPIs), as scenarios/guest-mechanisms.yaml's `kern`,
 * beside six VMs of 4 CPU-bound vCPUs. */
static char *mix_yaml(int pcpus, const char *policy, const char *duration)
{
    size_t cap = 4096 + (size_t)pcpus * 400;
    char *y = malloc(cap);
    int n = host_header(y, cap, "mix", pcpus, policy, duration);
    for (int d = 0; d < pcpus / 2; d++)
        n += snprintf(y + n, cap - (size_t)n,
                      "  - {name: k%d, vcpus: 4, workloads: [\n"
                      "      {type: syscalls, tasks: 2, user: {dist: exponential, mean: 200us},"
                      " call: 4us, activity: page_alloc, lock: zone,"
                      " hold: {dist: exponential, mean: 1us}},\n"
                      "      {type: munmap, tasks: 2, work: {dist: exponential, mean: 500us},"
                      " call: 5us},\n"
                      "      {type: barrier, tasks: 2, work: {dist: exponential, mean: 1ms}}]}\n"
                      "  - {name: h%d, vcpus: 4, workloads: [{type: cpu, tasks: 4}]}\n",
                      d, d);
    return y;
}

static char *hogs_scale_yaml(int pcpus, const char *policy, const char *duration)
{
    return hogs_yaml(pcpus, 4 * pcpus, policy, duration);
}

/* A family of hosts for --scale: the scenario text for `pcpus` pCPUs, and
 * the simulated time at 12 pCPUs (shorter in proportion on larger hosts,
 * so that each run has about as many events). */
typedef struct scale_family {
    const char *key; /* --emit's name */
    const char *name;
    char *(*yaml)(int pcpus, const char *policy, const char *duration);
    double seconds_at_12;
} scale_family;

static const scale_family scale_families[] = {
    {"hogs", "CPU hogs, 4:1", hogs_scale_yaml, 120},
    {"mix", "guest mix (locks, shootdowns, IPIs), 4:1", mix_yaml, 4},
    {"interactive", "hogs + interactive (the 2:1 family above)", host_yaml, 40},
};
static const char *const scale_policies[] = {"credit", "cfs", "dcs"};

/* The scenario text of a --scale run of `pcpus` (quick: a tenth of the
 * simulated time): the family's time at 12 pCPUs x 12 / pcpus. */
static char *scale_yaml(const scale_family *fam, const char *policy, int pcpus, int quick)
{
    char dur[32];
    double secs = quick ? fam->seconds_at_12 / 10 : fam->seconds_at_12;
    snprintf(dur, sizeof dur, "%.0fms", secs * 1000 * 12 / pcpus);
    return fam->yaml(pcpus, policy, dur);
}

/* CPU time of the benchmark's thread per event, in ns, for one run. */
static int scale_run(const scale_family *fam, const char *policy, int pcpus, int quick,
                     double *ns_per_event)
{
    vl_scenario scn;
    if (load_yaml(scale_yaml(fam, policy, pcpus, quick), &scn) < 0)
        return -1;
    sim_figures f;
    int rc = run_model(&scn, NULL, VL_FEL_DEFAULT, &f);
    vl_scenario_free(&scn);
    if (rc == 0)
        *ns_per_event = 1e9 / (f.events_per_sim_s * f.sim_s_per_cpu_s);
    return rc;
}

/* Per-event cost at 1,024 pCPUs over that at 12, for each family and
 * policy: rounds alternate the two sizes, the ratio is taken per round. */
static int scale_section(int reps, int quick)
{
    enum { SMALL = 12, LARGE = 1024 };
    printf("scaling: CPU time per event at %d pCPUs over %d (ns per event: medians of %d "
           "rounds, each running both sizes; ratio per round, median and range)\n",
           LARGE, SMALL, reps);
    printf("  %-44s %-7s %9s %9s  %s\n", "family", "policy", "ns@12", "ns@1024", "1024 / 12");
    for (size_t k = 0; k < sizeof scale_families / sizeof scale_families[0]; k++) {
        const scale_family *fam = &scale_families[k];
        for (size_t p = 0; p < sizeof scale_policies / sizeof scale_policies[0]; p++) {
            double small[MAX_REPS], large[MAX_REPS], ratio[MAX_REPS];
            for (int r = 0; r < reps; r++) {
                if (scale_run(fam, scale_policies[p], SMALL, quick, &small[r]) < 0 ||
                    scale_run(fam, scale_policies[p], LARGE, quick, &large[r]) < 0)
                    return -1;
                ratio[r] = large[r] / small[r];
            }
            printf("  %-44s %-7s %9.0f %9.0f", fam->name, scale_policies[p],
                   median(small, reps), median(large, reps));
            print_ratio(ratio, reps);
            printf("\n");
            fflush(stdout);
        }
    }
    printf("\n");
    return 0;
}

/* --emit: writes the scenario of a --scale run to stdout (for vcpulab run,
 * a profiler). */
static int emit_family(const char *key, int pcpus, const char *policy, int quick)
{
    for (size_t k = 0; k < sizeof scale_families / sizeof scale_families[0]; k++) {
        const scale_family *fam = &scale_families[k];
        if (strcmp(fam->key, key) != 0)
            continue;
        char *yaml = scale_yaml(fam, policy, pcpus, quick);
        bool ok = fputs(yaml, stdout) >= 0 && fflush(stdout) == 0;
        free(yaml);
        if (!ok)
            fprintf(stderr, "bench: writing the scenario failed\n");
        return ok ? 0 : 1;
    }
    fprintf(stderr, "bench: unknown family '%s' (hogs, mix, interactive)\n", key);
    return 2;
}

static const char usage[] =
    "usage: bench [--policy NAME] [--quick] [--reps N] [--fel LIST] [--pending LIST]\n"
    "             [--dist LIST] [--uniform-start]\n"
    "             [--engine | --fel-sim | --scale | --memory | --corun | --quest |\n"
    "              --tavs | --pcpus N | --hold N | --emit FAMILY]\n"
    "  --policy NAME   the policy of --pcpus, --fel-sim's 1,024-pCPU host, --emit\n"
    "                  (default credit)\n"
    "  --quick         fewer rounds and shorter runs\n"
    "  --reps N        rounds (default 5; --scale 3)\n"
    "  --pcpus N       one run of the 2:1 family at N pCPUs (5 s; 1 s with --quick),\n"
    "                  for profiling; with --emit, the host size (default 12)\n"
    "  --emit FAMILY   write the scenario of a --scale run (hogs, mix, interactive) at\n"
    "                  --pcpus pCPUs under --policy to stdout\n"
    "  --fel LIST      event lists, comma-separated; ratios are of the last to each other:\n"
    "                  the engine's radix, heap, heap4, and for the hold model the plain\n"
    "                  heaps plain, plain4 (no removal: they cannot run the model);\n"
    "                  default plain,plain4,radix (hold model), heap,heap4,radix (--fel-sim)\n"
    "  --pending LIST  engine sizes (default 100,1000,10000,100000,1000000)\n"
    "  --dist LIST     engine increments: exp, bimodal, mix (default all)\n"
    "  --uniform-start engine runs start with times uniform over 10 ms, far from the\n"
    "                  steady state (the default start is near it)\n"
    "  --hold N        one hold run of N pending events, the last list of --fel and the first\n"
    "                  distribution of --dist; prints the peak RSS\n";

/* Parses "a,b,c" of non-negative integers into v; returns the count or -1. */
static int parse_ints(const char *list, int *v, int max)
{
    int n = 0;
    for (const char *p = list; *p;) {
        char *end;
        long x = strtol(p, &end, 10);
        if (end == p || x < 1 || x > 100000000 || n == max)
            return -1;
        v[n++] = (int)x;
        p = *end == ',' ? end + 1 : end;
        if (*end && *end != ',')
            return -1;
    }
    return n;
}

/* Parses "exp,mix" into flags; returns the first or -1. */
static int parse_dists(const char *list, bool *on)
{
    int first = -1;
    char buf[256];
    snprintf(buf, sizeof buf, "%s", list);
    memset(on, 0, NDISTS * sizeof *on);
    for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) {
        int d = 0;
        while (d < NDISTS && strcmp(dist_names[d], tok) != 0)
            d++;
        if (d == NDISTS)
            return -1;
        on[d] = true;
        first = first < 0 ? d : first;
    }
    return first;
}

int main(int argc, char **argv)
{
    const char *policy = vl_policy_find("credit") ? "credit" : "fifo";
    const char *fel_list = NULL, *pending = "100,1000,10000,100000,1000000";
    const char *dists = "exp,bimodal,mix", *emit = NULL;
    int quick = 0, only = 0, reps = 0, hold_n = 0;
    enum { ALL, ENGINE, FEL_SIM, SCALE, MEMORY, CORUN, QUEST, TAVS } section = ALL;
    engine_plan plan = {0};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--policy") == 0 && v)
            policy = argv[++i];
        else if (strcmp(a, "--pcpus") == 0 && v)
            only = atoi(argv[++i]);
        else if (strcmp(a, "--reps") == 0 && v)
            reps = atoi(argv[++i]);
        else if (strcmp(a, "--fel") == 0 && v)
            fel_list = argv[++i];
        else if (strcmp(a, "--pending") == 0 && v)
            pending = argv[++i];
        else if (strcmp(a, "--dist") == 0 && v)
            dists = argv[++i];
        else if (strcmp(a, "--hold") == 0 && v)
            hold_n = atoi(argv[++i]);
        else if (strcmp(a, "--emit") == 0 && v)
            emit = argv[++i];
        else if (strcmp(a, "--quick") == 0)
            quick = 1;
        else if (strcmp(a, "--uniform-start") == 0)
            plan.uniform = true;
        else if (strcmp(a, "--engine") == 0)
            section = ENGINE;
        else if (strcmp(a, "--fel-sim") == 0)
            section = FEL_SIM;
        else if (strcmp(a, "--scale") == 0)
            section = SCALE;
        else if (strcmp(a, "--memory") == 0)
            section = MEMORY;
        else if (strcmp(a, "--corun") == 0)
            section = CORUN;
        else if (strcmp(a, "--quest") == 0)
            section = QUEST;
        else if (strcmp(a, "--tavs") == 0)
            section = TAVS;
        else {
            fputs(usage, strcmp(a, "--help") == 0 ? stdout : stderr);
            return strcmp(a, "--help") == 0 ? 0 : 2;
        }
    }
    /* the hold model's lists, and the engine's for the simulations */
    const bench_list *lists[MAX_KINDS], *sim_lists[MAX_KINDS];
    plan.reps = reps > 0 ? reps : quick ? 3 : 5;
    plan.steps = quick ? 200000 : 2000000;
    int nk = parse_lists(fel_list ? fel_list : "plain,plain4,radix", lists);
    int nsk = parse_lists(fel_list ? fel_list : "heap,heap4,radix", sim_lists);
    int first_dist = parse_dists(dists, plan.dist);
    plan.nsizes = parse_ints(pending, plan.sizes, 8);
    if (nk < 0 || nsk < 0 || plan.reps > MAX_REPS || first_dist < 0 || plan.nsizes < 0) {
        fputs(usage, stderr);
        return 2;
    }
    bool sim_plain = false;
    for (int k = 0; k < nsk; k++)
        sim_plain |= sim_lists[k]->plain_la != 0;
    if (sim_plain && hold_n <= 0 && (section == ALL || section == FEL_SIM || only > 0)) {
        fprintf(stderr, "bench: the plain heaps cannot run the model (they cannot remove events)\n");
        return 2;
    }
    if (!vl_policy_find(policy)) {
        fprintf(stderr, "bench: unknown policy '%s'\n", policy);
        return 2;
    }
    if (emit)
        return emit_family(emit, only > 0 ? only : 12, policy, quick);
    if (hold_n > 0) { /* one hold run (for /usr/bin/time) */
        fill_increments();
        hold_figures f = hold_run(lists[nk - 1], first_dist, hold_n, plan.steps, plan.uniform);
        struct rusage ru;
        getrusage(RUSAGE_SELF, &ru);
        printf("%s, %d pending, %s: %.2f M holds/s, %.1f list bytes per pending event, "
               "peak RSS %.1f MB (events of %zu bytes and the increment tables included)\n",
               lists[nk - 1]->name, hold_n, dist_names[first_dist], f.events_per_s / 1e6,
               (double)f.list_bytes / hold_n, (double)ru.ru_maxrss / 1024, sizeof(vl_event));
        return 0;
    }
    if (only > 0) { /* one simulation only (for profiling) */
        sim_figures f;
        if (run_sim(only, policy, quick ? "1s" : "5s", sim_lists[nsk - 1]->kind, &f) < 0)
            return 1;
        printf("%d pCPUs: %.0f events/s, %.2f sim s / wall s, %.0f events / sim s, digest "
               "%016llx\n",
               only, f.events_per_s, f.sim_s_per_s, f.events_per_sim_s,
               (unsigned long long)f.digest);
        return 0;
    }
    if ((section == ALL || section == ENGINE) && engine_section(lists, nk, &plan) < 0)
        return 1;
    if ((section == ALL || section == SCALE) && scale_section(reps > 0 ? reps : quick ? 1 : 3, quick) < 0)
        return 1;
    if ((section == ALL || section == FEL_SIM) &&
        fel_sim_section(policy, sim_lists, nsk, plan.reps, quick) < 0)
        return 1;
    if ((section == ALL || section == MEMORY) && memory_section(policy, quick) < 0)
        return 1;
    if ((section == ALL || section == CORUN) && corun_section(quick) < 0)
        return 1;
    if ((section == ALL || section == QUEST) &&
        pair_section("quest-overhead", "24 VCPUs, 1 ms budgets, 4 pCPUs", "quest", "credit",
                     quick) < 0)
        return 1;
    if ((section == ALL || section == TAVS) &&
        pair_section("tavs-block", "TAVS (b): CR3 exits and the task table", "tavs", "credit",
                     quick) < 0)
        return 1;
    return 0;
}
