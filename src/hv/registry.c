/* hv/registry.c - the policy registry.
 *
 * Policies (VL_REGISTER_POLICY) leave a pointer in the linker section
 * vl_policies; util/vl_registry.c collects them at the first lookup, drops
 * (with a message naming it) any policy lacking a mandatory hook and sorts
 * them by name.  (Workload types register the same way in
 * workload/registry.c.) */
#include "vcpulab/sched.h"
#include "vl_registry.h"

extern const vl_sched_ops *const __start_vl_policies[] __attribute__((weak));
extern const vl_sched_ops *const __stop_vl_policies[] __attribute__((weak));

static const char *missing_hook(const void *entry)
{
    const vl_sched_ops *o = entry;
    if (!o->init)
        return "it lacks the mandatory hook init";
    if (!o->pick_cpu)
        return "it lacks the mandatory hook pick_cpu";
    if (!o->do_schedule)
        return "it lacks the mandatory hook do_schedule";
    return NULL;
}

static vl_registry policies =
    VL_REGISTRY_INIT("policy", __start_vl_policies, __stop_vl_policies, missing_hook);

int vl_policy_count(void) { return vl_registry_count(&policies); }
const vl_sched_ops *vl_policy_at(int i) { return vl_registry_at(&policies, i); }
const vl_sched_ops *vl_policy_find(const char *name) { return vl_registry_find(&policies, name); }
