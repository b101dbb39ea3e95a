/* restjson.c — the rest-json protocol (Lambda, Scheduler): URI, query and
 * header bindings plus a JSON body (or a raw payload member). Errors carry
 * x-amzn-ErrorType and {"Type": "User"|"Service", "message": ...}. */
#include "proto/proto.h"
#include "proto/jsonshape.h"
#include "proto/restint.h"

#include <string.h>

static int decode(struct call *c, const char *path, const char *body, size_t len)
{
	const struct model_shape *in = c->op->input;
	const struct model_member *pm = rest_payload_member(in);
	json_t *input = NULL;
	if (pm) {
		input = json_object();
		/* A streaming member arrives here whole when dispatch read it (its
		 * hash had to be checked first): it is then an ordinary blob. */
		if ((!rest_payload_streams(pm) || !c->body) && len) {
			if (pm->shape->type == SHAPE_STRUCTURE) {
				json_t *v;
				if (json_decode_body(c, pm->shape, body, len, &v)) {
					json_decref(input);
					return -1;
				}
				json_object_set_new(input, pm->name, v);
			} else {
				json_object_set_new(input, pm->name, json_stringn_nocheck(body, len));
			}
		}
	} else if (json_decode_body(c, in, body, len, &input)) {
		return -1;
	}
	c->input = input;
	return rest_decode_bindings(c, path, input);
}

static void encode(struct call *c, struct http_response *r)
{
	r->status = c->status ? c->status : c->op->status ? c->op->status : 200;
	http_response_header(r, "x-amzn-RequestId", c->request_id);
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
			http_response_header(r, "Content-Type", "application/json");
			jsonshape_encode(&r->body, pm->shape, pm, v, false);
		} else if (json_is_string(v)) {
			buf_add(&r->body, json_string_value(v), json_string_length(v));
		}
		return;
	}
	if (r->status == 204)
		return;
	http_response_header(r, "Content-Type", "application/json");
	if (out && c->output)
		jsonshape_encode(&r->body, out, NULL, c->output, true);
	else
		buf_adds(&r->body, "{}");
}

static void encode_error(struct call *c, struct http_response *r)
{
	const struct err_info *e = err_info(c->err);
	const char *msg = c->errmsg ? c->errmsg : e->message;
	r->status = e->status;
	http_response_header(r, "Content-Type", "application/json");
	http_response_header(r, "x-amzn-RequestId", c->request_id);
	http_response_header(r, "x-amzn-ErrorType", e->code);
	buf_adds(&r->body, "{\"Type\":");
	buf_adds(&r->body, e->status >= 500 ? "\"Service\"" : "\"User\"");
	buf_adds(&r->body, ",\"message\":");
	json_write_string(&r->body, msg, strlen(msg));
	if (c->err_fields) {
		const char *k;
		json_t *v;
		json_object_foreach(c->err_fields, k, v)
		{
			if (!json_is_string(v))
				continue;
			buf_addc(&r->body, ',');
			json_write_string(&r->body, k, strlen(k));
			buf_addc(&r->body, ':');
			json_write_string(&r->body, json_string_value(v), json_string_length(v));
		}
	}
	buf_addc(&r->body, '}');
}

const struct proto_codec proto_rest_json = {decode, encode, encode_error};
