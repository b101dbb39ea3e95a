/* reader.c — S3's side of engine/objects.h: other parts of nuage read an
 * object's body by bucket and key (Lambda code from S3Bucket/S3Key)
 * without calling S3's handlers. The same rules as GetObject: the bucket
 * must exist and belong to the reader's account; objects have no versions
 * here but "null". */
#include "engine/objects.h"
#include "store/blob.h"
#include "store/db.h"
#include "svc/s3/s3int.h"

#include <stdio.h>
#include <string.h>

static int fail(struct objects_error *e, const char *code, const char *msg)
{
	snprintf(e->code, sizeof e->code, "%s", code);
	snprintf(e->message, sizeof e->message, "%s", msg);
	return -1;
}

static int s3_open_object(const char *account, const char *bucket, const char *key, const char *version, int *fd,
			  int64_t *size, struct objects_error *e)
{
	sqlite3_stmt *st = db_prep("SELECT account FROM s3_buckets WHERE name = ?");
	db_bind_text(st, 1, bucket);
	int rc = sqlite3_step(st);
	bool mine = rc == SQLITE_ROW && !strcmp(db_col_text(st, 0), account);
	db_done(st);
	if (rc != SQLITE_ROW)
		return fail(e, "NoSuchBucket", "The specified bucket does not exist");
	if (!mine)
		return fail(e, "AccessDenied", "Access Denied");
	if (version && *version && strcmp(version, "null"))
		return fail(e, "NoSuchVersion", "The specified version does not exist.");
	st = db_prep("SELECT blob, size FROM s3_objects WHERE bucket = ? AND key = ?");
	db_bind_text(st, 1, bucket);
	db_bind_text(st, 2, key);
	char blob[BLOB_ID_LEN + 1] = "";
	if (sqlite3_step(st) == SQLITE_ROW) {
		snprintf(blob, sizeof blob, "%s", db_col_text(st, 0));
		*size = sqlite3_column_int64(st, 1);
	}
	db_done(st);
	if (!blob[0])
		return fail(e, "NoSuchKey", "The specified key does not exist.");
	if ((*fd = blob_open(blob)) < 0)
		return fail(e, "InternalError", "We encountered an internal error. Please try again.");
	return 0;
}

void s3_reader_register(void)
{
	objects_register(s3_open_object);
}
