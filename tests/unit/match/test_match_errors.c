/* test_match_errors.c — full AWS error texts, Jackson location included.
 *
 * Each expected message below is what AWS returned (recorded by LocalStack's
 * AWS-validated snapshots: PutRule/TestEventPattern for EventBridge,
 * Subscribe/SetSubscriptionAttributes for SNS), except where a comment says
 * the value was derived from such a message. */
#include "unit.h"
#include "match/match.h"

#include <stdio.h>
#include <string.h>

static int compile_msg(const char *pat, enum match_dialect d, unsigned flags, char *out, size_t cap)
{
	struct match_error err;
	match_pattern *p = NULL;
	if (!match_pattern_compile(pat, strlen(pat), d, flags, &p, &err)) {
		match_pattern_free(p);
		snprintf(out, cap, "(compiled)");
		return 0;
	}
	snprintf(out, cap, "%s: %s", err.code, err.message);
	return -1;
}

static const char *loc(const char *src, int col)
{
	static char buf[8][1024];
	static int k;
	char *b = buf[k++ & 7];
	snprintf(b, 1024, "\n at [Source: (String)\"%s\"; line: 1, column: %d]", src, col);
	return b;
}

struct ebcase {
	const char *pattern;
	const char *reason;
	int col;  /* 0: no location */
	int twice;
};

static const struct ebcase EB[] = {
	{"{\"int\": 42}", "\"int\" must be an object or an array", 11, 0},
	{"{\"detail\": {\"equal\": [{\"NUMERIC\": [\"=\", 5]}]}}", "Unrecognized match type NUMERIC", 36, 0},
	{"{\"string\": \"my-value\"}", "\"string\" must be an object or an array", 13, 0},
	{"{\"resources\": []}", "Empty arrays are not allowed", 17, 0},
	{"{\"my_key\": [{\"EXISTS\": true}]}", "Unrecognized match type EXISTS", 28, 0},
	{"{\"detail\": {\"c-count\": [{\"numeric\": [\">\", 0, \">\", 0]}]}}", "Bad numeric range operator: >", 49, 0},
	{"{\"detail\": {\"c-count\": [{\"numeric\": [\">\", 0, \"<\"]}]}}", "Value of < must be numeric", 50, 0},
	/* derived: AWS's snapshot masked the region, which has this length */
	{"{\"EventBusArn\": [{\"wildcard\": \"arn:aws:events:us-east-1:**:event-bus/*\"}]}",
	 "Consecutive wildcard characters at pos 26", 72, 0},
	{"{\"detail-type\": [{\"equals-ignore-case\": [\"ec2 instance state-change notification\"]}]}",
	 "equals-ignore-case match pattern must be a string", 42, 0},
	{"{\"detail\": {\"state\": [{\"anything-but\": {\"equals-ignore-case\": 123}}]}}",
	 "Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported.", 66, 0},
	{"{\"detail\": {\"state\": [{\"anything-but\": {\"equals-ignore-case\": [123, 456]}}]}}",
	 "Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported.", 67, 1},
	{"{\"detail-type\": [{\"equals-ignore-case\": {\"prefix\": \"ec2\"}}]}",
	 "equals-ignore-case match pattern must be a string", 42, 0},
	{"this is valid json but not a dict",
	 "Unrecognized token 'this': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or "
	 "'false')",
	 5, 0},
	{"{'bad': 'quotation'}", "Unexpected character (''' (code 39)): was expecting double-quote to start field name", 2,
	 0},
	{"{\"not\": closed mark\"",
	 "Unrecognized token 'closed': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or "
	 "'false')",
	 15, 0},
	{"[\"not\", \"a\", \"dict\", \"but valid json\"]", "Filter is not an object", 2, 0},
	{"{\"EventBusArn\": [{\"wildcard\": 123}]}", "wildcard match pattern must be a string", 34, 0},
	{"{\"EventBusArn\": [{\"wildcard\": [\"arn:aws:events:us-east-1:**:event-bus/*\"]}]}",
	 "wildcard match pattern must be a string", 32, 0},
	{"{\"detail\": {\"state\": [{\"anything-but\": {\"wildcard\": [123, \"*/dir/*\"]}}]}}",
	 "wildcard match pattern must be a string", 57, 1},
	{"{\"detail\": {\"FilePath\": [{\"anything-but\": {\"wildcard\": 123}}]}}",
	 "wildcard match pattern must be a string", 59, 0},
	{"{\"detail\": {\"FileName\": [{\"anything-but\": {\"suffix\": [123, \".txt\"]}}]}}",
	 "prefix/suffix match pattern must be a string", 58, 1},
	{"{\"detail\": {\"FileName\": [{\"anything-but\": {\"suffix\": 123}}]}}",
	 "prefix/suffix match pattern must be a string", 57, 0},
	{"{\"detail\": {\"state\": [{\"anything-but\": {\"prefix\": [123, \"test\"]}}]}}",
	 "prefix/suffix match pattern must be a string", 55, 1},
	{"{\"detail\": {\"state\": [{\"anything-but\": {\"prefix\": 123}}]}}",
	 "prefix/suffix match pattern must be a string", 54, 0},
	{"{\"time\": [{\"prefix\": [\"2022-07-13\"]}]}", "prefix match pattern must be a string", 23, 0},
	{"{\"time\": [{\"prefix\": 123}]}", "prefix match pattern must be a string", 25, 0},
	{"{\"FileName\": [{\"suffix\": 123}]}", "suffix match pattern must be a string", 29, 0},
	{"{\"FileName\": [{\"suffix\": [\".png\"]}]}", "suffix match pattern must be a string", 27, 0},
	{"{\"detail\": {\"FileName\": [{\"anything-but\": {\"prefix\": {\"equals-ignore-case\": \"file\"}}}]}}",
	 "Value of anything-but must be an array or single string/number value.", 55, 0},
	{"{\"detail\": {\"sourceIPAddress\": [{\"cidr\": [\"bad-type\"]}]}}", "prefix match pattern must be a string",
	 43, 0},
	{"{\"detail\": {\"sourceIPAddress\": [{\"cidr\": \"bad-filter\"}]}}", "Malformed CIDR, one '/' required", 0, 0},
	{"{\"detail\": {\"sourceIPAddress\": [{\"cidr\": \"bad-/64filter\"}]}}",
	 "Malformed CIDR, mask bits must be an integer", 0, 0},
	{"{\"detail\": {\"sourceIPAddress\": [{\"cidr\": \"xx.11.xx/24\"}]}}", "Nonstandard IP address: xx.11.xx", 0, 0},
	{"{\"detail\": {\"sourceIPAddress\": [{\"cidr\": \"xxxx:db8:1234:1a00::/64\"}]}}",
	 "Nonstandard IP address: xxxx:db8:1234:1a00::", 0, 0},
	{"{\"EventBusArn\": [{\"wildcard\": \"*:*:*:*:*:event-bus/*\"}]}",
	 "Rule is too complex - try using fewer wildcard characters or fewer repeating character sequences after a "
	 "wildcard character",
	 0, 0},
};

TEST(match_errors_eventbridge_full_text)
{
	char got[4096], want[4096];
	for (size_t i = 0; i < sizeof EB / sizeof *EB; i++) {
		const struct ebcase *c = &EB[i];
		CHECK(compile_msg(c->pattern, MATCH_EVENTBRIDGE, 0, got, sizeof got) == -1);
		snprintf(want, sizeof want, "InvalidEventPatternException: Event pattern is not valid. Reason: %s%s%s",
			 c->reason, c->col ? loc(c->pattern, c->col) : "", c->twice ? loc(c->pattern, c->col) : "");
		if (strcmp(got, want))
			fprintf(stderr, "  pattern %s\n   want %s\n    got %s\n", c->pattern, want, got);
		CHECK_STR(got, want);
	}
}

struct snscase {
	const char *policy;
	const char *reason;
	int col;
};

/* Subscribe with a MessageAttributes policy (AWS's recorded answers). */
static const struct snscase SNS[] = {
	{"{\"key\":[[\"value\"]]}", "Match value must be String, number, true, false, or null", 10},
	{"{\"key\":[{\"wrong-operator\":true}]}", "Unrecognized match type wrong-operator", 31},
	{"{\"key\":[{\"suffix\":\"value\",\"prefix\":\"value2\"}]}", "Only one key allowed in match expression", 37},
	{"{\"key\":[{\"suffix\":100}]}", "suffix match pattern must be a string", 22},
	{"{\"key\":[{\"suffix\":null}]}", "suffix match pattern must be a string", 23},
	{"{\"key\":{\"suffix\":\"value\"}}", "\"suffix\" must be an object or an array", 19},
	{"{\"key\":[{\"suffix\":[]}]}", "suffix match pattern must be a string", 20},
	{"{\"key\":[{\"suffix\":[\"test\",\"test2\"]}]}", "suffix match pattern must be a string", 20},
	{"{\"key\":{\"suffix\":\"value\",\"prefix\":\"value\"}}", "\"suffix\" must be an object or an array", 19},
	{"{\"key\":{\"not-an-operator\":\"value\"}}", "\"not-an-operator\" must be an object or an array", 28},
	{"{\"key\":[{\"numeric\":[]}]}", "Invalid member in numeric match: ]", 22},
	{"{\"key\":[{\"numeric\":[\"operator\"]}]}", "Unrecognized numeric range operator: operator", 32},
	{"{\"key\":[{\"numeric\":[1,\"<=\"]}]}", "Invalid member in numeric match: 1", 22},
	{"{\"key\":[{\"numeric\":[\"=\",\"000\"]}]}", "Value of equals must be numeric", 26},
	{"{\"key\":[{\"numeric\":[\">=\"]}]}", "Value of >= must be numeric", 26},
	{"{\"key\":[{\"numeric\":[\"<\",100,\">\",10]}]}", "Too many elements in numeric expression", 30},
	{"{\"key\":[{\"numeric\":[\">=\",1,\">\",2]}]}", "Bad numeric range operator: >", 31},
	{"{\"key\":[{\"numeric\":[\">\",3,\"<\",1]}]}", "Bottom must be less than top", 33},
	{"{\"key\":[{\"numeric\":[\">\",20,\"<=\"]}]}", "Value of <= must be numeric", 33},
	{"{\"key\":[{\"numeric\":[\">\",20,30]}]}", "Bad value in numeric range: 30", 30},
	{"{\"key\":[{\"numeric\":[\">\",20,\"test\"]}]}", "Bad numeric range operator: test", 34},
	{"{\"key\":[{\"numeric\":[\">\",\"20\",\"<\",\"30\"]}]}", "Value of > must be numeric", 26},
	{"{\"key\":[{\"numeric\":[\">\",20,\"<\",\"30\"]}]}", "Value of < must be numeric", 33},
	{"{\"key\":[{\"numeric\":[\">\",20,\"<\",30,\"<\",50]}]}", "Too many terms in numeric range expression", 36},
	{"{\"key\":[{\"exists\":null}]}", "exists match pattern must be either true or false.", 23},
	{"{\"key\":[{\"exists\":\"no\"}]}", "exists match pattern must be either true or false.", 20},
};

TEST(match_errors_sns_subscribe_full_text)
{
	char got[4096], want[4096];
	for (size_t i = 0; i < sizeof SNS / sizeof *SNS; i++) {
		const struct snscase *c = &SNS[i];
		CHECK(compile_msg(c->policy, MATCH_SNS_ATTRIBUTES, MATCH_F_SNS_SUBSCRIBE, got, sizeof got) == -1);
		snprintf(want, sizeof want, "InvalidParameter: Invalid parameter: Attributes Reason: FilterPolicy: %s%s",
			 c->reason, loc(c->policy, c->col));
		if (strcmp(got, want))
			fprintf(stderr, "  policy %s\n   want %s\n    got %s\n", c->policy, want, got);
		CHECK_STR(got, want);
	}
}

TEST(match_errors_sns_set_attributes)
{
	char got[4096];
	/* SetSubscriptionAttributes words them without "Attributes Reason: " */
	CHECK(compile_msg("{\"key_a\":\"value_one\"}", MATCH_SNS_BODY, 0, got, sizeof got) == -1);
	CHECK_STR(got, "InvalidParameter: Invalid parameter: FilterPolicy: \"key_a\" must be an object or an array"
		       "\n at [Source: (String)\"{\"key_a\":\"value_one\"}\"; line: 1, column: 11]");
	CHECK(compile_msg("{\"object\": {\"key\": [{\"prefix\": \"auto-\"}]}}", MATCH_SNS_ATTRIBUTES, 0, got,
			  sizeof got) == -1);
	CHECK_STR(got, "InvalidParameter: Invalid parameter: Filter policy scope MessageAttributes does not support "
		       "nested filter policy");
	CHECK(compile_msg("{\"object\": {\"key\": [{\"prefix\": \"auto-\"}]}}", MATCH_SNS_BODY, 0, got, sizeof got) ==
	      0);
	CHECK(compile_msg("{\"key_a\": [\"value_one\"], \"key_b\": [\"value_two\"], \"key_c\": [\"value_three\"], "
			  "\"key_d\": [\"value_four\"], \"key_e\": [\"value_five\"], \"key_f\": [\"value_six\"]}",
			  MATCH_SNS_BODY, 0, got, sizeof got) == -1);
	CHECK_STR(got, "InvalidParameter: Invalid parameter: FilterPolicy: Filter policy can not have more than 5 keys");
	/* 3 x 4 x 2 x 3 x 1 x 3 = 216 combinations (AWS's documented arithmetic) */
	CHECK(compile_msg("{\"key_a\": {\"key_b\": {\"key_c\": [\"value_one\", \"value_two\", \"value_three\", "
			  "\"value_four\"]}}, \"key_d\": {\"key_e\": [\"value_one\", \"value_two\", \"value_three\"]}, "
			  "\"key_f\": [\"value_one\", \"value_two\", \"value_three\"]}",
			  MATCH_SNS_BODY, 0, got, sizeof got) == -1);
	CHECK_STR(got, "InvalidParameter: Invalid parameter: FilterPolicy: Filter policy is too complex");
	/* 72 is fine */
	CHECK(compile_msg("{\"key_a\": {\"key_b\": {\"key_c\": [\"value_one\", \"value_two\", \"value_three\", "
			  "\"value_four\"]}}, \"key_d\": {\"key_e\": [\"value_one\", \"value_two\", \"value_three\"]}}",
			  MATCH_SNS_BODY, 0, got, sizeof got) == 0);
	/* a JSON syntax error is reported as such (AWS's prefix; the rest is Jackson's) */
	CHECK(compile_msg("{invalidjson}", MATCH_SNS_ATTRIBUTES, 0, got, sizeof got) == -1);
	CHECK(!strncmp(got, "InvalidParameter: Invalid parameter: FilterPolicy: failed to parse JSON. ", 72));
}
