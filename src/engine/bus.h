/* bus.h — delivers outbox events (store/outbox.h) to subscribers, at least
 * once, in commit order per subscriber, retrying failures with backoff. */
#ifndef NUAGE_ENGINE_BUS_H
#define NUAGE_ENGINE_BUS_H

#include <stdint.h>

/* Returns 0 when handled; -1 to be called again later. Runs on the bus
 * thread: keep it short (enqueue, don't process). `id` is stable across
 * redeliveries, for consumers that must de-duplicate. */
typedef int (*bus_handler)(int64_t id, const char *topic, const char *payload, void *arg);

/* Registers before bus_start. name must be unique and stable across
 * restarts (it keys delivery progress). topic_prefix "" matches all. */
void bus_subscribe(const char *name, const char *topic_prefix, bus_handler fn, void *arg);
int bus_start(void);
void bus_stop(void);
/* Wakes the dispatcher (after committing events). */
void bus_kick(void);
/* Blocks until no event is due (tests, shutdown). */
void bus_drain(int timeout_ms);
/* Maximum attempts before an event is moved to outbox_dead. */
#define BUS_MAX_ATTEMPTS 50

#endif
