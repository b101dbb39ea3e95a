/* jsonshape.h — JSON bodies <-> values, driven by shapes (json and
 * rest-json protocols). On the wire: member keys are locationName or name,
 * timestamps epoch seconds (rest-json may use other formats per trait),
 * blobs base64. */
#ifndef NUAGE_PROTO_JSONSHAPE_H
#define NUAGE_PROTO_JSONSHAPE_H

#include <jansson.h>

#include "core/buf.h"
#include "proto/model.h"

/* Converts a parsed wire value into the handler form. Returns a new
 * reference or NULL with why (and the member path) set. */
json_t *jsonshape_decode(const struct model_shape *s, const struct model_member *m, json_t *wire, char *why,
			 size_t whylen);
/* Writes v (handler form) as wire JSON text; body_only skips members bound
 * elsewhere (rest-json headers/uri/status). */
void jsonshape_encode(struct buf *out, const struct model_shape *s, const struct model_member *m, json_t *v,
		      bool body_only);
/* Appends a JSON string literal. */
void json_write_string(struct buf *out, const char *s, size_t n);
/* Nesting depth of a JSON text, counted without parsing (strings skipped);
 * lets callers refuse deep documents before a recursive parser sees them. */
int json_text_depth(const char *s, size_t n);

#endif
