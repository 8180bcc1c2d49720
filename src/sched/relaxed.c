/* sched/relaxed.c - VMware ESX-style relaxed co-scheduling: skew-driven
 * co-stop and co-start of the leading vCPUs of a VM.
 *
 * Design
 *   Base scheduling is fifo's, from the same code (rr_queue.c): a round-
 *   robin queue per pCPU with a fixed slice, wake-up on the last pCPU,
 *   stealing by idle pCPUs.  On top of it, every `period` (an instance
 *   timer) each VM's vCPUs are compared:
 *     progress  a vCPU advances by the time it ran; a vCPU that halted (or
 *               was offline) during the period is idle and counts as
 *               having kept up with its fastest sibling (VMware: idle vCPUs
 *               accumulate no skew and do not make others co-stop);
 *     lead      a vCPU's progress minus the slowest sibling's (the skew of
 *               the slowest behind it).
 *   A runnable vCPU whose lead exceeds `threshold` is co-stopped: parked
 *   (vl_vcpu_set_parked), taken off its runqueue or descheduled at once.
 *   A co-stopped vCPU is co-started (unparked, queued again) when its lead
 *   has fallen to half the threshold - the laggards ran while it was held,
 *   or halted - or when it halted itself.  Only the vCPUs that ran ahead
 *   stop; the laggards keep running (ESX 3.x+ "relaxed" co-scheduling, as
 *   opposed to ESX 2.x stopping the whole VM).  A lead can exceed the
 *   threshold by at most one period before the check catches it.
 *   The host VM's vCPUs (I/O backends) are never co-stopped.
 *   Weights and caps are ignored (the base is fifo).
 *
 * Invariants
 *   - a vCPU is on at most one runqueue (rrq_queued);
 *   - a co-stopped vCPU is parked and on no runqueue; it is never picked;
 *   - progress of the slowest online vCPU of a VM defines lead 0.
 *
 * TODO
 *   - proportional-share base (ESX's is; here round robin);
 *   - per-pair skew (ESX 4+ tracks skew against each sibling; here against
 *     the slowest).
 */
#include "vcpulab/sched.h"
#include "rr_queue.h"

#define RELAXED_DEFAULT_SLICE_MS 20     /* ESXi slice, 10-20 ms (policy-facts 9, secondary) */
#define RELAXED_DEFAULT_THRESHOLD_MS 3  /* "a few ms": no published value (policy-facts 9 NF) */
#define RELAXED_DEFAULT_PERIOD_US 1000  /* check 3x per threshold: overshoot <= 1 ms */
#define RELAXED_TIMER_CHECK 0           /* instance timer slot of the skew check */

enum {
    RELAXED_C_CHECKS,
    RELAXED_C_COSTOPS,
    RELAXED_C_COSTARTS,
};
static const char *const relaxed_counters[] = {"skew_checks", "costops", "costarts", NULL};

typedef struct relaxed_priv {
    rrq_sched rq;                   /* the idle and queued masks (first) */
    vl_ns slice, threshold, period; /* parameters */
} relaxed_priv;

typedef struct relaxed_pcpu {
    rrq_pcpu rq; /* the runqueue (first) */
} relaxed_pcpu;

typedef struct relaxed_vm {
    int unused;
} relaxed_vm;

typedef struct relaxed_vcpu {
    rrq_vcpu rq;       /* the link in a runqueue (first) */
    bool costopped;    /* set in check (co-stop), cleared in check (co-start) */
    vl_ns progress;    /* see Design */
    vl_ns last_run, last_idle; /* RUNNING and BLOCKED+OFFLINE time at the last check */
} relaxed_vcpu;

RRQ_FIRST(relaxed_priv, relaxed_pcpu, relaxed_vcpu);

static const vl_param relaxed_params[] = {
    {"slice", VL_PARAM_TIME, offsetof(relaxed_priv, slice), VL_MS(RELAXED_DEFAULT_SLICE_MS),
     VL_US(100), VL_S(1), "ns",
     "time slice of the per-pCPU round robin (ESXi's 10-20 ms, policy-facts 9)", NULL},
    {"threshold", VL_PARAM_TIME, offsetof(relaxed_priv, threshold),
     VL_MS(RELAXED_DEFAULT_THRESHOLD_MS), VL_US(100), VL_S(1), "ns",
     "skew (lead over the slowest sibling) that co-stops a vCPU; VMware says a few ms, "
     "publishes no value (policy-facts 9)", NULL},
    {"period", VL_PARAM_TIME, offsetof(relaxed_priv, period), VL_US(RELAXED_DEFAULT_PERIOD_US),
     VL_US(10), VL_S(1), "ns",
     "interval of the skew check (the overshoot bound; chosen, not published)", NULL},
    VL_PARAM_END,
};

static relaxed_vcpu *rvc(vl_vcpu *v) { return vl_vcpu_priv(v); }

/* ---------------------------------------------------------- co-stopping */

static void costop(vl_sched *s, vl_vcpu *v)
{
    relaxed_vcpu *rv = rvc(v);
    rv->costopped = true;
    vl_vcpu_set_parked(v, true);
    if (rrq_queued(v))
        rrq_remove(s, v);
    if (vl_vcpu_runstate(v) == VL_RUNNING)
        vl_tickle(vl_vcpu_pcpu(v));
    vl_counter_add(s, RELAXED_C_COSTOPS, 1);
}

static void costart(vl_sched *s, vl_vcpu *v)
{
    relaxed_vcpu *rv = rvc(v);
    rv->costopped = false;
    vl_vcpu_set_parked(v, false);
    /* a running one was stopped but has not left its pCPU yet: it stays */
    if (vl_vcpu_runstate(v) == VL_RUNNABLE && !rrq_queued(v) &&
        vl_pcpu_curr(vl_vcpu_pcpu(v)) != v)
        rrq_push_and_tickle(s, vl_vcpu_pcpu(v), v);
    vl_counter_add(s, RELAXED_C_COSTARTS, 1);
}

static bool idle_state(const vl_vcpu *v)
{
    vl_runstate st = vl_vcpu_runstate(v);
    return st == VL_BLOCKED || st == VL_OFFLINE;
}

static void check_vm(vl_sched *s, vl_vm *d)
{
    relaxed_priv *rp = vl_sched_priv(s);
    int n = vl_vm_nvcpus(d);
    vl_ns fastest = 0, slowest = 0;
    bool any = false;
    for (int i = 0; i < n; i++) {
        vl_vcpu *v = vl_vm_vcpu(d, i);
        relaxed_vcpu *rv = rvc(v);
        vl_ns run = vl_vcpu_runstate_time(v, VL_RUNNING);
        rv->progress += run - rv->last_run;
        rv->last_run = run;
        if (!any || rv->progress > fastest)
            fastest = rv->progress;
        any = true;
    }
    any = false;
    for (int i = 0; i < n; i++) {
        vl_vcpu *v = vl_vm_vcpu(d, i);
        relaxed_vcpu *rv = rvc(v);
        vl_ns idle = vl_vcpu_runstate_time(v, VL_BLOCKED) + vl_vcpu_runstate_time(v, VL_OFFLINE);
        if (idle != rv->last_idle || idle_state(v))
            rv->progress = fastest; /* idle: kept up with the fastest */
        rv->last_idle = idle;
        if (!any || rv->progress < slowest)
            slowest = rv->progress;
        any = true;
    }
    for (int i = 0; i < n; i++) {
        vl_vcpu *v = vl_vm_vcpu(d, i);
        relaxed_vcpu *rv = rvc(v);
        vl_ns lead = rv->progress - slowest;
        if (!rv->costopped && lead > rp->threshold && !idle_state(v))
            costop(s, v);
        else if (rv->costopped && (lead <= rp->threshold / 2 || idle_state(v)))
            costart(s, v);
    }
}

/* ----------------------------------------------------------------- hooks */

static int relaxed_init(vl_sched *s)
{
    relaxed_priv *rp = vl_sched_priv(s);
    rrq_init(s);
    vl_timer_arm(s, NULL, RELAXED_TIMER_CHECK, vl_now(s) + rp->period);
    return 0;
}

static vl_pcpu *relaxed_pick_cpu(vl_sched *s, vl_vcpu *v, vl_pick_reason why)
{
    (void)why;
    return rrq_pick_cpu(s, v);
}

static void relaxed_vcpu_wake(vl_sched *s, vl_vcpu *v, vl_wake_reason why, int vector)
{
    (void)why;
    (void)vector;
    if (rvc(v)->costopped)
        return; /* co-started later */
    rrq_push_and_tickle(s, vl_vcpu_pcpu(v), v);
}

static vl_decision relaxed_do_schedule(vl_sched *s, vl_pcpu *p, vl_vcpu *prev, vl_ns now)
{
    (void)now;
    relaxed_priv *rp = vl_sched_priv(s);
    if (prev && vl_vcpu_runstate(prev) == VL_RUNNABLE && !rvc(prev)->costopped &&
        !rrq_queued(prev))
        rrq_push(s, p, prev);
    vl_vcpu *next = rrq_next(s, p);
    return (vl_decision){.next = next, .slice = next ? rp->slice : VL_SLICE_NONE};
}

static void relaxed_timer_fired(vl_sched *s, vl_pcpu *p, int slot, vl_ns now)
{
    (void)p;
    (void)slot;
    relaxed_priv *rp = vl_sched_priv(s);
    for (int k = 0; k < vl_nvms(s); k++) {
        vl_vm *d = vl_vm_get(s, k);
        if (vl_vm_nvcpus(d) > 1 && !vl_vm_is_host(d))
            check_vm(s, d);
    }
    vl_counter_add(s, RELAXED_C_CHECKS, 1);
    vl_timer_arm(s, NULL, RELAXED_TIMER_CHECK, now + rp->period);
}

static const vl_sched_ops relaxed_ops = {
    .name = "relaxed",
    .description = "VMware ESX-style relaxed co-scheduling: per-pCPU round robin, and every "
                   "`period` a vCPU whose progress leads its slowest sibling by more than "
                   "`threshold` is co-stopped (parked) until the laggard catches up; idle "
                   "vCPUs accumulate no skew. Ignores weights and caps.",
    .params = relaxed_params,
    .counters = relaxed_counters,
    .priv_size = sizeof(relaxed_priv),
    .pcpu_size = sizeof(relaxed_pcpu),
    .vm_size = sizeof(relaxed_vm),
    .vcpu_size = sizeof(relaxed_vcpu),
    .init = relaxed_init,
    .pick_cpu = relaxed_pick_cpu,
    .do_schedule = relaxed_do_schedule,
    .vcpu_wake = relaxed_vcpu_wake,
    .timer_fired = relaxed_timer_fired,
};
VL_REGISTER_POLICY(relaxed_ops);
