/* timers.c — see timers.h.
 *
 * Invariants: heap[0] is the earliest due entry; `pos` of a timer id is
 * found by a linear scan only on cancel (rare); the thread sleeps on a
 * condition variable until heap[0] is due or a new earlier timer arrives.
 * A callback runs without the lock held, so it may add or cancel timers.
 */
#include "engine/timers.h"
#include "core/clock.h"
#include "core/mem.h"

#include <pthread.h>
#include <stdlib.h>
#include <time.h>

struct tentry {
	int64_t due;
	uint64_t id;
	timer_fn fn;
	void *arg;
};

static struct {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct tentry *heap;
	int n, cap;
	uint64_t next_id;
	bool running, stop;
	pthread_t thread;
} T = {.mu = PTHREAD_MUTEX_INITIALIZER};

static void swap(int i, int j)
{
	struct tentry t = T.heap[i];
	T.heap[i] = T.heap[j];
	T.heap[j] = t;
}

static void up(int i)
{
	while (i > 0) {
		int p = (i - 1) / 2;
		if (T.heap[p].due <= T.heap[i].due)
			break;
		swap(i, p);
		i = p;
	}
}

static void down(int i)
{
	for (;;) {
		int l = 2 * i + 1, r = l + 1, m = i;
		if (l < T.n && T.heap[l].due < T.heap[m].due)
			m = l;
		if (r < T.n && T.heap[r].due < T.heap[m].due)
			m = r;
		if (m == i)
			return;
		swap(i, m);
		i = m;
	}
}

static void remove_at(int i)
{
	T.heap[i] = T.heap[--T.n];
	if (i < T.n) {
		down(i);
		up(i);
	}
}

static void *timer_main(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&T.mu);
	while (!T.stop) {
		if (!T.n) {
			pthread_cond_wait(&T.cv, &T.mu);
			continue;
		}
		int64_t now = clock_mono_us();
		if (T.heap[0].due > now) {
			int64_t wait = T.heap[0].due - now;
			struct timespec ts;
			clock_deadline(CLOCK_MONOTONIC, wait, &ts);
			pthread_cond_timedwait(&T.cv, &T.mu, &ts);
			continue;
		}
		struct tentry e = T.heap[0];
		remove_at(0);
		pthread_mutex_unlock(&T.mu);
		e.fn(e.arg);
		pthread_mutex_lock(&T.mu);
	}
	pthread_mutex_unlock(&T.mu);
	return NULL;
}

int timers_start(void)
{
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&T.cv, &ca);
	pthread_condattr_destroy(&ca);
	T.stop = false;
	if (pthread_create(&T.thread, NULL, timer_main, NULL))
		return -1;
	T.running = true;
	return 0;
}

void timers_stop(void)
{
	if (!T.running)
		return;
	pthread_mutex_lock(&T.mu);
	T.stop = true;
	pthread_cond_signal(&T.cv);
	pthread_mutex_unlock(&T.mu);
	pthread_join(T.thread, NULL);
	T.running = false;
	free(T.heap);
	T.heap = NULL;
	T.n = T.cap = 0;
	pthread_cond_destroy(&T.cv);
}

uint64_t timer_at(int64_t due_us, timer_fn fn, void *arg)
{
	pthread_mutex_lock(&T.mu);
	if (T.n == T.cap) {
		T.cap = T.cap ? T.cap * 2 : 64;
		T.heap = xrealloc(T.heap, sizeof *T.heap * (size_t)T.cap);
	}
	uint64_t id = ++T.next_id;
	T.heap[T.n] = (struct tentry){due_us, id, fn, arg};
	up(T.n++);
	if (T.heap[0].id == id)
		pthread_cond_signal(&T.cv);
	pthread_mutex_unlock(&T.mu);
	return id;
}

uint64_t timer_after_ms(int64_t ms, timer_fn fn, void *arg)
{
	return timer_at(clock_mono_us() + ms * 1000, fn, arg);
}

bool timer_cancel(uint64_t id)
{
	bool found = false;
	pthread_mutex_lock(&T.mu);
	for (int i = 0; i < T.n; i++) {
		if (T.heap[i].id == id) {
			remove_at(i);
			found = true;
			break;
		}
	}
	pthread_mutex_unlock(&T.mu);
	return found;
}

int timers_pending(void)
{
	pthread_mutex_lock(&T.mu);
	int n = T.n;
	pthread_mutex_unlock(&T.mu);
	return n;
}
