/* cli/pool.c - runs a command's jobs in worker processes (cli/pool.h).
 *
 * One child per job (fork): it runs the job and writes its result to a
 * pipe, then _exit()s (no stdio buffer of the parent is flushed twice, no
 * atexit handler runs).  The parent polls the pipes, reads each result to
 * EOF, reaps the child and hands the bytes to the caller in completion
 * order; ordering the output is the caller's business.
 *
 * SIGINT and SIGTERM only set a flag in the parent; the loop then kills
 * (SIGKILL) and reaps every running child and returns.  They stay blocked
 * in the parent except inside ppoll(), so the flag is never missed between
 * a check and the wait, and no write of the output is interrupted.  A child
 * gets the dispositions and the mask the command started with (a command started
 * with SIGINT ignored, as `cmd &` in a script, keeps ignoring it). */
#define _GNU_SOURCE /* ppoll */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/pool.h"

/* How often the progress line is refreshed while nothing finishes. */
#define PROGRESS_TICK_MS 500

typedef struct worker {
    pid_t pid;
    int fd;
    long index;
    char *buf;
    size_t len, cap;
} worker;

static volatile sig_atomic_t got_signal;

static void on_signal(int sig)
{
    got_signal = sig;
}


/* The signal state the command started with, restored in each child. */
typedef struct sig_state {
    struct sigaction old_int, old_term;
    sigset_t old_mask;
} sig_state;

static int start(worker *w, long index, vl_pool_job_fn job, void *ctx, const sig_state *ss,
                 const char *cmd)
{
    int fds[2];
    if (pipe(fds) < 0) {
        vl_cli_fail("%s: pipe: %s", cmd, strerror(errno));
        return -1;
    }
    fflush(NULL); /* the child must not inherit unwritten output */
    pid_t pid = fork();
    if (pid == 0) {
        sigaction(SIGINT, &ss->old_int, NULL);
        sigaction(SIGTERM, &ss->old_term, NULL);
        sigprocmask(SIG_SETMASK, &ss->old_mask, NULL);
        close(fds[0]);
        int rc = job(index, fds[1], ctx);
        close(fds[1]);
        _exit(rc);
    }
    int fork_errno = errno;
    close(fds[1]);
    if (pid < 0) {
        close(fds[0]);
        vl_cli_fail("%s: fork: %s", cmd, strerror(fork_errno));
        return -1;
    }
    *w = (worker){.pid = pid, .fd = fds[0], .index = index};
    return 0;
}

/* Reads what is available; returns 1 at EOF, 0 if more may come, -1 on a
 * read error or out of memory. */
static int drain(worker *w)
{
    for (;;) {
        if (w->cap - w->len < 65536) {
            size_t cap = w->cap ? 2 * w->cap : 65536;
            char *b = realloc(w->buf, cap);
            if (!b)
                return -1;
            w->buf = b;
            w->cap = cap;
        }
        ssize_t r = read(w->fd, w->buf + w->len, w->cap - w->len);
        if (r < 0 && errno == EINTR)
            return 0;
        if (r < 0)
            return -1;
        if (r == 0)
            return 1;
        w->len += (size_t)r;
        if ((size_t)r < 65536)
            return 0; /* poll again rather than block */
    }
}

static int reap(pid_t pid)
{
    int st;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR)
            return -1;
    return st;
}

static void release(worker *w)
{
    if (w->fd >= 0)
        close(w->fd);
    free(w->buf);
    *w = (worker){.pid = 0, .fd = -1};
}

int vl_pool_run(long njobs, int workers, vl_pool_job_fn job, vl_pool_done_fn done, void *ctx,
                   vl_progress *progress, vl_pool_result *res)
{
    *res = (vl_pool_result){.failed = -1};
    worker *ws = calloc((size_t)workers, sizeof *ws);
    struct pollfd *pfd = calloc((size_t)workers, sizeof *pfd);
    int *slot = calloc((size_t)workers, sizeof *slot);
    if (!ws || !pfd || !slot) {
        free(ws);
        free(pfd);
        free(slot);
        vl_cli_fail("out of memory");
        res->failed = 0;
        return -1;
    }
    for (int i = 0; i < workers; i++)
        ws[i].fd = -1;

    sig_state ss;
    struct sigaction sa = {0};
    sa.sa_handler = on_signal;
    sa.sa_flags = SA_RESTART; /* ppoll() returns EINTR regardless */
    sigemptyset(&sa.sa_mask);
    got_signal = 0;
    sigset_t blocked, waiting;
    sigemptyset(&blocked);
    sigaddset(&blocked, SIGINT);
    sigaddset(&blocked, SIGTERM);
    sigprocmask(SIG_BLOCK, &blocked, &ss.old_mask);
    sigaction(SIGINT, NULL, &ss.old_int);
    sigaction(SIGTERM, NULL, &ss.old_term);
    if (ss.old_int.sa_handler != SIG_IGN)
        sigaction(SIGINT, &sa, NULL);
    if (ss.old_term.sa_handler != SIG_IGN)
        sigaction(SIGTERM, &sa, NULL);
    waiting = ss.old_mask;
    sigdelset(&waiting, SIGINT);
    sigdelset(&waiting, SIGTERM);

    long next = 0;
    int running = 0, stop = 0;
    for (;;) {
        while (!stop && !got_signal && running < workers && next < njobs) {
            int i = 0;
            while (ws[i].pid)
                i++;
            if (start(&ws[i], next, job, ctx, &ss, progress->what) < 0) {
                res->failed = next;
                stop = 1;
                break;
            }
            next++;
            running++;
        }
        if (got_signal || running == 0)
            break;
        int n = 0;
        for (int i = 0; i < workers; i++)
            if (ws[i].pid) {
                pfd[n] = (struct pollfd){.fd = ws[i].fd, .events = POLLIN};
                slot[n++] = i;
            }
        struct timespec tick = {0, PROGRESS_TICK_MS * 1000000L};
        int pr = ppoll(pfd, (nfds_t)n, progress->enabled ? &tick : NULL, &waiting);
        if (pr < 0 && errno != EINTR) {
            vl_cli_fail("%s: ppoll: %s", progress->what, strerror(errno));
            res->failed = ws[slot[0]].index;
            break;
        }
        for (int k = 0; pr > 0 && k < n && !got_signal; k++) {
            if (!pfd[k].revents)
                continue;
            worker *w = &ws[slot[k]];
            int d = drain(w);
            if (d == 0)
                continue;
            if (d < 0)
                kill(w->pid, SIGKILL); /* it might block on a full pipe */
            int st = reap(w->pid);
            running--;
            w->pid = 0;
            if (got_signal) { /* the child may have died of the same SIGINT */
                release(w);
                break;
            }
            int ok = d == 1 && st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0;
            if (ok && done(w->index, w->buf, w->len, ctx) == 0) {
                res->finished++;
                vl_progress_update(progress, res->finished);
            } else {
                if (!ok && st >= 0 && WIFSIGNALED(st))
                    vl_cli_fail("%s: run %ld: its worker was killed by signal %d",
                                progress->what, w->index, WTERMSIG(st));
                if (res->failed < 0 || w->index < res->failed) {
                    res->failed = w->index;
                    res->status = !ok && st >= 0 && WIFEXITED(st) ? WEXITSTATUS(st) : 0;
                }
                stop = 1;
            }
            release(w);
        }
        if (pr == 0)
            vl_progress_update(progress, res->finished);
    }
    /* interrupted (or a failure left some running): kill and reap the rest */
    for (int i = 0; i < workers; i++)
        if (ws[i].pid) {
            kill(ws[i].pid, SIGKILL);
            reap(ws[i].pid);
            release(&ws[i]);
        }
    /* a signal that came after the last wait still counts */
    struct timespec zero = {0, 0};
    int late = sigtimedwait(&blocked, NULL, &zero);
    res->signo = got_signal ? (int)got_signal : late > 0 ? late : 0;
    sigaction(SIGINT, &ss.old_int, NULL);
    sigaction(SIGTERM, &ss.old_term, NULL);
    sigprocmask(SIG_SETMASK, &ss.old_mask, NULL);
    free(ws);
    free(pfd);
    free(slot);
    return res->finished == njobs ? 0 : -1;
}
