/* cors.h — CORS as S3 applies a bucket's CORSConfiguration: preflight
 * (OPTIONS) answers and the Access-Control-* headers on actual responses. */
#ifndef NUAGE_HTTP_CORS_H
#define NUAGE_HTTP_CORS_H

#include <jansson.h>
#include <stdbool.h>

#include "core/err.h"

struct http_request;
struct http_response;

enum cors_result {
	CORS_OK = 0,          /* allowed: headers added */
	CORS_NO_ORIGIN = -1,  /* preflight without Origin: 400 */
	CORS_DISABLED = -2,   /* no rules: 403 */
	CORS_DENIED = -3,     /* no rule allows it: 403 */
};

/* Answers a preflight against rules (may be NULL). On CORS_OK the
 * Access-Control-* headers are in r. */
enum cors_result cors_preflight(const struct http_request *req, json_t *rules, struct http_response *r);
/* For an actual request carrying Origin: adds the headers of the first rule
 * that allows its origin and method; nothing otherwise. */
void cors_decorate(const struct http_request *req, json_t *rules, struct http_response *r);
/* The message S3 gives for a refused preflight. */
const char *cors_message(enum cors_result res);

#endif
