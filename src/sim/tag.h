/* sim/tag.h - the identities of event sources, as the event-stream digest
 * sees them.
 *
 * Every event carries a 32-bit tag that names its source stably (never a
 * pointer value): the kind of source in the top VL_TAG_KIND_BITS bits and
 * the source's number among the sources of that kind below them.  Numbers
 * are handed out by the engine (vl_sim_event_init) in the order sources
 * are created, one counter per kind, so a tag is unique by construction,
 * the same in every run of a scenario, and a new kind of source changes no
 * other kind's tags.  The tag enters the digest only: no code reads an
 * owner or an index back out of it.
 *
 * The kinds are listed here, like interrupt vectors in one header: a new
 * event source takes the next free number (never reuse or renumber one:
 * that re-pins every golden digest) and adds its name to tag.c. */
#ifndef VL_SIM_TAG_H
#define VL_SIM_TAG_H

#include <stddef.h>
#include <stdint.h>

#include "sim/event.h"

typedef enum vl_tag_kind {
    VL_TAG_RUN = 0,        /* model: end of run, end of warm-up           */
    VL_TAG_WATCHDOG,       /* hv: the starvation watchdog                 */
    VL_TAG_SCHED_TIMER,    /* hv: the policy's instance timers            */
    VL_TAG_PCPU,           /* hv: a pCPU's reschedule, slice, tick, entry,
                            * and its policy timers                       */
    VL_TAG_VCPU_PLE,       /* hv: a vCPU's pause-loop exit                */
    VL_TAG_VCPU_IPI,       /* hv: IPIs arriving at a vCPU                 */
    VL_TAG_BACKEND,        /* hv: an I/O backend's completion, disk, wires */
    VL_TAG_GUEST_SEGMENT,  /* guest: a vCPU's execution-plan point        */
    VL_TAG_TASK_TIMER,     /* guest: a task's sleep / timeout timer       */
    VL_TAG_NET_SOFTIRQ,    /* guest: ksoftirqd's deferred receive polling */
    VL_TAG_LOCK_HANDOFF,   /* guest: a spinlock's FIFO hand-off           */
    VL_TAG_TCP_SENDER,     /* workload: a TCP sender's start / RTO timer  */
    VL_TAG_UDP_SENDER,     /* workload: a UDP sender's next datagram      */
    VL_TAG_PING,           /* workload: a ping client's next request      */
    VL_TAG_CLIENT,         /* workload: a request-response client         */
    VL_TAG_KINDS
} vl_tag_kind;

#define VL_TAG_KIND_BITS 6
#define VL_TAG_INDEX_BITS (32 - VL_TAG_KIND_BITS)
/* Sources of one kind a run may create; the model refuses more. */
#define VL_TAG_INDEX_MAX ((1u << VL_TAG_INDEX_BITS) - 1)

_Static_assert(VL_TAG_KINDS <= (1 << VL_TAG_KIND_BITS), "tag kinds overflow their bits");

static inline uint32_t vl_tag_make(vl_tag_kind kind, uint32_t index)
{
    return ((uint32_t)kind << VL_TAG_INDEX_BITS) | index;
}
static inline vl_tag_kind vl_tag_kind_of(uint32_t tag)
{
    return (vl_tag_kind)(tag >> VL_TAG_INDEX_BITS);
}
static inline uint32_t vl_tag_index(uint32_t tag) { return tag & VL_TAG_INDEX_MAX; }

/* "pcpu", "task-timer", ...; NULL for a number that is no kind. */
const char *vl_tag_kind_name(vl_tag_kind kind);

/* An audit of tag allocation, for tests: when a vl_sim has one, every
 * event initialised through it is recorded with its class and tag. */
typedef struct vl_tag_record {
    const vl_event *ev;
    uint64_t key; /* class << 32 | tag */
} vl_tag_record;

typedef struct vl_tag_audit {
    vl_tag_record *rec;
    size_t n, cap;
    int failed; /* a record could not be stored (out of memory) */
} vl_tag_audit;

void vl_tag_audit_record(vl_tag_audit *a, const vl_event *ev);
/* The number of (class, tag) pairs held by more than one event; sorts. */
size_t vl_tag_audit_duplicates(vl_tag_audit *a);
void vl_tag_audit_fini(vl_tag_audit *a);

#endif
