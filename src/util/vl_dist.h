/* vl_dist.h - probability distributions for workload parameters.
 *
 * Samples are doubles in the distribution's own unit (the caller decides:
 * workload durations are nanoseconds).  Parameters:
 *   CONST        a = value
 *   UNIFORM      a = min, b = max                      (min <= max)
 *   EXPONENTIAL  a = mean                              (mean > 0)
 *   LOGNORMAL    a = mean, b = standard deviation of the samples themselves
 *                (not of the underlying normal)        (mean > 0, sd >= 0)
 *   PARETO       a = scale x_m (minimum), b = shape alpha (> 0)
 *   EMPIRICAL    points: values[n] with cumulative probabilities cdf[n]
 *                (strictly increasing, last == 1); a sample is values[i] for
 *                the first i with u < cdf[i] (a discrete empirical
 *                distribution).
 *
 * A distribution is small (32 bytes) and copied by value: an empirical one
 * points at its points, which it does not own.  Whoever fills it keeps the
 * points alive while any copy is used (the scenario loader allocates them
 * with the workload's parameters and frees them with the scenario, which
 * outlives every model built from it).
 */
#ifndef VL_DIST_H
#define VL_DIST_H

#include <stddef.h>

#include "vl_rng.h"

typedef enum vl_dist_kind {
    VL_DIST_CONST = 0,
    VL_DIST_UNIFORM,
    VL_DIST_EXPONENTIAL,
    VL_DIST_LOGNORMAL,
    VL_DIST_PARETO,
    VL_DIST_EMPIRICAL,
} vl_dist_kind;

#define VL_DIST_MAX_POINTS 64

typedef struct vl_dist_points {
    size_t n;
    double values[VL_DIST_MAX_POINTS];
    double cdf[VL_DIST_MAX_POINTS];
} vl_dist_points;

typedef struct vl_dist {
    vl_dist_kind kind;
    double a, b;
    const vl_dist_points *points; /* EMPIRICAL only (not owned); else NULL */
} vl_dist;

/* Name as written in scenarios: "constant", "uniform", "exponential",
 * "lognormal", "pareto", "empirical".  Returns -1 for an unknown name. */
int vl_dist_kind_parse(const char *name, vl_dist_kind *out);
const char *vl_dist_kind_name(vl_dist_kind k);

/* Checks the parameters; on error writes a message to msg and returns -1. */
int vl_dist_check(const vl_dist *d, char *msg, size_t len);

double vl_dist_sample(const vl_dist *d, vl_rng *r);
/* Analytic mean (Pareto with alpha <= 1: INFINITY). */
double vl_dist_mean(const vl_dist *d);

static inline vl_dist vl_dist_const(double v)
{
    vl_dist d = {0};
    d.kind = VL_DIST_CONST;
    d.a = v;
    return d;
}

static inline vl_dist vl_dist_uniform(double lo, double hi)
{
    vl_dist d = vl_dist_const(lo);
    d.kind = VL_DIST_UNIFORM;
    d.b = hi;
    return d;
}

static inline vl_dist vl_dist_exponential(double mean)
{
    vl_dist d = vl_dist_const(mean);
    d.kind = VL_DIST_EXPONENTIAL;
    return d;
}

/* Log-normal by mean and coefficient of variation (sd = cv * mean), the
 * way docs/workloads-calibration.md writes LN(m, cv). */
static inline vl_dist vl_dist_lognormal_cv(double mean, double cv)
{
    vl_dist d = vl_dist_const(mean);
    d.kind = VL_DIST_LOGNORMAL;
    d.b = mean * cv;
    return d;
}

#endif
