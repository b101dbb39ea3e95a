/* logsink.h — lines written by user code (Lambda functions, EC2 workers)
 * on their way into CloudWatch Logs streams.
 *
 * Producers (supervising threads reading a child's stdout) put lines here
 * without touching the database; one writer thread hands them to the
 * backend in batches, one transaction per batch, so a chatty function
 * costs one commit per ~10 ms rather than one per line. The CloudWatch Logs
 * service registers the backend (it owns the tables): engines never reach
 * into a service, a service plugs into the engine.
 *
 * Delivery: lines are durable once the backend's transaction commits,
 * within ~LOGSINK_FLUSH_MS of being put (AWS also delivers Lambda logs
 * asynchronously). Lines put while no backend runs are dropped and counted.
 */
#ifndef NUAGE_ENGINE_LOGSINK_H
#define NUAGE_ENGINE_LOGSINK_H

#include <stddef.h>
#include <stdint.h>

#define LOGSINK_FLUSH_MS 10
#define LOGSINK_MAX_QUEUED (64u << 20) /* bytes; producers wait beyond this */

struct logsink_event {
	const char *account, *region, *group, *stream;
	int64_t ts; /* epoch ms */
	const char *msg;
	size_t len;
};

/* Writes n events (in put order) in one transaction, creating the group
 * and stream when missing. 0, or -1 to have the batch retried. */
typedef int (*logsink_backend)(const struct logsink_event *ev, size_t n);

/* Starts the writer with a backend; logsink_stop writes what is queued
 * (bounded wait) and stops it. */
int logsink_start(logsink_backend fn);
void logsink_stop(void);
/* Copies one line into the queue. */
void logsink_put(const char *account, const char *region, const char *group, const char *stream, int64_t ts,
		 const char *msg, size_t len);
/* Waits until every line put before the call is written (tests, shutdown). */
void logsink_sync(int timeout_ms);
/* Lines dropped because no writer ran (health, tests). */
uint64_t logsink_dropped(void);

#endif
