/* proto.c — the codec for each protocol, and bare errors for requests that
 * never reached an operation. */
#include "proto/proto.h"
#include "proto/jsonshape.h"

#include <string.h>

extern const struct proto_codec proto_rest_xml, proto_query, proto_ec2, proto_json, proto_rest_json;
void query_bare_error(const struct model_service *m, enum err_id id, const char *msg, const char *rid,
		      struct http_response *r, bool ec2);
void restxml_bare_error(enum err_id id, const char *msg, const char *rid, struct http_response *r);

const struct proto_codec *proto_codec(enum protocol p)
{
	switch (p) {
	case PROTO_REST_XML: return &proto_rest_xml;
	case PROTO_QUERY: return &proto_query;
	case PROTO_EC2: return &proto_ec2;
	case PROTO_JSON: return &proto_json;
	case PROTO_REST_JSON: return &proto_rest_json;
	}
	return &proto_json;
}

void proto_bare_error(enum protocol p, const struct model_service *m, enum err_id id, const char *msg,
		      const char *rid, struct http_response *r)
{
	const struct err_info *e = err_info(id);
	if (!msg)
		msg = e->message;
	switch (p) {
	case PROTO_REST_XML:
		restxml_bare_error(id, msg, rid, r);
		return;
	case PROTO_QUERY:
	case PROTO_EC2:
		query_bare_error(m, id, msg, rid, r, p == PROTO_EC2);
		return;
	default:
		r->status = e->status;
		http_response_header(r, "Content-Type", m ? json_content_type(m) : "application/x-amz-json-1.1");
		http_response_header(r, "x-amzn-RequestId", rid);
		if (p == PROTO_REST_JSON)
			http_response_header(r, "x-amzn-ErrorType", e->code);
		buf_adds(&r->body, "{\"__type\":");
		json_write_string(&r->body, e->code, strlen(e->code));
		buf_adds(&r->body, ",\"message\":");
		json_write_string(&r->body, msg, strlen(msg));
		buf_addc(&r->body, '}');
	}
}
