/* Fuzzes the rest-json decoder (URI labels, query, headers and JSON
 * payloads) against the Lambda model: the input is a request head and body. */
#include "fuzz_proto.h"
#include "proto/models/models.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_decode(&model_lambda, PROTO_REST_JSON, data, size,
		    "POST /2015-03-31/functions/f/invocations?Qualifier=1 HTTP/1.1\r\nHost: x\r\n\r\n");
	return 0;
}
