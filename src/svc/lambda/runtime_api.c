/* runtime_api.c — the Lambda Runtime API (2018-06-01) over HTTP/1.1, one
 * connection at a time, for an execution environment's thread.
 *
 * Serves: GET /2018-06-01/runtime/invocation/next,
 * POST /2018-06-01/runtime/invocation/{id}/response (202; 413 over 6 MB),
 * POST /2018-06-01/runtime/invocation/{id}/error (202),
 * POST /2018-06-01/runtime/init/error (202).
 * Plus nuage's own GET /2018-06-01/runtime/nuage/assign, on which a
 * pre-started Python environment waits for its function (env.c).
 * Leaves out: the Extensions, Telemetry and Logs APIs, response streaming,
 * SnapStart's restore endpoints (404 with a Runtime-API-shaped error).
 *
 * How an environment is identified: every environment gets its own
 * listener on 127.0.0.1 and AWS_LAMBDA_RUNTIME_API=127.0.0.1:PORT, exactly
 * the host:port form AWS uses. A path prefix in the variable would be
 * cheaper but breaks real clients: the Node.js runtime interface client
 * splits the value on ':' into hostname and port, and the Rust runtime
 * keeps only the authority of the URL it builds. The port is the identity:
 * a request on an environment's listener can only be about that
 * environment's invocation.
 *
 * Framing: Content-Length or chunked bodies (Node's http module chunks
 * when no length is given); keep-alive unless the client says close. A
 * request is parsed only once it is complete in the buffer, so a slow
 * client cannot leave half a request behind. Limits: head 32 KiB, body
 * LAMBDA_MAX_RESPONSE for /response and 1 MiB for error documents.
 */
#include "svc/lambda/rapi.h"
#include "core/buf.h"
#include "core/mem.h"
#include "http/request.h"
#include "svc/lambda/exec.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#define PREFIX "/2018-06-01/runtime/"
#define MAX_ERROR_BODY (1 << 20)

struct rapi_conn {
	int fd;
	char *in;
	size_t len, cap;
	struct buf out;
	bool close_after;  /* close once out is flushed */
	bool eof;
	bool parked;       /* a /next is waiting on this connection */
	size_t skip;       /* body bytes of a rejected request still to discard */
};

struct rapi_conn *rapi_conn_new(int fd)
{
	struct rapi_conn *c = xcalloc(1, sizeof *c);
	c->fd = fd;
	c->cap = 16384;
	c->in = xmalloc(c->cap);
	buf_init(&c->out, LAMBDA_MAX_RESPONSE + 65536);
	return c;
}

void rapi_conn_free(struct rapi_conn *c)
{
	if (!c)
		return;
	close(c->fd);
	free(c->in);
	buf_free(&c->out);
	free(c);
}

int rapi_conn_fd(const struct rapi_conn *c)
{
	return c->fd;
}

bool rapi_conn_wants_write(const struct rapi_conn *c)
{
	return c->out.len > 0;
}

void rapi_conn_flush(struct rapi_conn *c)
{
	size_t off = 0;
	while (off < c->out.len) {
		ssize_t n = send(c->fd, c->out.data + off, c->out.len - off, MSG_NOSIGNAL);
		if (n > 0) {
			off += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		c->eof = true; /* the peer is gone: drop what is queued */
		off = c->out.len;
		break;
	}
	if (off) {
		memmove(c->out.data, c->out.data + off, c->out.len - off);
		c->out.len -= off;
		if (c->out.data)
			c->out.data[c->out.len] = 0;
	}
}

static const char *reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 202: return "Accepted";
	case 400: return "Bad Request";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 413: return "Request Entity Too Large";
	case 500: return "Internal Server Error";
	default: return "Status";
	}
}

void rapi_reply(struct rapi_conn *c, int status, const char *headers, const char *body, size_t len)
{
	c->parked = false;
	if (buf_addf(&c->out, "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\n%sContent-Length: %zu\r\n%s\r\n", status,
		     reason(status), headers ? headers : "", len, c->close_after ? "Connection: close\r\n" : "") ||
	    buf_add(&c->out, body, len)) {
		c->close_after = true; /* cannot happen within the caps; never send half a response */
		c->eof = true;
		return;
	}
	rapi_conn_flush(c);
}

void rapi_reply_error(struct rapi_conn *c, int status, const char *type, const char *msg)
{
	char body[512];
	int n = snprintf(body, sizeof body, "{\"errorMessage\":\"%s\",\"errorType\":\"%s\"}", msg, type);
	rapi_reply(c, status, NULL, body, (size_t)n < sizeof body ? (size_t)n : sizeof body - 1);
}

void rapi_reply_accepted(struct rapi_conn *c)
{
	rapi_reply(c, 202, NULL, "{\"status\":\"OK\"}", 15);
}

/* Chunked body at p[0..n): 1 complete (decoded into out, *used = bytes
 * consumed), 0 incomplete, -1 malformed, -2 over max. */
static int dechunk(const char *p, size_t n, size_t max, struct buf *out, size_t *used)
{
	size_t i = 0;
	for (;;) {
		const char *crlf = memmem(p + i, n - i, "\r\n", 2);
		if (!crlf)
			return n - i > 32 ? -1 : 0;
		size_t sz = 0;
		const char *q = p + i;
		int digits = 0;
		for (; q < crlf && *q != ';'; q++, digits++) {
			int v = (*q >= '0' && *q <= '9') ? *q - '0' : (*q >= 'a' && *q <= 'f') ? *q - 'a' + 10
				: (*q >= 'A' && *q <= 'F') ? *q - 'A' + 10 : -1;
			if (v < 0 || digits >= 8)
				return -1;
			sz = sz * 16 + (size_t)v;
		}
		if (!digits)
			return -1;
		i = (size_t)(crlf - p) + 2;
		if (sz == 0) {
			/* Trailers (ignored) end with an empty line. */
			for (;;) {
				const char *e = memmem(p + i, n - i, "\r\n", 2);
				if (!e)
					return 0;
				size_t ll = (size_t)(e - (p + i));
				i = (size_t)(e - p) + 2;
				if (!ll) {
					*used = i;
					return 1;
				}
			}
		}
		if (out->len + sz > max)
			return -2;
		if (n - i < sz + 2)
			return 0;
		if (p[i + sz] != '\r' || p[i + sz + 1] != '\n')
			return -1;
		buf_add(out, p + i, sz);
		i += sz + 2;
	}
}

/* Splits /2018-06-01/runtime/invocation/{id}/{what}. */
static bool invocation_path(const char *path, char *id, size_t idlen, const char **what)
{
	const char *p = path + strlen(PREFIX "invocation/");
	const char *slash = strchr(p, '/');
	if (!slash || slash == p || (size_t)(slash - p) >= idlen)
		return false;
	memcpy(id, p, (size_t)(slash - p));
	id[slash - p] = 0;
	*what = slash + 1;
	return true;
}

static void dispatch(struct rapi_conn *c, const struct http_request *req, const char *body, size_t blen,
		     const struct rapi_handler *h, void *env)
{
	const char *path = req->path;
	const char *etype = http_header(req, "lambda-runtime-function-error-type");
	if (!strcmp(path, PREFIX "invocation/next")) {
		if (strcmp(req->method, "GET"))
			return rapi_reply_error(c, 405, "MethodNotAllowed", "Use GET for /runtime/invocation/next");
		c->parked = true;
		h->next(env, c);
		return;
	}
	if (!strcmp(path, PREFIX "nuage/assign") && h->assign) {
		if (strcmp(req->method, "GET"))
			return rapi_reply_error(c, 405, "MethodNotAllowed", "Use GET for /runtime/nuage/assign");
		c->parked = true;
		h->assign(env, c);
		return;
	}
	if (!strcmp(path, PREFIX "init/error")) {
		if (strcmp(req->method, "POST"))
			return rapi_reply_error(c, 405, "MethodNotAllowed", "Use POST for /runtime/init/error");
		h->init_error(env, c, body, blen, etype);
		return;
	}
	char id[128];
	const char *what;
	if (!strncmp(path, PREFIX "invocation/", strlen(PREFIX "invocation/")) && invocation_path(path, id, sizeof id, &what)) {
		if (strcmp(req->method, "POST"))
			return rapi_reply_error(c, 405, "MethodNotAllowed", "Use POST to report an invocation's outcome");
		if (!strcmp(what, "response"))
			return h->response(env, c, id, body, blen);
		if (!strcmp(what, "error"))
			return h->error(env, c, id, body, blen, etype);
	}
	rapi_reply_error(c, 404, "UnknownResource", "nuage serves the Runtime API only (2018-06-01/runtime)");
}

/* Parses and dispatches at most one complete request. 1 dispatched (call
 * again), 0 need more bytes, -1 close. */
static int one_request(struct rapi_conn *c, const struct rapi_handler *h, void *env)
{
	if (c->skip) {
		size_t k = c->skip < c->len ? c->skip : c->len;
		memmove(c->in, c->in + k, c->len - k);
		c->len -= k;
		c->skip -= k;
		return c->skip ? 0 : 1;
	}
	const char *end = c->len >= 4 ? memmem(c->in, c->len, "\r\n\r\n", 4) : NULL;
	if (!end) {
		if (c->len > HTTP_MAX_HEAD) {
			c->close_after = true;
			rapi_reply_error(c, 400, "InvalidRequest", "Request head too large");
			return -1;
		}
		return 0;
	}
	size_t hlen = (size_t)(end - c->in) + 4;
	/* Parse a copy: the parser writes into its buffer, and the original must
	 * stay intact until the body has arrived. */
	char *head = xmalloc(hlen + 1);
	memcpy(head, c->in, hlen);
	head[hlen] = 0;
	struct http_request req;
	int rc = -1;
	struct buf body;
	buf_init(&body, LAMBDA_MAX_RESPONSE);
	if (http_parse_head(head, hlen, &req) <= 0) {
		c->close_after = true;
		rapi_reply_error(c, 400, "InvalidRequest", "Malformed HTTP request");
		goto out;
	}
	bool is_response = !strncmp(req.path, PREFIX "invocation/", strlen(PREFIX "invocation/")) &&
			   strlen(req.path) > 9 && !strcmp(req.path + strlen(req.path) - 9, "/response");
	size_t max = is_response ? LAMBDA_MAX_RESPONSE : MAX_ERROR_BODY;
	size_t total;
	if (req.chunked) {
		size_t used = 0;
		int d = dechunk(c->in + hlen, c->len - hlen, max, &body, &used);
		if (d == 0) {
			rc = 0;
			goto out;
		}
		if (d < 0) {
			c->close_after = true;
			char id[128];
			const char *what;
			if (d == -2 && is_response && invocation_path(req.path, id, sizeof id, &what)) {
				h->too_large(env, c, id);
			} else if (d == -2) {
				rapi_reply_error(c, 413, "RequestEntityTooLarge", "Payload too large");
			} else {
				rapi_reply_error(c, 400, "InvalidRequest", "Malformed chunked body");
			}
			goto out;
		}
		total = hlen + used;
	} else {
		int64_t cl = req.content_length < 0 ? 0 : req.content_length;
		if ((uint64_t)cl > max) {
			char id[128];
			const char *what;
			if (is_response && invocation_path(req.path, id, sizeof id, &what))
				h->too_large(env, c, id);
			else
				rapi_reply_error(c, 413, "RequestEntityTooLarge", "Payload too large");
			/* Discard the body as it arrives, then carry on. */
			c->skip = (size_t)cl;
			memmove(c->in, c->in + hlen, c->len - hlen);
			c->len -= hlen;
			rc = 1;
			goto out;
		}
		if (c->len - hlen < (size_t)cl) {
			if (hlen + (size_t)cl > c->cap) {
				c->cap = hlen + (size_t)cl;
				c->in = xrealloc(c->in, c->cap);
			}
			rc = 0;
			goto out;
		}
		buf_add(&body, c->in + hlen, (size_t)cl);
		total = hlen + (size_t)cl;
	}
	if (!req.keep_alive)
		c->close_after = true;
	dispatch(c, &req, body.data ? body.data : "", body.len, h, env);
	memmove(c->in, c->in + total, c->len - total);
	c->len -= total;
	rc = 1;
out:
	free(head);
	buf_free(&body);
	return rc;
}

int rapi_conn_io(struct rapi_conn *c, short revents, const struct rapi_handler *h, void *env)
{
	if (revents & POLLOUT)
		rapi_conn_flush(c);
	if (revents & (POLLIN | POLLHUP | POLLERR)) {
		for (int round = 0; round < 64 && !c->eof; round++) {
			if (c->len == c->cap) {
				if (c->cap >= (size_t)HTTP_MAX_HEAD + LAMBDA_MAX_RESPONSE + 65536)
					break;
				c->cap *= 2;
				c->in = xrealloc(c->in, c->cap);
			}
			ssize_t n = recv(c->fd, c->in + c->len, c->cap - c->len, 0);
			if (n > 0) {
				c->len += (size_t)n;
				continue;
			}
			if (n == 0)
				c->eof = true;
			else if (errno == EINTR)
				continue;
			else if (errno != EAGAIN && errno != EWOULDBLOCK)
				c->eof = true;
			break;
		}
	}
	/* One request at a time: a parked /next answers before the next one. */
	while (!c->parked && !c->close_after) {
		int r = one_request(c, h, env);
		if (r == 0 && c->len == c->cap && c->cap >= (size_t)HTTP_MAX_HEAD + LAMBDA_MAX_RESPONSE + 65536) {
			/* Framing overhead (tiny chunks) filled the largest buffer we allow. */
			c->close_after = true;
			rapi_reply_error(c, 413, "RequestEntityTooLarge", "Payload too large");
		}
		if (r <= 0)
			break;
	}
	if (c->out.len)
		return 0;
	/* A parked /next is answered later, even on a "Connection: close"
	 * request; a peer that went away is closed either way. */
	if (c->eof)
		return -1;
	return c->close_after && !c->parked ? -1 : 0;
}
