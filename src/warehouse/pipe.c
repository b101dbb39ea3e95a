/* pipe.c — see pipe.h. The auto-ingest loader.
 *
 * Threads: one receiver per notification channel (warehouse + account)
 * and one loader per pipe; loads never run on HTTP threads.
 *
 *   S3 event ──► channel queue ──receiver──► wh_pipe_files (pending, nuage.db)
 *                                              │ per pipe whose stage
 *                                              ▼ location matches
 *                      loader: copy_run(one file) ──► warehouse {rows + history} COMMIT
 *                                              │
 *                                              ▼ delete the pending row
 *
 * Invariants (exactly-once, also across kill -9):
 *  1. A message is deleted from the channel only after the pending rows it
 *     produced are committed; a crash in between redelivers it, and the
 *     pending insert ignores rows that are already there.
 *  2. A file is loaded only inside a warehouse transaction that first checks
 *     the pipe's load history for its path and then writes its rows and its
 *     history record; a second attempt (redelivery, restart, REFRESH) finds
 *     the record and loads nothing (LOAD_SKIPPED).
 *  3. A pending row is deleted only after its load committed (or was
 *     found done), so a crash in between loads nothing twice (invariant 2)
 *     and loses nothing (the row is still there at restart).
 *
 * Pipe state (paused, counters, last errors) lives in memory under PM.mu;
 * what must survive a restart (paused) is in the catalog.
 */
#include "warehouse/pipe.h"
#include "core/clock.h"
#include "core/enc.h"
#include "core/hash.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/rand.h"
#include "engine/queue.h"
#include "store/db.h"
#include "warehouse/catalog.h"
#include "warehouse/copy.h"
#include "warehouse/loadhist.h"
#include "warehouse/objects.h"
#include "warehouse/rs.h"

#include <errno.h>
#include <jansson.h>
#include <pthread.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#define PIPE_MAX 256
#define PIPE_MSG_MAX (256 * 1024)
#define PIPE_VISIBILITY_MS 60000
#define PIPE_RETENTION_MS (14LL * 24 * 3600 * 1000)
#define PIPE_REFRESH_DAYS 7
#define PIPE_RETRY_MS 5000

struct pipe_rt {
	char id[40];
	char name[WH_NAME_MAX];
	char wh[64];
	char owner[16], region[32];
	bool auto_ingest;
	bool paused;
	bool nudged;
	volatile int stop;
	pthread_t th;
	bool started;
	pthread_cond_t cv;
	/* status (under PM.mu) */
	int64_t last_received, last_forwarded, last_ingested, last_error_time;
	char last_forwarded_path[512];
	char last_ingested_path[512];
	char last_error[512];
	struct pipe_rt *next;
};

struct channel {
	char wh[64], account[16], region[32];
	char arn[QUEUE_ARN_MAX];
	volatile int stop;
	pthread_t th;
	bool started;
	int64_t last_pulled;
	struct channel *next;
};

static struct {
	pthread_mutex_t mu;
	struct pipe_rt *pipes;
	struct channel *channels;
	bool running;
} PM = {.mu = PTHREAD_MUTEX_INITIALIZER};

/* ------------------------------------------------------------ helpers */

static void iso_time(int64_t ms, char out[40])
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	gmtime_r(&t, &tm);
	snprintf(out, 40, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
		 tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(ms % 1000));
}

static void channel_arn(const char *wh, const char *account, const char *region, char *out, size_t n)
{
	if (strlen(wh) <= 40) {
		snprintf(out, n, "arn:aws:sqs:%s:%s:sf-snowpipe-%s-%s", region, account, wh, account);
		return;
	}
	char hex[65];
	sha256_hex(wh, strlen(wh), hex);
	snprintf(out, n, "arn:aws:sqs:%s:%s:sf-snowpipe-%.24s-%s", region, account, hex, account);
}

/* Where a pipe's files live: bucket, the stage's own prefix, the full
 * prefix (stage + COPY path) and the PATTERN; from its definition. */
struct where {
	char *bucket, *stage_prefix, *location;
	regex_t re;
	bool have_re;
	struct dl_stmt d;
	bool parsed;
};

static void where_free(struct where *w)
{
	free(w->bucket);
	free(w->stage_prefix);
	free(w->location);
	if (w->have_re)
		regfree(&w->re);
	if (w->parsed)
		dl_free(&w->d);
	memset(w, 0, sizeof *w);
}

static int where_of(const char *wh, const char *definition, struct where *w, struct wh_err *e)
{
	memset(w, 0, sizeof *w);
	if (dl_parse(definition, strlen(definition), clock_wall_ms(), &w->d, e)) {
		dl_free(&w->d);
		return -1;
	}
	w->parsed = true;
	if (w->d.kind != DL_COPY || !w->d.copy.stage) {
		wh_err_set(e, "XX000", "pipe definition is not a COPY from a stage");
		return -1;
	}
	struct cat_obj st;
	int rc = cat_get(wh, CAT_STAGE, w->d.copy.stage, &st, e);
	if (rc <= 0)
		return rc < 0 ? -1 : cat_missing(e, CAT_STAGE, w->d.copy.stage);
	rc = obj_parse_url(json_string_value(json_object_get(st.body, "URL")), &w->bucket, &w->stage_prefix);
	cat_obj_free(&st);
	if (rc) {
		wh_err_set(e, "22023", "stage %s has no usable URL", w->d.copy.stage);
		return -1;
	}
	size_t n = strlen(w->stage_prefix) + strlen(w->d.copy.path) + 2;
	w->location = xmalloc(n);
	snprintf(w->location, n, "%s%s", w->stage_prefix, w->d.copy.path);
	const char *pat = json_string_value(json_object_get(w->d.copy.options, "PATTERN"));
	if (pat) {
		char re[1100];
		snprintf(re, sizeof re, "^(%.1000s)$", pat);
		if (regcomp(&w->re, re, REG_EXTENDED | REG_NOSUB)) {
			wh_err_set(e, "2201B", "Invalid regular expression '%s'", pat);
			return -1;
		}
		w->have_re = true;
	}
	return 0;
}

/* Snowpipe applies PATTERN to the path after the stage's own prefix. */
static bool where_matches(const struct where *w, const char *bucket, const char *key)
{
	if (strcmp(bucket, w->bucket) || strncmp(key, w->location, strlen(w->location)))
		return false;
	size_t kl = strlen(key);
	if (!kl || key[kl - 1] == '/')
		return false;
	const char *rel = key + strlen(w->stage_prefix);
	return !w->have_re || !regexec(&w->re, rel, 0, NULL, 0);
}

static struct pipe_rt *find_rt(const char *id)
{
	for (struct pipe_rt *p = PM.pipes; p; p = p->next)
		if (!strcmp(p->id, id))
			return p;
	return NULL;
}

static void nudge(struct pipe_rt *p)
{
	p->nudged = true;
	pthread_cond_signal(&p->cv);
}

/* ------------------------------------------------------------ pending files */

static int add_pending(const char *pipe_id, const char *bucket, const char *key, const char *etag, int64_t size,
		       int64_t received)
{
	char url[2048];
	snprintf(url, sizeof url, "s3://%s/%s", bucket, key);
	sqlite3_stmt *st = db_prep("INSERT INTO wh_pipe_files (pipe_id, url, bucket, key, etag, size, received) "
				   "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (pipe_id, url) DO NOTHING");
	db_bind_text(st, 1, pipe_id);
	db_bind_text(st, 2, url);
	db_bind_text(st, 3, bucket);
	db_bind_text(st, 4, key);
	db_bind_text(st, 5, etag ? etag : "");
	sqlite3_bind_int64(st, 6, size);
	sqlite3_bind_int64(st, 7, received);
	int rc = sqlite3_step(st);
	db_done(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

struct pending {
	char url[2048];
	char bucket[64];
	char key[1100];
	int64_t received;
};

static int next_pending(const char *pipe_id, struct pending *f)
{
	sqlite3_stmt *st = db_prep("SELECT url, bucket, key, received FROM wh_pipe_files WHERE pipe_id = ? "
				   "ORDER BY received, url LIMIT 1");
	db_bind_text(st, 1, pipe_id);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		snprintf(f->url, sizeof f->url, "%s", db_col_text(st, 0));
		snprintf(f->bucket, sizeof f->bucket, "%s", db_col_text(st, 1));
		snprintf(f->key, sizeof f->key, "%s", db_col_text(st, 2));
		f->received = sqlite3_column_int64(st, 3);
	}
	db_done(st);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

static int drop_pending(const char *pipe_id, const char *url)
{
	if (db_begin())
		return -1;
	sqlite3_stmt *st = db_prep(url ? "DELETE FROM wh_pipe_files WHERE pipe_id = ? AND url = ?"
				       : "DELETE FROM wh_pipe_files WHERE pipe_id = ?");
	db_bind_text(st, 1, pipe_id);
	if (url)
		db_bind_text(st, 2, url);
	int rc = sqlite3_step(st);
	db_done(st);
	if (rc != SQLITE_DONE) {
		db_rollback();
		return -1;
	}
	return db_commit();
}

static int64_t count_pending(const char *pipe_id, char *oldest, size_t n, int64_t *oldest_time)
{
	sqlite3_stmt *st = db_prep("SELECT count(*), min(received) FROM wh_pipe_files WHERE pipe_id = ?");
	db_bind_text(st, 1, pipe_id);
	int64_t c = 0;
	if (sqlite3_step(st) == SQLITE_ROW) {
		c = sqlite3_column_int64(st, 0);
		*oldest_time = sqlite3_column_int64(st, 1);
	}
	db_done(st);
	oldest[0] = 0;
	if (c) {
		st = db_prep("SELECT key FROM wh_pipe_files WHERE pipe_id = ? ORDER BY received, url LIMIT 1");
		db_bind_text(st, 1, pipe_id);
		if (sqlite3_step(st) == SQLITE_ROW)
			snprintf(oldest, n, "%s", db_col_text(st, 0));
		db_done(st);
	}
	return c;
}

/* ------------------------------------------------------------ event records */

static int64_t event_time(const json_t *rec)
{
	const char *t = json_string_value(json_object_get(rec, "eventTime"));
	if (!t)
		t = json_string_value(json_object_get(rec, "time"));
	int64_t ms;
	if (t && !time_parse_iso8601(t, strlen(t), &ms))
		return ms;
	return clock_wall_ms();
}

static int s3_records(const json_t *doc, pipe_event_fn fn, void *ctx)
{
	const char *ev = json_string_value(json_object_get(doc, "Event"));
	if (ev && !strcmp(ev, "s3:TestEvent"))
		return 0;
	/* EventBridge's shape: {"source":"aws.s3","detail-type":"Object Created","detail":{...}} */
	const char *src = json_string_value(json_object_get(doc, "source"));
	if (src && !strcmp(src, "aws.s3")) {
		const char *dt = json_string_value(json_object_get(doc, "detail-type"));
		json_t *d = json_object_get(doc, "detail");
		if (!dt || strcmp(dt, "Object Created") || !json_is_object(d))
			return 0;
		const char *b = json_string_value(json_object_get(json_object_get(d, "bucket"), "name"));
		json_t *o = json_object_get(d, "object");
		const char *k = json_string_value(json_object_get(o, "key"));
		if (!b || !k)
			return -1;
		fn(ctx, b, k, json_integer_value(json_object_get(o, "size")),
		   json_string_value(json_object_get(o, "etag")), event_time(doc));
		return 1;
	}
	json_t *recs = json_object_get(doc, "Records");
	if (!json_is_array(recs))
		return -1;
	int n = 0;
	size_t i;
	json_t *r;
	json_array_foreach(recs, i, r)
	{
		const char *name = json_string_value(json_object_get(r, "eventName"));
		if (!name)
			continue;
		if (!strncmp(name, "s3:", 3))
			name += 3;
		if (strncmp(name, "ObjectCreated:", 14))
			continue;
		json_t *s3 = json_object_get(r, "s3");
		const char *b = json_string_value(json_object_get(json_object_get(s3, "bucket"), "name"));
		json_t *o = json_object_get(s3, "object");
		const char *k = json_string_value(json_object_get(o, "key"));
		if (!b || !k || strlen(k) > 1024 * 3)
			continue;
		/* Keys in S3 event records are URL-encoded, spaces as '+'. */
		char *key = xstrdup(k);
		long kl = uri_decode(key, strlen(key), true);
		if (kl > 0 && (size_t)kl == strlen(key)) {
			fn(ctx, b, key, json_integer_value(json_object_get(o, "size")),
			   json_string_value(json_object_get(o, "eTag")), event_time(r));
			n++;
		}
		free(key);
	}
	return n;
}

int pipe_parse_event(const char *body, size_t len, pipe_event_fn fn, void *ctx)
{
	if (len > PIPE_MSG_MAX)
		return -1;
	json_t *doc = json_loadb(body, len, JSON_REJECT_DUPLICATES, NULL);
	if (!json_is_object(doc)) {
		json_decref(doc);
		return -1;
	}
	int rc;
	const char *type = json_string_value(json_object_get(doc, "Type"));
	const char *msg = json_string_value(json_object_get(doc, "Message"));
	if (type && msg && !strcmp(type, "Notification")) {
		/* An SNS envelope: the S3 event is its Message. */
		json_t *inner = json_loadb(msg, json_string_length(json_object_get(doc, "Message")), JSON_REJECT_DUPLICATES,
					   NULL);
		rc = json_is_object(inner) ? s3_records(inner, fn, ctx) : -1;
		json_decref(inner);
	} else {
		rc = s3_records(doc, fn, ctx);
	}
	json_decref(doc);
	return rc;
}

/* ------------------------------------------------------------ the receiver */

struct target {
	char id[40];
	struct where w;
	bool ok;
	int hits;
	char last_path[512];
};

struct routing {
	struct target *t;
	int n;
	int64_t now;
	int failed;
};

static void route(void *ctx, const char *bucket, const char *key, int64_t size, const char *etag, int64_t event_ms)
{
	struct routing *r = ctx;
	(void)event_ms;
	for (int i = 0; i < r->n; i++) {
		struct target *t = &r->t[i];
		if (!t->ok || !where_matches(&t->w, bucket, key))
			continue;
		if (add_pending(t->id, bucket, key, etag, size, r->now))
			r->failed++;
		t->hits++;
		snprintf(t->last_path, sizeof t->last_path, "%s", key + strlen(t->w.stage_prefix));
	}
}

/* The auto-ingest pipes a channel feeds, with where their files live. */
static int targets_of(const struct channel *ch, struct target **out)
{
	*out = NULL;
	int n = 0;
	pthread_mutex_lock(&PM.mu);
	for (struct pipe_rt *p = PM.pipes; p; p = p->next)
		if (p->auto_ingest && !strcmp(p->wh, ch->wh) && !strcmp(p->owner, ch->account))
			n++;
	struct target *t = xcalloc((size_t)(n ? n : 1), sizeof *t);
	int k = 0;
	for (struct pipe_rt *p = PM.pipes; p && k < n; p = p->next)
		if (p->auto_ingest && !strcmp(p->wh, ch->wh) && !strcmp(p->owner, ch->account))
			snprintf(t[k++].id, sizeof t->id, "%s", p->id);
	pthread_mutex_unlock(&PM.mu);
	for (int i = 0; i < k; i++) {
		struct cat_obj o;
		struct wh_err e;
		memset(&o, 0, sizeof o);
		/* The catalog is keyed by name; the runtime knows the id. */
		pthread_mutex_lock(&PM.mu);
		struct pipe_rt *p = find_rt(t[i].id);
		char name[WH_NAME_MAX] = "";
		if (p)
			snprintf(name, sizeof name, "%s", p->name);
		pthread_mutex_unlock(&PM.mu);
		if (name[0] && cat_get(ch->wh, CAT_PIPE, name, &o, &e) > 0) {
			const char *def = json_string_value(json_object_get(o.body, "definition"));
			t[i].ok = def && !where_of(ch->wh, def, &t[i].w, &e);
		}
		cat_obj_free(&o);
	}
	*out = t;
	return k;
}

static void *channel_main(void *arg)
{
	struct channel *ch = arg;
	while (!ch->stop) {
		struct arena a;
		arena_init(&a);
		struct queue_recv_req req = {.max = QUEUE_MAX_BATCH, .visibility_ms = PIPE_VISIBILITY_MS, .wait_ms = 1000};
		struct queue_rmsg *m = NULL;
		int n = 0;
		int rc = queue_receive(ch->arn, &req, &a, &m, &n);
		int64_t now = clock_wall_ms();
		pthread_mutex_lock(&PM.mu);
		ch->last_pulled = now;
		pthread_mutex_unlock(&PM.mu);
		if (rc == QE_STOPPING) {
			arena_free(&a);
			break;
		}
		if (rc || !n) {
			arena_free(&a);
			db_release();
			if (rc)
				usleep(200 * 1000);
			continue;
		}
		struct routing r = {.now = now};
		r.n = targets_of(ch, &r.t);
		const char **handles = arena_alloc(&a, sizeof *handles * (size_t)n);
		bool ok = db_begin() == 0;
		for (int i = 0; ok && i < n; i++) {
			handles[i] = m[i].receipt;
			if (pipe_parse_event(m[i].body, m[i].body_len, route, &r) < 0)
				log_warn("pipe channel %s: a message that is not an S3 event notification was dropped", ch->arn);
		}
		if (ok && (r.failed || db_commit())) {
			if (r.failed)
				db_rollback();
			ok = false;
		}
		if (ok) {
			int res[QUEUE_MAX_BATCH];
			queue_delete(ch->arn, handles, n, res);
			pthread_mutex_lock(&PM.mu);
			for (int i = 0; i < r.n; i++) {
				struct pipe_rt *p = find_rt(r.t[i].id);
				if (!p || !r.t[i].hits)
					continue;
				p->last_received = now;
				p->last_forwarded = now;
				snprintf(p->last_forwarded_path, sizeof p->last_forwarded_path, "%s", r.t[i].last_path);
				nudge(p);
			}
			pthread_mutex_unlock(&PM.mu);
		} else {
			log_warn("pipe channel %s: could not record notifications (%s); they will be redelivered", ch->arn,
				 db_errmsg());
		}
		for (int i = 0; i < r.n; i++)
			where_free(&r.t[i].w);
		free(r.t);
		arena_free(&a);
		db_release();
	}
	db_release();
	blob_thread_done();
	return NULL;
}

/* ------------------------------------------------------------ the loader */

static void set_error(struct pipe_rt *p, const char *msg)
{
	pthread_mutex_lock(&PM.mu);
	snprintf(p->last_error, sizeof p->last_error, "%s", msg);
	p->last_error_time = clock_wall_ms();
	pthread_mutex_unlock(&PM.mu);
}

/* Loads one pending file: 0 when it is done with (loaded, failed per
 * ON_ERROR, found loaded before, or gone), -1 to try again later. */
static int load_one(struct pipe_rt *p, struct wh *wh, const struct dl_stmt *d, const struct pending *f)
{
	struct wh_object o;
	struct wh_err e;
	int got = obj_get(f->bucket, f->key, &o, &e);
	db_release();
	if (got < 0) {
		set_error(p, e.msg);
		return -1;
	}
	if (!got) {
		char msg[1300];
		snprintf(msg, sizeof msg, "Remote file '%s' was not found. It may have been deleted after the notification.",
			 f->url);
		set_error(p, msg);
		return 0;
	}
	struct wh_session s;
	wh_session_init(&s, wh, p->owner, p->region, NULL);
	s.cancel = &p->stop;
	struct copy_pipe cp = {.id = p->id, .name = p->name, .bucket = f->bucket, .file = &o, .received = f->received};
	int rc = copy_run(&s, &d->copy, &cp, NULL, NULL, &e);
	wh_session_end(&s);
	free(o.key);
	db_release();
	if (rc) {
		set_error(p, e.msg);
		return -1;
	}
	pthread_mutex_lock(&PM.mu);
	if (!strcmp(cp.status, "LOADED") || !strcmp(cp.status, "PARTIALLY_LOADED")) {
		p->last_ingested = clock_wall_ms();
		snprintf(p->last_ingested_path, sizeof p->last_ingested_path, "%s", f->key);
	}
	if (cp.first_error[0]) {
		snprintf(p->last_error, sizeof p->last_error, "%s", cp.first_error);
		p->last_error_time = clock_wall_ms();
	}
	pthread_mutex_unlock(&PM.mu);
	return 0;
}

static void wait_work(struct pipe_rt *p, int64_t ms)
{
	pthread_mutex_lock(&PM.mu);
	if (!p->nudged && !p->stop) {
		struct timespec ts;
		clock_deadline(CLOCK_MONOTONIC, ms * 1000, &ts);
		pthread_cond_timedwait(&p->cv, &PM.mu, &ts);
	}
	p->nudged = false;
	pthread_mutex_unlock(&PM.mu);
}

static void *pipe_main(void *arg)
{
	struct pipe_rt *p = arg;
	struct wh *wh = wh_find(p->wh);
	struct dl_stmt d;
	struct wh_err e;
	bool parsed = false;
	while (!p->stop) {
		if (!parsed) {
			struct cat_obj o;
			memset(&o, 0, sizeof o);
			const char *def = NULL;
			if (wh && cat_get(p->wh, CAT_PIPE, p->name, &o, &e) > 0)
				def = json_string_value(json_object_get(o.body, "definition"));
			parsed = def && !dl_parse(def, strlen(def), clock_wall_ms(), &d, &e) && d.kind == DL_COPY;
			if (def && !parsed)
				dl_free(&d);
			cat_obj_free(&o);
			db_release();
			if (!parsed) {
				set_error(p, wh ? "the pipe's definition cannot be read" : "the pipe's warehouse is not configured");
				wait_work(p, PIPE_RETRY_MS);
				continue;
			}
		}
		pthread_mutex_lock(&PM.mu);
		bool paused = p->paused;
		pthread_mutex_unlock(&PM.mu);
		struct pending f;
		int got = paused ? 0 : next_pending(p->id, &f);
		db_release();
		if (got <= 0) {
			wait_work(p, 1000);
			continue;
		}
		if (load_one(p, wh, &d, &f) == 0)
			drop_pending(p->id, f.url);
		else if (!p->stop)
			wait_work(p, PIPE_RETRY_MS);
		db_release();
	}
	if (parsed)
		dl_free(&d);
	db_release();
	blob_thread_done();
	return NULL;
}

/* ------------------------------------------------------------ lifecycle */

static int ensure_channel(const char *wh, const char *account, const char *region, char *arn, size_t n)
{
	channel_arn(wh, account, region, arn, n);
	struct queue_conf conf;
	if (queue_get(arn, &conf) == QE_OK)
		return 0;
	memset(&conf, 0, sizeof conf);
	conf.visibility_ms = PIPE_VISIBILITY_MS;
	conf.retention_ms = PIPE_RETENTION_MS;
	if (db_begin())
		return -1;
	int rc = queue_create_txn(arn, &conf);
	if (rc && rc != QE_EXISTS) {
		db_rollback();
		return -1;
	}
	return db_commit();
}

/* Starts a channel's receiver once (under PM.mu). */
static void start_channel(const char *wh, const char *account, const char *region, const char *arn)
{
	for (struct channel *c = PM.channels; c; c = c->next)
		if (!strcmp(c->arn, arn))
			return;
	struct channel *c = xcalloc(1, sizeof *c);
	snprintf(c->wh, sizeof c->wh, "%s", wh);
	snprintf(c->account, sizeof c->account, "%s", account);
	snprintf(c->region, sizeof c->region, "%s", region);
	snprintf(c->arn, sizeof c->arn, "%s", arn);
	c->next = PM.channels;
	PM.channels = c;
	if (pthread_create(&c->th, NULL, channel_main, c) == 0)
		c->started = true;
	else
		log_error("pipe channel %s: cannot start its receiver thread", arn);
}

static struct pipe_rt *add_rt(const char *wh, const struct cat_obj *o)
{
	struct pipe_rt *p = xcalloc(1, sizeof *p);
	snprintf(p->id, sizeof p->id, "%s", json_string_value(json_object_get(o->body, "id")));
	snprintf(p->name, sizeof p->name, "%s", o->name);
	snprintf(p->wh, sizeof p->wh, "%s", wh);
	snprintf(p->owner, sizeof p->owner, "%s", o->owner);
	snprintf(p->region, sizeof p->region, "%s", o->region);
	p->auto_ingest = json_is_true(json_object_get(o->body, "auto_ingest"));
	p->paused = json_is_true(json_object_get(o->body, "paused"));
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&p->cv, &ca);
	pthread_condattr_destroy(&ca);
	p->next = PM.pipes;
	PM.pipes = p;
	if (pthread_create(&p->th, NULL, pipe_main, p) == 0)
		p->started = true;
	else
		log_error("pipe %s: cannot start its loader thread", p->name);
	return p;
}

/* Stops and forgets a pipe's loader (joins outside the lock). */
static void remove_rt(const char *id)
{
	pthread_mutex_lock(&PM.mu);
	struct pipe_rt **pp = &PM.pipes, *p = NULL;
	for (; *pp; pp = &(*pp)->next)
		if (!strcmp((*pp)->id, id)) {
			p = *pp;
			*pp = p->next;
			break;
		}
	if (p) {
		p->stop = 1;
		pthread_cond_signal(&p->cv);
	}
	pthread_mutex_unlock(&PM.mu);
	if (!p)
		return;
	if (p->started)
		pthread_join(p->th, NULL);
	pthread_cond_destroy(&p->cv);
	free(p);
}

int pipe_start(void)
{
	struct cat_obj *list;
	int n;
	struct wh_err e;
	if (cat_all_pipes(&list, &n, &e)) {
		log_error("pipes: %s", e.msg);
		return -1;
	}
	pthread_mutex_lock(&PM.mu);
	PM.running = true;
	for (int i = 0; i < n; i++) {
		struct pipe_rt *p = add_rt(list[i].warehouse, &list[i]);
		const char *arn = json_string_value(json_object_get(list[i].body, "channel"));
		if (p->auto_ingest && arn)
			start_channel(list[i].warehouse, list[i].owner, list[i].region, arn);
	}
	pthread_mutex_unlock(&PM.mu);
	cat_list_free(list, n);
	db_release();
	return 0;
}

void pipe_stop(void)
{
	pthread_mutex_lock(&PM.mu);
	PM.running = false;
	for (struct channel *c = PM.channels; c; c = c->next)
		c->stop = 1;
	for (struct pipe_rt *p = PM.pipes; p; p = p->next) {
		p->stop = 1;
		pthread_cond_signal(&p->cv);
	}
	pthread_mutex_unlock(&PM.mu);
	/* Threads only take PM.mu briefly: join them without it. */
	for (struct channel *c = PM.channels, *nx; c; c = nx) {
		nx = c->next;
		if (c->started)
			pthread_join(c->th, NULL);
		free(c);
	}
	for (struct pipe_rt *p = PM.pipes, *nx; p; p = nx) {
		nx = p->next;
		if (p->started)
			pthread_join(p->th, NULL);
		pthread_cond_destroy(&p->cv);
		free(p);
	}
	PM.channels = NULL;
	PM.pipes = NULL;
}

/* ------------------------------------------------------------ statements */

static int pipe_status_row(const struct wh_sink *sink, struct wh_status *st, const char *msg)
{
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

static int count_pipes(void)
{
	int n = 0;
	pthread_mutex_lock(&PM.mu);
	for (struct pipe_rt *p = PM.pipes; p; p = p->next)
		n++;
	pthread_mutex_unlock(&PM.mu);
	return n;
}

int pipe_create(struct wh_session *s, const struct dl_stmt *d, const char *sql, const struct wh_sink *sink,
		struct wh_status *st, struct wh_err *e)
{
	const char *wh = wh_name(s->wh);
	struct cat_obj old;
	int exists = cat_get(wh, CAT_PIPE, d->name, &old, e);
	if (exists < 0)
		return -1;
	char old_id[40] = "";
	if (exists > 0)
		snprintf(old_id, sizeof old_id, "%s", json_string_value(json_object_get(old.body, "id")));
	cat_obj_free(&old);
	if (exists && d->if_not_exists)
		return pipe_status_row(sink, st, "Statement executed successfully.");
	if (exists && !d->or_replace) {
		wh_err_set(e, "42710", "SQL compilation error:\nObject '%s' already exists.", d->name);
		return -1;
	}
	if (!exists && count_pipes() >= PIPE_MAX) {
		wh_err_set(e, "54000", "nuage runs at most %d pipes", PIPE_MAX);
		return -1;
	}
	/* The definition must work now: its stage and table exist. */
	char *def = xstrndup(sql + d->copy.text_off, d->copy.text_len);
	struct where w;
	int rc = where_of(wh, def, &w, e);
	where_free(&w);
	if (!rc && !wh_session_conn(s, e)) {
		struct wh_table t;
		if (s->conn->be->describe(s->conn->impl, &d->copy.table, &t, e)) {
			wh_err_set(e, "42S02", "SQL compilation error:\nTable '%s' does not exist or not authorized.",
				   d->copy.table.table.text);
			rc = -1;
		}
		wh_table_free(&t);
	} else {
		rc = -1;
	}
	if (rc) {
		free(def);
		return -1;
	}
	bool auto_ingest = json_is_true(json_object_get(d->opts, "AUTO_INGEST"));
	char arn[QUEUE_ARN_MAX] = "";
	if (auto_ingest && ensure_channel(wh, s->account, s->region, arn, sizeof arn)) {
		free(def);
		wh_err_set(e, "58000", "cannot create the pipe's notification channel: %s", db_errmsg());
		return -1;
	}
	char id[37];
	uuid4(id);
	json_t *body = json_object();
	json_object_set_new(body, "id", json_string(id));
	json_object_set_new(body, "definition", json_string(def));
	json_object_set_new(body, "auto_ingest", json_boolean(auto_ingest));
	json_object_set_new(body, "paused", json_false());
	json_object_set_new(body, "channel", auto_ingest ? json_string(arn) : json_null());
	const char *const keep[] = {"COMMENT", "AWS_SNS_TOPIC", "INTEGRATION", "ERROR_INTEGRATION", NULL};
	for (int i = 0; keep[i]; i++)
		if (json_object_get(d->opts, keep[i]))
			json_object_set(body, keep[i], json_object_get(d->opts, keep[i]));
	json_t *pat = json_object_get(d->copy.options, "PATTERN");
	if (pat)
		json_object_set(body, "PATTERN", pat);
	free(def);
	/* A replaced pipe is a new pipe: its loader stops, its queue of files
	 * and its load history (keyed by its id) go with it, as on Snowflake. */
	if (old_id[0]) {
		remove_rt(old_id);
		drop_pending(old_id, NULL);
	}
	rc = cat_put(wh, CAT_PIPE, d->name, body, s->account, s->region, true, false, e);
	if (!rc) {
		struct cat_obj o;
		if (cat_get(wh, CAT_PIPE, d->name, &o, e) > 0) {
			pthread_mutex_lock(&PM.mu);
			if (PM.running) {
				add_rt(wh, &o);
				if (auto_ingest)
					start_channel(wh, s->account, s->region, arn);
			}
			pthread_mutex_unlock(&PM.mu);
		}
		cat_obj_free(&o);
	}
	json_decref(body);
	if (rc)
		return -1;
	char msg[WH_NAME_MAX + 40];
	snprintf(msg, sizeof msg, "Pipe %s successfully created.", d->name);
	return pipe_status_row(sink, st, msg);
}

/* ALTER PIPE ... REFRESH: stage files of the last 7 days (or since
 * MODIFIED_AFTER) the pipe has not loaded, queued for loading. */
static int refresh(struct wh_session *s, const struct cat_obj *o, const struct dl_stmt *d, const struct wh_sink *sink,
		   struct wh_status *st, struct wh_err *e)
{
	const char *wh = wh_name(s->wh);
	const char *id = json_string_value(json_object_get(o->body, "id"));
	struct where w;
	if (where_of(wh, json_string_value(json_object_get(o->body, "definition")), &w, e)) {
		where_free(&w);
		return -1;
	}
	struct wh_object *files = NULL;
	int n = 0;
	int rc = -1;
	if (obj_bucket_check(w.bucket, o->owner, e))
		goto out;
	char *prefix = NULL;
	size_t pl = strlen(w.location) + (d->refresh_prefix ? strlen(d->refresh_prefix) : 0) + 1;
	prefix = xmalloc(pl);
	snprintf(prefix, pl, "%s%s", w.location, d->refresh_prefix ? d->refresh_prefix : "");
	int lr = obj_list(w.bucket, prefix, OBJ_MAX_LIST, &files, &n, e);
	free(prefix);
	if (lr || wh_session_conn(s, e))
		goto out;
	int64_t now = clock_wall_ms();
	int64_t since = d->modified_after ? d->modified_after : now - PIPE_REFRESH_DAYS * LOADHIST_DAY_MS;
	static const char *const names[] = {"File", "Status"};
	static const char *const types[] = {"varchar", "varchar"};
	struct rs r;
	rc = rs_begin(&r, sink, names, types, 2);
	int64_t sent = 0;
	for (int i = 0; !rc && i < n; i++) {
		const struct wh_object *f = &files[i];
		if (f->mtime < since || !where_matches(&w, w.bucket, f->key))
			continue;
		char url[2048];
		snprintf(url, sizeof url, "s3://%s/%s", w.bucket, f->key);
		int seen = loadhist_pipe_seen(s->conn, id, url, now, e);
		if (seen < 0) {
			rc = -1;
			break;
		}
		if (seen)
			continue;
		if (db_begin() || add_pending(id, w.bucket, f->key, f->etag, f->size, now) || db_commit()) {
			db_rollback();
			wh_err_set(e, "58000", "cannot queue %s: %s", url, db_errmsg());
			rc = -1;
			break;
		}
		rs_text(&r, 0, f->key + strlen(w.stage_prefix));
		rs_text(&r, 1, "SENT");
		rc = rs_row(&r);
		sent++;
	}
	rs_end(&r);
	st->has_result_set = true;
	st->rows = sent;
	pthread_mutex_lock(&PM.mu);
	struct pipe_rt *p = find_rt(id);
	if (p && sent)
		nudge(p);
	pthread_mutex_unlock(&PM.mu);
out:
	obj_list_free(files, n);
	where_free(&w);
	return rc;
}

int pipe_alter(struct wh_session *s, const struct dl_stmt *d, const struct wh_sink *sink, struct wh_status *st,
	       struct wh_err *e)
{
	const char *wh = wh_name(s->wh);
	struct cat_obj o;
	int rc = cat_get(wh, CAT_PIPE, d->name, &o, e);
	if (rc < 0)
		return -1;
	if (!rc)
		return d->if_exists ? pipe_status_row(sink, st, "Statement executed successfully.")
				    : cat_missing(e, CAT_PIPE, d->name);
	if (d->alter == AP_REFRESH) {
		rc = refresh(s, &o, d, sink, st, e);
		cat_obj_free(&o);
		return rc;
	}
	if (d->alter == AP_UNSET_COMMENT) {
		json_object_del(o.body, "COMMENT");
	} else {
		json_t *paused = json_object_get(d->opts, "PIPE_EXECUTION_PAUSED");
		if (paused)
			json_object_set(o.body, "paused", paused);
		json_t *c = json_object_get(d->opts, "COMMENT");
		if (c)
			json_object_set(o.body, "COMMENT", c);
		json_t *ei = json_object_get(d->opts, "ERROR_INTEGRATION");
		if (ei)
			json_object_set(o.body, "ERROR_INTEGRATION", ei);
	}
	rc = cat_update(wh, CAT_PIPE, d->name, o.body, e);
	if (rc > 0) {
		pthread_mutex_lock(&PM.mu);
		struct pipe_rt *p = find_rt(json_string_value(json_object_get(o.body, "id")));
		if (p) {
			p->paused = json_is_true(json_object_get(o.body, "paused"));
			nudge(p);
		}
		pthread_mutex_unlock(&PM.mu);
	}
	cat_obj_free(&o);
	if (rc < 0)
		return -1;
	return pipe_status_row(sink, st, "Statement executed successfully.");
}

int pipe_drop(struct wh_session *s, const struct dl_stmt *d, const struct wh_sink *sink, struct wh_status *st,
	      struct wh_err *e)
{
	const char *wh = wh_name(s->wh);
	struct cat_obj o;
	int rc = cat_get(wh, CAT_PIPE, d->name, &o, e);
	if (rc < 0)
		return -1;
	if (!rc) {
		if (!d->if_exists)
			return cat_missing(e, CAT_PIPE, d->name);
		char msg[WH_NAME_MAX + 64];
		snprintf(msg, sizeof msg, "Drop statement executed successfully (%s already dropped).", d->name);
		return pipe_status_row(sink, st, msg);
	}
	char id[40];
	snprintf(id, sizeof id, "%s", json_string_value(json_object_get(o.body, "id")));
	cat_obj_free(&o);
	remove_rt(id);
	if (cat_drop(wh, CAT_PIPE, d->name, e) < 0 || drop_pending(id, NULL))
		return -1;
	char msg[WH_NAME_MAX + 40];
	snprintf(msg, sizeof msg, "%s successfully dropped.", d->name);
	return pipe_status_row(sink, st, msg);
}

int pipe_show(struct wh_session *s, const struct dl_stmt *d, const struct wh_sink *sink, struct wh_status *st,
	      struct wh_err *e)
{
	const char *wh = wh_name(s->wh);
	struct cat_obj *list = NULL;
	int n = 0;
	if (d->kind == DL_DESC_PIPE) {
		list = xcalloc(1, sizeof *list);
		int rc = cat_get(wh, CAT_PIPE, d->name, &list[0], e);
		if (rc <= 0) {
			free(list);
			return rc < 0 ? -1 : cat_missing(e, CAT_PIPE, d->name);
		}
		n = 1;
	} else if (cat_list(wh, CAT_PIPE, d->like, &list, &n, e)) {
		return -1;
	}
	static const char *const names[] = {"created_on", "name", "database_name", "schema_name", "definition",
					    "owner", "notification_channel", "comment", "integration", "pattern",
					    "error_integration", "owner_role_type", "invalid_reason", "kind"};
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
		rs_text(&r, 4, json_string_value(json_object_get(b, "definition")));
		rs_text(&r, 5, list[i].owner);
		rs_text(&r, 6, json_string_value(json_object_get(b, "channel")));
		const char *c = json_string_value(json_object_get(b, "COMMENT"));
		rs_text(&r, 7, c ? c : "");
		rs_text(&r, 8, json_string_value(json_object_get(b, "INTEGRATION")));
		rs_text(&r, 9, json_string_value(json_object_get(b, "PATTERN")));
		rs_text(&r, 10, json_string_value(json_object_get(b, "ERROR_INTEGRATION")));
		rs_text(&r, 11, "ROLE");
		rs_null(&r, 12);
		rs_text(&r, 13, "STAGE");
		rc = rs_row(&r);
	}
	rs_end(&r);
	st->has_result_set = true;
	st->rows = n;
	cat_list_free(list, n);
	return rc;
}

int pipe_status(struct wh_session *s, const struct dl_stmt *d, const struct wh_sink *sink, struct wh_status *st,
		struct wh_err *e)
{
	char name[WH_NAME_MAX];
	dl_canon_name(d->pipe_arg, name, sizeof name);
	struct cat_obj o;
	int rc = cat_get(wh_name(s->wh), CAT_PIPE, name, &o, e);
	if (rc <= 0)
		return rc < 0 ? -1 : cat_missing(e, CAT_PIPE, name);
	const char *id = json_string_value(json_object_get(o.body, "id"));
	const char *arn = json_string_value(json_object_get(o.body, "channel"));
	json_t *j = json_object();
	char t[40], oldest[1100];
	int64_t oldest_time = 0;
	int64_t pending = count_pending(id, oldest, sizeof oldest, &oldest_time);
	bool paused = json_is_true(json_object_get(o.body, "paused"));
	json_object_set_new(j, "executionState", json_string(paused ? "PAUSED" : "RUNNING"));
	if (pending) {
		/* Paths relative to the stage, like the other *FilePath fields. */
		struct where w;
		const char *rel = oldest;
		if (!where_of(wh_name(s->wh), json_string_value(json_object_get(o.body, "definition")), &w, e) &&
		    !strncmp(oldest, w.stage_prefix, strlen(w.stage_prefix)))
			rel = oldest + strlen(w.stage_prefix);
		json_object_set_new(j, "oldestPendingFilePath", json_string(rel));
		where_free(&w);
		iso_time(oldest_time, t);
		json_object_set_new(j, "oldestFileTimestamp", json_string(t));
	}
	json_object_set_new(j, "pendingFileCount", json_integer(pending));
	/* The last ingested file: from the warehouse's history (it survives restarts). */
	char last[1100] = "";
	int64_t when = 0, err_when = 0;
	if (!wh_session_conn(s, e) && loadhist_pipe_last(s->conn, id, last, sizeof last, &when, &err_when, e) > 0) {
		iso_time(when, t);
		json_object_set_new(j, "lastIngestedTimestamp", json_string(t));
		json_object_set_new(j, "lastIngestedFilePath", json_string(last));
	}
	if (arn) {
		json_object_set_new(j, "notificationChannelName", json_string(arn));
		struct queue_stats qs;
		if (queue_get_stats(arn, &qs) == QE_OK)
			json_object_set_new(j, "numOutstandingMessagesOnChannel", json_integer(qs.visible + qs.inflight));
	}
	pthread_mutex_lock(&PM.mu);
	struct pipe_rt *p = find_rt(id);
	if (p) {
		if (p->last_received) {
			iso_time(p->last_received, t);
			json_object_set_new(j, "lastReceivedMessageTimestamp", json_string(t));
		}
		if (p->last_forwarded) {
			iso_time(p->last_forwarded, t);
			json_object_set_new(j, "lastForwardedMessageTimestamp", json_string(t));
			json_object_set_new(j, "lastForwardedFilePath", json_string(p->last_forwarded_path));
		}
		for (struct channel *c = PM.channels; arn && c; c = c->next)
			if (!strcmp(c->arn, arn) && c->last_pulled) {
				iso_time(c->last_pulled, t);
				json_object_set_new(j, "lastPulledFromChannelTimestamp", json_string(t));
			}
		if (p->last_error[0]) {
			json_object_set_new(j, "error", json_string(p->last_error));
			iso_time(p->last_error_time, t);
			json_object_set_new(j, "lastPipeErrorTimestamp", json_string(t));
		}
	}
	pthread_mutex_unlock(&PM.mu);
	if (err_when && !json_object_get(j, "lastPipeErrorTimestamp")) {
		iso_time(err_when, t);
		json_object_set_new(j, "lastPipeErrorTimestamp", json_string(t));
	}
	char *text = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(j);
	cat_obj_free(&o);
	const char *names[] = {d->column_label};
	static const char *const types[] = {"varchar"};
	struct rs r;
	rc = rs_begin(&r, sink, names, types, 1);
	if (!rc) {
		rs_text(&r, 0, text);
		rc = rs_row(&r);
	}
	rs_end(&r);
	free(text);
	st->has_result_set = true;
	st->rows = 1;
	return rc;
}
