/* sched/quest_pibs.c - a Quest I/O VCPU as a priority-inheritance
 * bandwidth-preserving server (PIBS): utilisation U, a period T inherited
 * from the Main VCPU whose I/O it serves, a budget of T x U, one pending
 * replenishment, and an eligibility time that advances by the CPU time
 * used divided by U (Quest's kernel/sched/vcpu.c: io_vcpu_unblock,
 * io_vcpu_end_timeslice, io_vcpu_update_replenishments).  It touches only
 * the server state of the vCPU it is given (and the policy's counters).
 * Facts and sources: docs/policies/quest.md.
 *
 * Invariant: while a replenishment is pending its time is the eligibility
 * time e; b is 0 from the end of a depleting or blocking slice until it. */
#include "quest_priv.h"

/* T x U, in whole ns. */
vl_ns quest_pibs_cmax(const quest_vcpu *q, vl_ns T)
{
    return (vl_ns)((__int128)T * q->u_ppm / 1000000);
}

/* Ready to run at once with a full budget (Quest starts an I/O VCPU with
 * b = C). */
void quest_pibs_init(quest_vcpu *q)
{
    q->pibs = (quest_pibs){0};
    q->b = quest_pibs_cmax(q, q->T);
}

/* A due replenishment becomes the budget. */
void quest_pibs_refresh(vl_sched *s, quest_vcpu *q, vl_ns now)
{
    quest_pibs *io = &q->pibs;
    if (!io->r_pending || io->r_t > now)
        return;
    q->b = io->r_b;
    io->r_pending = false;
    vl_counter_add(s, QC_PIBS_REPLENISH, 1);
}

/* The end of a slice in which q ran `ran`: the budget shrinks; once it is
 * spent or q blocked, e advances by usage / U, the replenishment moves to
 * e, and the budget is gone until then. */
void quest_pibs_end_slice(quest_vcpu *q, vl_ns ran, bool blocked)
{
    quest_pibs *io = &q->pibs;
    q->b -= ran < q->b ? ran : q->b;
    io->usage += ran;
    if (!blocked && q->b > 0)
        return;
    io->e += (vl_ns)((__int128)io->usage * 1000000 / q->u_ppm);
    if (!io->r_pending) {
        io->r_b = quest_pibs_cmax(q, q->T);
        io->r_pending = true;
    }
    io->r_t = io->e;
    io->usage = 0;
    q->b = 0;
    if (blocked)
        io->budgeted = false;
}

/* Waking: an eligibility time in the past moves up to now; a
 * replenishment of T x U is posted at e (or the pending one takes the
 * current T x U). */
void quest_pibs_unblock(quest_vcpu *q, vl_ns now)
{
    quest_pibs *io = &q->pibs;
    if (!io->budgeted && io->e < now)
        io->e = now;
    vl_ns cmax = quest_pibs_cmax(q, q->T);
    if (io->r_pending) {
        io->r_b = cmax;
    } else if (!io->budgeted) {
        io->r_t = io->e;
        io->r_b = cmax;
        io->r_pending = true;
    }
    io->budgeted = true;
}
