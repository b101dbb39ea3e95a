/* test_match_conformance.c — every case of conformance/events/patterns.jsonl
 * through the EventBridge matcher: match / no-match / error, and where AWS's
 * message is recorded (aws_error), our code and message must equal it
 * (the recorded text omits Jackson's location suffix, so ours is compared up
 * to short_len). Cases recorded through LocalStack went through
 * TestEventPattern, so they also get its envelope check. Prints pass counts
 * per operator; any failing case fails the test. */
#include "unit.h"
#include "match/match.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_OPS 64

struct opcount {
	char name[48];
	int pass, total;
};

static void count(struct opcount *ops, int *nops, const char *name, int ok)
{
	int i;
	for (i = 0; i < *nops; i++)
		if (!strcmp(ops[i].name, name))
			break;
	if (i == *nops) {
		if (*nops == MAX_OPS)
			return;
		snprintf(ops[i].name, sizeof ops[i].name, "%s", name);
		ops[i].pass = ops[i].total = 0;
		(*nops)++;
	}
	ops[i].total++;
	ops[i].pass += ok;
}

/* Runs one case; returns 1 if our outcome (and AWS message) is right. */
static int run_case(json_t *c, match_scratch *s, int *msg_checked, int *msg_ok, char *why, size_t wcap)
{
	const char *pattern = json_string_value(json_object_get(c, "pattern"));
	const char *event = json_string_value(json_object_get(c, "event"));
	const char *expected = json_string_value(json_object_get(c, "expected"));
	const char *source = json_string_value(json_object_get(c, "source"));
	const char *aws_error = json_string_value(json_object_get(c, "aws_error"));
	if (!pattern || !event || !expected)
		return 0;
	struct match_error err = {0};
	match_pattern *p = NULL;
	const char *got;
	int rc = match_pattern_compile(pattern, strlen(pattern), MATCH_EVENTBRIDGE, 0, &p, &err);
	if (rc == 0) {
		int r = 0;
		if (source && !strcmp(source, "localstack"))
			r = match_event_check_envelope(event, strlen(event), &err);
		if (r == 0)
			r = match_pattern_test_json(p, event, strlen(event), 0, s, &err);
		match_pattern_free(p);
		got = r < 0 ? "error" : r ? "match" : "no-match";
	} else {
		got = "error";
	}
	if (strcmp(got, expected)) {
		snprintf(why, wcap, "expected %s, got %s%s%.*s", expected, got, rc ? ": " : "", rc ? 300 : 0,
			 err.message);
		return 0;
	}
	if (!strcmp(got, "error") && aws_error) {
		char mine[3000];
		snprintf(mine, sizeof mine, "%s: %.*s", err.code, (int)err.short_len, err.message);
		(*msg_checked)++;
		if (strcmp(mine, aws_error)) {
			snprintf(why, wcap, "AWS says \"%s\", we say \"%s\"", aws_error, mine);
			return 0;
		}
		(*msg_ok)++;
	}
	return 1;
}

TEST(match_conformance_events)
{
	const char *dir = unit_conformance("events");
	if (!dir)
		return;
	char path[600];
	snprintf(path, sizeof path, "%s/patterns.jsonl", dir);
	FILE *f = fopen(path, "r");
	CHECK(f != NULL);
	struct opcount ops[MAX_OPS];
	int nops = 0, total = 0, passed = 0, msg_checked = 0, msg_ok = 0, shown = 0;
	int by_expect[3][2] = {{0}};
	match_scratch *s = match_scratch_new();
	char *line = NULL;
	size_t cap = 0;
	while (getline(&line, &cap, f) > 0) {
		json_error_t je;
		json_t *c = json_loads(line, 0, &je);
		if (!c)
			continue;
		char why[3500] = "";
		int ok = run_case(c, s, &msg_checked, &msg_ok, why, sizeof why);
		const char *expected = json_string_value(json_object_get(c, "expected"));
		int e = !strcmp(expected, "match") ? 0 : !strcmp(expected, "no-match") ? 1 : 2;
		by_expect[e][0] += ok;
		by_expect[e][1]++;
		total++;
		passed += ok;
		json_t *opsv = json_object_get(c, "operators");
		size_t i;
		json_t *op;
		json_array_foreach(opsv, i, op) count(ops, &nops, json_string_value(op), ok);
		if (!ok && shown++ < 40)
			fprintf(stderr, "  case %s: %s\n", json_string_value(json_object_get(c, "id")), why);
		json_decref(c);
	}
	free(line);
	fclose(f);
	match_scratch_free(s);
	fprintf(stderr, "  events/patterns.jsonl: %d/%d cases pass (match %d/%d, no-match %d/%d, error %d/%d)\n", passed,
		total, by_expect[0][0], by_expect[0][1], by_expect[1][0], by_expect[1][1], by_expect[2][0],
		by_expect[2][1]);
	fprintf(stderr, "  AWS error messages: %d/%d identical\n", msg_ok, msg_checked);
	fprintf(stderr, "  %-34s %s\n", "operator", "pass/total");
	for (int i = 0; i < nops; i++)
		fprintf(stderr, "  %-34s %d/%d\n", ops[i].name, ops[i].pass, ops[i].total);
	CHECK(total == 799);
	CHECK_INT(passed, total);
}
