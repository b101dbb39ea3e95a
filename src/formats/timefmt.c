/* timefmt.c — see timefmt.h.
 *
 * A format is compiled once into a list of ops; parsing walks the ops over
 * the text with no allocation. AUTO is hand-written for ISO 8601 first
 * because that is what nearly every machine-written file holds, and it runs
 * once per field of large files.
 */
#include "formats/timefmt.h"
#include "core/clock.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

enum tf_kind {
	OP_LIT, OP_YYYY, OP_YY, OP_MM, OP_MON, OP_MMMM, OP_DD, OP_DY, OP_HH24, OP_HH12,
	OP_AMPM, OP_MI, OP_SS, OP_FF, OP_TZH, OP_TZM,
};

static const char *const mon_abbr[12] = {"jan", "feb", "mar", "apr", "may", "jun",
					 "jul", "aug", "sep", "oct", "nov", "dec"};
static const char *const mon_full[12] = {"january", "february", "march",     "april",   "may",      "june",
					 "july",    "august",   "september", "october", "november", "december"};
static const char *const day_abbr[7] = {"thu", "fri", "sat", "sun", "mon", "tue", "wed"}; /* from 1970-01-01 */

static int days_in_month(int y, int m)
{
	static const int dm[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return dm[m - 1];
}

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
}

static bool prefix_ci(const char *s, const char *lit)
{
	for (; *lit; s++, lit++)
		if (lower(*s) != *lit)
			return false;
	return true;
}

static void add_lit(struct tf_format *f, char c)
{
	struct tf_op *last = f->nops ? &f->ops[f->nops - 1] : NULL;
	if (last && last->kind == OP_LIT && last->width < sizeof last->lit) {
		last->lit[last->width++] = c;
		return;
	}
	if (f->nops < TF_MAX_OPS) {
		struct tf_op *op = &f->ops[f->nops++];
		memset(op, 0, sizeof *op);
		op->kind = OP_LIT;
		op->lit[0] = c;
		op->width = 1;
	} else {
		f->nops = TF_MAX_OPS + 1; /* marks overflow for tf_compile */
	}
}

int tf_compile(const char *text, struct tf_format *f, char *why, size_t whylen)
{
	memset(f, 0, sizeof *f);
	if (!text || !*text || !strcasecmp(text, "auto")) {
		f->auto_ = true;
		return 0;
	}
	static const struct {
		const char *name;
		enum tf_kind kind;
	} elems[] = {
		{"yyyy", OP_YYYY}, {"yy", OP_YY},     {"mmmm", OP_MMMM}, {"mon", OP_MON}, {"mm", OP_MM},
		{"mi", OP_MI},     {"dd", OP_DD},     {"dy", OP_DY},     {"hh24", OP_HH24}, {"hh12", OP_HH12},
		{"hh", OP_HH12},   {"am", OP_AMPM},   {"pm", OP_AMPM},   {"ss", OP_SS},   {"ff", OP_FF},
		{"tzh", OP_TZH},   {"tzm", OP_TZM},
	};
	const char *s = text;
	while (*s) {
		if (*s == '"') {
			const char *e = strchr(s + 1, '"');
			if (!e) {
				if (why)
					snprintf(why, whylen, "unterminated quoted literal in format '%s'", text);
				return -1;
			}
			for (const char *c = s + 1; c < e; c++)
				add_lit(f, *c);
			s = e + 1;
			continue;
		}
		size_t i;
		for (i = 0; i < sizeof elems / sizeof *elems; i++)
			if (prefix_ci(s, elems[i].name))
				break;
		if (i == sizeof elems / sizeof *elems) {
			add_lit(f, *s++);
			continue;
		}
		if (f->nops >= TF_MAX_OPS) {
			f->nops = TF_MAX_OPS + 1;
			break;
		}
		struct tf_op *op = &f->ops[f->nops++];
		memset(op, 0, sizeof *op);
		op->kind = (uint8_t)elems[i].kind;
		s += strlen(elems[i].name);
		if (op->kind == OP_FF && *s >= '0' && *s <= '9')
			op->width = (uint8_t)(*s++ - '0');
	}
	if (f->nops > TF_MAX_OPS) {
		if (why)
			snprintf(why, whylen, "format '%s' is too long", text);
		return -1;
	}
	f->iso_date = f->nops == 5 && f->ops[0].kind == OP_YYYY && f->ops[1].kind == OP_LIT && f->ops[1].width == 1 &&
		      f->ops[1].lit[0] == '-' && f->ops[2].kind == OP_MM && f->ops[3].kind == OP_LIT &&
		      f->ops[3].width == 1 && f->ops[3].lit[0] == '-' && f->ops[4].kind == OP_DD;
	return 0;
}

/* Reads between min and max digits; returns how many, 0 if fewer than min. */
static size_t rd_num(const char *p, size_t n, size_t min, size_t max, int64_t *v)
{
	size_t i = 0;
	int64_t x = 0;
	while (i < n && i < max && p[i] >= '0' && p[i] <= '9')
		x = x * 10 + (p[i++] - '0');
	if (i < min)
		return 0;
	*v = x;
	return i;
}

/* Fields gathered while parsing, checked and combined at the end. */
struct tf_parts {
	int64_t y, mo, d, h, mi, s, ns;
	int ampm; /* 0 none, 1 am, 2 pm */
	bool has_time, has_tz;
	int tz_min;
};

static bool finish(struct tf_parts *t, struct tf_time *out)
{
	if (t->mo < 1 || t->mo > 12 || t->d < 1 || t->y < 0 || t->y > 9999 ||
	    t->d > days_in_month((int)t->y, (int)t->mo))
		return false;
	if (t->ampm) {
		if (t->h < 1 || t->h > 12)
			return false;
		t->h = t->h % 12 + (t->ampm == 2 ? 12 : 0);
	}
	if (t->h > 23 || t->mi > 59 || t->s > 59 || t->tz_min < -18 * 60 || t->tz_min > 18 * 60)
		return false;
	out->sec = days_from_civil(t->y, (unsigned)t->mo, (unsigned)t->d) * 86400 + t->h * 3600 + t->mi * 60 + t->s;
	out->nsec = (int32_t)t->ns;
	out->tz_min = t->tz_min;
	out->has_tz = t->has_tz;
	out->has_time = t->has_time;
	return true;
}

/* Fraction digits: 1..9 significant, more are read and dropped. */
static size_t rd_frac(const char *p, size_t n, int64_t *ns)
{
	size_t i = 0;
	int64_t x = 0;
	while (i < n && p[i] >= '0' && p[i] <= '9') {
		if (i < 9)
			x = x * 10 + (p[i] - '0');
		i++;
	}
	for (size_t k = i; k < 9; k++)
		x *= 10;
	*ns = x;
	return i;
}

/* +HH, +HHMM, +HH:MM, -..., or Z. Returns bytes used, 0 if none. */
static size_t rd_tz(const char *p, size_t n, struct tf_parts *t)
{
	if (n >= 1 && (p[0] == 'Z' || p[0] == 'z')) {
		t->has_tz = true;
		t->tz_min = 0;
		return 1;
	}
	if (n < 3 || (p[0] != '+' && p[0] != '-'))
		return 0;
	int64_t hh, mm = 0;
	if (rd_num(p + 1, n - 1, 2, 2, &hh) != 2)
		return 0;
	size_t i = 3;
	if (i < n && p[i] == ':') {
		if (rd_num(p + i + 1, n - i - 1, 2, 2, &mm) != 2)
			return 0;
		i += 3;
	} else if (rd_num(p + i, n - i, 2, 2, &mm) == 2) {
		i += 2;
	}
	if (hh > 18 || mm > 59)
		return 0;
	t->has_tz = true;
	t->tz_min = (int)((hh * 60 + mm) * (p[0] == '-' ? -1 : 1));
	return i;
}

static bool rd_word(const char *p, size_t n, const char *const *names, int count, size_t *used, int *idx)
{
	for (int k = 0; k < count; k++) {
		size_t len = strlen(names[k]);
		if (len <= n && prefix_ci(p, names[k])) {
			*used = len;
			*idx = k;
			return true;
		}
	}
	return false;
}

/* [T or spaces] HH:MI[:SS[.F]] [spaces] [tz]; all optional as a whole.
 * Returns false if something is there but malformed. */
static bool rd_time_tail(const char *p, size_t n, struct tf_parts *t)
{
	size_t i = 0;
	if (i == n)
		return true;
	if (p[i] == 'T' || p[i] == 't' || p[i] == ' ') {
		i++;
		while (i < n && p[i] == ' ')
			i++;
	} else {
		return false;
	}
	size_t k;
	if (!(k = rd_num(p + i, n - i, 1, 2, &t->h)))
		return false;
	i += k;
	if (i >= n || p[i] != ':' || !(k = rd_num(p + i + 1, n - i - 1, 2, 2, &t->mi)))
		return false;
	i += 1 + k;
	if (i < n && p[i] == ':') {
		if (!(k = rd_num(p + i + 1, n - i - 1, 2, 2, &t->s)))
			return false;
		i += 1 + k;
		if (i < n && (p[i] == '.' || p[i] == ',')) {
			k = rd_frac(p + i + 1, n - i - 1, &t->ns);
			if (!k)
				return false;
			i += 1 + k;
		}
	}
	t->has_time = true;
	size_t sp = i;
	while (sp < n && p[sp] == ' ')
		sp++;
	if (sp < n && n - sp == 2 && (prefix_ci(p + sp, "am") || prefix_ci(p + sp, "pm"))) {
		t->ampm = lower(p[sp]) == 'a' ? 1 : 2;
		return true;
	}
	if (sp < n && n - sp == 3 && prefix_ci(p + sp, "utc")) {
		t->has_tz = true;
		return true;
	}
	if (sp < n) {
		k = rd_tz(p + sp, n - sp, t);
		if (!k || sp + k != n)
			return false;
		return true;
	}
	return sp == n;
}

static inline int d2(const char *p)
{
	unsigned a = (unsigned)(unsigned char)p[0] - '0', b = (unsigned)(unsigned char)p[1] - '0';
	return a <= 9 && b <= 9 ? (int)(a * 10 + b) : -1;
}

/* Exactly YYYY-MM-DD or YYYY-MM-DD[ T]HH:MM:SS: what most files hold, so it
 * skips the general parser. False sends the text down the general path. */
static inline bool iso_fixed(const char *p, size_t n, struct tf_time *out)
{
	if ((n != 10 && n != 19) || p[4] != '-' || p[7] != '-')
		return false;
	int yh = d2(p), yl = d2(p + 2), mo = d2(p + 5), d = d2(p + 8);
	if (yh < 0 || yl < 0 || mo < 1 || mo > 12 || d < 1)
		return false;
	int y = yh * 100 + yl;
	if (d > days_in_month(y, mo))
		return false;
	int64_t sec = days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400;
	if (n == 19) {
		if ((p[10] != ' ' && p[10] != 'T') || p[13] != ':' || p[16] != ':')
			return false;
		int h = d2(p + 11), mi = d2(p + 14), s = d2(p + 17);
		if (h < 0 || h > 23 || mi < 0 || mi > 59 || s < 0 || s > 59)
			return false;
		sec += h * 3600 + mi * 60 + s;
		out->has_time = true;
	}
	out->sec = sec;
	return true;
}

static int parse_auto(const char *p, size_t n, struct tf_time *out)
{
	if (iso_fixed(p, n, out))
		return 0;
	struct tf_parts t;
	memset(&t, 0, sizeof t);
	size_t k;
	/* ISO: YYYY-MM-DD */
	if (n >= 8 && p[4] == '-' && rd_num(p, 4, 4, 4, &t.y) == 4) {
		if ((k = rd_num(p + 5, n - 5, 1, 2, &t.mo)) && 5 + k < n && p[5 + k] == '-') {
			size_t i = 6 + k;
			size_t k2 = rd_num(p + i, n - i, 1, 2, &t.d);
			if (k2 && rd_time_tail(p + i + k2, n - i - k2, &t) && finish(&t, out))
				return 0;
		}
		return -1;
	}
	/* MM/DD/YYYY */
	if ((k = rd_num(p, n, 1, 2, &t.mo)) && k < n && p[k] == '/') {
		size_t i = k + 1, k2;
		if (!(k2 = rd_num(p + i, n - i, 1, 2, &t.d)) || i + k2 >= n || p[i + k2] != '/')
			return -1;
		i += k2 + 1;
		if (rd_num(p + i, n - i, 4, 4, &t.y) != 4)
			return -1;
		i += 4;
		return rd_time_tail(p + i, n - i, &t) && finish(&t, out) ? 0 : -1;
	}
	/* DD-MON-YYYY */
	if ((k = rd_num(p, n, 1, 2, &t.d)) && k < n && p[k] == '-') {
		size_t i = k + 1, used;
		int idx;
		if (!rd_word(p + i, n - i, mon_abbr, 12, &used, &idx))
			return -1;
		t.mo = idx + 1;
		i += used;
		if (i >= n || p[i] != '-' || rd_num(p + i + 1, n - i - 1, 4, 4, &t.y) != 4)
			return -1;
		i += 5;
		return rd_time_tail(p + i, n - i, &t) && finish(&t, out) ? 0 : -1;
	}
	/* An integer epoch, scaled by magnitude as Snowflake does. */
	int64_t v;
	bool neg = n > 1 && p[0] == '-';
	if (n > (size_t)neg && n - neg <= 18 && rd_num(p + neg, n - neg, n - neg, 18, &v) == n - neg) {
		int64_t sec, ns;
		if (v < 31536000000LL) {
			sec = v;
			ns = 0;
		} else if (v < 31536000000000LL) {
			sec = v / 1000;
			ns = v % 1000 * 1000000;
		} else if (v < 31536000000000000LL) {
			sec = v / 1000000;
			ns = v % 1000000 * 1000;
		} else {
			sec = v / 1000000000;
			ns = v % 1000000000;
		}
		if (neg) {
			sec = -sec;
			ns = -ns;
			if (ns < 0) {
				ns += 1000000000;
				sec--;
			}
		}
		out->sec = sec;
		out->nsec = (int32_t)ns;
		out->has_tz = true;
		out->tz_min = 0;
		out->has_time = true;
		return 0;
	}
	return -1;
}

static int parse_ops(const struct tf_format *f, const char *p, size_t n, struct tf_time *out)
{
	struct tf_parts t;
	memset(&t, 0, sizeof t);
	t.mo = t.d = 1;
	size_t i = 0, k, used;
	int idx;
	for (int o = 0; o < f->nops; o++) {
		const struct tf_op *op = &f->ops[o];
		switch (op->kind) {
		case OP_LIT:
			/* "SS.FF" with no fraction in the text: accept the bare seconds. */
			if (i == n && op->width == 1 && op->lit[0] == '.' && o + 2 == f->nops &&
			    f->ops[o + 1].kind == OP_FF)
				return finish(&t, out) ? 0 : -1;
			if (n - i < op->width || memcmp(p + i, op->lit, op->width))
				return -1;
			i += op->width;
			break;
		case OP_YYYY:
			if (!(k = rd_num(p + i, n - i, 4, 4, &t.y)))
				return -1;
			i += k;
			break;
		case OP_YY:
			if (!(k = rd_num(p + i, n - i, 2, 2, &t.y)))
				return -1;
			t.y += t.y < 70 ? 2000 : 1900;
			i += k;
			break;
		case OP_MM:
			if (!(k = rd_num(p + i, n - i, 1, 2, &t.mo)))
				return -1;
			i += k;
			break;
		case OP_DD:
			if (!(k = rd_num(p + i, n - i, 1, 2, &t.d)))
				return -1;
			i += k;
			break;
		case OP_HH24:
		case OP_HH12:
			if (!(k = rd_num(p + i, n - i, 1, 2, &t.h)))
				return -1;
			if (op->kind == OP_HH12 && !t.ampm)
				t.ampm = 1;
			t.has_time = true;
			i += k;
			break;
		case OP_MI:
			if (!(k = rd_num(p + i, n - i, 1, 2, &t.mi)))
				return -1;
			i += k;
			break;
		case OP_SS:
			if (!(k = rd_num(p + i, n - i, 1, 2, &t.s)))
				return -1;
			i += k;
			break;
		case OP_FF:
			if (!(k = rd_frac(p + i, n - i, &t.ns)))
				return -1;
			i += k;
			break;
		case OP_MON:
		case OP_MMMM:
			/* Full names first so "March" is not read as "Mar" + "ch". */
			if (rd_word(p + i, n - i, mon_full, 12, &used, &idx) ||
			    rd_word(p + i, n - i, mon_abbr, 12, &used, &idx)) {
				t.mo = idx + 1;
				i += used;
				break;
			}
			return -1;
		case OP_DY:
			if (!rd_word(p + i, n - i, day_abbr, 7, &used, &idx))
				return -1;
			i += used;
			break;
		case OP_AMPM:
			if (n - i < 2 || !(prefix_ci(p + i, "am") || prefix_ci(p + i, "pm")))
				return -1;
			t.ampm = lower(p[i]) == 'a' ? 1 : 2;
			i += 2;
			break;
		case OP_TZH: {
			/* TZH takes the sign and hours; a following TZM the minutes. */
			if (i >= n || (p[i] != '+' && p[i] != '-'))
				return -1;
			int64_t hh;
			if (!(k = rd_num(p + i + 1, n - i - 1, 1, 2, &hh)) || hh > 18)
				return -1;
			t.has_tz = true;
			t.tz_min = (int)(hh * 60) * (p[i] == '-' ? -1 : 1);
			i += 1 + k;
			break;
		}
		case OP_TZM: {
			int64_t mm;
			if (!(k = rd_num(p + i, n - i, 2, 2, &mm)) || mm > 59)
				return -1;
			t.tz_min += (int)(t.tz_min < 0 ? -mm : mm);
			i += k;
			break;
		}
		}
	}
	return i == n && finish(&t, out) ? 0 : -1;
}

int tf_parse(const struct tf_format *f, const char *p, size_t n, struct tf_time *out)
{
	memset(out, 0, sizeof *out);
	if (f->iso_date && n == 10 && iso_fixed(p, n, out))
		return 0;
	return f->auto_ ? parse_auto(p, n, out) : parse_ops(f, p, n, out);
}

/* Seconds of 0000-01-01 and 10000-01-01: every value we parse or print
 * stays in four-digit years, also after a UTC offset is applied. */
#define TF_MIN_SEC (-62167219200LL)
#define TF_END_SEC (253402300800LL)

int tf_parse_date(const struct tf_format *f, const char *p, size_t n, int32_t *days)
{
	struct tf_time t;
	if (tf_parse(f, p, n, &t) || t.sec < TF_MIN_SEC || t.sec >= TF_END_SEC)
		return -1;
	int64_t d = floor_div(t.sec, 86400);
	if (d < INT32_MIN || d > INT32_MAX)
		return -1;
	*days = (int32_t)d;
	return 0;
}

static const int64_t unit_per_sec[] = {1000, 1000000, 1000000000, 1};
static const int64_t ns_per_unit[] = {1000000, 1000, 1, 1000000000};

static int to_unit(int64_t sec, int64_t nsec, enum ts_unit unit, int64_t *out)
{
	int64_t v;
	if (sec < TF_MIN_SEC || sec >= TF_END_SEC)
		return -1;
	if (__builtin_mul_overflow(sec, unit_per_sec[unit], &v) ||
	    __builtin_add_overflow(v, nsec / ns_per_unit[unit], &v))
		return -1;
	*out = v;
	return 0;
}

int tf_parse_ts(const struct tf_format *f, const char *p, size_t n, enum ts_unit unit, bool utc, int64_t *out)
{
	struct tf_time t;
	if (tf_parse(f, p, n, &t))
		return -1;
	int64_t sec = t.sec;
	if (utc && t.has_tz)
		sec -= (int64_t)t.tz_min * 60;
	return to_unit(sec, t.nsec, unit, out);
}

int tf_parse_time(const char *p, size_t n, enum ts_unit unit, int64_t *out)
{
	struct tf_parts t;
	memset(&t, 0, sizeof t);
	char tmp[40];
	if (n + 1 >= sizeof tmp)
		return -1;
	tmp[0] = 'T';
	memcpy(tmp + 1, p, n);
	if (!rd_time_tail(tmp, n + 1, &t) || t.has_tz || t.h > 23 || t.mi > 59 || t.s > 59)
		return -1;
	if (t.ampm) {
		if (t.h < 1 || t.h > 12)
			return -1;
		t.h = t.h % 12 + (t.ampm == 2 ? 12 : 0);
	}
	return to_unit(t.h * 3600 + t.mi * 60 + t.s, t.ns, unit, out);
}

static char *put_n(char *o, int64_t v, int width)
{
	if (v < 0) {
		*o++ = '-';
		v = -v;
	}
	char tmp[24];
	int k = 0;
	do {
		tmp[k++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	for (int z = k; z < width; z++)
		*o++ = '0';
	while (k)
		*o++ = tmp[--k];
	return o;
}

/* Splits a unit value into seconds and nanoseconds, flooring. */
static void from_unit(int64_t v, enum ts_unit unit, int64_t *sec, int64_t *ns)
{
	*sec = floor_div(v, unit_per_sec[unit]);
	*ns = (v - *sec * unit_per_sec[unit]) * ns_per_unit[unit];
}

static char *put_frac_trimmed(char *o, int64_t ns)
{
	if (!ns)
		return o;
	int w = 9;
	while (ns % 10 == 0) {
		ns /= 10;
		w--;
	}
	*o++ = '.';
	return put_n(o, ns, w);
}

static size_t format_ops(const struct tf_format *f, int64_t sec, int64_t ns, bool utc, char *out)
{
	int64_t days = floor_div(sec, 86400), rem = sec - days * 86400;
	int64_t y;
	int m, d;
	civil_from_days(days, &y, &m, &d);
	int h = (int)(rem / 3600), mi = (int)(rem / 60 % 60), s = (int)(rem % 60);
	char *o = out, *end = out + TF_MAX_TEXT - 12;
	for (int i = 0; i < f->nops && o < end; i++) {
		const struct tf_op *op = &f->ops[i];
		switch (op->kind) {
		case OP_LIT:
			memcpy(o, op->lit, op->width);
			o += op->width;
			break;
		case OP_YYYY:
			o = put_n(o, y, 4);
			break;
		case OP_YY:
			o = put_n(o, (y % 100 + 100) % 100, 2);
			break;
		case OP_MM:
			o = put_n(o, m, 2);
			break;
		case OP_MON:
		case OP_MMMM: {
			const char *name = op->kind == OP_MON ? mon_abbr[m - 1] : mon_full[m - 1];
			size_t len = strlen(name);
			memcpy(o, name, len);
			o[0] = (char)(o[0] - 32);
			o += len;
			break;
		}
		case OP_DD:
			o = put_n(o, d, 2);
			break;
		case OP_DY:
			memcpy(o, day_abbr[((days % 7) + 7) % 7], 3);
			o[0] = (char)(o[0] - 32);
			o += 3;
			break;
		case OP_HH24:
			o = put_n(o, h, 2);
			break;
		case OP_HH12:
			o = put_n(o, h % 12 ? h % 12 : 12, 2);
			break;
		case OP_AMPM:
			memcpy(o, h < 12 ? "AM" : "PM", 2);
			o += 2;
			break;
		case OP_MI:
			o = put_n(o, mi, 2);
			break;
		case OP_SS:
			o = put_n(o, s, 2);
			break;
		case OP_FF: {
			int w = op->width ? op->width : 9;
			int64_t v = ns;
			for (int k = w; k < 9; k++)
				v /= 10;
			o = put_n(o, v, w);
			break;
		}
		case OP_TZH:
			memcpy(o, "+00", 3);
			o += 3;
			break;
		case OP_TZM:
			memcpy(o, "00", 2);
			o += 2;
			break;
		}
	}
	(void)utc;
	return (size_t)(o - out);
}

size_t tf_format_date(const struct tf_format *f, int32_t days, char *out)
{
	if (f && !f->auto_)
		return format_ops(f, (int64_t)days * 86400, 0, false, out);
	int64_t y;
	int m, d;
	civil_from_days(days, &y, &m, &d);
	char *o = put_n(out, y, 4);
	*o++ = '-';
	o = put_n(o, m, 2);
	*o++ = '-';
	o = put_n(o, d, 2);
	return (size_t)(o - out);
}

size_t tf_format_ts(const struct tf_format *f, int64_t v, enum ts_unit unit, bool utc, char *out)
{
	int64_t sec, ns;
	from_unit(v, unit, &sec, &ns);
	if (f && !f->auto_)
		return format_ops(f, sec, ns, utc, out);
	int64_t days = floor_div(sec, 86400), rem = sec - days * 86400;
	char *o = out + tf_format_date(NULL, (int32_t)days, out);
	*o++ = ' ';
	o = put_n(o, rem / 3600, 2);
	*o++ = ':';
	o = put_n(o, rem / 60 % 60, 2);
	*o++ = ':';
	o = put_n(o, rem % 60, 2);
	o = put_frac_trimmed(o, ns);
	if (utc) {
		memcpy(o, "+00:00", 6);
		o += 6;
	}
	return (size_t)(o - out);
}

size_t tf_format_time(int64_t v, enum ts_unit unit, char *out)
{
	int64_t sec, ns;
	from_unit(v, unit, &sec, &ns);
	char *o = put_n(out, sec / 3600 % 100, 2);
	*o++ = ':';
	o = put_n(o, sec / 60 % 60, 2);
	*o++ = ':';
	o = put_n(o, sec % 60, 2);
	o = put_frac_trimmed(o, ns);
	return (size_t)(o - out);
}
