/* test_output.c - staged outputs (src/util/vl_output.c): nothing appears
 * before the commit, a commit puts every output in place, a failure or an
 * abort leaves every target as it was, a device is written in place and
 * stays a device, a link stays a link, and named stages (the fallback where
 * a file system has no unnamed files) are removed on abort, on a
 * termination signal and on a crash. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "vl_output.h"

static char dir[256];

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/vl-output-XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static const char *in_dir(const char *name)
{
    static char buf[4][512];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s/%s", dir, name);
    return buf[k];
}

/* Names in the directory (stages included). */
static int entries(void)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    closedir(d);
    return n;
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void assert_content(const char *path, const char *text)
{
    char buf[256] = "";
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    assert_string_equal(buf, text);
}

static void test_unnamed_stage_appears_only_at_commit(void **state)
{
    (void)state;
    vl_outputs set;
    vl_error err;
    vl_outputs_init(&set);
    vl_output *a = vl_outputs_add(&set, "--json", in_dir("a.json"), &err);
    vl_output *b = vl_outputs_add(&set, "--csv", in_dir("b.csv"), &err);
    assert_non_null(a);
    assert_non_null(b);
    fputs("{}\n", a->f);
    fputs("x,y\n", b->f);
    assert_int_equal(entries(), 0); /* nothing named while staging */
    assert_int_equal(vl_outputs_commit(&set, &err), 0);
    assert_int_equal(entries(), 2);
    assert_content(in_dir("a.json"), "{}\n");
    assert_content(in_dir("b.csv"), "x,y\n");
    unlink(in_dir("a.json"));
    unlink(in_dir("b.csv"));
}

static void test_all_or_none(void **state)
{
    (void)state;
    if (access("/dev/full", W_OK) != 0)
        skip();
    write_file(in_dir("keep.json"), "old\n");
    vl_outputs set;
    vl_error err;
    vl_outputs_init(&set);
    vl_output *a = vl_outputs_add(&set, "--json", in_dir("keep.json"), &err);
    vl_output *full = vl_outputs_add(&set, "--trace", "/dev/full", &err);
    assert_non_null(a);
    assert_non_null(full);
    assert_int_equal(full->kind, VL_OUTPUT_IN_PLACE);
    fputs("new\n", a->f);
    fputs("trace\n", full->f);
    assert_int_equal(vl_outputs_commit(&set, &err), -1);
    print_message("%s\n", err.msg);
    assert_non_null(strstr(err.msg, "/dev/full: cannot write"));
    assert_content(in_dir("keep.json"), "old\n"); /* untouched */
    assert_int_equal(entries(), 1);               /* no stage left */
    unlink(in_dir("keep.json"));
}

static void test_link_stays_a_link(void **state)
{
    (void)state;
    write_file(in_dir("real.json"), "old\n");
    assert_int_equal(symlink("real.json", in_dir("link.json")), 0);
    vl_outputs set;
    vl_error err;
    vl_outputs_init(&set);
    vl_output *o = vl_outputs_add(&set, "--json", in_dir("link.json"), &err);
    assert_non_null(o);
    fputs("new\n", o->f);
    assert_int_equal(vl_outputs_commit(&set, &err), 0);
    struct stat st;
    assert_int_equal(lstat(in_dir("link.json"), &st), 0);
    assert_true(S_ISLNK(st.st_mode));
    assert_content(in_dir("real.json"), "new\n");
    unlink(in_dir("link.json"));
    unlink(in_dir("real.json"));
}

static void test_refused_paths(void **state)
{
    (void)state;
    static const struct {
        const char *name, *want;
    } cases[] = {
        {"", "is a directory"},             /* the directory itself (dir/) */
        {"nodir/x.json", "no such directory"},
        {"dangling", "symbolic link to nothing"},
    };
    assert_int_equal(symlink("nowhere", in_dir("dangling")), 0);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        vl_outputs set;
        vl_error err;
        vl_outputs_init(&set);
        assert_null(vl_outputs_add(&set, "--json", in_dir(cases[i].name), &err));
        print_message("%s\n", err.msg);
        assert_non_null(strstr(err.msg, cases[i].want));
        vl_outputs_abort(&set);
    }
    /* the same file twice, and standard output twice */
    vl_outputs set;
    vl_error err;
    vl_outputs_init(&set);
    assert_non_null(vl_outputs_add(&set, "--json", in_dir("same"), &err));
    assert_null(vl_outputs_add(&set, "--csv", in_dir("./same"), &err));
    assert_non_null(strstr(err.msg, "the same file as --json"));
    assert_non_null(vl_outputs_add(&set, "--csv", "-", &err));
    assert_null(vl_outputs_add(&set, "--cdf", "-", &err));
    assert_non_null(strstr(err.msg, "already taken by --csv"));
    vl_outputs_abort(&set);
    assert_int_equal(entries(), 1); /* the dangling link only */
    unlink(in_dir("dangling"));
}

static void test_device_written_in_place(void **state)
{
    (void)state;
    vl_outputs set;
    vl_error err;
    vl_outputs_init(&set);
    vl_output *o = vl_outputs_add(&set, "--json", "/dev/null", &err);
    assert_non_null(o);
    assert_int_equal(o->kind, VL_OUTPUT_IN_PLACE);
    fputs("{}\n", o->f);
    assert_int_equal(vl_outputs_commit(&set, &err), 0);
    struct stat st;
    assert_int_equal(stat("/dev/null", &st), 0);
    assert_true(S_ISCHR(st.st_mode));
}

static void test_named_stage_removed_on_abort_and_drop(void **state)
{
    (void)state;
    vl_outputs set;
    vl_error err;
    vl_outputs_init(&set);
    set.named_stages = true;
    vl_output *a = vl_outputs_add(&set, "--json", in_dir("a.json"), &err);
    vl_output *b = vl_outputs_add(&set, "--csv", in_dir("b.csv"), &err);
    assert_non_null(a);
    assert_non_null(b);
    assert_int_equal(entries(), 2); /* two named stages */
    vl_outputs_drop(&set, b);
    assert_int_equal(entries(), 1);
    fputs("{}\n", a->f);
    assert_int_equal(vl_outputs_commit(&set, &err), 0);
    assert_int_equal(entries(), 1);
    assert_content(in_dir("a.json"), "{}\n");
    unlink(in_dir("a.json"));
    vl_outputs_init(&set);
    set.named_stages = true;
    assert_non_null(vl_outputs_add(&set, "--json", in_dir("c.json"), &err));
    vl_outputs_abort(&set);
    assert_int_equal(entries(), 0);
}

/* A child stages a named output and dies of `sig`: the stage is gone. */
static void die_with_named_stage(int sig)
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        vl_outputs set;
        vl_error err;
        vl_outputs_init(&set);
        set.named_stages = true;
        if (!vl_outputs_add(&set, "--json", in_dir("sig.json"), &err))
            _exit(3);
        if (entries() != 1)
            _exit(4);
        raise(sig);
        _exit(5);
    }
    int st;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    print_message("signal %d: child %s %d, %d entries left\n", sig,
                  WIFSIGNALED(st) ? "killed by" : "exited", WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st),
                  entries());
    assert_true(WIFSIGNALED(st) && WTERMSIG(st) == sig);
    assert_int_equal(entries(), 0);
}

static void test_named_stage_removed_on_signals(void **state)
{
    (void)state;
    die_with_named_stage(SIGTERM);
    die_with_named_stage(SIGINT);
    die_with_named_stage(SIGHUP);
    die_with_named_stage(SIGABRT); /* a crash: abort() */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unnamed_stage_appears_only_at_commit),
        cmocka_unit_test(test_all_or_none),
        cmocka_unit_test(test_link_stays_a_link),
        cmocka_unit_test(test_refused_paths),
        cmocka_unit_test(test_device_written_in_place),
        cmocka_unit_test(test_named_stage_removed_on_abort_and_drop),
        cmocka_unit_test(test_named_stage_removed_on_signals),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
