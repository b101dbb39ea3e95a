/* Fuzzes what SQS reads from clients: both wire codecs over the merged SQS
 * table (JSON 1.0 and the query protocol's flattened lists and maps:
 * Attribute.N.Name/Value, MessageAttribute.N.Value.StringValue,
 * SendMessageBatchRequestEntry.N...), then the engine's checks of bodies,
 * attribute names, numbers and receipt handles on the raw bytes.
 * Input: [protocol byte (odd = JSON)][operation byte][body]. */
#include "fuzz_proto.h"
#include "engine/queue.h"
#include "proto/models/models.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2 || size > 300000)
		return 0;
	bool json = data[0] & 1;
	fuzz_decode(&model_sqs, json ? PROTO_JSON : PROTO_QUERY, data + 1, size - 1,
		    json ? "POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: AmazonSQS.SendMessage\r\n\r\n"
			 : "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n\r\n");
	long bad;
	queue_valid_text((const char *)data, size, &bad);
	char *s = strndup((const char *)data + 1, size - 1);
	queue_number_ok(s);
	queue_attr_name_ok(s);
	queue_handle_wellformed(s);
	struct queue_attr at[2] = {{s, "String", s, strlen(s)}, {"b", "Binary", (const char *)data, size}};
	char md5[33];
	queue_md5_attrs(at, 2, md5);
	free(s);
	return 0;
}
