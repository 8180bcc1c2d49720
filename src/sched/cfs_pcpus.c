/* sched/cfs_pcpus.c - host-wide pCPU indexes of the `cfs` policy, kept up
 * to date incrementally so that wake-up placement and load balancing do not
 * scan every pCPU (Linux keeps nohz.idle_cpus_mask and per-domain masks for
 * the same reason).  Each gives exactly the answer of the scan it replaces.
 * cfs_root_changed (cfs_priv.h) is their only writer outside searches; it
 * runs whenever a root runqueue's nr_running, load or h_nr changes.
 *
 *   idle_mask    pCPUs whose root runqueue is empty: a superset of the idle
 *                pCPUs (the current vCPU of an empty root may have just
 *                blocked, its reschedule pending), so readers test
 *                pcpu_idle() on each hit.  Read by wake-up placement and the
 *                kicks of idle pCPUs (cfs_balance.c).
 *   busy_key     per pCPU, its root load if two or more vCPUs are runnable
 *                there (it is overloaded), else CFS_NOT_BUSY;
 *                nr_overloaded counts the overloaded pCPUs.
 *   busy_tree    a max-tree over the busy keys for find_busiest
 *                (cfs_balance.c): its leftmost maximum is the most loaded
 *                overloaded pCPU with the lowest id, the one its scan used
 *                to prefer.  A key that rises is written at once (it climbs
 *                while it is the largest); one that falls only marks its
 *                leaf stale (busy_stale), so a leaf holds an upper bound of
 *                its key.  A search lowers a stale leaf when it surfaces as
 *                the maximum, and hides (sets to CFS_NOT_BUSY, busy_hidden)
 *                the pCPUs it passes over until cfs_busy_search_end.
 *   total_load   the sum of the root loads (busy_balance's average).
 *   load_tree    a min-tree over every pCPU's root load, kept only for the
 *                policies with balance scheduling (balance.c) on large
 *                hosts: its leftmost minimum is the least-loaded pCPU with
 *                the lowest id, the one least_loaded's scan of all pCPUs
 *                chose; excluded pCPUs (a VM's sibling pCPUs) are set to
 *                TREE_HIDDEN for one search.
 *   place_tree   a min-tree over (root load, runnable vCPUs + running) of
 *                every pCPU, on large hosts: its leftmost minimum is fork
 *                balancing's choice (idlest_cpu's scan).  A root change or
 *                a decision on a pCPU (which may change whether a vCPU runs
 *                there) only marks its leaves dirty; a search first sets
 *                the dirty leaves (changes far outnumber searches).
 *   core/sock ranges (cfs_pcpu)
 *                the id range holding a pCPU's SMT siblings and its socket
 *                (ids are socket-major, then core, then thread); set at
 *                init.
 */
#include "cfs_priv.h"

/* Writes leaf id and recomputes its ancestors (either direction). */
static void tree_set(cfs_priv *sp, int id, int64_t key)
{
    int64_t *t = sp->busy_tree;
    int k = sp->busy_leaves + id;
    if (t[k] == key)
        return;
    t[k] = key;
    for (k >>= 1; k >= 1; k >>= 1) {
        int64_t m = t[2 * k] >= t[2 * k + 1] ? t[2 * k] : t[2 * k + 1];
        if (t[k] == m)
            break; /* the ancestors hold it already */
        t[k] = m;
    }
}

/* Whether the pCPUs of every socket (core) have consecutive ids: the
 * socket (core) numbers never go back as the ids grow. */
static bool grouped_by(vl_sched *s, int (*key)(const vl_pcpu *))
{
    for (int i = 1; i < vl_npcpus(s); i++)
        if (key(vl_pcpu_get(s, i)) < key(vl_pcpu_get(s, i - 1)))
            return false;
    return true;
}

/* The id range [*lo, *hi) of the pCPUs around id with the same key; the
 * whole host if the ids are not grouped by it (readers check membership
 * on each hit, so that is only slower). */
static void id_range(vl_sched *s, int id, int (*key)(const vl_pcpu *), bool grouped, int *lo,
                     int *hi)
{
    int n = vl_npcpus(s), k = key(vl_pcpu_get(s, id));
    *lo = 0;
    *hi = n;
    if (!grouped)
        return;
    for (*lo = id; *lo > 0 && key(vl_pcpu_get(s, *lo - 1)) == k; --*lo)
        ;
    for (*hi = id + 1; *hi < n && key(vl_pcpu_get(s, *hi)) == k; ++*hi)
        ;
}

static void trees_init(vl_sched *s);

void cfs_pcpus_init(vl_sched *s)
{
    cfs_priv *sp = cfs_sp(s);
    int n = vl_npcpus(s);
    bool by_socket = grouped_by(s, vl_pcpu_socket), by_core = grouped_by(s, vl_pcpu_core);
    sp->busy_leaves = 1;
    while (sp->busy_leaves < n)
        sp->busy_leaves <<= 1;
    for (int k = 1; k < 2 * sp->busy_leaves; k++)
        sp->busy_tree[k] = CFS_NOT_BUSY;
    sp->nr_overloaded = 0;
    sp->total_load = 0;
    for (int i = 0; i < n; i++) {
        cfs_pcpu *pc = cfs_pc(vl_pcpu_get(s, i));
        pc->sp = sp;
        pc->id = i;
        pc->h_nr = 0;
        sp->root_load[i] = 0;
        id_range(s, i, vl_pcpu_core, by_core, &pc->core_lo, &pc->core_hi);
        id_range(s, i, vl_pcpu_socket, by_socket, &pc->sock_lo, &pc->sock_hi);
        sp->busy_key[i] = CFS_NOT_BUSY;
        vl_bit_set(sp->idle_mask, i);
    }
    trees_init(s);
}

void cfs_busy_key_set(cfs_priv *sp, int id, int64_t key)
{
    int64_t *t = sp->busy_tree;
    int k = sp->busy_leaves + id;
    sp->nr_overloaded += (key != CFS_NOT_BUSY) - (sp->busy_key[id] != CFS_NOT_BUSY);
    sp->busy_key[id] = key;
    if (key < t[k]) {
        vl_bit_set(sp->busy_stale, id); /* lowered when it surfaces in a search */
        return;
    }
    vl_bit_clear(sp->busy_stale, id);
    t[k] = key;
    for (k >>= 1; k >= 1 && t[k] < key; k >>= 1) /* a rise: only where it is the maximum */
        t[k] = key;
}

int cfs_busy_search_top(cfs_priv *sp)
{
    const int64_t *t = sp->busy_tree;
    for (;;) {
        if (t[1] == CFS_NOT_BUSY)
            return -1;
        int k = 1;
        while (k < sp->busy_leaves) /* towards the maximum, leftwards on ties */
            k = t[2 * k] >= t[2 * k + 1] ? 2 * k : 2 * k + 1;
        int id = k - sp->busy_leaves;
        /* a leaf that holds its key is the leftmost largest key: every
         * leaf holds at least its key */
        if (!vl_bit_test(sp->busy_stale, id))
            return id;
        vl_bit_clear(sp->busy_stale, id);
        tree_set(sp, id, sp->busy_key[id]);
    }
}

void cfs_busy_hide(cfs_priv *sp, int id)
{
    vl_bit_set(sp->busy_hidden, id);
    vl_bit_clear(sp->busy_stale, id);
    tree_set(sp, id, CFS_NOT_BUSY);
}

void cfs_busy_search_end(vl_sched *s)
{
    cfs_priv *sp = cfs_sp(s);
    int n = vl_npcpus(s);
    for (int id = vl_bit_next(sp->busy_hidden, 0, n); id >= 0;
         id = vl_bit_next(sp->busy_hidden, id + 1, n)) {
        vl_bit_clear(sp->busy_hidden, id);
        tree_set(sp, id, sp->busy_key[id]); /* no key changed during the search */
    }
}

/* ---------------------------------------------------- load and place trees */

#define TREE_HIDDEN INT64_MAX /* a leaf a search passes over */
#define PLACE_NR_BITS 24      /* runnable vCPUs of a pCPU: fewer than 2^24 */

/* Writes leaf id of min-tree t and recomputes its ancestors. */
static void tree_min_set(int64_t *t, int leaves, int id, int64_t key)
{
    int k = leaves + id;
    if (t[k] == key)
        return;
    t[k] = key;
    for (k >>= 1; k >= 1; k >>= 1) {
        int64_t m = t[2 * k] <= t[2 * k + 1] ? t[2 * k] : t[2 * k + 1];
        if (t[k] == m)
            break; /* the ancestors hold it already */
        t[k] = m;
    }
}

/* The leftmost leaf holding min-tree t's minimum, -1 if all are hidden. */
static int tree_min_leaf(const int64_t *t, int leaves)
{
    if (t[1] == TREE_HIDDEN)
        return -1;
    int k = 1;
    while (k < leaves) /* towards the minimum, leftwards on ties */
        k = t[2 * k] <= t[2 * k + 1] ? 2 * k : 2 * k + 1;
    return k - leaves;
}

static int64_t load_key(vl_sched *s, int id) { return cfs_sp(s)->root_load[id]; }

/* idlest_cpu's order (cfs_balance.c): the root load, then the runnable
 * vCPUs and one more if a vCPU runs there. */
static int64_t place_key(vl_sched *s, int id)
{
    vl_pcpu *p = vl_pcpu_get(s, id);
    int64_t nr = cfs_nr_vcpus(p) + !vl_pcpu_is_idle(p);
    return cfs_root(p)->load << PLACE_NR_BITS | nr;
}

int cfs_index_scan_pcpus = 64;

void cfs_load_index_on(vl_sched *s)
{
    cfs_sp(s)->load_index = vl_npcpus(s) > cfs_index_scan_pcpus;
}

/* At init every root runqueue is empty and every pCPU idle: every pCPU's
 * leaves are 0, the leaves past the pCPUs stay hidden. */
static void trees_init(vl_sched *s)
{
    cfs_priv *sp = cfs_sp(s);
    sp->place_index = vl_npcpus(s) > cfs_index_scan_pcpus;
    for (int k = 1; k < 2 * sp->busy_leaves; k++)
        sp->load_tree[k] = sp->place_tree[k] = TREE_HIDDEN;
    for (int i = 0; i < vl_npcpus(s); i++) {
        tree_min_set(sp->load_tree, sp->busy_leaves, i, 0);
        tree_min_set(sp->place_tree, sp->busy_leaves, i, 0);
    }
}

/* Sets the leaves of tree t marked in `dirty` since its last search. */
static void tree_catch_up(vl_sched *s, int64_t *t, uint64_t *dirty, int64_t (*key)(vl_sched *, int))
{
    int n = vl_npcpus(s), leaves = cfs_sp(s)->busy_leaves;
    for (int i = vl_bit_next(dirty, 0, n); i >= 0; i = vl_bit_next(dirty, i + 1, n)) {
        vl_bit_clear(dirty, i);
        tree_min_set(t, leaves, i, key(s, i));
    }
}

int cfs_least_loaded(vl_sched *s, const int *excluded, int nexcluded)
{
    cfs_priv *sp = cfs_sp(s);
    tree_catch_up(s, sp->load_tree, sp->load_dirty, load_key);
    for (int i = 0; i < nexcluded; i++)
        tree_min_set(sp->load_tree, sp->busy_leaves, excluded[i], TREE_HIDDEN);
    int id = tree_min_leaf(sp->load_tree, sp->busy_leaves);
    for (int i = 0; i < nexcluded; i++)
        tree_min_set(sp->load_tree, sp->busy_leaves, excluded[i], load_key(s, excluded[i]));
    return id;
}

int cfs_idlest(vl_sched *s)
{
    cfs_priv *sp = cfs_sp(s);
    if (!sp->place_index)
        return -1;
    tree_catch_up(s, sp->place_tree, sp->place_dirty, place_key);
    return tree_min_leaf(sp->place_tree, sp->busy_leaves);
}
