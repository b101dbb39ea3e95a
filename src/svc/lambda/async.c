/* async.c — the durable queue of Event invocations, their retries, and
 * their destinations.
 *
 * An accepted Event invocation is a lambda_async row committed before the
 * 202 goes out (invoke.c), or in the transaction of whatever caused it
 * (the "lambda.invoke" bus topic, de-duplicated by outbox id). One
 * dispatcher thread runs the queue:
 *
 *   phase 'invoke' --submit--> running --success--> [OnSuccess record] -> gone
 *        ^   |  throttled: waits for a slot (not an attempt)
 *        |   |                          --failure--> attempts < 1+retries and
 *        +---+------------- retry delay <-----------  age < max age
 *                                       --exhausted / too old--> phase 'deliver'
 *   phase 'deliver' (one row per target: OnFailure destination, DLQ)
 *        --dest_send ok--> gone;  no such service yet --> retried each minute
 *
 * Invariants:
 *  1. A row leaves the table only in the transaction that records its
 *     outcome (its destination rows, or nothing), so a crash at any point
 *     replays it: at-least-once, as AWS promises for async invocations.
 *  2. A row is submitted at most once at a time (the in-flight set); rows
 *     in flight when nuage stops simply run again after the restart.
 *  3. Destinations are written with dest_send in the same transaction as
 *     the row's removal, so an SQS/SNS record commits with the outcome:
 *     SQS and SNS through the deliverers they register (sqs.c, sns_pub.c),
 *     Lambda as a queued Event invocation (deliver_to_lambda).
 *  4. Nothing is dispatched before the listener is bound (functions must
 *     know where nuage listens) — lambda_async_ready.
 */
#include "svc/lambda/lambda.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/rand.h"
#include "engine/bus.h"
#include "engine/dest.h"
#include "store/db.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_INFLIGHT 16
#define DELIVER_RETRY_MS 60000
#define DELIVER_MAX_AGE_MS (6LL * 3600 * 1000)
#define THROTTLE_WAIT_MS 250

struct done_rec {
	struct done_rec *next;
	int64_t id;
	bool failed;
	char error_type[96];
	char version[16];
	char *result;
	size_t rlen;
};

static struct {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	pthread_t thread;
	bool running, stop, kicked, ready;
	struct done_rec *done;
	int64_t inflight[MAX_INFLIGHT];
	int ninflight;
} A = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};

int lambda_async_enqueue(const char *account, const char *region, const char *name, const char *qualifier,
			 const char *request_id, const char *payload, size_t len, const char *source)
{
	int64_t now = clock_wall_ms();
	sqlite3_stmt *st = db_prep("INSERT INTO lambda_async(account, region, name, qualifier, request_id, payload, received, "
				   "next_attempt, source) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING");
	lambda_bind_fn(st, account, region, name);
	db_bind_text(st, 4, qualifier);
	db_bind_text(st, 5, request_id);
	sqlite3_bind_blob(st, 6, payload, (int)len, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 7, now);
	sqlite3_bind_int64(st, 8, now);
	db_bind_text(st, 9, source);
	return lambda_step(st);
}

int lambda_async_forget(const char *account, const char *region, const char *name)
{
	sqlite3_stmt *st = db_prep("DELETE FROM lambda_async WHERE account = ? AND region = ? AND name = ? AND phase = 'invoke'");
	lambda_bind_fn(st, account, region, name);
	return lambda_step(st);
}

void lambda_async_kick(void)
{
	pthread_mutex_lock(&A.mu);
	A.kicked = true;
	pthread_cond_signal(&A.cv);
	pthread_mutex_unlock(&A.mu);
}

void lambda_async_ready(void)
{
	pthread_mutex_lock(&A.mu);
	A.ready = true;
	A.kicked = true;
	pthread_cond_signal(&A.cv);
	pthread_mutex_unlock(&A.mu);
}

/* ---- completions (env threads) ---- */

static void on_done(struct lambda_inv *inv)
{
	struct done_rec *d = xcalloc(1, sizeof *d);
	d->id = (int64_t)(intptr_t)inv->arg;
	d->failed = inv->func_error[0] != 0;
	snprintf(d->error_type, sizeof d->error_type, "%s", inv->error_type);
	snprintf(d->version, sizeof d->version, "%s", inv->version);
	d->result = xmemdup(inv->result, inv->rlen + 1);
	d->rlen = inv->rlen;
	pthread_mutex_lock(&A.mu);
	if (A.running && !A.stop) {
		d->next = A.done;
		A.done = d;
		d = NULL;
		pthread_cond_signal(&A.cv);
	}
	pthread_mutex_unlock(&A.mu);
	if (d) {
		/* Stopping: the row stays and runs again after the restart. */
		free(d->result);
		free(d);
	}
}

/* ---- the dispatcher ---- */

struct row {
	int64_t id;
	char account[16], region[32], name[72], qualifier[136], request_id[40];
	char *payload;
	size_t len;
	int64_t received;
	int attempts, throttles;
	char phase[12];
	char *dest, *record;
	bool throttled; /* set when this pass could not start it */
};

static void row_free(struct row *r)
{
	free(r->payload);
	free(r->dest);
	free(r->record);
}

static int load_row(sqlite3_stmt *st, struct row *r)
{
	memset(r, 0, sizeof *r);
	r->id = sqlite3_column_int64(st, 0);
	snprintf(r->account, sizeof r->account, "%s", db_col_text(st, 1));
	snprintf(r->region, sizeof r->region, "%s", db_col_text(st, 2));
	snprintf(r->name, sizeof r->name, "%s", db_col_text(st, 3));
	snprintf(r->qualifier, sizeof r->qualifier, "%s", db_col_text(st, 4));
	snprintf(r->request_id, sizeof r->request_id, "%s", db_col_text(st, 5));
	r->len = (size_t)sqlite3_column_bytes(st, 6);
	r->payload = xmalloc(r->len + 1);
	memcpy(r->payload, sqlite3_column_blob(st, 6) ? sqlite3_column_blob(st, 6) : "", r->len);
	r->payload[r->len] = 0;
	r->received = sqlite3_column_int64(st, 7);
	r->attempts = sqlite3_column_int(st, 8);
	r->throttles = sqlite3_column_int(st, 9);
	snprintf(r->phase, sizeof r->phase, "%s", db_col_text(st, 10));
	r->dest = db_col_text(st, 11) ? xstrdup(db_col_text(st, 11)) : NULL;
	r->record = db_col_text(st, 12) ? xstrdup(db_col_text(st, 12)) : NULL;
	return 0;
}

#define ROW_COLS                                                                                                      \
	"SELECT id, account, region, name, qualifier, request_id, payload, received, attempts, throttles, phase, dest, " \
	"record FROM lambda_async "

static bool in_flight(int64_t id)
{
	for (int i = 0; i < A.ninflight; i++)
		if (A.inflight[i] == id)
			return true;
	return false;
}

static void inflight_remove(int64_t id)
{
	pthread_mutex_lock(&A.mu);
	for (int i = 0; i < A.ninflight; i++)
		if (A.inflight[i] == id) {
			A.inflight[i] = A.inflight[--A.ninflight];
			break;
		}
	pthread_mutex_unlock(&A.mu);
}

static int exec_sql_id(const char *sql, int64_t id, int64_t v)
{
	sqlite3_stmt *st = db_prep(sql);
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, v);
	return lambda_step(st);
}

static int delete_row(int64_t id)
{
	sqlite3_stmt *st = db_prep("DELETE FROM lambda_async WHERE id = ?");
	sqlite3_bind_int64(st, 1, id);
	return lambda_step(st);
}

/* Inside a transaction: a 'deliver' row for one target. A delivery row
 * keeps the message in `record` and its attributes (JSON, DLQs only) in
 * `payload`. */
static int add_delivery(const struct row *r, const char *dest, const char *body, const char *attrs)
{
	int64_t now = clock_wall_ms();
	sqlite3_stmt *st = db_prep("INSERT INTO lambda_async(account, region, name, qualifier, request_id, payload, received, "
				   "next_attempt, phase, dest, record) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'deliver', ?, ?)");
	lambda_bind_fn(st, r->account, r->region, r->name);
	db_bind_text(st, 4, r->qualifier);
	db_bind_text(st, 5, r->request_id);
	sqlite3_bind_blob(st, 6, attrs ? attrs : "", attrs ? (int)strlen(attrs) : 0, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 7, now);
	sqlite3_bind_int64(st, 8, now);
	db_bind_text(st, 9, dest);
	db_bind_text(st, 10, body);
	return lambda_step(st);
}

/* The invocation record AWS sends to destinations. */
static char *invocation_record(const struct row *r, const char *condition, int invokes, const struct done_rec *d)
{
	char ts[32];
	time_fmt_iso8601(clock_wall_ms(), ts);
	struct arena a;
	arena_init(&a);
	json_t *payload = json_loadb(r->payload, r->len, JSON_DECODE_ANY, NULL);
	json_t *rec = json_pack("{s:s,s:s,s:{s:s,s:s,s:s,s:i},s:o}", "version", "1.0", "timestamp", ts, "requestContext",
				"requestId", r->request_id, "functionArn",
				lambda_arn(&a, r->region, r->account, r->name, r->qualifier), "condition", condition,
				"approximateInvokeCount", invokes, "requestPayload", payload ? payload : json_null());
	if (d) {
		json_t *resp = json_pack("{s:i,s:s}", "statusCode", 200, "executedVersion", d->version[0] ? d->version : "$LATEST");
		if (d->failed)
			json_object_set_new(resp, "functionError", json_string("Unhandled"));
		json_object_set_new(rec, "responseContext", resp);
		json_t *rp = json_loadb(d->result, d->rlen, JSON_DECODE_ANY, NULL);
		json_object_set_new(rec, "responsePayload", rp ? rp : json_stringn(d->result, d->rlen));
	}
	char *s = json_dumps(rec, JSON_COMPACT);
	json_decref(rec);
	arena_free(&a);
	return s;
}

/* The function's dead-letter queue, from its configuration. */
static char *dlq_of(const struct row *r)
{
	struct arena a;
	arena_init(&a);
	char version[140];
	char *dlq = NULL;
	struct fnver v;
	if (!lambda_resolve_qualifier(r->account, r->region, r->name, r->qualifier, version, sizeof version) &&
	    !lambda_load_version(&a, r->account, r->region, r->name, version, &v)) {
		const char *t = json_string_value(json_object_get(json_object_get(v.config, "DeadLetterConfig"), "TargetArn"));
		if (t && *t)
			dlq = xstrdup(t);
		lambda_fnver_done(&v);
	}
	arena_free(&a);
	return dlq;
}

/* An invocation's final outcome: destinations queued, row gone. */
static void conclude(const struct row *r, const char *condition, int invokes, const struct done_rec *d, bool success)
{
	struct lambda_eic eic;
	lambda_eic_load(r->account, r->region, r->name, r->qualifier, &eic);
	const char *dest = success ? eic.on_success : eic.on_failure;
	char *dlq = success ? NULL : dlq_of(r);
	if (db_begin())
		goto out;
	int rc = 0;
	if (*dest) {
		char *rec = invocation_record(r, condition, invokes, d);
		rc |= add_delivery(r, dest, rec, NULL);
		free(rec);
	}
	if (dlq) {
		/* A DLQ gets the original event, with the error as attributes. */
		json_t *a = json_pack("{s:s,s:s,s:s}", "RequestID", r->request_id, "ErrorCode", "200", "ErrorMessage",
				      d && d->error_type[0] ? d->error_type : condition);
		char *attrs = json_dumps(a, JSON_COMPACT);
		json_decref(a);
		rc |= add_delivery(r, dlq, r->payload, attrs);
		free(attrs);
	}
	rc |= delete_row(r->id);
	if (rc)
		db_rollback();
	else
		db_commit();
	if (!success)
		log_info("lambda: async invocation %s of %s ended (%s) after %d attempt%s%s%s", r->request_id, r->name, condition,
			 invokes, invokes == 1 ? "" : "s", *dest ? ", record sent to " : "", dest);
out:
	free(dlq);
}

/* A finished attempt. */
static void complete(struct done_rec *d)
{
	sqlite3_stmt *st = db_prep(ROW_COLS "WHERE id = ?");
	sqlite3_bind_int64(st, 1, d->id);
	struct row r;
	bool found = sqlite3_step(st) == SQLITE_ROW && !load_row(st, &r);
	db_done(st);
	if (!found)
		return;
	int invokes = r.attempts + 1;
	/* A slot of this function is free: its waiting events are due now. */
	if (db_begin() == 0) {
		st = db_prep("UPDATE lambda_async SET waiting = 0, next_attempt = ?1 WHERE account = ?2 AND region = ?3 "
			     "AND name = ?4 AND waiting = 1");
		sqlite3_bind_int64(st, 1, clock_wall_ms());
		db_bind_text(st, 2, r.account);
		db_bind_text(st, 3, r.region);
		db_bind_text(st, 4, r.name);
		lambda_settle(lambda_step(st));
	}
	if (!d->failed) {
		conclude(&r, "Success", invokes, d, true);
	} else {
		struct lambda_eic eic;
		lambda_eic_load(r.account, r.region, r.name, r.qualifier, &eic);
		int64_t now = clock_wall_ms();
		int64_t delay = (int64_t)lambda_cfg.retry_ms << (invokes > 1 ? 1 : 0);
		bool too_old = now + delay - r.received > (int64_t)eic.max_age_s * 1000;
		if (invokes <= eic.retries && !too_old) {
			if (db_begin() == 0) {
				int rc = exec_sql_id("UPDATE lambda_async SET attempts = attempts + 1, waiting = 0, "
						     "next_attempt = ?2 WHERE id = ?1",
						     r.id, now + delay);
				if (rc)
					db_rollback();
				else
					db_commit();
			}
		} else {
			conclude(&r, invokes <= eic.retries ? "EventAgeExceeded" : "RetriesExhausted", invokes, d, false);
		}
	}
	row_free(&r);
}

static void deliver(struct row *r)
{
	char err[256] = "";
	int64_t now = clock_wall_ms();
	if (db_begin())
		return;
	const char *body = r->record ? r->record : "";
	const char *attrs = r->len ? r->payload : NULL;
	struct dest_msg m = {.body = body, .len = strlen(body), .attrs_json = attrs};
	int rc = dest_send(r->dest, &m, err, sizeof err);
	if (rc == 0 && delete_row(r->id) == 0) {
		db_commit();
		dest_after_commit(); /* wakes receivers of an SQS destination */
	} else {
		db_rollback();
		dest_after_commit();
		bool expired = now - r->received > DELIVER_MAX_AGE_MS;
		if (db_begin() == 0) {
			int x = expired ? delete_row(r->id)
					: exec_sql_id("UPDATE lambda_async SET attempts = attempts + 1, next_attempt = ?2 WHERE id = ?1",
						      r->id, now + DELIVER_RETRY_MS);
			if (x)
				db_rollback();
			else
				db_commit();
		}
		if (r->attempts == 0 || expired)
			log_warn("lambda: cannot deliver the record of %s to %s: %s%s", r->request_id, r->dest, err,
				 expired ? " (given up after 6 hours)" : " (retrying every minute)");
	}
}

static void on_submit_error(struct row *r, enum lambda_submit s, const char *why)
{
	if (s == SUBMIT_STOPPING)
		return;
	r->throttled = true;
	int64_t now = clock_wall_ms();
	struct lambda_eic eic;
	lambda_eic_load(r->account, r->region, r->name, r->qualifier, &eic);
	if (now - r->received > (int64_t)eic.max_age_s * 1000) {
		conclude(r, "EventAgeExceeded", r->attempts, NULL, false);
		return;
	}
	/* Throttled: this event and the function's other due events wait for
	 * a slot without using an attempt; the function's next finished
	 * invocation makes them due again (complete), the clock otherwise. */
	if (db_begin() == 0) {
		sqlite3_stmt *st = db_prep("UPDATE lambda_async SET waiting = 1, throttles = throttles + 1, next_attempt = ?1 "
					   "WHERE account = ?2 AND region = ?3 AND name = ?4 AND phase = 'invoke' "
					   "AND next_attempt <= ?5");
		sqlite3_bind_int64(st, 1, now + THROTTLE_WAIT_MS);
		db_bind_text(st, 2, r->account);
		db_bind_text(st, 3, r->region);
		db_bind_text(st, 4, r->name);
		sqlite3_bind_int64(st, 5, now);
		lambda_settle(lambda_step(st));
	}
	if (why && !r->throttles)
		log_info("lambda: async invocation %s of %s delayed: %s", r->request_id, r->name, why);
}

static void dispatch(struct row *r)
{
	if (!strcmp(r->phase, "deliver")) {
		deliver(r);
		return;
	}
	struct arena a;
	arena_init(&a);
	struct lambda_target t;
	char why[512];
	int rc = lambda_target_load(&a, r->account, r->region, r->name, r->qualifier, &t, why, sizeof why);
	if (rc == 1 || rc == 3) {
		/* The function (or qualifier) is gone, or can never run: fail it. */
		struct done_rec d = {.failed = true};
		snprintf(d.error_type, sizeof d.error_type, "%s", rc == 1 ? "ResourceNotFoundException" : "InvalidRuntimeException");
		d.result = rc == 1 ? "{\"errorType\":\"ResourceNotFoundException\",\"errorMessage\":\"Function not found\"}"
				   : "{\"errorType\":\"InvalidRuntimeException\",\"errorMessage\":\"unsupported runtime\"}";
		d.rlen = strlen(d.result);
		if (rc == 1 && !lambda_function_exists(r->account, r->region, r->name)) {
			if (db_begin() == 0 && !delete_row(r->id))
				db_commit();
			else if (db_in_txn())
				db_rollback();
		} else {
			conclude(r, "RetriesExhausted", r->attempts, &d, false);
		}
	} else if (rc) {
		on_submit_error(r, SUBMIT_THROTTLED_FUNCTION, why);
	} else {
		struct lambda_inv *inv = lambda_inv_new(r->payload, r->len);
		snprintf(inv->request_id, sizeof inv->request_id, "%s", r->request_id);
		inv->invoked_arn = xstrdup(t.invoked_arn);
		inv->done = on_done;
		inv->arg = (void *)(intptr_t)r->id;
		pthread_mutex_lock(&A.mu);
		A.inflight[A.ninflight++] = r->id;
		pthread_mutex_unlock(&A.mu);
		enum lambda_submit s = lambda_exec_submit(&t.fn, inv);
		if (s != SUBMIT_OK) {
			inflight_remove(r->id);
			on_submit_error(r, s, NULL);
		}
		lambda_inv_release(inv);
		lambda_fnver_done(&t.v);
	}
	arena_free(&a);
}

/* Due rows not in flight, oldest first. Returns how many were started;
 * *throttled tells whether some had to wait for a slot. */
static int run_due(bool *throttled_out)
{
	int free_slots;
	pthread_mutex_lock(&A.mu);
	free_slots = MAX_INFLIGHT - A.ninflight;
	pthread_mutex_unlock(&A.mu);
	if (free_slots <= 0)
		return 0;
	sqlite3_stmt *st = db_prep(ROW_COLS "WHERE next_attempt <= ? ORDER BY next_attempt, id LIMIT ?");
	sqlite3_bind_int64(st, 1, clock_wall_ms());
	sqlite3_bind_int(st, 2, MAX_INFLIGHT * 2);
	struct row rows[MAX_INFLIGHT * 2];
	int n = 0;
	while (n < MAX_INFLIGHT * 2 && sqlite3_step(st) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(st, 0);
		pthread_mutex_lock(&A.mu);
		bool busy = in_flight(id);
		pthread_mutex_unlock(&A.mu);
		if (!busy)
			load_row(st, &rows[n++]);
	}
	db_done(st);
	int started = 0;
	for (int i = 0; i < n; i++) {
		bool room;
		pthread_mutex_lock(&A.mu);
		room = A.ninflight < MAX_INFLIGHT && !A.stop;
		pthread_mutex_unlock(&A.mu);
		/* One throttle per function per pass: the rest wait their turn. */
		bool throttled = false;
		for (int j = 0; j < i && !throttled; j++)
			throttled = rows[j].throttled && !strcmp(rows[j].name, rows[i].name) &&
				    !strcmp(rows[j].account, rows[i].account) && !strcmp(rows[j].region, rows[i].region);
		if (room && !throttled) {
			dispatch(&rows[i]);
			started++;
		}
		if (throttled)
			rows[i].throttled = true;
	}
	for (int i = 0; i < n; i++) {
		*throttled_out |= rows[i].throttled;
		row_free(&rows[i]);
	}
	return started;
}

static int64_t next_due_ms(void)
{
	sqlite3_stmt *st = db_prep("SELECT min(next_attempt) FROM lambda_async");
	int64_t v = -1;
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
		v = sqlite3_column_int64(st, 0);
	db_done(st);
	return v;
}

static void *dispatcher(void *arg)
{
	(void)arg;
	for (;;) {
		pthread_mutex_lock(&A.mu);
		struct done_rec *done = A.done;
		A.done = NULL;
		bool stop = A.stop, ready = A.ready;
		A.kicked = false;
		pthread_mutex_unlock(&A.mu);
		if (stop)
			break;
		while (done) {
			struct done_rec *next = done->next;
			complete(done);
			inflight_remove(done->id);
			free(done->result);
			free(done);
			done = next;
		}
		bool throttled = false;
		if (ready)
			run_due(&throttled);
		int64_t next = next_due_ms();
		db_release();
		pthread_mutex_lock(&A.mu);
		if (!A.kicked && !A.done && !A.stop) {
			int64_t wait = next < 0 ? 1000 : next - clock_wall_ms();
			if (wait > 1000)
				wait = 1000;
			if (A.ninflight >= MAX_INFLIGHT)
				wait = 1000;
			/* Rows waiting for a slot stay due: a finishing invocation
			 * (a kick) or this pause brings the next pass. */
			if (throttled && wait < THROTTLE_WAIT_MS)
				wait = THROTTLE_WAIT_MS;
			if (wait > 0) {
				struct timespec ts;
				clock_deadline(CLOCK_REALTIME, wait * 1000, &ts);
				pthread_cond_timedwait(&A.cv, &A.mu, &ts);
			}
		}
		pthread_mutex_unlock(&A.mu);
	}
	db_release();
	return NULL;
}

/* ---- entry points for other services ---- */

/* "lambda.invoke" outbox events: queue them, once per outbox id. */
static int on_bus_invoke(int64_t id, const char *topic, const char *payload, void *arg)
{
	(void)topic;
	(void)arg;
	json_t *doc = json_loads(payload, 0, NULL);
	const char *account = json_string_value(json_object_get(doc, "account"));
	const char *region = json_string_value(json_object_get(doc, "region"));
	const char *fn = json_string_value(json_object_get(doc, "function"));
	const char *q = json_string_value(json_object_get(doc, "qualifier"));
	json_t *event = json_object_get(doc, "payload");
	struct fnref r;
	char err[256], src[48], rid[37];
	int rc = 0;
	if (!account || !region || !fn || lambda_parse_ref(account, region, fn, &r, err, sizeof err)) {
		log_error("lambda: ignoring a malformed lambda.invoke event %lld", (long long)id);
		goto out;
	}
	char *body = event ? json_dumps(event, JSON_COMPACT | JSON_ENCODE_ANY) : xstrdup("{}");
	snprintf(src, sizeof src, "bus:%lld", (long long)id);
	uuid4(rid);
	if (db_begin() == 0) {
		const char *qual = q ? q : r.qualifier[0] ? r.qualifier : LAMBDA_LATEST;
		if (lambda_async_enqueue(account, region, r.name, qual, rid, body, strlen(body), src) || db_commit()) {
			if (db_in_txn())
				db_rollback();
			rc = -1;
		}
	} else {
		rc = -1;
	}
	free(body);
	if (!rc)
		lambda_async_kick();
out:
	json_decref(doc);
	db_release();
	return rc;
}

/* Lambda as a destination: the record becomes an Event invocation; the
 * dispatcher is woken by dest_after_commit once the sender has committed. */
static int deliver_to_lambda(const char *arn, const struct dest_msg *m, char *err, size_t errlen)
{
	/* arn:aws:lambda:REGION:ACCOUNT:function:NAME[:Q] */
	char region[32] = "", account[16] = "";
	if (sscanf(arn, "arn:aws:lambda:%31[^:]:%15[^:]:", region, account) != 2) {
		snprintf(err, errlen, "%s is not a function ARN", arn);
		return -1;
	}
	struct fnref r;
	if (lambda_parse_ref(account, region, arn, &r, err, errlen))
		return -1;
	if (!lambda_function_exists(account, region, r.name)) {
		snprintf(err, errlen, "Function not found: %s", arn);
		return -1;
	}
	if (m->check_only)
		return 0;
	char rid[37];
	uuid4(rid);
	if (lambda_async_enqueue(account, region, r.name, r.qualifier[0] ? r.qualifier : LAMBDA_LATEST, rid, m->body, m->len,
				 m->dedup_key)) {
		snprintf(err, errlen, "cannot queue the invocation");
		return -1;
	}
	return 0;
}

int lambda_async_start(void)
{
	dest_register("lambda", deliver_to_lambda, lambda_async_kick);
	bus_subscribe("lambda.invoke", "lambda.invoke", on_bus_invoke, NULL);
	pthread_mutex_lock(&A.mu);
	A.stop = false;
	A.ready = false;
	pthread_mutex_unlock(&A.mu);
	if (pthread_create(&A.thread, NULL, dispatcher, NULL))
		return -1;
	pthread_mutex_lock(&A.mu);
	A.running = true;
	pthread_mutex_unlock(&A.mu);
	return 0;
}

void lambda_async_stop(void)
{
	pthread_mutex_lock(&A.mu);
	if (!A.running) {
		pthread_mutex_unlock(&A.mu);
		return;
	}
	A.stop = true;
	pthread_cond_signal(&A.cv);
	pthread_mutex_unlock(&A.mu);
	pthread_join(A.thread, NULL);
	pthread_mutex_lock(&A.mu);
	A.running = false;
	struct done_rec *d = A.done;
	A.done = NULL;
	A.ninflight = 0;
	pthread_mutex_unlock(&A.mu);
	while (d) {
		struct done_rec *n = d->next;
		free(d->result);
		free(d);
		d = n;
	}
}
