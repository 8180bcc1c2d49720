/* sim/fel_heap.c - the future-event list as an implicit d-ary heap (d = 2
 * or 4): each node carries its event's key, so sifting compares array
 * elements only; the event is written once per move, to keep its index
 * in ev->slot for O(log n) removal.
 *
 * Invariants: q->heap[0 .. size) is in heap order by (time, order); node
 * i's event has slot == i. */
#include <stdlib.h>

#include "sim/fel.h"

static inline bool less(const vl_heap_node *a, const vl_heap_node *b)
{
    return vl_fel_entry_less(&a->e, &b->e);
}

static inline void put(vl_heap_node *h, size_t i, vl_heap_node x)
{
    h[i] = x;
    x.e.ev->slot = (int32_t)i;
}

static inline __attribute__((always_inline)) void sift_up(vl_heap_node *h, size_t i,
                                                           vl_heap_node x, int la)
{
    while (i > 0) {
        size_t p = (i - 1) >> la;
        if (!less(&x, &h[p]))
            break;
        put(h, i, h[p]);
        i = p;
    }
    put(h, i, x);
}

/* The smallest of the children c .. c + 2^la - 1 that exist (n nodes). */
static inline __attribute__((always_inline)) size_t min_child(const vl_heap_node *h, size_t n,
                                                               size_t c, int la)
{
    if (c + ((size_t)1 << la) <= n) { /* all children: no bound checks */
        size_t m = c + less(&h[c + 1], &h[c]);
        if (la == 2) {
            size_t m2 = c + 2 + less(&h[c + 3], &h[c + 2]);
            m = less(&h[m2], &h[m]) ? m2 : m;
        }
        return m;
    }
    size_t m = c;
    for (size_t k = c + 1; k < n; k++)
        m = less(&h[k], &h[m]) ? k : m;
    return m;
}

/* Fills the hole at i with x, which belongs at or below i: the hole first
 * follows the smallest children to the bottom, then x rises from there
 * (Wegener's bottom-up sift: one comparison per level on the way down,
 * and x, taken from the bottom, rarely rises far). */
static inline __attribute__((always_inline)) void sift_down(vl_heap_node *h, size_t n, size_t i,
                                                             vl_heap_node x, int la)
{
    for (size_t c; (c = (i << la) + 1) < n;) {
        size_t m = min_child(h, n, c, la);
        put(h, i, h[m]);
        i = m;
    }
    sift_up(h, i, x, la);
}

/* Fills position i (now a hole) with the last node. */
static void remove_at(vl_fel *q, size_t i)
{
    vl_heap_node *h = q->heap;
    size_t n = --q->size;
    if (i == n)
        return;
    vl_heap_node x = h[n];
    int la = q->log_arity;
    if (i > 0 && less(&x, &h[(i - 1) >> la])) {
        if (la == 1)
            sift_up(h, i, x, 1);
        else
            sift_up(h, i, x, 2);
    } else if (la == 1) {
        sift_down(h, n, i, x, 1);
    } else {
        sift_down(h, n, i, x, 2);
    }
}

void vl_fel_heap_init(vl_fel *q, int log_arity)
{
    q->log_arity = log_arity;
}

void vl_fel_heap_insert(vl_fel *q, vl_event *ev)
{
    if (q->size == q->heap_cap)
        q->heap = vl_fel_grow(q->heap, &q->heap_cap, sizeof *q->heap);
    size_t i = q->size++;
    vl_heap_node x = {vl_fel_entry_of(ev), 0};
    if (q->log_arity == 1)
        sift_up(q->heap, i, x, 1);
    else
        sift_up(q->heap, i, x, 2);
}

void vl_fel_heap_remove(vl_fel *q, vl_event *ev)
{
    size_t i = (size_t)ev->slot;
    ev->slot = -1;
    remove_at(q, i);
}

vl_event *vl_fel_heap_pop(vl_fel *q)
{
    if (q->size == 0)
        return NULL;
    vl_event *ev = q->heap[0].e.ev;
    ev->slot = -1;
    remove_at(q, 0);
    q->last = ev->time;
    if (q->size) /* the next to fire: fetch it while this one runs */
        __builtin_prefetch(q->heap[0].e.ev);
    return ev;
}
