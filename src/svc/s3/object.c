/* object.c — S3 object operations: PutObject, GetObject, HeadObject,
 * DeleteObject, DeleteObjects, CopyObject, GetObjectAttributes.
 *
 * PutObject's write path (the order is the durability argument):
 *   bucket exists? -> stream the body into a temp blob (MD5 and checksums
 *   computed as it passes, verified at the end) -> fsync -> one transaction
 *   {replace the row, release the old blob, register the new one} ->
 *   publish (rename) -> reply. Concurrent PUTs to one key: each writes its
 *   own blob; the last to commit wins; readers see one whole object or the
 *   other, never a mix.
 * Versioning: every object is version "null" (docs/s3.md).
 */
#include "core/buf.h"
#include "core/clock.h"
#include "core/enc.h"
#include "engine/dest.h"
#include "store/db.h"
#include "core/str.h"
#include "svc/s3/s3int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

static const char *const stored_headers[] = {"ContentType", "ContentEncoding", "ContentLanguage", "ContentDisposition",
					     "CacheControl", "Expires", "WebsiteRedirectLocation", NULL};

/* Metadata keys are case-insensitive on the wire and returned lower case. */
static int collect_metadata(struct call *c, json_t *attrs)
{
	json_t *meta = call_get(c, "Metadata");
	size_t total = 0;
	if (json_is_object(meta)) {
		json_t *m = json_object();
		const char *k;
		json_t *v;
		json_object_foreach(meta, k, v)
		{
			char *lk = arena_strdup(c->arena, k);
			for (char *p = lk; *p; p++)
				if (*p >= 'A' && *p <= 'Z')
					*p = (char)(*p + 32);
			total += strlen(lk) + json_string_length(v);
			json_object_set(m, lk, v);
		}
		json_object_set_new(attrs, "Metadata", m);
	}
	if (total > S3_MAX_META)
		return call_error(c, ERR_S3_METADATA_TOO_LARGE, "Your metadata headers exceed the maximum allowed metadata size");
	return 0;
}

/* Copies the client's content headers into attrs. aws-chunked is a transfer
 * detail, never part of the stored Content-Encoding. */
static void collect_headers(struct call *c, json_t *attrs)
{
	for (int i = 0; stored_headers[i]; i++) {
		const char *v = call_str(c, stored_headers[i]);
		if (!v)
			continue;
		if (!strcmp(stored_headers[i], "ContentEncoding")) {
			char *enc = arena_strdup(c->arena, v), *save = NULL;
			struct buf out;
			buf_init(&out, 4096);
			for (char *t = strtok_r(enc, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
				while (*t == ' ')
					t++;
				if (!strcmp(t, "aws-chunked") || !*t)
					continue;
				if (out.len)
					buf_adds(&out, ", ");
				char *e = t + strlen(t);
				while (e > t && e[-1] == ' ')
					*--e = 0;
				buf_adds(&out, t);
			}
			if (out.len)
				json_object_set_new(attrs, "ContentEncoding", json_string(buf_str(&out)));
			buf_free(&out);
			continue;
		}
		json_object_set_new(attrs, stored_headers[i], json_string(v));
	}
	if (!json_object_get(attrs, "ContentType"))
		json_object_set_new(attrs, "ContentType", json_string("binary/octet-stream"));
}

/* The new object's attributes from a PUT or a CreateMultipartUpload. */
int s3_collect_object_attrs(struct call *c, json_t *attrs, const char **storage_class, json_t **tags)
{
	collect_headers(c, attrs);
	if (collect_metadata(c, attrs))
		return -1;
	const char *sc = call_str(c, "StorageClass");
	if (sc && !s3_storage_class_valid(sc))
		return call_error(c, ERR_S3_INVALID_STORAGE_CLASS, NULL);
	*storage_class = sc ? sc : "STANDARD";
	const char *sse = call_str(c, "ServerSideEncryption");
	if (sse && strcmp(sse, "AES256") && strcmp(sse, "aws:kms") && strcmp(sse, "aws:kms:dsse"))
		return call_error(c, ERR_S3_INVALID_ENCRYPTION, NULL);
	*tags = NULL;
	const char *th = call_str(c, "Tagging");
	if (th && s3_tags_from_header(c, th, tags))
		return -1;
	return 0;
}

static void json_free_cb(void *p)
{
	json_decref(p);
}

/* Conditional writes (If-None-Match: * / If-Match) against the current object. */
static int check_put_conditions(struct call *c, const char *bucket, const char *key)
{
	const char *inm = call_str(c, "IfNoneMatch"), *im = call_str(c, "IfMatch");
	if (!inm && !im)
		return 0;
	if (inm && strcmp(inm, "*"))
		return call_error(c, ERR_NOT_IMPLEMENTED, "If-None-Match on a write only supports '*'.");
	struct s3_object cur;
	int f = s3_object_load(c, bucket, key, &cur);
	if (f < 0)
		return s3_internal(c, "object lookup");
	if (inm && f)
		return call_error(c, ERR_S3_PRECONDITION_FAILED, NULL);
	if (im && !f)
		return s3_no_such_key(c, key);
	if (im && !s3_etag_matches(im, cur.etag))
		return call_error(c, ERR_S3_PRECONDITION_FAILED, NULL);
	return 0;
}

int s3_put_object(struct call *c)
{
	struct s3_bucket b;
	if (s3_input_bucket(c, &b))
		return -1;
	const char *key = call_str(c, "Key");
	if (strlen(key) > S3_MAX_KEY)
		return call_error(c, ERR_S3_KEY_TOO_LONG, NULL);
	struct s3_object o = {.bucket = b.name, .key = key};
	o.attrs = json_object();
	arena_on_free(c->arena, json_free_cb, o.attrs);
	json_t *tags = NULL;
	if (s3_collect_object_attrs(c, o.attrs, &o.storage_class, &tags))
		return -1;
	o.tags = tags ? tags : json_object();
	arena_on_free(c->arena, json_free_cb, o.tags);
	if (check_put_conditions(c, b.name, key))
		return -1;
	struct blob_writer w;
	if (s3_receive_body(c, &w, &o, false))
		return -1;
	o.mtime = clock_wall_ms();
	/* A conditional write re-checks at commit time: the body took a while. */
	if ((call_str(c, "IfNoneMatch") || call_str(c, "IfMatch")) && check_put_conditions(c, b.name, key)) {
		blob_abort(&w);
		return -1;
	}
	if (s3_commit_object(c, &w, &o))
		return -1;
	call_set(c, "ETag", json_string(o.etag));
	call_set(c, "ServerSideEncryption", json_string("AES256"));
	return 0;
}

static void close_fd(void *p)
{
	close((int)(intptr_t)p);
}

/* What GET and HEAD read: the bucket, the object's row and, for a small
 * object's GET, its body (whole). From the hot cache, or from the database
 * in one read snapshot (consistent with each other, and one WAL read lock
 * instead of three), and then cached. 1 found, 0 no such object, -1 error
 * set (NoSuchBucket, AccessDenied, InternalError). */
static int load(struct call *c, bool head, struct s3_bucket *b, struct s3_object *o, const char **body)
{
	const char *key = call_str(c, "Key");
	*body = NULL;
	if (s3_hot_get(c, call_str(c, "Bucket"), key, b, o, body))
		return s3_bucket_check(c, b) ? -1 : 1;
	uint64_t epoch = db_commit_epoch(); /* before the snapshot's first read */
	if (db_read_begin())
		return s3_internal(c, "read snapshot");
	int f = s3_input_bucket(c, b) ? -1 : s3_object_load(c, b->name, key, o);
	if (f < 0 && !c->err)
		s3_internal(c, "object lookup");
	if (f > 0 && !head && blob_is_inline(o->blob)) {
		size_t n;
		char *p = blob_load_inline(o->blob, &n);
		if (p)
			arena_on_free(c->arena, free, p);
		if (!p || (int64_t)n != o->size)
			f = s3_internal(c, "blob read");
		else
			s3_hot_put(epoch, b, o, *body = p, n);
	}
	db_read_end();
	return f;
}

/* GET and HEAD share everything but the body. */
static int read_object(struct call *c, bool head)
{
	struct s3_bucket b;
	struct s3_object o;
	const char *inline_body;
	int f = load(c, head, &b, &o, &inline_body);
	if (f < 0)
		return head && c->err == ERR_S3_NO_SUCH_BUCKET ? call_error(c, ERR_S3_NOT_FOUND_HEAD, NULL) : -1;
	const char *key = call_str(c, "Key");
	const char *vid = call_str(c, "VersionId");
	if (!f || (vid && strcmp(vid, "null"))) {
		if (head)
			return call_error(c, ERR_S3_NOT_FOUND_HEAD, NULL);
		if (vid && strcmp(vid, "null") && f) {
			call_error_field(c, "Key", key);
			call_error_field(c, "VersionId", vid);
			return call_error(c, ERR_S3_NO_SUCH_VERSION, NULL);
		}
		return s3_no_such_key(c, key);
	}
	enum s3_cond cond = s3_eval_conditions(call_str(c, "IfMatch"), call_str(c, "IfNoneMatch"),
					       call_int(c, "IfModifiedSince", -1), call_int(c, "IfUnmodifiedSince", -1), o.etag,
					       o.mtime);
	if (cond == S3_COND_FAILED)
		return call_error(c, ERR_S3_PRECONDITION_FAILED, NULL);
	if (cond == S3_COND_NOT_MODIFIED) {
		/* 304 is a success without a body; S3 still sends the ETag. */
		c->status = 304;
		call_set(c, "ETag", json_string(o.etag));
		call_set(c, "LastModified", json_integer(o.mtime));
		return 0;
	}
	int64_t off = 0, len = o.size;
	json_t *parts = json_object_get(o.attrs, "Parts");
	int64_t partno = call_int(c, "PartNumber", 0);
	const char *range = call_str(c, "Range");
	if (partno) {
		size_t np = json_array_size(parts);
		if (partno < 1 || partno > 10000)
			return call_error(c, ERR_INVALID_ARGUMENT, "Part number must be an integer between 1 and 10000, inclusive");
		if ((!np && partno != 1) || (np && (size_t)partno > np))
			return call_error(c, ERR_S3_INVALID_PART_NUMBER, NULL);
		if (np) {
			off = 0;
			for (int64_t i = 0; i < partno - 1; i++)
				off += json_integer_value(json_array_get(parts, (size_t)i));
			len = json_integer_value(json_array_get(parts, (size_t)partno - 1));
		}
		call_set(c, "PartsCount", json_integer(np ? (json_int_t)np : 1));
		if (np || o.size) {
			c->status = 206;
			call_set(c, "ContentRange",
				 json_string(arena_printf(c->arena, "bytes %lld-%lld/%lld", (long long)off,
							  (long long)(off + len - 1), (long long)o.size)));
		}
	} else if (range) {
		int rr = s3_parse_range(range, o.size, &off, &len);
		if (rr < 0) {
			call_error_field(c, "RangeRequested", range);
			call_error_field(c, "ActualObjectSize", arena_printf(c->arena, "%lld", (long long)o.size));
			return call_error(c, ERR_S3_INVALID_RANGE, NULL);
		}
		if (rr > 0) {
			c->status = 206;
			call_set(c, "ContentRange",
				 json_string(arena_printf(c->arena, "bytes %lld-%lld/%lld", (long long)off,
							  (long long)(off + len - 1), (long long)o.size)));
		}
	}
	bool ck = call_str(c, "ChecksumMode") && !strcasecmp(call_str(c, "ChecksumMode"), "ENABLED");
	s3_object_headers(c, &o, ck && !range && !partno);
	if (json_array_size(parts) && !partno)
		call_set(c, "PartsCount", json_integer((json_int_t)json_array_size(parts)));
	call_set(c, "ETag", json_string(o.etag));
	call_set(c, "LastModified", json_integer(o.mtime));
	call_set(c, "ContentLength", json_integer(len));
	call_set(c, "AcceptRanges", json_string("bytes"));
	/* response-* query parameters override the stored headers (GET only on S3). */
	static const char *const overrides[][2] = {
		{"ResponseContentType", "ContentType"},         {"ResponseContentLanguage", "ContentLanguage"},
		{"ResponseCacheControl", "CacheControl"},       {"ResponseContentDisposition", "ContentDisposition"},
		{"ResponseContentEncoding", "ContentEncoding"},
	};
	for (size_t i = 0; i < sizeof overrides / sizeof *overrides; i++) {
		const char *v = call_str(c, overrides[i][0]);
		if (v)
			call_set(c, overrides[i][1], json_string(v));
	}
	json_t *rexp = call_get(c, "ResponseExpires");
	if (json_is_integer(rexp)) {
		char t[32];
		time_fmt_rfc1123(json_integer_value(rexp), t);
		call_set(c, "Expires", json_string(t));
	}
	if (head)
		return 0;
	if (inline_body) { /* small: the bytes load() read */
		c->out_body = (struct outstream){.fd = -1, .mem = inline_body + off, .memlen = (size_t)len, .present = true};
		return 0;
	}
	int fd = blob_open(o.blob);
	if (fd < 0)
		return s3_internal(c, "blob open");
	arena_on_free(c->arena, close_fd, (void *)(intptr_t)fd);
	c->out_body = (struct outstream){.fd = fd, .off = off, .len = len, .present = true};
	return 0;
}

int s3_get_object(struct call *c)
{
	return read_object(c, false);
}

int s3_head_object(struct call *c)
{
	return read_object(c, true);
}

/* Deletes one key inside the caller's transaction. */
static int delete_key(struct call *c, const char *bucket, const char *key)
{
	int rc = s3_object_delete_row(c, bucket, key);
	return rc < 0 ? -1 : 0;
}

int s3_delete_object(struct call *c)
{
	struct s3_bucket b;
	if (s3_input_bucket(c, &b))
		return -1;
	const char *key = call_str(c, "Key");
	const char *im = call_str(c, "IfMatch");
	if (db_begin())
		return s3_internal(c, "begin");
	if (im) {
		struct s3_object o;
		int f = s3_object_load(c, b.name, key, &o);
		if (f <= 0 || !s3_etag_matches(im, o.etag)) {
			db_rollback();
			return f < 0 ? s3_internal(c, "lookup") : f == 0 ? s3_no_such_key(c, key)
									 : call_error(c, ERR_S3_PRECONDITION_FAILED, NULL);
		}
	}
	if (delete_key(c, b.name, key)) {
		db_rollback();
		return s3_internal(c, "delete");
	}
	int rc = db_commit();
	dest_after_commit();
	if (rc)
		return s3_internal(c, "commit");
	blob_collect();
	return 0;
}

int s3_delete_objects(struct call *c)
{
	struct s3_bucket b;
	if (s3_input_bucket(c, &b))
		return -1;
	if (!s3_has_integrity_header(c))
		return call_error(c, ERR_S3_MISSING_CONTENT_MD5, NULL);
	json_t *del = call_get(c, "Delete");
	json_t *objs = json_object_get(del, "Objects");
	bool quiet = json_is_true(json_object_get(del, "Quiet"));
	size_t n = json_array_size(objs);
	if (!n || n > 1000)
		return call_error(c, ERR_MALFORMED_XML, NULL);
	json_t *deleted = json_array(), *errors = json_array();
	if (db_begin()) {
		json_decref(deleted);
		json_decref(errors);
		return s3_internal(c, "begin");
	}
	size_t i;
	json_t *o;
	json_array_foreach(objs, i, o)
	{
		const char *key = json_string_value(json_object_get(o, "Key"));
		const char *vid = json_string_value(json_object_get(o, "VersionId"));
		if (!key) {
			json_array_append_new(errors, json_pack("{s:s, s:s, s:s}", "Key", "", "Code", "InvalidArgument", "Message",
								 "Invalid Argument"));
			continue;
		}
		if (strlen(key) > S3_MAX_KEY) {
			json_array_append_new(errors, json_pack("{s:s, s:s, s:s}", "Key", key, "Code", "KeyTooLongError",
								 "Message", "Your key is too long"));
			continue;
		}
		if (vid && strcmp(vid, "null")) {
			json_array_append_new(errors, json_pack("{s:s, s:s, s:s, s:s}", "Key", key, "VersionId", vid, "Code",
								 "NoSuchVersion", "Message", "The specified version does not exist."));
			continue;
		}
		if (delete_key(c, b.name, key)) {
			json_array_append_new(errors, json_pack("{s:s, s:s, s:s}", "Key", key, "Code", "InternalError", "Message",
								 "We encountered an internal error. Please try again."));
			continue;
		}
		if (!quiet) {
			json_t *d = json_pack("{s:s}", "Key", key);
			if (vid)
				json_object_set_new(d, "VersionId", json_string(vid));
			json_array_append_new(deleted, d);
		}
	}
	int rc = db_commit();
	dest_after_commit();
	if (rc) {
		json_decref(deleted);
		json_decref(errors);
		return s3_internal(c, "commit");
	}
	blob_collect();
	call_set(c, "Deleted", deleted);
	call_set(c, "Errors", errors);
	return 0;
}

/* x-amz-copy-source: [/]bucket/key[?versionId=v], URL-encoded. */
int s3_parse_copy_source(struct call *c, const char **bucket, const char **key)
{
	const char *src = call_str(c, "CopySource");
	char *s = arena_strdup(c->arena, src);
	char *q = strchr(s, '?');
	if (q) {
		*q = 0;
		if (strncmp(q + 1, "versionId=", 10) || strcmp(q + 11, "null"))
			return call_error(c, ERR_INVALID_ARGUMENT, "Invalid version id specified");
	}
	long n = uri_decode(s, strlen(s), false);
	if (n < 0)
		return call_error(c, ERR_INVALID_ARGUMENT, "Invalid copy source encoding");
	s[n] = 0;
	if (*s == '/')
		s++;
	char *slash = strchr(s, '/');
	if (!slash || slash == s || !slash[1])
		return call_error(c, ERR_INVALID_ARGUMENT, "Invalid copy source object key");
	*slash = 0;
	*bucket = s;
	*key = slash + 1;
	return 0;
}

/* Evaluates x-amz-copy-source-if-* against the source. */
int s3_check_copy_conditions(struct call *c, const struct s3_object *src)
{
	enum s3_cond cond = s3_eval_conditions(call_str(c, "CopySourceIfMatch"), call_str(c, "CopySourceIfNoneMatch"),
					       call_int(c, "CopySourceIfModifiedSince", -1),
					       call_int(c, "CopySourceIfUnmodifiedSince", -1), src->etag, src->mtime);
	if (cond != S3_COND_OK)
		return call_error(c, ERR_S3_PRECONDITION_FAILED, NULL);
	return 0;
}

int s3_load_copy_source(struct call *c, struct s3_object *src)
{
	struct s3_bucket sb;
	const char *sbucket, *skey;
	if (s3_parse_copy_source(c, &sbucket, &skey) || s3_bucket_get(c, sbucket, &sb))
		return -1;
	int f = s3_object_load(c, arena_strdup(c->arena, sb.name), skey, src);
	if (f < 0)
		return s3_internal(c, "source lookup");
	if (!f)
		return s3_no_such_key(c, skey);
	return s3_check_copy_conditions(c, src);
}

/* Copies [off, off+len) of a source blob into a new sealed blob. */
int s3_copy_range(struct call *c, const char *src_blob, int64_t off, int64_t len, struct blob_writer *w,
		  unsigned char md5_out[16])
{
	int in = blob_open(src_blob);
	if (in < 0)
		return s3_internal(c, "source blob");
	if (blob_create(w)) {
		close(in);
		return s3_internal(c, "blob create");
	}
	struct md5_ctx md;
	md5_init(&md);
	char *buf = malloc(1 << 20);
	int64_t done = 0;
	int rc = 0;
	while (done < len) {
		size_t want = len - done > (1 << 20) ? (1 << 20) : (size_t)(len - done);
		ssize_t r = pread(in, buf, want, off + done);
		if (r <= 0 || blob_write(w, buf, (size_t)r)) {
			rc = -1;
			break;
		}
		md5_update(&md, buf, (size_t)r);
		done += r;
	}
	free(buf);
	close(in);
	md5_final(&md, md5_out);
	if (rc || blob_seal(w)) {
		blob_abort(w);
		return s3_internal(c, "copy");
	}
	return 0;
}

int s3_copy_object(struct call *c)
{
	struct s3_bucket b;
	if (s3_input_bucket(c, &b))
		return -1;
	const char *key = call_str(c, "Key");
	if (strlen(key) > S3_MAX_KEY)
		return call_error(c, ERR_S3_KEY_TOO_LONG, NULL);
	struct s3_object src;
	if (s3_load_copy_source(c, &src))
		return -1;
	if (src.size > S3_MAX_PUT)
		return call_error(c, ERR_INVALID_REQUEST,
				  "The specified copy source is larger than the maximum allowable size for a copy source: "
				  "5368709120");
	const char *md = call_str(c, "MetadataDirective"), *td = call_str(c, "TaggingDirective");
	if (md && strcmp(md, "COPY") && strcmp(md, "REPLACE"))
		return call_error(c, ERR_INVALID_ARGUMENT, "Unknown metadata directive.");
	if (td && strcmp(td, "COPY") && strcmp(td, "REPLACE"))
		return call_error(c, ERR_INVALID_ARGUMENT, "Unknown tagging directive.");
	bool replace_meta = md && !strcmp(md, "REPLACE"), replace_tags = td && !strcmp(td, "REPLACE");
	const char *sc = call_str(c, "StorageClass");
	if (!strcmp(src.bucket, b.name) && !strcmp(src.key, key) && !replace_meta && !sc && !call_str(c, "ServerSideEncryption") &&
	    !call_str(c, "WebsiteRedirectLocation"))
		return call_error(c, ERR_INVALID_REQUEST,
				  "This copy request is illegal because it is trying to copy an object to itself without "
				  "changing the object's metadata, storage class, website redirect location or encryption "
				  "attributes.");
	struct s3_object o = {.bucket = b.name, .key = key, .size = src.size};
	json_t *tags = NULL;
	if (replace_meta) {
		o.attrs = json_object();
		arena_on_free(c->arena, json_free_cb, o.attrs);
		if (s3_collect_object_attrs(c, o.attrs, &o.storage_class, &tags))
			return -1;
		json_decref(tags);
		tags = NULL;
	} else {
		o.attrs = json_deep_copy(src.attrs);
		arena_on_free(c->arena, json_free_cb, o.attrs);
		o.storage_class = sc ? sc : src.storage_class;
		if (sc && !s3_storage_class_valid(sc))
			return call_error(c, ERR_S3_INVALID_STORAGE_CLASS, NULL);
	}
	json_object_del(o.attrs, "Parts"); /* a copy is a single-part object */
	if (replace_tags) {
		const char *th = call_str(c, "Tagging");
		if (th && s3_tags_from_header(c, th, &tags))
			return -1;
	} else {
		tags = json_deep_copy(src.tags);
	}
	o.tags = tags ? tags : json_object();
	arena_on_free(c->arena, json_free_cb, o.tags);
	struct blob_writer w;
	unsigned char d[MD5_LEN];
	if (s3_copy_range(c, src.blob, 0, src.size, &w, d))
		return -1;
	char hex[33];
	hex_encode(d, MD5_LEN, hex);
	snprintf(o.etag, sizeof o.etag, "\"%s\"", hex);
	str_copy(o.blob, sizeof o.blob, w.id);
	o.mtime = clock_wall_ms();
	if (s3_commit_object(c, &w, &o))
		return -1;
	json_t *res = json_pack("{s:s, s:I}", "ETag", o.etag, "LastModified", (json_int_t)o.mtime);
	static const char *const ck[] = {"ChecksumCRC32", "ChecksumCRC32C", "ChecksumCRC64NVME", "ChecksumSHA1",
					 "ChecksumSHA256", "ChecksumType", NULL};
	for (int i = 0; ck[i]; i++) {
		json_t *v = json_object_get(o.attrs, ck[i]);
		if (v)
			json_object_set(res, ck[i], v);
	}
	call_set(c, "CopyObjectResult", res);
	call_set(c, "ServerSideEncryption", json_string("AES256"));
	return 0;
}

int s3_get_object_attributes(struct call *c)
{
	struct s3_bucket b;
	if (s3_input_bucket(c, &b))
		return -1;
	const char *key = call_str(c, "Key");
	struct s3_object o;
	int f = s3_object_load(c, b.name, key, &o);
	if (f < 0)
		return s3_internal(c, "object lookup");
	if (!f)
		return s3_no_such_key(c, key);
	call_set(c, "LastModified", json_integer(o.mtime));
	size_t i;
	json_t *a;
	json_array_foreach(call_get(c, "ObjectAttributes"), i, a)
	{
		const char *name = json_string_value(a);
		if (!strcmp(name, "ETag")) {
			size_t el = strlen(o.etag);
			call_set(c, "ETag", json_stringn(o.etag + 1, el >= 2 ? el - 2 : 0)); /* unquoted here */
		} else if (!strcmp(name, "ObjectSize")) {
			call_set(c, "ObjectSize", json_integer(o.size));
		} else if (!strcmp(name, "StorageClass")) {
			call_set(c, "StorageClass", json_string(o.storage_class));
		} else if (!strcmp(name, "Checksum")) {
			json_t *ck = json_object();
			const char *k;
			json_t *v;
			json_object_foreach(o.attrs, k, v) if (!strncmp(k, "Checksum", 8)) json_object_set(ck, k, v);
			if (json_object_size(ck))
				call_set(c, "Checksum", ck);
			else
				json_decref(ck);
		} else if (!strcmp(name, "ObjectParts")) {
			json_t *parts = json_object_get(o.attrs, "Parts");
			if (json_array_size(parts)) {
				int64_t max = call_int(c, "MaxParts", 1000), marker = call_int(c, "PartNumberMarker", 0);
				json_t *list = json_array();
				size_t np = json_array_size(parts);
				int64_t last = marker;
				for (size_t k = (size_t)marker; k < np && (int64_t)json_array_size(list) < max; k++) {
					json_array_append_new(list, json_pack("{s:I, s:O}", "PartNumber", (json_int_t)(k + 1), "Size",
									      json_array_get(parts, k)));
					last = (int64_t)k + 1;
				}
				call_set(c, "ObjectParts",
					 json_pack("{s:I, s:I, s:I, s:I, s:b, s:o}", "TotalPartsCount", (json_int_t)np,
						   "PartNumberMarker", (json_int_t)marker, "NextPartNumberMarker", (json_int_t)last,
						   "MaxParts", (json_int_t)max, "IsTruncated", last < (int64_t)np, "Parts", list));
			}
		} else {
			return call_error(c, ERR_INVALID_ARGUMENT, "Invalid attribute name specified.");
		}
	}
	return 0;
}
