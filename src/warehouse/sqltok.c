/* sqltok.c — see sqltok.h. One forward pass, no backtracking, no
 * recursion: each token's length is decided by looking at most a few bytes
 * ahead, so the work is linear in the text whatever it holds. */
#include "warehouse/sqltok.h"
#include "core/buf.h"
#include "core/enc.h"
#include "core/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct lex {
	const char *s;
	size_t n, i;
	int line;
	size_t line_start;
	struct arena *a;
};

static bool is_word_start(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80;
}

static bool is_word_char(unsigned char c)
{
	return is_word_start(c) || (c >= '0' && c <= '9') || c == '$';
}

static bool is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static void advance(struct lex *l, size_t k)
{
	for (size_t j = 0; j < k && l->i < l->n; j++) {
		if (l->s[l->i] == '\n') {
			l->line++;
			l->line_start = l->i + 1;
		}
		l->i++;
	}
}

/* Skips white space and comments; -1 on an unterminated block comment. */
static int skip_space(struct lex *l)
{
	while (l->i < l->n) {
		unsigned char c = (unsigned char)l->s[l->i];
		if (is_space(c)) {
			advance(l, 1);
		} else if ((c == '-' && l->i + 1 < l->n && l->s[l->i + 1] == '-') ||
			   (c == '/' && l->i + 1 < l->n && l->s[l->i + 1] == '/')) {
			while (l->i < l->n && l->s[l->i] != '\n')
				l->i++;
		} else if (c == '/' && l->i + 1 < l->n && l->s[l->i + 1] == '*') {
			advance(l, 2);
			while (l->i + 1 < l->n && !(l->s[l->i] == '*' && l->s[l->i + 1] == '/'))
				advance(l, 1);
			if (l->i + 1 >= l->n) {
				l->i = l->n;
				return -1;
			}
			advance(l, 2);
		} else {
			break;
		}
	}
	return 0;
}

/* 'string' starting at l->i; decodes into b. -1 when unterminated or it
 * holds a NUL byte (which no backend could store). */
static int lex_string(struct lex *l, struct buf *b)
{
	advance(l, 1);
	while (l->i < l->n) {
		unsigned char c = (unsigned char)l->s[l->i];
		if (c == '\'') {
			if (l->i + 1 < l->n && l->s[l->i + 1] == '\'') {
				buf_addc(b, '\'');
				advance(l, 2);
				continue;
			}
			advance(l, 1);
			return 0;
		}
		if (c == 0)
			return -1;
		if (c != '\\' || l->i + 1 >= l->n) {
			buf_addc(b, (char)c);
			advance(l, 1);
			continue;
		}
		unsigned char e = (unsigned char)l->s[l->i + 1];
		advance(l, 2);
		switch (e) {
		case 'n':
			buf_addc(b, '\n');
			break;
		case 't':
			buf_addc(b, '\t');
			break;
		case 'r':
			buf_addc(b, '\r');
			break;
		case 'b':
			buf_addc(b, '\b');
			break;
		case 'f':
			buf_addc(b, '\f');
			break;
		case 'x': {
			int h1 = l->i < l->n ? hex_digit((unsigned char)l->s[l->i]) : -1;
			int h2 = l->i + 1 < l->n ? hex_digit((unsigned char)l->s[l->i + 1]) : -1;
			if (h1 < 0 || h2 < 0) {
				buf_addc(b, 'x');
				break;
			}
			if (!(h1 << 4 | h2))
				return -1;
			buf_addc(b, (char)(h1 << 4 | h2));
			advance(l, 2);
			break;
		}
		case 'u': {
			unsigned cp = 0;
			int k = 0;
			for (; k < 4 && l->i + (size_t)k < l->n; k++) {
				int h = hex_digit((unsigned char)l->s[l->i + (size_t)k]);
				if (h < 0)
					break;
				cp = cp << 4 | (unsigned)h;
			}
			if (k < 4 || !cp || (cp >= 0xd800 && cp <= 0xdfff)) {
				buf_addc(b, 'u');
				break;
			}
			char u[4];
			buf_add(b, u, utf8_put(cp, u));
			advance(l, 4);
			break;
		}
		default:
			if (e >= '0' && e <= '7') {
				/* \ooo: up to three octal digits (\0 alone is NUL). */
				unsigned v = (unsigned)(e - '0');
				for (int k = 0; k < 2 && l->i < l->n && l->s[l->i] >= '0' && l->s[l->i] <= '7'; k++) {
					v = v * 8 + (unsigned)(l->s[l->i] - '0');
					advance(l, 1);
				}
				if (!v || v > 255)
					return -1;
				buf_addc(b, (char)v);
			} else {
				buf_addc(b, (char)e); /* \' \" \\ and any other: the character itself */
			}
			break;
		}
	}
	return -1;
}

static int lex_qident(struct lex *l, struct buf *b)
{
	advance(l, 1);
	while (l->i < l->n) {
		char c = l->s[l->i];
		if (c == '"') {
			if (l->i + 1 < l->n && l->s[l->i + 1] == '"') {
				buf_addc(b, '"');
				advance(l, 2);
				continue;
			}
			advance(l, 1);
			return b->len ? 0 : -1;
		}
		if (!c)
			return -1;
		buf_addc(b, c);
		advance(l, 1);
	}
	return -1;
}

/* @name, @"quoted", @db.schema.name, @~, @%table, then an optional /path. */
static void lex_stage(struct lex *l)
{
	advance(l, 1);
	if (l->i < l->n && (l->s[l->i] == '~' || l->s[l->i] == '%'))
		advance(l, 1);
	while (l->i < l->n) {
		unsigned char c = (unsigned char)l->s[l->i];
		if (c == '"') {
			advance(l, 1);
			while (l->i < l->n && l->s[l->i] != '"')
				advance(l, 1);
			if (l->i < l->n)
				advance(l, 1);
		} else if (is_word_char(c) || c == '.') {
			advance(l, 1);
		} else {
			break;
		}
	}
	if (l->i < l->n && l->s[l->i] == '/')
		while (l->i < l->n) {
			unsigned char c = (unsigned char)l->s[l->i];
			if (is_space(c) || c == ';' || c == ')' || c == ',' || c == '\'' || c == 0)
				break;
			advance(l, 1);
		}
}

static const char *const two_char[] = {"=>", "::", "<>", "!=", "<=", ">=", "||", NULL};

int sqltok_run(struct sqltok *t, const char *src, size_t len)
{
	memset(t, 0, sizeof *t);
	arena_init(&t->arena);
	t->src = src;
	t->srclen = len;
	struct lex l = {src, len, 0, 1, 0, &t->arena};
	int cap = 0;
	struct buf b;
	buf_init(&b, BUF_UNLIMITED);
	for (;;) {
		if (t->n + 2 > cap) {
			if (cap >= SQLTOK_MAX_TOKENS) {
				buf_free(&b);
				return -1;
			}
			cap = cap ? cap * 2 : 64;
			t->toks = xrealloc(t->toks, sizeof *t->toks * (size_t)cap);
		}
		struct token *tk = &t->toks[t->n];
		memset(tk, 0, sizeof *tk);
		int sp = skip_space(&l);
		tk->off = l.i;
		tk->line = l.line;
		tk->pos = (int)(l.i - l.line_start);
		if (sp) {
			tk->kind = TK_ERROR;
			tk->text = "unterminated comment";
			tk->len = strlen(tk->text);
			tk->end = l.n;
			t->n++;
			tk = &t->toks[t->n];
			memset(tk, 0, sizeof *tk);
			tk->kind = TK_EOF;
			tk->text = "<EOF>";
			tk->len = 5;
			tk->off = tk->end = l.n;
			tk->line = l.line;
			t->n++;
			break;
		}
		if (l.i >= l.n) {
			tk->kind = TK_EOF;
			tk->text = "<EOF>";
			tk->len = 5;
			tk->end = l.n;
			t->n++;
			break;
		}
		unsigned char c = (unsigned char)src[l.i];
		buf_reset(&b);
		const char *err = NULL;
		if (c == '\'') {
			tk->kind = TK_STRING;
			if (lex_string(&l, &b))
				err = "unterminated string";
		} else if (c == '$' && l.i + 1 < l.n && src[l.i + 1] == '$') {
			tk->kind = TK_STRING;
			advance(&l, 2);
			size_t s0 = l.i;
			while (l.i + 1 < l.n && !(src[l.i] == '$' && src[l.i + 1] == '$'))
				advance(&l, 1);
			if (l.i + 1 >= l.n) {
				l.i = l.n;
				err = "unterminated string";
			} else {
				buf_add(&b, src + s0, l.i - s0);
				advance(&l, 2);
			}
		} else if (c == '"') {
			tk->kind = TK_QIDENT;
			if (lex_qident(&l, &b))
				err = "unterminated or empty quoted identifier";
		} else if (c == '@') {
			tk->kind = TK_STAGE;
			size_t s0 = l.i + 1;
			lex_stage(&l);
			buf_add(&b, src + s0, l.i - s0);
		} else if (is_word_start(c)) {
			tk->kind = TK_WORD;
			size_t s0 = l.i;
			while (l.i < l.n && is_word_char((unsigned char)src[l.i]))
				l.i++;
			buf_add(&b, src + s0, l.i - s0);
		} else if ((c >= '0' && c <= '9') || (c == '.' && l.i + 1 < l.n && src[l.i + 1] >= '0' && src[l.i + 1] <= '9')) {
			tk->kind = TK_NUMBER;
			size_t s0 = l.i;
			while (l.i < l.n && ((src[l.i] >= '0' && src[l.i] <= '9') || src[l.i] == '.'))
				l.i++;
			if (l.i < l.n && (src[l.i] == 'e' || src[l.i] == 'E')) {
				size_t k = l.i + 1;
				if (k < l.n && (src[k] == '+' || src[k] == '-'))
					k++;
				if (k < l.n && src[k] >= '0' && src[k] <= '9') {
					l.i = k;
					while (l.i < l.n && src[l.i] >= '0' && src[l.i] <= '9')
						l.i++;
				}
			}
			buf_add(&b, src + s0, l.i - s0);
		} else {
			tk->kind = TK_PUNCT;
			size_t k = 1;
			for (int j = 0; two_char[j]; j++)
				if (l.i + 1 < l.n && src[l.i] == two_char[j][0] && src[l.i + 1] == two_char[j][1])
					k = 2;
			buf_add(&b, src + l.i, k);
			advance(&l, k);
		}
		tk->end = l.i;
		if (err) {
			tk->kind = TK_ERROR;
			tk->text = err;
			tk->len = strlen(err);
			t->n++;
			tk = &t->toks[t->n];
			memset(tk, 0, sizeof *tk);
			tk->kind = TK_EOF;
			tk->text = "<EOF>";
			tk->len = 5;
			tk->off = tk->end = l.n;
			tk->line = l.line;
			t->n++;
			break;
		}
		tk->text = arena_strndup(&t->arena, buf_str(&b), b.len);
		tk->len = b.len;
		t->n++;
	}
	buf_free(&b);
	return 0;
}

void sqltok_free(struct sqltok *t)
{
	free(t->toks);
	arena_free(&t->arena);
	memset(t, 0, sizeof *t);
}

bool tok_is(const struct token *tk, const char *word)
{
	return tk->kind == TK_WORD && !strcasecmp(tk->text, word);
}

bool tok_punct(const struct token *tk, const char *p)
{
	return tk->kind == TK_PUNCT && !strcmp(tk->text, p);
}

int sql_split(const char *src, size_t len, struct sql_range *out, int max, size_t *where)
{
	struct sqltok t;
	if (sqltok_run(&t, src, len)) {
		*where = 0;
		return -1;
	}
	int n = 0, first = -1;
	for (int i = 0; i < t.n; i++) {
		const struct token *tk = &t.toks[i];
		if (tk->kind == TK_ERROR) {
			*where = tk->off;
			n = -1;
			break;
		}
		if (tk->kind != TK_EOF && !tok_punct(tk, ";")) {
			if (first < 0)
				first = i;
			continue;
		}
		if (first >= 0) {
			if (n >= max)
				break;
			/* From the first token to the end of the last one. */
			out[n].off = t.toks[first].off;
			out[n].len = t.toks[i - 1].end - t.toks[first].off;
			n++;
			first = -1;
		}
	}
	sqltok_free(&t);
	return n;
}

int sql_bind_names(const char *src, size_t len, const char *const *names, int nnames, char **out, char *bad,
		   size_t badlen)
{
	struct sqltok t;
	if (sqltok_run(&t, src, len)) {
		snprintf(bad, badlen, "(statement too long)");
		return -1;
	}
	struct buf o;
	buf_init(&o, BUF_UNLIMITED);
	bool *used = xcalloc((size_t)(nnames ? nnames : 1), sizeof *used);
	size_t copied = 0;
	int rc = 0;
	for (int i = 0; i + 1 < t.n; i++) {
		const struct token *c = &t.toks[i], *w = &t.toks[i + 1];
		if (!tok_punct(c, ":") || w->kind != TK_WORD || w->off != c->end)
			continue;
		/* a::b is a cast; x:name after an expression is Snowflake's
		 * semi-structured path ($1:field) — only a colon that does not
		 * follow a value starts a parameter. */
		if (i > 0) {
			const struct token *p = &t.toks[i - 1];
			if (p->end == c->off && (p->kind == TK_WORD || p->kind == TK_QIDENT || p->kind == TK_NUMBER ||
						 tok_punct(p, ")") || tok_punct(p, "]")))
				continue;
			if (p->kind == TK_WORD && p->text[0] == '$')
				continue;
		}
		int k = -1;
		for (int j = 0; j < nnames; j++)
			if (!strcmp(names[j], w->text))
				k = j;
		if (k < 0) {
			snprintf(bad, badlen, "%s", w->text);
			rc = -1;
			goto done;
		}
		used[k] = true;
		buf_add(&o, src + copied, c->off - copied);
		buf_addf(&o, "$%d", k + 1);
		copied = w->end;
		i++;
	}
	for (int j = 0; j < nnames; j++)
		if (!used[j]) {
			snprintf(bad, badlen, "%s", names[j]);
			rc = -2;
			goto done;
		}
	buf_add(&o, src + copied, len - copied);
	*out = buf_detach(&o, NULL);
done:
	buf_free(&o);
	free(used);
	sqltok_free(&t);
	return rc;
}
