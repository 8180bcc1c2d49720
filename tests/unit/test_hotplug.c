/* test_hotplug.c - vCPU ballooning: a policy asks the guest to take a
 * vCPU offline and later back; the guest moves the vCPU's tasks, its
 * sleeping tasks and its receive interrupt away (never a task in the
 * middle of a kernel call), the vCPU is OFFLINE in between, and the
 * requests a policy must not make are refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "guest/hotplug.h"
#include "guest/kernel.h"
#include "hv/io.h"
#include "testkit.h"

/* The balloon policy: fifo, plus an instance timer that takes vCPU
 * `victim` of VM 0 offline at `off_at` and back at `on_at`, recording what
 * the core answers and what it reports. */
static struct balloon {
    const vl_sched_ops *fifo;
    int victim;
    vl_ns off_at, on_at;
    bool asked_off, again, asked_on;
    int offline_blocks, online_wakes, packet_vcpu_after;
    int64_t packets_after;
} B;

#define BALLOON_SLOT 3

static int balloon_init(vl_sched *s)
{
    int rc = B.fifo->init(s);
    vl_timer_arm(s, NULL, BALLOON_SLOT, B.off_at);
    return rc;
}

static void balloon_timer(vl_sched *s, vl_pcpu *p, int slot, vl_ns now)
{
    if (slot != BALLOON_SLOT) {
        if (B.fifo->timer_fired)
            B.fifo->timer_fired(s, p, slot, now);
        return;
    }
    vl_vcpu *v = vl_vm_vcpu(vl_vm_get(s, 0), B.victim);
    if (now == B.off_at) {
        B.asked_off = vl_vcpu_request_offline(v);
        B.again = vl_vcpu_request_offline(v); /* already on its way out */
        vl_timer_arm(s, NULL, BALLOON_SLOT, B.on_at);
    } else {
        B.asked_on = vl_vcpu_request_online(v);
    }
}

static void balloon_block(vl_sched *s, vl_vcpu *v, vl_block_reason why)
{
    B.offline_blocks += why == VL_BLOCK_OFFLINE;
    if (B.fifo->vcpu_block)
        B.fifo->vcpu_block(s, v, why);
}

static void balloon_wake(vl_sched *s, vl_vcpu *v, vl_wake_reason why, int vector)
{
    B.online_wakes += why == VL_WAKE_ONLINE;
    B.fifo->vcpu_wake(s, v, why, vector);
}

static void balloon_io(vl_sched *s, vl_vcpu *v, const vl_io_info *info)
{
    if (info->kind == VL_IO_PACKET && vl_now(s) > B.off_at + VL_MS(1)) {
        B.packets_after++;
        B.packet_vcpu_after = vl_vcpu_index(v);
    }
}

static vl_sched_ops balloon_ops;

static void run(vl_model *m, vl_scenario *scn, const char *yaml, int victim,
                vl_guest_observer *obs)
{
    B = (struct balloon){.fifo = vl_policy_find("fifo"), .victim = victim, .off_at = VL_MS(100),
                         .on_at = VL_MS(300), .packet_vcpu_after = -1};
    balloon_ops = *B.fifo;
    balloon_ops.name = "balloon";
    balloon_ops.init = balloon_init;
    balloon_ops.timer_fired = balloon_timer;
    balloon_ops.vcpu_block = balloon_block;
    balloon_ops.vcpu_wake = balloon_wake;
    balloon_ops.io_event = balloon_io;
    tk_load(scn, yaml);
    vl_error err;
    assert_int_equal(vl_model_create(m, scn, &balloon_ops, 0, 0, NULL, &err), 0);
    if (obs)
        m->guests[0]->observer = *obs;
    tk_go(m);
}

static double work_ms(const vl_model *m, int w)
{
    return (double)m->workloads[w].stats.work_ns / 1e6;
}

/* Four hogs on four vCPUs; vCPU 3 goes offline for 200 ms: its hog moves,
 * the vCPU is OFFLINE for that long, the four hogs share three vCPUs, and
 * once it is back balancing gives it a hog again. */
static void test_offline_moves_tasks_and_comes_back(void **state)
{
    (void)state;
    vl_model m;
    vl_scenario scn;
    run(&m, &scn, "host: {pcpus: 4}\n"
                  "vms: [{name: a, vcpus: 4, workloads: [{type: cpu, tasks: 4}]}]\n"
                  "run: {duration: 500ms}\n",
        3, NULL);
    vl_ns off = vl_model_vcpu_time(&m, 3, VL_OFFLINE), ran = vl_model_vcpu_time(&m, 3, VL_RUNNING);
    print_message("asked %d/%d/%d; vCPU 3 offline %.3f ms, ran %.3f ms; moves %llu; work %.1f ms\n",
                  B.asked_off, B.again, B.asked_on, (double)off / 1e6, (double)ran / 1e6,
                  (unsigned long long)vl_hotplug_of(m.guests[0])->moves, work_ms(&m, 0));
    assert_true(B.asked_off && !B.again && B.asked_on);
    assert_int_equal(B.offline_blocks, 1);
    assert_int_equal(B.online_wakes, 1);
    /* offline from the handler's end (20 us + entry) until 300 ms */
    assert_true(off > VL_MS(199) && off < VL_MS(200));
    assert_true(vl_hotplug_of(m.guests[0])->moves >= 1);
    /* back online it runs again (balancing brings it a hog) */
    assert_true(ran > VL_MS(100) + VL_MS(150));
    /* 3 vCPUs for 200 ms, 4 for 300 ms, minus switch and balancing costs */
    assert_true(work_ms(&m, 0) > 0.97 * 1800 && work_ms(&m, 0) <= 2000);
    /* the online count over time: 4 from the start, 3 from the request
     * at 100 ms, 4 again from 300 ms */
    const vl_vm *vm = &m.hv.vms[0];
    assert_int_equal(vm->online_n, 3);
    assert_true(vm->online_series[0].at == 0 && vm->online_series[0].online == 4);
    assert_true(vm->online_series[1].at == VL_MS(100) && vm->online_series[1].online == 3);
    assert_true(vm->online_series[2].at == VL_MS(300) && vm->online_series[2].online == 4);
    vl_model_destroy(&m);
    vl_scenario_free(&scn);
}

/* The last online vCPU of a VM stays. */
static void test_last_vcpu_is_refused(void **state)
{
    (void)state;
    vl_model m;
    vl_scenario scn;
    run(&m, &scn, "host: {pcpus: 1}\n"
                  "vms: [{name: a, vcpus: 1, workloads: [{type: cpu}]}]\n"
                  "run: {duration: 400ms}\n",
        0, NULL);
    assert_false(B.asked_off);
    assert_false(B.asked_on); /* it never went offline */
    assert_int_equal(B.offline_blocks, 0);
    assert_int_equal(vl_model_vcpu_time(&m, 0, VL_OFFLINE), 0);
    vl_model_destroy(&m);
    vl_scenario_free(&scn);
}

/* Tasks in 3 ms kernel calls holding a lock: the vCPU leaves only when its
 * task's call returns, so no hold is cut short (the hotplug handler may
 * lengthen the one it interrupts, by its 20.5 us); a sleeper homed on the
 * vCPU keeps waking elsewhere while it is offline. */
typedef struct holds {
    int n;
    vl_ns shortest, longest;
} holds;

static void on_hold(void *ctx, const vl_guest *g, const vl_glock *L, int v, vl_ns start, vl_ns end)
{
    (void)v;
    holds *h = ctx;
    if (L->cls != vl_guest_lock_class(g, "dentry"))
        return; /* not the lock under test (e.g. runqueue locks) */
    vl_ns d = end - start;
    if (!h->n || d < h->shortest)
        h->shortest = d;
    if (!h->n || d > h->longest)
        h->longest = d;
    h->n++;
}

static void test_kernel_calls_finish_and_sleepers_move(void **state)
{
    (void)state;
    vl_model m;
    vl_scenario scn;
    holds h = {0};
    vl_guest_observer obs = {.ctx = &h, .hold = on_hold};
    run(&m, &scn, "host: {pcpus: 2}\n"
                  "vms: [{name: a, vcpus: 2, workloads: [\n"
                  "   {type: syscalls, tasks: 2, user: 10us, call: 3ms, lock: dentry, hold: 3ms},\n"
                  "   {type: think, tasks: 2, burst: 100us, think: 5ms}]}]\n"
                  "run: {duration: 500ms}\n",
        1, &obs);
    const vl_wstats *think = &m.workloads[1].stats;
    print_message("%d holds of %lld..%lld ns; think bursts %llu, wake latency max %.3f ms\n",
                  h.n, (long long)h.shortest, (long long)h.longest,
                  (unsigned long long)think->bursts, (double)think->wake_latency.max / 1e6);
    assert_true(B.asked_off && B.asked_on);
    assert_int_equal(B.offline_blocks, 1);
    assert_true(h.n > 150);
    assert_int_equal(h.shortest, VL_MS(3));
    assert_true(h.longest <= VL_MS(3) + VL_US(25));
    /* the sleepers kept waking: one stranded on the offline vCPU would
     * have waited ~200 ms */
    assert_true(think->bursts > 150);
    assert_true(think->wake_latency.max < VL_MS(10));
    vl_model_destroy(&m);
    vl_scenario_free(&scn);
}

/* The receive interrupt follows the guest off the vCPU: packets keep
 * arriving and the policy sees them on the new receive vCPU. */
static void test_receive_interrupt_moves(void **state)
{
    (void)state;
    vl_model m;
    vl_scenario scn;
    run(&m, &scn, "host: {pcpus: 3}\n"
                  "vms: [{name: a, vcpus: 2, guest: {rx_vcpu: 1},\n"
                  "       workloads: [{type: iperf, protocol: udp, rate: 100}]}]\n"
                  "run: {duration: 500ms}\n",
        1, NULL);
    const vl_io_stats *io = vl_hv_io_stats(&m.hv, 0);
    const vl_wstats *s = &m.workloads[0].stats;
    print_message("packets after the request %lld on vCPU %d; read %llu of %llu, drops %llu\n",
                  (long long)B.packets_after, B.packet_vcpu_after,
                  (unsigned long long)s->net.rx_packets, (unsigned long long)s->net.sent,
                  (unsigned long long)io->rx_drops);
    assert_int_equal(B.packet_vcpu_after, 0); /* still 0 after vCPU 1 came back */
    assert_true(B.packets_after > 3000);
    assert_int_equal(io->rx_drops, 0);
    assert_true(s->net.sent - s->net.rx_packets <= 3);
    vl_model_destroy(&m);
    vl_scenario_free(&scn);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_offline_moves_tasks_and_comes_back),
        cmocka_unit_test(test_last_vcpu_is_refused),
        cmocka_unit_test(test_kernel_calls_finish_and_sleepers_move),
        cmocka_unit_test(test_receive_interrupt_moves),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
