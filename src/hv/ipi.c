/* hv/ipi.c - inter-processor interrupts between vCPUs of a VM.
 *
 * A guest sends an IPI by writing its local APIC's ICR.  With a trapping
 * APIC the write is a VM exit: the sender pays the exit/entry cost (the
 * guest charges it to the sending code path, vl_hv_ipi_exit_cost), the
 * hypervisor sees source, destinations and vector (the policy's ipi_sent
 * hook), and kicks each destination once the exit is handled.  With IPI
 * virtualization / posted interrupts (host.ipi_virtualization) the send
 * causes no exit and the hypervisor sees nothing.  Each destination
 * receives the vector `costs.ipi_delivery` after the ICR write (plus the
 * sender's exit/entry when it traps) through the core's interrupt path:
 * injected if it runs, pended if preempted, waking it if halted.
 *
 * In-flight IPIs wait in a small per-vCPU FIFO (all take the same
 * latency, so arrival order is send order); a vector already in flight to
 * a vCPU is not queued twice, as the APIC's IRR coalesces it. */
#include "hv/hv.h"

static void on_ipi_arrival(void *ctx, vl_event *ev)
{
    vl_vcpu *v = ctx;
    vl_hv *hv = v->hv;
    while (v->ipi_n > 0 && v->ipi_at[v->ipi_head] <= hv->sim.now) {
        int vector = v->ipi_vec[v->ipi_head];
        v->ipi_head = (v->ipi_head + 1) % VL_IPI_INFLIGHT;
        v->ipi_n--;
        vl_hv_raise_irq(hv, v->vm->id, v->index, vector);
    }
    if (v->ipi_n > 0)
        vl_sim_schedule(&hv->sim, ev, v->ipi_at[v->ipi_head]);
}

void vl_hv_ipi_init(vl_vcpu *v)
{
    vl_event_init(&v->ipi_ev, on_ipi_arrival, v, VL_EVC_DEVICE, 0x60000000u | (uint32_t)v->id);
}

static void enqueue(vl_hv *hv, vl_vcpu *v, int vector)
{
    for (int i = 0, k = v->ipi_head; i < v->ipi_n; i++, k = (k + 1) % VL_IPI_INFLIGHT)
        if (v->ipi_vec[k] == vector)
            return; /* coalesced in the IRR */
    if (v->ipi_n == VL_IPI_INFLIGHT)
        return; /* more distinct vectors in flight than the model holds: IRR full */
    int tail = (v->ipi_head + v->ipi_n) % VL_IPI_INFLIGHT;
    v->ipi_at[tail] = hv->sim.now + vl_hv_ipi_exit_cost(hv) + hv->costs.ipi_delivery;
    v->ipi_vec[tail] = vector;
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
        enqueue(hv, to, vector);
    }
}
