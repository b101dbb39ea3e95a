/* redshift_data.c — the Amazon Redshift Data API (json 1.1, RedshiftData.*)
 * in front of nuage's warehouses (src/warehouse).
 *
 * Implements: ExecuteStatement (Sql, Parameters, Database, WithEvent,
 * StatementName, ClientToken, SessionKeepAliveSeconds, SessionId),
 * BatchExecuteStatement (one transaction), DescribeStatement (also of a
 * batch's "id:n"), GetStatementResult (typed Records, ColumnMetadata,
 * NextToken pages of about 1 MiB), ListStatements (Status, StatementName
 * prefix, RoleLevel, pagination), CancelStatement; and in rsd_catalog.c
 * ListDatabases, ListSchemas, ListTables, DescribeTable.
 *
 * Which warehouse: ClusterIdentifier or WorkgroupName naming a configured
 * warehouse, else Database naming one, else the default warehouse; so code
 * written for a real cluster runs unchanged against nuage's default.
 * Leaves out: GetStatementResultV2 and ResultFormat CSV (JSON only),
 * authentication by SecretArn/DbUser (accepted and echoed: any key of the
 * account may use every warehouse).
 *
 * Invariants: a statement row is committed (SUBMITTED) before the reply
 * carries its Id; only the pool worker that runs it moves it on (rsd_run.c);
 * a statement is visible to its account only.
 */
#include "svc/redshift_data/rsd.h"
#include "config.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/enc.h"
#include "core/mem.h"
#include "core/rand.h"
#include "engine/pool.h"
#include "engine/timers.h"
#include "proto/models/models.h"
#include "store/db.h"
#include "store/migrate.h"
#include "svc/svc.h"
#include "warehouse/catalog.h"
#include "warehouse/pipe.h"
#include "warehouse/sqltok.h"
#include "warehouse/wh.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const struct migration migrations[] = {
	{1, "CREATE TABLE rsd_statements (id TEXT PRIMARY KEY, account TEXT NOT NULL, region TEXT NOT NULL,"
	    "  caller TEXT NOT NULL, warehouse TEXT NOT NULL, cluster TEXT, workgroup TEXT, database TEXT,"
	    "  db_user TEXT, secret_arn TEXT, name TEXT, is_batch INTEGER NOT NULL, query TEXT NOT NULL, params TEXT,"
	    "  status TEXT NOT NULL, error TEXT, created INTEGER NOT NULL, updated INTEGER NOT NULL,"
	    "  duration_ns INTEGER NOT NULL DEFAULT -1, result_rows INTEGER NOT NULL DEFAULT -1,"
	    "  result_size INTEGER NOT NULL DEFAULT -1, has_result INTEGER NOT NULL DEFAULT 0,"
	    "  query_id INTEGER NOT NULL DEFAULT -1, with_event INTEGER NOT NULL DEFAULT 0, client_token TEXT,"
	    "  session_id TEXT, result_format TEXT) WITHOUT ROWID;"
	    "CREATE INDEX rsd_statements_account ON rsd_statements(account, created);"
	    "CREATE INDEX rsd_statements_token ON rsd_statements(account, client_token) WHERE client_token IS NOT NULL;"
	    "CREATE TABLE rsd_subs (id TEXT NOT NULL, idx INTEGER NOT NULL, query TEXT NOT NULL, status TEXT NOT NULL,"
	    "  error TEXT, created INTEGER NOT NULL, updated INTEGER NOT NULL, duration_ns INTEGER NOT NULL DEFAULT -1,"
	    "  result_rows INTEGER NOT NULL DEFAULT -1, result_size INTEGER NOT NULL DEFAULT -1,"
	    "  has_result INTEGER NOT NULL DEFAULT 0, query_id INTEGER NOT NULL DEFAULT -1,"
	    "  PRIMARY KEY (id, idx)) WITHOUT ROWID;"
	    "CREATE TABLE rsd_results (id TEXT PRIMARY KEY, columns TEXT NOT NULL, rows INTEGER NOT NULL,"
	    "  bytes INTEGER NOT NULL) WITHOUT ROWID;"},
};
static const struct migration_set rsd_mset = {"redshift-data", migrations, sizeof migrations / sizeof *migrations};

/* ------------------------------------------------------------ helpers */

static int validation(struct call *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int validation(struct call *c, const char *fmt, ...)
{
	char m[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(m, sizeof m, fmt, ap);
	va_end(ap);
	return call_error(c, ERR_VALIDATION, "%s", m);
}

static int not_found(struct call *c, const char *id, const char *msg)
{
	call_error_field(c, "ResourceId", id);
	return call_error(c, ERR_RSD_NOT_FOUND, "%s", msg);
}

/* A workgroup may be given by ARN: .../workgroup/<uuid>. */
static const char *short_name(const char *s)
{
	const char *slash = s ? strrchr(s, '/') : NULL;
	return slash ? slash + 1 : s;
}

struct wh *rsd_target(struct call *c)
{
	const char *cl = call_str(c, "ClusterIdentifier"), *wg = short_name(call_str(c, "WorkgroupName"));
	struct wh *w = wh_find(cl);
	if (!w)
		w = wh_find(wg);
	if (!w)
		w = wh_find(call_str(c, "Database"));
	if (!w)
		w = wh_default();
	if (!w)
		call_error(c, ERR_RSD_DB_CONNECTION, "nuage has no warehouse configured");
	return w;
}

/* "uuid" or "uuid:n" (n >= 1): 0 and the parts, or -1. */
static int parse_id(const char *id, char base[37], int *sub)
{
	*sub = 0;
	if (!id || strlen(id) < 36)
		return -1;
	for (int i = 0; i < 36; i++) {
		char ch = id[i];
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;
		if (dash ? ch != '-' : !((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z')))
			return -1;
	}
	memcpy(base, id, 36);
	base[36] = 0;
	if (!id[36])
		return 0;
	if (id[36] != ':' || !id[37])
		return -1;
	char *end;
	long n = strtol(id + 37, &end, 10);
	if (*end || n < 1 || n > 40)
		return -1;
	*sub = (int)n;
	return 0;
}

static int bad_id(struct call *c, const char *id)
{
	return validation(c, "1 validation error detected: Value '%s' at 'id' failed to satisfy constraint: Member must "
			     "satisfy regular expression pattern: ^[a-z0-9]{8}(-[a-z0-9]{4}){3}-[a-z0-9]{12}(:\\d+)?$",
			  id ? id : "");
}

/* ------------------------------------------------------------ ExecuteStatement */

/* Parameters -> names and values (arena), validated. */
static int read_params(struct call *c, const char ***names, const char ***values, int *n)
{
	json_t *ps = call_get(c, "Parameters");
	*n = 0;
	if (!json_is_array(ps))
		return 0;
	size_t cnt = json_array_size(ps);
	if (cnt > 100)
		return validation(c, "At most 100 parameters may be given");
	*names = arena_zalloc(c->arena, sizeof **names * (cnt + 1));
	*values = arena_zalloc(c->arena, sizeof **values * (cnt + 1));
	size_t i;
	json_t *p;
	json_array_foreach(ps, i, p)
	{
		const char *nm = json_string_value(json_object_get(p, "name"));
		const char *v = json_string_value(json_object_get(p, "value"));
		if (!nm || !v)
			return validation(c, "Each parameter needs a name and a value");
		for (const char *s = nm; *s; s++)
			if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '_'))
				return validation(c, "Parameter name '%s' must match [0-9a-zA-Z_]+", nm);
		for (int k = 0; k < *n; k++)
			if (!strcmp((*names)[k], nm))
				return validation(c, "Parameter '%s' is given more than once", nm);
		(*names)[*n] = nm;
		(*values)[*n] = v;
		(*n)++;
	}
	return 0;
}

/* Rewrites :name parameters into $n for one statement. */
static int bind_sql(struct call *c, const char *sql, const char *const *names, int n, bool need_all, char **out)
{
	char bad[128];
	int rc = sql_bind_names(sql, strlen(sql), names, n, out, bad, sizeof bad);
	if (rc == -1)
		return validation(c, "The SQL statement refers to parameter :%s, which is not in Parameters", bad);
	if (rc == -2) {
		if (need_all)
			return validation(c, "Parameter '%s' is not used in the SQL statement", bad);
	}
	return 0;
}

static int64_t active_statements(const char *account)
{
	sqlite3_stmt *st = db_prep("SELECT count(*) FROM rsd_statements WHERE account = ? AND status IN ('SUBMITTED', "
				   "'STARTED')");
	db_bind_text(st, 1, account);
	int64_t n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	db_done(st);
	return n;
}

/* An earlier call with the same ClientToken: its Id (arena), or NULL. */
static const char *by_token(struct call *c, const char *token)
{
	if (!token)
		return NULL;
	sqlite3_stmt *st = db_prep("SELECT id FROM rsd_statements WHERE account = ? AND client_token = ?");
	db_bind_text(st, 1, c->who.account);
	db_bind_text(st, 2, token);
	const char *id = sqlite3_step(st) == SQLITE_ROW ? arena_strdup(c->arena, db_col_text(st, 0)) : NULL;
	db_done(st);
	return id;
}

static void echo_target(struct call *c, const char *id, int64_t created, const char *session)
{
	call_set(c, "Id", json_string(id));
	call_set(c, "CreatedAt", json_integer(created));
	const char *const echo[] = {"ClusterIdentifier", "Database", "DbUser", "SecretArn", "WorkgroupName", NULL};
	for (int i = 0; echo[i]; i++)
		if (call_str(c, echo[i]))
			call_set(c, echo[i], json_string(call_str(c, echo[i])));
	call_set(c, "DbGroups", json_array());
	if (session)
		call_set(c, "SessionId", json_string(session));
}

static int submit(struct call *c, bool batch)
{
	const char *sql = call_str(c, "Sql");
	json_t *sqls = call_get(c, "Sqls");
	int nsql = batch ? (int)json_array_size(sqls) : 1;
	if (batch && (nsql < 1 || nsql > 40))
		return validation(c, "1 validation error detected: Value at 'sqls' failed to satisfy constraint: Member must "
				     "have length between 1 and 40");
	const char *fmt = call_str(c, "ResultFormat");
	if (fmt && strcmp(fmt, "JSON"))
		return validation(c, "ResultFormat %s is not supported by nuage (JSON is; GetStatementResultV2 is not "
				     "implemented)", fmt);
	const char **texts = arena_zalloc(c->arena, sizeof *texts * (size_t)(nsql + 1));
	for (int i = 0; i < nsql; i++) {
		texts[i] = batch ? json_string_value(json_array_get(sqls, (size_t)i)) : sql;
		if (!texts[i] || !*texts[i])
			return validation(c, "The SQL statement must not be empty");
		if (strlen(texts[i]) > RSD_MAX_SQL)
			return validation(c, "The SQL statement is longer than %d bytes", RSD_MAX_SQL);
	}
	const char *token = call_str(c, "ClientToken");
	const char *again = by_token(c, token);
	if (again) {
		echo_target(c, again, clock_wall_ms(), call_str(c, "SessionId"));
		return 0;
	}
	const char **names = NULL, **values = NULL;
	int np = 0;
	if (read_params(c, &names, &values, &np))
		return -1;
	char **bound = arena_zalloc(c->arena, sizeof *bound * (size_t)(nsql + 1));
	for (int i = 0; i < nsql; i++) {
		if (!np)
			continue;
		if (bind_sql(c, texts[i], names, np, !batch, &bound[i]))
			goto fail_bound;
		arena_on_free(c->arena, free, bound[i]);
		texts[i] = bound[i];
	}
	/* Which warehouse: the session's, or the one the call names. */
	const char *session = call_str(c, "SessionId");
	int keepalive = (int)call_int(c, "SessionKeepAliveSeconds", 0);
	char whname[64];
	if (session) {
		int s = rsd_session_check(session, c->who.account, whname, sizeof whname);
		if (s == 0)
			return validation(c, "Session %s is not available: it expired or never existed", session);
		if (s < 0)
			return call_error(c, ERR_RSD_ACTIVE_SESSIONS, "Session %s is running another statement", session);
	} else {
		struct wh *w = rsd_target(c);
		if (!w)
			return -1;
		snprintf(whname, sizeof whname, "%s", wh_name(w));
	}
	if (active_statements(c->who.account) >= RSD_MAX_ACTIVE)
		return call_error(c, ERR_RSD_ACTIVE_STATEMENTS, "The number of active statements exceeds the limit of %d.",
				  RSD_MAX_ACTIVE);
	char id[37];
	uuid4(id);
	char sid[37] = "";
	if (!session && keepalive > 0)
		uuid4(sid);
	int64_t now = clock_wall_ms();
	char *query = NULL;
	if (batch)
		query = json_dumps(sqls, JSON_COMPACT);
	char *params = np ? json_dumps(call_get(c, "Parameters"), JSON_COMPACT) : NULL;
	if (db_begin()) {
		free(query);
		free(params);
		return call_error(c, ERR_RSD_INTERNAL, "database busy");
	}
	sqlite3_stmt *st = db_prep(
		"INSERT INTO rsd_statements (id, account, region, caller, warehouse, cluster, workgroup, database, db_user, "
		"secret_arn, name, is_batch, query, params, status, created, updated, with_event, client_token, session_id, "
		"result_format) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, 'SUBMITTED', ?15, ?15, "
		"?16, ?17, ?18, ?19)");
	db_bind_text(st, 1, id);
	db_bind_text(st, 2, c->who.account);
	db_bind_text(st, 3, c->region);
	db_bind_text(st, 4, c->who.arn);
	db_bind_text(st, 5, whname);
	db_bind_text(st, 6, call_str(c, "ClusterIdentifier"));
	db_bind_text(st, 7, call_str(c, "WorkgroupName"));
	db_bind_text(st, 8, call_str(c, "Database"));
	db_bind_text(st, 9, call_str(c, "DbUser"));
	db_bind_text(st, 10, call_str(c, "SecretArn"));
	db_bind_text(st, 11, call_str(c, "StatementName"));
	sqlite3_bind_int(st, 12, batch);
	db_bind_text(st, 13, batch ? query : sql);
	db_bind_text(st, 14, params);
	sqlite3_bind_int64(st, 15, now);
	sqlite3_bind_int(st, 16, call_bool(c, "WithEvent", false));
	db_bind_text(st, 17, token);
	db_bind_text(st, 18, session ? session : sid[0] ? sid : NULL);
	db_bind_text(st, 19, call_str(c, "ResultFormat") ? call_str(c, "ResultFormat") : "JSON");
	int rc = sqlite3_step(st);
	db_done(st);
	if (rc == SQLITE_DONE && batch) {
		for (int i = 0; i < nsql && rc == SQLITE_DONE; i++) {
			st = db_prep("INSERT INTO rsd_subs (id, idx, query, status, created, updated) VALUES (?, ?, ?, "
				     "'SUBMITTED', ?, ?)");
			db_bind_text(st, 1, id);
			sqlite3_bind_int(st, 2, i + 1);
			db_bind_text(st, 3, json_string_value(json_array_get(sqls, (size_t)i)));
			sqlite3_bind_int64(st, 4, now);
			sqlite3_bind_int64(st, 5, now);
			rc = sqlite3_step(st);
			db_done(st);
		}
	}
	free(query);
	if (rc != SQLITE_DONE) {
		db_rollback();
		free(params);
		return call_error(c, ERR_RSD_INTERNAL, "%s", db_errmsg());
	}
	if (db_commit()) {
		free(params);
		return call_error(c, ERR_RSD_INTERNAL, "commit failed");
	}
	json_t *pv = NULL;
	if (np) {
		pv = json_array();
		for (int i = 0; i < np; i++)
			json_array_append_new(pv, json_string(values[i]));
	}
	free(params);
	rc = rsd_submit(id, whname, c->who.account, c->region, c->who.arn, texts, nsql, batch, pv,
			session ? session : sid[0] ? sid : NULL, keepalive, call_bool(c, "WithEvent", false));
	json_decref(pv);
	if (rc) {
		/* Not queued: the statement must not stay SUBMITTED forever. */
		if (!db_begin()) {
			sqlite3_stmt *d = db_prep("DELETE FROM rsd_statements WHERE id = ?");
			db_bind_text(d, 1, id);
			sqlite3_step(d);
			db_done(d);
			d = db_prep("DELETE FROM rsd_subs WHERE id = ?");
			db_bind_text(d, 1, id);
			sqlite3_step(d);
			db_done(d);
			db_commit();
		}
		return call_error(c, ERR_RSD_ACTIVE_STATEMENTS, "The number of active statements exceeds what nuage's "
								 "worker pool can queue; try again shortly.");
	}
	echo_target(c, id, now, session ? session : sid[0] ? sid : NULL);
	return 0;
fail_bound:
	for (int i = 0; i < nsql; i++)
		if (bound[i] && bound[i] != texts[i])
			free(bound[i]);
	return -1;
}

static int execute_statement(struct call *c)
{
	return submit(c, false);
}

static int batch_execute_statement(struct call *c)
{
	return submit(c, true);
}

/* ------------------------------------------------------------ DescribeStatement */

static void set_num(json_t *o, const char *k, sqlite3_stmt *st, int col)
{
	json_object_set_new(o, k, json_integer(sqlite3_column_int64(st, col)));
}

static void set_text(json_t *o, const char *k, sqlite3_stmt *st, int col)
{
	const char *v = db_col_text(st, col);
	if (v)
		json_object_set_new(o, k, json_string(v));
}

/* Columns shared by statements and sub-statements, in this order:
 * status, error, created, updated, duration_ns, result_rows, result_size,
 * has_result, query_id, query. */
static void fill_common(json_t *o, sqlite3_stmt *st, int base)
{
	set_text(o, "Status", st, base);
	set_text(o, "Error", st, base + 1);
	set_num(o, "CreatedAt", st, base + 2);
	set_num(o, "UpdatedAt", st, base + 3);
	set_num(o, "Duration", st, base + 4);
	set_num(o, "ResultRows", st, base + 5);
	set_num(o, "ResultSize", st, base + 6);
	json_object_set_new(o, "HasResultSet", json_boolean(sqlite3_column_int(st, base + 7)));
	set_num(o, "RedshiftQueryId", st, base + 8);
	set_text(o, "QueryString", st, base + 9);
}

static json_t *params_json(const char *text)
{
	json_t *p = text ? json_loads(text, 0, NULL) : NULL;
	return json_is_array(p) ? p : (json_decref(p), NULL);
}

static int describe_statement(struct call *c)
{
	const char *id = call_str(c, "Id");
	char base[37];
	int sub;
	if (parse_id(id, base, &sub))
		return bad_id(c, id);
	sqlite3_stmt *st = db_prep(
		"SELECT status, error, created, updated, duration_ns, result_rows, result_size, has_result, query_id, query, "
		"is_batch, cluster, workgroup, database, db_user, secret_arn, params, session_id, result_format, warehouse "
		"FROM rsd_statements WHERE id = ? AND account = ?");
	db_bind_text(st, 1, base);
	db_bind_text(st, 2, c->who.account);
	if (sqlite3_step(st) != SQLITE_ROW) {
		db_done(st);
		return not_found(c, id, "Query does not exist.");
	}
	json_t *out = json_object();
	bool batch = sqlite3_column_int(st, 10);
	json_object_set_new(out, "Id", json_string(id));
	fill_common(out, st, 0);
	if (batch)
		json_object_del(out, "QueryString");
	const char *cl = db_col_text(st, 11);
	set_text(out, "ClusterIdentifier", st, 11);
	set_text(out, "WorkgroupName", st, 12);
	if (!cl && !db_col_text(st, 12))
		json_object_set_new(out, "ClusterIdentifier", json_string(db_col_text(st, 19)));
	set_text(out, "Database", st, 13);
	set_text(out, "DbUser", st, 14);
	set_text(out, "SecretArn", st, 15);
	json_t *pv = params_json(db_col_text(st, 16));
	if (pv)
		json_object_set_new(out, "QueryParameters", pv);
	set_text(out, "SessionId", st, 17);
	set_text(out, "ResultFormat", st, 18);
	json_object_set_new(out, "RedshiftPid", json_integer(getpid()));
	db_done(st);
	if (batch || sub) {
		json_t *subs = json_array();
		st = db_prep("SELECT status, error, created, updated, duration_ns, result_rows, result_size, has_result, "
			     "query_id, query, idx FROM rsd_subs WHERE id = ? ORDER BY idx");
		db_bind_text(st, 1, base);
		bool found = false;
		while (sqlite3_step(st) == SQLITE_ROW) {
			int idx = sqlite3_column_int(st, 10);
			json_t *s = json_object();
			char sid[48];
			snprintf(sid, sizeof sid, "%s:%d", base, idx);
			json_object_set_new(s, "Id", json_string(sid));
			fill_common(s, st, 0);
			if (sub == idx) {
				/* Describing "id:n": that statement's own figures. */
				found = true;
				json_object_update(out, s);
			}
			json_array_append_new(subs, s);
		}
		db_done(st);
		if (sub && !found) {
			json_decref(subs);
			json_decref(out);
			return not_found(c, id, "Query does not exist.");
		}
		json_object_set_new(out, "SubStatements", subs);
	}
	json_decref(c->output);
	c->output = out;
	return 0;
}

/* ------------------------------------------------------------ GetStatementResult */

/* NextToken: "<byte offset>.<row index>" of the next page, base64. */
void rsd_make_token(char *out, size_t n, int64_t off, int64_t row)
{
	char raw[64];
	int l = snprintf(raw, sizeof raw, "v1.%lld.%lld", (long long)off, (long long)row);
	if ((size_t)(base64_encoded_len((size_t)l) + 1) <= n)
		base64_encode((const unsigned char *)raw, (size_t)l, out);
	else
		out[0] = 0;
}

int rsd_read_token(const char *tok, int64_t *off, int64_t *row)
{
	*off = 0;
	*row = 0;
	if (!tok)
		return 0;
	size_t n = strlen(tok);
	if (n > 80)
		return -1;
	unsigned char raw[64];
	long l = base64_decode(tok, n, raw);
	if (l <= 0 || l >= (long)sizeof raw)
		return -1;
	raw[l] = 0;
	long long a, b;
	char tail;
	if (sscanf((const char *)raw, "v1.%lld.%lld%c", &a, &b, &tail) != 2 || a < 0 || b < 0)
		return -1;
	*off = a;
	*row = b;
	return 0;
}

/* One spooled row (JSON array of Fields) into the output shape: blobValue
 * base64 becomes raw bytes, as call.h wants blobs. */
static json_t *row_out(json_t *row)
{
	size_t i;
	json_t *f;
	json_array_foreach(row, i, f)
	{
		json_t *b = json_object_get(f, "blobValue");
		if (!json_is_string(b))
			continue;
		size_t n = json_string_length(b);
		unsigned char *raw = xmalloc(n / 4 * 3 + 4);
		long l = base64_decode(json_string_value(b), n, raw);
		json_object_set_new(f, "blobValue", json_stringn_nocheck((const char *)raw, l > 0 ? (size_t)l : 0));
		free(raw);
	}
	return row;
}

static int get_statement_result(struct call *c)
{
	const char *id = call_str(c, "Id");
	char base[37];
	int sub;
	if (parse_id(id, base, &sub))
		return bad_id(c, id);
	sqlite3_stmt *st = db_prep("SELECT status, is_batch FROM rsd_statements WHERE id = ? AND account = ?");
	db_bind_text(st, 1, base);
	db_bind_text(st, 2, c->who.account);
	if (sqlite3_step(st) != SQLITE_ROW) {
		db_done(st);
		return not_found(c, id, "Query does not exist.");
	}
	bool batch = sqlite3_column_int(st, 1);
	db_done(st);
	if (batch && !sub)
		return validation(c, "Query %s is a batch: ask for the result of one statement, such as %s:1", id, id);
	st = db_prep("SELECT columns, rows, bytes FROM rsd_results WHERE id = ?");
	db_bind_text(st, 1, id);
	if (sqlite3_step(st) != SQLITE_ROW) {
		db_done(st);
		return not_found(c, id, "Query does not have result. Please check query status with DescribeStatement.");
	}
	json_t *cols = json_loads(db_col_text(st, 0), 0, NULL);
	int64_t total = sqlite3_column_int64(st, 1);
	db_done(st);
	int64_t off, row;
	if (rsd_read_token(call_str(c, "NextToken"), &off, &row)) {
		json_decref(cols);
		return validation(c, "The NextToken is not valid");
	}
	char path[4200];
	rsd_result_path(id, path, sizeof path);
	FILE *f = fopen(path, "rb");
	if (!f || fseeko(f, off, SEEK_SET)) {
		if (f)
			fclose(f);
		json_decref(cols);
		return not_found(c, id, "Query result has expired or was removed.");
	}
	json_t *records = json_array();
	char *line = NULL;
	size_t cap = 0, used = 0;
	ssize_t got;
	while (used < RSD_PAGE_BYTES && (got = getline(&line, &cap, f)) > 0) {
		json_t *r = json_loadb(line, (size_t)got, 0, NULL);
		if (!json_is_array(r)) {
			json_decref(r);
			break;
		}
		json_array_append_new(records, row_out(r));
		used += (size_t)got;
		off += got;
		row++;
	}
	free(line);
	fclose(f);
	call_set(c, "Records", records);
	call_set(c, "ColumnMetadata", cols ? cols : json_array());
	call_set(c, "TotalNumRows", json_integer(total));
	if (row < total) {
		char tok[128];
		rsd_make_token(tok, sizeof tok, off, row);
		call_set(c, "NextToken", json_string(tok));
	}
	return 0;
}

/* ------------------------------------------------------------ ListStatements */

static int list_statements(struct call *c)
{
	int64_t max = call_int(c, "MaxResults", 100);
	if (max <= 0 || max > 100)
		max = 100;
	const char *status = call_str(c, "Status");
	if (status && !strcmp(status, "ALL"))
		status = NULL;
	const char *name = call_str(c, "StatementName");
	bool role_level = call_bool(c, "RoleLevel", true);
	int64_t off = 0, ignored;
	if (rsd_read_token(call_str(c, "NextToken"), &ignored, &off))
		return validation(c, "The NextToken is not valid");
	sqlite3_stmt *st = db_prep(
		"SELECT id, query, is_batch, secret_arn, status, name, created, updated, params, session_id, result_format "
		"FROM rsd_statements WHERE account = ?1 AND (?2 IS NULL OR status = ?2) "
		"AND (?3 IS NULL OR substr(name, 1, length(?3)) = ?3) AND (?4 = 0 OR caller = ?5) "
		"ORDER BY created DESC, id LIMIT ?6 OFFSET ?7");
	db_bind_text(st, 1, c->who.account);
	db_bind_text(st, 2, status);
	db_bind_text(st, 3, name);
	sqlite3_bind_int(st, 4, role_level);
	db_bind_text(st, 5, c->who.arn);
	sqlite3_bind_int64(st, 6, max + 1);
	sqlite3_bind_int64(st, 7, off);
	json_t *list = json_array();
	int64_t n = 0;
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (n == max) {
			char tok[128];
			rsd_make_token(tok, sizeof tok, 0, off + n);
			call_set(c, "NextToken", json_string(tok));
			break;
		}
		json_t *o = json_object();
		set_text(o, "Id", st, 0);
		bool batch = sqlite3_column_int(st, 2);
		if (batch) {
			json_t *q = json_loads(db_col_text(st, 1), 0, NULL);
			json_object_set_new(o, "QueryStrings", json_is_array(q) ? q : json_array());
		} else {
			set_text(o, "QueryString", st, 1);
		}
		json_object_set_new(o, "IsBatchStatement", json_boolean(batch));
		set_text(o, "SecretArn", st, 3);
		set_text(o, "Status", st, 4);
		set_text(o, "StatementName", st, 5);
		set_num(o, "CreatedAt", st, 6);
		set_num(o, "UpdatedAt", st, 7);
		json_t *pv = params_json(db_col_text(st, 8));
		if (pv)
			json_object_set_new(o, "QueryParameters", pv);
		set_text(o, "SessionId", st, 9);
		set_text(o, "ResultFormat", st, 10);
		json_array_append_new(list, o);
		n++;
	}
	db_done(st);
	call_set(c, "Statements", list);
	return 0;
}

/* ------------------------------------------------------------ CancelStatement */

static int cancel_statement(struct call *c)
{
	const char *id = call_str(c, "Id");
	char base[37];
	int sub;
	if (parse_id(id, base, &sub) || sub)
		return bad_id(c, id);
	sqlite3_stmt *st = db_prep("SELECT status FROM rsd_statements WHERE id = ? AND account = ?");
	db_bind_text(st, 1, base);
	db_bind_text(st, 2, c->who.account);
	if (sqlite3_step(st) != SQLITE_ROW) {
		db_done(st);
		return not_found(c, id, "Query does not exist.");
	}
	char status[16];
	snprintf(status, sizeof status, "%s", db_col_text(st, 0));
	db_done(st);
	if ((strcmp(status, "SUBMITTED") && strcmp(status, "STARTED")) || !rsd_cancel(base))
		return validation(c, "Could not cancel a query that is already in %s state.", status);
	call_set(c, "Status", json_true());
	return 0;
}

/* ------------------------------------------------------------ service */

static uint64_t purge_timer;

static void purge_tick(void *arg);

static void purge_job(void *arg)
{
	(void)arg;
	rsd_purge();
}

static void purge_tick(void *arg)
{
	(void)arg;
	pool_submit(purge_job, NULL);
	purge_timer = timer_after_ms(10 * 60 * 1000, purge_tick, NULL);
}

/* Statements that were queued or running when nuage stopped failed. */
static void fail_interrupted(void)
{
	if (db_begin())
		return;
	int64_t now = clock_wall_ms();
	sqlite3_stmt *st = db_prep("UPDATE rsd_statements SET status = 'FAILED', error = 'nuage stopped while the "
				   "statement was queued or running; its effects were rolled back', updated = ? "
				   "WHERE status IN ('SUBMITTED', 'STARTED')");
	sqlite3_bind_int64(st, 1, now);
	sqlite3_step(st);
	db_done(st);
	st = db_prep("UPDATE rsd_subs SET status = 'ABORTED', updated = ? WHERE status IN ('SUBMITTED', 'STARTED')");
	sqlite3_bind_int64(st, 1, now);
	sqlite3_step(st);
	db_done(st);
	db_commit();
}

static int rsd_start(const struct config *cfg)
{
	if (wh_start(cfg))
		return -1;
	fail_interrupted();
	rsd_run_start(cfg->data_dir);
	db_release();
	if (pipe_start())
		return -1;
	purge_timer = timer_after_ms(60 * 1000, purge_tick, NULL);
	return 0;
}

static void rsd_stop(void)
{
	timer_cancel(purge_timer);
	pipe_stop();
	rsd_run_stop();
	wh_stop();
}

static const struct svc_op ops[] = {
	{"ExecuteStatement", execute_statement, NULL},
	{"BatchExecuteStatement", batch_execute_statement, NULL},
	{"DescribeStatement", describe_statement, NULL},
	{"GetStatementResult", get_statement_result, NULL},
	{"ListStatements", list_statements, NULL},
	{"CancelStatement", cancel_statement, NULL},
	{"ListDatabases", rsd_list_databases, NULL},
	{"ListSchemas", rsd_list_schemas, NULL},
	{"ListTables", rsd_list_tables, NULL},
	{"DescribeTable", rsd_describe_table, NULL},
};

const struct svc svc_redshift_data = {
	.name = "redshift-data",
	.model = &model_redshift_data,
	.ops = ops,
	.nops = sizeof ops / sizeof *ops,
	.migrations = &rsd_mset,
	.start = rsd_start,
	.stop = rsd_stop,
};
