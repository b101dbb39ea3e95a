/* fuzz_json.c — the JSON tokenizer, inference, reader and writer on
 * hostile input.
 *
 * The first byte chooses the options (array mode, flatten, dates, bad-row
 * skipping, sample size, piece size, codec detection), the rest is the
 * file. Whatever reads cleanly must survive JSON Lines write + read (with
 * the inferred schema) unchanged: a mismatch aborts.
 */
#include "formats/fmt_text.h"
#include "formats/json.h"
#include "formats/jsontok.h"
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

static void ignore_bad(void *ctx, const struct fmt_error *e)
{
	(void)ctx;
	(void)e;
}

/* Reads with o (schema s or inferred); renders rows into out and, when w
 * is set, also writes them there as JSON Lines. Returns 0 on a clean read. */
static int read_all(const uint8_t *p, size_t n, size_t piece, enum fmt_codec codec, const struct json_options *o,
		    const struct schema *s, struct buf *out, struct buf *jsonl, struct schema **inferred)
{
	struct feed f = {p, n, 0, piece};
	/* Whole inputs come from memory (small buffers, fast runs); pieces
	 * through a callback (every refill path). */
	struct source *src = piece >= n ? source_from_mem(p, n, codec) : source_from_callback(feed_read, &f, codec);
	struct json_reader *r;
	struct fmt_error err;
	int rc = -1;
	if (json_reader_open(src, o, s, &r, &err) == 0) {
		const struct schema *rs = json_reader_schema(r);
		struct batch *b = batch_new(rs, 5);
		struct sink *k = jsonl ? sink_to_buf(jsonl, FMT_CODEC_NONE, 0) : NULL;
		struct json_writer *w = NULL;
		if (k)
			json_writer_new(k, rs, (n & 1) != 0, &w, &err);
		long got;
		while ((got = json_reader_next(r, b, &err)) > 0) {
			render(out, b);
			if (w)
				json_writer_write(w, b, &err);
		}
		rc = got < 0 ? -1 : 0;
		if (w) {
			json_writer_finish(w, &err);
			json_writer_free(w);
		}
		sink_close(k);
		if (inferred && rc == 0) {
			*inferred = schema_new();
			for (int i = 0; i < rs->nfields; i++) {
				struct field *fl = schema_add(*inferred, rs->fields[i].name, rs->fields[i].type, true);
				fl->utc = rs->fields[i].utc;
				fl->unit = rs->fields[i].unit;
			}
		}
		batch_free(b);
		json_reader_free(r);
	}
	source_close(src);
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	uint8_t a = data[0];
	data++;
	size--;
	struct json_options o;
	json_options_init(&o);
	o.strip_outer_array = a & 1;
	o.flatten = a & 2;
	o.detect_dates = !(a & 4);
	o.on_bad_row = a & 8 ? ignore_bad : NULL;
	static const int64_t samples[] = {1, 3, 100, 0};
	o.infer_records = samples[a >> 4 & 3];
	o.infer_bytes = a & 16 ? 200 : (size_t)32 << 20;
	o.max_token = 1 << 16;
	o.max_value = 1 << 16;
	o.max_columns = 200;
	size_t piece = a & 64 ? 3 : 1 << 20;
	enum fmt_codec codec = a & 128 ? FMT_CODEC_AUTO : FMT_CODEC_NONE;

	struct buf first, jsonl;
	buf_init(&first, BUF_UNLIMITED);
	buf_init(&jsonl, BUF_UNLIMITED);
	struct schema *s = NULL;
	if (read_all(data, size, piece, codec, &o, NULL, &first, &jsonl, &s) == 0) {
		struct json_options ro;
		json_options_init(&ro);
		ro.flatten = o.flatten;
		ro.max_token = 1 << 20;
		ro.max_value = 1 << 20;
		struct buf second;
		buf_init(&second, BUF_UNLIMITED);
		if (read_all((const uint8_t *)jsonl.data, jsonl.len, 1 << 20, FMT_CODEC_NONE, &ro, s, &second, NULL,
			     NULL) != 0 ||
		    second.len != first.len || (first.len && memcmp(second.data, first.data, first.len)))
			abort();
		buf_free(&second);
	}
	schema_free(s);
	buf_free(&first);
	buf_free(&jsonl);

	/* The bare tokenizer, with resync after errors. */
	struct source *src = source_from_mem(data, size, FMT_CODEC_NONE);
	struct jtok t;
	jt_init(&t, src, o.strip_outer_array, 1 << 16);
	struct jt_token tok;
	struct fmt_error err;
	for (int steps = 0; steps < 100000; steps++) {
		int rc = jt_next(&t, &tok, &err);
		if (rc == 0 || (rc < 0 && jt_resync(&t, &err) < 0))
			break;
	}
	jt_free(&t);
	source_close(src);
	return 0;
}
