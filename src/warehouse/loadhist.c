/* loadhist.c — see loadhist.h. One SQL text serves every backend: types
 * both SQLite and PostgreSQL accept, parameters numbered $N. Redshift has
 * no indexes, so there the unique pipe index is left out and exactly-once
 * rests on the check inside the load's transaction alone.
 */
#include "warehouse/loadhist.h"
#include "core/buf.h"
#include "formats/num.h"

#include <stdio.h>
#include <string.h>

int loadhist_ensure(struct wh_conn *c, struct wh_err *e)
{
	static const char *const ddl[] = {
		"CREATE TABLE IF NOT EXISTS " LOADHIST_TABLE " ("
		"table_name TEXT NOT NULL, pipe_id TEXT NOT NULL, pipe_name TEXT NOT NULL, file_name TEXT NOT NULL, "
		"file_url TEXT NOT NULL, stage_location TEXT NOT NULL, etag TEXT NOT NULL, file_size BIGINT NOT NULL, "
		"last_load_time BIGINT NOT NULL, pipe_received_time BIGINT, status TEXT NOT NULL, "
		"row_count BIGINT NOT NULL, row_parsed BIGINT NOT NULL, error_count BIGINT NOT NULL, "
		"error_limit BIGINT NOT NULL, first_error_message TEXT, first_error_line_number BIGINT, "
		"first_error_character_pos BIGINT, first_error_column_name TEXT)",
		"CREATE INDEX IF NOT EXISTS " LOADHIST_TABLE "_file ON " LOADHIST_TABLE " (table_name, file_url)",
		"CREATE UNIQUE INDEX IF NOT EXISTS " LOADHIST_TABLE "_pipe ON " LOADHIST_TABLE
		" (pipe_id, file_url) WHERE pipe_id <> ''",
		"CREATE INDEX IF NOT EXISTS " LOADHIST_TABLE "_time ON " LOADHIST_TABLE " (last_load_time)",
	};
	int n = c->be == &wh_backend_redshift ? 1 : (int)(sizeof ddl / sizeof *ddl);
	for (int i = 0; i < n; i++)
		if (wh_exec(c, ddl[i], NULL, NULL, e))
			return -1;
	return 0;
}

static const char *num(char *buf, size_t n, int64_t v)
{
	snprintf(buf, n, "%lld", (long long)v);
	return buf;
}

int loadhist_insert(struct wh_conn *c, const struct loadhist_row *r, struct wh_err *e)
{
	char n1[24], n2[24], n3[24], n4[24], n5[24], n6[24], n7[24], n8[24], n9[24];
	const char *p[] = {
		r->table_name, r->pipe_id, r->pipe_name, r->file_name, r->file_url, r->stage_location, r->etag,
		num(n1, sizeof n1, r->file_size), num(n2, sizeof n2, r->load_time),
		r->received_time ? num(n3, sizeof n3, r->received_time) : NULL, r->status,
		num(n4, sizeof n4, r->row_count), num(n5, sizeof n5, r->row_parsed), num(n6, sizeof n6, r->error_count),
		num(n7, sizeof n7, r->error_limit), r->first_error,
		r->first_error ? num(n8, sizeof n8, r->first_error_line) : NULL,
		r->first_error ? num(n9, sizeof n9, r->first_error_char) : NULL,
		r->first_error ? r->first_error_column : NULL,
	};
	return wh_exec_params(c,
			      "INSERT INTO " LOADHIST_TABLE " (table_name, pipe_id, pipe_name, file_name, file_url, "
			      "stage_location, etag, file_size, last_load_time, pipe_received_time, status, row_count, "
			      "row_parsed, error_count, error_limit, first_error_message, first_error_line_number, "
			      "first_error_character_pos, first_error_column_name) VALUES ($1, $2, $3, $4, $5, $6, $7, "
			      "CAST($8 AS BIGINT), CAST($9 AS BIGINT), CAST($10 AS BIGINT), $11, CAST($12 AS BIGINT), "
			      "CAST($13 AS BIGINT), CAST($14 AS BIGINT), CAST($15 AS BIGINT), $16, CAST($17 AS BIGINT), "
			      "CAST($18 AS BIGINT), $19)",
			      p, (int)(sizeof p / sizeof *p), NULL, NULL, e);
}

/* A sink that only notes whether a row came. */
static int note_row(void *ctx, const struct wh_value *v, int n)
{
	(void)v;
	(void)n;
	*(int *)ctx = 1;
	return 0;
}

int loadhist_bulk_seen(struct wh_conn *c, const char *table, const char *url, const char *etag, int64_t now,
		       struct wh_err *e)
{
	char since[24];
	const char *p[] = {table, url, etag, num(since, sizeof since, now - LOADHIST_BULK_DAYS * LOADHIST_DAY_MS)};
	int seen = 0;
	struct wh_sink sink = {NULL, note_row, &seen};
	if (wh_exec_params(c,
			   "SELECT 1 FROM " LOADHIST_TABLE " WHERE table_name = $1 AND file_url = $2 AND etag = $3 "
			   "AND pipe_id = '' AND status IN ('LOADED', 'PARTIALLY_LOADED') "
			   "AND last_load_time > CAST($4 AS BIGINT) LIMIT 1",
			   p, 4, &sink, NULL, e))
		return -1;
	return seen;
}

int loadhist_pipe_seen(struct wh_conn *c, const char *pipe_id, const char *url, int64_t now, struct wh_err *e)
{
	char since[24];
	const char *p[] = {pipe_id, url, num(since, sizeof since, now - LOADHIST_PIPE_DAYS * LOADHIST_DAY_MS)};
	int seen = 0;
	struct wh_sink sink = {NULL, note_row, &seen};
	if (wh_exec_params(c,
			   "SELECT 1 FROM " LOADHIST_TABLE " WHERE pipe_id = $1 AND file_url = $2 "
			   "AND last_load_time > CAST($3 AS BIGINT) LIMIT 1",
			   p, 3, &sink, NULL, e))
		return -1;
	return seen;
}

int loadhist_purge(struct wh_conn *c, int64_t now, struct wh_err *e)
{
	char bulk[24], pipe[24];
	const char *p[] = {num(bulk, sizeof bulk, now - LOADHIST_BULK_DAYS * LOADHIST_DAY_MS),
			   num(pipe, sizeof pipe, now - LOADHIST_PIPE_DAYS * LOADHIST_DAY_MS)};
	return wh_exec_params(c,
			      "DELETE FROM " LOADHIST_TABLE " WHERE last_load_time < CAST($1 AS BIGINT) "
			      "OR (pipe_id <> '' AND last_load_time < CAST($2 AS BIGINT))",
			      p, 2, NULL, NULL, e);
}

struct last_ctx {
	char *path;
	size_t pathlen;
	int64_t when, err_when;
	int found;
};

static int last_row(void *ctx, const struct wh_value *v, int n)
{
	struct last_ctx *l = ctx;
	if (n < 3)
		return 0;
	if (v[0].kind == WH_TEXT) {
		snprintf(l->path, l->pathlen, "%.*s", (int)v[0].n, v[0].p);
		l->found = 1;
	}
	/* Counts and times come back as integers (SQLite, or PostgreSQL int8),
	 * or as text when a backend aggregates into numeric. */
	for (int i = 1; i <= 2; i++) {
		int64_t x = 0;
		if (v[i].kind == WH_INT)
			x = v[i].i;
		else if (v[i].kind == WH_TEXT)
			num_parse_i64(v[i].p, v[i].n, &x);
		if (i == 1)
			l->when = x;
		else
			l->err_when = x;
	}
	return 0;
}

int loadhist_pipe_last(struct wh_conn *c, const char *pipe_id, char *path, size_t pathlen, int64_t *when,
		       int64_t *last_error_time, struct wh_err *e)
{
	struct last_ctx l = {path, pathlen, 0, 0, 0};
	path[0] = 0;
	const char *p[] = {pipe_id};
	struct wh_sink sink = {NULL, last_row, &l};
	/* One row whatever the history holds (scalar subqueries). */
	if (wh_exec_params(c,
			   "SELECT (SELECT file_name FROM " LOADHIST_TABLE " WHERE pipe_id = $1 AND status <> 'LOAD_FAILED' "
			   "ORDER BY last_load_time DESC LIMIT 1), (SELECT max(last_load_time) FROM " LOADHIST_TABLE
			   " WHERE pipe_id = $1 AND status <> 'LOAD_FAILED'), (SELECT max(last_load_time) FROM " LOADHIST_TABLE
			   " WHERE pipe_id = $1 AND status <> 'LOADED')",
			   p, 1, &sink, NULL, e))
		return -1;
	*when = l.when;
	*last_error_time = l.err_when;
	return l.found;
}

void loadhist_copy_history_sql(struct buf *b, const struct wh_conn *c, const char *table, int64_t start, int64_t end)
{
	bool pg = c->be != &wh_backend_sqlite;
	/* Times as TIMESTAMP_LTZ would show them: UTC text on SQLite, timestamptz on PostgreSQL. */
	const char *ts_open = pg ? "to_timestamp(" : "strftime('%Y-%m-%d %H:%M:%f', ";
	const char *ts_close = pg ? " / 1000.0)" : " / 1000.0, 'unixepoch')";
	buf_addf(b,
		 "SELECT file_name AS FILE_NAME, stage_location AS STAGE_LOCATION, %slast_load_time%s AS LAST_LOAD_TIME, "
		 "row_count AS ROW_COUNT, row_parsed AS ROW_PARSED, file_size AS FILE_SIZE, "
		 "first_error_message AS FIRST_ERROR_MESSAGE, first_error_line_number AS FIRST_ERROR_LINE_NUMBER, "
		 "first_error_character_pos AS FIRST_ERROR_CHARACTER_POS, "
		 "first_error_column_name AS FIRST_ERROR_COLUMN_NAME, error_count AS ERROR_COUNT, "
		 "error_limit AS ERROR_LIMIT, CASE status WHEN 'LOADED' THEN 'Loaded' WHEN 'LOAD_FAILED' THEN 'Load "
		 "failed' WHEN 'PARTIALLY_LOADED' THEN 'Partially loaded' ELSE status END AS STATUS, ",
		 ts_open, ts_close);
	buf_adds(b, "'NUAGE' AS TABLE_CATALOG_NAME, ");
	buf_adds(b, pg ? "split_part(table_name, '.', 1)" : "'PUBLIC'");
	buf_adds(b, " AS TABLE_SCHEMA_NAME, ");
	buf_adds(b, pg ? "split_part(table_name, '.', 2)" : "table_name");
	buf_adds(b, " AS TABLE_NAME, CASE WHEN pipe_id = '' THEN NULL ELSE 'NUAGE' END AS PIPE_CATALOG_NAME, "
		    "CASE WHEN pipe_id = '' THEN NULL ELSE 'PUBLIC' END AS PIPE_SCHEMA_NAME, "
		    "NULLIF(pipe_name, '') AS PIPE_NAME, ");
	buf_addf(b, "CASE WHEN pipe_received_time IS NULL THEN NULL ELSE %spipe_received_time%s END AS PIPE_RECEIVED_TIME, ",
		 ts_open, ts_close);
	buf_addf(b, "%slast_load_time%s AS FIRST_COMMIT_TIME FROM " LOADHIST_TABLE " WHERE table_name = ", ts_open,
		 ts_close);
	wh_quote_literal(b, table);
	buf_addf(b, " AND last_load_time >= %lld", (long long)start);
	if (end > 0)
		buf_addf(b, " AND last_load_time < %lld", (long long)end);
}

int loadhist_forget_table(struct wh_conn *c, const struct wh_tname *t, struct wh_err *e)
{
	if (c->be == &wh_backend_sqlite) {
		const char *p[] = {t->table.text};
		return wh_exec_params(c, "DELETE FROM " LOADHIST_TABLE " WHERE pipe_id = '' AND table_name = $1 COLLATE NOCASE",
				      p, 1, NULL, NULL, e);
	}
	/* PostgreSQL folds unquoted names to lower case; no schema: the first
	 * of the search path, which COPY INTO would have used too. */
	char table[WH_NAME_MAX], schema[WH_NAME_MAX];
	snprintf(table, sizeof table, "%s", t->table.text);
	snprintf(schema, sizeof schema, "%s", t->schema.text);
	for (char *q = table; !t->table.quoted && *q; q++)
		*q = (char)(*q >= 'A' && *q <= 'Z' ? *q + 32 : *q);
	for (char *q = schema; !t->schema.quoted && *q; q++)
		*q = (char)(*q >= 'A' && *q <= 'Z' ? *q + 32 : *q);
	const char *p[] = {schema, table};
	return wh_exec_params(c,
			      "DELETE FROM " LOADHIST_TABLE " WHERE pipe_id = '' AND table_name = "
			      "(CASE WHEN $1 = '' THEN current_schema() ELSE $1 END) || '.' || $2",
			      p, 2, NULL, NULL, e);
}
