/* csv.h — reading and writing delimited text (CSV, TSV, pipe, Ctrl-A...).
 *
 * Reading follows RFC 4180 plus what real files contain: any single-byte
 * delimiter, quote and escape characters, quoted newlines, LF / CRLF / CR
 * line ends (mixed, even), a UTF-8 BOM, ragged rows, NULL markers, comment
 * lines and leading lines to skip. The reader fills batches (batch.h)
 * against a schema, converting each field, or keeps every column as a
 * string when no schema is given. Errors say file, line, column and why.
 *
 * Snowflake semantics where they differ from other tools:
 *  - NULL_IF markers and EMPTY_FIELD_AS_NULL apply to unquoted fields only:
 *    "" is an empty string and "\N" the two characters, so whatever the
 *    writer quotes reads back as itself.
 *  - An empty field in a non-string column is NULL either way.
 *  - DATE_FORMAT / TIMESTAMP_FORMAT use Snowflake's format language
 *    (timefmt.h), AUTO by default.
 *
 * Invariants: memory per reader is the record buffer (it grows to hold the
 * longest record, up to max_record) plus the caller's batch; no field is
 * allocated on its own.
 */
#ifndef NUAGE_FORMATS_CSV_H
#define NUAGE_FORMATS_CSV_H

#include "formats/batch.h"
#include "formats/fmt_error.h"
#include "formats/sink.h"
#include "formats/source.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum csv_ragged {
	CSV_RAGGED_ERROR, /* a row with a different number of fields is an error */
	CSV_RAGGED_PAD,   /* missing fields are NULL, extra fields are dropped */
};

struct csv_options {
	char delim;              /* ',' */
	char quote;              /* '"'; 0 = fields are never quoted */
	char escape;             /* inside quotes, takes the next byte literally; 0 = none ("" only) */
	char escape_unquoted;    /* the same outside quotes (Snowflake ESCAPE_UNENCLOSED_FIELD); 0 = none */
	char comment;            /* lines starting with it are skipped; 0 = none */
	bool header;             /* the first record (after skip_lines) names the columns; true */
	bool skip_blank_lines;   /* true; false makes a blank line a record of one empty field */
	bool trim_space;         /* strip spaces around fields (and around quotes) */
	bool empty_field_as_null; /* an unquoted empty field is NULL; true */
	bool match_by_name;      /* with a header and a schema: map columns by name (case-insensitive) */
	enum csv_ragged ragged;
	int64_t skip_lines;      /* physical lines skipped before anything else */
	const char *const *null_if; /* NULL markers (unquoted fields equal to one are NULL) */
	int n_null_if;
	const char *date_format;      /* NULL or "AUTO" = AUTO */
	const char *timestamp_format; /* NULL or "AUTO" = AUTO */
	const char *const *col_formats; /* per schema column, overrides the two above (NULL entries: no) */
	size_t max_record;       /* bytes a record may span: 16 MiB */
	int max_columns;         /* 16384 */
	/* When set, a row that cannot be converted, or a line that is malformed
	 * (text after a closing quote, too many fields), is reported here and
	 * skipped (Snowflake ON_ERROR=CONTINUE); otherwise reading stops with the
	 * error. A quote left open to the end of the input, or a record over
	 * max_record, always stops. */
	void (*on_bad_row)(void *ctx, const struct fmt_error *e);
	void *bad_row_ctx;
};

/* Fills o with the defaults above. */
void csv_options_init(struct csv_options *o);

struct csv_reader;

/* Opens a reader over src (not owned: the caller closes it after
 * csv_reader_free). With schema NULL every column is a nullable string
 * named from the header, or col0, col1, ... without one. Reads the header
 * (or the first record) now, so it may fail with err filled. The options
 * and the strings they point to must outlive the reader. */
int csv_reader_open(struct source *src, const struct csv_options *o, const struct schema *schema,
		    struct csv_reader **out, struct fmt_error *err);
void csv_reader_free(struct csv_reader *r);
const struct schema *csv_reader_schema(const struct csv_reader *r);
/* Header names as read (NULL without a header); valid until free. */
const char *csv_reader_header(const struct csv_reader *r, int i);
int csv_reader_header_count(const struct csv_reader *r);

/* Clears b (which must have been made for csv_reader_schema()) and fills it
 * with up to b->cap rows: returns the number of rows, 0 at the end of the
 * input, -1 on error. */
long csv_reader_next(struct csv_reader *r, struct batch *b, struct fmt_error *err);
int64_t csv_reader_rows(const struct csv_reader *r);      /* data rows returned so far */
int64_t csv_reader_bad_rows(const struct csv_reader *r);  /* rows skipped through on_bad_row */
int64_t csv_reader_line(const struct csv_reader *r);      /* physical lines consumed so far */

/* Writing. */
enum csv_quoting {
	CSV_QUOTE_MINIMAL, /* only fields that need it (and empty strings, to tell them from NULL) */
	CSV_QUOTE_ALWAYS,  /* every non-NULL field */
};

struct csv_write_options {
	char delim;              /* ',' */
	char quote;              /* '"' */
	char escape;             /* 0: a quote inside a field is doubled; else escape + quote */
	enum csv_quoting quoting;
	bool header;             /* true */
	bool crlf;               /* end lines with CRLF instead of LF */
	const char *null_string; /* how NULL is written, unquoted: "" */
	const char *date_format;      /* NULL = ISO (YYYY-MM-DD) */
	const char *timestamp_format; /* NULL = ISO (YYYY-MM-DD HH24:MI:SS[.fraction]) */
};

void csv_write_options_init(struct csv_write_options *o);

struct csv_writer;

/* The writer writes to sink (not owned) rows of schema (which must outlive
 * it); caller frees with csv_writer_free. Fails on an unusable format. */
int csv_writer_new(struct sink *sink, const struct schema *schema, const struct csv_write_options *o,
		   struct csv_writer **out, struct fmt_error *err);
int csv_writer_write(struct csv_writer *w, const struct batch *b, struct fmt_error *err);
/* Writes the header if no rows came, flushes and finishes the sink. */
int csv_writer_finish(struct csv_writer *w, struct fmt_error *err);
void csv_writer_free(struct csv_writer *w);

#endif
