/* json_read.c — JSON records into typed batches (see json.h).
 *
 * Without a schema, the first records go through inference while a tee
 * keeps their bytes; reading then starts over from those bytes and goes on
 * with the rest of the source. So the source is read once, and memory holds
 * at most infer_bytes (plus one tokenizer buffer) of it.
 *
 * A key repeated in one object keeps its last value: a variable-width
 * column's bytes for the current row are always the tail of its data, so
 * setting it again first rewinds data_len to the row's start.
 */
#include "formats/json.h"
#include "formats/json_walk.h"
#include "formats/fmt_text.h"
#include "formats/num.h"
#include "formats/timefmt.h"
#include "core/enc.h"
#include "core/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define JSON_BATCH_BYTES (48u << 20)

/* Serves the captured bytes, then the rest of the source; while capturing,
 * copies what it passes on. */
struct replay {
	struct source *src;
	struct buf cap;
	size_t pos;
	bool capturing, failed;
	struct fmt_error err;
};

struct json_reader {
	struct json_options o;
	struct jwalk walk;
	const struct schema *schema;
	struct schema *own_schema;
	struct jw_names map;
	struct tf_format *fmts;
	struct replay *rp;
	struct source *rp_src;
	struct batch *cur;
	int guess; /* the column the next key probably names */
	struct buf scratch;
	int64_t rows, bad_rows;
	bool done;
};

static long replay_read(void *ctx, void *dst, size_t n)
{
	struct replay *r = ctx;
	if (!r->capturing && r->pos < r->cap.len) {
		size_t k = r->cap.len - r->pos < n ? r->cap.len - r->pos : n;
		memcpy(dst, r->cap.data + r->pos, k);
		r->pos += k;
		if (r->pos == r->cap.len)
			buf_free(&r->cap);
		return (long)k;
	}
	long got = source_read(r->src, dst, n, &r->err);
	if (got < 0) {
		r->failed = true;
		return -1;
	}
	if (r->capturing && got > 0 && buf_add(&r->cap, dst, (size_t)got)) {
		r->failed = true;
		return -1;
	}
	return got;
}

const struct schema *json_reader_schema(const struct json_reader *r)
{
	return r->schema;
}

int64_t json_reader_rows(const struct json_reader *r)
{
	return r->rows;
}

int64_t json_reader_bad_rows(const struct json_reader *r)
{
	return r->bad_rows;
}

void json_reader_free(struct json_reader *r)
{
	if (!r)
		return;
	jw_free(&r->walk);
	jw_names_free(&r->map);
	free(r->fmts);
	buf_free(&r->scratch);
	source_close(r->rp_src);
	if (r->rp)
		buf_free(&r->rp->cap);
	free(r->rp);
	schema_free(r->own_schema);
	free(r);
}

/* A source error inside the replay callback surfaces as a generic stream
 * failure; put the real message back. */
static void real_error(struct json_reader *r, struct fmt_error *err)
{
	if (r->rp && r->rp->failed && err)
		*err = r->rp->err;
}

int json_reader_open(struct source *src, const struct json_options *o, const struct schema *schema,
		     struct json_reader **out, struct fmt_error *err)
{
	*out = NULL;
	struct json_reader *r = xcalloc(1, sizeof *r);
	r->o = *o;
	buf_init(&r->scratch, o->max_value ? o->max_value * 2 + 16 : (size_t)32 << 20);
	struct source *in = src;
	if (!schema) {
		r->rp = xcalloc(1, sizeof *r->rp);
		r->rp->src = src;
		r->rp->capturing = true;
		buf_init(&r->rp->cap, BUF_UNLIMITED);
		struct source *tee = source_from_callback(replay_read, r->rp, FMT_CODEC_NONE);
		source_set_name(tee, source_name(src));
		int rc = json_infer_schema(tee, o, &r->own_schema, err);
		source_close(tee);
		if (rc) {
			real_error(r, err);
			json_reader_free(r);
			return -1;
		}
		r->rp->capturing = false;
		r->rp_src = source_from_callback(replay_read, r->rp, FMT_CODEC_NONE);
		source_set_name(r->rp_src, source_name(src));
		in = r->rp_src;
		schema = r->own_schema;
	}
	r->schema = schema;
	r->fmts = xcalloc((size_t)(schema->nfields ? schema->nfields : 1), sizeof *r->fmts);
	for (int i = 0; i < schema->nfields; i++) {
		jw_names_add(&r->map, schema->fields[i].name, strlen(schema->fields[i].name));
		enum col_type t = schema->fields[i].type;
		char why[200];
		if ((t == COL_DATE || t == COL_TIMESTAMP) &&
		    tf_compile(t == COL_DATE ? o->date_format : o->timestamp_format, &r->fmts[i], why, sizeof why)) {
			fmt_error_at(err, source_name(src), 0, 0, schema->fields[i].name, -1, "%s", why);
			json_reader_free(r);
			return -1;
		}
	}
	jw_init(&r->walk, in, &r->o);
	*out = r;
	return 0;
}

static const char *kind_name(const struct jw_value *v)
{
	if (!v->tok)
		return v->json[0] == '{' ? "an object" : "an array";
	switch (v->tok->kind) {
	case JT_STR:
		return "a string";
	case JT_NUM:
		return "a number";
	default:
		return "a boolean";
	}
}

/* Sets variable-width bytes for the current row, replacing an earlier value
 * of the same row (a repeated key). */
static void set_bytes(struct batch *b, int ci, const char *p, size_t n)
{
	struct column *c = &b->cols[ci];
	c->data_len = c->offsets[b->nrows];
	batch_set_bytes(b, ci, p, n);
}

static int on_field(void *ctx, const char *path, size_t pathlen, const struct jw_value *v, struct fmt_error *err)
{
	struct json_reader *r = ctx;
	int ci = jw_names_find_near(&r->map, path, pathlen, r->guess);
	for (int k = 0; ci < 0 && r->o.ignore_case && k < r->map.n; k++)
		if (r->map.lens[k] == pathlen && !strncasecmp(r->map.names[k], path, pathlen))
			ci = k;
	if (ci < 0)
		return 0;
	r->guess = ci + 1;
	struct batch *b = r->cur;
	const struct field *f = &r->schema->fields[ci];
	const struct jt_token *t = v->tok;
	if (t && t->kind == JT_NULL) {
		if (b->cols[ci].offsets)
			b->cols[ci].data_len = b->cols[ci].offsets[b->nrows];
		batch_set_null(b, ci);
		return 0;
	}
	/* The value as text: a scalar's own text, or the nested JSON. */
	const char *p = t ? t->p : v->json;
	size_t n = t ? t->n : v->jn;
	int rc = 0;
	switch (f->type) {
	case COL_STRING:
		set_bytes(b, ci, p, n);
		return 0;
	case COL_JSON:
		if (t && t->kind == JT_STR) {
			buf_reset(&r->scratch);
			if (jt_put_string(&r->scratch, p, n)) {
				rc = -1;
				break;
			}
			p = r->scratch.data;
			n = r->scratch.len;
		}
		set_bytes(b, ci, p, n);
		return 0;
	default:
		break;
	}
	if (!t) {
		fmt_error_at(err, source_name(r->walk.tok.src), r->walk.rec_line, ci + 1, f->name, r->walk.rec_off,
			     "%s cannot go into a %s column", kind_name(v), col_type_name(f->type));
		return -1;
	}
	if (f->type == COL_BOOL && (t->kind == JT_TRUE || t->kind == JT_FALSE)) {
		batch_set_bool(b, ci, t->kind == JT_TRUE);
	} else if (f->type == COL_BINARY) {
		/* Hex text, as the writer renders binary. */
		buf_reset(&r->scratch);
		if (t->kind != JT_STR || n % 2 || buf_reserve(&r->scratch, n / 2) ||
		    hex_decode(p, n, (unsigned char *)r->scratch.data))
			rc = -1;
		else
			set_bytes(b, ci, r->scratch.data, n / 2);
	} else {
		/* Text forms only: a JSON true is not the number 1, and numbers
		 * are not booleans or times. */
		bool ok = t->kind == JT_STR ||
			  (t->kind == JT_NUM && f->type != COL_BOOL && f->type != COL_TIME);
		rc = ok ? fmt_parse_cell(b, ci, f, &r->fmts[ci], p, n) : -1;
	}
	if (rc) {
		char shown[80];
		fmt_text_quote(shown, sizeof shown, p, n);
		fmt_error_at(err, source_name(r->walk.tok.src), r->walk.rec_line, ci + 1, f->name, r->walk.rec_off,
			     "%s is not a valid %s%s", shown, col_type_name(f->type), rc == NUM_RANGE ? " (out of range)" : "");
		return -1;
	}
	return 0;
}

/* Columns the record did not mention stay NULL; a NOT NULL one is an error. */
static int check_required(struct json_reader *r, struct batch *b, struct fmt_error *err)
{
	for (int i = 0; i < r->schema->nfields; i++) {
		const struct field *f = &r->schema->fields[i];
		if (!f->nullable && !col_is_valid(&b->cols[i], b->nrows)) {
			fmt_error_at(err, source_name(r->walk.tok.src), r->walk.rec_line, i + 1, f->name, r->walk.rec_off,
				     "the value is missing or null and the column does not allow NULL");
			return -1;
		}
	}
	return 0;
}

long json_reader_next(struct json_reader *r, struct batch *b, struct fmt_error *err)
{
	batch_clear(b);
	if (r->done)
		return 0;
	r->cur = b;
	struct jtok *tk = &r->walk.tok;
	int64_t start = tk->buf_off + (int64_t)tk->pos;
	while (b->nrows < b->cap) {
		struct fmt_error e;
		r->guess = 0;
		int rc = jw_record(&r->walk, on_field, r, &e);
		if (rc == JW_EOF) {
			r->done = true;
			break;
		}
		if (rc == JW_OK && check_required(r, b, &e) == 0) {
			batch_finish_row(b);
			r->rows++;
			if (tk->buf_off + (int64_t)tk->pos - start > (int64_t)JSON_BATCH_BYTES)
				break;
			continue;
		}
		batch_abort_row(b);
		if (rc == JW_SYNTAX)
			real_error(r, &e);
		bool skip = r->o.on_bad_row && (rc != JW_SYNTAX || jt_resync(tk, NULL) == 0);
		if (!skip) {
			if (err)
				*err = e;
			return -1;
		}
		r->bad_rows++;
		r->o.on_bad_row(r->o.bad_row_ctx, &e);
	}
	return (long)b->nrows;
}
