/* hot.c — small objects recently read, kept in memory for GET and HEAD.
 *
 * A GET of a small object otherwise costs a read snapshot and three queries
 * (bucket, row, inline body): more than everything else the request does.
 * The cache holds what those queries returned, tagged with the database's
 * commit epoch read before they ran (store/db.h), and an entry is used only
 * while that epoch is still current. So a hit returns exactly what the
 * queries would return now: any commit anywhere (a PUT, a DELETE, a bucket
 * change, a tag) retires every entry at once. That is coarse, and it is why
 * nothing here needs to know which operations change what.
 *
 * Only objects whose body lives in the database (store/blob.h: up to
 * BLOB_INLINE_MAX) are kept: a bigger one's GET is bound by streaming its
 * file, not by the lookups.
 *
 * Invariants:
 *  1. An entry never changes after it is published. A slot's lock covers
 *     only swapping the slot's pointer and taking a reference, so a reader
 *     preempted (16 connections on one core) holds nobody up. A hit keeps
 *     its reference until the call's arena is freed, after the response is
 *     sent straight from the entry's body; the last reference frees it.
 *  2. An entry's JSON values are never modified after it is published. A
 *     hit hands them out by reference (jansson's reference counts are
 *     atomic, and its read-only functions thread-safe: jansson.h,
 *     JANSSON_THREAD_SAFE_REFCOUNT), and GET and HEAD only read them.
 */
#include "svc/s3/s3int.h"
#include "core/mem.h"
#include "core/str.h"
#include "store/db.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#ifndef JANSSON_THREAD_SAFE_REFCOUNT
#error "svc/s3/hot.c shares JSON values between threads: it needs jansson built with atomic reference counts"
#endif

#define HOT_SLOTS 128 /* at most HOT_SLOTS * BLOB_INLINE_MAX bytes of bodies */

struct hot_entry {
	int refs; /* the slot's, plus one per call still answering from it */
	uint64_t epoch;
	struct s3_bucket b;
	char *key;
	int64_t size, mtime;
	char etag[80];
	char blob[BLOB_ID_LEN + 1];
	char *storage_class;
	json_t *attrs, *tags;
	size_t blen;
	char *body;
};

static struct {
	pthread_mutex_t mu[HOT_SLOTS];
	struct hot_entry *e[HOT_SLOTS];
	pthread_once_t once;
} hot = {.once = PTHREAD_ONCE_INIT};

static void hot_init(void)
{
	for (int i = 0; i < HOT_SLOTS; i++)
		pthread_mutex_init(&hot.mu[i], NULL);
}

static unsigned slot_of(const char *bucket, const char *key)
{
	uint64_t h = 1469598103934665603ull; /* FNV-1a over bucket, NUL, key */
	for (const char *p = bucket; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ull;
	h *= 1099511628211ull;
	for (const char *p = key; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ull;
	return (unsigned)(h % HOT_SLOTS);
}

static void entry_put(struct hot_entry *e)
{
	if (!e || __atomic_sub_fetch(&e->refs, 1, __ATOMIC_ACQ_REL))
		return;
	json_decref(e->attrs);
	json_decref(e->tags);
	free(e->key);
	free(e->storage_class);
	free(e->body);
	free(e);
}

static void entry_put_cb(void *p)
{
	entry_put(p);
}

static void json_free_cb(void *p)
{
	json_decref(p);
}

static json_t *share(json_t *v)
{
	return v ? json_incref(v) : json_object();
}

int s3_hot_get(struct call *c, const char *bucket, const char *key, struct s3_bucket *b, struct s3_object *o,
	       const char **body)
{
	pthread_once(&hot.once, hot_init);
	unsigned i = slot_of(bucket, key);
	uint64_t now = db_commit_epoch();
	pthread_mutex_lock(&hot.mu[i]);
	struct hot_entry *e = hot.e[i];
	if (e && e->epoch == now && !strcmp(e->b.name, bucket) && !strcmp(e->key, key))
		__atomic_add_fetch(&e->refs, 1, __ATOMIC_RELAXED);
	else
		e = NULL;
	pthread_mutex_unlock(&hot.mu[i]);
	if (!e)
		return 0;
	*b = e->b;
	memset(o, 0, sizeof *o);
	o->bucket = b->name;
	o->key = key;
	o->size = e->size;
	o->mtime = e->mtime;
	memcpy(o->etag, e->etag, sizeof o->etag);
	memcpy(o->blob, e->blob, sizeof o->blob);
	o->storage_class = e->storage_class ? arena_strdup(c->arena, e->storage_class) : NULL;
	o->attrs = share(e->attrs);
	o->tags = share(e->tags);
	arena_on_free(c->arena, json_free_cb, o->attrs);
	arena_on_free(c->arena, json_free_cb, o->tags);
	/* The body is sent from the entry itself, which the call's reference
	 * keeps alive until the response has gone. */
	arena_on_free(c->arena, entry_put_cb, e);
	*body = e->body;
	return 1;
}

void s3_hot_put(uint64_t epoch, const struct s3_bucket *b, const struct s3_object *o, const char *body, size_t blen)
{
	/* A commit since the read began: the entry would never be used, and it
	 * would push out one that may be. */
	if (!blob_is_inline(o->blob) || (int64_t)blen != o->size || epoch != db_commit_epoch())
		return;
	pthread_once(&hot.once, hot_init);
	struct hot_entry *e = xcalloc(1, sizeof *e);
	e->refs = 1;
	e->epoch = epoch;
	e->b = *b;
	e->key = xstrdup(o->key);
	e->size = o->size;
	e->mtime = o->mtime;
	memcpy(e->etag, o->etag, sizeof e->etag);
	memcpy(e->blob, o->blob, sizeof e->blob);
	e->storage_class = o->storage_class ? xstrdup(o->storage_class) : NULL;
	e->attrs = o->attrs ? json_deep_copy(o->attrs) : NULL;
	e->tags = o->tags ? json_deep_copy(o->tags) : NULL;
	e->blen = blen;
	e->body = xmalloc(blen + 1);
	memcpy(e->body, body, blen);
	unsigned i = slot_of(b->name, o->key);
	pthread_mutex_lock(&hot.mu[i]);
	struct hot_entry *old = hot.e[i];
	hot.e[i] = e;
	pthread_mutex_unlock(&hot.mu[i]);
	entry_put(old);
}

void s3_hot_free(void)
{
	pthread_once(&hot.once, hot_init);
	for (int i = 0; i < HOT_SLOTS; i++) {
		pthread_mutex_lock(&hot.mu[i]);
		struct hot_entry *e = hot.e[i];
		hot.e[i] = NULL;
		pthread_mutex_unlock(&hot.mu[i]);
		entry_put(e);
	}
}
