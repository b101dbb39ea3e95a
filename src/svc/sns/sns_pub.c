/* sns_pub.c — Publish and PublishBatch: SNS's checks, then one outbox
 * event per call in the same transaction as the FIFO bookkeeping, so an
 * acknowledged publish survives a crash and is fanned out (sns_fanout.c)
 * at least once.
 *
 * Checks, with SNS's codes and messages: one of TopicArn/TargetArn (a
 * topic; PhoneNumber is refused: nuage sends no SMS), a non-empty Message of
 * at most 256 KiB with its attributes, Subject (1-100 printable ASCII
 * characters, no line breaks), MessageStructure json (an object with a
 * "default" string), at most 10 message attributes of type String,
 * String.Array, Number or Binary, FIFO topics' MessageGroupId and
 * deduplication (explicit or content-based, 5 minutes), batches of 1-10
 * entries with distinct ids.
 *
 * The outbox payload: {"t": topic ARN, "u": base URL, "ts": epoch ms,
 * "msgs": [{"id", "m", "s"?, "js"?, "a"?, "g"?, "d"?, "q"?}]} where "a" maps
 * attribute names to {"Type", "Value"} as the envelope shows them.
 */
#include "svc/sns/sns.h"
#include "core/clock.h"
#include "core/enc.h"
#include "core/hash.h"
#include "core/rand.h"
#include "engine/bus.h"
#include "engine/dest.h"
#include "engine/queue.h"
#include "store/db.h"
#include "store/outbox.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define DEDUP_WINDOW_MS (5 * 60 * 1000)

/* MessageAttributes -> {"name": {"Type", "Value"}} (binary as base64). */
static int check_attrs(struct call *c, json_t *in, json_t **out, size_t *bytes, struct entry_err *e)
{
	*out = NULL;
	*bytes = 0;
	if (!json_object_size(in))
		return 0;
	if (json_object_size(in) > SNS_MAX_ATTRS)
		return call_entry_error(c, e, ERR_SNS_INVALID_PARAMETER_VALUE,
			     "Number of message attributes [%zu] exceeds the allowed maximum [%d].", json_object_size(in),
			     SNS_MAX_ATTRS);
	json_t *o = json_object();
	const char *name;
	json_t *v;
	json_object_foreach(in, name, v)
	{
		const char *type = json_string_value(json_object_get(v, "DataType"));
		json_t *sv = json_object_get(v, "StringValue"), *bv = json_object_get(v, "BinaryValue");
		const char *base = type && strlen(type) <= 256 ? queue_attr_base_type(type) : NULL;
		const char *why = NULL;
		if (!queue_attr_name_ok(name))
			why = arena_printf(c->arena, "The message attribute name '%.256s' is invalid.", name);
		else if (!base)
			why = arena_printf(c->arena,
					   "The message attribute '%s' has an invalid message attribute type, the set of "
					   "supported type prefixes is Binary, Number, and String.",
					   name);
		else if (!strcmp(base, "Binary") ? !json_string_length(bv) : !json_string_length(sv))
			why = arena_printf(c->arena,
					   "The message attribute '%s' must contain non-empty message attribute value for "
					   "message attribute type '%s'.",
					   name, base);
		long bad;
		if (!why && strcmp(base, "Binary") && !queue_valid_text(json_string_value(sv), json_string_length(sv), &bad))
			why = arena_printf(c->arena, "The message attribute '%s' contains invalid characters.", name);
		if (!why && !strcmp(base, "Number") && !queue_number_ok(json_string_value(sv)))
			why = arena_printf(c->arena, "Could not cast message attribute '%s' value to number.", name);
		if (!why && !strcmp(type, "String.Array")) {
			json_t *arr = json_loads(json_string_value(sv), JSON_DECODE_ANY, NULL);
			if (!json_is_array(arr))
				why = arena_printf(c->arena,
						   "The message attribute '%s' with type 'String.Array' must be a JSON array.", name);
			json_decref(arr);
		}
		if (why) {
			json_decref(o);
			return call_entry_error(c, e, ERR_SNS_INVALID_PARAMETER_VALUE, "%s", why);
		}
		json_t *val;
		size_t vl;
		if (!strcmp(base, "Binary")) {
			vl = json_string_length(bv);
			char *b64 = arena_alloc(c->arena, base64_encoded_len(vl) + 1);
			base64_encode((const unsigned char *)json_string_value(bv), vl, b64);
			val = json_string(b64);
		} else {
			vl = json_string_length(sv);
			val = json_incref(sv);
		}
		json_object_set_new(o, name, json_pack("{s:s,s:o}", "Type", type, "Value", val));
		*bytes += strlen(name) + strlen(type) + vl;
	}
	*out = o;
	return 0;
}

/* Subject: 1-100 printable ASCII characters, no line breaks. */
static bool subject_ok(const char *s)
{
	size_t l = strlen(s);
	if (!l || l > 100)
		return false;
	for (const char *p = s; *p; p++)
		if (*p < 0x20 || *p > 0x7e)
			return false;
	return true;
}

/* MessageStructure json: an object of strings with a "default" one. */
static bool structure_ok(const char *m, const char **why)
{
	json_t *j = json_loads(m, 0, NULL);
	bool ok = false;
	if (!json_is_object(j))
		*why = "Invalid parameter: Message Structure - JSON message body failed to parse";
	else if (!json_is_string(json_object_get(j, "default")))
		*why = "Invalid parameter: Message Structure - No default entry in JSON message body";
	else
		ok = true;
	json_decref(j);
	return ok;
}

static bool attr_true(json_t *attrs, const char *name)
{
	const char *v = json_string_value(json_object_get(attrs, name));
	return v && !strcmp(v, "true");
}

/* One message (Publish or a batch entry): its outbox record, or -1 (e set). */
static int check_message(struct call *c, const struct sns_topic *t, json_t *in, json_t **rec, size_t *size,
			 struct entry_err *e)
{
	*rec = NULL;
	json_t *mj = json_object_get(in, "Message");
	const char *m = json_string_value(mj);
	size_t ml = json_string_length(mj);
	if (!m)
		return call_entry_error(c, e, ERR_MISSING_PARAMETER, "The request must contain the parameter Message.");
	if (!ml)
		return call_entry_error(c, e, ERR_SNS_INVALID_PARAMETER, "Invalid parameter: Empty message");
	long bad;
	if (!queue_valid_text(m, ml, &bad))
		return call_entry_error(c, e, ERR_SNS_INVALID_PARAMETER, "Invalid parameter: Message contains invalid characters");
	const char *subject = json_string_value(json_object_get(in, "Subject"));
	if (subject && !subject_ok(subject))
		return call_entry_error(c, e, ERR_SNS_INVALID_PARAMETER, "Invalid parameter: Subject");
	const char *ms = json_string_value(json_object_get(in, "MessageStructure"));
	const char *why = NULL;
	if (ms && strcmp(ms, "json"))
		return call_entry_error(c, e, ERR_SNS_INVALID_PARAMETER, "Invalid parameter: MessageStructure");
	if (ms && !structure_ok(m, &why))
		return call_entry_error(c, e, ERR_SNS_INVALID_PARAMETER, "%s", why);
	json_t *attrs;
	size_t abytes;
	if (check_attrs(c, json_object_get(in, "MessageAttributes"), &attrs, &abytes, e))
		return -1;
	*size = ml + abytes;
	if (*size > SNS_MAX_MESSAGE) {
		json_decref(attrs);
		return call_entry_error(c, e, ERR_SNS_INVALID_PARAMETER, "Invalid parameter: Message too long");
	}
	const char *group = json_string_value(json_object_get(in, "MessageGroupId"));
	const char *dedup = json_string_value(json_object_get(in, "MessageDeduplicationId"));
	if (group && (!*group || strlen(group) > 128))
		why = "Invalid parameter: MessageGroupId Reason: 1 to 128 characters";
	else if (dedup && (!*dedup || strlen(dedup) > 128))
		why = "Invalid parameter: MessageDeduplicationId Reason: 1 to 128 characters";
	else if (t->fifo && !group)
		why = "Invalid parameter: The MessageGroupId parameter is required for FIFO topics";
	else if (!t->fifo && dedup)
		why = "Invalid parameter: MessageDeduplicationId Reason: The request includes MessageDeduplicationId "
		      "parameter that is not valid for this topic type";
	else if (t->fifo && !dedup && !attr_true(t->attrs, "ContentBasedDeduplication"))
		why = "Invalid parameter: The topic should either have ContentBasedDeduplication enabled or "
		      "MessageDeduplicationId provided explicitly";
	if (why) {
		json_decref(attrs);
		return call_entry_error(c, e, ERR_SNS_INVALID_PARAMETER, "%s", why);
	}
	char id[37];
	uuid4(id);
	json_t *r = json_pack("{s:s,s:s#}", "id", id, "m", m, ml);
	if (subject)
		json_object_set_new(r, "s", json_string(subject));
	if (ms)
		json_object_set_new(r, "js", json_true());
	if (attrs)
		json_object_set_new(r, "a", attrs);
	if (group)
		json_object_set_new(r, "g", json_string(group));
	if (t->fifo) {
		char h[65];
		if (!dedup) {
			sha256_hex(m, ml, h);
			dedup = h;
		}
		json_object_set_new(r, "d", json_string(dedup));
	}
	*rec = r;
	return 0;
}

/* FIFO: a live deduplication record answers with the first message's id
 * and sequence number (true); otherwise allocates the next sequence
 * number and records the id. Inside the publish transaction. */
static int fifo_assign(const struct sns_topic *t, json_t *rec, bool *dup, int64_t now)
{
	const char *d = json_string_value(json_object_get(rec, "d"));
	*dup = false;
	sqlite3_stmt *st = db_prep("SELECT msg_id, seq FROM sns_dedup WHERE topic = ? AND dedup_id = ? AND expires > ?");
	db_bind_text(st, 1, t->arn);
	db_bind_text(st, 2, d);
	sqlite3_bind_int64(st, 3, now);
	if (sqlite3_step(st) == SQLITE_ROW) {
		json_object_set_new(rec, "id", json_string(db_col_text(st, 0)));
		json_object_set_new(rec, "q", json_string(db_col_text(st, 1)));
		*dup = true;
	}
	db_done(st);
	if (*dup)
		return 0;
	st = db_prep("UPDATE sns_topics SET next_seq = next_seq + 1 WHERE arn = ? RETURNING next_seq");
	db_bind_text(st, 1, t->arn);
	int64_t seq = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
	db_done(st);
	if (seq < 0)
		return -1;
	char q[24];
	snprintf(q, sizeof q, "1%019lld", (long long)seq);
	json_object_set_new(rec, "q", json_string(q));
	st = db_prep("INSERT OR REPLACE INTO sns_dedup(topic, dedup_id, msg_id, seq, expires) VALUES (?, ?, ?, ?, ?)");
	db_bind_text(st, 1, t->arn);
	db_bind_text(st, 2, d);
	db_bind_text(st, 3, json_string_value(json_object_get(rec, "id")));
	db_bind_text(st, 4, q);
	sqlite3_bind_int64(st, 5, now + DEDUP_WINDOW_MS);
	int rc = sqlite3_step(st);
	db_done(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* One outbox event for the fan-out (steals msgs). */
static int add_event(const char *topic, const char *base, int64_t now, json_t *msgs)
{
	json_t *ev = json_pack("{s:s,s:s,s:I,s:o}", "t", topic, "u", base, "ts", (json_int_t)now, "msgs", msgs);
	char *payload = json_dumps(ev, JSON_COMPACT);
	json_decref(ev);
	int rc = payload ? outbox_add(SNS_OUTBOX_TOPIC, payload) : -1;
	free(payload);
	return rc;
}

/* Writes the records (deduplicated on FIFO topics) as one outbox event and
 * commits. recs[i] gets "id"/"q" filled. */
static int commit_publish(struct call *c, const struct sns_topic *t, json_t **recs, int n)
{
	int64_t now = clock_wall_ms();
	if (db_begin())
		return call_error(c, ERR_INTERNAL, "database busy");
	json_t *msgs = json_array();
	for (int i = 0; i < n; i++) {
		bool dup = false;
		if (t->fifo && fifo_assign(t, recs[i], &dup, now)) {
			json_decref(msgs);
			db_rollback();
			return call_error(c, ERR_INTERNAL, "%s", db_errmsg());
		}
		if (!dup)
			json_array_append(msgs, recs[i]);
	}
	int rc = 0;
	if (json_array_size(msgs))
		rc = add_event(t->arn, sns_base_url(c), now, msgs);
	else
		json_decref(msgs);
	if (rc) {
		db_rollback();
		return call_error(c, ERR_INTERNAL, "%s", db_errmsg());
	}
	if (db_commit())
		return call_error(c, ERR_INTERNAL, "commit failed");
	bus_kick();
	return 0;
}

/* TopicArn, or TargetArn naming a topic; PhoneNumber is refused. */
static int target(struct call *c, struct sns_topic *t)
{
	const char *topic = call_str(c, "TopicArn"), *tgt = call_str(c, "TargetArn"), *phone = call_str(c, "PhoneNumber");
	if (phone)
		return call_error(c, ERR_SNS_INVALID_PARAMETER, "Invalid parameter: PhoneNumber Reason: nuage does not send SMS");
	if (topic && tgt)
		return call_error(c, ERR_SNS_INVALID_PARAMETER,
				  "Invalid parameter: TopicArn Reason: Only one of TopicArn or TargetArn may be set");
	if (!topic && !tgt)
		return call_error(c, ERR_SNS_INVALID_PARAMETER,
				  "Invalid parameter: TopicArn or TargetArn Reason: no value for required parameter");
	return sns_topic_load(c, topic ? topic : tgt, t, true);
}

int sns_publish(struct call *c)
{
	struct sns_topic t;
	if (target(c, &t))
		return -1;
	json_t *rec;
	size_t size;
	struct entry_err e;
	int rc = check_message(c, &t, c->input, &rec, &size, &e);
	if (rc)
		call_entry_raise(c, &e);
	else
		rc = commit_publish(c, &t, &rec, 1);
	if (!rc) {
		call_set(c, "MessageId", json_incref(json_object_get(rec, "id")));
		if (t.fifo)
			call_set(c, "SequenceNumber", json_incref(json_object_get(rec, "q")));
	}
	json_decref(rec);
	sns_topic_free(&t);
	return rc;
}

int sns_publish_batch(struct call *c)
{
	struct sns_topic t;
	if (sns_topic_load(c, call_str(c, "TopicArn"), &t, true))
		return -1;
	json_t *entries = call_get(c, "PublishBatchRequestEntries");
	size_t n = json_array_size(entries);
	int rc = 0;
	if (!n)
		rc = call_error(c, ERR_SNS_EMPTY_BATCH, "The batch request doesn't contain any entries");
	else if (n > 10)
		rc = call_error(c, ERR_SNS_TOO_MANY_ENTRIES, "The batch request contains more entries than permissible");
	for (size_t i = 0; !rc && i < n; i++) {
		const char *id = json_string_value(json_object_get(json_array_get(entries, i), "Id"));
		if (!sns_batch_id_ok(id))
			rc = call_error(c, ERR_SNS_BAD_BATCH_ID,
					"A batch entry id can only contain alphanumeric characters, hyphens and underscores. "
					"It can be at most 80 letters long.");
		for (size_t k = 0; !rc && k < i; k++)
			if (!strcmp(id, json_string_value(json_object_get(json_array_get(entries, k), "Id"))))
				rc = call_error(c, ERR_SNS_BATCH_IDS_NOT_DISTINCT,
						"Two or more batch entries in the request have the same Id.");
	}
	if (rc) {
		sns_topic_free(&t);
		return -1;
	}
	json_t *recs[10], *ok = json_array(), *failed = json_array();
	const char *ids[10];
	int nr = 0;
	size_t total = 0;
	for (size_t i = 0; i < n; i++) {
		json_t *en = json_array_get(entries, i);
		const char *id = json_string_value(json_object_get(en, "Id"));
		size_t size = 0;
		struct entry_err e;
		if (check_message(c, &t, en, &recs[nr], &size, &e)) {
			json_array_append_new(failed, json_pack("{s:s,s:s,s:s,s:b}", "Id", id, "Code", err_info(e.id)->code,
								"Message", e.msg, "SenderFault", 1));
			continue;
		}
		total += size;
		ids[nr++] = id;
	}
	if (total > SNS_MAX_MESSAGE)
		rc = call_error(c, ERR_SNS_BATCH_TOO_LONG, "The length of all the messages put together is more than the limit.");
	if (!rc && nr)
		rc = commit_publish(c, &t, recs, nr);
	for (int i = 0; i < nr; i++) {
		if (!rc) {
			json_t *o = json_pack("{s:s,s:O}", "Id", ids[i], "MessageId", json_object_get(recs[i], "id"));
			if (t.fifo)
				json_object_set(o, "SequenceNumber", json_object_get(recs[i], "q"));
			json_array_append_new(ok, o);
		}
		json_decref(recs[i]);
	}
	sns_topic_free(&t);
	if (rc) {
		json_decref(ok);
		json_decref(failed);
		return -1;
	}
	call_set(c, "Successful", ok);
	call_set(c, "Failed", failed);
	return 0;
}

/* ---- publishing for other services (engine/dest.h) ---- */

static char dest_base[64] = "http://localhost:4566";

/* One message to a standard topic, inside the sender's transaction: what
 * S3 event notifications and Lambda destinations publish. FIFO topics need
 * a message group, which those senders do not have: refused, as AWS does. */
static int sns_deliver(const char *arn, const struct dest_msg *m, char *err, size_t errlen)
{
	sqlite3_stmt *st = db_prep("SELECT fifo FROM sns_topics WHERE arn = ?");
	db_bind_text(st, 1, arn);
	int rc = sqlite3_step(st);
	bool fifo = rc == SQLITE_ROW && sqlite3_column_int(st, 0);
	db_done(st);
	if (rc != SQLITE_ROW) {
		snprintf(err, errlen, "%s", rc == SQLITE_DONE ? "The destination topic does not exist" : "storage error");
		return -1;
	}
	if (fifo) {
		snprintf(err, errlen, "FIFO topics are not supported as this destination");
		return -1;
	}
	long bad;
	if (!m->len || m->len > SNS_MAX_MESSAGE || !queue_valid_text(m->body, m->len, &bad)) {
		snprintf(err, errlen, "the message is empty, too long or not valid text");
		return -1;
	}
	if (m->check_only)
		return 0;
	char id[37];
	uuid4(id);
	json_t *r = json_pack("{s:s,s:s#}", "id", id, "m", m->body, m->len);
	if (m->subject)
		json_object_set_new(r, "s", json_string(m->subject));
	json_t *in = m->attrs_json ? json_loads(m->attrs_json, 0, NULL) : NULL;
	if (json_object_size(in)) {
		json_t *a = json_object();
		const char *k;
		json_t *v;
		json_object_foreach(in, k, v) if (json_is_string(v))
			json_object_set_new(a, k, json_pack("{s:s,s:O}", "Type", "String", "Value", v));
		json_object_set_new(r, "a", a);
	}
	json_decref(in);
	if (add_event(arn, dest_base, clock_wall_ms(), json_pack("[o]", r))) {
		snprintf(err, errlen, "storage error");
		return -1;
	}
	return 0;
}

void sns_dest_register(int port)
{
	snprintf(dest_base, sizeof dest_base, "http://localhost:%d", port);
	dest_register("sns", sns_deliver, bus_kick);
}
