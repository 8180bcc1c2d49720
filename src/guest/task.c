/* guest/task.c - the task model (guest/task.h): task objects and their
 * reuse, the current op and taking it, sleeps and their timers. */
#include "guest/task.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guest/runqueue.h"
#include "hv/guest_port.h"
#include "vl_array.h"

/* Timer of a sleeping task fired: it waits on its vCPU's expired list for
 * the local timer interrupt's handler (vl_gsched_expire). */
static void task_timer(void *ctx, vl_event *ev)
{
    (void)ev;
    vl_task *t = ctx;
    vl_guest *g = t->g;
    t->state = VL_TASK_WOKEN;
    t->woke_at = g->sim->now;
    t->started = false;
    t->worked = false;
    vl_list_push_back(&g->vcpus[t->vcpu].expired, &t->link);
    vl_hv_raise_irq(g->hv, g->vm, t->vcpu, VL_VEC_LOCAL_TIMER);
}

/* (Re)initialises t to run prog on its own stream. */
static void task_init(vl_guest *g, vl_task *t, const char *stream, const vl_program *prog,
                      vl_wstats *stats)
{
    char full[160];
    snprintf(full, sizeof full, "%s/%s", g->name, stream);
    int id = t->id;
    vl_event timer = t->timer;
    vl_opq opq = t->opq; /* its ring's memory is kept */
    *t = (vl_task){.id = id, .timer = timer, .opq = opq, .vcpu = id % g->nvcpus, .g = g, .prog = prog,
                   .stats = stats, .weight = vl_rq_nice_weight(0), .woke_at = g->sim->now,
                   .release = -1};
    memset(t->priv, 0, g->task_priv_size);
    vl_opq_init(&t->opq, prog);
    vl_rng_init(&t->rng, g->seed, full);
    vl_list_init(&t->link);
}

vl_task *vl_task_new(vl_guest *g, const char *stream, const vl_program *prog, vl_wstats *stats)
{
    vl_list *free = vl_list_first(&g->free_tasks);
    if (free) {
        vl_list_del(free);
        vl_task *t = vl_container_of(free, vl_task, link);
        task_init(g, t, stream, prog, stats);
        return t;
    }
    if (vl_array_room(&g->tasks, &g->cap_tasks, g->ntasks, sizeof *g->tasks, 8) < 0)
        return NULL;
    vl_task *t = calloc(1, sizeof *t + g->task_priv_size);
    if (!t)
        return NULL;
    t->id = g->ntasks;
    vl_sim_event_init(g->sim, &t->timer, task_timer, t, VL_EVC_DEVICE, VL_TAG_TASK_TIMER);
    task_init(g, t, stream, prog, stats);
    g->tasks[g->ntasks++] = t;
    return t;
}

static int lock_instances(void *ctx, int cls)
{
    return ((vl_guest *)ctx)->classes[cls].ninstances;
}

vl_opi *vl_task_op(vl_guest *g, vl_task *t, int i)
{
    vl_opi *o = vl_opq_at(&t->opq, t->prog, &t->rng, i, lock_instances, g);
    if (o && o->lock_class >= 0 && o->lock_class == g->mm_class) /* the task's own mm */
        o->lock_instance = t->mm % g->classes[g->mm_class].ninstances;
    return o;
}

void vl_task_op_done(vl_task *t)
{
    vl_opq_pop(&t->opq);
    t->elapsed = 0;
}

vl_opi vl_task_take(vl_guest *g, vl_task *t)
{
    vl_opi o = *vl_task_op(g, t, 0);
    vl_task_op_done(t);
    return o;
}

bool vl_task_spinning(const vl_task *t)
{
    return t->waiting || t->acks_pending > 0;
}

/* When sleep instance o, starting at now, ends; a periodic sleep records
 * that release as t's last, and ends the job the previous one released:
 * a miss if it ends after its deadline, the next release. */
static vl_ns sleep_end(vl_task *t, const vl_opi *o, vl_ns now)
{
    vl_ns d = o->pre;
    if (!t->prog->ops[o->pc].periodic || d <= 0)
        return now + (d > 0 ? d : 1);
    vl_ns next = (t->release >= 0 ? t->release : t->woke_at) + d;
    if (t->release >= 0) {
        t->stats->deadline_jobs++;
        t->stats->deadline_misses += now > next;
    }
    if (next <= now) /* overran: releases not in the future are skipped */
        next += ((now - next) / d + 1) * d;
    t->release = next;
    return next;
}

void vl_task_sleep(vl_guest *g, vl_task *t, vl_ns now)
{
    vl_opi o = vl_task_take(g, t);
    t->state = VL_TASK_SLEEPING;
    vl_sim_schedule(g->sim, &t->timer, sleep_end(t, &o, now));
}
