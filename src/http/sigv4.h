/* sigv4.h — AWS Signature Version 4: parsing, canonicalization, signing and
 * verification, independent of sockets so it can be tested against the AWS
 * signing test suite and fuzzed.
 *
 * A request is described by struct sigv4_msg (what arrived on the wire); the
 * client's claims by struct sigv4_auth (from the Authorization header or the
 * X-Amz-* query parameters of a presigned URL). sigv4_verify() recomputes
 * the signature with the secret and compares in constant time.
 */
#ifndef NUAGE_HTTP_SIGV4_H
#define NUAGE_HTTP_SIGV4_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/hash.h"
#include "http/request.h"

struct buf;

#define SIGV4_ALGO "AWS4-HMAC-SHA256"
#define SIGV4_EMPTY_SHA256 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

struct sigv4_auth {
	bool presigned;
	char access_key[129];
	char date[9];          /* YYYYMMDD of the credential scope */
	char region[64];
	char service[64];
	char amz_date[17];     /* YYYYMMDDTHHMMSSZ: X-Amz-Date (or converted Date header) */
	char signature[65];    /* lower-case hex */
	char signed_headers[1024]; /* "host;x-amz-date", as the client sent it */
	int64_t expires;       /* presigned: X-Amz-Expires seconds, else 0 */
	char security_token[2048];
};

struct sigv4_msg {
	const char *method;
	const char *path;       /* raw path as on the wire (or as the test suite gives it) */
	const char *query;      /* raw query without '?' */
	const struct http_header *headers;
	int nheaders;
	const char *payload_hash; /* hex SHA-256, UNSIGNED-PAYLOAD, STREAMING-... */
	bool s3;                  /* S3 rules: path used as sent, no normalization */
	bool encode_path;         /* non-S3: percent-encode the path (the "double" encoding) */
	bool normalize_path;      /* remove dot segments and repeated slashes */
};

enum sigv4_result {
	SIGV4_OK = 0,
	SIGV4_MALFORMED = -1,   /* header or query auth cannot be parsed */
	SIGV4_MISMATCH = -2,    /* signature differs */
	SIGV4_NO_AUTH = -3,     /* neither header nor query auth present */
};

/* Parses "AWS4-HMAC-SHA256 Credential=AK/DATE/REGION/SERVICE/aws4_request,
 * SignedHeaders=a;b, Signature=hex". On failure writes a reason to why. */
int sigv4_parse_header(const char *value, struct sigv4_auth *a, char *why, size_t whylen);
/* Parses the X-Amz-* parameters of a presigned URL's raw query. Returns
 * SIGV4_NO_AUTH when X-Amz-Signature/X-Amz-Credential are absent. */
int sigv4_parse_query(const char *query, struct sigv4_auth *a, char *why, size_t whylen);

/* Appends the canonical request. Returns 0, or -1 if out's cap is reached or
 * the input is malformed (bad percent-encoding in the query). */
int sigv4_canonical_request(struct buf *out, const struct sigv4_msg *m, const struct sigv4_auth *a);
/* Appends the string to sign for a canonical request. */
void sigv4_string_to_sign(struct buf *out, const struct sigv4_auth *a, const char *creq, size_t creqlen);
/* Derives kSigning = HMAC chain over date, region, service (cached). */
void sigv4_signing_key(const char *secret, const char *date, const char *region, const char *service,
		       unsigned char key[SHA256_LEN]);
/* Hex signature of a string to sign with a signing key. */
void sigv4_sign(const unsigned char key[SHA256_LEN], const char *sts, size_t len, char out[65]);
/* Full verification: builds canonical request and string to sign, signs with
 * secret, compares. */
int sigv4_verify(const struct sigv4_msg *m, const struct sigv4_auth *a, const char *secret);

/* Chunk and trailer signatures of aws-chunked bodies (STREAMING-AWS4-HMAC-SHA256-PAYLOAD):
 * sig = HMAC(key, "AWS4-HMAC-SHA256-PAYLOAD\n" date "\n" scope "\n" prev "\n" sha256("") "\n" sha256(data)). */
void sigv4_chunk_signature(const unsigned char key[SHA256_LEN], const struct sigv4_auth *a, const char *prev,
			   const unsigned char data_sha[SHA256_LEN], char out[65]);
void sigv4_trailer_signature(const unsigned char key[SHA256_LEN], const struct sigv4_auth *a, const char *prev,
			     const unsigned char trailer_sha[SHA256_LEN], char out[65]);

#endif
