/* test_dist.c - unit tests for vl_dist: sample moments against analytic
 * values, quantiles, exact inversion formulas, rng consumption, checks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "vl_dist.h"

#define N_SAMPLES 200000
#define K_SE      5.0 /* tolerance in standard errors */

typedef struct moments {
    double mean, var;
    double se_mean, se_var; /* estimated standard errors */
    double min, max;
} moments;

static double *draw(const vl_dist *d, const char *stream, int n)
{
    double *x = malloc((size_t)n * sizeof *x);
    assert_non_null(x);
    vl_rng r;
    vl_rng_init(&r, 12345, stream);
    for (int i = 0; i < n; i++)
        x[i] = vl_dist_sample(d, &r);
    return x;
}

static moments moments_of(const double *x, int n)
{
    moments m = {.min = INFINITY, .max = -INFINITY};
    double s = 0;
    for (int i = 0; i < n; i++) {
        s += x[i];
        m.min = fmin(m.min, x[i]);
        m.max = fmax(m.max, x[i]);
    }
    m.mean = s / n;
    double m2 = 0, m4 = 0;
    for (int i = 0; i < n; i++) {
        double dev = x[i] - m.mean;
        m2 += dev * dev;
        m4 += dev * dev * dev * dev;
    }
    m.var = m2 / (n - 1);
    m4 /= n;
    m.se_mean = sqrt(m.var / n);
    m.se_var = sqrt(fmax(m4 - m.var * m.var, 0.0) / n);
    return m;
}

static void expect_moments(const vl_dist *d, const char *stream, double mean, double var)
{
    double *x = draw(d, stream, N_SAMPLES);
    moments m = moments_of(x, N_SAMPLES);
    free(x);
    if (fabs(m.mean - mean) > K_SE * m.se_mean)
        fail_msg("%s: sample mean %g vs %g (se %g)", vl_dist_kind_name(d->kind), m.mean, mean,
                 m.se_mean);
    if (fabs(m.var - var) > K_SE * m.se_var)
        fail_msg("%s: sample variance %g vs %g (se %g)", vl_dist_kind_name(d->kind), m.var, var,
                 m.se_var);
    /* the analytic mean agrees with the one vl_dist reports */
    assert_true(fabs(vl_dist_mean(d) - mean) <= 1e-12 * fabs(mean));
}

/* Fraction of samples < q must be p within K_SE binomial standard errors. */
static void expect_quantile(const vl_dist *d, const char *stream, double q, double p)
{
    double *x = draw(d, stream, N_SAMPLES);
    int below = 0;
    for (int i = 0; i < N_SAMPLES; i++)
        below += x[i] < q;
    free(x);
    double frac = (double)below / N_SAMPLES;
    double se = sqrt(p * (1 - p) / N_SAMPLES);
    if (fabs(frac - p) > K_SE * se)
        fail_msg("%s: P(X < %g) = %g, expected %g", vl_dist_kind_name(d->kind), q, frac, p);
}

static vl_dist mk(vl_dist_kind k, double a, double b)
{
    vl_dist d = {0};
    d.kind = k;
    d.a = a;
    d.b = b;
    return d;
}

/* {1: 0.2, 5: 0.5, 10: 0.3}, its points in *p. */
static vl_dist mk_empirical(vl_dist_points *p)
{
    *p = (vl_dist_points){.n = 3, .values = {1, 5, 10}, .cdf = {0.2, 0.7, 1.0}};
    return (vl_dist){.kind = VL_DIST_EMPIRICAL, .points = p};
}

/* ---- moments -------------------------------------------------------------- */

static void test_const(void **state)
{
    (void)state;
    vl_dist d = vl_dist_const(42.5);
    vl_rng r, before;
    vl_rng_init(&r, 1, "c");
    before = r;
    for (int i = 0; i < 100; i++)
        assert_true(vl_dist_sample(&d, &r) == 42.5);
    assert_memory_equal(r.s, before.s, sizeof r.s); /* draws nothing */
    assert_true(vl_dist_mean(&d) == 42.5);
}

static void test_uniform(void **state)
{
    (void)state;
    vl_dist d = mk(VL_DIST_UNIFORM, 2, 10);
    expect_moments(&d, "uniform", 6.0, 64.0 / 12.0);
    double *x = draw(&d, "uniform-bounds", N_SAMPLES);
    moments m = moments_of(x, N_SAMPLES);
    free(x);
    assert_true(m.min >= 2.0 && m.max < 10.0);
    assert_true(m.min < 2.001 && m.max > 9.999); /* fills the whole range */
    expect_quantile(&d, "uniform-q", 4.0, 0.25);

    vl_dist pt = mk(VL_DIST_UNIFORM, 3, 3); /* degenerate but valid */
    vl_rng r;
    vl_rng_init(&r, 1, "pt");
    assert_true(vl_dist_sample(&pt, &r) == 3.0);
}

static void test_exponential(void **state)
{
    (void)state;
    vl_dist d = mk(VL_DIST_EXPONENTIAL, 5.0, 0);
    expect_moments(&d, "exp", 5.0, 25.0);
    expect_quantile(&d, "exp-median", 5.0 * M_LN2, 0.5);
    expect_quantile(&d, "exp-p90", 5.0 * M_LN10, 0.9);
    double *x = draw(&d, "exp-min", 1000);
    for (int i = 0; i < 1000; i++)
        assert_true(x[i] >= 0.0 && !signbit(x[i]));
    free(x);
}

static void test_lognormal(void **state)
{
    (void)state;
    const double mean = 100.0, sd = 50.0;
    vl_dist d = mk(VL_DIST_LOGNORMAL, mean, sd);
    expect_moments(&d, "logn", mean, sd * sd);

    /* the underlying normal has the documented mu and sigma^2 */
    const double sigma2 = log(1.0 + sd * sd / (mean * mean));
    const double mu = log(mean) - sigma2 / 2.0;
    double *x = draw(&d, "logn-log", N_SAMPLES);
    for (int i = 0; i < N_SAMPLES; i++) {
        assert_true(x[i] > 0.0);
        x[i] = log(x[i]);
    }
    moments m = moments_of(x, N_SAMPLES);
    free(x);
    assert_true(fabs(m.mean - mu) < K_SE * m.se_mean);
    assert_true(fabs(m.var - sigma2) < K_SE * m.se_var);
    /* median of a lognormal is exp(mu) */
    expect_quantile(&d, "logn-median", exp(mu), 0.5);

    /* sd = 0 degenerates to the mean */
    vl_dist z = mk(VL_DIST_LOGNORMAL, 7.0, 0.0);
    vl_rng r;
    vl_rng_init(&r, 3, "z");
    for (int i = 0; i < 100; i++)
        assert_true(fabs(vl_dist_sample(&z, &r) - 7.0) < 1e-12);
}

static void test_pareto(void **state)
{
    (void)state;
    const double xm = 3.0, alpha = 10.0;
    vl_dist d = mk(VL_DIST_PARETO, xm, alpha);
    const double var = xm * xm * alpha / ((alpha - 1) * (alpha - 1) * (alpha - 2));
    expect_moments(&d, "pareto", alpha * xm / (alpha - 1), var);

    /* heavier tail: check the minimum and the survival function */
    vl_dist h = mk(VL_DIST_PARETO, 2.0, 1.5);
    double *x = draw(&h, "pareto-min", N_SAMPLES);
    moments m = moments_of(x, N_SAMPLES);
    free(x);
    assert_true(m.min >= 2.0 && m.min < 2.001);
    expect_quantile(&h, "pareto-q", 4.0, 1.0 - pow(2.0, -1.5)); /* P(X>2xm) = 2^-alpha */
    expect_quantile(&h, "pareto-median", 2.0 * pow(2.0, 1.0 / 1.5), 0.5);

    assert_true(isinf(vl_dist_mean(&(vl_dist){.kind = VL_DIST_PARETO, .a = 1, .b = 1.0})));
    assert_true(isinf(vl_dist_mean(&(vl_dist){.kind = VL_DIST_PARETO, .a = 1, .b = 0.5})));
    assert_true(fabs(vl_dist_mean(&h) - 6.0) < 1e-12);
}

static void test_empirical(void **state)
{
    (void)state;
    vl_dist_points pts;
    vl_dist d = mk_empirical(&pts);
    /* mean 0.2*1 + 0.5*5 + 0.3*10 = 5.7; E[X^2] = 0.2 + 12.5 + 30 = 42.7 */
    expect_moments(&d, "emp", 5.7, 42.7 - 5.7 * 5.7);

    double *x = draw(&d, "emp-freq", N_SAMPLES);
    int c1 = 0, c5 = 0, c10 = 0;
    for (int i = 0; i < N_SAMPLES; i++) {
        if (x[i] == 1)
            c1++;
        else if (x[i] == 5)
            c5++;
        else if (x[i] == 10)
            c10++;
        else
            fail_msg("empirical sample %g is not one of the values", x[i]);
    }
    free(x);
    /* chi-square, df = 2: P(> 13.82) = 0.001 */
    const double e1 = 0.2 * N_SAMPLES, e5 = 0.5 * N_SAMPLES, e10 = 0.3 * N_SAMPLES;
    double chi = (c1 - e1) * (c1 - e1) / e1 + (c5 - e5) * (c5 - e5) / e5 +
                 (c10 - e10) * (c10 - e10) / e10;
    assert_true(chi < 13.82);

    /* single point */
    const vl_dist_points nine = {.n = 1, .values = {9}, .cdf = {1.0}};
    vl_dist one = {.kind = VL_DIST_EMPIRICAL, .points = &nine};
    vl_rng r;
    vl_rng_init(&r, 1, "one");
    assert_true(vl_dist_sample(&one, &r) == 9.0);
}

/* ---- exact formulas and rng consumption ------------------------------------ */

static void test_inversion_formulas(void **state)
{
    (void)state;
    vl_rng r, shadow;
    vl_rng_init(&r, 77, "inv");
    shadow = r;
    vl_dist e = mk(VL_DIST_EXPONENTIAL, 3.0, 0);
    vl_dist p = mk(VL_DIST_PARETO, 2.0, 2.5);
    vl_dist u = mk(VL_DIST_UNIFORM, -1.0, 4.0);
    vl_dist l = mk(VL_DIST_LOGNORMAL, 10.0, 4.0);
    const double s2 = log(1.0 + 16.0 / 100.0), mu = log(10.0) - s2 / 2;
    for (int i = 0; i < 1000; i++) {
        double w = vl_rng_double(&shadow);
        assert_true(vl_dist_sample(&e, &r) == -3.0 * log(1.0 - w));
        w = vl_rng_double(&shadow);
        assert_true(vl_dist_sample(&p, &r) == 2.0 / pow(1.0 - w, 1.0 / 2.5));
        w = vl_rng_double(&shadow);
        assert_true(vl_dist_sample(&u, &r) == -1.0 + 5.0 * w);
        double u1 = vl_rng_double(&shadow), u2 = vl_rng_double(&shadow);
        double z = sqrt(-2.0 * log(1.0 - u1)) * cos(2.0 * M_PI * u2);
        double want = exp(mu + sqrt(s2) * z);
        assert_true(fabs(vl_dist_sample(&l, &r) - want) <= 1e-12 * want);
    }
    /* after all that, both streams are at the same place */
    assert_memory_equal(r.s, shadow.s, sizeof r.s);
}

static void test_reproducible_streams(void **state)
{
    (void)state;
    vl_dist l = mk(VL_DIST_LOGNORMAL, 50.0, 20.0);
    vl_rng a, b;
    vl_rng_init(&a, 9, "repro");
    vl_rng_init(&b, 9, "repro");
    /* draws from an unrelated stream in between disturb neither a nor b
     * (no hidden cached second normal shared between calls) */
    vl_rng other;
    vl_rng_init(&other, 9, "other");
    for (int i = 0; i < 1000; i++) {
        (void)vl_dist_sample(&l, &other);
        assert_true(vl_dist_sample(&l, &a) == vl_dist_sample(&l, &b));
    }
}

/* ---- names and checks ------------------------------------------------------ */

static void test_kind_names(void **state)
{
    (void)state;
    static const char *names[] = {"constant", "uniform", "exponential",
                                  "lognormal", "pareto", "empirical"};
    for (int i = 0; i < 6; i++) {
        vl_dist_kind k = (vl_dist_kind)99;
        assert_int_equal(vl_dist_kind_parse(names[i], &k), 0);
        assert_int_equal(k, i);
        assert_string_equal(vl_dist_kind_name(k), names[i]);
    }
    vl_dist_kind k = VL_DIST_PARETO;
    assert_int_equal(vl_dist_kind_parse("normal", &k), -1);
    assert_int_equal(vl_dist_kind_parse("Uniform", &k), -1);
    assert_int_equal(vl_dist_kind_parse("", &k), -1);
    assert_int_equal(k, VL_DIST_PARETO);
}

static void expect_rejected(const vl_dist *d, const char *fragment)
{
    char msg[256] = "";
    assert_int_equal(vl_dist_check(d, msg, sizeof msg), -1);
    if (!strstr(msg, fragment))
        fail_msg("message \"%s\" lacks \"%s\"", msg, fragment);
    assert_int_equal(vl_dist_check(d, NULL, 0), -1); /* no buffer is fine */
}

static void expect_accepted(const vl_dist *d)
{
    char msg[256] = "";
    if (vl_dist_check(d, msg, sizeof msg) != 0)
        fail_msg("rejected a valid %s: %s", vl_dist_kind_name(d->kind), msg);
}

static void test_check(void **state)
{
    (void)state;
    expect_accepted(&(vl_dist){.kind = VL_DIST_CONST, .a = 0});
    expect_accepted(&(vl_dist){.kind = VL_DIST_UNIFORM, .a = 1, .b = 1});
    expect_accepted(&(vl_dist){.kind = VL_DIST_EXPONENTIAL, .a = 1e-9});
    expect_accepted(&(vl_dist){.kind = VL_DIST_LOGNORMAL, .a = 5, .b = 0});
    expect_accepted(&(vl_dist){.kind = VL_DIST_PARETO, .a = 1, .b = 0.5});
    vl_dist_points pts;
    vl_dist emp = mk_empirical(&pts);
    expect_accepted(&emp);

    expect_rejected(&(vl_dist){.kind = VL_DIST_CONST, .a = NAN}, "constant");
    expect_rejected(&(vl_dist){.kind = VL_DIST_UNIFORM, .a = 2, .b = 1}, "uniform min");
    expect_rejected(&(vl_dist){.kind = VL_DIST_UNIFORM, .a = 0, .b = INFINITY}, "uniform");
    expect_rejected(&(vl_dist){.kind = VL_DIST_EXPONENTIAL, .a = 0}, "exponential mean must be > 0");
    expect_rejected(&(vl_dist){.kind = VL_DIST_EXPONENTIAL, .a = -1}, "exponential mean must be > 0");
    expect_rejected(&(vl_dist){.kind = VL_DIST_EXPONENTIAL, .a = NAN}, "exponential mean");
    expect_rejected(&(vl_dist){.kind = VL_DIST_LOGNORMAL, .a = 0, .b = 1}, "lognormal mean must be > 0");
    expect_rejected(&(vl_dist){.kind = VL_DIST_LOGNORMAL, .a = 1, .b = -1}, "lognormal sd must be >= 0");
    expect_rejected(&(vl_dist){.kind = VL_DIST_PARETO, .a = 0, .b = 2}, "pareto scale");
    expect_rejected(&(vl_dist){.kind = VL_DIST_PARETO, .a = 1, .b = 0}, "pareto shape alpha must be > 0");
    expect_rejected(&(vl_dist){.kind = (vl_dist_kind)99}, "unknown distribution");

    vl_dist e = {.kind = VL_DIST_EMPIRICAL}; /* no points */
    expect_rejected(&e, "1 to 64 points");
    e = mk_empirical(&pts);
    pts.n = 0;
    expect_rejected(&e, "1 to 64 points");
    mk_empirical(&pts);
    pts.n = VL_DIST_MAX_POINTS + 1;
    expect_rejected(&e, "1 to 64 points");
    mk_empirical(&pts);
    pts.cdf[1] = 0.2; /* not strictly increasing */
    expect_rejected(&e, "strictly increasing");
    mk_empirical(&pts);
    pts.cdf[2] = 0.9; /* does not end at 1 */
    expect_rejected(&e, "must end at 1");
    mk_empirical(&pts);
    pts.cdf[2] = 1.1;
    expect_rejected(&e, "strictly increasing");
    mk_empirical(&pts);
    pts.cdf[0] = 0.0;
    expect_rejected(&e, "strictly increasing");
    mk_empirical(&pts);
    pts.values[1] = NAN;
    expect_rejected(&e, "finite");

    /* a message is truncated, not overflowed */
    char tiny[8];
    memset(tiny, 'x', sizeof tiny);
    assert_int_equal(vl_dist_check(&(vl_dist){.kind = VL_DIST_EXPONENTIAL, .a = 0}, tiny, 8), -1);
    assert_int_equal(strlen(tiny), 7);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_const),
        cmocka_unit_test(test_uniform),
        cmocka_unit_test(test_exponential),
        cmocka_unit_test(test_lognormal),
        cmocka_unit_test(test_pareto),
        cmocka_unit_test(test_empirical),
        cmocka_unit_test(test_inversion_formulas),
        cmocka_unit_test(test_reproducible_streams),
        cmocka_unit_test(test_kind_names),
        cmocka_unit_test(test_check),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
