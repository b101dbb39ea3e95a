/* rsdclient.c — see rsdclient.h. Requests are signed with the same SigV4
 * code nuage verifies them with (http/sigv4.h), so client and server agree
 * by construction; the canonical request covers content-type, host,
 * x-amz-date, x-amz-target (and the session token when there is one).
 */
#include "sqlcmd/rsdclient.h"
#include "core/clock.h"
#include "core/hash.h"
#include "http/sigv4.h"

#include <curl/curl.h>
#include <stdio.h>
#include <string.h>

#define RSDC_MAX_RESPONSE (64u << 20)

static size_t on_body(char *p, size_t size, size_t n, void *ctx)
{
	struct rsdc *c = ctx;
	return buf_add(&c->resp, p, size * n) ? 0 : size * n;
}

int rsdc_init(struct rsdc *c, const char *endpoint, const char *ak, const char *sk, const char *region,
	      const char *session_token, char *err, size_t errlen)
{
	memset(c, 0, sizeof *c);
	const char *h = strstr(endpoint, "://");
	if (!h || strncmp(endpoint, "http", 4)) {
		snprintf(err, errlen, "the endpoint must look like http://127.0.0.1:4566, got '%s'", endpoint);
		return -1;
	}
	h += 3;
	size_t hl = strcspn(h, "/");
	if (!hl || hl >= sizeof c->host) {
		snprintf(err, errlen, "the endpoint has no host: '%s'", endpoint);
		return -1;
	}
	memcpy(c->host, h, hl);
	snprintf(c->url, sizeof c->url, "%.*s/", (int)(h - endpoint + hl), endpoint);
	snprintf(c->access_key, sizeof c->access_key, "%s", ak);
	snprintf(c->secret_key, sizeof c->secret_key, "%s", sk);
	snprintf(c->region, sizeof c->region, "%s", region);
	snprintf(c->token, sizeof c->token, "%s", session_token ? session_token : "");
	buf_init(&c->resp, RSDC_MAX_RESPONSE);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	c->curl = curl_easy_init();
	if (!c->curl) {
		snprintf(err, errlen, "cannot start libcurl");
		return -1;
	}
	return 0;
}

void rsdc_free(struct rsdc *c)
{
	if (c->curl)
		curl_easy_cleanup(c->curl);
	buf_free(&c->resp);
	curl_global_cleanup();
	memset(c, 0, sizeof *c);
}

/* Authorization header value for one request. */
static void sign(struct rsdc *c, const char *target, const char *body, size_t blen, const char *amz_date,
		 char *out, size_t outlen)
{
	char payload[65];
	sha256_hex(body, blen, payload);
	struct http_header hs[5] = {
		{"content-type", "application/x-amz-json-1.1", 12, 26},
		{"host", c->host, 4, (uint32_t)strlen(c->host)},
		{"x-amz-date", amz_date, 10, 16},
		{"x-amz-security-token", c->token, 20, (uint32_t)strlen(c->token)},
		{"x-amz-target", target, 12, (uint32_t)strlen(target)},
	};
	struct sigv4_auth a;
	memset(&a, 0, sizeof a);
	snprintf(a.access_key, sizeof a.access_key, "%s", c->access_key);
	snprintf(a.date, sizeof a.date, "%.8s", amz_date);
	snprintf(a.region, sizeof a.region, "%s", c->region);
	snprintf(a.service, sizeof a.service, "redshift-data");
	snprintf(a.amz_date, sizeof a.amz_date, "%s", amz_date);
	snprintf(a.signed_headers, sizeof a.signed_headers, "%s",
		 c->token[0] ? "content-type;host;x-amz-date;x-amz-security-token;x-amz-target"
			     : "content-type;host;x-amz-date;x-amz-target");
	struct sigv4_msg m = {"POST", "/", "", hs, 5, payload, false, true, true};
	struct buf creq, sts;
	buf_init(&creq, 1 << 20);
	buf_init(&sts, 1 << 20);
	sigv4_canonical_request(&creq, &m, &a);
	sigv4_string_to_sign(&sts, &a, creq.data, creq.len);
	unsigned char key[SHA256_LEN];
	sigv4_signing_key(c->secret_key, a.date, a.region, a.service, key);
	char sig[65];
	sigv4_sign(key, sts.data, sts.len, sig);
	snprintf(out, outlen, "%s Credential=%s/%s/%s/%s/aws4_request, SignedHeaders=%s, Signature=%s", SIGV4_ALGO,
		 a.access_key, a.date, a.region, a.service, a.signed_headers, sig);
	buf_free(&creq);
	buf_free(&sts);
}

json_t *rsdc_call(struct rsdc *c, const char *op, json_t *body, char *err, size_t errlen)
{
	char *text = json_dumps(body, JSON_COMPACT);
	size_t blen = strlen(text);
	char target[128], amz[17], auth[1024], hdr[3][2200];
	snprintf(target, sizeof target, "RedshiftData.%s", op);
	time_fmt_amz(clock_wall_ms(), amz);
	sign(c, target, text, blen, amz, auth, sizeof auth);
	struct curl_slist *h = NULL;
	h = curl_slist_append(h, "Content-Type: application/x-amz-json-1.1");
	snprintf(hdr[0], sizeof hdr[0], "X-Amz-Target: %s", target);
	snprintf(hdr[1], sizeof hdr[1], "X-Amz-Date: %s", amz);
	snprintf(hdr[2], sizeof hdr[2], "Authorization: %s", auth);
	for (int i = 0; i < 3; i++)
		h = curl_slist_append(h, hdr[i]);
	char tok[2200];
	if (c->token[0]) {
		snprintf(tok, sizeof tok, "X-Amz-Security-Token: %s", c->token);
		h = curl_slist_append(h, tok);
	}
	h = curl_slist_append(h, "Expect:");
	buf_reset(&c->resp);
	CURL *cu = c->curl;
	curl_easy_reset(cu);
	curl_easy_setopt(cu, CURLOPT_URL, c->url);
	curl_easy_setopt(cu, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(cu, CURLOPT_POSTFIELDS, text);
	curl_easy_setopt(cu, CURLOPT_POSTFIELDSIZE, (long)blen);
	curl_easy_setopt(cu, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(cu, CURLOPT_WRITEDATA, c);
	curl_easy_setopt(cu, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(cu, CURLOPT_CONNECTTIMEOUT, 10L);
	CURLcode rc = curl_easy_perform(cu);
	long status = 0;
	curl_easy_getinfo(cu, CURLINFO_RESPONSE_CODE, &status);
	curl_slist_free_all(h);
	free(text);
	if (rc != CURLE_OK) {
		snprintf(err, errlen, "cannot reach nuage at %s: %s", c->url, curl_easy_strerror(rc));
		return NULL;
	}
	json_t *doc = json_loadb(c->resp.data ? c->resp.data : "", c->resp.len, 0, NULL);
	if (status != 200) {
		const char *type = json_string_value(json_object_get(doc, "__type"));
		const char *msg = json_string_value(json_object_get(doc, "message"));
		if (!msg)
			msg = json_string_value(json_object_get(doc, "Message"));
		const char *hash = type ? strrchr(type, '#') : NULL;
		snprintf(err, errlen, "%s: %s", hash ? hash + 1 : type ? type : "HTTP error", msg ? msg : buf_str(&c->resp));
		json_decref(doc);
		return NULL;
	}
	if (!doc)
		snprintf(err, errlen, "nuage answered with something that is not JSON");
	return doc;
}
