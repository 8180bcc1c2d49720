/* guest/process.h - processes created and ended at run time (the module
 * "process": ops SPAWN and REAP, the task_exit hook): what the report
 * reads of it. */
#ifndef VL_GUEST_PROCESS_H
#define VL_GUEST_PROCESS_H

#include "guest/guest.h"

/* Address spaces of processes forked at run time start here (workloads'
 * own processes use smaller ids). */
#define VL_GUEST_CHILD_MM_BASE (1 << 24)

typedef struct vl_gprocess {
    int next_mm;            /* address space of the next forked child      */
    uint64_t forks, exits;  /* processes created / ended at run time       */
} vl_gprocess;

static inline vl_gprocess *vl_process_of(const vl_guest *g)
{
    return g->priv[VL_GMOD_process];
}

#endif
