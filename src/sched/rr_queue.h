/* sched/rr_queue.h - round-robin runqueues per pCPU: the base that `fifo`
 * and `relaxed` schedule with.
 *
 * What it is
 *   One FIFO runqueue per pCPU, and two host-wide masks: the pCPUs whose
 *   runqueue is non-empty, and the pCPUs that went idle in their last
 *   do_schedule.  On top of them, the choice of the next vCPU both
 *   policies make: the head of the pCPU's own queue, else the first affine
 *   vCPU of the longest other queue (an idle pCPU steals).  `relaxed` also
 *   places and tickles with rr_queue's rules: the last pCPU (else the first
 *   affine pCPU with the fewest vCPUs), and a tickle of that pCPU if it
 *   idles, else of the first idle pCPU, which steals.  "Idle" there is the
 *   idle mask above - tickled or not - where the core's vl_idle_pcpus()
 *   leaves out tickled pCPUs; relaxed keeps it so that its decisions stay
 *   what they were (fifo places with vl_pick_cpu_default instead).  What
 *   to requeue, when to hold a vCPU back and how long it runs stay with
 *   the policy.
 *
 * What it may touch
 *   Only the three structs below, which a policy using it puts first, as a
 *   member named `rq`, in its instance, pCPU and vCPU private structs
 *   (RRQ_FIRST checks this at compile time), and the public interface
 *   (vcpulab/sched.h): it reads affinity, a vCPU's last pCPU and whether a
 *   pCPU is idle, and tickles pCPUs.  It keeps no state of its own, arms no
 *   timers and bumps no counters.
 *
 * Invariants
 *   - a vCPU is on at most one runqueue (rrq_vcpu.on names it, NULL: none);
 *   - the length of a pCPU's runqueue equals the number of vCPUs on it, and
 *     its bit in `queued` is set iff that length is non-zero.
 */
#ifndef VL_SCHED_RR_QUEUE_H
#define VL_SCHED_RR_QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vcpulab/sched.h"
#include "vl_bitmap.h"
#include "vl_list.h"

/* First in the policy's instance struct. */
typedef struct rrq_sched {
    /* set in rrq_next when a pCPU goes idle, cleared when it gets a vCPU */
    uint64_t idle[VL_BITMAP_WORDS(VL_MAX_PCPUS)];
    /* set while a pCPU's runqueue is non-empty (rrq_push / rrq_remove) */
    uint64_t queued[VL_BITMAP_WORDS(VL_MAX_PCPUS)];
} rrq_sched;

/* First in the policy's pCPU struct. */
typedef struct rrq_pcpu {
    vl_list runq;
    int len;
} rrq_pcpu;

/* First in the policy's vCPU struct. */
typedef struct rrq_vcpu {
    vl_list link;
    vl_vcpu *v;  /* up-pointer */
    vl_pcpu *on; /* the runqueue it is on (NULL: none) */
} rrq_vcpu;

/* The compile-time check that the three structs come first. */
#define RRQ_FIRST(priv, pcpu, vcpu)                                               \
    _Static_assert(offsetof(priv, rq) == 0 && offsetof(pcpu, rq) == 0 &&         \
                       offsetof(vcpu, rq) == 0,                                  \
                   "rr_queue.h: its structs come first in the policy's")

/* From init: every runqueue empty, every pCPU idle. */
void rrq_init(vl_sched *s);
/* v's pCPU (relaxed): the one it last ran on if v may run there, else the
 * first affine pCPU with the fewest queued and running vCPUs. */
vl_pcpu *rrq_pick_cpu(vl_sched *s, vl_vcpu *v);
/* Queues v at the tail of p's runqueue. */
void rrq_push(vl_sched *s, vl_pcpu *p, vl_vcpu *v);
/* Queues v on p and makes sure some pCPU will pick it up (relaxed): p if
 * it is idle, else the first idle pCPU in v's affinity (which will steal
 * it). */
void rrq_push_and_tickle(vl_sched *s, vl_pcpu *p, vl_vcpu *v);
/* Takes v off the runqueue it is on. */
void rrq_remove(vl_sched *s, vl_vcpu *v);
bool rrq_queued(vl_vcpu *v);
/* The vCPU p runs next, taken off its runqueue: the head of p's own, else
 * one stolen from the longest other runqueue; NULL if there is none.
 * Records p as idle (NULL) or busy for rrq_push_and_tickle. */
vl_vcpu *rrq_next(vl_sched *s, vl_pcpu *p);

#endif
