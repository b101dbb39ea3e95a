/* Fuzzes the query-protocol decoder against the STS and Logs-free SQS-less
 * models nuage has (STS), with the form body as input. */
#include "fuzz_proto.h"
#include "proto/models/models.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_decode(&model_sts, PROTO_QUERY, data, size, "POST / HTTP/1.1\r\nHost: x\r\n\r\n");
	return 0;
}
