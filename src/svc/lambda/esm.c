/* esm.c — event-source mappings from SQS queues: Create/Get/List/Update/
 * DeleteEventSourceMapping, and the pollers that run them.
 *
 * A mapping is a row of lambda_esm. Each enabled mapping has one poller
 * thread that long-polls the queue (engine/queue.h, the SQS queues'
 * machinery), gathers a batch (BatchSize, within MaximumBatchingWindow-
 * InSeconds, at most 6 MB of event), drops the records no FilterCriteria
 * pattern matches (deleting them, as Lambda does for SQS), invokes the
 * function synchronously with the SQS event AWS sends, and then:
 *   - success: deletes the batch; with ReportBatchItemFailures, all but the
 *     records named in batchItemFailures (a malformed answer, or one naming
 *     an id not in the batch, fails the whole batch, as on AWS);
 *   - function error, timeout, throttling: deletes nothing. The messages
 *     come back after the queue's visibility timeout, and the queue's own
 *     RedrivePolicy moves them to its dead-letter queue after
 *     maxReceiveCount receives.
 * Deliveries are at least once: a crash while a batch runs lets the batch
 * reappear after the visibility timeout, as on AWS.
 *
 * Invariants:
 *  1. At most one poller per mapping; a poller re-reads its row before
 *     every receive and stops when the row is gone or disabled (so Update
 *     and Delete take effect within one long-poll wait, ~1 s).
 *  2. Pollers start after nuage listens (functions call back into it) and
 *     are joined before the execution engine stops.
 * Not modelled: several pollers per mapping (ScalingConfig's
 * MaximumConcurrency is stored and reported; a mapping runs one batch at a
 * time), sources other than SQS (Kinesis, DynamoDB streams, Kafka, MQ,
 * DocumentDB are refused), OnFailure destinations of stream sources.
 */
#include "svc/lambda/lambda.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/rand.h"
#include "engine/queue.h"
#include "match/match.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_FILTERS 5
#define MAX_EVENT_BYTES (6 * 1024 * 1024)
#define POLL_WAIT_MS 1000
#define PROBLEM_PAUSE_MS 1000

#define ESM_COLS                                                                                                         \
	"SELECT uuid, account, region, function, qualifier, source_arn, batch_size, window_s, enabled, filters,"        \
	" response_types, max_concurrency, modified, last_result, state_reason FROM lambda_esm "

/* One mapping as stored. Strings are malloc'd (esm_free). */
struct esm {
	char *uuid, *account, *region, *function, *qualifier, *source;
	int batch_size, window_s;
	bool enabled, report_failures;
	char *filters;         /* FilterCriteria JSON, or NULL */
	int max_concurrency;   /* 0: not set */
	int64_t modified;
	char *last_result, *state_reason;
};

static void esm_free(struct esm *e)
{
	free(e->uuid);
	free(e->account);
	free(e->region);
	free(e->function);
	free(e->qualifier);
	free(e->source);
	free(e->filters);
	free(e->last_result);
	free(e->state_reason);
	memset(e, 0, sizeof *e);
}

static char *col(sqlite3_stmt *st, int i)
{
	const char *s = db_col_text(st, i);
	return s ? xstrdup(s) : NULL;
}

static void esm_from_row(sqlite3_stmt *st, struct esm *e)
{
	e->uuid = col(st, 0);
	e->account = col(st, 1);
	e->region = col(st, 2);
	e->function = col(st, 3);
	e->qualifier = col(st, 4);
	e->source = col(st, 5);
	e->batch_size = sqlite3_column_int(st, 6);
	e->window_s = sqlite3_column_int(st, 7);
	e->enabled = sqlite3_column_int(st, 8);
	e->filters = col(st, 9);
	const char *rt = db_col_text(st, 10);
	e->report_failures = rt && strstr(rt, "ReportBatchItemFailures");
	e->max_concurrency = sqlite3_column_int(st, 11);
	e->modified = sqlite3_column_int64(st, 12);
	e->last_result = col(st, 13);
	e->state_reason = col(st, 14);
}

/* 0 found, 1 not found, -1 error. */
static int esm_load(const char *uuid, struct esm *e)
{
	memset(e, 0, sizeof *e);
	sqlite3_stmt *st = db_prep(ESM_COLS "WHERE uuid = ?");
	db_bind_text(st, 1, uuid);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		esm_from_row(st, e);
	db_done(st);
	return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? 1 : -1;
}

/* ------------------------------------------------------------------ */
/* the API                                                             */

/* EventSourceMappingConfiguration as Lambda answers it. */
static json_t *render(struct call *c, const struct esm *e, const char *state)
{
	json_t *o = json_object();
	json_object_set_new(o, "UUID", json_string(e->uuid));
	json_object_set_new(o, "BatchSize", json_integer(e->batch_size));
	json_object_set_new(o, "MaximumBatchingWindowInSeconds", json_integer(e->window_s));
	json_object_set_new(o, "EventSourceArn", json_string(e->source));
	json_object_set_new(o, "FunctionArn",
			    json_string(lambda_arn(c->arena, e->region, e->account, e->function, e->qualifier)));
	json_object_set_new(o, "LastModified", json_real((double)e->modified / 1000.0));
	json_object_set_new(o, "LastProcessingResult", json_string(e->last_result ? e->last_result : "No records processed"));
	json_object_set_new(o, "State", json_string(state ? state : e->enabled ? "Enabled" : "Disabled"));
	json_object_set_new(o, "StateTransitionReason", json_string(e->state_reason ? e->state_reason : "USER_INITIATED"));
	json_t *f = e->filters ? json_loads(e->filters, 0, NULL) : NULL;
	if (f)
		json_object_set_new(o, "FilterCriteria", f);
	json_object_set_new(o, "FunctionResponseTypes",
			    e->report_failures ? json_pack("[s]", "ReportBatchItemFailures") : json_array());
	if (e->max_concurrency)
		json_object_set_new(o, "ScalingConfig", json_pack("{s:i}", "MaximumConcurrency", e->max_concurrency));
	json_object_set_new(o, "EventSourceMappingArn",
			    json_string(arena_printf(c->arena, "arn:aws:lambda:%s:%s:event-source-mapping:%s", e->region,
						     e->account, e->uuid)));
	return o;
}

/* arn:aws:sqs:REGION:ACCOUNT:NAME, in the caller's account and region. */
static int check_source(struct call *c, const char *arn)
{
	char region[64], account[16];
	int n = 0;
	if (!arn)
		return call_error(c, ERR_LAMBDA_INVALID_PARAMETER, "EventSourceArn is required.");
	if (sscanf(arn, "arn:aws:sqs:%63[^:]:%15[^:]:%*[^:]%n", region, account, &n) != 2 || !n || arn[n])
		return call_error(c, ERR_LAMBDA_INVALID_PARAMETER,
				  strncmp(arn, "arn:aws:", 8) ? "Invalid EventSourceArn: %s"
							      : "nuage supports SQS event sources only (%s is not an SQS queue ARN).",
				  arn);
	if (strcmp(region, c->region) || strcmp(account, c->who.account))
		return call_error(c, ERR_LAMBDA_INVALID_PARAMETER, "The event source %s is not in this account and region.",
				  arn);
	return 0;
}

/* FilterCriteria: up to 5 patterns in EventBridge's grammar. Stores the
 * canonical JSON in *out (malloc'd) or NULL for none. */
static int check_filters(struct call *c, json_t *fc, char **out)
{
	*out = NULL;
	json_t *filters = json_object_get(fc, "Filters");
	if (!fc || !json_array_size(filters))
		return 0;
	if (json_array_size(filters) > MAX_FILTERS)
		return call_error(c, ERR_LAMBDA_INVALID_PARAMETER, "The number of filters exceeds the quota of 5.");
	size_t i;
	json_t *f;
	json_array_foreach(filters, i, f)
	{
		const char *p = json_string_value(json_object_get(f, "Pattern"));
		match_pattern *mp = NULL;
		struct match_error err;
		if (!p || match_pattern_compile(p, strlen(p), MATCH_EVENTBRIDGE, 0, &mp, &err))
			return call_error(c, ERR_LAMBDA_INVALID_PARAMETER, "Invalid filter pattern definition. %s",
					  p ? err.message : "A Pattern is required.");
		match_pattern_free(mp);
	}
	*out = json_dumps(fc, JSON_COMPACT);
	return 0;
}

/* The settings Create and Update share, checked against the queue and the
 * function. e holds the current values (Create: defaults) and is updated. */
static int apply_settings(struct call *c, struct esm *e)
{
	json_t *v;
	if ((v = call_get(c, "BatchSize")))
		e->batch_size = (int)json_integer_value(v);
	if ((v = call_get(c, "MaximumBatchingWindowInSeconds")))
		e->window_s = (int)json_integer_value(v);
	if ((v = call_get(c, "Enabled")))
		e->enabled = json_is_true(v);
	if ((v = call_get(c, "FunctionResponseTypes"))) {
		e->report_failures = false;
		size_t i;
		json_t *t;
		json_array_foreach(v, i, t)
		{
			if (strcmp(json_string_value(t) ? json_string_value(t) : "", "ReportBatchItemFailures"))
				return call_error(c, ERR_LAMBDA_INVALID_PARAMETER, "Unsupported FunctionResponseType: %s",
						  json_string_value(t) ? json_string_value(t) : "");
			e->report_failures = true;
		}
	}
	if ((v = call_get(c, "FilterCriteria"))) {
		char *f;
		if (check_filters(c, v, &f))
			return -1;
		free(e->filters);
		e->filters = f;
	}
	if ((v = call_get(c, "ScalingConfig"))) {
		json_t *mc = json_object_get(v, "MaximumConcurrency");
		if (mc && (json_integer_value(mc) < 2 || json_integer_value(mc) > 1000))
			return call_error(c, ERR_LAMBDA_INVALID_PARAMETER, "MaximumConcurrency must be between 2 and 1000.");
		e->max_concurrency = mc ? (int)json_integer_value(mc) : 0;
	}
	struct queue_conf q;
	if (queue_get(e->source, &q) != QE_OK)
		return call_error(c, ERR_LAMBDA_INVALID_PARAMETER,
				  "Error occurred while ReceiveMessage. SQS Error Code: AWS.SimpleQueueService.NonExistentQueue. "
				  "SQS Error Message: The specified queue does not exist (%s).",
				  e->source);
	int max_batch = q.fifo ? 10 : 10000;
	if (e->batch_size < 1 || e->batch_size > max_batch)
		return call_error(c, ERR_LAMBDA_INVALID_PARAMETER,
				  "BatchSize must be between 1 and %d for %s queues (got %d).", max_batch,
				  q.fifo ? "FIFO" : "standard", e->batch_size);
	if (e->window_s < 0 || e->window_s > 300)
		return call_error(c, ERR_LAMBDA_INVALID_PARAMETER, "MaximumBatchingWindowInSeconds must be between 0 and 300.");
	if (q.fifo && e->window_s)
		return call_error(c, ERR_LAMBDA_INVALID_PARAMETER, "Batching window is not supported for FIFO queues.");
	if (e->batch_size > 10 && !e->window_s)
		return call_error(c, ERR_LAMBDA_INVALID_PARAMETER, "Maximum batch window in seconds must be greater than 0 "
								   "if maximum batch size is greater than 10");
	/* Lambda refuses a queue that would show messages again while the
	 * function may still be running. */
	char version[16];
	struct fnver fv;
	int64_t timeout_s = 3;
	if (lambda_resolve_qualifier(e->account, e->region, e->function, e->qualifier, version, sizeof version) == 0 &&
	    lambda_load_version(c->arena, e->account, e->region, e->function, version, &fv) == 0) {
		timeout_s = json_integer_value(json_object_get(fv.config, "Timeout"));
		lambda_fnver_done(&fv);
	}
	if (q.visibility_ms / 1000 < timeout_s)
		return call_error(c, ERR_LAMBDA_INVALID_PARAMETER,
				  "Queue visibility timeout: %lld seconds is less than Function timeout: %lld seconds",
				  (long long)(q.visibility_ms / 1000), (long long)timeout_s);
	return 0;
}

/* FunctionName: the function must exist (and its qualifier). */
static int resolve_function(struct call *c, struct esm *e)
{
	struct fnref r;
	if (lambda_parse_fn(c, call_str(c, "FunctionName"), NULL, true, &r))
		return -1;
	char version[16];
	int rc = lambda_function_exists(c->who.account, c->region, r.name)
			 ? lambda_resolve_qualifier(c->who.account, c->region, r.name, r.qualifier[0] ? r.qualifier : NULL,
						    version, sizeof version)
			 : 1;
	if (rc < 0)
		return lambda_db_error(c);
	if (rc)
		return lambda_err_not_found(c, r.name, r.qualifier[0] ? r.qualifier : NULL);
	free(e->function);
	free(e->qualifier);
	e->function = xstrdup(r.name);
	e->qualifier = xstrdup(r.qualifier);
	return 0;
}

static int save(struct esm *e)
{
	sqlite3_stmt *st = db_prep("INSERT OR REPLACE INTO lambda_esm(uuid, account, region, function, qualifier, "
				   "source_arn, batch_size, window_s, enabled, filters, response_types, max_concurrency, "
				   "modified, last_result, state_reason) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
	db_bind_text(st, 1, e->uuid);
	db_bind_text(st, 2, e->account);
	db_bind_text(st, 3, e->region);
	db_bind_text(st, 4, e->function);
	db_bind_text(st, 5, e->qualifier);
	db_bind_text(st, 6, e->source);
	sqlite3_bind_int(st, 7, e->batch_size);
	sqlite3_bind_int(st, 8, e->window_s);
	sqlite3_bind_int(st, 9, e->enabled);
	db_bind_text(st, 10, e->filters);
	db_bind_text(st, 11, e->report_failures ? "[\"ReportBatchItemFailures\"]" : NULL);
	sqlite3_bind_int(st, 12, e->max_concurrency);
	sqlite3_bind_int64(st, 13, e->modified);
	db_bind_text(st, 14, e->last_result);
	db_bind_text(st, 15, e->state_reason);
	int rc = sqlite3_step(st);
	db_done(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

static void pollers_sync(void);

int lambda_create_esm(struct call *c)
{
	struct esm e = {.batch_size = 10, .enabled = true};
	e.account = xstrdup(c->who.account);
	e.region = xstrdup(c->region);
	const char *src = call_str(c, "EventSourceArn");
	int rc = check_source(c, src) || resolve_function(c, &e);
	if (!rc) {
		e.source = xstrdup(src);
		rc = apply_settings(c, &e);
	}
	if (!rc) {
		sqlite3_stmt *st = db_prep("SELECT uuid FROM lambda_esm WHERE account = ? AND region = ? AND function = ? "
					   "AND source_arn = ?");
		lambda_bind_fn(st, e.account, e.region, e.function);
		db_bind_text(st, 4, e.source);
		if (sqlite3_step(st) == SQLITE_ROW)
			rc = call_error(c, ERR_LAMBDA_CONFLICT,
					"An event source mapping with SQS arn (\" %s \") and function (\" %s \") already "
					"exists. Please update or delete the existing mapping with UUID %s",
					e.source, e.function, db_col_text(st, 0));
		db_done(st);
	}
	if (!rc) {
		char u[37];
		uuid4(u);
		e.uuid = xstrdup(u);
		e.modified = clock_wall_ms();
		rc = db_begin() ? lambda_db_error(c) : lambda_end_write(c, save(&e) ? lambda_db_error(c) : 0);
	}
	if (!rc) {
		c->output = render(c, &e, "Creating");
		pollers_sync();
	}
	esm_free(&e);
	return rc;
}

static int load_for_call(struct call *c, struct esm *e)
{
	const char *uuid = call_str(c, "UUID");
	int rc = uuid ? esm_load(uuid, e) : 1;
	if (rc < 0)
		return lambda_db_error(c);
	if (rc || strcmp(e->account, c->who.account) || strcmp(e->region, c->region)) {
		esm_free(e);
		return call_error(c, ERR_LAMBDA_NOT_FOUND, "The resource you requested does not exist.");
	}
	return 0;
}

int lambda_get_esm(struct call *c)
{
	struct esm e;
	if (load_for_call(c, &e))
		return -1;
	c->output = render(c, &e, NULL);
	esm_free(&e);
	return 0;
}

int lambda_update_esm(struct call *c)
{
	struct esm e;
	if (load_for_call(c, &e))
		return -1;
	bool was = e.enabled;
	int rc = call_str(c, "FunctionName") ? resolve_function(c, &e) : 0;
	if (!rc)
		rc = apply_settings(c, &e);
	if (!rc) {
		e.modified = clock_wall_ms();
		rc = db_begin() ? lambda_db_error(c) : lambda_end_write(c, save(&e) ? lambda_db_error(c) : 0);
	}
	if (!rc) {
		c->output = render(c, &e, e.enabled == was ? "Updating" : e.enabled ? "Enabling" : "Disabling");
		pollers_sync();
	}
	esm_free(&e);
	return rc;
}

int lambda_delete_esm(struct call *c)
{
	struct esm e;
	if (load_for_call(c, &e))
		return -1;
	int rc = db_begin() ? lambda_db_error(c) : 0;
	if (!rc) {
		sqlite3_stmt *st = db_prep("DELETE FROM lambda_esm WHERE uuid = ?");
		db_bind_text(st, 1, e.uuid);
		rc = lambda_end_write(c, sqlite3_step(st) == SQLITE_DONE ? 0 : lambda_db_error(c));
		db_done(st);
	}
	if (!rc)
		c->output = render(c, &e, "Deleting");
	esm_free(&e);
	return rc;
}

int lambda_list_esms(struct call *c)
{
	int64_t max = call_int(c, "MaxItems", 100);
	if (max < 1 || max > 10000)
		return call_error(c, ERR_LAMBDA_INVALID_PARAMETER, "MaxItems must be between 1 and 10000.");
	const char *src = call_str(c, "EventSourceArn"), *fname = call_str(c, "FunctionName");
	struct fnref r = {0};
	if (fname && lambda_parse_fn(c, fname, NULL, true, &r))
		return -1;
	sqlite3_stmt *st = db_prep(ESM_COLS "WHERE account = ?1 AND region = ?2 AND (?3 IS NULL OR source_arn = ?3) "
					    "AND (?4 IS NULL OR (function = ?4 AND qualifier = ?5)) AND uuid > coalesce(?6, '') "
					    "ORDER BY uuid LIMIT ?7");
	db_bind_text(st, 1, c->who.account);
	db_bind_text(st, 2, c->region);
	db_bind_text(st, 3, src);
	db_bind_text(st, 4, fname ? r.name : NULL);
	db_bind_text(st, 5, r.qualifier);
	db_bind_text(st, 6, call_str(c, "Marker"));
	sqlite3_bind_int64(st, 7, max + 1);
	json_t *list = json_array();
	int n = 0;
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct esm e;
		esm_from_row(st, &e);
		if (n++ == max) {
			call_set(c, "NextMarker", json_string(json_string_value(
							  json_object_get(json_array_get(list, json_array_size(list) - 1), "UUID"))));
			esm_free(&e);
			break;
		}
		json_array_append_new(list, render(c, &e, NULL));
		esm_free(&e);
	}
	db_done(st);
	call_set(c, "EventSourceMappings", list);
	return 0;
}

/* ------------------------------------------------------------------ */
/* pollers                                                             */

struct poller {
	char uuid[40];
	pthread_t th;
	atomic_bool done;  /* the thread has finished (joinable) */
	struct poller *next;
};

static struct {
	pthread_mutex_t mu;
	struct poller *list;
	bool ready, stopping;
} P = {.mu = PTHREAD_MUTEX_INITIALIZER};

static void set_result(const char *uuid, const char *result)
{
	if (db_begin())
		return;
	sqlite3_stmt *st = db_prep("UPDATE lambda_esm SET last_result = ? WHERE uuid = ? AND "
				   "coalesce(last_result, '') <> ?");
	db_bind_text(st, 1, result);
	db_bind_text(st, 2, uuid);
	db_bind_text(st, 3, result);
	int rc = sqlite3_step(st);
	db_done(st);
	lambda_settle(rc != SQLITE_DONE);
}

/* The record of one SQS message, as Lambda sends it. */
static json_t *record(const struct esm *e, const struct queue_rmsg *m)
{
	json_t *attrs = json_object();
	char n[24];
	snprintf(n, sizeof n, "%d", m->receives);
	json_object_set_new(attrs, "ApproximateReceiveCount", json_string(n));
	snprintf(n, sizeof n, "%lld", (long long)m->sent_ms);
	json_object_set_new(attrs, "SentTimestamp", json_string(n));
	json_object_set_new(attrs, "SenderId", json_string(m->sender ? m->sender : e->account));
	snprintf(n, sizeof n, "%lld", (long long)m->first_receive_ms);
	json_object_set_new(attrs, "ApproximateFirstReceiveTimestamp", json_string(n));
	if (m->seq)
		json_object_set_new(attrs, "SequenceNumber", json_string(m->seq));
	if (m->group_id)
		json_object_set_new(attrs, "MessageGroupId", json_string(m->group_id));
	if (m->dedup_id)
		json_object_set_new(attrs, "MessageDeduplicationId", json_string(m->dedup_id));
	if (m->trace_header)
		json_object_set_new(attrs, "AWSTraceHeader", json_string(m->trace_header));
	if (m->dlq_source)
		json_object_set_new(attrs, "DeadLetterQueueSourceArn", json_string(m->dlq_source));
	/* messageAttributes in Lambda's lower-camel shape */
	json_t *ma = json_object();
	json_t *in = m->attrs_json ? json_loads(m->attrs_json, 0, NULL) : NULL;
	const char *k;
	json_t *a;
	json_object_foreach(in, k, a)
	{
		json_t *sv = json_object_get(a, "StringValue"), *bv = json_object_get(a, "BinaryValue");
		json_t *o = json_object();
		if (sv)
			json_object_set(o, "stringValue", sv);
		if (bv)
			json_object_set(o, "binaryValue", bv);
		json_object_set_new(o, "stringListValues", json_array());
		json_object_set_new(o, "binaryListValues", json_array());
		json_object_set(o, "dataType", json_object_get(a, "DataType"));
		json_object_set_new(ma, k, o);
	}
	json_decref(in);
	json_t *r = json_pack("{s:s, s:s, s:s#, s:o, s:o, s:s}", "messageId", m->msg_id, "receiptHandle", m->receipt,
			      "body", m->body, m->body_len, "attributes", attrs, "messageAttributes", ma, "md5OfBody",
			      m->md5_body);
	if (m->md5_attrs[0])
		json_object_set_new(r, "md5OfMessageAttributes", json_string(m->md5_attrs));
	json_object_set_new(r, "eventSource", json_string("aws:sqs"));
	json_object_set_new(r, "eventSourceARN", json_string(e->source));
	json_object_set_new(r, "awsRegion", json_string(e->region));
	return r;
}

/* Whether a record passes the mapping's filters: the record as Lambda
 * filters it, its body parsed when it is JSON. */
static bool passes(const struct esm *e, json_t *rec, match_scratch *s)
{
	json_t *fc = e->filters ? json_loads(e->filters, 0, NULL) : NULL;
	if (!fc)
		return true;
	json_t *view = json_deep_copy(rec);
	const char *body = json_string_value(json_object_get(rec, "body"));
	json_t *parsed = body ? json_loads(body, JSON_DECODE_ANY, NULL) : NULL;
	if (json_is_object(parsed) || json_is_array(parsed))
		json_object_set_new(view, "body", parsed);
	else
		json_decref(parsed);
	char *text = json_dumps(view, JSON_COMPACT);
	json_decref(view);
	bool ok = false;
	size_t i;
	json_t *f;
	json_array_foreach(json_object_get(fc, "Filters"), i, f)
	{
		const char *p = json_string_value(json_object_get(f, "Pattern"));
		match_pattern *mp = NULL;
		struct match_error err;
		if (p && !match_pattern_compile(p, strlen(p), MATCH_EVENTBRIDGE, 0, &mp, &err)) {
			ok = match_pattern_test_json(mp, text, strlen(text), MATCH_EV_TRUSTED, s, &err) == 1;
			match_pattern_free(mp);
		}
		if (ok)
			break;
	}
	free(text);
	json_decref(fc);
	return ok;
}

static void delete_handles(const char *arn, const char **h, int n)
{
	for (int i = 0; i < n; i += QUEUE_MAX_BATCH) {
		int k = n - i < QUEUE_MAX_BATCH ? n - i : QUEUE_MAX_BATCH;
		int res[QUEUE_MAX_BATCH];
		queue_delete(arn, h + i, k, res);
	}
}

/* The handles to delete after a successful invocation with
 * ReportBatchItemFailures: all but the failed ones; -1 when the answer is
 * not a valid batchItemFailures document (the whole batch failed). */
static int keep_failed(const char *result, size_t len, json_t *records, const char **handles, int n,
		       const char **del)
{
	json_t *doc = json_loadb(result ? result : "", len, JSON_DECODE_ANY, NULL);
	int nd = 0;
	json_t *fails = json_object_get(doc, "batchItemFailures");
	if (json_is_null(doc) || !doc || (json_is_object(doc) && (!fails || json_is_null(fails)))) {
		json_decref(doc);
		memcpy(del, handles, sizeof *del * (size_t)n); /* null, {} or no list: all succeeded */
		return n;
	}
	if (!json_is_array(fails)) {
		json_decref(doc);
		return -1;
	}
	bool *failed = xcalloc((size_t)n, sizeof *failed);
	size_t i;
	json_t *f;
	int rc = 0;
	json_array_foreach(fails, i, f)
	{
		const char *id = json_string_value(json_object_get(f, "itemIdentifier"));
		int j = 0;
		while (id && j < n && strcmp(id, json_string_value(json_object_get(json_array_get(records, (size_t)j),
										      "messageId"))))
			j++;
		if (!id || !*id || j == n)
			rc = -1; /* an empty or unknown id fails the whole batch */
		else
			failed[j] = true;
	}
	for (int j = 0; !rc && j < n; j++)
		if (!failed[j])
			del[nd++] = handles[j];
	free(failed);
	json_decref(doc);
	return rc ? -1 : nd;
}

/* Runs one gathered batch; returns the LastProcessingResult. */
static const char *run_batch(const struct esm *e, struct arena *a, json_t *records, const char **handles, int n)
{
	struct lambda_target t;
	char why[256];
	int rc = lambda_target_load(a, e->account, e->region, e->function, e->qualifier[0] ? e->qualifier : NULL, &t,
				    why, sizeof why);
	if (rc)
		return rc == 1 ? "PROBLEM: Function not found." : "PROBLEM: Function call failed";
	json_t *ev = json_pack("{s:O}", "Records", records);
	char *payload = json_dumps(ev, JSON_COMPACT);
	json_decref(ev);
	struct lambda_inv *inv = NULL;
	enum lambda_submit s = lambda_invoke_sync(&t, payload, strlen(payload), false, NULL, &inv);
	free(payload);
	lambda_fnver_done(&t.v);
	db_release();
	if (s != SUBMIT_OK)
		return s == SUBMIT_STOPPING ? "PROBLEM: nuage is stopping" : "PROBLEM: Function call throttled";
	const char *result = "OK";
	if (inv->func_error[0]) {
		result = "PROBLEM: Function call failed";
	} else if (e->report_failures) {
		const char **del = xmalloc(sizeof *del * (size_t)n);
		int nd = keep_failed(inv->result, inv->rlen, records, handles, n, del);
		if (nd < 0)
			result = "PROBLEM: Function call failed";
		else
			delete_handles(e->source, del, nd);
		free(del);
	} else {
		delete_handles(e->source, handles, n);
	}
	lambda_inv_release(inv);
	return result;
}

static bool keep_running(const char *uuid, struct esm *e)
{
	pthread_mutex_lock(&P.mu);
	bool stop = P.stopping;
	pthread_mutex_unlock(&P.mu);
	if (stop)
		return false;
	esm_free(e);
	int rc = esm_load(uuid, e);
	db_release();
	return rc == 0 && e->enabled;
}

static void *poller_main(void *arg)
{
	struct poller *p = arg;
	struct esm e = {0};
	match_scratch *scratch = match_scratch_new();
	while (keep_running(p->uuid, &e)) {
		struct arena a;
		arena_init(&a);
		json_t *records = json_array();
		const char **handles = NULL;
		int n = 0, cap = 0;
		size_t bytes = 0;
		const char **dropped = NULL;
		int nd = 0;
		int64_t deadline = 0;
		int qrc = QE_OK;
		/* Gather: the first receive waits for messages; then, within
		 * the batching window, until BatchSize or 6 MB. */
		while (n < e.batch_size) {
			int64_t now = clock_mono_us() / 1000;
			int64_t wait = !n ? POLL_WAIT_MS : deadline > now ? deadline - now : 0;
			if (n && !wait)
				break;
			struct queue_recv_req req = {.max = e.batch_size - n < QUEUE_MAX_BATCH ? e.batch_size - n
											 : QUEUE_MAX_BATCH,
						     .visibility_ms = -1, .wait_ms = wait};
			struct queue_rmsg *m;
			int got = 0;
			qrc = queue_receive(e.source, &req, &a, &m, &got);
			if (qrc || !got)
				break;
			if (!n)
				deadline = clock_mono_us() / 1000 + (int64_t)e.window_s * 1000;
			for (int i = 0; i < got; i++) {
				json_t *r = record(&e, &m[i]);
				if (!passes(&e, r, scratch)) {
					dropped = xrealloc(dropped, sizeof *dropped * (size_t)(nd + 1));
					dropped[nd++] = m[i].receipt;
					json_decref(r);
					continue;
				}
				if (n == cap) {
					cap = cap ? cap * 2 : 16;
					handles = xrealloc(handles, sizeof *handles * (size_t)cap);
				}
				bytes += m[i].body_len + 512;
				handles[n++] = m[i].receipt;
				json_array_append_new(records, r);
			}
			if (!e.window_s || bytes >= MAX_EVENT_BYTES)
				break;
		}
		if (nd)
			delete_handles(e.source, dropped, nd); /* filtered out: Lambda deletes them */
		const char *result = n ? run_batch(&e, &a, records, handles, n) : NULL;
		if (result)
			set_result(p->uuid, result);
		free(handles);
		free(dropped);
		json_decref(records);
		arena_free(&a);
		db_release();
		if (qrc == QE_STOPPING)
			break;
		if (qrc == QE_NO_QUEUE || (result && strncmp(result, "OK", 2) && !strstr(result, "failed")))
			usleep(PROBLEM_PAUSE_MS * 1000); /* no queue, no function, throttled: do not spin */
	}
	esm_free(&e);
	match_scratch_free(scratch);
	db_release();
	atomic_store(&p->done, true);
	return NULL;
}

/* Starts a poller for every enabled mapping without one; joins finished ones. */
static void pollers_sync(void)
{
	pthread_mutex_lock(&P.mu);
	if (!P.ready || P.stopping) {
		pthread_mutex_unlock(&P.mu);
		return;
	}
	for (struct poller **pp = &P.list; *pp;) {
		struct poller *p = *pp;
		if (atomic_load(&p->done)) {
			pthread_join(p->th, NULL);
			*pp = p->next;
			free(p);
		} else {
			pp = &p->next;
		}
	}
	sqlite3_stmt *st = db_prep("SELECT uuid FROM lambda_esm WHERE enabled = 1");
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *u = db_col_text(st, 0);
		struct poller *p = P.list;
		while (p && strcmp(p->uuid, u))
			p = p->next;
		if (p)
			continue;
		p = xcalloc(1, sizeof *p);
		snprintf(p->uuid, sizeof p->uuid, "%s", u);
		if (pthread_create(&p->th, NULL, poller_main, p)) {
			log_error("lambda: cannot start the poller of event source mapping %s", u);
			free(p);
			continue;
		}
		p->next = P.list;
		P.list = p;
	}
	db_done(st);
	pthread_mutex_unlock(&P.mu);
}

void lambda_esm_start(void)
{
	pthread_mutex_lock(&P.mu);
	P.ready = true;
	P.stopping = false;
	pthread_mutex_unlock(&P.mu);
	pollers_sync();
	db_release();
}

void lambda_esm_quiesce(void)
{
	pthread_mutex_lock(&P.mu);
	P.stopping = true;
	pthread_mutex_unlock(&P.mu);
}

void lambda_esm_stop(void)
{
	pthread_mutex_lock(&P.mu);
	P.stopping = true;
	struct poller *list = P.list;
	P.list = NULL;
	P.ready = false;
	pthread_mutex_unlock(&P.mu);
	while (list) {
		struct poller *p = list;
		list = p->next;
		pthread_join(p->th, NULL);
		free(p);
	}
}
