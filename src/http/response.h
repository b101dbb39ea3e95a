/* response.h — an HTTP response under construction. The protocol layer
 * adds headers and a body; the server frames and sends it (writev for
 * memory bodies, sendfile for file ranges). */
#ifndef NUAGE_HTTP_RESPONSE_H
#define NUAGE_HTTP_RESPONSE_H

#include <stdbool.h>
#include <stdint.h>

#include "core/buf.h"

struct http_response {
	int status;
	struct buf headers; /* "Name: value\r\n" lines, without Content-Length/Connection/Date */
	struct buf body;    /* in-memory body */
	const char *mem;    /* non-NULL: the body is mem[0, memlen) instead, owned by
			     * whoever outlives the send (the request's arena) */
	size_t memlen;
	int fd;             /* >= 0: body is fd[off, off+len) instead */
	int64_t off, len;
	int64_t content_length; /* -1: len of body/fd range; else this (HEAD responses) */
	bool close;         /* close the connection after this response */
	bool no_body;       /* HEAD, 204, 304: send headers only */
};

void http_response_init(struct http_response *r);
void http_response_free(struct http_response *r);
void http_response_reset(struct http_response *r);
void http_response_header(struct http_response *r, const char *name, const char *value);
void http_response_headerf(struct http_response *r, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
const char *http_status_text(int status);

#endif
