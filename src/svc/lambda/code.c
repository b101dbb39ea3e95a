/* code.c — deployment packages: checking a zip when it arrives, keeping
 * it (store/blob.c, one blob per distinct SHA-256), and unpacking it into
 * <data>/lambda/code/<sha256> where environments run it.
 *
 * Write path (CreateFunction / UpdateFunctionCode):
 *   accept: ZipFile bytes, or S3Bucket/S3Key read through engine/objects.h
 *           (nuage's S3); size limits, zip structure (formats/zip.c), every
 *           path safe, every symlink inside the package -> temp blob (if new)
 *   commit: in the caller's transaction, the blob and its lambda_code row
 *   finish: publish the blob; schedule the activation job on the pool
 *   job:    unpack into code/.tmp-XXXX, rename to code/<sha>, then flip the
 *           version Pending -> Active / LastUpdateStatus InProgress ->
 *           Successful (or Failed with the reason) in one transaction.
 * Invariants:
 *  1. A directory code/<sha> exists only complete (rename is the commit);
 *     start-up removes code/.tmp-* left by a crash and re-runs activations
 *     still Pending / InProgress.
 *  2. Nothing is written outside the package directory: paths are
 *     normalized by zip_safe_path, every directory component is opened
 *     O_NOFOLLOW (a symlink in the archive cannot redirect a later entry),
 *     files are created O_EXCL, and symlinks are created last and only when
 *     zip_symlink_inside accepts their target.
 *  3. A lambda_code row (and its blob) lives while some version uses it.
 */
#include "svc/lambda/lambda.h"
#include "core/buf.h"
#include "core/enc.h"
#include "core/hash.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/rand.h"
#include "core/clock.h"
#include "engine/objects.h"
#include "engine/pool.h"
#include "formats/zip.h"
#include "store/db.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_ENTRIES 200000
#define MAX_LINK 4096

void lambda_code_dir(const char *sha, char *out, size_t n)
{
	snprintf(out, n, "%s/%s", lambda_cfg.code_dir, sha);
}

static int zip_error(struct call *c, const char *why)
{
	return call_error(c, ERR_LAMBDA_INVALID_ZIP, "Could not unzip uploaded file. Please check your file, then try to upload "
						  "again. (%s)", why);
}

static int read_small(void *arg, const void *p, size_t n)
{
	struct buf *b = arg;
	return buf_add(b, p, n);
}

/* Structure, paths and symlink targets, before anything is kept. */
static int check_zip(struct call *c, const struct zip_src *src, int64_t *unzipped)
{
	struct zip_limits lim = {.max_entries = MAX_ENTRIES, .max_total = LAMBDA_MAX_UNZIPPED};
	struct zip z;
	char err[256], path[PATH_MAX];
	int rc = -1;
	if (zip_open(&z, src, &lim, err, sizeof err)) {
		if (strstr(err, "uncompressed size exceeds"))
			call_error(c, ERR_LAMBDA_INVALID_PARAMETER, "Unzipped size must be smaller than %d bytes", LAMBDA_MAX_UNZIPPED);
		else
			zip_error(c, err);
		goto out;
	}
	for (uint32_t i = 0; i < z.n; i++) {
		const struct zip_entry *e = &z.entries[i];
		int sp = zip_safe_path(e->name, e->name_len, path, sizeof path);
		if (sp < 0) {
			char what[300];
			snprintf(what, sizeof what, "the entry '%.*s' would be written outside the function directory",
				 e->name_len > 200 ? 200 : (int)e->name_len, e->name);
			zip_error(c, what);
			goto out;
		}
		if (!e->is_symlink)
			continue;
		struct buf t;
		buf_init(&t, MAX_LINK);
		int x = sp == 1 ? zip_extract(&z, i, read_small, &t, NULL, err, sizeof err) : -1;
		bool inside = x == 0 && zip_symlink_inside(path, buf_str(&t), t.len);
		buf_free(&t);
		if (!inside) {
			char what[300];
			snprintf(what, sizeof what, "the symbolic link '%.200s' points outside the function directory", path);
			zip_error(c, what);
			goto out;
		}
	}
	*unzipped = z.total_usize;
	rc = 0;
out:
	zip_close(&z);
	return rc;
}

static bool code_known(const char *sha)
{
	sqlite3_stmt *st = db_prep("SELECT 1 FROM lambda_code WHERE sha = ?");
	db_bind_text(st, 1, sha);
	bool k = sqlite3_step(st) == SQLITE_ROW;
	db_done(st);
	return k;
}

/* Digests and size of a package, and a temp blob when it is new. */
static int keep(struct call *c, const unsigned char d[SHA256_LEN], int64_t size, struct lambda_code *lc,
		int (*copy)(void *arg, struct blob_writer *w), void *arg)
{
	hex_encode(d, SHA256_LEN, lc->sha_hex);
	base64_encode(d, SHA256_LEN, lc->sha_b64);
	lc->size = size;
	if (code_known(lc->sha_hex))
		return 0;
	if (blob_create(&lc->w) || copy(arg, &lc->w) || blob_seal(&lc->w)) {
		blob_abort(&lc->w);
		return call_error(c, ERR_LAMBDA_SERVICE, "Could not store the deployment package.");
	}
	lc->fresh = true;
	return 0;
}

struct mem_pkg {
	const char *data;
	size_t len;
};

static int copy_mem(void *arg, struct blob_writer *w)
{
	struct mem_pkg *m = arg;
	return blob_write(w, m->data, m->len);
}

static int copy_fd(void *arg, struct blob_writer *w)
{
	int fd = *(int *)arg;
	char buf[65536];
	int64_t off = 0;
	ssize_t n;
	while ((n = pread(fd, buf, sizeof buf, off)) > 0) {
		if (blob_write(w, buf, (size_t)n))
			return -1;
		off += n;
	}
	return n < 0 ? -1 : 0;
}

/* S3Bucket / S3Key: read through engine/objects.h (nuage's S3), as
 * Lambda's own GetObject would, with AWS's wording for S3's errors. */
static int from_s3(struct call *c, json_t *code, struct lambda_code *lc)
{
	const char *bucket = json_string_value(json_object_get(code, "S3Bucket"));
	const char *key = json_string_value(json_object_get(code, "S3Key"));
	const char *version = json_string_value(json_object_get(code, "S3ObjectVersion"));
	if (!bucket || !key)
		return call_error(c, ERR_LAMBDA_INVALID_PARAMETER, "Please provide both S3Bucket and S3Key.");
	int fd = -1;
	int64_t size = 0;
	struct objects_error e;
	int rc = objects_open(c->who.account, bucket, key, version, &fd, &size, &e);
	if (rc)
		return call_error(c, ERR_LAMBDA_INVALID_PARAMETER,
				  "Error occurred while GetObject. S3 Error Code: %s. S3 Error Message: %s", e.code, e.message);
	rc = -1;
	if (size > LAMBDA_MAX_UNZIPPED) {
		call_error(c, ERR_LAMBDA_INVALID_PARAMETER, "Unzipped size must be smaller than %d bytes", LAMBDA_MAX_UNZIPPED);
		goto out;
	}
	struct zip_src src;
	zip_src_fd(&src, &fd, size);
	if (check_zip(c, &src, &lc->unzipped))
		goto out;
	struct sha256_ctx h;
	sha256_init(&h);
	char buf[65536];
	ssize_t n;
	int64_t off = 0;
	while ((n = pread(fd, buf, sizeof buf, off)) > 0) {
		sha256_update(&h, buf, (size_t)n);
		off += n;
	}
	unsigned char d[SHA256_LEN];
	sha256_final(&h, d);
	if (n < 0 || off != size) {
		call_error(c, ERR_LAMBDA_SERVICE, "Could not read the deployment package from S3.");
		goto out;
	}
	rc = keep(c, d, size, lc, copy_fd, &fd);
out:
	close(fd);
	return rc;
}

int lambda_code_accept(struct call *c, json_t *code, struct lambda_code *lc)
{
	memset(lc, 0, sizeof *lc);
	lc->w.fd = -1;
	if (!code)
		return call_error(c, ERR_LAMBDA_INVALID_PARAMETER, "Please provide a source for function code.");
	if (json_object_get(code, "ImageUri"))
		return call_error(c, ERR_LAMBDA_INVALID_PARAMETER,
				  "nuage does not run container images: package the function as a .zip file.");
	json_t *zipf = json_object_get(code, "ZipFile");
	bool s3 = json_object_get(code, "S3Bucket") || json_object_get(code, "S3Key");
	if (zipf && s3)
		return call_error(c, ERR_LAMBDA_INVALID_PARAMETER,
				  "Please provide either a ZipFile or an S3Bucket and S3Key, not both.");
	if (s3)
		return from_s3(c, code, lc);
	if (!zipf || !json_string_length(zipf))
		return call_error(c, ERR_LAMBDA_INVALID_PARAMETER, "Please provide a source for function code.");
	struct mem_pkg m = {json_string_value(zipf), json_string_length(zipf)};
	if (m.len > LAMBDA_MAX_ZIPPED)
		return call_error(c, ERR_LAMBDA_REQUEST_TOO_LARGE, "Request must be smaller than %d bytes for the %s operation",
				  LAMBDA_MAX_REQUEST, c->op->name);
	struct zip_src src;
	zip_src_mem(&src, m.data, m.len);
	if (check_zip(c, &src, &lc->unzipped))
		return -1;
	unsigned char d[SHA256_LEN];
	sha256(m.data, m.len, d);
	return keep(c, d, (int64_t)m.len, lc, copy_mem, &m);
}

int lambda_code_commit(const struct lambda_code *lc)
{
	if (!lc->fresh)
		return 0;
	if (blob_register(&lc->w))
		return -1;
	sqlite3_stmt *st = db_prep("INSERT INTO lambda_code(sha, blob, size, unzipped, created) VALUES (?, ?, ?, ?, ?) "
				   "ON CONFLICT DO NOTHING");
	db_bind_text(st, 1, lc->sha_hex);
	db_bind_text(st, 2, lc->w.id);
	sqlite3_bind_int64(st, 3, lc->size);
	sqlite3_bind_int64(st, 4, lc->unzipped);
	sqlite3_bind_int64(st, 5, clock_wall_ms());
	return lambda_step(st);
}

void lambda_code_finish(struct lambda_code *lc, bool committed)
{
	if (!lc->fresh)
		return;
	if (committed)
		blob_publish(&lc->w);
	else
		blob_abort(&lc->w);
	lc->fresh = false;
}

/* ---- unpacking ---- */

struct file_sink {
	int fd;
};

static int write_fd(void *arg, const void *p, size_t n)
{
	struct file_sink *s = arg;
	const char *b = p;
	while (n) {
		ssize_t k = write(s->fd, b, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		b += k;
		n -= (size_t)k;
	}
	return 0;
}

/* Opens (creating) each directory of a relative path below root, never
 * following a symlink. Returns the parent's fd and points *base at the
 * last component; -1 on failure. */
static int open_parent(int root, char *path, const char **base, bool create_last_dir)
{
	int fd = dup(root);
	char *p = path;
	for (;;) {
		char *slash = strchr(p, '/');
		if (!slash && !create_last_dir) {
			*base = p;
			return fd;
		}
		if (slash)
			*slash = 0;
		if (mkdirat(fd, p, 0755) && errno != EEXIST) {
			close(fd);
			return -1;
		}
		int next = openat(fd, p, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		close(fd);
		if (next < 0)
			return -1;
		fd = next;
		if (!slash) {
			*base = NULL;
			return fd;
		}
		*slash = '/';
		p = slash + 1;
	}
}

static int unpack(int blob_fd, int64_t size, const char *dest, char *err, size_t errlen)
{
	struct zip_src src;
	zip_src_fd(&src, &blob_fd, size);
	struct zip_limits lim = {.max_entries = MAX_ENTRIES, .max_total = LAMBDA_MAX_UNZIPPED};
	struct zip z;
	int rc = -1, root = -1;
	if (zip_open(&z, &src, &lim, err, errlen))
		goto out;
	root = open(dest, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (root < 0) {
		snprintf(err, errlen, "cannot open %s: %s", dest, strerror(errno));
		goto out;
	}
	int64_t budget = LAMBDA_MAX_UNZIPPED;
	char path[PATH_MAX];
	for (int pass = 0; pass < 2; pass++) {
		/* Pass 0: directories and files. Pass 1: symlinks, once nothing
		 * else will be written. */
		for (uint32_t i = 0; i < z.n; i++) {
			const struct zip_entry *e = &z.entries[i];
			if (e->is_symlink != (pass == 1))
				continue;
			int sp = zip_safe_path(e->name, e->name_len, path, sizeof path);
			if (sp < 0) {
				snprintf(err, errlen, "unsafe path in the archive");
				goto out;
			}
			if (sp == 0)
				continue;
			const char *base;
			int dfd = open_parent(root, path, &base, e->is_dir);
			if (dfd < 0) {
				snprintf(err, errlen, "cannot create the directories of %.200s: %s", path, strerror(errno));
				goto out;
			}
			if (e->is_dir) {
				close(dfd);
				continue;
			}
			if (e->is_symlink) {
				struct buf t;
				buf_init(&t, MAX_LINK);
				int x = zip_extract(&z, i, read_small, &t, &budget, err, errlen);
				int s = x == 0 && zip_symlink_inside(path, buf_str(&t), t.len) ? symlinkat(buf_str(&t), dfd, base) : -1;
				buf_free(&t);
				close(dfd);
				if (s) {
					snprintf(err, errlen, "cannot create the symbolic link %.200s", path);
					goto out;
				}
				continue;
			}
			mode_t mode = (e->mode & 0111) ? 0755 : 0644;
			struct file_sink fs = {openat(dfd, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode)};
			close(dfd);
			if (fs.fd < 0) {
				snprintf(err, errlen, "cannot create %.200s: %s", path,
					 errno == EEXIST ? "the archive names it twice" : strerror(errno));
				goto out;
			}
			int x = zip_extract(&z, i, write_fd, &fs, &budget, err, errlen);
			close(fs.fd);
			if (x)
				goto out;
		}
	}
	rc = 0;
out:
	if (root >= 0)
		close(root);
	zip_close(&z);
	return rc;
}

void lambda_remove_tree(const char *path)
{
	DIR *d = opendir(path);
	if (d) {
		struct dirent *de;
		while ((de = readdir(d))) {
			if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
				continue;
			char sub[PATH_MAX];
			if ((size_t)snprintf(sub, sizeof sub, "%s/%s", path, de->d_name) >= sizeof sub)
				continue;
			struct stat st;
			if (!lstat(sub, &st) && S_ISDIR(st.st_mode))
				lambda_remove_tree(sub);
			else
				unlink(sub);
		}
		closedir(d);
	}
	rmdir(path);
}

static pthread_mutex_t unpack_mu = PTHREAD_MUTEX_INITIALIZER;

/* code/<sha> exists afterwards, or err says why not. */
static int ensure_unpacked(const char *sha, char *err, size_t errlen)
{
	char dir[PATH_MAX], tmp[PATH_MAX];
	lambda_code_dir(sha, dir, sizeof dir);
	struct stat st;
	if (!stat(dir, &st))
		return 0;
	pthread_mutex_lock(&unpack_mu);
	int rc = -1, fd = -1;
	if (!stat(dir, &st)) {
		rc = 0;
		goto out;
	}
	sqlite3_stmt *q = db_prep("SELECT blob, size FROM lambda_code WHERE sha = ?");
	db_bind_text(q, 1, sha);
	char blob[64] = "";
	int64_t size = 0;
	if (sqlite3_step(q) == SQLITE_ROW) {
		snprintf(blob, sizeof blob, "%s", db_col_text(q, 0));
		size = sqlite3_column_int64(q, 1);
	}
	db_done(q);
	if (!blob[0] || (fd = blob_open(blob)) < 0) {
		snprintf(err, errlen, "the deployment package is missing from the store");
		goto out;
	}
	char r[9];
	unsigned char rb[4];
	rand_bytes(rb, sizeof rb);
	hex_encode(rb, sizeof rb, r);
	snprintf(tmp, sizeof tmp, "%s/.tmp-%s", lambda_cfg.code_dir, r);
	if (mkdir(tmp, 0755)) {
		snprintf(err, errlen, "cannot create %s: %s", tmp, strerror(errno));
		goto out;
	}
	if (unpack(fd, size, tmp, err, errlen) || rename(tmp, dir)) {
		if (!err[0])
			snprintf(err, errlen, "cannot move the unpacked package into place: %s", strerror(errno));
		lambda_remove_tree(tmp);
		goto out;
	}
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	pthread_mutex_unlock(&unpack_mu);
	return rc;
}

struct activation {
	char account[16], region[32], name[72], version[16], sha[72];
};

static void activate_job(void *arg)
{
	struct activation *a = arg;
	char err[512] = "";
	int u = ensure_unpacked(a->sha, err, sizeof err);
	if (u)
		log_error("lambda: cannot unpack the package of %s:%s: %s", a->name, a->version, err);
	if (db_begin() == 0) {
		sqlite3_stmt *st =
			db_prep(u == 0 ? "UPDATE lambda_versions SET state = 'Active', state_reason = NULL, state_code = NULL, "
					 "update_status = 'Successful', update_reason = NULL, update_code = NULL "
					 "WHERE account = ?1 AND region = ?2 AND name = ?3 AND version = ?4 AND code_sha = ?5"
				       : "UPDATE lambda_versions SET state = CASE state WHEN 'Pending' THEN 'Failed' ELSE state END, "
					 "state_reason = CASE state WHEN 'Pending' THEN ?6 ELSE state_reason END, "
					 "state_code = CASE state WHEN 'Pending' THEN 'InternalError' ELSE state_code END, "
					 "update_status = 'Failed', update_reason = ?6, update_code = 'InternalError' "
					 "WHERE account = ?1 AND region = ?2 AND name = ?3 AND version = ?4 AND code_sha = ?5");
		lambda_bind_fn(st, a->account, a->region, a->name);
		db_bind_text(st, 4, a->version);
		db_bind_text(st, 5, a->sha);
		if (u)
			db_bind_text(st, 6, err);
		lambda_settle(lambda_step(st));
	}
	free(a);
}

void lambda_code_schedule(const char *account, const char *region, const char *name, const char *version, const char *sha)
{
	struct activation *a = xcalloc(1, sizeof *a);
	snprintf(a->account, sizeof a->account, "%s", account);
	snprintf(a->region, sizeof a->region, "%s", region);
	snprintf(a->name, sizeof a->name, "%s", name);
	snprintf(a->version, sizeof a->version, "%s", version);
	snprintf(a->sha, sizeof a->sha, "%s", sha);
	if (pool_submit(activate_job, a)) {
		/* The pool is full: do it here rather than leave it Pending. */
		activate_job(a);
	}
}

int lambda_code_release_unused(void)
{
	sqlite3_stmt *st = db_prep("SELECT blob FROM lambda_code c WHERE NOT EXISTS "
				   "(SELECT 1 FROM lambda_versions v WHERE v.code_sha = c.sha)");
	int rc = 0;
	while (sqlite3_step(st) == SQLITE_ROW)
		rc |= blob_release(db_col_text(st, 0));
	db_done(st);
	st = db_prep("DELETE FROM lambda_code WHERE NOT EXISTS (SELECT 1 FROM lambda_versions v WHERE v.code_sha = lambda_code.sha)");
	rc |= sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
	db_done(st);
	return rc;
}

void lambda_code_sweep_dirs(void)
{
	blob_collect();
	DIR *d = opendir(lambda_cfg.code_dir);
	if (!d)
		return;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		sqlite3_stmt *st = db_prep("SELECT 1 FROM lambda_code WHERE sha = ?");
		db_bind_text(st, 1, de->d_name);
		bool used = sqlite3_step(st) == SQLITE_ROW;
		db_done(st);
		if (!used) {
			char p[PATH_MAX];
			lambda_code_dir(de->d_name, p, sizeof p);
			lambda_remove_tree(p);
		}
	}
	closedir(d);
}

void lambda_code_recover(void)
{
	/* Temp directories of unpacks a crash interrupted. */
	DIR *d = opendir(lambda_cfg.code_dir);
	if (d) {
		struct dirent *de;
		while ((de = readdir(d))) {
			if (strncmp(de->d_name, ".tmp-", 5))
				continue;
			char p[PATH_MAX];
			snprintf(p, sizeof p, "%s/%s", lambda_cfg.code_dir, de->d_name);
			lambda_remove_tree(p);
		}
		closedir(d);
	}
	lambda_code_sweep_dirs();
	sqlite3_stmt *st = db_prep("SELECT account, region, name, version, code_sha FROM lambda_versions "
				   "WHERE state = 'Pending' OR update_status = 'InProgress'");
	while (sqlite3_step(st) == SQLITE_ROW)
		lambda_code_schedule(db_col_text(st, 0), db_col_text(st, 1), db_col_text(st, 2), db_col_text(st, 3),
				     db_col_text(st, 4));
	db_done(st);
	db_release();
}
