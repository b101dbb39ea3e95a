/* test_match_parts.c — the matcher's pieces on their own: numbers as
 * event-ruler compares them, IP literals, case folding, wildcards and their
 * complexity measure, Jackson-style locations on long and multi-line input,
 * array consistency and exists:false ordering. */
#include "unit.h"
#include "match/match.h"
#include "match/match_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

TEST(match_parts_numbers)
{
	double d;
	CHECK_INT(mt_number("0.1", 3, &d), 1);
	CHECK(d == 0.1);
	CHECK_INT(mt_number("3.015e2", 7, &d), 1);
	CHECK(d == 301.5);
	CHECK_INT(mt_number("-0", 2, &d), 1);
	CHECK_INT(mt_number("123456789012", 12, &d), 1);
	/* not exactly a double: only ever equal as text */
	CHECK_INT(mt_number("0.30000000000000001", 19, &d), 0);
	CHECK_INT(mt_number("12345678901234567890123", 23, &d), 0);
	CHECK_INT(mt_number("1e400", 5, &d), 0);
	/* trailing zeros carry no value */
	CHECK_INT(mt_number("1.50000000000000000000000", 25, &d), 1);
	CHECK_INT(mt_number("1e40", 4, &d), 1);
	CHECK_INT(mt_number("1x", 2, &d), -1);
	CHECK_INT(mt_number("01", 2, &d), -1);
	CHECK(mt_is_json_number("-1.5E+3", 7));
	CHECK(!mt_is_json_number("1.", 2));
	CHECK(!mt_is_json_number("+1", 2));
}

TEST(match_parts_ip)
{
	uint8_t b[16], len = 0;
	int ok;
	CHECK(mt_ip_parse("10.0.0.1", 8, b, &len, &ok) && ok && len == 4 && b[0] == 10 && b[3] == 1);
	CHECK(mt_ip_parse("300.0.0.1", 9, b, &len, &ok) && !ok);   /* shaped like one, not one */
	CHECK(mt_ip_parse("010.0.0.1", 9, b, &len, &ok) && !ok);   /* ambiguous octal */
	CHECK(!mt_ip_parse("1.2.3", 5, b, &len, &ok));             /* not even shaped */
	CHECK(!mt_ip_parse("::ffff:1.2.3.4", 14, b, &len, &ok));   /* dots: not event-ruler's IPv6 shape */
	CHECK(mt_ip_parse("::ffff:a00:1", 12, b, &len, &ok) && ok && len == 4 && b[0] == 10 && b[3] == 1);
	CHECK(mt_ip_parse("2001:db8::1", 11, b, &len, &ok) && ok && len == 16 && b[3] == 0xb8 && b[15] == 1);
	CHECK(mt_ip_parse("08:23", 5, b, &len, &ok) && !ok);
}

TEST(match_parts_casefold)
{
	struct mt_str f;
	char buf[64];
	f.p = buf;
	f.n = (uint32_t)mt_fold_str("ÄbÇ", strlen("ÄbÇ"), buf);
	CHECK(mt_eic_eq("äBç", strlen("äBç"), &f));
	CHECK(!mt_eic_eq("äBc", strlen("äBc"), &f));
	CHECK(mt_eic_prefix("ÄBÇDEF", strlen("ÄBÇDEF"), &f));
	CHECK(mt_eic_suffix("xxäbç", strlen("xxäbç"), &f));
	CHECK(!mt_eic_suffix("bç", strlen("bç"), &f));
	f.n = (uint32_t)mt_fold_str("ΣΊΣΥΦΟΣ", strlen("ΣΊΣΥΦΟΣ"), buf);
	CHECK(mt_eic_eq("σίσυφοσ", strlen("σίσυφοσ"), &f));
	f.n = (uint32_t)mt_fold_str("ПРИВЕТ", strlen("ПРИВЕТ"), buf);
	CHECK(mt_eic_eq("привет", strlen("привет"), &f));
	/* every ASCII byte, eight at a time and one at a time */
	char all[128], want[128];
	for (int i = 0; i < 127; i++) {
		all[i] = (char)(i + 1);
		want[i] = (char)(i + 1 >= 'A' && i + 1 <= 'Z' ? i + 1 + 32 : i + 1);
	}
	char out[128];
	for (size_t off = 0; off < 9; off++) {
		size_t n = mt_fold_str(all + off, 127 - off, out);
		CHECK(n == 127 - off && !memcmp(out, want + off, n));
	}
	CHECK(mt_fold_str("ABCDEFGÄHIJKLMNOP", strlen("ABCDEFGÄHIJKLMNOP"), out) == strlen("abcdefgähijklmnop"));
	CHECK(!memcmp(out, "abcdefgähijklmnop", strlen("abcdefgähijklmnop")));
}

static int wild(const char *pat, const char *s)
{
	struct arena a;
	arena_init(&a);
	struct mt_wild w;
	char reason[128];
	int r = mt_wild_parse(&a, pat, strlen(pat), &w, reason, sizeof reason) ? -1 : mt_wild_match(&w, s, strlen(s));
	arena_free(&a);
	return r;
}

TEST(match_parts_wildcard)
{
	CHECK_INT(wild("*", ""), 1);
	CHECK_INT(wild("", ""), 1);
	CHECK_INT(wild("", "a"), 0);
	CHECK_INT(wild("a*b*c", "abc"), 1);
	CHECK_INT(wild("a*b*c", "axxbyyc"), 1);
	CHECK_INT(wild("a*b*c", "axxbyy"), 0);
	CHECK_INT(wild("ab*ba", "aba"), 0); /* prefix and suffix may not overlap */
	CHECK_INT(wild("ab*ba", "abba"), 1);
	CHECK_INT(wild("a\\*b", "a*b"), 1);
	CHECK_INT(wild("a\\*b", "axb"), 0);
	CHECK_INT(wild("a\\\\b", "a\\b"), 1);
	CHECK_INT(wild("a**b", "ab"), -1);
	CHECK_INT(wild("a\\b", "ab"), -1);
	/* complexity: AWS accepts the first, refuses the second */
	struct mt_str p1 = {"/Users/*/dir/dir/dir/dir/dir/doc.txt", 36};
	struct mt_str p2 = {"*:*:*:*:*:event-bus/*", 21};
	CHECK_INT(mt_wild_complexity(&p1, 1, 10), 8);
	CHECK(mt_wild_complexity(&p2, 1, 10) > 10);
	struct mt_str two[] = {{"*/init/*", 8}, {"*/dir/*", 7}};
	CHECK_INT(mt_wild_complexity(two, 2, 10), 10);
}

static const char *compile_err(const char *pat, struct match_error *err)
{
	match_pattern *p = NULL;
	if (!match_pattern_compile(pat, strlen(pat), MATCH_EVENTBRIDGE, 0, &p, err)) {
		match_pattern_free(p);
		return "(compiled)";
	}
	return err->message;
}

TEST(match_parts_locations)
{
	struct match_error err;
	/* lines and columns count like Jackson: CR LF is one line break */
	CHECK_STR(compile_err("{\r\n  \"a\": 1\n}", &err),
		  "Event pattern is not valid. Reason: \"a\" must be an object or an array\n at [Source: (String)\"{\r\n"
		  "  \"a\": 1\n}\"; line: 2, column: 9]");
	/* long sources are cut at 500 characters */
	char big[700];
	size_t o = (size_t)snprintf(big, sizeof big, "{\"k\": [\"");
	while (o < 600)
		big[o++] = 'x';
	snprintf(big + o, sizeof big - o, "\"], \"z\": 5}");
	const char *m = compile_err(big, &err);
	CHECK(strstr(m, "\"z\" must be an object or an array") != NULL);
	CHECK(strstr(m, "\"[truncated 111 chars]; line: 1, column: 611]") != NULL);
	/* control characters in the source are escaped in the description */
	CHECK_STR(compile_err("{\t\"a\":2}", &err),
		  "Event pattern is not valid. Reason: \"a\" must be an object or an array\n at [Source: (String)\"{\\u0009"
		  "\"a\":2}\"; line: 1, column: 8]");
	/* nesting beyond the limit is refused, not recursed into */
	char deep[400];
	o = 0;
	for (int i = 0; i < 70; i++)
		o += (size_t)snprintf(deep + o, sizeof deep - o, "{\"a\":");
	m = compile_err(deep, &err);
	CHECK(strstr(m, "nesting depth") != NULL);
	/* Jackson's own errors */
	CHECK(strstr(compile_err("{\"a\": [1,]}", &err),
		     "Unexpected character (']' (code 93)): expected a value") != NULL);
	CHECK(strstr(compile_err("{\"a\": [\"\\q\"]}", &err), "Unrecognized character escape 'q' (code 113)") != NULL);
	CHECK(strstr(compile_err("{\"a\": [01]}", &err), "Invalid numeric value: Leading zeroes not allowed") != NULL);
	CHECK(strstr(compile_err("{\"a\": [1]", &err),
		     "Unexpected end-of-input: expected close marker for Object (start marker at [Source: (String)\"{\"a\": "
		     "[1]\"; line: 1, column: 1])") != NULL);
	CHECK(strstr(compile_err("{\"a\": [1}", &err),
		     "Unexpected close marker '}': expected ']' (for Array starting at [Source: (String)\"{\"a\": [1}\"; "
		     "line: 1, column: 7])") != NULL);
	/* what follows the pattern's object is not looked at (Jackson stops there) */
	CHECK_STR(compile_err("{\"a\": [1]} trailing", &err), "(compiled)");
}

static int test(const char *pat, const char *ev)
{
	struct match_error err;
	match_pattern *p = NULL;
	if (match_pattern_compile(pat, strlen(pat), MATCH_EVENTBRIDGE, 0, &p, &err))
		return -2;
	match_scratch *s = match_scratch_new();
	int r = match_pattern_test_json(p, ev, strlen(ev), 0, s, &err);
	match_scratch_free(s);
	match_pattern_free(p);
	return r;
}

TEST(match_parts_array_consistency)
{
	const char *p = "{\"d\": {\"a\": [\"1\"], \"b\": [\"2\"]}}";
	CHECK_INT(test(p, "{\"d\": [{\"a\": \"1\", \"b\": \"2\"}]}"), 1);
	CHECK_INT(test(p, "{\"d\": [{\"a\": \"1\"}, {\"b\": \"2\"}]}"), 0);
	/* nested arrays: the same outer element, different inner arrays */
	CHECK_INT(test("{\"o\": {\"x\": {\"a\": [1]}, \"y\": {\"b\": [2]}}}",
		       "{\"o\": [{\"x\": [{\"a\": 1}], \"y\": [{\"b\": 2}]}]}"),
		  1);
	CHECK_INT(test("{\"o\": {\"x\": {\"a\": [1]}, \"y\": {\"b\": [2]}}}",
		       "{\"o\": [{\"x\": [{\"a\": 1}]}, {\"y\": [{\"b\": 2}]}]}"),
		  0);
	/* values of an array of scalars carry no membership */
	CHECK_INT(test("{\"t\": [\"x\"], \"u\": [\"y\"]}", "{\"t\": [\"a\", \"x\"], \"u\": [\"y\", \"b\"]}"), 1);
	/* exists:false only sees fields consistent with those matched before it
	 * in key order ("d.a" < "d.b") */
	CHECK_INT(test("{\"d\": {\"a\": [\"1\"], \"b\": [{\"exists\": false}]}}", "{\"d\": [{\"a\": \"1\"}, {\"b\": 2}]}"),
		  1);
	CHECK_INT(test("{\"d\": {\"a\": [\"1\"], \"b\": [{\"exists\": false}]}}", "{\"d\": [{\"a\": \"1\", \"b\": 2}]}"),
		  0);
	/* either present-and-equal or absent */
	CHECK_INT(test("{\"bar\": [{\"exists\": false}, \"1\"]}", "{\"bar\": \"1\"}"), 1);
	CHECK_INT(test("{\"bar\": [{\"exists\": false}, \"1\"]}", "{\"foo\": \"1\"}"), 1);
	CHECK_INT(test("{\"bar\": [{\"exists\": false}, \"1\"]}", "{\"bar\": \"2\"}"), 0);
}

TEST(match_parts_number_fast_path)
{
	/* the plain-decimal shortcut agrees with strtod and refuses non-JSON */
	static const char *ok[] = {"0", "-0", "7", "819.75", "-12.5", "0.000001", "123456789012345", "1.23456789012345",
				   "999999999999999.9"};
	for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
		double d = -1;
		CHECK(mt_number(ok[i], strlen(ok[i]), &d) >= 0);
		char buf[64];
		snprintf(buf, sizeof buf, "%s", ok[i]);
		CHECK(d == strtod(buf, NULL));
	}
	static const char *bad[] = {".5", "5.", "01", "-", "1.2.3", "--1", "1e", "0x1"};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		double d;
		CHECK_INT(mt_number(bad[i], strlen(bad[i]), &d), -1);
	}
}
