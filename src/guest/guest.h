/* guest/guest.h - the guest operating system of one VM: the kernel core's
 * objects (tasks, vCPUs, the guest) and the tables its mechanism modules
 * fill (guest/module.h; docs/guest-model.md, "Architecture").
 *
 * The guest runs tasks on its vCPUs behind the guest port of
 * hv/guest_port.h: the core tells it when a vCPU enters and leaves guest
 * mode and delivers virtual interrupts; the guest halts idle vCPUs, spins
 * on contended locks (pause-loop exits follow) and raises timer
 * interrupts.  Guest time keeps flowing while a vCPU is preempted.
 *
 * Tasks run programs (guest/program.h).  A vCPU executes its current task
 * in planned segments (guest/exec.c, docs/guest-model.md): uncontended
 * locks and short kernel calls cost no event; a contended lock makes the
 * vCPU spin until the FIFO hand-off; a lock holder that is preempted keeps
 * its lock.  Scheduling inside the guest (guest/gsched.c): per-vCPU CFS
 * runqueues ordered by virtual runtime, tick and wake-up preemption (never
 * inside a kernel call: a voluntary-preemption kernel), wake-up placement
 * on idle vCPUs, periodic and idle load balancing; a vCPU with nothing to
 * run executes HLT.  Each mechanism (cross-vCPU calls, TLB shootdowns,
 * runqueue locks, futex sync, processes, network, block I/O, hotplug,
 * load balancing) is a module with its own state in g->priv[].
 *
 * This header holds the objects only: building a guest and adding tasks is
 * guest/lifecycle.h, the kernel's catalogue (activities, lock classes,
 * symbols) guest/kernel.h. */
#ifndef VL_GUEST_H
#define VL_GUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "guest/lock.h"
#include "guest/modules.h"
#include "guest/program.h"
#include "hv/guest_port.h"
#include "sim/engine.h"
#include "vl_hist.h"
#include "vl_ksyms.h"
#include "vl_list.h"
#include "vl_rng.h"
#include "vl_time.h"

struct vl_hv;
struct vl_guest;
struct vl_gmod;

/* The handler of an interrupt vector on vCPU v (guest/module.h). */
typedef void (*vl_vector_fn)(struct vl_guest *g, int v, int vector, vl_ns now);

/* The interrupt vectors a guest uses (handles or sends IPIs on), each in a
 * slot of its own, taken at its first use: a guest uses a dozen of the 256
 * (timer, reschedule, call-function, the devices', hotplug's and the
 * legacy TLB vectors), so the per-vector state is kept per slot. */
#define VL_GUEST_VECTORS 32
typedef struct vl_gvectors {
    uint8_t slot[256];                 /* vector -> its slot + 1; 0: unused */
    vl_vector_fn fn[VL_GUEST_VECTORS]; /* its handler; NULL: ignored        */
    uint64_t ipis[VL_GUEST_VECTORS];   /* IPIs sent on it                   */
    int n;                             /* slots taken                       */
} vl_gvectors;

/* Network measures of a workload, at its sockets' readers (iperf's
 * server side) and its external clients. */
typedef struct vl_netstats {
    uint64_t rx_bytes;    /* payload the application read                 */
    uint64_t rx_packets;  /* packets / datagrams the application read     */
    uint64_t lost;        /* UDP: datagrams missing in the sequence       */
    uint64_t out_of_order;
    double jitter;        /* RFC 3550 interarrival jitter estimate, ns
                           * (its value at the end, as iperf reports it)  */
    double jitter_sum;    /* the estimate summed over the datagrams read  */
    uint64_t sent;        /* packets the external side sent               */
    uint64_t retransmits; /* TCP segments sent again                      */
    uint64_t timeouts;    /* TCP retransmission timeouts                  */
} vl_netstats;

/* Outcome measures of a workload, fed by its tasks. */
typedef struct vl_wstats {
    vl_ns work_ns;        /* CPU time its tasks executed (not spinning)   */
    uint64_t bursts;      /* requests completed (program reached a sleep) */
    vl_hist wake_latency; /* timer expiry -> the task runs                */
    vl_hist response;     /* timer expiry -> the next sleep (request done);
                           * network clients: request -> response        */
    vl_hist io_latency;   /* block request submitted -> task woken        */
    vl_hist completion;   /* processes it forked: fork -> exit (jobs)     */
    /* periodic tasks: jobs that ended (each released by a periodic sleep,
     * its deadline the next release) and those that ended after it */
    uint64_t deadline_jobs, deadline_misses;
    vl_netstats net;
    vl_ns done_ns;        /* when its last task exited (since the run's
                           * start; kept over the warm-up), or 0         */
} vl_wstats;

/* Releases what a workload's measures hold (their histograms' memory). */
void vl_wstats_free(vl_wstats *s);

typedef enum vl_task_state {
    VL_TASK_RUNNABLE,
    VL_TASK_SLEEPING,
    VL_TASK_BLOCKED, /* on a sync object (futex), a socket or a disk    */
    VL_TASK_WOKEN,  /* its timer fired; the vCPU has not handled it yet */
    VL_TASK_EXITED,
} vl_task_state;

/* Field order: what planning and switching read first (the op queue's
 * head is in vl_opq's first line), then the scheduler's accounting, then
 * the rest (see vl_gvcpu). */
typedef struct vl_task {
    vl_task_state state;
    int vcpu;               /* home vCPU                               */
    int mm;                 /* address space (threads of one process
                             * share it); TLB shootdowns target the
                             * vCPUs running the same mm              */
    bool started;           /* ran since woke_at                        */
    bool worked;            /* executed something since woke_at         */
    bool lock_counted;      /* the current acquisition was counted      */
    bool io_bound;          /* really I/O-bound, as its workload declares
                             * (ground truth for the reports: counted in
                             * vl_gvcpu.io_starts, never shown to policies) */
    int acks_pending;       /* its cross-vCPU call (guest/smp.h): targets
                             * yet to acknowledge                       */
    int id;                 /* within the guest                        */
    vl_glock *waiting;      /* the lock it spins on, or NULL            */
    vl_ns elapsed;          /* executed part of the current instance    */
    const vl_program *prog;
    struct vl_guest *g;
    unsigned weight;        /* sched_prio_to_weight[nice + 20]          */
    int nice;               /* -20..19 (guest/gsched.h vl_gsched_set_nice) */
    vl_ns vruntime;         /* CFS virtual runtime                      */
    vl_ns sum_exec;         /* time it was current (guest clock)        */
    vl_ns prev_sum_exec;    /* sum_exec when it last started running    */
    vl_ns exec_start;       /* guest clock at its last accounting       */
    vl_wstats *stats;
    vl_opq opq;             /* generated operation instances            */
    vl_list link;           /* vCPU runqueue, expired list or sync FIFO */
    vl_ns wait_since;
    vl_ns woke_at;          /* when the current request became wanted   */
    vl_ns release;          /* periodic sleeps: the last release, or -1 */
    vl_ns hold_start;       /* when the current hold began              */
    vl_rng rng;             /* the task's own random stream             */
    vl_event timer;         /* sleep timer                              */
    /* the modules' per-task state (guest/module.h vl_gmod_task): the core
     * allocates g->task_priv_size bytes here with every task */
    _Alignas(max_align_t) unsigned char priv[];
} vl_task;

#define VL_MAX_GUEST_VCPUS 1024

/* What a task does after a module ran the op its plan stopped at
 * (guest/module.h). */
typedef enum vl_op_next {
    VL_NEXT_RUN,   /* it goes on: the op is done, or became work to plan   */
    VL_NEXT_BLOCK, /* it leaves the CPU (blocked or asleep on an object)  */
    VL_NEXT_SPIN,  /* it spins in the kernel until acknowledgements come  */
} vl_op_next;
typedef vl_op_next (*vl_op_run)(struct vl_guest *g, int v, vl_task *t, vl_ns now);
/* A module's handler of an op kind; `wakes`: it may wake tasks. */
typedef struct vl_gop {
    vl_op_run run;
    bool wakes;
} vl_gop;

/* The hooks of guest/module.h, each with the modules that have it, in
 * list order. */
#define VL_GUEST_HOOKS(H) \
    H(handled) H(irq_done) H(idle) H(woke) H(switch_in) H(tick) H(op_begin) H(op_end) \
    H(task_exit) H(cpu_down) H(cpu_dying)
#define VL_HOOK_LIST(hook) \
    const struct vl_gmod *hook[VL_GMODS]; uint32_t hook##_bit[VL_GMODS]; int n##hook;
typedef struct vl_ghooks {
    vl_gop ops[VL_OP_KINDS];  /* by op kind; run NULL: the planner plans it */
    VL_GUEST_HOOKS(VL_HOOK_LIST)
    const struct vl_gmod *leave; /* the module that takes a vCPU offline */
    const struct vl_gmod *balancer; /* the load balancer                 */
} vl_ghooks;
#undef VL_HOOK_LIST
/* Calls `hook` of every module that has it, in list order. */
#define VL_GUEST_CALL(g, hook, ...)                           \
    for (int hook##_i = 0; hook##_i < (g)->hooks->n##hook; hook##_i++) \
        (g)->hooks->hook[hook##_i]->hook(__VA_ARGS__)

/* A vCPU's hotplug state (guest/hotplug.c). Anything but ONLINE takes no
 * new work: placement and balancing skip it. */
enum {
    VL_HP_ONLINE = 0,
    VL_HP_REQUESTED, /* the hypervisor asked; the handler has not run yet */
    VL_HP_LEAVING,   /* handler done: moving its tasks off, then offline  */
    VL_HP_OFFLINE,
};

/* IPI kinds for latency measures. */
enum { VL_IPI_RESCHEDULE = 0, VL_IPI_TLB, VL_IPI_KINDS };
#define VL_PLAN_MAX 64 /* lock reservations in one planned segment */
#define VL_LOCK_CHUNK 64 /* lock instances per chunk of g->lock_chunks */

/* Field order: what every entry, exit and plan reads or writes comes first
 * (two cache lines), then the runqueue and the plan's event, then what
 * only some paths touch - on a host of thousands of vCPUs these structs
 * are rarely in the cache, and each line is a miss. */
typedef struct vl_gvcpu {
    vl_task *curr;
    bool in_guest;
    bool planning;          /* inside run_plan: interrupts only queue   */
    bool need_resched;      /* curr must give way at a preemption point */
    bool pv_waiting;        /* halted in pv_wait (a kick wakes it)       */
    uint8_t hotplug;        /* VL_HP_*: online, or on its way out / out  */
    int cur_mm;             /* address space loaded (CR3), 0 = none     */
    int nplan_locks;        /* locks the plan reserved (plan_locks)     */
    uint32_t due;           /* modules with completions due here: bit
                             * VL_GMOD_<name> (guest/module.h)          */
    vl_ns seg_start;        /* start of the executing plan              */
    vl_ns plan_end;         /* where the plan stops (event time)        */
    vl_ns next_tick;
    vl_ns irq_left;         /* interrupt-handler work to run first      */
    uint64_t irq_rip;       /* where that handler runs (0: flush_tlb_func) */
    vl_ns left_at;          /* when it last left guest mode             */
    vl_glock *held_at_leave, *waited_at_leave; /* for preemption counts */
    vl_ns spun;             /* PV spinlocks: spin since the last halt    */
    uint64_t io_starts;     /* times an io_bound task started running here:
                             * switched in, or current when the vCPU
                             * entered guest mode (report-only, through
                             * the port's io_task_starts)               */
    vl_list runq;           /* queued tasks by vruntime (guest/runqueue.h) */
    int nr_waiting;         /* tasks on runq (curr is not)             */
    uint64_t load;          /* weights of curr and the queued tasks     */
    vl_ns min_vruntime;     /* never decreases                          */
    vl_event seg_ev;        /* end of the plan                          */
    vl_ns next_balance;     /* the balancer's next look at v (the module
                             * that balances keeps it: guest/module.h)  */
    vl_list expired;        /* timers fired, interrupt not yet handled  */
    vl_ns ipi_sent_at[VL_IPI_KINDS]; /* oldest unhandled IPI of each kind,
                                      * -1 = none                        */
    int plan_locks[VL_PLAN_MAX]; /* locks the plan reserved             */
} vl_gvcpu;

/* A blocking synchronisation object (a futex-based barrier, mutex or
 * condition in user space). */
/* Watches a guest without changing it (tests, traces).  Any callback may
 * be NULL. */
typedef struct vl_guest_observer {
    void *ctx;
    /* vCPU v held L over [start, end) */
    void (*hold)(void *ctx, const struct vl_guest *g, const vl_glock *L, int v, vl_ns start,
                 vl_ns end);
    /* vCPU v spun in guest mode over [start, end): on lock L, or (L NULL)
     * waiting for TLB-shootdown acknowledgements */
    void (*spin)(void *ctx, const struct vl_guest *g, const vl_glock *L, int v, vl_ns start,
                 vl_ns end);
    /* vCPU src sent an IPI with vector to dst */
    void (*ipi)(void *ctx, const struct vl_guest *g, int src, int dst, int vector, vl_ns at);
} vl_guest_observer;

/* A kernel activity: code the model runs at a real function. */
typedef struct vl_activity {
    const char *name;       /* e.g. "page_alloc"                        */
    const char *symbol;     /* e.g. "get_page_from_freelist"            */
    uint64_t start, end;    /* the function's extent in the System.map  */
} vl_activity;

/* Field order: what every entry, exit, plan and tick reads comes first
 * (see vl_gvcpu), the registration tables and reports' state last. */
typedef struct vl_guest {
    struct vl_hv *hv;
    vl_sim *sim;
    int vm;                 /* index in the hypervisor                  */
    int nvcpus;
    vl_gvcpu *vcpus;
    vl_ns quantum;          /* 1/HZ                                     */
    const vl_ghooks *hooks; /* ops and hooks of the modules (one table for
                             * every guest: lifecycle.c)               */
    uint64_t rip_spin;      /* native_queued_spin_lock_slowpath + off   */
    uint64_t rip_ipi_wait;  /* smp_call_function_many_cond + off        */
    uint64_t rip_flush;     /* flush_tlb_func + off: where handler work
                             * with no RIP of its own is shown (the call
                             * handler's; also IPI exits and kicks)     */
    bool wakelist_ipi;      /* idle wake targets get 0xfb, not 0xfd     */
    bool pv_spinlocks;      /* spin pv_spin, then pv_wait (halt)        */
    bool unfair_locks;      /* test-and-set spinlocks (virt_spin_lock)  */
    bool pv_qspinlock;      /* PV queued spinlocks: a free lock whose
                             * queue head halts may be stolen         */
    bool busy_tick_work;    /* every tick of a busy vCPU does work that
                             * matters while a task is blocked (the
                             * runqueue lock, guest/rqlock.c)           */
    vl_ns pv_spin;
    vl_ns irq_entry_cost;   /* interrupt entry + exit                   */
    vl_lock_class *classes;
    int nclasses;
    int mm_class;           /* per-process lock class (page_table_lock) */
    vl_guest_observer observer;
    int nr_waiting;         /* tasks waiting on all runqueues          */
    int nr_blocked;         /* tasks blocked (VL_TASK_BLOCKED): a task's
                             * op may wake them                         */
    int nonline;            /* vCPUs online (VL_HP_ONLINE)              */
    vl_ns waiting_since;    /* since when nr_waiting > 0               */
    vl_ns sched_latency;    /* CFS tunables scaled to the vCPU count    */
    vl_ns min_granularity;  /* (guest/gsched.c)                         */
    vl_ns wakeup_granularity;
    int ntasks, cap_tasks;
    vl_task **tasks;
    uint64_t seed;
    char name[64];
    const vl_ksyms *ksyms;
    const vl_activity *activities; /* the model's kernel image's       */
    int nactivities;
    uint64_t migrations;    /* tasks moved between vCPUs by the guest    */
    vl_hist ipi_latency[VL_IPI_KINDS]; /* send -> the target's handler runs */
    /* The model's: the last task of the workload whose measures are s
     * exited at `now` (s->done_ns is set); NULL: nobody asks. */
    void (*workload_done)(void *ctx, vl_wstats *s, vl_ns now);
    void *workload_done_ctx;
    vl_glock ***lock_chunks; /* all instances of all classes, created on
                              * first use (vl_guest_lock): lock id is
                              * lock_chunks[id / VL_LOCK_CHUNK]
                              * [id % VL_LOCK_CHUNK], each chunk of
                              * pointers allocated with its first lock  */
    int nlocks;
    vl_lock_client lock_client; /* the planner's side of the locks      */
    vl_list free_tasks;     /* exited children, for reuse (task.c)       */
    /* registration tables (guest/module.h), filled at creation */
    vl_gvectors vectors;    /* interrupt handlers and IPIs sent, by vector */
    vl_guest_port port;     /* the core's entries and the modules'       */
    void *priv[VL_GMODS];   /* each module's private state               */
    void *vcpu_priv[VL_GMODS]; /* ... and its per-vCPU array             */
    size_t task_priv_off[VL_GMODS]; /* ... and its part of every task's priv */
    size_t task_priv_size;  /* the bytes of priv in every task           */
    int nstarted;           /* modules whose init ran (their fini runs)  */
} vl_guest;

/* The slot of `vector` (0..255) in g->vectors, taken at its first use. */
int vl_guest_vector_slot(vl_guest *g, int vector);

/* The handler of `vector`, or NULL. */
static inline vl_vector_fn vl_guest_handler(const vl_guest *g, int vector)
{
    const int s = g->vectors.slot[vector & 0xff];
    return s ? g->vectors.fn[s - 1] : NULL;
}

/* IPIs g sent on `vector`. */
static inline uint64_t vl_guest_ipis_sent(const vl_guest *g, int vector)
{
    const int s = g->vectors.slot[vector & 0xff];
    return s ? g->vectors.ipis[s - 1] : 0;
}

/* v's current code path pays `d` of exit time (an APIC write, a virtqueue
 * kick, ...): it runs as handler work before v's task goes on.  A negative
 * d takes such time back, for the caller to put in an op instead (the
 * runqueue and futex-bucket holds of guest/rqlock.c, guest/sync.c).  Only
 * the core's interrupt entry and exit (guest/exec.c) touch irq_left
 * otherwise. */
static inline void vl_guest_charge(vl_guest *g, int v, vl_ns d)
{
    g->vcpus[v].irq_left += d;
}

/* The handler work v has pending. */
static inline vl_ns vl_guest_pending(const vl_guest *g, int v)
{
    return g->vcpus[v].irq_left;
}

/* The page-table root of address space mm: page-aligned, in the guest's
 * physical memory above 4 GiB (the value a hypervisor sees in CR3). */
static inline uint64_t vl_guest_cr3(int mm)
{
    return 0x100000000ULL + ((uint64_t)mm << 12);
}

#endif
