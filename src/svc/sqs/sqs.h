/* sqs.h — what the SQS service's files share (sqs.c: queues; sqs_attr.c:
 * queue attributes; sqs_msg.c: messages). Not used outside src/svc/sqs. */
#ifndef NUAGE_SVC_SQS_H
#define NUAGE_SVC_SQS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "engine/queue.h"
#include "proto/call.h"

#define SQS_MAX_NAME 80
#define SQS_DEFAULT_MAX_SIZE 262144
#define SQS_MAX_TAGS 50

/* A queue as a request addresses it. Strings live in the call's arena. */
struct sqs_queue {
	const char *account, *region, *name;
	const char *arn;
	const char *url;      /* as this client should see it (its Host header) */
	bool fifo;
	int64_t max_size;     /* MaximumMessageSize */
	int wait_s;           /* ReceiveMessageWaitTimeSeconds */
	int64_t created, modified; /* epoch ms */
};

/* Resolves a QueueUrl (any host, path /ACCOUNT/NAME, the caller's account)
 * to its queue. 0, or -1 with AWS.SimpleQueueService.NonExistentQueue set. */
int sqs_resolve(struct call *c, const char *url, struct sqs_queue *q);
/* http://<Host the client used>/<account>/<name> (arena). */
const char *sqs_url(struct call *c, const char *account, const char *name);
/* arn:aws:sqs:<region>:<account>:<name> (arena). */
const char *sqs_arn(struct call *c, const char *region, const char *account, const char *name);
/* Maps an engine error to the call's error; always -1. */
int sqs_engine_error(struct call *c, int qe, const char *name);

/* --- attributes (sqs_attr.c) --- */
/* Applies `given` (name -> string, as the client sent it) onto `attrs` (the
 * queue's stored attributes: name -> normalized string). creating: also
 * accepts FifoQueue and fills defaults. self_arn: the queue's ARN (a
 * dead-letter target's RedriveAllowPolicy is checked against it). 0, or -1
 * with the error set. */
int sqs_attrs_apply(struct call *c, json_t *attrs, json_t *given, bool creating, bool fifo, const char *self_arn);
/* The engine settings the attributes describe. */
void sqs_attrs_conf(json_t *attrs, struct queue_conf *conf);
/* GetQueueAttributes: the requested names (or All) into out. 0 or -1. */
int sqs_attrs_get(struct call *c, const struct sqs_queue *q, json_t *attrs, json_t *names, json_t *out);
/* Integer value of a stored attribute, or dflt. */
int64_t sqs_attr_int(json_t *attrs, const char *name, int64_t dflt);

/* --- handlers for messages (sqs_msg.c) --- */
int sqs_send_message(struct call *c);
int sqs_send_message_batch(struct call *c);
int sqs_receive_message(struct call *c);
int sqs_delete_message(struct call *c);
int sqs_delete_message_batch(struct call *c);
int sqs_change_message_visibility(struct call *c);
int sqs_change_message_visibility_batch(struct call *c);

#endif
