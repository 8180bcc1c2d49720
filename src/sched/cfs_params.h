/* sched/cfs_params.h - the parameter entries, ops-table fields and counter
 * names of CFS, which the policies built on it (balance, dcs) start theirs
 * with. */
#ifndef VL_SCHED_CFS_PARAMS_H
#define VL_SCHED_CFS_PARAMS_H

#include "cfs_priv.h"

#define CFS_PARAM_ENTRIES \
    {"latency", VL_PARAM_TIME, offsetof(cfs_priv, latency), 0, 0, VL_S(1), "ns", \
     "sched_latency: every runnable entity runs once per period; 0 = 6ms x (1+log2 min(pCPUs,8)) " \
     "(Linux 3.x)", NULL}, \
    {"min_granularity", VL_PARAM_TIME, offsetof(cfs_priv, min_granularity), 0, 0, VL_S(1), "ns", \
     "sched_min_granularity: shortest run before tick preemption; 0 = 0.75ms x (1+log2 " \
     "min(pCPUs,8)) (Linux 3.x)", NULL}, \
    {"wakeup_granularity", VL_PARAM_TIME, offsetof(cfs_priv, wakeup_granularity), 0, 0, VL_S(1), \
     "ns", "sched_wakeup_granularity: lead a waker needs to preempt; 0 = 1ms x (1+log2 " \
     "min(pCPUs,8)) (Linux 3.x)", NULL}, \
    {"tick", VL_PARAM_TIME, offsetof(cfs_priv, tick), VL_MS(4), VL_MS(1), VL_MS(10), "ns", \
     "host tick: 4ms = CONFIG_HZ_250 of Debian/Ubuntu host kernels", NULL}, \
    {"migration_cost", VL_PARAM_TIME, offsetof(cfs_priv, migration_cost), VL_US(500), 0, VL_S(1), \
     "ns", "sched_migration_cost: a vCPU that ran this recently is cache-hot, not pulled " \
     "(Linux 3.x)", NULL}, \
    {"balance_interval", VL_PARAM_TIME, offsetof(cfs_priv, balance_interval), VL_MS(4), VL_MS(1), \
     VL_S(1), "ns", "load-balance interval of idle pCPUs (max_interval of Linux 3.x " \
     "SD_CPU_INIT)", NULL}, \
    {"busy_factor", VL_PARAM_INT, offsetof(cfs_priv, busy_factor), 64, 1, 1024, "x", \
     "busy pCPUs balance every balance_interval x busy_factor (Linux 3.x SD_CPU_INIT)", NULL}, \
    {"bandwidth_period", VL_PARAM_TIME, offsetof(cfs_priv, bandwidth_period), VL_MS(100), VL_MS(1), \
     VL_S(1), "ns", "cpu.cfs_period_us: a capped VM gets cap% of one pCPU per period " \
     "(default 100ms)", NULL}, \
    {"gentle_fair_sleepers", VL_PARAM_BOOL, offsetof(cfs_priv, gentle_fair_sleepers), 1, 0, 1, \
     "bool", "sleeper credit is half a latency, not a whole one (Linux feature, default on)", \
     NULL}, \
    {"directed_yield", VL_PARAM_BOOL, offsetof(cfs_priv, directed_yield), 1, 0, 1, "bool", \
     "KVM's kvm_vcpu_on_spin on pause-loop exits (off: a plain yield)", NULL}, \
    {"load_balance", VL_PARAM_BOOL, offsetof(cfs_priv, load_balance), 1, 0, 1, "bool", \
     "idle, periodic and kicked load balancing (off: vCPUs move only at wake-up)", NULL}, \
    {"kernel", VL_PARAM_ENUM, offsetof(cfs_priv, kernel), CFS_KERNEL_6_1, 0, 0, "", \
     "host Linux/KVM era: 3.2 (as DCS ran it: plain directed yield, fixed PLE window, 10ms " \
     "load-window group weights) or 6.1 (docs/policies/cfs.md)", cfs_kernel_names},

#define CFS_VM_PARAM_ENTRIES \
    {"shares", VL_PARAM_INT, offsetof(cfs_vm, shares_param), 0, 0, CFS_MAX_SHARES, "shares", \
     "cpu.shares of the VM's cgroup; 0 = weight x 4 (Xen's default 256 -> cgroup's 1024)", NULL},

/* What CFS promises (a policy built on it that changes a promise says so
 * in its own flags). */
#define CFS_FAMILY_FLAGS (VL_POLICY_WEIGHTS | VL_POLICY_CAPS)

/* The ops-table fields of CFS and of a policy built on it, whose private
 * structs (instance, pCPU, VM, vCPU) start with CFS's: sizes, and every
 * hook but init, timer_fired and dump, which such a policy wraps (it sets
 * up its rules, it may have timers and state of its own: cfs_op_dump
 * writes CFS's part); the flags are the policy's own. */
#define CFS_FAMILY_OPS(priv, pcpu, vm, vcpu)                                                     \
    .priv_size = sizeof(priv),                                                                   \
    .pcpu_size = sizeof(pcpu), .vm_size = sizeof(vm), .vcpu_size = sizeof(vcpu),                 \
    .pick_cpu = cfs_op_pick_cpu, .do_schedule = cfs_op_do_schedule,                              \
    .vcpu_wake = cfs_op_vcpu_wake, .vcpu_block = cfs_op_vcpu_block,                              \
    .vcpu_yield = cfs_op_vcpu_yield, .tick = cfs_op_tick, .fini = cfs_op_fini

/* Counter names of CFS, in the order of the CFS_C_* enum; a policy built
 * on it appends its own. */
#define CFS_COUNTER_NAMES \
    [CFS_C_DIRECTED_YIELDS] = "directed_yields", [CFS_C_YIELD_FAILURES] = "yield_failures", \
    [CFS_C_YIELD_NO_TARGET] = "yield_no_target", \
    [CFS_C_WAKEUP_PREEMPTIONS] = "wakeup_preemptions", \
    [CFS_C_TICK_PREEMPTIONS] = "tick_preemptions", [CFS_C_MIGRATIONS] = "migrations", \
    [CFS_C_THROTTLES] = "throttles"

#endif
