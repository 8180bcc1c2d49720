/* bench/plain_heap.h - the benchmark's baseline event list: a plain
 * implicit d-ary heap (d = 2 or 4) of (time, order, id) nodes, nothing
 * else.  Sifting compares and moves array nodes only: no node points
 * anywhere, nothing outside the array is read or written, and there is no
 * index map, so it cannot remove an event (the engine's lists can: the
 * hold model needs no removal, which makes this the cheapest heap to beat).
 * Pop fills the hole bottom-up (Wegener: one comparison per level down,
 * the last node rising from the bottom); the benchmark's hold loop asks
 * the cache for the next event's record after a pop, as the engine's lists
 * do themselves.
 *
 * Used by bench.c only; touches nothing but its own array. */
#ifndef VL_BENCH_PLAIN_HEAP_H
#define VL_BENCH_PLAIN_HEAP_H

#include <stdint.h>
#include <stdlib.h>

#include "sim/fel.h"

/* 24 bytes: the engine's full key (a 64-bit order: class and a 56-bit
 * sequence number) and a 32-bit event number. */
typedef struct plain_node {
    vl_ns time;
    uint64_t order;
    uint32_t id;
} plain_node;

typedef struct plain_heap {
    plain_node *h;
    uint32_t n, cap;
} plain_heap;

static inline __attribute__((always_inline)) int plain_less(const plain_node *a,
                                                            const plain_node *b)
{
    unsigned __int128 ka = (unsigned __int128)(uint64_t)a->time << 64 | a->order;
    unsigned __int128 kb = (unsigned __int128)(uint64_t)b->time << 64 | b->order;
    return ka < kb;
}

static inline __attribute__((always_inline)) void plain_sift_up(plain_node *h, uint32_t i,
                                                                plain_node x, int la)
{
    while (i > 0) {
        uint32_t p = (i - 1) >> la;
        if (!plain_less(&x, &h[p]))
            break;
        h[i] = h[p];
        i = p;
    }
    h[i] = x;
}

static inline __attribute__((always_inline)) void plain_push(plain_heap *q, plain_node x, int la)
{
    if (q->n == q->cap)
        q->h = vl_fel_grow(q->h, &q->cap, sizeof *q->h);
    plain_sift_up(q->h, q->n++, x, la);
}

/* Removes and returns the smallest node (the heap is not empty). */
static inline __attribute__((always_inline)) plain_node plain_pop(plain_heap *q, int la)
{
    plain_node *h = q->h;
    plain_node top = h[0];
    uint32_t n = --q->n, i = 0;
    if (n == 0)
        return top;
    for (uint32_t c; (c = (i << la) + 1) < n; i = c) {
        if (c + (1u << la) <= n) { /* all children */
            uint32_t m = c + plain_less(&h[c + 1], &h[c]);
            if (la == 2) {
                uint32_t m2 = c + 2 + plain_less(&h[c + 3], &h[c + 2]);
                m = plain_less(&h[m2], &h[m]) ? m2 : m;
            }
            c = m;
        } else {
            for (uint32_t k = c + 1; k < n; k++)
                c = plain_less(&h[k], &h[c]) ? k : c;
        }
        h[i] = h[c];
    }
    plain_sift_up(h, i, h[n], la);
    return top;
}

#endif
