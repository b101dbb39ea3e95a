/* csv_lex.h — splits delimited text into records and fields (internal to
 * src/formats: the CSV reader and the dialect sniffer use it).
 *
 * A record's fields point into the lexer's buffer: they stay valid until
 * the next csv_lex_next(). Unescaping ("" -> ", escape sequences) happens in
 * place and only when a caller asks for a field's text, so fields that are
 * NULL markers or never looked at cost nothing; the raw bytes stay
 * available (csv_lex_raw) until then.
 *
 * Invariants:
 *  1. buf[0..end) holds input not yet consumed from `pos` on; a record is
 *     only returned once all of it is in the buffer, so a record never
 *     straddles a refill.
 *  2. The buffer grows only to hold one record, and never past
 *     max_record + LEX_CHUNK bytes.
 *  3. `line` is the physical line (1-based) where the next record starts.
 */
#ifndef NUAGE_FORMATS_CSV_LEX_H
#define NUAGE_FORMATS_CSV_LEX_H

#include "formats/csv.h"

#define LEX_CHUNK (1024 * 1024)

#define CSV_F_QUOTED 1
#define CSV_F_ESCAPED 2 /* contains an escape or a doubled quote: unescape before use */

struct csv_field {
	uint32_t off; /* into buf */
	uint32_t len;
	uint32_t flags;
};

struct csv_lex {
	struct source *src;
	const struct csv_options *o;
	char *buf;
	size_t cap, pos, end;
	bool eof, started;
	bool err_at_end;     /* the last error was a quote left open at the end of the input */
	bool err_resumable;  /* the last error spoils one line only: csv_lex_skip_bad can go on */
	size_t err_pos;      /* where in buf that error was found */
	int64_t err_line;
	int64_t buf_off;     /* input offset of buf[0] */
	int64_t line;        /* line where the next record starts */
	int64_t rec_line;    /* line where the current record started */
	int64_t rec_off;     /* input offset where the current record started */
	struct csv_field *fields;
	int nfields, fcap;
	uint8_t stop[256];   /* bytes that end an unquoted run */
};

/* Prepares l to read src; frees nothing on its own: csv_lex_free. */
void csv_lex_init(struct csv_lex *l, struct source *src, const struct csv_options *o);
void csv_lex_free(struct csv_lex *l);
/* 1 with a record in l->fields, 0 at the end, -1 on a syntax error. */
int csv_lex_next(struct csv_lex *l, struct fmt_error *err);
/* After a resumable error: drops the rest of the line it was found on, so
 * the next csv_lex_next starts at the following line. -1 if the error was
 * not resumable (an open quote at the end, an oversized record). */
int csv_lex_skip_bad(struct csv_lex *l, struct fmt_error *err);
/* The field's text, unescaped (in place, once). */
const char *csv_lex_text(struct csv_lex *l, int i, size_t *len);
/* The field's bytes as they were in the file (between the quotes). */
static inline const char *csv_lex_raw(const struct csv_lex *l, int i, size_t *len)
{
	*len = l->fields[i].len;
	return l->buf + l->fields[i].off;
}

#endif
