/* response.c — see response.h. */
#include "http/response.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void http_response_init(struct http_response *r)
{
	memset(r, 0, sizeof *r);
	r->status = 200;
	buf_init(&r->headers, 256 * 1024);
	buf_init(&r->body, BUF_UNLIMITED);
	r->fd = -1;
	r->content_length = -1;
}

void http_response_free(struct http_response *r)
{
	buf_free(&r->headers);
	buf_free(&r->body);
}

void http_response_reset(struct http_response *r)
{
	http_response_free(r);
	http_response_init(r);
}

void http_response_header(struct http_response *r, const char *name, const char *value)
{
	buf_adds(&r->headers, name);
	buf_add(&r->headers, ": ", 2);
	/* A header value must not smuggle a line break into the response:
	 * copied in runs, each CR or LF becomes a space. */
	for (const char *p = value;;) {
		size_t n = strcspn(p, "\r\n");
		buf_add(&r->headers, p, n);
		p += n;
		if (!*p)
			break;
		buf_addc(&r->headers, ' ');
		p++;
	}
	buf_add(&r->headers, "\r\n", 2);
}

void http_response_headerf(struct http_response *r, const char *name, const char *fmt, ...)
{
	char v[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(v, sizeof v, fmt, ap);
	va_end(ap);
	http_response_header(r, name, v);
}

const char *http_status_text(int s)
{
	switch (s) {
	case 100: return "Continue";
	case 200: return "OK";
	case 201: return "Created";
	case 202: return "Accepted";
	case 204: return "No Content";
	case 206: return "Partial Content";
	case 301: return "Moved Permanently";
	case 304: return "Not Modified";
	case 307: return "Temporary Redirect";
	case 400: return "Bad Request";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 411: return "Length Required";
	case 412: return "Precondition Failed";
	case 413: return "Payload Too Large";
	case 416: return "Requested Range Not Satisfiable";
	case 429: return "Too Many Requests";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 503: return "Service Unavailable";
	default: return "Status";
	}
}
