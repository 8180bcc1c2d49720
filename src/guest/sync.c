/* guest/sync.c - futex-based barriers, waits and wakes: a task that must
 * wait blocks on the sync object's FIFO; a wake-up goes through the guest
 * scheduler (a remote one sends a reschedule IPI).
 *
 * Where the wake-up IPIs leave (guest.futex_wake): Linux >= 4.2 collects
 * the wakees under the hash-bucket lock and wakes them after unlocking
 * (wake_q: `queued`, the default); older kernels woke them while holding
 * it (`locked`).  Then the IPIs' exits fall inside the critical section:
 * the waker goes on holding a futex_hash lock for the time of the exits
 * (plus the unlock path), so a hypervisor that preempts the waker at the
 * exit - the wakee's vCPU preempting it on its pCPU - preempts a lock
 * holder, which is what DCS's reschedule-IPI sender delay prevents. */
#include "guest/sync.h"

#include <stdlib.h>

#include "guest/gsched.h"
#include "guest/kernel.h"
#include "guest/module.h"
#include "guest/rqlock.h"
#include "guest/task.h"
#include "vl_array.h"

typedef struct vl_sync {
    int parties;            /* BARRIER: tasks that must arrive          */
    int arrived;
    int tokens;             /* WAKE posted while nobody waited          */
    vl_list waiters;        /* blocked tasks, FIFO                       */
} vl_sync;

static void block_on(vl_sync *s, vl_task *t)
{
    t->state = VL_TASK_BLOCKED;
    vl_list_push_back(&s->waiters, &t->link);
}

static bool sync_run(vl_guest *g, int v, vl_task *t, const vl_opi *o, vl_ns now);

#define SYNC_UNLOCK_NS 200 /* the rest of futex_wake after its wake-ups, still locked */

typedef struct sync_state {
    bool locked_wakeups;    /* guest.futex_wake: locked                   */
    int bucket_class;       /* lock class "futex_hash"                    */
    int act_wake;           /* activity "futex_wake"                      */
    vl_sync *syncs;         /* the sync objects, by id                    */
    int nsyncs, cap_syncs;
} sync_state;

static sync_state *sync_of(const vl_guest *g)
{
    return g->priv[VL_GMOD_sync];
}

/* Old kernels: the IPI exits the wake-ups cost (`exits`, taken off the
 * waker's handler work) become the hold of a futex_hash lock the waker
 * still has when they happen. */
static void locked_wakes(vl_guest *g, int v, vl_task *t, const vl_opi *done, vl_ns exits)
{
    const sync_state *st = sync_of(g);
    int cls = st->bucket_class;
    vl_opi rest = {.kind = VL_OP_KERNEL, .pc = done->pc, .seq = done->seq,
                   .activity = (int16_t)st->act_wake, .lock_class = (int16_t)cls, .sync = -1,
                   .lock_instance = done->sync % g->classes[cls].ninstances,
                   .hold = exits + SYNC_UNLOCK_NS};
    vl_opq_push_front(&t->opq, &rest);
    vl_guest_charge(g, v, -exits);
}

/* Runs a sync op at now: the task goes on or blocks. */
static vl_op_next sync_op(vl_guest *g, int v, vl_task *t, vl_ns now)
{
    vl_opi done = vl_task_take(g, t);
    vl_ns irq_before = vl_guest_pending(g, v);
    bool blocked = sync_run(g, v, t, &done, now);
    vl_ns exits = vl_guest_pending(g, v) - irq_before;
    if (sync_of(g)->locked_wakeups && !blocked && exits > 0) /* the runqueue-lock holds keep theirs */
        locked_wakes(g, v, t, &done, exits - vl_rqlock_pending_exits(g, v));
    vl_rqlock_ops_end(g, v, blocked ? NULL : t); /* ahead of the bucket unlock */
    return blocked ? VL_NEXT_BLOCK : VL_NEXT_RUN;
}

/* The op itself: true if the task blocked. */
static bool sync_run(vl_guest *g, int v, vl_task *t, const vl_opi *o, vl_ns now)
{
    vl_op_kind kind = (vl_op_kind)o->kind;
    vl_sync *s = &sync_of(g)->syncs[o->sync];
    vl_list *w;
    switch (kind) {
    case VL_OP_BARRIER:
        if (++s->arrived < s->parties) {
            block_on(s, t);
            return true;
        }
        s->arrived = 0;
        while ((w = vl_list_first(&s->waiters))) {
            vl_list_del(w);
            vl_gsched_wake(g, v, vl_container_of(w, vl_task, link), now);
        }
        return false;
    case VL_OP_WAIT:
        if (s->tokens > 0) {
            s->tokens--;
            return false;
        }
        block_on(s, t);
        return true;
    default: /* VL_OP_WAKE */
        if ((w = vl_list_first(&s->waiters))) {
            vl_list_del(w);
            vl_gsched_wake(g, v, vl_container_of(w, vl_task, link), now);
        } else {
            s->tokens++;
        }
        return false;
    }
}

int vl_sync_new(vl_guest *g, int parties, int tokens)
{
    sync_state *st = sync_of(g);
    bool grows = st->nsyncs == st->cap_syncs;
    if (vl_array_room(&st->syncs, &st->cap_syncs, st->nsyncs, sizeof *st->syncs, 4) < 0)
        return -1;
    /* the list heads may have moved: sync objects are made while workloads
     * are built, before any task can wait, so every list is empty */
    for (int i = 0; grows && i < st->nsyncs; i++)
        vl_list_init(&st->syncs[i].waiters);
    vl_sync *s = &st->syncs[st->nsyncs];
    *s = (vl_sync){.parties = parties, .tokens = tokens};
    vl_list_init(&s->waiters);
    return st->nsyncs++;
}

static void sync_fini(vl_guest *g)
{
    free(sync_of(g)->syncs);
}

static int sync_init(vl_guest *g, const vl_guest_spec *spec)
{
    sync_state *st = sync_of(g);
    st->locked_wakeups = spec->futex_wake == 1;
    st->bucket_class = vl_guest_lock_class(g, "futex_hash");
    st->act_wake = vl_guest_activity(g, "futex_wake");
    return 0;
}

const vl_gmod vl_gmod_sync = {
    .name = "sync",
    .priv_size = sizeof(sync_state),
    .init = sync_init,
    .fini = sync_fini,
    .ops = {[VL_OP_BARRIER] = {sync_op, true},
            [VL_OP_WAIT] = {sync_op, true},
            [VL_OP_WAKE] = {sync_op, true}},
};
