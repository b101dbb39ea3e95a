/* The AWS Signature Version 4 test suite (../shared/conformance/sigv4/v4):
 * for every case, both header and query signing must reproduce the canonical
 * request, string to sign and signature exactly, the signed request must
 * verify, and it must stop verifying once a signed part changes. */
#include "unit.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/enc.h"
#include "core/hash.h"
#include "core/mem.h"
#include "http/sigv4.h"

#include <dirent.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

struct treq {
	char method[16];
	char *path, *query;
	struct http_header h[64];
	char *names[64], *values[64];
	int nh;
	char *body;
	size_t bodylen;
};

static char *slurp(const char *dir, const char *name, size_t *len)
{
	char path[1024];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	struct buf b;
	buf_init(&b, 1 << 20);
	char tmp[4096];
	size_t n;
	while ((n = fread(tmp, 1, sizeof tmp, f)) > 0)
		buf_add(&b, tmp, n);
	fclose(f);
	return buf_detach(&b, len);
}

static void treq_free(struct treq *r)
{
	free(r->path);
	free(r->query);
	for (int i = 0; i < r->nh; i++) {
		free(r->names[i]);
		free(r->values[i]);
	}
	free(r->body);
	memset(r, 0, sizeof *r);
}

static void treq_add(struct treq *r, const char *name, size_t nl, const char *value, size_t vl)
{
	int i = r->nh++;
	r->names[i] = xstrndup(name, nl);
	for (char *c = r->names[i]; *c; c++)
		if (*c >= 'A' && *c <= 'Z')
			*c = (char)(*c + 32);
	r->values[i] = xstrndup(value, vl);
	r->h[i].name = r->names[i];
	r->h[i].nlen = (uint32_t)nl;
	r->h[i].value = r->values[i];
	r->h[i].vlen = (uint32_t)vl;
}

/* The suite's request files use LF line ends, unencoded paths and folded header lines. */
static int treq_parse(const char *text, struct treq *r)
{
	memset(r, 0, sizeof *r);
	const char *p = text;
	const char *nl = strchr(p, '\n');
	if (!nl)
		nl = p + strlen(p);
	const char *sp1 = memchr(p, ' ', (size_t)(nl - p));
	const char *sp2 = nl;
	while (sp2 > sp1 && *sp2 != ' ')
		sp2--;
	if (!sp1 || sp2 <= sp1)
		return -1;
	snprintf(r->method, sizeof r->method, "%.*s", (int)(sp1 - p), p);
	const char *t = sp1 + 1;
	const char *q = memchr(t, '?', (size_t)(sp2 - t));
	r->path = xstrndup(t, (size_t)((q ? q : sp2) - t));
	r->query = q ? xstrndup(q + 1, (size_t)(sp2 - q - 1)) : xstrdup("");
	p = *nl ? nl + 1 : nl;
	while (*p && *p != '\n') {
		nl = strchr(p, '\n');
		if (!nl)
			nl = p + strlen(p);
		if ((*p == ' ' || *p == '\t') && r->nh) {
			/* folded continuation: append to the previous value */
			int i = r->nh - 1;
			size_t ol = strlen(r->values[i]), add = (size_t)(nl - p);
			r->values[i] = xrealloc(r->values[i], ol + add + 2);
			r->values[i][ol] = '\n';
			memcpy(r->values[i] + ol + 1, p, add);
			r->values[i][ol + 1 + add] = 0;
			r->h[i].value = r->values[i];
			r->h[i].vlen = (uint32_t)(ol + 1 + add);
		} else {
			const char *colon = memchr(p, ':', (size_t)(nl - p));
			if (!colon)
				return -1;
			treq_add(r, p, (size_t)(colon - p), colon + 1, (size_t)(nl - colon - 1));
		}
		p = *nl ? nl + 1 : nl;
	}
	if (*p == '\n')
		p++;
	r->bodylen = strlen(p);
	r->body = xstrndup(p, r->bodylen);
	return 0;
}

static const char *treq_header(const struct treq *r, const char *lname)
{
	for (int i = 0; i < r->nh; i++)
		if (!strcmp(r->names[i], lname))
			return r->values[i];
	return NULL;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* SignedHeaders: every header name in the request, sorted and unique. */
static void signed_headers_of(const struct treq *r, char *out, size_t cap)
{
	char *names[64];
	int n = 0;
	for (int i = 0; i < r->nh; i++) {
		bool dup = false;
		for (int j = 0; j < n; j++)
			if (!strcmp(names[j], r->names[i]))
				dup = true;
		if (!dup)
			names[n++] = r->names[i];
	}
	qsort(names, (size_t)n, sizeof *names, cmp_str);
	out[0] = 0;
	size_t len = 0;
	for (int i = 0; i < n; i++)
		len += (size_t)snprintf(out + len, cap - len, "%s%s", i ? ";" : "", names[i]);
}

static int expect_file(const char *dir, const char *name, const char *actual, const char *what, const char *cs)
{
	size_t len;
	char *want = slurp(dir, name, &len);
	if (!want) {
		unit_fail(__FILE__, __LINE__, "%s: missing %s", cs, name);
		return -1;
	}
	int rc = strcmp(want, actual) ? -1 : 0;
	if (rc)
		unit_fail(__FILE__, __LINE__, "%s: %s differs\n--- want\n%s\n--- got\n%s", cs, what, want, actual);
	free(want);
	return rc;
}

struct ctx {
	const char *ak, *sk, *token, *region, *service;
	bool normalize, sign_body, omit_token;
	int64_t expires;
	char amz_date[17], date[9];
};

static void fill_auth(struct sigv4_auth *a, const struct ctx *c)
{
	memset(a, 0, sizeof *a);
	snprintf(a->access_key, sizeof a->access_key, "%s", c->ak);
	memcpy(a->date, c->date, 9);
	memcpy(a->amz_date, c->amz_date, 17);
	snprintf(a->region, sizeof a->region, "%s", c->region);
	snprintf(a->service, sizeof a->service, "%s", c->service);
}

static void msg_of(struct sigv4_msg *m, const struct treq *r, const struct ctx *c, const char *payload_hash)
{
	memset(m, 0, sizeof *m);
	m->method = r->method;
	m->path = r->path;
	m->query = r->query;
	m->headers = r->h;
	m->nheaders = r->nh;
	m->payload_hash = payload_hash;
	m->encode_path = true;
	m->normalize_path = c->normalize;
}

/* Signs one case both ways; returns the number of failed checks. */
static int run_case(const char *dir, const char *cs)
{
	int fails = 0;
	size_t len;
	char *ctxtext = slurp(dir, "context.json", &len), *reqtext = slurp(dir, "request.txt", &len);
	json_t *j = ctxtext ? json_loads(ctxtext, 0, NULL) : NULL;
	if (!j || !reqtext) {
		unit_fail(__FILE__, __LINE__, "%s: unreadable case", cs);
		free(ctxtext);
		free(reqtext);
		json_decref(j);
		return 1;
	}
	struct ctx c = {0};
	json_t *cred = json_object_get(j, "credentials");
	c.ak = json_string_value(json_object_get(cred, "access_key_id"));
	c.sk = json_string_value(json_object_get(cred, "secret_access_key"));
	c.token = json_string_value(json_object_get(cred, "token"));
	c.region = json_string_value(json_object_get(j, "region"));
	c.service = json_string_value(json_object_get(j, "service"));
	c.normalize = json_is_true(json_object_get(j, "normalize"));
	c.sign_body = json_is_true(json_object_get(j, "sign_body"));
	c.omit_token = json_is_true(json_object_get(j, "omit_session_token"));
	c.expires = json_integer_value(json_object_get(j, "expiration_in_seconds"));
	const char *ts = json_string_value(json_object_get(j, "timestamp"));
	int64_t ms;
	time_parse_iso8601(ts, strlen(ts), &ms);
	time_fmt_amz(ms, c.amz_date);
	memcpy(c.date, c.amz_date, 8);
	c.date[8] = 0;

	char body_hash[65];
	struct treq r;
	struct buf creq, sts;
	buf_init(&creq, 1 << 20);
	buf_init(&sts, 1 << 16);
	unsigned char key[SHA256_LEN];
	char sig[65];
	sigv4_signing_key(c.sk, c.date, c.region, c.service, key);

	/* --- header signing --- */
	if (treq_parse(reqtext, &r) == 0) {
		sha256_hex(r.body, r.bodylen, body_hash);
		treq_add(&r, "x-amz-date", 10, c.amz_date, 16);
		if (c.token && !c.omit_token)
			treq_add(&r, "x-amz-security-token", 20, c.token, strlen(c.token));
		if (c.sign_body)
			treq_add(&r, "x-amz-content-sha256", 20, body_hash, 64);
		struct sigv4_auth a;
		fill_auth(&a, &c);
		signed_headers_of(&r, a.signed_headers, sizeof a.signed_headers);
		struct sigv4_msg m;
		msg_of(&m, &r, &c, body_hash);
		if (sigv4_canonical_request(&creq, &m, &a))
			fails++;
		fails += expect_file(dir, "header-canonical-request.txt", buf_str(&creq), "header canonical request", cs) ? 1 : 0;
		sigv4_string_to_sign(&sts, &a, creq.data, creq.len);
		fails += expect_file(dir, "header-string-to-sign.txt", buf_str(&sts), "header string to sign", cs) ? 1 : 0;
		sigv4_sign(key, sts.data, sts.len, sig);
		fails += expect_file(dir, "header-signature.txt", sig, "header signature", cs) ? 1 : 0;
	} else {
		fails++;
	}
	treq_free(&r);
	buf_reset(&creq);
	buf_reset(&sts);

	/* --- query signing (presigned URL) --- */
	if (treq_parse(reqtext, &r) == 0) {
		sha256_hex(r.body, r.bodylen, body_hash);
		struct sigv4_auth a;
		fill_auth(&a, &c);
		a.presigned = true;
		signed_headers_of(&r, a.signed_headers, sizeof a.signed_headers);
		struct buf q, cr;
		buf_init(&q, 1 << 16);
		buf_init(&cr, 1024);
		buf_adds(&q, r.query);
		buf_addf(&cr, "%s/%s/%s/%s/aws4_request", c.ak, c.date, c.region, c.service);
		buf_addf(&q, "%sX-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=", *r.query ? "&" : "");
		uri_encode(&q, cr.data, cr.len, 0);
		buf_addf(&q, "&X-Amz-Date=%s&X-Amz-SignedHeaders=", c.amz_date);
		uri_encode(&q, a.signed_headers, strlen(a.signed_headers), 0);
		buf_addf(&q, "&X-Amz-Expires=%lld", (long long)c.expires);
		if (c.token && !c.omit_token) {
			buf_adds(&q, "&X-Amz-Security-Token=");
			uri_encode(&q, c.token, strlen(c.token), 0);
		}
		free(r.query);
		r.query = buf_detach(&q, NULL);
		buf_free(&cr);
		struct sigv4_msg m;
		msg_of(&m, &r, &c, body_hash);
		if (sigv4_canonical_request(&creq, &m, &a))
			fails++;
		fails += expect_file(dir, "query-canonical-request.txt", buf_str(&creq), "query canonical request", cs) ? 1 : 0;
		sigv4_string_to_sign(&sts, &a, creq.data, creq.len);
		fails += expect_file(dir, "query-string-to-sign.txt", buf_str(&sts), "query string to sign", cs) ? 1 : 0;
		sigv4_sign(key, sts.data, sts.len, sig);
		fails += expect_file(dir, "query-signature.txt", sig, "query signature", cs) ? 1 : 0;
	} else {
		fails++;
	}
	treq_free(&r);

	/* --- the signed requests must verify, and fail once tampered with --- */
	const char *signed_files[] = {"header-signed-request.txt", "query-signed-request.txt"};
	for (int v = 0; v < 2; v++) {
		char *text = slurp(dir, signed_files[v], &len);
		if (!text || treq_parse(text, &r)) {
			unit_fail(__FILE__, __LINE__, "%s: cannot read %s", cs, signed_files[v]);
			fails++;
			free(text);
			continue;
		}
		struct sigv4_auth a;
		char why[256];
		int prc;
		if (v == 0) {
			prc = sigv4_parse_header(treq_header(&r, "authorization"), &a, why, sizeof why);
			const char *d = treq_header(&r, "x-amz-date");
			snprintf(a.amz_date, sizeof a.amz_date, "%s", d ? d : "");
		} else {
			prc = sigv4_parse_query(r.query, &a, why, sizeof why);
		}
		if (prc != SIGV4_OK) {
			unit_fail(__FILE__, __LINE__, "%s: %s does not parse: %s", cs, signed_files[v], why);
			fails++;
		} else {
			sha256_hex(r.body, r.bodylen, body_hash);
			const char *ph = treq_header(&r, "x-amz-content-sha256");
			struct sigv4_msg m;
			msg_of(&m, &r, &c, ph ? ph : body_hash);
			if (sigv4_verify(&m, &a, c.sk) != SIGV4_OK) {
				unit_fail(__FILE__, __LINE__, "%s: %s does not verify", cs, signed_files[v]);
				fails++;
			}
			/* tamper: the secret, the path, a signed header */
			if (sigv4_verify(&m, &a, "wrong-secret") != SIGV4_MISMATCH) {
				unit_fail(__FILE__, __LINE__, "%s: verifies with a wrong secret", cs);
				fails++;
			}
			char *old = r.path;
			r.path = xstrdup("/tampered");
			m.path = r.path;
			if (sigv4_verify(&m, &a, c.sk) != SIGV4_MISMATCH) {
				unit_fail(__FILE__, __LINE__, "%s: verifies with a changed path", cs);
				fails++;
			}
			free(r.path);
			r.path = old;
			m.path = old;
			for (int i = 0; i < r.nh; i++) {
				if (!strcmp(r.names[i], "host")) {
					r.h[i].value = "evil.example.com";
					r.h[i].vlen = 16;
					if (sigv4_verify(&m, &a, c.sk) != SIGV4_MISMATCH) {
						unit_fail(__FILE__, __LINE__, "%s: verifies with a changed Host", cs);
						fails++;
					}
					r.h[i].value = r.values[i];
					r.h[i].vlen = (uint32_t)strlen(r.values[i]);
				}
			}
		}
		treq_free(&r);
		free(text);
	}
	buf_free(&creq);
	buf_free(&sts);
	json_decref(j);
	free(ctxtext);
	free(reqtext);
	return fails;
}

TEST(sigv4_aws_test_suite)
{
	const char *base = unit_conformance("sigv4/v4");
	if (!base)
		return;
	DIR *d = opendir(base);
	CHECK(d);
	struct dirent *e;
	int cases = 0, failed = 0;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char dir[1024];
		snprintf(dir, sizeof dir, "%s/%s", base, e->d_name);
		cases++;
		if (run_case(dir, e->d_name))
			failed++;
	}
	closedir(d);
	fprintf(stderr, "  sigv4 suite: %d of %d cases pass\n", cases - failed, cases);
	CHECK(cases >= 30);
	CHECK_INT(failed, 0);
}

TEST(sigv4_parse_errors)
{
	struct sigv4_auth a;
	char why[256];
	CHECK(sigv4_parse_header("AWS4-HMAC-SHA256 Credential=AK/20150830/us-east-1/s3/aws4_request, "
				 "SignedHeaders=host, Signature=" SIGV4_EMPTY_SHA256,
				 &a, why, sizeof why) == SIGV4_OK);
	CHECK_STR(a.access_key, "AK");
	CHECK_STR(a.service, "s3");
	CHECK(sigv4_parse_header("AWS AK:sig", &a, why, sizeof why) == SIGV4_MALFORMED);
	CHECK(sigv4_parse_header("AWS4-HMAC-SHA256 Credential=AK/2015/us-east-1/s3/aws4_request, SignedHeaders=host, "
				 "Signature=" SIGV4_EMPTY_SHA256,
				 &a, why, sizeof why) == SIGV4_MALFORMED);
	CHECK(sigv4_parse_header("AWS4-HMAC-SHA256 Credential=AK/20150830/us-east-1/s3/aws4_request, SignedHeaders=host",
				 &a, why, sizeof why) == SIGV4_MALFORMED);
	CHECK(sigv4_parse_header("AWS4-HMAC-SHA256 Credential=AK/20150830/us-east-1/s3/aws4_request, SignedHeaders=host, "
				 "Signature=XYZ",
				 &a, why, sizeof why) == SIGV4_MALFORMED);
	CHECK(sigv4_parse_query("a=b", &a, why, sizeof why) == SIGV4_NO_AUTH);
	CHECK(sigv4_parse_query("X-Amz-Credential=AK%2F20150830%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Signature=" SIGV4_EMPTY_SHA256,
				&a, why, sizeof why) == SIGV4_MALFORMED);
	CHECK(sigv4_parse_query("X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AK%2F20150830%2Fus-east-1%2Fs3%2Faws4_request"
				"&X-Amz-Date=20150830T123600Z&X-Amz-Expires=604801&X-Amz-SignedHeaders=host&X-Amz-Signature=" SIGV4_EMPTY_SHA256,
				&a, why, sizeof why) == SIGV4_MALFORMED);
	CHECK(strstr(why, "604800"));
}
