/* guest/tlb.h - TLB shootdowns (VL_OP_SHOOTDOWN): flush_tlb_mm_range
 * queues a flush on every other vCPU running the task's address space
 * through the cross-vCPU call queue (guest/smp.h) and spins until each ran
 * it (flush_tlb_func).  Ground truth for the report: how many, how long. */
#ifndef VL_GUEST_TLB_H
#define VL_GUEST_TLB_H

#include "guest/smp.h"

typedef struct vl_gtlb {
    vl_smp_func flush;      /* one flush request: its handler cost        */
    bool lazy;              /* guest.lazy_tlb: idle vCPUs in lazy TLB mode
                             * are targets too (Linux < 4.19)            */
    uint64_t shootdowns;
    vl_hist latency;        /* send -> last acknowledgement (0: nobody
                             * else ran the address space)               */
} vl_gtlb;

static inline vl_gtlb *vl_tlb_of(const vl_guest *g)
{
    return g->priv[VL_GMOD_tlb];
}

#endif
