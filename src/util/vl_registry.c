/* vl_registry.c - linker-section registries: collect, check, sort, look up. */
#include "vl_registry.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *name_of(const void *entry) { return *(const char *const *)entry; }

static int by_name(const void *a, const void *b)
{
    return strcmp(name_of(*(const void *const *)a), name_of(*(const void *const *)b));
}

static void collect(vl_registry *r)
{
    r->n = 0;
    if (!r->start)
        return;
    for (const void *const *e = r->start; e < r->stop; e++) {
        const char *why = r->refuse ? r->refuse(*e) : NULL;
        if (why)
            fprintf(stderr, "vcpulab: %s '%s' dropped: %s\n", r->what, name_of(*e), why);
        else if (r->n == VL_REGISTRY_MAX)
            fprintf(stderr, "vcpulab: %s '%s' dropped: more than %d registered\n", r->what,
                    name_of(*e), VL_REGISTRY_MAX);
        else
            r->entries[r->n++] = *e;
    }
    qsort(r->entries, (size_t)r->n, sizeof r->entries[0], by_name);
}

int vl_registry_count(vl_registry *r)
{
    if (r->n < 0)
        collect(r);
    return r->n;
}

const void *vl_registry_at(vl_registry *r, int i)
{
    return i >= 0 && i < vl_registry_count(r) ? r->entries[i] : NULL;
}

const void *vl_registry_find(vl_registry *r, const char *name)
{
    for (int i = 0; i < vl_registry_count(r); i++)
        if (strcmp(name_of(r->entries[i]), name) == 0)
            return r->entries[i];
    return NULL;
}
