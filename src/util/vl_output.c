/* vl_output.c - staged command outputs (see vl_output.h).
 *
 * State outside the sets: the named stage files that exist right now
 * (`named`), so that a signal handler or the out-of-memory exit
 * (vl_oom.h) can remove them.  A slot is written
 * while unused and then marked used; the handler reads only used slots. */
#define _GNU_SOURCE
#include "vl_output.h"

#include "vl_oom.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* dst = a b; -1 (ENAMETOOLONG) if it does not fit in len. */
static int join(char *dst, size_t len, const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la + lb + 1 > len) {
        errno = ENAMETOOLONG;
        return -1;
    }
    memmove(dst, a, la);
    memcpy(dst + la, b, lb + 1);
    return 0;
}

/* ------------------------------------------------ named stages, signals */

#define NAMED_MAX (VL_OUTPUTS_MAX * 2)

static char named[NAMED_MAX][VL_OUTPUT_PATH_MAX + 40];
static pid_t named_by[NAMED_MAX]; /* a forked sweep worker must not remove
                                   * its parent's stages */
static volatile sig_atomic_t named_used[NAMED_MAX];
static bool handlers_installed;

/* Signals whose default action ends the process and that can be caught:
 * a named stage must not outlive them. */
static const int fatal_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGSEGV,
                                    SIGBUS, SIGFPE,  SIGILL, SIGABRT};
/* The ones held off while files are renamed into place. */
static const int term_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};

/* Removes this process's named stages (async-signal-safe). */
static void remove_named(void)
{
    pid_t me = getpid();
    for (int i = 0; i < NAMED_MAX; i++)
        if (named_used[i] && named_by[i] == me)
            unlink(named[i]);
}

static void remove_named_and_die(int sig)
{
    remove_named();
    raise(sig); /* SA_RESETHAND: the default action now */
}

/* Handlers only where the default action is in force: an ignored signal
 * stays ignored, and a command's own handler (the sweep's) is kept. */
static void install_handlers(void)
{
    if (handlers_installed)
        return;
    handlers_installed = true;
    vl_on_out_of_memory(remove_named);
    for (size_t i = 0; i < sizeof fatal_signals / sizeof fatal_signals[0]; i++) {
        struct sigaction old, sa = {0};
        if (sigaction(fatal_signals[i], NULL, &old) < 0 || old.sa_handler != SIG_DFL ||
            (old.sa_flags & SA_SIGINFO))
            continue;
        sa.sa_handler = remove_named_and_die;
        sa.sa_flags = SA_RESETHAND | SA_NODEFER;
        sigemptyset(&sa.sa_mask);
        sigaction(fatal_signals[i], &sa, NULL);
    }
}

static int register_named(const char *path)
{
    for (int i = 0; i < NAMED_MAX; i++) {
        if (named_used[i])
            continue;
        join(named[i], sizeof named[i], path, "");
        named_by[i] = getpid();
        __atomic_signal_fence(__ATOMIC_SEQ_CST);
        named_used[i] = 1;
        install_handlers();
        return i;
    }
    return -1;
}

static void unregister_named(const char *path)
{
    for (int i = 0; i < NAMED_MAX; i++)
        if (named_used[i] && strcmp(named[i], path) == 0)
            named_used[i] = 0;
}

static void hold_term_signals(sigset_t *old)
{
    sigset_t set;
    sigemptyset(&set);
    for (size_t i = 0; i < sizeof term_signals / sizeof term_signals[0]; i++)
        sigaddset(&set, term_signals[i]);
    sigprocmask(SIG_BLOCK, &set, old);
}

/* --------------------------------------------------------------- adding */

static vl_output *fail_add(vl_output *o, vl_error *err, const char *fmt, const char *detail)
{
    char msg[256];
    snprintf(msg, sizeof msg, fmt, detail);
    vl_error_set(err, "%s%s%s: %s", o->what, o->what[0] ? " " : "", o->path, msg);
    return NULL;
}

/* The canonical path a new file `path` would have: its directory's real
 * path and its last component; -1 (errno set) if the directory is not
 * there or the name is empty. */
static int new_file_target(const char *path, char *target, size_t len)
{
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    if (!*base || strcmp(base, ".") == 0 || strcmp(base, "..") == 0) {
        errno = EISDIR;
        return -1;
    }
    char dir[VL_OUTPUT_PATH_MAX], real[PATH_MAX];
    if (slash)
        snprintf(dir, sizeof dir, "%.*s", (int)(slash == path ? 1 : slash - path), path);
    else
        snprintf(dir, sizeof dir, ".");
    if (!realpath(dir, real))
        return -1;
    if ((size_t)snprintf(target, len, "%s/%s", strcmp(real, "/") == 0 ? "" : real, base) >=
        len) {
        errno = ENAMETOOLONG;
        return -1;
    }
    return 0;
}

/* Where the target's directory is, for the stage file. */
static void dir_of(const char *target, char *dir, size_t len)
{
    const char *slash = strrchr(target, '/');
    snprintf(dir, len, "%.*s", (int)(slash == target ? 1 : slash - target), target);
}

static bool proc_fd_usable(void)
{
    static int usable = -1;
    if (usable < 0)
        usable = access("/proc/self/fd", X_OK) == 0;
    return usable;
}

/* Opens the stage of a FILE output: unnamed if the file system can, else
 * named (and registered for removal). */
static int stage_file(vl_outputs *set, vl_output *o, vl_error *err)
{
    char dir[VL_OUTPUT_PATH_MAX];
    dir_of(o->target, dir, sizeof dir);
    int fd = -1;
    if (!set->named_stages && proc_fd_usable()) {
        fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0666);
        if (fd < 0 && errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL) {
            fail_add(o, err, "cannot create a file in its directory: %s", strerror(errno));
            return -1;
        }
    }
    if (fd < 0) {
        join(o->stage, sizeof o->stage, o->target, ".tmp.XXXXXX");
        fd = mkostemp(o->stage, O_CLOEXEC);
        if (fd < 0) {
            o->stage[0] = '\0';
            fail_add(o, err, "cannot create: %s", strerror(errno));
            return -1;
        }
        if (register_named(o->stage) < 0) {
            close(fd);
            unlink(o->stage);
            o->stage[0] = '\0';
            fail_add(o, err, "%s", "too many outputs");
            return -1;
        }
        /* mkstemp creates 0600; give the file the mode open() would */
        mode_t um = umask(0);
        umask(um);
        fchmod(fd, 0666 & ~um);
    }
    o->f = fdopen(fd, "w+");
    if (!o->f) {
        int e = errno;
        close(fd);
        if (o->stage[0]) {
            unregister_named(o->stage);
            unlink(o->stage);
            o->stage[0] = '\0';
        }
        fail_add(o, err, "cannot open: %s", strerror(e));
        return -1;
    }
    return 0;
}

/* Classifies `path`, fills o->target / exists / dev / ino; -1 if refused. */
static int classify(vl_output *o, vl_error *err)
{
    struct stat st;
    if (stat(o->path, &st) == 0) {
        o->exists = true;
        o->dev = st.st_dev;
        o->ino = st.st_ino;
        if (S_ISREG(st.st_mode)) {
            char real[PATH_MAX];
            if (!realpath(o->path, real)) {
                fail_add(o, err, "%s", strerror(errno));
                return -1;
            }
            if (join(o->target, sizeof o->target, real, "") < 0) {
                fail_add(o, err, "%s", strerror(errno));
                return -1;
            }
            o->kind = VL_OUTPUT_FILE;
            return 0;
        }
        if (S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode)) {
            if (access(o->path, W_OK) < 0) {
                fail_add(o, err, "cannot write: %s", strerror(errno));
                return -1;
            }
            join(o->target, sizeof o->target, o->path, "");
            o->kind = VL_OUTPUT_IN_PLACE;
            return 0;
        }
        fail_add(o, err, "%s",
                 S_ISDIR(st.st_mode)   ? "is a directory"
                 : S_ISBLK(st.st_mode) ? "is a block device (refused: it would be overwritten)"
                 : S_ISSOCK(st.st_mode) ? "is a socket"
                                        : "is not a file");
        return -1;
    }
    if (errno != ENOENT) {
        fail_add(o, err, "%s", strerror(errno));
        return -1;
    }
    if (lstat(o->path, &st) == 0) {
        fail_add(o, err, "%s", "is a symbolic link to nothing (refused: it would be replaced)");
        return -1;
    }
    if (new_file_target(o->path, o->target, sizeof o->target) < 0) {
        fail_add(o, err, "%s",
                 errno == ENOENT ? "no such directory"
                 : errno == EISDIR ? "is a directory"
                                   : strerror(errno));
        return -1;
    }
    o->kind = VL_OUTPUT_FILE;
    return 0;
}

static bool same_file(const vl_output *a, const vl_output *b)
{
    if (a->kind == VL_OUTPUT_STDOUT || b->kind == VL_OUTPUT_STDOUT)
        return a->kind == b->kind;
    if (a->exists && b->exists)
        return a->dev == b->dev && a->ino == b->ino;
    return !a->exists && !b->exists && strcmp(a->target, b->target) == 0;
}

void vl_outputs_init(vl_outputs *set)
{
    memset(set, 0, sizeof *set);
}

vl_output *vl_outputs_add(vl_outputs *set, const char *what, const char *path, vl_error *err)
{
    if (set->n >= VL_OUTPUTS_MAX) {
        vl_error_set(err, "%s %s: too many outputs", what, path);
        return NULL;
    }
    vl_output *o = &set->out[set->n];
    memset(o, 0, sizeof *o);
    snprintf(o->what, sizeof o->what, "%s", what);
    if ((size_t)snprintf(o->path, sizeof o->path, "%s", path) >= sizeof o->path)
        return fail_add(o, err, "%s", "name too long");
    if (!*path)
        return fail_add(o, err, "%s", "empty file name");
    if (strcmp(path, "-") == 0)
        o->kind = VL_OUTPUT_STDOUT;
    else if (classify(o, err) < 0)
        return NULL;
    for (int i = 0; i < set->n; i++) {
        if (same_file(o, &set->out[i])) {
            char other[VL_OUTPUT_PATH_MAX + 40];
            snprintf(other, sizeof other, "%s %s", set->out[i].what, set->out[i].path);
            return fail_add(o, err,
                            o->kind == VL_OUTPUT_STDOUT ? "standard output is already taken by %s"
                                                        : "the same file as %s",
                            other);
        }
    }
    if (o->kind == VL_OUTPUT_STDOUT) {
        o->f = stdout;
    } else if (o->kind == VL_OUTPUT_IN_PLACE) {
        o->f = tmpfile();
        if (!o->f)
            return fail_add(o, err, "cannot create its temporary file: %s", strerror(errno));
    } else if (stage_file(set, o, err) < 0) {
        return NULL;
    }
    set->n++;
    return o;
}

/* ---------------------------------------------------------------- commit */

int vl_write_all(int fd, const void *data, size_t len)
{
    const char *buf = data;
    while (len > 0) {
        ssize_t w = write(fd, buf, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        buf += w;
        len -= (size_t)w;
    }
    return 0;
}

/* Copies a staged device/FIFO output into it (SIGPIPE ignored meanwhile:
 * a reader that went away is an error, not the end of the command). */
static int copy_in_place(vl_output *o)
{
    struct sigaction ign = {0}, old;
    ign.sa_handler = SIG_IGN;
    sigemptyset(&ign.sa_mask);
    sigaction(SIGPIPE, &ign, &old);
    int rc = -1, dst = open(o->path, O_WRONLY | O_NOCTTY | O_CLOEXEC);
    if (dst >= 0 && lseek(fileno(o->f), 0, SEEK_SET) == 0) {
        char buf[1 << 16];
        ssize_t r;
        rc = 0;
        while ((r = read(fileno(o->f), buf, sizeof buf)) != 0) {
            if (r < 0 && errno == EINTR)
                continue;
            if (r < 0 || vl_write_all(dst, buf, (size_t)r) < 0) {
                rc = -1;
                break;
            }
        }
    }
    int e = errno;
    if (dst >= 0 && close(dst) < 0 && rc == 0) {
        rc = -1;
        e = errno;
    }
    sigaction(SIGPIPE, &old, NULL);
    errno = e;
    return rc;
}

/* Gives an unnamed stage a name next to its target (registered). */
static int name_stage(vl_output *o)
{
    char proc[64];
    snprintf(proc, sizeof proc, "/proc/self/fd/%d", fileno(o->f));
    for (int k = 0; k < 1000; k++) {
        snprintf(o->stage, sizeof o->stage, "%s.tmp.%ld.%d", o->target, (long)getpid(), k);
        if (linkat(AT_FDCWD, proc, AT_FDCWD, o->stage, AT_SYMLINK_FOLLOW) == 0) {
            if (register_named(o->stage) < 0) {
                unlink(o->stage);
                break;
            }
            return 0;
        }
        if (errno != EEXIST)
            break;
    }
    o->stage[0] = '\0';
    return -1;
}

static int commit_fail(vl_outputs *set, vl_error *err, const vl_output *o, const char *how,
                       int e)
{
    vl_error_set(err, "%s%s%s: %s: %s", o->what, o->what[0] ? " " : "", o->path, how,
                 strerror(e));
    vl_outputs_abort(set);
    return -1;
}

int vl_outputs_commit(vl_outputs *set, vl_error *err)
{
    /* 1. everything written so far reached its stage (or stdout) */
    for (int i = 0; i < set->n; i++) {
        vl_output *o = &set->out[i];
        errno = 0;
        if (!o->dropped && o->kind != VL_OUTPUT_STDOUT && (fflush(o->f) != 0 || ferror(o->f)))
            return commit_fail(set, err, o, "cannot write", errno ? errno : EIO);
    }
    errno = 0;
    if (fflush(stdout) != 0 || ferror(stdout)) {
        int e = errno ? errno : EIO;
        vl_error_set(err, "standard output: write error: %s", strerror(e));
        vl_outputs_abort(set);
        return -1;
    }
    /* 2. devices and FIFOs: written in place */
    for (int i = 0; i < set->n; i++) {
        vl_output *o = &set->out[i];
        if (o->dropped || o->kind != VL_OUTPUT_IN_PLACE)
            continue;
        if (copy_in_place(o) < 0)
            return commit_fail(set, err, o, "cannot write", errno);
        fclose(o->f);
        o->f = NULL;
    }
    /* 3. files: named next to their targets, then renamed over them */
    sigset_t old;
    hold_term_signals(&old);
    int rc = 0;
    for (int i = 0; i < set->n && rc == 0; i++) {
        vl_output *o = &set->out[i];
        if (o->dropped || o->kind != VL_OUTPUT_FILE)
            continue;
        if (!o->stage[0] && name_stage(o) < 0) {
            rc = commit_fail(set, err, o, "cannot create", errno);
            break;
        }
        int closed = fclose(o->f);
        o->f = NULL;
        if (closed != 0) {
            rc = commit_fail(set, err, o, "cannot write", errno);
            break;
        }
    }
    for (int i = 0; i < set->n && rc == 0; i++) {
        vl_output *o = &set->out[i];
        if (o->dropped || o->kind != VL_OUTPUT_FILE)
            continue;
        if (rename(o->stage, o->target) < 0) {
            rc = commit_fail(set, err, o, "cannot replace", errno);
            break;
        }
        unregister_named(o->stage);
        o->stage[0] = '\0';
    }
    sigprocmask(SIG_SETMASK, &old, NULL);
    if (rc == 0) {
        for (int i = 0; i < set->n; i++)
            set->out[i].f = NULL;
        set->n = 0;
    }
    return rc;
}

static void drop(vl_output *o)
{
    if (o->f && o->kind != VL_OUTPUT_STDOUT)
        fclose(o->f);
    o->f = NULL;
    if (o->stage[0]) {
        unlink(o->stage);
        unregister_named(o->stage);
        o->stage[0] = '\0';
    }
    o->dropped = true;
}

void vl_outputs_drop(vl_outputs *set, vl_output *o)
{
    (void)set;
    drop(o);
}

void vl_outputs_abort(vl_outputs *set)
{
    for (int i = 0; i < set->n; i++)
        drop(&set->out[i]);
    set->n = 0;
}
