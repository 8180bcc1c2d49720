/* hv/ipi.c - inter-processor interrupts between vCPUs of a VM.
 *
 * A guest sends an IPI by writing its local APIC's ICR.  With a trapping
 * APIC the write is a VM exit: the sender pays the exit/entry cost (the
 * guest charges it to the sending code path, vl_hv_ipi_exit_cost), the
 * hypervisor sees source, destinations and vector (the policy's ipi_sent
 * hook).  The hypervisor acts on the write inside that exit, half-way
 * through its round trip (KVM: kvm_apic_send_ipi -> kvm_vcpu_kick; Xen:
 * vlapic_ipi -> vcpu_kick): a halted destination is woken then, before
 * the sender re-enters - so the scheduler may preempt the sender at its
 * exit for the vCPU it woke, and the wake-up comes from the sender's pCPU
 * (vl_wake_source: KVM wakes the vCPU thread from the sender's thread).  A running or preempted destination gets the
 * vector `costs.ipi_delivery` after the sender's exit (injected if it
 * runs, pended if preempted).  With IPI virtualization / posted interrupts
 * (host.ipi_virtualization) the send causes no exit and the hypervisor
 * sees nothing; every destination gets the vector `ipi_delivery` after
 * the write.
 *
 * In-flight IPIs wait in a small per-vCPU FIFO, in send order (an IPI to
 * a halted vCPU never overtakes one already in flight to it); a vector
 * already in flight to a vCPU is not queued twice, as the APIC's IRR
 * coalesces it. */
#include "hv/hv.h"

static void on_ipi_arrival(void *ctx, vl_event *ev)
{
    vl_vcpu *v = ctx;
    vl_hv *hv = v->hv;
    while (v->ipi_n > 0 && v->ipi_at[v->ipi_head] <= hv->sim.now) {
        int vector = v->ipi_vec[v->ipi_head];
        vl_vcpu *src = v->ipi_src[v->ipi_head];
        v->ipi_head = (v->ipi_head + 1) % VL_IPI_INFLIGHT;
        v->ipi_n--;
        if (hv->observer.on_ipi)
            hv->observer.on_ipi(hv->observer.ctx, v, vector, hv->sim.now);
        /* the sender is still in its exit: it wakes v from its pCPU */
        hv->waker = src && src->state == VL_RUNNING ? src : NULL;
        vl_hv_raise_irq(hv, v->vm->id, v->index, vector);
        hv->waker = NULL;
    }
    if (v->ipi_n > 0)
        vl_sim_schedule(&hv->sim, ev, v->ipi_at[v->ipi_head]);
}

void vl_hv_ipi_init(vl_vcpu *v)
{
    vl_sim_event_init(&v->hv->sim, &v->ipi_ev, on_ipi_arrival, v, VL_EVC_DEVICE, VL_TAG_VCPU_IPI);
}

/* A halted destination is kicked from the sender's exit (trapping APIC). */
static bool kicked_in_exit(const vl_hv *hv, const vl_vcpu *v)
{
    return v->state == VL_BLOCKED && vl_hv_ipi_exit_cost(hv) > 0;
}

/* When destination v sees an IPI sent now. */
static vl_ns arrival(const vl_hv *hv, const vl_vcpu *v)
{
    vl_ns exit = vl_hv_ipi_exit_cost(hv);
    if (kicked_in_exit(hv, v))
        return hv->sim.now + exit / 2;
    return hv->sim.now + exit + hv->costs.ipi_delivery;
}

static void enqueue(vl_hv *hv, vl_vcpu *from, vl_vcpu *v, int vector)
{
    for (int i = 0, k = v->ipi_head; i < v->ipi_n; i++, k = (k + 1) % VL_IPI_INFLIGHT)
        if (v->ipi_vec[k] == vector)
            return; /* coalesced in the IRR */
    if (v->ipi_n == VL_IPI_INFLIGHT)
        return; /* more distinct vectors in flight than the model holds: IRR full */
    int tail = (v->ipi_head + v->ipi_n) % VL_IPI_INFLIGHT;
    vl_ns at = arrival(hv, v);
    if (v->ipi_n > 0) {
        vl_ns last = v->ipi_at[(tail + VL_IPI_INFLIGHT - 1) % VL_IPI_INFLIGHT];
        if (at < last)
            at = last;
    }
    v->ipi_at[tail] = at;
    v->ipi_vec[tail] = vector;
    v->ipi_src[tail] = kicked_in_exit(hv, v) ? from : NULL;
    if (v->ipi_n++ == 0)
        vl_sim_schedule(&hv->sim, &v->ipi_ev, v->ipi_at[tail]);
}

vl_ns vl_hv_ipi_exit_cost(const vl_hv *hv)
{
    return hv->ipi_virtualization ? 0 : hv->costs.exit_entry;
}

void vl_hv_send_ipi(vl_hv *hv, int vm, int src, const int *dst, int ndst, int vector)
{
    vl_vcpu *from = &hv->vms[vm].vcpus[src];
    bool trapped = !hv->ipi_virtualization;
    if (trapped)
        from->exits[VL_EXIT_IPI]++;
    for (int i = 0; i < ndst; i++) {
        vl_vcpu *to = &hv->vms[vm].vcpus[dst[i]];
        if (trapped && hv->sched.ops->ipi_sent) {
            const char *saved = hv->hook;
            hv->hook = "ipi_sent";
            hv->sched.ops->ipi_sent(&hv->sched, from, to, vector);
            hv->hook = saved;
        }
        enqueue(hv, from, to, vector);
    }
}
