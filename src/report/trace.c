/* report/trace.c - the run's trace writer (report/trace.h).  JSON
 * timestamps are microseconds with nanosecond decimals ("ts": 1234.567)
 * of simulated time (a window does not shift them).
 *
 * Tracks: pid 0 is the host, tid p its pCPU p; pid 1 + m is VM m, tid v
 * the runstates of its vCPU v and tid GUEST_TID + v what its guest did on
 * that vCPU.  Intervals are written when they close, clipped to the
 * window; an IPI's arrow (flow "s" at the send on the sender's runstate
 * track, "f" at the arrival on the receiver's, bound to the enclosing
 * slice) is written at the arrival, when both ends are known, and only if
 * both lie in the window. */
#include "report/trace.h"

#include <stdlib.h>

#include "hv/boost_truth.h"
#include "report/ftrace.h"
#include "report/series.h"
#include "vl_array.h"

#define GUEST_TID 10000
#define BOOST_TID 20000

static const char *const state_names[VL_NR_RUNSTATES] = {
    [VL_RUNNING] = "running",
    [VL_RUNNABLE] = "runnable",
    [VL_BLOCKED] = "blocked",
    [VL_OFFLINE] = "offline",
};

static bool in_window(const vl_trace *t, vl_ns at)
{
    return at >= t->from && at <= t->to;
}

static void emit_sep(vl_trace *t)
{
    fputs(t->nevents++ ? ",\n" : "\n", t->json);
}

static void emit_ts(FILE *f, const char *key, vl_ns t)
{
    fprintf(f, ",\"%s\":%lld.%03lld", key, (long long)(t / 1000), (long long)(t % 1000));
}

/* Opens a complete event on track (pid, tid) over [start, end) clipped to
 * the window, and returns true, leaving "}" to the caller (who may add
 * "args"); false, writing nothing, when nothing of it is in the window. */
static bool open_slice(vl_trace *t, int pid, int tid, const char *name, const char *cat,
                       vl_ns start, vl_ns end)
{
    if (start < t->from)
        start = t->from;
    if (end > t->to)
        end = t->to;
    if (!t->json || end <= start)
        return false;
    emit_sep(t);
    fprintf(t->json, "{\"name\":\"%s\",\"cat\":\"%s\",\"ph\":\"X\",\"pid\":%d,\"tid\":%d", name,
            cat, pid, tid);
    emit_ts(t->json, "ts", start);
    emit_ts(t->json, "dur", end - start);
    return true;
}

static void emit_meta(vl_trace *t, const char *what, int pid, int tid, const char *name)
{
    emit_sep(t);
    fprintf(t->json, "{\"name\":\"%s\",\"ph\":\"M\",\"pid\":%d", what, pid);
    if (tid >= 0)
        fprintf(t->json, ",\"tid\":%d", tid);
    fprintf(t->json, ",\"args\":{\"name\":\"%s\"}}", name);
}

static void emit_sort(vl_trace *t, int pid, int tid, int index)
{
    emit_sep(t);
    fprintf(t->json,
            "{\"name\":\"thread_sort_index\",\"ph\":\"M\",\"pid\":%d,\"tid\":%d,"
            "\"args\":{\"sort_index\":%d}}",
            pid, tid, index);
}

/* ----------------------------------------------------------- pCPU tracks */

static void emit_run(vl_trace *t, int pcpu, vl_ns end)
{
    int id = t->curr[pcpu];
    if (id < 0)
        return;
    const vl_vcpu *v = &t->hv->vcpus[id];
    char name[VL_NAME_MAX + 16];
    snprintf(name, sizeof name, "%s.v%d", v->vm->name, v->index);
    if (open_slice(t, 0, pcpu, name, "vcpu", t->since[pcpu], end))
        fprintf(t->json, ",\"args\":{\"vm\":\"%s\",\"vcpu\":%d}}", v->vm->name, v->index);
}

static void on_switch(void *ctx, const vl_pcpu *p, const vl_vcpu *prev, const vl_vcpu *next,
                      vl_ns now)
{
    vl_trace *t = ctx;
    emit_run(t, p->id, now);
    t->curr[p->id] = next ? next->id : -1;
    t->since[p->id] = now;
    if (t->ftrace && in_window(t, now))
        vl_ftrace_switch(t->ftrace, p, prev, next, now);
}

/* ------------------------------------------------------ runstate tracks */

static void emit_stint(vl_trace *t, const vl_vcpu *v, vl_runstate st, vl_ns start, vl_ns end)
{
    if (open_slice(t, 1 + v->vm->id, v->index, state_names[st], "runstate", start, end))
        fputs("}", t->json);
}

static void on_state(void *ctx, const vl_vcpu *v, vl_runstate old, vl_ns now)
{
    vl_trace *t = ctx;
    vl_trace_vcpu *tv = &t->vcpus[v->id];
    (void)old;
    if (now > tv->since) { /* the open stint lasted: the held one is final */
        if (tv->held_since < tv->since)
            emit_stint(t, v, tv->held_state, tv->held_since, tv->since);
        tv->held_state = tv->state;
        tv->held_since = tv->since;
        tv->since = now;
    } else if (tv->held_since < tv->since && v->state == tv->held_state) {
        tv->since = tv->held_since; /* back to the held state at once */
    }
    tv->state = v->state;
}

static void end_stints(vl_trace *t, const vl_vcpu *v, vl_ns now)
{
    const vl_trace_vcpu *tv = &t->vcpus[v->id];
    if (tv->held_since < tv->since)
        emit_stint(t, v, tv->held_state, tv->held_since, tv->since);
    emit_stint(t, v, tv->state, tv->since, now);
}

static void on_wake(void *ctx, const vl_vcpu *v, vl_ns now)
{
    vl_trace *t = ctx;
    if (t->ftrace && in_window(t, now)) {
        int curr = t->curr[v->processor->id];
        vl_ftrace_wakeup(t->ftrace, v, curr < 0 ? NULL : &t->hv->vcpus[curr], now);
    }
}

/* ----------------------------------------------------------- boost tracks */

/* A boost the policy noted on v over [start, end), scored (hv/boost_truth.h);
 * v's boost track is named at its first boost. */
static void emit_boost(vl_trace *t, const vl_vcpu *v, vl_ns start, bool hit, vl_ns end)
{
    vl_trace_vcpu *tv = &t->vcpus[v->id];
    if (!t->json)
        return;
    if (!tv->boost_named) {
        char name[32];
        snprintf(name, sizeof name, "vCPU %d boosts", v->index);
        emit_meta(t, "thread_name", 1 + v->vm->id, BOOST_TID + v->index, name);
        emit_sort(t, 1 + v->vm->id, BOOST_TID + v->index, 2 * v->vm->nvcpus + v->index);
        tv->boost_named = true;
    }
    if (open_slice(t, 1 + v->vm->id, BOOST_TID + v->index, hit ? "boost hit" : "boost miss",
                   "boost", start, end))
        fputs("}", t->json);
}

static void on_boost(void *ctx, const vl_vcpu *v, vl_ns start, bool hit, vl_ns now)
{
    emit_boost(ctx, v, start, hit, now);
}

/* ---------------------------------------------------------- series tracks */

/* The policy's series `name` of vm about cr3 is value from now on: a row
 * of the series CSV, and a sample of the counter track "<name> <task>
 * (cr3 0x...)" (for the VM as a whole: "<name>") in the VM's process. */
static void on_series(void *ctx, const vl_vm *vm, const char *name, uint64_t cr3, double value,
                      vl_ns now)
{
    vl_trace *t = ctx;
    if (!in_window(t, now) || (!t->json && !t->series))
        return;
    char task[VL_NAME_MAX];
    vl_series_subject(t->model, vm->id, cr3, task, sizeof task);
    if (t->series)
        vl_series_row(t->series, now, vm->name, name, cr3, task, value);
    if (!t->json)
        return;
    emit_sep(t);
    fprintf(t->json, "{\"name\":\"%s", name);
    if (cr3)
        fprintf(t->json, " %s (cr3 0x%llx)", task, (unsigned long long)cr3);
    fprintf(t->json, "\",\"cat\":\"series\",\"ph\":\"C\",\"pid\":%d", 1 + vm->id);
    emit_ts(t->json, "ts", now);
    fprintf(t->json, ",\"args\":{\"value\":%.10g}}", value);
}

/* ------------------------------------------------------------ IPI flows */

static void emit_flow_end(vl_trace *t, const char *ph, int pid, int tid, int vector, vl_ns at)
{
    emit_sep(t);
    fprintf(t->json,
            "{\"name\":\"IPI\",\"cat\":\"ipi\",\"ph\":\"%s\",\"id\":%ld,\"pid\":%d,\"tid\":%d",
            ph, t->flows, pid, tid);
    emit_ts(t->json, "ts", at);
    if (ph[0] == 'f')
        fputs(",\"bp\":\"e\"", t->json);
    fprintf(t->json, ",\"args\":{\"vector\":\"0x%02x\"}}", vector);
}

/* The guest's send: remembered on the receiver until it arrives. */
static void on_ipi_sent(void *ctx, const vl_guest *g, int src, int dst, int vector, vl_ns at)
{
    vl_trace *t = ctx;
    if (t->json && in_window(t, at)) {
        emit_sep(t);
        fprintf(t->json,
                "{\"name\":\"IPI 0x%02x to v%d\",\"cat\":\"ipi\",\"ph\":\"i\",\"s\":\"t\","
                "\"pid\":%d,\"tid\":%d",
                vector, dst, 1 + g->vm, GUEST_TID + src);
        emit_ts(t->json, "ts", at);
        fputs("}", t->json);
    }
    if (!t->json || !in_window(t, at))
        return;
    vl_trace_vcpu *tv = &t->vcpus[t->hv->vms[g->vm].vcpus[dst].id];
    if (vl_array_room(&tv->ipis, &tv->cap_ipis, tv->nipis, sizeof *tv->ipis, 4) < 0) {
        t->failed = true;
        return;
    }
    tv->ipis[tv->nipis++] = (vl_trace_ipi){.src = src, .vector = vector, .sent = at};
}

/* The vector reaches v: an arrow from every send of it still in flight
 * (the APIC coalesces a vector sent again before it arrived). */
static void on_ipi_arrival(void *ctx, const vl_vcpu *v, int vector, vl_ns now)
{
    vl_trace *t = ctx;
    vl_trace_vcpu *tv = &t->vcpus[v->id];
    int kept = 0;
    for (int i = 0; i < tv->nipis; i++) {
        const vl_trace_ipi *s = &tv->ipis[i];
        if (s->vector != vector) {
            tv->ipis[kept++] = *s;
            continue;
        }
        if (s->sent < t->from || now > t->to)
            continue;
        t->flows++;
        emit_flow_end(t, "s", 1 + v->vm->id, s->src, vector, s->sent);
        emit_flow_end(t, "f", 1 + v->vm->id, v->index, vector, now);
    }
    tv->nipis = kept;
}

/* ---------------------------------------------------------- guest tracks */

static void guest_interval(vl_trace *t, const vl_guest *g, int v, const char *name,
                           const char *cat, vl_ns start, vl_ns end)
{
    if (open_slice(t, 1 + g->vm, GUEST_TID + v, name, cat, start, end))
        fputs("}", t->json);
}

static void on_hold(void *ctx, const vl_guest *g, const vl_glock *L, int v, vl_ns start,
                    vl_ns end)
{
    char name[64];
    snprintf(name, sizeof name, "%s held", g->classes[L->cls].name);
    guest_interval(ctx, g, v, name, "lock", start, end);
}

static void on_spin(void *ctx, const vl_guest *g, const vl_glock *L, int v, vl_ns start,
                    vl_ns end)
{
    char name[64];
    if (L)
        snprintf(name, sizeof name, "spin on %s", g->classes[L->cls].name);
    else
        snprintf(name, sizeof name, "wait for TLB shootdown");
    guest_interval(ctx, g, v, name, "spin", start, end);
}

/* Observes the guests (their vCPU tracks and IPIs). */
static void observe_guests(vl_trace *t, vl_guest *const *guests, int n)
{
    for (int d = 0; d < n; d++) {
        vl_guest *g = guests[d];
        g->observer = (vl_guest_observer){
            .ctx = t, .hold = on_hold, .spin = on_spin, .ipi = on_ipi_sent};
        for (int v = 0; t->json && v < g->nvcpus; v++) {
            char name[32];
            snprintf(name, sizeof name, "vCPU %d guest", v);
            emit_meta(t, "thread_name", 1 + g->vm, GUEST_TID + v, name);
            emit_sort(t, 1 + g->vm, GUEST_TID + v, 2 * v + 1);
        }
    }
}

/* ------------------------------------------------------------ the writer */

/* The JSON's opening and its tracks' names. */
static void open_json(vl_trace *t)
{
    const vl_hv *hv = t->hv;
    /* traceEvents first: a reader that streams the file (older trace
     * processors) must see it before any other key */
    fputs("{\"traceEvents\":[", t->json);
    emit_meta(t, "process_name", 0, -1, "host");
    for (int p = 0; p < hv->npcpus; p++) {
        char name[32];
        snprintf(name, sizeof name, "pCPU %d", p);
        emit_meta(t, "thread_name", 0, p, name);
    }
    for (int d = 0; d < hv->nvms; d++) {
        const vl_vm *vm = &hv->vms[d];
        emit_meta(t, "process_name", 1 + d, -1, vm->name);
        for (int v = 0; v < vm->nvcpus; v++) {
            char name[32];
            snprintf(name, sizeof name, "vCPU %d", v);
            emit_meta(t, "thread_name", 1 + d, v, name);
            emit_sort(t, 1 + d, v, 2 * v);
        }
    }
}

int vl_trace_begin(vl_trace *t, FILE *json, FILE *ftrace, FILE *series, vl_ns from, vl_ns to,
                   const vl_model *m)
{
    const vl_hv *hv = &m->hv;
    *t = (vl_trace){.json = json, .ftrace = ftrace, .series = series, .model = m, .from = from,
                    .to = to, .hv = hv, .npcpus = hv->npcpus};
    t->since = calloc((size_t)hv->npcpus, sizeof *t->since);
    t->curr = malloc((size_t)hv->npcpus * sizeof *t->curr);
    t->vcpus = calloc((size_t)hv->nvcpus, sizeof *t->vcpus);
    if (!t->since || !t->curr || !t->vcpus) {
        vl_trace_end(t, 0);
        return -1;
    }
    for (int p = 0; p < hv->npcpus; p++)
        t->curr[p] = -1;
    for (int i = 0; i < hv->nvcpus; i++)
        t->vcpus[i] = (vl_trace_vcpu){.state = hv->vcpus[i].state,
                                      .since = hv->vcpus[i].state_entry,
                                      .held_since = hv->vcpus[i].state_entry};
    if (ftrace)
        vl_ftrace_header(ftrace);
    if (json)
        open_json(t);
    observe_guests(t, m->guests, m->scn->nvms);
    return 0;
}

vl_hv_observer vl_trace_observer(vl_trace *t)
{
    return (vl_hv_observer){.ctx = t,
                            .on_switch = on_switch,
                            .on_state = on_state,
                            .on_wake = on_wake,
                            .on_ipi = on_ipi_arrival,
                            .on_boost = on_boost,
                            .on_series = on_series};
}

int vl_trace_end(vl_trace *t, vl_ns now)
{
    if (t->curr && t->vcpus) {
        for (int p = 0; p < t->npcpus; p++)
            emit_run(t, p, now);
        for (int i = 0; i < t->hv->nvcpus; i++) {
            const vl_vcpu *v = &t->hv->vcpus[i];
            end_stints(t, v, now);
            if (v->boosted) /* still open: scored as it stands */
                emit_boost(t, v, v->boost_since, vl_boost_hit(v), now);
        }
        if (t->json)
            fputs("\n],\"displayTimeUnit\":\"ns\"}\n", t->json);
    }
    for (int i = 0; t->vcpus && i < t->hv->nvcpus; i++)
        free(t->vcpus[i].ipis);
    free(t->vcpus);
    free(t->since);
    free(t->curr);
    t->vcpus = NULL;
    t->since = NULL;
    t->curr = NULL;
    return t->failed ? -1 : 0;
}
