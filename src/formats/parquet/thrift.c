/* thrift.c — see thrift.h. Wire format (Thrift compact protocol):
 * a field header is one byte (id delta << 4 | type) or, when the delta does
 * not fit, the type byte then a zigzag varint id; integers are zigzag
 * varints (i8 is a raw byte); binary is a varint length then bytes; a list
 * is a byte (count << 4 | element type) with count 15 meaning "varint count
 * follows"; booleans live in the field type, or one byte each in lists.
 */
#include "formats/parquet/thrift.h"
#include "formats/parquet/encoding.h"

#include <string.h>

void th_in_init(struct th_in *t, const void *p, size_t n)
{
	t->start = t->p = p;
	t->end = t->p + n;
	t->depth = 0;
	t->error = NULL;
	t->short_input = false;
}

int th_fail(struct th_in *t, const char *why)
{
	if (!t->error)
		t->error = why;
	t->p = t->end;
	return -1;
}

/* Running out of bytes: a page-header reader may retry with more. */
static int th_short(struct th_in *t, const char *why)
{
	if (!t->error)
		t->short_input = true;
	return th_fail(t, why);
}

static int get_varint(struct th_in *t, uint64_t *v)
{
	uint64_t x = 0;
	for (int shift = 0; shift < 70; shift += 7) {
		if (t->p >= t->end)
			return th_short(t, "metadata ends inside a number");
		uint8_t b = *t->p++;
		if (shift == 63 && b > 1)
			return th_fail(t, "metadata number is too long");
		x |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80)) {
			*v = x;
			return 0;
		}
	}
	return th_fail(t, "metadata number is too long");
}

static int get_zigzag(struct th_in *t, int64_t *v)
{
	uint64_t u;
	if (get_varint(t, &u))
		return -1;
	*v = (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
	return 0;
}

int th_field(struct th_in *t, int16_t *last, int16_t *id, int *type)
{
	if (t->error)
		return -1;
	if (t->p >= t->end)
		return th_short(t, "metadata ends inside a structure");
	uint8_t b = *t->p++;
	if (b == 0)
		return 0;
	*type = b & 0x0f;
	int delta = b >> 4;
	if (*type > TH_UUID)
		return th_fail(t, "metadata has an unknown value type");
	if (delta) {
		int next = *last + delta;
		if (next > INT16_MAX)
			return th_fail(t, "metadata field id out of range");
		*id = (int16_t)next;
	} else {
		int64_t v;
		if (get_zigzag(t, &v))
			return -1;
		if (v < INT16_MIN || v > INT16_MAX)
			return th_fail(t, "metadata field id out of range");
		*id = (int16_t)v;
	}
	*last = *id;
	return 1;
}

int th_i64(struct th_in *t, int type, int64_t *v)
{
	if (t->error)
		return -1;
	if (type == TH_BYTE) {
		if (t->p >= t->end)
			return th_short(t, "metadata ends inside a number");
		*v = (int8_t)*t->p++;
		return 0;
	}
	if (type != TH_I16 && type != TH_I32 && type != TH_I64)
		return th_fail(t, "metadata field has the wrong type (expected an integer)");
	int64_t x;
	if (get_zigzag(t, &x))
		return -1;
	if ((type == TH_I16 && (x < INT16_MIN || x > INT16_MAX)) || (type == TH_I32 && (x < INT32_MIN || x > INT32_MAX)))
		return th_fail(t, "metadata integer out of range for its type");
	*v = x;
	return 0;
}

int th_i32(struct th_in *t, int type, int32_t *v)
{
	int64_t x;
	if (type == TH_I64)
		return th_fail(t, "metadata field has the wrong type (expected a 32-bit integer)");
	if (th_i64(t, type, &x))
		return -1;
	*v = (int32_t)x;
	return 0;
}

int th_bool(struct th_in *t, int type, bool *v)
{
	if (t->error)
		return -1;
	if (type != TH_TRUE && type != TH_FALSE)
		return th_fail(t, "metadata field has the wrong type (expected a boolean)");
	*v = type == TH_TRUE;
	return 0;
}

int th_bool_elem(struct th_in *t, bool *v)
{
	if (t->error)
		return -1;
	if (t->p >= t->end)
		return th_short(t, "metadata ends inside a list");
	/* Writers disagree on false in lists (0 or 2); true is always 1. */
	*v = *t->p++ == 1;
	return 0;
}

int th_binary(struct th_in *t, int type, const uint8_t **p, uint32_t *n)
{
	if (t->error)
		return -1;
	if (type != TH_BINARY)
		return th_fail(t, "metadata field has the wrong type (expected bytes)");
	uint64_t len;
	if (get_varint(t, &len))
		return -1;
	if (len > (uint64_t)(t->end - t->p))
		return th_short(t, "metadata string runs past the end of its buffer");
	*p = t->p;
	*n = (uint32_t)len;
	t->p += len;
	return 0;
}

int th_list(struct th_in *t, int type, int *etype, uint32_t *n)
{
	if (t->error)
		return -1;
	if (type != TH_LIST && type != TH_SET)
		return th_fail(t, "metadata field has the wrong type (expected a list)");
	if (t->p >= t->end)
		return th_short(t, "metadata ends inside a list");
	uint8_t b = *t->p++;
	uint64_t count = b >> 4;
	*etype = b & 0x0f;
	if (count == 15 && get_varint(t, &count))
		return -1;
	/* Every element takes at least one byte, so a count larger than what
	 * is left is a lie that would make callers allocate for nothing. */
	if (count > (uint64_t)(t->end - t->p))
		return th_short(t, "metadata list is longer than its buffer");
	if (count && (*etype == TH_STOP || *etype > TH_UUID))
		return th_fail(t, "metadata list has an unknown element type");
	*n = (uint32_t)count;
	return 0;
}

int th_struct_begin(struct th_in *t, int type)
{
	if (t->error)
		return -1;
	if (type != TH_STRUCT)
		return th_fail(t, "metadata field has the wrong type (expected a structure)");
	if (++t->depth > TH_MAX_DEPTH)
		return th_fail(t, "metadata is nested too deeply");
	return 0;
}

void th_struct_end(struct th_in *t)
{
	t->depth--;
}

static int skip_bytes(struct th_in *t, size_t n)
{
	if (n > (size_t)(t->end - t->p))
		return th_short(t, "metadata ends inside a value");
	t->p += n;
	return 0;
}

/* Skips one value; `in_list` says booleans are a byte, not in the type. */
static int skip_value(struct th_in *t, int type, bool in_list)
{
	int64_t i;
	uint64_t u;
	const uint8_t *p;
	uint32_t n;
	int etype;

	if (t->error)
		return -1;
	switch (type) {
	case TH_TRUE:
	case TH_FALSE:
		return in_list ? skip_bytes(t, 1) : 0;
	case TH_BYTE:
		return skip_bytes(t, 1);
	case TH_I16:
	case TH_I32:
	case TH_I64:
		return get_zigzag(t, &i);
	case TH_DOUBLE:
		return skip_bytes(t, 8);
	case TH_UUID:
		return skip_bytes(t, 16);
	case TH_BINARY:
		return th_binary(t, type, &p, &n);
	case TH_LIST:
	case TH_SET:
		if (th_list(t, type, &etype, &n))
			return -1;
		if (++t->depth > TH_MAX_DEPTH)
			return th_fail(t, "metadata is nested too deeply");
		for (uint32_t k = 0; k < n; k++)
			if (skip_value(t, etype, true))
				return -1;
		t->depth--;
		return 0;
	case TH_MAP: {
		if (get_varint(t, &u))
			return -1;
		if (u == 0)
			return 0;
		if (u > (uint64_t)(t->end - t->p))
			return th_short(t, "metadata map is longer than its buffer");
		if (t->p >= t->end)
			return th_short(t, "metadata ends inside a map");
		uint8_t kv = *t->p++;
		if (++t->depth > TH_MAX_DEPTH)
			return th_fail(t, "metadata is nested too deeply");
		for (uint64_t k = 0; k < u; k++)
			if (skip_value(t, kv >> 4, true) || skip_value(t, kv & 0x0f, true))
				return -1;
		t->depth--;
		return 0;
	}
	case TH_STRUCT: {
		if (th_struct_begin(t, type))
			return -1;
		int16_t last = 0, id;
		int ft, r;
		while ((r = th_field(t, &last, &id, &ft)) == 1)
			if (skip_value(t, ft, false))
				return -1;
		th_struct_end(t);
		return r;
	}
	default:
		return th_fail(t, "metadata has an unknown value type");
	}
}

int th_skip(struct th_in *t, int type)
{
	return skip_value(t, type, false);
}

/* ---------------------------------------------------------------- encoder */

void tw_init(struct th_out *w, struct buf *b)
{
	w->b = b;
	w->depth = 0;
	w->last[0] = 0;
	w->failed = false;
}

static void put(struct th_out *w, const void *p, size_t n)
{
	if (!w->failed && buf_add(w->b, p, n))
		w->failed = true;
}

static void put_varint(struct th_out *w, uint64_t v)
{
	if (!w->failed && pq_put_uvarint(w->b, v))
		w->failed = true;
}

static void put_zigzag(struct th_out *w, int64_t v)
{
	put_varint(w, ((uint64_t)v << 1) ^ (uint64_t)(v >> 63));
}

static void field_header(struct th_out *w, int16_t id, int type)
{
	int16_t *last = &w->last[w->depth];
	int delta = id - *last;
	if (delta > 0 && delta <= 15) {
		uint8_t b = (uint8_t)(delta << 4 | type);
		put(w, &b, 1);
	} else {
		uint8_t b = (uint8_t)type;
		put(w, &b, 1);
		put_zigzag(w, id);
	}
	*last = id;
}

void tw_i32(struct th_out *w, int16_t id, int32_t v)
{
	field_header(w, id, TH_I32);
	put_zigzag(w, v);
}

void tw_i64(struct th_out *w, int16_t id, int64_t v)
{
	field_header(w, id, TH_I64);
	put_zigzag(w, v);
}

void tw_bool(struct th_out *w, int16_t id, bool v)
{
	field_header(w, id, v ? TH_TRUE : TH_FALSE);
}

void tw_byte(struct th_out *w, int16_t id, int8_t v)
{
	field_header(w, id, TH_BYTE);
	put(w, &v, 1);
}

void tw_binary(struct th_out *w, int16_t id, const void *p, size_t n)
{
	field_header(w, id, TH_BINARY);
	put_varint(w, n);
	put(w, p, n);
}

void tw_string(struct th_out *w, int16_t id, const char *s)
{
	tw_binary(w, id, s, strlen(s));
}

void tw_struct_begin(struct th_out *w, int16_t id)
{
	if (id)
		field_header(w, id, TH_STRUCT);
	if (w->depth + 1 >= TH_MAX_DEPTH) {
		w->failed = true;
		return;
	}
	w->last[++w->depth] = 0;
}

void tw_struct_end(struct th_out *w)
{
	uint8_t stop = 0;
	put(w, &stop, 1);
	if (w->depth > 0)
		w->depth--;
}

void tw_list_begin(struct th_out *w, int16_t id, int etype, uint32_t n)
{
	if (id)
		field_header(w, id, TH_LIST);
	if (n < 15) {
		uint8_t b = (uint8_t)(n << 4 | (uint32_t)etype);
		put(w, &b, 1);
	} else {
		uint8_t b = (uint8_t)(0xf0 | etype);
		put(w, &b, 1);
		put_varint(w, n);
	}
}

void tw_elem_i32(struct th_out *w, int32_t v)
{
	put_zigzag(w, v);
}

void tw_elem_binary(struct th_out *w, const void *p, size_t n)
{
	put_varint(w, n);
	put(w, p, n);
}

void tw_empty_struct(struct th_out *w, int16_t id)
{
	tw_struct_begin(w, id);
	tw_struct_end(w);
}
