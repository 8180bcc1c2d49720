/* guest/program.h - what a task runs: a program of operations.
 *
 * Workloads build programs (compute in user mode, kernel calls at a kernel
 * activity optionally under a spinlock, sleeps, loops); tasks execute them.
 * Every random quantity of an operation is drawn from the task's own stream
 * when the operation instance is generated, in program order, into a short
 * lookahead queue (vl_opq).  Planning ahead and cutting plans never draws
 * again, so what a task does is the same under every policy (common random
 * numbers) and independent of how often its plans are cut. */
#ifndef VL_GUEST_PROGRAM_H
#define VL_GUEST_PROGRAM_H

#include <stdbool.h>
#include <stdint.h>

#include "vl_dist.h"
#include "vl_rng.h"
#include "vl_time.h"

typedef enum vl_op_kind {
    VL_OP_COMPUTE = 0, /* user-mode CPU work for `dur`                      */
    VL_OP_KERNEL,      /* kernel-mode work for `dur` at `activity`; with a
                        * lock class: the lock is held for `hold` in the
                        * middle of the call                                 */
    VL_OP_SLEEP,       /* block for `dur` (a timer wakes the task); periodic:
                        * until the next release, `dur` after the previous
                        * one (clock_nanosleep with TIMER_ABSTIME)         */
    VL_OP_LOOP,        /* jump back to `target`, `count` times (0: forever)  */
    VL_OP_SHOOTDOWN,   /* TLB shootdown: IPI the other vCPUs running this
                        * task's mm and wait until each acknowledged        */
    VL_OP_BARRIER,     /* wait until `parties` tasks arrived at sync object */
    VL_OP_WAIT,        /* block on sync object until woken (futex_wait)     */
    VL_OP_WAKE,        /* wake one waiter of sync object (futex_wake)       */
    VL_OP_RECV,        /* read socket `sync`: block until data is queued,
                        * then take it all: a kernel call at `activity` of
                        * `dur` + `size` ns per KiB copied (socket.c)     */
    VL_OP_SEND,        /* send `count` packets of `size` payload bytes on
                        * socket `sync` to its peer (a virtqueue kick)     */
    VL_OP_BLKIO,       /* a block request of `size` bytes (`count` 1 =
                        * write): submit, kick, block until completion     */
    VL_OP_SPAWN,       /* fork's outcome: a child process running `child`
                        * (guest/process.c); the fork's kernel work is the
                        * KERNEL op before it                              */
    VL_OP_REAP,        /* wait4: block until every child has exited        */
    VL_OP_KINDS
} vl_op_kind;

#define VL_PROG_MAX_OPS 32
#define VL_PROG_MAX_DISTS 24
#define VL_PROG_MAX_LOOPS 4

typedef struct vl_op {
    vl_op_kind kind;
    int dur;        /* dist index (COMPUTE, KERNEL, SLEEP)                 */
    int activity;   /* KERNEL: guest kernel activity id                     */
    int lock_class; /* KERNEL: lock class id, or -1                         */
    int hold;       /* KERNEL with lock: dist index of the hold time        */
    bool shared;    /* KERNEL with lock: always the class's instance 0 (one
                     * object every caller meets, e.g. the parent dentry of
                     * a directory all jobs create files in), not an
                     * instance drawn per call                              */
    int target;     /* LOOP: first op of the body                           */
    int sync;       /* BARRIER, WAIT, WAKE: the guest's sync object id      */
    int count;      /* LOOP: iterations (0 = forever); SEND: packets;
                     * BLKIO: 1 = write; RECV: most packets taken (0 = all) */
    int size;       /* SEND: payload bytes per packet; BLKIO: request bytes;
                     * RECV: copy cost, ns per KiB                          */
    bool periodic;  /* SLEEP: `dur` is a period, releases are absolute      */
    const struct vl_program *child; /* SPAWN: what the child runs          */
} vl_op;

/* Its ops and distributions take memory as the program is built (arrays
 * that double, up to the limits above). */
typedef struct vl_program {
    vl_op *ops;
    int nops, ops_cap;
    vl_dist *dists;
    int ndists, dists_cap;
} vl_program;

/* The program sleeps until periodic releases (its jobs have deadlines). */
bool vl_prog_periodic(const vl_program *p);

/* Building (workloads). Each returns the new op's index, or -1 when the
 * program is full or out of memory. Distributions are copied. */
/* An empty program (allocates nothing; all-zero bytes are one too). */
void vl_prog_init(vl_program *p);
/* Frees what p holds; p is empty afterwards. */
void vl_prog_fini(vl_program *p);
int vl_prog_compute(vl_program *p, const vl_dist *dur);
int vl_prog_kernel(vl_program *p, int activity, const vl_dist *dur, int lock_class,
                   const vl_dist *hold);
/* The same on the lock class's shared instance 0 (vl_op.shared). */
int vl_prog_kernel_shared(vl_program *p, int activity, const vl_dist *dur, int lock_class,
                          const vl_dist *hold);
int vl_prog_sleep(vl_program *p, const vl_dist *dur);
/* Sleep until the next release of a periodic task: one `period` after the
 * previous release (the first: after the task last woke), skipping
 * releases already past, as cyclictest's loop does.  The work done since
 * the last release does not shift the next one. */
int vl_prog_sleep_periodic(vl_program *p, const vl_dist *period);
/* Kernel work for `dur` at `activity` (e.g. munmap), then a synchronous
 * TLB shootdown (flush_tlb_mm_range -> smp_call_function_many_cond). */
int vl_prog_shootdown(vl_program *p, int activity, const vl_dist *dur);
/* Blocking synchronisation on a guest sync object (vl_sync_new, guest/sync.h):
 * a barrier, a wait (consumes a posted wake or blocks), a wake (wakes the
 * first waiter or posts). A wake-up of a task homed on another vCPU sends
 * it a reschedule IPI. */
int vl_prog_barrier(vl_program *p, int sync);
int vl_prog_wait(vl_program *p, int sync);
int vl_prog_wake(vl_program *p, int sync);
/* Network and block I/O (guest/socket.c, guest/blk.c). */
/* recv takes at most max_packets of what is queued (0: all of it). */
int vl_prog_recv(vl_program *p, int socket, int activity, const vl_dist *dur,
                 int copy_ns_per_kib, int max_packets);
int vl_prog_send(vl_program *p, int socket, int packets, int payload);
int vl_prog_blkio(vl_program *p, int bytes, bool write);
/* Processes: fork (kernel work at `activity`, optionally under a lock,
 * then a child in its own address space running `child`, which must
 * outlive the guest; the child exits when its program ends) and wait4
 * (block until every child exited). */
int vl_prog_fork(vl_program *p, const struct vl_program *child, int activity,
                 const vl_dist *dur, int lock_class, const vl_dist *hold);
int vl_prog_reap(vl_program *p);
/* Repeats ops [target, here) `count` times (0: forever). */
int vl_prog_loop(vl_program *p, int target, int count);

/* One generated operation instance. */
typedef struct vl_opi {
    uint8_t kind;       /* vl_op_kind: COMPUTE, KERNEL, SLEEP or SHOOTDOWN   */
    uint8_t pc;         /* the op it came from                               */
    int16_t activity, lock_class;
    int32_t lock_instance; /* which instance of the class (drawn)            */
    int32_t sync;       /* BARRIER, WAIT, WAKE: sync object                  */
    uint64_t seq;       /* its generation index in the task (0, 1, ...)      */
    vl_ns pre, hold, post; /* KERNEL: before, under and after the lock;
                            * others: `pre` is the whole duration            */
} vl_opi;

#define VL_OPQ_LEN 128 /* lookahead: bounds the ops one plan covers */

/* Drawn durations are clamped here (11.6 days): an instance this long
 * outlasts any run, so nothing after it can matter. */
#define VL_OP_ENDLESS ((vl_ns)1000000000000000)

/* The lookahead queue of a task: instances generated, not yet finished.
 * A ring that grows by doubling up to VL_OPQ_LEN as plans look further
 * ahead (most tasks never need more than a few), its first VL_OPQ_INLINE
 * entries held in the queue itself (a CPU hog looks one operation ahead:
 * its plans touch no other memory): an entry pointer stays valid until
 * the queue is next asked for an entry it does not hold yet. */
#define VL_OPQ_INLINE 2
typedef struct vl_opq {
    vl_opi *q;                      /* `first`, or an allocated ring        */
    int cap;                        /* entries (0 or a power of 2)         */
    int head, n;
    int pc;                         /* the next op to generate             */
    vl_opi first[VL_OPQ_INLINE];
    int loop_left[VL_PROG_MAX_OPS]; /* per LOOP op: iterations left, -1 idle */
    bool done;                      /* the program ended                   */
    uint64_t generated;             /* instances generated so far          */
} vl_opq;

/* Lock classes tell the generator how many instances to draw from. */
typedef int (*vl_lock_instances_fn)(void *ctx, int lock_class);

/* Starts q over for program p, keeping its ring's memory. */
void vl_opq_init(vl_opq *q, const vl_program *p);
/* Frees q's ring. */
void vl_opq_fini(vl_opq *q);
/* The i-th queued instance (0 = the current one), generating as needed;
 * NULL when the program ended before it. */
vl_opi *vl_opq_at(vl_opq *q, const vl_program *p, vl_rng *rng, int i,
                  vl_lock_instances_fn instances, void *ctx);
/* Drops the current instance (it finished). */
void vl_opq_pop(vl_opq *q);
/* Puts `o` in front of the queue (the rest of a call the model splits, a
 * hold a module inserts).  A full look-ahead grows past VL_OPQ_LEN by the
 * few entries inserted before its head is taken: plans still look at most
 * VL_OPQ_LEN entries ahead. */
void vl_opq_push_front(vl_opq *q, const vl_opi *o);

/* Total duration of an instance. */
static inline vl_ns vl_opi_len(const vl_opi *o) { return o->pre + o->hold + o->post; }

#endif
