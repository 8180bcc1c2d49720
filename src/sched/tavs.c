/* sched/tavs.c - task-aware VM scheduling (Kim, Lim, Jeong, Jo, Lee, VEE
 * 2009) on Xen's Credit: the `tavs` policy, Credit (credit.c, Xen 3.2's
 * rules by default, as TAVS was built on Xen 3.2.1) plus partial boosting,
 * through Credit's extension points (credit_priv.h) and its own cr3_switch,
 * io_event, vcpu_wake and vcpu_block hooks (docs/policies/tavs.md).
 *
 * It sees only what a hypervisor sees: page-table root loads (CR3 exits,
 * host.cr3_exiting), block kicks with the submitter's CR3, block
 * completions, receive interrupts with the packet's protocol and port, and
 * the vCPUs' halts and wake-ups.  Which guest task is really I/O-bound is
 * never known here: partial boosts are marked with vl_vcpu_note_boost and
 * the core scores them for the reports (hit ratio, false positives).
 *
 * Task inference.  A task is its CR3, in a bounded per-VM table (the least
 * recently I/O-active task is evicted when a new one needs a slot).  A *run*
 * of a task on a vCPU lasts from the CR3 load (or the vCPU's wake-up: the
 * guest's idle loop keeps the last address space, so a task resumed after
 * a halt loads nothing) to the next CR3 load or halt, measured in the
 * vCPU's running time.  A run that began as the first after an I/O event
 * delivered to the vCPU and is shorter than io_threshold is positive
 * evidence (belief += pos_weight); a run of io_threshold or more is
 * negative evidence (belief -= neg_weight); any other run is ambiguous.
 * Belief stays within [bel_min, bel_max]; above bel_threshold the task is
 * believed I/O-bound.  A run begun by a wake-up and ended by a CR3 load
 * (the interrupt handler in the old address space, then the woken task)
 * gives no evidence and leaves the event to the next run.
 *
 * Correlation.  Block: a request is for an I/O-bound task if one of the
 * last block_window tasks that ran on the kicking vCPU is believed
 * I/O-bound; the backend completes a VM's requests in order, so the
 * predictions wait in a FIFO for their completions.  Network: per VM and
 * (protocol, port) an N-bit saturating counter, moved up or down by the
 * belief of the task of the first run after a receive interrupt; a packet
 * is for an I/O-bound task when its counter's top bit is set.  With `none`
 * every event counts as one for an I/O-bound task.
 *
 * Partial boosting.  An event predicted for an I/O-bound task of a VM whose
 * vCPU is queued (runnable, not running) raises that vCPU to BOOST
 * (csched_raise) unless the VM's boosted CPU time already reaches pb_ratio
 * of its CPU time.  The boost lasts until the vCPU loads the CR3 of a task
 * not believed I/O-bound, halts, or a Credit tick finds it running (Credit's
 * own end of a boost); then it gets back the priority it had.  Run time
 * while boosted is debited as always.
 *
 * Invariants
 *   - tavs_vcpu.partial iff the vCPU was raised by csched_raise and not yet
 *     lowered; saved_pri is then UNDER or OVER;
 *   - a VM's block predictions: known + unknown = requests kicked and not
 *     yet completed, the unknown ones (past TAVS_BLK_FIFO) the newest;
 *   - tavs_vcpu.track.recent[0] is the CR3 the vCPU runs (0: none seen yet).
 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "credit_priv.h"
#include "tavs_track.h"
#include "vl_oom.h"

#define TAVS_BLK_FIFO 256    /* block predictions remembered per VM      */
#define TAVS_PORTS 65536
#define TAVS_PROTOS 2        /* TCP, UDP                                 */

/* Counters after Credit's. */
enum {
    TAVS_C_PARTIAL_BOOSTS = CSCHED_NR_COUNTERS, /* a queued vCPU was raised    */
    TAVS_C_REVOCATIONS,   /* a CR3 load of a task not believed I/O-bound       */
    TAVS_C_BOOST_ENDS,    /* a halt or a tick ended a partial boost            */
    TAVS_C_CAPPED,        /* a predicted event found the VM at its pb_ratio    */
    TAVS_C_POSITIVE,      /* runs giving positive evidence                     */
    TAVS_C_NEGATIVE,      /* runs giving negative evidence                     */
    TAVS_C_AMBIGUOUS,     /* runs giving none                                  */
    TAVS_C_EVICTIONS,     /* a task left a full table                          */
    TAVS_C_BLK_REQUESTS,  /* block kicks                                       */
    TAVS_C_BLK_PREDICTED, /* block completions predicted for an I/O-bound task */
    TAVS_C_RX_IRQS,       /* receive interrupts                                */
    TAVS_C_RX_PREDICTED,  /* receive interrupts predicted likewise             */
};
static const char *const tavs_counter_names[] = {
    CSCHED_COUNTER_NAMES,
    [TAVS_C_PARTIAL_BOOSTS] = "partial_boosts",
    [TAVS_C_REVOCATIONS] = "revocations",
    [TAVS_C_BOOST_ENDS] = "boost_ends",
    [TAVS_C_CAPPED] = "pb_capped",
    [TAVS_C_POSITIVE] = "positive_evidence",
    [TAVS_C_NEGATIVE] = "negative_evidence",
    [TAVS_C_AMBIGUOUS] = "ambiguous_runs",
    [TAVS_C_EVICTIONS] = "task_evictions",
    [TAVS_C_BLK_REQUESTS] = "blk_requests",
    [TAVS_C_BLK_PREDICTED] = "blk_predicted",
    [TAVS_C_RX_IRQS] = "rx_irqs",
    [TAVS_C_RX_PREDICTED] = "rx_predicted",
    NULL,
};

typedef struct tavs_priv {
    csched_priv credit;
    tavs_belief_params belief;
    int block_window;        /* 0: no correlation, else N               */
    int portmap;             /* index into tavs_portmap_bits            */
    double pb_ratio;
} tavs_priv;

typedef struct tavs_pcpu {
    csched_pcpu credit;
} tavs_pcpu;

typedef struct tavs_vm {
    csched_vm credit;
    tavs_table table;
    uint8_t *portmap;        /* counters packed, allocated at the first
                              * receive interrupt; NULL before          */
    uint64_t blk_fifo[TAVS_BLK_FIFO / 64]; /* predictions, oldest at blk_head */
    int blk_head, blk_known, blk_unknown;
    vl_ns boosted;           /* CPU time run while partially boosted     */
} tavs_vm;

typedef struct tavs_vcpu {
    csched_vcpu credit;
    tavs_track track;
    int port_pending;        /* portmap index to update, or -1           */
    bool partial;            /* partially boosted                         */
    int saved_pri;           /* the priority before the boost             */
    vl_ns boost_start;       /* the vCPU's running time at the boost      */
} tavs_vcpu;

CSCHED_FIRST(tavs_priv, tavs_pcpu, tavs_vm, tavs_vcpu);

static tavs_priv *tpriv(vl_sched *s) { return vl_sched_priv(s); }
static tavs_vm *tvm(vl_vm *d) { return vl_vm_priv(d); }
static tavs_vcpu *tvc(vl_vcpu *v) { return vl_vcpu_priv(v); }

static const char *const tavs_windows[] = {"none", "1", "2", "3", "4", "5", "6", "7", "8", NULL};
static const char *const tavs_portmaps[] = {"none", "1", "2", "4", NULL};
static const int tavs_portmap_bits[] = {0, 1, 2, 4};

static vl_ns cpu_time(const vl_vcpu *v) { return vl_vcpu_runstate_time(v, VL_RUNNING); }

/* ------------------------------------------------------------ task table */

static const tavs_belief_params *bparams(vl_sched *s) { return &tpriv(s)->belief; }

static tavs_task *task_get(vl_sched *s, tavs_vm *tv, uint64_t cr3, vl_ns now)
{
    bool evicted;
    tavs_task *t = tavs_task_get(bparams(s), &tv->table, cr3, now, &evicted);
    if (evicted)
        vl_counter_add(s, TAVS_C_EVICTIONS, 1);
    return t;
}

static bool cr3_believed(vl_sched *s, vl_vcpu *v, uint64_t cr3)
{
    tavs_vm *tv = tvm(vl_vcpu_vm(v));
    return cr3 && tavs_believed(bparams(s), tavs_task_find(bparams(s), &tv->table, cr3));
}

/* --------------------------------------------------------------- portmap */

static int portmap_bits(vl_sched *s) { return tavs_portmap_bits[tpriv(s)->portmap]; }

/* Bytes of one VM's portmap: N bits x 65,536 ports x 2 protocols. */
static size_t portmap_bytes(int bits) { return (size_t)bits * TAVS_PORTS * TAVS_PROTOS / 8; }

/* The counter index of (proto, port), or -1 for other protocols. */
static int port_index(int proto, int port)
{
    int p = proto == 6 ? 0 : proto == 17 ? 1 : -1;
    return p < 0 || port < 0 || port >= TAVS_PORTS ? -1 : p * TAVS_PORTS + port;
}

static unsigned counter_get(const uint8_t *map, int bits, int i)
{
    int bit = i * bits;
    return (map[bit / 8] >> (bit % 8)) & ((1u << bits) - 1);
}

static void counter_set(uint8_t *map, int bits, int i, unsigned val)
{
    int bit = i * bits;
    unsigned mask = ((1u << bits) - 1) << (bit % 8);
    map[bit / 8] = (uint8_t)((map[bit / 8] & ~mask) | (val << (bit % 8)));
}

/* The first run after a receive interrupt was task t's: move the port's
 * counter towards t's class, saturating. */
static void portmap_learn(vl_sched *s, tavs_vm *tv, int index, bool io_bound)
{
    int bits = portmap_bits(s);
    if (!bits || !tv->portmap)
        return;
    unsigned c = counter_get(tv->portmap, bits, index), top = (1u << bits) - 1;
    if (io_bound && c < top)
        counter_set(tv->portmap, bits, index, c + 1);
    else if (!io_bound && c > 0)
        counter_set(tv->portmap, bits, index, c - 1);
}

static bool portmap_predict(vl_sched *s, tavs_vm *tv, int index)
{
    int bits = portmap_bits(s);
    if (!bits)
        return true; /* no correlation: every packet */
    if (index < 0)
        return false;
    if (!tv->portmap) {
        tv->portmap = calloc(portmap_bytes(bits), 1);
        if (!tv->portmap)
            vl_out_of_memory("a tavs portmap");
    }
    return counter_get(tv->portmap, bits, index) >> (bits - 1);
}

/* ------------------------------------------------------ block predictions */

static void blk_push(tavs_vm *tv, bool io_bound)
{
    if (tv->blk_unknown || tv->blk_known == TAVS_BLK_FIFO) {
        tv->blk_unknown++;
        return;
    }
    int i = (tv->blk_head + tv->blk_known++) % TAVS_BLK_FIFO;
    if (io_bound)
        tv->blk_fifo[i / 64] |= 1ull << (i % 64);
    else
        tv->blk_fifo[i / 64] &= ~(1ull << (i % 64));
}

static bool blk_pop(tavs_vm *tv)
{
    if (!tv->blk_known) {
        if (tv->blk_unknown)
            tv->blk_unknown--;
        return false;
    }
    int i = tv->blk_head;
    tv->blk_head = (i + 1) % TAVS_BLK_FIFO;
    tv->blk_known--;
    return (tv->blk_fifo[i / 64] >> (i % 64)) & 1;
}

/* A block request kicked on v: is one of the last block_window tasks that
 * ran there believed I/O-bound?  (No correlation: every request is.) */
static bool blk_window_predict(vl_sched *s, vl_vcpu *v)
{
    int n = tpriv(s)->block_window;
    if (!n)
        return true;
    for (int i = 0; i < n; i++) {
        if (cr3_believed(s, v, tvc(v)->track.recent[i]))
            return true;
    }
    return false;
}

/* ------------------------------------------------------ partial boosting */

/* v's partial boost ends: the boosted run time counts against pb_ratio;
 * with `lower`, v gets its priority back now. */
static void boost_end(vl_sched *s, vl_vcpu *v, bool lower)
{
    tavs_vcpu *tc = tvc(v);
    if (!tc->partial)
        return;
    tc->partial = false;
    vl_vcpu_note_boost(v, false);
    tvm(vl_vcpu_vm(v))->boosted += cpu_time(v) - tc->boost_start;
    if (lower)
        csched_lower(s, v, tc->saved_pri);
}

/* The VM's boosted CPU time is below pb_ratio of its CPU time. */
static bool under_ratio(vl_sched *s, vl_vm *d)
{
    double ratio = tpriv(s)->pb_ratio;
    if (ratio <= 0)
        return false;
    vl_ns total = 0;
    for (int i = 0; i < vl_vm_nvcpus(d); i++)
        total += cpu_time(vl_vm_vcpu(d, i));
    return total == 0 || (double)tvm(d)->boosted < ratio * (double)total;
}

/* An event predicted for an I/O-bound task reached v. */
static void partial_boost(vl_sched *s, vl_vcpu *v)
{
    tavs_vcpu *tc = tvc(v);
    if (vl_vcpu_runstate(v) != VL_RUNNABLE || tc->partial)
        return; /* halted: Credit boosts a waking vCPU; running: no need */
    if (!under_ratio(s, vl_vcpu_vm(v))) {
        vl_counter_add(s, TAVS_C_CAPPED, 1);
        return;
    }
    int was = csched_raise(s, v);
    if (was == CSCHED_PRI_IDLE)
        return; /* not queued (parked, or BOOST already) */
    tc->partial = true;
    tc->saved_pri = was;
    tc->boost_start = cpu_time(v);
    vl_vcpu_note_boost(v, true); /* scored by the core against the truth */
    vl_counter_add(s, TAVS_C_PARTIAL_BOOSTS, 1);
}

/* csched_ext.boost_ends: a tick found v running BOOSTed. */
static int tavs_boost_ends(vl_sched *s, vl_vcpu *v)
{
    tavs_vcpu *tc = tvc(v);
    if (!tc->partial)
        return CSCHED_PRI_UNDER;
    vl_counter_add(s, TAVS_C_BOOST_ENDS, 1);
    boost_end(s, v, false);
    return tc->saved_pri;
}

/* ------------------------------------------------------------------ runs */

static const int tavs_evidence_counter[] = {
    [TAVS_EV_POSITIVE] = TAVS_C_POSITIVE,
    [TAVS_EV_NEGATIVE] = TAVS_C_NEGATIVE,
    [TAVS_EV_AMBIGUOUS] = TAVS_C_AMBIGUOUS,
};

/* v's current run ends (a CR3 load, or a halt with `halted`): its task's
 * belief moves (a new value goes to the reports' "belief" series), and
 * the first run after a receive interrupt teaches the portmap. */
static void run_end(vl_sched *s, vl_vcpu *v, bool halted, vl_ns now)
{
    tavs_vcpu *tc = tvc(v);
    tavs_vm *tv = tvm(vl_vcpu_vm(v));
    bool after_event = tc->track.run_after_event;
    uint64_t cr3 = tc->track.recent[0];
    const tavs_task *before = cr3 ? tavs_task_find(bparams(s), &tv->table, cr3) : NULL;
    int64_t was = before ? before->belief : 0;
    tavs_task *t;
    tavs_evidence ev = tavs_run_end(bparams(s), &tv->table, &tc->track, halted, cpu_time(v), now, &t);
    if (ev == TAVS_EV_NONE)
        return;
    vl_counter_add(s, tavs_evidence_counter[ev], 1);
    if (t && (t != before || t->belief != was))
        vl_sched_series(s, vl_vcpu_vm(v), "belief", t->cr3, (double)t->belief);
    if (t && after_event && tc->port_pending >= 0) {
        portmap_learn(s, tv, tc->port_pending, tavs_believed(bparams(s), t));
        tc->port_pending = -1;
    }
}

/* ----------------------------------------------------------------- hooks */

static void tavs_cr3_switch(vl_sched *s, vl_vcpu *v, uint64_t cr3)
{
    vl_ns now = vl_now(s);
    tavs_vcpu *tc = tvc(v);
    run_end(s, v, false, now);
    task_get(s, tvm(vl_vcpu_vm(v)), cr3, now);
    tavs_track_cr3(&tc->track, cr3, cpu_time(v));
    if (tc->partial && !cr3_believed(s, v, cr3)) {
        vl_counter_add(s, TAVS_C_REVOCATIONS, 1);
        boost_end(s, v, true);
    }
}

static void tavs_vcpu_block(vl_sched *s, vl_vcpu *v, vl_block_reason why)
{
    (void)why;
    run_end(s, v, true, vl_now(s));
    if (tvc(v)->partial) {
        vl_counter_add(s, TAVS_C_BOOST_ENDS, 1);
        boost_end(s, v, true);
    }
}

static void tavs_vcpu_wake(vl_sched *s, vl_vcpu *v, vl_wake_reason why, int vector)
{
    csched_op_vcpu_wake(s, v, why, vector);
    tavs_track_wake(&tvc(v)->track, cpu_time(v));
}

static void tavs_io_event(vl_sched *s, vl_vcpu *v, const vl_io_info *info)
{
    tavs_vm *tv = tvm(vl_vcpu_vm(v));
    tavs_vcpu *tc = tvc(v);
    switch (info->kind) {
    case VL_IO_KICK:
        if (info->cr3)
            task_get(s, tv, info->cr3, vl_now(s))->last_io = vl_now(s);
        if (info->device == VL_DEV_BLK) {
            vl_counter_add(s, TAVS_C_BLK_REQUESTS, 1);
            blk_push(tv, blk_window_predict(s, v));
        }
        return;
    case VL_IO_COMPLETION:
        tavs_track_event(&tc->track);
        if (blk_pop(tv)) {
            vl_counter_add(s, TAVS_C_BLK_PREDICTED, 1);
            partial_boost(s, v);
        }
        return;
    case VL_IO_RX_IRQ: {
        int index = port_index(info->proto, info->port);
        vl_counter_add(s, TAVS_C_RX_IRQS, 1);
        tavs_track_event(&tc->track);
        tc->port_pending = index;
        if (portmap_predict(s, tv, index)) {
            vl_counter_add(s, TAVS_C_RX_PREDICTED, 1);
            partial_boost(s, v);
        }
        return;
    }
    case VL_IO_PACKET:
        return; /* acted on when its interrupt is raised */
    }
}

static const csched_ext tavs_rules = {.boost_ends = tavs_boost_ends};

static int tavs_check(const void *params, vl_param_scope scope, vl_param_fault *fault)
{
    const tavs_priv *tp = params;
    if (csched_op_check(params, scope, fault) < 0)
        return -1;
    if (scope != VL_PARAMS_HOST)
        return 0;
    const tavs_belief_params *bp = &tp->belief;
    if (bp->bel_min > bp->bel_threshold || bp->bel_threshold >= bp->bel_max) {
        fault->param = "bel_threshold";
        snprintf(fault->msg, sizeof fault->msg, "must be in [bel_min, bel_max)");
        return -1;
    }
    return 0;
}

static int tavs_init(vl_sched *s)
{
    for (int i = 0; i < vl_nvms(s); i++) {
        tavs_vm *tv = tvm(vl_vm_get(s, i));
        memset(&tv->table, 0, sizeof tv->table);
        tv->portmap = NULL;
        tv->blk_head = tv->blk_known = tv->blk_unknown = 0;
        tv->boosted = 0;
    }
    for (int i = 0; i < vl_nvcpus_total(s); i++)
        tvc(vl_vcpu_get(s, i))->port_pending = -1;
    return csched_init_ext(s, &tavs_rules);
}

static void tavs_fini(vl_sched *s)
{
    for (int i = 0; i < vl_nvms(s); i++) {
        tavs_vm *tv = tvm(vl_vm_get(s, i));
        free(tv->portmap);
        tv->portmap = NULL;
    }
}

static const vl_param tavs_params[] = {
    CSCHED_PARAM_ENTRIES(CSCHED_XEN_3_2)
    {"io_threshold", VL_PARAM_TIME, offsetof(tavs_priv, belief.io_threshold), VL_US(500), VL_US(1),
     VL_MS(100), "ns", "a run shorter than this after an event is positive evidence, one as long "
     "or longer negative (the paper's IOthreshold, 0.5 ms)", NULL},
    {"pos_weight", VL_PARAM_INT, offsetof(tavs_priv, belief.pos_weight), 10, 1, 1000, "",
     "belief added by positive evidence (chosen: a server answering every 0.1-1 s is believed "
     "after 4 answers, within seconds)", NULL},
    {"neg_weight", VL_PARAM_INT, offsetof(tavs_priv, belief.neg_weight), 20, 1, 1000, "",
     "belief taken by negative evidence (the paper weighs it more: twice pos_weight)", NULL},
    {"bel_threshold", VL_PARAM_INT, offsetof(tavs_priv, belief.bel_threshold), 30, -1000, 1000, "",
     "a task whose belief exceeds this is believed I/O-bound (chosen with the weights)", NULL},
    {"bel_min", VL_PARAM_INT, offsetof(tavs_priv, belief.bel_min), -100, -100000, 0, "",
     "lowest belief (the published curves reach about -100)", NULL},
    {"bel_max", VL_PARAM_INT, offsetof(tavs_priv, belief.bel_max), 300, 1, 100000, "",
     "highest belief (the published curves reach about 300)", NULL},
    {"task_slots", VL_PARAM_INT, offsetof(tavs_priv, belief.task_slots), 32, 1, TAVS_MAX_TASKS, "tasks",
     "size of each VM's task table; the task with the oldest I/O is evicted (chosen: a "
     "desktop's active processes)", NULL},
    {"block_window", VL_PARAM_ENUM, offsetof(tavs_priv, block_window), 1, 0, 0, "",
     "block correlation: the last N tasks on the kicking vCPU, or none (every completion "
     "boosts); 1: the model's guest kicks from the reading task itself", tavs_windows},
    {"portmap", VL_PARAM_ENUM, offsetof(tavs_priv, portmap), 2, 0, 0, "",
     "network correlation: bits per (protocol, port) counter, or none (every receive interrupt "
     "boosts); 2 bits = 32 KB per VM, the paper's example", tavs_portmaps},
    {"pb_ratio", VL_PARAM_DOUBLE, offsetof(tavs_priv, pb_ratio), 0.5, 0, 1, "",
     "most CPU time a VM may run partially boosted, as a fraction of its CPU time (the paper's "
     "PBratio, evaluated 0-0.5; 0 turns partial boosting off)", NULL},
    VL_PARAM_END,
};

static const vl_sched_ops tavs_ops = {
    .name = "tavs",
    .description =
        "Task-aware VM scheduling on Xen's Credit (Xen 3.2 rules by default): guest tasks known "
        "by their CR3 (needs host.cr3_exiting), I/O-bound ones inferred from short runs after "
        "I/O events, block completions and received packets correlated with them (inspection "
        "window, per-port counters), and the vCPU of a runnable VM boosted only while such a "
        "task runs (partial boosting, capped by pb_ratio).",
    .params = tavs_params,
    .counters = tavs_counter_names,
    .flags = CSCHED_FAMILY_FLAGS | VL_POLICY_WANTS_CR3_EXITS,
    CSCHED_FAMILY_OPS(tavs_priv, tavs_pcpu, tavs_vm, tavs_vcpu),
    .check = tavs_check,
    .init = tavs_init,
    .fini = tavs_fini,
    .vcpu_wake = tavs_vcpu_wake,
    .vcpu_block = tavs_vcpu_block,
    .cr3_switch = tavs_cr3_switch,
    .io_event = tavs_io_event,
};
VL_REGISTER_POLICY(tavs_ops);
