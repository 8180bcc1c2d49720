/* guest/ipi.h - sending IPIs from the guest: the APIC write the
 * hypervisor traps (hv/guest_port.h vl_hv_send_ipi), the count per vector
 * (in the guest's vector slots, vl_guest_vector_slot),
 * the observer, and the latency measure of each kind (send -> the
 * target's handler runs; the oldest unhandled send per target). */
#ifndef VL_GUEST_IPI_H
#define VL_GUEST_IPI_H

#include "guest/guest.h"

/* vCPU `from` sends `vector` to vCPUs to[0..n), an IPI of `kind`
 * (VL_IPI_*). */
void vl_ipi_send(vl_guest *g, int from, const int *to, int n, int vector, int kind, vl_ns now);
/* v runs the handler of an IPI of `kind`: the latency measure. */
void vl_ipi_handled(vl_guest *g, int v, int kind, vl_ns now);

#endif
