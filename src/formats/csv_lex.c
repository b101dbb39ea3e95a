/* csv_lex.c — see csv_lex.h.
 *
 * The hot loop is the unquoted-field scan: eight bytes at a time against
 * the delimiter, CR, LF and the unquoted escape (SWAR, little-endian), with
 * memchr for quoted fields. A record that runs off the end of the buffer is parsed
 * again from its start after a refill; refills read until the buffer is
 * full, so a record is re-parsed at most O(log(record size / LEX_CHUNK))
 * times however the input trickles in.
 */
#include "formats/csv_lex.h"
#include "formats/fmt_text.h"
#include "formats/swar.h"
#include "core/mem.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { REC_OK = 1, REC_MORE = 2, REC_ERR = -1 };

void csv_lex_init(struct csv_lex *l, struct source *src, const struct csv_options *o)
{
	memset(l, 0, sizeof *l);
	l->src = src;
	l->o = o;
	l->line = 1;
	l->stop[(uint8_t)o->delim] = 1;
	l->stop['\n'] = 1;
	l->stop['\r'] = 1;
	if (o->escape_unquoted)
		l->stop[(uint8_t)o->escape_unquoted] = 1;
}

void csv_lex_free(struct csv_lex *l)
{
	free(l->buf);
	free(l->fields);
	l->buf = NULL;
	l->fields = NULL;
}

static int lex_error(struct csv_lex *l, struct fmt_error *err, int64_t line, int column, size_t at, const char *fmt,
		     ...) __attribute__((format(printf, 6, 7)));

static int lex_error(struct csv_lex *l, struct fmt_error *err, int64_t line, int column, size_t at, const char *fmt,
		     ...)
{
	char m[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(m, sizeof m, fmt, ap);
	va_end(ap);
	fmt_error_at(err, source_name(l->src), line, column, NULL, l->buf_off + (int64_t)at, "%s", m);
	return REC_ERR;
}

/* Moves unconsumed bytes to the front, grows the buffer if one record fills
 * it, and reads until it is full or the input ends. */
static int refill(struct csv_lex *l, struct fmt_error *err)
{
	if (!l->buf) {
		/* A small uncompressed input needs no more than its own size. */
		int64_t size = source_raw_size(l->src);
		l->cap = LEX_CHUNK;
		if (source_codec(l->src) == FMT_CODEC_NONE && size >= 0 && size < LEX_CHUNK)
			l->cap = (size_t)size + 16;
		l->buf = xmalloc(l->cap);
	}
	if (l->pos > 0) {
		memmove(l->buf, l->buf + l->pos, l->end - l->pos);
		l->buf_off += (int64_t)l->pos;
		l->end -= l->pos;
		l->pos = 0;
	}
	if (l->end == l->cap) {
		size_t limit = l->o->max_record + LEX_CHUNK;
		if (l->cap >= limit)
			return lex_error(l, err, l->line, 0, 0,
					 "a record is longer than %zu bytes (is the quote character right?)",
					 l->o->max_record);
		l->cap = l->cap * 2 > limit ? limit : l->cap * 2;
		l->buf = xrealloc(l->buf, l->cap);
	}
	while (l->end < l->cap) {
		long got = source_read(l->src, l->buf + l->end, l->cap - l->end, err);
		if (got < 0)
			return REC_ERR;
		if (got == 0) {
			l->eof = true;
			break;
		}
		l->end += (size_t)got;
	}
	return 0;
}

static int grow_fields(struct csv_lex *l, struct fmt_error *err, size_t off)
{
	if (l->fcap >= l->o->max_columns) {
		l->err_resumable = true;
		l->err_pos = off;
		l->err_line = l->line;
		return lex_error(l, err, l->line, 0, off, "a record has more than %d fields", l->o->max_columns);
	}
	l->fcap = l->fcap ? l->fcap * 2 : 64;
	if (l->fcap > l->o->max_columns)
		l->fcap = l->o->max_columns;
	l->fields = xrealloc(l->fields, sizeof *l->fields * (size_t)l->fcap);
	return 0;
}

static inline int add_field(struct csv_lex *l, struct fmt_error *err, size_t off, size_t len, uint32_t flags)
{
	if (__builtin_expect(l->nfields == l->fcap, 0) && grow_fields(l, err, off))
		return REC_ERR;
	struct csv_field *f = &l->fields[l->nfields++];
	f->off = (uint32_t)off;
	f->len = (uint32_t)len;
	f->flags = flags;
	return 0;
}

/* First byte at or after p (and before e) that ends an unquoted run: 8
 * bytes at a time while 8 remain, then byte by byte. */
static inline size_t scan_unquoted(const struct csv_lex *l, const char *b, size_t p, size_t e)
{
	uint8_t cd = (uint8_t)l->o->delim, ce = (uint8_t)l->o->escape_unquoted;
	while (p + 8 <= e) {
		uint64_t x = swar_load(b + p);
		uint64_t m = swar_eq(x, cd) | swar_eq(x, '\n') | swar_eq(x, '\r');
		if (ce)
			m |= swar_eq(x, ce);
		if (m)
			return p + swar_first(m);
		p += 8;
	}
	while (p < e && !l->stop[(uint8_t)b[p]])
		p++;
	return p;
}

/* Line ends inside [p, p+n): LF, CRLF and a lone CR each count once. */
static int64_t count_lines(const char *p, size_t n)
{
	int64_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '\n')
			k++;
		else if (p[i] == '\r' && (i + 1 == n || p[i + 1] != '\n'))
			k++;
	}
	return k;
}

static inline bool is_space(const struct csv_options *o, char c)
{
	return c == ' ' || (c == '\t' && o->delim != '\t');
}

/* The next quote or (when set) escape byte in [p, e), or e. */
static size_t find_quote(const char *b, size_t p, size_t e, char quote, char esc)
{
	if (!esc || esc == quote) {
		const char *q = memchr(b + p, quote, e - p);
		return q ? (size_t)(q - b) : e;
	}
	while (p < e && b[p] != quote && b[p] != esc)
		p++;
	return p;
}

static int parse_record(struct csv_lex *l, struct fmt_error *err)
{
	const struct csv_options *o = l->o;
	char *b = l->buf;
	size_t p = l->pos, e = l->end;
	bool eof = l->eof;
	int64_t lines = 0;
	l->nfields = 0;
	for (;;) {
		uint32_t flags = 0;
		if (o->trim_space)
			while (p < e && is_space(o, b[p]))
				p++;
		if (o->quote && p < e && b[p] == o->quote) {
			size_t open = p++, cs = p;
			for (;;) {
				size_t q = find_quote(b, p, e, o->quote, o->escape);
				if (q + 1 >= e && !eof)
					return REC_MORE;
				if (q == e) {
					l->err_at_end = true;
					return lex_error(l, err, l->line + lines, l->nfields + 1, open,
							 "a quoted field is never closed (it starts here)");
				}
				if (b[q] != o->quote) { /* the escape byte */
					flags |= CSV_F_ESCAPED;
					p = q + 2 > e ? e : q + 2;
					continue;
				}
				if (q + 1 < e && b[q + 1] == o->quote) {
					flags |= CSV_F_ESCAPED;
					p = q + 2;
					continue;
				}
				if (add_field(l, err, cs, q - cs, flags | CSV_F_QUOTED))
					return REC_ERR;
				lines += count_lines(b + cs, q - cs);
				p = q + 1;
				break;
			}
			if (o->trim_space)
				while (p < e && is_space(o, b[p]))
					p++;
			if (p == e && !eof)
				return REC_MORE;
			if (p < e && b[p] != o->delim && b[p] != '\n' && b[p] != '\r') {
				char c = b[p];
				l->err_resumable = true;
				l->err_pos = p;
				l->err_line = l->line + lines;
				return lex_error(l, err, l->line + lines, l->nfields, p,
						 "unexpected %s%c%s after a closing quote (expected the delimiter or a line end)",
						 c >= 0x20 && c < 0x7f ? "'" : "byte 0x", c >= 0x20 && c < 0x7f ? c : '?',
						 c >= 0x20 && c < 0x7f ? "'" : "");
			}
		} else {
			size_t fs = p;
			for (;;) {
				p = scan_unquoted(l, b, p, e);
				if (p < e && o->escape_unquoted && b[p] == o->escape_unquoted) {
					if (p + 1 >= e) {
						if (!eof)
							return REC_MORE;
						p = e; /* a lone escape at the very end stays literal */
						break;
					}
					flags |= CSV_F_ESCAPED;
					if (b[p + 1] == '\n' || b[p + 1] == '\r')
						lines++;
					p += 2;
					continue;
				}
				break;
			}
			if (p == e && !eof)
				return REC_MORE;
			size_t fe = p;
			if (o->trim_space)
				while (fe > fs && is_space(o, b[fe - 1]))
					fe--;
			if (add_field(l, err, fs, fe - fs, flags))
				return REC_ERR;
		}
		if (p < e && b[p] == o->delim) {
			p++;
			continue;
		}
		if (p < e) {
			if (b[p] == '\r') {
				if (p + 1 == e && !eof)
					return REC_MORE;
				p += p + 1 < e && b[p + 1] == '\n' ? 2 : 1;
			} else {
				p++;
			}
		}
		l->pos = p;
		l->line += 1 + lines;
		return REC_OK;
	}
}

/* Where the line starting at pos ends (just past its line break), or 0 if
 * the break is not in the buffer yet and more input may come. */
static size_t line_end(struct csv_lex *l, size_t pos)
{
	const char *b = l->buf;
	for (size_t p = pos; p < l->end; p++) {
		if (b[p] == '\n')
			return p + 1;
		if (b[p] == '\r') {
			if (p + 1 == l->end && !l->eof)
				return 0;
			return p + 1 < l->end && b[p + 1] == '\n' ? p + 2 : p + 1;
		}
	}
	return l->eof ? l->end : 0;
}

int csv_lex_next(struct csv_lex *l, struct fmt_error *err)
{
	for (;;) {
		if (l->pos >= l->end || !l->buf) {
			if (l->eof)
				return 0;
			if (refill(l, err))
				return -1;
			continue;
		}
		if (!l->started) {
			if (l->end - l->pos < 3 && !l->eof) {
				if (refill(l, err))
					return -1;
				continue;
			}
			if (l->end - l->pos >= 3 && !memcmp(l->buf + l->pos, "\xEF\xBB\xBF", 3))
				l->pos += 3;
			l->started = true;
			continue;
		}
		char c = l->buf[l->pos];
		bool skip = l->line <= l->o->skip_lines || (l->o->comment && c == l->o->comment) ||
			    (l->o->skip_blank_lines && (c == '\n' || c == '\r'));
		if (skip) {
			size_t le = line_end(l, l->pos);
			if (!le) {
				if (refill(l, err))
					return -1;
				continue;
			}
			l->pos = le;
			l->line++;
			continue;
		}
		l->rec_line = l->line;
		l->rec_off = l->buf_off + (int64_t)l->pos;
		l->err_resumable = l->err_at_end = false;
		int rc = parse_record(l, err);
		if (rc == REC_OK)
			return 1;
		if (rc == REC_ERR)
			return -1;
		if (refill(l, err))
			return -1;
	}
}

int csv_lex_skip_bad(struct csv_lex *l, struct fmt_error *err)
{
	if (!l->err_resumable)
		return -1;
	l->err_resumable = false;
	l->pos = l->err_pos;
	for (;;) {
		size_t le = line_end(l, l->pos);
		if (le) {
			l->pos = le;
			break;
		}
		/* The line goes on past the buffer: drop what we have and read on. */
		l->pos = l->end;
		if (refill(l, err))
			return -1;
		if (l->pos >= l->end && l->eof)
			break;
	}
	l->line = l->err_line + 1;
	return 0;
}

const char *csv_lex_text(struct csv_lex *l, int i, size_t *len)
{
	struct csv_field *f = &l->fields[i];
	char *s = l->buf + f->off;
	if (f->flags & CSV_F_ESCAPED) {
		const struct csv_options *o = l->o;
		char esc = f->flags & CSV_F_QUOTED ? o->escape : o->escape_unquoted;
		size_t w = 0;
		for (size_t r = 0; r < f->len; r++) {
			char c = s[r];
			if (esc && c == esc && esc != o->quote && r + 1 < f->len)
				c = s[++r];
			else if ((f->flags & CSV_F_QUOTED) && c == o->quote && r + 1 < f->len && s[r + 1] == o->quote)
				r++;
			s[w++] = c;
		}
		f->len = (uint32_t)w;
		f->flags &= ~(uint32_t)CSV_F_ESCAPED;
	}
	*len = f->len;
	return s;
}
