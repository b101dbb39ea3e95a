/* Fuzzes the Lambda Runtime API server side (runtime_api.c): whatever a
 * function's runtime sends over its connection — heads, Content-Length and
 * chunked bodies, pipelined requests — must be parsed within bounds and
 * answered, never crash or hang. */
#include "svc/lambda/rapi.h"

#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static void on_next(void *env, struct rapi_conn *c)
{
	(void)env;
	rapi_reply(c, 200, "Lambda-Runtime-Aws-Request-Id: r1\r\n", "{}", 2);
}

static void on_response(void *env, struct rapi_conn *c, const char *id, const char *body, size_t len)
{
	(void)env;
	(void)body;
	(void)len;
	if (!strcmp(id, "r1"))
		rapi_reply_accepted(c);
	else
		rapi_reply_error(c, 400, "InvalidRequestID", "Invalid request ID");
}

static void on_error(void *env, struct rapi_conn *c, const char *id, const char *body, size_t len, const char *type)
{
	(void)env;
	(void)id;
	(void)body;
	(void)len;
	(void)type;
	rapi_reply_accepted(c);
}

static void on_init_error(void *env, struct rapi_conn *c, const char *body, size_t len, const char *type)
{
	(void)env;
	(void)body;
	(void)len;
	(void)type;
	rapi_reply_accepted(c);
}

static void on_too_large(void *env, struct rapi_conn *c, const char *id)
{
	(void)env;
	(void)id;
	rapi_reply_error(c, 413, "RequestEntityTooLarge", "too large");
}

static void on_assign(void *env, struct rapi_conn *c)
{
	(void)env;
	rapi_reply(c, 200, NULL, "{\"env\":{}}", 9);
}

static const struct rapi_handler h = {on_next, on_response, on_error, on_init_error, on_too_large, on_assign};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 65536)
		return 0;
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		return 0;
	int big = 1 << 20;
	setsockopt(sv[1], SOL_SOCKET, SO_SNDBUF, &big, sizeof big);
	setsockopt(sv[0], SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
	fcntl(sv[0], F_SETFL, O_NONBLOCK);
	fcntl(sv[1], F_SETFL, O_NONBLOCK);
	if (write(sv[1], data, size) != (ssize_t)size) {
		close(sv[0]);
		close(sv[1]);
		return 0;
	}
	shutdown(sv[1], SHUT_WR);
	struct rapi_conn *c = rapi_conn_new(sv[0]);
	char sink[65536];
	for (int round = 0; round < 64; round++) {
		if (rapi_conn_io(c, POLLIN | POLLOUT, &h, NULL) < 0)
			break;
		while (read(sv[1], sink, sizeof sink) > 0)
			;
	}
	rapi_conn_free(c);
	close(sv[1]);
	return 0;
}
