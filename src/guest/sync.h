/* guest/sync.h - futex sync objects (the module "sync": ops BARRIER, WAIT
 * and WAKE): what workloads create for their tasks to meet on. */
#ifndef VL_GUEST_SYNC_H
#define VL_GUEST_SYNC_H

#include "guest/guest.h"

/* A new sync object: a barrier for `parties` tasks (0: not a barrier), or
 * a counter of wake-ups posted while nobody waited that starts at
 * `tokens` (a semaphore: WAIT takes one or blocks, WAKE wakes the first
 * waiter or posts one).  Its id for the ops' `sync`, or -1 when out of
 * memory.  Made while workloads are built, before any task runs. */
int vl_sync_new(vl_guest *g, int parties, int tokens);

#endif
