/* db.h — nuage.db: SQLite in WAL mode behind a pool of connections.
 *
 * A thread gets a connection with db_conn() (taken from the pool on first
 * use) and gives it back with db_release() (dispatch does this after every
 * request). Each connection caches its prepared statements, keyed by the SQL
 * string's address, so hot queries are prepared once per connection.
 *
 * Writers serialize on one process-wide mutex before BEGIN IMMEDIATE: a
 * queue of threads wakes in microseconds, where SQLite's busy handler would
 * sleep in milliseconds. Readers never wait for writers (WAL).
 */
#ifndef NUAGE_STORE_DB_H
#define NUAGE_STORE_DB_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

struct migration_set;

/* Opens (creating) <dir>/nuage.db and runs the given migration sets. 0, or
 * -1 with a message logged (e.g. a database written by a newer nuage). */
int db_open(const char *dir, const struct migration_set *const *sets, int nsets);
void db_close(void);

sqlite3 *db_conn(void);
void db_release(void);

/* A cached prepared statement for sql, which must be a string literal (or
 * otherwise outlive the process). Reset and unbound; call db_done after. */
sqlite3_stmt *db_prep(const char *sql);
void db_done(sqlite3_stmt *st);

/* A read snapshot: the statements between these see one state of the
 * database and take SQLite's WAL read lock once instead of once each (a
 * lock all request threads share). Nests; inside a write transaction it
 * does nothing; db_begin ends it; db_release ends one left open. */
int db_read_begin(void);
void db_read_end(void);

/* Counts commits that changed the database; it moves only after a commit's
 * data is visible to readers. So a value read before a query began, and
 * still current afterwards, proves no commit happened in between: an
 * in-memory copy of what the query read, tagged with that value, is
 * current as long as the value is (svc/s3/hot.c). */
uint64_t db_commit_epoch(void);

/* Write transactions: db_begin blocks until this thread may write. */
int db_begin(void);
int db_commit(void);
void db_rollback(void);
bool db_in_txn(void);

/* Runs one or more statements without results. 0 or -1 (logged). */
int db_exec(const char *sql);
/* Last error message of this thread's connection. */
const char *db_errmsg(void);
/* Number of rows changed by the last statement. */
int db_changes(void);
int64_t db_last_rowid(void);

/* Helpers for binding text that may be NULL. */
void db_bind_text(sqlite3_stmt *st, int i, const char *s);
const char *db_col_text(sqlite3_stmt *st, int i);

#endif
