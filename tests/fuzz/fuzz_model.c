/* fuzz_model.c - libFuzzer harness that loads a scenario and simulates it
 * under every registered policy.
 *
 * Input: YAML text.  A scenario that loads is shortened to at most
 * RUN_CAP of simulated time (warm-up at most half of it), built and run
 * under each real policy with an event budget; scenarios beyond
 * SIZE_CAP (pCPUs, vCPUs, tasks) are skipped so that one input stays
 * around a millisecond to a second.  A run may fail the way runs fail
 * (a policy stopped by the core, the event budget): it must then say so
 * in one line.  Anything else is a finding: a crash, a sanitizer report,
 * a leak, a hang (libFuzzer's -timeout), an invariant below.
 *
 * Seeds: every shipped scenario (scenarios/ and scenarios/experiments/);
 * see tests/fuzz/CMakeLists.txt and docs/testing.md. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "guest/guest.h"
#include "model/model.h"
#include "vcpulab/scenario.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define RUN_CAP VL_MS(20)
#define EVENT_BUDGET 100000
#define MAX_PCPUS 64
#define MAX_VCPUS 256
#define MAX_TASKS 1024

static void check(bool ok)
{
    if (!ok)
        abort();
}

static bool small_enough(const vl_scenario *s)
{
    int vcpus = 0;
    for (int i = 0; i < s->nvms; i++)
        vcpus += s->vms[i].vcpus;
    return s->host.pcpus <= MAX_PCPUS && vcpus <= MAX_VCPUS;
}

static int tasks_of(const vl_model *m)
{
    int n = 0;
    for (int d = 0; d < m->scn->nvms; d++)
        n += m->guests[d] ? m->guests[d]->ntasks : 0;
    return n;
}

static void run_under(const vl_scenario *s, const vl_sched_ops *ops)
{
    vl_model m;
    vl_error err;
    memset(&err, 0, sizeof err);
    vl_model_opts mo = {.fel = VL_FEL_DEFAULT, .max_events = EVENT_BUDGET};
    if (vl_model_create(&m, s, ops, 0, s->duration, &mo, &err) < 0) {
        /* a policy may refuse a configuration (its init): one line */
        check(err.msg[0] != '\0' && strchr(err.msg, '\n') == NULL);
        vl_model_destroy(&m);
        return;
    }
    if (tasks_of(&m) <= MAX_TASKS && vl_model_run(&m, &err) < 0)
        check(err.msg[0] != '\0' && strchr(err.msg, '\n') == NULL);
    /* simulated time never passes the end, and never runs backwards */
    check(m.hv.sim.now <= s->duration);
    vl_model_destroy(&m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    vl_scenario s;
    vl_error err;
    if (vl_scenario_load_string("fuzz.yaml", (const char *)data, size, NULL, 0, &s, &err) < 0)
        return 0;
    if (small_enough(&s)) {
        if (s.duration > RUN_CAP)
            s.duration = RUN_CAP;
        if (s.warmup > s.duration / 2)
            s.warmup = s.duration / 2;
        for (int k = 0; k < vl_policy_count(); k++)
            run_under(&s, vl_policy_at(k));
    }
    vl_scenario_free(&s);
    return 0;
}
