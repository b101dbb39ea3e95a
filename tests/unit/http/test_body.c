/* Request body decoding: Content-Length, chunked transfer encoding,
 * aws-chunked with per-chunk signatures (the AWS documentation's example)
 * and with checksum trailers, and the digest checks at the end. */
#include "unit.h"
#include "core/arena.h"
#include "core/buf.h"
#include "http/body.h"
#include "http/request.h"
#include "http/sigv4.h"

#include <stdio.h>
#include <stdlib.h>

static char headbuf[8192];

static int mkreq(struct http_request *r, const char *head)
{
	size_t n = strlen(head);
	memcpy(headbuf, head, n + 1);
	return http_parse_head(headbuf, n, r) > 0 ? 0 : -1;
}

/* Reads everything; returns bytes, or -1 (err copied out). */
static long drain(struct instream *s, struct buf *out, enum err_id *err)
{
	char tmp[5000];
	long r, total = 0;
	while ((r = s->read(s, tmp, sizeof tmp)) > 0) {
		buf_add(out, tmp, (size_t)r);
		total += r;
	}
	*err = s->err;
	return r < 0 ? -1 : total;
}

TEST(body_content_length_and_md5)
{
	struct http_request r;
	struct arena a;
	arena_init(&a);
	enum err_id e;
	char msg[256];
	/* Content-MD5 of "hello" is XUFAKrxLKna5cZ2REBfFkg== */
	CHECK(!mkreq(&r, "PUT /b/k HTTP/1.1\r\nContent-Length: 5\r\nContent-MD5: XUFAKrxLKna5cZ2REBfFkg==\r\n\r\n"));
	struct instream *s = http_body_open_mem(&a, "hello", 5, &r, NULL, NULL, &e, msg, sizeof msg);
	CHECK(s);
	s->want = DIGEST_MD5 | DIGEST_SHA256;
	struct buf out;
	buf_init(&out, 1 << 20);
	CHECK_INT(drain(s, &out, &e), 5);
	CHECK_STR(buf_str(&out), "hello");
	CHECK(s->got.have & DIGEST_MD5);
	CHECK(http_body_finished(s));
	/* wrong MD5 */
	CHECK(!mkreq(&r, "PUT /b/k HTTP/1.1\r\nContent-Length: 5\r\nContent-MD5: 1B2M2Y8AsgTpgAmY7PhCfg==\r\n\r\n"));
	s = http_body_open_mem(&a, "hello", 5, &r, NULL, NULL, &e, msg, sizeof msg);
	buf_reset(&out);
	CHECK_INT(drain(s, &out, &e), -1);
	CHECK_INT(e, ERR_BAD_DIGEST);
	/* malformed MD5 */
	CHECK(!mkreq(&r, "PUT /b/k HTTP/1.1\r\nContent-Length: 5\r\nContent-MD5: nope\r\n\r\n"));
	CHECK(!http_body_open_mem(&a, "hello", 5, &r, NULL, NULL, &e, msg, sizeof msg));
	CHECK_INT(e, ERR_INVALID_DIGEST);
	/* short body: the client promised more than it sent */
	CHECK(!mkreq(&r, "PUT /b/k HTTP/1.1\r\nContent-Length: 10\r\n\r\n"));
	s = http_body_open_mem(&a, "hello", 5, &r, NULL, NULL, &e, msg, sizeof msg);
	buf_reset(&out);
	CHECK_INT(drain(s, &out, &e), -1);
	/* x-amz-content-sha256 mismatch */
	CHECK(!mkreq(&r, "PUT /b/k HTTP/1.1\r\nContent-Length: 5\r\nx-amz-content-sha256: "
			 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\r\n\r\n"));
	s = http_body_open_mem(&a, "hello", 5, &r, NULL, NULL, &e, msg, sizeof msg);
	buf_reset(&out);
	CHECK_INT(drain(s, &out, &e), -1);
	CHECK_INT(e, ERR_CONTENT_SHA256_MISMATCH);
	buf_free(&out);
	arena_free(&a);
}

TEST(body_transfer_chunked)
{
	struct http_request r;
	struct arena a;
	arena_init(&a);
	enum err_id e;
	char msg[256];
	CHECK(!mkreq(&r, "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"));
	const char *raw = "5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nTrailer: x\r\n\r\nNEXT";
	struct instream *s = http_body_open_mem(&a, raw, strlen(raw), &r, NULL, NULL, &e, msg, sizeof msg);
	struct buf out;
	buf_init(&out, 1 << 20);
	CHECK_INT(drain(s, &out, &e), 11);
	CHECK_STR(buf_str(&out), "hello world");
	CHECK(http_body_finished(s));
	const char *bad = "zz\r\nhello\r\n0\r\n\r\n";
	s = http_body_open_mem(&a, bad, strlen(bad), &r, NULL, NULL, &e, msg, sizeof msg);
	buf_reset(&out);
	CHECK_INT(drain(s, &out, &e), -1);
	buf_free(&out);
	arena_free(&a);
}

TEST(body_aws_chunked_unsigned_trailer)
{
	struct http_request r;
	struct arena a;
	arena_init(&a);
	enum err_id e;
	char msg[256];
	/* crc32("hello") = 0x3610a686 -> NhCmhg== */
	const char *good = "5\r\nhello\r\n0\r\nx-amz-checksum-crc32:NhCmhg==\r\n\r\n";
	char head[512];
	snprintf(head, sizeof head,
		 "PUT /b/k HTTP/1.1\r\nContent-Length: %zu\r\nContent-Encoding: aws-chunked\r\n"
		 "x-amz-content-sha256: STREAMING-UNSIGNED-PAYLOAD-TRAILER\r\nx-amz-decoded-content-length: 5\r\n"
		 "x-amz-trailer: x-amz-checksum-crc32\r\n\r\n",
		 strlen(good));
	CHECK(!mkreq(&r, head));
	struct instream *s = http_body_open_mem(&a, good, strlen(good), &r, NULL, NULL, &e, msg, sizeof msg);
	CHECK(s);
	struct buf out;
	buf_init(&out, 1 << 20);
	CHECK_INT(drain(s, &out, &e), 5);
	CHECK_STR(buf_str(&out), "hello");
	CHECK_INT(s->checksum_kind, DIGEST_CRC32);
	CHECK_STR(s->checksum_b64, "NhCmhg==");
	CHECK(s->aws_chunked);
	const char *bad = "5\r\nhellp\r\n0\r\nx-amz-checksum-crc32:NhCmhg==\r\n\r\n";
	s = http_body_open_mem(&a, bad, strlen(bad), &r, NULL, NULL, &e, msg, sizeof msg);
	buf_reset(&out);
	CHECK_INT(drain(s, &out, &e), -1);
	CHECK_INT(e, ERR_BAD_DIGEST);
	CHECK(strstr(s->errmsg, "CRC32"));
	const char *missing = "5\r\nhello\r\n0\r\n\r\n";
	s = http_body_open_mem(&a, missing, strlen(missing), &r, NULL, NULL, &e, msg, sizeof msg);
	buf_reset(&out);
	CHECK_INT(drain(s, &out, &e), -1);
	buf_free(&out);
	arena_free(&a);
}

/* The example in the S3 documentation ("Transferring Payload in Multiple
 * Chunks"): 65 KiB of 'a' in chunks of 64 KiB and 1 KiB. */
TEST(body_aws_chunked_signed_aws_example)
{
	struct sigv4_auth au;
	memset(&au, 0, sizeof au);
	snprintf(au.access_key, sizeof au.access_key, "AKIAIOSFODNN7EXAMPLE");
	snprintf(au.date, sizeof au.date, "20130524");
	snprintf(au.region, sizeof au.region, "us-east-1");
	snprintf(au.service, sizeof au.service, "s3");
	snprintf(au.amz_date, sizeof au.amz_date, "20130524T000000Z");
	snprintf(au.signature, sizeof au.signature, "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9");
	unsigned char key[SHA256_LEN];
	sigv4_signing_key("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", au.date, au.region, au.service, key);
	static const char *sigs[] = {"ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648",
				     "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497",
				     "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9"};
	struct buf body;
	buf_init(&body, 1 << 20);
	char *a64 = malloc(65536);
	memset(a64, 'a', 65536);
	buf_addf(&body, "10000;chunk-signature=%s\r\n", sigs[0]);
	buf_add(&body, a64, 65536);
	buf_addf(&body, "\r\n400;chunk-signature=%s\r\n", sigs[1]);
	buf_add(&body, a64, 1024);
	buf_addf(&body, "\r\n0;chunk-signature=%s\r\n\r\n", sigs[2]);
	char head[512];
	snprintf(head, sizeof head,
		 "PUT /examplebucket/chunkObject.txt HTTP/1.1\r\nContent-Length: %zu\r\nContent-Encoding: aws-chunked\r\n"
		 "x-amz-content-sha256: STREAMING-AWS4-HMAC-SHA256-PAYLOAD\r\nx-amz-decoded-content-length: 66560\r\n\r\n",
		 body.len);
	struct http_request r;
	CHECK(!mkreq(&r, head));
	CHECK_INT(body.len, 66824); /* the documented Content-Length */
	struct arena ar;
	arena_init(&ar);
	enum err_id e;
	char msg[256];
	struct instream *s = http_body_open_mem(&ar, body.data, body.len, &r, &au, key, &e, msg, sizeof msg);
	CHECK(s);
	struct buf out;
	buf_init(&out, 1 << 20);
	CHECK_INT(drain(s, &out, &e), 66560);
	/* tamper one byte of chunk data: the chunk signature must fail */
	body.data[200] = 'b';
	s = http_body_open_mem(&ar, body.data, body.len, &r, &au, key, &e, msg, sizeof msg);
	buf_reset(&out);
	CHECK_INT(drain(s, &out, &e), -1);
	CHECK_INT(e, ERR_SIGNATURE_MISMATCH);
	/* without the request's signing key, a signed stream is refused */
	CHECK(!http_body_open_mem(&ar, body.data, body.len, &r, NULL, NULL, &e, msg, sizeof msg));
	free(a64);
	buf_free(&out);
	buf_free(&body);
	arena_free(&ar);
}

TEST(body_checksum_header)
{
	struct http_request r;
	struct arena a;
	arena_init(&a);
	enum err_id e;
	char msg[256];
	/* crc32c("hello") = 0x9a71bb4c -> mnG7TA== */
	CHECK(!mkreq(&r, "PUT /b/k HTTP/1.1\r\nContent-Length: 5\r\nx-amz-checksum-crc32c: mnG7TA==\r\n\r\n"));
	struct instream *s = http_body_open_mem(&a, "hello", 5, &r, NULL, NULL, &e, msg, sizeof msg);
	struct buf out;
	buf_init(&out, 1024);
	CHECK_INT(drain(s, &out, &e), 5);
	CHECK(!mkreq(&r, "PUT /b/k HTTP/1.1\r\nContent-Length: 5\r\nx-amz-checksum-crc32c: AAAAAA==\r\n\r\n"));
	s = http_body_open_mem(&a, "hello", 5, &r, NULL, NULL, &e, msg, sizeof msg);
	buf_reset(&out);
	CHECK_INT(drain(s, &out, &e), -1);
	CHECK_INT(e, ERR_BAD_DIGEST);
	CHECK(!mkreq(&r, "PUT /b/k HTTP/1.1\r\nContent-Length: 5\r\nx-amz-checksum-sha256: short\r\n\r\n"));
	CHECK(!http_body_open_mem(&a, "hello", 5, &r, NULL, NULL, &e, msg, sizeof msg));
	CHECK_INT(e, ERR_BAD_DIGEST);
	buf_free(&out);
	arena_free(&a);
}
