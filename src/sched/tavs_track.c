/* sched/tavs_track.c - tavs's task table and run evidence (tavs_track.h).
 * Touches only the structs it is given. */
#include <string.h>

#include "tavs_track.h"

tavs_task *tavs_task_find(const tavs_belief_params *bp, tavs_table *tb, uint64_t cr3)
{
    for (int i = 0; i < bp->task_slots; i++) {
        if (tb->tasks[i].cr3 == cr3)
            return &tb->tasks[i];
    }
    return NULL;
}

tavs_task *tavs_task_get(const tavs_belief_params *bp, tavs_table *tb, uint64_t cr3, vl_ns now,
                         bool *evicted)
{
    tavs_task *t = tavs_task_find(bp, tb, cr3);
    *evicted = false;
    if (t)
        return t;
    tavs_task *victim = &tb->tasks[0];
    for (int i = 0; i < bp->task_slots && victim->cr3; i++) {
        if (!tb->tasks[i].cr3 || tb->tasks[i].last_io < victim->last_io)
            victim = &tb->tasks[i];
    }
    *evicted = victim->cr3 != 0;
    *victim = (tavs_task){.cr3 = cr3, .belief = 0, .last_io = now};
    return victim;
}

bool tavs_believed(const tavs_belief_params *bp, const tavs_task *t)
{
    return t && t->belief > bp->bel_threshold;
}

void tavs_track_event(tavs_track *tr) { tr->event_pending = true; }

static void run_start(tavs_track *tr, bool from_wake, vl_ns cpu)
{
    tr->run_start = cpu;
    tr->run_after_event = tr->event_pending;
    tr->run_from_wake = from_wake;
    if (!from_wake) /* a CR3 load's run takes the event */
        tr->event_pending = false;
}

void tavs_track_cr3(tavs_track *tr, uint64_t cr3, vl_ns cpu)
{
    memmove(&tr->recent[1], &tr->recent[0], sizeof tr->recent - sizeof tr->recent[0]);
    tr->recent[0] = cr3;
    run_start(tr, false, cpu);
}

void tavs_track_wake(tavs_track *tr, vl_ns cpu) { run_start(tr, true, cpu); }

static int64_t clamp(int64_t x, int64_t lo, int64_t hi) { return x < lo ? lo : x > hi ? hi : x; }

tavs_evidence tavs_run_end(const tavs_belief_params *bp, tavs_table *tb, tavs_track *tr,
                           bool halted, vl_ns cpu, vl_ns now, tavs_task **task)
{
    if (task)
        *task = NULL;
    if (!tr->recent[0])
        return TAVS_EV_NONE;
    if (tr->run_from_wake && !halted)
        return TAVS_EV_AMBIGUOUS; /* the handler in the old address space */
    if (tr->run_from_wake)
        tr->event_pending = false; /* the resumed task took it */
    bool evicted;
    tavs_task *t = tavs_task_get(bp, tb, tr->recent[0], now, &evicted);
    if (task)
        *task = t;
    if (cpu - tr->run_start >= bp->io_threshold) {
        t->belief = clamp(t->belief - bp->neg_weight, bp->bel_min, bp->bel_max);
        return TAVS_EV_NEGATIVE;
    }
    if (!tr->run_after_event)
        return TAVS_EV_AMBIGUOUS;
    t->belief = clamp(t->belief + bp->pos_weight, bp->bel_min, bp->bel_max);
    t->last_io = now;
    return TAVS_EV_POSITIVE;
}
