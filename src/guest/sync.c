/* guest/sync.c - futex-based barriers, waits and wakes: a task that must
 * wait blocks on the sync object's FIFO; a wake-up goes through the guest
 * scheduler (a remote one sends a reschedule IPI). */
#include "guest/sync.h"

#include "guest/exec.h"
#include "guest/gsched.h"

static void block_on(vl_sync *s, vl_task *t)
{
    t->state = VL_TASK_BLOCKED;
    vl_list_push_back(&s->waiters, &t->link);
}

/* Runs a sync op at now; returns true if the task blocked. */
bool vl_sync_op(vl_guest *g, int v, vl_task *t, vl_ns now)
{
    vl_opi *o = vl_exec_op_at(g, t, 0);
    vl_op_kind kind = (vl_op_kind)o->kind;
    vl_sync *s = &g->syncs[o->sync];
    vl_opq_pop(&t->opq);
    t->elapsed = 0;
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
