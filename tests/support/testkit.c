/* testkit.c - helpers for tests that run whole models. */
#include "testkit.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

void tk_load(vl_scenario *scn, const char *yaml)
{
    vl_error err;
    if (vl_scenario_load_string("test.yaml", yaml, strlen(yaml), NULL, 0, scn, &err) < 0) {
        char buf[1024];
        vl_error_format(&err, buf, sizeof buf);
        fail_msg("scenario did not load: %s", buf);
    }
}

int tk_run(vl_model *m, const vl_scenario *scn, const vl_sched_ops *ops, uint64_t seed,
           vl_error *err)
{
    vl_error local;
    if (!err)
        err = &local;
    if (vl_model_create(m, scn, ops, seed, 0, NULL, err) < 0)
        return -1;
    return vl_model_run(m, err);
}

void tk_open(tk_sim *t, const char *policy, const char *yaml)
{
    vl_error err;
    const vl_sched_ops *ops = vl_policy_find(policy);
    if (!ops)
        fail_msg("no policy '%s'", policy);
    size_t cap = strlen(policy) + strlen(yaml) + 16;
    char *buf = malloc(cap);
    assert_non_null(buf);
    snprintf(buf, cap, "scheduler: %s\n%s", policy, yaml);
    tk_load(&t->scn, buf);
    free(buf);
    if (vl_model_create(&t->m, &t->scn, ops, 0, 0, NULL, &err) < 0)
        fail_msg("model: %s", err.msg);
}

void tk_close(tk_sim *t)
{
    vl_model_destroy(&t->m);
    vl_scenario_free(&t->scn);
}

void tk_go(vl_model *m)
{
    vl_error err;
    if (vl_model_run(m, &err) < 0)
        fail_msg("run failed: %s", err.msg);
}

int tk_counter_index(const vl_model *m, const char *name)
{
    const char *const *c = m->ops->counters;
    for (int i = 0; c && c[i]; i++)
        if (strcmp(c[i], name) == 0)
            return i;
    fail_msg("%s has no counter '%s'", m->ops->name, name);
    return -1;
}

int64_t tk_counter(const vl_model *m, const char *name)
{
    return vl_model_counter(m, tk_counter_index(m, name));
}

vl_ns tk_vm_cpu(const vl_model *m, int d)
{
    vl_ns sum = 0;
    const vl_vm *vm = &m->hv.vms[d];
    for (int i = 0; i < vm->nvcpus; i++)
        sum += vl_model_vcpu_time(m, vm->vcpus[i].id, VL_RUNNING);
    return sum;
}

bool tk_vcpu_never_ran(const vl_model *m, int v)
{
    return vl_model_vcpu_time(m, v, VL_RUNNING) <= 0 &&
           vl_model_vcpu_time(m, v, VL_OFFLINE) < vl_model_window(m);
}

static void preempt_switch(void *ctx, const vl_pcpu *p, const vl_vcpu *prev,
                           const vl_vcpu *next, vl_ns now)
{
    (void)p;
    tk_preempt_probe *pr = ctx;
    if (prev && prev->state == VL_RUNNABLE && prev->id < TK_PROBE_VCPUS) {
        vl_ns ran = now - pr->in[prev->id];
        if (ran < pr->min_preempted_run)
            pr->min_preempted_run = ran;
        pr->preemptions++;
    }
    if (next && next->id < TK_PROBE_VCPUS)
        pr->in[next->id] = now;
}

void tk_watch_preemptions(vl_model *m, tk_preempt_probe *pr)
{
    memset(pr, 0, sizeof *pr);
    pr->min_preempted_run = VL_NS_MAX;
    m->hv.observer = (vl_hv_observer){.ctx = pr, .on_switch = preempt_switch};
}

char *tk_json(const vl_model *m, size_t *len)
{
    char *buf = NULL;
    FILE *f = open_memstream(&buf, len);
    vl_report_json(m, f);
    fclose(f);
    return buf;
}

char *tk_run_json(const char *policy, const char *yaml, const char *counter, int64_t *value)
{
    tk_sim t;
    tk_open(&t, policy, yaml);
    tk_go(&t.m);
    if (counter)
        *value = tk_counter(&t.m, counter);
    size_t len;
    char *json = tk_json(&t.m, &len);
    tk_close(&t);
    return json;
}

void tk_select(int argc, char **argv)
{
    if (argc < 2)
        return;
    if (argv[1][0] == '!')
        cmocka_set_skip_filter(argv[1] + 1);
    else
        cmocka_set_test_filter(argv[1]);
}
