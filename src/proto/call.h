/* call.h — one AWS API call as a service handler sees it.
 *
 * The HTTP layer routes, authenticates and decodes a request into a call;
 * the protocol layer (proto/) turns wire bytes into `input` and `output`
 * into wire bytes. A handler reads `input` (and `body` for a streaming
 * payload such as S3 PutObject), then either sets `output` (and `out_body`
 * for a streaming response) and returns 0, or calls call_error() and
 * returns -1. Handlers never see a wire format.
 *
 * Value conventions inside input/output (jansson):
 *   structure -> object keyed by member name;  list -> array;  map -> object;
 *   string -> string;  integer/long -> integer;  float/double -> real;
 *   boolean -> true/false;  timestamp -> integer epoch MILLISECONDS;
 *   blob -> string holding the raw bytes (may contain any byte).
 * Everything the call allocates comes from `arena` or is released by it.
 */
#ifndef NUAGE_PROTO_CALL_H
#define NUAGE_PROTO_CALL_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/arena.h"
#include "core/err.h"
#include "core/hash.h"
#include "proto/model.h"

struct http_request;

/* The request's query string split into decoded pairs, parsed once per
 * request (the router needs it, then the codec). */
struct qparam {
	const char *k, *v;
	size_t klen, vlen;
};
struct query {
	const struct qparam *p;
	int n;       /* -1: a malformed percent-encoding */
	bool parsed;
};
/* Parses q (the raw query) into a's memory. */
void query_parse(struct arena *a, const char *q, struct query *out);
struct svc;
struct config;

/* Digest kinds a body stream can compute while it is read. */
enum digest_kind {
	DIGEST_MD5 = 1 << 0,
	DIGEST_SHA256 = 1 << 1,
	DIGEST_SHA1 = 1 << 2,
	DIGEST_CRC32 = 1 << 3,
	DIGEST_CRC32C = 1 << 4,
	DIGEST_CRC64NVME = 1 << 5,
};

struct digests {
	unsigned have; /* digest_kind bits computed */
	unsigned char md5[MD5_LEN];
	unsigned char sha256[SHA256_LEN];
	unsigned char sha1[SHA1_LEN];
	uint32_t crc32, crc32c;
	uint64_t crc64nvme;
};

/* A request body as a pull stream. read() returns > 0 bytes, 0 at the end
 * (after every digest the client sent was checked), or -1 with err/errmsg
 * set (a bad signature chunk, a digest mismatch, a timeout). */
struct instream {
	long (*read)(struct instream *s, void *buf, size_t n);
	int64_t length;        /* decoded length when known in advance, else -1 */
	unsigned want;         /* digest_kind bits the consumer wants; set before the first read */
	struct digests got;    /* valid after read() returned 0 */
	/* The S3 additional checksum the client sent (header or trailer), if any. */
	enum digest_kind checksum_kind; /* 0 when none */
	char checksum_b64[96];          /* the client's value, base64 as sent */
	bool aws_chunked;      /* the client used aws-chunked framing */
	enum err_id err;
	char errmsg[256];
};

/* A response body streamed from a file range, or held in memory. */
struct outstream {
	int fd;               /* -1 when mem is used */
	int64_t off, len;
	const char *mem;
	size_t memlen;
	bool present;
};

struct identity {
	const char *access_key;
	const char *account;  /* 12-digit account id */
	const char *arn;      /* caller ARN */
	const char *user_id;
};

struct call {
	struct arena *arena;
	const struct svc *svc;
	const struct model_service *model;
	const struct model_op *op;
	uint8_t proto;                 /* enum protocol actually spoken by this request */
	const struct http_request *req;
	const struct config *cfg;
	const char *region;
	struct identity who;
	char request_id[40];
	struct query query;            /* the request's query string (call_query) */

	json_t *input;                 /* decoded input (owned by the call) */
	struct instream *body;         /* streaming payload, or NULL */
	json_t *output;                /* set by the handler (owned by the call) */
	struct outstream out_body;     /* streaming output payload */
	int status;                    /* 0: the operation's default status */
	const char *xml_root;          /* rest-xml: root element of an output document */

	enum err_id err;
	const char *errmsg;            /* arena string, or NULL for the catalogue's message */
	json_t *err_fields;            /* extra fields for the error document (S3: BucketName, Key, ...) */
};

/* Records an error; always returns -1 so handlers can `return call_error(...)`. */
int call_error(struct call *c, enum err_id id, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* An error kept for one entry of a batch call (SendMessageBatch,
 * PublishBatch, ...): the entry fails, the call goes on. */
struct entry_err {
	enum err_id id;
	const char *msg; /* arena */
};
/* Records it; always returns -1. call_entry_raise() makes it the call's error. */
int call_entry_error(struct call *c, struct entry_err *e, enum err_id id, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
int call_entry_raise(struct call *c, const struct entry_err *e);
/* Adds an extra string field to the error document (S3 <BucketName> etc.). */
void call_error_field(struct call *c, const char *name, const char *value);
/* The request's query string, parsed on first use: the pair count (and *p),
 * or -1 for a malformed percent-encoding. */
int call_query(struct call *c, const struct qparam **p);
/* Input accessors (NULL / default when absent). */
const char *call_str(const struct call *c, const char *member);
int64_t call_int(const struct call *c, const char *member, int64_t dflt);
bool call_bool(const struct call *c, const char *member, bool dflt);
json_t *call_get(const struct call *c, const char *member);
/* Output: sets output[member] (steals v), creating the output object. */
void call_set(struct call *c, const char *member, json_t *v);

#endif
