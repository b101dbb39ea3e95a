/* test_match_ruleset.c — many rules at once: add/replace/remove, ids
 * reported once, agreement with one-pattern matching over generated rules
 * and events, trusted scanning, invalid events. */
#include "unit.h"
#include "match/match.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static match_pattern *eb(const char *json)
{
	struct match_error err;
	match_pattern *p = NULL;
	if (match_pattern_compile(json, strlen(json), MATCH_EVENTBRIDGE, 0, &p, &err))
		return NULL;
	return p;
}

static int has(const char *const *ids, size_t n, const char *id)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(ids[i], id))
			return 1;
	return 0;
}

static const char *EVENT = "{\"version\":\"0\",\"id\":\"1\",\"detail-type\":\"Object Created\",\"source\":\"aws.s3\","
			   "\"account\":\"123456789012\",\"time\":\"2026-01-01T00:00:00Z\",\"region\":\"us-east-1\","
			   "\"resources\":[\"arn:aws:s3:::b\"],\"detail\":{\"bucket\":{\"name\":\"b\"},\"object\":{"
			   "\"key\":\"in/2026/01/x.csv\",\"size\":1234}}}";

TEST(match_ruleset_add_replace_remove)
{
	match_ruleset *rs = match_ruleset_new();
	match_scratch *s = match_scratch_new();
	const char *const *ids;
	size_t n;
	struct match_error err;
	CHECK(match_ruleset_add(rs, "by-source", eb("{\"source\": [\"aws.s3\"]}")) == 0);
	CHECK(match_ruleset_add(rs, "csv", eb("{\"detail\": {\"object\": {\"key\": [{\"suffix\": \".csv\"}]}}}")) == 0);
	CHECK(match_ruleset_add(rs, "big", eb("{\"detail\": {\"object\": {\"size\": [{\"numeric\": [\">\", 5000]}]}}}")) ==
	      0);
	CHECK(match_ruleset_add(rs, "either",
				eb("{\"$or\": [{\"source\": [\"aws.s3\"]}, {\"detail-type\": [\"Object Created\"]}]}")) == 0);
	CHECK_INT(match_ruleset_count(rs), 4);
	CHECK(match_ruleset_match_json(rs, EVENT, strlen(EVENT), 0, s, &ids, &n, &err) == 0);
	CHECK_INT(n, 3); /* "either" matches through both branches but is reported once */
	CHECK(has(ids, n, "by-source") && has(ids, n, "csv") && has(ids, n, "either") && !has(ids, n, "big"));
	/* replace: same id, new pattern */
	CHECK(match_ruleset_add(rs, "big", eb("{\"detail\": {\"object\": {\"size\": [{\"numeric\": [\">\", 1000]}]}}}")) ==
	      0);
	CHECK_INT(match_ruleset_count(rs), 4);
	CHECK(match_ruleset_match_json(rs, EVENT, strlen(EVENT), 0, s, &ids, &n, &err) == 0);
	CHECK_INT(n, 4);
	CHECK(match_ruleset_remove(rs, "csv") == 0);
	CHECK(match_ruleset_remove(rs, "csv") == -1);
	CHECK(match_ruleset_match_json(rs, EVENT, strlen(EVENT), 0, s, &ids, &n, &err) == 0);
	CHECK_INT(n, 3);
	CHECK(!has(ids, n, "csv"));
	/* ids: empty or too long refused, and the pattern is still taken care of */
	CHECK(match_ruleset_add(rs, "", eb("{\"a\": [1]}")) == -1);
	char longid[300];
	memset(longid, 'x', sizeof longid - 1);
	longid[sizeof longid - 1] = 0;
	CHECK(match_ruleset_add(rs, longid, eb("{\"a\": [1]}")) == -1);
	/* an invalid event is an error, not "no match" */
	CHECK(match_ruleset_match_json(rs, "{\"a\":", 5, 0, s, &ids, &n, &err) == -1);
	CHECK_STR(err.code, "ValidationException");
	CHECK(match_ruleset_match_json(rs, "[1]", 3, 0, s, &ids, &n, &err) == -1);
	match_scratch_free(s);
	match_ruleset_free(rs);
}

TEST(match_ruleset_attrs)
{
	struct match_error err;
	match_pattern *a = NULL, *b = NULL;
	const char *pa = "{\"event\": [\"order_placed\"]}", *pb = "{\"price\": [{\"numeric\": [\">\", 500]}]}";
	CHECK(match_pattern_compile(pa, strlen(pa), MATCH_SNS_ATTRIBUTES, 0, &a, &err) == 0);
	CHECK(match_pattern_compile(pb, strlen(pb), MATCH_SNS_ATTRIBUTES, 0, &b, &err) == 0);
	match_ruleset *rs = match_ruleset_new();
	CHECK(match_ruleset_add(rs, "sub-a", a) == 0);
	CHECK(match_ruleset_add(rs, "sub-b", b) == 0);
	struct match_attr at[] = {{"event", 5, "String", "order_placed", 12}, {"price", 5, "Number", "100", 3}};
	match_scratch *s = match_scratch_new();
	const char *const *ids;
	size_t n;
	CHECK(match_ruleset_match_attrs(rs, at, 2, s, &ids, &n) == 0);
	CHECK_INT(n, 1);
	CHECK_STR(ids[0], "sub-a");
	match_scratch_free(s);
	match_ruleset_free(rs);
}

/* Junk inside a part no rule reads: trusted mode skips it, the default
 * (validating) mode refuses the event. */
TEST(match_ruleset_trusted_skips_unread_parts)
{
	match_pattern *p = eb("{\"source\": [\"x\"]}");
	CHECK(p != NULL);
	match_scratch *s = match_scratch_new();
	struct match_error err;
	const char *ev = "{\"detail\": {\"a\": [1, 2 3], \"b\": tru}, \"source\": \"x\"}";
	CHECK_INT(match_pattern_test_json(p, ev, strlen(ev), MATCH_EV_TRUSTED, s, &err), 1);
	CHECK_INT(match_pattern_test_json(p, ev, strlen(ev), 0, s, &err), -1);
	/* escapes and nesting survive both */
	const char *ev2 = "{\"detail\": {\"q\": \"a\\\"}]b\", \"n\": [[{}]]}, \"source\": \"\\u0078\"}";
	CHECK_INT(match_pattern_test_json(p, ev2, strlen(ev2), MATCH_EV_TRUSTED, s, &err), 1);
	CHECK_INT(match_pattern_test_json(p, ev2, strlen(ev2), 0, s, &err), 1);
	match_scratch_free(s);
	match_pattern_free(p);
}

/* The scanner reads 16 and 8 bytes at a time: quotes, escapes, dots,
 * control characters and brackets at every offset across those blocks. */
TEST(match_ruleset_scanner_offsets)
{
	match_scratch *s = match_scratch_new();
	struct match_error err;
	char pat[256], ev[512], pad[64];
	for (int k = 0; k < 40; k++) {
		memset(pad, 'a', (size_t)k);
		pad[k] = 0;
		/* a dotted event key at offset k stands for two levels */
		snprintf(pat, sizeof pat, "{\"%sx\": {\"y\": [\"v\"]}}", pad);
		match_pattern *p = eb(pat);
		CHECK(p != NULL);
		snprintf(ev, sizeof ev, "{\"%sx.y\": \"v\"}", pad);
		CHECK_INT(match_pattern_test_json(p, ev, strlen(ev), MATCH_EV_TRUSTED, s, &err), 1);
		CHECK_INT(match_pattern_test_json(p, ev, strlen(ev), 0, s, &err), 1);
		snprintf(ev, sizeof ev, "{\"%sxy\": \"v\"}", pad);
		CHECK_INT(match_pattern_test_json(p, ev, strlen(ev), 0, s, &err), 0);
		match_pattern_free(p);

		/* an escape at offset k of a key and of a value */
		snprintf(pat, sizeof pat, "{\"%sq\": [\"%sq\"]}", pad, pad);
		p = eb(pat);
		CHECK(p != NULL);
		snprintf(ev, sizeof ev, "{\"%s\\u0071\": \"%s\\u0071\"}", pad, pad);
		CHECK_INT(match_pattern_test_json(p, ev, strlen(ev), MATCH_EV_TRUSTED, s, &err), 1);
		CHECK_INT(match_pattern_test_json(p, ev, strlen(ev), 0, s, &err), 1);
		/* a raw control character at offset k: refused when validating */
		snprintf(ev, sizeof ev, "{\"%s\x01q\": \"x\", \"%sq\": \"%sq\"}", pad, pad, pad);
		CHECK_INT(match_pattern_test_json(p, ev, strlen(ev), 0, s, &err), -1);
		snprintf(ev, sizeof ev, "{\"%sq\": \"%s\x1fq\"}", pad, pad);
		CHECK_INT(match_pattern_test_json(p, ev, strlen(ev), 0, s, &err), -1);
		snprintf(ev, sizeof ev, "{\"%sq\": \"%s\x7fq\\u00e9\", \"%sq\": \"%sq\"}", pad, pad, pad, pad);
		CHECK_INT(match_pattern_test_json(p, ev, strlen(ev), 0, s, &err), 1);
		/* brackets and quotes inside a skipped container */
		snprintf(ev, sizeof ev, "{\"z\": {\"w\": [\"%s]}[{\\\"\", %s1, {\"%s\": [[]]}]}, \"%sq\": \"%sq\"}",
			 pad, k ? "" : " ", pad, pad, pad);
		CHECK_INT(match_pattern_test_json(p, ev, strlen(ev), MATCH_EV_TRUSTED, s, &err), 1);
		CHECK_INT(match_pattern_test_json(p, ev, strlen(ev), 0, s, &err), 1);
		match_pattern_free(p);
	}
	match_scratch_free(s);
}

/* A tiny deterministic generator (no libc rand: the same everywhere). */
static uint32_t rnd(uint64_t *st)
{
	*st = *st * 6364136223846793005ull + 1442695040888963407ull;
	return (uint32_t)(*st >> 33);
}

static const char *VALUES[] = {"a", "b", "alpha", "beta", "10.0.0.7", "A", "gamma"};

static void gen_matcher(uint64_t *st, char *m, size_t cap)
{
	const char *v = VALUES[rnd(st) % 7];
	switch (rnd(st) % 7) {
	case 0: snprintf(m, cap, "\"%s\"", v); break;
	case 1: snprintf(m, cap, "{\"prefix\": \"%.1s\"}", v); break;
	case 2: snprintf(m, cap, "{\"anything-but\": \"%s\"}", v); break;
	case 3: snprintf(m, cap, "{\"exists\": %s}", rnd(st) % 2 ? "true" : "false"); break;
	case 4: snprintf(m, cap, "{\"numeric\": [\">\", %u]}", rnd(st) % 5); break;
	case 5: snprintf(m, cap, "{\"equals-ignore-case\": \"%s\"}", v); break;
	default: snprintf(m, cap, "{\"wildcard\": \"*%.1s*\"}", v); break;
	}
}

/* One random rule over fields x, y, arr[].k, arr[].v (k and v together
 * exercise array consistency). */
static void gen_rule(uint64_t *st, char *out, size_t cap)
{
	char m[128];
	size_t o = (size_t)snprintf(out, cap, "{");
	const char *sep = "";
	for (int k = 0; k < 2; k++) {
		if (rnd(st) % 2)
			continue;
		gen_matcher(st, m, sizeof m);
		o += (size_t)snprintf(out + o, cap - o, "%s\"%s\": [%s]", sep, k ? "y" : "x", m);
		sep = ", ";
	}
	int ak = rnd(st) % 2, av = rnd(st) % 2;
	if (ak || av || !*sep) {
		o += (size_t)snprintf(out + o, cap - o, "%s\"arr\": {", sep);
		if (ak || !av) {
			gen_matcher(st, m, sizeof m);
			o += (size_t)snprintf(out + o, cap - o, "\"k\": [%s]%s", m, av ? ", " : "");
		}
		if (av) {
			gen_matcher(st, m, sizeof m);
			o += (size_t)snprintf(out + o, cap - o, "\"v\": [%s]", m);
		}
		o += (size_t)snprintf(out + o, cap - o, "}");
	}
	snprintf(out + o, cap - o, "}");
}

static void gen_value(uint64_t *st, char *out, size_t cap)
{
	if (rnd(st) % 3 == 0)
		snprintf(out, cap, "%u", rnd(st) % 6);
	else
		snprintf(out, cap, "\"%s\"", VALUES[rnd(st) % 7]);
}

static void gen_event(uint64_t *st, char *out, size_t cap)
{
	char a[32], b[32];
	size_t o = (size_t)snprintf(out, cap, "{");
	if (rnd(st) % 4) {
		gen_value(st, a, sizeof a);
		o += (size_t)snprintf(out + o, cap - o, "\"x\": %s, ", a);
	}
	if (rnd(st) % 4) {
		gen_value(st, a, sizeof a);
		gen_value(st, b, sizeof b);
		o += (size_t)snprintf(out + o, cap - o, "\"y\": [%s, %s], ", a, b);
	}
	o += (size_t)snprintf(out + o, cap - o, "\"arr\": [");
	int n = (int)(rnd(st) % 4);
	for (int i = 0; i < n; i++) {
		gen_value(st, a, sizeof a);
		o += (size_t)snprintf(out + o, cap - o, "%s{\"k\": %s", i ? ", " : "", a);
		if (rnd(st) % 2) {
			gen_value(st, b, sizeof b);
			o += (size_t)snprintf(out + o, cap - o, ", \"v\": %s", b);
		}
		o += (size_t)snprintf(out + o, cap - o, "}");
	}
	snprintf(out + o, cap - o, "]}");
}

/* The index must say exactly what each pattern says alone. */
TEST(match_ruleset_agrees_with_single_patterns)
{
	enum { NRULES = 300, NEVENTS = 400 };
	uint64_t st = 42;
	match_pattern **single = calloc(NRULES, sizeof *single);
	char (*ids)[16] = calloc(NRULES, sizeof *ids);
	match_ruleset *rs = match_ruleset_new();
	match_scratch *s = match_scratch_new(), *s2 = match_scratch_new();
	struct match_error err;
	int compiled = 0;
	for (int i = 0; i < NRULES; i++) {
		char rule[1024];
		gen_rule(&st, rule, sizeof rule);
		snprintf(ids[i], sizeof ids[i], "r%d", i);
		single[i] = eb(rule);
		if (!single[i]) {
			fprintf(stderr, "  rule did not compile: %s\n", rule);
			continue;
		}
		compiled++;
		CHECK(match_ruleset_add(rs, ids[i], eb(rule)) == 0);
	}
	CHECK_INT(compiled, NRULES);
	int total_hits = 0;
	for (int e = 0; e < NEVENTS; e++) {
		char ev[2048];
		gen_event(&st, ev, sizeof ev);
		const char *const *got;
		size_t n;
		CHECK(match_ruleset_match_json(rs, ev, strlen(ev), e & 1 ? MATCH_EV_TRUSTED : 0, s, &got, &n, &err) == 0);
		for (int i = 0; i < NRULES; i++) {
			int want = match_pattern_test_json(single[i], ev, strlen(ev), 0, s2, &err);
			CHECK(want >= 0);
			if (want != has(got, n, ids[i]))
				fprintf(stderr, "  event %s rule %s: alone %d, in the set %d\n", ev, ids[i], want,
					has(got, n, ids[i]));
			CHECK_INT(want, has(got, n, ids[i]));
			total_hits += want;
		}
	}
	CHECK(total_hits > NEVENTS); /* the generator does produce matches */
	for (int i = 0; i < NRULES; i++)
		match_pattern_free(single[i]);
	free(single);
	free(ids);
	match_scratch_free(s);
	match_scratch_free(s2);
	match_ruleset_free(rs);
}

TEST(match_envelope_check)
{
	struct match_error err;
	const char *ok = "{\"id\":\"1\",\"account\":\"1\",\"source\":\"s\",\"time\":\"t\",\"region\":\"r\",\"detail-type\":\"d\","
			 "\"detail\":{\"x\":[1,{\"y\":2}]}}";
	CHECK(match_event_check_envelope(ok, strlen(ok), &err) == 0);
	const char *missing = "{\"id\":\"1\",\"account\":\"1\",\"source\":\"s\",\"time\":\"t\",\"region\":\"r\"}";
	CHECK(match_event_check_envelope(missing, strlen(missing), &err) == -1);
	CHECK_STR(err.message, "Parameter Event is not valid.");
	CHECK(match_event_check_envelope("[]", 2, &err) == -1);
	CHECK(match_event_check_envelope("{\"id\":", 6, &err) == -1);
}
