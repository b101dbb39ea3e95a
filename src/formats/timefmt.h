/* timefmt.h — dates and timestamps as text, in Snowflake's format language
 * (DATE_FORMAT / TIMESTAMP_FORMAT) or AUTO.
 *
 * Format elements: YYYY YY MM MON MMMM DD DY HH24 HH12 HH AM PM MI SS
 * FF FF1..FF9 TZH TZM (and TZH:TZM), "quoted literal", and any other
 * character matches itself. Case does not matter in element names.
 * On input, MM/DD/HH/MI/SS take one or two digits, FF one to nine digits,
 * and MON/MMMM/DY any case.
 *
 * AUTO accepts ISO 8601 (2024-03-01, 2024-03-01T10:20:30.5Z, with a space
 * instead of T, offsets +01, +0100, +01:00), MM/DD/YYYY and DD-MON-YYYY
 * with an optional time, and (timestamps only) integer epochs scaled the
 * way Snowflake does: below 31536000000 seconds, then millis, micros, nanos.
 *
 * Invariants: parsers never read past (p, n); a timestamp is split into
 * epoch seconds and nanoseconds so years 0001..9999 fit whatever the unit.
 */
#ifndef NUAGE_FORMATS_TIMEFMT_H
#define NUAGE_FORMATS_TIMEFMT_H

#include "formats/batch.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A parsed time: sec is the wall-clock time as written, in seconds since
 * 1970-01-01 00:00; nsec 0..999999999; when has_tz, the text carried an
 * offset of tz_min minutes east of UTC (the instant is sec - tz_min*60). */
struct tf_time {
	int64_t sec;
	int32_t nsec;
	int32_t tz_min;
	bool has_tz, has_time;
};

#define TF_MAX_OPS 48

struct tf_op {
	uint8_t kind;
	uint8_t width;  /* digits for FFn; literal length */
	char lit[6];
};

/* A compiled format; AUTO when auto_ is set. */
struct tf_format {
	bool auto_;
	bool iso_date; /* exactly YYYY-MM-DD: parsed by the ISO fast path first */
	int nops;
	struct tf_op ops[TF_MAX_OPS];
};

/* Compiles text ("AUTO" or NULL means AUTO); -1 if it cannot be used,
 * with a reason in why (why may be NULL). */
int tf_compile(const char *text, struct tf_format *f, char *why, size_t whylen);

/* 0 ok, -1 when the text does not match (or is not a real date). */
int tf_parse(const struct tf_format *f, const char *p, size_t n, struct tf_time *out);
int tf_parse_date(const struct tf_format *f, const char *p, size_t n, int32_t *days);
/* Into a COL_TIMESTAMP value of `unit`: UTC instants when utc (a missing
 * offset is read as UTC), wall-clock time otherwise (an offset is dropped).
 * -1 on a mismatch or when the value does not fit the unit. */
int tf_parse_ts(const struct tf_format *f, const char *p, size_t n, enum ts_unit unit, bool utc, int64_t *out);
/* HH24:MI[:SS[.FF]] into COL_TIME units. */
int tf_parse_time(const char *p, size_t n, enum ts_unit unit, int64_t *out);

/* Formatting: out must hold TF_MAX_TEXT bytes; returns the length.
 * AUTO formats write ISO: 2024-03-01, 2024-03-01 10:20:30[.fraction]
 * (trailing zeros of the fraction dropped) and +00:00 for UTC values. */
#define TF_MAX_TEXT 96
size_t tf_format_date(const struct tf_format *f, int32_t days, char *out);
size_t tf_format_ts(const struct tf_format *f, int64_t v, enum ts_unit unit, bool utc, char *out);
size_t tf_format_time(int64_t v, enum ts_unit unit, char *out);

/* Calendar helpers. */

#endif
