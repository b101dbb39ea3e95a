/* thrift.h — the Thrift compact protocol, as Parquet uses it for its footer
 * (FileMetaData) and page headers: a bounded decoder over a byte range and
 * an encoder into a capped buffer.
 *
 * Decoder invariants:
 *  1. Never reads outside [p, end): every length and count is checked
 *     against the bytes left before it is used.
 *  2. Struct nesting deeper than TH_MAX_DEPTH is an error (skipping unknown
 *     fields recurses, so depth is the only recursion bound and it is hard).
 *  3. Errors are sticky: after the first one every call fails, so parsers
 *     may check once at the end of a struct.
 */
#ifndef NUAGE_FORMATS_PARQUET_THRIFT_H
#define NUAGE_FORMATS_PARQUET_THRIFT_H

#include "core/buf.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum th_type {
	TH_STOP = 0,
	TH_TRUE = 1,
	TH_FALSE = 2,
	TH_BYTE = 3,
	TH_I16 = 4,
	TH_I32 = 5,
	TH_I64 = 6,
	TH_DOUBLE = 7,
	TH_BINARY = 8,
	TH_LIST = 9,
	TH_SET = 10,
	TH_MAP = 11,
	TH_STRUCT = 12,
	TH_UUID = 13,
};

#define TH_MAX_DEPTH 32

struct th_in {
	const uint8_t *start, *p, *end;
	int depth;
	const char *error; /* NULL while all is well; a static sentence otherwise */
	bool short_input;  /* the error was running out of bytes (more may help) */
};

void th_in_init(struct th_in *t, const void *p, size_t n);
/* Reads one field header of the current struct. Returns 1 with *id and *type
 * set, 0 at the struct's STOP, -1 on error. *last is the previous field id
 * of this struct (start at 0). */
int th_field(struct th_in *t, int16_t *last, int16_t *id, int *type);
/* Typed values; `type` is the field's (or list element's) wire type and a
 * mismatch is an error. Integers accept narrower wire types. */
int th_i32(struct th_in *t, int type, int32_t *v);
int th_i64(struct th_in *t, int type, int64_t *v);
int th_bool(struct th_in *t, int type, bool *v); /* in a field header */
int th_bool_elem(struct th_in *t, bool *v); /* a list element */
int th_binary(struct th_in *t, int type, const uint8_t **p, uint32_t *n);
/* List or set header: element type and count (count <= bytes left). */
int th_list(struct th_in *t, int type, int *etype, uint32_t *n);
/* Enter/leave a nested struct value (field or element of type STRUCT). */
int th_struct_begin(struct th_in *t, int type);
void th_struct_end(struct th_in *t);
/* Skips a value of any type, nested ones included (depth-bounded). */
int th_skip(struct th_in *t, int type);
static inline size_t th_pos(const struct th_in *t)
{
	return (size_t)(t->p - t->start);
}
int th_fail(struct th_in *t, const char *why); /* records why, returns -1 */

/* Encoder: writes into a buf (its cap bounds the output). Field ids are
 * delta-encoded against the enclosing struct's previous id, kept on a small
 * stack that tw_struct_begin/end push and pop. Errors (cap reached, stack
 * overflow) are sticky in `failed`. */
struct th_out {
	struct buf *b;
	int16_t last[TH_MAX_DEPTH];
	int depth;
	bool failed;
};

void tw_init(struct th_out *w, struct buf *b);
void tw_i32(struct th_out *w, int16_t id, int32_t v);
void tw_i64(struct th_out *w, int16_t id, int64_t v);
void tw_bool(struct th_out *w, int16_t id, bool v);
void tw_byte(struct th_out *w, int16_t id, int8_t v);
void tw_binary(struct th_out *w, int16_t id, const void *p, size_t n);
void tw_string(struct th_out *w, int16_t id, const char *s);
/* A struct-typed field; id 0 opens a struct that is a list element or the
 * top-level value. Close with tw_struct_end (writes STOP). */
void tw_struct_begin(struct th_out *w, int16_t id);
void tw_struct_end(struct th_out *w);
/* A list field header (id 0: a list that is itself an element). */
void tw_list_begin(struct th_out *w, int16_t id, int etype, uint32_t n);
void tw_elem_i32(struct th_out *w, int32_t v);
void tw_elem_binary(struct th_out *w, const void *p, size_t n);
/* Field of an empty struct type (e.g. LogicalType.STRING). */
void tw_empty_struct(struct th_out *w, int16_t id);

#endif
