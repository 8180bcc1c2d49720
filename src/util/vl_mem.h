/* vl_mem.h - how much memory the process holds and may still take, so that
 * building a model too large for the machine stops with a message instead
 * of the kernel's out-of-memory killer. */
#ifndef VL_MEM_H
#define VL_MEM_H

#include <stddef.h>

/* What the process holds, in bytes, from one read of /proc/self/statm:
 * its resident memory and the size of its address space; both 0 when it
 * cannot be read. */
void vl_mem_usage(size_t *resident, size_t *virt);
/* Memory the machine has available, in bytes (MemAvailable of
 * /proc/meminfo); 0 when unknown. */
size_t vl_mem_available(void);
/* Room left under the process's RLIMIT_AS, in bytes of address space;
 * SIZE_MAX when unlimited. */
size_t vl_mem_as_headroom(void);

#endif
