/* sched/fifo.c - round-robin per pCPU: the readable template for a policy.
 *
 * Design
 *   Each pCPU has a FIFO runqueue.  A waking vCPU goes to the pCPU it last
 *   ran on if that is in its affinity, else to the first affine pCPU with
 *   the shortest queue; an idle pCPU is tickled.  do_schedule puts a still-
 *   runnable prev at the tail and runs the head for `slice`.  An idle pCPU
 *   steals the head of the longest affine queue (simple load balancing), and
 *   a wake-up onto a busy pCPU tickles an idle one so that it steals.
 *   Weights and caps are ignored: this policy exists to be read and copied.
 *
 * Invariants
 *   - a vCPU is on at most one runqueue (fifo_vcpu.link linked iff queued);
 *   - a RUNNING vCPU is never queued;
 *   - the queue length of a pCPU equals the number of linked vCPUs on it.
 *
 * TODO
 *   - nothing: new ideas belong in a copy of this file.
 */
#include "vcpulab/sched.h"
#include "vl_bitmap.h"
#include "vl_list.h"

#define FIFO_DEFAULT_SLICE_MS 10 /* the Linux/Xen order of magnitude */

/* The four private structs (instance, pCPU, VM, vCPU). */
typedef struct fifo_priv {
    vl_ns slice; /* parameter */
    /* set in do_schedule when a pCPU goes idle, cleared when it picks */
    uint64_t idle[VL_BITMAP_WORDS(VL_MAX_PCPUS)];
    /* set while a pCPU's runqueue is non-empty (runq_push / runq_remove) */
    uint64_t queued[VL_BITMAP_WORDS(VL_MAX_PCPUS)];
} fifo_priv;

typedef struct fifo_pcpu {
    vl_list runq;
    int len;
} fifo_pcpu;

typedef struct fifo_vm {
    int unused;
} fifo_vm;

typedef struct fifo_vcpu {
    vl_list link;
    vl_vcpu *v; /* up-pointer */
} fifo_vcpu;

static const vl_param fifo_params[] = {
    {"slice", VL_PARAM_TIME, offsetof(fifo_priv, slice), VL_MS(FIFO_DEFAULT_SLICE_MS),
     VL_US(100), VL_S(1), "ns", "time slice of each turn (template default)", NULL},
    VL_PARAM_END,
};

static fifo_pcpu *fpc(vl_pcpu *p) { return vl_pcpu_priv(p); }
static fifo_vcpu *fvc(vl_vcpu *v) { return vl_vcpu_priv(v); }

static void runq_push(vl_sched *s, vl_pcpu *p, vl_vcpu *v)
{
    vl_list_push_back(&fpc(p)->runq, &fvc(v)->link);
    fpc(p)->len++;
    vl_bit_set(((fifo_priv *)vl_sched_priv(s))->queued, vl_pcpu_id(p));
}

static void runq_remove(vl_sched *s, vl_pcpu *p, fifo_vcpu *fv)
{
    vl_list_del(&fv->link);
    if (--fpc(p)->len == 0)
        vl_bit_clear(((fifo_priv *)vl_sched_priv(s))->queued, vl_pcpu_id(p));
}

static int fifo_init(vl_sched *s)
{
    fifo_priv *fp = vl_sched_priv(s);
    for (int i = 0; i < vl_npcpus(s); i++) {
        vl_list_init(&fpc(vl_pcpu_get(s, i))->runq);
        vl_bit_set(fp->idle, i);
    }
    for (int i = 0; i < vl_nvcpus_total(s); i++) {
        vl_vcpu *v = vl_vcpu_get(s, i);
        vl_list_init(&fvc(v)->link);
        fvc(v)->v = v;
    }
    return 0;
}

static vl_pcpu *fifo_pick_cpu(vl_sched *s, vl_vcpu *v, vl_pick_reason why)
{
    (void)why;
    vl_pcpu *last = vl_vcpu_pcpu(v);
    if (last && vl_vcpu_affine(v, last))
        return last;
    vl_pcpu *best = NULL;
    for (int i = 0; i < vl_npcpus(s); i++) {
        vl_pcpu *p = vl_pcpu_get(s, i);
        int load = fpc(p)->len + !vl_pcpu_is_idle(p);
        if (vl_vcpu_affine(v, p) &&
            (!best || load < fpc(best)->len + !vl_pcpu_is_idle(best)))
            best = p;
    }
    return best;
}

static void fifo_vcpu_wake(vl_sched *s, vl_vcpu *v, vl_wake_reason why, int vector)
{
    (void)why;
    (void)vector;
    fifo_priv *fp = vl_sched_priv(s);
    vl_pcpu *p = vl_vcpu_pcpu(v);
    runq_push(s, p, v);
    if (vl_pcpu_is_idle(p)) {
        vl_tickle(p);
        return;
    }
    /* an idle pCPU will steal it */
    int idle = vl_bit_next_and(fp->idle, vl_vcpu_affinity_mask(v), 0, vl_npcpus(s));
    if (idle >= 0)
        vl_tickle(vl_pcpu_get(s, idle));
}

/* An idle pCPU takes the head of the longest queue it may run. */
static vl_vcpu *fifo_steal(vl_sched *s, vl_pcpu *self)
{
    fifo_priv *fp = vl_sched_priv(s);
    vl_pcpu *victim = NULL;
    for (int i = vl_bit_next(fp->queued, 0, vl_npcpus(s)); i >= 0;
         i = vl_bit_next(fp->queued, i + 1, vl_npcpus(s))) {
        vl_pcpu *p = vl_pcpu_get(s, i);
        if (p != self && (!victim || fpc(p)->len > fpc(victim)->len))
            victim = p;
    }
    if (!victim)
        return NULL;
    vl_list *pos;
    vl_list_for_each(pos, &fpc(victim)->runq) {
        fifo_vcpu *fv = vl_container_of(pos, fifo_vcpu, link);
        if (vl_vcpu_affine(fv->v, self)) {
            runq_remove(s, victim, fv);
            return fv->v;
        }
    }
    return NULL;
}

static vl_decision fifo_do_schedule(vl_sched *s, vl_pcpu *p, vl_vcpu *prev, vl_ns now)
{
    (void)now;
    fifo_priv *fp = vl_sched_priv(s);
    if (prev && vl_vcpu_runstate(prev) == VL_RUNNABLE)
        runq_push(s, p, prev);
    vl_list *head = vl_list_first(&fpc(p)->runq);
    vl_vcpu *next = NULL;
    if (head) {
        fifo_vcpu *fv = vl_container_of(head, fifo_vcpu, link);
        runq_remove(s, p, fv);
        next = fv->v;
    } else {
        next = fifo_steal(s, p);
    }
    if (next)
        vl_bit_clear(fp->idle, vl_pcpu_id(p));
    else
        vl_bit_set(fp->idle, vl_pcpu_id(p));
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
