/* sched/flexcore.h - the balloon controller of the `flexcore` policy
 * (flexcore_ctl.c): from what the hypervisor measured of each VM over one
 * period, how many vCPUs each VM should have online.  A pure function of
 * its inputs (no simulator state), so that it can be tested on its own
 * (tests/policy/test_flexcore.c) and reused for the static VCPU-Bal count.
 *
 * The rule (docs/policies/flexcore.md, "The controller"):
 *   1. Need and want.  A VM's demand is the time its vCPUs were running
 *      or runnable over the period, in vCPUs (0 .. online).  Utilisation
 *      is demand / online.  At or above grow_util the VM is saturated: it
 *      needs and wants every vCPU it has (nvcpus).  Otherwise it needs
 *      demand / grow_util pCPUs; at or below shrink_util x (online - 1)
 *      it wants ceil(need) vCPUs, at least 1; in between (the hysteresis
 *      band) it wants what it has.
 *   2. Share.  The pCPUs are divided in proportion to the VMs' weights
 *      (CFS shares), no VM getting more than it needs; what a VM leaves
 *      goes to the others, again by weight (water-filling, max-min fair).
 *   3. Target.  A VM whose share covers its need gets what it wants;
 *      one held below its need gets its share rounded up (a fractional
 *      share keeps a vCPU that CFS's group weights then hold to the
 *      fraction, so weights stay exact), between 1 and want.
 * A VM whose share is integral gets exactly its share: every online vCPU
 * is backed by a pCPU, FlexCore's goal; a fractional one overcommits its
 * last vCPU only.
 */
#ifndef VL_SCHED_FLEXCORE_H
#define VL_SCHED_FLEXCORE_H

#include <stdint.h>

/* One VM as the controller sees it: inputs, then outputs.  The VMs the
 * host is divided among form a list (next). */
typedef struct fc_vm_obs {
    struct fc_vm_obs *next;
    int64_t weight;   /* its CFS shares (> 0)                            */
    int nvcpus;       /* configured vCPUs (the most it can have online)  */
    int online;       /* online now (1 .. nvcpus)                        */
    double demand;    /* running + runnable over the period, in vCPUs    */
    /* outputs */
    double need;      /* step 1: pCPUs it could use, 0 .. nvcpus         */
    int want;         /* step 1: 1 .. nvcpus                             */
    double share;     /* step 2: pCPUs, 0 <= share <= need               */
    int target;       /* step 3: 1 .. want                               */
} fc_vm_obs;

typedef struct fc_ctl_params {
    double grow_util;   /* saturated at or above this utilisation        */
    double shrink_util; /* shrink at or below this x (online - 1)        */
} fc_ctl_params;

/* Fills want, share and target of every VM of the list `vms` for a host
 * of npcpus. */
void fc_ctl_targets(fc_vm_obs *vms, int npcpus, const fc_ctl_params *cp);

#endif
