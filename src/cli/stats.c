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
    double t = n - 1 <= 30 ? t95[n - 1] : 1.960;
    *half = t * sd / sqrt((double)n);
    return mean;
}
