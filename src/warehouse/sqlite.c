/* sqlite.c — the embedded warehouse backend (wh.h): a SQLite file in WAL
 * mode with synchronous=FULL, so a COMMIT that returned is on disk.
 *
 * Bulk load: prepared multi-row INSERTs (WH_SQLITE_ROWS rows of ? binds per
 * statement, fewer for wide tables) inside the caller's transaction, values
 * bound with their native type (integers as integers, text without copies).
 * SQLite applies a multi-row INSERT all or nothing, so when one fails the
 * rows are retried one by one to find and report the row it refused.
 *
 * Checkpoints: connections do not checkpoint on commit
 * (wal_autocheckpoint=0); wh.c's maintenance runs a PASSIVE checkpoint
 * every few seconds on a pool thread, so a big load returns once its WAL
 * frames are durable instead of also waiting for them to be copied.
 *
 * Leaves out: ATTACHed databases as separate Data API databases (there is
 * one, `dev`).
 */
#include "warehouse/wh.h"
#include "core/buf.h"
#include "core/mem.h"
#include "formats/fmt_text.h"
#include "formats/num.h"
#include "formats/timefmt.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define WH_SQLITE_ROWS 256

struct sq {
	sqlite3 *db;
};

static void sq_err(struct wh_err *e, sqlite3 *db, int rc)
{
	const char *state = "XX000";
	switch (rc & 0xff) {
	case SQLITE_CONSTRAINT:
		state = "23000";
		break;
	case SQLITE_INTERRUPT:
		state = "57014";
		break;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		state = "55P03";
		break;
	case SQLITE_ERROR:
		state = "42000";
		break;
	case SQLITE_CANTOPEN:
	case SQLITE_IOERR:
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
		state = "08000";
		break;
	}
	wh_err_set(e, state, "%s", db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
}

static int sq_open(const char *path, void **out, struct wh_err *e)
{
	struct sq *s = xcalloc(1, sizeof *s);
	int rc = sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		wh_err_set(e, "08001", "cannot open warehouse %s: %s", path, s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc));
		sqlite3_close(s->db);
		free(s);
		return -1;
	}
	sqlite3_busy_timeout(s->db, 30000);
	char *msg = NULL;
	rc = sqlite3_exec(s->db,
			  "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA cache_size=-16000; "
			  "PRAGMA temp_store=MEMORY; PRAGMA wal_autocheckpoint=0;",
			  /* checkpoints run in the background (wh.c): a load
			   * does not wait for its pages to be copied twice */
			  NULL, NULL, &msg);
	if (rc != SQLITE_OK) {
		wh_err_set(e, "08001", "cannot use warehouse %s: %s", path, msg ? msg : sqlite3_errstr(rc));
		sqlite3_free(msg);
		sqlite3_close(s->db);
		free(s);
		return -1;
	}
	*out = s;
	return 0;
}

static void sq_close(void *c)
{
	struct sq *s = c;
	if (!s)
		return;
	sqlite3_close_v2(s->db);
	free(s);
}

static void sq_interrupt(void *c)
{
	sqlite3_interrupt(((struct sq *)c)->db);
}

/* Redshift-style type names for declared SQLite types. */
static void describe_col(sqlite3_stmt *st, int i, struct wh_column *col)
{
	memset(col, 0, sizeof *col);
	snprintf(col->name, sizeof col->name, "%s", sqlite3_column_name(st, i));
	const char *decl = sqlite3_column_decltype(st, i);
	const char *tab = sqlite3_column_table_name(st, i);
	if (tab)
		snprintf(col->table_name, sizeof col->table_name, "%s", tab);
	col->nullable = 2;
	col->kind = WH_NULL;
	if (!decl || !*decl)
		return;
	struct field f;
	int maxc;
	wh_type_from_decl(decl, &f, &maxc);
	const char *tn = "varchar";
	switch (f.type) {
	case COL_BOOL:
		tn = "bool";
		col->kind = WH_BOOL;
		break;
	case COL_INT32:
	case COL_INT64:
		tn = "int8";
		col->kind = WH_INT;
		col->is_signed = true;
		col->precision = 19;
		break;
	case COL_FLOAT:
	case COL_DOUBLE:
		tn = "float8";
		col->kind = WH_DOUBLE;
		col->is_signed = true;
		col->precision = 17;
		break;
	case COL_DECIMAL:
		tn = "numeric";
		col->kind = WH_TEXT;
		col->is_signed = true;
		col->precision = f.precision;
		col->scale = f.scale;
		break;
	case COL_DATE:
		tn = "date";
		col->kind = WH_TEXT;
		break;
	case COL_TIMESTAMP:
		tn = f.utc ? "timestamptz" : "timestamp";
		col->kind = WH_TEXT;
		break;
	case COL_TIME:
		tn = "time";
		col->kind = WH_TEXT;
		break;
	case COL_BINARY:
		tn = "bytea";
		col->kind = WH_BLOB;
		break;
	default:
		tn = "varchar";
		col->kind = WH_TEXT;
		col->length = maxc;
		break;
	}
	snprintf(col->type_name, sizeof col->type_name, "%s", tn);
}

/* Only whitespace, semicolons and comments may follow a statement. */
static bool tail_is_empty(const char *p)
{
	while (*p) {
		if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == ';') {
			p++;
		} else if (p[0] == '-' && p[1] == '-') {
			while (*p && *p != '\n')
				p++;
		} else if (p[0] == '/' && p[1] == '*') {
			const char *e = strstr(p + 2, "*/");
			if (!e)
				return true;
			p = e + 2;
		} else {
			return false;
		}
	}
	return true;
}

static int sq_exec(void *c, const char *sql, const char *const *params, int nparams, const struct wh_sink *sink,
		   struct wh_status *stt, struct wh_err *e)
{
	struct sq *s = c;
	sqlite3_stmt *st = NULL;
	const char *tail = NULL;
	int rc = sqlite3_prepare_v2(s->db, sql, -1, &st, &tail);
	if (rc != SQLITE_OK) {
		sq_err(e, s->db, rc);
		return -1;
	}
	if (!st) { /* only a comment or whitespace */
		stt->has_result_set = false;
		return 0;
	}
	if (tail && !tail_is_empty(tail)) {
		sqlite3_finalize(st);
		wh_err_set(e, "42601", "cannot insert multiple commands into a prepared statement");
		return -1;
	}
	/* Rows a DML statement changed: sqlite3_changes() would still report the
	 * previous DML after DDL, the running total does not. */
	int64_t before = sqlite3_total_changes64(s->db);
	/* Parameters are numbered $N (or ?N): bind by the number in the name,
	 * so the order they first appear in does not matter. */
	int want = sqlite3_bind_parameter_count(st);
	for (int i = 1; i <= want; i++) {
		const char *pn = sqlite3_bind_parameter_name(st, i);
		long k = i;
		if (pn && (pn[0] == '$' || pn[0] == '?')) {
			char *end;
			k = strtol(pn + 1, &end, 10);
			if (end == pn + 1 || *end)
				k = 0;
		}
		if (k >= 1 && k <= nparams)
			sqlite3_bind_text(st, i, params[k - 1], -1, SQLITE_STATIC);
	}
	int ncols = sqlite3_column_count(st);
	struct wh_column *cols = NULL;
	struct wh_value *vals = NULL;
	int out = 0;
	if (ncols > 0) {
		stt->has_result_set = true;
		cols = xcalloc((size_t)ncols, sizeof *cols);
		vals = xcalloc((size_t)ncols, sizeof *vals);
		for (int i = 0; i < ncols; i++)
			describe_col(st, i, &cols[i]);
		if (sink && sink->columns && sink->columns(sink->ctx, cols, ncols)) {
			wh_err_set(e, "54000", "result set refused by the client");
			out = -1;
			goto done;
		}
	}
	int64_t nrows = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		nrows++;
		if (!sink || !sink->row)
			continue;
		for (int i = 0; i < ncols; i++) {
			struct wh_value *v = &vals[i];
			memset(v, 0, sizeof *v);
			switch (sqlite3_column_type(st, i)) {
			case SQLITE_NULL:
				v->kind = WH_NULL;
				break;
			case SQLITE_INTEGER:
				v->i = sqlite3_column_int64(st, i);
				v->kind = cols[i].kind == WH_BOOL ? WH_BOOL : WH_INT;
				if (cols[i].kind == WH_TEXT && !strcmp(cols[i].type_name, "numeric"))
					goto as_text;
				if (cols[i].kind == WH_DOUBLE) {
					v->kind = WH_DOUBLE;
					v->d = (double)v->i;
				}
				break;
			case SQLITE_FLOAT:
				v->d = sqlite3_column_double(st, i);
				v->kind = WH_DOUBLE;
				if (cols[i].kind == WH_TEXT && !strcmp(cols[i].type_name, "numeric"))
					goto as_text;
				break;
			case SQLITE_BLOB:
				v->p = sqlite3_column_blob(st, i);
				v->n = (size_t)sqlite3_column_bytes(st, i);
				v->kind = WH_BLOB;
				break;
			default:
			as_text:
				v->p = (const char *)sqlite3_column_text(st, i);
				v->n = (size_t)sqlite3_column_bytes(st, i);
				v->kind = WH_TEXT;
				break;
			}
		}
		if (sink->row(sink->ctx, vals, ncols)) {
			wh_err_set(e, "54000", "result set refused by the client");
			out = -1;
			goto done;
		}
	}
	if (rc != SQLITE_DONE) {
		sq_err(e, s->db, rc);
		out = -1;
		goto done;
	}
	stt->rows = ncols > 0 ? nrows : sqlite3_total_changes64(s->db) - before;
done:
	free(cols);
	free(vals);
	sqlite3_finalize(st);
	return out;
}

static int sq_describe(void *c, const struct wh_tname *t, struct wh_table *out, struct wh_err *e)
{
	struct sq *s = c;
	memset(out, 0, sizeof *out);
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(s->db,
				    "SELECT name, type, \"notnull\", dflt_value IS NOT NULL FROM pragma_table_info(?1, ?2) "
				    "ORDER BY cid",
				    -1, &st, NULL);
	if (rc != SQLITE_OK) {
		sq_err(e, s->db, rc);
		return -1;
	}
	sqlite3_bind_text(st, 1, t->table.text, -1, SQLITE_STATIC);
	if (t->schema.text[0])
		sqlite3_bind_text(st, 2, t->schema.text, -1, SQLITE_STATIC);
	else
		sqlite3_bind_text(st, 2, "main", -1, SQLITE_STATIC);
	int cap = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && out->ncols < WH_MAX_COLS) {
		if (out->ncols == cap) {
			cap = cap ? cap * 2 : 16;
			out->cols = xrealloc(out->cols, sizeof *out->cols * (size_t)cap);
		}
		struct wh_tcol *col = &out->cols[out->ncols++];
		memset(col, 0, sizeof *col);
		snprintf(col->name, sizeof col->name, "%s", (const char *)sqlite3_column_text(st, 0));
		const char *decl = (const char *)sqlite3_column_text(st, 1);
		snprintf(col->decl, sizeof col->decl, "%s", decl ? decl : "");
		wh_type_from_decl(col->decl, &col->type, &col->max_chars);
		col->not_null = sqlite3_column_int(st, 2) != 0;
		col->type.nullable = !col->not_null;
		col->has_default = sqlite3_column_int(st, 3) != 0;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		sq_err(e, s->db, rc);
		wh_table_free(out);
		return -1;
	}
	if (!out->ncols) {
		wh_err_set(e, "42P01", "relation \"%s\" does not exist", t->table.text);
		return -1;
	}
	/* The name as the table was created (SQLite matches names without
	 * regard to case): load history is keyed by it. */
	snprintf(out->name, sizeof out->name, "%s", t->table.text);
	const char *schema = t->schema.text[0] ? t->schema.text : "main";
	char sql[160];
	snprintf(sql, sizeof sql, "SELECT name FROM \"%s\".sqlite_master WHERE type IN ('table', 'view') AND name = ?1 "
				  "COLLATE NOCASE", !strcasecmp(schema, "temp") ? "temp" : "main");
	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, t->table.text, -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_ROW)
			snprintf(out->name, sizeof out->name, "%s", (const char *)sqlite3_column_text(st, 0));
		sqlite3_finalize(st);
	}
	snprintf(out->schema, sizeof out->schema, "%s", t->schema.text[0] && strcasecmp(schema, "main") ? schema : "");
	return 0;
}

/* ---------------------------------------------------------------- loads */

struct wh_loader {
	struct sq *s;
	sqlite3_stmt *multi, *single;
	int ncols;
	int rows_per;         /* rows bound by `multi` */
	const struct field **types; /* target field per loaded column */
	wh_row_error_fn on_error;
	void *ctx;
	int64_t loaded;
	struct tf_format iso;
	int32_t day_cached;     /* the last day formatted, and its text */
	char day_text[16];
	size_t day_len;
	size_t pending[WH_SQLITE_ROWS]; /* batch rows bound into `multi` so far */
	int npending;
};

static sqlite3_stmt *build_insert(struct sq *s, const struct wh_table *t, const int *cols, int ncols, int rows,
				  struct wh_err *e)
{
	struct buf b;
	buf_init(&b, BUF_UNLIMITED);
	buf_adds(&b, "INSERT INTO ");
	if (t->schema[0]) {
		wh_quote_ident(&b, t->schema);
		buf_addc(&b, '.');
	}
	wh_quote_ident(&b, t->name);
	buf_adds(&b, " (");
	for (int i = 0; i < ncols; i++) {
		if (i)
			buf_addc(&b, ',');
		wh_quote_ident(&b, t->cols[cols[i]].name);
	}
	buf_adds(&b, ") VALUES ");
	for (int r = 0; r < rows; r++) {
		buf_adds(&b, r ? ",(" : "(");
		for (int i = 0; i < ncols; i++)
			buf_adds(&b, i ? ",?" : "?");
		buf_addc(&b, ')');
	}
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v3(s->db, buf_str(&b), (int)b.len, SQLITE_PREPARE_PERSISTENT, &st, NULL);
	buf_free(&b);
	if (rc != SQLITE_OK) {
		sq_err(e, s->db, rc);
		return NULL;
	}
	return st;
}

static int sq_load_open(void *c, const struct wh_table *t, const int *cols, int ncols, wh_row_error_fn on_error,
			void *ctx, struct wh_loader **out, struct wh_err *e)
{
	struct sq *s = c;
	struct wh_loader *l = xcalloc(1, sizeof *l);
	l->s = s;
	l->ncols = ncols;
	l->on_error = on_error;
	l->ctx = ctx;
	int maxvars = sqlite3_limit(s->db, SQLITE_LIMIT_VARIABLE_NUMBER, -1);
	l->rows_per = ncols > 0 ? maxvars / ncols : 1;
	if (l->rows_per > WH_SQLITE_ROWS)
		l->rows_per = WH_SQLITE_ROWS;
	if (l->rows_per < 1)
		l->rows_per = 1;
	l->types = xcalloc((size_t)ncols, sizeof *l->types);
	for (int i = 0; i < ncols; i++)
		l->types[i] = &t->cols[cols[i]].type;
	tf_compile(NULL, &l->iso, NULL, 0);
	l->single = build_insert(s, t, cols, ncols, 1, e);
	if (l->single && l->rows_per > 1)
		l->multi = build_insert(s, t, cols, ncols, l->rows_per, e);
	if (!l->single || (l->rows_per > 1 && !l->multi)) {
		sqlite3_finalize(l->single);
		free(l->types);
		free(l);
		return -1;
	}
	*out = l;
	return 0;
}

/* ISO text of a day; loads repeat days, so the last one is cached. */
static size_t day_text(struct wh_loader *l, int32_t days, char *out)
{
	if (!l->day_len || days != l->day_cached) {
		l->day_len = tf_format_date(&l->iso, days, l->day_text);
		l->day_cached = days;
	}
	memcpy(out, l->day_text, l->day_len);
	return l->day_len;
}

static char *two(char *o, int v)
{
	o[0] = (char)('0' + v / 10);
	o[1] = (char)('0' + v % 10);
	return o + 2;
}

/* tf_format_ts's AUTO text ("YYYY-MM-DD HH:MM:SS"), fast for whole
 * seconds; anything else goes to tf_format_ts. */
static size_t ts_text(struct wh_loader *l, int64_t v, const struct field *f, char *out)
{
	static const int64_t per_sec[] = {1000, 1000000, 1000000000, 1};
	int64_t ps = per_sec[f->unit];
	if (f->utc || v % ps || v < 0 || v / ps > 253402300799LL)
		return tf_format_ts(&l->iso, v, f->unit, f->utc, out);
	int64_t sec = v / ps, days = sec / 86400, rem = sec % 86400;
	char *o = out + day_text(l, (int32_t)days, out);
	*o++ = ' ';
	o = two(o, (int)(rem / 3600));
	*o++ = ':';
	o = two(o, (int)(rem / 60 % 60));
	*o++ = ':';
	o = two(o, (int)(rem % 60));
	return (size_t)(o - out);
}

/* Binds the value of batch row r, column i to parameter idx. */
static void bind_cell(struct wh_loader *l, sqlite3_stmt *st, int idx, const struct batch *b, int i, size_t r)
{
	const struct column *col = &b->cols[i];
	if (!col_is_valid(col, r)) {
		sqlite3_bind_null(st, idx);
		return;
	}
	const struct field *f = &b->schema->fields[i];
	char tmp[FMT_CELL_TMP];
	size_t n;
	switch (col->type) {
	case COL_BOOL:
		sqlite3_bind_int(st, idx, col->v.u8[r]);
		return;
	case COL_INT32:
		sqlite3_bind_int(st, idx, col->v.i32[r]);
		return;
	case COL_INT64:
		sqlite3_bind_int64(st, idx, col->v.i64[r]);
		return;
	case COL_FLOAT:
		sqlite3_bind_double(st, idx, col->v.f32[r]);
		return;
	case COL_DOUBLE:
		sqlite3_bind_double(st, idx, col->v.f64[r]);
		return;
	case COL_DECIMAL: {
		__int128 v = col->v.dec[r];
		if (f->scale == 0 && v >= INT64_MIN && v <= INT64_MAX) {
			sqlite3_bind_int64(st, idx, (int64_t)v);
			return;
		}
		n = num_fmt_decimal(v, f->scale, tmp);
		sqlite3_bind_text(st, idx, tmp, (int)n, SQLITE_TRANSIENT);
		return;
	}
	case COL_DATE:
		n = day_text(l, col->v.i32[r], tmp);
		sqlite3_bind_text(st, idx, tmp, (int)n, SQLITE_TRANSIENT);
		return;
	case COL_TIMESTAMP:
		n = ts_text(l, col->v.i64[r], f, tmp);
		sqlite3_bind_text(st, idx, tmp, (int)n, SQLITE_TRANSIENT);
		return;
	case COL_TIME:
		n = tf_format_time(col->v.i64[r], f->unit, tmp);
		sqlite3_bind_text(st, idx, tmp, (int)n, SQLITE_TRANSIENT);
		return;
	case COL_BINARY: {
		const char *p = col_bytes(col, r, &n);
		sqlite3_bind_blob64(st, idx, p, n, SQLITE_STATIC);
		return;
	}
	default: {
		const char *p = col_bytes(col, r, &n);
		sqlite3_bind_text64(st, idx, p, n, SQLITE_STATIC, SQLITE_UTF8);
		return;
	}
	}
}

static int step_one(struct wh_loader *l, sqlite3_stmt *st, struct wh_err *e)
{
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return 0;
	sq_err(e, l->s->db, rc);
	return -1;
}

/* Rows one at a time, reporting each refused row. */
static int insert_singly(struct wh_loader *l, const struct batch *b, const size_t *rows, int n, struct wh_err *e)
{
	for (int k = 0; k < n; k++) {
		for (int i = 0; i < l->ncols; i++)
			bind_cell(l, l->single, i + 1, b, i, rows[k]);
		if (step_one(l, l->single, e)) {
			int code = sqlite3_errcode(l->s->db) & 0xff;
			if (!l->on_error || (code != SQLITE_CONSTRAINT && code != SQLITE_MISMATCH && code != SQLITE_TOOBIG))
				return -1;
			if (l->on_error(l->ctx, rows[k], e->msg))
				return -1;
			continue;
		}
		l->loaded++;
	}
	return 0;
}

static int flush_multi(struct wh_loader *l, const struct batch *b, struct wh_err *e)
{
	if (!l->npending)
		return 0;
	int n = l->npending;
	l->npending = 0;
	if (n == l->rows_per && l->multi) {
		if (step_one(l, l->multi, e) == 0) {
			l->loaded += n;
			return 0;
		}
		int code = sqlite3_errcode(l->s->db) & 0xff;
		if (code != SQLITE_CONSTRAINT && code != SQLITE_MISMATCH && code != SQLITE_TOOBIG)
			return -1;
		/* The statement changed nothing: find the row it refused. */
	} else if (l->multi) {
		sqlite3_clear_bindings(l->multi);
	}
	return insert_singly(l, b, l->pending, n, e);
}

static int sq_load_batch(struct wh_loader *l, const struct batch *b, const uint8_t *skip, struct wh_err *e)
{
	if (b->schema->nfields != l->ncols) {
		wh_err_set(e, "XX000", "loader: batch has %d columns, expected %d", b->schema->nfields, l->ncols);
		return -1;
	}
	for (size_t r = 0; r < b->nrows; r++) {
		if (skip && skip[r])
			continue;
		if (!l->multi) {
			if (insert_singly(l, b, &r, 1, e))
				return -1;
			continue;
		}
		int base = l->npending * l->ncols;
		for (int i = 0; i < l->ncols; i++)
			bind_cell(l, l->multi, base + i + 1, b, i, r);
		l->pending[l->npending++] = r;
		if (l->npending == l->rows_per && flush_multi(l, b, e))
			return -1;
	}
	/* Bound text points into b, which the caller reuses: finish now. */
	return flush_multi(l, b, e);
}

static int64_t sq_load_close(struct wh_loader *l, bool ok, struct wh_err *e)
{
	(void)ok;
	(void)e;
	int64_t n = l->loaded;
	sqlite3_finalize(l->multi);
	sqlite3_finalize(l->single);
	free(l->types);
	free(l);
	return n;
}

const struct wh_backend wh_backend_sqlite = {
	.name = "sqlite",
	.open = sq_open,
	.close = sq_close,
	.exec = sq_exec,
	.interrupt = sq_interrupt,
	.describe = sq_describe,
	.load_open = sq_load_open,
	.load_batch = sq_load_batch,
	.load_close = sq_load_close,
	.placeholder = "?",
	.transactional_ddl = true,
};
