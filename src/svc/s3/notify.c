/* notify.c — S3 event notifications.
 *
 * Put/GetBucketNotificationConfiguration keep a bucket's configuration
 * (TopicConfigurations, QueueConfigurations, LambdaFunctionConfigurations,
 * EventBridgeConfiguration) in s3_buckets.notification, normalized: every
 * configuration has an Id, filter rule names are "Prefix"/"Suffix" as S3
 * returns them. Saving checks what S3 checks, with its messages: known event
 * names, at most one prefix and one suffix rule, no two configurations that
 * share an event type with overlapping prefix and suffix filters, well-formed
 * destination ARNs in the bucket's region, and destinations that exist
 * (unless x-amz-skip-destination-validation). SQS and SNS destinations get
 * the s3:TestEvent message, in the transaction that saves the
 * configuration, so a configuration is stored iff its test events are.
 *
 * Object changes call s3_notify_txn inside the transaction that writes the
 * object's row; each matching configuration's record goes to its
 * destination through engine/dest.h in that same transaction. So an
 * acknowledged PUT has its event queued, and a failed one has none. A
 * destination deleted since the configuration was saved loses the event
 * (logged), as on AWS; the object change itself still succeeds.
 *
 * Emitted: ObjectCreated:Put, :Copy, :CompleteMultipartUpload and
 * ObjectRemoved:Delete. Other event types are accepted in configurations
 * but nothing in nuage produces them yet (POST uploads, tagging, ACL,
 * lifecycle, restore, replication); EventBridgeConfiguration is stored and
 * returned, and delivers nothing until nuage has EventBridge.
 */
#include "core/arena.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/enc.h"
#include "core/log.h"
#include "core/rand.h"
#include "engine/dest.h"
#include "http/request.h"
#include "store/db.h"
#include "svc/s3/s3int.h"

#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define MAX_CONFIGS 100

/* The three destination kinds: list member, ARN member, ARN service. */
static const struct kind {
	const char *list, *arn_member, *service;
	bool test_event; /* S3 sends s3:TestEvent when the configuration is saved */
} kinds[] = {
	{"TopicConfigurations", "TopicArn", "sns", true},
	{"QueueConfigurations", "QueueArn", "sqs", true},
	{"LambdaFunctionConfigurations", "LambdaFunctionArn", "lambda", false},
};
#define NKINDS (sizeof kinds / sizeof *kinds)

static const char *const event_names[] = {
	"s3:ReducedRedundancyLostObject",
	"s3:ObjectCreated:*",
	"s3:ObjectCreated:Put",
	"s3:ObjectCreated:Post",
	"s3:ObjectCreated:Copy",
	"s3:ObjectCreated:CompleteMultipartUpload",
	"s3:ObjectRemoved:*",
	"s3:ObjectRemoved:Delete",
	"s3:ObjectRemoved:DeleteMarkerCreated",
	"s3:ObjectRestore:*",
	"s3:ObjectRestore:Post",
	"s3:ObjectRestore:Completed",
	"s3:ObjectRestore:Delete",
	"s3:Replication:*",
	"s3:Replication:OperationFailedReplication",
	"s3:Replication:OperationNotTracked",
	"s3:Replication:OperationMissedThreshold",
	"s3:Replication:OperationReplicatedAfterThreshold",
	"s3:LifecycleTransition",
	"s3:IntelligentTiering",
	"s3:ObjectAcl:Put",
	"s3:LifecycleExpiration:*",
	"s3:LifecycleExpiration:Delete",
	"s3:LifecycleExpiration:DeleteMarkerCreated",
	"s3:ObjectTagging:*",
	"s3:ObjectTagging:Put",
	"s3:ObjectTagging:Delete",
	NULL,
};

/* One configuration, flattened for the checks. */
struct ncfg {
	const struct kind *kind;
	json_t *doc;           /* the normalized configuration (borrowed) */
	const char *id, *arn;
	json_t *events;        /* ["s3:..."] */
	const char *prefix, *suffix; /* "" when absent */
};

static bool event_known(const char *e)
{
	for (int i = 0; event_names[i]; i++)
		if (!strcmp(event_names[i], e))
			return true;
	return false;
}

/* Whether configured event a (with "s3:", maybe a ":*" wildcard) covers the
 * event name ev (without "s3:"), or (both configured) they share a type. */
static bool covers(const char *a, const char *ev)
{
	if (!strncmp(a, "s3:", 3))
		a += 3;
	if (!strncmp(ev, "s3:", 3))
		ev += 3;
	size_t n = strlen(a);
	if (n >= 2 && !strcmp(a + n - 2, ":*"))
		return !strncmp(a, ev, n - 1);
	return !strcmp(a, ev);
}

static bool events_share(json_t *a, json_t *b)
{
	size_t i, j;
	json_t *x, *y;
	json_array_foreach(a, i, x) json_array_foreach(b, j, y)
	{
		const char *p = json_string_value(x), *q = json_string_value(y);
		if (covers(p, q) || covers(q, p))
			return true;
	}
	return false;
}

static bool starts(const char *s, const char *p)
{
	return !strncmp(s, p, strlen(p));
}

static bool ends(const char *s, const char *x)
{
	size_t n = strlen(s), m = strlen(x);
	return m <= n && !memcmp(s + n - m, x, m);
}

/* Two configurations overlap when some key and event would match both. */
static bool overlap(const struct ncfg *a, const struct ncfg *b)
{
	return events_share(a->events, b->events) && (starts(a->prefix, b->prefix) || starts(b->prefix, a->prefix)) &&
	       (ends(a->suffix, b->suffix) || ends(b->suffix, a->suffix));
}

static int invalid_arg(struct call *c, const char *name, const char *value, const char *msg)
{
	if (name)
		call_error_field(c, "ArgumentName", name);
	if (value)
		call_error_field(c, "ArgumentValue", value);
	return call_error(c, ERR_INVALID_ARGUMENT, "%s", msg);
}

/* Reads Filter.Key.FilterRules into prefix/suffix and rewrites the rule
 * names as S3 returns them. */
static int check_filter(struct call *c, json_t *doc, struct ncfg *n)
{
	n->prefix = n->suffix = "";
	bool have_prefix = false, have_suffix = false;
	json_t *rules = json_object_get(json_object_get(json_object_get(doc, "Filter"), "Key"), "FilterRules");
	size_t i;
	json_t *r;
	json_array_foreach(rules, i, r)
	{
		const char *name = json_string_value(json_object_get(r, "Name"));
		const char *value = json_string_value(json_object_get(r, "Value"));
		if (!value)
			value = "";
		bool pre = name && !strcasecmp(name, "prefix"), suf = name && !strcasecmp(name, "suffix");
		if (!pre && !suf)
			return invalid_arg(c, "FilterRule.Name", name ? name : "", "filter rule name must be either prefix or suffix");
		if (strlen(value) > S3_MAX_KEY)
			return invalid_arg(c, "FilterRule.Value", value, "The filter rule value is longer than 1024 characters.");
		bool *have = pre ? &have_prefix : &have_suffix;
		if (*have)
			return invalid_arg(c, "FilterRule.Name", name,
					   pre ? "Cannot specify more than one prefix rule in a filter."
					       : "Cannot specify more than one suffix rule in a filter.");
		*have = true;
		*(pre ? &n->prefix : &n->suffix) = value;
		json_object_set_new(r, "Name", json_string(pre ? "Prefix" : "Suffix"));
	}
	return 0;
}

/* arn:aws:SERVICE:REGION:ACCOUNT:NAME with the service the kind needs. */
static bool arn_ok(const char *arn, const char *service, const char **region, size_t *rlen)
{
	size_t sl = strlen(service);
	if (!arn || strncmp(arn, "arn:aws:", 8) || strncmp(arn + 8, service, sl) || arn[8 + sl] != ':')
		return false;
	const char *r = arn + 9 + sl, *e = strchr(r, ':');
	const char *acct_end = e ? strchr(e + 1, ':') : NULL;
	if (!e || e == r || !acct_end || acct_end - e != 13 || !acct_end[1])
		return false;
	*region = r;
	*rlen = (size_t)(e - r);
	return true;
}

/* Collects and checks every configuration of the input; fills n[] with
 * pointers into conf (which is modified: Ids added, rule names). */
static int collect(struct call *c, json_t *conf, struct ncfg *n, int *count)
{
	*count = 0;
	for (size_t k = 0; k < NKINDS; k++) {
		json_t *list = json_object_get(conf, kinds[k].list);
		size_t i;
		json_t *doc;
		json_array_foreach(list, i, doc)
		{
			if (*count == MAX_CONFIGS)
				return invalid_arg(c, NULL, NULL, "Too many notification configurations (at most 100 per bucket).");
			struct ncfg *x = &n[(*count)++];
			x->kind = &kinds[k];
			x->doc = doc;
			x->arn = json_string_value(json_object_get(doc, kinds[k].arn_member));
			x->events = json_object_get(doc, "Events");
			if (!x->arn || !json_array_size(x->events))
				return call_error(c, ERR_MALFORMED_XML, NULL);
			size_t j;
			json_t *ev;
			json_array_foreach(x->events, j, ev)
			{
				const char *e = json_string_value(ev);
				if (!e || !event_known(e))
					return invalid_arg(c, "Event", e ? e : "", "The event is not supported for notifications");
			}
			if (check_filter(c, doc, x))
				return -1;
			x->id = json_string_value(json_object_get(doc, "Id"));
			if (!x->id || !*x->id) {
				/* S3 names unnamed configurations with a random base64 id. */
				char u[37], b64[64];
				uuid4(u);
				b64[base64_encode((const unsigned char *)u, 36, b64)] = 0;
				json_object_set_new(doc, "Id", json_string(b64));
				x->id = json_string_value(json_object_get(doc, "Id"));
			} else if (strlen(x->id) > 1024) {
				return invalid_arg(c, "Id", NULL, "The configuration Id is longer than 1024 characters.");
			}
		}
	}
	for (int i = 0; i < *count; i++)
		for (int j = 0; j < i; j++) {
			if (!strcmp(n[i].id, n[j].id))
				return invalid_arg(c, "Id", n[i].id, "Same ID used for multiple configurations.");
			if (overlap(&n[i], &n[j]))
				return invalid_arg(c, "Event", NULL,
						   "Configurations overlap. Configurations on the same bucket cannot share a "
						   "common event type.");
		}
	return 0;
}

static const char *host_id(struct call *c)
{
	return c->request_id;
}

/* The s3:TestEvent document S3 sends to a destination it validates. */
static char *test_event(struct call *c, const char *bucket)
{
	char t[32];
	time_fmt_iso8601(clock_wall_ms(), t);
	json_t *ev = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "Service", "Amazon S3", "Event", "s3:TestEvent", "Time", t,
			       "Bucket", bucket, "RequestId", c->request_id, "HostId", host_id(c));
	char *s = json_dumps(ev, JSON_COMPACT);
	json_decref(ev);
	return s;
}

/* Checks the destinations (and sends the test events) inside the
 * transaction; failures become S3's "Unable to validate" error, naming
 * each failing destination in ArgumentName<i>/ArgumentValue<i>. */
static int validate_destinations(struct call *c, const struct s3_bucket *b, struct ncfg *n, int count, bool skip)
{
	char *test = test_event(c, b->name);
	int bad = 0;
	for (int i = 0; i < count; i++) {
		bool seen = false; /* one check (and one test event) per destination */
		for (int j = 0; j < i && !seen; j++)
			seen = !strcmp(n[i].arn, n[j].arn);
		if (seen)
			continue;
		char why[256] = "";
		const char *region;
		size_t rl;
		if (!arn_ok(n[i].arn, n[i].kind->service, &region, &rl))
			snprintf(why, sizeof why, "The ARN is not well formed");
		else if (rl != strlen(b->region) || strncmp(region, b->region, rl))
			snprintf(why, sizeof why, "The notification destination service region is not valid for the bucket location constraint");
		else if (!skip) {
			struct dest_msg m = {.body = test, .len = strlen(test), .subject = "Amazon S3 Notification",
					     .check_only = !n[i].kind->test_event};
			if (dest_send(n[i].arn, &m, why, sizeof why) && !why[0])
				snprintf(why, sizeof why, "The destination cannot be reached");
		}
		if (why[0]) {
			bad++;
			call_error_field(c, arena_printf(c->arena, "ArgumentName%d", bad), n[i].arn);
			call_error_field(c, arena_printf(c->arena, "ArgumentValue%d", bad), why);
		}
	}
	free(test);
	return bad ? call_error(c, ERR_INVALID_ARGUMENT, "Unable to validate the following destination configurations") : 0;
}

int s3_put_bucket_notification_configuration(struct call *c)
{
	struct s3_bucket b;
	if (s3_input_bucket(c, &b))
		return -1;
	json_t *conf = call_get(c, "NotificationConfiguration");
	struct ncfg *n = calloc(MAX_CONFIGS, sizeof *n);
	int count;
	if (collect(c, conf, n, &count)) {
		free(n);
		return -1;
	}
	/* The normalized document: only what S3 keeps. */
	json_t *doc = json_object();
	for (size_t k = 0; k < NKINDS; k++) {
		json_t *list = json_object_get(conf, kinds[k].list);
		if (json_array_size(list))
			json_object_set(doc, kinds[k].list, list);
	}
	if (json_is_object(json_object_get(conf, "EventBridgeConfiguration")))
		json_object_set_new(doc, "EventBridgeConfiguration", json_object());
	char *text = json_object_size(doc) ? json_dumps(doc, JSON_COMPACT) : NULL;
	json_decref(doc);
	if (db_begin()) {
		free(n);
		free(text);
		return s3_internal(c, "begin");
	}
	int rc = validate_destinations(c, &b, n, count, call_bool(c, "SkipDestinationValidation", false));
	if (!rc) {
		sqlite3_stmt *st = db_prep("UPDATE s3_buckets SET notification = ? WHERE name = ?");
		db_bind_text(st, 1, text);
		db_bind_text(st, 2, b.name);
		rc = sqlite3_step(st) == SQLITE_DONE ? 0 : s3_internal(c, "bucket update");
		db_done(st);
	}
	if (rc)
		db_rollback();
	else if (db_commit())
		rc = s3_internal(c, "commit");
	dest_after_commit();
	free(n);
	free(text);
	return rc;
}

int s3_get_bucket_notification_configuration(struct call *c)
{
	struct s3_bucket b;
	if (s3_input_bucket(c, &b))
		return -1;
	sqlite3_stmt *st = db_prep("SELECT notification FROM s3_buckets WHERE name = ?");
	db_bind_text(st, 1, b.name);
	json_t *doc = sqlite3_step(st) == SQLITE_ROW && db_col_text(st, 0) ? json_loads(db_col_text(st, 0), 0, NULL) : NULL;
	db_done(st);
	c->output = json_is_object(doc) ? doc : json_object(); /* an empty NotificationConfiguration */
	if (!json_is_object(doc))
		json_decref(doc);
	return 0;
}

/* ---- events ---- */

/* S3's sequencer: hex, increasing for every event of this nuage. */
static void sequencer(char out[24])
{
	static _Atomic uint64_t last;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	uint64_t now = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	uint64_t prev = atomic_load(&last), next;
	do
		next = now > prev ? now : prev + 1;
	while (!atomic_compare_exchange_weak(&last, &prev, next));
	snprintf(out, 24, "00%016" PRIX64, next);
}

static bool matches(json_t *cfg, const char *event, const char *key)
{
	bool ev = false;
	size_t i;
	json_t *e;
	json_array_foreach(json_object_get(cfg, "Events"), i, e) ev = ev || covers(json_string_value(e), event);
	if (!ev)
		return false;
	json_t *r;
	json_array_foreach(json_object_get(json_object_get(json_object_get(cfg, "Filter"), "Key"), "FilterRules"), i, r)
	{
		const char *name = json_string_value(json_object_get(r, "Name"));
		const char *v = json_string_value(json_object_get(r, "Value"));
		if (!name || !v)
			continue;
		if (!strcmp(name, "Prefix") ? !starts(key, v) : !ends(key, v))
			return false;
	}
	return true;
}

/* The record, as AWS writes it (eventVersion 2.1). */
static json_t *record(struct call *c, const char *event, const char *region, const char *account,
		      const struct s3_object *o, bool created)
{
	char t[32], seq[24];
	time_fmt_iso8601(created ? o->mtime : clock_wall_ms(), t);
	sequencer(seq);
	struct buf k;
	buf_init(&k, BUF_UNLIMITED);
	uri_encode(&k, o->key, strlen(o->key), URI_FORM | URI_KEEP_SLASH);
	json_t *obj = json_pack("{s:s}", "key", buf_str(&k));
	buf_free(&k);
	if (created) {
		json_object_set_new(obj, "size", json_integer(o->size));
		size_t el = strlen(o->etag);
		json_object_set_new(obj, "eTag",
				    el >= 2 && o->etag[0] == '"' ? json_stringn(o->etag + 1, el - 2) : json_string(o->etag));
	}
	json_object_set_new(obj, "sequencer", json_string(seq));
	const char *who = c->who.user_id && *c->who.user_id ? c->who.user_id : c->who.access_key;
	json_t *r = json_pack("{s:s, s:s, s:s, s:s, s:s, s:{s:s}, s:{s:s}, s:{s:s, s:s}}", "eventVersion", "2.1",
			      "eventSource", "aws:s3", "awsRegion", region, "eventTime", t, "eventName", event,
			      "userIdentity", "principalId", arena_printf(c->arena, "AWS:%s", who ? who : account),
			      "requestParameters", "sourceIPAddress",
			      c->req && c->req->peer && *c->req->peer ? c->req->peer : "127.0.0.1", "responseElements",
			      "x-amz-request-id", c->request_id, "x-amz-id-2", host_id(c));
	json_object_set_new(r, "s3",
			    json_pack("{s:s, s:s, s:{s:s, s:{s:s}, s:s}, s:o}", "s3SchemaVersion", "1.0", "configurationId",
				      "", "bucket", "name", o->bucket, "ownerIdentity", "principalId", account, "arn",
				      arena_printf(c->arena, "arn:aws:s3:::%s", o->bucket), "object", obj));
	return r;
}

void s3_notify_txn(struct call *c, const char *event, const struct s3_object *o)
{
	sqlite3_stmt *st = db_prep("SELECT notification, region, account FROM s3_buckets WHERE name = ?");
	db_bind_text(st, 1, o->bucket);
	json_t *conf = NULL;
	const char *region = NULL, *account = NULL;
	if (sqlite3_step(st) == SQLITE_ROW && db_col_text(st, 0)) {
		conf = json_loads(db_col_text(st, 0), 0, NULL);
		region = arena_strdup(c->arena, db_col_text(st, 1));
		account = arena_strdup(c->arena, db_col_text(st, 2));
	}
	db_done(st);
	if (!conf)
		return;
	bool created = !strncmp(event, "ObjectCreated:", 14);
	json_t *rec = NULL;
	for (size_t k = 0; k < NKINDS; k++) {
		size_t i;
		json_t *cfg;
		json_array_foreach(json_object_get(conf, kinds[k].list), i, cfg)
		{
			if (!matches(cfg, event, o->key))
				continue;
			if (!rec)
				rec = record(c, event, region, account, o, created);
			json_object_set(json_object_get(rec, "s3"), "configurationId", json_object_get(cfg, "Id"));
			json_t *env = json_pack("{s:[O]}", "Records", rec);
			char *body = json_dumps(env, JSON_COMPACT);
			json_decref(env);
			const char *arn = json_string_value(json_object_get(cfg, kinds[k].arn_member));
			struct dest_msg m = {.body = body, .len = body ? strlen(body) : 0, .subject = "Amazon S3 Notification"};
			char why[256] = "";
			if (!body || dest_send(arn, &m, why, sizeof why))
				log_warn("s3: %s event for %s/%s not delivered to %s: %s", event, o->bucket, o->key, arn, why);
			free(body);
		}
	}
	json_decref(rec);
	json_decref(conf);
}
