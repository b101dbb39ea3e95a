/* schema.c — the store's own tables (services bring their own sets).
 *
 *   blobs        every committed object body (store/blob.c)
 *   blob_trash   bodies no longer referenced, to unlink after commit
 *   blob_inline  small bodies, kept in the database instead of files
 *   outbox       events written in the same transaction as their cause
 *   outbox_done  which subscriber has handled which event (at-least-once
 *                delivery without re-delivering to those that succeeded)
 *   outbox_dead  events given up on after too many failed attempts
 */
#include "store/migrate.h"

static const struct migration core[] = {
	{1, "CREATE TABLE blobs (id TEXT PRIMARY KEY, size INTEGER NOT NULL,"
	    "  created INTEGER NOT NULL DEFAULT (unixepoch() * 1000)) WITHOUT ROWID;"
	    "CREATE TABLE blob_trash (id TEXT PRIMARY KEY) WITHOUT ROWID;"
	    "CREATE TABLE outbox (id INTEGER PRIMARY KEY AUTOINCREMENT, topic TEXT NOT NULL, payload TEXT NOT NULL,"
	    "  created INTEGER NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, next_attempt INTEGER NOT NULL,"
	    "  last_error TEXT);"
	    "CREATE INDEX outbox_due ON outbox(next_attempt, id);"
	    "CREATE TABLE outbox_done (event INTEGER NOT NULL, subscriber TEXT NOT NULL,"
	    "  PRIMARY KEY (event, subscriber)) WITHOUT ROWID;"
	    "CREATE TABLE outbox_dead (id INTEGER PRIMARY KEY, topic TEXT NOT NULL, payload TEXT NOT NULL,"
	    "  created INTEGER NOT NULL, attempts INTEGER NOT NULL, last_error TEXT, died INTEGER NOT NULL);"},
	{2, "CREATE TABLE blob_inline (id TEXT PRIMARY KEY, data BLOB NOT NULL);"},
};

const struct migration_set store_core_migrations = {"store", core, sizeof core / sizeof *core};
