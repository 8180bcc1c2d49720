/* guest/kernel.h - the guest kernel's catalogue (guest/kernel.c): its
 * activities, lock classes and instances, and where its functions lie in
 * the System.map. */
#ifndef VL_GUEST_KERNEL_H
#define VL_GUEST_KERNEL_H

#include "guest/guest.h"

#define VL_GUEST_DEFAULT_HZ 250 /* Debian/Ubuntu kernels: CONFIG_HZ_250 */

/* The catalogue's names, in id order (NULL-terminated): for workload
 * parameter tables (VL_PARAM_ENUM).  Lock classes start with "none" (-1). */
extern const char *const vl_guest_activity_names[];
extern const char *const vl_guest_lock_class_names[];

/* Where code running in kernel function `symbol` is shown: the middle of
 * its extent in the System.map; 0 if the map lacks it. */
uint64_t vl_guest_rip(const vl_guest *g, const char *symbol);
/* Ids of a kernel activity / lock class by name, -1 if unknown. */
int vl_guest_activity(const vl_guest *g, const char *name);
int vl_guest_lock_class(const vl_guest *g, const char *name);
/* Lock instance `id` (created on first use; NULL when out of memory).
 * Inline: plans look a lock up at every hold they reserve or drop. */
vl_glock *vl_guest_lock_create(vl_guest *g, int id);
static inline vl_glock *vl_guest_lock(vl_guest *g, int id)
{
    vl_glock **chunk = g->lock_chunks[(unsigned)id / VL_LOCK_CHUNK];
    vl_glock *L = chunk ? chunk[(unsigned)id % VL_LOCK_CHUNK] : NULL;
    return L ? L : vl_guest_lock_create(g, id);
}
/* Frees every lock instance (vl_guest_destroy). */
void vl_guest_locks_free(vl_guest *g);
/* The guest kernel's image: its System.map and the activities placed in
 * it, one for every guest of a model (read-only while they live). */
typedef struct vl_kernel_image {
    const vl_ksyms *ksyms;
    vl_activity *activities;
    int nactivities;
} vl_kernel_image;
/* Places the activities in ks (which must outlive the image).  Returns 0,
 * or -1 when out of memory or when ks lacks an activity's function. */
int vl_kernel_image_load(vl_kernel_image *k, const vl_ksyms *ks);
void vl_kernel_image_free(vl_kernel_image *k);
/* Sets up g's kernel catalogue on `image` (guest/kernel.c). */
int vl_guest_kernel_init(vl_guest *g, const vl_kernel_image *image);

#endif
