/* cli/common.c - outputs, error printing, options shared by subcommands. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "vl_oom.h"

/* Option ids shared with the subcommands' getopt tables. */
#include "cli/options.h"

/* The output files being written, so that a run that runs out of memory
 * (vl_out_of_memory) leaves none behind.  Each remembers the process that
 * opened it: a sweep's workers (forked) must not remove their parent's. */
#define OPEN_MAX 16
static vl_outfile *open_files[OPEN_MAX];
static pid_t open_by[OPEN_MAX];

static void unfinished_away(void)
{
    for (int i = 0; i < OPEN_MAX; i++)
        if (open_files[i] && open_by[i] == getpid())
            unlink(open_files[i]->tmp);
}

static void track(vl_outfile *o, bool open)
{
    for (int i = 0; i < OPEN_MAX; i++) {
        if (open && !open_files[i]) {
            open_files[i] = o;
            open_by[i] = getpid();
            vl_on_out_of_memory(unfinished_away);
            return;
        }
        if (!open && open_files[i] == o) {
            open_files[i] = NULL;
            return;
        }
    }
}

int vl_outfile_open(vl_outfile *o, const char *path)
{
    memset(o, 0, sizeof *o);
    snprintf(o->path, sizeof o->path, "%s", path);
    if (strcmp(path, "-") == 0) {
        o->f = stdout;
        o->is_stdout = 1;
        return 0;
    }
    snprintf(o->tmp, sizeof o->tmp, "%s.tmp.XXXXXX", path);
    int fd = mkstemp(o->tmp);
    if (fd < 0) {
        vl_cli_fail("%s: cannot create: %s", path, strerror(errno));
        return -1;
    }
    /* mkstemp() creates 0600; give the file the mode a plain open() would */
    mode_t um = umask(0);
    umask(um);
    fchmod(fd, 0666 & ~um);
    o->f = fdopen(fd, "w");
    if (!o->f) {
        close(fd);
        unlink(o->tmp);
        vl_cli_fail("%s: cannot open: %s", path, strerror(errno));
        return -1;
    }
    track(o, true);
    return 0;
}

int vl_outfile_commit(vl_outfile *o)
{
    if (!o->f)
        return 0;
    if (o->is_stdout) {
        fflush(stdout);
        o->f = NULL;
        return 0;
    }
    track(o, false);
    int bad = ferror(o->f);
    bad |= fclose(o->f) != 0;
    o->f = NULL;
    if (bad || rename(o->tmp, o->path) != 0) {
        vl_cli_fail("%s: cannot write: %s", o->path, strerror(errno));
        unlink(o->tmp);
        return -1;
    }
    return 0;
}

void vl_outfile_abort(vl_outfile *o)
{
    if (!o->f)
        return;
    if (!o->is_stdout) {
        track(o, false);
        fclose(o->f);
        unlink(o->tmp);
    }
    o->f = NULL;
}

void vl_cli_error(const vl_error *err)
{
    char buf[1024];
    vl_error_format(err, buf, sizeof buf);
    fprintf(stderr, "vcpulab: %s\n", buf);
}

void vl_cli_fail(const char *fmt, ...)
{
    va_list ap;
    fputs("vcpulab: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

void vl_cli_policy_state(const char *policy_state)
{
    if (policy_state)
        fprintf(stderr, "vcpulab: the policy's state at the failure:\n%s", policy_state);
}

const vl_sched_ops *vl_cli_policy(const char *name)
{
    const vl_sched_ops *ops = vl_policy_find(name);
    if (!ops) {
        char known[512] = "";
        for (int i = 0; i < vl_policy_count(); i++) {
            strncat(known, i ? ", " : "", sizeof known - strlen(known) - 1);
            strncat(known, vl_policy_at(i)->name, sizeof known - strlen(known) - 1);
        }
        vl_cli_fail("unknown policy '%s' (known: %s)", name, known);
    }
    return ops;
}

int vl_cli_policies(char *list, const vl_sched_ops **ops, int max, int *n, const char *cmd)
{
    *n = 0;
    for (char *tok = strtok(list, ","); tok; tok = strtok(NULL, ",")) {
        if (*n == max) {
            vl_cli_fail("%s: at most %d policies", cmd, max);
            return -1;
        }
        if (!(ops[(*n)++] = vl_cli_policy(tok)))
            return -1;
    }
    if (*n == 0) {
        vl_cli_fail("%s: --sched needs at least one policy", cmd);
        return -1;
    }
    return 0;
}

int vl_cli_common_opt(vl_cli_common *c, int opt, const char *arg)
{
    char *end;
    switch (opt) {
    case OPT_SET:
        if (!strchr(arg, '=')) {
            vl_cli_fail("--set %s: expected KEY=VALUE", arg);
            return -1;
        }
        if (c->nsets == (int)(sizeof c->sets / sizeof c->sets[0])) {
            vl_cli_fail("too many --set options");
            return -1;
        }
        c->sets[c->nsets++] = arg;
        return 1;
    case OPT_SCHED:
        c->sched = arg;
        return 1;
    case OPT_SEED:
        errno = 0;
        c->seed = strtoull(arg, &end, 10);
        if (errno || *end || !*arg || arg[0] == '-') {
            vl_cli_fail("--seed %s: expected an unsigned integer", arg);
            return -1;
        }
        c->seed_given = 1;
        return 1;
    case OPT_DURATION:
        if (vl_duration_parse(arg, 0, &c->duration) < 0 || c->duration <= 0) {
            vl_cli_fail("--duration %s: expected a positive duration like 10s or 500ms", arg);
            return -1;
        }
        return 1;
    default:
        return 0;
    }
}

int vl_cli_load(const char *path, vl_cli_common *c, vl_scenario *scn)
{
    vl_error err;
    if (vl_scenario_load(path, c->sets, c->nsets, scn, &err) < 0) {
        vl_cli_error(&err);
        return -1;
    }
    return vl_cli_apply(c, scn);
}

int vl_cli_apply(const vl_cli_common *c, vl_scenario *scn)
{
    if (c->seed_given)
        scn->seed = c->seed;
    if (c->duration > 0) {
        if (scn->warmup >= c->duration) {
            char d[32], w[32];
            vl_duration_format(c->duration, d, sizeof d);
            vl_duration_format(scn->warmup, w, sizeof w);
            vl_cli_fail("--duration %s is not longer than the scenario's warm-up (run.warmup: %s)",
                        d, w);
            vl_scenario_free(scn);
            return -1;
        }
        scn->duration = c->duration;
    }
    return 0;
}
