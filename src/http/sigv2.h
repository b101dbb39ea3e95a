/* sigv2.h — S3's legacy signature (HMAC-SHA1, "AWS AK:signature" headers and
 * AWSAccessKeyId/Signature/Expires presigned URLs). boto3 still presigns S3
 * URLs this way by default in some regions and versions, so S3 accepts it.
 * Other services accept only SigV4. */
#ifndef NUAGE_HTTP_SIGV2_H
#define NUAGE_HTTP_SIGV2_H

#include <stdbool.h>
#include <stdint.h>

#include "http/request.h"

struct buf;

struct sigv2_auth {
	bool presigned;
	char access_key[129];
	char signature[64]; /* base64 as sent */
	int64_t expires;    /* presigned: Unix seconds */
};

/* "AWS AK:sig" -> auth; 0 or -1. */
int sigv2_parse_header(const char *value, struct sigv2_auth *a);
/* AWSAccessKeyId, Signature, Expires in a raw query; 1 found, 0 absent, -1 malformed. */
int sigv2_parse_query(const char *query, struct sigv2_auth *a);
/* The string to sign. resource: the path naming /bucket/key as sent
 * (percent-encoded). 0, or -1 on a malformed query. */
int sigv2_string_to_sign(struct buf *out, const struct http_request *req, const char *resource,
			 const struct sigv2_auth *a);
/* base64 HMAC-SHA1 of sts with secret. */
void sigv2_sign(const char *secret, const char *sts, size_t len, char out[64]);
/* 0 when the signature matches (constant-time compare). */
int sigv2_verify(const struct http_request *req, const char *resource, const struct sigv2_auth *a, const char *secret);

#endif
