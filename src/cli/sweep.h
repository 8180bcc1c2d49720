/* cli/sweep.h - the parts of `vcpulab sweep`: the parameter grid
 * (sweep_grid.c), shards (sweep_shard.c) and the summary (sweep_summary.c);
 * the worker processes are cli/pool.h, the plot cli/plot_data.h. */
#ifndef VL_CLI_SWEEP_H
#define VL_CLI_SWEEP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cli/cli.h"
#include "report/report.h"
#include "vl_error.h"
#include "vl_json.h"
#include "vl_output.h"

/* ---- the grid: --grid KEY=V1,V2,... -------------------------------------- */

#define SWEEP_MAX_KEYS 16
/* Upper bound on the runs of one sweep (grid points x policies x seeds). */
#define SWEEP_MAX_RUNS 10000000L

typedef struct sweep_key {
    const char *arg; /* the --grid argument as given                    */
    char *key;       /* KEY: a --set path                               */
    char **values;   /* the values, in the order given                  */
    int *cols;       /* 1-based column of each value in arg             */
    int nvalues;
} sweep_key;

typedef struct sweep_grid {
    sweep_key keys[SWEEP_MAX_KEYS];
    int nkeys;
} sweep_grid;

/* Adds one --grid argument.  Values are separated by commas outside
 * brackets, braces and quotes, so a YAML flow value ([0, 1], {dist: ...})
 * is one value.  Prints the error and returns -1 on bad syntax, a repeated
 * key, or an empty value. */
int sweep_grid_add(sweep_grid *g, const char *arg);
void sweep_grid_free(sweep_grid *g);
/* Grid points: the product of the keys' value counts (1 with no keys);
 * -1 when it exceeds SWEEP_MAX_RUNS. */
long sweep_grid_points(const sweep_grid *g);
/* Index of key k's value at grid point p (the first key varies slowest). */
int sweep_grid_value(const sweep_grid *g, long p, int k);
/* Writes "KEY=VALUE" for key k at point p into buf (malloc'ed); NULL when
 * out of memory. */
char *sweep_grid_set(const sweep_grid *g, long p, int k);
/* An error located in the k-th grid override ("--set:N:COL" with the
 * override built from key k at point p) is moved to the --grid argument it
 * came from: "--grid:K:COL" with COL a column of that argument. */
void sweep_grid_locate(const sweep_grid *g, long p, int k, vl_error *err);
/* A grid value as a number in base units: a duration in ns ("10ms":
 * 1e7), a plain decimal number as itself; false for anything else (a
 * name, a boolean, a YAML flow value). */
bool sweep_grid_number(const char *text, double *out);
/* A CSV field, quoted when it holds a comma or a quote (RFC 4180), or a
 * '#' (readers that skip comments end a line at an unquoted one). */
void sweep_csv_field(FILE *f, const char *s);

/* ---- shards: --shard K/N, --resume (sweep_shard.c) ---------------------- */

typedef struct sweep_shard {
    long k, n;     /* shard k of n, 1-based; n == 0: the whole sweep */
    char text[48]; /* "K/N", the marker's value */
} sweep_shard;

/* How a shard's --json and --summary JSON end (nothing else in them ends
 * so: the closing brackets at the top level). */
#define SWEEP_RUNS_JSON_TAIL "\n]\n"
#define SWEEP_SUMMARY_JSON_TAIL "\n  ]\n}\n"

/* Parses "K/N" (1 <= K <= N <= SWEEP_MAX_RUNS); prints the error, -1. */
int sweep_shard_parse(const char *arg, sweep_shard *s);
/* The configurations (grid point x policy) of shard s among ngroups:
 * first .. end-1, contiguous, the shards' sizes within one of each other. */
void sweep_shard_range(const sweep_shard *s, long ngroups, long *first, long *end);
/* The last line of a complete shard's CSVs: "# end: shard K/N\n". */
void sweep_shard_footer(const sweep_shard *s, char *buf, size_t len);
/* A whole file, NUL-terminated (malloc'ed, length in *len); NULL when it
 * cannot be read (errno set) or memory runs out. */
char *sweep_read_file(const char *path, size_t *len);
/* Whether the file at path is this shard's complete output (see the file's
 * comment): a CSV (--csv, --cdf, --summary FILE.csv) or a --summary JSON
 * that starts with what this sweep writes first (head, len: its
 * provenance lines with the marker, and its header), or a --json whose
 * runs are first .. end-1 in order, each with the marker and the config
 * config_of(run, ctx) gives. */
bool sweep_shard_csv_done(const char *path, const char *head, size_t len, const sweep_shard *s);
bool sweep_shard_summary_json_done(const char *path, const char *head, size_t len);
bool sweep_shard_runs_json_done(const char *path, const sweep_shard *s, long first, long end,
                                const char *(*config_of)(long run, void *ctx), void *ctx);

/* ---- the summary: --summary FILE ----------------------------------------- */

typedef struct sweep_summary {
    FILE *f;               /* the staged output                          */
    bool json;             /* FILE.json; CSV otherwise                   */
    const sweep_grid *grid;
    vl_json j;
} sweep_summary;

/* FILE.csv or "-" is CSV, FILE.json JSON (*json); anything else is an error
 * (printed; -1). */
int sweep_summary_check(const char *path, bool *json);
/* The CSV's provenance lines (head) and header, or the JSON's opening
 * (with a "shard" key when shard is not NULL). */
void sweep_summary_begin(sweep_summary *s, const sweep_grid *grid, const vl_cli_head *head,
                         const char *file, const char *const *sets, int nsets, long nseeds,
                         const char *shard);
/* The summary of one grid point and policy over its seeds' runs[0..nseeds)
 * (a run that did not finish has no metrics).  -1 when out of memory. */
int sweep_summary_group(sweep_summary *s, long point, const char *scenario, const char *sched,
                        uint64_t first_seed, const vl_metrics *runs, int nseeds);
/* Closes the JSON. */
void sweep_summary_end(sweep_summary *s);

#endif
