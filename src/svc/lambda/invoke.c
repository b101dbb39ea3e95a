/* invoke.c — Invoke and InvokeAsync, and the internal entry points.
 *
 * Implements: Invoke (RequestResponse: runs the function and answers with
 * its payload, X-Amz-Function-Error, X-Amz-Log-Result for LogType=Tail,
 * X-Amz-Executed-Version; Event: queued durably, 202; DryRun: 204),
 * payload limits (6 MB sync, 256 KB async), JSON payload validation, client
 * context, alias routing, reserved/account concurrency as
 * TooManyRequestsException; InvokeAsync (the deprecated API, queued like
 * Event).
 *
 * A synchronous invoke blocks the HTTP thread that carries it, like an SQS
 * long poll: the work itself runs in the function's environment (env.c);
 * this thread only waits for the result. A Pending function is waited for
 * (up to PENDING_WAIT_MS) rather than refused, because its unpacking is
 * local and fast and clients commonly invoke right after CreateFunction.
 */
#include "svc/lambda/lambda.h"
#include "core/clock.h"
#include "core/buf.h"
#include "core/enc.h"
#include "core/log.h"
#include "core/mem.h"
#include "store/db.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define PENDING_WAIT_MS 10000
#define CLIENT_CONTEXT_MAX 3583

enum { TARGET_OK = 0, TARGET_MISSING = 1, TARGET_STATE = 2, TARGET_RUNTIME = 3 };

int lambda_target_load(struct arena *a, const char *account, const char *region, const char *name, const char *qualifier,
		       struct lambda_target *t, char *err, size_t errlen)
{
	memset(t, 0, sizeof *t);
	int64_t deadline = clock_mono_us() + PENDING_WAIT_MS * 1000LL;
	for (;;) {
		int rc = lambda_resolve_qualifier(account, region, name, qualifier, t->version, sizeof t->version);
		if (rc == 0)
			rc = lambda_load_version(a, account, region, name, t->version, &t->v);
		if (rc) {
			db_release();
			return rc;
		}
		if (strcmp(t->v.state, "Pending") || clock_mono_us() > deadline)
			break;
		lambda_fnver_done(&t->v);
		db_release();
		usleep(20000);
	}
	db_release();
	if (strcmp(t->v.state, "Active")) {
		snprintf(err, errlen,
			 "The operation cannot be performed at this time. The function is currently in the following state: %s",
			 t->v.state);
		lambda_fnver_done(&t->v);
		return TARGET_STATE;
	}
	lambda_fn_from_version(a, account, region, &t->v, &t->fn);
	if (lambda_runtime_kind(t->fn.runtime) == RT_UNSUPPORTED) {
		snprintf(err, errlen,
			 "nuage cannot run the %s runtime: it runs python3.x, nodejs (when node is installed) and "
			 "provided / provided.al2 / provided.al2023 functions.",
			 t->fn.runtime);
		lambda_fnver_done(&t->v);
		return TARGET_RUNTIME;
	}
	t->invoked_arn = lambda_arn(a, region, account, name, qualifier);
	return TARGET_OK;
}

struct waiter {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool done;
};

static void wake_waiter(struct lambda_inv *inv)
{
	struct waiter *w = inv->arg;
	pthread_mutex_lock(&w->mu);
	w->done = true;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
}

static enum lambda_submit run_and_wait(const struct lambda_target *t, struct lambda_inv *inv)
{
	struct waiter w = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, false};
	inv->done = wake_waiter;
	inv->arg = &w;
	inv->invoked_arn = xstrdup(t->invoked_arn);
	enum lambda_submit s = lambda_exec_submit(&t->fn, inv);
	if (s != SUBMIT_OK)
		return s;
	/* The environment always calls done (invariant 2 of env.c), even when
	 * nuage stops: waiting without a deadline is safe. */
	pthread_mutex_lock(&w.mu);
	while (!w.done)
		pthread_cond_wait(&w.cv, &w.mu);
	pthread_mutex_unlock(&w.mu);
	return SUBMIT_OK;
}

enum lambda_submit lambda_invoke_sync(const struct lambda_target *t, const char *payload, size_t len, bool tail,
				      char *client_context, struct lambda_inv **out)
{
	struct lambda_inv *inv = lambda_inv_new(payload, len);
	inv->want_tail = tail;
	inv->client_context = client_context;
	enum lambda_submit s = run_and_wait(t, inv);
	if (s != SUBMIT_OK) {
		lambda_inv_release(inv);
		inv = NULL;
	}
	*out = inv;
	return s;
}

static int throttled(struct call *c, enum lambda_submit s)
{
	if (s == SUBMIT_STOPPING)
		return call_error(c, ERR_LAMBDA_SERVICE, "nuage is shutting down.");
	call_error(c, ERR_LAMBDA_TOO_MANY_REQUESTS, "Rate Exceeded.");
	call_error_field(c, "Reason", s == SUBMIT_THROTTLED_FUNCTION ? "ReservedFunctionConcurrentInvocationLimitExceeded"
								    : "ConcurrentInvocationLimitExceeded");
	return -1;
}

static int target_error(struct call *c, int rc, const struct fnref *r, const char *why)
{
	if (rc < 0)
		return lambda_db_error(c);
	if (rc == TARGET_MISSING)
		return lambda_err_not_found(c, r->name, r->qualifier[0] ? r->qualifier : NULL);
	if (rc == TARGET_RUNTIME)
		return call_error(c, ERR_LAMBDA_INVALID_RUNTIME, "%s", why);
	return call_error(c, ERR_LAMBDA_CONFLICT, "%s", why);
}

static int check_payload(struct call *c, const char *p, size_t n)
{
	if (!n)
		return 0;
	json_error_t je;
	json_t *v = json_loadb(p, n, JSON_DECODE_ANY, &je);
	if (v) {
		json_decref(v);
		return 0;
	}
	return call_error(c, ERR_LAMBDA_INVALID_CONTENT,
			  "Could not parse request body into json: Could not parse payload into json: %s: at line %d column %d",
			  je.text, je.line, je.column);
}

/* X-Amz-Client-Context: base64 of a JSON object -> the JSON, or NULL. */
static int client_context(struct call *c, char **out)
{
	*out = NULL;
	const char *b64 = call_str(c, "ClientContext");
	if (!b64 || !*b64)
		return 0;
	size_t n = strlen(b64);
	if (n > CLIENT_CONTEXT_MAX)
		return call_error(c, ERR_LAMBDA_INVALID_PARAMETER, "Client context must be at most %d bytes.", CLIENT_CONTEXT_MAX);
	unsigned char *raw = arena_alloc(c->arena, n);
	long k = base64_decode(b64, n, raw);
	json_t *doc = k >= 0 ? json_loadb((const char *)raw, (size_t)k, 0, NULL) : NULL;
	if (!json_is_object(doc)) {
		json_decref(doc);
		return call_error(c, ERR_LAMBDA_INVALID_CONTENT, "Client context must be a valid Base64-encoded JSON object.");
	}
	char *s = json_dumps(doc, JSON_COMPACT);
	*out = xstrdup(s);
	free(s);
	json_decref(doc);
	return 0;
}

static int enqueue_event(struct call *c, const struct fnref *r, const char *payload, size_t len)
{
	if (len > LAMBDA_MAX_ASYNC_PAYLOAD)
		return call_error(c, ERR_LAMBDA_REQUEST_TOO_LARGE,
				  "%zu byte payload is too large for the Event invocation type (limit %d bytes)", len,
				  LAMBDA_MAX_ASYNC_PAYLOAD);
	if (db_begin())
		return call_error(c, ERR_LAMBDA_SERVICE, "database busy");
	if (lambda_async_enqueue(c->who.account, c->region, r->name, r->qualifier[0] ? r->qualifier : LAMBDA_LATEST,
				 c->request_id, len ? payload : "{}", len ? len : 2, NULL))
		return lambda_db_error(c);
	if (db_commit())
		return call_error(c, ERR_LAMBDA_SERVICE, "commit failed");
	lambda_async_kick();
	return 0;
}

int lambda_invoke(struct call *c)
{
	struct fnref r;
	if (lambda_parse_fn(c, call_str(c, "FunctionName"), call_str(c, "Qualifier"), true, &r))
		return -1;
	const char *itype = call_str(c, "InvocationType");
	json_t *pj = call_get(c, "Payload");
	const char *payload = pj ? json_string_value(pj) : "";
	size_t len = pj ? json_string_length(pj) : 0;
	bool event = itype && !strcmp(itype, "Event"), dry = itype && !strcmp(itype, "DryRun");
	if (!event && len > LAMBDA_MAX_SYNC_PAYLOAD)
		return call_error(c, ERR_LAMBDA_REQUEST_TOO_LARGE,
				  "%zu byte payload is too large for the RequestResponse invocation type (limit %d bytes)", len,
				  LAMBDA_MAX_SYNC_PAYLOAD);
	if (check_payload(c, payload, len))
		return -1;
	struct lambda_target t;
	char why[512];
	int rc = lambda_target_load(c->arena, c->who.account, c->region, r.name, r.qualifier, &t, why, sizeof why);
	if (rc)
		return target_error(c, rc, &r, why);
	if (dry || event) {
		lambda_fnver_done(&t.v);
		if (dry) {
			c->status = 204;
			call_set(c, "StatusCode", json_integer(204));
			return 0;
		}
		if (enqueue_event(c, &r, payload, len))
			return -1;
		c->status = 202;
		call_set(c, "StatusCode", json_integer(202));
		return 0;
	}
	char *cc = NULL;
	if (client_context(c, &cc)) {
		lambda_fnver_done(&t.v);
		return -1;
	}
	struct lambda_inv *inv;
	bool tail = call_str(c, "LogType") && !strcmp(call_str(c, "LogType"), "Tail");
	enum lambda_submit s = lambda_invoke_sync(&t, len ? payload : "", len, tail, cc, &inv);
	lambda_fnver_done(&t.v);
	if (s != SUBMIT_OK)
		return throttled(c, s);
	call_set(c, "StatusCode", json_integer(200));
	call_set(c, "Payload", json_stringn_nocheck(inv->result, inv->rlen));
	if (inv->func_error[0])
		call_set(c, "FunctionError", json_string(inv->func_error));
	if (inv->want_tail) {
		char *b64 = arena_alloc(c->arena, base64_encoded_len(inv->tail_len) + 1);
		base64_encode((const unsigned char *)(inv->tail ? inv->tail : ""), inv->tail_len, b64);
		call_set(c, "LogResult", json_string(b64));
	}
	call_set(c, "ExecutedVersion", json_string(inv->version));
	lambda_inv_release(inv);
	return 0;
}

int lambda_invoke_async(struct call *c)
{
	struct fnref r;
	if (lambda_parse_fn(c, call_str(c, "FunctionName"), NULL, true, &r))
		return -1;
	/* InvokeArgs streams: read it here, bounded by the async limit. */
	struct buf b;
	buf_init(&b, LAMBDA_MAX_ASYNC_PAYLOAD + 1);
	if (c->body) {
		char tmp[16384];
		long n;
		while ((n = c->body->read(c->body, tmp, sizeof tmp)) > 0)
			if (buf_add(&b, tmp, (size_t)n)) {
				buf_free(&b);
				return call_error(c, ERR_LAMBDA_REQUEST_TOO_LARGE,
						  "Request must be smaller than %d bytes for the InvokeAsync operation",
						  LAMBDA_MAX_ASYNC_PAYLOAD);
			}
		if (n < 0) {
			buf_free(&b);
			return call_error(c, c->body->err ? c->body->err : ERR_SERIALIZATION, "%s", c->body->errmsg);
		}
	} else if (call_get(c, "InvokeArgs")) {
		json_t *a = call_get(c, "InvokeArgs");
		if (buf_add(&b, json_string_value(a), json_string_length(a))) {
			buf_free(&b);
			return call_error(c, ERR_LAMBDA_REQUEST_TOO_LARGE,
					  "Request must be smaller than %d bytes for the InvokeAsync operation", LAMBDA_MAX_ASYNC_PAYLOAD);
		}
	}
	int rc = -1;
	if (check_payload(c, buf_str(&b), b.len) == 0) {
		if (!lambda_function_exists(c->who.account, c->region, r.name))
			lambda_err_not_found(c, r.name, NULL);
		else if (enqueue_event(c, &r, buf_str(&b), b.len) == 0)
			rc = 0;
	}
	buf_free(&b);
	if (rc)
		return -1;
	c->status = 202;
	call_set(c, "Status", json_integer(202));
	return 0;
}
