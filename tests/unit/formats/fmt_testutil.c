/* fmt_testutil.c — see fmt_testutil.h. */
#include "fmt_testutil.h"
#include "formats/fmt_text.h"
#include "formats/sink.h"
#include "core/buf.h"
#include "core/mem.h"

#include <stdlib.h>
#include <string.h>

void ft_render_batch(struct buf *out, const struct batch *b)
{
	char tmp[FMT_CELL_TMP];
	struct buf scratch;
	buf_init(&scratch, BUF_UNLIMITED);
	for (size_t r = 0; r < b->nrows; r++) {
		for (int i = 0; i < b->schema->nfields; i++) {
			if (i)
				buf_addc(out, '|');
			const struct column *c = &b->cols[i];
			if (!col_is_valid(c, r)) {
				buf_adds(out, "NULL");
				continue;
			}
			size_t n;
			const char *p = fmt_cell(c, &b->schema->fields[i], r, NULL, NULL, tmp, &scratch, &n);
			buf_add(out, p, n);
		}
		buf_addc(out, '\n');
	}
	buf_free(&scratch);
}

char *ft_schema_str(const struct schema *s)
{
	struct buf b;
	buf_init(&b, BUF_UNLIMITED);
	for (int i = 0; i < s->nfields; i++) {
		const struct field *f = &s->fields[i];
		buf_addf(&b, "%s%s:%s", i ? "," : "", f->name, col_type_name(f->type));
		if (f->type == COL_DECIMAL)
			buf_addf(&b, "(%d,%d)", f->precision, f->scale);
		if (f->type == COL_TIMESTAMP && f->utc)
			buf_adds(&b, "tz");
	}
	return buf_detach(&b, NULL);
}

static char *read_all(struct source *src, const struct csv_options *o, const struct schema *s,
		      struct fmt_error *err, char **schema_out)
{
	struct csv_options def;
	if (!o) {
		csv_options_init(&def);
		o = &def;
	}
	struct csv_reader *r;
	if (csv_reader_open(src, o, s, &r, err))
		return NULL;
	if (schema_out)
		*schema_out = ft_schema_str(csv_reader_schema(r));
	struct batch *b = batch_new(csv_reader_schema(r), 3);
	struct buf out;
	buf_init(&out, BUF_UNLIMITED);
	long n;
	while ((n = csv_reader_next(r, b, err)) > 0)
		ft_render_batch(&out, b);
	batch_free(b);
	csv_reader_free(r);
	if (n < 0) {
		buf_free(&out);
		if (schema_out) {
			free(*schema_out);
			*schema_out = NULL;
		}
		return NULL;
	}
	return buf_detach(&out, NULL);
}

char *ft_csv(const char *text, size_t n, const struct csv_options *o, const struct schema *s,
	     struct fmt_error *err, char **schema_out)
{
	struct source *src = source_from_mem(text, n, FMT_CODEC_AUTO);
	source_set_name(src, "t.csv");
	char *res = read_all(src, o, s, err, schema_out);
	source_close(src);
	return res;
}

struct trickle {
	const char *p;
	size_t n, pos, max, seed;
};

static long trickle_read(void *ctx, void *buf, size_t n)
{
	struct trickle *t = ctx;
	t->seed = t->seed * 6364136223846793005ull + 1442695040888963407ull;
	size_t k = 1 + (size_t)(t->seed >> 33) % t->max;
	if (k > n)
		k = n;
	if (k > t->n - t->pos)
		k = t->n - t->pos;
	memcpy(buf, t->p + t->pos, k);
	t->pos += k;
	return (long)k;
}

char *ft_csv_trickle(const char *text, size_t n, const struct csv_options *o, size_t maxpiece,
		     struct fmt_error *err)
{
	struct trickle t = {text, n, 0, maxpiece, 42};
	struct source *src = source_from_callback(trickle_read, &t, FMT_CODEC_AUTO);
	char *res = read_all(src, o, NULL, err, NULL);
	source_close(src);
	return res;
}

char *ft_compress(const void *p, size_t n, enum fmt_codec c, size_t *outlen)
{
	struct buf b;
	buf_init(&b, BUF_UNLIMITED);
	struct sink *s = sink_to_buf(&b, c, 0);
	struct fmt_error err;
	if (sink_write(s, p, n, &err) || sink_finish(s, &err))
		abort();
	sink_close(s);
	return buf_detach(&b, outlen);
}
