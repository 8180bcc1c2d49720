/* guest/lifecycle.h - building a guest kernel instance (the core, then
 * every module of guest/modules.h), adding tasks and sync objects to it,
 * and tearing it down (guest/lifecycle.c).  The objects themselves are in
 * guest/guest.h. */
#ifndef VL_GUEST_LIFECYCLE_H
#define VL_GUEST_LIFECYCLE_H

#include "guest/guest.h"

struct vl_guest_spec;
struct vl_kernel_image;
/* The guest of VM `vm` of hv, on hv's engine `sim`.  kernel: the guest
 * kernel's image (guest/kernel.h; shared, read-only); spec: the guest kernel's
 * configuration (vms[].guest).  The caller attaches it to the hypervisor
 * (vl_hv_attach_guest with g->port).  NULL when out of memory. */
vl_guest *vl_guest_create(struct vl_hv *hv, vl_sim *sim, int vm, const char *name, int nvcpus,
                          uint64_t seed, const struct vl_kernel_image *kernel,
                          const struct vl_guest_spec *spec);
void vl_guest_destroy(vl_guest *g);
/* Creates a task running `prog` (not copied: it must outlive the guest);
 * its RNG stream is named "<vm>/<stream>".  NULL when out of memory. */
vl_task *vl_guest_task_create(vl_guest *g, const char *stream, const vl_program *prog,
                              vl_wstats *stats);
/* Charges every executing segment up to `now` (before reading measures). */
void vl_guest_settle(vl_guest *g, vl_ns now);

#endif
