/* sim/fel.h - the future-event list: a priority queue of vl_event in
 * (time, order), with removal.  Implementations behind one interface:
 *   VL_FEL_RADIX     a radix heap over coarse time (fel_radix.c): the
 *                    default (VL_FEL_DEFAULT).
 *   VL_FEL_HEAP      a binary heap with the keys in its array and each
 *                    event's index kept for removal (fel_heap.c): the
 *                    reference (tests check that every list gives the
 *                    same event stream) and a baseline of `bench`.
 *   VL_FEL_HEAP4     the same heap with four children per node.
 *
 * Times are >= 0 (keys compare as unsigned).  The radix heap relies on
 * the engine's guarantee that nothing is inserted before the time of the
 * last event popped (`last`).  The insert, remove and pop calls dispatch
 * inline (below), so that the engine's loop calls the list directly. */
#ifndef VL_SIM_FEL_H
#define VL_SIM_FEL_H

#include <assert.h>
#include <stddef.h>

#include "sim/event.h"

typedef enum vl_fel_kind {
    VL_FEL_RADIX = 0,
    VL_FEL_HEAP,
    VL_FEL_HEAP4,
    VL_FEL_DEFAULT = VL_FEL_RADIX
} vl_fel_kind;

/* An event as an array entry: its key inline, so that ordering the array
 * never reads the (cold) event. */
typedef struct vl_fel_entry {
    vl_ns time;
    uint64_t order;
    vl_event *ev;
} vl_fel_entry;

/* A heap's element: an entry padded to 32 bytes, so that indexing is a
 * shift (the heaps ran 4-10% faster at up to 10^4 pending, 12% slower at
 * 10^6). */
typedef struct vl_heap_node {
    vl_fel_entry e;
    uint64_t unused;
} vl_heap_node;

typedef struct vl_fel_vec {
    vl_fel_entry *e;
    uint32_t n, cap;
} vl_fel_vec;

/* Radix heap over coarse time (fel_radix.c): a slot is 2^slot_shift ns;
 * slot numbers are cut into digits, VL_RADIX_DIGIT0 bits for level 0 and
 * VL_RADIX_DIGIT bits for each level above; bucket (level, digit) holds
 * the entries whose highest slot digit differing from the current slot's
 * is at `level` and has value `digit`.  A wide level 0 files most events
 * of up to ~10^3 pending once, straight into their slot (1.3x the holds/s
 * of 8 bits at 10^2 pending). */
#define VL_RADIX_DIGIT0 11
#define VL_RADIX_DIGIT 8
#define VL_RADIX_LEVELS (1 + (63 - VL_RADIX_DIGIT0 + VL_RADIX_DIGIT - 1) / VL_RADIX_DIGIT)
#define VL_RADIX_BUCKETS ((1 << VL_RADIX_DIGIT0) + ((VL_RADIX_LEVELS - 1) << VL_RADIX_DIGIT))
#define VL_RADIX_WORDS ((VL_RADIX_BUCKETS + 63) / 64) /* at most 64 */
#define VL_RADIX_CHUNK 10 /* entries per chunk: 256 bytes */
#define VL_RADIX_BLOCK 64 /* chunks per allocation */

/* Entries of a bucket after its first. */
typedef struct vl_fel_chunk {
    struct vl_fel_chunk *next; /* the next chunk of the bucket, or free   */
    uint32_t n;
    vl_fel_entry e[VL_RADIX_CHUNK];
} vl_fel_chunk;

/* A bucket's first entry is in place (most slots hold one or none). */
typedef struct vl_radix_bucket {
    vl_fel_entry first; /* valid while the bucket's `nonempty` bit is set */
    vl_fel_chunk *more; /* the other entries                             */
} vl_radix_bucket;

typedef struct vl_fel {
    vl_fel_kind kind;
    size_t size;            /* pending events                              */
    vl_ns last;             /* time of the last popped event: no insert
                             * may come before it                          */
    /* heaps: the array (heap order), and log2 of the children per node */
    vl_heap_node *heap;
    uint32_t heap_cap;
    int log_arity;
    /* radix heap */
    vl_fel_vec now;             /* entries of slot `slot` that `run` does
                                 * not hold: a binary heap                 */
    vl_fel_vec run;             /* more entries of slot `slot`, sorted:
                                 * [run_head, run.n) is yet to pop         */
    uint32_t run_head;
    bool filling;               /* advance() files the new slot into `run` */
    int64_t slot;               /* the current slot (time >> slot_shift)   */
    int slot_shift;             /* slot width: 2^slot_shift ns             */
    vl_radix_bucket *bucket;    /* VL_RADIX_BUCKETS                        */
    vl_fel_chunk *free_chunks;
    void **blocks;              /* chunks are allocated in blocks          */
    size_t nblocks;
    uint64_t nonempty[VL_RADIX_WORDS]; /* bit b: bucket[b] holds entries   */
    uint64_t nonempty_words;    /* bit w: nonempty[w] != 0                 */
    size_t stale;               /* entries of removed events               */
    uint32_t window_len, window_left; /* pops in the window that started
                                 * at window_start, and still to come      */
    uint32_t window_instants;   /* pops in it at a later time than the one
                                 * before                                  */
    vl_ns window_start;
} vl_fel;

int vl_fel_init(vl_fel *q, vl_fel_kind kind);
void vl_fel_fini(vl_fel *q);
/* Bytes the list has allocated (not counting the events). */
size_t vl_fel_bytes(const vl_fel *q);

/* ------------------------------------------- shared by the implementations */

static inline bool vl_fel_entry_less(const vl_fel_entry *a, const vl_fel_entry *b)
{
    /* times are >= 0: one 128-bit comparison, no branch */
    unsigned __int128 ka = (unsigned __int128)(uint64_t)a->time << 64 | a->order;
    unsigned __int128 kb = (unsigned __int128)(uint64_t)b->time << 64 | b->order;
    return ka < kb;
}

static inline vl_fel_entry vl_fel_entry_of(vl_event *ev)
{
    return (vl_fel_entry){ev->time, ev->order, ev};
}

/* Doubles the capacity *cap of array a of elements of `size` bytes;
 * ends the run when memory runs out (vl_out_of_memory: the hot path has
 * nothing sane to return an error to). */
void *vl_fel_grow(void *a, uint32_t *cap, size_t size);
static inline void vl_fel_vec_grow(vl_fel_vec *v)
{
    v->e = vl_fel_grow(v->e, &v->cap, sizeof *v->e);
}
static inline void vl_fel_vec_push(vl_fel_vec *v, vl_fel_entry e)
{
    if (v->n == v->cap)
        vl_fel_vec_grow(v);
    v->e[v->n++] = e;
}

void vl_fel_heap_init(vl_fel *q, int log_arity);
void vl_fel_heap_insert(vl_fel *q, vl_event *ev);
void vl_fel_heap_remove(vl_fel *q, vl_event *ev);
vl_event *vl_fel_heap_pop(vl_fel *q);

int vl_fel_radix_init(vl_fel *q);
void vl_fel_radix_insert(vl_fel *q, vl_event *ev);
void vl_fel_radix_remove(vl_fel *q, vl_event *ev);
vl_event *vl_fel_radix_pop(vl_fel *q);

/* ------------------------------------------------------------- dispatch */

/* Inserts a non-pending event (time and order already set). */
static inline void vl_fel_insert(vl_fel *q, vl_event *ev)
{
    assert(ev->slot < 0);
    assert(ev->time >= q->last || q->size == 0);
    if (q->kind == VL_FEL_RADIX)
        vl_fel_radix_insert(q, ev);
    else
        vl_fel_heap_insert(q, ev);
}

/* Removes a pending event. */
static inline void vl_fel_remove(vl_fel *q, vl_event *ev)
{
    assert(ev->slot >= 0);
    if (q->kind == VL_FEL_RADIX)
        vl_fel_radix_remove(q, ev);
    else
        vl_fel_heap_remove(q, ev);
}

/* Removes and returns the first event, or NULL. */
static inline vl_event *vl_fel_pop(vl_fel *q)
{
    return q->kind == VL_FEL_RADIX ? vl_fel_radix_pop(q) : vl_fel_heap_pop(q);
}

#endif
