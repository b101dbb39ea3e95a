/* number.c — JSON numbers as event-ruler compares them.
 *
 * event-ruler turns a number into a double only when the double is exactly
 * the number (its shortest decimal form has the same value: 0.1 yes,
 * 0.30000000000000001 or a 25-digit account id no); other numbers are only
 * ever equal to the same text. mt_number reports which case applies.
 */
#include "match/match_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int mt_is_json_number(const char *p, size_t n)
{
	size_t i = 0;
	if (i < n && p[i] == '-')
		i++;
	if (i >= n)
		return 0;
	if (p[i] == '0') {
		i++;
	} else if (p[i] >= '1' && p[i] <= '9') {
		while (i < n && p[i] >= '0' && p[i] <= '9')
			i++;
	} else {
		return 0;
	}
	if (i < n && p[i] == '.') {
		size_t d = ++i;
		while (i < n && p[i] >= '0' && p[i] <= '9')
			i++;
		if (i == d)
			return 0;
	}
	if (i < n && (p[i] == 'e' || p[i] == 'E')) {
		i++;
		if (i < n && (p[i] == '+' || p[i] == '-'))
			i++;
		size_t d = i;
		while (i < n && p[i] >= '0' && p[i] <= '9')
			i++;
		if (i == d)
			return 0;
	}
	return i == n;
}

/* Significant digits (no leading/trailing zeros) and the decimal exponent e
 * with value = 0.DIGITS * 10^e. Digits beyond cap are counted, not kept. */
static size_t normalize(const char *p, size_t n, char *dig, size_t cap, long *e, int *neg)
{
	size_t i = 0, k = 0, total = 0;
	long point = 0, lead = 0, exp10 = 0;
	int seen = 0, after = 0;
	*neg = 0;
	if (i < n && (p[i] == '-' || p[i] == '+'))
		*neg = p[i++] == '-';
	for (; i < n; i++) {
		char c = p[i];
		if (c == '.') {
			after = 1;
			continue;
		}
		if (c == 'e' || c == 'E') {
			exp10 = strtol(p + i + 1, NULL, 10);
			break;
		}
		if (c < '0' || c > '9')
			break;
		if (!seen && c == '0') {
			if (after)
				lead++;
			continue;
		}
		if (!after)
			point++;
		seen = 1;
		if (k < cap)
			dig[k] = c;
		if (c != '0')
			total = k + 1; /* trailing zeros carry no value */
		k++;
	}
	*e = point - lead + exp10;
	return total;
}

/* Plain decimals of at most 15 significant digits and no exponent (most
 * numbers in events): mantissa / 10^k is exact in both operands, so the
 * division rounds correctly, and such a number is always comparable. */
static int fast_decimal(const char *p, size_t n, double *out)
{
	static const double pow10[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
				       1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
	size_t i = 0;
	int neg = 0, digits = 0, frac = -1;
	uint64_t m = 0;
	if (i < n && p[i] == '-')
		neg = 1, i++;
	if (i >= n || p[i] < '0' || p[i] > '9')
		return 0;
	for (; i < n; i++) {
		char ch = p[i];
		if (ch == '.' && frac < 0) {
			frac = 0;
			continue;
		}
		if (ch < '0' || ch > '9')
			return 0;
		if (m || ch != '0')
			digits++;
		if (digits > 15)
			return 0;
		m = m * 10 + (uint64_t)(ch - '0');
		if (frac >= 0)
			frac++;
	}
	if (frac == 0 || frac > 22 || (p[neg] == '0' && n > (size_t)neg + 1 && p[neg + 1] != '.'))
		return 0; /* "1." or a leading zero: leave it to the full parser */
	double d = (double)m / pow10[frac < 0 ? 0 : frac];
	*out = neg ? -d : d;
	return 1;
}

int mt_number(const char *p, size_t n, double *out)
{
	if (fast_decimal(p, n, out))
		return 1;
	if (!mt_is_json_number(p, n))
		return -1;
	char buf[1100];
	if (n >= sizeof buf)
		return 0; /* a thousand-digit number is never exactly a double */
	memcpy(buf, p, n);
	buf[n] = 0;
	double d = strtod(buf, NULL);
	*out = d;
	if (!isfinite(d))
		return 0;
	char dig[32];
	long e;
	int neg;
	size_t sig = normalize(p, n, dig, sizeof dig, &e, &neg);
	if (sig == 0)
		return 1;
	if (sig <= 15)
		return 1;
	if (sig > 17)
		return 0;
	/* 16 or 17 digits: compare with the shortest form that reads back. */
	char tmp[48];
	for (int prec = 15; prec <= 17; prec++) {
		snprintf(tmp, sizeof tmp, "%.*e", prec - 1, d);
		if (strtod(tmp, NULL) == d)
			break;
	}
	char dig2[32];
	long e2;
	int neg2;
	size_t sig2 = normalize(tmp, strlen(tmp), dig2, sizeof dig2, &e2, &neg2);
	return sig2 == sig && e2 == e && !memcmp(dig, dig2, sig);
}
