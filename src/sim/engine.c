/* sim/engine.c - clock, arming, run loop and event-stream digest. */
#include "sim/engine.h"

#include <assert.h>

#define DIGEST_PRIME 0x100000001b3ULL /* FNV-1a 64-bit prime */
#define DIGEST_BASIS 0xcbf29ce484222325ULL
#define SEQ_MASK VL_EVENT_SEQ_MASK

int vl_sim_init(vl_sim *s, vl_fel_kind kind)
{
    *s = (vl_sim){.digest = DIGEST_BASIS, .cls = VL_EVC_END};
    return vl_fel_init(&s->fel, kind);
}

void vl_sim_event_init(vl_sim *s, vl_event *ev, vl_event_fn fn, void *ctx, vl_event_class cls,
                       vl_tag_kind kind)
{
    uint32_t index = s->tag_next[kind];
    if (index < VL_TAG_INDEX_MAX)
        s->tag_next[kind]++;
    else
        s->tags_exhausted = true;
    vl_event_init(ev, fn, ctx, cls, vl_tag_make(kind, index));
    if (s->audit)
        vl_tag_audit_record(s->audit, ev);
}

void vl_sim_fini(vl_sim *s)
{
    vl_fel_fini(&s->fel);
}

/* Files ev in the list at (when, seq). */
static inline void file(vl_sim *s, vl_event *ev, vl_ns when, uint64_t seq)
{
    ev->time = when;
    ev->order = (ev->order & ~SEQ_MASK) | seq;
    ev->late_ns = ev->late_seq = 0;
    vl_fel_insert(&s->fel, ev);
}

/* A pending ev re-armed at (when, seq): postponed in place when it moves
 * later by what the event's fields can hold, else filed again.  Out of
 * line, so that arming a non-pending event (most calls) saves no
 * registers. */
static __attribute__((noinline)) void rearm(vl_sim *s, vl_event *ev, vl_ns when, uint64_t seq)
{
    uint64_t late_seq = (seq - (ev->order & SEQ_MASK)) & SEQ_MASK;
    if (when >= ev->time && (uint64_t)(when - ev->time) <= UINT32_MAX && late_seq <= UINT32_MAX) {
        ev->late_ns = (uint32_t)(when - ev->time);
        ev->late_seq = (uint32_t)late_seq;
        return;
    }
    vl_fel_remove(&s->fel, ev);
    file(s, ev, when, seq);
}

/* Out of line: the hook is set only while exit cycles are folded. */
static __attribute__((noinline, cold)) void call_filing(vl_sim *s, vl_event *ev, vl_ns when)
{
    s->filing(s->before_ctx, when, vl_event_cls(ev));
}

void vl_sim_schedule(vl_sim *s, vl_event *ev, vl_ns when)
{
    assert(when >= s->now);
    if (__builtin_expect(s->filing != NULL, 0))
        call_filing(s, ev, when);
    uint64_t seq = s->seq++ & SEQ_MASK;
    if (vl_event_pending(ev))
        rearm(s, ev, when, seq);
    else
        file(s, ev, when, seq);
}

void vl_sim_cancel(vl_sim *s, vl_event *ev)
{
    if (vl_event_pending(ev))
        vl_fel_remove(&s->fel, ev);
}

void vl_sim_refile(vl_sim *s, vl_event *ev)
{
    s->refiled_time = ev->time;
    s->refiled_order = ev->order;
    vl_fel_insert(&s->fel, ev);
}

bool vl_sim_unfile(vl_sim *s, vl_event *ev)
{
    if (!vl_event_pending(ev) || ev->late_seq || ev->time != s->refiled_time ||
        ev->order != s->refiled_order)
        return false;
    vl_fel_remove(&s->fel, ev);
    return true;
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
        if (ev->late_seq) { /* postponed: not due yet */
            ev->order = vl_event_due_order(ev);
            ev->time += ev->late_ns;
            ev->late_ns = ev->late_seq = 0;
            vl_fel_insert(&s->fel, ev);
            continue;
        }
        s->now = ev->time;
        s->cls = vl_event_cls(ev);
        if (__builtin_expect(s->before != NULL, 0) && !s->before(s->before_ctx, ev)) {
            if (s->after)
                s->after(s->before_ctx);
            continue; /* re-armed for later, or cancelled */
        }
        s->events++;
        s->by_source[vl_tag_kind_of(ev->tag)][vl_event_cls(ev)]++;
        s->digest = digest_step(s->digest, (uint64_t)ev->time);
        s->digest = digest_step(s->digest, ((uint64_t)vl_event_cls(ev) << 32) | ev->tag);
        ev->fn(ev->ctx, ev);
        if (__builtin_expect(s->after != NULL, 0))
            s->after(s->before_ctx);
    }
    return VL_STOP_REQUESTED;
}
