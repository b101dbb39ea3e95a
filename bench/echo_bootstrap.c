/* echo_bootstrap.c — a `provided` runtime in C: the Lambda Runtime API over
 * one keep-alive connection, answering every event with the event itself.
 * Used by bench/functions.sh (warm-invoke latency of a compiled runtime)
 * and by the integration tests. Build: cc -O2 -o bootstrap echo_bootstrap.c
 */
#define _GNU_SOURCE
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

static char buf[7 << 20];
static size_t have;
static int fd = -1;

static int dial(const char *api)
{
	char host[256], *port;
	snprintf(host, sizeof host, "%s", api);
	port = strrchr(host, ':');
	if (!port)
		return -1;
	*port++ = 0;
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *ai;
	if (getaddrinfo(host, port, &hints, &ai))
		return -1;
	int s = socket(ai->ai_family, SOCK_STREAM, 0);
	int one = 1;
	setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	if (connect(s, ai->ai_addr, ai->ai_addrlen)) {
		close(s);
		s = -1;
	}
	freeaddrinfo(ai);
	return s;
}

static int send_all(const char *p, size_t n)
{
	while (n) {
		ssize_t k = send(fd, p, n, 0);
		if (k <= 0)
			return -1;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

/* Reads one response; returns the body's offset in buf and its length. */
static int read_response(size_t *body, size_t *len, char *rid, size_t ridlen)
{
	char *end;
	while (!(end = memmem(buf, have, "\r\n\r\n", 4))) {
		ssize_t k = recv(fd, buf + have, sizeof buf - have, 0);
		if (k <= 0)
			return -1;
		have += (size_t)k;
	}
	size_t hlen = (size_t)(end - buf) + 4, cl = 0;
	rid[0] = 0;
	for (char *line = buf; line < end;) {
		char *eol = memmem(line, (size_t)(end - line) + 2, "\r\n", 2);
		if (!strncasecmp(line, "Content-Length:", 15))
			cl = strtoul(line + 15, NULL, 10);
		if (!strncasecmp(line, "Lambda-Runtime-Aws-Request-Id:", 30)) {
			char *v = line + 30;
			while (*v == ' ')
				v++;
			snprintf(rid, ridlen, "%.*s", (int)(eol - v), v);
		}
		line = eol + 2;
	}
	while (have < hlen + cl) {
		ssize_t k = recv(fd, buf + have, sizeof buf - have, 0);
		if (k <= 0)
			return -1;
		have += (size_t)k;
	}
	*body = hlen;
	*len = cl;
	return 0;
}

static void consume(size_t n)
{
	memmove(buf, buf + n, have - n);
	have -= n;
}

int main(void)
{
	const char *api = getenv("AWS_LAMBDA_RUNTIME_API");
	if (!api || (fd = dial(api)) < 0)
		return 1;
	static char event[7 << 20];
	for (;;) {
		char req[512], rid[128];
		int n = snprintf(req, sizeof req, "GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: %s\r\n\r\n", api);
		size_t body, len;
		if (send_all(req, (size_t)n) || read_response(&body, &len, rid, sizeof rid))
			return 1;
		memcpy(event, buf + body, len);
		consume(body + len);
		n = snprintf(req, sizeof req,
			     "POST /2018-06-01/runtime/invocation/%s/response HTTP/1.1\r\nHost: %s\r\nContent-Length: %zu\r\n\r\n",
			     rid, api, len);
		if (send_all(req, (size_t)n) || send_all(event, len) || read_response(&body, &len, rid, sizeof rid))
			return 1;
		consume(body + len);
	}
}
