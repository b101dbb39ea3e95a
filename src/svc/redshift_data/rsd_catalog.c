/* rsd_catalog.c — ListDatabases, ListSchemas, ListTables, DescribeTable:
 * the warehouse's catalog through the Data API. These answer directly (as
 * on AWS) with short catalog queries on the warehouse; pages are offsets
 * in NextToken.
 *
 * SQLite has one database (the warehouse's, `dev`) and one schema, which
 * nuage calls `public` as Redshift does (`main` is accepted too). The load
 * history table (_nuage_load_history) is nuage's and is never listed.
 */
#include "svc/redshift_data/rsd.h"
#include "core/buf.h"
#include "core/mem.h"
#include "warehouse/loadhist.h"
#include "warehouse/wh.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Rows of a catalog query as JSON arrays (text, integers, null). */
struct collect {
	json_t *rows;
	int64_t max;
};

static int collect_row(void *ctx, const struct wh_value *v, int n)
{
	struct collect *c = ctx;
	if ((int64_t)json_array_size(c->rows) >= c->max)
		return 0;
	json_t *r = json_array();
	for (int i = 0; i < n; i++) {
		switch (v[i].kind) {
		case WH_INT:
		case WH_BOOL:
			json_array_append_new(r, json_integer(v[i].i));
			break;
		case WH_DOUBLE:
			json_array_append_new(r, json_integer((json_int_t)v[i].d));
			break;
		case WH_TEXT:
			json_array_append_new(r, json_stringn(v[i].p, v[i].n));
			break;
		default:
			json_array_append_new(r, json_null());
		}
	}
	json_array_append_new(c->rows, r);
	return 0;
}

/* Runs a catalog query on the call's warehouse; rows (caller decrefs) or
 * NULL with the error set. */
static json_t *query(struct call *c, struct wh **wp, const char *sqlite_sql, const char *pg_sql,
		     const char *const *params, int n)
{
	struct wh *w = rsd_target(c);
	if (!w)
		return NULL;
	*wp = w;
	struct wh_conn *conn;
	struct wh_err e;
	if (wh_acquire(w, &conn, &e)) {
		call_error(c, ERR_RSD_DB_CONNECTION, "%s", e.msg);
		return NULL;
	}
	struct collect col = {json_array(), 1000000};
	struct wh_sink sink = {NULL, collect_row, &col};
	int rc = wh_exec_params(conn, conn->be == &wh_backend_sqlite ? sqlite_sql : pg_sql, params, n, &sink, NULL, &e);
	wh_release(conn);
	if (rc) {
		json_decref(col.rows);
		call_error(c, ERR_RSD_INTERNAL, "%s", e.msg);
		return NULL;
	}
	return col.rows;
}

/* MaxResults/NextToken over rows: the page [off, off+max) as an array of
 * what fn makes of each row; sets NextToken. */
static json_t *page(struct call *c, json_t *rows, json_t *(*fn)(json_t *row))
{
	int64_t max = call_int(c, "MaxResults", 1000);
	if (max <= 0 || max > 1000)
		max = 1000;
	int64_t off = 0, ignored;
	if (rsd_read_token(call_str(c, "NextToken"), &ignored, &off)) {
		call_error(c, ERR_VALIDATION, "The NextToken is not valid");
		return NULL;
	}
	json_t *out = json_array();
	int64_t n = (int64_t)json_array_size(rows);
	for (int64_t i = off; i < n && i < off + max; i++)
		json_array_append_new(out, fn(json_array_get(rows, (size_t)i)));
	if (off + max < n) {
		char tok[128];
		rsd_make_token(tok, sizeof tok, 0, off + max);
		call_set(c, "NextToken", json_string(tok));
	}
	return out;
}

static json_t *first_text(json_t *row)
{
	return json_incref(json_array_get(row, 0));
}

int rsd_list_databases(struct call *c)
{
	struct wh *w = NULL;
	json_t *rows = query(c, &w, "SELECT 'dev'",
			     "SELECT datname FROM pg_database WHERE datallowconn AND NOT datistemplate ORDER BY 1", NULL, 0);
	if (!rows)
		return -1;
	if (wh_backend_of(w) == &wh_backend_sqlite) {
		json_decref(rows);
		rows = json_pack("[[s]]", wh_database(w));
	}
	json_t *dbs = page(c, rows, first_text);
	json_decref(rows);
	if (!dbs)
		return -1;
	call_set(c, "Databases", dbs);
	return 0;
}

int rsd_list_schemas(struct call *c)
{
	const char *pat = call_str(c, "SchemaPattern");
	const char *params[] = {pat};
	struct wh *w = NULL;
	json_t *rows = query(c, &w, "SELECT 'public' WHERE $1 IS NULL OR 'public' LIKE $1",
			     "SELECT nspname FROM pg_namespace WHERE nspname NOT LIKE 'pg\\_%' AND nspname <> "
			     "'information_schema' AND (CAST($1 AS TEXT) IS NULL OR nspname LIKE $1) ORDER BY 1",
			     params, 1);
	if (!rows)
		return -1;
	json_t *s = page(c, rows, first_text);
	json_decref(rows);
	if (!s)
		return -1;
	call_set(c, "Schemas", s);
	return 0;
}

static json_t *table_member(json_t *row)
{
	return json_pack("{s:O,s:O,s:O}", "schema", json_array_get(row, 0), "name", json_array_get(row, 1), "type",
			 json_array_get(row, 2));
}

int rsd_list_tables(struct call *c)
{
	const char *sp = call_str(c, "SchemaPattern"), *tp = call_str(c, "TablePattern");
	const char *params[] = {sp, tp};
	struct wh *w = NULL;
	json_t *rows = query(
		c, &w,
		"SELECT 'public', name, upper(type) FROM sqlite_master WHERE type IN ('table', 'view') "
		"AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND name <> '" LOADHIST_TABLE "' "
		"AND ($1 IS NULL OR 'public' LIKE $1 OR 'main' LIKE $1) AND ($2 IS NULL OR name LIKE $2) ORDER BY name",
		"SELECT table_schema, table_name, CASE table_type WHEN 'BASE TABLE' THEN 'TABLE' ELSE table_type END "
		"FROM information_schema.tables WHERE table_schema NOT IN ('pg_catalog', 'information_schema') "
		"AND table_name <> '" LOADHIST_TABLE "' AND (CAST($1 AS TEXT) IS NULL OR table_schema LIKE $1) "
		"AND (CAST($2 AS TEXT) IS NULL OR table_name LIKE $2) ORDER BY 1, 2",
		params, 2);
	if (!rows)
		return -1;
	json_t *t = page(c, rows, table_member);
	json_decref(rows);
	if (!t)
		return -1;
	call_set(c, "Tables", t);
	return 0;
}

/* A column row: name, declared type, not null, default, schema, table. */
static json_t *column_meta(json_t *row)
{
	const char *decl = json_string_value(json_array_get(row, 1));
	struct field f;
	int maxc;
	wh_type_from_decl(decl ? decl : "", &f, &maxc);
	static const char *const names[] = {"bool", "int4", "int8", "float4", "float8", "numeric", "varchar",
					    "bytea", "date", "timestamp", "time", "varchar"};
	const char *tn = f.type == COL_TIMESTAMP && f.utc ? "timestamptz" : names[f.type];
	if (f.type == COL_INT64 && decl && (strcasestr(decl, "int4") || !strcasecmp(decl, "integer") ||
					    !strcasecmp(decl, "int")))
		tn = "int4";
	if (f.type == COL_JSON)
		tn = decl && strcasestr(decl, "jsonb") ? "jsonb" : decl && strcasestr(decl, "json") ? "json" : "super";
	json_t *o = json_object();
	json_object_set_new(o, "name", json_incref(json_array_get(row, 0)));
	json_object_set_new(o, "typeName", json_string(tn));
	json_object_set_new(o, "nullable", json_integer(json_integer_value(json_array_get(row, 2)) ? 0 : 1));
	json_object_set_new(o, "precision", json_integer(f.type == COL_DECIMAL ? f.precision : f.type == COL_INT64 ? 19
									 : f.type == COL_DOUBLE ? 17 : maxc));
	json_object_set_new(o, "scale", json_integer(f.type == COL_DECIMAL ? f.scale : 0));
	json_object_set_new(o, "length", json_integer(maxc));
	json_object_set_new(o, "isSigned", json_boolean(f.type == COL_INT64 || f.type == COL_DOUBLE ||
							f.type == COL_DECIMAL));
	json_object_set_new(o, "isCaseSensitive", json_boolean(f.type == COL_STRING));
	json_object_set_new(o, "isCurrency", json_false());
	json_t *dflt = json_array_get(row, 3);
	if (json_is_string(dflt))
		json_object_set_new(o, "columnDefault", json_incref(dflt));
	json_object_set_new(o, "schemaName", json_incref(json_array_get(row, 4)));
	json_object_set_new(o, "tableName", json_incref(json_array_get(row, 5)));
	return o;
}

int rsd_describe_table(struct call *c)
{
	const char *table = call_str(c, "Table");
	const char *schema = call_str(c, "Schema");
	if (!table)
		return call_error(c, ERR_VALIDATION, "DescribeTable needs Table (nuage describes one table at a time)");
	if (!schema || !strcasecmp(schema, "main"))
		schema = "public";
	const char *params[] = {schema, table};
	struct wh *w = NULL;
	json_t *rows = query(c, &w,
			     "SELECT name, type, \"notnull\", dflt_value, 'public', $2 FROM pragma_table_info($2) "
			     "WHERE $1 IN ('public', 'main') ORDER BY cid",
			     "SELECT a.attname, format_type(a.atttypid, a.atttypmod), CASE WHEN a.attnotnull THEN 1 ELSE 0 "
			     "END, pg_get_expr(d.adbin, d.adrelid), n.nspname, c.relname FROM pg_attribute a "
			     "JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
			     "LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum "
			     "WHERE n.nspname = $1 AND c.relname = $2 AND a.attnum > 0 AND NOT a.attisdropped "
			     "ORDER BY a.attnum",
			     params, 2);
	if (!rows)
		return -1;
	json_t *cols = page(c, rows, column_meta);
	json_decref(rows);
	if (!cols)
		return -1;
	call_set(c, "TableName", json_string(table));
	call_set(c, "ColumnList", cols);
	return 0;
}
