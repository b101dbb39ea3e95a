/* outbox.c — see outbox.h. */
#include "store/outbox.h"
#include "core/clock.h"
#include "core/mem.h"
#include "store/db.h"

#include <stdlib.h>

int outbox_add(const char *topic, const char *payload)
{
	int64_t now = clock_wall_ms();
	sqlite3_stmt *st = db_prep("INSERT INTO outbox(topic, payload, created, next_attempt) VALUES (?, ?, ?, ?)");
	db_bind_text(st, 1, topic);
	db_bind_text(st, 2, payload);
	sqlite3_bind_int64(st, 3, now);
	sqlite3_bind_int64(st, 4, now);
	int rc = sqlite3_step(st);
	db_done(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

int outbox_due(int64_t now_ms, struct outbox_event *out, int max)
{
	sqlite3_stmt *st = db_prep("SELECT id, topic, payload, attempts, created FROM outbox WHERE next_attempt <= ? "
				   "ORDER BY next_attempt, id LIMIT ?");
	sqlite3_bind_int64(st, 1, now_ms);
	sqlite3_bind_int(st, 2, max);
	int n = 0, rc;
	while (n < max && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		out[n].id = sqlite3_column_int64(st, 0);
		out[n].topic = xstrdup(db_col_text(st, 1));
		out[n].payload = xstrdup(db_col_text(st, 2));
		out[n].attempts = sqlite3_column_int(st, 3);
		out[n].created = sqlite3_column_int64(st, 4);
		n++;
	}
	db_done(st);
	return n;
}

void outbox_event_free(struct outbox_event *e)
{
	free(e->topic);
	free(e->payload);
	e->topic = e->payload = NULL;
}

int64_t outbox_next_due(void)
{
	sqlite3_stmt *st = db_prep("SELECT min(next_attempt) FROM outbox");
	int64_t v = -1;
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
		v = sqlite3_column_int64(st, 0);
	db_done(st);
	return v;
}

bool outbox_is_done(int64_t id, const char *subscriber)
{
	sqlite3_stmt *st = db_prep("SELECT 1 FROM outbox_done WHERE event = ? AND subscriber = ?");
	sqlite3_bind_int64(st, 1, id);
	db_bind_text(st, 2, subscriber);
	bool done = sqlite3_step(st) == SQLITE_ROW;
	db_done(st);
	return done;
}

static int step1(sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);
	db_done(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

int outbox_mark_done(int64_t id, const char *subscriber)
{
	if (db_begin())
		return -1;
	sqlite3_stmt *st = db_prep("INSERT OR IGNORE INTO outbox_done(event, subscriber) VALUES (?, ?)");
	sqlite3_bind_int64(st, 1, id);
	db_bind_text(st, 2, subscriber);
	if (step1(st)) {
		db_rollback();
		return -1;
	}
	return db_commit();
}

int outbox_finish(int64_t id)
{
	if (db_begin())
		return -1;
	sqlite3_stmt *st = db_prep("DELETE FROM outbox_done WHERE event = ?");
	sqlite3_bind_int64(st, 1, id);
	int rc = step1(st);
	st = db_prep("DELETE FROM outbox WHERE id = ?");
	sqlite3_bind_int64(st, 1, id);
	rc |= step1(st);
	if (rc) {
		db_rollback();
		return -1;
	}
	return db_commit();
}

int outbox_retry(int64_t id, int64_t next_ms, const char *error)
{
	if (db_begin())
		return -1;
	sqlite3_stmt *st = db_prep("UPDATE outbox SET attempts = attempts + 1, next_attempt = ?, last_error = ? WHERE id = ?");
	sqlite3_bind_int64(st, 1, next_ms);
	db_bind_text(st, 2, error);
	sqlite3_bind_int64(st, 3, id);
	if (step1(st)) {
		db_rollback();
		return -1;
	}
	return db_commit();
}

int outbox_bury(int64_t id, const char *error)
{
	if (db_begin())
		return -1;
	sqlite3_stmt *st = db_prep("INSERT INTO outbox_dead(id, topic, payload, created, attempts, last_error, died) "
				   "SELECT id, topic, payload, created, attempts + 1, ?, ? FROM outbox WHERE id = ?");
	db_bind_text(st, 1, error);
	sqlite3_bind_int64(st, 2, clock_wall_ms());
	sqlite3_bind_int64(st, 3, id);
	int rc = step1(st);
	st = db_prep("DELETE FROM outbox_done WHERE event = ?");
	sqlite3_bind_int64(st, 1, id);
	rc |= step1(st);
	st = db_prep("DELETE FROM outbox WHERE id = ?");
	sqlite3_bind_int64(st, 1, id);
	rc |= step1(st);
	if (rc) {
		db_rollback();
		return -1;
	}
	return db_commit();
}

int64_t outbox_pending(void)
{
	sqlite3_stmt *st = db_prep("SELECT count(*) FROM outbox");
	int64_t n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
	db_done(st);
	return n;
}
