/* workload/spawn.c - creating a workload's tasks. */
#include <stdio.h>

#include "guest/gsched.h"
#include "workload/workload.h"

int vl_workload_spawn(vl_guest *g, vl_workload *w, int64_t n)
{
    for (int64_t i = 0; i < n; i++) {
        char stream[96];
        snprintf(stream, sizeof stream, "%s/%lld", w->name, (long long)i);
        vl_task *t = vl_guest_task_create(g, stream, w->prog, &w->stats);
        if (!t)
            return -1;
        t->mm = w->id + 1;
        vl_gsched_set_nice(g, t, w->nice);
    }
    return 0;
}
