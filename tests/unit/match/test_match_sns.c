/* test_match_sns.c — SNS filter policies: both scopes, SNS's operators and
 * its limits. Matching examples follow the SNS developer guide's (message
 * attributes of type String, String.Array and Number; Binary ignored). */
#include "unit.h"
#include "match/match.h"

#include <stdio.h>
#include <string.h>

static match_pattern *policy(const char *json, enum match_dialect d)
{
	struct match_error err;
	match_pattern *p = NULL;
	if (match_pattern_compile(json, strlen(json), d, 0, &p, &err))
		return NULL;
	return p;
}

#define ATTR(n, t, v) {n, sizeof(n) - 1, t, v, sizeof(v) - 1}

/* 1 match, 0 no match, -1 policy did not compile. */
static int attrs_match(const char *pol, const struct match_attr *a, size_t n)
{
	match_pattern *p = policy(pol, MATCH_SNS_ATTRIBUTES);
	if (!p)
		return -1;
	match_scratch *s = match_scratch_new();
	int r = match_pattern_test_attrs(p, a, n, s);
	match_scratch_free(s);
	match_pattern_free(p);
	return r;
}

static int body_match(const char *pol, const char *body)
{
	match_pattern *p = policy(pol, MATCH_SNS_BODY);
	if (!p)
		return -1;
	match_scratch *s = match_scratch_new();
	int r = match_pattern_test_body(p, body, strlen(body), s);
	match_scratch_free(s);
	match_pattern_free(p);
	return r;
}

static const struct match_attr DOC_ATTRS[] = {
	ATTR("customer_interests", "String.Array", "[\"soccer\", \"rugby\", \"hockey\"]"),
	ATTR("store", "String", "example_corp"),
	ATTR("event", "String", "order_placed"),
	ATTR("price_usd", "Number", "210.75"),
};

TEST(match_sns_attributes_doc_example)
{
	CHECK_INT(attrs_match("{\"store\": [\"example_corp\"], \"event\": [{\"anything-but\": \"order_cancelled\"}], "
			      "\"customer_interests\": [\"rugby\", \"football\", \"baseball\"], \"price_usd\": "
			      "[{\"numeric\": [\">=\", 100]}]}",
			      DOC_ATTRS, 4),
		  1);
	/* one key failing fails the policy */
	CHECK_INT(attrs_match("{\"store\": [\"example_corp\"], \"price_usd\": [{\"numeric\": [\"<\", 100]}]}", DOC_ATTRS, 4),
		  0);
	/* String.Array: each element is one value */
	CHECK_INT(attrs_match("{\"customer_interests\": [\"hockey\"]}", DOC_ATTRS, 4), 1);
	CHECK_INT(attrs_match("{\"customer_interests\": [\"baseball\"]}", DOC_ATTRS, 4), 0);
	CHECK_INT(attrs_match("{\"customer_interests\": [{\"prefix\": \"rug\"}]}", DOC_ATTRS, 4), 1);
	/* a policy key the message lacks */
	CHECK_INT(attrs_match("{\"color\": [\"red\"]}", DOC_ATTRS, 4), 0);
	CHECK_INT(attrs_match("{\"color\": [{\"exists\": false}]}", DOC_ATTRS, 4), 1);
	CHECK_INT(attrs_match("{\"store\": [{\"exists\": true}]}", DOC_ATTRS, 4), 1);
}

TEST(match_sns_attributes_types)
{
	struct match_attr num[] = {ATTR("price_usd", "Number", "3.015e2")};
	CHECK_INT(attrs_match("{\"price_usd\": [{\"numeric\": [\"=\", 301.5]}]}", num, 1), 1);
	CHECK_INT(attrs_match("{\"price_usd\": [301.5]}", num, 1), 1);
	/* a number is not the string of its digits */
	CHECK_INT(attrs_match("{\"price_usd\": [\"3.015e2\"]}", num, 1), 0);
	struct match_attr str[] = {ATTR("price_usd", "String", "301.5")};
	CHECK_INT(attrs_match("{\"price_usd\": [{\"numeric\": [\"=\", 301.5]}]}", str, 1), 0);
	CHECK_INT(attrs_match("{\"price_usd\": [\"301.5\"]}", str, 1), 1);
	/* Binary attributes take no part */
	struct match_attr bin[] = {ATTR("blob", "Binary", "AAEC")};
	CHECK_INT(attrs_match("{\"blob\": [{\"exists\": false}]}", bin, 1), 1);
	CHECK_INT(attrs_match("{\"blob\": [{\"exists\": true}]}", bin, 1), 0);
	/* custom type labels keep their base type */
	struct match_attr lab[] = {ATTR("n", "Number.float", "5"), ATTR("s", "String.label", "x")};
	CHECK_INT(attrs_match("{\"n\": [{\"numeric\": [\">\", 4]}], \"s\": [\"x\"]}", lab, 2), 1);
	/* anything-but with numbers, against an array attribute (SNS guide) */
	struct match_attr arr[] = {ATTR("price", "Number.Array", "[100, 50]")};
	CHECK_INT(attrs_match("{\"price\": [{\"anything-but\": [100, 500]}]}", arr, 1), 1);
	struct match_attr one[] = {ATTR("price", "Number", "100")};
	CHECK_INT(attrs_match("{\"price\": [{\"anything-but\": [100, 500]}]}", one, 1), 0);
	/* cidr and equals-ignore-case on strings */
	struct match_attr ip[] = {ATTR("source_ip", "String", "10.0.0.255"), ATTR("name", "String", "ALICE")};
	CHECK_INT(attrs_match("{\"source_ip\": [{\"cidr\": \"10.0.0.0/24\"}], \"name\": [{\"equals-ignore-case\": "
			      "\"alice\"}]}",
			      ip, 2),
		  1);
	CHECK_INT(attrs_match("{\"source_ip\": [{\"cidr\": \"10.0.1.0/24\"}]}", ip, 1), 0);
	/* a malformed String.Array has no values */
	struct match_attr bad[] = {ATTR("tags", "String.Array", "[\"a\", ")};
	CHECK_INT(attrs_match("{\"tags\": [{\"exists\": true}]}", bad, 1), 0);
}

TEST(match_sns_or_and_prefix_suffix)
{
	struct match_attr a[] = {ATTR("source", "String", "aws.cloudwatch"), ATTR("namespace", "String", "AWS/EC2")};
	const char *pol = "{\"source\": [\"aws.cloudwatch\"], \"$or\": [{\"metricName\": [\"CPUUtilization\"]}, "
			  "{\"namespace\": [\"AWS/EC2\"]}]}";
	CHECK_INT(attrs_match(pol, a, 2), 1);
	CHECK_INT(attrs_match(pol, a, 1), 0);
	/* "$or" is a plain attribute name unless it holds 2+ objects */
	struct match_attr dollar[] = {ATTR("$or", "String", "x")};
	CHECK_INT(attrs_match("{\"$or\": [\"x\"]}", dollar, 1), 1);
	CHECK_INT(attrs_match("{\"$or\": [{\"a\": [\"1\"]}]}", dollar, 1), -1); /* then an object value is invalid */
	struct match_attr file[] = {ATTR("f", "String", "report.PDF")};
	CHECK_INT(attrs_match("{\"f\": [{\"suffix\": \".PDF\"}]}", file, 1), 1);
	CHECK_INT(attrs_match("{\"f\": [{\"prefix\": \"rep\"}]}", file, 1), 1);
	CHECK_INT(attrs_match("{\"f\": [{\"anything-but\": {\"prefix\": \"rep\"}}]}", file, 1), 0);
	CHECK_INT(attrs_match("{\"f\": [{\"anything-but\": {\"prefix\": \"x\"}}]}", file, 1), 1);
}

TEST(match_sns_body_scope)
{
	const char *pol = "{\"object\": {\"key\": [{\"prefix\": \"auto-\"}]}}";
	CHECK_INT(body_match(pol, "{\"object\": {\"key\": \"auto-test\"}}"), 1);
	CHECK_INT(body_match(pol, "{\"object\": {\"key\": \"hardcodedvalue\"}}"), 0);
	/* dotted keys meet nested objects, both ways */
	CHECK_INT(body_match("{\"object.key\": [{\"prefix\": \"auto-\"}]}", "{\"object\": {\"key\": \"auto-x\"}}"), 1);
	CHECK_INT(body_match(pol, "{\"object.key\": \"auto-x\"}"), 1);
	/* a body that is not a JSON object matches nothing */
	CHECK_INT(body_match(pol, "auto-test"), 0);
	CHECK_INT(body_match("{\"a\": [{\"exists\": false}]}", "[1, 2]"), 0);
	/* arrays in the body: any element */
	CHECK_INT(body_match("{\"tags\": [\"b\"]}", "{\"tags\": [\"a\", \"b\"]}"), 1);
	/* an empty policy filters nothing out */
	CHECK_INT(body_match("{}", "{\"anything\": 1}"), 1);
}

TEST(match_sns_refuses_what_sns_lacks)
{
	struct match_error err;
	match_pattern *p = NULL;
	const char *wild = "{\"f\": [{\"wildcard\": \"*.png\"}]}";
	CHECK(match_pattern_compile(wild, strlen(wild), MATCH_SNS_BODY, 0, &p, &err) == -1);
	CHECK(strstr(err.message, "FilterPolicy: Unrecognized match type wildcard") != NULL);
	const char *absuf = "{\"f\": [{\"anything-but\": {\"suffix\": \"x\"}}]}";
	CHECK(match_pattern_compile(absuf, strlen(absuf), MATCH_SNS_ATTRIBUTES, 0, &p, &err) == -1);
	CHECK(strstr(err.message, "Unsupported anything-but pattern: suffix") != NULL);
	/* EventBridge takes both */
	CHECK(match_pattern_compile(wild, strlen(wild), MATCH_EVENTBRIDGE, 0, &p, &err) == 0);
	match_pattern_free(p);
	CHECK(match_pattern_compile(absuf, strlen(absuf), MATCH_EVENTBRIDGE, 0, &p, &err) == 0);
	match_pattern_free(p);
	/* $or branches add up against the 150 limit (2 x 80 > 150) */
	char big[4096];
	size_t o = 0;
	o += (size_t)snprintf(big + o, sizeof big - o, "{\"$or\": [{\"a\": [");
	for (int i = 0; i < 80; i++)
		o += (size_t)snprintf(big + o, sizeof big - o, "%s%d", i ? "," : "", i);
	o += (size_t)snprintf(big + o, sizeof big - o, "]}, {\"b\": [");
	for (int i = 0; i < 80; i++)
		o += (size_t)snprintf(big + o, sizeof big - o, "%s%d", i ? "," : "", i);
	snprintf(big + o, sizeof big - o, "]}]}");
	CHECK(match_pattern_compile(big, strlen(big), MATCH_SNS_ATTRIBUTES, MATCH_F_SNS_SUBSCRIBE, &p, &err) == -1);
	CHECK_STR(err.message, "Invalid parameter: Attributes Reason: FilterPolicy: Filter policy is too complex");
	CHECK_STR(err.code, "InvalidParameter");
}
