/* guest/balance.c - load balancing between a guest's vCPUs: the
 * scheduler's balancer (guest/module.h: idle_pull, balance_tick,
 * balance_catch_up; it keeps each vCPU's next_balance).
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
 *   from the vCPU with the most (newidle_balance).  Whenever it looks at a
 *   busiest vCPU's waiting tasks it holds that vCPU's runqueue lock, and
 *   its own while attaching what it took (guest/rqlock.c,
 *   vl_rqlock_balanced); finding no imbalance takes no lock.
 *
 * TODO
 *   - cache-hot tasks (sched_migration_cost), active balancing of a
 *     running task, nohz idle balancing (idle vCPUs halt and are found by
 *     wake-up placement instead), the imbalance_pct margin (never decisive
 *     with the whole-task loads used here: no PELT averages). */
#include "guest/gsched.h"
#include "guest/module.h"
#include "guest/rqlock.h"
#include "guest/runqueue.h"

/* sd_init (kernel/sched/topology.c, Linux >= 5.10): a busy CPU balances
 * busy_factor times less often than an idle one. */
#define BALANCE_BUSY_FACTOR 16

/* One vCPU's balancing state (its sched_domain's). */
typedef struct balance_cpu {
    vl_ns interval;         /* sd->balance_interval (before busy_factor) */
    int failed;             /* sd->nr_balance_failed                     */
} balance_cpu;

static balance_cpu *cpu_of(const vl_guest *g, int v)
{
    return vl_gmod_vcpu(g, VL_GMOD_balance, sizeof(balance_cpu), v);
}

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
static vl_ns busy_step(const vl_guest *g, const balance_cpu *b)
{
    vl_ns d = b->interval * BALANCE_BUSY_FACTOR;
    return (d + g->quantum - 1) / g->quantum * g->quantum;
}

/* newidle_balance: v is about to go idle; pulls one waiting task from the
 * vCPU with the most waiting tasks.  False when there is none. */
static bool idle_pull(vl_guest *g, int v, vl_ns now)
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
    vl_task *t = vl_rq_first(&g->vcpus[busiest]);
    vl_gsched_migrate(g, t, v, now);
    vl_rqlock_balanced(g, v, t, busiest, 1);
    return true;
}

/* The periodic balance attempts of v that fell while no task waited in
 * the guest found nothing (each doubled the interval): skips them, so that
 * v's next attempt lies on its grid at or after g->waiting_since.  Called
 * before the next attempt's time is used while tasks wait. */
static void catch_up(vl_guest *g, int v)
{
    balance_cpu *b = cpu_of(g, v);
    vl_ns since = g->waiting_since, *next = &g->vcpus[v].next_balance;
    if (*next >= since)
        return;
    b->interval = max_interval(g);
    b->failed = 0;
    vl_ns step = busy_step(g, b);
    *next += (since - *next + step - 1) / step * step;
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
    balance_cpu *b = cpu_of(g, v);
    int shift = b->failed < 31 ? b->failed : 31, moved = 0;
    vl_list *pos, *tmp;
    vl_list_for_each_safe(pos, tmp, &g->vcpus[busiest].runq) {
        vl_task *t = vl_container_of(pos, vl_task, link);
        if ((t->weight >> shift) > room)
            continue;
        vl_gsched_migrate(g, t, v, now);
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
    balance_cpu *b = cpu_of(g, v);
    int busiest = busiest_vcpu(g, v);
    uint64_t room = busiest < 0 ? 0 : imbalance(g, v, busiest);
    if (room == 0) { /* balanced: look less often */
        b->failed = 0;
        if (b->interval < max_interval(g))
            b->interval *= 2;
        return 0;
    }
    int moved = pull(g, v, busiest, room, at);
    vl_rqlock_balanced(g, v, g->vcpus[v].curr, busiest, moved);
    b->failed = moved ? 0 : b->failed + 1;
    b->interval = min_interval(g);
    return moved;
}

/* The tick of busy vCPU v at `at`: the periodic balance, if due.  Returns
 * the number of tasks pulled to v. */
static int balance_tick(vl_guest *g, int v, vl_ns at)
{
    balance_cpu *b = cpu_of(g, v);
    if (g->nvcpus == 1 || g->nr_waiting == 0 || g->vcpus[v].hotplug != VL_HP_ONLINE)
        return 0; /* nothing waits anywhere (catch_up accounts for this
                   * attempt), or v is going offline */
    catch_up(g, v);
    if (at < g->vcpus[v].next_balance)
        return 0;
    int moved = load_balance(g, v, at);
    g->vcpus[v].next_balance = at + busy_step(g, b);
    return moved;
}

/* Every vCPU starts at the shortest interval, due at the first tick of
 * its grid. */
static int balance_init(vl_guest *g, const vl_guest_spec *spec)
{
    (void)spec;
    for (int v = 0; v < g->nvcpus; v++) {
        cpu_of(g, v)->interval = min_interval(g);
        g->vcpus[v].next_balance = vl_gsched_tick_after(g, v, -1);
    }
    return 0;
}

const vl_gmod vl_gmod_balance = {
    .name = "balance",
    .vcpu_size = sizeof(balance_cpu),
    .init = balance_init,
    .idle_pull = idle_pull,
    .balance_tick = balance_tick,
    .balance_catch_up = catch_up,
};
