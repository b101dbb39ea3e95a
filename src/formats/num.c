/* num.c — see num.h.
 *
 * Why hand-written: these run once per field of multi-gigabyte files, and
 * libc's strtoll/strtod need NUL-terminated input (a copy per field) and
 * accept things we must not (leading spaces, hex floats). strtod remains the
 * fallback for the rare double the exact fast path cannot do, always on text
 * this file has validated first.
 *
 * The fast double path (Clinger): a decimal mantissa below 2^53 times a power
 * of ten up to 10^22 is one correctly rounded IEEE operation on two exact
 * doubles, so it gives the same bits as a correct strtod.
 */
#include "formats/num.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const double pow10_exact[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
				       1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
				       1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

static inline unsigned digit(char c)
{
	return (unsigned)(unsigned char)c - '0';
}

int num_parse_i64(const char *p, size_t n, int64_t *out)
{
	size_t i = 0;
	bool neg = false;
	if (n && (p[0] == '-' || p[0] == '+')) {
		neg = p[0] == '-';
		i = 1;
	}
	if (i == n)
		return NUM_SYNTAX;
	uint64_t v = 0;
	bool over = false;
	for (; i < n; i++) {
		unsigned d = digit(p[i]);
		if (d > 9)
			return NUM_SYNTAX;
		if (v > (UINT64_MAX - d) / 10)
			over = true;
		else
			v = v * 10 + d;
	}
	if (over || v > (uint64_t)INT64_MAX + neg)
		return NUM_RANGE;
	*out = neg ? (int64_t)(0 - v) : (int64_t)v;
	return NUM_OK;
}

int num_parse_i32(const char *p, size_t n, int32_t *out)
{
	int64_t v;
	int rc = num_parse_i64(p, n, &v);
	if (rc)
		return rc;
	if (v < INT32_MIN || v > INT32_MAX)
		return NUM_RANGE;
	*out = (int32_t)v;
	return NUM_OK;
}

static bool ieq(const char *p, size_t n, const char *lit)
{
	size_t k = strlen(lit);
	if (n != k)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = p[i];
		if (c >= 'A' && c <= 'Z')
			c = (char)(c + 32);
		if (c != lit[i])
			return false;
	}
	return true;
}

/* The parts of a decimal number's text. */
struct dec_text {
	bool neg;
	const char *ip, *fp; /* integer and fraction digits */
	size_t in, fn;
	int64_t exp;         /* explicit exponent, clamped to +-100000 */
	bool has_point, has_exp;
};

/* Splits [+-]?(d+(.d*)?|.d+)([eE][+-]?d+)? ; NUM_SYNTAX otherwise. */
static int split_number(const char *p, size_t n, struct dec_text *t)
{
	size_t i = 0;
	memset(t, 0, sizeof *t);
	if (i < n && (p[i] == '-' || p[i] == '+'))
		t->neg = p[i++] == '-';
	t->ip = p + i;
	while (i < n && digit(p[i]) <= 9)
		i++;
	t->in = (size_t)(p + i - t->ip);
	if (i < n && p[i] == '.') {
		t->has_point = true;
		i++;
		t->fp = p + i;
		while (i < n && digit(p[i]) <= 9)
			i++;
		t->fn = (size_t)(p + i - t->fp);
	}
	if (t->in + t->fn == 0)
		return NUM_SYNTAX;
	if (i < n && (p[i] == 'e' || p[i] == 'E')) {
		t->has_exp = true;
		i++;
		bool eneg = false;
		if (i < n && (p[i] == '-' || p[i] == '+'))
			eneg = p[i++] == '-';
		if (i == n)
			return NUM_SYNTAX;
		int64_t e = 0;
		for (; i < n; i++) {
			unsigned d = digit(p[i]);
			if (d > 9)
				return NUM_SYNTAX;
			if (e < 100000)
				e = e * 10 + d;
		}
		t->exp = eneg ? -e : e;
	}
	return i == n ? NUM_OK : NUM_SYNTAX;
}

/* Plain [-]digits[.digits] with at most 19 digits in all: one pass, no
 * exponent; returns false to send anything else down the general path. */
static inline bool plain_decimal(const char *p, size_t n, bool *neg, uint64_t *m, int *frac)
{
	size_t i = 0;
	*neg = false;
	if (n && p[0] == '-') {
		*neg = true;
		i = 1;
	}
	if (i == n || n - i > 20)
		return false;
	uint64_t v = 0;
	int nd = 0, f = -1;
	for (; i < n; i++) {
		unsigned d = digit(p[i]);
		if (d <= 9) {
			v = v * 10 + d;
			nd++;
			if (f >= 0)
				f++;
		} else if (p[i] == '.' && f < 0) {
			f = 0;
		} else {
			return false;
		}
	}
	if (nd == 0 || nd > 19 || f == 0)
		return false;
	*m = v;
	*frac = f < 0 ? 0 : f;
	return true;
}

int num_parse_double(const char *p, size_t n, double *out)
{
	bool pneg;
	uint64_t pm;
	int pf;
	if (plain_decimal(p, n, &pneg, &pm, &pf) && pm <= ((uint64_t)1 << 53)) {
		double d = (double)pm / pow10_exact[pf];
		*out = pneg ? -d : d;
		return NUM_OK;
	}
	struct dec_text t;
	if (split_number(p, n, &t)) {
		size_t k = n && (p[0] == '-' || p[0] == '+');
		bool neg = k && p[0] == '-';
		if (ieq(p + k, n - k, "inf") || ieq(p + k, n - k, "infinity")) {
			*out = neg ? -INFINITY : INFINITY;
			return NUM_OK;
		}
		if (ieq(p + k, n - k, "nan")) {
			*out = NAN;
			return NUM_OK;
		}
		return NUM_SYNTAX;
	}
	/* Fast path: at most 19 significant digits, exact power of ten. */
	uint64_t m = 0;
	int nd = 0;
	bool lead = true;
	for (size_t i = 0; i < t.in + t.fn && nd <= 19; i++) {
		char c = i < t.in ? t.ip[i] : t.fp[i - t.in];
		if (lead && c == '0')
			continue;
		lead = false;
		m = m * 10 + digit(c);
		nd++;
	}
	if (nd <= 19 && m <= ((uint64_t)1 << 53)) {
		int64_t e = t.exp - (int64_t)t.fn;
		if (e >= -22 && e <= 22) {
			double d = (double)m;
			d = e >= 0 ? d * pow10_exact[e] : d / pow10_exact[-e];
			*out = t.neg ? -d : d;
			return NUM_OK;
		}
	}
	char small[128];
	char *s = n < sizeof small ? small : malloc(n + 1);
	if (!s)
		return NUM_RANGE;
	memcpy(s, p, n);
	s[n] = 0;
	*out = strtod(s, NULL);
	if (s != small)
		free(s);
	/* 1e400 is not infinity: it is a number we cannot hold. */
	return isinf(*out) ? NUM_RANGE : NUM_OK;
}

static const __int128 i128_max = (__int128)(((unsigned __int128)1 << 127) - 1);

int num_parse_decimal(const char *p, size_t n, int precision, int scale, __int128 *out)
{
	bool pneg;
	uint64_t pm;
	int pf;
	if (precision <= 18 && scale >= 0 && scale <= precision && plain_decimal(p, n, &pneg, &pm, &pf) &&
	    pf <= scale) {
		/* Exact: no rounding, at most 19 + 18 digits checked against 10^precision. */
		static const uint64_t p10[19] = {1,          10,          100,          1000,          10000,
						 100000,     1000000,     10000000,     100000000,     1000000000,
						 10000000000, 100000000000, 1000000000000, 10000000000000,
						 100000000000000, 1000000000000000, 10000000000000000,
						 100000000000000000, 1000000000000000000};
		unsigned __int128 v = (unsigned __int128)pm * p10[scale - pf];
		if (v >= p10[precision] && precision < 19)
			return NUM_RANGE;
		*out = pneg ? -(__int128)v : (__int128)v;
		return NUM_OK;
	}
	struct dec_text t;
	if (split_number(p, n, &t))
		return NUM_SYNTAX;
	if (precision < 1 || precision > 38 || scale < 0 || scale > precision)
		return NUM_RANGE;
	/* Significant digits S (leading zeros dropped) and where the point goes:
	 * value = S * 10^shift / 10^scale. */
	size_t total = t.in + t.fn, first = 0;
	while (first < total && (first < t.in ? t.ip[first] : t.fp[first - t.in]) == '0')
		first++;
	int64_t ndig = (int64_t)(total - first);
	int64_t shift = t.exp - (int64_t)t.fn + scale;
	if (ndig == 0) {
		*out = 0;
		return NUM_OK;
	}
	int64_t kept = ndig + shift; /* digits of the unscaled result before rounding */
	if (kept > precision)
		return NUM_RANGE;
	__int128 v = 0;
	for (int64_t k = 0; k < kept && k < ndig; k++) {
		size_t i = first + (size_t)k;
		v = v * 10 + digit(i < t.in ? t.ip[i] : t.fp[i - t.in]);
	}
	for (int64_t k = ndig; k < kept; k++)
		v *= 10;
	if (kept >= 0 && kept < ndig) {
		size_t i = first + (size_t)kept;
		if (digit(i < t.in ? t.ip[i] : t.fp[i - t.in]) >= 5)
			v++;
	}
	__int128 lim = 1;
	for (int k = 0; k < precision; k++)
		lim = lim < i128_max / 10 ? lim * 10 : i128_max;
	if (v >= lim)
		return NUM_RANGE;
	*out = t.neg ? -v : v;
	return NUM_OK;
}

int num_parse_bool(const char *p, size_t n, bool *out)
{
	if (n == 4 && !memcmp(p, "true", 4)) {
		*out = true;
		return NUM_OK;
	}
	if (n == 5 && !memcmp(p, "false", 5)) {
		*out = false;
		return NUM_OK;
	}
	static const char *const yes[] = {"true", "t", "yes", "y", "on", "1"};
	static const char *const no[] = {"false", "f", "no", "n", "off", "0"};
	for (size_t i = 0; i < sizeof yes / sizeof *yes; i++) {
		if (ieq(p, n, yes[i])) {
			*out = true;
			return NUM_OK;
		}
		if (ieq(p, n, no[i])) {
			*out = false;
			return NUM_OK;
		}
	}
	return NUM_SYNTAX;
}

void num_classify(const char *p, size_t n, struct num_shape *out)
{
	memset(out, 0, sizeof *out);
	struct dec_text t;
	if (split_number(p, n, &t)) {
		double d;
		if (num_parse_double(p, n, &d) == NUM_OK)
			out->kind = NUM_KIND_FLOAT;
		return;
	}
	size_t z = 0;
	while (z < t.in && t.ip[z] == '0')
		z++;
	out->int_digits = (int)(t.in - z);
	out->frac_digits = (int)t.fn;
	if (t.has_exp || t.in == 0 || (t.has_point && t.fn == 0)) {
		out->kind = NUM_KIND_FLOAT;
	} else if (t.has_point) {
		out->kind = NUM_KIND_DECIMAL;
	} else {
		int64_t v;
		out->kind = num_parse_i64(p, n, &v) == NUM_OK ? NUM_KIND_INT : NUM_KIND_BIGINT;
	}
}

static const char digits2[] = "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
			      "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
			      "8081828384858687888990919293949596979899";

size_t num_fmt_u64(uint64_t v, char *out)
{
	char tmp[24];
	char *e = tmp + sizeof tmp, *q = e;
	while (v >= 100) {
		unsigned r = (unsigned)(v % 100);
		v /= 100;
		q -= 2;
		memcpy(q, digits2 + 2 * r, 2);
	}
	if (v >= 10) {
		q -= 2;
		memcpy(q, digits2 + 2 * v, 2);
	} else {
		*--q = (char)('0' + v);
	}
	size_t len = (size_t)(e - q);
	memcpy(out, q, len);
	return len;
}

size_t num_fmt_i64(int64_t v, char *out)
{
	if (v < 0) {
		out[0] = '-';
		return 1 + num_fmt_u64(0 - (uint64_t)v, out + 1);
	}
	return num_fmt_u64((uint64_t)v, out);
}

/* Makes sure text printed by %g still reads as a double ("3" -> "3.0"). */
static size_t ensure_floaty(char *out, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (out[i] == '.' || out[i] == 'e' || out[i] == 'n' || out[i] == 'i')
			return len;
	out[len++] = '.';
	out[len++] = '0';
	return len;
}

size_t num_fmt_double(double v, char *out)
{
	if (isnan(v)) {
		memcpy(out, "nan", 3);
		return 3;
	}
	if (isinf(v)) {
		memcpy(out, v < 0 ? "-inf" : "inf", v < 0 ? 4 : 3);
		return v < 0 ? 4 : 3;
	}
	double a = fabs(v);
	if (a >= 1e-5 && a < 1e15) {
		/* Fewest fraction digits whose value reads back to v; the check is
		 * exact (see the file comment), so whatever is printed round-trips. */
		for (int k = 0; k <= 22; k++) {
			double m = a * pow10_exact[k];
			if (m >= 9007199254740992.0)
				break;
			double r = nearbyint(m);
			if (r / pow10_exact[k] != a)
				continue;
			char dig[24];
			size_t nd = num_fmt_u64((uint64_t)r, dig);
			size_t len = 0;
			if (v < 0)
				out[len++] = '-';
			if (k == 0) {
				memcpy(out + len, dig, nd);
				len += nd;
				memcpy(out + len, ".0", 2);
				return len + 2;
			}
			if (nd <= (size_t)k) {
				out[len++] = '0';
				out[len++] = '.';
				for (size_t z = nd; z < (size_t)k; z++)
					out[len++] = '0';
				memcpy(out + len, dig, nd);
				return len + nd;
			}
			memcpy(out + len, dig, nd - (size_t)k);
			len += nd - (size_t)k;
			out[len++] = '.';
			memcpy(out + len, dig + nd - (size_t)k, (size_t)k);
			return len + (size_t)k;
		}
	}
	char tmp[40];
	int len = 0;
	for (int prec = 15; prec <= 17; prec++) {
		len = snprintf(tmp, sizeof tmp, "%.*g", prec, v);
		if (strtod(tmp, NULL) == v)
			break;
	}
	memcpy(out, tmp, (size_t)len);
	return ensure_floaty(out, (size_t)len);
}

size_t num_fmt_float(float v, char *out)
{
	if (isnan(v) || isinf(v))
		return num_fmt_double(v, out);
	char tmp[40];
	int len = 0;
	for (int prec = 6; prec <= 9; prec++) {
		len = snprintf(tmp, sizeof tmp, "%.*g", prec, (double)v);
		if (strtof(tmp, NULL) == v)
			break;
	}
	memcpy(out, tmp, (size_t)len);
	return ensure_floaty(out, (size_t)len);
}

size_t num_fmt_decimal(__int128 v, int scale, char *out)
{
	unsigned __int128 a = v < 0 ? (unsigned __int128)0 - (unsigned __int128)v : (unsigned __int128)v;
	char dig[44];
	size_t nd = 0;
	do {
		dig[sizeof dig - 1 - nd++] = (char)('0' + (int)(a % 10));
		a /= 10;
	} while (a);
	const char *d = dig + sizeof dig - nd;
	size_t len = 0;
	if (v < 0)
		out[len++] = '-';
	if (scale <= 0) {
		memcpy(out + len, d, nd);
		return len + nd;
	}
	size_t s = (size_t)scale;
	if (nd <= s) {
		out[len++] = '0';
		out[len++] = '.';
		for (size_t z = nd; z < s; z++)
			out[len++] = '0';
		memcpy(out + len, d, nd);
		return len + nd;
	}
	memcpy(out + len, d, nd - s);
	len += nd - s;
	out[len++] = '.';
	memcpy(out + len, d + nd - s, s);
	return len + s;
}
