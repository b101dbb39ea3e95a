/* logsink.c — see logsink.h.
 *
 * A FIFO of self-contained records (one allocation each: the struct and
 * its strings) under one mutex. The writer takes the whole queue at once,
 * writes it, and advances `written` (a sequence number) so logsink_sync can
 * wait for "everything up to my put". A failing backend is retried with
 * backoff; the queue cap then makes producers wait instead of growing.
 */
#include "engine/logsink.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/mem.h"
#include "store/db.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct rec {
	struct rec *next;
	uint64_t seq;
	struct logsink_event ev;
	size_t bytes;
};

static struct {
	pthread_mutex_t mu;
	pthread_cond_t cv, done;
	struct rec *head, *tail;
	size_t queued_bytes;
	uint64_t put_seq, written_seq, dropped;
	logsink_backend backend;
	bool running, stop;
	pthread_t thread;
} S = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER, .done = PTHREAD_COND_INITIALIZER};

static char *copy_in(char **dst, const char *s, size_t n)
{
	char *p = *dst;
	memcpy(p, s, n);
	p[n] = 0;
	*dst += n + 1;
	return p;
}

void logsink_put(const char *account, const char *region, const char *group, const char *stream, int64_t ts,
		 const char *msg, size_t len)
{
	size_t la = strlen(account), lr = strlen(region), lg = strlen(group), ls = strlen(stream);
	size_t bytes = sizeof(struct rec) + la + lr + lg + ls + len + 5;
	pthread_mutex_lock(&S.mu);
	while (S.running && !S.stop && S.queued_bytes + bytes > LOGSINK_MAX_QUEUED && S.head)
		pthread_cond_wait(&S.done, &S.mu);
	if (!S.running || S.stop) {
		S.dropped++;
		pthread_mutex_unlock(&S.mu);
		return;
	}
	pthread_mutex_unlock(&S.mu);
	struct rec *r = xmalloc(bytes);
	char *p = (char *)(r + 1);
	r->next = NULL;
	r->bytes = bytes;
	r->ev.account = copy_in(&p, account, la);
	r->ev.region = copy_in(&p, region, lr);
	r->ev.group = copy_in(&p, group, lg);
	r->ev.stream = copy_in(&p, stream, ls);
	r->ev.msg = copy_in(&p, msg, len);
	r->ev.len = len;
	r->ev.ts = ts;
	pthread_mutex_lock(&S.mu);
	r->seq = ++S.put_seq;
	if (S.tail)
		S.tail->next = r;
	else
		S.head = r;
	S.tail = r;
	S.queued_bytes += bytes;
	pthread_cond_signal(&S.cv);
	pthread_mutex_unlock(&S.mu);
}

static void free_list(struct rec *r)
{
	while (r) {
		struct rec *n = r->next;
		free(r);
		r = n;
	}
}

/* Writes one batch; retries the backend with backoff until it succeeds or
 * the sink stops (then the batch is dropped and counted). */
static void write_batch(struct rec *list, size_t n)
{
	struct logsink_event *ev = xmalloc(n * sizeof *ev);
	size_t i = 0;
	for (struct rec *r = list; r; r = r->next)
		ev[i++] = r->ev;
	int delay = 50;
	for (;;) {
		if (S.backend(ev, n) == 0)
			break;
		db_release();
		pthread_mutex_lock(&S.mu);
		bool stop = S.stop;
		if (!stop) {
			struct timespec ts;
			clock_deadline(CLOCK_REALTIME, (int64_t)delay * 1000, &ts);
			pthread_cond_timedwait(&S.cv, &S.mu, &ts);
		}
		if (stop)
			S.dropped += n;
		pthread_mutex_unlock(&S.mu);
		if (stop) {
			log_error("logsink: dropped %zu log lines the store would not take", n);
			break;
		}
		delay = delay < 5000 ? delay * 2 : 5000;
	}
	free(ev);
	db_release();
}

static void *writer(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&S.mu);
	for (;;) {
		while (!S.head && !S.stop)
			pthread_cond_wait(&S.cv, &S.mu);
		if (!S.head && S.stop)
			break;
		/* Let a burst gather into one transaction. */
		if (!S.stop) {
			struct timespec ts;
			clock_deadline(CLOCK_REALTIME, (int64_t)LOGSINK_FLUSH_MS * 1000, &ts);
			pthread_cond_timedwait(&S.cv, &S.mu, &ts);
		}
		struct rec *list = S.head;
		uint64_t last = S.tail->seq;
		size_t n = 0;
		for (struct rec *r = list; r; r = r->next)
			n++;
		S.head = S.tail = NULL;
		pthread_mutex_unlock(&S.mu);
		write_batch(list, n);
		size_t freed = 0;
		for (struct rec *r = list; r; r = r->next)
			freed += r->bytes;
		free_list(list);
		pthread_mutex_lock(&S.mu);
		S.queued_bytes -= freed;
		S.written_seq = last;
		pthread_cond_broadcast(&S.done);
	}
	pthread_mutex_unlock(&S.mu);
	return NULL;
}

int logsink_start(logsink_backend fn)
{
	pthread_mutex_lock(&S.mu);
	S.backend = fn;
	S.stop = false;
	pthread_mutex_unlock(&S.mu);
	if (pthread_create(&S.thread, NULL, writer, NULL))
		return -1;
	pthread_mutex_lock(&S.mu);
	S.running = true;
	pthread_mutex_unlock(&S.mu);
	return 0;
}

void logsink_stop(void)
{
	pthread_mutex_lock(&S.mu);
	if (!S.running) {
		pthread_mutex_unlock(&S.mu);
		return;
	}
	S.stop = true;
	pthread_cond_broadcast(&S.cv);
	pthread_cond_broadcast(&S.done);
	pthread_mutex_unlock(&S.mu);
	pthread_join(S.thread, NULL);
	pthread_mutex_lock(&S.mu);
	S.running = false;
	free_list(S.head);
	S.head = S.tail = NULL;
	S.queued_bytes = 0;
	pthread_mutex_unlock(&S.mu);
}

void logsink_sync(int timeout_ms)
{
	int64_t deadline = clock_mono_us() + (int64_t)timeout_ms * 1000;
	pthread_mutex_lock(&S.mu);
	uint64_t want = S.put_seq;
	while (S.running && S.written_seq < want && clock_mono_us() < deadline) {
		struct timespec ts;
		clock_deadline(CLOCK_REALTIME, 10000, &ts);
		pthread_cond_timedwait(&S.done, &S.mu, &ts);
	}
	pthread_mutex_unlock(&S.mu);
}

uint64_t logsink_dropped(void)
{
	pthread_mutex_lock(&S.mu);
	uint64_t d = S.dropped;
	pthread_mutex_unlock(&S.mu);
	return d;
}
