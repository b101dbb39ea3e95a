/* event.c — an event (JSON object) or SNS message attributes -> the flat
 * list of fields the index matches, in the scratch.
 *
 * One pass, no recursion: a stack of frames (bounded by
 * MATCH_MAX_EVENT_DEPTH) and the index's path trie. A key no rule names is
 * not descended into; in trusted mode its value is skipped by bracket and
 * quote counting only, otherwise it is still checked as JSON. Strings are
 * referenced in place unless they hold escapes, which are decoded into the
 * scratch's string buffer (sized to the event up front, so field pointers
 * stay valid). Every object or array inside an array that a rule looks into
 * gets a chain node: the array-membership event-ruler keeps per field.
 */
#include "match/match_int.h"
#include "core/enc.h"
#include "core/mem.h"

#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

struct scan {
	const struct mt_index *idx;
	const struct mt_trie *trie;
	struct match_scratch *s;
	const char *j;
	size_t n, pos;
	int trusted;
	uint32_t narrays;
};

int mt_field_add(const struct mt_index *idx, struct match_scratch *s, uint32_t node, uint8_t type,
		 const char *p, size_t n, uint32_t chain)
{
	uint32_t path = mt_index_trie(idx)->tn[node].path;
	if (path == MT_NONE)
		return 0;
	if (s->nf == s->capf) {
		if (s->capf >= MT_MAX_FIELDS)
			return -1;
		s->capf = s->capf ? s->capf * 2 : 64;
		s->f = xrealloc(s->f, sizeof *s->f * s->capf);
	}
	struct mt_field *f = &s->f[s->nf];
	f->s = p;
	f->n = (uint32_t)n;
	f->path = path;
	f->chain = chain;
	f->type = type;
	f->num = f->ip = 0;
	f->next = s->path_stamp[path] == s->gen ? s->path_head[path] : MT_NONE;
	s->path_stamp[path] = s->gen;
	s->path_head[path] = s->nf++;
	if (chain)
		s->any_member = 1;
	return 0;
}

static inline void ws(struct scan *c)
{
	/* compact JSON (what nuage and AWS write) has none: one compare */
	while (c->pos < c->n && (unsigned char)c->j[c->pos] <= ' ') {
		char ch = c->j[c->pos];
		if (ch != ' ' && ch != '\t' && ch != '\n' && ch != '\r')
			return; /* a control character: the caller fails on it */
		c->pos++;
	}
}

static inline uint64_t zero_byte(uint64_t v)
{
	return (v - 0x0101010101010101ull) & ~v & 0x8080808080808080ull;
}

/* Index of the first '"' or '\\' (or control character when ctrl) at or
 * after i, or n, eight bytes at a time; *dot is set when a '.' comes
 * before it. zero_byte's lowest set bit is always a real hit (false ones
 * only follow a real one), so on a little-endian machine it gives the
 * index directly. */
static inline __attribute__((always_inline)) size_t key_run(const char *p, size_t i, size_t n, int ctrl, int *dot)
{
#if defined(__SSE2__)
	/* sixteen bytes at a time where SSE2 is there (every x86-64) */
	while (i + 16 <= n) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
		__m128i hit = _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')), _mm_cmpeq_epi8(v, _mm_set1_epi8('\\')));
		if (ctrl) /* bytes <= 0x1f: min(v, 0x1f) == v, unsigned */
			hit = _mm_or_si128(hit, _mm_cmpeq_epi8(_mm_min_epu8(v, _mm_set1_epi8(0x1f)), v));
		unsigned m = (unsigned)_mm_movemask_epi8(hit);
		unsigned d = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8('.')));
		if (m) {
			unsigned at = (unsigned)__builtin_ctz(m);
			*dot |= (d & ((1u << at) - 1)) != 0;
			return i + at;
		}
		*dot |= d != 0;
		i += 16;
	}
#endif
	while (i + 8 <= n) {
		uint64_t v;
		memcpy(&v, p + i, 8);
		uint64_t m = zero_byte(v ^ 0x2222222222222222ull) | zero_byte(v ^ 0x5c5c5c5c5c5c5c5cull);
		if (ctrl)
			m |= (v - 0x2020202020202020ull) & ~v & 0x8080808080808080ull;
		uint64_t d = zero_byte(v ^ 0x2e2e2e2e2e2e2e2eull);
		if (m) {
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
			unsigned at = (unsigned)__builtin_ctzll(m);
			*dot |= (d & ((1ull << at) - 1)) != 0;
			return i + (at >> 3);
#else
			break;
#endif
		}
		*dot |= d != 0;
		i += 8;
	}
	for (; i < n; i++) {
		unsigned char ch = (unsigned char)p[i];
		if (ch == '"' || ch == '\\' || (ctrl && ch < 0x20))
			break;
		*dot |= ch == '.';
	}
	return i;
}

/* key_run without the dot (the dead stores go away once inlined). */
static inline size_t plain_run(const char *p, size_t i, size_t n, int ctrl)
{
	int dot = 0;
	return key_run(p, i, n, ctrl, &dot);
}

/* The string at pos (an opening quote). Without escapes *out points into the
 * event; with them it is decoded at the end of the string buffer, which
 * advances only when keep is set (keys are decoded, used and dropped). */
static int str_escaped(struct scan *c, const char **out, uint32_t *outn, int keep, int *dot);

static inline int str(struct scan *c, const char **out, uint32_t *outn, int keep, int *dot)
{
	size_t start = c->pos + 1;
	size_t i = dot ? key_run(c->j, start, c->n, !c->trusted, dot) : plain_run(c->j, start, c->n, !c->trusted);
	if (i >= c->n)
		return -1;
	if (c->j[i] == '"') {
		*out = c->j + start;
		*outn = (uint32_t)(i - start);
		c->pos = i + 1;
		return 0;
	}
	if (c->j[i] != '\\')
		return -1; /* a control character */
	return str_escaped(c, out, outn, keep, dot);
}

/* The rare case: escapes, decoded (never longer than the raw form). */
static int str_escaped(struct scan *c, const char **out, uint32_t *outn, int keep, int *dot)
{
	size_t i, start = c->pos + 1;
	struct match_scratch *s = c->s;
	char *o = s->sb + s->sblen;
	size_t on = 0;
	for (i = start; i < c->n;) {
		unsigned char ch = (unsigned char)c->j[i];
		if (ch == '"') {
			*out = o;
			*outn = (uint32_t)on;
			if (keep)
				s->sblen += on;
			if (dot)
				*dot = memchr(o, '.', on) != NULL;
			c->pos = i + 1;
			return 0;
		}
		if (ch < 0x20)
			return -1;
		if (ch != '\\') {
			o[on++] = (char)ch;
			i++;
			continue;
		}
		uint32_t cp;
		i++;
		if (mt_json_escape(c->j, c->n, &i, &cp))
			return -1;
		on += utf8_put(cp, o + on);
	}
	return -1;
}

static int number(struct scan *c, const char **out, uint32_t *outn)
{
	size_t i = c->pos;
	while (i < c->n) {
		char ch = c->j[i];
		if (!((ch >= '0' && ch <= '9') || ch == '-' || ch == '+' || ch == '.' || ch == 'e' || ch == 'E'))
			break;
		i++;
	}
	if (!mt_is_json_number(c->j + c->pos, i - c->pos))
		return -1;
	*out = c->j + c->pos;
	*outn = (uint32_t)(i - c->pos);
	c->pos = i;
	return 0;
}

/* Byte classes for skip_fast: 1 quote, 2 open, 3 close, 4 ends a scalar. */
static const unsigned char CLS[256] = {
	['"'] = 1, ['{'] = 2, ['['] = 2, ['}'] = 3, [']'] = 3,
	[','] = 4, [' '] = 4, ['\n'] = 4, ['\t'] = 4, ['\r'] = 4,
};

/* Skips the value at pos by brackets and quotes only (trusted events). */
static int skip_fast(struct scan *c)
{
	const unsigned char *j = (const unsigned char *)c->j;
	size_t i = c->pos, n = c->n;
	int depth = 0;
	do {
		if (i >= n)
			return -1;
		switch (CLS[j[i]]) {
		case 1:
			for (i++;;) {
				i = plain_run(c->j, i, n, 0);
				if (i >= n)
					return -1;
				if (j[i] == '"')
					break;
				i += 2; /* a backslash and what it escapes */
			}
			i++;
			break;
		case 2:
			depth++;
			i++;
			break;
		case 3:
			depth--;
			i++;
			break;
		default:
			if (depth == 0) { /* a scalar: up to the next delimiter */
				size_t st = i;
				while (i < n && CLS[j[i]] < 3)
					i++;
				if (i == st)
					return -1;
			} else {
				/* inside a container: jump to the next quote or bracket */
#if defined(__SSE2__)
				while (i + 16 <= n) {
					__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(j + i));
					/* '[' | 0x20 is '{' and ']' | 0x20 is '}' */
					__m128i f = _mm_or_si128(v, _mm_set1_epi8(0x20));
					__m128i hit = _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')),
								   _mm_or_si128(_mm_cmpeq_epi8(f, _mm_set1_epi8('{')),
										_mm_cmpeq_epi8(f, _mm_set1_epi8('}'))));
					if (_mm_movemask_epi8(hit))
						break;
					i += 16;
				}
#endif
				while (i + 8 <= n) {
					uint64_t v;
					memcpy(&v, j + i, 8);
					uint64_t m = zero_byte(v ^ 0x2222222222222222ull) | zero_byte(v ^ 0x7b7b7b7b7b7b7b7bull) |
						     zero_byte(v ^ 0x7d7d7d7d7d7d7d7dull) | zero_byte(v ^ 0x5b5b5b5b5b5b5b5bull) |
						     zero_byte(v ^ 0x5d5d5d5d5d5d5d5dull);
					if (m)
						break;
					i += 8;
				}
				while (i < n && (!CLS[j[i]] || CLS[j[i]] == 4))
					i++;
			}
			break;
		}
	} while (depth > 0);
	if (depth < 0)
		return -1;
	c->pos = i;
	return 0;
}

/* true, false or null at pos: its field type, or -1. */
static int literal(struct scan *c)
{
	static const struct {
		const char *w;
		size_t n;
		uint8_t type;
	} lit[] = {{"true", 4, MT_F_TRUE}, {"false", 5, MT_F_FALSE}, {"null", 4, MT_F_NULL}};
	for (size_t i = 0; i < 3; i++) {
		if (c->j[c->pos] != lit[i].w[0])
			continue;
		if (c->n - c->pos < lit[i].n || memcmp(c->j + c->pos, lit[i].w, lit[i].n))
			return -1;
		c->pos += lit[i].n;
		return lit[i].type;
	}
	return -1;
}

/* A scalar at pos; recorded at node when the node names a path. */
static int scalar(struct scan *c, uint32_t node, uint32_t chain)
{
	int rec = node != MT_NONE && c->trie->tn[node].path != MT_NONE;
	if (!rec && c->trusted)
		return skip_fast(c);
	const char *p = NULL;
	uint32_t n = 0;
	int type;
	char ch = c->j[c->pos];
	if (ch == '"') {
		if (str(c, &p, &n, rec, NULL))
			return -1;
		type = MT_F_STR;
	} else if (ch == 't' || ch == 'f' || ch == 'n') {
		if ((type = literal(c)) < 0)
			return -1;
	} else {
		if (number(c, &p, &n))
			return -1;
		type = MT_F_NUM;
	}
	return rec ? mt_field_add(c->idx, c->s, node, (uint8_t)type, p, n, chain) : 0;
}

/* Trie node of a key (split at '.', when it has one), or MT_NONE. */
static uint32_t walk(const struct mt_trie *t, uint32_t node, const char *k, size_t n, int dot)
{
	if (!dot)
		return mt_trie_child(t, node, k, n);
	for (;;) {
		size_t seg = 0;
		for (; seg + 8 <= n; seg += 8) {
			uint64_t v;
			memcpy(&v, k + seg, 8);
			if (zero_byte(v ^ 0x2e2e2e2e2e2e2e2eull))
				break;
		}
		while (seg < n && k[seg] != '.')
			seg++;
		node = mt_trie_child(t, node, k, seg);
		if (seg == n || node == MT_NONE)
			return node;
		k += seg + 1;
		n -= seg + 1;
	}
}

static int push(struct scan *c, int *top, uint32_t node, uint32_t chain, int is_array, int dead)
{
	if (*top + 2 >= MATCH_MAX_EVENT_DEPTH)
		return -1;
	struct mt_frame *f = &c->s->stack[++*top];
	f->node = node;
	f->chain = chain;
	f->array = is_array ? c->narrays++ : 0;
	f->is_array = (uint8_t)is_array;
	f->dead = (uint8_t)dead;
	f->first = 1;
	c->pos++;
	return 0;
}

/* A container nobody reads: skipped, or walked without recording. */
static int pass_over(struct scan *c, int *top, int is_array)
{
	if (c->trusted)
		return skip_fast(c);
	return push(c, top, MT_NONE, 0, is_array, 1);
}

static uint32_t new_chain(struct scan *c, const struct mt_frame *arr)
{
	struct match_scratch *s = c->s;
	if (s->nch == s->capch) {
		if (s->capch >= MT_MAX_CHAINS)
			return MT_NONE;
		s->capch *= 2;
		s->ch = xrealloc(s->ch, sizeof *s->ch * s->capch);
	}
	s->ch[s->nch] = (struct mt_chain){arr->chain, arr->array, s->ch[arr->chain].depth + 1};
	return s->nch++;
}

/* The value at pos, member of a container; node is its trie node. */
static int value(struct scan *c, int *top, uint32_t node, uint32_t chain, struct mt_frame *arr)
{
	char ch = c->j[c->pos];
	int alive = node != MT_NONE;
	if (ch == '"' && c->trusted && (!alive || c->trie->tn[node].path == MT_NONE)) {
		/* the commonest case: a string nobody reads */
		size_t i = plain_run(c->j, c->pos + 1, c->n, 0);
		if (i < c->n && c->j[i] == '"') {
			c->pos = i + 1;
			return 0;
		}
	}
	if (ch == '{' || ch == '[') {
		int is_array = ch == '[';
		int wanted = alive && (c->trie->tn[node].nkid > 0 || (is_array && c->trie->tn[node].path != MT_NONE));
		if (!wanted)
			return pass_over(c, top, is_array);
		if (arr) { /* an element of an array: a new membership */
			chain = new_chain(c, arr);
			if (chain == MT_NONE)
				return -1;
		}
		return push(c, top, node, chain, is_array, 0);
	}
	return scalar(c, node, chain);
}

/* A member's value at c->pos that is not the plain-string fast path. */
static int slow_value(struct scan *c, int *top, uint32_t node, uint32_t chain, struct mt_frame *arr, size_t *pos)
{
	c->pos = *pos;
	int rc = value(c, top, node, chain, arr);
	*pos = c->pos;
	return rc;
}

/* The members of the container on top of the stack, until it closes or a
 * member opens a container of its own (then the loop moves to that one).
 * The cursor lives in a local here (the hot loop); helpers that need the
 * struct get it synced. Plain keys and plain string values — almost all
 * of an event — are handled inline. */
static int run(struct scan *c, uint32_t root, int root_array)
{
	struct match_scratch *s = c->s;
	const char *j = c->j;
	const size_t n = c->n;
	const int ctrl = !c->trusted;
	const struct mt_tnode *tn = c->trie->tn;
	int top = -1;
	ws(c);
	if (c->pos >= n || j[c->pos] != (root_array ? '[' : '{'))
		return -1;
	if (push(c, &top, root, 0, root_array, 0))
		return -1;
	size_t pos = c->pos;
#define SKIP_WS()                                                                                     \
	while (pos < n && (unsigned char)j[pos] <= ' ' &&                                             \
	       (j[pos] == ' ' || j[pos] == '\n' || j[pos] == '\t' || j[pos] == '\r'))                     \
		pos++
	while (top >= 0) {
		struct mt_frame *fr = &s->stack[top];
		const char close = fr->is_array ? ']' : '}';
		const uint32_t node0 = fr->dead ? MT_NONE : fr->node;
		const int at = top;
		while (top == at) {
			SKIP_WS();
			if (pos >= n)
				return -1;
			if (j[pos] == close) {
				pos++;
				top--;
				break;
			}
			if (!fr->first) {
				if (j[pos] != ',')
					return -1;
				pos++;
				SKIP_WS();
				if (pos >= n || j[pos] == close)
					return -1;
			}
			fr->first = 0;
			if (fr->is_array) {
				if (slow_value(c, &top, node0, fr->chain, fr->dead ? NULL : fr, &pos))
					return -1;
				continue;
			}
			/* the key */
			if (j[pos] != '"')
				return -1;
			const char *k;
			uint32_t kn;
			int dot = 0;
			size_t ke = key_run(j, pos + 1, n, ctrl, &dot);
			if (ke < n && j[ke] == '"') {
				k = j + pos + 1;
				kn = (uint32_t)(ke - pos - 1);
				pos = ke + 1;
			} else {
				c->pos = pos;
				if (str(c, &k, &kn, 0, &dot))
					return -1;
				pos = c->pos;
			}
			SKIP_WS();
			if (pos >= n || j[pos] != ':')
				return -1;
			pos++;
			SKIP_WS();
			if (pos >= n)
				return -1;
			uint32_t node = node0 != MT_NONE ? walk(c->trie, node0, k, kn, dot) : MT_NONE;
			/* the value: a plain string inline, anything else in value() */
			if (j[pos] == '"') {
				size_t ve = plain_run(j, pos + 1, n, ctrl);
				if (ve < n && j[ve] == '"') {
					if (node != MT_NONE && tn[node].path != MT_NONE &&
					    mt_field_add(c->idx, s, node, MT_F_STR, j + pos + 1, ve - pos - 1, fr->chain))
						return -1;
					pos = ve + 1;
					continue;
				}
			}
			if (slow_value(c, &top, node, fr->chain, NULL, &pos))
				return -1;
		}
	}
#undef SKIP_WS
	c->pos = pos;
	return 0;
}

static void reserve_strings(struct match_scratch *s, size_t need)
{
	if (need + 8 > s->sbcap) {
		s->sbcap = need + 8 > 4096 ? need + 8 : 4096;
		s->sb = xrealloc(s->sb, s->sbcap);
	}
}

int mt_event_scan(const struct mt_index *idx, const char *json, size_t len, unsigned flags,
		  struct match_scratch *s)
{
	if (!json || len > MATCH_MAX_EVENT)
		return -1;
	reserve_strings(s, len);
	struct scan c = {idx, mt_index_trie(idx), s, json, len, 0, (flags & MATCH_EV_TRUSTED) != 0, 0};
	return run(&c, 0, 0);
}

/* Takes back the fields added since nf (newest first: each was put at the
 * head of its path's list). */
static void drop_fields(struct match_scratch *s, uint32_t nf)
{
	while (s->nf > nf) {
		const struct mt_field *f = &s->f[--s->nf];
		if (f->next == MT_NONE)
			s->path_stamp[f->path] = s->gen - 1;
		else
			s->path_head[f->path] = f->next;
	}
}

static int starts(const char *t, const char *lit)
{
	return !strncmp(t, lit, strlen(lit));
}

void mt_attrs_scan(const struct mt_index *idx, const struct match_attr *a, size_t n, struct match_scratch *s)
{
	size_t total = 0;
	for (size_t i = 0; i < n; i++)
		total += a[i].value_len;
	reserve_strings(s, total);
	for (size_t i = 0; i < n; i++) {
		if (!a[i].name || !a[i].type || (!a[i].value && a[i].value_len))
			continue;
		uint32_t node = walk(mt_index_trie(idx), 0, a[i].name, a[i].name_len, 1);
		if (node == MT_NONE)
			continue;
		const char *v = a[i].value ? a[i].value : "";
		if (starts(a[i].type, "String.Array") || starts(a[i].type, "Number.Array")) {
			/* a JSON array; each element is one value of the attribute */
			struct scan c = {idx, mt_index_trie(idx), s, v, a[i].value_len, 0, 0, 0};
			uint32_t nf = s->nf;
			if (run(&c, node, 1))
				drop_fields(s, nf); /* a malformed array has no values */
		} else if (starts(a[i].type, "String")) {
			mt_field_add(idx, s, node, MT_F_STR, v, a[i].value_len, 0);
		} else if (starts(a[i].type, "Number")) {
			int num = mt_is_json_number(v, a[i].value_len);
			mt_field_add(idx, s, node, num ? MT_F_NUM : MT_F_STR, v, a[i].value_len, 0);
		}
		/* Binary and unknown types take no part in filtering */
	}
}
