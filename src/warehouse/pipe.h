/* pipe.h — Snowpipe-style pipes: CREATE PIPE ... AUTO_INGEST = TRUE AS
 * COPY INTO ..., fed by S3 event notifications through an SQS queue (the
 * pipe's notification channel), loading each new file exactly once.
 *
 * As on Snowflake, every auto-ingest pipe of an account (here: of an
 * account in one warehouse) shares one notification channel, an engine
 * queue with an SQS ARN (arn:aws:sqs:REGION:ACCOUNT:sf-snowpipe-...): point
 * the bucket's notification configuration (QueueConfigurations) or an SNS
 * subscription at it; events reach every pipe whose stage location matches.
 *
 * Pipe semantics that differ from bulk COPY: ON_ERROR defaults to
 * SKIP_FILE; load metadata is per pipe and keyed by path (14 days);
 * FILES, FORCE, PURGE, VALIDATION_MODE are refused (dialect.c).
 */
#ifndef NUAGE_WAREHOUSE_PIPE_H
#define NUAGE_WAREHOUSE_PIPE_H

#include "warehouse/dialect.h"
#include "warehouse/exec.h"

/* Starts channel receivers and pipe loaders for every pipe in the catalog
 * (after wh_start and the queue engine). */
int pipe_start(void);
void pipe_stop(void);

int pipe_create(struct wh_session *s, const struct dl_stmt *d, const char *sql, const struct wh_sink *sink,
		struct wh_status *st, struct wh_err *e);
int pipe_alter(struct wh_session *s, const struct dl_stmt *d, const struct wh_sink *sink, struct wh_status *st,
	       struct wh_err *e);
int pipe_drop(struct wh_session *s, const struct dl_stmt *d, const struct wh_sink *sink, struct wh_status *st,
	      struct wh_err *e);
/* SHOW PIPES and DESC PIPE. */
int pipe_show(struct wh_session *s, const struct dl_stmt *d, const struct wh_sink *sink, struct wh_status *st,
	      struct wh_err *e);
int pipe_status(struct wh_session *s, const struct dl_stmt *d, const struct wh_sink *sink, struct wh_status *st,
		struct wh_err *e);

/* What a notification message says was created: parses a raw S3 event
 * ({"Records":[...]}) or an SNS envelope around one; ignores s3:TestEvent
 * and events other than ObjectCreated:*. Calls fn per created object
 * (key URL-decoded). Returns the number of records, or -1 if the message is
 * not an S3 event at all. */
typedef void (*pipe_event_fn)(void *ctx, const char *bucket, const char *key, int64_t size, const char *etag,
			      int64_t event_ms);
int pipe_parse_event(const char *body, size_t len, pipe_event_fn fn, void *ctx);

#endif
