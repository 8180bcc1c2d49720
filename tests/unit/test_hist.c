/* test_hist.c - unit tests for the log-linear histogram: exact small values,
 * bucket layout, percentile error bound against sorting, merge, reset,
 * iteration and extreme values, and the histogram that takes memory as
 * values arrive against a dense one (every bucket allocated up front, as
 * vl_hist was before) on several distributions. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "vl_hist.h"

#define EXACT_LIMIT (1 << VL_HIST_SUB_BITS)
#define REL_ERR     (1.0 / (1 << (VL_HIST_SUB_BITS - 1)))

static vl_hist *new_hist(void)
{
    vl_hist *h = malloc(sizeof *h);
    assert_non_null(h);
    memset(h, 0xa5, sizeof *h); /* init must not rely on zeroed memory */
    vl_hist_init(h);
    return h;
}

static void del_hist(vl_hist *h)
{
    vl_hist_free(h);
    free(h);
}

static uint64_t xorshift64(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *s = x;
}

/* Log-uniform-ish value: random magnitude up to 2^bits_max. */
static int64_t random_value(uint64_t *s, int bits_max)
{
    int bits = (int)(xorshift64(s) % (uint64_t)(bits_max + 1));
    if (bits == 0)
        return 0;
    uint64_t v = xorshift64(s) >> (64 - bits);
    return (int64_t)v;
}

/* ---- a dense reference: every bucket's counter in one array ---------- */

/* The layout of vl_hist.h, written out: values below 2^S exact; above,
 * 2^(S-1) linear sub-buckets per power of two. */
enum { DENSE_S = VL_HIST_SUB_BITS, DENSE_SUBS = 1 << (DENSE_S - 1) };

typedef struct dense_hist {
    uint64_t count;
    int64_t min, max;
    double sum;
    uint64_t counters[VL_HIST_BUCKETS];
} dense_hist;

static int dense_bucket(uint64_t v)
{
    if (v < 2 * DENSE_SUBS)
        return (int)v;
    const int lg = 63 - __builtin_clzll(v);
    const int sub = (int)((v >> (lg - DENSE_S + 1)) & (DENSE_SUBS - 1));
    return 2 * DENSE_SUBS + (lg - DENSE_S) * DENSE_SUBS + sub;
}

/* The largest value of bucket b. */
static int64_t dense_upper(int b)
{
    if (b < 2 * DENSE_SUBS)
        return b;
    const int lg = DENSE_S + (b - 2 * DENSE_SUBS) / DENSE_SUBS;
    const uint64_t width = (uint64_t)1 << (lg - DENSE_S + 1);
    const uint64_t first = ((uint64_t)1 << lg) + (uint64_t)((b - 2 * DENSE_SUBS) % DENSE_SUBS) * width;
    return (int64_t)(first + (width - 1));
}

static void dense_record(dense_hist *d, int64_t v)
{
    v = v < 0 ? 0 : v;
    d->min = d->count == 0 || v < d->min ? v : d->min;
    d->max = d->count == 0 || v > d->max ? v : d->max;
    d->count++;
    d->sum += (double)v;
    d->counters[dense_bucket((uint64_t)v)]++;
}

/* The upper bound of the bucket holding the rank-th value, within
 * [min, max]; the rank as vl_hist.h defines it (rank_of below). */
static int64_t dense_percentile(const dense_hist *d, double p)
{
    if (d->count == 0)
        return 0;
    const double r = p > 0 ? ceil(p * (double)d->count / 100.0) : 1;
    const uint64_t rank = r < 1 ? 1 : r >= (double)d->count ? d->count : (uint64_t)r;
    uint64_t cum = 0;
    int b = 0;
    while ((cum += d->counters[b]) < rank)
        b++;
    const int64_t u = dense_upper(b);
    return u < d->min ? d->min : u > d->max ? d->max : u;
}

/* The sparse histogram holds what the dense one does: count, min, max,
 * the sum (to rounding: merging adds in another order), every
 * percentile, and the same non-empty buckets in order. */
static void assert_like_dense(const vl_hist *h, const dense_hist *d, const char *what)
{
    static const double ps[] = {0,  0.001, 0.1, 1,  5,    10,    25,    33.3,  50,  66.7,
                                75, 90,    95,  99, 99.5, 99.9,  99.99, 99.999, 100};
    if (h->count != d->count || h->min != d->min || h->max != d->max ||
        !(fabs(h->sum - d->sum) <= 1e-12 * fabs(d->sum)))
        fail_msg("%s: count/min/max/sum differ", what);
    for (size_t i = 0; i < sizeof ps / sizeof ps[0]; i++)
        if (vl_hist_percentile(h, ps[i]) != dense_percentile(d, ps[i]))
            fail_msg("%s: p%g: %lld, dense %lld", what, ps[i],
                     (long long)vl_hist_percentile(h, ps[i]),
                     (long long)dense_percentile(d, ps[i]));
    int cursor = 0, b = 0;
    int64_t value;
    uint64_t cum, dense_cum = 0;
    while (vl_hist_next(h, &cursor, &value, &cum)) {
        while (d->counters[b] == 0)
            b++;
        dense_cum += d->counters[b];
        if (value != dense_upper(b) || cum != dense_cum)
            fail_msg("%s: bucket %d: (%lld, %llu), dense (%lld, %llu)", what, b, (long long)value,
                     (unsigned long long)cum, (long long)dense_upper(b),
                     (unsigned long long)dense_cum);
        b++;
    }
    assert_true(dense_cum == d->count); /* no non-empty dense bucket left over */
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static void test_empty(void **state)
{
    (void)state;
    vl_hist *h = new_hist();
    assert_int_equal(h->count, 0);
    assert_int_equal(vl_hist_percentile(h, 50), 0);
    assert_int_equal(vl_hist_percentile(h, 100), 0);
    assert_true(vl_hist_mean(h) == 0.0);
    int cur = 0;
    int64_t v;
    uint64_t c;
    assert_int_equal(vl_hist_next(h, &cur, &v, &c), 0);
    del_hist(h);
}

static void test_exact_small_values(void **state)
{
    (void)state;
    vl_hist *h = new_hist();
    for (int64_t v = 0; v < EXACT_LIMIT; v++) {
        vl_hist_reset(h);
        vl_hist_record(h, v);
        vl_hist_record(h, EXACT_LIMIT * 1000); /* so clamping to max does not help */
        assert_int_equal(vl_hist_percentile(h, 50), v);
    }
    /* all of them: iteration yields every value with cumulative count */
    vl_hist_reset(h);
    for (int64_t v = 0; v < EXACT_LIMIT; v++)
        vl_hist_record(h, v);
    int cur = 0, n = 0;
    int64_t val;
    uint64_t cum;
    while (vl_hist_next(h, &cur, &val, &cum)) {
        assert_int_equal(val, n);
        assert_int_equal(cum, (uint64_t)n + 1);
        n++;
    }
    assert_int_equal(n, EXACT_LIMIT);
    /* every integer percentile rank is exact */
    for (int k = 1; k <= EXACT_LIMIT; k++)
        assert_int_equal(vl_hist_percentile(h, 100.0 * k / EXACT_LIMIT), k - 1);
    del_hist(h);
}

static void test_bucket_layout(void **state)
{
    (void)state;
    /* With SUB_BITS = 7: [128,256) has width-2 buckets, [256,512) width 4. */
    vl_hist *h = new_hist();
    vl_hist_record(h, 256);
    vl_hist_record(h, 100000);
    assert_int_equal(vl_hist_percentile(h, 50), 259);
    vl_hist_reset(h);
    vl_hist_record(h, 128);
    vl_hist_record(h, 100000);
    assert_int_equal(vl_hist_percentile(h, 50), 129);
    vl_hist_reset(h);
    vl_hist_record(h, 255);
    vl_hist_record(h, 100000);
    assert_int_equal(vl_hist_percentile(h, 50), 255);
    /* 128 and 129 share a bucket, 130 does not */
    vl_hist_reset(h);
    vl_hist_record(h, 128);
    vl_hist_record(h, 129);
    vl_hist_record(h, 130);
    int cur = 0, n = 0;
    int64_t val;
    uint64_t cum;
    while (vl_hist_next(h, &cur, &val, &cum))
        n++;
    assert_int_equal(n, 2);
    del_hist(h);
}

static void test_rank_semantics(void **state)
{
    (void)state;
    vl_hist *h = new_hist();
    for (int v = 1; v <= 100; v++)
        vl_hist_record(h, v);
    assert_int_equal(vl_hist_percentile(h, 0), 1);
    assert_int_equal(vl_hist_percentile(h, 0.5), 1);
    assert_int_equal(vl_hist_percentile(h, 1), 1);
    assert_int_equal(vl_hist_percentile(h, 1.01), 2);
    assert_int_equal(vl_hist_percentile(h, 50), 50);
    assert_int_equal(vl_hist_percentile(h, 99), 99);
    assert_int_equal(vl_hist_percentile(h, 99.5), 100);
    assert_int_equal(vl_hist_percentile(h, 100), 100);
    vl_hist_reset(h);
    for (int v = 1; v <= 1000; v++)
        vl_hist_record(h, v < 100 ? v : 100); /* ties at the top */
    assert_int_equal(vl_hist_percentile(h, 9.9), 99);
    assert_int_equal(vl_hist_percentile(h, 10), 100);
    assert_true(fabs(vl_hist_mean(h) - (99.0 * 50 + 901.0 * 100) / 1000) < 1e-9);
    del_hist(h);
}

/* The header's rank, ceil(p/100 * count) in [1, count], evaluated as
 * p * count / 100 like the implementation so float rounding agrees. */
static long rank_of(double p, int n)
{
    long r = (long)ceil(p * n / 100.0);
    return r < 1 ? 1 : r > n ? n : r;
}

static void test_percentile_error_bound(void **state)
{
    (void)state;
    static const double ps[] = {0, 0.1, 1, 5, 10, 25, 50, 75, 90, 95, 99, 99.5, 99.9, 99.99, 100};
    const int n = 100000;
    int64_t *vals = malloc((size_t)n * sizeof *vals);
    assert_non_null(vals);
    vl_hist *h = new_hist();
    uint64_t s = 0x1234567887654321ULL;
    for (int i = 0; i < n; i++) {
        vals[i] = random_value(&s, 48);
        vl_hist_record(h, vals[i]);
    }
    qsort(vals, (size_t)n, sizeof *vals, cmp_i64);
    assert_int_equal(h->count, (uint64_t)n);
    assert_int_equal(h->min, vals[0]);
    assert_int_equal(h->max, vals[n - 1]);
    assert_int_equal(vl_hist_percentile(h, 0), vals[0]);
    assert_int_equal(vl_hist_percentile(h, 100), vals[n - 1]);

    for (size_t i = 0; i < sizeof ps / sizeof ps[0]; i++) {
        const int64_t exact = vals[rank_of(ps[i], n) - 1];
        const int64_t got = vl_hist_percentile(h, ps[i]);
        /* reported value is the bucket's upper bound: never below the true
         * value and at most REL_ERR above it */
        if (got < exact || (double)(got - exact) > REL_ERR * (double)exact)
            fail_msg("p%g: got %lld, exact %lld", ps[i], (long long)got, (long long)exact);
    }
    /* and at every rank, not only the listed percentiles */
    for (int k = 1; k <= n; k += 97) {
        const double p = 100.0 * k / n;
        const int64_t exact = vals[rank_of(p, n) - 1];
        const int64_t got = vl_hist_percentile(h, p);
        assert_true(got >= exact);
        assert_true((double)(got - exact) <= REL_ERR * (double)exact);
    }
    free(vals);
    del_hist(h);
}

static void assert_same_hist(const vl_hist *a, const vl_hist *b)
{
    assert_int_equal(a->count, b->count);
    assert_int_equal(a->min, b->min);
    assert_int_equal(a->max, b->max);
    assert_true(a->sum == b->sum);
    int ca = 0, cb = 0;
    int64_t va, vb;
    uint64_t na, nb;
    for (;;) {
        int more = vl_hist_next(a, &ca, &va, &na);
        assert_int_equal(more, vl_hist_next(b, &cb, &vb, &nb));
        if (!more)
            break;
        assert_int_equal(va, vb);
        assert_int_equal(na, nb);
    }
}

/* Memory grows with the ranges of values seen, not with the bucket count:
 * nothing while empty, a pointer table and one chunk for one value, one
 * chunk more per power of two (or two for the exact range), and the same
 * percentiles as before; free gives it all back. */
static void test_memory_on_demand(void **state)
{
    (void)state;
    const size_t table = VL_HIST_CHUNKS * sizeof(uint64_t *);
    const size_t chunk = VL_HIST_CHUNK * sizeof(uint64_t);
    vl_hist *h = new_hist();
    assert_int_equal(vl_hist_bytes(h), 0);
    vl_hist_record(h, 5000);
    assert_int_equal(vl_hist_bytes(h), table + chunk);
    for (int e = 13; e < 23; e++) /* ten more powers of two */
        vl_hist_record(h, (int64_t)1 << e);
    print_message("11 powers of two: %zu bytes (every bucket: %zu)\n", vl_hist_bytes(h),
                  (size_t)VL_HIST_BUCKETS * sizeof(uint64_t));
    assert_int_equal(vl_hist_bytes(h), table + 11 * chunk);
    int64_t median = vl_hist_percentile(h, 50); /* 2^17, to within a bucket */
    assert_true(median >= (int64_t)1 << 17 && median <= ((int64_t)1 << 17) * (1 + REL_ERR));
    vl_hist_reset(h); /* keeps its chunks */
    assert_int_equal(vl_hist_bytes(h), table + 11 * chunk);
    assert_int_equal(h->count, 0);
    assert_int_equal(vl_hist_percentile(h, 50), 0);
    vl_hist_record(h, 7);
    assert_int_equal(vl_hist_percentile(h, 99), 7);
    vl_hist_free(h);
    assert_int_equal(vl_hist_bytes(h), 0);
    assert_int_equal(h->count, 0);
    del_hist(h);
}

/* Distributions the model's histograms see: nothing, one value, ties,
 * narrow and wide ranges, heavy tails, two modes, extremes. */
enum { D_EMPTY, D_ONE_ZERO, D_ONE_SMALL, D_ONE_EDGE, D_ONE_LARGE, D_CONSTANT, D_EXACT_RANGE,
       D_UNIFORM, D_EXPONENTIAL, D_LOGNORMAL, D_PARETO, D_BIMODAL, D_LOG_UNIFORM, D_EXTREMES,
       NDISTS };
static const char *const dist_names[NDISTS] = {
    "empty",   "one 0",       "one 77",    "one 128",   "one 3e12",  "constant 20 us",
    "0-127",   "uniform",     "exponential", "lognormal", "pareto",   "bimodal",
    "log-uniform", "extremes"};

static double unit(uint64_t *s)
{
    return (double)(xorshift64(s) >> 11) * 0x1p-53;
}

static int samples(int dist)
{
    return dist == D_EMPTY ? 0 : dist <= D_ONE_LARGE ? 1 : 20000;
}

static int64_t sample(int dist, uint64_t *s)
{
    switch (dist) {
    case D_ONE_ZERO: return 0;
    case D_ONE_SMALL: return 77;
    case D_ONE_EDGE: return EXACT_LIMIT; /* the first bucket wider than 1 */
    case D_ONE_LARGE: return 3000000000000;
    case D_CONSTANT: return 20000;
    case D_EXACT_RANGE: return (int64_t)(xorshift64(s) % EXACT_LIMIT);
    case D_UNIFORM: return 1000 + (int64_t)(xorshift64(s) % 1000000);
    case D_EXPONENTIAL: return (int64_t)(-200000.0 * log(1.0 - unit(s)));
    case D_LOGNORMAL: { /* Box-Muller; median 50 us, sigma 1.5 */
        const double z = sqrt(-2.0 * log(1.0 - unit(s))) * cos(2.0 * M_PI * unit(s));
        return (int64_t)(50000.0 * exp(1.5 * z));
    }
    case D_PARETO: return (int64_t)(10000.0 / pow(1.0 - unit(s), 1.0 / 1.1));
    case D_BIMODAL: return unit(s) < 0.9 ? 2000 + (int64_t)(xorshift64(s) % 500)
                                         : 30000000 + (int64_t)(xorshift64(s) % 1000000);
    case D_LOG_UNIFORM: return random_value(s, 62);
    case D_EXTREMES: {
        static const int64_t v[] = {0, 1, 127, 128, 129, INT64_MAX, INT64_MAX - 1, -3};
        return v[xorshift64(s) % (sizeof v / sizeof v[0])];
    }
    }
    return 0;
}

/* Quantiles of the histogram that takes memory as values arrive equal
 * those of the dense one (the bucket layout is the same, so the accuracy
 * is: within 2^-(S-1) of the true value); merging keeps them equal. */
static void test_same_quantiles_as_dense(void **state)
{
    (void)state;
    dense_hist *d = calloc(1, sizeof *d), *all = calloc(1, sizeof *all);
    assert_non_null(d);
    assert_non_null(all);
    vl_hist *merged = new_hist();
    for (int dist = 0; dist < NDISTS; dist++) {
        memset(d, 0, sizeof *d);
        vl_hist *h = new_hist();
        uint64_t s = 0x9e3779b97f4a7c15ULL + (uint64_t)dist;
        for (int i = 0; i < samples(dist); i++) {
            const int64_t v = sample(dist, &s);
            vl_hist_record(h, v);
            dense_record(d, v);
            dense_record(all, v);
        }
        assert_like_dense(h, d, dist_names[dist]);
        print_message("%-12s %6llu values: %5zu bytes (dense: %zu)\n", dist_names[dist],
                      (unsigned long long)h->count, vl_hist_bytes(h), sizeof d->counters);
        vl_hist_merge(merged, h);
        assert_like_dense(merged, all, "merged");
        del_hist(h);
    }
    del_hist(merged);
    free(d);
    free(all);
}

static void test_merge(void **state)
{
    (void)state;
    vl_hist *a = new_hist(), *b = new_hist(), *both = new_hist();
    uint64_t s = 42;
    for (int i = 0; i < 20000; i++) {
        int64_t v = random_value(&s, 30); /* small enough that sums are exact */
        vl_hist_record(i % 3 ? a : b, v);
        vl_hist_record(both, v);
    }
    vl_hist_record(b, 5); /* b holds the minimum... */
    vl_hist_record(both, 5);
    vl_hist_merge(a, b);
    assert_same_hist(a, both);

    /* merging an empty histogram changes nothing; into an empty one copies */
    vl_hist *empty = new_hist(), *copy = new_hist();
    vl_hist_merge(a, empty);
    assert_same_hist(a, both);
    vl_hist_merge(copy, both);
    assert_same_hist(copy, both);
    /* min/max come from `from` when `into` is empty (not its zero min) */
    vl_hist_reset(copy);
    vl_hist_reset(b);
    vl_hist_record(b, 1000);
    vl_hist_merge(copy, b);
    assert_int_equal(copy->min, 1000);
    assert_int_equal(copy->max, 1000);
    del_hist(a);
    del_hist(b);
    del_hist(both);
    del_hist(empty);
    del_hist(copy);
}

static void test_reset(void **state)
{
    (void)state;
    vl_hist *h = new_hist(), *fresh = new_hist();
    for (int i = 0; i < 1000; i++)
        vl_hist_record(h, i * 12345);
    vl_hist_reset(h);
    assert_same_hist(h, fresh);
    assert_int_equal(vl_hist_percentile(h, 99), 0);
    vl_hist_record(h, 77);
    assert_int_equal(h->min, 77); /* min is not stuck at a stale 0 */
    assert_int_equal(h->max, 77);
    assert_int_equal(vl_hist_percentile(h, 50), 77);
    del_hist(h);
    del_hist(fresh);
}

/* A value lands through the chunk the last one used when it can: values
 * alternating between two powers of two are each counted in their own
 * bucket, and a histogram freed and used again allocates afresh (under
 * ASan a kept chunk would be a use after free). */
static void test_last_chunk(void **state)
{
    (void)state;
    vl_hist *h = new_hist();
    for (int i = 0; i < 100; i++) {
        vl_hist_record(h, 1000);
        vl_hist_record(h, 1000000);
    }
    assert_int_equal(h->count, 200);
    int cursor = 0, n = 0;
    int64_t value;
    uint64_t cum, prev = 0;
    while (vl_hist_next(h, &cursor, &value, &cum)) {
        assert_int_equal(cum - prev, 100); /* two buckets of 100 each */
        prev = cum;
        n++;
    }
    assert_int_equal(n, 2);
    vl_hist_free(h);
    assert_null(h->last);
    vl_hist_record(h, 1000000);
    assert_int_equal(h->count, 1);
    assert_int_equal(vl_hist_percentile(h, 50), 1000000);
    del_hist(h);
}

static void test_next_cumulative(void **state)
{
    (void)state;
    const int n = 50000;
    int64_t *vals = malloc((size_t)n * sizeof *vals);
    assert_non_null(vals);
    vl_hist *h = new_hist();
    uint64_t s = 7;
    for (int i = 0; i < n; i++) {
        vals[i] = random_value(&s, 40);
        vl_hist_record(h, vals[i]);
    }
    qsort(vals, (size_t)n, sizeof *vals, cmp_i64);
    int cur = 0, buckets = 0, below = 0;
    int64_t val, prev_val = -1;
    uint64_t cum, prev_cum = 0;
    while (vl_hist_next(h, &cur, &val, &cum)) {
        assert_true(val > prev_val);
        assert_true(cum > prev_cum); /* only non-empty buckets */
        /* cum is exactly the number of recorded values <= the upper bound */
        while (below < n && vals[below] <= val)
            below++;
        assert_int_equal(cum, (uint64_t)below);
        prev_val = val;
        prev_cum = cum;
        buckets++;
    }
    assert_int_equal(prev_cum, h->count);
    assert_true(prev_val >= h->max);
    assert_true(buckets > 100);
    /* finished cursors stay finished */
    assert_int_equal(vl_hist_next(h, &cur, &val, &cum), 0);
    free(vals);
    del_hist(h);
}

static void test_extremes(void **state)
{
    (void)state;
    vl_hist *h = new_hist();
    vl_hist_record(h, INT64_MAX);
    vl_hist_record(h, INT64_MAX - 1);
    vl_hist_record(h, (int64_t)1 << 62);
    vl_hist_record(h, ((int64_t)1 << 62) - 1);
    vl_hist_record(h, -5);        /* clamped to 0 */
    vl_hist_record(h, INT64_MIN); /* clamped to 0 */
    assert_int_equal(h->count, 6);
    assert_int_equal(h->min, 0);
    assert_int_equal(h->max, INT64_MAX);
    assert_int_equal(vl_hist_percentile(h, 0), 0);
    assert_int_equal(vl_hist_percentile(h, 33), 0);
    assert_int_equal(vl_hist_percentile(h, 100), INT64_MAX);
    int64_t p50 = vl_hist_percentile(h, 50);
    assert_true(p50 >= ((int64_t)1 << 62) - 1);
    assert_true((double)p50 <= (double)(((int64_t)1 << 62) - 1) * (1 + REL_ERR));

    int cur = 0;
    int64_t val, last = 0;
    uint64_t cum = 0;
    while (vl_hist_next(h, &cur, &val, &cum))
        last = val;
    assert_int_equal(last, INT64_MAX); /* the top bucket's upper bound */
    assert_int_equal(cum, 6);
    del_hist(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_memory_on_demand),
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_exact_small_values),
        cmocka_unit_test(test_bucket_layout),
        cmocka_unit_test(test_rank_semantics),
        cmocka_unit_test(test_percentile_error_bound),
        cmocka_unit_test(test_same_quantiles_as_dense),
        cmocka_unit_test(test_merge),
        cmocka_unit_test(test_reset),
        cmocka_unit_test(test_last_chunk),
        cmocka_unit_test(test_next_cumulative),
        cmocka_unit_test(test_extremes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
