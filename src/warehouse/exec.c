/* exec.c — see exec.h. The statement switch: file formats and stages are
 * handled here, pipes in pipe.c, COPY INTO in copy.c; COPY_HISTORY becomes
 * a subquery over the load history inside the backend, so the rest of the
 * user's query (WHERE, ORDER BY, column list) runs as written.
 */
#include "warehouse/exec.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/mem.h"
#include "warehouse/catalog.h"
#include "warehouse/copy.h"
#include "warehouse/dialect.h"
#include "warehouse/loadhist.h"
#include "warehouse/objects.h"
#include "warehouse/pipe.h"
#include "warehouse/rs.h"
#include "warehouse/sqltok.h"

#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

void wh_session_init(struct wh_session *s, struct wh *wh, const char *account, const char *region, const char *user)
{
	memset(s, 0, sizeof *s);
	s->wh = wh;
	snprintf(s->account, sizeof s->account, "%s", account ? account : "000000000000");
	snprintf(s->region, sizeof s->region, "%s", region ? region : "us-east-1");
	snprintf(s->user, sizeof s->user, "%s", user ? user : "");
}

void wh_session_end(struct wh_session *s)
{
	if (s->conn) {
		wh_release(s->conn); /* rolls back an open transaction */
		s->conn = NULL;
	}
}

int wh_session_conn(struct wh_session *s, struct wh_err *e)
{
	if (s->conn && s->conn->broken) {
		wh_release(s->conn);
		s->conn = NULL;
	}
	if (s->conn)
		return 0;
	return wh_acquire(s->wh, &s->conn, e);
}

void wh_session_interrupt(struct wh_session *s)
{
	struct wh_conn *c = s->conn;
	if (c)
		c->be->interrupt(c->impl);
}

bool wh_session_in_txn(const struct wh_session *s)
{
	return s->conn && s->conn->in_txn;
}

/* ------------------------------------------------------------ small results */

static int status_row(const struct wh_sink *sink, struct wh_status *st, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int status_row(const struct wh_sink *sink, struct wh_status *st, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	static const char *const names[] = {"status"};
	static const char *const types[] = {"varchar"};
	struct rs r;
	int rc = rs_begin(&r, sink, names, types, 1);
	if (!rc) {
		rs_text(&r, 0, msg);
		rc = rs_row(&r);
	}
	rs_end(&r);
	st->has_result_set = true;
	st->rows = 1;
	return rc;
}

static const char *kind_word(const char *kind)
{
	return !strcmp(kind, CAT_FORMAT) ? "File format" : !strcmp(kind, CAT_STAGE) ? "Stage area" : "Pipe";
}

/* SHOW ... LIKE 'pattern' -> the pattern itself (SQLite LIKE is case-insensitive). */
static const char *like_of(const struct dl_stmt *d)
{
	return d->like;
}

/* ------------------------------------------------------------ file formats, stages */

static int create_object(struct wh_session *s, const struct dl_stmt *d, const char *kind, const struct wh_sink *sink,
			 struct wh_status *st, struct wh_err *e)
{
	int rc = cat_put(wh_name(s->wh), kind, d->name, d->opts, s->account, s->region, d->or_replace, d->if_not_exists, e);
	if (rc < 0)
		return -1;
	if (rc == 1)
		return status_row(sink, st, "%s already exists, statement succeeded.", d->name);
	return status_row(sink, st, "%s %s successfully created.", kind_word(kind), d->name);
}

static int alter_object(struct wh_session *s, const struct dl_stmt *d, const char *kind, const struct wh_sink *sink,
			struct wh_status *st, struct wh_err *e)
{
	const char *wh = wh_name(s->wh);
	int rc;
	if (d->new_name) {
		rc = cat_rename(wh, kind, d->name, d->new_name, e);
	} else {
		struct cat_obj o;
		rc = cat_get(wh, kind, d->name, &o, e);
		if (rc > 0) {
			json_object_update(o.body, d->opts);
			rc = cat_update(wh, kind, d->name, o.body, e);
			cat_obj_free(&o);
		}
	}
	if (rc < 0)
		return -1;
	if (!rc) {
		if (d->if_exists)
			return status_row(sink, st, "Statement executed successfully.");
		return cat_missing(e, kind, d->name);
	}
	return status_row(sink, st, "Statement executed successfully.");
}

static int drop_object(struct wh_session *s, const struct dl_stmt *d, const char *kind, const struct wh_sink *sink,
		       struct wh_status *st, struct wh_err *e)
{
	int rc = cat_drop(wh_name(s->wh), kind, d->name, e);
	if (rc < 0)
		return -1;
	if (!rc) {
		if (d->if_exists)
			return status_row(sink, st, "Drop statement executed successfully (%s already dropped).", d->name);
		return cat_missing(e, kind, d->name);
	}
	return status_row(sink, st, "%s successfully dropped.", d->name);
}

/* A JSON option value as Snowflake shows it in DESC / SHOW. */
static void value_text(struct buf *b, const json_t *v)
{
	if (json_is_null(v))
		buf_adds(b, "NONE");
	else if (json_is_string(v))
		buf_add(b, json_string_value(v), json_string_length(v));
	else if (json_is_true(v))
		buf_adds(b, "true");
	else if (json_is_false(v))
		buf_adds(b, "false");
	else if (json_is_integer(v))
		buf_addf(b, "%lld", (long long)json_integer_value(v));
	else if (json_is_array(v)) {
		buf_addc(b, '[');
		size_t i;
		json_t *x;
		json_array_foreach(v, i, x)
		{
			if (i)
				buf_adds(b, ", ");
			value_text(b, x);
		}
		buf_addc(b, ']');
	}
}

static int show_formats(struct wh_session *s, const struct dl_stmt *d, const struct wh_sink *sink,
			struct wh_status *st, struct wh_err *e)
{
	struct cat_obj *list;
	int n;
	if (cat_list(wh_name(s->wh), CAT_FORMAT, like_of(d), &list, &n, e))
		return -1;
	static const char *const names[] = {"created_on", "name", "database_name", "schema_name", "type", "owner",
					    "comment", "format_options"};
	static const char *const types[] = {"timestamptz", "varchar", "varchar", "varchar",
					    "varchar", "varchar", "varchar", "varchar"};
	struct rs r;
	int rc = rs_begin(&r, sink, names, types, 8);
	for (int i = 0; !rc && i < n; i++) {
		json_t *b = list[i].body;
		rs_time(&r, 0, list[i].created);
		rs_text(&r, 1, list[i].name);
		rs_text(&r, 2, wh_database(s->wh));
		rs_text(&r, 3, "PUBLIC");
		const char *t = json_string_value(json_object_get(b, "TYPE"));
		rs_text(&r, 4, t ? t : "CSV");
		rs_text(&r, 5, list[i].owner);
		const char *c = json_string_value(json_object_get(b, "COMMENT"));
		rs_text(&r, 6, c ? c : "");
		char *opts = json_dumps(b, JSON_COMPACT | JSON_SORT_KEYS);
		rs_text(&r, 7, opts);
		free(opts);
		rc = rs_row(&r);
	}
	rs_end(&r);
	st->has_result_set = true;
	st->rows = n;
	cat_list_free(list, n);
	return rc;
}

static int describe_props(const struct wh_sink *sink, struct wh_status *st, const char *parent, const json_t *body)
{
	static const char *const names[] = {"parent_property", "property", "property_type", "property_value",
					    "property_default"};
	static const char *const types[] = {"varchar", "varchar", "varchar", "varchar", "varchar"};
	struct rs r;
	int rc = rs_begin(&r, sink, names, types, 5);
	const char *k;
	json_t *v;
	int64_t n = 0;
	struct buf b;
	buf_init(&b, 1u << 20);
	json_object_foreach((json_t *)body, k, v)
	{
		if (rc)
			break;
		if (json_is_object(v)) /* nested groups are described by the caller */
			continue;
		buf_reset(&b);
		value_text(&b, v);
		rs_text(&r, 0, parent);
		rs_text(&r, 1, k);
		rs_text(&r, 2, json_is_boolean(v) ? "Boolean" : json_is_integer(v) ? "Integer" : json_is_array(v) ? "List"
												    : "String");
		rs_text(&r, 3, buf_str(&b));
		rs_text(&r, 4, "");
		rc = rs_row(&r);
		n++;
	}
	buf_free(&b);
	rs_end(&r);
	st->has_result_set = true;
	st->rows = n;
	return rc;
}

static int desc_object(struct wh_session *s, const struct dl_stmt *d, const char *kind, const struct wh_sink *sink,
		       struct wh_status *st, struct wh_err *e)
{
	struct cat_obj o;
	int rc = cat_get(wh_name(s->wh), kind, d->name, &o, e);
	if (rc <= 0)
		return rc < 0 ? -1 : cat_missing(e, kind, d->name);
	json_t *flat = json_object();
	if (!strcmp(kind, CAT_STAGE)) {
		/* One table: location, then the file format and copy options. */
		json_object_set(flat, "URL", json_object_get(o.body, "URL") ? json_object_get(o.body, "URL")
									 : json_string(""));
		json_t *f = json_object_get(o.body, "FILE_FORMAT");
		json_t *c = json_object_get(o.body, "COPY_OPTIONS");
		if (f)
			json_object_update(flat, f);
		if (c)
			json_object_update(flat, c);
	} else {
		json_object_update(flat, o.body);
	}
	rc = describe_props(sink, st, !strcmp(kind, CAT_STAGE) ? "STAGE" : "FILE_FORMAT", flat);
	json_decref(flat);
	cat_obj_free(&o);
	return rc;
}

static int show_stages(struct wh_session *s, const struct dl_stmt *d, const struct wh_sink *sink,
		       struct wh_status *st, struct wh_err *e)
{
	struct cat_obj *list;
	int n;
	if (cat_list(wh_name(s->wh), CAT_STAGE, like_of(d), &list, &n, e))
		return -1;
	static const char *const names[] = {"created_on", "name", "database_name", "schema_name", "url",
					    "has_credentials", "has_encryption_key", "owner", "comment", "region",
					    "type", "cloud", "notification_channel", "storage_integration"};
	static const char *const types[] = {"timestamptz", "varchar", "varchar", "varchar", "varchar",
					    "varchar", "varchar", "varchar", "varchar", "varchar",
					    "varchar", "varchar", "varchar", "varchar"};
	struct rs r;
	int rc = rs_begin(&r, sink, names, types, 14);
	for (int i = 0; !rc && i < n; i++) {
		json_t *b = list[i].body;
		rs_time(&r, 0, list[i].created);
		rs_text(&r, 1, list[i].name);
		rs_text(&r, 2, wh_database(s->wh));
		rs_text(&r, 3, "PUBLIC");
		rs_text(&r, 4, json_string_value(json_object_get(b, "URL")));
		rs_text(&r, 5, "N");
		rs_text(&r, 6, "N");
		rs_text(&r, 7, list[i].owner);
		const char *c = json_string_value(json_object_get(b, "COMMENT"));
		rs_text(&r, 8, c ? c : "");
		rs_text(&r, 9, list[i].region);
		rs_text(&r, 10, "EXTERNAL");
		rs_text(&r, 11, "AWS");
		rs_null(&r, 12);
		rs_text(&r, 13, json_string_value(json_object_get(b, "STORAGE_INTEGRATION")));
		rc = rs_row(&r);
	}
	rs_end(&r);
	st->has_result_set = true;
	st->rows = n;
	cat_list_free(list, n);
	return rc;
}

static int list_stage(struct wh_session *s, const struct dl_stmt *d, const struct wh_sink *sink,
		      struct wh_status *st, struct wh_err *e)
{
	struct cat_obj o;
	int rc = cat_get(wh_name(s->wh), CAT_STAGE, d->list_stage, &o, e);
	if (rc <= 0)
		return rc < 0 ? -1 : cat_missing(e, CAT_STAGE, d->list_stage);
	char *bucket = NULL, *prefix = NULL;
	struct wh_object *files = NULL;
	int n = 0;
	regex_t re;
	bool have_re = false;
	rc = -1;
	if (obj_parse_url(json_string_value(json_object_get(o.body, "URL")), &bucket, &prefix)) {
		wh_err_set(e, "22023", "stage %s has no usable URL", d->list_stage);
		goto out;
	}
	size_t pl = strlen(prefix) + strlen(d->list_path) + 2;
	char *full = xmalloc(pl);
	snprintf(full, pl, "%s%s", prefix, d->list_path);
	int lr = obj_bucket_check(bucket, o.owner, e) ? -1 : obj_list(bucket, full, OBJ_MAX_LIST, &files, &n, e);
	free(full);
	if (lr)
		goto out;
	if (d->list_pattern) {
		char pat[1100];
		snprintf(pat, sizeof pat, "^(%.1000s)$", d->list_pattern);
		if (regcomp(&re, pat, REG_EXTENDED | REG_NOSUB)) {
			wh_err_set(e, "2201B", "Invalid regular expression '%s'", d->list_pattern);
			goto out;
		}
		have_re = true;
	}
	static const char *const names[] = {"name", "size", "md5", "last_modified"};
	static const char *const types[] = {"varchar", "int8", "varchar", "varchar"};
	struct rs r;
	rc = rs_begin(&r, sink, names, types, 4);
	int64_t shown = 0;
	for (int i = 0; !rc && i < n; i++) {
		char url[2048];
		snprintf(url, sizeof url, "s3://%s/%s", bucket, files[i].key);
		if (have_re && regexec(&re, url, 0, NULL, 0) && regexec(&re, files[i].key, 0, NULL, 0))
			continue;
		rs_text(&r, 0, url);
		rs_int(&r, 1, files[i].size);
		rs_text(&r, 2, files[i].etag);
		char when[64];
		time_t t = (time_t)(files[i].mtime / 1000);
		struct tm tm;
		gmtime_r(&t, &tm);
		strftime(when, sizeof when, "%a, %d %b %Y %H:%M:%S GMT", &tm);
		rs_text(&r, 3, when);
		rc = rs_row(&r);
		shown++;
	}
	rs_end(&r);
	st->has_result_set = true;
	st->rows = shown;
out:
	if (have_re)
		regfree(&re);
	obj_list_free(files, n);
	free(bucket);
	free(prefix);
	cat_obj_free(&o);
	return rc;
}

/* ------------------------------------------------------------ COPY_HISTORY */

static const char *const clause_words[] = {"WHERE", "ORDER", "GROUP", "LIMIT", "HAVING", "JOIN", "INNER", "LEFT",
					    "RIGHT", "FULL", "CROSS", "ON", "UNION", "EXCEPT", "INTERSECT", "QUALIFY",
					    "WINDOW", "OFFSET", "FETCH", "NATURAL", "USING", "MINUS", NULL};

/* Does an alias follow at off (so we must not add one)? */
static bool alias_follows(const char *sql, size_t len, size_t off)
{
	struct sqltok t;
	if (sqltok_run(&t, sql + off, len - off))
		return false;
	const struct token *tk = &t.toks[0];
	bool alias = tk->kind == TK_QIDENT || tok_is(tk, "AS");
	if (tk->kind == TK_WORD && !alias) {
		alias = true;
		for (int i = 0; clause_words[i]; i++)
			if (tok_is(tk, clause_words[i]))
				alias = false;
	}
	sqltok_free(&t);
	return alias;
}

/* The last '.' outside double quotes in [p, end), or NULL. */
static const char *last_dot(const char *p, const char *end)
{
	const char *dot = NULL;
	bool q = false;
	for (; p < end; p++) {
		if (*p == '"')
			q = !q;
		else if (*p == '.' && !q)
			dot = p;
	}
	return dot;
}

/* [p, end) as an identifier: quoted when written "...". */
static void set_ident(struct wh_ident *id, const char *p, const char *end)
{
	size_t l = (size_t)(end - p);
	id->quoted = l >= 2 && p[0] == '"';
	snprintf(id->text, sizeof id->text, "%.*s", (int)(id->quoted ? l - 2 : l), id->quoted ? p + 1 : p);
}

static int copy_history(struct wh_session *s, const struct dl_stmt *d, const char *sql, size_t len,
			const struct wh_sink *sink, struct wh_status *st, struct wh_err *e)
{
	if (wh_session_conn(s, e))
		return -1;
	/* TABLE_NAME as an identifier: resolve it the way COPY INTO would. */
	struct wh_tname tn;
	memset(&tn, 0, sizeof tn);
	const char *arg = d->history_table, *end = arg + strlen(arg);
	const char *dot = last_dot(arg, end);
	if (dot) {
		const char *prev = last_dot(arg, dot);
		set_ident(&tn.schema, prev ? prev + 1 : arg, dot);
	}
	set_ident(&tn.table, dot ? dot + 1 : arg, end);
	struct wh_table t;
	if (s->conn->be->describe(s->conn->impl, &tn, &t, e)) {
		wh_err_set(e, "42S02", "SQL compilation error:\nTable '%s' does not exist or not authorized.", arg);
		return -1;
	}
	char key[2 * WH_NAME_MAX + 2];
	snprintf(key, sizeof key, "%s%s%s", t.schema, t.schema[0] ? "." : "", t.name);
	wh_table_free(&t);
	int64_t floor14 = s->now - LOADHIST_PIPE_DAYS * LOADHIST_DAY_MS;
	int64_t start = d->history_start > floor14 ? d->history_start : floor14;
	struct buf b;
	buf_init(&b, 16u << 20);
	buf_add(&b, sql, d->repl_off);
	buf_addc(&b, '(');
	loadhist_copy_history_sql(&b, s->conn, key, start, d->history_end);
	buf_addc(&b, ')');
	if (!alias_follows(sql, len, d->repl_end))
		buf_adds(&b, " AS copy_history");
	buf_add(&b, sql + d->repl_end, len - d->repl_end);
	int rc = wh_exec(s->conn, buf_str(&b), sink, st, e);
	buf_free(&b);
	return rc;
}

/* ------------------------------------------------------------ backend statements */

/* After a statement the backend ran: BEGIN/COMMIT typed by the user keep
 * the connection's state in step; DROP TABLE and CREATE TABLE reset the
 * table's load metadata (a new table has loaded nothing). */
static void after_backend(struct wh_session *s, const char *sql, size_t len)
{
	struct sqltok t;
	if (sqltok_run(&t, sql, len < 4096 ? len : 4096))
		return;
	const struct token *a = &t.toks[0];
	int i = 1;
	if (tok_is(a, "BEGIN") || (tok_is(a, "START") && tok_is(&t.toks[1], "TRANSACTION")))
		s->conn->in_txn = true;
	else if (tok_is(a, "COMMIT") || tok_is(a, "END") || tok_is(a, "ROLLBACK") || tok_is(a, "ABORT"))
		s->conn->in_txn = false;
	bool ddl = false;
	if (tok_is(a, "DROP") && tok_is(&t.toks[1], "TABLE")) {
		i = 2;
		if (tok_is(&t.toks[i], "IF") && tok_is(&t.toks[i + 1], "EXISTS"))
			i += 2;
		ddl = true;
	} else if (tok_is(a, "CREATE")) {
		if (tok_is(&t.toks[i], "OR") && tok_is(&t.toks[i + 1], "REPLACE"))
			i += 2;
		while (i < t.n && (tok_is(&t.toks[i], "TEMP") || tok_is(&t.toks[i], "TEMPORARY") ||
				   tok_is(&t.toks[i], "UNLOGGED") || tok_is(&t.toks[i], "TRANSIENT")))
			i++;
		if (tok_is(&t.toks[i], "TABLE")) {
			i++;
			if (tok_is(&t.toks[i], "IF") && tok_is(&t.toks[i + 1], "NOT") && tok_is(&t.toks[i + 2], "EXISTS"))
				i += 3;
			else
				ddl = true; /* IF NOT EXISTS may keep an old table: keep its metadata */
		}
	}
	/* The table names (DROP TABLE a, b): parts of each, the last two kept. */
	while (ddl && i < t.n) {
		struct wh_tname tn;
		memset(&tn, 0, sizeof tn);
		int parts = 0;
		while (i < t.n && (t.toks[i].kind == TK_WORD || t.toks[i].kind == TK_QIDENT) && parts < 3) {
			tn.schema = tn.table;
			snprintf(tn.table.text, sizeof tn.table.text, "%s", t.toks[i].text);
			tn.table.quoted = t.toks[i].kind == TK_QIDENT;
			parts++;
			i++;
			if (!tok_punct(&t.toks[i], "."))
				break;
			i++;
		}
		if (parts == 1)
			memset(&tn.schema, 0, sizeof tn.schema);
		if (parts) {
			struct wh_err e;
			loadhist_forget_table(s->conn, &tn, &e);
		}
		if (!tok_punct(&t.toks[i], ",") || !tok_is(a, "DROP"))
			break;
		i++;
	}
	sqltok_free(&t);
}

static int backend(struct wh_session *s, const char *sql, size_t len, const char *const *params, int nparams,
		   const struct wh_sink *sink, struct wh_status *st, struct wh_err *e)
{
	if (wh_session_conn(s, e))
		return -1;
	char *text = xstrndup(sql, len);
	int rc = wh_exec_params(s->conn, text, params, nparams, sink, st, e);
	free(text);
	if (!rc)
		after_backend(s, sql, len);
	return rc;
}

int wh_run(struct wh_session *s, const char *sql, size_t len, const char *const *params, int nparams,
	   const struct wh_sink *sink, struct wh_status *st, struct wh_err *e)
{
	struct wh_status dummy;
	if (!st)
		st = &dummy;
	memset(st, 0, sizeof *st);
	s->now = clock_wall_ms();
	struct dl_stmt d;
	if (dl_parse(sql, len, s->now, &d, e)) {
		dl_free(&d);
		return -1;
	}
	int rc;
	switch (d.kind) {
	case DL_COPY:
		rc = copy_run(s, &d.copy, NULL, sink, st, e);
		break;
	case DL_CREATE_FORMAT:
	case DL_CREATE_STAGE:
		rc = create_object(s, &d, d.kind == DL_CREATE_FORMAT ? CAT_FORMAT : CAT_STAGE, sink, st, e);
		break;
	case DL_ALTER_FORMAT:
	case DL_ALTER_STAGE:
		rc = alter_object(s, &d, d.kind == DL_ALTER_FORMAT ? CAT_FORMAT : CAT_STAGE, sink, st, e);
		break;
	case DL_DROP_FORMAT:
	case DL_DROP_STAGE:
		rc = drop_object(s, &d, d.kind == DL_DROP_FORMAT ? CAT_FORMAT : CAT_STAGE, sink, st, e);
		break;
	case DL_DESC_FORMAT:
	case DL_DESC_STAGE:
		rc = desc_object(s, &d, d.kind == DL_DESC_FORMAT ? CAT_FORMAT : CAT_STAGE, sink, st, e);
		break;
	case DL_SHOW_FORMATS:
		rc = show_formats(s, &d, sink, st, e);
		break;
	case DL_SHOW_STAGES:
		rc = show_stages(s, &d, sink, st, e);
		break;
	case DL_LIST:
		rc = list_stage(s, &d, sink, st, e);
		break;
	case DL_CREATE_PIPE:
		rc = pipe_create(s, &d, sql, sink, st, e);
		break;
	case DL_ALTER_PIPE:
		rc = pipe_alter(s, &d, sink, st, e);
		break;
	case DL_DROP_PIPE:
		rc = pipe_drop(s, &d, sink, st, e);
		break;
	case DL_DESC_PIPE:
	case DL_SHOW_PIPES:
		rc = pipe_show(s, &d, sink, st, e);
		break;
	case DL_PIPE_STATUS:
		rc = pipe_status(s, &d, sink, st, e);
		break;
	case DL_COPY_HISTORY:
		rc = copy_history(s, &d, sql, len, sink, st, e);
		break;
	default:
		rc = backend(s, sql, len, params, nparams, sink, st, e);
		break;
	}
	dl_free(&d);
	return rc;
}
