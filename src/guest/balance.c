/* guest/balance.c - load balancing between a guest's vCPUs.
 *
 * Design
 *   The guest's vCPUs form one scheduling domain (one LLC).  A busy vCPU
 *   balances from its tick every balance interval x busy_factor: it finds
 *   the vCPU with the largest load (sum of the weights of its current and
 *   waiting tasks) that has waiting tasks, and pulls waiting tasks, from
 *   the leftmost on, whose weight fits in the imbalance - the smaller of
 *   how far the busiest is above the domain's average load and how far it
 *   is below (calculate_imbalance, migrate_load).  A task that does not
 *   fit counts its weight halved per failed attempt (nr_balance_failed),
 *   so an imbalance of one task (2 tasks on one vCPU, 1 on another) is
 *   fixed every other attempt and the tasks take turns on the lighter
 *   vCPU, as in Linux.  The interval starts at the domain's weight in ms,
 *   doubles (up to twice that) while balanced and returns to the start
 *   after an imbalance.  A vCPU about to go idle pulls one waiting task
 *   from the vCPU with the most (newidle_balance).
 *
 * TODO
 *   - cache-hot tasks (sched_migration_cost), active balancing of a
 *     running task, nohz idle balancing (idle vCPUs halt and are found by
 *     wake-up placement instead), the imbalance_pct margin (never decisive
 *     with the whole-task loads used here: no PELT averages). */
#include "guest/balance.h"

#include "guest/gsched.h"
#include "guest/runqueue.h"

/* sd_init (kernel/sched/topology.c, Linux >= 5.10): a busy CPU balances
 * busy_factor times less often than an idle one. */
#define BALANCE_BUSY_FACTOR 16

/* sd->min_interval: the domain's weight (its CPU count) in ms. */
static vl_ns min_interval(const vl_guest *g)
{
    return VL_MS(g->nvcpus);
}

/* sd->max_interval: twice the weight. */
static vl_ns max_interval(const vl_guest *g)
{
    return 2 * min_interval(g);
}

/* The busy interval in whole ticks (msecs_to_jiffies rounds up). */
static vl_ns busy_step(const vl_guest *g, const vl_gvcpu *gv)
{
    vl_ns d = gv->balance_interval * BALANCE_BUSY_FACTOR;
    return (d + g->quantum - 1) / g->quantum * g->quantum;
}

void vl_balance_init(vl_guest *g, int v)
{
    vl_gvcpu *gv = &g->vcpus[v];
    gv->balance_interval = min_interval(g);
    gv->next_balance = vl_gsched_tick_after(g, v, -1); /* the first tick of its grid */
    gv->balance_failed = 0;
}

void vl_balance_migrate(vl_guest *g, vl_task *t, int to, vl_ns now)
{
    vl_rq_move(g, t, to, now);
    g->migrations++;
}

bool vl_balance_idle_pull(vl_guest *g, int v, vl_ns now)
{
    if (g->nr_waiting == 0)
        return false;
    int busiest = -1, most = 0;
    for (int w = 0; w < g->nvcpus; w++) {
        if (w != v && g->vcpus[w].nr_waiting > most) {
            most = g->vcpus[w].nr_waiting;
            busiest = w;
        }
    }
    if (busiest < 0)
        return false;
    vl_balance_migrate(g, vl_rq_first(&g->vcpus[busiest]), v, now);
    return true;
}

void vl_balance_catch_up(vl_guest *g, int v)
{
    vl_gvcpu *gv = &g->vcpus[v];
    vl_ns since = g->waiting_since;
    if (gv->next_balance >= since)
        return;
    gv->balance_interval = max_interval(g);
    gv->balance_failed = 0;
    vl_ns step = busy_step(g, gv);
    gv->next_balance += (since - gv->next_balance + step - 1) / step * step;
}

/* The vCPU other than v with waiting tasks and the largest load, or -1. */
static int busiest_vcpu(const vl_guest *g, int v)
{
    int busiest = -1;
    uint64_t most = 0;
    for (int w = 0; w < g->nvcpus; w++) {
        const vl_gvcpu *gw = &g->vcpus[w];
        if (w != v && gw->nr_waiting > 0 && gw->load > most) {
            most = gw->load;
            busiest = w;
        }
    }
    return busiest;
}

/* The load v may pull from `busiest` (0: balanced). */
static uint64_t imbalance(const vl_guest *g, int v, int busiest)
{
    uint64_t total = 0;
    for (int w = 0; w < g->nvcpus; w++)
        total += g->vcpus[w].load;
    uint64_t avg = total / (uint64_t)(g->nonline > 0 ? g->nonline : 1), most = g->vcpus[busiest].load,
             local = g->vcpus[v].load;
    if (most <= avg || local >= avg)
        return 0;
    return most - avg < avg - local ? most - avg : avg - local;
}

/* detach_tasks: pulls waiting tasks of `busiest` while they fit in `room`;
 * returns how many moved. */
static int pull(vl_guest *g, int v, int busiest, uint64_t room, vl_ns now)
{
    vl_gvcpu *gv = &g->vcpus[v];
    int shift = gv->balance_failed < 31 ? gv->balance_failed : 31, moved = 0;
    vl_list *pos, *tmp;
    vl_list_for_each_safe(pos, tmp, &g->vcpus[busiest].runq) {
        vl_task *t = vl_container_of(pos, vl_task, link);
        if ((t->weight >> shift) > room)
            continue;
        vl_balance_migrate(g, t, v, now);
        moved++;
        if (t->weight >= room)
            break;
        room -= t->weight;
    }
    return moved;
}

/* load_balance at `at`; the outcome sets the next interval. */
static int load_balance(vl_guest *g, int v, vl_ns at)
{
    vl_gvcpu *gv = &g->vcpus[v];
    int busiest = busiest_vcpu(g, v);
    uint64_t room = busiest < 0 ? 0 : imbalance(g, v, busiest);
    if (room == 0) { /* balanced: look less often */
        gv->balance_failed = 0;
        if (gv->balance_interval < max_interval(g))
            gv->balance_interval *= 2;
        return 0;
    }
    int moved = pull(g, v, busiest, room, at);
    gv->balance_failed = moved ? 0 : gv->balance_failed + 1;
    gv->balance_interval = min_interval(g);
    return moved;
}

int vl_balance_tick(vl_guest *g, int v, vl_ns at)
{
    vl_gvcpu *gv = &g->vcpus[v];
    if (g->nvcpus == 1 || g->nr_waiting == 0 || gv->hotplug != VL_HP_ONLINE)
        return 0; /* nothing waits anywhere (catch_up accounts for this
                   * attempt), or v is going offline */
    vl_balance_catch_up(g, v);
    if (at < gv->next_balance)
        return 0;
    int moved = load_balance(g, v, at);
    gv->next_balance = at + busy_step(g, gv);
    return moved;
}
