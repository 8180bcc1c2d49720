/* vl_rng.h - deterministic random-number streams.
 *
 * Every entity that draws random numbers (a task, a device, a client) owns
 * its own stream, derived from the scenario seed and the entity's name, so
 * that adding a VM or changing the scheduler does not change what the other
 * entities draw (common random numbers across schedulers).
 * Generator: xoshiro256** (Blackman & Vigna), state seeded with splitmix64. */
#ifndef VL_RNG_H
#define VL_RNG_H

#include <stdint.h>

typedef struct vl_rng {
    uint64_t s[4];
} vl_rng;

/* 64-bit FNV-1a of a NUL-terminated string (stable across platforms). */
uint64_t vl_hash_str(const char *s);
/* splitmix64 step: advances *state and returns the next output. */
uint64_t vl_splitmix64(uint64_t *state);

/* Stream for entity `name` under scenario `seed`. */
void vl_rng_init(vl_rng *r, uint64_t seed, const char *name);
uint64_t vl_rng_u64(vl_rng *r);
/* Uniform double in [0, 1) with 53 random bits. */
double vl_rng_double(vl_rng *r);
/* Uniform integer in [0, n) without modulo bias; n > 0. */
uint64_t vl_rng_below(vl_rng *r, uint64_t n);

#endif
