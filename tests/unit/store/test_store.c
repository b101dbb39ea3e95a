/* The store: migrations (and refusing a newer database), transactions,
 * the blob write protocol and its crash recovery, the outbox. */
#include "unit.h"
#include "store/blob.h"
#include "store/db.h"
#include "store/migrate.h"
#include "store/outbox.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

extern const struct migration_set store_core_migrations;

static const struct migration t1[] = {{1, "CREATE TABLE t (k TEXT PRIMARY KEY, v INTEGER)"}};
static const struct migration t2[] = {{1, "CREATE TABLE t (k TEXT PRIMARY KEY, v INTEGER)"},
				      {2, "ALTER TABLE t ADD COLUMN w TEXT"}};
static const struct migration_set set1 = {"unittest", t1, 1};
static const struct migration_set set2 = {"unittest", t2, 2};

static int open_with(const struct migration_set *s)
{
	const struct migration_set *sets[] = {&store_core_migrations, s};
	return db_open(unit_tmpdir(), sets, 2);
}

TEST(store_migrations_and_refusal)
{
	CHECK(open_with(&set2) == 0);
	CHECK(db_exec("INSERT INTO t(k, v, w) VALUES ('a', 1, 'x')") == 0);
	db_close();
	CHECK(open_with(&set2) == 0); /* idempotent */
	sqlite3_stmt *st = db_prep("SELECT w FROM t WHERE k = 'a'");
	CHECK(sqlite3_step(st) == SQLITE_ROW);
	CHECK_STR(db_col_text(st, 0), "x");
	db_done(st);
	db_close();
	/* A binary that only knows version 1 must refuse this database. */
	CHECK(open_with(&set1) == -1);
	db_close();
}

TEST(store_transactions_roll_back)
{
	CHECK(open_with(&set1) == 0);
	CHECK(db_begin() == 0);
	CHECK(db_exec("INSERT INTO t(k, v) VALUES ('x', 1)") == 0);
	db_rollback();
	sqlite3_stmt *st = db_prep("SELECT count(*) FROM t");
	CHECK(sqlite3_step(st) == SQLITE_ROW);
	CHECK_INT(sqlite3_column_int(st, 0), 0);
	db_done(st);
	CHECK(db_begin() == 0);
	CHECK(db_exec("INSERT INTO t(k, v) VALUES ('x', 1)") == 0);
	CHECK(db_commit() == 0);
	st = db_prep("SELECT v FROM t WHERE k = 'x'");
	CHECK(sqlite3_step(st) == SQLITE_ROW);
	db_done(st);
	db_release();
	db_close();
}

/* A read snapshot sees one state: a commit by another thread in between is
 * invisible until the snapshot ends; it nests, and db_begin ends it. */
static int count_t(void)
{
	sqlite3_stmt *st = db_prep("SELECT count(*) FROM t");
	int n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
	db_done(st);
	return n;
}

static void *insert_elsewhere(void *arg)
{
	const char *k = arg;
	sqlite3_stmt *st;
	db_begin();
	st = db_prep("INSERT INTO t(k, v) VALUES (?, 1)");
	db_bind_text(st, 1, k);
	sqlite3_step(st);
	db_done(st);
	db_commit();
	db_release();
	return NULL;
}

TEST(store_read_snapshot)
{
	CHECK(open_with(&set1) == 0);
	CHECK(db_read_begin() == 0);
	CHECK_INT(count_t(), 0);
	pthread_t th;
	pthread_create(&th, NULL, insert_elsewhere, "a");
	pthread_join(th, NULL);
	CHECK_INT(count_t(), 0); /* still the snapshot */
	CHECK(db_read_begin() == 0); /* nested: same snapshot */
	CHECK_INT(count_t(), 0);
	db_read_end();
	CHECK_INT(count_t(), 0);
	db_read_end();
	CHECK_INT(count_t(), 1); /* ended: the commit is visible */
	/* A write inside a snapshot ends it first and then succeeds. */
	CHECK(db_read_begin() == 0);
	CHECK_INT(count_t(), 1);
	CHECK(db_begin() == 0);
	CHECK(db_exec("INSERT INTO t(k, v) VALUES ('b', 2)") == 0);
	CHECK(db_commit() == 0);
	db_read_end(); /* harmless after db_begin ended it */
	CHECK_INT(count_t(), 2);
	/* One left open is ended by db_release. */
	CHECK(db_read_begin() == 0);
	CHECK_INT(count_t(), 2);
	db_release();
	pthread_create(&th, NULL, insert_elsewhere, "c");
	pthread_join(th, NULL);
	CHECK_INT(count_t(), 3);
	db_release();
	db_close();
}

/* db_commit_epoch moves with every commit that changed the database, from any
 * thread or connection, and only then: svc/s3/hot.c relies on both. */
TEST(store_commit_epoch)
{
	CHECK(open_with(&set1) == 0);
	uint64_t e0 = db_commit_epoch();
	CHECK_INT(count_t(), 0); /* reads move nothing */
	CHECK(db_read_begin() == 0);
	CHECK_INT(count_t(), 0);
	db_read_end();
	CHECK(db_begin() == 0); /* a transaction that writes nothing */
	CHECK(db_commit() == 0);
	CHECK(db_commit_epoch() == e0);
	CHECK(db_begin() == 0);
	CHECK(db_exec("INSERT INTO t(k, v) VALUES ('e', 1)") == 0);
	db_rollback(); /* rolled back: nothing committed */
	CHECK(db_commit_epoch() == e0);
	CHECK(db_begin() == 0);
	CHECK(db_exec("INSERT INTO t(k, v) VALUES ('e', 1)") == 0);
	CHECK(db_commit() == 0);
	uint64_t e1 = db_commit_epoch();
	CHECK(e1 > e0);
	CHECK(db_exec("UPDATE t SET v = 2 WHERE k = 'e'") == 0); /* autocommit */
	uint64_t e2 = db_commit_epoch();
	CHECK(e2 > e1);
	pthread_t th; /* another thread, another connection */
	pthread_create(&th, NULL, insert_elsewhere, "f");
	pthread_join(th, NULL);
	CHECK(db_commit_epoch() > e2);
	db_release();
	db_close();
}

/* One connection serves every service, so it caches more statements than
 * any one service has (the cache used to hold 128 and aborted when full). */
TEST(store_statement_cache_holds_every_statement)
{
	enum { N = 400 };
	static char sql[N][64];
	CHECK(open_with(&set1) == 0);
	for (int round = 0; round < 2; round++)
		for (int i = 0; i < N; i++) {
			if (!round)
				snprintf(sql[i], sizeof sql[i], "SELECT %d + count(*) FROM t", i);
			sqlite3_stmt *st = db_prep(sql[i]);
			CHECK(sqlite3_step(st) == SQLITE_ROW);
			CHECK_INT(sqlite3_column_int(st, 0), i);
			db_done(st);
		}
	db_release();
	db_close();
}

static bool file_exists(const char *rel)
{
	char p[1024];
	snprintf(p, sizeof p, "%s/%s", unit_tmpdir(), rel);
	struct stat sb;
	return stat(p, &sb) == 0;
}

/* Writes text followed by filler up to n bytes (n > BLOB_INLINE_MAX makes a file blob). */
static int write_sized(struct blob_writer *w, const char *text, size_t n)
{
	static char fill[4096];
	memset(fill, 'x', sizeof fill);
	size_t t = strlen(text);
	if (blob_write(w, text, t))
		return -1;
	for (size_t done = t; done < n;) {
		size_t k = n - done < sizeof fill ? n - done : sizeof fill;
		if (blob_write(w, fill, k))
			return -1;
		done += k;
	}
	return 0;
}

#define BIG (BLOB_INLINE_MAX + 100)

TEST(store_blob_protocol_and_recovery)
{
	CHECK(open_with(&set1) == 0);
	CHECK(blob_init(unit_tmpdir()) == 0);
	/* 1: committed and published */
	struct blob_writer a;
	CHECK(blob_create(&a) == 0);
	CHECK(write_sized(&a, "hello", BIG) == 0);
	CHECK(a.fd >= 0); /* past the inline limit: a temp file */
	CHECK(blob_seal(&a) == 0);
	CHECK(a.id[0] != 'm');
	CHECK(db_begin() == 0);
	CHECK(blob_register(&a) == 0);
	CHECK(db_commit() == 0);
	CHECK(blob_publish(&a) == 0);
	int fd = blob_open(a.id);
	CHECK(fd >= 0);
	char got[8] = {0};
	CHECK(read(fd, got, 5) == 5);
	CHECK(lseek(fd, 0, SEEK_END) == BIG);
	close(fd);
	CHECK_STR(got, "hello");
	/* 2: committed, crashed before publish -> recovery publishes it */
	struct blob_writer b;
	CHECK(blob_create(&b) == 0);
	CHECK(write_sized(&b, "world", BIG) == 0);
	CHECK(blob_seal(&b) == 0);
	CHECK(db_begin() == 0);
	CHECK(blob_register(&b) == 0);
	CHECK(db_commit() == 0);
	fd = blob_open(b.id); /* readable even before publish */
	CHECK(fd >= 0);
	close(fd);
	/* 3: written, crashed before commit -> recovery removes it */
	struct blob_writer c;
	CHECK(blob_create(&c) == 0);
	CHECK(write_sized(&c, "lost", BIG) == 0);
	CHECK(blob_seal(&c) == 0);
	/* 4: released in a committed transaction, crashed before unlink */
	CHECK(db_begin() == 0);
	CHECK(blob_release(a.id) == 0);
	CHECK(db_commit() == 0);
	char rel[128];
	snprintf(rel, sizeof rel, "objects/%.2s/%s", a.id, a.id);
	CHECK(file_exists(rel));
	CHECK(blob_recover() == 0);
	CHECK(!file_exists(rel));
	snprintf(rel, sizeof rel, "objects/%.2s/%s", b.id, b.id);
	CHECK(file_exists(rel));
	snprintf(rel, sizeof rel, "tmp/%s", c.id);
	CHECK(!file_exists(rel));
	CHECK(blob_open(c.id) < 0);
	CHECK(blob_open("../../etc/passwd") < 0);
	blob_fini();
	db_release();
	db_close();
}

/* Small blobs live in the database: no file, durable with the commit,
 * gone with a rollback or a release; exactly BLOB_INLINE_MAX stays inline. */
TEST(store_blob_inline)
{
	CHECK(open_with(&set1) == 0);
	CHECK(blob_init(unit_tmpdir()) == 0);
	struct blob_writer a;
	CHECK(blob_create(&a) == 0);
	CHECK(write_sized(&a, "small", BLOB_INLINE_MAX) == 0);
	CHECK(a.fd < 0);
	CHECK(blob_seal(&a) == 0);
	CHECK(a.id[0] == 'm');
	char rel[128];
	snprintf(rel, sizeof rel, "tmp/%s", a.id);
	CHECK(!file_exists(rel));
	CHECK(blob_open(a.id) < 0); /* not committed yet */
	CHECK(db_begin() == 0);
	CHECK(blob_register(&a) == 0);
	CHECK(db_commit() == 0);
	CHECK(blob_publish(&a) == 0);
	CHECK(a.mem == NULL);
	int fd = blob_open(a.id);
	CHECK(fd >= 0);
	char got[6] = {0};
	CHECK(pread(fd, got, 5, 0) == 5);
	CHECK_STR(got, "small");
	CHECK(lseek(fd, 0, SEEK_END) == BLOB_INLINE_MAX);
	close(fd);
	/* an empty body is a blob too */
	struct blob_writer e;
	CHECK(blob_create(&e) == 0);
	CHECK(blob_seal(&e) == 0);
	CHECK(db_begin() == 0);
	CHECK(blob_register(&e) == 0);
	CHECK(db_commit() == 0);
	blob_publish(&e);
	fd = blob_open(e.id);
	CHECK(fd >= 0);
	CHECK(lseek(fd, 0, SEEK_END) == 0);
	close(fd);
	/* rolled back: never there */
	struct blob_writer r;
	CHECK(blob_create(&r) == 0);
	CHECK(blob_write(&r, "gone", 4) == 0);
	CHECK(blob_seal(&r) == 0);
	CHECK(db_begin() == 0);
	CHECK(blob_register(&r) == 0);
	db_rollback();
	blob_abort(&r);
	CHECK(blob_open(r.id) < 0);
	/* released: gone at commit, nothing to collect */
	CHECK(db_begin() == 0);
	CHECK(blob_release(a.id) == 0);
	CHECK(db_commit() == 0);
	blob_collect();
	CHECK(blob_open(a.id) < 0);
	fd = blob_open(e.id); /* the others are untouched */
	CHECK(fd >= 0);
	close(fd);
	/* one byte past the limit spills to a file */
	struct blob_writer f;
	CHECK(blob_create(&f) == 0);
	CHECK(write_sized(&f, "x", BLOB_INLINE_MAX + 1) == 0);
	CHECK(f.fd >= 0 && f.mem == NULL);
	snprintf(rel, sizeof rel, "tmp/%s", f.id);
	CHECK(file_exists(rel));
	blob_abort(&f);
	CHECK(!file_exists(rel));
	blob_fini();
	db_release();
	db_close();
}

TEST(store_outbox)
{
	CHECK(open_with(&set1) == 0);
	CHECK(db_begin() == 0);
	CHECK(outbox_add("s3:ObjectCreated:Put", "{\"k\":1}") == 0);
	CHECK(outbox_add("s3:ObjectRemoved:Delete", "{\"k\":2}") == 0);
	db_rollback();
	CHECK_INT(outbox_pending(), 0); /* no change, no event */
	CHECK(db_begin() == 0);
	CHECK(outbox_add("s3:ObjectCreated:Put", "{\"k\":1}") == 0);
	CHECK(outbox_add("s3:ObjectRemoved:Delete", "{\"k\":2}") == 0);
	CHECK(db_commit() == 0);
	struct outbox_event ev[4];
	int n = outbox_due(INT64_MAX, ev, 4);
	CHECK_INT(n, 2);
	CHECK_STR(ev[0].topic, "s3:ObjectCreated:Put");
	CHECK(!outbox_is_done(ev[0].id, "sub"));
	CHECK(outbox_mark_done(ev[0].id, "sub") == 0);
	CHECK(outbox_is_done(ev[0].id, "sub"));
	CHECK(outbox_finish(ev[0].id) == 0);
	CHECK(outbox_retry(ev[1].id, INT64_MAX - 1, "boom") == 0);
	int64_t id1 = ev[1].id;
	for (int i = 0; i < n; i++)
		outbox_event_free(&ev[i]);
	CHECK_INT(outbox_due(1000, ev, 4), 0); /* not due yet */
	CHECK_INT(outbox_pending(), 1);
	CHECK(outbox_bury(id1, "gave up") == 0);
	CHECK_INT(outbox_pending(), 0);
	db_release();
	db_close();
}
