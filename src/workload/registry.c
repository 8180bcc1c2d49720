/* workload/registry.c - the workload-type registry.
 *
 * Workload types (VL_REGISTER_WORKLOAD, workload/workload.h) leave a
 * pointer in the linker section vl_workloads; util/vl_registry.c collects
 * them at the first lookup and sorts them by name (as hv/registry.c does
 * for policies). */
#include "vl_registry.h"
#include "workload/workload.h"

extern const vl_workload_type *const __start_vl_workloads[] __attribute__((weak));
extern const vl_workload_type *const __stop_vl_workloads[] __attribute__((weak));

static vl_registry wtypes =
    VL_REGISTRY_INIT("workload type", __start_vl_workloads, __stop_vl_workloads, NULL);

int vl_workload_type_count(void) { return vl_registry_count(&wtypes); }
const vl_workload_type *vl_workload_type_at(int i) { return vl_registry_at(&wtypes, i); }
const vl_workload_type *vl_workload_type_find(const char *name)
{
    return vl_registry_find(&wtypes, name);
}

bool vl_workload_spec_io_bound(const vl_workload_spec *ws)
{
    return ws->io_bound < 0 ? ws->type->io_bound : ws->io_bound;
}

bool vl_workload_spec_io(const vl_workload_spec *ws)
{
    return ws->type->io || (ws->type->uses_io && ws->type->uses_io(ws->params));
}
