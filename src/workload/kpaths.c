/* workload/kpaths.c - kernel paths that several application models share,
 * with the durations docs/workloads-calibration.md section 4 gives them. */
#include "workload/workload.h"

/* page_table_lock hold inside a fault: the PTE update only (section 4.1). */
#define KPATH_FAULT_HOLD_NS 300
/* Kernel work of a buffer munmap before its shootdown (sections 4.4-4.6). */
#define KPATH_MUNMAP_NS 20000

int vl_wl_page_fault(vl_program *p, const vl_guest *g, const vl_dist *dur)
{
    vl_dist hold = vl_dist_const(KPATH_FAULT_HOLD_NS);
    return vl_prog_kernel(p, vl_guest_activity(g, "page_fault"), dur,
                          vl_guest_lock_class(g, "mm"), &hold);
}

int vl_wl_munmap(vl_program *p, const vl_guest *g)
{
    vl_dist unmap = vl_dist_const(KPATH_MUNMAP_NS);
    return vl_prog_shootdown(p, vl_guest_activity(g, "munmap"), &unmap);
}
