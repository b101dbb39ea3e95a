/* sigv2.c — see sigv2.h. The string to sign, as botocore's HmacV1Auth
 * builds it:
 *   VERB \n Content-MD5 \n Content-Type \n Date-or-Expires \n
 *   x-amz-* headers (lower-cased, sorted, "name:v1,v2") each + \n
 *   resource [? sub-resources of interest, sorted, values decoded]
 * For a presigned URL, headers botocore moved into the query (content-type,
 * content-md5, x-amz-*) count as if they were headers, and Date is Expires.
 * A request with x-amz-date signs an empty Date line (S3's rule). */
#include "http/sigv2.h"
#include "core/buf.h"
#include "core/enc.h"
#include "core/hash.h"
#include "core/mem.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const subresources[] = {
	"accelerate", "acl", "analytics", "cors", "defaultObjectAcl", "delete", "inventory", "lifecycle", "location",
	"logging", "metrics", "notification", "object-lock", "partNumber", "policy", "replication", "requestPayment",
	"response-cache-control", "response-content-disposition", "response-content-encoding",
	"response-content-language", "response-content-type", "response-expires", "restore", "select", "select-type",
	"storageClass", "tagging", "torrent", "uploadId", "uploads", "versionId", "versioning", "versions", "website",
	NULL,
};

int sigv2_parse_header(const char *v, struct sigv2_auth *a)
{
	memset(a, 0, sizeof *a);
	if (strncmp(v, "AWS ", 4))
		return -1;
	const char *ak = v + 4, *colon = strrchr(ak, ':');
	if (!colon || colon == ak || (size_t)(colon - ak) >= sizeof a->access_key || strlen(colon + 1) >= sizeof a->signature ||
	    !colon[1])
		return -1;
	memcpy(a->access_key, ak, (size_t)(colon - ak));
	a->access_key[colon - ak] = 0;
	snprintf(a->signature, sizeof a->signature, "%s", colon + 1);
	return 0;
}

/* Finds name=value in a raw query; copies the decoded value. 1, 0 (absent), -1. */
static int qget(const char *q, const char *name, char *out, size_t outlen)
{
	size_t nl = strlen(name);
	for (const char *p = q; p && *p;) {
		const char *amp = strchr(p, '&');
		const char *e = amp ? amp : p + strlen(p);
		if ((size_t)(e - p) > nl && !strncmp(p, name, nl) && p[nl] == '=') {
			size_t vl = (size_t)(e - p - nl - 1);
			if (vl >= outlen)
				return -1;
			memcpy(out, p + nl + 1, vl);
			long dl = uri_decode(out, vl, false);
			if (dl < 0)
				return -1;
			out[dl] = 0;
			return 1;
		}
		p = amp ? amp + 1 : NULL;
	}
	return 0;
}

/* Whether name=... is one of q's parameters (a quick test before qget's walks). */
static bool has_param(const char *q, const char *name)
{
	size_t nl = strlen(name);
	for (const char *p = q; (p = strstr(p, name)); p += nl)
		if ((p == q || p[-1] == '&') && p[nl] == '=')
			return true;
	return false;
}

int sigv2_parse_query(const char *query, struct sigv2_auth *a)
{
	memset(a, 0, sizeof *a);
	if (!has_param(query, "AWSAccessKeyId") && !has_param(query, "Signature"))
		return 0;
	char exp[32];
	int k = qget(query, "AWSAccessKeyId", a->access_key, sizeof a->access_key);
	int s = qget(query, "Signature", a->signature, sizeof a->signature);
	int e = qget(query, "Expires", exp, sizeof exp);
	if (k == 0 && s == 0)
		return 0;
	if (k != 1 || s != 1 || e != 1)
		return -1;
	char *end;
	long long v = strtoll(exp, &end, 10);
	if (*end || v <= 0)
		return -1;
	a->expires = v;
	a->presigned = true;
	return 1;
}

struct kv {
	char *k, *v;
};

static int kv_cmp(const void *x, const void *y)
{
	return strcmp(((const struct kv *)x)->k, ((const struct kv *)y)->k);
}

/* A header's value, or (presigned) the query parameter of that name. */
static const char *std_header(const struct http_request *req, const char *name, bool presigned, char *tmp, size_t tl)
{
	if (presigned && qget(req->query, name, tmp, tl) == 1)
		return tmp;
	const char *v = http_header(req, name);
	return v ? v : "";
}

int sigv2_string_to_sign(struct buf *out, const struct http_request *req, const char *resource,
			 const struct sigv2_auth *a)
{
	char tmp[1024];
	buf_adds(out, req->method);
	buf_addc(out, '\n');
	buf_adds(out, std_header(req, "content-md5", a->presigned, tmp, sizeof tmp));
	buf_addc(out, '\n');
	buf_adds(out, std_header(req, "content-type", a->presigned, tmp, sizeof tmp));
	buf_addc(out, '\n');
	if (a->presigned)
		buf_addf(out, "%lld", (long long)a->expires);
	else if (!http_header(req, "x-amz-date") && http_header(req, "date"))
		buf_adds(out, http_header(req, "date"));
	buf_addc(out, '\n');
	/* x-amz-* headers (and, presigned, query parameters named x-amz-*) */
	struct kv amz[160];
	int n = 0, rc = -1;
	for (int i = 0; i < req->nheaders && n < 128; i++) {
		if (strncmp(req->headers[i].name, "x-amz-", 6))
			continue;
		int j;
		for (j = 0; j < n && strcmp(amz[j].k, req->headers[i].name); j++)
			;
		char *v = xstrndup(req->headers[i].value, req->headers[i].vlen);
		if (j < n) {
			char *joined = xmalloc(strlen(amz[j].v) + strlen(v) + 2);
			snprintf(joined, strlen(amz[j].v) + strlen(v) + 2, "%s,%s", amz[j].v, v);
			free(amz[j].v);
			free(v);
			amz[j].v = joined;
		} else {
			amz[n++] = (struct kv){xstrdup(req->headers[i].name), v};
		}
	}
	if (a->presigned) {
		for (const char *p = req->query; p && *p && n < 160;) {
			const char *amp = strchr(p, '&'), *e = amp ? amp : p + strlen(p);
			const char *eq = memchr(p, '=', (size_t)(e - p));
			if (eq && !strncasecmp(p, "x-amz-", 6)) {
				char *k = xstrndup(p, (size_t)(eq - p)), *v = xstrndup(eq + 1, (size_t)(e - eq - 1));
				long kl = uri_decode(k, strlen(k), false), vl = uri_decode(v, strlen(v), false);
				if (kl < 0 || vl < 0) {
					free(k);
					free(v);
					goto out;
				}
				for (char *c = k; *c; c++)
					if (*c >= 'A' && *c <= 'Z')
						*c = (char)(*c + 32);
				amz[n++] = (struct kv){k, v};
			}
			p = amp ? amp + 1 : NULL;
		}
	}
	qsort(amz, (size_t)n, sizeof *amz, kv_cmp);
	for (int i = 0; i < n; i++)
		buf_addf(out, "%s:%s\n", amz[i].k, amz[i].v);
	buf_adds(out, resource);
	/* sub-resources of interest, sorted by name, values decoded */
	struct kv sub[64];
	int ns = 0;
	for (const char *p = req->query; p && *p && ns < 64;) {
		const char *amp = strchr(p, '&'), *e = amp ? amp : p + strlen(p);
		const char *eq = memchr(p, '=', (size_t)(e - p));
		size_t kl = (size_t)((eq ? eq : e) - p);
		for (int i = 0; subresources[i]; i++) {
			if (strlen(subresources[i]) == kl && !strncmp(p, subresources[i], kl)) {
				char *v = NULL;
				if (eq) {
					v = xstrndup(eq + 1, (size_t)(e - eq - 1));
					long vl = uri_decode(v, strlen(v), false);
					if (vl < 0) {
						free(v);
						goto out_sub;
					}
				}
				sub[ns++] = (struct kv){xstrndup(p, kl), v};
				break;
			}
		}
		p = amp ? amp + 1 : NULL;
	}
	qsort(sub, (size_t)ns, sizeof *sub, kv_cmp);
	for (int i = 0; i < ns; i++) {
		buf_addc(out, i ? '&' : '?');
		buf_adds(out, sub[i].k);
		if (sub[i].v) {
			buf_addc(out, '=');
			buf_adds(out, sub[i].v);
		}
	}
	rc = 0;
out_sub:
	for (int i = 0; i < ns; i++) {
		free(sub[i].k);
		free(sub[i].v);
	}
out:
	for (int i = 0; i < n; i++) {
		free(amz[i].k);
		free(amz[i].v);
	}
	return rc;
}

void sigv2_sign(const char *secret, const char *sts, size_t len, char out[64])
{
	unsigned char mac[SHA1_LEN];
	hmac_sha1(secret, strlen(secret), sts, len, mac);
	base64_encode(mac, SHA1_LEN, out);
}

int sigv2_verify(const struct http_request *req, const char *resource, const struct sigv2_auth *a, const char *secret)
{
	struct buf sts;
	buf_init(&sts, 1 << 20);
	int rc = -1;
	if (sigv2_string_to_sign(&sts, req, resource, a) == 0) {
		char sig[64];
		sigv2_sign(secret, buf_str(&sts), sts.len, sig);
		rc = strlen(sig) == strlen(a->signature) && !CRYPTO_memcmp(sig, a->signature, strlen(sig)) ? 0 : -1;
	}
	buf_free(&sts);
	return rc;
}
