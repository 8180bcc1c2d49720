/* test_observations.c - the observation boundary: what a policy sees of a
 * guest is exactly what a hypervisor sees (DESIGN 5.3).  A recording
 * policy (round-robin like fifo) runs a guest that takes spinlocks, sends
 * TLB shootdowns and reschedule IPIs and sleeps on timers, and the test
 * checks every observation against the guest's ground truth:
 *   - IPIs reach ipi_sent with their real vectors, once per destination,
 *     only while the APIC traps (never with IPI virtualization);
 *   - pause-loop exits come from kernel-mode spin loops, with a RIP inside
 *     the spinning function of the real System.map;
 *   - saved RIPs exist only for preempted vCPUs and are kernel addresses
 *     of modelled functions or user addresses;
 *   - wake reasons carry the vector that woke the vCPU; kicks appear only
 *     with PV spinlocks;
 *   - I/O reaches io_event: every packet at the backend with its protocol
 *     and port, on the VM's receive vCPU; receive interrupts there, at most
 *     one per delivered packet, with its protocol and port; every virtqueue
 *     kick with the kicking task's CR3; every block completion; the host
 *     VM's backends are told apart by vl_vm_is_host, name the VM they serve
 *     (vl_vcpu_backend_of) and are woken by kicks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "guest/tlb.h"
#include "hv/io.h"
#include "testkit.h"
#include "vl_ksyms.h"

extern const unsigned char vl_system_map[];
extern const size_t vl_system_map_len;

typedef struct obs {
    uint64_t ipi_by_vector[256];
    uint64_t ple, ple_user, ple_bad_rip, yields;
    uint64_t wakes_by_reason[VL_NR_WAKE_REASONS];
    uint64_t wake_vectors[256];
    uint64_t saved_kernel, saved_user, saved_bad, saved_while_running;
    uint64_t blocks_pv;
    uint64_t cr3_loads, cr3_unaligned;
    uint64_t cr3_seen[8];
    int ncr3;
    uint64_t io_kicks[2], io_packets, io_completions, io_bad_cr3, io_bad_packet;
    uint64_t io_packet_vcpu[4];
    uint64_t io_rx_irqs, io_rx_irq_vcpu[4], io_bad_rx_irq;
    uint64_t host_kick_wakes, host_other_wakes;
    uint64_t backend_of_bad; /* a backend not of the first VM, or a guest vCPU's not NULL */
    int yielded;         /* the vCPU that just yielded, or -1 */
    int queue[256];
    int len;
} obs;

static vl_ksyms ksyms;
static const char *const spin_functions[] = {"native_queued_spin_lock_slowpath",
                                             "smp_call_function_many_cond", NULL};

static obs *O(vl_sched *s) { return vl_sched_priv(s); }

static int spy_init(vl_sched *s)
{
    O(s)->yielded = -1;
    /* the hypervisor hands policies the guest kernel's System.map */
    const vl_ksyms *map = vl_sched_system_map(s);
    assert_non_null(map);
    uint64_t a, b;
    assert_int_equal(vl_ksyms_extent(map, "native_queued_spin_lock_slowpath", &a, &b), 0);
    return 0;
}

static vl_pcpu *spy_pick(vl_sched *s, vl_vcpu *v, vl_pick_reason why)
{
    (void)why;
    vl_pcpu *p = vl_vcpu_pcpu(v);
    return p ? p : vl_pcpu_get(s, vl_vcpu_id(v) % vl_npcpus(s));
}

static void spy_wake(vl_sched *s, vl_vcpu *v, vl_wake_reason why, int vector)
{
    obs *o = O(s);
    bool host = vl_vm_is_host(vl_vcpu_vm(v));
    if (host)
        *(why == VL_WAKE_KICK ? &o->host_kick_wakes : &o->host_other_wakes) += 1;
    else
        o->wakes_by_reason[why]++;
    o->backend_of_bad += vl_vcpu_backend_of(v) != (host ? vl_vm_get(s, 0) : NULL);
    if (why == VL_WAKE_INTERRUPT)
        o->wake_vectors[vector]++;
    o->queue[o->len++] = vl_vcpu_id(v);
    vl_tickle(vl_vcpu_pcpu(v));
}

static void spy_block(vl_sched *s, vl_vcpu *v, vl_block_reason why)
{
    (void)v;
    if (why == VL_BLOCK_PV_WAIT)
        O(s)->blocks_pv++;
}

static void spy_yield(vl_sched *s, vl_vcpu *v, const vl_exit_info *info)
{
    obs *o = O(s);
    o->yielded = vl_vcpu_id(v);
    if (info->kind != VL_YIELD_PLE) {
        o->yields++;
        return;
    }
    o->ple++;
    if (!info->kernel)
        o->ple_user++;
    else if (vl_ksyms_classify(&ksyms, info->rip, spin_functions) < 0)
        o->ple_bad_rip++;
}

static void spy_cr3(vl_sched *s, vl_vcpu *v, uint64_t cr3)
{
    (void)v;
    obs *o = O(s);
    o->cr3_loads++;
    o->cr3_unaligned += (cr3 & 0xfff) != 0;
    for (int i = 0; i < o->ncr3; i++)
        if (o->cr3_seen[i] == cr3)
            return;
    if (o->ncr3 < 8)
        o->cr3_seen[o->ncr3++] = cr3;
}

static void spy_io(vl_sched *s, vl_vcpu *v, const vl_io_info *info)
{
    obs *o = O(s);
    assert_false(vl_vm_is_host(vl_vcpu_vm(v)));
    switch (info->kind) {
    case VL_IO_KICK:
        o->io_kicks[info->device]++;
        /* a process's page-table root: page-aligned, in guest memory */
        o->io_bad_cr3 += (info->cr3 & 0xfff) != 0 || info->cr3 < 0x100000000ULL;
        break;
    case VL_IO_PACKET:
        o->io_packets++;
        o->io_packet_vcpu[vl_vcpu_index(v) & 3]++;
        o->io_bad_packet += !((info->proto == 17 && info->port == 5001) ||
                              (info->proto == 1 && info->port == 0));
        break;
    case VL_IO_COMPLETION:
        o->io_completions++;
        break;
    case VL_IO_RX_IRQ:
        o->io_rx_irqs++;
        o->io_rx_irq_vcpu[vl_vcpu_index(v) & 3]++;
        o->io_bad_rx_irq += !((info->proto == 17 && info->port == 5001) ||
                              (info->proto == 1 && info->port == 0));
        break;
    }
}

static void spy_ipi(vl_sched *s, vl_vcpu *src, vl_vcpu *dst, int vector)
{
    assert_true(vl_vcpu_vm(src) == vl_vcpu_vm(dst));
    O(s)->ipi_by_vector[vector]++;
}

/* Looks at every preempted vCPU's saved RIP on each decision. */
static void check_saved_rips(vl_sched *s)
{
    obs *o = O(s);
    for (int i = 0; i < vl_nvcpus_total(s); i++) {
        vl_vcpu *v = vl_vcpu_get(s, i);
        uint64_t rip = 0;
        bool kernel = false;
        bool has = vl_vcpu_saved_rip(v, &rip, &kernel);
        if (!has)
            continue;
        if (vl_vcpu_runstate(v) != VL_RUNNABLE)
            o->saved_while_running++;
        if (kernel && vl_ksyms_lookup(&ksyms, rip, NULL))
            o->saved_kernel++;
        else if (!kernel && rip >= 0x0000555555554000ULL && rip < 0x0000800000000000ULL)
            o->saved_user++;
        else if (rip != 0)
            o->saved_bad++;
    }
}

static vl_decision spy_schedule(vl_sched *s, vl_pcpu *p, vl_vcpu *prev, vl_ns now)
{
    (void)now;
    obs *o = O(s);
    check_saved_rips(s);
    if (prev && vl_vcpu_id(prev) == o->yielded && vl_vcpu_runstate(prev) == VL_RUNNABLE) {
        o->yielded = -1; /* a yield changes nothing here: keep running it */
        return (vl_decision){prev, VL_MS(5)};
    }
    o->yielded = -1;
    if (prev && vl_vcpu_runstate(prev) == VL_RUNNABLE)
        o->queue[o->len++] = vl_vcpu_id(prev);
    for (int i = 0; i < o->len; i++) {
        vl_vcpu *v = vl_vcpu_get(s, o->queue[i]);
        if (vl_vcpu_affine(v, p) && vl_vcpu_runstate(v) == VL_RUNNABLE &&
            (vl_vcpu_pcpu(v) == p || v == prev || vl_pcpu_is_idle(p))) {
            memmove(&o->queue[i], &o->queue[i + 1], (size_t)(o->len - i - 1) * sizeof(int));
            o->len--;
            return (vl_decision){v, VL_MS(5)};
        }
    }
    return (vl_decision){NULL, VL_SLICE_NONE};
}

static const vl_sched_ops spy_ops = {
    .name = "spy",
    .description = "records what it observes",
    .priv_size = sizeof(obs),
    .init = spy_init,
    .pick_cpu = spy_pick,
    .do_schedule = spy_schedule,
    .vcpu_wake = spy_wake,
    .vcpu_block = spy_block,
    .vcpu_yield = spy_yield,
    .ipi_sent = spy_ipi,
    .cr3_switch = spy_cr3,
    .io_event = spy_io,
};

/* A 4-vCPU guest doing shootdowns, lock-heavy calls and barriers beside a
 * hog VM, so that vCPUs are preempted in all these states. */
static void run_guest(const char *host_extra, const char *guest, vl_model *m, vl_scenario *scn)
{
    char yaml[2048];
    snprintf(yaml, sizeof yaml,
             "scheduler: fifo\n"
             "host: {pcpus: 3%s}\n"
             "vms:\n"
             "  - name: k\n"
             "    vcpus: 4\n"
             "    guest: {%s}\n"
             "    workloads:\n"
             "      - {type: munmap, tasks: 2, work: 100us, call: 5us}\n"
             "      - {type: syscalls, tasks: 2, user: {dist: exponential, mean: 30us},\n"
             "         call: 8us, activity: page_alloc, lock: zone, hold: 5us}\n"
             "      - {type: barrier, tasks: 2, work: {dist: exponential, mean: 200us}}\n"
             "      - {type: think, tasks: 2, burst: 100us, think: 3ms}\n"
             "  - {name: hog, vcpus: 2, workloads: [{type: cpu, tasks: 2}]}\n"
             "  - {name: shell, vcpus: 1, workloads: [{type: think, burst: 50us, think: 2ms}]}\n"
             "run: {duration: 1s}\n",
             host_extra, guest);
    tk_load(scn, yaml);
    vl_error err;
    if (tk_run(m, scn, &spy_ops, 0, &err) < 0)
        fail_msg("run failed: %s", err.msg);
}

static int setup(void **state)
{
    (void)state;
    return vl_ksyms_parse(&ksyms, "map", (const char *)vl_system_map, vl_system_map_len, NULL);
}

static int teardown(void **state)
{
    (void)state;
    vl_ksyms_free(&ksyms);
    return 0;
}

static void test_ipis_as_the_apic_sees_them(void **state)
{
    (void)state;
    vl_model m;
    vl_scenario scn;
    run_guest("", "", &m, &scn);
    obs *o = m.hv.sched.priv;
    vl_guest *g = m.guests[0];
    uint64_t total = 0;
    for (int v = 0; v < 256; v++) {
        assert_int_equal(o->ipi_by_vector[v], vl_guest_ipis_sent(g, v));
        total += o->ipi_by_vector[v];
    }
    print_message("IPIs seen: 0xfd %llu, 0xfc %llu, 0xfb %llu\n",
                  (unsigned long long)o->ipi_by_vector[0xfd],
                  (unsigned long long)o->ipi_by_vector[0xfc],
                  (unsigned long long)o->ipi_by_vector[0xfb]);
    assert_true(o->ipi_by_vector[0xfd] + o->ipi_by_vector[0xfb] > 0);      /* wake-ups */
    assert_true(vl_tlb_of(m.guests[0])->shootdowns > 0); /* shootdowns */
    assert_int_equal(total, o->ipi_by_vector[0xfd] + o->ipi_by_vector[0xfc] +
                                o->ipi_by_vector[0xfb]);
    vl_model_destroy(&m);
    vl_scenario_free(&scn);
}

static void test_legacy_vectors_and_virtualized_apic(void **state)
{
    (void)state;
    vl_model m;
    vl_scenario scn;
    run_guest("", "tlb_vectors: legacy", &m, &scn);
    obs *o = m.hv.sched.priv;
    uint64_t legacy = 0;
    for (int v = 0xf0; v <= 0xf7; v++)
        legacy += o->ipi_by_vector[v];
    assert_true(legacy > 0);
    assert_int_equal(o->ipi_by_vector[0xfc] + o->ipi_by_vector[0xfb], 0);
    vl_model_destroy(&m);
    vl_scenario_free(&scn);

    run_guest(", ipi_virtualization: true", "", &m, &scn);
    o = m.hv.sched.priv;
    for (int v = 0; v < 256; v++)
        assert_int_equal(o->ipi_by_vector[v], 0); /* sends do not trap: unseen */
    assert_true(vl_guest_ipis_sent(m.guests[0], 0xfd) + vl_guest_ipis_sent(m.guests[0], 0xfb) > 0);
    vl_model_destroy(&m);
    vl_scenario_free(&scn);
}

static void test_ple_and_saved_rips(void **state)
{
    (void)state;
    vl_model m;
    vl_scenario scn;
    run_guest("", "", &m, &scn);
    obs *o = m.hv.sched.priv;
    print_message("PLE %llu (user %llu, outside spin functions %llu); saved RIPs: kernel %llu, "
                  "user %llu, bad %llu\n",
                  (unsigned long long)o->ple, (unsigned long long)o->ple_user,
                  (unsigned long long)o->ple_bad_rip, (unsigned long long)o->saved_kernel,
                  (unsigned long long)o->saved_user, (unsigned long long)o->saved_bad);
    assert_true(o->ple > 0);
    assert_int_equal(o->ple_user, 0);
    assert_int_equal(o->ple_bad_rip, 0);
    assert_true(o->saved_kernel > 0 && o->saved_user > 0);
    assert_int_equal(o->saved_bad, 0);
    assert_int_equal(o->saved_while_running, 0);
    assert_int_equal(o->yields, 0); /* no explicit yield hypercalls in these programs */
    vl_model_destroy(&m);
    vl_scenario_free(&scn);
}

static void test_wake_reasons(void **state)
{
    (void)state;
    vl_model m;
    vl_scenario scn;
    run_guest("", "virt: hvm", &m, &scn); /* no PV spinlocks: no kicks, no pv_wait */
    obs *o = m.hv.sched.priv;
    assert_true(o->wake_vectors[0xec] > 0); /* think times: local timer */
    uint64_t with_vector = 0;
    for (int v = 0; v < 256; v++)
        with_vector += o->wake_vectors[v];
    assert_int_equal(with_vector, o->wakes_by_reason[VL_WAKE_INTERRUPT]);
    /* only vectors the guests use: timer, reschedule, call-function */
    assert_int_equal(with_vector, o->wake_vectors[0xec] + o->wake_vectors[0xfd] +
                                      o->wake_vectors[0xfc] + o->wake_vectors[0xfb]);
    assert_int_equal(o->wakes_by_reason[VL_WAKE_KICK], 0);
    assert_int_equal(o->blocks_pv, 0);
    vl_model_destroy(&m);
    vl_scenario_free(&scn);

    run_guest(", ple: {enabled: false}", "pv_spinlocks: true, pv_spin: 20us", &m, &scn);
    o = m.hv.sched.priv;
    print_message("PV: %llu waits, %llu kicks\n", (unsigned long long)o->blocks_pv,
                  (unsigned long long)o->wakes_by_reason[VL_WAKE_KICK]);
    assert_true(o->blocks_pv > 0);
    assert_true(o->wakes_by_reason[VL_WAKE_KICK] > 0);
    assert_true(o->wakes_by_reason[VL_WAKE_KICK] <= o->blocks_pv);
    vl_model_destroy(&m);
    vl_scenario_free(&scn);
}

/* Address-space switches reach the policy only with CR3-exiting on, one
 * exit each, with a page-aligned root per process (4 processes here). */
static void test_cr3_loads(void **state)
{
    (void)state;
    vl_model m;
    vl_scenario scn;
    run_guest("", "", &m, &scn);
    obs *o = m.hv.sched.priv;
    assert_int_equal(o->cr3_loads, 0);
    vl_model_destroy(&m);
    vl_scenario_free(&scn);

    run_guest(", cr3_exiting: true", "", &m, &scn);
    o = m.hv.sched.priv;
    uint64_t exits = 0;
    for (int v = 0; v < m.hv.nvcpus; v++)
        exits += m.hv.vcpus[v].exits[VL_EXIT_CR3];
    print_message("CR3 loads %llu, address spaces %d\n", (unsigned long long)o->cr3_loads,
                  o->ncr3);
    assert_true(o->cr3_loads > 100);
    assert_int_equal(exits, o->cr3_loads);
    assert_int_equal(o->cr3_unaligned, 0);
    assert_int_equal(o->ncr3, 6); /* the kern VM's 4 processes, the hog, the shell */
    vl_model_destroy(&m);
    vl_scenario_free(&scn);
}

/* A VM receiving UDP and pings on vCPU 1 and reading a disk. */
static void test_io_events(void **state)
{
    (void)state;
    vl_model m;
    vl_scenario scn;
    tk_load(&scn, "scheduler: fifo\nhost: {pcpus: 2}\n"
                  "vms:\n"
                  "  - name: io\n"
                  "    vcpus: 2\n"
                  "    guest: {rx_vcpu: 1}\n"
                  "    workloads: [{type: iperf, protocol: udp, rate: 50}, {type: ping, "
                  "interval: 5ms}, {type: grep}]\n"
                  "  - {name: hog, vcpus: 2, workloads: [{type: cpu, tasks: 2}]}\n"
                  "run: {duration: 500ms}\n");
    vl_error err;
    if (tk_run(&m, &scn, &spy_ops, 0, &err) < 0)
        fail_msg("run failed: %s", err.msg);
    obs *o = m.hv.sched.priv;
    const vl_io_stats *io = vl_hv_io_stats(&m.hv, 0);
    print_message("packets %llu (rx %llu, drops %llu), kicks net %llu blk %llu, completions "
                  "%llu, backend wakes by kick %llu\n",
                  (unsigned long long)o->io_packets, (unsigned long long)io->rx_packets,
                  (unsigned long long)io->rx_drops, (unsigned long long)o->io_kicks[VL_DEV_NET],
                  (unsigned long long)o->io_kicks[VL_DEV_BLK],
                  (unsigned long long)o->io_completions,
                  (unsigned long long)o->host_kick_wakes);
    assert_true(o->io_packets > 1000);
    /* every packet that reached the backend, seen once, on the rx vCPU
     * (those still queued in the backend at the end are seen, not counted) */
    assert_true(o->io_packets >= io->rx_packets + io->rx_drops);
    assert_true(o->io_packets - (io->rx_packets + io->rx_drops) < 16);
    assert_int_equal(o->io_packet_vcpu[1], o->io_packets);
    assert_int_equal(o->io_bad_packet, 0);
    /* receive interrupts: on the rx vCPU, at most one per delivered packet
     * (NAPI polls the rest), each with the packet's protocol and port */
    assert_true(o->io_rx_irqs > 100);
    assert_true(o->io_rx_irqs <= io->rx_packets);
    assert_int_equal(o->io_rx_irq_vcpu[1], o->io_rx_irqs);
    assert_int_equal(o->io_bad_rx_irq, 0);
    assert_int_equal(o->io_kicks[VL_DEV_NET] + o->io_kicks[VL_DEV_BLK], io->kicks);
    assert_true(o->io_kicks[VL_DEV_NET] >= 90); /* echo replies */
    assert_true(o->io_kicks[VL_DEV_BLK] > 100);
    assert_int_equal(o->io_bad_cr3, 0);
    assert_int_equal(o->io_completions, io->blk_requests);
    assert_true(o->host_kick_wakes > 100);
    assert_int_equal(o->host_other_wakes, 1); /* its start */
    assert_int_equal(o->backend_of_bad, 0); /* the one backend serves VM io */
    vl_model_destroy(&m);
    vl_scenario_free(&scn);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ipis_as_the_apic_sees_them),
        cmocka_unit_test(test_legacy_vectors_and_virtualized_apic),
        cmocka_unit_test(test_ple_and_saved_rips),
        cmocka_unit_test(test_wake_reasons),
        cmocka_unit_test(test_cr3_loads),
        cmocka_unit_test(test_io_events),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
