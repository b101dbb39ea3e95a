/* dispatch.h — the request pipeline: route, authenticate, read or stream
 * the body, decode, call the handler, encode, send, log. */
#ifndef NUAGE_HTTP_DISPATCH_H
#define NUAGE_HTTP_DISPATCH_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

struct conn;
struct config;
struct http_request;
struct http_response;

void dispatch_init(const struct config *cfg);
void dispatch_request(struct conn *c, struct http_request *req, int64_t t0);
/* A response for a request whose head could not be parsed (raw: the bytes
 * received), in the shape of the protocol it most likely spoke. */
void dispatch_render_framing_error(struct http_response *r, const char *raw, size_t rawlen, enum err_id id);

#endif
