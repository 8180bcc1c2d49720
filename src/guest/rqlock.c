/* guest/rqlock.c - the guest's runqueue locks (guest/rqlock.h).
 *
 * Design
 *   The holds are kernel ops pushed in front of the task's next operation,
 *   so they plan, reserve, contend, spin and get preempted like any other
 *   lock hold.  A wake-up is remembered while the op that makes it runs
 *   (between the op_begin and op_end hooks) and becomes a hold
 *   of the target's lock when the op is done; the IPI's exit, which the
 *   waker was charged as handler time, moves into the hold.  A wake-up
 *   from interrupt context (a timer, a received packet, a block
 *   completion) is not remembered: it has no task to hold the lock in the
 *   model, and its exit stays handler time.  Nor is a waker that blocked
 *   or ended in the same op (its holds would run after it wakes again).
 *
 *   The tick and the balancer hold locks in the same way: the tick's
 *   hold of the vCPU's own lock goes in front of its current task's next
 *   operation (the timer interrupt runs on that task's stack), a balance's
 *   holds (the busiest vCPU's lock to detach, then its own to attach) in
 *   front of the task that runs next on the balancing vCPU: its current
 *   task at a periodic balance, the task it pulled when about to idle.
 *   Neither is inserted where it cannot go: into a kernel call under way
 *   (the interrupted call would resume inside the hold), or in front of a
 *   task that spins or was just handed a lock: that tick or balance holds
 *   nothing.
 *
 * Costs (docs/guest-model.md, "Runqueue locks")
 *   RQLOCK_TTWU_NS   ttwu_do_activate + check_preempt_curr under the lock;
 *                    also one task's detach (deactivate_task +
 *                    set_task_cpu) or attach (activate_task +
 *                    check_preempt_curr) in load balancing, and the tick's
 *                    update_curr + check_preempt_tick (scheduler_tick);
 *   RQLOCK_SWITCH_NS __schedule from rq_lock to finish_task_switch.
 *   A pipe ping-pong between two processes on one CPU of this machine
 *   measured 1.9-2.4 us per wake-up + switch beyond the pipe calls themselves
 *   (docs/guest-model.md); the split into 0.5 us + 1 us under the lock is
 *   a choice, the rest being the code around the locked parts; the tick's
 *   and a migration's locked parts are of the activation's kind and size
 *   (one scheduling entity's accounting and queueing), not measured. */
#include "guest/kernel.h"
#include "guest/rqlock.h"

#include "guest/module.h"
#include "guest/task.h"
#include "hv/guest_port.h"

#define RQLOCK_TTWU_NS 500
#define RQLOCK_SWITCH_NS 1000
#define RQLOCK_PENDING 16 /* remote wake-ups of one op held as holds */

typedef struct rqlock_state {
    bool enabled;           /* guest.runqueue_lock                        */
    int cls;                /* lock class "runqueue" (one per vCPU)       */
    int act_wakeup, act_schedule, act_tick, act_balance; /* the holds'    */
} rqlock_state;

/* The remote wake-ups of the op one vCPU runs. */
typedef struct rqlock_cpu {
    bool open;              /* an op that wakes runs: remember them       */
    int n;
    struct {
        int target;         /* the wakee's vCPU: whose lock               */
        vl_ns exit;         /* the IPI's exit, held under the lock        */
    } ttwu[RQLOCK_PENDING];
} rqlock_cpu;

static rqlock_state *rq_of(const vl_guest *g)
{
    return g->priv[VL_GMOD_rqlock];
}

static rqlock_cpu *cpu_of(const vl_guest *g, int v)
{
    return vl_gmod_vcpu(g, VL_GMOD_rqlock, sizeof(rqlock_cpu), v);
}

static void rqlock_op_begin(vl_guest *g, int v)
{
    cpu_of(g, v)->n = 0;
    cpu_of(g, v)->open = rq_of(g)->enabled;
}

static void rqlock_woke(vl_guest *g, int from, int to, bool wakelist, bool kicked)
{
    rqlock_cpu *c = cpu_of(g, from);
    if (!c->open || from == to || wakelist)
        return; /* the wake list takes no remote runqueue lock */
    if (c->n == RQLOCK_PENDING)
        return; /* beyond the bound: this wake-up's exit stays handler time */
    c->ttwu[c->n].target = to;
    c->ttwu[c->n].exit = kicked ? vl_hv_ipi_exit_cost(g->hv) : 0;
    c->n++;
}

vl_ns vl_rqlock_pending_exits(const vl_guest *g, int v)
{
    const rqlock_cpu *c = cpu_of(g, v);
    vl_ns sum = 0;
    for (int i = 0; i < c->n; i++)
        sum += c->ttwu[i].exit;
    return sum;
}

/* A kernel op of `activity` holding runqueue lock `rq` for `hold`. */
static void push_hold(vl_guest *g, vl_task *t, int activity, int rq, vl_ns hold)
{
    vl_opi o = {.kind = VL_OP_KERNEL, .activity = (int16_t)activity,
                .lock_class = (int16_t)rq_of(g)->cls, .lock_instance = rq, .sync = -1,
                .hold = hold};
    vl_opq_push_front(&t->opq, &o);
}

void vl_rqlock_ops_end(vl_guest *g, int v, vl_task *t)
{
    rqlock_cpu *c = cpu_of(g, v);
    int n = c->n;
    c->n = 0;
    c->open = false;
    if (!t || t->elapsed > 0)
        return;
    for (int i = n - 1; i >= 0; i--) { /* pushed last first: run in order */
        push_hold(g, t, rq_of(g)->act_wakeup, c->ttwu[i].target, RQLOCK_TTWU_NS + c->ttwu[i].exit);
        vl_guest_charge(g, v, -c->ttwu[i].exit);
    }
}

/* t is at an op boundary where a hold can go in front: true if it was
 * there, or got there by splitting off what ran of a computation (t was
 * interrupted or switched out in user mode).  False inside a kernel call,
 * while t spins, and when a hand-off just gave t its op's lock. */
static bool at_boundary(vl_guest *g, vl_task *t)
{
    if (vl_task_spinning(t) || t->lock_counted)
        return false;
    if (t->elapsed == 0)
        return true;
    vl_opi *o = vl_task_op(g, t, 0);
    if (!o || o->kind != VL_OP_COMPUTE)
        return false;
    o->pre -= t->elapsed;
    t->elapsed = 0;
    return true;
}

static void rqlock_switch_in(vl_guest *g, int v, vl_task *t)
{
    if (rq_of(g)->enabled && at_boundary(g, t))
        push_hold(g, t, rq_of(g)->act_schedule, v, RQLOCK_SWITCH_NS);
}

/* scheduler_tick: rq_lock(rq) around update_rq_clock and task_tick. */
static void rqlock_tick(vl_guest *g, int v, vl_task *t)
{
    if (t && rq_of(g)->enabled && at_boundary(g, t))
        push_hold(g, t, rq_of(g)->act_tick, v, RQLOCK_TTWU_NS);
}

void vl_rqlock_balanced(vl_guest *g, int v, vl_task *t, int busiest, int moved)
{
    const rqlock_state *rq = rq_of(g);
    if (!t || !rq->enabled || !at_boundary(g, t))
        return;
    if (moved > 0)
        push_hold(g, t, rq->act_balance, v, moved * RQLOCK_TTWU_NS); /* attach_tasks */
    push_hold(g, t, rq->act_balance, busiest, (moved > 0 ? moved : 1) * RQLOCK_TTWU_NS);
}

static int rqlock_init(vl_guest *g, const vl_guest_spec *spec)
{
    rqlock_state *rq = rq_of(g);
    rq->enabled = spec->runqueue_lock;
    rq->cls = vl_guest_lock_class(g, "runqueue");
    rq->act_wakeup = vl_guest_activity(g, "wakeup");
    rq->act_schedule = vl_guest_activity(g, "schedule");
    rq->act_tick = vl_guest_activity(g, "tick");
    rq->act_balance = vl_guest_activity(g, "balance");
    g->busy_tick_work = rq->enabled;
    return 0;
}

const vl_gmod vl_gmod_rqlock = {
    .name = "rqlock",
    .priv_size = sizeof(rqlock_state),
    .vcpu_size = sizeof(rqlock_cpu),
    .init = rqlock_init,
    .woke = rqlock_woke,
    .switch_in = rqlock_switch_in,
    .tick = rqlock_tick,
    .op_begin = rqlock_op_begin,
    .op_end = vl_rqlock_ops_end,
};
