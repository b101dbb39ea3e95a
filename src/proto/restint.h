/* restint.h — internals shared by the rest-xml and rest-json codecs:
 * URI templates, querystring and header bindings. */
#ifndef NUAGE_PROTO_RESTINT_H
#define NUAGE_PROTO_RESTINT_H

#include <jansson.h>

#include "http/response.h"
#include "proto/call.h"

/* Splits a raw query into decoded pairs (arena). Returns count or -1 on a bad escape. */
int rest_parse_query(struct arena *a, const char *q, struct qparam **out);

/* Binds URI labels, querystring, header and header-prefix members of the
 * input shape into input. 0, or -1 with c->err set. */
int rest_decode_bindings(struct call *c, const char *path, json_t *input);
/* Writes status-code and header members of the output into r. */
void rest_encode_bindings(struct call *c, struct http_response *r);
/* The payload member of a structure (its `payload` trait), or NULL. */
const struct model_member *rest_payload_member(const struct model_shape *s);
/* Puts the handler's streaming output (file range or memory) into r. */
void rest_encode_stream(struct call *c, struct http_response *r);
/* True when the body is the streaming payload member. */
bool rest_payload_streams(const struct model_member *m);

#endif
