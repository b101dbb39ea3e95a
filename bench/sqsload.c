/* sqsload.c — the SQS load generator bench/messaging.sh runs against nuage
 * and moto_server alike: N connections (one thread each, keep-alive), each
 * looping SendMessageBatch (10 messages) -> ReceiveMessage (up to 10) ->
 * DeleteMessageBatch (what it received), over the JSON 1.0 protocol, signed
 * with SigV4 (nuage's own signer: nuage checks signatures, moto does not).
 *
 *   sqsload HOST PORT QUEUE_URL SECONDS CONNECTIONS BODY_BYTES
 *
 * Prints one line: "sent N received N deleted N seconds S errors E".
 * A message counts once it has been deleted: the whole cycle is measured.
 * Not part of nuage: built by bench/messaging.sh from build/rel objects.
 */
#include "core/buf.h"
#include "core/clock.h"
#include "core/hash.h"
#include "http/request.h"
#include "http/sigv4.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static const char *host;
static int port;
static const char *queue_url;
static char *body;
static volatile int running = 1;
static atomic_long n_sent, n_recv, n_del, n_err;

struct client {
	int fd;
	char rbuf[1 << 20];
	size_t rlen;
	char *resp;    /* body of the last response (inside rbuf) */
	size_t resp_len;
	int status;
	int close_after;  /* the server said Connection: close (moto does) */
};

static int connect_to(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	inet_pton(AF_INET, host, &a.sin_addr);
	if (connect(fd, (struct sockaddr *)&a, sizeof a)) {
		close(fd);
		return -1;
	}
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	return fd;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Reads one response (Content-Length framed). */
static int read_response(struct client *c)
{
	c->rlen = 0;
	for (;;) {
		char *end = c->rlen ? memmem(c->rbuf, c->rlen, "\r\n\r\n", 4) : NULL;
		if (end) {
			size_t head = (size_t)(end - c->rbuf) + 4;
			char *cl = memmem(c->rbuf, head, "Content-Length:", 15);
			if (!cl)
				cl = memmem(c->rbuf, head, "content-length:", 15);
			size_t len = cl ? strtoul(cl + 15, NULL, 10) : 0;
			if (head + len > sizeof c->rbuf - 1)
				return -1;
			while (c->rlen < head + len) {
				ssize_t r = read(c->fd, c->rbuf + c->rlen, sizeof c->rbuf - 1 - c->rlen);
				if (r <= 0)
					return -1;
				c->rlen += (size_t)r;
			}
			c->status = atoi(c->rbuf + 9);
			c->close_after = memmem(c->rbuf, head, "Connection: close", 17) != NULL ||
					 memmem(c->rbuf, head, "connection: close", 17) != NULL;
			c->resp = c->rbuf + head;
			c->resp_len = len;
			c->resp[len] = 0;
			return 0;
		}
		if (c->rlen >= sizeof c->rbuf - 1)
			return -1;
		ssize_t r = read(c->fd, c->rbuf + c->rlen, sizeof c->rbuf - 1 - c->rlen);
		if (r <= 0)
			return -1;
		c->rlen += (size_t)r;
	}
}

/* Signs and sends one JSON 1.0 call, reads the answer. */
static int call(struct client *c, const char *op, const char *payload, size_t plen)
{
	char amz[17], target[64], hostport[64], hash[65];
	time_fmt_amz(clock_wall_ms(), amz);
	snprintf(target, sizeof target, "AmazonSQS.%s", op);
	snprintf(hostport, sizeof hostport, "%s:%d", host, port);
	sha256_hex(payload, plen, hash);
	struct http_header h[4] = {
		{"content-type", "application/x-amz-json-1.0", 12, 26},
		{"host", hostport, 4, (uint32_t)strlen(hostport)},
		{"x-amz-date", amz, 10, 16},
		{"x-amz-target", target, 12, (uint32_t)strlen(target)},
	};
	struct sigv4_auth a = {0};
	snprintf(a.access_key, sizeof a.access_key, "test");
	memcpy(a.date, amz, 8);
	snprintf(a.region, sizeof a.region, "us-east-1");
	snprintf(a.service, sizeof a.service, "sqs");
	memcpy(a.amz_date, amz, 17);
	snprintf(a.signed_headers, sizeof a.signed_headers, "content-type;host;x-amz-date;x-amz-target");
	struct sigv4_msg m = {.method = "POST", .path = "/", .query = "", .headers = h, .nheaders = 4,
			      .payload_hash = hash, .encode_path = true, .normalize_path = true};
	struct buf creq, sts;
	buf_init(&creq, 1 << 16);
	buf_init(&sts, 1 << 16);
	sigv4_canonical_request(&creq, &m, &a);
	sigv4_string_to_sign(&sts, &a, creq.data, creq.len);
	unsigned char key[SHA256_LEN];
	sigv4_signing_key("test", a.date, a.region, a.service, key);
	char sig[65];
	sigv4_sign(key, sts.data, sts.len, sig);
	buf_free(&creq);
	buf_free(&sts);
	char head[2048];
	int hl = snprintf(head, sizeof head,
			  "POST / HTTP/1.1\r\nHost: %s\r\nContent-Type: application/x-amz-json-1.0\r\nX-Amz-Date: %s\r\n"
			  "X-Amz-Target: %s\r\nContent-Length: %zu\r\nAuthorization: " SIGV4_ALGO
			  " Credential=test/%s/us-east-1/sqs/aws4_request, SignedHeaders=%s, Signature=%s\r\n\r\n",
			  hostport, amz, target, plen, a.date, a.signed_headers, sig);
	if (c->fd < 0)
		c->fd = connect_to();
	int rc = c->fd < 0 || write_all(c->fd, head, (size_t)hl) || write_all(c->fd, payload, plen) || read_response(c);
	if (rc || c->close_after) {
		if (c->fd >= 0)
			close(c->fd);
		c->fd = -1;
	}
	if (rc)
		return -1;
	return c->status == 200 ? 0 : -1;
}

/* Receipt handles of a ReceiveMessage answer (pointers into c->resp). */
static int handles(struct client *c, char **out, int max)
{
	int n = 0;
	char *p = c->resp;
	while (n < max && (p = strstr(p, "\"ReceiptHandle\""))) {
		p = strchr(p + 15, '"');
		if (!p)
			break;
		char *e = strchr(p + 1, '"');
		if (!e)
			break;
		*e = 0;
		out[n++] = p + 1;
		p = e + 1;
	}
	return n;
}

static void *worker(void *arg)
{
	(void)arg;
	struct client *c = calloc(1, sizeof *c);
	c->fd = connect_to();
	struct buf b;
	buf_init(&b, 8 << 20);
	while (running) {
		buf_reset(&b);
		buf_addf(&b, "{\"QueueUrl\":\"%s\",\"Entries\":[", queue_url);
		for (int i = 0; i < 10; i++)
			buf_addf(&b, "%s{\"Id\":\"m%d\",\"MessageBody\":\"%s\"}", i ? "," : "", i, body);
		buf_adds(&b, "]}");
		if (call(c, "SendMessageBatch", b.data, b.len)) {
			atomic_fetch_add(&n_err, 1);
			continue;
		}
		atomic_fetch_add(&n_sent, 10);
		buf_reset(&b);
		buf_addf(&b, "{\"QueueUrl\":\"%s\",\"MaxNumberOfMessages\":10}", queue_url);
		if (call(c, "ReceiveMessage", b.data, b.len)) {
			atomic_fetch_add(&n_err, 1);
			continue;
		}
		char *h[10];
		int n = handles(c, h, 10);
		atomic_fetch_add(&n_recv, n);
		if (!n)
			continue;
		struct buf d;
		buf_init(&d, 1 << 20);
		buf_addf(&d, "{\"QueueUrl\":\"%s\",\"Entries\":[", queue_url);
		for (int i = 0; i < n; i++)
			buf_addf(&d, "%s{\"Id\":\"d%d\",\"ReceiptHandle\":\"%s\"}", i ? "," : "", i, h[i]);
		buf_adds(&d, "]}");
		int rc = call(c, "DeleteMessageBatch", d.data, d.len);
		buf_free(&d);
		if (rc)
			atomic_fetch_add(&n_err, 1);
		else
			atomic_fetch_add(&n_del, n);
	}
	buf_free(&b);
	if (c->fd >= 0)
		close(c->fd);
	free(c);
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc != 7) {
		fprintf(stderr, "usage: sqsload HOST PORT QUEUE_URL SECONDS CONNECTIONS BODY_BYTES\n");
		return 2;
	}
	host = argv[1];
	port = atoi(argv[2]);
	queue_url = argv[3];
	int seconds = atoi(argv[4]), conns = atoi(argv[5]), bytes = atoi(argv[6]);
	if (conns < 1 || conns > 512 || seconds < 1 || bytes < 1 || bytes > 200000)
		return 2;
	signal(SIGPIPE, SIG_IGN);
	body = malloc((size_t)bytes + 1);
	for (int i = 0; i < bytes; i++)
		body[i] = (char)('a' + i % 26);
	body[bytes] = 0;
	pthread_t *t = calloc((size_t)conns, sizeof *t);
	int64_t t0 = clock_mono_us();
	for (int i = 0; i < conns; i++)
		pthread_create(&t[i], NULL, worker, NULL);
	sleep((unsigned)seconds);
	running = 0;
	for (int i = 0; i < conns; i++)
		pthread_join(t[i], NULL);
	double el = (double)(clock_mono_us() - t0) / 1e6;
	printf("sent %ld received %ld deleted %ld seconds %.2f errors %ld\n", atomic_load(&n_sent), atomic_load(&n_recv),
	       atomic_load(&n_del), el, atomic_load(&n_err));
	free(t);
	free(body);
	return 0;
}
