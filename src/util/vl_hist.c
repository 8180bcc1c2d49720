/* vl_hist.c - log-linear (HDR-style) latency histogram.
 *
 * Bucket layout, with S = VL_HIST_SUB_BITS and H = 2^(S-1):
 *   v < 2^S                : index v (exact; 2^S = 2H buckets)
 *   2^e <= v < 2^(e+1), e>=S: index 2H + (e-S)*H + ((v >> (e-S+1)) - H)
 * i.e. the top S bits of v (leading 1 included) pick one of H linear
 * sub-buckets of width 2^(e-S+1) in each power-of-two range.  The largest
 * int64 has e = 62, so the last index is 2H + (62-S)*H + H-1 and
 * (64-S+1)*H buckets are exactly enough (static assertion below). */
#include "vl_hist.h"

#include <math.h>
#include <string.h>

#define SUB   VL_HIST_SUB_BITS
#define HALF  (1 << (SUB - 1))
#define EXACT (1 << SUB)

static int bucket_index(uint64_t v)
{
    if (v < EXACT)
        return (int)v;
    const int e = 63 - __builtin_clzll(v); /* floor(log2 v), >= SUB */
    const int shift = e - SUB + 1;
    return EXACT + (e - SUB) * HALF + (int)((v >> shift) - HALF);
}

/* Largest value that lands in bucket i. */
static uint64_t bucket_upper(int i)
{
    if (i < EXACT)
        return (uint64_t)i;
    const int e = SUB + (i - EXACT) / HALF;
    const uint64_t sub = (uint64_t)HALF + (uint64_t)((i - EXACT) % HALF);
    return ((sub + 1) << (e - SUB + 1)) - 1;
}

_Static_assert(SUB >= 1 && SUB <= 62, "VL_HIST_SUB_BITS out of range");
_Static_assert(VL_HIST_BUCKETS >= EXACT + (62 - SUB + 1) * HALF,
               "VL_HIST_BUCKETS too small for INT64_MAX");

void vl_hist_init(vl_hist *h)
{
    memset(h, 0, sizeof *h);
}

void vl_hist_reset(vl_hist *h)
{
    vl_hist_init(h);
}

void vl_hist_record(vl_hist *h, int64_t v)
{
    if (v < 0)
        v = 0;
    if (h->count == 0 || v < h->min)
        h->min = v;
    if (h->count == 0 || v > h->max)
        h->max = v;
    h->count++;
    h->sum += (double)v;
    h->buckets[bucket_index((uint64_t)v)]++;
}

void vl_hist_merge(vl_hist *into, const vl_hist *from)
{
    if (from->count == 0)
        return;
    if (into->count == 0 || from->min < into->min)
        into->min = from->min;
    if (into->count == 0 || from->max > into->max)
        into->max = from->max;
    into->count += from->count;
    into->sum += from->sum;
    for (int i = 0; i < VL_HIST_BUCKETS; i++)
        into->buckets[i] += from->buckets[i];
}

double vl_hist_mean(const vl_hist *h)
{
    return h->count ? h->sum / (double)h->count : 0.0;
}

static int64_t clamp_to_range(const vl_hist *h, uint64_t v)
{
    if (v < (uint64_t)h->min)
        return h->min;
    if (v > (uint64_t)h->max)
        return h->max;
    return (int64_t)v;
}

/* ceil(p/100 * count), at least 1 and at most count.  p*count is computed
 * before dividing by 100 so that e.g. p = 99.9, count = 1000 gives 999. */
static uint64_t rank_for(double p, uint64_t count)
{
    if (!(p > 0.0))
        return 1; /* also NaN */
    if (p >= 100.0)
        return count;
    const double r = ceil(p * (double)count / 100.0);
    if (r < 1.0)
        return 1;
    return r >= (double)count ? count : (uint64_t)r;
}

int64_t vl_hist_percentile(const vl_hist *h, double p)
{
    if (h->count == 0)
        return 0;
    const uint64_t rank = rank_for(p, h->count);
    uint64_t cum = 0;
    for (int i = 0; i < VL_HIST_BUCKETS; i++) {
        cum += h->buckets[i];
        if (cum >= rank)
            return clamp_to_range(h, bucket_upper(i));
    }
    return h->max; /* unreachable while buckets sum to count */
}

int vl_hist_next(const vl_hist *h, int *cursor, int64_t *value, uint64_t *cum)
{
    int i = *cursor;
    if (i < 0 || i >= VL_HIST_BUCKETS)
        return 0;
    while (i < VL_HIST_BUCKETS && h->buckets[i] == 0)
        i++;
    if (i == VL_HIST_BUCKETS) {
        *cursor = i;
        return 0;
    }
    /* The cursor carries no running total, so recount (cheap: fixed size). */
    uint64_t c = 0;
    for (int k = 0; k <= i; k++)
        c += h->buckets[k];
    *value = (int64_t)bucket_upper(i);
    *cum = c;
    *cursor = i + 1;
    return 1;
}
