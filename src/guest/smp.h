/* guest/smp.h - cross-vCPU calls inside the guest: reschedule IPIs and
 * synchronous call-function IPIs (TLB shootdowns), with the latency
 * measures of both (docs/guest-model.md, "IPIs and TLB shootdowns"). */
#ifndef VL_GUEST_SMP_H
#define VL_GUEST_SMP_H

#include "guest/guest.h"

/* The reschedule IPI of a remote wake-up from `from` to `to` (idle: `to`
 * had nothing to run). */
void vl_smp_resched(vl_guest *g, int from, int to, bool idle, vl_ns now);
/* Task t on v runs flush_tlb_mm_range: queue a flush on every other vCPU
 * running t's mm and send the IPIs.  False when nobody must acknowledge
 * (the shootdown is done); true when t now waits for the acknowledgements. */
bool vl_smp_shootdown(vl_guest *g, int v, vl_task *t, vl_ns now);
/* The flush handler ran on v: acknowledge every queued request. */
void vl_smp_deliver_acks(vl_guest *g, int v, vl_ns now);
/* v ran the handler of an IPI of `kind` (VL_IPI_*): latency measure. */
void vl_smp_ipi_handled(vl_guest *g, int v, int kind, vl_ns now);

#endif
