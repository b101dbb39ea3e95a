/* Destinations: a send reaches the deliverer registered for the ARN's
 * service; unknown services and malformed ARNs are reported, not guessed;
 * dest_after_commit wakes every registered service. */
#include "unit.h"
#include "engine/dest.h"

#include <stdio.h>

static char last[256];
static int wakes;

static int fake_sqs(const char *arn, const struct dest_msg *m, char *err, size_t errlen)
{
	if (strstr(arn, ":missing")) {
		snprintf(err, errlen, "no such queue");
		return -1;
	}
	snprintf(last, sizeof last, "%s|%.*s|%s|%s|%d", arn, (int)m->len, m->body, m->attrs_json ? m->attrs_json : "-",
		 m->subject ? m->subject : "-", m->check_only);
	return 0;
}

static void fake_wake(void)
{
	wakes++;
}

TEST(dest_routes_by_arn_service)
{
	dest_reset();
	dest_register("sqs", fake_sqs, fake_wake);
	char err[200];
	struct dest_msg m = {.body = "{}", .len = 2, .attrs_json = "{\"a\":\"b\"}"};
	CHECK(dest_send("arn:aws:sqs:us-east-1:000000000000:dlq", &m, err, sizeof err) == 0);
	CHECK_STR(last, "arn:aws:sqs:us-east-1:000000000000:dlq|{}|{\"a\":\"b\"}|-|0");
	struct dest_msg x = {.body = "x", .len = 1, .subject = "S", .check_only = true};
	CHECK(dest_send("arn:aws:sqs:us-east-1:000000000000:q", &x, err, sizeof err) == 0);
	CHECK_STR(last, "arn:aws:sqs:us-east-1:000000000000:q|x|-|S|1");
	CHECK(dest_send("arn:aws:sqs:us-east-1:000000000000:missing", &x, err, sizeof err) == -1);
	CHECK_STR(err, "no such queue");
	CHECK(dest_send("arn:aws:sns:us-east-1:000000000000:topic", &x, err, sizeof err) == -2);
	CHECK(strstr(err, "sns"));
	CHECK(dest_send("not-an-arn", &x, err, sizeof err) == -1);
	CHECK(dest_send(NULL, &x, err, sizeof err) == -1);
	wakes = 0;
	dest_after_commit();
	CHECK(wakes == 1);
	dest_register("sqs", fake_sqs, NULL); /* re-registering replaces */
	dest_after_commit();
	CHECK(wakes == 1);
	dest_reset();
	CHECK(dest_send("arn:aws:sqs:us-east-1:000000000000:dlq", &m, err, sizeof err) == -2);
}
