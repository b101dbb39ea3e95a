/* queue.h — durable queues with SQS semantics (DESIGN.md: "The SQS service is
 * the API face of engine queues; a pipe, a Lambda event-source mapping or an
 * async invocation uses the queue directly").
 *
 * A queue is named by an ARN (SQS queues by theirs, internal queues by any
 * stable string such as "nuage:sns:deliveries"). It keeps visibility
 * timeouts, receive counts, dead letters (redrive after max_receives), delays,
 * retention, FIFO message groups and deduplication, all in nuage.db, so an
 * acknowledged send survives kill -9 and an in-flight message reappears after
 * its visibility timeout, also across a restart.
 *
 * Two ways in:
 *  - queue_send / queue_receive / queue_delete / queue_change_visibility /
 *    queue_purge: from any thread; they return once the change is durable.
 *    They are executed by one writer thread that commits the operations of
 *    all concurrent callers together (group commit: one fsync for many).
 *    queue_receive long-polls (wait_ms) by blocking the caller on a condition
 *    variable, never by spinning. Never call them while holding db_begin:
 *    the writer needs the write lock.
 *  - The *_txn functions run inside the CALLER's write transaction (db_begin
 *    held), so another service can enqueue atomically with its own change
 *    (S3 notification records, SNS fan-out). After its db_commit (or
 *    db_rollback) the caller calls queue_after_commit() to wake receivers.
 *
 * Messages carry SQS message attributes ({name, DataType, string or binary
 * value}); the engine computes MD5OfMessageBody, MD5OfMessageAttributes and
 * MD5OfMessageSystemAttributes exactly as SDKs verify them.
 */
#ifndef NUAGE_ENGINE_QUEUE_H
#define NUAGE_ENGINE_QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"

struct migration_set;
extern const struct migration_set queue_migrations;

#define QUEUE_ARN_MAX 256
#define QUEUE_MAX_BATCH 10          /* messages per send/receive/delete call */
#define QUEUE_DEDUP_WINDOW_MS (5 * 60 * 1000)
#define QUEUE_MAX_INFLIGHT 120000   /* in flight per queue (SQS quota, standard and FIFO) */
#define QUEUE_MAX_ATTRS 10

/* Results (per call or per entry). */
enum queue_err {
	QE_OK = 0,
	QE_DB = -1,          /* storage failure (logged) */
	QE_NO_QUEUE = -2,    /* no queue by that ARN */
	QE_BAD_HANDLE = -3,  /* receipt handle malformed, or of another queue */
	QE_GONE = -4,        /* message deleted, or received again since this handle */
	QE_NOT_INFLIGHT = -5,/* change visibility of a message that is not in flight */
	QE_OVER_LIMIT = -6,  /* too many messages in flight */
	QE_STOPPING = -7,    /* nuage is shutting down */
	QE_EXISTS = -8,      /* queue_create_txn: the ARN is taken */
	QE_INVALID = -9,     /* a FIFO message without group id or deduplication id */
};

struct queue_conf {
	bool fifo;
	bool content_dedup;      /* FIFO: no dedup id given -> SHA-256 of the body */
	bool dedup_per_group;    /* FIFO: DeduplicationScope messageGroup */
	int64_t visibility_ms;   /* default visibility timeout */
	int64_t delay_ms;        /* default delivery delay */
	int64_t retention_ms;
	int max_receives;        /* > 0: dead-letter after this many receives */
	char dlq_arn[QUEUE_ARN_MAX]; /* the dead-letter queue, "" for none */
};

/* One message attribute. type is the DataType (String, Number, Binary, or
 * with a ".label"); binary types carry raw bytes in value. */
struct queue_attr {
	const char *name;
	const char *type;
	const char *value;
	size_t len;
};

struct queue_msg {
	const char *body;
	size_t body_len;
	const struct queue_attr *attrs; /* sorted or not; the engine sorts for the MD5 */
	int nattrs;
	const char *trace_header;  /* AWSTraceHeader system attribute, or NULL */
	int64_t delay_ms;          /* < 0: the queue's delay */
	const char *group_id;      /* FIFO */
	const char *dedup_id;      /* FIFO; NULL: content-based (queue must allow it) */
	const char *sender;        /* SenderId; NULL: the engine's own */
	const char *dedup_key;     /* internal idempotency key (outbox redelivery), or NULL */
};

struct queue_sent {
	int err;                   /* QE_OK, QE_INVALID */
	bool duplicate;            /* FIFO dedup hit: not enqueued again */
	char msg_id[37];
	char md5_body[33];
	char md5_attrs[33];        /* "" without attributes */
	char md5_sys[33];          /* "" without system attributes */
	char seq[24];              /* FIFO sequence number, "" otherwise */
};

struct queue_recv_req {
	int max;                   /* 1..10 */
	int64_t visibility_ms;     /* < 0: the queue's */
	int64_t wait_ms;           /* long poll: 0..20000 */
};

/* A received message; strings live in the caller's arena. */
struct queue_rmsg {
	char msg_id[37];
	const char *receipt;
	const char *body;
	size_t body_len;
	const char *attrs_json;    /* {"name":{"DataType":..,"StringValue"|"BinaryValue"(base64)}} or NULL */
	char md5_body[33];
	char md5_attrs[33];        /* "" without attributes */
	char md5_sys[33];
	const char *trace_header;  /* or NULL */
	int64_t sent_ms;
	int64_t first_receive_ms;
	int receives;              /* including this one */
	const char *sender;
	const char *group_id, *dedup_id, *seq; /* FIFO, else NULL */
	const char *dlq_source;    /* DeadLetterQueueSourceArn, or NULL */
};

struct queue_stats {
	int64_t visible, inflight, delayed;
};

/* --- lifecycle (main.c) --- */
int queue_start(void);
/* Wakes every long poll and makes new ones return at once (before the HTTP
 * server drains its connections at shutdown). */
void queue_shutdown_begin(void);
void queue_stop(void);

/* --- queues: inside the caller's write transaction --- */
int queue_create_txn(const char *arn, const struct queue_conf *conf);
int queue_update_txn(const char *arn, const struct queue_conf *conf);
/* Deletes the queue and every message in it. */
int queue_drop_txn(const char *arn);
/* Reads a queue's settings (any thread, no transaction needed). */
int queue_get(const char *arn, struct queue_conf *conf);
int queue_get_stats(const char *arn, struct queue_stats *st);
/* Epoch ms of the last purge, 0 if never; QE_NO_QUEUE. */
int queue_last_purge(const char *arn, int64_t *ms);

/* --- messages: durable when they return --- */
/* Sends n (<= QUEUE_MAX_BATCH) messages; out[i] gets each one's result.
 * Returns QE_OK (see out[i].err) or a call-wide error. */
int queue_send(const char *arn, const struct queue_msg *msgs, int n, struct queue_sent *out);
/* Receives up to req->max messages, waiting up to req->wait_ms for the
 * first. *out (and every string in it) is allocated from arena. */
int queue_receive(const char *arn, const struct queue_recv_req *req, struct arena *arena, struct queue_rmsg **out,
		  int *n);
/* Deletes by receipt handle; res[i] per handle: QE_OK or QE_BAD_HANDLE.
 * A handle superseded by a later receive leaves the message in place and
 * still answers QE_OK (as SQS does). */
int queue_delete(const char *arn, const char *const *handles, int n, int *res);
/* New visibility timeouts (ms from now) by receipt handle; res[i]: QE_OK,
 * QE_BAD_HANDLE, QE_GONE, QE_NOT_INFLIGHT. */
int queue_change_visibility(const char *arn, const char *const *handles, const int64_t *vis_ms, int n, int *res);
int queue_purge(const char *arn);

/* --- sending inside the caller's transaction --- */
int queue_send_txn(const char *arn, const struct queue_msg *m, struct queue_sent *out);
/* After the caller's db_commit or db_rollback: wakes receivers of the queues
 * this thread wrote in its transaction. */
void queue_after_commit(void);

/* --- helpers shared with services --- */
/* MD5OfMessageAttributes as SDKs compute it (hex, 33 bytes); "" when n == 0. */
void queue_md5_attrs(const struct queue_attr *attrs, int n, char out[33]);
/* True when every character is one SQS accepts in a body or attribute:
 * #x9 #xA #xD #x20-#xD7FF #xE000-#xFFFD #x10000-#x10FFFF (valid UTF-8).
 * On false, *bad gets the offending code point (or -1 for broken UTF-8). */
bool queue_valid_text(const char *s, size_t n, long *bad);
/* A message attribute name as SQS and SNS accept it: 1-256 of
 * [A-Za-z0-9_.-], no leading, trailing or doubled period, not starting
 * with "AWS." or "Amazon." (any case). */
bool queue_attr_name_ok(const char *name);
/* A Number attribute value: sign, up to 38 digits with a fraction, exponent. */
bool queue_number_ok(const char *s);
/* The base of an attribute DataType: "String", "Number" or "Binary" when t
 * is one of them, optionally followed by ".label"; NULL otherwise. */
const char *queue_attr_base_type(const char *t);
/* Whether a string is a well-formed receipt handle (no queue lookup). */
bool queue_handle_wellformed(const char *h);

#endif
