/* sns.c — Amazon SNS (query protocol): topics and tags, and the service
 * table. Subscriptions are in sns_sub.c, publishing in sns_pub.c, fan-out
 * in sns_fanout.c, HTTP/S deliveries in sns_http.c, signatures in
 * sns_sign.c.
 *
 * Implements: CreateTopic (standard and FIFO, attributes, tags), DeleteTopic,
 * ListTopics, GetTopicAttributes, SetTopicAttributes, TagResource,
 * UntagResource, ListTagsForResource; through the other files Subscribe,
 * ConfirmSubscription, Unsubscribe, ListSubscriptions(ByTopic),
 * Get/SetSubscriptionAttributes, Publish, PublishBatch.
 * Leaves out: platform applications and SMS (their operations answer
 * NotImplemented), data protection policies beyond storing them, KMS
 * (stored, not used), delivery status logging (the role attributes are
 * stored, nothing is logged to CloudWatch).
 *
 * Invariants:
 *  1. A topic is keyed by its ARN; (account, region, name) is unique.
 *  2. Deleting a topic deletes its subscriptions in the same transaction;
 *     messages already handed to the outbox are dropped at fan-out.
 *  3. Stored topic attributes are the settable ones as last set; the
 *     computed ones (Owner, TopicArn, counts, EffectiveDeliveryPolicy) are
 *     derived on every read.
 */
#include "svc/sns/sns.h"
#include "config.h"
#include "core/clock.h"
#include "core/enc.h"
#include "engine/bus.h"
#include "http/request.h"
#include "proto/models/models.h"
#include "store/db.h"
#include "store/migrate.h"
#include "svc/svc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const struct migration sns_migrations[] = {
	{1, "CREATE TABLE sns_topics (arn TEXT PRIMARY KEY, account TEXT NOT NULL, region TEXT NOT NULL,"
	    "  name TEXT NOT NULL, fifo INTEGER NOT NULL, attrs TEXT NOT NULL DEFAULT '{}',"
	    "  tags TEXT NOT NULL DEFAULT '{}', next_seq INTEGER NOT NULL DEFAULT 0, created INTEGER NOT NULL)"
	    "  WITHOUT ROWID;"
	    "CREATE UNIQUE INDEX sns_topics_name ON sns_topics(account, region, name);"
	    "CREATE TABLE sns_subs (arn TEXT PRIMARY KEY, topic_arn TEXT NOT NULL, owner TEXT NOT NULL,"
	    "  protocol TEXT NOT NULL, endpoint TEXT NOT NULL, confirmed INTEGER NOT NULL, token TEXT,"
	    "  auth_unsubscribe INTEGER NOT NULL DEFAULT 0, attrs TEXT NOT NULL DEFAULT '{}',"
	    "  created INTEGER NOT NULL) WITHOUT ROWID;"
	    "CREATE INDEX sns_subs_topic ON sns_subs(topic_arn);"
	    "CREATE TABLE sns_dedup (topic TEXT NOT NULL, dedup_id TEXT NOT NULL, msg_id TEXT NOT NULL,"
	    "  seq TEXT, expires INTEGER NOT NULL, PRIMARY KEY (topic, dedup_id)) WITHOUT ROWID;"},
};
static const struct migration_set sns_mset = {"sns", sns_migrations, 1};

/* Settable topic attributes (F_T_FIFO: FIFO topics only; F_T_CREATE: only
 * when the topic is created). */
#define F_T_FIFO 1u
#define F_T_CREATE 2u

enum tkind { T_ANY, T_POLICY, T_DELIVERY, T_SIGVER, T_TRACING, T_BOOL };

static const struct tattr {
	const char *name;
	enum tkind kind;
	unsigned flags;
} tattrs[] = {
	{"DisplayName", T_ANY, 0},
	{"Policy", T_POLICY, 0},
	{"DeliveryPolicy", T_DELIVERY, 0},
	{"SignatureVersion", T_SIGVER, 0},
	{"TracingConfig", T_TRACING, 0},
	{"KmsMasterKeyId", T_ANY, 0},
	{"DataProtectionPolicy", T_POLICY, 0},
	{"FifoTopic", T_BOOL, F_T_CREATE},
	{"ContentBasedDeduplication", T_BOOL, F_T_FIFO},
	{"ArchivePolicy", T_POLICY, F_T_FIFO},
	{"FifoThroughputScope", T_ANY, F_T_FIFO},
	{"ApplicationSuccessFeedbackRoleArn", T_ANY, 0},
	{"ApplicationSuccessFeedbackSampleRate", T_ANY, 0},
	{"ApplicationFailureFeedbackRoleArn", T_ANY, 0},
	{"HTTPSuccessFeedbackRoleArn", T_ANY, 0},
	{"HTTPSuccessFeedbackSampleRate", T_ANY, 0},
	{"HTTPFailureFeedbackRoleArn", T_ANY, 0},
	{"LambdaSuccessFeedbackRoleArn", T_ANY, 0},
	{"LambdaSuccessFeedbackSampleRate", T_ANY, 0},
	{"LambdaFailureFeedbackRoleArn", T_ANY, 0},
	{"SQSSuccessFeedbackRoleArn", T_ANY, 0},
	{"SQSSuccessFeedbackSampleRate", T_ANY, 0},
	{"SQSFailureFeedbackRoleArn", T_ANY, 0},
	{"FirehoseSuccessFeedbackRoleArn", T_ANY, 0},
	{"FirehoseSuccessFeedbackSampleRate", T_ANY, 0},
	{"FirehoseFailureFeedbackRoleArn", T_ANY, 0},
};
#define NTATTRS (sizeof tattrs / sizeof *tattrs)

/* ------------------------------------------------------------------ */
/* helpers shared by the service's files                               */

const char *sns_base_url(struct call *c)
{
	const char *host = c->req && c->req->host && *c->req->host ? c->req->host : NULL;
	if (!host)
		return arena_printf(c->arena, "http://localhost:%d", c->cfg ? c->cfg->port : 4566);
	return arena_printf(c->arena, "http://%.200s", host);
}

bool sns_arn_parts(const char *arn, char *region, size_t rl, char *account, size_t al)
{
	if (!arn || strncmp(arn, "arn:aws:sns:", 12))
		return false;
	const char *r = arn + 12, *colon = strchr(r, ':');
	if (!colon || colon == r || (size_t)(colon - r) >= rl)
		return false;
	const char *acc = colon + 1, *c2 = strchr(acc, ':');
	if (!c2 || c2 - acc != 12 || (size_t)(c2 - acc) >= al || !c2[1])
		return false;
	snprintf(region, rl, "%.*s", (int)(colon - r), r);
	snprintf(account, al, "%.*s", (int)(c2 - acc), acc);
	return true;
}

const char *sns_token_out(struct call *c, const char *last)
{
	size_t n = strlen(last);
	char *b = arena_alloc(c->arena, base64_encoded_len(n) + 1);
	base64_encode((const unsigned char *)last, n, b);
	return b;
}

int sns_token_in(struct call *c, const char *tok, const char **after)
{
	*after = "";
	if (!tok)
		return 0;
	size_t n = strlen(tok);
	unsigned char *raw = arena_alloc(c->arena, n + 4);
	long l = n < 2000 ? base64_decode(tok, n, raw) : -1;
	if (l < 0)
		return call_error(c, ERR_SNS_INVALID_PARAMETER, "Invalid parameter: NextToken");
	*after = arena_strndup(c->arena, (const char *)raw, (size_t)l);
	return 0;
}

bool sns_batch_id_ok(const char *id)
{
	size_t l = id ? strlen(id) : 0;
	if (!l || l > 80)
		return false;
	for (const char *p = id; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '-' || *p == '_'))
			return false;
	return true;
}

int sns_topic_load(struct call *c, const char *arn, struct sns_topic *t, bool with_attrs)
{
	memset(t, 0, sizeof *t);
	sqlite3_stmt *st = db_prep("SELECT account, region, name, fifo, attrs, created FROM sns_topics WHERE arn = ?");
	db_bind_text(st, 1, arn);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		t->arn = arena_strdup(c->arena, arn);
		t->account = arena_strdup(c->arena, db_col_text(st, 0));
		t->region = arena_strdup(c->arena, db_col_text(st, 1));
		t->name = arena_strdup(c->arena, db_col_text(st, 2));
		t->fifo = sqlite3_column_int(st, 3);
		if (with_attrs)
			t->attrs = json_loads(db_col_text(st, 4), 0, NULL);
		t->created = sqlite3_column_int64(st, 5);
	}
	db_done(st);
	/* A topic is visible to keys of its account, in its region. */
	if (rc != SQLITE_ROW || (c->who.account && *c->who.account && strcmp(t->account, c->who.account))) {
		sns_topic_free(t);
		return call_error(c, ERR_SNS_NOT_FOUND, "Topic does not exist");
	}
	if (with_attrs && !t->attrs)
		t->attrs = json_object();
	return 0;
}

void sns_topic_free(struct sns_topic *t)
{
	json_decref(t->attrs);
	t->attrs = NULL;
}

int sns_check_tags(struct call *c, json_t *tags)
{
	size_t i;
	json_t *t;
	json_array_foreach(tags, i, t)
	{
		const char *k = json_string_value(json_object_get(t, "Key"));
		const char *v = json_string_value(json_object_get(t, "Value"));
		size_t kl = k ? strlen(k) : 0;
		if (!kl || kl > 128 || !v || strlen(v) > 256)
			return call_error(c, ERR_SNS_INVALID_PARAMETER,
					  "Invalid parameter: Tags Reason: keys have 1 to 128 characters, values 0 to 256");
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* topic attributes                                                    */

static const struct tattr *find_tattr(const char *name)
{
	for (size_t i = 0; i < NTATTRS; i++)
		if (!strcmp(tattrs[i].name, name))
			return &tattrs[i];
	return NULL;
}

static int bad_attr(struct call *c, const char *name)
{
	return call_error(c, ERR_SNS_INVALID_PARAMETER, "Invalid parameter: %.200s", name);
}

/* Checks one attribute value; "" removes it (stored as absent). */
static int set_tattr(struct call *c, json_t *attrs, const char *name, const char *v, bool fifo, bool creating)
{
	const struct tattr *a = find_tattr(name);
	if (!a || ((a->flags & F_T_CREATE) && !creating) || ((a->flags & F_T_FIFO) && !fifo))
		return call_error(c, ERR_SNS_INVALID_PARAMETER, "Invalid parameter: AttributeName");
	if (!v)
		v = "";
	if (strlen(v) > 30720)
		return bad_attr(c, name);
	switch (a->kind) {
	case T_POLICY:
		if (*v) {
			json_t *p = json_loads(v, 0, NULL);
			bool ok = json_is_object(p);
			json_decref(p);
			if (!ok)
				return call_error(c, ERR_SNS_INVALID_PARAMETER, "Invalid parameter: %s: failed to parse JSON.", name);
		}
		break;
	case T_DELIVERY:
		if (*v && sns_check_delivery_policy(c, v, true))
			return -1;
		break;
	case T_SIGVER:
		if (strcmp(v, "1") && strcmp(v, "2"))
			return call_error(c, ERR_SNS_INVALID_PARAMETER,
					  "Invalid parameter: SignatureVersion: the value must be 1 or 2");
		break;
	case T_TRACING:
		if (strcmp(v, "PassThrough") && strcmp(v, "Active"))
			return bad_attr(c, "TracingConfig");
		break;
	case T_BOOL:
		if (strcasecmp(v, "true") && strcasecmp(v, "false"))
			return bad_attr(c, name);
		v = strcasecmp(v, "true") ? "false" : "true";
		break;
	case T_ANY:
		break;
	}
	if (!*v)
		json_object_del(attrs, name);
	else
		json_object_set_new(attrs, name, json_string(v));
	return 0;
}

static const char *default_policy(struct call *c, const struct sns_topic *t)
{
	return arena_printf(c->arena,
			    "{\"Version\":\"2008-10-17\",\"Id\":\"__default_policy_ID\",\"Statement\":[{\"Sid\":"
			    "\"__default_statement_ID\",\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"*\"},\"Action\":["
			    "\"SNS:GetTopicAttributes\",\"SNS:SetTopicAttributes\",\"SNS:AddPermission\","
			    "\"SNS:RemovePermission\",\"SNS:DeleteTopic\",\"SNS:Subscribe\",\"SNS:ListSubscriptionsByTopic\","
			    "\"SNS:Publish\"],\"Resource\":\"%s\",\"Condition\":{\"StringEquals\":{\"AWS:SourceOwner\":"
			    "\"%s\"}}}]}",
			    t->arn, t->account);
}

/* {"http": {"defaultHealthyRetryPolicy": ..., "disableSubscriptionOverrides":
 * false, "defaultRequestPolicy": {"headerContentType": ...}}} with the
 * topic's own values over AWS's defaults. */
static char *effective_delivery(json_t *attrs)
{
	json_t *dflt = json_pack("{s:{s:{s:i,s:i,s:i,s:i,s:i,s:i,s:s},s:b,s:{s:s}}}", "http", "defaultHealthyRetryPolicy",
				 "minDelayTarget", 20, "maxDelayTarget", 20, "numRetries", 3, "numMaxDelayRetries", 0,
				 "numNoDelayRetries", 0, "numMinDelayRetries", 0, "backoffFunction", "linear",
				 "disableSubscriptionOverrides", 0, "defaultRequestPolicy", "headerContentType",
				 "text/plain; charset=UTF-8");
	const char *own = json_string_value(json_object_get(attrs, "DeliveryPolicy"));
	json_t *p = own ? json_loads(own, 0, NULL) : NULL;
	json_t *http = json_object_get(p, "http");
	if (json_is_object(http)) {
		json_t *dh = json_object_get(dflt, "http");
		const char *k;
		json_t *v;
		json_object_foreach(http, k, v)
		{
			json_t *cur = json_object_get(dh, k);
			if (json_is_object(cur) && json_is_object(v))
				json_object_update(cur, v);
			else
				json_object_set(dh, k, v);
		}
	}
	json_decref(p);
	char *s = json_dumps(dflt, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(dflt);
	return s;
}

static void put_count(json_t *out, const char *name, const char *topic, const char *sql)
{
	sqlite3_stmt *st = db_prep(sql);
	db_bind_text(st, 1, topic);
	int64_t n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	db_done(st);
	char b[24];
	snprintf(b, sizeof b, "%lld", (long long)n);
	json_object_set_new(out, name, json_string(b));
}

static int get_topic_attributes(struct call *c)
{
	struct sns_topic t;
	if (sns_topic_load(c, call_str(c, "TopicArn"), &t, true))
		return -1;
	json_t *out = json_object();
	const char *policy = json_string_value(json_object_get(t.attrs, "Policy"));
	json_object_set_new(out, "Policy", json_string(policy ? policy : default_policy(c, &t)));
	json_object_set_new(out, "Owner", json_string(t.account));
	put_count(out, "SubscriptionsPending", t.arn, "SELECT count(*) FROM sns_subs WHERE topic_arn = ? AND confirmed = 0");
	json_object_set_new(out, "TopicArn", json_string(t.arn));
	char *eff = effective_delivery(t.attrs);
	json_object_set_new(out, "EffectiveDeliveryPolicy", json_string(eff));
	free(eff);
	put_count(out, "SubscriptionsConfirmed", t.arn, "SELECT count(*) FROM sns_subs WHERE topic_arn = ? AND confirmed = 1");
	const char *dn = json_string_value(json_object_get(t.attrs, "DisplayName"));
	json_object_set_new(out, "DisplayName", json_string(dn ? dn : ""));
	json_object_set_new(out, "SubscriptionsDeleted", json_string("0"));
	const char *k;
	json_t *v;
	json_object_foreach(t.attrs, k, v) if (!json_object_get(out, k)) json_object_set(out, k, v);
	if (t.fifo && !json_object_get(out, "ContentBasedDeduplication"))
		json_object_set_new(out, "ContentBasedDeduplication", json_string("false"));
	sns_topic_free(&t);
	call_set(c, "Attributes", out);
	return 0;
}

static int store_attrs(struct call *c, const char *arn, json_t *attrs, json_t *tags)
{
	char *a = json_dumps(attrs, JSON_COMPACT), *t = tags ? json_dumps(tags, JSON_COMPACT) : NULL;
	sqlite3_stmt *st = db_prep("UPDATE sns_topics SET attrs = ?, tags = coalesce(?, tags) WHERE arn = ?");
	db_bind_text(st, 1, a);
	db_bind_text(st, 2, t);
	db_bind_text(st, 3, arn);
	int rc = sqlite3_step(st);
	db_done(st);
	free(a);
	free(t);
	return rc == SQLITE_DONE ? 0 : call_error(c, ERR_INTERNAL, "%s", db_errmsg());
}

static int set_topic_attributes(struct call *c)
{
	if (db_begin())
		return call_error(c, ERR_INTERNAL, "database busy");
	struct sns_topic t;
	int rc = sns_topic_load(c, call_str(c, "TopicArn"), &t, true);
	if (!rc)
		rc = set_tattr(c, t.attrs, call_str(c, "AttributeName"), call_str(c, "AttributeValue"), t.fifo, false);
	if (!rc)
		rc = store_attrs(c, t.arn, t.attrs, NULL);
	sns_topic_free(&t);
	if (rc) {
		db_rollback();
		return -1;
	}
	return db_commit() ? call_error(c, ERR_INTERNAL, "commit failed") : 0;
}

/* ------------------------------------------------------------------ */
/* CreateTopic, DeleteTopic, ListTopics                                */

static bool valid_topic_name(const char *n, bool fifo)
{
	size_t l = strlen(n), body = l;
	if (!l || l > 256)
		return false;
	if (fifo) {
		if (l < 6 || strcmp(n + l - 5, ".fifo"))
			return false;
		body = l - 5;
	}
	for (size_t i = 0; i < body; i++)
		if (!((n[i] >= 'a' && n[i] <= 'z') || (n[i] >= 'A' && n[i] <= 'Z') || (n[i] >= '0' && n[i] <= '9') ||
		      n[i] == '-' || n[i] == '_'))
			return false;
	return true;
}

/* Tags: the list form clients send, stored as {key: value}. */
static int merge_tags(struct call *c, json_t *stored, json_t *list)
{
	if (sns_check_tags(c, list))
		return -1;
	size_t i;
	json_t *t;
	json_array_foreach(list, i, t)
		json_object_set(stored, json_string_value(json_object_get(t, "Key")), json_object_get(t, "Value"));
	if (json_object_size(stored) > SNS_MAX_TAGS)
		return call_error(c, ERR_SNS_TAG_LIMIT, "Could not complete request: tag quota of per resource exceeded");
	return 0;
}

static int create_topic(struct call *c)
{
	const char *name = call_str(c, "Name");
	json_t *given = call_get(c, "Attributes");
	const char *ff = json_string_value(json_object_get(given, "FifoTopic"));
	size_t nl = strlen(name);
	bool fifo = ff ? !strcasecmp(ff, "true") : false;
	if (!valid_topic_name(name, fifo) || (!fifo && nl > 5 && !strcmp(name + nl - 5, ".fifo")))
		return call_error(c, ERR_SNS_INVALID_PARAMETER, "Invalid parameter: Topic Name");
	const char *arn = arena_printf(c->arena, "arn:aws:sns:%s:%s:%s", c->region, c->who.account, name);
	json_t *attrs = json_object(), *tags = json_object();
	int rc = 0;
	const char *k;
	json_t *v;
	json_object_foreach(given, k, v)
	{
		if ((rc = set_tattr(c, attrs, k, json_string_value(v), fifo, true)))
			break;
	}
	if (!rc && call_get(c, "Tags"))
		rc = merge_tags(c, tags, call_get(c, "Tags"));
	if (!rc && db_begin())
		rc = call_error(c, ERR_INTERNAL, "database busy");
	if (rc) {
		json_decref(attrs);
		json_decref(tags);
		return -1;
	}
	sqlite3_stmt *st = db_prep("SELECT attrs FROM sns_topics WHERE arn = ?");
	db_bind_text(st, 1, arn);
	json_t *existing = sqlite3_step(st) == SQLITE_ROW ? json_loads(db_col_text(st, 0), 0, NULL) : NULL;
	db_done(st);
	if (existing) {
		/* Idempotent: the same answer unless a given attribute differs. */
		json_object_foreach(attrs, k, v)
		{
			if (strcmp(k, "FifoTopic") && !json_equal(v, json_object_get(existing, k))) {
				rc = call_error(c, ERR_SNS_INVALID_PARAMETER,
						"Invalid parameter: Attributes Reason: Topic already exists with different attributes");
				break;
			}
		}
		json_decref(existing);
	} else {
		if (fifo)
			json_object_set_new(attrs, "FifoTopic", json_string("true"));
		else
			json_object_del(attrs, "FifoTopic");
		st = db_prep("INSERT INTO sns_topics(arn, account, region, name, fifo, created) VALUES (?, ?, ?, ?, ?, ?)");
		db_bind_text(st, 1, arn);
		db_bind_text(st, 2, c->who.account);
		db_bind_text(st, 3, c->region);
		db_bind_text(st, 4, name);
		sqlite3_bind_int(st, 5, fifo);
		sqlite3_bind_int64(st, 6, clock_wall_ms());
		int s = sqlite3_step(st);
		db_done(st);
		rc = s == SQLITE_DONE ? store_attrs(c, arn, attrs, tags) : call_error(c, ERR_INTERNAL, "%s", db_errmsg());
	}
	json_decref(attrs);
	json_decref(tags);
	if (rc) {
		db_rollback();
		return -1;
	}
	if (db_commit())
		return call_error(c, ERR_INTERNAL, "commit failed");
	call_set(c, "TopicArn", json_string(arn));
	return 0;
}

static int delete_topic(struct call *c)
{
	const char *arn = call_str(c, "TopicArn");
	if (db_begin())
		return call_error(c, ERR_INTERNAL, "database busy");
	sqlite3_stmt *st = db_prep("DELETE FROM sns_topics WHERE arn = ? AND account = ?");
	db_bind_text(st, 1, arn);
	db_bind_text(st, 2, c->who.account);
	int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
	db_done(st);
	bool existed = db_changes() > 0;
	if (!rc && existed)
		rc = sns_subs_drop_topic(arn);
	if (!rc && existed) {
		st = db_prep("DELETE FROM sns_dedup WHERE topic = ?");
		db_bind_text(st, 1, arn);
		rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
		db_done(st);
	}
	if (rc) {
		db_rollback();
		return call_error(c, ERR_INTERNAL, "%s", db_errmsg());
	}
	/* Deleting a topic that does not exist succeeds, as on AWS. */
	return db_commit() ? call_error(c, ERR_INTERNAL, "commit failed") : 0;
}

static int list_topics(struct call *c)
{
	const char *after;
	if (sns_token_in(c, call_str(c, "NextToken"), &after))
		return -1;
	sqlite3_stmt *st = db_prep("SELECT arn FROM sns_topics WHERE account = ? AND region = ? AND arn > ?"
				   " ORDER BY arn LIMIT ?");
	db_bind_text(st, 1, c->who.account);
	db_bind_text(st, 2, c->region);
	db_bind_text(st, 3, after);
	sqlite3_bind_int(st, 4, SNS_PAGE + 1);
	json_t *list = json_array();
	int n = 0;
	const char *last = NULL;
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (n == SNS_PAGE) {
			call_set(c, "NextToken", json_string(sns_token_out(c, last)));
			break;
		}
		last = arena_strdup(c->arena, db_col_text(st, 0));
		json_array_append_new(list, json_pack("{s:s}", "TopicArn", last));
		n++;
	}
	db_done(st);
	call_set(c, "Topics", list);
	return 0;
}

/* ------------------------------------------------------------------ */
/* tags                                                                */

static int load_tags(struct call *c, const char *arn, json_t **tags)
{
	sqlite3_stmt *st = db_prep("SELECT tags FROM sns_topics WHERE arn = ? AND account = ?");
	db_bind_text(st, 1, arn);
	db_bind_text(st, 2, c->who.account);
	int rc = sqlite3_step(st);
	*tags = rc == SQLITE_ROW ? json_loads(db_col_text(st, 0), 0, NULL) : NULL;
	db_done(st);
	if (rc != SQLITE_ROW)
		return call_error(c, ERR_SNS_RESOURCE_NOT_FOUND, "Resource does not exist");
	if (!*tags)
		*tags = json_object();
	return 0;
}

static int change_tags(struct call *c, bool add)
{
	const char *arn = call_str(c, "ResourceArn");
	if (db_begin())
		return call_error(c, ERR_INTERNAL, "database busy");
	json_t *tags = NULL;
	int rc = load_tags(c, arn, &tags);
	if (!rc && add) {
		rc = merge_tags(c, tags, call_get(c, "Tags"));
	} else if (!rc) {
		size_t i;
		json_t *k;
		json_array_foreach(call_get(c, "TagKeys"), i, k) json_object_del(tags, json_string_value(k));
	}
	if (!rc) {
		char *t = json_dumps(tags, JSON_COMPACT);
		sqlite3_stmt *st = db_prep("UPDATE sns_topics SET tags = ? WHERE arn = ?");
		db_bind_text(st, 1, t);
		db_bind_text(st, 2, arn);
		rc = sqlite3_step(st) == SQLITE_DONE ? 0 : call_error(c, ERR_INTERNAL, "%s", db_errmsg());
		db_done(st);
		free(t);
	}
	json_decref(tags);
	if (rc) {
		db_rollback();
		return -1;
	}
	return db_commit() ? call_error(c, ERR_INTERNAL, "commit failed") : 0;
}

static int tag_resource(struct call *c)
{
	return change_tags(c, true);
}

static int untag_resource(struct call *c)
{
	return change_tags(c, false);
}

static int list_tags_for_resource(struct call *c)
{
	json_t *tags = NULL;
	if (load_tags(c, call_str(c, "ResourceArn"), &tags))
		return -1;
	json_t *list = json_array();
	const char *k;
	json_t *v;
	json_object_foreach(tags, k, v) json_array_append_new(list, json_pack("{s:s,s:O}", "Key", k, "Value", v));
	json_decref(tags);
	call_set(c, "Tags", list);
	return 0;
}

/* ------------------------------------------------------------------ */
/* the service                                                         */

static int sns_start(const struct config *cfg)
{
	sns_sign_init(cfg->data_dir, cfg->sns_cert_base);
	bus_subscribe("sns-fanout", SNS_OUTBOX_TOPIC, sns_fanout, (void *)cfg);
	sns_dest_register(cfg->port);
	return sns_http_start();
}

static void sns_stop(void)
{
	sns_http_stop();
	sns_fanout_fini(); /* main stops the bus before the services */
	sns_sign_fini();
}

static const struct svc_op ops[] = {
	{"CreateTopic", create_topic, NULL, false},
	{"DeleteTopic", delete_topic, NULL, false},
	{"ListTopics", list_topics, NULL, false},
	{"GetTopicAttributes", get_topic_attributes, NULL, false},
	{"SetTopicAttributes", set_topic_attributes, NULL, false},
	{"Subscribe", sns_subscribe, NULL, false},
	{"ConfirmSubscription", sns_confirm_subscription, NULL, true},
	{"Unsubscribe", sns_unsubscribe, NULL, true},
	{"ListSubscriptions", sns_list_subscriptions, NULL, false},
	{"ListSubscriptionsByTopic", sns_list_subscriptions_by_topic, NULL, false},
	{"GetSubscriptionAttributes", sns_get_subscription_attributes, NULL, false},
	{"SetSubscriptionAttributes", sns_set_subscription_attributes, NULL, false},
	{"Publish", sns_publish, NULL, false},
	{"PublishBatch", sns_publish_batch, NULL, false},
	{"TagResource", tag_resource, NULL, false},
	{"UntagResource", untag_resource, NULL, false},
	{"ListTagsForResource", list_tags_for_resource, NULL, false},
};

const struct svc svc_sns = {
	.name = "sns",
	.model = &model_sns,
	.ops = ops,
	.nops = sizeof ops / sizeof *ops,
	.migrations = &sns_mset,
	.start = sns_start,
	.stop = sns_stop,
	.public_get = sns_public_get,
};
