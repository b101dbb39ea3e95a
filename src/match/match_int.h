/* match_int.h — internals shared by the files of src/match (see match.h).
 *
 * The pipeline, one file per stage:
 *   pjtok.c     JSON tokens with Jackson's error texts and positions
 *   compile.c   pattern / filter-policy grammar (event-ruler's order) -> IR
 *   value.c     one value matcher (prefix, numeric, cidr, ...) on one field
 *   wildcard.c, ipaddr.c, number.c, casefold.c: the pieces value.c uses
 *   index.c     many rules -> one index; one event's fields -> matching rules
 *   event.c     event JSON / SNS attributes -> flat fields in the scratch
 *   ruleset.c   the public rule-set and scratch API
 *
 * A compiled pattern (IR) is a list of sub-rules ($or expanded); a sub-rule
 * is a list of keys sorted by path; a key is a path and an OR of value
 * matchers. A path is the dotted name event-ruler flattens to ("detail.a").
 */
#ifndef NUAGE_MATCH_INT_H
#define NUAGE_MATCH_INT_H

#include "core/arena.h"
#include "match/match.h"

#include <stdint.h>
#include <string.h>

#define MT_NONE UINT32_MAX

struct mt_str {
	const char *p;
	uint32_t n;
};

/* Value matchers. The EXACT/IP/TRUE/FALSE/NULL kinds are looked up in the
 * index's hash; every other kind is evaluated field by field. */
enum mt_kind {
	MT_EXACT_STR,
	MT_EXACT_NUM,    /* comparable number: equal as doubles */
	MT_EXACT_RAWNUM, /* number too precise to compare: equal as text */
	MT_TRUE,
	MT_FALSE,
	MT_NULL,
	MT_IP,           /* a string that is an IP address literal */
	MT_PREFIX,
	MT_SUFFIX,
	MT_EIC,          /* equals-ignore-case; strings below are case-folded */
	MT_PREFIX_EIC,
	MT_SUFFIX_EIC,
	MT_WILDCARD,
	MT_NUMERIC,      /* lo/hi with open flags; -inf/+inf for one-sided */
	MT_CIDR,
	MT_EXISTS,       /* exists: true, any value */
	MT_ABSENT,       /* exists: false (not a value matcher) */
	MT_AB_STR,       /* anything-but over a set (these stay last): a value */
	MT_AB_NUM,       /* matches when it hits no member */
	MT_AB_PREFIX,
	MT_AB_SUFFIX,
	MT_AB_EIC,
	MT_AB_WILDCARD,
};

/* A wildcard program: literal segments separated by '*'. */
struct mt_wild {
	uint32_t nseg;
	uint8_t lead_star, trail_star;
	const struct mt_str *seg;
};

struct mt_mv {
	uint8_t kind;
	uint8_t lo_open, hi_open;
	uint8_t ip_len;
	uint32_t n;                /* members of a set */
	struct mt_str s;           /* the one string (folded for EIC kinds) */
	const struct mt_str *set;  /* string sets (folded for MT_AB_EIC) */
	const double *nums;        /* MT_AB_NUM */
	const struct mt_wild *wild; /* one program, or n for MT_AB_WILDCARD */
	double d, lo, hi;
	uint8_t ip_lo[16], ip_hi[16];
};

struct mt_key {
	struct mt_str path;
	uint32_t nmv;
	uint8_t has_absent; /* exists:false is one of the alternatives */
	uint8_t has_value;  /* at least one value matcher */
	const struct mt_mv *mv;
};

struct mt_sub {
	uint32_t nkeys;
	const struct mt_key *keys; /* sorted by path bytes */
};

struct mt_index;

struct match_pattern {
	struct arena mem;
	enum match_dialect dialect;
	uint32_t nsubs;
	const struct mt_sub *subs;
	struct mt_index *idx; /* a one-rule index for match_pattern_test_* */
};

/* ---- event fields (in the scratch) ---- */

enum mt_ftype { MT_F_STR, MT_F_NUM, MT_F_TRUE, MT_F_FALSE, MT_F_NULL };

struct mt_field {
	const char *s; /* decoded string, or a number's text */
	uint32_t n;
	uint32_t path;  /* path id in the index */
	uint32_t chain; /* array-membership chain node, 0 = in no array element */
	uint32_t next;  /* next field on the same path, MT_NONE at the end */
	uint8_t type;
	uint8_t num;    /* 0 not parsed yet, 1 comparable (d valid), 2 not comparable */
	uint8_t ip;     /* 0 not parsed yet, 1 IP address (ipb valid), 2 not one */
	uint8_t ip_len;
	double d;
	uint8_t ipb[16];
};

/* One element of an array that holds objects or arrays: fields below it
 * carry its node; two nodes under one parent in the same array conflict. */
struct mt_chain {
	uint32_t parent;
	uint32_t array;
	uint32_t depth;
};

struct mt_frame {
	uint32_t node;  /* trie node of this container's path */
	uint32_t chain;
	uint32_t array; /* array id (arrays only) */
	uint8_t is_array;
	uint8_t dead;   /* nothing below is recorded; only validated */
	uint8_t first;
};

/* One level of the consistency search (index.c). */
struct mt_dfs {
	uint32_t ki;      /* key of the sub-rule being placed */
	uint32_t cur;     /* next candidate field for it */
	uint32_t nchosen; /* chains picked by the keys before it */
	uint8_t phase;
};

struct match_scratch {
	uint32_t gen;
	/* Per-index state, carved from one block sized for the largest index
	 * seen (index.c): stamps are valid only when equal to gen. */
	void *blk;
	uint32_t ncond_cap, nsub_cap, nrule_cap, npath_cap;
	uint32_t *cond_stamp, *chosen; /* per condition (key) */
	struct mt_dfs *dfs;
	uint32_t *sub_stamp, *sub_cnt, *cand; /* per sub-rule */
	uint32_t *rule_stamp;                 /* per rule */
	const char **ids;
	uint32_t *path_stamp, *path_head;     /* per path */
	struct mt_field *f;
	uint32_t nf, capf;
	struct mt_chain *ch;
	uint32_t nch, capch;
	char *sb;
	size_t sblen, sbcap;
	char *fold; /* one case-folded field value (index.c) */
	size_t foldcap;
	uint8_t any_member;
	uint64_t budget;
	struct mt_frame stack[MATCH_MAX_EVENT_DEPTH + 2];
};

#define MT_MAX_FIELDS 65536
#define MT_MAX_CHAINS 65536
#define MT_DFS_BUDGET 200000 /* consistency-search steps per event */

/* ---- the path trie (index.c builds it; the scanner reads it inline) ---- */

/* A short byte string with its first 8 bytes as a word, so most unequal
 * strings are told apart by length and one integer compare. */
struct mt_word {
	uint64_t w;
	const char *p;
	uint32_t n;
	uint32_t child; /* trie child node, or exact-table entry */
};

struct mt_tnode {
	uint32_t path;  /* path id, MT_NONE if no rule names this exact path */
	uint32_t nkid;
	uint32_t kid;   /* first child in kids (nodes with few children) */
	uint64_t lens;  /* bit L: a child is L bytes long (bit 63: 63 or more) */
};

#define MT_SMALL 16 /* up to this many children (or exact strings): a list */

struct mt_trie {
	struct mt_tnode *tn;
	uint32_t ntn;
	struct mt_word *kids;
};

/* The first min(n, 8) bytes as a word (zero above them), without a loop:
 * short strings are read as two overlapping loads. Build and lookup use
 * this same function, so the byte order of the word does not matter. */
static inline uint64_t mt_word8(const char *p, size_t n)
{
	uint64_t w = 0;
	if (n >= 8) {
		memcpy(&w, p, 8);
	} else if (n >= 4) {
		uint32_t lo, hi;
		memcpy(&lo, p, 4);
		memcpy(&hi, p + n - 4, 4);
		w = lo | (uint64_t)hi << (8 * (n - 4));
	} else if (n > 0) {
		const unsigned char *b = (const unsigned char *)p;
		w = b[0] | (uint64_t)b[n / 2] << (8 * (n / 2)) | (uint64_t)b[n - 1] << (8 * (n - 1));
	}
	return w;
}

/* Equality of short byte strings without a call into libc. */
static inline int mt_eq(const char *a, const char *b, size_t n)
{
	for (; n >= 8; a += 8, b += 8, n -= 8) {
		uint64_t x, y;
		memcpy(&x, a, 8);
		memcpy(&y, b, 8);
		if (x != y)
			return 0;
	}
	while (n--)
		if (*a++ != *b++)
			return 0;
	return 1;
}

static inline int mt_word_eq(const struct mt_word *k, uint64_t w, const char *p, size_t n)
{
	return k->n == n && k->w == w && (n <= 8 || mt_eq(k->p + 8, p + 8, n - 8));
}

uint32_t mt_trie_child_hashed(const struct mt_trie *t, uint32_t node, const char *seg, size_t n);

/* Child of node for one path segment, or MT_NONE. */
static inline uint32_t mt_trie_child(const struct mt_trie *t, uint32_t node, const char *seg, size_t n)
{
	const struct mt_tnode *nd = &t->tn[node];
	if (nd->nkid > MT_SMALL)
		return mt_trie_child_hashed(t, node, seg, n);
	if (!(nd->lens & (1ull << (n < 63 ? n : 63))))
		return MT_NONE; /* no child has this length: most keys end here */
	const struct mt_word *k = t->kids + nd->kid;
	uint64_t w = 0;
	int have_w = 0;
	for (uint32_t i = 0; i < nd->nkid; i++) {
		if (k[i].n != n)
			continue; /* most keys an event has are told apart here */
		if (!have_w) {
			w = mt_word8(seg, n);
			have_w = 1;
		}
		if (mt_word_eq(&k[i], w, seg, n))
			return k[i].child;
	}
	return MT_NONE;
}

/* ---- index.c ---- */

/* Builds an index over n patterns (ids[i] names pats[i]); the index keeps
 * pointers into the patterns, which must outlive it. Freed by mt_index_free. */
struct mt_index *mt_index_build(const match_pattern *const *pats, const char *const *ids, uint32_t n);
void mt_index_free(struct mt_index *idx);
/* Readies the scratch for one event on idx (new generation, sizes). */
void mt_scratch_bind(struct match_scratch *s, const struct mt_index *idx);
/* The index's trie (its first member). */
static inline const struct mt_trie *mt_index_trie(const struct mt_index *idx)
{
	return (const struct mt_trie *)idx;
}
/* Runs the rules over the fields in s; fills s->ids, returns their count
 * (stops at the first when first_only). */
size_t mt_index_match(const struct mt_index *idx, struct match_scratch *s, int first_only);

/* ---- event.c ---- */

/* Flattens an event (a JSON object) into s->f. 0 ok, -1 invalid event. */
int mt_event_scan(const struct mt_index *idx, const char *json, size_t len, unsigned flags,
		  struct match_scratch *s);
void mt_attrs_scan(const struct mt_index *idx, const struct match_attr *a, size_t n, struct match_scratch *s);
/* Records one field at trie node `node` (if it names a path). */
int mt_field_add(const struct mt_index *idx, struct match_scratch *s, uint32_t node, uint8_t type,
		 const char *p, size_t n, uint32_t chain);

/* ---- value.c ---- */

int mt_mv_eval(const struct mt_mv *mv, struct mt_field *f);
/* Lazy per-field conversions used by value.c and index.c. */
int mt_field_num(struct mt_field *f);
int mt_field_ip(struct mt_field *f);

/* ---- number.c ---- */

/* JSON number text -> double; 1 if event-ruler could compare it (finite and
 * exactly the value of its shortest double form), 0 if not, -1 not a number. */
int mt_number(const char *p, size_t n, double *out);
/* 1 if p..n is a JSON number (RFC 8259 grammar). */
int mt_is_json_number(const char *p, size_t n);

/* ---- ipaddr.c ---- */

/* 1 if p looks like an address to event-ruler (its IPv4/IPv6 patterns),
 * then *ok says whether it parsed: out gets 4 or 16 bytes in *len. */
int mt_ip_parse(const char *p, size_t n, uint8_t out[16], uint8_t *len, int *ok);

/* ---- utf8.c ---- */

/* Next code point of a UTF-8 string (invalid bytes come back one by one). */
uint32_t mt_utf8_next(const char *p, size_t n, size_t *i);
/* Writes cp as UTF-8 into u (4 bytes room); returns the length. */
#define MT_ESC_EOF (-1)     /* input ended inside the escape */
#define MT_ESC_BADHEX (-2)  /* *i is at a character that is not a hex digit */
#define MT_ESC_UNKNOWN (-3) /* *cp is the unknown escape character */
/* Decodes a JSON escape whose backslash is just before p[*i]; 0 and *cp, or
 * one of the MT_ESC_ errors. */
int mt_json_escape(const char *p, size_t n, size_t *i, uint32_t *cp);

/* ---- casefold.c ---- */

uint32_t mt_fold(uint32_t cp);
/* Case-folds UTF-8 into out (capacity 3 * n + 4 always suffices); returns length. */
size_t mt_fold_str(const char *p, size_t n, char *out);
int mt_eic_eq(const char *a, size_t an, const struct mt_str *folded);
int mt_eic_prefix(const char *a, size_t an, const struct mt_str *folded);
int mt_eic_suffix(const char *a, size_t an, const struct mt_str *folded);

/* ---- wildcard.c ---- */

/* Parses a wildcard value (after JSON unescaping) into a program in mem.
 * 0 ok; -1 with reason set (event-ruler's words, positions count the
 * opening quote it adds). */
int mt_wild_parse(struct arena *mem, const char *p, size_t n, struct mt_wild *out, char *reason, size_t rcap);
int mt_wild_match(const struct mt_wild *w, const char *s, size_t n);
/* The most wildcard prefixes one input can keep alive at once across these
 * patterns (capped at limit + 1). */
int mt_wild_complexity(const struct mt_str *pats, uint32_t n, int limit);

#endif
