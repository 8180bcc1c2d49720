/* hv/hv.h - the hypervisor core's objects (internal to src/hv and the
 * layers above it; policies see these types only as opaque handles).
 *
 * The core owns pCPUs, VMs and vCPUs, runs the scheduling cycle described in
 * include/vcpulab/sched.h, charges the named costs, delivers virtual
 * interrupts, accounts runstate times and defends itself against a broken
 * policy (decision checks + starvation watchdog). */
#ifndef VL_HV_H
#define VL_HV_H

#include <stdbool.h>
#include <stdint.h>

#include "hv/guest_port.h"
#include "hw/topology.h"
#include "sim/engine.h"
#include "vcpulab/scenario.h"
#include "vcpulab/sched.h"
#include "vl_bitmap.h"
#include "vl_rng.h"

struct vl_hv;

/* Exit cycles folded into their settlement (hv/fold.c): the vCPUs folded
 * now, and while a settlement runs them again, the cycle's events it
 * arms (filed when it ends, at the times they are due). */
#define VL_FOLD_ARMED 4 /* the cycle's events: reschedule, slice, entry, exit */
enum {
    VL_FOLD_FIRST_VIRTUAL, /* not armed: the fold armed it (fold_begun)    */
    VL_FOLD_FIRST_REAL,    /* the vCPU's exit event, pending               */
    VL_FOLD_FIRST_DONE,    /* that event came up: the exit happened then   */
};
typedef struct vl_fold {
    bool enabled;             /* the run may fold (vl_model_opts.no_fold)    */
    bool replaying;           /* a settlement runs a cycle's code now       */
    int filing;               /* a settlement files what its cycle armed     */
    int n;                    /* vCPUs folded now, in `list`                 */
    int nbeyond;              /* ... of them fold_beyond                     */
    struct vl_vcpu **list;    /* nvcpus entries                              */
    struct vl_vcpu **refold;  /* settled at the event running now, to fold  */
    int nrefold;              /* again after it (nvcpus entries)             */
    /* the folds' cycles, to tell at once that an event armed meets none
     * (hv/fold.c may_meet): their (period, phase) pairs, counted, in an
     * open-addressing table; their distinct periods and slices, counted */
    struct vl_fold_phase {
        uint64_t key;         /* period << 32 | phase; 0: never used         */
        int n;
    } *phases;
    int phase_cap, phase_used;
    struct vl_fold_len {
        vl_ns len;
        int n;
    } periods[4], slices[4];
    int lost;                 /* folds whose period or slice the sets could
                               * not hold (one per set)                      */
    /* the exit phases of the folds of one period, as bits (hv/fold.c
     * may_meet's check without a division or a probe): bit r set iff a
     * fold of period bits_p exits at phase r; used while every fold has
     * that period (one_period) */
    uint64_t *bits;
    int bits_words;           /* allocated                                   */
    vl_ns bits_p, bits_ee;    /* 0: no bits; the entry's phase after an exit */
    bool one_period;
    vl_ns now_t, now_r;       /* an instant and its phase (a cache)          */
    struct vl_fold_armed {    /* while replaying: the events armed, in order, */
        vl_event *ev;         /* when they are due, and the instant and class */
        vl_ns at, armed;      /* of the cycle's step that armed them          */
        uint8_t armed_cls;
    } armed[VL_FOLD_ARMED];
    int narmed;
    uint64_t begun, settled;  /* folds begun, settlements (bench prints them) */
} vl_fold;

#define VL_CSTATE_HISTORY 8 /* idle intervals the governor averages (menu's INTERVALS) */

/* Field order (here and in vl_vcpu): what every reschedule and entry reads
 * or writes comes first; on hosts of thousands of pCPUs and vCPUs these
 * structs are rarely in the cache, and each line is a miss. */
struct vl_pcpu {
    int id;
    vl_cpu_place place;
    struct vl_hv *hv;
    vl_vcpu *curr;            /* NULL: idle loop                             */
    void *priv;
    vl_ns resched_at;         /* the instant of the last reschedule ...      */
    int resched_n;            /* ... and how many happened at it (livelock)  */
    /* idle states (hv/cstate.h) */
    int8_t cstate;            /* the state it idles in; -1: none (busy, polls,
                               * or already woken)                          */
    uint8_t idle_n, idle_next; /* its last idle intervals ...               */
    vl_ns since;              /* start of the current busy/idle stint       */
    vl_event sched_ev;        /* pending reschedule (tickle, block, yield)  */
    vl_event slice_ev;        /* end of the current slice                   */
    vl_event tick_ev;         /* policy tick while busy                     */
    vl_event enter_ev;        /* guest entry after the switch/exit cost     */
    vl_ns busy_ns, idle_ns;   /* closed stints                              */
    vl_ns overhead_ns;        /* world switches + migration refills          */
    uint64_t switches;
    vl_event timer_ev[VL_TIMER_SLOTS];
    vl_ns idle_hist[VL_CSTATE_HISTORY]; /* ... for the governor            */
    vl_ns cstate_exit_ns;     /* exit latencies paid                         */
    uint64_t cstate_wakeups;  /* wake-ups that paid one                      */
    struct vl_vcpu *folded;   /* curr, its exit cycles folded (hv/fold.h)    */
};

#define VL_IPI_INFLIGHT 8 /* distinct vectors in flight to one vCPU */

struct vl_vcpu {
    int id, index;
    struct vl_vm *vm;
    struct vl_hv *hv;
    void *priv;
    vl_runstate state;
    bool in_guest;            /* executing guest code right now              */
    bool parked;              /* held back by the policy (vl_vcpu_set_parked) */
    bool spinning;            /* in a PAUSE loop (vl_hv_spin_begin)          */
    bool going_offline;       /* asked to go offline, not there yet          */
    bool saved_kernel;
    bool folded;              /* its exit cycles are folded (hv/fold.h)      */
    vl_ns state_entry;
    vl_pcpu *processor;       /* where it runs / is queued                   */
    vl_pcpu *last_pcpu;       /* where it last ran (NULL: never)             */
    uint64_t pending[4];      /* pending virtual interrupt vectors           */
    uint64_t saved_rip;       /* at the last leave                           */
    uint64_t spin_rip;
    int64_t ple_window;       /* current PLE window, cycles                   */
    vl_ns fold_exit;          /* folded (hv/fold.h): its first exit not run, */
    vl_ns fold_period;        /* the cycle's length, the slice each cycle    */
    vl_ns fold_slice;         /* arms, and when the fold began (the instant  */
    vl_ns fold_begun;         /* and class of the event that ran then), and  */
    uint8_t fold_begun_cls;   /* its rank among folds whose steps fall at    */
    uint8_t fold_first;       /* VL_FOLD_FIRST_*: its first exit            */
    uint32_t fold_exit_r;     /* fold_exit's phase (while one_period)        */
    vl_ns fold_until;         /* its policy may decide otherwise from then   */
    bool fold_beyond;         /* ... or when state beyond its pCPU changes   */
    int64_t fold_rank;        /* the same instants (lower: first)            */
    vl_ns max_wait;           /* longest runnable wait seen (watchdog)       */
    vl_ns state_ns[VL_NR_RUNSTATES]; /* closed stints                       */
    uint64_t exits[VL_NR_EXIT_KINDS];
    uint64_t wakeups, preemptions, migrations;
    vl_event ple_ev;          /* the next pause-loop exit                     */
    vl_event ipi_ev;          /* the next IPI arrival                         */
    vl_ns ipi_at[VL_IPI_INFLIGHT];
    int ipi_vec[VL_IPI_INFLIGHT];
    struct vl_vcpu *ipi_src[VL_IPI_INFLIGHT]; /* the sender whose exit wakes
                               * this halted vCPU (vl_wake_source); NULL if
                               * the IPI arrives after the exit            */
    int ipi_head, ipi_n;
    vl_ns parked_since, parked_ns, unparked_at;
    /* ground truth for the reports (hv/boost_truth.h) */
    bool boosted;             /* the policy noted a boost, not yet its end    */
    uint64_t boost_mark;      /* the guest's I/O-bound task starts then ...  */
    vl_ns boost_run_mark;     /* ... the vCPU's running time ...             */
    vl_ns boost_since;        /* ... and the time                            */
};

typedef struct vl_boost_stats { /* hv/boost_truth.h */
    uint64_t boosts, hits;
    vl_ns boosted_ns;         /* the boosted vCPUs' running time in boosts    */
} vl_boost_stats;

typedef struct vl_online_point { /* hv/fragment.h */
    vl_ns at;
    int online;
} vl_online_point;

struct vl_vm {
    int id;
    char name[VL_NAME_MAX];
    int weight, cap;
    int nvcpus;
    vl_vcpu *vcpus;           /* nvcpus consecutive entries of hv->vcpus      */
    vl_cpuset affinity;
    const vl_guest_port *port;
    void *guest;
    bool host;                /* the host VM (its vCPUs are I/O backends)    */
    int online;               /* vCPUs not offline nor going offline         */
    int nfolded;              /* its vCPUs whose exit cycles are folded      */
    /* ground truth for the reports (hv/fragment.h) */
    int waiting;              /* vCPUs runnable and not parked               */
    vl_ns frag_mark, frag_ns; /* I(t) when waiting became > 0; the total      */
    vl_online_point *online_series; /* every change of `online`               */
    int online_n, online_cap;
    vl_boost_stats boost;     /* boosts ended in the window (hv/boost_truth.h) */
    void *priv;
};

struct vl_sched {
    const vl_sched_ops *ops;
    struct vl_hv *hv;
    void *priv;
    vl_ns tick;
    bool tick_grid;           /* ticks at multiples of `tick` on every pCPU
                               * (vl_sched_set_tick_grid)                   */
    int ncounters;
    int64_t *counters;
    vl_event timer_ev[VL_TIMER_SLOTS];
    /* pCPUs that run the idle loop with no reschedule pending
     * (vl_idle_pcpus): set for every pCPU by vl_hv_sched_begin, cleared by
     * vl_hv_raise_sched, written by vl_hv_reschedule as soon as the
     * decision is valid (before context_saved); no bit at or above the
     * pCPU count */
    uint64_t idle[VL_BITMAP_WORDS(VL_MAX_PCPUS)];
    vl_rng rng;               /* the policy's stream (vl_sched_rng)           */
};

/* Watches the run without changing it (trace writers).  Any callback may
 * be NULL. */
typedef struct vl_hv_observer {
    void *ctx;
    /* pCPU p switches from prev to next (either may be NULL = idle) */
    void (*on_switch)(void *ctx, const vl_pcpu *p, const vl_vcpu *prev, const vl_vcpu *next,
                      vl_ns now);
    /* v leaves runstate `old` (v->state is the new one) */
    void (*on_state)(void *ctx, const vl_vcpu *v, vl_runstate old, vl_ns now);
    /* v woke and is queued on v->processor (after the policy's pick) */
    void (*on_wake)(void *ctx, const vl_vcpu *v, vl_ns now);
    /* an IPI with `vector` arrives at v (injected or pended) */
    void (*on_ipi)(void *ctx, const vl_vcpu *v, int vector, vl_ns now);
    /* v's boost noted by the policy since `start` ends now, a hit or not
     * (hv/boost_truth.h) */
    void (*on_boost)(void *ctx, const vl_vcpu *v, vl_ns start, bool hit, vl_ns now);
    /* the policy's series `name` of vm, about address space cr3 (0: the
     * VM), is value from now on (vl_sched_series) */
    void (*on_series)(void *ctx, const vl_vm *vm, const char *name, uint64_t cr3, double value,
                      vl_ns now);
} vl_hv_observer;

typedef struct vl_hv {
    vl_sim sim;
    vl_costs costs;
    vl_ple_spec ple;          /* grow resolved from the policy's hypervisor  */
    bool ple_grow_default;    /* the scenario left ple.grow at 0 (the policy's
                               * init may set it: vl_sched_set_ple_grow_default) */
    int cpu_mhz;
    bool ipi_virtualization;  /* posted interrupts + IPI virtualization     */
    bool cr3_exiting;         /* CR3 loads exit                            */
    int cstates;              /* VL_CSTATES_* (hv/cstate.h)                */
    vl_ns watchdog;
    vl_ns end;                /* the run's end (slices reaching past it are
                               * not armed); VL_NS_MAX until the model sets it */
    vl_ns timers_at;          /* the instant of the last policy timer ...    */
    int timers_n;             /* ... and how many fired at it (livelock)     */
    int npcpus;
    vl_pcpu *pcpus;
    int nvms;
    vl_vm *vms;
    int nvcpus;
    vl_vcpu *vcpus;
    vl_sched sched;
    /* the pCPU whose hook runs now (tickles elsewhere cost a host IPI) */
    vl_pcpu *local;
    const char *hook;         /* the policy hook running now (reports)       */
    vl_vcpu *yielding;        /* the vCPU whose vcpu_yield runs now          */
    vl_vcpu *waker;           /* the IPI sender whose exit wakes a vCPU now
                               * (vl_wake_source), else NULL              */
    bool yield_reenter;       /* ... and it called vl_yield_reenter           */
    vl_event watchdog_ev;
    vl_hv_observer observer;
    uint64_t seed;            /* the run's seed (the policy's stream)        */
    const struct vl_ksyms *system_map; /* the guests' kernel (vl_sched_system_map) */
    struct vl_io *io;         /* devices and backends (hv/io.c), or NULL     */
    int idle_pcpus;           /* pCPUs running nothing (hv/fragment.h) ...   */
    vl_ns idle_any_since, idle_any_ns; /* ... and I(t), time with one or more */
    bool boost_noted;         /* the policy noted a boost (hv/boost_truth.h)  */
    vl_fold fold;             /* folded exit cycles (hv/fold.h)              */
    bool failed;
    char failure[512];
    int refused_vm;           /* vl_sched_refuse's VM, else -1               */
} vl_hv;

/* Builds the host and VMs of a scenario for policy `ops`.  The policy's
 * parameter blobs (sched.priv, each VM's priv) start zeroed: the caller
 * fills them (model/model.c: the scenario's values, else the table
 * defaults) and attaches the guests; then vl_hv_start() initialises the
 * policy and wakes every vCPU. */
int vl_hv_create(vl_hv *hv, const vl_scenario *scn, const vl_sched_ops *ops, vl_tag_audit *audit,
                 vl_fel_kind fel, vl_error *err);
int vl_hv_start(vl_hv *hv, vl_error *err);
void vl_hv_destroy(vl_hv *hv);

/* Stops the run with a report naming the policy, the hook and the time. */
void vl_hv_fail(vl_hv *hv, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The policy's dump hook's text (malloc'd; the caller frees it), or NULL
 * when the policy has none or memory ran out.  For the report of a failed
 * run: call it after the event loop stopped, never from a hook. */
char *vl_hv_policy_state(vl_hv *hv);

/* A pCPU that reschedules more often than this at one simulated instant
 * (a policy tickling the pCPU it is deciding for, forever) fails the run;
 * policy timers firing at one instant are bounded by this many per timer
 * slot of the host (pCPU slots and the instance's). */
#define VL_HV_RESCHED_BOUND 1000

/* Exact handle checks: h points at an element of the core's array (inside
 * it, and on an element boundary), not merely into it. */
static inline bool vl_hv_handle_in(const void *base, int n, size_t size, const void *h)
{
    uintptr_t b = (uintptr_t)base, a = (uintptr_t)h;
    return h && a >= b && (a - b) / size < (size_t)n && (a - b) % size == 0;
}
static inline bool vl_hv_owns_pcpu(const vl_hv *hv, const vl_pcpu *p)
{
    return vl_hv_handle_in(hv->pcpus, hv->npcpus, sizeof *hv->pcpus, p);
}
static inline bool vl_hv_owns_vcpu(const vl_hv *hv, const vl_vcpu *v)
{
    return vl_hv_handle_in(hv->vcpus, hv->nvcpus, sizeof *hv->vcpus, v);
}

/* v has a virtual interrupt pending (not yet delivered). */
static inline bool vl_vcpu_has_pending(const vl_vcpu *v)
{
    return (v->pending[0] | v->pending[1] | v->pending[2] | v->pending[3]) != 0;
}

/* Runstate time including the current stint. */
vl_ns vl_hv_vcpu_time(const vl_vcpu *v, vl_runstate st, vl_ns now);
vl_ns vl_hv_pcpu_busy(const vl_pcpu *p, vl_ns now);
vl_ns vl_hv_pcpu_idle(const vl_pcpu *p, vl_ns now);

/* Internal to src/hv: */
/* Before the policy's init: every pCPU idle and untickled, the policy's
 * random stream seeded from hv->seed and the policy's name. */
void vl_hv_sched_begin(vl_hv *hv);
void vl_hv_set_state(vl_vcpu *v, vl_runstate st, vl_ns now);
void vl_hv_reschedule(vl_pcpu *p);
void vl_hv_raise_sched(vl_pcpu *p, vl_ns delay);
void vl_hv_wake(vl_vcpu *v, vl_wake_reason why, int vector);
void vl_hv_enter_event(void *ctx, vl_event *ev);
void vl_hv_ple_init(vl_hv *hv, vl_vcpu *v);
void vl_hv_ipi_init(vl_vcpu *v);
void vl_hv_ple_sched_in(vl_vcpu *v);
void vl_hv_ple_leave(vl_vcpu *v);
/* v's pause-loop exit (its exit event's work). */
void vl_hv_ple_exit(vl_vcpu *v);
/* v's PLE window, in ns. */
vl_ns vl_hv_ple_window_ns(const vl_vcpu *v);

#endif
