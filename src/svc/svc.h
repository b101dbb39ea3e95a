/* svc.h — how a service plugs in: one table of {operation, handler}.
 *
 * Every handler has the same signature and is called only after routing,
 * authentication and input decoding succeeded (after Redis's
 * processCommand): it never re-checks what the pipeline checked, never
 * touches the socket, and answers through call->output or call_error().
 */
#ifndef NUAGE_SVC_SVC_H
#define NUAGE_SVC_SVC_H

#include <stddef.h>

#include "proto/call.h"
#include "proto/model.h"

struct buf;
struct config;
struct migration_set;

typedef int (*handler_fn)(struct call *c);

struct svc_op {
	const char *name;
	handler_fn fn;
	const char *xml_root; /* rest-xml output document root (S3: "ListBucketResult"), or NULL */
	/* Also served unsigned, as AWS serves it (SNS ConfirmSubscription and
	 * Unsubscribe through the URLs SNS sends): the handler then sees an
	 * empty account and must authorize by what the request carries. */
	bool anonymous;
};

struct svc {
	const char *name;                   /* as in the health report: "s3", "sqs", ... */
	const struct model_service *model;
	const struct svc_op *ops;
	size_t nops;
	size_t max_body;                    /* non-streamed body limit; 0 = the server default */
	const struct migration_set *migrations; /* the service's tables, or NULL */
	int (*start)(const struct config *cfg); /* after the store is open; may be NULL */
	void (*stop)(void);                 /* may be NULL */
	/* CORS rules (S3's CORSRules shape) governing a resource, as a new
	 * reference; NULL when none. Lets the HTTP layer answer preflights and
	 * decorate responses. May be NULL. */
	json_t *(*cors_rules)(const char *bucket);
	/* An unauthenticated GET resource the service publishes (the SNS
	 * signing certificate): with body NULL, whether path is one of its;
	 * else writes it. true when served. May be NULL. */
	bool (*public_get)(const char *path, struct buf *body, const char **content_type);
	/* Called once the listener is bound, with its real port (--port 0 picks
	 * one): for services that tell child processes where nuage is. May be NULL. */
	void (*listening)(int port);
	/* Called when shutdown begins, before in-flight requests are awaited:
	 * handlers that wait long (a synchronous Lambda invoke) give up
	 * promptly after this. May be NULL. */
	void (*quiesce)(void);
};

/* Binds every service's handlers to its model; 0, or -1 if a handler names
 * an operation the model lacks or an implemented operation has no handler. */
int svc_init(void);
void svc_fini(void);
int svc_start_all(const struct config *cfg);
void svc_stop_all(void);
void svc_listening_all(int port);
void svc_quiesce_all(void);

const struct svc_op *svc_handler(const struct svc *s, const struct model_op *op);
const struct svc *svc_by_signing_name(const char *name);
const struct svc *svc_by_target(const char *target, size_t prefix_len);
const struct svc *svc_by_query_version(const char *version);
const struct svc *svc_by_name(const char *name);
/* Asks every service's public_get (see struct svc). */
bool svc_public_get(const char *path, struct buf *body, const char **content_type);
/* NULL-terminated list of registered services. */
const struct svc *const *svc_list(void);

#endif
