/* sns_http.c — HTTP/S deliveries: SubscriptionConfirmation and
 * Notification POSTs, with AWS's delivery retry policy, from worker threads
 * (never HTTP threads) through libcurl.
 *
 * Pending deliveries are messages of the engine queue "nuage:sns:http", so
 * they survive restarts and their retry schedule is the queue's visibility
 * timeout: a worker receives a delivery, POSTs it, then deletes it
 * (delivered, or given up) or hides it until its next retry (the
 * receive count is the attempt number).
 *
 *   queued --receive--> POST --2xx--> deleted
 *                         |-- 429, 5xx, no answer, retries left --> hidden for the policy's delay,
 *                         |                                         then received again
 *                         '-- other 4xx, or no retries left --> subscription's DLQ (or dropped),
 *                                                               then deleted
 *
 * The retry policy (healthyRetryPolicy): numNoDelayRetries immediate
 * retries, numMinDelayRetries at minDelayTarget, then backoff retries from
 * minDelayTarget to maxDelayTarget (linear, arithmetic, geometric or
 * exponential), then numMaxDelayRetries at maxDelayTarget; numRetries in
 * all. Leaves out: jitter, throttlePolicy, sicklyRetryPolicy.
 * Invariants: a delivery is deleted only after its outcome is final and
 * (for dead letters) after the dead-letter message committed.
 */
#include "svc/sns/sns.h"
#include "core/log.h"
#include "core/mem.h"
#include "engine/queue.h"
#include "store/db.h"

#include <curl/curl.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define WORKERS 4
#define CONNECT_TIMEOUT_S 5
#define TIMEOUT_S 15
#define INFLIGHT_MS 120000 /* longer than one attempt can take */
#define RESPONSE_MAX 65536

static struct {
	pthread_t th[WORKERS];
	int n;
	atomic_bool stop;
} H;

enum outcome { DELIVERED, RETRY, PERMANENT };

/* ------------------------------------------------------------------ */
/* the retry schedule                                                  */

static int64_t pnum(json_t *p, const char *k, int64_t dflt)
{
	json_t *v = json_object_get(p, k);
	return json_is_integer(v) ? json_integer_value(v) : dflt;
}

/* Seconds to wait before retry n (1-based). */
static double retry_delay(json_t *p, int64_t n)
{
	double mn = (double)pnum(p, "minDelayTarget", 20), mx = (double)pnum(p, "maxDelayTarget", 20);
	int64_t total = pnum(p, "numRetries", 3), nd = pnum(p, "numNoDelayRetries", 0);
	int64_t nmin = pnum(p, "numMinDelayRetries", 0), nmax = pnum(p, "numMaxDelayRetries", 0);
	int64_t back = total - nd - nmin - nmax;
	if (n <= nd)
		return 0;
	n -= nd;
	if (n <= nmin)
		return mn;
	n -= nmin;
	if (n > back || back <= 0)
		return mx;
	const char *f = json_string_value(json_object_get(p, "backoffFunction"));
	double x = (double)n / (double)back; /* (0, 1] across the backoff phase */
	if (f && !strcmp(f, "exponential"))
		return mn + (mx - mn) * (pow(2.0, (double)n) - 1) / (pow(2.0, (double)back) - 1);
	if (f && !strcmp(f, "geometric"))
		return mn * pow(mx / (mn > 0 ? mn : 1), x);
	if (f && !strcmp(f, "arithmetic"))
		return mn + (mx - mn) * ((double)(n * (n + 1)) / (double)(back * (back + 1)));
	return mn + (mx - mn) * x; /* linear */
}

/* ------------------------------------------------------------------ */
/* one POST                                                            */

static size_t discard(char *p, size_t sz, size_t n, void *arg)
{
	(void)p;
	size_t *seen = arg;
	*seen += sz * n;
	return *seen > RESPONSE_MAX ? 0 : sz * n; /* a huge answer ends the transfer */
}

static int abort_on_stop(void *arg, curl_off_t a, curl_off_t b, curl_off_t c, curl_off_t d)
{
	(void)arg, (void)a, (void)b, (void)c, (void)d;
	return atomic_load(&H.stop) ? 1 : 0;
}

static enum outcome post(CURL *h, json_t *rec, char *why, size_t whylen)
{
	const char *type = json_string_value(json_object_get(rec, "type"));
	const char *body = json_string_value(json_object_get(rec, "body"));
	struct curl_slist *hd = NULL;
	char line[2300];
#define HDR(...)                                        \
	do {                                            \
		snprintf(line, sizeof line, __VA_ARGS__); \
		hd = curl_slist_append(hd, line);       \
	} while (0)
	HDR("Content-Type: %s", json_string_value(json_object_get(rec, "ctype")));
	HDR("x-amz-sns-message-type: %s", type);
	HDR("x-amz-sns-message-id: %s", json_string_value(json_object_get(rec, "id")));
	HDR("x-amz-sns-topic-arn: %s", json_string_value(json_object_get(rec, "topic")));
	if (strcmp(type, "SubscriptionConfirmation"))
		HDR("x-amz-sns-subscription-arn: %s", json_string_value(json_object_get(rec, "sub")));
	if (json_is_true(json_object_get(rec, "raw")))
		HDR("x-amz-sns-rawdelivery: true");
	HDR("Expect:");
#undef HDR
	size_t seen = 0;
	curl_easy_reset(h);
	curl_easy_setopt(h, CURLOPT_URL, json_string_value(json_object_get(rec, "url")));
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hd);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "Amazon Simple Notification Service Agent");
	curl_easy_setopt(h, CURLOPT_POSTFIELDS, body ? body : "");
	curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)(body ? strlen(body) : 0));
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, (long)CONNECT_TIMEOUT_S);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, (long)TIMEOUT_S);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &seen);
	curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, abort_on_stop);
	CURLcode cc = curl_easy_perform(h);
	long status = 0;
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	curl_slist_free_all(hd);
	if (cc != CURLE_OK && !(cc == CURLE_WRITE_ERROR && status)) {
		snprintf(why, whylen, "%s", curl_easy_strerror(cc));
		return RETRY;
	}
	if (status >= 200 && status < 300)
		return DELIVERED;
	snprintf(why, whylen, "the endpoint answered HTTP %ld", status);
	return status == 429 || status >= 500 ? RETRY : PERMANENT;
}

/* ------------------------------------------------------------------ */
/* outcomes                                                            */

/* A notification the endpoint will not get: to the subscription's DLQ. */
static void give_up(json_t *rec, const char *why)
{
	const char *dlq = json_string_value(json_object_get(rec, "dlq"));
	const char *sub = json_string_value(json_object_get(rec, "sub"));
	if (!dlq || strcmp(json_string_value(json_object_get(rec, "type")), "Notification")) {
		log_warn("sns: delivery to %s gave up (%s): dropped", sub, why);
		return;
	}
	const char *body = json_string_value(json_object_get(rec, "body"));
	const char *code = "EndpointUnavailable";
	struct queue_attr at[2] = {{"ErrorCode", "String", code, strlen(code)}, {"ErrorMessage", "String", why, strlen(why)}};
	struct queue_msg qm = {.body = body, .body_len = strlen(body), .attrs = at, .nattrs = 2, .delay_ms = -1,
			       .group_id = json_string_value(json_object_get(rec, "group"))};
	struct queue_sent sent;
	if (db_begin())
		return;
	int rc = queue_send_txn(dlq, &qm, &sent);
	if (rc || sent.err || db_commit()) {
		if (db_in_txn())
			db_rollback();
		log_warn("sns: dead-letter queue %s of %s refused the message (%d): dropped", dlq, sub, rc);
	}
	queue_after_commit();
}

/* Whether a notification's subscription is still there (confirmed). */
static bool still_subscribed(json_t *rec)
{
	if (strcmp(json_string_value(json_object_get(rec, "type")), "Notification"))
		return true;
	sqlite3_stmt *st = db_prep("SELECT 1 FROM sns_subs WHERE arn = ? AND confirmed = 1");
	db_bind_text(st, 1, json_string_value(json_object_get(rec, "sub")));
	bool ok = sqlite3_step(st) == SQLITE_ROW;
	db_done(st);
	return ok;
}

static void handle(CURL *h, const struct queue_rmsg *m)
{
	json_t *rec = json_loadb(m->body, m->body_len, 0, NULL);
	const char *handle = m->receipt;
	int res;
	if (!json_is_object(rec) || !json_is_string(json_object_get(rec, "url")) || !still_subscribed(rec)) {
		db_release();
		queue_delete(SNS_HTTP_QUEUE, &handle, 1, &res);
		json_decref(rec);
		return;
	}
	db_release();
	char why[256] = "";
	enum outcome o = post(h, rec, why, sizeof why);
	if (atomic_load(&H.stop) && o != DELIVERED) {
		json_decref(rec); /* shutting down: the queue retries it after the restart */
		return;
	}
	json_t *policy = json_object_get(rec, "policy");
	int64_t retries = pnum(policy, "numRetries", 3);
	if (o == RETRY && m->receives <= retries) {
		int64_t ms = (int64_t)(retry_delay(policy, m->receives) * 1000.0);
		queue_change_visibility(SNS_HTTP_QUEUE, &handle, &ms, 1, &res);
	} else {
		if (o != DELIVERED)
			give_up(rec, why);
		queue_delete(SNS_HTTP_QUEUE, &handle, 1, &res);
	}
	json_decref(rec);
}

static void *worker(void *arg)
{
	(void)arg;
	CURL *h = NULL; /* made at the first delivery: libcurl is opened then (core/dynlib.h) */
	struct queue_recv_req req = {.max = 1, .visibility_ms = INFLIGHT_MS, .wait_ms = 20000};
	while (!atomic_load(&H.stop)) {
		struct arena a;
		arena_init(&a);
		struct queue_rmsg *m;
		int n = 0;
		int rc = queue_receive(SNS_HTTP_QUEUE, &req, &a, &m, &n);
		if (!rc && n && !h && !(h = curl_easy_init()))
			rc = -1; /* no libcurl (logged): the message reappears after its visibility timeout */
		for (int i = 0; !rc && i < n; i++)
			handle(h, &m[i]);
		arena_free(&a);
		db_release();
		if (rc == QE_STOPPING || (rc && atomic_load(&H.stop)))
			break;
		if (rc)
			usleep(100000); /* a storage error: do not spin */
	}
	curl_easy_cleanup(h);
	db_release();
	return NULL;
}

/* ------------------------------------------------------------------ */
/* lifecycle                                                           */

int sns_http_enqueue_txn(json_t *rec, const char *dedup_key)
{
	char *body = json_dumps(rec, JSON_COMPACT);
	struct queue_msg qm = {.body = body, .body_len = strlen(body), .delay_ms = -1, .dedup_key = dedup_key};
	struct queue_sent sent;
	int rc = queue_send_txn(SNS_HTTP_QUEUE, &qm, &sent);
	free(body);
	return rc || sent.err ? -1 : 0;
}

int sns_http_start(void)
{
	struct queue_conf conf = {.visibility_ms = INFLIGHT_MS, .retention_ms = 1209600000LL}, have;
	/* Made once per data directory; looked up first so that later starts
	 * write nothing (an insert that conflicts still touches the store). */
	if (queue_get(SNS_HTTP_QUEUE, &have) == QE_OK)
		goto started;
	if (db_begin())
		return -1;
	int rc = queue_create_txn(SNS_HTTP_QUEUE, &conf);
	if (rc && rc != QE_EXISTS) {
		db_rollback();
		db_release();
		return -1;
	}
	if (db_commit())
		return -1;
started:
	db_release();
	curl_global_init(CURL_GLOBAL_DEFAULT);
	atomic_store(&H.stop, false);
	for (H.n = 0; H.n < WORKERS; H.n++)
		if (pthread_create(&H.th[H.n], NULL, worker, NULL))
			return -1;
	return 0;
}

void sns_http_stop(void)
{
	atomic_store(&H.stop, true);
	queue_shutdown_begin(); /* wakes workers waiting for deliveries */
	for (int i = 0; i < H.n; i++)
		pthread_join(H.th[i], NULL);
	if (H.n)
		curl_global_cleanup();
	H.n = 0;
}
