/* test_tags.c - event-source tags: the allocator numbers each kind apart,
 * refuses to wrap, and in every shipped scenario no two event sources share
 * a (class, tag) pair, so the digest tells every source apart. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "model/model.h"
#include "sim/engine.h"
#include "sim/tag.h"

static void on_nothing(void *ctx, vl_event *ev)
{
    (void)ctx;
    (void)ev;
}

static void allocator_numbers_each_kind_apart(void **state)
{
    (void)state;
    vl_sim s;
    assert_int_equal(vl_sim_init(&s, VL_FEL_DEFAULT), 0);
    vl_event a, b, c;
    vl_sim_event_init(&s, &a, on_nothing, NULL, VL_EVC_HV, VL_TAG_PCPU);
    vl_sim_event_init(&s, &b, on_nothing, NULL, VL_EVC_HV, VL_TAG_TASK_TIMER);
    vl_sim_event_init(&s, &c, on_nothing, NULL, VL_EVC_HV, VL_TAG_PCPU);
    assert_int_equal(vl_tag_kind_of(a.tag), VL_TAG_PCPU);
    assert_int_equal(vl_tag_index(a.tag), 0);
    assert_int_equal(vl_tag_kind_of(b.tag), VL_TAG_TASK_TIMER);
    assert_int_equal(vl_tag_index(b.tag), 0); /* a kind's numbers are its own */
    assert_int_equal(vl_tag_index(c.tag), 1);
    assert_false(s.tags_exhausted);
    s.tag_next[VL_TAG_PCPU] = VL_TAG_INDEX_MAX; /* the last number: no wrap */
    vl_sim_event_init(&s, &a, on_nothing, NULL, VL_EVC_HV, VL_TAG_PCPU);
    assert_true(s.tags_exhausted);
    assert_int_equal(vl_tag_kind_of(a.tag), VL_TAG_PCPU);
    vl_sim_fini(&s);
}

static void every_kind_has_a_name(void **state)
{
    (void)state;
    for (int k = 0; k < VL_TAG_KINDS; k++)
        assert_non_null(vl_tag_kind_name((vl_tag_kind)k));
    assert_null(vl_tag_kind_name(VL_TAG_KINDS));
}

/* The audit finds two events with one (class, tag); one event recorded
 * twice is one source. */
static void audit_finds_a_shared_tag(void **state)
{
    (void)state;
    vl_tag_audit au = {0};
    vl_event a, b, c;
    vl_event_init(&a, on_nothing, NULL, VL_EVC_DEVICE, vl_tag_make(VL_TAG_PING, 3));
    vl_event_init(&b, on_nothing, NULL, VL_EVC_GUEST, vl_tag_make(VL_TAG_PING, 3));
    vl_tag_audit_record(&au, &a);
    vl_tag_audit_record(&au, &b);
    vl_tag_audit_record(&au, &a);
    assert_int_equal(vl_tag_audit_duplicates(&au), 0); /* classes differ */
    vl_event_init(&c, on_nothing, NULL, VL_EVC_DEVICE, vl_tag_make(VL_TAG_PING, 3));
    vl_tag_audit_record(&au, &c);
    assert_int_equal(vl_tag_audit_duplicates(&au), 1);
    vl_tag_audit_fini(&au);
}

/* Builds and runs scn for 200 ms with the audit on; adds the kinds seen to
 * *seen.  Returns the number of sources.  Frees scn. */
static size_t audit_scenario(const char *path, vl_scenario scn, uint64_t *seen)
{
    vl_error err = {0};
    vl_tag_audit au = {0};
    vl_model_opts opts = {.tag_audit = &au};
    vl_model m;
    if (vl_model_create(&m, &scn, scn.sched, 0, VL_MS(200), &opts, &err) < 0 ||
        vl_model_run(&m, &err) < 0)
        fail_msg("%s: %s", path, err.msg);
    assert_false(au.failed);
    size_t dup = vl_tag_audit_duplicates(&au);
    if (dup)
        fail_msg("%s: %zu event sources share a (class, tag) with another", path, dup);
    for (size_t i = 0; i < au.n; i++) {
        uint32_t tag = (uint32_t)au.rec[i].key;
        assert_non_null(vl_tag_kind_name(vl_tag_kind_of(tag)));
        *seen |= 1ULL << vl_tag_kind_of(tag);
    }
    size_t n = au.n;
    vl_model_destroy(&m);
    vl_scenario_free(&scn);
    vl_tag_audit_fini(&au);
    return n;
}

static int audit_dir(const char *dir, uint64_t *seen)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    int files = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t len = strlen(e->d_name);
        if (len < 5 || strcmp(e->d_name + len - 5, ".yaml") != 0)
            continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        vl_scenario scn;
        vl_error err = {0};
        if (vl_scenario_load(path, NULL, 0, &scn, &err) < 0)
            fail_msg("%s: %s", path, err.msg);
        assert_true(audit_scenario(path, scn, seen) > 0);
        files++;
    }
    closedir(d);
    return files;
}

/* The network workloads no shipped scenario uses (ping, request-response). */
static const char clients_yaml[] =
    "scheduler: credit\n"
    "host: {pcpus: 2}\n"
    "vms:\n"
    "  - name: io\n"
    "    vcpus: 2\n"
    "    workloads: [{type: ping, interval: 10ms}, {type: rr, clients: 3}, {type: grep}]\n"
    "run: {duration: 1s, seed: 3}\n";

/* Every shipped scenario, and between them (with the clients above) every
 * kind of source. */
static void shipped_scenarios_have_unique_tags(void **state)
{
    (void)state;
    uint64_t seen = 0;
    int files = audit_dir(VL_SOURCE_DIR "/scenarios", &seen) +
                audit_dir(VL_SOURCE_DIR "/scenarios/experiments", &seen);
    assert_true(files >= 10);
    vl_scenario scn;
    vl_error err = {0};
    if (vl_scenario_load_string("clients", clients_yaml, sizeof clients_yaml - 1, NULL, 0, &scn,
                                &err) < 0)
        fail_msg("clients: %s", err.msg);
    audit_scenario("clients", scn, &seen);
    for (int k = 0; k < VL_TAG_KINDS; k++)
        if (!(seen & (1ULL << k)))
            fail_msg("no shipped scenario has a source of kind '%s'",
                     vl_tag_kind_name((vl_tag_kind)k));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(allocator_numbers_each_kind_apart),
        cmocka_unit_test(every_kind_has_a_name),
        cmocka_unit_test(audit_finds_a_shared_tag),
        cmocka_unit_test(shipped_scenarios_have_unique_tags),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
