/* sns_sub.c — SNS subscriptions: Subscribe, ConfirmSubscription,
 * Unsubscribe, ListSubscriptions(ByTopic), Get/SetSubscriptionAttributes,
 * and the checks of their attributes (DeliveryPolicy, FilterPolicy with
 * FilterPolicyScope through src/match, RawMessageDelivery, RedrivePolicy).
 *
 * Protocols: sqs (confirmed at once), http and https (pending until the
 * endpoint confirms with the token SNS POSTs to it), lambda (confirmed; no
 * deliveries until nuage runs functions: they fail into the subscription's
 * dead-letter queue), email and email-json (kept pending: nuage sends no
 * mail). Leaves out: sms, application, firehose (refused), ReplayPolicy,
 * UnsubscribeConfirmation messages.
 *
 * Invariants:
 *  1. A subscription is unique per (topic, protocol, endpoint).
 *  2. A stored FilterPolicy always compiles for the stored scope.
 *  3. A confirmed subscription keeps its token, so confirming twice answers
 *     the same ARN.
 */
#include "svc/sns/sns.h"
#include "core/clock.h"
#include "core/enc.h"
#include "core/rand.h"
#include "engine/queue.h"
#include "match/match.h"
#include "store/db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define PENDING "pending confirmation"

/* ------------------------------------------------------------------ */
/* delivery policies                                                   */

static int bad_delivery(struct call *c, const char *why)
{
	return call_error(c, ERR_SNS_INVALID_PARAMETER, "Invalid parameter: DeliveryPolicy: %s", why);
}

/* The number, or -1 when the member is absent, -2 when it is not a
 * non-negative integer. */
static int64_t num(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);
	if (!v)
		return -1;
	return json_is_integer(v) && json_integer_value(v) >= 0 ? json_integer_value(v) : -2;
}

static int check_retry(struct call *c, json_t *p)
{
	if (!json_is_object(p))
		return bad_delivery(c, "healthyRetryPolicy must be an object");
	static const char *const keys[] = {"minDelayTarget", "maxDelayTarget", "numRetries", "numNoDelayRetries",
					   "numMinDelayRetries", "numMaxDelayRetries", "backoffFunction", NULL};
	const char *k;
	json_t *v;
	json_object_foreach(p, k, v)
	{
		bool known = false;
		for (int i = 0; keys[i]; i++)
			known |= !strcmp(keys[i], k);
		if (!known)
			return bad_delivery(c, arena_printf(c->arena, "Unknown field %.100s in healthyRetryPolicy", k));
	}
	int64_t mn = num(p, "minDelayTarget"), mx = num(p, "maxDelayTarget"), nr = num(p, "numRetries");
	int64_t nd = num(p, "numNoDelayRetries"), nmin = num(p, "numMinDelayRetries"), nmax = num(p, "numMaxDelayRetries");
	if (mn == -2 || mx == -2 || nr == -2 || nd == -2 || nmin == -2 || nmax == -2)
		return bad_delivery(c, "retry counts and delays must be non-negative integers");
	if (mn < 0)
		mn = 20;
	if (mx < 0)
		mx = 20;
	if (nr < 0)
		nr = 3;
	if (mn < 1 || mn > mx)
		return bad_delivery(c, "minDelayTarget must be between 1 and maxDelayTarget");
	if (mx > 3600)
		return bad_delivery(c, "maxDelayTarget must be at most 3600");
	if (nr > 100)
		return bad_delivery(c, "numRetries must be at most 100");
	if ((nd > 0 ? nd : 0) + (nmin > 0 ? nmin : 0) + (nmax > 0 ? nmax : 0) > nr)
		return bad_delivery(c, "numNoDelayRetries + numMinDelayRetries + numMaxDelayRetries must not exceed numRetries");
	const char *bf = json_string_value(json_object_get(p, "backoffFunction"));
	if (json_object_get(p, "backoffFunction") &&
	    (!bf || (strcmp(bf, "linear") && strcmp(bf, "arithmetic") && strcmp(bf, "geometric") && strcmp(bf, "exponential"))))
		return bad_delivery(c, "backoffFunction must be one of arithmetic, exponential, geometric, linear");
	/* AWS's hard limit: the whole policy within an hour. */
	if (nr * mx > 3600 && (nr - (nd > 0 ? nd : 0)) * mx > 3600)
		return bad_delivery(c, "The total policy retry time must not exceed 3600 seconds");
	return 0;
}

static int check_request_policy(struct call *c, json_t *r)
{
	if (!r)
		return 0;
	const char *ct = json_string_value(json_object_get(r, "headerContentType"));
	if (!json_is_object(r) || (json_object_get(r, "headerContentType") && (!ct || !*ct || strlen(ct) > 256)))
		return bad_delivery(c, "requestPolicy.headerContentType must be a content type");
	return 0;
}

int sns_check_delivery_policy(struct call *c, const char *text, bool topic)
{
	json_t *p = json_loads(text, 0, NULL);
	int rc = 0;
	if (!json_is_object(p)) {
		rc = bad_delivery(c, "failed to parse JSON");
	} else if (topic) {
		json_t *http = json_object_get(p, "http");
		if (http && !json_is_object(http))
			rc = bad_delivery(c, "http must be an object");
		else if (json_object_get(http, "defaultHealthyRetryPolicy"))
			rc = check_retry(c, json_object_get(http, "defaultHealthyRetryPolicy"));
		if (!rc)
			rc = check_request_policy(c, json_object_get(http, "defaultRequestPolicy"));
	} else {
		if (json_object_get(p, "healthyRetryPolicy"))
			rc = check_retry(c, json_object_get(p, "healthyRetryPolicy"));
		if (!rc)
			rc = check_request_policy(c, json_object_get(p, "requestPolicy"));
	}
	json_decref(p);
	return rc;
}

json_t *sns_effective_retry_policy(json_t *sub_attrs, json_t *topic_attrs)
{
	json_t *eff = json_pack("{s:i,s:i,s:i,s:i,s:i,s:i,s:s,s:s}", "minDelayTarget", 20, "maxDelayTarget", 20,
				"numRetries", 3, "numMaxDelayRetries", 0, "numNoDelayRetries", 0, "numMinDelayRetries", 0,
				"backoffFunction", "linear", "headerContentType", "text/plain; charset=UTF-8");
	const char *tp = json_string_value(json_object_get(topic_attrs, "DeliveryPolicy"));
	json_t *t = tp ? json_loads(tp, 0, NULL) : NULL;
	json_t *http = json_object_get(t, "http");
	json_object_update(eff, json_object_get(http, "defaultHealthyRetryPolicy"));
	const char *ct = json_string_value(json_object_get(json_object_get(http, "defaultRequestPolicy"), "headerContentType"));
	if (ct)
		json_object_set_new(eff, "headerContentType", json_string(ct));
	if (!json_is_true(json_object_get(http, "disableSubscriptionOverrides"))) {
		const char *sp = json_string_value(json_object_get(sub_attrs, "DeliveryPolicy"));
		json_t *s = sp ? json_loads(sp, 0, NULL) : NULL;
		json_object_update(eff, json_object_get(s, "healthyRetryPolicy"));
		ct = json_string_value(json_object_get(json_object_get(s, "requestPolicy"), "headerContentType"));
		if (ct)
			json_object_set_new(eff, "headerContentType", json_string(ct));
		json_decref(s);
	}
	json_decref(t);
	return eff;
}

/* ------------------------------------------------------------------ */
/* subscription attributes                                             */

struct sub {
	const char *arn, *topic, *owner, *protocol, *endpoint, *token;
	bool confirmed, auth_unsub;
	json_t *attrs; /* owned */
};

static bool is_http(const char *protocol)
{
	return !strcmp(protocol, "http") || !strcmp(protocol, "https");
}

/* Compiles a filter policy for a scope: 0, or -1 with AWS's error. */
static int check_filter(struct call *c, const char *policy, const char *scope, bool subscribing)
{
	match_pattern *p = NULL;
	struct match_error err;
	enum match_dialect d = scope && !strcmp(scope, "MessageBody") ? MATCH_SNS_BODY : MATCH_SNS_ATTRIBUTES;
	if (match_pattern_compile(policy, strlen(policy), d, subscribing ? MATCH_F_SNS_SUBSCRIBE : 0, &p, &err))
		return call_error(c, ERR_SNS_INVALID_PARAMETER, "%s", err.message);
	match_pattern_free(p);
	return 0;
}

static int bad_sub_attr(struct call *c, bool subscribing, const char *name, const char *why)
{
	return call_error(c, ERR_SNS_INVALID_PARAMETER, "Invalid parameter: %s%s: %s", subscribing ? "Attributes Reason: " : "",
			  name, why);
}

/* Sets one attribute on attrs after checking it for this subscription. */
static int set_sattr(struct call *c, struct sub *s, const char *name, const char *v, bool subscribing)
{
	if (!v)
		v = "";
	if (strlen(v) > 256 * 1024)
		return bad_sub_attr(c, subscribing, name, "value too long");
	if (!strcmp(name, "RawMessageDelivery")) {
		if (strcasecmp(v, "true") && strcasecmp(v, "false"))
			return bad_sub_attr(c, subscribing, name, arena_printf(c->arena, "Invalid value [%.64s]. Must be true or false.", v));
		if (!strcmp(s->protocol, "lambda") || !strncmp(s->protocol, "email", 5))
			return bad_sub_attr(c, subscribing, name, "RawMessageDelivery is only for sqs, http and https subscriptions");
		json_object_set_new(s->attrs, name, json_string(strcasecmp(v, "true") ? "false" : "true"));
	} else if (!strcmp(name, "FilterPolicyScope")) {
		if (strcmp(v, "MessageAttributes") && strcmp(v, "MessageBody"))
			return bad_sub_attr(c, subscribing, name,
					    arena_printf(c->arena,
							 "Invalid value [%.64s]. Please use either MessageBody or MessageAttributes", v));
		const char *fp = json_string_value(json_object_get(s->attrs, "FilterPolicy"));
		if (fp && check_filter(c, fp, v, subscribing))
			return -1;
		json_object_set_new(s->attrs, name, json_string(v));
	} else if (!strcmp(name, "FilterPolicy")) {
		if (!*v || !strcmp(v, "{}")) {
			json_object_del(s->attrs, name);
			return 0;
		}
		if (check_filter(c, v, json_string_value(json_object_get(s->attrs, "FilterPolicyScope")), subscribing))
			return -1;
		json_object_set_new(s->attrs, name, json_string(v));
		if (!json_object_get(s->attrs, "FilterPolicyScope"))
			json_object_set_new(s->attrs, "FilterPolicyScope", json_string("MessageAttributes"));
	} else if (!strcmp(name, "RedrivePolicy")) {
		if (!*v) {
			json_object_del(s->attrs, name);
			return 0;
		}
		json_t *p = json_loads(v, 0, NULL);
		const char *arn = json_string_value(json_object_get(p, "deadLetterTargetArn"));
		bool ok = json_is_object(p) && arn && !strncmp(arn, "arn:aws:sqs:", 12) && json_object_size(p) == 1;
		json_decref(p);
		if (!ok)
			return bad_sub_attr(c, subscribing, name, "deadLetterTargetArn must be the ARN of an SQS queue");
		json_object_set_new(s->attrs, name, json_string(v));
	} else if (!strcmp(name, "DeliveryPolicy")) {
		if (!is_http(s->protocol))
			return bad_sub_attr(c, subscribing, name, "Delivery policy can only be set for HTTP/S subscriptions");
		if (*v && sns_check_delivery_policy(c, v, false))
			return -1;
		if (*v)
			json_object_set_new(s->attrs, name, json_string(v));
		else
			json_object_del(s->attrs, name);
	} else if (!strcmp(name, "SubscriptionRoleArn")) {
		json_object_set_new(s->attrs, name, json_string(v));
	} else {
		return call_error(c, ERR_SNS_INVALID_PARAMETER, "Invalid parameter: %sAttributeName",
				  subscribing ? "Attributes Reason: " : "");
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* storage                                                             */

#define SUB_COLS "arn, topic_arn, owner, protocol, endpoint, confirmed, token, auth_unsubscribe, attrs"

static void read_sub(struct call *c, sqlite3_stmt *st, struct sub *s)
{
	s->arn = arena_strdup(c->arena, db_col_text(st, 0));
	s->topic = arena_strdup(c->arena, db_col_text(st, 1));
	s->owner = arena_strdup(c->arena, db_col_text(st, 2));
	s->protocol = arena_strdup(c->arena, db_col_text(st, 3));
	s->endpoint = arena_strdup(c->arena, db_col_text(st, 4));
	s->confirmed = sqlite3_column_int(st, 5);
	s->token = db_col_text(st, 6) ? arena_strdup(c->arena, db_col_text(st, 6)) : NULL;
	s->auth_unsub = sqlite3_column_int(st, 7);
	s->attrs = json_loads(db_col_text(st, 8), 0, NULL);
	if (!s->attrs)
		s->attrs = json_object();
}

static int load_sub(struct call *c, const char *arn, struct sub *s)
{
	memset(s, 0, sizeof *s);
	sqlite3_stmt *st = db_prep("SELECT " SUB_COLS " FROM sns_subs WHERE arn = ?");
	db_bind_text(st, 1, arn);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		read_sub(c, st, s);
	db_done(st);
	if (rc != SQLITE_ROW)
		return call_error(c, ERR_SNS_NOT_FOUND, "Subscription does not exist");
	return 0;
}

static int save_sub(struct call *c, const struct sub *s, bool insert)
{
	char *a = json_dumps(s->attrs, JSON_COMPACT);
	sqlite3_stmt *st = insert ? db_prep("INSERT INTO sns_subs(" SUB_COLS ", created) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
				  : db_prep("UPDATE sns_subs SET arn = ?1, topic_arn = ?2, owner = ?3, protocol = ?4,"
					    " endpoint = ?5, confirmed = ?6, token = ?7, auth_unsubscribe = ?8, attrs = ?9"
					    " WHERE arn = ?1");
	db_bind_text(st, 1, s->arn);
	db_bind_text(st, 2, s->topic);
	db_bind_text(st, 3, s->owner);
	db_bind_text(st, 4, s->protocol);
	db_bind_text(st, 5, s->endpoint);
	sqlite3_bind_int(st, 6, s->confirmed);
	db_bind_text(st, 7, s->token);
	sqlite3_bind_int(st, 8, s->auth_unsub);
	db_bind_text(st, 9, a);
	if (insert)
		sqlite3_bind_int64(st, 10, clock_wall_ms());
	int rc = sqlite3_step(st);
	db_done(st);
	free(a);
	return rc == SQLITE_DONE ? 0 : call_error(c, ERR_INTERNAL, "%s", db_errmsg());
}

int sns_subs_drop_topic(const char *topic_arn)
{
	sqlite3_stmt *st = db_prep("DELETE FROM sns_subs WHERE topic_arn = ?");
	db_bind_text(st, 1, topic_arn);
	int rc = sqlite3_step(st);
	db_done(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* ------------------------------------------------------------------ */
/* the confirmation handshake                                          */

/* Queues the SubscriptionConfirmation POST for a pending http/s sub. */
static int send_confirmation(struct call *c, const struct sub *s, const struct sns_topic *t)
{
	const char *base = sns_base_url(c);
	char id[37], ts[32];
	uuid4(id);
	time_fmt_iso8601(clock_wall_ms(), ts);
	struct buf url;
	buf_init(&url, 16384);
	buf_addf(&url, "%s/?Action=ConfirmSubscription&TopicArn=", base);
	uri_encode(&url, s->topic, strlen(s->topic), 0);
	buf_addf(&url, "&Token=%s&Version=%s", s->token, SNS_API_VERSION);
	json_t *f = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s}", "MessageId", id, "Token", s->token, "TopicArn", s->topic,
			      "Message",
			      arena_printf(c->arena,
					   "You have chosen to subscribe to the topic %s.\nTo confirm the subscription, "
					   "visit the SubscribeURL included in this message.",
					   s->topic),
			      "SubscribeURL", buf_str(&url), "Timestamp", ts);
	const char *sv = json_string_value(json_object_get(t->attrs, "SignatureVersion"));
	char *body = sns_envelope("SubscriptionConfirmation", f, sv && !strcmp(sv, "2") ? 2 : 1, sns_cert_url(c->arena, base));
	json_decref(f);
	buf_free(&url);
	json_t *policy = sns_effective_retry_policy(s->attrs, t->attrs);
	json_t *rec = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:b,s:s,s:o}", "sub", s->arn, "topic", s->topic, "url",
				s->endpoint, "type", "SubscriptionConfirmation", "id", id, "body", body ? body : "", "raw", 0,
				"ctype", "text/plain; charset=UTF-8", "policy", policy);
	free(body);
	int rc = sns_http_enqueue_txn(rec, NULL);
	json_decref(rec);
	return rc ? call_error(c, ERR_INTERNAL, "cannot queue the subscription confirmation") : 0;
}

/* ------------------------------------------------------------------ */
/* Subscribe                                                           */

static int check_endpoint(struct call *c, const char *protocol, const char *ep, const struct sns_topic *t)
{
	if (!ep || !*ep)
		return call_error(c, ERR_SNS_INVALID_PARAMETER, "Invalid parameter: Endpoint");
	if (t->fifo && strcmp(protocol, "sqs"))
		return call_error(c, ERR_SNS_INVALID_PARAMETER, "Invalid parameter: Invalid protocol type: %s", protocol);
	if (!strcmp(protocol, "sqs")) {
		size_t n = strlen(ep);
		if (strncmp(ep, "arn:aws:sqs:", 12) || n > 300 || strchr(ep, ' '))
			return call_error(c, ERR_SNS_INVALID_PARAMETER, "Invalid parameter: SQS endpoint ARN");
		if (!t->fifo && n > 5 && !strcmp(ep + n - 5, ".fifo"))
			return call_error(c, ERR_SNS_INVALID_PARAMETER,
					  "Invalid parameter: Invalid parameter: Endpoint Reason: FIFO SQS Queues can not be "
					  "subscribed to standard SNS topics");
	} else if (is_http(protocol)) {
		bool https = !strcmp(protocol, "https");
		if (strncasecmp(ep, https ? "https://" : "http://", https ? 8 : 7) || strlen(ep) > 2048)
			return call_error(c, ERR_SNS_INVALID_PARAMETER,
					  "Invalid parameter: Endpoint must match the specified protocol");
	} else if (!strcmp(protocol, "lambda")) {
		if (strncmp(ep, "arn:aws:lambda:", 15))
			return call_error(c, ERR_SNS_INVALID_PARAMETER, "Invalid parameter: Lambda endpoint ARN");
	} else if (!strcmp(protocol, "email") || !strcmp(protocol, "email-json")) {
		if (!strchr(ep, '@'))
			return call_error(c, ERR_SNS_INVALID_PARAMETER, "Invalid parameter: Email address");
	} else if (!strcmp(protocol, "sms") || !strcmp(protocol, "application") || !strcmp(protocol, "firehose")) {
		return call_error(c, ERR_SNS_INVALID_PARAMETER,
				  "Invalid parameter: nuage does not deliver to %s endpoints (sqs, http, https, lambda, "
				  "email and email-json subscriptions are supported)",
				  protocol);
	} else {
		return call_error(c, ERR_SNS_INVALID_PARAMETER,
				  "Invalid parameter: Amazon SNS does not support this protocol string: %.64s", protocol);
	}
	return 0;
}

static int apply_given(struct call *c, struct sub *s, json_t *given)
{
	/* The scope first: FilterPolicy compiles for it. */
	json_t *scope = json_object_get(given, "FilterPolicyScope");
	if (scope && set_sattr(c, s, "FilterPolicyScope", json_string_value(scope), true))
		return -1;
	const char *k;
	json_t *v;
	json_object_foreach(given, k, v)
	{
		if (strcmp(k, "FilterPolicyScope") && set_sattr(c, s, k, json_string_value(v), true))
			return -1;
	}
	return 0;
}

static int subscribe_existing(struct call *c, struct sub *old, struct sns_topic *t, json_t *given)
{
	struct sub want = *old;
	want.attrs = json_deep_copy(old->attrs);
	int rc = apply_given(c, &want, given);
	if (!rc && !json_equal(want.attrs, old->attrs))
		rc = call_error(c, ERR_SNS_INVALID_PARAMETER,
				"Invalid parameter: Attributes Reason: Subscription already exists with different attributes");
	json_decref(want.attrs);
	/* A pending http/s subscription gets its confirmation again. */
	if (!rc && !old->confirmed && is_http(old->protocol))
		rc = send_confirmation(c, old, t);
	return rc;
}

int sns_subscribe(struct call *c)
{
	const char *protocol = call_str(c, "Protocol"), *ep = call_str(c, "Endpoint");
	json_t *given = call_get(c, "Attributes");
	bool want_arn = call_bool(c, "ReturnSubscriptionArn", false);
	if (db_begin())
		return call_error(c, ERR_INTERNAL, "database busy");
	struct sns_topic t;
	struct sub s = {0};
	int rc = sns_topic_load(c, call_str(c, "TopicArn"), &t, true);
	if (!rc)
		rc = check_endpoint(c, protocol, ep, &t);
	if (rc)
		goto fail;
	sqlite3_stmt *st = db_prep("SELECT " SUB_COLS " FROM sns_subs WHERE topic_arn = ? AND protocol = ? AND endpoint = ?");
	db_bind_text(st, 1, t.arn);
	db_bind_text(st, 2, protocol);
	db_bind_text(st, 3, ep);
	bool exists = sqlite3_step(st) == SQLITE_ROW;
	if (exists)
		read_sub(c, st, &s);
	db_done(st);
	if (exists) {
		if ((rc = subscribe_existing(c, &s, &t, given)))
			goto fail;
	} else {
		char id[37];
		uuid4(id);
		s.arn = arena_printf(c->arena, "%s:%s", t.arn, id);
		s.topic = t.arn;
		s.owner = c->who.account;
		s.protocol = protocol;
		s.endpoint = ep;
		s.confirmed = !strcmp(protocol, "sqs") || !strcmp(protocol, "lambda");
		/* Confirmed by its owner's signed call: as AWS, unsubscribing it
		 * then needs a signed call too. */
		s.auth_unsub = s.confirmed;
		s.attrs = json_object();
		if (!s.confirmed) {
			unsigned char r[64];
			char *tok = arena_alloc(c->arena, 2 * sizeof r + 1);
			rand_bytes(r, sizeof r);
			hex_encode(r, sizeof r, tok);
			s.token = tok;
		}
		if ((rc = apply_given(c, &s, given)) || (rc = save_sub(c, &s, true)))
			goto fail;
		if (is_http(protocol) && (rc = send_confirmation(c, &s, &t)))
			goto fail;
	}
	sns_topic_free(&t);
	if (db_commit()) {
		json_decref(s.attrs);
		return call_error(c, ERR_INTERNAL, "commit failed");
	}
	queue_after_commit();
	call_set(c, "SubscriptionArn", json_string(s.confirmed || want_arn ? s.arn : PENDING));
	json_decref(s.attrs);
	return 0;
fail:
	sns_topic_free(&t);
	json_decref(s.attrs);
	db_rollback();
	queue_after_commit();
	return -1;
}

/* ------------------------------------------------------------------ */
/* ConfirmSubscription, Unsubscribe                                    */

int sns_confirm_subscription(struct call *c)
{
	const char *topic = call_str(c, "TopicArn"), *token = call_str(c, "Token");
	const char *auth = call_str(c, "AuthenticateOnUnsubscribe");
	if (db_begin())
		return call_error(c, ERR_INTERNAL, "database busy");
	sqlite3_stmt *st = db_prep("SELECT " SUB_COLS " FROM sns_subs WHERE topic_arn = ? AND token = ?");
	db_bind_text(st, 1, topic);
	db_bind_text(st, 2, token);
	struct sub s = {0};
	bool found = sqlite3_step(st) == SQLITE_ROW;
	if (found)
		read_sub(c, st, &s);
	db_done(st);
	int rc = 0;
	if (!found) {
		/* AWS answers NotFound for an unknown topic, InvalidParameter for a bad token. */
		st = db_prep("SELECT 1 FROM sns_topics WHERE arn = ?");
		db_bind_text(st, 1, topic);
		bool topic_exists = sqlite3_step(st) == SQLITE_ROW;
		db_done(st);
		rc = topic_exists ? call_error(c, ERR_SNS_INVALID_PARAMETER, "Invalid token")
				  : call_error(c, ERR_SNS_NOT_FOUND, "Topic does not exist");
	} else if (!s.confirmed) {
		s.confirmed = true;
		/* Only a signed confirmation can demand signed unsubscribes. */
		s.auth_unsub = auth && !strcasecmp(auth, "true") && *c->who.account;
		rc = save_sub(c, &s, false);
	}
	json_decref(s.attrs);
	if (rc) {
		db_rollback();
		return -1;
	}
	if (db_commit())
		return call_error(c, ERR_INTERNAL, "commit failed");
	call_set(c, "SubscriptionArn", json_string(s.arn));
	return 0;
}

int sns_unsubscribe(struct call *c)
{
	const char *arn = call_str(c, "SubscriptionArn");
	if (db_begin())
		return call_error(c, ERR_INTERNAL, "database busy");
	struct sub s;
	int rc = load_sub(c, arn, &s);
	if (!rc && !*c->who.account && s.auth_unsub)
		rc = call_error(c, ERR_SNS_AUTHORIZATION, "Unsubscribe requires authentication for this subscription");
	else if (!rc && *c->who.account && strcmp(c->who.account, s.owner))
		rc = call_error(c, ERR_SNS_AUTHORIZATION, "User is not authorized to unsubscribe %s", arn);
	if (!rc) {
		sqlite3_stmt *st = db_prep("DELETE FROM sns_subs WHERE arn = ?");
		db_bind_text(st, 1, arn);
		rc = sqlite3_step(st) == SQLITE_DONE ? 0 : call_error(c, ERR_INTERNAL, "%s", db_errmsg());
		db_done(st);
	}
	json_decref(s.attrs);
	if (rc) {
		db_rollback();
		return -1;
	}
	return db_commit() ? call_error(c, ERR_INTERNAL, "commit failed") : 0;
}

/* ------------------------------------------------------------------ */
/* lists                                                               */

static int list_subs(struct call *c, const char *topic)
{
	const char *after;
	if (sns_token_in(c, call_str(c, "NextToken"), &after))
		return -1;
	sqlite3_stmt *st = db_prep("SELECT " SUB_COLS " FROM sns_subs WHERE owner = ?1 AND arn > ?2"
				   " AND (?3 IS NULL OR topic_arn = ?3) AND substr(topic_arn, 13, length(?4)) = ?4"
				   " ORDER BY arn LIMIT ?5");
	db_bind_text(st, 1, c->who.account);
	db_bind_text(st, 2, after);
	db_bind_text(st, 3, topic);
	db_bind_text(st, 4, arena_printf(c->arena, "%s:", c->region));
	sqlite3_bind_int(st, 5, SNS_PAGE + 1);
	json_t *list = json_array();
	int n = 0;
	const char *last = NULL;
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (n == SNS_PAGE) {
			call_set(c, "NextToken", json_string(sns_token_out(c, last)));
			break;
		}
		struct sub s;
		read_sub(c, st, &s);
		last = s.arn;
		json_array_append_new(list, json_pack("{s:s,s:s,s:s,s:s,s:s}", "SubscriptionArn",
						      s.confirmed ? s.arn : "PendingConfirmation", "Owner", s.owner,
						      "Protocol", s.protocol, "Endpoint", s.endpoint, "TopicArn", s.topic));
		json_decref(s.attrs);
		n++;
	}
	db_done(st);
	call_set(c, "Subscriptions", list);
	return 0;
}

int sns_list_subscriptions(struct call *c)
{
	return list_subs(c, NULL);
}

int sns_list_subscriptions_by_topic(struct call *c)
{
	struct sns_topic t;
	if (sns_topic_load(c, call_str(c, "TopicArn"), &t, false))
		return -1;
	return list_subs(c, t.arn);
}

/* ------------------------------------------------------------------ */
/* Get/SetSubscriptionAttributes                                       */

int sns_get_subscription_attributes(struct call *c)
{
	struct sub s;
	if (load_sub(c, call_str(c, "SubscriptionArn"), &s))
		return -1;
	if (strcmp(s.owner, c->who.account)) {
		json_decref(s.attrs);
		return call_error(c, ERR_SNS_NOT_FOUND, "Subscription does not exist");
	}
	json_t *out = json_object();
	json_object_set_new(out, "ConfirmationWasAuthenticated", json_string(s.auth_unsub ? "true" : "false"));
	json_object_set_new(out, "PendingConfirmation", json_string(s.confirmed ? "false" : "true"));
	json_object_set_new(out, "Owner", json_string(s.owner));
	json_object_set_new(out, "RawMessageDelivery", json_string("false"));
	json_object_set_new(out, "TopicArn", json_string(s.topic));
	json_object_set_new(out, "Endpoint", json_string(s.endpoint));
	json_object_set_new(out, "Protocol", json_string(s.protocol));
	json_object_set_new(out, "SubscriptionArn", json_string(s.arn));
	json_object_update(out, s.attrs);
	if (is_http(s.protocol)) {
		/* As AWS shows it: the healthy retry policy in force, no throttle. */
		json_t *tattrs = NULL;
		sqlite3_stmt *st = db_prep("SELECT attrs FROM sns_topics WHERE arn = ?");
		db_bind_text(st, 1, s.topic);
		if (sqlite3_step(st) == SQLITE_ROW)
			tattrs = json_loads(db_col_text(st, 0), 0, NULL);
		db_done(st);
		json_t *p = sns_effective_retry_policy(s.attrs, tattrs);
		json_object_del(p, "headerContentType");
		json_t *eff = json_pack("{s:O,s:n,s:n,s:b}", "healthyRetryPolicy", p, "sicklyRetryPolicy", "throttlePolicy",
					"guaranteed", 0);
		char *e = json_dumps(eff, JSON_COMPACT | JSON_PRESERVE_ORDER);
		json_object_set_new(out, "EffectiveDeliveryPolicy", json_string(e));
		free(e);
		json_decref(eff);
		json_decref(p);
		json_decref(tattrs);
	}
	json_decref(s.attrs);
	call_set(c, "Attributes", out);
	return 0;
}

int sns_set_subscription_attributes(struct call *c)
{
	if (db_begin())
		return call_error(c, ERR_INTERNAL, "database busy");
	struct sub s;
	int rc = load_sub(c, call_str(c, "SubscriptionArn"), &s);
	if (!rc && strcmp(s.owner, c->who.account))
		rc = call_error(c, ERR_SNS_NOT_FOUND, "Subscription does not exist");
	if (!rc)
		rc = set_sattr(c, &s, call_str(c, "AttributeName"), call_str(c, "AttributeValue"), false);
	if (!rc)
		rc = save_sub(c, &s, false);
	json_decref(s.attrs);
	if (rc) {
		db_rollback();
		return -1;
	}
	return db_commit() ? call_error(c, ERR_INTERNAL, "commit failed") : 0;
}
