/* rsd_run.c — runs Data API statements on the worker pool (never on HTTP
 * threads), spools their results to disk, and keeps Data API sessions.
 *
 * A job's life (the only writer of its statement's row after SUBMITTED):
 *
 *   SUBMITTED --run_job--> STARTED --wh_run each SQL--> FINISHED
 *                                      |          \--> FAILED  (an error; a batch rolls back)
 *                                      \-- cancel --> ABORTED (CancelStatement interrupts the backend)
 *
 * Results: rows stream from the warehouse into DATA/warehouse-results/
 * <id>.rows as JSON lines of Field values, with column metadata saved at
 * the end (kinds first seen in the rows fill in types SQLite leaves
 * unknown). A batch runs in one transaction; its statements' results are
 * "<id>:n".
 *
 * Sessions (SessionKeepAliveSeconds / SessionId) pin one warehouse
 * connection, so BEGIN ... COMMIT spans statements; one statement at a time
 * per session; an idle session past its keep-alive is rolled back and
 * closed by the sweeper.
 */
#include "svc/redshift_data/rsd.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/enc.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/rand.h"
#include "engine/bus.h"
#include "engine/pool.h"
#include "engine/timers.h"
#include "formats/jsontok.h"
#include "formats/num.h"
#include "store/db.h"
#include "store/outbox.h"
#include "warehouse/exec.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define RSD_MAX_SESSIONS 500

struct rsd_session {
	char id[37];
	char account[16];
	char wh[64];
	struct wh_session s;
	int keepalive_s;
	int64_t expires;
	bool busy;
	struct rsd_session *next;
};

struct rsd_job {
	char id[37];
	char wh[64], account[16], region[32];
	char *caller;
	char **sqls;
	int nsqls;
	bool batch;
	char **params;
	int nparams;
	char session[37];
	int keepalive;
	bool with_event;
	volatile int cancel;
	struct wh_session *running; /* while a statement runs (under R.mu) */
	struct rsd_job *next;
};

static struct {
	pthread_mutex_t mu;
	struct rsd_job *jobs;
	int njobs;
	struct rsd_session *sessions;
	char dir[4096];
	uint64_t sweep_timer;
	int64_t query_id;
} R = {.mu = PTHREAD_MUTEX_INITIALIZER};

void rsd_result_path(const char *id, char *out, size_t n)
{
	char name[64];
	snprintf(name, sizeof name, "%s", id);
	for (char *p = name; *p; p++)
		if (*p == ':')
			*p = '_';
	snprintf(out, n, "%s/%s.rows", R.dir, name);
}

/* ------------------------------------------------------------ the spool */

struct spool {
	char id[48];
	char path[4200];
	FILE *f;
	int ncols;
	struct wh_column *cols;
	enum wh_kind *seen;
	int64_t rows, bytes;
	struct buf line;
	bool too_big;
};

static int sp_columns(void *ctx, const struct wh_column *cols, int n)
{
	struct spool *s = ctx;
	free(s->cols);
	free(s->seen);
	s->cols = xmemdup(cols, sizeof *cols * (size_t)(n ? n : 1));
	s->seen = xcalloc((size_t)(n ? n : 1), sizeof *s->seen);
	s->ncols = n;
	if (!s->f) {
		s->f = fopen(s->path, "wb");
		if (!s->f)
			return -1;
	}
	return 0;
}

static void put_field(struct buf *b, const struct wh_value *v)
{
	char num[NUM_DOUBLE_MAX_LEN + 1];
	switch (v->kind) {
	case WH_NULL:
		buf_adds(b, "{\"isNull\":true}");
		return;
	case WH_BOOL:
		buf_adds(b, v->i ? "{\"booleanValue\":true}" : "{\"booleanValue\":false}");
		return;
	case WH_INT:
		buf_addf(b, "{\"longValue\":%lld}", (long long)v->i);
		return;
	case WH_DOUBLE:
		if (v->d != v->d || v->d > 1.7976931348623157e308 || v->d < -1.7976931348623157e308) {
			buf_addf(b, "{\"stringValue\":\"%s\"}", v->d != v->d ? "NaN" : v->d > 0 ? "Infinity" : "-Infinity");
			return;
		}
		buf_adds(b, "{\"doubleValue\":");
		buf_add(b, num, num_fmt_double(v->d, num));
		buf_addc(b, '}');
		return;
	case WH_TEXT:
		if (utf8_valid(v->p, v->n)) {
			buf_adds(b, "{\"stringValue\":");
			jt_put_string(b, v->p, v->n);
			buf_addc(b, '}');
			return;
		}
		/* bytes that are not text travel as a blob */
		__attribute__((fallthrough));
	case WH_BLOB: {
		buf_adds(b, "{\"blobValue\":\"");
		size_t need = base64_encoded_len(v->n) + 1;
		if (!buf_reserve(b, need)) {
			b->len += base64_encode((const unsigned char *)v->p, v->n, b->data + b->len);
			b->data[b->len] = 0;
		}
		buf_adds(b, "\"}");
		return;
	}
	}
}

static int sp_row(void *ctx, const struct wh_value *vals, int n)
{
	struct spool *s = ctx;
	if (!s->f)
		return -1;
	buf_reset(&s->line);
	buf_addc(&s->line, '[');
	for (int i = 0; i < n; i++) {
		if (i)
			buf_addc(&s->line, ',');
		put_field(&s->line, &vals[i]);
		if (i < s->ncols && vals[i].kind != WH_NULL && s->seen[i] == WH_NULL)
			s->seen[i] = vals[i].kind;
	}
	buf_adds(&s->line, "]\n");
	s->bytes += (int64_t)s->line.len;
	if (s->bytes > RSD_MAX_RESULT) {
		s->too_big = true;
		return -1;
	}
	if (fwrite(s->line.data, 1, s->line.len, s->f) != s->line.len)
		return -1;
	s->rows++;
	return 0;
}

static const char *kind_type(enum wh_kind k)
{
	switch (k) {
	case WH_BOOL:
		return "bool";
	case WH_INT:
		return "int8";
	case WH_DOUBLE:
		return "float8";
	case WH_BLOB:
		return "bytea";
	default:
		return "varchar";
	}
}

static json_t *column_metadata(const struct spool *s)
{
	json_t *a = json_array();
	for (int i = 0; i < s->ncols; i++) {
		const struct wh_column *c = &s->cols[i];
		const char *type = c->type_name[0] ? c->type_name : kind_type(s->seen[i]);
		json_t *o = json_object();
		json_object_set_new(o, "isCaseSensitive", json_boolean(!strcmp(type, "varchar") || !strcmp(type, "text") ||
									 !strcmp(type, "bpchar") || !strcmp(type, "char")));
		json_object_set_new(o, "isCurrency", json_false());
		json_object_set_new(o, "isSigned", json_boolean(c->is_signed || !strcmp(type, "int8") ||
								    !strcmp(type, "float8")));
		json_object_set_new(o, "label", json_string(c->name));
		json_object_set_new(o, "name", json_string(c->name));
		json_object_set_new(o, "nullable", json_integer(c->nullable));
		json_object_set_new(o, "precision", json_integer(c->precision ? c->precision
									 : !strcmp(type, "int8") ? 19
									 : !strcmp(type, "float8") ? 17
									 : !strcmp(type, "varchar") ? 65535 : 0));
		json_object_set_new(o, "scale", json_integer(c->scale));
		json_object_set_new(o, "schemaName", json_string(c->schema_name));
		json_object_set_new(o, "tableName", json_string(c->table_name));
		json_object_set_new(o, "typeName", json_string(type));
		json_object_set_new(o, "length", json_integer(c->length));
		json_array_append_new(a, o);
	}
	return a;
}

static void spool_free(struct spool *s)
{
	if (s->f)
		fclose(s->f);
	s->f = NULL;
	free(s->cols);
	free(s->seen);
	buf_free(&s->line);
}

/* ------------------------------------------------------------ recording */

struct outcome {
	const char *status;      /* FINISHED, FAILED, ABORTED */
	char error[2048];
	int64_t duration_ns, rows, bytes;
	bool has_result;
	int64_t query_id;
};

static void save_result(const struct spool *s)
{
	json_t *meta = column_metadata(s);
	char *text = json_dumps(meta, JSON_COMPACT);
	json_decref(meta);
	sqlite3_stmt *st = db_prep("INSERT OR REPLACE INTO rsd_results (id, columns, rows, bytes) VALUES (?, ?, ?, ?)");
	db_bind_text(st, 1, s->id);
	db_bind_text(st, 2, text);
	sqlite3_bind_int64(st, 3, s->rows);
	sqlite3_bind_int64(st, 4, s->bytes);
	sqlite3_step(st);
	db_done(st);
	free(text);
}

static void set_status(const char *id, int idx, const char *status, int64_t now)
{
	if (db_begin())
		return;
	sqlite3_stmt *st = idx ? db_prep("UPDATE rsd_subs SET status = ?3, updated = ?4 WHERE id = ?1 AND idx = ?2")
			       : db_prep("UPDATE rsd_statements SET status = ?3, updated = ?4 WHERE id = ?1");
	db_bind_text(st, 1, id);
	if (idx)
		sqlite3_bind_int(st, 2, idx);
	db_bind_text(st, 3, status);
	sqlite3_bind_int64(st, 4, now);
	sqlite3_step(st);
	db_done(st);
	db_commit();
}

static void record_sub(const char *id, int idx, const struct outcome *o, const struct spool *sp)
{
	if (db_begin())
		return;
	if (o->has_result && sp)
		save_result(sp);
	sqlite3_stmt *st = db_prep("UPDATE rsd_subs SET status = ?3, error = ?4, updated = ?5, duration_ns = ?6, "
				   "result_rows = ?7, result_size = ?8, has_result = ?9, query_id = ?10 "
				   "WHERE id = ?1 AND idx = ?2");
	db_bind_text(st, 1, id);
	sqlite3_bind_int(st, 2, idx);
	db_bind_text(st, 3, o->status);
	db_bind_text(st, 4, o->error[0] ? o->error : NULL);
	sqlite3_bind_int64(st, 5, clock_wall_ms());
	sqlite3_bind_int64(st, 6, o->duration_ns);
	sqlite3_bind_int64(st, 7, o->rows);
	sqlite3_bind_int64(st, 8, o->bytes);
	sqlite3_bind_int(st, 9, o->has_result);
	sqlite3_bind_int64(st, 10, o->query_id);
	sqlite3_step(st);
	db_done(st);
	db_commit();
}

/* EventBridge's "Redshift Data Statement Status Change", through the outbox. */
static void add_event(const struct rsd_job *j, const struct outcome *o, int64_t now)
{
	json_t *ev = json_object();
	char uid[37], when[32];
	uuid4(uid);
	time_fmt_iso8601_s(now, when);
	json_object_set_new(ev, "version", json_string("0"));
	json_object_set_new(ev, "id", json_string(uid));
	json_object_set_new(ev, "detail-type", json_string("Redshift Data Statement Status Change"));
	json_object_set_new(ev, "source", json_string("aws.redshift-data"));
	json_object_set_new(ev, "account", json_string(j->account));
	json_object_set_new(ev, "time", json_string(when));
	json_object_set_new(ev, "region", json_string(j->region));
	json_t *res = json_array();
	char arn[256];
	snprintf(arn, sizeof arn, "arn:aws:redshift:%s:%s:cluster:%s", j->region, j->account, j->wh);
	json_array_append_new(res, json_string(arn));
	json_object_set_new(ev, "resources", res);
	json_t *d = json_object();
	json_object_set_new(d, "principal", json_string(j->caller ? j->caller : ""));
	json_object_set_new(d, "statementId", json_string(j->id));
	json_object_set_new(d, "redshiftQueryId", json_integer(o->query_id));
	json_object_set_new(d, "state", json_string(o->status));
	json_object_set_new(d, "rows", json_integer(o->rows));
	json_object_set_new(d, "expireAt", json_integer((now + RSD_RETENTION_MS) / 1000));
	json_object_set_new(ev, "detail", d);
	char *text = json_dumps(ev, JSON_COMPACT);
	json_decref(ev);
	outbox_add("events.aws.redshift-data", text);
	free(text);
}

static void record_statement(const struct rsd_job *j, const struct outcome *o, const struct spool *sp)
{
	int64_t now = clock_wall_ms();
	if (db_begin())
		return;
	if (o->has_result && sp && !j->batch)
		save_result(sp);
	sqlite3_stmt *st = db_prep("UPDATE rsd_statements SET status = ?2, error = ?3, updated = ?4, duration_ns = ?5, "
				   "result_rows = ?6, result_size = ?7, has_result = ?8, query_id = ?9 WHERE id = ?1");
	db_bind_text(st, 1, j->id);
	db_bind_text(st, 2, o->status);
	db_bind_text(st, 3, o->error[0] ? o->error : NULL);
	sqlite3_bind_int64(st, 4, now);
	sqlite3_bind_int64(st, 5, o->duration_ns);
	sqlite3_bind_int64(st, 6, o->rows);
	sqlite3_bind_int64(st, 7, o->bytes);
	sqlite3_bind_int(st, 8, o->has_result);
	sqlite3_bind_int64(st, 9, o->query_id);
	sqlite3_step(st);
	db_done(st);
	if (j->with_event)
		add_event(j, o, now);
	if (db_commit() == 0 && j->with_event)
		bus_kick();
}

/* ------------------------------------------------------------ sessions */

static struct rsd_session *find_session(const char *id)
{
	for (struct rsd_session *s = R.sessions; s; s = s->next)
		if (!strcmp(s->id, id))
			return s;
	return NULL;
}

int rsd_session_check(const char *session_id, const char *account, char *warehouse, size_t n)
{
	pthread_mutex_lock(&R.mu);
	struct rsd_session *s = find_session(session_id);
	int rc = 0;
	if (s && !strcmp(s->account, account) && (s->busy || s->expires > clock_wall_ms())) {
		rc = s->busy ? -1 : 1;
		snprintf(warehouse, n, "%s", s->wh);
	}
	pthread_mutex_unlock(&R.mu);
	return rc;
}

/* The session a job runs in: its own (new or given) or a fresh one. */
static struct wh_session *take_session(struct rsd_job *j, struct wh *w, struct wh_session *local,
				       struct rsd_session **held, char *err, size_t errlen)
{
	*held = NULL;
	if (!j->session[0]) {
		wh_session_init(local, w, j->account, j->region, j->caller);
		return local;
	}
	pthread_mutex_lock(&R.mu);
	struct rsd_session *s = find_session(j->session);
	if (!s && j->keepalive > 0) {
		int count = 0;
		for (struct rsd_session *x = R.sessions; x; x = x->next)
			count++;
		if (count < RSD_MAX_SESSIONS) {
			s = xcalloc(1, sizeof *s);
			snprintf(s->id, sizeof s->id, "%s", j->session);
			snprintf(s->account, sizeof s->account, "%s", j->account);
			snprintf(s->wh, sizeof s->wh, "%s", j->wh);
			wh_session_init(&s->s, w, j->account, j->region, j->caller);
			s->next = R.sessions;
			R.sessions = s;
		}
	}
	if (!s || s->busy) {
		pthread_mutex_unlock(&R.mu);
		snprintf(err, errlen, s ? "Session %s is busy" : "Session %s is not available", j->session);
		return NULL;
	}
	s->busy = true;
	if (j->keepalive > 0)
		s->keepalive_s = j->keepalive;
	pthread_mutex_unlock(&R.mu);
	*held = s;
	return &s->s;
}

static void give_session(struct rsd_session *s)
{
	if (!s)
		return;
	pthread_mutex_lock(&R.mu);
	s->busy = false;
	s->expires = clock_wall_ms() + (int64_t)s->keepalive_s * 1000;
	pthread_mutex_unlock(&R.mu);
}

/* Closes idle sessions past their keep-alive (a pool job). */
static void sweep_sessions(void *arg)
{
	(void)arg;
	int64_t now = clock_wall_ms();
	for (;;) {
		struct rsd_session *dead = NULL;
		pthread_mutex_lock(&R.mu);
		for (struct rsd_session **pp = &R.sessions; *pp; pp = &(*pp)->next)
			if (!(*pp)->busy && (*pp)->expires <= now) {
				dead = *pp;
				*pp = dead->next;
				break;
			}
		pthread_mutex_unlock(&R.mu);
		if (!dead)
			break;
		wh_session_end(&dead->s);
		free(dead);
	}
}

static void sweep_tick(void *arg)
{
	(void)arg;
	pool_submit(sweep_sessions, NULL);
	R.sweep_timer = timer_after_ms(5000, sweep_tick, NULL);
}

/* ------------------------------------------------------------ running */

static void job_free(struct rsd_job *j)
{
	for (int i = 0; i < j->nsqls; i++)
		free(j->sqls[i]);
	free(j->sqls);
	for (int i = 0; i < j->nparams; i++)
		free(j->params[i]);
	free(j->params);
	free(j->caller);
	free(j);
}

static void unlist(struct rsd_job *j)
{
	pthread_mutex_lock(&R.mu);
	for (struct rsd_job **pp = &R.jobs; *pp; pp = &(*pp)->next)
		if (*pp == j) {
			*pp = j->next;
			R.njobs--;
			break;
		}
	pthread_mutex_unlock(&R.mu);
}

/* Runs one SQL text into its spool; fills o. */
static int run_one(struct rsd_job *j, struct wh_session *s, const char *sql, const char *result_id,
		   struct outcome *o, struct spool *sp)
{
	memset(sp, 0, sizeof *sp);
	snprintf(sp->id, sizeof sp->id, "%s", result_id);
	rsd_result_path(result_id, sp->path, sizeof sp->path);
	buf_init(&sp->line, 64u << 20);
	struct wh_sink sink = {sp_columns, sp_row, sp};
	struct wh_status st;
	struct wh_err e;
	pthread_mutex_lock(&R.mu);
	j->running = s;
	o->query_id = ++R.query_id;
	pthread_mutex_unlock(&R.mu);
	int64_t t0 = clock_mono_us();
	int rc = wh_run(s, sql, strlen(sql), (const char *const *)j->params, j->nparams, &sink, &st, &e);
	o->duration_ns = (clock_mono_us() - t0) * 1000;
	pthread_mutex_lock(&R.mu);
	j->running = NULL;
	pthread_mutex_unlock(&R.mu);
	if (sp->f && fflush(sp->f))
		rc = rc ? rc : -1;
	if (rc) {
		o->status = j->cancel ? "ABORTED" : "FAILED";
		if (sp->too_big)
			snprintf(o->error, sizeof o->error, "Database response exceeded size limit (%lld MB)",
				 (long long)(RSD_MAX_RESULT >> 20));
		else if (j->cancel)
			snprintf(o->error, sizeof o->error, "Query cancelled.");
		else
			snprintf(o->error, sizeof o->error, "%s", e.msg);
		if (sp->f) {
			fclose(sp->f);
			sp->f = NULL;
		}
		unlink(sp->path);
		o->rows = -1;
		o->bytes = -1;
		return -1;
	}
	o->status = "FINISHED";
	o->has_result = st.has_result_set;
	o->rows = st.rows;
	o->bytes = st.has_result_set ? sp->bytes : 0;
	if (!st.has_result_set && sp->f) {
		fclose(sp->f);
		sp->f = NULL;
		unlink(sp->path);
	}
	return 0;
}

static void run_job(void *arg)
{
	struct rsd_job *j = arg;
	struct outcome total;
	memset(&total, 0, sizeof total);
	total.rows = -1;
	total.bytes = -1;
	int64_t t0 = clock_mono_us();
	set_status(j->id, 0, "STARTED", clock_wall_ms());
	struct wh *w = wh_find(j->wh);
	struct wh_session local, *s = NULL;
	struct rsd_session *held = NULL;
	if (!w)
		snprintf(total.error, sizeof total.error, "warehouse %s is no longer configured", j->wh);
	else
		s = take_session(j, w, &local, &held, total.error, sizeof total.error);
	if (!s || j->cancel) {
		total.status = j->cancel ? "ABORTED" : "FAILED";
		if (j->cancel)
			snprintf(total.error, sizeof total.error, "Query cancelled.");
		record_statement(j, &total, NULL);
		goto out;
	}
	s->cancel = &j->cancel;
	struct spool sp;
	if (!j->batch) {
		run_one(j, s, j->sqls[0], j->id, &total, &sp);
		/* The session is free again before the client can see the
		 * statement finished and send its next one. */
		if (held)
			give_session(held);
		held = NULL;
		record_statement(j, &total, &sp);
		spool_free(&sp);
	} else {
		/* One transaction for the whole batch (unless the session already has one). */
		struct wh_err e;
		bool own = false;
		int failed_at = 0;
		if (!wh_session_conn(s, &e) && !wh_session_in_txn(s)) {
			own = wh_begin(s->conn, &e) == 0;
			if (!own) {
				snprintf(total.error, sizeof total.error, "%s", e.msg);
				failed_at = 1;
			}
		} else if (!s->conn) {
			snprintf(total.error, sizeof total.error, "%s", e.msg);
			failed_at = 1;
		}
		for (int i = 0; !failed_at && i < j->nsqls; i++) {
			char rid[48];
			snprintf(rid, sizeof rid, "%s:%d", j->id, i + 1);
			set_status(j->id, i + 1, "STARTED", clock_wall_ms());
			struct outcome o;
			memset(&o, 0, sizeof o);
			int rc = run_one(j, s, j->sqls[i], rid, &o, &sp);
			record_sub(j->id, i + 1, &o, &sp);
			spool_free(&sp);
			if (rc) {
				failed_at = i + 1;
				snprintf(total.error, sizeof total.error, "%s", o.error);
			}
		}
		if (own) {
			if (failed_at)
				wh_rollback(s->conn);
			else if (wh_commit(s->conn, &e)) {
				failed_at = j->nsqls;
				snprintf(total.error, sizeof total.error, "%s", e.msg);
			}
		}
		for (int i = failed_at; failed_at && i < j->nsqls; i++) {
			struct outcome o = {.status = "ABORTED", .rows = -1, .bytes = -1};
			record_sub(j->id, i + 1, &o, NULL);
		}
		total.status = failed_at ? (j->cancel ? "ABORTED" : "FAILED") : "FINISHED";
		total.duration_ns = (clock_mono_us() - t0) * 1000;
		total.has_result = false;
		if (held)
			give_session(held);
		held = NULL;
		record_statement(j, &total, NULL);
	}
	if (!j->session[0])
		wh_session_end(s);
out:
	unlist(j);
	job_free(j);
	db_release();
}

int rsd_submit(const char *id, const char *warehouse, const char *account, const char *region, const char *caller,
	       const char *const *sqls, int nsqls, bool batch, json_t *params, const char *session_id,
	       int keepalive_s, bool with_event)
{
	struct rsd_job *j = xcalloc(1, sizeof *j);
	snprintf(j->id, sizeof j->id, "%s", id);
	snprintf(j->wh, sizeof j->wh, "%s", warehouse);
	snprintf(j->account, sizeof j->account, "%s", account);
	snprintf(j->region, sizeof j->region, "%s", region);
	j->caller = xstrdup(caller ? caller : "");
	j->sqls = xcalloc((size_t)nsqls, sizeof *j->sqls);
	for (int i = 0; i < nsqls; i++)
		j->sqls[i] = xstrdup(sqls[i]);
	j->nsqls = nsqls;
	j->batch = batch;
	j->nparams = (int)json_array_size(params);
	j->params = xcalloc((size_t)(j->nparams ? j->nparams : 1), sizeof *j->params);
	for (int i = 0; i < j->nparams; i++)
		j->params[i] = xstrdup(json_string_value(json_array_get(params, (size_t)i)));
	if (session_id)
		snprintf(j->session, sizeof j->session, "%s", session_id);
	j->keepalive = keepalive_s;
	j->with_event = with_event;
	pthread_mutex_lock(&R.mu);
	j->next = R.jobs;
	R.jobs = j;
	R.njobs++;
	pthread_mutex_unlock(&R.mu);
	if (pool_submit(run_job, j)) {
		unlist(j);
		job_free(j);
		return -1;
	}
	return 0;
}

int rsd_cancel(const char *id)
{
	int rc = 0;
	pthread_mutex_lock(&R.mu);
	for (struct rsd_job *j = R.jobs; j; j = j->next)
		if (!strcmp(j->id, id)) {
			j->cancel = 1;
			if (j->running)
				wh_session_interrupt(j->running);
			rc = 1;
		}
	pthread_mutex_unlock(&R.mu);
	return rc;
}

int rsd_active(void)
{
	pthread_mutex_lock(&R.mu);
	int n = R.njobs;
	pthread_mutex_unlock(&R.mu);
	return n;
}

void rsd_purge(void)
{
	int64_t cutoff = clock_wall_ms() - RSD_RETENTION_MS;
	sqlite3_stmt *st = db_prep("SELECT id, is_batch, (SELECT count(*) FROM rsd_subs s WHERE s.id = r.id) "
				   "FROM rsd_statements r WHERE updated < ? AND status NOT IN ('SUBMITTED', 'STARTED') "
				   "LIMIT 1000");
	sqlite3_bind_int64(st, 1, cutoff);
	char ids[1000][37];
	int subs[1000], n = 0;
	while (n < 1000 && sqlite3_step(st) == SQLITE_ROW) {
		snprintf(ids[n], sizeof ids[n], "%s", db_col_text(st, 0));
		subs[n] = sqlite3_column_int(st, 1) ? sqlite3_column_int(st, 2) : 0;
		n++;
	}
	db_done(st);
	for (int i = 0; i < n; i++) {
		char path[4200], rid[48];
		rsd_result_path(ids[i], path, sizeof path);
		unlink(path);
		for (int k = 1; k <= subs[i]; k++) {
			snprintf(rid, sizeof rid, "%s:%d", ids[i], k);
			rsd_result_path(rid, path, sizeof path);
			unlink(path);
		}
		if (db_begin())
			break;
		static const char *const dels[] = {"DELETE FROM rsd_statements WHERE id = ?1",
						   "DELETE FROM rsd_subs WHERE id = ?1",
						   "DELETE FROM rsd_results WHERE id = ?1 OR id LIKE ?1 || ':%'"};
		for (size_t k = 0; k < sizeof dels / sizeof *dels; k++) {
			st = db_prep(dels[k]);
			db_bind_text(st, 1, ids[i]);
			sqlite3_step(st);
			db_done(st);
		}
		db_commit();
	}
	db_release();
}

void rsd_run_start(const char *data_dir)
{
	snprintf(R.dir, sizeof R.dir, "%s/warehouse-results", data_dir);
	if (mkdir(R.dir, 0755) && errno != EEXIST)
		log_warn("cannot create %s: %s", R.dir, strerror(errno));
	R.query_id = clock_wall_ms() % 1000000 * 1000;
	R.sweep_timer = timer_after_ms(5000, sweep_tick, NULL);
}

void rsd_run_stop(void)
{
	timer_cancel(R.sweep_timer);
	/* Running jobs are cancelled; the pool finishes them before it stops. */
	pthread_mutex_lock(&R.mu);
	for (struct rsd_job *j = R.jobs; j; j = j->next) {
		j->cancel = 1;
		if (j->running)
			wh_session_interrupt(j->running);
	}
	pthread_mutex_unlock(&R.mu);
	for (int i = 0; i < 3000 && rsd_active(); i++)
		usleep(10000);
	for (struct rsd_session *s = R.sessions, *nx; s; s = nx) {
		nx = s->next;
		wh_session_end(&s->s);
		free(s);
	}
	R.sessions = NULL;
}
