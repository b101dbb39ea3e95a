/* objects.c — see objects.h.
 *
 * PURGE deletes the row and releases the blob in one nuage.db transaction,
 * as S3's DeleteObject does; it does not emit an s3:ObjectRemoved
 * notification (docs/warehouse.md says so).
 */
#include "warehouse/objects.h"
#include "core/log.h"
#include "core/mem.h"
#include "store/db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int obj_parse_url(const char *url, char **bucket, char **prefix)
{
	if (strncasecmp(url, "s3://", 5))
		return -1;
	const char *b = url + 5;
	const char *slash = strchr(b, '/');
	size_t bl = slash ? (size_t)(slash - b) : strlen(b);
	if (!bl || bl > 63)
		return -1;
	*bucket = xstrndup(b, bl);
	*prefix = xstrdup(slash ? slash + 1 : "");
	return 0;
}

int obj_bucket_check(const char *bucket, const char *account, struct wh_err *e)
{
	sqlite3_stmt *st = db_prep("SELECT account FROM s3_buckets WHERE name = ?");
	db_bind_text(st, 1, bucket);
	int rc = sqlite3_step(st);
	bool ok = rc == SQLITE_ROW && account && !strcmp(db_col_text(st, 0), account);
	db_done(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		wh_err_set(e, "58000", "cannot read the bucket list: %s", db_errmsg());
		return -1;
	}
	if (!ok) {
		wh_err_set(e, "42501",
			   "Failed to access remote file: access denied. Please check your credentials (bucket '%s' does "
			   "not exist in this nuage or belongs to another account)",
			   bucket);
		return -1;
	}
	return 0;
}

static void strip_quotes(char *out, size_t n, const char *etag)
{
	size_t l = etag ? strlen(etag) : 0;
	if (l >= 2 && etag[0] == '"' && etag[l - 1] == '"')
		snprintf(out, n, "%.*s", (int)(l - 2), etag + 1);
	else
		snprintf(out, n, "%s", etag ? etag : "");
}

static void fill(sqlite3_stmt *st, struct wh_object *o)
{
	o->key = xstrdup(db_col_text(st, 0));
	o->size = sqlite3_column_int64(st, 1);
	strip_quotes(o->etag, sizeof o->etag, db_col_text(st, 2));
	snprintf(o->blob, sizeof o->blob, "%s", db_col_text(st, 3) ? db_col_text(st, 3) : "");
	o->mtime = sqlite3_column_int64(st, 4);
}

int obj_list(const char *bucket, const char *prefix, int max, struct wh_object **out, int *n, struct wh_err *e)
{
	*out = NULL;
	*n = 0;
	/* Keys sort as bytes; prefix || 0xFF is above every key that starts
	 * with prefix (0xFF never occurs in UTF-8). */
	size_t pl = strlen(prefix);
	char *upper = xmalloc(pl + 2);
	memcpy(upper, prefix, pl);
	upper[pl] = (char)0xff;
	upper[pl + 1] = 0;
	sqlite3_stmt *st = db_prep("SELECT key, size, etag, blob, mtime FROM s3_objects WHERE bucket = ?1 AND key >= ?2 "
				   "AND key < ?3 ORDER BY key");
	db_bind_text(st, 1, bucket);
	db_bind_text(st, 2, prefix);
	sqlite3_bind_text(st, 3, upper, (int)(pl + 1), SQLITE_TRANSIENT);
	free(upper);
	int cap = 0, rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n >= max) {
			db_done(st);
			obj_list_free(*out, *n);
			*out = NULL;
			*n = 0;
			wh_err_set(e, "54000", "more than %d files under s3://%s/%s: narrow the path or use PATTERN", max, bucket,
				   prefix);
			return -1;
		}
		if (*n == cap) {
			cap = cap ? cap * 2 : 64;
			*out = xrealloc(*out, sizeof **out * (size_t)cap);
		}
		fill(st, &(*out)[(*n)++]);
	}
	db_done(st);
	if (rc != SQLITE_DONE) {
		obj_list_free(*out, *n);
		*out = NULL;
		*n = 0;
		wh_err_set(e, "58000", "cannot list s3://%s/%s: %s", bucket, prefix, db_errmsg());
		return -1;
	}
	return 0;
}

void obj_list_free(struct wh_object *list, int n)
{
	for (int i = 0; i < n; i++)
		free(list[i].key);
	free(list);
}

int obj_get(const char *bucket, const char *key, struct wh_object *o, struct wh_err *e)
{
	memset(o, 0, sizeof *o);
	sqlite3_stmt *st = db_prep("SELECT key, size, etag, blob, mtime FROM s3_objects WHERE bucket = ? AND key = ?");
	db_bind_text(st, 1, bucket);
	db_bind_text(st, 2, key);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		fill(st, o);
	db_done(st);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	wh_err_set(e, "58000", "cannot read s3://%s/%s: %s", bucket, key, db_errmsg());
	return -1;
}

int obj_purge(const char *bucket, const char *key, const char *etag)
{
	if (db_begin())
		return -1;
	sqlite3_stmt *st = db_prep("SELECT blob, etag FROM s3_objects WHERE bucket = ? AND key = ?");
	db_bind_text(st, 1, bucket);
	db_bind_text(st, 2, key);
	char blob[BLOB_ID_LEN + 1] = "", cur[80] = "";
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		snprintf(blob, sizeof blob, "%s", db_col_text(st, 0));
		strip_quotes(cur, sizeof cur, db_col_text(st, 1));
	}
	db_done(st);
	if (rc != SQLITE_ROW || strcmp(cur, etag)) {
		db_rollback(); /* gone, or replaced since it was loaded: leave it */
		return 0;
	}
	st = db_prep("DELETE FROM s3_objects WHERE bucket = ? AND key = ?");
	db_bind_text(st, 1, bucket);
	db_bind_text(st, 2, key);
	rc = sqlite3_step(st);
	db_done(st);
	if (rc != SQLITE_DONE || (blob[0] && blob_release(blob))) {
		log_warn("PURGE of s3://%s/%s failed: %s", bucket, key, db_errmsg());
		db_rollback();
		return -1;
	}
	if (db_commit())
		return -1;
	blob_collect();
	return 0;
}
