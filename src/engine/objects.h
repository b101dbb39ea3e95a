/* objects.h — reading an object another service stores, by bucket and key
 * (Lambda's S3Bucket/S3Key code, later Glue jobs' scripts and COPY's
 * sources), without calling that service.
 *
 * The service that owns the objects (S3) registers one reader at start-up;
 * a reader answers with an open read-only file descriptor on the object's
 * body (store/blob.c) and its size, or with the error S3 itself would give
 * (NoSuchBucket, NoSuchKey, AccessDenied, NoSuchVersion) so the caller can
 * quote it as AWS does ("S3 Error Code: NoSuchKey").
 */
#ifndef NUAGE_ENGINE_OBJECTS_H
#define NUAGE_ENGINE_OBJECTS_H

#include <stddef.h>
#include <stdint.h>

struct objects_error {
	char code[48];     /* S3's error code */
	char message[200];
};

/* 0 with *fd (caller closes) and *size; -1 with e filled. version may be NULL. */
typedef int (*objects_open_fn)(const char *account, const char *bucket, const char *key, const char *version, int *fd,
			       int64_t *size, struct objects_error *e);

/* At start-up. NULL unregisters (stop, tests). */
void objects_register(objects_open_fn fn);
/* 0, -1 (e filled), or -2 when no service stores objects in this nuage. */
int objects_open(const char *account, const char *bucket, const char *key, const char *version, int *fd, int64_t *size,
		 struct objects_error *e);

#endif
