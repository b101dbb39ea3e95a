/* body.c — see body.h.
 *
 * aws-chunked decoder states (L1):
 *   HDR --"<hex>[;chunk-signature=<sig>]\r\n", size>0--> DATA --size bytes--> CRLF --"\r\n"--> HDR
 *   HDR --size 0--> TRAILER --lines "name:value\r\n" ... "\r\n"--> DONE
 * A signed chunk's signature is checked at its CRLF; the trailer's at DONE.
 * Digest checks (L2) run once, when the consumer reads past the last byte.
 */
#include "http/body.h"
#include "core/buf.h"
#include "core/crc.h"
#include "core/enc.h"
#include "core/mem.h"
#include "http/conn.h"
#include "http/request.h"
#include "http/sigv4.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define ABUF 65536
#define MAX_CHUNK_LINE 512

enum { A_HDR, A_DATA, A_CRLF, A_TRAILER, A_DONE };
enum { T_SIZE, T_DATA, T_CRLF, T_TRAILERS, T_DONE };

struct http_body {
	struct instream s;
	struct conn *conn;      /* NULL for memory sources (tests, fuzzing) */
	const char *mem;
	size_t memlen, mempos;
	/* L0 */
	bool te;
	int tstate;
	int64_t remaining; /* CL: raw bytes left; TE: bytes left in this chunk */
	char tline[256];
	size_t tlen;
	/* L1 */
	bool aws, aws_signed, aws_trailer_signed;
	int astate;
	char *abuf;
	size_t alen, apos;
	int64_t achunk_left;
	char chunk_sig[65], prev_sig[65];
	struct sha256_ctx chunk_sha;
	const struct sigv4_auth *auth;
	unsigned char key[SHA256_LEN];
	struct buf trailer_canon; /* "name:value\n" of each trailer but the signature */
	char trailer_sig[65];
	int64_t decoded, decoded_expected;
	/* L2 */
	unsigned compute;
	struct md5_ctx md5;
	struct sha256_ctx sha256;
	struct sha1_ctx sha1;
	uint32_t crc32, crc32c;
	uint64_t crc64;
	bool check_sha256, check_md5;
	char expect_sha256[65];
	unsigned char expect_md5[MD5_LEN];
	enum digest_kind trailer_kind; /* declared in x-amz-trailer */
	bool checked, failed;
};

static long fail(struct http_body *b, enum err_id id, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static struct instream *http_body_open_src(struct arena *a, struct conn *c, const char *data, size_t len,
					   const struct http_request *req, const struct sigv4_auth *auth,
					   const unsigned char *key, enum err_id *err, char *msg, size_t msglen);

static long fail(struct http_body *b, enum err_id id, const char *fmt, ...)
{
	if (!b->failed) {
		b->s.err = id;
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(b->s.errmsg, sizeof b->s.errmsg, fmt, ap);
		va_end(ap);
		b->failed = true;
		if (b->conn)
			conn_close_after(b->conn);
	}
	return -1;
}

/* ---- L0: raw bytes of this request's body ---- */

static ssize_t src_read(struct http_body *b, void *buf, size_t n)
{
	if (b->conn)
		return conn_read_body(b->conn, buf, n);
	size_t k = b->memlen - b->mempos;
	if (k > n)
		k = n;
	memcpy(buf, b->mem + b->mempos, k);
	b->mempos += k;
	return (ssize_t)k;
}

static int te_getc(struct http_body *b, char *ch)
{
	ssize_t r = src_read(b, ch, 1);
	return r == 1 ? 0 : -1;
}

/* Reads one CRLF-terminated line of chunked framing into tline. */
static int te_line(struct http_body *b)
{
	b->tlen = 0;
	for (;;) {
		char ch;
		if (te_getc(b, &ch))
			return -1;
		if (ch == '\n')
			break;
		if (b->tlen >= sizeof b->tline - 1)
			return -1;
		b->tline[b->tlen++] = ch;
	}
	if (b->tlen && b->tline[b->tlen - 1] == '\r')
		b->tlen--;
	b->tline[b->tlen] = 0;
	return 0;
}

static long raw_read(struct http_body *b, void *buf, size_t n)
{
	if (!b->te) {
		if (b->remaining <= 0)
			return 0;
		if ((int64_t)n > b->remaining)
			n = (size_t)b->remaining;
		ssize_t r = src_read(b, buf, n);
		if (r <= 0)
			return fail(b, ERR_REQUEST_TIMEOUT_S3,
				    "Your socket connection to the server was not read from or written to within the timeout "
				    "period, or the client sent less than Content-Length.");
		b->remaining -= r;
		return r;
	}
	for (;;) {
		switch (b->tstate) {
		case T_SIZE: {
			if (te_line(b))
				return fail(b, ERR_INVALID_CHUNK, "Malformed chunked transfer encoding.");
			char *e;
			long long sz = strtoll(b->tline, &e, 16);
			if (e == b->tline || (*e && *e != ';' && *e != ' ') || sz < 0 || sz > (1LL << 40))
				return fail(b, ERR_INVALID_CHUNK, "Malformed chunk size in chunked transfer encoding.");
			b->remaining = sz;
			b->tstate = sz ? T_DATA : T_TRAILERS;
			break;
		}
		case T_DATA: {
			if ((int64_t)n > b->remaining)
				n = (size_t)b->remaining;
			ssize_t r = src_read(b, buf, n);
			if (r <= 0)
				return fail(b, ERR_INVALID_CHUNK, "The request body terminated unexpectedly.");
			b->remaining -= r;
			if (!b->remaining)
				b->tstate = T_CRLF;
			return r;
		}
		case T_CRLF:
			if (te_line(b) || b->tlen)
				return fail(b, ERR_INVALID_CHUNK, "Malformed chunked transfer encoding.");
			b->tstate = T_SIZE;
			break;
		case T_TRAILERS:
			for (int i = 0; i < 64; i++) {
				if (te_line(b))
					return fail(b, ERR_INVALID_CHUNK, "Malformed chunked trailer.");
				if (!b->tlen) {
					b->tstate = T_DONE;
					return 0;
				}
			}
			return fail(b, ERR_INVALID_CHUNK, "Too many chunked trailers.");
		default:
			return 0;
		}
	}
}

/* ---- L1: aws-chunked ---- */

static int afill(struct http_body *b)
{
	if (b->apos > 0 && b->apos == b->alen) {
		b->apos = b->alen = 0;
	} else if (b->apos > ABUF / 2) {
		memmove(b->abuf, b->abuf + b->apos, b->alen - b->apos);
		b->alen -= b->apos;
		b->apos = 0;
	}
	if (b->alen == ABUF)
		return -1;
	long r = raw_read(b, b->abuf + b->alen, ABUF - b->alen);
	if (r <= 0)
		return -1;
	b->alen += (size_t)r;
	return 0;
}

/* Returns the next CRLF line of the aws-chunked framing (NUL-terminated, in abuf). */
static char *aline(struct http_body *b, size_t *len)
{
	for (;;) {
		char *start = b->abuf + b->apos;
		char *nl = memchr(start, '\n', b->alen - b->apos);
		if (nl) {
			size_t l = (size_t)(nl - start);
			if (l && start[l - 1] == '\r')
				l--;
			start[l] = 0;
			b->apos = (size_t)(nl - b->abuf) + 1;
			*len = l;
			return start;
		}
		if (b->alen - b->apos > MAX_CHUNK_LINE || afill(b))
			return NULL;
	}
}

static bool hex64(const char *s)
{
	for (int i = 0; i < 64; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return !s[64];
}

static long check_chunk_sig(struct http_body *b)
{
	if (!b->aws_signed)
		return 0;
	unsigned char d[SHA256_LEN];
	sha256_final(&b->chunk_sha, d);
	char want[65];
	sigv4_chunk_signature(b->key, b->auth, b->prev_sig, d, want);
	if (strcmp(want, b->chunk_sig))
		return fail(b, ERR_SIGNATURE_MISMATCH,
			    "The request signature we calculated does not match the signature you provided (aws-chunked chunk "
			    "signature).");
	memcpy(b->prev_sig, want, 65);
	return 0;
}

static enum digest_kind checksum_kind_of(const char *name)
{
	if (!strcasecmp(name, "x-amz-checksum-crc32"))
		return DIGEST_CRC32;
	if (!strcasecmp(name, "x-amz-checksum-crc32c"))
		return DIGEST_CRC32C;
	if (!strcasecmp(name, "x-amz-checksum-crc64nvme"))
		return DIGEST_CRC64NVME;
	if (!strcasecmp(name, "x-amz-checksum-sha1"))
		return DIGEST_SHA1;
	if (!strcasecmp(name, "x-amz-checksum-sha256"))
		return DIGEST_SHA256;
	return 0;
}

static long aws_trailer(struct http_body *b)
{
	for (int i = 0; i < 32; i++) {
		size_t l;
		char *line = aline(b, &l);
		if (!line)
			return fail(b, ERR_INVALID_CHUNK, "The aws-chunked trailer is malformed or incomplete.");
		if (!l)
			goto end;
		char *colon = strchr(line, ':');
		if (!colon)
			return fail(b, ERR_INVALID_CHUNK, "The aws-chunked trailer is malformed.");
		*colon = 0;
		char *v = colon + 1;
		while (*v == ' ')
			v++;
		if (!strcasecmp(line, "x-amz-trailer-signature")) {
			snprintf(b->trailer_sig, sizeof b->trailer_sig, "%s", v);
			continue;
		}
		for (char *p = line; *p; p++)
			if (*p >= 'A' && *p <= 'Z')
				*p = (char)(*p + 32);
		buf_addf(&b->trailer_canon, "%s:%s\n", line, v);
		enum digest_kind k = checksum_kind_of(line);
		if (k) {
			if (b->trailer_kind && k != b->trailer_kind)
				return fail(b, ERR_INVALID_REQUEST,
					    "The trailing checksum does not match the one declared in x-amz-trailer.");
			b->s.checksum_kind = k;
			snprintf(b->s.checksum_b64, sizeof b->s.checksum_b64, "%s", v);
		}
	}
	return fail(b, ERR_INVALID_CHUNK, "Too many aws-chunked trailers.");
end:
	if (b->trailer_kind && !b->s.checksum_kind)
		return fail(b, ERR_INVALID_REQUEST, "x-amz-trailer declared a checksum the trailer did not send.");
	if (b->aws_trailer_signed) {
		if (!hex64(b->trailer_sig))
			return fail(b, ERR_SIGNATURE_MISMATCH, "The trailer signature is missing or malformed.");
		unsigned char d[SHA256_LEN];
		sha256(b->trailer_canon.data ? b->trailer_canon.data : "", b->trailer_canon.len, d);
		char want[65];
		sigv4_trailer_signature(b->key, b->auth, b->prev_sig, d, want);
		if (strcmp(want, b->trailer_sig))
			return fail(b, ERR_SIGNATURE_MISMATCH,
				    "The request signature we calculated does not match the signature you provided (trailer).");
	}
	b->astate = A_DONE;
	return 0;
}

static long aws_read(struct http_body *b, unsigned char *out, size_t n)
{
	for (;;) {
		switch (b->astate) {
		case A_HDR: {
			size_t l;
			char *line = aline(b, &l);
			if (!line)
				return fail(b, ERR_INVALID_CHUNK, "The aws-chunked body is malformed or incomplete.");
			char *e;
			long long sz = strtoll(line, &e, 16);
			if (e == line || sz < 0 || sz > (1LL << 40))
				return fail(b, ERR_INVALID_CHUNK, "Invalid aws-chunked chunk size.");
			b->chunk_sig[0] = 0;
			if (*e == ';') {
				const char *p = e + 1;
				if (strncmp(p, "chunk-signature=", 16))
					return fail(b, ERR_INVALID_CHUNK, "Invalid aws-chunked chunk extension.");
				snprintf(b->chunk_sig, sizeof b->chunk_sig, "%s", p + 16);
				if (!hex64(p + 16))
					return fail(b, ERR_SIGNATURE_MISMATCH, "Malformed aws-chunked chunk signature.");
			} else if (*e) {
				return fail(b, ERR_INVALID_CHUNK, "Invalid aws-chunked chunk header.");
			}
			if (b->aws_signed && !b->chunk_sig[0])
				return fail(b, ERR_SIGNATURE_MISMATCH, "A signed aws-chunked chunk has no signature.");
			if (b->aws_signed)
				sha256_init(&b->chunk_sha);
			b->achunk_left = sz;
			if (sz == 0) {
				if (check_chunk_sig(b))
					return -1;
				b->astate = A_TRAILER;
			} else {
				b->astate = A_DATA;
			}
			break;
		}
		case A_DATA: {
			if (b->apos == b->alen && afill(b))
				return fail(b, ERR_INVALID_CHUNK, "The aws-chunked body ended inside a chunk.");
			size_t k = b->alen - b->apos;
			if ((int64_t)k > b->achunk_left)
				k = (size_t)b->achunk_left;
			if (k > n)
				k = n;
			memcpy(out, b->abuf + b->apos, k);
			if (b->aws_signed)
				sha256_update(&b->chunk_sha, out, k);
			b->apos += k;
			b->achunk_left -= (int64_t)k;
			if (!b->achunk_left)
				b->astate = A_CRLF;
			return (long)k;
		}
		case A_CRLF: {
			size_t l;
			char *line = aline(b, &l);
			if (!line || l)
				return fail(b, ERR_INVALID_CHUNK, "An aws-chunked chunk is not followed by CRLF.");
			if (check_chunk_sig(b))
				return -1;
			b->astate = A_HDR;
			break;
		}
		case A_TRAILER:
			if (aws_trailer(b))
				return -1;
			break;
		default:
			return 0;
		}
	}
}

/* ---- L2: digests and the public read ---- */

static void digest_update(struct http_body *b, const void *p, size_t n)
{
	unsigned w = b->compute;
	if (w & DIGEST_MD5)
		md5_update(&b->md5, p, n);
	if (w & DIGEST_SHA256)
		sha256_update(&b->sha256, p, n);
	if (w & DIGEST_SHA1)
		sha1_update(&b->sha1, p, n);
	if (w & DIGEST_CRC32)
		b->crc32 = crc32_update(b->crc32, p, n);
	if (w & DIGEST_CRC32C)
		b->crc32c = crc32c_update(b->crc32c, p, n);
	if (w & DIGEST_CRC64NVME)
		b->crc64 = crc64nvme_update(b->crc64, p, n);
}

static const char *kind_name(enum digest_kind k)
{
	switch (k) {
	case DIGEST_CRC32: return "CRC32";
	case DIGEST_CRC32C: return "CRC32C";
	case DIGEST_CRC64NVME: return "CRC64NVME";
	case DIGEST_SHA1: return "SHA1";
	case DIGEST_SHA256: return "SHA256";
	default: return "checksum";
	}
}

/* Encodes the computed checksum of kind k as S3 shows it (base64 of the big-endian value). */
static void checksum_b64(const struct digests *d, enum digest_kind k, char out[96])
{
	unsigned char raw[32];
	size_t n = 0;
	switch (k) {
	case DIGEST_CRC32:
	case DIGEST_CRC32C: {
		uint32_t v = k == DIGEST_CRC32 ? d->crc32 : d->crc32c;
		raw[0] = (unsigned char)(v >> 24), raw[1] = (unsigned char)(v >> 16), raw[2] = (unsigned char)(v >> 8),
		raw[3] = (unsigned char)v;
		n = 4;
		break;
	}
	case DIGEST_CRC64NVME:
		for (int i = 0; i < 8; i++)
			raw[i] = (unsigned char)(d->crc64nvme >> (56 - 8 * i));
		n = 8;
		break;
	case DIGEST_SHA1:
		memcpy(raw, d->sha1, SHA1_LEN);
		n = SHA1_LEN;
		break;
	case DIGEST_SHA256:
		memcpy(raw, d->sha256, SHA256_LEN);
		n = SHA256_LEN;
		break;
	default:
		break;
	}
	base64_encode(raw, n, out);
}

static long finish(struct http_body *b)
{
	if (b->checked)
		return 0;
	b->checked = true;
	struct digests *d = &b->s.got;
	d->have = b->compute;
	if (b->compute & DIGEST_MD5)
		md5_final(&b->md5, d->md5);
	if (b->compute & DIGEST_SHA256)
		sha256_final(&b->sha256, d->sha256);
	if (b->compute & DIGEST_SHA1)
		sha1_final(&b->sha1, d->sha1);
	d->crc32 = b->crc32;
	d->crc32c = b->crc32c;
	d->crc64nvme = b->crc64;
	if (b->decoded_expected >= 0 && b->decoded != b->decoded_expected)
		return fail(b, ERR_INVALID_CHUNK,
			    "You did not provide the number of bytes specified by the x-amz-decoded-content-length header.");
	if (b->check_sha256) {
		char hex[65];
		hex_encode(d->sha256, SHA256_LEN, hex);
		if (strcmp(hex, b->expect_sha256))
			return fail(b, ERR_CONTENT_SHA256_MISMATCH,
				    "The provided 'x-amz-content-sha256' header does not match what was computed.");
	}
	if (b->check_md5 && memcmp(d->md5, b->expect_md5, MD5_LEN))
		return fail(b, ERR_BAD_DIGEST, "The Content-MD5 you specified did not match what we received.");
	if (b->s.checksum_kind) {
		char mine[96];
		checksum_b64(d, b->s.checksum_kind, mine);
		if (strcmp(mine, b->s.checksum_b64))
			return fail(b, ERR_BAD_DIGEST, "The %s you specified did not match the calculated checksum.",
				    kind_name(b->s.checksum_kind));
	}
	return 0;
}

static long body_read(struct instream *s, void *buf, size_t n)
{
	struct http_body *b = (struct http_body *)s;
	if (b->failed)
		return -1;
	if (!b->compute) {
		/* First read: fix the digest set. */
		b->compute = s->want | (b->check_sha256 ? DIGEST_SHA256 : 0) | (b->check_md5 ? DIGEST_MD5 : 0) |
			     s->checksum_kind | b->trailer_kind;
		b->compute |= 1u << 30; /* marks "initialised" even when no digest is wanted */
		md5_init(&b->md5);
		sha256_init(&b->sha256);
		sha1_init(&b->sha1);
	}
	if (!n)
		return 0;
	long r = b->aws ? aws_read(b, buf, n) : raw_read(b, buf, n);
	if (r > 0) {
		b->decoded += r;
		digest_update(b, buf, (size_t)r);
		return r;
	}
	if (r < 0)
		return -1;
	b->compute &= ~(1u << 30);
	return finish(b);
}

bool http_body_broken(const struct instream *s)
{
	return ((const struct http_body *)s)->failed;
}

bool http_body_finished(const struct instream *s)
{
	const struct http_body *b = (const struct http_body *)s;
	if (b->failed)
		return false;
	if (b->te)
		return b->tstate == T_DONE;
	return b->remaining == 0;
}

int instream_read_all(struct instream *s, struct arena *a, size_t max, char **out, size_t *len)
{
	if (s->length > (int64_t)max) {
		s->err = ERR_BODY_TOO_LARGE;
		snprintf(s->errmsg, sizeof s->errmsg, "The request body (%lld bytes) is larger than the %zu bytes this operation accepts.",
			 (long long)s->length, max);
		return -1;
	}
	/* Room for one more byte than announced, so the read that sees EOF (and
	 * runs the digest checks) always happens. */
	size_t cap = s->length >= 0 ? (size_t)s->length + 2 : 4096, n = 0;
	char *p = arena_alloc(a, cap);
	for (;;) {
		if (n + 1 >= cap) {
			if (cap > max + 1) {
				s->err = ERR_BODY_TOO_LARGE;
				snprintf(s->errmsg, sizeof s->errmsg, "The request body is larger than the %zu bytes this operation accepts.", max);
				return -1;
			}
			size_t ncap = cap * 2;
			char *q = arena_alloc(a, ncap);
			memcpy(q, p, n);
			p = q;
			cap = ncap;
		}
		long r = s->read(s, p + n, cap - n - 1);
		if (r < 0)
			return -1;
		if (r == 0)
			break;
		n += (size_t)r;
		if (n > max) {
			s->err = ERR_BODY_TOO_LARGE;
			snprintf(s->errmsg, sizeof s->errmsg, "The request body is larger than the %zu bytes this operation accepts.", max);
			return -1;
		}
	}
	p[n] = 0;
	*out = p;
	*len = n;
	return 0;
}

static void body_cleanup(void *arg)
{
	struct http_body *b = arg;
	free(b->abuf);
	buf_free(&b->trailer_canon);
}

struct instream *http_body_open(struct arena *a, struct conn *c, const struct http_request *req,
				const struct sigv4_auth *auth, const unsigned char *key, enum err_id *err,
				char *msg, size_t msglen)
{
	return http_body_open_src(a, c, NULL, 0, req, auth, key, err, msg, msglen);
}

struct instream *http_body_open_mem(struct arena *a, const char *data, size_t len, const struct http_request *req,
				    const struct sigv4_auth *auth, const unsigned char *key, enum err_id *err,
				    char *msg, size_t msglen)
{
	return http_body_open_src(a, NULL, data, len, req, auth, key, err, msg, msglen);
}

static struct instream *http_body_open_src(struct arena *a, struct conn *c, const char *data, size_t len,
					   const struct http_request *req, const struct sigv4_auth *auth,
					   const unsigned char *key, enum err_id *err, char *msg, size_t msglen)
{
	struct http_body *b = arena_zalloc(a, sizeof *b);
	b->s.read = body_read;
	b->conn = c;
	b->mem = data;
	b->memlen = len;
	b->te = req->chunked;
	b->remaining = req->chunked ? 0 : (req->content_length > 0 ? req->content_length : 0);
	b->s.length = req->chunked ? -1 : (req->content_length > 0 ? req->content_length : 0);
	b->decoded_expected = -1;
	buf_init(&b->trailer_canon, 16384);
	arena_on_free(a, body_cleanup, b);

	const char *sha = http_header(req, "x-amz-content-sha256");
	if (sha) {
		if (!strncmp(sha, "STREAMING-", 10)) {
			b->aws = true;
			if (!strcmp(sha, "STREAMING-AWS4-HMAC-SHA256-PAYLOAD")) {
				b->aws_signed = true;
			} else if (!strcmp(sha, "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER")) {
				b->aws_signed = b->aws_trailer_signed = true;
			} else if (strcmp(sha, "STREAMING-UNSIGNED-PAYLOAD-TRAILER")) {
				*err = ERR_INVALID_ARGUMENT;
				snprintf(msg, msglen, "x-amz-content-sha256 value '%.64s' is not supported.", sha);
				return NULL;
			}
			if (b->aws_signed && (!auth || !key || auth->presigned)) {
				*err = ERR_INVALID_REQUEST;
				snprintf(msg, msglen, "Signed aws-chunked payloads need a SigV4 Authorization header.");
				return NULL;
			}
			if (b->aws_signed) {
				b->auth = auth;
				memcpy(b->key, key, SHA256_LEN);
				memcpy(b->prev_sig, auth->signature, 65);
			}
			b->abuf = xmalloc(ABUF);
			const char *dl = http_header(req, "x-amz-decoded-content-length");
			if (dl) {
				char *e;
				long long v = strtoll(dl, &e, 10);
				if (e == dl || *e || v < 0) {
					*err = ERR_INVALID_ARGUMENT;
					snprintf(msg, msglen, "x-amz-decoded-content-length must be a non-negative integer.");
					return NULL;
				}
				b->decoded_expected = v;
				b->s.length = v;
			} else if (b->aws_signed) {
				*err = ERR_MISSING_CONTENT_LENGTH;
				snprintf(msg, msglen, "You must provide the x-amz-decoded-content-length header with aws-chunked payloads.");
				return NULL;
			} else {
				b->s.length = -1;
			}
			b->s.aws_chunked = true;
		} else if (strcmp(sha, "UNSIGNED-PAYLOAD")) {
			if (strlen(sha) != 64 || !hex64(sha)) {
				*err = ERR_INVALID_ARGUMENT;
				snprintf(msg, msglen, "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-* or a SHA-256 in lower-case hex.");
				return NULL;
			}
			b->check_sha256 = true;
			memcpy(b->expect_sha256, sha, 65);
		}
	}
	const char *md5h = http_header(req, "content-md5");
	if (md5h) {
		unsigned char tmp[64];
		size_t l = strlen(md5h);
		if (l > 80 || base64_decode(md5h, l, tmp) != MD5_LEN) {
			*err = ERR_INVALID_DIGEST;
			snprintf(msg, msglen, "The Content-MD5 you specified was invalid.");
			return NULL;
		}
		memcpy(b->expect_md5, tmp, MD5_LEN);
		b->check_md5 = true;
	}
	const char *tr = http_header(req, "x-amz-trailer");
	if (tr) {
		b->trailer_kind = checksum_kind_of(tr);
		if (!b->trailer_kind || !b->aws) {
			*err = ERR_INVALID_REQUEST;
			snprintf(msg, msglen, "x-amz-trailer '%.64s' is not a supported checksum trailer for this payload.", tr);
			return NULL;
		}
	}
	for (int i = 0; i < req->nheaders; i++) {
		enum digest_kind k = checksum_kind_of(req->headers[i].name);
		if (!k)
			continue;
		if (b->s.checksum_kind || b->trailer_kind) {
			*err = ERR_INVALID_REQUEST;
			snprintf(msg, msglen, "Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.");
			return NULL;
		}
		unsigned char tmp[96];
		size_t vl = req->headers[i].vlen;
		long dl = vl < 90 ? base64_decode(req->headers[i].value, vl, tmp) : -1;
		long want = k == DIGEST_CRC32 || k == DIGEST_CRC32C ? 4 : k == DIGEST_CRC64NVME ? 8 : k == DIGEST_SHA1 ? 20 : 32;
		if (dl != want) {
			/* S3 answers a checksum that cannot be right with BadDigest too. */
			*err = ERR_BAD_DIGEST;
			snprintf(msg, msglen, "The %s you specified did not match the calculated checksum.", kind_name(k));
			return NULL;
		}
		b->s.checksum_kind = k;
		snprintf(b->s.checksum_b64, sizeof b->s.checksum_b64, "%s", req->headers[i].value);
	}
	if (req->content_length < 0 && !req->chunked && (!strcmp(req->method, "PUT") || !strcmp(req->method, "POST"))) {
		/* HTTP/1.1 without framing means no body; S3 insists on a length for PUT. */
		b->remaining = 0;
		b->s.length = 0;
	}
	return &b->s;
}
