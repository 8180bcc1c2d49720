/* sched/cfs_priv.h - private to the `cfs` policy (cfs.c and cfs_*.c) and
 * the policies built on it: its four private structs, the counters, the
 * functions its files share, and the hooks a policy built on CFS adds its
 * rules through (cfs_ext).  Nothing else includes this header.
 *
 * Files:
 *   cfs.c           parameters, init, the hooks, the ops table
 *   cfs_rq.c        entities and runqueues: vruntime, buddies, pick, slices,
 *                   the two-level (group) hierarchy and the group shares
 *   cfs_bandwidth.c CFS bandwidth control (caps): quota, throttling
 *   cfs_balance.c   wake-up placement (select_task_rq_fair) and load balancing
 *   cfs_yield.c     yield, yield_to and KVM's kvm_vcpu_on_spin directed yield
 *   cfs_pcpus.c     host-wide pCPU indexes kept incrementally for placement
 *                   and balancing: the idle mask, the overloaded pCPUs by
 *                   load, the total load, the topology ranges
 * Built on it (CFS plus their own rules, through cfs_ext): balance.c
 * (balance scheduling) and dcs.c (demand-based coordinated scheduling);
 * flexcore.c (vCPU ballooning) adds no rule, only its own timer.
 */
#ifndef VL_SCHED_CFS_PRIV_H
#define VL_SCHED_CFS_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vcpulab/sched.h"
#include "vl_bitmap.h"
#include "vl_list.h"

#define CFS_NICE_0_LOAD 1024 /* weight of a nice-0 task (each vCPU thread) */
#define CFS_MIN_SHARES 2     /* smallest group weight (Linux MIN_SHARES) */
#define CFS_MAX_SHARES (1 << 18) /* largest cpu.shares (Linux MAX_SHARES) */
#define CFS_TIMER_BANDWIDTH 0 /* instance timer slot: the bandwidth period timer */
#define CFS_NOT_BUSY (-1)     /* busy key of a pCPU that is not overloaded (loads are >= 0) */

/* Policy counters, in the order of cfs_counter_names. */
enum {
    CFS_C_DIRECTED_YIELDS = 0, /* yield_to() boosted a sibling              */
    CFS_C_YIELD_FAILURES,      /* yield_to() found the yield pointless      */
    CFS_C_YIELD_NO_TARGET,     /* a PLE boosted nobody                      */
    CFS_C_WAKEUP_PREEMPTIONS,  /* check_preempt_wakeup preempted curr       */
    CFS_C_TICK_PREEMPTIONS,    /* check_preempt_tick preempted curr         */
    CFS_C_MIGRATIONS,          /* a vCPU changed runqueue (wake or balance) */
    CFS_C_THROTTLES,           /* a capped VM ran out of quota              */
    CFS_NR_COUNTERS            /* a policy built on CFS numbers its own from here */
};

/* The hooks a policy built on CFS adds its rules through: each is called,
 * when set, at one point of CFS's own decisions.  CFS keeps no state for
 * them; the policy keeps its own in private structs that start with CFS's
 * (CFS_FIRST).  Hooks that CFS does not use itself (ipi_sent, the pCPU
 * timer slots) the policy sets in its ops table directly. */
typedef struct cfs_ext {
    /* Wake-up placement: the pCPU v goes to, given CFS's choice. */
    vl_pcpu *(*select)(vl_sched *s, vl_vcpu *v, vl_pcpu *choice);
    /* Load balancing may move queued v to dst (CFS's own tests passed). */
    bool (*may_migrate)(vl_sched *s, vl_vcpu *v, vl_pcpu *dst);
    /* CFS would preempt p's current vCPU now (wake-up or tick): true if
     * that must wait (the policy reschedules p itself later). */
    bool (*defer_preempt)(vl_sched *s, vl_pcpu *p, vl_ns now);
    /* v was queued by a wake-up, before CFS's wake-up preemption check. */
    void (*woke)(vl_sched *s, vl_vcpu *v, vl_wake_reason why, int vector, vl_ns now);
    /* do_schedule, with prev put back: a vCPU to run before CFS's pick,
     * made current with cfs_pick_this, or NULL for CFS's pick. */
    vl_vcpu *(*pick)(vl_sched *s, vl_pcpu *p, vl_vcpu *prev, vl_ns now);
    /* do_schedule: next (NULL: idle) was picked. */
    void (*picked)(vl_sched *s, vl_pcpu *p, vl_vcpu *next, vl_ns now);
} cfs_ext;

/* A host kernel era (cfs_kernel.c): the rules that differ between the
 * Linux/KVM versions the model can be set to. */
enum { CFS_KERNEL_3_2 = 0, CFS_KERNEL_6_1, CFS_NR_KERNELS };
typedef struct cfs_kernel {
    const char *name;
    bool dy_kernel_filter; /* a kernel-mode PLE boosts only kernel-mode siblings */
    bool dy_eligible;      /* in_spin_loop siblings are eligible every other time */
    bool yield_to_esrch;   /* yield_to is pointless between two lone vCPUs;
                            * three such failures end the scan           */
    int ple_grow;          /* the PLE window multiplier per exit (1: fixed) */
    bool shares_load_window; /* group weights from 10 ms load windows (else
                              * from runnable counts)                     */
    bool newidle_avg_idle; /* a pCPU going idle balances only when its idle
                            * periods average migration_cost or more     */
} cfs_kernel;
extern const char *const cfs_kernel_names[]; /* the `kernel` parameter's choices */
const cfs_kernel *cfs_kernel_of(int index);

typedef struct cfs_rq cfs_rq;
typedef struct cfs_group cfs_group;

/* A schedulable entity: a vCPU thread, or a VM's group on one pCPU. */
typedef struct cfs_se {
    vl_list link;          /* in rq->queue iff queued and not rq->curr  */
    vl_ns vruntime;
    int64_t weight;
    vl_ns exec_start;      /* last charge (update_curr) or pick          */
    vl_ns sum_exec;        /* total run time                            */
    vl_ns prev_sum_exec;   /* sum_exec when it was last picked           */
    bool on_rq;            /* counted in rq (queued or current)         */
    cfs_rq *rq;            /* the runqueue it is (or was last) on        */
    struct cfs_se *parent; /* a vCPU's group entity; NULL for a group    */
    cfs_group *grp;        /* a group entity's group; NULL for a vCPU  */
} cfs_se;

/* A runqueue: the root one of a pCPU, or a VM group's. */
struct cfs_rq {
    vl_list queue;         /* queued entities, ascending vruntime (FIFO on ties) */
    cfs_se *curr;          /* the entity running from this runqueue      */
    int nr_running;        /* queued + current                          */
    int64_t load;          /* sum of their weights                       */
    vl_ns min_vruntime;    /* monotonic floor of the vruntimes            */
    cfs_se *next, *last, *skip; /* buddies                               */
    cfs_group *grp;        /* the owning group; NULL for a root runqueue */
};

/* A VM's group entity and runqueue on one pCPU.  The slots live in the
 * VM's vCPUs (one each): a VM has a group on at most as many pCPUs as it
 * has queued vCPUs, so its vCPUs always hold enough slots.  A slot stays
 * bound to its pCPU after it empties (keeping its vruntime) until another
 * pCPU needs it. */
struct cfs_group {
    cfs_se se;
    cfs_rq q;
    vl_pcpu *pcpu;         /* NULL: never bound                          */
    vl_vm *vm;
    vl_list active_link;   /* in the VM's `active` list iff q.nr_running > 0 */
    /* the 3.2 era's load window (update_cfs_load), reset when bound: */
    int64_t load_avg;      /* runqueue weight x ns over the window        */
    vl_ns load_period;     /* the window's length so far (halved past 10 ms) */
    vl_ns load_stamp;      /* last update                                 */
    vl_ns load_last;       /* last update with a non-empty runqueue       */
    vl_ns load_unacc;      /* run time charged since the last update
                            * (load_unacc_exec_time)                      */
    int64_t load_contrib;  /* the average as last counted in the VM's
                            * tg_load (load_contribution)                 */
    vl_list leaf_link;     /* in its pCPU's `leaf` list, or unlinked      */
};

typedef struct cfs_priv {
    /* parameters (cfs_params) */
    vl_ns latency, min_granularity, wakeup_granularity; /* 0: scaled default */
    vl_ns tick;
    vl_ns migration_cost;
    vl_ns balance_interval;
    int64_t busy_factor;
    vl_ns bandwidth_period;
    bool gentle_fair_sleepers;
    bool directed_yield;
    bool load_balance;
    int kernel;            /* CFS_KERNEL_*: the host kernel era           */
    const cfs_kernel *era; /* its rules (set at init)                    */
    const cfs_ext *ext;    /* the rules of a policy built on CFS (set at
                            * init; cfs's own has none)                 */
    /* derived at init */
    vl_ns lat, min_gran, wake_gran; /* effective tunables                 */
    int nr_latency;                 /* lat / min_gran, rounded up         */
    vl_ns nohz_next;                /* next kick of idle pCPUs            */
    /* Host-wide pCPU indexes (cfs_pcpus.c has the details), written by
     * cfs_root_changed whenever a root runqueue's nr_running, load or h_nr
     * changes (cfs_rq.c: enqueue, dequeue, reweight).  They replace scans
     * over all pCPUs and give exactly the scans' answers. */
    uint64_t idle_mask[VL_BITMAP_WORDS(VL_MAX_PCPUS)];
                                    /* root runqueue empty (Linux's
                                     * nohz.idle_cpus_mask): a superset of
                                     * the idle pCPUs, so readers test
                                     * pcpu_idle() on each hit; read by
                                     * wake-up placement and the kicks of
                                     * idle pCPUs                          */
    int64_t busy_key[VL_MAX_PCPUS]; /* per pCPU: its root load if two or
                                     * more vCPUs are runnable there
                                     * (overloaded), else CFS_NOT_BUSY     */
    int nr_overloaded;              /* busy keys that are not CFS_NOT_BUSY */
    int busy_leaves;                /* leaves of busy_tree: a power of two
                                     * >= the pCPUs                        */
    int64_t busy_tree[2 * VL_MAX_PCPUS];
                                    /* max-tree (heap layout, root at 1,
                                     * leaf of pCPU i at busy_leaves + i)
                                     * over upper bounds of the busy keys;
                                     * searched by find_busiest            */
    uint64_t busy_stale[VL_BITMAP_WORDS(VL_MAX_PCPUS)];
                                    /* leaves above their key (the key fell
                                     * since): set by cfs_busy_key_set,
                                     * cleared when a search lowers the leaf
                                     * or the key rises to it again        */
    uint64_t busy_hidden[VL_BITMAP_WORDS(VL_MAX_PCPUS)];
                                    /* leaves a search set to CFS_NOT_BUSY
                                     * (the balancing pCPU, rejected
                                     * candidates); empty outside searches */
    int64_t total_load;             /* sum of the root runqueue loads     */
    int16_t *queued_on;             /* per vCPU (host-wide id): the pCPU
                                     * whose runqueue holds it, queued or
                                     * running (se.on_rq), else -1; a VM's
                                     * siblings are read here rather than
                                     * in each vCPU's state (a cache miss
                                     * each on a large host)               */
    int64_t root_load[VL_MAX_PCPUS];
                                    /* each pCPU's root load as counted in
                                     * total_load: also the load tree's
                                     * keys, read by its searches here
                                     * rather than in every dirty pCPU's
                                     * runqueue (a cache miss each on a
                                     * large host)                         */
    bool load_index;                /* load_tree kept (cfs_load_index_on) */
    bool place_index;               /* place_tree kept (large hosts)      */
    int64_t load_tree[2 * VL_MAX_PCPUS];
                                    /* min-tree (layout of busy_tree) over
                                     * the root loads of all pCPUs, for the
                                     * least-loaded searches of balance
                                     * scheduling (balance.c)              */
    int64_t place_tree[2 * VL_MAX_PCPUS];
                                    /* min-tree over (root load, runnable
                                     * vCPUs + running) of all pCPUs, for
                                     * fork balancing (idlest_cpu)         */
    uint64_t load_dirty[VL_BITMAP_WORDS(VL_MAX_PCPUS)];
    uint64_t place_dirty[VL_BITMAP_WORDS(VL_MAX_PCPUS)];
                                    /* pCPUs whose keys may have changed
                                     * since the last search of each tree:
                                     * brought up to date by its next one  */
} cfs_priv;

typedef struct cfs_pcpu {
    cfs_rq root;
    int h_nr;              /* vCPUs runnable here (Linux h_nr_running): the
                            * vCPUs of the groups in the root runqueue;
                            * kept by cfs_enqueue_entity/dequeue_entity */
    /* for cfs_pcpus.c (set at init, or by cfs_root_changed) */
    cfs_priv *sp;
    int id;
    int core_lo, core_hi;  /* id range holding p's SMT siblings [lo, hi)  */
    int sock_lo, sock_hi;  /* id range holding p's socket [lo, hi)        */
    bool resched;          /* a reschedule of this pCPU is pending: set by
                            * cfs_resched, vcpu_block, vcpu_yield; cleared
                            * in do_schedule; checked by the wake-up and
                            * tick preemption checks                     */
    vl_ns next_balance;    /* next periodic (busy) balance               */
    vl_list leaf;          /* the 3.2 era's leaf_cfs_rq_list: the groups
                            * bound here that have had vCPUs queued and
                            * still have a load history (update_shares)  */
    int balance_failed;    /* balance attempts that moved nothing        */
    /* the 3.2 era's rq->idle_stamp and rq->avg_idle (cfs_newidle_balance): */
    vl_ns idle_stamp;      /* when it last went idle; -1: a vCPU was woken
                            * onto it since                              */
    vl_ns avg_idle;        /* its idle periods' running average          */
} cfs_pcpu;

typedef struct cfs_vm {
    int64_t shares_param;  /* parameter: cpu.shares, 0 = weight x 4      */
    int64_t shares;        /* effective                                   */
    int nr_runnable;       /* vCPUs queued or running, all pCPUs          */
    int64_t tg_load;       /* sum of its groups' load_contrib (the 3.2
                            * era's tg->load_weight)                      */
    vl_list active;        /* its groups with vCPUs queued (at most one per
                            * vCPU, in no particular order): joined and
                            * left in cfs_enqueue_vcpu/cfs_dequeue_vcpu;
                            * walked by update_shares                    */
    int last_boosted;      /* kvm->last_boosted_vcpu                      */
    vl_ns quota;           /* per bandwidth period; 0 = uncapped           */
    vl_ns runtime;         /* left in this period (may go negative)       */
    bool throttled;        /* quota spent: set in throttle (cfs_bw_check),
                            * cleared by the period timer; checked where
                            * groups join a root runqueue and by yield_to */
} cfs_vm;

/* Field order: what a pick, a tick and an enqueue read beside the entity
 * (its vCPU, runqueue, flags) comes right after it; the VM-pool slot, which
 * only group placement touches, last. */
typedef struct cfs_vcpu {
    cfs_se se;
    vl_vcpu *v;
    vl_pcpu *cpu;          /* runqueue it is on (or last was)             */
    cfs_rq *last_q;        /* the runqueue its vruntime refers to          */
    bool placed;           /* has been queued at least once                */
    bool vr_rel;           /* vruntime is relative (its runqueue was recycled) */
    bool in_spin_loop;     /* in kvm_vcpu_on_spin: set at a PLE, cleared
                            * at the end of its scan if it boosted nobody,
                            * else when picked to run again (KVM's
                            * yielder sleeps inside yield_to); checked by
                            * the directed-yield scan                     */
    bool dy_eligible;      /* KVM's toggle: flipped each time the scan
                            * considers it while in_spin_loop; cleared at
                            * the end of its own scan and when picked     */
    cfs_group slot;        /* this vCPU's contribution to the VM's pool   */
} cfs_vcpu;

/* A policy built on CFS puts CFS's structs first in its own. */
#define CFS_FIRST(priv, pcpu, vcpu)                                               \
    _Static_assert(offsetof(priv, cfs) == 0 && offsetof(pcpu, cfs) == 0 &&       \
                       offsetof(vcpu, cfs) == 0,                                 \
                   "cfs_priv.h: CFS's structs come first in the policy's")

/* Accessors. */
static inline cfs_priv *cfs_sp(vl_sched *s) { return vl_sched_priv(s); }
static inline cfs_pcpu *cfs_pc(vl_pcpu *p) { return vl_pcpu_priv(p); }
static inline cfs_vm *cfs_dm(vl_vm *d) { return vl_vm_priv(d); }
static inline cfs_vcpu *cfs_vc(vl_vcpu *v) { return vl_vcpu_priv(v); }
static inline cfs_rq *cfs_root(vl_pcpu *p) { return &cfs_pc(p)->root; }
static inline cfs_vcpu *cfs_se_vcpu(cfs_se *se) { return vl_container_of(se, cfs_vcpu, se); }
static inline cfs_group *cfs_vcpu_group(cfs_vcpu *cv) { return cv->se.parent->grp; }

/* Ask p to reschedule (Linux resched_curr). */
void cfs_resched(vl_pcpu *p);

/* --- cfs_rq.c ------------------------------------------------------------ */
void cfs_rq_init(cfs_rq *q, cfs_group *owner);
void cfs_update_curr(cfs_rq *q, vl_ns now);
/* Charges the current vCPU and its group on p. */
void cfs_update_pcpu(vl_pcpu *p, vl_ns now);
void cfs_enqueue_entity(vl_sched *s, cfs_rq *q, cfs_se *se, bool wakeup, vl_ns now);
void cfs_dequeue_entity(cfs_rq *q, cfs_se *se, vl_ns now);
int cfs_wakeup_preempt_entity(vl_sched *s, const cfs_se *curr, const cfs_se *se);
void cfs_set_next_buddy(cfs_se *se);
void cfs_set_last_buddy(cfs_se *se);
void cfs_set_skip_buddy(cfs_se *se);
void cfs_clear_buddies(cfs_rq *q, cfs_se *se);
/* check_preempt_tick: true if curr should give way. */
bool cfs_check_preempt_tick(vl_sched *s, cfs_rq *q, cfs_se *curr);
/* vCPU-level operations: queue / unqueue v on p, maintaining the groups,
 * their place in the root runqueue and the VM's group weights. */
void cfs_enqueue_vcpu(vl_sched *s, vl_vcpu *v, vl_pcpu *p, bool wakeup, vl_ns now);
void cfs_dequeue_vcpu(vl_sched *s, vl_vcpu *v, vl_ns now);
/* The 3.2 era's update_entity_shares_tick for p's current group: its load
 * and weight once it has run a window since its load was last updated;
 * nothing in other eras. */
void cfs_tick_shares(vl_sched *s, vl_pcpu *p, vl_ns now);
/* The 3.2 era's update_shares(cpu), run where p balances (rebalance_domains,
 * idle_balance): every group on p's leaf list brings its load up to now,
 * its contribution counted in full, and takes its weight; nothing in other
 * eras. */
void cfs_update_shares(vl_sched *s, vl_pcpu *p, vl_ns now);
/* Puts the running vCPU and its group back into their runqueues. */
void cfs_put_prev(vl_sched *s, vl_pcpu *p, vl_ns now);
/* Picks (and makes current) the next vCPU of p; NULL when nothing runs. */
vl_vcpu *cfs_pick_vcpu(vl_sched *s, vl_pcpu *p, vl_ns now);
/* vCPUs runnable on p (Linux h_nr_running; throttled groups excluded). */
static inline int cfs_nr_vcpus(vl_pcpu *p) { return cfs_pc(p)->h_nr; }

/* --- cfs_bandwidth.c ------------------------------------------------------- */
void cfs_bw_init(vl_sched *s);
/* Throttles d if its quota is spent; returns whether d is throttled. */
bool cfs_bw_check(vl_sched *s, vl_vm *d, vl_ns now);
/* The period timer: refill every quota, unthrottle. */
void cfs_bw_period(vl_sched *s, vl_ns now);

/* --- cfs_balance.c ---------------------------------------------------------- */
vl_pcpu *cfs_select_cpu(vl_sched *s, vl_vcpu *v, vl_pick_reason why);
/* A pCPU with nothing to run pulls one vCPU; returns whether it did. */
bool cfs_idle_balance(vl_sched *s, vl_pcpu *p, vl_ns now);
/* p goes idle (schedule's idle_balance): cfs_idle_balance, in the 3.2 era
 * only when p's idle periods average migration_cost or more. */
void cfs_newidle_balance(vl_sched *s, vl_pcpu *p, vl_ns now);
/* A vCPU was woken onto p (ttwu_do_wakeup): p's idle period, if it was
 * idle, joins its average. */
void cfs_note_wakeup(vl_sched *s, vl_pcpu *p, vl_ns now);
/* From the tick of busy p: periodic balance and kicks of idle pCPUs. */
void cfs_balance_tick(vl_sched *s, vl_pcpu *p, vl_ns now);

/* --- cfs_pcpus.c ------------------------------------------------------------ */
void cfs_pcpus_init(vl_sched *s);
/* Sets pCPU id's busy key (and its leaf in the busy tree). */
void cfs_busy_key_set(cfs_priv *sp, int id, int64_t key);

/* The trees over all pCPUs (cfs_pcpus.c), kept only on large hosts: with
 * at most cfs_index_scan_pcpus pCPUs (one bitmap word) a scan reads less
 * than a tree's updates.  Either way the answers are the same; tests set
 * it to 0 to compare the two.  A root change or a decision on p marks p's
 * leaves dirty (cfs_tree_dirty), the next search brings them up to date.
 *   load tree   asked for by cfs_load_index_on before cfs_init (balance
 *               scheduling): cfs_least_loaded gives the pCPU with the least
 *               root load, the lowest id on ties, outside the `nexcluded`
 *               pCPU ids in `excluded`; -1 if none.
 *   place tree  every CFS-family policy: cfs_idlest gives the pCPU with the
 *               least (root load, runnable vCPUs + 1 if one runs), the
 *               lowest id on ties (fork balancing); -1 if the tree is off. */
extern int cfs_index_scan_pcpus;
void cfs_load_index_on(vl_sched *s);
int cfs_least_loaded(vl_sched *s, const int *excluded, int nexcluded);
int cfs_idlest(vl_sched *s);
static inline void cfs_tree_dirty(cfs_priv *sp, int id)
{
    if (sp->load_index)
        vl_bit_set(sp->load_dirty, id);
    if (sp->place_index)
        vl_bit_set(sp->place_dirty, id);
}

/* queued_on of v's VM, indexed by vCPU index within the VM (a VM's vCPUs
 * have consecutive host-wide ids). */
_Static_assert(VL_MAX_PCPUS <= INT16_MAX, "queued_on holds pCPU ids in int16_t");
static inline const int16_t *cfs_vm_queued_on(vl_sched *s, const vl_vcpu *v)
{
    return &cfs_sp(s)->queued_on[vl_vcpu_id(v) - vl_vcpu_index(v)];
}

/* Brings the host-wide indexes up to date with pc's root runqueue (inline:
 * it runs at every enqueue, dequeue and reweight). */
static inline void cfs_root_changed(cfs_pcpu *pc)
{
    cfs_priv *sp = pc->sp;
    if (pc->root.nr_running == 0)
        vl_bit_set(sp->idle_mask, pc->id);
    else
        vl_bit_clear(sp->idle_mask, pc->id);
    sp->total_load += pc->root.load - sp->root_load[pc->id];
    sp->root_load[pc->id] = pc->root.load;
    int64_t key = pc->h_nr >= 2 ? pc->root.load : CFS_NOT_BUSY;
    if (key != sp->busy_key[pc->id])
        cfs_busy_key_set(sp, pc->id, key);
    cfs_tree_dirty(sp, pc->id);
}

/* Idle pCPUs (pcpu_idle) are among the set bits of this mask. */
static inline const uint64_t *cfs_idle_mask(vl_sched *s) { return cfs_sp(s)->idle_mask; }

/* A search of the overloaded pCPUs by load (find_busiest): top returns the
 * overloaded pCPU with the largest load (the lowest id on ties) that is
 * not hidden, -1 if none; hide passes over one; end unhides them all.  No
 * runqueue may change from the first hide to the end. */
int cfs_busy_search_top(cfs_priv *sp);
void cfs_busy_hide(cfs_priv *sp, int id);
void cfs_busy_search_end(vl_sched *s);

/* --- the hooks (cfs.c), shared by the family's ops tables ------------------- */
/* init of a policy built on CFS: CFS's, with its rules `ext`. */
int cfs_init(vl_sched *s, const cfs_ext *ext);
int cfs_op_init(vl_sched *s);
/* fini of every policy built on CFS (frees what cfs_init allocated). */
void cfs_op_fini(vl_sched *s);
vl_pcpu *cfs_op_pick_cpu(vl_sched *s, vl_vcpu *v, vl_pick_reason why);
void cfs_op_vcpu_wake(vl_sched *s, vl_vcpu *v, vl_wake_reason why, int vector);
void cfs_op_vcpu_block(vl_sched *s, vl_vcpu *v, vl_block_reason why);
void cfs_op_vcpu_yield(vl_sched *s, vl_vcpu *v, const vl_exit_info *info);
vl_decision cfs_op_do_schedule(vl_sched *s, vl_pcpu *p, vl_vcpu *prev, vl_ns now);
void cfs_op_tick(vl_sched *s, vl_pcpu *p, vl_ns now);
void cfs_op_timer_fired(vl_sched *s, vl_pcpu *p, int slot, vl_ns now);
void cfs_op_dump(vl_sched *s, FILE *out);

/* --- cfs_rq.c: picking a given vCPU ------------------------------------------ */
/* Makes queued vCPU cv (on p, its group in p's root runqueue) current. */
vl_vcpu *cfs_pick_this(vl_pcpu *p, cfs_vcpu *cv, vl_ns now);
/* The queued entity with the smallest vruntime, or NULL. */
cfs_se *cfs_leftmost(const cfs_rq *q);

/* --- cfs_yield.c ------------------------------------------------------------ */
/* A yield or pause-loop exit of running v; returns whether v's pCPU
 * reschedules (false: v goes straight back into the guest). */
bool cfs_yield(vl_sched *s, vl_vcpu *v, const vl_exit_info *info, vl_ns now);

#endif
