/* sched/credit2_priv.h - private to the `credit2` policy (credit2.c and
 * credit2_*.c): its four private structs, the counters, and the functions
 * its files share.  Nothing else includes this header.
 *
 * Files:
 *   credit2.c         parameters, credits (burn, reset, run time), the
 *                     tickle, the choice of the next vCPU, the hooks, the
 *                     ops table
 *   credit2_runq.c    runqueues: how pCPUs are grouped into them, the
 *                     vCPUs assigned to each (and its largest weight), the
 *                     queue ordered by credit, load tracking
 *   credit2_balance.c load balancing between runqueues (push, pull, swap)
 *                     and the moves it asks for
 *   credit2_budget.c  caps: the VM's budget pool, its replenishment, and
 *                     the parking of vCPUs that find it empty
 *
 * The model follows xen/common/sched/credit2.c (RELEASE-4.22.0); every
 * function named "Xen's ..." below is the one of that file.  Facts and
 * what is left out: docs/policies/credit2.md.
 */
#ifndef VL_SCHED_CREDIT2_PRIV_H
#define VL_SCHED_CREDIT2_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vcpulab/sched.h"
#include "vl_bitmap.h"
#include "vl_list.h"

#define C2_DEFAULT_WEIGHT 256 /* Xen CSCHED2_DEFAULT_WEIGHT (a VM's weight 0 means it) */
#define C2_TIMER_REPL 0       /* instance timer slot: the cap replenishment */

/* Runqueue arrangement (Xen's OPT_RUNQUEUE_*, in the order of its names). */
enum { C2_RQ_CPU = 0, C2_RQ_CORE, C2_RQ_SOCKET, C2_RQ_NODE, C2_RQ_ALL };

/* vCPU flags.
 * YIELD: set in vcpu_yield; cleared when do_schedule looks for the next
 *   vCPU (Xen's CSFLAG_unit_yield).
 * REQUEUE: prev stays runnable and was not chosen again: context_saved
 *   queues it (Xen's CSFLAG_delayed_runq_add).
 * MIGRATE: balancing moves this running vCPU to migrate_rq once it is off
 *   its pCPU (Xen's CSFLAG_runq_migrate_request with _VPF_migrating): until
 *   then it does not count as runnable for do_schedule.
 * PARKED: its VM's budget pool was empty; off every runqueue until a
 *   replenishment or a returned budget unparks it (Xen's _VPF_parked). */
#define C2_FLAG_YIELD 0x1u
#define C2_FLAG_REQUEUE 0x2u
#define C2_FLAG_MIGRATE 0x4u
#define C2_FLAG_PARKED 0x8u
/* SCHEDULED: chosen by do_schedule, until context_saved (Xen's
 * CSFLAG_scheduled): never queued, and balancing moves it only by a
 * MIGRATE request. */
#define C2_FLAG_SCHEDULED 0x10u

/* Counters, in the order of c2_counter_names (credit2.c). */
enum {
    C2_C_RESETS = 0,     /* credit resets (reset_credit)                    */
    C2_C_TICKLE_IDLE,    /* a wake-up tickled an idle pCPU                  */
    C2_C_TICKLE_BUSY,    /* a wake-up tickled a busy pCPU to preempt        */
    C2_C_TICKLE_NONE,    /* a wake-up found no pCPU to tickle               */
    C2_C_RATELIMITED,    /* prev kept its pCPU for the rate limit           */
    C2_C_RESISTED,       /* a vCPU of another pCPU was not pulled (resist)  */
    C2_C_PCPU_CHANGES,   /* a vCPU started on a pCPU other than its last    */
    C2_C_BALANCES,       /* balance_load found runqueues far enough apart   */
    C2_C_MIGRATIONS,     /* a vCPU moved to another runqueue                */
    C2_C_YIELDS,         /* yields                                          */
    C2_C_PARKS,          /* a capped vCPU found its VM's pool empty         */
    C2_C_UNPARKS,        /* ... and got budget again                        */
    C2_C_REPLENISHMENTS, /* cap periods that refilled a VM's pool           */
    C2_NR_COUNTERS
};

/* A runqueue (Xen's csched2_runqueue_data).  Runqueue k lives in the
 * private struct of pCPU k: there are never more runqueues than pCPUs.
 * Its pCPUs are the ids lo .. hi - 1 (checked in init). */
typedef struct c2_runq {
    int id, lo, hi;
    vl_list queue;         /* queued vCPUs (c2_vcpu.queue_link), by credit */
    vl_list assigned;      /* every vCPU of this runqueue (assigned_link)  */
    int nr_assigned;
    int max_weight;        /* the largest weight among `assigned`          */
    int pick_bias;         /* where the next placement starts              */
    int refcnt;            /* pCPUs placed here while arranging            */
    /* load tracking (Q-format, precision_shift bits of fraction) */
    int load;              /* vCPUs runnable or running here               */
    int64_t load_last_update; /* in 2^10 ns units                          */
    int64_t avgload, b_avgload;
} c2_runq;

typedef struct c2_priv {
    /* parameters (written by the core before init) */
    vl_ns ratelimit;
    int runqueue;          /* C2_RQ_*                                     */
    int64_t max_cpus_runq;
    vl_ns credit_init, credit_reset, carryover_max;
    vl_ns min_timer, max_timer;
    vl_ns migrate_resist, migrate_compensation, tickle_tolerance;
    int64_t balance_under, balance_over;
    int64_t load_window_shift, load_precision_shift;
    vl_ns cap_period;
    /* derived in init */
    vl_ns credit_min;      /* -credit_init (Xen CSCHED2_CREDIT_MIN)       */
    int window;            /* load window shift in 2^10 ns units           */
    int nrqs;
    vl_list capped_vms;    /* c2_vm.capped_link                           */
    vl_ns next_repl;       /* the replenishment of every capped VM         */
    /* pCPUs tickled that have not rescheduled yet (Xen's rqd->tickled) */
    uint64_t tickled[VL_BITMAP_WORDS(VL_MAX_PCPUS)];
} c2_priv;

typedef struct c2_pcpu {
    int rq;                /* its runqueue                                */
    int core_lo, core_hi;  /* its core's pCPU ids (SMT siblings)          */
    c2_runq rq_data;       /* runqueue number `this pCPU's id`, if any    */
} c2_pcpu;

typedef struct c2_vm {
    int weight, cap;
    vl_ns tot_budget;      /* cap x cap_period / 100                      */
    vl_ns budget;          /* the pool                                    */
    vl_list parked;        /* c2_vcpu.parked_link                         */
    vl_list capped_link;   /* in c2_priv.capped_vms                       */
} c2_vm;

typedef struct c2_vcpu {
    vl_vcpu *v;
    int cpu;               /* its pCPU (Xen's sched_unit_master)          */
    int rq;                /* its runqueue                                */
    int migrate_rq;        /* target of a MIGRATE request                 */
    int tickled_cpu;       /* the pCPU tickled for it, -1 if none         */
    unsigned flags;
    int weight;
    vl_ns credit;          /* in ns at the largest weight's rate          */
    int64_t residual;      /* remainder of the weight division            */
    vl_ns start_time;      /* credits burnt up to here                    */
    vl_ns run_start;       /* when it was last switched in (ratelimit)    */
    vl_ns budget;          /* grabbed from the VM's pool (capped VMs)     */
    vl_ns budget_quota;    /* what it grabs at a time                     */
    int64_t avgload, load_last_update;
    vl_list queue_link, assigned_link, parked_link;
} c2_vcpu;

static inline c2_priv *c2p(vl_sched *s) { return vl_sched_priv(s); }
static inline c2_pcpu *c2pc(vl_sched *s, int cpu) { return vl_pcpu_priv(vl_pcpu_get(s, cpu)); }
static inline c2_vm *c2d(vl_vm *d) { return vl_vm_priv(d); }
static inline c2_vcpu *c2v(vl_vcpu *v) { return vl_vcpu_priv(v); }
static inline c2_runq *c2rq(vl_sched *s, int id) { return &c2pc(s, id)->rq_data; }
static inline bool c2_capped(const c2_vcpu *sv) { return c2d(vl_vcpu_vm(sv->v))->cap > 0; }
static inline bool c2_queued(const c2_vcpu *sv) { return vl_list_linked(&sv->queue_link); }
static inline bool c2_scheduled(const c2_vcpu *sv) { return sv->flags & C2_FLAG_SCHEDULED; }
/* Runnable for the scheduler: not blocked, parked or being moved. */
static inline bool c2_runnable(const c2_vcpu *sv)
{
    vl_runstate st = vl_vcpu_runstate(sv->v);
    return (st == VL_RUNNING || st == VL_RUNNABLE) &&
           !(sv->flags & (C2_FLAG_PARKED | C2_FLAG_MIGRATE));
}

/* credit2.c */
void c2_burn_credits(vl_sched *s, c2_vcpu *sv, vl_ns now);
void c2_runq_tickle(vl_sched *s, c2_vcpu *sv, vl_ns now);
void c2_tickle_cpu(vl_sched *s, int cpu);

/* credit2_runq.c */
int c2_runq_arrange(vl_sched *s);
void c2_runq_assign(vl_sched *s, c2_vcpu *sv, int rq);
void c2_runq_deassign(vl_sched *s, c2_vcpu *sv);
int c2_runq_place(vl_sched *s, c2_vcpu *sv, int rq);
void c2_runq_insert(vl_sched *s, c2_vcpu *sv);
void c2_runq_remove(vl_sched *s, c2_vcpu *sv);
c2_vcpu *c2_runq_head(c2_runq *rq);
void c2_update_runq_load(vl_sched *s, c2_runq *rq, int change, vl_ns now);
void c2_update_svc_load(vl_sched *s, c2_vcpu *sv, int change, vl_ns now);
void c2_update_load(vl_sched *s, c2_runq *rq, c2_vcpu *sv, int change, vl_ns now);

/* credit2_balance.c */
void c2_balance_load(vl_sched *s, int cpu, vl_ns now);
void c2_migrate(vl_sched *s, c2_vcpu *sv, int trq, vl_ns now);
void c2_migrate_finish(vl_sched *s, c2_vcpu *sv, vl_ns now);

/* credit2_budget.c */
void c2_budget_init(vl_sched *s);
bool c2_grab_budget(vl_sched *s, c2_vcpu *sv);
bool c2_return_budget(vl_sched *s, c2_vcpu *sv);
void c2_unpark_vm(vl_sched *s, c2_vm *dv);
void c2_replenish(vl_sched *s, vl_ns now);

#endif
