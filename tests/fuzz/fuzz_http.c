/* Fuzzes the HTTP head parser and the body decoders (Content-Length,
 * chunked, aws-chunked with trailers) on whatever follows the head. */
#include "core/arena.h"
#include "http/body.h"
#include "http/request.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > HTTP_MAX_HEAD * 2)
		return 0;
	char *buf = malloc(size + 1);
	memcpy(buf, data, size);
	buf[size] = 0;
	struct http_request req;
	int n = http_parse_head(buf, size, &req);
	if (n > 0) {
		(void)http_header(&req, "host");
		struct arena a;
		arena_init(&a);
		enum err_id e;
		char msg[256];
		struct instream *s = http_body_open_mem(&a, buf + n, size - (size_t)n, &req, NULL, NULL, &e, msg, sizeof msg);
		if (s) {
			s->want = DIGEST_MD5 | DIGEST_SHA256 | DIGEST_CRC32;
			char tmp[1000];
			while (s->read(s, tmp, sizeof tmp) > 0)
				;
		}
		arena_free(&a);
	}
	free(buf);
	return 0;
}
