/* hv/guest_port.h - the narrow port between the hypervisor core and a guest.
 *
 * hv -> guest (vl_guest_port, implemented by src/guest/):
 *   enter      the vCPU starts executing guest code (after a switch or an
 *              exit's re-entry cost); the guest plans what it runs.
 *   leave      the vCPU stops executing (preempted, or an exit that leaves
 *              the guest); the guest settles progress up to `now`.
 *   interrupt  a virtual interrupt is delivered to a vCPU in guest mode.
 *   rip        where the vCPU is now (for the saved RIP of a preempted vCPU).
 *   io_task_starts  a count for the reports' ground truth (never a policy's).
 * guest -> hv (functions below): HLT, yield / pause-loop exit, raising a
 * virtual interrupt for a vCPU (timer, IPI, device).
 * Nothing else crosses: the guest never sees policies, the core never sees
 * tasks (only a count of I/O-bound task starts, kept for the reports). */
#ifndef VL_HV_GUEST_PORT_H
#define VL_HV_GUEST_PORT_H

#include <stdbool.h>
#include <stdint.h>

#include "hv/packet.h"
#include "vcpulab/sched.h"

struct vl_hv;

typedef struct vl_guest_port {
    void (*enter)(void *guest, int vcpu, vl_ns now);
    void (*leave)(void *guest, int vcpu, vl_ns now);
    void (*interrupt)(void *guest, int vcpu, int vector, vl_ns now);
    uint64_t (*rip)(void *guest, int vcpu, bool *kernel);
    /* Report-only (ground truth, hv/boost_truth.h): how many times a task
     * its workload declares I/O-bound started running on the vCPU so far.
     * Never shown to a policy. */
    uint64_t (*io_task_starts)(void *guest, int vcpu);
    /* The host backend puts a received packet into the guest's ring:
     * VL_RX_DROPPED (ring full), VL_RX_QUEUED (the guest is polling or
     * was already notified), or the vCPU to raise the receive interrupt
     * on.  NULL for guests without a NIC. */
    int (*net_rx)(void *guest, const vl_packet *p, vl_ns now);
    /* A block request completed: the vCPU to raise its interrupt on (the
     * submitter, or another one if that one went offline). */
    int (*blk_done)(void *guest, const vl_blk_req *r, vl_ns now);
    /* The hypervisor asks the guest to take a vCPU offline (online =
     * false) or tells it the vCPU is back (true), before it runs again.
     * NULL: the guest cannot (requests are refused). */
    void (*hotplug)(void *guest, int vcpu, bool online, vl_ns now);
    /* Simulation speed only (hv/fold.h; never shown to a policy): the vCPU,
     * which begins a spin now, would change nothing but time at each of
     * its exits and re-entries until something else happens in its guest
     * (the guest's code runs, an interrupt arrives).  NULL: never. */
    bool (*spin_folds)(void *guest, int vcpu);
} vl_guest_port;

enum { VL_RX_DROPPED = -1, VL_RX_QUEUED = -2 };

/* x86 vectors the model uses (arch/x86/include/asm/irq_vectors.h). */
#define VL_VEC_LOCAL_TIMER 0xec
#define VL_VEC_RESCHEDULE 0xfd
#define VL_VEC_CALL_FUNCTION 0xfc
/* Device interrupts: MSI-X vectors are allocated at probe time from
 * FIRST_EXTERNAL_VECTOR (0x20) up; these are the model's choice. */
#define VL_VEC_VIRTIO_NET 0x22
#define VL_VEC_VIRTIO_BLK 0x23

/* Attach the guest of VM `vm` (before vl_hv_start). */
void vl_hv_attach_guest(struct vl_hv *hv, int vm, const vl_guest_port *port, void *guest);

/* Guest code of VM `vm` is about to read or change the state of one of
 * its vCPUs other than the one it runs on (an answered call's caller, a
 * plan cut short, a lock granted, a lock holder looked at): what the core
 * keeps lazily of that vCPU (folded exit cycles, hv/fold.h) is brought up
 * to date first.  Code on a vCPU reaches its other vCPUs only through
 * these points, the interrupts it raises, and state an exit cycle does
 * not touch (runqueues, loads, the address space in use). */
void vl_hv_guest_vcpu(struct vl_hv *hv, int vm, int vcpu);

/* The vCPU (index within its VM) executes HLT.  If an interrupt is pending
 * it is delivered instead and the vCPU keeps running; returns true if the
 * vCPU blocked. */
bool vl_hv_halt(struct vl_hv *hv, int vm, int vcpu);
/* Paravirtual spinlock wait (kvm_wait / xen_qlock_wait): blocks like HLT,
 * with block reason VL_BLOCK_PV_WAIT. */
bool vl_hv_pv_wait(struct vl_hv *hv, int vm, int vcpu);
/* The guest finished taking the vCPU offline (it asked for it through the
 * port's hotplug): the vCPU stops, OFFLINE, block reason
 * VL_BLOCK_OFFLINE, until the policy brings it back.  A pending interrupt
 * is delivered instead (false), as for HLT. */
bool vl_hv_offline(struct vl_hv *hv, int vm, int vcpu);
/* Paravirtual kick (KVM_HC_KICK_CPU / an event channel): wakes a blocked
 * vCPU with wake reason VL_WAKE_KICK; nothing if it is not blocked. */
void vl_hv_kick(struct vl_hv *hv, int vm, int vcpu);
/* A virtual interrupt for the vCPU: delivered now if it is in guest mode,
 * pended if it is preempted, and if it is halted the vCPU wakes. */
void vl_hv_raise_irq(struct vl_hv *hv, int vm, int vcpu, int vector);
/* The vCPU starts / stops a PAUSE loop at `rip` (a spinlock slow path, a
 * call-function wait).  In kernel mode with PLE on, the core makes it exit
 * after the PLE window (hv/ple.c); the exit is a VL_YIELD_PLE yield, after
 * which the guest, if still spinning, calls vl_hv_spin_begin again on
 * re-entry.  Leaving guest mode ends the spin. */
void vl_hv_spin_begin(struct vl_hv *hv, int vm, int vcpu, uint64_t rip, bool kernel);
void vl_hv_spin_end(struct vl_hv *hv, int vm, int vcpu);
/* The vCPU `src` sends an IPI with `vector` to vCPUs dst[0..ndst) of its VM
 * (an APIC ICR write).  The guest charges vl_hv_ipi_exit_cost() to the
 * sending code path (0 with IPI virtualization). */
void vl_hv_send_ipi(struct vl_hv *hv, int vm, int src, const int *dst, int ndst, int vector);
vl_ns vl_hv_ipi_exit_cost(const struct vl_hv *hv);
/* The vCPU loads CR3 (a switch to another address space).  With
 * CR3-exiting on it is an exit the policy sees (cr3_switch); returns the
 * exit's cost for the guest to charge, 0 when it does not exit. */
vl_ns vl_hv_cr3_load(struct vl_hv *hv, int vm, int vcpu, uint64_t cr3);
/* Virtqueue kicks (an exit each; the policy sees a VL_IO_KICK with the
 * CR3 of the kicking vCPU): n packets for the NIC's transmit queue, or
 * one block request.  Return the exit's cost for the guest to charge. */
vl_ns vl_hv_net_kick(struct vl_hv *hv, int vm, int vcpu, const vl_packet *pkts, int n,
                     uint64_t cr3);
vl_ns vl_hv_blk_kick(struct vl_hv *hv, int vm, int vcpu, const vl_blk_req *r, uint64_t cr3);
/* The guest routes its NIC's receive interrupt to `vcpu` (an MSI-X table
 * write the hypervisor traps). */
void vl_hv_route_net_irq(struct vl_hv *hv, int vm, int vcpu);
/* Pause-loop exit or yield hypercall (the vCPU leaves guest mode). */
void vl_hv_yield(struct vl_hv *hv, int vm, int vcpu, vl_yield_kind kind, uint64_t rip, bool kernel);

#endif
