/* report/report.h - what a finished run measured, as a JSON document
 * (docs/output-format.md), a long-format CSV, a human table, and a flat
 * list of named metrics (for compare and sweeps).  The report reads
 * everything; nothing below it reads the report. */
#ifndef VL_REPORT_H
#define VL_REPORT_H

#include <stdio.h>

#include "model/model.h"

typedef struct vl_metric {
    char name[160];
    double value;
} vl_metric;

typedef struct vl_metrics {
    vl_metric *v;
    int n, cap;
} vl_metrics;

/* Appends the run's headline metrics: per VM share / entitled share /
 * cpu / wait; the fairness index (vl_fairness); per workload work,
 * bursts, wake latency and response percentiles; policy counters. Names
 * are stable ("vm.web.share"). */
int vl_metrics_collect(const vl_model *m, vl_metrics *out);
/* Every metric name the model can produce (values 0): those of
 * vl_metrics_collect whatever happens in the run - a lock taken, requests
 * completed, packets received (network workloads only) - for a model
 * created, not necessarily run (network figures for every workload that
 * does I/O).  A run produces a subset of these. */
int vl_metrics_names(const vl_model *m, vl_metrics *out);
/* Appends a metric (its name formatted); -1 when out of memory. */
int vl_metrics_add(vl_metrics *ms, double value, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void vl_metrics_free(vl_metrics *ms);
const vl_metric *vl_metrics_find(const vl_metrics *ms, const char *name);

/* Fraction of the host each VM is entitled to, in out[0..nvms): weighted
 * max-min fair share of the pCPUs, each VM demanding the time its vCPUs
 * were running or runnable in the window (bounded by its cap).  Returns 0,
 * or -1 when memory runs out. */
int vl_entitled_shares(const vl_model *m, double *out);
/* The same in an array the caller frees; memory running out ends the
 * process (vl_oom.h). */
double *vl_entitled_shares_or_exit(const vl_model *m);
/* Time VM d's vCPUs spent in runstate st over the measurement window. */
vl_ns vl_vm_time(const vl_model *m, int d, vl_runstate st);
/* Pause-loop exits of VM d's vCPUs. */
uint64_t vl_vm_ple_exits(const vl_model *m, int d);

/* Jain's fairness index of x[0..n), n >= 1 (Jain, Chiu and Hawe, DEC-TR-301,
 * 1984): (sum x)^2 / (n * sum x^2), in [1/n, 1]; 1 when every x is equal
 * (all zero included). */
double vl_jain_index(const double *x, int n);

/* Fairness of the CPU allocation between the VMs: Jain's index of each
 * VM's share / entitled_share, over the VMs entitled to something (the
 * host VM of I/O backends left out), and the smallest of these fractions,
 * that of the worst-treated VM (its index in *worst_vm, which may be
 * NULL).  Returns the number of VMs counted (-1 if out of memory); sets
 * the outputs only when that is at least 2. */
int vl_fairness(const vl_model *m, double *jain, double *min_fraction, int *worst_vm);

/* Network measures of a workload over the window (report/network.c):
 * payload the application read per second, in Mbit/s; the fraction of
 * datagrams lost (sequence gaps over those expected). */
double vl_net_throughput_mbps(const vl_model *m, const vl_wstats *s);
double vl_net_loss(const vl_wstats *s);
/* The RFC 3550 jitter estimate averaged over the datagrams read (iperf
 * reports its last value; the mean does not depend on where the run ends). */
double vl_net_jitter_mean(const vl_wstats *s);

void vl_report_json(const vl_model *m, FILE *f);
/* The commit the binary was built from ("git describe", "-dirty" when the
 * tree had changes; "unknown" outside a checkout). */
const char *vl_build_commit(void);
struct vl_json;
/* A parameter table's values in blob as a JSON object (TIME in ns, ENUM
 * by name, DIST as {dist, mean_ns, ...}). */
void vl_report_params(struct vl_json *j, const vl_param *table, const void *blob);
/* The "config" member: the scenario as it ran (after --set, defaults
 * filled in), the policy's parameters in force, the seed. */
void vl_report_config(struct vl_json *j, const vl_model *m);
/* The comment lines that open every CSV (docs/output-format.md,
 * "Provenance"), which CSV readers skip (pandas.read_csv(comment='#'),
 * gnuplot): "# vcpulab: VERSION", "# commit: COMMIT", "# sets: [...]"
 * (the --set overrides as given, a JSON array). */
void vl_report_csv_head(FILE *f, const char *const *sets, int nsets);
/* "# config: {...}": the configuration of the runs of model m and its
 * next nseeds - 1 seeds, one line of JSON: {"sched", "grid" (the sweep's
 * grid values, when ngrid > 0), "first_seed", "seeds", "config" (as in
 * run --json: every value in force)}.  m must have started
 * (vl_model_start) for the policy's values to be those in force. */
void vl_report_config_line(FILE *f, const vl_model *m, const char *const *keys,
                           const char *const *values, int ngrid, long nseeds);
/* The same object as one compact JSON text (malloc'ed, no newline), for
 * the "configs" of compare --json and the "config" of each sweep --json
 * run; NULL when out of memory. */
char *vl_report_config_json(const vl_model *m, const char *const *keys,
                            const char *const *values, int ngrid, long nseeds);
/* The header rows of the metrics CSV and of the CDF CSV (a sweep adds a
 * column per grid key). */
#define VL_CSV_COLUMNS "scenario,sched,seed,metric,value"
#define VL_CDF_COLUMNS "scenario,sched,seed,distribution,value_ns,cdf"
/* VL_CSV_COLUMNS and the run's metrics, one row each. */
void vl_report_csv(const vl_model *m, FILE *f);
void vl_report_text(const vl_model *m, FILE *f);
/* Every latency distribution as CDF points, one row per non-empty
 * histogram bucket (cdf in (0, 1]), in VL_CDF_COLUMNS; each row ends with
 * `tail` (a sweep's grid columns, ",10ms"; "" elsewhere).  No header. */
void vl_report_cdf(const vl_model *m, FILE *f, const char *tail);

#endif
