/* ruleset.c — the public matching API: scratches, single-pattern tests,
 * rule sets, and TestEventPattern's envelope check.
 *
 * A rule set is a list of (id, pattern) plus one index over all of them.
 * Every add or remove rebuilds the index (linear in the rules' size); rule
 * sets here are bounded by AWS's quotas (300 rules per event bus, 200 filter
 * policies per topic by default), so a rebuild costs microseconds and the
 * index can stay immutable, which is what lets many threads match at once.
 */
#include "match/pjtok.h"
#include "match/match_int.h"
#include "core/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ID 256

struct rs_rule {
	char *id;
	match_pattern *p;
};

struct match_ruleset {
	struct rs_rule *r;
	uint32_t n, cap;
	match_pattern **pats; /* parallel arrays handed to the index */
	const char **ids;
	struct mt_index *idx;
};

match_scratch *match_scratch_new(void)
{
	return xcalloc(1, sizeof(struct match_scratch));
}

void match_scratch_free(match_scratch *s)
{
	if (!s)
		return;
	free(s->blk);
	free(s->f);
	free(s->ch);
	free(s->sb);
	free(s->fold);
	free(s);
}

static void invalid_event(struct match_error *err)
{
	if (!err)
		return;
	snprintf(err->code, sizeof err->code, "ValidationException");
	snprintf(err->message, sizeof err->message, "Parameter Event is not valid.");
	err->short_len = strlen(err->message);
}

int match_pattern_test_json(const match_pattern *p, const char *event, size_t len, unsigned flags,
			    match_scratch *s, struct match_error *err)
{
	mt_scratch_bind(s, p->idx);
	if (mt_event_scan(p->idx, event, len, flags, s)) {
		invalid_event(err);
		return -1;
	}
	return mt_index_match(p->idx, s, 1) > 0;
}

int match_pattern_test_attrs(const match_pattern *p, const struct match_attr *attrs, size_t n, match_scratch *s)
{
	mt_scratch_bind(s, p->idx);
	mt_attrs_scan(p->idx, attrs, n, s);
	return mt_index_match(p->idx, s, 1) > 0;
}

int match_pattern_test_body(const match_pattern *p, const char *body, size_t len, match_scratch *s)
{
	mt_scratch_bind(s, p->idx);
	if (mt_event_scan(p->idx, body, len, 0, s))
		return 0;
	return mt_index_match(p->idx, s, 1) > 0;
}

int match_event_check_envelope(const char *event, size_t len, struct match_error *err)
{
	static const char *const need[] = {"id", "account", "source", "time", "region", "detail-type"};
	enum { NNEED = sizeof need / sizeof *need };
	int seen[NNEED] = {0}, rc = -1;
	struct pjtok t;
	pj_init(&t, event ? event : "", event && len <= MATCH_MAX_EVENT ? len : 0, 64);
	if (pj_next(&t) != PJ_START_OBJECT)
		goto out;
	for (;;) {
		enum pj k = pj_next(&t);
		if (k == PJ_END_OBJECT)
			break;
		if (k != PJ_FIELD_NAME)
			goto out;
		size_t n;
		const char *name = pj_text(&t, &n);
		for (int i = 0; i < NNEED; i++)
			if (n == strlen(need[i]) && !memcmp(name, need[i], n))
				seen[i] = 1;
		k = pj_next(&t);
		if (k == PJ_STRING && !pj_text(&t, &n))
			goto out;
		if (pj_skip_children(&t) == PJ_ERROR)
			goto out;
	}
	rc = 0;
	for (int i = 0; i < NNEED; i++)
		if (!seen[i])
			rc = -1;
out:
	pj_free(&t);
	if (rc)
		invalid_event(err);
	return rc;
}

/* ---- rule sets ---- */

static void rebuild(match_ruleset *rs)
{
	mt_index_free(rs->idx);
	rs->pats = xrealloc(rs->pats, sizeof *rs->pats * (rs->n + 1));
	rs->ids = xrealloc(rs->ids, sizeof *rs->ids * (rs->n + 1));
	for (uint32_t i = 0; i < rs->n; i++) {
		rs->pats[i] = rs->r[i].p;
		rs->ids[i] = rs->r[i].id;
	}
	rs->idx = mt_index_build((const match_pattern *const *)rs->pats, rs->ids, rs->n);
}

match_ruleset *match_ruleset_new(void)
{
	match_ruleset *rs = xcalloc(1, sizeof *rs);
	rebuild(rs);
	return rs;
}

void match_ruleset_free(match_ruleset *rs)
{
	if (!rs)
		return;
	for (uint32_t i = 0; i < rs->n; i++) {
		free(rs->r[i].id);
		match_pattern_free(rs->r[i].p);
	}
	mt_index_free(rs->idx);
	free(rs->r);
	free(rs->pats);
	free(rs->ids);
	free(rs);
}

static long find(const match_ruleset *rs, const char *id)
{
	for (uint32_t i = 0; i < rs->n; i++)
		if (!strcmp(rs->r[i].id, id))
			return i;
	return -1;
}

int match_ruleset_add(match_ruleset *rs, const char *id, match_pattern *p)
{
	size_t n = id ? strnlen(id, MAX_ID + 1) : 0;
	if (!p || n == 0 || n > MAX_ID) {
		match_pattern_free(p);
		return -1;
	}
	long at = find(rs, id);
	if (at >= 0) {
		match_pattern_free(rs->r[at].p);
		rs->r[at].p = p;
	} else {
		if (rs->n == rs->cap) {
			rs->cap = rs->cap ? rs->cap * 2 : 16;
			rs->r = xrealloc(rs->r, sizeof *rs->r * rs->cap);
		}
		rs->r[rs->n].id = xstrdup(id);
		rs->r[rs->n].p = p;
		rs->n++;
	}
	rebuild(rs);
	return 0;
}

int match_ruleset_remove(match_ruleset *rs, const char *id)
{
	long at = id ? find(rs, id) : -1;
	if (at < 0)
		return -1;
	free(rs->r[at].id);
	match_pattern_free(rs->r[at].p);
	rs->r[at] = rs->r[--rs->n];
	rebuild(rs);
	return 0;
}

size_t match_ruleset_count(const match_ruleset *rs)
{
	return rs->n;
}

int match_ruleset_match_json(const match_ruleset *rs, const char *event, size_t len, unsigned flags,
			     match_scratch *s, const char *const **ids, size_t *n, struct match_error *err)
{
	mt_scratch_bind(s, rs->idx);
	*ids = s->ids;
	*n = 0;
	if (mt_event_scan(rs->idx, event, len, flags, s)) {
		invalid_event(err);
		return -1;
	}
	*n = mt_index_match(rs->idx, s, 0);
	return 0;
}

int match_ruleset_match_attrs(const match_ruleset *rs, const struct match_attr *attrs, size_t nattrs,
			      match_scratch *s, const char *const **ids, size_t *n)
{
	mt_scratch_bind(s, rs->idx);
	mt_attrs_scan(rs->idx, attrs, nattrs, s);
	*ids = s->ids;
	*n = mt_index_match(rs->idx, s, 0);
	return 0;
}
