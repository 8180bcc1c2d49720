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

/* Its op, port entry and hooks (guest/module.h): BLKIO submits the
 * request and blocks; the backend's completion (port blk_done) is queued
 * for the submitter's vCPU (another one if it is going offline), whose
 * completion interrupt's handler, once done (handled), wakes the tasks. */

#endif
