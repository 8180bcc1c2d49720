/* sim/fel.h - the future-event list: a priority queue of vl_event with
 * O(1) cancellation.  Two implementations behind one interface:
 *   VL_FEL_CALENDAR  Brown's calendar queue (CACM 31(10), 1988) with
 *                    resizing: O(1) expected hold time; the default.
 *   VL_FEL_HEAP      a binary heap with position indices: the reference
 *                    (tests check both give the same event stream) and the
 *                    baseline of the engine benchmark. */
#ifndef VL_SIM_FEL_H
#define VL_SIM_FEL_H

#include <stddef.h>

#include "sim/event.h"

typedef enum vl_fel_kind { VL_FEL_CALENDAR = 0, VL_FEL_HEAP } vl_fel_kind;

typedef struct vl_cq_bucket {
    vl_event *head, *tail;
    vl_ns head_time; /* head->time, or VL_NS_MAX when empty: the dequeue
                      * scan reads only the bucket array */
} vl_cq_bucket;

typedef struct vl_fel {
    vl_fel_kind kind;
    size_t size;
    vl_ns last;             /* time of the last dequeued event: no insert
                             * may come before it                          */
    /* calendar queue */
    vl_cq_bucket *buckets;
    size_t nbuckets;        /* power of two                                */
    vl_ns width;            /* bucket width (ns): 1 << shift               */
    int shift;
    size_t cur;             /* bucket of the last dequeued event           */
    vl_ns cur_top;          /* end (exclusive) of bucket `cur` this year   */
    bool resize_enabled;
    /* cost sampling for width re-estimation (dynamic calendar queue, Oh &
     * Ahn 1998): list steps per insert, empty buckets skipped per pop */
    uint64_t ops, insert_steps, pop_skips;
    /* binary heap */
    vl_event **heap;
    size_t cap;
} vl_fel;

int vl_fel_init(vl_fel *q, vl_fel_kind kind);
void vl_fel_fini(vl_fel *q);
/* Inserts a non-pending event (time and order already set). */
void vl_fel_insert(vl_fel *q, vl_event *ev);
/* Removes a pending event. */
void vl_fel_remove(vl_fel *q, vl_event *ev);
/* The first event (not removed), or NULL. */
vl_event *vl_fel_peek(vl_fel *q);
/* Removes and returns the first event, or NULL. */
vl_event *vl_fel_pop(vl_fel *q);

#endif
