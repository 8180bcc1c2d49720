/* guest/kernel.c - the guest kernel's catalogue: the kernel activities the
 * model runs (each at a real function of the System.map) and the spinlock
 * classes it knows (named after the real locks, with their instance
 * counts).  docs/guest-model.md gives the sources. */
#include "guest/kernel.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "vcpulab/scenario.h"

/* Interrupt entry + exit in the guest (sysvec_* -> irq_enter/irq_exit):
 * a few hundred cycles on bare metal, more with a virtual APIC's EOI. */
#define GUEST_IRQ_ENTRY_NS 500
/* PV spinlocks: SPIN_THRESHOLD (1 << 15) iterations of a PAUSE loop before
 * pv_wait; a PAUSE is ~10 cycles before Skylake (~140 after): 2^15 x 10 /
 * 2.4 GHz = 136.5 us. */
#define GUEST_PV_SPIN_NS 136533

/* Receive softirq work per packet: driver poll, GRO, IP and TCP/UDP
 * receive, socket queueing (docs/io-model.md: ~2 us per MTU-sized packet
 * from the loopback measurements of docs/workloads-calibration.md). */
#define GUEST_RX_SOFTIRQ_NS 2000
/* Block completion handler per request: blk_mq_complete_request, bio end,
 * waking the submitter (docs/io-model.md). */
#define GUEST_BLK_DONE_NS 3000

/* vCPU ballooning: moving a vCPU's tasks and interrupts away / back, the
 * light-weight way (vScale, EuroSys 2016: "microseconds"; policy-facts 6).
 * Full hot-unplug (stop_machine) takes milliseconds: set offline_cost. */
#define GUEST_OFFLINE_NS VL_US(20)
#define GUEST_ONLINE_NS VL_US(10)

/* Activities: the model's name, the function it runs in. */
static const struct {
    const char *name, *symbol;
} activity_table[] = {
    {"syscall", "entry_SYSCALL_64"},
    {"page_alloc", "get_page_from_freelist"},  /* zone->lock */
    {"page_free", "free_pcppages_bulk"},       /* zone->lock */
    {"lru_add", "lru_add_drain"},              /* lruvec lock */
    {"lru_release", "release_pages"},          /* lruvec lock */
    {"page_reclaim", "shrink_folio_list"},
    {"page_fault", "__handle_mm_fault"},       /* mm page_table_lock */
    {"mmap", "do_mmap"},
    {"munmap", "unmap_page_range"},
    {"tlb_flush", "flush_tlb_mm_range"},
    {"dentry_lookup", "__d_lookup"},           /* d_lock */
    {"dentry_alloc", "d_alloc"},
    {"dput", "dput"},
    {"futex_wait", "futex_wait"},              /* futex hash bucket lock */
    {"futex_wake", "futex_wake"},
    {"wakeup", "try_to_wake_up"},              /* runqueue lock */
    {"schedule", "__schedule"},                /* runqueue lock */
    {"tick", "scheduler_tick"},                /* runqueue lock */
    {"balance", "load_balance"},               /* runqueue locks */
    {"fork", "copy_process"},
    {"exit", "do_exit"},
    {"read", "vfs_read"},
    {"write", "vfs_write"},
    {"net_rx", "net_rx_action"},              /* receive softirq */
    {"tcp_recv", "tcp_recvmsg"},
    {"udp_recv", "udp_recvmsg"},
    {"tcp_send", "tcp_sendmsg"},
    {"udp_send", "udp_sendmsg"},
    {"blk_submit", "blk_mq_submit_bio"},
    {"blk_complete", "blk_mq_complete_request"},
    {"unix_send", "unix_stream_sendmsg"},      /* unix_state_lock(peer) */
    {"unix_recv", "unix_stream_read_generic"}, /* unix_state_lock(sk) */
};

/* Lock classes: instances per guest.  nvcpus-scaled ones are marked. */
static const struct {
    const char *name;
    int instances;   /* fixed count, or 0: see per_vcpu */
    int per_vcpu;    /* instances = per_vcpu * nvcpus (rounded to 2^k) */
} class_table[] = {
    {"zone", 1, 0},        /* zone->lock: one Normal zone on a one-node guest */
    {"lru", 1, 0},         /* lruvec->lru_lock: one per node (no memcg split) */
    {"dentry", 64, 0},     /* d_lock: the hot dentries of a directory tree */
    {"runqueue", 0, 1},    /* rq->__lock: one per CPU */
    {"futex_hash", 0, 256},/* futex_init: roundup_pow_of_two(256 * ncpus) buckets */
    {"mm", 64, 0},         /* mm->page_table_lock: one per process (mm id mod 64) */
    {"unix", 64, 0},       /* unix_sock->lock (unix_state_lock): the busy AF_UNIX
                            * sockets; both ends of a message take the
                            * receiving socket's */
};

/* Guest kernels: the settings that changed between Linux versions, as each
 * version has them (docs/guest-model.md, "Guest kernels", gives the
 * commits).  Indices are those of the settings' choices below. */
enum { SPIN_TICKET = 0, SPIN_UNFAIR, SPIN_QUEUED };
static const char *const kernel_names[] = {"2.6.38", "4.9", "6.1", NULL};
#define KERNEL_DEFAULT 2 /* 6.1: Debian 12, the System.map in data/ */
static const struct kernel_era {
    int spinlock_hvm;    /* no PV spinlocks: ticket (<= 4.1), or qspinlock's
                          * virt_spin_lock test-and-set (>= 4.2) */
    int spinlock_pv;     /* with PV spinlocks (-1: none for HVM guests, < 3.12) */
    int tlb_vectors;     /* 1 legacy: dedicated 0xf0-0xf7 (<= 2.6.38) */
    int wakeup_ipi;      /* 0 wakelist (>= 5.8), 1 resched */
    int futex_wake;      /* 0 queued (wake_q, >= 4.2), 1 locked */
    bool lazy_tlb;       /* flush IPIs to lazy-TLB vCPUs (< 4.19) */
} kernel_eras[] = {
    {SPIN_TICKET, -1, 1, 1, 1, true},            /* 2.6.38 */
    {SPIN_UNFAIR, SPIN_QUEUED, 0, 1, 0, true},   /* 4.9 */
    {SPIN_UNFAIR, SPIN_QUEUED, 0, 0, 0, false},  /* 6.1 */
};
static const char *const virt_modes[] = {"hvm", "pv", NULL};

int vl_guest_kernel_preset(vl_guest_spec *spec, const char **why)
{
    const struct kernel_era *e = &kernel_eras[spec->kernel];
    bool pv = spec->virt == 1;
    if (pv && e->spinlock_pv < 0) {
        *why = "this kernel has no paravirtual spinlocks for HVM guests (PV ticket locks came "
               "in Linux 3.12): use `virt: hvm`";
        return -1;
    }
    spec->pv_spinlocks = pv;
    spec->spinlock = pv ? e->spinlock_pv : e->spinlock_hvm;
    spec->tlb_vectors = e->tlb_vectors;
    spec->wakeup_ipi = e->wakeup_ipi;
    spec->futex_wake = e->futex_wake;
    spec->lazy_tlb = e->lazy_tlb;
    spec->runqueue_lock = true; /* every era: ttwu under the target's rq lock
                                 * within a cache domain, __schedule and
                                 * scheduler_tick under its own,
                                 * load_balance under both */
    return 0;
}

static const char *const tlb_vector_modes[] = {"modern", "legacy", NULL};
static const char *const wakeup_ipi_modes[] = {"wakelist", "resched", NULL};

static const char *const spinlock_modes[] = {"ticket", "unfair", "queued", NULL};
static const char *const futex_wake_modes[] = {"queued", "locked", NULL};

const vl_param vl_guest_params[] = {
    {"kernel", VL_PARAM_ENUM, offsetof(vl_guest_spec, kernel), KERNEL_DEFAULT, 0, 0, "",
     "the guest's Linux version: sets spinlock, pv_spinlocks, tlb_vectors, wakeup_ipi, lazy_tlb, "
     "futex_wake and runqueue_lock as that version has them (each still overridable); "
     "`describe guest` lists them", kernel_names},
    {"virt", VL_PARAM_ENUM, offsetof(vl_guest_spec, virt), 1, 0, 0, "",
     "virtualization mode: pv (paravirtual spinlocks, as KVM's PV_UNHALT and Xen's PVHVM "
     "guests have by default) or hvm (none: a >= 4.2 guest's spinlocks fall back to "
     "virt_spin_lock's test-and-set)", virt_modes},
    {"hz", VL_PARAM_INT, offsetof(vl_guest_spec, hz), VL_GUEST_DEFAULT_HZ, 100, 1000, "Hz",
     "guest timer tick (CONFIG_HZ; Debian/Ubuntu kernels: 250)", NULL},
    {"tlb_vectors", VL_PARAM_ENUM, offsetof(vl_guest_spec, tlb_vectors), 0, 0, 0, "",
     "TLB-shootdown IPI vectors: modern (Linux >= 3.6: call-function 0xfc/0xfb) or legacy "
     "(<= 3.5: 0xf0-0xf7)", tlb_vector_modes},
    {"wakeup_ipi", VL_PARAM_ENUM, offsetof(vl_guest_spec, wakeup_ipi), 0, 0, 0, "",
     "IPI of a remote wake-up: wakelist (Linux >= 5.8 ttwu_queue_wakelist: 0xfb to an idle "
     "vCPU, 0xfd to a busy one) or resched (older kernels: always 0xfd)", wakeup_ipi_modes},
    {"spinlock", VL_PARAM_ENUM, offsetof(vl_guest_spec, spinlock), SPIN_QUEUED, 0, 0, "",
     "spinlock hand-off: ticket (FIFO to the next waiter, running or not: ticket locks, "
     "PV ticket locks of Linux 3.12-4.1), unfair (test-and-set: a running waiter takes it; what "
     "virt_spin_lock makes of a Linux >= 4.x guest's spinlocks on a hypervisor without PV "
     "spinlocks) or queued (qspinlock, Linux >= 4.2: FIFO; with pv_spinlocks a running vCPU "
     "may take the lock while the queue head is halted in pv_wait)", spinlock_modes},
    {"futex_wake", VL_PARAM_ENUM, offsetof(vl_guest_spec, futex_wake), 0, 0, 0, "",
     "where futex wake-up IPIs leave: queued (Linux >= 4.2 wake_q: after unlocking the hash "
     "bucket) or locked (older kernels: while holding it, so a waker preempted at the IPI's exit "
     "holds the lock)", futex_wake_modes},
    {"runqueue_lock", VL_PARAM_BOOL, offsetof(vl_guest_spec, runqueue_lock), 1, 0, 1, "",
     "model the runqueue locks: a remote wake-up that does not use the wake list holds the "
     "target vCPU's rq lock around its reschedule IPI (try_to_wake_up -> ttwu_queue), "
     "__schedule and scheduler_tick hold the vCPU's own, load_balance the busiest vCPU's "
     "(detach) and its own (attach)", NULL},
    {"lazy_tlb", VL_PARAM_BOOL, offsetof(vl_guest_spec, lazy_tlb), 0, 0, 1, "",
     "TLB shootdowns also go to idle vCPUs in lazy TLB mode that last ran the address space, "
     "which then leave it (Linux < 4.19: mm_cpumask keeps them; 4.19 skips them, "
     "tlb_is_not_lazy)", NULL},
    {"pv_spinlocks", VL_PARAM_BOOL, offsetof(vl_guest_spec, pv_spinlocks), 1, 0, 1, "",
     "paravirtual spinlocks: a waiter spins pv_spin, then halts (kvm_wait) until the "
     "unlocker kicks it (KVM_HC_KICK_CPU)", NULL},
    {"pv_spin", VL_PARAM_TIME, offsetof(vl_guest_spec, pv_spin), GUEST_PV_SPIN_NS, VL_US(1),
     VL_MS(100), "ns",
     "spin before halting: SPIN_THRESHOLD = 2^15 PAUSE loops, ~10 cycles each at 2.4 GHz "
     "(pre-Skylake PAUSE latency)", NULL},
    {"rx_ring", VL_PARAM_INT, offsetof(vl_guest_spec, rx_ring), 256, 1, 32768, "packets",
     "virtio-net receive ring entries (QEMU virtio-net rx_queue_size default: 256)", NULL},
    {"rx_vcpu", VL_PARAM_INT, offsetof(vl_guest_spec, rx_vcpu), 0, 0, 1023, "",
     "vCPU the receive interrupt is routed to (one queue; the default affinity is CPU 0)", NULL},
    {"napi_weight", VL_PARAM_INT, offsetof(vl_guest_spec, napi_weight), 64, 1, 4096, "packets",
     "packets one NAPI poll round takes from the ring (NAPI_POLL_WEIGHT = 64)", NULL},
    {"rx_softirq", VL_PARAM_TIME, offsetof(vl_guest_spec, rx_softirq), GUEST_RX_SOFTIRQ_NS, 0,
     VL_MS(1), "ns", "receive softirq work per packet (net_rx_action -> tcp_v4_rcv/udp_rcv; "
     "docs/io-model.md)", NULL},
    {"blk_complete", VL_PARAM_TIME, offsetof(vl_guest_spec, blk_complete), GUEST_BLK_DONE_NS, 0,
     VL_MS(1), "ns", "completion interrupt work per block request (blk_mq_complete_request; "
     "docs/io-model.md)", NULL},
    {"offline_cost", VL_PARAM_TIME, offsetof(vl_guest_spec, offline_cost), GUEST_OFFLINE_NS, 0,
     VL_S(1), "ns", "taking a vCPU offline when asked (light-weight ballooning, vScale: "
     "microseconds; full CPU hot-unplug with stop_machine: milliseconds)", NULL},
    {"online_cost", VL_PARAM_TIME, offsetof(vl_guest_spec, online_cost), GUEST_ONLINE_NS, 0,
     VL_S(1), "ns", "bringing a vCPU back online", NULL},
    VL_PARAM_END,
};

const char *const vl_guest_activity_names[] = {
    "syscall", "page_alloc", "page_free", "lru_add", "lru_release", "page_reclaim", "page_fault",
    "mmap", "munmap", "tlb_flush", "dentry_lookup", "dentry_alloc", "dput", "futex_wait",
    "futex_wake", "wakeup", "schedule", "tick", "balance", "fork", "exit", "read", "write",
    "net_rx", "tcp_recv", "udp_recv", "tcp_send", "udp_send", "blk_submit", "blk_complete",
    "unix_send", "unix_recv",
    NULL,
};

const char *const vl_guest_lock_class_names[] = {
    "none", "zone", "lru", "dentry", "runqueue", "futex_hash", "mm", "unix", NULL,
};

static int pow2_at_least(int n)
{
    int p = 1;
    while (p < n)
        p <<= 1;
    return p;
}

uint64_t vl_guest_rip(const vl_guest *g, const char *symbol)
{
    uint64_t s, e;
    if (!g->ksyms || vl_ksyms_extent(g->ksyms, symbol, &s, &e) < 0)
        return 0;
    return s + (e - s) / 2;
}

int vl_guest_activity(const vl_guest *g, const char *name)
{
    for (int i = 0; i < g->nactivities; i++)
        if (strcmp(g->activities[i].name, name) == 0)
            return i;
    return -1;
}

int vl_guest_lock_class(const vl_guest *g, const char *name)
{
    for (int i = 0; i < g->nclasses; i++)
        if (strcmp(g->classes[i].name, name) == 0)
            return i;
    return -1;
}

static int lock_chunks(const vl_guest *g)
{
    return (g->nlocks + VL_LOCK_CHUNK - 1) / VL_LOCK_CHUNK;
}

vl_glock *vl_guest_lock_create(vl_guest *g, int id)
{
    vl_glock ***chunk = &g->lock_chunks[id / VL_LOCK_CHUNK];
    if (!*chunk && !(*chunk = calloc(VL_LOCK_CHUNK, sizeof **chunk)))
        return NULL;
    vl_glock **slot = &(*chunk)[id % VL_LOCK_CHUNK];
    if (!*slot) {
        int cls = 0;
        while (cls + 1 < g->nclasses && g->classes[cls + 1].first <= id)
            cls++;
        vl_glock *L = malloc(sizeof *L);
        if (!L)
            return NULL;
        if (vl_lock_init(L, g, id, cls, g->nvcpus) < 0) {
            vl_lock_fini(L);
            free(L);
            return NULL;
        }
        *slot = L;
    }
    return *slot;
}

void vl_guest_locks_free(vl_guest *g)
{
    for (int c = 0; g->lock_chunks && c < lock_chunks(g); c++) {
        for (int i = 0; g->lock_chunks[c] && i < VL_LOCK_CHUNK; i++) {
            if (g->lock_chunks[c][i]) {
                vl_lock_fini(g->lock_chunks[c][i]);
                free(g->lock_chunks[c][i]);
            }
        }
        free(g->lock_chunks[c]);
    }
    free(g->lock_chunks);
    g->lock_chunks = NULL;
}

int vl_kernel_image_load(vl_kernel_image *k, const vl_ksyms *ks)
{
    size_t na = sizeof activity_table / sizeof activity_table[0];
    _Static_assert(sizeof activity_table / sizeof activity_table[0] ==
                       sizeof vl_guest_activity_names / sizeof vl_guest_activity_names[0] - 1,
                   "vl_guest_activity_names lists every activity, in order");
    memset(k, 0, sizeof *k);
    k->ksyms = ks;
    k->activities = calloc(na, sizeof *k->activities);
    if (!k->activities)
        return -1;
    for (size_t i = 0; i < na; i++) {
        vl_activity *a = &k->activities[i];
        a->name = activity_table[i].name;
        a->symbol = activity_table[i].symbol;
        if (!ks || vl_ksyms_extent(ks, a->symbol, &a->start, &a->end) < 0) {
            vl_kernel_image_free(k);
            return -1; /* the shipped map holds every symbol used here */
        }
    }
    k->nactivities = (int)na;
    return 0;
}

void vl_kernel_image_free(vl_kernel_image *k)
{
    free(k->activities);
    memset(k, 0, sizeof *k);
}

int vl_guest_kernel_init(vl_guest *g, const vl_kernel_image *image)
{
    _Static_assert(sizeof class_table / sizeof class_table[0] ==
                       sizeof vl_guest_lock_class_names / sizeof vl_guest_lock_class_names[0] - 2,
                   "vl_guest_lock_class_names lists 'none' and every class, in order");
    g->ksyms = image->ksyms;
    g->activities = image->activities;
    g->nactivities = image->nactivities;
    g->rip_spin = vl_guest_rip(g, "native_queued_spin_lock_slowpath");
    g->rip_ipi_wait = vl_guest_rip(g, "smp_call_function_many_cond");
    g->rip_flush = vl_guest_rip(g, "flush_tlb_func");
    if (!g->rip_spin || !g->rip_ipi_wait || !g->rip_flush)
        return -1; /* the shipped map holds every symbol used here */
    g->irq_entry_cost = GUEST_IRQ_ENTRY_NS;
    for (int k = 0; k < VL_IPI_KINDS; k++)
        vl_hist_init(&g->ipi_latency[k]);

    size_t nc = sizeof class_table / sizeof class_table[0];
    g->classes = calloc(nc, sizeof *g->classes);
    if (!g->classes)
        return -1;
    g->nclasses = (int)nc;
    for (size_t c = 0; c < nc; c++) {
        vl_lock_class *lc = &g->classes[c];
        lc->name = class_table[c].name;
        lc->ninstances = class_table[c].per_vcpu
                             ? pow2_at_least(class_table[c].per_vcpu * g->nvcpus)
                             : class_table[c].instances;
        lc->first = g->nlocks;
        g->nlocks += lc->ninstances;
        vl_hist_init(&lc->stats.wait);
    }
    g->mm_class = vl_guest_lock_class(g, "mm");
    g->lock_chunks = calloc((size_t)lock_chunks(g), sizeof *g->lock_chunks);
    return g->lock_chunks ? 0 : -1;
}
