/* report/metrics.c - the flat list of named headline metrics, and the
 * names a model can produce (what a sweep checks --plot against before it
 * runs): one walk over the model does both, so the two cannot drift. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/report.h"

#include "guest/tlb.h"
#include "hv/boost_truth.h"
#include "hv/fragment.h"
#include "hv/io.h"
#include "vl_array.h"

int vl_metrics_add(vl_metrics *ms, double value, const char *fmt, ...)
{
    if (vl_array_room(&ms->v, &ms->cap, ms->n, sizeof *ms->v, 32) < 0)
        return -1;
    vl_metric *m = &ms->v[ms->n++];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(m->name, sizeof m->name, fmt, ap);
    va_end(ap);
    m->value = value;
    return 0;
}

vl_ns vl_vm_time(const vl_model *m, int d, vl_runstate st)
{
    vl_ns sum = 0;
    const vl_vm *vm = &m->hv.vms[d];
    for (int i = 0; i < vm->nvcpus; i++)
        sum += vl_model_vcpu_time(m, vm->vcpus[i].id, st);
    return sum;
}

uint64_t vl_vm_ple_exits(const vl_model *m, int d)
{
    uint64_t sum = 0;
    const vl_vm *vm = &m->hv.vms[d];
    for (int i = 0; i < vm->nvcpus; i++)
        sum += vm->vcpus[i].exits[VL_EXIT_PLE];
    return sum;
}

/* Counted VMs for the fairness index: those other than the host VM. */
static int tenants(const vl_hv *hv)
{
    int n = 0;
    for (int d = 0; d < hv->nvms; d++)
        n += !hv->vms[d].host;
    return n;
}

/* The policy's guessed boosts against the declared I/O-bound tasks
 * (hv/boost_truth.h), when it noted any. */
static int collect_boost_truth(const vl_hv *hv, const vl_vm *vm, vl_metrics *ms, bool every)
{
    if (vm->host || !(vl_boost_noted(hv) || every))
        return 0;
    vl_boost_stats st = vl_boost_truth_vm(vm, hv->sim.now);
    int rc = vl_metrics_add(ms, (double)st.boosts, "vm.%s.pb_boosts", vm->name);
    rc |= vl_metrics_add(ms, (double)st.hits, "vm.%s.pb_hits", vm->name);
    rc |= vl_metrics_add(ms, (double)(st.boosts - st.hits), "vm.%s.pb_false_positives", vm->name);
    if (st.boosts || every)
        rc |= vl_metrics_add(ms, st.boosts ? (double)st.hits / (double)st.boosts : 0,
                             "vm.%s.pbhr", vm->name);
    rc |= vl_metrics_add(ms, (double)st.boosted_ns, "vm.%s.pb_boosted_ns", vm->name);
    return rc;
}

/* The metrics of the run; with `every`, also those whose condition did
 * not hold (a lock never taken, no request completed...), valued 0: the
 * names the model can produce. */
static int collect(const vl_model *m, vl_metrics *ms, bool every)
{
    const vl_hv *hv = &m->hv;
    double capacity = (double)hv->npcpus * (double)vl_model_window(m);
    int rc = 0;
    double *owed = vl_entitled_shares_or_exit(m);
    for (int d = 0; d < hv->nvms; d++) {
        const char *vm = hv->vms[d].name;
        vl_ns cpu = vl_vm_time(m, d, VL_RUNNING);
        rc |= vl_metrics_add(ms, capacity > 0 ? (double)cpu / capacity : 0, "vm.%s.share", vm);
        rc |= vl_metrics_add(ms, owed[d], "vm.%s.entitled_share", vm);
        rc |= vl_metrics_add(ms, (double)cpu, "vm.%s.cpu_ns", vm);
        rc |= vl_metrics_add(ms, (double)vl_vm_time(m, d, VL_RUNNABLE), "vm.%s.wait_ns", vm);
        vl_ns frag = vl_frag_vm_time(&hv->vms[d], hv->sim.now);
        if (frag || every)
            rc |= vl_metrics_add(ms, (double)frag, "vm.%s.fragmented_ns", vm);
        rc |= collect_boost_truth(hv, &hv->vms[d], ms, every);
    }
    free(owed);
    double jain = 0, min = 0;
    int nfair = vl_fairness(m, &jain, &min, NULL);
    if (nfair < 0)
        rc = -1;
    if (nfair >= 2 || (every && tenants(hv) >= 2)) {
        rc |= vl_metrics_add(ms, jain, "fairness.jain");
        rc |= vl_metrics_add(ms, min, "fairness.min_entitled_fraction");
    }
    for (int d = 0; d < hv->nvms; d++) {
        const vl_guest *g = vl_model_guest(m, d);
        const char *vm = hv->vms[d].name;
        const vl_io_stats *io = vl_hv_io_stats(hv, d);
        if (io)
            rc |= vl_metrics_add(ms, (double)io->rx_drops, "vm.%s.io.rx_drops", vm);
        if (!g)
            continue;
        /* ballooning: the mean count of online vCPUs over the window */
        vl_ns offline = vl_vm_time(m, d, VL_OFFLINE), window = vl_model_window(m);
        if ((offline > 0 || every) && window > 0)
            rc |= vl_metrics_add(ms, hv->vms[d].nvcpus - (double)offline / (double)window,
                                 "vm.%s.online_vcpus", vm);
        uint64_t ple = vl_vm_ple_exits(m, d);
        if (ple || every)
            rc |= vl_metrics_add(ms, (double)ple, "vm.%s.ple_exits", vm);
        for (int c = 0; c < g->nclasses; c++) {
            const vl_lock_stats *st = &g->classes[c].stats;
            const char *cls = g->classes[c].name;
            if (!st->acquisitions && !every)
                continue;
            rc |= vl_metrics_add(ms, st->acquisitions ? (double)st->wait_ns / (double)st->acquisitions : 0,
                      "vm.%s.lock.%s.wait_mean_ns", vm, cls);
            rc |= vl_metrics_add(ms, (double)vl_hist_percentile(&st->wait, 99), "vm.%s.lock.%s.wait_p99_ns",
                      vm, cls);
            rc |= vl_metrics_add(ms, (double)st->wait.max, "vm.%s.lock.%s.wait_max_ns", vm, cls);
            rc |= vl_metrics_add(ms, (double)st->holder_preemptions, "vm.%s.lock.%s.holder_preemptions", vm,
                      cls);
            rc |= vl_metrics_add(ms, (double)st->stacked, "vm.%s.lock.%s.stacked", vm, cls);
        }
        static const char *const kinds[VL_IPI_KINDS] = {"resched", "tlb"};
        for (int k = 0; k < VL_IPI_KINDS; k++)
            if (g->ipi_latency[k].count || every) {
                rc |= vl_metrics_add(ms, vl_hist_mean(&g->ipi_latency[k]), "vm.%s.ipi.%s.latency_mean_ns", vm,
                          kinds[k]);
                rc |= vl_metrics_add(ms, (double)vl_hist_percentile(&g->ipi_latency[k], 99),
                          "vm.%s.ipi.%s.latency_p99_ns", vm, kinds[k]);
            }
        if (vl_tlb_of(g)->shootdowns || every) {
            rc |= vl_metrics_add(ms, vl_hist_mean(&vl_tlb_of(g)->latency), "vm.%s.tlb.latency_mean_ns", vm);
            rc |= vl_metrics_add(ms, (double)vl_tlb_of(g)->latency.max, "vm.%s.tlb.latency_max_ns", vm);
        }
    }
    for (int w = 0; w < m->nworkloads; w++) {
        const vl_workload *wl = &m->workloads[w];
        const char *vm = hv->vms[wl->vm].name;
        const vl_wstats *s = &wl->stats;
        rc |= vl_metrics_add(ms, (double)s->work_ns, "wl.%s.%s.work_ns", vm, wl->name);
        if (wl->iterations)
            rc |= vl_metrics_add(ms, s->done_ns ? (double)s->done_ns : -1, "wl.%s.%s.done_ns", vm,
                                 wl->name);
        if (s->bursts || every)
            rc |= vl_metrics_add(ms, (double)s->bursts, "wl.%s.%s.bursts", vm, wl->name);
        if (s->deadline_jobs || (every && vl_prog_periodic(wl->prog))) {
            rc |= vl_metrics_add(ms, (double)s->deadline_jobs, "wl.%s.%s.deadline_jobs", vm,
                                 wl->name);
            rc |= vl_metrics_add(ms, (double)s->deadline_misses, "wl.%s.%s.deadline_misses", vm,
                                 wl->name);
        }
        if (s->wake_latency.count || every) {
            rc |= vl_metrics_add(ms, vl_hist_mean(&s->wake_latency), "wl.%s.%s.wake_mean_ns", vm, wl->name);
            rc |= vl_metrics_add(ms, (double)vl_hist_percentile(&s->wake_latency, 99),
                      "wl.%s.%s.wake_p99_ns", vm, wl->name);
        }
        if (s->response.count || every) {
            rc |= vl_metrics_add(ms, vl_hist_mean(&s->response), "wl.%s.%s.response_mean_ns", vm, wl->name);
            rc |= vl_metrics_add(ms, (double)vl_hist_percentile(&s->response, 99),
                      "wl.%s.%s.response_p99_ns", vm, wl->name);
        }
        if (s->completion.count || every) {
            rc |= vl_metrics_add(ms, (double)s->completion.count, "wl.%s.%s.jobs", vm, wl->name);
            rc |= vl_metrics_add(ms, vl_hist_mean(&s->completion), "wl.%s.%s.completion_mean_ns", vm,
                      wl->name);
            rc |= vl_metrics_add(ms, (double)vl_hist_percentile(&s->completion, 99),
                      "wl.%s.%s.completion_p99_ns", vm, wl->name);
        }
        if (s->io_latency.count || every) {
            rc |= vl_metrics_add(ms, (double)s->io_latency.count, "wl.%s.%s.io_requests", vm, wl->name);
            rc |= vl_metrics_add(ms, vl_hist_mean(&s->io_latency), "wl.%s.%s.io_mean_ns", vm, wl->name);
            rc |= vl_metrics_add(ms, (double)vl_hist_percentile(&s->io_latency, 99),
                      "wl.%s.%s.io_p99_ns", vm, wl->name);
        }
        if (s->net.rx_packets || s->net.sent || (every && wl->type->io)) {
            rc |= vl_metrics_add(ms, vl_net_throughput_mbps(m, s), "wl.%s.%s.net.throughput_mbps", vm,
                      wl->name);
            rc |= vl_metrics_add(ms, s->net.jitter, "wl.%s.%s.net.jitter_ns", vm, wl->name);
            rc |= vl_metrics_add(ms, vl_net_jitter_mean(s), "wl.%s.%s.net.jitter_mean_ns", vm, wl->name);
            rc |= vl_metrics_add(ms, vl_net_loss(s), "wl.%s.%s.net.loss", vm, wl->name);
        }
    }
    for (int c = 0; c < hv->sched.ncounters; c++)
        rc |= vl_metrics_add(ms, (double)vl_model_counter(m, c), "policy.%s", hv->sched.ops->counters[c]);
    return rc ? -1 : 0;
}

int vl_metrics_collect(const vl_model *m, vl_metrics *ms)
{
    return collect(m, ms, false);
}

int vl_metrics_names(const vl_model *m, vl_metrics *ms)
{
    return collect(m, ms, true);
}

void vl_metrics_free(vl_metrics *ms)
{
    free(ms->v);
    *ms = (vl_metrics){0};
}

const vl_metric *vl_metrics_find(const vl_metrics *ms, const char *name)
{
    for (int i = 0; i < ms->n; i++)
        if (strcmp(ms->v[i].name, name) == 0)
            return &ms->v[i];
    return NULL;
}
