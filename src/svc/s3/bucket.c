/* bucket.c — S3 bucket operations: CreateBucket, DeleteBucket, HeadBucket,
 * ListBuckets, GetBucketLocation, Put/GetBucketVersioning, and the stand-ins
 * for access control: Get/PutBucketAcl (a fixed owner-only ACL; canned
 * "private" accepted, grants to others refused as NotImplemented),
 * Get/Put/DeleteBucketPolicy (stored and returned, never enforced),
 * Get/Put/DeleteBucketCors (stored and returned, not applied to requests).
 * Bucket names are global; a bucket belongs to the account that made it.
 */
#include "core/clock.h"
#include "store/db.h"
#include "core/str.h"
#include "svc/s3/s3int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int s3_create_bucket(struct call *c)
{
	const char *name = call_str(c, "Bucket");
	const char *why = s3_bucket_name_error(name);
	if (why) {
		call_error_field(c, "BucketName", name);
		return call_error(c, ERR_S3_INVALID_BUCKET_NAME, "%s", why);
	}
	const char *loc = json_string_value(json_object_get(call_get(c, "CreateBucketConfiguration"), "LocationConstraint"));
	const char *region = c->region;
	if (loc && *loc) {
		if (!strcmp(loc, "us-east-1"))
			return call_error(c, ERR_S3_INVALID_LOCATION, "The specified location-constraint is not valid");
		if (strcmp(loc, region))
			return call_error(c, ERR_S3_ILLEGAL_LOCATION,
					  "The %s location constraint is incompatible for the region specific endpoint this request "
					  "was sent to.",
					  loc);
	} else if (strcmp(region, "us-east-1")) {
		return call_error(c, ERR_S3_ILLEGAL_LOCATION, NULL);
	}
	const char *acl = call_str(c, "ACL");
	if (acl && strcmp(acl, "private") && strcmp(acl, "public-read") && strcmp(acl, "public-read-write") &&
	    strcmp(acl, "authenticated-read"))
		return call_error(c, ERR_INVALID_ARGUMENT, NULL);
	if (db_begin())
		return s3_internal(c, "begin");
	sqlite3_stmt *st = db_prep("SELECT account FROM s3_buckets WHERE name = ?");
	db_bind_text(st, 1, name);
	char owner[16] = "";
	if (sqlite3_step(st) == SQLITE_ROW)
		str_copy(owner, sizeof owner, db_col_text(st, 0));
	db_done(st);
	if (owner[0]) {
		db_rollback();
		call_error_field(c, "BucketName", name);
		if (strcmp(owner, c->who.account))
			return call_error(c, ERR_S3_BUCKET_EXISTS, NULL);
		/* us-east-1 keeps S3's legacy answer: re-creating your own bucket succeeds
		 * (and changes nothing); every other region says BucketAlreadyOwnedByYou. */
		if (!strcmp(region, "us-east-1") && !loc) {
			json_decref(c->err_fields);
			c->err_fields = NULL;
			call_set(c, "Location", json_string(arena_printf(c->arena, "/%s", name)));
			return 0;
		}
		return call_error(c, ERR_S3_BUCKET_OWNED, NULL);
	}
	st = db_prep("INSERT INTO s3_buckets(name, account, region, created) VALUES (?, ?, ?, ?)");
	db_bind_text(st, 1, name);
	db_bind_text(st, 2, c->who.account);
	db_bind_text(st, 3, region);
	sqlite3_bind_int64(st, 4, clock_wall_ms());
	int rc = sqlite3_step(st);
	db_done(st);
	if (rc != SQLITE_DONE) {
		db_rollback();
		return s3_internal(c, "create bucket");
	}
	if (db_commit())
		return s3_internal(c, "commit");
	call_set(c, "Location", json_string(arena_printf(c->arena, "/%s", name)));
	return 0;
}

int s3_delete_bucket(struct call *c)
{
	struct s3_bucket b;
	if (s3_input_bucket(c, &b))
		return -1;
	if (db_begin())
		return s3_internal(c, "begin");
	sqlite3_stmt *st = db_prep("SELECT 1 FROM s3_objects WHERE bucket = ? LIMIT 1");
	db_bind_text(st, 1, b.name);
	int nonempty = sqlite3_step(st) == SQLITE_ROW;
	db_done(st);
	if (nonempty) {
		db_rollback();
		call_error_field(c, "BucketName", b.name);
		return call_error(c, ERR_S3_BUCKET_NOT_EMPTY, NULL);
	}
	/* Uploads in progress go with the bucket, as on S3. */
	st = db_prep("SELECT p.blob FROM s3_parts p JOIN s3_uploads u ON p.upload_id = u.upload_id WHERE u.bucket = ?");
	db_bind_text(st, 1, b.name);
	int rc = 0;
	while (sqlite3_step(st) == SQLITE_ROW)
		rc |= blob_release(db_col_text(st, 0));
	db_done(st);
	static const char *const cleanup[] = {
		"DELETE FROM s3_parts WHERE upload_id IN (SELECT upload_id FROM s3_uploads WHERE bucket = ?)",
		"DELETE FROM s3_uploads WHERE bucket = ?",
		"DELETE FROM s3_buckets WHERE name = ?",
	};
	for (size_t i = 0; i < sizeof cleanup / sizeof *cleanup; i++) {
		st = db_prep(cleanup[i]);
		db_bind_text(st, 1, b.name);
		rc |= sqlite3_step(st) != SQLITE_DONE;
		db_done(st);
	}
	if (rc) {
		db_rollback();
		return s3_internal(c, "delete bucket");
	}
	if (db_commit())
		return s3_internal(c, "commit");
	blob_collect();
	return 0;
}

int s3_head_bucket(struct call *c)
{
	struct s3_bucket b;
	if (s3_input_bucket(c, &b)) {
		if (c->err == ERR_S3_NO_SUCH_BUCKET)
			return call_error(c, ERR_S3_NOT_FOUND_HEAD, NULL);
		return -1;
	}
	call_set(c, "BucketRegion", json_string(b.region));
	call_set(c, "AccessPointAlias", json_false());
	return 0;
}

int s3_list_buckets(struct call *c)
{
	const char *prefix = call_str(c, "Prefix");
	const char *token = call_str(c, "ContinuationToken");
	const char *region = call_str(c, "BucketRegion");
	int64_t max = call_int(c, "MaxBuckets", 10000);
	if (max < 1 || max > 10000)
		return call_error(c, ERR_INVALID_ARGUMENT, "Argument max-buckets must be an integer between 1 and 10000.");
	sqlite3_stmt *st = db_prep("SELECT name, created, region FROM s3_buckets WHERE account = ?1 "
				   "AND (?2 IS NULL OR substr(name, 1, length(?2)) = ?2) AND name > coalesce(?3, '') "
				   "AND (?4 IS NULL OR region = ?4) ORDER BY name LIMIT ?5");
	db_bind_text(st, 1, c->who.account);
	db_bind_text(st, 2, prefix);
	db_bind_text(st, 3, token);
	db_bind_text(st, 4, region);
	sqlite3_bind_int64(st, 5, max + 1);
	json_t *list = json_array();
	int n = 0;
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (n == max) {
			call_set(c, "ContinuationToken", json_string(json_string_value(json_object_get(
									 json_array_get(list, json_array_size(list) - 1), "Name"))));
			break;
		}
		json_array_append_new(list, json_pack("{s:s, s:I, s:s}", "Name", db_col_text(st, 0), "CreationDate",
						      (json_int_t)sqlite3_column_int64(st, 1), "BucketRegion", db_col_text(st, 2)));
		n++;
	}
	db_done(st);
	call_set(c, "Buckets", list);
	call_set(c, "Owner", s3_owner(c->who.account));
	if (prefix)
		call_set(c, "Prefix", json_string(prefix));
	return 0;
}

int s3_get_bucket_location(struct call *c)
{
	struct s3_bucket b;
	if (s3_input_bucket(c, &b))
		return -1;
	/* us-east-1 answers an empty LocationConstraint, as S3 does. */
	call_set(c, "LocationConstraint", json_string(strcmp(b.region, "us-east-1") ? b.region : ""));
	return 0;
}

int s3_put_bucket_versioning(struct call *c)
{
	struct s3_bucket b;
	if (s3_input_bucket(c, &b))
		return -1;
	json_t *vc = call_get(c, "VersioningConfiguration");
	const char *status = json_string_value(json_object_get(vc, "Status"));
	if (!status || (strcmp(status, "Enabled") && strcmp(status, "Suspended")))
		return call_error(c, ERR_MALFORMED_XML, NULL);
	/* The status is stored and reported; objects keep a single version (see docs/s3.md). */
	if (db_begin())
		return s3_internal(c, "begin");
	sqlite3_stmt *st = db_prep("UPDATE s3_buckets SET versioning = ? WHERE name = ?");
	db_bind_text(st, 1, status);
	db_bind_text(st, 2, b.name);
	int rc = sqlite3_step(st);
	db_done(st);
	if (rc != SQLITE_DONE) {
		db_rollback();
		return s3_internal(c, "versioning");
	}
	return db_commit() ? s3_internal(c, "commit") : 0;
}

int s3_get_bucket_versioning(struct call *c)
{
	struct s3_bucket b;
	if (s3_input_bucket(c, &b))
		return -1;
	if (b.versioning[0])
		call_set(c, "Status", json_string(b.versioning));
	else
		c->output = json_object(); /* an empty VersioningConfiguration document */
	return 0;
}

/* ---- a column of s3_buckets holding a document (tags, policy, cors) ---- */

static int set_column(struct call *c, const char *sql, const char *bucket, const char *value)
{
	if (db_begin())
		return s3_internal(c, "begin");
	sqlite3_stmt *st = db_prep(sql);
	db_bind_text(st, 1, value);
	db_bind_text(st, 2, bucket);
	int rc = sqlite3_step(st);
	db_done(st);
	if (rc != SQLITE_DONE) {
		db_rollback();
		return s3_internal(c, "bucket update");
	}
	return db_commit() ? s3_internal(c, "commit") : 0;
}

/* Returns the column's text (arena), or NULL when unset. */
static const char *get_column(struct call *c, const char *sql, const char *bucket)
{
	sqlite3_stmt *st = db_prep(sql);
	db_bind_text(st, 1, bucket);
	const char *v = NULL;
	if (sqlite3_step(st) == SQLITE_ROW && db_col_text(st, 0))
		v = arena_strdup(c->arena, db_col_text(st, 0));
	db_done(st);
	return v;
}

int s3_put_bucket_tagging(struct call *c)
{
	struct s3_bucket b;
	if (s3_input_bucket(c, &b))
		return -1;
	json_t *tags;
	if (s3_tags_from_set(c, json_object_get(call_get(c, "Tagging"), "TagSet"), 50, &tags))
		return -1;
	char *tj = json_dumps(tags, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(tags);
	int rc = set_column(c, "UPDATE s3_buckets SET tags = ? WHERE name = ?", b.name, tj);
	free(tj);
	return rc;
}

int s3_get_bucket_tagging(struct call *c)
{
	struct s3_bucket b;
	if (s3_input_bucket(c, &b))
		return -1;
	const char *tj = get_column(c, "SELECT tags FROM s3_buckets WHERE name = ?", b.name);
	json_t *tags = tj ? json_loads(tj, 0, NULL) : NULL;
	if (!tags || !json_object_size(tags)) {
		json_decref(tags);
		call_error_field(c, "BucketName", b.name);
		return call_error(c, ERR_S3_NO_SUCH_TAG_SET, NULL);
	}
	call_set(c, "TagSet", s3_tags_to_set(tags));
	json_decref(tags);
	return 0;
}

int s3_delete_bucket_tagging(struct call *c)
{
	struct s3_bucket b;
	if (s3_input_bucket(c, &b))
		return -1;
	return set_column(c, "UPDATE s3_buckets SET tags = ? WHERE name = ?", b.name, NULL);
}

int s3_put_bucket_policy(struct call *c)
{
	struct s3_bucket b;
	if (s3_input_bucket(c, &b))
		return -1;
	const char *policy = call_str(c, "Policy");
	json_t *doc = policy ? json_loads(policy, 0, NULL) : NULL;
	bool ok = json_is_object(doc) && json_object_get(doc, "Statement");
	json_decref(doc);
	if (!ok)
		return call_error(c, ERR_S3_MALFORMED_POLICY, "Policies must be valid JSON and the first byte must be '{'");
	return set_column(c, "UPDATE s3_buckets SET policy = ? WHERE name = ?", b.name, policy);
}

int s3_get_bucket_policy(struct call *c)
{
	struct s3_bucket b;
	if (s3_input_bucket(c, &b))
		return -1;
	const char *p = get_column(c, "SELECT policy FROM s3_buckets WHERE name = ?", b.name);
	if (!p) {
		call_error_field(c, "BucketName", b.name);
		return call_error(c, ERR_S3_NO_SUCH_POLICY, NULL);
	}
	call_set(c, "Policy", json_string(p));
	return 0;
}

int s3_delete_bucket_policy(struct call *c)
{
	struct s3_bucket b;
	if (s3_input_bucket(c, &b))
		return -1;
	return set_column(c, "UPDATE s3_buckets SET policy = ? WHERE name = ?", b.name, NULL);
}

int s3_put_bucket_cors(struct call *c)
{
	struct s3_bucket b;
	if (s3_input_bucket(c, &b))
		return -1;
	json_t *rules = json_object_get(call_get(c, "CORSConfiguration"), "CORSRules");
	if (!json_array_size(rules) || json_array_size(rules) > 100)
		return call_error(c, ERR_MALFORMED_XML, NULL);
	char *cj = json_dumps(rules, JSON_COMPACT);
	int rc = set_column(c, "UPDATE s3_buckets SET cors = ? WHERE name = ?", b.name, cj);
	free(cj);
	return rc;
}

int s3_get_bucket_cors(struct call *c)
{
	struct s3_bucket b;
	if (s3_input_bucket(c, &b))
		return -1;
	const char *cj = get_column(c, "SELECT cors FROM s3_buckets WHERE name = ?", b.name);
	json_t *rules = cj ? json_loads(cj, 0, NULL) : NULL;
	if (!rules) {
		call_error_field(c, "BucketName", b.name);
		return call_error(c, ERR_S3_NO_SUCH_CORS, NULL);
	}
	call_set(c, "CORSRules", rules);
	return 0;
}

int s3_delete_bucket_cors(struct call *c)
{
	struct s3_bucket b;
	if (s3_input_bucket(c, &b))
		return -1;
	return set_column(c, "UPDATE s3_buckets SET cors = ? WHERE name = ?", b.name, NULL);
}

/* The one ACL nuage has: the owner holds FULL_CONTROL. */
static void owner_acl(struct call *c, const char *account)
{
	json_t *owner = s3_owner(account);
	json_t *grantee = json_pack("{s:O, s:O, s:s}", "ID", json_object_get(owner, "ID"), "DisplayName",
				    json_object_get(owner, "DisplayName"), "Type", "CanonicalUser");
	call_set(c, "Owner", owner);
	call_set(c, "Grants", json_pack("[{s:o, s:s}]", "Grantee", grantee, "Permission", "FULL_CONTROL"));
}

/* Accepts what keeps the ACL owner-only; refuses grants nuage cannot honour. */
int s3_check_acl_request(struct call *c)
{
	const char *canned = call_str(c, "ACL");
	static const char *const grants[] = {"GrantFullControl", "GrantRead", "GrantReadACP", "GrantWrite", "GrantWriteACP", NULL};
	for (int i = 0; grants[i]; i++)
		if (call_str(c, grants[i]))
			return call_error(c, ERR_NOT_IMPLEMENTED, "nuage keeps owner-only ACLs: %s is not supported.", grants[i]);
	if (canned && strcmp(canned, "private") && strcmp(canned, "bucket-owner-full-control"))
		return call_error(c, ERR_NOT_IMPLEMENTED, "nuage keeps owner-only ACLs: canned ACL '%s' is not supported.", canned);
	return 0;
}

int s3_get_bucket_acl(struct call *c)
{
	struct s3_bucket b;
	if (s3_input_bucket(c, &b))
		return -1;
	owner_acl(c, b.account);
	return 0;
}

int s3_put_bucket_acl(struct call *c)
{
	struct s3_bucket b;
	if (s3_input_bucket(c, &b))
		return -1;
	return s3_check_acl_request(c);
}

int s3_get_object_acl(struct call *c)
{
	struct s3_bucket b;
	if (s3_input_bucket(c, &b))
		return -1;
	struct s3_object o;
	int f = s3_object_load(c, b.name, call_str(c, "Key"), &o);
	if (f < 0)
		return s3_internal(c, "object lookup");
	if (!f)
		return s3_no_such_key(c, call_str(c, "Key"));
	owner_acl(c, b.account);
	return 0;
}

int s3_put_object_acl(struct call *c)
{
	struct s3_bucket b;
	if (s3_input_bucket(c, &b))
		return -1;
	struct s3_object o;
	int f = s3_object_load(c, b.name, call_str(c, "Key"), &o);
	if (f < 0)
		return s3_internal(c, "object lookup");
	if (!f)
		return s3_no_such_key(c, call_str(c, "Key"));
	return s3_check_acl_request(c);
}

json_t *s3_cors_rules(const char *bucket)
{
	sqlite3_stmt *st = db_prep("SELECT cors FROM s3_buckets WHERE name = ?");
	db_bind_text(st, 1, bucket);
	json_t *rules = NULL;
	if (sqlite3_step(st) == SQLITE_ROW && db_col_text(st, 0))
		rules = json_loads(db_col_text(st, 0), 0, NULL);
	db_done(st);
	return rules;
}
