/* s3.c — Amazon S3 (rest-xml): the service table, its tables, and what the
 * operation files share (bucket lookup, object rows, the body write path).
 *
 * Implements (see the per-concept files): buckets (bucket.c), objects
 * (object.c), listings (list.c), multipart uploads (multipart.c), tagging
 * (tagging.c), ACL/policy/CORS stand-ins (bucket.c).
 * Leaves out: versioning beyond storing the bucket's status (objects have
 * one version, "null"), object lock, SSE-C/KMS (headers accepted, data is
 * stored as sent), replication, lifecycle, website hosting, select.
 *
 * Invariants:
 *  1. An object row exists iff its blob is registered and durable (the row
 *     and blob_register commit in one transaction after blob_seal).
 *  2. Replacing or deleting a row releases the old blob in the same
 *     transaction; the file goes after commit (blob_collect).
 *  3. A bucket belongs to one account; other accounts get AccessDenied.
 */
#include "core/str.h"
#include "svc/s3/s3int.h"
#include "config.h"
#include "core/enc.h"
#include "core/hash.h"
#include "core/log.h"
#include "http/request.h"
#include "proto/models/models.h"
#include "engine/dest.h"
#include "store/db.h"
#include "store/migrate.h"
#include "svc/svc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const struct migration s3_migrations[] = {
	{1, "CREATE TABLE s3_buckets (name TEXT PRIMARY KEY, account TEXT NOT NULL, region TEXT NOT NULL,"
	    "  created INTEGER NOT NULL, versioning TEXT NOT NULL DEFAULT '', tags TEXT, policy TEXT, cors TEXT,"
	    "  notification TEXT, acl TEXT) WITHOUT ROWID;"
	    "CREATE TABLE s3_objects (bucket TEXT NOT NULL, key TEXT NOT NULL, size INTEGER NOT NULL,"
	    "  etag TEXT NOT NULL, mtime INTEGER NOT NULL, blob TEXT NOT NULL, storage_class TEXT NOT NULL,"
	    "  attrs TEXT NOT NULL, tags TEXT, PRIMARY KEY (bucket, key)) WITHOUT ROWID;"
	    "CREATE TABLE s3_uploads (upload_id TEXT PRIMARY KEY, bucket TEXT NOT NULL, key TEXT NOT NULL,"
	    "  initiated INTEGER NOT NULL, storage_class TEXT NOT NULL, attrs TEXT NOT NULL, tags TEXT) WITHOUT ROWID;"
	    "CREATE INDEX s3_uploads_by_key ON s3_uploads(bucket, key, initiated);"
	    "CREATE TABLE s3_parts (upload_id TEXT NOT NULL, part_number INTEGER NOT NULL, size INTEGER NOT NULL,"
	    "  etag TEXT NOT NULL, blob TEXT NOT NULL, mtime INTEGER NOT NULL, checksum TEXT,"
	    "  PRIMARY KEY (upload_id, part_number)) WITHOUT ROWID;"},
	{2, "CREATE TABLE s3_uploads_done (upload_id TEXT PRIMARY KEY, bucket TEXT NOT NULL, key TEXT NOT NULL,"
	    "  etag TEXT NOT NULL, result TEXT NOT NULL, done INTEGER NOT NULL) WITHOUT ROWID;"},
	/* The attributes nearly every object has move out of the JSON column, so a
	 * GET of a plain object parses no JSON at all. */
	{3, "ALTER TABLE s3_objects ADD COLUMN content_type TEXT;"
	    "ALTER TABLE s3_objects ADD COLUMN checksum_member TEXT;"
	    "ALTER TABLE s3_objects ADD COLUMN checksum TEXT;"
	    "ALTER TABLE s3_objects ADD COLUMN checksum_type TEXT;"},
};
static const struct migration_set s3_mset = {"s3", s3_migrations, sizeof s3_migrations / sizeof *s3_migrations};

int s3_internal(struct call *c, const char *what)
{
	log_error("s3: %s: %s", what, db_errmsg());
	return call_error(c, ERR_INTERNAL_S3, NULL);
}

int s3_no_such_bucket(struct call *c, const char *bucket)
{
	call_error_field(c, "BucketName", bucket);
	return call_error(c, ERR_S3_NO_SUCH_BUCKET, NULL);
}

int s3_no_such_key(struct call *c, const char *key)
{
	call_error_field(c, "Key", key);
	return call_error(c, ERR_S3_NO_SUCH_KEY, NULL);
}

int s3_bucket_get(struct call *c, const char *name, struct s3_bucket *b)
{
	sqlite3_stmt *st = db_prep("SELECT account, region, created, versioning FROM s3_buckets WHERE name = ?");
	db_bind_text(st, 1, name);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		str_copy(b->name, sizeof b->name, name);
		str_copy(b->account, sizeof b->account, db_col_text(st, 0));
		str_copy(b->region, sizeof b->region, db_col_text(st, 1));
		b->created = sqlite3_column_int64(st, 2);
		str_copy(b->versioning, sizeof b->versioning, db_col_text(st, 3));
	}
	db_done(st);
	if (rc == SQLITE_DONE)
		return s3_no_such_bucket(c, name);
	if (rc != SQLITE_ROW)
		return s3_internal(c, "bucket lookup");
	return s3_bucket_check(c, b);
}

int s3_bucket_check(struct call *c, const struct s3_bucket *b)
{
	return strcmp(b->account, c->who.account) ? call_error(c, ERR_ACCESS_DENIED, NULL) : 0;
}

int s3_input_bucket(struct call *c, struct s3_bucket *b)
{
	return s3_bucket_get(c, call_str(c, "Bucket"), b);
}

static void json_free_cb(void *p)
{
	json_decref(p);
}

int s3_object_load(struct call *c, const char *bucket, const char *key, struct s3_object *o)
{
	memset(o, 0, sizeof *o);
	sqlite3_stmt *st = db_prep("SELECT size, etag, mtime, blob, storage_class, attrs, tags, content_type, "
				   "checksum_member, checksum, checksum_type FROM s3_objects WHERE bucket = ? AND key = ?");
	db_bind_text(st, 1, bucket);
	db_bind_text(st, 2, key);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		o->bucket = bucket;
		o->key = key;
		o->size = sqlite3_column_int64(st, 0);
		str_copy(o->etag, sizeof o->etag, db_col_text(st, 1));
		o->mtime = sqlite3_column_int64(st, 2);
		str_copy(o->blob, sizeof o->blob, db_col_text(st, 3));
		o->storage_class = arena_strdup(c->arena, db_col_text(st, 4));
		const char *a = db_col_text(st, 5);
		o->attrs = a && strcmp(a, "{}") ? json_loads(a, 0, NULL) : json_object();
		const char *t = db_col_text(st, 6);
		o->tags = t ? json_loads(t, 0, NULL) : NULL;
		if (o->attrs && db_col_text(st, 7))
			json_object_set_new(o->attrs, "ContentType", json_string(db_col_text(st, 7)));
		if (o->attrs && db_col_text(st, 8) && db_col_text(st, 9)) {
			json_object_set_new(o->attrs, db_col_text(st, 8), json_string(db_col_text(st, 9)));
			if (db_col_text(st, 10))
				json_object_set_new(o->attrs, "ChecksumType", json_string(db_col_text(st, 10)));
		}
	}
	db_done(st);
	if (rc == SQLITE_DONE)
		return 0;
	if (rc != SQLITE_ROW)
		return -1;
	if (!o->attrs)
		o->attrs = json_object();
	if (!o->tags)
		o->tags = json_object();
	arena_on_free(c->arena, json_free_cb, o->attrs);
	arena_on_free(c->arena, json_free_cb, o->tags);
	return 1;
}

/* Releases the blob of (bucket, key)'s current row, if any. */
static int release_current(const char *bucket, const char *key)
{
	sqlite3_stmt *st = db_prep("SELECT blob FROM s3_objects WHERE bucket = ? AND key = ?");
	db_bind_text(st, 1, bucket);
	db_bind_text(st, 2, key);
	char old[BLOB_ID_LEN + 1] = "";
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		str_copy(old, sizeof old, db_col_text(st, 0));
	db_done(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return -1;
	return old[0] ? blob_release(old) : 0;
}

/* The ObjectCreated event an operation causes. */
static const char *created_event(const struct call *c)
{
	const char *op = c->op ? c->op->name : "";
	if (!strcmp(op, "CopyObject"))
		return "ObjectCreated:Copy";
	if (!strcmp(op, "CompleteMultipartUpload"))
		return "ObjectCreated:CompleteMultipartUpload";
	return "ObjectCreated:Put";
}

int s3_object_put_row(struct call *c, const struct s3_object *o)
{
	if (release_current(o->bucket, o->key))
		return -1;
	/* Content type and the checksum go to their own columns (see migration 3). */
	json_t *rest = json_copy(o->attrs);
	const char *ctype = json_string_value(json_object_get(o->attrs, "ContentType"));
	json_object_del(rest, "ContentType");
	const char *ck_member = NULL, *ck = NULL;
	const char *k;
	json_t *v;
	json_object_foreach(o->attrs, k, v)
	{
		if (!strncmp(k, "Checksum", 8) && strcmp(k, "ChecksumType") && json_is_string(v) && !ck_member) {
			ck_member = k;
			ck = json_string_value(v);
		}
	}
	const char *ck_type = json_string_value(json_object_get(o->attrs, "ChecksumType"));
	if (ck_member) {
		json_object_del(rest, ck_member);
		json_object_del(rest, "ChecksumType");
	}
	char *attrs = json_dumps(rest, JSON_COMPACT);
	json_decref(rest);
	char *tags = o->tags && json_object_size(o->tags) ? json_dumps(o->tags, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	sqlite3_stmt *st = db_prep("INSERT OR REPLACE INTO s3_objects(bucket, key, size, etag, mtime, blob, storage_class, "
				   "attrs, tags, content_type, checksum_member, checksum, checksum_type) "
				   "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
	db_bind_text(st, 1, o->bucket);
	db_bind_text(st, 2, o->key);
	sqlite3_bind_int64(st, 3, o->size);
	db_bind_text(st, 4, o->etag);
	sqlite3_bind_int64(st, 5, o->mtime);
	db_bind_text(st, 6, o->blob);
	db_bind_text(st, 7, o->storage_class ? o->storage_class : "STANDARD");
	db_bind_text(st, 8, attrs);
	db_bind_text(st, 9, tags);
	db_bind_text(st, 10, ctype);
	db_bind_text(st, 11, ck_member);
	db_bind_text(st, 12, ck);
	db_bind_text(st, 13, ck_member ? ck_type : NULL);
	int rc = sqlite3_step(st);
	db_done(st);
	free(attrs);
	free(tags);
	if (rc != SQLITE_DONE)
		return -1;
	s3_notify_txn(c, created_event(c), o);
	return 0;
}

int s3_object_delete_row(struct call *c, const char *bucket, const char *key)
{
	if (release_current(bucket, key))
		return -1;
	sqlite3_stmt *st = db_prep("DELETE FROM s3_objects WHERE bucket = ? AND key = ?");
	db_bind_text(st, 1, bucket);
	db_bind_text(st, 2, key);
	int rc = sqlite3_step(st);
	db_done(st);
	if (rc != SQLITE_DONE)
		return -1;
	if (!db_changes())
		return 0;
	struct s3_object o = {.bucket = bucket, .key = key};
	s3_notify_txn(c, "ObjectRemoved:Delete", &o);
	return 1;
}

bool s3_has_integrity_header(const struct call *c)
{
	const struct http_request *r = c->req;
	for (int i = 0; i < r->nheaders; i++)
		if (!strcmp(r->headers[i].name, "content-md5") || !strncmp(r->headers[i].name, "x-amz-checksum-", 15) ||
		    !strcmp(r->headers[i].name, "x-amz-trailer"))
			return true;
	return false;
}

static const struct config *s3_cfg;

static int s3_start(const struct config *cfg)
{
	s3_cfg = cfg;
	s3_reader_register();
	return 0;
}

json_t *s3_owner(const char *account)
{
	const struct credential *cr = s3_cfg ? config_find_account(s3_cfg, account) : NULL;
	if (cr)
		return json_pack("{s:s, s:s}", "ID", cr->canonical_id, "DisplayName", cr->display_name);
	char id[65], seed[64];
	snprintf(seed, sizeof seed, "nuage-owner:%s", account);
	sha256_hex(seed, strlen(seed), id);
	return json_pack("{s:s, s:s}", "ID", id, "DisplayName", account);
}

/* Stored attribute -> output member, for GET/HEAD and copies. */
static const char *const header_attrs[] = {"ContentType", "ContentEncoding", "ContentLanguage", "ContentDisposition",
					   "CacheControl", "Expires", "WebsiteRedirectLocation", NULL};

static const char *const checksum_members[] = {"ChecksumCRC32", "ChecksumCRC32C", "ChecksumCRC64NVME", "ChecksumSHA1",
					       "ChecksumSHA256", NULL};

void s3_object_headers(struct call *c, const struct s3_object *o, bool with_checksum)
{
	for (int i = 0; header_attrs[i]; i++) {
		json_t *v = json_object_get(o->attrs, header_attrs[i]);
		if (json_is_string(v))
			call_set(c, header_attrs[i], json_incref(v));
	}
	json_t *meta = json_object_get(o->attrs, "Metadata");
	if (json_is_object(meta) && json_object_size(meta))
		call_set(c, "Metadata", json_incref(meta));
	if (with_checksum) {
		for (int i = 0; checksum_members[i]; i++) {
			json_t *v = json_object_get(o->attrs, checksum_members[i]);
			if (json_is_string(v))
				call_set(c, checksum_members[i], json_incref(v));
		}
		json_t *ct = json_object_get(o->attrs, "ChecksumType");
		if (json_is_string(ct))
			call_set(c, "ChecksumType", json_incref(ct));
	}
	if (o->storage_class && strcmp(o->storage_class, "STANDARD"))
		call_set(c, "StorageClass", json_string(o->storage_class));
	call_set(c, "ServerSideEncryption", json_string("AES256"));
	if (o->tags && json_object_size(o->tags))
		call_set(c, "TagCount", json_integer((json_int_t)json_object_size(o->tags)));
}

static const char *checksum_member(enum digest_kind k)
{
	switch (k) {
	case DIGEST_CRC32: return "ChecksumCRC32";
	case DIGEST_CRC32C: return "ChecksumCRC32C";
	case DIGEST_CRC64NVME: return "ChecksumCRC64NVME";
	case DIGEST_SHA1: return "ChecksumSHA1";
	case DIGEST_SHA256: return "ChecksumSHA256";
	default: return NULL;
	}
}

static enum digest_kind algo_kind(const char *a)
{
	if (!a)
		return 0;
	if (!strcasecmp(a, "CRC32"))
		return DIGEST_CRC32;
	if (!strcasecmp(a, "CRC32C"))
		return DIGEST_CRC32C;
	if (!strcasecmp(a, "CRC64NVME"))
		return DIGEST_CRC64NVME;
	if (!strcasecmp(a, "SHA1"))
		return DIGEST_SHA1;
	if (!strcasecmp(a, "SHA256"))
		return DIGEST_SHA256;
	return 0;
}

/* base64 of the big-endian checksum value computed by the stream. */
static void checksum_value(const struct digests *d, enum digest_kind k, char out[96])
{
	unsigned char raw[32];
	size_t n = 0;
	if (k == DIGEST_CRC32 || k == DIGEST_CRC32C) {
		uint32_t v = k == DIGEST_CRC32 ? d->crc32 : d->crc32c;
		for (int i = 0; i < 4; i++)
			raw[i] = (unsigned char)(v >> (24 - 8 * i));
		n = 4;
	} else if (k == DIGEST_CRC64NVME) {
		for (int i = 0; i < 8; i++)
			raw[i] = (unsigned char)(d->crc64nvme >> (56 - 8 * i));
		n = 8;
	} else if (k == DIGEST_SHA1) {
		memcpy(raw, d->sha1, SHA1_LEN);
		n = SHA1_LEN;
	} else if (k == DIGEST_SHA256) {
		memcpy(raw, d->sha256, SHA256_LEN);
		n = SHA256_LEN;
	}
	base64_encode(raw, n, out);
}

#define RECV_BUF (256 * 1024)

int s3_receive_body(struct call *c, struct blob_writer *w, struct s3_object *o, bool multipart_part)
{
	struct instream *in = c->body;
	const char *algo = call_str(c, "ChecksumAlgorithm");
	enum digest_kind want = algo_kind(algo);
	if (algo && !want)
		return call_error(c, ERR_INVALID_REQUEST, "Checksum algorithm provided is unsupported. Please try again with any "
							  "of the valid types: [CRC32, CRC32C, CRC64NVME, SHA1, SHA256]");
	if (want && in->checksum_kind && in->checksum_kind != want)
		return call_error(c, ERR_INVALID_REQUEST, "Value for x-amz-sdk-checksum-algorithm header is invalid.");
	in->want |= DIGEST_MD5 | want;
	int64_t limit = multipart_part ? S3_MAX_PUT : S3_MAX_PUT;
	if (in->length > limit)
		return call_error(c, ERR_S3_ENTITY_TOO_LARGE, NULL);
	if (blob_create(w))
		return s3_internal(c, "blob create");
	char *buf = malloc(RECV_BUF);
	int64_t total = 0;
	long r;
	int rc = -1;
	while ((r = in->read(in, buf, RECV_BUF)) > 0) {
		total += r;
		if (total > limit) {
			call_error(c, ERR_S3_ENTITY_TOO_LARGE, NULL);
			goto out;
		}
		if (blob_write(w, buf, (size_t)r)) {
			s3_internal(c, "blob write");
			goto out;
		}
	}
	if (r < 0) {
		call_error(c, in->err ? in->err : ERR_INVALID_CHUNK, "%s", in->errmsg);
		goto out;
	}
	if (blob_seal(w)) {
		s3_internal(c, "blob fsync");
		goto out;
	}
	char hex[33];
	hex_encode(in->got.md5, MD5_LEN, hex);
	snprintf(o->etag, sizeof o->etag, "\"%s\"", hex);
	o->size = total;
	str_copy(o->blob, sizeof o->blob, w->id);
	enum digest_kind k = in->checksum_kind ? in->checksum_kind : want;
	if (k) {
		char v[96];
		if (in->checksum_kind)
			str_copy(v, sizeof v, in->checksum_b64);
		else
			checksum_value(&in->got, k, v);
		json_object_set_new(o->attrs, checksum_member(k), json_string(v));
		json_object_set_new(o->attrs, "ChecksumType", json_string("FULL_OBJECT"));
		call_set(c, checksum_member(k), json_string(v));
		call_set(c, "ChecksumType", json_string("FULL_OBJECT"));
	}
	rc = 0;
out:
	free(buf);
	if (rc)
		blob_abort(w);
	return rc;
}

int s3_commit_object(struct call *c, struct blob_writer *w, struct s3_object *o)
{
	if (db_begin()) {
		blob_abort(w);
		return s3_internal(c, "begin");
	}
	/* The bucket may have been deleted while the body streamed. */
	sqlite3_stmt *st = db_prep("SELECT 1 FROM s3_buckets WHERE name = ?");
	db_bind_text(st, 1, o->bucket);
	int exists = sqlite3_step(st) == SQLITE_ROW;
	db_done(st);
	if (!exists) {
		db_rollback();
		blob_abort(w);
		return s3_no_such_bucket(c, o->bucket);
	}
	if (s3_object_put_row(c, o) || blob_register(w)) {
		db_rollback();
		blob_abort(w);
		return s3_internal(c, "object row");
	}
	return s3_commit_blob(c, w);
}

int s3_commit_blob(struct call *c, struct blob_writer *w)
{
	if (db_commit()) {
		blob_abort(w);
		dest_after_commit();
		return s3_internal(c, "commit");
	}
	dest_after_commit();
	blob_publish(w);
	blob_collect();
	return 0;
}

int s3_tags_from_set(struct call *c, json_t *set, int max, json_t **tags)
{
	json_t *t = json_object();
	size_t i;
	json_t *tag;
	json_array_foreach(set, i, tag)
	{
		const char *k = json_string_value(json_object_get(tag, "Key"));
		const char *v = json_string_value(json_object_get(tag, "Value"));
		if (!k || !v) {
			json_decref(t);
			return call_error(c, ERR_MALFORMED_XML, NULL);
		}
		if (!*k || strlen(k) > 128) {
			json_decref(t);
			return call_error(c, ERR_S3_INVALID_TAG, "The TagKey you have provided is invalid");
		}
		if (strlen(v) > 256) {
			json_decref(t);
			return call_error(c, ERR_S3_INVALID_TAG, "The TagValue you have provided is invalid");
		}
		if (json_object_get(t, k)) {
			json_decref(t);
			return call_error(c, ERR_S3_INVALID_TAG, "Cannot provide multiple Tags with the same key");
		}
		json_object_set_new(t, k, json_string(v));
	}
	if ((int)json_object_size(t) > max) {
		json_decref(t);
		return call_error(c, ERR_S3_INVALID_TAG, "Object tags cannot be greater than %d", max);
	}
	*tags = t;
	return 0;
}

int s3_tags_from_header(struct call *c, const char *hdr, json_t **tags)
{
	json_t *set = json_array();
	char *copy = arena_strdup(c->arena, hdr);
	char *p = copy;
	while (p && *p) {
		char *amp = strchr(p, '&');
		if (amp)
			*amp = 0;
		char *eq = strchr(p, '=');
		char *v = eq ? eq + 1 : (char *)"";
		if (eq)
			*eq = 0;
		long kl = uri_decode(p, strlen(p), true), vl = uri_decode(v, strlen(v), true);
		if (kl < 0 || vl < 0) {
			json_decref(set);
			return call_error(c, ERR_S3_INVALID_TAG, "The header 'x-amz-tagging' shall be encoded as UTF-8 then URLEncoded URL query parameters without tag name duplicates.");
		}
		if (kl)
			json_array_append_new(set, json_pack("{s:s#, s:s#}", "Key", p, (int)kl, "Value", v, (int)vl));
		p = amp ? amp + 1 : NULL;
	}
	int rc = s3_tags_from_set(c, set, 10, tags);
	json_decref(set);
	return rc;
}

json_t *s3_tags_to_set(json_t *tags)
{
	json_t *set = json_array();
	const char *k;
	json_t *v;
	json_object_foreach(tags, k, v) json_array_append_new(set, json_pack("{s:s, s:O}", "Key", k, "Value", v));
	return set;
}

/* Operation handlers live in the concept files; table.def lists them once. */
#define S3_OP_ROW(op, fn, root) int s3_##fn(struct call *c);
#include "svc/s3/table.def"
#undef S3_OP_ROW

static const struct svc_op ops[] = {
#define S3_OP_ROW(op, fn, root) {op, s3_##fn, root},
#include "svc/s3/table.def"
#undef S3_OP_ROW
};

const struct svc svc_s3 = {
	.name = "s3",
	.model = &model_s3,
	.ops = ops,
	.nops = sizeof ops / sizeof *ops,
	.migrations = &s3_mset,
	.start = s3_start,
	.stop = s3_hot_free,
	.cors_rules = s3_cors_rules,
};
