/* json.c — the awsJson 1.0/1.1 protocol: POST /, X-Amz-Target selects the
 * operation, the body is the input structure. Errors are
 * {"__type": ..., "message": ...}; services marked awsQueryCompatible (SQS)
 * also send x-amzn-query-error: Code;Sender so query-era clients see the
 * codes they know. */
#include "proto/proto.h"
#include "proto/jsonshape.h"

#include <stdio.h>
#include <string.h>

#define MAX_JSON_DEPTH 64

const char *json_content_type(const struct model_service *m)
{
	return m->json_version && !strcmp(m->json_version, "1.0") ? "application/x-amz-json-1.0"
								   : "application/x-amz-json-1.1";
}

/* Parses a JSON body into the handler form of shape s (NULL shape: must be an object). */
int json_decode_body(struct call *c, const struct model_shape *s, const char *body, size_t len, json_t **out)
{
	const char *p = body;
	while (len && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
		p++, len--;
	if (!len) {
		*out = json_object();
		return 0;
	}
	if (json_text_depth(p, len) > MAX_JSON_DEPTH)
		return call_error(c, ERR_SERIALIZATION, "The JSON document is nested more than %d levels deep.", MAX_JSON_DEPTH);
	json_error_t je;
	json_t *w = json_loadb(p, len, JSON_ALLOW_NUL, &je);
	if (!w)
		return call_error(c, ERR_SERIALIZATION, "The request body is not valid JSON: %s at line %d column %d.", je.text,
				  je.line, je.column);
	if (!json_is_object(w)) {
		json_decref(w);
		return call_error(c, ERR_SERIALIZATION, "The request body must be a JSON object.");
	}
	if (!s) {
		*out = w;
		return 0;
	}
	char why[256];
	json_t *v = jsonshape_decode(s, NULL, w, why, sizeof why);
	json_decref(w);
	if (!v)
		return call_error(c, ERR_SERIALIZATION, "%s", why);
	*out = v;
	return 0;
}

static int decode(struct call *c, const char *path, const char *body, size_t len)
{
	(void)path;
	return json_decode_body(c, c->op->input, body, len, &c->input);
}

static void encode(struct call *c, struct http_response *r)
{
	r->status = c->status ? c->status : 200;
	http_response_header(r, "Content-Type", json_content_type(c->model));
	http_response_header(r, "x-amzn-RequestId", c->request_id);
	if (c->op->output && c->output)
		jsonshape_encode(&r->body, c->op->output, NULL, c->output, false);
	else
		buf_adds(&r->body, "{}");
}

/* Writes {"__type":T,"message":M} plus any extra fields. */
static void error_body(struct buf *b, const char *type, const char *msg, json_t *extra)
{
	buf_adds(b, "{\"__type\":");
	json_write_string(b, type, strlen(type));
	buf_adds(b, ",\"message\":");
	json_write_string(b, msg, strlen(msg));
	if (extra) {
		const char *k;
		json_t *v;
		json_object_foreach(extra, k, v)
		{
			if (!json_is_string(v))
				continue;
			buf_addc(b, ',');
			json_write_string(b, k, strlen(k));
			buf_addc(b, ':');
			json_write_string(b, json_string_value(v), json_string_length(v));
		}
	}
	buf_addc(b, '}');
}

static void encode_error(struct call *c, struct http_response *r)
{
	const struct err_info *e = err_info(c->err);
	const char *msg = c->errmsg ? c->errmsg : e->message;
	r->status = e->status;
	http_response_header(r, "Content-Type", json_content_type(c->model));
	http_response_header(r, "x-amzn-RequestId", c->request_id);
	char type[256];
	snprintf(type, sizeof type, "%s", e->code);
	if (c->model->query_compatible) {
		http_response_headerf(r, "x-amzn-query-error", "%s;%s", e->code, e->status >= 500 ? "Receiver" : "Sender");
		const struct model_shape *es = model_find_error_by_code(c->model, e->code);
		snprintf(type, sizeof type, "com.amazonaws.%s#%s", c->model->name, es ? es->name : e->code);
	}
	error_body(&r->body, type, msg, c->err_fields);
}

const struct proto_codec proto_json = {decode, encode, encode_error};
