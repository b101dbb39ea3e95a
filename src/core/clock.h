/* clock.h — time sources and the timestamp formats AWS protocols use. */
#ifndef NUAGE_CORE_CLOCK_H
#define NUAGE_CORE_CLOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

int64_t clock_mono_us(void);  /* monotonic, for durations and timers */
int64_t clock_wall_ms(void);  /* Unix epoch milliseconds */
/* *ts = now on clock clk (the one the condition variable waits on) + us
 * microseconds: the deadline pthread_cond_timedwait wants. */
void clock_deadline(clockid_t clk, int64_t us, struct timespec *ts);
/* a / b rounded towards minus infinity (splitting times before 1970). */
static inline int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* The proleptic Gregorian calendar (Howard Hinnant's algorithms): days since
 * 1970-01-01 from a date, and back (any int64 day count). */
int64_t days_from_civil(int64_t y, unsigned m, unsigned d);
void civil_from_days(int64_t days, int64_t *y, int *m, int *d);

/* Formatters write a NUL-terminated string into out and return its length.
 * iso8601: 2026-11-28T09:05:07.123Z (millis) — XML protocols.
 * iso8601_s: 2026-11-28T09:05:07Z — SNS envelopes, S3 event records.
 * amz: 20261128T090507Z — SigV4's X-Amz-Date.
 * rfc1123: Sat, 28 Nov 2026 09:05:07 GMT — HTTP headers. */
size_t time_fmt_iso8601(int64_t ms, char out[32]);
size_t time_fmt_iso8601_s(int64_t ms, char out[32]);
size_t time_fmt_amz(int64_t ms, char out[17]);
size_t time_fmt_rfc1123(int64_t ms, char out[32]);

/* Parsers return 0 and epoch ms, or -1. iso8601 accepts an optional fraction
 * and Z or +hh:mm offset; http accepts RFC 1123, RFC 850 and asctime as
 * RFC 9110 requires of recipients; amz is the compact SigV4 form. */
int time_parse_iso8601(const char *s, size_t n, int64_t *ms);
int time_parse_http(const char *s, size_t n, int64_t *ms);
int time_parse_amz(const char *s, size_t n, int64_t *ms);

#endif
