/* test_registry.c - linker-section registries (util/vl_registry.c): entries
 * sorted by name whatever their link order, refused entries dropped, no more
 * than VL_REGISTRY_MAX kept, lookups by name; and the two real registries
 * (policies, workload types) hold what the build registered. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "vcpulab/sched.h"
#include "vl_registry.h"
#include "workload/workload.h"

typedef struct entry {
    const char *name;
    int ok;
} entry;

static const char *refuse_bad(const void *e)
{
    return ((const entry *)e)->ok ? NULL : "it is bad";
}

static void sorted_refused_found(void **state)
{
    (void)state;
    static const entry c = {"cherry", 1}, a = {"apple", 1}, b = {"banana", 0}, d = {"date", 1};
    static const void *const section[] = {&c, &a, &b, &d};
    vl_registry r = VL_REGISTRY_INIT("fruit", section, section + 4, refuse_bad);
    assert_int_equal(vl_registry_count(&r), 3);
    assert_string_equal(((const entry *)vl_registry_at(&r, 0))->name, "apple");
    assert_string_equal(((const entry *)vl_registry_at(&r, 1))->name, "cherry");
    assert_string_equal(((const entry *)vl_registry_at(&r, 2))->name, "date");
    assert_null(vl_registry_at(&r, 3));
    assert_null(vl_registry_at(&r, -1));
    assert_ptr_equal(vl_registry_find(&r, "date"), &d);
    assert_null(vl_registry_find(&r, "banana")); /* refused */
    vl_registry empty = VL_REGISTRY_INIT("fruit", NULL, NULL, NULL);
    assert_int_equal(vl_registry_count(&empty), 0);
}

static void bounded(void **state)
{
    (void)state;
    static entry many[VL_REGISTRY_MAX + 5];
    static const void *section[VL_REGISTRY_MAX + 5];
    static char names[VL_REGISTRY_MAX + 5][8];
    for (int i = 0; i < VL_REGISTRY_MAX + 5; i++) {
        snprintf(names[i], sizeof names[i], "e%03d", i);
        many[i] = (entry){names[i], 1};
        section[i] = &many[i];
    }
    vl_registry r = VL_REGISTRY_INIT("entry", section, section + VL_REGISTRY_MAX + 5, NULL);
    assert_int_equal(vl_registry_count(&r), VL_REGISTRY_MAX);
    assert_null(vl_registry_find(&r, "e130")); /* past the bound: dropped */
}

static void real_registries(void **state)
{
    (void)state;
    assert_true(vl_policy_count() >= 5);
    for (int i = 1; i < vl_policy_count(); i++)
        assert_true(strcmp(vl_policy_at(i - 1)->name, vl_policy_at(i)->name) < 0);
    assert_non_null(vl_policy_find("credit"));
    assert_non_null(vl_workload_type_find("cpu"));
    assert_null(vl_workload_type_find("credit"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sorted_refused_found),
        cmocka_unit_test(bounded),
        cmocka_unit_test(real_registries),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
