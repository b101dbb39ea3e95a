/* query.c — the query protocols (SNS, STS, SQS before 2023) and EC2's
 * variant. Input: form-encoded parameters (POST body and/or URL query)
 * named after the shape: Name.member.N for lists (Name.N when flattened,
 * always Name.N in EC2), Name.entry.N.key/.value for maps, A.B for nested
 * structures. Output: an XML document
 *   <OpResponse xmlns=NS><OpResult>...</OpResult><ResponseMetadata>
 *   <RequestId>..</RequestId></ResponseMetadata></OpResponse>
 * (EC2: no Result wrapper, <requestId> inside the response).
 */
#include "proto/proto.h"
#include "proto/restint.h"
#include "proto/scalar.h"
#include "proto/xml.h"
#include "proto/xmlshape.h"
#include "core/enc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_LIST 1000
#define MAX_DEPTH 16

struct qtab {
	struct qparam *p;
	int n;
};

static int qcmp(const void *a, const void *b)
{
	const struct qparam *x = a, *y = b;
	return strcmp(x->k, y->k);
}

static const struct qparam *qget(const struct qtab *t, const char *k)
{
	struct qparam key = {.k = k};
	return bsearch(&key, t->p, (size_t)t->n, sizeof *t->p, qcmp);
}

/* True when some parameter is `prefix` or starts with "prefix." */
static bool qhas(const struct qtab *t, const char *prefix)
{
	size_t pl = strlen(prefix);
	int lo = 0, hi = t->n;
	while (lo < hi) {
		int mid = (lo + hi) / 2;
		if (strcmp(t->p[mid].k, prefix) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (int i = lo; i < t->n && !strncmp(t->p[i].k, prefix, pl); i++)
		if (t->p[i].k[pl] == 0 || t->p[i].k[pl] == '.')
			return true;
	return false;
}

struct qdec {
	struct call *c;
	struct qtab t;
	bool ec2;
	char why[256];
};

static const char *member_qname(struct qdec *d, const struct model_member *m, char *tmp, size_t tl)
{
	if (!d->ec2)
		return model_xml_name(m);
	if (m->query)
		return m->query;
	if (m->wire) {
		snprintf(tmp, tl, "%s", m->wire);
		if (tmp[0] >= 'a' && tmp[0] <= 'z')
			tmp[0] = (char)(tmp[0] - 32);
		return tmp;
	}
	return m->name;
}

static json_t *qdecode(struct qdec *d, const struct model_shape *s, const struct model_member *m, const char *prefix,
		       int depth);

static json_t *qdecode_list(struct qdec *d, const struct model_shape *s, const struct model_member *m,
			    const char *prefix, int depth)
{
	const struct model_member *em = &s->members[0];
	char base[512];
	bool flat = d->ec2 || (s->flags & SHF_FLATTENED) || (m && (m->flags & MF_FLATTENED));
	if (flat) {
		if (!d->ec2 && em->wire) {
			/* Flattened with a member name: replace the last prefix segment. */
			const char *dot = strrchr(prefix, '.');
			snprintf(base, sizeof base, "%.*s%s%s", dot ? (int)(dot - prefix) : 0, prefix, dot ? "." : "", em->wire);
		} else {
			snprintf(base, sizeof base, "%s", prefix);
		}
	} else {
		snprintf(base, sizeof base, "%s.%s", prefix, em->wire ? em->wire : "member");
	}
	const struct qparam *empty = qget(&d->t, prefix);
	json_t *arr = json_array();
	for (int i = 1; i <= MAX_LIST; i++) {
		char ip[560];
		snprintf(ip, sizeof ip, "%s.%d", base, i);
		if (!qhas(&d->t, ip))
			break;
		json_t *v = qdecode(d, em->shape, em, ip, depth + 1);
		if (!v) {
			json_decref(arr);
			return NULL;
		}
		json_array_append_new(arr, v);
	}
	if (!json_array_size(arr) && !empty && !qhas(&d->t, base)) {
		json_decref(arr);
		return json_null(); /* absent */
	}
	return arr;
}

static json_t *qdecode_map(struct qdec *d, const struct model_shape *s, const struct model_member *m,
			   const char *prefix, int depth)
{
	const struct model_member *km = &s->members[0], *vm = &s->members[1];
	bool flat = (s->flags & SHF_FLATTENED) || (m && (m->flags & MF_FLATTENED));
	json_t *obj = json_object();
	for (int i = 1; i <= MAX_LIST; i++) {
		char ep[560], kp[640], vp[640];
		snprintf(ep, sizeof ep, flat ? "%s.%d" : "%s.entry.%d", prefix, i);
		if (!qhas(&d->t, ep))
			break;
		snprintf(kp, sizeof kp, "%s.%s", ep, km->wire ? km->wire : "key");
		snprintf(vp, sizeof vp, "%s.%s", ep, vm->wire ? vm->wire : "value");
		const struct qparam *k = qget(&d->t, kp);
		if (!k) {
			snprintf(d->why, sizeof d->why, "The map entry %s has no key.", ep);
			json_decref(obj);
			return NULL;
		}
		json_t *v = qhas(&d->t, vp) ? qdecode(d, vm->shape, vm, vp, depth + 1) : json_null();
		if (!v) {
			json_decref(obj);
			return NULL;
		}
		json_object_setn_new_nocheck(obj, k->v, k->vlen, v);
	}
	if (!json_object_size(obj)) {
		json_decref(obj);
		return json_null();
	}
	return obj;
}

static json_t *qdecode(struct qdec *d, const struct model_shape *s, const struct model_member *m, const char *prefix,
		       int depth)
{
	if (depth > MAX_DEPTH) {
		snprintf(d->why, sizeof d->why, "Parameters are nested too deeply.");
		return NULL;
	}
	switch (s->type) {
	case SHAPE_STRUCTURE: {
		json_t *obj = json_object();
		for (unsigned i = 0; i < s->nmembers; i++) {
			const struct model_member *mm = &s->members[i];
			char tmp[128], p[512];
			const char *qn = member_qname(d, mm, tmp, sizeof tmp);
			if (*prefix)
				snprintf(p, sizeof p, "%s.%s", prefix, qn);
			else
				snprintf(p, sizeof p, "%s", qn);
			bool present = qhas(&d->t, p);
			if (!present && mm->shape->type == SHAPE_LIST && !d->ec2 && mm->shape->members[0].wire &&
			    ((mm->shape->flags & SHF_FLATTENED) || (mm->flags & MF_FLATTENED))) {
				char alt[512];
				const char *dot = strrchr(p, '.');
				snprintf(alt, sizeof alt, "%.*s%s%s", dot ? (int)(dot - p) : 0, p, dot ? "." : "",
					 mm->shape->members[0].wire);
				present = qhas(&d->t, alt);
			}
			if (!present)
				continue;
			json_t *v = qdecode(d, mm->shape, mm, p, depth + 1);
			if (!v) {
				json_decref(obj);
				return NULL;
			}
			if (json_is_null(v))
				json_decref(v);
			else
				json_object_set_new(obj, mm->name, v);
		}
		return obj;
	}
	case SHAPE_LIST:
		return qdecode_list(d, s, m, prefix, depth);
	case SHAPE_MAP:
		return qdecode_map(d, s, m, prefix, depth);
	default: {
		const struct qparam *p = qget(&d->t, prefix);
		if (!p)
			return json_null();
		char why[128];
		json_t *v = scalar_from_text(s, m, p->v, p->vlen, TEXT_QUERY, why, sizeof why);
		if (!v)
			snprintf(d->why, sizeof d->why, "Value (%.*s) for parameter %s is invalid: %s.",
				 (int)(p->vlen > 100 ? 100 : p->vlen), p->v, prefix, why);
		return v;
	}
	}
}

static int collect(struct call *c, struct qtab *t, const char *body, size_t len)
{
	const struct qparam *a = NULL;
	struct qparam *b = NULL;
	int na = call_query(c, &a);
	int nb = 0;
	if (na >= 0 && body && len) {
		char *copy = arena_strndup(c->arena, body, len);
		nb = rest_parse_query(c->arena, copy, &b);
	}
	if (na < 0 || nb < 0)
		return call_error(c, ERR_INVALID_QUERY_PARAMETER, "The request has a malformed percent-encoding.");
	t->n = na + nb;
	t->p = arena_alloc(c->arena, sizeof *t->p * (size_t)(t->n ? t->n : 1));
	memcpy(t->p, a, sizeof *a * (size_t)na);
	if (nb)
		memcpy(t->p + na, b, sizeof *b * (size_t)nb);
	qsort(t->p, (size_t)t->n, sizeof *t->p, qcmp);
	return 0;
}

static int decode_any(struct call *c, const char *body, size_t len, bool ec2)
{
	struct qdec d = {.c = c, .ec2 = ec2};
	if (collect(c, &d.t, body, len))
		return -1;
	if (!c->op->input) {
		c->input = json_object();
		return 0;
	}
	json_t *v = qdecode(&d, c->op->input, NULL, "", 0);
	if (!v)
		return call_error(c, ERR_INVALID_PARAMETER_VALUE, "%s", d.why);
	c->input = v;
	return 0;
}

static int decode(struct call *c, const char *path, const char *body, size_t len)
{
	(void)path;
	return decode_any(c, body, len, false);
}

static int decode_ec2(struct call *c, const char *path, const char *body, size_t len)
{
	(void)path;
	return decode_any(c, body, len, true);
}

static void encode_any(struct call *c, struct http_response *r, bool ec2)
{
	r->status = c->status ? c->status : 200;
	http_response_header(r, "Content-Type", "text/xml");
	http_response_header(r, "x-amzn-RequestId", c->request_id);
	struct buf *b = &r->body;
	char root[160];
	snprintf(root, sizeof root, "%sResponse", c->op->name);
	buf_addf(b, "<%s xmlns=\"%s\">", root, c->model->xml_ns ? c->model->xml_ns : "");
	if (ec2) {
		xml_element(b, "requestId", c->request_id, strlen(c->request_id));
		if (c->op->output && c->output)
			xmlshape_encode_members(b, c->op->output, c->output);
	} else {
		if (c->op->result_wrapper) {
			xml_open(b, c->op->result_wrapper);
			if (c->op->output && c->output)
				xmlshape_encode_members(b, c->op->output, c->output);
			xml_close(b, c->op->result_wrapper);
		}
		buf_adds(b, "<ResponseMetadata>");
		xml_element(b, "RequestId", c->request_id, strlen(c->request_id));
		buf_adds(b, "</ResponseMetadata>");
	}
	xml_close(b, root);
}

static void encode(struct call *c, struct http_response *r)
{
	encode_any(c, r, false);
}

static void encode_ec2(struct call *c, struct http_response *r)
{
	encode_any(c, r, true);
}

static void error_doc(struct buf *b, const struct model_service *m, const struct err_info *e, const char *msg,
		      const char *rid, bool ec2)
{
	if (ec2) {
		buf_adds(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error>");
		xml_element(b, "Code", e->code, strlen(e->code));
		xml_element(b, "Message", msg, strlen(msg));
		buf_adds(b, "</Error></Errors>");
		xml_element(b, "RequestID", rid, strlen(rid));
		buf_adds(b, "</Response>");
		return;
	}
	buf_addf(b, "<ErrorResponse xmlns=\"%s\"><Error><Type>%s</Type>", m && m->xml_ns ? m->xml_ns : "",
		 e->status >= 500 ? "Receiver" : "Sender");
	xml_element(b, "Code", e->code, strlen(e->code));
	xml_element(b, "Message", msg, strlen(msg));
	buf_adds(b, "</Error>");
	xml_element(b, "RequestId", rid, strlen(rid));
	buf_adds(b, "</ErrorResponse>");
}

static void encode_error_any(struct call *c, struct http_response *r, bool ec2)
{
	const struct err_info *e = err_info(c->err);
	r->status = e->status;
	http_response_header(r, "Content-Type", "text/xml");
	http_response_header(r, "x-amzn-RequestId", c->request_id);
	error_doc(&r->body, c->model, e, c->errmsg ? c->errmsg : e->message, c->request_id, ec2);
}

static void encode_error(struct call *c, struct http_response *r)
{
	encode_error_any(c, r, false);
}

static void encode_error_ec2(struct call *c, struct http_response *r)
{
	encode_error_any(c, r, true);
}

void query_bare_error(const struct model_service *m, enum err_id id, const char *msg, const char *rid,
		      struct http_response *r, bool ec2)
{
	const struct err_info *e = err_info(id);
	r->status = e->status;
	http_response_header(r, "Content-Type", "text/xml");
	http_response_header(r, "x-amzn-RequestId", rid);
	error_doc(&r->body, m, e, msg ? msg : e->message, rid, ec2);
}

int query_find_param(const char *s, size_t n, const char *name, char *out, size_t outlen)
{
	size_t nl = strlen(name);
	const char *p = s, *end = s + n;
	while (p < end) {
		const char *amp = memchr(p, '&', (size_t)(end - p));
		const char *e = amp ? amp : end;
		if ((size_t)(e - p) > nl && !memcmp(p, name, nl) && p[nl] == '=') {
			size_t vl = (size_t)(e - p - nl - 1);
			if (vl >= outlen)
				return -1;
			memcpy(out, p + nl + 1, vl);
			long dl = uri_decode(out, vl, true);
			if (dl < 0)
				return -1;
			out[dl] = 0;
			return 0;
		}
		p = e + 1;
	}
	return -1;
}

const struct proto_codec proto_query = {decode, encode, encode_error};
const struct proto_codec proto_ec2 = {decode_ec2, encode_ec2, encode_error_ec2};
