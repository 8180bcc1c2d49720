/* sched/balance.c - balance scheduling (Sukwong & Kim, "Is co-scheduling
 * too expensive for SMP VMs?", EuroSys 2011) as a rule on top of KVM's CFS,
 * and the `balance` policy: CFS plus that rule (docs/policies/dcs.md,
 * "balance").
 *
 * The rule: a waking vCPU is placed on a pCPU where no sibling of its VM
 * is queued or running, so siblings never stack on one runqueue; load
 * balancing does not stack them either.  Load-conscious mode (DCS's
 * refinement, which `dcs` uses): the pCPU must also be light - its load at
 * most the average x pct/100 (an idle pCPU always is); if no pCPU is both,
 * a light one; if none is light, CFS's own choice.  It reaches CFS through
 * two hooks (cfs_ext.select, cfs_ext.may_migrate) and reads CFS's
 * runqueues; it changes nothing of CFS's. */
#include "balance.h"
#include "cfs_params.h"

static balance_priv *bpriv(vl_sched *s) { return vl_sched_priv(s); }

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
    balance_priv *bp = bpriv(s);
    if (bp->mode != BALANCE_LOAD_CONSCIOUS || cfs_root(p)->nr_running == 0)
        return true;
    return cfs_root(p)->load * 100 * vl_npcpus(s) <= bp->cfs.total_load * bp->pct;
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

vl_pcpu *balance_select(vl_sched *s, vl_vcpu *v, vl_pcpu *choice)
{
    balance_priv *bp = bpriv(s);
    if (!bp->mode)
        return choice;
    uint64_t siblings[VL_BITMAP_WORDS(VL_MAX_PCPUS)] = {0};
    sibling_pcpus(v, siblings);
    if (!vl_bit_test(siblings, vl_pcpu_id(choice)) && light(s, choice))
        return choice;
    vl_pcpu *p = least_loaded(s, v, siblings, true);
    if (!p && bp->mode == BALANCE_LOAD_CONSCIOUS)
        p = least_loaded(s, v, siblings, false);
    if (!p)
        return choice;
    if (p != choice)
        vl_counter_add(s, bp->placed_counter, 1);
    return p;
}

bool balance_may_migrate(vl_sched *s, vl_vcpu *v, vl_pcpu *dst)
{
    if (!bpriv(s)->mode)
        return true;
    uint64_t siblings[VL_BITMAP_WORDS(VL_MAX_PCPUS)] = {0};
    sibling_pcpus(v, siblings);
    return !vl_bit_test(siblings, vl_pcpu_id(dst));
}

const cfs_ext balance_rules = {.select = balance_select, .may_migrate = balance_may_migrate};

/* ------------------------------------------------------ the `balance` policy */

enum { BALANCE_C_PLACEMENTS = CFS_NR_COUNTERS };

static const char *const balance_counter_names[] = {
    CFS_COUNTER_NAMES, [BALANCE_C_PLACEMENTS] = BALANCE_COUNTER_NAME, NULL};
static const char *const balance_modes[] = {"off", "pure", "pure", "load-conscious", NULL};

static const vl_param balance_params[] = {
    CFS_PARAM_ENTRIES
    {"balance", VL_PARAM_ENUM, offsetof(balance_priv, mode), 1, 0, 0, "",
     "vCPU placement: pure balance (no two siblings on a pCPU: the EuroSys 2011 scheme), or "
     "load-conscious (DCS's refinement), or off (plain cfs)", balance_modes},
    {"balance_pct", VL_PARAM_INT, offsetof(balance_priv, pct), 100, 1, 1000, "%",
     "load-conscious only: light at most at average load x pct/100", NULL},
    VL_PARAM_END,
};

static const vl_param balance_vm_params[] = {
    CFS_VM_PARAM_ENTRIES
    VL_PARAM_END,
};

static int balance_init(vl_sched *s)
{
    bpriv(s)->placed_counter = BALANCE_C_PLACEMENTS;
    return cfs_init(s, &balance_rules);
}

static const vl_sched_ops balance_ops = {
    .name = "balance",
    .description = "Balance scheduling on KVM's CFS: sibling vCPUs are never placed on (or "
                   "balanced onto) the same pCPU runqueue, so they are not stacked.",
    .params = balance_params,
    .vm_params = balance_vm_params,
    .counters = balance_counter_names,
    .flags = CFS_FAMILY_FLAGS,
    CFS_FAMILY_OPS(balance_priv, cfs_pcpu, cfs_vm, cfs_vcpu),
    .init = balance_init,
    .timer_fired = cfs_op_timer_fired,
};
VL_REGISTER_POLICY(balance_ops);
