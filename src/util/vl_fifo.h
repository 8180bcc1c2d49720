/* vl_fifo.h - a growable FIFO of fixed-size elements (a ring buffer that
 * doubles when full): device queues, socket queues, backend work. */
#ifndef VL_FIFO_H
#define VL_FIFO_H

#include <stddef.h>

typedef struct vl_fifo {
    unsigned char *buf;
    size_t esize;
    int head, n, cap;
} vl_fifo;

void vl_fifo_init(vl_fifo *f, size_t esize);
void vl_fifo_free(vl_fifo *f);
/* A new slot at the tail for the caller to fill; NULL when out of memory. */
void *vl_fifo_push(vl_fifo *f);
/* The i-th element from the head (0 = the oldest); i < f->n. */
void *vl_fifo_at(const vl_fifo *f, int i);
/* Drops the head element (f->n > 0). */
void vl_fifo_pop(vl_fifo *f);

#endif
