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
		col->precision = col->length; /* what Redshift reports for VARCHAR(n) */
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
		/* Unconstrained NUMERIC holds any decimal exactly: keep the file's
		 * text (the loader checks it is a number) rather than a double. */
		if (col->type.type == COL_DOUBLE && !strncmp(col->decl, "numeric", 7))
			col->type.type = COL_STRING;
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

/* How a target column is sent in binary COPY (PostgreSQL's *send formats). */
enum bin_kind { BK_NONE, BK_INT2, BK_INT4, BK_INT8, BK_FLOAT4, BK_FLOAT8, BK_NUMERIC, BK_TEXT, BK_BOOL, BK_DATE,
		BK_TIMESTAMP, BK_TIME, BK_BYTEA, BK_JSONB };

struct wh_loader {
	struct pg *p;
	const struct wh_table *t;
	int ncols;
	bool binary;           /* COPY ... (FORMAT binary): every column has a bin_kind */
	enum bin_kind *kinds;
	int *cols;             /* the target columns (indexes into t) */
	struct buf out;        /* COPY data, or redshift: SQL text */
	struct buf scratch;
	struct tf_format iso;
	bool copying;
	int64_t loaded;
	wh_row_error_fn on_error; /* a row nuage finds it cannot send */
	void *ctx;
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


/* ---------------------------------------------------------------- binary COPY */

static int copy_flush(struct wh_loader *l, struct wh_err *e);

/* The send format of a declared type (format_type's spelling), or BK_NONE
 * when nuage sends it as text. */
static enum bin_kind bin_kind_of(const char *decl)
{
	static const struct {
		const char *prefix;
		enum bin_kind k;
	} map[] = {
		{"smallint", BK_INT2}, {"integer", BK_INT4}, {"bigint", BK_INT8}, {"real", BK_FLOAT4},
		{"double precision", BK_FLOAT8}, {"numeric", BK_NUMERIC}, {"character varying", BK_TEXT},
		{"character", BK_TEXT}, {"text", BK_TEXT}, {"boolean", BK_BOOL}, {"date", BK_DATE},
		{"timestamp", BK_TIMESTAMP}, {"time without time zone", BK_TIME}, {"bytea", BK_BYTEA},
		{"jsonb", BK_JSONB}, {"json", BK_TEXT},
	};
	for (size_t i = 0; i < sizeof map / sizeof *map; i++)
		if (!strncmp(decl, map[i].prefix, strlen(map[i].prefix)))
			return map[i].k;
	return BK_NONE;
}

static void be16(struct buf *b, int v)
{
	unsigned char x[2] = {(unsigned char)(v >> 8), (unsigned char)v};
	buf_add(b, x, 2);
}

static void be32(struct buf *b, int64_t v)
{
	uint32_t u = (uint32_t)v;
	unsigned char x[4] = {(unsigned char)(u >> 24), (unsigned char)(u >> 16), (unsigned char)(u >> 8),
			      (unsigned char)u};
	buf_add(b, x, 4);
}

static void be64(struct buf *b, int64_t v)
{
	uint64_t u = (uint64_t)v;
	unsigned char x[8];
	for (int i = 0; i < 8; i++)
		x[i] = (unsigned char)(u >> (56 - 8 * i));
	buf_add(b, x, 8);
}

/* A field: its length, then its bytes. */
static void field(struct buf *b, const void *p, size_t n)
{
	be32(b, (int64_t)n);
	buf_add(b, p, n);
}

/* numeric's send format from decimal text ([-]digits[.digits][e[+-]n],
 * NaN, Infinity): ndigits, weight, sign, dscale, then base-10000 digits.
 * -1 when the text is not a number. */
static int numeric_field(struct buf *b, const char *p, size_t n)
{
	int sign = 0;
	size_t i = 0;
	if (n && (p[0] == '-' || p[0] == '+')) {
		sign = p[0] == '-' ? 0x4000 : 0;
		i = 1;
	}
	if (n - i == 3 && !strncasecmp(p + i, "nan", 3)) {
		unsigned char x[8] = {0, 0, 0, 0, 0xc0, 0, 0, 0};
		field(b, x, 8);
		return 0;
	}
	if ((n - i == 3 && !strncasecmp(p + i, "inf", 3)) || (n - i == 8 && !strncasecmp(p + i, "infinity", 8))) {
		unsigned char x[8] = {0, 0, 0, 0, sign ? 0xf0 : 0xd0, 0, 0, 0};
		field(b, x, 8);
		return 0;
	}
	char digits[160];
	int nd = 0, point = -1;
	long exp10 = 0;
	for (; i < n; i++) {
		char ch = p[i];
		if (ch >= '0' && ch <= '9') {
			if (nd >= (int)sizeof digits)
				return -1;
			digits[nd++] = ch;
		} else if (ch == '.' && point < 0) {
			point = nd;
		} else if (ch == 'e' || ch == 'E') {
			size_t k = i + 1;
			bool neg = k < n && (p[k] == '-' || p[k] == '+') ? p[k++] == '-' : false;
			if (k == n)
				return -1;
			for (; k < n; k++) {
				if (p[k] < '0' || p[k] > '9' || exp10 > 1000)
					return -1;
				exp10 = exp10 * 10 + (p[k] - '0');
			}
			if (neg)
				exp10 = -exp10;
			break;
		} else {
			return -1;
		}
	}
	if (!nd)
		return -1;
	if (point < 0)
		point = nd;
	/* value = 0.digits * 10^ipos; base-10000 groups are aligned on the
	 * decimal point: group g covers digits [from, from + 4). */
	long ipos = point + exp10;
	long dscale = nd - ipos < 0 ? 0 : nd - ipos;
	long top = ipos + 3 >= 0 ? (ipos + 3) / 4 : -((-(ipos + 3) + 3) / 4); /* floor((ipos + 3) / 4) */
	int16_t groups[64];
	int ng = 0;
	for (long from = ipos - 4 * top; from < nd || from < ipos; from += 4) {
		if (ng >= 64)
			return -1;
		int v = 0;
		for (int k = 0; k < 4; k++) {
			long di = from + k;
			v = v * 10 + (di >= 0 && di < nd ? digits[di] - '0' : 0);
		}
		groups[ng++] = (int16_t)v;
	}
	int weight = (int)top - 1;
	int a = 0, z = ng;
	while (a < z && !groups[a]) {
		a++;
		weight--;
	}
	while (z > a && !groups[z - 1])
		z--;
	if (a == z) {
		weight = 0;
		sign = 0;
	}
	be32(b, 8 + 2 * (z - a));
	be16(b, z - a);
	be16(b, weight);
	be16(b, sign);
	be16(b, (int)(dscale > 1000 ? 1000 : dscale));
	for (int g = a; g < z; g++)
		be16(b, groups[g]);
	return 0;
}

#define PG_EPOCH_DAYS 10957              /* 2000-01-01 - 1970-01-01 */
#define PG_EPOCH_USEC 946684800000000LL

static int64_t to_usec(int64_t v, enum ts_unit unit)
{
	switch (unit) {
	case TS_MILLIS:
		return v * 1000;
	case TS_NANOS:
		return v >= 0 ? v / 1000 : -((-v + 999) / 1000);
	case TS_SECONDS:
		return v * 1000000;
	default:
		return v;
	}
}

/* One non-null value in its column's send format; -1 with e when it does
 * not fit (an integer out of range, text that is no number). */
static int bin_value(struct wh_loader *l, enum bin_kind k, const struct batch *b, int i, size_t r, struct wh_err *e)
{
	const struct column *c = &b->cols[i];
	const struct field *f = &b->schema->fields[i];
	struct buf *o = &l->out;
	char tmp[FMT_CELL_TMP];
	size_t n;
	const char *p;
	int64_t iv = 0;
	double dv = 0;
	bool is_int = true;
	switch (c->type) {
	case COL_BOOL:
		iv = c->v.u8[r];
		dv = (double)iv;
		break;
	case COL_INT32:
		iv = c->v.i32[r];
		dv = (double)iv;
		break;
	case COL_INT64:
		iv = c->v.i64[r];
		dv = (double)iv;
		break;
	case COL_FLOAT:
	case COL_DOUBLE:
		dv = c->type == COL_FLOAT ? c->v.f32[r] : c->v.f64[r];
		iv = (int64_t)dv;
		is_int = dv == (double)iv && dv < 9.2e18 && dv > -9.2e18;
		break;
	case COL_DECIMAL: {
		__int128 u = c->v.dec[r], pw = 1;
		for (int s = 0; s < f->scale; s++)
			pw *= 10;
		is_int = u % pw == 0 && u / pw <= INT64_MAX && u / pw >= INT64_MIN;
		iv = is_int ? (int64_t)(u / pw) : 0;
		dv = (double)u / (double)pw;
		break;
	}
	default:
		is_int = false;
		break;
	}
	bool numeric_src = c->type == COL_BOOL || c->type == COL_INT32 || c->type == COL_INT64 ||
			   c->type == COL_FLOAT || c->type == COL_DOUBLE || c->type == COL_DECIMAL;
	switch (k) {
	case BK_INT2:
	case BK_INT4:
	case BK_INT8: {
		int64_t lo = k == BK_INT2 ? -32768 : k == BK_INT4 ? INT32_MIN : INT64_MIN;
		int64_t hi = k == BK_INT2 ? 32767 : k == BK_INT4 ? INT32_MAX : INT64_MAX;
		if (!numeric_src || !is_int || iv < lo || iv > hi) {
			p = cell_text(l, b, i, r, tmp, &n);
			if (numeric_src && is_int)
				wh_err_set(e, "22003", "Numeric value '%.*s' is out of range", (int)n, p);
			else
				wh_err_set(e, "22018", "Numeric value '%.*s' is not recognized", (int)n, p);
			return -1;
		}
		be32(o, k == BK_INT2 ? 2 : k == BK_INT4 ? 4 : 8);
		if (k == BK_INT2)
			be16(o, (int)iv);
		else if (k == BK_INT4)
			be32(o, iv);
		else
			be64(o, iv);
		return 0;
	}
	case BK_FLOAT4:
	case BK_FLOAT8:
		if (!numeric_src)
			goto not_number;
		if (k == BK_FLOAT4) {
			float fv = (float)dv;
			uint32_t u;
			memcpy(&u, &fv, 4);
			be32(o, 4);
			be32(o, u);
		} else {
			uint64_t u;
			memcpy(&u, &dv, 8);
			be32(o, 8);
			be64(o, (int64_t)u);
		}
		return 0;
	case BK_NUMERIC:
		p = cell_text(l, b, i, r, tmp, &n);
		if (numeric_field(o, p, n))
			goto not_number;
		return 0;
	case BK_BOOL:
		if (c->type != COL_BOOL && !(numeric_src && is_int && (iv == 0 || iv == 1)))
			goto mismatch;
		be32(o, 1);
		buf_addc(o, iv ? 1 : 0);
		return 0;
	case BK_DATE:
		if (c->type == COL_DATE)
			iv = c->v.i32[r];
		else if (c->type == COL_TIMESTAMP) {
			int64_t us = to_usec(c->v.i64[r], f->unit);
			iv = us >= 0 ? us / 86400000000LL : -((-us + 86400000000LL - 1) / 86400000000LL);
		} else
			goto mismatch;
		be32(o, 4);
		be32(o, iv - PG_EPOCH_DAYS);
		return 0;
	case BK_TIMESTAMP:
		if (c->type == COL_TIMESTAMP)
			iv = to_usec(c->v.i64[r], f->unit);
		else if (c->type == COL_DATE)
			iv = (int64_t)c->v.i32[r] * 86400000000LL;
		else
			goto mismatch;
		be32(o, 8);
		be64(o, iv - PG_EPOCH_USEC);
		return 0;
	case BK_TIME:
		if (c->type != COL_TIME)
			goto mismatch;
		be32(o, 8);
		be64(o, to_usec(c->v.i64[r], f->unit));
		return 0;
	case BK_JSONB:
		p = cell_text(l, b, i, r, tmp, &n);
		be32(o, (int64_t)n + 1);
		buf_addc(o, 1);
		buf_add(o, p, n);
		return 0;
	case BK_BYTEA:
		if (c->type == COL_BINARY || c->type == COL_STRING) {
			p = col_bytes(c, r, &n);
			field(o, p, n);
			return 0;
		}
		goto mismatch;
	default: /* BK_TEXT */
		p = col_is_varwidth(c->type) && c->type != COL_BINARY ? col_bytes(c, r, &n) : cell_text(l, b, i, r, tmp, &n);
		field(o, p, n);
		return 0;
	}
not_number:
	p = cell_text(l, b, i, r, tmp, &n);
	wh_err_set(e, "22018", "Numeric value '%.*s' is not recognized", (int)n, p);
	return -1;
mismatch:
	wh_err_set(e, "42804", "ERROR: column \"%s\" is of type %s but the file has %s values",
		   l->t->cols[l->cols[i]].name, l->t->cols[l->cols[i]].decl, col_type_name(c->type));
	return -1;
}

/* A value nuage cannot send (an integer out of range, text that is no
 * number): the caller's on_error decides; 0 to go on without the row. */
static int refuse_row(struct wh_loader *l, size_t r, struct wh_err *e)
{
	if (!l->on_error || l->on_error(l->ctx, r, e->msg))
		return -1;
	return 0;
}

/* For the text paths: 0 when every integer and numeric of row r is one
 * PostgreSQL takes, else -1 with e. The send format is built and dropped. */
static int check_row(struct wh_loader *l, const struct batch *b, size_t r, struct wh_err *e)
{
	size_t mark = l->out.len;
	int rc = 0;
	for (int i = 0; i < l->ncols && !rc; i++) {
		enum bin_kind k = l->kinds[i];
		if ((k == BK_INT2 || k == BK_INT4 || k == BK_INT8 || k == BK_NUMERIC) && col_is_valid(&b->cols[i], r))
			rc = bin_value(l, k, b, i, r, e);
	}
	l->out.len = mark;
	return rc;
}

static int bin_rows(struct wh_loader *l, const struct batch *b, const uint8_t *skip, struct wh_err *e)
{
	for (size_t r = 0; r < b->nrows; r++) {
		if (skip && skip[r])
			continue;
		size_t row_start = l->out.len;
		be16(&l->out, l->ncols);
		bool refused = false;
		for (int i = 0; i < l->ncols && !refused; i++) {
			if (!col_is_valid(&b->cols[i], r)) {
				be32(&l->out, -1);
				continue;
			}
			if (bin_value(l, l->kinds[i], b, i, r, e)) {
				if (refuse_row(l, r, e))
					return -1;
				l->out.len = row_start;
				refused = true;
			}
		}
		if (refused)
			continue;
		if (l->out.len >= PQ_COPY_CHUNK && copy_flush(l, e))
			return -1;
	}
	return 0;
}

static int pg_load_open(void *c, const struct wh_table *t, const int *cols, int ncols, wh_row_error_fn on_error,
			void *ctx, struct wh_loader **out, struct wh_err *e)
{
	struct pg *p = c;
	struct wh_loader *l = xcalloc(1, sizeof *l);
	l->p = p;
	l->on_error = on_error;
	l->ctx = ctx;
	l->t = t;
	l->ncols = ncols;
	l->cols = xmemdup(cols, sizeof *cols * (size_t)(ncols ? ncols : 1));
	buf_init(&l->out, PQ_COPY_CHUNK + (64u << 20));
	buf_init(&l->scratch, 64u << 20);
	tf_compile(NULL, &l->iso, NULL, 0);
	struct buf sql;
	buf_init(&sql, BUF_UNLIMITED);
	l->kinds = xcalloc((size_t)(ncols ? ncols : 1), sizeof *l->kinds);
	for (int i = 0; i < ncols; i++)
		l->kinds[i] = bin_kind_of(t->cols[cols[i]].decl);
	if (!p->redshift) {
		/* Binary when every column has a send format nuage writes: the
		 * server then parses no text at all. */
		l->binary = true;
		for (int i = 0; i < ncols; i++)
			l->binary &= l->kinds[i] != BK_NONE;
		buf_adds(&sql, "COPY ");
		append_tname_resolved(&sql, t);
		append_cols(&sql, t, cols, ncols);
		buf_adds(&sql, l->binary ? " FROM STDIN WITH (FORMAT binary)" : " FROM STDIN");
		PGresult *r = PQexec(p->conn, buf_str(&sql));
		buf_free(&sql);
		if (PQresultStatus(r) != PGRES_COPY_IN) {
			pg_result_err(e, p->conn, r);
			PQclear(r);
			buf_free(&l->out);
			buf_free(&l->scratch);
			free(l->kinds);
			free(l->cols);
			free(l);
			return -1;
		}
		PQclear(r);
		l->copying = true;
		if (l->binary) {
			buf_add(&l->out, "PGCOPY\n\377\r\n\0", 11);
			be32(&l->out, 0); /* flags */
			be32(&l->out, 0); /* header extension */
		}
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
	if (l->binary)
		return bin_rows(l, b, skip, e);
	char tmp[FMT_CELL_TMP];
	for (size_t r = 0; r < b->nrows; r++) {
		if (skip && skip[r])
			continue;
		if (check_row(l, b, r, e)) {
			if (refuse_row(l, r, e))
				return -1;
			continue;
		}
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
					if (buf_add(&l->pbuf, p, n) || buf_addc(&l->pbuf, 0)) {
						wh_err_set(e, "54000", "a row is too large to load");
						return -1;
					}
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
		if (ok && l->binary)
			be16(&l->out, -1); /* the trailer */
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
	free(l->kinds);
	free(l->cols);
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
