/* sched/cfs.c - KVM on Linux CFS: each vCPU is a task of its VM's cpu
 * cgroup, scheduled by the Linux 3.x Completely Fair Scheduler with group
 * scheduling, plus KVM's directed yield on pause-loop exits; the host
 * parameter `kernel` selects the era's rules (cfs_kernel.c).
 *
 * Design
 *   Two levels, as CFS group scheduling builds them: every pCPU has a root
 *   runqueue of group entities, one per VM with runnable vCPUs there; each
 *   group entity has its own runqueue of that VM's vCPU entities.  Every
 *   entity accumulates virtual runtime, delta x NICE_0_LOAD / weight, and
 *   each runqueue runs the entity with the smallest (leftmost), unless a
 *   buddy may go first: the next buddy (a wake-up that preempted, or a
 *   directed-yield target), the last buddy (the preempted task), never the
 *   skip buddy (a yielder) if avoidable - each only while within the
 *   wake-up granularity of the leftmost.  A vCPU weighs NICE_0_LOAD; a
 *   VM's group on a pCPU weighs its shares x (its runnable vCPUs there /
 *   its runnable vCPUs overall).  The tick (host HZ) preempts an entity
 *   that ran past its ideal slice (period x weight / runqueue weight at
 *   every level) or ran min_granularity and is a slice ahead of the
 *   leftmost; a waking entity gets sleeper credit of half a latency and
 *   preempts when the current one is more than wakeup_granularity ahead
 *   (at the level where the two share a runqueue).  There is no slice
 *   timer: preemption comes from ticks and wake-ups, as in Linux without
 *   HRTICK.  Wake-up placement, load balancing, bandwidth control and the
 *   directed yield live in cfs_balance.c, cfs_bandwidth.c and cfs_yield.c;
 *   runqueue mechanics in cfs_rq.c; docs/policies/cfs.md has the sources.
 *
 *   Scaling: no per-event work walks all pCPUs.  Each pCPU counts its
 *   runnable vCPUs (h_nr); host-wide indexes in cfs_pcpus.c - the idle
 *   mask, the overloaded pCPUs by load (a max-tree), the total load - are
 *   updated whenever a root runqueue changes and answer placement and
 *   balancing exactly as the scans over all pCPUs did (same pCPU, same
 *   tie-breaking by lowest id).  Per-VM work walks the VM's vCPUs or its
 *   list of groups with queued vCPUs (at most one per vCPU).
 *
 * Invariants
 *   - a runnable vCPU is on exactly one group runqueue (se.on_rq), on the
 *     pCPU cfs_vcpu.cpu; a blocked one is on none (one that halted and
 *     woke before its pCPU rescheduled is queued again by do_schedule);
 *   - a group entity is on its root runqueue iff its runqueue is non-empty
 *     and the VM is not throttled;
 *   - rq->curr is not in rq->queue; only the root's current group has a
 *     current vCPU; pick happens with both put back;
 *   - cfs_pcpu.resched is set from a resched request (tickle, block,
 *     yield) until that pCPU's next do_schedule;
 *   - cfs_pcpu.h_nr is the sum of nr_running of the groups in the root
 *     runqueue; every change of a root runqueue's nr_running, load or h_nr
 *     is followed by cfs_root_changed, so that the idle mask holds exactly
 *     the pCPUs with an empty root, busy_key is the root load of the pCPUs
 *     with h_nr >= 2 (CFS_NOT_BUSY otherwise), every busy-tree leaf is at
 *     least its key (equal unless marked stale; outside find_busiest's
 *     searches) and total_load is the sum of the root loads;
 *   - a VM's `active` list holds exactly its groups with queued vCPUs; a
 *     VM has at most one group bound to each pCPU.
 *
 * TODO
 *   - load averages (PELT) for 6.1 group shares and for balancing: runnable counts
 *     stand in for them;
 *   - scheduling-domain hierarchy (SMT/MC/NUMA levels) in load balancing;
 *   - START_DEBIT for new vCPUs; the 5 ms bandwidth slices.
 */
#include <stdio.h>
#include <stdlib.h>

#include "cfs_params.h"
#include "vl_linux_cfs.h"

#define CFS_SHARES_PER_WEIGHT 4          /* Xen's default weight 256 -> cgroup's 1024 */

static const char *const cfs_counter_names[] = {CFS_COUNTER_NAMES, NULL};

static const vl_param cfs_params[] = {
    CFS_PARAM_ENTRIES
    VL_PARAM_END,
};

static const vl_param cfs_vm_params[] = {
    CFS_VM_PARAM_ENTRIES
    VL_PARAM_END,
};

void cfs_resched(vl_pcpu *p)
{
    cfs_pc(p)->resched = true;
    vl_tickle(p);
}

static const cfs_ext cfs_no_rules; /* cfs itself: every hook unset */

int cfs_init(vl_sched *s, const cfs_ext *ext)
{
    cfs_priv *sp = cfs_sp(s);
    sp->ext = ext;
    sp->era = cfs_kernel_of(sp->kernel);
    vl_sched_set_ple_grow_default(s, sp->era->ple_grow);
    int f = vl_cfs_tunable_factor(vl_npcpus(s)); /* the host kernel's, at boot */
    sp->lat = sp->latency ? sp->latency : f * VL_CFS_LATENCY;
    sp->min_gran = sp->min_granularity ? sp->min_granularity : f * VL_CFS_MIN_GRANULARITY;
    sp->wake_gran = sp->wakeup_granularity ? sp->wakeup_granularity : f * VL_CFS_WAKEUP_GRANULARITY;
    sp->nr_latency = (int)((sp->lat + sp->min_gran - 1) / sp->min_gran);
    sp->nohz_next = 0;
    vl_sched_set_tick(s, sp->tick);
    vl_sched_set_tick_grid(s, true); /* both eras: tick_sched on the jiffies grid */
    cfs_pcpus_init(s);
    sp->queued_on = malloc((size_t)vl_nvcpus_total(s) * sizeof *sp->queued_on);
    if (!sp->queued_on)
        return -1;
    for (int i = 0; i < vl_npcpus(s); i++) {
        cfs_pcpu *pc = cfs_pc(vl_pcpu_get(s, i));
        cfs_rq_init(&pc->root, NULL);
        vl_list_init(&pc->leaf);
        pc->next_balance = sp->balance_interval * sp->busy_factor;
        pc->idle_stamp = -1;
        pc->avg_idle = 2 * sp->migration_cost; /* sched_init */
    }
    for (int i = 0; i < vl_nvms(s); i++) {
        vl_vm *d = vl_vm_get(s, i);
        cfs_vm *dm = cfs_dm(d);
        int64_t shares = dm->shares_param ? dm->shares_param
                                          : (int64_t)vl_vm_weight(d) * CFS_SHARES_PER_WEIGHT;
        dm->shares = shares < CFS_MIN_SHARES   ? CFS_MIN_SHARES
                     : shares > CFS_MAX_SHARES ? CFS_MAX_SHARES
                                               : shares;
        vl_list_init(&dm->active);
        for (int j = 0; j < vl_vm_nvcpus(d); j++) {
            vl_vcpu *v = vl_vm_vcpu(d, j);
            cfs_vcpu *cv = cfs_vc(v);
            sp->queued_on[vl_vcpu_id(v)] = -1;
            cv->v = v;
            cv->se.weight = CFS_NICE_0_LOAD;
            vl_list_init(&cv->se.link);
            vl_list_init(&cv->slot.se.link);
            vl_list_init(&cv->slot.active_link);
            vl_list_init(&cv->slot.leaf_link);
            cv->slot.se.grp = &cv->slot;
            cv->slot.vm = d;
            cfs_rq_init(&cv->slot.q, &cv->slot);
        }
    }
    cfs_bw_init(s);
    return 0;
}

void cfs_op_fini(vl_sched *s)
{
    free(cfs_sp(s)->queued_on);
    cfs_sp(s)->queued_on = NULL;
}

int cfs_op_init(vl_sched *s)
{
    return cfs_init(s, &cfs_no_rules);
}

vl_pcpu *cfs_op_pick_cpu(vl_sched *s, vl_vcpu *v, vl_pick_reason why)
{
    return cfs_select_cpu(s, v, why);
}

/* check_preempt_wakeup: the waker preempts when the current entity (at
 * the level where both share a runqueue) is a wake-up granularity ahead. */
static void check_preempt_wakeup(vl_sched *s, vl_pcpu *p, cfs_vcpu *cv, vl_ns now)
{
    if (!cfs_vcpu_group(cv)->se.on_rq)
        return; /* its VM is throttled */
    vl_vcpu *curr = vl_pcpu_curr(p);
    if (!curr) {
        cfs_resched(p);
        return;
    }
    cfs_se *se = &cfs_vc(curr)->se, *pse = &cv->se;
    if (cfs_pc(p)->resched || !se->on_rq || se->rq->curr != se)
        return; /* a reschedule is coming anyway */
    vl_ns at = now;
    bool scale = se->rq->nr_running >= cfs_sp(s)->nr_latency;
    if (se->rq != pse->rq) {
        se = se->parent;
        pse = pse->parent;
    }
    cfs_update_curr(se->rq, now);
    if (cfs_wakeup_preempt_entity(s, se, pse) != 1)
        return;
    cfs_set_next_buddy(pse);
    if (scale && !se->grp)
        cfs_set_last_buddy(se);
    const cfs_ext *ext = cfs_sp(s)->ext;
    if (ext->defer_preempt && ext->defer_preempt(s, p, at))
        return;
    vl_counter_add(s, CFS_C_WAKEUP_PREEMPTIONS, 1);
    cfs_resched(p);
}

void cfs_op_vcpu_wake(vl_sched *s, vl_vcpu *v, vl_wake_reason why, int vector)
{
    cfs_vcpu *cv = cfs_vc(v);
    vl_pcpu *p = vl_vcpu_pcpu(v);
    vl_ns now = vl_now(s);
    if (cv->placed && cv->cpu != p)
        vl_counter_add(s, CFS_C_MIGRATIONS, 1);
    cfs_enqueue_vcpu(s, v, p, why != VL_WAKE_START, now);
    cfs_note_wakeup(s, p, now);
    const cfs_ext *ext = cfs_sp(s)->ext;
    if (ext->woke)
        ext->woke(s, v, why, vector, now);
    check_preempt_wakeup(s, p, cv, now);
}

void cfs_op_vcpu_block(vl_sched *s, vl_vcpu *v, vl_block_reason why)
{
    (void)why;
    cfs_vcpu *cv = cfs_vc(v);
    cfs_pc(cv->cpu)->resched = true;
    if (cv->se.on_rq)
        cfs_dequeue_vcpu(s, v, vl_now(s));
}

void cfs_op_vcpu_yield(vl_sched *s, vl_vcpu *v, const vl_exit_info *info)
{
    if (cfs_yield(s, v, info, vl_now(s)))
        cfs_pc(cfs_vc(v)->cpu)->resched = true;
    else
        vl_yield_reenter(v);
}

vl_decision cfs_op_do_schedule(vl_sched *s, vl_pcpu *p, vl_vcpu *prev, vl_ns now)
{
    cfs_pc(p)->resched = false;
    cfs_tree_dirty(cfs_sp(s), cfs_pc(p)->id); /* whether a vCPU runs on p may change */
    cfs_put_prev(s, p, now);
    if (prev && vl_vcpu_runstate(prev) == VL_RUNNABLE && !cfs_vc(prev)->se.on_rq)
        cfs_enqueue_vcpu(s, prev, p, true, now); /* halted, and woke before this reschedule */
    if (cfs_root(p)->nr_running == 0)
        cfs_newidle_balance(s, p, now);
    const cfs_ext *ext = cfs_sp(s)->ext;
    vl_vcpu *next = ext->pick ? ext->pick(s, p, prev, now) : NULL;
    if (!next)
        next = cfs_pick_vcpu(s, p, now);
    if (ext->picked)
        ext->picked(s, p, next, now);
    if (next) { /* back from its spin loop (kvm_vcpu_on_spin returns) */
        cfs_vc(next)->in_spin_loop = false;
        cfs_vc(next)->dy_eligible = false;
    }
    return (vl_decision){.next = next, .slice = VL_SLICE_NONE};
}

/* task_tick_fair: charge, enforce the quota, check both levels, balance. */
void cfs_op_tick(vl_sched *s, vl_pcpu *p, vl_ns now)
{
    cfs_rq *root = cfs_root(p);
    cfs_se *gse = root->curr;
    if (!gse)
        return; /* the current vCPU blocked: its reschedule is pending */
    cfs_update_pcpu(p, now);
    cfs_tick_shares(s, p, now);
    if (cfs_bw_check(s, gse->grp->vm, now))
        return;
    if (!cfs_pc(p)->resched) {
        cfs_rq *q = &gse->grp->q;
        bool preempt = q->curr && q->nr_running > 1 && cfs_check_preempt_tick(s, q, q->curr);
        if (root->nr_running > 1 && cfs_check_preempt_tick(s, root, gse))
            preempt = true;
        const cfs_ext *ext = cfs_sp(s)->ext;
        if (preempt && !(ext->defer_preempt && ext->defer_preempt(s, p, now))) {
            vl_counter_add(s, CFS_C_TICK_PREEMPTIONS, 1);
            cfs_resched(p);
        }
    }
    cfs_balance_tick(s, p, now);
}

void cfs_op_timer_fired(vl_sched *s, vl_pcpu *p, int slot, vl_ns now)
{
    if (!p && slot == CFS_TIMER_BANDWIDTH)
        cfs_bw_period(s, now);
}

static void dump_rq(FILE *out, const char *what, cfs_rq *q)
{
    fprintf(out, "    %s: nr=%d load=%lld min_vruntime=%lld\n", what, q->nr_running,
            (long long)q->load, (long long)q->min_vruntime);
}

void cfs_op_dump(vl_sched *s, FILE *out)
{
    fprintf(out, "cfs: latency=%lld min_gran=%lld wakeup_gran=%lld nr_latency=%d\n",
            (long long)cfs_sp(s)->lat, (long long)cfs_sp(s)->min_gran,
            (long long)cfs_sp(s)->wake_gran, cfs_sp(s)->nr_latency);
    for (int i = 0; i < vl_npcpus(s); i++) {
        vl_pcpu *p = vl_pcpu_get(s, i);
        fprintf(out, "  pCPU %d (%d vCPUs runnable)\n", i, cfs_nr_vcpus(p));
        dump_rq(out, "root", cfs_root(p));
    }
    for (int i = 0; i < vl_nvcpus_total(s); i++) {
        vl_vcpu *v = vl_vcpu_get(s, i);
        cfs_vcpu *cv = cfs_vc(v);
        fprintf(out, "  %s.v%d: state=%d cpu=%d on_rq=%d vruntime=%lld spin=%d\n",
                vl_vm_name(vl_vcpu_vm(v)), vl_vcpu_index(v), (int)vl_vcpu_runstate(v),
                cv->cpu ? vl_pcpu_id(cv->cpu) : -1, cv->se.on_rq, (long long)cv->se.vruntime,
                cv->in_spin_loop);
    }
}

static const vl_sched_ops cfs_ops = {
    .name = "cfs",
    .description = "KVM on Linux CFS, by era (kernel: 3.2 or 6.1): each VM a cpu cgroup "
                   "(shares = weight x 4 unless set), group scheduling by virtual runtime "
                   "with latency/min/wake-up granularities, tick (on one grid) and wake-up "
                   "preemption, wake_affine and select_idle_sibling placement, load "
                   "balancing, bandwidth caps, and KVM's PLE directed yield (a PLE that "
                   "boosts nobody re-enters the guest).",
    .params = cfs_params,
    .vm_params = cfs_vm_params,
    .counters = cfs_counter_names,
    .flags = CFS_FAMILY_FLAGS,
    CFS_FAMILY_OPS(cfs_priv, cfs_pcpu, cfs_vm, cfs_vcpu),
    .dump = cfs_op_dump,
    .init = cfs_op_init,
    .timer_fired = cfs_op_timer_fired,
};
VL_REGISTER_POLICY(cfs_ops);
