/* json_infer.c — the schema a run of JSON records implies (see json.h for
 * the widening rules).
 *
 * Each column keeps the set of JSON kinds it has seen; the type is decided
 * once at the end, so the result does not depend on record order. Records
 * that are not objects, and (in JSON Lines with on_bad_row set) lines that
 * are not JSON, are passed over here: the reader reports them when it
 * meets them.
 */
#include "formats/json.h"
#include "formats/json_walk.h"
#include "formats/fmt_text.h"
#include "formats/num.h"
#include "formats/timefmt.h"
#include "core/mem.h"

#include <stdlib.h>
#include <string.h>

enum { K_NULL = 1, K_BOOL = 2, K_INT = 4, K_DOUBLE = 8, K_STR = 16, K_NESTED = 32 };

struct inf_col {
	unsigned kinds;
	bool date_ok, ts_ok, tz;
};

struct infer {
	const struct json_options *o;
	struct jw_names names;
	struct inf_col *cols;
	int cap;
	bool too_many;
	struct tf_format autof;
	int guess;
};

void json_options_init(struct json_options *o)
{
	memset(o, 0, sizeof *o);
	o->detect_dates = true;
	o->infer_records = 10000;
	o->infer_bytes = (size_t)32 << 20;
	o->max_token = (size_t)16 << 20;
	o->max_value = (size_t)16 << 20;
	o->max_columns = 4096;
}

/* Only ISO-shaped strings are tried: AUTO also reads integers as epochs,
 * and a column of numeric strings is not a column of timestamps. */
static void note_string(struct infer *f, struct inf_col *c, const char *p, size_t n)
{
	bool first = !(c->kinds & K_STR);
	if (first)
		c->date_ok = c->ts_ok = f->o->detect_dates;
	if (!c->date_ok && !c->ts_ok)
		return;
	struct tf_time t;
	bool iso = n >= 10 && p[4] == '-' && p[7] == '-' && p[0] >= '0' && p[0] <= '9';
	if (!iso || tf_parse(&f->autof, p, n, &t)) {
		c->date_ok = c->ts_ok = false;
		return;
	}
	if (t.has_time)
		c->date_ok = false;
	c->tz |= t.has_tz;
}

static int on_field(void *ctx, const char *path, size_t pathlen, const struct jw_value *v, struct fmt_error *err)
{
	(void)err;
	struct infer *f = ctx;
	int i = jw_names_find_near(&f->names, path, pathlen, f->guess);
	if (i < 0) {
		if (f->names.n >= f->o->max_columns) {
			f->too_many = true;
			return 0;
		}
		i = jw_names_add(&f->names, path, pathlen);
		if (i >= f->cap) {
			f->cap = f->cap ? f->cap * 2 : 16;
			f->cols = xrealloc(f->cols, sizeof *f->cols * (size_t)f->cap);
		}
		memset(&f->cols[i], 0, sizeof f->cols[i]);
	}
	f->guess = i + 1;
	struct inf_col *c = &f->cols[i];
	const struct jt_token *t = v->tok;
	unsigned k;
	if (!t) {
		k = K_NESTED;
	} else {
		switch (t->kind) {
		case JT_NULL:
			k = K_NULL;
			break;
		case JT_TRUE:
		case JT_FALSE:
			k = K_BOOL;
			break;
		case JT_NUM: {
			int64_t iv;
			k = t->is_int && num_parse_i64(t->p, t->n, &iv) == NUM_OK ? K_INT : K_DOUBLE;
			break;
		}
		default:
			note_string(f, c, t->p, t->n);
			k = K_STR;
			break;
		}
	}
	c->kinds |= k;
	return 0;
}

static void resolve(const struct inf_col *c, const char *name, struct schema *s)
{
	unsigned k = c->kinds & ~(unsigned)K_NULL;
	enum col_type t = COL_STRING;
	bool utc = false;
	if (k & K_NESTED)
		t = COL_JSON;
	else if (k == K_STR && c->date_ok)
		t = COL_DATE;
	else if (k == K_STR && c->ts_ok) {
		t = COL_TIMESTAMP;
		utc = c->tz;
	} else if (k == K_BOOL)
		t = COL_BOOL;
	else if (k && !(k & (K_STR | K_BOOL)))
		t = k & K_DOUBLE ? COL_DOUBLE : COL_INT64;
	struct field *fl = schema_add(s, name, t, true);
	fl->utc = utc;
}

int json_infer_schema(struct source *src, const struct json_options *o, struct schema **out, struct fmt_error *err)
{
	*out = NULL;
	struct infer f;
	memset(&f, 0, sizeof f);
	f.o = o;
	tf_compile(NULL, &f.autof, NULL, 0);
	struct jwalk w;
	jw_init(&w, src, o);
	int rc = 0;
	for (;;) {
		if (o->infer_records > 0 && w.records >= o->infer_records)
			break;
		if (o->infer_bytes && source_offset(src) >= (int64_t)o->infer_bytes)
			break;
		struct fmt_error e;
		f.guess = 0;
		int r = jw_record(&w, on_field, &f, &e);
		if (r == JW_EOF)
			break;
		if (r == JW_SYNTAX) {
			if (o->on_bad_row && !o->strip_outer_array && jt_resync(&w.tok, NULL) == 0)
				continue;
			if (err)
				*err = e;
			rc = -1;
			goto out;
		}
	}
	if (f.too_many) {
		fmt_error_at(err, source_name(src), 0, 0, NULL, -1, "the records have more than %d distinct keys",
			     o->max_columns);
		rc = -1;
		goto out;
	}
	struct schema *s = schema_new();
	for (int i = 0; i < f.names.n; i++)
		resolve(&f.cols[i], f.names.names[i], s);
	*out = s;
out:
	jw_free(&w);
	jw_names_free(&f.names);
	free(f.cols);
	return rc;
}
