/* wildcard.c — the `wildcard` operator: '*' matches any run of bytes
 * (including none); "\*" is a literal star and "\\" a literal backslash.
 *
 * Matching splits the pattern into literal segments: the first must be a
 * prefix (unless the pattern starts with '*'), the last a suffix (unless it
 * ends with '*'), the rest are found left to right — greedy leftmost is exact
 * for star-only globs, so matching is linear in the value.
 *
 * Complexity: AWS refuses a rule whose wildcards could keep too many partial
 * matches alive at once ("Rule is too complex"). mt_wild_complexity runs the
 * patterns of one field as one NFA over every reachable set of states and
 * reports the largest number of live (non-final) states, counting a star's
 * state together with the state it can skip to, as event-ruler's byte
 * machine does. The limit compile.c applies (10) is calibrated on AWS's
 * answers: "/Users/STAR/dir/dir/dir/dir/dir/doc.txt" (8) is accepted and
 * "STAR:STAR:STAR:STAR:STAR:event-bus/STAR" (13) is refused (STAR = '*').
 */
#include "match/match_int.h"
#include "core/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int mt_wild_parse(struct arena *mem, const char *p, size_t n, struct mt_wild *out, char *reason, size_t rcap)
{
	/* Worst case every other byte starts a segment. */
	struct mt_str *seg = arena_alloc(mem, sizeof *seg * (n / 2 + 2));
	char *lit = arena_alloc(mem, n + 1);
	size_t nlit = 0, segstart = 0;
	uint32_t nseg = 0;
	int last_star = 0;
	memset(out, 0, sizeof *out);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];
		if (c == '*') {
			if (i + 1 < n && p[i + 1] == '*') {
				snprintf(reason, rcap, "Consecutive wildcard characters at pos %zu", i + 1);
				return -1;
			}
			if (nlit > segstart) {
				seg[nseg].p = lit + segstart;
				seg[nseg].n = (uint32_t)(nlit - segstart);
				nseg++;
			}
			segstart = nlit;
			if (i == 0)
				out->lead_star = 1;
			last_star = 1;
			continue;
		}
		last_star = 0;
		if (c == '\\') {
			if (i + 1 < n && (p[i + 1] == '*' || p[i + 1] == '\\')) {
				lit[nlit++] = p[++i];
				continue;
			}
			snprintf(reason, rcap, "Invalid escape character at pos %zu", i + 1);
			return -1;
		}
		lit[nlit++] = (char)c;
	}
	if (nlit > segstart) {
		seg[nseg].p = lit + segstart;
		seg[nseg].n = (uint32_t)(nlit - segstart);
		nseg++;
	}
	out->trail_star = (uint8_t)last_star;
	out->nseg = nseg;
	out->seg = seg;
	return 0;
}

int mt_wild_match(const struct mt_wild *w, const char *s, size_t n)
{
	if (w->nseg == 0)
		return w->lead_star || n == 0;
	size_t pos = 0, end = n;
	uint32_t first = 0, last = w->nseg; /* [first, last) still to place */
	if (!w->lead_star) {
		const struct mt_str *g = &w->seg[0];
		if (n < g->n || memcmp(s, g->p, g->n))
			return 0;
		pos = g->n;
		first = 1;
	}
	if (!w->trail_star) {
		if (last == first) /* one segment, no stars at either end */
			return pos == n;
		const struct mt_str *g = &w->seg[last - 1];
		if (end - pos < g->n || memcmp(s + end - g->n, g->p, g->n))
			return 0;
		end -= g->n;
		last--;
	}
	for (uint32_t k = first; k < last; k++) {
		const struct mt_str *g = &w->seg[k];
		const char *f = end - pos >= g->n ? memmem(s + pos, end - pos, g->p, g->n) : NULL;
		if (!f)
			return 0;
		pos = (size_t)(f - s) + g->n;
	}
	return 1;
}

/* ---- complexity ---- */

#define TOK_STAR 256
#define TOK_END 257
#define MAX_SETS 5000

struct cx {
	int *tok;      /* per state: byte, TOK_STAR or TOK_END */
	size_t ntok;
	uint32_t *sets; /* explored sets, each `width` ids (MT_NONE padded) */
	size_t nsets, width;
	uint64_t *hash; /* open addressing over set indexes + 1 */
	size_t hcap;
};

static uint64_t set_hash(const uint32_t *s, size_t w)
{
	uint64_t h = 1469598103934665603ull;
	for (size_t i = 0; i < w; i++)
		h = (h ^ s[i]) * 1099511628211ull;
	return h;
}

/* Adds a set if new; returns its index, or -1 if seen, -2 when full. */
static long set_add(struct cx *c, const uint32_t *s)
{
	uint64_t h = set_hash(s, c->width);
	size_t i = h & (c->hcap - 1);
	while (c->hash[i]) {
		const uint32_t *o = c->sets + (c->hash[i] - 1) * c->width;
		if (!memcmp(o, s, c->width * sizeof *s))
			return -1;
		i = (i + 1) & (c->hcap - 1);
	}
	if (c->nsets >= MAX_SETS)
		return -2;
	memcpy(c->sets + c->nsets * c->width, s, c->width * sizeof *s);
	c->hash[i] = c->nsets + 1;
	return (long)c->nsets++;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

/* Adds state s and what it reaches through stars to set (sorted later). */
static int closure_add(const struct cx *c, uint32_t *set, size_t *n, size_t cap, uint32_t s)
{
	for (;;) {
		for (size_t k = 0; k < *n; k++)
			if (set[k] == s)
				return 0;
		if (*n >= cap)
			return -1;
		set[(*n)++] = s;
		if (c->tok[s] != TOK_STAR)
			return 0;
		s++;
	}
}

int mt_wild_complexity(const struct mt_str *pats, uint32_t n, int limit)
{
	struct cx c;
	memset(&c, 0, sizeof c);
	int result = 0;
	size_t total = 0;
	for (uint32_t i = 0; i < n; i++)
		total += pats[i].n + 3;
	c.tok = xmalloc(sizeof *c.tok * (total + 1));
	uint32_t *starts = xmalloc(sizeof *starts * (n + 1));
	int alpha[256] = {0};
	for (uint32_t i = 0; i < n; i++) {
		starts[i] = (uint32_t)c.ntok;
		c.tok[c.ntok++] = '"';
		alpha['"'] = 1;
		for (size_t k = 0; k < pats[i].n; k++) {
			unsigned char ch = (unsigned char)pats[i].p[k];
			if (ch == '*') {
				c.tok[c.ntok++] = TOK_STAR;
				continue;
			}
			if (ch == '\\' && k + 1 < pats[i].n)
				ch = (unsigned char)pats[i].p[++k];
			c.tok[c.ntok++] = ch;
			alpha[ch] = 1;
		}
		c.tok[c.ntok++] = '"';
		c.tok[c.ntok++] = TOK_END;
	}
	int letters[257], nl = 0;
	for (int b = 0; b < 256; b++)
		if (alpha[b])
			letters[nl++] = b;
	letters[nl++] = -1; /* any byte no pattern names */
	c.width = (size_t)limit + 2;
	c.sets = xmalloc(sizeof *c.sets * c.width * MAX_SETS);
	c.hcap = 16384;
	c.hash = xcalloc(c.hcap, sizeof *c.hash);
	uint32_t *cur = xmalloc(sizeof *cur * c.width), *next = xmalloc(sizeof *next * c.width);
	size_t nn = 0;
	for (uint32_t i = 0; i < n; i++)
		if (closure_add(&c, cur, &nn, c.width, starts[i])) {
			result = limit + 1;
			goto out;
		}
	for (size_t k = nn; k < c.width; k++)
		cur[k] = MT_NONE;
	qsort(cur, nn, sizeof *cur, cmp_u32);
	set_add(&c, cur);
	for (size_t done = 0; done < c.nsets; done++) {
		memcpy(cur, c.sets + done * c.width, c.width * sizeof *cur);
		for (int li = 0; li < nl; li++) {
			int b = letters[li];
			nn = 0;
			int over = 0;
			for (size_t k = 0; k < c.width && cur[k] != MT_NONE && !over; k++) {
				uint32_t s = cur[k];
				if (c.tok[s] == TOK_STAR)
					over |= closure_add(&c, next, &nn, c.width, s);
				else if (c.tok[s] != TOK_END && c.tok[s] == b)
					over |= closure_add(&c, next, &nn, c.width, s + 1);
			}
			int live = 0;
			for (size_t k = 0; k < nn; k++)
				live += c.tok[next[k]] != TOK_END;
			if (over || live > limit) {
				result = limit + 1;
				goto out;
			}
			if (live > result)
				result = live;
			if (!nn)
				continue;
			for (size_t k = nn; k < c.width; k++)
				next[k] = MT_NONE;
			qsort(next, nn, sizeof *next, cmp_u32);
			if (set_add(&c, next) == -2) {
				result = limit + 1;
				goto out;
			}
		}
	}
out:
	free(c.tok);
	free(starts);
	free(c.sets);
	free(c.hash);
	free(cur);
	free(next);
	return result;
}
