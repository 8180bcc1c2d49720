/* guest/hotplug.h - taking vCPUs offline and bringing them back, at the
 * hypervisor's request (vCPU ballooning, DESIGN 4.3; docs/guest-model.md).
 *
 * Offline: the request (the guest port's hotplug entry) raises the
 * hotplug interrupt on the vCPU; its handler (`offline_cost`, in
 * sched_cpu_deactivate), once done (the irq_done hook), runs the modules'
 * cpu_down steps (the receive interrupt moves away) and marks the current
 * task to give way at its next preemption point; then (the leave hook)
 * every task on the vCPU, and every sleeping or blocked task homed there,
 * moves to the other online vCPUs, the modules' cpu_dying steps run
 * (queued calls are answered), and the vCPU stops (OFFLINE).  Online: the
 * vCPU comes back with `online_cost` of work (in sched_cpu_activate) and
 * takes tasks again through placement and load balancing.  While not
 * online a vCPU gets no new work. */
#ifndef VL_GUEST_HOTPLUG_H
#define VL_GUEST_HOTPLUG_H

#include "guest/guest.h"

/* Device vector of the hotplug notification (an ACPI / balloon-device
 * interrupt; the number is the model's). */
#define VL_VEC_HOTPLUG 0x24

typedef struct vl_ghotplug {
    vl_ns offline_cost, online_cost; /* the handlers' work               */
    uint64_t rip_down, rip_up; /* sched_cpu_deactivate / _activate       */
    uint64_t moves;         /* tasks moved off vCPUs going offline        */
} vl_ghotplug;

static inline vl_ghotplug *vl_hotplug_of(const vl_guest *g)
{
    return g->priv[VL_GMOD_hotplug];
}

#endif
