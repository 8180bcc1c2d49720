/* guest/smp.h - cross-vCPU calls inside the guest (smp_call_function_many_cond
 * and its handler, kernel/smp.c): a generic call queue per vCPU and the
 * call-function IPIs that signal it (docs/guest-model.md, "IPIs and TLB
 * shootdowns").  The queue knows nothing of what a call does: a client
 * (guest/tlb.c) says what the handler costs per call and what happens when
 * the last target answered. */
#ifndef VL_GUEST_SMP_H
#define VL_GUEST_SMP_H

#include "guest/guest.h"

/* What a call does, for the queue. */
typedef struct vl_smp_func {
    vl_ns cost; /* handler work per call on a target */
    /* The last target ran it: task t called at `since`. */
    void (*done)(vl_guest *g, vl_task *t, vl_ns since, vl_ns now);
    /* Target v's handler ran it (NULL: nothing more happens on v). */
    void (*ran)(vl_guest *g, int v, vl_ns now);
} vl_smp_func;

/* One vCPU's side of the call queue. */
typedef struct vl_smp_cpu {
    int *queue;               /* vCPUs whose calls wait for this one's
                               * handler, in arrival order (nvcpus slots) */
    int nqueue;
    int nrunning;             /* the first nrunning: its running handler
                               * serves them                             */
    const vl_smp_func *func;  /* its own task's call in flight, if any    */
    vl_ns since;              /* when that call was sent                 */
} vl_smp_cpu;

typedef struct vl_gsmp {
    bool legacy_vectors;      /* guest.tlb_vectors: legacy (0xf0-0xf7)     */
} vl_gsmp;

/* vCPU v's side of the queue (the module's per-vCPU private state). */
static inline vl_smp_cpu *vl_smp_cpu_of(const vl_guest *g, int v)
{
    return &((vl_smp_cpu *)g->vcpu_priv[VL_GMOD_smp])[v];
}

/* Task t on v calls `func` on each of targets[0..n) (n > 0) and waits
 * (t->acks_pending): queues the calls, sends the call-function IPIs.  t
 * spins until the last target's handler ran, then func->done runs and t
 * goes on. */
void vl_smp_call(vl_guest *g, int v, vl_task *t, const int *targets, int n,
                 const vl_smp_func *func, vl_ns now);

#endif
