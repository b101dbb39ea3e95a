/* Fuzzes what SNS reads from clients: the query decoder over the SNS table
 * (Attributes.entry.N, MessageAttributes.entry.N.Name/Value.*,
 * PublishBatchRequestEntries.member.N), delivery policies (subscription and
 * topic forms, then the effective retry policy drawn from them), and the
 * envelope writer on arbitrary field text.
 * Input: [selector byte][operation byte][body]. */
#include "fuzz_proto.h"
#include "proto/models/models.h"
#include "svc/sns/sns.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2 || size > 300000)
		return 0;
	fuzz_decode(&model_sns, PROTO_QUERY, data + 1, size - 1,
		    "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n\r\n");
	char *s = strndup((const char *)data + 1, size - 1);
	struct arena a;
	arena_init(&a);
	struct call c = {.arena = &a};
	sns_check_delivery_policy(&c, s, data[0] & 1);
	json_t *attrs = json_object();
	json_object_set_new(attrs, "DeliveryPolicy", json_stringn_nocheck(s, strlen(s)));
	json_t *p = sns_effective_retry_policy(attrs, attrs);
	json_decref(p);
	json_t *f = json_object();
	json_object_set_new(f, "MessageId", json_stringn_nocheck(s, strlen(s)));
	json_object_set_new(f, "Message", json_stringn_nocheck(s, strlen(s)));
	json_t *ma = json_loads(s, 0, NULL);
	json_object_set_new(f, "MessageAttributes", ma ? ma : json_object());
	char *env = sns_envelope(data[0] & 2 ? "Notification" : "SubscriptionConfirmation", f, 0, NULL);
	free(env);
	json_decref(f);
	json_decref(attrs);
	arena_free(&a);
	free(s);
	return 0;
}
