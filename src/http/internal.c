/* internal.c — GET /_nuage/health and /_localstack/health:
 *   {"services": {"s3": "running", ...}, "edition": "nuage", "version": "..."}
 * the shape LocalStack answers, so `curl .../_localstack/health` waiters and
 * test containers work against nuage. Also the unauthenticated resources
 * services publish (svc.public_get: the SNS signing certificate). */
#include "http/internal.h"
#include "config.h"
#include "http/request.h"
#include "http/response.h"
#include "svc/svc.h"

#include <string.h>

static bool is_get(const struct http_request *req)
{
	return !strcmp(req->method, "GET") || !strcmp(req->method, "HEAD");
}

bool internal_route(const struct http_request *req)
{
	return !strncmp(req->path, "/_nuage/", 8) || !strncmp(req->path, "/_localstack/", 13) ||
	       (is_get(req) && svc_public_get(req->path, NULL, NULL));
}

void internal_handle(const struct http_request *req, struct http_response *r, const struct config *cfg)
{
	(void)cfg;
	const char *p = req->path;
	const char *ctype = NULL;
	if (is_get(req) && svc_public_get(p, &r->body, &ctype)) {
		r->status = 200;
		http_response_header(r, "Content-Type", ctype ? ctype : "application/octet-stream");
		return;
	}
	bool health = !strcmp(p, "/_nuage/health") || !strcmp(p, "/_localstack/health") ||
		      !strcmp(p, "/_localstack/init") || !strcmp(p, "/_localstack/ready");
	if (!health) {
		r->status = 404;
		http_response_header(r, "Content-Type", "application/json");
		buf_adds(&r->body, "{\"error\":\"no such nuage endpoint\"}");
		return;
	}
	if (strcmp(req->method, "GET") && strcmp(req->method, "HEAD")) {
		r->status = 405;
		http_response_header(r, "Content-Type", "application/json");
		buf_adds(&r->body, "{\"error\":\"method not allowed\"}");
		return;
	}
	r->status = 200;
	http_response_header(r, "Content-Type", "application/json");
	buf_adds(&r->body, "{\"services\":{");
	const struct svc *const *list = svc_list();
	for (int i = 0; list[i]; i++)
		buf_addf(&r->body, "%s\"%s\":\"running\"", i ? "," : "", list[i]->name);
	buf_addf(&r->body, "},\"edition\":\"nuage\",\"version\":\"%s\"}", NUAGE_VERSION);
}
