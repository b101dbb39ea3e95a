/* objects.h — the warehouse's view of nuage's S3: the only file that knows
 * S3's tables (s3_buckets, s3_objects; see svc/s3/s3int.h). Stages read
 * objects straight from the store (blob_open), never over HTTP.
 *
 * A stage may only read buckets of the account that owns it, as an AWS
 * stage may only read what its credentials allow.
 */
#ifndef NUAGE_WAREHOUSE_OBJECTS_H
#define NUAGE_WAREHOUSE_OBJECTS_H

#include <stdint.h>

#include "store/blob.h"
#include "warehouse/wh.h"

#define OBJ_MAX_LIST 1000000

struct wh_object {
	char *key;                     /* owned by the list (obj_list_free) */
	int64_t size, mtime;
	char etag[80];                 /* without quotes */
	char blob[BLOB_ID_LEN + 1];
};

/* "s3://bucket/prefix" -> bucket, prefix (malloc'd, caller frees). -1 if
 * the URL names no bucket. */
int obj_parse_url(const char *url, char **bucket, char **prefix);

/* 0 when account owns bucket; -1 with e filled otherwise. */
int obj_bucket_check(const char *bucket, const char *account, struct wh_err *e);
/* Objects under prefix, in key order, at most max (more: -1, e says so). */
int obj_list(const char *bucket, const char *prefix, int max, struct wh_object **out, int *n, struct wh_err *e);
void obj_list_free(struct wh_object *list, int n);
/* 1 found (o filled, o->key malloc'd), 0 absent, -1 error. */
int obj_get(const char *bucket, const char *key, struct wh_object *o, struct wh_err *e);
/* Deletes the object if it is still the version loaded (same ETag); the
 * PURGE copy option. 0, or -1 (logged; PURGE failures are not reported,
 * as on Snowflake). */
int obj_purge(const char *bucket, const char *key, const char *etag);

#endif
