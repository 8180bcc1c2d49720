/* cli/solo.c - `compare --solo`: each VM of a scenario alone on the same
 * host under the same policy and seed, for the slowdown and weighted
 * speedup of the mix (cli/solo.h).  A solo scenario is a view of the
 * loaded one that keeps one VM: the host, run settings and the VM's own
 * settings and parameters are the mix's. */
#include "cli/solo.h"

#include <string.h>

/* The CPU time VM d's workloads spent on their work in m's window. */
static double vm_work(const vl_model *m, int d)
{
    double work = 0;
    for (int w = 0; w < m->nworkloads; w++)
        if (m->workloads[w].vm == d)
            work += (double)m->workloads[w].stats.work_ns;
    return work;
}

/* VM d of scn alone: its work in the solo run's window (-1: failed). */
static double solo_work(const vl_scenario *scn, int d, const vl_sched_ops *ops, uint64_t seed,
                        vl_error *err)
{
    vl_scenario solo = *scn;
    solo.vms = &scn->vms[d];
    solo.nvms = 1;
    vl_model m;
    double work = -1;
    if (vl_model_create(&m, &solo, ops, seed, scn->duration, NULL, err) == 0 &&
        vl_model_run(&m, err) == 0)
        work = vm_work(&m, 0);
    vl_model_destroy(&m);
    return work;
}

int vl_solo_metrics(const vl_scenario *scn, const vl_model *m, const vl_sched_ops *ops,
                    uint64_t seed, vl_metrics *ms, vl_error *err)
{
    double speedup = 0;
    int rc = 0, counted = 0;
    memset(err, 0, sizeof *err);
    for (int d = 0; d < scn->nvms; d++) {
        double alone = solo_work(scn, d, ops, seed, err);
        if (alone < 0)
            return -1;
        if (alone == 0)
            continue; /* nothing to compare against */
        const char *vm = scn->vms[d].name;
        double mixed = vm_work(m, d);
        rc |= vl_metrics_add(ms, alone, "vm.%s.solo_work_ns", vm);
        if (mixed > 0)
            rc |= vl_metrics_add(ms, alone / mixed, "vm.%s.slowdown", vm);
        speedup += mixed / alone;
        counted++;
    }
    if (counted)
        rc |= vl_metrics_add(ms, speedup, "weighted_speedup");
    return rc;
}
