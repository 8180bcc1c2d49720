/* sched/credit2_budget.c - Credit2's caps (Xen's unit_grab_budget,
 * unit_return_budget, park_unit, unpark_parked_units,
 * replenish_domain_budget).  A capped VM has a pool of run time, refilled
 * to cap x cap_period / 100 every cap_period; a vCPU about to run grabs a
 * quota from it (its share of the pool, at least min_timer) and gives
 * back what it did not use when it stops; a vCPU that finds the pool
 * empty is parked until a refill or a returned quota.  Touches the VMs'
 * pools, the vCPUs' budgets and parked state, and queues and tickles
 * unparked vCPUs.
 *
 * Simplification: Xen arms one replenishment timer per VM when its cap is
 * set; here every cap is set at time 0, so the timers are in phase and
 * one instance timer refills every capped VM.
 *
 * Invariants
 *   - a vCPU is PARKED iff it is on its VM's parked list, and then it is
 *     neither queued nor chosen to run;
 *   - the vCPUs of uncapped VMs never touch their budget.
 */
#include <assert.h>

#include "credit2_priv.h"

void c2_budget_init(vl_sched *s)
{
    c2_priv *prv = c2p(s);
    vl_list_init(&prv->capped_vms);
    for (int d = 0; d < vl_nvms(s); d++) {
        vl_vm *vm = vl_vm_get(s, d);
        c2_vm *dv = c2d(vm);
        vl_list_init(&dv->parked);
        vl_list_init(&dv->capped_link);
        if (!dv->cap)
            continue;
        /* Xen's csched2_dom_cntl, setting a cap */
        dv->tot_budget = prv->cap_period * dv->cap / 100;
        dv->budget = dv->tot_budget;
        vl_list_push_back(&prv->capped_vms, &dv->capped_link);
        vl_ns quota = dv->tot_budget / vl_vm_nvcpus(vm);
        for (int i = 0; i < vl_vm_nvcpus(vm); i++) {
            c2_vcpu *sv = c2v(vl_vm_vcpu(vm, i));
            sv->budget_quota = quota > prv->min_timer ? quota : prv->min_timer;
            sv->budget = 0; /* grabs its first quota when it is about to run */
        }
    }
    prv->next_repl = vl_now(s) + prv->cap_period;
    if (!vl_list_empty(&prv->capped_vms))
        vl_timer_arm(s, NULL, C2_TIMER_REPL, prv->next_repl);
}

/* Xen's park_unit. */
static void park(vl_sched *s, c2_vcpu *sv)
{
    sv->flags |= C2_FLAG_PARKED;
    vl_vcpu_set_parked(sv->v, true);
    vl_counter_add(s, C2_C_PARKS, 1);
    if (c2_queued(sv)) {
        c2_runq_remove(s, sv);
        c2_update_load(s, c2rq(s, sv->rq), sv, -1, vl_now(s));
    }
    vl_list_push_front(&c2d(vl_vcpu_vm(sv->v))->parked, &sv->parked_link);
}

/* Xen's unit_grab_budget: a vCPU with budget left keeps it; else its
 * overrun is charged to the pool and it takes a quota (or what is left),
 * or is parked if the pool is empty.  True if it has budget to run. */
bool c2_grab_budget(vl_sched *s, c2_vcpu *sv)
{
    c2_vm *dv = c2d(vl_vcpu_vm(sv->v));
    assert(dv->cap > 0);
    if (sv->budget > 0)
        return true;
    dv->budget += sv->budget;
    if (dv->budget > 0) {
        vl_ns b = dv->budget >= sv->budget_quota ? sv->budget_quota : dv->budget;
        sv->budget = b;
        dv->budget -= b;
    } else {
        sv->budget = 0;
        park(s, sv);
    }
    return sv->budget > 0;
}

/* Xen's unit_return_budget: what sv did not use goes back to the pool.
 * True if the pool has budget again (the caller then unparks the VM). */
bool c2_return_budget(vl_sched *s, c2_vcpu *sv)
{
    (void)s;
    c2_vm *dv = c2d(vl_vcpu_vm(sv->v));
    dv->budget += sv->budget;
    sv->budget = 0;
    return dv->budget > 0;
}

/* Xen's unpark_parked_units over every parked vCPU of dv: a vCPU still
 * chosen to run is queued by context_saved; a runnable one is queued and
 * tickled; a blocked one just stops being parked. */
void c2_unpark_vm(vl_sched *s, c2_vm *dv)
{
    vl_ns now = vl_now(s);
    vl_list *pos, *tmp;
    vl_list_for_each_safe(pos, tmp, &dv->parked) {
        c2_vcpu *sv = vl_container_of(pos, c2_vcpu, parked_link);
        vl_list_del(&sv->parked_link);
        sv->flags &= ~C2_FLAG_PARKED;
        vl_vcpu_set_parked(sv->v, false);
        vl_counter_add(s, C2_C_UNPARKS, 1);
        if (c2_scheduled(sv)) {
            sv->flags |= C2_FLAG_REQUEUE;
        } else if (c2_runnable(sv) && vl_vcpu_runstate(sv->v) == VL_RUNNABLE) {
            c2_update_load(s, c2rq(s, sv->rq), sv, 1, now);
            c2_runq_insert(s, sv);
            c2_runq_tickle(s, sv, now);
        }
    }
}

/* Xen's replenish_domain_budget for every capped VM: one refill per
 * period elapsed, the pool kept at most tot_budget, and the parked vCPUs
 * unparked if the pool is positive. */
void c2_replenish(vl_sched *s, vl_ns now)
{
    c2_priv *prv = c2p(s);
    int64_t periods = 1 + (now - prv->next_repl) / prv->cap_period;
    prv->next_repl += periods * prv->cap_period;
    vl_list *pos;
    vl_list_for_each(pos, &prv->capped_vms) {
        c2_vm *dv = vl_container_of(pos, c2_vm, capped_link);
        dv->budget += periods * dv->tot_budget;
        vl_counter_add(s, C2_C_REPLENISHMENTS, 1);
        if (dv->budget <= 0)
            continue;
        if (dv->budget > dv->tot_budget)
            dv->budget = dv->tot_budget;
        c2_unpark_vm(s, dv);
    }
    vl_timer_arm(s, NULL, C2_TIMER_REPL, prv->next_repl);
}
