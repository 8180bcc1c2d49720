/* vl_linux_cfs.h - Linux CFS tunables, as the kernel sets them, for the two
 * CFS schedulers of the model: the host's (sched/cfs.c, scheduling vCPUs)
 * and each guest's (guest/gsched.c, scheduling tasks).
 *
 * The base values are kernel/sched/fair.c's sysctl_sched_latency,
 * sysctl_sched_min_granularity and sysctl_sched_wakeup_granularity (Linux
 * 2.6.38 to 6.5; EEVDF replaced them in 6.6).  At boot the kernel
 * multiplies each by 1 + ilog2(min(online CPUs, 8))
 * (SCHED_TUNABLESCALING_LOG, the default; update_sysctl /
 * get_update_sysctl_factor). */
#ifndef VL_LINUX_CFS_H
#define VL_LINUX_CFS_H

#include "vl_time.h"

#define VL_CFS_LATENCY VL_MS(6)            /* sysctl_sched_latency, unscaled            */
#define VL_CFS_MIN_GRANULARITY VL_US(750)  /* sysctl_sched_min_granularity, unscaled    */
#define VL_CFS_WAKEUP_GRANULARITY VL_MS(1) /* sysctl_sched_wakeup_granularity, unscaled */
#define VL_CFS_NR_LATENCY 8                /* sched_nr_latency: latency / min_gran      */
#define VL_CFS_SCALE_MAX_CPUS 8

/* The boot-time factor of the tunables on `ncpus` CPUs. */
static inline int vl_cfs_tunable_factor(int ncpus)
{
    int n = ncpus < VL_CFS_SCALE_MAX_CPUS ? ncpus : VL_CFS_SCALE_MAX_CPUS, f = 1;
    while (n >>= 1)
        f++;
    return f;
}

#endif
