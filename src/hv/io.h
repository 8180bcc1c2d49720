/* hv/io.h - the host side of virtual I/O (docs/io-model.md).
 *
 * Each VM whose workloads use the network or the disk gets a virtio NIC and
 * disk, a link to the outside world, and backends: host workers (vhost /
 * netback-style), one for both devices or one per device (the VM's
 * io_backends), that the core presents as vCPUs of the host VM, so the
 * policy schedules them like any vCPU and they consume pCPU time per
 * packet and per request.
 *
 *   outside --link--> backend --RX ring--> guest (interrupt, NAPI softirq)
 *   guest --kick (exit)--> backend --link--> outside
 *   guest --kick (exit)--> backend --> disk (service time) --> backend
 *         --completion interrupt--> guest
 *
 * External endpoints (load generators, clients) live outside the VMs; they
 * register a delivery callback and send packets to a VM. */
#ifndef VL_HV_IO_H
#define VL_HV_IO_H

#include "hv/packet.h"
#include "vcpulab/scenario.h"
#include "vl_error.h"

struct vl_hv;

/* Counters of one VM's devices (the report reads them). */
typedef struct vl_io_stats {
    uint64_t rx_packets;     /* reached the guest's receive ring           */
    uint64_t rx_drops;       /* ring full: dropped by the backend          */
    uint64_t tx_packets;     /* sent by the guest                          */
    uint64_t kicks;          /* virtqueue notifications (exits)            */
    uint64_t blk_requests;   /* block requests completed                   */
} vl_io_stats;

/* Delivery of a packet that left a VM to its external endpoint. */
typedef void (*vl_net_deliver_fn)(void *ctx, const vl_packet *p, vl_ns now);

/* Builds the backends (and their host-VM vCPUs, made by vl_hv_create). */
int vl_hv_io_create(struct vl_hv *hv, const vl_scenario *scn, vl_error *err);
void vl_hv_io_destroy(struct vl_hv *hv);
/* Seeds the backends' random streams with the run's seed (at the start). */
void vl_hv_io_begin(struct vl_hv *hv);

/* An external endpoint; returns its id (packets name it), -1 when out of
 * memory. */
int vl_net_endpoint_add(struct vl_hv *hv, vl_net_deliver_fn fn, void *ctx);
/* Endpoint p->endpoint sends p to VM p->vm (over the VM's link). */
void vl_net_send(struct vl_hv *hv, const vl_packet *p);
/* Clears the device counters (the start of the measurement window). */
void vl_hv_io_window(struct vl_hv *hv);
/* NULL for a VM without devices. */
const vl_io_stats *vl_hv_io_stats(const struct vl_hv *hv, int vm);
/* The name of backend `vcpu` (that vCPU of the host VM): "<vm>/io" for
 * one serving both devices of VM <vm>, "<vm>/net" or "<vm>/blk" for one
 * serving that device; NULL when there is no such backend. */
const char *vl_hv_backend_name(const struct vl_hv *hv, int vcpu);

#endif
