/* cli/common.c - outputs, error printing, options shared by subcommands. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "report/report.h"

/* Option ids shared with the subcommands' getopt tables. */
#include "cli/options.h"

vl_output *vl_cli_output(vl_outputs *set, const char *what, const char *path)
{
    vl_error err;
    vl_output *o = vl_outputs_add(set, what, path, &err);
    if (!o)
        vl_cli_error(&err);
    return o;
}

vl_output *vl_cli_sole_output(vl_outputs *set, const char *what, const char *path, int *status)
{
    vl_outputs_init(set);
    vl_output *o = *status == VL_EXIT_OK ? vl_cli_output(set, what, path) : NULL;
    if (*status == VL_EXIT_OK && !o)
        *status = VL_EXIT_USAGE;
    return o;
}

int vl_cli_commit(vl_outputs *set)
{
    vl_error err;
    if (vl_outputs_commit(set, &err) < 0) {
        vl_cli_error(&err);
        return -1;
    }
    return 0;
}

int vl_cli_head_begin(vl_cli_head *h, const char *const *sets, int nsets)
{
    *h = (vl_cli_head){0};
    if (!(h->f = open_memstream(&h->text, &h->len)))
        return -1;
    vl_report_csv_head(h->f, sets, nsets);
    return 0;
}

int vl_cli_head_end(vl_cli_head *h)
{
    int rc = h->f && (ferror(h->f) | fclose(h->f)) ? -1 : 0;
    h->f = NULL;
    if (rc < 0 || !h->text) {
        vl_cli_fail("out of memory");
        return -1;
    }
    return 0;
}

void vl_cli_head_write(const vl_cli_head *h, FILE *out)
{
    fwrite(h->text, 1, h->len, out);
}

void vl_cli_head_free(vl_cli_head *h)
{
    if (h->f)
        fclose(h->f);
    free(h->text);
    *h = (vl_cli_head){0};
}

int vl_cli_count(const char *opt, const char *arg, long max, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(arg, &end, 10);
    if (!*arg || *end || errno || v < 1 || v > max) {
        vl_cli_fail("%s %s: expected an integer in 1..%ld", opt, arg, max);
        return -1;
    }
    *out = v;
    return 0;
}

long vl_cli_default_jobs(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > VL_CLI_MAX_JOBS ? VL_CLI_MAX_JOBS : n;
}

void vl_cli_put_quoted(FILE *f, const char *s, char quote)
{
    fputc(quote, f);
    for (; *s; s++) {
        if (*s == quote)
            fputc(quote, f);
        fputc(*s, f);
    }
    fputc(quote, f);
}

const char *vl_cli_extension(const char *path)
{
    const char *slash = strrchr(path, '/');
    const char *dot = strrchr(slash ? slash + 1 : path, '.');
    return dot ? dot + 1 : "";
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

void vl_cli_warn_unmet(const vl_scenario *scn, const vl_sched_ops *ops)
{
    static const vl_sched_ops *warned[32];
    static int nwarned;
    if (!(ops->flags & VL_POLICY_WANTS_CR3_EXITS) || scn->host.cr3_exiting)
        return;
    for (int i = 0; i < nwarned; i++)
        if (warned[i] == ops)
            return;
    if (nwarned < 32)
        warned[nwarned++] = ops;
    fprintf(stderr,
            "vcpulab: warning: policy '%s' infers guest tasks from CR3 loads, but the host has "
            "no CR3 exits: it sees none (set host.cr3_exiting: true, or --set "
            "host.cr3_exiting=true)\n",
            ops->name);
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
    case OPT_DURATION: {
        int rc = vl_duration_parse(arg, 0, &c->duration);
        if (rc == VL_DURATION_TOO_LONG || (rc == 0 && (c->duration < 1 || c->duration > VL_RUN_MAX))) {
            char hi[32];
            vl_duration_format(VL_RUN_MAX, hi, sizeof hi);
            vl_cli_fail("--duration %s: must be in 1ns..%s (the range of run.duration)", arg, hi);
            return -1;
        }
        if (rc < 0) {
            vl_cli_fail("--duration %s: expected a duration like 10s or 500ms (digits, an "
                        "optional fraction, a unit: ns, us, ms, s)", arg);
            return -1;
        }
        return 1;
    }
    default:
        return 0;
    }
}

int vl_cli_check_seeds(uint64_t first, long n, const char *cmd)
{
    if (n > 1 && first > UINT64_MAX - (uint64_t)(n - 1)) {
        vl_cli_fail("%s: %ld seeds from %llu pass the largest seed, %llu (seeds do not wrap)",
                    cmd, n, (unsigned long long)first, (unsigned long long)UINT64_MAX);
        return -1;
    }
    return 0;
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
