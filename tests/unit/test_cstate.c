/* test_cstate.c - idle states of the host's pCPUs (hv/cstate.c): a pCPU
 * that idles long enters the deepest state (Nehalem C6: 200 us exit
 * latency), one that idles briefly a shallow one (C1E: 10 us for idle
 * spells between 20 and 80 us), and a task woken on an idle pCPU sees
 * exactly that exit latency added to its wake-up latency; without idle
 * states nothing is added. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "testkit.h"

/* Mean wake-up latency (timer expiry -> the task runs) of one task that
 * computes `burst` and sleeps `think`, alone on a 1-vCPU VM on one pCPU:
 * the pCPU idles through every think. */
static double wake_mean(const char *cstates, const char *think, uint64_t *wakeups)
{
    char yaml[512];
    snprintf(yaml, sizeof yaml,
             "scheduler: credit\n"
             "host: {pcpus: 1, cstates: %s}\n"
             "vms:\n"
             "  - {name: t, vcpus: 1, workloads: [{type: think, tasks: 1, burst: 50us, think: %s}]}\n"
             "run: {duration: 1s, warmup: 100ms, seed: 1}\n",
             cstates, think);
    vl_scenario scn;
    tk_load(&scn, yaml);
    vl_model m;
    vl_error err;
    assert_int_equal(tk_run(&m, &scn, scn.sched, 0, &err), 0);
    double mean = vl_hist_mean(&m.workloads[0].stats.wake_latency);
    *wakeups = m.hv.pcpus[0].cstate_wakeups;
    vl_model_destroy(&m);
    vl_scenario_free(&scn);
    return mean;
}

static void long_idle_pays_c6(void **state)
{
    (void)state;
    uint64_t w0, w1;
    double none = wake_mean("none", "5ms", &w0);
    double nhm = wake_mean("nehalem", "5ms", &w1);
    print_message("think 5 ms: wake-up %.1f us without idle states, %.1f us with Nehalem's "
                  "(%llu wake-ups paid)\n", none / 1e3, nhm / 1e3, (unsigned long long)w1);
    assert_int_equal(w0, 0);
    assert_true(w1 > 100);
    /* every wake-up but the first (no history yet: the deepest anyway) pays C6 */
    assert_true(nhm - none > 195e3 && nhm - none < 205e3);
}

static void short_idle_pays_c1e(void **state)
{
    (void)state;
    uint64_t w0, w1;
    double none = wake_mean("none", "40us", &w0);
    double nhm = wake_mean("nehalem", "40us", &w1);
    print_message("think 40 us: wake-up %.2f us without idle states, %.2f us with Nehalem's\n",
                  none / 1e3, nhm / 1e3);
    assert_true(w1 > 1000);
    /* idle spells of about 40 us: C1E (target residency 20 us; C3's is 80) */
    assert_true(nhm - none > 9e3 && nhm - none < 12e3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(long_idle_pays_c6),
        cmocka_unit_test(short_idle_pays_c1e),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
