/* restxml.c — the rest-xml protocol (S3): URI, query and header bindings
 * plus an XML document or a raw/streaming payload. Errors are
 *   <Error><Code/><Message/>[fields]<RequestId/><HostId/></Error>
 * with x-amz-request-id and x-amz-id-2 headers, and no body for HEAD. */
#include "proto/proto.h"
#include "proto/restint.h"
#include "proto/xml.h"
#include "proto/xmlshape.h"

#include <string.h>

#define S3_NS "http://s3.amazonaws.com/doc/2006-03-01/"

static int decode(struct call *c, const char *path, const char *body, size_t len)
{
	json_t *input = json_object();
	c->input = input;
	const struct model_shape *in = c->op->input;
	const struct model_member *pm = rest_payload_member(in);
	if (pm && !rest_payload_streams(pm) && len) {
		if (pm->shape->type == SHAPE_STRUCTURE) {
			char why[256];
			struct xml_node *root = xml_parse(c->arena, body, len, why, sizeof why);
			if (!root)
				return call_error(c, ERR_MALFORMED_XML, "%s", why);
			const char *want = c->op->input_xml_name ? c->op->input_xml_name : model_wire_name(pm);
			if (strcmp(root->name, want))
				return call_error(c, ERR_MALFORMED_XML,
						  "The XML you provided was not well-formed or did not validate against our "
						  "published schema (expected <%s>, got <%s>).",
						  want, root->name);
			json_t *v = xmlshape_decode(pm->shape, pm, root, why, sizeof why);
			if (!v)
				return call_error(c, ERR_MALFORMED_XML, "%s", why);
			json_object_set_new(input, pm->name, v);
		} else {
			json_object_set_new(input, pm->name, json_stringn_nocheck(body, len));
		}
	}
	return rest_decode_bindings(c, path, input);
}

static void add_ids(struct call *c, struct http_response *r)
{
	http_response_header(r, "x-amz-request-id", c->request_id);
	http_response_header(r, "x-amz-id-2", c->request_id);
}

static void encode(struct call *c, struct http_response *r)
{
	r->status = c->status ? c->status : c->op->status ? c->op->status : 200;
	add_ids(c, r);
	rest_encode_bindings(c, r);
	const struct model_shape *out = c->op->output;
	const struct model_member *pm = rest_payload_member(out);
	if (pm) {
		if (rest_payload_streams(pm)) {
			rest_encode_stream(c, r);
			return;
		}
		json_t *v = c->output ? json_object_get(c->output, pm->name) : NULL;
		if (!v)
			return;
		if (pm->shape->type == SHAPE_STRUCTURE) {
			http_response_header(r, "Content-Type", "application/xml");
			buf_adds(&r->body, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
			const char *root = model_wire_name(pm);
			buf_addf(&r->body, "<%s xmlns=\"%s\">", root, pm->shape->xml_ns ? pm->shape->xml_ns : S3_NS);
			xmlshape_encode_members(&r->body, pm->shape, v);
			xml_close(&r->body, root);
		} else if (json_is_string(v)) {
			buf_add(&r->body, json_string_value(v), json_string_length(v));
		}
		return;
	}
	if (!out || !c->output || !c->xml_root)
		return;
	const struct model_member *only = NULL;
	int nbody = 0;
	for (unsigned i = 0; i < out->nmembers; i++)
		if (out->members[i].location == LOC_BODY) {
			only = &out->members[i];
			nbody++;
		}
	http_response_header(r, "Content-Type", "application/xml");
	buf_adds(&r->body, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	buf_addf(&r->body, "<%s xmlns=\"%s\">", c->xml_root, S3_NS);
	json_t *sv = only ? json_object_get(c->output, only->name) : NULL;
	if (nbody == 1 && only->shape->type == SHAPE_STRING && !strcmp(model_wire_name(only), c->xml_root)) {
		/* The document is the value itself (GetBucketLocation). */
		if (json_is_string(sv))
			xml_escape(&r->body, json_string_value(sv), json_string_length(sv));
	} else {
		xmlshape_encode_members(&r->body, out, c->output);
	}
	xml_close(&r->body, c->xml_root);
}

static void error_doc(struct buf *b, const struct err_info *e, const char *msg, json_t *fields, const char *rid)
{
	buf_adds(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error>");
	xml_element(b, "Code", e->code, strlen(e->code));
	xml_element(b, "Message", msg, strlen(msg));
	if (fields) {
		const char *k;
		json_t *v;
		json_object_foreach(fields, k, v)
		{
			if (json_is_string(v))
				xml_element(b, k, json_string_value(v), json_string_length(v));
		}
	}
	xml_element(b, "RequestId", rid, strlen(rid));
	xml_element(b, "HostId", rid, strlen(rid));
	buf_adds(b, "</Error>");
}

static void encode_error(struct call *c, struct http_response *r)
{
	const struct err_info *e = err_info(c->err);
	r->status = e->status;
	add_ids(c, r);
	http_response_header(r, "Content-Type", "application/xml");
	error_doc(&r->body, e, c->errmsg ? c->errmsg : e->message, c->err_fields, c->request_id);
}

void restxml_bare_error(enum err_id id, const char *msg, const char *rid, struct http_response *r)
{
	const struct err_info *e = err_info(id);
	r->status = e->status;
	http_response_header(r, "x-amz-request-id", rid);
	http_response_header(r, "x-amz-id-2", rid);
	http_response_header(r, "Content-Type", "application/xml");
	error_doc(&r->body, e, msg ? msg : e->message, NULL, rid);
}

const struct proto_codec proto_rest_xml = {decode, encode, encode_error};
