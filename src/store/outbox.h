/* outbox.h — durable events (DESIGN.md, "One process, three kinds of work").
 *
 * A change that AWS would announce writes its event with outbox_add() inside
 * the same transaction as the change, so the event exists iff the change
 * committed. engine/bus.c delivers them, at least once.
 */
#ifndef NUAGE_STORE_OUTBOX_H
#define NUAGE_STORE_OUTBOX_H

#include <stdbool.h>
#include <stdint.h>

struct outbox_event {
	int64_t id;
	char *topic;   /* caller frees (outbox_event_free) */
	char *payload;
	int attempts;
	int64_t created;
};

/* Inside the caller's write transaction. 0 or -1. */
int outbox_add(const char *topic, const char *payload);

/* Up to max events due at now_ms, oldest first. Returns count or -1. */
int outbox_due(int64_t now_ms, struct outbox_event *out, int max);
void outbox_event_free(struct outbox_event *e);
/* Earliest next_attempt of any pending event, or -1 if none. */
int64_t outbox_next_due(void);

bool outbox_is_done(int64_t id, const char *subscriber);
int outbox_mark_done(int64_t id, const char *subscriber);
/* All subscribers handled it: forget the event. */
int outbox_finish(int64_t id);
/* Some subscriber failed: try again at next_ms, or give up (outbox_dead). */
int outbox_retry(int64_t id, int64_t next_ms, const char *error);
int outbox_bury(int64_t id, const char *error);
/* Pending events (for health and tests). */
int64_t outbox_pending(void);

#endif
