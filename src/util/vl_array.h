/* vl_array.h - arrays that grow by doubling. */
#ifndef VL_ARRAY_H
#define VL_ARRAY_H

#include <stddef.h>

/* Makes room for element n of the array whose pointer is at `arrp` (a
 * `T **`, as void *), holding *cap elements of `size` bytes: when n
 * reaches *cap, the array doubles (to `first` elements when empty) and may
 * move.  Returns 0, or -1 when out of memory or past INT_MAX elements (the
 * array and *cap are then unchanged).  vl_array_grow doubles it
 * unconditionally. */
int vl_array_grow(void *arrp, int *cap, size_t size, int first);
static inline int vl_array_room(void *arrp, int *cap, int n, size_t size, int first)
{
    return n < *cap ? 0 : vl_array_grow(arrp, cap, size, first); /* the test inline: hot callers */
}

#endif
