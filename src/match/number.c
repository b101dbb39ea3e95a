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

int mt_number(const char *p, size_t n, double *out)
{
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
