/* pq_render.c — see pq_render.h. DuckDB's rules, found by asking DuckDB:
 *  - doubles/floats: shortest round-trip digits, exponent form when the
 *    decimal exponent is < -4 or >= 16 ("1e+16", "1.5e-07"), otherwise
 *    fixed with at least one decimal ("1.0"); nan, -nan, inf, -inf. Floats
 *    whose shortest digits are an exact tie print exactly (7369.78125, not
 *    7369.7812): checked against DuckDB on 600,000 floats.
 *  - timestamps "YYYY-MM-DD HH:MM:SS[.frac]" (frac without trailing
 *    zeros), "+00" for WITH TIME ZONE; years <= 0 print as (1 - y) "(BC)".
 *  - blobs: printable ASCII except \ ' " as is, other bytes \xHH.
 *  - nested: lists [a, b], structs {'k': v}, maps {k=v}, NULL; a string
 *    inside is single-quoted when empty, "null" in any case, has leading or
 *    trailing whitespace, or contains one of '"(),:=[]{} ; inside quotes
 *    ' and \ are backslash-escaped.
 */
#include "pq_render.h"
#include "core/enc.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct sbuf {
	char *p;
	size_t len, cap;
};

static void sb_add(struct sbuf *b, const void *p, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		b->p = realloc(b->p, b->cap);
		if (!b->p)
			abort();
	}
	memcpy(b->p + b->len, p, n);
	b->len += n;
	b->p[b->len] = 0;
}

static void sb_s(struct sbuf *b, const char *s)
{
	sb_add(b, s, strlen(s));
}

static void sb_f(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_f(struct sbuf *b, const char *fmt, ...)
{
	char tmp[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	sb_add(b, tmp, (size_t)n);
}

/* ------------------------------------------------------------- numbers */

/* Python repr from the shortest digits %.*e gives at precision p. */
static void repr_from(char *out, size_t cap, const char *e_form)
{
	/* e_form: [-]d[.ddd]e[+-]XX */
	char digits[40];
	int nd = 0;
	const char *p = e_form;
	bool neg = *p == '-';
	if (neg)
		p++;
	for (; *p && *p != 'e'; p++)
		if (isdigit((unsigned char)*p))
			digits[nd++] = *p;
	int exp = (int)strtol(p + 1, NULL, 10); /* our own snprintf output */
	while (nd > 1 && digits[nd - 1] == '0')
		nd--;
	digits[nd] = 0;
	char body[80];
	size_t n = 0;
	if (exp < -4 || exp >= 16) {
		body[n++] = digits[0];
		if (nd > 1) {
			body[n++] = '.';
			memcpy(body + n, digits + 1, (size_t)nd - 1);
			n += (size_t)nd - 1;
		}
		n += (size_t)snprintf(body + n, sizeof body - n, "e%c%02d", exp < 0 ? '-' : '+', abs(exp));
	} else if (exp < 0) {
		body[n++] = '0';
		body[n++] = '.';
		for (int i = 0; i < -exp - 1; i++)
			body[n++] = '0';
		memcpy(body + n, digits, (size_t)nd);
		n += (size_t)nd;
	} else {
		for (int i = 0; i <= exp; i++)
			body[n++] = i < nd ? digits[i] : '0';
		body[n++] = '.';
		if (nd > exp + 1) {
			memcpy(body + n, digits + exp + 1, (size_t)(nd - exp - 1));
			n += (size_t)(nd - exp - 1);
		} else {
			body[n++] = '0';
		}
	}
	body[n] = 0;
	snprintf(out, cap, "%s%s", neg ? "-" : "", body);
}

/* nan/-nan/inf/-inf as DuckDB writes them; false for finite values. */
static bool special(char *out, size_t cap, double v)
{
	if (isnan(v))
		snprintf(out, cap, signbit(v) ? "-nan" : "nan");
	else if (isinf(v))
		snprintf(out, cap, v > 0 ? "inf" : "-inf");
	return isnan(v) || isinf(v);
}

/* Shortest %.*e form of v that reads back the same (as a float when
 * is_float); returns the precision used. */
static int shortest(char *e, size_t cap, double v, bool is_float)
{
	int p;
	for (p = 0; p < 17; p++) {
		snprintf(e, cap, "%.*e", p, v);
		if (is_float ? strtof(e, NULL) == (float)v : strtod(e, NULL) == v)
			break;
	}
	return p;
}

void pqr_double(char *out, size_t cap, double v)
{
	char e[64];
	if (special(out, cap, v))
		return;
	shortest(e, sizeof e, v, false);
	repr_from(out, cap, e);
}

void pqr_float(char *out, size_t cap, float v)
{
	char e[64], exact[96];
	if (special(out, cap, v))
		return;
	int p = shortest(e, sizeof e, v, true);
	/* DuckDB's float quirk (doubles do not have it): when the shortest
	 * digits are a tie, the value being exactly those digits and a 5,
	 * it prints that exact value instead of rounding. */
	snprintf(exact, sizeof exact, "%.*e", p + 40, (double)v);
	const char *m = exact + (exact[0] == '-');
	int digit = 0;
	bool tie = true;
	for (const char *q = m; *q && *q != 'e'; q++) {
		if (*q == '.')
			continue;
		if (digit == p + 1)
			tie = *q == '5';
		else if (digit > p + 1 && *q != '0')
			tie = false;
		digit++;
	}
	if (tie && p < 9)
		snprintf(e, sizeof e, "%.*e", p + 1, (double)v);
	repr_from(out, cap, e);
}

/* ------------------------------------------------------------- dates */

static int64_t floordiv64(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return (a % b && (a < 0) != (b < 0)) ? q - 1 : q;
}

static void civil(int64_t days, int64_t *y, int *m, int *d)
{
	int64_t z = days + 719468, era = floordiv64(z, 146097), doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

static void date_text(struct sbuf *b, int64_t days, bool with_bc_now)
{
	int64_t y;
	int m, d;
	civil(days, &y, &m, &d);
	if (y <= 0) {
		sb_f(b, "%04lld-%02d-%02d", (long long)(1 - y), m, d);
		if (with_bc_now)
			sb_s(b, " (BC)");
	} else {
		sb_f(b, "%04lld-%02d-%02d", (long long)y, m, d);
	}
}

static void frac_text(struct sbuf *b, int64_t frac, int digits)
{
	if (!frac)
		return;
	char t[16];
	snprintf(t, sizeof t, "%0*lld", digits, (long long)frac);
	int n = digits;
	while (n && t[n - 1] == '0')
		n--;
	sb_add(b, ".", 1);
	sb_add(b, t, (size_t)n);
}

static int64_t unit_per_sec(int unit, int *digits)
{
	switch (unit) {
	case TS_MILLIS:
		*digits = 3;
		return 1000;
	case TS_MICROS:
		*digits = 6;
		return 1000000;
	case TS_NANOS:
		*digits = 9;
		return 1000000000;
	default:
		*digits = 0;
		return 1;
	}
}

static void timestamp_text(struct sbuf *b, int64_t v, int unit, bool utc)
{
	int digits;
	int64_t ps = unit_per_sec(unit, &digits);
	int64_t secs = floordiv64(v, ps), frac = v - secs * ps;
	int64_t days = floordiv64(secs, 86400), sod = secs - days * 86400;
	int64_t y;
	int m, d;
	civil(days, &y, &m, &d);
	date_text(b, days, y <= 0);
	sb_f(b, " %02d:%02d:%02d", (int)(sod / 3600), (int)(sod / 60 % 60), (int)(sod % 60));
	frac_text(b, frac, digits);
	if (utc)
		sb_s(b, "+00");
}

static void time_text(struct sbuf *b, int64_t v, int unit, bool utc)
{
	int digits;
	int64_t ps = unit_per_sec(unit, &digits);
	int64_t secs = floordiv64(v, ps), frac = v - secs * ps;
	sb_f(b, "%02lld:%02lld:%02lld", (long long)(secs / 3600), (long long)(secs / 60 % 60), (long long)(secs % 60));
	frac_text(b, frac, digits);
	if (utc)
		sb_s(b, "+00");
}

static void decimal_text(struct sbuf *b, __int128 v, int scale)
{
	char dg[50];
	int n = 0;
	bool neg = v < 0;
	unsigned __int128 u = neg ? -(unsigned __int128)v : (unsigned __int128)v;
	do {
		dg[n++] = (char)('0' + (int)(u % 10));
		u /= 10;
	} while (u);
	while (n <= scale)
		dg[n++] = '0';
	if (neg)
		sb_add(b, "-", 1);
	for (int i = n - 1; i >= 0; i--) {
		sb_add(b, &dg[i], 1);
		if (i == scale && scale > 0)
			sb_add(b, ".", 1);
	}
}

static void blob_text(struct sbuf *b, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (p[i] >= 32 && p[i] < 127 && p[i] != '\\' && p[i] != '\'' && p[i] != '"')
			sb_add(b, &p[i], 1);
		else
			sb_f(b, "\\x%02X", p[i]);
	}
}

/* ------------------------------------------------------------- flat */

static void flat_text(struct sbuf *b, const struct field *f, const struct column *c, size_t row)
{
	char t[64];
	size_t len;
	const char *s;
	switch (f->type) {
	case COL_BOOL:
		sb_s(b, c->v.u8[row] ? "true" : "false");
		break;
	case COL_INT32:
		sb_f(b, "%d", c->v.i32[row]);
		break;
	case COL_INT64:
		if (f->is_unsigned)
			sb_f(b, "%llu", (unsigned long long)c->v.i64[row]);
		else
			sb_f(b, "%lld", (long long)c->v.i64[row]);
		break;
	case COL_FLOAT:
		pqr_float(t, sizeof t, c->v.f32[row]);
		sb_s(b, t);
		break;
	case COL_DOUBLE:
		pqr_double(t, sizeof t, c->v.f64[row]);
		sb_s(b, t);
		break;
	case COL_DECIMAL:
		decimal_text(b, c->v.dec[row], f->scale);
		break;
	case COL_STRING:
	case COL_JSON:
		s = col_bytes(c, row, &len);
		sb_add(b, s, len);
		break;
	case COL_BINARY:
		s = col_bytes(c, row, &len);
		blob_text(b, (const uint8_t *)s, len);
		break;
	case COL_DATE: {
		int64_t y;
		int m, d;
		civil(c->v.i32[row], &y, &m, &d);
		date_text(b, c->v.i32[row], y <= 0);
		break;
	}
	case COL_TIMESTAMP:
		timestamp_text(b, c->v.i64[row], f->unit, f->utc);
		break;
	case COL_TIME:
		time_text(b, c->v.i64[row], f->unit, f->utc);
		break;
	}
}

/* ------------------------------------------------------------- nested */

struct jp {
	const char *p, *end;
	bool bad;
};

static void ws(struct jp *j)
{
	while (j->p < j->end && isspace((unsigned char)*j->p))
		j->p++;
}

static bool lit(struct jp *j, const char *s)
{
	ws(j);
	size_t n = strlen(s);
	if ((size_t)(j->end - j->p) >= n && !memcmp(j->p, s, n)) {
		j->p += n;
		return true;
	}
	return false;
}

static void put_utf8(struct sbuf *b, unsigned cp)
{
	char t[4];
	sb_add(b, t, utf8_put(cp, t));
}

/* A JSON string's content into b (\u00XX below 0x100 as that raw byte:
 * that is how the reader escapes bytes that are not UTF-8). */
static bool jstring(struct jp *j, struct sbuf *b)
{
	ws(j);
	if (j->p >= j->end || *j->p != '"')
		return false;
	j->p++;
	while (j->p < j->end && *j->p != '"') {
		if (*j->p != '\\') {
			sb_add(b, j->p++, 1);
			continue;
		}
		j->p++;
		if (j->p >= j->end)
			return false;
		char e = *j->p++;
		switch (e) {
		case 'n':
			sb_add(b, "\n", 1);
			break;
		case 't':
			sb_add(b, "\t", 1);
			break;
		case 'r':
			sb_add(b, "\r", 1);
			break;
		case 'b':
			sb_add(b, "\b", 1);
			break;
		case 'f':
			sb_add(b, "\f", 1);
			break;
		case 'u': {
			if (j->end - j->p < 4)
				return false;
			char hx[5] = {j->p[0], j->p[1], j->p[2], j->p[3], 0};
			unsigned cp = (unsigned)strtoul(hx, NULL, 16);
			j->p += 4;
			if (cp < 0x100 && cp >= 0x80) {
				char raw = (char)cp;
				sb_add(b, &raw, 1);
			} else {
				put_utf8(b, cp);
			}
			break;
		}
		default:
			sb_add(b, &e, 1);
		}
	}
	if (j->p >= j->end)
		return false;
	j->p++;
	return true;
}

/* A scalar's raw JSON token (number, true, false) into b. */
static bool jtoken(struct jp *j, struct sbuf *b)
{
	ws(j);
	const char *s = j->p;
	while (j->p < j->end && (isalnum((unsigned char)*j->p) || strchr("+-.", *j->p)))
		j->p++;
	if (j->p == s)
		return false;
	sb_add(b, s, (size_t)(j->p - s));
	return true;
}

static void quote_nested(struct sbuf *out, const char *s, size_t n)
{
	bool q = n == 0 || (n == 4 && !strncasecmp(s, "null", 4)) || isspace((unsigned char)s[0]) ||
		 isspace((unsigned char)s[n - 1]);
	for (size_t i = 0; i < n && !q; i++)
		q = strchr("'\"(),:=[]{}", s[i]) != NULL && s[i];
	if (!q) {
		sb_add(out, s, n);
		return;
	}
	sb_add(out, "'", 1);
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\'' || s[i] == '\\')
			sb_add(out, "\\", 1);
		sb_add(out, &s[i], 1);
	}
	sb_add(out, "'", 1);
}

static const unsigned char *b64_table(void)
{
	static unsigned char t[256];
	static bool init;
	if (!init) {
		memset(t, 0xff, sizeof t);
		const char *a = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
		for (int i = 0; i < 64; i++)
			t[(unsigned char)a[i]] = (unsigned char)i;
		init = true;
	}
	return t;
}

static void unbase64(struct sbuf *out, const char *s, size_t n)
{
	const unsigned char *t = b64_table();
	uint32_t acc = 0;
	int bits = 0;
	for (size_t i = 0; i < n && s[i] != '='; i++) {
		if (t[(unsigned char)s[i]] == 0xff)
			continue;
		acc = acc << 6 | t[(unsigned char)s[i]];
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			char c = (char)(acc >> bits & 0xff);
			sb_add(out, &c, 1);
		}
	}
}

/* ISO text from the reader ("-0044-03-15", "2009-01-01T00:00:00.5Z") to
 * DuckDB's ("0045-03-15 (BC)", "2009-01-01 00:00:00.5+00"). */
static void iso_to_duck(struct sbuf *out, const char *s, bool is_ts)
{
	bool neg = s[0] == '-';
	char *end;
	long long y = strtoll(neg ? s + 1 : s, &end, 10);
	if (neg)
		y = -y;
	const char *rest = end; /* "-MM-DD[THH:MM:SS...]" */
	bool bc = y <= 0;
	sb_f(out, "%04lld%.6s", bc ? 1 - y : y, rest);
	const char *t = rest + 6;
	if (bc)
		sb_s(out, " (BC)");
	if (is_ts && *t == 'T') {
		sb_add(out, " ", 1);
		t++;
		size_t n = strlen(t);
		bool z = n && t[n - 1] == 'Z';
		sb_add(out, t, z ? n - 1 : n);
		if (z)
			sb_s(out, "+00");
	}
}

static bool nested(struct jp *j, const struct pq_node *n, struct sbuf *out);

/* A leaf value from its JSON form into DuckDB's nested text. */
static bool leaf(struct jp *j, const struct pq_node *n, struct sbuf *out, bool quote)
{
	struct sbuf v = {0};
	const struct field *f = &n->leaf;
	bool ok = true;
	char t[64];
	switch (f->type) {
	case COL_BOOL:
	case COL_INT32:
	case COL_INT64:
	case COL_DECIMAL:
		ok = jtoken(j, &v);
		break;
	case COL_FLOAT:
	case COL_DOUBLE:
		ws(j);
		if (j->p < j->end && *j->p == '"') {
			ok = jstring(j, &v);
			const char *s = v.p ? v.p : "";
			const char *r = !strcmp(s, "NaN") ? "nan" : !strcmp(s, "Infinity") ? "inf" : "-inf";
			v.len = 0;
			sb_s(&v, r);
		} else {
			ok = jtoken(j, &v);
			if (ok && f->type == COL_FLOAT)
				pqr_float(t, sizeof t, strtof(v.p, NULL));
			else if (ok)
				pqr_double(t, sizeof t, strtod(v.p, NULL));
			v.len = 0;
			sb_s(&v, t);
		}
		break;
	case COL_STRING:
	case COL_JSON:
		ok = jstring(j, &v);
		break;
	case COL_BINARY: {
		struct sbuf raw = {0}, b64 = {0};
		ok = jstring(j, &b64);
		unbase64(&raw, b64.p ? b64.p : "", b64.len);
		blob_text(&v, (const uint8_t *)(raw.p ? raw.p : ""), raw.len);
		free(raw.p);
		free(b64.p);
		break;
	}
	case COL_DATE:
	case COL_TIMESTAMP: {
		struct sbuf iso = {0};
		ok = jstring(j, &iso);
		if (ok)
			iso_to_duck(&v, iso.p, f->type == COL_TIMESTAMP);
		free(iso.p);
		break;
	}
	case COL_TIME:
		ok = jstring(j, &v);
		if (f->utc)
			sb_s(&v, "+00");
		break;
	}
	if (ok) {
		if (quote)
			quote_nested(out, v.p ? v.p : "", v.len);
		else
			sb_add(out, v.p ? v.p : "", v.len);
	}
	free(v.p);
	return ok;
}

/* A map key: the reader wrote it as a JSON string holding either the text
 * (string-like types) or the scalar's JSON text (numbers, booleans). */
static bool map_key(struct jp *j, const struct pq_node *k, struct sbuf *out)
{
	struct sbuf s = {0};
	if (!jstring(j, &s))
		return false;
	bool ok;
	if (k->kind == PQ_LEAF && (k->leaf.type == COL_STRING || k->leaf.type == COL_JSON)) {
		quote_nested(out, s.p ? s.p : "", s.len);
		ok = true;
	} else {
		struct sbuf js = {0};
		if (k->kind == PQ_LEAF && (k->leaf.type == COL_BINARY || k->leaf.type == COL_DATE ||
					   k->leaf.type == COL_TIMESTAMP || k->leaf.type == COL_TIME))
			sb_add(&js, "\"", 1), sb_add(&js, s.p ? s.p : "", s.len), sb_add(&js, "\"", 1);
		else
			sb_add(&js, s.p ? s.p : "", s.len);
		struct jp sub = {js.p, js.p + js.len, false};
		ok = nested(&sub, k, out);
		free(js.p);
	}
	free(s.p);
	return ok;
}

static bool nested(struct jp *j, const struct pq_node *n, struct sbuf *out)
{
	if (lit(j, "null")) {
		sb_s(out, "NULL");
		return true;
	}
	switch (n->kind) {
	case PQ_LEAF:
		return leaf(j, n, out, true);
	case PQ_LIST:
		if (!lit(j, "["))
			return false;
		sb_s(out, "[");
		if (!lit(j, "]")) {
			do {
				if (out->p[out->len - 1] != '[')
					sb_s(out, ", ");
				if (!nested(j, &n->children[0], out))
					return false;
			} while (lit(j, ","));
			if (!lit(j, "]"))
				return false;
		}
		sb_s(out, "]");
		return true;
	case PQ_STRUCT:
		if (!lit(j, "{"))
			return false;
		sb_s(out, "{");
		for (int i = 0; i < n->nchildren; i++) {
			struct sbuf key = {0};
			if ((i && !lit(j, ",")) || !jstring(j, &key) || !lit(j, ":")) {
				free(key.p);
				return false;
			}
			if (i)
				sb_s(out, ", ");
			sb_s(out, "'");
			for (size_t k = 0; k < key.len; k++) {
				if (key.p[k] == '\'' || key.p[k] == '\\')
					sb_s(out, "\\");
				sb_add(out, &key.p[k], 1);
			}
			sb_s(out, "': ");
			free(key.p);
			if (!nested(j, &n->children[i], out))
				return false;
		}
		sb_s(out, "}");
		return lit(j, "}");
	case PQ_MAP:
		if (!lit(j, "{"))
			return false;
		sb_s(out, "{");
		if (!lit(j, "}")) {
			bool first = true;
			do {
				if (!first)
					sb_s(out, ", ");
				first = false;
				if (!map_key(j, &n->children[0], out) || !lit(j, ":"))
					return false;
				sb_s(out, "=");
				if (n->nchildren > 1) {
					if (!nested(j, &n->children[1], out))
						return false;
				} else if (!lit(j, "null")) {
					return false;
				} else {
					sb_s(out, "NULL");
				}
			} while (lit(j, ","));
			if (!lit(j, "}"))
				return false;
		}
		sb_s(out, "}");
		return true;
	}
	return false;
}

char *pqr_render(const struct field *f, const struct pq_node *node, const struct column *col, size_t row)
{
	if (!col_is_valid(col, row))
		return NULL;
	struct sbuf b = {0};
	if (node && node->kind != PQ_LEAF) {
		size_t len;
		const char *s = col_bytes(col, row, &len);
		struct jp j = {s, s + len, false};
		if (!nested(&j, node, &b)) {
			free(b.p);
			char *e = malloc(len + 32);
			snprintf(e, len + 32, "<render error: %.*s>", (int)len, s);
			return e;
		}
	} else {
		flat_text(&b, f, col, row);
	}
	if (!b.p)
		sb_add(&b, "", 0);
	return b.p;
}

/* ------------------------------------------------------------- csv */

int pqr_csv_load(const char *path, struct pqr_csv *out)
{
	memset(out, 0, sizeof *out);
	FILE *fp = fopen(path, "rb");
	if (!fp)
		return -1;
	struct sbuf all = {0};
	char tmp[65536];
	size_t n;
	while ((n = fread(tmp, 1, sizeof tmp, fp)) > 0)
		sb_add(&all, tmp, n);
	fclose(fp);
	const char *p = all.p ? all.p : "", *end = p + all.len;
	size_t rcap = 0;
	while (p < end) {
		char **row = NULL;
		size_t nc = 0;
		for (;;) {
			char *val = NULL;
			if (p < end && *p == '"') {
				struct sbuf v = {0};
				p++;
				while (p < end) {
					if (*p == '"' && p + 1 < end && p[1] == '"') {
						sb_add(&v, "\"", 1);
						p += 2;
					} else if (*p == '"') {
						p++;
						break;
					} else {
						sb_add(&v, p++, 1);
					}
				}
				if (!v.p)
					sb_add(&v, "", 0);
				val = v.p;
			} else {
				const char *s = p;
				while (p < end && *p != ',' && *p != '\n' && *p != '\r')
					p++;
				if (p > s)
					val = strndup(s, (size_t)(p - s));
			}
			row = realloc(row, sizeof *row * (nc + 1));
			row[nc++] = val;
			if (p < end && *p == ',') {
				p++;
				continue;
			}
			if (p < end && *p == '\r')
				p++;
			if (p < end && *p == '\n')
				p++;
			break;
		}
		if (out->nrows == rcap) {
			rcap = rcap ? rcap * 2 : 64;
			out->rows = realloc(out->rows, sizeof *out->rows * rcap);
		}
		out->rows[out->nrows++] = row;
		if (out->nrows == 1)
			out->ncols = nc;
		else if (nc != out->ncols) {
			/* A one-column file's NULL row is an empty line. */
			if (!(out->ncols == 1 && nc == 1)) {
				free(all.p);
				return -1;
			}
		}
	}
	free(all.p);
	return 0;
}

void pqr_csv_free(struct pqr_csv *c)
{
	for (size_t r = 0; r < c->nrows; r++) {
		for (size_t i = 0; i < c->ncols; i++)
			free(c->rows[r][i]);
		free(c->rows[r]);
	}
	free(c->rows);
	memset(c, 0, sizeof *c);
}
