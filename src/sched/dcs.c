/* sched/dcs.c - demand-based coordinated scheduling (Kim, Kim, Jeong, Lee,
 * Maeng, ASPLOS 2013) on KVM's CFS: the `cfs` policy with IPI-driven
 * urgent-vCPU-first scheduling and load-conscious balance scheduling
 * (the mechanisms are in cfs_coord.c; docs/policies/dcs.md).  Defaults are
 * those of the authors' evaluation scripts (policy-facts 4.1): urgent
 * slice 0.5 ms, urgent allowance 18 ms, TLB co-scheduling on, reschedule
 * sender delay 0.5 ms, reschedule co-scheduling off, load-conscious
 * balance at 100%.  Every mechanism switches off on its own for
 * ablations. */
#include "cfs_params.h"

static const char *const dcs_counter_names[] = {CFS_COUNTER_NAMES, CFS_COORD_COUNTER_NAMES, NULL};
static const char *const balance_modes[] = {"off", "pure", "pure", "load-conscious", NULL};

#define DCS_PARAM_ENTRIES                                                                          \
    {"balance", VL_PARAM_ENUM, offsetof(cfs_priv, balance_mode), 3, 0, 0, "",                      \
     "vCPU placement: off, pure (no two siblings on a pCPU), load-conscious (and not on an "       \
     "overloaded pCPU) (cpu.balsched 0/1/3)", balance_modes},                                      \
    {"balance_pct", VL_PARAM_INT, offsetof(cfs_priv, balance_pct), 100, 1, 1000, "%",             \
     "load-conscious: a pCPU is light at most at average load x pct/100 "                          \
     "(balsched_load_imbalance_pct; the evaluation used 100)", NULL},                               \
    {"urgent", VL_PARAM_BOOL, offsetof(cfs_priv, urgent), 1, 0, 1, "bool",                        \
     "urgent-vCPU-first: urgent vCPUs are picked first (sched_urgent_enabled)", NULL},             \
    {"urgent_slice", VL_PARAM_TIME, offsetof(cfs_priv, urgent_slice), VL_US(500), VL_US(10),       \
     VL_MS(100), "ns", "urgent time slice: an urgent vCPU runs this long unpreempted "              \
     "(sched_urgent_tslice_limit_ns: 500us)", NULL},                                               \
    {"urgent_allowance", VL_PARAM_TIME, offsetof(cfs_priv, urgent_allowance), VL_MS(18), 0,      \
     VL_S(1), "ns", "urgent allowance: an urgent VM goes first only within this vruntime of the "  \
     "leftmost (sched_urgent_latency_ns; evaluation 18ms)", NULL},                                 \
    {"tlb_cosched", VL_PARAM_BOOL, offsetof(cfs_priv, tlb_cosched), 1, 0, 1, "bool",              \
     "TLB-shootdown IPI receivers (vectors 0xf0-0xf7) become urgent (cpu.ipisched 0x2)", NULL},    \
    {"tlb_extension", VL_PARAM_TIME, offsetof(cfs_priv, tlb_extension), VL_US(100), 0, VL_MS(10), \
     "ns", "urgent slice added when a TLB IPI hits a running vCPU (sched_tlb_shootdown_ns)",       \
     NULL},                                                                                        \
    {"resched_delay", VL_PARAM_TIME, offsetof(cfs_priv, resched_delay), VL_US(500), 0, VL_MS(10), \
     "ns", "a reschedule-IPI sender is not preempted for this long; 0 = off "                      \
     "(resched_ipi_unlock_latency_ns, cpu.ipisched 0x1)", NULL},                                   \
    {"resched_cosched", VL_PARAM_TIME, offsetof(cfs_priv, resched_cosched), 0, 0, VL_MS(10),      \
     "ns", "urgent slice of a reschedule-IPI receiver; 0 = off (resched_ipi_cosched_tslice_ns, "   \
     "cpu.ipisched 0x4)", NULL}

static const vl_param dcs_params[] = {
    CFS_PARAM_ENTRIES
    DCS_PARAM_ENTRIES,
    VL_PARAM_END,
};

static const vl_param dcs_vm_params[] = {
    CFS_VM_PARAM_ENTRIES
    VL_PARAM_END,
};

static const vl_sched_ops dcs_ops = {
    .name = "dcs",
    .description = "Demand-based coordinated scheduling on KVM's CFS: IPIs classified by vector "
                   "make TLB-shootdown receivers urgent (picked first within an allowance, run an "
                   "urgent slice unpreempted), reschedule-IPI senders get a preemption delay, and "
                   "vCPUs are placed load-conscious and never beside a sibling.",
    .params = dcs_params,
    .vm_params = dcs_vm_params,
    .counters = dcs_counter_names,
    CFS_FAMILY_OPS,
    .ipi_sent = cfs_coord_ipi,
};
VL_REGISTER_POLICY(dcs_ops);
