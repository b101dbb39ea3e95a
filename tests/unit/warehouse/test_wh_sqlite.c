/* test_wh_sqlite.c — the embedded backend through the warehouse interface:
 * typed results, describe, bulk load (with a refused row), the load
 * history, and the file-format compiler's defaults and refusals. */
#include "unit.h"
#include "core/buf.h"
#include "warehouse/dialect.h"
#include "warehouse/fformat.h"
#include "warehouse/loadhist.h"
#include "warehouse/wh.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct rows {
	struct buf text;
	int ncols;
	struct wh_column cols[8];
};

static int on_cols(void *ctx, const struct wh_column *c, int n)
{
	struct rows *r = ctx;
	r->ncols = n;
	for (int i = 0; i < n && i < 8; i++)
		r->cols[i] = c[i];
	return 0;
}

/* Rows as "v|v|v\n" with kinds: i:1 d:1.5 t:x b:1 n */
static int on_row(void *ctx, const struct wh_value *v, int n)
{
	struct rows *r = ctx;
	for (int i = 0; i < n; i++) {
		if (i)
			buf_addc(&r->text, '|');
		switch (v[i].kind) {
		case WH_NULL:
			buf_adds(&r->text, "n");
			break;
		case WH_INT:
			buf_addf(&r->text, "i:%lld", (long long)v[i].i);
			break;
		case WH_BOOL:
			buf_addf(&r->text, "b:%lld", (long long)v[i].i);
			break;
		case WH_DOUBLE:
			buf_addf(&r->text, "d:%g", v[i].d);
			break;
		case WH_TEXT:
			buf_addf(&r->text, "t:%.*s", (int)v[i].n, v[i].p);
			break;
		case WH_BLOB:
			buf_addf(&r->text, "x:%zu", v[i].n);
			break;
		}
	}
	buf_addc(&r->text, '\n');
	return 0;
}

static int open_conn(struct wh_conn *c, const char *name)
{
	char path[512];
	snprintf(path, sizeof path, "%s/%s", unit_tmpdir(), name);
	memset(c, 0, sizeof *c);
	c->be = &wh_backend_sqlite;
	struct wh_err e;
	return c->be->open(path, &c->impl, &e);
}

static const char *query(struct wh_conn *c, const char *sql, struct rows *r)
{
	buf_reset(&r->text);
	struct wh_err e;
	struct wh_sink sink = {on_cols, on_row, r};
	if (wh_exec(c, sql, &sink, NULL, &e)) {
		buf_adds(&r->text, "ERR:");
		buf_adds(&r->text, e.msg);
	}
	return buf_str(&r->text);
}

TEST(wh_sqlite_typed_results)
{
	struct wh_conn c;
	CHECK(open_conn(&c, "typed.db") == 0);
	struct wh_err e;
	struct wh_status st;
	CHECK(wh_exec(&c, "CREATE TABLE t (id BIGINT, name VARCHAR(5), amount NUMERIC(10,2), ok BOOLEAN, x REAL)", NULL,
		      &st, &e) == 0);
	CHECK(!st.has_result_set);
	CHECK(wh_exec(&c, "INSERT INTO t VALUES (1, 'ab', 2.5, 1, 0.5), (2, NULL, 3, 0, NULL)", NULL, &st, &e) == 0);
	CHECK_INT(st.rows, 2);
	/* DDL after DML reports no rows changed (not the previous count) */
	CHECK(wh_exec(&c, "CREATE INDEX t_id ON t(id)", NULL, &st, &e) == 0);
	CHECK_INT(st.rows, 0);
	struct rows r = {0};
	buf_init(&r.text, 1 << 20);
	CHECK_STR(query(&c, "SELECT * FROM t ORDER BY id", &r), "i:1|t:ab|t:2.5|b:1|d:0.5\ni:2|n|t:3|b:0|n\n");
	CHECK_STR(r.cols[0].type_name, "int8");
	CHECK_STR(r.cols[2].type_name, "numeric");
	CHECK_INT(r.cols[2].precision, 10);
	CHECK_STR(r.cols[3].type_name, "bool");
	CHECK_STR(r.cols[4].type_name, "float8");
	CHECK_STR(r.cols[1].table_name, "t");
	/* parameters bind by number ($N or ?N), whatever order they appear in */
	const char *params[] = {"1", "ab"};
	buf_reset(&r.text);
	struct wh_sink sink = {on_cols, on_row, &r};
	CHECK(wh_exec_params(&c, "SELECT id FROM t WHERE name = $2 AND id = $1", params, 2, &sink, NULL, &e) == 0);
	CHECK_STR(buf_str(&r.text), "i:1\n");
	/* one statement per call, as the Data API wants */
	CHECK_STR(query(&c, "SELECT 1; SELECT 2", &r), "ERR:cannot insert multiple commands into a prepared statement");
	CHECK(!strncmp(query(&c, "SELECT * FROM nope", &r), "ERR:no such table", 17));
	buf_free(&r.text);
	c.be->close(c.impl);
}

TEST(wh_sqlite_describe_and_load)
{
	struct wh_conn c;
	CHECK(open_conn(&c, "load.db") == 0);
	struct wh_err e;
	CHECK(wh_exec(&c, "CREATE TABLE Sales (id INTEGER NOT NULL, region VARCHAR(10), amount DECIMAL(12,2), day DATE, "
			  "ts TIMESTAMP, note TEXT DEFAULT 'x')",
		      NULL, NULL, &e) == 0);
	CHECK(wh_exec(&c, "CREATE UNIQUE INDEX sales_id ON Sales(id)", NULL, NULL, &e) == 0);
	struct wh_tname tn = {.table = {"SALES", false}};
	struct wh_table t;
	CHECK(c.be->describe(c.impl, &tn, &t, &e) == 0);
	CHECK_STR(t.name, "Sales"); /* the name as created */
	CHECK_INT(t.ncols, 6);
	CHECK(t.cols[0].not_null);
	CHECK_INT(t.cols[0].type.type, COL_INT64);
	CHECK_INT(t.cols[1].max_chars, 10);
	CHECK_INT(t.cols[2].type.type, COL_DECIMAL);
	CHECK_INT(t.cols[2].type.scale, 2);
	CHECK_INT(t.cols[3].type.type, COL_DATE);
	CHECK_INT(t.cols[4].type.type, COL_TIMESTAMP);
	CHECK(t.cols[5].has_default);
	struct wh_tname missing = {.table = {"nope", false}};
	struct wh_table t2;
	CHECK(c.be->describe(c.impl, &missing, &t2, &e) == -1);
	CHECK_STR(e.sqlstate, "42P01");

	/* A batch of the first five columns; row 2 repeats id 1 (refused). */
	struct schema *s = schema_new();
	for (int i = 0; i < 5; i++) {
		struct field *f = schema_add(s, t.cols[i].name, t.cols[i].type.type, true);
		f->scale = t.cols[i].type.scale;
		f->precision = t.cols[i].type.precision;
	}
	struct batch *b = batch_new(s, 8);
	for (int r = 0; r < 600; r++) {
		if (b->nrows == b->cap)
			break;
		batch_set_i64(b, 0, r == 1 ? 1 : r + 1);
		batch_set_bytes(b, 1, "eu", 2);
		batch_set_dec(b, 2, 1050 + r);
		batch_set_i32(b, 3, 20758 + r);            /* 2026-11-01 ... */
		batch_set_i64(b, 4, 1793491200000000LL + r); /* 2026-11-01 00:00:00.000001 ... */
		batch_finish_row(b);
	}
	int cols[5] = {0, 1, 2, 3, 4};
	struct wh_loader *l;
	CHECK(wh_begin(&c, &e) == 0);
	CHECK(c.be->load_open(c.impl, &t, cols, 5, NULL, NULL, &l, &e) == 0);
	uint8_t skip[8] = {0, 0, 0, 1, 0, 0, 0, 0}; /* row 3 is left out */
	/* Without an error callback, the refused row fails the batch. */
	CHECK(c.be->load_batch(l, b, skip, &e) == -1);
	CHECK(c.be->load_close(l, false, &e) >= 0);
	wh_rollback(&c);
	CHECK(wh_begin(&c, &e) == 0);
	CHECK(c.be->load_open(c.impl, &t, cols, 5, (wh_row_error_fn)NULL, NULL, &l, &e) == 0);
	skip[1] = 1; /* leave the duplicate out too */
	CHECK(c.be->load_batch(l, b, skip, &e) == 0);
	CHECK_INT(c.be->load_close(l, true, &e), 6);
	CHECK(wh_commit(&c, &e) == 0);
	struct rows r = {0};
	buf_init(&r.text, 1 << 20);
	CHECK_STR(query(&c, "SELECT id, amount, day, ts, note FROM Sales WHERE id IN (1, 5) ORDER BY id", &r),
		  "i:1|t:10.5|t:2026-11-01|t:2026-11-01 00:00:00|t:x\n"
		  "i:5|t:10.54|t:2026-11-05|t:2026-11-01 00:00:00.000004|t:x\n");
	buf_free(&r.text);
	batch_free(b);
	schema_free(s);
	wh_table_free(&t);
	c.be->close(c.impl);
}

TEST(wh_sqlite_load_history)
{
	struct wh_conn c;
	CHECK(open_conn(&c, "hist.db") == 0);
	struct wh_err e;
	CHECK(loadhist_ensure(&c, &e) == 0);
	CHECK(loadhist_ensure(&c, &e) == 0); /* idempotent */
	int64_t now = 1796000000000LL;
	struct loadhist_row h = {.table_name = "sales", .pipe_id = "", .pipe_name = "", .file_name = "a.csv",
				 .file_url = "s3://b/a.csv", .stage_location = "s3://b/", .etag = "e1", .file_size = 10,
				 .load_time = now, .status = "LOADED", .row_count = 2, .row_parsed = 2, .error_limit = 1};
	CHECK(loadhist_insert(&c, &h, &e) == 0);
	CHECK_INT(loadhist_bulk_seen(&c, "sales", "s3://b/a.csv", "e1", now, &e), 1);
	CHECK_INT(loadhist_bulk_seen(&c, "sales", "s3://b/a.csv", "e2", now, &e), 0);  /* changed file */
	CHECK_INT(loadhist_bulk_seen(&c, "other", "s3://b/a.csv", "e1", now, &e), 0);  /* other table */
	CHECK_INT(loadhist_bulk_seen(&c, "sales", "s3://b/a.csv", "e1", now + 65 * LOADHIST_DAY_MS, &e), 0);
	/* failed loads do not count as loaded */
	h.etag = "e3";
	h.status = "LOAD_FAILED";
	CHECK(loadhist_insert(&c, &h, &e) == 0);
	CHECK_INT(loadhist_bulk_seen(&c, "sales", "s3://b/a.csv", "e3", now, &e), 0);
	/* pipes: keyed by pipe id and path, any status, and never twice */
	struct loadhist_row p = h;
	p.pipe_id = "pipe-1";
	p.pipe_name = "P1";
	p.status = "LOAD_FAILED";
	CHECK(loadhist_insert(&c, &p, &e) == 0);
	CHECK_INT(loadhist_pipe_seen(&c, "pipe-1", "s3://b/a.csv", now, &e), 1);
	CHECK_INT(loadhist_pipe_seen(&c, "pipe-2", "s3://b/a.csv", now, &e), 0);
	CHECK(loadhist_insert(&c, &p, &e) == -1); /* the unique index */
	char path[64];
	int64_t when, err_when;
	CHECK_INT(loadhist_pipe_last(&c, "pipe-1", path, sizeof path, &when, &err_when, &e), 0);
	CHECK_INT(err_when, now);
	/* a dropped table forgets its bulk records, not the pipe's */
	struct wh_tname tn = {.table = {"SALES", false}};
	CHECK(loadhist_forget_table(&c, &tn, &e) == 0);
	CHECK_INT(loadhist_bulk_seen(&c, "sales", "s3://b/a.csv", "e1", now, &e), 0);
	CHECK_INT(loadhist_pipe_seen(&c, "pipe-1", "s3://b/a.csv", now, &e), 1);
	/* retention: pipe records go after 14 days */
	CHECK(loadhist_purge(&c, now + 15 * LOADHIST_DAY_MS, &e) == 0);
	CHECK_INT(loadhist_pipe_seen(&c, "pipe-1", "s3://b/a.csv", now, &e), 0);
	/* COPY_HISTORY's subquery runs on SQLite */
	h.status = "PARTIALLY_LOADED";
	h.first_error = "Numeric value 'x' is not recognized";
	h.first_error_line = 3;
	CHECK(loadhist_insert(&c, &h, &e) == 0);
	struct buf sql;
	buf_init(&sql, 1 << 20);
	buf_adds(&sql, "SELECT FILE_NAME, STATUS, FIRST_ERROR_LINE_NUMBER, TABLE_NAME FROM (");
	loadhist_copy_history_sql(&sql, &c, "sales", now - 1000, 0);
	buf_adds(&sql, ") h");
	struct rows r = {0};
	buf_init(&r.text, 1 << 20);
	CHECK_STR(query(&c, buf_str(&sql), &r), "t:a.csv|t:Partially loaded|i:3|t:sales\n");
	buf_free(&sql);
	buf_free(&r.text);
	c.be->close(c.impl);
}

TEST(wh_type_mapping)
{
	struct field f;
	int maxc;
	wh_type_from_decl("timestamp with time zone", &f, &maxc);
	CHECK_INT(f.type, COL_TIMESTAMP);
	CHECK(f.utc);
	wh_type_from_decl("TIMESTAMP_NTZ", &f, &maxc);
	CHECK(!f.utc);
	wh_type_from_decl("character varying(40)", &f, &maxc);
	CHECK_INT(f.type, COL_STRING);
	CHECK_INT(maxc, 40);
	wh_type_from_decl("numeric(38,4)", &f, &maxc);
	CHECK_INT(f.type, COL_DECIMAL);
	CHECK_INT(f.scale, 4);
	wh_type_from_decl("NUMBER", &f, &maxc);
	CHECK_INT(f.type, COL_DOUBLE);
	wh_type_from_decl("interval", &f, &maxc);
	CHECK_INT(f.type, COL_STRING);
	wh_type_from_decl("jsonb", &f, &maxc);
	CHECK_INT(f.type, COL_JSON);
	wh_type_from_decl("VARIANT", &f, &maxc);
	CHECK_INT(f.type, COL_JSON);
	wh_type_from_decl("time without time zone", &f, &maxc);
	CHECK_INT(f.type, COL_TIME);
	wh_type_from_decl("bytea", &f, &maxc);
	CHECK_INT(f.type, COL_BINARY);
}

TEST(wh_file_format_defaults_and_refusals)
{
	struct ff f;
	struct wh_err e;
	CHECK(ff_compile(NULL, &f, &e) == 0);
	CHECK_INT(f.type, FT_CSV);
	CHECK_INT(f.csv.delim, ',');
	CHECK_INT(f.csv.quote, 0);              /* FIELD_OPTIONALLY_ENCLOSED_BY = NONE */
	CHECK_INT(f.csv.escape_unquoted, '\\'); /* ESCAPE_UNENCLOSED_FIELD */
	CHECK_INT(f.csv.n_null_if, 1);
	CHECK_STR(f.csv.null_if[0], "\\N");
	CHECK(f.csv.empty_field_as_null);
	CHECK_INT(f.csv.ragged, CSV_RAGGED_ERROR);
	CHECK_INT(f.codec, FMT_CODEC_AUTO);
	ff_free(&f);
	json_t *o = json_pack("{s:s,s:s,s:i,s:b}", "TYPE", "CSV", "RECORD_DELIMITER", ";", "SKIP_HEADER", 2,
			      "ERROR_ON_COLUMN_COUNT_MISMATCH", 0);
	CHECK(ff_compile(o, &f, &e) == 0);
	CHECK_INT(f.record_delim, ';');
	CHECK_INT(f.csv.skip_lines, 2);
	CHECK_INT(f.csv.ragged, CSV_RAGGED_PAD);
	ff_free(&f);
	json_decref(o);
	const char *bad[][2] = {
		{"FIELD_DELIMITER", "||"}, {"COMPRESSION", "BZ2"}, {"ENCODING", "ISO88591"}, {"RECORD_DELIMITER", "\r\r"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		o = json_pack("{s:s,s:s}", "TYPE", "CSV", bad[i][0], bad[i][1]);
		CHECK(ff_compile(o, &f, &e) == -1);
		CHECK(strstr(e.msg, bad[i][0]) || strstr(e.msg, "nuage"));
		ff_free(&f);
		json_decref(o);
	}
	o = json_pack("{s:s,s:b}", "TYPE", "CSV", "PARSE_HEADER", 1);
	json_object_set_new(o, "SKIP_HEADER", json_integer(1));
	CHECK(ff_compile(o, &f, &e) == -1);
	ff_free(&f);
	json_decref(o);
}
