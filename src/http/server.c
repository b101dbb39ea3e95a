/* server.c — HTTP/1.1 connections.
 *
 * Why a thread per connection and not libmicrohttpd or an epoll loop:
 * handlers pull request bodies (an S3 PUT streams to disk as it is read, and
 * "100 Continue" is sent only when a handler first reads, so a rejected PUT
 * never transfers its body), SQS long polls simply block, and GET bodies go
 * out with sendfile. With keep-alive, a connection's thread is created once
 * and serves every request on it; loopback clients (SDKs, wrk -c16) hold few
 * connections. bench/RESULTS.md has the measurements behind this choice.
 *
 * Connection states (one thread each):
 *   IDLE  --head arrives-->  BUSY  --response sent, keep-alive-->  IDLE
 *   IDLE/BUSY --EOF, error, timeout, Connection: close, stop--> CLOSED
 * Invariants:
 *  1. Only the connection's own thread reads or writes its socket; the stop
 *     path may shutdown() an IDLE connection's socket to wake its read.
 *  2. buf[pos, len) holds bytes received but not yet consumed; after a
 *     request, leftover bytes (a pipelined request) move to the front.
 *  3. nconns counts live connection threads; server_stop() waits for 0.
 */
#include "http/server.h"
#include "store/blob.h"
#include "config.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/mem.h"
#include "formats/num.h"
#include "http/conn.h"
#include "http/dispatch.h"
#include "http/request.h"
#include "http/response.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#define CONN_BUF (HTTP_MAX_HEAD + 16384)
#define THREAD_STACK (512 * 1024)

struct conn {
	int fd;
	char *buf;
	size_t len, pos;
	bool expect_continue, continue_sent, close_after;
	atomic_bool busy;
	int64_t in_bytes, out_bytes;
	char peer[64];
	struct conn *prev, *next;
};

static struct {
	const struct config *cfg;
	int lfd;
	int port;
	pthread_t acceptor;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int nconns;
	struct conn *conns;
	atomic_bool stopping;
} srv = {.lfd = -1, .mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};

bool conn_stopping(void)
{
	return atomic_load(&srv.stopping);
}

int64_t conn_bytes_in(const struct conn *c) { return c->in_bytes; }
int64_t conn_bytes_out(const struct conn *c) { return c->out_bytes; }
const char *conn_peer(const struct conn *c) { return c->peer; }
void conn_close_after(struct conn *c) { c->close_after = true; }

static ssize_t sock_read(struct conn *c, void *buf, size_t n)
{
	for (;;) {
		ssize_t r = recv(c->fd, buf, n, 0);
		if (r >= 0) {
			c->in_bytes += r;
			return r;
		}
		if (errno == EINTR)
			continue;
		return -1; /* EAGAIN here means SO_RCVTIMEO expired */
	}
}

static int sock_write_all(struct conn *c, const void *p, size_t n)
{
	const char *s = p;
	while (n) {
		ssize_t w = send(c->fd, s, n, MSG_NOSIGNAL);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		s += w;
		n -= (size_t)w;
		c->out_bytes += w;
	}
	return 0;
}

ssize_t conn_read_body(struct conn *c, void *buf, size_t n)
{
	if (c->pos < c->len) {
		size_t k = c->len - c->pos;
		if (k > n)
			k = n;
		memcpy(buf, c->buf + c->pos, k);
		c->pos += k;
		return (ssize_t)k;
	}
	if (c->expect_continue && !c->continue_sent) {
		c->continue_sent = true;
		static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
		if (sock_write_all(c, cont, sizeof cont - 1))
			return -1;
	}
	return sock_read(c, buf, n);
}

bool conn_body_withheld(const struct conn *c)
{
	return c->expect_continue && !c->continue_sent && c->pos == c->len;
}

int64_t conn_discard(struct conn *c, int64_t n)
{
	char tmp[16384];
	int64_t done = 0;
	while (done < n) {
		size_t want = n - done > (int64_t)sizeof tmp ? sizeof tmp : (size_t)(n - done);
		ssize_t r = conn_read_body(c, tmp, want);
		if (r <= 0)
			return -1;
		done += r;
	}
	return done;
}

static char *mem_put(char *p, const char *s, size_t n)
{
	memcpy(p, s, n);
	return p + n;
}

int conn_send(struct conn *c, struct http_response *r)
{
	char date[32];
	time_fmt_rfc1123(clock_wall_ms(), date);
	const char *mem = r->mem ? r->mem : r->body.data;
	size_t memlen = r->mem ? r->memlen : r->body.len;
	int64_t body_len = r->fd >= 0 ? r->len : (int64_t)memlen;
	int64_t cl = r->content_length >= 0 ? r->content_length : body_len;
	if (r->close || c->close_after || conn_stopping())
		c->close_after = true;
	/* Assembled by hand: snprintf cost more than the rest of this function. */
	char head[512], *h = head;
	const char *reason = http_status_text(r->status); /* ours: a short literal */
	h = mem_put(h, "HTTP/1.1 ", 9);
	h += num_fmt_i64(r->status, h);
	*h++ = ' ';
	h = mem_put(h, reason, strlen(reason));
	h = mem_put(h, "\r\nDate: ", 8);
	h = mem_put(h, date, strlen(date));
	h = mem_put(h, "\r\nServer: nuage\r\n", 17);
	size_t hl = (size_t)(h - head);
	char tail[128], *t = tail;
	if (r->status != 204 && r->status != 304 && !(r->status >= 100 && r->status < 200)) {
		t = mem_put(t, "Content-Length: ", 16);
		t += num_fmt_i64(cl, t);
		t = mem_put(t, "\r\n", 2);
	}
	if (c->close_after)
		t = mem_put(t, "Connection: close\r\n", 19);
	t = mem_put(t, "\r\n", 2);
	size_t tl = (size_t)(t - tail);
	bool send_body = !r->no_body && r->status != 204 && r->status != 304;
	struct iovec iov[4] = {
		{head, hl},
		{r->headers.data ? r->headers.data : (char *)"", r->headers.len},
		{tail, tl},
		{(char *)mem, send_body && r->fd < 0 ? memlen : 0},
	};
	int iovcnt = 4, idx = 0;
	while (idx < iovcnt) {
		ssize_t w = writev(c->fd, iov + idx, iovcnt - idx);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		c->out_bytes += w;
		while (idx < iovcnt && (size_t)w >= iov[idx].iov_len) {
			w -= (ssize_t)iov[idx].iov_len;
			idx++;
		}
		if (idx < iovcnt) {
			iov[idx].iov_base = (char *)iov[idx].iov_base + w;
			iov[idx].iov_len -= (size_t)w;
		}
	}
	if (send_body && r->fd >= 0) {
		off_t off = r->off;
		int64_t left = r->len;
		while (left > 0) {
			ssize_t w = sendfile(c->fd, r->fd, &off, left > (1 << 30) ? (1 << 30) : (size_t)left);
			if (w < 0) {
				if (errno == EINTR)
					continue;
				return -1;
			}
			if (w == 0)
				return -1; /* file shrank: cannot honour Content-Length */
			left -= w;
			c->out_bytes += w;
		}
	}
	return 0;
}

/* Answers a request whose head could not be parsed, then closes. */
static void reject_head(struct conn *c, int why)
{
	enum err_id id = why == HTTP_PARSE_TOO_LARGE || why == HTTP_PARSE_TOO_MANY ? ERR_HEADERS_TOO_LARGE
			 : why == HTTP_PARSE_UNSUPPORTED                               ? ERR_NOT_IMPLEMENTED
										       : ERR_BAD_REQUEST_S3;
	struct http_response r;
	http_response_init(&r);
	dispatch_render_framing_error(&r, c->buf, c->len, id);
	r.close = true;
	conn_send(c, &r);
	http_response_free(&r);
}

static void conn_register(struct conn *c)
{
	pthread_mutex_lock(&srv.mu);
	c->next = srv.conns;
	if (srv.conns)
		srv.conns->prev = c;
	srv.conns = c;
	pthread_mutex_unlock(&srv.mu);
}

/* Closes the socket under the lock so server_stop() never shuts down a
 * descriptor number that was already closed and reused. */
static void conn_unregister(struct conn *c)
{
	pthread_mutex_lock(&srv.mu);
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	if (c->prev)
		c->prev->next = c->next;
	else
		srv.conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	srv.nconns--;
	pthread_cond_broadcast(&srv.cv);
	pthread_mutex_unlock(&srv.mu);
}

static void *conn_main(void *arg)
{
	struct conn *c = arg;
	struct http_request *req = xmalloc(sizeof *req);
	while (!conn_stopping()) {
		/* Read until a whole head is buffered. */
		int hl;
		for (;;) {
			hl = c->len > c->pos ? http_parse_head(c->buf + c->pos, c->len - c->pos, req) : 0;
			if (hl != HTTP_PARSE_INCOMPLETE)
				break;
			if (c->pos > 0) {
				memmove(c->buf, c->buf + c->pos, c->len - c->pos);
				c->len -= c->pos;
				c->pos = 0;
			}
			if (c->len >= CONN_BUF - 1) {
				hl = HTTP_PARSE_TOO_LARGE;
				break;
			}
			ssize_t r = sock_read(c, c->buf + c->len, CONN_BUF - 1 - c->len);
			if (r <= 0)
				goto done;
			c->len += (size_t)r;
		}
		atomic_store(&c->busy, true);
		int64_t t0 = clock_mono_us();
		if (hl < 0) {
			reject_head(c, hl);
			goto done;
		}
		c->pos += (size_t)hl;
		c->expect_continue = req->expect_continue;
		c->continue_sent = false;
		c->close_after = !req->keep_alive;
		c->in_bytes = hl;
		req->peer = c->peer;
		c->out_bytes = 0;
		dispatch_request(c, req, t0);
		atomic_store(&c->busy, false);
		if (c->close_after)
			break;
		/* Keep what a pipelining client already sent. */
		if (c->pos < c->len) {
			memmove(c->buf, c->buf + c->pos, c->len - c->pos);
			c->len -= c->pos;
		} else {
			c->len = 0;
		}
		c->pos = 0;
	}
done:
	free(req);
	blob_thread_done();
	conn_unregister(c);
	free(c->buf);
	free(c);
	return NULL;
}

static void overloaded(int fd)
{
	static const char resp[] = "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/xml\r\n"
				   "Content-Length: 113\r\nConnection: close\r\n\r\n"
				   "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>SlowDown</Code>"
				   "<Message>Please reduce your request rate.</Message></Error>";
	ssize_t w = send(fd, resp, sizeof resp - 1, MSG_NOSIGNAL);
	(void)w;
	close(fd);
}

static void *acceptor_main(void *arg)
{
	(void)arg;
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, THREAD_STACK);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	while (!conn_stopping()) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof ss;
		int fd = accept4(srv.lfd, (struct sockaddr *)&ss, &sl, SOCK_CLOEXEC);
		if (fd < 0) {
			if (conn_stopping())
				break;
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EMFILE || errno == ENFILE) {
				log_warn("accept: %s; pausing", strerror(errno));
				usleep(100000);
				continue;
			}
			if (errno == EINVAL || errno == EBADF)
				break;
			continue;
		}
		pthread_mutex_lock(&srv.mu);
		bool full = srv.nconns >= srv.cfg->max_connections;
		if (!full)
			srv.nconns++;
		pthread_mutex_unlock(&srv.mu);
		if (full) {
			overloaded(fd);
			continue;
		}
		int one = 1;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		struct timeval tv = {srv.cfg->idle_timeout_s, 0};
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
		struct conn *c = xcalloc(1, sizeof *c);
		c->fd = fd;
		c->buf = xmalloc(CONN_BUF);
		getnameinfo((struct sockaddr *)&ss, sl, c->peer, sizeof c->peer, NULL, 0, NI_NUMERICHOST);
		conn_register(c);
		pthread_t t;
		if (pthread_create(&t, &attr, conn_main, c)) {
			log_error("cannot start a connection thread: %s", strerror(errno));
			conn_unregister(c);
			free(c->buf);
			free(c);
		}
	}
	pthread_attr_destroy(&attr);
	return NULL;
}

int server_start(const struct config *cfg)
{
	srv.cfg = cfg;
	atomic_store(&srv.stopping, false);
	struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
	struct addrinfo *ai = NULL;
	char port[16];
	snprintf(port, sizeof port, "%d", cfg->port);
	const char *host = cfg->host;
	char h6[64];
	if (host[0] == '[') { /* [::1] */
		snprintf(h6, sizeof h6, "%.*s", (int)strcspn(host + 1, "]"), host + 1);
		host = h6;
	}
	int rc = getaddrinfo(host, port, &hints, &ai);
	if (rc) {
		log_error("cannot resolve listen address %s: %s", cfg->host, gai_strerror(rc));
		return -1;
	}
	int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int one = 1;
	if (fd >= 0)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (fd < 0 || bind(fd, ai->ai_addr, ai->ai_addrlen) || listen(fd, 1024)) {
		log_error("cannot listen on %s:%d: %s", cfg->host, cfg->port, strerror(errno));
		if (fd >= 0)
			close(fd);
		freeaddrinfo(ai);
		return -1;
	}
	freeaddrinfo(ai);
	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss;
	getsockname(fd, (struct sockaddr *)&ss, &sl);
	srv.port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
						   : ((struct sockaddr_in *)&ss)->sin_port);
	srv.lfd = fd;
	if (pthread_create(&srv.acceptor, NULL, acceptor_main, NULL)) {
		close(fd);
		srv.lfd = -1;
		return -1;
	}
	return 0;
}

int server_port(void)
{
	return srv.port;
}

void server_stop(int grace_ms)
{
	if (srv.lfd < 0)
		return;
	atomic_store(&srv.stopping, true);
	shutdown(srv.lfd, SHUT_RDWR);
	pthread_join(srv.acceptor, NULL);
	close(srv.lfd);
	srv.lfd = -1;
	int64_t deadline = clock_mono_us() + (int64_t)grace_ms * 1000;
	pthread_mutex_lock(&srv.mu);
	while (srv.nconns > 0) {
		/* Wake idle connections; busy ones finish their request first. */
		bool late = clock_mono_us() > deadline;
		for (struct conn *c = srv.conns; c; c = c->next)
			if (late || !atomic_load(&c->busy))
				shutdown(c->fd, SHUT_RDWR);
		struct timespec ts;
		clock_deadline(CLOCK_REALTIME, 50000, &ts);
		pthread_cond_timedwait(&srv.cv, &srv.mu, &ts);
	}
	pthread_mutex_unlock(&srv.mu);
}
