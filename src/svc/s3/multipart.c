/* multipart.c — CreateMultipartUpload, UploadPart, UploadPartCopy,
 * CompleteMultipartUpload, AbortMultipartUpload, ListParts,
 * ListMultipartUploads.
 *
 * Each part is a blob of its own; completion joins the listed parts into one
 * new blob (copy_file_range: the kernel copies, often without touching user
 * memory) and commits the object row, releasing the part blobs, in one
 * transaction. A crash before that commit leaves the upload intact (the
 * client can complete again); after it, the object exists.
 * ETag of the result: MD5 of the concatenated binary part MD5s, "-N".
 * Checksums: COMPOSITE (checksum of the part checksums, "-N") unless the
 * upload asked for FULL_OBJECT, which S3 allows for the CRCs.
 */
#include "core/clock.h"
#include "core/crc.h"
#include "core/enc.h"
#include "core/hash.h"
#include "core/rand.h"
#include "store/db.h"
#include "core/str.h"
#include "svc/s3/s3int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

static void json_free_cb(void *p)
{
	json_decref(p);
}

struct upload {
	char id[128];
	const char *bucket, *key, *storage_class;
	int64_t initiated;
	json_t *attrs, *tags;
};

/* Loads an upload of (bucket, key); -1 with NoSuchUpload. */
static int load_upload(struct call *c, const char *bucket, const char *key, const char *id, struct upload *u)
{
	sqlite3_stmt *st = db_prep("SELECT initiated, storage_class, attrs, tags FROM s3_uploads "
				   "WHERE upload_id = ? AND bucket = ? AND key = ?");
	db_bind_text(st, 1, id);
	db_bind_text(st, 2, bucket);
	db_bind_text(st, 3, key);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		str_copy(u->id, sizeof u->id, id);
		u->bucket = bucket;
		u->key = key;
		u->initiated = sqlite3_column_int64(st, 0);
		u->storage_class = arena_strdup(c->arena, db_col_text(st, 1));
		u->attrs = json_loads(db_col_text(st, 2), 0, NULL);
		const char *t = db_col_text(st, 3);
		u->tags = t ? json_loads(t, 0, NULL) : json_object();
		arena_on_free(c->arena, json_free_cb, u->attrs);
		arena_on_free(c->arena, json_free_cb, u->tags);
	}
	db_done(st);
	if (rc == SQLITE_ROW)
		return 0;
	if (rc != SQLITE_DONE)
		return s3_internal(c, "upload lookup");
	call_error_field(c, "UploadId", id);
	return call_error(c, ERR_S3_NO_SUCH_UPLOAD, NULL);
}

int s3_create_multipart_upload(struct call *c)
{
	struct s3_bucket b;
	if (s3_input_bucket(c, &b))
		return -1;
	const char *key = call_str(c, "Key");
	if (strlen(key) > S3_MAX_KEY)
		return call_error(c, ERR_S3_KEY_TOO_LONG, NULL);
	json_t *attrs = json_object(), *tags = NULL;
	arena_on_free(c->arena, json_free_cb, attrs);
	const char *sc;
	if (s3_collect_object_attrs(c, attrs, &sc, &tags))
		return -1;
	const char *algo = call_str(c, "ChecksumAlgorithm"), *ctype = call_str(c, "ChecksumType");
	if (algo) {
		static const char *const ok[] = {"CRC32", "CRC32C", "CRC64NVME", "SHA1", "SHA256", NULL};
		bool valid = false;
		for (int i = 0; ok[i]; i++)
			valid |= !strcasecmp(algo, ok[i]);
		if (!valid) {
			json_decref(tags);
			return call_error(c, ERR_INVALID_REQUEST, "Checksum algorithm provided is unsupported.");
		}
		char *up = arena_strdup(c->arena, algo);
		for (char *p = up; *p; p++)
			if (*p >= 'a' && *p <= 'z')
				*p = (char)(*p - 32);
		json_object_set_new(attrs, "UploadChecksumAlgorithm", json_string(up));
		const char *t = ctype ? ctype : !strcmp(up, "CRC64NVME") ? "FULL_OBJECT" : "COMPOSITE";
		if (strcmp(t, "COMPOSITE") && strcmp(t, "FULL_OBJECT")) {
			json_decref(tags);
			return call_error(c, ERR_INVALID_REQUEST, "Value for x-amz-checksum-type header is invalid.");
		}
		if (!strcmp(t, "FULL_OBJECT") && strncmp(up, "CRC", 3)) {
			json_decref(tags);
			return call_error(c, ERR_INVALID_REQUEST, "The FULL_OBJECT checksum type cannot be used with the %s checksum algorithm.", up);
		}
		json_object_set_new(attrs, "UploadChecksumType", json_string(t));
		call_set(c, "ChecksumAlgorithm", json_string(up));
		call_set(c, "ChecksumType", json_string(t));
	}
	unsigned char r[24];
	rand_bytes(r, sizeof r);
	char id[sizeof r * 2 + 1];
	hex_encode(r, sizeof r, id);
	char *aj = json_dumps(attrs, JSON_COMPACT);
	char *tj = tags && json_object_size(tags) ? json_dumps(tags, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	json_decref(tags);
	int rc = -1;
	if (db_begin()) {
		free(aj);
		free(tj);
		return s3_internal(c, "begin");
	}
	sqlite3_stmt *st = db_prep("INSERT INTO s3_uploads(upload_id, bucket, key, initiated, storage_class, attrs, tags) "
				   "VALUES (?, ?, ?, ?, ?, ?, ?)");
	db_bind_text(st, 1, id);
	db_bind_text(st, 2, b.name);
	db_bind_text(st, 3, key);
	sqlite3_bind_int64(st, 4, clock_wall_ms());
	db_bind_text(st, 5, sc);
	db_bind_text(st, 6, aj);
	db_bind_text(st, 7, tj);
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
	db_done(st);
	free(aj);
	free(tj);
	if (rc) {
		db_rollback();
		return s3_internal(c, "create upload");
	}
	if (db_commit())
		return s3_internal(c, "commit");
	call_set(c, "Bucket", json_string(b.name));
	call_set(c, "Key", json_string(key));
	call_set(c, "UploadId", json_string(id));
	call_set(c, "ServerSideEncryption", json_string("AES256"));
	return 0;
}

/* Commits one part row (replacing an earlier upload of the same number). */
static int commit_part(struct call *c, struct upload *u, int64_t n, struct blob_writer *w, const char *etag,
		       int64_t size, json_t *checksum)
{
	char *cj = checksum && json_object_size(checksum) ? json_dumps(checksum, JSON_COMPACT) : NULL;
	if (db_begin()) {
		free(cj);
		blob_abort(w);
		return s3_internal(c, "begin");
	}
	/* The upload may have been completed or aborted while the part streamed. */
	sqlite3_stmt *st = db_prep("SELECT 1 FROM s3_uploads WHERE upload_id = ?");
	db_bind_text(st, 1, u->id);
	int alive = sqlite3_step(st) == SQLITE_ROW;
	db_done(st);
	int rc = alive ? 0 : 1;
	if (alive) {
		st = db_prep("SELECT blob FROM s3_parts WHERE upload_id = ? AND part_number = ?");
		db_bind_text(st, 1, u->id);
		sqlite3_bind_int64(st, 2, n);
		if (sqlite3_step(st) == SQLITE_ROW)
			rc |= blob_release(db_col_text(st, 0));
		db_done(st);
		st = db_prep("INSERT OR REPLACE INTO s3_parts(upload_id, part_number, size, etag, blob, mtime, checksum) "
			     "VALUES (?, ?, ?, ?, ?, ?, ?)");
		db_bind_text(st, 1, u->id);
		sqlite3_bind_int64(st, 2, n);
		sqlite3_bind_int64(st, 3, size);
		db_bind_text(st, 4, etag);
		db_bind_text(st, 5, w->id);
		sqlite3_bind_int64(st, 6, clock_wall_ms());
		db_bind_text(st, 7, cj);
		rc |= sqlite3_step(st) != SQLITE_DONE;
		db_done(st);
		rc |= blob_register(w);
	}
	free(cj);
	if (rc) {
		db_rollback();
		blob_abort(w);
		if (!alive) {
			call_error_field(c, "UploadId", u->id);
			return call_error(c, ERR_S3_NO_SUCH_UPLOAD, NULL);
		}
		return s3_internal(c, "part row");
	}
	return s3_commit_blob(c, w);
}

static int part_number(struct call *c, int64_t *n)
{
	*n = call_int(c, "PartNumber", 0);
	if (*n < 1 || *n > S3_MAX_PARTS)
		return call_error(c, ERR_INVALID_ARGUMENT, "Part number must be an integer between 1 and 10000, inclusive");
	return 0;
}

int s3_upload_part(struct call *c)
{
	struct s3_bucket b;
	struct upload u;
	int64_t n;
	if (s3_input_bucket(c, &b) || part_number(c, &n) ||
	    load_upload(c, b.name, call_str(c, "Key"), call_str(c, "UploadId"), &u))
		return -1;
	/* Parts of an upload that declared an algorithm carry that checksum. */
	const char *ua = json_string_value(json_object_get(u.attrs, "UploadChecksumAlgorithm"));
	if (ua && !call_str(c, "ChecksumAlgorithm") && !c->body->checksum_kind)
		json_object_set_new(c->input, "ChecksumAlgorithm", json_string(ua));
	struct s3_object part = {.bucket = b.name, .key = u.key};
	part.attrs = json_object();
	arena_on_free(c->arena, json_free_cb, part.attrs);
	struct blob_writer w;
	if (s3_receive_body(c, &w, &part, true))
		return -1;
	json_t *ck = json_object();
	const char *k;
	json_t *v;
	json_object_foreach(part.attrs, k, v) if (!strncmp(k, "Checksum", 8) && strcmp(k, "ChecksumType")) json_object_set(ck, k, v);
	int rc = commit_part(c, &u, n, &w, part.etag, part.size, ck);
	json_decref(ck);
	if (rc)
		return -1;
	json_object_del(c->output, "ChecksumType");
	call_set(c, "ETag", json_string(part.etag));
	call_set(c, "ServerSideEncryption", json_string("AES256"));
	return 0;
}

int s3_upload_part_copy(struct call *c)
{
	struct s3_bucket b;
	struct upload u;
	int64_t n;
	struct s3_object src;
	if (s3_input_bucket(c, &b) || part_number(c, &n) ||
	    load_upload(c, b.name, call_str(c, "Key"), call_str(c, "UploadId"), &u) || s3_load_copy_source(c, &src))
		return -1;
	int64_t off = 0, len = src.size;
	const char *range = call_str(c, "CopySourceRange");
	if (range) {
		int rr = s3_parse_range(range, src.size, &off, &len);
		/* A copy range must be a plain, satisfiable "bytes=a-b". */
		if (rr <= 0 || range[6] == '-' || range[strlen(range) - 1] == '-')
			return call_error(c, ERR_INVALID_ARGUMENT,
					  "The x-amz-copy-source-range value must be of the form bytes=first-last where first and "
					  "last are the zero-based offsets of the first and last bytes to copy");
		int64_t a, b2;
		char *e;
		a = strtoll(range + 6, &e, 10);
		b2 = strtoll(e + 1, NULL, 10);
		if (b2 >= src.size || a >= src.size)
			return call_error(c, ERR_S3_INVALID_RANGE, "The requested range is not satisfiable");
	}
	if (len > S3_MAX_PUT)
		return call_error(c, ERR_INVALID_REQUEST, "The specified copy source is larger than the maximum allowable size for a copy source: 5368709120");
	struct blob_writer w;
	unsigned char d[MD5_LEN];
	if (s3_copy_range(c, src.blob, off, len, &w, d))
		return -1;
	char hex[33], etag[40];
	hex_encode(d, MD5_LEN, hex);
	snprintf(etag, sizeof etag, "\"%s\"", hex);
	int64_t now = clock_wall_ms();
	if (commit_part(c, &u, n, &w, etag, len, NULL))
		return -1;
	call_set(c, "CopyPartResult", json_pack("{s:s, s:I}", "ETag", etag, "LastModified", (json_int_t)now));
	return 0;
}

struct part {
	int64_t number, size;
	char etag[80];
	char blob[BLOB_ID_LEN + 1];
	json_t *checksum;
};

static bool etag_equal(const char *stored, const char *given)
{
	/* Clients send the ETag with or without quotes. */
	size_t sl = strlen(stored), gl = strlen(given);
	if (gl >= 2 && given[0] == '"' && given[gl - 1] == '"')
		return gl == sl && !memcmp(stored, given, sl);
	return sl == gl + 2 && !memcmp(stored + 1, given, gl);
}

/* CRC combine for FULL_OBJECT checksums: crc(A||B) from crc(A), crc(B),
 * len(B), for any reflected CRC (GF(2) matrix squaring, as zlib does). */
static uint64_t gf2_times(const uint64_t *mat, uint64_t vec)
{
	uint64_t sum = 0;
	for (int i = 0; vec; vec >>= 1, i++)
		if (vec & 1)
			sum ^= mat[i];
	return sum;
}

static void gf2_square(uint64_t *sq, const uint64_t *mat, int bits)
{
	for (int i = 0; i < bits; i++)
		sq[i] = gf2_times(mat, mat[i]);
}

static uint64_t crc_combine(uint64_t crc1, uint64_t crc2, int64_t len2, uint64_t poly, int bits)
{
	if (len2 <= 0)
		return crc1;
	uint64_t odd[64], even[64];
	odd[0] = poly;
	uint64_t row = 1;
	for (int i = 1; i < bits; i++) {
		odd[i] = row;
		row <<= 1;
	}
	gf2_square(even, odd, bits);
	gf2_square(odd, even, bits);
	do {
		gf2_square(even, odd, bits);
		if (len2 & 1)
			crc1 = gf2_times(even, crc1);
		len2 >>= 1;
		if (!len2)
			break;
		gf2_square(odd, even, bits);
		if (len2 & 1)
			crc1 = gf2_times(odd, crc1);
		len2 >>= 1;
	} while (len2);
	return crc1 ^ crc2;
}

static int decode_be(const char *b64, unsigned char *raw, size_t want)
{
	size_t n = strlen(b64);
	unsigned char tmp[64];
	if (n > 80 || base64_decode(b64, n, tmp) != (long)want)
		return -1;
	memcpy(raw, tmp, want);
	return 0;
}

/* The object's checksum from its parts' checksums. */
static int final_checksum(struct call *c, struct upload *u, struct part *parts, size_t np, json_t *out)
{
	const char *algo = json_string_value(json_object_get(u->attrs, "UploadChecksumAlgorithm"));
	if (!algo)
		return 0;
	const char *type = json_string_value(json_object_get(u->attrs, "UploadChecksumType"));
	char member[32];
	snprintf(member, sizeof member, "Checksum%s", algo);
	bool full = type && !strcmp(type, "FULL_OBJECT");
	size_t w = !strcmp(algo, "CRC64NVME") ? 8 : !strcmp(algo, "SHA1") ? 20 : !strcmp(algo, "SHA256") ? 32 : 4;
	unsigned char raw[32];
	if (full) {
		uint64_t acc = 0, poly = !strcmp(algo, "CRC32") ? 0xEDB88320ull : !strcmp(algo, "CRC32C") ? 0x82F63B78ull
													    : 0x9a6c9329ac4bc9b5ull;
		int bits = w == 8 ? 64 : 32;
		for (size_t i = 0; i < np; i++) {
			const char *v = json_string_value(json_object_get(parts[i].checksum, member));
			if (!v || decode_be(v, raw, w))
				return call_error(c, ERR_INVALID_REQUEST, "The upload was created using a %s checksum. The complete request must include the checksum for each part. It was missing for part %lld in the request.", algo, (long long)parts[i].number);
			uint64_t pv = 0;
			for (size_t k = 0; k < w; k++)
				pv = pv << 8 | raw[k];
			acc = i ? crc_combine(acc, pv, parts[i].size, poly, bits) : pv;
		}
		for (size_t k = 0; k < w; k++)
			raw[k] = (unsigned char)(acc >> (8 * (w - 1 - k)));
		char b64[96];
		base64_encode(raw, w, b64);
		json_object_set_new(out, member, json_string(b64));
		json_object_set_new(out, "ChecksumType", json_string("FULL_OBJECT"));
		return 0;
	}
	/* COMPOSITE: the checksum of the concatenated part checksums, "-N". */
	struct sha256_ctx s256;
	struct sha1_ctx s1;
	uint32_t c32 = 0;
	uint64_t c64 = 0;
	sha256_init(&s256);
	sha1_init(&s1);
	for (size_t i = 0; i < np; i++) {
		const char *v = json_string_value(json_object_get(parts[i].checksum, member));
		if (!v || decode_be(v, raw, w))
			return call_error(c, ERR_INVALID_REQUEST, "The upload was created using a %s checksum. The complete request must include the checksum for each part. It was missing for part %lld in the request.", algo, (long long)parts[i].number);
		if (!strcmp(algo, "CRC32"))
			c32 = crc32_update(c32, raw, w);
		else if (!strcmp(algo, "CRC32C"))
			c32 = crc32c_update(c32, raw, w);
		else if (!strcmp(algo, "CRC64NVME"))
			c64 = crc64nvme_update(c64, raw, w);
		else if (!strcmp(algo, "SHA1"))
			sha1_update(&s1, raw, w);
		else
			sha256_update(&s256, raw, w);
	}
	if (w == 4)
		for (int k = 0; k < 4; k++)
			raw[k] = (unsigned char)(c32 >> (24 - 8 * k));
	else if (w == 8)
		for (int k = 0; k < 8; k++)
			raw[k] = (unsigned char)(c64 >> (56 - 8 * k));
	else if (w == 20)
		sha1_final(&s1, raw);
	else
		sha256_final(&s256, raw);
	char b64[96];
	base64_encode(raw, w, b64);
	json_object_set_new(out, member, json_string(arena_printf(c->arena, "%s-%zu", b64, np)));
	json_object_set_new(out, "ChecksumType", json_string("COMPOSITE"));
	return 0;
}

/* Joins the parts into a new sealed blob. */
static int join_parts(struct call *c, struct part *parts, size_t np, struct blob_writer *w)
{
	if (blob_create(w))
		return s3_internal(c, "blob create");
	for (size_t i = 0; i < np; i++) {
		int in = blob_open(parts[i].blob);
		if (in < 0) {
			blob_abort(w);
			return s3_internal(c, "part blob");
		}
		int64_t left = parts[i].size;
		loff_t off = 0;
		while (left > 0) {
			/* In the kernel when both are files; small results (still
			 * inline in w) and inline parts (memory files) are copied. */
			ssize_t k = w->fd >= 0 ? copy_file_range(in, &off, w->fd, NULL,
								 (size_t)(left > (1 << 30) ? (1 << 30) : left), 0)
					       : -1;
			if (k <= 0) {
				char buf[65536];
				ssize_t r = pread(in, buf, sizeof buf < (size_t)left ? sizeof buf : (size_t)left, off);
				if (r <= 0 || blob_write(w, buf, (size_t)r)) {
					close(in);
					blob_abort(w);
					return s3_internal(c, "join parts");
				}
				off += r;
				left -= r;
				continue;
			}
			left -= k;
			w->size += k;
		}
		close(in);
	}
	if (blob_seal(w)) {
		blob_abort(w);
		return s3_internal(c, "blob fsync");
	}
	return 0;
}

/* S3 answers a repeated CompleteMultipartUpload of a finished upload with
 * the same result while the object it made is still there. */
static int repeat_completion(struct call *c, const char *bucket, const char *key, const char *id)
{
	sqlite3_stmt *st = db_prep("SELECT d.result FROM s3_uploads_done d JOIN s3_objects o ON o.bucket = d.bucket "
				   "AND o.key = d.key AND o.etag = d.etag WHERE d.upload_id = ? AND d.bucket = ? AND d.key = ?");
	db_bind_text(st, 1, id);
	db_bind_text(st, 2, bucket);
	db_bind_text(st, 3, key);
	json_t *res = NULL;
	if (sqlite3_step(st) == SQLITE_ROW)
		res = json_loads(db_col_text(st, 0), 0, NULL);
	db_done(st);
	if (!res)
		return -1;
	json_decref(c->output);
	c->output = res;
	c->err = ERR_NONE;
	c->errmsg = NULL;
	json_decref(c->err_fields);
	c->err_fields = NULL;
	return 0;
}

int s3_complete_multipart_upload(struct call *c)
{
	struct s3_bucket b;
	struct upload u;
	const char *key = call_str(c, "Key");
	if (s3_input_bucket(c, &b))
		return -1;
	if (load_upload(c, b.name, key, call_str(c, "UploadId"), &u))
		return repeat_completion(c, b.name, key, call_str(c, "UploadId"));
	json_t *given = json_object_get(call_get(c, "MultipartUpload"), "Parts");
	size_t np = json_array_size(given);
	if (!np)
		return call_error(c, ERR_MALFORMED_XML, "The XML you provided was not well-formed or did not validate against our published schema");
	if (np > S3_MAX_PARTS)
		return call_error(c, ERR_MALFORMED_XML, NULL);
	struct part *parts = arena_zalloc(c->arena, sizeof *parts * np);
	int64_t prev = 0;
	size_t ngiven = np;
	np = 0;
	for (size_t gi = 0; gi < ngiven; gi++) {
		json_t *g = json_array_get(given, gi);
		int64_t n = json_integer_value(json_object_get(g, "PartNumber"));
		const char *etag = json_string_value(json_object_get(g, "ETag"));
		if (n < prev || n < 1)
			return call_error(c, ERR_S3_INVALID_PART_ORDER, NULL);
		/* A part listed twice (a client that re-sent it) counts once, if any
		 * of its listed ETags is the part's current one. */
		if (n == prev)
			continue;
		prev = n;
		size_t i = np++;
		sqlite3_stmt *st = db_prep("SELECT size, etag, blob, checksum FROM s3_parts WHERE upload_id = ? AND part_number = ?");
		db_bind_text(st, 1, u.id);
		sqlite3_bind_int64(st, 2, n);
		int found = sqlite3_step(st) == SQLITE_ROW;
		if (found) {
			parts[i].number = n;
			parts[i].size = sqlite3_column_int64(st, 0);
			str_copy(parts[i].etag, sizeof parts[i].etag, db_col_text(st, 1));
			str_copy(parts[i].blob, sizeof parts[i].blob, db_col_text(st, 2));
			const char *cj = db_col_text(st, 3);
			parts[i].checksum = cj ? json_loads(cj, 0, NULL) : json_object();
			arena_on_free(c->arena, json_free_cb, parts[i].checksum);
		}
		db_done(st);
		bool match = found && etag && etag_equal(parts[i].etag, etag);
		for (size_t gj = gi + 1; found && !match && gj < ngiven; gj++) {
			json_t *g2 = json_array_get(given, gj);
			if (json_integer_value(json_object_get(g2, "PartNumber")) != n)
				break;
			const char *e2 = json_string_value(json_object_get(g2, "ETag"));
			match = e2 && etag_equal(parts[i].etag, e2);
		}
		if (!match) {
			call_error_field(c, "UploadId", u.id);
			call_error_field(c, "PartNumber", arena_printf(c->arena, "%lld", (long long)n));
			if (etag)
				call_error_field(c, "ETag", etag);
			return call_error(c, ERR_S3_INVALID_PART, NULL);
		}
		/* Checksums the client repeats in the list must match the part's. */
		const char *k;
		json_t *v;
		json_object_foreach(g, k, v)
		{
			if (strncmp(k, "Checksum", 8))
				continue;
			json_t *have = json_object_get(parts[i].checksum, k);
			if (!have || strcmp(json_string_value(have), json_string_value(v)))
				return call_error(c, ERR_S3_INVALID_PART, NULL);
		}
	}
	for (size_t i = 0; i + 1 < np; i++)
		if (parts[i].size < S3_MIN_PART) {
			call_error_field(c, "ProposedSize", arena_printf(c->arena, "%lld", (long long)parts[i].size));
			call_error_field(c, "MinSizeAllowed", arena_printf(c->arena, "%lld", (long long)S3_MIN_PART));
			call_error_field(c, "PartNumber", arena_printf(c->arena, "%lld", (long long)parts[i].number));
			return call_error(c, ERR_S3_ENTITY_TOO_SMALL, NULL);
		}
	struct s3_object o = {.bucket = b.name, .key = key, .storage_class = u.storage_class};
	o.attrs = json_deep_copy(u.attrs);
	arena_on_free(c->arena, json_free_cb, o.attrs);
	json_object_del(o.attrs, "UploadChecksumAlgorithm");
	json_object_del(o.attrs, "UploadChecksumType");
	if (final_checksum(c, &u, parts, np, o.attrs))
		return -1;
	o.tags = u.tags;
	/* ETag: MD5 of the binary part MD5s, then "-N". */
	struct md5_ctx md;
	md5_init(&md);
	json_t *sizes = json_array();
	for (size_t i = 0; i < np; i++) {
		unsigned char raw[MD5_LEN];
		if (hex_decode(parts[i].etag + 1, 32, raw) == 0)
			md5_update(&md, raw, MD5_LEN);
		json_array_append_new(sizes, json_integer(parts[i].size));
		o.size += parts[i].size;
	}
	json_object_set_new(o.attrs, "Parts", sizes);
	unsigned char d[MD5_LEN];
	md5_final(&md, d);
	char hex[33];
	hex_encode(d, MD5_LEN, hex);
	snprintf(o.etag, sizeof o.etag, "\"%s-%zu\"", hex, np);
	struct blob_writer w;
	if (join_parts(c, parts, np, &w))
		return -1;
	str_copy(o.blob, sizeof o.blob, w.id);
	o.mtime = clock_wall_ms();
	if (db_begin()) {
		blob_abort(&w);
		return s3_internal(c, "begin");
	}
	/* All or nothing: the upload must still exist (no concurrent complete/abort). */
	sqlite3_stmt *st = db_prep("SELECT blob FROM s3_parts WHERE upload_id = ?");
	db_bind_text(st, 1, u.id);
	int rc = 0;
	while (sqlite3_step(st) == SQLITE_ROW)
		rc |= blob_release(db_col_text(st, 0));
	db_done(st);
	st = db_prep("DELETE FROM s3_uploads WHERE upload_id = ?");
	db_bind_text(st, 1, u.id);
	rc |= sqlite3_step(st) != SQLITE_DONE;
	db_done(st);
	bool gone = db_changes() == 0;
	st = db_prep("DELETE FROM s3_parts WHERE upload_id = ?");
	db_bind_text(st, 1, u.id);
	rc |= sqlite3_step(st) != SQLITE_DONE;
	db_done(st);
	if (gone) {
		db_rollback();
		blob_abort(&w);
		call_error_field(c, "UploadId", u.id);
		return call_error(c, ERR_S3_NO_SUCH_UPLOAD, NULL);
	}
	rc |= s3_object_put_row(c, &o) | blob_register(&w);
	call_set(c, "Location", json_string(arena_printf(c->arena, "/%s/%s", b.name, key)));
	call_set(c, "Bucket", json_string(b.name));
	call_set(c, "Key", json_string(key));
	call_set(c, "ETag", json_string(o.etag));
	const char *k;
	json_t *v;
	json_object_foreach(o.attrs, k, v) if (!strncmp(k, "Checksum", 8)) call_set(c, k, json_incref(v));
	call_set(c, "ServerSideEncryption", json_string("AES256"));
	/* Remember the result for a day, for repeated completions. */
	char *res = json_dumps(c->output, JSON_COMPACT);
	st = db_prep("INSERT OR REPLACE INTO s3_uploads_done(upload_id, bucket, key, etag, result, done) VALUES (?, ?, ?, ?, ?, ?)");
	db_bind_text(st, 1, u.id);
	db_bind_text(st, 2, b.name);
	db_bind_text(st, 3, key);
	db_bind_text(st, 4, o.etag);
	db_bind_text(st, 5, res);
	sqlite3_bind_int64(st, 6, o.mtime);
	rc |= sqlite3_step(st) != SQLITE_DONE;
	db_done(st);
	free(res);
	st = db_prep("DELETE FROM s3_uploads_done WHERE done < ?");
	sqlite3_bind_int64(st, 1, o.mtime - 86400000);
	rc |= sqlite3_step(st) != SQLITE_DONE;
	db_done(st);
	if (rc) {
		db_rollback();
		blob_abort(&w);
		return s3_internal(c, "complete");
	}
	return s3_commit_blob(c, &w);
}

int s3_abort_multipart_upload(struct call *c)
{
	struct s3_bucket b;
	struct upload u;
	if (s3_input_bucket(c, &b) || load_upload(c, b.name, call_str(c, "Key"), call_str(c, "UploadId"), &u))
		return -1;
	if (db_begin())
		return s3_internal(c, "begin");
	sqlite3_stmt *st = db_prep("SELECT blob FROM s3_parts WHERE upload_id = ?");
	db_bind_text(st, 1, u.id);
	int rc = 0;
	while (sqlite3_step(st) == SQLITE_ROW)
		rc |= blob_release(db_col_text(st, 0));
	db_done(st);
	static const char *const del[] = {"DELETE FROM s3_parts WHERE upload_id = ?", "DELETE FROM s3_uploads WHERE upload_id = ?"};
	for (int i = 0; i < 2; i++) {
		st = db_prep(del[i]);
		db_bind_text(st, 1, u.id);
		rc |= sqlite3_step(st) != SQLITE_DONE;
		db_done(st);
	}
	if (rc) {
		db_rollback();
		return s3_internal(c, "abort");
	}
	if (db_commit())
		return s3_internal(c, "commit");
	blob_collect();
	c->status = 204;
	return 0;
}

int s3_list_parts(struct call *c)
{
	struct s3_bucket b;
	struct upload u;
	if (s3_input_bucket(c, &b) || load_upload(c, b.name, call_str(c, "Key"), call_str(c, "UploadId"), &u))
		return -1;
	int64_t max = call_int(c, "MaxParts", 1000), marker = 0;
	const char *pm = call_str(c, "PartNumberMarker");
	if (pm) {
		char *e;
		marker = strtoll(pm, &e, 10);
		if (*e || marker < 0)
			return call_error(c, ERR_INVALID_ARGUMENT, "Provided part-number-marker not an integer or within integer range");
	}
	if (max < 0)
		return call_error(c, ERR_INVALID_ARGUMENT, "Provided max-parts not an integer or within integer range");
	if (max > 1000)
		max = 1000;
	sqlite3_stmt *st = db_prep("SELECT part_number, size, etag, mtime, checksum FROM s3_parts WHERE upload_id = ? "
				   "AND part_number > ? ORDER BY part_number LIMIT ?");
	db_bind_text(st, 1, u.id);
	sqlite3_bind_int64(st, 2, marker);
	sqlite3_bind_int64(st, 3, max + 1);
	json_t *list = json_array();
	int64_t last = marker;
	bool truncated = false;
	while (sqlite3_step(st) == SQLITE_ROW) {
		if ((int64_t)json_array_size(list) == max) {
			truncated = true;
			break;
		}
		last = sqlite3_column_int64(st, 0);
		json_t *p = json_pack("{s:I, s:I, s:s, s:I}", "PartNumber", (json_int_t)last, "Size",
				      (json_int_t)sqlite3_column_int64(st, 1), "ETag", db_col_text(st, 2), "LastModified",
				      (json_int_t)sqlite3_column_int64(st, 3));
		const char *cj = db_col_text(st, 4);
		json_t *ck = cj ? json_loads(cj, 0, NULL) : NULL;
		if (ck)
			json_object_update(p, ck);
		json_decref(ck);
		json_array_append_new(list, p);
	}
	db_done(st);
	json_t *owner = s3_owner(b.account);
	call_set(c, "Bucket", json_string(b.name));
	call_set(c, "Key", json_string(u.key));
	call_set(c, "UploadId", json_string(u.id));
	call_set(c, "PartNumberMarker", json_integer(marker));
	call_set(c, "NextPartNumberMarker", json_integer(last));
	call_set(c, "MaxParts", json_integer(max));
	call_set(c, "IsTruncated", json_boolean(truncated));
	call_set(c, "Parts", list);
	call_set(c, "Initiator", json_pack("{s:O, s:O}", "ID", json_object_get(owner, "ID"), "DisplayName",
					   json_object_get(owner, "DisplayName")));
	call_set(c, "Owner", owner);
	call_set(c, "StorageClass", json_string(u.storage_class));
	const char *ua = json_string_value(json_object_get(u.attrs, "UploadChecksumAlgorithm"));
	if (ua) {
		call_set(c, "ChecksumAlgorithm", json_string(ua));
		call_set(c, "ChecksumType", json_incref(json_object_get(u.attrs, "UploadChecksumType")));
	}
	return 0;
}

int s3_list_multipart_uploads(struct call *c)
{
	struct s3_bucket b;
	if (s3_input_bucket(c, &b))
		return -1;
	const char *prefix = call_str(c, "Prefix"), *delim = call_str(c, "Delimiter");
	const char *km = call_str(c, "KeyMarker"), *um = call_str(c, "UploadIdMarker");
	int64_t max = call_int(c, "MaxUploads", 1000);
	if (max < 0)
		return call_error(c, ERR_INVALID_ARGUMENT, "Provided max-uploads not an integer or within integer range");
	if (max > 1000)
		max = 1000;
	/* Ordered by key, then by initiation time (as S3 lists them). */
	sqlite3_stmt *st = db_prep("SELECT key, upload_id, initiated, storage_class, attrs FROM s3_uploads WHERE bucket = ?1 "
				   "AND (?2 IS NULL OR substr(key, 1, length(?2)) = ?2) "
				   "AND (?3 IS NULL OR key > ?3 OR (key = ?3 AND ?4 IS NOT NULL AND upload_id > ?4)) "
				   "ORDER BY key, initiated, upload_id");
	db_bind_text(st, 1, b.name);
	db_bind_text(st, 2, prefix);
	db_bind_text(st, 3, km && *km ? km : NULL);
	db_bind_text(st, 4, um && *um ? um : NULL);
	json_t *ups = json_array(), *cps = json_array();
	json_t *owner = s3_owner(b.account);
	int64_t n = 0;
	bool truncated = false;
	const char *last_key = NULL, *last_id = NULL, *last_cp = NULL;
	size_t plen = prefix ? strlen(prefix) : 0;
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *key = db_col_text(st, 0);
		const char *d = delim && *delim ? strstr(key + plen, delim) : NULL;
		if (d) {
			char *cp = arena_strndup(c->arena, key, (size_t)(d - key) + strlen(delim));
			if (last_cp && !strcmp(cp, last_cp))
				continue;
			if (n == max) {
				truncated = true;
				break;
			}
			json_array_append_new(cps, json_pack("{s:s}", "Prefix", cp));
			last_cp = cp;
			last_key = cp;
			last_id = NULL;
			n++;
			continue;
		}
		if (n == max) {
			truncated = true;
			break;
		}
		json_t *e = json_pack("{s:s, s:s, s:I, s:s, s:O, s:O}", "Key", key, "UploadId", db_col_text(st, 1), "Initiated",
				      (json_int_t)sqlite3_column_int64(st, 2), "StorageClass", db_col_text(st, 3), "Owner", owner,
				      "Initiator", owner);
		json_t *attrs = json_loads(db_col_text(st, 4), 0, NULL);
		json_t *ua = json_object_get(attrs, "UploadChecksumAlgorithm");
		if (ua) {
			json_object_set(e, "ChecksumAlgorithm", ua);
			json_object_set(e, "ChecksumType", json_object_get(attrs, "UploadChecksumType"));
		}
		json_decref(attrs);
		json_array_append_new(ups, e);
		last_key = arena_strdup(c->arena, key);
		last_id = arena_strdup(c->arena, db_col_text(st, 1));
		n++;
	}
	db_done(st);
	json_decref(owner);
	call_set(c, "Bucket", json_string(b.name));
	call_set(c, "KeyMarker", json_string(km ? km : ""));
	call_set(c, "UploadIdMarker", json_string(um ? um : ""));
	call_set(c, "MaxUploads", json_integer(max));
	call_set(c, "IsTruncated", json_boolean(truncated));
	if (prefix)
		call_set(c, "Prefix", json_string(prefix));
	if (delim)
		call_set(c, "Delimiter", json_string(delim));
	if (truncated) {
		call_set(c, "NextKeyMarker", json_string(last_key ? last_key : ""));
		call_set(c, "NextUploadIdMarker", json_string(last_id ? last_id : ""));
	}
	call_set(c, "Uploads", ups);
	if (json_array_size(cps))
		call_set(c, "CommonPrefixes", cps);
	else
		json_decref(cps);
	return 0;
}
