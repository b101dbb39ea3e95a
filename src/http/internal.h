/* internal.h — nuage's own endpoints under /_nuage/ (and LocalStack's
 * /_localstack/health, so tools that wait on it work unchanged). */
#ifndef NUAGE_HTTP_INTERNAL_H
#define NUAGE_HTTP_INTERNAL_H

#include <stdbool.h>

struct http_request;
struct http_response;
struct config;

bool internal_route(const struct http_request *req);
void internal_handle(const struct http_request *req, struct http_response *r, const struct config *cfg);

#endif
