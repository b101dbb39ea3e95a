/* model.h — AWS service models as C data.
 *
 * tools/gen_models.py compiles botocore's service-2.json models into these
 * tables (src/proto/models/, generated and committed), keeping only the
 * operations nuage implements and the shapes they reach. The protocol
 * codecs (restxml.c, query.c, json.c, restjson.c) walk them: a handler
 * never sees a wire name, a location or a timestamp format.
 *
 * Invariants: tables are immutable and statically allocated; every shape a
 * member points to is emitted; a list shape has exactly one member (its
 * element), a map shape exactly two (key, value); ops are sorted by name.
 */
#ifndef NUAGE_PROTO_MODEL_H
#define NUAGE_PROTO_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum shape_type {
	SHAPE_STRUCTURE,
	SHAPE_LIST,
	SHAPE_MAP,
	SHAPE_STRING,
	SHAPE_INTEGER,
	SHAPE_LONG,
	SHAPE_FLOAT,
	SHAPE_DOUBLE,
	SHAPE_BOOLEAN,
	SHAPE_TIMESTAMP,
	SHAPE_BLOB,
};

enum member_location { LOC_BODY, LOC_URI, LOC_QUERY, LOC_HEADER, LOC_HEADERS, LOC_STATUS };

enum ts_format { TSF_DEFAULT, TSF_ISO8601, TSF_RFC822, TSF_EPOCH };

/* shape flags */
#define SHF_FLATTENED 0x01
#define SHF_STREAMING 0x02 /* blob (or string) streamed as the payload */
#define SHF_EXCEPTION 0x04
#define SHF_EVENTSTREAM 0x08
#define SHF_HAS_MIN 0x10
#define SHF_HAS_MAX 0x20
#define SHF_SENSITIVE 0x40

/* member flags */
#define MF_REQUIRED 0x01
#define MF_FLATTENED 0x02
#define MF_XML_ATTRIBUTE 0x04
#define MF_IDEMPOTENCY 0x08
#define MF_JSONVALUE 0x10
#define MF_HOSTLABEL 0x20
#define MF_GREEDY 0x40 /* uri label written {Name+} */
#define MF_STREAMING 0x80 /* the payload member streams (member-level trait in newer models) */

struct model_shape;

struct model_member {
	const char *name;     /* the member name: the key handlers use */
	const char *wire;     /* locationName (header, query key, XML element), or NULL = name */
	const char *query;    /* ec2 queryName, or NULL */
	const struct model_shape *shape;
	uint8_t location;     /* enum member_location */
	uint8_t flags;        /* MF_* */
	uint8_t ts_format;    /* enum ts_format override, or TSF_DEFAULT */
	const char *xml_ns;   /* xmlNamespace uri on the member, or NULL */
	const char *xml_ns_prefix;
	/* Query-protocol name when it differs from the JSON one: a JSON service
	 * that also speaks query (SQS) keeps its old query locationName here, so
	 * the JSON codec never sees it. NULL otherwise. Last, so tables that
	 * predate it need no regeneration. */
	const char *query_wire;
};

struct model_shape {
	const char *name;
	uint8_t type;         /* enum shape_type */
	uint8_t flags;        /* SHF_* */
	uint8_t ts_format;
	uint16_t nmembers;
	const struct model_member *members; /* structure members; list: [0] element; map: [0] key, [1] value */
	const char *payload;  /* structure: the payload member's name, or NULL */
	int64_t min, max;     /* length/size/value bounds when SHF_HAS_MIN/MAX */
	uint16_t nenums;
	const char *const *enums;
	const char *xml_ns;   /* xmlNamespace uri on the shape */
	const char *xml_ns_prefix; /* its prefix (xmlns:prefix=uri), or NULL for a default namespace */
	const char *error_code;   /* exception shapes: the wire code (error.code or the name) */
	int16_t error_status;     /* exception shapes: httpStatusCode, 0 if unspecified */
};

struct model_op {
	const char *name;
	const char *method;
	const char *uri;          /* requestUri, e.g. "/{Bucket}/{Key+}?uploads" */
	int16_t status;           /* http.responseCode, 0 = 200 */
	const struct model_shape *input, *output;
	const char *result_wrapper;   /* query protocols: output.resultWrapper */
	const char *input_xml_name;   /* rest-xml: input.locationName (payload root) */
	const char *input_xml_ns;
	uint16_t nerrors;
	const struct model_shape *const *errors;
	uint8_t checksum_required;    /* httpChecksum.requestChecksumRequired or httpChecksumRequired */
	bool implemented;             /* false: routed (so the answer is NotImplemented), shapes omitted */
	const char *route_query;      /* REST routing: required members as "q:name" (querystring) and
	                               * "h:name" (header, lower case), '&'-joined, or NULL */
};

enum protocol { PROTO_REST_XML, PROTO_QUERY, PROTO_EC2, PROTO_JSON, PROTO_REST_JSON };

struct model_service {
	const char *name;          /* endpointPrefix: s3, sts, sqs, logs, ... */
	const char *signing_name;  /* SigV4 service name */
	uint8_t protocol;          /* enum protocol: the newest model's protocol */
	bool query_also;           /* also answers the query protocol (SQS: awsQueryCompatible) */
	bool query_compatible;     /* awsQueryCompatible: JSON errors carry x-amzn-query-error */
	const char *json_version;  /* "1.0" / "1.1" */
	const char *target_prefix; /* X-Amz-Target prefix */
	const char *api_version;
	const char *xml_ns;        /* query/ec2 response namespace */
	uint16_t nops;
	const struct model_op *ops;
	const char *botocore_version;
};

const struct model_op *model_find_op(const struct model_service *svc, const char *name, size_t len);
const struct model_member *model_find_member(const struct model_shape *s, const char *name, size_t len);
/* Finds a structure member by its wire name (locationName or name). */
const struct model_member *model_find_wire(const struct model_shape *s, const char *wire, size_t len);
const char *model_wire_name(const struct model_member *m);
/* The name of a member in query parameters and XML: query_wire, else wire, else name. */
const char *model_xml_name(const struct model_member *m);
/* Exception shape of svc whose name is `name` (e.g. QueueDoesNotExist), or NULL. */
const struct model_shape *model_find_error_by_code(const struct model_service *svc, const char *code);

#endif
