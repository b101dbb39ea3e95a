/* json_write.c — batches out as JSON Lines (see json.h).
 *
 * Keys are escaped once, at creation; rows are rendered into one buffer
 * that goes to the sink whenever it passes JSON_OUT_FLUSH bytes.
 */
#include "formats/json.h"
#include "formats/fmt_text.h"
#include "formats/jsontok.h"
#include "core/buf.h"
#include "core/mem.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define JSON_OUT_FLUSH (256 * 1024)

struct json_writer {
	struct sink *sink;
	const struct schema *schema;
	bool omit_nulls;
	struct buf out;
	struct buf keys; /* "\"name\":" for every column, back to back */
	size_t *key_off;
	struct buf scratch;
};

int json_writer_new(struct sink *sink, const struct schema *schema, bool omit_nulls, struct json_writer **out,
		    struct fmt_error *err)
{
	(void)err;
	struct json_writer *w = xcalloc(1, sizeof *w);
	w->sink = sink;
	w->schema = schema;
	w->omit_nulls = omit_nulls;
	buf_init(&w->out, BUF_UNLIMITED);
	buf_init(&w->keys, BUF_UNLIMITED);
	buf_init(&w->scratch, BUF_UNLIMITED);
	w->key_off = xcalloc((size_t)schema->nfields + 1, sizeof *w->key_off);
	for (int i = 0; i < schema->nfields; i++) {
		w->key_off[i] = w->keys.len;
		jt_put_string(&w->keys, schema->fields[i].name, strlen(schema->fields[i].name));
		buf_addc(&w->keys, ':');
	}
	w->key_off[schema->nfields] = w->keys.len;
	*out = w;
	return 0;
}

void json_writer_free(struct json_writer *w)
{
	if (!w)
		return;
	buf_free(&w->out);
	buf_free(&w->keys);
	buf_free(&w->scratch);
	free(w->key_off);
	free(w);
}

static void put_value(struct json_writer *w, const struct column *c, const struct field *f, size_t row)
{
	struct buf *o = &w->out;
	if (!col_is_valid(c, row)) {
		buf_add(o, "null", 4);
		return;
	}
	if ((c->type == COL_DOUBLE && !isfinite(c->v.f64[row])) || (c->type == COL_FLOAT && !isfinite(c->v.f32[row]))) {
		buf_add(o, "null", 4);
		return;
	}
	char tmp[FMT_CELL_TMP];
	size_t n;
	const char *p = fmt_cell(c, f, row, NULL, NULL, tmp, &w->scratch, &n);
	switch (c->type) {
	case COL_STRING:
	case COL_DATE:
	case COL_TIMESTAMP:
	case COL_TIME:
	case COL_BINARY:
		jt_put_string(o, p, n);
		break;
	case COL_JSON:
		if (n)
			buf_add(o, p, n);
		else
			buf_add(o, "null", 4);
		break;
	default:
		buf_add(o, p, n);
		break;
	}
}

int json_writer_write(struct json_writer *w, const struct batch *b, struct fmt_error *err)
{
	int nf = w->schema->nfields;
	for (size_t row = 0; row < b->nrows; row++) {
		buf_addc(&w->out, '{');
		bool first = true;
		for (int i = 0; i < nf; i++) {
			const struct column *c = &b->cols[i];
			if (w->omit_nulls && !col_is_valid(c, row))
				continue;
			if (!first)
				buf_addc(&w->out, ',');
			first = false;
			buf_add(&w->out, w->keys.data + w->key_off[i], w->key_off[i + 1] - w->key_off[i]);
			put_value(w, c, &w->schema->fields[i], row);
		}
		buf_add(&w->out, "}\n", 2);
		if (w->out.len >= JSON_OUT_FLUSH) {
			if (sink_write(w->sink, w->out.data, w->out.len, err))
				return -1;
			buf_reset(&w->out);
		}
	}
	return 0;
}

int json_writer_finish(struct json_writer *w, struct fmt_error *err)
{
	if (w->out.len && sink_write(w->sink, w->out.data, w->out.len, err))
		return -1;
	buf_reset(&w->out);
	return sink_finish(w->sink, err);
}
