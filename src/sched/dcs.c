/* sched/dcs.c - demand-based coordinated scheduling (Kim, Kim, Jeong, Lee,
 * Maeng, ASPLOS 2013) on KVM's CFS: the `dcs` policy, CFS plus the
 * load-conscious balance rule (balance.c) plus the rules below, through
 * CFS's hooks (cfs_ext) and its own ipi_sent and pCPU timer
 * (docs/policies/dcs.md).  Defaults are those of the authors' evaluation
 * scripts (policy-facts 4.1): urgent slice 0.5 ms, urgent allowance 18 ms,
 * TLB co-scheduling on, reschedule sender delay 0.5 ms, reschedule
 * co-scheduling off, load-conscious balance at 100%.  Every mechanism
 * switches off on its own for ablations.
 *
 * The hypervisor classifies IPIs by vector when the guest's APIC traps.  A
 * TLB-shootdown IPI (the dedicated vectors 0xf0-0xf7 of the guests DCS was
 * built for) makes a receiver that waits for a pCPU *urgent* with tlb_slice
 * of urgent time (sched_tlb_shootdown_ns): it joins its pCPU's FIFO urgent
 * queue and that pCPU reschedules.  An urgent vCPU is picked before CFS's
 * choice if its VM's group entity is within the urgent allowance of the
 * leftmost (vruntime); it is not preempted while its urgent time lasts (a
 * preemption asked meanwhile happens when it ends), and if it jumped CFS's
 * order (its group is not ahead of the leftmost, or other urgent vCPUs
 * wait here) its pCPU reschedules when its urgent time ends, so CFS's
 * order resumes (the authors' hrtick: pick_next_task_fair, entity_tick).
 * A TLB IPI to a vCPU running urgent time adds tlb_slice, never beyond
 * urgent_slice in one run (one running normally takes the IPI at once and
 * stays normal).  Unconsumed urgent time stays for the vCPU's next run
 * unless it halted (put_urgent_entity keeps it only for a vCPU still on
 * its runqueue).  A reschedule-IPI sender is not preempted for
 * resched_delay (it is likely about to release a lock); IPIs in a row
 * renew the delay but never hold the sender beyond urgent_slice from the
 * first (the authors make the sender urgent: the same cap).  Optionally a
 * reschedule-IPI receiver becomes urgent too (resched_cosched).
 *
 * Invariants
 *   - a vCPU is on its pCPU's urgent queue iff urgent_queued; one that
 *     left its runqueue, moved or has no urgent time left is dropped from
 *     it at the next pick there;
 *   - dcs_pcpu.urgent_since >= 0 iff the current vCPU runs urgent time,
 *     and then urgent_left <= urgent_slice;
 *   - dcs_pcpu.forced: the current vCPU runs urgent time and jumped CFS's
 *     order; the pCPU timer DCS_TIMER reschedules p when that time ends;
 *   - dcs_pcpu.deferred: a preemption waits for the pCPU timer DCS_TIMER;
 *   - a vCPU that is not on a runqueue (halted) has no urgent time and no
 *     sender hold once its pCPU has switched away from it.
 */
#include "balance.h"
#include "cfs_params.h"

#define VEC_RESCHEDULE 0xfd
#define VEC_TLB_FIRST 0xf0 /* INVALIDATE_TLB_VECTOR_START, Linux <= 3.5 */
#define VEC_TLB_LAST 0xf7
#define DCS_TIMER 0 /* pCPU timer slot: an urgent slice or a sender's delay ends */

/* Counters after CFS's (the order of the outputs' columns). */
enum {
    DCS_C_URGENT_PICKS = CFS_NR_COUNTERS, /* an urgent vCPU ran first          */
    DCS_C_ALLOWANCE_REFUSALS,  /* an urgent VM was too far ahead to go first */
    DCS_C_DELAYED_PREEMPTIONS, /* a preemption waited (urgent slice, sender) */
    DCS_C_FORCED_ENDS,         /* an urgent vCPU that jumped CFS's order was
                                * preempted when its urgent time ended     */
    DCS_C_TLB_URGENT,          /* a TLB-IPI receiver became urgent          */
    DCS_C_TLB_EXTENSIONS,      /* a running receiver's urgent slice grew    */
    DCS_C_RESCHED_URGENT,      /* a reschedule-IPI receiver became urgent   */
    DCS_C_BALANCE_PLACEMENTS,  /* placement avoided a sibling's pCPU        */
};
static const char *const dcs_counter_names[] = {
    CFS_COUNTER_NAMES,
    [DCS_C_URGENT_PICKS] = "urgent_picks",
    [DCS_C_ALLOWANCE_REFUSALS] = "allowance_refusals",
    [DCS_C_DELAYED_PREEMPTIONS] = "delayed_preemptions",
    [DCS_C_FORCED_ENDS] = "urgent_forced_ends",
    [DCS_C_TLB_URGENT] = "tlb_urgent",
    [DCS_C_TLB_EXTENSIONS] = "tlb_extensions",
    [DCS_C_RESCHED_URGENT] = "resched_urgent",
    [DCS_C_BALANCE_PLACEMENTS] = BALANCE_COUNTER_NAME,
    NULL,
};

/* The private structs: CFS's (and the balance rule's) first. */
typedef struct dcs_priv {
    balance_priv balance;  /* CFS and the balance rule                   */
    bool urgent;           /* urgent-vCPU-first                          */
    vl_ns urgent_slice;    /* most an urgent vCPU runs unpreempted       */
    vl_ns urgent_allowance; /* an urgent VM goes first only this close
                            * (vruntime) to the leftmost                */
    vl_ns tlb_slice;       /* urgent time a TLB IPI grants a waiting
                            * receiver or adds to a running urgent one  */
    bool tlb_cosched;      /* TLB-IPI receivers become urgent            */
    vl_ns resched_delay;   /* a reschedule-IPI sender is not preempted
                            * for this long (0: off)                    */
    vl_ns resched_cosched; /* urgent slice of a reschedule-IPI receiver
                            * (0: off)                                   */
    bool coordinated;      /* any of the above on (set at init)          */
} dcs_priv;

typedef struct dcs_pcpu {
    cfs_pcpu cfs;
    vl_list urgent;        /* urgent vCPUs queued here, FIFO             */
    vl_ns urgent_since;    /* the current vCPU runs urgent since, or -1   */
    bool forced;           /* ...and jumped CFS's order: p reschedules
                            * when its urgent time ends (DCS_TIMER)     */
    bool deferred;         /* a preemption waits for the urgent slice or a
                            * sender's delay to end (DCS_TIMER)         */
} dcs_pcpu;

typedef struct dcs_vcpu {
    balance_vcpu bal;      /* CFS's, and the balance rule's wake-time mask */
    vl_list urgent_link;   /* in its pCPU's urgent FIFO iff urgent_queued */
    bool urgent_queued;
    vl_ns urgent_left;     /* urgent time left (0: not urgent)            */
    vl_ns hold_until;      /* not preempted before this (sender delay)    */
    vl_ns hold_since;      /* the start of that hold (IPIs in a row)      */
} dcs_vcpu;

_Static_assert(offsetof(dcs_priv, balance) == 0 && offsetof(dcs_pcpu, cfs) == 0 &&
                   offsetof(dcs_vcpu, bal) == 0,
               "dcs.c: CFS's structs come first");

static dcs_priv *dpriv(vl_sched *s) { return vl_sched_priv(s); }
static dcs_pcpu *dpc(vl_pcpu *p) { return vl_pcpu_priv(p); }
static dcs_vcpu *dvc(vl_vcpu *v) { return vl_vcpu_priv(v); }

/* -------------------------------------------------------------- urgency */

/* Until when p's current vCPU must not be preempted (its urgent slice, a
 * sender's delay); <= now when nothing holds it. */
static vl_ns held_until(vl_pcpu *p)
{
    dcs_pcpu *pc = dpc(p);
    vl_vcpu *curr = vl_pcpu_curr(p);
    if (!curr)
        return 0;
    dcs_vcpu *dv = dvc(curr);
    vl_ns until = dv->hold_until;
    if (pc->urgent_since >= 0 && pc->urgent_since + dv->urgent_left > until)
        until = pc->urgent_since + dv->urgent_left;
    return until;
}

static void arm(vl_sched *s, vl_pcpu *p, vl_ns when)
{
    vl_timer_arm(s, p, DCS_TIMER, when);
}

/* cfs_ext.defer_preempt: a preemption waits for the urgent slice or the
 * sender's delay of p's current vCPU, and happens when it ends. */
static bool dcs_defer(vl_sched *s, vl_pcpu *p, vl_ns now)
{
    vl_ns until = held_until(p);
    if (until <= now)
        return false;
    dcs_pcpu *pc = dpc(p);
    if (!pc->deferred)
        vl_counter_add(s, DCS_C_DELAYED_PREEMPTIONS, 1);
    pc->deferred = true;
    arm(s, p, until);
    return true;
}

/* dv becomes urgent with at least `slice`: it joins its pCPU's urgent
 * queue and that pCPU reschedules (unless its current vCPU is held). */
static void make_urgent(vl_sched *s, dcs_vcpu *dv, vl_ns slice, vl_ns now)
{
    cfs_vcpu *cv = &dv->bal.cfs;
    if (dv->urgent_left < slice)
        dv->urgent_left = slice;
    if (dv->urgent_queued || !cv->se.on_rq || cv->se.rq->curr == &cv->se)
        return;
    vl_list_push_back(&dpc(cv->cpu)->urgent, &dv->urgent_link);
    dv->urgent_queued = true;
    if (!dcs_defer(s, cv->cpu, now))
        cfs_resched(cv->cpu);
}

static bool is_tlb(int vector) { return vector >= VEC_TLB_FIRST && vector <= VEC_TLB_LAST; }

/* cfs_ext.woke: a halted IPI receiver woke with the vector. */
static void dcs_woke(vl_sched *s, vl_vcpu *v, vl_wake_reason why, int vector, vl_ns now)
{
    dcs_priv *dp = dpriv(s);
    if (why != VL_WAKE_INTERRUPT)
        return;
    if (is_tlb(vector) && dp->tlb_cosched) {
        vl_counter_add(s, DCS_C_TLB_URGENT, 1);
        make_urgent(s, dvc(v), dp->tlb_slice, now);
    } else if (vector == VEC_RESCHEDULE && dp->resched_cosched) {
        vl_counter_add(s, DCS_C_RESCHED_URGENT, 1);
        make_urgent(s, dvc(v), dp->resched_cosched, now);
    }
}

/* ipi_sent: the IPI classification by vector. */
static void dcs_ipi_sent(vl_sched *s, vl_vcpu *src, vl_vcpu *dst, int vector)
{
    dcs_priv *dp = dpriv(s);
    vl_ns now = vl_now(s);
    dcs_vcpu *dd = dvc(dst);
    if (is_tlb(vector) && dp->tlb_cosched) {
        if (vl_vcpu_runstate(dst) == VL_RUNNING) {
            /* it takes the IPI at once; if it runs an urgent slice, the
             * slice is extended (a vCPU running normally stays normal) */
            vl_pcpu *p = vl_vcpu_pcpu(dst);
            dcs_pcpu *pc = dpc(p);
            if (pc->urgent_since >= 0 && pc->urgent_since + dd->urgent_left > now &&
                dd->urgent_left < dp->urgent_slice) { /* capped at the urgent slice */
                vl_counter_add(s, DCS_C_TLB_EXTENSIONS, 1);
                dd->urgent_left += dp->tlb_slice;
                if (dd->urgent_left > dp->urgent_slice)
                    dd->urgent_left = dp->urgent_slice;
                arm(s, p, pc->urgent_since + dd->urgent_left);
            }
        } else if (vl_vcpu_runstate(dst) == VL_RUNNABLE) {
            vl_counter_add(s, DCS_C_TLB_URGENT, 1);
            make_urgent(s, dd, dp->tlb_slice, now);
        } /* a halted receiver wakes with the vector: dcs_woke */
        return;
    }
    if (vector != VEC_RESCHEDULE)
        return;
    if (dp->resched_delay && vl_vcpu_runstate(src) == VL_RUNNING) {
        dcs_vcpu *ds = dvc(src);
        if (ds->hold_until <= now) /* a new hold; one in progress is renewed */
            ds->hold_since = now;
        vl_ns until = now + dp->resched_delay, cap = ds->hold_since + dp->urgent_slice;
        ds->hold_until = until < cap ? until : cap;
    }
    if (dp->resched_cosched && vl_vcpu_runstate(dst) == VL_RUNNABLE) {
        vl_counter_add(s, DCS_C_RESCHED_URGENT, 1);
        make_urgent(s, dd, dp->resched_cosched, now);
    }
}

/* Accounts prev's urgent time; prev stays urgent while it has some left,
 * unless it halted (then its urgent time and sender hold are dropped). */
static void put_prev(vl_sched *s, vl_pcpu *p, vl_vcpu *prev, vl_ns now)
{
    dcs_pcpu *pc = dpc(p);
    pc->deferred = false;
    pc->forced = false;
    vl_timer_cancel(s, p, DCS_TIMER);
    if (!prev)
        return;
    dcs_vcpu *dv = dvc(prev);
    if (!dv->bal.cfs.se.on_rq) {
        dv->urgent_left = 0;
        dv->hold_until = 0;
    }
    if (pc->urgent_since < 0)
        return;
    vl_ns used = now - pc->urgent_since;
    dv->urgent_left = used < dv->urgent_left ? dv->urgent_left - used : 0;
    pc->urgent_since = -1;
    if (dv->urgent_left > 0 && dv->bal.cfs.se.on_rq && !dv->urgent_queued) { /* still urgent */
        vl_list_push_back(&dpc(dv->bal.cfs.cpu)->urgent, &dv->urgent_link);
        dv->urgent_queued = true;
    }
}

/* An urgent vCPU may run first if its VM's group is within the urgent
 * allowance of the leftmost group (pick_next_entity of DCS). */
static bool within_allowance(vl_sched *s, vl_pcpu *p, cfs_vcpu *cv)
{
    cfs_se *left = cfs_leftmost(cfs_root(p)), *gse = cv->se.parent;
    return !left || left == gse || gse->vruntime - left->vruntime < dpriv(s)->urgent_allowance;
}

/* cfs_ext.pick: prev's urgent time accounted, the first eligible urgent
 * vCPU queued here runs before CFS's choice. */
static vl_vcpu *dcs_pick(vl_sched *s, vl_pcpu *p, vl_vcpu *prev, vl_ns now)
{
    put_prev(s, p, prev, now);
    vl_list *pos, *tmp;
    vl_list_for_each_safe(pos, tmp, &dpc(p)->urgent) {
        dcs_vcpu *dv = vl_container_of(pos, dcs_vcpu, urgent_link);
        cfs_vcpu *cv = &dv->bal.cfs;
        bool here = cv->se.on_rq && cv->cpu == p && cv->se.parent->on_rq &&
                    cv->se.parent->rq == cfs_root(p);
        if (!here || dv->urgent_left == 0) { /* moved, blocked or throttled */
            vl_list_del(pos);
            dv->urgent_queued = false;
            continue;
        }
        if (!dpriv(s)->urgent)
            break; /* urgent-vCPU-first is off: urgency only holds preemption */
        if (!within_allowance(s, p, cv)) {
            vl_counter_add(s, DCS_C_ALLOWANCE_REFUSALS, 1);
            continue;
        }
        vl_list_del(pos);
        dv->urgent_queued = false;
        vl_counter_add(s, DCS_C_URGENT_PICKS, 1);
        return cfs_pick_this(p, cv, now);
    }
    return NULL;
}

/* An urgent cv, just made current on p, jumped CFS's order: other urgent
 * vCPUs wait here, or its VM's group is not ahead of the leftmost group
 * (check_need_hrtick of the authors' tree). */
static bool jumped_order(vl_pcpu *p, cfs_vcpu *cv)
{
    cfs_se *left = cfs_leftmost(cfs_root(p));
    return !vl_list_empty(&dpc(p)->urgent) || (left && cv->se.parent->vruntime >= left->vruntime);
}

/* cfs_ext.picked: an urgent next runs its urgent time, at most
 * urgent_slice; if it jumped CFS's order, p reschedules when it ends. */
static void dcs_picked(vl_sched *s, vl_pcpu *p, vl_vcpu *next, vl_ns now)
{
    dcs_pcpu *pc = dpc(p);
    if (!next || dvc(next)->urgent_left == 0)
        return;
    dcs_vcpu *dv = dvc(next);
    if (dv->urgent_left > dpriv(s)->urgent_slice)
        dv->urgent_left = dpriv(s)->urgent_slice;
    pc->urgent_since = now;
    pc->forced = jumped_order(p, &dv->bal.cfs);
    arm(s, p, now + dv->urgent_left);
}

/* DCS_TIMER: the urgent time or the sender's delay ended, unless it was
 * extended meanwhile; then a vCPU that jumped CFS's order is preempted,
 * and a deferred preemption happens. */
static void urgency_ends(vl_sched *s, vl_pcpu *p, vl_ns now)
{
    dcs_pcpu *pc = dpc(p);
    vl_vcpu *curr = vl_pcpu_curr(p);
    if (curr && pc->urgent_since >= 0 && now >= pc->urgent_since + dvc(curr)->urgent_left) {
        dvc(curr)->urgent_left = 0; /* the urgent time is used up */
        pc->urgent_since = -1;
    }
    vl_ns until = held_until(p);
    if (until > now) { /* extended meanwhile */
        arm(s, p, until);
        return;
    }
    if (pc->forced)
        vl_counter_add(s, DCS_C_FORCED_ENDS, 1);
    if (pc->forced || pc->deferred) {
        pc->forced = pc->deferred = false;
        cfs_resched(p);
    }
}

/* ------------------------------------------------------------- the policy */

static const cfs_ext dcs_rules = {
    .select = balance_select,
    .may_migrate = balance_may_migrate,
    .defer_preempt = dcs_defer,
    .woke = dcs_woke,
    .pick = dcs_pick,
    .picked = dcs_picked,
};

static const char *const balance_modes[] = BALANCE_MODES;

static const vl_param dcs_params[] = {
    CFS_PARAM_ENTRIES
    {"balance", VL_PARAM_ENUM, offsetof(dcs_priv, balance.mode), 3, 0, 0, "",
     "vCPU placement: off, pure (sibling-free pCPUs at wake-up, migrations kept among them), "
     "load-conscious (and not on an overloaded pCPU; load balancing ignores it), "
     "pure-least-loaded (the model's stronger pure balance) (cpu.balsched 0/1/3)",
     balance_modes},
    {"balance_pct", VL_PARAM_INT, offsetof(dcs_priv, balance.pct), 100, 1, 1000, "%",
     "load-conscious: a pCPU is light at most at average load x pct/100 "
     "(balsched_load_imbalance_pct; the evaluation used 100)", NULL},
    {"urgent", VL_PARAM_BOOL, offsetof(dcs_priv, urgent), 1, 0, 1, "bool",
     "urgent-vCPU-first: urgent vCPUs are picked first (sched_urgent_enabled)", NULL},
    {"urgent_slice", VL_PARAM_TIME, offsetof(dcs_priv, urgent_slice), VL_US(500), VL_US(10),
     VL_MS(100), "ns", "urgent time slice limit: the most urgent time a vCPU runs unpreempted "
     "in one run, and the most a sender's delay lasts (sched_urgent_tslice_limit_ns: 500us)",
     NULL},
    {"urgent_allowance", VL_PARAM_TIME, offsetof(dcs_priv, urgent_allowance), VL_MS(18), 0,
     VL_S(1), "ns", "urgent allowance: an urgent VM goes first only within this vruntime of the "
     "leftmost (sched_urgent_latency_ns; evaluation 18ms)", NULL},
    {"tlb_cosched", VL_PARAM_BOOL, offsetof(dcs_priv, tlb_cosched), 1, 0, 1, "bool",
     "TLB-shootdown IPI receivers (vectors 0xf0-0xf7) become urgent (cpu.ipisched 0x2)", NULL},
    {"tlb_slice", VL_PARAM_TIME, offsetof(dcs_priv, tlb_slice), VL_US(100), VL_US(10), VL_MS(100),
     "ns", "urgent time a TLB IPI grants a waiting receiver, or adds to a running urgent one "
     "(sched_tlb_shootdown_ns)", NULL},
    {"resched_delay", VL_PARAM_TIME, offsetof(dcs_priv, resched_delay), VL_US(500), 0, VL_MS(10),
     "ns", "a reschedule-IPI sender is not preempted for this long; 0 = off "
     "(resched_ipi_unlock_latency_ns, cpu.ipisched 0x1)", NULL},
    {"resched_cosched", VL_PARAM_TIME, offsetof(dcs_priv, resched_cosched), 0, 0, VL_MS(10),
     "ns", "urgent slice of a reschedule-IPI receiver; 0 = off (resched_ipi_cosched_tslice_ns, "
     "cpu.ipisched 0x4)", NULL},
    VL_PARAM_END,
};

static const vl_param dcs_vm_params[] = {
    CFS_VM_PARAM_ENTRIES
    VL_PARAM_END,
};

/* With every urgency mechanism off, DCS is CFS with the balance rule. */
static int dcs_init(vl_sched *s)
{
    dcs_priv *dp = dpriv(s);
    balance_rule_init(s, DCS_C_BALANCE_PLACEMENTS);
    dp->coordinated = dp->urgent || dp->tlb_cosched || dp->resched_delay || dp->resched_cosched;
    for (int i = 0; i < vl_npcpus(s); i++) {
        dcs_pcpu *pc = dpc(vl_pcpu_get(s, i));
        vl_list_init(&pc->urgent);
        pc->urgent_since = -1;
    }
    for (int i = 0; i < vl_nvcpus_total(s); i++)
        vl_list_init(&dvc(vl_vcpu_get(s, i))->urgent_link);
    return cfs_init(s, dp->coordinated ? &dcs_rules : &balance_rules);
}

static void dcs_timer_fired(vl_sched *s, vl_pcpu *p, int slot, vl_ns now)
{
    if (p && slot == DCS_TIMER)
        urgency_ends(s, p, now);
    else
        cfs_op_timer_fired(s, p, slot, now);
}

/* CFS's state, then each pCPU's urgent run and queue and each vCPU's
 * urgent time and sender hold. */
static void dcs_dump(vl_sched *s, FILE *out)
{
    cfs_op_dump(s, out);
    for (int i = 0; i < vl_npcpus(s); i++) {
        dcs_pcpu *pc = dpc(vl_pcpu_get(s, i));
        int queued = 0;
        vl_list *pos;
        vl_list_for_each(pos, &pc->urgent)
            queued++;
        fprintf(out, "  dcs pCPU %d: urgent_since=%lld forced=%d deferred=%d urgent_queued=%d\n",
                i, (long long)pc->urgent_since, pc->forced, pc->deferred, queued);
    }
    for (int i = 0; i < vl_nvcpus_total(s); i++) {
        vl_vcpu *v = vl_vcpu_get(s, i);
        dcs_vcpu *dv = dvc(v);
        fprintf(out, "  dcs %s.v%d: urgent_left=%lld hold_until=%lld queued=%d\n",
                vl_vm_name(vl_vcpu_vm(v)), vl_vcpu_index(v), (long long)dv->urgent_left,
                (long long)dv->hold_until, dv->urgent_queued);
    }
}

static const vl_sched_ops dcs_ops = {
    .name = "dcs",
    .description = "Demand-based coordinated scheduling on KVM's CFS: IPIs classified by vector "
                   "make TLB-shootdown receivers urgent (picked first within an allowance, run an "
                   "urgent slice unpreempted), reschedule-IPI senders get a preemption delay, and "
                   "vCPUs are placed load-conscious and never beside a sibling.",
    .params = dcs_params,
    .vm_params = dcs_vm_params,
    .counters = dcs_counter_names,
    .flags = CFS_FAMILY_FLAGS,
    CFS_FAMILY_OPS(dcs_priv, dcs_pcpu, cfs_vm, dcs_vcpu),
    .init = dcs_init,
    .timer_fired = dcs_timer_fired,
    .ipi_sent = dcs_ipi_sent,
    .dump = dcs_dump,
};
VL_REGISTER_POLICY(dcs_ops);
