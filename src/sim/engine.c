/* sim/engine.c - clock, arming, run loop and event-stream digest. */
#include "sim/engine.h"

#include <assert.h>

#define DIGEST_PRIME 0x100000001b3ULL /* FNV-1a 64-bit prime */
#define DIGEST_BASIS 0xcbf29ce484222325ULL
#define SEQ_MASK ((1ULL << VL_EVENT_SEQ_BITS) - 1)

int vl_sim_init(vl_sim *s, vl_fel_kind kind)
{
    *s = (vl_sim){.digest = DIGEST_BASIS};
    return vl_fel_init(&s->fel, kind);
}

void vl_sim_fini(vl_sim *s)
{
    vl_fel_fini(&s->fel);
}

void vl_sim_schedule(vl_sim *s, vl_event *ev, vl_ns when)
{
    assert(when >= s->now);
    uint64_t order = (ev->order & ~SEQ_MASK) | (s->seq++ & SEQ_MASK);
    ev->due = when;
    ev->due_order = order;
    if (vl_event_pending(ev)) {
        if (when >= ev->time)
            return; /* postponed: filed early, re-filed when that comes up */
        vl_fel_remove(&s->fel, ev);
    }
    ev->time = when;
    ev->order = order;
    vl_fel_insert(&s->fel, ev);
}

void vl_sim_cancel(vl_sim *s, vl_event *ev)
{
    if (vl_event_pending(ev))
        vl_fel_remove(&s->fel, ev);
}

void vl_sim_stop(vl_sim *s)
{
    s->stop = true;
}

static inline uint64_t digest_step(uint64_t d, uint64_t x)
{
    return (d ^ x) * DIGEST_PRIME;
}

vl_stop_reason vl_sim_run(vl_sim *s, uint64_t max_events)
{
    s->stop = false;
    while (!s->stop) {
        if (max_events && s->events >= max_events)
            return VL_STOP_BUDGET;
        vl_event *ev = vl_fel_pop(&s->fel);
        if (!ev)
            return VL_STOP_EMPTY;
        if (ev->order != ev->due_order) { /* postponed: not due yet */
            ev->time = ev->due;
            ev->order = ev->due_order;
            vl_fel_insert(&s->fel, ev);
            continue;
        }
        s->now = ev->time;
        s->events++;
        s->digest = digest_step(s->digest, (uint64_t)ev->time);
        s->digest = digest_step(s->digest, ((uint64_t)vl_event_cls(ev) << 32) | ev->tag);
        ev->fn(ev->ctx, ev);
    }
    return VL_STOP_REQUESTED;
}
