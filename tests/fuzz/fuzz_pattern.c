/* fuzz_pattern.c — the pattern compiler and the matcher on hostile input.
 *
 * Input: one mode byte, the pattern, a NUL, then the event. The mode picks
 * the dialect (EventBridge, SNS attributes, SNS body) and the Subscribe
 * wording. Besides "never crash", it checks properties that must hold:
 *  - an error message is terminated and its short part is a prefix of it;
 *  - on an event the validating scanner accepts, the trusted scanner gives
 *    the same answer;
 *  - the pattern alone and inside a rule set (with two other rules) agree.
 * A violated property aborts, which libFuzzer reports as a finding.
 */
#include "match/match.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static match_scratch *scratch, *scratch2;

static match_pattern *fixed(const char *json)
{
	struct match_error err;
	match_pattern *p = NULL;
	if (match_pattern_compile(json, strlen(json), MATCH_EVENTBRIDGE, 0, &p, &err))
		abort();
	return p;
}

/* Splits the event bytes into attributes: name\ttype\tvalue lines. */
static size_t attrs_of(const char *ev, size_t n, struct match_attr *a, size_t max)
{
	static const char *types[] = {"String", "Number", "String.Array", "Binary"};
	size_t na = 0, i = 0;
	while (i < n && na < max) {
		size_t e = i;
		while (e < n && ev[e] != '\n')
			e++;
		size_t t = i;
		while (t < e && ev[t] != '\t')
			t++;
		a[na].name = ev + i;
		a[na].name_len = t - i;
		a[na].type = types[(e - i) % 4];
		a[na].value = t < e ? ev + t + 1 : ev + e;
		a[na].value_len = t < e ? e - t - 1 : 0;
		na++;
		i = e + 1;
	}
	return na;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	if (!scratch) {
		scratch = match_scratch_new();
		scratch2 = match_scratch_new();
	}
	enum match_dialect d = (enum match_dialect)(data[0] % 3);
	unsigned flags = data[0] & 0x10 ? MATCH_F_SNS_SUBSCRIBE : 0;
	const char *pat = (const char *)data + 1;
	size_t rest = size - 1;
	const char *nul = memchr(pat, 0, rest);
	size_t plen = nul ? (size_t)(nul - pat) : rest;
	const char *ev = nul ? nul + 1 : "";
	size_t elen = nul ? rest - plen - 1 : 0;

	struct match_error err;
	match_pattern *p = NULL;
	if (match_pattern_compile(pat, plen, d, flags, &p, &err)) {
		size_t ml = strnlen(err.message, sizeof err.message);
		if (ml == sizeof err.message || err.short_len > ml || strncmp(err.code, "", 1) == 0)
			abort();
		return 0;
	}

	int r, r2;
	if (d == MATCH_SNS_ATTRIBUTES) {
		struct match_attr a[8];
		size_t na = attrs_of(ev, elen, a, 8);
		r = match_pattern_test_attrs(p, a, na, scratch);
		match_ruleset *rs = match_ruleset_new();
		match_ruleset_add(rs, "p", p);
		const char *const *ids;
		size_t n;
		match_ruleset_match_attrs(rs, a, na, scratch2, &ids, &n);
		if ((n == 1) != (r == 1))
			abort();
		match_ruleset_free(rs);
		return 0;
	}
	r = match_pattern_test_json(p, ev, elen, 0, scratch, &err);
	r2 = match_pattern_test_json(p, ev, elen, MATCH_EV_TRUSTED, scratch2, &err);
	if (r >= 0 && r2 != r)
		abort();
	(void)match_pattern_test_body(p, ev, elen, scratch2);

	match_ruleset *rs = match_ruleset_new();
	match_ruleset_add(rs, "a", fixed("{\"source\": [\"x\"]}"));
	match_ruleset_add(rs, "p", p);
	match_ruleset_add(rs, "b", fixed("{\"detail\": {\"n\": [{\"numeric\": [\">\", 1]}]}}"));
	const char *const *ids;
	size_t n;
	if (match_ruleset_match_json(rs, ev, elen, 0, scratch2, &ids, &n, &err) == 0) {
		int found = 0;
		for (size_t i = 0; i < n; i++)
			found |= !strcmp(ids[i], "p");
		if (found != (r == 1))
			abort();
	} else if (r >= 0) {
		abort();
	}
	match_ruleset_free(rs);
	return 0;
}
