/* request.h — an HTTP/1.1 request head as parsed from the wire.
 *
 * http_parse_head() works in place on the connection's read buffer: header
 * names are lower-cased and every string is NUL-terminated inside that
 * buffer, so a parsed request allocates nothing and lives exactly as long as
 * the buffer holds the head.
 */
#ifndef NUAGE_HTTP_REQUEST_H
#define NUAGE_HTTP_REQUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HTTP_MAX_HEADERS 128
#define HTTP_MAX_HEAD 32768 /* request line + headers, bytes */

struct http_header {
	const char *name; /* lower case */
	const char *value; /* leading/trailing whitespace trimmed */
	uint32_t nlen, vlen;
};

struct http_request {
	const char *method;
	const char *target; /* request-target as sent */
	const char *path;   /* raw (still percent-encoded) path: target up to '?' */
	const char *query;  /* raw query after '?', or "" */
	int minor;          /* HTTP/1.minor */
	int nheaders;
	struct http_header headers[HTTP_MAX_HEADERS];
	/* framing, derived from the headers */
	int64_t content_length; /* -1 when absent */
	bool chunked;           /* Transfer-Encoding: chunked */
	bool expect_continue;
	bool keep_alive;
	const char *host;       /* Host header or "" */
	const char *peer;       /* the client's address (numeric), or NULL */
};

enum http_parse_result {
	HTTP_PARSE_INCOMPLETE = 0,
	HTTP_PARSE_BAD = -1,          /* malformed: 400 */
	HTTP_PARSE_TOO_LARGE = -2,    /* head exceeds HTTP_MAX_HEAD */
	HTTP_PARSE_TOO_MANY = -3,     /* more than HTTP_MAX_HEADERS headers */
	HTTP_PARSE_UNSUPPORTED = -4,  /* a Transfer-Encoding we do not speak, HTTP/2 preface: 501 */
};

/* Parses the head at buf[0..len). Returns the head's length (> 0) once the
 * blank line has arrived, or an http_parse_result <= 0. Modifies buf. */
int http_parse_head(char *buf, size_t len, struct http_request *req);

/* The value of header `lname` (lower case), or NULL. With duplicates, the first. */
const char *http_header(const struct http_request *r, const char *lname);
/* Same, with its length. */
const char *http_header_n(const struct http_request *r, const char *lname, size_t *len);

#endif
