/* vl_bitmap.h - fixed-size bit sets (e.g. idle pCPUs), with find-next in
 * O(words).  The caller owns the storage: VL_BITMAP_WORDS(n) uint64_t. */
#ifndef VL_BITMAP_H
#define VL_BITMAP_H

#include <stdbool.h>
#include <stdint.h>

#define VL_BITMAP_WORDS(n) (((n) + 63) / 64)

static inline void vl_bit_set(uint64_t *b, int i) { b[i >> 6] |= 1ULL << (i & 63); }
static inline void vl_bit_clear(uint64_t *b, int i) { b[i >> 6] &= ~(1ULL << (i & 63)); }
static inline bool vl_bit_test(const uint64_t *b, int i) { return (b[i >> 6] >> (i & 63)) & 1; }

/* First set bit of a & b (b == NULL: of a) at index >= from and < n, or
 * -1. */
static inline int vl_bit__scan(const uint64_t *a, const uint64_t *b, int from, int n)
{
    if (from >= n)
        return -1;
    int w = from >> 6;
    uint64_t word = a[w] & (b ? b[w] : ~0ULL) & (~0ULL << (from & 63));
    for (;;) {
        if (word) {
            int i = (w << 6) + __builtin_ctzll(word);
            return i < n ? i : -1;
        }
        if (++w >= VL_BITMAP_WORDS(n))
            return -1;
        word = a[w] & (b ? b[w] : ~0ULL);
    }
}

/* First set bit at index >= from and < n, or -1. */
static inline int vl_bit_next(const uint64_t *b, int from, int n)
{
    return vl_bit__scan(b, NULL, from, n);
}

/* First set bit of a & b at index >= from and < n, or -1. */
static inline int vl_bit_next_and(const uint64_t *a, const uint64_t *b, int from, int n)
{
    return vl_bit__scan(a, b, from, n);
}

/* The first set bit after `from` in the order from+1 .. n-1, 0 .. from
 * (wrapping, `from` itself last), or -1 (Xen's cpumask_cycle).
 * 0 <= from < n. */
static inline int vl_bit_cycle(const uint64_t *b, int from, int n)
{
    int i = vl_bit_next(b, from + 1, n);
    return i >= 0 ? i : vl_bit_next(b, 0, from + 1);
}

/* The same over a & b. */
static inline int vl_bit_cycle_and(const uint64_t *a, const uint64_t *b, int from, int n)
{
    int i = vl_bit_next_and(a, b, from + 1, n);
    return i >= 0 ? i : vl_bit_next_and(a, b, 0, from + 1);
}

/* Mask of the bits of word w that lie in [from, to); from < to. */
static inline uint64_t vl_bit_range_word(int w, int from, int to)
{
    uint64_t m = ~0ULL;
    if (w == from >> 6)
        m &= ~0ULL << (from & 63);
    if (w == (to - 1) >> 6)
        m &= ~0ULL >> (63 - ((to - 1) & 63));
    return m;
}

/* Number of set bits at index >= from and < to. */
static inline int vl_bit_count(const uint64_t *b, int from, int to)
{
    int c = 0;
    for (int w = from >> 6; from < to && w <= (to - 1) >> 6; w++)
        c += __builtin_popcountll(b[w] & vl_bit_range_word(w, from, to));
    return c;
}

/* Clear the bits at index >= from and < to. */
/* Whether every bit of [0, n) is set. */
static inline bool vl_bit_all(const uint64_t *b, int n)
{
    for (int w = 0; w < VL_BITMAP_WORDS(n); w++) {
        uint64_t want = vl_bit_range_word(w, 0, n);
        if ((b[w] & want) != want)
            return false;
    }
    return true;
}

static inline void vl_bit_clear_range(uint64_t *b, int from, int to)
{
    for (int w = from >> 6; from < to && w <= (to - 1) >> 6; w++)
        b[w] &= ~vl_bit_range_word(w, from, to);
}

#endif
