/* guest/blk.h - the guest's virtio-blk driver: a task submits a request
 * (kick), blocks, and is woken by the completion interrupt's handler on
 * the vCPU it submitted from (blk-mq completes on the submitting CPU). */
#ifndef VL_GUEST_BLK_H
#define VL_GUEST_BLK_H

#include "guest/guest.h"
#include "hv/packet.h"

typedef struct vl_gblk {
    vl_list *done;          /* per vCPU: tasks whose request completed     */
    int *taken;             /* per vCPU: completions its handler is running */
    vl_ns complete;         /* handler work per request                    */
    uint64_t requests;
} vl_gblk;

/* BLKIO at the head of t's program on v: submit and block. */
void vl_gblk_submit(vl_guest *g, int v, vl_task *t, vl_ns now);
/* The backend completed r (guest port blk_done): returns the vCPU whose
 * handler completes it (the submitter, unless that one is going offline). */
int vl_gblk_done(vl_guest *g, const vl_blk_req *r, vl_ns now);
/* v finished its handler work: wake the tasks it completed; returns more
 * handler work for completions that arrived meanwhile (0: none). */
vl_ns vl_gblk_handled(vl_guest *g, int v, vl_ns now);

#endif
