/* jsontok.c — see jsontok.h.
 *
 * Each call skips whitespace, then lexes exactly one token from buf[pos..].
 * A token that runs off the end of the buffer is lexed again from its
 * start after a refill (refills read until the buffer is full, so a long
 * token is restarted O(log(size / JT_CHUNK)) times). `expect` is the
 * grammar state: what may come next at the current nesting level.
 */
#include "formats/jsontok.h"
#include "formats/fmt_text.h"
#include "formats/swar.h"
#include "core/enc.h"
#include "core/mem.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
	X_TOP,          /* a top-level value or the end (lines mode) */
	X_VALUE,        /* a value (after ':' or ',' in an array) */
	X_VALUE_OR_END, /* after '[' */
	X_KEY_OR_END,   /* after '{' */
	X_KEY,          /* after ',' in an object */
	X_COLON,
	X_COMMA_OR_END,
	X_A_OPEN,       /* array mode: before the outer '[' */
	X_A_FIRST,      /* after the outer '[' */
	X_A_AFTER,      /* after a record: ',' or the outer ']' */
	X_A_VALUE,      /* after ',' between records */
	X_A_DONE,       /* after the outer ']' */
};

enum { TOK_OK = 1, TOK_MORE = 2, TOK_ERR = -1 };

void jt_init(struct jtok *t, struct source *src, bool array_mode, size_t max_token)
{
	memset(t, 0, sizeof *t);
	t->src = src;
	t->array_mode = array_mode;
	t->line = 1;
	t->max_token = max_token ? max_token : (size_t)16 << 20;
	if (t->max_token > (size_t)1 << 30)
		t->max_token = (size_t)1 << 30;
	buf_init(&t->scratch, t->max_token);
	t->expect = array_mode ? X_A_OPEN : X_TOP;
}

void jt_free(struct jtok *t)
{
	free(t->buf);
	t->buf = NULL;
	buf_free(&t->scratch);
}

static int tok_error(struct jtok *t, struct fmt_error *err, size_t at, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int tok_error(struct jtok *t, struct fmt_error *err, size_t at, const char *fmt, ...)
{
	t->failed = true;
	char m[300];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(m, sizeof m, fmt, ap);
	va_end(ap);
	fmt_error_at(err, source_name(t->src), t->line, 0, NULL, t->buf_off + (int64_t)at, "%s (byte offset %lld)", m,
		     (long long)(t->buf_off + (int64_t)at));
	return TOK_ERR;
}

static int refill(struct jtok *t, struct fmt_error *err)
{
	if (!t->buf) {
		/* A small uncompressed input needs no more than its own size. */
		int64_t size = source_raw_size(t->src);
		t->cap = JT_CHUNK;
		if (source_codec(t->src) == FMT_CODEC_NONE && size >= 0 && size < JT_CHUNK)
			t->cap = (size_t)size + 16;
		t->buf = xmalloc(t->cap);
	}
	if (t->pos > 0) {
		memmove(t->buf, t->buf + t->pos, t->end - t->pos);
		t->buf_off += (int64_t)t->pos;
		t->end -= t->pos;
		t->pos = 0;
	}
	if (t->end == t->cap) {
		size_t limit = t->max_token + JT_CHUNK;
		if (t->cap >= limit)
			return tok_error(t, err, 0, "a single JSON token is longer than %zu bytes", t->max_token);
		t->cap = t->cap * 2 > limit ? limit : t->cap * 2;
		t->buf = xrealloc(t->buf, t->cap);
	}
	while (t->end < t->cap) {
		long got = source_read(t->src, t->buf + t->end, t->cap - t->end, err);
		if (got < 0) {
			t->failed = true;
			return TOK_ERR;
		}
		if (got == 0) {
			t->eof = true;
			break;
		}
		t->end += (size_t)got;
	}
	return 0;
}

static void shown_char(char *out, size_t n, char c)
{
	if (c >= 0x20 && c < 0x7f)
		snprintf(out, n, "'%c'", c);
	else
		snprintf(out, n, "byte 0x%02X", (unsigned char)c);
}

static int hex4(const char *p)
{
	int v = 0;
	for (int i = 0; i < 4; i++) {
		char c = p[i];
		int d = hex_digit((unsigned char)c);
		if (d < 0)
			return -1;
		v = v << 4 | d;
	}
	return v;
}

/* Lexes the string whose opening quote is at buf[pos]. */
static int lex_string(struct jtok *t, struct jt_token *tok, size_t *next, struct fmt_error *err)
{
	const char *b = t->buf;
	size_t i = t->pos + 1, e = t->end;
	bool high = false;
	while (i + 8 <= e) {
		uint64_t x = swar_load(b + i);
		uint64_t m = swar_eq(x, '"') | swar_eq(x, '\\') | swar_lt(x, 0x20);
		if (m) {
			unsigned k = swar_first(m);
			high |= (x & (k ? ~0ull >> (64 - 8 * k) : 0) & SWAR_HIGH) != 0;
			i += k;
			break;
		}
		high |= (x & SWAR_HIGH) != 0;
		i += 8;
	}
	while (i < e) {
		unsigned char c = (unsigned char)b[i];
		if (c == '"' || c == '\\' || c < 0x20)
			break;
		high |= c >= 0x80;
		i++;
	}
	if (i == e)
		return t->eof ? tok_error(t, err, t->pos, "a string is never closed") : TOK_MORE;
	if (b[i] == '"') {
		if (high && !utf8_valid(b + t->pos + 1, i - t->pos - 1))
			return tok_error(t, err, t->pos, "a string is not valid UTF-8");
		tok->p = b + t->pos + 1;
		tok->n = i - t->pos - 1;
		*next = i + 1;
		return TOK_OK;
	}
	struct buf *s = &t->scratch;
	buf_reset(s);
	buf_add(s, b + t->pos + 1, i - t->pos - 1);
	for (;;) {
		if (i == e)
			return t->eof ? tok_error(t, err, t->pos, "a string is never closed") : TOK_MORE;
		unsigned char c = (unsigned char)b[i];
		if (c == '"')
			break;
		if (c < 0x20)
			return tok_error(t, err, i, "a control character (0x%02X) inside a string must be escaped", c);
		if (c != '\\') {
			size_t run = i;
			while (i < e && b[i] != '"' && b[i] != '\\' && (unsigned char)b[i] >= 0x20)
				i++;
			if (buf_add(s, b + run, i - run))
				return tok_error(t, err, t->pos, "a string is longer than %zu bytes", t->max_token);
			continue;
		}
		if (i + 1 >= e)
			return t->eof ? tok_error(t, err, t->pos, "a string is never closed") : TOK_MORE;
		char x = b[i + 1], out = 0;
		switch (x) {
		case '"': out = '"'; break;
		case '\\': out = '\\'; break;
		case '/': out = '/'; break;
		case 'b': out = '\b'; break;
		case 'f': out = '\f'; break;
		case 'n': out = '\n'; break;
		case 'r': out = '\r'; break;
		case 't': out = '\t'; break;
		case 'u': {
			if (i + 6 > e)
				return t->eof ? tok_error(t, err, i, "a \\u escape is cut short") : TOK_MORE;
			int cp = hex4(b + i + 2);
			if (cp < 0)
				return tok_error(t, err, i, "a \\u escape needs four hex digits");
			size_t used = 6;
			if (cp >= 0xDC00 && cp <= 0xDFFF)
				return tok_error(t, err, i, "a \\u escape is a lone low surrogate");
			if (cp >= 0xD800 && cp <= 0xDBFF) {
				if (i + 12 > e && !t->eof)
					return TOK_MORE;
				int lo = i + 12 <= e && b[i + 6] == '\\' && b[i + 7] == 'u' ? hex4(b + i + 8) : -1;
				if (lo < 0xDC00 || lo > 0xDFFF)
					return tok_error(t, err, i, "a \\u escape is a lone high surrogate");
				cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
				used = 12;
			}
			char u[4];
			buf_add(s, u, utf8_put((uint32_t)cp, u));
			i += used;
			continue;
		}
		default: {
			char shown[16];
			shown_char(shown, sizeof shown, x);
			return tok_error(t, err, i, "invalid escape \\%s in a string", shown);
		}
		}
		if (buf_addc(s, out))
			return tok_error(t, err, t->pos, "a string is longer than %zu bytes", t->max_token);
		i += 2;
	}
	if (s->len > t->max_token)
		return tok_error(t, err, t->pos, "a string is longer than %zu bytes", t->max_token);
	if (!utf8_valid(buf_str(s), s->len))
		return tok_error(t, err, t->pos, "a string is not valid UTF-8");
	tok->p = buf_str(s);
	tok->n = s->len;
	*next = i + 1;
	return TOK_OK;
}

static bool is_delim(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ',' || c == ']' || c == '}';
}

/* -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
static bool valid_number(const char *p, size_t n, bool *is_int)
{
	size_t i = 0;
	if (i < n && p[i] == '-')
		i++;
	if (i == n)
		return false;
	if (p[i] == '0')
		i++;
	else if (p[i] >= '1' && p[i] <= '9')
		while (i < n && p[i] >= '0' && p[i] <= '9')
			i++;
	else
		return false;
	*is_int = true;
	if (i < n && p[i] == '.') {
		*is_int = false;
		size_t d = ++i;
		while (i < n && p[i] >= '0' && p[i] <= '9')
			i++;
		if (i == d)
			return false;
	}
	if (i < n && (p[i] == 'e' || p[i] == 'E')) {
		*is_int = false;
		i++;
		if (i < n && (p[i] == '+' || p[i] == '-'))
			i++;
		size_t d = i;
		while (i < n && p[i] >= '0' && p[i] <= '9')
			i++;
		if (i == d)
			return false;
	}
	return i == n;
}

static int lex_number(struct jtok *t, struct jt_token *tok, size_t *next, struct fmt_error *err)
{
	const char *b = t->buf;
	size_t i = t->pos, e = t->end;
	while (i < e && ((b[i] >= '0' && b[i] <= '9') || b[i] == '-' || b[i] == '+' || b[i] == '.' || b[i] == 'e' ||
			 b[i] == 'E'))
		i++;
	if (i == e && !t->eof)
		return TOK_MORE;
	if ((i < e && !is_delim(b[i])) || !valid_number(b + t->pos, i - t->pos, &tok->is_int)) {
		char shown[80];
		size_t k = i;
		while (k < e && k - t->pos < 30 && !is_delim(b[k]))
			k++;
		fmt_text_quote(shown, sizeof shown, b + t->pos, k - t->pos);
		return tok_error(t, err, t->pos, "%s is not a valid JSON number", shown);
	}
	tok->p = b + t->pos;
	tok->n = i - t->pos;
	*next = i;
	return TOK_OK;
}

static int lex_literal(struct jtok *t, struct jt_token *tok, size_t *next, struct fmt_error *err)
{
	static const struct {
		const char *text;
		enum jt_kind kind;
	} lits[] = {{"true", JT_TRUE}, {"false", JT_FALSE}, {"null", JT_NULL}};
	const char *b = t->buf;
	size_t avail = t->end - t->pos;
	for (size_t k = 0; k < 3; k++) {
		size_t len = strlen(lits[k].text);
		if (b[t->pos] != lits[k].text[0])
			continue;
		if (avail < len + 1 && !t->eof)
			return TOK_MORE;
		if (avail >= len && !memcmp(b + t->pos, lits[k].text, len) && (avail == len || is_delim(b[t->pos + len]))) {
			tok->kind = lits[k].kind;
			tok->p = b + t->pos;
			tok->n = len;
			*next = t->pos + len;
			return TOK_OK;
		}
	}
	char shown[80];
	size_t k = t->pos;
	while (k < t->end && k - t->pos < 30 && !is_delim(b[k]))
		k++;
	fmt_text_quote(shown, sizeof shown, b + t->pos, k - t->pos);
	return tok_error(t, err, t->pos, "unexpected %s where a JSON value should be", shown);
}

static void after_value(struct jtok *t)
{
	if (t->depth == 0)
		t->expect = t->array_mode ? X_A_AFTER : X_TOP;
	else
		t->expect = X_COMMA_OR_END;
}

static const char *expect_text(int x, int top)
{
	switch (x) {
	case X_COLON:
		return "':' after a member name";
	case X_COMMA_OR_END:
		return top == '{' ? "',' or '}'" : "',' or ']'";
	case X_KEY:
	case X_KEY_OR_END:
		return "a member name in double quotes";
	case X_A_OPEN:
		return "'[' (the input should be one JSON array)";
	case X_A_AFTER:
		return "',' or ']' between array elements";
	case X_A_DONE:
		return "the end of the input after the outer array";
	default:
		return "a JSON value";
	}
}

/* Lexes one token at buf[pos] for the current state. */
static int lex_token(struct jtok *t, struct jt_token *tok, struct fmt_error *err)
{
	char c = t->buf[t->pos];
	size_t next = t->pos + 1;
	int top = t->depth ? t->stack[t->depth - 1] : 0;
	int x = t->expect;
	tok->offset = t->buf_off + (int64_t)t->pos;
	tok->line = t->line;
	tok->depth = t->depth;
	tok->is_int = false;
	tok->p = NULL;
	tok->n = 0;
	switch (x) {
	case X_COLON:
		if (c != ':')
			goto unexpected;
		t->pos = next;
		t->expect = X_VALUE;
		return 0;
	case X_A_OPEN:
		if (c != '[')
			goto unexpected;
		t->pos = next;
		t->expect = X_A_FIRST;
		return 0;
	case X_A_AFTER:
		if (c != ',' && c != ']')
			goto unexpected;
		t->pos = next;
		t->expect = c == ',' ? X_A_VALUE : X_A_DONE;
		return 0;
	case X_A_DONE:
		goto unexpected;
	case X_COMMA_OR_END:
		if (c == ',') {
			t->pos = next;
			t->expect = top == '{' ? X_KEY : X_VALUE;
			return 0;
		}
		if ((c == '}' && top == '{') || (c == ']' && top == '['))
			goto close;
		goto unexpected;
	case X_KEY_OR_END:
		if (c == '}')
			goto close;
		/* fall through */
	case X_KEY: {
		if (c != '"')
			goto unexpected;
		int rc = lex_string(t, tok, &next, err);
		if (rc != TOK_OK)
			return rc;
		tok->kind = JT_KEY;
		t->pos = next;
		t->expect = X_COLON;
		return TOK_OK;
	}
	case X_VALUE_OR_END:
		if (c == ']')
			goto close;
		break;
	case X_A_FIRST:
		if (c == ']') {
			t->pos = next;
			t->expect = X_A_DONE;
			return 0;
		}
		break;
	default:
		break;
	}
	/* A value. */
	int rc;
	switch (c) {
	case '{':
	case '[':
		if (t->depth >= JT_MAX_DEPTH)
			return tok_error(t, err, t->pos, "JSON nested deeper than %d levels", JT_MAX_DEPTH);
		t->stack[t->depth++] = (uint8_t)c;
		tok->kind = c == '{' ? JT_OBJ : JT_ARR;
		t->pos = next;
		t->expect = c == '{' ? X_KEY_OR_END : X_VALUE_OR_END;
		return TOK_OK;
	case '"':
		rc = lex_string(t, tok, &next, err);
		tok->kind = JT_STR;
		break;
	case '-':
	case '0': case '1': case '2': case '3': case '4':
	case '5': case '6': case '7': case '8': case '9':
		rc = lex_number(t, tok, &next, err);
		tok->kind = JT_NUM;
		break;
	case 't':
	case 'f':
	case 'n':
		rc = lex_literal(t, tok, &next, err);
		break;
	default:
		if (c == '}' || c == ']' || c == ',' || c == ':')
			goto unexpected;
		rc = lex_literal(t, tok, &next, err); /* reports the bad word */
		break;
	}
	if (rc != TOK_OK)
		return rc;
	t->pos = next;
	after_value(t);
	return TOK_OK;
close:
	t->depth--;
	tok->depth = t->depth;
	tok->kind = c == '}' ? JT_OBJ_END : JT_ARR_END;
	t->pos = next;
	after_value(t);
	return TOK_OK;
unexpected: {
	char shown[16];
	shown_char(shown, sizeof shown, c);
	return tok_error(t, err, t->pos, "unexpected %s: expected %s", shown, expect_text(x, top));
}
}

int jt_next(struct jtok *t, struct jt_token *tok, struct fmt_error *err)
{
	if (t->failed) {
		fmt_error_at(err, source_name(t->src), t->line, 0, NULL, t->buf_off + (int64_t)t->pos,
			     "reading stopped at an earlier error");
		return -1;
	}
	for (;;) {
		while (t->pos < t->end) {
			char c = t->buf[t->pos];
			if (c == '\n')
				t->line++;
			else if (c != ' ' && c != '\t' && c != '\r')
				break;
			t->pos++;
		}
		if (t->pos == t->end) {
			if (!t->eof) {
				if (refill(t, err))
					return -1;
				continue;
			}
			if (t->expect == X_TOP || t->expect == X_A_DONE)
				return 0;
			return tok_error(t, err, t->pos, "the input ends inside a JSON value%s",
					 t->array_mode && t->depth == 0 ? " (the outer array is not closed)" : "");
		}
		if (!t->started) {
			t->started = true;
			if (t->end - t->pos < 3 && !t->eof) {
				t->started = false;
				if (refill(t, err))
					return -1;
				continue;
			}
			if (t->end - t->pos >= 3 && !memcmp(t->buf + t->pos, "\xEF\xBB\xBF", 3)) {
				t->pos += 3;
				continue;
			}
		}
		int rc = lex_token(t, tok, err);
		if (rc == TOK_OK)
			return 1;
		if (rc == TOK_ERR)
			return -1;
		if (rc == TOK_MORE && refill(t, err))
			return -1;
		/* rc == 0: punctuation consumed; loop for the next token */
	}
}

int jt_resync(struct jtok *t, struct fmt_error *err)
{
	if (t->array_mode)
		return -1;
	for (;;) {
		const char *nl = t->pos < t->end ? memchr(t->buf + t->pos, '\n', t->end - t->pos) : NULL;
		if (nl) {
			t->pos = (size_t)(nl - t->buf) + 1;
			t->line++;
			break;
		}
		t->pos = t->end;
		if (t->eof)
			break;
		t->failed = false;
		if (refill(t, err))
			return -1;
	}
	t->failed = false;
	t->depth = 0;
	t->expect = X_TOP;
	return 0;
}

int jt_put_string(struct buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	if (buf_reserve(b, n + 2))
		return -1;
	b->data[b->len++] = '"';
	size_t run = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		if (buf_add(b, s + run, i - run))
			return -1;
		run = i + 1;
		char esc[7] = {'\\', 0};
		size_t k = 2;
		switch (c) {
		case '"': esc[1] = '"'; break;
		case '\\': esc[1] = '\\'; break;
		case '\n': esc[1] = 'n'; break;
		case '\r': esc[1] = 'r'; break;
		case '\t': esc[1] = 't'; break;
		case '\b': esc[1] = 'b'; break;
		case '\f': esc[1] = 'f'; break;
		default:
			memcpy(esc + 1, "u00", 3);
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
			k = 6;
		}
		if (buf_add(b, esc, k))
			return -1;
	}
	if (buf_add(b, s + run, n - run) || buf_addc(b, '"'))
		return -1;
	return 0;
}
