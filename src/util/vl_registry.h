/* vl_registry.h - a table of entries that files register in a linker
 * section (policies, workload types), collected at the first lookup and
 * sorted by name, so that listings and lookups never depend on link order.
 *
 * Each entry is a pointer to a struct whose first member is its name
 * (`const char *name`).  The owner of a section defines one vl_registry
 * with the section's __start_ / __stop_ bounds (declared weak: an empty
 * section has none) and, if it refuses some entries, a `refuse` call-back
 * that says why (the entry is then dropped with that message on stderr). */
#ifndef VL_REGISTRY_H
#define VL_REGISTRY_H

#define VL_REGISTRY_MAX 128

typedef struct vl_registry {
    const char *what;              /* "policy", "workload type": messages */
    const void *const *start, *const *stop;
    const char *(*refuse)(const void *entry); /* NULL: keep every entry  */
    const void *entries[VL_REGISTRY_MAX];
    int n;                         /* -1 until collected                  */
} vl_registry;

#define VL_REGISTRY_INIT(what_, start_, stop_, refuse_)                          \
    {.what = (what_), .start = (const void *const *)(start_),                   \
     .stop = (const void *const *)(stop_), .refuse = (refuse_), .n = -1}

int vl_registry_count(vl_registry *r);
/* Entry i in name order, or NULL when i is out of range. */
const void *vl_registry_at(vl_registry *r, int i);
/* The entry called `name`, or NULL. */
const void *vl_registry_find(vl_registry *r, const char *name);

#endif
