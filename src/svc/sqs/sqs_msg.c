/* sqs_msg.c — SQS messages: SendMessage(Batch), ReceiveMessage,
 * DeleteMessage(Batch), ChangeMessageVisibility(Batch), on engine queues.
 *
 * Checks what SQS checks, with its codes and messages: body characters
 * (#x9 #xA #xD #x20-#xD7FF #xE000-#xFFFD #x10000-#x10FFFF), the queue's
 * MaximumMessageSize over body plus attributes, at most 10 message
 * attributes with valid names and types, delays 0-900 s (none per message on
 * FIFO queues), FIFO group and deduplication ids, batches of 1-10 entries
 * with distinct well-formed ids and at most 256 KiB in all, receive counts
 * 1-10, visibility 0-43200 s, waits 0-20 s.
 * Leaves out: ReceiveRequestAttemptId (FIFO receive retries get new
 * messages, not the same ones), list-valued attributes (SQS rejects them too).
 */
#include "svc/sqs/sqs.h"
#include "core/enc.h"
#include "store/db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define BATCH_MAX_BYTES 262144
#define MAX_DELAY_S 900
#define MAX_VIS_S 43200
#define MAX_WAIT_S 20

/* ------------------------------------------------------------------ */
/* checking a message                                                  */

/* Converts MessageAttributes into engine attributes; *bytes gets their size
 * as SQS counts it (name + type + value). */
static int parse_attrs(struct call *c, json_t *in, struct queue_attr *out, int *n, size_t *bytes, struct entry_err *e)
{
	*n = 0;
	*bytes = 0;
	if (!in)
		return 0;
	if (json_object_size(in) > QUEUE_MAX_ATTRS)
		return call_entry_error(c, e, ERR_INVALID_PARAMETER_VALUE, "Number of message attributes [%zu] exceeds the allowed maximum [%d].",
			    json_object_size(in), QUEUE_MAX_ATTRS);
	const char *name;
	json_t *v;
	json_object_foreach(in, name, v)
	{
		if (!queue_attr_name_ok(name))
			return call_entry_error(c, e, ERR_INVALID_PARAMETER_VALUE,
				    "Message (user) attribute name '%.256s' is invalid: names have 1 to 256 characters "
				    "[A-Za-z0-9_.-], do not start or end with a period, have no two periods in a row and do "
				    "not start with AWS. or Amazon.",
				    name);
		const char *type = json_string_value(json_object_get(v, "DataType"));
		if (!type || !*type)
			return call_entry_error(c, e, ERR_INVALID_PARAMETER_VALUE,
				    "The message attribute '%s' must contain non-empty message attribute type.", name);
		const char *base = strlen(type) <= 256 ? queue_attr_base_type(type) : NULL;
		if (!base)
			return call_entry_error(c, e, ERR_INVALID_PARAMETER_VALUE,
				    "The type of message (user) attribute '%s' is invalid. You must use only the following "
				    "supported type prefixes: Binary, Number, String.",
				    name);
		if (json_object_get(v, "StringListValues") || json_object_get(v, "BinaryListValues"))
			return call_entry_error(c, e, ERR_INVALID_PARAMETER_VALUE,
				    "Message attribute list values in SendMessage operation are not supported.");
		json_t *sv = json_object_get(v, "StringValue"), *bv = json_object_get(v, "BinaryValue");
		bool binary = !strcmp(base, "Binary");
		json_t *val = binary ? bv : sv;
		if (!val || (binary ? bv == NULL : sv == NULL) || (binary && sv) || (!binary && bv))
			return call_entry_error(c, e, ERR_INVALID_PARAMETER_VALUE,
				    "The message attribute '%s' with type '%s' must use field '%s'.", name, base,
				    binary ? "Binary" : "String");
		size_t vl = json_string_length(val);
		const char *vs = json_string_value(val);
		if (!vl)
			return call_entry_error(c, e, ERR_INVALID_PARAMETER_VALUE,
				    "The message attribute '%s' must contain non-empty message attribute value for "
				    "message attribute type '%s'.",
				    name, base);
		long bad;
		if (!binary && !queue_valid_text(vs, vl, &bad))
			return call_entry_error(c, e, ERR_INVALID_PARAMETER_VALUE,
				    "Message (user) attribute '%s' value contains invalid characters.", name);
		if (!strcmp(base, "Number") && !queue_number_ok(vs))
			return call_entry_error(c, e, ERR_INVALID_PARAMETER_VALUE,
				    "Can't cast the value of message (user) attribute '%s' to a number.", name);
		out[*n] = (struct queue_attr){name, type, vs, vl};
		(*n)++;
		*bytes += strlen(name) + strlen(type) + vl;
	}
	return 0;
}

/* The AWSTraceHeader system attribute, the only one SQS accepts. */
static int parse_sys(struct call *c, json_t *in, const char **trace, size_t *bytes, struct entry_err *e)
{
	*trace = NULL;
	const char *name;
	json_t *v;
	json_object_foreach(in, name, v)
	{
		if (strcmp(name, "AWSTraceHeader"))
			return call_entry_error(c, e, ERR_INVALID_PARAMETER_VALUE, "Message system attribute name '%.256s' is invalid.", name);
		const char *type = json_string_value(json_object_get(v, "DataType"));
		const char *s = json_string_value(json_object_get(v, "StringValue"));
		if (!type || strcmp(type, "String") || !s || !*s)
			return call_entry_error(c, e, ERR_INVALID_PARAMETER_VALUE,
				    "Message system attribute 'AWSTraceHeader' must be of type String with a non-empty value.");
		*trace = s;
		*bytes += strlen(name) + strlen(type) + strlen(s);
	}
	return 0;
}

/* 1-128 characters of alphanumerics and punctuation. */
static bool fifo_id_ok(const char *s)
{
	size_t l = strlen(s);
	if (!l || l > 128)
		return false;
	for (const char *p = s; *p; p++)
		if (*p < 0x21 || *p > 0x7e)
			return false;
	return true;
}

/* One message of SendMessage or a batch entry (`in` has the members of
 * SendMessageRequest / SendMessageBatchRequestEntry). Fills m; *size gets
 * the bytes SQS counts against its limits. */
static int check_message(struct call *c, const struct sqs_queue *q, json_t *in, struct queue_msg *m,
			 struct queue_attr *attrs, size_t *size, struct entry_err *e)
{
	memset(m, 0, sizeof *m);
	json_t *bj = json_object_get(in, "MessageBody");
	const char *body = json_string_value(bj);
	if (!body)
		return call_entry_error(c, e, ERR_MISSING_PARAMETER, "The request must contain the parameter MessageBody.");
	size_t blen = json_string_length(bj);
	if (!blen)
		return call_entry_error(c, e, ERR_INVALID_PARAMETER_VALUE,
			    "One or more parameters are invalid. Reason: Message must be at least one character.");
	long bad = 0;
	if (!queue_valid_text(body, blen, &bad)) {
		if (bad < 0)
			return call_entry_error(c, e, ERR_SQS_BAD_CONTENTS, "The message body is not valid UTF-8.");
		return call_entry_error(c, e, ERR_SQS_BAD_CONTENTS,
			    "Invalid binary character '#x%lX' was found in the message body, the set of allowed characters "
			    "is #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF",
			    bad);
	}
	int nattrs;
	size_t abytes = 0;
	if (parse_attrs(c, json_object_get(in, "MessageAttributes"), attrs, &nattrs, &abytes, e))
		return -1;
	const char *trace;
	if (parse_sys(c, json_object_get(in, "MessageSystemAttributes"), &trace, &abytes, e))
		return -1;
	*size = blen + abytes;
	if ((int64_t)*size > q->max_size)
		return call_entry_error(c, e, ERR_INVALID_PARAMETER_VALUE,
			    "One or more parameters are invalid. Reason: Message must be shorter than %lld bytes.",
			    (long long)q->max_size);
	json_t *dj = json_object_get(in, "DelaySeconds");
	int64_t delay = -1;
	if (dj) {
		delay = json_integer_value(dj);
		if (q->fifo)
			return call_entry_error(c, e, ERR_INVALID_PARAMETER_VALUE,
				    "Value %lld for parameter DelaySeconds is invalid. Reason: The request include parameter "
				    "that is not valid for this queue type.",
				    (long long)delay);
		if (delay < 0 || delay > MAX_DELAY_S)
			return call_entry_error(c, e, ERR_INVALID_PARAMETER_VALUE,
				    "Value %lld for parameter DelaySeconds is invalid. Reason: DelaySeconds must be >= 0 and "
				    "<= 900.",
				    (long long)delay);
		delay *= 1000;
	}
	const char *group = json_string_value(json_object_get(in, "MessageGroupId"));
	const char *dedup = json_string_value(json_object_get(in, "MessageDeduplicationId"));
	if (group && !fifo_id_ok(group))
		return call_entry_error(c, e, ERR_INVALID_PARAMETER_VALUE,
			    "Value %.200s for parameter MessageGroupId is invalid. Reason: MessageGroupId can only include "
			    "alphanumeric and punctuation characters. 1 to 128 in length.",
			    group);
	if (dedup && !fifo_id_ok(dedup))
		return call_entry_error(c, e, ERR_INVALID_PARAMETER_VALUE,
			    "Value %.200s for parameter MessageDeduplicationId is invalid. Reason: MessageDeduplicationId "
			    "can only include alphanumeric and punctuation characters. 1 to 128 in length.",
			    dedup);
	if (q->fifo) {
		if (!group)
			return call_entry_error(c, e, ERR_MISSING_PARAMETER, "The request must contain the parameter MessageGroupId.");
		struct queue_conf conf;
		if (!dedup && queue_get(q->arn, &conf) == QE_OK && !conf.content_dedup)
			return call_entry_error(c, e, ERR_INVALID_PARAMETER_VALUE,
				    "The queue should either have ContentBasedDeduplication enabled or "
				    "MessageDeduplicationId provided explicitly");
	} else if (dedup) {
		return call_entry_error(c, e, ERR_INVALID_PARAMETER_VALUE,
			    "Value %.200s for parameter MessageDeduplicationId is invalid. Reason: The request includes a "
			    "parameter that is not valid for this queue type.",
			    dedup);
	}
	m->body = body;
	m->body_len = blen;
	m->attrs = attrs;
	m->nattrs = nattrs;
	m->trace_header = trace;
	m->delay_ms = delay;
	m->group_id = q->fifo ? group : NULL;
	m->dedup_id = dedup;
	m->sender = c->who.user_id;
	return 0;
}

static void sent_fields(struct call *c, json_t *o, const struct sqs_queue *q, const struct queue_sent *s)
{
	(void)c;
	json_object_set_new(o, "MessageId", json_string(s->msg_id));
	json_object_set_new(o, "MD5OfMessageBody", json_string(s->md5_body));
	if (s->md5_attrs[0])
		json_object_set_new(o, "MD5OfMessageAttributes", json_string(s->md5_attrs));
	if (s->md5_sys[0])
		json_object_set_new(o, "MD5OfMessageSystemAttributes", json_string(s->md5_sys));
	if (q->fifo && s->seq[0])
		json_object_set_new(o, "SequenceNumber", json_string(s->seq));
}

int sqs_send_message(struct call *c)
{
	struct sqs_queue q;
	if (sqs_resolve(c, call_str(c, "QueueUrl"), &q))
		return -1;
	struct queue_msg m;
	struct queue_attr attrs[QUEUE_MAX_ATTRS];
	struct entry_err e;
	size_t size;
	if (check_message(c, &q, c->input, &m, attrs, &size, &e))
		return call_entry_raise(c, &e);
	struct queue_sent s;
	int rc = queue_send(q.arn, &m, 1, &s);
	if (rc)
		return sqs_engine_error(c, rc, q.name);
	if (s.err)
		return call_error(c, ERR_INVALID_PARAMETER_VALUE, "The message could not be stored (invalid attribute values).");
	json_t *o = json_object();
	sent_fields(c, o, &q, &s);
	json_decref(c->output);
	c->output = o;
	return 0;
}

/* ------------------------------------------------------------------ */
/* batches                                                             */

static bool batch_id_ok(const char *id)
{
	size_t l = strlen(id);
	if (!l || l > 80)
		return false;
	for (const char *p = id; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '-' || *p == '_'))
			return false;
	return true;
}

/* Entries: 1..10, ids well-formed and distinct. */
static int check_batch(struct call *c, json_t *entries, const char *entry_name)
{
	size_t n = json_array_size(entries);
	if (!n)
		return call_error(c, ERR_SQS_EMPTY_BATCH, "There should be at least one %s in the request.", entry_name);
	if (n > QUEUE_MAX_BATCH)
		return call_error(c, ERR_SQS_TOO_MANY_ENTRIES, "Maximum number of entries per request are %d. You have sent %zu.",
				  QUEUE_MAX_BATCH, n);
	for (size_t i = 0; i < n; i++) {
		const char *id = json_string_value(json_object_get(json_array_get(entries, i), "Id"));
		if (!id || !batch_id_ok(id))
			return call_error(c, ERR_SQS_BAD_BATCH_ID,
					  "A batch entry id can only contain alphanumeric characters, hyphens and underscores. "
					  "It can be at most 80 letters long.");
		for (size_t k = 0; k < i; k++)
			if (!strcmp(id, json_string_value(json_object_get(json_array_get(entries, k), "Id"))))
				return call_error(c, ERR_SQS_BATCH_IDS_NOT_DISTINCT, "Id %s repeated.", id);
	}
	return 0;
}

static json_t *failed_entry(const char *id, enum err_id err, const char *msg)
{
	json_t *f = json_object();
	json_object_set_new(f, "Id", json_string(id));
	json_object_set_new(f, "SenderFault", json_true());
	json_object_set_new(f, "Code", json_string(err_info(err)->code));
	json_object_set_new(f, "Message", json_string(msg ? msg : err_info(err)->message));
	return f;
}

static void batch_result(struct call *c, json_t *ok, json_t *failed)
{
	call_set(c, "Successful", ok);
	call_set(c, "Failed", failed);
}

int sqs_send_message_batch(struct call *c)
{
	struct sqs_queue q;
	json_t *entries = call_get(c, "Entries");
	if (sqs_resolve(c, call_str(c, "QueueUrl"), &q) || check_batch(c, entries, "SendMessageBatchRequestEntry"))
		return -1;
	size_t n = json_array_size(entries);
	struct queue_msg msgs[QUEUE_MAX_BATCH];
	struct queue_attr attrs[QUEUE_MAX_BATCH][QUEUE_MAX_ATTRS];
	const char *ids[QUEUE_MAX_BATCH];
	json_t *failed = json_array(), *ok = json_array();
	size_t total = 0;
	int nm = 0;
	for (size_t i = 0; i < n; i++) {
		json_t *en = json_array_get(entries, i);
		const char *id = json_string_value(json_object_get(en, "Id"));
		struct entry_err e;
		size_t size = 0;
		if (check_message(c, &q, en, &msgs[nm], attrs[nm], &size, &e)) {
			json_array_append_new(failed, failed_entry(id, e.id, e.msg));
			total += json_string_length(json_object_get(en, "MessageBody"));
			continue;
		}
		total += size;
		ids[nm++] = id;
	}
	if (total > BATCH_MAX_BYTES) {
		json_decref(failed);
		json_decref(ok);
		return call_error(c, ERR_SQS_BATCH_TOO_LONG, "Batch requests cannot be longer than %d bytes. You have sent %zu bytes.",
				  BATCH_MAX_BYTES, total);
	}
	if (nm) {
		struct queue_sent sent[QUEUE_MAX_BATCH];
		int rc = queue_send(q.arn, msgs, nm, sent);
		if (rc) {
			json_decref(failed);
			json_decref(ok);
			return sqs_engine_error(c, rc, q.name);
		}
		for (int i = 0; i < nm; i++) {
			if (sent[i].err) {
				json_array_append_new(failed, failed_entry(ids[i], ERR_INVALID_PARAMETER_VALUE, NULL));
				continue;
			}
			json_t *o = json_object();
			json_object_set_new(o, "Id", json_string(ids[i]));
			sent_fields(c, o, &q, &sent[i]);
			json_array_append_new(ok, o);
		}
	}
	batch_result(c, ok, failed);
	return 0;
}

/* ------------------------------------------------------------------ */
/* ReceiveMessage                                                      */

static const char *const sys_names[] = {"SenderId", "SentTimestamp", "ApproximateReceiveCount",
					"ApproximateFirstReceiveTimestamp", "SequenceNumber", "MessageDeduplicationId",
					"MessageGroupId", "AWSTraceHeader", "DeadLetterQueueSourceArn", NULL};

/* Bit i set: sys_names[i] requested (AttributeNames and
 * MessageSystemAttributeNames together; "All" asks for every one). */
static unsigned sys_wanted(json_t *a, json_t *b)
{
	unsigned bits = 0;
	json_t *lists[2] = {a, b};
	for (int l = 0; l < 2; l++) {
		size_t i;
		json_t *v;
		json_array_foreach(lists[l], i, v)
		{
			const char *s = json_string_value(v);
			if (!s)
				continue;
			if (!strcmp(s, "All"))
				return ~0u;
			for (int k = 0; sys_names[k]; k++)
				if (!strcmp(s, sys_names[k]))
					bits |= 1u << k;
		}
	}
	return bits;
}

/* MessageAttributeNames: "All", ".*", exact names, or "prefix.*". */
static bool attr_wanted(json_t *names, const char *name)
{
	size_t i;
	json_t *v;
	json_array_foreach(names, i, v)
	{
		const char *s = json_string_value(v);
		if (!s)
			continue;
		size_t l = strlen(s);
		if (!strcmp(s, "All") || !strcmp(s, ".*") || !strcmp(s, name))
			return true;
		if (l > 2 && !strcmp(s + l - 2, ".*") && !strncmp(name, s, l - 1))
			return true;
	}
	return false;
}

static void put_ms(json_t *o, const char *name, int64_t v)
{
	char b[32];
	snprintf(b, sizeof b, "%lld", (long long)v);
	json_object_set_new(o, name, json_string(b));
}

static json_t *sys_attrs(const struct queue_rmsg *m, unsigned want, const char *account)
{
	json_t *o = json_object();
	for (int k = 0; sys_names[k]; k++) {
		if (!(want & (1u << k)))
			continue;
		const char *n = sys_names[k];
		switch (k) {
		case 0: json_object_set_new(o, n, json_string(m->sender ? m->sender : account)); break;
		case 1: put_ms(o, n, m->sent_ms); break;
		case 2: put_ms(o, n, m->receives); break;
		case 3: put_ms(o, n, m->first_receive_ms); break;
		case 4: if (m->seq) json_object_set_new(o, n, json_string(m->seq)); break;
		case 5: if (m->dedup_id) json_object_set_new(o, n, json_string(m->dedup_id)); break;
		case 6: if (m->group_id) json_object_set_new(o, n, json_string(m->group_id)); break;
		case 7: if (m->trace_header) json_object_set_new(o, n, json_string(m->trace_header)); break;
		case 8: if (m->dlq_source) json_object_set_new(o, n, json_string(m->dlq_source)); break;
		}
	}
	return o;
}

/* The message attributes a receiver asked for, in handler form (binary
 * values as raw bytes), and their digest. */
static json_t *msg_attrs(struct call *c, const struct queue_rmsg *m, json_t *names, char md5[33])
{
	md5[0] = 0;
	if (!m->attrs_json || !names)
		return NULL;
	json_t *doc = json_loads(m->attrs_json, 0, NULL);
	json_t *out = json_object();
	struct queue_attr sel[QUEUE_MAX_ATTRS];
	int ns = 0;
	const char *name;
	json_t *v;
	json_object_foreach(doc, name, v)
	{
		if (ns == QUEUE_MAX_ATTRS || !attr_wanted(names, name))
			continue;
		const char *type = json_string_value(json_object_get(v, "DataType"));
		json_t *sv = json_object_get(v, "StringValue"), *bv = json_object_get(v, "BinaryValue");
		json_t *a = json_object();
		json_object_set_new(a, "DataType", json_string(type));
		if (bv) {
			size_t bl = json_string_length(bv);
			unsigned char *raw = arena_alloc(c->arena, bl + 4);
			long rl = base64_decode(json_string_value(bv), bl, raw);
			if (rl < 0)
				rl = 0;
			json_object_set_new(a, "BinaryValue", json_stringn_nocheck((const char *)raw, (size_t)rl));
			sel[ns++] = (struct queue_attr){arena_strdup(c->arena, name), arena_strdup(c->arena, type), (const char *)raw,
							(size_t)rl};
		} else {
			json_object_set(a, "StringValue", sv);
			sel[ns++] = (struct queue_attr){arena_strdup(c->arena, name), arena_strdup(c->arena, type),
							arena_strdup(c->arena, json_string_value(sv)), json_string_length(sv)};
		}
		json_object_set_new(out, name, a);
	}
	json_decref(doc);
	if (!ns) {
		json_decref(out);
		return NULL;
	}
	queue_md5_attrs(sel, ns, md5);
	return out;
}

static int int_param(struct call *c, const char *name, int64_t lo, int64_t hi, int64_t dflt, const char *rule,
		     int64_t *out)
{
	json_t *v = call_get(c, name);
	*out = v ? json_integer_value(v) : dflt;
	if (v && (*out < lo || *out > hi))
		return call_error(c, ERR_INVALID_PARAMETER_VALUE, "Value %lld for parameter %s is invalid. Reason: %s",
				  (long long)*out, name, rule);
	return 0;
}

int sqs_receive_message(struct call *c)
{
	struct sqs_queue q;
	if (sqs_resolve(c, call_str(c, "QueueUrl"), &q))
		return -1;
	int64_t max, vis, wait;
	if (int_param(c, "MaxNumberOfMessages", 1, QUEUE_MAX_BATCH, 1, "Must be between 1 and 10, if provided.", &max) ||
	    int_param(c, "VisibilityTimeout", 0, MAX_VIS_S, -1, "Must be between 0 and 43200, if provided.", &vis) ||
	    int_param(c, "WaitTimeSeconds", 0, MAX_WAIT_S, q.wait_s, "Must be >= 0 and <= 20, if provided.", &wait))
		return -1;
	unsigned want = sys_wanted(call_get(c, "AttributeNames"), call_get(c, "MessageSystemAttributeNames"));
	json_t *names = call_get(c, "MessageAttributeNames");
	struct queue_recv_req req = {.max = (int)max, .visibility_ms = vis >= 0 ? vis * 1000 : -1, .wait_ms = wait * 1000};
	struct queue_rmsg *m;
	int n;
	/* A long poll holds no pooled database connection while it sleeps. */
	db_release();
	int rc = queue_receive(q.arn, &req, c->arena, &m, &n);
	if (rc)
		return sqs_engine_error(c, rc, q.name);
	json_t *list = json_array();
	for (int i = 0; i < n; i++) {
		json_t *o = json_object();
		json_object_set_new(o, "MessageId", json_string(m[i].msg_id));
		json_object_set_new(o, "ReceiptHandle", json_string(m[i].receipt));
		json_object_set_new(o, "MD5OfBody", json_string(m[i].md5_body));
		json_t *body = json_stringn(m[i].body, m[i].body_len);
		json_object_set_new(o, "Body", body ? body : json_string(""));
		json_t *sa = want ? sys_attrs(&m[i], want, q.account) : NULL;
		if (sa && json_object_size(sa))
			json_object_set_new(o, "Attributes", sa);
		else
			json_decref(sa);
		char md5[33];
		json_t *ma = msg_attrs(c, &m[i], names, md5);
		if (ma) {
			json_object_set_new(o, "MD5OfMessageAttributes", json_string(md5));
			json_object_set_new(o, "MessageAttributes", ma);
		}
		json_array_append_new(list, o);
	}
	if (n)
		call_set(c, "Messages", list);
	else
		json_decref(list);
	return 0;
}

/* ------------------------------------------------------------------ */
/* DeleteMessage, ChangeMessageVisibility                              */

static int bad_handle(struct call *c, const char *h)
{
	return call_error(c, ERR_SQS_BAD_RECEIPT, "The input receipt handle \"%.200s\" is not a valid receipt handle.", h);
}

int sqs_delete_message(struct call *c)
{
	struct sqs_queue q;
	if (sqs_resolve(c, call_str(c, "QueueUrl"), &q))
		return -1;
	const char *h = call_str(c, "ReceiptHandle");
	if (!queue_handle_wellformed(h))
		return bad_handle(c, h);
	int res;
	int rc = queue_delete(q.arn, &h, 1, &res);
	if (rc)
		return sqs_engine_error(c, rc, q.name);
	return res ? bad_handle(c, h) : 0;
}

/* The per-handle answer of a visibility change as SQS words it. */
static enum err_id chvis_error(int res, const char *h, struct call *c, const char **msg)
{
	switch (res) {
	case QE_BAD_HANDLE:
		*msg = arena_printf(c->arena, "The input receipt handle \"%.200s\" is not a valid receipt handle.", h);
		return ERR_SQS_BAD_RECEIPT;
	case QE_NOT_INFLIGHT:
		*msg = "Message does not exist or is not available for visibility timeout change.";
		return ERR_SQS_NOT_INFLIGHT;
	default:
		*msg = arena_printf(c->arena,
				    "Value %.200s for parameter ReceiptHandle is invalid. Reason: Message does not exist or is "
				    "not available for visibility timeout change.",
				    h);
		return ERR_INVALID_PARAMETER_VALUE;
	}
}

static bool vis_ok(int64_t v)
{
	return v >= 0 && v <= MAX_VIS_S;
}

int sqs_change_message_visibility(struct call *c)
{
	struct sqs_queue q;
	if (sqs_resolve(c, call_str(c, "QueueUrl"), &q))
		return -1;
	const char *h = call_str(c, "ReceiptHandle");
	int64_t v = call_int(c, "VisibilityTimeout", 0);
	if (!vis_ok(v))
		return call_error(c, ERR_INVALID_PARAMETER_VALUE,
				  "Value %lld for parameter VisibilityTimeout is invalid. Reason: Must be between 0 and 43200, "
				  "if provided.",
				  (long long)v);
	if (!queue_handle_wellformed(h))
		return bad_handle(c, h);
	int64_t ms = v * 1000;
	int res;
	int rc = queue_change_visibility(q.arn, &h, &ms, 1, &res);
	if (rc)
		return sqs_engine_error(c, rc, q.name);
	if (res) {
		const char *msg;
		enum err_id id = chvis_error(res, h, c, &msg);
		return call_error(c, id, "%s", msg);
	}
	return 0;
}

/* DeleteMessageBatch and ChangeMessageVisibilityBatch share their shape:
 * entries {Id, ReceiptHandle[, VisibilityTimeout]}, Successful [{Id}], Failed. */
static int handle_batch(struct call *c, bool chvis)
{
	struct sqs_queue q;
	json_t *entries = call_get(c, "Entries");
	if (sqs_resolve(c, call_str(c, "QueueUrl"), &q) ||
	    check_batch(c, entries, chvis ? "ChangeMessageVisibilityBatchRequestEntry" : "DeleteMessageBatchRequestEntry"))
		return -1;
	size_t n = json_array_size(entries);
	const char *handles[QUEUE_MAX_BATCH], *ids[QUEUE_MAX_BATCH];
	int64_t vis[QUEUE_MAX_BATCH];
	int res[QUEUE_MAX_BATCH];
	json_t *ok = json_array(), *failed = json_array();
	int nh = 0;
	for (size_t i = 0; i < n; i++) {
		json_t *en = json_array_get(entries, i);
		const char *id = json_string_value(json_object_get(en, "Id"));
		const char *h = json_string_value(json_object_get(en, "ReceiptHandle"));
		int64_t v = json_integer_value(json_object_get(en, "VisibilityTimeout"));
		if (!h || !queue_handle_wellformed(h)) {
			json_array_append_new(failed, failed_entry(id, ERR_SQS_BAD_RECEIPT,
								   arena_printf(c->arena,
										"The input receipt handle \"%.200s\" is not a "
										"valid receipt handle.",
										h ? h : "")));
			continue;
		}
		if (chvis && !vis_ok(v)) {
			json_array_append_new(failed, failed_entry(id, ERR_INVALID_PARAMETER_VALUE,
								   arena_printf(c->arena,
										"Value %lld for parameter VisibilityTimeout is "
										"invalid. Reason: Must be between 0 and 43200, "
										"if provided.",
										(long long)v)));
			continue;
		}
		ids[nh] = id;
		handles[nh] = h;
		vis[nh] = v * 1000;
		nh++;
	}
	if (nh) {
		int rc = chvis ? queue_change_visibility(q.arn, handles, vis, nh, res) : queue_delete(q.arn, handles, nh, res);
		if (rc) {
			json_decref(ok);
			json_decref(failed);
			return sqs_engine_error(c, rc, q.name);
		}
	}
	for (int i = 0; i < nh; i++) {
		if (!res[i]) {
			json_t *o = json_object();
			json_object_set_new(o, "Id", json_string(ids[i]));
			json_array_append_new(ok, o);
			continue;
		}
		const char *msg;
		enum err_id id = chvis_error(res[i], handles[i], c, &msg);
		json_array_append_new(failed, failed_entry(ids[i], id, msg));
	}
	batch_result(c, ok, failed);
	return 0;
}

int sqs_delete_message_batch(struct call *c)
{
	return handle_batch(c, false);
}

int sqs_change_message_visibility_batch(struct call *c)
{
	return handle_batch(c, true);
}
