/* sched/balance.c - balance scheduling (Sukwong & Kim, "Is co-scheduling
 * too expensive for SMP VMs?", EuroSys 2011) as a rule on top of KVM's CFS,
 * and the `balance` policy: CFS plus that rule (docs/policies/dcs.md,
 * "balance").
 *
 * The rule, as the DCS authors' tree has it (hwanju/demand-cosched,
 * cpu.balsched): a waking vCPU's allowed pCPUs are those where no sibling
 * of its VM is queued or running (its wake-time mask; all of its affinity
 * if every pCPU has one).
 *   - pure (1): CFS's choice if it is allowed, else the first allowed pCPU
 *     (Linux's select_fallback_rq); load balancing keeps the vCPU inside
 *     its wake-time mask (cpus_allowed until its next wake-up).
 *   - load-conscious (3, DCS's refinement, which `dcs` uses): the pCPU must
 *     also be light - its load at most the average x pct/100 (an idle pCPU
 *     always is); if no pCPU is both, a light one; if none is light, CFS's
 *     own choice; the least-loaded one when CFS's is not allowed.  The mask
 *     is only a wake-up hint: load balancing may move the vCPU anywhere,
 *     beside siblings too (can_migrate_task treats it as soft in mode 3).
 *   - pure-least-loaded (4, the model's own, stronger than the authors'):
 *     the least-loaded sibling-free pCPU, and load balancing never moves a
 *     vCPU beside a sibling.
 * It reaches CFS through two hooks (cfs_ext.select, cfs_ext.may_migrate)
 * and reads CFS's runqueues; it changes nothing of CFS's. */
#include <string.h>

#include "balance.h"
#include "cfs_params.h"

static balance_priv *bpriv(vl_sched *s) { return vl_sched_priv(s); }

/* The pCPUs where a sibling of v is queued or running: marked in `mask`
 * (zeroed first, the host's words) and, if `ids` is not NULL, listed
 * there once each (at most the host's pCPUs); returns how many were
 * listed. */
static int sibling_pcpus(vl_sched *s, vl_vcpu *v, uint64_t *mask, int *ids)
{
    memset(mask, 0, (size_t)VL_BITMAP_WORDS(vl_npcpus(s)) * sizeof *mask);
    vl_vm *d = vl_vcpu_vm(v);
    const int16_t *on = cfs_vm_queued_on(s, v);
    int n = 0;
    for (int j = 0; j < vl_vm_nvcpus(d); j++) {
        int id = on[j];
        if (j != vl_vcpu_index(v) && id >= 0 && !vl_bit_test(mask, id)) {
            vl_bit_set(mask, id);
            if (ids)
                ids[n++] = id;
        }
    }
    return n;
}

static bool light(vl_sched *s, vl_pcpu *p)
{
    balance_priv *bp = bpriv(s);
    if (bp->mode != BALANCE_LOAD_CONSCIOUS || cfs_root(p)->nr_running == 0)
        return true;
    return cfs_root(p)->load * 100 * vl_npcpus(s) <= bp->cfs.total_load * bp->pct;
}

/* The allowed pCPU with the least load (idle first, lowest id on ties).
 * Lightness only falls as the load grows (an empty runqueue has no load),
 * so when v may run anywhere this is the least-loaded pCPU outside the
 * siblings' if that one is light, and none otherwise: on a large host the
 * load tree (cfs_pcpus.c) finds it without a scan. */
static vl_pcpu *least_loaded(vl_sched *s, vl_vcpu *v, const uint64_t *siblings,
                             const int *sibling_ids, int nsiblings, bool balanced)
{
    int n = vl_npcpus(s);
    if (cfs_sp(s)->load_index && vl_bit_all(vl_vcpu_affinity_mask(v), n)) {
        int id = cfs_least_loaded(s, sibling_ids, balanced ? nsiblings : 0);
        vl_pcpu *p = id >= 0 ? vl_pcpu_get(s, id) : NULL;
        return p && light(s, p) ? p : NULL;
    }
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

/* Pure balance as the authors': v's wake-time mask is its affinity
 * without the sibling pCPUs (its whole affinity if that leaves none);
 * CFS's choice stands inside it, else the mask's first pCPU. */
static vl_pcpu *first_allowed(vl_sched *s, vl_vcpu *v, const uint64_t *siblings, vl_pcpu *choice)
{
    uint64_t *mask = ((balance_vcpu *)vl_vcpu_priv(v))->wake_mask;
    const uint64_t *aff = vl_vcpu_affinity_mask(v);
    int words = VL_BITMAP_WORDS(vl_npcpus(s));
    bool any = false;
    for (int w = 0; w < words; w++)
        any |= (mask[w] = aff[w] & ~siblings[w]) != 0;
    if (!any)
        memcpy(mask, aff, (size_t)words * sizeof *mask);
    if (vl_bit_test(mask, vl_pcpu_id(choice)))
        return choice;
    return vl_pcpu_get(s, vl_bit_next(mask, 0, vl_npcpus(s)));
}

vl_pcpu *balance_select(vl_sched *s, vl_vcpu *v, vl_pcpu *choice)
{
    balance_priv *bp = bpriv(s);
    if (!bp->mode)
        return choice;
    uint64_t siblings[VL_BITMAP_WORDS(VL_MAX_PCPUS)];
    int ids[VL_MAX_PCPUS];
    int nids = sibling_pcpus(s, v, siblings, ids);
    vl_pcpu *p;
    if (bp->mode == BALANCE_LOAD_CONSCIOUS || bp->mode == BALANCE_LEAST_LOADED) {
        if (!vl_bit_test(siblings, vl_pcpu_id(choice)) && light(s, choice))
            return choice;
        p = least_loaded(s, v, siblings, ids, nids, true);
        if (!p && bp->mode == BALANCE_LOAD_CONSCIOUS)
            p = least_loaded(s, v, siblings, ids, nids, false);
        if (!p)
            return choice;
    } else {
        p = first_allowed(s, v, siblings, choice);
    }
    if (p != choice)
        vl_counter_add(s, bp->placed_counter, 1);
    return p;
}

bool balance_may_migrate(vl_sched *s, vl_vcpu *v, vl_pcpu *dst)
{
    switch (bpriv(s)->mode) {
    case BALANCE_LEAST_LOADED: {
        uint64_t siblings[VL_BITMAP_WORDS(VL_MAX_PCPUS)];
        sibling_pcpus(s, v, siblings, NULL);
        return !vl_bit_test(siblings, vl_pcpu_id(dst));
    }
    case BALANCE_LOAD_CONSCIOUS:
    case 0:
        return true;
    default: /* pure */
        return vl_bit_test(((balance_vcpu *)vl_vcpu_priv(v))->wake_mask, vl_pcpu_id(dst));
    }
}

void balance_rule_init(vl_sched *s, int placed_counter)
{
    bpriv(s)->placed_counter = placed_counter;
    if (bpriv(s)->mode == BALANCE_LOAD_CONSCIOUS || bpriv(s)->mode == BALANCE_LEAST_LOADED)
        cfs_load_index_on(s);
    for (int i = 0; i < vl_nvcpus_total(s); i++) {
        balance_vcpu *bv = vl_vcpu_priv(vl_vcpu_get(s, i));
        memset(bv->wake_mask, 0xff, sizeof bv->wake_mask);
    }
}

const cfs_ext balance_rules = {.select = balance_select, .may_migrate = balance_may_migrate};

/* ------------------------------------------------------ the `balance` policy */

enum { BALANCE_C_PLACEMENTS = CFS_NR_COUNTERS };

static const char *const balance_counter_names[] = {
    CFS_COUNTER_NAMES, [BALANCE_C_PLACEMENTS] = BALANCE_COUNTER_NAME, NULL};
static const char *const balance_modes[] = BALANCE_MODES;

static const vl_param balance_params[] = {
    CFS_PARAM_ENTRIES
    {"balance", VL_PARAM_ENUM, offsetof(balance_priv, mode), 1, 0, 0, "",
     "vCPU placement: pure balance as the DCS authors' (sibling-free pCPUs at wake-up: CFS's "
     "choice among them, else the first; migrations kept inside them), load-conscious (DCS's "
     "refinement), pure-least-loaded (the least-loaded sibling-free pCPU, migrations never "
     "beside a sibling), or off (plain cfs)", balance_modes},
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
    balance_rule_init(s, BALANCE_C_PLACEMENTS);
    return cfs_init(s, &balance_rules);
}

static const vl_sched_ops balance_ops = {
    .name = "balance",
    .description = "Balance scheduling on KVM's CFS: a waking vCPU goes to a pCPU where no "
                   "sibling is queued or running, and load balancing keeps it among those "
                   "pCPUs, so siblings are not stacked.",
    .params = balance_params,
    .vm_params = balance_vm_params,
    .counters = balance_counter_names,
    .flags = CFS_FAMILY_FLAGS,
    CFS_FAMILY_OPS(balance_priv, cfs_pcpu, cfs_vm, balance_vcpu),
    .dump = cfs_op_dump,
    .init = balance_init,
    .timer_fired = cfs_op_timer_fired,
};
VL_REGISTER_POLICY(balance_ops);
