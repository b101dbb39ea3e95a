/* rapi.h — the Lambda Runtime API (2018-06-01) on one connection, as
 * runtime_api.c parses it for env.c. Everything runs on the environment's
 * thread: the connection is non-blocking and fed from its poll loop. */
#ifndef NUAGE_SVC_LAMBDA_RAPI_H
#define NUAGE_SVC_LAMBDA_RAPI_H

#include <stdbool.h>
#include <stddef.h>

struct rapi_conn;

/* What the environment does with each request. Each callback answers
 * (rapi_reply...) now, or — /next — parks the connection and answers when
 * an invocation arrives. */
struct rapi_handler {
	void (*next)(void *env, struct rapi_conn *c);
	void (*response)(void *env, struct rapi_conn *c, const char *id, const char *body, size_t len);
	void (*error)(void *env, struct rapi_conn *c, const char *id, const char *body, size_t len, const char *type);
	void (*init_error)(void *env, struct rapi_conn *c, const char *body, size_t len, const char *type);
	/* A response body over LAMBDA_MAX_RESPONSE (the reply is sent here). */
	void (*too_large)(void *env, struct rapi_conn *c, const char *id);
	/* nuage's own GET /2018-06-01/runtime/nuage/assign: a pre-started
	 * environment waits here for its function (env.c, SPARE). Parks. */
	void (*assign)(void *env, struct rapi_conn *c);
};

struct rapi_conn *rapi_conn_new(int fd);
void rapi_conn_free(struct rapi_conn *c);
int rapi_conn_fd(const struct rapi_conn *c);
bool rapi_conn_wants_write(const struct rapi_conn *c);
/* Handles poll events: reads and dispatches complete requests, writes
 * queued output. -1 when the connection is finished (close and free it). */
int rapi_conn_io(struct rapi_conn *c, short revents, const struct rapi_handler *h, void *env);

/* Responses. headers: extra "Name: value\r\n" lines or NULL. */
void rapi_reply(struct rapi_conn *c, int status, const char *headers, const char *body, size_t len);
void rapi_reply_error(struct rapi_conn *c, int status, const char *type, const char *msg);
void rapi_reply_accepted(struct rapi_conn *c);
/* Sends queued output now if the socket takes it (after an async answer). */
void rapi_conn_flush(struct rapi_conn *c);

#endif
