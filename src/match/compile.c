/* compile.c — event patterns and SNS filter policies -> match IR.
 *
 * The grammar walk follows event-ruler's JsonRuleCompiler token by token
 * (AWS runs it on a Jackson stream), because AWS reports the first problem
 * that walk meets, with the Jackson location of that moment: a pattern that
 * is both badly typed and badly formed fails on whichever comes first.
 * Messages that event-ruler raises outside the stream (CIDR, comparability
 * of a lone anything-but number, "Rule is too complex") carry no location;
 * errors re-raised inside its try-blocks carry the location twice, as AWS's
 * messages show.
 *
 * $or: each branch copies the sub-rules built so far and extends them; a key
 * written again replaces the earlier one in that sub-rule (last wins, the
 * "override" event-ruler applies). Keys are kept as an append-only list per
 * sub-rule and resolved (sorted, last write wins) when the IR is built.
 *
 * SNS differs from EventBridge (what is known from AWS's answers and docs):
 * the JSON is parsed whole first ("failed to parse JSON."); at most 5
 * top-level keys; the value-combination count (values x depth, summed over
 * $or branches) may not exceed 150; MessageAttributes policies cannot nest;
 * `$or` is an ordinary key unless it holds an array of 2+ objects; no
 * `wildcard`, no prefix/suffix with equals-ignore-case, and anything-but
 * accepts values and `prefix` only.
 */
#include "match/pjtok.h"
#include "match/match_int.h"
#include "core/mem.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ENTRIES 200000
#define WILD_LIMIT 10

struct entry {
	struct mt_str path;
	uint32_t vl;  /* value list index */
	uint32_t seq; /* write order: a later write of a path wins */
};

struct crule {
	struct entry *e;
	uint32_t n, cap;
};

struct rules {
	struct crule *r;
	uint32_t n, cap;
};

struct vlist {
	struct mt_mv *mv;
	uint32_t n;
};

struct comp {
	struct pjtok t;
	struct arena *mem;
	int sns, attrs;
	struct vlist *vl;
	uint32_t nvl, capvl;
	struct rules rules;
	uint64_t entries;
	uint32_t seq;
	/* path being walked (event-ruler's Path) */
	char *pbuf;
	size_t plen, pcap;
	size_t pmark[MATCH_MAX_DEPTH + 8];
	int psegs;
	/* failure */
	int failed;
	int located;   /* 0 none, 1 or 2 Jackson locations */
	int syntax;    /* SNS: the JSON itself did not parse */
	int unscoped;  /* SNS message without the "FilterPolicy: " part */
	char reason[1400];
	/* SNS checks */
	struct mt_str topkeys[8];
	uint32_t ntop;
	int nested;
};

/* ---- failures ---- */

static int vfail(struct comp *c, int located, const char *fmt, va_list ap)
{
	vsnprintf(c->reason, sizeof c->reason, fmt, ap);
	if (located)
		pj_fail(&c->t, "%s", c->reason);
	c->failed = 1;
	c->located = located;
	return -1;
}

/* event-ruler's barf(): a JsonParseException at the current location. */
static int barf(struct comp *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int barf(struct comp *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vfail(c, 1, fmt, ap);
	va_end(ap);
	return -1;
}

/* An IllegalArgumentException that escapes without a location. */
static int fail_plain(struct comp *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail_plain(struct comp *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vfail(c, 0, fmt, ap);
	va_end(ap);
	return -1;
}

/* A failure the tokenizer raised (Jackson's own messages). */
static int tok_failed(struct comp *c)
{
	if (!c->failed) {
		snprintf(c->reason, sizeof c->reason, "%s", c->t.reason);
		c->failed = 1;
		c->located = 1;
	}
	return -1;
}

/* Re-raise inside one of event-ruler's catch (IOException) blocks: the
 * message already holds a location and gets the same one again. */
static int rethrown(struct comp *c)
{
	if (c->failed && c->located == 1)
		c->located = 2;
	return -1;
}

static enum pj next(struct comp *c)
{
	enum pj k = pj_next(&c->t);
	if (k == PJ_ERROR)
		tok_failed(c);
	return k;
}

/* The current token's text, copied into the pattern's memory. */
static int text(struct comp *c, struct mt_str *out)
{
	size_t n;
	const char *p = pj_text(&c->t, &n);
	if (!p)
		return tok_failed(c);
	out->p = arena_strndup(c->mem, p, n);
	out->n = (uint32_t)n;
	return 0;
}

static int is_name(const struct mt_str *s, const char *lit)
{
	size_t n = strlen(lit);
	return s->n == n && !memcmp(s->p, lit, n);
}

/* ---- values ---- */

struct vbuild {
	struct mt_mv *mv;
	uint32_t n, cap;
};

static struct mt_mv *vadd(struct vbuild *v)
{
	if (v->n == v->cap) {
		v->cap = v->cap ? v->cap * 2 : 4;
		v->mv = xrealloc(v->mv, sizeof *v->mv * v->cap);
	}
	struct mt_mv *m = &v->mv[v->n++];
	memset(m, 0, sizeof *m);
	return m;
}

static struct mt_str fold(struct comp *c, const struct mt_str *s)
{
	char *out = arena_alloc(c->mem, (size_t)s->n * 3 + 4);
	struct mt_str f = {out, (uint32_t)mt_fold_str(s->p, s->n, out)};
	return f;
}

/* ComparableNumber.generate: the number as a double, or the exception. */
static int comparable(struct comp *c, const struct mt_str *s, double *d, int located)
{
	if (mt_number(s->p, s->n, d) == 1)
		return 0;
	if (located)
		return barf(c, "Cannot compare number : %.*s", (int)s->n, s->p);
	return fail_plain(c, "Cannot compare number : %.*s", (int)s->n, s->p);
}

/* Java's String.split("/") (trailing empty parts dropped) and
 * Integer.parseInt, then event-ruler's CIDR.cidr(). */
static int cidr(struct comp *c, const struct mt_str *s, struct mt_mv *m)
{
	const char *slash = memchr(s->p, '/', s->n);
	size_t parts = 1;
	for (size_t i = 0; i < s->n; i++)
		parts += s->p[i] == '/';
	/* drop trailing empty parts */
	size_t end = s->n;
	while (parts > 0 && end > 0 && s->p[end - 1] == '/') {
		end--;
		parts--;
	}
	if (end == 0)
		parts = s->n ? 0 : 1;
	if (parts != 2)
		return fail_plain(c, "Malformed CIDR, one '/' required");
	size_t iplen = (size_t)(slash - s->p);
	const char *mask = slash + 1;
	size_t mlen = end - iplen - 1;
	long bits = 0;
	size_t i = 0;
	int neg = 0;
	if (mlen > 0 && (mask[0] == '+' || mask[0] == '-')) {
		neg = mask[0] == '-';
		i = 1;
	}
	if (i >= mlen)
		return fail_plain(c, "Malformed CIDR, mask bits must be an integer");
	for (; i < mlen; i++) {
		if (mask[i] < '0' || mask[i] > '9')
			return fail_plain(c, "Malformed CIDR, mask bits must be an integer");
		bits = bits * 10 + (mask[i] - '0');
		if (bits > 2147483648L)
			return fail_plain(c, "Malformed CIDR, mask bits must be an integer");
	}
	if (neg)
		bits = -bits;
	if (bits > 2147483647L || bits < -2147483648L)
		return fail_plain(c, "Malformed CIDR, mask bits must be an integer");
	if (bits < 0)
		return fail_plain(c, "Malformed CIDR, mask bits must not be negative");
	uint8_t ip[16], len = 0;
	int ok;
	if (!mt_ip_parse(s->p, iplen, ip, &len, &ok))
		return fail_plain(c, "Nonstandard IP address: %.*s", (int)iplen, s->p);
	if (!ok)
		return fail_plain(c, "Invalid IP address: %.*s", (int)iplen, s->p);
	if (len == 4 && bits > 31)
		return fail_plain(c, "IPv4 mask bits must be < 32");
	if (len == 16 && bits > 127)
		return fail_plain(c, "IPv6 mask bits must be < 128");
	m->kind = MT_CIDR;
	m->ip_len = len;
	for (int b = 0; b < len; b++) {
		int keep = (int)bits - b * 8;
		uint8_t mk = keep >= 8 ? 0xff : keep <= 0 ? 0 : (uint8_t)(0xff << (8 - keep));
		m->ip_lo[b] = ip[b] & mk;
		m->ip_hi[b] = ip[b] | (uint8_t)~mk;
	}
	return 0;
}

static int wildcard(struct comp *c, const struct mt_str *s, struct mt_wild *w)
{
	char reason[128];
	if (mt_wild_parse(c->mem, s->p, s->n, w, reason, sizeof reason))
		return barf(c, "%s", reason);
	return 0;
}

/* {"prefix": {"equals-ignore-case": "x"}} after the inner '{'. */
static int affix_eic(struct comp *c, struct mt_mv *m, int prefix)
{
	enum pj k = next(c);
	if (k == PJ_ERROR)
		return -1;
	if (k != PJ_FIELD_NAME)
		return barf(c, "%s expression name not found", prefix ? "Prefix" : "Suffix");
	struct mt_str op;
	if (text(c, &op))
		return -1;
	if (!is_name(&op, "equals-ignore-case"))
		return barf(c, "Unsupported %s pattern: %.*s", prefix ? "prefix" : "suffix", (int)op.n, op.p);
	if ((k = next(c)) == PJ_ERROR)
		return -1;
	if (k != PJ_STRING)
		return barf(c, "equals-ignore-case match pattern must be a string");
	struct mt_str v;
	if (text(c, &v))
		return -1;
	m->kind = prefix ? MT_PREFIX_EIC : MT_SUFFIX_EIC;
	m->s = fold(c, &v);
	for (int i = 0; i < 2; i++) {
		if ((k = next(c)) == PJ_ERROR)
			return -1;
		if (k != PJ_END_OBJECT)
			return barf(c, "Only one key allowed in match expression");
	}
	return 0;
}

/* A set member for anything-but {op: [...]}, stored the way the matcher wants. */
static int ab_member(struct comp *c, int kind, const struct mt_str *v, struct mt_str *out)
{
	if ((kind == MT_AB_PREFIX || kind == MT_AB_SUFFIX) && v->n == 0)
		return barf(c, "Null prefix/suffix not allowed");
	*out = kind == MT_AB_EIC ? fold(c, v) : *v;
	return 0;
}

static int ab_wrong_type(struct comp *c, int kind)
{
	if (kind == MT_AB_EIC)
		return barf(c, "Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported.");
	if (kind == MT_AB_WILDCARD)
		return barf(c, "wildcard match pattern must be a string");
	return barf(c, "prefix/suffix match pattern must be a string");
}

static int ab_finish_wild(struct comp *c, struct mt_mv *m)
{
	struct mt_wild *w = arena_alloc(c->mem, sizeof *w * (m->n ? m->n : 1));
	for (uint32_t i = 0; i < m->n; i++)
		if (wildcard(c, &m->set[i], &w[i]))
			return -1;
	m->wild = w;
	return 0;
}

static void *arena_grow(struct arena *a, const void *old, size_t n, size_t cap, size_t sz)
{
	void *p = arena_alloc(a, cap * sz);
	if (n)
		memcpy(p, old, n * sz);
	return p;
}

/* The list forms of anything-but: event-ruler's two readers (plain values of
 * one type, or strings for prefix/suffix/equals-ignore-case/wildcard). Both
 * loop inside a try-block, so whatever is raised there comes back with a
 * second location. kind MT_AB_STR means plain. */
static int ab_list(struct comp *c, struct mt_mv *m, int kind)
{
	const int plain = kind == MT_AB_STR;
	uint32_t cap = 0, ns = 0, nd = 0;
	struct mt_str *set = NULL;
	double *nums = NULL;
	for (;;) {
		enum pj k = next(c);
		if (k == PJ_ERROR)
			return rethrown(c);
		if (k == PJ_END_ARRAY)
			break;
		const int num = plain && pj_is_number(k);
		if (k != PJ_STRING && !num) {
			if (plain)
				barf(c, "Inside anything but list, start|null|boolean is not supported.");
			else
				ab_wrong_type(c, kind);
			return rethrown(c);
		}
		struct mt_str v;
		if (text(c, &v))
			return rethrown(c);
		if (ns + nd == cap) {
			cap = cap ? cap * 2 : 8;
			set = arena_grow(c->mem, set, ns, cap, sizeof *set);
			nums = arena_grow(c->mem, nums, nd, cap, sizeof *nums);
		}
		if (num) {
			if (comparable(c, &v, &nums[nd], 1))
				return -1; /* a caught IllegalArgumentException: one location */
			nd++;
		} else {
			if (!plain && ab_member(c, kind, &v, &v))
				return rethrown(c);
			set[ns++] = v;
		}
	}
	if (plain && ((ns && nd) || (!ns && !nd)))
		return barf(c, "Inside anything but list, either all values are number or string, mixed type is "
			       "not supported");
	m->kind = (uint8_t)(plain && nd ? MT_AB_NUM : kind);
	m->set = set;
	m->nums = nums;
	m->n = ns + nd;
	return kind == MT_AB_WILDCARD ? ab_finish_wild(c, m) : 0;
}

static int anything_but(struct comp *c, struct mt_mv *m)
{
	int kind = MT_AB_STR; /* plain */
	enum pj k = next(c);
	if (k == PJ_ERROR)
		return -1;
	if (k == PJ_START_OBJECT) {
		if ((k = next(c)) == PJ_ERROR)
			return -1;
		if (k != PJ_FIELD_NAME)
			return barf(c, "Anything-But expression name not found");
		struct mt_str op;
		if (text(c, &op))
			return -1;
		if (is_name(&op, "prefix"))
			kind = MT_AB_PREFIX;
		else if (is_name(&op, "suffix") && !c->sns)
			kind = MT_AB_SUFFIX;
		else if (is_name(&op, "equals-ignore-case") && !c->sns)
			kind = MT_AB_EIC;
		else if (is_name(&op, "wildcard") && !c->sns)
			kind = MT_AB_WILDCARD;
		else
			return barf(c, "Unsupported anything-but pattern: %.*s", (int)op.n, op.p);
		if ((k = next(c)) == PJ_ERROR)
			return -1;
	}
	if (k != PJ_START_ARRAY && k != PJ_STRING && !pj_is_number(k))
		return barf(c, "Value of anything-but must be an array or single string/number value.");
	if (k == PJ_START_ARRAY) {
		if (c->sns && kind != MT_AB_STR)
			return barf(c, "prefix/suffix match pattern must be a string");
		if (ab_list(c, m, kind))
			return -1;
	} else if (kind == MT_AB_STR) {
		struct mt_str v;
		if (text(c, &v))
			return -1;
		if (k == PJ_STRING) {
			struct mt_str *one = arena_alloc(c->mem, sizeof *one);
			*one = v;
			m->kind = MT_AB_STR;
			m->set = one;
			m->n = 1;
		} else {
			double *one = arena_alloc(c->mem, sizeof *one);
			if (comparable(c, &v, one, 0))
				return -1;
			m->kind = MT_AB_NUM;
			m->nums = one;
			m->n = 1;
		}
	} else {
		if (k != PJ_STRING)
			return ab_wrong_type(c, kind);
		struct mt_str v, *one = arena_alloc(c->mem, sizeof *one);
		if (text(c, &v) || ab_member(c, kind, &v, one))
			return -1;
		m->kind = (uint8_t)kind;
		m->set = one;
		m->n = 1;
		if (kind == MT_AB_WILDCARD && ab_finish_wild(c, m))
			return -1;
	}
	for (int i = 0; i < (kind == MT_AB_STR ? 1 : 2); i++) {
		if ((k = next(c)) == PJ_ERROR)
			return -1;
		if (k != PJ_END_OBJECT)
			return barf(c, "Too many elements in numeric expression");
	}
	return 0;
}

static int set_bound(struct comp *c, const struct mt_str *s, double *d)
{
	return comparable(c, s, d, 1);
}

/* completeNumericRange: after ">" or ">=" and its number. */
static int numeric_range(struct comp *c, struct mt_mv *m, enum pj k, const struct mt_str *bottom, int open_bottom)
{
	size_t n;
	if (k != PJ_STRING) {
		const char *p = pj_text(&c->t, &n);
		return barf(c, "Bad value in numeric range: %.*s", (int)n, p ? p : "");
	}
	struct mt_str op, top;
	if (text(c, &op))
		return -1;
	int open_top;
	if (is_name(&op, "<"))
		open_top = 1;
	else if (is_name(&op, "<="))
		open_top = 0;
	else
		return barf(c, "Bad numeric range operator: %.*s", (int)op.n, op.p);
	if ((k = next(c)) == PJ_ERROR)
		return -1;
	if (!pj_is_number(k))
		return barf(c, "Value of %.*s must be numeric", (int)op.n, op.p);
	if (text(c, &top))
		return -1;
	if ((k = next(c)) == PJ_ERROR)
		return -1;
	if (k != PJ_END_ARRAY)
		return barf(c, "Too many terms in numeric range expression");
	if (set_bound(c, bottom, &m->lo) || set_bound(c, &top, &m->hi))
		return -1;
	if (!(m->lo < m->hi))
		return barf(c, "Bottom must be less than top");
	m->lo_open = (uint8_t)open_bottom;
	m->hi_open = (uint8_t)open_top;
	return 0;
}

/* processNumericMatchExpression, after the '['. */
static int numeric(struct comp *c, struct mt_mv *m)
{
	m->kind = MT_NUMERIC;
	m->lo = -INFINITY;
	m->hi = INFINITY;
	enum pj k = next(c);
	if (k == PJ_ERROR)
		return -1;
	if (k != PJ_STRING) {
		size_t n;
		const char *p = pj_text(&c->t, &n);
		return barf(c, "Invalid member in numeric match: %.*s", (int)n, p ? p : "");
	}
	struct mt_str op, v;
	if (text(c, &op))
		return -1;
	if ((k = next(c)) == PJ_ERROR)
		return -1;
	int lower = is_name(&op, ">") || is_name(&op, ">=");
	int upper = is_name(&op, "<") || is_name(&op, "<=");
	if (!is_name(&op, "=") && !lower && !upper)
		return barf(c, "Unrecognized numeric range operator: %.*s", (int)op.n, op.p);
	if (!pj_is_number(k))
		return barf(c, "Value of %s must be numeric", is_name(&op, "=") ? "equals" : op.p);
	if (text(c, &v))
		return -1;
	if ((k = next(c)) == PJ_ERROR)
		return -1;
	if (lower) {
		if (k != PJ_END_ARRAY)
			return numeric_range(c, m, k, &v, op.n == 1);
		m->lo_open = op.n == 1;
		return set_bound(c, &v, &m->lo);
	}
	if (k != PJ_END_ARRAY)
		return barf(c, "Too many elements in numeric expression");
	if (upper) {
		m->hi_open = op.n == 1;
		return set_bound(c, &v, &m->hi);
	}
	if (set_bound(c, &v, &m->lo))
		return -1;
	m->hi = m->lo;
	return 0;
}

/* One-key operators whose value must be a single string. */
static int string_op(struct comp *c, struct mt_str *v, const char *must)
{
	enum pj k = next(c);
	if (k == PJ_ERROR)
		return -1;
	if (k != PJ_STRING)
		return barf(c, "%s", must);
	return text(c, v);
}

static int end_of_expression(struct comp *c)
{
	enum pj k = next(c);
	if (k == PJ_ERROR)
		return -1;
	if (k != PJ_END_OBJECT)
		return barf(c, "Only one key allowed in match expression");
	return 0;
}

/* processMatchExpression, after the '{' of {"op": ...}. */
static int match_expression(struct comp *c, struct mt_mv *m)
{
	enum pj k = next(c);
	if (k == PJ_ERROR)
		return -1;
	if (k != PJ_FIELD_NAME)
		return barf(c, "Match expression name not found");
	struct mt_str op, v;
	if (text(c, &op))
		return -1;
	if (is_name(&op, "exactly")) {
		if (string_op(c, &v, "exact match pattern must be a string"))
			return -1;
		m->kind = MT_EXACT_STR;
		m->s = v;
		return end_of_expression(c);
	}
	if (is_name(&op, "prefix") || is_name(&op, "suffix")) {
		int prefix = op.p[0] == 'p';
		if ((k = next(c)) == PJ_ERROR)
			return -1;
		if (k == PJ_START_OBJECT && !c->sns)
			return affix_eic(c, m, prefix);
		if (k != PJ_STRING)
			return barf(c, "%s match pattern must be a string", prefix ? "prefix" : "suffix");
		if (text(c, &v))
			return -1;
		m->kind = prefix ? MT_PREFIX : MT_SUFFIX;
		m->s = v;
		return end_of_expression(c);
	}
	if (is_name(&op, "numeric")) {
		if ((k = next(c)) == PJ_ERROR)
			return -1;
		if (k != PJ_START_ARRAY)
			return barf(c, "Value of numeric must be an array.");
		if (numeric(c, m))
			return -1;
		if ((k = next(c)) == PJ_ERROR)
			return -1;
		if (k != PJ_END_OBJECT)
			return barf(c, "Too many elements in numeric expression");
		return 0;
	}
	if (is_name(&op, "anything-but"))
		return anything_but(c, m);
	if (is_name(&op, "exists")) {
		if ((k = next(c)) == PJ_ERROR)
			return -1;
		if (k == PJ_TRUE)
			m->kind = MT_EXISTS;
		else if (k == PJ_FALSE)
			m->kind = MT_ABSENT;
		else
			return barf(c, "exists match pattern must be either true or false.");
		return end_of_expression(c);
	}
	if (is_name(&op, "cidr")) {
		if (string_op(c, &v, "prefix match pattern must be a string") || cidr(c, &v, m))
			return -1;
		return end_of_expression(c);
	}
	if (is_name(&op, "equals-ignore-case")) {
		if (string_op(c, &v, "equals-ignore-case match pattern must be a string"))
			return -1;
		m->kind = MT_EIC;
		m->s = fold(c, &v);
		return end_of_expression(c);
	}
	if (is_name(&op, "wildcard") && !c->sns) {
		if (string_op(c, &v, "wildcard match pattern must be a string"))
			return -1;
		struct mt_wild *w = arena_alloc(c->mem, sizeof *w);
		if (wildcard(c, &v, w))
			return -1;
		m->kind = MT_WILDCARD;
		m->s = v;
		m->wild = w;
		return end_of_expression(c);
	}
	return barf(c, "Unrecognized match type %.*s", (int)op.n, op.p);
}

/* ---- rules, paths ---- */

static void rules_free(struct rules *r)
{
	for (uint32_t i = 0; i < r->n; i++)
		free(r->r[i].e);
	free(r->r);
	memset(r, 0, sizeof *r);
}

static int rules_add(struct comp *c, struct rules *r, const struct crule *from)
{
	if (r->n >= MATCH_MAX_SUBRULES)
		return fail_plain(c, "Rule is too complex - try using fewer $or conditions");
	if (r->n == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 4;
		r->r = xrealloc(r->r, sizeof *r->r * r->cap);
	}
	struct crule *n = &r->r[r->n++];
	memset(n, 0, sizeof *n);
	if (from && from->n) {
		c->entries += from->n;
		if (c->entries > MAX_ENTRIES)
			return fail_plain(c, "Rule is too complex - try using fewer $or conditions");
		n->e = xmalloc(sizeof *n->e * from->n);
		memcpy(n->e, from->e, sizeof *n->e * from->n);
		n->n = n->cap = from->n;
	}
	return 0;
}

static int rule_put(struct comp *c, struct crule *r, struct mt_str path, uint32_t vl)
{
	if (++c->entries > MAX_ENTRIES)
		return fail_plain(c, "Rule is too complex - try using fewer $or conditions");
	if (r->n == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 8;
		r->e = xrealloc(r->e, sizeof *r->e * r->cap);
	}
	r->e[r->n].path = path;
	r->e[r->n].vl = vl;
	r->e[r->n].seq = c->seq++;
	r->n++;
	return 0;
}

static void path_push(struct comp *c, const struct mt_str *name)
{
	size_t need = c->plen + name->n + 2;
	if (need > c->pcap) {
		c->pcap = need * 2;
		c->pbuf = xrealloc(c->pbuf, c->pcap);
	}
	c->pmark[c->psegs] = c->plen;
	if (c->psegs > 0)
		c->pbuf[c->plen++] = '.';
	memcpy(c->pbuf + c->plen, name->p, name->n);
	c->plen += name->n;
	c->psegs++;
}

static void path_pop(struct comp *c)
{
	c->plen = c->pmark[--c->psegs];
}

/* Path.extendedName: the joined path, "." and the name (just the name when
 * the joined path is the empty string). */
static struct mt_str extended(struct comp *c, const struct mt_str *name)
{
	struct mt_str out;
	if (c->plen == 0) {
		out = *name;
		return out;
	}
	char *p = arena_alloc(c->mem, c->plen + name->n + 2);
	memcpy(p, c->pbuf, c->plen);
	p[c->plen] = '.';
	memcpy(p + c->plen + 1, name->p, name->n);
	out.p = p;
	out.n = (uint32_t)(c->plen + 1 + name->n);
	return out;
}

static double comb_mul(double a, double b)
{
	double r = a * b;
	return r > 1e12 ? 1e12 : r;
}

/* writeRules: the value array of one key. */
static int write_rules(struct comp *c, const struct mt_str *path, int depth, double *comb)
{
	struct vbuild v = {0};
	int rc = -1;
	for (;;) {
		enum pj k = next(c);
		if (k == PJ_ERROR)
			goto out;
		if (k == PJ_END_ARRAY)
			break;
		struct mt_str s;
		if (k == PJ_START_OBJECT) {
			if (match_expression(c, vadd(&v)))
				goto out;
			continue;
		}
		if (k == PJ_START_ARRAY) {
			barf(c, "Match value must be String, number, true, false, or null");
			goto out;
		}
		if (text(c, &s))
			goto out;
		struct mt_mv *m = vadd(&v);
		if (k == PJ_STRING) {
			int ok;
			uint8_t len;
			if (mt_ip_parse(s.p, s.n, m->ip_lo, &len, &ok) && ok) {
				m->kind = MT_IP;
				m->ip_len = len;
			} else {
				m->kind = MT_EXACT_STR;
			}
			m->s = s;
		} else if (pj_is_number(k)) {
			m->kind = mt_number(s.p, s.n, &m->d) == 1 ? MT_EXACT_NUM : MT_EXACT_RAWNUM;
			m->s = s;
		} else {
			m->kind = k == PJ_TRUE ? MT_TRUE : k == PJ_FALSE ? MT_FALSE : MT_NULL;
		}
	}
	if (!v.n) {
		barf(c, "Empty arrays are not allowed");
		goto out;
	}
	if (c->nvl == c->capvl) {
		c->capvl = c->capvl ? c->capvl * 2 : 16;
		c->vl = xrealloc(c->vl, sizeof *c->vl * c->capvl);
	}
	struct mt_mv *kept = arena_alloc(c->mem, sizeof *kept * v.n);
	memcpy(kept, v.mv, sizeof *kept * v.n);
	c->vl[c->nvl].mv = kept;
	c->vl[c->nvl].n = v.n;
	uint32_t id = c->nvl++;
	if (!c->rules.n && rules_add(c, &c->rules, NULL))
		goto out;
	for (uint32_t i = 0; i < c->rules.n; i++)
		if (rule_put(c, &c->rules.r[i], *path, id))
			goto out;
	*comb = comb_mul(*comb, (double)v.n * depth);
	rc = 0;
out:
	free(v.mv);
	return rc;
}

static int parse_object(struct comp *c, int in_or, int depth, double *comb);

/* SNS treats "$or" as an operator only when it holds 2+ objects; peeks
 * ahead on a copy of the tokenizer. */
static int sns_or_operator(struct comp *c)
{
	struct pjtok la = c->t;
	la.text = la.name = NULL;
	la.text_cap = la.name_cap = la.text_len = la.name_len = 0;
	int objects = 0, ok = 1;
	if (pj_next(&la) != PJ_START_ARRAY) {
		ok = 0;
	} else {
		for (;;) {
			enum pj k = pj_next(&la);
			if (k == PJ_END_ARRAY)
				break;
			if (k != PJ_START_OBJECT || pj_skip_children(&la) == PJ_ERROR) {
				ok = 0;
				break;
			}
			objects++;
		}
	}
	pj_free(&la);
	return ok && objects >= 2;
}

/* parseIntoOrRelationship. */
static int parse_or(struct comp *c, int depth, double *comb)
{
	struct rules cur = c->rules, acc = {0};
	memset(&c->rules, 0, sizeof c->rules);
	int rc = -1, count = 0;
	double before = *comb, total = 0;
	enum pj k = next(c);
	if (k == PJ_ERROR)
		goto out;
	if (k != PJ_START_ARRAY) {
		barf(c, "It must be an Array followed with $or.");
		goto out;
	}
	for (;;) {
		if ((k = next(c)) == PJ_ERROR)
			goto out;
		if (k == PJ_END_ARRAY)
			break;
		count++;
		if (k != PJ_START_OBJECT) {
			barf(c, "Only JSON object is allowed in array of $or relationship.");
			goto out;
		}
		for (uint32_t i = 0; i < cur.n; i++)
			if (rules_add(c, &c->rules, &cur.r[i]))
				goto out;
		if (!c->rules.n && rules_add(c, &c->rules, NULL))
			goto out;
		double branch = before;
		if (parse_object(c, 1, depth, &branch))
			goto out;
		total += branch;
		if (acc.n + c->rules.n > MATCH_MAX_SUBRULES) {
			fail_plain(c, "Rule is too complex - try using fewer $or conditions");
			goto out;
		}
		for (uint32_t i = 0; i < c->rules.n; i++) {
			rules_add(c, &acc, NULL); /* cannot fail: room checked above */
			acc.r[acc.n - 1] = c->rules.r[i];
		}
		free(c->rules.r);
		memset(&c->rules, 0, sizeof c->rules);
	}
	if (count < 2) {
		barf(c, "There must have at least 2 Objects in $or relationship.");
		goto out;
	}
	*comb = total > 1e12 ? 1e12 : total;
	rules_free(&c->rules);
	c->rules = acc;
	memset(&acc, 0, sizeof acc);
	rc = 0;
out:
	rules_free(&cur);
	rules_free(&acc);
	return rc;
}

static int reserved_in_or(const struct mt_str *n)
{
	static const char *const words[] = {
		"exactly", "equals-ignore-case", "prefix", "suffix", "anything-but", "exists", "wildcard",
		"numeric", "cidr", "=", "<", "<=", ">", ">=", "regex", "not-wildcard", "not-equals-ignore-case",
		"date-after", "date-on-or-after", "date-before", "date-on-or-before", "in-date-range",
		"ip-address-in-range", "ip-address-not-in-range",
	};
	for (size_t i = 0; i < sizeof words / sizeof *words; i++)
		if (is_name(n, words[i]))
			return 1;
	return 0;
}

/* Counts distinct top-level keys; past the array's room the count only
 * grows (it is already over SNS's limit of 5 then). */
static void note_top_key(struct comp *c, const struct mt_str *name)
{
	const uint32_t room = sizeof c->topkeys / sizeof *c->topkeys;
	for (uint32_t i = 0; i < c->ntop && i < room; i++)
		if (c->topkeys[i].n == name->n && !memcmp(c->topkeys[i].p, name->p, name->n))
			return;
	if (c->ntop < room)
		c->topkeys[c->ntop++] = *name;
	else
		c->ntop++;
}

/* parseObject / parseObjectInsideOrRelationship, after the '{'. */
static int parse_object(struct comp *c, int in_or, int depth, double *comb)
{
	int fields = 0;
	for (;;) {
		enum pj k = next(c);
		if (k == PJ_ERROR)
			return -1;
		if (k == PJ_END_OBJECT)
			break;
		fields = 1;
		struct mt_str name;
		if (text(c, &name))
			return -1;
		if (c->sns && depth == 1 && !in_or)
			note_top_key(c, &name);
		if (is_name(&name, "$or") && (!c->sns || sns_or_operator(c))) {
			if (parse_or(c, depth, comb))
				return -1;
			continue;
		}
		if (in_or && reserved_in_or(&name))
			return barf(c, "%.*s is Ruler reserved fieldName which cannot be used inside $or.", (int)name.n,
				    name.p);
		if ((k = next(c)) == PJ_ERROR)
			return -1;
		if (k == PJ_START_OBJECT) {
			if (c->psegs >= MATCH_MAX_DEPTH)
				return barf(c, "Document nesting depth (%d) exceeds the maximum allowed (%d)", c->psegs + 1,
					    MATCH_MAX_DEPTH);
			c->nested = 1;
			path_push(c, &name);
			int rc = parse_object(c, in_or, depth + 1, comb);
			path_pop(c);
			if (rc)
				return -1;
		} else if (k == PJ_START_ARRAY) {
			struct mt_str path = extended(c, &name);
			if (write_rules(c, &path, depth, comb))
				return -1;
		} else {
			return barf(c, "\"%.*s\" must be an object or an array", (int)name.n, name.p);
		}
	}
	if (!fields)
		return barf(c, "Empty objects are not allowed");
	return 0;
}

struct wpat {
	struct mt_str path, pat;
};

static int cmp_str(const struct mt_str *a, const struct mt_str *b)
{
	uint32_t n = a->n < b->n ? a->n : b->n;
	int r = memcmp(a->p, b->p, n);
	return r ? r : a->n < b->n ? -1 : a->n > b->n;
}

static int cmp_wpat(const void *a, const void *b)
{
	const struct wpat *x = a, *y = b;
	int r = cmp_str(&x->path, &y->path);
	return r ? r : cmp_str(&x->pat, &y->pat);
}

/* event-ruler's MachineComplexityEvaluator, per field of the rule: every
 * wildcard (plain or anything-but) on one path, once each. */
static int check_wildcards(struct comp *c, const match_pattern *p)
{
	struct wpat *w = NULL;
	size_t n = 0, cap = 0;
	int rc = 0;
	for (uint32_t s = 0; s < p->nsubs; s++) {
		for (uint32_t k = 0; k < p->subs[s].nkeys; k++) {
			const struct mt_key *key = &p->subs[s].keys[k];
			for (uint32_t m = 0; m < key->nmv; m++) {
				const struct mt_mv *mv = &key->mv[m];
				uint32_t cnt = mv->kind == MT_WILDCARD ? 1 : mv->kind == MT_AB_WILDCARD ? mv->n : 0;
				for (uint32_t i = 0; i < cnt; i++) {
					if (n == cap)
						w = xrealloc(w, sizeof *w * (cap = cap ? cap * 2 : 16));
					w[n].path = key->path;
					w[n].pat = mv->kind == MT_WILDCARD ? mv->s : mv->set[i];
					n++;
				}
			}
		}
	}
	if (!n)
		return 0;
	qsort(w, n, sizeof *w, cmp_wpat);
	struct mt_str *pats = xmalloc(sizeof *pats * n);
	for (size_t i = 0; i < n && !rc;) {
		size_t j = i, np = 0;
		for (; j < n && !cmp_str(&w[j].path, &w[i].path); j++)
			if (j == i || cmp_str(&w[j].pat, &w[j - 1].pat))
				pats[np++] = w[j].pat;
		if (mt_wild_complexity(pats, (uint32_t)np, WILD_LIMIT) > WILD_LIMIT)
			rc = fail_plain(c, "Rule is too complex - try using fewer wildcard characters or fewer "
					   "repeating character sequences after a wildcard character");
		i = j;
	}
	free(pats);
	free(w);
	return rc;
}

/* ---- IR ---- */

static int cmp_entry(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	uint32_t n = x->path.n < y->path.n ? x->path.n : y->path.n;
	int r = memcmp(x->path.p, y->path.p, n);
	if (r)
		return r;
	if (x->path.n != y->path.n)
		return x->path.n < y->path.n ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void build_ir(struct comp *c, match_pattern *p)
{
	struct mt_sub *subs = arena_zalloc(c->mem, sizeof *subs * (c->rules.n ? c->rules.n : 1));
	for (uint32_t i = 0; i < c->rules.n; i++) {
		struct crule *r = &c->rules.r[i];
		if (r->n)
			qsort(r->e, r->n, sizeof *r->e, cmp_entry);
		struct mt_key *keys = arena_zalloc(c->mem, sizeof *keys * (r->n ? r->n : 1));
		uint32_t nk = 0;
		for (uint32_t j = 0; j < r->n; j++) {
			if (j + 1 < r->n && !cmp_str(&r->e[j].path, &r->e[j + 1].path))
				continue; /* a later write of the same path wins */
			struct mt_key *k = &keys[nk++];
			const struct vlist *v = &c->vl[r->e[j].vl];
			k->path = r->e[j].path;
			k->mv = v->mv;
			k->nmv = v->n;
			for (uint32_t m = 0; m < v->n; m++) {
				if (v->mv[m].kind == MT_ABSENT)
					k->has_absent = 1;
				else
					k->has_value = 1;
			}
		}
		subs[i].keys = keys;
		subs[i].nkeys = nk;
	}
	p->subs = subs;
	p->nsubs = c->rules.n;
}

/* SNS reads the policy as JSON before compiling it. */
static int sns_parse_json(struct comp *c, const char *json, size_t len)
{
	struct pjtok t;
	pj_init(&t, json, len, MATCH_MAX_DEPTH);
	int rc = 0;
	enum pj k = pj_next(&t);
	if (k == PJ_START_OBJECT || k == PJ_START_ARRAY)
		k = pj_skip_children(&t);
	if (k == PJ_ERROR) {
		snprintf(c->reason, sizeof c->reason, "%s", t.reason);
		c->t.err_pos = t.err_pos;
		c->t.err_row = t.err_row;
		c->t.err_row_start = t.err_row_start;
		c->failed = c->syntax = 1;
		c->located = 1;
		rc = -1;
	}
	pj_free(&t);
	return rc;
}

static void make_error(struct comp *c, enum match_dialect d, unsigned flags, struct match_error *err)
{
	char prefix[128];
	if (d == MATCH_EVENTBRIDGE) {
		snprintf(err->code, sizeof err->code, "InvalidEventPatternException");
		snprintf(prefix, sizeof prefix, "Event pattern is not valid. Reason: ");
	} else {
		snprintf(err->code, sizeof err->code, "InvalidParameter");
		snprintf(prefix, sizeof prefix, "Invalid parameter: %s%s%s",
			 flags & MATCH_F_SNS_SUBSCRIBE ? "Attributes Reason: " : "", c->unscoped ? "" : "FilterPolicy: ",
			 c->syntax ? "failed to parse JSON. " : "");
	}
	int n = snprintf(err->message, sizeof err->message, "%s%s", prefix, c->reason);
	err->short_len = n < 0 ? 0 : (size_t)n < sizeof err->message ? (size_t)n : sizeof err->message - 1;
	for (int i = 0; i < c->located; i++) {
		char loc[2400];
		pj_location(&c->t, loc, sizeof loc);
		size_t used = strlen(err->message);
		snprintf(err->message + used, sizeof err->message - used, "%s", loc);
	}
}

int match_pattern_compile(const char *json, size_t len, enum match_dialect dialect, unsigned flags,
			  match_pattern **out, struct match_error *err)
{
	struct comp c;
	memset(&c, 0, sizeof c);
	match_pattern *p = xcalloc(1, sizeof *p);
	arena_init(&p->mem);
	p->dialect = dialect;
	c.mem = &p->mem;
	c.sns = dialect != MATCH_EVENTBRIDGE;
	c.attrs = dialect == MATCH_SNS_ATTRIBUTES;
	*out = NULL;
	int rc = -1;
	double comb = 1;
	if (!json)
		len = 0;
	pj_init(&c.t, json ? json : "", len, MATCH_MAX_DEPTH);
	if (len > MATCH_MAX_PATTERN) {
		fail_plain(&c, "Pattern is larger than %d bytes", MATCH_MAX_PATTERN);
		goto fail;
	}
	if (c.sns && sns_parse_json(&c, json, len))
		goto fail;
	enum pj k = next(&c);
	if (k == PJ_ERROR)
		goto fail;
	if (k != PJ_START_OBJECT) {
		barf(&c, "Filter is not an object");
		goto fail;
	}
	if (parse_object(&c, 0, 1, &comb)) {
		/* SNS accepts "{}" as "no filter"; event-ruler refuses it */
		if (!(c.sns && c.t.cur == PJ_ERROR && !strcmp(c.reason, "Empty objects are not allowed") &&
		      c.t.depth == 0 && c.psegs == 0 && c.rules.n == 0))
			goto fail;
		c.failed = 0;
		rules_add(&c, &c.rules, NULL);
	}
	if (c.sns) {
		if (c.ntop > 5) {
			fail_plain(&c, "Filter policy can not have more than 5 keys");
			goto fail;
		}
		if (c.attrs && c.nested) {
			c.unscoped = 1;
			fail_plain(&c, "Filter policy scope MessageAttributes does not support nested filter policy");
			goto fail;
		}
		if (comb > 150) {
			fail_plain(&c, "Filter policy is too complex");
			goto fail;
		}
	}
	build_ir(&c, p);
	if (!c.sns && check_wildcards(&c, p))
		goto fail;
	const match_pattern *one = p;
	const char *id = "";
	p->idx = mt_index_build(&one, &id, 1);
	*out = p;
	rc = 0;
	goto done;
fail:
	if (err)
		make_error(&c, dialect, flags, err);
	match_pattern_free(p);
done:
	rules_free(&c.rules);
	free(c.vl);
	free(c.pbuf);
	pj_free(&c.t);
	return rc;
}

void match_pattern_free(match_pattern *p)
{
	if (!p)
		return;
	if (p->idx)
		mt_index_free(p->idx);
	arena_free(&p->mem);
	free(p);
}

enum match_dialect match_pattern_dialect(const match_pattern *p)
{
	return p->dialect;
}
