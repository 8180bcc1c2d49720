/* sched/cfs_kernel.c - the host kernel eras of the `cfs` family: one row
 * per Linux/KVM version the model can be set to (host parameter `kernel`),
 * naming the rules that differ between them.  Read once, at init
 * (cfs_init); the files that apply a rule read the row through
 * cfs_sp(s)->era.  Touches nothing else.
 *
 * Sources (docs/policies/cfs.md, "Kernel eras", has the details):
 *   3.2  Linux 3.2 + KVM as the DCS authors ran it (hwanju/demand-cosched:
 *        virt/kvm/kvm_main.c kvm_vcpu_on_spin, kernel/sched.c yield_to,
 *        kernel/sched_fair.c update_cfs_load / calc_cfs_shares /
 *        idle_balance, kernel/sched.c ttwu_do_wakeup).
 *   6.1  a current long-term kernel (torvalds/linux v6.1:
 *        virt/kvm/kvm_main.c kvm_vcpu_on_spin, arch/x86/kvm/vmx/vmx.c
 *        grow_ple_window, kernel/sched/core.c yield_to; newidle_balance,
 *        whose avg_idle test Linux 5.16 removed). */
#include "cfs_priv.h"

const char *const cfs_kernel_names[] = {"3.2", "6.1", NULL};

static const cfs_kernel cfs_kernels[CFS_NR_KERNELS] = {
    [CFS_KERNEL_3_2] = {
        .name = "3.2",
        .dy_kernel_filter = false, /* yield_to_kernel_mode: Linux 4.15 */
        .dy_eligible = false,      /* in_spin_loop / dy_eligible: Linux 3.7 */
        .yield_to_esrch = false,   /* yield_to -ESRCH and KVM's three tries: Linux 3.8 */
        .ple_grow = 1,             /* PLE window fixed at 4,096 cycles until 3.18 */
        .shares_load_window = true, /* update_cfs_load: 10 ms windows */
        .newidle_avg_idle = true,   /* idle_balance's avg_idle test: until Linux 5.16 */
    },
    [CFS_KERNEL_6_1] = {
        .name = "6.1",
        .dy_kernel_filter = true,
        .dy_eligible = true,
        .yield_to_esrch = true,
        .ple_grow = 2,             /* KVM_DEFAULT_PLE_WINDOW_GROW */
        .shares_load_window = false,
        .newidle_avg_idle = false, /* 5.16 gates on rd->overload and the measured
                                    * cost of balancing instead (see cfs.md) */
    },
};

const cfs_kernel *cfs_kernel_of(int index)
{
    return &cfs_kernels[index >= 0 && index < CFS_NR_KERNELS ? index : CFS_KERNEL_6_1];
}
