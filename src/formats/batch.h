/* batch.h — the columnar batch every reader produces and every writer and
 * loader consumes.
 *
 * A batch holds up to `cap` rows of a schema, column by column. Memory stays
 * bounded whatever the file size because readers fill one batch at a time
 * (BATCH_ROWS by default) and consumers drain it before the next.
 *
 * Invariants:
 *  1. Every column has exactly batch->nrows values after batch_finish_row()
 *     or a reader's fill; a value is present iff its validity bit is set.
 *  2. Fixed-width values live in `v` (one slot per row, also for nulls);
 *     variable-width values (STRING, BINARY, JSON) live in `data`, row i
 *     spanning offsets[i] .. offsets[i+1] (offsets has nrows+1 entries).
 *  3. A schema is immutable once a batch refers to it; batches never own it.
 */
#ifndef NUAGE_FORMATS_BATCH_H
#define NUAGE_FORMATS_BATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BATCH_ROWS 65536

enum col_type {
	COL_BOOL,      /* v.u8: 0 or 1 */
	COL_INT32,     /* v.i32 (also INT8/INT16/UINT8/UINT16 after widening) */
	COL_INT64,     /* v.i64 (also UINT32; UINT64 keeps its bits, see `is_unsigned`) */
	COL_FLOAT,     /* v.f32 (FLOAT16 widened) */
	COL_DOUBLE,    /* v.f64 */
	COL_DECIMAL,   /* v.dec: unscaled value, 128-bit two's complement; precision, scale */
	COL_STRING,    /* UTF-8 bytes in data/offsets */
	COL_BINARY,    /* bytes in data/offsets */
	COL_DATE,      /* v.i32: days since 1970-01-01 */
	COL_TIMESTAMP, /* v.i64: since the epoch in `unit`; `utc` says whether it is instant (tz) or local */
	COL_TIME,      /* v.i64: since midnight in `unit` */
	COL_JSON,      /* nested values (lists, structs, maps) as JSON text in data/offsets */
};

enum ts_unit { TS_MILLIS, TS_MICROS, TS_NANOS, TS_SECONDS };

struct field {
	char *name;
	enum col_type type;
	bool nullable;
	bool is_unsigned;   /* integer columns read from unsigned logical types */
	bool utc;           /* COL_TIMESTAMP: adjusted to UTC (timestamptz) */
	enum ts_unit unit;  /* COL_TIMESTAMP, COL_TIME */
	int precision;      /* COL_DECIMAL */
	int scale;          /* COL_DECIMAL */
};

struct schema {
	int nfields;
	struct field *fields;
};

struct column {
	enum col_type type;
	uint8_t *valid; /* bitmap, bit i (LSB first) set when row i is present */
	union {
		uint8_t *u8;
		int32_t *i32;
		int64_t *i64;
		float *f32;
		double *f64;
		__int128 *dec;
		void *raw;
	} v;
	uint32_t *offsets; /* variable-width types: nrows+1 entries */
	char *data;
	size_t data_len, data_cap;
};

struct batch {
	const struct schema *schema;
	size_t nrows, cap;
	struct column *cols;
};

/* Schemas: schema_new() returns an empty schema (caller frees with
 * schema_free); schema_add copies name. */
struct schema *schema_new(void);
struct field *schema_add(struct schema *s, const char *name, enum col_type type, bool nullable);
void schema_free(struct schema *s);
int schema_find(const struct schema *s, const char *name); /* index or -1 */
const char *col_type_name(enum col_type t);
/* Bytes per value in `v` for fixed-width types; 0 for variable-width. */
size_t col_type_width(enum col_type t);

/* Batches: allocated for `cap` rows; caller frees with batch_free. */
struct batch *batch_new(const struct schema *s, size_t cap);
void batch_free(struct batch *b);
void batch_clear(struct batch *b); /* nrows = 0, keeps memory */
/* Forgets whatever was set for row b->nrows (not yet finished): readers
 * call it when a row turns out bad half-way, so a batch holds whole rows. */
void batch_abort_row(struct batch *b);

static inline bool col_is_valid(const struct column *c, size_t row)
{
	return c->valid[row >> 3] >> (row & 7) & 1;
}
static inline bool col_is_varwidth(enum col_type t)
{
	return t == COL_STRING || t == COL_BINARY || t == COL_JSON;
}

/* Row-wise appends for readers that produce one row at a time: set each
 * column of row b->nrows (unset columns become null), then finish the row.
 * Variable-width setters copy the bytes. */
void batch_set_null(struct batch *b, int col);
void batch_set_i32(struct batch *b, int col, int32_t v);
void batch_set_i64(struct batch *b, int col, int64_t v);
void batch_set_f32(struct batch *b, int col, float v);
void batch_set_f64(struct batch *b, int col, double v);
void batch_set_bool(struct batch *b, int col, bool v);
void batch_set_dec(struct batch *b, int col, __int128 v);
void batch_set_bytes(struct batch *b, int col, const void *p, size_t n);
void batch_finish_row(struct batch *b);

/* The bytes of row `row` of a variable-width column. */
static inline const char *col_bytes(const struct column *c, size_t row, size_t *len)
{
	*len = c->offsets[row + 1] - c->offsets[row];
	return c->data + c->offsets[row];
}

#endif
