/* hv/placement.c - the default placement a policy may return from pick_cpu
 * (vl_pick_cpu_default in include/vcpulab/sched.h), built on the core's mask
 * of idle, untickled pCPUs (vl_sched.idle).  It reads only what a policy
 * could read through sched.h; it changes nothing.
 *
 * The rules follow sched_ext's built-in idle selection, which BPF
 * schedulers such as tools/sched_ext/scx_simple.bpf.c call from select_cpu
 * (scx_select_cpu_dfl: Linux v6.14 kernel/sched/ext.c, kernel/sched/
 * ext_idle.c from v6.15), without its preference for wholly idle SMT
 * cores: v's previous pCPU if it is idle; else the idle pCPU closest to it
 * (an SMT sibling, then its socket, then any); else the previous pCPU.  A
 * vCPU with no previous pCPU in its affinity (the first placement) goes to
 * an idle pCPU, else to the one with the fewest vCPUs runnable or running
 * there, so that vCPUs started at one instant spread over the host.
 * Unlike sched_ext it does not claim the pCPU: the tickle that vcpu_wake
 * sends takes it out of the mask. */
#include "hv/hv.h"

/* The idle, untickled pCPU of `aff` closest to `from` (any if NULL), the
 * lowest id among equals; NULL if there is none. */
static vl_pcpu *nearest_idle(vl_hv *hv, const uint64_t *aff, const vl_pcpu *from)
{
    const uint64_t *idle = hv->sched.idle;
    vl_pcpu *best = NULL;
    vl_cpu_distance best_d = VL_DIST_REMOTE;
    for (int i = vl_bit_next_and(idle, aff, 0, hv->npcpus); i >= 0;
         i = vl_bit_next_and(idle, aff, i + 1, hv->npcpus)) {
        vl_pcpu *p = &hv->pcpus[i];
        if (!from)
            return p;
        vl_cpu_distance d = vl_topology_distance(from->place, p->place);
        if (!best || d < best_d) {
            best = p;
            best_d = d;
            if (d <= VL_DIST_SMT)
                break; /* nothing idle is closer */
        }
    }
    return best;
}

/* The pCPU of v's affinity with the fewest other vCPUs runnable or running
 * there, the lowest id on ties. */
static vl_pcpu *least_loaded(vl_hv *hv, const vl_vcpu *v)
{
    int load[VL_MAX_PCPUS] = {0};
    for (int i = 0; i < hv->nvcpus; i++) {
        const vl_vcpu *u = &hv->vcpus[i];
        if (u != v && u->processor && (u->state == VL_RUNNABLE || u->state == VL_RUNNING))
            load[u->processor->id]++;
    }
    vl_pcpu *best = NULL;
    for (int i = vl_bit_next(v->vm->affinity.bits, 0, hv->npcpus); i >= 0;
         i = vl_bit_next(v->vm->affinity.bits, i + 1, hv->npcpus))
        if (!best || load[i] < load[best->id])
            best = &hv->pcpus[i];
    return best;
}

vl_pcpu *vl_pick_cpu_default(vl_sched *s, vl_vcpu *v)
{
    vl_hv *hv = s->hv;
    vl_pcpu *prev = v->processor;
    bool prev_ok = prev && vl_cpuset_has(&v->vm->affinity, prev->id);
    if (prev_ok && vl_bit_test(hv->sched.idle, prev->id))
        return prev;
    vl_pcpu *p = nearest_idle(hv, v->vm->affinity.bits, prev_ok ? prev : NULL);
    if (p)
        return p;
    return prev_ok ? prev : least_loaded(hv, v);
}
