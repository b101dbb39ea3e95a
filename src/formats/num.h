/* num.h — numbers and booleans to and from text, for every text format
 * (CSV, JSON) and for the sniffers.
 *
 * Parsers take (pointer, length) — fields are not NUL-terminated — accept
 * exactly the whole span (no surrounding spaces) and never read past it.
 * Formatters write into a caller buffer of the size given and return the
 * length written (no NUL unless said).
 *
 * Doubles: parsing is correctly rounded (a fast exact path for up to 19
 * digits and small exponents, strtod otherwise); formatting writes the
 * shortest text that reads back to the same double, always with a '.' or
 * an exponent so the value still looks like a double when re-read.
 */
#ifndef NUAGE_FORMATS_NUM_H
#define NUAGE_FORMATS_NUM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum num_rc { NUM_OK = 0, NUM_SYNTAX = -1, NUM_RANGE = -2 };

int num_parse_i64(const char *p, size_t n, int64_t *out);
int num_parse_i32(const char *p, size_t n, int32_t *out);
int num_parse_double(const char *p, size_t n, double *out);
/* Parses into an unscaled value with `scale` fraction digits, rounding half
 * away from zero; NUM_RANGE when the value needs more than `precision`
 * digits. Accepts an exponent (1.5e3). */
int num_parse_decimal(const char *p, size_t n, int precision, int scale, __int128 *out);
/* true/false, t/f, yes/no, y/n, on/off, 1/0 in any case (Snowflake's set). */
int num_parse_bool(const char *p, size_t n, bool *out);

/* What a piece of text looks like, for type inference. */
enum num_kind {
	NUM_KIND_NONE,    /* not a number */
	NUM_KIND_INT,     /* [+-]digits, fits int64 */
	NUM_KIND_BIGINT,  /* [+-]digits, too long for int64 */
	NUM_KIND_DECIMAL, /* [+-]digits.digits, no exponent */
	NUM_KIND_FLOAT,   /* exponent, inf, nan, or .5 / 5. forms */
};
struct num_shape {
	enum num_kind kind;
	int int_digits;  /* significant digits before the point (no leading zeros) */
	int frac_digits; /* digits after the point */
};
void num_classify(const char *p, size_t n, struct num_shape *out);

#define NUM_I64_MAX_LEN 21
#define NUM_DOUBLE_MAX_LEN 32
#define NUM_DECIMAL_MAX_LEN 44

size_t num_fmt_i64(int64_t v, char *out);
size_t num_fmt_u64(uint64_t v, char *out);
size_t num_fmt_double(double v, char *out);
size_t num_fmt_float(float v, char *out);
size_t num_fmt_decimal(__int128 v, int scale, char *out);

#endif
