/* parse.c — HTTP/1.1 request head parser (RFC 9112), in place.
 *
 * Deliberately strict where leniency would let two parsers disagree about
 * framing (request smuggling): obs-fold lines, whitespace before a colon,
 * conflicting Content-Length values, Content-Length together with chunked,
 * and any transfer coding but "chunked" are all rejected. Fuzzed by
 * tests/fuzz/fuzz_http.c.
 */
#include "http/request.h"

#include <string.h>
#include <strings.h>

static const char *find_head_end(const char *buf, size_t len)
{
	/* The head ends at the first CRLFCRLF (or bare LFLF, tolerated). */
	const char *p = buf, *end = buf + len;
	while ((p = memchr(p, '\n', (size_t)(end - p)))) {
		if (p + 1 < end && p[1] == '\n')
			return p + 2;
		if (p + 2 < end && p[1] == '\r' && p[2] == '\n')
			return p + 3;
		p++;
	}
	return NULL;
}

static bool is_tchar(unsigned char c)
{
	static const char extra[] = "!#$%&'*+-.^_`|~";
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c && strchr(extra, c));
}

/* Splits the next line off [*p, end); returns its length without CR/LF, or -1. */
static long next_line(char **p, char *end, char **line)
{
	char *nl = memchr(*p, '\n', (size_t)(end - *p));
	if (!nl)
		return -1;
	*line = *p;
	char *e = nl;
	if (e > *p && e[-1] == '\r')
		e--;
	*e = 0;
	*p = nl + 1;
	return e - *line;
}

static int parse_request_line(char *line, long n, struct http_request *req)
{
	char *sp1 = memchr(line, ' ', (size_t)n);
	if (!sp1 || sp1 == line)
		return HTTP_PARSE_BAD;
	for (char *c = line; c < sp1; c++)
		if (!is_tchar((unsigned char)*c))
			return HTTP_PARSE_BAD;
	*sp1 = 0;
	req->method = line;
	char *target = sp1 + 1;
	char *sp2 = memchr(target, ' ', (size_t)(line + n - target));
	if (!sp2 || sp2 == target)
		return HTTP_PARSE_BAD;
	*sp2 = 0;
	const char *ver = sp2 + 1;
	if (strncmp(ver, "HTTP/1.", 7) || !(ver[7] == '0' || ver[7] == '1') || ver[8])
		return !strcmp(ver, "HTTP/2.0") ? HTTP_PARSE_UNSUPPORTED : HTTP_PARSE_BAD;
	req->minor = ver[7] - '0';
	for (char *c = target; *c; c++)
		if ((unsigned char)*c <= 0x20 || *c == 0x7f)
			return HTTP_PARSE_BAD;
	req->target = target;
	/* Absolute-form (proxies) is accepted: strip scheme://authority. */
	if (!strncasecmp(target, "http://", 7) || !strncasecmp(target, "https://", 8)) {
		char *slash = strchr(strstr(target, "//") + 2, '/');
		target = slash ? slash : (char *)"/";
	}
	if (target[0] != '/' && strcmp(target, "*"))
		return HTTP_PARSE_BAD;
	char *q = strchr(target, '?');
	if (q) {
		*q = 0;
		req->query = q + 1;
	} else {
		req->query = "";
	}
	req->path = target;
	return 0;
}

static bool token_list_has(const char *v, const char *tok)
{
	size_t tl = strlen(tok);
	const char *p = v;
	while (*p) {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		const char *s = p;
		while (*p && *p != ',')
			p++;
		const char *e = p;
		while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		if ((size_t)(e - s) == tl && !strncasecmp(s, tok, tl))
			return true;
	}
	return false;
}

static int parse_uint64(const char *s, size_t n, int64_t *out)
{
	if (!n || n > 18)
		return -1;
	int64_t v = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

static int derive_framing(struct http_request *req)
{
	req->content_length = -1;
	req->chunked = false;
	req->expect_continue = false;
	req->host = "";
	req->keep_alive = req->minor >= 1;
	bool te = false;
	for (int i = 0; i < req->nheaders; i++) {
		const struct http_header *h = &req->headers[i];
		if (!strcmp(h->name, "content-length")) {
			int64_t v;
			if (parse_uint64(h->value, h->vlen, &v))
				return HTTP_PARSE_BAD;
			if (req->content_length >= 0 && req->content_length != v)
				return HTTP_PARSE_BAD;
			req->content_length = v;
		} else if (!strcmp(h->name, "transfer-encoding")) {
			if (te || strcasecmp(h->value, "chunked"))
				return HTTP_PARSE_UNSUPPORTED;
			te = true;
		} else if (!strcmp(h->name, "connection")) {
			if (token_list_has(h->value, "close"))
				req->keep_alive = false;
			else if (token_list_has(h->value, "keep-alive"))
				req->keep_alive = true;
		} else if (!strcmp(h->name, "expect")) {
			if (!strcasecmp(h->value, "100-continue"))
				req->expect_continue = req->minor >= 1;
		} else if (!strcmp(h->name, "host")) {
			if (*req->host)
				return HTTP_PARSE_BAD; /* two Host headers */
			req->host = h->value;
		}
	}
	if (te) {
		if (req->content_length >= 0)
			return HTTP_PARSE_BAD;
		req->chunked = true;
	}
	return 0;
}

int http_parse_head(char *buf, size_t len, struct http_request *req)
{
	/* Tolerate blank lines before the request line (RFC 9112 2.2). */
	size_t skip = 0;
	while (skip < len && (buf[skip] == '\r' || buf[skip] == '\n'))
		skip++;
	if (skip > 64)
		return HTTP_PARSE_BAD;
	if (len - skip >= 24 && !memcmp(buf + skip, "PRI * HTTP/2.0\r\n", 16))
		return HTTP_PARSE_UNSUPPORTED;
	const char *hend = find_head_end(buf + skip, len - skip);
	if (!hend)
		return len > HTTP_MAX_HEAD ? HTTP_PARSE_TOO_LARGE : HTTP_PARSE_INCOMPLETE;
	size_t head_len = (size_t)(hend - buf);
	if (head_len > HTTP_MAX_HEAD)
		return HTTP_PARSE_TOO_LARGE;

	memset(req, 0, offsetof(struct http_request, headers));
	char *p = buf + skip, *end = (char *)hend, *line;
	long n = next_line(&p, end, &line);
	if (n <= 0)
		return HTTP_PARSE_BAD;
	int rc = parse_request_line(line, n, req);
	if (rc)
		return rc;
	for (;;) {
		n = next_line(&p, end, &line);
		if (n < 0)
			return HTTP_PARSE_BAD;
		if (n == 0)
			break;
		if (line[0] == ' ' || line[0] == '\t')
			return HTTP_PARSE_BAD; /* obs-fold */
		char *colon = memchr(line, ':', (size_t)n);
		if (!colon || colon == line)
			return HTTP_PARSE_BAD;
		for (char *c = line; c < colon; c++) {
			if (!is_tchar((unsigned char)*c))
				return HTTP_PARSE_BAD;
			if (*c >= 'A' && *c <= 'Z')
				*c = (char)(*c + 32);
		}
		*colon = 0;
		char *v = colon + 1, *ve = line + n;
		while (v < ve && (*v == ' ' || *v == '\t'))
			v++;
		while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t'))
			ve--;
		for (char *c = v; c < ve; c++)
			if ((unsigned char)*c < 0x20 && *c != '\t')
				return HTTP_PARSE_BAD;
		*ve = 0;
		if (req->nheaders == HTTP_MAX_HEADERS)
			return HTTP_PARSE_TOO_MANY;
		struct http_header *h = &req->headers[req->nheaders++];
		h->name = line;
		h->nlen = (uint32_t)(colon - line);
		h->value = v;
		h->vlen = (uint32_t)(ve - v);
	}
	rc = derive_framing(req);
	if (rc)
		return rc;
	return (int)head_len;
}

const char *http_header_n(const struct http_request *r, const char *lname, size_t *len)
{
	for (int i = 0; i < r->nheaders; i++) {
		if (!strcmp(r->headers[i].name, lname)) {
			if (len)
				*len = r->headers[i].vlen;
			return r->headers[i].value;
		}
	}
	return NULL;
}

const char *http_header(const struct http_request *r, const char *lname)
{
	return http_header_n(r, lname, NULL);
}
