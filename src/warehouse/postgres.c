/* postgres.c — the libpq backends (wh.h): PostgreSQL, and Redshift, which
 * speaks the same wire protocol.
 *
 * Statements go through the extended protocol (PQsendQueryParams) in
 * single-row mode, so a result streams to its sink row by row, parameters
 * are never spliced into SQL text, and one call runs exactly one statement
 * (as the Redshift Data API requires). Sessions run with TimeZone UTC and
 * DateStyle ISO, so timestamps read back the way they were loaded.
 *
 * Bulk load:
 *   postgres: COPY t (cols) FROM STDIN in text format, fed with
 *             PQputCopyData in 1 MiB chunks (PQ_COPY_CHUNK).
 *   redshift: Redshift cannot COPY FROM STDIN, so batched multi-row
 *             INSERT ... VALUES ($1..),(..) of up to PQ_INSERT_ROWS rows
 *             (and 32767 parameters) per statement.
 * Either way a refused row fails the whole load (PostgreSQL aborts the
 * COPY or INSERT); the caller's savepoint undoes it (ON_ERROR applies per
 * file then).
 *
 * Leaves out: COPY ... FROM STDIN / TO STDOUT passed through as SQL (the
 * Data API has no way to carry the data); they fail with a message.
 */
#include "warehouse/wh.h"
#include "core/buf.h"
#include "core/mem.h"
#include "formats/fmt_text.h"
#include "formats/num.h"
#include "formats/timefmt.h"

#include <libpq-fe.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PQ_COPY_CHUNK (1 << 20)
#define PQ_INSERT_ROWS 1000
#define PQ_MAX_PARAMS 32767

struct pg {
	PGconn *conn;
	PGcancel *cancel;
	bool redshift;
};

static void pg_conn_err(struct wh_err *e, PGconn *conn, const char *what)
{
	const char *m = conn ? PQerrorMessage(conn) : "out of memory";
	size_t n = strlen(m);
	while (n && (m[n - 1] == '\n' || m[n - 1] == ' '))
		n--;
	wh_err_set(e, "08006", "%s: %.*s", what, (int)n, m);
}

/* "ERROR:  message" as psql shows it, plus DETAIL/HINT when present. */
static void pg_result_err(struct wh_err *e, PGconn *conn, const PGresult *r)
{
	const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
	const char *sev = r ? PQresultErrorField(r, PG_DIAG_SEVERITY) : NULL;
	const char *msg = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	const char *detail = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_DETAIL) : NULL;
	const char *hint = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_HINT) : NULL;
	if (!msg) {
		pg_conn_err(e, conn, "server");
		if (PQstatus(conn) == CONNECTION_OK)
			memcpy(e->sqlstate, "XX000", 6);
		return;
	}
	wh_err_set(e, state ? state : "XX000", "%s: %s%s%s%s%s", sev ? sev : "ERROR", msg, detail ? "\n  Detail: " : "",
		   detail ? detail : "", hint ? "\n  Hint: " : "", hint ? hint : "");
}

static int pg_open_mode(const char *url, void **out, struct wh_err *e, bool redshift)
{
	const char *keys[] = {"connect_timeout", "application_name", "dbname", NULL};
	const char *vals[] = {"10", "nuage", url, NULL};
	PGconn *conn = PQconnectdbParams(keys, vals, 1);
	if (!conn || PQstatus(conn) != CONNECTION_OK) {
		pg_conn_err(e, conn, "cannot connect to the warehouse");
		PQfinish(conn);
		return -1;
	}
	PGresult *r = PQexec(conn, "SET TIME ZONE 'UTC'; SET DateStyle TO ISO");
	bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
	if (!ok)
		pg_result_err(e, conn, r);
	PQclear(r);
	if (!ok || PQsetClientEncoding(conn, "UTF8")) {
		if (ok)
			pg_conn_err(e, conn, "cannot use UTF8");
		PQfinish(conn);
		return -1;
	}
	struct pg *p = xcalloc(1, sizeof *p);
	p->conn = conn;
	p->cancel = PQgetCancel(conn);
	p->redshift = redshift;
	*out = p;
	return 0;
}

static int pg_open(const char *url, void **out, struct wh_err *e)
{
	return pg_open_mode(url, out, e, false);
}

static int rs_open(const char *url, void **out, struct wh_err *e)
{
	return pg_open_mode(url, out, e, true);
}

static void pg_close(void *c)
{
	struct pg *p = c;
	if (!p)
		return;
	if (p->cancel)
		PQfreeCancel(p->cancel);
	PQfinish(p->conn);
	free(p);
}

static void pg_interrupt(void *c)
{
	struct pg *p = c;
	char buf[256];
	if (p->cancel)
		PQcancel(p->cancel, buf, sizeof buf);
}

/* Type OIDs (pg_type.h) nuage maps to value kinds and Redshift names. */
enum {
	OID_BOOL = 16, OID_BYTEA = 17, OID_CHAR = 18, OID_NAME = 19, OID_INT8 = 20, OID_INT2 = 21, OID_INT4 = 23,
	OID_TEXT = 25, OID_OID = 26, OID_JSON = 114, OID_FLOAT4 = 700, OID_FLOAT8 = 701, OID_BPCHAR = 1042,
	OID_VARCHAR = 1043, OID_DATE = 1082, OID_TIME = 1083, OID_TIMESTAMP = 1114, OID_TIMESTAMPTZ = 1184,
	OID_INTERVAL = 1186, OID_TIMETZ = 1266, OID_NUMERIC = 1700, OID_UUID = 2950, OID_JSONB = 3802,
};

static void describe_col(const PGresult *r, int i, struct wh_column *col)
{
	memset(col, 0, sizeof *col);
	snprintf(col->name, sizeof col->name, "%s", PQfname(r, i));
	Oid t = PQftype(r, i);
	int mod = PQfmod(r, i);
	const char *tn = "varchar";
	col->kind = WH_TEXT;
	col->nullable = 1;
	switch (t) {
	case OID_BOOL:
		tn = "bool";
		col->kind = WH_BOOL;
		break;
	case OID_INT2:
	case OID_INT4:
	case OID_INT8:
	case OID_OID:
		tn = t == OID_INT2 ? "int2" : t == OID_INT4 ? "int4" : t == OID_INT8 ? "int8" : "oid";
		col->kind = WH_INT;
		col->is_signed = t != OID_OID;
		col->precision = t == OID_INT2 ? 5 : t == OID_INT4 ? 10 : 19;
		break;
	case OID_FLOAT4:
	case OID_FLOAT8:
		tn = t == OID_FLOAT4 ? "float4" : "float8";
		col->kind = WH_DOUBLE;
		col->is_signed = true;
		col->precision = t == OID_FLOAT4 ? 8 : 17;
		break;
	case OID_NUMERIC:
		tn = "numeric";
		col->is_signed = true;
		if (mod >= 4) {
			col->precision = ((mod - 4) >> 16) & 0xffff;
			col->scale = (mod - 4) & 0xffff;
		}
		break;
	case OID_BYTEA:
		tn = "bytea";
		col->kind = WH_BLOB;
		break;
	case OID_VARCHAR:
	case OID_BPCHAR:
		tn = t == OID_VARCHAR ? "varchar" : "bpchar";
		col->length = mod >= 4 ? mod - 4 : 0;
		break;
	case OID_TEXT:
		tn = "text";
		break;
	case OID_NAME:
		tn = "name";
		break;
	case OID_CHAR:
		tn = "char";
		break;
	case OID_DATE:
		tn = "date";
		break;
	case OID_TIME:
		tn = "time";
		break;
	case OID_TIMETZ:
		tn = "timetz";
		break;
	case OID_TIMESTAMP:
		tn = "timestamp";
		break;
	case OID_TIMESTAMPTZ:
		tn = "timestamptz";
		break;
	case OID_INTERVAL:
		tn = "interval";
		break;
	case OID_JSON:
		tn = "json";
		break;
	case OID_JSONB:
		tn = "jsonb";
		break;
	case OID_UUID:
		tn = "uuid";
		break;
	default:
		tn = "unknown";
		break;
	}
	snprintf(col->type_name, sizeof col->type_name, "%s", tn);
}

static int hexval(int ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* bytea text output ("\x0a0b") decoded in place; returns the length. */
static size_t bytea_decode(char *p, size_t n)
{
	if (n < 2 || p[0] != '\\' || p[1] != 'x')
		return n;
	size_t o = 0;
	for (size_t i = 2; i + 1 < n; i += 2) {
		int a = hexval((unsigned char)p[i]), b = hexval((unsigned char)p[i + 1]);
		if (a < 0 || b < 0)
			break;
		p[o++] = (char)(a << 4 | b);
	}
	return o;
}

static void cell_value(PGresult *r, int row, int i, const struct wh_column *col, struct wh_value *v)
{
	memset(v, 0, sizeof *v);
	if (PQgetisnull(r, row, i)) {
		v->kind = WH_NULL;
		return;
	}
	char *p = PQgetvalue(r, row, i);
	size_t n = (size_t)PQgetlength(r, row, i);
	switch (col->kind) {
	case WH_BOOL:
		v->kind = WH_BOOL;
		v->i = p[0] == 't';
		return;
	case WH_INT:
		if (num_parse_i64(p, n, &v->i) == NUM_OK) {
			v->kind = WH_INT;
			return;
		}
		break;
	case WH_DOUBLE:
		if (num_parse_double(p, n, &v->d) == NUM_OK) {
			v->kind = WH_DOUBLE;
			return;
		}
		errno = 0;
		v->d = strtod(p, NULL); /* NaN, Infinity */
		v->kind = WH_DOUBLE;
		return;
	case WH_BLOB:
		v->kind = WH_BLOB;
		v->p = p;
		v->n = bytea_decode(p, n); /* PGresult memory is ours until PQclear */
		return;
	default:
		break;
	}
	v->kind = WH_TEXT;
	v->p = p;
	v->n = n;
}

/* Drains whatever is left of a query so the connection can run the next. */
static void drain(PGconn *conn)
{
	PGresult *r;
	while ((r = PQgetResult(conn))) {
		ExecStatusType s = PQresultStatus(r);
		PQclear(r);
		if (s == PGRES_COPY_IN)
			PQputCopyEnd(conn, "nuage does not pass COPY FROM STDIN through");
		else if (s == PGRES_COPY_OUT) {
			char *buf;
			while (PQgetCopyData(conn, &buf, 0) > 0)
				PQfreemem(buf);
		}
	}
}

static int pg_exec(void *c, const char *sql, const char *const *params, int nparams, const struct wh_sink *sink,
		   struct wh_status *st, struct wh_err *e)
{
	struct pg *p = c;
	if (!PQsendQueryParams(p->conn, sql, nparams, NULL, params, NULL, NULL, 0)) {
		pg_conn_err(e, p->conn, "cannot send the statement");
		if (PQstatus(p->conn) == CONNECTION_OK)
			memcpy(e->sqlstate, "XX000", 6);
		return -1;
	}
	PQsetSingleRowMode(p->conn);
	struct wh_column *cols = NULL;
	struct wh_value *vals = NULL;
	int ncols = -1, rc = 0;
	bool failed = false;
	PGresult *r;
	while ((r = PQgetResult(p->conn))) {
		ExecStatusType s = PQresultStatus(r);
		if (failed) {
			PQclear(r);
			continue;
		}
		switch (s) {
		case PGRES_SINGLE_TUPLE:
		case PGRES_TUPLES_OK:
			st->has_result_set = true;
			if (ncols < 0) {
				ncols = PQnfields(r);
				cols = xcalloc((size_t)(ncols ? ncols : 1), sizeof *cols);
				vals = xcalloc((size_t)(ncols ? ncols : 1), sizeof *vals);
				for (int i = 0; i < ncols; i++)
					describe_col(r, i, &cols[i]);
				if (sink && sink->columns && sink->columns(sink->ctx, cols, ncols)) {
					wh_err_set(e, "54000", "result set refused by the client");
					failed = true;
					rc = -1;
					pg_interrupt(p);
					break;
				}
			}
			for (int row = 0; row < PQntuples(r); row++) {
				st->rows++;
				if (!sink || !sink->row)
					continue;
				for (int i = 0; i < ncols; i++)
					cell_value(r, row, i, &cols[i], &vals[i]);
				if (sink->row(sink->ctx, vals, ncols)) {
					wh_err_set(e, "54000", "result set refused by the client");
					failed = true;
					rc = -1;
					pg_interrupt(p);
					break;
				}
			}
			break;
		case PGRES_COMMAND_OK: {
			const char *t = PQcmdTuples(r);
			int64_t n = 0;
			if (t && *t)
				num_parse_i64(t, strlen(t), &n);
			st->rows = n;
			break;
		}
		case PGRES_EMPTY_QUERY:
			break;
		case PGRES_COPY_IN:
		case PGRES_COPY_OUT:
			wh_err_set(e, "0A000",
				   "COPY FROM STDIN and COPY TO STDOUT cannot pass through nuage; load with COPY INTO "
				   "<table> FROM @stage");
			failed = true;
			rc = -1;
			PQclear(r);
			drain(p->conn);
			r = NULL;
			break;
		default:
			pg_result_err(e, p->conn, r);
			failed = true;
			rc = -1;
			break;
		}
		if (r)
			PQclear(r);
		if (s == PGRES_COPY_IN || s == PGRES_COPY_OUT)
			break;
	}
	if (PQstatus(p->conn) != CONNECTION_OK) {
		if (!rc)
			pg_conn_err(e, p->conn, "lost the warehouse connection");
		else
			memcpy(e->sqlstate, "08006", 6);
		rc = -1;
	}
	free(cols);
	free(vals);
	return rc;
}

static int pg_describe(void *c, const struct wh_tname *t, struct wh_table *out, struct wh_err *e)
{
	struct pg *p = c;
	memset(out, 0, sizeof *out);
	struct buf name;
	buf_init(&name, 4096);
	wh_append_tname(&name, t);
	const char *params[] = {buf_str(&name)};
	PGresult *r = PQexecParams(p->conn,
				   "SELECT a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull, a.atthasdef, "
				   "n.nspname, c.relname FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
				   "JOIN pg_namespace n ON n.oid = c.relnamespace "
				   "WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
				   1, NULL, params, NULL, NULL, 0);
	buf_free(&name);
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		pg_result_err(e, p->conn, r);
		PQclear(r);
		return -1;
	}
	int n = PQntuples(r);
	if (n > WH_MAX_COLS)
		n = WH_MAX_COLS;
	out->cols = xcalloc((size_t)(n ? n : 1), sizeof *out->cols);
	for (int i = 0; i < n; i++) {
		struct wh_tcol *col = &out->cols[i];
		snprintf(col->name, sizeof col->name, "%s", PQgetvalue(r, i, 0));
		snprintf(col->decl, sizeof col->decl, "%s", PQgetvalue(r, i, 1));
		wh_type_from_decl(col->decl, &col->type, &col->max_chars);
		col->not_null = PQgetvalue(r, i, 2)[0] == 't';
		col->type.nullable = !col->not_null;
		col->has_default = PQgetvalue(r, i, 3)[0] == 't';
		if (!i) {
			snprintf(out->schema, sizeof out->schema, "%s", PQgetvalue(r, i, 4));
			snprintf(out->name, sizeof out->name, "%s", PQgetvalue(r, i, 5));
		}
	}
	out->ncols = n;
	PQclear(r);
	if (!n) {
		wh_err_set(e, "42P01", "relation \"%s\" has no columns", t->table.text);
		wh_table_free(out);
		return -1;
	}
	return 0;
}

/* ---------------------------------------------------------------- loads */

struct wh_loader {
	struct pg *p;
	const struct wh_table *t;
	int ncols;
	struct buf out;        /* COPY data, or redshift: SQL text */
	struct buf scratch;
	struct tf_format iso;
	bool copying;
	int64_t loaded;
	/* redshift */
	char *sql;             /* INSERT with rows_per rows of $n */
	int rows_per;
	const char **params;
	struct buf pbuf;       /* parameter text, NUL-separated */
	size_t *poff;          /* offsets of each parameter in pbuf (SIZE_MAX = NULL) */
	int nparams_pending;
};

static void append_tname_resolved(struct buf *b, const struct wh_table *t)
{
	if (t->schema[0]) {
		wh_quote_ident(b, t->schema);
		buf_addc(b, '.');
	}
	wh_quote_ident(b, t->name);
}

static void append_cols(struct buf *b, const struct wh_table *t, const int *cols, int ncols)
{
	buf_adds(b, " (");
	for (int i = 0; i < ncols; i++) {
		if (i)
			buf_addc(b, ',');
		wh_quote_ident(b, t->cols[cols[i]].name);
	}
	buf_addc(b, ')');
}

/* The text of a non-null cell as PostgreSQL's input functions take it. */
static const char *cell_text(struct wh_loader *l, const struct batch *b, int i, size_t r, char tmp[FMT_CELL_TMP],
			     size_t *n)
{
	const struct column *col = &b->cols[i];
	const struct field *f = &b->schema->fields[i];
	if (col->type == COL_BINARY) {
		size_t len;
		const unsigned char *p = (const unsigned char *)col_bytes(col, r, &len);
		static const char hex[] = "0123456789abcdef";
		buf_reset(&l->scratch);
		buf_adds(&l->scratch, "\\x");
		for (size_t k = 0; k < len; k++) {
			buf_addc(&l->scratch, hex[p[k] >> 4]);
			buf_addc(&l->scratch, hex[p[k] & 15]);
		}
		*n = l->scratch.len;
		return buf_str(&l->scratch);
	}
	if (col->type == COL_DOUBLE || col->type == COL_FLOAT) {
		double d = col->type == COL_DOUBLE ? col->v.f64[r] : col->v.f32[r];
		if (d != d) {
			*n = 3;
			return "NaN";
		}
		if (d > 1.7976931348623157e308 || d < -1.7976931348623157e308) {
			*n = d > 0 ? 8 : 9;
			return d > 0 ? "Infinity" : "-Infinity";
		}
	}
	return fmt_cell(col, f, r, &l->iso, &l->iso, tmp, &l->scratch, n);
}

static int pg_load_open(void *c, const struct wh_table *t, const int *cols, int ncols, wh_row_error_fn on_error,
			void *ctx, struct wh_loader **out, struct wh_err *e)
{
	(void)on_error;
	(void)ctx;
	struct pg *p = c;
	struct wh_loader *l = xcalloc(1, sizeof *l);
	l->p = p;
	l->t = t;
	l->ncols = ncols;
	buf_init(&l->out, PQ_COPY_CHUNK + (64u << 20));
	buf_init(&l->scratch, 64u << 20);
	tf_compile(NULL, &l->iso, NULL, 0);
	struct buf sql;
	buf_init(&sql, BUF_UNLIMITED);
	if (!p->redshift) {
		buf_adds(&sql, "COPY ");
		append_tname_resolved(&sql, t);
		append_cols(&sql, t, cols, ncols);
		buf_adds(&sql, " FROM STDIN");
		PGresult *r = PQexec(p->conn, buf_str(&sql));
		buf_free(&sql);
		if (PQresultStatus(r) != PGRES_COPY_IN) {
			pg_result_err(e, p->conn, r);
			PQclear(r);
			buf_free(&l->out);
			buf_free(&l->scratch);
			free(l);
			return -1;
		}
		PQclear(r);
		l->copying = true;
		*out = l;
		return 0;
	}
	/* Redshift: INSERT INTO t (cols) VALUES ($1,...),(...) */
	l->rows_per = PQ_MAX_PARAMS / (ncols ? ncols : 1);
	if (l->rows_per > PQ_INSERT_ROWS)
		l->rows_per = PQ_INSERT_ROWS;
	if (l->rows_per < 1)
		l->rows_per = 1;
	buf_adds(&sql, "INSERT INTO ");
	append_tname_resolved(&sql, t);
	append_cols(&sql, t, cols, ncols);
	buf_adds(&sql, " VALUES ");
	int k = 1;
	for (int r = 0; r < l->rows_per; r++) {
		buf_adds(&sql, r ? ",(" : "(");
		for (int i = 0; i < ncols; i++)
			buf_addf(&sql, i ? ",$%d" : "$%d", k++);
		buf_addc(&sql, ')');
	}
	l->sql = buf_detach(&sql, NULL);
	l->params = xcalloc((size_t)(l->rows_per * ncols), sizeof *l->params);
	l->poff = xcalloc((size_t)(l->rows_per * ncols), sizeof *l->poff);
	buf_init(&l->pbuf, 64u << 20);
	*out = l;
	return 0;
}

/* COPY text format: backslash, newline, carriage return and tab escaped. */
static void copy_escape(struct buf *b, const char *p, size_t n)
{
	size_t start = 0;
	for (size_t i = 0; i < n; i++) {
		char ch = p[i];
		const char *rep = ch == '\\' ? "\\\\" : ch == '\n' ? "\\n" : ch == '\r' ? "\\r" : ch == '\t' ? "\\t" : NULL;
		if (!rep)
			continue;
		buf_add(b, p + start, i - start);
		buf_add(b, rep, 2);
		start = i + 1;
	}
	buf_add(b, p + start, n - start);
}

static int copy_flush(struct wh_loader *l, struct wh_err *e)
{
	if (!l->out.len)
		return 0;
	if (PQputCopyData(l->p->conn, l->out.data, (int)l->out.len) != 1) {
		pg_conn_err(e, l->p->conn, "COPY failed");
		return -1;
	}
	buf_reset(&l->out);
	return 0;
}

/* Runs the pending INSERT with n rows (a shorter statement for the tail). */
static int insert_flush(struct wh_loader *l, int nrows, struct wh_err *e)
{
	if (!nrows)
		return 0;
	int np = nrows * l->ncols;
	for (int i = 0; i < np; i++)
		l->params[i] = l->poff[i] == SIZE_MAX ? NULL : l->pbuf.data + l->poff[i];
	const char *sql = l->sql;
	char *tail = NULL;
	if (nrows != l->rows_per) {
		/* The prefix of the full statement up to row nrows. */
		const char *vals = strstr(l->sql, " VALUES ");
		const char *p = vals + 8;
		for (int r = 0; r < nrows; r++)
			p = strchr(p, ')') + 1;
		tail = xstrndup(l->sql, (size_t)(p - l->sql));
		sql = tail;
	}
	PGresult *r = PQexecParams(l->p->conn, sql, np, NULL, l->params, NULL, NULL, 0);
	free(tail);
	int rc = 0;
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		pg_result_err(e, l->p->conn, r);
		rc = -1;
	} else {
		l->loaded += nrows;
	}
	PQclear(r);
	buf_reset(&l->pbuf);
	l->nparams_pending = 0;
	return rc;
}

static int pg_load_batch(struct wh_loader *l, const struct batch *b, const uint8_t *skip, struct wh_err *e)
{
	if (b->schema->nfields != l->ncols) {
		wh_err_set(e, "XX000", "loader: batch has %d columns, expected %d", b->schema->nfields, l->ncols);
		return -1;
	}
	char tmp[FMT_CELL_TMP];
	for (size_t r = 0; r < b->nrows; r++) {
		if (skip && skip[r])
			continue;
		for (int i = 0; i < l->ncols; i++) {
			bool valid = col_is_valid(&b->cols[i], r);
			size_t n = 0;
			const char *p = valid ? cell_text(l, b, i, r, tmp, &n) : NULL;
			if (l->copying) {
				if (i)
					buf_addc(&l->out, '\t');
				if (!valid)
					buf_add(&l->out, "\\N", 2);
				else
					copy_escape(&l->out, p, n);
			} else {
				int k = l->nparams_pending++;
				if (!valid) {
					l->poff[k] = SIZE_MAX;
				} else {
					l->poff[k] = l->pbuf.len;
					buf_add(&l->pbuf, p, n);
					buf_addc(&l->pbuf, 0);
				}
			}
		}
		if (l->copying) {
			if (buf_addc(&l->out, '\n')) {
				wh_err_set(e, "54000", "a row is too large to load");
				return -1;
			}
			if (l->out.len >= PQ_COPY_CHUNK && copy_flush(l, e))
				return -1;
		} else if ((l->nparams_pending == l->rows_per * l->ncols || l->pbuf.len >= PQ_COPY_CHUNK * 8) &&
			   insert_flush(l, l->nparams_pending / (l->ncols ? l->ncols : 1), e)) {
			return -1;
		}
	}
	return 0;
}

static int64_t pg_load_close(struct wh_loader *l, bool ok, struct wh_err *e)
{
	int64_t n = -1;
	if (l->copying) {
		if (ok && copy_flush(l, e))
			ok = false;
		if (PQputCopyEnd(l->p->conn, ok ? NULL : "load abandoned") != 1 && ok) {
			pg_conn_err(e, l->p->conn, "COPY failed");
			ok = false;
		}
		PGresult *r;
		while ((r = PQgetResult(l->p->conn))) {
			if (PQresultStatus(r) == PGRES_COMMAND_OK) {
				const char *t = PQcmdTuples(r);
				if (ok && t && *t)
					num_parse_i64(t, strlen(t), &n);
			} else if (ok) {
				pg_result_err(e, l->p->conn, r);
				ok = false;
			}
			PQclear(r);
		}
		if (!ok)
			n = -1;
	} else {
		if (ok && insert_flush(l, l->nparams_pending / (l->ncols ? l->ncols : 1), e))
			ok = false;
		n = ok ? l->loaded : -1;
	}
	buf_free(&l->out);
	buf_free(&l->scratch);
	buf_free(&l->pbuf);
	free(l->sql);
	free(l->params);
	free(l->poff);
	free(l);
	return n;
}

const struct wh_backend wh_backend_postgres = {
	.name = "postgres",
	.open = pg_open,
	.close = pg_close,
	.exec = pg_exec,
	.interrupt = pg_interrupt,
	.describe = pg_describe,
	.load_open = pg_load_open,
	.load_batch = pg_load_batch,
	.load_close = pg_load_close,
	.placeholder = "$",
	.transactional_ddl = true,
};

const struct wh_backend wh_backend_redshift = {
	.name = "redshift",
	.open = rs_open,
	.close = pg_close,
	.exec = pg_exec,
	.interrupt = pg_interrupt,
	.describe = pg_describe,
	.load_open = pg_load_open,
	.load_batch = pg_load_batch,
	.load_close = pg_load_close,
	.placeholder = "$",
	.transactional_ddl = false,
};
