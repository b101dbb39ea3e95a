/* reader.c — the public Parquet reader (parquet.h): footer, projection,
 * row-group iteration and batch filling, statistics.
 *
 * State: a reader is OPEN after pq_reader_open*; each pq_reader_next()
 * either continues the current row group or starts the next selected one
 * (pq_col_start on every projected leaf), then fills up to
 * min(batch cap, rows left in the group, a size-based bound) rows column by
 * column. Any error moves it to FAILED, where only close is allowed.
 *
 * Invariants:
 *  1. Only projected leaves ever have a cursor, so other columns are never
 *     read or decompressed.
 *  2. Column chunks must lie between the leading magic and the footer.
 *  3. The batch a caller passes must have the reader's field types.
 */
#include "formats/parquet.h"
#include "formats/parquet/internal.h"
#include "core/mem.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define DEFAULT_MAX_FOOTER ((size_t)64 << 20)

struct pq_reader {
	int fd;
	bool own_fd;
	char name[256];
	int64_t size, data_end;
	struct arena arena;
	struct pq_file_meta meta;
	struct pq_schema_info si;
	struct schema *schema;
	int nout;
	int *out_top;
	struct pq_col *cols;     /* by leaf index; leaf set when projected */
	struct pq_stage *stages; /* by leaf index */
	struct pq_codecs *codecs;
	int *rg_order;
	int nrg_sel, rg_next, rg_cur;
	int64_t rg_left;
	size_t rg_batch_rows;
	bool started, failed;
};

bool pq_sniff(const void *head, size_t n)
{
	return n >= 4 && !memcmp(head, "PAR1", 4);
}

static int rfail(struct pq_reader *r, struct fmt_error *err, int64_t off, const char *column, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static int rfail(struct pq_reader *r, struct fmt_error *err, int64_t off, const char *column, const char *fmt, ...)
{
	if (r)
		r->failed = true;
	if (!err)
		return -1;
	memset(err, 0, sizeof *err);
	if (r)
		snprintf(err->file, sizeof err->file, "%s", r->name);
	err->offset = off;
	if (column)
		snprintf(err->column_name, sizeof err->column_name, "%s", column);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof err->msg, fmt, ap);
	va_end(ap);
	return -1;
}

static int read_at(int fd, void *p, size_t n, int64_t off)
{
	size_t got = 0;
	while (got < n) {
		ssize_t k = pread(fd, (char *)p + got, n - got, off + (int64_t)got);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		got += (size_t)k;
	}
	return 0;
}

void pq_reader_close(struct pq_reader *r)
{
	if (!r)
		return;
	if (r->cols)
		for (int i = 0; i < r->si.nleaves; i++)
			if (r->cols[i].leaf)
				pq_col_free(&r->cols[i]);
	if (r->stages)
		for (int i = 0; i < r->si.nleaves; i++)
			pq_stage_free(&r->stages[i]);
	free(r->cols);
	free(r->stages);
	free(r->out_top);
	free(r->rg_order);
	pq_codecs_free(r->codecs);
	schema_free(r->schema);
	arena_free(&r->arena);
	if (r->own_fd && r->fd >= 0)
		close(r->fd);
	free(r);
}

static int read_footer(struct pq_reader *r, size_t max_footer, struct fmt_error *err)
{
	struct stat st;
	uint8_t head[4], tail[8];
	if (fstat(r->fd, &st))
		return rfail(r, err, -1, NULL, "cannot stat the file: %s", strerror(errno));
	r->size = st.st_size;
	if (r->size < 12)
		return rfail(r, err, 0, NULL, "not a Parquet file: only %lld bytes", (long long)r->size);
	if (read_at(r->fd, head, 4, 0) || read_at(r->fd, tail, 8, r->size - 8))
		return rfail(r, err, 0, NULL, "cannot read the file: %s", strerror(errno));
	if (!memcmp(head, "PARE", 4) || !memcmp(tail + 4, "PARE", 4))
		return rfail(r, err, 0, NULL, "encrypted Parquet files are not supported");
	if (memcmp(head, "PAR1", 4) || memcmp(tail + 4, "PAR1", 4))
		return rfail(r, err, memcmp(head, "PAR1", 4) ? 0 : r->size - 4, NULL,
			     "not a Parquet file (the PAR1 magic bytes are missing)");
	uint32_t flen;
	memcpy(&flen, tail, 4);
	if ((int64_t)flen > r->size - 12)
		return rfail(r, err, r->size - 8, NULL, "footer length %u is larger than the file", flen);
	if (flen > max_footer)
		return rfail(r, err, r->size - 8, NULL, "footer of %u bytes is larger than the %zu allowed", flen,
			     max_footer);
	int64_t foff = r->size - 8 - flen;
	uint8_t *footer = xmalloc(flen ? flen : 1);
	if (read_at(r->fd, footer, flen, foff)) {
		free(footer);
		return rfail(r, err, foff, NULL, "cannot read the footer: %s", strerror(errno));
	}
	const char *why = NULL;
	size_t at = 0;
	size_t budget = (size_t)flen * 32 + ((size_t)1 << 20);
	if (budget > ((size_t)1 << 30))
		budget = (size_t)1 << 30;
	int rc = pq_meta_parse(&r->meta, &r->arena, footer, flen, budget, &why, &at);
	free(footer);
	if (rc)
		return rfail(r, err, foff + (int64_t)at, NULL, "bad file metadata: %s", why);
	r->data_end = foff;
	if (pq_schema_build(&r->si, &r->meta, &r->arena, &why))
		return rfail(r, err, foff, NULL, "bad schema: %s", why);
	return 0;
}

static int project(struct pq_reader *r, const struct pq_read_opts *o, struct fmt_error *err)
{
	int n = o && o->columns && o->ncolumns > 0 ? o->ncolumns : r->si.ntop;
	r->nout = n;
	r->out_top = xcalloc((size_t)(n ? n : 1), sizeof(int));
	for (int i = 0; i < n; i++) {
		if (!(o && o->columns && o->ncolumns > 0)) {
			r->out_top[i] = i;
			continue;
		}
		const char *want = o->columns[i];
		int found = -1;
		for (int t = 0; t < r->si.ntop && found < 0; t++)
			if (want && !strcmp(r->si.tops[t].name, want))
				found = t;
		if (found < 0)
			return rfail(r, err, -1, want, "no column named \"%s\" in the file", want ? want : "(null)");
		for (int j = 0; j < i; j++)
			if (r->out_top[j] == found)
				return rfail(r, err, -1, want, "column \"%s\" is asked for twice", want);
		r->out_top[i] = found;
	}
	r->schema = schema_new();
	int nproj = 0;
	for (int i = 0; i < n; i++) {
		const struct pq_top *t = &r->si.tops[r->out_top[i]];
		struct field *f;
		if (t->nested) {
			f = schema_add(r->schema, t->name, COL_JSON, t->root->nullable);
		} else {
			const struct field *lf = &r->si.leaves[t->leaf_begin].f;
			f = schema_add(r->schema, t->name, lf->type, lf->nullable);
			char *name = f->name;
			*f = *lf;
			f->name = name;
		}
		nproj += t->leaf_end - t->leaf_begin;
	}
	/* Read windows share ~64 MiB across the projected columns. */
	size_t win = ((size_t)64 << 20) / (size_t)(nproj ? nproj : 1);
	if (win > ((size_t)1 << 20))
		win = (size_t)1 << 20;
	r->cols = xcalloc((size_t)(r->si.nleaves ? r->si.nleaves : 1), sizeof *r->cols);
	r->stages = xcalloc((size_t)(r->si.nleaves ? r->si.nleaves : 1), sizeof *r->stages);
	for (int i = 0; i < n; i++) {
		const struct pq_top *t = &r->si.tops[r->out_top[i]];
		for (int l = t->leaf_begin; l < t->leaf_end; l++) {
			pq_col_init(&r->cols[l], &r->si.leaves[l], r->fd, r->codecs, win);
			r->stages[l].leaf = &r->si.leaves[l];
			r->stages[l].vals.type = r->si.leaves[l].f.type;
		}
	}
	return 0;
}

int pq_reader_open_fd(struct pq_reader **out, int fd, const char *name, const struct pq_read_opts *opts,
		      struct fmt_error *err)
{
	*out = NULL;
	struct pq_reader *r = xcalloc(1, sizeof *r);
	r->fd = fd;
	arena_init(&r->arena);
	snprintf(r->name, sizeof r->name, "%s", name ? name : "");
	r->codecs = pq_codecs_new();
	size_t max_footer = opts && opts->max_footer ? opts->max_footer : DEFAULT_MAX_FOOTER;
	if (read_footer(r, max_footer, err) || project(r, opts, err)) {
		pq_reader_close(r);
		return -1;
	}
	r->nrg_sel = r->meta.nrow_groups;
	r->rg_order = xcalloc((size_t)(r->nrg_sel ? r->nrg_sel : 1), sizeof(int));
	for (int i = 0; i < r->nrg_sel; i++)
		r->rg_order[i] = i;
	r->rg_cur = -1;
	*out = r;
	return 0;
}

int pq_reader_open(struct pq_reader **out, const char *path, const struct pq_read_opts *opts, struct fmt_error *err)
{
	*out = NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (err) {
			memset(err, 0, sizeof *err);
			snprintf(err->file, sizeof err->file, "%s", path);
			err->offset = -1;
			snprintf(err->msg, sizeof err->msg, "cannot open: %s", strerror(errno));
		}
		return -1;
	}
	if (pq_reader_open_fd(out, fd, path, opts, err)) {
		close(fd);
		return -1;
	}
	(*out)->own_fd = true;
	return 0;
}

const struct schema *pq_reader_schema(const struct pq_reader *r)
{
	return r->schema;
}

int64_t pq_reader_num_rows(const struct pq_reader *r)
{
	return r->meta.num_rows;
}

int pq_reader_num_row_groups(const struct pq_reader *r)
{
	return r->meta.nrow_groups;
}

int64_t pq_reader_row_group_rows(const struct pq_reader *r, int rg)
{
	return rg >= 0 && rg < r->meta.nrow_groups ? r->meta.row_groups[rg].num_rows : 0;
}

const char *pq_reader_created_by(const struct pq_reader *r)
{
	return r->meta.created_by ? r->meta.created_by : "";
}

int pq_reader_kv_count(const struct pq_reader *r)
{
	return r->meta.nkv;
}

void pq_reader_kv(const struct pq_reader *r, int i, const char **key, const char **value)
{
	*key = i >= 0 && i < r->meta.nkv ? r->meta.kv_keys[i] : NULL;
	*value = i >= 0 && i < r->meta.nkv ? r->meta.kv_values[i] : NULL;
}

const struct pq_node *pq_reader_node(const struct pq_reader *r, int col)
{
	return col >= 0 && col < r->nout ? r->si.tops[r->out_top[col]].node : NULL;
}

int pq_reader_select_row_groups(struct pq_reader *r, const int *rgs, int n, struct fmt_error *err)
{
	if (r->started)
		return rfail(r, err, -1, NULL, "row groups must be chosen before reading starts");
	if (n < 0)
		n = 0;
	for (int i = 0; i < n; i++)
		if (rgs[i] < 0 || rgs[i] >= r->meta.nrow_groups) {
			if (err) {
				memset(err, 0, sizeof *err);
				snprintf(err->file, sizeof err->file, "%s", r->name);
				snprintf(err->msg, sizeof err->msg, "row group %d does not exist (the file has %d)", rgs[i],
					 r->meta.nrow_groups);
			}
			return -1;
		}
	free(r->rg_order);
	r->rg_order = xcalloc((size_t)(n ? n : 1), sizeof(int));
	memcpy(r->rg_order, rgs, sizeof(int) * (size_t)n);
	r->nrg_sel = n;
	return 0;
}

static const char *col_name(struct pq_reader *r, const struct pq_col *c)
{
	return r->si.tops[c->leaf->top].name;
}

/* Rows per batch for the current row group: bounded so that one batch's
 * variable-width bytes and staged nested entries stay under their caps,
 * judged from the chunk sizes the metadata gives. */
static size_t batch_bound(struct pq_reader *r, const struct pq_row_group *g)
{
	size_t rows = SIZE_MAX;
	if (g->num_rows <= 0)
		return 1;
	for (int i = 0; i < r->si.nleaves; i++) {
		if (!r->cols[i].leaf)
			continue;
		const struct pq_column_meta *m = &g->cols[i];
		double bpr = (double)m->total_uncompressed_size / (double)g->num_rows;
		double epr = (double)m->num_values / (double)g->num_rows;
		/* JSON text of nested values runs a few times the raw size. */
		double lim = (double)(PQ_MAX_BATCH_BYTES / 8) / (bpr > 1 ? bpr : 1);
		double lim2 = (double)(PQ_MAX_STAGE_ENTRIES / 2) / (epr > 1 ? epr : 1);
		if (lim2 < lim)
			lim = lim2;
		if (lim < (double)rows)
			rows = lim < 1 ? 1 : (size_t)lim;
	}
	return rows;
}

static int start_row_group(struct pq_reader *r, struct fmt_error *err)
{
	while (r->rg_next < r->nrg_sel) {
		int g = r->rg_order[r->rg_next++];
		const struct pq_row_group *rg = &r->meta.row_groups[g];
		if (rg->num_rows == 0)
			continue;
		for (int i = 0; i < r->si.nleaves; i++) {
			struct pq_col *c = &r->cols[i];
			if (!c->leaf)
				continue;
			if (pq_col_start(c, &rg->cols[i], 4, r->data_end))
				return rfail(r, err, rg->cols[i].data_page_offset, col_name(r, c), "column \"%s\": %s",
					     col_name(r, c), c->why);
		}
		r->rg_cur = g;
		r->rg_left = rg->num_rows;
		r->rg_batch_rows = batch_bound(r, rg);
		return 1;
	}
	return 0;
}

int pq_reader_next(struct pq_reader *r, struct batch *b, struct fmt_error *err)
{
	if (r->failed)
		return rfail(r, err, -1, NULL, "reader already failed");
	if (!pq_same_types(b->schema, r->schema))
		return rfail(r, err, -1, NULL, "batch schema does not match the reader's");
	batch_clear(b);
	r->started = true;
	if (b->cap == 0)
		return rfail(r, err, -1, NULL, "batch has no room for rows");
	if (r->rg_left == 0) {
		int rc = start_row_group(r, err);
		if (rc <= 0)
			return rc;
	}
	size_t rows = b->cap;
	if ((int64_t)rows > r->rg_left)
		rows = (size_t)r->rg_left;
	if (rows > r->rg_batch_rows)
		rows = r->rg_batch_rows;
	for (int i = 0; i < r->nout; i++) {
		const struct pq_top *t = &r->si.tops[r->out_top[i]];
		struct column *out = &b->cols[i];
		if (!t->nested) {
			struct pq_col *c = &r->cols[t->leaf_begin];
			if (pq_col_read_flat(c, out, 0, rows))
				return rfail(r, err, c->err_off, t->name, "column \"%s\": %s", t->name, c->why);
			continue;
		}
		for (int l = t->leaf_begin; l < t->leaf_end; l++) {
			struct pq_col *c = &r->cols[l];
			pq_stage_reset(&r->stages[l]);
			if (pq_col_read_nested(c, &r->stages[l], rows))
				return rfail(r, err, c->err_off, t->name, "column \"%s\": %s", t->name, c->why);
		}
		const char *why = NULL;
		if (pq_assemble(t, r->stages, out, 0, rows, &why))
			return rfail(r, err, -1, t->name, "column \"%s\": %s", t->name, why);
	}
	b->nrows = rows;
	r->rg_left -= (int64_t)rows;
	return 1;
}

/* ---------------------------------------------------------------- stats */

/* Whether the old min/max fields (signed byte-wise order) mean the same
 * as the type's order: true for signed numbers only. */
static bool legacy_ok(const struct pq_leaf *l)
{
	if (l->f.is_unsigned || l->conv != CV_ID)
		return false;
	return l->phys == PQ_BOOLEAN || l->phys == PQ_INT32 || l->phys == PQ_INT64 || l->phys == PQ_FLOAT ||
	       l->phys == PQ_DOUBLE;
}

/* One statistics value (PLAIN bytes of the physical type) into the batch
 * representation. Returns false if its size does not fit the type. */
static bool stat_value(struct pq_reader *r, const struct pq_leaf *l, const uint8_t *p, uint32_t n, union pq_scalar *v,
		       const char **bytes, size_t *blen)
{
	static const size_t w[] = {1, 4, 8, 12, 4, 8, 0, 0};
	size_t want = l->phys == PQ_FIXED ? (size_t)l->type_length : w[l->phys];
	if (l->phys == PQ_INT96)
		return false;
	if (want && n != want)
		return false;
	if (col_is_varwidth(l->f.type) && l->conv == CV_ID) {
		*bytes = (const char *)p;
		*blen = n;
		return true;
	}
	/* Run the value through the same conversion as page values. */
	union {
		__int128 dec;
		int64_t i64;
		double f64;
		uint8_t raw[16];
	} src, dst;
	uint32_t offs[2] = {0, n};
	char text[40];
	uint32_t out_offs[2] = {0, 0};
	struct column ph = {.type = COL_BINARY}, out = {.type = l->f.type};
	memset(&src, 0, sizeof src);
	memset(&dst, 0, sizeof dst);
	if (l->phys == PQ_BYTE_ARRAY) {
		ph.offsets = offs;
		ph.data = (char *)p;
	} else {
		if (n > sizeof src && l->conv != CV_BIN_DEC && l->conv != CV_BIN_DBL)
			return false;
		ph.v.raw = n <= sizeof src ? memcpy(src.raw, p, n) : (void *)p;
	}
	out.v.raw = dst.raw;
	out.offsets = out_offs;
	out.data = text;
	out.data_cap = sizeof text;
	if (l->conv == CV_ID)
		memcpy(dst.raw, src.raw, want);
	else
		pq_convert(l, &ph, 1, &out, 0);
	if (l->conv == CV_UUID) {
		char *s = arena_strndup(&r->arena, text, 36);
		*bytes = s;
		*blen = 36;
		return true;
	}
	switch (l->f.type) {
	case COL_BOOL:
		v->b = dst.raw[0] != 0;
		break;
	case COL_INT32:
	case COL_DATE:
		memcpy(&v->i32, dst.raw, 4);
		break;
	case COL_FLOAT:
		memcpy(&v->f32, dst.raw, 4);
		break;
	case COL_DECIMAL:
		v->dec = dst.dec;
		break;
	default:
		memcpy(&v->i64, dst.raw, 8);
	}
	return true;
}

int pq_reader_stats(const struct pq_reader *rc, int rg, int col, struct pq_stats *st)
{
	struct pq_reader *r = (struct pq_reader *)rc; /* UUID text lives in the arena */
	memset(st, 0, sizeof *st);
	if (rg < 0 || rg >= r->meta.nrow_groups || col < 0 || col >= r->nout)
		return -1;
	const struct pq_top *t = &r->si.tops[r->out_top[col]];
	if (t->nested)
		return -1;
	const struct pq_leaf *l = &r->si.leaves[t->leaf_begin];
	const struct pq_column_meta *m = &r->meta.row_groups[rg].cols[t->leaf_begin];
	st->num_values = m->num_values;
	if (!m->has_statistics)
		return 0;
	const struct pq_statistics *s = &m->stats;
	st->has_null_count = s->has_null_count;
	st->null_count = s->null_count;
	const uint8_t *mn = NULL, *mx = NULL;
	uint32_t mnl = 0, mxl = 0;
	if (s->has_min_value && s->has_max_value) {
		mn = s->min_value, mnl = s->min_value_len, mx = s->max_value, mxl = s->max_value_len;
		st->min_exact = s->has_min_exact ? s->min_exact : true;
		st->max_exact = s->has_max_exact ? s->max_exact : true;
	} else if (s->has_min && s->has_max && legacy_ok(l)) {
		mn = s->min, mnl = s->min_len, mx = s->max, mxl = s->max_len;
		st->min_exact = st->max_exact = true;
	}
	if (mn && mx && stat_value(r, l, mn, mnl, &st->min, &st->min_bytes, &st->min_len) &&
	    stat_value(r, l, mx, mxl, &st->max, &st->max_bytes, &st->max_len))
		st->has_min_max = true;
	else
		st->min_bytes = st->max_bytes = NULL, st->min_len = st->max_len = 0;
	return 0;
}
