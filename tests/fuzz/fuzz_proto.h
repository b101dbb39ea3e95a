/* Shared by the protocol decoder fuzzers: builds a call for one operation of
 * a model (chosen by the first input byte) and decodes the rest. */
#include "core/arena.h"
#include "http/request.h"
#include "proto/proto.h"
#include "proto/validate.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void fuzz_decode(const struct model_service *m, enum protocol p, const uint8_t *data, size_t size,
			const char *default_head)
{
	if (size < 1 || size > 200000)
		return;
	const struct model_op *ops[256];
	int nops = 0;
	for (unsigned i = 0; i < m->nops && nops < 256; i++)
		if (m->ops[i].implemented)
			ops[nops++] = &m->ops[i];
	const struct model_op *op = ops[data[0] % nops];
	data++, size--;
	char *buf = malloc(size + 1);
	memcpy(buf, data, size);
	buf[size] = 0;
	struct http_request req;
	const char *body = buf;
	size_t bodylen = size;
	char head[256];
	int n = -1;
	if (p == PROTO_REST_XML || p == PROTO_REST_JSON) {
		n = http_parse_head(buf, size, &req);
		if (n > 0) {
			body = buf + n;
			bodylen = size - (size_t)n;
		}
	}
	if (n <= 0) {
		size_t hl = strlen(default_head);
		memcpy(head, default_head, hl + 1);
		http_parse_head(head, hl, &req);
	}
	struct arena a;
	arena_init(&a);
	struct call c = {.arena = &a, .model = m, .op = op, .proto = p, .req = &req, .region = "us-east-1"};
	if (proto_codec(p)->decode(&c, req.path, body, bodylen) == 0)
		validate_input(&c);
	json_decref(c.input);
	json_decref(c.err_fields);
	arena_free(&a);
	free(buf);
}
