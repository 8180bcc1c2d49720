/* vl_hist.h - log-linear latency histogram (HDR-histogram style).
 *
 * Records non-negative int64 values (ns).  Values below 2^sub_bits are kept
 * exactly; above, each power-of-two range is split into 2^(sub_bits-1)
 * linear sub-buckets, so the relative error of a reported percentile is at
 * most 2^-(sub_bits-1) (sub_bits = 7 => <= 1.6%).  Fixed memory, no
 * allocation after init; count/min/max/sum are exact. */
#ifndef VL_HIST_H
#define VL_HIST_H

#include <stdint.h>

#define VL_HIST_SUB_BITS 7
#define VL_HIST_BUCKETS  ((64 - VL_HIST_SUB_BITS + 1) << (VL_HIST_SUB_BITS - 1))

typedef struct vl_hist {
    uint64_t count;
    int64_t min, max;
    double sum; /* for the mean; reporting only, never fed back into the model */
    uint64_t buckets[VL_HIST_BUCKETS];
} vl_hist;

void vl_hist_init(vl_hist *h);
void vl_hist_reset(vl_hist *h);
/* Negative values are clamped to 0. */
void vl_hist_record(vl_hist *h, int64_t v);
void vl_hist_merge(vl_hist *into, const vl_hist *from);
double vl_hist_mean(const vl_hist *h);
/* p in [0,100]; returns a representative value (the bucket's upper bound,
 * clamped to [min,max]) of the smallest bucket whose cumulative count reaches
 * ceil(p/100 * count).  0 when empty. */
int64_t vl_hist_percentile(const vl_hist *h, double p);

/* Iterate non-empty buckets in increasing order (for CDF export):
 * start with *cursor = 0; returns 0 when done, else fills value (bucket upper
 * bound) and cumulative count. */
int vl_hist_next(const vl_hist *h, int *cursor, int64_t *value, uint64_t *cum);

#endif
