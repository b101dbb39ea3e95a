/* The Runtime API connection: requests parsed only when complete,
 * pipelined requests in order, chunked bodies decoded, oversized
 * responses refused without losing the connection, /next parked. */
#include "unit.h"
#include "core/buf.h"
#include "svc/lambda/exec.h"
#include "svc/lambda/rapi.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

struct seen {
	struct buf log;
	struct rapi_conn *parked;
};

static void on_next(void *env, struct rapi_conn *c)
{
	struct seen *s = env;
	buf_adds(&s->log, "next|");
	s->parked = c;
}

static void on_response(void *env, struct rapi_conn *c, const char *id, const char *body, size_t len)
{
	struct seen *s = env;
	buf_addf(&s->log, "response %s %zu %.*s|", id, len, (int)(len > 20 ? 20 : len), body);
	rapi_reply_accepted(c);
}

static void on_error(void *env, struct rapi_conn *c, const char *id, const char *body, size_t len, const char *type)
{
	struct seen *s = env;
	buf_addf(&s->log, "error %s %s %.*s|", id, type ? type : "-", (int)len, body);
	rapi_reply_accepted(c);
}

static void on_init_error(void *env, struct rapi_conn *c, const char *body, size_t len, const char *type)
{
	struct seen *s = env;
	(void)type;
	buf_addf(&s->log, "init %.*s|", (int)len, body);
	rapi_reply_accepted(c);
}

static void on_too_large(void *env, struct rapi_conn *c, const char *id)
{
	struct seen *s = env;
	buf_addf(&s->log, "too large %s|", id);
	rapi_reply_error(c, 413, "RequestEntityTooLarge", "too large");
}

static void on_assign(void *env, struct rapi_conn *c)
{
	struct seen *s = env;
	buf_adds(&s->log, "assign|");
	s->parked = c;
}

static const struct rapi_handler h = {on_next, on_response, on_error, on_init_error, on_too_large, on_assign};

static int pair(int sv[2])
{
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		return -1;
	fcntl(sv[0], F_SETFL, O_NONBLOCK);
	return 0;
}

static void feed(int fd, const char *s)
{
	size_t n = strlen(s);
	while (n) {
		ssize_t k = write(fd, s, n);
		if (k <= 0)
			return;
		s += k;
		n -= (size_t)k;
	}
}

static void drain(int fd, struct buf *out)
{
	char tmp[65536];
	fcntl(fd, F_SETFL, O_NONBLOCK);
	ssize_t n;
	while ((n = read(fd, tmp, sizeof tmp)) > 0)
		buf_add(out, tmp, (size_t)n);
}

TEST(rapi_pipelined_chunked_and_parked)
{
	int sv[2];
	CHECK(pair(sv) == 0);
	struct rapi_conn *c = rapi_conn_new(sv[0]);
	struct seen s = {.parked = NULL};
	buf_init(&s.log, 1 << 16);
	/* Half a request: nothing happens yet. */
	feed(sv[1], "POST /2018-06-01/runtime/invocation/abc/response HTTP/1.1\r\nHost: x\r\nContent-Le");
	CHECK(rapi_conn_io(c, POLLIN, &h, &s) == 0);
	CHECK_STR(buf_str(&s.log), "");
	feed(sv[1], "ngth: 5\r\n\r\nhelloPOST /2018-06-01/runtime/invocation/abc/error HTTP/1.1\r\nHost: x\r\n"
		    "Transfer-Encoding: chunked\r\nLambda-Runtime-Function-Error-Type: Boom\r\n\r\n"
		    "3\r\n{\"a\r\n4\r\n\":1}\r\n0\r\n\r\nGET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: x\r\n\r\n");
	CHECK(rapi_conn_io(c, POLLIN, &h, &s) == 0);
	CHECK_STR(buf_str(&s.log), "response abc 5 hello|error abc Boom {\"a\":1}|next|");
	CHECK(s.parked == c);
	struct buf out;
	buf_init(&out, 1 << 16);
	drain(sv[1], &out);
	CHECK(strstr(buf_str(&out), "HTTP/1.1 202 Accepted") != NULL);
	/* The parked /next is answered later. */
	rapi_reply(c, 200, "Lambda-Runtime-Aws-Request-Id: r2\r\n", "{\"e\":1}", 7);
	buf_reset(&out);
	drain(sv[1], &out);
	CHECK(strstr(buf_str(&out), "Lambda-Runtime-Aws-Request-Id: r2") != NULL);
	CHECK(strstr(buf_str(&out), "\r\n\r\n{\"e\":1}") != NULL);
	rapi_conn_free(c);
	close(sv[1]);
	buf_free(&out);
	buf_free(&s.log);
}

TEST(rapi_oversized_response_and_errors)
{
	int sv[2];
	CHECK(pair(sv) == 0);
	struct rapi_conn *c = rapi_conn_new(sv[0]);
	struct seen s = {.parked = NULL};
	buf_init(&s.log, 1 << 16);
	char head[256];
	snprintf(head, sizeof head,
		 "POST /2018-06-01/runtime/invocation/big/response HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n",
		 LAMBDA_MAX_RESPONSE + 1);
	feed(sv[1], head);
	CHECK(rapi_conn_io(c, POLLIN, &h, &s) == 0);
	CHECK_STR(buf_str(&s.log), "too large big|");
	/* The body is discarded as it comes; the next request still works. */
	fcntl(sv[1], F_SETFL, O_NONBLOCK);
	static char chunk[65536];
	memset(chunk, 'x', sizeof chunk);
	size_t left = (size_t)LAMBDA_MAX_RESPONSE + 1;
	struct buf out;
	buf_init(&out, 1 << 20);
	while (left) {
		ssize_t k = write(sv[1], chunk, left < sizeof chunk ? left : sizeof chunk);
		if (k > 0)
			left -= (size_t)k;
		CHECK(rapi_conn_io(c, POLLIN, &h, &s) == 0);
		drain(sv[1], &out);
	}
	feed(sv[1], "POST /2018-06-01/runtime/init/error HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}"
		    "GET /nope HTTP/1.1\r\nHost: x\r\n\r\nGET /2018-06-01/runtime/nuage/assign HTTP/1.1\r\nHost: x\r\n\r\n");
	CHECK(rapi_conn_io(c, POLLIN, &h, &s) == 0);
	CHECK_STR(buf_str(&s.log), "too large big|init {}|assign|");
	drain(sv[1], &out);
	CHECK(strstr(buf_str(&out), "413 Request Entity Too Large") != NULL);
	CHECK(strstr(buf_str(&out), "404 Not Found") != NULL);
	/* The parked assign holds the connection until it is answered. */
	feed(sv[1], "NOT HTTP AT ALL\r\n\r\n");
	CHECK(rapi_conn_io(c, POLLIN, &h, &s) == 0);
	rapi_reply(c, 200, NULL, "{}", 2);
	/* Then the garbage closes the connection with a 400. */
	CHECK(rapi_conn_io(c, POLLIN, &h, &s) == -1);
	rapi_conn_free(c);
	close(sv[1]);
	buf_free(&out);
	buf_free(&s.log);
}
