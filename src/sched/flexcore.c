/* sched/flexcore.c - vCPU ballooning on KVM (Miao & Chen, "FlexCore:
 * Dynamic Virtual Machine Scheduling Using VCPU Ballooning", Tsinghua
 * Science and Technology 20(1), 2015): the `flexcore` policy, CFS
 * unchanged (no cfs_ext rule) plus a balloon controller that sets how many
 * vCPUs each VM has online, so that every online vCPU is backed by a pCPU
 * and double scheduling has little left to multiplex
 * (docs/policies/flexcore.md).
 *
 * Every `period` an instance timer measures each guest VM's demand - the
 * running + runnable time of its vCPUs since the last period, which the
 * hypervisor keeps for every vCPU (vl_vcpu_runstate_time) - and the
 * controller (flexcore_ctl.c) turns demands, weights (CFS shares) and the
 * pCPU count into a target per VM.  A VM whose count changed less than
 * `min_interval` ago keeps it.  Going down, the policy asks the guest to
 * take vCPUs offline (vl_vcpu_request_offline), halted ones first, then
 * preempted ones, then running ones, the one that ran least in the period
 * first among equals, the highest index on ties, never vCPU 0 (Linux on
 * x86 does not offline the boot CPU unless built with
 * CONFIG_BOOTPARAM_HOTPLUG_CPU0); going up, it brings back the lowest
 * ballooned index whose guest has finished taking it away.  With `balloon:
 * static` (VCPU-Bal, APSys 2013) the counts are set once at start, from
 * each VM's `online_vcpus` or else from the shares alone (every VM as if
 * saturated), and never change.
 *
 * What it may touch: CFS's structs only through the CFS hooks (it adds no
 * rule to CFS's decisions), its own state below, the instance timer slot
 * FC_TIMER, the hotplug requests and its counters.  It sees no guest
 * runqueue: the guest's load reaches it only as runstate times.
 *
 * Invariants
 *   - fc_vm.online = nvcpus - the VM's vCPUs with fc_vcpu.ballooned; a
 *     ballooned vCPU was asked offline and not asked online since;
 *   - vCPU 0 is never ballooned, so online >= 1;
 *   - fc_vcpu.busy_mark is the vCPU's running + runnable time at the last
 *     controller run.
 */
#include <stdio.h>

#include "cfs_params.h"
#include "flexcore.h"

#define FC_TIMER 1 /* instance timer slot (CFS's bandwidth timer is slot 0) */

enum { FC_BALLOON_DYNAMIC = 0, FC_BALLOON_STATIC };
static const char *const fc_balloon_modes[] = {"dynamic", "static", NULL};

enum {
    FC_C_OFFLINE = CFS_NR_COUNTERS, /* vCPUs the guest was asked to take offline */
    FC_C_ONLINE,                    /* vCPUs brought back online                 */
    FC_C_HELD,                      /* changes put off by min_interval           */
};
static const char *const fc_counter_names[] = {
    CFS_COUNTER_NAMES,
    [FC_C_OFFLINE] = "balloon_offline",
    [FC_C_ONLINE] = "balloon_online",
    [FC_C_HELD] = "balloon_held",
    NULL,
};

typedef struct fc_priv {
    cfs_priv cfs;
    int balloon;           /* FC_BALLOON_*                                */
    vl_ns period;          /* controller period                           */
    vl_ns min_interval;    /* least time between two changes of one VM    */
    double grow_util, shrink_util; /* the controller's band (flexcore.h) */
    fc_vm_obs *vms;        /* the guest VMs' observations, a list (init)  */
    vl_ns last_run;        /* the controller's last run (0 before)        */
} fc_priv;

typedef struct fc_vm {
    cfs_vm cfs;
    vl_vm *vm;
    int64_t online_param;  /* parameter: static count; 0 = from the shares */
    int online;            /* vCPUs not ballooned                          */
    vl_ns changed;         /* when its count last changed (-1: never)      */
    fc_vm_obs obs;         /* the controller's view of it                  */
} fc_vm;

typedef struct fc_vcpu {
    cfs_vcpu cfs;
    bool ballooned;
    vl_ns busy_mark;       /* running + runnable time at the last period   */
    vl_ns busy_last;       /* running + runnable time in the last period   */
} fc_vcpu;

_Static_assert(offsetof(fc_priv, cfs) == 0 && offsetof(fc_vm, cfs) == 0 &&
                   offsetof(fc_vcpu, cfs) == 0,
               "flexcore.c: CFS's structs come first");

static fc_priv *fpriv(vl_sched *s) { return vl_sched_priv(s); }
static fc_vm *fvm(vl_vm *d) { return vl_vm_priv(d); }
static fc_vcpu *fvc(vl_vcpu *v) { return vl_vcpu_priv(v); }
static fc_vm *obs_vm(fc_vm_obs *o) { return vl_container_of(o, fc_vm, obs); }

static const vl_param fc_params[] = {
    CFS_PARAM_ENTRIES
    {"balloon", VL_PARAM_ENUM, offsetof(fc_priv, balloon), FC_BALLOON_DYNAMIC, 0, 0, "",
     "dynamic: the controller follows demand every period (FlexCore); static: counts set once "
     "at start from vms[].online_vcpus or the shares (VCPU-Bal, APSys 2013)", fc_balloon_modes},
    {"period", VL_PARAM_TIME, offsetof(fc_priv, period), VL_MS(100), VL_MS(1), VL_S(10), "ns",
     "controller period: 25 host ticks, several CFS latency periods of demand per sample, "
     "short beside load changes of seconds (docs/policies/flexcore.md)", NULL},
    {"min_interval", VL_PARAM_TIME, offsetof(fc_priv, min_interval), VL_MS(300), 0, VL_S(60),
     "ns", "least time between two changes of one VM's count: three periods, so a change is "
     "measured before the next (a full hot-unplug costs milliseconds each)", NULL},
    {"grow_util", VL_PARAM_DOUBLE, offsetof(fc_priv, grow_util), 0.9, 0.05, 1, "",
     "a VM whose online vCPUs were busy (running or runnable) this share of the period is "
     "saturated and may grow to its weight's share", NULL},
    {"shrink_util", VL_PARAM_DOUBLE, offsetof(fc_priv, shrink_util), 0.7, 0, 1, "",
     "a VM shrinks for low demand only if one vCPU fewer would be busy at most this share: "
     "the band up to grow_util is the hysteresis", NULL},
    VL_PARAM_END,
};

static const vl_param fc_vm_params[] = {
    CFS_VM_PARAM_ENTRIES
    {"online_vcpus", VL_PARAM_INT, offsetof(fc_vm, online_param), 0, 0, 1024, "vCPUs",
     "balloon: static only: vCPUs online from the start (clamped to vcpus); 0 = the VM's "
     "share of the pCPUs by shares, rounded up (VCPU-Bal)", NULL},
    VL_PARAM_END,
};

static int fc_check(const void *params, vl_param_scope scope, vl_param_fault *fault)
{
    const fc_priv *fp = params;
    if (scope != VL_PARAMS_HOST || fp->shrink_util < fp->grow_util)
        return 0;
    fault->param = "shrink_util";
    snprintf(fault->msg, sizeof fault->msg,
             "shrink_util (%g) must be below grow_util (%g): the band between them is the "
             "hysteresis", fp->shrink_util, fp->grow_util);
    return -1;
}

/* ----------------------------------------------------------- ballooning */

/* How fit v is to be ballooned: lower first (halted, then preempted, then
 * running; then the least busy in the last period). */
static int64_t offline_rank(vl_vcpu *v)
{
    static const int64_t state_rank[VL_NR_RUNSTATES] = {
        [VL_BLOCKED] = 0, [VL_RUNNABLE] = 1, [VL_RUNNING] = 2, [VL_OFFLINE] = 3};
    return state_rank[vl_vcpu_runstate(v)] * ((int64_t)1 << 60) + fvc(v)->busy_last;
}

static bool balloon_one_out(vl_sched *s, vl_vm *d)
{
    vl_vcpu *best = NULL;
    int64_t best_rank = 0;
    for (int j = vl_vm_nvcpus(d) - 1; j >= 1; j--) {
        vl_vcpu *v = vl_vm_vcpu(d, j);
        if (fvc(v)->ballooned)
            continue;
        int64_t r = offline_rank(v);
        if (!best || r < best_rank) {
            best = v;
            best_rank = r;
        }
    }
    if (!best || !vl_vcpu_request_offline(best))
        return false;
    fvc(best)->ballooned = true;
    fvm(d)->online--;
    vl_counter_add(s, FC_C_OFFLINE, 1);
    return true;
}

static bool balloon_one_in(vl_sched *s, vl_vm *d)
{
    for (int j = 1; j < vl_vm_nvcpus(d); j++) {
        vl_vcpu *v = vl_vm_vcpu(d, j);
        if (!fvc(v)->ballooned || !vl_vcpu_request_online(v))
            continue; /* online, or its guest is still taking it away */
        fvc(v)->ballooned = false;
        fvm(d)->online++;
        vl_counter_add(s, FC_C_ONLINE, 1);
        return true;
    }
    return false;
}

/* Moves fm's count toward target as far as the guest lets it now. */
static void balloon_to(vl_sched *s, fc_vm *fm, int target, vl_ns now)
{
    int before = fm->online;
    while (fm->online > target && balloon_one_out(s, fm->vm))
        ;
    while (fm->online < target && balloon_one_in(s, fm->vm))
        ;
    if (fm->online != before)
        fm->changed = now;
}

/* ----------------------------------------------------------- controller */

/* d's running + runnable time since the last run, in ns; advances the
 * marks and records each vCPU's part. */
static vl_ns measure(vl_vm *d)
{
    vl_ns busy = 0;
    for (int j = 0; j < vl_vm_nvcpus(d); j++) {
        vl_vcpu *v = vl_vm_vcpu(d, j);
        fc_vcpu *fv = fvc(v);
        vl_ns now_busy = vl_vcpu_runstate_time(v, VL_RUNNING) +
                         vl_vcpu_runstate_time(v, VL_RUNNABLE);
        fv->busy_last = now_busy - fv->busy_mark;
        fv->busy_mark = now_busy;
        busy += fv->busy_last;
    }
    return busy;
}

/* The count fm should have now (the controller has run). */
static int target_of(const fc_priv *fp, const fc_vm *fm)
{
    if (fp->balloon == FC_BALLOON_DYNAMIC || fm->online_param == 0)
        return fm->obs.target;
    return fm->online_param < fm->obs.nvcpus ? (int)fm->online_param : fm->obs.nvcpus;
}

/* One controller run: measure, set targets, shrink the VMs that go down
 * (freeing pCPUs) before growing the ones that go up. */
static void control(vl_sched *s, vl_ns now)
{
    fc_priv *fp = fpriv(s);
    bool dynamic = fp->balloon == FC_BALLOON_DYNAMIC;
    vl_ns span = now - fp->last_run;
    for (fc_vm_obs *o = fp->vms; o; o = o->next) {
        fc_vm *fm = obs_vm(o);
        o->weight = fm->cfs.shares;
        o->nvcpus = vl_vm_nvcpus(fm->vm);
        o->online = fm->online;
        vl_ns busy = measure(fm->vm);
        /* static: every VM as if saturated, so the shares alone decide */
        o->demand = dynamic && span > 0 ? (double)busy / (double)span : o->nvcpus;
    }
    fp->last_run = now;
    fc_ctl_targets(fp->vms, vl_npcpus(s),
                   &(fc_ctl_params){.grow_util = fp->grow_util, .shrink_util = fp->shrink_util});
    bool unmet = false;
    for (int grow = 0; grow < 2; grow++) {
        for (fc_vm_obs *o = fp->vms; o; o = o->next) {
            fc_vm *fm = obs_vm(o);
            int target = target_of(fp, fm);
            if (target == fm->online || (target > fm->online) != grow)
                continue;
            if (dynamic && fm->changed >= 0 && now - fm->changed < fp->min_interval) {
                vl_counter_add(s, FC_C_HELD, 1);
                continue;
            }
            balloon_to(s, fm, target, now);
            unmet |= fm->online != target;
        }
    }
    if (dynamic || unmet) /* static: again until every count is set */
        vl_timer_arm(s, NULL, FC_TIMER, now + fp->period);
}

static void fc_timer_fired(vl_sched *s, vl_pcpu *p, int slot, vl_ns now)
{
    if (p || slot != FC_TIMER) {
        cfs_op_timer_fired(s, p, slot, now);
        return;
    }
    control(s, now);
}

static const cfs_ext fc_rules; /* CFS's decisions unchanged: no rule */

static int fc_init(vl_sched *s)
{
    fc_priv *fp = fpriv(s);
    fc_vm_obs **tail = &fp->vms;
    for (int i = 0; i < vl_nvms(s); i++) {
        vl_vm *d = vl_vm_get(s, i);
        fc_vm *fm = fvm(d);
        fm->vm = d;
        fm->online = vl_vm_nvcpus(d);
        fm->changed = -1;
        if (vl_vm_is_host(d))
            continue; /* the host's I/O backends are never ballooned */
        *tail = &fm->obs;
        tail = &fm->obs.next;
    }
    vl_timer_arm(s, NULL, FC_TIMER, fp->balloon == FC_BALLOON_STATIC ? 0 : fp->period);
    return cfs_init(s, &fc_rules);
}

static const vl_sched_ops flexcore_ops = {
    .name = "flexcore",
    .description = "FlexCore vCPU ballooning on KVM's CFS: every period a controller sets "
                   "each VM's online vCPU count from its weight's share of the pCPUs and "
                   "its measured demand (running + runnable time), with a hysteresis band "
                   "and a minimum interval, and asks the guests to take vCPUs offline "
                   "(halted ones first, never vCPU 0) or back; balloon: static sets the "
                   "counts once from the shares (VCPU-Bal).",
    .params = fc_params,
    .vm_params = fc_vm_params,
    .counters = fc_counter_names,
    /* Weights hold to a pCPU's granularity only (1:2 on 4 pCPUs gives 2
     * and 3 vCPUs, 1:1.8 of CPU), and a VM ballooned down cannot use a
     * pCPU that idles before the next period: neither promise of CFS. */
    .flags = VL_POLICY_CAPS | VL_POLICY_NOT_WORK_CONSERVING,
    CFS_FAMILY_OPS(fc_priv, cfs_pcpu, fc_vm, fc_vcpu),
    .dump = cfs_op_dump,
    .check = fc_check,
    .init = fc_init,
    .timer_fired = fc_timer_fired,
};
VL_REGISTER_POLICY(flexcore_ops);
