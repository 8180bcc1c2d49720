/* vl_time.h - simulated time: signed 64-bit nanoseconds.
 *
 * All model and engine time is an int64_t count of nanoseconds (vl_ns).
 * Build values with VL_US()/VL_MS()/VL_S(); parse and print them with
 * units ("30ms", "100us", "2s", "1.5ms") through vl_duration_parse() and
 * vl_duration_format(). */
#ifndef VL_TIME_H
#define VL_TIME_H

#include <stddef.h>
#include <stdint.h>

typedef int64_t vl_ns;

#define VL_NS(x) ((vl_ns)(x))
#define VL_US(x) ((vl_ns)(x) * 1000LL)
#define VL_MS(x) ((vl_ns)(x) * 1000000LL)
#define VL_S(x)  ((vl_ns)(x) * 1000000000LL)

/* Largest representable instant; used as "never". */
#define VL_NS_MAX INT64_MAX

/* Parses "<digits>[.<digits>]<unit>" where unit is one of ns, us, ms, s (a
 * bare number is an error unless allow_bare is set, in which case it is
 * nanoseconds); no sign, space or exponent.  The result must be an exact
 * integer count of ns.  Returns 0 on success, -1 on a syntax error and
 * VL_DURATION_TOO_LONG when the duration does not fit in int64 (more than
 * about 292 years); *out is untouched on error. */
#define VL_DURATION_TOO_LONG (-2)
int vl_duration_parse(const char *text, int allow_bare, vl_ns *out);

/* Formats with the largest unit that keeps the value exact, e.g. 30000000 ->
 * "30ms", 1500000 -> "1500us", 0 -> "0ns".  Returns the snprintf result. */
int vl_duration_format(vl_ns t, char *buf, size_t len);

#endif
