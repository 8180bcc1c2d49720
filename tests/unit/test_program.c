/* test_program.c - `program` workloads (docs/programs.md) do what their
 * steps say: the CPU time and wake-ups of computes and sleeps, contention
 * on a spinlock held in kernel steps, barriers that hold fast tasks to
 * the pace of slow ones, mutexes that serialise, events that hand work on,
 * block and socket I/O, and the program in the report's configuration.
 * Loading errors are in test_scenario_errors.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "guest/kernel.h"
#include "testkit.h"

#define IN(x, lo, hi) assert_true((x) >= (lo) && (x) <= (hi))

/* Runs one `program` workload whose `tasks:` value is `tasks` (flow
 * style) on `vcpus` vCPUs with a pCPU each, for `duration`, under CFS;
 * `vm` adds keys to the VM ("" or "guest: {...}, "). */
static void run_vm_program(tk_sim *t, int vcpus, const char *vm, const char *tasks,
                           const char *duration)
{
    char yaml[2048];
    snprintf(yaml, sizeof yaml,
             "host: {pcpus: %d}\nvms: [{name: a, vcpus: %d, %sworkloads: "
             "[{type: program, name: p, tasks: %s}]}]\nrun: {duration: %s}\n",
             vcpus, vcpus, vm, tasks, duration);
    tk_open(t, "cfs", yaml);
    tk_go(&t->m);
}

static void run_program(tk_sim *t, int vcpus, const char *tasks, const char *duration)
{
    run_vm_program(t, vcpus, "", tasks, duration);
}

static const vl_wstats *stats(const tk_sim *t)
{
    return &t->m.workloads[0].stats;
}

/* CPU time task i of the guest was current (its own work and spinning). */
static vl_ns task_cpu(const tk_sim *t, int i)
{
    return t->m.guests[0]->tasks[i]->sum_exec;
}

static const vl_lock_stats *lock_stats(const tk_sim *t, const char *cls)
{
    const vl_guest *g = t->m.guests[0];
    return &g->classes[vl_guest_lock_class(g, cls)].stats;
}

/* A finite program computes exactly what its steps say and wakes once per
 * sleep (and once to start); a counted loop repeats its body that many
 * times.  (Without the runqueue locks: with them each switch to the task
 * also holds its rq lock 1 us in __schedule, which counts as its work.) */
static void test_compute_sleep(void **state)
{
    (void)state;
    tk_sim t;
    run_vm_program(&t, 1, "guest: {runqueue_lock: false}, ",
                "[{do: [{compute: 3ms}, {sleep: 5ms}, {compute: 2ms}, {sleep: 1ms}, "
                "{loop: 10, do: [{compute: 1ms}, {sleep: 4ms}]}]}]",
                "1s");
    print_message("work %lld ns, wake-ups %llu, bursts %llu\n", (long long)stats(&t)->work_ns,
                  (unsigned long long)stats(&t)->wake_latency.count,
                  (unsigned long long)stats(&t)->bursts);
    assert_int_equal(stats(&t)->work_ns, VL_MS(3 + 2 + 10));
    assert_int_equal(stats(&t)->wake_latency.count, 1 + 2 + 10);
    assert_int_equal(stats(&t)->bursts, 2 + 10);
    assert_int_equal(t.m.guests[0]->tasks[0]->state, VL_TASK_EXITED);
    tk_close(&t);
}

/* A lookbusy-like duty cycle: 2 ms of work per 10 ms cycle (the sleep
 * starts when the work ends) on each of 2 tasks: 20 % of their vCPUs (and
 * 1 us of __schedule under the rq lock per cycle), one wake-up per cycle. */
static void test_duty_cycle(void **state)
{
    (void)state;
    tk_sim t;
    run_program(&t, 2, "[{count: 2, do: [{loop: forever, do: [{compute: 2ms}, {sleep: 8ms}]}]}]",
                "2s");
    double util = (double)stats(&t)->work_ns / (2 * 2e9);
    double wakeups = (double)stats(&t)->wake_latency.count / 2 / 2;
    print_message("utilisation %.4f, %.1f wake-ups per task-second\n", util, wakeups);
    IN(util, 0.195, 0.2001);
    IN(wakeups, 97, 100);
    tk_close(&t);
}

/* Four tasks taking the zone lock (one instance) for 8 of every 30 us
 * contend for it; the same calls under a dentry lock (64 instances,
 * drawn per call) rarely meet. */
static void test_spinlock_contends(void **state)
{
    (void)state;
    static const char *const cls[] = {"zone", "dentry"};
    double share[2];
    for (int k = 0; k < 2; k++) {
        char tasks[256];
        snprintf(tasks, sizeof tasks,
                 "[{count: 4, do: [{loop: forever, do: [{compute: 20us}, "
                 "{kernel: 10us, at: page_alloc, spinlock: %s, hold: 8us}]}]}]",
                 cls[k]);
        tk_sim t;
        run_program(&t, 4, tasks, "200ms");
        const vl_lock_stats *ls = lock_stats(&t, cls[k]);
        share[k] = (double)ls->contended / (double)ls->acquisitions;
        print_message("%s: %llu acquisitions, %.3f contended, %lld ns spinning\n", cls[k],
                      (unsigned long long)ls->acquisitions, share[k], (long long)ls->wait_ns);
        assert_true(ls->acquisitions > 10000);
        tk_close(&t);
    }
    assert_true(share[0] > 0.3);
    assert_true(share[1] < share[0] / 5);
}

/* Tasks computing 1 ms and tasks computing 3 ms per round meet at one
 * barrier each round: the fast ones wait for the slow, so they work a
 * third as much.  Without the barrier both would compute all the time. */
static void test_barrier_synchronises(void **state)
{
    (void)state;
    tk_sim t;
    run_program(&t, 4,
                "[{name: fast, count: 2, do: [{loop: forever, do: [{compute: 1ms}, "
                "{barrier: round}]}]}, "
                "{name: slow, count: 2, do: [{loop: forever, do: [{compute: 3ms}, "
                "{barrier: round}]}]}]",
                "1s");
    double fast = (double)(task_cpu(&t, 0) + task_cpu(&t, 1));
    double slow = (double)(task_cpu(&t, 2) + task_cpu(&t, 3));
    print_message("fast %.1f ms, slow %.1f ms: ratio %.3f\n", fast / 1e6, slow / 1e6,
                  fast / slow);
    IN(fast / slow, 0.32, 0.36);
    IN(slow / 2, 0.95e9, 1e9);
    tk_close(&t);
}

/* Two tasks that compute only while holding one mutex take turns: the
 * pair does one vCPU's worth of work on two vCPUs. */
static void test_mutex_serialises(void **state)
{
    (void)state;
    tk_sim t;
    run_program(&t, 2,
                "[{count: 2, do: [{loop: forever, do: [{lock: m}, {compute: 1ms}, "
                "{unlock: m}]}]}]",
                "1s");
    double util = (double)stats(&t)->work_ns / 2e9;
    print_message("utilisation of 2 vCPUs %.4f\n", util);
    IN(util, 0.48, 0.5);
    IN((double)task_cpu(&t, 0) / (double)task_cpu(&t, 1), 0.9, 1.1);
    tk_close(&t);
}

/* A zero-length compute between a lock and an unlock is done at once
 * (the plan used to stop at the unlock with the empty op still ahead of
 * it, and ran the empty op as the module's: a crash). */
static void test_empty_compute(void **state)
{
    (void)state;
    tk_sim t;
    run_program(&t, 2,
                "[{count: 2, do: [{loop: forever, do: [{compute: 100us}, {lock: m}, "
                "{compute: 0us}, {unlock: m}]}]}]",
                "200ms");
    IN((double)stats(&t)->work_ns / 0.4e9, 0.99, 1.0);
    tk_close(&t);
}

/* A producer wakes a consumer after each 1 ms item; the consumer works
 * 0.5 ms per item it waited for: half the producer's work. */
static void test_event_hands_on(void **state)
{
    (void)state;
    tk_sim t;
    run_program(&t, 2,
                "[{name: producer, do: [{loop: forever, do: [{compute: 1ms}, {wake: item}]}]}, "
                "{name: consumer, do: [{loop: forever, do: [{wait: item}, "
                "{compute: 500us}]}]}]",
                "1s");
    double ratio = (double)task_cpu(&t, 1) / (double)task_cpu(&t, 0);
    print_message("consumer / producer CPU %.3f\n", ratio);
    IN(ratio, 0.48, 0.52);
    tk_close(&t);
}

/* Block reads wait for the device (io_latency per request); a server
 * reading requests from the workload's socket and sending answers gives
 * the clients their responses. */
static void test_io(void **state)
{
    (void)state;
    tk_sim t;
    run_program(&t, 2,
                "[{name: reader, do: [{loop: forever, do: [{read: 16384}, {compute: 100us}]}]}, "
                "{name: server, do: [{loop: forever, do: [{recv: 1}, {compute: 50us}, "
                "{send: 1000}]}]}]",
                "500ms");
    print_message("%llu block requests, %llu responses\n",
                  (unsigned long long)stats(&t)->io_latency.count,
                  (unsigned long long)stats(&t)->response.count);
    assert_true(stats(&t)->io_latency.count > 100);
    assert_true(stats(&t)->response.count > 100);
    assert_true(t.scn.vms[0].io);
    tk_close(&t);
}

/* The report's configuration holds the program as it was read. */
static void test_config_has_program(void **state)
{
    (void)state;
    tk_sim t;
    run_program(&t, 1,
                "[{name: w, do: [{loop: 3, do: [{compute: 1ms}, {barrier: b}]}, "
                "{kernel: 5us, at: munmap, spinlock: mm, hold: 1us}]}]",
                "100ms");
    char *json = vl_report_config_json(&t.m, NULL, NULL, 0, 1); /* compact */
    assert_non_null(json);
    assert_non_null(strstr(json, "\"groups\":[{\"name\":\"w\",\"count\":1,\"process\":false,"
                                 "\"nice\":0,\"do\":[{\"op\":\"compute\""));
    assert_non_null(strstr(json, "{\"op\":\"loop\",\"count\":3,\"body\":0}"));
    assert_non_null(strstr(json, "\"at\":\"munmap\",\"spinlock\":\"mm\""));
    assert_non_null(strstr(json, "\"syncs\":[{\"name\":\"b\",\"kind\":\"barrier\",\"parties\":1}]"));
    free(json);
    assert_false(t.scn.vms[0].io);
    tk_close(&t);
}

int main(int argc, char **argv)
{
    tk_select(argc, argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_compute_sleep),
        cmocka_unit_test(test_duty_cycle),
        cmocka_unit_test(test_spinlock_contends),
        cmocka_unit_test(test_barrier_synchronises),
        cmocka_unit_test(test_mutex_serialises),
        cmocka_unit_test(test_empty_compute),
        cmocka_unit_test(test_event_hands_on),
        cmocka_unit_test(test_io),
        cmocka_unit_test(test_config_has_program),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
