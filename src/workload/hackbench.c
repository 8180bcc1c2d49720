/* workload/hackbench.c - `hackbench`: groups of sender and receiver
 * processes passing 100-byte messages over AF_UNIX stream sockets, as
 * rt-tests' hackbench and `perf bench sched messaging` do
 * (docs/workloads-calibration.md 4.3; docs/workloads.md).
 *
 * Per message a sender does a little user work and a write, which in the
 * kernel is unix_stream_sendmsg queuing the skb under the receiving
 * socket's unix_state_lock and waking the reader; a receiver blocks until
 * a message is there and reads it (unix_stream_read_generic, the same
 * lock), which frees buffer space for the senders.
 *
 * Real senders spray their messages round-robin over every receiver of
 * their group, so a receiver runs dry only when no sender of its group has
 * written for a while, and senders block when the receivers fall a whole
 * socket buffer behind.  The model keeps that structure with two counting
 * sync objects per group: the messages queued (senders wake, receivers
 * wait) and the free buffer space (receivers wake, senders wait); lock
 * instances are drawn from the `unix` class's hot sockets.
 *
 * Programs:  sender   loop loops { wait(space); compute; write; wake(msgs) }
 *            receiver loop loops { wait(msgs); read; wake(space); compute }
 * With loops > 0 every task exits after its share, as hackbench's do. */
#include <stdlib.h>

#include "guest/kernel.h"
#include "guest/lifecycle.h"
#include "guest/sync.h"
#include "workload/workload.h"

typedef struct hackbench_params {
    int64_t groups;
    int64_t fds;
    int64_t loops;
    int64_t buffer;
    vl_dist user;
    vl_dist call;
    vl_dist hold;
} hackbench_params;

/* hackbench.c defaults: num_groups 10, num_fds 20, loops 100 (per fd, so
 * a sender writes 20 x 100 messages). */
static const vl_param hackbench_param_table[] = {
    {"groups", VL_PARAM_INT, offsetof(hackbench_params, groups), 10, 1, 1024, "groups",
     "groups of fds senders + fds receivers (hackbench -g; default 10)", NULL},
    {"fds", VL_PARAM_INT, offsetof(hackbench_params, fds), 20, 1, 1024, "pairs",
     "senders and receivers per group (hackbench -f; default 20)", NULL},
    {"loops", VL_PARAM_INT, offsetof(hackbench_params, loops), 2000, 0, 1e9, "messages",
     "messages each sender writes and each receiver reads; 0 = forever (hackbench -l L -f F "
     "sends L x F per sender: 100 x 20)", NULL},
    {"buffer", VL_PARAM_INT, offsetof(hackbench_params, buffer), 277, 1, 100000, "messages",
     "messages a receiving socket holds before writers block: wmem_default 212992 B / 768 B "
     "truesize of a 100-byte skb", NULL},
    {"user", VL_PARAM_DIST, offsetof(hackbench_params, user), 100, 0, 0, "ns",
     "user work per message per side (kernel share 0.96 of 1.9 us calls, 4.3)", NULL},
    {"call", VL_PARAM_DIST, offsetof(hackbench_params, call), 1900, 0, 0, "ns",
     "write or read system call (measured 1.9 us per syscall, 4.3)", NULL},
    {"hold", VL_PARAM_DIST, offsetof(hackbench_params, hold), 500, 0, 0, "ns",
     "unix_state_lock hold inside each call (queue or unlink the skb)", NULL},
    VL_PARAM_END,
};

static int sender_build(vl_program *p, const vl_guest *g, const hackbench_params *h, int msgs,
                        int space)
{
    int top = vl_prog_wait(p, space);
    if (top < 0 || vl_prog_compute(p, &h->user) < 0 ||
        vl_prog_kernel(p, vl_guest_activity(g, "unix_send"), &h->call,
                       vl_guest_lock_class(g, "unix"), &h->hold) < 0 ||
        vl_prog_wake(p, msgs) < 0)
        return -1;
    return vl_prog_loop(p, top, (int)h->loops) < 0 ? -1 : 0;
}

static int receiver_build(vl_program *p, const vl_guest *g, const hackbench_params *h, int msgs,
                          int space)
{
    int top = vl_prog_wait(p, msgs);
    if (top < 0 ||
        vl_prog_kernel(p, vl_guest_activity(g, "unix_recv"), &h->call,
                       vl_guest_lock_class(g, "unix"), &h->hold) < 0 ||
        vl_prog_wake(p, space) < 0 || vl_prog_compute(p, &h->user) < 0)
        return -1;
    return vl_prog_loop(p, top, (int)h->loops) < 0 ? -1 : 0;
}

/* Two programs per group (receivers', senders'); tasks of a group share
 * them.  Each task is a process, as in hackbench's default mode. */
static int hackbench_create(vl_guest *g, vl_workload *w, const void *params)
{
    const hackbench_params *h = params;
    if (!vl_workload_programs(w, 2 * h->groups))
        return -1;
    int64_t task = 0;
    for (int64_t k = 0; k < h->groups; k++) {
        int msgs = vl_sync_new(g, 0, 0), space = vl_sync_new(g, 0, (int)(h->fds * h->buffer));
        if (msgs < 0 || space < 0)
            return -1;
        vl_program *recv = &w->prog[2 * k], *send = &w->prog[2 * k + 1];
        if (receiver_build(recv, g, h, msgs, space) < 0 ||
            sender_build(send, g, h, msgs, space) < 0)
            return -1;
        /* hackbench forks a group's receivers, then its senders */
        for (int64_t i = 0; i < 2 * h->fds; i++, task++)
            if (!vl_workload_task(g, w, task, i < h->fds ? recv : send, true))
                return -1;
    }
    return 0;
}

static const vl_workload_type hackbench_type = {
    .name = "hackbench",
    .description = "Groups of sender and receiver processes passing messages over AF_UNIX "
                   "sockets (hackbench; docs/workloads-calibration.md 4.3).",
    .params = hackbench_param_table,
    .params_size = sizeof(hackbench_params),
    .create = hackbench_create,
};
VL_REGISTER_WORKLOAD(hackbench_type);
