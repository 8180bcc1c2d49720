/* sim/fel_calendar.c - the future-event list as a calendar queue (R. Brown,
 * "Calendar queues: a fast O(1) priority queue implementation for the
 * simulation event set problem", CACM 31(10), 1988): time is cut into
 * buckets of `width` ns, wrapped around an array of `nbuckets` sorted lists
 * like the days of a year.  Dequeue scans forward from the bucket of the
 * last dequeued event, taking the first head that falls inside the current
 * year's window of its bucket; after a fruitless lap it searches the heads
 * directly.  The array doubles / halves as the population grows / shrinks,
 * and the width is re-estimated from the spacing of the earliest events
 * (and, as in Oh & Ahn's dynamic calendar queue, 1998, when the cost per
 * operation drifts at a steady population). */
#include <assert.h>
#include <stdlib.h>

#include "sim/fel.h"

#define CQ_MIN_BUCKETS 16
#define CQ_SAMPLE 25           /* Brown: sample 25 events to size buckets */
#define CQ_INITIAL_WIDTH 1000  /* ns; re-estimated at the first resize     */
#define CQ_MAX_STEPS 4         /* mean list steps per insert before re-width */
#define CQ_MAX_SKIPS 16        /* mean empty buckets per pop before re-width */

/* Bucket widths are powers of two, so that a day is a shift, not a 64-bit
 * division (the insert and the cursor compute one per call). */
static size_t cq_index(const vl_fel *q, vl_ns t)
{
    return (size_t)((uint64_t)t >> q->shift) & (q->nbuckets - 1);
}

static vl_ns cq_year_top(const vl_fel *q, vl_ns t)
{
    vl_ns day = t >> q->shift;
    return day >= (VL_NS_MAX >> q->shift) - 1 ? VL_NS_MAX : (day + 1) << q->shift;
}

/* log2 of the power of two nearest to w (w >= 1). */
static int cq_shift_of(vl_ns w)
{
    int k = 63 - __builtin_clzll((unsigned long long)w);
    return k < 62 && w - ((vl_ns)1 << k) > ((vl_ns)2 << k) - w ? k + 1 : k;
}

static vl_cq_bucket *cq_alloc_buckets(size_t n)
{
    vl_cq_bucket *b = malloc(n * sizeof *b);
    for (size_t i = 0; b && i < n; i++)
        b[i] = (vl_cq_bucket){NULL, NULL, VL_NS_MAX};
    return b;
}

static void cq_link(vl_fel *q, vl_event *ev)
{
    size_t i = cq_index(q, ev->time);
    vl_cq_bucket *b = &q->buckets[i];
    /* New events are usually the latest of their bucket (scan back from
     * the tail), or, when a bucket also holds later years' events, the
     * earliest: try the head before walking. */
    vl_event *after = b->tail;
    if (after && vl_event_cmp(after, ev) > 0) {
        if (vl_event_cmp(b->head, ev) > 0) {
            after = NULL;
        } else {
            do {
                after = after->prev;
                q->insert_steps++;
            } while (vl_event_cmp(after, ev) > 0);
        }
    }
    ev->prev = after;
    ev->next = after ? after->next : b->head;
    if (ev->next)
        ev->next->prev = ev;
    else
        b->tail = ev;
    if (after) {
        after->next = ev;
    } else {
        b->head = ev;
        b->head_time = ev->time;
    }
    ev->slot = (int32_t)i;
}

static void cq_unlink(vl_fel *q, vl_event *ev)
{
    vl_cq_bucket *b = &q->buckets[ev->slot];
    if (ev->prev) {
        ev->prev->next = ev->next;
    } else {
        b->head = ev->next;
        b->head_time = ev->next ? ev->next->time : VL_NS_MAX;
    }
    if (ev->next)
        ev->next->prev = ev->prev;
    else
        b->tail = ev->prev;
    ev->next = ev->prev = NULL;
    ev->slot = -1;
}

static void cq_set_cursor(vl_fel *q, vl_ns t)
{
    q->cur = cq_index(q, t);
    q->cur_top = cq_year_top(q, t);
}

static vl_event *cq_find_first(vl_fel *q, bool advance)
{
    size_t i = q->cur;
    vl_ns top = q->cur_top;
    for (size_t n = 0; n < q->nbuckets; n++) {
        if (q->buckets[i].head_time < top) {
            if (advance) {
                q->cur = i;
                q->cur_top = top;
            }
            return q->buckets[i].head;
        }
        i = (i + 1) & (q->nbuckets - 1);
        top = top > VL_NS_MAX - q->width ? VL_NS_MAX : top + q->width;
        q->pop_skips += advance;
    }
    vl_event *best = NULL; /* a whole lap found nothing this year: search */
    for (size_t b = 0; b < q->nbuckets; b++) {
        vl_event *e = q->buckets[b].head;
        if (e && (!best || vl_event_cmp(e, best) < 0))
            best = e;
    }
    if (best && advance)
        cq_set_cursor(q, best->time);
    return best;
}

static void cq_resize(vl_fel *q, size_t nbuckets);

/* Brown sizes buckets only when the population doubles or halves; when the
 * spacing of events drifts at a steady population (a hold model after its
 * start-up transient) the width goes stale.  Every window of operations,
 * if inserts walk long lists (width too large) or pops skip many empty
 * buckets (too small), re-estimate the width at the same bucket count. */
static void cq_check_width(vl_fel *q)
{
    uint64_t window = q->nbuckets < 512 ? 1024 : 2 * q->nbuckets;
    if (++q->ops < window)
        return;
    bool stale = q->insert_steps > CQ_MAX_STEPS * q->ops || q->pop_skips > CQ_MAX_SKIPS * q->ops;
    q->ops = q->insert_steps = q->pop_skips = 0;
    if (stale && q->size >= 2 * CQ_SAMPLE)
        cq_resize(q, q->nbuckets);
}

static vl_event *cq_pop(vl_fel *q)
{
    vl_event *e = cq_find_first(q, true);
    if (!e)
        return NULL;
    cq_unlink(q, e);
    q->size--;
    q->last = e->time;
    if (q->resize_enabled) {
        if (q->nbuckets > CQ_MIN_BUCKETS && q->size < q->nbuckets / 2)
            cq_resize(q, q->nbuckets / 2);
        else
            cq_check_width(q);
    }
    return e;
}

/* Brown's width estimate: 3x the mean separation of the earliest events,
 * after dropping separations above twice the first mean. */
static vl_ns cq_estimate_width(vl_fel *q, vl_event **sample, size_t *nsample)
{
    size_t n = 0;
    q->resize_enabled = false;
    while (n < CQ_SAMPLE && q->size > 0) {
        sample[n++] = cq_find_first(q, true);
        cq_unlink(q, sample[n - 1]);
        q->size--;
    }
    q->resize_enabled = true;
    *nsample = n;
    if (n < 2)
        return q->width;
    vl_ns span = sample[n - 1]->time - sample[0]->time;
    vl_ns mean = span / (vl_ns)(n - 1);
    vl_ns sum = 0;
    size_t kept = 0;
    for (size_t i = 1; i < n; i++) {
        vl_ns d = sample[i]->time - sample[i - 1]->time;
        if (d <= 2 * mean) {
            sum += d;
            kept++;
        }
    }
    vl_ns w = kept ? 3 * sum / (vl_ns)kept : q->width;
    return w < 1 ? 1 : w;
}

static void cq_set_width(vl_fel *q, vl_ns w)
{
    q->shift = cq_shift_of(w);
    q->width = (vl_ns)1 << q->shift;
}

static void cq_resize(vl_fel *q, size_t nbuckets)
{
    vl_event *sample[CQ_SAMPLE];
    size_t nsample;
    vl_ns last = q->last;
    vl_ns width = cq_estimate_width(q, sample, &nsample);
    vl_cq_bucket *nb = cq_alloc_buckets(nbuckets);
    if (!nb) { /* keep the old calendar: slower, still correct */
        for (size_t i = 0; i < nsample; i++) {
            cq_link(q, sample[i]);
            q->size++;
        }
        return;
    }
    vl_cq_bucket *old = q->buckets;
    size_t oldn = q->nbuckets;
    q->buckets = nb;
    q->nbuckets = nbuckets;
    cq_set_width(q, width);
    for (size_t b = 0; b < oldn; b++) {
        vl_event *e = old[b].head;
        while (e) {
            vl_event *next = e->next;
            cq_link(q, e);
            e = next;
        }
    }
    free(old);
    for (size_t i = 0; i < nsample; i++)
        cq_link(q, sample[i]);
    q->size += nsample;
    q->last = last;
    cq_set_cursor(q, last);
}


int vl_fel_cal_init(vl_fel *q)
{
    q->nbuckets = CQ_MIN_BUCKETS;
    cq_set_width(q, CQ_INITIAL_WIDTH);
    q->buckets = cq_alloc_buckets(q->nbuckets);
    q->resize_enabled = true;
    cq_set_cursor(q, 0);
    return q->buckets ? 0 : -1;
}

void vl_fel_cal_insert(vl_fel *q, vl_event *ev)
{
    cq_link(q, ev);
    q->size++;
    if (q->resize_enabled && q->size > 2 * q->nbuckets)
        cq_resize(q, 2 * q->nbuckets);
}

void vl_fel_cal_remove(vl_fel *q, vl_event *ev)
{
    cq_unlink(q, ev);
    q->size--;
}

vl_event *vl_fel_cal_pop(vl_fel *q)
{
    if (q->size == 0)
        return NULL;
    return cq_pop(q);
}
