/* cors.c — see cors.h. Matching follows S3's documented rules: an
 * AllowedOrigin may contain one '*' wildcard; AllowedMethods are exact
 * (GET, PUT, POST, DELETE, HEAD); every header named in
 * Access-Control-Request-Headers must match an AllowedHeader (which may hold
 * one '*'), case-insensitively; the first rule that allows the request wins. */
#include "http/cors.h"
#include "core/buf.h"
#include "http/request.h"
#include "http/response.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

/* Pattern with at most one '*', compared case-insensitively when ci. */
static bool wild_match(const char *pat, const char *s, size_t sl, bool ci)
{
	const char *star = strchr(pat, '*');
	size_t pl = strlen(pat);
	int (*cmp)(const char *, const char *, size_t) = ci ? strncasecmp : strncmp;
	if (!star)
		return pl == sl && !cmp(pat, s, sl);
	size_t pre = (size_t)(star - pat), suf = pl - pre - 1;
	return sl >= pre + suf && !cmp(pat, s, pre) && !cmp(star + 1, s + sl - suf, suf);
}

static bool list_matches(json_t *list, const char *s, size_t sl, bool ci)
{
	size_t i;
	json_t *v;
	json_array_foreach(list, i, v) if (json_is_string(v) && wild_match(json_string_value(v), s, sl, ci)) return true;
	return false;
}

static bool method_allowed(json_t *rule, const char *m)
{
	size_t i;
	json_t *v;
	json_array_foreach(json_object_get(rule, "AllowedMethods"), i, v) if (json_is_string(v) && !strcmp(json_string_value(v), m)) return true;
	return false;
}

/* Every comma-separated requested header must match an AllowedHeader. */
static bool headers_allowed(json_t *rule, const char *req_headers)
{
	if (!req_headers)
		return true;
	json_t *allowed = json_object_get(rule, "AllowedHeaders");
	const char *p = req_headers;
	while (*p) {
		while (*p == ' ' || *p == ',')
			p++;
		if (!*p)
			break;
		const char *e = p + strcspn(p, ",");
		const char *t = e;
		while (t > p && t[-1] == ' ')
			t--;
		if (!list_matches(allowed, p, (size_t)(t - p), true))
			return false;
		p = e;
	}
	return true;
}

static void join(struct buf *b, json_t *list)
{
	size_t i;
	json_t *v;
	json_array_foreach(list, i, v)
	{
		if (i)
			buf_adds(b, ", ");
		buf_adds(b, json_string_value(v) ? json_string_value(v) : "");
	}
}

/* The Access-Control-* headers of an allowing rule. */
static void add_headers(struct http_response *r, json_t *rule, const char *origin, const char *method, bool preflight,
			const char *req_headers)
{
	json_t *origins = json_object_get(rule, "AllowedOrigins");
	const char *first = json_string_value(json_array_get(origins, 0));
	bool any = json_array_size(origins) == 1 && first && !strcmp(first, "*");
	http_response_header(r, "Access-Control-Allow-Origin", any ? "*" : origin);
	struct buf b;
	buf_init(&b, 8192);
	join(&b, json_object_get(rule, "AllowedMethods"));
	http_response_header(r, "Access-Control-Allow-Methods", buf_str(&b));
	buf_reset(&b);
	if (preflight && req_headers)
		http_response_header(r, "Access-Control-Allow-Headers", req_headers);
	json_t *expose = json_object_get(rule, "ExposeHeaders");
	if (json_array_size(expose)) {
		join(&b, expose);
		http_response_header(r, "Access-Control-Expose-Headers", buf_str(&b));
	}
	json_t *age = json_object_get(rule, "MaxAgeSeconds");
	if (json_is_integer(age))
		http_response_headerf(r, "Access-Control-Max-Age", "%lld", (long long)json_integer_value(age));
	if (!any)
		http_response_header(r, "Access-Control-Allow-Credentials", "true");
	http_response_header(r, "Vary", "Origin, Access-Control-Request-Headers, Access-Control-Request-Method");
	buf_free(&b);
	(void)method;
}

static json_t *find_rule(json_t *rules, const char *origin, const char *method, const char *req_headers)
{
	size_t i;
	json_t *rule;
	json_array_foreach(rules, i, rule)
	{
		if (list_matches(json_object_get(rule, "AllowedOrigins"), origin, strlen(origin), false) &&
		    method_allowed(rule, method) && headers_allowed(rule, req_headers))
			return rule;
	}
	return NULL;
}

enum cors_result cors_preflight(const struct http_request *req, json_t *rules, struct http_response *r)
{
	const char *origin = http_header(req, "origin");
	const char *method = http_header(req, "access-control-request-method");
	if (!origin || !method)
		return CORS_NO_ORIGIN;
	if (!json_array_size(rules))
		return CORS_DISABLED;
	const char *req_headers = http_header(req, "access-control-request-headers");
	json_t *rule = find_rule(rules, origin, method, req_headers);
	if (!rule)
		return CORS_DENIED;
	add_headers(r, rule, origin, method, true, req_headers);
	return CORS_OK;
}

void cors_decorate(const struct http_request *req, json_t *rules, struct http_response *r)
{
	const char *origin = http_header(req, "origin");
	if (!origin || !json_array_size(rules))
		return;
	json_t *rule = find_rule(rules, origin, req->method, NULL);
	if (rule)
		add_headers(r, rule, origin, req->method, false, NULL);
}

const char *cors_message(enum cors_result res)
{
	switch (res) {
	case CORS_NO_ORIGIN:
		return "Insufficient information. Origin request header needed.";
	case CORS_DISABLED:
		return "CORSResponse: CORS is not enabled for this bucket.";
	default:
		return "CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, "
		       "request method / Access-Control-Request-Method or Access-Control-Request-Headers are not "
		       "whitelisted by the resource's CORS spec.";
	}
}
