/* report/text_report.c - the human summary and the long-format CSV. */
#include <stdio.h>
#include <stdlib.h>

#include "report/report.h"
#include "vl_json.h"

#include "guest/tlb.h"
#include "hv/io.h"

void vl_report_csv(const vl_model *m, FILE *f)
{
    vl_metrics ms = {0};
    vl_metrics_collect(m, &ms);
    fputs(VL_CSV_COLUMNS "\n", f);
    for (int i = 0; i < ms.n; i++) {
        char v[32];
        vl_fmt_double(v, sizeof v, ms.v[i].value);
        fprintf(f, "%s,%s,%llu,%s,%s\n", m->scn->name, m->ops->name,
                (unsigned long long)m->seed, ms.v[i].name, v);
    }
    vl_metrics_free(&ms);
}

static double ms_of(double ns) { return ns / 1e6; }

/* Network and block I/O of the workloads, and the devices, when there
 * are any. */
static void text_io(const vl_model *m, FILE *f)
{
    const vl_hv *hv = &m->hv;
    bool header = false;
    for (int w = 0; w < m->nworkloads; w++) {
        const vl_workload *wl = &m->workloads[w];
        const vl_netstats *n = &wl->stats.net;
        if (!n->rx_packets && !n->sent)
            continue;
        if (!header)
            fprintf(f, "\n%-24s %10s %10s %8s %11s %11s %8s %8s\n", "network", "Mbit/s",
                    "packets", "loss", "jitter(us)", "jit avg(us)", "retrans", "timeouts");
        header = true;
        char name[2 * VL_NAME_MAX + 2];
        snprintf(name, sizeof name, "%s/%s", hv->vms[wl->vm].name, wl->name);
        fprintf(f, "%-24s %10.1f %10llu %7.2f%% %11.1f %11.1f %8llu %8llu\n", name,
                vl_net_throughput_mbps(m, &wl->stats), (unsigned long long)n->rx_packets,
                100 * vl_net_loss(&wl->stats), n->jitter / 1e3,
                vl_net_jitter_mean(&wl->stats) / 1e3,
                (unsigned long long)n->retransmits, (unsigned long long)n->timeouts);
    }
    header = false;
    for (int w = 0; w < m->nworkloads; w++) {
        const vl_workload *wl = &m->workloads[w];
        const vl_hist *h = &wl->stats.io_latency;
        if (!h->count)
            continue;
        if (!header)
            fprintf(f, "\n%-24s %10s %12s %12s %12s\n", "block I/O", "requests", "avg(us)",
                    "p50(us)", "p99(us)");
        header = true;
        char name[2 * VL_NAME_MAX + 2];
        snprintf(name, sizeof name, "%s/%s", hv->vms[wl->vm].name, wl->name);
        fprintf(f, "%-24s %10llu %12.1f %12.1f %12.1f\n", name, (unsigned long long)h->count,
                vl_hist_mean(h) / 1e3, vl_hist_percentile(h, 50) / 1e3,
                vl_hist_percentile(h, 99) / 1e3);
    }
    header = false;
    for (int d = 0; d < hv->nvms; d++) {
        const vl_io_stats *io = vl_hv_io_stats(hv, d);
        if (!io)
            continue;
        if (!header)
            fprintf(f, "\n%-16s %12s %10s %12s %10s %10s\n", "devices", "rx packets",
                    "rx drops", "tx packets", "kicks", "blk reqs");
        header = true;
        fprintf(f, "%-16s %12llu %10llu %12llu %10llu %10llu\n", hv->vms[d].name,
                (unsigned long long)io->rx_packets, (unsigned long long)io->rx_drops,
                (unsigned long long)io->tx_packets, (unsigned long long)io->kicks,
                (unsigned long long)io->blk_requests);
    }
}

/* Spinlock classes that were contended or whose holders or waiters were
 * preempted; IPI and shootdown latencies; pause-loop exits. */
static void text_guest(const vl_model *m, FILE *f)
{
    const vl_hv *hv = &m->hv;
    char name[2 * VL_NAME_MAX + 2];
    bool header = false;
    for (int d = 0; d < hv->nvms; d++) {
        const vl_guest *g = vl_model_guest(m, d);
        for (int c = 0; g && c < g->nclasses; c++) {
            const vl_lock_stats *st = &g->classes[c].stats;
            if (!st->contended && !st->holder_preemptions && !st->waiter_preemptions)
                continue;
            if (!header)
                fprintf(f, "\n%-24s %16s %12s %12s %12s %9s %9s %8s\n", "spinlocks",
                        "contended/acq", "wait avg(us)", "p99(us)", "max(us)", "holder-pr",
                        "waiter-pr", "off-CPU");
            header = true;
            char ratio[48];
            snprintf(ratio, sizeof ratio, "%llu/%llu", (unsigned long long)st->contended,
                     (unsigned long long)st->acquisitions);
            snprintf(name, sizeof name, "%s/%s", hv->vms[d].name, g->classes[c].name);
            fprintf(f, "%-24s %16s %12.1f %12.1f %12.1f %9llu %9llu %8llu\n", name, ratio,
                    vl_hist_mean(&st->wait) / 1e3, vl_hist_percentile(&st->wait, 99) / 1e3,
                    (double)st->wait.max / 1e3, (unsigned long long)st->holder_preemptions,
                    (unsigned long long)st->waiter_preemptions,
                    (unsigned long long)st->offcpu_handoffs);
        }
    }
    header = false;
    for (int d = 0; d < hv->nvms; d++) {
        const vl_guest *g = vl_model_guest(m, d);
        if (!g)
            continue;
        const struct {
            const char *what;
            const vl_hist *h;
        } rows[] = {{"resched IPI", &g->ipi_latency[VL_IPI_RESCHEDULE]},
                    {"TLB IPI", &g->ipi_latency[VL_IPI_TLB]},
                    {"shootdown", &vl_tlb_of(g)->latency}};
        for (size_t r = 0; r < sizeof rows / sizeof rows[0]; r++) {
            const vl_hist *h = rows[r].h;
            if (!h->count)
                continue;
            if (!header)
                fprintf(f, "\n%-24s %10s %12s %12s %12s\n", "IPIs and shootdowns", "count",
                        "avg(us)", "p99(us)", "max(us)");
            header = true;
            snprintf(name, sizeof name, "%s %s", hv->vms[d].name, rows[r].what);
            fprintf(f, "%-24s %10llu %12.1f %12.1f %12.1f\n", name, (unsigned long long)h->count,
                    vl_hist_mean(h) / 1e3, vl_hist_percentile(h, 99) / 1e3,
                    (double)h->max / 1e3);
        }
    }
    header = false;
    for (int d = 0; d < hv->nvms; d++) {
        uint64_t ple = vl_vm_ple_exits(m, d);
        if (!ple)
            continue;
        fprintf(f, "%s %s %llu", header ? "," : "\npause-loop exits:", hv->vms[d].name,
                (unsigned long long)ple);
        header = true;
    }
    if (header)
        fprintf(f, "\n");
}

/* The host's backends one by one, when some VM has one per device. */
static void text_backends(const vl_model *m, FILE *f, double capacity)
{
    const vl_hv *hv = &m->hv;
    bool per_device = false;
    for (int d = 0; d < m->scn->nvms; d++)
        per_device |= vl_vm_spec_backends(&m->scn->vms[d]) > 1;
    if (!per_device)
        return;
    const vl_vm *host = &hv->vms[hv->nvms - 1];
    fprintf(f, "\n%-24s %9s %12s %12s\n", "host backend", "share", "cpu(ms)", "wait(ms)");
    for (int i = 0; i < host->nvcpus; i++) {
        int id = host->vcpus[i].id;
        double cpu = (double)vl_model_vcpu_time(m, id, VL_RUNNING);
        fprintf(f, "%-24s %8.2f%% %12.1f %12.1f\n", vl_hv_backend_name(hv, i),
                capacity > 0 ? 100.0 * cpu / capacity : 0, ms_of(cpu),
                ms_of((double)vl_model_vcpu_time(m, id, VL_RUNNABLE)));
    }
}

void vl_report_text(const vl_model *m, FILE *f)
{
    const vl_hv *hv = &m->hv;
    vl_ns window = vl_model_window(m);
    double capacity = (double)hv->npcpus * (double)window;
    char wtxt[32];
    vl_duration_format(window, wtxt, sizeof wtxt);
    fprintf(f, "%s under %s, seed %llu: %s measured, %llu events, digest %016llx\n",
            m->scn->name, m->ops->name, (unsigned long long)m->seed, wtxt,
            (unsigned long long)hv->sim.events, (unsigned long long)hv->sim.digest);
    fprintf(f, "\n%-16s %5s %6s %9s %9s %12s %12s\n", "vm", "vcpus", "weight", "share",
            "entitled", "cpu(ms)", "wait(ms)");
    double *owed = vl_entitled_shares_or_exit(m);
    for (int d = 0; d < hv->nvms; d++) {
        const vl_vm *vm = &hv->vms[d];
        vl_ns cpu = vl_vm_time(m, d, VL_RUNNING), wait = vl_vm_time(m, d, VL_RUNNABLE);
        fprintf(f, "%-16s %5d %6d %8.2f%% %8.2f%% %12.1f %12.1f\n", vm->name, vm->nvcpus,
                vm->weight, capacity > 0 ? 100.0 * (double)cpu / capacity : 0,
                100.0 * owed[d], ms_of((double)cpu), ms_of((double)wait));
    }
    free(owed);
    double jain = 0, min = 0;
    int worst = 0, n = vl_fairness(m, &jain, &min, &worst);
    if (n >= 2)
        fprintf(f,
                "fairness (share / entitled): Jain %.3f over %d VMs; "
                "worst %s at %.1f%% of its entitlement\n",
                jain, n, hv->vms[worst].name, 100 * min);
    text_backends(m, f, capacity);
    if (m->nworkloads) {
        fprintf(f, "\n%-24s %12s %9s %12s %12s %12s\n", "workload", "work(ms)", "bursts",
                "wake p50(us)", "wake p99(us)", "resp avg(us)");
        for (int w = 0; w < m->nworkloads; w++) {
            const vl_workload *wl = &m->workloads[w];
            char name[2 * VL_NAME_MAX + 2];
            snprintf(name, sizeof name, "%s/%s", hv->vms[wl->vm].name, wl->name);
            fprintf(f, "%-24s %12.1f %9llu %12.1f %12.1f %12.1f\n", name,
                    ms_of((double)wl->stats.work_ns), (unsigned long long)wl->stats.bursts,
                    vl_hist_percentile(&wl->stats.wake_latency, 50) / 1e3,
                    vl_hist_percentile(&wl->stats.wake_latency, 99) / 1e3,
                    vl_hist_mean(&wl->stats.response) / 1e3);
        }
    }
    text_guest(m, f);
    text_io(m, f);
    if (hv->sched.ncounters) {
        fprintf(f, "\npolicy counters:");
        for (int c = 0; c < hv->sched.ncounters; c++)
            fprintf(f, " %s=%lld", hv->sched.ops->counters[c], (long long)vl_model_counter(m, c));
        fprintf(f, "\n");
    }
}

/* What every CDF row of the run carries: its scenario, policy and seed
 * (before the distribution) and the caller's tail (after the cdf). */
typedef struct cdf_row {
    const vl_model *m;
    const char *tail;
} cdf_row;

static void cdf_rows(FILE *f, const cdf_row *r, const char *name, const vl_hist *h)
{
    int cursor = 0;
    int64_t value;
    uint64_t cum;
    while (h->count && vl_hist_next(h, &cursor, &value, &cum))
        fprintf(f, "%s,%s,%llu,%s,%lld,%.6f%s\n", r->m->scn->name, r->m->ops->name,
                (unsigned long long)r->m->seed, name, (long long)value,
                (double)cum / (double)h->count, r->tail);
}

void vl_report_cdf(const vl_model *m, FILE *f, const char *tail)
{
    const vl_hv *hv = &m->hv;
    const cdf_row r = {m, tail};
    char name[3 * VL_NAME_MAX + 32];
    for (int w = 0; w < m->nworkloads; w++) {
        const vl_workload *wl = &m->workloads[w];
        snprintf(name, sizeof name, "wl.%s.%s.wake_latency", hv->vms[wl->vm].name, wl->name);
        cdf_rows(f, &r, name, &wl->stats.wake_latency);
        snprintf(name, sizeof name, "wl.%s.%s.response", hv->vms[wl->vm].name, wl->name);
        cdf_rows(f, &r, name, &wl->stats.response);
        snprintf(name, sizeof name, "wl.%s.%s.io_latency", hv->vms[wl->vm].name, wl->name);
        cdf_rows(f, &r, name, &wl->stats.io_latency);
        snprintf(name, sizeof name, "wl.%s.%s.completion", hv->vms[wl->vm].name, wl->name);
        cdf_rows(f, &r, name, &wl->stats.completion);
    }
    for (int d = 0; d < hv->nvms; d++) {
        const vl_guest *g = vl_model_guest(m, d);
        if (!g)
            continue;
        for (int c = 0; c < g->nclasses; c++) {
            snprintf(name, sizeof name, "vm.%s.lock.%s.wait", hv->vms[d].name, g->classes[c].name);
            cdf_rows(f, &r, name, &g->classes[c].stats.wait);
        }
        snprintf(name, sizeof name, "vm.%s.tlb.latency", hv->vms[d].name);
        cdf_rows(f, &r, name, &vl_tlb_of(g)->latency);
        snprintf(name, sizeof name, "vm.%s.ipi.resched.latency", hv->vms[d].name);
        cdf_rows(f, &r, name, &g->ipi_latency[VL_IPI_RESCHEDULE]);
        snprintf(name, sizeof name, "vm.%s.ipi.tlb.latency", hv->vms[d].name);
        cdf_rows(f, &r, name, &g->ipi_latency[VL_IPI_TLB]);
    }
}
