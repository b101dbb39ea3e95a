/* pool.c — see pool.h. A ring buffer of jobs under one mutex; workers
 * release the database connection they may have taken after each job. */
#include "engine/pool.h"
#include "core/mem.h"
#include "store/blob.h"
#include "store/db.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

struct job {
	pool_fn fn;
	void *arg;
};

static struct {
	pthread_mutex_t mu;
	pthread_cond_t cv, idle;
	struct job *ring;
	int cap, head, n, running;
	pthread_t *threads;
	int nthreads;
	bool stop;
} P = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER, .idle = PTHREAD_COND_INITIALIZER};

static void *worker(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&P.mu);
	for (;;) {
		while (!P.n && !P.stop)
			pthread_cond_wait(&P.cv, &P.mu);
		if (!P.n && P.stop)
			break;
		struct job j = P.ring[P.head];
		P.head = (P.head + 1) % P.cap;
		P.n--;
		P.running++;
		pthread_mutex_unlock(&P.mu);
		j.fn(j.arg);
		db_release();
		pthread_mutex_lock(&P.mu);
		P.running--;
		if (!P.n && !P.running)
			pthread_cond_broadcast(&P.idle);
	}
	pthread_mutex_unlock(&P.mu);
	blob_thread_done();
	return NULL;
}

int pool_start(int nthreads, int queue_max)
{
	P.cap = queue_max;
	P.ring = xcalloc((size_t)queue_max, sizeof *P.ring);
	P.threads = xcalloc((size_t)nthreads, sizeof *P.threads);
	P.stop = false;
	for (int i = 0; i < nthreads; i++) {
		if (pthread_create(&P.threads[i], NULL, worker, NULL))
			return -1;
		P.nthreads++;
	}
	return 0;
}

void pool_stop(void)
{
	pthread_mutex_lock(&P.mu);
	P.stop = true;
	pthread_cond_broadcast(&P.cv);
	pthread_mutex_unlock(&P.mu);
	for (int i = 0; i < P.nthreads; i++)
		pthread_join(P.threads[i], NULL);
	free(P.threads);
	free(P.ring);
	P.threads = NULL;
	P.ring = NULL;
	P.nthreads = P.n = P.head = 0;
}

int pool_submit(pool_fn fn, void *arg)
{
	pthread_mutex_lock(&P.mu);
	if (P.stop || P.n == P.cap) {
		pthread_mutex_unlock(&P.mu);
		return -1;
	}
	P.ring[(P.head + P.n) % P.cap] = (struct job){fn, arg};
	P.n++;
	pthread_cond_signal(&P.cv);
	pthread_mutex_unlock(&P.mu);
	return 0;
}

int pool_busy(void)
{
	pthread_mutex_lock(&P.mu);
	int n = P.n + P.running;
	pthread_mutex_unlock(&P.mu);
	return n;
}
