/* scalar.h — text <-> typed values for shapes, shared by every protocol.
 *
 * Text forms: what query strings, headers, URI labels and XML elements
 * carry. Timestamps become epoch milliseconds (json integer); blobs become
 * raw bytes (json string, any byte). */
#ifndef NUAGE_PROTO_SCALAR_H
#define NUAGE_PROTO_SCALAR_H

#include <jansson.h>
#include <stddef.h>

#include "core/buf.h"
#include "proto/model.h"

/* Where the text came from: blobs are base64 everywhere except in a raw payload;
 * timestamps default to iso8601 in XML/query/URI, rfc822 in headers. */
enum text_ctx { TEXT_XML, TEXT_QUERY, TEXT_HEADER, TEXT_URI };

/* Converts text to a json value for shape s (member traits in m, may be
 * NULL). Returns a new reference, or NULL when the text is not a valid value
 * of that type (why gets a reason). */
json_t *scalar_from_text(const struct model_shape *s, const struct model_member *m, const char *txt, size_t len,
			 enum text_ctx ctx, char *why, size_t whylen);
/* Appends the text form of v (a scalar of shape s). Returns 0 or -1 if v has
 * the wrong json type. */
int scalar_to_text(struct buf *out, const struct model_shape *s, const struct model_member *m, json_t *v,
		   enum text_ctx ctx);
/* The timestamp format a member uses in ctx (explicit trait, else the default). */
enum ts_format scalar_ts_format(const struct model_shape *s, const struct model_member *m, enum text_ctx ctx);
/* Appends a timestamp (ms) in format f. */
void scalar_fmt_time(struct buf *out, int64_t ms, enum ts_format f);
/* Appends the shortest decimal that reads back as d (finite d only). */
void scalar_fmt_double(struct buf *out, double d);
/* Parses a timestamp text in format f (TSF_DEFAULT accepts any). */
int scalar_parse_time(const char *s, size_t n, enum ts_format f, int64_t *ms);

#endif
