/* workload/registry.c - the workload-type registry.
 *
 * Workload types (VL_REGISTER_WORKLOAD, workload/workload.h) leave a
 * pointer in the linker section vl_workloads; the linker provides
 * __start_/__stop_ symbols around it.  The first lookup collects the
 * entries and sorts them by name, so listings and "first match" never
 * depend on link order (as hv/registry.c does for policies). */
#include <stdlib.h>
#include <string.h>

#include "workload/workload.h"

extern const vl_workload_type *const __start_vl_workloads[] __attribute__((weak));
extern const vl_workload_type *const __stop_vl_workloads[] __attribute__((weak));

#define REGISTRY_MAX 128

static const vl_workload_type *wtypes[REGISTRY_MAX];
static int nwtypes = -1;

static int cmp_wtype(const void *a, const void *b)
{
    return strcmp((*(const vl_workload_type *const *)a)->name,
                  (*(const vl_workload_type *const *)b)->name);
}

static void collect_wtypes(void)
{
    nwtypes = 0;
    if (!__start_vl_workloads)
        return;
    for (const vl_workload_type *const *e = __start_vl_workloads; e < __stop_vl_workloads; e++)
        if (nwtypes < REGISTRY_MAX)
            wtypes[nwtypes++] = *e;
    qsort(wtypes, (size_t)nwtypes, sizeof wtypes[0], cmp_wtype);
}

int vl_workload_type_count(void)
{
    if (nwtypes < 0)
        collect_wtypes();
    return nwtypes;
}

const vl_workload_type *vl_workload_type_at(int i)
{
    return i >= 0 && i < vl_workload_type_count() ? wtypes[i] : NULL;
}

const vl_workload_type *vl_workload_type_find(const char *name)
{
    for (int i = 0; i < vl_workload_type_count(); i++)
        if (strcmp(wtypes[i]->name, name) == 0)
            return wtypes[i];
    return NULL;
}
