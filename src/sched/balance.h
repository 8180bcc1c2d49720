/* sched/balance.h - balance scheduling as a rule on top of CFS (balance.c),
 * for the policies built with it: `balance`, and `dcs` (dcs.c), which adds
 * its urgency rules on top.
 *
 * What it may touch: CFS's runqueues and pCPU indexes through cfs_priv.h
 * (read only), its own parameters, and one counter of the policy.
 */
#ifndef VL_SCHED_BALANCE_H
#define VL_SCHED_BALANCE_H

#include "cfs_priv.h"

/* `balance` values: cpu.balsched of the DCS tree (0 off, 1 pure, 3
 * load-conscious; 2 reads as pure), and a stronger pure balance of the
 * model's own (4: the least-loaded sibling-free pCPU, migrations to any
 * pCPU without a sibling). */
#define BALANCE_PURE 1
#define BALANCE_LOAD_CONSCIOUS 3
#define BALANCE_LEAST_LOADED 4
#define BALANCE_MODES {"off", "pure", "pure", "load-conscious", "pure-least-loaded", NULL}

/* The instance struct of a policy built on CFS with this rule: CFS's first,
 * then the rule's parameters (a policy that adds rules puts this first). */
typedef struct balance_priv {
    cfs_priv cfs;
    int64_t mode;        /* parameter: 0 off, 1 or 2 pure, 3 load-conscious  */
    int64_t pct;         /* parameter: light <= average load x pct/100       */
    int placed_counter;  /* the policy's "balanced_placements" counter (init) */
} balance_priv;

/* The vCPU struct of such a policy: CFS's first, then the wake-time mask
 * of pure balance (the pCPUs that had no sibling when the vCPU was last
 * placed: load balancing keeps it inside them, as the authors' tree keeps
 * it inside the cpus_allowed its wake-up set). */
typedef struct balance_vcpu {
    cfs_vcpu cfs;
    uint64_t wake_mask[VL_BITMAP_WORDS(VL_MAX_PCPUS)];
} balance_vcpu;

_Static_assert(offsetof(balance_priv, cfs) == 0 && offsetof(balance_vcpu, cfs) == 0,
               "balance.h: CFS's structs come first");

/* init of a policy with the rule: its counter, and every vCPU's wake-time
 * mask open until its first placement. */
void balance_rule_init(vl_sched *s, int placed_counter);

/* The rule as CFS hooks (cfs_ext.select, cfs_ext.may_migrate); with mode
 * off they leave CFS's choices alone. */
vl_pcpu *balance_select(vl_sched *s, vl_vcpu *v, vl_pcpu *choice);
bool balance_may_migrate(vl_sched *s, vl_vcpu *v, vl_pcpu *dst);
/* CFS with the rule and nothing else (the `balance` policy's). */
extern const cfs_ext balance_rules;

/* The rule's "balanced_placements" counter name. */
#define BALANCE_COUNTER_NAME "balanced_placements"

#endif
