/* vl_array.c - arrays that grow by doubling. */
#include "vl_array.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

int vl_array_grow(void *arrp, int *cap, size_t size, int first)
{
    if (*cap > INT_MAX / 2)
        return -1;
    int grown = *cap ? 2 * *cap : first;
    void *old;
    memcpy(&old, arrp, sizeof old);
    void *a = realloc(old, (size_t)grown * size);
    if (!a)
        return -1;
    memcpy(arrp, &a, sizeof a);
    *cap = grown;
    return 0;
}
