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

#include "vl_oom.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
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

_Static_assert(VL_HIST_BUCKETS % VL_HIST_CHUNK == 0, "chunks must tile the buckets");

void vl_hist_init(vl_hist *h)
{
    memset(h, 0, sizeof *h);
}

void vl_hist_reset(vl_hist *h)
{
    for (int c = 0; h->chunk && c < VL_HIST_CHUNKS; c++)
        if (h->chunk[c])
            memset(h->chunk[c], 0, VL_HIST_CHUNK * sizeof *h->chunk[c]);
    h->count = 0;
    h->min = h->max = 0;
    h->sum = 0;
}

void vl_hist_free(vl_hist *h)
{
    for (int c = 0; h->chunk && c < VL_HIST_CHUNKS; c++)
        free(h->chunk[c]);
    free(h->chunk);
    vl_hist_init(h);
}

size_t vl_hist_bytes(const vl_hist *h)
{
    size_t n = 0;
    for (int c = 0; h->chunk && c < VL_HIST_CHUNKS; c++)
        n += h->chunk[c] ? VL_HIST_CHUNK * sizeof *h->chunk[c] : 0;
    return n + (h->chunk ? VL_HIST_CHUNKS * sizeof *h->chunk : 0);
}

static void *alloc_or_die(size_t n)
{
    void *p = calloc(1, n);
    if (!p)
        vl_out_of_memory("a latency histogram");
    return p;
}

/* The counter of bucket i, allocated on first use. */
static uint64_t *slot(vl_hist *h, int i)
{
    int ci = i / VL_HIST_CHUNK;
    if (!h->last || h->last_c != ci) {
        if (!h->chunk)
            h->chunk = alloc_or_die(VL_HIST_CHUNKS * sizeof *h->chunk);
        uint64_t **c = &h->chunk[ci];
        if (!*c)
            *c = alloc_or_die(VL_HIST_CHUNK * sizeof **c);
        h->last = *c;
        h->last_c = ci;
    }
    return &h->last[i % VL_HIST_CHUNK];
}

/* Bucket i's count (0 where nothing was allocated). */
static uint64_t bucket(const vl_hist *h, int i)
{
    const uint64_t *c = h->chunk ? h->chunk[i / VL_HIST_CHUNK] : NULL;
    return c ? c[i % VL_HIST_CHUNK] : 0;
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
    (*slot(h, bucket_index((uint64_t)v)))++;
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
    for (int i = 0; i < VL_HIST_BUCKETS; i++) {
        uint64_t n = bucket(from, i);
        if (n)
            *slot(into, i) += n;
    }
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
    for (int c = 0; c < VL_HIST_CHUNKS; c++) {
        if (!h->chunk[c])
            continue;
        for (int k = 0; k < VL_HIST_CHUNK; k++) {
            cum += h->chunk[c][k];
            if (cum >= rank)
                return clamp_to_range(h, bucket_upper(c * VL_HIST_CHUNK + k));
        }
    }
    return h->max; /* unreachable while buckets sum to count */
}

int vl_hist_next(const vl_hist *h, int *cursor, int64_t *value, uint64_t *cum)
{
    int i = *cursor;
    if (i < 0 || i >= VL_HIST_BUCKETS)
        return 0;
    while (i < VL_HIST_BUCKETS && bucket(h, i) == 0)
        i++;
    if (i == VL_HIST_BUCKETS) {
        *cursor = i;
        return 0;
    }
    /* The cursor carries no running total, so recount (cheap: fixed size). */
    uint64_t c = 0;
    for (int k = 0; k <= i; k++)
        c += bucket(h, k);
    *value = (int64_t)bucket_upper(i);
    *cum = c;
    *cursor = i + 1;
    return 1;
}
