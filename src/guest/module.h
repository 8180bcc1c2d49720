/* guest/module.h - mechanism modules and the tables they register in.
 *
 * The guest is a kernel core (guest/guest.h: tasks, the planner, the
 * scheduler, interrupt entry and exit) and mechanism modules (cross-vCPU
 * calls, TLB shootdowns, runqueue locks, futex sync, processes, network,
 * block I/O, hotplug, ...).  A module is one file with a vl_gmod
 * descriptor, listed once in guest/modules.h.  At guest creation the core
 * calls every module's init in list order; init allocates the module's
 * private state into g->priv[VL_GMOD_<name>] and registers the module's
 * interrupt vectors (and, through the other vl_guest_* registration calls,
 * its ops and hooks).  The core calls modules only through these tables,
 * walking them in registration order; docs/guest-model.md, "Architecture",
 * lists the tables and the modules. */
#ifndef VL_GUEST_MODULE_H
#define VL_GUEST_MODULE_H

#include "guest/guest.h"
#include "vcpulab/scenario.h"

typedef struct vl_gmod {
    const char *name;
    /* Sets the module up in g (after the core): private state, the
     * registrations.  0, or -1 when out of memory.  NULL: nothing to do. */
    int (*init)(vl_guest *g, const vl_guest_spec *spec);
    /* Frees the private state (also after a failed init).  NULL: none. */
    void (*fini)(vl_guest *g);
} vl_gmod;

/* Every module's descriptor (defined in its own file). */
#define VL_GMOD_DECLARE(name) extern const vl_gmod vl_gmod_##name;
VL_GUEST_MODULES(VL_GMOD_DECLARE)
#undef VL_GMOD_DECLARE

/* The handler of `vector` on this guest (one per vector; a later
 * registration replaces an earlier one).  Unregistered vectors are
 * ignored. */
void vl_guest_vector(vl_guest *g, int vector, vl_vector_fn fn);

#endif
