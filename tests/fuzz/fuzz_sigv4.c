/* Fuzzes SigV4: Authorization header and presigned-query parsing, then the
 * canonical request and verification over the parsed request. */
#include "http/request.h"
#include "http/sigv2.h"
#include "http/sigv4.h"
#include "core/buf.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 16384)
		return 0;
	char *buf = malloc(size + 1);
	memcpy(buf, data, size);
	buf[size] = 0;
	struct sigv4_auth a;
	char why[256];
	/* The input is a whole request head, or a bare header value / query. */
	struct http_request req;
	int n = http_parse_head(buf, size, &req);
	if (n > 0) {
		const char *authz = http_header(&req, "authorization");
		int rc = authz ? sigv4_parse_header(authz, &a, why, sizeof why) : sigv4_parse_query(req.query, &a, why, sizeof why);
		if (rc == SIGV4_OK) {
			struct sigv4_msg m = {.method = req.method, .path = req.path, .query = req.query, .headers = req.headers,
					      .nheaders = req.nheaders, .payload_hash = http_header(&req, "x-amz-content-sha256"),
					      .s3 = size & 1, .encode_path = !(size & 1), .normalize_path = !(size & 1)};
			sigv4_verify(&m, &a, "secret");
		}
		/* S3's legacy signature over the same request */
		struct sigv2_auth a2;
		int v2 = authz ? sigv2_parse_header(authz, &a2) : sigv2_parse_query(req.query, &a2);
		if (v2 >= 0 && (authz || v2 == 1))
			sigv2_verify(&req, req.path, &a2, "secret");
	} else {
		sigv4_parse_header(buf, &a, why, sizeof why);
		sigv4_parse_query(buf, &a, why, sizeof why);
		struct sigv2_auth a2;
		sigv2_parse_header(buf, &a2);
		sigv2_parse_query(buf, &a2);
	}
	free(buf);
	return 0;
}
