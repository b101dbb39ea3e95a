/* Destinations: a send reaches the deliverer registered for the ARN's
 * service; unknown services and malformed ARNs are reported, not guessed. */
#include "unit.h"
#include "engine/dest.h"

#include <stdio.h>

static char last[256];

static int fake_sqs(const char *arn, const char *body, size_t len, const char *attrs, char *err, size_t errlen)
{
	if (strstr(arn, ":missing")) {
		snprintf(err, errlen, "no such queue");
		return -1;
	}
	snprintf(last, sizeof last, "%s|%.*s|%s", arn, (int)len, body, attrs ? attrs : "-");
	return 0;
}

TEST(dest_routes_by_arn_service)
{
	dest_reset();
	dest_register("sqs", fake_sqs);
	char err[200];
	CHECK(dest_send("arn:aws:sqs:us-east-1:000000000000:dlq", "{}", 2, "{\"a\":\"b\"}", err, sizeof err) == 0);
	CHECK_STR(last, "arn:aws:sqs:us-east-1:000000000000:dlq|{}|{\"a\":\"b\"}");
	CHECK(dest_send("arn:aws:sqs:us-east-1:000000000000:missing", "x", 1, NULL, err, sizeof err) == -1);
	CHECK_STR(err, "no such queue");
	CHECK(dest_send("arn:aws:sns:us-east-1:000000000000:topic", "x", 1, NULL, err, sizeof err) == -2);
	CHECK(strstr(err, "sns"));
	CHECK(dest_send("not-an-arn", "x", 1, NULL, err, sizeof err) == -1);
	CHECK(dest_send(NULL, "x", 1, NULL, err, sizeof err) == -1);
	dest_reset();
	CHECK(dest_send("arn:aws:sqs:us-east-1:000000000000:dlq", "{}", 2, NULL, err, sizeof err) == -2);
}
