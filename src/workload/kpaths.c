/* workload/kpaths.c - kernel paths that several application models share,
 * with the durations docs/workloads-calibration.md section 4 gives them. */
#include "guest/kernel.h"
#include "workload/workload.h"

/* page_table_lock hold inside a fault: the PTE update only (section 4.1). */
#define KPATH_FAULT_HOLD_NS 300
/* Kernel work of a buffer munmap before its shootdown (sections 4.4-4.6). */
#define KPATH_MUNMAP_NS 20000
/* A futex call: stress-ng --futex measured 1.38 us per system call (2.4);
 * the bucket hold is the contended-wait estimate of section 4. */
#define KPATH_FUTEX_NS 1400
#define KPATH_FUTEX_HOLD_NS 1000

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

static int futex_call(vl_program *p, const vl_guest *g, const char *activity)
{
    vl_dist call = vl_dist_const(KPATH_FUTEX_NS), hold = vl_dist_const(KPATH_FUTEX_HOLD_NS);
    return vl_prog_kernel(p, vl_guest_activity(g, activity), &call,
                          vl_guest_lock_class(g, "futex_hash"), &hold);
}

int vl_wl_futex_barrier(vl_program *p, const vl_guest *g, int sync)
{
    int k = futex_call(p, g, "futex_wait");
    return k < 0 || vl_prog_barrier(p, sync) < 0 ? -1 : k;
}

int vl_wl_futex_wait(vl_program *p, const vl_guest *g, int sync)
{
    int k = futex_call(p, g, "futex_wait");
    return k < 0 || vl_prog_wait(p, sync) < 0 ? -1 : k;
}

int vl_wl_futex_wake(vl_program *p, const vl_guest *g, int sync)
{
    int k = futex_call(p, g, "futex_wake");
    return k < 0 || vl_prog_wake(p, sync) < 0 ? -1 : k;
}
