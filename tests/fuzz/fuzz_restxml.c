/* Fuzzes the rest-xml decoder (URI/query/header bindings and XML payloads)
 * against the S3 model: the input is a request head and body. */
#include "fuzz_proto.h"
#include "proto/models/models.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_decode(&model_s3, PROTO_REST_XML, data, size, "POST /bucket/key?delete HTTP/1.1\r\nHost: x\r\n\r\n");
	return 0;
}
