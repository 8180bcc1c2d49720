/* sched/cfs_yield.c - yields and pause-loop exits for the `cfs` policy:
 * CFS's yield_task_fair and yield_to_task_fair, and KVM's directed yield
 * kvm_vcpu_on_spin (virt/kvm/kvm_main.c, policy-facts 3.2).
 *
 * A PLE makes the spinner look for a sibling vCPU that is preempted (and,
 * if the spinner was in kernel mode, preempted in kernel mode: a likely
 * lock holder).  The scan starts after the VM's last boosted vCPU and wraps
 * once (two passes); a sibling that itself PLE-exited and has not run since
 * (in_spin_loop) is eligible only every other time it is considered
 * (dy_eligible toggle: it is probably a waiter, not the holder).  The first
 * eligible one gets yield_to(): it becomes the next buddy of its runqueues,
 * its pCPU is asked to reschedule, and the spinner yields (skip buddy).
 * yield_to() is pointless (-ESRCH) when both pCPUs have one runnable vCPU;
 * three such failures end the scan.  A PLE that boosts nobody is no yield
 * at all: kvm_vcpu_on_spin returns and the vCPU re-enters the guest with
 * no reschedule (vl_yield_reenter).  A yield hypercall without a usable
 * target, and a PLE with the directed yield off, is a plain
 * yield_task_fair.
 *
 * Era (host parameter `kernel`, cfs_kernel.c): the kernel-mode filter, the
 * dy_eligible toggle and yield_to's -ESRCH with the three tries are 6.1's;
 * under 3.2 every preempted sibling is a candidate and yield_to boosts
 * whenever the target is queued (demand-cosched virt/kvm/kvm_main.c
 * kvm_vcpu_on_spin, kernel/sched.c yield_to). */
#include "cfs_priv.h"

#define CFS_DY_PASSES 2 /* kvm_vcpu_on_spin: a pass after last_boosted, one from the start */
#define CFS_DY_TRIES 3  /* kvm_vcpu_on_spin: pointless yield_to() attempts before giving up */

/* yield_task_fair: step aside at the next pick unless that is too unfair. */
static void yield_task(cfs_vcpu *cv, vl_ns now)
{
    if (cfs_nr_vcpus(cv->cpu) == 1)
        return;
    cfs_clear_buddies(cv->se.rq, &cv->se);
    cfs_update_curr(cv->se.rq, now);
    cfs_set_skip_buddy(&cv->se);
}

/* yield_to(target, preempt): >0 boosted, 0 not possible, <0 pointless
 * (only from Linux 3.8 on: before, a boost between two lone vCPUs
 * "succeeded" and the yielder's pCPU picked it again). */
static int yield_to(vl_sched *s, cfs_vcpu *me, cfs_vcpu *target, vl_ns now)
{
    if (cfs_sp(s)->era->yield_to_esrch && cfs_nr_vcpus(me->cpu) == 1 &&
        cfs_nr_vcpus(target->cpu) == 1)
        return -1;
    if (vl_vcpu_runstate(target->v) != VL_RUNNABLE || !target->se.on_rq ||
        cfs_dm(vl_vcpu_vm(target->v))->throttled)
        return 0;
    cfs_set_next_buddy(&target->se);
    yield_task(me, now);
    if (target->cpu != me->cpu)
        cfs_resched(target->cpu);
    return 1;
}

/* kvm_vcpu_eligible_for_directed_yield, with its toggle (Linux 3.7 on;
 * before, every preempted sibling was eligible). */
static bool dy_eligible(const cfs_kernel *era, cfs_vcpu *c)
{
    if (!era->dy_eligible)
        return true;
    bool ok = !c->in_spin_loop || c->dy_eligible;
    if (c->in_spin_loop)
        c->dy_eligible = !c->dy_eligible;
    return ok;
}

/* kvm_vcpu_on_spin: returns whether a sibling was boosted. */
static bool on_spin(vl_sched *s, cfs_vcpu *me, bool kernel, vl_ns now)
{
    vl_vm *d = vl_vcpu_vm(me->v);
    cfs_vm *dm = cfs_dm(d);
    const cfs_kernel *era = cfs_sp(s)->era;
    int last = dm->last_boosted, tries = CFS_DY_TRIES;
    bool yielded = false;
    for (int pass = 0; pass < CFS_DY_PASSES && !yielded && tries; pass++) {
        for (int i = 0; i < vl_vm_nvcpus(d); i++) {
            if (pass == 0 && i <= last)
                continue;
            if (pass > 0 && i > last)
                break;
            cfs_vcpu *c = cfs_vc(vl_vm_vcpu(d, i));
            uint64_t rip;
            bool in_kernel;
            /* preempted = runnable and off its pCPU; a halted vCPU is not */
            if (c == me || !vl_vcpu_saved_rip(c->v, &rip, &in_kernel))
                continue;
            if (era->dy_kernel_filter && kernel && !in_kernel)
                continue;
            if (!dy_eligible(era, c))
                continue;
            int r = yield_to(s, me, c, now);
            if (r > 0) {
                dm->last_boosted = i;
                yielded = true;
                break;
            }
            if (r < 0) {
                vl_counter_add(s, CFS_C_YIELD_FAILURES, 1);
                if (--tries == 0)
                    break;
            }
        }
    }
    if (!yielded) /* back to the guest: out of the loop at once */
        me->in_spin_loop = false;
    me->dy_eligible = false;
    return yielded;
}

bool cfs_yield(vl_sched *s, vl_vcpu *v, const vl_exit_info *info, vl_ns now)
{
    cfs_vcpu *cv = cfs_vc(v);
    bool directed = cfs_sp(s)->directed_yield;
    cfs_update_pcpu(cv->cpu, now);
    if (info->kind == VL_YIELD_PLE) {
        cv->in_spin_loop = true; /* until it runs again */
        if (directed && on_spin(s, cv, info->kernel, now)) {
            vl_counter_add(s, CFS_C_DIRECTED_YIELDS, 1);
            return true;
        }
        if (directed) { /* nobody boosted: kvm_vcpu_on_spin returns, the vCPU re-enters */
            vl_counter_add(s, CFS_C_YIELD_NO_TARGET, 1);
            return false;
        }
    } else if (directed && info->target && info->target != v &&
               vl_vcpu_vm(info->target) == vl_vcpu_vm(v)) {
        int r = yield_to(s, cv, cfs_vc(info->target), now);
        if (r > 0) {
            vl_counter_add(s, CFS_C_DIRECTED_YIELDS, 1);
            return true;
        }
        if (r < 0)
            vl_counter_add(s, CFS_C_YIELD_FAILURES, 1);
    }
    yield_task(cv, now);
    return true;
}
