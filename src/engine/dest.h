/* dest.h — delivering a message to another service's resource named by an
 * ARN: Lambda's async destinations and dead-letter queues (and later
 * EventBridge targets and pipes).
 *
 * Services that can receive messages (SQS, SNS, EventBridge, Lambda)
 * register a deliverer for their ARN service name at start-up; senders
 * call dest_send inside their own write transaction, and the deliverer
 * only writes to the store in that same transaction (an SQS enqueue, an
 * SNS publish into its outbox). So "the async invocation is finished" and
 * "its record is in the destination queue" commit together or not at all,
 * and no service calls another service's code by name.
 */
#ifndef NUAGE_ENGINE_DEST_H
#define NUAGE_ENGINE_DEST_H

#include <stddef.h>

/* Delivers body (attrs_json: NULL or a JSON object of string message
 * attributes) to arn. 0, or -1 with a reason in err (no such queue ...). */
typedef int (*dest_fn)(const char *arn, const char *body, size_t len, const char *attrs_json, char *err,
		       size_t errlen);

#define DEST_MAX 16

/* At start-up, before requests are served. service: "sqs", "sns", ... */
void dest_register(const char *service, dest_fn fn);
/* Inside the caller's write transaction. 0; -1 delivery failed (err says
 * why); -2 no service registered for the ARN's service (err says which). */
int dest_send(const char *arn, const char *body, size_t len, const char *attrs_json, char *err, size_t errlen);
/* Forgets every registration (stop, tests). */
void dest_reset(void);

#endif
