/* vl_hist.h - log-linear latency histogram (HDR-histogram style).
 *
 * Records non-negative int64 values (ns).  Values below 2^sub_bits are kept
 * exactly; above, each power-of-two range is split into 2^(sub_bits-1)
 * linear sub-buckets, so the relative error of a reported percentile is at
 * most 2^-(sub_bits-1) (sub_bits = 7 => <= 1.6%); count/min/max/sum are
 * exact.
 *
 * Memory is taken as values arrive: an empty histogram is its header (56
 * bytes); the first value allocates a table of VL_HIST_CHUNKS pointers, and
 * each run of VL_HIST_CHUNK buckets (a power-of-two range of values) is
 * allocated when a value first lands in it, so a distribution spanning ten
 * powers of two costs about 6 KB instead of the 29 KB of every bucket.
 * Out of memory while recording ends the run (vl_out_of_memory). */
#ifndef VL_HIST_H
#define VL_HIST_H

#include <stddef.h>
#include <stdint.h>

#define VL_HIST_SUB_BITS 7
#define VL_HIST_BUCKETS  ((64 - VL_HIST_SUB_BITS + 1) << (VL_HIST_SUB_BITS - 1))
#define VL_HIST_CHUNK    64
#define VL_HIST_CHUNKS   (VL_HIST_BUCKETS / VL_HIST_CHUNK)

typedef struct vl_hist {
    uint64_t count;
    int64_t min, max;
    double sum;        /* for the mean; reporting only, never fed back into the model */
    uint64_t **chunk;  /* NULL until the first value; chunk[c] NULL until a
                        * value lands in buckets c*CHUNK .. (c+1)*CHUNK-1 */
    uint64_t *last;    /* the chunk the last value landed in (NULL: none),
                        * and its index: a latency mostly lands where the
                        * one before did, and skips the table then */
    int last_c;
} vl_hist;

/* An empty histogram (allocates nothing). */
void vl_hist_init(vl_hist *h);
/* Empty again (keeps its memory for the values to come). */
void vl_hist_reset(vl_hist *h);
/* Releases its memory; the histogram is empty afterwards. */
void vl_hist_free(vl_hist *h);
/* Bytes it holds beyond its header. */
size_t vl_hist_bytes(const vl_hist *h);
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
