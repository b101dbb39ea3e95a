/* test_pipe_event.c — what a pipe's notification channel accepts: S3 event
 * records raw, wrapped in an SNS envelope, or as EventBridge delivers
 * them; test events and other event types are ignored. */
#include "unit.h"
#include "core/buf.h"
#include "warehouse/pipe.h"

#include <string.h>

static void note(void *ctx, const char *bucket, const char *key, int64_t size, const char *etag, int64_t ms)
{
	buf_addf(ctx, "%s|%s|%lld|%s|%lld\n", bucket, key, (long long)size, etag ? etag : "-", (long long)ms);
}

static const char *parse(struct buf *b, const char *msg, int *n)
{
	buf_reset(b);
	*n = pipe_parse_event(msg, strlen(msg), note, b);
	return buf_str(b);
}

#define S3_RECORD(name, key)                                                                                          \
	"{\"eventVersion\":\"2.1\",\"eventSource\":\"aws:s3\",\"awsRegion\":\"us-east-1\",\"eventTime\":"             \
	"\"2026-11-28T10:00:00.000Z\",\"eventName\":\"" name "\",\"s3\":{\"s3SchemaVersion\":\"1.0\",\"bucket\":{\"name\":" \
	"\"data\",\"arn\":\"arn:aws:s3:::data\"},\"object\":{\"key\":\"" key "\",\"size\":42,\"eTag\":\"abc\","        \
	"\"sequencer\":\"0055\"}}}"

TEST(pipe_event_shapes)
{
	struct buf b;
	buf_init(&b, 1 << 20);
	int n;
	CHECK_STR(parse(&b, "{\"Records\":[" S3_RECORD("ObjectCreated:Put", "exports/year%3D2026/a+b.csv") "]}", &n),
		  "data|exports/year=2026/a b.csv|42|abc|1795860000000\n");
	CHECK_INT(n, 1);
	/* removals and other events are not loads; several records in one message */
	CHECK_STR(parse(&b,
			"{\"Records\":[" S3_RECORD("ObjectRemoved:Delete", "x.csv") "," S3_RECORD(
				"ObjectCreated:CompleteMultipartUpload", "big.csv") "]}",
			&n),
		  "data|big.csv|42|abc|1795860000000\n");
	CHECK_INT(n, 1);
	/* the s3:TestEvent S3 sends when a configuration is saved */
	parse(&b, "{\"Service\":\"Amazon S3\",\"Event\":\"s3:TestEvent\",\"Time\":\"2026-11-28T10:00:00.000Z\","
		  "\"Bucket\":\"data\",\"RequestId\":\"1\",\"HostId\":\"2\"}",
	      &n);
	CHECK_INT(n, 0);
	CHECK_INT(b.len, 0);
	/* an SNS envelope around the record */
	CHECK(!strncmp(parse(&b,
			"{\"Type\":\"Notification\",\"MessageId\":\"m\",\"TopicArn\":\"arn:aws:sns:us-east-1:0:t\","
			"\"Message\":\"{\\\"Records\\\":[{\\\"eventName\\\":\\\"ObjectCreated:Copy\\\",\\\"s3\\\":{"
			"\\\"bucket\\\":{\\\"name\\\":\\\"data\\\"},\\\"object\\\":{\\\"key\\\":\\\"k%20s\\\","
			"\\\"size\\\":7}}}]}\",\"Timestamp\":\"2026-11-28T10:00:00.000Z\"}",
			&n),
		  "data|k s|7|-|", 13)); /* no eventTime: now */
	CHECK_INT(n, 1);
	/* EventBridge's Object Created */
	CHECK_STR(parse(&b,
			"{\"version\":\"0\",\"detail-type\":\"Object Created\",\"source\":\"aws.s3\",\"time\":"
			"\"2026-11-28T10:00:00Z\",\"detail\":{\"bucket\":{\"name\":\"data\"},\"object\":{\"key\":\"a b.csv\","
			"\"size\":3,\"etag\":\"e\"}}}",
			&n),
		  "data|a b.csv|3|e|1795860000000\n");
	/* not an S3 event at all */
	parse(&b, "not json", &n);
	CHECK_INT(n, -1);
	parse(&b, "{\"hello\":1}", &n);
	CHECK_INT(n, -1);
	parse(&b, "{\"Type\":\"Notification\",\"Message\":\"plain text\"}", &n);
	CHECK_INT(n, -1);
	/* a key that does not decode is skipped, not loaded under another name */
	parse(&b, "{\"Records\":[" S3_RECORD("ObjectCreated:Put", "bad%zz") "]}", &n);
	CHECK_INT(n, 0);
	buf_free(&b);
}
