/* report/trace.c - Chrome Trace Event writer. Timestamps are microseconds
 * with nanosecond decimals ("ts": 1234.567). */
#include "report/trace.h"

#include <stdio.h>
#include <stdlib.h>

static void emit_sep(vl_trace *t)
{
    fputs(t->nevents++ ? ",\n" : "\n", t->f);
}

static void emit_run(vl_trace *t, int pcpu, vl_ns end)
{
    int id = t->curr[pcpu];
    if (id < 0)
        return;
    const vl_vcpu *v = &t->hv->vcpus[id];
    vl_ns start = t->since[pcpu];
    emit_sep(t);
    fprintf(t->f,
            "{\"name\":\"%s.v%d\",\"cat\":\"vcpu\",\"ph\":\"X\",\"pid\":0,\"tid\":%d,"
            "\"ts\":%lld.%03lld,\"dur\":%lld.%03lld,\"args\":{\"vm\":\"%s\",\"vcpu\":%d}}",
            v->vm->name, v->index, pcpu, (long long)(start / 1000), (long long)(start % 1000),
            (long long)((end - start) / 1000), (long long)((end - start) % 1000), v->vm->name,
            v->index);
}

static void on_switch(void *ctx, const vl_pcpu *p, const vl_vcpu *prev, const vl_vcpu *next,
                      vl_ns now)
{
    (void)prev;
    vl_trace *t = ctx;
    emit_run(t, p->id, now);
    t->curr[p->id] = next ? next->id : -1;
    t->since[p->id] = now;
}

int vl_trace_begin(vl_trace *t, FILE *f, const vl_hv *hv)
{
    t->f = f;
    t->hv = hv;
    t->npcpus = hv->npcpus;
    t->nevents = 0;
    t->since = calloc((size_t)hv->npcpus, sizeof *t->since);
    t->curr = malloc((size_t)hv->npcpus * sizeof *t->curr);
    if (!t->since || !t->curr)
        return -1;
    /* traceEvents first: a reader that streams the file (older trace
     * processors) must see it before any other key */
    fputs("{\"traceEvents\":[", f);
    emit_sep(t);
    fputs("{\"name\":\"process_name\",\"ph\":\"M\",\"pid\":0,\"args\":{\"name\":\"host\"}}", f);
    for (int p = 0; p < hv->npcpus; p++) {
        t->curr[p] = -1;
        emit_sep(t);
        fprintf(f,
                "{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":0,\"tid\":%d,"
                "\"args\":{\"name\":\"pCPU %d\"}}",
                p, p);
    }
    return 0;
}

static void emit_ts(FILE *f, const char *key, vl_ns t)
{
    fprintf(f, ",\"%s\":%lld.%03lld", key, (long long)(t / 1000), (long long)(t % 1000));
}

static void guest_interval(vl_trace *t, const vl_guest *g, int v, const char *name,
                           const char *cat, vl_ns start, vl_ns end)
{
    emit_sep(t);
    fprintf(t->f, "{\"name\":\"%s\",\"cat\":\"%s\",\"ph\":\"X\",\"pid\":%d,\"tid\":%d", name,
            cat, 1 + g->vm, v);
    emit_ts(t->f, "ts", start);
    emit_ts(t->f, "dur", end - start);
    fputs("}", t->f);
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

static void on_ipi(void *ctx, const vl_guest *g, int src, int dst, int vector, vl_ns at)
{
    vl_trace *t = ctx;
    emit_sep(t);
    fprintf(t->f,
            "{\"name\":\"IPI 0x%02x to v%d\",\"cat\":\"ipi\",\"ph\":\"i\",\"s\":\"t\","
            "\"pid\":%d,\"tid\":%d",
            vector, dst, 1 + g->vm, src);
    emit_ts(t->f, "ts", at);
    fputs("}", t->f);
}

void vl_trace_guests(vl_trace *t, vl_guest *const *guests, int n)
{
    for (int d = 0; d < n; d++) {
        vl_guest *g = guests[d];
        g->observer = (vl_guest_observer){.ctx = t, .hold = on_hold, .spin = on_spin, .ipi = on_ipi};
        emit_sep(t);
        fprintf(t->f,
                "{\"name\":\"process_name\",\"ph\":\"M\",\"pid\":%d,"
                "\"args\":{\"name\":\"%s (guest)\"}}",
                1 + d, g->name);
        for (int v = 0; v < g->nvcpus; v++) {
            emit_sep(t);
            fprintf(t->f,
                    "{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":%d,\"tid\":%d,"
                    "\"args\":{\"name\":\"vCPU %d\"}}",
                    1 + d, v, v);
        }
    }
}

vl_hv_observer vl_trace_observer(vl_trace *t)
{
    return (vl_hv_observer){.ctx = t, .on_switch = on_switch};
}

void vl_trace_end(vl_trace *t, vl_ns now)
{
    for (int p = 0; p < t->npcpus; p++)
        emit_run(t, p, now);
    fputs("\n],\"displayTimeUnit\":\"ns\"}\n", t->f);
    free(t->since);
    free(t->curr);
    t->since = NULL;
    t->curr = NULL;
}
