/* vl_rng.c - deterministic random-number streams (FNV-1a, splitmix64,
 * xoshiro256**).
 *
 * Stream derivation (part of the reproducibility contract: changing it
 * changes every simulation result):
 *
 *     x    = seed XOR fnv1a64(name)          (name NULL is treated as "")
 *     s[0] = splitmix64(&x)
 *     s[1] = splitmix64(&x)
 *     s[2] = splitmix64(&x)
 *     s[3] = splitmix64(&x)
 *
 * where splitmix64 first adds 0x9e3779b97f4a7c15 to x and then mixes
 * (Steele, Lea & Flood; constants as in Vigna's reference splitmix64.c).
 * Four consecutive splitmix64 outputs are never all zero (the output
 * function is a bijection of distinct states), so the xoshiro state is
 * always valid.  Outputs are xoshiro256** (Blackman & Vigna, 2018). */
#include "vl_rng.h"

#define FNV64_OFFSET 0xcbf29ce484222325ULL
#define FNV64_PRIME  0x100000001b3ULL

uint64_t vl_hash_str(const char *s)
{
    uint64_t h = FNV64_OFFSET;
    for (const unsigned char *p = (const unsigned char *)s; p && *p; p++) {
        h ^= *p;
        h *= FNV64_PRIME;
    }
    return h;
}

uint64_t vl_splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

void vl_rng_init(vl_rng *r, uint64_t seed, const char *name)
{
    uint64_t x = seed ^ vl_hash_str(name);
    for (int i = 0; i < 4; i++)
        r->s[i] = vl_splitmix64(&x);
}

static inline uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

uint64_t vl_rng_u64(vl_rng *r)
{
    uint64_t *s = r->s;
    const uint64_t result = rotl(s[1] * 5, 7) * 9;
    const uint64_t t = s[1] << 17;

    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

double vl_rng_double(vl_rng *r)
{
    return (double)(vl_rng_u64(r) >> 11) * 0x1.0p-53;
}

/* Lemire, "Fast Random Integer Generation in an Interval" (2019): the high
 * word of x*n is uniform on [0,n) once the low words that fall in the
 * first (2^64 mod n) values are rejected. */
uint64_t vl_rng_below(vl_rng *r, uint64_t n)
{
    if (n == 0)
        return 0; /* contract violation; keep it harmless */
    unsigned __int128 m = (unsigned __int128)vl_rng_u64(r) * n;
    uint64_t low = (uint64_t)m;
    if (low < n) {
        const uint64_t threshold = -n % n; /* 2^64 mod n */
        while (low < threshold) {
            m = (unsigned __int128)vl_rng_u64(r) * n;
            low = (uint64_t)m;
        }
    }
    return (uint64_t)(m >> 64);
}
