/* sched/fifo.c - round-robin per pCPU: the readable template for a policy.
 *
 * Design
 *   Each pCPU has a FIFO runqueue.  A waking vCPU goes to the pCPU it last
 *   ran on if that is in its affinity, else to the first affine pCPU with
 *   the shortest queue; an idle pCPU is tickled.  do_schedule puts a still-
 *   runnable prev at the tail and runs the head for `slice`.  An idle pCPU
 *   steals from the longest other queue the first vCPU it may run (simple
 *   load balancing), and
 *   a wake-up onto a busy pCPU tickles an idle one so that it steals.
 *   Weights and caps are ignored: this policy exists to be read and copied.
 *   The runqueues, the placement and the stealing are rr_queue.c's, which
 *   `relaxed` schedules with too; the decisions are the hooks below.  A copy
 *   with other queues replaces the rrq_* calls.
 *
 * Invariants
 *   - a vCPU is on at most one runqueue (rrq_queued);
 *   - a RUNNING vCPU is never queued;
 *   - the queue length of a pCPU equals the number of queued vCPUs on it.
 *
 * TODO
 *   - nothing: new ideas belong in a copy of this file.
 */
#include "vcpulab/sched.h"
#include "rr_queue.h"

#define FIFO_DEFAULT_SLICE_MS 10 /* the Linux/Xen order of magnitude */

/* The four private structs (instance, pCPU, VM, vCPU); rr_queue.h's come
 * first. */
typedef struct fifo_priv {
    rrq_sched rq; /* the idle and queued masks */
    vl_ns slice;  /* parameter */
} fifo_priv;

typedef struct fifo_pcpu {
    rrq_pcpu rq; /* the runqueue */
} fifo_pcpu;

typedef struct fifo_vm {
    int unused;
} fifo_vm;

typedef struct fifo_vcpu {
    rrq_vcpu rq; /* the link in a runqueue */
} fifo_vcpu;

RRQ_FIRST(fifo_priv, fifo_pcpu, fifo_vcpu);

static const vl_param fifo_params[] = {
    {"slice", VL_PARAM_TIME, offsetof(fifo_priv, slice), VL_MS(FIFO_DEFAULT_SLICE_MS),
     VL_US(100), VL_S(1), "ns", "time slice of each turn (template default)", NULL},
    VL_PARAM_END,
};

static int fifo_init(vl_sched *s)
{
    rrq_init(s);
    return 0;
}

static vl_pcpu *fifo_pick_cpu(vl_sched *s, vl_vcpu *v, vl_pick_reason why)
{
    (void)why;
    return rrq_pick_cpu(s, v); /* the last pCPU, else the least loaded */
}

static void fifo_vcpu_wake(vl_sched *s, vl_vcpu *v, vl_wake_reason why, int vector)
{
    (void)why;
    (void)vector;
    rrq_push_and_tickle(s, vl_vcpu_pcpu(v), v);
}

static vl_decision fifo_do_schedule(vl_sched *s, vl_pcpu *p, vl_vcpu *prev, vl_ns now)
{
    (void)now;
    fifo_priv *fp = vl_sched_priv(s);
    if (prev && vl_vcpu_runstate(prev) == VL_RUNNABLE)
        rrq_push(s, p, prev); /* its turn is over: to the tail */
    vl_vcpu *next = rrq_next(s, p); /* the head, else stolen */
    return (vl_decision){.next = next, .slice = next ? fp->slice : VL_SLICE_NONE};
}

static const vl_sched_ops fifo_ops = {
    .name = "fifo",
    .description = "Round-robin FIFO per pCPU with a fixed slice and stealing by idle "
                   "pCPUs; ignores weights and caps. The template for new policies.",
    .params = fifo_params,
    .priv_size = sizeof(fifo_priv),
    .pcpu_size = sizeof(fifo_pcpu),
    .vm_size = sizeof(fifo_vm),
    .vcpu_size = sizeof(fifo_vcpu),
    .init = fifo_init,
    .pick_cpu = fifo_pick_cpu,
    .do_schedule = fifo_do_schedule,
    .vcpu_wake = fifo_vcpu_wake,
};
VL_REGISTER_POLICY(fifo_ops);
