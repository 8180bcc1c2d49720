/* test_golden.c - determinism: golden digests of small scenarios, the same
 * digest with either event-list implementation and with an observer
 * attached, byte-identical JSON for the same seed, and common random
 * numbers across policies (every task draws the same sequence whatever the
 * policy). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "guest/task.h"
#include "testkit.h"

#define GOLDEN_SMALL 0xc4cc0019c77ddce6ULL
#define GOLDEN_DUTY 0xe50f08f75e84c08cULL
#define GOLDEN_CREDIT_SMALL 0x010224fd7136c4f7ULL
#define GOLDEN_CREDIT_DUTY 0x053fd12997253368ULL
#define GOLDEN_CFS_SMALL 0x40e6c1966b12f9b1ULL
#define GOLDEN_CFS_DUTY 0x1b2491756dc8c71fULL
#define GOLDEN_CREDIT_IO 0xbd6b6691be2f75b8ULL
#define GOLDEN_CREDIT_CORUN 0x61595d9603855c98ULL
/* ... with every exit cycle run as events (--no-fold): the stream before
 * exit cycles were folded */
#define GOLDEN_CREDIT_CORUN_UNFOLDED 0x7342da46605c7725ULL
#define GOLDEN_CFS_CORUN 0x2c996312d384cd0fULL
#define GOLDEN_MICROSLICED_CORUN 0x3f42cbd373f2e9abULL

static const char small_yaml[] =
    "scheduler: fifo\n"
    "host: {pcpus: 2}\n"
    "vms:\n"
    "  - {name: hog, vcpus: 2, workloads: [{type: cpu, tasks: 2}]}\n"
    "  - name: web\n"
    "    vcpus: 1\n"
    "    workloads:\n"
    "      - {type: think, tasks: 2, burst: {dist: exponential, mean: 400us},\n"
    "         think: {dist: uniform, min: 1ms, max: 9ms}}\n"
    "run: {duration: 2s, seed: 5}\n";

static const char duty_yaml[] =
    "scheduler: fifo\n"
    "host: {pcpus: 4, sockets: 2}\n"
    "vms:\n"
    "  - {name: a, vcpus: 4, workloads: [{type: cpu, tasks: 6, util: 0.4, period: 10ms}]}\n"
    "  - {name: b, vcpus: 2, affinity: \"0-1\", workloads: [{type: cpu, tasks: 2}]}\n"
    "run: {duration: 1s, warmup: 100ms, seed: 9}\n";

/* Network and block I/O: links, backends, rings, TCP, UDP, ICMP, disk. */
static const char io_yaml[] =
    "scheduler: credit\n"
    "host: {pcpus: 2}\n"
    "vms:\n"
    "  - name: io\n"
    "    vcpus: 2\n"
    "    guest: {rx_ring: 64}\n"
    "    workloads: [{type: iperf, rate: 100}, {type: iperf, protocol: udp, port: 5002, rate: 50},\n"
    "                {type: ping, interval: 10ms}, {type: rr, clients: 3}, {type: grep},\n"
    "                {type: cpu}]\n"
    "  - {name: hog, vcpus: 2, workloads: [{type: cpu, tasks: 2}]}\n"
    "run: {duration: 500ms, warmup: 50ms, seed: 3}\n";

/* A small consolidated host where most events are pause-loop exits: TLB
 * shootdown waits (dedup), ticket-lock waits without and with PV spinlocks
 * (gmake), all overcommitted 3:1.  Under credit the PLE window is fixed,
 * under cfs (KVM) it grows; the fast paths of an exit must leave both
 * streams as they are. */
static const char corun_yaml[] =
    "host: {pcpus: 4}\n"
    "vms:\n"
    "  - {name: dedup, vcpus: 4, workloads: [{type: dedup}]}\n"
    "  - {name: gmake, vcpus: 4, workloads: [{type: gmake}]}\n"
    "  - {name: pv, vcpus: 4, guest: {pv_spinlocks: true}, workloads: [{type: gmake}]}\n"
    "run: {duration: 300ms, warmup: 50ms, seed: 3}\n";

/* Runs yaml under ops: its digest, its event count in *events and its
 * JSON report in *json (malloc'd) when those are not NULL. */
static uint64_t run_of(const char *yaml, const vl_sched_ops *ops, vl_model_opts mo,
                       uint64_t *events, char **json)
{
    vl_scenario scn;
    vl_model m;
    vl_error err;
    tk_load(&scn, yaml);
    assert_int_equal(vl_model_create(&m, &scn, ops ? ops : scn.sched, 0, 0, &mo, &err), 0);
    if (vl_model_run(&m, &err) < 0)
        fail_msg("run failed: %s", err.msg);
    uint64_t d = m.hv.sim.digest;
    if (events)
        *events = m.hv.sim.events;
    size_t len;
    if (json)
        *json = tk_json(&m, &len);
    vl_model_destroy(&m);
    vl_scenario_free(&scn);
    return d;
}

static uint64_t digest_of(const char *yaml, const vl_sched_ops *ops, vl_fel_kind fel,
                          uint64_t *events)
{
    return run_of(yaml, ops, (vl_model_opts){.fel = fel}, events, NULL);
}

/* The JSON report without the value of "key": (a number or a string). */
static void drop_value(char *json, const char *key)
{
    char pat[32];
    snprintf(pat, sizeof pat, "\"%s\": ", key);
    char *at = strstr(json, pat);
    assert_non_null(at);
    char *v = at + strlen(pat), *end = v + (*v == '"');
    while (*end && *end != ',' && *end != '}' && *end != '\n' && *end != '"')
        end++;
    end += *end == '"';
    memmove(v, end, strlen(end) + 1);
}

/* Pinned digests: a change here means the model's behaviour changed. If the
 * change is intended, update the value and say why in the commit. */
static void test_golden_digests(void **state)
{
    (void)state;
    uint64_t ev1, ev2;
    uint64_t d1 = digest_of(small_yaml, NULL, VL_FEL_DEFAULT, &ev1);
    uint64_t d2 = digest_of(duty_yaml, NULL, VL_FEL_DEFAULT, &ev2);
    print_message("small: %016llx (%llu events), duty: %016llx (%llu events)\n",
                  (unsigned long long)d1, (unsigned long long)ev1, (unsigned long long)d2,
                  (unsigned long long)ev2);
    assert_int_equal(d1, GOLDEN_SMALL);
    assert_int_equal(d2, GOLDEN_DUTY);
}

/* The same two scenarios under the baseline policies. */
static void test_golden_digests_policies(void **state)
{
    (void)state;
    static const struct {
        const char *policy;
        uint64_t small, duty;
    } golden[] = {
        {"credit", GOLDEN_CREDIT_SMALL, GOLDEN_CREDIT_DUTY},
        {"cfs", GOLDEN_CFS_SMALL, GOLDEN_CFS_DUTY},
    };
    for (size_t i = 0; i < sizeof golden / sizeof golden[0]; i++) {
        const vl_sched_ops *ops = vl_policy_find(golden[i].policy);
        assert_non_null(ops);
        uint64_t d1 = digest_of(small_yaml, ops, VL_FEL_DEFAULT, NULL);
        uint64_t d2 = digest_of(duty_yaml, ops, VL_FEL_DEFAULT, NULL);
        print_message("%s: small %016llx, duty %016llx\n", golden[i].policy,
                      (unsigned long long)d1, (unsigned long long)d2);
        assert_int_equal(d1, golden[i].small);
        assert_int_equal(d2, golden[i].duty);
    }
    uint64_t ev, d = digest_of(io_yaml, NULL, VL_FEL_DEFAULT, &ev);
    print_message("credit: io %016llx (%llu events)\n", (unsigned long long)d,
                  (unsigned long long)ev);
    assert_int_equal(d, GOLDEN_CREDIT_IO);
}

/* The co-run under the two baseline policies and microsliced (whose
 * offloads it exercises), and its JSON twice. */
static void test_golden_corun(void **state)
{
    (void)state;
    static const struct {
        const char *policy;
        uint64_t digest;
    } golden[] = {
        {"credit", GOLDEN_CREDIT_CORUN},
        {"cfs", GOLDEN_CFS_CORUN},
        {"microsliced", GOLDEN_MICROSLICED_CORUN}, /* its defaults: 1 micro core, Xen 4.7 */
    };
    for (size_t i = 0; i < sizeof golden / sizeof golden[0]; i++) {
        const vl_sched_ops *ops = vl_policy_find(golden[i].policy);
        assert_non_null(ops);
        uint64_t events;
        uint64_t d = digest_of(corun_yaml, ops, VL_FEL_DEFAULT, &events);
        print_message("%s corun: %016llx (%llu events)\n", golden[i].policy,
                      (unsigned long long)d, (unsigned long long)events);
        assert_int_equal(d, golden[i].digest);
        assert_int_equal(digest_of(corun_yaml, ops, VL_FEL_HEAP, NULL), d);
    }
}

/* Credit folds the spinners' exit cycles: the run without folding is the
 * stream pinned before folding existed, with several times the events, and
 * both reports say the same but for the event count and the digest. */
/* Runs yaml under ops folded and not: the reports must be equal but for
 * the event count and the digest; the counts and digests are returned. */
static void fold_both(const char *yaml, const vl_sched_ops *ops, uint64_t events[2],
                      uint64_t digests[2])
{
    char *json[2];
    for (int i = 0; i < 2; i++) {
        digests[i] = run_of(yaml, ops, (vl_model_opts){.no_fold = i == 1}, &events[i], &json[i]);
        drop_value(json[i], "events");
        drop_value(json[i], "digest");
    }
    assert_string_equal(json[0], json[1]);
    free(json[0]);
    free(json[1]);
}

static void test_golden_corun_folded(void **state)
{
    (void)state;
    uint64_t events[2], digests[2];
    fold_both(corun_yaml, vl_policy_find("credit"), events, digests);
    print_message("credit corun: %llu events folded, %llu not\n", (unsigned long long)events[0],
                  (unsigned long long)events[1]);
    assert_int_equal(digests[0], GOLDEN_CREDIT_CORUN);
    assert_int_equal(digests[1], GOLDEN_CREDIT_CORUN_UNFOLDED);
    assert_true(events[1] > 2 * events[0]);
}

/* Credit folds in each version's rules (the rate limit's hold before 4.8,
 * exempt yielders after; no YIELD flag in 3.2): the same results, and an
 * eighth fewer events at least (3.2: 21%, 4.7: 89%, 4.13: 43%, HEAD: 56%). */
static void test_fold_every_credit_version(void **state)
{
    (void)state;
    static const char *const versions[] = {"3.2", "4.7", "4.13", "HEAD"};
    for (size_t i = 0; i < sizeof versions / sizeof versions[0]; i++) {
        char yaml[sizeof corun_yaml + 64];
        snprintf(yaml, sizeof yaml, "%sparams: {credit: {xen: \"%s\"}}\n", corun_yaml,
                 versions[i]);
        uint64_t events[2], digests[2];
        fold_both(yaml, vl_policy_find("credit"), events, digests);
        print_message("credit %s corun: %llu events folded, %llu not\n", versions[i],
                      (unsigned long long)events[0], (unsigned long long)events[1]);
        assert_true(events[1] > events[0] + events[0] / 8);
    }
}

static void test_fel_implementations_agree(void **state)
{
    (void)state;
    for (int k = 0; k < vl_policy_count(); k++) {
        const vl_sched_ops *ops = vl_policy_at(k);
        for (int s = 0; s < 2; s++) {
            const char *yaml = s ? io_yaml : duty_yaml;
            uint64_t a = digest_of(yaml, ops, VL_FEL_DEFAULT, NULL);
            uint64_t b = digest_of(yaml, ops, VL_FEL_HEAP, NULL);
            if (a != b)
                fail_msg("%s, %s: default list %016llx != heap %016llx", ops->name,
                         s ? "io" : "duty", (unsigned long long)a, (unsigned long long)b);
        }
    }
}

static void test_json_byte_identical(void **state)
{
    (void)state;
    vl_scenario scn;
    for (int s = 0; s < 2; s++) {
        tk_load(&scn, s ? io_yaml : small_yaml);
        for (int k = 0; k < vl_policy_count(); k++) {
            char *js[2];
            size_t len[2];
            for (int i = 0; i < 2; i++) {
                vl_model m;
                assert_int_equal(tk_run(&m, &scn, vl_policy_at(k), 0, NULL), 0);
                js[i] = tk_json(&m, &len[i]);
                vl_model_destroy(&m);
            }
            assert_int_equal(len[0], len[1]);
            assert_memory_equal(js[0], js[1], len[0]);
            free(js[0]);
            free(js[1]);
        }
        vl_scenario_free(&scn);
    }
}

/* Common random numbers: every operation instance a task generates is
 * drawn from its own stream (seed + task name), in program order, whatever
 * the policy and however often its plans are cut.  After runs under every
 * policy, each task's queued instances equal those a fresh generator with
 * the same stream produces at the same generation indices, while the
 * policies left the tasks at different points of their programs. */
static uint64_t check_against_reference(const vl_scenario *scn, const vl_sched_ops *ops)
{
    vl_model m;
    vl_error err;
    assert_int_equal(tk_run(&m, scn, ops, 0, &err), 0);
    vl_guest *g = m.guests[1]; /* the interactive VM */
    uint64_t progress = 0;
    for (int i = 0; i < g->ntasks; i++) {
        vl_task *t = g->tasks[i];
        vl_task_op(g, t, VL_OPQ_LEN - 1); /* fill the lookahead */
        char name[200];
        snprintf(name, sizeof name, "%s/%s/%d", g->name, m.workloads[1].name, i);
        vl_opq ref = {0};
        vl_rng rng;
        vl_opq_init(&ref, t->prog);
        vl_rng_init(&rng, m.seed, name);
        uint64_t first = t->opq.generated - (uint64_t)t->opq.n;
        for (uint64_t k = 0; k < t->opq.generated; k++) {
            vl_opi *o = vl_opq_at(&ref, t->prog, &rng, 0, NULL, NULL);
            assert_non_null(o);
            assert_true(o->seq == k);
            if (k >= first) {
                const vl_opi *mine =
                    &t->opq.q[(t->opq.head + (int)(k - first)) & (t->opq.cap - 1)];
                assert_true(mine->seq == k);
                assert_int_equal(vl_opi_len(mine), vl_opi_len(o));
            }
            vl_opq_pop(&ref);
        }
        vl_opq_fini(&ref);
        progress = progress * 1000003 + t->opq.generated;
    }
    vl_model_destroy(&m);
    return progress;
}

static void test_common_random_numbers(void **state)
{
    (void)state;
    vl_scenario scn;
    tk_load(&scn, small_yaml);
    uint64_t first = check_against_reference(&scn, vl_policy_at(0));
    int differ = 0;
    for (int k = 1; k < vl_policy_count(); k++)
        differ += check_against_reference(&scn, vl_policy_at(k)) != first;
    assert_true(differ > 0); /* the policies did treat the tasks differently */
    vl_scenario_free(&scn);
}

int main(int argc, char **argv)
{
    tk_select(argc, argv); /* valgrind runs it in two parts at once: scripts/test.sh */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_golden_digests),
        cmocka_unit_test(test_golden_digests_policies),
        cmocka_unit_test(test_golden_corun_folded),
        cmocka_unit_test(test_fold_every_credit_version),
        cmocka_unit_test(test_golden_corun),
        cmocka_unit_test(test_fel_implementations_agree),
        cmocka_unit_test(test_json_byte_identical),
        cmocka_unit_test(test_common_random_numbers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
