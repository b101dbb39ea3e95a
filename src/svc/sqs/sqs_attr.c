/* sqs_attr.c — SQS queue attributes: which exist, their ranges and
 * defaults, how CreateQueue / SetQueueAttributes values are checked and
 * normalized, what GetQueueAttributes answers, and the engine settings
 * (engine/queue.h) they imply.
 *
 * A queue stores its settable attributes as name -> normalized string
 * (integers without sign or padding, booleans "true"/"false", RedrivePolicy
 * re-serialized as AWS returns it). Defaults are filled at creation, so a
 * stored object always has every attribute that has a default.
 * Deliberately left out: KMS is stored and echoed, never used (bodies are
 * not encrypted at rest beyond what the disk does).
 */
#include "svc/sqs/sqs.h"
#include "core/clock.h"
#include "store/db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum akind { A_INT, A_BOOL, A_POLICY, A_REDRIVE, A_REDRIVE_ALLOW, A_STRING, A_ENUM };

#define F_FIFO 1u     /* FIFO queues only */
#define F_CREATE 2u   /* CreateQueue only */

struct adef {
	const char *name;
	enum akind kind;
	int64_t lo, hi;
	const char *dflt;  /* NULL: absent until set */
	unsigned flags;
	const char *e1, *e2; /* A_ENUM values */
};

/* In the order GetQueueAttributes lists them. */
static const struct adef defs[] = {
	{"VisibilityTimeout", A_INT, 0, 43200, "30", 0, NULL, NULL},
	{"MaximumMessageSize", A_INT, 1024, 262144, "262144", 0, NULL, NULL},
	{"MessageRetentionPeriod", A_INT, 60, 1209600, "345600", 0, NULL, NULL},
	{"DelaySeconds", A_INT, 0, 900, "0", 0, NULL, NULL},
	{"Policy", A_POLICY, 0, 0, NULL, 0, NULL, NULL},
	{"RedrivePolicy", A_REDRIVE, 0, 0, NULL, 0, NULL, NULL},
	{"RedriveAllowPolicy", A_REDRIVE_ALLOW, 0, 0, NULL, 0, NULL, NULL},
	{"ReceiveMessageWaitTimeSeconds", A_INT, 0, 20, "0", 0, NULL, NULL},
	{"SqsManagedSseEnabled", A_BOOL, 0, 0, "true", 0, NULL, NULL},
	{"KmsMasterKeyId", A_STRING, 0, 0, NULL, 0, NULL, NULL},
	{"KmsDataKeyReusePeriodSeconds", A_INT, 60, 86400, NULL, 0, NULL, NULL},
	{"FifoQueue", A_BOOL, 0, 0, NULL, F_CREATE, NULL, NULL},
	{"ContentBasedDeduplication", A_BOOL, 0, 0, "false", F_FIFO, NULL, NULL},
	{"DeduplicationScope", A_ENUM, 0, 0, "queue", F_FIFO, "queue", "messageGroup"},
	{"FifoThroughputLimit", A_ENUM, 0, 0, "perQueue", F_FIFO, "perQueue", "perMessageGroupId"},
};
#define NDEFS (sizeof defs / sizeof *defs)

static const char *const readonly[] = {"ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible",
				       "ApproximateNumberOfMessagesDelayed", "CreatedTimestamp", "LastModifiedTimestamp",
				       "QueueArn", NULL};

static const struct adef *find_def(const char *name)
{
	for (size_t i = 0; i < NDEFS; i++)
		if (!strcmp(defs[i].name, name))
			return &defs[i];
	return NULL;
}

static bool is_readonly(const char *name)
{
	for (int i = 0; readonly[i]; i++)
		if (!strcmp(readonly[i], name))
			return true;
	return false;
}

int64_t sqs_attr_int(json_t *attrs, const char *name, int64_t dflt)
{
	const char *v = json_string_value(json_object_get(attrs, name));
	if (!v || !*v)
		return dflt;
	return strtoll(v, NULL, 10);
}

static bool parse_uint(const char *s, int64_t *out)
{
	if (!*s || strlen(s) > 12)
		return false;
	int64_t v = 0;
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return false;
		v = v * 10 + (*p - '0');
	}
	*out = v;
	return true;
}

static int bad_value(struct call *c, const char *name)
{
	return call_error(c, ERR_SQS_BAD_ATTR_VALUE, "Invalid value for the parameter %s.", name);
}

static int bad_redrive(struct call *c, const char *attr, const char *value, const char *reason)
{
	return call_error(c, ERR_INVALID_PARAMETER_VALUE, "Value %.1000s for parameter %s is invalid. Reason: %s", value,
			  attr, reason);
}

/* Looks up a queue by ARN for redrive checks: 1 found (fifo, allow policy
 * filled), 0 not found. */
static int queue_by_arn(struct call *c, const char *arn, bool *fifo, char **allow)
{
	sqlite3_stmt *st = db_prep("SELECT fifo, attrs FROM sqs_queues WHERE arn = ?");
	db_bind_text(st, 1, arn);
	int found = sqlite3_step(st) == SQLITE_ROW;
	if (found) {
		*fifo = sqlite3_column_int(st, 0);
		json_t *a = json_loads(db_col_text(st, 1), 0, NULL);
		const char *p = json_string_value(json_object_get(a, "RedriveAllowPolicy"));
		*allow = p ? arena_strdup(c->arena, p) : NULL;
		json_decref(a);
	}
	db_done(st);
	return found;
}

/* Whether the DLQ's RedriveAllowPolicy lets source_arn use it. */
static bool redrive_allowed(const char *allow, const char *source_arn)
{
	if (!allow)
		return true;
	json_t *p = json_loads(allow, 0, NULL);
	const char *perm = json_string_value(json_object_get(p, "redrivePermission"));
	bool ok = true;
	if (perm && !strcmp(perm, "denyAll")) {
		ok = false;
	} else if (perm && !strcmp(perm, "byQueue")) {
		ok = false;
		size_t i;
		json_t *v;
		json_array_foreach(json_object_get(p, "sourceQueueArns"), i, v) if (json_is_string(v) &&
									   !strcmp(json_string_value(v), source_arn)) ok = true;
	}
	json_decref(p);
	return ok;
}

/* RedrivePolicy: {"deadLetterTargetArn": ARN, "maxReceiveCount": 1..1000},
 * the count as a number or a numeric string; normalized as AWS echoes it. */
static int check_redrive(struct call *c, const char *v, bool fifo, const char *self_arn, char **norm)
{
	const char *A = "RedrivePolicy";
	json_error_t je;
	json_t *p = json_loads(v, 0, &je);
	int rc = -1;
	if (!json_is_object(p)) {
		bad_redrive(c, A, v, "Redrive policy is not a valid JSON map.");
		goto out;
	}
	const char *k;
	json_t *x;
	json_object_foreach(p, k, x)
	{
		if (strcmp(k, "deadLetterTargetArn") && strcmp(k, "maxReceiveCount")) {
			bad_redrive(c, A, v, "Only following attributes are supported: [deadLetterTargetArn, maxReceiveCount].");
			goto out;
		}
	}
	json_t *arn = json_object_get(p, "deadLetterTargetArn"), *mrc = json_object_get(p, "maxReceiveCount");
	if (!json_is_string(arn)) {
		bad_redrive(c, A, v, "Redrive policy does not contain mandatory attribute: deadLetterTargetArn.");
		goto out;
	}
	if (!mrc) {
		bad_redrive(c, A, v, "Redrive policy does not contain mandatory attribute: maxReceiveCount.");
		goto out;
	}
	int64_t n = -1;
	if (json_is_integer(mrc))
		n = json_integer_value(mrc);
	else if (json_is_string(mrc) && !parse_uint(json_string_value(mrc), &n))
		n = -1;
	if (n < 1 || n > 1000) {
		const char *shown = json_is_string(mrc) ? json_string_value(mrc)
				    : json_is_integer(mrc) ? arena_printf(c->arena, "%lld", (long long)json_integer_value(mrc))
							   : "null";
		bad_redrive(c, A, v,
			    arena_printf(c->arena,
					 "Invalid value for maxReceiveCount: %.64s, valid values are from 1 to 1000 both inclusive.",
					 shown));
		goto out;
	}
	bool dfifo = false;
	char *allow = NULL;
	const char *target = json_string_value(arn);
	if (!queue_by_arn(c, target, &dfifo, &allow)) {
		bad_redrive(c, A, v, "Dead-letter target does not exist.");
		goto out;
	}
	if (dfifo != fifo) {
		bad_redrive(c, A, v, "Dead-letter queue must be same type of queue as the source..");
		goto out;
	}
	if (self_arn && !redrive_allowed(allow, self_arn)) {
		char why[600];
		snprintf(why, sizeof why, "Queue %s does not allow this queue to use it as a dead-letter queue.", target);
		bad_redrive(c, A, v, why);
		goto out;
	}
	*norm = arena_printf(c->arena, "{\"deadLetterTargetArn\":\"%s\",\"maxReceiveCount\":%lld}", target, (long long)n);
	rc = 0;
out:
	json_decref(p);
	return rc;
}

static int check_redrive_allow(struct call *c, const char *v)
{
	const char *A = "RedriveAllowPolicy";
	json_t *p = json_loads(v, 0, NULL);
	int rc = -1;
	const char *perm = json_string_value(json_object_get(p, "redrivePermission"));
	json_t *arns = json_object_get(p, "sourceQueueArns");
	if (!json_is_object(p)) {
		bad_redrive(c, A, v, "Amazon SQS can't parse the redrive allow policy.");
	} else if (!perm || (strcmp(perm, "allowAll") && strcmp(perm, "denyAll") && strcmp(perm, "byQueue"))) {
		bad_redrive(c, A, v, "Amazon SQS supports only the allowAll, denyAll and byQueue redrivePermission values.");
	} else if (!strcmp(perm, "byQueue") && (!json_is_array(arns) || !json_array_size(arns) || json_array_size(arns) > 10)) {
		bad_redrive(c, A, v, "You must specify 1 to 10 source queue ARNs when redrivePermission is byQueue.");
	} else if (strcmp(perm, "byQueue") && arns) {
		bad_redrive(c, A, v, "You can specify sourceQueueArns only when redrivePermission is byQueue.");
	} else {
		rc = 0;
	}
	json_decref(p);
	return rc;
}

/* Checks one value; *norm gets its normalized form ("" = remove). */
static int check_value(struct call *c, const struct adef *d, const char *v, bool fifo, const char *self_arn,
		       const char **norm)
{
	int64_t n;
	switch (d->kind) {
	case A_INT:
		if (!parse_uint(v, &n) || n < d->lo || n > d->hi)
			return bad_value(c, d->name);
		*norm = arena_printf(c->arena, "%lld", (long long)n);
		return 0;
	case A_BOOL:
		if (!strcasecmp(v, "true"))
			*norm = "true";
		else if (!strcasecmp(v, "false"))
			*norm = "false";
		else
			return bad_value(c, d->name);
		return 0;
	case A_ENUM:
		if (strcmp(v, d->e1) && strcmp(v, d->e2))
			return bad_value(c, d->name);
		*norm = v;
		return 0;
	case A_POLICY: {
		if (!*v) {
			*norm = "";
			return 0;
		}
		json_t *p = json_loads(v, 0, NULL);
		bool ok = json_is_object(p);
		json_decref(p);
		if (!ok)
			return bad_value(c, d->name);
		*norm = v;
		return 0;
	}
	case A_REDRIVE: {
		if (!*v) {
			*norm = "";
			return 0;
		}
		char *r = NULL;
		if (check_redrive(c, v, fifo, self_arn, &r))
			return -1;
		*norm = r;
		return 0;
	}
	case A_REDRIVE_ALLOW:
		if (!*v) {
			*norm = "";
			return 0;
		}
		if (check_redrive_allow(c, v))
			return -1;
		*norm = v;
		return 0;
	case A_STRING:
		if (strlen(v) > 2048)
			return bad_value(c, d->name);
		*norm = v;
		return 0;
	}
	return bad_value(c, d->name);
}

int sqs_attrs_apply(struct call *c, json_t *attrs, json_t *given, bool creating, bool fifo, const char *self_arn)
{
	const char *k;
	json_t *v;
	json_object_foreach(given, k, v)
	{
		const struct adef *d = find_def(k);
		if (!d || (!creating && (d->flags & F_CREATE)) || (!fifo && (d->flags & F_FIFO)))
			return call_error(c, ERR_SQS_BAD_ATTR_NAME, "Unknown Attribute %.256s.", k);
		const char *s = json_string_value(v);
		if (!s)
			return bad_value(c, k);
		const char *norm = NULL;
		if (check_value(c, d, s, fifo, self_arn, &norm))
			return -1;
		if (d->flags & F_CREATE)
			continue; /* FifoQueue: decided by the caller, echoed below */
		if (!*norm)
			json_object_del(attrs, k);
		else
			json_object_set_new(attrs, k, json_string(norm));
	}
	if (fifo) {
		const char *scope = json_string_value(json_object_get(attrs, "DeduplicationScope"));
		const char *limit = json_string_value(json_object_get(attrs, "FifoThroughputLimit"));
		/* An absent scope is the default, "queue". */
		if (limit && !strcmp(limit, "perMessageGroupId") && (!scope || strcmp(scope, "messageGroup")))
			return call_error(c, ERR_INVALID_PARAMETER_VALUE,
					  "The perMessageGroupId value is allowed only when the value for DeduplicationScope "
					  "is messageGroup.");
	}
	if (json_object_get(given, "KmsMasterKeyId")) {
		bool kms = json_object_get(attrs, "KmsMasterKeyId") != NULL;
		if (kms && !json_object_get(attrs, "KmsDataKeyReusePeriodSeconds"))
			json_object_set_new(attrs, "KmsDataKeyReusePeriodSeconds", json_string("300"));
		if (kms)
			json_object_set_new(attrs, "SqsManagedSseEnabled", json_string("false"));
	}
	if (creating) {
		for (size_t i = 0; i < NDEFS; i++) {
			const struct adef *d = &defs[i];
			if (!d->dflt || ((d->flags & F_FIFO) && !fifo) || json_object_get(attrs, d->name))
				continue;
			json_object_set_new(attrs, d->name, json_string(d->dflt));
		}
		if (fifo)
			json_object_set_new(attrs, "FifoQueue", json_string("true"));
	}
	return 0;
}

void sqs_attrs_conf(json_t *attrs, struct queue_conf *conf)
{
	memset(conf, 0, sizeof *conf);
	const char *fq = json_string_value(json_object_get(attrs, "FifoQueue"));
	conf->fifo = fq && !strcmp(fq, "true");
	const char *cbd = json_string_value(json_object_get(attrs, "ContentBasedDeduplication"));
	conf->content_dedup = cbd && !strcmp(cbd, "true");
	const char *scope = json_string_value(json_object_get(attrs, "DeduplicationScope"));
	conf->dedup_per_group = scope && !strcmp(scope, "messageGroup");
	conf->visibility_ms = sqs_attr_int(attrs, "VisibilityTimeout", 30) * 1000;
	conf->delay_ms = sqs_attr_int(attrs, "DelaySeconds", 0) * 1000;
	conf->retention_ms = sqs_attr_int(attrs, "MessageRetentionPeriod", 345600) * 1000;
	const char *rp = json_string_value(json_object_get(attrs, "RedrivePolicy"));
	json_t *p = rp ? json_loads(rp, 0, NULL) : NULL;
	if (p) {
		const char *arn = json_string_value(json_object_get(p, "deadLetterTargetArn"));
		json_t *mrc = json_object_get(p, "maxReceiveCount");
		if (arn && json_is_integer(mrc)) {
			snprintf(conf->dlq_arn, sizeof conf->dlq_arn, "%s", arn);
			conf->max_receives = (int)json_integer_value(mrc);
		}
		json_decref(p);
	}
}

static void put_num(json_t *out, const char *name, int64_t v)
{
	char b[32];
	snprintf(b, sizeof b, "%lld", (long long)v);
	json_object_set_new(out, name, json_string(b));
}

static bool wanted(json_t *names, const char *name)
{
	if (!names)
		return false;
	size_t i;
	json_t *v;
	json_array_foreach(names, i, v)
	{
		const char *s = json_string_value(v);
		if (s && (!strcmp(s, "All") || !strcmp(s, name)))
			return true;
	}
	return false;
}

int sqs_attrs_get(struct call *c, const struct sqs_queue *q, json_t *attrs, json_t *names, json_t *out)
{
	size_t i;
	json_t *v;
	json_array_foreach(names, i, v)
	{
		const char *s = json_string_value(v);
		if (!s || (strcmp(s, "All") && !find_def(s) && !is_readonly(s)))
			return call_error(c, ERR_SQS_BAD_ATTR_NAME, "Unknown Attribute %.256s.", s ? s : "");
	}
	if (wanted(names, "QueueArn"))
		json_object_set_new(out, "QueueArn", json_string(q->arn));
	if (wanted(names, "ApproximateNumberOfMessages") || wanted(names, "ApproximateNumberOfMessagesNotVisible") ||
	    wanted(names, "ApproximateNumberOfMessagesDelayed")) {
		struct queue_stats st = {0};
		int rc = queue_get_stats(q->arn, &st);
		if (rc)
			return sqs_engine_error(c, rc, q->name);
		if (wanted(names, "ApproximateNumberOfMessages"))
			put_num(out, "ApproximateNumberOfMessages", st.visible);
		if (wanted(names, "ApproximateNumberOfMessagesNotVisible"))
			put_num(out, "ApproximateNumberOfMessagesNotVisible", st.inflight);
		if (wanted(names, "ApproximateNumberOfMessagesDelayed"))
			put_num(out, "ApproximateNumberOfMessagesDelayed", st.delayed);
	}
	if (wanted(names, "CreatedTimestamp"))
		put_num(out, "CreatedTimestamp", q->created / 1000);
	if (wanted(names, "LastModifiedTimestamp"))
		put_num(out, "LastModifiedTimestamp", q->modified / 1000);
	for (size_t k = 0; k < NDEFS; k++) {
		json_t *val = json_object_get(attrs, defs[k].name);
		if (val && wanted(names, defs[k].name))
			json_object_set(out, defs[k].name, val);
	}
	return 0;
}
