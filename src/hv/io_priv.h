/* hv/io_priv.h - the devices, links and backends of hv/io.c and
 * hv/backend.c (internal to src/hv). */
#ifndef VL_HV_IO_PRIV_H
#define VL_HV_IO_PRIV_H

#include "hv/hv.h"
#include "hv/io.h"
#include "vl_fifo.h"
#include "vl_rng.h"

struct vl_io;
struct vl_backend;

/* A packet on a link and when it arrives. */
typedef struct vl_flight {
    vl_packet pkt;
    vl_ns at;
} vl_flight;

/* One link direction between the outside and a VM's NIC: a FIFO of
 * packets in flight with one event (constant latency keeps them in order). */
typedef struct vl_wire {
    vl_fifo q;              /* of vl_flight                               */
    vl_ns free_at;          /* the link finishes serialising its last one */
    vl_event ev;            /* arrival of the head packet                 */
    struct vl_vmio *d;
    bool inbound;           /* toward the VM                              */
} vl_wire;

/* A unit of backend work. */
typedef enum { BK_RX = 0, BK_TX, BK_BLK_SUBMIT, BK_BLK_DONE } vl_bk_kind;

typedef struct vl_bk_item {
    vl_bk_kind kind;
    vl_packet pkt;          /* BK_RX, BK_TX                               */
    vl_ns cost;             /* BK_RX: this packet's backend work          */
    vl_blk_req req;         /* BK_BLK_*                                   */
} vl_bk_item;

/* A host worker: a vCPU of the host VM doing the work of one VM's NIC,
 * disk or both, in FIFO order. */
typedef struct vl_backend {
    struct vl_io *io;
    struct vl_vmio *d;      /* the devices of the VM it serves            */
    char name[VL_NAME_MAX + 8]; /* "<vm>/io", "<vm>/net" or "<vm>/blk"    */
    vl_vcpu *vcpu;          /* its context in the host VM                 */
    vl_fifo q;              /* work, of vl_bk_item                        */
    vl_ns left;             /* work left on the head item                 */
    vl_ns since;            /* the head item has been executing since     */
    bool executing;         /* its vCPU is in "guest" mode, working       */
    vl_event done_ev;       /* the head item completes                    */
} vl_backend;

/* One VM's virtual devices: its NIC with the link, its disk, and the
 * backends serving them (the same one for both when shared).
 * Invariant: net and blk point into io->bk, at backends whose d is this. */
typedef struct vl_vmio {
    struct vl_io *io;
    int vm;                 /* the VM                                     */
    int rx_vcpu;            /* the guest vCPU taking its receive interrupt */
    vl_rng rx_rng;          /* draws each received packet's cost          */
    vl_wire in, out;
    vl_fifo disk;           /* requests at the device, of vl_blk_req       */
    vl_event disk_ev;       /* the device completes the head request      */
    vl_backend *net, *blk;  /* serving the NIC and the disk               */
    vl_io_stats st;
} vl_vmio;

typedef struct vl_endpoint {
    vl_net_deliver_fn fn;
    void *ctx;
} vl_endpoint;

typedef struct vl_io {
    vl_hv *hv;
    vl_io_spec spec;
    uint64_t link_bps;      /* link rate, bit/s (link_gbps, rounded)      */
    uint64_t disk_bps;      /* disk rate, byte/s (disk_mbps, rounded)     */
    vl_vmio *dev;           /* one per VM with devices                    */
    int ndev;
    int *dev_of_vm;         /* index into dev per VM, -1 none             */
    vl_backend *bk;         /* bk[i] is vCPU i of the host VM             */
    int nbk;
    int host_vm;
    vl_endpoint *eps;
    int neps, cap_eps;
} vl_io;

/* backend.c: the port of the host VM, and queueing work for a backend. */
extern const vl_guest_port vl_backend_port;
void vl_backend_push(vl_backend *b, const vl_bk_item *it);
/* The head item of a backend completes (its done_ev). */
void vl_backend_done_event(void *ctx, vl_event *ev);
/* io.c: what a finished item does. */
void vl_io_item_done(vl_backend *b, const vl_bk_item *it, vl_ns now);

#endif
