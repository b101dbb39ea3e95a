/* sigv4.c — see sigv4.h.
 *
 * Canonicalization follows the SigV4 specification and botocore's signer:
 *  - path: S3 signs the path exactly as sent; other services normalize it
 *    (dot segments, repeated slashes) and percent-encode it again;
 *  - query: every parameter is decoded, re-encoded with the unreserved set
 *    A-Z a-z 0-9 - _ . ~, and sorted by key then value; a presigned URL's
 *    X-Amz-Signature is left out;
 *  - headers: the ones listed in SignedHeaders, in that order, values trimmed
 *    with inner runs of spaces collapsed, duplicates joined with ','.
 * Checked against the AWS signing test suite in tests/unit/http/test_sigv4.c.
 */
#include "http/sigv4.h"
#include "core/buf.h"
#include "core/enc.h"
#include "core/mem.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_QUERY_PARAMS 4096

static int copy_field(char *dst, size_t cap, const char *s, size_t n)
{
	if (n == 0 || n >= cap)
		return -1;
	memcpy(dst, s, n);
	dst[n] = 0;
	return 0;
}

/* Credential value: AK/YYYYMMDD/region/service/aws4_request */
static int parse_credential(const char *s, size_t n, struct sigv4_auth *a, char *why, size_t whylen)
{
	const char *parts[5];
	size_t lens[5];
	int np = 0;
	const char *p = s, *end = s + n;
	while (np < 5) {
		const char *slash = memchr(p, '/', (size_t)(end - p));
		const char *e = slash ? slash : end;
		parts[np] = p;
		lens[np] = (size_t)(e - p);
		np++;
		if (!slash)
			break;
		p = slash + 1;
	}
	if (np != 5 || parts[4] + lens[4] != end) {
		snprintf(why, whylen, "Credential should be scoped to a valid region, not '%.*s'.", (int)(n < 200 ? n : 200), s);
		return -1;
	}
	if (copy_field(a->access_key, sizeof a->access_key, parts[0], lens[0]) ||
	    copy_field(a->date, sizeof a->date, parts[1], lens[1]) || lens[1] != 8 ||
	    copy_field(a->region, sizeof a->region, parts[2], lens[2]) ||
	    copy_field(a->service, sizeof a->service, parts[3], lens[3])) {
		snprintf(why, whylen, "Credential is malformed: '%.*s'.", (int)(n < 200 ? n : 200), s);
		return -1;
	}
	for (int i = 0; i < 8; i++)
		if (a->date[i] < '0' || a->date[i] > '9') {
			snprintf(why, whylen, "Invalid credential date \"%s\". This date is not the same as X-Amz-Date.", a->date);
			return -1;
		}
	if (lens[4] != 12 || memcmp(parts[4], "aws4_request", 12)) {
		snprintf(why, whylen, "Credential should be scoped with a valid terminator: 'aws4_request', not '%.*s'.",
			 (int)(lens[4] < 64 ? lens[4] : 64), parts[4]);
		return -1;
	}
	return 0;
}

static int check_hex_sig(const char *s, size_t n, struct sigv4_auth *a)
{
	if (n != 64)
		return -1;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return -1;
	}
	memcpy(a->signature, s, 64);
	a->signature[64] = 0;
	return 0;
}

int sigv4_parse_header(const char *value, struct sigv4_auth *a, char *why, size_t whylen)
{
	memset(a, 0, sizeof *a);
	size_t al = strlen(SIGV4_ALGO);
	if (strncmp(value, SIGV4_ALGO, al) || (value[al] != ' ' && value[al] != '\t')) {
		snprintf(why, whylen, "Unsupported authorization type: only %s is accepted.", SIGV4_ALGO);
		return SIGV4_MALFORMED;
	}
	const char *p = value + al;
	bool got_cred = false, got_sh = false, got_sig = false;
	while (*p) {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (!*p)
			break;
		const char *eq = strchr(p, '=');
		if (!eq) {
			snprintf(why, whylen, "Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' parameters.");
			return SIGV4_MALFORMED;
		}
		const char *v = eq + 1, *e = v;
		while (*e && *e != ',' && *e != ' ' && *e != '\t')
			e++;
		size_t kl = (size_t)(eq - p), vl = (size_t)(e - v);
		if (kl == 10 && !memcmp(p, "Credential", 10)) {
			if (parse_credential(v, vl, a, why, whylen))
				return SIGV4_MALFORMED;
			got_cred = true;
		} else if (kl == 13 && !memcmp(p, "SignedHeaders", 13)) {
			if (copy_field(a->signed_headers, sizeof a->signed_headers, v, vl))
				goto bad;
			got_sh = true;
		} else if (kl == 9 && !memcmp(p, "Signature", 9)) {
			if (check_hex_sig(v, vl, a))
				goto bad;
			got_sig = true;
		}
		p = e;
	}
	if (got_cred && got_sh && got_sig)
		return SIGV4_OK;
bad:
	snprintf(why, whylen, "Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' parameters.");
	return SIGV4_MALFORMED;
}

/* Decodes one query value into dst (NUL-terminated); -1 on bad escapes or overflow. */
static int decode_into(char *dst, size_t cap, const char *s, size_t n)
{
	if (n >= cap)
		return -1;
	memcpy(dst, s, n);
	long r = uri_decode(dst, n, false);
	if (r < 0)
		return -1;
	dst[r] = 0;
	if (memchr(dst, 0, (size_t)r))
		return -1;
	return 0;
}

int sigv4_parse_query(const char *query, struct sigv4_auth *a, char *why, size_t whylen)
{
	memset(a, 0, sizeof *a);
	bool algo = false, cred = false, date = false, sh = false, sig = false, exp = false;
	char tmp[2048];
	const char *p = query;
	while (*p) {
		const char *amp = strchr(p, '&');
		const char *end = amp ? amp : p + strlen(p);
		const char *eq = memchr(p, '=', (size_t)(end - p));
		if (eq && end - p > 6 && !memcmp(p, "X-Amz-", 6)) {
			size_t kl = (size_t)(eq - p);
			const char *k = p;
			if (decode_into(tmp, sizeof tmp, eq + 1, (size_t)(end - eq - 1))) {
				snprintf(why, whylen, "Query-string authentication parameter %.*s is malformed.", (int)kl, k);
				return SIGV4_MALFORMED;
			}
			size_t tl = strlen(tmp);
			if (kl == 15 && !memcmp(k, "X-Amz-Algorithm", 15)) {
				if (strcmp(tmp, SIGV4_ALGO)) {
					snprintf(why, whylen, "X-Amz-Algorithm only supports \"%s\".", SIGV4_ALGO);
					return SIGV4_MALFORMED;
				}
				algo = true;
			} else if (kl == 16 && !memcmp(k, "X-Amz-Credential", 16)) {
				if (parse_credential(tmp, tl, a, why, whylen))
					return SIGV4_MALFORMED;
				cred = true;
			} else if (kl == 10 && !memcmp(k, "X-Amz-Date", 10)) {
				if (copy_field(a->amz_date, sizeof a->amz_date, tmp, tl) || tl != 16) {
					snprintf(why, whylen, "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\".");
					return SIGV4_MALFORMED;
				}
				date = true;
			} else if (kl == 19 && !memcmp(k, "X-Amz-SignedHeaders", 19)) {
				if (copy_field(a->signed_headers, sizeof a->signed_headers, tmp, tl))
					return SIGV4_MALFORMED;
				sh = true;
			} else if (kl == 15 && !memcmp(k, "X-Amz-Signature", 15)) {
				if (check_hex_sig(tmp, tl, a)) {
					snprintf(why, whylen, "X-Amz-Signature must be 64 lower-case hex digits.");
					return SIGV4_MALFORMED;
				}
				sig = true;
			} else if (kl == 13 && !memcmp(k, "X-Amz-Expires", 13)) {
				char *e;
				long long v = strtoll(tmp, &e, 10);
				if (!tl || *e || v < 0) {
					snprintf(why, whylen, "X-Amz-Expires should be a number");
					return SIGV4_MALFORMED;
				}
				if (v > 604800) {
					snprintf(why, whylen, "X-Amz-Expires must be less than a week (in seconds) that is 604800");
					return SIGV4_MALFORMED;
				}
				a->expires = v;
				exp = true;
			} else if (kl == 20 && !memcmp(k, "X-Amz-Security-Token", 20)) {
				if (tl >= sizeof a->security_token)
					return SIGV4_MALFORMED;
				memcpy(a->security_token, tmp, tl + 1);
			}
		}
		if (!amp)
			break;
		p = amp + 1;
	}
	if (!sig && !cred)
		return SIGV4_NO_AUTH;
	if (!(algo && cred && date && sh && sig && exp)) {
		snprintf(why, whylen,
			 "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, "
			 "X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.");
		return SIGV4_MALFORMED;
	}
	a->presigned = true;
	return SIGV4_OK;
}

/* Removes "." and ".." segments and empty segments, keeping a trailing slash. */
static void normalize_path(struct buf *out, const char *path)
{
	const char *p = path;
	size_t base = out->len;
	bool trailing = false;
	buf_addc(out, '/');
	while (*p) {
		while (*p == '/')
			p++;
		if (!*p) {
			break;
		}
		const char *e = strchr(p, '/');
		if (!e)
			e = p + strlen(p);
		size_t n = (size_t)(e - p);
		trailing = *e == '/';
		if (n == 1 && p[0] == '.') {
			/* nothing */
		} else if (n == 2 && p[0] == '.' && p[1] == '.') {
			/* drop the last segment written */
			while (out->len > base + 1 && out->data[out->len - 1] == '/')
				out->len--;
			while (out->len > base + 1 && out->data[out->len - 1] != '/')
				out->len--;
			out->data[out->len] = 0;
		} else {
			if (out->data[out->len - 1] != '/')
				buf_addc(out, '/');
			buf_add(out, p, n);
		}
		p = e;
	}
	if (trailing && out->data[out->len - 1] != '/')
		buf_addc(out, '/');
}

struct qpair {
	const char *k, *v; /* into the raw query when it is canonical already, else into scratch */
	uint32_t klen, vlen;
};

static int qpair_cmp(const void *x, const void *y)
{
	const struct qpair *a = x, *b = y;
	size_t n = a->klen < b->klen ? a->klen : b->klen;
	int c = memcmp(a->k, b->k, n);
	if (c)
		return c;
	if (a->klen != b->klen)
		return a->klen < b->klen ? -1 : 1;
	n = a->vlen < b->vlen ? a->vlen : b->vlen;
	c = memcmp(a->v, b->v, n);
	if (c)
		return c;
	return a->vlen < b->vlen ? -1 : a->vlen > b->vlen;
}

/* Where re-encoded query parts go: scratch gets its room (three bytes per
 * raw byte at most) and tmp its raw-length buffer the first time a part
 * needs them, so that the pointers handed out stay valid. */
struct requery {
	struct buf scratch;
	char *tmp;
	size_t qlen;
};

/* A query key or value as SigV4 canonicalizes it: encode(decode(raw)). That
 * is the raw text itself when the client sent it that way (the usual case),
 * and then nothing is copied; otherwise it is re-encoded into rq->scratch. */
static int canonical_part(struct requery *rq, const char *raw, size_t n, const char **out, uint32_t *len)
{
	if (uri_is_encoded(raw, n)) {
		*out = raw;
		*len = (uint32_t)n;
		return 0;
	}
	if (!rq->tmp) {
		rq->tmp = xmalloc(rq->qlen + 1);
		if (buf_reserve(&rq->scratch, 3 * rq->qlen))
			return -1;
	}
	memcpy(rq->tmp, raw, n);
	long dl = uri_decode(rq->tmp, n, false);
	size_t at = rq->scratch.len;
	if (dl < 0 || uri_encode(&rq->scratch, rq->tmp, (size_t)dl, 0))
		return -1;
	*out = rq->scratch.data + at;
	*len = (uint32_t)(rq->scratch.len - at);
	return 0;
}

static int canonical_query(struct buf *out, const char *query, bool presigned, bool skip_token)
{
	struct requery rq = {.qlen = strlen(query)};
	buf_init(&rq.scratch, 3 * rq.qlen + 1);
	struct qpair small[32], *pairs = small;
	size_t np = 0, cap = 32;
	int rc = -1;
	const char *p = query;
	while (*p) {
		const char *amp = strchr(p, '&');
		const char *end = amp ? amp : p + strlen(p);
		if (end > p) {
			const char *eq = memchr(p, '=', (size_t)(end - p));
			const char *ke = eq ? eq : end;
			const char *vs = eq ? eq + 1 : end;
			bool skip = presigned && ke - p == 15 && !memcmp(p, "X-Amz-Signature", 15);
			skip |= skip_token && ke - p == 20 && !memcmp(p, "X-Amz-Security-Token", 20);
			if (!skip) {
				if (np == MAX_QUERY_PARAMS)
					goto out;
				if (np == cap) {
					cap *= 2;
					if (pairs == small) {
						pairs = xmalloc(cap * sizeof *pairs);
						memcpy(pairs, small, sizeof small);
					} else {
						pairs = xrealloc(pairs, cap * sizeof *pairs);
					}
				}
				struct qpair *q = &pairs[np++];
				if (canonical_part(&rq, p, (size_t)(ke - p), &q->k, &q->klen) ||
				    canonical_part(&rq, vs, (size_t)(end - vs), &q->v, &q->vlen))
					goto out;
			}
		}
		if (!amp)
			break;
		p = amp + 1;
	}
	/* Clients usually send the parameters sorted already. */
	for (size_t i = 1; i < np; i++)
		if (qpair_cmp(&pairs[i - 1], &pairs[i]) > 0) {
			qsort(pairs, np, sizeof *pairs, qpair_cmp);
			break;
		}
	for (size_t i = 0; i < np; i++) {
		if (i)
			buf_addc(out, '&');
		buf_add(out, pairs[i].k, pairs[i].klen);
		buf_addc(out, '=');
		buf_add(out, pairs[i].v, pairs[i].vlen);
	}
	rc = 0;
out:
	if (pairs != small)
		free(pairs);
	free(rq.tmp);
	buf_free(&rq.scratch);
	return rc;
}

static bool is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Appends a header value trimmed, with runs of whitespace collapsed to one
 * space; runs of ordinary bytes are copied in one piece. */
static void add_trimmed(struct buf *out, const char *v, size_t n)
{
	size_t i = 0;
	while (i < n && is_ws(v[i]))
		i++;
	while (n > i && is_ws(v[n - 1]))
		n--;
	while (i < n) {
		size_t j = i;
		while (j < n && !is_ws(v[j]))
			j++;
		buf_add(out, v + i, j - i);
		if (j == n)
			break;
		buf_addc(out, ' ');
		while (j < n && is_ws(v[j]))
			j++;
		i = j;
	}
}

static int canonical(struct buf *out, const struct sigv4_msg *m, const struct sigv4_auth *a, bool skip_token)
{
	buf_adds(out, m->method);
	buf_addc(out, '\n');
	const char *path = m->path && *m->path ? m->path : "/";
	if (m->s3) {
		buf_adds(out, path);
	} else {
		struct buf np;
		buf_init(&np, 1 << 20);
		if (m->normalize_path)
			normalize_path(&np, path);
		else
			buf_adds(&np, path);
		if (m->encode_path)
			uri_encode(out, np.data, np.len, URI_KEEP_SLASH);
		else
			buf_add(out, np.data, np.len);
		buf_free(&np);
	}
	buf_addc(out, '\n');
	if (canonical_query(out, m->query ? m->query : "", a->presigned, skip_token))
		return -1;
	buf_addc(out, '\n');
	/* canonical headers, in SignedHeaders order */
	const char *sh = a->signed_headers;
	while (*sh) {
		const char *semi = strchr(sh, ';');
		size_t n = semi ? (size_t)(semi - sh) : strlen(sh);
		buf_add(out, sh, n);
		buf_addc(out, ':');
		bool first = true;
		for (int i = 0; i < m->nheaders; i++) {
			const struct http_header *h = &m->headers[i];
			if (h->nlen == n && !strncasecmp(h->name, sh, n)) {
				if (!first)
					buf_addc(out, ',');
				add_trimmed(out, h->value, h->vlen);
				first = false;
			}
		}
		buf_addc(out, '\n');
		sh += n;
		if (*sh == ';')
			sh++;
	}
	buf_addc(out, '\n');
	buf_adds(out, a->signed_headers);
	buf_addc(out, '\n');
	buf_adds(out, m->payload_hash ? m->payload_hash : SIGV4_EMPTY_SHA256);
	return out->len >= out->max ? -1 : 0;
}

int sigv4_canonical_request(struct buf *out, const struct sigv4_msg *m, const struct sigv4_auth *a)
{
	return canonical(out, m, a, false);
}

static void add_scope(struct buf *out, const struct sigv4_auth *a)
{
	buf_adds(out, a->date);
	buf_addc(out, '/');
	buf_adds(out, a->region);
	buf_addc(out, '/');
	buf_adds(out, a->service);
	buf_adds(out, "/aws4_request");
}

void sigv4_string_to_sign(struct buf *out, const struct sigv4_auth *a, const char *creq, size_t creqlen)
{
	char hex[65];
	sha256_hex(creq, creqlen, hex);
	buf_adds(out, SIGV4_ALGO "\n");
	buf_adds(out, a->amz_date);
	buf_addc(out, '\n');
	add_scope(out, a);
	buf_addc(out, '\n');
	buf_add(out, hex, 64);
}

/* Derived keys change once a day per (secret, region, service): cache a
 * few per thread, compared field by field (no formatting on the hot path). */
struct key_cache_entry {
	char secret[128], date[9], region[64], service[64];
	unsigned char key[SHA256_LEN];
	bool used;
};

static _Thread_local struct key_cache_entry key_cache[4];
static _Thread_local unsigned key_cache_next;

static bool fits(const char *s, size_t cap)
{
	return strlen(s) < cap;
}

void sigv4_signing_key(const char *secret, const char *date, const char *region, const char *service,
		       unsigned char key[SHA256_LEN])
{
	bool cacheable = fits(secret, 128) && fits(date, 9) && fits(region, 64) && fits(service, 64);
	if (cacheable) {
		for (int i = 0; i < 4; i++) {
			struct key_cache_entry *e = &key_cache[i];
			if (e->used && !strcmp(e->date, date) && !strcmp(e->secret, secret) && !strcmp(e->region, region) &&
			    !strcmp(e->service, service)) {
				memcpy(key, e->key, SHA256_LEN);
				return;
			}
		}
	}
	char k0[300];
	int kl = snprintf(k0, sizeof k0, "AWS4%s", secret);
	if (kl < 0 || (size_t)kl >= sizeof k0)
		kl = (int)sizeof k0 - 1;
	unsigned char k1[SHA256_LEN], k2[SHA256_LEN], k3[SHA256_LEN];
	hmac_sha256(k0, (size_t)kl, date, strlen(date), k1);
	hmac_sha256(k1, SHA256_LEN, region, strlen(region), k2);
	hmac_sha256(k2, SHA256_LEN, service, strlen(service), k3);
	hmac_sha256(k3, SHA256_LEN, "aws4_request", 12, key);
	OPENSSL_cleanse(k0, sizeof k0);
	if (cacheable) {
		struct key_cache_entry *e = &key_cache[key_cache_next++ % 4];
		memcpy(e->secret, secret, strlen(secret) + 1);
		memcpy(e->date, date, strlen(date) + 1);
		memcpy(e->region, region, strlen(region) + 1);
		memcpy(e->service, service, strlen(service) + 1);
		memcpy(e->key, key, SHA256_LEN);
		e->used = true;
	}
}

void sigv4_sign(const unsigned char key[SHA256_LEN], const char *sts, size_t len, char out[65])
{
	unsigned char mac[SHA256_LEN];
	hmac_sha256(key, SHA256_LEN, sts, len, mac);
	hex_encode(mac, SHA256_LEN, out);
}

static int verify(const struct sigv4_msg *m, const struct sigv4_auth *a, const char *secret, bool skip_token)
{
	struct buf creq, sts;
	buf_init(&creq, 1 << 22);
	buf_init(&sts, 4096);
	int rc = SIGV4_MALFORMED;
	if (canonical(&creq, m, a, skip_token))
		goto out;
	sigv4_string_to_sign(&sts, a, creq.data, creq.len);
	unsigned char key[SHA256_LEN];
	sigv4_signing_key(secret, a->date, a->region, a->service, key);
	char sig[65];
	sigv4_sign(key, sts.data, sts.len, sig);
	rc = CRYPTO_memcmp(sig, a->signature, 64) ? SIGV4_MISMATCH : SIGV4_OK;
out:
	buf_free(&creq);
	buf_free(&sts);
	return rc;
}

int sigv4_verify(const struct sigv4_msg *m, const struct sigv4_auth *a, const char *secret)
{
	int rc = verify(m, a, secret, false);
	/* Some signers (AWS IoT's presigned WebSocket URLs, aws-c-auth's
	 * omit_session_token mode) append X-Amz-Security-Token after signing. */
	if (rc == SIGV4_MISMATCH && a->presigned && a->security_token[0])
		rc = verify(m, a, secret, true);
	return rc;
}

static void chained(const unsigned char key[SHA256_LEN], const char *kind, const struct sigv4_auth *a,
		    const char *prev, const char *empty_hash, const unsigned char sha[SHA256_LEN], char out[65])
{
	char hex[65];
	hex_encode(sha, SHA256_LEN, hex);
	struct buf s;
	buf_init(&s, 4096);
	buf_adds(&s, kind);
	buf_addc(&s, '\n');
	buf_adds(&s, a->amz_date);
	buf_addc(&s, '\n');
	add_scope(&s, a);
	buf_addc(&s, '\n');
	buf_adds(&s, prev);
	buf_addc(&s, '\n');
	if (empty_hash) {
		buf_adds(&s, empty_hash);
		buf_addc(&s, '\n');
	}
	buf_adds(&s, hex);
	sigv4_sign(key, s.data, s.len, out);
	buf_free(&s);
}

void sigv4_chunk_signature(const unsigned char key[SHA256_LEN], const struct sigv4_auth *a, const char *prev,
			   const unsigned char data_sha[SHA256_LEN], char out[65])
{
	chained(key, "AWS4-HMAC-SHA256-PAYLOAD", a, prev, SIGV4_EMPTY_SHA256, data_sha, out);
}

void sigv4_trailer_signature(const unsigned char key[SHA256_LEN], const struct sigv4_auth *a, const char *prev,
			     const unsigned char trailer_sha[SHA256_LEN], char out[65])
{
	chained(key, "AWS4-HMAC-SHA256-TRAILER", a, prev, NULL, trailer_sha, out);
}
