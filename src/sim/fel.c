/* sim/fel.c - the future-event list's set-up, teardown and memory count,
 * what the implementations (fel_radix.c, fel_heap.c) share, and event
 * initialisation.  The calls of the hot path dispatch inline in fel.h. */
#include "sim/fel.h"
#include "vl_oom.h"

#include <stdlib.h>

void vl_event_init(vl_event *ev, vl_event_fn fn, void *ctx, vl_event_class cls, uint32_t tag)
{
    ev->time = 0;
    ev->order = (uint64_t)cls << VL_EVENT_SEQ_BITS;
    ev->late_ns = ev->late_seq = 0;
    ev->slot = -1;
    ev->tag = tag;
    ev->fn = fn;
    ev->ctx = ctx;
}

void *vl_fel_grow(void *a, uint32_t *cap, size_t size)
{
    uint32_t n = *cap ? 2 * *cap : 16;
    void *b = n > *cap ? realloc(a, (size_t)n * size) : NULL;
    if (!b)
        vl_out_of_memory("the event list");
    *cap = n;
    return b;
}

static size_t vec_bytes(const vl_fel_vec *v)
{
    return (size_t)v->cap * sizeof *v->e;
}

int vl_fel_init(vl_fel *q, vl_fel_kind kind)
{
    *q = (vl_fel){.kind = kind};
    switch (kind) {
    case VL_FEL_HEAP:
        vl_fel_heap_init(q, 1);
        return 0;
    case VL_FEL_HEAP4:
        vl_fel_heap_init(q, 2);
        return 0;
    case VL_FEL_RADIX:
        return vl_fel_radix_init(q);
    }
    return -1;
}

void vl_fel_fini(vl_fel *q)
{
    free(q->heap);
    free(q->now.e);
    free(q->run.e);
    free(q->bucket);
    for (size_t i = 0; i < q->nblocks; i++)
        free(q->blocks[i]);
    free(q->blocks);
    *q = (vl_fel){0};
}

size_t vl_fel_bytes(const vl_fel *q)
{
    size_t n = q->heap_cap * sizeof *q->heap + vec_bytes(&q->now) + vec_bytes(&q->run);
    if (q->bucket)
        n += VL_RADIX_BUCKETS * sizeof *q->bucket;
    n += q->nblocks * (sizeof *q->blocks + VL_RADIX_BLOCK * sizeof(vl_fel_chunk));
    return n;
}
