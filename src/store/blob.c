/* blob.c — see blob.h. */
#include "store/blob.h"
#include "core/enc.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/rand.h"
#include "store/db.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* Released ids wait in two places: this thread's list until its
 * transaction commits (then their files are unlinked), and a global list of
 * unlinked ids whose blob_trash rows the next transaction deletes — so
 * collecting costs no transaction (and no fsync) of its own. */
#define PENDING_MAX 4096

static _Thread_local char (*mine)[BLOB_ID_LEN + 1];
static _Thread_local int nmine;
static pthread_mutex_t gone_mu = PTHREAD_MUTEX_INITIALIZER;
static char (*gone)[BLOB_ID_LEN + 1];
static int ngone;

/* Inside a transaction: forget trash rows whose files are already unlinked. */
static int forget_gone(void)
{
	pthread_mutex_lock(&gone_mu);
	int rc = 0;
	for (int i = 0; i < ngone; i++) {
		sqlite3_stmt *st = db_prep("DELETE FROM blob_trash WHERE id = ?");
		db_bind_text(st, 1, gone[i]);
		rc |= sqlite3_step(st) != SQLITE_DONE;
		db_done(st);
	}
	if (!rc)
		ngone = 0;
	pthread_mutex_unlock(&gone_mu);
	return rc;
}

static char root[PATH_MAX - 64];
static int objects_fd = -1, tmp_fd = -1;

static int mkdir_p(const char *p)
{
	if (mkdir(p, 0755) && errno != EEXIST) {
		log_error("cannot create %s: %s", p, strerror(errno));
		return -1;
	}
	return 0;
}

int blob_init(const char *data_dir)
{
	snprintf(root, sizeof root, "%s", data_dir);
	char p[PATH_MAX];
	snprintf(p, sizeof p, "%s/objects", root);
	if (mkdir_p(p))
		return -1;
	objects_fd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	snprintf(p, sizeof p, "%s/tmp", root);
	if (mkdir_p(p))
		return -1;
	tmp_fd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return objects_fd >= 0 && tmp_fd >= 0 ? 0 : -1;
}

void blob_fini(void)
{
	blob_thread_done();
	free(gone);
	gone = NULL;
	ngone = 0;
	if (objects_fd >= 0)
		close(objects_fd);
	if (tmp_fd >= 0)
		close(tmp_fd);
	objects_fd = tmp_fd = -1;
}

static void final_rel(const char *id, char out[64])
{
	snprintf(out, 64, "%.2s/%s", id, id);
}

#define WRITEBACK_STEP (8 << 20)

static bool is_inline(const char *id)
{
	return id[0] == 'm';
}

int blob_create(struct blob_writer *w)
{
	unsigned char r[16];
	rand_bytes(r, sizeof r);
	hex_encode(r, sizeof r, w->id);
	w->size = 0;
	w->queued = 0;
	w->fd = -1;
	w->mem = xmalloc(BLOB_INLINE_MAX);
	return 0;
}

/* The data outgrew BLOB_INLINE_MAX: continue in a temp file. */
static int spill(struct blob_writer *w)
{
	w->fd = openat(tmp_fd, w->id, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (w->fd < 0) {
		log_error("cannot create a temp blob: %s", strerror(errno));
		return -1;
	}
	int64_t have = w->size;
	w->size = 0;
	unsigned char *m = w->mem;
	w->mem = NULL;
	int rc = blob_write(w, m, (size_t)have);
	free(m);
	return rc;
}

int blob_write(struct blob_writer *w, const void *p, size_t n)
{
	if (w->fd < 0) {
		if (!w->mem)
			return -1;
		if ((size_t)w->size + n <= BLOB_INLINE_MAX) {
			memcpy(w->mem + w->size, p, n);
			w->size += (int64_t)n;
			return 0;
		}
		if (spill(w))
			return -1;
	}
	const char *s = p;
	while (n) {
		ssize_t k = write(w->fd, s, n);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			log_error("blob write failed: %s", strerror(errno));
			return -1;
		}
		s += k;
		n -= (size_t)k;
		w->size += k;
	}
	/* Start the disk on each WRITEBACK_STEP written, asynchronously, so it
	 * works while the rest of the body arrives and is hashed: the fsync in
	 * blob_seal then waits only for the tail. Durability is still that
	 * fdatasync's; this only moves work earlier. */
	if (w->size - w->queued >= WRITEBACK_STEP) {
		sync_file_range(w->fd, w->queued, w->size - w->queued, SYNC_FILE_RANGE_WRITE);
		w->queued = w->size;
	}
	return 0;
}

int blob_seal(struct blob_writer *w)
{
	if (w->fd < 0) {
		w->id[0] = 'm'; /* stays inline: durable with the caller's commit */
		return w->mem ? 0 : -1;
	}
	if (fdatasync(w->fd)) {
		log_error("blob fsync failed: %s", strerror(errno));
		return -1;
	}
	close(w->fd);
	w->fd = -1;
	return 0;
}

int blob_register(const struct blob_writer *w)
{
	if (forget_gone())
		return -1;
	sqlite3_stmt *st;
	if (is_inline(w->id)) {
		st = db_prep("INSERT INTO blob_inline(id, data) VALUES (?, ?)");
		db_bind_text(st, 1, w->id);
		sqlite3_bind_blob64(st, 2, w->size ? w->mem : (const void *)"", (sqlite3_uint64)w->size, SQLITE_STATIC);
	} else {
		st = db_prep("INSERT INTO blobs(id, size) VALUES (?, ?)");
		db_bind_text(st, 1, w->id);
		sqlite3_bind_int64(st, 2, w->size);
	}
	int rc = sqlite3_step(st);
	db_done(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

static int publish_id(const char *id)
{
	char dir[4], rel[64];
	snprintf(dir, sizeof dir, "%.2s", id);
	if (mkdirat(objects_fd, dir, 0755) && errno != EEXIST)
		return -1;
	final_rel(id, rel);
	/* No directory fsync: if a crash loses the rename, the file is still in
	 * tmp/ with its `blobs` row, and blob_recover publishes it again. */
	if (renameat(tmp_fd, id, objects_fd, rel)) {
		int e = errno;
		if (e == ENOENT) {
			/* A later commit may have released (and unlinked) this blob
			 * before we got to rename it: that is not an error. */
			sqlite3_stmt *st = db_prep("SELECT 1 FROM blobs WHERE id = ?");
			db_bind_text(st, 1, id);
			bool registered = sqlite3_step(st) == SQLITE_ROW;
			db_done(st);
			if (!registered)
				return 0;
		}
		log_error("cannot publish blob %s: %s", id, strerror(e));
		return -1;
	}
	return 0;
}

int blob_publish(struct blob_writer *w)
{
	free(w->mem);
	w->mem = NULL;
	return is_inline(w->id) ? 0 : publish_id(w->id);
}

void blob_abort(struct blob_writer *w)
{
	free(w->mem);
	w->mem = NULL;
	if (w->fd >= 0)
		close(w->fd);
	w->fd = -1;
	if (!is_inline(w->id))
		unlinkat(tmp_fd, w->id, 0);
}

bool blob_is_inline(const char *id)
{
	return is_inline(id);
}

void *blob_load_inline(const char *id, size_t *len)
{
	sqlite3_stmt *st = db_prep("SELECT data FROM blob_inline WHERE id = ?");
	db_bind_text(st, 1, id);
	void *out = NULL;
	if (sqlite3_step(st) == SQLITE_ROW) {
		*len = (size_t)sqlite3_column_bytes(st, 0);
		out = xmalloc(*len + 1);
		if (*len)
			memcpy(out, sqlite3_column_blob(st, 0), *len);
	}
	db_done(st);
	return out;
}

/* An inline blob as a read-only memory file, so readers (sendfile, pread,
 * copy_file_range's fallback) need not care where it lives. */
static int open_inline(const char *id)
{
	size_t n;
	char *p = blob_load_inline(id, &n);
	int fd = -1;
	if (p) {
		fd = memfd_create("nuage-blob", MFD_CLOEXEC);
		const char *s = p;
		size_t left = n;
		while (fd >= 0 && left) {
			ssize_t k = write(fd, s, left);
			if (k < 0 && errno == EINTR)
				continue;
			if (k <= 0) {
				close(fd);
				fd = -1;
				break;
			}
			s += k;
			left -= (size_t)k;
		}
		if (fd >= 0)
			lseek(fd, 0, SEEK_SET);
		free(p);
	}
	return fd;
}

int blob_open(const char *id)
{
	char rel[64];
	if (strlen(id) != BLOB_ID_LEN || strchr(id, '/'))
		return -1;
	if (is_inline(id))
		return open_inline(id);
	final_rel(id, rel);
	int fd = openat(objects_fd, rel, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		fd = openat(tmp_fd, id, O_RDONLY | O_CLOEXEC); /* committed, publish in progress */
	if (fd < 0)
		fd = openat(objects_fd, rel, O_RDONLY | O_CLOEXEC); /* ... and just finished */
	return fd;
}

int blob_release(const char *id)
{
	if (forget_gone())
		return -1;
	if (is_inline(id)) {
		sqlite3_stmt *st = db_prep("DELETE FROM blob_inline WHERE id = ?");
		db_bind_text(st, 1, id);
		int rc = sqlite3_step(st);
		db_done(st);
		return rc == SQLITE_DONE ? 0 : -1;
	}
	sqlite3_stmt *st = db_prep("DELETE FROM blobs WHERE id = ?");
	db_bind_text(st, 1, id);
	int rc = sqlite3_step(st);
	db_done(st);
	if (rc != SQLITE_DONE)
		return -1;
	st = db_prep("INSERT OR IGNORE INTO blob_trash(id) VALUES (?)");
	db_bind_text(st, 1, id);
	rc = sqlite3_step(st);
	db_done(st);
	if (rc != SQLITE_DONE)
		return -1;
	if (!mine)
		mine = xmalloc(sizeof *mine * PENDING_MAX);
	if (nmine < PENDING_MAX)
		memcpy(mine[nmine++], id, BLOB_ID_LEN + 1);
	/* Past PENDING_MAX in one transaction, the rest wait for recovery. */
	return 0;
}

static void unlink_id(const char *id)
{
	char rel[64];
	final_rel(id, rel);
	unlinkat(objects_fd, rel, 0);
	unlinkat(tmp_fd, id, 0);
}

void blob_collect(void)
{
	if (!nmine)
		return;
	for (int i = 0; i < nmine; i++)
		unlink_id(mine[i]);
	pthread_mutex_lock(&gone_mu);
	if (!gone)
		gone = xmalloc(sizeof *gone * PENDING_MAX);
	for (int i = 0; i < nmine && ngone < PENDING_MAX; i++)
		memcpy(gone[ngone++], mine[i], BLOB_ID_LEN + 1);
	pthread_mutex_unlock(&gone_mu);
	nmine = 0;
}

void blob_thread_done(void)
{
	free(mine);
	mine = NULL;
	nmine = 0;
}

/* Unlinks every trashed blob and forgets it: start-up only. */
static void collect_all(void)
{
	for (;;) {
		char ids[64][BLOB_ID_LEN + 1];
		int n = 0;
		sqlite3_stmt *st = db_prep("SELECT id FROM blob_trash LIMIT 64");
		while (n < 64 && sqlite3_step(st) == SQLITE_ROW)
			snprintf(ids[n++], sizeof ids[0], "%s", db_col_text(st, 0));
		db_done(st);
		if (!n || db_begin())
			return;
		for (int i = 0; i < n; i++) {
			unlink_id(ids[i]);
			st = db_prep("DELETE FROM blob_trash WHERE id = ?");
			db_bind_text(st, 1, ids[i]);
			sqlite3_step(st);
			db_done(st);
		}
		db_commit();
		if (n < 64)
			return;
	}
}

int blob_recover(void)
{
	int dfd = dup(tmp_fd);
	DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
	if (!d)
		return -1;
	int published = 0, removed = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		bool known = false;
		if (strlen(e->d_name) == BLOB_ID_LEN) {
			sqlite3_stmt *st = db_prep("SELECT 1 FROM blobs WHERE id = ?");
			db_bind_text(st, 1, e->d_name);
			known = sqlite3_step(st) == SQLITE_ROW;
			db_done(st);
		}
		if (known && !publish_id(e->d_name)) {
			published++;
		} else {
			unlinkat(tmp_fd, e->d_name, 0);
			removed++;
		}
	}
	closedir(d);
	collect_all();
	if (published || removed)
		log_info("blob recovery: %d committed blobs published, %d unfinished uploads removed", published, removed);
	return 0;
}
