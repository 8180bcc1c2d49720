/* sched/quest.c - the VCPU scheduler of the Quest operating system
 * (Danish, Li and West, "Virtual-CPU Scheduling in the Quest Operating
 * System", RTAS 2011; Quest's kernel/sched/vcpu.c), with the guests' vCPUs
 * as Main VCPUs and the host's I/O backends as I/O VCPUs.  Facts and
 * sources: docs/policies/quest.md.
 *
 * Design
 *   Every vCPU is bound to one pCPU (quest_admit.c) and each pCPU
 *   schedules its own vCPUs.  A Main VCPU is a sporadic server (C, T)
 *   (per-vCPU `budget`, `period`; quest_ss.c); an I/O VCPU is a PIBS with
 *   utilisation U (the served VM's io_utilisation, else the host's) whose
 *   period is inherited from the Main VCPU whose I/O it serves
 *   (quest_pibs.c), or with io_server: sporadic a sporadic
 *   server of U x io_period every io_period.  A pCPU runs, among its
 *   runnable vCPUs with budget, the one of smallest T (rate-monotonic),
 *   the first in wake order among equals; a vCPU without budget waits for
 *   its replenishment (parked), unless background execution is on, when a
 *   Main VCPU without budget may run while no vCPU has budget, charged
 *   nothing.  The slice ends at the chosen vCPU's budget or at the next
 *   replenishment of a vCPU of its priority or higher, and lasts at most
 *   `quantum` (vcpu_schedule's LAPIC timer).  A vCPU that is preempted
 *   goes to the tail of its pCPU's queue (its wake-up re-queues it).
 *   Which VM caused an I/O VCPU's work is what the hypervisor sees: the
 *   backend serves one VM (vl_vcpu_backend_of), its NIC, its disk or both
 *   (vl_vcpu_backend_serves: the VM's io_backends), and io_event names
 *   the device and the vCPU of that VM that kicked it, took the packet's
 *   interrupt or gets the completion; the device's backend inherits that
 *   vCPU's T if it is shorter than its own or the backend is idle
 *   (iovcpu_job_wakeup).  Each I/O VCPU is a server of its own with U:
 *   two per-device backends have a budget each, a shared one a single
 *   budget for both devices.
 *
 * Invariants
 *   - a vCPU is on its home pCPU's queue iff it is RUNNABLE and not
 *     current on that pCPU; it only ever runs on its home pCPU;
 *   - a queued vCPU is parked iff it has no budget and may not run in
 *     the background;
 *   - q->b is the budget the server may use from now (refreshed from the
 *     replenishments before every decision).
 */
#include <stdio.h>

#include "quest_priv.h"

#define QUEST_TIMER_SLOT 0 /* pCPU timer: an idle pCPU's next replenishment */

static const char *const quest_counters[] = {
    "decisions",          "replenishments", "splits", "full_list_merges",
    "pibs_replenishments", "inheritances",  "background_slices", NULL};

static const char *const admission_choices[] = {"enforce", "warn", "off", NULL};
static const char *const io_server_choices[] = {"pibs", "sporadic", NULL};

static const vl_param quest_params[] = {
    {"admission", VL_PARAM_ENUM, offsetof(quest_priv, admission), QUEST_ADMIT_ENFORCE, 0, 0,
     NULL,
     "pCPUs whose Main VCPUs exceed the rate-monotonic bound n(2^(1/n)-1): refuse the run, "
     "warn, or accept (Liu and Layland 1973; Quest itself checks nothing)",
     admission_choices},
    {"background", VL_PARAM_BOOL, offsetof(quest_priv, background), 0, 0, 0, NULL,
     "a Main VCPU without budget runs when no vCPU of its pCPU has budget (off: Quest's "
     "vcpu_schedule picks only VCPUs with budget)",
     NULL},
    {"io_server", VL_PARAM_ENUM, offsetof(quest_priv, io_server), QUEST_IO_SERVER_PIBS, 0, 0,
     NULL,
     "I/O VCPUs as PIBS (priority inheritance, e += used / U) or as plain sporadic servers "
     "(Quest's SPORADIC_IO build option)",
     io_server_choices},
    {"io_utilisation", VL_PARAM_DOUBLE, offsetof(quest_priv, io_utilisation), 0.10, 1e-6, 1.0,
     NULL,
     "U of each I/O VCPU whose VM sets none (Quest's default I/O VCPUs are C=1, T=10: 10%, "
     "as the paper's block-device experiment)",
     NULL},
    {"io_period", VL_PARAM_TIME, offsetof(quest_priv, io_period), VL_MS(10), VL_US(10),
     VL_S(1000), "ns",
     "an I/O VCPU's own T: its priority until it inherits one, and its period under "
     "io_server: sporadic (Quest's I/O VCPUs: T = 10 ms)",
     NULL},
    {"quantum", VL_PARAM_TIME, offsetof(quest_priv, quantum), VL_MS(1), VL_US(10), VL_S(1), "ns",
     "longest slice: the scheduler runs at least this often on a busy pCPU (Quest's "
     "QUANTUM_HZ 1000 caps the LAPIC timer at 1 ms)",
     NULL},
    VL_PARAM_END,
};

static const vl_param quest_vm_params[] = {
    {"io_utilisation", VL_PARAM_DOUBLE, offsetof(quest_vm, io_utilisation), 0, 0, 1.0, NULL,
     "U of each I/O VCPU serving this VM's devices (both of them with io_backends: "
     "per-device, as Quest configures each I/O VCPU); 0: the host's io_utilisation",
     NULL},
    VL_PARAM_END,
};

static const vl_param quest_vcpu_params[] = {
    {"budget", VL_PARAM_TIME, offsetof(quest_vcpu, budget), VL_MS(20), VL_US(10), VL_S(1000),
     "ns", "C: the Main VCPU's CPU time per period (Quest's default Main VCPUs: C = 20 ms)",
     NULL},
    {"period", VL_PARAM_TIME, offsetof(quest_vcpu, period), VL_MS(100), VL_US(10), VL_S(1000),
     "ns",
     "T: replenishment period and rate-monotonic priority, shorter first (Quest's default "
     "Main VCPUs: T = 100 ms)",
     NULL},
    VL_PARAM_END,
};

static quest_pcpu *home_of(vl_sched *s, const quest_vcpu *q)
{
    return vl_pcpu_priv(vl_pcpu_get(s, q->home));
}
static quest_vcpu *link_elem(vl_list *l) { return vl_container_of(l, quest_vcpu, link); }

static bool is_ss(const quest_vcpu *q) { return q->kind != QUEST_IO_PIBS; }

/* Budget available now, from the replenishments due (update_replenishments). */
static void refresh(vl_sched *s, quest_vcpu *q, vl_ns now)
{
    if (is_ss(q)) {
        vl_ns cap = quest_ss_capacity(&q->ss, now);
        q->b = cap > 0 ? cap : 0;
    } else {
        quest_pibs_refresh(s, q, now);
    }
}

/* The next replenishment of q after now, or 0 (next_event). */
static vl_ns next_event(const quest_vcpu *q, vl_ns now)
{
    if (is_ss(q))
        return quest_ss_next_event(&q->ss, now);
    return q->pibs.r_pending && q->pibs.r_t > now ? q->pibs.r_t : 0;
}

static bool may_background(vl_sched *s, const quest_vcpu *q)
{
    return quest_p(s)->background && q->kind == QUEST_MAIN;
}

/* q, queued, is held back iff it has no budget and no background. */
static void set_parked(vl_sched *s, quest_vcpu *q)
{
    vl_vcpu_set_parked(q->v, q->b == 0 && !may_background(s, q));
}

/* q goes before the current vCPU of its pCPU: it has budget and a shorter
 * T, or the current one runs in the background (vcpu_wakeup's test). */
static void preempt_if_better(vl_sched *s, quest_vcpu *q)
{
    vl_pcpu *p = vl_pcpu_get(s, q->home);
    vl_vcpu *curr = vl_pcpu_curr(p);
    if (!curr) {
        vl_tickle(p); /* idle: decide now, or arm the replenishment timer */
        return;
    }
    const quest_vcpu *c = quest_v(curr);
    if (q->b > 0 && (c->in_background || c->T > q->T))
        vl_tickle(p);
}

/* The end of curr's slice: charge what it ran on budget. */
static void end_slice(vl_sched *s, quest_vcpu *q, vl_ns now)
{
    bool blocked = vl_vcpu_runstate(q->v) != VL_RUNNABLE;
    vl_ns ran = now - q->last_start;
    if (q->in_background)
        return;
    if (is_ss(q))
        quest_ss_end_slice(s, q, ran, blocked, now);
    else
        quest_pibs_end_slice(q, ran, blocked);
}

/* ------------------------------------------------------------------ hooks */

static int quest_check(const void *params, vl_param_scope scope, vl_param_fault *fault)
{
    const quest_vcpu *q = params;
    if (scope != VL_PARAMS_VCPU || q->budget <= q->period)
        return 0;
    fault->param = "budget";
    snprintf(fault->msg, sizeof fault->msg, "must not exceed the period (C/T above 1)");
    return -1;
}

/* Each I/O VCPU's U: its VM's io_utilisation, else the host's; and the
 * I/O VCPU of each device of each VM. */
static int quest_init(vl_sched *s)
{
    quest_priv *prv = quest_p(s);
    for (int c = 0; c < vl_npcpus(s); c++)
        vl_list_init(&((quest_pcpu *)vl_pcpu_priv(vl_pcpu_get(s, c)))->queue);
    for (int i = 0; i < vl_nvcpus_total(s); i++) {
        vl_vcpu *v = vl_vcpu_get(s, i);
        vl_vm *served = vl_vcpu_backend_of(v);
        if (!served)
            continue;
        quest_vm *d = vl_vm_priv(served);
        quest_vcpu *q = quest_v(v);
        q->U = d->io_utilisation > 0 ? d->io_utilisation : prv->io_utilisation;
        q->u_ppm = (int64_t)(q->U * 1e6 + 0.5);
        if (q->u_ppm < 1)
            q->u_ppm = 1;
        for (int dev = VL_DEV_NET; dev <= VL_DEV_BLK; dev++)
            if (vl_vcpu_backend_serves(v, (vl_io_device)dev))
                d->backend[dev] = q;
    }
    return quest_partition(s);
}

/* Main VCPUs start with one replenishment of C due now; I/O VCPUs with
 * their own T (vcpu_init). */
static void quest_vcpu_insert(vl_sched *s, vl_vcpu *v)
{
    quest_priv *prv = quest_p(s);
    quest_vcpu *q = quest_v(v);
    vl_ns now = vl_now(s);
    q->v = v;
    vl_list_init(&q->link);
    if (!vl_vm_is_host(vl_vcpu_vm(v))) {
        q->kind = QUEST_MAIN;
        q->C = q->budget;
        q->T = q->period;
    } else {
        q->kind = prv->io_server == QUEST_IO_SERVER_PIBS ? QUEST_IO_PIBS : QUEST_IO_SS;
        q->T = prv->io_period;
        q->C = quest_pibs_cmax(q, q->T);
    }
    if (is_ss(q)) {
        quest_ss_init(&q->ss, q->C, now);
        q->b = q->C;
    } else {
        quest_pibs_init(q);
    }
}

static vl_pcpu *quest_pick_cpu(vl_sched *s, vl_vcpu *v, vl_pick_reason why)
{
    (void)why;
    return vl_pcpu_get(s, quest_v(v)->home);
}

/* Joins its pCPU's queue (at the tail), and preempts if it goes first
 * (vcpu_wakeup, with the server's unblock rule). */
static void quest_vcpu_wake(vl_sched *s, vl_vcpu *v, vl_wake_reason why, int vector)
{
    (void)why, (void)vector;
    quest_vcpu *q = quest_v(v);
    vl_ns now = vl_now(s);
    if (is_ss(q))
        quest_ss_unblock(q, now);
    else
        quest_pibs_unblock(q, now);
    vl_list_push_back(&home_of(s, q)->queue, &q->link);
    refresh(s, q, now);
    set_parked(s, q);
    preempt_if_better(s, q);
}

/* The queued vCPU with budget and the smallest T (the first among
 * equals); else, with background on, the first Main VCPU of smallest T. */
static quest_vcpu *pick(vl_sched *s, quest_pcpu *qp, vl_ns now, bool *background)
{
    quest_vcpu *best = NULL, *bg = NULL;
    vl_list *pos;
    vl_list_for_each(pos, &qp->queue) {
        quest_vcpu *q = link_elem(pos);
        refresh(s, q, now);
        if (q->b > 0 && (!best || q->T < best->T))
            best = q;
        if (q->b == 0 && may_background(s, q) && (!bg || q->T < bg->T))
            bg = q;
    }
    *background = !best && bg;
    return best ? best : bg;
}

/* The slice: until next's budget runs out or the next replenishment of a
 * queued vCPU of next's priority or higher (of any, when next runs in the
 * background or the pCPU idles), at most the quantum; 0 when nothing is
 * due and nothing runs. */
static vl_ns slice_for(vl_sched *s, quest_pcpu *qp, const quest_vcpu *next, bool background,
                       vl_ns now)
{
    vl_ns t = next && !background ? next->b : 0;
    vl_list *pos;
    vl_list_for_each(pos, &qp->queue) {
        const quest_vcpu *q = link_elem(pos);
        if (next && !background && q->T > next->T)
            continue;
        vl_ns ev = next_event(q, now);
        if (ev && (t == 0 || ev - now < t))
            t = ev - now;
    }
    vl_ns quantum = quest_p(s)->quantum;
    return next && (t == 0 || t > quantum) ? quantum : t;
}

static vl_decision quest_do_schedule(vl_sched *s, vl_pcpu *p, vl_vcpu *prev, vl_ns now)
{
    quest_pcpu *qp = vl_pcpu_priv(p);
    vl_counter_add(s, QC_DECISIONS, 1);
    if (prev) {
        quest_vcpu *q = quest_v(prev);
        end_slice(s, q, now);
        q->in_background = false;
        if (vl_vcpu_runstate(prev) == VL_RUNNABLE)
            vl_list_push_back(&qp->queue, &q->link);
    }
    bool background;
    quest_vcpu *next = pick(s, qp, now, &background);
    if (next)
        vl_list_del(&next->link);
    vl_list *pos;
    vl_list_for_each(pos, &qp->queue) set_parked(s, link_elem(pos));
    vl_ns slice = slice_for(s, qp, next, background, now);
    vl_timer_cancel(s, p, QUEST_TIMER_SLOT);
    if (!next) {
        if (slice > 0 && slice > quest_p(s)->quantum)
            slice = quest_p(s)->quantum;
        if (slice > 0)
            vl_timer_arm(s, p, QUEST_TIMER_SLOT, now + slice);
        return (vl_decision){NULL, VL_SLICE_NONE};
    }
    vl_vcpu_set_parked(next->v, false);
    next->last_start = now;
    next->in_background = background;
    if (background)
        vl_counter_add(s, QC_BACKGROUND, 1);
    return (vl_decision){next->v, slice};
}

/* An idle pCPU's replenishment came: decide again. */
static void quest_timer_fired(vl_sched *s, vl_pcpu *p, int slot, vl_ns now)
{
    (void)s, (void)slot, (void)now;
    vl_tickle(p);
}

/* The VM of v caused work for the backend of info's device: the backend
 * takes v's T if it is shorter or the backend is idle (iovcpu_job_wakeup);
 * a queued backend that now goes first preempts. */
static void quest_io_event(vl_sched *s, vl_vcpu *v, const vl_io_info *info)
{
    quest_vm *d = vl_vm_priv(vl_vcpu_vm(v));
    quest_vcpu *bk = d->backend[info->device];
    if (!bk || bk->kind != QUEST_IO_PIBS)
        return;
    vl_ns T = quest_v(v)->T;
    vl_runstate rs = vl_vcpu_runstate(bk->v);
    bool idle = rs != VL_RUNNING && rs != VL_RUNNABLE;
    if (T == bk->T || (T > bk->T && !idle))
        return;
    bk->T = T;
    vl_counter_add(s, QC_INHERIT, 1);
    if (vl_list_linked(&bk->link))
        preempt_if_better(s, bk);
}

static void dump_vcpu(FILE *out, const char *what, const quest_vcpu *q)
{
    static const char *const kinds[] = {"main", "io-pibs", "io-ss"};
    fprintf(out, "  %s %s.v%d (%s): T %lld, b %lld", what, vl_vm_name(vl_vcpu_vm(q->v)),
            vl_vcpu_index(q->v), kinds[q->kind], (long long)q->T, (long long)q->b);
    if (is_ss(q))
        fprintf(out, ", %d replenishments, next (%lld at %lld), usage %lld\n", q->ss.size,
                (long long)q->ss.q[0].b, (long long)q->ss.q[0].t, (long long)q->ss.usage);
    else
        fprintf(out, ", e %lld%s\n", (long long)q->pibs.e, q->pibs.r_pending ? ", pending" : "");
}

static void quest_dump(vl_sched *s, FILE *out)
{
    for (int c = 0; c < vl_npcpus(s); c++) {
        vl_pcpu *p = vl_pcpu_get(s, c);
        quest_pcpu *qp = vl_pcpu_priv(p);
        fprintf(out, "  pCPU %d: Main C/T %.4f (%d), I/O U %.4f\n", c, qp->main_util, qp->nmain,
                qp->io_util);
        if (vl_pcpu_curr(p))
            dump_vcpu(out, "runs", quest_v(vl_pcpu_curr(p)));
        vl_list *pos;
        vl_list_for_each(pos, &qp->queue) dump_vcpu(out, "queued", link_elem(pos));
    }
}

static const vl_sched_ops quest_ops = {
    .name = "quest",
    .description =
        "Quest's VCPU scheduler: each vCPU bound to one pCPU (first-fit under the "
        "rate-monotonic bound), guest vCPUs as sporadic-server Main VCPUs (C, T) with "
        "rate-monotonic priorities and Quest's replenishment list of 32 entries, the host's "
        "I/O backends as PIBS I/O VCPUs that inherit the period of the VM whose I/O they "
        "serve (budget T x U, eligibility e += used / U) or as sporadic servers; an "
        "admission test per pCPU. Not work conserving: a vCPU without budget waits unless "
        "background execution is on. Weights and caps do not apply.",
    .flags = VL_POLICY_NOT_WORK_CONSERVING,
    .params = quest_params,
    .vm_params = quest_vm_params,
    .vcpu_params = quest_vcpu_params,
    .counters = quest_counters,
    .priv_size = sizeof(quest_priv),
    .pcpu_size = sizeof(quest_pcpu),
    .vm_size = sizeof(quest_vm),
    .vcpu_size = sizeof(quest_vcpu),
    .check = quest_check,
    .init = quest_init,
    .vcpu_insert = quest_vcpu_insert,
    .pick_cpu = quest_pick_cpu,
    .vcpu_wake = quest_vcpu_wake,
    .do_schedule = quest_do_schedule,
    .timer_fired = quest_timer_fired,
    .io_event = quest_io_event,
    .dump = quest_dump,
};
VL_REGISTER_POLICY(quest_ops);
