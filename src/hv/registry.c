/* hv/registry.c - the policy registry.
 *
 * Policies (VL_REGISTER_POLICY) leave a pointer in a linker section; the
 * linker provides __start_/__stop_ symbols around it.  The first lookup
 * collects the entries, rejects any policy lacking a mandatory hook (with a
 * message naming it) and sorts them by name, so listings and "first match"
 * never depend on link order.  (Workload types register the same way in
 * workload/registry.c.) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vcpulab/sched.h"

extern const vl_sched_ops *const __start_vl_policies[] __attribute__((weak));
extern const vl_sched_ops *const __stop_vl_policies[] __attribute__((weak));

#define REGISTRY_MAX 128

static const vl_sched_ops *policies[REGISTRY_MAX];
static int npolicies = -1;

static int cmp_policy(const void *a, const void *b)
{
    return strcmp((*(const vl_sched_ops *const *)a)->name, (*(const vl_sched_ops *const *)b)->name);
}

static const char *missing_hook(const vl_sched_ops *o)
{
    if (!o->init)
        return "init";
    if (!o->pick_cpu)
        return "pick_cpu";
    if (!o->do_schedule)
        return "do_schedule";
    return NULL;
}

static void collect_policies(void)
{
    npolicies = 0;
    if (!__start_vl_policies)
        return;
    for (const vl_sched_ops *const *e = __start_vl_policies; e < __stop_vl_policies; e++) {
        const char *hook = missing_hook(*e);
        if (hook) {
            fprintf(stderr, "vcpulab: policy '%s' dropped: it lacks the mandatory hook %s\n",
                    (*e)->name, hook);
            continue;
        }
        if (npolicies < REGISTRY_MAX)
            policies[npolicies++] = *e;
    }
    qsort(policies, (size_t)npolicies, sizeof policies[0], cmp_policy);
}

int vl_policy_count(void)
{
    if (npolicies < 0)
        collect_policies();
    return npolicies;
}

const vl_sched_ops *vl_policy_at(int i)
{
    return i >= 0 && i < vl_policy_count() ? policies[i] : NULL;
}

const vl_sched_ops *vl_policy_find(const char *name)
{
    for (int i = 0; i < vl_policy_count(); i++)
        if (strcmp(policies[i]->name, name) == 0)
            return policies[i];
    return NULL;
}
