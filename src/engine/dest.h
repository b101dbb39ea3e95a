/* dest.h — delivering a message to another service's resource named by an
 * ARN: S3 event notifications, Lambda's async destinations and dead-letter
 * queues (and later EventBridge targets and pipes).
 *
 * Services that can receive messages (SQS, SNS, Lambda) register a
 * deliverer for their ARN service name at start-up; senders call dest_send
 * inside their own write transaction, and the deliverer only writes to the
 * store in that same transaction (an SQS enqueue, an SNS publish into its
 * outbox). So "the object is stored" and "its event record is in the
 * destination queue" commit together or not at all, and no service calls
 * another service's code by name. After its db_commit (or db_rollback) the
 * sender calls dest_after_commit() so receivers waiting on what was just
 * written wake up.
 */
#ifndef NUAGE_ENGINE_DEST_H
#define NUAGE_ENGINE_DEST_H

#include <stdbool.h>
#include <stddef.h>

struct dest_msg {
	const char *body;
	size_t len;
	const char *attrs_json; /* NULL, or a JSON object of string message attributes */
	const char *subject;    /* SNS Subject, or NULL */
	/* NULL, or a key naming this delivery: a second message with the same
	 * key is dropped (a bus event replayed after a crash delivers once).
	 * Lambda honours it; SQS and SNS ignore it. */
	const char *dedup_key;
	/* Only check that the destination exists and would accept the
	 * message (S3 validating a notification configuration); write nothing. */
	bool check_only;
};

/* 0, or -1 with a reason in err (no such queue ...). */
typedef int (*dest_fn)(const char *arn, const struct dest_msg *m, char *err, size_t errlen);

#define DEST_MAX 16

/* At start-up, before requests are served. service: "sqs", "sns", ...;
 * after_commit (may be NULL) wakes whoever waits on what this thread's
 * last transaction delivered. */
void dest_register(const char *service, dest_fn fn, void (*after_commit)(void));
/* Inside the caller's write transaction. 0; -1 delivery failed (err says
 * why); -2 no service registered for the ARN's service (err says which). */
int dest_send(const char *arn, const struct dest_msg *m, char *err, size_t errlen);
/* After the caller's db_commit or db_rollback. */
void dest_after_commit(void);
/* Forgets every registration (stop, tests). */
void dest_reset(void);

#endif
