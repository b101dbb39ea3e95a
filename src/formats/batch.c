/* batch.c — see batch.h.
 *
 * Row-wise setters write into slot b->nrows of each column; columns not set
 * for a row are marked null by batch_finish_row(), which also closes the
 * offsets of variable-width columns. Readers that decode column by column
 * (Parquet) write v/valid/offsets/data directly and set nrows themselves.
 */
#include "formats/batch.h"
#include "core/mem.h"

#include <stdlib.h>
#include <string.h>

struct schema *schema_new(void)
{
	return xcalloc(1, sizeof(struct schema));
}

struct field *schema_add(struct schema *s, const char *name, enum col_type type, bool nullable)
{
	s->fields = xrealloc(s->fields, sizeof(struct field) * (size_t)(s->nfields + 1));
	struct field *f = &s->fields[s->nfields++];
	memset(f, 0, sizeof *f);
	f->name = xstrdup(name);
	f->type = type;
	f->nullable = nullable;
	f->unit = TS_MICROS;
	return f;
}

void schema_free(struct schema *s)
{
	if (!s)
		return;
	for (int i = 0; i < s->nfields; i++)
		free(s->fields[i].name);
	free(s->fields);
	free(s);
}

int schema_find(const struct schema *s, const char *name)
{
	for (int i = 0; i < s->nfields; i++)
		if (!strcmp(s->fields[i].name, name))
			return i;
	return -1;
}

const char *col_type_name(enum col_type t)
{
	static const char *const names[] = {"boolean", "int32", "int64", "float", "double", "decimal",
					    "string", "binary", "date", "timestamp", "time", "json"};
	return (unsigned)t < sizeof names / sizeof *names ? names[t] : "?";
}

size_t col_type_width(enum col_type t)
{
	switch (t) {
	case COL_BOOL:
		return 1;
	case COL_INT32:
	case COL_DATE:
	case COL_FLOAT:
		return 4;
	case COL_INT64:
	case COL_DOUBLE:
	case COL_TIMESTAMP:
	case COL_TIME:
		return 8;
	case COL_DECIMAL:
		return 16;
	default:
		return 0;
	}
}

struct batch *batch_new(const struct schema *s, size_t cap)
{
	struct batch *b = xcalloc(1, sizeof *b);
	b->schema = s;
	b->cap = cap;
	b->cols = xcalloc((size_t)(s->nfields ? s->nfields : 1), sizeof(struct column));
	for (int i = 0; i < s->nfields; i++) {
		struct column *c = &b->cols[i];
		c->type = s->fields[i].type;
		c->valid = xcalloc((cap + 7) / 8 + 1, 1);
		if (col_is_varwidth(c->type)) {
			c->offsets = xcalloc(cap + 1, sizeof(uint32_t));
			c->data_cap = 1024;
			c->data = xmalloc(c->data_cap);
		} else {
			c->v.raw = xcalloc(cap ? cap : 1, col_type_width(c->type));
		}
	}
	return b;
}

void batch_free(struct batch *b)
{
	if (!b)
		return;
	for (int i = 0; i < b->schema->nfields; i++) {
		free(b->cols[i].valid);
		free(b->cols[i].v.raw);
		free(b->cols[i].offsets);
		free(b->cols[i].data);
	}
	free(b->cols);
	free(b);
}

void batch_clear(struct batch *b)
{
	for (int i = 0; i < b->schema->nfields; i++) {
		struct column *c = &b->cols[i];
		memset(c->valid, 0, (b->cap + 7) / 8 + 1);
		c->data_len = 0;
		if (c->offsets)
			c->offsets[0] = 0;
	}
	b->nrows = 0;
}

void batch_abort_row(struct batch *b)
{
	if (b->nrows >= b->cap)
		return;
	for (int i = 0; i < b->schema->nfields; i++) {
		struct column *c = &b->cols[i];
		if (c->offsets)
			c->data_len = c->offsets[b->nrows];
		c->valid[b->nrows >> 3] &= (uint8_t)~(1u << (b->nrows & 7));
	}
}

static inline void mark(struct column *c, size_t row)
{
	c->valid[row >> 3] |= (uint8_t)(1u << (row & 7));
}

void batch_set_null(struct batch *b, int col)
{
	struct column *c = &b->cols[col];
	c->valid[b->nrows >> 3] &= (uint8_t)~(1u << (b->nrows & 7));
}

void batch_set_i32(struct batch *b, int col, int32_t v)
{
	b->cols[col].v.i32[b->nrows] = v;
	mark(&b->cols[col], b->nrows);
}

void batch_set_i64(struct batch *b, int col, int64_t v)
{
	b->cols[col].v.i64[b->nrows] = v;
	mark(&b->cols[col], b->nrows);
}

void batch_set_f32(struct batch *b, int col, float v)
{
	b->cols[col].v.f32[b->nrows] = v;
	mark(&b->cols[col], b->nrows);
}

void batch_set_f64(struct batch *b, int col, double v)
{
	b->cols[col].v.f64[b->nrows] = v;
	mark(&b->cols[col], b->nrows);
}

void batch_set_bool(struct batch *b, int col, bool v)
{
	b->cols[col].v.u8[b->nrows] = v;
	mark(&b->cols[col], b->nrows);
}

void batch_set_dec(struct batch *b, int col, __int128 v)
{
	b->cols[col].v.dec[b->nrows] = v;
	mark(&b->cols[col], b->nrows);
}

void batch_set_bytes(struct batch *b, int col, const void *p, size_t n)
{
	struct column *c = &b->cols[col];
	size_t need = c->data_len + n;
	if (need > UINT32_MAX)
		abort(); /* readers cap a batch's bytes well below 4 GiB */
	if (need > c->data_cap) {
		while (c->data_cap < need)
			c->data_cap *= 2;
		c->data = xrealloc(c->data, c->data_cap);
	}
	memcpy(c->data + c->data_len, p, n);
	c->data_len = need;
	mark(c, b->nrows);
}

void batch_finish_row(struct batch *b)
{
	for (int i = 0; i < b->schema->nfields; i++) {
		struct column *c = &b->cols[i];
		if (c->offsets)
			c->offsets[b->nrows + 1] = (uint32_t)c->data_len;
	}
	b->nrows++;
	if (b->nrows < b->cap) {
		/* The next row starts null everywhere until set. */
		for (int i = 0; i < b->schema->nfields; i++)
			b->cols[i].valid[b->nrows >> 3] &= (uint8_t)~(1u << (b->nrows & 7));
	}
}
