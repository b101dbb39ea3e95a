/* body.h — request bodies as pull streams (struct instream, proto/call.h).
 *
 * Three layers, each optional, feed the consumer:
 *   L0 framing:      Content-Length, or Transfer-Encoding: chunked
 *   L1 aws-chunked:  STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER] (each chunk
 *                    signed, chained from the request signature) and
 *                    STREAMING-UNSIGNED-PAYLOAD-TRAILER (checksum trailer)
 *   L2 digests:      computed over the decoded bytes as they pass; at the end
 *                    the client's x-amz-content-sha256, Content-MD5 and
 *                    x-amz-checksum-* (header or trailer) are checked.
 * Nothing buffers the whole body: memory is one 64 KiB buffer per stream.
 */
#ifndef NUAGE_HTTP_BODY_H
#define NUAGE_HTTP_BODY_H

#include "core/arena.h"
#include "core/hash.h"
#include "proto/call.h"

struct conn;
struct http_request;
struct sigv4_auth;

/* Opens the body of req. auth/key are the verified request signature and
 * signing key (NULL when the request is unsigned or presigned): needed to
 * check signed chunks. Returns the stream (allocated in arena, released with
 * it), or NULL with *err and msg set (InvalidDigest, MissingContentLength...). */
struct instream *http_body_open(struct arena *a, struct conn *c, const struct http_request *req,
				const struct sigv4_auth *auth, const unsigned char *key, enum err_id *err,
				char *msg, size_t msglen);

/* The same over bytes in memory (the raw body as it would arrive on the
 * connection): for unit tests and fuzzing of the decoders. */
struct instream *http_body_open_mem(struct arena *a, const char *data, size_t len, const struct http_request *req,
				    const struct sigv4_auth *auth, const unsigned char *key, enum err_id *err,
				    char *msg, size_t msglen);

/* Reads the whole (decoded) body into arena memory, NUL-terminated. Fails
 * with BODY_TOO_LARGE past max bytes. Returns 0 or -1 (s->err set). */
int instream_read_all(struct instream *s, struct arena *a, size_t max, char **out, size_t *len);

/* True once the stream itself failed (framing, signature, digest, timeout):
 * nothing more can be read from it. */
bool http_body_broken(const struct instream *s);

/* Whether the request's framing was fully consumed (so the connection can
 * carry another request). */
bool http_body_finished(const struct instream *s);

#endif
