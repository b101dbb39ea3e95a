/* sns_fanout.c — delivering published messages (the bus handler for the
 * outbox events sns_pub.c writes), and the message documents SNS sends.
 *
 * For each message and each confirmed subscription of its topic: the
 * filter policy (src/match) decides; the body is the envelope (signed, as
 * AWS writes it) or, with RawMessageDelivery, the message itself (and its
 * attributes become SQS message attributes); sqs subscriptions are sent to
 * their queue in the same transaction as every other delivery of the event,
 * http/https ones are queued for sns_http.c, lambda ones become Event
 * invocations (engine/dest.h). A queue or function that does not exist is
 * a failed delivery:
 * it goes to the subscription's RedrivePolicy dead-letter queue with
 * ErrorCode/ErrorMessage attributes, or is dropped with a log line.
 *
 * Invariants:
 *  1. Every enqueue carries the idempotency key "sns:EVENT:INDEX:SUBSCRIPTION",
 *     so an event the bus delivers twice (a crash after this commit, before
 *     the bus marked it) enqueues each delivery once.
 *  2. All deliveries of an event commit together or not at all (then the
 *     bus retries the event).
 */
#include "svc/sns/sns.h"
#include "core/clock.h"
#include "core/enc.h"
#include "core/log.h"
#include "core/mem.h"
#include "engine/dest.h"
#include "engine/queue.h"
#include "match/match.h"
#include "proto/jsonshape.h"
#include "store/db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SUBS 10000

/* ------------------------------------------------------------------ */
/* message documents                                                   */

static void field(struct buf *b, bool *first, const char *k, const char *v)
{
	if (!v)
		return;
	buf_adds(b, *first ? "{\n  " : ",\n  ");
	*first = false;
	json_write_string(b, k, strlen(k));
	buf_adds(b, " : ");
	json_write_string(b, v, strlen(v));
}

static const char *fget(json_t *f, const char *k)
{
	return json_string_value(json_object_get(f, k));
}

/* The text SNS signs: "Name\nvalue\n" for the type's fields, in name order. */
static void string_to_sign(struct buf *b, const char *type, json_t *f)
{
	static const char *const notif[] = {"Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type", NULL};
	static const char *const conf[] = {"Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type",
					   NULL};
	const char *const *names = strcmp(type, "Notification") ? conf : notif;
	for (int i = 0; names[i]; i++) {
		const char *v = !strcmp(names[i], "Type") ? type : fget(f, names[i]);
		if (v)
			buf_addf(b, "%s\n%s\n", names[i], v);
	}
}

char *sns_envelope(const char *type, json_t *f, int sig_version, const char *cert_url)
{
	struct buf b;
	buf_init(&b, 4 * SNS_MAX_MESSAGE);
	bool first = true;
	char *sig = NULL;
	if (sig_version) {
		struct buf sts;
		buf_init(&sts, 4 * SNS_MAX_MESSAGE);
		string_to_sign(&sts, type, f);
		sig = sns_sign(sts.data, sts.len, sig_version);
		buf_free(&sts);
	}
	char sv[4];
	snprintf(sv, sizeof sv, "%d", sig_version);
	field(&b, &first, "Type", type);
	field(&b, &first, "MessageId", fget(f, "MessageId"));
	if (strcmp(type, "Notification")) {
		field(&b, &first, "Token", fget(f, "Token"));
		field(&b, &first, "TopicArn", fget(f, "TopicArn"));
		field(&b, &first, "Message", fget(f, "Message"));
		field(&b, &first, "SubscribeURL", fget(f, "SubscribeURL"));
		field(&b, &first, "Timestamp", fget(f, "Timestamp"));
	} else {
		field(&b, &first, "SequenceNumber", fget(f, "SequenceNumber"));
		field(&b, &first, "TopicArn", fget(f, "TopicArn"));
		field(&b, &first, "Subject", fget(f, "Subject"));
		field(&b, &first, "Message", fget(f, "Message"));
		field(&b, &first, "Timestamp", fget(f, "Timestamp"));
	}
	if (sig_version) {
		field(&b, &first, "SignatureVersion", sv);
		field(&b, &first, "Signature", sig ? sig : "");
		field(&b, &first, "SigningCertURL", cert_url);
	}
	if (!strcmp(type, "Notification")) {
		field(&b, &first, "UnsubscribeURL", fget(f, "UnsubscribeURL"));
		json_t *attrs = json_object_get(f, "MessageAttributes");
		if (json_object_size(attrs)) {
			buf_adds(&b, ",\n  \"MessageAttributes\" : {");
			const char *k;
			json_t *v;
			bool firsta = true;
			json_object_foreach(attrs, k, v)
			{
				buf_adds(&b, firsta ? "\n    " : ",\n    ");
				firsta = false;
				json_write_string(&b, k, strlen(k));
				buf_adds(&b, " : {\"Type\":");
				const char *ty = fget(v, "Type"), *val = fget(v, "Value");
				json_write_string(&b, ty ? ty : "", ty ? strlen(ty) : 0);
				buf_adds(&b, ",\"Value\":");
				json_write_string(&b, val ? val : "", val ? strlen(val) : 0);
				buf_addc(&b, '}');
			}
			buf_adds(&b, "\n  }");
		}
	}
	buf_adds(&b, "\n}");
	free(sig);
	size_t len;
	return buf_detach(&b, &len);
}

/* ------------------------------------------------------------------ */
/* the event                                                           */

struct fsub {
	const char *arn, *protocol, *endpoint;
	bool raw;
	const char *dlq;         /* RedrivePolicy target, or NULL */
	match_pattern *filter;   /* or NULL */
	bool body_scope;
	json_t *attrs;           /* owned */
};

struct fevent {
	struct arena a;
	int64_t id;
	const char *topic, *base, *cert_url;
	bool fifo;
	int sig_version;
	json_t *topic_attrs;     /* owned */
	struct fsub *subs;
	int nsubs;
	char ts[32];
};

static match_scratch *scratch; /* the bus thread's (the only caller of sns_fanout) */

void sns_fanout_fini(void)
{
	match_scratch_free(scratch);
	scratch = NULL;
}

static int load_topic(struct fevent *ev)
{
	sqlite3_stmt *st = db_prep("SELECT fifo, attrs FROM sns_topics WHERE arn = ?");
	db_bind_text(st, 1, ev->topic);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		ev->fifo = sqlite3_column_int(st, 0);
		ev->topic_attrs = json_loads(db_col_text(st, 1), 0, NULL);
	}
	db_done(st);
	if (rc != SQLITE_ROW)
		return -1;
	if (!ev->topic_attrs)
		ev->topic_attrs = json_object();
	const char *sv = json_string_value(json_object_get(ev->topic_attrs, "SignatureVersion"));
	/* FIFO envelopes carry no signature, as on AWS. */
	ev->sig_version = ev->fifo ? 0 : sv && !strcmp(sv, "2") ? 2 : 1;
	return 0;
}

static void load_subs(struct fevent *ev)
{
	sqlite3_stmt *st = db_prep("SELECT arn, protocol, endpoint, attrs FROM sns_subs WHERE topic_arn = ? AND confirmed = 1"
				   " ORDER BY arn LIMIT ?");
	db_bind_text(st, 1, ev->topic);
	sqlite3_bind_int(st, 2, MAX_SUBS);
	int cap = 16;
	ev->subs = arena_alloc(&ev->a, sizeof *ev->subs * (size_t)cap);
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (ev->nsubs == cap) {
			struct fsub *n = arena_alloc(&ev->a, sizeof *n * (size_t)cap * 2);
			memcpy(n, ev->subs, sizeof *n * (size_t)cap);
			ev->subs = n;
			cap *= 2;
		}
		struct fsub *s = &ev->subs[ev->nsubs++];
		memset(s, 0, sizeof *s);
		s->arn = arena_strdup(&ev->a, db_col_text(st, 0));
		s->protocol = arena_strdup(&ev->a, db_col_text(st, 1));
		s->endpoint = arena_strdup(&ev->a, db_col_text(st, 2));
		s->attrs = json_loads(db_col_text(st, 3), 0, NULL);
		const char *raw = json_string_value(json_object_get(s->attrs, "RawMessageDelivery"));
		s->raw = raw && !strcmp(raw, "true");
		const char *rp = json_string_value(json_object_get(s->attrs, "RedrivePolicy"));
		json_t *p = rp ? json_loads(rp, 0, NULL) : NULL;
		const char *dlq = json_string_value(json_object_get(p, "deadLetterTargetArn"));
		s->dlq = dlq ? arena_strdup(&ev->a, dlq) : NULL;
		json_decref(p);
		const char *fp = json_string_value(json_object_get(s->attrs, "FilterPolicy"));
		const char *scope = json_string_value(json_object_get(s->attrs, "FilterPolicyScope"));
		s->body_scope = scope && !strcmp(scope, "MessageBody");
		struct match_error err;
		if (fp && match_pattern_compile(fp, strlen(fp), s->body_scope ? MATCH_SNS_BODY : MATCH_SNS_ATTRIBUTES, 0,
						&s->filter, &err)) {
			/* Checked when set; a policy that no longer compiles filters everything out. */
			log_warn("sns: filter policy of %s does not compile: %s", s->arn, err.message);
			s->filter = NULL;
			s->endpoint = NULL; /* skipped */
		}
	}
	db_done(st);
}

static void event_free(struct fevent *ev)
{
	for (int i = 0; i < ev->nsubs; i++) {
		match_pattern_free(ev->subs[i].filter);
		json_decref(ev->subs[i].attrs);
	}
	json_decref(ev->topic_attrs);
	arena_free(&ev->a);
}

/* The message for a protocol: MessageStructure json picks its own entry. */
static const char *message_for(struct fevent *ev, json_t *msg, const char *protocol)
{
	const char *m = fget(msg, "m");
	if (!json_is_true(json_object_get(msg, "js")))
		return m;
	json_t *j = json_loads(m, 0, NULL);
	const char *v = json_string_value(json_object_get(j, protocol));
	if (!v)
		v = json_string_value(json_object_get(j, "default"));
	const char *out = arena_strdup(&ev->a, v ? v : "");
	json_decref(j);
	return out;
}

/* The published attributes of msg ({"name": {"Type", "Value"}}) as
 * name/type/value triples; returns how many (at most SNS_MAX_ATTRS). */
static int msg_attrs(json_t *msg, const char **names, const char **types, const char **values)
{
	int n = 0;
	const char *k;
	json_t *v;
	json_object_foreach(json_object_get(msg, "a"), k, v)
	{
		const char *ty = fget(v, "Type"), *val = fget(v, "Value");
		if (n == SNS_MAX_ATTRS)
			break;
		if (!ty || !val)
			continue;
		names[n] = k;
		types[n] = ty;
		values[n++] = val;
	}
	return n;
}

static bool passes(const struct fsub *s, json_t *msg, const char *text)
{
	if (!s->filter)
		return true;
	if (s->body_scope)
		return match_pattern_test_body(s->filter, text, strlen(text), scratch) == 1;
	const char *names[SNS_MAX_ATTRS], *types[SNS_MAX_ATTRS], *values[SNS_MAX_ATTRS];
	int n = msg_attrs(msg, names, types, values);
	struct match_attr at[SNS_MAX_ATTRS];
	for (int i = 0; i < n; i++)
		at[i] = (struct match_attr){names[i], strlen(names[i]), types[i], values[i], strlen(values[i])};
	return match_pattern_test_attrs(s->filter, at, (size_t)n, scratch) == 1;
}

/* The envelope of msg for subscription s (its own UnsubscribeURL). */
static char *envelope_for(struct fevent *ev, json_t *msg, const struct fsub *s, const char *text)
{
	struct buf u;
	buf_init(&u, 4096);
	buf_addf(&u, "%s/?Action=Unsubscribe&SubscriptionArn=", ev->base);
	uri_encode(&u, s->arn, strlen(s->arn), 0);
	buf_addf(&u, "&Version=%s", SNS_API_VERSION);
	json_t *f = json_pack("{s:s,s:s,s:s,s:s,s:s}", "MessageId", fget(msg, "id"), "TopicArn", ev->topic, "Message", text,
			      "Timestamp", ev->ts, "UnsubscribeURL", buf_str(&u));
	if (fget(msg, "s"))
		json_object_set(f, "Subject", json_object_get(msg, "s"));
	if (fget(msg, "q"))
		json_object_set(f, "SequenceNumber", json_object_get(msg, "q"));
	if (json_object_get(msg, "a"))
		json_object_set(f, "MessageAttributes", json_object_get(msg, "a"));
	char *env = sns_envelope("Notification", f, ev->sig_version, ev->cert_url);
	json_decref(f);
	buf_free(&u);
	return env;
}

/* SQS message attributes from the published ones (raw delivery). */
static int sqs_attrs(struct fevent *ev, json_t *msg, struct queue_attr *out)
{
	const char *names[SNS_MAX_ATTRS], *types[SNS_MAX_ATTRS], *values[SNS_MAX_ATTRS];
	int n = msg_attrs(msg, names, types, values), k = 0;
	for (int i = 0; i < n; i++) {
		size_t l = strlen(values[i]);
		if (strncmp(types[i], "Binary", 6)) {
			out[k++] = (struct queue_attr){names[i], types[i], values[i], l};
			continue;
		}
		unsigned char *raw = arena_alloc(&ev->a, l + 4);
		long rl = base64_decode(values[i], l, raw);
		if (rl >= 0)
			out[k++] = (struct queue_attr){names[i], types[i], (const char *)raw, (size_t)rl};
	}
	return k;
}

/* A failed delivery: to the subscription's dead-letter queue, or dropped. */
static int dead_letter(const struct fsub *s, json_t *msg, const char *body, const char *code,
		       const char *why, const char *key)
{
	if (!s->dlq) {
		log_warn("sns: delivery of %s to %s failed (%s) and the subscription has no dead-letter queue: dropped",
			 fget(msg, "id"), s->arn, why);
		return 0;
	}
	struct queue_attr at[2] = {{"ErrorCode", "String", code, strlen(code)}, {"ErrorMessage", "String", why, strlen(why)}};
	struct queue_msg qm = {.body = body, .body_len = strlen(body), .attrs = at, .nattrs = 2, .delay_ms = -1,
			       .group_id = fget(msg, "g"), .dedup_id = fget(msg, "d"), .dedup_key = key};
	struct queue_sent sent;
	int rc = queue_send_txn(s->dlq, &qm, &sent);
	if (rc == QE_DB)
		return -1;
	if (rc || sent.err)
		log_warn("sns: dead-letter queue %s of %s is unusable (%d): message %s dropped", s->dlq, s->arn, rc,
			 fget(msg, "id"));
	return 0;
}

static int deliver_sqs(struct fevent *ev, const struct fsub *s, json_t *msg, const char *body, const char *key)
{
	struct queue_attr at[SNS_MAX_ATTRS];
	struct queue_msg qm = {.body = body, .body_len = strlen(body), .delay_ms = -1, .group_id = fget(msg, "g"),
			       .dedup_id = fget(msg, "d"), .dedup_key = key};
	if (s->raw) {
		qm.nattrs = sqs_attrs(ev, msg, at);
		qm.attrs = at;
	}
	/* A standard queue takes no deduplication id; a FIFO queue needs a group. */
	size_t el = strlen(s->endpoint);
	bool fifo_queue = el > 5 && !strcmp(s->endpoint + el - 5, ".fifo");
	if (!fifo_queue)
		qm.dedup_id = NULL;
	struct queue_sent sent;
	int rc = queue_send_txn(s->endpoint, &qm, &sent);
	if (rc == QE_DB)
		return -1;
	if (rc == QE_NO_QUEUE)
		return dead_letter(s, msg, body, "AWS.SimpleQueueService.NonExistentQueue",
				   "The specified queue does not exist.", key);
	if (rc || sent.err)
		return dead_letter(s, msg, body, "InvalidParameterValue", "The queue refused the message.", key);
	return 0;
}

static int deliver_http(struct fevent *ev, const struct fsub *s, json_t *msg, const char *body, const char *key)
{
	json_t *policy = sns_effective_retry_policy(s->attrs, ev->topic_attrs);
	const char *ct = fget(policy, "headerContentType");
	json_t *rec = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:b,s:s,s:O}", "sub", s->arn, "topic", ev->topic, "url",
				s->endpoint, "type", "Notification", "id", fget(msg, "id"), "body", body, "raw", s->raw,
				"ctype", ct ? ct : "text/plain; charset=UTF-8", "policy", policy);
	if (s->dlq)
		json_object_set_new(rec, "dlq", json_string(s->dlq));
	if (fget(msg, "g"))
		json_object_set(rec, "group", json_object_get(msg, "g"));
	int rc = sns_http_enqueue_txn(rec, key);
	json_decref(rec);
	json_decref(policy);
	return rc;
}

/* A lambda subscription: the envelope in Lambda's SNS event form, queued
 * as an Event invocation through engine/dest.h (in this transaction, keyed
 * so a replayed bus event invokes once). No function, or no Lambda service:
 * a failed delivery. */
static int deliver_lambda(const struct fsub *s, json_t *msg, const char *env, const char *key)
{
	json_t *sns = json_loads(env, 0, NULL);
	static const char *const renames[][2] = {{"SigningCertURL", "SigningCertUrl"}, {"UnsubscribeURL", "UnsubscribeUrl"}};
	for (size_t i = 0; sns && i < sizeof renames / sizeof *renames; i++) {
		json_t *v = json_object_get(sns, renames[i][0]);
		if (v) {
			json_object_set(sns, renames[i][1], v);
			json_object_del(sns, renames[i][0]);
		}
	}
	if (sns && !json_object_get(sns, "Subject"))
		json_object_set_new(sns, "Subject", json_null());
	if (sns && !json_object_get(sns, "MessageAttributes"))
		json_object_set_new(sns, "MessageAttributes", json_object());
	json_t *doc = json_pack("{s:[{s:s,s:s,s:s,s:o}]}", "Records", "EventSource", "aws:sns", "EventVersion", "1.0",
				"EventSubscriptionArn", s->arn, "Sns", sns ? sns : json_object());
	char *body = json_dumps(doc, JSON_COMPACT);
	json_decref(doc);
	char err[256] = "";
	struct dest_msg m = {.body = body, .len = strlen(body), .dedup_key = key};
	int rc = dest_send(s->endpoint, &m, err, sizeof err);
	free(body);
	if (rc == 0)
		return 0;
	return dead_letter(s, msg, env, rc == -2 ? "LambdaUnavailable" : "ResourceNotFoundException", err, key);
}

static int deliver(struct fevent *ev, int idx, json_t *msg, const struct fsub *s)
{
	if (!s->endpoint)
		return 0;
	const char *text = message_for(ev, msg, s->protocol);
	if (!passes(s, msg, text))
		return 0;
	char *env = s->raw ? NULL : envelope_for(ev, msg, s, text);
	const char *body = s->raw ? text : env;
	const char *key = arena_printf(&ev->a, "sns:%lld:%d:%s", (long long)ev->id, idx, s->arn);
	int rc = 0;
	if (!strcmp(s->protocol, "sqs"))
		rc = deliver_sqs(ev, s, msg, body, key);
	else if (!strcmp(s->protocol, "http") || !strcmp(s->protocol, "https"))
		rc = deliver_http(ev, s, msg, body, key);
	else if (!strcmp(s->protocol, "lambda"))
		rc = deliver_lambda(s, msg, body, key);
	free(env);
	return rc;
}

int sns_fanout(int64_t id, const char *topic, const char *payload, void *arg)
{
	(void)topic;
	(void)arg;
	json_t *p = json_loads(payload, 0, NULL);
	struct fevent ev = {.id = id};
	arena_init(&ev.a);
	ev.topic = fget(p, "t");
	ev.base = fget(p, "u");
	json_t *msgs = json_object_get(p, "msgs");
	int rc = 0;
	if (!ev.topic || !ev.base || !json_is_array(msgs)) {
		log_error("sns: outbox event %lld is malformed: dropped", (long long)id);
		goto out;
	}
	if (load_topic(&ev))
		goto out; /* the topic was deleted: nothing to deliver */
	time_fmt_iso8601(json_integer_value(json_object_get(p, "ts")), ev.ts);
	ev.cert_url = ev.sig_version ? sns_cert_url(&ev.a, ev.base) : NULL;
	load_subs(&ev);
	if (!ev.nsubs)
		goto out;
	if (!scratch)
		scratch = match_scratch_new();
	if (db_begin()) {
		rc = -1;
		goto out;
	}
	size_t i;
	json_t *msg;
	json_array_foreach(msgs, i, msg)
	{
		for (int k = 0; !rc && k < ev.nsubs; k++)
			rc = deliver(&ev, (int)i, msg, &ev.subs[k]);
		if (rc)
			break;
	}
	if (rc) {
		db_rollback();
	} else if (db_commit()) {
		rc = -1;
	}
	queue_after_commit();
	dest_after_commit(); /* wakes Lambda's dispatcher for lambda subscriptions */
out:
	event_free(&ev);
	json_decref(p);
	db_release();
	return rc;
}
