/* hv/packet.h - what crosses a virtual NIC: a packet as the host backend,
 * the guest kernel and the external endpoints see it, and a block request
 * as the guest driver and the host backend see it. */
#ifndef VL_HV_PACKET_H
#define VL_HV_PACKET_H

#include <stdbool.h>
#include <stdint.h>

#include "vl_time.h"

/* IP protocol numbers (IANA). */
enum { VL_PROTO_ICMP = 1, VL_PROTO_TCP = 6, VL_PROTO_UDP = 17 };

typedef struct vl_packet {
    int vm;            /* the guest end: destination (RX) or source (TX)      */
    int endpoint;      /* the external end (vl_net_endpoint_add)              */
    uint8_t proto;     /* VL_PROTO_*                                          */
    uint8_t flags;     /* VL_PKT_*                                            */
    uint16_t port;     /* the guest-side port                                 */
    uint32_t bytes;    /* on the wire                                         */
    uint64_t seq;      /* TCP: first payload byte; UDP/ICMP: datagram number  */
    uint64_t ack;      /* TCP: cumulative ack (ACK segments)                  */
    uint32_t payload;  /* TCP/UDP payload bytes                               */
    uint32_t window;   /* TCP: advertised receive window, bytes               */
    vl_ns sent_at;     /* sender's timestamp (RFC 3550 jitter, RTTs)           */
} vl_packet;

#define VL_PKT_ACK 0x1  /* a TCP segment that acknowledges                    */
#define VL_PKT_REPLY 0x2 /* ICMP echo reply / a server's response             */

/* One block request of a guest (virtio-blk). */
typedef struct vl_blk_req {
    int vm, vcpu;      /* submitter (the completion interrupt goes there)      */
    int tag;           /* the guest's request id                              */
    uint32_t bytes;
    bool write;
} vl_blk_req;

#endif
