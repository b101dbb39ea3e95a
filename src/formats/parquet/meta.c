/* meta.c — reads and writes parquet.thrift's FileMetaData and PageHeader
 * (see meta.h). Field ids below are those of parquet.thrift; fields this
 * reader has no use for are skipped, never rejected, so files from newer
 * writers still open.
 */
#include "formats/parquet/meta.h"
#include "formats/parquet/thrift.h"

#include <stddef.h>
#include <string.h>

struct mctx {
	struct th_in t;
	struct arena *a;
	size_t budget;
};

/* Arena allocation counted against the parse budget. */
static void *m_alloc(struct mctx *c, size_t n)
{
	if (c->t.error)
		return NULL;
	if (n > c->budget || c->a->total > c->budget - n) {
		th_fail(&c->t, "file metadata needs more memory than allowed (too many columns or row groups)");
		return NULL;
	}
	return arena_zalloc(c->a, n ? n : 1);
}

static char *m_str(struct mctx *c, const uint8_t *p, uint32_t n)
{
	char *s = m_alloc(c, (size_t)n + 1);
	if (s) {
		memcpy(s, p, n);
		s[n] = 0;
	}
	return s;
}

static const uint8_t *m_bytes(struct mctx *c, const uint8_t *p, uint32_t n)
{
	uint8_t *s = m_alloc(c, n);
	if (s && n)
		memcpy(s, p, n);
	return s;
}

/* A list of `size`-byte elements: checks the header and allocates. */
static void *m_list(struct mctx *c, int type, int want_etype, size_t size, uint32_t *n)
{
	int etype;
	if (th_list(&c->t, type, &etype, n))
		return NULL;
	if (*n && etype != want_etype) {
		th_fail(&c->t, "metadata list has the wrong element type");
		return NULL;
	}
	return m_alloc(c, size * (*n ? *n : 1));
}

/* The loop over a struct's fields. FIELDS/FIELDS_END wrap a free-form
 * body; SWITCH_FIELDS/END_SWITCH wrap `case id:` arms that set rc, skipping
 * every field not named (so newer writers' fields are ignored). */
#define FIELDS(c)                                                                     \
	int16_t last_ = 0, id;                                                        \
	int ft, r_;                                                                   \
	while ((r_ = th_field(&(c)->t, &last_, &id, &ft)) == 1)
#define FIELDS_END(c) \
	if (r_ < 0)   \
		return -1;
#define SWITCH_FIELDS(c, key) \
	FIELDS(c)             \
	{                     \
		int rc = 0;   \
		switch (key) {
#define END_SWITCH(c)                      \
	default:                           \
		rc = th_skip(&(c)->t, ft); \
		}                          \
		if (rc)                    \
			return -1;         \
	}                                  \
	FIELDS_END(c)

static int parse_time_unit(struct mctx *c, int type, int *unit)
{
	if (th_struct_begin(&c->t, type))
		return -1;
	FIELDS(c)
	{
		if (id >= PQU_MILLIS && id <= PQU_NANOS && ft == TH_STRUCT)
			*unit = id;
		if (th_skip(&c->t, ft))
			return -1;
	}
	FIELDS_END(c);
	th_struct_end(&c->t);
	return 0;
}

/* The members of LogicalType's union that carry parameters. */
static int parse_logical_params(struct mctx *c, struct pq_logical_type *lt)
{
		int32_t v;
		bool b = false;
	SWITCH_FIELDS(c, lt->kind * 100 + id)
		case PQL_DECIMAL * 100 + 1:
			rc = th_i32(&c->t, ft, &lt->scale);
			break;
		case PQL_DECIMAL * 100 + 2:
			rc = th_i32(&c->t, ft, &lt->precision);
			break;
		case PQL_TIME * 100 + 1:
		case PQL_TIMESTAMP * 100 + 1:
			rc = th_bool(&c->t, ft, &lt->utc);
			break;
		case PQL_TIME * 100 + 2:
		case PQL_TIMESTAMP * 100 + 2:
			rc = parse_time_unit(c, ft, &lt->unit);
			break;
		case PQL_INTEGER * 100 + 1:
			rc = th_i32(&c->t, ft, &v);
			lt->bit_width = v;
			break;
		case PQL_INTEGER * 100 + 2:
			rc = th_bool(&c->t, ft, &b);
			lt->is_signed = b;
			break;
	END_SWITCH(c);
	return 0;
}

static int parse_logical(struct mctx *c, int type, struct pq_logical_type *lt)
{
	if (th_struct_begin(&c->t, type))
		return -1;
	FIELDS(c)
	{
		if (ft != TH_STRUCT) {
			if (th_skip(&c->t, ft))
				return -1;
			continue;
		}
		lt->kind = (id >= PQL_STRING && id <= PQL_GEOGRAPHY && id != 9) ? id : PQL_OTHER;
		if (th_struct_begin(&c->t, ft) || parse_logical_params(c, lt))
			return -1;
		th_struct_end(&c->t);
	}
	FIELDS_END(c);
	th_struct_end(&c->t);
	return 0;
}

static int parse_selem(struct mctx *c, struct pq_selem *e)
{
	const uint8_t *p;
	uint32_t n;
	int32_t v;
	e->type = -1;
	e->repetition = -1;
	e->converted = PQC_NONE;
	if (th_struct_begin(&c->t, TH_STRUCT))
		return -1;
	SWITCH_FIELDS(c, id)
		case 1:
			rc = th_i32(&c->t, ft, &v);
			if (!rc && (v < PQ_BOOLEAN || v > PQ_FIXED))
				rc = th_fail(&c->t, "schema has an unknown physical type");
			e->type = v;
			break;
		case 2:
			rc = th_i32(&c->t, ft, &e->type_length);
			break;
		case 3:
			rc = th_i32(&c->t, ft, &v);
			if (!rc && (v < PQ_REQUIRED || v > PQ_REPEATED))
				rc = th_fail(&c->t, "schema has an unknown repetition");
			e->repetition = v;
			break;
		case 4:
			rc = th_binary(&c->t, ft, &p, &n);
			if (!rc)
				e->name = m_str(c, p, n);
			break;
		case 5:
			rc = th_i32(&c->t, ft, &e->num_children);
			if (!rc && e->num_children < 0)
				rc = th_fail(&c->t, "schema element has a negative number of children");
			break;
		case 6:
			rc = th_i32(&c->t, ft, &v);
			e->converted = (v >= PQC_UTF8 && v <= PQC_INTERVAL) ? v : PQC_NONE;
			break;
		case 7:
			rc = th_i32(&c->t, ft, &e->scale);
			e->has_scale = true;
			break;
		case 8:
			rc = th_i32(&c->t, ft, &e->precision);
			e->has_precision = true;
			break;
		case 10:
			rc = parse_logical(c, ft, &e->logical);
			break;
	END_SWITCH(c);
	th_struct_end(&c->t);
	if (!e->name)
		return th_fail(&c->t, "schema element has no name");
	return 0;
}

static int parse_stats(struct mctx *c, int type, struct pq_statistics *s)
{
	const uint8_t *p;
	uint32_t n;
	if (th_struct_begin(&c->t, type))
		return -1;
	SWITCH_FIELDS(c, id)
		case 1:
		case 2:
		case 5:
		case 6:
			rc = th_binary(&c->t, ft, &p, &n);
			if (rc)
				break;
			p = m_bytes(c, p, n);
			if (id == 1)
				s->max = p, s->max_len = n, s->has_max = true;
			else if (id == 2)
				s->min = p, s->min_len = n, s->has_min = true;
			else if (id == 5)
				s->max_value = p, s->max_value_len = n, s->has_max_value = true;
			else
				s->min_value = p, s->min_value_len = n, s->has_min_value = true;
			break;
		case 3:
			rc = th_i64(&c->t, ft, &s->null_count);
			s->has_null_count = !rc && s->null_count >= 0;
			break;
		case 4:
			rc = th_i64(&c->t, ft, &s->distinct_count);
			s->has_distinct = !rc && s->distinct_count >= 0;
			break;
		case 7:
			rc = th_bool(&c->t, ft, &s->max_exact);
			s->has_max_exact = true;
			break;
		case 8:
			rc = th_bool(&c->t, ft, &s->min_exact);
			s->has_min_exact = true;
			break;
	END_SWITCH(c);
	th_struct_end(&c->t);
	return 0;
}

static int parse_column_meta(struct mctx *c, int type, struct pq_column_meta *m)
{
	int32_t v;
	unsigned seen = 0;
	if (th_struct_begin(&c->t, type))
		return -1;
	FIELDS(c)
	{
		int rc = 0;
		switch (id) {
		case 1:
			rc = th_i32(&c->t, ft, &v);
			m->type = v;
			break;
		case 4:
			rc = th_i32(&c->t, ft, &v);
			m->codec = v;
			break;
		case 5:
			rc = th_i64(&c->t, ft, &m->num_values);
			break;
		case 6:
			rc = th_i64(&c->t, ft, &m->total_uncompressed_size);
			break;
		case 7:
			rc = th_i64(&c->t, ft, &m->total_compressed_size);
			break;
		case 9:
			rc = th_i64(&c->t, ft, &m->data_page_offset);
			break;
		case 11:
			rc = th_i64(&c->t, ft, &m->dictionary_page_offset);
			m->has_dictionary_page_offset = true;
			break;
		case 12:
			rc = parse_stats(c, ft, &m->stats);
			m->has_statistics = true;
			break;
		default:
			rc = th_skip(&c->t, ft);
		}
		if (rc)
			return -1;
		if (id >= 0 && id < 32)
			seen |= 1u << id;
	}
	FIELDS_END(c);
	th_struct_end(&c->t);
	unsigned need = 1u << 1 | 1u << 4 | 1u << 5 | 1u << 7 | 1u << 9;
	if ((seen & need) != need)
		return th_fail(&c->t, "column metadata lacks a required field");
	if (m->num_values < 0 || m->total_compressed_size < 0 || m->data_page_offset < 0 ||
	    (m->has_dictionary_page_offset && m->dictionary_page_offset < 0))
		return th_fail(&c->t, "column metadata has a negative count or offset");
	return 0;
}

static int parse_column_chunk(struct mctx *c, struct pq_column_meta *m)
{
	bool has_meta = false;
	if (th_struct_begin(&c->t, TH_STRUCT))
		return -1;
	SWITCH_FIELDS(c, id)
		case 1:
			return th_fail(&c->t, "column data stored in another file is not supported");
		case 3:
			rc = parse_column_meta(c, ft, m);
			has_meta = true;
			break;
		case 8:
		case 9:
			return th_fail(&c->t, "encrypted columns are not supported");
	END_SWITCH(c);
	th_struct_end(&c->t);
	if (!has_meta)
		return th_fail(&c->t, "column chunk has no metadata");
	return 0;
}

static int parse_row_group(struct mctx *c, struct pq_row_group *g, int ncols)
{
	uint32_t n;
	bool have_cols = false;
	if (th_struct_begin(&c->t, TH_STRUCT))
		return -1;
	SWITCH_FIELDS(c, id)
		case 1:
			if (have_cols)
				return th_fail(&c->t, "row group lists its columns twice");
			g->cols = m_list(c, ft, TH_STRUCT, sizeof *g->cols, &n);
			if (!g->cols)
				return -1;
			if ((int64_t)n != ncols)
				return th_fail(&c->t, "row group has a different number of columns than the schema");
			for (uint32_t i = 0; i < n; i++)
				if (parse_column_chunk(c, &g->cols[i]))
					return -1;
			have_cols = true;
			break;
		case 2:
			rc = th_i64(&c->t, ft, &g->total_byte_size);
			break;
		case 3:
			rc = th_i64(&c->t, ft, &g->num_rows);
			break;
	END_SWITCH(c);
	th_struct_end(&c->t);
	if (!have_cols && ncols > 0)
		return th_fail(&c->t, "row group has no columns");
	if (g->num_rows < 0)
		return th_fail(&c->t, "row group has a negative number of rows");
	return 0;
}

static int parse_kv(struct mctx *c, char **key, char **value)
{
	const uint8_t *p;
	uint32_t n;
	if (th_struct_begin(&c->t, TH_STRUCT))
		return -1;
	FIELDS(c)
	{
		if ((id == 1 || id == 2) && ft == TH_BINARY) {
			if (th_binary(&c->t, ft, &p, &n))
				return -1;
			*(id == 1 ? key : value) = m_str(c, p, n);
		} else if (th_skip(&c->t, ft)) {
			return -1;
		}
	}
	FIELDS_END(c);
	th_struct_end(&c->t);
	if (!*key)
		*key = m_str(c, (const uint8_t *)"", 0);
	return c->t.error ? -1 : 0;
}

static int parse_file(struct mctx *c, struct pq_file_meta *m)
{
	const uint8_t *p;
	uint32_t n;
	unsigned seen = 0;
	int64_t rgs_at = -1;
	if (th_struct_begin(&c->t, TH_STRUCT))
		return -1;
	FIELDS(c)
	{
		int rc = 0;
		switch (id) {
		case 1:
			rc = th_i32(&c->t, ft, &m->version);
			break;
		case 2:
			if (m->schema)
				return th_fail(&c->t, "metadata lists the schema twice");
			m->schema = m_list(c, ft, TH_STRUCT, sizeof *m->schema, &n);
			if (!m->schema)
				return -1;
			m->nschema = (int)n;
			if (n > 1000000)
				return th_fail(&c->t, "schema has more than a million elements");
			for (uint32_t i = 0; i < n; i++)
				if (parse_selem(c, &m->schema[i]))
					return -1;
			break;
		case 3:
			rc = th_i64(&c->t, ft, &m->num_rows);
			break;
		case 4:
			/* Row groups need the leaf count, which needs the schema;
			 * writers put the schema first, but remember where we were
			 * in case one does not. */
			if (rgs_at >= 0)
				return th_fail(&c->t, "metadata lists the row groups twice");
			rgs_at = (int64_t)th_pos(&c->t);
			rc = th_skip(&c->t, ft);
			break;
		case 5:
			m->kv_keys = m_list(c, ft, TH_STRUCT, sizeof(char *), &n);
			m->kv_values = m_alloc(c, sizeof(char *) * (n ? n : 1));
			if (!m->kv_keys || !m->kv_values)
				return -1;
			m->nkv = (int)n;
			for (uint32_t i = 0; i < n; i++)
				if (parse_kv(c, &m->kv_keys[i], &m->kv_values[i]))
					return -1;
			break;
		case 6:
			rc = th_binary(&c->t, ft, &p, &n);
			if (!rc)
				m->created_by = m_str(c, p, n);
			break;
		case 8:
			return th_fail(&c->t, "encrypted Parquet files are not supported");
		default:
			rc = th_skip(&c->t, ft);
		}
		if (rc)
			return -1;
		if (id > 0 && id < 32)
			seen |= 1u << id;
	}
	FIELDS_END(c);
	th_struct_end(&c->t);
	if ((seen & 0x1e) != 0x1e)
		return th_fail(&c->t, "file metadata lacks a required field (schema, row count or row groups)");
	if (m->nschema < 1)
		return th_fail(&c->t, "file metadata has an empty schema");
	if (m->num_rows < 0)
		return th_fail(&c->t, "file metadata has a negative row count");
	for (int i = 1; i < m->nschema; i++)
		if (m->schema[i].num_children == 0)
			m->ncols_leaf++;

	/* Now the row groups, from where the field started. */
	const uint8_t *resume = c->t.p;
	c->t.p = c->t.start + rgs_at;
	int type = TH_LIST;
	m->row_groups = m_list(c, type, TH_STRUCT, sizeof *m->row_groups, &n);
	if (!m->row_groups)
		return -1;
	m->nrow_groups = (int)n;
	if ((uint64_t)n * (uint64_t)(m->ncols_leaf ? m->ncols_leaf : 1) > 50000000)
		return th_fail(&c->t, "file has too many column chunks");
	for (uint32_t i = 0; i < n; i++)
		if (parse_row_group(c, &m->row_groups[i], m->ncols_leaf))
			return -1;
	c->t.p = resume;
	return 0;
}

int pq_meta_parse(struct pq_file_meta *m, struct arena *a, const void *p, size_t n, size_t budget,
		  const char **why, size_t *at)
{
	struct mctx c = {.a = a, .budget = budget};
	memset(m, 0, sizeof *m);
	th_in_init(&c.t, p, n);
	if (parse_file(&c, m) || c.t.error) {
		*why = c.t.error ? c.t.error : "file metadata is malformed";
		*at = th_pos(&c.t);
		return -1;
	}
	*at = th_pos(&c.t);
	return 0;
}

/* --------------------------------------------------------------- pages */

/* The page header structs hold only i32 and bool fields: parse them from a
 * table of (field id, kind, place). */
struct fmap {
	int16_t id;
	bool is_bool;
	size_t off;
};

static int parse_fields(struct th_in *t, int type, void *obj, const struct fmap *map, size_t n)
{
	if (th_struct_begin(t, type))
		return -1;
	int16_t last = 0, id;
	int ft, r;
	while ((r = th_field(t, &last, &id, &ft)) == 1) {
		const struct fmap *m = NULL;
		for (size_t i = 0; i < n; i++)
			if (map[i].id == id)
				m = &map[i];
		char *place = m ? (char *)obj + m->off : NULL;
		int rc = !m ? th_skip(t, ft) : m->is_bool ? th_bool(t, ft, (bool *)place) : th_i32(t, ft, (int32_t *)place);
		if (rc)
			return -1;
	}
	if (r < 0)
		return -1;
	th_struct_end(t);
	return 0;
}

#define F(id, field) {id, false, offsetof(struct pq_page_header, field)}
static const struct fmap data_v1_map[] = {F(1, num_values), F(2, encoding), F(3, def_encoding), F(4, rep_encoding)};
static const struct fmap dict_map[] = {F(1, num_values), F(2, encoding)};
static const struct fmap data_v2_map[] = {F(1, num_values), F(2, num_nulls), F(3, num_rows), F(4, encoding),
					  F(5, def_len),    F(6, rep_len),
					  {7, true, offsetof(struct pq_page_header, is_compressed)}};
static const struct fmap header_map[] = {F(1, type), F(2, uncompressed_size), F(3, compressed_size)};
#undef F

int pq_page_header_parse(struct pq_page_header *h, const void *p, size_t n, size_t *used, const char **why)
{
	struct th_in t;
	unsigned seen = 0;
	memset(h, 0, sizeof *h);
	h->is_compressed = true;
	th_in_init(&t, p, n);
	if (th_struct_begin(&t, TH_STRUCT))
		goto fail;
	int16_t last = 0, id;
	int ft, r;
	while ((r = th_field(&t, &last, &id, &ft)) == 1) {
		int rc;
		if (id >= 1 && id <= 3)
			rc = th_i32(&t, ft, (int32_t *)((char *)h + header_map[id - 1].off));
		else if (id == 5)
			rc = parse_fields(&t, ft, h, data_v1_map, 4), h->has_data = true;
		else if (id == 7)
			rc = parse_fields(&t, ft, h, dict_map, 2), h->has_dict = true;
		else if (id == 8)
			rc = parse_fields(&t, ft, h, data_v2_map, 7), h->has_v2 = true;
		else
			rc = th_skip(&t, ft);
		if (rc)
			goto fail;
		if (id > 0 && id < 32)
			seen |= 1u << id;
	}
	if (r < 0)
		goto fail;
	if ((seen & 0xe) != 0xe)
		th_fail(&t, "page header lacks its type or sizes");
	else if (h->uncompressed_size < 0 || h->compressed_size < 0 || h->num_values < 0 || h->def_len < 0 ||
		 h->rep_len < 0 || h->num_nulls < 0 || h->num_rows < 0)
		th_fail(&t, "page header has a negative size or count");
	if (t.error)
		goto fail;
	*used = th_pos(&t);
	return 0;
fail:
	*why = t.error ? t.error : "page header is malformed";
	return t.short_input ? 1 : -1;
}

/* --------------------------------------------------------------- writer */

int pq_page_header_write(struct buf *b, const struct pq_page_header *h)
{
	struct th_out w;
	tw_init(&w, b);
	tw_struct_begin(&w, 0);
	tw_i32(&w, 1, h->type);
	tw_i32(&w, 2, h->uncompressed_size);
	tw_i32(&w, 3, h->compressed_size);
	if (h->type == PQP_DATA) {
		tw_struct_begin(&w, 5);
		tw_i32(&w, 1, h->num_values);
		tw_i32(&w, 2, h->encoding);
		tw_i32(&w, 3, h->def_encoding);
		tw_i32(&w, 4, h->rep_encoding);
		tw_struct_end(&w);
	} else if (h->type == PQP_DICTIONARY) {
		tw_struct_begin(&w, 7);
		tw_i32(&w, 1, h->num_values);
		tw_i32(&w, 2, h->encoding);
		tw_struct_end(&w);
	} else if (h->type == PQP_DATA_V2) {
		tw_struct_begin(&w, 8);
		tw_i32(&w, 1, h->num_values);
		tw_i32(&w, 2, h->num_nulls);
		tw_i32(&w, 3, h->num_rows);
		tw_i32(&w, 4, h->encoding);
		tw_i32(&w, 5, h->def_len);
		tw_i32(&w, 6, h->rep_len);
		tw_bool(&w, 7, h->is_compressed);
		tw_struct_end(&w);
	}
	tw_struct_end(&w);
	return w.failed ? -1 : 0;
}

static void write_logical(struct th_out *w, const struct pq_logical_type *lt)
{
	if (lt->kind == PQL_NONE)
		return;
	tw_struct_begin(w, 10);
	tw_struct_begin(w, (int16_t)lt->kind);
	switch (lt->kind) {
	case PQL_DECIMAL:
		tw_i32(w, 1, lt->scale);
		tw_i32(w, 2, lt->precision);
		break;
	case PQL_TIME:
	case PQL_TIMESTAMP:
		tw_bool(w, 1, lt->utc);
		tw_struct_begin(w, 2);
		tw_empty_struct(w, (int16_t)lt->unit);
		tw_struct_end(w);
		break;
	case PQL_INTEGER:
		tw_byte(w, 1, (int8_t)lt->bit_width);
		tw_bool(w, 2, lt->is_signed);
		break;
	default:
		break;
	}
	tw_struct_end(w);
	tw_struct_end(w);
}

static void write_selem(struct th_out *w, const struct pq_selem *e)
{
	tw_struct_begin(w, 0);
	if (e->type >= 0)
		tw_i32(w, 1, e->type);
	if (e->type == PQ_FIXED)
		tw_i32(w, 2, e->type_length);
	if (e->repetition >= 0)
		tw_i32(w, 3, e->repetition);
	tw_string(w, 4, e->name);
	if (e->num_children > 0 || e->type < 0)
		tw_i32(w, 5, e->num_children);
	if (e->converted != PQC_NONE)
		tw_i32(w, 6, e->converted);
	if (e->has_scale)
		tw_i32(w, 7, e->scale);
	if (e->has_precision)
		tw_i32(w, 8, e->precision);
	write_logical(w, &e->logical);
	tw_struct_end(w);
}

static void write_stats(struct th_out *w, const struct pq_statistics *s)
{
	tw_struct_begin(w, 12);
	if (s->has_null_count)
		tw_i64(w, 3, s->null_count);
	if (s->has_max_value)
		tw_binary(w, 5, s->max_value, s->max_value_len);
	if (s->has_min_value)
		tw_binary(w, 6, s->min_value, s->min_value_len);
	tw_struct_end(w);
}

static void write_column(struct th_out *w, const struct pq_column_meta *m, const struct pq_meta_out_column *oc)
{
	int64_t start = m->has_dictionary_page_offset ? m->dictionary_page_offset : m->data_page_offset;
	tw_struct_begin(w, 0);
	tw_i64(w, 2, start);
	tw_struct_begin(w, 3);
	tw_i32(w, 1, m->type);
	tw_list_begin(w, 2, TH_I32, (uint32_t)oc->nencodings);
	for (int i = 0; i < oc->nencodings; i++)
		tw_elem_i32(w, oc->encodings[i]);
	tw_list_begin(w, 3, TH_BINARY, 1);
	tw_elem_binary(w, oc->path, strlen(oc->path));
	tw_i32(w, 4, m->codec);
	tw_i64(w, 5, m->num_values);
	tw_i64(w, 6, m->total_uncompressed_size);
	tw_i64(w, 7, m->total_compressed_size);
	tw_i64(w, 9, m->data_page_offset);
	if (m->has_dictionary_page_offset)
		tw_i64(w, 11, m->dictionary_page_offset);
	if (m->has_statistics)
		write_stats(w, &m->stats);
	tw_struct_end(w);
	tw_struct_end(w);
}

int pq_meta_write(struct buf *b, const struct pq_file_meta *m, const struct pq_meta_out_column *cols)
{
	struct th_out w;
	tw_init(&w, b);
	tw_struct_begin(&w, 0);
	tw_i32(&w, 1, m->version);
	tw_list_begin(&w, 2, TH_STRUCT, (uint32_t)m->nschema);
	for (int i = 0; i < m->nschema; i++)
		write_selem(&w, &m->schema[i]);
	tw_i64(&w, 3, m->num_rows);
	tw_list_begin(&w, 4, TH_STRUCT, (uint32_t)m->nrow_groups);
	for (int g = 0; g < m->nrow_groups; g++) {
		const struct pq_row_group *rg = &m->row_groups[g];
		int64_t compressed = 0;
		tw_struct_begin(&w, 0);
		tw_list_begin(&w, 1, TH_STRUCT, (uint32_t)m->ncols_leaf);
		for (int c = 0; c < m->ncols_leaf; c++) {
			write_column(&w, &rg->cols[c], &cols[c]);
			compressed += rg->cols[c].total_compressed_size;
		}
		tw_i64(&w, 2, rg->total_byte_size);
		tw_i64(&w, 3, rg->num_rows);
		if (m->ncols_leaf > 0) {
			const struct pq_column_meta *c0 = &rg->cols[0];
			tw_i64(&w, 5, c0->has_dictionary_page_offset ? c0->dictionary_page_offset : c0->data_page_offset);
		}
		tw_i64(&w, 6, compressed);
		tw_struct_end(&w);
	}
	if (m->nkv > 0) {
		tw_list_begin(&w, 5, TH_STRUCT, (uint32_t)m->nkv);
		for (int i = 0; i < m->nkv; i++) {
			tw_struct_begin(&w, 0);
			tw_string(&w, 1, m->kv_keys[i]);
			if (m->kv_values[i])
				tw_string(&w, 2, m->kv_values[i]);
			tw_struct_end(&w);
		}
	}
	if (m->created_by)
		tw_string(&w, 6, m->created_by);
	/* column_orders: TypeDefinedOrder for each column, so readers trust
	 * min_value/max_value (they are written in the type's own order). */
	tw_list_begin(&w, 7, TH_STRUCT, (uint32_t)m->ncols_leaf);
	for (int c = 0; c < m->ncols_leaf; c++) {
		tw_struct_begin(&w, 0);
		tw_empty_struct(&w, 1);
		tw_struct_end(&w);
	}
	tw_struct_end(&w);
	return w.failed ? -1 : 0;
}
