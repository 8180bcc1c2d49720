/* sim/event.h - one future event (also used as a re-armable timer).
 *
 * Events are embedded in the objects that own them (a pCPU's slice timer, a
 * task's sleep timer, ...); the engine never allocates.  The order of events
 * is total: (time, class, sequence), where the sequence number is assigned
 * when the event is armed, so two events armed for the same instant and class
 * fire in the order they were armed.  `tag` is a stable identity of the owner
 * (never a pointer value) that enters the event-stream digest.
 *
 * Re-arming a pending event later (a slice end pushed back at every
 * reschedule) leaves it filed where it was and only records how much later
 * it is due; the engine files it there when the old place comes up.
 * `time` and `order` are where the event list has it; it fires `late_ns`
 * later, with `late_seq` added to its sequence number (both 0 unless
 * postponed; a postponement that does not fit falls back to re-filing). */
#ifndef VL_SIM_EVENT_H
#define VL_SIM_EVENT_H

#include <stdbool.h>
#include <stdint.h>

#include "vl_time.h"

struct vl_event;
typedef void (*vl_event_fn)(void *ctx, struct vl_event *ev);

/* Event classes: at one instant, lower classes fire first. */
typedef enum vl_event_class {
    VL_EVC_DEVICE = 0, /* interrupts, guest timers, device completions   */
    VL_EVC_GUEST,      /* guest execution plan points (segment ends)     */
    VL_EVC_HV,         /* hypervisor ticks, policy timers, watchdog      */
    VL_EVC_SLICE,      /* slice expiry                                   */
    VL_EVC_SCHED,      /* reschedule of a pCPU: after all else at t      */
    VL_EVC_END,        /* end of run / warm-up boundary                  */
} vl_event_class;
#define VL_EVC_CLASSES (VL_EVC_END + 1)

#define VL_EVENT_SEQ_BITS 56

#define VL_EVENT_SEQ_MASK ((1ULL << VL_EVENT_SEQ_BITS) - 1)

typedef struct vl_event {
    vl_ns time;                 /* filed at (time, order)                  */
    uint64_t order;             /* class << 56 | sequence                  */
    int32_t slot;               /* -1: not pending (else a heap's index)   */
    uint32_t tag;
    uint32_t late_ns, late_seq; /* postponed by (0, 0: not postponed)      */
    vl_event_fn fn;
    void *ctx;
} vl_event;

/* With a raw tag: the model's events are initialised by vl_sim_event_init
 * (engine.h), which hands out tags; this is for the engine and its tests. */
void vl_event_init(vl_event *ev, vl_event_fn fn, void *ctx, vl_event_class cls, uint32_t tag);
/* Gives an event that is not pending another call-back (its tag, the
 * identity of its source, stays). */
static inline void vl_event_retarget(vl_event *ev, vl_event_fn fn, void *ctx)
{
    ev->fn = fn;
    ev->ctx = ctx;
}
static inline bool vl_event_pending(const vl_event *ev) { return ev->slot >= 0; }
/* When a pending event fires, and its order among events due then. */
static inline vl_ns vl_event_due(const vl_event *ev) { return ev->time + ev->late_ns; }
static inline uint64_t vl_event_due_order(const vl_event *ev)
{
    return (ev->order & ~VL_EVENT_SEQ_MASK) |
           (((ev->order & VL_EVENT_SEQ_MASK) + ev->late_seq) & VL_EVENT_SEQ_MASK);
}
static inline vl_event_class vl_event_cls(const vl_event *ev)
{
    return (vl_event_class)(ev->order >> VL_EVENT_SEQ_BITS);
}
/* Total order: negative if a fires before b. */
static inline int vl_event_cmp(const vl_event *a, const vl_event *b)
{
    if (a->time != b->time)
        return a->time < b->time ? -1 : 1;
    return a->order < b->order ? -1 : (a->order > b->order);
}

#endif
