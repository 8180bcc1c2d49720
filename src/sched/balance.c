/* sched/balance.c - balance scheduling (Sukwong & Kim, "Is co-scheduling
 * too expensive for SMP VMs?", EuroSys 2011) on KVM's CFS: the `cfs`
 * policy, but a vCPU is never placed, nor moved by load balancing, onto a
 * pCPU where a sibling of its VM is queued or running (cfs_coord.c;
 * docs/policies/dcs.md, "balance"). */
#include "cfs_params.h"

static const char *const balance_counter_names[] = {CFS_COUNTER_NAMES, CFS_COORD_COUNTER_NAMES,
                                                    NULL};
static const char *const balance_modes[] = {"off", "pure", "pure", "load-conscious", NULL};

static const vl_param balance_params[] = {
    CFS_PARAM_ENTRIES
    {"balance", VL_PARAM_ENUM, offsetof(cfs_priv, balance_mode), 1, 0, 0, "",
     "vCPU placement: pure balance (no two siblings on a pCPU: the EuroSys 2011 scheme), or "
     "load-conscious (DCS's refinement), or off (plain cfs)", balance_modes},
    {"balance_pct", VL_PARAM_INT, offsetof(cfs_priv, balance_pct), 100, 1, 1000, "%",
     "load-conscious only: light at most at average load x pct/100", NULL},
    VL_PARAM_END,
};

static const vl_param balance_vm_params[] = {
    CFS_VM_PARAM_ENTRIES
    VL_PARAM_END,
};

static const vl_sched_ops balance_ops = {
    .name = "balance",
    .description = "Balance scheduling on KVM's CFS: sibling vCPUs are never placed on (or "
                   "balanced onto) the same pCPU runqueue, so they are not stacked.",
    .params = balance_params,
    .vm_params = balance_vm_params,
    .counters = balance_counter_names,
    CFS_FAMILY_OPS,
};
VL_REGISTER_POLICY(balance_ops);
