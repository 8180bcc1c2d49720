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

/* First set bit at index >= from and < n, or -1. */
static inline int vl_bit_next(const uint64_t *b, int from, int n)
{
    if (from >= n)
        return -1;
    int w = from >> 6;
    uint64_t word = b[w] & (~0ULL << (from & 63));
    for (;;) {
        if (word) {
            int i = (w << 6) + __builtin_ctzll(word);
            return i < n ? i : -1;
        }
        if (++w >= VL_BITMAP_WORDS(n))
            return -1;
        word = b[w];
    }
}

/* First set bit of a & b at index >= from and < n, or -1. */
static inline int vl_bit_next_and(const uint64_t *a, const uint64_t *b, int from, int n)
{
    if (from >= n)
        return -1;
    int w = from >> 6;
    uint64_t word = a[w] & b[w] & (~0ULL << (from & 63));
    for (;;) {
        if (word) {
            int i = (w << 6) + __builtin_ctzll(word);
            return i < n ? i : -1;
        }
        if (++w >= VL_BITMAP_WORDS(n))
            return -1;
        word = a[w] & b[w];
    }
}

#endif
