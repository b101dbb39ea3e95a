/* xmlshape.h — XML documents <-> values, driven by shapes (rest-xml bodies
 * and query/ec2 responses share it). */
#ifndef NUAGE_PROTO_XMLSHAPE_H
#define NUAGE_PROTO_XMLSHAPE_H

#include <jansson.h>
#include <stdbool.h>

#include "core/buf.h"
#include "proto/model.h"
#include "proto/xml.h"

/* Decodes element n as a value of shape s (m: the member referring to it,
 * may be NULL). Returns a new reference or NULL with why set. */
json_t *xmlshape_decode(const struct model_shape *s, const struct model_member *m, const struct xml_node *n,
			char *why, size_t whylen);
/* Writes the members of structure s from obj (no wrapping element),
 * skipping members bound to headers/status/uri. */
void xmlshape_encode_members(struct buf *out, const struct model_shape *s, json_t *obj);
/* Writes v as element `name`. */
void xmlshape_encode(struct buf *out, const char *name, const struct model_shape *s, const struct model_member *m,
		     json_t *v);

#endif
