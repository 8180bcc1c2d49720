/* guest/task.h - the task model: task objects, the operations a task is
 * at, and its sleeps.
 *
 * A task works through the op instances of its lookahead queue
 * (guest/program.h): the head instance is the current one, `elapsed` of it
 * has run.  Whoever finishes the head op takes it off with vl_task_take /
 * vl_task_op_done, which also resets `elapsed`; nothing else pops the
 * queue.  A sleeping task's timer (t->timer) queues it on its vCPU's
 * expired list and raises the local timer interrupt. */
#ifndef VL_GUEST_TASK_H
#define VL_GUEST_TASK_H

#include "guest/guest.h"

/* A task object for a child (a recycled one if any), set up to run prog
 * with stream "<vm>/<stream>" but not runnable yet; NULL when out of
 * memory. */
vl_task *vl_task_new(vl_guest *g, const char *stream, const vl_program *prog, vl_wstats *stats);
/* The i-th upcoming operation instance of t (0 = current), generated as
 * needed; NULL when the program ends before it. */
vl_opi *vl_task_op(vl_guest *g, vl_task *t, int i);
/* The current op is finished: the next one starts from its beginning. */
void vl_task_op_done(vl_task *t);
/* Takes the current op off t's queue (vl_task_op_done) and returns it:
 * what an op handler acts on once its op is over. */
vl_opi vl_task_take(vl_guest *g, vl_task *t);
/* t spins in the kernel: on a lock, or for cross-vCPU call acknowledgements. */
bool vl_task_spinning(const vl_task *t);
/* t's current op is a SLEEP starting at now: takes it, t sleeps, its
 * timer is armed (a periodic sleep records that release as t's last). */
void vl_task_sleep(vl_guest *g, vl_task *t, vl_ns now);

#endif
