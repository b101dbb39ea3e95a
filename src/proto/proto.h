/* proto.h — the wire protocols: one decoder and one encoder per protocol,
 * each walking the generated model tables (model.h).
 *
 * proto may include the data-only http/request.h and http/response.h: they
 * describe bytes on the wire, not the server.
 */
#ifndef NUAGE_PROTO_PROTO_H
#define NUAGE_PROTO_PROTO_H

#include <stddef.h>

#include "http/request.h"
#include "http/response.h"
#include "proto/call.h"

struct proto_codec {
	/* Fills c->input from the request (path: raw path for URI labels, body:
	 * the whole body for non-streaming operations). 0, or -1 with c->err set. */
	int (*decode)(struct call *c, const char *path, const char *body, size_t bodylen);
	/* Writes c->output (and c->out_body) into r. */
	void (*encode)(struct call *c, struct http_response *r);
	/* Writes c->err into r in the protocol's error shape. */
	void (*encode_error)(struct call *c, struct http_response *r);
};

const struct proto_codec *proto_codec(enum protocol p);

/* REST protocols: picks the operation a method + path + query + headers
 * address (see rest.c for the scoring). NULL when nothing matches. */
const struct model_op *rest_route(const struct model_service *m, const struct http_request *req, const char *path,
			       const struct query *q);
/* Frees the compiled routing tables (at shutdown). */
void rest_routes_free(void);

/* Query protocols: finds the Action parameter in a query string or form
 * body; copies it (decoded) into out. Returns 0 or -1. */
int query_find_param(const char *s, size_t n, const char *name, char *out, size_t outlen);

/* Parses a JSON body into the handler form of shape s (NULL: any object).
 * 0, or -1 with c->err set (SerializationException). */
int json_decode_body(struct call *c, const struct model_shape *s, const char *body, size_t len, json_t **out);

/* The Content-Type of JSON protocol responses for a model. */
const char *json_content_type(const struct model_service *m);

/* S3 and query error documents render without a call when a request cannot
 * even be routed (framing errors): a minimal error in the protocol's shape. */
void proto_bare_error(enum protocol p, const struct model_service *m, enum err_id id, const char *msg,
		      const char *request_id, struct http_response *r);

#endif
