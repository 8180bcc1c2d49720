/* sched/credit_priv.h - private to the `credit` policy (credit.c) and the
 * policies built on it (tavs.c, microsliced.c): Credit's private structs,
 * parameters and counters, its hooks exported for an ops table, and the
 * extension points a policy built on Credit adds its rules through
 * (csched_ext, the priority changes csched_raise / csched_lower, and the
 * pool: pCPUs taken out of Credit's own scheduling, csched_pool_leave /
 * csched_pool_join / csched_queue_at).  Nothing else includes this header.
 * The rules themselves and their sources are in credit.c.
 */
#ifndef VL_SCHED_CREDIT_PRIV_H
#define VL_SCHED_CREDIT_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "vcpulab/sched.h"
#include "vl_bitmap.h"
#include "vl_list.h"

#define CSCHED_DEFAULT_WEIGHT 256     /* Xen CSCHED_DEFAULT_WEIGHT (weights come from the VM) */
#define CSCHED_DEFAULT_TSLICE_MS 30   /* Xen CSCHED_DEFAULT_TSLICE_MS */
#define CSCHED_TSLICE_MIN_MS 1        /* Xen XEN_SYSCTL_CSCHED_TSLICE_MIN */
#define CSCHED_TSLICE_MAX_MS 1000     /* Xen XEN_SYSCTL_CSCHED_TSLICE_MAX */
#define CSCHED_TICKS_PER_TSLICE 3     /* Xen: tick = tslice / 3 = 10 ms */
#define CSCHED_CREDITS_PER_MSEC 10    /* Xen: 300 credits per 30 ms slice */
#define CSCHED_MIN_TIMER VL_US(100)   /* Xen XEN_SYSCTL_SCHED_RATELIMIT_MIN: shortest timer */
#define CSCHED_RATELIMIT_MAX_MS 500   /* Xen XEN_SYSCTL_SCHED_RATELIMIT_MAX (500000 us) */
#define CSCHED_MIGR_DELAY_MAX_MS 100  /* Xen XEN_SYSCTL_CSCHED_MGR_DLY_MAX_US */
#define CSCHED_DEFAULT_RATELIMIT_US 1000 /* Xen SCHED_DEFAULT_RATELIMIT_US */
#define CSCHED_RATELIMIT_UNSET (-1)   /* `ratelimit` not set: the version's default */
#define CSCHED_DEFAULT_BALANCE_RATELIMIT_US 1000 /* Xen CSCHED_DEFAULT_LOAD_BALANCE_RATELIMIT_US */
#define CSCHED_BALANCE_RATELIMIT_MAX_MS 1000 /* Xen CSCHED_MAX_LOAD_BALANCE_RATELIMIT_US */

/* Priorities (Xen's values; higher runs first). */
#define CSCHED_PRI_BOOST 0    /* woke up from blocking with credit left */
#define CSCHED_PRI_UNDER (-1) /* credit >= 0 at the last accounting      */
#define CSCHED_PRI_OVER (-2)  /* credit < 0 at the last accounting       */
#define CSCHED_PRI_IDLE (-64) /* the idle loop                           */

/* vCPU flags.
 * PARKED: set in csched_acct (capped and below -cap share); cleared in
 *   csched_acct (credit back >= 0); checked in wake, do_schedule, tick.
 * YIELD: set in vcpu_yield; cleared in do_schedule when prev is queued
 *   again; checked in runq_insert, the rate limit and runq_steal.
 * MOVE: set in the tick when cpu_pick finds a better pCPU for the running
 *   vCPU (Xen's _VPF_migrating), and by csched_pool_leave for the vCPU
 *   running on the pCPU that leaves; cleared in context_saved, which
 *   queues it there; checked in do_schedule (prev is not kept or queued
 *   locally).
 * RETURN: set in do_schedule on a pCPU outside the pool for a runnable
 *   prev that another vCPU queued there replaces; cleared in
 *   context_saved, which queues it back in the pool (ext->home). */
#define CSCHED_FLAG_PARKED 0x1u
#define CSCHED_FLAG_YIELD 0x2u
#define CSCHED_FLAG_MOVE 0x4u
#define CSCHED_FLAG_RETURN 0x8u

/* Timer slots. */
#define CSCHED_TIMER_TICK 0 /* per pCPU: the credit tick          */
#define CSCHED_TIMER_ACCT 0 /* instance: the accounting "master"  */

/* Counters (indices into the policy's counter names). */
enum {
    CSCHED_C_BOOSTS,
    CSCHED_C_STEALS,
    CSCHED_C_ACCOUNTS,
    CSCHED_C_PARKS,
    CSCHED_C_UNPARKS,
    CSCHED_C_RATELIMITED,
    CSCHED_C_MOVES,
    CSCHED_C_YIELDS,
    CSCHED_C_DEBITED,
    CSCHED_NR_COUNTERS /* a policy built on Credit numbers its own from here */
};
/* Counter names of Credit, in the order of the CSCHED_C_* enum; a policy
 * built on it appends its own from CSCHED_NR_COUNTERS. */
#define CSCHED_COUNTER_NAMES                                                                     \
    [CSCHED_C_BOOSTS] = "boosts", [CSCHED_C_STEALS] = "steals",                                  \
    [CSCHED_C_ACCOUNTS] = "accounts", [CSCHED_C_PARKS] = "parks",                                \
    [CSCHED_C_UNPARKS] = "unparks", [CSCHED_C_RATELIMITED] = "ratelimited",                      \
    [CSCHED_C_MOVES] = "tick_moves", [CSCHED_C_YIELDS] = "yields",                               \
    [CSCHED_C_DEBITED] = "credits_debited"

/* How vCPU 0 of a VM is placed when the VM is created (creation_cpu). */
typedef enum csched_placement {
    CSCHED_PLACE_LEAST_POPULATED, /* Xen <= 4.7 default_vcpu0_location */
    CSCHED_PLACE_FIRST,           /* Xen >= 4.13 sched_select_initial_cpu */
} csched_placement;

/* What one Xen version's Credit does: one flag per rule that changed
 * between versions, read through priv.feat.  The commits that brought or
 * removed each rule are in docs/policies/credit.md ("Versions"). */
typedef struct csched_features {
    bool debit_sampled;        /* the tick debits a whole tick, deschedule nothing */
    bool weight_per_domain;    /* a VM's weight counts once, not per active vCPU */
    bool credit_reset_zero;    /* leaving the active set resets credit to 0, not half */
    bool tickle_all_idle;      /* a wake-up tickles every idler, not one */
    bool yield_flag;           /* yield marks the vCPU (queued behind, not held) */
    bool ratelimit_exempts_yield; /* the rate limit does not hold a yielder */
    bool ratelimit_remainder;  /* a held vCPU gets the rest of the limit, not all of it */
    bool idler_marking;        /* a tickled idle pCPU stops counting as an idler */
    bool steal_bias;           /* stealing in a socket starts after the last victim */
    bool unpark_boost;         /* an unparked vCPU wakes BOOSTed */
    bool yield_sticky;         /* YIELD stays until dequeued; stealers skip yielders */
    bool balance_ratelimit;    /* load balancing at most once per balance_ratelimit */
    vl_ns default_ratelimit;   /* the rate limit when `ratelimit` is not set */
    csched_placement placement;
} csched_features;

/* The `xen` parameter's versions (csched_versions, their rules in
 * credit.c's csched_xen). */
enum { CSCHED_XEN_3_2, CSCHED_XEN_4_7, CSCHED_XEN_4_13, CSCHED_XEN_HEAD };
extern const char *const csched_versions[];

/* The hooks a policy built on Credit adds its rules through: each is
 * called, when set, at one point of Credit's own decisions.  Credit keeps
 * no state for them; the policy keeps its own in private structs that
 * start with Credit's (CSCHED_FIRST). */
typedef struct csched_ext {
    /* The tick found v running BOOSTed: the priority it drops to (Credit's
     * own rule: UNDER). */
    int (*boost_ends)(vl_sched *s, vl_vcpu *v);
    /* Pool (csched_pool_leave): the slice of a pCPU outside the pool. */
    vl_ns outside_slice;
    /* Pool: the pCPU of the pool that v, replaced on a pCPU outside it,
     * goes back to; NULL (or a pCPU outside): cpu_pick chooses. */
    vl_pcpu *(*home)(vl_sched *s, vl_vcpu *v);
} csched_ext;

/* The four private structs (instance, pCPU, VM, vCPU). */
typedef struct csched_priv {
    /* parameters (written by the core before init) */
    vl_ns tslice;
    vl_ns ratelimit;
    vl_ns migration_delay;
    vl_ns balance_ratelimit;
    int xen;                /* index into csched_xen                    */
    /* set by csched_init_ext */
    const csched_ext *ext;  /* the rules of a policy built on Credit    */
    /* derived in init */
    csched_features feat;   /* csched_xen[xen]                          */
    vl_ns tick_period;
    int64_t credits_per_tslice;
    int64_t credits_per_tick;
    /* accounting */
    vl_list active_vms;     /* csched_vm.active_link                   */
    int64_t weight;         /* sum over active vCPUs of their VM weight */
    int64_t credit;         /* credits_per_tslice x pCPUs of the pool   */
    int64_t credit_balance; /* sum of active credits at the last acct   */
    uint32_t runq_sort;     /* accounting epoch: runqueues to sort      */
    int last_tickle;        /* cursor of the idler chosen by a tickle   */
    /* topology (init): pCPU ids are socket-major, then core, then thread
     * (checked in init), so core c holds the ids from c x core_span to
     * (c + 1) x core_span - 1, and socket k likewise with socket_span */
    int nsockets;
    int core_span;          /* pCPUs per core (SMT threads)             */
    int socket_span;        /* pCPUs per socket                         */
    /* pCPU masks (bit = pCPU id; no bit at or above vl_npcpus).  Xen's
     * idlers - chose idle and nobody tickled it since - are the core's
     * vl_idle_pcpus(): every idle pCPU is rescheduled only by runq_tickle
     * here, so the core's "idle, no reschedule pending" is the same set.
     * Checked in cpu_pick, runq_tickle and load_balance.
     * queued: its runqueue is not empty (nr_queued > 0).  Set in
     *   runq_insert, cleared in runq_remove when the last vCPU leaves (both
     *   through runq_changed); checked in load_balance (for an idle
     *   stealer: any queued vCPU outranks it).
     * urgent: the head of its runqueue is above OVER (UNDER or BOOST).
     *   Set and cleared in runq_changed, called wherever a runqueue's head
     *   or the priority of a queued vCPU changes (runq_insert, runq_remove,
     *   runq_sort, csched_acct); checked in load_balance (for an OVER
     *   stealer: runq_steal stops at the first vCPU not above it). */
    uint64_t queued[VL_BITMAP_WORDS(VL_MAX_PCPUS)];
    uint64_t urgent[VL_BITMAP_WORDS(VL_MAX_PCPUS)];
    /* chose_idle: the pCPUs whose last schedule chose idle, tickled or
     * not: Xen's idlers before 4.9 (feat.idler_marking false).  Set and
     * cleared in do_schedule; read through idlers(). */
    uint64_t chose_idle[VL_BITMAP_WORDS(VL_MAX_PCPUS)];
    /* outside: the pCPUs a policy built on Credit took out of its pool
     * (Xen's cpupools: one scheduler instance per pool); nr_outside counts
     * them.  Set in csched_pool_leave, cleared in csched_pool_join.  Such
     * a pCPU runs only what is queued on it (csched_queue_at), with no
     * rate limit, load balancing nor tick moves, for ext->outside_slice;
     * it is never an idler, a cpu_pick result, a steal victim nor in
     * queued / urgent. */
    uint64_t outside[VL_BITMAP_WORDS(VL_MAX_PCPUS)];
    int nr_outside;
    uint64_t idlers_in_pool[VL_BITMAP_WORDS(VL_MAX_PCPUS)]; /* idlers() scratch */
} csched_priv;

typedef struct csched_pcpu {
    vl_list runq;            /* csched_vcpu.runq_link, by priority       */
    int nr_queued;
    uint32_t runq_sort_last;
    int idle_bias;           /* cpu_pick: where to start among its group */
    int balance_bias;        /* as the pCPU numbered like a socket: where
                              * stealing starts in that socket           */
    int nr_placed;           /* vCPUs placed here at START (creation_cpu) */
    vl_ns last_balance;      /* last load balance (feat.balance_ratelimit) */
} csched_pcpu;

typedef struct csched_vm {
    vl_list active_vcpus;    /* csched_vcpu.active_link                  */
    vl_list active_link;     /* in csched_priv.active_vms                */
    int active_count;
    int64_t weight, cap;     /* from the VM, cached at init              */
} csched_vm;

typedef struct csched_vcpu {
    vl_list runq_link;
    vl_list active_link;
    vl_vcpu *v;              /* up-pointer                               */
    vl_pcpu *rq;             /* the runqueue it is on; NULL if none      */
    int pri;
    unsigned flags;
    int64_t credit;
    int64_t residual;        /* sub-credit run time, in ns x credits/ms   */
    vl_ns acct_start;        /* start of the run time not yet debited     */
    vl_ns run_start;         /* when it last started running (ratelimit)  */
    vl_ns last_sched;        /* when it was last descheduled (cache-hot)  */
} csched_vcpu;

/* Credit's host parameters, with the Xen version a policy defaults to. */
#define CSCHED_PARAM_ENTRIES(xen_default) \
    {"tslice", VL_PARAM_TIME, offsetof(csched_priv, tslice), VL_MS(CSCHED_DEFAULT_TSLICE_MS),     \
     VL_MS(CSCHED_TSLICE_MIN_MS), VL_MS(CSCHED_TSLICE_MAX_MS), "ns",                              \
     "time slice and accounting period; tick = tslice/3 (Xen sched_credit_tslice_ms, "            \
     "CSCHED_DEFAULT_TSLICE_MS)", NULL},                                                          \
    {"ratelimit", VL_PARAM_TIME, offsetof(csched_priv, ratelimit), CSCHED_RATELIMIT_UNSET, 0,     \
     VL_MS(CSCHED_RATELIMIT_MAX_MS), "ns",                                                        \
     "minimum run before preemption; 0 disables, else >= 100us; unset: the version's (1ms, "      \
     "none in 3.2; Xen sched_ratelimit_us, SCHED_DEFAULT_RATELIMIT_US)", NULL},                   \
    {"migration_delay", VL_PARAM_TIME, offsetof(csched_priv, migration_delay), 0, 0,              \
     VL_MS(CSCHED_MIGR_DELAY_MAX_MS), "ns",                                                       \
     "a vCPU descheduled less than this ago is cache-hot and not stolen (Xen "                    \
     "vcpu_migration_delay, default 0)", NULL},                                                   \
    {"balance_ratelimit", VL_PARAM_TIME, offsetof(csched_priv, balance_ratelimit),                \
     VL_US(CSCHED_DEFAULT_BALANCE_RATELIMIT_US), 0, VL_MS(CSCHED_BALANCE_RATELIMIT_MAX_MS), "ns", \
     "shortest time between two load balances of a pCPU, from Xen 4.18 (Xen "                     \
     "load-balance-ratelimit, CSCHED_DEFAULT_LOAD_BALANCE_RATELIMIT_US)", NULL},                  \
    {"xen", VL_PARAM_ENUM, offsetof(csched_priv, xen), xen_default, 0, 0, "",                     \
     "the Xen version whose Credit rules apply: 3.2, 4.7, 4.13 (to 4.17) or HEAD (4.18 on)",      \
     csched_versions},

#define CSCHED_FIRST(priv, pcpu, vm, vcpu)                                                       \
    _Static_assert(offsetof(priv, credit) == 0 && offsetof(pcpu, credit) == 0 &&                 \
                       offsetof(vm, credit) == 0 && offsetof(vcpu, credit) == 0,                 \
                   "credit_priv.h: Credit's structs come first in the policy's")

/* Credit's init, with the rules of the policy built on it (NULL: none). */
int csched_init_ext(vl_sched *s, const csched_ext *ext);
/* Credit's hooks, for the ops table of a policy built on it. */
int csched_op_check(const void *params, vl_param_scope scope, vl_param_fault *fault);
vl_pcpu *csched_op_pick_cpu(vl_sched *s, vl_vcpu *v, vl_pick_reason why);
vl_decision csched_op_do_schedule(vl_sched *s, vl_pcpu *p, vl_vcpu *prev, vl_ns now);
void csched_op_vcpu_wake(vl_sched *s, vl_vcpu *v, vl_wake_reason why, int vector);
void csched_op_vcpu_yield(vl_sched *s, vl_vcpu *v, const vl_exit_info *info);
void csched_op_context_saved(vl_sched *s, vl_vcpu *prev);
void csched_op_timer_fired(vl_sched *s, vl_pcpu *p, int slot, vl_ns now);
void csched_op_dump(vl_sched *s, FILE *out);

/* Raise v, RUNNABLE and queued, to BOOST: it goes to its runqueue's BOOST
 * class (behind vCPUs already there) and preempts as a waking BOOST vCPU
 * would.  Returns the priority it had, or CSCHED_PRI_IDLE when it was not
 * raised (not queued: running, blocked, parked; or BOOST already). */
int csched_raise(vl_sched *s, vl_vcpu *v);
/* Put v, BOOST, back to priority pri (UNDER or OVER): requeued if queued;
 * if it runs, its pCPU reschedules when its runqueue's head outranks it. */
void csched_lower(vl_sched *s, vl_vcpu *v, int pri);
/* v's priority (CSCHED_PRI_*). */
int csched_pri(vl_vcpu *v);

/* The pool.  p leaves Credit's pool: the vCPUs queued there go to other
 * pCPUs (cpu_pick), the one running there moves when it is descheduled
 * (MOVE), and p from then on runs only what csched_queue_at puts there. */
void csched_pool_leave(vl_sched *s, vl_pcpu *p);
/* p, outside, joins the pool again: whatever runs or is queued there
 * stays, a priority above BOOST falling to UNDER. */
void csched_pool_join(vl_sched *s, vl_pcpu *p);
bool csched_in_pool(vl_sched *s, const vl_pcpu *p);
/* Queue v, RUNNABLE and queued (not running, not parked), on p with
 * priority pri, and tickle p if it idles (on a pCPU of the pool: as a
 * wake-up tickles).  Returns false, changing nothing, when v is not
 * queued. */
bool csched_queue_at(vl_sched *s, vl_vcpu *v, vl_pcpu *p, int pri);
/* The pCPU whose runqueue holds v, or NULL (running, blocked, parked). */
vl_pcpu *csched_queued_on(vl_vcpu *v);
/* How many vCPUs p's runqueue holds. */
int csched_nr_queued(vl_pcpu *p);

/* What Credit promises (its ops' .flags; a policy built on it adds its own). */
#define CSCHED_FAMILY_FLAGS (VL_POLICY_WEIGHTS | VL_POLICY_CAPS)

/* The ops-table fields of Credit and of a policy built on it, whose
 * private structs start with Credit's: sizes, and every hook but init,
 * check and vcpu_wake, which such a policy may wrap (and .flags).
 * CSCHED_FAMILY_BASE leaves out do_schedule, vcpu_yield, timer_fired,
 * context_saved and dump as well, for a policy that wraps those. */
#define CSCHED_FAMILY_BASE(priv, pcpu, vm, vcpu)                                                 \
    .hypervisor = VL_HV_XEN,                                                                     \
    .priv_size = sizeof(priv), .pcpu_size = sizeof(pcpu), .vm_size = sizeof(vm),                 \
    .vcpu_size = sizeof(vcpu), .pick_cpu = csched_op_pick_cpu
#define CSCHED_FAMILY_OPS(priv, pcpu, vm, vcpu)                                                  \
    CSCHED_FAMILY_BASE(priv, pcpu, vm, vcpu), .do_schedule = csched_op_do_schedule,              \
    .context_saved = csched_op_context_saved,                                                    \
    .vcpu_yield = csched_op_vcpu_yield, .timer_fired = csched_op_timer_fired,                    \
    .dump = csched_op_dump

#endif
