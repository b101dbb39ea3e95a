/* csv_write.c — batches out as delimited text (see csv.h).
 *
 * Rows are rendered into one output buffer that is handed to the sink when
 * it fills, so the sink (and its compressor) sees large writes. A field is
 * quoted when reading it back would otherwise change it: it holds the
 * delimiter, the quote, the escape or a line break; it has spaces at either
 * end (a TRIM_SPACE reader would drop them); it is empty or equal to the
 * NULL string (it would read back as NULL); it starts with U+FEFF (at the
 * start of a file that reads as a byte-order mark).
 */
#include "formats/csv.h"
#include "formats/fmt_text.h"
#include "core/buf.h"
#include "core/mem.h"

#include <stdlib.h>
#include <string.h>

#define CSV_OUT_BUF (256 * 1024)

struct csv_writer {
	struct sink *sink;
	const struct schema *schema;
	struct csv_write_options o;
	struct tf_format date_f, ts_f;
	char *out;
	size_t len, cap;
	bool header_done;
	struct buf scratch;
	uint8_t special[256];
	size_t null_len;
};

void csv_write_options_init(struct csv_write_options *o)
{
	memset(o, 0, sizeof *o);
	o->delim = ',';
	o->quote = '"';
	o->header = true;
	o->null_string = "";
}

int csv_writer_new(struct sink *sink, const struct schema *schema, const struct csv_write_options *o,
		   struct csv_writer **out, struct fmt_error *err)
{
	*out = NULL;
	struct csv_writer *w = xcalloc(1, sizeof *w);
	w->sink = sink;
	w->schema = schema;
	w->o = *o;
	if (!w->o.null_string)
		w->o.null_string = "";
	if (!w->o.quote)
		w->o.quote = '"';
	w->null_len = strlen(w->o.null_string);
	char why[200];
	if (tf_compile(o->date_format, &w->date_f, why, sizeof why) ||
	    tf_compile(o->timestamp_format, &w->ts_f, why, sizeof why)) {
		fmt_error_at(err, NULL, 0, 0, NULL, -1, "%s", why);
		free(w);
		return -1;
	}
	w->special[(uint8_t)w->o.delim] = 1;
	w->special[(uint8_t)w->o.quote] = 1;
	w->special['\n'] = 1;
	w->special['\r'] = 1;
	if (w->o.escape)
		w->special[(uint8_t)w->o.escape] = 1;
	w->cap = CSV_OUT_BUF;
	w->out = xmalloc(w->cap);
	buf_init(&w->scratch, (size_t)1 << 31);
	*out = w;
	return 0;
}

void csv_writer_free(struct csv_writer *w)
{
	if (!w)
		return;
	free(w->out);
	buf_free(&w->scratch);
	free(w);
}

static int flush(struct csv_writer *w, struct fmt_error *err)
{
	if (w->len && sink_write(w->sink, w->out, w->len, err))
		return -1;
	w->len = 0;
	return 0;
}

/* Makes room for n more bytes in the output buffer. */
static int room(struct csv_writer *w, size_t n, struct fmt_error *err)
{
	if (w->cap - w->len >= n)
		return 0;
	if (flush(w, err))
		return -1;
	if (n > w->cap) {
		w->cap = n;
		w->out = xrealloc(w->out, w->cap);
	}
	return 0;
}

static bool needs_quote(const struct csv_writer *w, const char *p, size_t n)
{
	if (w->o.quoting == CSV_QUOTE_ALWAYS || n == 0)
		return true;
	if (p[0] == ' ' || p[0] == '\t' || p[n - 1] == ' ' || p[n - 1] == '\t')
		return true;
	if (n == w->null_len && !memcmp(p, w->o.null_string, n))
		return true;
	/* A leading U+FEFF would be taken for a byte-order mark at the start of a file. */
	if (n >= 3 && !memcmp(p, "\xEF\xBB\xBF", 3))
		return true;
	for (size_t i = 0; i < n; i++)
		if (w->special[(uint8_t)p[i]])
			return true;
	return false;
}

static int put_field(struct csv_writer *w, const char *p, size_t n, struct fmt_error *err)
{
	if (!needs_quote(w, p, n)) {
		if (room(w, n, err))
			return -1;
		memcpy(w->out + w->len, p, n);
		w->len += n;
		return 0;
	}
	if (room(w, 2 * n + 2, err))
		return -1;
	char *o = w->out + w->len, q = w->o.quote, esc = w->o.escape;
	*o++ = q;
	for (size_t i = 0; i < n; i++) {
		char c = p[i];
		if (c == q || (esc && c == esc))
			*o++ = esc ? esc : q;
		*o++ = c;
	}
	*o++ = q;
	w->len = (size_t)(o - w->out);
	return 0;
}

static int end_line(struct csv_writer *w, struct fmt_error *err)
{
	if (room(w, 2, err))
		return -1;
	if (w->o.crlf)
		w->out[w->len++] = '\r';
	w->out[w->len++] = '\n';
	return 0;
}

static int put_header(struct csv_writer *w, struct fmt_error *err)
{
	w->header_done = true;
	if (!w->o.header)
		return 0;
	for (int i = 0; i < w->schema->nfields; i++) {
		if (i && room(w, 1, err))
			return -1;
		if (i)
			w->out[w->len++] = w->o.delim;
		const char *name = w->schema->fields[i].name;
		if (put_field(w, name, strlen(name), err))
			return -1;
	}
	return end_line(w, err);
}

int csv_writer_write(struct csv_writer *w, const struct batch *b, struct fmt_error *err)
{
	if (!w->header_done && put_header(w, err))
		return -1;
	int nf = w->schema->nfields;
	char tmp[FMT_CELL_TMP];
	for (size_t row = 0; row < b->nrows; row++) {
		for (int i = 0; i < nf; i++) {
			if (i) {
				if (room(w, 1, err))
					return -1;
				w->out[w->len++] = w->o.delim;
			}
			const struct column *c = &b->cols[i];
			if (!col_is_valid(c, row)) {
				if (room(w, w->null_len, err))
					return -1;
				memcpy(w->out + w->len, w->o.null_string, w->null_len);
				w->len += w->null_len;
				continue;
			}
			size_t n;
			const char *p = fmt_cell(c, &w->schema->fields[i], row, &w->date_f, &w->ts_f, tmp, &w->scratch, &n);
			if (put_field(w, p, n, err))
				return -1;
		}
		if (end_line(w, err))
			return -1;
	}
	return 0;
}

int csv_writer_finish(struct csv_writer *w, struct fmt_error *err)
{
	if (!w->header_done && put_header(w, err))
		return -1;
	if (flush(w, err))
		return -1;
	return sink_finish(w->sink, err);
}
