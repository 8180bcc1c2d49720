/* guest/sync.h - blocking synchronisation in the guest: futex-based
 * barriers, waits and wakes on the guest's sync objects. */
#ifndef VL_GUEST_SYNC_H
#define VL_GUEST_SYNC_H

#include "guest/guest.h"

/* Runs the sync op at the head of t's program on v at now; true if the
 * task blocked. */
bool vl_sync_op(vl_guest *g, int v, vl_task *t, vl_ns now);

#endif
