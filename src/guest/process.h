/* guest/process.h - processes created and ended at run time: fork's child
 * (wake_up_new_task), exit, and wait4 (docs/guest-model.md). */
#ifndef VL_GUEST_PROCESS_H
#define VL_GUEST_PROCESS_H

#include "guest/guest.h"

/* SPAWN or REAP at the head of t's program on v: true if t blocked. */
bool vl_process_op(vl_guest *g, int v, vl_task *t, vl_ns now);
/* t (which ran on v) exited: its parent learns of it; a forked task's
 * object is kept for reuse. */
void vl_process_exit(vl_guest *g, int v, vl_task *t, vl_ns now);

#endif
