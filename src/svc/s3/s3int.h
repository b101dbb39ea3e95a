/* s3int.h — internals shared by the S3 service's files.
 *
 * Storage model (tables in s3.c):
 *   s3_buckets(name PK, account, region, created, versioning, tags, policy, cors, notification)
 *   s3_objects(bucket, key, size, etag, mtime, blob, storage_class, attrs JSON, tags JSON; PK (bucket, key))
 *   s3_uploads(upload_id PK, bucket, key, initiated, attrs JSON, tags JSON, storage_class)
 *   s3_parts(upload_id, part_number, size, etag, blob, mtime, checksum JSON; PK (upload_id, part_number))
 * Every object is one blob (store/blob.h); multipart uploads are joined into
 * one blob at completion. Keys sort as UTF-8 bytes (SQLite BINARY), exactly
 * S3's listing order.
 */
#ifndef NUAGE_SVC_S3_S3INT_H
#define NUAGE_SVC_S3_S3INT_H

#include <stdbool.h>
#include <stdint.h>

#include "proto/call.h"
#include "store/blob.h"

#define S3_NS "http://s3.amazonaws.com/doc/2006-03-01/"
#define S3_MAX_KEY 1024
#define S3_MAX_META 2048
#define S3_MIN_PART (5LL << 20)
#define S3_MAX_PARTS 10000
#define S3_MAX_OBJECT (5LL << 40)
#define S3_MAX_PUT (5LL << 30)

struct s3_bucket {
	char name[64];
	char account[16];
	char region[32];
	int64_t created;
	char versioning[16]; /* "", "Enabled", "Suspended" */
};

/* What an object row holds; strings live in the call's arena. */
struct s3_object {
	const char *bucket, *key;
	int64_t size, mtime;
	char etag[80];          /* with quotes, as S3 returns it */
	char blob[BLOB_ID_LEN + 1];
	const char *storage_class;
	json_t *attrs;          /* ContentType, ContentEncoding, ..., Metadata, Checksum*, Parts */
	json_t *tags;           /* {"k": "v"} */
};

/* ---- reader.c: objects for the rest of nuage (engine/objects.h) ---- */
void s3_reader_register(void);

/* ---- s3.c: shared helpers ---- */
/* Loads a bucket the caller may use. -1 with NoSuchBucket / AccessDenied set. */
int s3_bucket_get(struct call *c, const char *name, struct s3_bucket *b);
/* AccessDenied unless the caller's account owns b. */
int s3_bucket_check(struct call *c, const struct s3_bucket *b);
/* The bucket named in the input (member "Bucket"). */
int s3_input_bucket(struct call *c, struct s3_bucket *b);
/* 1 found, 0 absent, -1 error. o's json fields are owned by the call's arena cleanups. */
int s3_object_load(struct call *c, const char *bucket, const char *key, struct s3_object *o);
/* Inside a transaction: inserts or replaces the row; releases the blob it replaces. */
int s3_object_put_row(struct call *c, const struct s3_object *o);
/* Inside a transaction: deletes the row and releases its blob. 1 deleted, 0 absent, -1 error. */
int s3_object_delete_row(struct call *c, const char *bucket, const char *key);
/* Content-MD5 or an x-amz-checksum-* header/trailer was sent (DeleteObjects requires one). */
bool s3_has_integrity_header(const struct call *c);
/* Canonical owner of an account: {ID, DisplayName}. */
json_t *s3_owner(const char *account);
int s3_no_such_key(struct call *c, const char *key);
int s3_no_such_bucket(struct call *c, const char *bucket);
int s3_internal(struct call *c, const char *what);
/* Adds the object's stored headers (type, encoding, metadata, checksums...) to output. */
void s3_object_headers(struct call *c, const struct s3_object *o, bool with_checksum);
/* Streams the body of `key` into a new sealed blob, computing MD5 and the
 * requested checksum. On success fills size, etag, blob and attrs' checksum
 * fields; on failure the blob is discarded and c->err set. */
int s3_receive_body(struct call *c, struct blob_writer *w, struct s3_object *o, bool multipart_part);
/* Commits an object: txn { put row (release old), register blob }, publish. */
int s3_commit_object(struct call *c, struct blob_writer *w, struct s3_object *o);
/* Ends a transaction that registered w: commit (w discarded on failure),
 * publish, collect released blobs. */
int s3_commit_blob(struct call *c, struct blob_writer *w);
/* Parses "k1=v1&k2=v2" (x-amz-tagging) into tags; -1 with InvalidTag set. */
int s3_tags_from_header(struct call *c, const char *hdr, json_t **tags);
/* Validates a TagSet list ([{Key, Value}]) into {"k":"v"}; max tags per object/bucket. */
int s3_tags_from_set(struct call *c, json_t *set, int max, json_t **tags);
json_t *s3_tags_to_set(json_t *tags);

/* object.c: shared with multipart.c */
int s3_collect_object_attrs(struct call *c, json_t *attrs, const char **storage_class, json_t **tags);
int s3_parse_copy_source(struct call *c, const char **bucket, const char **key);
int s3_check_copy_conditions(struct call *c, const struct s3_object *src);
/* x-amz-copy-source: parse, load the object, check the copy-source conditions. */
int s3_load_copy_source(struct call *c, struct s3_object *src);
int s3_copy_range(struct call *c, const char *src_blob, int64_t off, int64_t len, struct blob_writer *w,
		  unsigned char md5_out[16]);
/* bucket.c: the bucket's CORS rules for the HTTP layer (svc cors_rules hook) */
json_t *s3_cors_rules(const char *bucket);
/* notify.c: inside the transaction that changed the object: delivers the
 * event (S3's name without "s3:", e.g. "ObjectCreated:Put") to every
 * destination the bucket's notification configuration routes it to. The
 * caller calls dest_after_commit() after its commit. */
void s3_notify_txn(struct call *c, const char *event, const struct s3_object *o);
/* bucket.c: shared with object ACL calls */
int s3_check_acl_request(struct call *c);

/* ---- hot.c: small objects recently read (GET and HEAD) ---- */
/* 1 and b, o and the whole body if (bucket, key) is cached and no commit
 * happened since it was read; else 0. The body and o's JSON values are the
 * cache's, shared with other threads until the call's arena is freed: read
 * them, never modify them. The caller checks access. */
int s3_hot_get(struct call *c, const char *bucket, const char *key, struct s3_bucket *b, struct s3_object *o,
	       const char **body);
/* Caches what a read that began at commit epoch `epoch` found (objects with
 * an inline body only). */
void s3_hot_put(uint64_t epoch, const struct s3_bucket *b, const struct s3_object *o, const char *body, size_t blen);
void s3_hot_free(void);

/* ---- names.c ---- */
/* NULL when valid, else the reason. */
const char *s3_bucket_name_error(const char *name);
bool s3_storage_class_valid(const char *sc);

/* ---- cond.c: HTTP conditionals and ranges (pure) ---- */
enum s3_cond { S3_COND_OK, S3_COND_NOT_MODIFIED, S3_COND_FAILED };
/* RFC 7232 evaluation as S3 does it, for GET/HEAD (or copy-source). */
enum s3_cond s3_eval_conditions(const char *if_match, const char *if_none_match, int64_t if_modified_since,
				int64_t if_unmodified_since, const char *etag, int64_t mtime);
/* True when a quoted or bare etag list ("a", "b", *) contains etag. */
bool s3_etag_matches(const char *list, const char *etag);
/* Parses "bytes=a-b" against size. 1 = a satisfiable range in *off and *len,
 * 0 = ignore the header (malformed or multi-range: S3 serves the whole
 * object), -1 = unsatisfiable (416). */
int s3_parse_range(const char *h, int64_t size, int64_t *off, int64_t *len);

#endif
