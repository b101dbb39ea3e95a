/* csv_read.c — CSV records into typed batches (see csv.h).
 *
 * Each schema column has a converter chosen once at open (type, format,
 * which field of the record feeds it); the per-row loop is then a switch
 * per field with no allocation. A row that fails to convert is undone
 * (batch_abort_row) before it is reported, so a batch only ever holds whole rows.
 */
#include "formats/csv.h"
#include "formats/csv_lex.h"
#include "formats/fmt_text.h"
#include "formats/num.h"
#include "formats/timefmt.h"
#include "core/enc.h"
#include "core/mem.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* A batch is handed out once its rows span this many input bytes, so that
 * long text columns cannot make one batch huge. */
#define CSV_BATCH_BYTES (48u << 20)

struct conv {
	enum col_type type;
	int src; /* field index in the record, -1 = absent (always NULL) */
	struct tf_format fmt;
	const struct field *f;
};

struct csv_reader {
	struct csv_options o;
	struct csv_lex lex;
	const struct schema *schema;
	struct schema *own_schema;
	struct conv *conv;
	int ncols;
	int expect_fields; /* fields a well-formed record has */
	char **header;
	int nheader;
	size_t *null_len;
	bool pending; /* lex holds a data record not yet converted */
	bool done;
	int64_t rows, bad_rows;
};

void csv_options_init(struct csv_options *o)
{
	memset(o, 0, sizeof *o);
	o->delim = ',';
	o->quote = '"';
	o->header = true;
	o->skip_blank_lines = true;
	o->empty_field_as_null = true;
	o->max_record = 16u << 20;
	o->max_columns = 16384;
}

const struct schema *csv_reader_schema(const struct csv_reader *r)
{
	return r->schema;
}

const char *csv_reader_header(const struct csv_reader *r, int i)
{
	return r->header && i >= 0 && i < r->nheader ? r->header[i] : NULL;
}

int csv_reader_header_count(const struct csv_reader *r)
{
	return r->nheader;
}

int64_t csv_reader_rows(const struct csv_reader *r)
{
	return r->rows;
}

int64_t csv_reader_bad_rows(const struct csv_reader *r)
{
	return r->bad_rows;
}

int64_t csv_reader_line(const struct csv_reader *r)
{
	return r->lex.line - 1;
}

void csv_reader_free(struct csv_reader *r)
{
	if (!r)
		return;
	csv_lex_free(&r->lex);
	for (int i = 0; i < r->nheader; i++)
		free(r->header[i]);
	free(r->header);
	free(r->conv);
	free(r->null_len);
	schema_free(r->own_schema);
	free(r);
}

/* Fills err for a problem with one field of the current record. */
static void field_error(struct csv_reader *r, struct fmt_error *err, int col, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void field_error(struct csv_reader *r, struct fmt_error *err, int col, const char *fmt, ...)
{
	char m[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(m, sizeof m, fmt, ap);
	va_end(ap);
	fmt_error_at(err, source_name(r->lex.src), r->lex.rec_line, col >= 0 ? r->conv[col].src + 1 : 0,
		     col >= 0 ? r->conv[col].f->name : NULL, r->lex.rec_off, "%s", m);
}

/* Takes ownership of the header names: copies of the first record. */
static void keep_header(struct csv_reader *r)
{
	r->nheader = r->lex.nfields;
	r->header = xcalloc((size_t)r->nheader + 1, sizeof(char *));
	for (int i = 0; i < r->nheader; i++) {
		size_t n;
		const char *t = csv_lex_text(&r->lex, i, &n);
		r->header[i] = xstrndup(t, n);
	}
}

/* A schema of nullable strings named from the header (made unique) or
 * col0..colN-1; the caller frees it with schema_free. */
static struct schema *string_schema(struct csv_reader *r, int n)
{
	struct schema *s = schema_new();
	for (int i = 0; i < n; i++) {
		char name[160];
		if (r->header && r->header[i][0])
			snprintf(name, sizeof name, "%s", r->header[i]);
		else
			snprintf(name, sizeof name, "col%d", i);
		size_t base = strlen(name);
		for (int k = 1; schema_find(s, name) >= 0; k++)
			snprintf(name + base, sizeof name - base, "_%d", k);
		schema_add(s, name, COL_STRING, true);
	}
	return s;
}

static int setup_conv(struct csv_reader *r, struct fmt_error *err)
{
	const struct schema *s = r->schema;
	r->ncols = s->nfields;
	r->conv = xcalloc((size_t)(s->nfields ? s->nfields : 1), sizeof *r->conv);
	for (int i = 0; i < s->nfields; i++) {
		struct conv *c = &r->conv[i];
		c->f = &s->fields[i];
		c->type = c->f->type;
		c->src = i;
		if (r->o.match_by_name && r->header) {
			c->src = -1;
			for (int k = 0; k < r->nheader; k++)
				if (!strcasecmp(r->header[k], c->f->name))
					c->src = k;
		}
		const char *ftext = c->type == COL_DATE ? r->o.date_format : r->o.timestamp_format;
		if (r->o.col_formats && r->o.col_formats[i])
			ftext = r->o.col_formats[i];
		char why[200];
		if ((c->type == COL_DATE || c->type == COL_TIMESTAMP) && tf_compile(ftext, &c->fmt, why, sizeof why)) {
			if (err) {
				memset(err, 0, sizeof *err);
				snprintf(err->file, sizeof err->file, "%s", source_name(r->lex.src));
				fmt_error_set(err, "column \"%s\": %s", c->f->name, why);
			}
			return -1;
		}
	}
	r->expect_fields = r->o.match_by_name && r->header ? r->nheader : s->nfields;
	if (r->o.n_null_if > 0) {
		r->null_len = xcalloc((size_t)r->o.n_null_if, sizeof(size_t));
		for (int k = 0; k < r->o.n_null_if; k++)
			r->null_len[k] = strlen(r->o.null_if[k]);
	}
	return 0;
}

int csv_reader_open(struct source *src, const struct csv_options *o, const struct schema *schema,
		    struct csv_reader **out, struct fmt_error *err)
{
	*out = NULL;
	struct csv_reader *r = xcalloc(1, sizeof *r);
	r->o = *o;
	if (r->o.max_record == 0 || r->o.max_record > (1u << 30))
		r->o.max_record = 1u << 30;
	if (r->o.max_columns <= 0)
		r->o.max_columns = 16384;
	csv_lex_init(&r->lex, src, &r->o);
	int rc = 0;
	if (r->o.header) {
		rc = csv_lex_next(&r->lex, err);
		if (rc < 0)
			goto fail;
		if (rc > 0)
			keep_header(r);
	}
	if (!schema) {
		int n = r->nheader;
		if (!r->o.header) {
			rc = csv_lex_next(&r->lex, err);
			if (rc < 0)
				goto fail;
			n = rc > 0 ? r->lex.nfields : 0;
			r->pending = rc > 0;
		}
		r->own_schema = string_schema(r, n);
		schema = r->own_schema;
	}
	r->schema = schema;
	if (setup_conv(r, err))
		goto fail;
	*out = r;
	return 0;
fail:
	csv_reader_free(r);
	return -1;
}

static bool is_null(const struct csv_reader *r, const struct csv_field *fl, const char *p, size_t n,
		    enum col_type t)
{
	if (fl->flags & CSV_F_QUOTED)
		return n == 0 && t != COL_STRING && t != COL_BINARY;
	if (n == 0)
		return r->o.empty_field_as_null || (t != COL_STRING && t != COL_BINARY);
	for (int k = 0; k < r->o.n_null_if; k++)
		if (r->null_len[k] == n && !memcmp(r->o.null_if[k], p, n))
			return true;
	return false;
}

static bool ascii_or_utf8(const char *p, size_t n)
{
	size_t i = 0;
	for (; i + 8 <= n; i += 8) {
		uint64_t w;
		memcpy(&w, p + i, 8);
		if (w & 0x8080808080808080ull)
			return utf8_valid(p + i, n - i);
	}
	for (; i < n; i++)
		if ((unsigned char)p[i] & 0x80)
			return utf8_valid(p + i, n - i);
	return true;
}

static void trim(const char **p, size_t *n)
{
	while (*n && ((*p)[0] == ' ' || (*p)[0] == '\t')) {
		(*p)++;
		(*n)--;
	}
	while (*n && ((*p)[*n - 1] == ' ' || (*p)[*n - 1] == '\t'))
		(*n)--;
}

/* Converts field fi of the current record into column ci of row b->nrows;
 * -1 with err filled when the text does not fit the type. */
static int convert(struct csv_reader *r, struct batch *b, int ci, int fi, struct fmt_error *err)
{
	struct conv *c = &r->conv[ci];
	struct csv_field *fl = &r->lex.fields[fi];
	size_t n;
	const char *p = csv_lex_raw(&r->lex, fi, &n);
	if (is_null(r, fl, p, n, c->type)) {
		if (!c->f->nullable) {
			field_error(r, err, ci, "NULL in a column that does not allow NULL");
			return -1;
		}
		return 0; /* rows start null */
	}
	if (fl->flags & CSV_F_ESCAPED)
		p = csv_lex_text(&r->lex, fi, &n);
	int rc = 0;
	switch (c->type) {
	case COL_STRING:
	case COL_JSON:
		if (!ascii_or_utf8(p, n)) {
			field_error(r, err, ci, "the value is not valid UTF-8");
			return -1;
		}
		batch_set_bytes(b, ci, p, n);
		return 0;
	case COL_BINARY: {
		if (n % 2) {
			rc = -1;
			break;
		}
		/* Decode in place: the record's bytes are ours until the next one. */
		char *w = (char *)p;
		if (hex_decode(p, n, (unsigned char *)w)) {
			rc = -1;
			break;
		}
		batch_set_bytes(b, ci, w, n / 2);
		return 0;
	}
	default:
		break;
	}
	trim(&p, &n);
	if (n == 0) {
		if (!c->f->nullable) {
			field_error(r, err, ci, "NULL in a column that does not allow NULL");
			return -1;
		}
		return 0;
	}
	rc = fmt_parse_cell(b, ci, c->f, &c->fmt, p, n);
	if (rc) {
		char shown[80];
		fmt_text_quote(shown, sizeof shown, p, n);
		field_error(r, err, ci, "%s is not a valid %s%s", shown, col_type_name(c->type),
			    rc == NUM_RANGE ? " (out of range)" : "");
		return -1;
	}
	return 0;
}

static int convert_row(struct csv_reader *r, struct batch *b, struct fmt_error *err)
{
	int nf = r->lex.nfields;
	if (nf != r->expect_fields && r->o.ragged == CSV_RAGGED_ERROR) {
		field_error(r, err, -1, "expected %d fields, found %d", r->expect_fields, nf);
		return -1;
	}
	for (int ci = 0; ci < r->ncols; ci++) {
		int fi = r->conv[ci].src;
		if (fi < 0 || fi >= nf) {
			if (!r->conv[ci].f->nullable) {
				field_error(r, err, ci, "the field is missing and the column does not allow NULL");
				return -1;
			}
			continue;
		}
		if (convert(r, b, ci, fi, err))
			return -1;
	}
	return 0;
}

long csv_reader_next(struct csv_reader *r, struct batch *b, struct fmt_error *err)
{
	batch_clear(b);
	if (r->done)
		return 0;
	int64_t start = r->lex.buf_off + (int64_t)r->lex.pos;
	while (b->nrows < b->cap) {
		if (!r->pending) {
			struct fmt_error lex_err;
			int rc = csv_lex_next(&r->lex, r->o.on_bad_row ? &lex_err : err);
			if (rc < 0 && r->o.on_bad_row && csv_lex_skip_bad(&r->lex, NULL) == 0) {
				/* A malformed line, but only that line: skip it like a bad row. */
				r->bad_rows++;
				r->o.on_bad_row(r->o.bad_row_ctx, &lex_err);
				continue;
			}
			if (rc < 0) {
				if (r->o.on_bad_row && err)
					*err = lex_err;
				return -1;
			}
			if (rc == 0) {
				r->done = true;
				break;
			}
		}
		r->pending = false;
		struct fmt_error row_err;
		if (convert_row(r, b, r->o.on_bad_row ? &row_err : err)) {
			batch_abort_row(b);
			if (!r->o.on_bad_row)
				return -1;
			r->bad_rows++;
			r->o.on_bad_row(r->o.bad_row_ctx, &row_err);
			continue;
		}
		batch_finish_row(b);
		r->rows++;
		if (r->lex.buf_off + (int64_t)r->lex.pos - start > (int64_t)CSV_BATCH_BYTES)
			break;
	}
	return (long)b->nrows;
}
