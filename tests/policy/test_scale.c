/* test_scale.c - every registered policy on large hosts: 4:1 CPU-bound
 * overcommit (one VM of 4 vCPUs and 4 hog tasks per pCPU) at 12, 133, 256
 * and 1,024 pCPUs.  Every vCPU must run, none may wait longer than
 * MAX_WAIT while runnable, and every VM must get a share of the host near
 * its entitlement (one pCPU).  A policy that piles vCPUs onto a few pCPUs
 * and never spreads them (Credit's START placement did, from 133 pCPUs up:
 * docs/policies/credit.md) fails here.  Credit runs once per Xen version
 * it models, except Xen >= 4.13 above 133 pCPUs: there every VM starts
 * vCPU 0 on the first pCPU, all VMs start at once, and the vCPUs left
 * without an idle pCPU pile up on pCPUs 0-3 and do not drain within the
 * run, as docs/policies/credit.md ("Start placement") says.
 *
 * rtds shares the CPU by reservation (budget per period), not by weight:
 * each vCPU reserves 2 ms per 10 ms here, 80% of the host for four per
 * pCPU, the rest going to extratime.  Xen's default, 4 ms per 10 ms,
 * reserves 160% of the host; global EDF under such an overload serves a
 * fixed set of vCPUs in full every period and the others in part (a VM
 * gets 1.6 pCPUs, another 0.8: docs/policies/rtds.md).
 *
 * quest binds vCPUs to pCPUs and admits a pCPU's sporadic servers only
 * within the rate-monotonic bound, 0.757 for four: its default, 20 ms per
 * 100 ms, is 0.8 for four and is refused.  Here each vCPU reserves 18 ms
 * per 100 ms (0.72 per pCPU), so that first-fit binds four to each pCPU;
 * without background execution (Quest's default) a VM gets 0.72 pCPUs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "testkit.h"

#define MAX_WAIT VL_MS(500) /* 5x a 4:1 round of 30 ms slices, with slack */
#define DURATION_MS 1200
#define WARMUP_MS 200

/* The scenario text: n VMs of 4 hog vCPUs on n pCPUs, Credit modelling
 * Xen version `xen`, the cfs family the host kernel `kernel`. */
static char *overcommit_yaml(int pcpus, const char *xen, const char *kernel)
{
    size_t cap = 256 + (size_t)pcpus * 128, len = 0;
    char *y = malloc(cap);
    assert_non_null(y);
    len += (size_t)snprintf(y + len, cap - len,
                            "scheduler: fifo\n"
                            "host: {pcpus: %d}\n"
                            "run: {duration: %dms, warmup: %dms, seed: 3}\n"
                            "params: {credit: {xen: \"%s\"}, cfs: {kernel: \"%s\"},\n"
                            "         balance: {kernel: \"%s\"}, dcs: {kernel: \"%s\"}}\n"
                            "vms:\n",
                            pcpus, DURATION_MS, WARMUP_MS, xen, kernel, kernel, kernel);
    for (int i = 0; i < pcpus; i++)
        len += (size_t)snprintf(y + len, cap - len,
                                "  - {name: h%d, vcpus: 4, workloads: [{type: cpu, tasks: 4}], "
                                "params: {rtds: {budget: 2ms}, quest: {budget: 18ms}}}\n",
                                i);
    assert_true(len < cap);
    return y;
}

static void check_policy(const vl_scenario *scn, const vl_sched_ops *ops, int pcpus)
{
    vl_model m;
    vl_error err;
    if (tk_run(&m, scn, ops, 0, &err) < 0)
        fail_msg("%s at %d pCPUs: run failed: %s", ops->name, pcpus, err.msg);
    for (int v = 0; v < m.hv.nvcpus; v++) {
        const vl_vcpu *vc = &m.hv.vcpus[v];
        if (tk_vcpu_never_ran(&m, v))
            fail_msg("%s at %d pCPUs: %s.v%d never ran", ops->name, pcpus, vc->vm->name,
                     vc->index);
        if (vc->max_wait > MAX_WAIT)
            fail_msg("%s at %d pCPUs: %s.v%d waited %lld ms while runnable", ops->name, pcpus,
                     vc->vm->name, vc->index, (long long)(vc->max_wait / VL_MS(1)));
    }
    /* each VM is entitled to one pCPU over the measurement window */
    vl_ns window = VL_MS(DURATION_MS - WARMUP_MS);
    for (int d = 0; d < m.hv.nvms; d++) {
        vl_ns cpu = tk_vm_cpu(&m, d);
        if (cpu < window / 2 || cpu > window * 3 / 2)
            fail_msg("%s at %d pCPUs: VM %s got %lld ms of CPU in %lld ms (entitled to %lld)",
                     ops->name, pcpus, m.hv.vms[d].name, (long long)(cpu / VL_MS(1)),
                     (long long)(window / VL_MS(1)), (long long)(window / VL_MS(1)));
    }
    vl_model_destroy(&m);
}

/* Every policy, Credit as Xen `xens[0]` and the cfs family as Linux
 * `kernel`, then Credit alone as each further version. */
static void overcommit_4to1(int pcpus, const char *const *xens, const char *kernel)
{
    for (int x = 0; xens[x]; x++) {
        char *yaml = overcommit_yaml(pcpus, xens[x], kernel);
        vl_scenario scn;
        tk_load(&scn, yaml);
        free(yaml);
        for (int k = 0; k < vl_policy_count(); k++) {
            if (x == 0 || strcmp(vl_policy_at(k)->name, "credit") == 0)
                check_policy(&scn, vl_policy_at(k), pcpus);
        }
        vl_scenario_free(&scn);
    }
}

static const char *const every_xen[] = {"HEAD", "4.13", "4.7", "3.2", NULL};
static const char *const xen_before_4_13[] = {"4.7", "3.2", NULL};

static const char *const xen_head[] = {"HEAD", NULL};

static void test_4to1_at_12(void **state) { (void)state; overcommit_4to1(12, every_xen, "6.1"); }
static void test_4to1_at_133(void **state) { (void)state; overcommit_4to1(133, every_xen, "6.1"); }
static void test_4to1_at_256(void **state) { (void)state; overcommit_4to1(256, xen_before_4_13, "6.1"); }
static void test_4to1_at_1024(void **state)
{
    (void)state;
    overcommit_4to1(1024, xen_before_4_13, "6.1");
}
/* The cfs family under Linux 3.2's rules too (host parameter `kernel`). */
static void test_4to1_at_133_kernel_3_2(void **state)
{
    (void)state;
    overcommit_4to1(133, xen_head, "3.2");
}

/* A model too large for the memory it may take is refused while it is
 * built, with a message, instead of being killed by the kernel: here a
 * budget of 1 MB against 1,024 VMs of 4 hogs. */
static void test_too_large_refused(void **state)
{
    (void)state;
    char *yaml = overcommit_yaml(1024, "HEAD", "6.1");
    vl_scenario scn;
    tk_load(&scn, yaml);
    free(yaml);
    vl_model m;
    vl_error err;
    vl_model_opts mo = {.fel = VL_FEL_DEFAULT, .mem_budget = 1 << 20};
    assert_int_equal(vl_model_create(&m, &scn, vl_policy_find("credit"), 0, 0, &mo, &err), -1);
    print_message("%s\n", err.msg);
    assert_non_null(strstr(err.msg, "does not fit in memory: building "));
    assert_null(strstr(err.msg, "building 1024 of 1024")); /* stopped early */
    vl_model_destroy(&m);
    vl_scenario_free(&scn);
}

int main(int argc, char **argv)
{
    tk_select(argc, argv); /* ctest runs the 1,024-pCPU size apart: tests/CMakeLists.txt */
    const struct CMUnitTest tests[] = {
        /* first: the guard measures how much resident memory a build adds,
         * and the big models below leave freed heap behind that a later
         * build would reuse without growing */
        cmocka_unit_test(test_too_large_refused),
        cmocka_unit_test(test_4to1_at_12),
        cmocka_unit_test(test_4to1_at_133),
        cmocka_unit_test(test_4to1_at_133_kernel_3_2),
        cmocka_unit_test(test_4to1_at_256),
        cmocka_unit_test(test_4to1_at_1024),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
