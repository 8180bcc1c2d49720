/* vl_dist.c - sampling, checking and analytic means of the workload
 * distributions declared in vl_dist.h.
 *
 * Every sample is a pure function of the rng stream (no cached values), so a
 * stream reproduces the same samples whatever else is drawn elsewhere.
 * Each sample consumes a fixed number of rng doubles: CONST 0, LOGNORMAL 2
 * (Box-Muller, even when sd == 0), all others 1. */
#include "vl_dist.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const char *const k_names[] = {
    [VL_DIST_CONST] = "constant",
    [VL_DIST_UNIFORM] = "uniform",
    [VL_DIST_EXPONENTIAL] = "exponential",
    [VL_DIST_LOGNORMAL] = "lognormal",
    [VL_DIST_PARETO] = "pareto",
    [VL_DIST_EMPIRICAL] = "empirical",
};
#define N_KINDS (sizeof k_names / sizeof k_names[0])

int vl_dist_kind_parse(const char *name, vl_dist_kind *out)
{
    for (size_t i = 0; name && i < N_KINDS; i++) {
        if (strcmp(name, k_names[i]) == 0) {
            *out = (vl_dist_kind)i;
            return 0;
        }
    }
    return -1;
}

const char *vl_dist_kind_name(vl_dist_kind k)
{
    return (unsigned)k < N_KINDS ? k_names[k] : "unknown";
}

/* ---- checking ----------------------------------------------------------- */

static int fail(char *msg, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(char *msg, size_t len, const char *fmt, ...)
{
    if (msg && len > 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, len, fmt, ap);
        va_end(ap);
    }
    return -1;
}

static int check_empirical(const vl_dist *d, char *msg, size_t len)
{
    const vl_dist_points *p = d->points;
    const size_t n = p ? p->n : 0;
    if (n < 1 || n > VL_DIST_MAX_POINTS)
        return fail(msg, len, "empirical distribution needs 1 to %d points (got %zu)",
                    VL_DIST_MAX_POINTS, n);
    double prev = 0.0;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(p->values[i]))
            return fail(msg, len, "empirical value %zu must be finite", i);
        if (!(p->cdf[i] > prev) || !(p->cdf[i] <= 1.0))
            return fail(msg, len,
                        "empirical cdf must be strictly increasing in (0, 1] "
                        "(point %zu: %g after %g)", i, p->cdf[i], prev);
        prev = p->cdf[i];
    }
    if (p->cdf[n - 1] != 1.0)
        return fail(msg, len, "empirical cdf must end at 1 (got %g)", p->cdf[n - 1]);
    return 0;
}

int vl_dist_check(const vl_dist *d, char *msg, size_t len)
{
    switch (d->kind) {
    case VL_DIST_CONST:
        if (!isfinite(d->a))
            return fail(msg, len, "constant value must be finite");
        return 0;
    case VL_DIST_UNIFORM:
        if (!isfinite(d->a) || !isfinite(d->b))
            return fail(msg, len, "uniform min and max must be finite");
        if (d->a > d->b)
            return fail(msg, len, "uniform min (%g) must be <= max (%g)", d->a, d->b);
        return 0;
    case VL_DIST_EXPONENTIAL:
        if (!(d->a > 0) || !isfinite(d->a))
            return fail(msg, len, "exponential mean must be > 0 and finite (got %g)", d->a);
        return 0;
    case VL_DIST_LOGNORMAL:
        if (!(d->a > 0) || !isfinite(d->a))
            return fail(msg, len, "lognormal mean must be > 0 and finite (got %g)", d->a);
        if (!(d->b >= 0) || !isfinite(d->b))
            return fail(msg, len, "lognormal sd must be >= 0 and finite (got %g)", d->b);
        return 0;
    case VL_DIST_PARETO:
        if (!(d->a > 0) || !isfinite(d->a))
            return fail(msg, len, "pareto scale (minimum) must be > 0 and finite (got %g)", d->a);
        if (!(d->b > 0) || !isfinite(d->b))
            return fail(msg, len, "pareto shape alpha must be > 0 and finite (got %g)", d->b);
        return 0;
    case VL_DIST_EMPIRICAL:
        return check_empirical(d, msg, len);
    }
    return fail(msg, len, "unknown distribution kind %d", (int)d->kind);
}

/* ---- sampling ----------------------------------------------------------- */

/* Standard normal by Box-Muller from two fresh doubles (cosine branch). */
static double std_normal(vl_rng *r)
{
    const double u1 = vl_rng_double(r);
    const double u2 = vl_rng_double(r);
    const double radius = sqrt(-2.0 * log(1.0 - u1)); /* 1-u1 in (0,1] */
    return radius * cos(2.0 * M_PI * u2);
}

static double sample_lognormal(double mean, double sd, vl_rng *r)
{
    const double sigma2 = log(1.0 + (sd * sd) / (mean * mean));
    const double mu = log(mean) - sigma2 / 2.0;
    return exp(mu + sqrt(sigma2) * std_normal(r));
}

static double sample_empirical(const vl_dist_points *p, vl_rng *r)
{
    const double u = vl_rng_double(r);
    const size_t n = p ? p->n : 0;
    for (size_t i = 0; i < n; i++)
        if (u < p->cdf[i])
            return p->values[i];
    return n ? p->values[n - 1] : 0.0; /* only with an unchecked cdf */
}

double vl_dist_sample(const vl_dist *d, vl_rng *r)
{
    switch (d->kind) {
    case VL_DIST_CONST:
        return d->a;
    case VL_DIST_UNIFORM:
        return d->a + (d->b - d->a) * vl_rng_double(r);
    case VL_DIST_EXPONENTIAL:
        return 0.0 - d->a * log(1.0 - vl_rng_double(r)); /* +0, never -0 */
    case VL_DIST_LOGNORMAL:
        return sample_lognormal(d->a, d->b, r);
    case VL_DIST_PARETO:
        return d->a / pow(1.0 - vl_rng_double(r), 1.0 / d->b);
    case VL_DIST_EMPIRICAL:
        return sample_empirical(d->points, r);
    }
    return NAN;
}

double vl_dist_mean(const vl_dist *d)
{
    switch (d->kind) {
    case VL_DIST_CONST:
        return d->a;
    case VL_DIST_UNIFORM:
        return 0.5 * (d->a + d->b);
    case VL_DIST_EXPONENTIAL:
    case VL_DIST_LOGNORMAL:
        return d->a;
    case VL_DIST_PARETO:
        return d->b <= 1.0 ? INFINITY : d->b * d->a / (d->b - 1.0);
    case VL_DIST_EMPIRICAL: {
        double m = 0.0, prev = 0.0;
        for (size_t i = 0; d->points && i < d->points->n; i++) {
            m += d->points->values[i] * (d->points->cdf[i] - prev);
            prev = d->points->cdf[i];
        }
        return m;
    }
    }
    return NAN;
}
