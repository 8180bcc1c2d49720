/* sched/cosched.c - strict gang scheduling (coscheduling) of each VM's vCPUs.
 *
 * Design
 *   Time is cut into rounds of `slice` (an instance timer).  At the start of
 *   a round every pCPU is released and the VMs that have runnable vCPUs are
 *   taken in order of the pCPU time they held, weighted ("pass": held time
 *   x 256 / weight, lowest first; ties in a rotating VM order): a VM is
 *   started - all its runnable vCPUs at once, each on its own free pCPU of
 *   its affinity, the pCPU it ran on last if that is free - only if its
 *   runnable vCPUs fit in the pCPUs still free (Ousterhout's coscheduling:
 *   one row of the matrix per round, other slots filled with whole gangs
 *   that fit, his "alternate selection").  Every pCPU whose vCPU changes is
 *   tickled, so the gang starts and stops together.  A pCPU belongs to its
 *   gang for the whole round: when the vCPU on it halts, the pCPU stays
 *   idle, reserved (fragmentation, the known cost of strict gangs); a
 *   sibling that wakes mid-round takes a reserved idle pCPU of its gang or
 *   a free one, and waits for the next round if there is none.  When no
 *   vCPU of a running gang is runnable any more the gang gives its pCPUs
 *   back.  Free pCPUs are filled at once (not only at round starts) with
 *   any waiting VM whose runnable vCPUs all fit: a host never idles while a
 *   whole gang fits.  A VM with more runnable vCPUs than pCPUs in its
 *   affinity can never fit; it is started with as many as there are when
 *   all of those are free.  The host VM's vCPUs (I/O backends) are not a
 *   gang: each runs on any free pCPU on its own, and when there is none it
 *   borrows one - its last - running over the gang's vCPU there until it
 *   halts, as host threads preempt vCPUs.
 *   Weights: the pass order gives CPU-bound VMs CPU in proportion to their
 *   weights (a gang pays for the pCPUs it holds, used or not); a VM that had
 *   nothing runnable re-enters no lower than the virtual time (stride
 *   scheduling's global pass: no credit saved while idle).  Starvation: a
 *   big gang fits only when it comes first, so a VM that did not fit while
 *   one after it in the order started is "overtaken" and goes first at the
 *   next fill.  Caps are ignored.
 *
 * Invariants
 *   - cosched_pcpu.owner != NULL iff the pCPU is held by a gang this round;
 *     then slot is a vCPU of owner and slot's cosched_vcpu.slot is it;
 *   - cosched_vm.held counts the pCPUs whose owner is the VM (> 0: its gang
 *     runs this round);
 *   - do_schedule runs nothing but the slot vCPU of a held pCPU, so two
 *     vCPUs of different VMs never share a round's pCPU.
 *
 * TODO
 *   - caps; ESX 2.x's skew-triggered co-stop (this is Ousterhout's rounds);
 *   - topology: a gang is not kept on one socket.
 */
#include "vcpulab/sched.h"

#define COSCHED_DEFAULT_SLICE_MS 30 /* Xen Credit's time slice (policy-facts 1.1): rounds
                                     * as long as the credit baseline's turns */
#define COSCHED_WEIGHT_UNIT 256     /* the default VM weight: pass advances 1:1 with CPU */
#define COSCHED_TIMER_ROUND 0       /* instance timer slot of the round */

enum {
    COSCHED_C_ROUNDS,
    COSCHED_C_STARTS,
    COSCHED_C_BACKFILLS,
    COSCHED_C_JOINS,
    COSCHED_C_JOIN_WAITS,
    COSCHED_C_FRAG_US,
    COSCHED_C_BORROWS,
};
static const char *const cosched_counters[] = {
    "rounds", "gang_starts", "backfills", "joins", "join_waits", "frag_us", "borrows", NULL,
};

typedef struct cosched_priv {
    vl_ns slice;      /* parameter */
    unsigned rotor;   /* advances every round: tie order of equal passes */
    int64_t floor;    /* virtual time: a VM that was idle re-enters here  */
    /* fragmentation: idle pCPU time while some vCPU waits (the policy's
     * own view: set in do_schedule / vcpu_wake, read in frag_account) */
    int nidle, nwaiting;
    vl_ns frag_last, frag_rem;
} cosched_priv;

typedef struct cosched_pcpu {
    vl_vm *owner;   /* the gang holding the pCPU this round (NULL: free) */
    vl_vcpu *slot;  /* owner's vCPU assigned here                        */
    vl_vcpu *borrow; /* a host backend running here over the gang until it
                      * halts (set in vcpu_wake, cleared in vcpu_block)  */
    bool idle;      /* the last decision was the idle loop               */
} cosched_pcpu;

typedef struct cosched_vm {
    int held;       /* pCPUs held this round                              */
    bool busy;      /* had runnable vCPUs at the last round start          */
    int64_t pass;   /* held pCPU time x 256 / weight                       */
    vl_ns held_ns;  /* pCPU time held, up to held_at                       */
    vl_ns held_at;
    vl_ns charged;  /* held time already in pass                           */
    unsigned seen;  /* fill marker: considered in this fill                */
    unsigned missed; /* fill marker: did not fit in this fill              */
    bool overtaken; /* a gang after it in the order started while it did
                     * not fit: it goes first (set in fill, cleared when it
                     * starts) */
} cosched_vm;

typedef struct cosched_vcpu {
    vl_pcpu *slot;  /* the pCPU assigned this round, or NULL               */
    vl_pcpu *borrowed; /* host backends: the pCPU it borrows, or NULL       */
    bool waiting;   /* runnable and not running, as the policy sees it     */
} cosched_vcpu;

static const vl_param cosched_params[] = {
    {"slice", VL_PARAM_TIME, offsetof(cosched_priv, slice), VL_MS(COSCHED_DEFAULT_SLICE_MS),
     VL_MS(1), VL_S(1), "ns",
     "length of a gang round (default: Xen Credit's 30 ms time slice, policy-facts 1.1)", NULL},
    VL_PARAM_END,
};

static cosched_priv *cp(vl_sched *s) { return vl_sched_priv(s); }
static cosched_pcpu *cpc(vl_pcpu *p) { return vl_pcpu_priv(p); }
static cosched_vm *cvm(vl_vm *d) { return vl_vm_priv(d); }
static cosched_vcpu *cvc(vl_vcpu *v) { return vl_vcpu_priv(v); }

static bool runnable(const vl_vcpu *v)
{
    vl_runstate st = vl_vcpu_runstate(v);
    return st == VL_RUNNABLE || st == VL_RUNNING;
}

/* ------------------------------------------------------- fragmentation */

/* Charges the time since the last hook: every idle pCPU counts while at
 * least one vCPU waits.  The policy's view only changes inside hooks, so
 * calling this first in every hook makes the sum exact. */
static void frag_account(vl_sched *s, vl_ns now)
{
    cosched_priv *c = cp(s);
    if (now > c->frag_last && c->nwaiting > 0 && c->nidle > 0) {
        vl_ns ns = (now - c->frag_last) * c->nidle + c->frag_rem;
        vl_counter_add(s, COSCHED_C_FRAG_US, ns / 1000);
        c->frag_rem = ns % 1000;
    }
    c->frag_last = now;
}

static void set_waiting(vl_sched *s, vl_vcpu *v, bool w)
{
    if (cvc(v)->waiting != w) {
        cvc(v)->waiting = w;
        cp(s)->nwaiting += w ? 1 : -1;
    }
}

/* ------------------------------------------------------------- gangs */

/* Brings d's held pCPU time up to now; call before `held` changes. */
static void held_update(vl_vm *d, vl_ns now)
{
    cosched_vm *g = cvm(d);
    g->held_ns += (vl_ns)g->held * (now - g->held_at);
    g->held_at = now;
}

/* A gang pays for the pCPUs it holds, used or not: that is what it takes
 * from the others. */
static void account(vl_sched *s, vl_vm *d)
{
    cosched_vm *g = cvm(d);
    held_update(d, vl_now(s));
    int w = vl_vm_weight(d) > 0 ? vl_vm_weight(d) : 1;
    g->pass += (g->held_ns - g->charged) * COSCHED_WEIGHT_UNIT / w;
    g->charged = g->held_ns;
}

static int nrunnable(vl_vm *d)
{
    int n = 0;
    for (int i = 0; i < vl_vm_nvcpus(d); i++)
        n += runnable(vl_vm_vcpu(d, i));
    return n;
}

/* Free pCPUs in d's affinity (free_out) and pCPUs in it at all (all_out). */
static void count_pcpus(vl_sched *s, vl_vm *d, int *free_out, int *all_out)
{
    vl_vcpu *v0 = vl_vm_vcpu(d, 0);
    int nfree = 0, all = 0;
    for (int i = 0; i < vl_npcpus(s); i++) {
        vl_pcpu *p = vl_pcpu_get(s, i);
        if (!vl_vcpu_affine(v0, p))
            continue;
        all++;
        nfree += cpc(p)->owner == NULL;
    }
    *free_out = nfree;
    *all_out = all;
}

static void assign(vl_sched *s, vl_vcpu *v, vl_pcpu *p)
{
    held_update(vl_vcpu_vm(v), vl_now(s));
    cpc(p)->owner = vl_vcpu_vm(v);
    cpc(p)->slot = v;
    cvc(v)->slot = p;
    cvm(vl_vcpu_vm(v))->held++;
}

static void unassign(vl_sched *s, vl_pcpu *p)
{
    cosched_pcpu *pc = cpc(p);
    if (!pc->owner)
        return;
    held_update(pc->owner, vl_now(s));
    cvm(pc->owner)->held--;
    cvc(pc->slot)->slot = NULL;
    pc->owner = NULL;
    pc->slot = NULL;
}

/* Asks p to run its slot (or idle) if it is not doing so already. */
static void kick(vl_pcpu *p)
{
    if (vl_pcpu_curr(p) != cpc(p)->slot)
        vl_tickle(p);
}

static vl_pcpu *free_affine(vl_sched *s, vl_vcpu *v)
{
    vl_pcpu *last = vl_vcpu_pcpu(v);
    if (last && !cpc(last)->owner && vl_vcpu_affine(v, last))
        return last;
    for (int i = 0; i < vl_npcpus(s); i++) {
        vl_pcpu *p = vl_pcpu_get(s, i);
        if (!cpc(p)->owner && vl_vcpu_affine(v, p))
            return p;
    }
    return NULL;
}

/* A pCPU d holds whose vCPU is not runnable (a reserved, idle slot). */
static vl_pcpu *idle_slot_of(vl_sched *s, vl_vm *d, vl_vcpu *v)
{
    for (int i = 0; i < vl_npcpus(s); i++) {
        vl_pcpu *p = vl_pcpu_get(s, i);
        if (cpc(p)->owner == d && !runnable(cpc(p)->slot) && vl_vcpu_affine(v, p))
            return p;
    }
    return NULL;
}

/* Starts d's runnable vCPUs together if they fit in the free pCPUs (the
 * host VM's one by one).  Returns true if anything started. */
static bool gang_try_start(vl_sched *s, vl_vm *d)
{
    int need = nrunnable(d), nfree, all;
    if (need == 0)
        return false;
    count_pcpus(s, d, &nfree, &all);
    if (vl_vm_is_host(d))
        need = 1;
    else if (need > all)
        need = all; /* can never fit: start when all its pCPUs are free */
    if (nfree < need || nfree == 0)
        return false;
    cosched_vm *g = cvm(d);
    if (!g->busy && g->pass < cp(s)->floor)
        g->pass = cp(s)->floor;
    g->busy = true;
    g->overtaken = false;
    /* first the vCPUs whose last pCPU is free, then the others */
    for (int pass = 0; pass < 2; pass++) {
        for (int i = 0; i < vl_vm_nvcpus(d); i++) {
            vl_vcpu *v = vl_vm_vcpu(d, i);
            if (!runnable(v) || cvc(v)->slot || cvc(v)->borrowed)
                continue;
            vl_pcpu *last = vl_vcpu_pcpu(v);
            vl_pcpu *p = NULL;
            if (pass == 0) {
                if (last && !cpc(last)->owner && vl_vcpu_affine(v, last))
                    p = last;
            } else {
                p = free_affine(s, v);
            }
            if (p) {
                assign(s, v, p);
                kick(p);
            }
        }
    }
    vl_counter_add(s, COSCHED_C_STARTS, 1);
    return true;
}

/* Gives every pCPU of d back when d has nothing runnable; true if it did. */
static bool gang_release_if_done(vl_sched *s, vl_vm *d)
{
    if (cvm(d)->held == 0 || nrunnable(d) > 0)
        return false;
    for (int i = 0; i < vl_npcpus(s); i++) {
        vl_pcpu *p = vl_pcpu_get(s, i);
        if (cpc(p)->owner == d)
            unassign(s, p);
    }
    return true;
}

/* Starts, in pass order, every waiting VM that fits in the free pCPUs. */
static int fill(vl_sched *s)
{
    cosched_priv *c = cp(s);
    int started = 0;
    unsigned mark = ++c->rotor;
    int n = vl_nvms(s);
    for (;;) {
        vl_vm *best = NULL;
        for (int k = 0; k < n; k++) {
            vl_vm *d = vl_vm_get(s, (int)((unsigned)k + mark) % n);
            cosched_vm *g = cvm(d);
            if (g->seen == mark || g->held > 0 || nrunnable(d) == 0)
                continue;
            if (!best || g->overtaken > cvm(best)->overtaken ||
                (g->overtaken == cvm(best)->overtaken && g->pass < cvm(best)->pass))
                best = d;
        }
        if (!best)
            break;
        cvm(best)->seen = mark;
        if (gang_try_start(s, best)) {
            started++;
            /* the VMs it passed over go first next time (no starvation) */
            for (int k = 0; k < n; k++)
                if (cvm(vl_vm_get(s, k))->missed == mark)
                    cvm(vl_vm_get(s, k))->overtaken = true;
        } else {
            cvm(best)->missed = mark;
        }
    }
    return started;
}

static void round_start(vl_sched *s, vl_ns now)
{
    cosched_priv *c = cp(s);
    /* the virtual time advances by the CPU the busy VMs used per unit of
     * their weight (stride scheduling's global pass) */
    int64_t used = 0, wsum = 0;
    for (int k = 0; k < vl_nvms(s); k++) {
        vl_vm *d = vl_vm_get(s, k);
        vl_ns before = cvm(d)->charged;
        account(s, d);
        used += cvm(d)->charged - before;
        if (cvm(d)->busy)
            wsum += vl_vm_weight(d) > 0 ? vl_vm_weight(d) : 1;
    }
    if (wsum > 0)
        c->floor += used * COSCHED_WEIGHT_UNIT / wsum;
    for (int k = 0; k < vl_nvms(s); k++) {
        vl_vm *d = vl_vm_get(s, k);
        bool busy = nrunnable(d) > 0;
        if (busy && !cvm(d)->busy && cvm(d)->pass < c->floor)
            cvm(d)->pass = c->floor;
        cvm(d)->busy = busy;
    }
    for (int i = 0; i < vl_npcpus(s); i++)
        unassign(s, vl_pcpu_get(s, i));
    fill(s);
    for (int i = 0; i < vl_npcpus(s); i++)
        kick(vl_pcpu_get(s, i));
    vl_counter_add(s, COSCHED_C_ROUNDS, 1);
    vl_timer_arm(s, NULL, COSCHED_TIMER_ROUND, now + c->slice);
}

/* ------------------------------------------------------------- hooks */

static int cosched_init(vl_sched *s)
{
    cosched_priv *c = cp(s);
    for (int i = 0; i < vl_npcpus(s); i++)
        cpc(vl_pcpu_get(s, i))->idle = true;
    c->nidle = vl_npcpus(s);
    c->frag_last = vl_now(s);
    vl_timer_arm(s, NULL, COSCHED_TIMER_ROUND, vl_now(s) + c->slice);
    return 0;
}

/* Where v would run now: its slot, a reserved idle slot of its running
 * gang, a free pCPU, else (it waits) its last pCPU or the first affine. */
static vl_pcpu *cosched_pick_cpu(vl_sched *s, vl_vcpu *v, vl_pick_reason why)
{
    (void)why;
    if (cvc(v)->slot)
        return cvc(v)->slot;
    vl_pcpu *p = NULL;
    if (cvm(vl_vcpu_vm(v))->held > 0)
        p = idle_slot_of(s, vl_vcpu_vm(v), v);
    if (!p)
        p = free_affine(s, v);
    if (p)
        return p;
    vl_pcpu *last = vl_vcpu_pcpu(v);
    if (last && vl_vcpu_affine(v, last))
        return last;
    for (int i = 0; i < vl_npcpus(s); i++)
        if (vl_vcpu_affine(v, vl_pcpu_get(s, i)))
            return vl_pcpu_get(s, i);
    return vl_pcpu_get(s, 0);
}

/* An affine pCPU no other backend borrows, its last one first. */
static vl_pcpu *borrow_target(vl_sched *s, vl_vcpu *v)
{
    vl_pcpu *last = vl_vcpu_pcpu(v);
    if (last && vl_vcpu_affine(v, last) && !cpc(last)->borrow)
        return last;
    for (int i = 0; i < vl_npcpus(s); i++) {
        vl_pcpu *p = vl_pcpu_get(s, i);
        if (vl_vcpu_affine(v, p) && !cpc(p)->borrow)
            return p;
    }
    return NULL;
}

static void cosched_vcpu_wake(vl_sched *s, vl_vcpu *v, vl_wake_reason why, int vector)
{
    (void)why;
    (void)vector;
    frag_account(s, vl_now(s));
    set_waiting(s, v, true);
    vl_vm *d = vl_vcpu_vm(v);
    if (cvc(v)->slot) {
        kick(cvc(v)->slot);
        return;
    }
    if (cvm(d)->held > 0 && !vl_vm_is_host(d)) {
        /* its gang runs: join it on a reserved idle slot or a free pCPU */
        vl_pcpu *p = idle_slot_of(s, d, v);
        if (p)
            unassign(s, p);
        else
            p = free_affine(s, v);
        if (p) {
            assign(s, v, p);
            kick(p);
            vl_counter_add(s, COSCHED_C_JOINS, 1);
        } else {
            vl_counter_add(s, COSCHED_C_JOIN_WAITS, 1);
        }
        return;
    }
    if (gang_try_start(s, d))
        vl_counter_add(s, COSCHED_C_BACKFILLS, 1);
    if (vl_vm_is_host(d) && !cvc(v)->slot && !cvc(v)->borrowed) {
        /* no free pCPU: the backend runs over a gang's vCPU until it halts */
        vl_pcpu *p = borrow_target(s, v);
        if (p) {
            cpc(p)->borrow = v;
            cvc(v)->borrowed = p;
            vl_tickle(p);
            vl_counter_add(s, COSCHED_C_BORROWS, 1);
        }
    }
}

static void cosched_vcpu_block(vl_sched *s, vl_vcpu *v, vl_block_reason why)
{
    (void)why;
    frag_account(s, vl_now(s));
    vl_vm *d = vl_vcpu_vm(v);
    vl_pcpu *p = cvc(v)->slot;
    bool freed = false;
    if (cvc(v)->borrowed) {
        cpc(cvc(v)->borrowed)->borrow = NULL;
        cvc(v)->borrowed = NULL;
    }
    if (vl_vm_is_host(d)) {
        if (p)
            unassign(s, p);
        freed = p != NULL;
    } else if (p) {
        /* a waiting sibling takes the slot; else it stays reserved */
        for (int i = 0; i < vl_vm_nvcpus(d); i++) {
            vl_vcpu *w = vl_vm_vcpu(d, i);
            if (w != v && !cvc(w)->slot && vl_vcpu_runstate(w) == VL_RUNNABLE &&
                vl_vcpu_affine(w, p)) {
                unassign(s, p);
                assign(s, w, p);
                vl_counter_add(s, COSCHED_C_JOINS, 1);
                break;
            }
        }
        freed = gang_release_if_done(s, d);
    }
    if (freed && fill(s) > 0)
        vl_counter_add(s, COSCHED_C_BACKFILLS, 1);
}

static vl_decision cosched_do_schedule(vl_sched *s, vl_pcpu *p, vl_vcpu *prev, vl_ns now)
{
    cosched_priv *c = cp(s);
    frag_account(s, now);
    cosched_pcpu *pc = cpc(p);
    /* a halted-and-woken prev whose gang gave its pCPUs away starts anew */
    if (prev && vl_vcpu_runstate(prev) == VL_RUNNABLE && !cvc(prev)->slot &&
        cvm(vl_vcpu_vm(prev))->held == 0)
        gang_try_start(s, vl_vcpu_vm(prev));
    vl_vcpu *next = pc->slot;
    if (pc->borrow && runnable(pc->borrow) &&
        (vl_vcpu_runstate(pc->borrow) != VL_RUNNING || pc->borrow == prev))
        next = pc->borrow;
    /* the slot may still be leaving another pCPU (context_saved tickles
     * this one again) or have halted (its pCPU stays reserved) */
    if (next && (!runnable(next) || (vl_vcpu_runstate(next) == VL_RUNNING && next != prev)))
        next = NULL;
    if (prev && prev != next)
        set_waiting(s, prev, vl_vcpu_runstate(prev) == VL_RUNNABLE);
    if (next)
        set_waiting(s, next, false);
    if (pc->idle != (next == NULL)) {
        pc->idle = next == NULL;
        c->nidle += pc->idle ? 1 : -1;
    }
    return (vl_decision){.next = next, .slice = VL_SLICE_NONE};
}

static void cosched_context_saved(vl_sched *s, vl_vcpu *prev)
{
    (void)s;
    vl_pcpu *p = cvc(prev)->slot;
    if (p && runnable(prev))
        kick(p);
}

static void cosched_timer_fired(vl_sched *s, vl_pcpu *p, int slot, vl_ns now)
{
    (void)p;
    (void)slot;
    frag_account(s, now);
    round_start(s, now);
}

static const vl_sched_ops cosched_ops = {
    .name = "cosched",
    .description = "Strict gang scheduling (Ousterhout-style coscheduling, as in VMware ESX "
                   "2.x's strict co-scheduling): in rounds of `slice`, whole VMs whose runnable "
                   "vCPUs fit in the free pCPUs start and stop together, in order of weighted "
                   "pCPU time held; a halted vCPU's pCPU stays reserved for its gang until the round "
                   "ends. Weights honoured, caps ignored.",
    .flags = VL_POLICY_WEIGHTS | VL_POLICY_NOT_WORK_CONSERVING,
    .params = cosched_params,
    .counters = cosched_counters,
    .priv_size = sizeof(cosched_priv),
    .pcpu_size = sizeof(cosched_pcpu),
    .vm_size = sizeof(cosched_vm),
    .vcpu_size = sizeof(cosched_vcpu),
    .init = cosched_init,
    .pick_cpu = cosched_pick_cpu,
    .do_schedule = cosched_do_schedule,
    .vcpu_wake = cosched_vcpu_wake,
    .vcpu_block = cosched_vcpu_block,
    .context_saved = cosched_context_saved,
    .timer_fired = cosched_timer_fired,
};
VL_REGISTER_POLICY(cosched_ops);
