/* pjtok.c — see pjtok.h (pattern JSON tokens). Each error path names the Jackson routine whose text
 * and position it reproduces, because those are what AWS returns.
 *
 * Invariants: pos only moves forward; once cur is PJ_ERROR every call
 * returns PJ_ERROR; text/name buffers never exceed PJ_TEXT_MAX (the input is
 * capped below that by the callers, so a longer token cannot occur).
 */
#include "match/pjtok.h"
#include "match/match_int.h"
#include "core/enc.h"
#include "core/mem.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CTX_ROOT 0
#define CTX_ARRAY 1
#define CTX_OBJECT 2

static const char *const VALID_TOKENS = "(JSON String, Number, Array, Object or token 'null', 'true' or 'false')";

void pj_init(struct pjtok *t, const char *s, size_t n, int max_depth)
{
	memset(t, 0, sizeof *t);
	t->s = s;
	t->n = n;
	t->max_depth = max_depth > 64 ? 64 : max_depth;
	t->ctx[0].type = CTX_ROOT;
}

void pj_free(struct pjtok *t)
{
	free(t->text);
	free(t->name);
	t->text = t->name = NULL;
}

int pj_is_number(enum pj k)
{
	return k == PJ_INT || k == PJ_FLOAT;
}

/* UTF-16 units between two byte offsets, as Java counts columns. */
static size_t units(const char *s, size_t from, size_t to)
{
	size_t u = 0;
	for (size_t i = from; i < to; i++) {
		unsigned char c = (unsigned char)s[i];
		if ((c & 0xC0) != 0x80)
			u += c >= 0xF0 ? 2 : 1;
	}
	return u;
}

/* Jackson's source description: (String)"..." cut at 500 chars, control
 * characters other than CR/LF written as \uXXXX. */
static void source_desc(const struct pjtok *t, char *out, size_t cap)
{
	size_t o = 0, chars = 0, i = 0;
#define PUT(c)                              \
	do {                                \
		if (o + 1 < cap)            \
			out[o++] = (char)(c); \
	} while (0)
	const char *pre = "(String)\"";
	for (const char *p = pre; *p; p++)
		PUT(*p);
	while (i < t->n && chars < 500) {
		unsigned char c = (unsigned char)t->s[i];
		size_t len = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
		if (i + len > t->n)
			len = t->n - i;
		if ((c < 0x20 && c != '\r' && c != '\n') || c == 0x7f) {
			char esc[8];
			snprintf(esc, sizeof esc, "\\u%04X", c);
			for (char *p = esc; *p; p++)
				PUT(*p);
		} else {
			for (size_t k = 0; k < len; k++)
				PUT(t->s[i + k]);
		}
		chars += c >= 0xF0 ? 2 : 1;
		i += len;
	}
	PUT('"');
	if (i < t->n) {
		char tail[48];
		snprintf(tail, sizeof tail, "[truncated %zu chars]", units(t->s, i, t->n));
		for (char *p = tail; *p; p++)
			PUT(*p);
	}
	out[o < cap ? o : cap - 1] = 0;
#undef PUT
}

static void describe_location(const struct pjtok *t, uint32_t row, size_t row_start, size_t pos, int root,
			      char *out, size_t cap)
{
	char src[2200];
	source_desc(t, src, sizeof src);
	size_t col = root ? 0 : units(t->s, row_start, pos) + 1;
	snprintf(out, cap, "[Source: %s; line: %u, column: %zu]", src, row + 1, col);
}

void pj_location(const struct pjtok *t, char *out, size_t cap)
{
	char loc[2400];
	describe_location(t, t->err_row, t->err_row_start, t->err_pos, 0, loc, sizeof loc);
	snprintf(out, cap, "\n at %s", loc);
}

static void fail_at(struct pjtok *t, size_t pos, const char *fmt, va_list ap)
{
	vsnprintf(t->reason, sizeof t->reason, fmt, ap);
	t->err_pos = pos < t->row_start ? t->row_start : pos;
	t->err_row = t->row;
	t->err_row_start = t->row_start;
	t->cur = PJ_ERROR;
	t->pending = PJ_NONE;
}

void pj_fail(struct pjtok *t, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fail_at(t, t->pos, fmt, ap);
	va_end(ap);
}

static void fail_pos(struct pjtok *t, size_t pos, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void fail_pos(struct pjtok *t, size_t pos, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fail_at(t, pos, fmt, ap);
	va_end(ap);
}

/* The code point at byte i and its length in bytes. */
static uint32_t cp_at(const struct pjtok *t, size_t i, size_t *len)
{
	size_t j = i;
	uint32_t cp = mt_utf8_next(t->s, t->n, &j);
	*len = j - i;
	return cp;
}

/* Jackson's _getCharDesc. */
static void char_desc(uint32_t cp, char *out, size_t cap)
{
	if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f)) {
		snprintf(out, cap, "(CTRL-CHAR, code %u)", cp);
		return;
	}
	char u[5] = {0};
	utf8_put(cp, u);
	if (cp > 255)
		snprintf(out, cap, "'%s' (code %u / 0x%x)", u, cp, cp);
	else
		snprintf(out, cap, "'%s' (code %u)", u, cp);
}

/* _reportUnexpectedChar: the location is the character itself. */
static void unexpected_char(struct pjtok *t, size_t at, const char *comment)
{
	size_t len;
	char d[64];
	char_desc(cp_at(t, at, &len), d, sizeof d);
	if (comment)
		fail_pos(t, at, "Unexpected character (%s): %s", d, comment);
	else
		fail_pos(t, at, "Unexpected character (%s)", d);
}

static int ident_start(uint32_t cp)
{
	if ((cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || cp == '_' || cp == '$')
		return 1;
	return cp >= 0x100 || (cp >= 0xC0 && cp != 0xD7 && cp != 0xF7);
}

static int ident_part(uint32_t cp)
{
	return ident_start(cp) || (cp >= '0' && cp <= '9') || cp <= 8 || (cp >= 0x0E && cp <= 0x1B) ||
	       (cp >= 0x7F && cp <= 0x9F);
}

/* _reportInvalidToken: gathers the rest of the word for the message. */
static void invalid_token(struct pjtok *t, const char *matched, size_t mlen)
{
	char word[300];
	size_t w = mlen < 256 ? mlen : 256;
	memcpy(word, matched, w);
	while (t->pos < t->n) {
		size_t len;
		uint32_t cp = cp_at(t, t->pos, &len);
		if (!ident_part(cp))
			break;
		if (w + len < 256) {
			memcpy(word + w, t->s + t->pos, len);
			w += len;
		}
		t->pos += len;
		if (w >= 255) {
			memcpy(word + w, "...", 3);
			w += 3;
			break;
		}
	}
	word[w] = 0;
	pj_fail(t, "Unrecognized token '%s': was expecting %s", word, VALID_TOKENS);
}

/* _skipWSOrEnd: the next significant character (pointer past it), -1 at the
 * end, -2 after an error. */
static int skip_ws(struct pjtok *t)
{
	while (t->pos < t->n) {
		unsigned char c = (unsigned char)t->s[t->pos++];
		if (c > ' ')
			return c;
		if (c == ' ' || c == '\t')
			continue;
		if (c == '\n') {
			t->row++;
			t->row_start = t->pos;
		} else if (c == '\r') {
			if (t->pos < t->n && t->s[t->pos] == '\n')
				t->pos++;
			t->row++;
			t->row_start = t->pos;
		} else {
			pj_fail(t,
				"Illegal character ((CTRL-CHAR, code %u)): only regular white space (\\r, \\n, \\t) is "
				"allowed between tokens",
				c);
			return -2;
		}
	}
	return -1;
}

static int buf_put(char **b, size_t *len, size_t *cap, const char *p, size_t n)
{
	if (*len + n + 1 > *cap) {
		size_t nc = *cap ? *cap : 64;
		while (nc < *len + n + 1)
			nc *= 2;
		if (nc > PJ_TEXT_MAX + 8)
			return -1;
		*b = xrealloc(*b, nc);
		*cap = nc;
	}
	memcpy(*b + *len, p, n);
	*len += n;
	(*b)[*len] = 0;
	return 0;
}

/* Reads a string body (pointer after the opening quote) into out, or just
 * skips it when out is NULL. `what` names it in messages ("string value",
 * "name"). Unpaired surrogates become '?', as Java's UTF-8 encoder writes. */
static int read_string(struct pjtok *t, char **out, size_t *len, size_t *cap, const char *what)
{
	if (out)
		*len = 0;
	if (out && !*out)
		buf_put(out, len, cap, "", 0);
	for (;;) {
		size_t start = t->pos;
		while (t->pos < t->n) {
			unsigned char c = (unsigned char)t->s[t->pos];
			if (c == '"' || c == '\\' || c < 0x20)
				break;
			t->pos++;
		}
		if (out && t->pos > start && buf_put(out, len, cap, t->s + start, t->pos - start)) {
			pj_fail(t, "String value too long");
			return -1;
		}
		if (t->pos >= t->n) {
			if (!strcmp(what, "name"))
				pj_fail(t, "Unexpected end-of-input in field name");
			else
				pj_fail(t, "Unexpected end-of-input: was expecting closing quote for a string value");
			return -1;
		}
		unsigned char c = (unsigned char)t->s[t->pos++];
		if (c == '"')
			return 0;
		if (c < 0x20) {
			pj_fail(t,
				"Illegal unquoted character ((CTRL-CHAR, code %u)): has to be escaped using backslash to "
				"be included in %s",
				c, what);
			return -1;
		}
		/* backslash */
		uint32_t cp;
		int rc = mt_json_escape(t->s, t->n, &t->pos, &cp);
		if (rc == MT_ESC_EOF) {
			pj_fail(t, "Unexpected end-of-input in character escape sequence");
			return -1;
		}
		if (rc == MT_ESC_BADHEX) {
			unexpected_char(t, t->pos, "expected a hex-digit for character escape sequence");
			return -1;
		}
		if (rc == MT_ESC_UNKNOWN) {
			char d[64];
			char_desc(cp, d, sizeof d);
			pj_fail(t, "Unrecognized character escape %s", d);
			return -1;
		}
		if (out) {
			char u[4];
			buf_put(out, len, cap, u, utf8_put(cp, u));
		}
	}
}

static int push_ctx(struct pjtok *t, uint8_t type, size_t pos, uint32_t row, size_t row_start)
{
	if (t->depth + 1 > t->max_depth) {
		pj_fail(t, "Document nesting depth (%d) exceeds the maximum allowed (%d)", t->depth + 1, t->max_depth);
		return -1;
	}
	t->depth++;
	struct pj_ctx *c = &t->ctx[t->depth];
	c->type = type;
	c->started = 0;
	c->pos = pos;
	c->row = row;
	c->row_start = row_start;
	return 0;
}

static const char *ctx_desc(uint8_t type)
{
	return type == CTX_ARRAY ? "Array" : type == CTX_OBJECT ? "Object" : "root";
}

/* _matchToken for true/false/null: the first letter is already consumed. */
static int match_word(struct pjtok *t, const char *word)
{
	size_t wl = strlen(word);
	for (size_t k = 1; k < wl; k++) {
		if (t->pos >= t->n || t->s[t->pos] != word[k]) {
			invalid_token(t, word, k);
			return -1;
		}
		t->pos++;
	}
	if (t->pos < t->n) {
		size_t len;
		uint32_t cp = cp_at(t, t->pos, &len);
		if (cp >= '0' && cp != ']' && cp != '}' && ident_part(cp)) {
			invalid_token(t, word, wl);
			return -1;
		}
	}
	return 0;
}

static void set_text(struct pjtok *t, const char *p, size_t n)
{
	t->text_len = 0;
	buf_put(&t->text, &t->text_len, &t->text_cap, p, n);
}

/* _reportUnexpectedNumberChar at pos (consumed), or end-of-input there. */
static void bad_number_char(struct pjtok *t, const char *what)
{
	if (t->pos >= t->n) {
		pj_fail(t, "Unexpected end-of-input in a Number value");
		return;
	}
	size_t len;
	char d[64];
	char_desc(cp_at(t, t->pos, &len), d, sizeof d);
	t->pos += len;
	pj_fail(t, "Unexpected character (%s) in numeric value: %s", d, what);
}

/* Digits at pos; 0 if there was none. */
static int digits(struct pjtok *t)
{
	size_t d0 = t->pos;
	while (t->pos < t->n && t->s[t->pos] >= '0' && t->s[t->pos] <= '9')
		t->pos++;
	return t->pos > d0;
}

/* _parsePosNumber / _parseNegNumber; c (already consumed) is '-' or a digit. */
static enum pj parse_number(struct pjtok *t, int c)
{
	size_t start = t->pos - 1;
	int is_float = 0;
	if (c == '-') {
		if (t->pos < t->n && (t->s[t->pos] < '0' || t->s[t->pos] > '9')) {
			size_t save = t->pos;
			bad_number_char(t, "expected digit (0-9) to follow minus sign, for valid numeric value");
			t->err_pos = save; /* Jackson reports it before consuming it */
			return PJ_ERROR;
		}
		if (!digits(t)) {
			bad_number_char(t, "");
			return PJ_ERROR;
		}
		c = (unsigned char)t->s[start + 1];
	}
	if (c == '0' && t->pos < t->n && t->s[t->pos] >= '0' && t->s[t->pos] <= '9') {
		pj_fail(t, "Invalid numeric value: Leading zeroes not allowed");
		return PJ_ERROR;
	}
	digits(t);
	if (t->pos < t->n && t->s[t->pos] == '.') {
		is_float = 1;
		t->pos++;
		if (!digits(t)) {
			bad_number_char(t, "Decimal point not followed by a digit");
			return PJ_ERROR;
		}
	}
	if (t->pos < t->n && (t->s[t->pos] == 'e' || t->s[t->pos] == 'E')) {
		is_float = 1;
		t->pos++;
		if (t->pos < t->n && (t->s[t->pos] == '+' || t->s[t->pos] == '-'))
			t->pos++;
		if (!digits(t)) {
			bad_number_char(t, "Exponent indicator not followed by a digit");
			return PJ_ERROR;
		}
	}
	if (t->pos - start > 1000) {
		pj_fail(t, "Number value length (%zu) exceeds the maximum allowed (1000)", t->pos - start);
		return PJ_ERROR;
	}
	set_text(t, t->s + start, t->pos - start);
	return is_float ? PJ_FLOAT : PJ_INT;
}

/* The start of a value whose first character c was just consumed. Containers
 * get their context now unless `deferred` (after a field name Jackson only
 * opens it when the token is handed out). */
static enum pj value_start(struct pjtok *t, int c, int deferred)
{
	size_t at = t->pos - 1;
	switch (c) {
	case '"':
		t->incomplete = 1;
		return PJ_STRING;
	case '[':
	case '{':
		set_text(t, c == '[' ? "[" : "{", 1);
		if (!deferred && push_ctx(t, c == '[' ? CTX_ARRAY : CTX_OBJECT, at, t->row, t->row_start))
			return PJ_ERROR;
		return c == '[' ? PJ_START_ARRAY : PJ_START_OBJECT;
	case ']':
	case '}':
		unexpected_char(t, at, "expected a value");
		return PJ_ERROR;
	case 't':
		if (match_word(t, "true"))
			return PJ_ERROR;
		set_text(t, "true", 4);
		return PJ_TRUE;
	case 'f':
		if (match_word(t, "false"))
			return PJ_ERROR;
		set_text(t, "false", 5);
		return PJ_FALSE;
	case 'n':
		if (match_word(t, "null"))
			return PJ_ERROR;
		set_text(t, "null", 4);
		return PJ_NULL;
	default:
		if (c == '-' || (c >= '0' && c <= '9'))
			return parse_number(t, c);
		{
			size_t len;
			uint32_t cp = cp_at(t, at, &len);
			t->pos = at + len;
			if (ident_start(cp)) {
				invalid_token(t, t->s + at, len);
				return PJ_ERROR;
			}
		}
		unexpected_char(t, at, "expected a valid value (JSON String, Number, Array, Object or token 'null', "
				       "'true' or 'false')");
		return PJ_ERROR;
	}
}

/* _closeScope, with _reportMismatchedEndMarker's message. */
static enum pj close_scope(struct pjtok *t, int c)
{
	struct pj_ctx *x = &t->ctx[t->depth];
	int want = c == ']' ? CTX_ARRAY : CTX_OBJECT;
	if (x->type != want) {
		char loc[2400];
		describe_location(t, x->row, x->row_start, x->pos, x->type == CTX_ROOT, loc, sizeof loc);
		pj_fail(t, "Unexpected close marker '%c': expected '%c' (for %s starting at %s)", c,
			c == ']' ? '}' : ']', ctx_desc(x->type), loc);
		return PJ_ERROR;
	}
	t->depth--;
	set_text(t, c == ']' ? "]" : "}", 1);
	return t->cur = c == ']' ? PJ_END_ARRAY : PJ_END_OBJECT;
}

/* _skipColon's whitespace: the input may not end here. */
static int skip_ws_in_object(struct pjtok *t)
{
	int c = skip_ws(t);
	if (c == -1)
		pj_fail(t, "Unexpected end-of-input within/between Object entries");
	return c < 0 ? -1 : c;
}

enum pj pj_next(struct pjtok *t)
{
	if (t->cur == PJ_ERROR)
		return PJ_ERROR;
	if (t->cur == PJ_FIELD_NAME) {
		enum pj k = t->pending;
		t->pending = PJ_NONE;
		if ((k == PJ_START_ARRAY || k == PJ_START_OBJECT) &&
		    push_ctx(t, k == PJ_START_ARRAY ? CTX_ARRAY : CTX_OBJECT, t->tok_pos, t->tok_row, t->tok_row_start))
			return PJ_ERROR;
		return t->cur = k;
	}
	if (t->incomplete) {
		t->incomplete = 0;
		if (read_string(t, NULL, NULL, NULL, "string value"))
			return PJ_ERROR;
	}
	int c = skip_ws(t);
	if (c == -2)
		return PJ_ERROR;
	if (c < 0) {
		if (t->depth > 0) {
			struct pj_ctx *x = &t->ctx[t->depth];
			char loc[2400];
			describe_location(t, x->row, x->row_start, x->pos, 0, loc, sizeof loc);
			pj_fail(t, "Unexpected end-of-input: expected close marker for %s (start marker at %s)",
				ctx_desc(x->type), loc);
			return PJ_ERROR;
		}
		return t->cur = PJ_EOF;
	}
	if (c == ']' || c == '}')
		return close_scope(t, c);
	struct pj_ctx *x = &t->ctx[t->depth];
	if (x->type != CTX_ROOT && x->started) {
		if (c != ',') {
			char comment[64];
			snprintf(comment, sizeof comment, "was expecting comma to separate %s entries", ctx_desc(x->type));
			unexpected_char(t, t->pos - 1, comment);
			return PJ_ERROR;
		}
		c = skip_ws(t);
		if (c == -2)
			return PJ_ERROR;
		if (c < 0) {
			pj_fail(t, "Unexpected end-of-input within/between %s entries", ctx_desc(x->type));
			return PJ_ERROR;
		}
	}
	x->started = 1;
	if (x->type == CTX_OBJECT) {
		if (c != '"') {
			unexpected_char(t, t->pos - 1, "was expecting double-quote to start field name");
			return PJ_ERROR;
		}
		if (read_string(t, &t->name, &t->name_len, &t->name_cap, "name"))
			return PJ_ERROR;
		if ((c = skip_ws_in_object(t)) < 0)
			return PJ_ERROR;
		if (c != ':') {
			unexpected_char(t, t->pos - 1, "was expecting a colon to separate field name and value");
			return PJ_ERROR;
		}
		if ((c = skip_ws_in_object(t)) < 0)
			return PJ_ERROR;
		t->tok_pos = t->pos - 1;
		t->tok_row = t->row;
		t->tok_row_start = t->row_start;
		enum pj k = value_start(t, c, 1);
		if (k == PJ_ERROR)
			return PJ_ERROR;
		t->pending = k;
		return t->cur = PJ_FIELD_NAME;
	}
	enum pj k = value_start(t, c, 0);
	if (k == PJ_ERROR)
		return PJ_ERROR;
	return t->cur = k;
}

const char *pj_text(struct pjtok *t, size_t *len)
{
	switch (t->cur) {
	case PJ_FIELD_NAME:
		*len = t->name_len;
		return t->name ? t->name : "";
	case PJ_STRING:
		if (t->incomplete) {
			t->incomplete = 0;
			if (read_string(t, &t->text, &t->text_len, &t->text_cap, "string value"))
				return NULL;
		}
		*len = t->text_len;
		return t->text ? t->text : "";
	case PJ_EOF:
	case PJ_NONE:
	case PJ_ERROR:
		*len = 4;
		return "null";
	default:
		*len = t->text_len;
		return t->text ? t->text : "";
	}
}

enum pj pj_skip_children(struct pjtok *t)
{
	if (t->cur != PJ_START_OBJECT && t->cur != PJ_START_ARRAY)
		return t->cur;
	int open = 1;
	while (open > 0) {
		enum pj k = pj_next(t);
		if (k == PJ_ERROR || k == PJ_EOF)
			return PJ_ERROR;
		if (k == PJ_START_OBJECT || k == PJ_START_ARRAY)
			open++;
		else if (k == PJ_END_OBJECT || k == PJ_END_ARRAY)
			open--;
	}
	return t->cur;
}
