/* cli/stats.c - mean and 95% confidence interval over seeds. */
#include "cli/stats.h"

#include <math.h>

/* Two-sided 95% Student-t critical values for 1..30 degrees of freedom
 * (any statistics table, e.g. NIST/SEMATECH e-Handbook, table 1.3.6.7.2). */
static const double t95[31] = {
    0,      12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
    2.201,  2.179,  2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080,
    2.074,  2.069,  2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
};

/* Beyond 30 degrees of freedom: the Cornish-Fisher expansion of the t
 * quantile around the normal one, z = 1.959964 (Abramowitz and Stegun
 * 26.7.5, four terms); within 1e-4 of the tables from 30 up (40: 2.0211,
 * 60: 2.0003, 120: 1.9799), where 1.96 was 3% short at 40. */
static double t95_large(int df)
{
    const double z = 1.959963984540054, v = df;
    const double z3 = z * z * z, z5 = z3 * z * z, z7 = z5 * z * z;
    return z + (z3 + z) / (4 * v) + (5 * z5 + 16 * z3 + 3 * z) / (96 * v * v) +
           (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / (384 * v * v * v);
}

double vl_mean_ci95(const double *x, int n, double *half)
{
    double mean = 0, ss = 0;
    *half = 0;
    if (n <= 0)
        return 0;
    for (int i = 0; i < n; i++)
        mean += x[i];
    mean /= n;
    if (n < 2)
        return mean;
    for (int i = 0; i < n; i++)
        ss += (x[i] - mean) * (x[i] - mean);
    double sd = sqrt(ss / (n - 1));
    double t = n - 1 <= 30 ? t95[n - 1] : t95_large(n - 1);
    *half = t * sd / sqrt((double)n);
    return mean;
}

double vl_metrics_mean_ci95(const vl_metrics *runs, int nruns, const char *name, double *x,
                            double *half, int *n)
{
    *n = 0;
    for (int r = 0; r < nruns; r++) {
        const vl_metric *m = vl_metrics_find(&runs[r], name);
        if (m)
            x[(*n)++] = m->value;
    }
    return vl_mean_ci95(x, *n, half);
}
