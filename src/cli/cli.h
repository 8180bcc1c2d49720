/* cli/cli.h - the vcpulab command line: shared helpers of the subcommands.
 * Exit status: 0 success, 1 the run failed (a policy violation, a budget),
 * 2 bad usage or bad input (nothing is written then). */
#ifndef VL_CLI_H
#define VL_CLI_H

#include <stdio.h>

#include "vcpulab/scenario.h"

#define VL_EXIT_OK 0
#define VL_EXIT_RUN 1
#define VL_EXIT_USAGE 2

/* An output written to a temporary file and renamed on commit, so that a
 * failed run leaves nothing behind; "-" is standard output. */
typedef struct vl_outfile {
    char path[512];
    char tmp[560];
    FILE *f;
    int is_stdout;
} vl_outfile;

int vl_outfile_open(vl_outfile *o, const char *path);
int vl_outfile_commit(vl_outfile *o);
void vl_outfile_abort(vl_outfile *o);

/* Prints "vcpulab: <formatted error>" on stderr. */
void vl_cli_error(const vl_error *err);
void vl_cli_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* After a failed run's message: the policy's state at the failure (its
 * dump, vl_model.policy_state) on stderr, if there is one. */
void vl_cli_policy_state(const char *policy_state);

/* Options shared by run, compare and validate: --set, --sched, --seed,
 * --duration.  Collected here and applied by vl_cli_load(). */
typedef struct vl_cli_common {
    const char *sets[256];
    int nsets;
    const char *sched;    /* single policy (run)                    */
    unsigned long long seed;
    int seed_given;
    vl_ns duration;
} vl_cli_common;

/* Handles a shared option (returns 1 if it was one, 0 if not, -1 bad). */
int vl_cli_common_opt(vl_cli_common *c, int opt, const char *arg);
int vl_cli_load(const char *path, vl_cli_common *c, vl_scenario *scn);
/* The part of vl_cli_load() after loading: --seed and --duration (prints
 * the error and frees scn when the duration is not longer than the warm-up). */
int vl_cli_apply(const vl_cli_common *c, vl_scenario *scn);
const vl_sched_ops *vl_cli_policy(const char *name);
/* Splits "A,B,..." (modified in place) into at most max policies; prints
 * the error ("CMD: ...") and returns -1 on an unknown or missing one. */
int vl_cli_policies(char *list, const vl_sched_ops **ops, int max, int *n, const char *cmd);

int vl_cmd_run(int argc, char **argv);
int vl_cmd_compare(int argc, char **argv);
int vl_cmd_list(int argc, char **argv);
int vl_cmd_describe(int argc, char **argv);
int vl_cmd_validate(int argc, char **argv);
int vl_cmd_sweep(int argc, char **argv);

#endif
