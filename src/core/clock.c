/* clock.c — see clock.h. Civil-date arithmetic is done by hand (days from
 * civil, H. Hinnant's algorithm) so formatting never touches the TZ
 * machinery or locks inside libc. */
#include "core/clock.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

int64_t clock_mono_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void clock_deadline(clockid_t clk, int64_t us, struct timespec *ts)
{
	clock_gettime(clk, ts);
	ts->tv_sec += us / 1000000;
	ts->tv_nsec += (long)(us % 1000000) * 1000;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

int64_t clock_wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

void civil_from_days(int64_t days, int64_t *y, int *m, int *d)
{
	int64_t z = days + 719468;
	int64_t era = floor_div(z, 146097);
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

struct civil {
	int y, mo, d, h, mi, s, ms, wday;
};

static void split(int64_t ms, struct civil *c)
{
	int64_t secs = ms >= 0 ? ms / 1000 : (ms - 999) / 1000;
	c->ms = (int)(ms - secs * 1000);
	int64_t days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400;
	int64_t rem = secs - days * 86400;
	int64_t y;
	civil_from_days(days, &y, &c->mo, &c->d);
	c->y = (int)y;
	c->h = (int)(rem / 3600);
	c->mi = (int)(rem / 60 % 60);
	c->s = (int)(rem % 60);
	c->wday = (int)((days % 7 + 11) % 7); /* 1970-01-01 was a Thursday */
}

/* Digit writers: these formats are on every response (Date, Last-Modified). */
static char *d2(char *p, int v)
{
	p[0] = (char)('0' + v / 10 % 10);
	p[1] = (char)('0' + v % 10);
	return p + 2;
}

static char *d4(char *p, int v)
{
	v = ((v % 10000) + 10000) % 10000;
	p = d2(p, v / 100);
	return d2(p, v % 100);
}

static char *iso_date_time(char *p, const struct civil *c)
{
	p = d4(p, c->y);
	*p++ = '-';
	p = d2(p, c->mo);
	*p++ = '-';
	p = d2(p, c->d);
	*p++ = 'T';
	p = d2(p, c->h);
	*p++ = ':';
	p = d2(p, c->mi);
	*p++ = ':';
	return d2(p, c->s);
}

size_t time_fmt_iso8601(int64_t ms, char out[32])
{
	struct civil c;
	split(ms, &c);
	char *p = iso_date_time(out, &c);
	*p++ = '.';
	*p++ = (char)('0' + c.ms / 100);
	p = d2(p, c.ms % 100);
	*p++ = 'Z';
	*p = 0;
	return (size_t)(p - out);
}

size_t time_fmt_iso8601_s(int64_t ms, char out[32])
{
	struct civil c;
	split(ms, &c);
	char *p = iso_date_time(out, &c);
	*p++ = 'Z';
	*p = 0;
	return (size_t)(p - out);
}

size_t time_fmt_amz(int64_t ms, char out[17])
{
	struct civil c;
	split(ms, &c);
	char *p = d4(out, c.y);
	p = d2(p, c.mo);
	p = d2(p, c.d);
	*p++ = 'T';
	p = d2(p, c.h);
	p = d2(p, c.mi);
	p = d2(p, c.s);
	*p++ = 'Z';
	*p = 0;
	return (size_t)(p - out);
}

static const char *const wdays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
				     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

size_t time_fmt_rfc1123(int64_t ms, char out[32])
{
	struct civil c;
	split(ms, &c);
	char *p = out;
	memcpy(p, wdays[c.wday], 3);
	p += 3;
	*p++ = ',';
	*p++ = ' ';
	p = d2(p, c.d);
	*p++ = ' ';
	memcpy(p, months[c.mo - 1], 3);
	p += 3;
	*p++ = ' ';
	p = d4(p, c.y);
	*p++ = ' ';
	p = d2(p, c.h);
	*p++ = ':';
	p = d2(p, c.mi);
	*p++ = ':';
	p = d2(p, c.s);
	memcpy(p, " GMT", 5);
	return (size_t)(p + 4 - out);
}

/* Reads exactly n digits at *p; advances. */
static int digits(const char **p, const char *end, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (*p >= end || **p < '0' || **p > '9')
			return -1;
		v = v * 10 + (**p - '0');
		(*p)++;
	}
	*out = v;
	return 0;
}

static int expect(const char **p, const char *end, char c)
{
	if (*p >= end || **p != c)
		return -1;
	(*p)++;
	return 0;
}

static int valid_civil(int y, int mo, int d, int h, int mi, int s)
{
	static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h > 23 || mi > 59 || s > 60)
		return -1;
	if (mo == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return -1;
	return 0;
}

static int64_t to_ms(int y, int mo, int d, int h, int mi, int s)
{
	return (days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 + s) * 1000;
}

int time_parse_iso8601(const char *s, size_t n, int64_t *ms)
{
	const char *p = s, *end = s + n;
	int y, mo, d, h = 0, mi = 0, sec = 0, frac = 0;
	if (digits(&p, end, 4, &y) || expect(&p, end, '-') || digits(&p, end, 2, &mo) || expect(&p, end, '-') ||
	    digits(&p, end, 2, &d))
		return -1;
	if (p < end && (*p == 'T' || *p == 't' || *p == ' ')) {
		p++;
		if (digits(&p, end, 2, &h) || expect(&p, end, ':') || digits(&p, end, 2, &mi))
			return -1;
		if (p < end && *p == ':') {
			p++;
			if (digits(&p, end, 2, &sec))
				return -1;
		}
		if (p < end && (*p == '.' || *p == ',')) {
			p++;
			int nd = 0, scale = 100;
			while (p < end && *p >= '0' && *p <= '9') {
				if (nd < 3) {
					frac += (*p - '0') * scale;
					scale /= 10;
				}
				nd++;
				p++;
			}
			if (!nd || nd > 9)
				return -1;
		}
	}
	int off = 0;
	if (p < end && (*p == 'Z' || *p == 'z')) {
		p++;
	} else if (p < end && (*p == '+' || *p == '-')) {
		int sign = *p == '-' ? -1 : 1, oh, om = 0;
		p++;
		if (digits(&p, end, 2, &oh))
			return -1;
		if (p < end && *p == ':')
			p++;
		if (p < end && digits(&p, end, 2, &om))
			return -1;
		if (oh > 23 || om > 59)
			return -1;
		off = sign * (oh * 60 + om);
	}
	if (p != end || valid_civil(y, mo, d, h, mi, sec))
		return -1;
	*ms = to_ms(y, mo, d, h, mi, sec) + frac - (int64_t)off * 60000;
	return 0;
}

int time_parse_amz(const char *s, size_t n, int64_t *ms)
{
	const char *p = s, *end = s + n;
	int y, mo, d, h, mi, sec;
	if (digits(&p, end, 4, &y) || digits(&p, end, 2, &mo) || digits(&p, end, 2, &d) || expect(&p, end, 'T') ||
	    digits(&p, end, 2, &h) || digits(&p, end, 2, &mi) || digits(&p, end, 2, &sec) || expect(&p, end, 'Z') ||
	    p != end || valid_civil(y, mo, d, h, mi, sec))
		return -1;
	*ms = to_ms(y, mo, d, h, mi, sec);
	return 0;
}

static int month_of(const char **p, const char *end)
{
	if (end - *p < 3)
		return -1;
	for (int i = 0; i < 12; i++) {
		if (!strncasecmp(*p, months[i], 3)) {
			*p += 3;
			return i + 1;
		}
	}
	return -1;
}

static void skip_sp(const char **p, const char *end)
{
	while (*p < end && **p == ' ')
		(*p)++;
}

static int hms(const char **p, const char *end, int *h, int *mi, int *s)
{
	return digits(p, end, 2, h) || expect(p, end, ':') || digits(p, end, 2, mi) || expect(p, end, ':') ||
	       digits(p, end, 2, s);
}

int time_parse_http(const char *s, size_t n, int64_t *ms)
{
	const char *p = s, *end = s + n;
	int y, mo, d, h, mi, sec;
	const char *comma = memchr(s, ',', n);
	if (comma) {
		p = comma + 1;
		skip_sp(&p, end);
		if (digits(&p, end, 2, &d))
			return -1;
		if (p < end && *p == '-') { /* RFC 850: Sunday, 06-Nov-94 08:49:37 GMT */
			p++;
			if ((mo = month_of(&p, end)) < 0 || expect(&p, end, '-') || digits(&p, end, 2, &y))
				return -1;
			y += y < 70 ? 2000 : 1900;
		} else {
			skip_sp(&p, end);
			if ((mo = month_of(&p, end)) < 0)
				return -1;
			skip_sp(&p, end);
			if (digits(&p, end, 4, &y))
				return -1;
		}
		skip_sp(&p, end);
		if (hms(&p, end, &h, &mi, &sec))
			return -1;
		skip_sp(&p, end);
		if (end - p < 3 || strncmp(p, "GMT", 3))
			return -1;
		p += 3;
	} else { /* asctime: Sun Nov  6 08:49:37 1994 */
		if (end - p < 4)
			return -1;
		p += 3;
		skip_sp(&p, end);
		if ((mo = month_of(&p, end)) < 0)
			return -1;
		skip_sp(&p, end);
		if (p < end && p + 1 < end && p[1] == ' ') {
			if (digits(&p, end, 1, &d))
				return -1;
		} else if (digits(&p, end, 2, &d)) {
			return -1;
		}
		skip_sp(&p, end);
		if (hms(&p, end, &h, &mi, &sec))
			return -1;
		skip_sp(&p, end);
		if (digits(&p, end, 4, &y))
			return -1;
	}
	skip_sp(&p, end);
	if (p != end || valid_civil(y, mo, d, h, mi, sec))
		return -1;
	*ms = to_ms(y, mo, d, h, mi, sec);
	return 0;
}
