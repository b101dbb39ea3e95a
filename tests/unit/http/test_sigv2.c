/* S3's legacy signature against the examples of the S3 documentation
 * ("Signing and authenticating REST requests"). */
#include "unit.h"
#include "core/buf.h"
#include "http/request.h"
#include "http/sigv2.h"

#include <stdio.h>

static char hb[4096];

static int mk(struct http_request *r, const char *head)
{
	size_t n = strlen(head);
	memcpy(hb, head, n + 1);
	return http_parse_head(hb, n, r) > 0 ? 0 : -1;
}

TEST(sigv2_documentation_examples)
{
	const char *secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
	struct http_request r;
	struct sigv2_auth a = {0};
	struct buf sts;
	char sig[64];
	buf_init(&sts, 4096);
	CHECK(!mk(&r, "GET /photos/puppy.jpg HTTP/1.1\r\nHost: awsexamplebucket1.us-west-1.s3.amazonaws.com\r\n"
		      "Date: Tue, 27 Mar 2007 19:36:42 +0000\r\n\r\n"));
	CHECK(sigv2_string_to_sign(&sts, &r, "/awsexamplebucket1/photos/puppy.jpg", &a) == 0);
	CHECK_STR(buf_str(&sts), "GET\n\n\nTue, 27 Mar 2007 19:36:42 +0000\n/awsexamplebucket1/photos/puppy.jpg");
	sigv2_sign(secret, sts.data, sts.len, sig);
	CHECK_STR(sig, "qgk2+6Sv9/oM7G3qLEjTH1a1l1g=");
	buf_reset(&sts);
	CHECK(!mk(&r, "PUT /photos/puppy.jpg HTTP/1.1\r\nContent-Type: image/jpeg\r\nContent-Length: 94328\r\n"
		      "Host: awsexamplebucket1.s3.us-west-1.amazonaws.com\r\nDate: Tue, 27 Mar 2007 21:15:45 +0000\r\n\r\n"));
	CHECK(sigv2_string_to_sign(&sts, &r, "/awsexamplebucket1/photos/puppy.jpg", &a) == 0);
	sigv2_sign(secret, sts.data, sts.len, sig);
	CHECK_STR(sig, "iqRzw+ileNPu1fhspnRs8nOjjIA=");
	/* sub-resources and x-amz headers take part; others do not */
	buf_reset(&sts);
	CHECK(!mk(&r, "GET /b/k?acl&foo=1&versionId=a%20b HTTP/1.1\r\nX-Amz-Meta-B: 2\r\nx-amz-meta-a:  1 \r\n"
		      "X-Amz-Meta-B: 3\r\nx-amz-date: Tue, 27 Mar 2007 21:15:45 +0000\r\nDate: ignored\r\n\r\n"));
	CHECK(sigv2_string_to_sign(&sts, &r, "/b/k", &a) == 0);
	CHECK_STR(buf_str(&sts), "GET\n\n\n\nx-amz-date:Tue, 27 Mar 2007 21:15:45 +0000\nx-amz-meta-a:1\n"
				 "x-amz-meta-b:2,3\n/b/k?acl&versionId=a b");
	buf_free(&sts);
}

TEST(sigv2_parsing)
{
	struct sigv2_auth a;
	CHECK(sigv2_parse_header("AWS AKID:c2ln", &a) == 0);
	CHECK_STR(a.access_key, "AKID");
	CHECK_STR(a.signature, "c2ln");
	CHECK(sigv2_parse_header("AWS nocolon", &a) == -1);
	CHECK(sigv2_parse_header("AWS4-HMAC-SHA256 x", &a) == -1);
	CHECK(sigv2_parse_query("AWSAccessKeyId=AK&Signature=a%2Bb%3D&Expires=1700000000", &a) == 1);
	CHECK_STR(a.signature, "a+b=");
	CHECK(a.presigned && a.expires == 1700000000);
	CHECK(sigv2_parse_query("x=1", &a) == 0);
	CHECK(sigv2_parse_query("AWSAccessKeyId=AK&Signature=s", &a) == -1);
	CHECK(sigv2_parse_query("AWSAccessKeyId=AK&Signature=s&Expires=soon", &a) == -1);
}
