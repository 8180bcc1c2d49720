/* vl_fifo.c - growable FIFO (vl_fifo.h). */
#include "vl_fifo.h"

#include <stdlib.h>
#include <string.h>

void vl_fifo_init(vl_fifo *f, size_t esize)
{
    *f = (vl_fifo){.esize = esize};
}

void vl_fifo_free(vl_fifo *f)
{
    free(f->buf);
    vl_fifo_init(f, f->esize);
}

void *vl_fifo_at(const vl_fifo *f, int i)
{
    return f->buf + (size_t)((f->head + i) % f->cap) * f->esize;
}

void *vl_fifo_push(vl_fifo *f)
{
    if (f->n == f->cap) { /* unroll into a buffer twice the size */
        int cap = f->cap ? 2 * f->cap : 16;
        unsigned char *b = malloc((size_t)cap * f->esize);
        if (!b)
            return NULL;
        for (int i = 0; i < f->n; i++)
            memcpy(b + (size_t)i * f->esize, vl_fifo_at(f, i), f->esize);
        free(f->buf);
        f->buf = b;
        f->head = 0;
        f->cap = cap;
    }
    return vl_fifo_at(f, f->n++);
}

void vl_fifo_pop(vl_fifo *f)
{
    f->head = (f->head + 1) % f->cap;
    f->n--;
}
