/* fuzz_csv.c — the CSV reader and writer on hostile input.
 *
 * The first 4 bytes choose the dialect and options, the rest is the file.
 * Input arrives through a callback in pieces whose sizes come from the
 * options too, so every refill path is hit. Whatever reads cleanly as
 * strings must survive write + read unchanged: a mismatch aborts (that is a
 * finding, not just a crash check).
 */
#include "formats/csv.h"
#include "formats/fmt_text.h"
#include "core/buf.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct feed {
	const uint8_t *p;
	size_t n, pos, piece;
};

static long feed_read(void *ctx, void *buf, size_t n)
{
	struct feed *f = ctx;
	size_t k = f->piece < n ? f->piece : n;
	if (k > f->n - f->pos)
		k = f->n - f->pos;
	memcpy(buf, f->p + f->pos, k);
	f->pos += k;
	return (long)k;
}

static void render(struct buf *out, const struct batch *b)
{
	char tmp[FMT_CELL_TMP];
	struct buf scratch;
	buf_init(&scratch, BUF_UNLIMITED);
	for (size_t r = 0; r < b->nrows; r++) {
		for (int i = 0; i < b->schema->nfields; i++) {
			const struct column *c = &b->cols[i];
			if (!col_is_valid(c, r)) {
				buf_add(out, "\0N", 2);
				continue;
			}
			size_t n;
			const char *p = fmt_cell(c, &b->schema->fields[i], r, NULL, NULL, tmp, &scratch, &n);
			buf_addf(out, "%zu:", n);
			buf_add(out, p, n);
		}
		buf_addc(out, '\n');
	}
	buf_free(&scratch);
}

/* Reads everything; returns 0 and the rendering, or -1 on a read error. */
static int read_all(const uint8_t *p, size_t n, size_t piece, enum fmt_codec codec, const struct csv_options *o,
		    const struct schema *s, struct buf *out, struct schema **got_schema)
{
	struct feed f = {p, n, 0, piece ? piece : 1};
	/* Whole inputs come from memory (small buffers, fast runs); pieces
	 * through a callback (every refill path). */
	struct source *src = piece >= n ? source_from_mem(p, n, codec) : source_from_callback(feed_read, &f, codec);
	struct csv_reader *r;
	struct fmt_error err;
	int rc = -1;
	if (csv_reader_open(src, o, s, &r, &err) == 0) {
		const struct schema *rs = csv_reader_schema(r);
		struct batch *b = batch_new(rs, 7);
		long k;
		while ((k = csv_reader_next(r, b, &err)) > 0)
			render(out, b);
		rc = k < 0 ? -1 : 0;
		if (got_schema && rc == 0) {
			*got_schema = schema_new();
			for (int i = 0; i < rs->nfields; i++)
				schema_add(*got_schema, rs->fields[i].name, rs->fields[i].type, true);
		}
		batch_free(b);
		csv_reader_free(r);
	}
	source_close(src);
	return rc;
}

static void ignore_bad(void *ctx, const struct fmt_error *e)
{
	(void)ctx;
	(void)e;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 4)
		return 0;
	static const char delims[] = {',', '\t', '|', ';', '\x01', ' ', ':', '"'};
	static const char quotes[] = {'"', '\'', 0, '"'};
	uint8_t a = data[0], b = data[1], c = data[2], d = data[3];
	data += 4;
	size -= 4;
	struct csv_options o;
	csv_options_init(&o);
	o.delim = delims[a & 7];
	o.quote = quotes[a >> 3 & 3];
	if (o.quote == o.delim)
		o.quote = 0;
	o.escape = a & 0x20 ? '\\' : 0;
	o.escape_unquoted = a & 0x40 ? '\\' : 0;
	o.header = b & 1;
	o.trim_space = b & 2;
	o.skip_blank_lines = b & 4;
	o.empty_field_as_null = b & 8;
	o.ragged = b & 16 ? CSV_RAGGED_PAD : CSV_RAGGED_ERROR;
	o.comment = b & 32 ? '#' : 0;
	o.skip_lines = b >> 6;
	o.max_record = 4096 + (size_t)c * 64;
	o.max_columns = 1 + d % 64;
	const char *nulls[] = {"\\N", "NULL"};
	o.null_if = nulls;
	o.n_null_if = c & 1 ? 2 : 0;
	size_t piece = 1 + (size_t)(d >> 6) * 1000 + c % 7;
	enum fmt_codec codec = c & 0x80 ? FMT_CODEC_AUTO : FMT_CODEC_NONE;

	/* 1. all strings; a clean read must round-trip through the writer. */
	struct buf first;
	buf_init(&first, BUF_UNLIMITED);
	struct schema *s = NULL;
	if (read_all(data, size, piece, codec, &o, NULL, &first, &s) == 0 && codec == FMT_CODEC_NONE && !o.trim_space &&
	    o.escape_unquoted == 0 && s->nfields > 0) {
		/* Re-read the rendering's source of truth: write the rows out and read them back. */
		struct feed f = {data, size, 0, piece};
		struct source *src = source_from_callback(feed_read, &f, FMT_CODEC_NONE);
		struct csv_reader *r;
		struct fmt_error err;
		if (csv_reader_open(src, &o, s, &r, &err) == 0) {
			struct buf text;
			buf_init(&text, BUF_UNLIMITED);
			struct sink *k = sink_to_buf(&text, FMT_CODEC_NONE, 0);
			struct csv_write_options wo;
			csv_write_options_init(&wo);
			wo.delim = o.delim == '"' ? ',' : o.delim;
			wo.null_string = "\\N";
			wo.header = false;
			struct csv_writer *w;
			struct batch *bt = batch_new(s, 5);
			if (csv_writer_new(k, s, &wo, &w, &err) == 0) {
				long n;
				while ((n = csv_reader_next(r, bt, &err)) > 0)
					csv_writer_write(w, bt, &err);
				csv_writer_finish(w, &err);
				csv_writer_free(w);
				struct csv_options ro;
				csv_options_init(&ro);
				ro.delim = wo.delim;
				ro.header = false;
				ro.null_if = nulls;
				ro.n_null_if = 1;
				ro.skip_blank_lines = false;
				ro.max_columns = 100000;
				struct buf second;
				buf_init(&second, BUF_UNLIMITED);
				if (read_all((const uint8_t *)text.data, text.len, 1 << 20, FMT_CODEC_NONE, &ro, s, &second,
					     NULL) != 0 ||
				    second.len != first.len || (first.len && memcmp(second.data, first.data, first.len)))
					abort();
				buf_free(&second);
			}
			batch_free(bt);
			sink_close(k);
			buf_free(&text);
			csv_reader_free(r);
		}
		source_close(src);
	}
	schema_free(s);
	buf_free(&first);

	/* 2. typed columns, bad rows skipped. */
	struct schema *t = schema_new();
	static const enum col_type types[] = {COL_INT64, COL_DOUBLE, COL_DECIMAL, COL_DATE, COL_TIMESTAMP,
					      COL_BOOL,  COL_STRING, COL_BINARY,  COL_INT32, COL_TIME};
	for (int i = 0; i < 4; i++) {
		char name[8] = {'c', (char)('0' + i), 0};
		struct field *f = schema_add(t, name, types[(d + i * 3) % 10], i != 2);
		f->precision = 1 + c % 38;
		f->scale = f->precision > 2 ? 2 : 0;
		f->utc = d & 1;
	}
	o.on_bad_row = b & 128 ? ignore_bad : NULL;
	o.date_format = c & 2 ? "DD/MM/YYYY" : NULL;
	o.timestamp_format = c & 4 ? "YYYY-MM-DD HH24:MI:SS.FF3 TZH:TZM" : NULL;
	struct buf typed;
	buf_init(&typed, BUF_UNLIMITED);
	read_all(data, size, piece, codec, &o, t, &typed, NULL);
	buf_free(&typed);
	schema_free(t);
	return 0;
}
