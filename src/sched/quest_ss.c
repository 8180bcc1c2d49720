/* sched/quest_ss.c - the sporadic server of a Quest Main VCPU: a list of
 * at most QUEST_MAX_REPL replenishments (time, amount) whose amounts sum
 * to C, charged, split on blocking and merged as Quest's
 * kernel/sched/vcpu.c does it (the corrected POSIX sporadic server of
 * Stanovich et al.: budget_check, split_check, unblock_check, repl_merge).
 * It touches only the server state of the vCPU it is given (and the
 * policy's counters).  Facts and sources: docs/policies/quest.md.
 *
 * Invariants (quest_priv.h): the list is sorted by time, never empty, and
 * its amounts sum to C after every operation. */
#include <string.h>

#include "quest_priv.h"

static void pop(quest_ss *ss)
{
    memmove(&ss->q[0], &ss->q[1], (size_t)(ss->size - 1) * sizeof ss->q[0]);
    ss->size--;
}

/* Inserts (b, t) before the first entry due at or after t; a full list
 * takes nothing (repl_queue_add; no caller adds to a full list). */
static void add(quest_ss *ss, vl_ns b, vl_ns t)
{
    if (ss->size == QUEST_MAX_REPL)
        return;
    int i = 0;
    while (i < ss->size && ss->q[i].t < t)
        i++;
    memmove(&ss->q[i + 1], &ss->q[i], (size_t)(ss->size - i) * sizeof ss->q[0]);
    ss->q[i] = (quest_repl){t, b};
    ss->size++;
}

/* The head's amount joins the next entry, which keeps the head's time. */
static void merge_head(quest_ss *ss, vl_ns t)
{
    vl_ns b = ss->q[0].b;
    pop(ss);
    ss->q[0].b += b;
    ss->q[0].t = t;
}

void quest_ss_init(quest_ss *ss, vl_ns C, vl_ns now)
{
    ss->size = 0;
    ss->usage = 0;
    add(ss, C, now);
}

/* The head's amount less what has been used of it, if the head is due
 * (may be negative after an overrun); 0 if it is not. */
vl_ns quest_ss_capacity(const quest_ss *ss, vl_ns now)
{
    if (ss->q[0].t > now)
        return 0;
    return ss->q[0].b - ss->usage;
}

/* With no capacity left: every fully used replenishment is posted again
 * one period after its time; an overrun delays the head by its length and
 * may merge it with the next entry (budget_check). */
static void budget_check(vl_sched *s, quest_vcpu *q, vl_ns now)
{
    quest_ss *ss = &q->ss;
    if (quest_ss_capacity(ss, now) > 0)
        return;
    while (ss->q[0].b <= ss->usage) {
        quest_repl used = ss->q[0];
        ss->usage -= used.b;
        pop(ss);
        add(ss, used.b, used.t + q->T);
        vl_counter_add(s, QC_REPLENISH, 1);
    }
    if (ss->usage > 0) { /* overrun: Quest keeps `usage` as it is */
        ss->q[0].t += ss->usage;
        if (ss->size > 1 && ss->q[0].t + ss->q[0].b >= ss->q[1].t)
            merge_head(ss, ss->q[0].t);
    }
}

/* On blocking with part of the head used: the used part is posted one
 * period after the head's time and the head keeps the rest; with a full
 * list the rest joins the next entry instead, and the used part is posted
 * one period after that entry's time (split_check). */
static void split_check(vl_sched *s, quest_vcpu *q, vl_ns now)
{
    quest_ss *ss = &q->ss;
    if (ss->usage <= 0 || ss->q[0].t > now)
        return;
    vl_ns remnant = ss->q[0].b - ss->usage;
    if (ss->size == QUEST_MAX_REPL) {
        pop(ss);
        ss->q[0].b += remnant;
        vl_counter_add(s, QC_FULL_MERGE, 1);
    } else {
        ss->q[0].b = remnant;
    }
    add(ss, ss->usage, ss->q[0].t + q->T);
    ss->usage = 0;
    vl_counter_add(s, QC_SPLIT, 1);
}

/* The end of a slice in which q ran `ran` on budget: charge, split if it
 * blocked, and leave the budget available now in q->b
 * (main_vcpu_end_timeslice). */
void quest_ss_end_slice(vl_sched *s, quest_vcpu *q, vl_ns ran, bool blocked, vl_ns now)
{
    q->ss.usage += ran;
    budget_check(s, q, now);
    if (blocked)
        split_check(s, q, now);
    vl_ns cap = quest_ss_capacity(&q->ss, now);
    q->b = cap > 0 ? cap : 0;
}

/* Waking with capacity: the head is taken as starting now, and entries
 * due before that capacity would run out join it (unblock_check). */
void quest_ss_unblock(quest_vcpu *q, vl_ns now)
{
    quest_ss *ss = &q->ss;
    if (quest_ss_capacity(ss, now) <= 0)
        return;
    ss->q[0].t = now;
    while (ss->size > 1 && ss->q[1].t <= now + ss->q[0].b - ss->usage)
        merge_head(ss, now);
}

/* The first replenishment after now, or 0 (main_vcpu_next_event). */
vl_ns quest_ss_next_event(const quest_ss *ss, vl_ns now)
{
    for (int i = 0; i < ss->size; i++)
        if (ss->q[i].t > now)
            return ss->q[i].t;
    return 0;
}
