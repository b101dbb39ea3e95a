/* Response headers: values are copied as given, except that a CR or LF
 * (which would split the response) becomes a space. */
#include "unit.h"
#include "http/response.h"

#include <string.h>

static const char *headers_of(struct http_response *r)
{
	buf_addc(&r->headers, 0);
	return r->headers.data;
}

TEST(response_header_values)
{
	struct http_response r;
	http_response_init(&r);
	http_response_header(&r, "ETag", "\"abc\"");
	http_response_header(&r, "x-amz-meta-a", "");
	http_response_header(&r, "x-amz-meta-b", "one\r\nSet-Cookie: x\rtwo\n");
	http_response_header(&r, "x-amz-meta-c", "\n\n");
	CHECK_STR(headers_of(&r), "ETag: \"abc\"\r\nx-amz-meta-a: \r\nx-amz-meta-b: one  Set-Cookie: x two \r\n"
				  "x-amz-meta-c:   \r\n");
	http_response_free(&r);
}
