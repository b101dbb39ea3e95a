/* router.c — request -> (service, operation, protocol).
 *
 * In order, as AWS front ends and LocalStack decide:
 *  1. X-Amz-Target "Prefix.Operation": a JSON protocol service.
 *  2. The SigV4 credential scope's service (Authorization header or a
 *     presigned URL's X-Amz-Credential): s3 -> rest-xml; rest-json services
 *     route by method and path; query services by Action.
 *  3. Unsigned requests: an Action parameter (query string or form body)
 *     picks a query service by Version; everything else is S3.
 * S3 accepts path-style (/bucket/key) and virtual-hosted-style
 * (bucket.localhost:4566/key) addressing.
 */
#include "http/router.h"
#include "proto/proto.h"
#include "svc/svc.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

static const char *const vhost_suffixes[] = {
	".s3.localhost.localstack.cloud", ".localhost.localstack.cloud", ".s3.localhost", ".localhost",
	".s3.amazonaws.com", NULL,
};

/* bucket.localhost:4566 -> "bucket" (arena), or NULL. */
static const char *vhost_bucket(struct arena *a, const char *host)
{
	size_t hl = strcspn(host, ":");
	if (hl && host[0] == '[')
		return NULL;
	for (int i = 0; vhost_suffixes[i]; i++) {
		size_t sl = strlen(vhost_suffixes[i]);
		if (hl > sl && !strncasecmp(host + hl - sl, vhost_suffixes[i], sl)) {
			size_t bl = hl - sl;
			/* s3.localhost itself is the service host, not a bucket. */
			if (bl == 2 && !strncasecmp(host, "s3", 2))
				return NULL;
			return arena_strndup(a, host, bl);
		}
	}
	/* bucket.s3.<region>.amazonaws.com */
	const char *s3 = strstr(host, ".s3.");
	if (s3 && hl > 14 && !strncasecmp(host + hl - 14, ".amazonaws.com", 14))
		return arena_strndup(a, host, (size_t)(s3 - host));
	return NULL;
}

static void route_rest(struct arena *a, const struct http_request *req, const struct svc *s, struct route *r)
{
	r->svc = s;
	r->proto = (enum protocol)s->model->protocol;
	const char *path = req->path;
	if (r->proto == PROTO_REST_XML) {
		const char *bucket = vhost_bucket(a, req->host);
		r->vhost_bucket = bucket;
		if (bucket)
			path = arena_printf(a, "/%s%s", bucket, path);
		/* "/bucket/" addresses the bucket, as "/bucket" does. */
		const char *second = strchr(path + 1, '/');
		if (second && second[1] == 0)
			path = arena_strndup(a, path, (size_t)(second - path));
	} else {
		/* Older botocore models spell several rest-json URIs with a trailing
		 * slash ("/2015-03-31/functions/") that newer ones drop, and their
		 * SDKs still send it: route as without it. (The signature is checked
		 * against the path as sent.) */
		size_t pl = strlen(path);
		if (pl > 1 && path[pl - 1] == '/')
			path = arena_strndup(a, path, pl - 1);
	}
	r->path = path;
	query_parse(a, req->query, &r->query);
	r->op = rest_route(s->model, req, path, &r->query);
	if (!r->op) {
		r->err = r->proto == PROTO_REST_XML ? ERR_METHOD_NOT_ALLOWED : ERR_UNKNOWN_OPERATION;
		r->msg = arena_printf(a, "No %s operation matches %s %s.", s->name, req->method, req->path);
	}
}

static void route_query_action(struct arena *a, const struct svc *s, const char *action, struct route *r)
{
	r->svc = s;
	r->proto = s->model->protocol == PROTO_EC2 ? PROTO_EC2 : PROTO_QUERY;
	r->op = model_find_op(s->model, action, strlen(action));
	if (!r->op) {
		r->err = ERR_INVALID_ACTION;
		r->msg = arena_printf(a, "The action %s is not valid for this web service.", action);
	}
}

void router_route(struct arena *a, const struct http_request *req, const struct sigv4_auth *auth, struct route *r)
{
	memset(r, 0, sizeof *r);
	r->proto = PROTO_REST_XML;
	r->path = req->path;
	const char *target = http_header(req, "x-amz-target");
	if (target) {
		r->proto = PROTO_JSON;
		const char *dot = strrchr(target, '.');
		const struct svc *s = dot ? svc_by_target(target, (size_t)(dot - target)) : NULL;
		if (!s) {
			r->err = ERR_UNKNOWN_OPERATION;
			r->msg = arena_printf(a, "nuage does not implement the service behind X-Amz-Target %.100s.", target);
			return;
		}
		r->svc = s;
		r->op = model_find_op(s->model, dot + 1, strlen(dot + 1));
		if (!r->op) {
			r->err = ERR_UNKNOWN_OPERATION;
			r->msg = arena_printf(a, "%s is not an operation of %s.", dot + 1, s->name);
		}
		return;
	}
	char action[128];
	bool has_action = query_find_param(req->query, strlen(req->query), "Action", action, sizeof action) == 0;
	const char *ct = http_header(req, "content-type");
	bool form_post = ct && strstr(ct, "x-www-form-urlencoded") && !strcmp(req->method, "POST");
	if (!auth) {
		/* Unsigned (or S3 SigV2): a query-protocol Action, else S3. */
		if (has_action) {
			char version[64];
			const struct svc *qs = query_find_param(req->query, strlen(req->query), "Version", version,
								sizeof version) == 0
						       ? svc_by_query_version(version)
						       : NULL;
			r->proto = PROTO_QUERY;
			if (!qs) {
				r->err = ERR_INVALID_ACTION;
				r->msg = arena_printf(a, "Could not find the service for action %s.", action);
				return;
			}
			route_query_action(a, qs, action, r);
			return;
		}
		if (form_post) {
			r->proto = PROTO_QUERY;
			r->needs_form_body = true;
			return;
		}
		const struct svc *s3 = svc_by_signing_name("s3");
		if (!s3) {
			r->err = ERR_NOT_IMPLEMENTED;
			r->msg = "nuage cannot tell which service this request is for.";
			return;
		}
		route_rest(a, req, s3, r);
		return;
	}
	const struct svc *s = svc_by_signing_name(auth->service);
	if (!s) {
		/* A service nuage does not run: answer in its likely protocol. */
		r->proto = has_action || form_post ? PROTO_QUERY : PROTO_REST_JSON;
		r->err = ERR_NOT_IMPLEMENTED;
		r->msg = arena_printf(a, "nuage does not implement the %s service.", auth->service);
		return;
	}
	enum protocol p = (enum protocol)s->model->protocol;
	if (p == PROTO_REST_XML || p == PROTO_REST_JSON) {
		route_rest(a, req, s, r);
		return;
	}
	if (p == PROTO_QUERY || p == PROTO_EC2 || s->model->query_also) {
		if (has_action) {
			route_query_action(a, s, action, r);
			return;
		}
		r->svc = s;
		r->proto = p == PROTO_EC2 ? PROTO_EC2 : PROTO_QUERY;
		r->needs_form_body = true;
		return;
	}
	r->svc = s;
	r->proto = PROTO_JSON;
	r->err = ERR_UNKNOWN_OPERATION;
	r->msg = "JSON protocol requests need an X-Amz-Target header.";
}

void router_route_form(struct arena *a, const struct http_request *req, const struct sigv4_auth *auth,
		       const char *body, size_t len, struct route *r)
{
	(void)req;
	char action[128], version[64];
	r->needs_form_body = false;
	if (query_find_param(body, len, "Action", action, sizeof action)) {
		r->err = ERR_MISSING_PARAMETER;
		r->msg = "The request must contain the parameter Action.";
		return;
	}
	const struct svc *s = r->svc;
	if (!s) {
		s = !query_find_param(body, len, "Version", version, sizeof version) ? svc_by_query_version(version) : NULL;
		if (!s && auth)
			s = svc_by_signing_name(auth->service);
		if (!s) {
			r->err = ERR_INVALID_ACTION;
			r->msg = arena_printf(a, "Could not find the service for action %s.", action);
			return;
		}
	}
	route_query_action(a, s, action, r);
}
