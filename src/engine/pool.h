/* pool.h — a bounded worker pool for long work (COPY, crawls, invocations,
 * Map iterations): never run on HTTP threads. */
#ifndef NUAGE_ENGINE_POOL_H
#define NUAGE_ENGINE_POOL_H

typedef void (*pool_fn)(void *arg);

/* nthreads workers, at most queue_max waiting jobs. */
int pool_start(int nthreads, int queue_max);
/* Finishes queued jobs, then joins the workers. */
void pool_stop(void);
/* 0, or -1 when the queue is full (the caller answers "throttled"). */
int pool_submit(pool_fn fn, void *arg);
/* Jobs queued or running. */
int pool_busy(void);

#endif
