/* cli/stats.h - mean and 95% confidence interval over seeds (Student t),
 * of numbers and of a metric over runs (compare's summary, sweep --summary). */
#ifndef VL_CLI_STATS_H
#define VL_CLI_STATS_H

#include "report/report.h"

/* Mean of x[0..n); *half = half-width of the 95% CI of the mean (0 when
 * n < 2). */
double vl_mean_ci95(const double *x, int n, double *half);

/* The same for metric `name` over the runs runs[0..nruns) that have it:
 * their count in *n (0 when none has it); x: room for nruns values. */
double vl_metrics_mean_ci95(const vl_metrics *runs, int nruns, const char *name, double *x,
                            double *half, int *n);

#endif
