/* copy_read.c — see copy_read.h.
 *
 * Modes, decided once per file in cr_open:
 *   M_CSV         csv_reader straight into the target types
 *   M_CSV_SELECT  csv_reader into strings, then $N items converted here
 *   M_JSON        json_reader into the target types, keys mapped by name
 *   M_JSON_RECORD jsontok: each top-level value as compact JSON text
 *   M_PQ          pq_reader with a projection; absent columns are NULL
 *   M_PQ_RECORD   pq_reader: each row as a JSON object
 * After the reader, check_rows() applies what readers do not know:
 * VARCHAR(n) limits (or TRUNCATECOLUMNS) and NOT NULL for Parquet/records.
 *
 * A RECORD_DELIMITER other than newline is handled by swapping that byte
 * with '\n' in the decompressed stream (swap_read) and swapping string
 * values back, so quoted newlines still work.
 */
#include "warehouse/copy_read.h"
#include "core/buf.h"
#include "core/enc.h"
#include "core/mem.h"
#include "formats/csv.h"
#include "formats/fmt_text.h"
#include "formats/json.h"
#include "formats/jsontok.h"
#include "formats/num.h"
#include "formats/parquet.h"
#include "formats/source.h"
#include "formats/timefmt.h"
#include "store/blob.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define CR_BATCH 65536
#define CR_RECORD_MAX (16u << 20)

enum mode { M_CSV, M_CSV_SELECT, M_JSON, M_JSON_RECORD, M_PQ, M_PQ_RECORD };

struct creader {
	struct cr_spec spec;
	char name[512];
	enum mode mode;
	int fd;
	struct source *raw, *src;
	char swap;
	struct schema *rschema;   /* what the reader produces (owned) */
	struct schema *oschema;   /* target fields in load order (owned) */
	struct csv_options copt;  /* readers keep pointers to their options */
	struct json_options jopt;
	struct csv_reader *csv;
	struct json_reader *json;
	struct pq_reader *pq;
	struct jtok jt;
	bool jt_on;
	/* Two of each, used in turn, so the caller may still hold the batch of
	 * the previous call while this one is filled (pipelined loads). */
	struct batch *rbs[2], *obs[2];
	struct batch views[2];    /* M_PQ: the reader's columns, NULL ones where absent */
	uint8_t *skips[2];
	int cur;
	struct batch *rb, *ob, *view; /* the current ones */
	struct column *null_col;
	int *src_index;           /* M_PQ: output column -> reader column, or -1 */
	uint8_t *skip;            /* the current one */
	int64_t bad, rows;        /* rejected / delivered rows so far */
	bool stop, done;
	struct buf scratch, rec;
	struct tf_format iso;
	struct fmt_error fatal;
	bool have_fatal;
};

/* ------------------------------------------------------------ errors */

/* The reader's reason without the "FILE: line L, column C (NAME): " prefix
 * fmt_error_at puts before it. */
static const char *reason_of(const struct fmt_error *fe)
{
	char prefix[sizeof fe->msg];
	struct buf b;
	buf_init(&b, sizeof prefix - 1);
	if (fe->file[0])
		buf_addf(&b, "%s: ", fe->file);
	if (fe->line)
		buf_addf(&b, "line %lld%s", (long long)fe->line, fe->column ? ", " : ": ");
	if (fe->column)
		buf_addf(&b, fe->column_name[0] ? "column %lld (\"%s\"): " : "column %lld: ", (long long)fe->column,
			 fe->column_name);
	size_t n = b.len;
	bool match = n && !strncmp(fe->msg, buf_str(&b), n);
	buf_free(&b);
	return match ? fe->msg + n : fe->msg;
}

/* Snowflake's words for what the readers report. */
static void sf_message(const struct fmt_error *fe, char *out, size_t n, const char **category)
{
	const char *r = reason_of(fe);
	*category = "conversion";
	const char *is = strstr(r, " is not a valid ");
	if (is) {
		const char *type = is + 16;
		bool range = strstr(type, "(out of range)") != NULL;
		int vl = (int)(is - r);
		if (!strncmp(type, "int", 3) || !strncmp(type, "double", 6) || !strncmp(type, "float", 5) ||
		    !strncmp(type, "decimal", 7))
			snprintf(out, n, "Numeric value %.*s is %s", vl, r, range ? "out of range" : "not recognized");
		else if (!strncmp(type, "date", 4))
			snprintf(out, n, "Date %.*s is not recognized", vl, r);
		else if (!strncmp(type, "timestamp", 9))
			snprintf(out, n, "Timestamp %.*s is not recognized", vl, r);
		else if (!strncmp(type, "time", 4))
			snprintf(out, n, "Time %.*s is not recognized", vl, r);
		else if (!strncmp(type, "boolean", 7))
			snprintf(out, n, "Boolean value %.*s is not recognized", vl, r);
		else if (!strncmp(type, "binary", 6))
			snprintf(out, n, "The following string is not a legal hex-encoded value: %.*s", vl, r);
		else
			snprintf(out, n, "%s", r);
		return;
	}
	int want, found;
	if (sscanf(r, "expected %d fields, found %d", &want, &found) == 2) {
		*category = "parsing";
		snprintf(out, n,
			 "Number of columns in file (%d) does not match that of the corresponding table (%d), use file "
			 "format option error_on_column_count_mismatch=false to ignore this error",
			 found, want);
		return;
	}
	if (strstr(r, "does not allow NULL")) {
		snprintf(out, n, "NULL result in a non-nullable column");
		return;
	}
	if (strstr(r, "not valid UTF-8")) {
		snprintf(out, n, "Invalid UTF8 detected in string");
		return;
	}
	*category = "parsing";
	snprintf(out, n, "%s", r);
}

/* Position (1-based) of an output column by name, for "T"["C":n]. */
static int out_pos(const struct creader *r, const char *name)
{
	for (int i = 0; name && name[0] && i < r->oschema->nfields; i++)
		if (!strcmp(r->oschema->fields[i].name, name))
			return i + 1;
	return 0;
}

static void report(struct creader *r, const char *msg, const char *category, int64_t line, int64_t character,
		   int64_t offset, int64_t row, const char *colname)
{
	char label[WH_NAME_MAX * 2 + 32] = "";
	int pos = out_pos(r, colname);
	if (pos) {
		char up[WH_NAME_MAX];
		snprintf(up, sizeof up, "%s", r->spec.table->name);
		for (char *s = up; *s; s++)
			*s = (char)(*s >= 'a' && *s <= 'z' ? *s - 32 : *s);
		snprintf(label, sizeof label, "\"%s\"[\"%s\":%d]", up, colname, pos);
	}
	struct cr_error ce = {
		.msg = msg,
		.file = r->name,
		.line = line,
		.character = character,
		.byte_offset = offset,
		.row = row,
		.column = label,
		.category = category,
		.code = !strcmp(category, "parsing") ? "100080" : "100038",
		.sqlstate = !strcmp(category, "parsing") ? "22000" : "22018",
	};
	if (r->spec.on_error && r->spec.on_error(r->spec.ctx, &ce))
		r->stop = true;
}

static void report_fmt(struct creader *r, const struct fmt_error *fe, int64_t row)
{
	char msg[1024];
	const char *cat;
	sf_message(fe, msg, sizeof msg, &cat);
	report(r, msg, cat, fe->line, fe->column, fe->offset, row, fe->column_name);
}

static void on_bad_row(void *ctx, const struct fmt_error *fe)
{
	struct creader *r = ctx;
	r->bad++;
	report_fmt(r, fe, r->rows + r->bad + (r->rb ? (int64_t)r->rb->nrows : 0));
}

/* ------------------------------------------------------------ sources */

static long swap_read(void *ctx, void *buf, size_t n)
{
	struct creader *r = ctx;
	struct fmt_error fe;
	long got = source_read(r->raw, buf, n, &fe);
	if (got < 0) {
		r->fatal = fe;
		r->have_fatal = true;
		return -1;
	}
	char *p = buf;
	for (long i = 0; i < got; i++) {
		if (p[i] == r->swap)
			p[i] = '\n';
		else if (p[i] == '\n')
			p[i] = r->swap;
	}
	return got;
}

/* String values got the swapped bytes: put them back. */
static void unswap(struct creader *r, struct batch *b)
{
	for (int i = 0; i < b->schema->nfields; i++) {
		struct column *c = &b->cols[i];
		if (!col_is_varwidth(c->type))
			continue;
		for (size_t k = 0; k < c->data_len; k++) {
			if (c->data[k] == '\n')
				c->data[k] = r->swap;
			else if (c->data[k] == r->swap)
				c->data[k] = '\n';
		}
	}
}

static int open_text_source(struct creader *r, struct wh_err *e)
{
	r->raw = source_from_fd(r->fd, true, r->spec.ff->codec);
	r->fd = -1;
	source_set_name(r->raw, r->name);
	r->src = r->raw;
	if (r->swap) {
		r->src = source_from_callback(swap_read, r, FMT_CODEC_NONE);
		source_set_name(r->src, r->name);
	}
	(void)e;
	return 0;
}

/* ------------------------------------------------------------ schemas */

static struct field *add_field(struct schema *s, const char *name, const struct field *like)
{
	struct field *f = schema_add(s, name, like->type, like->nullable);
	f->utc = like->utc;
	f->unit = like->unit;
	f->precision = like->precision;
	f->scale = like->scale;
	f->is_unsigned = like->is_unsigned;
	return f;
}

static const struct wh_tcol *tcol(const struct creader *r, int i)
{
	return &r->spec.table->cols[r->spec.target[i]];
}

/* Output schema: target columns, their names and load types. */
static void build_oschema(struct creader *r)
{
	r->oschema = schema_new();
	for (int i = 0; i < r->spec.ntarget; i++) {
		const struct wh_tcol *c = tcol(r, i);
		add_field(r->oschema, c->name, &c->type);
	}
}

/* ------------------------------------------------------------ opening */

static int open_csv(struct creader *r, struct wh_err *e)
{
	r->copt = r->spec.ff->csv;
	struct csv_options *o = &r->copt;
	o->on_bad_row = on_bad_row;
	o->bad_row_ctx = r;
	const struct schema *s = r->oschema;
	if (r->spec.select) {
		/* Every source field up to the highest $N, as text. */
		int k = 0;
		for (int i = 0; i < r->spec.nselect; i++)
			if (r->spec.select[i].col > k)
				k = r->spec.select[i].col;
		r->rschema = schema_new();
		for (int i = 0; i < k; i++) {
			char nm[16];
			snprintf(nm, sizeof nm, "c%d", i + 1);
			schema_add(r->rschema, nm, COL_STRING, true);
		}
		o->ragged = CSV_RAGGED_PAD;
		s = r->rschema;
		r->mode = M_CSV_SELECT;
	} else {
		o->match_by_name = r->spec.match != CR_BY_POSITION && o->header;
		r->mode = M_CSV;
	}
	struct fmt_error fe;
	if (csv_reader_open(r->src, o, s, &r->csv, &fe)) {
		wh_err_set(e, "22000", "%s", reason_of(&fe));
		return -1;
	}
	return 0;
}

/* A field of s named name in any case, or -1. */
static int schema_find_ci(const struct schema *s, const char *name)
{
	for (int i = 0; i < s->nfields; i++)
		if (!strcasecmp(s->fields[i].name, name))
			return i;
	return -1;
}

static int open_json(struct creader *r, struct wh_err *e)
{
	r->jopt = r->spec.ff->json;
	struct json_options *o = &r->jopt;
	o->on_bad_row = on_bad_row;
	o->bad_row_ctx = r;
	if (!r->spec.select && r->spec.match == CR_BY_POSITION) {
		if (r->spec.ntarget != 1) {
			wh_err_set(e, "0A000",
				   "JSON file format can produce one and only one column of type variant, object, or array. Load "
				   "data into separate columns using the MATCH_BY_COLUMN_NAME copy option or copy with "
				   "transformation.");
			return -1;
		}
		r->mode = M_JSON_RECORD;
		jt_init(&r->jt, r->src, o->strip_outer_array, CR_RECORD_MAX);
		r->jt_on = true;
		return 0;
	}
	r->mode = M_JSON;
	r->rschema = schema_new();
	if (r->spec.select) {
		for (int i = 0; i < r->spec.nselect; i++) {
			const char *path = r->spec.select[i].path;
			if (r->spec.select[i].col != 1 || !path) {
				wh_err_set(e, "0A000", "a JSON record is $1; select its members as $1:name");
				return -1;
			}
			if (strchr(path, '.'))
				o->flatten = true;
			add_field(r->rschema, path, &r->oschema->fields[i]);
		}
	} else {
		/* Each record's keys match the columns, in any case for
		 * CASE_INSENSITIVE, record by record as Snowflake does. */
		o->ignore_case = r->spec.match == CR_BY_NAME_CI;
		for (int i = 0; i < r->oschema->nfields; i++) {
			const char *use = r->oschema->fields[i].name;
			/* Two targets cannot read one key: the second gets a name no key has. */
			char alt[WH_NAME_MAX + 8];
			if (o->ignore_case ? schema_find_ci(r->rschema, use) >= 0 : schema_find(r->rschema, use) >= 0) {
				snprintf(alt, sizeof alt, "\x01%d", i);
				use = alt;
			}
			add_field(r->rschema, use, &r->oschema->fields[i]);
		}
	}
	struct fmt_error fe;
	if (json_reader_open(r->src, o, r->rschema, &r->json, &fe)) {
		wh_err_set(e, "22000", "%s", reason_of(&fe));
		return -1;
	}
	return 0;
}

static int pq_fail(struct wh_err *e, const struct fmt_error *fe)
{
	wh_err_set(e, "22000", "%s", fe->msg);
	return -1;
}

static int open_parquet(struct creader *r, struct wh_err *e)
{
	struct fmt_error fe;
	struct pq_reader *probe;
	if (pq_reader_open_fd(&probe, r->fd, r->name, NULL, &fe))
		return pq_fail(e, &fe);
	const struct schema *fs = pq_reader_schema(probe);
	const char **cols = xcalloc((size_t)(r->spec.ntarget + 1), sizeof *cols);
	int ncols = 0;
	r->src_index = xcalloc((size_t)(r->spec.ntarget + 1), sizeof *r->src_index);
	bool record = !r->spec.select && r->spec.match == CR_BY_POSITION;
	if (record && r->spec.ntarget != 1) {
		pq_reader_close(probe);
		free(cols);
		wh_err_set(e, "0A000",
			   "PARQUET file format can produce one and only one column of type variant, object, or array. Load "
			   "data into separate columns using the MATCH_BY_COLUMN_NAME copy option or copy with "
			   "transformation.");
		return -1;
	}
	int rc = 0;
	if (!record) {
		for (int i = 0; i < r->spec.ntarget; i++) {
			const char *want = r->oschema->fields[i].name;
			bool cs = r->spec.match == CR_BY_NAME_CS;
			if (r->spec.select) {
				const struct dl_select *it = &r->spec.select[i];
				if (it->col != 1 || !it->path || strchr(it->path, '.')) {
					wh_err_set(e, "0A000", "a Parquet row is $1; select its columns as $1:name");
					rc = -1;
					break;
				}
				want = it->path;
				cs = true;
			}
			r->src_index[i] = -1;
			for (int k = 0; k < fs->nfields; k++)
				if (cs ? !strcmp(fs->fields[k].name, want) : !strcasecmp(fs->fields[k].name, want)) {
					int j;
					for (j = 0; j < ncols && strcmp(cols[j], fs->fields[k].name); j++)
						;
					if (j == ncols)
						cols[ncols++] = fs->fields[k].name;
					r->src_index[i] = j;
					break;
				}
		}
	}
	struct pq_read_opts po = {.columns = record ? NULL : cols, .ncolumns = record ? 0 : ncols};
	if (!rc && (record || ncols) && pq_reader_open_fd(&r->pq, r->fd, r->name, &po, &fe))
		rc = pq_fail(e, &fe);
	pq_reader_close(probe);
	free(cols);
	if (rc)
		return -1;
	r->mode = record ? M_PQ_RECORD : M_PQ;
	if (!r->pq)
		return 0; /* none of the columns is in the file: every row NULL... and no rows to read */
	for (int k = 0; k < 2; k++)
		r->rbs[k] = batch_new(pq_reader_schema(r->pq), CR_BATCH);
	if (record)
		return 0;
	/* The view: reader columns under target names, NULL where absent. */
	const struct schema *ps = pq_reader_schema(r->pq);
	r->rschema = schema_new();
	for (int i = 0; i < r->spec.ntarget; i++) {
		const struct field *tf = &r->oschema->fields[i];
		if (r->src_index[i] < 0) {
			add_field(r->rschema, tf->name, tf);
			continue;
		}
		struct field *f = add_field(r->rschema, tf->name, &ps->fields[r->src_index[i]]);
		if (f->type == COL_BINARY && r->spec.ff->binary_as_text && (tf->type == COL_STRING || tf->type == COL_JSON))
			f->type = COL_STRING;
		f->nullable = tf->nullable;
	}
	for (int k = 0; k < 2; k++) {
		r->views[k].schema = r->rschema;
		r->views[k].cap = CR_BATCH;
		r->views[k].cols = xcalloc((size_t)(r->spec.ntarget + 1), sizeof *r->views[k].cols);
	}
	r->null_col = xcalloc(1, sizeof *r->null_col);
	r->null_col->valid = xcalloc(CR_BATCH / 8 + 1, 1);
	r->null_col->v.raw = xcalloc(CR_BATCH, 16);
	r->null_col->offsets = xcalloc(CR_BATCH + 1, sizeof(uint32_t));
	r->null_col->data = xcalloc(1, 1);
	return 0;
}

int cr_open(const struct cr_spec *spec, const char *blob, const char *name, struct creader **out, struct wh_err *e)
{
	*out = NULL;
	struct creader *r = xcalloc(1, sizeof *r);
	r->spec = *spec;
	r->fd = -1;
	snprintf(r->name, sizeof r->name, "%s", name);
	buf_init(&r->scratch, CR_RECORD_MAX + 1024);
	buf_init(&r->rec, CR_RECORD_MAX + 1024);
	tf_compile(NULL, &r->iso, NULL, 0);
	build_oschema(r);
	r->fd = blob_open(blob);
	int rc = 0;
	if (r->fd < 0) {
		wh_err_set(e, "58030", "Remote file '%s' was not found.", name);
		rc = -1;
	} else if (spec->ff->type == FT_PARQUET) {
		rc = open_parquet(r, e);
	} else {
		r->swap = spec->ff->type == FT_CSV ? spec->ff->record_delim : 0;
		open_text_source(r, e);
		rc = spec->ff->type == FT_CSV ? open_csv(r, e) : open_json(r, e);
		if (!rc && (r->mode == M_CSV || r->mode == M_CSV_SELECT || r->mode == M_JSON))
			for (int k = 0; k < 2; k++)
				r->rbs[k] = batch_new(r->mode == M_CSV ? r->oschema : r->rschema, CR_BATCH);
	}
	if (!rc && (r->mode == M_CSV_SELECT || r->mode == M_JSON_RECORD || r->mode == M_PQ_RECORD))
		for (int k = 0; k < 2; k++)
			r->obs[k] = batch_new(r->oschema, CR_BATCH);
	for (int k = 0; k < 2; k++)
		r->skips[k] = xcalloc(CR_BATCH, 1);
	r->rb = r->rbs[0];
	r->ob = r->obs[0];
	r->view = &r->views[0];
	r->skip = r->skips[0];
	if (rc) {
		cr_close(r);
		return -1;
	}
	*out = r;
	return 0;
}

void cr_close(struct creader *r)
{
	if (!r)
		return;
	/* Batches first: a batch may point at its reader's schema (Parquet). */
	for (int k = 0; k < 2; k++) {
		batch_free(r->rbs[k]);
		batch_free(r->obs[k]);
		free(r->views[k].cols);
		free(r->skips[k]);
	}
	csv_reader_free(r->csv);
	json_reader_free(r->json);
	pq_reader_close(r->pq);
	if (r->jt_on)
		jt_free(&r->jt);
	if (r->src && r->src != r->raw)
		source_close(r->src);
	source_close(r->raw);
	if (r->fd >= 0)
		close(r->fd);
	if (r->null_col) {
		free(r->null_col->valid);
		free(r->null_col->v.raw);
		free(r->null_col->offsets);
		free(r->null_col->data);
		free(r->null_col);
	}
	free(r->src_index);
	schema_free(r->rschema);
	schema_free(r->oschema);
	buf_free(&r->scratch);
	buf_free(&r->rec);
	free(r);
}

int64_t cr_rows_parsed(const struct creader *r)
{
	return r->rows + r->bad;
}

/* ------------------------------------------------------------ rows */

static size_t utf8_chars(const char *p, size_t n)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		k += ((unsigned char)p[i] & 0xc0) != 0x80;
	return k;
}

/* Byte length of the first max characters. */
static size_t utf8_prefix(const char *p, size_t n, size_t max)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (((unsigned char)p[i] & 0xc0) != 0x80) {
			if (k == max)
				return i;
			k++;
		}
	}
	return n;
}

/* Cuts over-long strings of column c to max characters, compacting data. */
static void truncate_col(struct column *c, size_t nrows, size_t max)
{
	uint32_t w = c->offsets[0];
	for (size_t i = 0; i < nrows; i++) {
		uint32_t a = c->offsets[i], b = c->offsets[i + 1];
		size_t keep = utf8_prefix(c->data + a, b - a, max);
		if (w != a)
			memmove(c->data + w, c->data + a, keep);
		c->offsets[i] = w;
		w += (uint32_t)keep;
	}
	c->offsets[nrows] = w;
	c->data_len = w;
}

/* What readers do not check: lengths, and NOT NULL where no reader looked. */
static void check_rows(struct creader *r, struct batch *b)
{
	memset(r->skip, 0, b->nrows);
	bool nulls = r->mode == M_PQ || r->mode == M_PQ_RECORD || r->mode == M_JSON_RECORD;
	for (int i = 0; i < r->spec.ntarget; i++) {
		const struct wh_tcol *tc = tcol(r, i);
		struct column *c = &b->cols[i];
		if (nulls && tc->not_null)
			for (size_t k = 0; k < b->nrows; k++)
				if (!r->skip[k] && !col_is_valid(c, k)) {
					r->skip[k] = 1;
					report(r, "NULL result in a non-nullable column", "conversion", 0, i + 1, -1,
					       r->rows + (int64_t)k + 1, tc->name);
				}
		if (!tc->max_chars || (c->type != COL_STRING && c->type != COL_JSON))
			continue;
		bool cut = false;
		for (size_t k = 0; k < b->nrows; k++) {
			if (r->skip[k] || !col_is_valid(c, k))
				continue;
			size_t n;
			const char *p = col_bytes(c, k, &n);
			if (n <= (size_t)tc->max_chars || utf8_chars(p, n) <= (size_t)tc->max_chars)
				continue;
			if (r->spec.truncate) {
				cut = true;
				continue;
			}
			char shown[80], msg[200];
			fmt_text_quote(shown, sizeof shown, p, n);
			snprintf(msg, sizeof msg, "User character length limit (%d) exceeded by string %s", tc->max_chars, shown);
			r->skip[k] = 1;
			report(r, msg, "conversion", 0, i + 1, -1, r->rows + (int64_t)k + 1, tc->name);
		}
		if (cut)
			truncate_col(c, b->nrows, (size_t)tc->max_chars);
	}
}

/* M_CSV_SELECT: the selected text fields into their target types. */
static void convert_selected(struct creader *r)
{
	struct batch *in = r->rb, *out = r->ob;
	batch_clear(out);
	for (size_t k = 0; k < in->nrows; k++) {
		bool bad = false;
		for (int i = 0; i < r->spec.nselect && !bad; i++) {
			const struct column *c = &in->cols[r->spec.select[i].col - 1];
			const struct field *f = &r->oschema->fields[i];
			if (!col_is_valid(c, k)) {
				if (!f->nullable) {
					report(r, "NULL result in a non-nullable column", "conversion", 0, r->spec.select[i].col, -1,
					       r->rows + r->bad + (int64_t)k + 1, f->name);
					bad = true;
				}
				continue;
			}
			size_t n;
			const char *p = col_bytes(c, k, &n);
			if (col_is_varwidth(f->type) && f->type != COL_BINARY) {
				batch_set_bytes(out, i, p, n);
				continue;
			}
			int rc;
			if (f->type == COL_BINARY) {
				buf_reset(&r->scratch);
				rc = n % 2 || buf_reserve(&r->scratch, n / 2) ||
				     hex_decode(p, n, (unsigned char *)r->scratch.data);
				if (!rc)
					batch_set_bytes(out, i, r->scratch.data, n / 2);
			} else {
				const struct tf_format *fmt = &r->iso;
				rc = fmt_parse_cell(out, i, f, fmt, p, n);
			}
			if (rc) {
				char shown[80], msg[200];
				struct fmt_error fe;
				memset(&fe, 0, sizeof fe);
				fmt_text_quote(shown, sizeof shown, p, n);
				snprintf(fe.msg, sizeof fe.msg, "%s is not a valid %s%s", shown, col_type_name(f->type),
					 rc == NUM_RANGE ? " (out of range)" : "");
				const char *cat;
				sf_message(&fe, msg, sizeof msg, &cat);
				report(r, msg, cat, 0, r->spec.select[i].col, -1, r->rows + r->bad + (int64_t)k + 1, f->name);
				bad = true;
			}
		}
		if (bad) {
			batch_abort_row(out);
			r->bad++;
		} else {
			batch_finish_row(out);
		}
	}
}

/* ------------------------------------------------------------ whole records */

struct jrec {
	bool need[JT_MAX_DEPTH + 2];
	bool after_key;
};

static void jcomma(struct jrec *j, struct buf *b, int d)
{
	if (j->after_key) {
		j->after_key = false;
		return;
	}
	if (d >= 0 && d <= JT_MAX_DEPTH) {
		if (j->need[d])
			buf_addc(b, ',');
		j->need[d] = true;
	}
}

/* One top-level JSON value as compact text in r->rec: 1, 0 at the end, -1
 * with fe filled. */
static int json_record(struct creader *r, struct fmt_error *fe, int64_t *line)
{
	struct buf *b = &r->rec;
	buf_reset(b);
	struct jrec j;
	memset(&j, 0, sizeof j);
	bool started = false;
	struct jt_token tk;
	for (;;) {
		int rc = jt_next(&r->jt, &tk, fe);
		if (rc == 0) {
			if (!started)
				return 0;
			fmt_error_at(fe, r->name, *line, 0, NULL, -1, "the file ends inside a record");
			return -1;
		}
		if (rc < 0)
			return -1;
		if (!started) {
			*line = tk.line;
			started = true;
		}
		int d = tk.depth;
		int ok = 0;
		switch (tk.kind) {
		case JT_OBJ:
		case JT_ARR:
			jcomma(&j, b, d);
			ok = buf_addc(b, tk.kind == JT_OBJ ? '{' : '[');
			if (d + 1 <= JT_MAX_DEPTH)
				j.need[d + 1] = false;
			break;
		case JT_OBJ_END:
		case JT_ARR_END:
			ok = buf_addc(b, tk.kind == JT_OBJ_END ? '}' : ']');
			if (d == 0)
				return ok ? -1 : 1;
			break;
		case JT_KEY:
			jcomma(&j, b, d);
			ok = jt_put_string(b, tk.p, tk.n) || buf_addc(b, ':');
			j.after_key = true;
			break;
		case JT_STR:
			jcomma(&j, b, d);
			ok = jt_put_string(b, tk.p, tk.n);
			break;
		case JT_NUM:
			jcomma(&j, b, d);
			ok = buf_add(b, tk.p, tk.n);
			break;
		case JT_TRUE:
		case JT_FALSE:
		case JT_NULL:
			jcomma(&j, b, d);
			ok = buf_adds(b, tk.kind == JT_TRUE ? "true" : tk.kind == JT_FALSE ? "false" : "null");
			break;
		}
		if (ok) {
			fmt_error_at(fe, r->name, *line, 0, NULL, -1, "a record is larger than %u bytes", CR_RECORD_MAX);
			return -1;
		}
		if (d == 0 && tk.kind != JT_OBJ && tk.kind != JT_ARR)
			return 1;
	}
}

/* Sets the single output column from record text (JSON or string), or
 * parses it for another type. 0, or -1 when it does not fit. */
static int set_record(struct creader *r, const char *p, size_t n)
{
	const struct field *f = &r->oschema->fields[0];
	if (col_is_varwidth(f->type)) {
		batch_set_bytes(r->ob, 0, p, n);
		return 0;
	}
	return fmt_parse_cell(r->ob, 0, f, &r->iso, p, n) ? -1 : 0;
}

static long next_json_records(struct creader *r, struct fmt_error *fe)
{
	batch_clear(r->ob);
	while (r->ob->nrows < r->ob->cap && r->rec.len < (64u << 20)) {
		int64_t line = 0;
		int rc = json_record(r, fe, &line);
		if (rc == 0)
			break;
		if (rc < 0) {
			r->bad++;
			report_fmt(r, fe, r->rows + r->bad + (int64_t)r->ob->nrows);
			if (r->stop || jt_resync(&r->jt, NULL))
				return r->ob->nrows ? (long)r->ob->nrows : -2;
			continue;
		}
		if (set_record(r, r->rec.data, r->rec.len)) {
			batch_abort_row(r->ob);
			r->bad++;
			char shown[80], msg[200];
			fmt_text_quote(shown, sizeof shown, r->rec.data, r->rec.len);
			snprintf(msg, sizeof msg, "Failed to cast variant value %s to %s", shown,
				 col_type_name(r->oschema->fields[0].type));
			report(r, msg, "conversion", line, 1, -1, r->rows + r->bad + (int64_t)r->ob->nrows,
			       r->oschema->fields[0].name);
			if (r->stop)
				break;
			continue;
		}
		batch_finish_row(r->ob);
	}
	return (long)r->ob->nrows;
}

/* A Parquet row as a JSON object. */
static void row_json(struct creader *r, const struct batch *b, size_t k, struct buf *out)
{
	char tmp[FMT_CELL_TMP];
	buf_reset(out);
	buf_addc(out, '{');
	for (int i = 0; i < b->schema->nfields; i++) {
		const struct field *f = &b->schema->fields[i];
		const struct column *c = &b->cols[i];
		if (i)
			buf_addc(out, ',');
		jt_put_string(out, f->name, strlen(f->name));
		buf_addc(out, ':');
		if (!col_is_valid(c, k)) {
			buf_adds(out, "null");
			continue;
		}
		size_t n;
		const char *p;
		switch (c->type) {
		case COL_STRING:
			p = col_bytes(c, k, &n);
			jt_put_string(out, p, n);
			break;
		case COL_JSON:
			p = col_bytes(c, k, &n);
			buf_add(out, p, n);
			break;
		case COL_DOUBLE:
		case COL_FLOAT: {
			double d = c->type == COL_DOUBLE ? c->v.f64[k] : c->v.f32[k];
			if (d != d || d > 1.7976931348623157e308 || d < -1.7976931348623157e308) {
				buf_adds(out, "null");
				break;
			}
		}
			/* fall through */
		case COL_BOOL:
		case COL_INT32:
		case COL_INT64:
		case COL_DECIMAL:
			p = fmt_cell(c, f, k, &r->iso, &r->iso, tmp, &r->scratch, &n);
			buf_add(out, p, n);
			break;
		default: /* dates, times, binary (hex) as strings */
			p = fmt_cell(c, f, k, &r->iso, &r->iso, tmp, &r->scratch, &n);
			jt_put_string(out, p, n);
			break;
		}
	}
	buf_addc(out, '}');
}

/* ------------------------------------------------------------ cr_next */

static long fatal(struct creader *r, struct fmt_error *fe, struct wh_err *e)
{
	if (r->have_fatal)
		*fe = r->fatal;
	if (!fe->file[0])
		snprintf(fe->file, sizeof fe->file, "%s", r->name);
	char msg[1024];
	const char *cat;
	sf_message(fe, msg, sizeof msg, &cat);
	report(r, msg, "parsing", fe->line, fe->column, fe->offset, r->rows + r->bad + 1, fe->column_name);
	wh_err_set(e, "22000", "%s", msg);
	r->done = true;
	return -1;
}

long cr_next(struct creader *r, const struct batch **b, const uint8_t **skip, struct wh_err *e)
{
	*skip = NULL;
	*b = NULL;
	struct fmt_error fe;
	memset(&fe, 0, sizeof fe);
	/* The other set of buffers: the caller may still use the last batch. */
	r->cur ^= 1;
	r->rb = r->rbs[r->cur];
	r->ob = r->obs[r->cur];
	r->view = &r->views[r->cur];
	r->skip = r->skips[r->cur];
	for (;;) {
		if (r->done || r->stop)
			return 0;
		struct batch *out = NULL;
		long n = 0;
		switch (r->mode) {
		case M_CSV:
		case M_CSV_SELECT:
			n = csv_reader_next(r->csv, r->rb, &fe);
			out = r->rb;
			if (n > 0 && r->mode == M_CSV_SELECT) {
				convert_selected(r);
				out = r->ob;
			}
			break;
		case M_JSON:
			n = json_reader_next(r->json, r->rb, &fe);
			out = r->rb;
			break;
		case M_JSON_RECORD:
			n = next_json_records(r, &fe);
			out = r->ob;
			if (n == -2)
				return fatal(r, &fe, e);
			break;
		case M_PQ:
		case M_PQ_RECORD: {
			if (!r->pq)
				return 0;
			int rc = pq_reader_next(r->pq, r->rb, &fe);
			n = rc < 0 ? -1 : rc == 0 ? 0 : (long)r->rb->nrows;
			if (n <= 0)
				break;
			if (r->mode == M_PQ) {
				r->view->nrows = r->rb->nrows;
				for (int i = 0; i < r->spec.ntarget; i++) {
					int k = r->src_index[i];
					r->view->cols[i] = k >= 0 ? r->rb->cols[k] : *r->null_col;
					r->view->cols[i].type = r->rschema->fields[i].type;
				}
				out = r->view;
			} else {
				batch_clear(r->ob);
				for (size_t k = 0; k < r->rb->nrows; k++) {
					row_json(r, r->rb, k, &r->rec);
					if (set_record(r, r->rec.data, r->rec.len)) {
						batch_abort_row(r->ob);
						r->bad++;
						report(r, "Failed to cast a Parquet row to the column type", "conversion", 0, 1, -1,
						       r->rows + r->bad + (int64_t)k, r->oschema->fields[0].name);
						continue;
					}
					batch_finish_row(r->ob);
				}
				out = r->ob;
			}
			break;
		}
		}
		if (n < 0)
			return fatal(r, &fe, e);
		if (n == 0) {
			r->done = true;
			return 0;
		}
		if (!out->nrows)
			continue; /* every row of this stretch was rejected */
		if (r->swap)
			unswap(r, out);
		check_rows(r, out);
		r->rows += (int64_t)out->nrows;
		*b = out;
		*skip = r->skip;
		return (long)out->nrows;
	}
}
