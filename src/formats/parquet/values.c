/* values.c — turning Parquet's physical values into batch values
 * (pq_convert) and the text forms of dates, times, decimals and floats that
 * nested JSON and statistics need.
 *
 * Conversions never fail: every physical value has a batch value (decimals
 * wider than 128 bits keep their low 128 bits, as two's complement does).
 */
#include "formats/parquet/internal.h"
#include "core/clock.h"
#include "core/mem.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Capacity for `need` bytes: doubling from cur, never past cap. */
static size_t grown(size_t cur, size_t need, size_t cap)
{
	size_t n = cur ? cur : 256;
	while (n < need)
		n = n > cap / 2 ? cap : n * 2;
	return n;
}

int pq_bytes_reserve(struct pq_bytes *b, size_t need, size_t cap)
{
	if (need > cap)
		return -1;
	if (need > b->cap) {
		b->cap = grown(b->cap, need, cap);
		b->p = xrealloc(b->p, b->cap);
	}
	return 0;
}

int pq_col_data_reserve(struct column *c, size_t extra)
{
	if (extra > PQ_MAX_BATCH_BYTES - c->data_len)
		return -1;
	if (c->data_len + extra > c->data_cap) {
		c->data_cap = grown(c->data_cap, c->data_len + extra, PQ_MAX_BATCH_BYTES);
		c->data = xrealloc(c->data, c->data_cap);
	}
	return 0;
}

static __int128 be_to_i128(const uint8_t *p, size_t n)
{
	unsigned __int128 v = (n > 0 && (p[0] & 0x80)) ? ~(unsigned __int128)0 : 0;
	for (size_t i = 0; i < n; i++)
		v = v << 8 | p[i];
	return (__int128)v;
}

static double be_to_double(const uint8_t *p, size_t n, int scale)
{
	bool neg = n > 0 && (p[0] & 0x80);
	double v = 0;
	for (size_t i = 0; i < n; i++)
		v = v * 256.0 + (double)(neg ? (uint8_t)~p[i] : p[i]);
	if (neg)
		v = -(v + 1);
	return v / pow(10.0, scale);
}

static float half_to_float(uint16_t h)
{
	uint32_t sign = (uint32_t)(h >> 15) << 31, exp = h >> 10 & 0x1f, man = h & 0x3ff, bits;
	if (exp == 0x1f) {
		bits = sign | 0x7f800000u | man << 13;
	} else if (exp == 0) {
		/* zero or subnormal: value = man * 2^-24 */
		float f = (float)man * 0x1p-24f;
		return sign ? -f : f;
	} else {
		bits = sign | (exp + 112) << 23 | man << 13;
	}
	float f;
	memcpy(&f, &bits, 4);
	return f;
}

static int64_t int96_to_micros(const uint8_t *p)
{
	uint64_t nanos;
	uint32_t jd;
	memcpy(&nanos, p, 8);
	memcpy(&jd, p + 8, 4);
	/* DuckDB's formula, in wrapping arithmetic so that values no timestamp
	 * can hold come out the same as there instead of as UB. */
	uint64_t days = (uint64_t)((int64_t)jd - 2440588);
	return (int64_t)(days * 86400000000ull + (uint64_t)((int64_t)nanos / 1000));
}

static void uuid_text(const uint8_t *p, char *o)
{
	static const char hx[] = "0123456789abcdef";
	for (int i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			*o++ = '-';
		*o++ = hx[p[i] >> 4];
		*o++ = hx[p[i] & 15];
	}
}

static size_t phys_width(const struct pq_leaf *l)
{
	switch (l->phys) {
	case PQ_BOOLEAN:
		return 1;
	case PQ_INT32:
	case PQ_FLOAT:
		return 4;
	case PQ_INT64:
	case PQ_DOUBLE:
		return 8;
	case PQ_INT96:
		return 12;
	case PQ_FIXED:
		return (size_t)l->type_length;
	default:
		return 0;
	}
}

/* Physical value i as bytes (fixed or variable width). */
static const uint8_t *phys_at(const struct pq_leaf *l, const struct column *ph, size_t i, size_t *len)
{
	if (l->phys == PQ_BYTE_ARRAY) {
		*len = ph->offsets[i + 1] - ph->offsets[i];
		return (const uint8_t *)ph->data + ph->offsets[i];
	}
	*len = phys_width(l);
	return (const uint8_t *)ph->v.raw + i * *len;
}

void pq_convert(const struct pq_leaf *leaf, const struct column *ph, size_t n, struct column *dst, size_t at)
{
	size_t len;
	switch (leaf->conv) {
	case CV_U32:
		for (size_t i = 0; i < n; i++)
			dst->v.i64[at + i] = (int64_t)(uint32_t)ph->v.i32[i];
		break;
	case CV_I32_I64:
		for (size_t i = 0; i < n; i++)
			dst->v.i64[at + i] = ph->v.i32[i];
		break;
	case CV_I32_DEC:
		for (size_t i = 0; i < n; i++)
			dst->v.dec[at + i] = ph->v.i32[i];
		break;
	case CV_I64_DEC:
		for (size_t i = 0; i < n; i++)
			dst->v.dec[at + i] = ph->v.i64[i];
		break;
	case CV_BIN_DEC:
		for (size_t i = 0; i < n; i++) {
			const uint8_t *p = phys_at(leaf, ph, i, &len);
			dst->v.dec[at + i] = be_to_i128(p, len);
		}
		break;
	case CV_BIN_DBL:
		for (size_t i = 0; i < n; i++) {
			const uint8_t *p = phys_at(leaf, ph, i, &len);
			dst->v.f64[at + i] = be_to_double(p, len, leaf->f.scale);
		}
		break;
	case CV_INT96:
		for (size_t i = 0; i < n; i++)
			dst->v.i64[at + i] = int96_to_micros((const uint8_t *)ph->v.raw + 12 * i);
		break;
	case CV_F16:
		for (size_t i = 0; i < n; i++) {
			const uint8_t *p = (const uint8_t *)ph->v.raw + 2 * i;
			dst->v.f32[at + i] = half_to_float((uint16_t)(p[0] | p[1] << 8));
		}
		break;
	case CV_UUID:
		/* The caller reserved 36 bytes per value. */
		for (size_t i = 0; i < n; i++) {
			uuid_text((const uint8_t *)ph->v.raw + 16 * i, dst->data + dst->data_len);
			dst->data_len += 36;
			dst->offsets[at + i + 1] = (uint32_t)dst->data_len;
		}
		break;
	default:
		break;
	}
}

/* ---------------------------------------------------------------- text */

size_t pq_fmt_date(char *out, int32_t days)
{
	int64_t y;
	int m, d;
	civil_from_days(days, &y, &m, &d);
	return (size_t)snprintf(out, 32, "%s%04lld-%02d-%02d", y < 0 ? "-" : "", (long long)(y < 0 ? -y : y), m, d);
}

static int64_t per_second(int unit)
{
	return unit == TS_MILLIS ? 1000 : unit == TS_MICROS ? 1000000 : unit == TS_NANOS ? 1000000000 : 1;
}

/* ".fff" with trailing zeros dropped, nothing when frac is 0. */
static size_t fmt_frac(char *out, int64_t frac, int unit)
{
	int digits = unit == TS_MILLIS ? 3 : unit == TS_MICROS ? 6 : unit == TS_NANOS ? 9 : 0;
	if (!frac || !digits)
		return 0;
	char tmp[16];
	snprintf(tmp, sizeof tmp, "%0*lld", digits, (long long)frac);
	int n = digits;
	while (n > 0 && tmp[n - 1] == '0')
		n--;
	out[0] = '.';
	memcpy(out + 1, tmp, (size_t)n);
	return (size_t)n + 1;
}

size_t pq_fmt_time(char *out, int64_t v, int unit)
{
	int64_t ps = per_second(unit);
	int64_t secs = floor_div(v, ps), frac = v - secs * ps;
	int k = snprintf(out, 32, "%02lld:%02lld:%02lld", (long long)(secs / 3600), (long long)(secs / 60 % 60),
			 (long long)(secs % 60));
	size_t n = k < 0 ? 0 : k > 31 ? 31 : (size_t)k;
	n += fmt_frac(out + n, frac, unit);
	out[n] = 0;
	return n;
}

size_t pq_fmt_timestamp(char *out, int64_t v, int unit, bool utc, bool iso)
{
	int64_t ps = per_second(unit);
	int64_t secs = floor_div(v, ps), frac = v - secs * ps;
	int64_t days = floor_div(secs, 86400), sod = secs - days * 86400;
	int64_t y;
	int m, d;
	civil_from_days(days, &y, &m, &d);
	int k = snprintf(out, 48, "%s%04lld-%02d-%02d%c%02d:%02d:%02d", y < 0 ? "-" : "", (long long)(y < 0 ? -y : y),
			 m, d, iso ? 'T' : ' ', (int)(sod / 3600), (int)(sod / 60 % 60), (int)(sod % 60));
	size_t n = k < 0 ? 0 : k > 47 ? 47 : (size_t)k;
	n += fmt_frac(out + n, frac, unit);
	if (utc)
		out[n++] = 'Z';
	out[n] = 0;
	return n;
}

size_t pq_fmt_decimal(char *out, __int128 v, int scale)
{
	char digits[48];
	int nd = 0;
	bool neg = v < 0;
	unsigned __int128 u = neg ? -(unsigned __int128)v : (unsigned __int128)v;
	do {
		digits[nd++] = (char)('0' + (int)(u % 10));
		u /= 10;
	} while (u);
	while (nd <= scale)
		digits[nd++] = '0';
	size_t n = 0;
	if (neg)
		out[n++] = '-';
	for (int i = nd - 1; i >= 0; i--) {
		out[n++] = digits[i];
		if (i == scale && scale > 0)
			out[n++] = '.';
	}
	out[n] = 0;
	return n;
}

size_t pq_fmt_double(char *out, double v)
{
	/* The shortest of 15, 16, 17 significant digits that reads back the
	 * same: %g with 15 digits is already shortest when anything under 16
	 * digits round-trips, since a double carries ~15.95 digits. */
	int n = 0;
	for (int prec = 15; prec <= 17; prec++) {
		n = snprintf(out, 32, "%.*g", prec, v);
		if (strtod(out, NULL) == v)
			break;
	}
	return (size_t)n;
}

size_t pq_fmt_float(char *out, float v)
{
	int n = 0;
	for (int prec = 6; prec <= 9; prec++) {
		n = snprintf(out, 32, "%.*g", prec, (double)v);
		if (strtof(out, NULL) == v)
			break;
	}
	return (size_t)n;
}
