/* vl_oom.h - out of memory in the middle of a run.
 *
 * Some paths of a running simulation allocate where there is no way back
 * (a queue that grows while an event is processed); going on without the
 * memory would give wrong results, and the caller has nothing to return an
 * error to.  vl_out_of_memory() ends the process instead, with a cause:
 * one line on stderr, "vcpulab: out of memory: <what> (the run was
 * stopped)", the cleanup the program registered (the command line removes
 * its unfinished output files), and exit status 1 (a failed run).  Where
 * an error can be returned (building a model, loading a scenario), it is
 * returned instead. */
#ifndef VL_OOM_H
#define VL_OOM_H

/* `what` names the structure that could not grow. */
_Noreturn void vl_out_of_memory(const char *what);

/* The cleanup vl_out_of_memory runs before exiting (NULL: none); it must
 * not allocate. */
void vl_on_out_of_memory(void (*cleanup)(void));

#endif
