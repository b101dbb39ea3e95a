/* Fuzzes the awsJson protocol decoder (and validation) against the Logs model. */
#include "fuzz_proto.h"
#include "proto/models/models.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_decode(&model_logs, PROTO_JSON, data, size, "POST / HTTP/1.1\r\nHost: x\r\n\r\n");
	return 0;
}
