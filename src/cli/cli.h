/* cli/cli.h - the vcpulab command line: shared helpers of the subcommands.
 * Exit status: 0 success, 1 the run failed (a policy violation, a budget),
 * 2 bad usage or bad input (nothing is written then). */
#ifndef VL_CLI_H
#define VL_CLI_H

#include <stdio.h>

#include "vcpulab/scenario.h"
#include "vl_output.h"

#define VL_EXIT_OK 0
#define VL_EXIT_RUN 1
#define VL_EXIT_USAGE 2

/* Adds an output to the set (vl_output.h: staged, committed together,
 * never replacing a device, a FIFO or a link); prints the error and
 * returns NULL if the path is refused. */
vl_output *vl_cli_output(vl_outputs *set, const char *what, const char *path);
/* A command with one output: starts the set and, while *status is
 * VL_EXIT_OK, adds it (a refused path makes *status VL_EXIT_USAGE); the
 * output, or NULL. */
vl_output *vl_cli_sole_output(vl_outputs *set, const char *what, const char *path, int *status);
/* Commits the set; prints the error and returns -1 on failure (nothing of
 * the set is then written). */
int vl_cli_commit(vl_outputs *set);

/* The comment lines that open every CSV of a command (report.h:
 * vl_report_csv_head, then one vl_report_config_line per configuration
 * written into ->f), gathered in memory and copied into each CSV. */
typedef struct vl_cli_head {
    FILE *f;    /* open between begin and end                */
    char *text; /* after end: the lines                      */
    size_t len;
} vl_cli_head;

/* Starts the lines with the version, the commit and the --set overrides
 * (-1 when out of memory: then ->f is NULL and vl_cli_head_end fails). */
int vl_cli_head_begin(vl_cli_head *h, const char *const *sets, int nsets);
/* Ends the lines; prints the error and returns -1 when out of memory. */
int vl_cli_head_end(vl_cli_head *h);
void vl_cli_head_write(const vl_cli_head *h, FILE *out);
void vl_cli_head_free(vl_cli_head *h);

/* s between two `quote` characters, each quote in it doubled (a CSV field,
 * a gnuplot string). */
void vl_cli_put_quoted(FILE *f, const char *s, char quote);
/* What follows the last '.' of path's last component ("png"), or "". */
const char *vl_cli_extension(const char *path);

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
/* Seeds first .. first + n - 1 must exist (they would wrap to 0 and
 * repeat a sample); prints the error ("CMD: ...") and returns -1. */
int vl_cli_check_seeds(uint64_t first, long n, const char *cmd);
/* An integer option in 1..max ("--seeds 3"); prints the error ("OPT ARG:
 * expected an integer in 1..MAX") and returns -1. */
int vl_cli_count(const char *opt, const char *arg, long max, long *out);
/* The most worker processes -j takes, and its default: the online CPUs. */
#define VL_CLI_MAX_JOBS 1024
long vl_cli_default_jobs(void);
/* Splits "A,B,..." (modified in place) into at most max policies; prints
 * the error ("CMD: ...") and returns -1 on an unknown or missing one. */
int vl_cli_policies(char *list, const vl_sched_ops **ops, int max, int *n, const char *cmd);
/* Warns (once per policy and process) when the host of scn lacks what ops
 * relies on (VL_POLICY_WANTS_CR3_EXITS without host.cr3_exiting). */
void vl_cli_warn_unmet(const vl_scenario *scn, const vl_sched_ops *ops);

int vl_cmd_run(int argc, char **argv);
int vl_cmd_compare(int argc, char **argv);
int vl_cmd_list(int argc, char **argv);
int vl_cmd_describe(int argc, char **argv);
int vl_cmd_validate(int argc, char **argv);
int vl_cmd_sweep(int argc, char **argv);
int vl_cmd_merge(int argc, char **argv);
int vl_cmd_plot(int argc, char **argv);
int vl_cmd_import_rtapp(int argc, char **argv);

#endif
