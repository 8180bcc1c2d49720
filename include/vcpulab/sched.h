/* vcpulab/sched.h - THE scheduling-policy interface.
 *
 * A policy decides which vCPU runs on which pCPU and for how long.  It sees
 * only what a real hypervisor sees (DESIGN section 5.3): vCPU runstates and
 * their times, wake and block reasons, yields and pause-loop exits with the
 * yielder's RIP, topology, affinity, time and its own timers.  It never sees
 * guest tasks, guest runqueues, locks or workload phases.  Every handle it
 * gets is opaque; everything about a handle is read through the functions
 * declared here.  src/sched/ is compiled with an include path that holds only
 * this directory and src/util/.
 *
 * Ownership.  The core owns every object.  A policy declares the sizes of
 * four private structs (instance, pCPU, VM, vCPU); the core allocates them
 * zeroed and hands them out through vl_*_priv().  Policies do not malloc
 * long-lived state.  Declared parameters are written into the instance /
 * VM / vCPU private structs (at the offsets the parameter tables give)
 * before init() runs.
 *
 * The scheduling cycle (as in Xen's schedule.c):
 *   1. Something makes a pCPU reschedule: its slice timer expires, its
 *      current vCPU blocks or yields, or a policy tickles it (vl_tickle()).
 *   2. The core calls do_schedule(pcpu, prev, now).  prev is the vCPU that
 *      is current on the pCPU (NULL when idle); its runstate is already
 *      updated (RUNNABLE if it is still runnable, BLOCKED if it halted).
 *      The policy returns a decision: the next vCPU (or NULL = idle) and a
 *      slice (or VL_SLICE_NONE).  If prev is still runnable and not chosen,
 *      the policy must keep it queued somewhere (it is not lost).
 *   3. The core validates the decision (next runnable, not current on
 *      another pCPU, inside its affinity); a violation stops the run with a
 *      report naming the policy, the hook and the simulated time.
 *   4. The core switches (charging the world-switch cost), arms the slice
 *      timer, and calls context_saved(prev) once prev is off the pCPU.
 *
 * Wake-ups: a blocked vCPU becomes runnable -> the core calls
 * pick_cpu(v, reason) to choose its processor (validated against affinity),
 * records it (vl_vcpu_pcpu() returns it from then on) and calls
 * vcpu_wake(v, reason); the policy queues v there and tickles a pCPU if v
 * should run now.  One exception: a vCPU that halts (vcpu_block) and is
 * woken again before its pCPU has rescheduled - it is still that pCPU's
 * current vCPU - gets neither pick_cpu nor vcpu_wake; it is RUNNABLE again
 * and the pending do_schedule sees it as prev, runnable.  A policy that
 * took it off its queues in vcpu_block must take it back there.  (Xen's
 * wake hooks likewise return at once for a unit still current on its
 * pCPU: csched_unit_wake, xen/common/sched/credit.c.)
 *
 * Idle pCPUs: the core keeps the mask of pCPUs that run the idle loop with
 * no reschedule pending (vl_idle_pcpus).  A tickle takes a pCPU out of it
 * at once, so several wake-ups at one instant that each look for an idle
 * pCPU find different ones; vl_pcpu_is_idle() stays true until the tickled
 * pCPU has rescheduled.  vl_pick_cpu_default() places a vCPU with it.
 *
 * Re-entrancy: hooks are never nested, except that vl_tickle() and timer
 * calls made from a hook take effect after the hook returns.
 *
 * Misuse fails the run, in every build (docs/sched-interface.md): an index
 * out of range, a pCPU handle the core does not own given with the
 * instance, a returned handle not exactly one of the core's, a pCPU
 * rescheduled more than VL_HV_RESCHED_BOUND times at one instant.  The
 * failing call returns a harmless value; the run stops after the hook.
 * A slice ending after the run's end is not armed (it cannot expire).
 */
#ifndef VCPULAB_SCHED_H
#define VCPULAB_SCHED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "vl_time.h"

/* Largest host the model supports; pCPU sets are bitmaps of this size. */
#define VL_MAX_PCPUS 4096

typedef struct vl_sched vl_sched; /* a policy instance */
typedef struct vl_pcpu vl_pcpu;
typedef struct vl_vm vl_vm;
typedef struct vl_vcpu vl_vcpu;

/* ---------------------------------------------------------------------------
 * Parameters: declared as tables; the scenario loader validates values
 * against them (type, range) and writes them at `offset` into the policy's
 * instance (host table), VM (per-VM table) or vCPU (per-vCPU table)
 * private struct.
 */
typedef enum vl_param_type {
    VL_PARAM_INT,    /* int64_t;  written as a YAML integer            */
    VL_PARAM_TIME,   /* vl_ns;    written with a unit: 30ms, 100us, 2s */
    VL_PARAM_BOOL,   /* bool;     true/false                           */
    VL_PARAM_DOUBLE, /* double;   a number                             */
    VL_PARAM_ENUM,   /* int;      one of `choices` (index stored)      */
    VL_PARAM_DIST,   /* vl_dist (vl_dist.h) of durations; workloads only:
                      * {dist: exponential, mean: 1ms} or a bare duration
                      * (constant); default: constant `def` ns           */
    VL_PARAM_PROGRAM,/* struct vl_prog_spec * (workload/program_spec.h);
                      * workloads only: task groups and their steps
                      * (docs/programs.md); required, no default         */
} vl_param_type;

typedef struct vl_param {
    const char *name;
    vl_param_type type;
    size_t offset;     /* into the private struct the table belongs to */
    double def;        /* default (TIME in ns, BOOL 0/1, ENUM an index) */
    double min, max;   /* inclusive range (ignored for BOOL/ENUM)        */
    const char *unit;  /* for describe: "ns", "%", "credits", ...        */
    const char *help;  /* one line, with the source of the default       */
    const char *const *choices; /* ENUM only: NULL-terminated names      */
} vl_param;

/* Ends a parameter table. */
#define VL_PARAM_END { NULL, VL_PARAM_INT, 0, 0, 0, 0, NULL, NULL, NULL }

/* The table a parameter blob belongs to (what check() is given). */
typedef enum vl_param_scope {
    VL_PARAMS_HOST = 0, /* ops->params over the instance struct (priv_size) */
    VL_PARAMS_VM,       /* ops->vm_params over a VM struct (vm_size)        */
    VL_PARAMS_VCPU,     /* ops->vcpu_params over a vCPU struct (vcpu_size)  */
} vl_param_scope;

/* What a policy's check() hook reports about a parameter set it refuses:
 * the parameter at fault (its name in the table checked; NULL when no one
 * parameter is) and why, in one line. */
typedef struct vl_param_fault {
    const char *param;
    char msg[160];
} vl_param_fault;

/* ---------------------------------------------------------------------------
 * Observable state.
 */
typedef enum vl_runstate {
    VL_RUNNING = 0, /* current on a pCPU                        */
    VL_RUNNABLE,    /* wants to run, not on a pCPU               */
    VL_BLOCKED,     /* halted / waiting for an event             */
    VL_OFFLINE,     /* not started, hot-unplugged or ballooned    */
    VL_NR_RUNSTATES
} vl_runstate;

typedef enum vl_wake_reason {
    VL_WAKE_START = 0,  /* first wake-up when the VM starts              */
    VL_WAKE_INTERRUPT,  /* a virtual interrupt became pending (see vec)  */
    VL_WAKE_KICK,       /* paravirtual kick (e.g. a PV spinlock unlock)  */
    VL_WAKE_HYPERCALL,  /* woken by a hypercall of another vCPU          */
    VL_WAKE_ONLINE,     /* brought online (hotplug / ballooning)         */
    VL_NR_WAKE_REASONS
} vl_wake_reason;

typedef enum vl_block_reason {
    VL_BLOCK_HLT = 0,   /* the guest executed HLT (idle)                 */
    VL_BLOCK_PV_WAIT,   /* paravirtual wait hypercall (PV spinlock)      */
    VL_BLOCK_OFFLINE,   /* going offline                                 */
    VL_NR_BLOCK_REASONS
} vl_block_reason;

typedef enum vl_pick_reason {
    VL_PICK_WAKE = 0,   /* a blocked vCPU became runnable                */
    VL_PICK_START,      /* first placement when the VM starts            */
    VL_NR_PICK_REASONS
} vl_pick_reason;

typedef enum vl_yield_kind {
    VL_YIELD_PLE = 0,   /* pause-loop exit                               */
    VL_YIELD_HYPERCALL, /* explicit yield hypercall                      */
} vl_yield_kind;

/* What the hypervisor learns from a yield / pause-loop exit. */
typedef struct vl_exit_info {
    vl_yield_kind kind;
    uint64_t rip;       /* the vCPU's instruction pointer at the exit    */
    bool kernel;        /* CPL 0 at the exit                             */
    vl_vcpu *target;    /* directed-yield hint (NULL if none)            */
} vl_exit_info;

/* Virtual I/O as the hypervisor sees it (DESIGN 5.3): a guest's kick of a
 * virtio queue (an exit, with the guest's CR3 at that moment), the
 * completion interrupt of a block request, and a packet arriving at the
 * host backend for the VM, with its protocol and destination port. */
typedef enum vl_io_kind {
    VL_IO_KICK = 0,     /* request(s) submitted: TX packets or a block request */
    VL_IO_COMPLETION,   /* a block request completed (interrupt raised)       */
    VL_IO_PACKET,       /* a packet for the VM reached the host backend       */
    VL_IO_RX_IRQ,       /* the backend put received packets in the VM's ring
                         * and raised its receive interrupt (Xen netback's
                         * notify_remote_via_irq, a vhost irqfd signal), with
                         * the protocol and port of the packet that raised it */
} vl_io_kind;

typedef enum vl_io_device { VL_DEV_NET = 0, VL_DEV_BLK } vl_io_device;

typedef struct vl_io_info {
    vl_io_kind kind;
    vl_io_device device;
    uint64_t cr3;       /* VL_IO_KICK: the submitting vCPU's CR3            */
    int proto;          /* VL_IO_PACKET, _RX_IRQ: IP protocol (6 TCP, 17 UDP, 1 ICMP) */
    int port;           /* VL_IO_PACKET, _RX_IRQ: destination port           */
} vl_io_info;

/* Exit counters the core keeps per vCPU (vl_vcpu_exits()). */
typedef enum vl_exit_kind {
    VL_EXIT_HLT = 0,
    VL_EXIT_PLE,
    VL_EXIT_YIELD,
    VL_EXIT_IPI,
    VL_EXIT_IO,
    VL_EXIT_CR3,
    VL_NR_EXIT_KINDS
} vl_exit_kind;

/* do_schedule's answer. */
#define VL_SLICE_NONE ((vl_ns)-1)
typedef struct vl_decision {
    vl_vcpu *next; /* NULL: run the idle loop                          */
    vl_ns slice;   /* > 0: reschedule after this long; VL_SLICE_NONE   */
} vl_decision;

/* ---------------------------------------------------------------------------
 * The ops table.  One `static const vl_sched_ops` per policy, registered
 * with VL_REGISTER_POLICY() at the bottom of its file.
 */
/* What a policy promises; the conformance suite holds it to each flag it
 * declares (tests/policy/test_conformance.c). */
#define VL_POLICY_WEIGHTS 0x1u /* CPU-bound VMs get CPU in proportion to weight */
#define VL_POLICY_CAPS    0x2u /* a VM never gets more than its cap            */
/* Not a promise but a warning: the policy leaves pCPUs idle on purpose while
 * vCPUs wait (strict gang scheduling runs whole VMs or nothing).  The
 * suite then holds it to a lower utilisation floor under overcommit. */
#define VL_POLICY_NOT_WORK_CONSERVING 0x4u
/* Not a promise either: the policy's decisions rest on cr3_switch, which
 * only a host with host.cr3_exiting delivers.  The CLI warns when it runs
 * one on a host without (it then schedules as its base policy); the suites
 * that hold every policy to the contract still run it there. */
#define VL_POLICY_WANTS_CR3_EXITS 0x8u

/* The hypervisor a policy belongs to: selects the defaults of hypervisor
 * mechanisms that differ between them (e.g. KVM grows the pause-loop
 * window per exit, Xen keeps it fixed). */
typedef enum vl_hypervisor { VL_HV_KVM = 0, VL_HV_XEN } vl_hypervisor;

typedef struct vl_sched_ops {
    const char *name;        /* as written in scenarios and on the CLI   */
    const char *description; /* one paragraph                            */
    unsigned flags;          /* VL_POLICY_*                               */
    vl_hypervisor hypervisor; /* the family it runs in (default KVM)     */
    const vl_param *params;  /* host parameters (may be NULL)            */
    const vl_param *vm_params; /* per-VM parameters (may be NULL)        */
    const vl_param *vcpu_params; /* per-vCPU parameters (may be NULL): a
                                  * scenario gives them per VM (for all its
                                  * vCPUs) and per vCPU; no name may be in
                                  * both vm_params and vcpu_params, and
                                  * none may be `vcpus`                  */
    const char *const *counters; /* NULL-terminated names of the policy's
                                  * counters, reported in the output     */
    size_t priv_size, pcpu_size, vm_size, vcpu_size;

    /* --- mandatory ------------------------------------------------------ */

    /* Called once after all objects exist and parameters are written.
     * May arm timers and set the tick.  Returns 0, or <0 to refuse (the
     * core reports the failure). */
    int (*init)(vl_sched *s);
    /* Choose the pCPU on which v should be queued.  Must return a pCPU in
     * v's affinity.  Called with v RUNNABLE (not yet queued). */
    vl_pcpu *(*pick_cpu)(vl_sched *s, vl_vcpu *v, vl_pick_reason why);
    /* Decide what pCPU p runs next (see the cycle above). */
    vl_decision (*do_schedule)(vl_sched *s, vl_pcpu *p, vl_vcpu *prev, vl_ns now);

    /* --- optional (default when NULL in brackets) ------------------------ */

    /* [every value in its table's range is valid] Rules on the policy's
     * parameters beyond the tables' ranges (a value in a forbidden gap,
     * two parameters that must agree).  `params` is a filled blob of the
     * table `scope` names: the host's, one VM's, or the values in force
     * for one vCPU (its VM's, with that vCPU's overrides).  A rule spans
     * one blob: one that relates a VM's values to its vCPUs' stays in
     * init().  Called when a scenario loads (so `validate`, every command,
     * and each point of a sweep before its first run) and again at model
     * creation, never during a run.  Returns 0, or -1 with *fault filled:
     * the loader reports the parameter's file:line:col (or --set:N:COL)
     * and the command exits 2.  Rules that depend on the host or the
     * topology stay in init(). */
    int (*check)(const void *params, vl_param_scope scope, vl_param_fault *fault);
    /* [nothing] Teardown; the core frees private state itself. */
    void (*fini)(vl_sched *s);
    /* [nothing] v exists (OFFLINE), after init and before the first
     * wake-up; called once per vCPU.  vCPUs are never destroyed during a
     * run. */
    void (*vcpu_insert)(vl_sched *s, vl_vcpu *v);
    /* [tickle v's pCPU if it is idle] v became RUNNABLE after pick_cpu;
     * `vector` is the pending interrupt vector for VL_WAKE_INTERRUPT
     * (-1 otherwise).  Not called for a vCPU that woke before its pCPU
     * rescheduled after its vcpu_block (see Wake-ups above). */
    void (*vcpu_wake)(vl_sched *s, vl_vcpu *v, vl_wake_reason why, int vector);
    /* [nothing] v (currently running on vl_vcpu_pcpu(v)) blocked; the core
     * reschedules that pCPU right after.  If v wakes before that
     * reschedule, do_schedule gets it back as a runnable prev, with no
     * pick_cpu nor vcpu_wake in between. */
    void (*vcpu_block)(vl_sched *s, vl_vcpu *v, vl_block_reason why);
    /* [nothing] v yielded (pause-loop exit or hypercall) while running; the
     * core reschedules v's pCPU right after (v stays RUNNABLE), unless the
     * hook called vl_yield_reenter(v): then v re-enters the guest after
     * the exit's cost with no reschedule, as KVM does when a pause-loop
     * exit finds no vCPU to yield to. */
    void (*vcpu_yield)(vl_sched *s, vl_vcpu *v, const vl_exit_info *info);
    /* [nothing] prev is off its pCPU (after the switch). */
    void (*context_saved)(vl_sched *s, vl_vcpu *prev);
    /* [nothing] Periodic tick on a busy pCPU (period set by
     * vl_sched_set_tick; ticks stop while the pCPU is idle).  A tick runs
     * before a reschedule pending at the same instant, so the current vCPU
     * may already be BLOCKED (it halted at this instant). */
    void (*tick)(vl_sched *s, vl_pcpu *p, vl_ns now);
    /* [nothing] A policy timer armed with vl_timer_arm() fired.  p is the
     * pCPU the timer belongs to (NULL for instance timers). */
    void (*timer_fired)(vl_sched *s, vl_pcpu *p, int slot, vl_ns now);
    /* [nothing] The APIC of `src` sent an IPI with `vector` to `dst`
     * (trapping APIC only; not called with posted interrupts / IPI
     * virtualization). */
    void (*ipi_sent)(vl_sched *s, vl_vcpu *src, vl_vcpu *dst, int vector);
    /* [nothing] The guest on v loaded a page-table root (a task switch to
     * another address space): `cr3` identifies the address space.  Only
     * with CR3-exiting on (host.cr3_exiting), where each load is an exit. */
    void (*cr3_switch)(vl_sched *s, vl_vcpu *v, uint64_t cr3);
    /* [nothing] An I/O event of v's VM (see vl_io_info): for a kick, v is
     * the vCPU that exited; for a completion or a receive interrupt, the
     * vCPU the interrupt goes to; for a packet, the vCPU that takes the
     * VM's receive interrupt. */
    void (*io_event)(vl_sched *s, vl_vcpu *v, const vl_io_info *info);
    /* [nothing] The policy's state for a failure report, written to `out`:
     * when the run stops on a failure after the start (a rejected
     * decision, the watchdog, vl_sched_error), the core calls it once,
     * after the event loop has stopped, and the report prints it under
     * the failure message.  It may read everything; it changes nothing. */
    void (*dump)(vl_sched *s, FILE *out);
    /* [never folded] Simulation speed only: may the core fold v's
     * pause-loop exit cycles (src/hv/fold.h)?  v runs on its pCPU; return
     * the slice do_schedule would give it if it yielded (vcpu_yield, then
     * do_schedule with v as prev) now or at any later instant before
     * *until (VL_NS_MAX: no bound), while the policy's state for v and its
     * pCPU does not change otherwise, when every such yield would come
     * straight back to v with that slice, arm nothing, and change nothing
     * but state the next yield overwrites, time differences that add up
     * (credit burnt since a start time) and counters yields_folded adds;
     * otherwise VL_SLICE_NONE.  Set *beyond when those decisions also read
     * state beyond v and its pCPU (another pCPU's queue).  The core then
     * runs those yields late, at the instants they happened, before
     * anything else the policy does reads or changes that state: at events
     * of v's pCPU, policy instance timers, tickles of the pCPU, and
     * vl_pcpu_will_change(). */
    vl_ns (*yield_folds)(vl_sched *s, vl_vcpu *v, vl_ns *until, bool *beyond);
    /* [nothing] n yields of v (see yield_folds) the core did not run, the
     * first at `first`, all before the `until` given: count them. */
    void (*yields_folded)(vl_sched *s, vl_vcpu *v, uint64_t n, vl_ns first);
} vl_sched_ops;

/* Registration: places a pointer to the ops table in a linker section the
 * core walks at start-up; there is no central list to edit.  The core
 * rejects (with a message naming it) a policy that lacks a mandatory hook. */
#define VL_REGISTER_POLICY(ops)                                              \
    __attribute__((used, section("vl_policies"), aligned(sizeof(void *))))   \
    static const vl_sched_ops *const vl_policy_entry_##ops = &(ops)

/* ---------------------------------------------------------------------------
 * Instance.
 */
void *vl_sched_priv(vl_sched *s);
const char *vl_sched_name(const vl_sched *s);
vl_ns vl_now(const vl_sched *s);
int vl_npcpus(const vl_sched *s);
vl_pcpu *vl_pcpu_get(vl_sched *s, int id);
int vl_nvms(const vl_sched *s);
vl_vm *vl_vm_get(vl_sched *s, int id);
/* All vCPUs of all VMs, indexed 0 .. vl_nvcpus_total()-1 (VM order). */
int vl_nvcpus_total(const vl_sched *s);
vl_vcpu *vl_vcpu_get(vl_sched *s, int id);

/* The guest kernel's System.map, as an administrator configures a
 * hypervisor with it (micro-sliced cores hard-code the symbol ranges of
 * the guest kernel they run): classify RIPs with vl_ksyms_lookup /
 * vl_ksyms_classify (vl_ksyms.h).  All VMs run the same kernel build. */
struct vl_ksyms;
const struct vl_ksyms *vl_sched_system_map(const vl_sched *s);

/* The policy's own random stream (vl_rng.h: vl_rng_u64, vl_rng_below,
 * vl_rng_double), derived from the run's seed and the policy's name: the
 * same draws in every run with the same seed, and drawing from it changes
 * no other entity's numbers (the guests' streams are their own). */
struct vl_rng;
struct vl_rng *vl_sched_rng(vl_sched *s);

/* Tick period for tick() on busy pCPUs; 0 turns ticks off (the default). */
void vl_sched_set_tick(vl_sched *s, vl_ns period);
/* With a grid, every pCPU's ticks fall on multiples of the period, and a
 * pCPU that turns busy after idle ticks at the next multiple (Linux's
 * tick_sched restarts a CPU's tick on the jiffies grid); without (the
 * default), a pCPU's first tick comes one period after it turned busy. */
void vl_sched_set_tick_grid(vl_sched *s, bool grid);
/* From init: the pause-loop-exit window multiplier per exit (1 = a fixed
 * window) of the hypervisor version the policy models.  It replaces the
 * hypervisor family's default (KVM 2, Xen 1) only when the scenario leaves
 * host.ple.grow at 0; an explicit value wins.  Outside 1..64 it fails the
 * run. */
void vl_sched_set_ple_grow_default(vl_sched *s, int grow);
/* Policy counters (indices into ops->counters). */
void vl_counter_add(vl_sched *s, int counter, int64_t n);
/* A value of the policy's own state over time, for the reports (a counter
 * track in the trace, rows of `run --series`; docs/output-format.md):
 * series `name` (1..64 letters, digits, '_', '.', '-', in a string that
 * outlives the run, e.g. "belief"; anything else fails the run) of VM d
 * is `value` from now on.  `cr3` is the address space the value is about
 * (the reports name it after the guest's task there, which the policy
 * never learns), or 0 for the VM as a whole.  Call it when the value
 * changes.  Changes nothing in the run; it does nothing when no report
 * asks for series. */
void vl_sched_series(vl_sched *s, vl_vm *d, const char *name, uint64_t cr3, double value);
/* The policy reports that it cannot go on (e.g. init() refusing a
 * parameter combination): the run stops with this message, the policy's
 * name, the hook and the time.  Returns -1, so `return vl_sched_error(...)`
 * works in init(). */
int vl_sched_error(vl_sched *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* From init: the policy refuses the configuration the scenario gives VM vm
 * (its parameters, its vCPUs' reservations beside the others'): the run
 * does not start, and the message is reported at the VM's entry in the
 * scenario file (file:line:col), as an input error (the command exits 2).
 * Returns -1. */
int vl_sched_refuse(vl_sched *s, vl_vm *vm, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Policy timers: VL_TIMER_SLOTS per pCPU and per instance (p == NULL).
 * Arming an armed slot re-arms it; `when` must be >= now. */
#define VL_TIMER_SLOTS 4
void vl_timer_arm(vl_sched *s, vl_pcpu *p, int slot, vl_ns when);
void vl_timer_cancel(vl_sched *s, vl_pcpu *p, int slot);
bool vl_timer_pending(vl_sched *s, vl_pcpu *p, int slot);

/* ---------------------------------------------------------------------------
 * pCPUs.
 */
int vl_pcpu_id(const vl_pcpu *p);
void *vl_pcpu_priv(vl_pcpu *p);
/* The vCPU current on p (running, or just descheduled inside do_schedule);
 * NULL when p runs the idle loop. */
vl_vcpu *vl_pcpu_curr(const vl_pcpu *p);
/* p runs the idle loop (vl_pcpu_curr is NULL), tickled or not: to choose a
 * pCPU for a waking vCPU, use vl_idle_pcpus() or vl_pick_cpu_default(). */
bool vl_pcpu_is_idle(const vl_pcpu *p);
/* The pCPUs that run the idle loop and have no reschedule pending (no
 * tickle waiting to be handled), as a bitmap of VL_MAX_PCPUS bits
 * (vl_bitmap.h).  vl_tickle() takes a pCPU out at once;
 * it comes back when its do_schedule picks no vCPU.  No bit at or above
 * vl_npcpus().  Read-only; it changes as the policy tickles. */
const uint64_t *vl_idle_pcpus(const vl_sched *s);
int vl_pcpu_socket(const vl_pcpu *p);
int vl_pcpu_core(const vl_pcpu *p);   /* core id, unique host-wide       */
int vl_pcpu_thread(const vl_pcpu *p); /* SMT thread index within its core */
/* Ask the core to reschedule p (do_schedule) at the current instant, after
 * the running hook returns.  Several tickles of one pCPU coalesce. */
void vl_tickle(vl_pcpu *p);
/* A policy with yield_folds calls this before it queues work on p or
 * changes anything else yield_folds read for p's current vCPU, and with
 * `beyond` set before a change that decisions on other pCPUs may read
 * (work they may steal); the core may run folded yields (vcpu_yield and
 * do_schedule of their pCPUs) before it returns, so call it where the
 * policy's state is whole. */
void vl_pcpu_will_change(vl_pcpu *p, bool beyond);
/* The default placement for pick_cpu (after sched_ext's
 * scx_bpf_select_cpu_dfl): v's previous pCPU if it is in vl_idle_pcpus();
 * else the pCPU of that mask closest to it (an SMT sibling, its socket,
 * then any; the lowest id among equals); else the previous pCPU.  A vCPU
 * never placed (or whose previous pCPU left its affinity) goes to the
 * first idle pCPU, else to the one with the fewest vCPUs runnable or
 * running there, so vCPUs started at one instant spread out.  Always in
 * v's affinity.  It does not tickle: vcpu_wake does (the default hook
 * tickles v's pCPU if it is idle). */
vl_pcpu *vl_pick_cpu_default(vl_sched *s, vl_vcpu *v);

/* ---------------------------------------------------------------------------
 * VMs.
 */
int vl_vm_id(const vl_vm *d);
const char *vl_vm_name(const vl_vm *d);
void *vl_vm_priv(vl_vm *d);
int vl_vm_weight(const vl_vm *d);
int vl_vm_cap(const vl_vm *d); /* percent of one pCPU; 0 = uncapped */
int vl_vm_nvcpus(const vl_vm *d);
vl_vcpu *vl_vm_vcpu(vl_vm *d, int index);
/* The host VM: its vCPUs are the host's I/O backend contexts (vhost /
 * netback-style workers: per VM with virtual devices, one for its NIC and
 * disk together or one per device, as the scenario's io_backends says),
 * scheduled like any vCPU.  It exists only when some VM has devices. */
bool vl_vm_is_host(const vl_vm *d);
/* For a vCPU of the host VM: the VM whose devices that backend serves (a
 * backend serves one VM, as a vhost worker belongs to one VM's device or
 * a netback thread to one domain); NULL for a guest vCPU. */
vl_vm *vl_vcpu_backend_of(vl_vcpu *v);
/* Whether v is a backend that does the work of device `dev` of the VM it
 * serves (false for a guest vCPU). */
bool vl_vcpu_backend_serves(vl_vcpu *v, vl_io_device dev);

/* ---------------------------------------------------------------------------
 * vCPUs.
 */
int vl_vcpu_id(const vl_vcpu *v);    /* host-wide index                    */
int vl_vcpu_index(const vl_vcpu *v); /* index within its VM                */
vl_vm *vl_vcpu_vm(vl_vcpu *v);
void *vl_vcpu_priv(vl_vcpu *v);
vl_runstate vl_vcpu_runstate(const vl_vcpu *v);
/* The pCPU v runs on or is assigned to (last pick_cpu / last ran). */
vl_pcpu *vl_vcpu_pcpu(vl_vcpu *v);
bool vl_vcpu_affine(const vl_vcpu *v, const vl_pcpu *p);
/* The VM's affinity as a bitmap of VL_MAX_PCPUS bits (see vl_bitmap.h). */
const uint64_t *vl_vcpu_affinity_mask(const vl_vcpu *v);
/* Time spent in state st (the current stint included, up to now). */
vl_ns vl_vcpu_runstate_time(const vl_vcpu *v, vl_runstate st);
/* When v entered its current runstate. */
vl_ns vl_vcpu_state_entry(const vl_vcpu *v);
uint64_t vl_vcpu_exits(const vl_vcpu *v, vl_exit_kind k);
/* A policy holds a runnable vCPU back on purpose (Xen pauses a vCPU that
 * exhausted its cap: "parking").  A parked vCPU must not be picked (the
 * core checks), the starvation watchdog ignores it, and its runnable time
 * while parked is reported separately.  Calling it with the current value
 * is harmless. */
void vl_vcpu_set_parked(vl_vcpu *v, bool parked);
bool vl_vcpu_parked(const vl_vcpu *v);
/* The policy raises v ahead of its turn on a guess about the guest (`on`:
 * e.g. an event it predicts is for an I/O-bound task), or that boost ends
 * (false).  Changes nothing in the run: the core scores each boost against
 * the workloads' declared I/O-bound tasks for the reports (a hit when one
 * started running on v during it; docs/output-format.md, `boost_truth`)
 * and the policy never learns the score.  A repeated begin, or an end
 * without a begin, is ignored. */
void vl_vcpu_note_boost(vl_vcpu *v, bool on);
/* vCPU ballooning / hotplug (DESIGN 5.3): ask v's guest to take v
 * offline, or bring it back online.  The guest cooperates with a delay:
 * offline, v runs the guest's handler (moving its tasks and interrupts to
 * the other vCPUs, `guest.offline_cost`) and then blocks with
 * VL_BLOCK_OFFLINE (runstate VL_OFFLINE); online, v wakes with
 * VL_WAKE_ONLINE and the guest uses it again after `guest.online_cost`.
 * Returns false when refused: v is not a guest vCPU, is already offline
 * (or being taken offline) / online, or is the last online vCPU of its VM. */
bool vl_vcpu_request_offline(vl_vcpu *v);
bool vl_vcpu_request_online(vl_vcpu *v);
/* Saved instruction pointer of a vCPU that is RUNNABLE but not running
 * (preempted); returns false for any other state. */
bool vl_vcpu_saved_rip(const vl_vcpu *v, uint64_t *rip, bool *kernel);
/* During pick_cpu and vcpu_wake: the vCPU whose exit wakes the vCPU being
 * placed - the sender of an IPI to a halted vCPU with a trapping APIC,
 * still in its exit on its pCPU (KVM's kvm_vcpu_kick runs on the sender's
 * thread, so the host scheduler sees that pCPU as the waker's) - or NULL:
 * wake-ups by timers, devices, kicks, posted interrupts, IPIs that arrive
 * after the sender's exit.  NULL outside those hooks. */
vl_vcpu *vl_wake_source(vl_sched *s);
/* Only from vcpu_yield, for the yielding vCPU v: the exit needs no
 * reschedule; v re-enters the guest after the exit/entry cost (a pause-loop
 * exit that boosted nobody: KVM's vcpu loop goes back into the guest when
 * kvm_vcpu_on_spin yields to no one).  Tickles of v's pCPU still take
 * effect.  Called from anywhere else, or for another vCPU, it fails the
 * run. */
void vl_yield_reenter(vl_vcpu *v);

/* ---------------------------------------------------------------------------
 * Registry (used by the core, the loader and the CLI).
 */
int vl_policy_count(void);
const vl_sched_ops *vl_policy_at(int i); /* sorted by name */
const vl_sched_ops *vl_policy_find(const char *name);

#endif
