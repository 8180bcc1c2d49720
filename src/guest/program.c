/* guest/program.c - building programs and generating their operation
 * instances into a task's lookahead queue (see program.h). */
#include "guest/program.h"

#include <stdlib.h>
#include <string.h>

#include "vl_array.h"
#include "vl_oom.h"

void vl_prog_init(vl_program *p)
{
    memset(p, 0, sizeof *p);
}

void vl_prog_fini(vl_program *p)
{
    free(p->ops);
    free(p->dists);
    vl_prog_init(p);
}

/* Most programs are a few ops long: room for 4 first. */
#define PROG_FIRST 4

static int add_dist(vl_program *p, const vl_dist *d)
{
    if (p->ndists == VL_PROG_MAX_DISTS ||
        vl_array_room(&p->dists, &p->dists_cap, p->ndists, sizeof *p->dists, PROG_FIRST) < 0)
        return -1;
    p->dists[p->ndists] = *d;
    return p->ndists++;
}

static int add_op(vl_program *p, vl_op op)
{
    if (p->nops == VL_PROG_MAX_OPS ||
        vl_array_room(&p->ops, &p->ops_cap, p->nops, sizeof *p->ops, PROG_FIRST) < 0)
        return -1;
    p->ops[p->nops] = op;
    return p->nops++;
}

int vl_prog_compute(vl_program *p, const vl_dist *dur)
{
    int d = add_dist(p, dur);
    return d < 0 ? -1 : add_op(p, (vl_op){.kind = VL_OP_COMPUTE, .dur = d, .lock_class = -1});
}

int vl_prog_kernel(vl_program *p, int activity, const vl_dist *dur, int lock_class,
                   const vl_dist *hold)
{
    int d = add_dist(p, dur);
    int h = lock_class >= 0 ? add_dist(p, hold) : -1;
    if (d < 0 || (lock_class >= 0 && h < 0))
        return -1;
    return add_op(p, (vl_op){.kind = VL_OP_KERNEL, .dur = d, .activity = activity,
                             .lock_class = lock_class, .hold = h});
}

int vl_prog_kernel_shared(vl_program *p, int activity, const vl_dist *dur, int lock_class,
                          const vl_dist *hold)
{
    int k = vl_prog_kernel(p, activity, dur, lock_class, hold);
    if (k >= 0)
        p->ops[k].shared = true;
    return k;
}

int vl_prog_sleep(vl_program *p, const vl_dist *dur)
{
    int d = add_dist(p, dur);
    return d < 0 ? -1 : add_op(p, (vl_op){.kind = VL_OP_SLEEP, .dur = d, .lock_class = -1});
}

int vl_prog_sleep_periodic(vl_program *p, const vl_dist *period)
{
    int s = vl_prog_sleep(p, period);
    if (s >= 0)
        p->ops[s].periodic = true;
    return s;
}

int vl_prog_shootdown(vl_program *p, int activity, const vl_dist *dur)
{
    int k = vl_prog_kernel(p, activity, dur, -1, NULL);
    if (k < 0)
        return -1;
    return add_op(p, (vl_op){.kind = VL_OP_SHOOTDOWN, .lock_class = -1}) < 0 ? -1 : k;
}

static int sync_op(vl_program *p, vl_op_kind kind, int sync)
{
    return add_op(p, (vl_op){.kind = kind, .sync = sync, .lock_class = -1});
}

int vl_prog_barrier(vl_program *p, int sync) { return sync_op(p, VL_OP_BARRIER, sync); }
int vl_prog_wait(vl_program *p, int sync) { return sync_op(p, VL_OP_WAIT, sync); }
int vl_prog_wake(vl_program *p, int sync) { return sync_op(p, VL_OP_WAKE, sync); }

int vl_prog_recv(vl_program *p, int socket, int activity, const vl_dist *dur,
                 int copy_ns_per_kib, int max_packets)
{
    int d = add_dist(p, dur);
    return d < 0 ? -1 : add_op(p, (vl_op){.kind = VL_OP_RECV, .sync = socket, .dur = d,
                                          .activity = activity, .size = copy_ns_per_kib,
                                          .count = max_packets, .lock_class = -1});
}

int vl_prog_send(vl_program *p, int socket, int packets, int payload)
{
    return add_op(p, (vl_op){.kind = VL_OP_SEND, .sync = socket, .count = packets,
                             .size = payload, .lock_class = -1});
}

int vl_prog_blkio(vl_program *p, int bytes, bool write)
{
    return add_op(p, (vl_op){.kind = VL_OP_BLKIO, .count = write, .size = bytes,
                             .lock_class = -1});
}

int vl_prog_fork(vl_program *p, const vl_program *child, int activity, const vl_dist *dur,
                 int lock_class, const vl_dist *hold)
{
    int k = vl_prog_kernel(p, activity, dur, lock_class, hold);
    if (k < 0 || add_op(p, (vl_op){.kind = VL_OP_SPAWN, .child = child, .lock_class = -1}) < 0)
        return -1;
    return k;
}

int vl_prog_reap(vl_program *p)
{
    return add_op(p, (vl_op){.kind = VL_OP_REAP, .lock_class = -1});
}

int vl_prog_loop(vl_program *p, int target, int count)
{
    if (target < 0 || target >= p->nops)
        return -1;
    return add_op(p, (vl_op){.kind = VL_OP_LOOP, .target = target, .count = count,
                             .lock_class = -1});
}

void vl_opq_init(vl_opq *q, const vl_program *p)
{
    vl_opi *ring = q->q;
    int cap = q->cap;
    memset(q, 0, sizeof *q);
    q->q = ring;
    q->cap = cap;
    for (int i = 0; i < p->nops; i++)
        q->loop_left[i] = -1;
}

void vl_opq_fini(vl_opq *q)
{
    if (q->q != q->first)
        free(q->q);
    q->q = NULL;
    q->cap = 0;
}

/* Room for one more entry: the entries held inline first, then a ring
 * that doubles, its entries moved to the start in order. */
static void room(vl_opq *q)
{
    if (q->n < q->cap)
        return;
    if (q->cap == 0) {
        q->q = q->first;
        q->cap = VL_OPQ_INLINE;
        q->head = 0;
        return;
    }
    unsigned cap = 2u * (unsigned)q->cap;
    vl_opi *ring = malloc(cap * sizeof *ring);
    if (!ring)
        vl_out_of_memory("a task's look-ahead");
    for (int i = 0; i < q->n; i++)
        ring[i] = q->q[(q->head + i) & (q->cap - 1)];
    if (q->q != q->first)
        free(q->q);
    q->q = ring;
    q->cap = (int)cap;
    q->head = 0;
}

static vl_ns draw(const vl_dist *d, vl_rng *rng)
{
    double x = vl_dist_sample(d, rng);
    if (x < 0)
        x = 0;
    if (x > (double)VL_OP_ENDLESS)
        x = (double)VL_OP_ENDLESS;
    return (vl_ns)x;
}

/* Generates the next instance at the tail; false when the program ended. */
static bool generate(vl_opq *q, const vl_program *p, vl_rng *rng, vl_lock_instances_fn instances,
                     void *ctx)
{
    for (int guard = 0; guard < 4 * VL_PROG_MAX_OPS; guard++) {
        if (q->pc >= p->nops) {
            q->done = true;
            return false;
        }
        const vl_op *op = &p->ops[q->pc];
        if (op->kind == VL_OP_LOOP) {
            if (q->loop_left[q->pc] < 0)
                q->loop_left[q->pc] = op->count;
            if (op->count == 0 || --q->loop_left[q->pc] > 0) {
                q->pc = op->target;
            } else {
                q->loop_left[q->pc] = -1;
                q->pc++;
            }
            continue;
        }
        room(q);
        vl_opi *o = &q->q[(q->head + q->n) & (q->cap - 1)];
        memset(o, 0, sizeof *o);
        o->kind = op->kind;
        o->pc = q->pc;
        o->seq = q->generated++;
        o->activity = op->activity;
        o->lock_class = op->lock_class;
        o->lock_instance = -1;
        o->sync = op->sync;
        bool timed = op->kind == VL_OP_COMPUTE || op->kind == VL_OP_KERNEL ||
                     op->kind == VL_OP_SLEEP || op->kind == VL_OP_RECV;
        vl_ns dur = timed ? draw(&p->dists[op->dur], rng) : 0;
        if (op->kind == VL_OP_KERNEL && op->lock_class >= 0) {
            vl_ns hold = draw(&p->dists[op->hold], rng);
            if (hold > dur)
                hold = dur;
            int n = op->shared ? 1 : instances ? instances(ctx, op->lock_class) : 1;
            o->lock_instance = n > 1 ? (int)vl_rng_below(rng, (uint64_t)n) : 0;
            o->hold = hold;
            o->pre = (dur - hold) / 2;
            o->post = dur - hold - o->pre;
        } else {
            o->pre = dur;
        }
        q->n++;
        q->pc++;
        return true;
    }
    q->done = true; /* a loop with an empty body */
    return false;
}

vl_opi *vl_opq_at(vl_opq *q, const vl_program *p, vl_rng *rng, int i,
                  vl_lock_instances_fn instances, void *ctx)
{
    if (i >= VL_OPQ_LEN)
        return NULL;
    while (q->n <= i)
        if (q->done || !generate(q, p, rng, instances, ctx))
            return NULL;
    return &q->q[(q->head + i) & (q->cap - 1)];
}

void vl_opq_push_front(vl_opq *q, const vl_opi *o)
{
    room(q);
    q->head = (q->head + q->cap - 1) & (q->cap - 1);
    q->q[q->head] = *o;
    q->n++;
}

void vl_opq_pop(vl_opq *q)
{
    if (q->n == 0)
        return;
    q->head = (q->head + 1) & (q->cap - 1);
    q->n--;
}

bool vl_prog_periodic(const vl_program *p)
{
    for (int i = 0; p && i < p->nops; i++)
        if (p->ops[i].kind == VL_OP_SLEEP && p->ops[i].periodic)
            return true;
    return false;
}
