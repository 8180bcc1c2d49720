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
 * a leak, a hang (libFuzzer's -timeout), an invariant below, or a run
 * whose report changes when exit cycles are not folded (src/hv/fold.h).
 *
 * Seeds: every shipped scenario (scenarios/ and scenarios/experiments/);
 * see tests/fuzz/CMakeLists.txt and docs/testing.md. */
#include <stdbool.h>
#include <stdio.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "guest/guest.h"
#include "model/model.h"
#include "report/report.h"
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

/* The JSON report without the value of "key" (malloc'd text, edited). */
static void drop_value(char *json, const char *key)
{
    char pat[32];
    snprintf(pat, sizeof pat, "\"%s\": ", key);
    char *at = strstr(json, pat);
    check(at != NULL);
    char *v = at + strlen(pat), *end = v + (*v == '"');
    while (*end && *end != ',' && *end != '}' && *end != '\n' && *end != '"')
        end++;
    end += *end == '"';
    memmove(v, end, strlen(end) + 1);
}

/* Runs s under ops (folding exit cycles or not); returns its JSON report
 * without the event count and digest when the run completed, else NULL. */
static char *run_under(const vl_scenario *s, const vl_sched_ops *ops, bool no_fold)
{
    vl_model m;
    vl_error err;
    memset(&err, 0, sizeof err);
    vl_model_opts mo = {.fel = VL_FEL_DEFAULT, .max_events = EVENT_BUDGET, .no_fold = no_fold};
    if (vl_model_create(&m, s, ops, 0, s->duration, &mo, &err) < 0) {
        /* a policy may refuse a configuration (its init): one line */
        check(err.msg[0] != '\0' && strchr(err.msg, '\n') == NULL);
        vl_model_destroy(&m);
        return NULL;
    }
    bool done = false;
    if (tasks_of(&m) <= MAX_TASKS) {
        done = vl_model_run(&m, &err) == 0;
        if (!done)
            check(err.msg[0] != '\0' && strchr(err.msg, '\n') == NULL);
    }
    /* simulated time never passes the end, and never runs backwards */
    check(m.hv.sim.now <= s->duration);
    char *json = NULL;
    size_t len;
    if (done) {
        FILE *f = open_memstream(&json, &len);
        check(f != NULL);
        vl_report_json(&m, f);
        check(fclose(f) == 0);
        drop_value(json, "events");
        drop_value(json, "digest");
    }
    vl_model_destroy(&m);
    return json;
}

/* Under a policy that folds exit cycles, the run without folding reports
 * the same (but for events and digest) when both runs complete. */
static void check_under(const vl_scenario *s, const vl_sched_ops *ops)
{
    char *folded = run_under(s, ops, false);
    if (ops->yield_folds) {
        char *unfolded = run_under(s, ops, true);
        if (folded && unfolded)
            check(strcmp(folded, unfolded) == 0);
        free(unfolded);
    }
    free(folded);
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
            check_under(&s, vl_policy_at(k));
    }
    vl_scenario_free(&s);
    return 0;
}
