/* tagging.c — PutObjectTagging, GetObjectTagging, DeleteObjectTagging:
 * up to 10 tags per object (keys 1-128, values 0-256 characters), stored
 * on the object row; the bucket's tag calls live in bucket.c. */
#include "store/db.h"
#include "svc/s3/s3int.h"

#include <stdlib.h>
#include <string.h>

static int load(struct call *c, struct s3_bucket *b, struct s3_object *o)
{
	if (s3_input_bucket(c, b))
		return -1;
	const char *key = call_str(c, "Key"), *vid = call_str(c, "VersionId");
	int f = s3_object_load(c, b->name, key, o);
	if (f < 0)
		return s3_internal(c, "object lookup");
	if (!f)
		return s3_no_such_key(c, key);
	if (vid && strcmp(vid, "null")) {
		call_error_field(c, "Key", key);
		return call_error(c, ERR_S3_NO_SUCH_VERSION, NULL);
	}
	return 0;
}

/* Replaces the tags of (bucket, key) if its etag is still the one loaded. */
static int store(struct call *c, const struct s3_object *o, json_t *tags)
{
	char *tj = json_object_size(tags) ? json_dumps(tags, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	if (db_begin()) {
		free(tj);
		return s3_internal(c, "begin");
	}
	sqlite3_stmt *st = db_prep("UPDATE s3_objects SET tags = ? WHERE bucket = ? AND key = ? AND blob = ?");
	db_bind_text(st, 1, tj);
	db_bind_text(st, 2, o->bucket);
	db_bind_text(st, 3, o->key);
	db_bind_text(st, 4, o->blob);
	int rc = sqlite3_step(st);
	db_done(st);
	free(tj);
	int changed = db_changes();
	if (rc != SQLITE_DONE) {
		db_rollback();
		return s3_internal(c, "tags");
	}
	if (db_commit())
		return s3_internal(c, "commit");
	if (!changed) /* replaced or deleted meanwhile */
		return s3_no_such_key(c, o->key);
	return 0;
}

int s3_put_object_tagging(struct call *c)
{
	struct s3_bucket b;
	struct s3_object o;
	if (load(c, &b, &o))
		return -1;
	json_t *tags;
	if (s3_tags_from_set(c, json_object_get(call_get(c, "Tagging"), "TagSet"), 10, &tags))
		return -1;
	int rc = store(c, &o, tags);
	json_decref(tags);
	return rc;
}

int s3_get_object_tagging(struct call *c)
{
	struct s3_bucket b;
	struct s3_object o;
	if (load(c, &b, &o))
		return -1;
	call_set(c, "TagSet", s3_tags_to_set(o.tags));
	return 0;
}

int s3_delete_object_tagging(struct call *c)
{
	struct s3_bucket b;
	struct s3_object o;
	if (load(c, &b, &o))
		return -1;
	json_t *none = json_object();
	int rc = store(c, &o, none);
	json_decref(none);
	return rc;
}
