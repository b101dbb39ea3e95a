/* value.c — does one value matcher accept one event field?
 *
 * Type rules (event-ruler's): string operators (exact, prefix, suffix,
 * equals-ignore-case, wildcard, cidr) only see strings; numeric ones only
 * see numbers it can compare; true/false/null only themselves; exists:true
 * sees anything. anything-but is the negation of its member test, so it
 * accepts every value of another type (a number against a string list, null
 * against anything).
 */
#include "match/match_int.h"

#include <string.h>

int mt_field_num(struct mt_field *f)
{
	if (f->type != MT_F_NUM)
		return 0;
	if (!f->num) {
		double d = 0;
		f->num = mt_number(f->s, f->n, &d) == 1 ? 1 : 2;
		f->d = d;
	}
	return f->num == 1;
}

int mt_field_ip(struct mt_field *f)
{
	if (f->type != MT_F_STR)
		return 0;
	if (!f->ip) {
		int ok;
		uint8_t len = 0;
		f->ip = mt_ip_parse(f->s, f->n, f->ipb, &len, &ok) && ok ? 1 : 2;
		f->ip_len = len;
	}
	return f->ip == 1;
}

static int str_eq(const char *a, size_t an, const struct mt_str *b)
{
	return an == b->n && mt_eq(a, b->p, an);
}

static int has_prefix(const char *a, size_t an, const struct mt_str *b)
{
	return an >= b->n && mt_eq(a, b->p, b->n);
}

static int has_suffix(const char *a, size_t an, const struct mt_str *b)
{
	return an >= b->n && mt_eq(a + an - b->n, b->p, b->n);
}

static int in_range(const struct mt_mv *mv, double d)
{
	if (mv->lo_open ? !(d > mv->lo) : !(d >= mv->lo))
		return 0;
	return mv->hi_open ? d < mv->hi : d <= mv->hi;
}

/* Does member i of an anything-but set hit the field? (The caller has
 * checked the field has the set's type.) */
static int member_hits(const struct mt_mv *mv, uint32_t i, struct mt_field *f)
{
	switch (mv->kind) {
	case MT_AB_STR:
		return str_eq(f->s, f->n, &mv->set[i]);
	case MT_AB_NUM:
		return f->d == mv->nums[i];
	case MT_AB_PREFIX:
		return has_prefix(f->s, f->n, &mv->set[i]);
	case MT_AB_SUFFIX:
		return has_suffix(f->s, f->n, &mv->set[i]);
	case MT_AB_EIC:
		return mt_eic_eq(f->s, f->n, &mv->set[i]);
	default:
		return mt_wild_match(&mv->wild[i], f->s, f->n);
	}
}

int mt_mv_eval(const struct mt_mv *mv, struct mt_field *f)
{
	const int str = f->type == MT_F_STR;
	if (mv->kind >= MT_AB_STR) {
		if (mv->kind == MT_AB_NUM ? !mt_field_num(f) : !str)
			return 1; /* another type: nothing to be "but" */
		for (uint32_t i = 0; i < mv->n; i++)
			if (member_hits(mv, i, f))
				return 0;
		return 1;
	}
	switch (mv->kind) {
	case MT_EXACT_STR:
		return str && str_eq(f->s, f->n, &mv->s);
	case MT_EXACT_NUM:
		return mt_field_num(f) && f->d == mv->d;
	case MT_EXACT_RAWNUM:
		return f->type == MT_F_NUM && str_eq(f->s, f->n, &mv->s);
	case MT_TRUE:
		return f->type == MT_F_TRUE;
	case MT_FALSE:
		return f->type == MT_F_FALSE;
	case MT_NULL:
		return f->type == MT_F_NULL;
	case MT_IP:
		return mt_field_ip(f) && f->ip_len == mv->ip_len && !memcmp(f->ipb, mv->ip_lo, mv->ip_len);
	case MT_PREFIX:
		return str && has_prefix(f->s, f->n, &mv->s);
	case MT_SUFFIX:
		return str && has_suffix(f->s, f->n, &mv->s);
	case MT_EIC:
		return str && mt_eic_eq(f->s, f->n, &mv->s);
	case MT_PREFIX_EIC:
		return str && mt_eic_prefix(f->s, f->n, &mv->s);
	case MT_SUFFIX_EIC:
		return str && mt_eic_suffix(f->s, f->n, &mv->s);
	case MT_WILDCARD:
		return str && mt_wild_match(mv->wild, f->s, f->n);
	case MT_NUMERIC:
		return mt_field_num(f) && in_range(mv, f->d);
	case MT_CIDR:
		return mt_field_ip(f) && f->ip_len == mv->ip_len && memcmp(f->ipb, mv->ip_lo, mv->ip_len) >= 0 &&
		       memcmp(f->ipb, mv->ip_hi, mv->ip_len) <= 0;
	case MT_EXISTS:
		return 1;
	default: /* MT_ABSENT is not a value matcher */
		return 0;
	}
}
