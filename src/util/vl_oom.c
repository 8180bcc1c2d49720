/* vl_oom.c - out of memory in the middle of a run (vl_oom.h). */
#include "vl_oom.h"

#include <stdio.h>
#include <unistd.h>

static void (*oom_cleanup)(void);

void vl_on_out_of_memory(void (*cleanup)(void))
{
    oom_cleanup = cleanup;
}

_Noreturn void vl_out_of_memory(const char *what)
{
    /* stderr is unbuffered: no allocation here */
    fprintf(stderr, "vcpulab: out of memory: %s (the run was stopped)\n", what);
    if (oom_cleanup)
        oom_cleanup();
    /* not exit(): stdio buffers a forked sweep worker shares with its
     * parent must not be written twice, and output files are not finished */
    _exit(1);
}
