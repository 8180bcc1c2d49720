/* sim/engine.h - the discrete-event engine: clock, future-event list, run
 * loop with stop conditions, and a 64-bit digest of the processed event
 * stream (time, class and owner tag of every event, in order).  The digest
 * pins behaviour in golden tests: it must not change with tracing on or off
 * or with the event-list implementation. */
#ifndef VL_SIM_ENGINE_H
#define VL_SIM_ENGINE_H

#include <stdbool.h>
#include <stdint.h>

#include "sim/event.h"
#include "sim/fel.h"
#include "sim/tag.h"

typedef enum vl_stop_reason {
    VL_STOP_REQUESTED = 0, /* vl_sim_stop() (end of run, or a violation)  */
    VL_STOP_EMPTY,         /* no pending events                            */
    VL_STOP_BUDGET,        /* event budget exhausted                       */
} vl_stop_reason;

typedef struct vl_sim vl_sim;

/* Called with each event due, before it runs (while set): it may bring
 * state the event reads up to date (hv/fold.h), and returns whether the
 * event runs now (false: that work re-armed or cancelled it; see
 * vl_sim_refile). */
typedef bool (*vl_sim_before_fn)(void *ctx, vl_event *ev);
/* Called before an event is armed for (when, cls) (while set), with the
 * before hook's context. */
typedef void (*vl_sim_filing_fn)(void *ctx, vl_ns when, vl_event_class cls);
/* Called after each event ran (while set), with the before hook's context. */
typedef void (*vl_sim_after_fn)(void *ctx);

struct vl_sim {
    vl_fel fel;
    vl_ns now;
    vl_event_class cls; /* the class of the event running now           */
    uint64_t seq;      /* next sequence number                         */
    uint64_t events;   /* events processed                              */
    uint64_t by_source[1 << VL_TAG_KIND_BITS][VL_EVC_CLASSES];
                       /* events processed, by source kind (every value
                        * the bits hold: tests' raw tags too) and class
                        * (where a run's events go: bench --corun)     */
    uint64_t digest;
    bool stop;
    bool tags_exhausted;      /* a kind ran out of numbers (tag.h)        */
    vl_tag_audit *audit;      /* tests: records every event initialised   */
    uint32_t tag_next[VL_TAG_KINDS]; /* the next number of each kind      */
    vl_sim_before_fn before;  /* NULL: none (the common case)             */
    vl_sim_filing_fn filing;  /* NULL: none                                */
    vl_sim_after_fn after;    /* NULL: none                                */
    void *before_ctx;
    vl_ns refiled_time;       /* where vl_sim_refile put the event back      */
    uint64_t refiled_order;
};

int vl_sim_init(vl_sim *s, vl_fel_kind kind);
void vl_sim_fini(vl_sim *s);

/* Initialises the event of a new event source of `kind`: its tag is the
 * kind's next number (tag.h).  Every event of the model is initialised
 * here; vl_event_init (raw tags) is for the engine's own tests.  When a
 * kind has no numbers left the tag repeats and tags_exhausted is set: the
 * model refuses to run. */
void vl_sim_event_init(vl_sim *s, vl_event *ev, vl_event_fn fn, void *ctx, vl_event_class cls,
                       vl_tag_kind kind);

static inline vl_ns vl_sim_now(const vl_sim *s) { return s->now; }
/* Arms (or re-arms) ev at `when` (>= now).  Re-arming a pending event
 * later costs no event-list work: it is postponed in place (event.h). */
void vl_sim_schedule(vl_sim *s, vl_event *ev, vl_ns when);
/* Disarms ev if pending. */
void vl_sim_cancel(vl_sim *s, vl_event *ev);
/* Runs until vl_sim_stop(), no events remain, or `max_events` events have
 * been processed in total (0 = no budget). */
vl_stop_reason vl_sim_run(vl_sim *s, uint64_t max_events);
/* For a before hook: files the event due now back where it was (the work
 * the hook does sees it pending, as it was until now), and then takes it
 * out again: vl_sim_unfile returns true when it is still there (it runs
 * now), false when that work re-armed it (it runs when due) or cancelled
 * it. */
void vl_sim_refile(vl_sim *s, vl_event *ev);
bool vl_sim_unfile(vl_sim *s, vl_event *ev);
void vl_sim_stop(vl_sim *s);

#endif
