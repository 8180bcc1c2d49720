/* guest/hotplug.h - taking vCPUs offline and bringing them back, at the
 * hypervisor's request (vCPU ballooning, DESIGN 4.3; docs/guest-model.md).
 *
 * Offline: the request raises the hotplug interrupt on the vCPU; its
 * handler (`offline_cost`, in sched_cpu_deactivate) moves the receive
 * interrupt to another vCPU, answers the pending call-function requests
 * and marks the current task to give way at its next preemption point;
 * then every task on the vCPU, and every sleeping or blocked task homed
 * there, moves to the other online vCPUs, and the vCPU stops (OFFLINE).
 * Online: the vCPU comes back with `online_cost` of work (in
 * sched_cpu_activate) and takes tasks again through placement and load
 * balancing.  While not online a vCPU gets no new work. */
#ifndef VL_GUEST_HOTPLUG_H
#define VL_GUEST_HOTPLUG_H

#include "guest/guest.h"

/* Device vector of the hotplug notification (an ACPI / balloon-device
 * interrupt; the number is the model's). */
#define VL_VEC_HOTPLUG 0x24

/* The hypervisor's request (guest port hotplug). */
void vl_hotplug_request(vl_guest *g, int v, bool online, vl_ns now);
/* v finished its handler work. */
void vl_hotplug_handled(vl_guest *g, int v, vl_ns now);
/* v is leaving and has no handler work: moves its tasks off and stops it.
 * True if v went offline (it no longer executes). */
bool vl_hotplug_leave(vl_guest *g, int v, vl_ns now);
/* A vCPU that can take work now, near `hint` (hint itself if it can). */
int vl_hotplug_online_near(const vl_guest *g, int hint);

#endif
