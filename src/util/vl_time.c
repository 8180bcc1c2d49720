/* vl_time.c - parsing and formatting of durations with units.
 *
 * Parsing is done on the decimal digits with integer arithmetic (never
 * floating point), so "0.1ms" is exactly 100000 ns and anything that is not
 * an exact, non-negative int64 number of nanoseconds is rejected.
 *
 * Accepted syntax: DIGITS [ "." DIGITS ] UNIT, with UNIT one of ns, us, ms,
 * s, and no sign, spaces or other characters anywhere.  With allow_bare the
 * unit may be omitted (nanoseconds). */
#include "vl_time.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

typedef struct unit_def {
    const char *name;
    int64_t mult; /* ns per unit */
    int scale;    /* log10(mult) */
} unit_def;

/* Largest first: vl_duration_format picks the first unit that divides. */
static const unit_def k_units[] = {
    {"s", 1000000000LL, 9},
    {"ms", 1000000LL, 6},
    {"us", 1000LL, 3},
    {"ns", 1LL, 0},
};
#define N_UNITS (sizeof k_units / sizeof k_units[0])

static int is_digit(char c) { return c >= '0' && c <= '9'; }

/* Unit named by the whole of s (NULL if none); empty s is the bare unit
 * when allowed. */
static const unit_def *find_unit(const char *s, int allow_bare)
{
    if (*s == '\0')
        return allow_bare ? &k_units[N_UNITS - 1] : NULL;
    for (size_t i = 0; i < N_UNITS; i++)
        if (strcmp(s, k_units[i].name) == 0)
            return &k_units[i];
    return NULL;
}

/* Converts the fractional digits frac[0..len) to ns for a unit of 10^scale
 * ns.  Fails if the fraction is not a whole number of ns. */
static int frac_to_ns(const char *frac, size_t len, int scale, int64_t *out)
{
    while (len > 0 && frac[len - 1] == '0')
        len--; /* trailing zeros never change the value */
    if (len > (size_t)scale)
        return -1; /* finer than 1 ns */
    int64_t v = 0;
    for (size_t i = 0; i < len; i++)
        v = v * 10 + (frac[i] - '0');
    for (size_t i = len; i < (size_t)scale; i++)
        v *= 10;
    *out = v;
    return 0;
}

int vl_duration_parse(const char *text, int allow_bare, vl_ns *out)
{
    if (!text || !is_digit(*text))
        return -1; /* empty, sign, space, leading '.' */

    const char *p = text;
    const char *int_start = p;
    while (is_digit(*p))
        p++;
    const char *int_end = p;

    const char *frac = p;
    size_t frac_len = 0;
    if (*p == '.') {
        frac = ++p;
        while (is_digit(*p))
            p++;
        frac_len = (size_t)(p - frac);
        if (frac_len == 0)
            return -1; /* "1.ms" */
    }

    const unit_def *u = find_unit(p, allow_bare);
    if (!u)
        return -1;

    int64_t frac_ns = 0;
    if (frac_to_ns(frac, frac_len, u->scale, &frac_ns) != 0)
        return -1;

    /* int_part * mult + frac_ns <= INT64_MAX, checked digit by digit. */
    const int64_t limit = (INT64_MAX - frac_ns) / u->mult;
    int64_t ip = 0;
    for (const char *q = int_start; q < int_end; q++) {
        int d = *q - '0';
        if (ip > limit / 10 || (ip == limit / 10 && d > limit % 10))
            return VL_DURATION_TOO_LONG;
        ip = ip * 10 + d;
    }
    *out = ip * u->mult + frac_ns;
    return 0;
}

int vl_duration_format(vl_ns t, char *buf, size_t len)
{
    const unit_def *u = &k_units[N_UNITS - 1];
    if (t != 0) {
        for (size_t i = 0; i < N_UNITS; i++) {
            if (t % k_units[i].mult == 0) {
                u = &k_units[i];
                break;
            }
        }
    }
    return snprintf(buf, len, "%" PRId64 "%s", t / u->mult, u->name);
}
