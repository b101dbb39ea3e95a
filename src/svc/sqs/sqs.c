/* sqs.c — Amazon SQS (JSON 1.0 AmazonSQS.* and the query protocol, one
 * table serving both): queues. Messages are in sqs_msg.c, attributes in
 * sqs_attr.c; the queue machinery itself is engine/queue.c.
 *
 * Implements: CreateQueue (attributes, tags, FIFO), GetQueueUrl, ListQueues
 * (prefix, pagination), GetQueueAttributes, SetQueueAttributes, DeleteQueue,
 * PurgeQueue (one per 60 s, as SQS allows), ListDeadLetterSourceQueues,
 * TagQueue, UntagQueue, ListQueueTags; and through sqs_msg.c SendMessage(Batch),
 * ReceiveMessage, DeleteMessage(Batch), ChangeMessageVisibility(Batch).
 * Leaves out: AddPermission/RemovePermission, the message-move tasks
 * (StartMessageMoveTask and friends), the 60-second wait SQS imposes before a
 * deleted queue's name can be reused (it only slows local work down), KMS
 * encryption (the attributes are kept and echoed).
 *
 * Invariants:
 *  1. An sqs_queues row exists iff its engine queue (same ARN) exists; both
 *     are created and deleted in one transaction.
 *  2. Queue URLs are built from the Host the client used, and resolved by
 *     their path alone (/ACCOUNT/NAME), so any host name works.
 *  3. A queue is visible only to keys of its account, in its region.
 */
#include "svc/sqs/sqs.h"
#include "core/clock.h"
#include "core/enc.h"
#include "engine/dest.h"
#include "engine/queue.h"
#include "config.h"
#include "http/request.h"
#include "proto/models/models.h"
#include "store/db.h"
#include "store/migrate.h"
#include "svc/svc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct migration sqs_migrations[] = {
	{1, "CREATE TABLE sqs_queues (account TEXT NOT NULL, region TEXT NOT NULL, name TEXT NOT NULL,"
	    "  arn TEXT NOT NULL UNIQUE, fifo INTEGER NOT NULL, max_size INTEGER NOT NULL, wait_s INTEGER NOT NULL,"
	    "  dlq_arn TEXT, attrs TEXT NOT NULL, tags TEXT NOT NULL DEFAULT '{}', created INTEGER NOT NULL,"
	    "  modified INTEGER NOT NULL, PRIMARY KEY (account, region, name)) WITHOUT ROWID;"
	    "CREATE INDEX sqs_queues_dlq ON sqs_queues(dlq_arn) WHERE dlq_arn IS NOT NULL;"},
};
static const struct migration_set sqs_mset = {"sqs", sqs_migrations, 1};

#define LIST_MAX 1000
#define PURGE_EVERY_MS 60000

/* ------------------------------------------------------------------ */
/* names, URLs, ARNs                                                   */

const char *sqs_arn(struct call *c, const char *region, const char *account, const char *name)
{
	return arena_printf(c->arena, "arn:aws:sqs:%s:%s:%s", region, account, name);
}

const char *sqs_url(struct call *c, const char *account, const char *name)
{
	const char *host = c->req && c->req->host && *c->req->host ? c->req->host : NULL;
	if (!host)
		return arena_printf(c->arena, "http://localhost:%d/%s/%s", c->cfg ? c->cfg->port : 4566, account, name);
	return arena_printf(c->arena, "http://%.200s/%s/%s", host, account, name);
}

/* 1-80 of [A-Za-z0-9_-], a FIFO queue's name ending in ".fifo" (counted). */
static bool valid_name(const char *name, bool fifo)
{
	size_t n = strlen(name);
	if (!n || n > SQS_MAX_NAME)
		return false;
	size_t body = n;
	if (fifo) {
		if (n < 6 || strcmp(name + n - 5, ".fifo"))
			return false;
		body = n - 5;
	}
	for (size_t i = 0; i < body; i++) {
		char ch = name[i];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '-' || ch == '_'))
			return false;
	}
	return true;
}

int sqs_engine_error(struct call *c, int qe, const char *name)
{
	switch (qe) {
	case QE_NO_QUEUE:
		return call_error(c, ERR_SQS_NO_QUEUE, "The specified queue does not exist.");
	case QE_OVER_LIMIT:
		return call_error(c, ERR_SQS_OVER_LIMIT,
				  "Too many messages in flight on queue %s (the limit is %d): delete or release some first.",
				  name ? name : "", QUEUE_MAX_INFLIGHT);
	case QE_STOPPING:
		return call_error(c, ERR_SERVICE_UNAVAILABLE, "nuage is shutting down.");
	default:
		return call_error(c, ERR_INTERNAL, "queue engine error %d", qe);
	}
}

static void fill_queue(struct call *c, sqlite3_stmt *st, struct sqs_queue *q)
{
	q->arn = arena_strdup(c->arena, db_col_text(st, 0));
	q->fifo = sqlite3_column_int(st, 1);
	q->max_size = sqlite3_column_int64(st, 2);
	q->wait_s = sqlite3_column_int(st, 3);
	q->created = sqlite3_column_int64(st, 4);
	q->modified = sqlite3_column_int64(st, 5);
}

int sqs_resolve(struct call *c, const char *url, struct sqs_queue *q)
{
	memset(q, 0, sizeof *q);
	const char *p = url ? url : "";
	const char *scheme = strstr(p, "://");
	if (scheme) {
		p = strchr(scheme + 3, '/');
		if (!p)
			p = "";
	}
	/* /ACCOUNT/NAME, a trailing slash tolerated */
	if (*p == '/')
		p++;
	const char *slash = strchr(p, '/');
	if (!slash || slash - p != 12)
		return call_error(c, ERR_SQS_NO_QUEUE, "The specified queue does not exist.");
	const char *account = arena_strndup(c->arena, p, 12);
	size_t nl = strcspn(slash + 1, "/?");
	const char *name = arena_strndup(c->arena, slash + 1, nl);
	if (strcmp(account, c->who.account) || (!valid_name(name, false) && !valid_name(name, true)))
		return call_error(c, ERR_SQS_NO_QUEUE, "The specified queue does not exist.");
	sqlite3_stmt *st = db_prep("SELECT arn, fifo, max_size, wait_s, created, modified FROM sqs_queues"
				   " WHERE account = ? AND region = ? AND name = ?");
	db_bind_text(st, 1, account);
	db_bind_text(st, 2, c->region);
	db_bind_text(st, 3, name);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		fill_queue(c, st, q);
	db_done(st);
	if (rc != SQLITE_ROW)
		return call_error(c, ERR_SQS_NO_QUEUE, "The specified queue does not exist.");
	q->account = account;
	q->region = c->region;
	q->name = name;
	q->url = sqs_url(c, account, name);
	return 0;
}

/* The stored attributes (and tags) of a queue; new references. */
static int load_attrs(struct call *c, const char *arn, json_t **attrs, json_t **tags)
{
	sqlite3_stmt *st = db_prep("SELECT attrs, tags FROM sqs_queues WHERE arn = ?");
	db_bind_text(st, 1, arn);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*attrs = json_loads(db_col_text(st, 0), 0, NULL);
		if (tags)
			*tags = json_loads(db_col_text(st, 1), 0, NULL);
	}
	db_done(st);
	if (rc != SQLITE_ROW)
		return call_error(c, ERR_SQS_NO_QUEUE, "The specified queue does not exist.");
	if (!*attrs)
		*attrs = json_object();
	if (tags && !*tags)
		*tags = json_object();
	return 0;
}

static char *dump(json_t *v)
{
	return json_dumps(v, JSON_COMPACT);
}

/* Writes attrs/tags and the columns derived from them; inside a transaction. */
static int store_queue(struct call *c, const char *arn, json_t *attrs, json_t *tags)
{
	struct queue_conf conf;
	sqs_attrs_conf(attrs, &conf);
	char *a = dump(attrs), *t = tags ? dump(tags) : NULL;
	sqlite3_stmt *st = db_prep("UPDATE sqs_queues SET attrs = ?, tags = coalesce(?, tags), max_size = ?, wait_s = ?,"
				   " dlq_arn = ?, modified = ? WHERE arn = ?");
	db_bind_text(st, 1, a);
	db_bind_text(st, 2, t);
	sqlite3_bind_int64(st, 3, sqs_attr_int(attrs, "MaximumMessageSize", SQS_DEFAULT_MAX_SIZE));
	sqlite3_bind_int64(st, 4, sqs_attr_int(attrs, "ReceiveMessageWaitTimeSeconds", 0));
	db_bind_text(st, 5, conf.dlq_arn[0] ? conf.dlq_arn : NULL);
	sqlite3_bind_int64(st, 6, clock_wall_ms());
	db_bind_text(st, 7, arn);
	int rc = sqlite3_step(st);
	db_done(st);
	free(a);
	free(t);
	if (rc != SQLITE_DONE)
		return call_error(c, ERR_INTERNAL, "%s", db_errmsg());
	int qe = queue_update_txn(arn, &conf);
	return qe ? sqs_engine_error(c, qe, NULL) : 0;
}

static int commit(struct call *c)
{
	int rc = db_commit();
	queue_after_commit();
	return rc ? call_error(c, ERR_INTERNAL, "commit failed") : 0;
}

static int rollback(void)
{
	db_rollback();
	queue_after_commit();
	return -1;
}

/* Tag keys 1-128 characters, values 0-256, at most 50 per queue. */
static int check_tags(struct call *c, json_t *tags)
{
	const char *k;
	json_t *v;
	json_object_foreach(tags, k, v)
	{
		size_t kl = strlen(k), vl = json_string_length(v);
		if (!kl || kl > 128)
			return call_error(c, ERR_INVALID_PARAMETER_VALUE, "Tag keys must be between 1 and 128 characters in length.");
		if (vl > 256)
			return call_error(c, ERR_INVALID_PARAMETER_VALUE, "Tag values must be at most 256 characters in length.");
	}
	if (json_object_size(tags) > SQS_MAX_TAGS)
		return call_error(c, ERR_INVALID_PARAMETER_VALUE, "Too many tags added for queue: the limit is %d.",
				  SQS_MAX_TAGS);
	return 0;
}

/* ------------------------------------------------------------------ */
/* CreateQueue                                                          */

/* An existing queue: the same answer if every given attribute has the
 * value it already has, else QueueAlreadyExists naming the first that
 * differs. */
static int create_existing(struct call *c, const char *arn, json_t *given, bool fifo)
{
	json_t *attrs = NULL;
	if (load_attrs(c, arn, &attrs, NULL))
		return -1;
	json_t *want = json_deep_copy(attrs);
	json_t *g = json_deep_copy(given);
	json_object_del(g, "FifoQueue");
	int rc = sqs_attrs_apply(c, want, g, false, fifo, arn);
	const char *k;
	json_t *v;
	if (!rc) {
		json_object_foreach(g, k, v)
		{
			if (!json_equal(json_object_get(want, k), json_object_get(attrs, k))) {
				rc = call_error(c, ERR_SQS_QUEUE_EXISTS,
						"A queue already exists with the same name and a different value for attribute %s",
						k);
				break;
			}
		}
	}
	json_decref(g);
	json_decref(want);
	json_decref(attrs);
	return rc;
}

static int create_queue(struct call *c)
{
	const char *name = call_str(c, "QueueName");
	json_t *given = call_get(c, "Attributes");
	json_t *tags = call_get(c, "tags");
	const char *fq = json_string_value(json_object_get(given, "FifoQueue"));
	size_t nl = strlen(name);
	bool fifo = fq ? !strcasecmp(fq, "true") : nl > 5 && !strcmp(name + nl - 5, ".fifo");
	if (fq && strcasecmp(fq, "true") && strcasecmp(fq, "false"))
		return call_error(c, ERR_SQS_BAD_ATTR_VALUE, "Invalid value for the parameter FifoQueue.");
	if (fifo && !valid_name(name, true))
		return call_error(c, ERR_INVALID_PARAMETER_VALUE,
				  "The name of a FIFO queue can only include alphanumeric characters, hyphens, or "
				  "underscores, must end with .fifo suffix and be 1 to 80 in length.");
	if (!fifo && !valid_name(name, false))
		return call_error(c, ERR_INVALID_PARAMETER_VALUE,
				  "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length");
	if (tags && check_tags(c, tags))
		return -1;
	const char *arn = sqs_arn(c, c->region, c->who.account, name);
	if (db_begin())
		return call_error(c, ERR_INTERNAL, "database busy");
	sqlite3_stmt *st = db_prep("SELECT 1 FROM sqs_queues WHERE arn = ?");
	db_bind_text(st, 1, arn);
	bool exists = sqlite3_step(st) == SQLITE_ROW;
	db_done(st);
	if (exists) {
		json_t *none = json_object();
		int rc = create_existing(c, arn, given ? given : none, fifo);
		json_decref(none);
		if (rc)
			return rollback();
		if (commit(c))
			return -1;
		call_set(c, "QueueUrl", json_string(sqs_url(c, c->who.account, name)));
		return 0;
	}
	json_t *attrs = json_object();
	json_t *empty = json_object();
	int rc = sqs_attrs_apply(c, attrs, given ? given : empty, true, fifo, arn);
	json_decref(empty);
	if (rc) {
		json_decref(attrs);
		return rollback();
	}
	int64_t now = clock_wall_ms();
	st = db_prep("INSERT INTO sqs_queues(account, region, name, arn, fifo, max_size, wait_s, attrs, tags, created,"
		     " modified) VALUES (?, ?, ?, ?, ?, 0, 0, '{}', '{}', ?, ?)");
	db_bind_text(st, 1, c->who.account);
	db_bind_text(st, 2, c->region);
	db_bind_text(st, 3, name);
	db_bind_text(st, 4, arn);
	sqlite3_bind_int(st, 5, fifo);
	sqlite3_bind_int64(st, 6, now);
	sqlite3_bind_int64(st, 7, now);
	rc = sqlite3_step(st);
	db_done(st);
	struct queue_conf conf;
	sqs_attrs_conf(attrs, &conf);
	int qe = rc == SQLITE_DONE ? queue_create_txn(arn, &conf) : QE_DB;
	if (qe == QE_EXISTS) /* an engine queue left by an older run: take it over */
		qe = QE_OK;
	if (qe || store_queue(c, arn, attrs, tags)) {
		json_decref(attrs);
		if (qe)
			sqs_engine_error(c, qe, name);
		return rollback();
	}
	json_decref(attrs);
	if (commit(c))
		return -1;
	call_set(c, "QueueUrl", json_string(sqs_url(c, c->who.account, name)));
	return 0;
}

/* ------------------------------------------------------------------ */
/* lookups and lists                                                   */

static int get_queue_url(struct call *c)
{
	const char *name = call_str(c, "QueueName");
	const char *owner = call_str(c, "QueueOwnerAWSAccountId");
	const char *account = owner ? owner : c->who.account;
	struct sqs_queue q;
	if (sqs_resolve(c, arena_printf(c->arena, "/%.12s/%s", account, name), &q))
		return -1;
	call_set(c, "QueueUrl", json_string(q.url));
	return 0;
}

/* NextToken: the last name listed, base64 (opaque to clients). */
static const char *token_out(struct call *c, const char *last)
{
	size_t n = strlen(last);
	char *b = arena_alloc(c->arena, base64_encoded_len(n) + 1);
	base64_encode((const unsigned char *)last, n, b);
	return b;
}

static int token_in(struct call *c, const char *tok, const char **after)
{
	*after = "";
	if (!tok)
		return 0;
	size_t n = strlen(tok);
	unsigned char *raw = arena_alloc(c->arena, n + 4);
	long l = n <= 4 * 128 ? base64_decode(tok, n, raw) : -1;
	if (l < 0)
		return call_error(c, ERR_INVALID_PARAMETER_VALUE, "Invalid NextToken value.");
	*after = arena_strndup(c->arena, (const char *)raw, (size_t)l);
	return 0;
}

static int max_results(struct call *c, int64_t *limit, bool *paged)
{
	json_t *mr = call_get(c, "MaxResults");
	*paged = mr != NULL;
	*limit = mr ? json_integer_value(mr) : LIST_MAX;
	if (*limit < 1 || *limit > LIST_MAX)
		return call_error(c, ERR_INVALID_PARAMETER_VALUE,
				  "Value %lld for parameter MaxResults is invalid. Reason: MaxResults must be an integer "
				  "between 1 and 1000.",
				  (long long)*limit);
	return 0;
}

/* Runs a name listing (st bound except its limit, bound at index lim_i):
 * fills `member` with URLs and sets NextToken when paged and more remain. */
static int list_names(struct call *c, sqlite3_stmt *st, int lim_i, int64_t limit, bool paged, const char *member)
{
	sqlite3_bind_int64(st, lim_i, limit + 1);
	json_t *urls = json_array();
	int64_t n = 0;
	const char *last = NULL;
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (n == limit) {
			if (paged)
				call_set(c, "NextToken", json_string(token_out(c, last)));
			break;
		}
		last = arena_strdup(c->arena, db_col_text(st, 0));
		json_array_append_new(urls, json_string(sqs_url(c, c->who.account, last)));
		n++;
	}
	db_done(st);
	if (json_array_size(urls))
		call_set(c, member, urls);
	else
		json_decref(urls);
	return 0;
}

static int list_queues(struct call *c)
{
	int64_t limit;
	bool paged;
	const char *after;
	if (max_results(c, &limit, &paged) || token_in(c, call_str(c, "NextToken"), &after))
		return -1;
	sqlite3_stmt *st = db_prep("SELECT name FROM sqs_queues WHERE account = ?1 AND region = ?2 AND name > ?3"
				   " AND (?4 IS NULL OR substr(name, 1, length(?4)) = ?4) ORDER BY name LIMIT ?5");
	db_bind_text(st, 1, c->who.account);
	db_bind_text(st, 2, c->region);
	db_bind_text(st, 3, after);
	db_bind_text(st, 4, call_str(c, "QueueNamePrefix"));
	return list_names(c, st, 5, limit, paged, "QueueUrls");
}

static int list_dead_letter_source_queues(struct call *c)
{
	struct sqs_queue q;
	int64_t limit;
	bool paged;
	const char *after;
	if (sqs_resolve(c, call_str(c, "QueueUrl"), &q) || max_results(c, &limit, &paged) ||
	    token_in(c, call_str(c, "NextToken"), &after))
		return -1;
	sqlite3_stmt *st = db_prep("SELECT name FROM sqs_queues WHERE dlq_arn = ?1 AND account = ?2 AND region = ?3"
				   " AND name > ?4 ORDER BY name LIMIT ?5");
	db_bind_text(st, 1, q.arn);
	db_bind_text(st, 2, c->who.account);
	db_bind_text(st, 3, c->region);
	db_bind_text(st, 4, after);
	list_names(c, st, 5, limit, paged, "queueUrls");
	if (!json_object_get(c->output, "queueUrls")) /* a required member */
		call_set(c, "queueUrls", json_array());
	return 0;
}

/* ------------------------------------------------------------------ */
/* attributes                                                          */

static int get_queue_attributes(struct call *c)
{
	struct sqs_queue q;
	if (sqs_resolve(c, call_str(c, "QueueUrl"), &q))
		return -1;
	json_t *attrs = NULL;
	if (load_attrs(c, q.arn, &attrs, NULL))
		return -1;
	json_t *out = json_object();
	int rc = sqs_attrs_get(c, &q, attrs, call_get(c, "AttributeNames"), out);
	json_decref(attrs);
	if (rc) {
		json_decref(out);
		return -1;
	}
	if (json_object_size(out))
		call_set(c, "Attributes", out);
	else
		json_decref(out);
	return 0;
}

static int set_queue_attributes(struct call *c)
{
	struct sqs_queue q;
	if (sqs_resolve(c, call_str(c, "QueueUrl"), &q))
		return -1;
	if (db_begin())
		return call_error(c, ERR_INTERNAL, "database busy");
	json_t *attrs = NULL;
	if (load_attrs(c, q.arn, &attrs, NULL))
		return rollback();
	int rc = sqs_attrs_apply(c, attrs, call_get(c, "Attributes"), false, q.fifo, q.arn);
	if (!rc)
		rc = store_queue(c, q.arn, attrs, NULL);
	json_decref(attrs);
	if (rc)
		return rollback();
	return commit(c);
}

/* ------------------------------------------------------------------ */
/* delete, purge                                                       */

static int delete_queue(struct call *c)
{
	struct sqs_queue q;
	if (sqs_resolve(c, call_str(c, "QueueUrl"), &q))
		return -1;
	if (db_begin())
		return call_error(c, ERR_INTERNAL, "database busy");
	sqlite3_stmt *st = db_prep("DELETE FROM sqs_queues WHERE arn = ?");
	db_bind_text(st, 1, q.arn);
	int rc = sqlite3_step(st);
	db_done(st);
	int qe = rc == SQLITE_DONE ? queue_drop_txn(q.arn) : QE_DB;
	if (qe && qe != QE_NO_QUEUE) {
		sqs_engine_error(c, qe, q.name);
		return rollback();
	}
	return commit(c);
}

static int purge_queue(struct call *c)
{
	struct sqs_queue q;
	if (sqs_resolve(c, call_str(c, "QueueUrl"), &q))
		return -1;
	int64_t last = 0;
	int qe = queue_last_purge(q.arn, &last);
	if (qe)
		return sqs_engine_error(c, qe, q.name);
	if (last && clock_wall_ms() - last < PURGE_EVERY_MS)
		return call_error(c, ERR_SQS_PURGE_IN_PROGRESS,
				  "Only one PurgeQueue operation on %s is allowed every 60 seconds.", q.name);
	qe = queue_purge(q.arn);
	return qe ? sqs_engine_error(c, qe, q.name) : 0;
}

/* ------------------------------------------------------------------ */
/* tags                                                                */

static int store_tags(struct call *c, const char *arn, json_t *tags)
{
	char *t = dump(tags);
	sqlite3_stmt *st = db_prep("UPDATE sqs_queues SET tags = ? WHERE arn = ?");
	db_bind_text(st, 1, t);
	db_bind_text(st, 2, arn);
	int rc = sqlite3_step(st);
	db_done(st);
	free(t);
	return rc == SQLITE_DONE ? 0 : call_error(c, ERR_INTERNAL, "%s", db_errmsg());
}

static int change_tags(struct call *c, bool add)
{
	struct sqs_queue q;
	if (sqs_resolve(c, call_str(c, "QueueUrl"), &q))
		return -1;
	if (add && check_tags(c, call_get(c, "Tags")))
		return -1;
	if (db_begin())
		return call_error(c, ERR_INTERNAL, "database busy");
	json_t *attrs = NULL, *tags = NULL;
	if (load_attrs(c, q.arn, &attrs, &tags))
		return rollback();
	json_decref(attrs);
	if (add) {
		json_object_update(tags, call_get(c, "Tags"));
	} else {
		size_t i;
		json_t *k;
		json_array_foreach(call_get(c, "TagKeys"), i, k) json_object_del(tags, json_string_value(k));
	}
	int rc = check_tags(c, tags);
	if (!rc)
		rc = store_tags(c, q.arn, tags);
	json_decref(tags);
	if (rc)
		return rollback();
	return commit(c);
}

static int tag_queue(struct call *c)
{
	return change_tags(c, true);
}

static int untag_queue(struct call *c)
{
	return change_tags(c, false);
}

static int list_queue_tags(struct call *c)
{
	struct sqs_queue q;
	if (sqs_resolve(c, call_str(c, "QueueUrl"), &q))
		return -1;
	json_t *attrs = NULL, *tags = NULL;
	if (load_attrs(c, q.arn, &attrs, &tags))
		return -1;
	json_decref(attrs);
	if (json_object_size(tags))
		call_set(c, "Tags", tags);
	else
		json_decref(tags);
	return 0;
}

static const struct svc_op ops[] = {
	{"CreateQueue", create_queue, NULL},
	{"GetQueueUrl", get_queue_url, NULL},
	{"ListQueues", list_queues, NULL},
	{"GetQueueAttributes", get_queue_attributes, NULL},
	{"SetQueueAttributes", set_queue_attributes, NULL},
	{"DeleteQueue", delete_queue, NULL},
	{"PurgeQueue", purge_queue, NULL},
	{"ListDeadLetterSourceQueues", list_dead_letter_source_queues, NULL},
	{"TagQueue", tag_queue, NULL},
	{"UntagQueue", untag_queue, NULL},
	{"ListQueueTags", list_queue_tags, NULL},
	{"SendMessage", sqs_send_message, NULL},
	{"SendMessageBatch", sqs_send_message_batch, NULL},
	{"ReceiveMessage", sqs_receive_message, NULL},
	{"DeleteMessage", sqs_delete_message, NULL},
	{"DeleteMessageBatch", sqs_delete_message_batch, NULL},
	{"ChangeMessageVisibility", sqs_change_message_visibility, NULL},
	{"ChangeMessageVisibilityBatch", sqs_change_message_visibility_batch, NULL},
};

/* ---- sending for other services (engine/dest.h) ---- */

/* One message into a standard queue, inside the sender's transaction: what
 * S3 event notifications and Lambda destinations send. FIFO queues need a
 * message group, which those senders do not have: refused, as AWS does. */
static int sqs_deliver(const char *arn, const struct dest_msg *m, char *err, size_t errlen)
{
	sqlite3_stmt *st = db_prep("SELECT fifo, max_size FROM sqs_queues WHERE arn = ?");
	db_bind_text(st, 1, arn);
	int rc = sqlite3_step(st);
	bool fifo = rc == SQLITE_ROW && sqlite3_column_int(st, 0);
	int64_t max = rc == SQLITE_ROW ? sqlite3_column_int64(st, 1) : 0;
	db_done(st);
	/* A queue nuage keeps for itself (an engine queue with an SQS ARN but no
	 * SQS row, such as a warehouse pipe's notification channel, which on AWS
	 * lives in Snowflake's account) takes messages like a standard queue. */
	struct queue_conf internal;
	if (rc == SQLITE_DONE && queue_get(arn, &internal) == QE_OK) {
		rc = SQLITE_ROW;
		fifo = internal.fifo;
		max = 256 * 1024;
	}
	if (rc != SQLITE_ROW) {
		snprintf(err, errlen, "%s", rc == SQLITE_DONE ? "The destination queue does not exist" : "storage error");
		return -1;
	}
	if (fifo) {
		snprintf(err, errlen, "FIFO queues are not supported as this destination");
		return -1;
	}
	long bad;
	if ((int64_t)m->len > max || !queue_valid_text(m->body, m->len, &bad)) {
		snprintf(err, errlen, "the message is longer than the queue's MaximumMessageSize or not valid text");
		return -1;
	}
	if (m->check_only)
		return 0;
	struct queue_attr attrs[QUEUE_MAX_ATTRS];
	int na = 0;
	json_t *in = m->attrs_json ? json_loads(m->attrs_json, 0, NULL) : NULL;
	const char *k;
	json_t *v;
	json_object_foreach(in, k, v)
	{
		if (na < QUEUE_MAX_ATTRS && json_is_string(v))
			attrs[na++] = (struct queue_attr){k, "String", json_string_value(v), json_string_length(v)};
	}
	struct queue_msg qm = {.body = m->body, .body_len = m->len, .attrs = attrs, .nattrs = na, .delay_ms = -1};
	struct queue_sent sent;
	rc = queue_send_txn(arn, &qm, &sent);
	json_decref(in);
	if (rc || sent.err) {
		snprintf(err, errlen, "the queue refused the message (%d)", rc ? rc : sent.err);
		return -1;
	}
	return 0;
}

static int sqs_start(const struct config *cfg)
{
	(void)cfg;
	dest_register("sqs", sqs_deliver, queue_after_commit);
	return 0;
}

const struct svc svc_sqs = {
	.name = "sqs",
	.model = &model_sqs,
	.ops = ops,
	.nops = sizeof ops / sizeof *ops,
	.migrations = &sqs_mset,
	.start = sqs_start,
};
