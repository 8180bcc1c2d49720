/* guest/guest.c - the guest kernel model: per-vCPU task runqueues, planned
 * execution segments, HLT when idle, timer wake-ups (see guest.h). */
#include "guest/guest.h"

#include <stdio.h>
#include <stdlib.h>

#include "hv/guest_port.h"

/* User-space text of task i: a typical x86-64 PIE load address. */
#define GUEST_USER_TEXT 0x0000555555554000ULL

static void run_plan(vl_guest *g, int vi, vl_ns now);

/* Charges the executing segment up to `now` to the current task. */
static void settle(vl_gvcpu *gv, vl_ns now)
{
    vl_task *t = gv->curr;
    if (!t || !gv->in_guest)
        return;
    vl_ns ran = now - gv->seg_start;
    if (t->remaining != VL_NS_MAX)
        t->remaining -= ran;
    t->stats->work_ns += ran;
    gv->quantum_left -= ran;
    gv->seg_start = now;
}

static void start_burst(vl_task *t, vl_ns now)
{
    vl_ns burst = 0, sleep = 0;
    t->plan(t, &burst, &sleep);
    t->remaining = burst > 0 ? burst : 0;
    if (sleep > 0) {
        t->state = VL_TASK_SLEEPING;
        vl_sim_schedule(t->g->sim, &t->timer, now + sleep);
    } else {
        t->state = VL_TASK_RUNNABLE;
        t->woke_at = now;
        t->started = false;
    }
}

static void on_task_timer(void *ctx, vl_event *ev)
{
    (void)ev;
    vl_task *t = ctx;
    vl_guest *g = t->g;
    t->state = VL_TASK_WOKEN;
    t->woke_at = g->sim->now;
    t->started = false;
    vl_list_push_back(&g->vcpus[t->vcpu].expired, &t->link);
    vl_hv_raise_irq(g->hv, g->vm, t->vcpu, VL_VEC_LOCAL_TIMER);
}

static void on_segment_end(void *ctx, vl_event *ev)
{
    vl_task *t;
    vl_guest *g = ctx;
    int vi = (int)(ev->tag & 0xffff);
    vl_gvcpu *gv = &g->vcpus[vi];
    vl_ns now = g->sim->now;
    settle(gv, now);
    t = gv->curr;
    if (t && t->remaining <= 0) {
        t->stats->bursts++;
        vl_hist_record(&t->stats->response, now - t->woke_at);
        start_burst(t, now);
        if (t->state == VL_TASK_SLEEPING)
            gv->curr = NULL;
        else
            t->started = true; /* back-to-back burst: it keeps the CPU */
    }
    if (gv->curr && gv->quantum_left <= 0 && !vl_list_empty(&gv->runq)) {
        vl_list_push_back(&gv->runq, &gv->curr->link);
        gv->curr = NULL;
    }
    run_plan(g, vi, now);
}

/* Picks what the vCPU executes and plans the segment up to the next point
 * that needs an event; halts the vCPU when nothing is runnable. */
static void run_plan(vl_guest *g, int vi, vl_ns now)
{
    vl_gvcpu *gv = &g->vcpus[vi];
    for (;;) {
        if (!gv->curr) {
            vl_list *head = vl_list_first(&gv->runq);
            if (head) {
                vl_list_del(head);
                gv->curr = vl_container_of(head, vl_task, link);
                gv->quantum_left = g->quantum;
            }
        }
        if (gv->curr)
            break;
        vl_sim_cancel(g->sim, &gv->seg_ev);
        gv->in_guest = false;
        if (vl_hv_halt(g->hv, g->vm, vi))
            return;
        gv->in_guest = true; /* an interrupt was pending: look again */
        gv->seg_start = now;
    }
    vl_task *t = gv->curr;
    if (!t->started) {
        t->started = true;
        vl_hist_record(&t->stats->wake_latency, now - t->woke_at);
    }
    vl_ns len = t->remaining;
    if (!vl_list_empty(&gv->runq)) {
        vl_ns q = gv->quantum_left > 0 ? gv->quantum_left : 0;
        if (q < len)
            len = q;
    }
    if (len == VL_NS_MAX)
        vl_sim_cancel(g->sim, &gv->seg_ev); /* a lone hog: no event at all */
    else
        vl_sim_schedule(g->sim, &gv->seg_ev, now + len);
}

/* ------------------------------------------------------------ guest port */

static void port_enter(void *guest, int vi, vl_ns now)
{
    vl_guest *g = guest;
    vl_gvcpu *gv = &g->vcpus[vi];
    gv->in_guest = true;
    gv->seg_start = now;
    run_plan(g, vi, now);
}

static void port_leave(void *guest, int vi, vl_ns now)
{
    vl_guest *g = guest;
    vl_gvcpu *gv = &g->vcpus[vi];
    settle(gv, now);
    vl_sim_cancel(g->sim, &gv->seg_ev);
    gv->in_guest = false;
}

static void port_interrupt(void *guest, int vi, int vector, vl_ns now)
{
    vl_guest *g = guest;
    vl_gvcpu *gv = &g->vcpus[vi];
    if (vector != VL_VEC_LOCAL_TIMER)
        return;
    vl_list *pos, *tmp;
    vl_list_for_each_safe(pos, tmp, &gv->expired) {
        vl_task *t = vl_container_of(pos, vl_task, link);
        vl_list_del(pos);
        t->state = VL_TASK_RUNNABLE;
        vl_list_push_back(&gv->runq, pos);
    }
    if (!gv->in_guest)
        return; /* delivered inside run_plan's HLT: the loop looks again */
    settle(gv, now);
    run_plan(g, vi, now);
}

static uint64_t port_rip(void *guest, int vi, bool *kernel)
{
    vl_guest *g = guest;
    vl_task *t = g->vcpus[vi].curr;
    *kernel = false;
    return t ? GUEST_USER_TEXT + ((uint64_t)t->id << 12) : 0;
}

static const vl_guest_port guest_port = {
    .enter = port_enter,
    .leave = port_leave,
    .interrupt = port_interrupt,
    .rip = port_rip,
};

/* ------------------------------------------------------------ lifecycle */

vl_guest *vl_guest_create(struct vl_hv *hv, int vm, const char *name, int nvcpus,
                          uint64_t seed)
{
    vl_guest *g = calloc(1, sizeof *g);
    if (!g)
        return NULL;
    g->vcpus = calloc((size_t)nvcpus, sizeof *g->vcpus);
    if (!g->vcpus) {
        free(g);
        return NULL;
    }
    g->hv = hv;
    g->sim = vl_hv_sim(hv);
    g->vm = vm;
    g->nvcpus = nvcpus;
    g->quantum = VL_S(1) / VL_GUEST_DEFAULT_HZ;
    g->seed = seed;
    snprintf(g->name, sizeof g->name, "%s", name);
    for (int i = 0; i < nvcpus; i++) {
        vl_gvcpu *gv = &g->vcpus[i];
        vl_list_init(&gv->runq);
        vl_list_init(&gv->expired);
        vl_event_init(&gv->seg_ev, on_segment_end, g, VL_EVC_GUEST,
                      0x10000000u | ((uint32_t)vm << 16) | (uint32_t)i);
    }
    vl_hv_attach_guest(hv, vm, &guest_port, g);
    return g;
}

vl_task *vl_guest_task_create(vl_guest *g, const char *stream, vl_task_plan_fn plan,
                              void *ctx, vl_wstats *stats)
{
    if (g->ntasks == g->cap_tasks) {
        int cap = g->cap_tasks ? 2 * g->cap_tasks : 8;
        vl_task **tasks = realloc(g->tasks, (size_t)cap * sizeof *tasks);
        if (!tasks)
            return NULL;
        g->tasks = tasks;
        g->cap_tasks = cap;
    }
    vl_task *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    char full[160];
    snprintf(full, sizeof full, "%s/%s", g->name, stream);
    t->id = g->ntasks;
    t->vcpu = g->ntasks % g->nvcpus;
    t->g = g;
    t->plan = plan;
    t->ctx = ctx;
    t->stats = stats;
    vl_rng_init(&t->rng, g->seed, full);
    vl_list_init(&t->link);
    vl_event_init(&t->timer, on_task_timer, t, VL_EVC_DEVICE,
                  0x20000000u | ((uint32_t)g->vm << 16) | (uint32_t)t->id);
    g->tasks[g->ntasks++] = t;
    start_burst(t, g->sim->now);
    if (t->state == VL_TASK_RUNNABLE)
        vl_list_push_back(&g->vcpus[t->vcpu].runq, &t->link);
    return t;
}

void vl_guest_settle(vl_guest *g, vl_ns now)
{
    for (int i = 0; i < g->nvcpus; i++)
        settle(&g->vcpus[i], now);
}

void vl_guest_destroy(vl_guest *g)
{
    if (!g)
        return;
    for (int i = 0; i < g->ntasks; i++) {
        free(g->tasks[i]->ctx);
        free(g->tasks[i]);
    }
    free(g->tasks);
    free(g->vcpus);
    free(g);
}
