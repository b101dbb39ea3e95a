/* router.h — which service and operation a request addresses, from what
 * AWS clients actually send (see router.c). */
#ifndef NUAGE_HTTP_ROUTER_H
#define NUAGE_HTTP_ROUTER_H

#include <stdbool.h>
#include <stddef.h>

#include "core/arena.h"
#include "core/err.h"
#include "http/request.h"
#include "http/sigv4.h"
#include "proto/call.h"
#include "proto/model.h"

struct svc;

struct route {
	const struct svc *svc;       /* NULL: no service (err says why) */
	const struct model_op *op;   /* NULL: no operation (err says why) */
	enum protocol proto;         /* protocol to answer in, even on error */
	const char *path;            /* REST: path to match (virtual-host bucket prepended) */
	const char *vhost_bucket;    /* S3: the bucket named by the Host header, or NULL */
	bool needs_form_body;        /* query protocol: the Action may be in the body */
	struct query query;          /* REST: the query string as routing parsed it */
	enum err_id err;
	const char *msg;
};

/* First pass, before any body is read. */
void router_route(struct arena *a, const struct http_request *req, const struct sigv4_auth *auth, struct route *r);
/* Second pass for form-encoded query requests once the body is read. */
void router_route_form(struct arena *a, const struct http_request *req, const struct sigv4_auth *auth,
		       const char *body, size_t len, struct route *r);

#endif
