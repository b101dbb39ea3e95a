/* bus.c — see bus.h.
 *
 * One dispatcher thread:
 *   wait (kick or next retry due) -> fetch due events (oldest first) ->
 *   for each subscriber whose prefix matches and that has not handled it:
 *   call; success -> outbox_done row; any failure -> retry with backoff
 *   (100 ms doubling, capped at 5 min; buried after BUS_MAX_ATTEMPTS);
 *   all handled -> the event and its done rows are deleted.
 * A crash between a handler's success and its done row re-delivers that
 * event to that subscriber: at-least-once, as the design promises.
 */
#include "engine/bus.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/mem.h"
#include "store/db.h"
#include "store/outbox.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_SUBS 64
#define BATCH 128

struct sub {
	const char *name, *prefix;
	bus_handler fn;
	void *arg;
};

static struct {
	struct sub subs[MAX_SUBS];
	int nsubs;
	pthread_mutex_t mu;
	pthread_cond_t cv, drained;
	bool kicked, stop, running, idle;
	pthread_t thread;
} B = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER, .drained = PTHREAD_COND_INITIALIZER};

void bus_subscribe(const char *name, const char *topic_prefix, bus_handler fn, void *arg)
{
	if (B.nsubs == MAX_SUBS) {
		log_error("too many bus subscribers");
		abort();
	}
	B.subs[B.nsubs++] = (struct sub){name, topic_prefix, fn, arg};
}

static int64_t backoff_ms(int attempts)
{
	int64_t ms = 100;
	for (int i = 0; i < attempts && ms < 300000; i++)
		ms *= 2;
	return ms > 300000 ? 300000 : ms;
}

/* Delivers one event; returns true when every matching subscriber has it. */
static bool deliver(struct outbox_event *e)
{
	bool all = true;
	for (int i = 0; i < B.nsubs; i++) {
		struct sub *s = &B.subs[i];
		if (strncmp(e->topic, s->prefix, strlen(s->prefix)))
			continue;
		if (e->attempts && outbox_is_done(e->id, s->name))
			continue;
		if (s->fn(e->id, e->topic, e->payload, s->arg)) {
			all = false;
			continue;
		}
		if (e->attempts || B.nsubs > 1)
			outbox_mark_done(e->id, s->name);
	}
	return all;
}

/* One pass over due events; returns how many were fetched. */
static int pass(void)
{
	struct outbox_event ev[BATCH];
	int n = outbox_due(clock_wall_ms(), ev, BATCH);
	for (int i = 0; i < n; i++) {
		if (deliver(&ev[i])) {
			outbox_finish(ev[i].id);
		} else if (ev[i].attempts + 1 >= BUS_MAX_ATTEMPTS) {
			log_error("event %lld (%s) failed %d times; moved to outbox_dead", (long long)ev[i].id, ev[i].topic,
				  ev[i].attempts + 1);
			outbox_bury(ev[i].id, "delivery failed");
		} else {
			outbox_retry(ev[i].id, clock_wall_ms() + backoff_ms(ev[i].attempts), "delivery failed");
		}
		outbox_event_free(&ev[i]);
	}
	db_release();
	return n;
}

static void *bus_main(void *arg)
{
	(void)arg;
	for (;;) {
		pthread_mutex_lock(&B.mu);
		B.kicked = false;
		pthread_mutex_unlock(&B.mu);
		while (pass() == BATCH)
			;
		int64_t next = outbox_next_due();
		db_release();
		pthread_mutex_lock(&B.mu);
		if (B.stop) {
			pthread_mutex_unlock(&B.mu);
			break;
		}
		int64_t now = clock_wall_ms();
		B.idle = next < 0 || next > now;
		if (B.idle)
			pthread_cond_broadcast(&B.drained);
		if (!B.kicked) {
			int64_t wait = next < 0 ? 1000 : next - now;
			if (wait > 1000)
				wait = 1000;
			if (wait > 0) {
				struct timespec ts;
				clock_deadline(CLOCK_REALTIME, wait * 1000, &ts);
				pthread_cond_timedwait(&B.cv, &B.mu, &ts);
			}
		}
		pthread_mutex_unlock(&B.mu);
	}
	return NULL;
}

int bus_start(void)
{
	B.stop = false;
	if (pthread_create(&B.thread, NULL, bus_main, NULL))
		return -1;
	B.running = true;
	return 0;
}

void bus_stop(void)
{
	if (!B.running)
		return;
	pthread_mutex_lock(&B.mu);
	B.stop = true;
	pthread_cond_signal(&B.cv);
	pthread_mutex_unlock(&B.mu);
	pthread_join(B.thread, NULL);
	B.running = false;
	B.nsubs = 0;
}

void bus_kick(void)
{
	pthread_mutex_lock(&B.mu);
	B.kicked = true;
	B.idle = false;
	pthread_cond_signal(&B.cv);
	pthread_mutex_unlock(&B.mu);
}

void bus_drain(int timeout_ms)
{
	int64_t deadline = clock_wall_ms() + timeout_ms;
	pthread_mutex_lock(&B.mu);
	while (!B.idle && clock_wall_ms() < deadline) {
		struct timespec ts;
		clock_deadline(CLOCK_REALTIME, 10000, &ts);
		pthread_cond_timedwait(&B.drained, &B.mu, &ts);
	}
	pthread_mutex_unlock(&B.mu);
}
