/* guest/process.c - fork's child, exit and wait4.
 *
 * A fork is the parent's kernel work in copy_process (a KERNEL op of the
 * workload's program, with its locks) followed by SPAWN: the child, in a
 * new address space (its own CR3 and page-table lock), starts with the
 * parent's virtual runtime and is placed like a wake-up from the parent's
 * vCPU (wake_up_new_task: an idle vCPU if there is one, with an IPI).  A
 * child exits when its program ends: the parent's count of children drops
 * and a parent blocked in wait4 (REAP) is woken once none is left.  Child
 * task objects are reused by later forks, so a long run does not grow. */
#include "guest/process.h"

#include <stdio.h>
#include <stdlib.h>

#include "guest/exec.h"
#include "guest/gsched.h"
#include "vl_oom.h"

static bool spawn(vl_guest *g, int v, vl_task *parent, const vl_op *op, vl_ns now)
{
    char stream[64];
    snprintf(stream, sizeof stream, "task%d/child%llu", parent->id,
             (unsigned long long)parent->forks++);
    vl_task *c = vl_guest_task_new(g, stream, op->child, parent->stats);
    if (!c)
        return false;
    c->mm = g->next_mm++;
    c->born = now;
    c->parent = parent;
    c->vcpu = v;
    c->nice = parent->nice;
    c->weight = parent->weight;
    c->vruntime = parent->vruntime;
    parent->children++;
    g->forks++;
    vl_gsched_wake(g, v, c, now);
    return true;
}

bool vl_process_op(vl_guest *g, int v, vl_task *t, vl_ns now)
{
    vl_opi *o = vl_exec_op_at(g, t, 0);
    const vl_op *op = &t->prog->ops[o->pc];
    vl_opq_pop(&t->opq);
    t->elapsed = 0;
    if (o->kind == VL_OP_SPAWN) {
        if (!spawn(g, v, t, op, now))
            vl_out_of_memory("a guest process (spawn)");
        return false;
    }
    if (t->children == 0) /* VL_OP_REAP */
        return false;
    t->reaping = true;
    t->state = VL_TASK_BLOCKED;
    return true;
}

void vl_process_exit(vl_guest *g, int v, vl_task *t, vl_ns now)
{
    for (int i = 0; t->children > 0 && i < g->ntasks; i++) /* orphans: nobody waits */
        if (g->tasks[i]->parent == t && g->tasks[i]->state != VL_TASK_EXITED)
            g->tasks[i]->parent = NULL;
    vl_task *p = t->parent;
    if (!p)
        return; /* a workload's own task: it stays, exited */
    g->exits++;
    vl_hist_record(&t->stats->completion, now - t->born);
    t->parent = NULL;
    vl_list_push_back(&g->free_tasks, &t->link);
    if (--p->children == 0 && p->reaping) {
        p->reaping = false;
        vl_gsched_wake(g, v, p, now);
    }
}
