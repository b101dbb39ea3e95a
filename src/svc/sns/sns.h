/* sns.h — what the SNS service's files share:
 *   sns.c         topics, tags, the service table
 *   sns_sub.c     subscriptions and their attributes
 *   sns_pub.c     Publish, PublishBatch: checks, then one outbox event
 *   sns_fanout.c  the bus handler: filter policies, envelopes, delivery to
 *                 SQS queues and to the HTTP delivery queue
 *   sns_http.c    HTTP/S deliveries with AWS's retry policy (worker threads)
 *   sns_sign.c    the signing key and certificate, signatures
 * Not used outside src/svc/sns. */
#ifndef NUAGE_SVC_SNS_H
#define NUAGE_SVC_SNS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/buf.h"
#include "proto/call.h"

#define SNS_MAX_MESSAGE 262144
#define SNS_MAX_ATTRS 10
#define SNS_MAX_TAGS 50
#define SNS_PAGE 100
#define SNS_OUTBOX_TOPIC "sns:publish"
#define SNS_HTTP_QUEUE "nuage:sns:http"   /* engine queue of pending HTTP/S deliveries */
#define SNS_API_VERSION "2010-03-31"

struct sns_topic {
	const char *arn, *account, *region, *name;
	bool fifo;
	json_t *attrs; /* settable attributes as stored (owned; sns_topic_free) */
	int64_t created;
};

/* Loads a topic by ARN in the caller's account; NotFound (404) when absent.
 * with_attrs: also its attributes (free with sns_topic_free). */
int sns_topic_load(struct call *c, const char *arn, struct sns_topic *t, bool with_attrs);
void sns_topic_free(struct sns_topic *t);
/* http://<Host the client used>: the base of SubscribeURL, UnsubscribeURL
 * and (without --sns-cert-base) SigningCertURL. */
const char *sns_base_url(struct call *c);
/* Splits arn:aws:sns:REGION:ACCOUNT:NAME[:SUBID]; false if malformed. */
bool sns_arn_parts(const char *arn, char *region, size_t rl, char *account, size_t al);
/* Validates one Tags list (Key 1-128, Value 0-256); 0 or -1. */
int sns_check_tags(struct call *c, json_t *tags);
/* NextToken of SNS lists: the last key listed, base64 (opaque to clients).
 * token_in: *after gets "" without a token; -1 (InvalidParameter) if bad. */
const char *sns_token_out(struct call *c, const char *last);
int sns_token_in(struct call *c, const char *tok, const char **after);
/* A 1-80 character batch entry id of [A-Za-z0-9_-]. */
bool sns_batch_id_ok(const char *id);

/* --- subscriptions (sns_sub.c) --- */
int sns_subscribe(struct call *c);
int sns_confirm_subscription(struct call *c);
int sns_unsubscribe(struct call *c);
int sns_list_subscriptions(struct call *c);
int sns_list_subscriptions_by_topic(struct call *c);
int sns_get_subscription_attributes(struct call *c);
int sns_set_subscription_attributes(struct call *c);
/* Deletes a topic's subscriptions (inside the caller's transaction). */
int sns_subs_drop_topic(const char *topic_arn);
/* Checks a DeliveryPolicy document; for a topic (its "http" section) or a
 * subscription. 0, or -1 with InvalidParameter set. */
int sns_check_delivery_policy(struct call *c, const char *json, bool topic);
/* The effective HTTP retry policy of a subscription: its own, else the
 * topic's default, else AWS's (3 retries, 20 s apart). New reference. */
json_t *sns_effective_retry_policy(json_t *sub_attrs, json_t *topic_attrs);

/* --- publishing (sns_pub.c) --- */
int sns_publish(struct call *c);
int sns_publish_batch(struct call *c);
/* Lets other services publish to topics (engine/dest.h); SNS envelopes of
 * such messages link to http://localhost:port. */
void sns_dest_register(int port);

/* --- fan-out (sns_fanout.c), on the bus thread --- */
int sns_fanout(int64_t id, const char *topic, const char *payload, void *arg);
/* After the bus stopped: frees the fan-out's matcher scratch. */
void sns_fanout_fini(void);
/* Builds a signed message document as AWS writes it: Notification (fields:
 * MessageId, TopicArn, Subject?, Message, Timestamp, SequenceNumber?,
 * UnsubscribeURL, MessageAttributes?), SubscriptionConfirmation or
 * UnsubscribeConfirmation (Token, SubscribeURL). Fields come from `f`
 * (JSON object with those names, Timestamp as text); sig_version 0 leaves
 * the signature out (FIFO topics). Caller frees the result. */
char *sns_envelope(const char *type, json_t *f, int sig_version, const char *cert_url);

/* --- HTTP/S deliveries (sns_http.c) --- */
int sns_http_start(void);
void sns_http_stop(void);
/* Queues one POST (inside the caller's transaction). rec: {"sub", "topic",
 * "url", "type", "id", "body", "raw", "ctype", "policy", "dlq"}. */
int sns_http_enqueue_txn(json_t *rec, const char *dedup_key);

/* --- signing (sns_sign.c) --- */
/* cert_base: --sns-cert-base, or NULL (SigningCertURL then uses the
 * address the publishing client used). */
void sns_sign_init(const char *data_dir, const char *cert_base);
void sns_sign_fini(void);
/* Base64 SHA1withRSA (version 1) or SHA256withRSA (2) signature of text;
 * malloc'd, caller frees; NULL if the key is unavailable (logged). */
char *sns_sign(const char *text, size_t n, int version);
/* "/SimpleNotificationService-<md5 of the certificate>.pem", or NULL. */
const char *sns_cert_path(void);
/* SigningCertURL for a message published through base_url. Arena string. */
const char *sns_cert_url(struct arena *a, const char *base_url);
bool sns_public_get(const char *path, struct buf *body, const char **content_type);

#endif
