/* vcpulab/scenario.h - a loaded, validated scenario.
 *
 * A scenario describes the host, the scheduler, the VMs with their workloads
 * and the run (docs/scenario-format.md).  vl_scenario_load() parses a YAML
 * file, applies `--set KEY=VALUE` overrides, checks every key, type and
 * range, and either fills a vl_scenario or returns one error with
 * file:line:col.  Parameters of policies and workloads are validated against
 * their declared tables and stored as ready-to-copy blobs.
 */
#ifndef VCPULAB_SCENARIO_H
#define VCPULAB_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vcpulab/sched.h"
#include "vl_error.h"
#include "vl_time.h"

#define VL_NAME_MAX 64
/* Limits of a scenario (docs/scenario-format.md, "Limits"): counts beyond
 * these are refused at their position in the file. */
#define VL_MAX_VMS 16384          /* VMs                                */
#define VL_MAX_VCPUS_TOTAL 65536  /* vCPUs of all VMs together          */
#define VL_MAX_WORKLOADS 256      /* workloads in one VM                */
#define VL_RUN_MAX VL_S(86400)    /* run.duration and run.warmup        */
/* The VM the core adds for the host's I/O backends (vl_vm_is_host). */
#define VL_HOST_VM_NAME "host"

/* A set of pCPU ids (affinity). */
typedef struct vl_cpuset {
    uint64_t bits[VL_MAX_PCPUS / 64];
} vl_cpuset;

static inline void vl_cpuset_add(vl_cpuset *s, int cpu) { s->bits[cpu >> 6] |= 1ULL << (cpu & 63); }
static inline bool vl_cpuset_has(const vl_cpuset *s, int cpu) { return (s->bits[cpu >> 6] >> (cpu & 63)) & 1; }

/* Processor idle states the host's pCPUs enter (host.cstates). */
enum { VL_CSTATES_NONE = 0, VL_CSTATES_NEHALEM };
/* Their names in scenarios, by that index (NULL-terminated; hv/cstate.c). */
extern const char *const vl_cstates_names[];

/* Named host costs (docs/model.md gives each default's source). */
typedef struct vl_costs {
    vl_ns world_switch;   /* vCPU context switch on a pCPU            */
    vl_ns exit_entry;     /* one VM exit + entry round trip           */
    vl_ns migration;      /* cache refill after moving to another pCPU
                           * (charged when the vCPU ran elsewhere last) */
    vl_ns host_ipi;       /* cross-pCPU IPI on the host (tickle)      */
    vl_ns ipi_delivery;   /* guest IPI: ICR write -> pending at target */
} vl_costs;

/* Pause-loop exiting (host.ple; docs/model.md).  Windows are in cycles of
 * the host clock (host.cpu_mhz). */
typedef struct vl_ple_spec {
    bool enabled;         /* true                                        */
    int64_t window;       /* 4096: KVM_VMX_DEFAULT_PLE_WINDOW, Xen too   */
    int64_t gap;          /* 128: KVM_DEFAULT_PLE_GAP (see docs)         */
    int64_t grow;         /* 0 = the hypervisor's: KVM 2, Xen 1 (fixed)  */
    int64_t shrink;       /* 0: reset to `window` when scheduled in      */
    int64_t max;          /* UINT_MAX: KVM_VMX_DEFAULT_PLE_WINDOW_MAX    */
} vl_ple_spec;

/* Host I/O: the external link, the backends and the block device
 * (host.io; docs/io-model.md gives each default's source). */
typedef struct vl_io_spec {
    double link_gbps;     /* each VM's link to the outside, per direction */
    vl_ns wire_latency;   /* one way, endpoint <-> host NIC               */
    vl_ns rx_packet;      /* backend work per received packet (mean)      */
    double rx_spread;     /* it varies uniformly by +- this fraction      */
    vl_ns tx_packet;      /* backend work per transmitted packet          */
    vl_ns blk_request;    /* backend work per block request, each way     */
    vl_ns disk_latency;   /* device service time per request              */
    double disk_mbps;     /* device transfer rate                         */
} vl_io_spec;

typedef struct vl_host_spec {
    int pcpus;
    int sockets;
    int cores_per_socket;
    int threads_per_core;
    int cpu_mhz;          /* host clock, for cycle-valued settings     */
    vl_costs costs;
    vl_ple_spec ple;
    vl_io_spec io;
    bool ipi_virtualization; /* posted interrupts + IPI virtualization:
                              * IPI sends cause no exit and are unseen */
    bool cr3_exiting;     /* CR3 loads exit (and reach the policy)    */
    int cstates;          /* idle states of the pCPUs: VL_CSTATES_*    */
    vl_ns watchdog;       /* starvation limit for a runnable vCPU     */
} vl_host_spec;

/* The parameter table of host.ple (over vl_ple_spec). */
extern const vl_param vl_ple_params[];
/* The parameter table of host.io (over vl_io_spec). */
extern const vl_param vl_io_params[];

struct vl_workload_type;

/* One workload instance inside a VM. */
typedef struct vl_workload_spec {
    char name[VL_NAME_MAX];            /* unique in the VM; default: type#i */
    const struct vl_workload_type *type;
    void *params;                      /* type->params_size bytes           */
    int io_bound;                      /* -1: the type's default, else 0 / 1 */
    int line, col;                     /* where it was declared            */
} vl_workload_spec;

/* Parameters given for one policy (host-wide or per VM). */
typedef struct vl_policy_params {
    const vl_sched_ops *ops;
    void *blob;                        /* priv_size / vm_size bytes, with the
                                        * declared parameters written in   */
    void *vcpu_blobs;                  /* per VM, for a policy with
                                        * vcpu_params: one vcpu_size blob
                                        * per vCPU of the VM, in index
                                        * order, each with the values in
                                        * force for that vCPU; else NULL  */
} vl_policy_params;

/* The guest kernel of a VM (vms[].guest; docs/scenario-format.md). */
typedef struct vl_guest_spec {
    int kernel;           /* the kernel version whose defaults the era-
                           * dependent settings take (docs/guest-model.md) */
    int virt;             /* 0 hvm (no paravirtual spinlocks), 1 pv (PV
                           * spinlocks where the kernel has them)        */
    int64_t hz;           /* timer tick: 250 (Debian/Ubuntu CONFIG_HZ_250) */
    int tlb_vectors;      /* 0 modern (>= 3.6: call-function 0xfc/0xfb),
                           * 1 legacy (<= 3.5: dedicated 0xf0-0xf7)       */
    int wakeup_ipi;       /* 0 wakelist (Linux >= 5.8: an idle target gets
                           * call-function-single 0xfb), 1 resched (every
                           * remote wake-up sends 0xfd)                  */
    bool pv_spinlocks;    /* spin `pv_spin`, then halt until kicked        */
    int spinlock;         /* 0 ticket (FIFO hand-off), 1 unfair (test-and-
                           * set: virt_spin_lock), 2 queued (qspinlock:
                           * FIFO; PV: stealing while the head halts)  */
    int futex_wake;       /* 0 queued (wake_q, Linux >= 4.2: IPIs after the
                           * unlock), 1 locked (older: IPIs under it)    */
    bool runqueue_lock;   /* remote wake-ups and switches take runqueue locks */
    bool lazy_tlb;        /* TLB shootdowns also reach idle vCPUs in lazy
                           * TLB mode (Linux < 4.19)                     */
    vl_ns pv_spin;        /* SPIN_THRESHOLD (2^15) PAUSE iterations        */
    int64_t rx_ring;      /* virtio-net receive ring entries               */
    int64_t rx_vcpu;      /* the vCPU taking the receive interrupt          */
    int64_t napi_weight;  /* packets per NAPI poll round                   */
    vl_ns rx_softirq;     /* receive softirq work per packet                */
    vl_ns blk_complete;   /* completion handler work per block request      */
    vl_ns offline_cost;   /* taking a vCPU offline (hotplug handler work)   */
    vl_ns online_cost;    /* bringing it back                               */
} vl_guest_spec;

/* The parameter table of vms[].guest (over vl_guest_spec). */
extern const vl_param vl_guest_params[];

/* Sets the era-dependent settings of `spec` (spinlock, pv_spinlocks,
 * tlb_vectors, wakeup_ipi, futex_wake, runqueue_lock, lazy_tlb) to what its kernel
 * and virtualization mode have (docs/guest-model.md, "Guest kernels").
 * Returns 0, or -1 with *why when that kernel cannot run in that mode. */
int vl_guest_kernel_preset(vl_guest_spec *spec, const char **why);

/* How a VM's virtual devices are served (vms[].io_backends): by one host
 * backend for the NIC and the disk together, or by one per device. */
enum { VL_IO_BACKENDS_SHARED = 0, VL_IO_BACKENDS_PER_DEVICE };
/* Their names in scenarios, by that index (NULL-terminated). */
extern const char *const vl_io_backends_names[];

typedef struct vl_vm_spec {
    char name[VL_NAME_MAX];
    int line, col;                     /* its entry in the file (messages) */
    int vcpus;
    int weight;                        /* default 256                     */
    int cap;                           /* percent of one pCPU; 0 = none   */
    vl_cpuset affinity;                /* default: all pCPUs              */
    vl_guest_spec guest;
    vl_workload_spec *workloads;
    int nworkloads;
    bool io;                           /* a workload uses the network or the
                                        * disk: the VM gets virtio devices
                                        * and host backends (io_backends) */
    int io_backends;                   /* VL_IO_BACKENDS_*: one backend for
                                        * both devices, or one per device */
    vl_policy_params *params;          /* one per policy named under params */
    int nparams;
} vl_vm_spec;

typedef struct vl_scenario {
    char path[256];                    /* as given (for messages and output) */
    char name[VL_NAME_MAX];            /* `name:` or the file's base name    */
    vl_host_spec host;
    const vl_sched_ops *sched;         /* `scheduler:` (overridable)         */
    vl_policy_params *params;          /* host-level params per policy       */
    int nparams;
    vl_vm_spec *vms;
    int nvms;
    vl_ns duration;
    vl_ns warmup;
    uint64_t seed;
    char **sets;                       /* the overrides it was loaded with */
    int nsets;
} vl_scenario;

/* Loads `path` with `nsets` overrides ("a.b.c=value", paths as in
 * docs/scenario-format.md; list elements by VM name: vms.web.weight=512).
 * Returns 0, or -1 with err filled (file:line:col for input errors,
 * "--set:N:col" for a bad override). */
int vl_scenario_load(const char *path, const char *const *sets, int nsets,
                     vl_scenario *out, vl_error *err);
/* Same, from a string (tests, fuzzing); `name` is used in messages. */
int vl_scenario_load_string(const char *name, const char *text, size_t len,
                            const char *const *sets, int nsets,
                            vl_scenario *out, vl_error *err);
void vl_scenario_free(vl_scenario *s);

/* Host-level / per-VM parameter blob for `ops`: the one the scenario gave,
 * or NULL if it gave none (then the table defaults apply). */
const void *vl_scenario_sched_params(const vl_scenario *s, const vl_sched_ops *ops);
const void *vl_vm_spec_params(const vl_vm_spec *vm, const vl_sched_ops *ops);
/* The host backends serving the VM's devices: 0 without devices, else 1
 * (shared) or 2 (per device: the NIC's, then the disk's).  Inline: the
 * core (src/hv/), below the loader, counts them. */
static inline int vl_vm_spec_backends(const vl_vm_spec *vm)
{
    if (!vm->io)
        return 0;
    return vm->io_backends == VL_IO_BACKENDS_PER_DEVICE ? 2 : 1;
}
/* The per-vCPU blob (ops->vcpu_size bytes) of vCPU `index` of the VM, or
 * NULL if the scenario gave no parameters for `ops` in this VM (then the
 * table defaults apply) or the policy has no per-vCPU table. */
const void *vl_vm_spec_vcpu_params(const vl_vm_spec *vm, const vl_sched_ops *ops, int index);

/* Writes each parameter's default from `table` into blob. */
void vl_params_defaults(const vl_param *table, void *blob);

#endif
