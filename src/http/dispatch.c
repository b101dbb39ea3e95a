/* dispatch.c — one request, start to finish.
 *
 *   route -> [read form body] -> authenticate -> body (stream or read whole)
 *         -> decode -> validate -> handler -> encode -> send -> access log
 *
 * Invariants:
 *  1. A handler runs only for a routed, authenticated, decoded, valid call.
 *  2. Every response, success or error, is in the protocol the client spoke.
 *  3. If the body was not read to its end, the connection closes after the
 *     response (small remainders are drained instead), so the next request
 *     on a keep-alive connection never starts inside an old body.
 */
#include "http/dispatch.h"
#include "config.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/enc.h"
#include "core/log.h"
#include "core/rand.h"
#include "http/body.h"
#include "http/conn.h"
#include "http/cors.h"
#include "http/internal.h"
#include "http/request.h"
#include "http/response.h"
#include "http/router.h"
#include "http/sigv2.h"
#include "http/sigv4.h"
#include "proto/proto.h"
#include "proto/validate.h"
#include "store/db.h"
#include "svc/svc.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

static const struct config *cfg;

void dispatch_init(const struct config *c)
{
	cfg = c;
}

static void new_request_id(char out[40], bool s3)
{
	if (s3) {
		rand_id_upper(out, 16);
		return;
	}
	uint64_t a = rand_fast(), b = rand_fast();
	snprintf(out, 40, "%08x-%04x-4%03x-%04x-%012llx", (unsigned)(a >> 32), (unsigned)(a >> 16) & 0xffff,
		 (unsigned)a & 0xfff, (unsigned)(0x8000 | ((b >> 48) & 0x3fff)), (unsigned long long)(b & 0xffffffffffffull));
}

/* Per-protocol error ids for the same authentication condition. */
static enum err_id auth_err(enum protocol p, enum err_id s3, enum err_id json, enum err_id query)
{
	return p == PROTO_REST_XML ? s3 : (p == PROTO_QUERY || p == PROTO_EC2) ? query : json;
}

struct authres {
	bool signed_req;
	int version;            /* 4, or 2 (S3's legacy HMAC-SHA1) */
	struct sigv4_auth a;
	struct sigv2_auth a2;
	const struct credential *cred;
	unsigned char key[SHA256_LEN];
};

static void set_identity(struct call *c, const struct credential *cred)
{
	c->who.access_key = cred->access_key;
	c->who.account = cred->account;
	c->who.user_id = cred->account;
	c->who.arn = cred->arn;
}

/* S3's legacy signature: the resource is the path naming /bucket/key. */
static int authenticate_v2(struct call *c, const struct http_request *req, struct authres *ar, const char *vhost_bucket,
			   const struct model_op *op)
{
	struct sigv2_auth *a = &ar->a2;
	ar->cred = config_find_key(cfg, a->access_key);
	if (!ar->cred)
		return call_error(c, ERR_INVALID_ACCESS_KEY, NULL);
	int64_t now = clock_wall_ms();
	if (a->presigned) {
		if (now > a->expires * 1000)
			return call_error(c, ERR_ACCESS_DENIED, "Request has expired");
	} else {
		const char *d = http_header(req, "x-amz-date");
		if (!d)
			d = http_header(req, "date");
		int64_t ms;
		if (!d || (time_parse_http(d, strlen(d), &ms) && time_parse_amz(d, strlen(d), &ms)))
			return call_error(c, ERR_ACCESS_DENIED, "AWS authentication requires a valid Date or x-amz-date header");
		if (now - ms > cfg->max_skew_ms || ms - now > cfg->max_skew_ms)
			return call_error(c, ERR_TIME_SKEW_S3, NULL);
	}
	const char *resource = vhost_bucket ? arena_printf(c->arena, "/%s%s", vhost_bucket, req->path) : req->path;
	/* Candidates, most standard first: the resource as S3 defines it; a
	 * bucket-only resource with a trailing slash (botocore's authPath does
	 * that); and the operation's literal query (botocore signs
	 * "/bucket?list-type=2" for a presigned ListObjectsV2). */
	const char *cands[3] = {resource, NULL, NULL};
	if (resource[0] == '/' && resource[1] && !strchr(resource + 1, '/'))
		cands[1] = arena_printf(c->arena, "%s/", resource);
	const char *lit = op ? strchr(op->uri, '?') : NULL;
	if (lit && strchr(lit, '='))
		cands[2] = arena_printf(c->arena, "%s%s", resource, lit);
	bool ok = false;
	for (int i = 0; i < 3 && !ok; i++)
		ok = cands[i] && !sigv2_verify(req, cands[i], a, ar->cred->secret_key);
	if (!ok)
		return call_error(c, ERR_SIGNATURE_MISMATCH, NULL);
	set_identity(c, ar->cred);
	return 0;
}

/* Checks the request signature. payload_hash: what the client signed
 * (hex, UNSIGNED-PAYLOAD, STREAMING-...). 0 or -1 with c->err set. */
static int authenticate(struct call *c, const struct http_request *req, struct authres *ar, const char *path,
			const char *payload_hash, enum protocol p)
{
	if (!ar->signed_req)
		return call_error(c, auth_err(p, ERR_ACCESS_DENIED, ERR_MISSING_AUTH_JSON, ERR_MISSING_AUTH),
				  p == PROTO_REST_XML ? "Anonymous access is not allowed: sign requests with SigV4." : NULL);
	struct sigv4_auth *a = &ar->a;
	ar->cred = config_find_key(cfg, a->access_key);
	if (!ar->cred)
		return call_error(c, auth_err(p, ERR_INVALID_ACCESS_KEY, ERR_UNRECOGNIZED_CLIENT, ERR_INVALID_CLIENT_TOKEN),
				  NULL);
	if (!a->presigned) {
		const char *d = http_header(req, "x-amz-date");
		int64_t ms;
		if (d) {
			if (time_parse_amz(d, strlen(d), &ms))
				return call_error(c, auth_err(p, ERR_ACCESS_DENIED, ERR_INCOMPLETE_SIGNATURE, ERR_INCOMPLETE_SIGNATURE),
						  "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\".");
			snprintf(a->amz_date, sizeof a->amz_date, "%s", d);
		} else if ((d = http_header(req, "date")) && !time_parse_http(d, strlen(d), &ms)) {
			time_fmt_amz(ms, a->amz_date);
		} else {
			return call_error(c, auth_err(p, ERR_ACCESS_DENIED, ERR_INCOMPLETE_SIGNATURE, ERR_INCOMPLETE_SIGNATURE),
					  "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.");
		}
		int64_t now = clock_wall_ms(), skew = now - ms;
		if (skew > cfg->max_skew_ms || -skew > cfg->max_skew_ms) {
			char a1[20], a2[20], a3[20];
			time_fmt_amz(ms, a1);
			time_fmt_amz(now, a2);
			time_fmt_amz(now + (skew > 0 ? -1 : 1) * cfg->max_skew_ms, a3);
			if (p == PROTO_REST_XML)
				return call_error(c, ERR_TIME_SKEW_S3,
						  "The difference between the request time and the current time is too large.");
			return call_error(c, p == PROTO_QUERY || p == PROTO_EC2 ? ERR_SIGNATURE_MISMATCH : ERR_INVALID_SIGNATURE_JSON,
					  "Signature %s: %s is now %s than %s (%s %s 15 min.)", skew > 0 ? "expired" : "not yet current",
					  a1, skew > 0 ? "earlier" : "later", a3, a2, skew > 0 ? "-" : "+");
		}
	} else {
		int64_t ms;
		if (time_parse_amz(a->amz_date, strlen(a->amz_date), &ms))
			return call_error(c, auth_err(p, ERR_AUTH_QUERY_MALFORMED, ERR_INCOMPLETE_SIGNATURE, ERR_INCOMPLETE_SIGNATURE),
					  "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\".");
		int64_t now = clock_wall_ms();
		if (now > ms + a->expires * 1000)
			return call_error(c, auth_err(p, ERR_ACCESS_DENIED, ERR_ACCESS_DENIED_JSON, ERR_ACCESS_DENIED), "Request has expired");
		if (ms - now > cfg->max_skew_ms)
			return call_error(c, auth_err(p, ERR_ACCESS_DENIED, ERR_ACCESS_DENIED_JSON, ERR_ACCESS_DENIED),
					  "Request is not valid yet");
	}
	if (strncmp(a->amz_date, a->date, 8))
		return call_error(c, auth_err(p, ERR_AUTH_MALFORMED_S3, ERR_INVALID_SIGNATURE_JSON, ERR_SIGNATURE_MISMATCH),
				  "Invalid credential date \"%s\". This date is not the same as X-Amz-Date: \"%.8s\".", a->date,
				  a->amz_date);
	struct sigv4_msg m = {
		.method = req->method,
		.path = path,
		.query = req->query,
		.headers = req->headers,
		.nheaders = req->nheaders,
		.payload_hash = payload_hash,
		.s3 = p == PROTO_REST_XML,
		.encode_path = p != PROTO_REST_XML,
		.normalize_path = p != PROTO_REST_XML,
	};
	int rc = sigv4_verify(&m, a, ar->cred->secret_key);
	if (rc == SIGV4_MALFORMED)
		return call_error(c, auth_err(p, ERR_INVALID_REQUEST, ERR_INCOMPLETE_SIGNATURE, ERR_INCOMPLETE_SIGNATURE),
				  "The request could not be canonicalized (malformed query string).");
	if (rc != SIGV4_OK) {
		if (log_threshold >= LOG_DEBUG) {
			struct buf cr;
			buf_init(&cr, 1 << 20);
			sigv4_canonical_request(&cr, &m, a);
			log_debug("signature mismatch for %s %s (key %s); canonical request:\n%s", req->method, req->path,
				  a->access_key, buf_str(&cr));
			buf_free(&cr);
		}
		return call_error(c, p == PROTO_REST_XML || p == PROTO_QUERY || p == PROTO_EC2 ? ERR_SIGNATURE_MISMATCH
											: ERR_INVALID_SIGNATURE_JSON,
				  NULL);
	}
	sigv4_signing_key(ar->cred->secret_key, a->date, a->region, a->service, ar->key);
	set_identity(c, ar->cred);
	c->region = arena_strdup(c->arena, a->region);
	return 0;
}

static bool is_streaming_input(const struct model_op *op)
{
	const struct model_shape *in = op->input;
	if (!in || !in->payload)
		return false;
	const struct model_member *m = model_find_member(in, in->payload, strlen(in->payload));
	return m && ((m->flags & MF_STREAMING) || (m->shape->flags & SHF_STREAMING));
}

/* An operation AWS also serves unsigned (svc_op.anonymous). */
static bool anonymous_op(const struct route *rt)
{
	if (!rt->svc || !rt->op || !rt->op->implemented)
		return false;
	const struct svc_op *sop = svc_handler(rt->svc, rt->op);
	return sop && sop->anonymous;
}

#define DRAIN_MAX (64 << 20)

/* After the response: reads and drops what is left of the request body
 * (bounded), so a client that writes its whole body before reading sees the
 * answer; otherwise the connection closes. A client still waiting for
 * "100 Continue" never sent the body: close without waiting for it. */
static void settle_body(struct conn *conn, struct instream *s, const struct http_request *req)
{
	if (s && http_body_finished(s))
		return;
	if (!s && req->content_length <= 0 && !req->chunked)
		return;
	if (conn_body_withheld(conn) || (s && http_body_broken(s))) {
		conn_close_after(conn);
		return;
	}
	if (s) {
		char tmp[16384];
		int64_t total = 0;
		long r;
		while (total < DRAIN_MAX && (r = s->read(s, tmp, sizeof tmp)) > 0)
			total += r;
		if (!http_body_finished(s))
			conn_close_after(conn);
		return;
	}
	if (req->chunked || req->content_length > DRAIN_MAX || conn_discard(conn, req->content_length) < 0)
		conn_close_after(conn);
}

/* The CORS rules of the bucket a REST request addresses (cached in *cache). */
static json_t *rules_for(struct arena *a, const struct route *rt, json_t **cache)
{
	if (*cache || !rt->svc || !rt->svc->cors_rules || !rt->path || rt->path[0] != '/')
		return *cache;
	const char *b = rt->path + 1;
	size_t n = strcspn(b, "/");
	if (!n)
		return NULL;
	char *bucket = arena_strndup(a, b, n);
	*cache = rt->svc->cors_rules(bucket);
	return *cache;
}

static void access_log(struct conn *conn, const struct http_request *req, const struct call *c, int status, int64_t t0)
{
	if (!cfg->access_log || log_threshold < LOG_INFO)
		return;
	log_info("%s %s %s %s.%s %d in=%lld out=%lld %lldus", conn_peer(conn), req->method, req->path,
		 c->svc ? c->svc->name : "-", c->op ? c->op->name : "-", status, (long long)conn_bytes_in(conn),
		 (long long)conn_bytes_out(conn), (long long)(clock_mono_us() - t0));
}

void dispatch_request(struct conn *conn, struct http_request *req, int64_t t0)
{
	struct arena arena;
	arena_init(&arena);
	struct call c = {.arena = &arena, .req = req, .cfg = cfg, .region = cfg->region};
	struct http_response resp;
	http_response_init(&resp);
	struct instream *body = NULL;
	char *whole = NULL;
	size_t wlen = 0;
	enum protocol p = PROTO_REST_XML;
	struct route rt;
	bool rt_ok = false;
	json_t *cors = NULL;

	if (internal_route(req)) {
		new_request_id(c.request_id, false);
		internal_handle(req, &resp, cfg);
		goto send;
	}

	struct authres ar = {0};
	char why[256] = "";
	const char *authz = http_header(req, "authorization");
	int prc;
	if (authz && !strncmp(authz, "AWS ", 4)) {
		prc = sigv2_parse_header(authz, &ar.a2) ? SIGV4_MALFORMED : SIGV4_OK;
		snprintf(why, sizeof why, "The authorization header you provided is invalid.");
		ar.version = 2;
	} else if (!authz && (prc = sigv2_parse_query(req->query, &ar.a2)) != 0) {
		prc = prc > 0 ? SIGV4_OK : SIGV4_MALFORMED;
		snprintf(why, sizeof why, "Query-string authentication requires the Signature, Expires and AWSAccessKeyId parameters");
		ar.version = 2;
	} else {
		prc = authz ? sigv4_parse_header(authz, &ar.a, why, sizeof why) : sigv4_parse_query(req->query, &ar.a, why, sizeof why);
		ar.version = 4;
	}
	ar.signed_req = prc == SIGV4_OK;

	router_route(&arena, req, ar.signed_req && ar.version == 4 ? &ar.a : NULL, &rt);
	rt_ok = true;
	if (ar.version == 2 && rt.proto != PROTO_REST_XML) {
		/* SigV2 is S3's only. */
		ar.signed_req = false;
		prc = SIGV4_MALFORMED;
		snprintf(why, sizeof why, "This service only accepts Signature Version 4.");
	}
	p = rt.proto;
	new_request_id(c.request_id, p == PROTO_REST_XML);
	c.proto = p;
	c.svc = rt.svc;
	c.model = rt.svc ? rt.svc->model : NULL;
	c.op = rt.op;
	c.query = rt.query; /* parsed by the router (REST), else on first use */
	if (prc == SIGV4_MALFORMED) {
		call_error(&c, authz ? auth_err(p, ERR_AUTH_MALFORMED_S3, ERR_INCOMPLETE_SIGNATURE, ERR_INCOMPLETE_SIGNATURE)
				     : auth_err(p, ERR_AUTH_QUERY_MALFORMED, ERR_INCOMPLETE_SIGNATURE, ERR_INCOMPLETE_SIGNATURE),
			   "%s", why);
		goto fail;
	}
	if (p == PROTO_REST_XML && !strcmp(req->method, "OPTIONS") && rt.svc) {
		/* A CORS preflight: unsigned by nature, answered from the bucket's rules. */
		enum cors_result cr = cors_preflight(req, rules_for(&arena, &rt, &cors), &resp);
		if (cr == CORS_OK)
			goto send;
		call_error(&c, cr == CORS_NO_ORIGIN ? ERR_BAD_REQUEST_S3 : ERR_CORS_FORBIDDEN, "%s", cors_message(cr));
		goto fail;
	}
	if (rt.err && !rt.needs_form_body) {
		call_error(&c, rt.err, "%s", rt.msg);
		goto fail;
	}

	/* The body: streamed to the handler, or read whole (bounded). */
	enum err_id berr = ERR_NONE;
	char bmsg[256];
	size_t limit = rt.svc && rt.svc->max_body ? rt.svc->max_body : cfg->max_body;
	const char *sha_hdr = http_header(req, "x-amz-content-sha256");
	/* Outside S3, SDKs sign a streaming payload's hash without sending it
	 * in x-amz-content-sha256: the body must be read (bounded) and hashed
	 * before the signature can be checked, so it is not streamed. */
	bool streaming = !rt.needs_form_body && rt.op && rt.op->implemented && is_streaming_input(rt.op) &&
			 (p == PROTO_REST_XML || sha_hdr);
	if (p == PROTO_REST_XML && ar.signed_req && ar.version == 4 && !ar.a.presigned && !sha_hdr) {
		call_error(&c, ERR_INVALID_REQUEST, "Missing required header for this request: x-amz-content-sha256");
		goto fail;
	}
	bool v4_header = ar.signed_req && ar.version == 4 && !ar.a.presigned;
	if (ar.version == 2 && ar.signed_req) {
		if (authenticate_v2(&c, req, &ar, rt.vhost_bucket, rt.op))
			goto fail;
	} else if (streaming && v4_header) {
		/* Verify the head now (chunk signatures chain from it), then stream. */
		if (authenticate(&c, req, &ar, req->path, sha_hdr, p))
			goto fail;
	}
	body = http_body_open(&arena, conn, req, v4_header ? &ar.a : NULL, v4_header && streaming ? ar.key : NULL, &berr,
			      bmsg, sizeof bmsg);
	if (!body) {
		call_error(&c, berr, "%s", bmsg);
		goto fail;
	}
	if (!streaming) {
		if (!sha_hdr && p != PROTO_REST_XML)
			body->want |= DIGEST_SHA256;
		if (instream_read_all(body, &arena, limit, &whole, &wlen)) {
			enum err_id e = body->err == ERR_BODY_TOO_LARGE && p == PROTO_REST_XML ? ERR_BODY_TOO_LARGE_S3 : body->err;
			call_error(&c, e, "%s", body->errmsg);
			goto fail;
		}
		if (rt.needs_form_body) {
			router_route_form(&arena, req, ar.signed_req ? &ar.a : NULL, whole, wlen, &rt);
			c.svc = rt.svc;
			c.model = rt.svc ? rt.svc->model : NULL;
			c.op = rt.op;
			if (rt.err) {
				call_error(&c, rt.err, "%s", rt.msg);
				goto fail;
			}
		}
		char hex[65];
		const char *ph = sha_hdr;
		if (!ph) {
			hex_encode(body->got.sha256, SHA256_LEN, hex);
			ph = hex;
		}
		if (ar.signed_req && ar.a.presigned && p == PROTO_REST_XML)
			ph = "UNSIGNED-PAYLOAD";
		if (!ar.signed_req && anonymous_op(&rt)) {
			c.who = (struct identity){"", "", "", ""};
		} else if (ar.version != 2 && authenticate(&c, req, &ar, req->path, ph, p)) {
			goto fail;
		}
	} else if (ar.version != 2 && (!ar.signed_req || ar.a.presigned)) {
		if (authenticate(&c, req, &ar, req->path, ar.signed_req ? "UNSIGNED-PAYLOAD" : NULL, p))
			goto fail;
	}

	if (!rt.op->implemented) {
		call_error(&c, ERR_NOT_IMPLEMENTED, "nuage does not implement %s.%s yet.", rt.svc->name, rt.op->name);
		goto fail;
	}
	const struct svc_op *sop = svc_handler(rt.svc, rt.op);
	c.xml_root = sop->xml_root;
	if (streaming)
		c.body = body;
	if (proto_codec(p)->decode(&c, rt.path, whole, wlen) || validate_input(&c))
		goto fail;
	if (sop->fn(&c))
		goto fail;
	proto_codec(p)->encode(&c, &resp);
	goto send;

fail:
	http_response_reset(&resp);
	if (!c.err)
		call_error(&c, p == PROTO_REST_XML ? ERR_INTERNAL_S3 : ERR_INTERNAL, NULL);
	if (c.model && c.op)
		proto_codec(p)->encode_error(&c, &resp);
	else
		proto_bare_error(p, c.model, c.err, c.errmsg, c.request_id, &resp);
	if (c.err == ERR_INTERNAL || c.err == ERR_INTERNAL_S3)
		log_error("internal error in %s.%s: %s", c.svc ? c.svc->name : "-", c.op ? c.op->name : "-",
			  c.errmsg ? c.errmsg : "(no detail)");
send:
	if (p == PROTO_REST_XML && rt_ok && http_header(req, "origin") && strcmp(req->method, "OPTIONS"))
		cors_decorate(req, rules_for(&arena, &rt, &cors), &resp);
	json_decref(cors);
	if (!strcmp(req->method, "HEAD"))
		resp.no_body = true;
	/* A client still waiting for "100 Continue" will not send its body: say
	 * Connection: close in this response, so it does not reuse the connection. */
	if (conn_body_withheld(conn) && (req->content_length > 0 || req->chunked) && !(body && http_body_finished(body)))
		conn_close_after(conn);
	conn_send(conn, &resp);
	settle_body(conn, body, req);
	access_log(conn, req, &c, resp.status, t0);
	/* A handler that streams a file registers the fd's close on the arena. */
	http_response_free(&resp);
	json_decref(c.input);
	json_decref(c.output);
	json_decref(c.err_fields);
	arena_free(&arena);
	db_release(); /* the connection goes back to the pool between requests */
}

void dispatch_render_framing_error(struct http_response *r, const char *raw, size_t rawlen, enum err_id id)
{
	char rid[40];
	/* Guess the protocol from the bytes we have. */
	enum protocol p = PROTO_REST_XML;
	if (memmem(raw, rawlen, "X-Amz-Target", 12) || memmem(raw, rawlen, "x-amz-target", 12))
		p = PROTO_JSON;
	else if (memmem(raw, rawlen, "Action=", 7))
		p = PROTO_QUERY;
	new_request_id(rid, p == PROTO_REST_XML);
	enum err_id e = id;
	if (p != PROTO_REST_XML && id == ERR_HEADERS_TOO_LARGE)
		e = ERR_BODY_TOO_LARGE;
	if (p != PROTO_REST_XML && id == ERR_BAD_REQUEST_S3)
		e = ERR_SERIALIZATION;
	proto_bare_error(p, NULL, e, NULL, rid, r);
}
