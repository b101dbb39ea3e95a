/* writer.c — the public Parquet writer (parquet.h): flat schemas, dictionary
 * encoding with PLAIN fallback, RLE definition levels, data pages v1 (or
 * v2), page compression, column-chunk statistics, footer.
 *
 * Layout of the work: each pq_writer_write() cuts the batch at row-group
 * boundaries; each column appends its slice to the current page (levels,
 * then dictionary indices or PLAIN bytes), cutting pages by size. A finished
 * page is compressed at once and kept in the column's chunk buffer; when the
 * row group ends, every column writes its dictionary page and data pages in
 * turn. So memory holds one row group's compressed pages (bounded by
 * row_group_bytes) plus one open page per column.
 *
 * Invariants:
 *  1. Bytes reach the sink strictly in file order, never rewritten.
 *  2. A dictionary is only ever appended to while its chunk's pages refer
 *     to it; past dict_max_bytes the column finishes its dictionary page and
 *     writes PLAIN pages for the rest of the chunk (and, as the data is
 *     evidently high-cardinality, for the rest of the file).
 *  3. After an error the writer is FAILED: only close/abort are allowed.
 */
#include "formats/parquet.h"
#include "formats/parquet/internal.h"
#include "core/mem.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define DEF_ROW_GROUP_ROWS ((size_t)1 << 20)
#define DEF_ROW_GROUP_BYTES ((size_t)128 << 20)
#define DEF_PAGE_BYTES ((size_t)1 << 20)
#define DEF_DICT_BYTES ((size_t)1 << 20)
#define MAX_PAGE_ROWS 100000
#define MAX_STAT_BYTES 1024
#define CHUNK_CAP ((size_t)2 << 30)

enum { K_BOOL, K_4, K_8, K_FIXED, K_VAR };
enum { S_I32, S_I64, S_U64, S_F32, S_F64, S_BYTES, S_BOOL, S_DEC };

struct dict {
	uint32_t *slots; /* entry index + 1; 0 empty */
	uint32_t *hashes;
	uint32_t *offs;  /* K_VAR: where entry i's bytes start in plain */
	size_t nslots, n, cap;
	struct buf plain; /* the dictionary page body */
};

struct wcol {
	const struct field *f;
	int phys, kind, sort;
	int32_t type_length;
	bool optional;
	bool use_dict;       /* this chunk still dictionary-encodes */
	bool fell_back;      /* gave up on dictionaries: high cardinality */
	struct dict d;
	/* open page */
	uint8_t *defs;
	uint32_t *idx;
	size_t page_rows, page_vals, page_cap, idx_cap;
	size_t dict_vals;    /* values dictionary-encoded in this chunk */
	struct buf vals;     /* PLAIN bytes of the open page */
	uint8_t bool_bits;   /* PLAIN booleans: bits pending in bool_byte */
	uint8_t bool_byte;
	bool page_dict;      /* the open page holds dictionary indices */
	/* the chunk */
	struct buf pages;    /* finished (compressed) data pages */
	int64_t num_values, nulls, unc_size;
	bool enc_plain, enc_dict;
	bool stats_on;       /* byte arrays on dictionary pages: see flush_chunk */
	bool has_stats;
	union pq_scalar mn, mx;
	struct buf mn_b, mx_b;
	/* scratch */
	uint8_t *phys_buf;
	size_t phys_cap;
};

struct pq_writer {
	pq_write_fn fn;
	void *ctx;
	int fd;
	struct schema *schema;
	struct pq_write_opts o;
	int codec;
	struct pq_codecs *codecs;
	int64_t offset;
	int ncols;
	struct wcol *cols;
	size_t rg_rows;
	int64_t total_rows;
	struct pq_row_group *rgs;
	int nrg, rg_cap;
	struct arena arena;
	struct buf page_buf, comp_buf, hdr_buf, lvl_buf;
	bool failed;
	char fail_msg[256];
};

int pq_codec_parse(const char *name, enum pq_codec *out)
{
	static const struct {
		const char *name;
		enum pq_codec c;
	} names[] = {{"none", PQ_CODEC_NONE},     {"uncompressed", PQ_CODEC_NONE}, {"snappy", PQ_CODEC_SNAPPY},
		     {"gzip", PQ_CODEC_GZIP},     {"zstd", PQ_CODEC_ZSTD},         {"lz4", PQ_CODEC_LZ4_RAW},
		     {"lz4_raw", PQ_CODEC_LZ4_RAW}};
	for (size_t i = 0; i < sizeof names / sizeof *names; i++)
		if (name && !strcasecmp(name, names[i].name)) {
			*out = names[i].c;
			return 0;
		}
	return -1;
}

static int wfail(struct pq_writer *w, struct fmt_error *err, const char *column, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int wfail(struct pq_writer *w, struct fmt_error *err, const char *column, const char *fmt, ...)
{
	va_list ap;
	w->failed = true;
	va_start(ap, fmt);
	vsnprintf(w->fail_msg, sizeof w->fail_msg, fmt, ap);
	va_end(ap);
	if (err) {
		memset(err, 0, sizeof *err);
		err->offset = w->offset;
		if (column)
			snprintf(err->column_name, sizeof err->column_name, "%s", column);
		snprintf(err->msg, sizeof err->msg, "%s", w->fail_msg);
	}
	return -1;
}

static int sink(struct pq_writer *w, const void *p, size_t n)
{
	if (n == 0)
		return 0;
	if (w->fn(w->ctx, p, n) < 0)
		return -1;
	w->offset += (int64_t)n;
	return 0;
}

static int fd_write(void *ctx, const void *p, size_t n)
{
	int fd = *(int *)ctx;
	const char *c = p;
	while (n > 0) {
		ssize_t k = write(fd, c, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		c += k;
		n -= (size_t)k;
	}
	return 0;
}

/* ---------------------------------------------------------------- schema */

static int decimal_bytes(int precision)
{
	/* Fewest bytes whose two's complement holds 10^precision - 1. */
	int n = 1;
	long double max = powl(10.0L, precision) - 1;
	while (powl(2.0L, 8 * n - 1) - 1 < max)
		n++;
	return n;
}

/* The Parquet schema element for a batch field, and how values travel. */
static void map_field(const struct field *f, struct pq_selem *e, struct wcol *c)
{
	memset(e, 0, sizeof *e);
	e->name = f->name;
	e->repetition = f->nullable ? PQ_OPTIONAL : PQ_REQUIRED;
	e->converted = PQC_NONE;
	c->kind = K_8;
	switch (f->type) {
	case COL_BOOL:
		e->type = PQ_BOOLEAN;
		c->kind = K_BOOL;
		c->sort = S_BOOL;
		break;
	case COL_INT32:
		e->type = PQ_INT32;
		c->kind = K_4;
		c->sort = S_I32;
		break;
	case COL_INT64:
		e->type = PQ_INT64;
		c->sort = f->is_unsigned ? S_U64 : S_I64;
		if (f->is_unsigned) {
			e->converted = PQC_UINT_64;
			e->logical = (struct pq_logical_type){.kind = PQL_INTEGER, .bit_width = 64, .is_signed = false};
		}
		break;
	case COL_FLOAT:
		e->type = PQ_FLOAT;
		c->kind = K_4;
		c->sort = S_F32;
		break;
	case COL_DOUBLE:
		e->type = PQ_DOUBLE;
		c->sort = S_F64;
		break;
	case COL_DECIMAL: {
		int p = f->precision < 1 ? 1 : f->precision > 38 ? 38 : f->precision;
		e->converted = PQC_DECIMAL;
		e->has_scale = e->has_precision = true;
		e->scale = f->scale;
		e->precision = p;
		e->logical = (struct pq_logical_type){.kind = PQL_DECIMAL, .scale = f->scale, .precision = p};
		c->sort = S_DEC;
		if (p <= 9) {
			e->type = PQ_INT32;
			c->kind = K_4;
		} else if (p <= 18) {
			e->type = PQ_INT64;
		} else {
			e->type = PQ_FIXED;
			e->type_length = decimal_bytes(p);
			c->kind = K_FIXED;
		}
		break;
	}
	case COL_STRING:
	case COL_JSON:
	case COL_BINARY:
		e->type = PQ_BYTE_ARRAY;
		c->kind = K_VAR;
		c->sort = S_BYTES;
		if (f->type == COL_STRING) {
			e->converted = PQC_UTF8;
			e->logical.kind = PQL_STRING;
		} else if (f->type == COL_JSON) {
			e->converted = PQC_JSON;
			e->logical.kind = PQL_JSON;
		}
		break;
	case COL_DATE:
		e->type = PQ_INT32;
		c->kind = K_4;
		c->sort = S_I32;
		e->converted = PQC_DATE;
		e->logical.kind = PQL_DATE;
		break;
	case COL_TIMESTAMP: {
		int unit = f->unit == TS_NANOS ? PQU_NANOS : f->unit == TS_MICROS ? PQU_MICROS : PQU_MILLIS;
		e->type = PQ_INT64;
		c->sort = S_I64;
		e->logical = (struct pq_logical_type){.kind = PQL_TIMESTAMP, .utc = f->utc, .unit = unit};
		if (f->utc && unit != PQU_NANOS)
			e->converted = unit == PQU_MILLIS ? PQC_TIMESTAMP_MILLIS : PQC_TIMESTAMP_MICROS;
		break;
	}
	case COL_TIME: {
		int unit = f->unit == TS_NANOS ? PQU_NANOS : f->unit == TS_MICROS ? PQU_MICROS : PQU_MILLIS;
		e->logical = (struct pq_logical_type){.kind = PQL_TIME, .utc = f->utc, .unit = unit};
		c->sort = S_I64; /* the batch holds int64 whatever the unit */
		if (unit == PQU_MILLIS) {
			e->type = PQ_INT32;
			c->kind = K_4;
			e->converted = PQC_TIME_MILLIS;
		} else {
			e->type = PQ_INT64;
			if (unit == PQU_MICROS)
				e->converted = PQC_TIME_MICROS;
		}
		break;
	}
	}
	c->phys = e->type;
	c->type_length = e->type_length;
	c->optional = f->nullable;
}

/* ---------------------------------------------------------------- dict */

static inline uint32_t hash_bytes(const uint8_t *p, size_t n)
{
	uint64_t h = 0x9e3779b97f4a7c15ull ^ n;
	while (n >= 8) {
		uint64_t v;
		memcpy(&v, p, 8);
		h = (h ^ v) * 0xff51afd7ed558ccdull;
		h ^= h >> 32;
		p += 8;
		n -= 8;
	}
	if (n) {
		uint64_t v = 0;
		memcpy(&v, p, n);
		h = (h ^ v) * 0xc4ceb9fe1a85ec53ull;
	}
	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ull;
	return (uint32_t)(h >> 32);
}

static void dict_reset(struct dict *d)
{
	if (d->slots)
		memset(d->slots, 0, d->nslots * sizeof *d->slots);
	d->n = 0;
	buf_reset(&d->plain);
}

static void dict_free(struct dict *d)
{
	free(d->slots);
	free(d->hashes);
	free(d->offs);
	buf_free(&d->plain);
	memset(d, 0, sizeof *d);
}

static void dict_grow(struct dict *d)
{
	size_t ns = d->nslots ? d->nslots * 2 : 1024;
	uint32_t *slots = xcalloc(ns, sizeof *slots);
	for (uint32_t i = 0; i < d->n; i++) {
		size_t s = d->hashes[i] & (ns - 1);
		while (slots[s])
			s = (s + 1) & (ns - 1);
		slots[s] = i + 1;
	}
	free(d->slots);
	d->slots = slots;
	d->nslots = ns;
}

/* Records a new entry whose bytes were just appended to d->plain. */
static inline uint32_t dict_add(struct dict *d, uint32_t h, size_t slot, uint32_t off)
{
	if (d->n == d->cap) {
		d->cap = d->cap ? d->cap * 2 : 1024;
		d->hashes = xrealloc(d->hashes, d->cap * sizeof *d->hashes);
		d->offs = xrealloc(d->offs, d->cap * sizeof *d->offs);
	}
	uint32_t i = (uint32_t)d->n++;
	d->hashes[i] = h;
	d->offs[i] = off;
	d->slots[slot] = i + 1;
	return i;
}

/* Fixed-width values are compared as integers of their width (bit for bit:
 * -0.0 and 0.0 stay apart, every NaN pattern is itself). */
#define DICT_PUT_FIXED(name, T)                                                        \
	static inline uint32_t name(struct dict *d, T v)                               \
	{                                                                              \
		if ((d->n + 1) * 2 > d->nslots)                                        \
			dict_grow(d);                                                  \
		uint32_t h = (uint32_t)(((uint64_t)v * 0x9e3779b97f4a7c15ull) >> 32);  \
		size_t mask = d->nslots - 1, s = h & mask;                             \
		const T *vals = (const T *)d->plain.data;                              \
		for (uint32_t e; (e = d->slots[s]); s = (s + 1) & mask)                \
			if (vals[e - 1] == v)                                          \
				return e - 1;                                          \
		if (buf_add(&d->plain, &v, sizeof v))                                  \
			return UINT32_MAX;                                             \
		return dict_add(d, h, s, 0);                                           \
	}
DICT_PUT_FIXED(dict_put32, uint32_t)
DICT_PUT_FIXED(dict_put64, uint64_t)

/* Any other value: byte arrays (length-prefixed in plain, as the PLAIN
 * dictionary page wants) and fixed-length decimals. */
static inline uint32_t dict_put_bytes(struct dict *d, bool prefixed, const uint8_t *p, size_t n)
{
	if ((d->n + 1) * 2 > d->nslots)
		dict_grow(d);
	uint32_t h = hash_bytes(p, n);
	size_t mask = d->nslots - 1, s = h & mask;
	for (uint32_t e; (e = d->slots[s]); s = (s + 1) & mask) {
		if (d->hashes[e - 1] != h)
			continue;
		const char *q = d->plain.data + d->offs[e - 1];
		uint32_t len = (uint32_t)n;
		if (prefixed)
			memcpy(&len, q - 4, 4);
		if (len == n && !memcmp(q, p, n))
			return e - 1;
	}
	uint32_t l = (uint32_t)n;
	if (d->plain.len + n + 4 > UINT32_MAX || (prefixed && buf_add(&d->plain, &l, 4)) || buf_add(&d->plain, p, n))
		return UINT32_MAX;
	return dict_add(d, h, s, (uint32_t)(d->plain.len - n));
}

/* ---------------------------------------------------------------- stats */

static int cmp_bytes(const void *a, size_t al, const void *b, size_t bl)
{
	int c = memcmp(a, b, al < bl ? al : bl);
	return c ? c : (al > bl) - (al < bl);
}

static void stats_bytes(struct wcol *c, const char *p, size_t n)
{
	if (!c->has_stats || cmp_bytes(p, n, c->mn_b.data, c->mn_b.len) < 0) {
		buf_reset(&c->mn_b);
		buf_add(&c->mn_b, p, n);
	}
	if (!c->has_stats || cmp_bytes(p, n, c->mx_b.data, c->mx_b.len) > 0) {
		buf_reset(&c->mx_b);
		buf_add(&c->mx_b, p, n);
	}
	c->has_stats = true;
}

/* min/max over the present values (defs[i] set) of rows [from, from + k). */
static void update_stats(struct wcol *c, const struct column *col, size_t from, size_t k, const uint8_t *defs)
{
	/* Locals, not the struct, in the loops: the compiler keeps them in
	 * registers. */
#define MINMAX(field, T, skip)                                                \
	do {                                                                  \
		bool has = c->has_stats;                                      \
		T mn = (T)c->mn.field, mx = (T)c->mx.field;                   \
		const T *vals = (const T *)col->v.field + from;               \
		for (size_t i = 0; i < k; i++) {                              \
			if (!defs[i])                                         \
				continue;                                     \
			T v = vals[i];                                        \
			if (skip)                                             \
				continue;                                     \
			if (!has) {                                           \
				mn = mx = v;                                  \
				has = true;                                   \
			}                                                     \
			mn = v < mn ? v : mn;                                 \
			mx = v > mx ? v : mx;                                 \
		}                                                             \
		c->has_stats = has;                                           \
		memcpy(&c->mn.field, &mn, sizeof mn);                         \
		memcpy(&c->mx.field, &mx, sizeof mx);                         \
	} while (0)
	switch (c->sort) {
	case S_BOOL:
		for (size_t i = 0; i < k; i++) {
			if (!defs[i])
				continue;
			bool v = col->v.u8[from + i] != 0;
			if (!c->has_stats)
				c->mn.b = c->mx.b = v, c->has_stats = true;
			c->mn.b = c->mn.b && v;
			c->mx.b = c->mx.b || v;
		}
		break;
	case S_I32:
		MINMAX(i32, int32_t, false);
		break;
	case S_I64:
		MINMAX(i64, int64_t, false);
		break;
	case S_U64:
		MINMAX(i64, uint64_t, false);
		break;
	case S_F32:
		MINMAX(f32, float, isnan(v));
		break;
	case S_F64:
		MINMAX(f64, double, isnan(v));
		break;
	case S_DEC:
		MINMAX(dec, __int128, false);
		break;
	case S_BYTES:
		for (size_t i = 0; i < k; i++) {
			if (!defs[i])
				continue;
			size_t n;
			const char *p = col_bytes(col, from + i, &n);
			stats_bytes(c, p, n);
		}
		break;
	}
#undef MINMAX
}

/* ---------------------------------------------------------------- values */

/* The physical fixed-width bytes of rows [from, from + k) of col (all rows,
 * nulls included), in c->phys_buf or straight from the batch. */
static const uint8_t *phys_values(struct wcol *c, const struct column *col, size_t from, size_t k, size_t *w)
{
	const struct field *f = c->f;
	*w = c->kind == K_4 ? 4 : c->kind == K_8 ? 8 : c->kind == K_BOOL ? 1 : (size_t)c->type_length;
	bool seconds = (f->type == COL_TIMESTAMP || f->type == COL_TIME) && f->unit == TS_SECONDS;
	bool time32 = f->type == COL_TIME && c->phys == PQ_INT32;
	if (f->type != COL_DECIMAL && !seconds && !time32)
		return (const uint8_t *)col->v.raw + from * *w;
	size_t need = k * *w;
	if (need > c->phys_cap) {
		c->phys_buf = xrealloc(c->phys_buf, need);
		c->phys_cap = need;
	}
	uint8_t *o = c->phys_buf;
	for (size_t i = 0; i < k; i++) {
		size_t r = from + i;
		if (f->type == COL_DECIMAL) {
			__int128 v = col->v.dec[r];
			if (*w == 4) {
				int32_t x = (int32_t)v;
				memcpy(o + 4 * i, &x, 4);
			} else if (*w == 8) {
				int64_t x = (int64_t)v;
				memcpy(o + 8 * i, &x, 8);
			} else {
				unsigned __int128 u = (unsigned __int128)v;
				for (size_t b = 0; b < *w; b++) {
					size_t sh = 8 * (*w - 1 - b);
					o[i * *w + b] = sh < 128 ? (uint8_t)(u >> sh) : (v < 0 ? 0xff : 0);
				}
			}
		} else if (time32) {
			int64_t v = col->v.i64[r] * (seconds ? 1000 : 1);
			int32_t x = (int32_t)v;
			memcpy(o + 4 * i, &x, 4);
		} else {
			int64_t v = (int64_t)((uint64_t)col->v.i64[r] * 1000u);
			memcpy(o + 8 * i, &v, 8);
		}
	}
	return o;
}

static void page_room(struct wcol *c, size_t rows)
{
	if (c->page_rows + rows > c->page_cap) {
		size_t cap = c->page_cap ? c->page_cap : 1024;
		while (cap < c->page_rows + rows)
			cap *= 2;
		c->defs = xrealloc(c->defs, cap);
		c->page_cap = cap;
	}
	if (c->page_dict && c->page_vals + rows > c->idx_cap) {
		size_t cap = c->idx_cap ? c->idx_cap : 1024;
		while (cap < c->page_vals + rows)
			cap *= 2;
		c->idx = xrealloc(c->idx, cap * sizeof *c->idx);
		c->idx_cap = cap;
	}
}

static int put_plain(struct wcol *c, const void *p, size_t n)
{
	return buf_add(&c->vals, p, n);
}

/* Appends rows [from, from + k) of col to the open page. */
static int append_rows(struct wcol *c, const struct column *col, size_t from, size_t k)
{
	page_room(c, k);
	uint8_t *defs = c->defs + c->page_rows;
	size_t nn = 0, r = 0;
	/* Whole validity bytes at a time where the slice is aligned. */
	for (; r < k && ((from + r) & 7); r++)
		nn += defs[r] = col_is_valid(col, from + r);
	for (; r + 8 <= k; r += 8) {
		uint8_t v = col->valid[(from + r) >> 3];
		if (v == 0xff) {
			memset(defs + r, 1, 8);
			nn += 8;
		} else {
			for (int b = 0; b < 8; b++)
				nn += defs[r + b] = v >> b & 1;
		}
	}
	for (; r < k; r++)
		nn += defs[r] = col_is_valid(col, from + r);
	if (!c->optional && nn != k)
		return -2;
	if (c->stats_on && !(c->sort == S_BYTES && c->page_dict))
		update_stats(c, col, from, k, defs);
	c->nulls += (int64_t)(k - nn);
	uint32_t *idx = c->idx + c->page_vals, bad = 0;
	size_t j = 0;
	if (c->kind == K_VAR) {
		if (c->page_dict) {
			for (size_t i = 0; i < k; i++) {
				if (!defs[i])
					continue;
				size_t n;
				const char *p = col_bytes(col, from + i, &n);
				idx[j] = dict_put_bytes(&c->d, true, (const uint8_t *)p, n);
				bad |= idx[j++] == UINT32_MAX;
			}
		} else {
			/* One reserve for the slice, then straight copies. */
			size_t total = 0;
			for (size_t i = 0; i < k; i++)
				if (defs[i])
					total += col->offsets[from + i + 1] - col->offsets[from + i] + 4;
			if (buf_reserve(&c->vals, total))
				return -1;
			char *o = c->vals.data + c->vals.len;
			for (size_t i = 0; i < k; i++) {
				if (!defs[i])
					continue;
				size_t n;
				const char *p = col_bytes(col, from + i, &n);
				uint32_t l = (uint32_t)n;
				memcpy(o, &l, 4);
				memcpy(o + 4, p, n);
				o += 4 + n;
			}
			c->vals.len += total;
			c->vals.data[c->vals.len] = 0;
			j = nn;
		}
	} else if (c->kind == K_BOOL) {
		for (size_t i = 0; i < k; i++) {
			if (!defs[i])
				continue;
			c->bool_byte |= (uint8_t)((col->v.u8[from + i] != 0) << c->bool_bits);
			if (++c->bool_bits == 8) {
				if (put_plain(c, &c->bool_byte, 1))
					return -1;
				c->bool_bits = 0;
				c->bool_byte = 0;
			}
		}
		j = nn;
	} else {
		size_t w;
		const uint8_t *p = phys_values(c, col, from, k, &w);
		if (c->page_dict && w == 8) {
			for (size_t i = 0; i < k; i++)
				if (defs[i]) {
					uint64_t v;
					memcpy(&v, p + 8 * i, 8);
					idx[j] = dict_put64(&c->d, v);
					bad |= idx[j++] == UINT32_MAX;
				}
		} else if (c->page_dict && w == 4) {
			for (size_t i = 0; i < k; i++)
				if (defs[i]) {
					uint32_t v;
					memcpy(&v, p + 4 * i, 4);
					idx[j] = dict_put32(&c->d, v);
					bad |= idx[j++] == UINT32_MAX;
				}
		} else if (c->page_dict) {
			for (size_t i = 0; i < k; i++)
				if (defs[i]) {
					idx[j] = dict_put_bytes(&c->d, false, p + i * w, w);
					bad |= idx[j++] == UINT32_MAX;
				}
		} else if (nn == k) {
			if (put_plain(c, p, k * w))
				return -1;
			j = k;
		} else {
			if (buf_reserve(&c->vals, nn * w))
				return -1;
			char *o = c->vals.data + c->vals.len;
			for (size_t i = 0; i < k; i++)
				if (defs[i]) {
					memcpy(o, p + i * w, w);
					o += w;
				}
			c->vals.len += nn * w;
			c->vals.data[c->vals.len] = 0;
			j = nn;
		}
	}
	if (bad)
		return -1;
	c->page_vals += j;
	c->dict_vals += c->page_dict ? j : 0;
	c->page_rows += k;
	c->num_values += (int64_t)k;
	return 0;
}

/* ---------------------------------------------------------------- pages */

static size_t page_estimate(const struct wcol *c)
{
	if (c->page_dict) {
		int bw = pq_bit_width(c->d.n ? c->d.n - 1 : 0);
		return c->page_vals * (size_t)bw / 8 + c->page_rows / 8;
	}
	return c->vals.len + c->page_rows / 8;
}

/* Compresses body into w->comp_buf; returns its length or -1. */
static int compress_body(struct pq_writer *w, const struct buf *body, size_t *out)
{
	size_t bound = pq_compress_bound(w->codec, body->len);
	buf_reset(&w->comp_buf);
	if (buf_reserve(&w->comp_buf, bound + 1))
		return -1;
	if (pq_compress(w->codecs, w->codec, w->o.level, (const uint8_t *)body->data, body->len,
			(uint8_t *)w->comp_buf.data, bound, out))
		return -1;
	w->comp_buf.len = *out;
	return 0;
}

/* Finishes the open page into the column's chunk buffer. */
static int flush_page(struct pq_writer *w, struct wcol *c)
{
	if (c->page_rows == 0)
		return 0;
	struct buf *levels = &w->lvl_buf, *body = &w->page_buf;
	buf_reset(levels);
	buf_reset(body);
	if (c->optional && rle_encode_u8(levels, c->defs, c->page_rows, 1))
		return -1;
	int enc = PQE_PLAIN;
	if (!w->o.page_v2 && c->optional) {
		/* v1: levels travel inside the compressed page, length first. */
		uint32_t l = (uint32_t)levels->len;
		if (buf_add(body, &l, 4) || buf_add(body, levels->data, levels->len))
			return -1;
	}
	if (c->page_dict) {
		int bw = pq_bit_width(c->d.n ? c->d.n - 1 : 0);
		uint8_t b = (uint8_t)bw;
		if (buf_add(body, &b, 1) || rle_encode_u32(body, c->idx, c->page_vals, bw))
			return -1;
		enc = PQE_RLE_DICTIONARY;
		c->enc_dict = true;
	} else {
		if (c->kind == K_BOOL && c->bool_bits) {
			if (put_plain(c, &c->bool_byte, 1))
				return -1;
			c->bool_bits = 0;
			c->bool_byte = 0;
		}
		if (buf_add(body, c->vals.data, c->vals.len))
			return -1;
		c->enc_plain = true;
	}
	size_t comp_len = 0;
	if (compress_body(w, body, &comp_len))
		return -1;
	struct pq_page_header h = {0};
	h.num_values = (int32_t)c->page_rows;
	h.encoding = enc;
	if (w->o.page_v2) {
		h.type = PQP_DATA_V2;
		h.num_nulls = (int32_t)(c->page_rows - c->page_vals);
		h.num_rows = (int32_t)c->page_rows;
		h.def_len = (int32_t)levels->len;
		h.is_compressed = w->codec != PQZ_NONE;
		h.uncompressed_size = (int32_t)(levels->len + body->len);
		h.compressed_size = (int32_t)(levels->len + comp_len);
	} else {
		h.type = PQP_DATA;
		h.def_encoding = PQE_RLE;
		h.rep_encoding = PQE_RLE;
		h.uncompressed_size = (int32_t)body->len;
		h.compressed_size = (int32_t)comp_len;
	}
	struct buf *hdr = &w->hdr_buf;
	buf_reset(hdr);
	int rc = pq_page_header_write(hdr, &h) || buf_add(&c->pages, hdr->data, hdr->len) ? -1 : 0;
	if (!rc && w->o.page_v2)
		rc = buf_add(&c->pages, levels->data, levels->len);
	if (!rc)
		rc = buf_add(&c->pages, w->comp_buf.data, comp_len);
	c->unc_size += (int64_t)hdr->len + h.uncompressed_size;
	c->page_rows = c->page_vals = 0;
	buf_reset(&c->vals);
	return rc;
}

/* Gives up on the dictionary for the rest of the chunk. */
static int fall_back(struct pq_writer *w, struct wcol *c)
{
	if (flush_page(w, c))
		return -1;
	c->use_dict = false;
	c->page_dict = false;
	c->fell_back = true;
	return 0;
}

/* ---------------------------------------------------------------- chunks */

static void plain_stat(struct wcol *c, const union pq_scalar *v, const struct buf *b, bool is_min, struct buf *out)
{
	buf_reset(out);
	switch (c->sort) {
	case S_BOOL: {
		uint8_t x = v->b;
		buf_add(out, &x, 1);
		break;
	}
	case S_I32:
		buf_add(out, &v->i32, 4);
		break;
	case S_I64:
	case S_U64: {
		int64_t x = v->i64;
		if (c->f->unit == TS_SECONDS && (c->f->type == COL_TIMESTAMP || c->f->type == COL_TIME))
			x = (int64_t)((uint64_t)x * 1000u);
		if (c->phys == PQ_INT32) {
			int32_t y = (int32_t)x;
			buf_add(out, &y, 4);
		} else {
			buf_add(out, &x, 8);
		}
		break;
	}
	/* The spec asks for -0.0 as a zero minimum and +0.0 as a zero
	 * maximum, whichever zero the data held, so pruning stays safe. */
	case S_F32: {
		float x = v->f32 == 0.0f ? (is_min ? -0.0f : 0.0f) : v->f32;
		buf_add(out, &x, 4);
		break;
	}
	case S_F64: {
		double x = v->f64 == 0.0 ? (is_min ? -0.0 : 0.0) : v->f64;
		buf_add(out, &x, 8);
		break;
	}
	case S_DEC: {
		struct column col = {.type = COL_DECIMAL};
		__int128 d = v->dec;
		uint8_t valid = 1;
		col.v.dec = &d;
		col.valid = &valid;
		size_t w;
		const uint8_t *p = phys_values(c, &col, 0, 1, &w);
		buf_add(out, p, w);
		break;
	}
	case S_BYTES:
		buf_add(out, b->data, b->len);
		break;
	}
}

static int flush_chunk(struct pq_writer *w, struct wcol *c, struct pq_column_meta *m)
{
	if (flush_page(w, c))
		return -1;
	memset(m, 0, sizeof *m);
	m->type = c->phys;
	m->codec = w->codec;
	m->num_values = c->num_values;
	int64_t unc = c->unc_size, comp = 0;
	if (c->d.n > 0 && c->enc_dict) {
		struct buf body = {0};
		size_t comp_len;
		buf_init(&body, CHUNK_CAP);
		if (buf_add(&body, c->d.plain.data, c->d.plain.len) || compress_body(w, &body, &comp_len)) {
			buf_free(&body);
			return -1;
		}
		struct pq_page_header h = {.type = PQP_DICTIONARY,
					   .uncompressed_size = (int32_t)body.len,
					   .compressed_size = (int32_t)comp_len,
					   .num_values = (int32_t)c->d.n,
					   .encoding = PQE_PLAIN};
		struct buf hdr;
		buf_init(&hdr, 4096);
		int rc = pq_page_header_write(&hdr, &h);
		m->has_dictionary_page_offset = true;
		m->dictionary_page_offset = w->offset;
		if (!rc)
			rc = sink(w, hdr.data, hdr.len) || sink(w, w->comp_buf.data, comp_len) ? -2 : 0;
		unc += (int64_t)(hdr.len + body.len);
		comp += (int64_t)(hdr.len + comp_len);
		buf_free(&hdr);
		buf_free(&body);
		if (rc)
			return rc;
	}
	m->data_page_offset = w->offset;
	if (sink(w, c->pages.data, c->pages.len))
		return -2;
	comp += (int64_t)c->pages.len;
	m->total_uncompressed_size = unc;
	m->total_compressed_size = comp;
	if (!w->o.no_statistics && c->sort == S_BYTES) {
		/* The dictionary-encoded values' share of min/max. */
		for (uint32_t i = 0; i < c->d.n; i++) {
			uint32_t len;
			memcpy(&len, c->d.plain.data + c->d.offs[i] - 4, 4);
			stats_bytes(c, c->d.plain.data + c->d.offs[i], len);
		}
	}
	if (!w->o.no_statistics) {
		m->has_statistics = true;
		struct pq_statistics *s = &m->stats;
		s->has_null_count = true;
		s->null_count = c->nulls;
		bool small = c->sort != S_BYTES || (c->mn_b.len <= MAX_STAT_BYTES && c->mx_b.len <= MAX_STAT_BYTES);
		if (c->has_stats && small) {
			struct buf mn, mx;
			buf_init(&mn, CHUNK_CAP);
			buf_init(&mx, CHUNK_CAP);
			plain_stat(c, &c->mn, &c->mn_b, true, &mn);
			plain_stat(c, &c->mx, &c->mx_b, false, &mx);
			s->min_value = arena_alloc(&w->arena, mn.len + 1);
			s->max_value = arena_alloc(&w->arena, mx.len + 1);
			memcpy((void *)s->min_value, mn.data ? mn.data : "", mn.len);
			memcpy((void *)s->max_value, mx.data ? mx.data : "", mx.len);
			s->min_value_len = (uint32_t)mn.len;
			s->max_value_len = (uint32_t)mx.len;
			s->has_min_value = s->has_max_value = true;
			buf_free(&mn);
			buf_free(&mx);
		}
	}
	/* Reset for the next chunk. */
	buf_reset(&c->pages);
	c->num_values = c->nulls = c->unc_size = 0;
	c->dict_vals = 0;
	c->has_stats = false;
	c->enc_plain = c->enc_dict = false;
	dict_reset(&c->d);
	c->use_dict = !w->o.no_dictionary && c->kind != K_BOOL && !c->fell_back;
	c->page_dict = c->use_dict;
	return 0;
}

static int flush_row_group(struct pq_writer *w, struct fmt_error *err)
{
	if (w->rg_rows == 0)
		return 0;
	if (w->nrg == w->rg_cap) {
		w->rg_cap = w->rg_cap ? w->rg_cap * 2 : 8;
		w->rgs = xrealloc(w->rgs, sizeof *w->rgs * (size_t)w->rg_cap);
	}
	struct pq_row_group *g = &w->rgs[w->nrg];
	memset(g, 0, sizeof *g);
	g->num_rows = (int64_t)w->rg_rows;
	g->cols = arena_zalloc(&w->arena, sizeof *g->cols * (size_t)(w->ncols ? w->ncols : 1));
	for (int i = 0; i < w->ncols; i++) {
		int rc = flush_chunk(w, &w->cols[i], &g->cols[i]);
		if (rc == -2)
			return wfail(w, err, NULL, "writing the file failed");
		if (rc)
			return wfail(w, err, w->cols[i].f->name, "column \"%s\": a page or chunk is too large",
				     w->cols[i].f->name);
		g->total_byte_size += g->cols[i].total_uncompressed_size;
	}
	w->nrg++;
	w->rg_rows = 0;
	return 0;
}

static size_t row_group_bytes(const struct pq_writer *w)
{
	size_t n = 0;
	for (int i = 0; i < w->ncols; i++)
		n += w->cols[i].pages.len + page_estimate(&w->cols[i]) + w->cols[i].d.plain.len;
	return n;
}

/* ---------------------------------------------------------------- api */

static int codec_id(enum pq_codec c)
{
	switch (c) {
	case PQ_CODEC_NONE:
		return PQZ_NONE;
	case PQ_CODEC_GZIP:
		return PQZ_GZIP;
	case PQ_CODEC_ZSTD:
		return PQZ_ZSTD;
	case PQ_CODEC_LZ4_RAW:
		return PQZ_LZ4_RAW;
	default:
		return PQZ_SNAPPY;
	}
}

/* A writer (not yet started) sending to fn(ctx) or, with fn NULL, to fd. */
static struct pq_writer *writer_new(const struct schema *s, const struct pq_write_opts *opts, pq_write_fn fn,
				    void *ctx, int fd)
{
	struct pq_writer *w = xcalloc(1, sizeof *w);
	struct pq_write_opts none = {0};
	w->fn = fn ? fn : fd_write;
	w->fd = fd;
	w->ctx = fn ? ctx : &w->fd;
	w->o = opts ? *opts : none;
	if (!w->o.row_group_rows)
		w->o.row_group_rows = DEF_ROW_GROUP_ROWS;
	if (!w->o.row_group_bytes)
		w->o.row_group_bytes = DEF_ROW_GROUP_BYTES;
	if (!w->o.page_bytes)
		w->o.page_bytes = DEF_PAGE_BYTES;
	if (!w->o.dict_max_bytes)
		w->o.dict_max_bytes = DEF_DICT_BYTES;
	w->codec = codec_id(w->o.codec);
	w->codecs = pq_codecs_new();
	arena_init(&w->arena);
	buf_init(&w->page_buf, CHUNK_CAP);
	buf_init(&w->comp_buf, CHUNK_CAP);
	buf_init(&w->hdr_buf, CHUNK_CAP);
	buf_init(&w->lvl_buf, CHUNK_CAP);
	/* Own copies of the schema and the key-value strings. */
	w->schema = schema_new();
	for (int i = 0; i < s->nfields; i++) {
		struct field *f = schema_add(w->schema, s->fields[i].name, s->fields[i].type, s->fields[i].nullable);
		char *name = f->name;
		*f = s->fields[i];
		f->name = name;
	}
	if (w->o.nkv > 0) {
		const char **k = arena_alloc(&w->arena, sizeof(char *) * (size_t)w->o.nkv);
		const char **v = arena_alloc(&w->arena, sizeof(char *) * (size_t)w->o.nkv);
		for (int i = 0; i < w->o.nkv; i++) {
			k[i] = arena_strdup(&w->arena, opts->kv_keys[i] ? opts->kv_keys[i] : "");
			v[i] = opts->kv_values && opts->kv_values[i] ? arena_strdup(&w->arena, opts->kv_values[i]) : NULL;
		}
		w->o.kv_keys = k;
		w->o.kv_values = v;
	}
	w->ncols = s->nfields;
	w->cols = xcalloc((size_t)(w->ncols ? w->ncols : 1), sizeof *w->cols);
	for (int i = 0; i < w->ncols; i++) {
		struct wcol *c = &w->cols[i];
		struct pq_selem e;
		c->f = &w->schema->fields[i];
		map_field(c->f, &e, c);
		buf_init(&c->vals, CHUNK_CAP);
		buf_init(&c->pages, CHUNK_CAP);
		buf_init(&c->d.plain, CHUNK_CAP);
		buf_init(&c->mn_b, CHUNK_CAP);
		buf_init(&c->mx_b, CHUNK_CAP);
		c->use_dict = c->page_dict = !w->o.no_dictionary && c->kind != K_BOOL;
		c->stats_on = !w->o.no_statistics;
	}
	return w;
}

/* Checks the schema and writes the leading magic; frees w on failure. */
static int writer_start(struct pq_writer *w, struct pq_writer **out, struct fmt_error *err)
{
	*out = NULL;
	if (w->ncols == 0) {
		pq_writer_abort(w);
		if (err) {
			memset(err, 0, sizeof *err);
			snprintf(err->msg, sizeof err->msg, "a Parquet file needs at least one column");
		}
		return -1;
	}
	if (sink(w, "PAR1", 4)) {
		pq_writer_abort(w);
		if (err) {
			memset(err, 0, sizeof *err);
			snprintf(err->msg, sizeof err->msg, "writing the file failed");
		}
		return -1;
	}
	*out = w;
	return 0;
}

int pq_writer_open(struct pq_writer **out, const struct schema *s, const struct pq_write_opts *opts, pq_write_fn fn,
		   void *ctx, struct fmt_error *err)
{
	return writer_start(writer_new(s, opts, fn, ctx, -1), out, err);
}

int pq_writer_open_fd(struct pq_writer **out, const struct schema *s, const struct pq_write_opts *opts, int fd,
		      struct fmt_error *err)
{
	return writer_start(writer_new(s, opts, NULL, NULL, fd), out, err);
}

int64_t pq_writer_rows(const struct pq_writer *w)
{
	return w->total_rows + (int64_t)w->rg_rows;
}

/* Appends rows [from, from + k) of every column, cutting pages. */
static int append_slice(struct pq_writer *w, const struct batch *b, size_t from, size_t k, struct fmt_error *err)
{
	for (int i = 0; i < w->ncols; i++) {
		struct wcol *c = &w->cols[i];
		const struct column *col = &b->cols[i];
		size_t done = 0;
		while (done < k) {
			/* Slices small enough to cut pages near their target size. */
			size_t n = k - done < 4096 ? k - done : 4096;
			if (c->page_rows + n > MAX_PAGE_ROWS)
				n = MAX_PAGE_ROWS - c->page_rows;
			int rc = append_rows(c, col, from + done, n);
			if (rc == -2)
				return wfail(w, err, c->f->name, "column \"%s\" is declared NOT NULL but has a null value",
					     c->f->name);
			if (rc)
				return wfail(w, err, c->f->name, "column \"%s\": page too large", c->f->name);
			done += n;
			/* Past the size limit, or nearly all distinct after a fair
			 * sample: a dictionary would only cost time. */
			bool unique = c->dict_vals >= 32768 && c->d.n * 10 > c->dict_vals * 9;
			if (c->use_dict && (c->d.plain.len > w->o.dict_max_bytes || unique) && fall_back(w, c))
				return wfail(w, err, c->f->name, "column \"%s\": page too large", c->f->name);
			if ((page_estimate(c) >= w->o.page_bytes || c->page_rows >= MAX_PAGE_ROWS) && flush_page(w, c))
				return wfail(w, err, c->f->name, "column \"%s\": page too large", c->f->name);
		}
	}
	return 0;
}

int pq_writer_write(struct pq_writer *w, const struct batch *b, struct fmt_error *err)
{
	if (w->failed)
		return wfail(w, err, NULL, "writer already failed: %s", w->fail_msg);
	if (!pq_same_types(b->schema, w->schema))
		return wfail(w, err, NULL, "batch schema does not match the writer's");
	size_t from = 0;
	while (from < b->nrows) {
		size_t k = b->nrows - from;
		if (k > w->o.row_group_rows - w->rg_rows)
			k = w->o.row_group_rows - w->rg_rows;
		if (append_slice(w, b, from, k, err))
			return -1;
		w->rg_rows += k;
		from += k;
		if ((w->rg_rows >= w->o.row_group_rows || row_group_bytes(w) >= w->o.row_group_bytes)) {
			size_t rows = w->rg_rows;
			if (flush_row_group(w, err))
				return -1;
			w->total_rows += (int64_t)rows;
		}
	}
	return 0;
}

static void free_writer(struct pq_writer *w)
{
	for (int i = 0; i < w->ncols; i++) {
		struct wcol *c = &w->cols[i];
		dict_free(&c->d);
		free(c->defs);
		free(c->idx);
		free(c->phys_buf);
		buf_free(&c->vals);
		buf_free(&c->pages);
		buf_free(&c->mn_b);
		buf_free(&c->mx_b);
	}
	free(w->cols);
	free(w->rgs);
	buf_free(&w->page_buf);
	buf_free(&w->comp_buf);
	buf_free(&w->hdr_buf);
	buf_free(&w->lvl_buf);
	pq_codecs_free(w->codecs);
	schema_free(w->schema);
	arena_free(&w->arena);
	free(w);
}

void pq_writer_abort(struct pq_writer *w)
{
	if (w)
		free_writer(w);
}

int pq_writer_close(struct pq_writer *w, struct fmt_error *err)
{
	int rc = -1;
	if (w->failed) {
		wfail(w, err, NULL, "writer already failed: %s", w->fail_msg);
		goto out;
	}
	size_t rows = w->rg_rows;
	if (flush_row_group(w, err))
		goto out;
	w->total_rows += (int64_t)rows;

	struct pq_file_meta m = {0};
	char created_by[64];
	snprintf(created_by, sizeof created_by, "nuage version %s", NUAGE_VERSION);
	m.version = 2;
	m.num_rows = w->total_rows;
	m.nrow_groups = w->nrg;
	m.row_groups = w->rgs;
	m.ncols_leaf = w->ncols;
	m.nkv = w->o.nkv > 0 ? w->o.nkv : 0;
	m.kv_keys = (char **)w->o.kv_keys;
	m.kv_values = (char **)w->o.kv_values;
	m.created_by = created_by;
	m.nschema = w->ncols + 1;
	m.schema = arena_zalloc(&w->arena, sizeof *m.schema * (size_t)m.nschema);
	struct pq_meta_out_column *oc = arena_zalloc(&w->arena, sizeof *oc * (size_t)w->ncols);
	m.schema[0] = (struct pq_selem){.name = "schema", .type = -1, .repetition = -1,
					.num_children = w->ncols, .converted = PQC_NONE};
	for (int i = 0; i < w->ncols; i++) {
		struct wcol *c = &w->cols[i];
		struct wcol tmp = {0};
		map_field(c->f, &m.schema[i + 1], &tmp);
		oc[i].path = c->f->name;
		/* Levels are RLE; values PLAIN and/or RLE_DICTIONARY. Which pages
		 * used what is per chunk, so list all the writer may use. */
		oc[i].encodings[oc[i].nencodings++] = PQE_RLE;
		oc[i].encodings[oc[i].nencodings++] = PQE_PLAIN;
		if (c->kind != K_BOOL && !w->o.no_dictionary)
			oc[i].encodings[oc[i].nencodings++] = PQE_RLE_DICTIONARY;
	}
	struct buf footer;
	buf_init(&footer, (size_t)1 << 30);
	if (pq_meta_write(&footer, &m, oc)) {
		buf_free(&footer);
		wfail(w, err, NULL, "file metadata is too large");
		goto out;
	}
	uint32_t flen = (uint32_t)footer.len;
	if (sink(w, footer.data, footer.len) || sink(w, &flen, 4) || sink(w, "PAR1", 4)) {
		buf_free(&footer);
		wfail(w, err, NULL, "writing the file failed");
		goto out;
	}
	buf_free(&footer);
	rc = 0;
out:
	free_writer(w);
	return rc;
}
