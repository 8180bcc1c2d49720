/* sched/cfs_bandwidth.c - CFS bandwidth control for the `cfs` policy: a VM
 * with cap > 0 gets quota = cap% of one pCPU per bandwidth period
 * (cpu.cfs_quota_us / cpu.cfs_period_us), consumed by all its vCPUs
 * together.  When the quota is spent the VM is throttled: its group
 * entities leave the root runqueues (queued vCPUs stay in their groups)
 * until the period timer refills the quota.
 *
 * Simplified: one global pool per VM (Linux hands out 5 ms slices of the
 * pool to per-pCPU pools); the overrun past zero (up to a tick) is a debt
 * the next period pays, as in Linux, so the long-run share is exact. */
#include "cfs_priv.h"

void cfs_bw_init(vl_sched *s)
{
    cfs_priv *sp = cfs_sp(s);
    bool any = false;
    for (int i = 0; i < vl_nvms(s); i++) {
        vl_vm *d = vl_vm_get(s, i);
        cfs_vm *dm = cfs_dm(d);
        dm->quota = (vl_ns)vl_vm_cap(d) * sp->bandwidth_period / 100;
        dm->runtime = dm->quota;
        dm->throttled = false;
        any |= dm->quota > 0;
    }
    if (any)
        vl_timer_arm(s, NULL, CFS_TIMER_BANDWIDTH, vl_now(s) + sp->bandwidth_period);
}

/* Groups that run now are taken off by their pCPU's next do_schedule. */
static void throttle(vl_sched *s, vl_vm *d, vl_ns now)
{
    cfs_dm(d)->throttled = true;
    vl_counter_add(s, CFS_C_THROTTLES, 1);
    for (int i = 0; i < vl_vm_nvcpus(d); i++) {
        cfs_group *g = &cfs_vc(vl_vm_vcpu(d, i))->slot;
        if (!g->pcpu || !g->se.on_rq)
            continue;
        if (g->se.rq->curr == &g->se)
            cfs_resched(g->pcpu);
        else
            cfs_dequeue_entity(g->se.rq, &g->se, now);
    }
}

/* Linux 3.x wakes only pCPUs that were idle (unthrottle_cfs_rq). */
static void unthrottle(vl_sched *s, vl_vm *d, vl_ns now)
{
    cfs_dm(d)->throttled = false;
    for (int i = 0; i < vl_vm_nvcpus(d); i++) {
        cfs_group *g = &cfs_vc(vl_vm_vcpu(d, i))->slot;
        if (!g->pcpu || g->se.on_rq || g->q.nr_running == 0)
            continue;
        cfs_enqueue_entity(s, cfs_root(g->pcpu), &g->se, true, now);
        if (vl_pcpu_is_idle(g->pcpu))
            cfs_resched(g->pcpu);
    }
}

bool cfs_bw_check(vl_sched *s, vl_vm *d, vl_ns now)
{
    cfs_vm *dm = cfs_dm(d);
    if (dm->quota && !dm->throttled && dm->runtime <= 0)
        throttle(s, d, now);
    return dm->throttled;
}

void cfs_bw_period(vl_sched *s, vl_ns now)
{
    for (int i = 0; i < vl_nvms(s); i++) {
        vl_vm *d = vl_vm_get(s, i);
        cfs_vm *dm = cfs_dm(d);
        if (!dm->quota)
            continue;
        dm->runtime = dm->runtime < 0 ? dm->runtime + dm->quota : dm->quota;
        if (dm->throttled && dm->runtime > 0)
            unthrottle(s, d, now);
    }
    vl_timer_arm(s, NULL, CFS_TIMER_BANDWIDTH, now + cfs_sp(s)->bandwidth_period);
}
