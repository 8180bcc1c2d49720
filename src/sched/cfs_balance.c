/* sched/cfs_balance.c - where vCPUs run, for the `cfs` policy: wake-up
 * placement (select_task_rq_fair) and load balancing (idle, periodic and
 * the kicks that idle pCPUs get from busy ones, like NOHZ idle balancing).
 *
 * Placement: a new vCPU goes to the least-loaded pCPU (fork balancing); a
 * waking one to its previous pCPU if that is idle, else to an idle SMT
 * sibling of it, else to an idle pCPU of its socket (Linux 3.2
 * select_idle_sibling: the LLC is the limit), else back to its previous
 * pCPU.  A vCPU woken by an IPI from a sibling's exit (vl_wake_source)
 * is woken from the sender's pCPU: wake_affine may make that pCPU the
 * target, and the idle-sibling search runs around it (the era's rules:
 * 3.2 or 6.1).  Wakes by timers and devices have no waker pCPU.
 *
 * Balancing pulls queued (never running) vCPUs that are affine to the
 * puller and not cache-hot (ran within migration_cost, unless the puller
 * failed to balance more than CACHE_NICE_TRIES times).  Load is the root
 * runqueue weight (the sum of group weights, i.e. runnable counts weighted
 * by shares).  An idle pCPU pulls one vCPU from the busiest pCPU that has
 * one for it.  A busy pCPU, every balance_interval x busy_factor, pulls
 * toward the average when the busiest is imbalance_pct above it, skipping
 * vCPUs whose load is more than twice what is left to move (move_tasks).
 * A busy pCPU with two or more runnable vCPUs kicks the idle pCPUs at most
 * once per balance_interval; each then idle-balances.
 *
 * None of this scans all pCPUs: the idle pCPUs come from the idle mask,
 * restricted to the socket's (core's) id range; the busiest from the busy
 * tree, in the order of load (lowest id on ties) that a scan used; the
 * average load from the running total (all in cfs_pcpus.c).  Only the
 * fork balancing of a vCPU's first placement may scan its affinity. */
#include "cfs_priv.h"

#define CFS_CACHE_NICE_TRIES 1 /* cache_nice_tries of Linux 3.x SD_CPU_INIT */
#define CFS_IMBALANCE_PCT 125  /* imbalance_pct of Linux 3.x SD_CPU_INIT */
#define CFS_NR_MIGRATE 32      /* sysctl_sched_nr_migrate: most vCPUs moved per balance */

/* Nothing running and nothing queued. */
static bool pcpu_idle(vl_pcpu *p)
{
    return vl_pcpu_is_idle(p) && cfs_root(p)->nr_running == 0;
}

static int64_t pcpu_load(vl_pcpu *p) { return cfs_root(p)->load; }

/* Fork balancing: the affine pCPU with the least load, then the fewest
 * runnable vCPUs, then the lowest id.  An idle pCPU has neither load nor
 * vCPUs (a group in the root weighs at least MIN_SHARES), which nothing
 * beats: the first idle affine one is the answer.  Otherwise, for a vCPU
 * that may run anywhere on a large host, the place tree's minimum
 * (cfs_pcpus.c); else a scan of the affinity.  It happens only at a
 * vCPU's first placement (and when its previous pCPU left its affinity). */
static vl_pcpu *idlest_cpu(vl_sched *s, vl_vcpu *v)
{
    const uint64_t *idle = cfs_idle_mask(s), *aff = vl_vcpu_affinity_mask(v);
    int n = vl_npcpus(s);
    for (int i = vl_bit_next_and(idle, aff, 0, n); i >= 0;
         i = vl_bit_next_and(idle, aff, i + 1, n)) {
        vl_pcpu *p = vl_pcpu_get(s, i);
        if (pcpu_idle(p))
            return p;
    }
    if (cfs_sp(s)->place_index && vl_bit_all(aff, n))
        return vl_pcpu_get(s, cfs_idlest(s));
    vl_pcpu *best = NULL;
    int64_t best_load = 0;
    int best_nr = 0;
    for (int i = vl_bit_next(aff, 0, n); i >= 0; i = vl_bit_next(aff, i + 1, n)) {
        vl_pcpu *p = vl_pcpu_get(s, i);
        int64_t load = pcpu_load(p);
        int nr = cfs_nr_vcpus(p) + !vl_pcpu_is_idle(p);
        if (!best || load < best_load || (load == best_load && nr < best_nr)) {
            best = p;
            best_load = load;
            best_nr = nr;
        }
    }
    return best;
}

/* The idle pCPU with the lowest id in [lo, hi), other than prev, affine to
 * v, on prev's socket and, if `sibling`, on prev's core; NULL if none. */
static vl_pcpu *first_idle(vl_sched *s, vl_vcpu *v, vl_pcpu *prev, int lo, int hi, bool sibling)
{
    const uint64_t *idle = cfs_idle_mask(s), *aff = vl_vcpu_affinity_mask(v);
    for (int i = vl_bit_next_and(idle, aff, lo, hi); i >= 0;
         i = vl_bit_next_and(idle, aff, i + 1, hi)) {
        vl_pcpu *p = vl_pcpu_get(s, i);
        if (p != prev && pcpu_idle(p) && vl_pcpu_socket(p) == vl_pcpu_socket(prev) &&
            (!sibling || vl_pcpu_core(p) == vl_pcpu_core(prev)))
            return p;
    }
    return NULL;
}

/* effective_load, with runnable counts for the group loads: how much the
 * root load of p changes when one more vCPU of v's VM d is runnable overall and,
 * if `here`, on p (the group on p then weighs shares x its vCPUs there /
 * the VM's). */
static int64_t effective_load(vl_sched *s, vl_vcpu *v, vl_pcpu *p, bool here)
{
    vl_vm *d = vl_vcpu_vm(v);
    cfs_vm *dm = cfs_dm(d);
    const int16_t *on = cfs_vm_queued_on(s, v);
    int n = 0, total = dm->nr_runnable, id = vl_pcpu_id(p);
    for (int i = 0; i < vl_vm_nvcpus(d); i++)
        n += on[i] == id;
    int64_t before = total ? dm->shares * n / total : 0;
    return dm->shares * (n + here) / (total + 1) - before;
}

/* wake_affine (Linux 3.2 kernel/sched_fair.c; v6.1 wake_affine_weight):
 * the waker's pCPU takes the woken vCPU when its load with the vCPU is
 * no more than imbalance_pct/2 above the previous pCPU's with it.  From
 * v4.14 on, an idle previous pCPU wins first (wake_affine_idle; the
 * waker's pCPU is never idle: the sender runs there). */
static bool wake_affine(vl_sched *s, vl_vcpu *v, vl_pcpu *waker, vl_pcpu *prev)
{
    if (cfs_sp(s)->kernel != CFS_KERNEL_3_2 && pcpu_idle(prev))
        return false;
    int64_t this_eff = 100 * (cfs_root(waker)->load + effective_load(s, v, waker, true));
    int64_t prev_eff = (100 + (CFS_IMBALANCE_PCT - 100) / 2) *
                       (cfs_root(prev)->load + effective_load(s, v, prev, false));
    return this_eff <= prev_eff;
}

/* select_idle_sibling around target: target if idle; under 6.1 the
 * previous pCPU if idle and on target's socket; an idle SMT sibling of
 * target; an idle pCPU of its socket; else target. */
static vl_pcpu *idle_sibling(vl_sched *s, vl_vcpu *v, vl_pcpu *target, vl_pcpu *prev)
{
    if (pcpu_idle(target))
        return target;
    if (target != prev && cfs_sp(s)->kernel != CFS_KERNEL_3_2 && pcpu_idle(prev) &&
        vl_pcpu_socket(prev) == vl_pcpu_socket(target))
        return prev;
    cfs_pcpu *pc = cfs_pc(target);
    vl_pcpu *p = first_idle(s, v, target, pc->core_lo, pc->core_hi, true);
    if (!p)
        p = first_idle(s, v, target, pc->sock_lo, pc->sock_hi, false);
    return p ? p : target;
}

vl_pcpu *cfs_select_cpu(vl_sched *s, vl_vcpu *v, vl_pick_reason why)
{
    vl_pcpu *prev = cfs_vc(v)->cpu;
    vl_pcpu *p;
    if (why == VL_PICK_START || !prev || !vl_vcpu_affine(v, prev)) {
        p = idlest_cpu(s, v);
    } else {
        /* woken from a sender's exit: the host sees the wake-up come from
         * the sender's pCPU (select_task_rq_fair's affine wake-up) */
        vl_vcpu *waker = vl_wake_source(s);
        vl_pcpu *target = prev;
        if (waker && vl_vcpu_pcpu(waker) != prev && vl_vcpu_affine(v, vl_vcpu_pcpu(waker)) &&
            wake_affine(s, v, vl_vcpu_pcpu(waker), prev))
            target = vl_vcpu_pcpu(waker);
        p = idle_sibling(s, v, target, prev);
    }
    const cfs_ext *ext = cfs_sp(s)->ext;
    return ext->select ? ext->select(s, v, p) : p;
}

/* The vCPU's weight as seen in the root runqueue (Linux task_h_load). */
static int64_t h_load(cfs_vcpu *cv)
{
    cfs_group *g = cfs_vcpu_group(cv);
    return g->q.load ? g->se.weight * cv->se.weight / g->q.load : 0;
}

static bool can_migrate(vl_sched *s, cfs_vcpu *cv, vl_pcpu *dst, vl_ns now, bool allow_hot)
{
    if (cv->se.rq->curr == &cv->se || !vl_vcpu_affine(cv->v, dst))
        return false;
    const cfs_ext *ext = cfs_sp(s)->ext;
    if (ext->may_migrate && !ext->may_migrate(s, cv->v, dst))
        return false;
    return allow_hot || now - cv->se.exec_start >= cfs_sp(s)->migration_cost;
}

/* In group g, the movable vCPU that would run last (the queue's tail). */
static cfs_vcpu *movable_in(vl_sched *s, cfs_group *g, vl_pcpu *dst, vl_ns now, bool allow_hot,
                            int64_t max_load)
{
    for (vl_list *l = g->q.queue.prev; l != &g->q.queue; l = l->prev) {
        cfs_vcpu *cv = cfs_se_vcpu(vl_container_of(l, cfs_se, link));
        if (can_migrate(s, cv, dst, now, allow_hot) && (max_load < 0 || h_load(cv) <= max_load))
            return cv;
    }
    return NULL;
}

/* A vCPU of src that may move to dst: the running group first, then the
 * queued groups in vruntime order.  max_load < 0: any load. */
static cfs_vcpu *find_movable(vl_sched *s, vl_pcpu *src, vl_pcpu *dst, vl_ns now, bool allow_hot,
                              int64_t max_load)
{
    cfs_rq *root = cfs_root(src);
    cfs_vcpu *cv = NULL;
    if (root->curr)
        cv = movable_in(s, root->curr->grp, dst, now, allow_hot, max_load);
    for (vl_list *l = root->queue.next; !cv && l != &root->queue; l = l->next)
        cv = movable_in(s, vl_container_of(l, cfs_se, link)->grp, dst, now, allow_hot, max_load);
    return cv;
}

static void move_vcpu(vl_sched *s, cfs_vcpu *cv, vl_pcpu *dst, vl_ns now)
{
    cfs_dequeue_vcpu(s, cv->v, now);
    cfs_enqueue_vcpu(s, cv->v, dst, false, now);
    vl_counter_add(s, CFS_C_MIGRATIONS, 1);
}

/* The most loaded other pCPU with two or more runnable vCPUs and a vCPU
 * that may move to p (returned in *cand), the lowest id on ties; *contended
 * tells whether any other pCPU had two or more.  Candidates come from the
 * busy tree in that order; those without a movable vCPU (and p) are hidden
 * from it until the search ends. */
static vl_pcpu *find_busiest(vl_sched *s, vl_pcpu *p, vl_ns now, bool allow_hot,
                             cfs_vcpu **cand, bool *contended)
{
    cfs_priv *sp = cfs_sp(s);
    cfs_pcpu *pc = cfs_pc(p);
    bool self = sp->busy_key[pc->id] != CFS_NOT_BUSY;
    vl_pcpu *busiest = NULL;
    *cand = NULL;
    *contended = sp->nr_overloaded > (self ? 1 : 0);
    if (!*contended)
        return NULL;
    if (self)
        cfs_busy_hide(sp, pc->id);
    for (int id; !busiest && (id = cfs_busy_search_top(sp)) >= 0;) {
        vl_pcpu *q = vl_pcpu_get(s, id);
        *cand = find_movable(s, q, p, now, allow_hot, -1);
        if (*cand)
            busiest = q;
        else
            cfs_busy_hide(sp, id);
    }
    cfs_busy_search_end(s);
    return busiest;
}

bool cfs_idle_balance(vl_sched *s, vl_pcpu *p, vl_ns now)
{
    cfs_pcpu *pc = cfs_pc(p);
    cfs_vcpu *cv;
    bool contended;
    cfs_update_shares(s, p, now); /* idle_balance, rebalance_domains */
    if (!cfs_sp(s)->load_balance)
        return false;
    find_busiest(s, p, now, pc->balance_failed > CFS_CACHE_NICE_TRIES, &cv, &contended);
    if (!cv) {
        if (contended)
            pc->balance_failed++;
        return false;
    }
    pc->balance_failed = 0;
    move_vcpu(s, cv, p, now);
    return true;
}

/* Linux 3.2's idle_balance and ttwu_do_wakeup (kernel/sched_fair.c,
 * kernel/sched.c): a pCPU stamps when it goes idle and skips the balance
 * while its idle periods average less than sysctl_sched_migration_cost
 * (they would end before a pulled vCPU paid off); a wake-up onto it adds
 * the period to the average (1/8 of the difference, capped at twice the
 * cost; it starts there).  A pull clears the stamp. */
void cfs_newidle_balance(vl_sched *s, vl_pcpu *p, vl_ns now)
{
    cfs_priv *sp = cfs_sp(s);
    cfs_pcpu *pc = cfs_pc(p);
    if (!sp->era->newidle_avg_idle) {
        cfs_idle_balance(s, p, now);
        return;
    }
    pc->idle_stamp = now;
    if (pc->avg_idle >= sp->migration_cost && cfs_idle_balance(s, p, now))
        pc->idle_stamp = -1;
}

void cfs_note_wakeup(vl_sched *s, vl_pcpu *p, vl_ns now)
{
    cfs_pcpu *pc = cfs_pc(p);
    if (pc->idle_stamp < 0)
        return;
    vl_ns delta = now - pc->idle_stamp, max = 2 * cfs_sp(s)->migration_cost;
    if (delta > max)
        pc->avg_idle = max;
    else
        pc->avg_idle += (delta - pc->avg_idle) >> 3; /* update_avg */
    pc->idle_stamp = -1;
}

static void busy_balance(vl_sched *s, vl_pcpu *p, vl_ns now)
{
    cfs_pcpu *pc = cfs_pc(p);
    bool allow_hot = pc->balance_failed > CFS_CACHE_NICE_TRIES, contended;
    cfs_vcpu *cv;
    vl_pcpu *busiest = find_busiest(s, p, now, allow_hot, &cv, &contended);
    if (!busiest) {
        if (contended)
            pc->balance_failed++;
        return;
    }
    int64_t avg = cfs_sp(s)->total_load / vl_npcpus(s);
    int64_t mine = pcpu_load(p), theirs = pcpu_load(busiest);
    if (theirs * 100 <= mine * CFS_IMBALANCE_PCT || theirs <= avg || mine >= avg)
        return;
    int64_t left = theirs - avg < avg - mine ? theirs - avg : avg - mine;
    int moved = 0;
    while (moved < CFS_NR_MIGRATE && left > 0 &&
           (cv = find_movable(s, busiest, p, now, allow_hot, 2 * left))) {
        left -= h_load(cv);
        move_vcpu(s, cv, p, now);
        moved++;
    }
    pc->balance_failed = moved ? 0 : pc->balance_failed + 1;
}

void cfs_balance_tick(vl_sched *s, vl_pcpu *p, vl_ns now)
{
    cfs_priv *sp = cfs_sp(s);
    cfs_pcpu *pc = cfs_pc(p);
    if (now >= pc->next_balance) { /* rebalance_domains */
        pc->next_balance = now + sp->balance_interval * sp->busy_factor;
        cfs_update_shares(s, p, now);
        if (sp->load_balance)
            busy_balance(s, p, now);
    }
    if (sp->load_balance && now >= sp->nohz_next && cfs_nr_vcpus(p) >= 2) {
        sp->nohz_next = now + sp->balance_interval;
        /* the mask is live: a balance only clears the bit of the pCPU
         * that pulled (the busiest keeps a vCPU), so this visits the idle
         * pCPUs in id order as a scan would */
        const uint64_t *idle = cfs_idle_mask(s);
        int n = vl_npcpus(s);
        for (int i = vl_bit_next(idle, 0, n); i >= 0; i = vl_bit_next(idle, i + 1, n)) {
            vl_pcpu *q = vl_pcpu_get(s, i);
            if (pcpu_idle(q) && cfs_idle_balance(s, q, now))
                cfs_resched(q);
        }
    }
}
