/* test_oom.c - out of memory in the middle of a run (vl_oom.h): the process
 * ends with exit status 1 and one line naming what ran out, after the
 * registered cleanup; and a model whose process has no memory left when
 * the run starts stops that way at its first allocation (not with a
 * signal).  Each case runs in a forked child. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "testkit.h"
#include "vl_oom.h"

/* Runs fn in a child with stderr into a pipe; returns its wait status and
 * what it wrote. */
static int in_child(void (*fn)(void), char *err, size_t len)
{
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(fds[0]);
        dup2(fds[1], 2);
        fn();
        _exit(0);
    }
    close(fds[1]);
    size_t n = 0;
    ssize_t r;
    while (n + 1 < len && (r = read(fds[0], err + n, len - 1 - n)) > 0)
        n += (size_t)r;
    err[n] = '\0';
    close(fds[0]);
    int st;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    return st;
}

static int cleaned;

static void cleanup(void)
{
    cleaned = 1;
    fputs("cleanup ran\n", stderr);
}

static void run_out(void)
{
    vl_on_out_of_memory(cleanup);
    vl_out_of_memory("the test's queue");
}

static void test_out_of_memory_exits_with_cause(void **state)
{
    (void)state;
    char err[512];
    int st = in_child(run_out, err, sizeof err);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 1);
    assert_string_equal(err, "vcpulab: out of memory: the test's queue (the run was stopped)\n"
                             "cleanup ran\n");
    assert_int_equal(cleaned, 0); /* the child's, not ours */
}

/* Builds a model, takes every byte the address-space limit leaves, and
 * runs: the guests' first allocations (lock instances, forked jobs) fail. */
static void starved_run(void)
{
    vl_scenario scn;
    vl_model m;
    vl_error err;
    tk_load(&scn, "scheduler: credit\nhost: {pcpus: 2}\n"
                  "vms: [{name: k, vcpus: 2, workloads: [{type: gmake}]}]\n"
                  "run: {duration: 200ms}\n");
    if (vl_model_create(&m, &scn, scn.sched, 0, 0, NULL, &err) < 0)
        _exit(3);
    struct rlimit lim = {0, RLIM_INFINITY};
    if (getrlimit(RLIMIT_AS, &lim) < 0)
        _exit(3);
    lim.rlim_cur = 0; /* no new mapping, no heap growth */
    if (setrlimit(RLIMIT_AS, &lim) < 0)
        _exit(3);
    for (size_t size = 4096; size >= 16; size /= 2) /* what malloc still holds */
        while (malloc(size))
            ;
    vl_model_run(&m, &err);
    _exit(2); /* not reached: the run needs memory */
}

static void test_starved_run_stops_with_cause(void **state)
{
    (void)state;
#if defined(__SANITIZE_ADDRESS__)
    skip(); /* ASan reserves its shadow memory beyond any address-space limit */
#endif
    char err[512];
    int st = in_child(starved_run, err, sizeof err);
    print_message("%s", err);
    if (!WIFEXITED(st))
        fail_msg("the run died of signal %d", WIFSIGNALED(st) ? WTERMSIG(st) : 0);
    assert_int_equal(WEXITSTATUS(st), 1);
    assert_non_null(strstr(err, "vcpulab: out of memory: "));
    assert_non_null(strstr(err, " (the run was stopped)\n"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_out_of_memory_exits_with_cause),
        cmocka_unit_test(test_starved_run_stops_with_cause),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
