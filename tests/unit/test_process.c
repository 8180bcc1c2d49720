/* test_process.c - processes created at run time: make workers fork
 * compile jobs and wait for each (one job at a time per worker, each in a
 * new address space, task objects reused), at the calibrated rate; exim
 * forks a delivery per message and answers after it exited. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "guest/kernel.h"
#include "guest/process.h"
#include "testkit.h"

/* Two make workers on two vCPUs for 2 s: 25 jobs of ~40 ms per CPU-s
 * (docs/workloads-calibration.md 4.1); a worker waits for its job, so at
 * most four tasks ever exist (two workers, two jobs), and every job had an
 * address space of its own. */
static void test_make_forks_and_waits(void **state)
{
    (void)state;
    tk_sim t;
    tk_open(&t, "cfs", "host: {pcpus: 2}\n"
                       "vms: [{name: a, vcpus: 2, workloads: [{type: gmake}]}]\n"
                       "run: {duration: 2s}\n");
    tk_go(&t.m);
    const vl_guest *g = t.m.guests[0];
    double per_cpu_s = (double)vl_process_of(g)->forks / 4.0;
    print_message("forks %llu (%.1f per CPU-s), exits %llu, task objects %d, work %.3f CPU-s\n",
                  (unsigned long long)vl_process_of(g)->forks, per_cpu_s, (unsigned long long)vl_process_of(g)->exits,
                  g->ntasks, (double)t.m.workloads[0].stats.work_ns / 1e9);
    assert_true(per_cpu_s > 20 && per_cpu_s < 30);
    assert_true(vl_process_of(g)->exits + 2 >= vl_process_of(g)->forks && vl_process_of(g)->exits <= vl_process_of(g)->forks);
    assert_true(g->ntasks <= 4);
    assert_int_equal(vl_process_of(g)->next_mm - VL_GUEST_CHILD_MM_BASE, (int)vl_process_of(g)->forks);
    /* job completion times: fork to exit, ~40 ms of CPU each, alone */
    const vl_hist *jobs = &t.m.workloads[0].stats.completion;
    print_message("jobs %llu, completion mean %.2f ms\n", (unsigned long long)jobs->count,
                  vl_hist_mean(jobs) / 1e6);
    assert_int_equal(jobs->count, vl_process_of(g)->exits);
    assert_true(vl_hist_mean(jobs) > 35e6 && vl_hist_mean(jobs) < 45e6);
    tk_close(&t);
}

/* exim on 4 vCPUs: ~1,000 messages per CPU-s (4.2), each answered after
 * its delivery process exited; 70% of the CPU in the kernel. */
static void test_exim_delivers_per_message(void **state)
{
    (void)state;
    tk_sim t;
    tk_open(&t, "cfs", "host: {pcpus: 4}\n"
                       "vms: [{name: a, vcpus: 4, workloads: [{type: exim}]}]\n"
                       "run: {duration: 1s}\n");
    tk_go(&t.m);
    const vl_guest *g = t.m.guests[0];
    const vl_wstats *s = &t.m.workloads[0].stats;
    double msgs = (double)s->bursts / 4.0;
    print_message("messages %llu (%.0f per CPU-s), forks %llu, response %.3f ms, objects %d\n",
                  (unsigned long long)s->bursts, msgs, (unsigned long long)vl_process_of(g)->forks,
                  vl_hist_mean(&s->response) / 1e6, g->ntasks);
    assert_true(msgs > 800 && msgs < 1200);
    /* every answered message had its delivery fork and exit first */
    assert_true(vl_process_of(g)->exits >= s->bursts && vl_process_of(g)->forks >= vl_process_of(g)->exits);
    assert_true(vl_process_of(g)->forks - s->bursts <= 8); /* the ones in progress */
    assert_true(g->ntasks <= 8);
    tk_close(&t);
}

/* Remote fork placement (wake_up_new_task): one make worker on a 2-vCPU
 * Linux 6.1 guest forks each job while its own vCPU is busy, so the job is
 * placed on the idle one.  A wake-up of an idle vCPU would go through its
 * wake list (0xfb, no lock of its); a new task does not: the parent takes
 * the target's runqueue lock and sends a reschedule IPI (0xfd), exactly as
 * with the older wake-up style (wakeup_ipi: resched).  (The worker's vCPU,
 * idle once it waits, pulls the job before the other runs it, so the job's
 * exit wakes the worker locally: no other IPI.) */
static void test_fork_locks_the_target_runqueue(void **state)
{
    (void)state;
    static const char yaml[] = "host: {pcpus: 2}\n"
                               "vms: [{name: a, vcpus: 2, guest: {kernel: \"6.1\"%s},\n"
                               "       workloads: [{type: gmake, tasks: 1}]}]\n"
                               "run: {duration: 1s}\n";
    const char *styles[2] = {"", ", wakeup_ipi: resched"};
    uint64_t forks[2], fd[2], fb[2], rq[2];
    for (int i = 0; i < 2; i++) {
        char buf[512];
        snprintf(buf, sizeof buf, yaml, styles[i]);
        tk_sim t;
        tk_open(&t, "cfs", buf);
        tk_go(&t.m);
        const vl_guest *g = t.m.guests[0];
        forks[i] = vl_process_of(g)->forks;
        fd[i] = vl_guest_ipis_sent(g, 0xfd);
        fb[i] = vl_guest_ipis_sent(g, 0xfb);
        rq[i] = g->classes[vl_guest_lock_class(g, "runqueue")].stats.acquisitions;
        print_message("wake-ups%s: forks %llu, 0xfd %llu, 0xfb %llu, runqueue holds %llu\n",
                      styles[i], (unsigned long long)forks[i], (unsigned long long)fd[i],
                      (unsigned long long)fb[i], (unsigned long long)rq[i]);
        tk_close(&t);
    }
    assert_true(forks[0] > 15);
    assert_true(fd[0] >= forks[0] - 1 && fb[0] == 0);
    assert_true(forks[1] == forks[0] && fd[1] == fd[0] && fb[1] == 0 && rq[1] == rq[0]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_make_forks_and_waits),
        cmocka_unit_test(test_exim_delivers_per_message),
        cmocka_unit_test(test_fork_locks_the_target_runqueue),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
