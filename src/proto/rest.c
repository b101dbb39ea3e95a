/* rest.c — REST routing and bindings (rest-xml and rest-json).
 *
 * Routing scores every operation whose method, path template and literal
 * query keys match the request, and picks the highest score:
 *   1000 x literal path segments matched  (a literal beats a label)
 *   + 10 x literal query keys ("?uploads", "?list-type=2")
 *   +  1 x required querystring/header members present
 *   - 100 x required querystring/header members missing
 * so PUT /b/k with x-amz-copy-source is CopyObject, with ?partNumber&uploadId
 * UploadPart, and with neither PutObject — as S3 itself decides. Of two
 * operations with one route (PutBucketNotification, deprecated, and
 * PutBucketNotificationConfiguration), the implemented one wins.
 */
#include "proto/proto.h"
#include "proto/restint.h"
#include "proto/scalar.h"
#include "core/enc.h"
#include "core/mem.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_QPARAMS 1024
#define MAX_LABELS 8

int rest_parse_query(struct arena *a, const char *q, struct qparam **out)
{
	size_t qlen = strlen(q);
	const char *end = q + qlen;
	int n = 1;
	for (const char *p = q; (p = memchr(p, '&', (size_t)(end - p))); p++)
		n++;
	if (n > MAX_QPARAMS)
		return -1;
	struct qparam *ps = arena_alloc(a, sizeof *ps * (size_t)n);
	/* One block for every decoded key and value with its NUL: decoding
	 * never lengthens, and each of the n parameters adds at most two NULs
	 * where its raw form had at most one separator. */
	char *d = arena_alloc(a, qlen + 2 * (size_t)n);
	int k = 0;
	for (const char *p = q; p < end;) {
		const char *amp = memchr(p, '&', (size_t)(end - p));
		const char *pe = amp ? amp : end;
		if (pe > p) {
			const char *eq = memchr(p, '=', (size_t)(pe - p));
			const char *ke = eq ? eq : pe;
			const char *vs = eq ? eq + 1 : pe;
			char *key = d;
			long kl = uri_decode_to(key, p, (size_t)(ke - p), true);
			if (kl < 0)
				return -1;
			key[kl] = 0;
			char *val = key + kl + 1;
			long vl = uri_decode_to(val, vs, (size_t)(pe - vs), true);
			if (vl < 0)
				return -1;
			val[vl] = 0;
			d = val + vl + 1;
			ps[k++] = (struct qparam){key, val, (size_t)kl, (size_t)vl};
		}
		if (!amp)
			break;
		p = amp + 1;
	}
	*out = ps;
	return k;
}

void query_parse(struct arena *a, const char *q, struct query *out)
{
	struct qparam *p = NULL;
	out->n = rest_parse_query(a, q, &p);
	out->p = p;
	out->parsed = true;
}

static const struct qparam *qfind(const struct qparam *ps, int n, const char *k, size_t klen)
{
	for (int i = 0; i < n; i++)
		if (ps[i].klen == klen && !memcmp(ps[i].k, k, klen))
			return &ps[i];
	return NULL;
}

struct label {
	const char *name;
	size_t nlen;
	const char *val;
	size_t vlen;
};

/* Matches the path part of a template. Returns the number of literal
 * segments matched, or -1. */
static int match_path(const char *t, size_t tlen, const char *path, struct label *labels, int *nlabels)
{
	int lits = 0;
	*nlabels = 0;
	const char *te = t + tlen, *p = path;
	if (*t == '/')
		t++;
	if (*p == '/')
		p++;
	for (;;) {
		if (t >= te)
			return *p ? -1 : lits;
		const char *ts = t;
		const char *tslash = memchr(t, '/', (size_t)(te - t));
		const char *tse = tslash ? tslash : te;
		size_t tl = (size_t)(tse - ts);
		const char *pslash = strchr(p, '/');
		const char *pse = pslash ? pslash : p + strlen(p);
		if (tl >= 2 && ts[0] == '{' && ts[tl - 1] == '}') {
			bool greedy = ts[tl - 2] == '+';
			if (*nlabels == MAX_LABELS)
				return -1;
			struct label *l = &labels[(*nlabels)++];
			l->name = ts + 1;
			l->nlen = tl - 2 - (greedy ? 1 : 0);
			l->val = p;
			if (greedy) {
				l->vlen = strlen(p);
				if (!l->vlen)
					return -1;
				return tslash ? -1 : lits;
			}
			l->vlen = (size_t)(pse - p);
			if (!l->vlen)
				return -1;
		} else {
			if ((size_t)(pse - p) != tl || memcmp(p, ts, tl))
				return -1;
			lits++;
		}
		t = tslash ? tslash + 1 : te;
		if (!pslash) {
			p = pse;
			if (t < te)
				return -1; /* template has more segments */
		} else {
			p = pslash + 1;
			if (t >= te)
				return -1; /* path has more segments */
		}
	}
}

static bool has_header(const struct http_request *req, const char *name, size_t n)
{
	for (int i = 0; i < req->nheaders; i++)
		if (req->headers[i].nlen == n && !strncasecmp(req->headers[i].name, name, n))
			return true;
	return false;
}

/* Routing tables are compiled once per model: each operation's template
 * split into segments, literal query keys and required members, so a request
 * is matched without re-scanning template strings. */
#define MAX_SEGS 12
#define MAX_LITQ 4
#define MAX_REQ 6

struct seg {
	const char *s;
	uint16_t len;
	uint8_t kind; /* 0 literal, 1 label, 2 greedy label */
};

struct rentry {
	const struct model_op *op;
	uint64_t method; /* method_key(op->method) */
	struct seg segs[MAX_SEGS];
	int nsegs, nlits;
	struct {
		const char *k, *v;
		uint16_t kl, vl;
	} q[MAX_LITQ];
	int nq;
	struct {
		char kind; /* 'q' or 'h' */
		const char *name;
		uint16_t len;
	} req[MAX_REQ];
	int nreq;
	bool usable;
};

struct rtable {
	const struct model_service *m;
	struct rentry *e;
	int n;
};

static pthread_mutex_t rt_mu = PTHREAD_MUTEX_INITIALIZER;
static struct rtable rtables[32];
static int nrtables;

/* A method name as one integer (its bytes), so routing compares methods in
 * one instruction; 0 for a name longer than 8 bytes, which no model has. */
static uint64_t method_key(const char *m)
{
	size_t n = strlen(m);
	uint64_t k = 0;
	if (n <= sizeof k)
		memcpy(&k, m, n);
	return k;
}

static void compile_entry(const struct model_op *op, struct rentry *e)
{
	memset(e, 0, sizeof *e);
	e->op = op;
	e->method = method_key(op->method);
	e->usable = true;
	const char *u = op->uri, *q = strchr(u, '?');
	const char *pe = q ? q : u + strlen(u);
	const char *p = *u == '/' ? u + 1 : u;
	while (p < pe) {
		const char *slash = memchr(p, '/', (size_t)(pe - p));
		const char *se = slash ? slash : pe;
		size_t l = (size_t)(se - p);
		if (e->nsegs == MAX_SEGS) {
			e->usable = false;
			return;
		}
		struct seg *sg = &e->segs[e->nsegs++];
		if (l >= 2 && p[0] == '{' && p[l - 1] == '}') {
			sg->kind = p[l - 2] == '+' ? 2 : 1;
			sg->s = p + 1;
			sg->len = (uint16_t)(l - 2 - (sg->kind == 2));
		} else {
			sg->kind = 0;
			sg->s = p;
			sg->len = (uint16_t)l;
			e->nlits++;
		}
		p = slash ? slash + 1 : pe;
	}
	if (q) {
		for (const char *s = q + 1; *s;) {
			const char *amp = strchr(s, '&'), *qe = amp ? amp : s + strlen(s);
			const char *eq = memchr(s, '=', (size_t)(qe - s));
			size_t kl = (size_t)((eq ? eq : qe) - s);
			if (!(kl == 4 && !memcmp(s, "x-id", 4)) && e->nq < MAX_LITQ) {
				e->q[e->nq].k = s;
				e->q[e->nq].kl = (uint16_t)kl;
				e->q[e->nq].v = eq ? eq + 1 : NULL;
				e->q[e->nq].vl = eq ? (uint16_t)(qe - eq - 1) : 0;
				e->nq++;
			}
			s = amp ? amp + 1 : qe;
		}
	}
	for (const char *s = op->route_query; s && *s && e->nreq < MAX_REQ;) {
		const char *amp = strchr(s, '&'), *re = amp ? amp : s + strlen(s);
		e->req[e->nreq].kind = s[0];
		e->req[e->nreq].name = s + 2;
		e->req[e->nreq].len = (uint16_t)(re - s - 2);
		e->nreq++;
		s = amp ? amp + 1 : re;
	}
}

/* Tables are built once per model and never change after they are
 * published (nrtables, release), so requests find theirs without a lock. */
static const struct rtable *find_table(const struct model_service *m)
{
	int n = __atomic_load_n(&nrtables, __ATOMIC_ACQUIRE);
	for (int i = 0; i < n; i++)
		if (rtables[i].m == m)
			return &rtables[i];
	return NULL;
}

static const struct rtable *table_for(const struct model_service *m)
{
	const struct rtable *found = find_table(m);
	if (found)
		return found;
	pthread_mutex_lock(&rt_mu);
	found = find_table(m);
	if (!found && nrtables < 32) {
		struct rtable *t = &rtables[nrtables];
		t->m = m;
		t->n = m->nops;
		t->e = xcalloc(m->nops ? m->nops : 1, sizeof *t->e);
		for (unsigned i = 0; i < m->nops; i++)
			compile_entry(&m->ops[i], &t->e[i]);
		__atomic_store_n(&nrtables, nrtables + 1, __ATOMIC_RELEASE);
		found = t;
	}
	pthread_mutex_unlock(&rt_mu);
	return found;
}

void rest_routes_free(void)
{
	pthread_mutex_lock(&rt_mu);
	for (int i = 0; i < nrtables; i++)
		free(rtables[i].e);
	__atomic_store_n(&nrtables, 0, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&rt_mu);
}

/* Request path split into segments (not decoded). */
struct rpath {
	const char *s[64];
	uint16_t len[64];
	int n;
	const char *rest[64]; /* the path from segment i on, for greedy labels */
};

static int split_path(const char *path, struct rpath *rp)
{
	rp->n = 0;
	const char *p = *path == '/' ? path + 1 : path;
	if (!*p)
		return 0;
	for (;;) {
		if (rp->n == 64)
			return -1;
		const char *slash = strchr(p, '/');
		rp->s[rp->n] = p;
		rp->rest[rp->n] = p;
		rp->len[rp->n] = (uint16_t)(slash ? (size_t)(slash - p) : strlen(p));
		rp->n++;
		if (!slash)
			return 0;
		p = slash + 1;
	}
}

static bool entry_matches_path(const struct rentry *e, const struct rpath *rp)
{
	for (int i = 0; i < e->nsegs; i++) {
		const struct seg *sg = &e->segs[i];
		if (sg->kind == 2) /* greedy: the rest of the path, non-empty */
			return i < rp->n && (rp->len[i] || i + 1 < rp->n) && i == e->nsegs - 1;
		if (i >= rp->n || !rp->len[i])
			return false;
		if (sg->kind == 0 && (rp->len[i] != sg->len || memcmp(rp->s[i], sg->s, sg->len)))
			return false;
	}
	return e->nsegs == rp->n;
}

const struct model_op *rest_route(const struct model_service *m, const struct http_request *req, const char *path,
			       const struct query *q)
{
	const struct rtable *t = table_for(m);
	struct rpath rp;
	if (!t || split_path(path, &rp))
		return NULL;
	const struct qparam *qs = q->p;
	int nq = q->n;
	const struct model_op *best = NULL;
	long best_score = -1000000;
	uint64_t method = method_key(req->method);
	for (int i = 0; nq >= 0 && method && i < t->n; i++) {
		const struct rentry *e = &t->e[i];
		if (e->method != method || !e->usable || !entry_matches_path(e, &rp))
			continue;
		long score = 1000L * e->nlits;
		bool ok = true;
		for (int j = 0; j < e->nq && ok; j++) {
			const struct qparam *p = qfind(qs, nq, e->q[j].k, e->q[j].kl);
			if (!p || (e->q[j].v && (p->vlen != e->q[j].vl || memcmp(p->v, e->q[j].v, p->vlen))))
				ok = false;
			else
				score += 10;
		}
		if (!ok)
			continue;
		for (int j = 0; j < e->nreq; j++) {
			bool present = e->req[j].kind == 'q' ? qfind(qs, nq, e->req[j].name, e->req[j].len) != NULL
							       : has_header(req, e->req[j].name, e->req[j].len);
			score += present ? 1 : -100;
		}
		if (score > best_score || (score == best_score && e->op->implemented && !best->implemented)) {
			best_score = score;
			best = e->op;
		}
	}
	return best;
}

static int bind_error(struct call *c, const struct model_member *m, const char *why)
{
	return call_error(c, c->proto == PROTO_REST_XML ? ERR_INVALID_ARGUMENT : ERR_VALIDATION, "Value for %s %s.",
			  model_wire_name(m), why);
}

static json_t *text_value(struct call *c, const struct model_member *m, const char *txt, size_t len, enum text_ctx ctx)
{
	char why[128];
	json_t *v;
	if (m->shape->type == SHAPE_LIST) {
		/* A list in a header is comma-separated. */
		v = json_array();
		const char *p = txt, *end = txt + len;
		while (p <= end && len) {
			const char *comma = memchr(p, ',', (size_t)(end - p));
			const char *e = comma ? comma : end;
			const char *s = p;
			while (s < e && *s == ' ')
				s++;
			const char *ee = e;
			while (ee > s && ee[-1] == ' ')
				ee--;
			json_t *item = scalar_from_text(m->shape->members[0].shape, &m->shape->members[0], s, (size_t)(ee - s),
							ctx, why, sizeof why);
			if (!item) {
				json_decref(v);
				bind_error(c, m, why);
				return NULL;
			}
			json_array_append_new(v, item);
			if (!comma)
				break;
			p = comma + 1;
		}
		return v;
	}
	v = scalar_from_text(m->shape, m, txt, len, ctx, why, sizeof why);
	if (!v)
		bind_error(c, m, why);
	return v;
}

int rest_decode_bindings(struct call *c, const char *path, json_t *input)
{
	const struct model_shape *in = c->op->input;
	const struct http_request *req = c->req;
	const char *q = strchr(c->op->uri, '?');
	struct label labels[MAX_LABELS];
	int nl = 0;
	if (match_path(c->op->uri, q ? (size_t)(q - c->op->uri) : strlen(c->op->uri), path, labels, &nl) < 0)
		nl = 0;
	const struct qparam *qs = NULL;
	int nq = call_query(c, &qs);
	if (nq < 0)
		return call_error(c, c->proto == PROTO_REST_XML ? ERR_INVALID_URI_S3 : ERR_VALIDATION,
				  "The query string has a malformed percent-encoding.");
	for (unsigned i = 0; i < in->nmembers; i++) {
		const struct model_member *m = &in->members[i];
		if (m->location == LOC_BODY || m->location == LOC_STATUS)
			continue; /* the codec's body decoder binds these */
		const char *wire = model_wire_name(m);
		size_t wl = strlen(wire);
		json_t *v = NULL;
		switch (m->location) {
		case LOC_URI:
			for (int j = 0; j < nl; j++) {
				if (labels[j].nlen == wl && !memcmp(labels[j].name, wire, wl)) {
					char *raw = arena_strndup(c->arena, labels[j].val, labels[j].vlen);
					long dl = uri_decode(raw, labels[j].vlen, false);
					if (dl < 0)
						return call_error(c, c->proto == PROTO_REST_XML ? ERR_INVALID_URI_S3 : ERR_VALIDATION,
								  "Couldn't parse the specified URI.");
					if (!(v = text_value(c, m, raw, (size_t)dl, TEXT_URI)))
						return -1;
				}
			}
			break;
		case LOC_QUERY:
			if (m->shape->type == SHAPE_MAP) {
				v = json_object();
				for (int j = 0; j < nq; j++)
					json_object_setn_new_nocheck(v, qs[j].k, qs[j].klen, json_stringn_nocheck(qs[j].v, qs[j].vlen));
			} else if (m->shape->type == SHAPE_LIST) {
				for (int j = 0; j < nq; j++) {
					if (qs[j].klen == wl && !memcmp(qs[j].k, wire, wl)) {
						char why[128];
						json_t *item = scalar_from_text(m->shape->members[0].shape, &m->shape->members[0], qs[j].v,
										qs[j].vlen, TEXT_QUERY, why, sizeof why);
						if (!item) {
							json_decref(v);
							return bind_error(c, m, why);
						}
						if (!v)
							v = json_array();
						json_array_append_new(v, item);
					}
				}
			} else {
				const struct qparam *p = qfind(qs, nq, wire, wl);
				if (p && !(v = text_value(c, m, p->v, p->vlen, TEXT_QUERY)))
					return -1;
			}
			break;
		case LOC_HEADER: {
			size_t hl;
			for (int j = 0; j < req->nheaders; j++) {
				if (req->headers[j].nlen == wl && !strncasecmp(req->headers[j].name, wire, wl)) {
					hl = req->headers[j].vlen;
					if (!(v = text_value(c, m, req->headers[j].value, hl, TEXT_HEADER)))
						return -1;
					break;
				}
			}
			break;
		}
		case LOC_HEADERS:
			for (int j = 0; j < req->nheaders; j++) {
				if (req->headers[j].nlen > wl && !strncasecmp(req->headers[j].name, wire, wl)) {
					if (!v)
						v = json_object();
					json_object_setn_new_nocheck(v, req->headers[j].name + wl, req->headers[j].nlen - wl,
								     json_stringn_nocheck(req->headers[j].value, req->headers[j].vlen));
				}
			}
			break;
		default:
			break;
		}
		if (v)
			json_object_set_new(input, m->name, v);
	}
	return 0;
}

void rest_encode_bindings(struct call *c, struct http_response *r)
{
	const struct model_shape *out = c->op->output;
	if (!out || !c->output)
		return;
	struct buf t;
	buf_init(&t, 64 * 1024);
	/* Walk what the handler set (a few keys), not every member (dozens). */
	const char *key;
	json_t *v;
	json_object_foreach(c->output, key, v)
	{
		const struct model_member *m = model_find_member(out, key, strlen(key));
		if (!m)
			continue;
		const char *wire = model_wire_name(m);
		switch (m->location) {
		case LOC_STATUS:
			if (json_is_integer(v))
				r->status = (int)json_integer_value(v);
			break;
		case LOC_HEADER:
			if (!strcasecmp(wire, "Content-Length")) {
				/* The server frames the body; a HEAD answer still says the size. */
				if (json_is_integer(v))
					r->content_length = json_integer_value(v);
				break;
			}
			buf_reset(&t);
			if (m->shape->type == SHAPE_LIST) {
				size_t k;
				json_t *item;
				json_array_foreach(v, k, item)
				{
					if (k)
						buf_addc(&t, ',');
					scalar_to_text(&t, m->shape->members[0].shape, &m->shape->members[0], item, TEXT_HEADER);
				}
			} else if (scalar_to_text(&t, m->shape, m, v, TEXT_HEADER)) {
				break;
			}
			http_response_header(r, wire, buf_str(&t));
			break;
		case LOC_HEADERS: {
			const char *k;
			json_t *hv;
			json_object_foreach(v, k, hv)
			{
				if (!json_is_string(hv))
					continue;
				buf_reset(&t);
				buf_adds(&t, wire);
				buf_adds(&t, k);
				http_response_header(r, buf_str(&t), json_string_value(hv));
			}
			break;
		}
		default:
			break;
		}
	}
	buf_free(&t);
}

const struct model_member *rest_payload_member(const struct model_shape *s)
{
	if (!s || !s->payload)
		return NULL;
	return model_find_member(s, s->payload, strlen(s->payload));
}

bool rest_payload_streams(const struct model_member *m)
{
	return m && ((m->flags & MF_STREAMING) || (m->shape->flags & SHF_STREAMING));
}

void rest_encode_stream(struct call *c, struct http_response *r)
{
	if (!c->out_body.present)
		return;
	if (c->out_body.fd >= 0) {
		r->fd = c->out_body.fd;
		r->off = c->out_body.off;
		r->len = c->out_body.len;
	} else { /* the call's memory lives until the response is sent */
		r->mem = c->out_body.mem;
		r->memlen = c->out_body.memlen;
	}
}
