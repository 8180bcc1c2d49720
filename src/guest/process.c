/* guest/process.c - fork's child, exit and wait4.
 *
 * A fork is the parent's kernel work in copy_process (a KERNEL op of the
 * workload's program, with its locks) followed by SPAWN: the child, in a
 * new address space (its own CR3 and page-table lock), starts with the
 * parent's virtual runtime and is placed like a wake-up from the parent's
 * vCPU (wake_up_new_task: an idle vCPU if there is one), whose runqueue
 * lock the parent takes and whose IPI is a reschedule IPI, whatever the
 * kernel does with other wake-ups (guest/gsched.h).  A
 * child exits when its program ends: the parent's count of children drops
 * and a parent blocked in wait4 (REAP) is woken once none is left.  Child
 * task objects are reused by later forks, so a long run does not grow. */
#include "guest/process.h"

#include <stdio.h>
#include <stdlib.h>

#include "guest/gsched.h"
#include "guest/module.h"
#include "guest/task.h"
#include "vl_oom.h"

/* A task as a process: its place in the process tree. */
typedef struct process_task {
    vl_task *parent;        /* the task that forked it, while it lives  */
    int children;           /* forked and not exited                    */
    bool reaping;           /* blocked in wait4 until children is 0     */
    uint64_t forks;         /* children forked so far (names streams)   */
    vl_ns born;             /* when it was forked (run-time children)   */
} process_task;

static process_task *proc(const vl_guest *g, const vl_task *t)
{
    return vl_gmod_task(g, VL_GMOD_process, t);
}

static bool spawn(vl_guest *g, int v, vl_task *parent, const vl_op *op, vl_ns now)
{
    char stream[64];
    snprintf(stream, sizeof stream, "task%d/child%llu", parent->id,
             (unsigned long long)proc(g, parent)->forks++);
    vl_task *c = vl_task_new(g, stream, op->child, parent->stats);
    if (!c)
        return false;
    c->mm = vl_process_of(g)->next_mm++;
    proc(g, c)->born = now;
    proc(g, c)->parent = parent;
    c->vcpu = v;
    c->nice = parent->nice;
    c->io_bound = parent->io_bound;
    c->weight = parent->weight;
    c->vruntime = parent->vruntime;
    proc(g, parent)->children++;
    vl_process_of(g)->forks++;
    vl_gsched_wake_new(g, v, c, now);
    return true;
}

/* SPAWN or REAP at the head of t's program on v. */
static vl_op_next process_op(vl_guest *g, int v, vl_task *t, vl_ns now)
{
    vl_opi o = vl_task_take(g, t);
    const vl_op *op = &t->prog->ops[o.pc];
    if (o.kind == VL_OP_SPAWN) {
        if (!spawn(g, v, t, op, now))
            vl_out_of_memory("a guest process (spawn)");
        return VL_NEXT_RUN;
    }
    if (proc(g, t)->children == 0) /* VL_OP_REAP */
        return VL_NEXT_RUN;
    proc(g, t)->reaping = true;
    t->state = VL_TASK_BLOCKED;
    return VL_NEXT_BLOCK;
}

/* t (which ran on v) exited: its parent learns of it; a forked task's
 * object is kept for reuse. */
static void process_exit(vl_guest *g, int v, vl_task *t, vl_ns now)
{
    process_task *pt = proc(g, t);
    for (int i = 0; pt->children > 0 && i < g->ntasks; i++) /* orphans: nobody waits */
        if (proc(g, g->tasks[i])->parent == t && g->tasks[i]->state != VL_TASK_EXITED)
            proc(g, g->tasks[i])->parent = NULL;
    vl_task *p = pt->parent;
    if (!p)
        return; /* a workload's own task: it stays, exited */
    vl_process_of(g)->exits++;
    vl_hist_record(&t->stats->completion, now - pt->born);
    pt->parent = NULL;
    vl_list_push_back(&g->free_tasks, &t->link);
    process_task *pp = proc(g, p);
    if (--pp->children == 0 && pp->reaping) {
        pp->reaping = false;
        vl_gsched_wake(g, v, p, now);
    }
}

static int process_init(vl_guest *g, const vl_guest_spec *spec)
{
    (void)spec;
    vl_process_of(g)->next_mm = VL_GUEST_CHILD_MM_BASE;
    return 0;
}

const vl_gmod vl_gmod_process = {
    .name = "process",
    .priv_size = sizeof(vl_gprocess),
    .task_size = sizeof(process_task),
    .init = process_init,
    .ops = {[VL_OP_SPAWN] = {process_op, true}, [VL_OP_REAP] = {process_op, true}},
    .task_exit = process_exit,
};
