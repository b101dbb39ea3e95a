/* index.c — many compiled patterns as one structure that matches an event
 * in time proportional to the event's fields, not to rules x fields.
 *
 * Built once per rule-set change, immutable afterwards:
 *  - a trie of path segments (paths split at '.', so {"a":{"b":..}} and
 *    {"a.b":..} meet, as in event-ruler); the event scanner walks it and
 *    skips every part of the event no rule names;
 *  - one hash from (path, exact value) to the keys ("conditions") that
 *    accept it: exact strings, numbers (as doubles, or as text when not
 *    comparable), IP literals, true/false/null;
 *  - per path, the list of other matchers (prefix, numeric, anything-but...)
 *    with the condition each belongs to.
 * A condition is one key of one sub-rule. Matching one event:
 *  1. every field probes the hash and its path's other matchers; the first
 *     hit of a condition bumps its sub-rule's counter, and a sub-rule whose
 *     required keys (value keys without an exists:false alternative) are all
 *     hit becomes a candidate (sub-rules with none are always candidates);
 *  2. each candidate is verified: exists:false keys must find no field, and
 *     when the event has objects inside arrays, event-ruler's array
 *     consistency holds — a depth-first search over keys in path order picks
 *     one field per key such that no two come from different elements of the
 *     same array, checking exists:false against the fields picked before it
 *     (event-ruler's order). The search is iterative and has a step budget.
 * Stamps in the scratch (compared with its generation) replace clearing
 * per-event state, so nothing is allocated or zeroed per event.
 */
#include "match/match_int.h"
#include "core/mem.h"

#include <stdlib.h>
#include <string.h>

#define PF_STR 1u  /* exact strings (small list or hash) */
#define PF_NUM 2u  /* numbers by value (hash or numeric matchers) */
#define PF_RAW 4u  /* numbers by text */
#define PF_IP 8u   /* IP literals in the hash */
#define PF_LIT 16u /* true/false/null */
#define PF_EIC 32u /* equals-ignore-case: the folded string in the hash */
#define SMALL 16   /* up to this many children / exact strings: a list beats a hash */

struct mt_child {
	uint64_t h;
	const char *seg;
	uint32_t n, parent, child; /* child 0 = empty slot */
};

struct mt_exact {
	uint64_t h;
	const char *k;
	uint32_t n, path;
	uint32_t off, cnt; /* cnt 0 = empty slot */
	uint8_t tag;
};

/* A non-exact matcher and the condition it serves. Equal matchers of one
 * path sit next to each other; the first of such a run carries its length
 * (others 0), so each distinct matcher runs once per field. */
struct mt_other {
	const struct mt_mv *mv;
	uint32_t cond;
	uint32_t run;
};

struct mt_ipath {
	uint32_t off, n;         /* into others */
	uint32_t flags;
	uint32_t small, nsmall;  /* into smalls: the exact strings, when few */
};

struct mt_ikey {
	const struct mt_key *k;
	uint32_t path, sub;
	uint8_t required;
};

struct mt_isub {
	uint32_t rule, key_off, nkeys, nreq;
};

struct mt_index {
	struct mt_trie trie; /* first: match_int.h's inline lookups see it */
	struct arena mem;
	struct mt_child *child;
	uint32_t child_mask;
	struct mt_ipath *paths;
	uint32_t npaths;
	struct mt_other *others;
	struct mt_exact *exact;
	uint32_t exact_mask;
	struct mt_word *smalls; /* child = index of its exact entry */
	uint32_t *lists;
	struct mt_ikey *keys;
	uint32_t nkeys;
	struct mt_isub *subs;
	uint32_t nsubs;
	uint32_t *always; /* sub-rules with no required key */
	uint32_t nalways;
	const char *const *ids;
	uint32_t nrules;
	uint32_t max_keys;
};

static uint64_t hbytes(const void *p, size_t n, uint64_t seed)
{
	const unsigned char *b = p;
	uint64_t h = seed ^ ((uint64_t)n * 0x9E3779B97F4A7C15ull);
	while (n >= 8) {
		uint64_t v;
		memcpy(&v, b, 8);
		h = (h ^ v) * 0xff51afd7ed558ccdull;
		h ^= h >> 32;
		b += 8;
		n -= 8;
	}
	uint64_t v = 0;
	memcpy(&v, b, n);
	h = (h ^ v) * 0xc4ceb9fe1a85ec53ull;
	h ^= h >> 29;
	h *= 0x9E3779B97F4A7C15ull;
	return h ^ (h >> 32);
}

static uint32_t pow2_above(uint64_t n)
{
	uint32_t c = 16;
	while (c < n * 2)
		c *= 2;
	return c;
}

/* The hash behind nodes with many children (build time, and lookups that
 * mt_trie_child hands over). */
static uint32_t child_hashed(const struct mt_index *idx, uint32_t node, const char *seg, size_t n)
{
	uint64_t h = hbytes(seg, n, node);
	for (uint32_t i = (uint32_t)h & idx->child_mask;; i = (i + 1) & idx->child_mask) {
		const struct mt_child *e = &idx->child[i];
		if (!e->child)
			return MT_NONE;
		if (e->h == h && e->parent == node && e->n == n && mt_eq(e->seg, seg, n))
			return e->child;
	}
}

uint32_t mt_trie_child_hashed(const struct mt_trie *t, uint32_t node, const char *seg, size_t n)
{
	return child_hashed((const struct mt_index *)t, node, seg, n);
}

static uint32_t trie_insert(struct mt_index *idx, const struct mt_str *path)
{
	uint32_t node = 0;
	size_t start = 0;
	for (size_t i = 0; i <= path->n; i++) {
		if (i < path->n && path->p[i] != '.')
			continue;
		const char *seg = path->p + start;
		size_t n = i - start;
		uint32_t next = child_hashed(idx, node, seg, n);
		if (next == MT_NONE) {
			next = idx->trie.ntn++;
			idx->trie.tn[next].path = MT_NONE;
			idx->trie.tn[next].nkid = 0;
			idx->trie.tn[node].nkid++;
			uint64_t h = hbytes(seg, n, node);
			uint32_t j = (uint32_t)h & idx->child_mask;
			while (idx->child[j].child)
				j = (j + 1) & idx->child_mask;
			idx->child[j] = (struct mt_child){h, seg, (uint32_t)n, node, next};
		}
		node = next;
		start = i + 1;
	}
	if (idx->trie.tn[node].path == MT_NONE)
		idx->trie.tn[node].path = idx->npaths++;
	return idx->trie.tn[node].path;
}

/* Kinds answered by one hash probe (equals-ignore-case through the
 * case-folded value). */
static int is_exact(uint8_t kind)
{
	return kind <= MT_IP || kind == MT_EIC;
}

/* The hash key of an exact matcher: tag and bytes. */
static void exact_key(const struct mt_mv *mv, uint8_t *tag, const void **k, uint32_t *n, double *tmp)
{
	switch (mv->kind) {
	case MT_EXACT_STR:
		*tag = 'S', *k = mv->s.p, *n = mv->s.n;
		return;
	case MT_EXACT_NUM:
		*tmp = mv->d == 0 ? 0 : mv->d; /* -0 and 0 compare equal */
		*tag = 'N', *k = tmp, *n = sizeof *tmp;
		return;
	case MT_EXACT_RAWNUM:
		*tag = 'R', *k = mv->s.p, *n = mv->s.n;
		return;
	case MT_IP:
		*tag = 'I', *k = mv->ip_lo, *n = mv->ip_len;
		return;
	case MT_EIC:
		*tag = 'E', *k = mv->s.p, *n = mv->s.n;
		return;
	default:
		*tag = mv->kind == MT_TRUE ? 'T' : mv->kind == MT_FALSE ? 'F' : 'Z';
		*k = "", *n = 0;
		return;
	}
}

static uint32_t exact_slot(const struct mt_index *idx, uint32_t path, uint8_t tag, const void *k, uint32_t n,
			   uint64_t *hout)
{
	uint64_t h = hbytes(k, n, ((uint64_t)path << 8) | tag);
	*hout = h;
	for (uint32_t i = (uint32_t)h & idx->exact_mask;; i = (i + 1) & idx->exact_mask) {
		const struct mt_exact *e = &idx->exact[i];
		if (!e->cnt || (e->h == h && e->path == path && e->tag == tag && e->n == n && mt_eq(e->k, k, n)))
			return i;
	}
}

static int cmp_bytes(const struct mt_str *a, const struct mt_str *b)
{
	if (a->n != b->n)
		return a->n < b->n ? -1 : 1;
	return a->n ? memcmp(a->p, b->p, a->n) : 0;
}

static int cmp_num(double a, double b)
{
	return a < b ? -1 : a > b;
}

/* A total order on matchers in which equal ones (same kind, same operands)
 * compare 0. */
static int mv_cmp(const struct mt_mv *a, const struct mt_mv *b)
{
	int r;
	if (a->kind != b->kind)
		return a->kind < b->kind ? -1 : 1;
	switch (a->kind) {
	case MT_NUMERIC:
		if ((r = cmp_num(a->lo, b->lo)) || (r = cmp_num(a->hi, b->hi)))
			return r;
		return (a->lo_open - b->lo_open) * 2 + (a->hi_open - b->hi_open);
	case MT_CIDR:
		if (a->ip_len != b->ip_len)
			return a->ip_len < b->ip_len ? -1 : 1;
		if ((r = memcmp(a->ip_lo, b->ip_lo, a->ip_len)))
			return r;
		return memcmp(a->ip_hi, b->ip_hi, a->ip_len);
	case MT_EXISTS:
		return 0;
	case MT_AB_NUM:
	case MT_AB_STR:
	case MT_AB_PREFIX:
	case MT_AB_SUFFIX:
	case MT_AB_EIC:
	case MT_AB_WILDCARD:
		if (a->n != b->n)
			return a->n < b->n ? -1 : 1;
		for (uint32_t i = 0; i < a->n; i++) {
			r = a->kind == MT_AB_NUM ? cmp_num(a->nums[i], b->nums[i]) : cmp_bytes(&a->set[i], &b->set[i]);
			if (r)
				return r;
		}
		return 0;
	default: /* one string: prefix, suffix, equals-ignore-case, wildcard */
		return cmp_bytes(&a->s, &b->s);
	}
}

static int cmp_other(const void *a, const void *b)
{
	const struct mt_other *x = a, *y = b;
	int r = mv_cmp(x->mv, y->mv);
	return r ? r : x->cond < y->cond ? -1 : x->cond > y->cond;
}

static void group_others(struct mt_index *idx)
{
	for (uint32_t p = 0; p < idx->npaths; p++) {
		struct mt_other *o = idx->others + idx->paths[p].off;
		uint32_t n = idx->paths[p].n;
		if (n > 1)
			qsort(o, n, sizeof *o, cmp_other);
		for (uint32_t k = 0; k < n;) {
			uint32_t j = k + 1;
			while (j < n && !mv_cmp(o[k].mv, o[j].mv))
				j++;
			o[k].run = j - k;
			k = j;
		}
	}
}

/* Nodes with few children, and paths with few exact strings, get them as
 * word lists (see mt_trie_child); the rest keep using the hashes. */
static void lay_out_lists(struct mt_index *idx)
{
	struct mt_trie *t = &idx->trie;
	uint32_t *fill = xcalloc(t->ntn + idx->npaths + 1, sizeof *fill);
	uint32_t off = 0;
	for (uint32_t i = 0; i < t->ntn; i++) {
		t->tn[i].kid = off;
		if (t->tn[i].nkid <= MT_SMALL)
			off += t->tn[i].nkid;
	}
	t->kids = arena_alloc(&idx->mem, sizeof *t->kids * (off ? off : 1));
	for (uint32_t i = 0; i <= idx->child_mask; i++) {
		const struct mt_child *e = &idx->child[i];
		struct mt_tnode *parent = &t->tn[e->parent];
		if (e->child && parent->nkid <= MT_SMALL) {
			t->kids[parent->kid + fill[e->parent]++] = (struct mt_word){mt_word8(e->seg, e->n), e->seg, e->n, e->child};
			parent->lens |= 1ull << (e->n < 63 ? e->n : 63);
		}
	}
	/* exact strings per path */
	uint32_t *count = fill + t->ntn;
	memset(count, 0, sizeof *count * idx->npaths);
	for (uint32_t i = 0; i <= idx->exact_mask; i++)
		if (idx->exact[i].cnt && idx->exact[i].tag == 'S')
			count[idx->exact[i].path]++;
	off = 0;
	for (uint32_t p = 0; p < idx->npaths; p++) {
		idx->paths[p].small = off;
		idx->paths[p].nsmall = 0;
		if (count[p] <= MT_SMALL)
			off += count[p];
	}
	idx->smalls = arena_alloc(&idx->mem, sizeof *idx->smalls * (off ? off : 1));
	for (uint32_t i = 0; i <= idx->exact_mask; i++) {
		const struct mt_exact *e = &idx->exact[i];
		if (!e->cnt || e->tag != 'S' || count[e->path] > MT_SMALL)
			continue;
		struct mt_ipath *ip = &idx->paths[e->path];
		idx->smalls[ip->small + ip->nsmall++] = (struct mt_word){mt_word8(e->k, e->n), e->k, e->n, i};
	}
	free(fill);
}

struct mt_index *mt_index_build(const match_pattern *const *pats, const char *const *ids, uint32_t n)
{
	struct mt_index *idx = xcalloc(1, sizeof *idx);
	arena_init(&idx->mem);
	uint64_t nsubs = 0, nkeys = 0, nmv = 0, nseg = 1;
	for (uint32_t r = 0; r < n; r++) {
		nsubs += pats[r]->nsubs;
		for (uint32_t s = 0; s < pats[r]->nsubs; s++) {
			const struct mt_sub *sub = &pats[r]->subs[s];
			nkeys += sub->nkeys;
			if (sub->nkeys > idx->max_keys)
				idx->max_keys = sub->nkeys;
			for (uint32_t k = 0; k < sub->nkeys; k++) {
				nmv += sub->keys[k].nmv;
				nseg += 1;
				for (uint32_t i = 0; i < sub->keys[k].path.n; i++)
					nseg += sub->keys[k].path.p[i] == '.';
			}
		}
	}
	idx->ids = ids;
	idx->nrules = n;
	idx->trie.tn = arena_zalloc(&idx->mem, sizeof *idx->trie.tn * nseg);
	idx->trie.tn[0].path = MT_NONE;
	idx->trie.ntn = 1;
	uint32_t ccap = pow2_above(nseg);
	idx->child = arena_zalloc(&idx->mem, sizeof *idx->child * ccap);
	idx->child_mask = ccap - 1;
	idx->keys = arena_zalloc(&idx->mem, sizeof *idx->keys * (nkeys ? nkeys : 1));
	idx->subs = arena_zalloc(&idx->mem, sizeof *idx->subs * (nsubs ? nsubs : 1));
	idx->always = arena_alloc(&idx->mem, sizeof *idx->always * (nsubs ? nsubs : 1));
	idx->paths = arena_zalloc(&idx->mem, sizeof *idx->paths * (nkeys ? nkeys : 1));
	uint32_t ecap = pow2_above(nmv);
	idx->exact = arena_zalloc(&idx->mem, sizeof *idx->exact * ecap);
	idx->exact_mask = ecap - 1;
	idx->others = arena_alloc(&idx->mem, sizeof *idx->others * (nmv ? nmv : 1));
	idx->lists = arena_alloc(&idx->mem, sizeof *idx->lists * (nmv ? nmv : 1));
	/* pass 1: keys, sub-rules, paths, counts */
	uint32_t *pairs = xmalloc(sizeof *pairs * 2 * (nmv ? nmv : 1)); /* (exact slot, cond) */
	uint32_t npairs = 0;
	for (uint32_t r = 0; r < n; r++) {
		for (uint32_t s = 0; s < pats[r]->nsubs; s++) {
			const struct mt_sub *sub = &pats[r]->subs[s];
			struct mt_isub *is = &idx->subs[idx->nsubs];
			is->rule = r;
			is->key_off = idx->nkeys;
			is->nkeys = sub->nkeys;
			for (uint32_t k = 0; k < sub->nkeys; k++) {
				const struct mt_key *key = &sub->keys[k];
				uint32_t cond = idx->nkeys++;
				struct mt_ikey *ik = &idx->keys[cond];
				ik->k = key;
				ik->sub = idx->nsubs;
				ik->path = trie_insert(idx, &key->path);
				ik->required = key->has_value && !key->has_absent;
				is->nreq += ik->required;
				struct mt_ipath *ip = &idx->paths[ik->path];
				for (uint32_t m = 0; m < key->nmv; m++) {
					const struct mt_mv *mv = &key->mv[m];
					if (mv->kind == MT_ABSENT)
						continue;
					if (!is_exact(mv->kind)) {
						ip->n++;
						if (mv->kind == MT_NUMERIC || mv->kind == MT_AB_NUM)
							ip->flags |= PF_NUM;
						continue;
					}
					uint8_t tag;
					const void *kb;
					uint32_t kn;
					double tmp;
					uint64_t h;
					exact_key(mv, &tag, &kb, &kn, &tmp);
					if (tag == 'N')
						kb = arena_strndup(&idx->mem, kb, kn);
					uint32_t slot = exact_slot(idx, ik->path, tag, kb, kn, &h);
					struct mt_exact *e = &idx->exact[slot];
					if (!e->cnt)
						*e = (struct mt_exact){h, kb, kn, ik->path, 0, 0, tag};
					e->cnt++;
					pairs[2 * npairs] = slot;
					pairs[2 * npairs + 1] = cond;
					npairs++;
					ip->flags |= tag == 'S'   ? PF_STR
						     : tag == 'N' ? PF_NUM
						     : tag == 'R' ? PF_RAW
						     : tag == 'I' ? PF_IP
						     : tag == 'E' ? PF_EIC
								  : PF_LIT;
				}
				for (uint32_t m = 0; m < key->nmv; m++)
					if (key->mv[m].kind == MT_CIDR)
						ip->flags |= PF_IP;
			}
			if (!is->nreq)
				idx->always[idx->nalways++] = idx->nsubs;
			idx->nsubs++;
		}
	}
	/* pass 2: lay out the others and the exact lists */
	uint32_t off = 0;
	for (uint32_t p = 0; p < idx->npaths; p++) {
		idx->paths[p].off = off;
		off += idx->paths[p].n;
		idx->paths[p].n = 0;
	}
	off = 0;
	for (uint32_t i = 0; i <= idx->exact_mask; i++) {
		if (!idx->exact[i].cnt)
			continue;
		idx->exact[i].off = off;
		off += idx->exact[i].cnt;
		idx->exact[i].cnt = 0;
	}
	for (uint32_t i = 0; i < npairs; i++) {
		struct mt_exact *e = &idx->exact[pairs[2 * i]];
		uint32_t cond = pairs[2 * i + 1];
		/* one condition may list the same value twice */
		if (e->cnt && idx->lists[e->off + e->cnt - 1] == cond)
			continue;
		idx->lists[e->off + e->cnt++] = cond;
	}
	free(pairs);
	for (uint32_t cond = 0; cond < idx->nkeys; cond++) {
		const struct mt_ikey *ik = &idx->keys[cond];
		struct mt_ipath *ip = &idx->paths[ik->path];
		for (uint32_t m = 0; m < ik->k->nmv; m++) {
			const struct mt_mv *mv = &ik->k->mv[m];
			if (mv->kind != MT_ABSENT && !is_exact(mv->kind))
				idx->others[ip->off + ip->n++] = (struct mt_other){mv, cond, 0};
		}
	}
	group_others(idx);
	lay_out_lists(idx);
	return idx;
}

void mt_index_free(struct mt_index *idx)
{
	if (!idx)
		return;
	arena_free(&idx->mem);
	free(idx);
}

/* ---- scratch ---- */

static size_t round16(size_t n)
{
	return (n + 15) & ~(size_t)15;
}

/* Carves the per-index arrays out of one zeroed block. */
static void carve(struct match_scratch *s, uint32_t nc, uint32_t ns, uint32_t nr, uint32_t np)
{
	size_t bytes = round16(sizeof *s->ids * nr) + round16(sizeof *s->dfs * nc) +
		       round16(sizeof(uint32_t) * nc) * 2 + round16(sizeof(uint32_t) * ns) * 3 +
		       round16(sizeof(uint32_t) * nr) + round16(sizeof(uint32_t) * np) * 2;
	free(s->blk);
	char *b = s->blk = xcalloc(1, bytes);
#define TAKE(field, count)                                       \
	do {                                                     \
		s->field = (void *)b;                            \
		b += round16(sizeof *s->field * (size_t)(count)); \
	} while (0)
	TAKE(ids, nr);
	TAKE(dfs, nc);
	TAKE(cond_stamp, nc);
	TAKE(chosen, nc);
	TAKE(sub_stamp, ns);
	TAKE(sub_cnt, ns);
	TAKE(cand, ns);
	TAKE(rule_stamp, nr);
	TAKE(path_stamp, np);
	TAKE(path_head, np);
#undef TAKE
	s->ncond_cap = nc;
	s->nsub_cap = ns;
	s->nrule_cap = nr;
	s->npath_cap = np;
}

static uint32_t at_least(uint32_t have, uint32_t need)
{
	return need + 1 > have ? need + 16 : have;
}

void mt_scratch_bind(struct match_scratch *s, const struct mt_index *idx)
{
	uint32_t nc = at_least(s->ncond_cap, idx->nkeys), ns = at_least(s->nsub_cap, idx->nsubs);
	uint32_t nr = at_least(s->nrule_cap, idx->nrules), np = at_least(s->npath_cap, idx->npaths);
	if (++s->gen == 0 || nc != s->ncond_cap || ns != s->nsub_cap || nr != s->nrule_cap || np != s->npath_cap) {
		carve(s, nc, ns, nr, np); /* zeroed: no stale stamp equals gen */
		s->gen = 1;
	}
	if (!s->capch) {
		s->capch = 256;
		s->ch = xmalloc(sizeof *s->ch * s->capch);
	}
	s->nf = 0;
	s->nch = 1;
	s->ch[0] = (struct mt_chain){0, MT_NONE, 0};
	s->sblen = 0;
	s->any_member = 0;
	s->budget = MT_DFS_BUDGET;
}

/* ---- matching ---- */

static inline void hit(const struct mt_index *idx, struct match_scratch *s, uint32_t cond, uint32_t *ncand)
{
	uint32_t gen = s->gen;
	if (s->cond_stamp[cond] == gen)
		return;
	s->cond_stamp[cond] = gen;
	const struct mt_ikey *k = &idx->keys[cond];
	if (!k->required)
		return;
	uint32_t sb = k->sub;
	if (s->sub_stamp[sb] != gen) {
		s->sub_stamp[sb] = gen;
		s->sub_cnt[sb] = 0;
	}
	if (++s->sub_cnt[sb] == idx->subs[sb].nreq)
		s->cand[(*ncand)++] = sb;
}

static void hit_all(const struct mt_index *idx, struct match_scratch *s, const struct mt_exact *e, uint32_t *ncand)
{
	for (uint32_t i = 0; i < e->cnt; i++)
		hit(idx, s, idx->lists[e->off + i], ncand);
}

static void probe(const struct mt_index *idx, struct match_scratch *s, uint32_t path, uint8_t tag, const void *k,
		  uint32_t n, uint32_t *ncand)
{
	uint64_t h;
	hit_all(idx, s, &idx->exact[exact_slot(idx, path, tag, k, n, &h)], ncand);
}

/* An exact string: through the path's word list when it has one. */
static void probe_str(const struct mt_index *idx, struct match_scratch *s, const struct mt_ipath *pp,
		      const struct mt_field *f, uint32_t *ncand)
{
	if (!pp->nsmall) {
		probe(idx, s, f->path, 'S', f->s, f->n, ncand);
		return;
	}
	uint64_t w = mt_word8(f->s, f->n);
	const struct mt_word *k = idx->smalls + pp->small;
	for (uint32_t i = 0; i < pp->nsmall; i++) {
		if (mt_word_eq(&k[i], w, f->s, f->n)) {
			hit_all(idx, s, &idx->exact[k[i].child], ncand);
			return;
		}
	}
}

/* The case-folded form of a string field, in the scratch's fold buffer
 * (grown, rarely, to the longest string seen). */
static size_t fold_field(struct match_scratch *s, const struct mt_field *f)
{
	size_t need = (size_t)f->n * 3 + 4;
	if (need > s->foldcap) {
		s->foldcap = need < 256 ? 256 : need;
		s->fold = xrealloc(s->fold, s->foldcap);
	}
	return mt_fold_str(f->s, f->n, s->fold);
}

/* Two fields may be used together unless they sit in different elements
 * of one array. */
static int chain_ok(const struct mt_chain *ch, uint32_t a, uint32_t b)
{
	if (!a || !b || a == b)
		return 1;
	while (ch[a].depth > ch[b].depth)
		a = ch[a].parent;
	while (ch[b].depth > ch[a].depth)
		b = ch[b].parent;
	if (a == b)
		return 1;
	while (ch[a].parent != ch[b].parent) {
		a = ch[a].parent;
		b = ch[b].parent;
	}
	return ch[a].array != ch[b].array;
}

static int chain_fits(const struct match_scratch *s, uint32_t c, uint32_t nchosen)
{
	if (!c)
		return 1;
	for (uint32_t i = 0; i < nchosen; i++)
		if (!chain_ok(s->ch, c, s->chosen[i]))
			return 0;
	return 1;
}

static int key_accepts(const struct mt_key *k, struct mt_field *f)
{
	for (uint32_t m = 0; m < k->nmv; m++)
		if (k->mv[m].kind != MT_ABSENT && mt_mv_eval(&k->mv[m], f))
			return 1;
	return 0;
}

static uint32_t path_first(const struct match_scratch *s, uint32_t path)
{
	return s->path_stamp[path] == s->gen ? s->path_head[path] : MT_NONE;
}

/* The general check: event-ruler's array-consistent walk (see the top). */
static int verify_dfs(const struct mt_index *idx, struct match_scratch *s, const struct mt_isub *sub)
{
	struct mt_dfs *st = s->dfs;
	int top = 0;
	st[0] = (struct mt_dfs){0, MT_NONE, 0, 0};
	while (top >= 0) {
		struct mt_dfs *fr = &st[top];
		if (fr->ki == sub->nkeys)
			return 1;
		const struct mt_ikey *ik = &idx->keys[sub->key_off + fr->ki];
		if (fr->phase == 0) {
			fr->cur = ik->k->has_value && s->cond_stamp[sub->key_off + fr->ki] == s->gen ? path_first(s, ik->path)
												   : MT_NONE;
			fr->phase = 1;
		}
		if (fr->phase == 1) {
			int pushed = 0;
			while (fr->cur != MT_NONE) {
				if (!s->budget)
					return 0;
				s->budget--;
				struct mt_field *f = &s->f[fr->cur];
				fr->cur = f->next;
				if (!key_accepts(ik->k, f) || !chain_fits(s, f->chain, fr->nchosen))
					continue;
				uint32_t nc = fr->nchosen;
				if (f->chain)
					s->chosen[nc++] = f->chain;
				st[top + 1] = (struct mt_dfs){fr->ki + 1, MT_NONE, nc, 0};
				top++;
				pushed = 1;
				break;
			}
			if (pushed)
				continue;
			fr->phase = 2;
		}
		if (fr->phase == 2) {
			fr->phase = 3;
			if (ik->k->has_absent) {
				int absent = 1;
				for (uint32_t g = path_first(s, ik->path); g != MT_NONE && absent; g = s->f[g].next) {
					if (!s->budget)
						return 0;
					s->budget--;
					absent = !chain_fits(s, s->f[g].chain, fr->nchosen);
				}
				if (absent) {
					st[top + 1] = (struct mt_dfs){fr->ki + 1, MT_NONE, fr->nchosen, 0};
					top++;
					continue;
				}
			}
		}
		top--;
	}
	return 0;
}

static int verify(const struct mt_index *idx, struct match_scratch *s, uint32_t sb)
{
	const struct mt_isub *sub = &idx->subs[sb];
	if (s->any_member)
		return verify_dfs(idx, s, sub);
	for (uint32_t i = 0; i < sub->nkeys; i++) {
		const struct mt_ikey *ik = &idx->keys[sub->key_off + i];
		if (ik->required)
			continue;
		if (ik->k->has_value && s->cond_stamp[sub->key_off + i] == s->gen)
			continue;
		if (s->path_stamp[ik->path] == s->gen)
			return 0; /* the field is there: exists:false fails */
	}
	return 1;
}

size_t mt_index_match(const struct mt_index *idx, struct match_scratch *s, int first_only)
{
	uint32_t ncand = 0;
	for (uint32_t i = 0; i < s->nf; i++) {
		struct mt_field *f = &s->f[i];
		const struct mt_ipath *pp = &idx->paths[f->path];
		switch (f->type) {
		case MT_F_STR:
			if (pp->flags & PF_STR)
				probe_str(idx, s, pp, f, &ncand);
			if ((pp->flags & PF_IP) && mt_field_ip(f))
				probe(idx, s, f->path, 'I', f->ipb, f->ip_len, &ncand);
			if (pp->flags & PF_EIC) {
				size_t fn = fold_field(s, f);
				probe(idx, s, f->path, 'E', s->fold, (uint32_t)fn, &ncand);
			}
			break;
		case MT_F_NUM:
			if ((pp->flags & PF_NUM) && mt_field_num(f)) {
				double d = f->d == 0 ? 0 : f->d;
				probe(idx, s, f->path, 'N', &d, sizeof d, &ncand);
			}
			if (pp->flags & PF_RAW)
				probe(idx, s, f->path, 'R', f->s, f->n, &ncand);
			break;
		default:
			if (pp->flags & PF_LIT)
				probe(idx, s, f->path, f->type == MT_F_TRUE ? 'T' : f->type == MT_F_FALSE ? 'F' : 'Z', "", 0,
				      &ncand);
			break;
		}
		const struct mt_other *o = idx->others + pp->off;
		for (uint32_t k = 0; k < pp->n; k += o[k].run)
			if (mt_mv_eval(o[k].mv, f))
				for (uint32_t j = k; j < k + o[k].run; j++)
					hit(idx, s, o[j].cond, &ncand);
	}
	size_t nids = 0;
	for (uint32_t pass = 0; pass < 2; pass++) {
		uint32_t n = pass ? idx->nalways : ncand;
		const uint32_t *list = pass ? idx->always : s->cand;
		for (uint32_t i = 0; i < n; i++) {
			uint32_t rule = idx->subs[list[i]].rule;
			if (s->rule_stamp[rule] == s->gen || !verify(idx, s, list[i]))
				continue;
			s->rule_stamp[rule] = s->gen;
			s->ids[nids++] = idx->ids[rule];
			if (first_only)
				return nids;
		}
	}
	return nids;
}
