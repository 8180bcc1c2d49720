/* guest/module.h - mechanism modules and what they register.
 *
 * The guest is a kernel core (tasks, the planner, the scheduler, interrupt
 * entry and exit: guest/task.h, exec.h, gsched.h) and mechanism modules
 * (cross-vCPU calls, TLB shootdowns, runqueue locks, futex sync,
 * processes, network, block I/O, hotplug, ...).  A module is one file
 * defining a vl_gmod, listed once in guest/modules.h.  The descriptor
 * declares what the module serves: the ops the planner hands it, the
 * hooks the core calls, its entries of the guest port.  At guest creation
 * the core calls every module's init in list order (private state into
 * g->priv[VL_GMOD_<name>], interrupt vectors with vl_guest_vector) and
 * collects the hooks into g->hooks, in the same order; it calls modules
 * only through these.  docs/guest-model.md, "Architecture", lists the
 * modules and their dependencies. */
#ifndef VL_GUEST_MODULE_H
#define VL_GUEST_MODULE_H

#include "guest/guest.h"
#include "hv/guest_port.h"
#include "vcpulab/scenario.h"

typedef struct vl_gmod {
    const char *name;
    /* Private state, allocated zeroed by the core before init and freed
     * after fini (0: none): priv_size bytes at g->priv[VL_GMOD_<name>],
     * vcpu_size bytes per vCPU in one array at
     * g->vcpu_priv[VL_GMOD_<name>] (vl_gmod_vcpu), and task_size bytes in
     * every task (vl_gmod_task), zeroed whenever the task object is set up
     * for a program (also when a forked child reuses an exited one). */
    size_t priv_size, vcpu_size, task_size;
    /* Sets the module up in g (after the core): its private state, its
     * interrupt vectors.  0, or -1 when out of memory.  NULL: nothing to
     * do. */
    int (*init)(vl_guest *g, const vl_guest_spec *spec);
    /* Frees what init allocated beyond the private state; called when init
     * was (also after a failed init), so the private state is there.
     * NULL: nothing. */
    void (*fini)(vl_guest *g);
    /* The ops it runs: the planner stops at such an op and calls run; one
     * module per kind.  `wakes`: it may wake tasks (the op_begin / op_end
     * hooks bracket it). */
    vl_gop ops[VL_OP_KINDS];
    /* Hooks; any may be NULL.  Each is called for every module that has
     * it, in list order. */
    /* v's handler work reached 0: what the handler did takes effect;
     * returns more handler work (0: none) and where it runs (*rip).
     * Called only while the module marks v with vl_gmod_due. */
    vl_ns (*handled)(vl_guest *g, int v, vl_ns now, uint64_t *rip);
    /* v's handler work is done and no more follows (while marked due). */
    void (*irq_done)(vl_guest *g, int v, vl_ns now);
    /* v has nothing to run: work it runs instead (0: none; the first
     * module with work wins). */
    vl_ns (*idle)(vl_guest *g, int v, vl_ns now, uint64_t *rip);
    /* The scheduler woke a task from vCPU `from` onto `to` (wakelist:
     * through `to`'s wake list, taking no lock of `to`'s; kicked: it sent
     * `to` an IPI). */
    void (*woke)(vl_guest *g, int from, int to, bool wakelist, bool kicked);
    /* v switches to task t (it was picked to run). */
    void (*switch_in)(vl_guest *g, int v, vl_task *t);
    /* The scheduler tick of v, whose current task is t, ran (after the
     * balancer's periodic balance, if one was due); only at the ticks the
     * scheduler stops v's plans for (guest/gsched.c, "Speed"). */
    void (*tick)(vl_guest *g, int v, vl_task *t);
    /* Around an op whose `wakes` is set: t, still v's current task after
     * it (NULL if it blocked or ended). */
    void (*op_begin)(vl_guest *g, int v);
    void (*op_end)(vl_guest *g, int v, vl_task *t);
    /* t, which ran on v, ended its program (it has left the CPU). */
    void (*task_exit)(vl_guest *g, int v, vl_task *t, vl_ns now);
    /* vCPU hotplug steps (run by the hotplug module, like Linux's
     * cpuhp states): v's offline handler ran (cpu_down), v is about to
     * stop (cpu_dying). */
    void (*cpu_down)(vl_guest *g, int v, vl_ns now);
    void (*cpu_dying)(vl_guest *g, int v, vl_ns now);
    /* v is leaving (hotplug state LEAVING) and has no handler work: moves
     * its tasks off and stops it; true if v went offline.  One module. */
    bool (*leave)(vl_guest *g, int v, vl_ns now);
    /* The scheduler's load balancer (one module; without one, no task
     * moves between vCPUs but by wake-up placement): v is about to go idle
     * and pulls a waiting task (true if it did); the tick of busy v at
     * `at` runs the periodic balance if due (the number of tasks pulled);
     * the balancer keeps each vCPU's next_balance, which fell behind
     * g->waiting_since while no task waited: catch_up brings it forward. */
    bool (*idle_pull)(vl_guest *g, int v, vl_ns now);
    int (*balance_tick)(vl_guest *g, int v, vl_ns at);
    void (*balance_catch_up)(vl_guest *g, int v);
    /* Its entries of the guest port (hv/guest_port.h: net_rx, blk_done,
     * hotplug); the others are the core's. */
    vl_guest_port port;
} vl_gmod;

/* Every module's descriptor (defined in its own file). */
#define VL_GMOD_DECLARE(name) extern const vl_gmod vl_gmod_##name;
VL_GUEST_MODULES(VL_GMOD_DECLARE)
#undef VL_GMOD_DECLARE

_Static_assert(VL_GMODS <= 32, "vl_gvcpu.due has a bit per module");

/* Module `id` has (due) or no longer has something for its `handled` /
 * `irq_done` hooks to do on v: the core calls them on v only while it is
 * marked, as Linux runs only the softirqs marked pending (kernel/softirq.c,
 * __do_softirq).  A module marks v whenever it leaves state those hooks
 * act on (a running poll round, completions taken, calls being served)
 * and clears the mark when that state is gone. */
static inline void vl_gmod_due(vl_guest *g, int v, int id, bool due)
{
    if (due)
        g->vcpus[v].due |= 1u << id;
    else
        g->vcpus[v].due &= ~(1u << id);
}

/* vCPU v's entry of module `id`'s per-vCPU private state. */
static inline void *vl_gmod_vcpu(const vl_guest *g, int id, size_t vcpu_size, int v)
{
    return (char *)g->vcpu_priv[id] + (size_t)v * vcpu_size;
}

/* Task t's part of module `id`'s per-task private state. */
static inline void *vl_gmod_task(const vl_guest *g, int id, const vl_task *t)
{
    return (char *)t->priv + g->task_priv_off[id];
}

/* The handler of `vector` on this guest (one per vector; a later
 * registration replaces an earlier one).  Unregistered vectors are
 * ignored. */
static inline void vl_guest_vector(vl_guest *g, int vector, vl_vector_fn fn)
{
    g->vectors.fn[vl_guest_vector_slot(g, vector)] = fn;
}

#endif
