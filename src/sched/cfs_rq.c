/* sched/cfs_rq.c - entities and runqueues of the `cfs` policy (see cfs.c for
 * the design): virtual runtime, the vruntime-ordered queue, buddies, the
 * pick, ideal slices, and the two-level hierarchy - a VM's group entity per
 * pCPU in the pCPU's root runqueue, the VM's vCPU entities in the group's
 * runqueue - with the group weights derived from the VM's shares.
 *
 * The functions follow Linux 3.x kernel/sched_fair.c by name and meaning
 * (update_curr, place_entity, pick_next_entity, sched_slice, ...); the code
 * is written from their documented behaviour, not copied. */
#include <assert.h>

#include "cfs_priv.h"

/* ------------------------------------------------------------------ entities */

/* Real time -> virtual time of an entity of this weight. */
static vl_ns calc_delta_fair(vl_ns delta, const cfs_se *se)
{
    if (se->weight == CFS_NICE_0_LOAD)
        return delta;
    return delta * CFS_NICE_0_LOAD / se->weight;
}

void cfs_rq_init(cfs_rq *q, cfs_group *owner)
{
    vl_list_init(&q->queue);
    q->curr = q->next = q->last = q->skip = NULL;
    q->nr_running = 0;
    q->load = 0;
    q->min_vruntime = 0;
    q->grp = owner;
}

static cfs_se *se_of(vl_list *l) { return vl_container_of(l, cfs_se, link); }

static cfs_se *leftmost(const cfs_rq *q)
{
    vl_list *l = vl_list_first(&q->queue);
    return l ? se_of(l) : NULL;
}

cfs_se *cfs_leftmost(const cfs_rq *q) { return leftmost(q); }

static cfs_se *next_queued(const cfs_rq *q, const cfs_se *se)
{
    return se->link.next == &q->queue ? NULL : se_of(se->link.next);
}

/* Ascending vruntime; an entity goes after those with an equal one.
 * Looked for from the back when it comes back from running (put_prev:
 * its vruntime grew, it usually goes last), else from the front (a
 * woken entity is placed near min_vruntime): the same place either way,
 * fewer entities read (each is another vCPU's cache line). */
static void queue_insert(cfs_rq *q, cfs_se *se, bool from_back)
{
    vl_list *pos;
    if (from_back) {
        for (pos = q->queue.prev; pos != &q->queue && se_of(pos)->vruntime > se->vruntime;)
            pos = pos->prev;
        vl_list_add_after(pos, &se->link);
        return;
    }
    vl_list_for_each(pos, &q->queue) {
        if (se_of(pos)->vruntime > se->vruntime)
            break;
    }
    vl_list_add_before(pos, &se->link);
}

/* min_vruntime follows the smallest of curr and the leftmost, never back. */
static void update_min_vruntime(cfs_rq *q)
{
    vl_ns vr = q->min_vruntime;
    cfs_se *left = leftmost(q);
    if (q->curr)
        vr = q->curr->vruntime;
    if (left)
        vr = q->curr && q->curr->vruntime < left->vruntime ? q->curr->vruntime : left->vruntime;
    if (vr > q->min_vruntime)
        q->min_vruntime = vr;
}

/* Charges the current entity of q with the time since its last charge;
 * at the vCPU level this also consumes the VM's bandwidth quota (Linux
 * account_cfs_rq_runtime is called from update_curr too). */
void cfs_update_curr(cfs_rq *q, vl_ns now)
{
    cfs_se *c = q->curr;
    if (!c)
        return;
    vl_ns delta = now - c->exec_start;
    if (delta <= 0)
        return;
    c->exec_start = now;
    c->sum_exec += delta;
    c->vruntime += calc_delta_fair(delta, c);
    update_min_vruntime(q);
    if (q->grp) {
        q->grp->load_unacc += delta;
        cfs_vm *dm = cfs_dm(q->grp->vm);
        if (dm->quota)
            dm->runtime -= delta;
    }
}

void cfs_update_pcpu(vl_pcpu *p, vl_ns now)
{
    cfs_rq *root = cfs_root(p);
    if (root->curr)
        cfs_update_curr(&root->curr->grp->q, now);
    cfs_update_curr(root, now);
}

/* A waking entity gets at most half a latency (gentle) of sleeper credit. */
static void place_entity(vl_sched *s, cfs_rq *q, cfs_se *se)
{
    cfs_priv *sp = cfs_sp(s);
    vl_ns thresh = sp->gentle_fair_sleepers ? sp->lat / 2 : sp->lat;
    vl_ns floor = q->min_vruntime - thresh;
    if (se->vruntime < floor)
        se->vruntime = floor;
}

static cfs_pcpu *root_pcpu(cfs_rq *root) { return vl_container_of(root, cfs_pcpu, root); }

/* After se joined (dir 1) or left (dir -1) q: the h_nr of q's pCPU, and
 * the host-wide indexes if its root runqueue changed. */
static void account(cfs_rq *q, cfs_se *se, int dir)
{
    cfs_pcpu *pc;
    if (!q->grp) { /* a group entity: its vCPUs join or leave the root */
        pc = root_pcpu(q);
        pc->h_nr += dir * se->grp->q.nr_running;
    } else if (q->grp->se.on_rq) { /* a vCPU of a group in the root */
        pc = root_pcpu(q->grp->se.rq);
        pc->h_nr += dir;
    } else {
        return; /* a vCPU of a throttled or empty group */
    }
    cfs_root_changed(pc);
}

void cfs_enqueue_entity(vl_sched *s, cfs_rq *q, cfs_se *se, bool wakeup, vl_ns now)
{
    cfs_update_curr(q, now);
    if (wakeup)
        place_entity(s, q, se);
    queue_insert(q, se, false);
    se->on_rq = true;
    se->rq = q;
    q->nr_running++;
    q->load += se->weight;
    account(q, se, 1);
}

void cfs_dequeue_entity(cfs_rq *q, cfs_se *se, vl_ns now)
{
    cfs_update_curr(q, now);
    cfs_clear_buddies(q, se);
    if (q->curr == se)
        q->curr = NULL;
    else
        vl_list_del(&se->link);
    se->on_rq = false;
    q->nr_running--;
    q->load -= se->weight;
    update_min_vruntime(q);
    account(q, se, -1);
}

/* ------------------------------------------------------------------ buddies */

/* A buddy is set on an entity and on every ancestor (for_each_sched_entity). */
void cfs_set_next_buddy(cfs_se *se)
{
    for (; se && se->on_rq; se = se->parent)
        se->rq->next = se;
}

void cfs_set_last_buddy(cfs_se *se)
{
    for (; se && se->on_rq; se = se->parent)
        se->rq->last = se;
}

void cfs_set_skip_buddy(cfs_se *se)
{
    for (; se && se->on_rq; se = se->parent)
        se->rq->skip = se;
}

void cfs_clear_buddies(cfs_rq *q, cfs_se *se)
{
    cfs_se *e;
    if (q->last == se)
        for (e = se; e && e->rq->last == e; e = e->parent)
            e->rq->last = NULL;
    if (q->next == se)
        for (e = se; e && e->rq->next == e; e = e->parent)
            e->rq->next = NULL;
    if (q->skip == se)
        for (e = se; e && e->rq->skip == e; e = e->parent)
            e->rq->skip = NULL;
}

/* 1: se is ahead of curr by more than the wake-up granularity (in se's
 * virtual time); -1: se is not ahead at all; 0: in between. */
int cfs_wakeup_preempt_entity(vl_sched *s, const cfs_se *curr, const cfs_se *se)
{
    vl_ns vdiff = curr->vruntime - se->vruntime;
    if (vdiff <= 0)
        return -1;
    return vdiff > calc_delta_fair(cfs_sp(s)->wake_gran, se) ? 1 : 0;
}

/* Leftmost, unless a buddy may run without being too unfair: avoid the
 * skip buddy, prefer the last buddy, and most of all the next buddy. */
static cfs_se *pick_next_entity(vl_sched *s, cfs_rq *q)
{
    cfs_se *left = leftmost(q), *se = left;
    if (!left)
        return NULL;
    if (q->skip == se) {
        cfs_se *second = next_queued(q, se);
        if (second && cfs_wakeup_preempt_entity(s, second, left) < 1)
            se = second;
    }
    if (q->last && cfs_wakeup_preempt_entity(s, q->last, left) < 1)
        se = q->last;
    if (q->next && cfs_wakeup_preempt_entity(s, q->next, left) < 1)
        se = q->next;
    cfs_clear_buddies(q, se);
    return se;
}

static void set_next_entity(cfs_rq *q, cfs_se *se, vl_ns now)
{
    vl_list_del(&se->link);
    q->curr = se;
    se->exec_start = now;
    se->prev_sum_exec = se->sum_exec;
}

static void put_prev_entity(cfs_rq *q, vl_ns now)
{
    cfs_se *se = q->curr;
    if (!se)
        return;
    cfs_update_curr(q, now);
    q->curr = NULL;
    queue_insert(q, se, true);
}

/* ------------------------------------------------------------------ slices */

static vl_ns sched_period(const cfs_priv *sp, int nr)
{
    return nr > sp->nr_latency ? (vl_ns)nr * sp->min_gran : sp->lat;
}

/* The entity's share of the period, through every level above it. */
static vl_ns sched_slice(vl_sched *s, cfs_se *se)
{
    vl_ns slice = sched_period(cfs_sp(s), se->rq->nr_running + !se->on_rq);
    for (; se; se = se->parent) {
        int64_t load = se->rq->load + (se->on_rq ? 0 : se->weight);
        slice = load > 0 ? slice * se->weight / load : slice;
    }
    return slice;
}

bool cfs_check_preempt_tick(vl_sched *s, cfs_rq *q, cfs_se *curr)
{
    vl_ns ideal = sched_slice(s, curr);
    vl_ns ran = curr->sum_exec - curr->prev_sum_exec;
    if (ran > ideal) {
        cfs_clear_buddies(q, curr);
        return true;
    }
    if (ran < cfs_sp(s)->min_gran)
        return false;
    cfs_se *left = leftmost(q);
    return left && curr->vruntime - left->vruntime > ideal;
}

/* ------------------------------------------------------------------ groups */

static cfs_group *vm_slot(vl_vm *d, int i) { return &cfs_vc(vl_vm_vcpu(d, i))->slot; }

static bool slot_free(cfs_group *g)
{
    return !g->pcpu || (g->q.nr_running == 0 && !g->se.on_rq);
}

/* Unbinding a slot: the sleeping vCPUs whose vruntime refers to its
 * runqueue keep it relative to that runqueue's min_vruntime. */
static void slot_unbind(vl_vm *d, cfs_group *g)
{
    for (int i = 0; i < vl_vm_nvcpus(d); i++) {
        cfs_vcpu *cv = cfs_vc(vl_vm_vcpu(d, i));
        if (cv->last_q == &g->q) {
            cv->se.vruntime -= g->q.min_vruntime;
            cv->vr_rel = true;
            cv->last_q = NULL;
        }
    }
}

/* VM d's group on p: the slot bound to p (at most one is), else a free
 * slot (never bound first, then the lowest index) bound to p now.  A fresh
 * group entity counts as a long sleeper on p.  `last` (may be NULL) is the
 * group the vCPU was last queued in, most often the one bound to p. */
static cfs_group *group_get(vl_sched *s, vl_vm *d, vl_pcpu *p, cfs_group *last)
{
    if (last && last->pcpu == p)
        return last;
    cfs_group *fresh = NULL, *reuse = NULL;
    for (int i = 0; i < vl_vm_nvcpus(d); i++) {
        cfs_group *g = vm_slot(d, i);
        if (g->pcpu == p)
            return g;
        if (!g->pcpu && !fresh)
            fresh = g;
        else if (!reuse && slot_free(g))
            reuse = g;
    }
    cfs_group *g = fresh ? fresh : reuse;
    assert(g); /* a VM has at most nvcpus - 1 busy groups when one more vCPU queues */
    if (g->pcpu) {
        slot_unbind(d, g);
        vl_list_del(&g->leaf_link); /* off its old pCPU's leaf list, if on it */
    }
    cfs_rq_init(&g->q, g);
    cfs_dm(d)->tg_load -= g->load_contrib;
    g->load_avg = g->load_contrib = 0;
    g->load_period = g->load_unacc = 0;
    g->load_stamp = g->load_last = vl_now(s);
    g->pcpu = p;
    g->se.rq = cfs_root(p);
    g->se.parent = NULL;
    g->se.weight = cfs_dm(d)->shares;
    g->se.vruntime = cfs_root(p)->min_vruntime - cfs_sp(s)->lat;
    return g;
}

static void reweight(cfs_group *g, int64_t w, vl_ns now)
{
    cfs_se *se = &g->se;
    if (se->weight == w)
        return;
    if (se->on_rq) {
        if (se->rq->curr == se)
            cfs_update_curr(se->rq, now);
        se->rq->load += w - se->weight;
        se->weight = w;
        cfs_root_changed(root_pcpu(se->rq));
        return;
    }
    se->weight = w;
}

/* Linux 3.2's group weights (kernel/sched_fair.c update_cfs_load,
 * update_cfs_rq_load_contribution, calc_cfs_shares, update_shares): each
 * group keeps the integral of its runqueue weight over a window of
 * sysctl_sched_shares_window (10 ms), both halved whenever the window grows
 * past it, and history is dropped after four idle windows.  Its
 * contribution to the VM's load (tg->load_weight) is that average as last
 * counted: recounted when the window folds, and then only if it moved by
 * more than an eighth, or in full at its pCPU's update_shares.  A group's
 * weight is shares x its instantaneous load / (the VM's load with its own
 * contribution replaced by that load), clamped to [MIN_SHARES, shares].
 * Updated where 3.2 does, each group from its own pCPU: the group a vCPU
 * joins or leaves (enqueue_entity, dequeue_entity), the running group at a
 * tick once it has run a window since its last update
 * (update_entity_shares_tick), and every group of a pCPU's leaf list when
 * that pCPU balances (update_shares: rebalance_domains, idle_balance).  A
 * group joins its pCPU's leaf list when a vCPU is queued in it alone, and
 * leaves it when an update finds it empty with no load history. */
#define CFS_SHARES_WINDOW VL_MS(10)

static void load_contribution(cfs_vm *dm, cfs_group *g, bool global)
{
    int64_t d = g->load_avg / (g->load_period + 1) - g->load_contrib;
    if (global || (d < 0 ? -d : d) > g->load_contrib / 8) {
        dm->tg_load += d;
        g->load_contrib += d;
    }
}

/* update_cfs_load(cfs_rq, global_update). */
static void update_load(cfs_group *g, vl_ns now, bool global)
{
    vl_ns delta = now - g->load_stamp;
    if (g->load_stamp > g->load_last && now - g->load_last > 4 * CFS_SHARES_WINDOW) {
        g->load_period = 0;
        g->load_avg = 0;
        delta = CFS_SHARES_WINDOW - 1;
    }
    g->load_stamp = now;
    g->load_unacc = 0;
    g->load_period += delta;
    if (g->q.load) {
        g->load_last = now;
        g->load_avg += delta * g->q.load;
    }
    if (global || g->load_period > CFS_SHARES_WINDOW || !g->load_period)
        load_contribution(cfs_dm(g->vm), g, global);
    while (g->load_period > CFS_SHARES_WINDOW) {
        g->load_period /= 2;
        g->load_avg /= 2;
    }
    if (!g->q.curr && !g->q.nr_running && !g->load_avg)
        vl_list_del(&g->leaf_link); /* list_del_leaf_cfs_rq */
}

/* The first steps of 3.2's enqueue_entity and dequeue_entity: the current
 * entity charged (its run time counts as unaccounted), then the group's
 * load brought up to now before a vCPU joins or leaves it. */
static void load_before_change(cfs_group *g, vl_ns now)
{
    cfs_update_curr(&g->q, now);
    update_load(g, now, false);
}

static int64_t load_window_shares(const cfs_vm *dm, const cfs_group *g)
{
    int64_t load = g->q.load, tg_weight = dm->tg_load - g->load_contrib + load;
    int64_t w = tg_weight ? dm->shares * load / tg_weight : dm->shares * load;
    return w < CFS_MIN_SHARES ? CFS_MIN_SHARES : w > dm->shares ? dm->shares : w;
}

/* update_cfs_shares. */
static void update_group_shares(cfs_group *g, vl_ns now)
{
    reweight(g, load_window_shares(cfs_dm(g->vm), g), now);
}

void cfs_tick_shares(vl_sched *s, vl_pcpu *p, vl_ns now)
{
    cfs_se *gse = cfs_root(p)->curr;
    if (!cfs_sp(s)->era->shares_load_window || !gse || gse->grp->load_unacc <= CFS_SHARES_WINDOW)
        return;
    update_load(gse->grp, now, false);
    update_group_shares(gse->grp, now);
}

void cfs_update_shares(vl_sched *s, vl_pcpu *p, vl_ns now)
{
    if (!cfs_sp(s)->era->shares_load_window)
        return;
    vl_list *l = cfs_pc(p)->leaf.next;
    while (l != &cfs_pc(p)->leaf) {
        cfs_group *g = vl_container_of(l, cfs_group, leaf_link);
        l = l->next; /* the update may take g off the list */
        update_load(g, now, true);
        update_group_shares(g, now);
    }
}

/* calc_cfs_shares with runnable vCPU counts standing in for load averages:
 * a group weighs shares x (its runnable vCPUs / the VM's), at least
 * MIN_SHARES.  Every group of the VM with queued vCPUs is updated at once
 * (each on its own pCPU, so their order does not matter). */
static void update_shares(vl_vm *d, vl_ns now)
{
    cfs_vm *dm = cfs_dm(d);
    vl_list *l;
    vl_list_for_each(l, &dm->active) {
        cfs_group *g = vl_container_of(l, cfs_group, active_link);
        int64_t w = dm->shares * g->q.nr_running / (dm->nr_runnable ? dm->nr_runnable : 1);
        reweight(g, w < CFS_MIN_SHARES ? CFS_MIN_SHARES : w, now);
    }
}

/* ------------------------------------------------------------------ vCPUs */

void cfs_enqueue_vcpu(vl_sched *s, vl_vcpu *v, vl_pcpu *p, bool wakeup, vl_ns now)
{
    cfs_vcpu *cv = cfs_vc(v);
    vl_vm *d = vl_vcpu_vm(v);
    cfs_vm *dm = cfs_dm(d);
    cfs_group *g = group_get(s, d, p, cv->se.parent ? cv->se.parent->grp : NULL);
    cfs_se *se = &cv->se;
    /* carry the vruntime over to the new runqueue (Linux normalises it
     * against min_vruntime when a task changes runqueue) */
    if (!cv->placed) {
        se->vruntime = g->q.min_vruntime;
        cv->placed = true;
        wakeup = false;
    } else if (cv->vr_rel) {
        se->vruntime += g->q.min_vruntime;
    } else if (cv->last_q != &g->q) {
        se->vruntime += g->q.min_vruntime - cv->last_q->min_vruntime;
    }
    cv->vr_rel = false;
    cv->last_q = &g->q;
    cv->cpu = p;
    se->parent = &g->se;
    bool window = cfs_sp(s)->era->shares_load_window;
    if (window)
        load_before_change(g, now);
    cfs_enqueue_entity(s, &g->q, se, wakeup, now);
    cfs_sp(s)->queued_on[vl_vcpu_id(v)] = (int16_t)vl_pcpu_id(p);
    if (g->q.nr_running == 1)
        vl_list_push_back(&dm->active, &g->active_link);
    dm->nr_runnable++;
    if (!g->se.on_rq && !dm->throttled)
        cfs_enqueue_entity(s, cfs_root(p), &g->se, true, now);
    if (window) {
        if (!vl_list_linked(&g->leaf_link)) /* list_add_leaf_cfs_rq */
            vl_list_push_back(&cfs_pc(p)->leaf, &g->leaf_link);
        update_group_shares(g, now);
    } else {
        update_shares(d, now);
    }
}

void cfs_dequeue_vcpu(vl_sched *s, vl_vcpu *v, vl_ns now)
{
    cfs_vcpu *cv = cfs_vc(v);
    vl_vm *d = vl_vcpu_vm(v);
    cfs_group *g = cfs_vcpu_group(cv);
    bool window = cfs_sp(s)->era->shares_load_window;
    if (window)
        load_before_change(g, now);
    cfs_dequeue_entity(&g->q, &cv->se, now);
    cfs_sp(s)->queued_on[vl_vcpu_id(v)] = -1;
    if (g->q.nr_running == 0)
        vl_list_del(&g->active_link);
    cfs_dm(d)->nr_runnable--;
    if (g->q.nr_running == 0 && g->se.on_rq)
        cfs_dequeue_entity(g->se.rq, &g->se, now);
    if (window)
        update_group_shares(g, now);
    else
        update_shares(d, now);
}

void cfs_put_prev(vl_sched *s, vl_pcpu *p, vl_ns now)
{
    cfs_rq *root = cfs_root(p);
    cfs_se *gse = root->curr;
    if (!gse)
        return;
    put_prev_entity(&gse->grp->q, now);
    put_prev_entity(root, now);
    /* out of quota: the group leaves the root runqueue (throttle_cfs_rq) */
    if (cfs_bw_check(s, gse->grp->vm, now) && gse->on_rq)
        cfs_dequeue_entity(root, gse, now);
}

vl_vcpu *cfs_pick_this(vl_pcpu *p, cfs_vcpu *cv, vl_ns now)
{
    cfs_rq *root = cfs_root(p);
    cfs_se *gse = cv->se.parent;
    assert(gse->on_rq && gse->rq == root && root->curr == NULL && cv->se.rq->curr == NULL);
    cfs_clear_buddies(root, gse);
    set_next_entity(root, gse, now);
    cfs_clear_buddies(cv->se.rq, &cv->se);
    set_next_entity(cv->se.rq, &cv->se, now);
    return cv->v;
}

vl_vcpu *cfs_pick_vcpu(vl_sched *s, vl_pcpu *p, vl_ns now)
{
    cfs_rq *root = cfs_root(p);
    cfs_se *gse = pick_next_entity(s, root);
    if (!gse)
        return NULL;
    set_next_entity(root, gse, now);
    cfs_rq *q = &gse->grp->q;
    cfs_se *se = pick_next_entity(s, q);
    assert(se); /* a group in the root runqueue is never empty */
    set_next_entity(q, se, now);
    return cfs_se_vcpu(se)->v;
}
