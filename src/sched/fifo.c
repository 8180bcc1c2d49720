/* sched/fifo.c - round robin per pCPU: the template for a new policy.
 *
 * Design
 *   pick_cpu is the core's default placement (vl_pick_cpu_default): the
 *   vCPU's last pCPU if it idles, else the closest idle pCPU, else the
 *   last pCPU; at the start, idle pCPUs first, then the least loaded.
 *   vcpu_wake queues the vCPU at the tail of that pCPU's runqueue and
 *   tickles the pCPU if it idles.  do_schedule puts a still-runnable prev
 *   at the tail and runs the head for `slice`; a pCPU whose runqueue is
 *   empty steals the first vCPU it may run from the longest other one.
 *   Weights and caps are ignored: this policy exists to be read and
 *   copied.  The runqueues and the stealing are rr_queue.c's (`relaxed`
 *   schedules with them too).  A copy that orders vCPUs another way
 *   replaces the rrq_* calls and keeps the placement; the conformance
 *   suite (tests/policy/test_conformance.c) then tells whether the pCPUs
 *   stay busy.
 *
 * Invariants
 *   - a vCPU is on at most one runqueue (rrq_queued);
 *   - a RUNNING vCPU is never queued.
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
    rrq_sched rq; /* the queued mask */
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
    return vl_pick_cpu_default(s, v);
}

static void fifo_vcpu_wake(vl_sched *s, vl_vcpu *v, vl_wake_reason why, int vector)
{
    (void)why;
    (void)vector;
    vl_pcpu *p = vl_vcpu_pcpu(v);
    rrq_push(s, p, v);
    if (vl_pcpu_is_idle(p))
        vl_tickle(p);
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
    .description = "Round-robin FIFO per pCPU with a fixed slice, the core's default placement "
                   "and stealing by idle pCPUs; ignores weights and caps. The template for "
                   "new policies.",
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
