/* report/json_report.c - the run's JSON document (docs/output-format.md).
 * Only integers and fixed-precision doubles: the same run gives the same
 * bytes. */
#include <stdio.h>
#include <stdlib.h>

#include "report/report.h"

#include "guest/hotplug.h"
#include "guest/net.h"
#include "guest/process.h"
#include "guest/tlb.h"
#include "hv/boost_truth.h"
#include "hv/fragment.h"
#include "hv/io.h"
#include "vl_json.h"

static void hist_obj(vl_json *j, const char *key, const vl_hist *h)
{
    vl_json_key(j, key);
    vl_json_obj_begin(j);
    vl_json_kuint(j, "count", h->count);
    vl_json_kdouble(j, "mean_ns", vl_hist_mean(h));
    vl_json_kint(j, "min_ns", h->count ? h->min : 0);
    vl_json_kint(j, "p50_ns", vl_hist_percentile(h, 50));
    vl_json_kint(j, "p90_ns", vl_hist_percentile(h, 90));
    vl_json_kint(j, "p99_ns", vl_hist_percentile(h, 99));
    vl_json_kint(j, "max_ns", h->count ? h->max : 0);
    vl_json_obj_end(j);
}

static void write_pcpus(vl_json *j, const vl_model *m)
{
    vl_json_key(j, "pcpus");
    vl_json_arr_begin(j);
    for (int p = 0; p < m->hv.npcpus; p++) {
        vl_json_obj_begin(j);
        vl_json_kint(j, "id", p);
        vl_json_kint(j, "busy_ns", vl_model_pcpu_busy(m, p));
        vl_json_kint(j, "idle_ns", vl_model_pcpu_idle(m, p));
        vl_json_kint(j, "overhead_ns", vl_model_pcpu_overhead(m, p));
        vl_json_kuint(j, "switches", vl_model_pcpu_switches(m, p));
        if (m->hv.cstates != VL_CSTATES_NONE) { /* whole run */
            vl_json_kuint(j, "cstate_wakeups", m->hv.pcpus[p].cstate_wakeups);
            vl_json_kint(j, "cstate_exit_ns", m->hv.pcpus[p].cstate_exit_ns);
        }
        vl_json_obj_end(j);
    }
    vl_json_arr_end(j);
}

static void write_vcpu(vl_json *j, const vl_model *m, const vl_vcpu *v)
{
    vl_json_obj_begin(j);
    vl_json_kint(j, "index", v->index);
    if (v->vm->host)
        vl_json_kstr(j, "backend", vl_hv_backend_name(&m->hv, v->index));
    vl_json_kint(j, "run_ns", vl_model_vcpu_time(m, v->id, VL_RUNNING));
    vl_json_kint(j, "wait_ns", vl_model_vcpu_time(m, v->id, VL_RUNNABLE));
    vl_json_kint(j, "blocked_ns", vl_model_vcpu_time(m, v->id, VL_BLOCKED));
    vl_json_kint(j, "offline_ns", vl_model_vcpu_time(m, v->id, VL_OFFLINE));
    vl_json_kuint(j, "wakeups", v->wakeups);
    vl_json_kuint(j, "preemptions", v->preemptions);
    vl_json_kuint(j, "migrations", v->migrations);
    vl_json_kint(j, "max_wait_ns", v->max_wait);
    vl_json_kint(j, "parked_ns", v->parked_ns);
    vl_json_key(j, "exits");
    vl_json_obj_begin(j);
    static const char *const names[VL_NR_EXIT_KINDS] = {"hlt", "ple", "yield", "ipi", "io", "cr3"};
    for (int k = 0; k < VL_NR_EXIT_KINDS; k++)
        vl_json_kuint(j, names[k], v->exits[k]);
    vl_json_obj_end(j);
    vl_json_obj_end(j);
}

static void write_workloads(vl_json *j, const vl_model *m, int d)
{
    vl_json_key(j, "workloads");
    vl_json_arr_begin(j);
    for (int w = 0; w < m->nworkloads; w++) {
        const vl_workload *wl = &m->workloads[w];
        if (wl->vm != d)
            continue;
        vl_json_obj_begin(j);
        vl_json_kstr(j, "name", wl->name);
        vl_json_kstr(j, "type", wl->type->name);
        vl_json_kint(j, "work_ns", wl->stats.work_ns);
        if (wl->iterations) /* whole-run time, or -1: not done by the end */
            vl_json_kint(j, "done_ns", wl->stats.done_ns ? wl->stats.done_ns : -1);
        vl_json_kuint(j, "bursts", wl->stats.bursts);
        if (wl->stats.deadline_jobs) {
            vl_json_kuint(j, "deadline_jobs", wl->stats.deadline_jobs);
            vl_json_kuint(j, "deadline_misses", wl->stats.deadline_misses);
        }
        hist_obj(j, "wake_latency", &wl->stats.wake_latency);
        hist_obj(j, "response", &wl->stats.response);
        if (wl->stats.io_latency.count)
            hist_obj(j, "io_latency", &wl->stats.io_latency);
        if (wl->stats.completion.count)
            hist_obj(j, "completion", &wl->stats.completion);
        const vl_netstats *n = &wl->stats.net;
        if (n->rx_packets || n->sent) {
            vl_json_key(j, "net");
            vl_json_obj_begin(j);
            vl_json_kdouble(j, "throughput_mbps", vl_net_throughput_mbps(m, &wl->stats));
            vl_json_kuint(j, "rx_bytes", n->rx_bytes);
            vl_json_kuint(j, "rx_packets", n->rx_packets);
            vl_json_kuint(j, "sent", n->sent);
            vl_json_kuint(j, "lost", n->lost);
            vl_json_kdouble(j, "loss", vl_net_loss(&wl->stats));
            vl_json_kuint(j, "out_of_order", n->out_of_order);
            vl_json_kdouble(j, "jitter_ns", n->jitter);
            vl_json_kdouble(j, "jitter_mean_ns", vl_net_jitter_mean(&wl->stats));
            vl_json_kuint(j, "retransmits", n->retransmits);
            vl_json_kuint(j, "timeouts", n->timeouts);
            vl_json_obj_end(j);
        }
        vl_json_obj_end(j);
    }
    vl_json_arr_end(j);
}

/* Ground truth from inside the guest (locks, shootdowns, IPIs): what the
 * policies never see. */
static void write_io(vl_json *j, const vl_model *m, int d)
{
    const vl_io_stats *io = vl_hv_io_stats(&m->hv, d);
    if (!io)
        return;
    vl_json_key(j, "io");
    vl_json_obj_begin(j);
    vl_json_kuint(j, "rx_packets", io->rx_packets);
    vl_json_kuint(j, "rx_drops", io->rx_drops);
    vl_json_kuint(j, "tx_packets", io->tx_packets);
    vl_json_kuint(j, "kicks", io->kicks);
    vl_json_kuint(j, "blk_requests", io->blk_requests);
    vl_json_obj_end(j);
}

static void write_guest(vl_json *j, const vl_model *m, int d)
{
    const vl_guest *g = vl_model_guest(m, d);
    if (!g)
        return;
    vl_json_key(j, "guest");
    vl_json_obj_begin(j);
    vl_json_key(j, "locks");
    vl_json_arr_begin(j);
    for (int c = 0; c < g->nclasses; c++) {
        const vl_lock_stats *st = &g->classes[c].stats;
        if (!st->acquisitions)
            continue;
        vl_json_obj_begin(j);
        vl_json_kstr(j, "class", g->classes[c].name);
        vl_json_kuint(j, "acquisitions", st->acquisitions);
        vl_json_kuint(j, "contended", st->contended);
        vl_json_kint(j, "wait_total_ns", st->wait_ns);
        hist_obj(j, "wait", &st->wait);
        vl_json_kuint(j, "holder_preemptions", st->holder_preemptions);
        vl_json_kuint(j, "waiter_preemptions", st->waiter_preemptions);
        vl_json_kuint(j, "offcpu_handoffs", st->offcpu_handoffs);
        vl_json_kuint(j, "stacked", st->stacked);
        vl_json_obj_end(j);
    }
    vl_json_arr_end(j);
    const vl_gnet *net = vl_gnet_of(g);
    const vl_gsock *sock = vl_socket_of(g);
    if (net->rx_packets || sock->no_socket) {
        vl_json_key(j, "net");
        vl_json_obj_begin(j);
        vl_json_kuint(j, "softirq_packets", net->rx_packets);
        vl_json_kuint(j, "poll_rounds", net->rounds);
        vl_json_kuint(j, "ksoftirqd_deferrals", net->deferrals);
        vl_json_kuint(j, "rcvbuf_drops", sock->rcvbuf_drops);
        vl_json_kuint(j, "no_socket", sock->no_socket);
        vl_json_obj_end(j);
    }
    vl_json_kuint(j, "hotplug_moves", vl_hotplug_of(g)->moves);
    vl_json_key(j, "processes");
    vl_json_obj_begin(j);
    vl_json_kuint(j, "forks", vl_process_of(g)->forks);
    vl_json_kuint(j, "exits", vl_process_of(g)->exits);
    vl_json_kuint(j, "task_objects", (uint64_t)g->ntasks);
    vl_json_obj_end(j);
    vl_json_key(j, "tlb_shootdowns");
    vl_json_obj_begin(j);
    vl_json_kuint(j, "count", vl_tlb_of(g)->shootdowns);
    hist_obj(j, "latency", &vl_tlb_of(g)->latency);
    vl_json_obj_end(j);
    vl_json_key(j, "ipi_latency");
    vl_json_obj_begin(j);
    hist_obj(j, "reschedule", &g->ipi_latency[VL_IPI_RESCHEDULE]);
    hist_obj(j, "tlb_shootdown", &g->ipi_latency[VL_IPI_TLB]);
    vl_json_obj_end(j);
    vl_json_key(j, "ipis_sent");
    vl_json_obj_begin(j);
    for (int v = 0; v < 256; v++)
        if (vl_guest_ipis_sent(g, v)) {
            char key[8];
            snprintf(key, sizeof key, "0x%02x", v);
            vl_json_kuint(j, key, vl_guest_ipis_sent(g, v));
        }
    vl_json_obj_end(j);
    vl_json_obj_end(j);
}

/* Jain's index of share / entitled_share over the guest VMs entitled to
 * something; null with fewer than two. */
static void write_fairness(vl_json *j, const vl_model *m)
{
    double jain = 0, min = 0;
    int worst = 0, n = vl_fairness(m, &jain, &min, &worst);
    vl_json_key(j, "fairness");
    if (n < 2) {
        vl_json_null(j);
        return;
    }
    vl_json_obj_begin(j);
    vl_json_kint(j, "vms", n);
    vl_json_kdouble(j, "jain", jain);
    vl_json_kdouble(j, "min_entitled_fraction", min);
    vl_json_kstr(j, "min_vm", m->hv.vms[worst].name);
    vl_json_obj_end(j);
}

/* Every change of the VM's online vCPU count, from the start of the run
 * (warm-up included), as [time_ns, online] pairs; absent if none. */
static void write_online_series(vl_json *j, const vl_vm *vm)
{
    if (vm->online_n == 0)
        return;
    vl_json_key(j, "online_series");
    vl_json_arr_begin(j);
    for (int i = 0; i < vm->online_n; i++) {
        vl_json_arr_begin(j);
        vl_json_int(j, vm->online_series[i].at);
        vl_json_int(j, vm->online_series[i].online);
        vl_json_arr_end(j);
    }
    vl_json_arr_end(j);
}

/* The policy's guessed boosts scored against the workloads' declared
 * I/O-bound tasks (hv/boost_truth.h); only when the policy noted any. */
static void write_boost_truth(vl_json *j, const vl_hv *hv, const vl_vm *vm)
{
    if (vm->host || !vl_boost_noted(hv))
        return;
    vl_boost_stats st = vl_boost_truth_vm(vm, hv->sim.now);
    vl_json_key(j, "boost_truth");
    vl_json_obj_begin(j);
    vl_json_kuint(j, "boosts", st.boosts);
    vl_json_kuint(j, "hits", st.hits);
    vl_json_kuint(j, "false_positives", st.boosts - st.hits);
    if (st.boosts)
        vl_json_kdouble(j, "pbhr", (double)st.hits / (double)st.boosts);
    vl_json_kint(j, "boosted_ns", st.boosted_ns);
    vl_json_obj_end(j);
}

static void write_vms(vl_json *j, const vl_model *m)
{
    const vl_hv *hv = &m->hv;
    double capacity = (double)hv->npcpus * (double)vl_model_window(m);
    double *owed = vl_entitled_shares_or_exit(m);
    vl_json_key(j, "vms");
    vl_json_arr_begin(j);
    for (int d = 0; d < hv->nvms; d++) {
        const vl_vm *vm = &hv->vms[d];
        vl_ns cpu = vl_vm_time(m, d, VL_RUNNING), wait = vl_vm_time(m, d, VL_RUNNABLE);
        vl_ns blocked = vl_vm_time(m, d, VL_BLOCKED);
        vl_json_obj_begin(j);
        vl_json_kstr(j, "name", vm->name);
        if (vm->host)
            vl_json_kbool(j, "host", true);
        vl_json_kint(j, "vcpus", vm->nvcpus);
        vl_json_kint(j, "weight", vm->weight);
        vl_json_kint(j, "cap", vm->cap);
        vl_json_kint(j, "cpu_ns", cpu);
        vl_json_kint(j, "wait_ns", wait);
        vl_json_kint(j, "blocked_ns", blocked);
        vl_json_kdouble(j, "share", capacity > 0 ? (double)cpu / capacity : 0);
        vl_json_kdouble(j, "entitled_share", owed[d]);
        vl_json_kint(j, "fragmented_ns", vl_frag_vm_time(vm, hv->sim.now));
        write_online_series(j, vm);
        write_boost_truth(j, hv, vm);
        vl_json_key(j, "vcpu");
        vl_json_arr_begin(j);
        for (int i = 0; i < vm->nvcpus; i++)
            write_vcpu(j, m, &vm->vcpus[i]);
        vl_json_arr_end(j);
        write_workloads(j, m, d);
        write_io(j, m, d);
        write_guest(j, m, d);
        vl_json_obj_end(j);
    }
    vl_json_arr_end(j);
    free(owed);
}

void vl_report_json(const vl_model *m, FILE *f)
{
    vl_json j;
    char digest[24];
    snprintf(digest, sizeof digest, "%016llx", (unsigned long long)m->hv.sim.digest);
    vl_json_init(&j, f, true);
    vl_json_obj_begin(&j);
    vl_json_kstr(&j, "vcpulab", VL_VERSION);
    vl_json_kstr(&j, "commit", vl_build_commit());
    vl_json_kstr(&j, "scenario", m->scn->name);
    vl_json_kstr(&j, "sched", m->ops->name);
    vl_json_kuint(&j, "seed", m->seed);
    vl_json_kint(&j, "duration_ns", m->duration);
    vl_json_kint(&j, "warmup_ns", m->warmup);
    vl_json_kint(&j, "sim_ns", vl_model_window(m));
    vl_json_kuint(&j, "events", m->hv.sim.events);
    vl_json_kstr(&j, "digest", digest);
    write_pcpus(&j, m);
    write_vms(&j, m);
    write_fairness(&j, m);
    vl_json_key(&j, "policy");
    vl_json_obj_begin(&j);
    vl_json_key(&j, "counters");
    vl_json_obj_begin(&j);
    for (int c = 0; c < m->hv.sched.ncounters; c++)
        vl_json_kint(&j, m->hv.sched.ops->counters[c], vl_model_counter(m, c));
    vl_json_obj_end(&j);
    vl_json_obj_end(&j);
    vl_report_config(&j, m);
    vl_json_obj_end(&j);
    vl_json_finish(&j);
}
