/* assemble.c — rebuilds nested values (lists, structs, maps) from the
 * repetition/definition levels of their leaf columns (Dremel record
 * assembly) and writes each row as JSON text.
 *
 * For a node present at definition level `def`:
 *  - a leaf consumes one entry of its column: a value if the entry's level
 *    reaches the leaf's maximum, else null;
 *  - a struct, list or map only peeks at its first leaf's next entry: below
 *    `def` the node is null, below `elem_def` (lists, maps) it is empty, and
 *    in both cases every leaf under it holds exactly one entry, skipped;
 *  - a list's elements continue while the first leaf's next entry repeats
 *    at the list's own repetition level.
 * Each step consumes at least one entry, so the loops end; recursion is
 * bounded by the schema depth (PQ_MAX_DEPTH). Every read is checked against
 * the staged counts: inconsistent levels are an error, never a wild read.
 */
#include "formats/parquet/internal.h"
#include "core/enc.h"
#include "core/mem.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct actx {
	struct pq_stage *st;
	struct column *out;
	const char *why;
	char *tmp;
	size_t tmp_cap;
};

static int afail(struct actx *a, const char *why)
{
	if (!a->why)
		a->why = why;
	return -1;
}

static int emit(struct actx *a, const void *p, size_t n)
{
	if (pq_col_data_reserve(a->out, n))
		return afail(a, "a batch's nested values pass 1 GiB of JSON; read with smaller batches");
	memcpy(a->out->data + a->out->data_len, p, n);
	a->out->data_len += n;
	return 0;
}

static int emits(struct actx *a, const char *s)
{
	return emit(a, s, strlen(s));
}

/* Length of the valid UTF-8 sequence at p (1-4), or 0 if invalid. */
static size_t utf8_len(const uint8_t *p, size_t n)
{
	uint8_t b = p[0];
	size_t len;
	uint32_t cp;
	if (b < 0x80)
		return 1;
	if ((b & 0xe0) == 0xc0)
		len = 2, cp = b & 0x1f;
	else if ((b & 0xf0) == 0xe0)
		len = 3, cp = b & 0x0f;
	else if ((b & 0xf8) == 0xf0)
		len = 4, cp = b & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	static const uint32_t min[] = {0, 0, 0x80, 0x800, 0x10000};
	if (cp < min[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

/* A JSON string. Bytes that are not UTF-8 become \u00XX (as if Latin-1),
 * so the text stays valid JSON and no byte is silently dropped. */
static int emit_string(struct actx *a, const char *s, size_t n)
{
	const uint8_t *p = (const uint8_t *)s;
	if (pq_col_data_reserve(a->out, n * 6 + 2))
		return afail(a, "a batch's nested values pass 1 GiB of JSON; read with smaller batches");
	char *o = a->out->data + a->out->data_len;
	*o++ = '"';
	for (size_t i = 0; i < n;) {
		uint8_t b = p[i];
		if (b >= 0x20 && b < 0x80 && b != '"' && b != '\\') {
			*o++ = (char)b;
			i++;
			continue;
		}
		size_t ul = b >= 0x80 ? utf8_len(p + i, n - i) : 0;
		if (ul) {
			memcpy(o, p + i, ul);
			o += ul;
			i += ul;
			continue;
		}
		static const char hx[] = "0123456789abcdef";
		*o++ = '\\';
		switch (b) {
		case '"':
			*o++ = '"';
			break;
		case '\\':
			*o++ = '\\';
			break;
		case '\n':
			*o++ = 'n';
			break;
		case '\r':
			*o++ = 'r';
			break;
		case '\t':
			*o++ = 't';
			break;
		default:
			*o++ = 'u';
			*o++ = '0';
			*o++ = '0';
			*o++ = hx[b >> 4];
			*o++ = hx[b & 15];
		}
		i++;
	}
	*o++ = '"';
	a->out->data_len = (size_t)(o - a->out->data);
	return 0;
}

static int emit_value(struct actx *a, const struct pq_leaf *l, const struct column *v, size_t i)
{
	char buf[96];
	size_t n = 0;
	const struct field *f = &l->f;
	switch (f->type) {
	case COL_BOOL:
		return emits(a, v->v.u8[i] ? "true" : "false");
	case COL_INT32:
		n = (size_t)snprintf(buf, sizeof buf, "%d", v->v.i32[i]);
		break;
	case COL_INT64:
		if (f->is_unsigned)
			n = (size_t)snprintf(buf, sizeof buf, "%llu", (unsigned long long)v->v.i64[i]);
		else
			n = (size_t)snprintf(buf, sizeof buf, "%lld", (long long)v->v.i64[i]);
		break;
	case COL_FLOAT:
	case COL_DOUBLE: {
		double d = f->type == COL_FLOAT ? (double)v->v.f32[i] : v->v.f64[i];
		if (isnan(d))
			return emits(a, "\"NaN\"");
		if (isinf(d))
			return emits(a, d > 0 ? "\"Infinity\"" : "\"-Infinity\"");
		n = f->type == COL_FLOAT ? pq_fmt_float(buf, v->v.f32[i]) : pq_fmt_double(buf, d);
		break;
	}
	case COL_DECIMAL:
		n = pq_fmt_decimal(buf, v->v.dec[i], f->scale);
		break;
	case COL_DATE:
		buf[0] = '"';
		n = 1 + pq_fmt_date(buf + 1, v->v.i32[i]);
		buf[n++] = '"';
		break;
	case COL_TIMESTAMP:
		buf[0] = '"';
		n = 1 + pq_fmt_timestamp(buf + 1, v->v.i64[i], f->unit, f->utc, true);
		buf[n++] = '"';
		break;
	case COL_TIME:
		buf[0] = '"';
		n = 1 + pq_fmt_time(buf + 1, v->v.i64[i], f->unit);
		buf[n++] = '"';
		break;
	case COL_STRING:
	case COL_JSON: {
		size_t len;
		const char *s = col_bytes(v, i, &len);
		return emit_string(a, s, len);
	}
	case COL_BINARY: {
		size_t len;
		const char *s = col_bytes(v, i, &len);
		size_t need = base64_encoded_len(len) + 3;
		if (need > a->tmp_cap) {
			a->tmp = xrealloc(a->tmp, need);
			a->tmp_cap = need;
		}
		a->tmp[0] = '"';
		size_t m = base64_encode((const unsigned char *)s, len, a->tmp + 1);
		a->tmp[m + 1] = '"';
		return emit(a, a->tmp, m + 2);
	}
	}
	return emit(a, buf, n);
}

static int peek(struct actx *a, const struct pq_anode *n, uint8_t *def, uint8_t *rep)
{
	struct pq_stage *st = &a->st[n->first_leaf];
	if (st->pos >= st->n)
		return afail(a, "nested column's levels end too early");
	*def = st->def[st->pos];
	*rep = st->rep[st->pos];
	return 0;
}

/* A null or empty node: one entry from every leaf under it. */
static int skip(struct actx *a, const struct pq_anode *n)
{
	for (int l = n->first_leaf; l < n->end_leaf; l++) {
		struct pq_stage *st = &a->st[l];
		if (st->pos >= st->n)
			return afail(a, "nested columns disagree on their number of entries");
		if (st->def[st->pos] == st->leaf->max_def)
			st->vpos++;
		st->pos++;
	}
	return 0;
}

static int build(struct actx *a, const struct pq_anode *n);

/* A map key must be a JSON string: keys that render otherwise (numbers,
 * dates are already strings) are re-quoted. */
static int build_key(struct actx *a, const struct pq_anode *k)
{
	size_t mark = a->out->data_len;
	if (build(a, k))
		return -1;
	if (a->out->data[mark] == '"')
		return 0;
	size_t len = a->out->data_len - mark;
	if (len + 1 > a->tmp_cap) {
		a->tmp = xrealloc(a->tmp, len + 1);
		a->tmp_cap = len + 1;
	}
	memcpy(a->tmp, a->out->data + mark, len);
	a->out->data_len = mark;
	return emit_string(a, a->tmp, len);
}

static int build(struct actx *a, const struct pq_anode *n)
{
	uint8_t def, rep;
	if (n->kind == PQ_LEAF) {
		struct pq_stage *st = &a->st[n->leaf];
		if (st->pos >= st->n)
			return afail(a, "nested column's levels end too early");
		def = st->def[st->pos++];
		if (def < n->def)
			return emits(a, "null");
		if (st->vpos >= st->nvals)
			return afail(a, "nested column has fewer values than its levels say");
		return emit_value(a, st->leaf, &st->vals, st->vpos++);
	}
	if (peek(a, n, &def, &rep))
		return -1;
	if (def < n->def)
		return skip(a, n) || emits(a, "null") ? -1 : 0;
	if (n->kind == PQ_STRUCT) {
		if (emit(a, "{", 1))
			return -1;
		for (int i = 0; i < n->nkids; i++) {
			if ((i && emit(a, ",", 1)) || emit_string(a, n->kids[i].name, strlen(n->kids[i].name)) ||
			    emit(a, ":", 1) || build(a, &n->kids[i]))
				return -1;
		}
		return emit(a, "}", 1);
	}
	bool map = n->kind == PQ_MAP;
	if (def < n->elem_def)
		return skip(a, n) || emits(a, map ? "{}" : "[]") ? -1 : 0;
	if (emit(a, map ? "{" : "[", 1))
		return -1;
	for (bool first = true;; first = false) {
		if (!first && emit(a, ",", 1))
			return -1;
		if (map) {
			if (build_key(a, &n->kids[0]) || emit(a, ":", 1))
				return -1;
			if (n->nkids > 1 ? build(a, &n->kids[1]) : emits(a, "null"))
				return -1;
		} else if (build(a, &n->kids[0])) {
			return -1;
		}
		struct pq_stage *st = &a->st[n->first_leaf];
		if (st->pos >= st->n || st->rep[st->pos] != n->rep)
			break;
	}
	return emit(a, map ? "}" : "]", 1);
}

int pq_assemble(const struct pq_top *t, struct pq_stage *stages, struct column *out, size_t row0, size_t n,
		const char **why)
{
	struct actx a = {.st = stages, .out = out};
	const struct pq_anode *root = t->root;
	int rc = 0;
	for (size_t r = 0; r < n && rc == 0; r++) {
		size_t row = row0 + r;
		uint8_t def, rep;
		if (peek(&a, root, &def, &rep)) {
			rc = -1;
			break;
		}
		if (root->kind != PQ_LEAF && def < root->def) {
			rc = skip(&a, root);
			out->valid[row >> 3] &= (uint8_t)~(1u << (row & 7));
		} else {
			rc = build(&a, root);
			out->valid[row >> 3] |= (uint8_t)(1u << (row & 7));
		}
		out->offsets[row + 1] = (uint32_t)out->data_len;
		/* Every leaf must now stand at the start of the next row. */
		for (int l = t->leaf_begin; l < t->leaf_end && rc == 0; l++) {
			struct pq_stage *st = &stages[l];
			if (st->pos < st->n && st->rep[st->pos] != 0)
				rc = afail(&a, "nested columns' repetition levels are inconsistent");
		}
	}
	for (int l = t->leaf_begin; l < t->leaf_end && rc == 0; l++)
		if (stages[l].pos != stages[l].n || stages[l].vpos != stages[l].nvals)
			rc = afail(&a, "nested columns disagree on their number of entries");
	free(a.tmp);
	if (rc)
		*why = a.why ? a.why : "nested values are inconsistent";
	return rc;
}

void pq_stage_reset(struct pq_stage *st)
{
	st->n = st->nvals = st->pos = st->vpos = 0;
	st->vals.data_len = 0;
	if (st->vals.offsets)
		st->vals.offsets[0] = 0;
}

void pq_stage_free(struct pq_stage *st)
{
	free(st->def);
	free(st->rep);
	free(st->vals.v.raw);
	free(st->vals.offsets);
	free(st->vals.data);
	memset(st, 0, sizeof *st);
}
