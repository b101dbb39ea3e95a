/* wh.c — the warehouse registry, connection pools and shared helpers (see
 * wh.h).
 *
 * Warehouses come from config (--warehouse NAME=URL, in order; the first is
 * the default). Unless one is named `dev`, the embedded SQLite warehouse
 * dev=sqlite:DATA/warehouse.db is added last, so nuage always has one.
 *
 * Pools: each warehouse keeps idle connections (at most WH_POOL_IDLE) on a
 * free list under its mutex; wh_acquire opens a new one when none is idle
 * (never holding the mutex while a backend connects). A connection that
 * failed in a way that may have left it unusable (lost server, a
 * transaction left open) is closed on release instead of pooled.
 */
#include "warehouse/wh.h"
#include "config.h"
#include "core/buf.h"
#include "core/log.h"
#include "core/mem.h"
#include "engine/pool.h"
#include "engine/timers.h"
#include "core/clock.h"
#include "warehouse/loadhist.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define WH_POOL_IDLE 8

struct wh {
	char *name;
	char *url;           /* as the backend takes it (sqlite: the path) */
	const struct wh_backend *be;
	char database[WH_NAME_MAX];
	pthread_mutex_t mu;
	struct wh_conn *free;
	int nfree;
	_Atomic bool ready;  /* load-history table known to exist */
};

static struct {
	struct wh *list;
	int n;
	char *data_dir;
	uint64_t timer;
	int64_t last_purge;
	volatile int busy;      /* a maintenance job is queued or running */
} R;

#define WH_MAINT_MS 2000
#define WH_PURGE_MS (3600 * 1000)

/* Maintenance (a pool job): checkpoint SQLite warehouses (their
 * connections never checkpoint on commit), and now and then forget load
 * history past its retention. */
static void maintain(void *arg)
{
	(void)arg;
	int64_t now = clock_wall_ms();
	bool purge = now - R.last_purge > WH_PURGE_MS;
	for (int i = 0; i < R.n; i++) {
		struct wh *w = &R.list[i];
		if (w->be != &wh_backend_sqlite && !purge)
			continue;
		struct wh_conn *c;
		struct wh_err e;
		if (wh_acquire(w, &c, &e))
			continue;
		if (w->be == &wh_backend_sqlite)
			wh_exec(c, "PRAGMA wal_checkpoint(PASSIVE)", NULL, NULL, &e);
		if (purge)
			loadhist_purge(c, now, &e);
		wh_release(c);
	}
	if (purge)
		R.last_purge = now;
	__atomic_store_n(&R.busy, 0, __ATOMIC_RELEASE);
}

static void maintain_tick(void *arg)
{
	(void)arg;
	if (!__atomic_exchange_n(&R.busy, 1, __ATOMIC_ACQ_REL) && pool_submit(maintain, NULL))
		__atomic_store_n(&R.busy, 0, __ATOMIC_RELEASE);
	R.timer = timer_after_ms(WH_MAINT_MS, maintain_tick, NULL);
}

void wh_maintain_now(void)
{
	maintain(NULL);
}

void wh_err_set(struct wh_err *e, const char *sqlstate, const char *fmt, ...)
{
	if (!e)
		return;
	snprintf(e->sqlstate, sizeof e->sqlstate, "%s", sqlstate ? sqlstate : "XX000");
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof e->msg, fmt, ap);
	va_end(ap);
}

/* "postgres://", "postgresql://", "redshift://", "sqlite:" -> backend and
 * the string it opens. */
static int parse_url(const char *url, const char *data_dir, const struct wh_backend **be, char **target)
{
	if (!strncmp(url, "sqlite:", 7)) {
		const char *p = url + 7;
		if (!strncmp(p, "//", 2))
			p += 2;
		if (!*p)
			return -1;
		*be = &wh_backend_sqlite;
		if (*p == '/')
			*target = xstrdup(p);
		else {
			size_t n = strlen(data_dir) + strlen(p) + 2;
			*target = xmalloc(n);
			snprintf(*target, n, "%s/%s", data_dir, p);
		}
		return 0;
	}
	if (!strncmp(url, "postgres://", 11) || !strncmp(url, "postgresql://", 13)) {
		*be = &wh_backend_postgres;
		*target = xstrdup(url);
		return 0;
	}
	if (!strncmp(url, "redshift://", 11)) {
		/* libpq takes the same URI with its own scheme. */
		*be = &wh_backend_redshift;
		size_t n = strlen(url) + 8;
		*target = xmalloc(n);
		snprintf(*target, n, "postgresql://%s", url + 11);
		return 0;
	}
	return -1;
}

static int add(const char *name, const char *url, const char *data_dir)
{
	const struct wh_backend *be;
	char *target;
	if (parse_url(url, data_dir, &be, &target)) {
		log_error("warehouse %s: cannot use URL '%s' (want sqlite:PATH, postgres://..., postgresql://... or "
			  "redshift://...)",
			  name, url);
		return -1;
	}
	R.list = xrealloc(R.list, sizeof *R.list * (size_t)(R.n + 1));
	struct wh *w = &R.list[R.n++];
	memset(w, 0, sizeof *w);
	w->name = xstrdup(name);
	w->url = target;
	w->be = be;
	pthread_mutex_init(&w->mu, NULL);
	snprintf(w->database, sizeof w->database, "dev");
	return 0;
}

/* Makes sure the load-history table exists; a server that is down is
 * retried on the next acquire. */
static int prepare(struct wh *w, struct wh_conn *c, struct wh_err *e)
{
	if (atomic_load_explicit(&w->ready, memory_order_acquire))
		return 0;
	if (loadhist_ensure(c, e)) /* a lost race of two first uses fails one; it is retried */
		return -1;
	atomic_store_explicit(&w->ready, true, memory_order_release);
	return 0;
}

int wh_start(const struct config *cfg)
{
	R.data_dir = xstrdup(cfg->data_dir);
	bool have_dev = false;
	for (int i = 0; i < cfg->nwarehouses; i++) {
		if (add(cfg->warehouses[i].name, cfg->warehouses[i].url, cfg->data_dir))
			return -1;
		have_dev |= !strcmp(cfg->warehouses[i].name, "dev");
	}
	if (!have_dev && add("dev", "sqlite:warehouse.db", cfg->data_dir))
		return -1;
	for (int i = 0; i < R.n; i++) {
		struct wh_conn *c;
		struct wh_err e;
		if (wh_acquire(&R.list[i], &c, &e)) {
			if (R.list[i].be == &wh_backend_sqlite) {
				log_error("warehouse %s: %s", R.list[i].name, e.msg);
				return -1;
			}
			log_warn("warehouse %s is not reachable yet (%s); its statements fail until it is", R.list[i].name,
				 e.msg);
			continue;
		}
		wh_release(c);
		log_info("warehouse %s: %s (%s)", R.list[i].name, R.list[i].be->name, R.list[i].database);
	}
	R.last_purge = 0;
	R.timer = timer_after_ms(WH_MAINT_MS, maintain_tick, NULL);
	return 0;
}

void wh_stop(void)
{
	timer_cancel(R.timer);
	/* A maintenance job may be queued: let it finish before the list goes. */
	for (int i = 0; i < 500 && __atomic_load_n(&R.busy, __ATOMIC_ACQUIRE); i++)
		usleep(10000);
	for (int i = 0; i < R.n; i++) {
		struct wh *w = &R.list[i];
		while (w->free) {
			struct wh_conn *c = w->free;
			w->free = c->next_free;
			w->be->close(c->impl);
			free(c);
		}
		pthread_mutex_destroy(&w->mu);
		free(w->name);
		free(w->url);
	}
	free(R.list);
	free(R.data_dir);
	memset(&R, 0, sizeof R);
}

struct wh *wh_find(const char *name)
{
	for (int i = 0; name && i < R.n; i++)
		if (!strcmp(R.list[i].name, name))
			return &R.list[i];
	return NULL;
}

struct wh *wh_default(void)
{
	return R.n ? &R.list[0] : NULL;
}

int wh_count(void)
{
	return R.n;
}

struct wh *wh_at(int i)
{
	return i >= 0 && i < R.n ? &R.list[i] : NULL;
}

const char *wh_name(const struct wh *w)
{
	return w->name;
}

const struct wh_backend *wh_backend_of(const struct wh *w)
{
	return w->be;
}

const char *wh_database(const struct wh *w)
{
	return w->database;
}

const char *wh_data_dir(void)
{
	return R.data_dir ? R.data_dir : ".";
}

/* The database a libpq URL names (path part), for ListDatabases and
 * ColumnMetadata; "dev" when absent, as Redshift's default. */
static void database_from_url(struct wh *w)
{
	const char *p = strstr(w->url, "://");
	if (!p)
		return;
	p = strchr(p + 3, '/');
	if (!p || !p[1] || p[1] == '?')
		return;
	size_t n = strcspn(p + 1, "?");
	if (n >= sizeof w->database)
		n = sizeof w->database - 1;
	memcpy(w->database, p + 1, n);
	w->database[n] = 0;
}

int wh_acquire(struct wh *w, struct wh_conn **out, struct wh_err *e)
{
	*out = NULL;
	pthread_mutex_lock(&w->mu);
	struct wh_conn *c = w->free;
	if (c) {
		w->free = c->next_free;
		w->nfree--;
	}
	pthread_mutex_unlock(&w->mu);
	if (!c) {
		void *impl;
		if (w->be->open(w->url, &impl, e))
			return -1;
		c = xcalloc(1, sizeof *c);
		c->wh = w;
		c->be = w->be;
		c->impl = impl;
		if (w->be != &wh_backend_sqlite)
			database_from_url(w);
	}
	c->broken = false;
	c->in_txn = false;
	if (prepare(w, c, e)) {
		c->broken = true;
		wh_release(c);
		return -1;
	}
	*out = c;
	return 0;
}

void wh_release(struct wh_conn *c)
{
	if (!c)
		return;
	if (c->in_txn) {
		wh_rollback(c);
		c->broken = true; /* we do not know what the caller meant: start clean */
	}
	struct wh *w = c->wh;
	pthread_mutex_lock(&w->mu);
	bool keep = !c->broken && w->nfree < WH_POOL_IDLE;
	if (keep) {
		c->next_free = w->free;
		w->free = c;
		w->nfree++;
	}
	pthread_mutex_unlock(&w->mu);
	if (!keep) {
		w->be->close(c->impl);
		free(c);
	}
}

int wh_exec_params(struct wh_conn *c, const char *sql, const char *const *params, int n, const struct wh_sink *sink,
		   struct wh_status *st, struct wh_err *e)
{
	struct wh_status dummy;
	if (!st)
		st = &dummy;
	memset(st, 0, sizeof *st);
	int rc = c->be->exec(c->impl, sql, params, n, sink, st, e);
	/* Connection-level failures (08xxx) leave the connection unusable. */
	if (rc && e && !strncmp(e->sqlstate, "08", 2))
		c->broken = true;
	return rc;
}

int wh_exec(struct wh_conn *c, const char *sql, const struct wh_sink *sink, struct wh_status *st, struct wh_err *e)
{
	return wh_exec_params(c, sql, NULL, 0, sink, st, e);
}

int wh_begin(struct wh_conn *c, struct wh_err *e)
{
	const char *sql = c->be == &wh_backend_sqlite ? "BEGIN IMMEDIATE" : "BEGIN";
	if (wh_exec(c, sql, NULL, NULL, e))
		return -1;
	c->in_txn = true;
	return 0;
}

int wh_commit(struct wh_conn *c, struct wh_err *e)
{
	int rc = wh_exec(c, "COMMIT", NULL, NULL, e);
	if (rc) {
		struct wh_err ignore;
		wh_exec(c, "ROLLBACK", NULL, NULL, &ignore);
	}
	c->in_txn = false;
	return rc;
}

void wh_rollback(struct wh_conn *c)
{
	struct wh_err ignore;
	if (wh_exec(c, "ROLLBACK", NULL, NULL, &ignore))
		c->broken = true;
	c->in_txn = false;
}

static int savepoint_sql(struct wh_conn *c, const char *verb, const char *name, struct wh_err *e)
{
	char sql[160];
	snprintf(sql, sizeof sql, "%s %s", verb, name);
	return wh_exec(c, sql, NULL, NULL, e);
}

int wh_savepoint(struct wh_conn *c, const char *name, struct wh_err *e)
{
	return savepoint_sql(c, "SAVEPOINT", name, e);
}

int wh_release_savepoint(struct wh_conn *c, const char *name, struct wh_err *e)
{
	return savepoint_sql(c, "RELEASE SAVEPOINT", name, e);
}

int wh_rollback_to(struct wh_conn *c, const char *name, struct wh_err *e)
{
	return savepoint_sql(c, "ROLLBACK TO SAVEPOINT", name, e);
}

void wh_quote_literal(struct buf *b, const char *s)
{
	buf_add_quoted(b, s, '\'');
}

void wh_quote_ident(struct buf *b, const char *s)
{
	buf_add_quoted(b, s, '"');
}

static void append_ident(struct buf *b, const struct wh_ident *id)
{
	if (id->quoted)
		wh_quote_ident(b, id->text);
	else
		buf_adds(b, id->text); /* the tokenizer only lets identifier characters through */
}

void wh_append_tname(struct buf *b, const struct wh_tname *t)
{
	if (t->schema.text[0]) {
		append_ident(b, &t->schema);
		buf_addc(b, '.');
	}
	append_ident(b, &t->table);
}

void wh_table_free(struct wh_table *t)
{
	if (!t)
		return;
	free(t->cols);
	t->cols = NULL;
	t->ncols = 0;
}

int wh_table_find(const struct wh_table *t, const char *name, bool case_insensitive)
{
	for (int i = 0; i < t->ncols; i++)
		if (case_insensitive ? !strcasecmp(t->cols[i].name, name) : !strcmp(t->cols[i].name, name))
			return i;
	return -1;
}

static bool has(const char *decl, const char *word)
{
	return strcasestr(decl, word) != NULL;
}

/* Reads "(p[,s])" after the type word, if any. */
static void type_args(const char *decl, int *a, int *b)
{
	const char *p = strchr(decl, '(');
	*a = *b = -1;
	if (!p)
		return;
	char *end;
	long x = strtol(p + 1, &end, 10);
	if (end == p + 1)
		return;
	*a = (int)(x < 0 ? 0 : x > 100000000 ? 100000000 : x);
	while (*end == ' ')
		end++;
	if (*end == ',') {
		long y = strtol(end + 1, &end, 10);
		*b = (int)(y < 0 ? 0 : y > 1000 ? 1000 : y);
	}
}

void wh_type_from_decl(const char *decl, struct field *f, int *max_chars)
{
	memset(f, 0, sizeof *f);
	f->nullable = true;
	f->unit = TS_MICROS;
	*max_chars = 0;
	int a, b;
	type_args(decl, &a, &b);
	/* Order matters: "timestamp with time zone" before "time", "interval"
	 * and "point" contain "int". */
	if (has(decl, "timestamptz") || (has(decl, "timestamp") && has(decl, "with time zone")) ||
	    has(decl, "timestamp_tz") || has(decl, "timestamp_ltz")) {
		f->type = COL_TIMESTAMP;
		f->utc = true;
	} else if (has(decl, "timestamp") || has(decl, "datetime")) {
		f->type = COL_TIMESTAMP;
	} else if (has(decl, "date")) {
		f->type = COL_DATE;
	} else if (has(decl, "time") && (has(decl, "with time zone") || has(decl, "timetz"))) {
		f->type = COL_STRING; /* TIME WITH TIME ZONE: no Snowflake type; as written */
	} else if (has(decl, "time") && !has(decl, "interval")) {
		f->type = COL_TIME;
	} else if (has(decl, "bool")) {
		f->type = COL_BOOL;
	} else if (has(decl, "interval") || has(decl, "point")) {
		f->type = COL_STRING;
	} else if (has(decl, "int")) {
		f->type = COL_INT64;
	} else if (has(decl, "numeric") || has(decl, "decimal") || has(decl, "number")) {
		if (a > 0 && a <= 38) {
			f->type = COL_DECIMAL;
			f->precision = a;
			f->scale = b < 0 ? 0 : b > a ? a : b;
		} else if (a > 38) {
			f->type = COL_STRING; /* wider than 128 bits: keep the text */
		} else {
			f->type = COL_DOUBLE; /* unconstrained NUMERIC: any number */
		}
	} else if (has(decl, "real") || has(decl, "floa") || has(decl, "doub")) {
		f->type = COL_DOUBLE;
	} else if (has(decl, "bytea") || has(decl, "blob") || has(decl, "binary")) {
		f->type = COL_BINARY;
	} else if (has(decl, "json") || has(decl, "variant") || has(decl, "object") || has(decl, "array")) {
		f->type = COL_JSON;
	} else {
		f->type = COL_STRING;
		if ((has(decl, "char") || has(decl, "string") || has(decl, "text")) && a > 0)
			*max_chars = a;
	}
}
