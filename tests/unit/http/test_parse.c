/* HTTP head parsing: framing decisions and the strictness that prevents
 * request smuggling. */
#include "unit.h"
#include "http/request.h"

#include <stdio.h>

static int parse(const char *text, struct http_request *r)
{
	static char buf[70000];
	size_t n = strlen(text);
	memcpy(buf, text, n);
	return http_parse_head(buf, n, r);
}

TEST(parse_simple_get)
{
	struct http_request r;
	int n = parse("GET /b/k%20x?list-type=2&prefix=a HTTP/1.1\r\nHost: b.localhost:4566\r\nX-Amz-Date:  20150830T123600Z \r\n\r\n", &r);
	CHECK(n > 0);
	CHECK_STR(r.method, "GET");
	CHECK_STR(r.path, "/b/k%20x");
	CHECK_STR(r.query, "list-type=2&prefix=a");
	CHECK_STR(r.host, "b.localhost:4566");
	CHECK_STR(http_header(&r, "x-amz-date"), "20150830T123600Z");
	CHECK(r.keep_alive);
	CHECK_INT(r.content_length, -1);
	CHECK(!r.chunked && !r.expect_continue);
}

TEST(parse_incomplete_then_complete)
{
	struct http_request r;
	CHECK_INT(parse("GET / HTTP/1.1\r\nHost: x\r\n", &r), HTTP_PARSE_INCOMPLETE);
	CHECK(parse("GET / HTTP/1.1\r\nHost: x\r\n\r\nBODY", &r) == (int)strlen("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
}

TEST(parse_framing)
{
	struct http_request r;
	CHECK(parse("PUT /a HTTP/1.1\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n", &r) > 0);
	CHECK_INT(r.content_length, 5);
	CHECK(r.expect_continue);
	CHECK(parse("POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", &r) > 0);
	CHECK(r.chunked);
	CHECK(parse("GET / HTTP/1.0\r\n\r\n", &r) > 0);
	CHECK(!r.keep_alive);
	CHECK(parse("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", &r) > 0);
	CHECK(r.keep_alive);
	CHECK(parse("GET / HTTP/1.1\r\nConnection: close\r\n\r\n", &r) > 0);
	CHECK(!r.keep_alive);
}

TEST(parse_rejects_smuggling)
{
	struct http_request r;
	CHECK_INT(parse("POST / HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n", &r), HTTP_PARSE_BAD);
	CHECK_INT(parse("POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n", &r), HTTP_PARSE_BAD);
	CHECK(parse("POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n", &r) > 0);
	CHECK_INT(parse("POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", &r), HTTP_PARSE_UNSUPPORTED);
	CHECK_INT(parse("POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", &r), HTTP_PARSE_BAD);
	CHECK_INT(parse("POST / HTTP/1.1\r\nContent-Length: 1x\r\n\r\n", &r), HTTP_PARSE_BAD);
	CHECK_INT(parse("GET / HTTP/1.1\r\nX: a\r\n folded\r\n\r\n", &r), HTTP_PARSE_BAD);
	CHECK_INT(parse("GET / HTTP/1.1\r\nBad Name: a\r\n\r\n", &r), HTTP_PARSE_BAD);
	CHECK_INT(parse("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", &r), HTTP_PARSE_BAD);
	CHECK_INT(parse("GET / HTTP/1.1\r\nX: a\x01z\r\n\r\n", &r), HTTP_PARSE_BAD);
	CHECK_INT(parse("GET /a b HTTP/1.1\r\n\r\n", &r), HTTP_PARSE_BAD);
	CHECK_INT(parse("GET / HTTP/9.9\r\n\r\n", &r), HTTP_PARSE_BAD);
	CHECK_INT(parse("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", &r), HTTP_PARSE_UNSUPPORTED);
	CHECK_INT(parse("GET relative HTTP/1.1\r\n\r\n", &r), HTTP_PARSE_BAD);
}

TEST(parse_limits)
{
	static char big[HTTP_MAX_HEAD + 100];
	struct http_request r;
	memset(big, 'a', sizeof big);
	memcpy(big, "GET / HTTP/1.1\r\nX: ", 19);
	CHECK_INT(http_parse_head(big, sizeof big, &r), HTTP_PARSE_TOO_LARGE);
	char many[8192];
	size_t n = (size_t)snprintf(many, sizeof many, "GET / HTTP/1.1\r\n");
	for (int i = 0; i < HTTP_MAX_HEADERS + 1; i++)
		n += (size_t)snprintf(many + n, sizeof many - n, "H%d: v\r\n", i);
	n += (size_t)snprintf(many + n, sizeof many - n, "\r\n");
	CHECK_INT(http_parse_head(many, n, &r), HTTP_PARSE_TOO_MANY);
}

TEST(parse_absolute_form)
{
	struct http_request r;
	CHECK(parse("GET http://bucket.localhost:4566/key?x=1 HTTP/1.1\r\n\r\n", &r) > 0);
	CHECK_STR(r.path, "/key");
	CHECK_STR(r.query, "x=1");
}
