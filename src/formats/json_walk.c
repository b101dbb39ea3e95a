/* json_walk.c — see json_walk.h. */
#include "formats/json_walk.h"
#include "formats/fmt_text.h"
#include "core/mem.h"

#include <stdlib.h>

#include <string.h>

void jw_init(struct jwalk *w, struct source *src, const struct json_options *o)
{
	memset(w, 0, sizeof *w);
	w->o = o;
	jt_init(&w->tok, src, o->strip_outer_array, o->max_token);
	buf_init(&w->path, JW_MAX_PATH);
	buf_reserve(&w->path, JW_MAX_PATH); /* once, so keys are copied with no growth checks */
	buf_init(&w->nested, o->max_value ? o->max_value : (size_t)16 << 20);
}

void jw_free(struct jwalk *w)
{
	jt_free(&w->tok);
	buf_free(&w->path);
	buf_free(&w->nested);
}

static int next_in_value(struct jwalk *w, struct jt_token *t, struct fmt_error *err)
{
	int rc = jt_next(&w->tok, t, err);
	if (rc == 0) /* the tokenizer reports EOF inside a value itself; be safe */
		fmt_error_at(err, source_name(w->tok.src), w->tok.line, 0, NULL, -1, "the input ends inside a record");
	return rc == 1 ? 0 : -1;
}

/* Consumes the rest of the value that `first` opened. */
static int skip_value(struct jwalk *w, const struct jt_token *first, struct fmt_error *err)
{
	if (first->kind != JT_OBJ && first->kind != JT_ARR)
		return 0;
	struct jt_token t;
	do {
		if (next_in_value(w, &t, err))
			return -1;
	} while (!((t.kind == JT_OBJ_END || t.kind == JT_ARR_END) && t.depth == first->depth));
	return 0;
}

/* Re-serialises the value that `first` opened as compact JSON into
 * w->nested; *too_big when it passed max_value (the value is still
 * consumed). */
static int capture(struct jwalk *w, const struct jt_token *first, bool *too_big, struct fmt_error *err)
{
	struct buf *b = &w->nested;
	uint8_t kind[JT_MAX_DEPTH + 2];
	bool comma[JT_MAX_DEPTH + 2];
	int lvl = 1, bad = 0;
	buf_reset(b);
	kind[1] = (uint8_t)first->kind;
	comma[1] = false;
	bad |= buf_addc(b, first->kind == JT_OBJ ? '{' : '[');
	while (lvl > 0) {
		struct jt_token t;
		if (next_in_value(w, &t, err))
			return -1;
		switch (t.kind) {
		case JT_OBJ_END:
		case JT_ARR_END:
			bad |= buf_addc(b, t.kind == JT_OBJ_END ? '}' : ']');
			if (--lvl > 0)
				comma[lvl] = true;
			break;
		case JT_KEY:
			if (comma[lvl])
				bad |= buf_addc(b, ',');
			bad |= jt_put_string(b, t.p, t.n);
			bad |= buf_addc(b, ':');
			comma[lvl] = false;
			break;
		default:
			if (kind[lvl] == JT_ARR && comma[lvl])
				bad |= buf_addc(b, ',');
			if (t.kind == JT_OBJ || t.kind == JT_ARR) {
				bad |= buf_addc(b, t.kind == JT_OBJ ? '{' : '[');
				lvl++;
				kind[lvl] = (uint8_t)t.kind;
				comma[lvl] = false;
			} else {
				bad |= t.kind == JT_STR ? jt_put_string(b, t.p, t.n) : buf_add(b, t.p, t.n);
				comma[lvl] = true;
			}
			break;
		}
	}
	*too_big = bad != 0;
	return 0;
}

int jw_record(struct jwalk *w, jw_field_fn fn, void *ctx, struct fmt_error *err)
{
	struct jt_token t;
	int rc = jt_next(&w->tok, &t, err);
	if (rc == 0)
		return JW_EOF;
	if (rc < 0)
		return JW_SYNTAX;
	w->rec_line = t.line;
	w->rec_off = t.offset;
	w->records++;
	const char *file = source_name(w->tok.src);
	if (t.kind != JT_OBJ) {
		if (skip_value(w, &t, err))
			return JW_SYNTAX;
		fmt_error_at(err, file, w->rec_line, 0, NULL, w->rec_off, "record %lld is not a JSON object",
			     (long long)w->records);
		return JW_BAD;
	}
	bool bad = false;
	struct fmt_error spare;
	size_t plen[JT_MAX_DEPTH + 2];
	int lvl = 0;
	plen[0] = 0;
	for (;;) {
		if (next_in_value(w, &t, err))
			return JW_SYNTAX;
		if (t.kind == JT_OBJ_END) {
			if (lvl == 0)
				break;
			lvl--;
			continue;
		}
		/* t is a key: the grammar allows nothing else here. */
		struct buf *p = &w->path;
		p->len = plen[lvl];
		bool long_path = p->len + (lvl > 0) + t.n > JW_MAX_PATH;
		if (!long_path) {
			if (lvl > 0)
				p->data[p->len++] = '.';
			memcpy(p->data + p->len, t.p, t.n);
			p->len += t.n;
			p->data[p->len] = 0;
		}
		struct jt_token v;
		if (next_in_value(w, &v, err))
			return JW_SYNTAX;
		struct fmt_error *e = bad ? &spare : err;
		if (long_path) {
			if (skip_value(w, &v, err))
				return JW_SYNTAX;
			fmt_error_at(e, file, w->rec_line, 0, NULL, w->rec_off, "a key path is longer than %d bytes",
				     JW_MAX_PATH);
			bad = true;
			continue;
		}
		if (v.kind == JT_OBJ && w->o->flatten) {
			lvl++;
			plen[lvl] = p->len;
			continue;
		}
		struct jw_value val = {&v, NULL, 0};
		if (v.kind == JT_OBJ || v.kind == JT_ARR) {
			bool too_big;
			if (capture(w, &v, &too_big, err))
				return JW_SYNTAX;
			if (too_big) {
				fmt_error_at(e, file, w->rec_line, 0, p->data, w->rec_off,
					     "the value of \"%s\" is longer than %zu bytes", p->data, w->nested.max);
				bad = true;
				continue;
			}
			val.tok = NULL;
			val.json = buf_str(&w->nested);
			val.jn = w->nested.len;
		}
		if (fn(ctx, p->data, p->len, &val, e))
			bad = true;
	}
	return bad ? JW_BAD : JW_OK;
}

static uint64_t name_hash(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ull;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (uint8_t)s[i]) * 1099511628211ull;
	return h;
}

int jw_names_find(const struct jw_names *m, const char *s, size_t n)
{
	if (!m->nslots)
		return -1;
	for (size_t i = name_hash(s, n) & (m->nslots - 1);; i = (i + 1) & (m->nslots - 1)) {
		int32_t v = m->slots[i];
		if (!v)
			return -1;
		if (m->lens[v - 1] == n && !memcmp(m->names[v - 1], s, n))
			return v - 1;
	}
}

int jw_names_find_near(const struct jw_names *m, const char *s, size_t n, int guess)
{
	if (guess >= 0 && guess < m->n && m->lens[guess] == n && !memcmp(m->names[guess], s, n))
		return guess;
	return jw_names_find(m, s, n);
}

static void rehash(struct jw_names *m)
{
	free(m->slots);
	m->nslots = m->nslots ? m->nslots * 2 : 64;
	m->slots = xcalloc(m->nslots, sizeof *m->slots);
	for (int k = 0; k < m->n; k++) {
		size_t i = name_hash(m->names[k], m->lens[k]) & (m->nslots - 1);
		while (m->slots[i])
			i = (i + 1) & (m->nslots - 1);
		m->slots[i] = k + 1;
	}
}

int jw_names_add(struct jw_names *m, const char *s, size_t n)
{
	if (m->n == m->cap) {
		m->cap = m->cap ? m->cap * 2 : 16;
		m->names = xrealloc(m->names, sizeof *m->names * (size_t)m->cap);
		m->lens = xrealloc(m->lens, sizeof *m->lens * (size_t)m->cap);
	}
	m->lens[m->n] = n;
	m->names[m->n++] = xstrndup(s, n);
	if ((size_t)m->n * 2 > m->nslots)
		rehash(m);
	else {
		size_t i = name_hash(s, n) & (m->nslots - 1);
		while (m->slots[i])
			i = (i + 1) & (m->nslots - 1);
		m->slots[i] = m->n;
	}
	return m->n - 1;
}

void jw_names_free(struct jw_names *m)
{
	for (int k = 0; k < m->n; k++)
		free(m->names[k]);
	free(m->names);
	free(m->lens);
	free(m->slots);
	memset(m, 0, sizeof *m);
}
