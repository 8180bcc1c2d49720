/* guest/hotplug.c - vCPU offline / online (guest/hotplug.h). */
#include "guest/hotplug.h"

#include "guest/exec.h"
#include "guest/gsched.h"
#include "guest/kernel.h"
#include "guest/module.h"

/* The hypervisor's request (the guest port's hotplug). */
static void hotplug_request(void *guest, int v, bool online, vl_ns now)
{
    vl_guest *g = guest;
    vl_gvcpu *gv = &g->vcpus[v];
    if (!online) {
        gv->hotplug = VL_HP_REQUESTED;
        g->nonline--;
        vl_hv_raise_irq(g->hv, g->vm, v, VL_VEC_HOTPLUG);
        return;
    }
    gv->hotplug = VL_HP_ONLINE; /* it runs the bring-up work first */
    g->nonline++;
    vl_exec_irq_work(g, v, vl_hotplug_of(g)->online_cost, vl_hotplug_of(g)->rip_up, now);
}

/* The hotplug interrupt on v: the offline handler runs, if asked. */
static void hotplug_interrupt(vl_guest *g, int v, int vector, vl_ns now)
{
    (void)vector;
    vl_exec_irq_settle(g, v, now);
    vl_gvcpu *gv = &g->vcpus[v];
    if (gv->hotplug != VL_HP_REQUESTED)
        return;
    gv->hotplug = VL_HP_LEAVING;
    vl_gmod_due(g, v, VL_GMOD_hotplug, true); /* irq_done, until v is off */
    vl_exec_irq_work(g, v, g->irq_entry_cost + vl_hotplug_of(g)->offline_cost, vl_hotplug_of(g)->rip_down, now);
}

/* v's handler work is done: if it ran the offline handler, the modules'
 * cpu_down steps follow and the current task gives way. */
static void hotplug_irq_done(vl_guest *g, int v, vl_ns now)
{
    vl_gvcpu *gv = &g->vcpus[v];
    if (gv->hotplug != VL_HP_LEAVING)
        return;
    VL_GUEST_CALL(g, cpu_down, g, v, now);
    if (gv->curr)
        gv->need_resched = true; /* off at its next preemption point */
}

/* v is leaving and has no handler work: moves its tasks off, runs the
 * modules' cpu_dying steps and stops it.  True if v went offline. */
static bool hotplug_leave(vl_guest *g, int v, vl_ns now)
{
    if (vl_guest_pending(g, v) > 0)
        return false;
    int moved = vl_gsched_evacuate(g, v, now);
    if (moved < 0)
        return false; /* its task is still inside the kernel */
    vl_hotplug_of(g)->moves += (uint64_t)moved;
    VL_GUEST_CALL(g, cpu_dying, g, v, now);
    if (!vl_exec_offline(g, v))
        return false; /* an interrupt was pending */
    g->vcpus[v].hotplug = VL_HP_OFFLINE;
    vl_gmod_due(g, v, VL_GMOD_hotplug, false);
    return true;
}

static int hotplug_init(vl_guest *g, const vl_guest_spec *spec)
{
    vl_ghotplug *hp = vl_hotplug_of(g);
    hp->offline_cost = spec->offline_cost;
    hp->online_cost = spec->online_cost;
    hp->rip_down = vl_guest_rip(g, "sched_cpu_deactivate");
    hp->rip_up = vl_guest_rip(g, "sched_cpu_activate");
    vl_guest_vector(g, VL_VEC_HOTPLUG, hotplug_interrupt);
    return hp->rip_down && hp->rip_up ? 0 : -1;
}

const vl_gmod vl_gmod_hotplug = {
    .name = "hotplug",
    .priv_size = sizeof(vl_ghotplug),
    .init = hotplug_init,
    .irq_done = hotplug_irq_done,
    .leave = hotplug_leave,
    .port = {.hotplug = hotplug_request},
};
