/* report/series.c - the policies' series for the reports (report/series.h).
 * Reads the model's guests and workloads; changes nothing. */
#include "report/series.h"

#include <inttypes.h>
#include <string.h>

/* The workload that owns a task: the one whose measures it feeds. */
static const vl_workload *owner(const vl_model *m, const vl_task *t)
{
    for (int i = 0; i < m->nworkloads; i++)
        if (&m->workloads[i].stats == t->stats)
            return &m->workloads[i];
    return NULL;
}

void vl_series_subject(const vl_model *m, int vm, uint64_t cr3, char *buf, size_t n)
{
    const vl_guest *g = vl_model_guest(m, vm);
    snprintf(buf, n, "%s", cr3 ? "?" : "");
    for (int i = 0; cr3 && g && i < g->ntasks; i++) {
        const vl_task *t = g->tasks[i];
        const vl_workload *w = vl_guest_cr3(t->mm) == cr3 ? owner(m, t) : NULL;
        if (w) {
            snprintf(buf, n, "%s", w->name);
            return;
        }
    }
}

void vl_series_row(FILE *f, vl_ns now, const char *vm, const char *name, uint64_t cr3,
                   const char *task, double value)
{
    fprintf(f, "%lld,%s,%s,0x%" PRIx64 ",%s,%.10g\n", (long long)now, vm, name, cr3, task, value);
}
