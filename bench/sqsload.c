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
 *
 *   sqsload latency HOST PORT QUEUE_URL BUCKET COUNT
 *
 * S3 PUT -> event visible in SQS: PUTs lat/0, lat/1, ... (100 bytes) one at
 * a time while another connection long-polls the queue the bucket notifies;
 * a sample is the time from starting the PUT to holding its record.
 * Prints "samples N median_us M p99_us P max_us X lost L errors E".
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
#include <time.h>
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

/* Signs (SigV4) and sends one request, reads the answer. target: the
 * X-Amz-Target of a JSON 1.0 call, or NULL (a REST call). */
static int request(struct client *c, const char *method, const char *path, const char *service, const char *target,
		   const char *payload, size_t plen)
{
	char amz[17], hostport[64], hash[65];
	time_fmt_amz(clock_wall_ms(), amz);
	snprintf(hostport, sizeof hostport, "%s:%d", host, port);
	sha256_hex(payload, plen, hash);
	struct http_header h[4];
	int nh = 0;
	if (target)
		h[nh++] = (struct http_header){"content-type", "application/x-amz-json-1.0", 12, 26};
	h[nh++] = (struct http_header){"host", hostport, 4, (uint32_t)strlen(hostport)};
	h[nh++] = target ? (struct http_header){"x-amz-date", amz, 10, 16}
			 : (struct http_header){"x-amz-content-sha256", hash, 20, 64};
	h[nh++] = target ? (struct http_header){"x-amz-target", target, 12, (uint32_t)strlen(target)}
			 : (struct http_header){"x-amz-date", amz, 10, 16};
	struct sigv4_auth a = {0};
	snprintf(a.access_key, sizeof a.access_key, "test");
	memcpy(a.date, amz, 8);
	snprintf(a.region, sizeof a.region, "us-east-1");
	snprintf(a.service, sizeof a.service, "%s", service);
	memcpy(a.amz_date, amz, 17);
	snprintf(a.signed_headers, sizeof a.signed_headers, "%s",
		 target ? "content-type;host;x-amz-date;x-amz-target" : "host;x-amz-content-sha256;x-amz-date");
	struct sigv4_msg m = {.method = method, .path = path, .query = "", .headers = h, .nheaders = nh,
			      .payload_hash = hash, .encode_path = !!target, .normalize_path = !!target};
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
	int hl;
	if (target)
		hl = snprintf(head, sizeof head,
			      "%s %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/x-amz-json-1.0\r\nX-Amz-Date: %s\r\n"
			      "X-Amz-Target: %s\r\nContent-Length: %zu\r\nAuthorization: " SIGV4_ALGO
			      " Credential=test/%s/us-east-1/%s/aws4_request, SignedHeaders=%s, Signature=%s\r\n\r\n",
			      method, path, hostport, amz, target, plen, a.date, service, a.signed_headers, sig);
	else
		hl = snprintf(head, sizeof head,
			      "%s %s HTTP/1.1\r\nHost: %s\r\nX-Amz-Content-SHA256: %s\r\nX-Amz-Date: %s\r\n"
			      "Content-Length: %zu\r\nAuthorization: " SIGV4_ALGO
			      " Credential=test/%s/us-east-1/%s/aws4_request, SignedHeaders=%s, Signature=%s\r\n\r\n",
			      method, path, hostport, hash, amz, plen, a.date, service, a.signed_headers, sig);
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

/* One JSON 1.0 SQS call. */
static int call(struct client *c, const char *op, const char *payload, size_t plen)
{
	char target[64];
	snprintf(target, sizeof target, "AmazonSQS.%s", op);
	return request(c, "POST", "/", "sqs", target, payload, plen);
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

/* ---- latency: S3 PUT -> the event visible to an SQS long poll ---- */

static pthread_mutex_t lmu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t lcv = PTHREAD_COND_INITIALIZER;
static int64_t *sent_at, *lat_us;
static int lat_total, lat_seen;

/* Long-polls the queue; a record for key lat/N completes sample N once its
 * message is deleted (so the next PUT never races a busy consumer). */
static void *lat_consumer(void *arg)
{
	(void)arg;
	struct client *c = calloc(1, sizeof *c);
	c->fd = connect_to();
	struct buf b;
	buf_init(&b, 1 << 20);
	while (running) {
		buf_reset(&b);
		buf_addf(&b, "{\"QueueUrl\":\"%s\",\"MaxNumberOfMessages\":10,\"WaitTimeSeconds\":2}", queue_url);
		if (call(c, "ReceiveMessage", b.data, b.len)) {
			atomic_fetch_add(&n_err, 1);
			continue;
		}
		int64_t now = clock_mono_us();
		int got[10], ng = 0;
		/* the key: lat/N (moto escapes the slash: lat%2FN) */
		for (char *p = c->resp; ng < 10 && (p = strstr(p, "lat")); p += 3)
			if (p[3] == '/' || !strncmp(p + 3, "%2F", 3))
				got[ng++] = atoi(p + (p[3] == '/' ? 4 : 6));
		char *h[10];
		int n = handles(c, h, 10);
		if (n) {
			buf_reset(&b);
			buf_addf(&b, "{\"QueueUrl\":\"%s\",\"Entries\":[", queue_url);
			for (int i = 0; i < n; i++)
				buf_addf(&b, "%s{\"Id\":\"d%d\",\"ReceiptHandle\":\"%s\"}", i ? "," : "", i, h[i]);
			buf_adds(&b, "]}");
			if (call(c, "DeleteMessageBatch", b.data, b.len))
				atomic_fetch_add(&n_err, 1);
		}
		pthread_mutex_lock(&lmu);
		for (int i = 0; i < ng; i++)
			if (got[i] >= 0 && got[i] < lat_total && !lat_us[got[i]]) {
				lat_us[got[i]] = now - sent_at[got[i]];
				lat_seen++;
			}
		pthread_cond_broadcast(&lcv);
		pthread_mutex_unlock(&lmu);
	}
	buf_free(&b);
	if (c->fd >= 0)
		close(c->fd);
	free(c);
	return NULL;
}

static int cmp64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

/* sqsload latency HOST PORT QUEUE_URL BUCKET COUNT: PUTs COUNT objects one
 * after another, each once the previous one's event was received. */
static int latency(const char *bucket, int count)
{
	lat_total = count;
	sent_at = calloc((size_t)count, sizeof *sent_at);
	lat_us = calloc((size_t)count, sizeof *lat_us);
	pthread_t t;
	pthread_create(&t, NULL, lat_consumer, NULL);
	usleep(300000); /* the consumer is polling (and has taken the s3:TestEvent) */
	struct client *c = calloc(1, sizeof *c);
	c->fd = connect_to();
	int lost = 0;
	for (int i = 0; i < count; i++) {
		char path[256];
		snprintf(path, sizeof path, "/%s/lat/%d", bucket, i);
		pthread_mutex_lock(&lmu);
		sent_at[i] = clock_mono_us();
		pthread_mutex_unlock(&lmu);
		if (request(c, "PUT", path, "s3", NULL, body, strlen(body))) {
			atomic_fetch_add(&n_err, 1);
			continue;
		}
		struct timespec dl;
		clock_gettime(CLOCK_REALTIME, &dl);
		dl.tv_sec += 10;
		pthread_mutex_lock(&lmu);
		int rc = 0;
		while (!lat_us[i] && rc == 0)
			rc = pthread_cond_timedwait(&lcv, &lmu, &dl);
		lost += !lat_us[i];
		pthread_mutex_unlock(&lmu);
	}
	running = 0;
	pthread_join(t, NULL);
	int n = 0;
	for (int i = 0; i < count; i++)
		if (lat_us[i])
			lat_us[n++] = lat_us[i];
	qsort(lat_us, (size_t)n, sizeof *lat_us, cmp64);
	if (n)
		printf("samples %d median_us %lld p99_us %lld max_us %lld lost %d errors %ld\n", n,
		       (long long)lat_us[n / 2], (long long)lat_us[(n * 99) / 100], (long long)lat_us[n - 1], lost,
		       atomic_load(&n_err));
	else
		printf("samples 0 median_us 0 p99_us 0 max_us 0 lost %d errors %ld\n", lost, atomic_load(&n_err));
	if (c->fd >= 0)
		close(c->fd);
	free(c);
	free(sent_at);
	free(lat_us);
	return 0;
}

static void make_body(int bytes)
{
	body = malloc((size_t)bytes + 1);
	for (int i = 0; i < bytes; i++)
		body[i] = (char)('a' + i % 26);
	body[bytes] = 0;
}

int main(int argc, char **argv)
{
	signal(SIGPIPE, SIG_IGN);
	if (argc == 7 && !strcmp(argv[1], "latency")) {
		host = argv[2];
		port = atoi(argv[3]);
		queue_url = argv[4];
		int count = atoi(argv[6]);
		if (count < 1 || count > 1000000)
			return 2;
		make_body(100);
		int rc = latency(argv[5], count);
		free(body);
		return rc;
	}
	if (argc != 7) {
		fprintf(stderr, "usage: sqsload HOST PORT QUEUE_URL SECONDS CONNECTIONS BODY_BYTES\n"
				"       sqsload latency HOST PORT QUEUE_URL BUCKET COUNT\n");
		return 2;
	}
	host = argv[1];
	port = atoi(argv[2]);
	queue_url = argv[3];
	int seconds = atoi(argv[4]), conns = atoi(argv[5]), bytes = atoi(argv[6]);
	if (conns < 1 || conns > 512 || seconds < 1 || bytes < 1 || bytes > 200000)
		return 2;
	make_body(bytes);
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
