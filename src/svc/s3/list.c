/* list.c — ListObjects (v1), ListObjectsV2 and ListObjectVersions, with
 * S3's ordering and truncation rules, read from the (bucket, key) index so
 * a page costs the same whatever the bucket's size.
 *
 * The walk: start after the marker (or at the prefix), take keys in UTF-8
 * byte order while they carry the prefix; a key with the delimiter after
 * the prefix becomes a common prefix, and the walk jumps past every key
 * under it (one index seek) instead of reading them. A common prefix not
 * greater than the marker is not returned again (so paging with
 * NextMarker = a common prefix moves on). IsTruncated is true only when
 * another entry exists beyond max-keys.
 */
#include "core/buf.h"
#include "core/enc.h"
#include "store/db.h"
#include "svc/s3/s3int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct listing {
	const char *prefix, *delimiter, *after; /* after: exclusive start, or NULL */
	int max;
	bool owner, url;
	const char *account;
	/* results */
	json_t *contents, *prefixes;
	bool truncated;
	const char *last;      /* last key or common prefix returned (arena) */
	bool last_is_prefix;
	int count;
};

static void add_encoded(struct call *c, json_t *obj, const char *member, const char *v, bool url)
{
	if (!url) {
		json_object_set_new(obj, member, json_string(v));
		return;
	}
	/* encoding-type=url: percent-encoding as S3 does it (space is %20). */
	struct buf b;
	buf_init(&b, 8192);
	uri_encode(&b, v, strlen(v), URI_KEEP_SLASH);
	(void)c;
	json_object_set_new(obj, member, json_string(buf_str(&b)));
	buf_free(&b);
}

static json_t *object_entry(struct call *c, struct listing *l, sqlite3_stmt *st, bool versions)
{
	json_t *e = json_object();
	add_encoded(c, e, "Key", db_col_text(st, 0), l->url);
	json_object_set_new(e, "Size", json_integer(sqlite3_column_int64(st, 1)));
	json_object_set_new(e, "ETag", json_string(db_col_text(st, 2)));
	json_object_set_new(e, "LastModified", json_integer(sqlite3_column_int64(st, 3)));
	json_object_set_new(e, "StorageClass", json_string(db_col_text(st, 4)));
	/* checksum_member is "ChecksumCRC32" etc.: the algorithm follows "Checksum". */
	const char *ckm = db_col_text(st, 5);
	if (ckm && !strncmp(ckm, "Checksum", 8)) {
		json_object_set_new(e, "ChecksumAlgorithm", json_pack("[s]", ckm + 8));
		if (db_col_text(st, 6))
			json_object_set_new(e, "ChecksumType", json_string(db_col_text(st, 6)));
	}
	if (versions) {
		json_object_set_new(e, "VersionId", json_string("null"));
		json_object_set_new(e, "IsLatest", json_true());
	}
	if (l->owner)
		json_object_set_new(e, "Owner", s3_owner(l->account));
	return e;
}

/* The smallest string greater than every string starting with p. */
static char *past_prefix(struct call *c, const char *p)
{
	size_t n = strlen(p);
	char *s = arena_alloc(c->arena, n + 2);
	memcpy(s, p, n);
	s[n] = (char)0xFF; /* no UTF-8 key contains 0xFF */
	s[n + 1] = 0;
	return s;
}

static int walk(struct call *c, const char *bucket, struct listing *l, bool versions)
{
	l->contents = json_array();
	l->prefixes = json_array();
	const char *prefix = l->prefix ? l->prefix : "";
	size_t plen = strlen(prefix), dlen = l->delimiter ? strlen(l->delimiter) : 0;
	/* cursor: inclusive when starting at the prefix, exclusive after a marker */
	const char *cursor = prefix;
	bool inclusive = true;
	if (l->after && strcmp(l->after, prefix) >= 0) {
		cursor = l->after;
		inclusive = false;
	}
	if (l->max == 0)
		return 0;
	for (;;) {
		sqlite3_stmt *st = db_prep(inclusive ? "SELECT key, size, etag, mtime, storage_class, checksum_member, "
						       "checksum_type FROM s3_objects WHERE bucket = ?1 AND key >= ?2 ORDER BY key LIMIT ?3"
						     : "SELECT key, size, etag, mtime, storage_class, checksum_member, "
						       "checksum_type FROM s3_objects WHERE bucket = ?1 AND key > ?2 ORDER BY key LIMIT ?3");
		db_bind_text(st, 1, bucket);
		db_bind_text(st, 2, cursor);
		sqlite3_bind_int(st, 3, l->max - l->count + 1);
		const char *seek = NULL;
		int rows = 0, rc;
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			rows++;
			const char *key = db_col_text(st, 0);
			if (strncmp(key, prefix, plen)) {
				db_done(st);
				return 0; /* past the prefix: done */
			}
			const char *d = dlen ? strstr(key + plen, l->delimiter) : NULL;
			if (d) {
				size_t cpl = (size_t)(d - key) + dlen;
				char *cp = arena_strndup(c->arena, key, cpl);
				seek = past_prefix(c, cp);
				if (l->after && strcmp(cp, l->after) <= 0)
					break; /* already returned on an earlier page */
				if (l->count == l->max) {
					l->truncated = true;
					db_done(st);
					return 0;
				}
				json_t *e = json_object();
				add_encoded(c, e, "Prefix", cp, l->url);
				json_array_append_new(l->prefixes, e);
				l->count++;
				l->last = cp;
				l->last_is_prefix = true;
				break; /* jump past everything under cp */
			}
			if (l->count == l->max) {
				l->truncated = true;
				db_done(st);
				return 0;
			}
			json_array_append_new(l->contents, object_entry(c, l, st, versions));
			l->count++;
			l->last = arena_strdup(c->arena, key);
			l->last_is_prefix = false;
		}
		db_done(st);
		if (rc != SQLITE_ROW && rc != SQLITE_DONE)
			return s3_internal(c, "list");
		if (seek) {
			cursor = seek;
			inclusive = true;
			continue;
		}
		if (!rows || rc == SQLITE_DONE)
			return 0;
		cursor = l->last;
		inclusive = false;
	}
}

static int max_keys(struct call *c, int *out)
{
	int64_t m = call_int(c, "MaxKeys", 1000);
	if (m < 0)
		return call_error(c, ERR_INVALID_ARGUMENT, "Argument maxKeys must be an integer between 0 and 2147483647");
	*out = m > 1000 ? 1000 : (int)m;
	return 0;
}

static int common_setup(struct call *c, struct s3_bucket *b, struct listing *l)
{
	if (s3_input_bucket(c, b))
		return -1;
	memset(l, 0, sizeof *l);
	l->prefix = call_str(c, "Prefix");
	l->delimiter = call_str(c, "Delimiter");
	if (l->delimiter && !*l->delimiter)
		l->delimiter = NULL;
	const char *enc = call_str(c, "EncodingType");
	if (enc && strcmp(enc, "url"))
		return call_error(c, ERR_INVALID_ARGUMENT, "Invalid Encoding Method specified in Request");
	l->url = enc != NULL;
	l->account = b->account;
	return max_keys(c, &l->max);
}

/* encode_prefix: whether this listing encodes its Prefix element (v2 and
 * versions do; v1 does not — the elements S3 encodes are the ones botocore
 * decodes). */
static void common_output(struct call *c, struct s3_bucket *b, struct listing *l, bool encode_prefix)
{
	call_set(c, "Name", json_string(b->name));
	json_t *tmp = json_object();
	add_encoded(c, tmp, "Prefix", l->prefix ? l->prefix : "", l->url && encode_prefix);
	if (l->delimiter)
		add_encoded(c, tmp, "Delimiter", l->delimiter, l->url);
	json_object_update(c->output ? c->output : (c->output = json_object()), tmp);
	json_decref(tmp);
	call_set(c, "MaxKeys", json_integer(l->max));
	call_set(c, "IsTruncated", json_boolean(l->truncated));
	if (l->url)
		call_set(c, "EncodingType", json_string("url"));
	if (json_array_size(l->prefixes))
		call_set(c, "CommonPrefixes", json_incref(l->prefixes));
	json_decref(l->prefixes);
}

int s3_list_objects(struct call *c)
{
	struct s3_bucket b;
	struct listing l;
	if (common_setup(c, &b, &l))
		return -1;
	const char *marker = call_str(c, "Marker");
	l.after = marker && *marker ? marker : NULL;
	l.owner = true;
	if (walk(c, b.name, &l, false)) {
		json_decref(l.contents);
		json_decref(l.prefixes);
		return -1;
	}
	common_output(c, &b, &l, false);
	json_t *tmp = json_object();
	add_encoded(c, tmp, "Marker", marker ? marker : "", l.url);
	/* NextMarker is only given with a delimiter (clients use the last key otherwise). */
	if (l.truncated && l.delimiter && l.last)
		add_encoded(c, tmp, "NextMarker", l.last, l.url);
	json_object_update(c->output, tmp);
	json_decref(tmp);
	if (json_array_size(l.contents))
		call_set(c, "Contents", l.contents);
	else
		json_decref(l.contents);
	return 0;
}

/* Continuation tokens are opaque to clients: base64 of the resume point. */
static const char *token_encode(struct call *c, const char *last, bool is_prefix)
{
	char *raw = arena_printf(c->arena, "%c%s", is_prefix ? 'p' : 'k', last);
	size_t n = strlen(raw);
	char *out = arena_alloc(c->arena, base64_encoded_len(n) + 1);
	base64_encode((const unsigned char *)raw, n, out);
	return out;
}

static int token_decode(struct call *c, const char *tok, const char **after)
{
	size_t n = strlen(tok);
	unsigned char *raw = arena_alloc(c->arena, n + 4);
	long rl = base64_decode(tok, n, raw);
	if (rl < 2 || (raw[0] != 'k' && raw[0] != 'p') || memchr(raw, 0, (size_t)rl))
		return call_error(c, ERR_INVALID_ARGUMENT, "The continuation token provided is incorrect");
	raw[rl] = 0;
	*after = (const char *)raw + 1;
	return 0;
}

int s3_list_objects_v2(struct call *c)
{
	struct s3_bucket b;
	struct listing l;
	if (common_setup(c, &b, &l))
		return -1;
	const char *token = call_str(c, "ContinuationToken"), *start = call_str(c, "StartAfter");
	if (token && *token) {
		if (token_decode(c, token, &l.after))
			return -1;
	} else if (start && *start) {
		l.after = start;
	}
	l.owner = call_bool(c, "FetchOwner", false);
	if (walk(c, b.name, &l, false)) {
		json_decref(l.contents);
		json_decref(l.prefixes);
		return -1;
	}
	common_output(c, &b, &l, true);
	call_set(c, "KeyCount", json_integer(l.count));
	if (token)
		call_set(c, "ContinuationToken", json_string(token));
	if (start) {
		json_t *tmp = json_object();
		add_encoded(c, tmp, "StartAfter", start, l.url);
		json_object_update(c->output, tmp);
		json_decref(tmp);
	}
	if (l.truncated && l.last)
		call_set(c, "NextContinuationToken", json_string(token_encode(c, l.last, l.last_is_prefix)));
	if (json_array_size(l.contents))
		call_set(c, "Contents", l.contents);
	else
		json_decref(l.contents);
	return 0;
}

int s3_list_object_versions(struct call *c)
{
	struct s3_bucket b;
	struct listing l;
	if (common_setup(c, &b, &l))
		return -1;
	const char *km = call_str(c, "KeyMarker"), *vm = call_str(c, "VersionIdMarker");
	if (vm && *vm && (!km || !*km))
		return call_error(c, ERR_INVALID_ARGUMENT, "A version-id marker cannot be specified without a key marker.");
	/* One version per key: a version-id marker for a key means "after that key". */
	l.after = km && *km ? km : NULL;
	l.owner = true;
	if (walk(c, b.name, &l, true)) {
		json_decref(l.contents);
		json_decref(l.prefixes);
		return -1;
	}
	common_output(c, &b, &l, true);
	json_t *tmp = json_object();
	add_encoded(c, tmp, "KeyMarker", km ? km : "", l.url);
	if (l.truncated && l.last)
		add_encoded(c, tmp, "NextKeyMarker", l.last, l.url);
	json_object_update(c->output, tmp);
	json_decref(tmp);
	call_set(c, "VersionIdMarker", json_string(vm ? vm : ""));
	if (l.truncated && l.last) {
		if (!l.last_is_prefix)
			call_set(c, "NextVersionIdMarker", json_string("null"));
	}
	if (json_array_size(l.contents))
		call_set(c, "Versions", l.contents);
	else
		json_decref(l.contents);
	return 0;
}
