/* sched/microsliced.c - flexible micro-sliced cores (Ahn, Park, Heo, Huh,
 * EuroSys 2018) on Xen's Credit (credit.c, through credit_priv.h; Xen 4.7
 * rules by default, the Xen of the evaluation).  Facts, sources and what is
 * simplified: docs/policies/microsliced.md.
 *
 * Design
 *   A few pCPUs leave Credit's pool (csched_pool_leave) and become micro
 *   cores: 0.1 ms slices, no rate limit, no load balancing, no tick moves
 *   (credit.c keeps those rules for pCPUs outside its pool).  On every yield
 *   (pause-loop exit or yield hypercall) of a guest vCPU on a normal pCPU
 *   whose RIP is in the guest kernel, the yielder's RIP is looked up in the
 *   guest's System.map (vl_sched_system_map) and classified:
 *     IPI    (the sender waiting in smp_call_function_many): every
 *            preempted sibling moves to a micro core; the sender goes on
 *            spinning (no yield);
 *     single (smp_call_function_single): Credit's yield, nothing moves;
 *     spin   (a lock-spin function): the first preempted sibling that did
 *            not yield since it last ran and whose saved RIP is in a
 *            critical symbol group moves; if none did, Credit's yield;
 *     halt   (native_safe_halt): as spin, and Credit's yield always;
 *     other  (any other kernel code): nothing, not even a yield.
 *   A user-mode yield, one on a micro core, or one of the host VM's
 *   backends is Credit's yield.  A moved vCPU is queued on the first micro
 *   core running nothing, else on the first with an empty runqueue (none:
 *   the walk stops), above BOOST (TURBO); it drops to UNDER when its turn
 *   there ends, and, if still runnable when another vCPU replaces it, goes
 *   back to the pCPU it came from as a wake-up (BOOST).
 *   Pool: `static` keeps `cores` micro cores; `dynamic` resizes it every
 *   manager tick from the yields counted by kind since the last one: empty
 *   the pool and profile `profile_tick`; no IPI or spin yield: stay empty
 *   for 2 x profile_tick; more spin than IPI yields: 1 core for `hold`;
 *   else profile 1, 2, ... max_cores cores, `profile_tick` each, and keep
 *   the size profiled in that round with the fewest IPI yields for `hold`
 *   (a locked core - moved to, none gone back since - does not leave at a
 *   shrink) (`select: released`:
 *   keep max_cores, as the released code does).  Micro cores are the odd
 *   pCPU ids, then the even ones, from the lowest.
 *
 * Invariants
 *   - mpriv.ncores = pCPUs outside Credit's pool = the first ncores ids of
 *     mpriv.order (cores leave and join in that order: a locked core
 *     that cannot join yet keeps the later ones out too);
 *   - a priority above BOOST is only ever held on a micro core;
 *   - a vCPU with mvcpu.home set was moved to a micro core and has not
 *     returned (cleared when Credit queues it back, when it blocks, or
 *     when its core joins Credit's pool).
 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "credit_priv.h"
#include "vl_ksyms.h"
#include "vl_oom.h"

#define MS_TIMER_MANAGER 1 /* instance timer slot (Credit's ACCT is 0) */
#define MS_PRI_TURBO (CSCHED_PRI_BOOST + 1) /* the authors' TURBO_BOOST */
#define MS_MAX_CORES 64

/* What a RIP is, as this policy reads it. */
enum {
    MS_SYM_NONE = 0,
    /* the yielder's */
    MS_SYM_IPI_MANY,
    MS_SYM_IPI_SINGLE,
    MS_SYM_SPIN,
    MS_SYM_HALT,
    /* a preempted sibling's critical symbol groups */
    MS_SYM_RESCHED,
    MS_SYM_TLB,
    MS_SYM_SMP_CALL,
    MS_SYM_PAGE_ALLOC,
    MS_SYM_IRQ,
    MS_SYM_UNLOCK,
    MS_NR_SYM
};
#define MS_FIRST_CRITICAL MS_SYM_RESCHED

/* The groups, by name in the guest's System.map (6.1 names; the authors'
 * 4.x names they stand for are in docs/policies/microsliced.md).  A name
 * absent from the map is skipped.  A symbol may be in one group only: the
 * yielder's groups are read first, so smp_call_function_many is the IPI
 * sender's (for the yielder) and an SMP-call critical symbol (for a
 * sibling) through ms_sibling_too. */
static const char *const ms_ipi_many[] = {"smp_call_function_many",
                                          "smp_call_function_many_cond", NULL};
static const char *const ms_ipi_single[] = {"smp_call_function_single", "generic_exec_single",
                                            NULL};
static const char *const ms_spin[] = {
    "native_queued_spin_lock_slowpath", "__pv_queued_spin_lock_slowpath", "_raw_spin_lock",
    "_raw_spin_lock_irq", "_raw_spin_lock_irqsave", "_raw_spin_lock_bh", "osq_lock",
    "mutex_spin_on_owner", "rwsem_spin_on_owner", "queued_read_lock_slowpath",
    "queued_write_lock_slowpath", NULL};
static const char *const ms_halt[] = {"native_safe_halt", NULL};
static const char *const ms_resched[] = {
    "resched_curr", "resched_cpu", "kick_process", "sysvec_reschedule_ipi",
    "asm_sysvec_reschedule_ipi", "sched_ttwu_pending", "ttwu_do_activate", "check_preempt_curr",
    "native_smp_send_reschedule", NULL};
static const char *const ms_tlb[] = {
    "flush_tlb_mm_range", "flush_tlb_func", "flush_tlb_multi", "native_flush_tlb_multi",
    "kvm_flush_tlb_multi", "flush_tlb_all", "leave_mm", "generic_smp_call_function_single_interrupt",
    "flush_smp_call_function_queue", "__flush_smp_call_function_queue", "sysvec_call_function",
    "sysvec_call_function_single", "asm_sysvec_call_function", NULL};
static const char *const ms_smp_call[] = {"native_send_call_func_ipi", "kvm_send_ipi_mask", NULL};
static const char *const ms_page_alloc[] = {"get_page_from_freelist", NULL};
static const char *const ms_irq[] = {"irq_enter", "irq_exit", "irq_enter_rcu", "irq_exit_rcu",
                                     NULL};
static const char *const ms_unlock[] = {
    "_raw_spin_unlock", "_raw_spin_unlock_irq", "_raw_spin_unlock_irqrestore",
    "_raw_spin_unlock_bh", "__raw_callee_save___pv_queued_spin_unlock", "osq_unlock", NULL};

static const char *const *const ms_groups[MS_NR_SYM] = {
    [MS_SYM_IPI_MANY] = ms_ipi_many,     [MS_SYM_IPI_SINGLE] = ms_ipi_single,
    [MS_SYM_SPIN] = ms_spin,             [MS_SYM_HALT] = ms_halt,
    [MS_SYM_RESCHED] = ms_resched,       [MS_SYM_TLB] = ms_tlb,
    [MS_SYM_SMP_CALL] = ms_smp_call,     [MS_SYM_PAGE_ALLOC] = ms_page_alloc,
    [MS_SYM_IRQ] = ms_irq,               [MS_SYM_UNLOCK] = ms_unlock,
};

/* The yielder's groups that are critical in a sibling as well (the SMP
 * call-function senders, the paper's "SMP call function" group). */
static bool ms_sibling_too(int kind)
{
    return kind == MS_SYM_IPI_MANY || kind == MS_SYM_IPI_SINGLE;
}

enum {
    MS_C_YIELD_IPI = CSCHED_NR_COUNTERS,
    MS_C_YIELD_SINGLE,
    MS_C_YIELD_SPIN,
    MS_C_YIELD_HALT,
    MS_C_YIELD_OTHER,
    MS_C_CRIT_RESCHED,
    MS_C_CRIT_TLB,
    MS_C_CRIT_SMP_CALL,
    MS_C_CRIT_PAGE_ALLOC,
    MS_C_CRIT_IRQ,
    MS_C_CRIT_UNLOCK,
    MS_C_OFFLOADS,
    MS_C_NO_CORE,
    MS_C_RETURNS,
    MS_C_RESIZES,
    MS_C_CORE_US,
};

static const char *const ms_counter_names[] = {
    CSCHED_COUNTER_NAMES,
    [MS_C_YIELD_IPI] = "yields_ipi",
    [MS_C_YIELD_SINGLE] = "yields_ipi_single",
    [MS_C_YIELD_SPIN] = "yields_spin",
    [MS_C_YIELD_HALT] = "yields_halt",
    [MS_C_YIELD_OTHER] = "yields_other",
    [MS_C_CRIT_RESCHED] = "critical_resched",
    [MS_C_CRIT_TLB] = "critical_tlb",
    [MS_C_CRIT_SMP_CALL] = "critical_smp_call",
    [MS_C_CRIT_PAGE_ALLOC] = "critical_page_alloc",
    [MS_C_CRIT_IRQ] = "critical_irq",
    [MS_C_CRIT_UNLOCK] = "critical_unlock",
    [MS_C_OFFLOADS] = "offloads",
    [MS_C_NO_CORE] = "offloads_no_core",
    [MS_C_RETURNS] = "returns",
    [MS_C_RESIZES] = "pool_resizes",
    [MS_C_CORE_US] = "pool_core_us",
    NULL,
};

enum { MS_POOL_STATIC, MS_POOL_DYNAMIC };
static const char *const ms_pool_modes[] = {"static", "dynamic", NULL};
enum { MS_SELECT_ARGMIN, MS_SELECT_RELEASED };
static const char *const ms_selects[] = {"argmin", "released", NULL};

typedef struct ms_priv {
    csched_priv credit;
    /* parameters */
    vl_ns slice;
    int pool;                /* MS_POOL_*                                */
    int64_t cores;           /* static size                              */
    int64_t max_cores;       /* dynamic: largest size profiled           */
    vl_ns profile_tick, hold;
    int select;              /* MS_SELECT_*                              */
    /* derived in init */
    csched_ext ext;
    uint8_t *kind_of;        /* per System.map symbol: MS_SYM_*          */
    uint8_t *sibling_kind_of; /* the same for a sibling (ms_sibling_too) */
    int order[MS_MAX_CORES]; /* pCPU ids in the order they become cores  */
    vl_pcpu *core[MS_MAX_CORES]; /* the same pCPUs                       */
    bool locked[MS_MAX_CORES]; /* a vCPU was moved there, none went back
                              * from it since (kept at a shrink)         */
    int norder;
    uint64_t last_rip[2];    /* rip_kind's memory: yielder, sibling      */
    int last_kind[2];
    /* state */
    int ncores;              /* micro cores now                          */
    vl_ns sized_at;          /* when ncores last changed (pool_core_us)  */
    int64_t ipi, spin;       /* dynamic: yields counted since the tick   */
    bool profiling;
    int64_t profile_ipi[MS_MAX_CORES + 1];
} ms_priv;

typedef struct ms_pcpu {
    csched_pcpu credit;
} ms_pcpu;

typedef struct ms_vm {
    csched_vm credit;
    int nwaiting_critical;   /* its vCPUs marked waiting_critical         */
} ms_vm;

typedef struct ms_vcpu {
    csched_vcpu credit;
    vl_pcpu *home;           /* moved to a micro core from here; or NULL */
    bool yielded;            /* Credit's yield since it last ran (Xen's
                              * v->yielded)                              */
    bool waiting_critical;   /* runnable, off its pCPU, its saved RIP in
                              * a critical group (set when it left or woke,
                              * cleared when it is picked)               */
} ms_vcpu;

CSCHED_FIRST(ms_priv, ms_pcpu, ms_vm, ms_vcpu);

static ms_priv *mpriv(vl_sched *s) { return vl_sched_priv(s); }
static ms_vcpu *mvc(vl_vcpu *v) { return vl_vcpu_priv(v); }
static ms_vm *mvm(vl_vm *d) { return vl_vm_priv(d); }

/* ------------------------------------------------------------ symbols */

/* The kind of addr for a yielder (sibling false) or a preempted sibling.
 * The last address of each is remembered: a spinning vCPU exits at the
 * same few addresses again and again. */
static int rip_kind(vl_sched *s, uint64_t addr, bool sibling)
{
    ms_priv *mp = mpriv(s);
    if (addr == mp->last_rip[sibling])
        return mp->last_kind[sibling];
    const vl_ksyms *ks = vl_sched_system_map(s);
    uint64_t off;
    const vl_ksym *sym = vl_ksyms_lookup(ks, addr, &off);
    int kind = MS_SYM_NONE;
    if (sym) {
        size_t i = (size_t)(sym - ks->syms);
        kind = sibling ? mp->sibling_kind_of[i] : mp->kind_of[i];
    }
    mp->last_rip[sibling] = addr;
    mp->last_kind[sibling] = kind;
    return kind;
}

static int build_kinds(vl_sched *s)
{
    ms_priv *mp = mpriv(s);
    const vl_ksyms *ks = vl_sched_system_map(s);
    if (!ks || !ks->n)
        return -1;
    mp->kind_of = calloc(ks->n, 1);
    mp->sibling_kind_of = calloc(ks->n, 1);
    if (!mp->kind_of || !mp->sibling_kind_of)
        vl_out_of_memory("the microsliced symbol groups");
    for (int k = 1; k < MS_NR_SYM; k++) {
        for (const char *const *name = ms_groups[k]; *name; name++) {
            uint64_t start, end, off;
            if (vl_ksyms_extent(ks, *name, &start, &end) < 0)
                continue; /* not in this kernel (inlined, or a module) */
            size_t i = (size_t)(vl_ksyms_lookup(ks, start, &off) - ks->syms);
            if (!mp->kind_of[i])
                mp->kind_of[i] = (uint8_t)k;
            if (k >= MS_FIRST_CRITICAL)
                mp->sibling_kind_of[i] = (uint8_t)k;
            else if (ms_sibling_too(k))
                mp->sibling_kind_of[i] = MS_SYM_SMP_CALL;
        }
    }
    return 0;
}

/* -------------------------------------------------------------- the pool */

static vl_pcpu *core_at(vl_sched *s, int i) { return mpriv(s)->core[i]; }

/* The index of micro core p in the order, or -1. */
static int core_index(vl_sched *s, vl_pcpu *p)
{
    ms_priv *mp = mpriv(s);
    for (int i = 0; i < mp->ncores; i++)
        if (mp->core[i] == p)
            return i;
    return -1;
}

static void account_cores(vl_sched *s)
{
    ms_priv *mp = mpriv(s);
    vl_ns now = vl_now(s);
    vl_counter_add(s, MS_C_CORE_US, (int64_t)mp->ncores * ((now - mp->sized_at) / 1000));
    mp->sized_at = now - (now - mp->sized_at) % 1000;
}

/* Grow or shrink the pool towards n cores.  A locked core (a vCPU was
 * moved there and none has gone back from it since: the authors'
 * hidden_locked_cpus) stays a micro core, and so do the cores after it;
 * they are retried at the next manager tick.  What runs or waits on a
 * core that joins stays there as Credit's (home forgotten). */
static void resize(vl_sched *s, int n)
{
    ms_priv *mp = mpriv(s);
    if (n > mp->norder)
        n = mp->norder;
    if (n == mp->ncores)
        return;
    account_cores(s);
    vl_counter_add(s, MS_C_RESIZES, 1);
    while (mp->ncores < n)
        csched_pool_leave(s, core_at(s, mp->ncores++));
    while (mp->ncores > n && !mp->locked[mp->ncores - 1]) {
        vl_pcpu *p = core_at(s, --mp->ncores);
        for (int i = 0; i < vl_nvcpus_total(s); i++) {
            vl_vcpu *v = vl_vcpu_get(s, i);
            if (vl_pcpu_curr(p) == v || csched_queued_on(v) == p)
                mvc(v)->home = NULL;
        }
        csched_pool_join(s, p);
    }
}

/* A micro core for a moved vCPU: the first that runs nothing, else the
 * first with an empty runqueue (the authors' find_hidden_cpu). */
static vl_pcpu *find_core(vl_sched *s)
{
    ms_priv *mp = mpriv(s);
    for (int i = 0; i < mp->ncores; i++)
        if (!vl_pcpu_curr(core_at(s, i)))
            return core_at(s, i);
    for (int i = 0; i < mp->ncores; i++)
        if (!csched_nr_queued(core_at(s, i)))
            return core_at(s, i);
    return NULL;
}

/* ----------------------------------------------------------- offloading */

/* Sibling w could move: runnable and queued on a normal pCPU.  *critical:
 * its saved RIP is in a critical group (counted). */
static bool movable(vl_sched *s, vl_vcpu *w, bool *critical)
{
    uint64_t rip;
    bool kernel;
    *critical = false;
    vl_pcpu *at = csched_queued_on(w);
    if (!at || !csched_in_pool(s, at) || !vl_vcpu_saved_rip(w, &rip, &kernel))
        return false;
    int kind = kernel ? rip_kind(s, rip, true) : MS_SYM_NONE;
    if (kind >= MS_FIRST_CRITICAL) {
        *critical = true;
        vl_counter_add(s, MS_C_CRIT_RESCHED + kind - MS_SYM_RESCHED, 1);
    }
    return true;
}

/* Keeps w's mark and its VM's count: a sibling can be critical only while
 * marked (its saved RIP does not change until it runs again), so a yield
 * finds none to move without walking a VM that has no mark. */
static void mark_waiting(vl_sched *s, vl_vcpu *w, bool waiting)
{
    ms_vcpu *mw = mvc(w);
    if (waiting) {
        uint64_t rip;
        bool kernel;
        waiting = vl_vcpu_saved_rip(w, &rip, &kernel) && kernel &&
                  rip_kind(s, rip, true) >= MS_FIRST_CRITICAL;
    }
    if (waiting == mw->waiting_critical)
        return;
    mw->waiting_critical = waiting;
    mvm(vl_vcpu_vm(w))->nwaiting_critical += waiting ? 1 : -1;
}

/* Move w to a micro core; false when there is none free. */
static bool offload(vl_sched *s, vl_vcpu *w)
{
    vl_pcpu *core = find_core(s);
    if (!core) {
        vl_counter_add(s, MS_C_NO_CORE, 1);
        return false;
    }
    vl_pcpu *from = csched_queued_on(w);
    if (!csched_queue_at(s, w, core, MS_PRI_TURBO))
        return false;
    mvc(w)->home = from;
    mpriv(s)->locked[core_index(s, core)] = true;
    vl_counter_add(s, MS_C_OFFLOADS, 1);
    return true;
}

/* The authors' sched_try_offload_siblings for yielder y of kind `kind`:
 * how many moved.  With no micro core free it stops before the walk: the
 * first candidate would find none and end it (the critical_* counters
 * then count nothing). */
static int offload_siblings(vl_sched *s, vl_vcpu *y, int kind)
{
    vl_vm *d = vl_vcpu_vm(y);
    int moved = 0;
    if (!find_core(s)) {
        vl_counter_add(s, MS_C_NO_CORE, 1);
        return 0;
    }
    if (kind != MS_SYM_IPI_MANY && mvm(d)->nwaiting_critical == 0)
        return 0; /* no sibling is in a critical group: none would move */
    for (int i = 0; i < vl_vm_nvcpus(d); i++) {
        vl_vcpu *w = vl_vm_vcpu(d, i);
        bool critical;
        if (w == y || !movable(s, w, &critical))
            continue;
        if (kind == MS_SYM_IPI_MANY || (critical && !mvc(w)->yielded)) {
            if (!offload(s, w))
                break;
            moved++;
            if (kind != MS_SYM_IPI_MANY)
                break;
        }
    }
    return moved;
}

static void credit_yield(vl_sched *s, vl_vcpu *v, const vl_exit_info *info)
{
    mvc(v)->yielded = true;
    csched_op_vcpu_yield(s, v, info);
}

static void ms_vcpu_yield(vl_sched *s, vl_vcpu *v, const vl_exit_info *info)
{
    ms_priv *mp = mpriv(s);
    bool has_pool = mp->pool == MS_POOL_DYNAMIC || mp->ncores > 0;
    if (!has_pool || !info->kernel || vl_vm_is_host(vl_vcpu_vm(v)) ||
        !csched_in_pool(s, vl_vcpu_pcpu(v))) {
        credit_yield(s, v, info);
        return;
    }
    int kind = rip_kind(s, info->rip, false);
    switch (kind) {
    case MS_SYM_IPI_MANY:
        vl_counter_add(s, MS_C_YIELD_IPI, 1);
        mp->ipi++;
        offload_siblings(s, v, kind);
        vl_yield_reenter(v); /* the sender spins on while its targets run */
        return;
    case MS_SYM_IPI_SINGLE:
        vl_counter_add(s, MS_C_YIELD_SINGLE, 1);
        credit_yield(s, v, info);
        return;
    case MS_SYM_SPIN:
    case MS_SYM_HALT:
        if (kind == MS_SYM_SPIN) {
            vl_counter_add(s, MS_C_YIELD_SPIN, 1);
            mp->spin++;
        } else {
            vl_counter_add(s, MS_C_YIELD_HALT, 1);
        }
        if (offload_siblings(s, v, kind) && kind == MS_SYM_SPIN)
            vl_yield_reenter(v);
        else
            credit_yield(s, v, info);
        return;
    default:
        vl_counter_add(s, MS_C_YIELD_OTHER, 1);
        vl_yield_reenter(v);
        return;
    }
}

/* ------------------------------------------------------- Credit's hooks */

static vl_pcpu *ms_home(vl_sched *s, vl_vcpu *v)
{
    vl_pcpu *home = mvc(v)->home;
    int i = core_index(s, vl_vcpu_pcpu(v));
    if (i >= 0)
        mpriv(s)->locked[i] = false;
    mvc(v)->home = NULL;
    vl_counter_add(s, MS_C_RETURNS, 1);
    return home;
}

static vl_decision ms_do_schedule(vl_sched *s, vl_pcpu *p, vl_vcpu *prev, vl_ns now)
{
    if (prev && vl_vcpu_runstate(prev) != VL_RUNNABLE)
        mvc(prev)->home = NULL; /* blocked: its wake-up places it (pick_cpu) */
    vl_decision d = csched_op_do_schedule(s, p, prev, now);
    if (d.next) {
        mvc(d.next)->yielded = false;
        mark_waiting(s, d.next, false);
    }
    return d;
}

/* prev is off its pCPU with its RIP saved: a preempted one may be a
 * critical sibling from now on. */
static void ms_context_saved(vl_sched *s, vl_vcpu *prev)
{
    csched_op_context_saved(s, prev);
    mark_waiting(s, prev, vl_vcpu_runstate(prev) == VL_RUNNABLE);
}

static void ms_vcpu_wake(vl_sched *s, vl_vcpu *v, vl_wake_reason why, int vector)
{
    csched_op_vcpu_wake(s, v, why, vector);
    mark_waiting(s, v, vl_vcpu_runstate(v) == VL_RUNNABLE);
}

/* The dynamic pool's manager tick (the authors' csched_event_acct). */
static void manage(vl_sched *s, vl_ns now)
{
    ms_priv *mp = mpriv(s);
    vl_ns next = mp->profile_tick;
    if (!mp->profiling) {
        resize(s, 0);
        mp->profiling = true;
        for (int i = 0; i <= MS_MAX_CORES; i++)
            mp->profile_ipi[i] = -1; /* not profiled in this round */
    } else {
        int n = mp->ncores;
        mp->profile_ipi[n] = mp->ipi;
        if (n >= mp->max_cores) {
            int best = n; /* the sizes profiled in this round (a locked
                           * core may have kept the pool from shrinking) */
            for (int i = 1; i <= mp->max_cores; i++)
                if (mp->profile_ipi[i] >= 0 && mp->profile_ipi[i] < mp->profile_ipi[best])
                    best = i;
            if (mp->select == MS_SELECT_ARGMIN)
                resize(s, best);
            next = mp->hold;
            mp->profiling = false;
        } else if (n == 0 && !mp->ipi && !mp->spin) {
            next = 2 * mp->profile_tick;
            mp->profiling = false;
        } else {
            resize(s, n + 1);
            if (n == 0 && mp->spin > mp->ipi) {
                next = mp->hold;
                mp->profiling = false;
            }
        }
    }
    mp->ipi = mp->spin = 0;
    vl_timer_arm(s, NULL, MS_TIMER_MANAGER, now + next);
}

static void ms_timer_fired(vl_sched *s, vl_pcpu *p, int slot, vl_ns now)
{
    if (!p && slot == MS_TIMER_MANAGER) {
        manage(s, now);
        return;
    }
    if (!p)
        account_cores(s); /* every accounting period: pool_core_us up to date */
    csched_op_timer_fired(s, p, slot, now);
}

static int ms_init(vl_sched *s)
{
    ms_priv *mp = mpriv(s);
    int n = vl_npcpus(s);
    mp->norder = 0; /* Credit keeps at least one pCPU */
    for (int odd = 1; odd >= 0; odd--)
        for (int i = odd; i < n && mp->norder < MS_MAX_CORES && mp->norder < n - 1; i += 2) {
            mp->core[mp->norder] = vl_pcpu_get(s, i);
            mp->locked[mp->norder] = false;
            mp->order[mp->norder++] = i;
        }
    mp->last_rip[0] = mp->last_rip[1] = 0;
    mp->last_kind[0] = mp->last_kind[1] = MS_SYM_NONE;
    if (mp->max_cores > mp->norder)
        mp->max_cores = mp->norder;
    mp->ext = (csched_ext){.outside_slice = mp->slice, .home = ms_home};
    if (build_kinds(s) < 0 || csched_init_ext(s, &mp->ext) < 0)
        return -1;
    mp->ncores = 0;
    mp->sized_at = 0;
    mp->ipi = mp->spin = 0;
    mp->profiling = false;
    for (int i = 0; i < vl_nvcpus_total(s); i++) {
        mvc(vl_vcpu_get(s, i))->home = NULL;
        mvc(vl_vcpu_get(s, i))->yielded = false;
    }
    if (mp->pool == MS_POOL_STATIC)
        resize(s, (int)mp->cores);
    else
        vl_timer_arm(s, NULL, MS_TIMER_MANAGER, 0);
    return 0;
}

static void ms_fini(vl_sched *s)
{
    ms_priv *mp = mpriv(s);
    free(mp->kind_of);
    free(mp->sibling_kind_of);
    mp->kind_of = mp->sibling_kind_of = NULL;
}

static void ms_dump(vl_sched *s, FILE *out)
{
    ms_priv *mp = mpriv(s);
    fprintf(out, "microsliced: %d micro cores (%s)%s:", mp->ncores, ms_pool_modes[mp->pool],
            mp->profiling ? ", profiling" : "");
    for (int i = 0; i < mp->ncores; i++)
        fprintf(out, " %d", mp->order[i]);
    fprintf(out, "\n");
    csched_op_dump(s, out);
}

static const vl_param ms_params[] = {
    CSCHED_PARAM_ENTRIES(CSCHED_XEN_4_7)
    {"slice", VL_PARAM_TIME, offsetof(ms_priv, slice), VL_US(100), VL_US(10), VL_MS(30), "ns",
     "slice of a micro core (the authors' HCPU_TSLICE_US, 100 us)", NULL},
    {"pool", VL_PARAM_ENUM, offsetof(ms_priv, pool), MS_POOL_STATIC, 0, 0, "",
     "static: `cores` micro cores; dynamic: sized every manager tick from yield counts (the "
     "authors' static-usliced-cores / dyn-usliced-cores branches)", ms_pool_modes},
    {"cores", VL_PARAM_INT, offsetof(ms_priv, cores), 1, 0, MS_MAX_CORES, "pCPUs",
     "static pool size (chosen: 1, the smallest; the evaluation varies it)", NULL},
    {"max_cores", VL_PARAM_INT, offsetof(ms_priv, max_cores), 3, 1, MS_MAX_CORES, "pCPUs",
     "dynamic: the largest pool profiled (the authors' NUM_LIMIT_HIDDEN_CPUS, 3)", NULL},
    {"profile_tick", VL_PARAM_TIME, offsetof(ms_priv, profile_tick), VL_MS(10), VL_US(100),
     VL_S(10), "ns", "dynamic: how long each pool size is profiled (the authors' "
     "HCPU_MANAGER_PROFILE_TICK_MS, 10 ms); an empty pool with no yields waits twice this", NULL},
    {"hold", VL_PARAM_TIME, offsetof(ms_priv, hold), VL_MS(1000), VL_MS(1), VL_S(100), "ns",
     "dynamic: how long a chosen size is kept before profiling again (the authors' "
     "HCPU_MANAGER_TICK_MS, 1 s)", NULL},
    {"select", VL_PARAM_ENUM, offsetof(ms_priv, select), MS_SELECT_ARGMIN, 0, 0, "",
     "dynamic: argmin keeps the profiled size with the fewest IPI yields (the intent); "
     "released keeps max_cores (the released code records the choice only)", ms_selects},
    VL_PARAM_END,
};

static const vl_sched_ops ms_ops = {
    .name = "microsliced",
    .description =
        "Flexible micro-sliced cores on Xen's Credit (Xen 4.7 rules by default): a yield's RIP "
        "and the saved RIPs of the yielder's preempted siblings are classified against the "
        "guest's System.map; siblings in critical kernel code (reschedule IPI, TLB shootdown, "
        "SMP call, page allocator, IRQ, spinlock release) run on a pool of pCPUs with 0.1 ms "
        "slices and return to their pCPU after; the pool is static or sized from yield counts.",
    .params = ms_params,
    .counters = ms_counter_names,
    /* micro cores idle while no vCPU was moved there */
    .flags = CSCHED_FAMILY_FLAGS | VL_POLICY_NOT_WORK_CONSERVING,
    CSCHED_FAMILY_BASE(ms_priv, ms_pcpu, ms_vm, ms_vcpu),
    .check = csched_op_check,
    .init = ms_init,
    .fini = ms_fini,
    .vcpu_wake = ms_vcpu_wake,
    .context_saved = ms_context_saved,
    .do_schedule = ms_do_schedule,
    .vcpu_yield = ms_vcpu_yield,
    .timer_fired = ms_timer_fired,
    .dump = ms_dump,
};
VL_REGISTER_POLICY(ms_ops);
