/* SQS queue attributes (ranges, normalization, FIFO-only names, the engine
 * settings they imply) and SNS's documents (envelope layout, the text it
 * signs, delivery policies and the effective retry policy) without a
 * server: the parsers and writers themselves. */
#include "unit.h"
#include "core/arena.h"
#include "proto/call.h"
#include "svc/sns/sns.h"
#include "svc/sqs/sqs.h"

#include <stdlib.h>
#include <string.h>

static int apply(struct call *c, json_t *attrs, const char *given_json, bool creating, bool fifo)
{
	json_t *given = json_loads(given_json, 0, NULL);
	int rc = sqs_attrs_apply(c, attrs, given, creating, fifo, "arn:aws:sqs:us-east-1:000000000000:q");
	json_decref(given);
	return rc;
}

TEST(sqs_attributes_normalized_and_checked)
{
	struct arena a;
	arena_init(&a);
	struct call c = {.arena = &a};
	json_t *attrs = json_object();
	CHECK_INT(apply(&c, attrs, "{\"VisibilityTimeout\": \"45\", \"SqsManagedSseEnabled\": \"TRUE\"}", true, false), 0);
	CHECK_STR(json_string_value(json_object_get(attrs, "VisibilityTimeout")), "45");
	CHECK_STR(json_string_value(json_object_get(attrs, "SqsManagedSseEnabled")), "true");
	/* Defaults filled at creation; FIFO-only ones only for FIFO queues. */
	CHECK_STR(json_string_value(json_object_get(attrs, "MaximumMessageSize")), "262144");
	CHECK(!json_object_get(attrs, "ContentBasedDeduplication"));
	struct queue_conf conf;
	sqs_attrs_conf(attrs, &conf);
	CHECK_INT(conf.visibility_ms, 45000);
	CHECK_INT(conf.retention_ms, 345600000LL);
	CHECK(!conf.fifo);
	/* Out of range, not a number, unknown, FIFO-only on a standard queue. */
	CHECK_INT(apply(&c, attrs, "{\"VisibilityTimeout\": \"43201\"}", false, false), -1);
	CHECK_INT(c.err, ERR_SQS_BAD_ATTR_VALUE);
	CHECK_INT(apply(&c, attrs, "{\"DelaySeconds\": \"1.5\"}", false, false), -1);
	CHECK_INT(apply(&c, attrs, "{\"Colour\": \"red\"}", false, false), -1);
	CHECK_INT(c.err, ERR_SQS_BAD_ATTR_NAME);
	CHECK_INT(apply(&c, attrs, "{\"ContentBasedDeduplication\": \"true\"}", false, false), -1);
	CHECK_INT(c.err, ERR_SQS_BAD_ATTR_NAME);
	CHECK_INT(apply(&c, attrs, "{\"FifoQueue\": \"true\"}", false, false), -1); /* creation only */
	/* A Policy is stored, "" removes it; bad JSON is refused. */
	CHECK_INT(apply(&c, attrs, "{\"Policy\": \"{\\\"Version\\\": \\\"2012-10-17\\\"}\"}", false, false), 0);
	CHECK(json_object_get(attrs, "Policy") != NULL);
	CHECK_INT(apply(&c, attrs, "{\"Policy\": \"\"}", false, false), 0);
	CHECK(!json_object_get(attrs, "Policy"));
	CHECK_INT(apply(&c, attrs, "{\"Policy\": \"{nope\"}", false, false), -1);
	json_decref(attrs);
	/* FIFO: scope and throughput limit must agree. */
	json_t *fifo = json_object();
	CHECK_INT(apply(&c, fifo, "{\"FifoThroughputLimit\": \"perMessageGroupId\"}", true, true), -1);
	CHECK_INT(apply(&c, fifo,
			"{\"DeduplicationScope\": \"messageGroup\", \"FifoThroughputLimit\": \"perMessageGroupId\", "
			"\"ContentBasedDeduplication\": \"true\"}",
			true, true),
		  0);
	sqs_attrs_conf(fifo, &conf);
	CHECK(conf.fifo && conf.content_dedup && conf.dedup_per_group);
	json_decref(fifo);
	arena_free(&a);
}

TEST(sns_envelope_layout)
{
	json_t *f = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:{s:{s:s,s:s}}}", "MessageId", "id-1", "TopicArn", "arn:t",
			      "Subject", "S", "Message", "line\n\"q\"", "Timestamp", "2026-11-28T00:00:00.000Z",
			      "UnsubscribeURL", "http://h/?x", "MessageAttributes", "k", "Type", "String", "Value", "v");
	char *env = sns_envelope("Notification", f, 0, NULL);
	CHECK_STR(env, "{\n"
		       "  \"Type\" : \"Notification\",\n"
		       "  \"MessageId\" : \"id-1\",\n"
		       "  \"TopicArn\" : \"arn:t\",\n"
		       "  \"Subject\" : \"S\",\n"
		       "  \"Message\" : \"line\\n\\\"q\\\"\",\n"
		       "  \"Timestamp\" : \"2026-11-28T00:00:00.000Z\",\n"
		       "  \"UnsubscribeURL\" : \"http://h/?x\",\n"
		       "  \"MessageAttributes\" : {\n"
		       "    \"k\" : {\"Type\":\"String\",\"Value\":\"v\"}\n"
		       "  }\n"
		       "}");
	free(env);
	json_decref(f);
	f = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s}", "MessageId", "m", "Token", "tok", "TopicArn", "arn:t", "Message", "hi",
		      "SubscribeURL", "http://h/?c", "Timestamp", "T");
	env = sns_envelope("SubscriptionConfirmation", f, 0, NULL);
	CHECK_STR(env, "{\n  \"Type\" : \"SubscriptionConfirmation\",\n  \"MessageId\" : \"m\",\n  \"Token\" : \"tok\",\n"
		       "  \"TopicArn\" : \"arn:t\",\n  \"Message\" : \"hi\",\n  \"SubscribeURL\" : \"http://h/?c\",\n"
		       "  \"Timestamp\" : \"T\"\n}");
	free(env);
	json_decref(f);
}

TEST(sns_delivery_policies)
{
	struct arena a;
	arena_init(&a);
	struct call c = {.arena = &a};
	CHECK_INT(sns_check_delivery_policy(&c, "{\"healthyRetryPolicy\": {\"numRetries\": 5, \"minDelayTarget\": 1, "
						"\"maxDelayTarget\": 60, \"backoffFunction\": \"geometric\"}}",
					    false),
		  0);
	static const char *const bad[] = {
		"not json",
		"{\"healthyRetryPolicy\": {\"numRetries\": 101}}",
		"{\"healthyRetryPolicy\": {\"minDelayTarget\": 0, \"maxDelayTarget\": 5}}",
		"{\"healthyRetryPolicy\": {\"minDelayTarget\": 9, \"maxDelayTarget\": 5}}",
		"{\"healthyRetryPolicy\": {\"maxDelayTarget\": 3601}}",
		"{\"healthyRetryPolicy\": {\"numRetries\": 2, \"numNoDelayRetries\": 3}}",
		"{\"healthyRetryPolicy\": {\"backoffFunction\": \"cubic\"}}",
		"{\"healthyRetryPolicy\": {\"numRetries\": -1}}",
		"{\"healthyRetryPolicy\": {\"colour\": 1}}",
		NULL,
	};
	for (int i = 0; bad[i]; i++) {
		c.err = ERR_NONE;
		CHECK_INT(sns_check_delivery_policy(&c, bad[i], false), -1);
		CHECK_INT(c.err, ERR_SNS_INVALID_PARAMETER);
	}
	CHECK_INT(sns_check_delivery_policy(&c, "{\"http\": {\"defaultHealthyRetryPolicy\": {\"numRetries\": 9}}}", true), 0);
	/* Effective: subscription over topic over AWS's defaults, unless the
	 * topic disables overrides. */
	json_t *topic = json_pack("{s:s}", "DeliveryPolicy",
				  "{\"http\": {\"defaultHealthyRetryPolicy\": {\"numRetries\": 9, \"minDelayTarget\": 2}}}");
	json_t *sub = json_pack("{s:s}", "DeliveryPolicy",
				"{\"healthyRetryPolicy\": {\"numRetries\": 4}, \"requestPolicy\": {\"headerContentType\": "
				"\"application/json\"}}");
	json_t *eff = sns_effective_retry_policy(sub, topic);
	CHECK_INT(json_integer_value(json_object_get(eff, "numRetries")), 4);
	CHECK_INT(json_integer_value(json_object_get(eff, "minDelayTarget")), 2);
	CHECK_INT(json_integer_value(json_object_get(eff, "maxDelayTarget")), 20);
	CHECK_STR(json_string_value(json_object_get(eff, "headerContentType")), "application/json");
	json_decref(eff);
	json_decref(topic);
	topic = json_pack("{s:s}", "DeliveryPolicy",
			  "{\"http\": {\"defaultHealthyRetryPolicy\": {\"numRetries\": 9}, \"disableSubscriptionOverrides\": true}}");
	eff = sns_effective_retry_policy(sub, topic);
	CHECK_INT(json_integer_value(json_object_get(eff, "numRetries")), 9);
	json_decref(eff);
	json_decref(topic);
	json_decref(sub);
	arena_free(&a);
}
