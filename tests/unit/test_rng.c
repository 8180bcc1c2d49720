/* test_rng.c - unit tests for vl_rng: published test vectors, an
 * independent reference implementation of the stream derivation, and
 * statistical checks of vl_rng_below / vl_rng_double. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "vl_rng.h"

/* ---- reference implementation, written from the algorithm definitions -- */

static uint64_t ref_fnv1a(const char *s)
{
    uint64_t h = 14695981039346656037ULL; /* FNV-1a 64 offset basis */
    while (*s) {
        h ^= (uint8_t)*s++;
        h *= 1099511628211ULL; /* FNV 64 prime */
    }
    return h;
}

static uint64_t ref_splitmix(uint64_t *x)
{
    *x += 0x9E3779B97F4A7C15ULL;
    uint64_t z = *x;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static uint64_t ref_rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static uint64_t ref_xoshiro(uint64_t s[4])
{
    uint64_t out = ref_rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = ref_rotl(s[3], 45);
    return out;
}

static void ref_init(uint64_t s[4], uint64_t seed, const char *name)
{
    uint64_t x = seed ^ ref_fnv1a(name);
    for (int i = 0; i < 4; i++)
        s[i] = ref_splitmix(&x);
}

/* ---- tests ---------------------------------------------------------------- */

static void test_fnv1a_vectors(void **state)
{
    (void)state;
    /* Published FNV-1a 64 test vectors. */
    assert_true(vl_hash_str("") == 0xcbf29ce484222325ULL);
    assert_true(vl_hash_str("a") == 0xaf63dc4c8601ec8cULL);
    assert_true(vl_hash_str("foobar") == 0x85944171f73967e8ULL);
    assert_true(vl_hash_str("vm1/task0") == ref_fnv1a("vm1/task0"));
    assert_true(vl_hash_str("a") != vl_hash_str("b"));
}

static void test_splitmix64_vectors(void **state)
{
    (void)state;
    /* Vigna's splitmix64.c from state 0. */
    uint64_t st = 0;
    assert_true(vl_splitmix64(&st) == 0xe220a8397b1dcdafULL);
    assert_true(vl_splitmix64(&st) == 0x6e789e6aa1b965f4ULL);
    assert_true(vl_splitmix64(&st) == 0x06c45d188009454fULL);
    assert_true(st == 3 * 0x9e3779b97f4a7c15ULL);

    uint64_t a = 12345, b = 12345;
    for (int i = 0; i < 1000; i++)
        assert_true(vl_splitmix64(&a) == ref_splitmix(&b));
}

static void test_xoshiro_vector(void **state)
{
    (void)state;
    /* xoshiro256** from the state {1,2,3,4}. */
    vl_rng r = {.s = {1, 2, 3, 4}};
    assert_true(vl_rng_u64(&r) == 11520ULL);
    assert_true(vl_rng_u64(&r) == 0ULL);
    assert_true(vl_rng_u64(&r) == 1509978240ULL);
    assert_true(vl_rng_u64(&r) == 1215971899390074240ULL);
}

static void test_stream_known_outputs(void **state)
{
    (void)state;
    /* Computed offline (Python) from the documented derivation. */
    vl_rng r;
    vl_rng_init(&r, 42, "vm1/task0");
    assert_true(vl_rng_u64(&r) == 0x42e3c4bf39aeb36aULL);
    assert_true(vl_rng_u64(&r) == 0xf316709cb4b99e7cULL);
    assert_true(vl_rng_u64(&r) == 0xe11baf218bbd542fULL);
    assert_true(vl_rng_u64(&r) == 0xbe8e9347acb8f30aULL);

    vl_rng_init(&r, 0xdeadbeef, "");
    assert_true(vl_rng_u64(&r) == 0xe0247c9f323f0d18ULL);
    assert_true(vl_rng_u64(&r) == 0x56e47f3d9908e310ULL);
}

static void test_stream_matches_reference(void **state)
{
    (void)state;
    static const char *names[] = {"", "a", "vm0", "vm0/vcpu1", "client-17", "disk"};
    static const uint64_t seeds[] = {0, 1, 42, 0xdeadbeefcafef00dULL, UINT64_MAX};
    for (size_t i = 0; i < sizeof seeds / sizeof seeds[0]; i++) {
        for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
            vl_rng r;
            uint64_t ref[4];
            vl_rng_init(&r, seeds[i], names[k]);
            ref_init(ref, seeds[i], names[k]);
            assert_memory_equal(r.s, ref, sizeof ref);
            for (int n = 0; n < 100; n++)
                assert_true(vl_rng_u64(&r) == ref_xoshiro(ref));
        }
    }
}

static void test_streams_same_and_different(void **state)
{
    (void)state;
    vl_rng a, b, c, d, e;
    vl_rng_init(&a, 7, "vm0");
    vl_rng_init(&b, 7, "vm0");
    vl_rng_init(&c, 7, "vm1");
    vl_rng_init(&d, 8, "vm0");
    vl_rng_init(&e, 7, NULL);
    int same_ac = 0, same_ad = 0;
    for (int i = 0; i < 1000; i++) {
        uint64_t x = vl_rng_u64(&a);
        assert_true(x == vl_rng_u64(&b));
        same_ac += x == vl_rng_u64(&c);
        same_ad += x == vl_rng_u64(&d);
    }
    assert_int_equal(same_ac, 0);
    assert_int_equal(same_ad, 0);

    /* NULL name is the empty name */
    vl_rng f;
    vl_rng_init(&f, 7, "");
    assert_memory_equal(e.s, f.s, sizeof f.s);
}

static void test_double_range_and_bits(void **state)
{
    (void)state;
    vl_rng r, shadow;
    vl_rng_init(&r, 1, "double");
    shadow = r;
    double sum = 0;
    int odd = 0;
    const int n = 100000;
    for (int i = 0; i < n; i++) {
        double u = vl_rng_double(&r);
        uint64_t x = vl_rng_u64(&shadow);
        assert_true(u >= 0.0 && u < 1.0);
        /* exactly the top 53 bits scaled by 2^-53 */
        assert_true(u == (double)(x >> 11) / 9007199254740992.0);
        sum += u;
        odd += (x >> 11) & 1; /* lowest of the 53 bits is used */
    }
    assert_true(sum / n > 0.49 && sum / n < 0.51);
    assert_true(odd > n / 2 - 1000 && odd < n / 2 + 1000);

    /* the largest possible output still maps below 1 */
    assert_true((double)(UINT64_MAX >> 11) * 0x1.0p-53 < 1.0);
}

/* Pearson chi-square of vl_rng_below(n) over n bins. */
static double chi_square_below(uint64_t n, int draws, const char *name)
{
    uint64_t counts[64] = {0};
    vl_rng r;
    vl_rng_init(&r, 2024, name);
    for (int i = 0; i < draws; i++) {
        uint64_t v = vl_rng_below(&r, n);
        assert_true(v < n);
        counts[v]++;
    }
    const double expect = (double)draws / (double)n;
    double chi = 0;
    for (uint64_t i = 0; i < n; i++)
        chi += ((double)counts[i] - expect) * ((double)counts[i] - expect) / expect;
    return chi;
}

static void test_below_uniform_chi_square(void **state)
{
    (void)state;
    /* df = 9: P(chi2 > 27.88) = 0.001.  A generator with a 1% bias on one
     * bin already gives chi2 ~ 100 at 10^5 draws. */
    assert_true(chi_square_below(10, 100000, "chi-a") < 27.88);
    assert_true(chi_square_below(10, 100000, "chi-b") < 27.88);
    /* df = 6 (n = 7, not a power of two): critical 22.46 at 0.001 */
    assert_true(chi_square_below(7, 100000, "chi-c") < 22.46);
}

static void test_below_no_modulo_bias(void **state)
{
    (void)state;
    /* n = 3 * 2^62: plain x % n would return values < 2^62 with probability
     * 1/2 instead of 1/3. */
    const uint64_t n = 3ULL << 62;
    vl_rng r;
    vl_rng_init(&r, 99, "bias");
    const int draws = 100000;
    int low = 0, mult3 = 0;
    for (int i = 0; i < draws; i++) {
        uint64_t v = vl_rng_below(&r, n);
        assert_true(v < n);
        low += v < (1ULL << 62);
        mult3 += v % 3 == 0;
    }
    /* 1/3 +- 5 standard errors (sd = sqrt(2/9/draws) ~ 0.0015) */
    double frac = (double)low / draws;
    assert_true(frac > 0.3333 - 0.0075 && frac < 0.3333 + 0.0075);
    /* Multiply-shift without Lemire's rejection step maps 4 inputs onto 3
     * outputs (floor(3x/4)): multiples of 3 would come up half the time. */
    frac = (double)mult3 / draws;
    assert_true(frac > 0.3333 - 0.0075 && frac < 0.3333 + 0.0075);
}

static void test_below_edges(void **state)
{
    (void)state;
    vl_rng r;
    vl_rng_init(&r, 5, "edges");
    for (int i = 0; i < 1000; i++) {
        assert_true(vl_rng_below(&r, 1) == 0);
        assert_true(vl_rng_below(&r, 2) < 2);
        assert_true(vl_rng_below(&r, UINT64_MAX) < UINT64_MAX);
    }
    /* both values of below(2) appear */
    int ones = 0;
    for (int i = 0; i < 1000; i++)
        ones += (int)vl_rng_below(&r, 2);
    assert_true(ones > 400 && ones < 600);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fnv1a_vectors),
        cmocka_unit_test(test_splitmix64_vectors),
        cmocka_unit_test(test_xoshiro_vector),
        cmocka_unit_test(test_stream_known_outputs),
        cmocka_unit_test(test_stream_matches_reference),
        cmocka_unit_test(test_streams_same_and_different),
        cmocka_unit_test(test_double_range_and_bits),
        cmocka_unit_test(test_below_uniform_chi_square),
        cmocka_unit_test(test_below_no_modulo_bias),
        cmocka_unit_test(test_below_edges),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
