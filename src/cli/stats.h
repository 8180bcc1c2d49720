/* cli/stats.h - mean and 95% confidence interval over seeds (Student t). */
#ifndef VL_CLI_STATS_H
#define VL_CLI_STATS_H

/* Mean of x[0..n); *half = half-width of the 95% CI of the mean (0 when
 * n < 2). */
double vl_mean_ci95(const double *x, int n, double *half);

#endif
