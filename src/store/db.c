/* db.c — see db.h.
 *
 * Invariants:
 *  1. A connection is used by one thread at a time: the pool hands it out
 *     and takes it back; a thread's current connection is thread-local.
 *  2. db_begin holds write_mu until db_commit/db_rollback; a thread never
 *     holds write_mu across a blocking wait other than the disk.
 *  3. Statements handed out by db_prep are reset when released (db_done or
 *     db_release), so no read transaction outlives a request.
 */
#include "store/db.h"
#include "core/log.h"
#include "core/mem.h"
#include "store/migrate.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

/* Statements are cached per connection by the address of their SQL text,
 * and every connection serves every service over time: the cache must hold
 * all of nuage's distinct statements (about 220 with S3, SQS, SNS, Lambda
 * and Logs; 128 overflowed in the integration suite). Slots cost 16 bytes;
 * statements are prepared only when first used. */
#define STMT_CACHE 1024
#define POOL_MAX 256

struct stmt_slot {
	const char *sql;
	sqlite3_stmt *st;
};

struct dbc {
	sqlite3 *db;
	struct stmt_slot cache[STMT_CACHE];
	struct dbc *next_free;
	bool in_txn;
	bool wrote;            /* the current transaction's commit wrote WAL frames */
	int read_depth;        /* db_read_begin nesting; > 0 with reading true: a snapshot is open */
	bool reading;          /* this connection ran BEGIN for a read snapshot */
};

static struct {
	char path[4096];
	pthread_mutex_t mu;
	struct dbc *free;
	struct dbc *all[POOL_MAX];
	int nall;
	bool open;
} pool = {.mu = PTHREAD_MUTEX_INITIALIZER};

static pthread_mutex_t write_mu = PTHREAD_MUTEX_INITIALIZER;
static _Thread_local struct dbc *cur;

/* Group commit. Connections run with synchronous=NORMAL (COMMIT writes the
 * WAL but does not fsync it); db_commit then waits until an fdatasync of the
 * WAL that started after its COMMIT has finished. While one fsync runs, the
 * commits that arrive meanwhile are covered by the next one, so N concurrent
 * writers pay for far fewer than N fsyncs, and every caller still returns
 * only once its transaction is on stable storage (fsync acts on the file,
 * whichever descriptor asks). */
static struct {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	uint64_t committed; /* commits so far (under write_mu) */
	uint64_t durable;   /* commits known to be on disk */
	bool syncing;
	int wal_fd;
} gsync = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER, .wal_fd = -1};

static int wal_sync(void)
{
	if (gsync.wal_fd < 0) {
		char wal[sizeof pool.path + 8];
		snprintf(wal, sizeof wal, "%s-wal", pool.path);
		gsync.wal_fd = open(wal, O_RDONLY | O_CLOEXEC);
		if (gsync.wal_fd < 0) {
			/* No WAL yet: nothing has been written through it, nothing to sync. */
			if (errno == ENOENT)
				return 0;
			log_error("cannot open %s to make commits durable: %s", wal, strerror(errno));
			return -1;
		}
	}
	if (fdatasync(gsync.wal_fd)) {
		log_error("WAL fsync failed: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* Returns once commit number `mine` is durable. */
static int durable_wait(uint64_t mine)
{
	int rc = 0;
	pthread_mutex_lock(&gsync.mu);
	while (gsync.durable < mine) {
		if (gsync.syncing) {
			pthread_cond_wait(&gsync.cv, &gsync.mu);
			continue;
		}
		gsync.syncing = true;
		uint64_t target = __atomic_load_n(&gsync.committed, __ATOMIC_ACQUIRE);
		pthread_mutex_unlock(&gsync.mu);
		int r = wal_sync();
		pthread_mutex_lock(&gsync.mu);
		gsync.syncing = false;
		if (r) {
			rc = -1;
			pthread_cond_broadcast(&gsync.cv);
			break;
		}
		if (target > gsync.durable)
			gsync.durable = target;
		pthread_cond_broadcast(&gsync.cv);
	}
	pthread_mutex_unlock(&gsync.mu);
	return rc;
}


/* SQLite calls this after each commit that wrote WAL frames. It replaces
 * the default hook, so it also does what that one does: a passive
 * checkpoint once the WAL holds WAL_AUTOCHECKPOINT pages. */
#define WAL_AUTOCHECKPOINT 1000
static uint64_t commit_epoch;

static int on_wal_commit(void *arg, sqlite3 *db, const char *name, int frames)
{
	((struct dbc *)arg)->wrote = true;
	__atomic_add_fetch(&commit_epoch, 1, __ATOMIC_SEQ_CST); /* after the commit: see db_commit_epoch */
	if (frames >= WAL_AUTOCHECKPOINT)
		sqlite3_wal_checkpoint(db, name);
	return SQLITE_OK;
}

static struct dbc *conn_new(void)
{
	struct dbc *c = xcalloc(1, sizeof *c);
	int rc = sqlite3_open_v2(pool.path, &c->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		log_error("cannot open %s: %s", pool.path, c->db ? sqlite3_errmsg(c->db) : sqlite3_errstr(rc));
		sqlite3_close(c->db);
		free(c);
		return NULL;
	}
	sqlite3_busy_timeout(c->db, 10000);
	sqlite3_exec(c->db,
		     "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; "
		     "PRAGMA temp_store=MEMORY; PRAGMA cache_size=-2000;",
		     NULL, NULL, NULL);
	sqlite3_wal_hook(c->db, on_wal_commit, c);
	return c;
}

static void conn_free(struct dbc *c)
{
	for (int i = 0; i < STMT_CACHE; i++)
		if (c->cache[i].st)
			sqlite3_finalize(c->cache[i].st);
	sqlite3_close(c->db);
	free(c);
}

static struct dbc *acquire(void)
{
	pthread_mutex_lock(&pool.mu);
	struct dbc *c = pool.free;
	if (c) {
		pool.free = c->next_free;
	} else if (pool.nall < POOL_MAX) {
		c = conn_new();
		if (c)
			pool.all[pool.nall++] = c;
	}
	pthread_mutex_unlock(&pool.mu);
	if (!c) {
		log_error("no database connection available");
		abort();
	}
	return c;
}

sqlite3 *db_conn(void)
{
	if (!cur)
		cur = acquire();
	return cur->db;
}

void db_release(void)
{
	struct dbc *c = cur;
	if (!c)
		return;
	if (c->in_txn) {
		log_error("a write transaction was left open; rolling back");
		db_rollback();
	}
	if (c->read_depth) { /* a snapshot a handler did not end: end it */
		c->read_depth = 1;
		db_read_end();
	}
	/* Only statements left mid-step hold a read transaction; walking the
	 * connection's prepared statements (a few dozen) is cheaper than the
	 * cache's 1,024 slots on every request. */
	for (sqlite3_stmt *st = sqlite3_next_stmt(c->db, NULL); st; st = sqlite3_next_stmt(c->db, st))
		if (sqlite3_stmt_busy(st))
			sqlite3_reset(st);
	cur = NULL;
	pthread_mutex_lock(&pool.mu);
	c->next_free = pool.free;
	pool.free = c;
	pthread_mutex_unlock(&pool.mu);
}

sqlite3_stmt *db_prep(const char *sql)
{
	db_conn();
	struct dbc *c = cur;
	size_t h = ((uintptr_t)sql >> 4) % STMT_CACHE;
	for (int probe = 0; probe < STMT_CACHE; probe++) {
		struct stmt_slot *s = &c->cache[(h + (size_t)probe) % STMT_CACHE];
		if (s->sql == sql) {
			sqlite3_reset(s->st);
			sqlite3_clear_bindings(s->st);
			return s->st;
		}
		if (!s->sql) {
			if (sqlite3_prepare_v3(c->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s->st, NULL) != SQLITE_OK) {
				log_error("SQL prepare failed: %s\n  in: %s", sqlite3_errmsg(c->db), sql);
				abort(); /* SQL text is ours: a prepare failure is a bug */
			}
			s->sql = sql;
			return s->st;
		}
	}
	log_error("statement cache full: nuage has more than %d distinct SQL statements; raise STMT_CACHE", STMT_CACHE);
	abort();
}

void db_done(sqlite3_stmt *st)
{
	if (st)
		sqlite3_reset(st);
}

int db_exec(const char *sql)
{
	char *err = NULL;
	if (sqlite3_exec(db_conn(), sql, NULL, NULL, &err) != SQLITE_OK) {
		log_error("SQL failed: %s", err ? err : "?");
		sqlite3_free(err);
		return -1;
	}
	return 0;
}

static const char SQL_BEGIN_READ[] = "BEGIN";
static const char SQL_END_READ[] = "COMMIT";

static int step_once(const char *sql)
{
	sqlite3_stmt *st = db_prep(sql);
	int rc = st ? sqlite3_step(st) : SQLITE_ERROR;
	if (st)
		db_done(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

uint64_t db_commit_epoch(void)
{
	return __atomic_load_n(&commit_epoch, __ATOMIC_SEQ_CST);
}

int db_read_begin(void)
{
	db_conn();
	if (cur->read_depth++ || cur->in_txn)
		return 0; /* inside a snapshot or a write transaction already */
	if (step_once(SQL_BEGIN_READ)) {
		log_error("BEGIN (read) failed: %s", sqlite3_errmsg(cur->db));
		cur->read_depth = 0;
		return -1;
	}
	cur->reading = true;
	return 0;
}

void db_read_end(void)
{
	if (!cur || cur->read_depth <= 0 || --cur->read_depth)
		return;
	if (cur->reading) {
		cur->reading = false;
		if (step_once(SQL_END_READ))
			sqlite3_exec(cur->db, "ROLLBACK", NULL, NULL, NULL);
	}
}

int db_begin(void)
{
	db_conn();
	if (cur->reading) { /* a write ends the thread's read snapshot */
		cur->read_depth = 1;
		db_read_end();
	}
	pthread_mutex_lock(&write_mu);
	if (sqlite3_exec(cur->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
		log_error("BEGIN failed: %s", sqlite3_errmsg(cur->db));
		pthread_mutex_unlock(&write_mu);
		return -1;
	}
	cur->in_txn = true;
	cur->wrote = false;
	return 0;
}

int db_commit(void)
{
	int rc = sqlite3_exec(cur->db, "COMMIT", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		log_error("COMMIT failed: %s", sqlite3_errmsg(cur->db));
		sqlite3_exec(cur->db, "ROLLBACK", NULL, NULL, NULL);
	}
	/* A transaction that changed nothing (an idempotent create, a check
	 * that found nothing to do) wrote no WAL frame: nothing to sync. */
	uint64_t mine = 0;
	if (rc == SQLITE_OK && cur->wrote)
		mine = __atomic_add_fetch(&gsync.committed, 1, __ATOMIC_ACQ_REL);
	cur->in_txn = false;
	pthread_mutex_unlock(&write_mu);
	if (rc != SQLITE_OK)
		return -1;
	return mine ? durable_wait(mine) : 0;
}

void db_rollback(void)
{
	if (!cur || !cur->in_txn)
		return;
	sqlite3_exec(cur->db, "ROLLBACK", NULL, NULL, NULL);
	cur->in_txn = false;
	pthread_mutex_unlock(&write_mu);
}

bool db_in_txn(void)
{
	return cur && cur->in_txn;
}

const char *db_errmsg(void)
{
	return sqlite3_errmsg(db_conn());
}

int db_changes(void)
{
	return sqlite3_changes(db_conn());
}

int64_t db_last_rowid(void)
{
	return sqlite3_last_insert_rowid(db_conn());
}

void db_bind_text(sqlite3_stmt *st, int i, const char *s)
{
	if (s)
		sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i);
}

const char *db_col_text(sqlite3_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(st, i);
}

/* A new database is built as nuage.db.init with synchronous=OFF (an empty
 * schema is not worth an fsync per statement), made durable with one fsync,
 * and renamed into place: a crash before the rename leaves only the .init
 * file, which the next start discards. */
static int create_fresh(const char *dir, const struct migration_set *const *sets, int nsets)
{
	char init[sizeof pool.path + 8];
	snprintf(init, sizeof init, "%s.init", pool.path);
	unlink(init);
	char side[sizeof init + 8];
	snprintf(side, sizeof side, "%s-wal", init);
	unlink(side);
	snprintf(side, sizeof side, "%s-shm", init);
	unlink(side);
	sqlite3 *db = NULL;
	if (sqlite3_open_v2(init, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		log_error("cannot create %s: %s", init, db ? sqlite3_errmsg(db) : "?");
		sqlite3_close(db);
		return -1;
	}
	sqlite3_exec(db, "PRAGMA synchronous=OFF; PRAGMA journal_mode=WAL;", NULL, NULL, NULL);
	struct dbc tmp = {.db = db};
	struct dbc *saved = cur;
	cur = &tmp;
	int rc = migrate_run(sets, nsets);
	cur = saved;
	for (int i = 0; i < STMT_CACHE; i++)
		if (tmp.cache[i].st)
			sqlite3_finalize(tmp.cache[i].st);
	if (rc == 0 && sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL) != SQLITE_OK)
		rc = -1;
	sqlite3_close(db);
	if (rc)
		return -1;
	int fd = open(init, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fsync(fd)) {
		log_error("cannot sync %s", init);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	snprintf(side, sizeof side, "%s-wal", init);
	unlink(side);
	snprintf(side, sizeof side, "%s-shm", init);
	unlink(side);
	if (rename(init, pool.path)) {
		log_error("cannot create %s: %s", pool.path, strerror(errno));
		return -1;
	}
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	return 0;
}

int db_open(const char *dir, const struct migration_set *const *sets, int nsets)
{
	if (mkdir(dir, 0755) && access(dir, W_OK)) {
		log_error("cannot create data directory %s", dir);
		return -1;
	}
	/* SQLite's memory statistics take one process-wide mutex on every
	 * allocation, which all request threads would contend for; nuage does
	 * not read them. Only possible before SQLite initializes (the first
	 * db_open of the process); later calls fail harmlessly. */
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	snprintf(pool.path, sizeof pool.path, "%s/nuage.db", dir);
	if (access(pool.path, F_OK) && create_fresh(dir, sets, nsets))
		return -1;
	pool.open = true;
	int rc = migrate_run(sets, nsets);
	db_release();
	return rc;
}

void db_close(void)
{
	if (!pool.open)
		return;
	if (cur)
		db_release();
	pthread_mutex_lock(&pool.mu);
	/* A final checkpoint keeps the WAL small for the next start. */
	if (pool.nall)
		sqlite3_wal_checkpoint_v2(pool.all[0]->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
	for (int i = 0; i < pool.nall; i++)
		conn_free(pool.all[i]);
	pool.nall = 0;
	pool.free = NULL;
	pool.open = false;
	pthread_mutex_unlock(&pool.mu);
	if (gsync.wal_fd >= 0)
		close(gsync.wal_fd);
	gsync.wal_fd = -1;
}
