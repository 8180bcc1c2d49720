/* sched/cfs_coord.c - coordination on top of CFS: balance scheduling and
 * demand-based coordinated scheduling (DCS, Kim et al., ASPLOS 2013), as
 * the `balance` and `dcs` policies switch them on (docs/policies/dcs.md).
 *
 * Balance scheduling (Sukwong & Kim, EuroSys 2011): a waking vCPU is
 * placed on a pCPU where no sibling of its VM is queued or running, so
 * siblings never stack on one runqueue; load balancing does not stack
 * them either.  Load-conscious mode (DCS): the pCPU must also be light -
 * its load at most the average x pct/100 (an idle pCPU always is); if no
 * pCPU is both, a light one; if none is light, CFS's own choice.
 *
 * Demand-based coordination: the hypervisor classifies IPIs by vector when
 * the guest's APIC traps.  A TLB-shootdown IPI (the dedicated vectors
 * 0xf0-0xf7 of the guests DCS was built for) makes a receiver that waits
 * for a pCPU *urgent*: it joins its pCPU's FIFO urgent queue and that pCPU
 * reschedules; a receiver that runs gets its urgent slice extended.  An
 * urgent vCPU is picked before CFS's choice if its VM's group entity is
 * within the urgent allowance of the leftmost (vruntime); then it runs
 * for up to the urgent slice without being preempted (a preemption asked
 * meanwhile happens when the slice ends), and unconsumed urgent time stays
 * for its next run; a TLB IPI to a vCPU running an urgent slice extends the
 * slice by tlb_extension, never beyond urgent_slice in all (one running
 * normally takes the IPI at once and stays normal).  A reschedule-IPI sender is not preempted for
 * resched_delay (it is likely about to release a lock); optionally a
 * reschedule-IPI receiver becomes urgent too (resched_cosched). */
#include "cfs_priv.h"

#define VEC_RESCHEDULE 0xfd
#define VEC_TLB_FIRST 0xf0 /* INVALIDATE_TLB_VECTOR_START, Linux <= 3.5 */
#define VEC_TLB_LAST 0xf7

void cfs_coord_init(vl_sched *s)
{
    cfs_priv *sp = cfs_sp(s);
    sp->coordinated = sp->urgent || sp->tlb_cosched || sp->resched_delay || sp->resched_cosched;
    for (int i = 0; i < vl_npcpus(s); i++) {
        cfs_pcpu *pc = cfs_pc(vl_pcpu_get(s, i));
        vl_list_init(&pc->urgent);
        pc->urgent_since = -1;
    }
    for (int i = 0; i < vl_nvcpus_total(s); i++)
        vl_list_init(&cfs_vc(vl_vcpu_get(s, i))->urgent_link);
}

/* ------------------------------------------------------ balance scheduling */

/* Marks the pCPUs where a sibling of v is queued or running. */
static void sibling_pcpus(vl_vcpu *v, uint64_t *mask)
{
    vl_vm *d = vl_vcpu_vm(v);
    for (int j = 0; j < vl_vm_nvcpus(d); j++) {
        vl_vcpu *u = vl_vm_vcpu(d, j);
        cfs_vcpu *cu = cfs_vc(u);
        if (u != v && cu->se.on_rq && cu->cpu)
            vl_bit_set(mask, vl_pcpu_id(cu->cpu));
    }
}

static bool light(vl_sched *s, vl_pcpu *p)
{
    cfs_priv *sp = cfs_sp(s);
    if (sp->balance_mode != 3 || cfs_root(p)->nr_running == 0)
        return true;
    return cfs_root(p)->load * 100 * vl_npcpus(s) <= sp->total_load * sp->balance_pct;
}

/* The allowed pCPU with the least load (idle first, lowest id on ties). */
static vl_pcpu *least_loaded(vl_sched *s, vl_vcpu *v, const uint64_t *siblings, bool balanced)
{
    vl_pcpu *best = NULL;
    for (int i = 0; i < vl_npcpus(s); i++) {
        vl_pcpu *p = vl_pcpu_get(s, i);
        if (!vl_vcpu_affine(v, p) || (balanced && vl_bit_test(siblings, i)) || !light(s, p))
            continue;
        if (!best || cfs_root(p)->load < cfs_root(best)->load)
            best = p;
    }
    return best;
}

vl_pcpu *cfs_coord_select(vl_sched *s, vl_vcpu *v, vl_pcpu *choice)
{
    uint64_t siblings[VL_BITMAP_WORDS(VL_MAX_PCPUS)] = {0};
    sibling_pcpus(v, siblings);
    if (!vl_bit_test(siblings, vl_pcpu_id(choice)) && light(s, choice))
        return choice;
    vl_pcpu *p = least_loaded(s, v, siblings, true);
    if (!p && cfs_sp(s)->balance_mode == 3)
        p = least_loaded(s, v, siblings, false);
    if (!p)
        return choice;
    if (p != choice)
        vl_counter_add(s, CFS_C_BALANCE_PLACEMENTS, 1);
    return p;
}

bool cfs_coord_may_migrate(vl_sched *s, cfs_vcpu *cv, vl_pcpu *dst)
{
    (void)s;
    uint64_t siblings[VL_BITMAP_WORDS(VL_MAX_PCPUS)] = {0};
    sibling_pcpus(cv->v, siblings);
    return !vl_bit_test(siblings, vl_pcpu_id(dst));
}

/* -------------------------------------------------------------- urgency */

/* Until when p's current vCPU must not be preempted (its urgent slice, a
 * sender's delay); <= now when nothing holds it. */
static vl_ns held_until(vl_pcpu *p)
{
    cfs_pcpu *pc = cfs_pc(p);
    vl_vcpu *curr = vl_pcpu_curr(p);
    if (!curr)
        return 0;
    cfs_vcpu *cv = cfs_vc(curr);
    vl_ns until = cv->hold_until;
    if (pc->urgent_since >= 0 && pc->urgent_since + cv->urgent_left > until)
        until = pc->urgent_since + cv->urgent_left;
    return until;
}

static void arm(vl_sched *s, vl_pcpu *p, vl_ns when)
{
    vl_timer_arm(s, p, CFS_TIMER_COORD, when);
}

bool cfs_coord_defer(vl_sched *s, vl_pcpu *p, vl_ns now)
{
    vl_ns until = held_until(p);
    if (until <= now)
        return false;
    cfs_pcpu *pc = cfs_pc(p);
    if (!pc->deferred)
        vl_counter_add(s, CFS_C_DELAYED_PREEMPTIONS, 1);
    pc->deferred = true;
    arm(s, p, until);
    return true;
}

/* cv becomes urgent with at least `slice`: it joins its pCPU's urgent
 * queue and that pCPU reschedules (unless its current vCPU is held). */
static void make_urgent(vl_sched *s, cfs_vcpu *cv, vl_ns slice, vl_ns now)
{
    if (cv->urgent_left < slice)
        cv->urgent_left = slice;
    if (cv->urgent_queued || !cv->se.on_rq || cv->se.rq->curr == &cv->se)
        return;
    cfs_pcpu *pc = cfs_pc(cv->cpu);
    vl_list_push_back(&pc->urgent, &cv->urgent_link);
    cv->urgent_queued = true;
    if (!cfs_coord_defer(s, cv->cpu, now))
        cfs_resched(cv->cpu);
}

static bool is_tlb(int vector) { return vector >= VEC_TLB_FIRST && vector <= VEC_TLB_LAST; }

void cfs_coord_wake(vl_sched *s, vl_vcpu *v, int vector, vl_ns now)
{
    cfs_priv *sp = cfs_sp(s);
    if (is_tlb(vector) && sp->tlb_cosched) {
        vl_counter_add(s, CFS_C_TLB_URGENT, 1);
        make_urgent(s, cfs_vc(v), sp->urgent_slice, now);
    } else if (vector == VEC_RESCHEDULE && sp->resched_cosched) {
        vl_counter_add(s, CFS_C_RESCHED_URGENT, 1);
        make_urgent(s, cfs_vc(v), sp->resched_cosched, now);
    }
}

void cfs_coord_ipi(vl_sched *s, vl_vcpu *src, vl_vcpu *dst, int vector)
{
    cfs_priv *sp = cfs_sp(s);
    vl_ns now = vl_now(s);
    cfs_vcpu *cd = cfs_vc(dst);
    if (is_tlb(vector) && sp->tlb_cosched) {
        if (vl_vcpu_runstate(dst) == VL_RUNNING) {
            /* it takes the IPI at once; if it runs an urgent slice, the
             * slice is extended (a vCPU running normally stays normal) */
            vl_pcpu *p = vl_vcpu_pcpu(dst);
            cfs_pcpu *pc = cfs_pc(p);
            if (pc->urgent_since >= 0 && pc->urgent_since + cd->urgent_left > now &&
                cd->urgent_left < sp->urgent_slice) { /* capped at the urgent slice */
                vl_counter_add(s, CFS_C_TLB_EXTENSIONS, 1);
                cd->urgent_left += sp->tlb_extension;
                if (cd->urgent_left > sp->urgent_slice)
                    cd->urgent_left = sp->urgent_slice;
                arm(s, p, pc->urgent_since + cd->urgent_left);
            }
        } else if (vl_vcpu_runstate(dst) == VL_RUNNABLE) {
            vl_counter_add(s, CFS_C_TLB_URGENT, 1);
            make_urgent(s, cd, sp->urgent_slice, now);
        } /* a halted receiver wakes with the vector: cfs_coord_wake */
        return;
    }
    if (vector != VEC_RESCHEDULE)
        return;
    if (sp->resched_delay && vl_vcpu_runstate(src) == VL_RUNNING)
        cfs_vc(src)->hold_until = now + sp->resched_delay;
    if (sp->resched_cosched && vl_vcpu_runstate(dst) == VL_RUNNABLE) {
        vl_counter_add(s, CFS_C_RESCHED_URGENT, 1);
        make_urgent(s, cd, sp->resched_cosched, now);
    }
}

void cfs_coord_put(vl_sched *s, vl_pcpu *p, vl_vcpu *prev, vl_ns now)
{
    cfs_pcpu *pc = cfs_pc(p);
    pc->deferred = false;
    vl_timer_cancel(s, p, CFS_TIMER_COORD);
    if (pc->urgent_since < 0 || !prev)
        return;
    cfs_vcpu *cv = cfs_vc(prev);
    vl_ns used = now - pc->urgent_since;
    cv->urgent_left = used < cv->urgent_left ? cv->urgent_left - used : 0;
    pc->urgent_since = -1;
    if (cv->urgent_left > 0 && cv->se.on_rq && !cv->urgent_queued) { /* still urgent */
        vl_list_push_back(&cfs_pc(cv->cpu)->urgent, &cv->urgent_link);
        cv->urgent_queued = true;
    }
}

/* An urgent vCPU may run first if its VM's group is within the urgent
 * allowance of the leftmost group (pick_next_entity of DCS). */
static bool within_allowance(vl_sched *s, vl_pcpu *p, cfs_vcpu *cv)
{
    cfs_se *left = cfs_leftmost(cfs_root(p)), *gse = cv->se.parent;
    return !left || left == gse || gse->vruntime - left->vruntime < cfs_sp(s)->urgent_allowance;
}

vl_vcpu *cfs_coord_pick(vl_sched *s, vl_pcpu *p, vl_ns now)
{
    cfs_pcpu *pc = cfs_pc(p);
    vl_list *pos, *tmp;
    vl_list_for_each_safe(pos, tmp, &pc->urgent) {
        cfs_vcpu *cv = vl_container_of(pos, cfs_vcpu, urgent_link);
        bool here = cv->se.on_rq && cv->cpu == p && cv->se.parent->on_rq &&
                    cv->se.parent->rq == cfs_root(p);
        if (!here || cv->urgent_left == 0) { /* moved, blocked or throttled */
            vl_list_del(pos);
            cv->urgent_queued = false;
            continue;
        }
        if (!cfs_sp(s)->urgent)
            break; /* urgent-vCPU-first is off: urgency only holds preemption */
        if (!within_allowance(s, p, cv)) {
            vl_counter_add(s, CFS_C_ALLOWANCE_REFUSALS, 1);
            continue;
        }
        vl_list_del(pos);
        cv->urgent_queued = false;
        vl_counter_add(s, CFS_C_URGENT_PICKS, 1);
        return cfs_pick_this(p, cv, now);
    }
    return NULL;
}

void cfs_coord_started(vl_sched *s, vl_pcpu *p, vl_vcpu *next, vl_ns now)
{
    cfs_pcpu *pc = cfs_pc(p);
    if (!next || cfs_vc(next)->urgent_left == 0)
        return;
    pc->urgent_since = now;
    arm(s, p, now + cfs_vc(next)->urgent_left);
}

void cfs_coord_timer(vl_sched *s, vl_pcpu *p, vl_ns now)
{
    cfs_pcpu *pc = cfs_pc(p);
    vl_vcpu *curr = vl_pcpu_curr(p);
    if (curr && pc->urgent_since >= 0 && now >= pc->urgent_since + cfs_vc(curr)->urgent_left) {
        cfs_vc(curr)->urgent_left = 0; /* the urgent slice is used up */
        pc->urgent_since = -1;
    }
    vl_ns until = held_until(p);
    if (until > now) { /* extended meanwhile */
        arm(s, p, until);
        return;
    }
    if (pc->deferred) {
        pc->deferred = false;
        cfs_resched(p);
    }
}
